//! `vpce-advisor iac` and `vpce-advisor setup`.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use vpce_iac::{
    cloudformation_endpoint_service, cloudformation_endpoints, cloudformation_logging, plan_endpoints,
    terraform_endpoint_service, terraform_endpoints, terraform_logging, EndpointKind, EndpointServiceOptions,
    GeneratedFile, IacOptions, LogDestination, LoggingOptions, Policy,
};
use vpce_model::Report;

use crate::cli::{Destination, EndpointServiceArgs, IacArgs, IacFormat, IacSub, PolicyChoice, SetupArgs};

use super::analyze::report_from;

/// Bytes a flow-log record of the generated format takes, and a Resolver
/// query-log record, on average (for volume estimates).
const FLOW_RECORD_BYTES: f64 = 230.0;
const DNS_RECORD_BYTES: f64 = 420.0;

fn write_files(dir: &Path, files: &[GeneratedFile]) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for f in files {
        let path = dir.join(&f.name);
        fs::write(&path, &f.contents).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

fn tags(pairs: &[(String, String)]) -> BTreeMap<String, String> {
    pairs.iter().cloned().collect()
}

fn load_report(path: &Path) -> Result<Report> {
    let text = vpce_ingest::read_text(path)?;
    let report: Report = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a vpce-advisor JSON report (analyze --format json)",
            path.display()
        )
    })?;
    if report.schema_version != vpce_model::SCHEMA_VERSION {
        bail!(
            "{} has report schema {}, this version reads {}",
            path.display(),
            report.schema_version,
            vpce_model::SCHEMA_VERSION
        );
    }
    Ok(report)
}

