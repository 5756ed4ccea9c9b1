//! The progress bar on standard error while logs are read: inputs done,
//! MB read, MB/s, elapsed and an estimate of the rest. Shown only when
//! standard error is a terminal and `--quiet` was not given; the readers
//! only bump counters ([`vpce_ingest::Progress`]), and this thread draws them.

use std::io::IsTerminal;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use vpce_ingest::{Progress, Snapshot};

/// How often the bar is redrawn.
const TICK: Duration = Duration::from_millis(200);

/// A running progress display; [`Display::finish`] clears it.
pub(crate) struct Display {
    pub progress: Arc<Progress>,
    /// Dropped to stop the bar: the drawing thread wakes at once, not at its
    /// next tick, so a run does not wait for it.
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Display {
    /// A display when standard error is a terminal and progress is wanted.
    pub(crate) fn start(wanted: bool) -> Option<Display> {
        if !wanted || !std::io::stderr().is_terminal() {
            return None;
        }
        let progress = Arc::new(Progress::default());
        let (stop, stopped) = mpsc::channel();
        let p = progress.clone();
        let thread = std::thread::Builder::new()
            .name("progress".into())
            .spawn(move || draw(&p, &stopped))
            .ok()?;
        Some(Display {
            progress,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Stops and clears the bar.
    pub(crate) fn finish(mut self) {
        self.stop.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// The bar's message: what the position alone does not say.
fn message(s: &Snapshot, secs: f64) -> String {
    let rate = if secs > 0.0 { mb(s.bytes_read) / secs } else { 0.0 };
    let figure = |v: f64| if v < 10.0 { format!("{v:.1}") } else { format!("{v:.0}") };
    format!(
        "inputs {}/{} · {} MB read · {} MB/s",
        s.files_done,
        s.files_total,
        figure(mb(s.bytes_read)),
        figure(rate)
    )
}

fn draw(progress: &Progress, stopped: &Receiver<()>) {
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {percent:>3}% · {msg} · about {eta} left",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    loop {
        let s = progress.snapshot();
        // Bytes when every size is known (local files); inputs otherwise (S3
        // objects, log groups), so the estimate always has a base.
        match s.bytes_total {
            Some(total) if total > 0 => {
                bar.set_length(total);
                bar.set_position(s.bytes_read.min(total));
            }
            _ => {
                bar.set_length(s.files_total.max(1));
                bar.set_position(s.files_done);
            }
        }
        bar.set_message(message(&s, bar.elapsed().as_secs_f64()));
        match stopped.recv_timeout(TICK) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    bar.finish_and_clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_inputs_megabytes_and_rate() {
        let s = Snapshot {
            files_total: 10,
            files_done: 3,
            bytes_total: None,
            bytes_read: 100 << 20,
        };
        assert_eq!(message(&s, 4.0), "inputs 3/10 · 100 MB read · 25 MB/s");
        assert_eq!(message(&s, 20.0), "inputs 3/10 · 100 MB read · 5.0 MB/s");
    }
}
