//! Splitting a byte stream into lines without a per-line allocation.
//!
//! Lines are found with `memchr` in a reused buffer (1 MiB to start), which is
//! several times faster than `BufRead::read_until` on flow logs. A trailing `\r`
//! is removed, so files written on Windows read the same.

use std::io::{self, Read};

/// Where a record came from inside one input: the 1-based line number.
/// The caller pairs it with the file or object name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub line: u64,
}

const INITIAL_BUFFER: usize = 1 << 20;
/// A line longer than this is not a log line; stop rather than grow without bound.
pub const MAX_LINE: usize = 256 << 20;

/// A read failed part-way. Lines before `lines_read` were already delivered.
#[derive(Debug, thiserror::Error)]
#[error("{source} (after {lines_read} lines)")]
pub struct LineError {
    #[source]
    pub source: io::Error,
    pub lines_read: u64,
}

fn trim_cr(line: &[u8]) -> &[u8] {
    match line.last() {
        Some(b'\r') => &line[..line.len() - 1],
        _ => line,
    }
}

/// The UTF-8 byte-order mark some editors and Windows tools write first.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The rest of a line that starts with an RFC 3339 time and a space, as the
/// files of a CloudWatch Logs export task do
/// (`2026-11-01T00:00:05.000Z 2 123456789012 eni-…`); `None` for other lines.
pub fn strip_export_timestamp(line: &[u8]) -> Option<&[u8]> {
    let sp = memchr::memchr(b' ', line)?;
    let t = &line[..sp];
    let shape = t.len() >= 20
        && t[..4].iter().all(u8::is_ascii_digit)
        && t[4] == b'-'
        && t[10] == b'T'
        && t[13] == b':'
        && t.last() == Some(&b'Z');
    shape.then(|| &line[sp + 1..])
}

/// Calls `f(line, line_number)` for every line of `r`, in order, until `f`
/// returns `false`. A byte-order mark at the start of the stream is not part
/// of the first line.
///
/// # Errors
/// Returns the first read error (for example a truncated gzip stream) together
/// with the number of lines delivered before it.
pub fn for_each_line<R: Read>(mut r: R, mut f: impl FnMut(&[u8], u64) -> bool) -> Result<u64, LineError> {
    let mut f = |line: &[u8], n: u64| match n {
        1 => f(line.strip_prefix(BOM).unwrap_or(line), n),
        _ => f(line, n),
    };
    let mut buf = vec![0u8; INITIAL_BUFFER];
    let (mut start, mut end, mut lineno) = (0usize, 0usize, 0u64);
    loop {
        if start == end {
            start = 0;
            end = 0;
        }
        if end == buf.len() {
            if start > 0 {
                buf.copy_within(start..end, 0);
                end -= start;
                start = 0;
            } else if buf.len() >= MAX_LINE {
                return Err(LineError {
                    source: io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("line {} is longer than {} MiB", lineno + 1, MAX_LINE >> 20),
                    ),
                    lines_read: lineno,
                });
            } else {
                buf.resize(buf.len() * 2, 0);
            }
        }
        let n = match r.read(&mut buf[end..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(LineError {
                    source: e,
                    lines_read: lineno,
                })
            }
        };
        if n == 0 {
            if start < end {
                lineno += 1;
                f(trim_cr(&buf[start..end]), lineno);
            }
            return Ok(lineno);
        }
        let scan_from = end;
        end += n;
        let mut pos = start;
        for nl in memchr::memchr_iter(b'\n', &buf[scan_from..end]) {
            let nl = scan_from + nl;
            lineno += 1;
            if !f(trim_cr(&buf[pos..nl]), lineno) {
                return Ok(lineno);
            }
            pos = nl + 1;
        }
        start = pos;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out one byte at a time, to cross every buffer edge.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() || out.is_empty() {
                return Ok(0);
            }
            out[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }

    fn collect<R: Read>(r: R) -> Vec<(String, u64)> {
        let mut v = Vec::new();
        for_each_line(r, |l, n| {
            v.push((String::from_utf8_lossy(l).into_owned(), n));
            true
        })
        .unwrap();
        v
    }

    #[test]
    fn splits_lines_with_and_without_final_newline() {
        let want = vec![("a".to_string(), 1), ("".to_string(), 2), ("b c".to_string(), 3)];
        assert_eq!(collect(&b"a\n\nb c\n"[..]), want);
        assert_eq!(collect(&b"a\r\n\r\nb c"[..]), want);
        assert_eq!(collect(Trickle(b"a\n\nb c")), want);
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_line() {
        let got = collect(&b"\xEF\xBB\xBFversion bytes\n\xEF\xBB\xBFx\n"[..]);
        assert_eq!(got[0].0, "version bytes");
        // Only at the start of the stream.
        assert_eq!(got[1].0.as_bytes(), b"\xEF\xBB\xBFx");
    }

    #[test]
    fn export_task_lines_lose_their_time() {
        let l = b"2026-11-01T00:00:05.000Z 2 123456789012 eni-1";
        assert_eq!(strip_export_timestamp(l), Some(&b"2 123456789012 eni-1"[..]));
        assert_eq!(
            strip_export_timestamp(b"2026-11-01T00:00:05Z {\"a\":1}"),
            Some(&b"{\"a\":1}"[..])
        );
        assert_eq!(strip_export_timestamp(b"2 123456789012 eni-1 10.0.0.1"), None);
        assert_eq!(strip_export_timestamp(b"version account-id"), None);
    }

    #[test]
    fn long_lines_grow_the_buffer() {
        let long = "x".repeat(3 * INITIAL_BUFFER);
        let text = format!("{long}\nshort\n");
        let got = collect(text.as_bytes());
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0.len(), long.len());
        assert_eq!(got[1], ("short".to_string(), 2));
    }
}
