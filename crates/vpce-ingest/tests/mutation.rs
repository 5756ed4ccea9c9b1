//! Damaged real-shaped inputs never lose lines without a word.
//!
//! The simulator's files (AWS's layout and names) get random damage (bytes
//! replaced, inserted or deleted, lines cut, doubled spaces, blank lines,
//! a byte-order mark), then are read as a folder walk. The accounting rule:
//! every file found is read or named (an input error), and never taken for the
//! other log type or for "not a log", since its path is AWS's layout; and every
//! non-blank line of a flow-log file that was read is a
//! record, a malformed line, a skipped line or a header.
//!
//! Whole folders too: several damaged files, plain and gzip (some with the
//! gzip itself flipped or cut), among files of the other type and non-logs.
//! Inputs found = read + named input errors + other type + not a log, each
//! input in exactly one; the folder's counters are the sum of its files'.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;
use vpce_analysis::{DnsAggregator, FlowAggregator};
use vpce_formats::flow::{FlowFormat, FlowReadOptions};
use vpce_ingest::{expand, read_dns, read_flows, LogKind};
use vpce_simulate::{simulate, SimConfig};

/// The simulator's files, decompressed, by path.
fn files() -> &'static BTreeMap<String, Vec<u8>> {
    static FILES: OnceLock<BTreeMap<String, Vec<u8>>> = OnceLock::new();
    FILES.get_or_init(|| {
        let cfg = SimConfig {
            hours: 1,
            instances: 2,
            seed: 5,
            ..SimConfig::default()
        };
        let mut out = BTreeMap::new();
        simulate(&cfg, &mut |path: &str, bytes: &[u8]| -> Result<(), std::io::Error> {
            let mut text = Vec::new();
            match bytes.starts_with(&[0x1f, 0x8b]) {
                true => {
                    flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut text)?;
                }
                false => text.extend_from_slice(bytes),
            }
            out.insert(path.to_string(), text);
            Ok(())
        })
        .unwrap();
        out
    })
}

#[derive(Clone, Debug)]
enum Damage {
    Replace {
        at: usize,
        byte: u8,
    },
    Insert {
        at: usize,
        byte: u8,
    },
    Delete {
        at: usize,
    },
    CutLine {
        line: usize,
        keep: usize,
    },
    DoubleSpace {
        at: usize,
    },
    BlankLines {
        line: usize,
        n: usize,
    },
    Bom,
    /// The first bytes of the first lines overwritten (a damaged block at
    /// the start of a file).
    Head {
        lines: usize,
        byte: u8,
    },
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Damage::Replace { at, byte }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Damage::Insert { at, byte }),
        any::<usize>().prop_map(|at| Damage::Delete { at }),
        (any::<usize>(), 0usize..40).prop_map(|(line, keep)| Damage::CutLine { line, keep }),
        any::<usize>().prop_map(|at| Damage::DoubleSpace { at }),
        (any::<usize>(), 1usize..2000).prop_map(|(line, n)| Damage::BlankLines { line, n }),
        Just(Damage::Bom),
        (1usize..8, any::<u8>()).prop_map(|(lines, byte)| Damage::Head { lines, byte }),
    ]
}

fn apply(text: &mut Vec<u8>, d: &Damage) {
    let len = text.len().max(1);
    match *d {
        Damage::Replace { at, byte } if !text.is_empty() => text[at % len] = byte,
        Damage::Insert { at, byte } => text.insert(at % (text.len() + 1), byte),
        Damage::Delete { at } if !text.is_empty() => {
            text.remove(at % len);
        }
        Damage::CutLine { line, keep } => {
            let starts: Vec<usize> = std::iter::once(0)
                .chain(memchr_all(text).into_iter().map(|i| i + 1))
                .filter(|&i| i < text.len())
                .collect();
            if let Some(&s) = starts.get(line % starts.len().max(1)) {
                let end = text[s..].iter().position(|&c| c == b'\n').map_or(text.len(), |e| s + e);
                let cut = (s + keep).min(end);
                text.drain(cut..end);
            }
        }
        Damage::DoubleSpace { at } => {
            if let Some(p) = text.iter().skip(at % len).position(|&c| c == b' ') {
                text.insert(at % len + p, b' ');
            }
        }
        Damage::BlankLines { line, n } => {
            let nl = memchr_all(text);
            let at = nl.get(line % nl.len().max(1)).map_or(0, |&i| i + 1);
            text.splice(at..at, std::iter::repeat_n(b'\n', n));
        }
        Damage::Head { lines, byte } => {
            let starts: Vec<usize> = std::iter::once(0)
                .chain(memchr_all(text).into_iter().map(|i| i + 1))
                .collect();
            for &st in starts.iter().take(lines) {
                if st < text.len() && text[st] != b'\n' {
                    text[st] = byte;
                }
            }
        }
        Damage::Bom => {
            text.splice(0..0, *b"\xEF\xBB\xBF");
        }
        _ => {}
    }
}

