//! `vpce-advisor iac`: the recommended endpoints (or an endpoint service) as
//! Terraform or CloudFormation.

use anyhow::{anyhow, Result};
use vpce_iac::{
    apply_blockers, cloudformation_endpoint_service, cloudformation_endpoints, fix_script, plan_endpoints,
    terraform_endpoint_service, terraform_endpoints, EndpointKind, EndpointServiceOptions, GeneratedFile, IacOptions,
    Plan, Policy,
};
use vpce_model::inventory::Inventory;
use vpce_model::Report;

use crate::cli::{EndpointServiceArgs, IacArgs, IacFormat, IacSub, PolicyChoice};
use crate::exit::{self, Exit};
use crate::output::write_files;
use crate::pipeline::{self, Outcome};
use crate::settings::{Iac, ReportSource};

pub(crate) fn run(args: IacArgs) -> Result<Exit> {
    let IacArgs { sub, endpoints } = args;
    if let Some(IacSub::EndpointService(a)) = sub {
        return endpoint_service(a);
    }
    let s = Iac::from_args(*endpoints)?;
    let report = match &s.report {
        ReportSource::Saved {
            path, costs, region, ..
        } => pipeline::saved_report(path, costs, region)?,
        ReportSource::Logs(analysis) => match pipeline::run(analysis)? {
            Outcome::Report(r) => *r,
            Outcome::Strict(why) => return Ok(exit::findings(&why)),
        },
    };
    if let Some(why) = pipeline::partial_problem(&report).filter(|_| !s.allow_partial) {
        // Endpoints chosen from part of the traffic: nothing is written.
        return Ok(exit::findings(&format!("{why}; no files were written")));
    }
    let plan = plan_endpoints(&report, s.catalog(), &options(&s, &report)?)?;
    if let Some(why) = apply_would_fail(&plan, &report).filter(|_| !s.force) {
        return Ok(exit::findings(&why));
    }
    let mut files = match s.format {
        IacFormat::Terraform => terraform_endpoints(&plan),
        // A template needs a resource: fixes alone are only the script.
        IacFormat::Cloudformation if plan.endpoints.is_empty() => Vec::new(),
        IacFormat::Cloudformation => vec![GeneratedFile {
            name: "vpc-endpoints.yaml".into(),
            contents: cloudformation_endpoints(&plan),
        }],
    };
    files.extend(fix_script(&plan));
    write_files(&s.output, &files)?;
    say_plan(&plan, s.format);
    Ok(Exit::Success)
}

/// What stops the files from being written: the live inventory's preflight
/// errors that make applying this plan fail ([`apply_blockers`]), each with
/// its fix, and how to write them anyway. `None` without an inventory or
/// such an error.
fn apply_would_fail(plan: &Plan, report: &Report) -> Option<String> {
    let live = report.live.as_ref()?;
    let blockers = apply_blockers(plan, &live.findings);
    if blockers.is_empty() {
        return None;
    }
    let mut why = format!(
        "applying these endpoints would fail: preflight found {} error{} in {} (no files were written):",
        blockers.len(),
        if blockers.len() == 1 { "" } else { "s" },
        live.inventory.vpc.vpc_id
    );
    for f in &blockers {
        why.push_str(&format!(
            "\n  {} {}: {}\n    fix: {}",
            f.check, f.resource, f.message, f.fix
        ));
    }
    why.push_str("\nfix them and run again, or pass --force to write the files anyway");
    Some(why)
}

