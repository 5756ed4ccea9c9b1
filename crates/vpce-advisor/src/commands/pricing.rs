//! `vpce-advisor pricing`: the price table in use.

use std::io::Write;

use anyhow::Result;

use crate::cli::{ExplainFormat, PricingArgs};
use crate::exit::Exit;
use crate::output::output;
use crate::settings::price_table;

pub(crate) fn run(args: PricingArgs) -> Result<Exit> {
    let PricingArgs {
        region,
        pricing,
        format,
    } = args;
    let table = price_table(pricing.as_deref())?;
    if let Some(r) = &region {
        table.region(r)?;
    }
    let mut out = output(None)?;
    match format {
        ExplainFormat::Table => vpce_report::render_pricing_table(&table, region.as_deref(), &mut out)?,
        ExplainFormat::Json => vpce_report::render_pricing_json(&table, region.as_deref(), &mut out)?,
    }
    out.flush()?;
    Ok(Exit::Success)
}
