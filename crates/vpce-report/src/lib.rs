//! Every output format, rendered from the one report model into any writer.
//!
//! * [`render_table`]: for people; ranked services, unattributed traffic, the
//!   inputs behind the numbers and any warnings.
//! * [`render_json`]: the documented schema (`docs/report-schema.md`).
//! * [`render_html`]: one self-contained page with charts, for people who
//!   decide; [`render_markdown`]: a summary for a pull request or ticket;
//!   [`render_csv`]: one row per service for spreadsheets.
//! * [`render_seed_json`]: exactly the shape the original blog solution's Lambda
//!   returned, for scripts built on it.
//! * [`render_explain_table`] / [`render_explain_json`]: `explain` output.
//! * [`escape::Escaped`]: a writer that makes control characters from the logs
//!   visible, for everything printed to a terminal.

use std::io::{self, Write};

mod chart;
mod csv_rows;
pub mod escape;
mod html;
mod markdown;

pub use csv_rows::{render_csv, COLUMNS as CSV_COLUMNS};
pub use html::render_html;
pub use markdown::render_markdown;

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, ContentArrangement, Table};
use serde_json::{json, Map, Value};
use vpce_catalog::{Classification, EndpointType};
use vpce_model::{gb, Report, ServiceUsage};

fn types(t: &[EndpointType]) -> String {
    if t.is_empty() {
        return "-".into();
    }
    t.iter().map(|t| format!("{t:?}")).collect::<Vec<_>>().join("+")
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// Formats a GB figure with enough digits to be useful at any scale.
pub fn fmt_gb(bytes: u64) -> String {
    let g = gb(bytes);
    if g >= 100.0 {
        format!("{g:.0}")
    } else if g >= 1.0 {
        format!("{g:.2}")
    } else {
        format!("{g:.4}")
    }
}

/// How the table is laid out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableOptions {
    /// Service rows shown (0 = all).
    pub top: usize,
    /// The terminal's width in columns: the services table leaves out its
    /// least useful columns until it fits. `None`: every column (`--wide`,
    /// or output that is not a terminal).
    pub width: Option<usize>,
}

/// The human-readable table.
///
/// # Errors
/// Write errors.
pub fn render_table(r: &Report, opts: &TableOptions, w: &mut dyn Write) -> io::Result<()> {
    render_partial(r, w)?;
    render_services(r, opts, w)?;
    render_fixes(r, w)?;
    render_other_traffic(r, opts.width, w)?;
    render_totals(r, w)?;
    if let (Some(p), Some(c)) = (&r.pricing, &r.costs) {
        render_costs(p, c, w)?;
    }
    render_inputs(r, w)?;
    if let Some(live) = &r.live {
        render_live(live, w)?;
    }
    for warn in &r.warnings {
        writeln!(w, "warning: {warn}")?;
    }
    Ok(())
}

/// A table in the report's style: condensed borders, no wrapping.
fn new_table() -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    t
}

fn right(text: impl ToString) -> Cell {
    Cell::new(text.to_string()).set_alignment(CellAlignment::Right)
}

/// One column of the services table: its header, how much it matters when
/// the terminal is narrow (lower goes first), and its cell.
struct Column {
    header: &'static str,
    keep: u8,
    cell: fn(usize, &ServiceUsage) -> Cell,
}

fn money_cell(v: Option<f64>) -> Cell {
    right(v.map_or("-".to_string(), |v| format!("{v:.2}")))
}

/// The columns the report has data for, in display order.
fn service_columns(r: &Report) -> Vec<Column> {
    let priced = r.pricing.is_some();
    // Without prices, the recommendations that need none (gateway, exists) still show.
    let recommended = priced || r.services.iter().any(|s| s.recommendation.is_some());
    let mut cols = vec![
        Column {
            header: "#",
            keep: 5,
            cell: |i, _| Cell::new(i + 1),
        },
        Column {
            header: "service",
            keep: 10,
            cell: |_, s| Cell::new(&s.service),
        },
        Column {
            header: "endpoint service",
            keep: 3,
            cell: |_, s| Cell::new(s.endpoint_service_name.as_deref().unwrap_or("-")),
        },
        Column {
            header: "types",
            keep: 1,
            cell: |_, s| Cell::new(types(&s.endpoint_types)),
        },
        Column {
            header: "queries",
            keep: 2,
            cell: |_, s| right(s.query_count),
        },
        Column {
            header: "GB via NAT (window)",
            keep: 9,
            cell: |_, s| right(fmt_gb(s.bytes_via_nat)),
        },
        Column {
            header: "GB via endpoint (window)",
            keep: 2,
            cell: |_, s| right(fmt_gb(s.bytes_via_endpoint)),
        },
        Column {
            header: "exists",
            keep: 1,
            cell: |_, s| Cell::new(yes_no(s.endpoint_exists)),
        },
        Column {
            header: "supported",
            keep: 0,
            cell: |_, s| Cell::new(yes_no(s.endpoint_supported)),
        },
    ];
    if priced {
        cols.push(Column {
            header: "$/mo now",
            keep: 7,
            cell: |_, s| money_cell(s.monthly_cost_now_usd),
        });
        cols.push(Column {
            header: "$/mo with",
            keep: 4,
            cell: |_, s| money_cell(s.monthly_cost_with_endpoint_usd),
        });
        cols.push(Column {
            header: "savings/mo",
            keep: 8,
            cell: |_, s| money_cell(s.monthly_savings_usd),
        });
    }
    if recommended {
        cols.push(Column {
            header: "recommendation",
            keep: 10,
            cell: |_, s| Cell::new(s.recommendation.map_or("-", |r| r.as_str())),
        });
    }
    cols
}

