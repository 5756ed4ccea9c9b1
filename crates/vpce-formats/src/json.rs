//! Finding JSON objects in a stream of lines, and unwrapping CloudWatch Logs
//! envelopes.
//!
//! AWS writes the same records in several shapes:
//! * one object per line (S3 delivery of Resolver query logs);
//! * objects concatenated without newlines (some Firehose processors);
//! * CloudWatch Logs subscription envelopes
//!   (`{"messageType":"DATA_MESSAGE","logEvents":[{"message":...}]}`), plain or
//!   as a Lambda event `{"awslogs":{"data":"<base64 gzip>"}}`;
//! * the pretty-printed document `aws logs filter-log-events` prints
//!   (`{"events":[{"message":...}]}`), which spans many lines.
//!
//! [`JsonFramer`] turns lines into whole objects, whichever the shape, and keeps
//! the line each object started on. [`Envelope`] pulls the messages out of the
//! CloudWatch shapes.

use std::borrow::Cow;
use std::io::Read;

use serde::Deserialize;
use serde_json::value::RawValue;

/// A multi-line document larger than this is reported instead of buffered.
pub const MAX_DOCUMENT: usize = 512 << 20;
/// Below this size a pending document is re-parsed after every line; above it,
/// only after a line that starts in column 0 (the closing brace of a
/// pretty-printed document), so large documents are not parsed quadratically.
const REPARSE_EVERY_LINE_BELOW: usize = 64 << 10;

/// Collects whole JSON values from lines.
#[derive(Default)]
pub struct JsonFramer {
    pending: Vec<u8>,
    pending_line: u64,
    /// The lines after the first of a pending document, kept so that they can
    /// be read on their own if the document turns out to be broken.
    pending_rest: Vec<(Vec<u8>, u64)>,
}

/// A broken multi-line document longer than this is reported as a whole
/// instead of re-reading its lines one by one.
const MAX_REREAD_LINES: usize = 10_000;

impl JsonFramer {
    /// Feeds one line. Calls `on_value(bytes, first_line)` for each complete
    /// value and `on_error(line, reason)` for text that is not JSON.
    pub fn push_line(
        &mut self,
        line: &[u8],
        lineno: u64,
        on_value: &mut dyn FnMut(&[u8], u64),
        on_error: &mut dyn FnMut(u64, String),
    ) {
        if self.pending.is_empty() {
            if line.iter().all(u8::is_ascii_whitespace) {
                return;
            }
            if let Some(rest) = drain_values(line, lineno, on_value, on_error) {
                self.pending.extend_from_slice(rest);
                self.pending.push(b'\n');
                self.pending_line = lineno;
            }
            return;
        }
        self.pending.extend_from_slice(line);
        self.pending.push(b'\n');
        if self.pending_rest.len() < MAX_REREAD_LINES {
            self.pending_rest.push((line.to_vec(), lineno));
        }
        let col0 = line.first().is_some_and(|c| !c.is_ascii_whitespace());
        if self.pending.len() > MAX_DOCUMENT {
            on_error(
                self.pending_line,
                format!("JSON document starting here is larger than {} MiB", MAX_DOCUMENT >> 20),
            );
            self.pending.clear();
            self.pending_rest.clear();
            return;
        }
        if self.pending.len() < REPARSE_EVERY_LINE_BELOW || col0 {
            let buf = std::mem::take(&mut self.pending);
            let start = self.pending_line;
            let mut failed: Option<u64> = None;
            let rest = {
                let mut on_err = |l: u64, e: String| {
                    failed = Some(l);
                    on_error(l, e);
                };
                drain_values(&buf, start, on_value, &mut on_err)
            };
            let lines = std::mem::take(&mut self.pending_rest);
            if let Some(at) = failed {
                // The value that started on line `at` is broken (it was
                // reported there); the lines after it may be good records of
                // their own.
                for (l, n) in lines.into_iter().filter(|(_, n)| *n > at) {
                    self.push_line(&l, n, on_value, on_error);
                }
            } else if let Some(rest) = rest {
                self.pending.extend_from_slice(rest);
                if !self.pending.iter().all(u8::is_ascii_whitespace) {
                    self.pending_rest = lines;
                } else {
                    self.pending.clear();
                }
            }
        }
    }

