//! The commands and options that talk to AWS: `analyze --live`, s3:// and
//! cloudwatch:// sources, `preflight` and `iam-policy`.

use std::net::IpAddr;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use vpce_analysis::net::Cidr;
use vpce_analysis::{AnalysisConfig, DnsAggregator, FlowAggregator, TimeFilter};
use vpce_aws::s3::{Progress, S3Url};
use vpce_aws::{Aws, AwsOptions};
use vpce_formats::flow::FlowFormat;
use vpce_formats::insights;
use vpce_formats::time::format_rfc3339;
use vpce_ingest::{Input, LogKind};
use vpce_model::inventory::{Inventory, Severity};
use vpce_model::InputStats;

use crate::cli::{AwsArgs, ExplainFormat, IamPolicyArgs, PreflightArgs};
use crate::StrictFailure;

use super::analyze::Sources;

/// Window read from CloudWatch Logs when no --since is given.
const DEFAULT_CLOUDWATCH_DAYS: i64 = 7;

pub(crate) fn connect(args: &AwsArgs, region: Option<&str>) -> Result<Aws> {
    Aws::connect(&AwsOptions {
        profile: args.profile.clone(),
        region: region.map(str::to_string),
        endpoint_url: args.endpoint_url.clone(),
    })
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

pub(crate) fn inventory(aws: &Aws, vpc_id: &str) -> Result<Inventory> {
    if !vpc_id.starts_with("vpc-") {
        bail!("--vpc-id '{vpc_id}' is not a VPC ID (vpc-…)");
    }
    let inv = vpce_aws::inventory::read_inventory(aws, vpc_id, format_rfc3339(now()))
        .with_context(|| format!("reading {vpc_id} in {}", aws.region))?;
    Ok(inv)
}

/// What the inventory tells the analysis before it reads the logs: the VPC's
/// CIDRs and its NAT gateways' addresses and interfaces (unless given).
pub(crate) fn configure(cfg: &mut AnalysisConfig, inv: &Inventory) {
    if cfg.vpc_cidrs.is_empty() {
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

/// Turns s3:// and cloudwatch:// addresses into inputs.
pub(crate) struct Remote<'a> {
    pub aws: &'a Aws,
    pub threads: usize,
    pub quiet: bool,
    pub no_insights: bool,
    pub user_format: Option<&'a FlowFormat>,
    pub filter: TimeFilter,
}

impl Remote<'_> {
    pub(crate) fn add(
        &self,
        url: &str,
        kind: LogKind,
        sources: &mut Sources,
        progress: &mut Vec<Arc<Progress>>,
        warnings: &mut Vec<String>,
    ) -> Result<()> {
        if url.starts_with("s3://") {
            return self.add_s3(url, kind, sources, progress, warnings);
        }
        let Some(group) = vpce_aws::logs::parse_url(url) else {
            bail!("'{url}' names no log group (cloudwatch://LOG_GROUP)");
        };
        let until = self.filter.until.unwrap_or_else(now);
        let since = self.filter.since.unwrap_or(until - DEFAULT_CLOUDWATCH_DAYS * 86400);
        if self.filter.since.is_none() {
            warnings.push(format!(
                "{url}: no --since, so the last {DEFAULT_CLOUDWATCH_DAYS} days were read ({} to {})",
                format_rfc3339(since),
                format_rfc3339(until)
            ));
        }
        let mut gaps = Vec::new();
        let format = if kind == LogKind::Flow && self.user_format.is_none() {
            let found = vpce_aws::logs::flow_log_format(self.aws, &group, &mut gaps)?;
            match found {
                Some(f) => Some(
                    FlowFormat::parse(&f, false)
                        .with_context(|| format!("the format of the flow log delivering to {group} ({f})"))?,
                ),
                None => {
                    warnings.push(format!(
                        "{url}: no flow log names this group (DescribeFlowLogs), so its records are read in the default (version 2) format; give --flow-log-format if it has another"
                    ));
                    None
                }
            }
        } else {
            None
        };
        warnings.extend(gaps.into_iter().map(|g| format!("{url}: {g}")));
        if self.no_insights {
            let header = format.as_ref().map(header_line);
            let inputs = vpce_aws::logs::event_inputs(self.aws, &group, since, until, self.threads, header);
            push(sources, kind, inputs);
            return Ok(());
        }
        match kind {
            LogKind::Dns => {
                let out = vpce_aws::logs::run_insights(
                    self.aws,
                    std::slice::from_ref(&group),
                    &insights::dns_query(),
                    since,
                    until,
                    !self.quiet,
                )?;
                note_truncated(url, &out.truncated, warnings);
                let mut agg = DnsAggregator::new(self.filter);
                let mut stats = InputStats {
                    files: 1,
                    ..Default::default()
                };
                for row in &out.rows {
                    match insights::dns_row(row) {
                        Ok((q, n)) => {
                            agg.push_weighted(&q, n);
                        }
                        Err(e) => {
                            stats.malformed += 1;
                            warnings.push(format!("{url}: Logs Insights row not understood: {e}"));
                        }
                    }
                }
                stats.records = agg.records();
                match &mut sources.dns_aggregated {
                    Some((a, s)) => {
                        a.merge(agg);
                        s.add(&stats);
                    }
                    None => sources.dns_aggregated = Some((agg, stats)),
                }
            }
            LogKind::Flow => {
                let format = self.user_format.cloned().or(format).unwrap_or_default();
                let query = insights::flow_query(&format, FlowAggregator::FIELDS).map_err(anyhow::Error::msg)?;
                let out = vpce_aws::logs::run_insights(
                    self.aws,
                    std::slice::from_ref(&group),
                    &query,
                    since,
                    until,
                    !self.quiet,
                )?;
                note_truncated(url, &out.truncated, warnings);
                let group_fields = insights::flow_group_fields(&format, FlowAggregator::FIELDS);
                let mut text = insights::flow_header(&format, FlowAggregator::FIELDS);
                text.push('\n');
                for row in &out.rows {
                    match insights::flow_row(row, &group_fields) {
                        Ok(line) => {
                            text.push_str(&line);
                            text.push('\n');
                        }
                        Err(e) => warnings.push(format!("{url}: Logs Insights row not understood: {e}")),
                    }
                }
                push(
                    sources,
                    kind,
                    vec![Input::Memory {
                        name: format!("{url} (Logs Insights, hourly sums)"),
                        bytes: Arc::new(text.into_bytes()),
                    }],
                );
            }
        }
        Ok(())
    }

    fn add_s3(
        &self,
        url: &str,
        kind: LogKind,
        sources: &mut Sources,
        progress: &mut Vec<Arc<Progress>>,
        warnings: &mut Vec<String>,
    ) -> Result<()> {
        let u: S3Url = url.parse().map_err(anyhow::Error::msg)?;
        let listing = vpce_aws::s3::list(self.aws, &u, kind, self.filter.since, self.filter.until)?;
        let bytes: u64 = listing.objects.iter().map(|o| o.size).sum();
        if !self.quiet {
            eprintln!(
                "{url}: {} objects ({:.1} MB) to read; {} list calls, {} folders skipped by log type or date",
                listing.objects.len(),
                bytes as f64 / 1e6,
                listing.list_calls,
                listing.pruned
            );
        }
        if listing.objects.is_empty() {
            warnings.push(format!(
                "{url}: no {} log objects{}",
                if kind == LogKind::Dns { "Resolver query" } else { "flow" },
                if self.filter.since.is_some() || self.filter.until.is_some() {
                    " in the --since/--until window"
                } else {
                    ""
                }
            ));
        }
        let p = Progress::new(url.to_string(), listing.objects.len() as u64, bytes, !self.quiet);
        progress.push(p.clone());
        push(
            sources,
            kind,
            vpce_aws::s3::inputs(self.aws, &u.bucket, &listing.objects, p),
        );
        Ok(())
    }
}

fn push(sources: &mut Sources, kind: LogKind, inputs: Vec<Input>) {
    let (list, explicit) = match kind {
        LogKind::Dns => (&mut sources.dns, &mut sources.dns_explicit),
        LogKind::Flow => (&mut sources.flow, &mut sources.flow_explicit),
    };
    explicit.extend(inputs.iter().map(|_| false));
    list.extend(inputs);
}

/// A header line for a format, as S3 delivery writes it.
fn header_line(f: &FlowFormat) -> String {
    f.fields().iter().map(|x| x.name()).collect::<Vec<_>>().join(" ")
}

fn note_truncated(url: &str, ranges: &[(i64, i64)], warnings: &mut Vec<String>) {
    for (s, e) in ranges {
        warnings.push(format!(
            "{url}: the Logs Insights result for {} to {} reached {} rows even for one hour; rows may be missing there (use --no-insights)",
            format_rfc3339(*s),
            format_rfc3339(*e),
            insights::MAX_ROWS
        ));
    }
}

pub(crate) fn preflight(a: PreflightArgs) -> Result<()> {
    let aws = connect(&a.aws, a.region.as_deref())?;
    let inv = inventory(&aws, &a.vpc_id)?;
    let findings = vpce_analysis::live::preflight(&inv, None);
    let mut out = vpce_report::escape::Escaped::new(std::io::stdout().lock());
    match a.format {
        ExplainFormat::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &serde_json::json!({ "vpc_id": inv.vpc.vpc_id, "region": inv.region, "findings": findings, "inventory": inv }),
            )?;
            use std::io::Write;
            writeln!(out)?;
        }
        ExplainFormat::Table => {
            use std::io::Write;
            let workloads = inv.workload_subnets();
            writeln!(
                out,
                "{} in {}: {} subnets ({} route to NAT, in {}), {} NAT gateways, {} endpoints ({} live)",
                inv.vpc.vpc_id,
                inv.region,
                inv.subnets.len(),
                workloads.len(),
                inv.workload_azs().into_iter().collect::<Vec<_>>().join(", "),
                inv.nat_gateways.len(),
                inv.endpoints.len(),
                inv.endpoints.iter().filter(|e| e.is_live()).count()
            )?;
            vpce_report::render_findings(&findings, &mut out)?;
        }
    }
    let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
    if errors > 0 {
        return Err(StrictFailure(format!(
            "preflight: {errors} error{} in {}",
            if errors == 1 { "" } else { "s" },
            inv.vpc.vpc_id
        ))
        .into());
    }
    Ok(())
}

pub(crate) fn iam_policy(a: IamPolicyArgs) -> Result<()> {
    let doc = vpce_iac::iam::read_only_policy(&vpce_iac::iam::PolicyScope {
        bucket: a.bucket,
        prefix: a.prefix,
        log_groups: a.log_groups,
        region: a.region,
        account_id: a.account_id,
    });
    // `?` on the write: a closed pipe ends the command quietly (see lib.rs).
    use std::io::Write;
    writeln!(std::io::stdout().lock(), "{}", serde_json::to_string_pretty(&doc)?)?;
    Ok(())
}
