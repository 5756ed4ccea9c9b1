//! Logs Insights results into the analysis: what the rows of the two queries
//! ([`vpce_formats::insights`]) become before the aggregators read them.
//!
//! - Resolver rows go straight into a [`DnsAggregator`], each weighted by
//!   the number of queries it stands for.
//! - Flow rows become flow-log text with a header line (hourly sums), read
//!   by the same parser as files.
//!
//! The AWS shell runs the queries and hands the rows here; a row that cannot
//! be read is named in `errors`, never dropped silently.

use vpce_formats::flow::FlowFormat;
use vpce_formats::insights::{self, Row};
use vpce_model::InputStats;

use crate::{DnsAggregator, FlowAggregator, TimeFilter};

/// The flow-log query for a flow log written in `format`: it groups by the
/// fields the analysis reads ([`FlowAggregator::FIELDS`]).
///
/// # Errors
/// See [`insights::flow_query`].
pub fn flow_query(format: &FlowFormat) -> Result<String, String> {
    insights::flow_query(format, FlowAggregator::FIELDS)
}

/// What the Resolver query's rows add up to.
#[derive(Debug)]
pub struct DnsRows {
    pub aggregate: DnsAggregator,
    /// One input; its records are the queries the rows stand for, and each
    /// row not understood is a malformed line.
    pub stats: InputStats,
    /// Why each row not understood was left out.
    pub errors: Vec<String>,
}

/// Aggregates the rows of [`insights::dns_query`] as if they were the
/// Resolver records they count.
pub fn dns_rows(rows: &[Row], filter: TimeFilter) -> DnsRows {
    let mut aggregate = DnsAggregator::new(filter);
    let mut stats = InputStats {
        files: 1,
        ..Default::default()
    };
    let mut errors = Vec::new();
    for row in rows {
        match insights::dns_row(row) {
            Ok((q, n)) => aggregate.push_weighted(&q, n),
            Err(e) => {
                stats.malformed += 1;
                errors.push(e);
            }
        }
    }
    stats.records = aggregate.records();
    DnsRows {
        aggregate,
        stats,
        errors,
    }
}

/// Flow-log text rebuilt from the flow query's rows.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FlowText {
    /// A header line, then one line per row.
    pub text: String,
    /// Why each row not understood was left out.
    pub errors: Vec<String>,
}

/// Rebuilds the rows of [`flow_query`] for `format` as flow-log text whose
/// header names its fields.
pub fn flow_text(rows: &[Row], format: &FlowFormat) -> FlowText {
    let group = insights::flow_group_fields(format, FlowAggregator::FIELDS);
    let mut text = insights::flow_header(format, FlowAggregator::FIELDS);
    text.push('\n');
    let mut errors = Vec::new();
    for row in rows {
        match insights::flow_row(row, &group) {
            Ok(line) => {
                text.push_str(&line);
                text.push('\n');
            }
            Err(e) => errors.push(e),
        }
    }
    FlowText { text, errors }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, &str)]) -> Row {
        pairs.iter().map(|(f, v)| (f.to_string(), v.to_string())).collect()
    }

    #[test]
    fn dns_rows_count_queries_and_name_bad_rows() {
        let good = row(&[
            ("qname", "sts.amazonaws.com"),
            ("vpc", "vpc-1"),
            ("rgn", "eu-west-1"),
            ("acct", "123456789012"),
            ("a0", "52.94.0.1"),
            ("hour", "2026-11-01 00:00:00.000"),
            ("queries", "7"),
        ]);
        let mut bad = good.clone();
        bad.retain(|(f, _)| f != "queries");
        bad.push(("queries".into(), "many".into()));
        let out = dns_rows(&[good.clone(), bad, good], TimeFilter::default());
        assert_eq!(out.stats.records, 14);
        assert_eq!(out.stats.files, 1);
        assert_eq!(out.stats.malformed, 1);
        assert_eq!(out.errors.len(), 1);
        assert!(out.errors[0].contains("many"), "{:?}", out.errors);
    }

    #[test]
    fn flow_text_has_the_header_and_one_line_per_good_row() {
        let format = FlowFormat::default();
        // Grouped fields the row lacks are written as `-`; the parser
        // checks values, not this step.
        let good = row(&[("hour", "2026-11-01 00:00:00.000"), ("bytes", "100")]);
        let no_hour = row(&[("bytes", "5")]);
        let out = flow_text(&[good, no_hour], &format);
        let lines: Vec<&str> = out.text.lines().collect();
        assert_eq!(lines[0], insights::flow_header(&format, FlowAggregator::FIELDS));
        assert_eq!(lines.len(), 2, "{}", out.text);
        assert!(lines[1].ends_with(" 100 0 1793491200 1793494799"), "{}", lines[1]);
        assert_eq!(out.errors, vec!["row without hour".to_string()]);
    }
}
