//! From a report to the endpoints to create.

use std::collections::BTreeMap;

use vpce_model::{EndpointType, Recommendation, Report, ServiceUsage};

/// Gateway or interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EndpointKind {
    Gateway,
    Interface,
}

/// The endpoint policy to attach where the service supports policies.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Policy {
    /// AWS's default: full access (no policy document is written).
    #[default]
    Full,
    /// Only principals of this AWS Organization (`aws:PrincipalOrgID`).
    Org(String),
    /// Only principals of this account (`aws:PrincipalAccount`).
    Account(String),
}

/// One endpoint to create.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedEndpoint {
    /// Short service name (`s3`, `ecr.dkr`).
    pub service: String,
    /// The endpoint service name with the Region replaced by `{region}`.
    pub service_name_template: String,
    pub kind: EndpointKind,
    pub private_dns: bool,
    /// S3 interface endpoint beside a gateway endpoint: private DNS answers only
    /// queries that come through an inbound Resolver endpoint.
    pub private_dns_only_for_inbound: bool,
    /// Attach the policy (the service supports endpoint policies).
    pub with_policy: bool,
    /// A resource identifier (`s3_gateway`, `ecr_dkr`).
    pub id: String,
    /// Why: the recommendation, the monthly figures and the main reasons.
    pub why: Vec<String>,
}

/// Everything the generators need.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub region: String,
    pub vpc_id: Option<String>,
    pub vpc_cidrs: Vec<String>,
    pub subnet_ids: Vec<String>,
    pub route_table_ids: Vec<String>,
    pub endpoints: Vec<PlannedEndpoint>,
    pub policy: Policy,
    pub tags: BTreeMap<String, String>,
    pub name_prefix: String,
    /// Where the numbers come from (`generator`, window, prices).
    pub provenance: String,
}

/// What the user chose.
#[derive(Clone, Debug, Default)]
pub struct IacOptions {
    pub vpc_id: Option<String>,
    pub vpc_cidrs: Vec<String>,
    pub subnet_ids: Vec<String>,
    pub route_table_ids: Vec<String>,
    /// Only these services (whatever their recommendation); empty: every
    /// create-gateway and create-interface recommendation.
    pub only: Vec<String>,
    pub policy: Policy,
    pub tags: BTreeMap<String, String>,
    pub name_prefix: String,
    /// Also create an S3 interface endpoint beside the gateway endpoint (for
    /// on-premises or peered clients).
    pub s3_interface: bool,
}

/// Why no plan could be made.
#[derive(Debug, thiserror::Error)]
pub enum IacError {
    #[error("the report has no Region (it was made without one; run analyze with --region)")]
    NoRegion,
    #[error("--only names services the report does not have: {}", .0.join(", "))]
    UnknownServices(Vec<String>),
    #[error("{service} has no VPC endpoint service: {reason}")]
    Unsupported { service: String, reason: String },
    #[error("nothing to create: no service in the report is recommended for an endpoint (see the report's recommendations, or name services with --only)")]
    Nothing,
}

fn ident(service: &str, kind: EndpointKind) -> String {
    let base: String = service
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    match (service, kind) {
        ("s3" | "dynamodb", EndpointKind::Gateway) => format!("{base}_gateway"),
        ("s3" | "dynamodb", EndpointKind::Interface) => format!("{base}_interface"),
        _ => base,
    }
}

/// Chooses the endpoints to create from a report's recommendations.
///
/// # Errors
/// No Region, unknown `--only` names, an unsupported service, or nothing to create.
pub fn plan_endpoints(report: &Report, opts: &IacOptions) -> Result<Plan, IacError> {
    let region = report_region(report).ok_or(IacError::NoRegion)?;
    let unknown: Vec<String> = opts
        .only
        .iter()
        .filter(|o| !report.services.iter().any(|s| &s.service == *o))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(IacError::UnknownServices(unknown));
    }
    let mut endpoints = Vec::new();
    for s in &report.services {
        let chosen = if opts.only.is_empty() {
            matches!(
                s.recommendation,
                Some(Recommendation::CreateGateway | Recommendation::CreateInterface)
            )
        } else {
            opts.only.contains(&s.service)
        };
        if !chosen || s.region.as_deref().is_some_and(|r| r != region) {
            continue;
        }
        endpoints.extend(planned(s, &region, opts)?);
    }
    if endpoints.is_empty() {
        return Err(IacError::Nothing);
    }
    endpoints.sort_by(|a, b| a.kind.cmp(&b.kind).then_with(|| a.id.cmp(&b.id)));
    let vpc_id = opts.vpc_id.clone().or_else(|| match report.network.vpcs.as_slice() {
        [one] => Some(one.vpc_id.clone()),
        _ => None,
    });
    let vpc_cidrs = if opts.vpc_cidrs.is_empty() {
        report.network.vpc_cidrs.clone()
    } else {
        opts.vpc_cidrs.clone()
    };
    let mut tags = BTreeMap::from([("ManagedBy".to_string(), "vpce-advisor".to_string())]);
    tags.extend(opts.tags.clone());
    Ok(Plan {
        region,
        vpc_id,
        vpc_cidrs,
        subnet_ids: opts.subnet_ids.clone(),
        route_table_ids: opts.route_table_ids.clone(),
        endpoints,
        policy: opts.policy.clone(),
        tags,
        name_prefix: if opts.name_prefix.is_empty() {
            "vpce-advisor".into()
        } else {
            opts.name_prefix.clone()
        },
        provenance: provenance(report),
    })
}

