//! Inputs the fuzz targets (fuzz/) found, kept as regression tests on
//! stable Rust: each checks what its target checks.

use vpce_formats::flow::{read_flow_log, FlowFormat, FlowReadOptions, FlowRecord, FlowSink};

/// Every callback of the flow-log reader, with its line.
#[derive(Default)]
struct Calls(Vec<(u64, String)>);

impl FlowSink for Calls {
    fn record(&mut self, _r: &FlowRecord<'_>, line: u64) {
        self.0.push((line, "record".into()));
    }
    fn malformed(&mut self, line: u64, reason: String) {
        self.0.push((line, format!("malformed: {reason}")));
    }
    fn skipped(&mut self, line: u64, reason: &str) {
        self.0.push((line, format!("skipped: {reason}")));
    }
    fn format(&mut self, f: &FlowFormat) {
        self.0.push((0, format!("format: {}", f.len())));
    }
}

fn calls(data: &[u8]) -> Vec<(u64, String)> {
    let mut sink = Calls::default();
    read_flow_log(data, &FlowReadOptions::default(), &mut sink).unwrap();
    sink.0
}

/// Each non-blank line is reported once at most: as a record, a malformed
/// line or a skipped line (headers are none of them). The fuzz target's
/// first version counted a line of spaces as blank; the reader counts it
/// as malformed, which this input (a damaged header, records, a line of one
/// space) shows.
fn assert_each_line_once(data: &[u8]) {
    let all = calls(data);
    let mut lines: Vec<u64> = all.iter().filter(|(l, _)| *l > 0).map(|(l, _)| *l).collect();
    let n = lines.len();
    lines.dedup();
    assert_eq!(lines.len(), n, "a line reported twice: {all:?}");
    // Blank by the reader's rule: empty after a trailing CR (a line of
    // spaces is a malformed line, counted).
    let non_blank = data
        .split(|&c| c == b'\n')
        .filter(|l| !l.strip_suffix(b"\r").unwrap_or(l).is_empty())
        .count();
    assert!(n <= non_blank, "{n} reports for {non_blank} lines: {all:?}");
}

#[test]
fn a_damaged_header_records_and_a_line_of_spaces_report_each_line_once() {
    let data = include_bytes!("fuzz/flow-line-reported-twice");
    assert_each_line_once(data);
}

/// Logs Insights rows whose query counts add up past `u64::MAX` (a
/// panic in debug builds, a wrapped total in release ones): a row above
/// the plausible count is a row not understood, named, and the rest add up.
#[test]
fn insights_rows_with_huge_query_counts_are_not_understood_and_do_not_overflow() {
    let text = std::str::from_utf8(include_bytes!("fuzz/insights-queries-overflow.json")).unwrap();
    let (rows, _) = vpce_formats::insights::rows_from_json(text).unwrap();
    let dns = vpce_analysis::insights::dns_rows(&rows, vpce_analysis::TimeFilter::default());
    assert_eq!(dns.stats.malformed as usize, dns.errors.len());
    assert!(
        dns.errors.iter().any(|e| e.contains("not a plausible count")),
        "{:?}",
        dns.errors
    );
    assert!(dns.stats.records <= rows.len() as u64 * vpce_formats::insights::MAX_ROW_QUERIES);

    // Two rows of the largest count still add up exactly.
    let row = |count: u64| -> vpce_formats::insights::Row {
        [
            ("qname", "sts.us-east-1.amazonaws.com."),
            ("hour", "2026-11-01 00:00:00.000"),
            ("queries", count.to_string().as_str()),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };
    let max = vpce_formats::insights::MAX_ROW_QUERIES;
    let two = vpce_analysis::insights::dns_rows(&[row(max), row(max), row(max + 1)], Default::default());
    assert_eq!(two.stats.records, 2 * max);
    assert_eq!(two.errors.len(), 1);
}

/// Found by `flow_text`: a buffer of JSON lines holding a whole value and
/// then a broken one reported the broken one on the first value's line too
/// (twice on one line, more reports than lines). Each value and each error
/// is reported on its own first line, and only the lines after a broken
/// value are read again.
#[test]
fn text_that_starts_like_json_reports_each_line_once() {
    assert_each_line_once(include_bytes!("fuzz/flow-json-like-start"));
}
