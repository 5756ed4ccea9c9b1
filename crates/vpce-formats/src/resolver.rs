//! Route 53 Resolver query logs ("VPC Resolver query logs").
//!
//! Records are JSON objects with the fields AWS documents. Parsing is lenient
//! where AWS is inconsistent: `srcport` and `version` may be strings or
//! numbers, `srcids.resolver_endpoint` may be spelled `resolver-endpoint`,
//! `srcids` may be `{}`, `answers` may be missing, and unknown fields are
//! ignored (AWS adds fields in minor versions). Records borrow from the input
//! where they can.

use std::borrow::Cow;
use std::io::Read;

use serde::{Deserialize, Deserializer};

use crate::json::{Envelope, JsonFramer, Unwrapped};
use crate::lines::{for_each_line, LineError};

/// One answer: a CNAME target or an address, with AWS's capitalised keys.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Answer<'a> {
    #[serde(rename = "Rdata", alias = "rdata", borrow, default)]
    pub rdata: Cow<'a, str>,
    #[serde(rename = "Type", alias = "type", borrow, default)]
    pub rtype: Cow<'a, str>,
}

/// The sources a query came from or passed through.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct SrcIds<'a> {
    #[serde(borrow, default)]
    pub instance: Option<Cow<'a, str>>,
    #[serde(rename = "resolver_endpoint", alias = "resolver-endpoint", borrow, default)]
    pub resolver_endpoint: Option<Cow<'a, str>>,
}

/// One Resolver query-log record.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct DnsQuery<'a> {
    #[serde(borrow)]
    pub query_name: Cow<'a, str>,
    #[serde(borrow)]
    pub query_timestamp: Cow<'a, str>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub version: Option<String>,
    #[serde(borrow, default)]
    pub account_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub region: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub vpc_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub query_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub rcode: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "null_as_empty")]
    pub answers: Vec<Answer<'a>>,
    #[serde(borrow, default)]
    pub srcaddr: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub srcport: Option<String>,
    #[serde(borrow, default)]
    pub srcids: Option<SrcIds<'a>>,
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum V {
        S(String),
        N(serde_json::Number),
    }
    Ok(match Option::<V>::deserialize(d)? {
        None => None,
        Some(V::S(s)) => Some(s),
        Some(V::N(n)) => Some(n.to_string()),
    })
}

fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

impl DnsQuery<'_> {
    /// The major version, from `"1.100000"`, `"1.1"` or `1.1`. Unknown is `None`.
    pub fn major_version(&self) -> Option<u32> {
        self.version.as_deref()?.split('.').next()?.trim().parse().ok()
    }
}