/// The services table with the given columns.
fn services_table(r: &Report, cols: &[&Column], shown: usize) -> Table {
    let mut t = new_table();
    t.set_header(cols.iter().map(|c| c.header).collect::<Vec<_>>());
    for (i, s) in r.services.iter().take(shown).enumerate() {
        t.add_row(cols.iter().map(|c| (c.cell)(i, s)).collect::<Vec<_>>());
    }
    t
}

/// The widest line of a rendered table, in characters.
fn table_width(t: &Table) -> usize {
    t.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// The ranked services, with costs and recommendations once priced. With a
/// width, the least useful columns are left out until the table fits.
fn render_services(r: &Report, opts: &TableOptions, w: &mut dyn Write) -> io::Result<()> {
    let shown = if opts.top == 0 {
        r.services.len()
    } else {
        opts.top.min(r.services.len())
    };
    let cols = service_columns(r);
    let mut kept: Vec<&Column> = cols.iter().collect();
    let mut t = services_table(r, &kept, shown);
    let mut dropped = 0;
    if let Some(width) = opts.width {
        while table_width(&t) > width && kept.len() > 2 {
            let Some((least, _)) = kept.iter().enumerate().min_by_key(|(_, c)| c.keep) else {
                break;
            };
            kept.remove(least);
            dropped += 1;
            t = services_table(r, &kept, shown);
        }
    }
    writeln!(w, "{t}")?;
    if shown < r.services.len() {
        writeln!(w, "({} more services; --top 0 shows all)", r.services.len() - shown)?;
    }
    if dropped > 0 {
        writeln!(w, "({dropped} columns left out to fit the terminal; --wide shows all)")?;
    }
    Ok(())
}

/// The `fix-existing` services: for each existing endpoint, what to change
/// so the traffic uses it, and the monthly saving.
fn render_fixes(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    for s in r
        .services
        .iter()
        .filter(|s| s.recommendation == Some(vpce_model::Recommendation::FixExisting))
    {
        let saving = s
            .monthly_savings_usd
            .map_or("saving not priced".to_string(), |v| format!("saves ${v:.2}/mo"));
        for f in &s.endpoint_fixes {
            let mut what = Vec::new();
            if !f.missing_route_table_ids.is_empty() {
                what.push(format!(
                    "associate route tables {} (subnets {})",
                    f.missing_route_table_ids.join(", "),
                    f.subnets_bypassing.join(", ")
                ));
            }
            if f.private_dns_off {
                what.push("turn private DNS on".to_string());
            }
            if !f.vpc_dns_attributes_off.is_empty() {
                what.push(format!("turn {} on in the VPC", f.vpc_dns_attributes_off.join(" and ")));
            }
            if !f.missing_subnet_ids.is_empty() {
                what.push(format!("add subnets {}", f.missing_subnet_ids.join(", ")));
            }
            writeln!(
                w,
                "fix-existing {} {}: {}; {saving}.",
                s.service,
                f.endpoint_id,
                what.join("; ")
            )?;
        }
    }
    Ok(())
}

/// Destinations outside AWS service APIs, with a few sample destinations.
fn render_other_traffic(r: &Report, width: Option<usize>, w: &mut dyn Write) -> io::Result<()> {
    if r.unattributed.is_empty() {
        return Ok(());
    }
    let mut u = new_table();
    if let Some(width) = width {
        // The destinations wrap inside their cell rather than the row in the terminal.
        u.set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(u16::try_from(width).unwrap_or(u16::MAX));
    }
    u.set_header(vec![
        "other traffic",
        "GB via NAT (window)",
        "GB other paths (window)",
        "top destinations",
    ]);
    for o in &r.unattributed {
        u.add_row(vec![
            Cell::new(&o.label),
            right(fmt_gb(o.bytes_via_nat)),
            right(fmt_gb(o.bytes_other)),
            Cell::new(
                o.sample_destinations
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ]);
    }
    writeln!(w, "{u}")
}

/// What NAT processed, the window, the Regions and where bytes were counted.
fn render_totals(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    let tot = &r.totals;
    writeln!(
        w,
        "NAT processed {} GB: {} GB to AWS services, {} GB to other AWS addresses, {} GB outside AWS.",
        fmt_gb(tot.bytes_via_nat),
        fmt_gb(tot.bytes_via_nat_to_aws_services),
        fmt_gb(tot.bytes_via_nat_to_aws_unattributed),
        fmt_gb(tot.bytes_via_nat_not_aws)
    )?;
    let mut regions: Vec<&str> = r.network.vpcs.iter().filter_map(|v| v.region.as_deref()).collect();
    regions.sort_unstable();
    regions.dedup();
    writeln!(
        w,
        "Window: {} to {} ({} h, {}). Region{}: {}. NAT bytes counted on: {}.",
        r.window.start.as_deref().unwrap_or("?"),
        r.window.end.as_deref().unwrap_or("?"),
        r.window.hours,
        r.window.source,
        if r.network.vpcs.len() == 1 { "" } else { "s" },
        if regions.is_empty() {
            "unknown".to_string()
        } else {
            regions.join(", ")
        },
        r.network.nat_bytes_counted_on
    )
}

/// The monthly figures and every price and assumption behind them.
fn render_costs(p: &vpce_model::PricingSummary, c: &vpce_model::CostTotals, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "Monthly ({} h window × {:.2} to a {}-h month): NAT processing ${:.2} (${:.2} for AWS services) + ${:.2} for {} NAT gateway{} hours; savings if every recommendation is applied: ${:.2}{}.",
        p.window_hours,
        p.extrapolation_factor,
        p.month_hours,
        c.nat_processing_usd,
        c.nat_processing_aws_services_usd,
        c.nat_hours_usd,
        c.nat_gateways,
        if c.nat_gateways == 1 { "" } else { "s" },
        c.savings_if_all_applied_usd,
        net_of_required(c)
    )?;
    writeln!(
        w,
        "NAT gateway still needed: {}. {}",
        yes_no(c.nat_still_needed),
        c.nat_still_needed_reason
    )?;
    for b in &c.bundles {
        writeln!(
            w,
            "Bundle {} ({}): {}, ${:.2}/mo together.",
            b.name,
            b.services.join(" + "),
            if b.decision == "together" {
                "recommended together"
            } else {
                "one suffices"
            },
            b.combined_savings_usd
        )?;
    }
    writeln!(
        w,
        "Prices: {} as of {} ({} confidence; table as of {}): NAT ${}/GB and ${}/h; interface endpoint ${}/AZ-h × {} AZs ({}), ${}/GB first tier; {}.",
        p.region,
        p.as_of,
        p.confidence,
        p.table_as_of,
        p.nat_usd_per_gb,
        p.nat_usd_per_hour,
        p.interface_usd_per_az_hour,
        p.azs,
        p.azs_source,
        p.interface_usd_per_gb_tiers.first().map_or(0.0, |t| t.1),
        p.convention
    )
}

/// First, when some input was not read to its end: every figure below is a
/// lower bound.
fn render_partial(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    let i = &r.inputs;
    if !i.partial {
        return Ok(());
    }
    let n = i.file_errors.len();
    writeln!(
        w,
        "partial: {n} input{} could not be read to the end{}; totals are lower bounds (the file errors are listed below the tables).",
        if n == 1 { "" } else { "s" },
        if i.bytes_unread > 0 {
            format!(" ({} bytes known to be unread)", i.bytes_unread)
        } else {
            String::new()
        }
    )
}

/// What was read, what was damaged, and the reference data's dates.
fn render_inputs(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    let i = &r.inputs;
    writeln!(
        w,
        "Input: {} Resolver records in {} files, {} flow records in {} files; {} malformed line{}{}.",
        i.dns.records,
        i.dns.files,
        i.flow.records,
        i.flow.files,
        i.malformed,
        if i.malformed == 1 { "" } else { "s" },
        match i.malformed_examples.first() {
            Some(m) => format!(" (first: {}:{}: {})", m.file, m.line, m.reason),
            None => String::new(),
        }
    )?;
    for e in &i.file_errors {
        writeln!(w, "File error: {}: {}", e.file, e.error)?;
    }
    writeln!(
        w,
        "Reference data: endpoint catalogue as of {}, AWS IP ranges as of {}. 1 GB = 2^30 bytes.",
        r.reference_data.catalog_as_of, r.reference_data.ip_ranges_as_of
    )
}

/// The live inventory read and the preflight findings.
fn render_live(live: &vpce_model::Live, w: &mut dyn Write) -> io::Result<()> {
    let inv = &live.inventory;
    writeln!(
        w,
        "Live inventory of {} in {} (read {}): {} endpoints ({} available or pending), {} NAT gateways, {} endpoint services offered.",
        inv.vpc.vpc_id,
        inv.region,
        inv.read_at,
        inv.endpoints.len(),
        inv.endpoints.iter().filter(|e| e.is_live()).count(),
        inv.nat_gateways.len(),
        inv.services.len()
    )?;
    if live.findings.is_empty() {
        writeln!(w, "Preflight: no findings.")
    } else {
        writeln!(w, "Preflight:")?;
        render_findings(&live.findings, w)
    }
}

/// Preflight findings, most severe first, each with its fix.
///
/// # Errors
/// Write errors.
pub fn render_findings(findings: &[vpce_model::inventory::Finding], w: &mut dyn Write) -> io::Result<()> {
    if findings.is_empty() {
        return writeln!(w, "no findings: the VPC is ready for endpoints");
    }
    for f in findings {
        writeln!(
            w,
            "{:<7} {:<24} {}: {}",
            f.severity.as_str().to_ascii_uppercase(),
            f.check,
            f.resource,
            f.message
        )?;
        writeln!(w, "{:<7} {:<24} fix: {}", "", "", f.fix)?;
    }
    Ok(())
}

/// The report as pretty JSON.
///
/// # Errors
/// Write or serialisation errors.
pub fn render_json(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, r)?;
    writeln!(w)
}

