//! `vpce-advisor demo`: the built-in sample, analysed.
//!
//! The sample is the simulator's output for a fixed seed (24 hours, 8
//! instances), generated in memory: the same bytes on every run.

use std::io::Write;
use std::sync::Arc;

use anyhow::Result;
use vpce_analysis::{AnalysisConfig, FlowAggregator};
use vpce_formats::flow::FlowReadOptions;
use vpce_ingest::Input;
use vpce_simulate::{simulate, SimConfig};

use crate::cli::{DemoArgs, ReportFormat};
use crate::exit::Exit;
use crate::output::{output, render_report, Layout};
use crate::pipeline::{self, LogInputs};
use crate::settings::{Costs, Reference};

/// The sample's parameters.
pub(crate) const DEMO: SimConfig = SimConfig {
    hours: 24,
    instances: 8,
    seed: 42,
    start: 1_793_491_200,
    gzip_level: 6,
    eks_pods: false,
};

/// The sample, as inputs in memory.
fn sample() -> LogInputs {
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
    LogInputs::found(dns, flows)
}

pub(crate) fn run(args: DemoArgs) -> Result<Exit> {
    let DemoArgs {
        format,
        output: path,
        wide,
    } = args;
    let cfg = AnalysisConfig {
        generator: format!("vpce-advisor {} (demo)", env!("CARGO_PKG_VERSION")),
        ..Default::default()
    };
    let flow_read = FlowReadOptions {
        wanted: Some(FlowAggregator::FIELDS.to_vec()),
        ..Default::default()
    };
    let reference = Reference::embedded();
    let mut report = pipeline::analyze(
        sample(),
        &cfg,
        &flow_read,
        &reference,
        vpce_ingest::default_threads(),
        None,
    );
    pipeline::price(&mut report, &Costs::embedded(), None);
    let mut out = output(path.as_deref())?;
    let layout = Layout::new(None, wide, path.as_deref());
    if format == ReportFormat::Table {
        writeln!(out, "Sample: one VPC in us-east-1, {} instances behind a NAT gateway, {} hours of Resolver query logs and flow logs.\n", DEMO.instances, DEMO.hours)?;
    }
    render_report(&report, format, &layout, &mut out)?;
    if format == ReportFormat::Table {
        writeln!(
            out,
            "\nOn your own logs: vpce-advisor analyze --dns-logs <dir-or-files> --flow-logs <dir-or-files> (see `vpce-advisor analyze --help`)."
        )?;
    }
    out.flush()?;
    Ok(Exit::Success)
}
