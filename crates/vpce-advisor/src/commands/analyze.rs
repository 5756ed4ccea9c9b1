//! `vpce-advisor analyze`.

use std::net::IpAddr;
use std::sync::Arc;
use vpce_report::escape::escaped;

use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use vpce_analysis::net::Cidr;
use vpce_analysis::{
    advise, build_report, AdviceOptions, AnalysisConfig, DnsAggregator, FlowAggregator, Reference, Resolver, TimeFilter,
};
use vpce_catalog::{Catalog, IpRanges};
use vpce_formats::flow::{FlowFormat, FlowReadOptions};
use vpce_formats::time::parse_rfc3339;
use vpce_ingest::{expand, explicit_flags, read_dns, read_flows, Input, LogKind};
use vpce_model::{InputStats, Inputs, Report};
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

/// Reads the logs (files, S3, CloudWatch Logs), adds the live inventory when
/// asked, builds the report and prices it.
pub(crate) fn report_from(args: &AnalysisArgs) -> Result<Report> {
    if args.dns_logs.is_empty() && args.flow_logs.is_empty() {
        bail!("nothing to analyse: give --dns-logs PATH... and/or --flow-logs PATH... (files, s3://BUCKET/PREFIX or cloudwatch://LOG_GROUP; try `vpce-advisor demo` for a sample)");
    }
    let (catalog, ranges) = reference_data(&args.reference)?;
    let mut cfg = config(args)?;
    let user_format = args
        .flow_log_format
        .as_deref()
        .map(|f| FlowFormat::parse(f, args.allow_unknown_fields))
        .transpose()
        .context("--flow-log-format")?;
    let flow_opts = FlowReadOptions {
        format: user_format.clone(),
        allow_unknown_fields: args.allow_unknown_fields,
        wanted: Some(FlowAggregator::FIELDS.to_vec()),
    };
    let (dns_local, dns_remote) = split_sources(&args.dns_logs);
    let (flow_local, flow_remote) = split_sources(&args.flow_logs);
    let threads = args.threads.unwrap_or_else(vpce_ingest::default_threads);
    let aws = if args.live || !dns_remote.is_empty() || !flow_remote.is_empty() {
        Some(super::live::connect(&args.aws, args.region.as_deref())?)
    } else {
        None
    };
    let mut warnings = Vec::new();
    let inventory = match (&aws, args.live, &args.vpc_id) {
        (Some(aws), true, Some(vpc)) => {
            let inv = super::live::inventory(aws, vpc)?;
            super::live::configure(&mut cfg, &inv);
            Some(inv)
        }
        _ => None,
    };
    if cfg.default_region.is_none() {
        cfg.default_region = aws.as_ref().map(|a| a.region.clone());
    }

    let dns_inputs = expand(&dns_local, LogKind::Dns)?;
    let flow_inputs = expand(&flow_local, LogKind::Flow)?;
    if !dns_local.is_empty() && dns_inputs.is_empty() && !args.quiet {
        eprintln!("warning: no files under {}", show(&dns_local));
    }
    if !flow_local.is_empty() && flow_inputs.is_empty() && !args.quiet {
        eprintln!("warning: no files under {}", show(&flow_local));
    }
    let mut sources = Sources {
        dns_explicit: explicit_flags(&dns_local, &dns_inputs),
        flow_explicit: explicit_flags(&flow_local, &flow_inputs),
        dns: dns_inputs,
        flow: flow_inputs,
        dns_aggregated: None,
    };
    let mut progress = Vec::new();
    if let Some(aws) = &aws {
        let remote = super::live::Remote {
            aws,
            threads,
            quiet: args.quiet,
            no_insights: args.no_insights,
            user_format: user_format.as_ref(),
            filter: cfg.filter,
        };
        for url in &dns_remote {
            remote.add(url, LogKind::Dns, &mut sources, &mut progress, &mut warnings)?;
        }
        for url in &flow_remote {
            remote.add(url, LogKind::Flow, &mut sources, &mut progress, &mut warnings)?;
        }
    }
    let started = std::time::Instant::now();
    let mut report = analyze(sources, &cfg, &flow_opts, &catalog, &ranges, threads);
    for p in &progress {
        p.finish();
    }
    report.warnings.extend(warnings);
    if let Some(inv) = inventory {
        vpce_analysis::live::apply_inventory(&mut report, inv);
        vpce_analysis::live::attach_preflight(&mut report);
    }
    if !args.quiet {
        let i = &report.inputs;
        eprintln!(
            "read {} Resolver records ({} inputs) and {} flow records ({} inputs) in {:.1}s; {} malformed line{}, {} input error{}",
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
            eprintln!("warning: {}", escaped(&format!("{}: {}", e.file, e.error)));
        }
        for m in i.malformed_examples.iter().take(5) {
            eprintln!("warning: {}", escaped(&format!("{}:{}: {}", m.file, m.line, m.reason)));
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
    advise(&mut report, &prices, &advice);
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

/// Local paths, and the s3:// and cloudwatch:// addresses.
fn split_sources(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut local = Vec::new();
    let mut remote = Vec::new();
    for p in paths {
        match p.to_str() {
            Some(s) if s.starts_with("s3://") || s.starts_with("cloudwatch://") || s.starts_with("cwl://") => {
                remote.push(s.to_string())
            }
            _ => local.push(p.clone()),
        }
    }
    (local, remote)
}

/// Everything an analysis reads.
#[derive(Default)]
pub(crate) struct Sources {
    pub dns: Vec<Input>,
    pub dns_explicit: Vec<bool>,
    pub flow: Vec<Input>,
    pub flow_explicit: Vec<bool>,
    /// Resolver records already aggregated (Logs Insights rows).
    pub dns_aggregated: Option<(DnsAggregator, InputStats)>,
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
        vpc_cidrs_source: None,
        nat_source: None,
        generator: format!("vpce-advisor {}", env!("CARGO_PKG_VERSION")),
    })
}

/// Reads both log types (Resolver logs first: their private answers tell the
/// flow pass which addresses are interface endpoints) and builds the report.
pub(crate) fn analyze(
    sources: Sources,
    cfg: &AnalysisConfig,
    flow_opts: &FlowReadOptions,
    catalog: &Catalog,
    ranges: &IpRanges,
    threads: usize,
) -> Report {
    let mut dns = read_dns(
        &sources.dns,
        &DnsAggregator::new(cfg.filter),
        &sources.dns_explicit,
        threads,
    );
    if let Some((agg, stats)) = sources.dns_aggregated {
        dns.aggregate.merge(agg);
        dns.stats.add(&stats);
    }
    let resolver = Arc::new(Resolver::new(
        &dns.aggregate,
        catalog,
        ranges.clone(),
        cfg.default_region.clone(),
    ));
    let template = FlowAggregator::new(cfg.local_net(), cfg.filter, resolver.clone());
    let flows = read_flows(&sources.flow, &template, flow_opts, &sources.flow_explicit, threads);
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
    let mut not_logs: Vec<&String> = dns.not_logs.iter().chain(&flows.not_logs).collect();
    not_logs.sort();
    not_logs.dedup();
    if let Some(first) = not_logs.first() {
        report.warnings.push(format!(
            "{} files in the given directories are neither Resolver query logs nor VPC flow logs and were left out (first: {first})",
            not_logs.len()
        ));
    }
    report
}
