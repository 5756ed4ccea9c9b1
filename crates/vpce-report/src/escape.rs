//! Values from the logs (hostnames, file names, interface ids) reach the
//! terminal: a crafted log line must not be able to move the cursor, change
//! colours, set the window title or overwrite earlier lines. [`Escaped`]
//! wraps any writer and writes every control character except newline and tab
//! as a visible escape (`\x1b`, `\r`, `\u{9b}`).

use std::io::{self, Write};

/// A writer that makes control characters visible. Everything else (UTF-8
/// text, the table's box-drawing characters) passes through unchanged.
pub struct Escaped<W: Write> {
    inner: W,
    /// A UTF-8 lead byte 0xC2 seen at the end of the last write: the next
    /// byte decides whether the pair is a C1 control (U+0080–U+009F).
    pending_c2: bool,
}

impl<W: Write> Escaped<W> {
    pub fn new(inner: W) -> Self {
        Escaped {
            inner,
            pending_c2: false,
        }
    }

    /// The wrapped writer.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.flush_pending()?;
        // `Drop` is not implemented, so moving out is fine.
        Ok(self.inner)
    }

    fn flush_pending(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.pending_c2) {
            self.inner.write_all(&[0xC2])?;
        }
        Ok(())
    }
}

/// An ASCII control character other than newline and tab.
fn is_control(b: u8) -> bool {
    (b < 0x20 && b != b'\n' && b != b'\t') || b == 0x7F
}

impl<W: Write> Write for Escaped<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut start = 0;
        let mut i = 0;
        if self.pending_c2 {
            self.pending_c2 = false;
            match buf.first() {
                Some(&b) if (0x80..=0x9F).contains(&b) => {
                    write!(self.inner, "\\u{{{:x}}}", b)?;
                    start = 1;
                    i = 1;
                }
                Some(_) => self.inner.write_all(&[0xC2])?,
                None => {
                    self.pending_c2 = true;
                    return Ok(0);
                }
            }
        }
        while i < buf.len() {
            let b = buf[i];
            if b == 0xC2 {
                match buf.get(i + 1) {
                    Some(&n) if (0x80..=0x9F).contains(&n) => {
                        self.inner.write_all(&buf[start..i])?;
                        write!(self.inner, "\\u{{{:x}}}", n)?;
                        i += 2;
                        start = i;
                        continue;
                    }
                    None => {
                        self.inner.write_all(&buf[start..i])?;
                        self.pending_c2 = true;
                        return Ok(buf.len());
                    }
                    Some(_) => {}
                }
            } else if is_control(b) {
                self.inner.write_all(&buf[start..i])?;
                match b {
                    b'\r' => self.inner.write_all(b"\\r")?,
                    _ => write!(self.inner, "\\x{b:02x}")?,
                }
                start = i + 1;
            }
            i += 1;
        }
        self.inner.write_all(&buf[start..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_pending()?;
        self.inner.flush()
    }
}

/// `text` with its control characters made visible, for values printed
/// outside a writer (error messages).
pub fn escaped(text: &str) -> String {
    let mut w = Escaped::new(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = w.write_all(text.as_bytes());
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(escaped("a\x1b]0;pwned\x07b"), "a\\x1b]0;pwned\\x07b");
        assert_eq!(escaped("line\roverwrite"), "line\\roverwrite");
        assert_eq!(escaped("x\u{9b}31m"), "x\\u{9b}31m");
        assert_eq!(escaped("nul\0del\x7f"), "nul\\x00del\\x7f");
        // Newlines, tabs and all other text pass through.
        assert_eq!(escaped("│ s3 ┆ é ☃\n\tok"), "│ s3 ┆ é ☃\n\tok");
    }

    #[test]
    fn a_c1_control_split_across_writes_is_still_caught() {
        let mut w = Escaped::new(Vec::new());
        w.write_all(b"a\xC2").unwrap();
        w.write_all(b"\x9bb\xC2").unwrap();
        w.write_all("\u{a9}".as_bytes()[1..].as_ref()).unwrap();
        let out = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(out, "a\\u{9b}b\u{a9}");
    }

    proptest::proptest! {
        #[test]
        fn output_never_holds_a_control_character(s in ".*", cut in 0usize..64) {
            let bytes = s.as_bytes();
            let cut = cut.min(bytes.len());
            let mut w = Escaped::new(Vec::new());
            w.write_all(&bytes[..cut]).unwrap();
            w.write_all(&bytes[cut..]).unwrap();
            let out = String::from_utf8(w.into_inner().unwrap()).unwrap();
            proptest::prop_assert!(!out.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{out:?}");
        }
    }
}
