//! `vpce-advisor render`: a saved report in another format.

use std::io::Write;

use anyhow::Result;

use crate::cli::{RenderArgs, ReportOutput};
use crate::exit::Exit;
use crate::output::{output, render_report, Layout};
use crate::pipeline::load_report;

pub(crate) fn run(args: RenderArgs) -> Result<Exit> {
    let RenderArgs {
        report,
        out: ReportOutput {
            format,
            top,
            output: path,
            wide,
        },
    } = args;
    let report = load_report(&report)?;
    let mut out = output(path.as_deref())?;
    render_report(&report, format, &Layout::new(top, wide, path.as_deref()), &mut out)?;
    out.flush()?;
    Ok(Exit::Success)
}
