//! Logs in CloudWatch Logs (`cloudwatch://log-group`).
//!
//! - Logs Insights (default): the aggregation runs in AWS ([`vpce_formats::insights`]
//!   builds the queries); the query is polled until it is `Complete`, and a
//!   result that reaches the row limit is asked again in two halves of the
//!   time range, down to an hour.
//! - `FilterLogEvents` (`--no-insights`): every event, streamed page by page
//!   into the same parsers as files, the window cut into one slice per worker.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_cloudwatchlogs::types::QueryStatus;
use aws_sdk_ec2::types::Filter;
use vpce_formats::insights::{Row, MAX_ROWS};
use vpce_ingest::Input;

use vpce_model::aws_action::AwsAction;

use crate::error::{classify, AwsError};
use crate::Aws;

/// A `cloudwatch://log-group` address (the group name may contain `/`).
pub fn parse_url(s: &str) -> Option<String> {
    let g = s.strip_prefix("cloudwatch://").or_else(|| s.strip_prefix("cwl://"))?;
    (!g.is_empty()).then(|| g.to_string())
}

/// What `DescribeFlowLogs` says about the flow log delivering to a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowLogFormat {
    /// Its `LogFormat`.
    Found(String),
    /// No flow log names the group.
    NoFlowLog,
    /// `ec2:DescribeFlowLogs` was denied: the format is unknown.
    Denied,
}

/// The format of the flow log that delivers to `group`, from
/// `DescribeFlowLogs`.
///
/// # Errors
/// The call fails other than by AccessDenied (which gives
/// [`FlowLogFormat::Denied`]).
pub fn flow_log_format(aws: &Aws, group: &str) -> Result<FlowLogFormat, AwsError> {
    let r = aws.block_on(
        aws.ec2
            .describe_flow_logs()
            .filter(Filter::builder().name("log-group-name").values(group).build())
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>(),
    );
    match r {
        Ok(logs) => Ok(logs
            .iter()
            .find_map(|f| f.log_format().map(str::to_string))
            .map_or(FlowLogFormat::NoFlowLog, FlowLogFormat::Found)),
        Err(e) => match classify(e, AwsAction::Ec2DescribeFlowLogs, group) {
            AwsError::AccessDenied { .. } => Ok(FlowLogFormat::Denied),
            other => Err(other),
        },
    }
}

/// Pages read at most by [`first_messages`] (`FilterLogEvents` may answer
/// empty pages while it scans).
const SAMPLE_PAGES: usize = 10;

/// The first `n` event messages of `group` between `start` and `end` (epoch
/// seconds), fewer when the group has fewer.
///
/// # Errors
/// A `FilterLogEvents` call fails.
pub fn first_messages(aws: &Aws, group: &str, start: i64, end: i64, n: usize) -> Result<Vec<String>, AwsError> {
    aws.block_on(async {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..SAMPLE_PAGES {
            let page = aws
                .logs
                .filter_log_events()
                .log_group_name(group)
                .start_time(start * 1000)
                .end_time(end * 1000 - 1)
                .limit(n as i32)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| classify(e, AwsAction::LogsFilterLogEvents, group))?;
            out.extend(
                page.events()
                    .iter()
                    .filter_map(|e| e.message())
                    .map(|m| m.trim_end().to_string()),
            );
            token = page.next_token().map(str::to_string);
            if out.len() >= n || token.is_none() {
                break;
            }
        }
        out.truncate(n);
        Ok(out)
    })
}

/// What running a query cost and found.
#[derive(Debug, Default)]
pub struct InsightsOutcome {
    pub rows: Vec<Row>,
    pub queries: u32,
    /// Time ranges that were asked again in halves (the row limit was hit,
    /// or a query ran out of time).
    pub splits: u32,
    pub records_matched: f64,
    pub bytes_scanned: f64,
    /// Ranges still at the row limit at the smallest split (rows may be missing).
    pub truncated: Vec<(i64, i64)>,
    /// Ranges whose query failed every attempt: none of their rows are in
    /// `rows`.
    pub unread: Vec<UnreadRange>,
}

/// A time range of a query that gave no rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadRange {
    pub start: i64,
    pub end: i64,
    /// The last attempt's error.
    pub why: String,
}

