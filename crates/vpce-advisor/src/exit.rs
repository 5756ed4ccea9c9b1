//! The process exit codes. Every command returns one; `main` turns an error
//! into [`Exit::Failure`].

use std::io::Write;

use vpce_report::escape::escaped;

/// How a command ended, as the process exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Exit {
    /// 0: done (also `--help`, `--version`, and an output pipe closed early).
    Success = 0,
    /// 1: the command ran and found what it was asked to fail on: `--strict`
    /// and a malformed line or an unreadable file; a partial report (an
    /// input not read to its end) without `--allow-partial`; `preflight` and
    /// a finding of severity error; `iac` and a preflight error that makes
    /// applying its plan fail, without `--force`.
    Findings = 1,
    /// 2: the command could not run: bad arguments, no input, an AWS error,
    /// an output that cannot be written.
    Failure = 2,
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> std::process::ExitCode {
        std::process::ExitCode::from(e as u8)
    }
}

/// Says on standard error what was found (`error: …`, control characters
/// made visible) and returns [`Exit::Findings`].
pub(crate) fn findings(why: &str) -> Exit {
    let _ = writeln!(std::io::stderr().lock(), "error: {}", escaped(why));
    Exit::Findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codes_are_the_documented_numbers() {
        assert_eq!(Exit::Success as u8, 0);
        assert_eq!(Exit::Findings as u8, 1);
        assert_eq!(Exit::Failure as u8, 2);
    }
}
