//! The `vpce-advisor` binary: parse arguments, run a command, map the outcome
//! to an exit code. Everything else lives in the library crates.

use std::process::ExitCode;

fn main() -> ExitCode {
    vpce_advisor::main(std::env::args_os())
}