/// Smallest range a query is split down to.
const MIN_SPLIT_SECS: i64 = 3600;
/// Longest a query may run before it is given up.
const QUERY_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Why one query gave no rows, and what may change that.
#[derive(Debug)]
pub(crate) enum QueryError {
    /// No retry changes it (access denied, no such group, credentials):
    /// the run stops with it.
    Final(AwsError),
    /// The query ran out of time (its `Timeout` status, or ours): a shorter
    /// range scans less and may finish.
    TooLong(AwsError),
    /// The query ended `Failed` or `Cancelled`, or a call failed after the
    /// SDK's retries (throttling, connection, server errors): asked again.
    Transient(AwsError),
}

impl QueryError {
    /// A failed call's error, sorted by whether asking again can help.
    fn of_call(e: AwsError) -> QueryError {
        match e {
            AwsError::AccessDenied { .. }
            | AwsError::NotFound { .. }
            | AwsError::NoCredentials { .. }
            | AwsError::ExpiredCredentials { .. }
            | AwsError::InvalidCredentials { .. } => QueryError::Final(e),
            other => QueryError::Transient(other),
        }
    }
}

/// How often a failed range is asked again, and the pause before the
/// first retry (it doubles with each).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Patience {
    pub(crate) attempts: u32,
    pub(crate) backoff: Duration,
}

/// Attempts per range: the SDK already retried each call; these restart
/// the query itself.
const QUERY_PATIENCE: Patience = Patience {
    attempts: 3,
    backoff: Duration::from_secs(2),
};

/// One Logs Insights query run to its end: its rows, records matched and
/// bytes scanned. The seam [`split_queries`] drives; [`SdkInsights`] runs it
/// through the SDK (start, then poll), the unit tests over fixed answers.
pub(crate) trait InsightsQuery {
    async fn run(
        &self,
        groups: &[String],
        query: &str,
        start: i64,
        end: i64,
    ) -> Result<(Vec<Row>, f64, f64), QueryError>;
}

/// [`InsightsQuery`] over the SDK's CloudWatch Logs client.
pub(crate) struct SdkInsights<'a>(pub(crate) &'a Aws);

impl InsightsQuery for SdkInsights<'_> {
    async fn run(
        &self,
        groups: &[String],
        query: &str,
        start: i64,
        end: i64,
    ) -> Result<(Vec<Row>, f64, f64), QueryError> {
        one_query(self.0, groups, query, start, end).await
    }
}

/// Runs `query` over `groups` between `start` and `end` (epoch seconds),
/// splitting the range while results reach the row limit. `say` receives
/// a line per split and retry, and a summary at the end. A range whose query
/// keeps failing is named in [`InsightsOutcome::unread`], and the others are
/// still read.
///
/// # Errors
/// A call fails in a way no retry changes (access denied, no such group,
/// credentials).
pub fn run_insights(
    aws: &Aws,
    groups: &[String],
    query: &str,
    start: i64,
    end: i64,
    say: Option<&(dyn Fn(&str) + Send + Sync)>,
) -> Result<InsightsOutcome, AwsError> {
    aws.block_on(split_queries(
        &SdkInsights(aws),
        groups,
        query,
        (start, end),
        QUERY_PATIENCE,
        say,
    ))
}

/// Where `start..end` is cut in two: on an hour boundary, so hourly bins
/// do not straddle; `None` when the range is an hour or less.
fn midpoint(start: i64, end: i64) -> Option<i64> {
    (end - start > MIN_SPLIT_SECS).then(|| ((start + (end - start) / 2) / 3600 * 3600).clamp(start + 1, end - 1))
}