/// Receives what [`read_resolver_log`] finds.
pub trait DnsSink {
    /// A record, with the line its JSON value started on.
    fn query(&mut self, q: &DnsQuery<'_>, line: u64);
    /// Text that is not a record, with a reason a person can act on.
    fn malformed(&mut self, line: u64, reason: String);
    /// A CloudWatch Logs `CONTROL_MESSAGE`, skipped.
    fn control_message(&mut self) {}
}

/// Highest major version this parser understands.
pub const SUPPORTED_MAJOR_VERSION: u32 = 1;

/// Reads Resolver query logs in any of the shapes [`crate::json`] lists.
///
/// # Errors
/// A read error (such as a truncated gzip stream); records before it were
/// delivered to the sink.
pub fn read_resolver_log<R: Read>(r: R, sink: &mut dyn DnsSink) -> Result<u64, LineError> {
    let sink = std::cell::RefCell::new(sink);
    let mut framer = JsonFramer::default();
    let mut errors: Vec<(u64, String)> = Vec::new();
    let result = {
        let mut on_value = |v: &[u8], l: u64| handle_value(v, l, &mut **sink.borrow_mut(), 0);
        let mut on_error = |l: u64, e: String| errors.push((l, e));
        // CloudWatch Logs export-task files put each event's time before it.
        let mut timestamped: Option<bool> = None;
        let res = for_each_line(r, |line, n| {
            let stamped = *timestamped.get_or_insert_with(|| crate::lines::strip_export_timestamp(line).is_some());
            let line = match stamped {
                true => crate::lines::strip_export_timestamp(line).unwrap_or(line),
                false => line,
            };
            // Fast path: one record on one line, as S3 delivery writes them.
            // Anything else (concatenated objects, envelopes, errors) goes
            // through the framer.
            if framer.is_idle() && line.first() == Some(&b'{') && line.last() == Some(&b'}') {
                if let Ok(q) = serde_json::from_slice::<DnsQuery>(line) {
                    deliver(&q, n, &mut **sink.borrow_mut());
                    return true;
                }
            }
            framer.push_line(line, n, &mut on_value, &mut on_error);
            true
        });
        framer.finish(&mut on_value, &mut on_error);
        res
    };
    let sink = sink.into_inner();
    for (l, e) in errors {
        sink.malformed(l, e);
    }
    result
}

const MAX_NESTING: u32 = 4;

fn handle_value(v: &[u8], line: u64, sink: &mut dyn DnsSink, depth: u32) {
    if memchr::memmem::find(v, b"\"query_name\"").is_some() {
        match serde_json::from_slice::<DnsQuery>(v) {
            Ok(q) => deliver(&q, line, sink),
            Err(e) => sink.malformed(line, format!("invalid Resolver query-log record: {e}")),
        }
        return;
    }
    match Envelope::unwrap_bytes(v) {
        Ok(Some(Unwrapped::Control)) => sink.control_message(),
        Ok(Some(Unwrapped::Events(events))) => {
            for (i, ev) in events.iter().enumerate() {
                match serde_json::from_str::<DnsQuery>(&ev.message) {
                    Ok(q) => deliver(&q, line, sink),
                    Err(e) => sink.malformed(
                        line,
                        format!("log event {} is not a Resolver query-log record: {e}", i + 1),
                    ),
                }
            }
        }
        Ok(Some(Unwrapped::Nested(bytes))) if depth < MAX_NESTING => {
            let mut framer = JsonFramer::default();
            let mut errs = Vec::new();
            {
                let mut on_value = |v: &[u8], _l: u64| handle_value(v, line, sink, depth + 1);
                let mut on_error = |_l: u64, e: String| errs.push(e);
                for piece in bytes.split(|&b| b == b'\n') {
                    framer.push_line(piece, line, &mut on_value, &mut on_error);
                }
                framer.finish(&mut on_value, &mut on_error);
            }
            for e in errs {
                sink.malformed(line, format!("in awslogs.data: {e}"));
            }
        }
        Ok(Some(Unwrapped::Nested(_))) => sink.malformed(line, "awslogs payloads nested too deeply".into()),
        Ok(None) => sink.malformed(
            line,
            "JSON object is neither a Resolver query-log record (no \"query_name\") nor a CloudWatch Logs envelope"
                .into(),
        ),
        Err(e) => sink.malformed(line, format!("invalid CloudWatch Logs envelope: {e}")),
    }
}

fn deliver(q: &DnsQuery<'_>, line: u64, sink: &mut dyn DnsSink) {
    if let Some(major) = q.major_version() {
        if major > SUPPORTED_MAJOR_VERSION {
            sink.malformed(
                line,
                format!(
                    "query-log version {} is newer than this tool reads (major {SUPPORTED_MAJOR_VERSION})",
                    q.version.as_deref().unwrap_or("?")
                ),
            );
            return;
        }
    }
    if crate::time::parse_rfc3339(&q.query_timestamp).is_none() {
        sink.malformed(
            line,
            format!("query_timestamp '{}' is not an ISO 8601 time", q.query_timestamp),
        );
        return;
    }
    sink.query(q, line);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collect {
        queries: Vec<(String, u64, Vec<String>)>,
        malformed: Vec<(u64, String)>,
        control: usize,
    }

    impl DnsSink for Collect {
        fn query(&mut self, q: &DnsQuery<'_>, line: u64) {
            self.queries.push((
                q.query_name.to_string(),
                line,
                q.answers.iter().map(|a| a.rdata.to_string()).collect(),
            ));
        }
        fn malformed(&mut self, line: u64, reason: String) {
            self.malformed.push((line, reason));
        }
        fn control_message(&mut self) {
            self.control += 1;
        }
    }

    fn read(text: &str) -> Collect {
        let mut c = Collect::default();
        read_resolver_log(text.as_bytes(), &mut c).unwrap();
        c
    }

    #[test]
    fn export_task_and_shipper_lines_are_read() {
        let export = format!("2021-12-11T22:46:26.000Z {S3_CNAME}\n2021-12-11T22:46:27.000Z {OUTBOUND}\n");
        let c = read(&export);
        assert_eq!(c.queries.len(), 2, "{:?}", c.malformed);
        let shipped = format!(
            "{}\n{}\n",
            serde_json::json!({"@timestamp": "2021-12-11T22:46:26Z", "message": S3_CNAME}),
            serde_json::json!({"message": OUTBOUND, "agent": {"type": "filebeat"}})
        );
        let c = read(&shipped);
        assert_eq!(c.queries.len(), 2, "{:?}", c.malformed);
        assert!(c.queries[0].0.starts_with("amazonlinux-2-repos-us-east-1"));
    }

    // The examples from log-formats.md §1.2 (AWS documentation and real fixtures).
    const AWS_DOC: &str = r#"{"srcaddr":"4.5.64.102","vpc_id":"vpc-7example","answers":[{"Rdata":"203.0.113.9","Type":"PTR","Class":"IN"}],"firewall_rule_group_id":"rslvr-frg-01234567890abcdef","firewall_rule_action":"BLOCK","query_name":"15.3.4.32.in-addr.arpa.","firewall_domain_list_id":"rslvr-fdl-01234567890abcdef","query_class":"IN","srcids":{"instance":"i-0d15cd0d3example"},"rcode":"NOERROR","query_type":"PTR","transport":"UDP","version":"1.100000","account_id":"111122223333","srcport":"56067","query_timestamp":"2021-02-04T17:51:55Z","region":"us-east-1"}"#;
    const S3_CNAME: &str = r#"{"version":"1.100000","account_id":"626345947581","region":"us-east-1","vpc_id":"vpc-01e31a7c","query_timestamp":"2021-12-11T22:46:26Z","query_name":"amazonlinux-2-repos-us-east-1.s3.dualstack.us-east-1.amazonaws.com.","query_type":"A","query_class":"IN","rcode":"NOERROR","answers":[{"Rdata":"s3-r-w.dualstack.us-east-1.amazonaws.com.","Type":"CNAME","Class":"IN"},{"Rdata":"67.43.156.12","Type":"A","Class":"IN"}],"srcaddr":"172.31.86.159","srcport":"43312","transport":"UDP","srcids":{}}"#;
    const NODATA_NXDOMAIN: &str = r#"{"version":"1.100000","account_id":"626345947581","region":"us-east-1","vpc_id":"vpc-01e31a7c","query_timestamp":"2021-12-11T22:48:12Z","query_name":"test.example.com.","query_type":"AAAA","query_class":"IN","rcode":"NOERROR","answers":[],"srcaddr":"172.31.86.159","srcport":"38200","transport":"UDP","srcids":{"instance":"i-079c44232510ca8ff"}}
{"version":"1.100000","account_id":"626345947581","region":"us-east-1","vpc_id":"vpc-01e31a7c","query_timestamp":"2021-12-11T22:46:23Z","query_name":"does-not-exist.abc.com.","query_type":"A","query_class":"IN","rcode":"NXDOMAIN","answers":[],"srcaddr":"172.31.86.159","srcport":"48701","transport":"UDP","srcids":{}}"#;
    const OUTBOUND: &str = r#"{"version":"1.100000","account_id":"111111111","region":"us-west-2","vpc_id":"vpc-thevpc","query_timestamp":"2023-09-11T19:01:45Z","query_name":"preprod-dmz.example.com.","query_type":"A","query_class":"IN","rcode":"SERVFAIL","answers":[],"srcaddr":"10.100.51.140","srcport":"38214","transport":"UDP","srcids":{"instance":"i-someinstanceid","resolver_endpoint":"rslvr-out-resolverid"}}"#;

    #[test]
    fn aws_documentation_examples() {
        let q: DnsQuery = serde_json::from_str(AWS_DOC).unwrap();
        assert_eq!(q.query_name, "15.3.4.32.in-addr.arpa.");
        assert_eq!(q.major_version(), Some(1));
        assert_eq!(q.srcport.as_deref(), Some("56067"));
        assert_eq!(q.srcids.unwrap().instance.as_deref(), Some("i-0d15cd0d3example"));

        let q: DnsQuery = serde_json::from_str(S3_CNAME).unwrap();
        assert_eq!(q.answers.len(), 2);
        assert_eq!(q.answers[0].rtype, "CNAME");
        assert_eq!(q.answers[1].rdata, "67.43.156.12");
        assert_eq!(q.srcids, Some(SrcIds::default()));

        let c = read(NODATA_NXDOMAIN);
        assert_eq!(c.queries.len(), 2);
        assert!(c.queries.iter().all(|q| q.2.is_empty()));

        let q: DnsQuery = serde_json::from_str(OUTBOUND).unwrap();
        assert_eq!(
            q.srcids.unwrap().resolver_endpoint.as_deref(),
            Some("rslvr-out-resolverid")
        );
    }

    #[test]
    fn lenient_where_aws_is_inconsistent() {
        let q: DnsQuery = serde_json::from_str(
            r#"{"query_name":"SSM.us-east-1.AMAZONAWS.com","query_timestamp":"2021-12-11T22:46:26.123Z","srcport":56067,"version":1.1,"srcids":{"resolver-endpoint":"rslvr-in-1"},"answers":null,"new_field":{"x":1}}"#,
        )
        .unwrap();
        assert_eq!(q.srcport.as_deref(), Some("56067"));
        assert_eq!(q.major_version(), Some(1));
        assert_eq!(q.srcids.unwrap().resolver_endpoint.as_deref(), Some("rslvr-in-1"));
        assert!(q.answers.is_empty());
    }

    #[test]
    fn concatenated_and_enveloped_records() {
        let c = read(&format!("{S3_CNAME}{AWS_DOC}\n"));
        assert_eq!(c.queries.len(), 2);

        let env = serde_json::json!({
            "messageType": "DATA_MESSAGE", "owner": "1", "logGroup": "g", "logStream": "s",
            "subscriptionFilters": ["f"],
            "logEvents": [{"id": "1", "timestamp": 1, "message": S3_CNAME}, {"id": "2", "timestamp": 2, "message": "garbage"}]
        });
        let control = r#"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[]}"#;
        let c = read(&format!("{env}{control}\n"));
        assert_eq!(c.queries.len(), 1);
        assert_eq!(c.control, 1);
        assert_eq!(c.malformed.len(), 1);
        assert!(c.malformed[0].1.starts_with("log event 2"), "{:?}", c.malformed);

        let filter = serde_json::to_string_pretty(&serde_json::json!({
            "events": [{"logStreamName": "s", "timestamp": 1, "message": S3_CNAME, "ingestionTime": 2, "eventId": "e"},
                       {"logStreamName": "s", "timestamp": 1, "message": OUTBOUND, "ingestionTime": 2, "eventId": "f"}],
            "searchedLogStreams": []
        }))
        .unwrap();
        let c = read(&filter);
        assert_eq!(c.queries.len(), 2);
        assert!(c.malformed.is_empty(), "{:?}", c.malformed);
    }

    #[test]
    fn malformed_lines_are_reported_and_reading_goes_on() {
        let text = format!("{AWS_DOC}\n{{\"query_name\": 5, \"query_timestamp\": \"x\"}}\n{{\"hello\":1}}\n{{\"query_name\":\"a.\",\"query_timestamp\":\"never\"}}\n{{\"query_name\":\"a.\",\"query_timestamp\":\"2021-01-01T00:00:00Z\",\"version\":\"2.0\"}}\n{S3_CNAME}\n");
        let c = read(&text);
        assert_eq!(c.queries.len(), 2);
        let lines: Vec<u64> = c.malformed.iter().map(|m| m.0).collect();
        assert_eq!(lines, vec![2, 3, 4, 5]);
        assert!(c.malformed[0].1.contains("invalid Resolver query-log record"));
        assert!(c.malformed[1].1.contains("neither"));
        assert!(c.malformed[2].1.contains("not an ISO 8601 time"));
        assert!(c.malformed[3].1.contains("newer"));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,200}") {
            let mut c = Collect::default();
            let _ = read_resolver_log(text.as_bytes(), &mut c);
        }
    }
}