    /// Whether no multi-line value is pending.
    pub fn is_idle(&self) -> bool {
        self.pending.is_empty()
    }

    /// Ends the input: an unfinished document is reported, and the lines after
    /// its first are read on their own.
    pub fn finish(&mut self, on_value: &mut dyn FnMut(&[u8], u64), on_error: &mut dyn FnMut(u64, String)) {
        if self.pending.iter().all(u8::is_ascii_whitespace) {
            self.pending.clear();
            self.pending_rest.clear();
            return;
        }
        let buf = std::mem::take(&mut self.pending);
        let lines = std::mem::take(&mut self.pending_rest);
        let mut failed: Option<u64> = None;
        let cut = {
            let mut on_err = |l: u64, e: String| {
                failed = Some(l);
                on_error(l, e);
            };
            drain_values(&buf, self.pending_line, on_value, &mut on_err)
        };
        let cut_at = cut.map(|rest| {
            // The cut value starts where the unparsed tail does.
            let consumed = &buf[..buf.len() - rest.len()];
            let at = self.pending_line
                + consumed.iter().filter(|&&c| c == b'\n').count() as u64
                + rest
                    .iter()
                    .take_while(|c| c.is_ascii_whitespace())
                    .filter(|&&c| c == b'\n')
                    .count() as u64;
            on_error(at, "JSON value starting here is cut off at the end of the input".into());
            at
        });
        if let Some(at) = cut_at.or(failed) {
            for (l, n) in lines.into_iter().filter(|(_, n)| *n > at) {
                self.push_line(&l, n, on_value, on_error);
            }
            self.finish(on_value, on_error);
        }
    }
}

/// Parses as many values as `buf` holds. Returns the unparsed tail when the
/// last value is incomplete (more lines are needed).
fn drain_values<'b>(
    buf: &'b [u8],
    lineno: u64,
    on_value: &mut dyn FnMut(&[u8], u64),
    on_error: &mut dyn FnMut(u64, String),
) -> Option<&'b [u8]> {
    let mut stream = serde_json::Deserializer::from_slice(buf).into_iter::<&RawValue>();
    // The line a value starting after `offset` (and any blank space) is on:
    // each value, and each error, is reported on its own first line.
    let line_at = |offset: usize| {
        let start = offset + buf[offset..].iter().take_while(|c| c.is_ascii_whitespace()).count();
        lineno + buf[..start].iter().filter(|&&c| c == b'\n').count() as u64
    };
    loop {
        let offset = stream.byte_offset();
        match stream.next() {
            None => return None,
            Some(Ok(v)) => {
                let bytes = v.get().as_bytes();
                if !matches!(bytes.first(), Some(b'{' | b'[')) {
                    let shown: String = String::from_utf8_lossy(&buf[offset..]).chars().take(40).collect();
                    on_error(
                        line_at(offset),
                        format!("expected a JSON object, found '{}'", shown.trim()),
                    );
                    return None;
                }
                on_value(bytes, line_at(offset))
            }
            Some(Err(e)) if e.is_eof() => return Some(&buf[offset..]),
            Some(Err(e)) => {
                on_error(line_at(offset), format!("not valid JSON: {e}"));
                return None;
            }
        }
    }
}

/// One log event inside an envelope.
#[derive(Debug, Deserialize)]
pub struct Event<'a> {
    #[serde(borrow)]
    pub message: Cow<'a, str>,
    #[serde(default)]
    pub timestamp: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct AwsLogs {
    data: String,
}

/// The CloudWatch Logs shapes that carry log lines as `message` strings.
#[derive(Debug, Deserialize)]
pub struct Envelope<'a> {
    #[serde(rename = "messageType", default, borrow)]
    pub message_type: Option<Cow<'a, str>>,
    #[serde(rename = "logEvents", default, borrow)]
    pub log_events: Vec<Event<'a>>,
    #[serde(default, borrow)]
    pub events: Vec<Event<'a>>,
    #[serde(default)]
    awslogs: Option<AwsLogs>,
    /// One line as log shippers write it: `{"message": "…"}` (Beats,
    /// Fluent Bit, Vector, Logstash) or `{"@message": "…"}` (Logs Insights
    /// exports).
    #[serde(default, borrow)]
    message: Option<Cow<'a, str>>,
    #[serde(rename = "@message", default, borrow)]
    at_message: Option<Cow<'a, str>>,
}