/// The generator's options: what the user gave, and what a live inventory
/// (analyze --live, or iac --live) fills in where the user gave nothing: the
/// VPC, its CIDRs, one workload subnet per AZ and the route tables of the
/// subnets that route to NAT.
fn options(s: &Iac, report: &Report) -> Result<IacOptions> {
    let policy = match s.policy {
        PolicyChoice::Full => Policy::Full,
        PolicyChoice::Org => Policy::Org(
            s.org_id
                .clone()
                .ok_or_else(|| anyhow!("--policy org needs --org-id o-…"))?,
        ),
        PolicyChoice::Account => Policy::Account(
            s.account_id
                .clone()
                .or_else(|| report.network.vpcs.iter().find_map(|v| v.account_id.clone()))
                .ok_or_else(|| anyhow!("--policy account needs --account-id (the logs do not name the account)"))?,
        ),
    };
    let live = report.live.as_ref().map(|l| &l.inventory);
    let or_live = |given: &[String], from: fn(&Inventory) -> Vec<String>| {
        if given.is_empty() {
            live.map(from).unwrap_or_default()
        } else {
            given.to_vec()
        }
    };
    Ok(IacOptions {
        vpc_id: s.vpc_id.clone().or_else(|| live.map(|i| i.vpc.vpc_id.clone())),
        vpc_cidrs: or_live(&s.vpc_cidrs, |i| i.vpc.cidrs.clone()),
        subnet_ids: or_live(&s.subnet_ids, Inventory::endpoint_subnets),
        route_table_ids: or_live(&s.route_table_ids, Inventory::workload_route_tables),
        only: s.only.clone(),
        policy,
        tags: s.tags.clone(),
        name_prefix: s.name_prefix.clone(),
        s3_interface: s.s3_interface,
        client_cidrs: s.client_cidrs.clone(),
        // Applied here too: a saved report that is already priced is not
        // advised again, so its recommendations do not know the list.
        require_private: s.require_private.clone(),
    })
}

/// The endpoints written, and the variables left to set, on standard error.
fn say_plan(plan: &Plan, format: IacFormat) {
    for n in &plan.notes {
        eprintln!("note: {n}");
    }
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
    for f in &plan.fixes {
        eprintln!(
            "  fix       {} ({})  {}",
            f.endpoint_id,
            f.service,
            f.why.first().map_or("", String::as_str)
        );
    }
    if !plan.fixes.is_empty() {
        eprintln!("note: fix-existing-endpoints.sh has the aws commands for the fixes (CloudFormation cannot change endpoints it does not manage)");
    }
    let (names, what) = match format {
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
    let interface = plan.endpoints.iter().any(|e| e.kind == EndpointKind::Interface);
    if !plan.client_cidrs.is_empty() && !interface {
        eprintln!(
            "note: --client-cidr has no effect: the plan has no interface endpoint (gateway endpoints do not serve on-premises clients; add --s3-interface for S3)"
        );
    } else if !plan.client_cidrs.is_empty() {
        let s3 = |k| plan.endpoints.iter().any(|e| e.service == "s3" && e.kind == k);
        if s3(EndpointKind::Gateway) && !s3(EndpointKind::Interface) {
            eprintln!("note: on-premises clients reach S3 only through an S3 interface endpoint: add --s3-interface");
        }
        eprintln!(
            "note: the endpoints admit {} on 443; for their DNS, set create_inbound_resolver (the inbound Resolver endpoint, off by default) and forward the endpoints' domains to it from on premises (steps in the comments)",
            plan.client_cidrs.join(", ")
        );
    }
    if plan.vpc_id.is_none() {
        eprintln!(
            "note: set the {} {} (the logs cover several VPCs or none), or pass --vpc-id",
            names[2], what
        );
    }
}

fn endpoint_service(a: EndpointServiceArgs) -> Result<Exit> {
    let EndpointServiceArgs {
        nlb_arns,
        allowed_principals,
        no_acceptance,
        format,
        tags,
        name_prefix,
        output,
    } = a;
    let o = EndpointServiceOptions {
        nlb_arns,
        allowed_principals,
        acceptance_required: !no_acceptance,
        name_prefix,
        tags: tags.into_iter().collect(),
    };
    if o.allowed_principals.is_empty() {
        eprintln!(
            "note: no --allowed-principals: nobody can create an endpoint to the service until principals are added"
        );
    }
    let files = match format {
        IacFormat::Terraform => terraform_endpoint_service(&o),
        IacFormat::Cloudformation => vec![GeneratedFile {
            name: "endpoint-service.yaml".into(),
            contents: cloudformation_endpoint_service(&o),
        }],
    };
    write_files(&output, &files)?;
    Ok(Exit::Success)
}
