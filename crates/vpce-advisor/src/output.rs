//! Where the commands write: standard output or a file, and progress lines
//! on standard error.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use vpce_model::Report;
use vpce_report::escape::Escaped;
use vpce_report::TableOptions;

use crate::cli::ReportFormat;

/// How a report is laid out on its way out.
pub(crate) struct Layout {
    /// `--top`: service rows (table) or hostnames (seed-json).
    pub top: Option<usize>,
    /// The terminal's width when the table goes to one and `--wide` was not given.
    pub width: Option<usize>,
}

impl Layout {
    /// The width is the terminal's only when the report goes to standard
    /// output, that is a terminal, and `--wide` was not given.
    pub(crate) fn new(top: Option<usize>, wide: bool, path: Option<&Path>) -> Layout {
        let width = if wide || path.is_some() {
            None
        } else {
            console::Term::stdout()
                .size_checked()
                .map(|(_, cols)| usize::from(cols))
        };
        Layout { top, width }
    }
}

/// Renders the report in the format asked for.
pub(crate) fn render_report(r: &Report, format: ReportFormat, layout: &Layout, out: &mut dyn Write) -> Result<()> {
    match format {
        ReportFormat::Table => vpce_report::render_table(
            r,
            &TableOptions {
                top: layout.top.unwrap_or(0),
                width: layout.width,
            },
            out,
        )?,
        ReportFormat::Json => vpce_report::render_json(r, out)?,
        ReportFormat::SeedJson => vpce_report::render_seed_json(r, layout.top.unwrap_or(20), out)?,
        ReportFormat::Html => vpce_report::render_html(r, out)?,
        ReportFormat::Markdown => vpce_report::render_markdown(r, out)?,
        ReportFormat::Csv => vpce_report::render_csv(r, out)?,
    }
    Ok(())
}

/// Standard output, or a file created for the purpose. Control characters
/// that came from the logs are written visibly (JSON escapes them anyway).
pub(crate) fn output(path: Option<&Path>) -> Result<Box<dyn Write>> {
    Ok(match path {
        Some(p) => Box::new(Escaped::new(BufWriter::new(
            File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        ))),
        None => Box::new(Escaped::new(BufWriter::new(io::stdout().lock()))),
    })
}

/// Progress lines from the library crates, one per call, to standard error.
pub(crate) fn stderr_lines() -> vpce_aws::Say {
    Arc::new(|line: &str| eprintln!("{line}"))
}

/// Writes generated files into `dir` (created if needed), naming each on
/// standard error.
pub(crate) fn write_files(dir: &Path, files: &[vpce_iac::GeneratedFile]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for f in files {
        let path = dir.join(&f.name);
        std::fs::write(&path, &f.contents).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
