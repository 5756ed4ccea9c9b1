//! `vpce-advisor setup`: the logging the analysis needs, as Terraform or
//! CloudFormation, with what the logs will cost.

use std::io::Write;

use anyhow::{anyhow, bail, Result};
use vpce_iac::{cloudformation_logging, terraform_logging, GeneratedFile, LogDestination, LoggingOptions};

use crate::cli::{Destination, IacFormat, SetupArgs};
use crate::exit::Exit;
use crate::output::write_files;
use crate::pipeline;

/// Bytes a flow-log record of the generated format takes, and a Resolver
/// query-log record, on average (for volume estimates).
const FLOW_RECORD_BYTES: f64 = 230.0;
const DNS_RECORD_BYTES: f64 = 420.0;

pub(crate) fn run(a: SetupArgs) -> Result<Exit> {
    let mut out = std::io::stdout().lock();
    let destination = match a.destination {
        Destination::Cloudwatch => LogDestination::CloudWatch,
        Destination::S3 => LogDestination::S3 {
            bucket: a
                .bucket
                .clone()
                .ok_or_else(|| anyhow!("--destination s3 needs --bucket"))?,
        },
    };
    if !a.vpc_id.starts_with("vpc-") {
        bail!("--vpc-id '{}' is not a VPC ID (vpc-…)", a.vpc_id);
    }
    let o = LoggingOptions {
        vpc_id: a.vpc_id.clone(),
        destination: destination.clone(),
        retention_days: a.retention_days,
        kms_key_arn: a.kms_key_arn.clone(),
        name_prefix: a.name_prefix.clone(),
        tags: a.tags.iter().cloned().collect(),
    };
    let files = match a.format {
        IacFormat::Terraform => terraform_logging(&o),
        IacFormat::Cloudformation => vec![GeneratedFile {
            name: "logging.yaml".into(),
            contents: cloudformation_logging(&o),
        }],
    };
    write_files(&a.output, &files)?;
    if a.kms_key_arn.is_some() {
        eprintln!("note: the KMS key's policy must allow the service principal logs.<region>.amazonaws.com to use it for these log groups (see the comment above the log groups)");
    }
    let prices = vpce_pricing::PriceTable::embedded();
    let Some(lp) = prices.log_delivery.clone() else {
        return Ok(Exit::Success);
    };
    writeln!(out, "Collect at least 7 days (one weekly cycle; never less than 24 hours) before analysing: logs reach CloudWatch Logs about 5 minutes and S3 about 10 minutes after the traffic.")?;
    let (ingest, store, where_) = match destination {
        LogDestination::CloudWatch => (
            lp.cloudwatch_ingestion_usd_per_gb,
            lp.cloudwatch_storage_usd_per_gb_month,
            "CloudWatch Logs",
        ),
        LogDestination::S3 { .. } => (lp.s3_delivery_usd_per_gb, lp.s3_storage_usd_per_gb_month, "S3"),
    };
    match a.report.as_deref().map(pipeline::load_report).transpose()? {
        Some(r) if r.window.hours > 0.0 => {
            let per_month = |records: u64, bytes: f64| records as f64 / r.window.hours * 730.0 * bytes / 1_073_741_824.0;
            let flow_gb = per_month(r.inputs.flow.records, FLOW_RECORD_BYTES);
            let dns_gb = per_month(r.inputs.dns.records, DNS_RECORD_BYTES);
            let gb = flow_gb + dns_gb;
            writeln!(out,
                "Estimated from the report ({} flow and {} Resolver records in {} h): {:.1} GB of flow logs and {:.1} GB of query logs a month; delivery to {where_} ≈ ${:.2} a month at ${ingest}/GB, plus storage at ${store}/GB-month.",
                r.inputs.flow.records,
                r.inputs.dns.records,
                r.window.hours,
                flow_gb,
                dns_gb,
                gb * ingest
            )?;
        }
        _ => writeln!(out,
            "Cost of the logs: delivery to {where_} ${ingest}/GB plus storage ${store}/GB-month; a flow-log record of this format is about {FLOW_RECORD_BYTES:.0} bytes and a Resolver query record about {DNS_RECORD_BYTES:.0} bytes (1 million records ≈ {:.2} / {:.2} GB). Give --report FILE from an earlier analysis for an estimate.",
            FLOW_RECORD_BYTES * 1e6 / 1_073_741_824.0,
            DNS_RECORD_BYTES * 1e6 / 1_073_741_824.0
        )?,
    }
    writeln!(
        out,
        "Log prices: {} (as of {}, {} confidence).",
        lp.source, lp.as_of, lp.confidence
    )?;
    Ok(Exit::Success)
}
