//! Warnings about the inputs' gaps: what the report could not see and what
//! to add to the logs.

use vpce_model::Totals;

use super::AnalysisConfig;
use crate::dns::DnsAggregator;
use crate::flow::FlowAggregator;

/// The report's warnings, in a fixed order. Each says only what the input
/// shows: the fields that are missing, what was given.
pub(super) fn warnings(
    dns: &DnsAggregator,
    flow: &FlowAggregator,
    cfg: &AnalysisConfig,
    no_nat_found: bool,
    totals: &Totals,
) -> Vec<String> {
    let mut warnings = Vec::new();
    if dns.records == 0 {
        warnings.push("no Resolver query-log records: destinations are attributed by AWS IP ranges only (S3 and DynamoDB by range; other AWS services show as unattributed)".into());
    }
    if flow.records == 0 {
        warnings.push("no flow-log records: services are ranked by query count; bytes through NAT are unknown".into());
        return warnings;
    }
    let missing = missing_path_fields(flow);
    let given_nat: Vec<String> = cfg
        .nat_ips
        .iter()
        .map(|ip| format!("--nat-ip {ip}"))
        .chain(cfg.nat_enis.iter().map(|e| format!("--nat-eni {e}")))
        .collect();
    if no_nat_found && !flow.fields.traffic_path {
        let seen = if missing.iter().any(|m| m.starts_with("pkt-")) {
            format!("the flow logs have no {}", missing.join(" and no "))
        } else {
            "no NAT gateway interface is in the flow logs (no translated legs) and they have no traffic-path".into()
        };
        let given = if given_nat.is_empty() {
            "no --nat-ip/--nat-eni was given".to_string()
        } else {
            format!("{} match no flow record", given_nat.join(", "))
        };
        warnings.push(format!(
            "no NAT gateway found: {seen}, and {given}, so traffic to public addresses could not be tied to NAT (see bytes_unknown_path)"
        ));
    }
    if totals.bytes_unknown_path > 0 {
        let mut fixes: Vec<String> = missing
            .iter()
            .map(|m| format!("add {m} to the flow-log format"))
            .collect();
        if given_nat.is_empty() {
            fixes.push("give --nat-ip".into());
        }
        let fix = if fixes.is_empty() {
            "the records carry traffic-path and packet addresses, but these conversations have neither".to_string()
        } else {
            fixes.join(", or ")
        };
        warnings.push(format!(
            "{} bytes to public addresses went by a path the logs do not show ({fix})",
            totals.bytes_unknown_path
        ));
    }
    if flow.ipv6_unplaced_bytes > 0 {
        let fix = if flow.fields.flow_direction {
            "give the VPC's IPv6 CIDR with --vpc-cidr"
        } else {
            "give the VPC's IPv6 CIDR with --vpc-cidr, or add flow-direction to the flow-log format (its interface side names the VPC's /56)"
        };
        warnings.push(format!(
            "{} bytes of IPv6 traffic could not be placed: neither address is in a VPC CIDR given or learned from the records ({fix}); they are in bytes_internal",
            flow.ipv6_unplaced_bytes
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

/// The fields that tie a public conversation to its path, absent from
/// every flow record.
fn missing_path_fields(flow: &FlowAggregator) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if !flow.fields.traffic_path {
        missing.push("traffic-path");
    }
    if !flow.fields.pkt_addrs {
        missing.push("pkt-srcaddr/pkt-dstaddr");
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{egress, flows, flows_with_header, record, resolver, HEADER, OTHER_IP};
    use super::super::AnalysisConfig;
    use super::*;

    #[test]
    fn empty_inputs_warn_about_both_logs_and_nothing_else() {
        let cfg = AnalysisConfig::default();
        let (dns, _) = resolver(&cfg, &[]);
        let w = warnings(&dns, &flows(&cfg, &[], &[]), &cfg, true, &Totals::default());
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
        let w = warnings(&dns, &f, &cfg, false, &totals);
        assert!(w.iter().any(|m| m.starts_with("42 bytes to public addresses")), "{w:?}");
    }

    /// The fixture's fields that the default (version 2) format lacks.
    const NOT_IN_V2: [&str; 5] = [
        "pkt-srcaddr",
        "pkt-dstaddr",
        "traffic-path",
        "pkt-src-aws-service",
        "pkt-dst-aws-service",
    ];

    /// The default (version 2) format: no traffic-path, no packet addresses.
    fn v2_record() -> String {
        let fields: Vec<&str> = HEADER.split(' ').collect();
        let values: Vec<String> = egress("10.0.0.5", OTHER_IP, 1, 1)
            .split(' ')
            .map(str::to_string)
            .collect();
        let keep: Vec<String> = fields
            .iter()
            .zip(&values)
            .filter(|(f, _)| !NOT_IN_V2.contains(f))
            .map(|(_, v)| v.clone())
            .collect();
        keep.join(" ")
    }

    fn v2_flows(cfg: &AnalysisConfig) -> FlowAggregator {
        let header: Vec<&str> = HEADER.split(' ').filter(|f| !NOT_IN_V2.contains(f)).collect();
        let (_, resolver) = resolver(cfg, &[]);
        flows_with_header(cfg, resolver, &header.join(" "), &[v2_record()])
    }

    fn unknown(bytes: u64) -> Totals {
        Totals {
            bytes_unknown_path: bytes,
            ..Default::default()
        }
    }

    #[test]
    fn without_path_fields_the_warnings_name_them_and_ask_for_the_nat_address() {
        let cfg = AnalysisConfig::default();
        let (dns, _) = resolver(&cfg, &[]);
        let w = warnings(&dns, &v2_flows(&cfg), &cfg, true, &unknown(5));
        let text = w.join("\n");
        assert!(
            text.contains("have no traffic-path and no pkt-srcaddr/pkt-dstaddr"),
            "{text}"
        );
        assert!(text.contains("no --nat-ip/--nat-eni was given"), "{text}");
        assert!(text.contains("add traffic-path to the flow-log format, or add pkt-srcaddr/pkt-dstaddr to the flow-log format, or give --nat-ip"), "{text}");
    }

    #[test]
    fn ipv6_bytes_that_could_not_be_placed_are_counted_in_a_warning() {
        let cfg = AnalysisConfig::default();
        let (dns, _) = resolver(&cfg, &[]);
        let (vm, site) = ("2600:1f18:aa:bb01::5", "2600:9000:1::1");
        let undirected = record("eni-app", vm, site, vm, site, 700, "-", "8");
        let f = flows(&cfg, &[], std::slice::from_ref(&undirected));
        let text = warnings(&dns, &f, &cfg, false, &Totals::default()).join("\n");
        assert!(text.contains("700 bytes of IPv6 traffic could not be placed"), "{text}");
        // Once a directed record names the VPC's /56, nothing is unplaced.
        let directed = egress(vm, site, 1, 8);
        let f = flows(&cfg, &[], &[directed, undirected]);
        let text = warnings(&dns, &f, &cfg, false, &Totals::default()).join("\n");
        assert!(!text.contains("IPv6"), "{text}");
    }

    #[test]
    fn a_given_nat_address_is_never_asked_for_again() {
        let cfg = AnalysisConfig {
            nat_ips: vec!["10.0.0.9".parse().unwrap()],
            ..Default::default()
        };
        let (dns, _) = resolver(&cfg, &[]);
        let text = warnings(&dns, &v2_flows(&cfg), &cfg, true, &unknown(5)).join("\n");
        assert!(text.contains("--nat-ip 10.0.0.9 match no flow record"), "{text}");
        assert!(!text.contains("was given") && !text.contains("give --nat-ip"), "{text}");
    }

    #[test]
    fn fields_that_are_present_are_never_said_to_be_missing() {
        let cfg = AnalysisConfig::default();
        let (dns, _) = resolver(&cfg, &[]);
        // The fixture's records carry traffic-path and packet addresses.
        let f = flows(&cfg, &[], &[egress("10.0.0.5", OTHER_IP, 1, 0)]);
        let text = warnings(&dns, &f, &cfg, true, &unknown(5)).join("\n");
        assert!(
            !text.contains("no traffic-path") && !text.contains("add traffic-path"),
            "{text}"
        );
        assert!(!text.contains("pkt-dstaddr"), "{text}");
        assert!(
            !text.contains("no NAT gateway found"),
            "traffic-path is present: {text}"
        );
    }
}
