//! Remote log sources as analysis inputs: `s3://BUCKET/PREFIX` and
//! `cloudwatch://LOG_GROUP` addresses become [`Input`]s (streamed objects,
//! `FilterLogEvents` slices, Logs Insights results as flow-log text) or, for
//! Resolver logs through Logs Insights, an aggregate built from the rows by
//! [`vpce_analysis::insights`].

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use vpce_analysis::{insights as glue, DnsAggregator, TimeFilter};
use vpce_formats::flow::FlowFormat;
use vpce_formats::insights;
use vpce_formats::time::format_rfc3339;
use vpce_ingest::{Input, LogKind};
use vpce_model::InputStats;

use crate::s3::{Progress, S3Url};
use crate::{Aws, Say};

/// Window read from CloudWatch Logs when no `--since` is given.
pub const DEFAULT_CLOUDWATCH_DAYS: i64 = 7;

/// Whether an address names a remote source rather than a local path.
pub fn is_remote(s: &str) -> bool {
    s.starts_with("s3://") || s.starts_with("cloudwatch://") || s.starts_with("cwl://")
}

/// Local paths, and the remote addresses ([`is_remote`]), in their order.
pub fn split(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut local = Vec::new();
    let mut remote = Vec::new();
    for p in paths {
        match p.to_str() {
            Some(s) if is_remote(s) => remote.push(s.to_string()),
            _ => local.push(p.clone()),
        }
    }
    (local, remote)
}

/// How remote sources are read.
pub struct RemoteOptions<'a> {
    /// Worker threads (`FilterLogEvents` slices per group).
    pub threads: usize,
    /// Stream CloudWatch Logs event by event instead of Logs Insights.
    pub no_insights: bool,
    /// The user's flow-log format (else the flow log's own, from
    /// `DescribeFlowLogs`, else version 2).
    pub flow_format: Option<&'a FlowFormat>,
    /// The `--since`/`--until` window.
    pub filter: TimeFilter,
    /// Now, in Unix seconds: the end of a CloudWatch window without `--until`.
    pub now: i64,
    /// Where progress goes: the summary of each listing, the S3 streams'
    /// progress, the Logs Insights queries. `None`: quiet.
    pub say: Option<Say>,
}

/// What the remote sources add to an analysis.
#[derive(Default)]
pub struct RemoteInputs {
    pub dns: Vec<Input>,
    pub flow: Vec<Input>,
    /// Resolver records already aggregated (Logs Insights rows).
    pub dns_aggregated: Option<(DnsAggregator, InputStats)>,
    /// Progress of the S3 streams; [`RemoteInputs::finish`] says the last lines.
    pub progress: Vec<Arc<Progress>>,
    /// Notes for the report: default windows, gaps, rows not understood.
    pub warnings: Vec<String>,
}

impl RemoteInputs {
    /// Says the final progress line of every S3 stream.
    pub fn finish(&self) {
        for p in &self.progress {
            p.finish();
        }
    }

    fn push(&mut self, kind: LogKind, inputs: Vec<Input>) {
        match kind {
            LogKind::Dns => self.dns.extend(inputs),
            LogKind::Flow => self.flow.extend(inputs),
        }
    }

    fn add_dns_aggregate(&mut self, agg: DnsAggregator, stats: InputStats) {
        match &mut self.dns_aggregated {
            Some((a, s)) => {
                a.merge(agg);
                s.add(&stats);
            }
            None => self.dns_aggregated = Some((agg, stats)),
        }
    }
}

/// Adds the source at `url` (`s3://…` or `cloudwatch://…`) holding logs of
/// `kind` to `into`.
///
/// # Errors
/// The address is not one, the bucket cannot be listed, the flow log's
/// format cannot be read, or a Logs Insights query fails.
pub fn add(aws: &Aws, url: &str, kind: LogKind, opts: &RemoteOptions<'_>, into: &mut RemoteInputs) -> Result<()> {
    if url.starts_with("s3://") {
        return add_s3(aws, url, kind, opts, into);
    }
    let Some(group) = crate::logs::parse_url(url) else {
        bail!("'{url}' names no log group (cloudwatch://LOG_GROUP)");
    };
    let (since, until) = cloudwatch_window(url, opts, &mut into.warnings);
    let format = match (kind, opts.flow_format) {
        (LogKind::Flow, None) => group_format(aws, url, &group, &mut into.warnings)?,
        _ => None,
    };
    if opts.no_insights {
        let header = format.as_ref().map(header_line);
        let inputs = crate::logs::event_inputs(aws, &group, since, until, opts.threads, header);
        into.push(kind, inputs);
        return Ok(());
    }
    let query = match kind {
        LogKind::Dns => insights::dns_query(),
        LogKind::Flow => {
            let format = opts.flow_format.cloned().or(format.clone()).unwrap_or_default();
            glue::flow_query(&format).map_err(anyhow::Error::msg)?
        }
    };
    let say = opts.say.as_deref();
    let out = crate::logs::run_insights(aws, std::slice::from_ref(&group), &query, since, until, say)?;
    note_truncated(url, &out.truncated, &mut into.warnings);
    let not_understood = |e: String| format!("{url}: Logs Insights row not understood: {e}");
    match kind {
        LogKind::Dns => {
            let rows = glue::dns_rows(&out.rows, opts.filter);
            into.warnings.extend(rows.errors.into_iter().map(not_understood));
            into.add_dns_aggregate(rows.aggregate, rows.stats);
        }
        LogKind::Flow => {
            let format = opts.flow_format.cloned().or(format).unwrap_or_default();
            let flow = glue::flow_text(&out.rows, &format);
            into.warnings.extend(flow.errors.into_iter().map(not_understood));
            into.push(
                kind,
                vec![Input::Memory {
                    name: format!("{url} (Logs Insights, hourly sums)"),
                    bytes: Arc::new(flow.text.into_bytes()),
                }],
            );
        }
    }
    Ok(())
}

