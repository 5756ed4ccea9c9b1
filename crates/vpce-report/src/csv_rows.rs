//! One CSV row per service (per VPC once reports hold several), with stable
//! column names documented in docs/report-schema.md. Text that a spreadsheet
//! would take for a formula is prefixed with `'`.

use std::io::{self, Write};

use vpce_model::{Report, ServiceUsage};

/// The columns, in order. Adding a column appends it; none is renamed.
pub const COLUMNS: [&str; 24] = [
    "account_id",
    "vpc_region",
    "vpc_id",
    "service",
    "service_region",
    "endpoint_service_name",
    "endpoint_types",
    "endpoint_supported",
    "endpoint_exists",
    "query_count",
    "bytes_via_nat",
    "bytes_via_nat_not_covered",
    "bytes_via_endpoint",
    "bytes_other",
    "window_hours",
    "monthly_gb_via_nat",
    "monthly_cost_now_usd",
    "monthly_cost_with_endpoint_usd",
    "monthly_savings_usd",
    "break_even_gb_per_month",
    "recommendation",
    "prices_region",
    "prices_as_of",
    "reasons",
];

/// A text cell a spreadsheet will not evaluate.
fn text(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

fn opt(v: Option<f64>) -> String {
    v.map_or(String::new(), |v| v.to_string())
}

fn row(r: &Report, s: &ServiceUsage) -> Vec<String> {
    // A report of one VPC names it on every row; otherwise the rows are the
    // roll-up's and the VPC columns stay empty.
    let vpc = match r.network.vpcs.as_slice() {
        [one] => Some(one),
        _ => None,
    };
    let types: Vec<String> = s
        .endpoint_types
        .iter()
        .map(|t| format!("{t:?}").to_lowercase())
        .collect();
    vec![
        text(vpc.and_then(|v| v.account_id.as_deref()).unwrap_or("")),
        text(vpc.and_then(|v| v.region.as_deref()).unwrap_or("")),
        text(vpc.map_or("", |v| v.vpc_id.as_str())),
        text(&s.service),
        text(s.region.as_deref().unwrap_or("")),
        text(s.endpoint_service_name.as_deref().unwrap_or("")),
        types.join("+"),
        s.endpoint_supported.to_string(),
        s.endpoint_exists.to_string(),
        s.query_count.to_string(),
        s.bytes_via_nat.to_string(),
        s.bytes_via_nat_not_covered.to_string(),
        s.bytes_via_endpoint.to_string(),
        s.bytes_other.to_string(),
        r.window.hours.to_string(),
        opt(s.monthly_gb_via_nat),
        opt(s.monthly_cost_now_usd),
        opt(s.monthly_cost_with_endpoint_usd),
        opt(s.monthly_savings_usd),
        opt(s.break_even_gb_per_month),
        s.recommendation.map_or("", |x| x.as_str()).to_string(),
        text(r.pricing.as_ref().map_or("", |p| p.region.as_str())),
        text(r.pricing.as_ref().map_or("", |p| p.as_of.as_str())),
        text(&s.reasons.join(" | ")),
    ]
}

/// The services as CSV, header first.
///
/// # Errors
/// Write errors.
pub fn render_csv(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(COLUMNS)?;
    for s in &r.services {
        out.write_record(row(r, s))?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::text;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text("s3"), "s3");
    }
}