/// Queries `window`, asking again in two halves while a range reaches the
/// row limit or runs out of time; a range at the limit at the smallest split
/// is kept and named as truncated. A range whose query fails is asked again
/// (`patience`), then named as unread.
async fn split_queries(
    api: &impl InsightsQuery,
    groups: &[String],
    query: &str,
    window: (i64, i64),
    patience: Patience,
    say: Option<&(dyn Fn(&str) + Send + Sync)>,
) -> Result<InsightsOutcome, AwsError> {
    let say = |line: String| {
        if let Some(say) = say {
            say(&line);
        }
    };
    let span = |s: i64, e: i64| {
        format!(
            "{}..{}",
            vpce_formats::time::format_rfc3339(s),
            vpce_formats::time::format_rfc3339(e)
        )
    };
    let mut out = InsightsOutcome::default();
    let mut ranges = VecDeque::from([(window.0, window.1, 1u32)]);
    while let Some((s, e, attempt)) = ranges.pop_front() {
        out.queries += 1;
        let failure = match api.run(groups, query, s, e).await {
            Ok((rows, matched, scanned)) => {
                if rows.len() >= MAX_ROWS {
                    if let Some(mid) = midpoint(s, e) {
                        out.splits += 1;
                        say(format!(
                            "cloudwatch: {} rows for {}: asking again in two halves",
                            rows.len(),
                            span(s, e)
                        ));
                        ranges.extend([(s, mid, 1), (mid, e, 1)]);
                        continue;
                    }
                    out.truncated.push((s, e));
                }
                out.records_matched += matched;
                out.bytes_scanned += scanned;
                out.rows.extend(rows);
                continue;
            }
            Err(QueryError::Final(err)) => return Err(err),
            Err(QueryError::TooLong(err)) => match midpoint(s, e) {
                Some(mid) => {
                    out.splits += 1;
                    say(format!("cloudwatch: {}: {err}; asking again in two halves", span(s, e)));
                    ranges.extend([(s, mid, 1), (mid, e, 1)]);
                    continue;
                }
                None => err,
            },
            Err(QueryError::Transient(err)) => err,
        };
        if attempt < patience.attempts {
            say(format!("cloudwatch: {}: {failure}; asking again", span(s, e)));
            tokio::time::sleep(patience.backoff * (1 << (attempt - 1))).await;
            ranges.push_front((s, e, attempt + 1));
        } else {
            out.unread.push(UnreadRange {
                start: s,
                end: e,
                why: format!("{failure} (after {attempt} attempts)"),
            });
        }
    }
    say(format!(
        "cloudwatch: {} Logs Insights quer{} ({} split{}), {} rows, {:.0} records matched, {:.1} MB scanned{}",
        out.queries,
        if out.queries == 1 { "y" } else { "ies" },
        out.splits,
        if out.splits == 1 { "" } else { "s" },
        out.rows.len(),
        out.records_matched,
        out.bytes_scanned / 1e6,
        match out.unread.len() {
            0 => String::new(),
            n => format!("; {n} time range{} not read", if n == 1 { "" } else { "s" }),
        }
    ));
    Ok(out)
}

