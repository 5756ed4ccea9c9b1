//! The hourly series: NAT bytes per service and direction for every hour of
//! the window, from the same counted bytes as the totals (each byte once, by
//! the hour its flow record started in), so the lines of a service sum to
//! its `bytes_via_nat`.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;
use vpce_formats::time::{format_rfc3339, parse_rfc3339};
use vpce_model::{Series, SeriesLine, Window};

use super::ledger::sat;
use crate::flow::FlowAggregator;
use crate::resolve::Dest;

/// At most this many steps; longer windows get steps of several hours.
pub(super) const MAX_POINTS: i64 = 24 * 62;

/// A line's identity: service, Region, outbound.
type LineKey = (String, Option<String>, bool);

/// The series over `window`, or `None` without a timed window or NAT bytes
/// to AWS services.
pub(super) fn series(
    window: &Window,
    flow: &FlowAggregator,
    nat_hours: &HashMap<(u32, bool, i64), u64>,
) -> Option<Series> {
    let start = parse_rfc3339(window.start.as_deref()?)?;
    let end = parse_rfc3339(window.end.as_deref()?)?;
    let (first, last) = (crate::hour_of(start), crate::hour_of(end.max(start + 1) - 1));
    let hours = last - first + 1;
    let step_hours = (hours + MAX_POINTS - 1) / MAX_POINTS;
    let points = usize::try_from((hours + step_hours - 1) / step_hours).ok()?;
    let mut lines: BTreeMap<LineKey, Vec<u64>> = BTreeMap::new();
    for (&(dest, outbound, hour), &bytes) in nat_hours {
        let Dest::Service { service, region } = &flow.dests[dest as usize].dest else {
            continue;
        };
        // Hours outside the window (records cut by --since/--until) are not drawn.
        let Ok(i) = usize::try_from((hour - first) / step_hours) else {
            continue;
        };
        if hour < first || i >= points {
            continue;
        }
        let line = lines
            .entry((service.clone(), region.clone(), outbound))
            .or_insert_with(|| vec![0; points]);
        sat(&mut line[i], bytes);
    }
    if lines.is_empty() {
        return None;
    }
    Some(Series {
        start: format_rfc3339(first * 3600),
        step_seconds: u64::try_from(step_hours * 3600).ok()?,
        points,
        lines: ranked(lines),
    })
}

/// The lines by total bytes, the smallest beyond [`Series::MAX_LINES`]
/// summed into one `other` line per direction.
fn ranked(lines: BTreeMap<LineKey, Vec<u64>>) -> Vec<SeriesLine> {
    let mut all: Vec<SeriesLine> = lines
        .into_iter()
        .map(|((service, region, outbound), bytes)| SeriesLine {
            service,
            region,
            direction: direction(outbound).into(),
            bytes,
        })
        .collect();
    all.sort_by(|a, b| b.total().cmp(&a.total()).then_with(|| a.service.cmp(&b.service)));
    if all.len() <= Series::MAX_LINES {
        return all;
    }
    let rest = all.split_off(Series::MAX_LINES - 2);
    for outbound in [true, false] {
        let mut other: Option<SeriesLine> = None;
        for l in rest.iter().filter(|l| l.direction == direction(outbound)) {
            let o = other.get_or_insert_with(|| SeriesLine {
                service: "other".into(),
                region: None,
                direction: direction(outbound).into(),
                bytes: vec![0; l.bytes.len()],
            });
            for (a, b) in o.bytes.iter_mut().zip(&l.bytes) {
                sat(a, *b);
            }
        }
        all.extend(other);
    }
    all
}

fn direction(outbound: bool) -> &'static str {
    if outbound {
        "egress"
    } else {
        "ingress"
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{flows_with, nat_leg, record, resolver, sqs_query, SERVICE_IP};
    use super::super::{build_report, AnalysisConfig, Reference};
    use vpce_catalog::Catalog;

    #[test]
    fn each_services_lines_sum_to_its_nat_bytes() {
        let cfg = AnalysisConfig::default();
        let mut lines = nat_leg("10.0.0.5", "10.0.0.9", SERVICE_IP, 1000);
        // The reply, on the NAT gateway's interface.
        lines.push(record(
            "eni-nat", SERVICE_IP, "10.0.0.9", SERVICE_IP, "10.0.0.9", 5000, "ingress", "-",
        ));
        let (dns, resolver) = resolver(&cfg, &[sqs_query()]);
        let f = flows_with(&cfg, resolver.clone(), &lines);
        let catalog = Catalog::embedded();
        let reference = Reference {
            catalog: &catalog,
            resolver: &resolver,
        };
        let r = build_report(&dns, &f, vpce_model::Inputs::default(), &cfg, &reference);
        let series = r.series.expect("a series");
        assert_eq!(series.step_seconds, 3600);
        assert!(series.lines.iter().all(|l| l.bytes.len() == series.points));
        let sqs = r.services.iter().find(|s| s.service == "sqs").expect("sqs");
        assert_eq!(sqs.bytes_via_nat, 6000);
        for s in &r.services {
            let drawn: u64 = series
                .lines
                .iter()
                .filter(|l| l.service == s.service && l.region == s.region)
                .map(|l| l.total())
                .sum();
            assert_eq!(drawn, s.bytes_via_nat, "{}", s.service);
        }
        let directions: Vec<&str> = series.lines.iter().map(|l| l.direction.as_str()).collect();
        assert!(
            directions.contains(&"egress") && directions.contains(&"ingress"),
            "{directions:?}"
        );
    }
}
