//! Flow-log text, as it comes and after the default format's header line:
//! every non-blank line is a record, a malformed line, a skipped line or a
//! header, and nothing panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vpce_formats::flow::{read_flow_log, FlowFormat, FlowReadOptions, FlowRecord, FlowSink};

#[derive(Default)]
struct Count {
    records: u64,
    malformed: u64,
    skipped: u64,
}

impl FlowSink for Count {
    fn record(&mut self, r: &FlowRecord<'_>, _line: u64) {
        // Touch what the aggregator reads.
        let _ = (r.true_src(), r.true_dst());
        self.records += 1;
    }
    fn malformed(&mut self, _line: u64, reason: String) {
        assert!(!reason.is_empty());
        self.malformed += 1;
    }
    fn skipped(&mut self, _line: u64, _reason: &str) {
        self.skipped += 1;
    }
}

fn read(data: &[u8], opts: &FlowReadOptions) {
    let mut sink = Count::default();
    // JSON (envelopes) can hold many records per line; and a broken
    // multi-line document is known to be counted more than once (see
    // vpce-ingest/tests/fuzz_regressions.rs), so only text is checked.
    let json = data
        .split(|&c| c == b'\n')
        .any(|l| matches!(l.trim_ascii_start().first(), Some(b'{' | b'[')));
    if read_flow_log(data, opts, &mut sink).is_ok() && !json {
        // Lines by the reader's rule: empty after a trailing CR is blank.
        let lines = data
            .split(|&c| c == b'\n')
            .filter(|l| !l.strip_suffix(b"\r").unwrap_or(l).is_empty())
            .count() as u64;
        assert!(sink.records + sink.malformed + sink.skipped <= lines);
    }
}

fuzz_target!(|data: &[u8]| {
    let opts = FlowReadOptions::default();
    read(data, &opts);
    let header: Vec<&str> = FlowFormat::default().fields().iter().map(|f| f.name()).collect();
    let mut with_header = header.join(" ").into_bytes();
    with_header.push(b'\n');
    with_header.extend_from_slice(data);
    read(&with_header, &opts);
});