/// Starts a query and polls it to its end.
async fn one_query(
    aws: &Aws,
    groups: &[String],
    query: &str,
    start: i64,
    end: i64,
) -> Result<(Vec<Row>, f64, f64), QueryError> {
    let what = groups.join(", ");
    let started = aws
        .logs
        .start_query()
        .set_log_group_names(Some(groups.to_vec()))
        .start_time(start)
        .end_time(end)
        .query_string(query)
        .limit(MAX_ROWS as i32)
        .send()
        .await
        .map_err(|e| QueryError::of_call(classify(e, AwsAction::LogsStartQuery, &what)))?;
    let id = started.query_id().unwrap_or_default().to_string();
    let t0 = Instant::now();
    let mut wait = Duration::from_millis(250);
    loop {
        let r = aws
            .logs
            .get_query_results()
            .query_id(&id)
            .send()
            .await
            .map_err(|e| QueryError::of_call(classify(e, AwsAction::LogsGetQueryResults, &what)))?;
        let ended = |detail: String| AwsError::Other {
            action: AwsAction::LogsGetQueryResults.name().into(),
            resource: what.clone(),
            detail,
        };
        match r.status() {
            Some(QueryStatus::Complete) => return Ok(complete_rows(&r)),
            Some(QueryStatus::Timeout) => {
                return Err(QueryError::TooLong(ended(
                    "the Logs Insights query ended as Timeout".into(),
                )))
            }
            Some(status @ (QueryStatus::Failed | QueryStatus::Cancelled)) => {
                return Err(QueryError::Transient(ended(format!(
                    "the Logs Insights query ended as {}",
                    status.as_str()
                ))))
            }
            _ => {
                if t0.elapsed() > QUERY_TIMEOUT {
                    let _ = aws.logs.stop_query().query_id(&id).send().await;
                    return Err(QueryError::TooLong(ended(format!(
                        "the query did not finish in {} minutes",
                        QUERY_TIMEOUT.as_secs() / 60
                    ))));
                }
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// The rows (without `@ptr`), records matched and bytes scanned of a
/// complete query.
fn complete_rows(
    r: &aws_sdk_cloudwatchlogs::operation::get_query_results::GetQueryResultsOutput,
) -> (Vec<Row>, f64, f64) {
    let mut rows: Vec<Row> = r
        .results()
        .iter()
        .map(|row| {
            row.iter()
                .filter_map(|c| Some((c.field()?.to_string(), c.value().unwrap_or_default().to_string())))
                .filter(|(f, _)| f != "@ptr")
                .collect()
        })
        .collect();
    rows.retain(|r: &Row| !r.is_empty());
    let stats = r.statistics();
    (
        rows,
        stats.map_or(0.0, |s| s.records_matched()),
        stats.map_or(0.0, |s| s.bytes_scanned()),
    )
}

/// Streams the events of a log group between `start` and `end` (epoch
/// milliseconds) as text, one message per line, fetching a page when the
/// reader has used up the previous one. `header` (a flow-log header line)
/// comes first when given.
struct EventsReader {
    aws: Aws,
    group: String,
    start_ms: i64,
    end_ms: i64,
    token: Option<String>,
    buf: Vec<u8>,
    pos: usize,
    done: bool,
    /// Pages read, and the time of the last event read (epoch ms).
    pages: u64,
    last_ms: Option<i64>,
}

impl EventsReader {
    fn fill(&mut self) -> io::Result<()> {
        self.buf.clear();
        self.pos = 0;
        while self.buf.is_empty() && !self.done {
            let page = self
                .aws
                .block_on(
                    self.aws
                        .logs
                        .filter_log_events()
                        .log_group_name(&self.group)
                        .start_time(self.start_ms)
                        .end_time(self.end_ms - 1)
                        .set_next_token(self.token.clone())
                        .send(),
                )
                .map_err(|e| self.page_failed(classify(e, AwsAction::LogsFilterLogEvents, &self.group)))?;
            for ev in page.events() {
                if let Some(m) = ev.message() {
                    self.buf.extend_from_slice(m.trim_end().as_bytes());
                    self.buf.push(b'\n');
                }
                self.last_ms = ev.timestamp().or(self.last_ms);
            }
            self.pages += 1;
            self.token = page.next_token().map(str::to_string);
            self.done = self.token.is_none();
        }
        Ok(())
    }

    /// The error for a page that failed after the SDK's retries: what was
    /// read and the part of the slice left unread. A denied or missing
    /// group on the first page is said as it is (nothing was read).
    fn page_failed(&self, e: AwsError) -> io::Error {
        if self.pages == 0 && matches!(e, AwsError::AccessDenied { .. } | AwsError::NotFound { .. }) {
            return io::Error::other(e);
        }
        let from = self.last_ms.unwrap_or(self.start_ms).div_euclid(1000);
        io::Error::other(format!(
            "FilterLogEvents page {} failed after retries, so the events from {} to {} were not read: {e}",
            self.pages + 1,
            vpce_formats::time::format_rfc3339(from),
            vpce_formats::time::format_rfc3339(self.end_ms.div_euclid(1000)),
        ))
    }
}

impl Read for EventsReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.buf.len() {
            self.fill()?;
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// One input per time slice of the group (`slices` of them), each streamed
/// with `FilterLogEvents`. Each slice runs on a worker thread of its own and
/// blocks on a runtime that is not that thread's.
pub fn event_inputs(aws: &Aws, group: &str, start: i64, end: i64, slices: usize, header: Option<String>) -> Vec<Input> {
    let slices = slices.max(1) as i64;
    let step = ((end - start) / slices).max(60);
    let mut out = Vec::new();
    let mut s = start;
    while s < end {
        let e = if out.len() as i64 == slices - 1 {
            end
        } else {
            (s + step).min(end)
        };
        let (aws, group2, header) = (aws.clone(), group.to_string(), header.clone());
        out.push(Input::Stream {
            name: format!(
                "cloudwatch://{group} [{} .. {})",
                vpce_formats::time::format_rfc3339(s),
                vpce_formats::time::format_rfc3339(e)
            ),
            open: Arc::new(move || {
                let mut first = header
                    .as_ref()
                    .map(|h| format!("{h}\n").into_bytes())
                    .unwrap_or_default();
                let mut reader = EventsReader {
                    aws: aws.clone(),
                    group: group2.clone(),
                    start_ms: s * 1000,
                    end_ms: e * 1000,
                    token: None,
                    buf: Vec::new(),
                    pos: 0,
                    done: false,
                    pages: 0,
                    last_ms: None,
                };
                // The first page is fetched here, so that an error (no such
                // group, AccessDenied) is reported for the input at once.
                reader.fill()?;
                first.extend_from_slice(&reader.buf);
                reader.buf = first;
                Ok(Box::new(reader) as Box<dyn Read + Send>)
            }),
        });
        s = e;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// How the fake answers a range: `Ok` with its rows, or one of the
    /// query failures.
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Answer {
        Rows,
        Failed,
        Cancelled,
        Timeout,
        Denied,
    }

    /// A log group with `per_hour(h)` matching records in hour `h` from 0;
    /// a query returns at most the row limit of them. `answer(start, end,
    /// attempt)` decides how the query of a range ends (attempts from 1).
    struct FakeGroup {
        per_hour: fn(i64) -> usize,
        answer: fn(i64, i64, usize) -> Answer,
        asked: Mutex<Vec<(i64, i64)>>,
    }

    impl InsightsQuery for FakeGroup {
        async fn run(&self, _: &[String], _: &str, start: i64, end: i64) -> Result<(Vec<Row>, f64, f64), QueryError> {
            let attempt = {
                let mut asked = self.asked.lock().unwrap();
                asked.push((start, end));
                asked.iter().filter(|r| **r == (start, end)).count()
            };
            let other = |status: &str| AwsError::Other {
                action: "logs:GetQueryResults".into(),
                resource: "g".into(),
                detail: format!("the Logs Insights query ended as {status}"),
            };
            match (self.answer)(start, end, attempt) {
                Answer::Rows => {}
                Answer::Failed => return Err(QueryError::Transient(other("Failed"))),
                Answer::Cancelled => return Err(QueryError::Transient(other("Cancelled"))),
                Answer::Timeout => return Err(QueryError::TooLong(other("Timeout"))),
                Answer::Denied => {
                    return Err(QueryError::Final(AwsError::AccessDenied {
                        action: "logs:StartQuery".into(),
                        resource: "g".into(),
                        code: "AccessDeniedException".into(),
                        message: "no".into(),
                    }))
                }
            }
            let matched: usize = (start / 3600..(end + 3599) / 3600).map(self.per_hour).sum();
            let rows = (0..matched.min(MAX_ROWS)).map(|_| Row::default()).collect();
            Ok((rows, matched as f64, 0.0))
        }
    }

    fn run_with(
        per_hour: fn(i64) -> usize,
        answer: fn(i64, i64, usize) -> Answer,
        hours: i64,
    ) -> (Result<InsightsOutcome, AwsError>, Vec<(i64, i64)>) {
        let group = FakeGroup {
            per_hour,
            answer,
            asked: Mutex::new(Vec::new()),
        };
        let patience = Patience {
            attempts: 3,
            backoff: Duration::ZERO,
        };
        let out = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(split_queries(
                &group,
                &["g".into()],
                "q",
                (0, hours * 3600),
                patience,
                None,
            ));
        (out, group.asked.into_inner().unwrap())
    }

    fn run(per_hour: fn(i64) -> usize, hours: i64) -> (InsightsOutcome, Vec<(i64, i64)>) {
        let (out, asked) = run_with(per_hour, |_, _, _| Answer::Rows, hours);
        (out.unwrap(), asked)
    }

    #[test]
    fn ranges_at_the_row_limit_are_split_on_hours_until_every_row_is_read() {
        let per = MAX_ROWS * 2 / 5;
        let (out, asked) = run(|_| MAX_ROWS * 2 / 5, 6);
        assert_eq!(out.rows.len(), 6 * per);
        assert!(out.truncated.is_empty() && out.unread.is_empty());
        assert!(out.splits > 0 && out.queries as usize == asked.len());
        // Every range asked starts and ends on an hour.
        assert!(asked.iter().all(|(s, e)| s % 3600 == 0 && e % 3600 == 0), "{asked:?}");
        // The rows kept come from ranges that do not overlap.
        let mut kept: Vec<(i64, i64)> = asked
            .iter()
            .copied()
            .filter(|(s, e)| (s / 3600..e / 3600).count() * per < MAX_ROWS)
            .collect();
        kept.sort();
        assert!(kept.windows(2).all(|w| w[0].1 <= w[1].0), "{kept:?}");
    }

    #[test]
    fn an_hour_beyond_the_row_limit_is_named_as_truncated() {
        let (out, _) = run(|h| if h == 2 { MAX_ROWS * 2 } else { 10 }, 4);
        assert_eq!(out.truncated, [(7200, 10800)]);
        assert_eq!(out.rows.len(), 3 * 10 + MAX_ROWS);
    }

    #[test]
    fn a_failed_or_cancelled_query_is_asked_again_and_then_named_as_unread() {
        // Fails on the first attempt only: every row is read.
        let (out, asked) = run_with(|_| 10, |_, _, n| if n == 1 { Answer::Failed } else { Answer::Rows }, 4);
        let out = out.unwrap();
        assert_eq!(out.rows.len(), 40);
        assert!(out.unread.is_empty());
        assert_eq!(asked, [(0, 14400), (0, 14400)]);

        for answer in [Answer::Failed, Answer::Cancelled] {
            // Hour 1..2 of a 4-hour window fails every time; it was split out
            // by the row limit, so the other hours are read.
            let (out, asked) = match answer {
                Answer::Failed => run_with(
                    |_| MAX_ROWS * 2 / 3,
                    |s, e, _| {
                        if (s, e) == (3600, 7200) {
                            Answer::Failed
                        } else {
                            Answer::Rows
                        }
                    },
                    4,
                ),
                _ => run_with(
                    |_| MAX_ROWS * 2 / 3,
                    |s, e, _| {
                        if (s, e) == (3600, 7200) {
                            Answer::Cancelled
                        } else {
                            Answer::Rows
                        }
                    },
                    4,
                ),
            };
            let out = out.unwrap();
            assert_eq!(out.rows.len(), 3 * (MAX_ROWS * 2 / 3), "{answer:?}");
            assert_eq!(out.unread.len(), 1, "{answer:?}");
            let u = &out.unread[0];
            assert_eq!((u.start, u.end), (3600, 7200), "{answer:?}");
            let status = if answer == Answer::Failed {
                "Failed"
            } else {
                "Cancelled"
            };
            assert!(
                u.why.contains(status) && u.why.contains("after 3 attempts"),
                "{}",
                u.why
            );
            assert_eq!(asked.iter().filter(|r| **r == (3600, 7200)).count(), 3, "{answer:?}");
        }
    }

    #[test]
    fn a_query_that_times_out_is_split_down_to_an_hour_then_named_as_unread() {
        // Ranges longer than 2 hours time out: the halves finish.
        let (out, asked) = run_with(
            |_| 10,
            |s, e, _| if e - s > 7200 { Answer::Timeout } else { Answer::Rows },
            8,
        );
        let out = out.unwrap();
        assert_eq!(out.rows.len(), 80);
        assert!(out.unread.is_empty() && out.splits == 3, "{asked:?}");

        // An hour that times out however small: retried, then unread; the
        // rest of the window is read.
        let (out, _) = run_with(
            |_| 10,
            |s, e, _| {
                if s <= 3600 && e > 3600 {
                    Answer::Timeout
                } else {
                    Answer::Rows
                }
            },
            4,
        );
        let out = out.unwrap();
        assert_eq!(out.rows.len(), 30);
        assert_eq!(out.unread.len(), 1);
        assert_eq!((out.unread[0].start, out.unread[0].end), (3600, 7200));
        assert!(out.unread[0].why.contains("Timeout"), "{:?}", out.unread);
    }

    #[test]
    fn a_denied_query_stops_at_once() {
        let (out, asked) = run_with(|_| 10, |_, _, _| Answer::Denied, 4);
        assert!(matches!(out, Err(AwsError::AccessDenied { .. })));
        assert_eq!(asked.len(), 1, "no retry can help");
    }
}