fn memchr_all(text: &[u8]) -> Vec<usize> {
    text.iter()
        .enumerate()
        .filter(|(_, &c)| c == b'\n')
        .map(|(i, _)| i)
        .collect()
}

/// Lines a flow-log reader must account for, and how many of them are headers
/// (by the reader's own rule for a header).
fn flow_lines(text: &[u8]) -> (u64, u64) {
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    let mut lines = 0;
    let mut headers = 0;
    for l in text.split(|&c| c == b'\n') {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        if l.is_empty() {
            continue;
        }
        lines += 1;
        if FlowFormat::looks_like_header(l) {
            headers += 1;
        }
    }
    (lines, headers)
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn damaged_flow_logs_lose_no_line(pick in any::<usize>(), damages in prop::collection::vec(damage(), 1..6)) {
        let flows: Vec<(&String, &Vec<u8>)> = files().iter().filter(|(k, _)| k.contains("vpcflowlogs")).collect();
        let (rel, text) = flows[pick % flows.len()];
        let mut text = text.clone();
        for d in &damages {
            apply(&mut text, d);
        }
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), rel, &text);
        let inputs = expand(&[dir.path().to_path_buf()], LogKind::Flow).unwrap();
        prop_assert_eq!(inputs.len(), 1);
        let out = read_flows(&inputs, &FlowAggregator::default(), &FlowReadOptions::default(), &[false], 1);
        // A file in AWS's layout is never taken for something else.
        prop_assert!(out.skipped.is_empty() && out.not_logs.is_empty(), "{:?} {:?}", out.skipped, out.not_logs);
        let named = out.errors.len();
        prop_assert!(named <= 1, "{:?}", out.errors);
        if named == 0 {
            let (lines, headers) = flow_lines(&text);
            let s = &out.stats;
            prop_assert_eq!(
                s.records + s.malformed + s.skipped_lines + headers,
                lines,
                "records {} malformed {} skipped {} headers {}", s.records, s.malformed, s.skipped_lines, headers
            );
        }
    }

    #[test]
    fn damaged_resolver_logs_keep_their_good_lines(pick in any::<usize>(), damages in prop::collection::vec(damage(), 1..6)) {
        let dns: Vec<(&String, &Vec<u8>)> = files().iter().filter(|(k, _)| k.contains("vpcdnsquerylogs")).collect();
        let (rel, original) = dns[pick % dns.len()];
        let mut text = original.clone();
        for d in &damages {
            apply(&mut text, d);
        }
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), rel, &text);
        let inputs = expand(&[dir.path().to_path_buf()], LogKind::Dns).unwrap();
        prop_assert_eq!(inputs.len(), 1);
        let out = read_dns(&inputs, &DnsAggregator::default(), &[false], 1);
        prop_assert!(out.skipped.is_empty() && out.not_logs.is_empty(), "{:?} {:?}", out.skipped, out.not_logs);
        let named = out.errors.len();
        prop_assert!(named <= 1);
        if named == 0 {
            // Each damage spoils at most the lines it hits and the one after
            // them; every other record is read.
            let good = original.split(|&c| c == b'\n').filter(|l| !l.is_empty()).count() as u64;
            let spoiled: u64 = damages
                .iter()
                .map(|d| match d {
                    Damage::Head { lines, .. } => *lines as u64 + 1,
                    _ => 2,
                })
                .sum();
            prop_assert!(out.stats.records + spoiled >= good, "records {} of {good}", out.stats.records);
            prop_assert!(out.stats.records + out.stats.malformed > 0);
        }
    }
}

/// How a file of a damaged directory is stored.
#[derive(Clone, Debug)]
enum Packing {
    Plain,
    Gzip,
    /// Compressed, then one byte of the gzip data replaced.
    GzipFlipped {
        at: usize,
        byte: u8,
    },
    /// Compressed, then cut short.
    GzipCut {
        keep_percent: usize,
    },
}

fn packing() -> impl Strategy<Value = Packing> {
    prop_oneof![
        Just(Packing::Plain),
        Just(Packing::Gzip),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Packing::GzipFlipped { at, byte }),
        (0usize..100).prop_map(|keep_percent| Packing::GzipCut { keep_percent }),
    ]
}

/// A file's text as `gzip -d` would give it (`None`: it rejects the file),
/// or the bytes themselves when they are not gzip.
fn reference_text(bytes: &[u8]) -> Option<Vec<u8>> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Some(bytes.to_vec());
    }
    let mut text = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut text).ok()?;
    Some(text)
}

