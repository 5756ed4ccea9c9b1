//! `vpce-advisor explain`.

use anyhow::Result;
use vpce_report::{render_explain_json, render_explain_table};

use crate::cli::{ExplainArgs, ExplainFormat};

use super::{output, reference_data};

pub(crate) fn run(args: ExplainArgs) -> Result<()> {
    let (catalog, _) = reference_data(&args.reference)?;
    let items: Vec<_> = args
        .hostnames
        .iter()
        .map(|h| catalog.classify(h, args.region.as_deref()))
        .collect();
    let mut out = output(None)?;
    match args.format {
        ExplainFormat::Table => render_explain_table(&items, &mut out)?,
        ExplainFormat::Json => render_explain_json(&items, &mut out)?,
    }
    out.flush()?;
    Ok(())
}
