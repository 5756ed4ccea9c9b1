//! One module per subcommand.

mod analyze;
mod demo;
mod explain;
mod iac;
mod live;
mod pricing;
mod simulate;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use vpce_report::escape::Escaped;

use anyhow::{Context, Result};
use vpce_catalog::{Catalog, IpRanges};

use crate::cli::{Cli, Command, ReferenceArgs};

pub(crate) fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Analyze(a) => analyze::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Pricing(a) => pricing::run(a),
        Command::Iac(a) => iac::run(a),
        Command::Setup(a) => iac::setup(a),
        Command::Preflight(a) => live::preflight(a),
        Command::IamPolicy(a) => live::iam_policy(a),
    }
}

/// The catalogue and IP ranges: embedded, or the user's files.
pub(crate) fn reference_data(args: &ReferenceArgs) -> Result<(Catalog, IpRanges)> {
    let catalog = match &args.catalog {
        Some(p) => {
            let text = vpce_ingest::read_text(p)?;
            Catalog::from_json(&text).with_context(|| format!("--catalog {}", p.display()))?
        }
        None => Catalog::embedded(),
    };
    let ranges = match &args.ip_ranges {
        Some(p) => {
            let text = vpce_ingest::read_text(p)?;
            IpRanges::from_json(&text).with_context(|| format!("--ip-ranges {}", p.display()))?
        }
        None => IpRanges::embedded(),
    };
    Ok((catalog, ranges))
}

/// The price table: embedded, or the user's file.
pub(crate) fn price_table(path: Option<&Path>) -> Result<vpce_pricing::PriceTable> {
    Ok(match path {
        Some(p) => {
            let text = vpce_ingest::read_text(p)?;
            vpce_pricing::PriceTable::from_json(&text).with_context(|| format!("--pricing {}", p.display()))?
        }
        None => vpce_pricing::PriceTable::embedded(),
    })
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
