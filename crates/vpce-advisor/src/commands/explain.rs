//! `vpce-advisor explain`.

use std::io::Write;

use anyhow::Result;
use vpce_report::{render_explain_json, render_explain_table};

use crate::cli::{ExplainArgs, ExplainFormat};
use crate::exit::Exit;
use crate::output::output;
use crate::settings::Reference;

pub(crate) fn run(args: ExplainArgs) -> Result<Exit> {
    let ExplainArgs {
        hostnames,
        format,
        region,
        reference,
    } = args;
    let Reference { catalog, .. } = Reference::from_args(&reference)?;
    let items: Vec<_> = hostnames
        .iter()
        .map(|h| catalog.classify(h, region.as_deref()))
        .collect();
    let mut out = output(None)?;
    match format {
        ExplainFormat::Table => render_explain_table(&items, &mut out)?,
        ExplainFormat::Json => render_explain_json(&items, &mut out)?,
    }
    out.flush()?;
    Ok(Exit::Success)
}
