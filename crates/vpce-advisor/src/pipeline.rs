//! One analysis, from resolved [`Analysis`] settings: the inputs (local
//! files, S3 objects, CloudWatch Logs, the live inventory) → the aggregates →
//! the report → the advice. Commands call [`run`] and render what it returns.

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use vpce_analysis::net::Cidr;
use vpce_analysis::{advise, build_report, AnalysisConfig, DnsAggregator, Reference, Resolver};
use vpce_aws::sources::{RemoteInputs, RemoteOptions};
use vpce_aws::{Aws, AwsOptions};
use vpce_formats::flow::FlowReadOptions;
use vpce_formats::time::format_rfc3339;
use vpce_ingest::{expand, explicit_flags, read_dns_with_progress, read_flows_with_progress, Input, LogKind, Progress};
use vpce_model::inventory::Inventory;
use vpce_model::{FileError, InputStats, Inputs, Report};
use vpce_report::escape::escaped;

use crate::settings::{self, Analysis, Costs, RegionChoice};

/// What an analysis ended in.
pub(crate) enum Outcome {
    /// The priced report.
    Report(Box<Report>),
    /// `--strict`, and the inputs had a malformed line or an unreadable
    /// file: the first one, for the message.
    Strict(String),
}

/// Everything the readers read.
#[derive(Default)]
pub(crate) struct LogInputs {
    pub dns: Vec<Input>,
    /// Per input: named by the user (not found in a directory).
    pub dns_explicit: Vec<bool>,
    pub flow: Vec<Input>,
    pub flow_explicit: Vec<bool>,
    /// Resolver records already aggregated (Logs Insights rows).
    pub dns_aggregated: Option<(DnsAggregator, InputStats)>,
    /// What the remote sources could not read before any reader ran (Logs
    /// Insights ranges): input errors of the report.
    pub errors: Vec<FileError>,
}

impl LogInputs {
    /// Inputs found by the program itself (none named by the user).
    pub(crate) fn found(dns: Vec<Input>, flow: Vec<Input>) -> LogInputs {
        LogInputs {
            dns_explicit: vec![false; dns.len()],
            flow_explicit: vec![false; flow.len()],
            dns,
            flow,
            dns_aggregated: None,
            errors: Vec::new(),
        }
    }

    /// Moves the remote sources' inputs in, after the local ones.
    fn add_remote(&mut self, remote: &mut RemoteInputs) {
        self.dns_explicit.extend(remote.dns.iter().map(|_| false));
        self.dns.append(&mut remote.dns);
        self.flow_explicit.extend(remote.flow.iter().map(|_| false));
        self.flow.append(&mut remote.flow);
        self.dns_aggregated = remote.dns_aggregated.take();
        self.errors.append(&mut remote.errors);
    }
}

/// Reads the logs (files, S3, CloudWatch Logs), adds the live inventory when
/// asked, builds the report and prices it.
pub(crate) fn run(s: &Analysis) -> Result<Outcome> {
    let aws = if s.needs_aws() {
        Some(connect(&s.aws.options)?)
    } else {
        None
    };
    let aws_region = aws.as_ref().map(|a| a.region.as_str());
    let mut cfg = s.config.clone();
    let inventory = match (&aws, &s.live) {
        (Some(aws), Some(vpc)) => {
            let inv = inventory(aws, vpc)?;
            configure(&mut cfg, &inv);
            Some(inv)
        }
        _ => None,
    };
    cfg.default_region = s.region.fallback(aws_region);

    let mut inputs = local_inputs(s)?;
    let mut remote = match &aws {
        Some(aws) => remote_inputs(aws, s, &cfg)?,
        None => RemoteInputs::default(),
    };
    inputs.add_remote(&mut remote);
    let started = Instant::now();
    let display = crate::progress::Display::start(!s.quiet);
    let progress = display.as_ref().map(|d| d.progress.clone());
    let mut report = analyze(inputs, &cfg, &s.flow_read, &s.reference, s.threads, progress.as_ref());
    if let Some(d) = display {
        d.finish();
    }
    remote.finish();
    report.warnings.append(&mut remote.warnings);
    if let Some(inv) = inventory {
        vpce_analysis::live::apply_inventory(&mut report, inv);
        vpce_analysis::live::attach_preflight(&mut report);
    }
    if !s.quiet {
        summary(&report, started.elapsed());
    }
    if s.strict {
        if let Some(why) = strict_problem(&report) {
            return Ok(Outcome::Strict(why));
        }
    }
    let region = s.region.for_prices(&report.network.vpcs, aws_region);
    price(&mut report, &s.costs, region);
    if report.inputs.dns.records == 0 && report.inputs.flow.records == 0 {
        let why = report
            .inputs
            .file_errors
            .first()
            .map(|e| format!(": {}: {}", e.file, e.error))
            .unwrap_or_default();
        bail!("no records could be read from the inputs{why}");
    }
    Ok(Outcome::Report(Box::new(report)))
}

