//! `vpce-advisor analyze`.

use std::io::Write;

use anyhow::Result;
use vpce_report::{render_json, render_seed_json, render_table};

use crate::cli::{AnalyzeArgs, ReportFormat};
use crate::exit::{self, Exit};
use crate::output::output;
use crate::pipeline::{self, Outcome};
use crate::settings::Analyze;

pub(crate) fn run(args: AnalyzeArgs) -> Result<Exit> {
    let s = Analyze::from_args(args)?;
    let report = match pipeline::run(&s.analysis)? {
        Outcome::Report(r) => r,
        Outcome::Strict(why) => return Ok(exit::findings(&why)),
    };
    let mut out = output(s.output.as_deref())?;
    match s.format {
        ReportFormat::Table => render_table(&report, s.top.unwrap_or(0), &mut out)?,
        ReportFormat::Json => render_json(&report, &mut out)?,
        ReportFormat::SeedJson => render_seed_json(&report, s.top.unwrap_or(20), &mut out)?,
    }
    out.flush()?;
    // The report is written either way; it says it is partial.
    match pipeline::partial_problem(&report) {
        Some(why) if !s.analysis.allow_partial => Ok(exit::findings(&why)),
        _ => Ok(Exit::Success),
    }
}