pub(crate) fn run(args: IacArgs) -> Result<()> {
    if let Some(IacSub::EndpointService(a)) = args.sub {
        return endpoint_service(a);
    }
    let a = *args.endpoints;
    let report = match &a.report {
        Some(_) if a.analysis.live => {
            bail!("--live reads the VPC alongside the logs; with --report, save that report with `analyze --live --format json` first (its inventory is used)")
        }
        Some(p) => {
            let mut r = load_report(p)?;
            if r.pricing.is_none() {
                let prices = super::price_table(a.analysis.costs.pricing.as_deref())?;
                let opts = vpce_analysis::AdviceOptions {
                    region: a.analysis.region.clone(),
                    azs: a.analysis.costs.azs,
                    require_private: a.analysis.costs.require_private.clone(),
                };
                vpce_analysis::advise(&mut r, &prices, &opts);
            }
            r
        }
        None if a.analysis.dns_logs.is_empty() && a.analysis.flow_logs.is_empty() => {
            bail!("give a saved report (--report FILE from analyze --format json) or the logs (--dns-logs/--flow-logs)")
        }
        None => report_from(&a.analysis)?,
    };
    let policy = match a.policy {
        PolicyChoice::Full => Policy::Full,
        PolicyChoice::Org => Policy::Org(
            a.org_id
                .clone()
                .ok_or_else(|| anyhow!("--policy org needs --org-id o-…"))?,
        ),
        PolicyChoice::Account => Policy::Account(
            a.account_id
                .clone()
                .or_else(|| report.network.vpcs.iter().find_map(|v| v.account_id.clone()))
                .ok_or_else(|| anyhow!("--policy account needs --account-id (the logs do not name the account)"))?,
        ),
    };
    // A live inventory (analyze --live, or iac --live) fills in what the
    // user did not give: the VPC, its CIDRs, one workload subnet per AZ and
    // the route tables of the subnets that route to NAT.
    let live = report.live.as_ref().map(|l| &l.inventory);
    let or_live = |given: &[String], from: fn(&vpce_model::inventory::Inventory) -> Vec<String>| {
        if given.is_empty() {
            live.map(from).unwrap_or_default()
        } else {
            given.to_vec()
        }
    };
    let opts = IacOptions {
        vpc_id: a.analysis.vpc_id.clone().or_else(|| live.map(|i| i.vpc.vpc_id.clone())),
        vpc_cidrs: or_live(&a.analysis.vpc_cidr, |i| i.vpc.cidrs.clone()),
        subnet_ids: or_live(&a.subnet_ids, vpce_model::inventory::Inventory::endpoint_subnets),
        route_table_ids: or_live(
            &a.route_table_ids,
            vpce_model::inventory::Inventory::workload_route_tables,
        ),
        only: a.only.clone(),
        policy,
        tags: tags(&a.tags),
        name_prefix: a.name_prefix.clone(),
        s3_interface: a.s3_interface,
    };
    let plan = plan_endpoints(&report, &opts)?;
    let files = match a.format {
        IacFormat::Terraform => terraform_endpoints(&plan),
        IacFormat::Cloudformation => vec![GeneratedFile {
            name: "vpc-endpoints.yaml".into(),
            contents: cloudformation_endpoints(&plan),
        }],
    };
    write_files(&a.output, &files)?;
    for e in &plan.endpoints {
        eprintln!(
            "  {:<9} {}  {}",
            if e.kind == EndpointKind::Gateway {
                "gateway"
            } else {
                "interface"
            },
            e.service_name_template.replace("{region}", &plan.region),
            e.why.first().map_or("", String::as_str)
        );
    }
    let (names, what) = match a.format {
        IacFormat::Terraform => (["subnet_ids", "route_table_ids", "vpc_id"], "variables"),
        IacFormat::Cloudformation => (["SubnetIds", "RouteTableIds", "VpcId"], "parameters"),
    };
    if plan.endpoints.iter().any(|e| e.kind == EndpointKind::Interface) && plan.subnet_ids.is_empty() {
        eprintln!(
            "note: set the {} {} (one subnet per Availability Zone with workloads), or pass --subnet-ids",
            names[0], what
        );
    }
    if plan.endpoints.iter().any(|e| e.kind == EndpointKind::Gateway) && plan.route_table_ids.is_empty() {
        eprintln!(
            "note: set the {} {} (the route tables of the subnets that use NAT), or pass --route-table-ids",
            names[1], what
        );
    }
    if plan.vpc_id.is_none() {
        eprintln!(
            "note: set the {} {} (the logs cover several VPCs or none), or pass --vpc-id",
            names[2], what
        );
    }
    Ok(())
}

fn endpoint_service(a: EndpointServiceArgs) -> Result<()> {
    let o = EndpointServiceOptions {
        nlb_arns: a.nlb_arns,
        allowed_principals: a.allowed_principals,
        acceptance_required: !a.no_acceptance,
        name_prefix: a.name_prefix,
        tags: tags(&a.tags),
    };
    if o.allowed_principals.is_empty() {
        eprintln!(
            "note: no --allowed-principals: nobody can create an endpoint to the service until principals are added"
        );
    }
    let files = match a.format {
        IacFormat::Terraform => terraform_endpoint_service(&o),
        IacFormat::Cloudformation => vec![GeneratedFile {
            name: "endpoint-service.yaml".into(),
            contents: cloudformation_endpoint_service(&o),
        }],
    };
    write_files(&a.output, &files)
}

pub(crate) fn setup(a: SetupArgs) -> Result<()> {
    use std::io::Write;
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
        tags: tags(&a.tags),
    };
    let files = match a.format {
        IacFormat::Terraform => terraform_logging(&o),
        IacFormat::Cloudformation => vec![GeneratedFile {
            name: "logging.yaml".into(),
            contents: cloudformation_logging(&o),
        }],
    };
    write_files(&a.output, &files)?;
    let prices = vpce_pricing::PriceTable::embedded();
    let Some(lp) = prices.log_delivery.clone() else {
        return Ok(());
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
    match a.report.as_deref().map(load_report).transpose()? {
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
    Ok(())
}
