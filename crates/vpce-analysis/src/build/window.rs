//! The time window a report covers: `--since`/`--until` when both are
//! given, else the span the records show.

use vpce_formats::time::format_rfc3339;
use vpce_model::Window;

use crate::dns::DnsAggregator;
use crate::flow::FlowAggregator;
use crate::TimeFilter;

/// The window, its length in hours (to the millihour) and the hours inside
/// it without any flow record.
pub(super) fn window(filter: TimeFilter, dns: &DnsAggregator, flow: &FlowAggregator) -> Window {
    let (start, end, source) = match (filter.since, filter.until) {
        (Some(s), Some(u)) => (Some(s), Some(u), "given"),
        _ => {
            let min = [dns.span.min, flow.span.min].into_iter().flatten().min();
            let max = [dns.span.max, flow.span.max].into_iter().flatten().max();
            (filter.since.or(min), filter.until.or(max), "observed")
        }
    };
    let hours = match (start, end) {
        (Some(s), Some(e)) if e > s => (e - s) as f64 / 3600.0,
        _ => 0.0,
    };
    Window {
        start: start.map(format_rfc3339),
        end: end.map(format_rfc3339),
        hours: (hours * 1000.0).round() / 1000.0,
        source: source.into(),
        hours_without_flow_records: match (start, end) {
            (Some(s), Some(e)) if flow.records > 0 && e > s => {
                let (first, last) = (crate::hour_of(s), crate::hour_of(e - 1));
                (first..=last).filter(|h| !flow.hours_seen.contains(h)).count() as u64
            }
            _ => 0,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{egress, flows, resolver, OTHER_IP, T0};
    use super::super::AnalysisConfig;
    use super::*;

    #[test]
    fn a_given_window_wins_and_counts_its_hours_without_records() {
        let cfg = AnalysisConfig::default();
        let f = flows(&cfg, &[], &[egress("10.0.0.5", OTHER_IP, 1, 1)]);
        let (dns, _) = resolver(&cfg, &[]);
        let filter = TimeFilter {
            since: Some(T0),
            until: Some(T0 + 3 * 3600),
        };
        let w = window(filter, &dns, &f);
        assert_eq!(
            (w.source.as_str(), w.hours, w.hours_without_flow_records),
            ("given", 3.0, 2)
        );
        assert_eq!(w.start.as_deref(), Some("2025-12-01T00:00:00Z"));
    }

    #[test]
    fn without_a_window_the_records_span_is_observed() {
        let cfg = AnalysisConfig::default();
        let f = flows(&cfg, &[], &[egress("10.0.0.5", OTHER_IP, 1, 1)]);
        let (dns, _) = resolver(&cfg, &[]);
        let w = window(TimeFilter::default(), &dns, &f);
        assert_eq!((w.source.as_str(), w.hours), ("observed", 0.017));
        assert_eq!(w.hours_without_flow_records, 0);
    }
}
