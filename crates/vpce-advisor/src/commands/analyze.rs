//! `vpce-advisor analyze`.

use std::io::Write;

use crate::cli::AnalyzeArgs;
use crate::exit::{self, Exit};
use crate::output::{output, render_report, Layout};
use crate::pipeline::{self, Outcome};
use crate::settings::Analyze;
use anyhow::Result;

pub(crate) fn run(args: AnalyzeArgs) -> Result<Exit> {
    let s = Analyze::from_args(args)?;
    let report = match pipeline::run(&s.analysis)? {
        Outcome::Report(r) => r,
        Outcome::Strict(why) => return Ok(exit::findings(&why)),
    };
    let mut out = output(s.output.as_deref())?;
    let layout = Layout::new(s.top, s.wide, s.output.as_deref());
    render_report(&report, s.format, &layout, &mut out)?;
    out.flush()?;
    // The report is written either way; it says it is partial.
    match pipeline::partial_problem(&report) {
        Some(why) if !s.analysis.allow_partial => Ok(exit::findings(&why)),
        _ => Ok(Exit::Success),
    }
}
