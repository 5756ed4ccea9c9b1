//! Counters a progress display reads while the readers run: inputs done of
//! inputs planned, and the bytes read from them (as stored: compressed for
//! gzip) of the bytes known. Updated once per buffer fill and per input, so
//! counting costs nothing measurable next to decompression and parsing.

use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use crate::Input;

/// Shared between the reader threads and whoever shows progress.
#[derive(Debug, Default)]
pub struct Progress {
    files_total: AtomicU64,
    files_done: AtomicU64,
    bytes_total: AtomicU64,
    bytes_read: AtomicU64,
    /// Every planned input has a known size (local files, memory).
    sizes_unknown: AtomicBool,
}

/// A moment's view of [`Progress`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub files_total: u64,
    pub files_done: u64,
    /// `None` when some input's size is not known before it is read.
    pub bytes_total: Option<u64>,
    pub bytes_read: u64,
}

impl Progress {
    /// Adds inputs about to be read to the plan (their sizes where known).
    pub fn plan(&self, inputs: &[Input]) {
        self.files_total.fetch_add(inputs.len() as u64, Ordering::Relaxed);
        for i in inputs {
            let size = match i {
                Input::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
                Input::Memory { bytes, .. } => Some(bytes.len() as u64),
                Input::Stream { .. } => None,
            };
            match size {
                Some(n) => {
                    self.bytes_total.fetch_add(n, Ordering::Relaxed);
                }
                None => self.sizes_unknown.store(true, Ordering::Relaxed),
            }
        }
    }

    pub(crate) fn file_done(&self) {
        self.files_done.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters now.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            files_total: self.files_total.load(Ordering::Relaxed),
            files_done: self.files_done.load(Ordering::Relaxed),
            bytes_total: (!self.sizes_unknown.load(Ordering::Relaxed))
                .then(|| self.bytes_total.load(Ordering::Relaxed)),
            bytes_read: self.bytes_read.load(Ordering::Relaxed),
        }
    }
}

/// A reader that adds what it reads to [`Progress::bytes_read`].
pub(crate) struct Counted<R> {
    pub(crate) inner: R,
    pub(crate) progress: Arc<Progress>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.bytes_read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_and_the_reads_add_up() {
        let p = Arc::new(Progress::default());
        let bytes = Arc::new(b"hello world".to_vec());
        p.plan(&[Input::Memory {
            name: "a".into(),
            bytes: bytes.clone(),
        }]);
        let mut r = Counted {
            inner: &bytes[..],
            progress: p.clone(),
        };
        let mut out = Vec::new();
        r.read_to_end(&mut out).expect("reads");
        p.file_done();
        let s = p.snapshot();
        assert_eq!(
            (s.files_total, s.files_done, s.bytes_total, s.bytes_read),
            (1, 1, Some(11), 11)
        );
    }
}