/// The original Lambda's output: `{hostname: {queryCount, endpoint_supported,
/// endpoint_exists, answers}}` for the `top` most-queried AWS names (it
/// returned strings for counts, as Logs Insights does).
///
/// # Errors
/// Write or serialisation errors.
pub fn render_seed_json(r: &Report, top: usize, w: &mut dyn Write) -> io::Result<()> {
    let mut rows: Vec<(&str, u64, bool, bool, &[String])> = Vec::new();
    for s in &r.services {
        for h in &s.hostnames {
            rows.push((
                &h.name,
                h.query_count,
                s.endpoint_supported,
                s.endpoint_exists,
                &h.last_answers,
            ));
        }
    }
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let mut out = Map::new();
    for (name, count, supported, exists, answers) in rows.into_iter().take(if top == 0 { usize::MAX } else { top }) {
        out.insert(
            name.to_string(),
            json!({
                "queryCount": count.to_string(),
                "endpoint_supported": supported,
                "endpoint_exists": exists,
                "answers": answers,
            }),
        );
    }
    serde_json::to_writer_pretty(&mut *w, &Value::Object(out))?;
    writeln!(w)
}

/// The net monthly change, when endpoints required by `--require-private`
/// make it differ from the positive savings (shown to the cent).
fn net_of_required(c: &vpce_model::CostTotals) -> String {
    match c.net_if_different() {
        Some(net) => {
            let change = if net >= 0.0 {
                format!("a net saving of ${net:.2}")
            } else {
                format!("a net cost of ${:.2}", -net)
            };
            format!("; with the cost of the endpoints --require-private adds, {change} a month")
        }
        None => String::new(),
    }
}

