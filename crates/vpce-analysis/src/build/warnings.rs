//! Warnings about the inputs' gaps: what the report could not see and what
//! to add to the logs.

use vpce_model::Totals;

use crate::dns::DnsAggregator;
use crate::flow::FlowAggregator;

/// The report's warnings, in a fixed order.
pub(super) fn warnings(dns: &DnsAggregator, flow: &FlowAggregator, no_nat_found: bool, totals: &Totals) -> Vec<String> {
    let mut warnings = Vec::new();
    if dns.records == 0 {
        warnings.push("no Resolver query-log records: destinations are attributed by AWS IP ranges only (S3 and DynamoDB by range; other AWS services show as unattributed)".into());
    }
    if flow.records == 0 {
        warnings.push("no flow-log records: services are ranked by query count; bytes through NAT are unknown".into());
        return warnings;
    }
    if no_nat_found && !flow.fields.traffic_path {
        warnings.push("no NAT gateway found: the flow logs have neither pkt-dstaddr nor traffic-path, and no --nat-ip/--nat-eni was given, so traffic to public addresses could not be tied to NAT (see bytes_unknown_path)".into());
    }
    if totals.bytes_unknown_path > 0 {
        warnings.push(format!(
            "{} bytes to public addresses went by a path the logs do not show (add traffic-path and pkt-dstaddr to the flow-log format, or give --nat-ip)",
            totals.bytes_unknown_path
        ));
    }
    if let (Some(dmin), Some(dmax), Some(fmin), Some(fmax)) = (dns.span.min, dns.span.max, flow.span.min, flow.span.max)
    {
        if dmax < fmin || fmax < dmin {
            warnings.push("the Resolver logs and the flow logs cover different times: addresses are matched to the nearest answer, which may be stale".into());
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{egress, flows, resolver, OTHER_IP};
    use super::super::AnalysisConfig;
    use super::*;

    #[test]
    fn empty_inputs_warn_about_both_logs_and_nothing_else() {
        let cfg = AnalysisConfig::default();
        let (dns, _) = resolver(&cfg, &[]);
        let w = warnings(&dns, &flows(&cfg, &[], &[]), true, &Totals::default());
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].starts_with("no Resolver query-log records") && w[1].starts_with("no flow-log records"));
    }

    #[test]
    fn unknown_path_bytes_are_quoted() {
        let cfg = AnalysisConfig::default();
        let (dns, _) = resolver(&cfg, &[]);
        let f = flows(&cfg, &[], &[egress("10.0.0.5", OTHER_IP, 1, 0)]);
        let totals = Totals {
            bytes_unknown_path: 42,
            ..Default::default()
        };
        let w = warnings(&dns, &f, false, &totals);
        assert!(w.iter().any(|m| m.starts_with("42 bytes to public addresses")), "{w:?}");
    }
}
