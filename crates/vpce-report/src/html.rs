//! The self-contained HTML report: one file, inline CSS and SVG, no script.
//!
//! Its Content-Security-Policy forbids every script and every load from
//! outside the file, so even a value that escaped the escaping could not run
//! or phone home; every value from the logs is escaped all the same. Every
//! figure the page shows carries its raw value in `data-value` (and its
//! report field in `data-field`), so a reader or a test can check the page
//! against the JSON report.

use std::fmt::Write as _;
use std::io::{self, Write};

use vpce_model::{gb, CostTotals, PricingSummary, Report, Series, ServiceUsage};

use crate::chart;
use crate::fmt_gb;

/// The stylesheet, inline so the file stands alone.
const STYLE: &str = include_str!("report.css");

/// The page's policy: styles and data URIs from the file itself, nothing else.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// Hostnames listed under a service.
const HOSTNAMES_SHOWN: usize = 5;

/// Services drawn in the savings chart.
const CHART_SERVICES: usize = 15;

/// Escapes text for HTML element content and quoted attribute values, and
/// drops the control characters HTML cannot carry.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// A dollar figure with thousands separators.
pub(crate) fn usd(v: f64) -> String {
    let neg = v < 0.0;
    let cents = (v.abs() * 100.0).round();
    let whole = (cents / 100.0).trunc() as u64;
    let frac = (cents % 100.0) as u64;
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{}${grouped}.{frac:02}", if neg { "-" } else { "" })
}

/// A figure with its raw value for readers of the DOM.
fn figure(field: &str, raw: &str, shown: &str) -> String {
    format!(
        "<span class=\"fig\" data-field=\"{}\" data-value=\"{}\">{}</span>",
        esc(field),
        esc(raw),
        esc(shown)
    )
}

fn money_fig(field: &str, v: Option<f64>) -> String {
    match v {
        Some(v) => figure(field, &format!("{v}"), &usd(v)),
        None => figure(field, "", "—"),
    }
}

fn bytes_fig(field: &str, bytes: u64) -> String {
    figure(field, &bytes.to_string(), &format!("{} GB", fmt_gb(bytes)))
}

/// The whole page.
///
/// # Errors
/// Write errors.
pub fn render_html(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    let mut p = String::with_capacity(64 * 1024);
    head(r, &mut p);
    p.push_str("<body><main>\n");
    title(r, &mut p);
    partial(r, &mut p);
    headline(r, &mut p);
    savings_chart(r, &mut p);
    hourly(r.series.as_ref(), &mut p);
    recommendations(r, &mut p);
    pricing(r.pricing.as_ref(), r.costs.as_ref(), &mut p);
    other_traffic(r, &mut p);
    totals(r, &mut p);
    inputs(r, &mut p);
    live(r, &mut p);
    warnings(r, &mut p);
    reference(r, &mut p);
    p.push_str("</main></body></html>\n");
    w.write_all(p.as_bytes())
}