/// The price table for `vpce-advisor pricing`.
///
/// # Errors
/// Write errors.
pub fn render_pricing_table(t: &vpce_pricing::PriceTable, only: Option<&str>, w: &mut dyn Write) -> io::Result<()> {
    let mut tb = Table::new();
    tb.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    tb.set_header(vec![
        "region",
        "NAT $/h",
        "NAT $/GB",
        "interface $/AZ-h",
        "cross-AZ $/GB",
        "as of",
        "confidence",
        "source",
    ]);
    for (name, p) in t.regions.iter().filter(|(n, _)| only.is_none_or(|o| o == n.as_str())) {
        tb.add_row(vec![
            Cell::new(name),
            Cell::new(p.nat_usd_per_hour).set_alignment(CellAlignment::Right),
            Cell::new(p.nat_usd_per_gb).set_alignment(CellAlignment::Right),
            Cell::new(p.interface_usd_per_az_hour).set_alignment(CellAlignment::Right),
            Cell::new(p.cross_az_usd_per_gb).set_alignment(CellAlignment::Right),
            Cell::new(&p.as_of),
            Cell::new(&p.confidence),
            Cell::new(&p.source),
        ]);
    }
    writeln!(w, "{tb}")?;
    let tiers: Vec<String> = t
        .interface_endpoint_gb_tiers
        .iter()
        .map(|x| match x.up_to_gb {
            Some(u) => format!("${}/GB up to {u} GB", x.usd_per_gb),
            None => format!("${}/GB beyond", x.usd_per_gb),
        })
        .collect();
    writeln!(
        w,
        "Interface endpoint processing, per Region per month across all interface endpoints: {} ({}).",
        tiers.join(", "),
        t.interface_endpoint_tiers_source
    )?;
    writeln!(
        w,
        "Gateway endpoints (S3, DynamoDB): no charge. Month: {} h. Table as of {}, {}. {}.",
        t.month_hours, t.as_of, t.currency, t.convention
    )
}