/// Prices the report and recommends (in `region`, see
/// [`settings::RegionChoice::for_prices`]).
/// A Region the price table lacks leaves costs `null` with a warning.
pub(crate) fn price(report: &mut Report, costs: &Costs, region: Option<String>) {
    advise(report, &costs.prices, &costs.advice(region));
}

/// A report saved by `analyze --format json`.
pub(crate) fn load_report(path: &Path) -> Result<Report> {
    let text = vpce_ingest::read_text(path)?;
    let report: Report = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a vpce-advisor JSON report (analyze --format json)",
            path.display()
        )
    })?;
    if report.schema_version != vpce_model::SCHEMA_VERSION {
        bail!(
            "{} has report schema {}, this version reads {}",
            path.display(),
            report.schema_version,
            vpce_model::SCHEMA_VERSION
        );
    }
    Ok(report)
}

/// A saved report, priced (in `region`'s rule) unless it already is.
pub(crate) fn saved_report(path: &Path, costs: &Costs, region: &RegionChoice) -> Result<Report> {
    let mut report = load_report(path)?;
    if report.pricing.is_none() {
        let region = region.for_prices(&report.network.vpcs, None);
        price(&mut report, costs, region);
    }
    Ok(report)
}

/// Loads the AWS configuration (nothing is sent yet).
pub(crate) fn connect(options: &AwsOptions) -> Result<Aws> {
    Aws::connect(options)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The VPC as the AWS APIs describe it, read now.
pub(crate) fn inventory(aws: &Aws, vpc_id: &str) -> Result<Inventory> {
    vpce_aws::inventory::read_inventory(aws, vpc_id, format_rfc3339(now()))
        .with_context(|| format!("reading {vpc_id} in {}", aws.region))
}

/// What the inventory tells the analysis before it reads the logs: the VPC's
/// CIDRs (its IPv6 ones when only IPv4 ones are given) and its NAT gateways'
/// addresses and interfaces (unless given).
fn configure(cfg: &mut AnalysisConfig, inv: &Inventory) {
    if !cfg.vpc_cidrs.is_empty() && !cfg.vpc_cidrs.iter().any(Cidr::is_ipv6) {
        let ipv6 = inv.vpc.ipv6_cidrs.iter().filter_map(|c| c.parse::<Cidr>().ok());
        cfg.vpc_cidrs.extend(ipv6.filter(Cidr::is_ipv6));
    } else if cfg.vpc_cidrs.is_empty() {
        cfg.vpc_cidrs_source = Some("live inventory (DescribeVpcs)".into());
        cfg.vpc_cidrs = inv
            .vpc
            .cidrs
            .iter()
            .chain(&inv.vpc.ipv6_cidrs)
            .filter_map(|c| c.parse::<Cidr>().ok())
            .collect();
    }
    let nats = inv.nat_gateways.iter().filter(|n| n.state != "deleted");
    if cfg.nat_ips.is_empty() && cfg.nat_enis.is_empty() {
        cfg.nat_source = Some("live inventory (DescribeNatGateways)".into());
    }
    if cfg.nat_ips.is_empty() {
        cfg.nat_ips = nats
            .clone()
            .flat_map(|n| n.private_ips.iter())
            .filter_map(|ip| ip.parse::<IpAddr>().ok())
            .collect();
    }
    if cfg.nat_enis.is_empty() {
        cfg.nat_enis = nats.flat_map(|n| n.interface_ids.iter().cloned()).collect();
    }
}

/// The local files and directories, expanded.
fn local_inputs(s: &Analysis) -> Result<LogInputs> {
    let dns = expand(&s.dns.local, LogKind::Dns)?;
    let flow = expand(&s.flow.local, LogKind::Flow)?;
    for (given, found) in [(&s.dns.local, dns.len()), (&s.flow.local, flow.len())] {
        if !given.is_empty() && found == 0 && !s.quiet {
            let names: Vec<String> = given.iter().map(|p| p.display().to_string()).collect();
            eprintln!("warning: no files under {}", names.join(", "));
        }
    }
    Ok(LogInputs {
        dns_explicit: explicit_flags(&s.dns.local, &dns),
        flow_explicit: explicit_flags(&s.flow.local, &flow),
        dns,
        flow,
        dns_aggregated: None,
        errors: Vec::new(),
    })
}

/// The s3:// and cloudwatch:// sources, as inputs.
fn remote_inputs(aws: &Aws, s: &Analysis, cfg: &AnalysisConfig) -> Result<RemoteInputs> {
    let opts = RemoteOptions {
        threads: s.threads,
        no_insights: s.no_insights,
        flow_format: s.flow_format.as_ref(),
        filter: cfg.filter,
        now: now(),
        say: (!s.quiet).then(crate::output::stderr_lines),
    };
    let mut into = RemoteInputs::default();
    for url in &s.dns.remote {
        vpce_aws::sources::add(aws, url, LogKind::Dns, &opts, &mut into)?;
    }
    for url in &s.flow.remote {
        vpce_aws::sources::add(aws, url, LogKind::Flow, &opts, &mut into)?;
    }
    Ok(into)
}

/// The one-line summary of what was read, and the first problems.
fn summary(report: &Report, elapsed: Duration) {
    let i = &report.inputs;
    eprintln!(
        "read {} Resolver records ({}) and {} flow records ({}) in {:.1}s; {} malformed line{}, {} input error{}",
        i.dns.records,
        input_counts(&i.dns),
        i.flow.records,
        input_counts(&i.flow),
        elapsed.as_secs_f64(),
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

/// What became of one log type's inputs, adding up to those found:
/// "72 inputs: 70 read, 1 left out, 1 error".
fn input_counts(s: &InputStats) -> String {
    let mut parts = vec![format!("{} read", s.read())];
    if s.left_out > 0 {
        parts.push(format!("{} left out", s.left_out));
    }
    if s.input_errors > 0 {
        parts.push(format!(
            "{} error{}",
            s.input_errors,
            if s.input_errors == 1 { "" } else { "s" }
        ));
    }
    format!(
        "{} input{}: {}",
        s.files,
        if s.files == 1 { "" } else { "s" },
        parts.join(", ")
    )
}

/// What `--strict` fails on: the first unreadable file, else the first
/// malformed line.
fn strict_problem(report: &Report) -> Option<String> {
    let i = &report.inputs;
    if let Some(e) = i.file_errors.first() {
        return Some(format!(
            "--strict: {}: {} ({} file errors in all)",
            e.file,
            e.error,
            i.file_errors.len()
        ));
    }
    i.malformed_examples.first().map(|m| {
        format!(
            "--strict: {}:{}: {} ({} malformed lines in all)",
            m.file, m.line, m.reason, i.malformed
        )
    })
}

/// Why a report is partial (some input was not read to its end), for the
/// exit-1 message; `None` when every input was read. The message names the
/// first input and how to accept the report anyway.
pub(crate) fn partial_problem(report: &Report) -> Option<String> {
    let i = &report.inputs;
    if !i.partial {
        return None;
    }
    let first = i
        .file_errors
        .first()
        .map(|e| format!(" (first: {}: {})", e.file, e.error))
        .unwrap_or_default();
    let unread = if i.bytes_unread > 0 {
        format!(", {} bytes known to be unread", i.bytes_unread)
    } else {
        String::new()
    };
    Some(format!(
        "partial: {} input{} could not be read to the end{first}{unread}; totals are lower bounds (--allow-partial accepts a partial report)",
        i.file_errors.len(),
        if i.file_errors.len() == 1 { "" } else { "s" },
    ))
}

/// Reads both log types (Resolver logs first: their private answers tell the
/// flow pass which addresses are interface endpoints) and builds the report.
pub(crate) fn analyze(
    inputs: LogInputs,
    cfg: &AnalysisConfig,
    flow_opts: &FlowReadOptions,
    reference: &settings::Reference,
    threads: usize,
    progress: Option<&Arc<Progress>>,
) -> Report {
    if let Some(p) = progress {
        p.plan(&inputs.dns);
        p.plan(&inputs.flow);
    }
    let mut dns = read_dns_with_progress(
        &inputs.dns,
        &DnsAggregator::new(cfg.filter),
        &inputs.dns_explicit,
        threads,
        progress,
    );
    if let Some((agg, stats)) = inputs.dns_aggregated {
        dns.aggregate.merge(agg);
        dns.stats.add(&stats);
    }
    let resolver = Arc::new(Resolver::new(
        &dns.aggregate,
        &reference.catalog,
        reference.ranges.clone(),
        cfg.default_region.clone(),
    ));
    let template = cfg.flow_aggregator(resolver.clone());
    let flows = read_flows_with_progress(
        &inputs.flow,
        &template,
        flow_opts,
        &inputs.flow_explicit,
        threads,
        progress,
    );
    let mut dns_stats = dns.stats;
    dns_stats.outside_window = dns.aggregate.outside_window();
    let mut flow_stats = flows.stats;
    let counts = flows.aggregate.counts();
    flow_stats.outside_window = counts.outside_window;
    flow_stats.no_data = counts.no_data;
    flow_stats.rejected = counts.rejected;
    let mut examples = dns.examples;
    examples.extend(flows.examples);
    examples.truncate(vpce_ingest::MAX_EXAMPLES);
    let mut errors = dns.errors;
    errors.extend(flows.errors);
    errors.extend(inputs.errors);
    let mut stats = Inputs {
        malformed: dns_stats.malformed + flow_stats.malformed,
        dns: dns_stats,
        flow: flow_stats,
        malformed_examples: examples,
        file_errors: errors,
        partial: false,
        bytes_unread: 0,
    };
    stats.note_partial();
    let mut report = build_report(
        &dns.aggregate,
        &flows.aggregate,
        stats,
        cfg,
        &Reference {
            catalog: &reference.catalog,
            resolver: &resolver,
        },
    );
    let skipped = dns.skipped.len() + flows.skipped.len();
    left_out_warnings(&mut report, skipped, dns.not_logs.iter().chain(&flows.not_logs));
    report
}

/// Notes for the files of the given directories that were left out.
fn left_out_warnings<'a>(report: &mut Report, other_type: usize, not_logs: impl Iterator<Item = &'a String>) {
    if other_type > 0 {
        report.warnings.push(format!(
            "{other_type} files in the given directories hold the other log type and were left out of it"
        ));
    }
    let mut not_logs: Vec<&String> = not_logs.collect();
    not_logs.sort();
    not_logs.dedup();
    if let Some(first) = not_logs.first() {
        report.warnings.push(format!(
            "{} files in the given directories are neither Resolver query logs nor VPC flow logs and were left out (first: {first})",
            not_logs.len()
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inventory() -> Inventory {
        let mut inv = Inventory::default();
        inv.vpc.cidrs = vec!["10.0.0.0/16".into()];
        inv.vpc.ipv6_cidrs = vec!["2600:1f18:aa:bb00::/56".into()];
        inv
    }

    #[test]
    fn the_inventory_gives_its_ipv6_cidrs_when_only_ipv4_ones_are_given() {
        let mut given_v4 = AnalysisConfig {
            vpc_cidrs: vec!["10.1.0.0/16".parse().unwrap()],
            ..Default::default()
        };
        configure(&mut given_v4, &inventory());
        let cidrs: Vec<String> = given_v4.vpc_cidrs.iter().map(|c| c.to_string()).collect();
        assert_eq!(cidrs, ["10.1.0.0/16", "2600:1f18:aa:bb00::/56"]);
        let mut none = AnalysisConfig::default();
        configure(&mut none, &inventory());
        assert_eq!(none.vpc_cidrs.len(), 2);
        let mut given_v6 = AnalysisConfig {
            vpc_cidrs: vec!["2600:1f18:cc:dd00::/56".parse().unwrap()],
            ..Default::default()
        };
        configure(&mut given_v6, &inventory());
        assert_eq!(given_v6.vpc_cidrs.len(), 1, "what is given whole is kept");
    }
}
