//! The time window a report covers: `--since`/`--until` when both are
//! given, else the span the records show.

use vpce_formats::time::format_rfc3339;
use vpce_model::Window;

use crate::dns::DnsAggregator;
use crate::flow::FlowAggregator;
use crate::hours::{self, Strays};
use crate::TimeFilter;

/// Without a whole window given, the aggregate without the flow records far
/// from the bulk of the others, and what was taken out.
pub(super) fn strays(filter: TimeFilter, flow: &FlowAggregator) -> Option<(FlowAggregator, Strays)> {
    if filter.since.is_some() && filter.until.is_some() {
        return None;
    }
    hours::without_strays(flow)
}

/// The warning that names the records taken out of the window and the totals.
pub(super) fn stray_warning(s: &Strays) -> String {
    let at = if s.first.file.is_empty() {
        String::new()
    } else {
        format!(" at {} line {}", s.first.file, s.first.line)
    };
    format!(
        "{} flow records ({} bytes) lie far outside the bulk of the others and were left out of the window and the totals: the first{at} starts {}; if they belong, choose the window with --since/--until",
        s.records,
        s.bytes,
        format_rfc3339(s.first.start)
    )
}

/// How far Resolver records may lie outside the flow records and still widen
/// the window: the flow-record stray rule's gap for the flow records' span.
fn reach_seconds(flow: &FlowAggregator) -> Option<i64> {
    let (min, max) = (flow.span.min?, flow.span.max?);
    let span_hours = (max - min) / 3600 + 1;
    let gap = (hours::STRAY_GAP_FACTOR * span_hours).clamp(hours::MIN_STRAY_GAP_HOURS, hours::MAX_GAP_HOURS);
    Some(gap * 3600)
}

/// The Resolver records' span, cut to what lies within reach of the flow
/// records (the flow records carry the bytes every monthly figure scales):
/// one stray query from an old file must not stretch the window.
fn dns_within_reach(dns: &DnsAggregator, flow: &FlowAggregator) -> (Option<i64>, Option<i64>) {
    let (Some(reach), Some(fmin), Some(fmax)) = (reach_seconds(flow), flow.span.min, flow.span.max) else {
        return (dns.span.min, dns.span.max);
    };
    let keep = |t: i64| t >= fmin - reach && t <= fmax + reach;
    (
        dns.span.min.map(|t| if keep(t) { t } else { fmin }),
        dns.span.max.map(|t| if keep(t) { t } else { fmax }),
    )
}

/// A warning when Resolver records lie too far from the flow records to
/// widen the window.
pub(super) fn dns_beyond_warning(filter: TimeFilter, dns: &DnsAggregator, flow: &FlowAggregator) -> Option<String> {
    if filter.since.is_some() && filter.until.is_some() {
        return None;
    }
    let (min, max) = dns_within_reach(dns, flow);
    let far: Vec<String> = [(dns.span.min, min), (dns.span.max, max)]
        .into_iter()
        .filter_map(|(was, kept)| match (was, kept) {
            (Some(w), Some(k)) if w != k => Some(format_rfc3339(w)),
            _ => None,
        })
        .collect();
    (!far.is_empty()).then(|| {
        format!(
            "Resolver query-log records reach {}, far outside the flow records: the window follows the flow records; if those queries belong, choose the window with --since/--until",
            far.join(" and ")
        )
    })
}

/// The window, its length in hours (to the millihour) and the hours inside
/// it without any flow record.
pub(super) fn window(filter: TimeFilter, dns: &DnsAggregator, flow: &FlowAggregator) -> Window {
    let (start, end, source) = match (filter.since, filter.until) {
        (Some(s), Some(u)) => (Some(s), Some(u), "given"),
        _ => {
            let (dns_min, dns_max) = dns_within_reach(dns, flow);
            let min = [dns_min, flow.span.min].into_iter().flatten().min();
            let max = [dns_max, flow.span.max].into_iter().flatten().max();
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
                (first..=last).filter(|h| !flow.hours.contains_key(h)).count() as u64
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

    /// Ten records in one hour and one from 1975: the stray one is left out
    /// of the window and the totals, and the warning names where it was.
    #[test]
    fn a_record_far_outside_the_others_is_left_out_with_a_warning() {
        use super::super::{build_report, Reference};
        use vpce_catalog::Catalog;
        let cfg = AnalysisConfig::default();
        let mut lines = vec![egress("10.0.0.5", OTHER_IP, 100, 8); 10];
        let stray = egress("10.0.0.5", OTHER_IP, 5000, 8).replace(&format!("{T0} {}", T0 + 60), "170000000 170000060");
        lines.push(stray);
        let (dns, r) = resolver(&cfg, &[]);
        let f = super::super::fixture::flows_with(&cfg, r.clone(), &lines);
        let (clean, s) = strays(TimeFilter::default(), &f).expect("a stray");
        assert_eq!(
            (s.records, s.bytes, s.first.start, s.first.line),
            (1, 5000, 170_000_000, 0)
        );
        let w = window(TimeFilter::default(), &dns, &clean);
        assert_eq!((w.hours, w.start.as_deref()), (0.017, Some("2025-12-01T00:00:00Z")));
        let text = stray_warning(&s);
        assert!(
            text.contains("1 flow records (5000 bytes)") && text.contains("1975-05-22T"),
            "{text}"
        );
        assert!(text.contains("--since/--until"), "{text}");
        let catalog = Catalog::embedded();
        let reference = Reference {
            catalog: &catalog,
            resolver: &r,
        };
        let report = build_report(&dns, &f, Default::default(), &cfg, &reference);
        assert_eq!(report.totals.bytes_via_internet_gateway, 1000, "{:?}", report.totals);
        assert_eq!(report.totals.bytes_read, 1000);
        assert!(
            report.warnings.iter().any(|m| m.contains("far outside")),
            "{:?}",
            report.warnings
        );
        // A window given whole is the user's choice: nothing is left out.
        let given = TimeFilter {
            since: Some(0),
            until: Some(T0 + 3600),
        };
        assert!(strays(given, &f).is_none());
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

    #[test]
    fn a_stray_resolver_record_does_not_stretch_the_window() {
        let cfg = AnalysisConfig::default();
        let old = super::super::fixture::sqs_query().replace("2025-12-01T00:00:00Z", "1975-06-01T00:00:00Z");
        let near = super::super::fixture::sqs_query();
        let f = flows(&cfg, &[], &[egress("10.0.0.5", OTHER_IP, 1, 1)]);
        let (dns, _) = resolver(&cfg, &[old, near]);
        let w = window(TimeFilter::default(), &dns, &f);
        assert!(w.hours < 2.0, "{w:?}");
        assert_eq!(w.start.as_deref(), Some("2025-12-01T00:00:00Z"));
        let warn = dns_beyond_warning(TimeFilter::default(), &dns, &f).expect("a warning");
        assert!(
            warn.contains("1975-06-01T00:00:00Z") && warn.contains("--since/--until"),
            "{warn}"
        );
        // Queries near the flow records still widen the window, without a word.
        let (dns, _) = resolver(&cfg, &[super::super::fixture::sqs_query()]);
        assert!(dns_beyond_warning(TimeFilter::default(), &dns, &f).is_none());
    }
}