/// The window read from a log group: `--since`/`--until`, else the last
/// [`DEFAULT_CLOUDWATCH_DAYS`] days (with a note).
fn cloudwatch_window(url: &str, opts: &RemoteOptions<'_>, warnings: &mut Vec<String>) -> (i64, i64) {
    let until = opts.filter.until.unwrap_or(opts.now);
    let since = opts.filter.since.unwrap_or(until - DEFAULT_CLOUDWATCH_DAYS * 86400);
    if opts.filter.since.is_none() {
        warnings.push(format!(
            "{url}: no --since, so the last {DEFAULT_CLOUDWATCH_DAYS} days were read ({} to {})",
            format_rfc3339(since),
            format_rfc3339(until)
        ));
    }
    (since, until)
}

/// The format of the flow log delivering to `group` (`None`, with a note,
/// when no flow log names it).
fn group_format(aws: &Aws, url: &str, group: &str, warnings: &mut Vec<String>) -> Result<Option<FlowFormat>> {
    let mut gaps = Vec::new();
    let found = crate::logs::flow_log_format(aws, group, &mut gaps)?;
    let format = match found {
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
    };
    warnings.extend(gaps.into_iter().map(|g| format!("{url}: {g}")));
    Ok(format)
}

fn add_s3(aws: &Aws, url: &str, kind: LogKind, opts: &RemoteOptions<'_>, into: &mut RemoteInputs) -> Result<()> {
    let u: S3Url = url.parse().map_err(anyhow::Error::msg)?;
    let listing = crate::s3::list(aws, &u, kind, opts.filter.since, opts.filter.until)?;
    let bytes: u64 = listing.objects.iter().map(|o| o.size).sum();
    if let Some(say) = &opts.say {
        say(&format!(
            "{url}: {} objects ({:.1} MB) to read; {} list calls, {} folders skipped by log type or date",
            listing.objects.len(),
            bytes as f64 / 1e6,
            listing.list_calls,
            listing.pruned
        ));
    }
    if listing.objects.is_empty() {
        into.warnings.push(format!(
            "{url}: no {} log objects{}",
            if kind == LogKind::Dns { "Resolver query" } else { "flow" },
            if opts.filter.since.is_some() || opts.filter.until.is_some() {
                " in the --since/--until window"
            } else {
                ""
            }
        ));
    }
    let p = Progress::new(url.to_string(), listing.objects.len() as u64, bytes, opts.say.clone());
    into.progress.push(p.clone());
    let inputs = crate::s3::inputs(aws, &u.bucket, &listing.objects, p);
    into.push(kind, inputs);
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_addresses_are_split_from_paths_in_order() {
        let paths: Vec<PathBuf> = ["logs/a", "s3://b/p", "cloudwatch://g/x", "cwl://h", "s3:/not-remote"]
            .iter()
            .map(PathBuf::from)
            .collect();
        let (local, remote) = split(&paths);
        assert_eq!(local, vec![PathBuf::from("logs/a"), PathBuf::from("s3:/not-remote")]);
        assert_eq!(remote, vec!["s3://b/p", "cloudwatch://g/x", "cwl://h"]);
    }

    #[test]
    fn a_cloudwatch_window_without_since_is_the_last_week_and_says_so() {
        let mut opts = RemoteOptions {
            threads: 1,
            no_insights: false,
            flow_format: None,
            filter: TimeFilter::default(),
            now: 1_793_491_200,
            say: None,
        };
        let mut warnings = Vec::new();
        assert_eq!(
            cloudwatch_window("cloudwatch://g", &opts, &mut warnings),
            (1_793_491_200 - 7 * 86400, 1_793_491_200)
        );
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("last 7 days"), "{warnings:?}");
        opts.filter = TimeFilter {
            since: Some(100),
            until: Some(200),
        };
        warnings.clear();
        assert_eq!(cloudwatch_window("cloudwatch://g", &opts, &mut warnings), (100, 200));
        assert!(warnings.is_empty());
    }
}