/// The Region the report was priced for, else that of its VPCs.
fn report_region(report: &Report) -> Option<String> {
    report
        .pricing
        .as_ref()
        .map(|p| p.region.clone())
        .or_else(|| report.network.vpcs.iter().find_map(|v| v.region.clone()))
}

/// Where the numbers come from: the generator, the window, the prices.
fn provenance(report: &Report) -> String {
    match &report.pricing {
        Some(p) => format!(
            "{} from {} h of logs ({} to {}), priced for {} as of {} ({} confidence), {} AZs",
            report.generator,
            report.window.hours,
            report.window.start.as_deref().unwrap_or("?"),
            report.window.end.as_deref().unwrap_or("?"),
            p.region,
            p.as_of,
            p.confidence,
            p.azs
        ),
        None => format!("{} from {} h of logs", report.generator, report.window.hours),
    }
}

/// Why: the recommendation with its monthly figures, and the main reasons.
fn why(s: &ServiceUsage) -> Vec<String> {
    let mut why = Vec::new();
    if let Some(rec) = s.recommendation {
        let money = match (
            s.monthly_cost_now_usd,
            s.monthly_cost_with_endpoint_usd,
            s.monthly_savings_usd,
        ) {
            (Some(now), Some(with), Some(sav)) => {
                format!(
                    ": {:.1} GB/month via NAT, ${now:.2}/month now, ${with:.2} with the endpoint, saves ${sav:.2}",
                    s.monthly_gb_via_nat.unwrap_or(0.0)
                )
            }
            _ => String::new(),
        };
        why.push(format!("{}{money}", rec.as_str()));
    }
    why.extend(s.reasons.iter().take(3).cloned());
    why
}

/// The endpoints one chosen service gets: its gateway endpoint (and the S3
/// interface endpoint beside it when asked), else its interface endpoint.
fn planned(s: &ServiceUsage, region: &str, opts: &IacOptions) -> Result<Vec<PlannedEndpoint>, IacError> {
    let Some(esn) = s.endpoint_service_name.clone() else {
        return Err(IacError::Unsupported {
            service: s.service.clone(),
            reason: s.reasons.first().cloned().unwrap_or_default(),
        });
    };
    let template = esn.replace(region, "{region}");
    let policy_ok = s.endpoint_policy_supported == Some(true);
    let endpoint = |kind, template: &str, private_dns, why| PlannedEndpoint {
        service: s.service.clone(),
        service_name_template: template.to_string(),
        kind,
        private_dns,
        private_dns_only_for_inbound: false,
        with_policy: policy_ok,
        id: ident(&s.service, kind),
        why,
    };
    if s.endpoint_types.contains(&EndpointType::Gateway) {
        let mut v = vec![endpoint(EndpointKind::Gateway, &template, false, why(s))];
        if s.service == "s3" && opts.s3_interface {
            let mut e = endpoint(EndpointKind::Interface, &template, true, vec![
                "S3 interface endpoint for on-premises and peered clients; in the VPC, S3 traffic keeps using the free gateway endpoint (private DNS only for the inbound Resolver endpoint)".into(),
            ]);
            e.private_dns_only_for_inbound = true;
            v.push(e);
        }
        Ok(v)
    } else if s.endpoint_types.contains(&EndpointType::Interface) {
        Ok(vec![endpoint(EndpointKind::Interface, &template, true, why(s))])
    } else {
        Err(IacError::Unsupported {
            service: s.service.clone(),
            reason: "the catalogue lists no endpoint type".into(),
        })
    }
}
