//! `vpce-advisor analyze`.

use std::net::IpAddr;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use vpce_analysis::net::Cidr;
use vpce_analysis::{
    advise, build_report, AdviceOptions, AnalysisConfig, DnsAggregator, FlowAggregator, Reference, Resolver, TimeFilter,
};
use vpce_catalog::{Catalog, IpRanges};
use vpce_formats::flow::{FlowFormat, FlowReadOptions};
use vpce_formats::time::parse_rfc3339;
use vpce_ingest::{expand, explicit_flags, read_dns, read_flows, Input, LogKind};
use vpce_model::{Inputs, Report};
use vpce_report::{render_json, render_seed_json, render_table};

use crate::cli::{AnalysisArgs, AnalyzeArgs, ReportFormat};
use crate::StrictFailure;

use super::{output, reference_data};

pub(crate) fn run(cli: AnalyzeArgs) -> Result<()> {
    let report = report_from(&cli.analysis)?;
    let mut out = output(cli.output.as_deref())?;
    match cli.format {
        ReportFormat::Table => render_table(&report, cli.top.unwrap_or(0), &mut out)?,
        ReportFormat::Json => render_json(&report, &mut out)?,
        ReportFormat::SeedJson => render_seed_json(&report, cli.top.unwrap_or(20), &mut out)?,
    }
    out.flush()?;
    Ok(())
}

/// Reads the logs, builds the report and prices it.
pub(crate) fn report_from(args: &AnalysisArgs) -> Result<Report> {
    if args.dns_logs.is_empty() && args.flow_logs.is_empty() {
        bail!("nothing to analyse: give --dns-logs PATH... and/or --flow-logs PATH... (try `vpce-advisor demo` for a sample)");
    }
    let (catalog, ranges) = reference_data(&args.reference)?;
    let cfg = config(args)?;
    let flow_opts = FlowReadOptions {
        format: args
            .flow_log_format
            .as_deref()
            .map(|f| FlowFormat::parse(f, args.allow_unknown_fields))
            .transpose()
            .context("--flow-log-format")?,
        allow_unknown_fields: args.allow_unknown_fields,
        wanted: Some(FlowAggregator::FIELDS.to_vec()),
    };
    let dns_inputs = expand(&args.dns_logs, LogKind::Dns)?;
    let flow_inputs = expand(&args.flow_logs, LogKind::Flow)?;
    if !args.dns_logs.is_empty() && dns_inputs.is_empty() && !args.quiet {
        eprintln!("warning: no files under {}", show(&args.dns_logs));
    }
    if !args.flow_logs.is_empty() && flow_inputs.is_empty() && !args.quiet {
        eprintln!("warning: no files under {}", show(&args.flow_logs));
    }
    let dns_explicit = explicit_flags(&args.dns_logs, &dns_inputs);
    let flow_explicit = explicit_flags(&args.flow_logs, &flow_inputs);
    let started = std::time::Instant::now();
    let threads = args.threads.unwrap_or_else(vpce_ingest::default_threads);
    let report = analyze(
        &dns_inputs,
        &dns_explicit,
        &flow_inputs,
        &flow_explicit,
        &cfg,
        &flow_opts,
        &catalog,
        &ranges,
        threads,
    );
    if !args.quiet {
        let i = &report.inputs;
        eprintln!(
            "read {} Resolver records ({} files) and {} flow records ({} files) in {:.1}s; {} malformed line{}, {} file error{}",
            i.dns.records,
            i.dns.files,
            i.flow.records,
            i.flow.files,
            started.elapsed().as_secs_f64(),
            i.malformed,
            if i.malformed == 1 { "" } else { "s" },
            i.file_errors.len(),
            if i.file_errors.len() == 1 { "" } else { "s" },
        );
        for e in &i.file_errors {
            eprintln!("warning: {}: {}", e.file, e.error);
        }
        for m in i.malformed_examples.iter().take(5) {
            eprintln!("warning: {}:{}: {}", m.file, m.line, m.reason);
        }
    }
    if args.strict {
        if let Some(e) = report.inputs.file_errors.first() {
            return Err(StrictFailure(format!(
                "--strict: {}: {} ({} file errors in all)",
                e.file,
                e.error,
                report.inputs.file_errors.len()
            ))
            .into());
        }
        if let Some(m) = report.inputs.malformed_examples.first() {
            return Err(StrictFailure(format!(
                "--strict: {}:{}: {} ({} malformed lines in all)",
                m.file, m.line, m.reason, report.inputs.malformed
            ))
            .into());
        }
    }
    let prices = super::price_table(args.costs.pricing.as_deref())?;
    let advice = AdviceOptions {
        region: args.region.clone(),
        azs: args.costs.azs,
        require_private: args.costs.require_private.clone(),
    };
    let mut report = report;
    advise(&mut report, &prices, &advice).with_context(|| match &args.costs.pricing {
        Some(p) => format!("pricing with {}", p.display()),
        None => "pricing with the embedded table".to_string(),
    })?;
    if report.inputs.dns.records == 0 && report.inputs.flow.records == 0 {
        let why = report
            .inputs
            .file_errors
            .first()
            .map(|e| format!(": {}: {}", e.file, e.error))
            .unwrap_or_default();
        bail!("no records could be read from the inputs{why}");
    }
    Ok(report)
}

