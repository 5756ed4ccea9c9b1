//! `vpce-advisor pricing`: the price table in use.

use std::io::Write;

use anyhow::Result;

use crate::cli::{ExplainFormat, PricingArgs};

use super::{output, price_table};

pub(crate) fn run(args: PricingArgs) -> Result<()> {
    let table = price_table(args.pricing.as_deref())?;
    if let Some(r) = &args.region {
        table.region(r)?;
    }
    let mut out = output(None)?;
    match args.format {
        ExplainFormat::Table => vpce_report::render_pricing_table(&table, args.region.as_deref(), &mut out)?,
        ExplainFormat::Json => vpce_report::render_pricing_json(&table, args.region.as_deref(), &mut out)?,
    }
    out.flush()?;
    Ok(())
}