/// What an envelope holds.
pub enum Unwrapped<'a> {
    /// Messages, in order.
    Events(Vec<Event<'a>>),
    /// A `CONTROL_MESSAGE` (a connectivity check from CloudWatch Logs): nothing to read.
    Control,
    /// A base64-gzip Lambda payload, decoded: more JSON to frame.
    Nested(Vec<u8>),
}

impl<'a> Envelope<'a> {
    /// Parses `bytes` as an envelope. `Ok(None)` means it is JSON of another shape.
    ///
    /// # Errors
    /// A malformed envelope or an undecodable `awslogs.data` payload.
    pub fn unwrap_bytes(bytes: &'a [u8]) -> Result<Option<Unwrapped<'a>>, String> {
        let env: Envelope<'a> = match serde_json::from_slice(bytes) {
            Ok(e) => e,
            Err(e) if e.is_data() => return Ok(None),
            Err(e) => return Err(e.to_string()),
        };
        if env.message_type.as_deref() == Some("CONTROL_MESSAGE") {
            return Ok(Some(Unwrapped::Control));
        }
        if let Some(a) = env.awslogs {
            use base64::Engine;
            let raw = base64::engine::general_purpose::STANDARD
                .decode(a.data.trim())
                .map_err(|e| format!("awslogs.data is not base64: {e}"))?;
            let mut out = Vec::new();
            flate2::read::MultiGzDecoder::new(&raw[..])
                .read_to_end(&mut out)
                .map_err(|e| format!("awslogs.data is not gzip: {e}"))?;
            return Ok(Some(Unwrapped::Nested(out)));
        }
        if env.message_type.is_some() || !env.log_events.is_empty() {
            return Ok(Some(Unwrapped::Events(env.log_events)));
        }
        if !env.events.is_empty() || bytes_have_key(bytes, b"\"events\"") {
            return Ok(Some(Unwrapped::Events(env.events)));
        }
        if let Some(message) = env.message.or(env.at_message) {
            return Ok(Some(Unwrapped::Events(vec![Event {
                message,
                timestamp: None,
            }])));
        }
        Ok(None)
    }
}