fn show(paths: &[std::path::PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn time_arg(name: &str, v: Option<&str>) -> Result<Option<i64>> {
    v.map(|s| {
        parse_rfc3339(s).with_context(|| {
            format!("{name} '{s}' is not a time (use RFC 3339, like 2026-11-01T00:00:00Z, or 2026-11-01)")
        })
    })
    .transpose()
}

fn config(args: &AnalysisArgs) -> Result<AnalysisConfig> {
    let since = time_arg("--since", args.since.as_deref())?;
    let until = time_arg("--until", args.until.as_deref())?;
    if let (Some(s), Some(u)) = (since, until) {
        if u <= s {
            bail!("--until must be after --since");
        }
    }
    let vpc_cidrs = args
        .vpc_cidr
        .iter()
        .map(|c| c.parse::<Cidr>().map_err(anyhow::Error::msg).context("--vpc-cidr"))
        .collect::<Result<Vec<_>>>()?;
    let nat_ips = args
        .nat_ip
        .iter()
        .map(|ip| {
            ip.parse::<IpAddr>()
                .with_context(|| format!("--nat-ip '{ip}' is not an IP address"))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(AnalysisConfig {
        vpc_cidrs,
        nat_ips,
        nat_enis: args.nat_eni.clone(),
        filter: TimeFilter { since, until },
        default_region: args.region.clone(),
        generator: format!("vpce-advisor {}", env!("CARGO_PKG_VERSION")),
    })
}

/// Reads both log types (Resolver logs first: their private answers tell the
/// flow pass which addresses are interface endpoints) and builds the report.
#[allow(clippy::too_many_arguments)]
pub(crate) fn analyze(
    dns_inputs: &[Input],
    dns_explicit: &[bool],
    flow_inputs: &[Input],
    flow_explicit: &[bool],
    cfg: &AnalysisConfig,
    flow_opts: &FlowReadOptions,
    catalog: &Catalog,
    ranges: &IpRanges,
    threads: usize,
) -> Report {
    let dns = read_dns(dns_inputs, &DnsAggregator::new(cfg.filter), dns_explicit, threads);
    let resolver = Arc::new(Resolver::new(
        &dns.aggregate,
        catalog,
        ranges.clone(),
        cfg.default_region.clone(),
    ));
    let template = FlowAggregator::new(cfg.local_net(), cfg.filter, resolver.clone());
    let flows = read_flows(flow_inputs, &template, flow_opts, flow_explicit, threads);

    let mut dns_stats = dns.stats;
    dns_stats.outside_window = dns.aggregate.outside_window();
    let mut flow_stats = flows.stats;
    let fa = &flows.aggregate;
    let counts = fa.counts();
    flow_stats.outside_window = counts.outside_window;
    flow_stats.no_data = counts.no_data;
    flow_stats.rejected = counts.rejected;
    let mut examples = dns.examples;
    examples.extend(flows.examples);
    examples.truncate(vpce_ingest::MAX_EXAMPLES);
    let mut errors = dns.errors;
    errors.extend(flows.errors);
    let inputs = Inputs {
        malformed: dns_stats.malformed + flow_stats.malformed,
        dns: dns_stats,
        flow: flow_stats,
        malformed_examples: examples,
        file_errors: errors,
    };
    let mut report = build_report(
        &dns.aggregate,
        fa,
        inputs,
        cfg,
        &Reference {
            catalog,
            resolver: &resolver,
        },
    );
    let skipped = dns.skipped.len() + flows.skipped.len();
    if skipped > 0 {
        report.warnings.push(format!(
            "{skipped} files in the given directories hold the other log type and were left out of it"
        ));
    }
    report
}
