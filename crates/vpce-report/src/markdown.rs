//! A GitHub-flavoured Markdown summary for a pull request or a ticket:
//! headline, top services, the recommendations with their reasons, and the
//! inputs behind them. Values from the logs are escaped so that they render
//! as text, never as markup, links or HTML.

use std::io::{self, Write};

use vpce_model::{Report, ServiceUsage};

use crate::fmt_gb;
use crate::html::usd;

/// Services in the summary table.
const TOP_SERVICES: usize = 15;

/// Escapes text for a Markdown table cell or list item: Markdown's
/// punctuation is backslash-escaped, HTML's is written as entities, and line
/// breaks become spaces.
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => out.push(' '),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn money(v: Option<f64>) -> String {
    v.map_or("—".into(), usd)
}

/// The summary.
///
/// # Errors
/// Write errors.
pub fn render_markdown(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    let vpcs: Vec<String> = r
        .network
        .vpcs
        .iter()
        .map(|v| format!("`{}`", v.vpc_id.replace('`', "'")))
        .collect();
    writeln!(
        w,
        "## NAT traffic and VPC endpoints{}\n",
        if vpcs.is_empty() {
            String::new()
        } else {
            format!(": {}", vpcs.join(", "))
        }
    )?;
    if r.inputs.partial {
        writeln!(
            w,
            "> **Partial:** {} input(s) could not be read to the end; every total is a lower bound.\n",
            r.inputs.file_errors.len()
        )?;
    }
    headline(r, w)?;
    services(r, w)?;
    reasons(r, w)?;
    footer(r, w)
}

fn headline(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "Window: {} to {} ({} h). Through NAT: **{} GB**, of which {} GB to AWS services.\n",
        md(r.window.start.as_deref().unwrap_or("?")),
        md(r.window.end.as_deref().unwrap_or("?")),
        r.window.hours,
        fmt_gb(r.totals.bytes_via_nat),
        fmt_gb(r.totals.bytes_via_nat_to_aws_services)
    )?;
    match (&r.costs, &r.pricing) {
        (Some(c), Some(p)) => {
            writeln!(w, "| | per month |\n|---|---:|")?;
            writeln!(w, "| NAT cost now | {} |", usd(c.nat_processing_usd + c.nat_hours_usd))?;
            writeln!(
                w,
                "| savings if every recommendation is applied | **{}** |",
                usd(c.savings_if_all_applied_usd)
            )?;
            if let Some(net) = c.net_if_different() {
                writeln!(w, "| net, with the endpoints `--require-private` adds | {} |", usd(net))?;
            }
            writeln!(
                w,
                "| cost of the recommended interface endpoints | {} |",
                usd(c.recommended_endpoints_usd)
            )?;
            writeln!(
                w,
                "\nNAT gateway still needed: **{}**. {}\n",
                if c.nat_still_needed { "yes" } else { "no" },
                md(&c.nat_still_needed_reason)
            )?;
            writeln!(
                w,
                "Prices: {} as of {} ({} confidence): NAT ${}/GB and ${}/h, interface endpoint ${}/AZ-h × {} AZs; {} h window × {:.4} to a {}-h month.\n",
                md(&p.region),
                md(&p.as_of),
                md(&p.confidence),
                p.nat_usd_per_gb,
                p.nat_usd_per_hour,
                p.interface_usd_per_az_hour,
                p.azs,
                p.window_hours,
                p.extrapolation_factor,
                p.month_hours
            )
        }
        _ => writeln!(w, "Not priced (see the warnings).\n"),
    }
}

fn services(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    if r.services.is_empty() {
        return writeln!(w, "No AWS service was seen.\n");
    }
    writeln!(
        w,
        "| # | service | region | GB via NAT (window) | $/mo now | savings/mo | recommendation |\n|---:|---|---|---:|---:|---:|---|"
    )?;
    for (i, s) in r.services.iter().take(TOP_SERVICES).enumerate() {
        writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} |",
            i + 1,
            md(&s.service),
            md(s.region.as_deref().unwrap_or("-")),
            fmt_gb(s.bytes_via_nat),
            money(s.monthly_cost_now_usd),
            money(s.monthly_savings_usd),
            s.recommendation.map_or("-", |x| x.as_str())
        )?;
    }
    if r.services.len() > TOP_SERVICES {
        writeln!(
            w,
            "\n{} more services are in the full report.",
            r.services.len() - TOP_SERVICES
        )?;
    }
    writeln!(w)
}

fn acted_on(s: &ServiceUsage) -> bool {
    s.recommendation.is_some() && !s.reasons.is_empty()
}

fn reasons(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    let acted: Vec<&ServiceUsage> = r.services.iter().filter(|s| acted_on(s)).take(TOP_SERVICES).collect();
    if acted.is_empty() {
        return Ok(());
    }
    writeln!(w, "### Recommendations\n")?;
    for s in acted {
        writeln!(
            w,
            "- **{}** ({}): `{}`",
            md(&s.service),
            md(s.region.as_deref().unwrap_or("-")),
            s.recommendation.map_or("-", |x| x.as_str())
        )?;
        for reason in &s.reasons {
            writeln!(w, "  - {}", md(reason))?;
        }
    }
    writeln!(w)
}

fn footer(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    let i = &r.inputs;
    writeln!(
        w,
        "<sub>Inputs: {} Resolver records in {} files, {} flow records in {} files, {} malformed line(s). Endpoint catalogue as of {}, AWS IP ranges as of {}. 1 GB = 2^30 bytes. {}</sub>",
        i.dns.records,
        i.dns.files,
        i.flow.records,
        i.flow.files,
        i.malformed,
        md(&r.reference_data.catalog_as_of),
        md(&r.reference_data.ip_ranges_as_of),
        md(&r.generator)
    )?;
    if !r.warnings.is_empty() {
        writeln!(w, "\n<details><summary>{} warning(s)</summary>\n", r.warnings.len())?;
        for warn in &r.warnings {
            writeln!(w, "- {}", md(warn))?;
        }
        writeln!(w, "\n</details>")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::md;

    #[test]
    fn cells_cannot_break_the_table_or_inject_markup() {
        assert_eq!(md("a|b"), "a\\|b");
        assert_eq!(md("<img src=x onerror=alert(1)>"), "&lt;img src=x onerror=alert(1)&gt;");
        assert_eq!(md("[x](http://evil)"), "\\[x\\](http://evil)");
        assert_eq!(md("line\nbreak"), "line break");
        assert_eq!(md("s3.eu-west-1.amazonaws.com"), "s3.eu-west-1.amazonaws.com");
    }
}
