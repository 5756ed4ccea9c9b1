//! `vpce-advisor demo`: the built-in sample, analysed.
//!
//! The sample is the simulator's output for a fixed seed (24 hours, 8
//! instances), generated in memory: the same bytes on every run.

use std::io::Write;
use std::sync::Arc;

use anyhow::Result;
use vpce_analysis::AnalysisConfig;
use vpce_formats::flow::FlowReadOptions;
use vpce_ingest::Input;
use vpce_report::{render_json, render_seed_json, render_table};
use vpce_simulate::{simulate, SimConfig};

use crate::cli::{DemoArgs, ReportFormat};

use super::analyze::analyze;
use super::{output, reference_data};

/// The sample's parameters.
pub(crate) const DEMO: SimConfig = SimConfig {
    hours: 24,
    instances: 8,
    seed: 42,
    start: 1_793_491_200,
    gzip_level: 6,
};

pub(crate) fn run(args: DemoArgs) -> Result<()> {
    let (catalog, ranges) = reference_data(&Default::default())?;
    let mut dns = Vec::new();
    let mut flows = Vec::new();
    simulate::<std::convert::Infallible>(&DEMO, &mut |path, bytes| {
        let input = Input::Memory {
            name: format!("sample/{path}"),
            bytes: Arc::new(bytes.to_vec()),
        };
        if path.contains("/vpcdnsquerylogs/") {
            dns.push(input);
        } else {
            flows.push(input);
        }
        Ok(())
    })
    .unwrap_or_else(|never| match never {});
    let cfg = AnalysisConfig {
        generator: format!("vpce-advisor {} (demo)", env!("CARGO_PKG_VERSION")),
        ..Default::default()
    };
    let sources = super::analyze::Sources {
        dns_explicit: vec![false; dns.len()],
        flow_explicit: vec![false; flows.len()],
        dns,
        flow: flows,
        dns_aggregated: None,
    };
    let report = analyze(
        sources,
        &cfg,
        &FlowReadOptions {
            wanted: Some(vpce_analysis::FlowAggregator::FIELDS.to_vec()),
            ..Default::default()
        },
        &catalog,
        &ranges,
        vpce_ingest::default_threads(),
    );
    let mut report = report;
    vpce_analysis::advise(
        &mut report,
        &vpce_pricing::PriceTable::embedded(),
        &vpce_analysis::AdviceOptions::default(),
    );
    let mut out = output(None)?;
    match args.format {
        ReportFormat::Table => {
            writeln!(out, "Sample: one VPC in us-east-1, {} instances behind a NAT gateway, {} hours of Resolver query logs and flow logs.\n", DEMO.instances, DEMO.hours)?;
            render_table(&report, 0, &mut out)?;
            writeln!(
                out,
                "\nOn your own logs: vpce-advisor analyze --dns-logs <dir-or-files> --flow-logs <dir-or-files> (see `vpce-advisor analyze --help`)."
            )?;
        }
        ReportFormat::Json => render_json(&report, &mut out)?,
        ReportFormat::SeedJson => render_seed_json(&report, 20, &mut out)?,
    }
    out.flush()?;
    Ok(())
}
