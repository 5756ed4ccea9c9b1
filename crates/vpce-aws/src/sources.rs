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
use vpce_model::{FileError, InputStats};

use crate::logs::{FlowLogFormat, InsightsOutcome};
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
    /// What could not be read: Logs Insights time ranges whose query failed
    /// every attempt or whose result stayed at the row limit. They go into
    /// the report's `inputs.file_errors`, which makes it partial.
    pub errors: Vec<FileError>,
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
        (LogKind::Flow, None) => group_format(aws, url, &group, (since, until), &mut into.warnings)?,
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
    into.errors.extend(insights_errors(url, &out));
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
/// when no flow log names it). When `ec2:DescribeFlowLogs` is denied, the
/// first events of `window` decide ([`format_when_denied`]).
fn group_format(
    aws: &Aws,
    url: &str,
    group: &str,
    window: (i64, i64),
    warnings: &mut Vec<String>,
) -> Result<Option<FlowFormat>> {
    match crate::logs::flow_log_format(aws, group)? {
        FlowLogFormat::Found(f) => {
            Ok(Some(FlowFormat::parse(&f, false).with_context(|| {
                format!("the format of the flow log delivering to {group} ({f})")
            })?))
        }
        FlowLogFormat::NoFlowLog => {
            warnings.push(format!(
                "{url}: no flow log names this group (DescribeFlowLogs), so its records are read in the default (version 2) format; give --flow-log-format if it has another"
            ));
            Ok(None)
        }
        FlowLogFormat::Denied => {
            let sample = crate::logs::first_messages(aws, group, window.0, window.1, SAMPLE_EVENTS)?;
            match format_when_denied(url, group, &sample) {
                Ok(warning) => {
                    warnings.push(warning);
                    Ok(None)
                }
                Err(why) => bail!(why),
            }
        }
    }
}

/// Events looked at when the flow-log format cannot be read.
const SAMPLE_EVENTS: usize = 5;

/// The decision when `ec2:DescribeFlowLogs` was denied for `group`: its
/// events `sample` (the first messages) are read in the default (version 2)
/// format when each has that format's field count, with the returned
/// warning that the format was assumed; otherwise the error names the group,
/// the field count seen, the action to grant and `--flow-log-format`.
///
/// # Errors
/// A sampled event whose field count is not the default format's.
pub fn format_when_denied(url: &str, group: &str, sample: &[String]) -> Result<String, String> {
    let want = FlowFormat::default().fields().len();
    let counts: Vec<usize> = sample
        .iter()
        .map(|m| m.split_ascii_whitespace().count())
        .filter(|&n| n > 0)
        .collect();
    if let Some(&seen) = counts.iter().find(|&&n| n != want) {
        return Err(format!(
            "{url}: the flow-log format of {group} is unknown (ec2:DescribeFlowLogs was denied), and its events have {seen} fields, \
             not the {want} of the default (version 2) format, so they cannot be read without it. \
             Grant ec2:DescribeFlowLogs to these credentials, or give the format the flow log was created with: \
             --flow-log-format '${{version}} ${{account-id}} …'"
        ));
    }
    Ok(if counts.is_empty() {
        format!(
            "{url}: ec2:DescribeFlowLogs was denied, so the flow-log format of {group} is unknown; no event in the window to check, \
             so the default (version 2) format was assumed (grant ec2:DescribeFlowLogs, or give --flow-log-format)"
        )
    } else {
        format!(
            "{url}: ec2:DescribeFlowLogs was denied, so the flow-log format of {group} is unknown; its first {} events have the {want} fields \
             of the default (version 2) format, which was assumed (grant ec2:DescribeFlowLogs, or give --flow-log-format)",
            counts.len()
        )
    })
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

/// The input errors of a Logs Insights run: each time range whose query
/// failed every attempt (none of its records are in the report), and each
/// whose result stayed at the row limit even for one hour (some are not).
pub fn insights_errors(url: &str, out: &InsightsOutcome) -> Vec<FileError> {
    let name = |s: i64, e: i64| format!("{url} [{} .. {}) (Logs Insights)", format_rfc3339(s), format_rfc3339(e));
    let unread = out.unread.iter().map(|u| FileError {
        file: name(u.start, u.end),
        error: format!(
            "the query gave no rows: {}; the records of this time range are not in the report (run again, or read the events with --no-insights)",
            u.why
        ),
        bytes_unread: None,
    });
    let truncated = out.truncated.iter().map(|&(s, e)| FileError {
        file: name(s, e),
        error: format!(
            "the result reached the {} rows Logs Insights returns even for one hour: the rows beyond it are not in the report (read the events with --no-insights)",
            insights::MAX_ROWS
        ),
        bytes_unread: None,
    });
    unread.chain(truncated).collect()
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
    fn a_denied_format_is_assumed_only_when_the_events_have_the_default_field_count() {
        let v2 = "2 123456789012 eni-1 10.0.1.5 52.46.141.1 40000 443 6 10 5000 1793491200 1793491260 ACCEPT OK";
        let custom = "5 eni-1 10.0.1.5 52.46.141.1 10.0.1.5 52.46.141.1 40000 443 6 5000 1793491200 1793491260 ACCEPT OK 1 use1-az1 8";
        let url = "cloudwatch:///vpce/flow";
        let sample = |lines: &[&str]| lines.iter().map(|l| l.to_string()).collect::<Vec<_>>();

        let assumed = format_when_denied(url, "/vpce/flow", &sample(&[v2, v2])).unwrap();
        assert!(
            assumed.contains("first 2 events have the 14 fields") && assumed.contains("assumed"),
            "{assumed}"
        );

        let err = format_when_denied(url, "/vpce/flow", &sample(&[custom, custom])).unwrap_err();
        for part in [
            "/vpce/flow",
            "17 fields",
            "not the 14",
            "ec2:DescribeFlowLogs",
            "--flow-log-format",
        ] {
            assert!(err.contains(part), "{part} missing: {err}");
        }
        // One event of another shape among default ones is enough to stop.
        let err = format_when_denied(url, "/vpce/flow", &sample(&[v2, "2 1 eni-1"])).unwrap_err();
        assert!(err.contains("3 fields"), "{err}");

        // No event to look at: nothing can be misread; assumed, and said.
        let empty = format_when_denied(url, "/vpce/flow", &sample(&["", "  "])).unwrap();
        assert!(empty.contains("no event in the window"), "{empty}");
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

    #[test]
    fn unread_and_truncated_insights_ranges_are_input_errors() {
        let out = InsightsOutcome {
            truncated: vec![(1_793_491_200, 1_793_494_800)],
            unread: vec![crate::logs::UnreadRange {
                start: 1_793_494_800,
                end: 1_793_498_400,
                why: "the Logs Insights query ended as Failed (after 3 attempts)".into(),
            }],
            ..Default::default()
        };
        let errors = insights_errors("cloudwatch:///vpce/dns", &out);
        assert_eq!(errors.len(), 2);
        assert_eq!(
            errors[0].file,
            "cloudwatch:///vpce/dns [2026-11-01T01:00:00Z .. 2026-11-01T02:00:00Z) (Logs Insights)"
        );
        assert!(errors[0].error.contains("ended as Failed") && errors[0].error.contains("not in the report"));
        assert!(errors[1]
            .file
            .starts_with("cloudwatch:///vpce/dns [2026-11-01T00:00:00Z"));
        assert!(errors[1].error.contains("10000 rows"), "{}", errors[1].error);
        assert!(insights_errors("u", &InsightsOutcome::default()).is_empty());
    }
}