fn pack(text: &[u8], p: &Packing) -> Vec<u8> {
    use std::io::Write;
    if matches!(p, Packing::Plain) {
        return text.to_vec();
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    gz.write_all(text).unwrap();
    let mut bytes = gz.finish().unwrap();
    match *p {
        Packing::GzipFlipped { at, byte } => {
            let n = bytes.len();
            bytes[at % n] = byte;
        }
        Packing::GzipCut { keep_percent } => bytes.truncate(bytes.len() * keep_percent / 100),
        _ => {}
    }
    bytes
}

/// Files a walk finds that are not flow logs: one of the other type outside
/// AWS's layout, and two that are no log.
const STRANGERS: [(&str, &[u8]); 3] = [
    (
        "misc/queries.log",
        br#"{"version":"1.100000","query_name":"sts.amazonaws.com.","query_timestamp":"2026-11-01T00:00:00Z"}
"#,
    ),
    ("misc/notes.txt", b"hello\n"),
    ("misc/truth.json", b"{\"services\": {}}\n"),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// A folder of several damaged flow-log files (plain and gzip, some gzip
    /// damaged too) and strangers: every input found ends in exactly one of
    /// read, a named input error, "other log type" or "not a log"; the
    /// counters of the folder are the sum of its files'; and every non-blank
    /// line of a file read is a record, a malformed line, a skipped line or
    /// a header.
    #[test]
    fn damaged_folders_account_for_every_input_and_line(
        picks in prop::collection::vec((any::<usize>(), prop::collection::vec(damage(), 0..3), packing()), 2..6),
        strangers in any::<bool>(),
    ) {
        let flows: Vec<(&String, &Vec<u8>)> = files().iter().filter(|(k, _)| k.contains("vpcflowlogs")).collect();
        let dir = tempfile::tempdir().unwrap();
        let mut texts = BTreeMap::new();
        for (i, (pick, damages, packing)) in picks.iter().enumerate() {
            let (rel, text) = flows[pick % flows.len()];
            let mut text = text.clone();
            for d in damages {
                apply(&mut text, d);
            }
            let rel = rel.replace(".log.gz", &format!("-{i}.log.gz"));
            let bytes = pack(&text, packing);
            write(dir.path(), &rel, &bytes);
            texts.insert(dir.path().join(&rel).display().to_string(), bytes);
        }
        if strangers {
            for (rel, bytes) in STRANGERS {
                write(dir.path(), rel, bytes);
            }
        }
        let inputs = expand(&[dir.path().to_path_buf()], LogKind::Flow).unwrap();
        prop_assert_eq!(inputs.len(), picks.len() + if strangers { STRANGERS.len() } else { 0 });
        let walked = vec![false; inputs.len()];
        let out = read_flows(&inputs, &FlowAggregator::default(), &FlowReadOptions::default(), &walked, 2);
        prop_assert_eq!(out.stats.files as usize, inputs.len());

        // Each input in exactly one outcome.
        let mut failed: Vec<String> = out.errors.iter().map(|e| e.file.clone()).collect();
        failed.dedup();
        let mut ended: Vec<&String> = failed.iter().chain(&out.skipped).chain(&out.not_logs).collect();
        ended.sort();
        let before = ended.len();
        ended.dedup();
        prop_assert_eq!(ended.len(), before, "an input in two outcomes: {:?}", ended);
        let names: Vec<String> = inputs.iter().map(|i| i.name()).collect();
        prop_assert!(ended.iter().all(|n| names.contains(n)), "{:?} not among {:?}", ended, names);
        if strangers {
            let name = |rel: &str| dir.path().join(rel).display().to_string();
            prop_assert_eq!(&out.skipped, &vec![name(STRANGERS[0].0)]);
            let mut not_logs = out.not_logs.clone();
            not_logs.sort();
            prop_assert_eq!(not_logs, vec![name(STRANGERS[1].0), name(STRANGERS[2].0)]);
        }

        // The folder's counters are its files', and each file read accounts
        // for every line.
        let mut sum = vpce_model::InputStats::default();
        for input in &inputs {
            let one = read_flows(std::slice::from_ref(input), &FlowAggregator::default(), &FlowReadOptions::default(), &[false], 1);
            sum.add(&one.stats);
            let name = input.name();
            let Some(bytes) = texts.get(&name) else { continue };
            prop_assert!(one.skipped.is_empty() && one.not_logs.is_empty(), "{name}: a file in AWS's layout left out");
            // What the file holds, by another gzip reader: gzip that it
            // rejects must be a named error.
            let Some(text) = reference_text(bytes) else {
                prop_assert!(!one.errors.is_empty(), "{name}: damaged gzip read without a word");
                continue;
            };
            if one.errors.is_empty() {
                let (lines, headers) = flow_lines(&text);
                let s = &one.stats;
                prop_assert_eq!(s.records + s.malformed + s.skipped_lines + headers, lines, "{}", name);
            }
        }
        prop_assert_eq!(sum, out.stats);
    }
}