fn vpc_names(r: &Report) -> String {
    if r.network.vpcs.is_empty() {
        return "VPC not named in the logs".into();
    }
    r.network
        .vpcs
        .iter()
        .map(|v| match &v.region {
            Some(reg) => format!("{} ({reg})", v.vpc_id),
            None => v.vpc_id.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn head(r: &Report, p: &mut String) {
    let _ = write!(
        p,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\
<meta name=\"generator\" content=\"{}\">\
<title>NAT traffic and VPC endpoints: {}</title><style>{STYLE}</style></head>\n",
        esc(&r.generator),
        esc(&vpc_names(r))
    );
}

fn title(r: &Report, p: &mut String) {
    let _ = writeln!(
        p,
        "<header><h1>NAT traffic and VPC endpoints</h1><p class=\"sub\">{} · window {} to {} \
({} h, {}) · made by {}</p></header>",
        esc(&vpc_names(r)),
        esc(r.window.start.as_deref().unwrap_or("?")),
        esc(r.window.end.as_deref().unwrap_or("?")),
        figure(
            "window.hours",
            &r.window.hours.to_string(),
            &format!("{:.1}", r.window.hours)
        ),
        esc(&r.window.source),
        esc(&r.generator)
    );
}

fn partial(r: &Report, p: &mut String) {
    if !r.inputs.partial {
        return;
    }
    let _ = writeln!(
        p,
        "<p class=\"banner\" id=\"partial\">Partial: {} input(s) could not be read to the end; every \
total is a lower bound (see Inputs).</p>",
        r.inputs.file_errors.len()
    );
}

fn card(p: &mut String, label: &str, value: &str, note: &str) {
    let _ = write!(
        p,
        "<div class=\"card\"><div class=\"label\">{}</div><div class=\"value\">{value}</div>\
<div class=\"note\">{}</div></div>",
        esc(label),
        esc(note)
    );
}

/// NAT cost now, savings if everything is applied, whether NAT can go.
fn headline(r: &Report, p: &mut String) {
    p.push_str("<section id=\"headline\" class=\"cards\">");
    card(
        p,
        "through NAT in the window",
        &bytes_fig("totals.bytes_via_nat", r.totals.bytes_via_nat),
        &format!("{} GB to AWS services", fmt_gb(r.totals.bytes_via_nat_to_aws_services)),
    );
    match &r.costs {
        Some(c) => {
            let now = c.nat_processing_usd + c.nat_hours_usd;
            card(
                p,
                "NAT cost now, a month",
                &money_fig("costs.nat_now_usd", Some(now)),
                &format!(
                    "{} processing + {} for {} gateway(s)",
                    usd(c.nat_processing_usd),
                    usd(c.nat_hours_usd),
                    c.nat_gateways
                ),
            );
            card(
                p,
                "savings if every recommendation is applied",
                &money_fig("costs.savings_if_all_applied_usd", Some(c.savings_if_all_applied_usd)),
                &net_note(c),
            );
            card(
                p,
                "NAT gateway still needed",
                &figure(
                    "costs.nat_still_needed",
                    &c.nat_still_needed.to_string(),
                    if c.nat_still_needed { "yes" } else { "no" },
                ),
                &c.nat_still_needed_reason,
            );
        }
        None => card(
            p,
            "costs",
            "not priced",
            "the report has no prices: see the warnings for why",
        ),
    }
    p.push_str("</section>\n");
}

fn net_note(c: &CostTotals) -> String {
    match c.net_if_different() {
        Some(n) => format!("net {} a month with the endpoints --require-private adds", usd(n)),
        None => format!("after {} of new endpoints a month", usd(c.recommended_endpoints_usd)),
    }
}

/// Services ranked by savings (by bytes through NAT when unpriced), as bars.
fn savings_chart(r: &Report, p: &mut String) {
    let priced = r.costs.is_some();
    // Priced, only what saves is ranked; the rest is in the table below.
    let mut rows: Vec<&ServiceUsage> = r
        .services
        .iter()
        .filter(|s| {
            if priced {
                s.monthly_savings_usd.unwrap_or(0.0) > 0.0
            } else {
                s.bytes_via_nat > 0
            }
        })
        .collect();
    if priced {
        rows.sort_by(|a, b| {
            b.monthly_savings_usd
                .unwrap_or(0.0)
                .total_cmp(&a.monthly_savings_usd.unwrap_or(0.0))
                .then(b.bytes_via_nat.cmp(&a.bytes_via_nat))
        });
    }
    rows.truncate(CHART_SERVICES);
    let bars: Vec<chart::Bar> = rows
        .iter()
        .map(|s| chart::Bar {
            label: service_label(s),
            value: if priced {
                s.monthly_savings_usd.unwrap_or(0.0).max(0.0)
            } else {
                gb(s.bytes_via_nat)
            },
            shown: if priced {
                format!("{} /mo", usd(s.monthly_savings_usd.unwrap_or(0.0)))
            } else {
                format!("{} GB", fmt_gb(s.bytes_via_nat))
            },
            note: s.recommendation.map_or("-", |x| x.as_str()).to_string(),
        })
        .collect();
    let _ = write!(
        p,
        "<section id=\"ranking\"><h2>{}</h2>",
        if priced {
            "Services ranked by monthly savings"
        } else {
            "Services ranked by GB through NAT (window)"
        }
    );
    if bars.is_empty() {
        p.push_str("<p class=\"empty\">No AWS service traffic through NAT in the window.</p>");
    } else {
        p.push_str(&chart::bars(&bars));
    }
    p.push_str("</section>\n");
}

fn service_label(s: &ServiceUsage) -> String {
    match &s.region {
        Some(r) => format!("{} ({r})", s.service),
        None => s.service.clone(),
    }
}

/// NAT bytes per hour per service, stacked.
fn hourly(series: Option<&Series>, p: &mut String) {
    p.push_str("<section id=\"hourly\"><h2>NAT bytes per hour, per service</h2>");
    match series {
        Some(s) if s.points > 0 && !s.lines.is_empty() => p.push_str(&chart::stacked(s)),
        _ => p.push_str("<p class=\"empty\">The report has no hourly series (no timed flow records through NAT).</p>"),
    }
    p.push_str("</section>\n");
}

/// One row per service with the figures and, under it, the reasons.
fn recommendations(r: &Report, p: &mut String) {
    p.push_str(
        "<section id=\"services\"><h2>Services and recommendations</h2><table class=\"data\"><thead><tr>\
<th>#</th><th>service</th><th>endpoint service</th><th>queries</th><th>GB via NAT (window)</th>\
<th>GB via endpoint (window)</th><th>$/mo now</th><th>$/mo with endpoint</th><th>savings/mo</th>\
<th>break-even GB/mo</th><th>recommendation</th></tr></thead><tbody>",
    );
    for (i, s) in r.services.iter().enumerate() {
        let _ = write!(
            p,
            "<tr class=\"svc\" data-service=\"{}\" data-region=\"{}\"><td>{}</td><td>{}</td><td>{}</td>\
<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&s.service),
            esc(s.region.as_deref().unwrap_or("")),
            i + 1,
            esc(&service_label(s)),
            esc(s.endpoint_service_name.as_deref().unwrap_or("-")),
            figure("query_count", &s.query_count.to_string(), &s.query_count.to_string()),
            bytes_fig("bytes_via_nat", s.bytes_via_nat),
            bytes_fig("bytes_via_endpoint", s.bytes_via_endpoint),
            money_fig("monthly_cost_now_usd", s.monthly_cost_now_usd),
            money_fig("monthly_cost_with_endpoint_usd", s.monthly_cost_with_endpoint_usd),
            money_fig("monthly_savings_usd", s.monthly_savings_usd),
            match s.break_even_gb_per_month {
                Some(b) => figure("break_even_gb_per_month", &b.to_string(), &format!("{b:.0}")),
                None => figure("break_even_gb_per_month", "", "—"),
            },
            recommendation_badge(s)
        );
        why_row(s, p);
    }
    p.push_str("</tbody></table>");
    if r.services.is_empty() {
        p.push_str("<p class=\"empty\">No AWS service was seen.</p>");
    }
    p.push_str("</section>\n");
}

/// The reasons, notes and most-queried names of a service, under its row.
fn why_row(s: &ServiceUsage, p: &mut String) {
    if s.reasons.is_empty() && s.notes.is_empty() && s.hostnames.is_empty() {
        return;
    }
    p.push_str("<tr class=\"why\"><td></td><td colspan=\"10\"><ul>");
    for reason in s.reasons.iter().chain(&s.notes) {
        let _ = write!(p, "<li>{}</li>", esc(reason));
    }
    if !s.hostnames.is_empty() {
        p.push_str("<li class=\"names\">names: ");
        for (i, h) in s.hostnames.iter().take(HOSTNAMES_SHOWN).enumerate() {
            let _ = write!(
                p,
                "{}<span class=\"hostname\">{}</span> ({})",
                if i == 0 { "" } else { ", " },
                esc(&h.name),
                h.query_count
            );
        }
        if s.hostnames.len() > HOSTNAMES_SHOWN {
            let _ = write!(p, " and {} more", s.hostnames.len() - HOSTNAMES_SHOWN);
        }
        p.push_str("</li>");
    }
    p.push_str("</ul></td></tr>");
}

fn recommendation_badge(s: &ServiceUsage) -> String {
    match s.recommendation {
        Some(rec) => format!(
            "<span class=\"rec rec-{0}\" data-field=\"recommendation\" data-value=\"{0}\">{0}</span>",
            rec.as_str()
        ),
        None => "<span class=\"rec\" data-field=\"recommendation\" data-value=\"\">-</span>".into(),
    }
}

/// Every price and assumption behind the monthly figures.
fn pricing(pr: Option<&PricingSummary>, c: Option<&CostTotals>, p: &mut String) {
    p.push_str("<section id=\"pricing\"><h2>How the costs are computed</h2>");
    let Some(pr) = pr else {
        p.push_str("<p class=\"empty\">Not priced.</p></section>\n");
        return;
    };
    let tiers: Vec<String> = pr
        .interface_usd_per_gb_tiers
        .iter()
        .map(|(up, usd)| match up {
            Some(u) => format!("${usd}/GB up to {u} GB"),
            None => format!("${usd}/GB beyond"),
        })
        .collect();
    let rows: Vec<(&str, String)> = vec![
        ("Region", pr.region.clone()),
        (
            "prices as of",
            format!(
                "{} ({} confidence; table as of {}; {})",
                pr.as_of, pr.confidence, pr.table_as_of, pr.source
            ),
        ),
        (
            "NAT gateway",
            format!("${}/GB processed, ${}/h", pr.nat_usd_per_gb, pr.nat_usd_per_hour),
        ),
        (
            "interface endpoint",
            format!(
                "${}/AZ-h × {} AZs ({}); processing {}",
                pr.interface_usd_per_az_hour,
                pr.azs,
                pr.azs_source,
                tiers.join(", ")
            ),
        ),
        ("cross-AZ", format!("${}/GB", pr.cross_az_usd_per_gb)),
        (
            "window to month",
            format!(
                "{} h window × {:.4} = a {}-h month",
                pr.window_hours, pr.extrapolation_factor, pr.month_hours
            ),
        ),
        ("bytes to GB", pr.convention.clone()),
    ];
    p.push_str("<table class=\"kv\"><tbody>");
    for (k, v) in rows {
        let _ = write!(p, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(&v));
    }
    if let Some(c) = c {
        if let (Some(ipv4), Some(n)) = (c.nat_public_ipv4_usd, c.nat_public_ipv4_addresses) {
            let _ = write!(
                p,
                "<tr><th>NAT public IPv4</th><td>{} a month for {n} address(es) ({})</td></tr>",
                esc(&usd(ipv4)),
                esc(c.nat_public_ipv4_source.as_deref().unwrap_or("-"))
            );
        }
    }
    p.push_str("</tbody></table></section>\n");
}

/// Traffic that is not to an AWS service API.
fn other_traffic(r: &Report, p: &mut String) {
    p.push_str("<section id=\"other\"><h2>Other traffic</h2>");
    if r.unattributed.is_empty() {
        p.push_str("<p class=\"empty\">None: every byte through NAT went to a named AWS service.</p></section>\n");
        return;
    }
    p.push_str(
        "<table class=\"data\"><thead><tr><th>destination</th><th>category</th><th>GB via NAT (window)</th>\
<th>GB other paths (window)</th><th>top destinations</th></tr></thead><tbody>",
    );
    for o in &r.unattributed {
        let _ = write!(
            p,
            "<tr class=\"other\"><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&o.label),
            esc(&o.category),
            bytes_fig("bytes_via_nat", o.bytes_via_nat),
            bytes_fig("bytes_other", o.bytes_other),
            esc(&o.sample_destinations.iter().take(5).cloned().collect::<Vec<_>>().join(", "))
        );
    }
    p.push_str("</tbody></table></section>\n");
}

fn totals(r: &Report, p: &mut String) {
    let t = &r.totals;
    let rows = [
        ("totals.bytes_via_nat", "through NAT", t.bytes_via_nat),
        (
            "totals.bytes_via_nat_to_aws_services",
            "through NAT to AWS services",
            t.bytes_via_nat_to_aws_services,
        ),
        (
            "totals.bytes_via_nat_to_aws_unattributed",
            "through NAT to other AWS addresses",
            t.bytes_via_nat_to_aws_unattributed,
        ),
        (
            "totals.bytes_via_nat_not_aws",
            "through NAT outside AWS",
            t.bytes_via_nat_not_aws,
        ),
        (
            "totals.bytes_via_endpoint",
            "through VPC endpoints",
            t.bytes_via_endpoint,
        ),
        (
            "totals.bytes_via_internet_gateway",
            "through an internet gateway",
            t.bytes_via_internet_gateway,
        ),
        (
            "totals.bytes_unknown_path",
            "path not in the logs",
            t.bytes_unknown_path,
        ),
        (
            "totals.bytes_deduplicated",
            "seen twice, counted once",
            t.bytes_deduplicated,
        ),
    ];
    p.push_str("<section id=\"totals\"><h2>Totals (window)</h2><table class=\"kv\"><tbody>");
    for (field, label, v) in rows {
        let _ = write!(
            p,
            "<tr><th>{}</th><td class=\"num\">{}</td></tr>",
            esc(label),
            bytes_fig(field, v)
        );
    }
    let _ = writeln!(
        p,
        "<tr><th>NAT bytes counted on</th><td>{}</td></tr></tbody></table></section>",
        esc(&r.network.nat_bytes_counted_on)
    );
}

/// What was read, what was damaged, which files failed.
fn inputs(r: &Report, p: &mut String) {
    let i = &r.inputs;
    let _ = write!(
        p,
        "<section id=\"inputs\"><h2>Inputs</h2><p>{} Resolver records in {} files, {} flow records in {} files; {} malformed line(s).</p>",
        figure("inputs.dns.records", &i.dns.records.to_string(), &i.dns.records.to_string()),
        i.dns.files,
        figure("inputs.flow.records", &i.flow.records.to_string(), &i.flow.records.to_string()),
        i.flow.files,
        figure("inputs.malformed", &i.malformed.to_string(), &i.malformed.to_string())
    );
    if !i.malformed_examples.is_empty() {
        p.push_str("<table class=\"data\"><thead><tr><th>file</th><th>line</th><th>why</th></tr></thead><tbody>");
        for m in &i.malformed_examples {
            let _ = write!(
                p,
                "<tr class=\"malformed\"><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(&m.file),
                m.line,
                esc(&m.reason)
            );
        }
        p.push_str("</tbody></table>");
    }
    if !i.file_errors.is_empty() {
        p.push_str("<h3>Inputs not read to the end</h3><ul>");
        for e in &i.file_errors {
            let _ = write!(p, "<li class=\"file-error\">{}: {}</li>", esc(&e.file), esc(&e.error));
        }
        p.push_str("</ul>");
    }
    p.push_str("</section>\n");
}

fn live(r: &Report, p: &mut String) {
    let Some(live) = &r.live else { return };
    let _ = write!(
        p,
        "<section id=\"live\"><h2>Live inventory and preflight</h2><p>{} in {} (read {}): {} endpoints, {} NAT gateways.</p>",
        esc(&live.inventory.vpc.vpc_id),
        esc(&live.inventory.region),
        esc(&live.inventory.read_at),
        live.inventory.endpoints.len(),
        live.inventory.nat_gateways.len()
    );
    if live.findings.is_empty() {
        p.push_str("<p>Preflight: no findings.</p>");
    } else {
        p.push_str("<table class=\"data\"><thead><tr><th>severity</th><th>check</th><th>resource</th><th>finding</th><th>fix</th></tr></thead><tbody>");
        for f in &live.findings {
            let _ = write!(
                p,
                "<tr class=\"finding\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(f.severity.as_str()),
                esc(&f.check),
                esc(&f.resource),
                esc(&f.message),
                esc(&f.fix)
            );
        }
        p.push_str("</tbody></table>");
    }
    p.push_str("</section>\n");
}

fn warnings(r: &Report, p: &mut String) {
    if r.warnings.is_empty() {
        return;
    }
    p.push_str("<section id=\"warnings\"><h2>Warnings</h2><ul>");
    for w in &r.warnings {
        let _ = write!(p, "<li class=\"warning\">{}</li>", esc(w));
    }
    p.push_str("</ul></section>\n");
}

fn reference(r: &Report, p: &mut String) {
    let d = &r.reference_data;
    let _ = writeln!(
        p,
        "<footer id=\"reference\">Endpoint catalogue as of {} ({}); AWS IP ranges as of {} ({}). 1 GB = 2^30 bytes.</footer>",
        esc(&d.catalog_as_of),
        esc(&d.catalog_source),
        esc(&d.ip_ranges_as_of),
        esc(&d.ip_ranges_source)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_controls_are_escaped() {
        assert_eq!(
            esc("<script>\"x\"&'y'</script>"),
            "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;"
        );
        assert_eq!(esc("a\u{1b}[31mb"), "a\\u{1b}[31mb");
    }

    #[test]
    fn dollars_are_grouped_and_rounded() {
        assert_eq!(usd(1234567.891), "$1,234,567.89");
        assert_eq!(usd(0.004), "$0.00");
        assert_eq!(usd(-12.5), "-$12.50");
        assert_eq!(usd(999.999), "$1,000.00");
    }
}