/// The price table as JSON (the data file's schema).
///
/// # Errors
/// Write or serialisation errors.
pub fn render_pricing_json(t: &vpce_pricing::PriceTable, only: Option<&str>, w: &mut dyn Write) -> io::Result<()> {
    let mut t = t.clone();
    if let Some(o) = only {
        t.regions.retain(|n, _| n == o);
    }
    serde_json::to_writer_pretty(&mut *w, &t)?;
    writeln!(w)
}

/// `explain` as a table.
///
/// # Errors
/// Write errors.
pub fn render_explain_table(items: &[Classification], w: &mut dyn Write) -> io::Result<()> {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(vec![
        "hostname",
        "kind",
        "service",
        "region",
        "endpoint service",
        "types",
        "private DNS covers",
    ]);
    for c in items {
        t.add_row(vec![
            Cell::new(&c.hostname),
            Cell::new(
                serde_json::to_value(c.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
            ),
            Cell::new(c.service.as_deref().unwrap_or("-")),
            Cell::new(c.region.as_deref().unwrap_or("-")),
            Cell::new(c.endpoint_service_name.as_deref().unwrap_or("-")),
            Cell::new(types(&c.endpoint_types)),
            Cell::new(yes_no(c.private_dns_covers)),
        ]);
    }
    writeln!(w, "{t}")?;
    for c in items {
        for n in &c.notes {
            writeln!(w, "{}: {n}", c.hostname)?;
        }
    }
    Ok(())
}

/// `explain` as a JSON array.
///
/// # Errors
/// Write or serialisation errors.
pub fn render_explain_json(items: &[Classification], w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, items)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vpce_model::inventory::EndpointFix;
    use vpce_model::{Recommendation, ServiceUsage};

    #[test]
    fn the_table_says_what_to_fix_on_existing_endpoints_the_saving_and_the_bundles() {
        let json = include_str!("../../vpce-iac/tests/fixtures/report.json");
        let mut r: Report = serde_json::from_str(json).unwrap();
        let mut s = ServiceUsage::empty("s3", Some("us-east-1"));
        s.recommendation = Some(Recommendation::FixExisting);
        s.monthly_savings_usd = Some(22.5);
        s.endpoint_fixes = vec![EndpointFix {
            endpoint_id: "vpce-s3".into(),
            missing_route_table_ids: vec!["rtb-b".into()],
            subnets_bypassing: vec!["subnet-b".into()],
            ..Default::default()
        }];
        r.services = vec![s];
        r.costs.as_mut().unwrap().bundles = vec![vpce_model::Bundle {
            name: "ecr".into(),
            services: vec!["ecr.dkr".into(), "ecr.api".into()],
            combined_savings_usd: 6.15,
            decision: "together".into(),
            ..Default::default()
        }];
        let mut out = Vec::new();
        render_table(&r, &TableOptions::default(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("Bundle ecr (ecr.dkr + ecr.api): recommended together, $6.15/mo together."),
            "{text}"
        );
        assert!(
            text.contains("fix-existing s3 vpce-s3: associate route tables rtb-b (subnets subnet-b); saves $22.50/mo."),
            "{text}"
        );
        assert!(text.contains("┆ fix-existing "), "the recommendation column: {text}");
        let mut out = Vec::new();
        render_json(&r, &mut out).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["services"][0]["recommendation"], "fix-existing");
        assert_eq!(
            v["services"][0]["endpoint_fixes"][0]["missing_route_table_ids"][0],
            "rtb-b"
        );
        let back: Report = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            back.services[0].endpoint_fixes, r.services[0].endpoint_fixes,
            "read back"
        );
    }
}
