//! `vpce-advisor preflight`: the VPC's PrivateLink prerequisites.

use std::io::Write;

use anyhow::Result;
use vpce_model::inventory::{Inventory, Severity};
use vpce_report::escape::Escaped;

use crate::cli::{ExplainFormat, PreflightArgs};
use crate::exit::{self, Exit};
use crate::pipeline;
use crate::settings::Preflight;

pub(crate) fn run(args: PreflightArgs) -> Result<Exit> {
    let s = Preflight::from_args(args)?;
    let aws = pipeline::connect(&s.aws.options)?;
    let inv = pipeline::inventory(&aws, &s.vpc_id)?;
    let findings = vpce_analysis::live::preflight(&inv, None);
    let mut out = Escaped::new(std::io::stdout().lock());
    match s.format {
        ExplainFormat::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &serde_json::json!({ "vpc_id": inv.vpc.vpc_id, "region": inv.region, "findings": findings, "inventory": inv }),
            )?;
            writeln!(out)?;
        }
        ExplainFormat::Table => {
            writeln!(out, "{}", headline(&inv))?;
            vpce_report::render_findings(&findings, &mut out)?;
        }
    }
    out.flush()?;
    let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
    if errors > 0 {
        return Ok(exit::findings(&format!(
            "preflight: {errors} error{} in {}",
            if errors == 1 { "" } else { "s" },
            inv.vpc.vpc_id
        )));
    }
    Ok(Exit::Success)
}

/// One line: the VPC, its subnets, NAT gateways and endpoints.
fn headline(inv: &Inventory) -> String {
    format!(
        "{} in {}: {} subnets ({} route to NAT, in {}), {} NAT gateways, {} endpoints ({} live)",
        inv.vpc.vpc_id,
        inv.region,
        inv.subnets.len(),
        inv.workload_subnets().len(),
        inv.workload_azs().into_iter().collect::<Vec<_>>().join(", "),
        inv.nat_gateways.len(),
        inv.endpoints.len(),
        inv.endpoints.iter().filter(|e| e.is_live()).count()
    )
}
