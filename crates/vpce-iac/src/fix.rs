//! Fixes to existing endpoints (`fix-existing`): the route-table and subnet
//! associations they lack, and the settings a create-only module cannot
//! change, as instructions.
//!
//! Terraform has association resources for an endpoint it does not manage
//! (`aws_vpc_endpoint_route_table_association`,
//! `aws_vpc_endpoint_subnet_association`). CloudFormation has none: an
//! `AWS::EC2::VPCEndpoint` takes its `RouteTableIds` and `SubnetIds` only
//! when the stack manages the endpoint, so a template gets the
//! `aws ec2 modify-vpc-endpoint` commands as comments, and the same commands
//! are written as a script. Private DNS and the VPC's DNS attributes belong
//! to resources the module does not own: both languages get the command as a
//! comment.

use vpce_model::inventory::EndpointFix;
use vpce_model::{EndpointType, Recommendation, Report, ServiceUsage};

use crate::model::{Module, Name, Only, Resource, Value};
use crate::plan::{EndpointKind, IacOptions, Plan};
use crate::GeneratedFile;

/// What to change on one existing endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedFix {
    /// Short service name (`s3`).
    pub service: String,
    pub endpoint_id: String,
    pub kind: EndpointKind,
    pub vpc_id: String,
    /// Route tables to associate (gateway endpoint).
    pub route_table_ids: Vec<String>,
    /// Subnets to add (interface endpoint).
    pub subnet_ids: Vec<String>,
    pub private_dns_off: bool,
    /// VPC attributes to turn on (`enableDnsSupport`, `enableDnsHostnames`).
    pub vpc_dns_attributes_off: Vec<String>,
    /// The recommendation's figures and reasons.
    pub why: Vec<String>,
}

