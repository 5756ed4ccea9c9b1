//! Parse-only throughput on text already in memory (no gzip, no aggregation).
//! `cargo run --release -p vpce-formats --example parse_only -- FILE.log`
//!
//! An example is a benchmark driver, not part of the pure library: it reads a
//! file and prints.
#![allow(clippy::disallowed_methods)]
// Printing the measurement is what an example is for.
#![allow(clippy::print_stdout, clippy::print_stderr)]
use std::time::Instant;
use vpce_formats::flow::{read_flow_log, FlowReadOptions, FlowRecord, FlowSink};

struct Count(u64, u64);
impl FlowSink for Count {
    fn record(&mut self, r: &FlowRecord<'_>, _line: u64) {
        self.0 += 1;
        self.1 += r.bytes.unwrap_or(0);
    }
    fn malformed(&mut self, _line: u64, _reason: String) {}
}

fn main() {
    let path = std::env::args().nth(1).expect("a file");
    let text = std::fs::read(path).expect("read");
    direct(&text);
    let opts = FlowReadOptions::default();
    for _ in 0..7 {
        let t = Instant::now();
        let mut c = Count(0, 0);
        read_flow_log(&text[..], &opts, &mut c).expect("parse");
        let s = t.elapsed().as_secs_f64();
        println!(
            "{} records, {:.0} MB/s, {:.0} ns/record",
            c.0,
            text.len() as f64 / 1e6 / s,
            s * 1e9 / c.0 as f64
        );
    }
}

#[allow(dead_code)]
fn direct(text: &[u8]) {
    let header = text.split(|&c| c == b'\n').next().unwrap();
    let f = vpce_formats::flow::FlowFormat::parse(std::str::from_utf8(header).unwrap(), false).unwrap();
    let t = Instant::now();
    let mut n = 0u64;
    let mut b = 0u64;
    for line in text.split(|&c| c == b'\n') {
        if let Ok(r) = f.parse_record(line) {
            n += 1;
            b += r.bytes.unwrap_or(0);
        }
    }
    let s = t.elapsed().as_secs_f64();
    println!("direct: {n} records ({b}), {:.0} ns/record", s * 1e9 / n as f64);
}
