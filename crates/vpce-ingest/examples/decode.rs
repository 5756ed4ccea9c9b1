//! Decode-only baseline for the benchmark: decompress every file under the
//! given paths with the same gzip backend and the same one-file-per-core
//! worker pool as `analyze`, count lines, parse nothing.
//!
//! `cargo run --release -p vpce-ingest --example decode -- DIR...`

// Printing the measurement is what an example is for.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Read;
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let files = vpce_ingest::expand(&paths, vpce_ingest::LogKind::Flow).expect("inputs");
    let started = Instant::now();
    let parts = vpce_ingest::for_each_file(
        &files,
        vpce_ingest::default_threads(),
        &|| (0u64, 0u64),
        &|acc, _, f| {
            let vpce_ingest::Input::File(p) = f else {
                return;
            };
            let file = std::fs::File::open(p).expect("open");
            let mut d = flate2::read::MultiGzDecoder::new(std::io::BufReader::with_capacity(256 << 10, file));
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let k = d.read(&mut buf).expect("read");
                if k == 0 {
                    break;
                }
                acc.0 += k as u64;
                acc.1 += memchr_count(&buf[..k]);
            }
        },
    );
    let (bytes, lines) = parts.into_iter().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let secs = started.elapsed().as_secs_f64();
    println!(
        "decode_only files={} text_bytes={bytes} lines={lines} seconds={secs:.3} mb_per_s={:.1}",
        files.len(),
        bytes as f64 / 1e6 / secs
    );
}

fn memchr_count(b: &[u8]) -> u64 {
    b.iter().filter(|&&c| c == b'\n').count() as u64
}
