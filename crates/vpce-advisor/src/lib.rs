//! Glue between the command line and the library crates.
//!
//! - [`cli`]: the clap arguments (their doc comments are the help text);
//! - `settings`: the arguments resolved once into plain values, with the
//!   one Region rule;
//! - `pipeline`: one analysis, inputs → aggregates → report → advice;
//! - `commands`: one module per subcommand: settings, pipeline, render;
//! - `output`: standard output or a file, progress on standard error;
//! - `exit`: the exit codes every command returns (0 success; 1 `--strict`
//!   and bad input, or preflight errors; 2 an error that stopped the
//!   command: bad arguments, no input, an output that cannot be written).
//!
//! No module imports `commands`; `commands` import the others.

// The binary's job is the terminal: reports go to standard output, progress
// and warnings to standard error. The library crates print nothing.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod commands;
mod exit;
mod output;
mod pipeline;
mod progress;
mod settings;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use vpce_report::escape::escaped;

pub use cli::Cli;

use exit::Exit;

/// Runs the tool with the given arguments.
pub fn main<I: IntoIterator<Item = OsString>>(args: I) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { Exit::Failure } else { Exit::Success }.into();
        }
    };
    match commands::run(cli) {
        Ok(exit) => exit.into(),
        Err(e) => {
            // A closed pipe (`| head`) is not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return Exit::Success.into();
            }
            let mut stderr = std::io::stderr().lock();
            // Messages quote file names and log values: control characters
            // in them are written visibly.
            let _ = writeln!(stderr, "error: {}", escaped(&e.to_string()));
            for cause in e.chain().skip(1) {
                let _ = writeln!(stderr, "  caused by: {}", escaped(&cause.to_string()));
            }
            Exit::Failure.into()
        }
    }
}