fn bytes_have_key(bytes: &[u8], key: &[u8]) -> bool {
    memchr::memmem::find(bytes, key).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(text: &str) -> (Vec<(String, u64)>, Vec<(u64, String)>) {
        let mut values = Vec::new();
        let mut errors = Vec::new();
        let mut framer = JsonFramer::default();
        let mut on_value = |v: &[u8], l: u64| values.push((String::from_utf8(v.to_vec()).unwrap(), l));
        let mut on_error = |l: u64, e: String| errors.push((l, e));
        for (i, line) in text.split('\n').enumerate() {
            framer.push_line(line.as_bytes(), i as u64 + 1, &mut on_value, &mut on_error);
        }
        framer.finish(&mut on_value, &mut on_error);
        (values, errors)
    }

    #[test]
    fn one_object_per_line() {
        let (v, e) = frame("{\"a\":1}\n\n{\"b\":2}\n");
        assert_eq!(v, vec![("{\"a\":1}".into(), 1), ("{\"b\":2}".into(), 3)]);
        assert!(e.is_empty());
    }

    #[test]
    fn concatenated_objects_on_one_line() {
        let (v, e) = frame("{\"a\":1}{\"b\":2} {\"c\":3}");
        assert_eq!(v.len(), 3);
        assert!(v.iter().all(|(_, l)| *l == 1));
        assert!(e.is_empty());
    }

    #[test]
    fn pretty_printed_document_spans_lines() {
        let (v, e) = frame("{\n    \"events\": [\n        {\"message\": \"x\"}\n    ]\n}\n{\"after\":1}");
        assert_eq!(v.len(), 2, "{v:?}");
        assert_eq!(v[0].1, 1);
        assert_eq!(v[1].1, 6);
        assert!(e.is_empty());
    }

    #[test]
    fn garbage_is_reported_with_its_line_and_framing_resumes() {
        let (v, e) = frame("{\"a\":1}\nnot json\n{\"b\":2}\n{\"cut\": ");
        assert_eq!(v.len(), 2);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].0, 2);
        assert!(e[0].1.starts_with("not valid JSON"));
        assert_eq!(e[1].0, 4);
        assert!(e[1].1.contains("cut off"));
    }

    #[test]
    fn a_broken_value_does_not_swallow_the_lines_after_it() {
        let (v, e) = frame("{\"a\":1}\n{\"cut\": \n{\"b\":2}\n{\"c\":3}");
        assert_eq!(v.iter().map(|x| x.1).collect::<Vec<_>>(), vec![1, 3, 4], "{v:?} {e:?}");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].0, 2);
        let (v, e) = frame("{\"a\":1}\n{\"cut\": \n{\"b\":2");
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(e.iter().map(|x| x.0).collect::<Vec<_>>(), vec![2, 3], "{e:?}");
    }

    #[test]
    fn a_text_line_is_one_error_not_many_values() {
        let (v, e) = frame("2 123 eni-1 10.0.0.1");
        assert!(v.is_empty());
        assert_eq!(e.len(), 1);
        assert!(e[0].1.contains("expected a JSON object"), "{e:?}");
    }

    #[test]
    fn envelopes() {
        let data = br#"{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"logEvents":[{"id":"1","timestamp":1,"message":"m1"},{"id":"2","timestamp":2,"message":"m2"}]}"#;
        match Envelope::unwrap_bytes(data).unwrap() {
            Some(Unwrapped::Events(ev)) => {
                assert_eq!(ev.iter().map(|e| e.message.as_ref()).collect::<Vec<_>>(), ["m1", "m2"])
            }
            _ => panic!("expected events"),
        }
        let control = br#"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}"#;
        assert!(matches!(
            Envelope::unwrap_bytes(control).unwrap(),
            Some(Unwrapped::Control)
        ));
        let filter = br#"{"events":[{"logStreamName":"s","timestamp":1,"message":"m","ingestionTime":2,"eventId":"3"}],"searchedLogStreams":[]}"#;
        assert!(matches!(Envelope::unwrap_bytes(filter).unwrap(), Some(Unwrapped::Events(ev)) if ev.len() == 1));
        assert!(Envelope::unwrap_bytes(br#"{"something":"else"}"#).unwrap().is_none());
    }

    #[test]
    fn shipper_message_lines_are_one_event_each() {
        let line = br#"{"@timestamp":"2026-11-01T00:00:00Z","message":"2 123 eni-1 - - - - - - - 1 2 - NODATA","host":{"name":"x"}}"#;
        match Envelope::unwrap_bytes(line).unwrap() {
            Some(Unwrapped::Events(ev)) => {
                assert_eq!(ev.len(), 1);
                assert!(ev[0].message.starts_with("2 123 eni-1"));
            }
            _ => panic!("a message line is one event"),
        }
        let at = br#"{"@timestamp":"2026-11-01 00:00:00.000","@message":"x y"}"#;
        assert!(matches!(Envelope::unwrap_bytes(at).unwrap(), Some(Unwrapped::Events(e)) if e[0].message == "x y"));
        // An object with neither is still "another shape".
        assert!(Envelope::unwrap_bytes(br#"{"query_name":"a."}"#).unwrap().is_none());
    }

    #[test]
    fn lambda_awslogs_payload_is_decoded() {
        use base64::Engine;
        use std::io::Write;
        let inner = br#"{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1,"message":"m"}]}"#;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(inner).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap());
        let outer = format!("{{\"awslogs\":{{\"data\":\"{b64}\"}}}}");
        match Envelope::unwrap_bytes(outer.as_bytes()).unwrap() {
            Some(Unwrapped::Nested(bytes)) => assert_eq!(bytes, inner),
            _ => panic!("expected nested payload"),
        }
        assert!(Envelope::unwrap_bytes(br#"{"awslogs":{"data":"!!!"}}"#).is_err());
    }
}
