//! Glue between the command line and the library crates.
//!
//! Exit codes: 0 success; 1 `--strict` and the input had malformed lines or
//! unreadable files; 2 an error that stopped the command (bad arguments, no
//! input, an output that cannot be written).

mod cli;
mod commands;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use vpce_report::escape::escaped;

pub use cli::Cli;

/// An error that ends the command with exit code 1 instead of 2.
#[derive(Debug)]
pub(crate) struct StrictFailure(pub String);

impl std::fmt::Display for StrictFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StrictFailure {}

/// Runs the tool with the given arguments.
pub fn main<I: IntoIterator<Item = OsString>>(args: I) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed pipe (`| head`) is not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            let mut stderr = std::io::stderr().lock();
            // Messages quote file names and log values: control characters
            // in them are written visibly.
            let _ = writeln!(stderr, "error: {}", escaped(&e.to_string()));
            for cause in e.chain().skip(1) {
                let _ = writeln!(stderr, "  caused by: {}", escaped(&cause.to_string()));
            }
            if e.downcast_ref::<StrictFailure>().is_some() {
                ExitCode::from(1)
            } else {
                ExitCode::from(2)
            }
        }
    }
}