/// An AWS resource ID as the generated code may quote it: letters, digits
/// and dashes (anything else in a report is not an ID and is left out).
fn is_id(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The fixes of a report: its `fix-existing` services' endpoint fixes, and
/// for a report advised without them, the live inventory's fixes for
/// `exists` services with traffic through NAT. `--only` limits the services.
pub(crate) fn planned(report: &Report, region: &str, opts: &IacOptions) -> Vec<PlannedFix> {
    let inv = report.live.as_ref().map(|l| &l.inventory);
    let vpc_id = inv
        .map(|i| i.vpc.vpc_id.clone())
        .or_else(|| opts.vpc_id.clone())
        .unwrap_or_default();
    let mut out = Vec::new();
    for s in &report.services {
        if s.region.as_deref().is_some_and(|r| r != region)
            || (!opts.only.is_empty() && !opts.only.contains(&s.service))
        {
            continue;
        }
        let fixes: Vec<EndpointFix> = match s.recommendation {
            Some(Recommendation::FixExisting) => s.endpoint_fixes.clone(),
            Some(Recommendation::Exists) if s.bytes_via_nat > 0 => match (inv, s.endpoint_service_name.as_deref()) {
                (Some(inv), Some(name)) => inv.endpoint_fixes(name),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        out.extend(
            fixes
                .into_iter()
                .filter(|f| is_id(&f.endpoint_id))
                .map(|f| fix(s, f, &vpc_id)),
        );
    }
    out.sort_by(|a, b| {
        a.service
            .cmp(&b.service)
            .then_with(|| a.endpoint_id.cmp(&b.endpoint_id))
    });
    out
}

fn fix(s: &ServiceUsage, f: EndpointFix, vpc_id: &str) -> PlannedFix {
    let ids = |v: Vec<String>| v.into_iter().filter(|x| is_id(x)).collect::<Vec<_>>();
    let gateway = f.endpoint_type == Some(EndpointType::Gateway);
    let money = match (s.monthly_savings_usd, s.monthly_cost_now_usd) {
        (Some(v), _) if s.recommendation == Some(Recommendation::FixExisting) => {
            format!(": saves ${v:.2}/month of NAT processing")
        }
        (_, Some(now)) if gateway => format!(": saves up to ${now:.2}/month of NAT processing"),
        _ => String::new(),
    };
    let mut why = vec![format!("fix-existing {} for {}{money}", f.endpoint_id, s.service)];
    if !f.missing_route_table_ids.is_empty() {
        why.push(format!(
            "not associated with {} of subnets {} that route to NAT: their {} traffic goes through NAT",
            f.missing_route_table_ids.join(", "),
            f.subnets_bypassing.join(", "),
            s.service
        ));
    }
    if f.private_dns_off {
        why.push(format!(
            "private DNS is off: clients calling {}'s default names go through NAT",
            s.service
        ));
    }
    if !f.vpc_dns_attributes_off.is_empty() {
        why.push(format!(
            "{} off in the VPC: the endpoint's private DNS does not answer",
            f.vpc_dns_attributes_off.join(" and ")
        ));
    }
    if !f.missing_subnet_ids.is_empty() {
        why.push(format!(
            "no network interface in the AZs of {}: those clients cross AZs to reach it",
            f.missing_subnet_ids.join(", ")
        ));
    }
    PlannedFix {
        service: s.service.clone(),
        kind: if f.endpoint_type == Some(EndpointType::Gateway) {
            EndpointKind::Gateway
        } else {
            EndpointKind::Interface
        },
        vpc_id: vpc_id.to_string(),
        route_table_ids: ids(f.missing_route_table_ids),
        subnet_ids: ids(f.missing_subnet_ids),
        private_dns_off: f.private_dns_off,
        vpc_dns_attributes_off: f.vpc_dns_attributes_off,
        endpoint_id: f.endpoint_id,
        why,
    }
}

/// The `aws` CLI commands that apply a fix: the associations, private DNS,
/// and the VPC attributes.
fn commands(f: &PlannedFix) -> Vec<String> {
    let mut c = Vec::new();
    let id = &f.endpoint_id;
    if !f.route_table_ids.is_empty() {
        c.push(format!(
            "aws ec2 modify-vpc-endpoint --vpc-endpoint-id {id} --add-route-table-ids {}",
            f.route_table_ids.join(" ")
        ));
    }
    if !f.subnet_ids.is_empty() {
        c.push(format!(
            "aws ec2 modify-vpc-endpoint --vpc-endpoint-id {id} --add-subnet-ids {}",
            f.subnet_ids.join(" ")
        ));
    }
    let vpc = if is_id(&f.vpc_id) { f.vpc_id.as_str() } else { "VPC_ID" };
    for a in &f.vpc_dns_attributes_off {
        let flag = if a == "enableDnsSupport" {
            "--enable-dns-support"
        } else {
            "--enable-dns-hostnames"
        };
        c.push(format!(
            "aws ec2 modify-vpc-attribute --vpc-id {vpc} {flag} '{{\"Value\":true}}'"
        ));
    }
    if f.private_dns_off {
        c.push(format!(
            "aws ec2 modify-vpc-endpoint --vpc-endpoint-id {id} --private-dns-enabled"
        ));
    }
    c
}

/// Adds a plan's fixes to its module: Terraform association resources, and
/// every change as commented commands in both languages.
pub(crate) fn add_to(module: &mut Module, plan: &Plan) {
    if plan.fixes.is_empty() {
        return;
    }
    let mut tf = vec![
        "Fixes to existing endpoints (fix-existing): the associations below are Terraform resources;".to_string(),
        "changes to resources this module does not manage are commands to run once:".to_string(),
    ];
    let mut cfn = vec![
        "Fixes to existing endpoints (fix-existing): CloudFormation has no resource that associates route tables or subnets with an endpoint the stack does not manage; run these once (also in fix-existing-endpoints.sh):".to_string(),
    ];
    for f in &plan.fixes {
        let all = commands(f);
        cfn.extend(all.iter().map(|c| format!("  {c}")));
        tf.extend(
            all.iter()
                .filter(|c| !c.contains("--add-route-table-ids") && !c.contains("--add-subnet-ids"))
                .map(|c| format!("  {c}")),
        );
        module.resources.extend(associations(f));
    }
    if tf.len() > 2 {
        module.tf_comments.extend(tf);
    }
    module.cfn_comments.extend(cfn);
}

/// Terraform's association resources for one fix, one per route table or subnet.
fn associations(f: &PlannedFix) -> Vec<Resource> {
    let base: String = format!("fix_{}_{}", f.service, f.endpoint_id)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut out = Vec::new();
    let mut first = true;
    let pairs = f
        .route_table_ids
        .iter()
        .map(|r| (r, "route_table_id", "aws_vpc_endpoint_route_table_association"))
        .chain(
            f.subnet_ids
                .iter()
                .map(|s| (s, "subnet_id", "aws_vpc_endpoint_subnet_association")),
        );
    for (id, attr, kind) in pairs {
        let name = format!("{base}_{}", id.replace('-', "_"));
        let mut r = Resource::new(&name, Name::new(&name), (kind, "")).only(Only::Terraform);
        if first {
            let mut c = f.why.clone();
            c.push(format!(
                "warning: if {} is managed by Terraform elsewhere with its route_table_ids or subnet_ids set, add these there instead: the two would undo each other",
                f.endpoint_id
            ));
            r = r.comments(&c);
            first = false;
        }
        r.prop(Name::new("vpc_endpoint_id"), Value::str(&f.endpoint_id))
            .prop(Name::new(attr), Value::str(id));
        out.push(r);
    }
    out
}

/// The fixes as a shell script of `aws` commands (for CloudFormation users,
/// and anyone who prefers to apply them by hand); `None` without fixes.
pub fn fix_script(plan: &Plan) -> Option<GeneratedFile> {
    if plan.fixes.is_empty() {
        return None;
    }
    let mut s =
        String::from("#!/bin/sh\n# Fixes to existing VPC endpoints (generated by vpce-advisor): run once.\nset -eu\n");
    for f in &plan.fixes {
        s.push('\n');
        for w in &f.why {
            s.push_str(&format!("# {}\n", crate::model::comment_text(w)));
        }
        for c in commands(f) {
            if is_id(&plan.region) {
                s.push_str(&format!("{c} --region {}\n", plan.region));
            } else {
                s.push_str(&format!("{c}\n"));
            }
        }
    }
    Some(GeneratedFile {
        name: "fix-existing-endpoints.sh".into(),
        contents: s,
    })
}
