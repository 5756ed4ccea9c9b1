//! From a report to the endpoints to create.

use std::collections::BTreeMap;

use vpce_catalog::Catalog;
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
    /// On-premises (or peered) networks that reach the interface endpoints:
    /// admitted on 443 beside the VPC CIDRs, and on 53 by the optional
    /// inbound Resolver endpoint.
    pub client_cidrs: Vec<String>,
    pub subnet_ids: Vec<String>,
    /// With a live inventory, the subnets of each interface endpoint (by
    /// id): those in Availability Zones its service offers. An interface
    /// endpoint not listed is filtered when applied (Terraform) or named
    /// the constraint in a comment (CloudFormation).
    pub endpoint_subnets: BTreeMap<String, Vec<String>>,
    pub route_table_ids: Vec<String>,
    pub endpoints: Vec<PlannedEndpoint>,
    pub policy: Policy,
    pub tags: BTreeMap<String, String>,
    pub name_prefix: String,
    /// Where the numbers come from (`generator`, window, prices).
    pub provenance: String,
    /// Services named on the command line that were left out, and why (an
    /// endpoint of that kind already exists).
    pub notes: Vec<String>,
    /// Changes to existing endpoints (`fix-existing`).
    pub fixes: Vec<crate::fix::PlannedFix>,
}

/// What the user chose.
#[derive(Clone, Debug, Default)]
pub struct IacOptions {
    pub vpc_id: Option<String>,
    pub vpc_cidrs: Vec<String>,
    /// On-premises (or peered) networks that reach the interface endpoints
    /// (`--client-cidr`).
    pub client_cidrs: Vec<String>,
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
    /// Create endpoints for these services whatever their recommendation
    /// (a security choice), besides the others.
    pub require_private: Vec<String>,
}

/// Why no plan could be made.
#[derive(Debug, thiserror::Error)]
pub enum IacError {
    #[error("the report has no Region (it was made without one; run analyze with --region)")]
    NoRegion,
    #[error("--only/--require-private name services that neither the report nor the endpoint-service catalogue has: {}", .0.join(", "))]
    UnknownServices(Vec<String>),
    #[error("{service} has no VPC endpoint service: {reason}")]
    Unsupported { service: String, reason: String },
    #[error("nothing to create: no service in the report is recommended for an endpoint (see the report's recommendations, or name services with --only)")]
    Nothing,
    #[error("nothing to create: {}", .0.join("; "))]
    AllExist(Vec<String>),
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

/// Chooses the endpoints to create from a report's recommendations, the
/// services named with `--only` and `--require-private` (from the catalogue
/// when the report does not have them), leaving out the ones whose endpoint
/// already exists.
///
/// # Errors
/// No Region, unknown service names, an unsupported service, or nothing to create.
pub fn plan_endpoints(report: &Report, catalog: &Catalog, opts: &IacOptions) -> Result<Plan, IacError> {
    let region = report_region(report).ok_or(IacError::NoRegion)?;
    let in_region = |s: &ServiceUsage| s.region.as_deref().is_none_or(|r| r == region);
    let mut extra = Vec::new();
    let mut unknown = Vec::new();
    for name in opts.only.iter().chain(&opts.require_private) {
        if report.services.iter().any(|s| &s.service == name && in_region(s))
            || extra.iter().any(|s: &ServiceUsage| &s.service == name)
        {
            continue;
        }
        match from_catalog(catalog, name, &region) {
            Some(s) => extra.push(s),
            None if !unknown.contains(name) => unknown.push(name.clone()),
            None => {}
        }
    }
    if !unknown.is_empty() {
        return Err(IacError::UnknownServices(unknown));
    }
    let mut endpoints = Vec::new();
    let mut notes = Vec::new();
    for s in report.services.iter().filter(|s| in_region(s)).chain(&extra) {
        let recommended = matches!(
            s.recommendation,
            Some(Recommendation::CreateGateway | Recommendation::CreateInterface)
        );
        let required = opts.require_private.contains(&s.service);
        let chosen = required
            || if opts.only.is_empty() {
                recommended
            } else {
                opts.only.contains(&s.service)
            };
        if !chosen {
            continue;
        }
        for mut e in planned(s, catalog, &region, opts)? {
            if required && !recommended {
                e.why.insert(
                    0,
                    "required private by --require-private: a policy choice, whatever the cost".into(),
                );
            }
            match existing(report, s, &e, &region) {
                Some(note) => notes.push(note),
                None => endpoints.push(e),
            }
        }
    }
    let endpoint_subnets = offered_subnets(report, opts, &region, &mut endpoints, &mut notes);
    let fixes = crate::fix::planned(report, &region, opts);
    if endpoints.is_empty() && fixes.is_empty() {
        return Err(if notes.is_empty() {
            IacError::Nothing
        } else {
            IacError::AllExist(notes)
        });
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
        client_cidrs: opts.client_cidrs.clone(),
        subnet_ids: opts.subnet_ids.clone(),
        endpoint_subnets,
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
        notes,
        fixes,
    })
}

/// With a live inventory, the subnets each interface endpoint gets: those
/// in Availability Zones its service offers (DescribeVpcEndpointServices).
/// An endpoint whose service none of the subnets' AZs offers is left out
/// with a note (without subnets its private DNS would answer with nothing);
/// one that loses a subnet says so, and warns of the workload AZs left
/// without an endpoint interface. Endpoints whose service or subnets the
/// inventory does not know are not in the map.
fn offered_subnets(
    report: &Report,
    opts: &IacOptions,
    region: &str,
    endpoints: &mut Vec<PlannedEndpoint>,
    notes: &mut Vec<String>,
) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let Some(inv) = report.live.as_ref().map(|l| &l.inventory) else {
        return out;
    };
    let workload = inv.workload_azs();
    endpoints.retain_mut(|e| {
        if e.kind != EndpointKind::Interface {
            return true;
        }
        let name = e.service_name_template.replace("{region}", region);
        let Some(offered) = inv
            .services
            .iter()
            .find(|s| {
                s.service_name == name && s.types.contains(&EndpointType::Interface) && !s.availability_zones.is_empty()
            })
            .map(|s| &s.availability_zones)
        else {
            return true;
        };
        let Some(azs) = opts
            .subnet_ids
            .iter()
            .map(|id| inv.subnet(id).map(|s| (id.clone(), s.availability_zone.clone())))
            .collect::<Option<Vec<_>>>()
        else {
            return true;
        };
        let (kept, dropped): (Vec<_>, Vec<_>) = azs.into_iter().partition(|(_, az)| offered.contains(az));
        let ids = |v: &[(String, String)]| v.iter().map(|(id, az)| format!("{id} ({az})")).collect::<Vec<_>>().join(", ");
        if kept.is_empty() && !dropped.is_empty() {
            notes.push(format!(
                "{} left out: {name} is offered in {} only, and none of the subnets is there ({}); give a subnet in one of those Availability Zones",
                e.id,
                offered.join(", "),
                ids(&dropped)
            ));
            return false;
        }
        if !dropped.is_empty() {
            let mut line = format!(
                "subnets limited to the Availability Zones {name} offers ({}): {} left out",
                offered.join(", "),
                ids(&dropped)
            );
            let covered: Vec<&String> = kept.iter().map(|(_, az)| az).collect();
            let alone: Vec<&String> = workload.iter().filter(|az| !covered.contains(az)).collect();
            if !alone.is_empty() {
                line.push_str(&format!(
                    "; warning: workloads in {} reach it in another AZ (cross-AZ data transfer, and no endpoint of their own if that AZ fails)",
                    alone.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                ));
            }
            notes.push(format!("{}: {line}", e.id));
            e.why.push(line);
        }
        out.insert(e.id.clone(), kept.into_iter().map(|(id, _)| id).collect());
        true
    });
    out
}

/// A service the report does not have, as the catalogue describes it.
fn from_catalog(catalog: &Catalog, name: &str, region: &str) -> Option<ServiceUsage> {
    let entry = catalog.service(name)?;
    let mut s = ServiceUsage::empty(name, Some(region));
    s.endpoint_service_name = catalog.endpoint_service_name(name, Some(region));
    s.endpoint_types = entry.types.clone();
    s.endpoint_supported = !entry.types.is_empty();
    s.endpoint_policy_supported = entry.policy;
    s.reasons
        .push("named on the command line; the logs show no traffic to it".into());
    Some(s)
}

/// Why a planned endpoint must not be created: one of its kind already
/// serves the service in the VPC (a second gateway endpoint's routes, or a
/// second interface endpoint's private DNS domain, fail to apply).
fn existing(report: &Report, s: &ServiceUsage, e: &PlannedEndpoint, region: &str) -> Option<String> {
    let name = e.service_name_template.replace("{region}", region);
    let kind = match e.kind {
        EndpointKind::Gateway => EndpointType::Gateway,
        EndpointKind::Interface => EndpointType::Interface,
    };
    if let Some(live) = &report.live {
        let x = live
            .inventory
            .endpoints
            .iter()
            .find(|x| x.is_live() && x.service_name == name && x.endpoint_type == Some(kind))?;
        return match e.kind {
            EndpointKind::Gateway => Some(format!(
                "{} left out: {} is already a gateway endpoint for {name} in the VPC (associate more route tables with it instead)",
                e.id, x.endpoint_id
            )),
            EndpointKind::Interface if e.private_dns && x.private_dns_enabled != Some(false) => Some(format!(
                "{} left out: {} already serves {name} with private DNS; a second endpoint with private DNS fails to apply (its private DNS domain conflicts)",
                e.id, x.endpoint_id
            )),
            EndpointKind::Interface => None,
        };
    }
    if !s.endpoint_exists || (e.kind == EndpointKind::Interface && !e.private_dns) {
        return None;
    }
    let gateway = e.kind == EndpointKind::Gateway;
    let primary = s.endpoint_types.contains(&EndpointType::Gateway) == gateway;
    let evidence = s
        .endpoint_exists_evidence
        .iter()
        .find(|x| x.contains("gateway") == gateway)
        .cloned()
        .or_else(|| {
            (s.endpoint_exists_evidence.is_empty() && primary).then(|| "the report marks it as existing".to_string())
        })?;
    Some(format!(
        "{} left out: an endpoint for {name} already exists ({evidence}); a second one fails to apply",
        e.id
    ))
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

/// What changes for running clients when the endpoint is created (AWS's
/// operational warnings), as comment lines.
fn warnings(service: &str, kind: EndpointKind) -> Vec<String> {
    let mut w = Vec::new();
    if kind == EndpointKind::Gateway {
        w.push(format!(
            "warning: creating this gateway endpoint adds {service} prefix-list routes to the route tables; open TCP connections through the NAT gateway to those addresses are dropped (apply in a quiet period; clients must reconnect)"
        ));
    }
    w.push(format!(
        "warning: policies that allow {service} requests by aws:SourceIp (the NAT gateway's public address) stop matching once traffic goes through the endpoint; condition on aws:SourceVpce or aws:SourceVpc instead"
    ));
    w
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
fn planned(
    s: &ServiceUsage,
    catalog: &Catalog,
    region: &str,
    opts: &IacOptions,
) -> Result<Vec<PlannedEndpoint>, IacError> {
    let Some(esn) = s.endpoint_service_name.clone() else {
        return Err(IacError::Unsupported {
            service: s.service.clone(),
            reason: s.reasons.first().cloned().unwrap_or_default(),
        });
    };
    let template = esn.replace(region, "{region}");
    let policy_ok = s.endpoint_policy_supported == Some(true);
    let endpoint = |kind, template: &str, private_dns, mut why: Vec<String>| {
        why.extend(warnings(&s.service, kind));
        PlannedEndpoint {
            service: s.service.clone(),
            service_name_template: template.to_string(),
            kind,
            private_dns,
            private_dns_only_for_inbound: false,
            with_policy: policy_ok,
            id: ident(&s.service, kind),
            why,
        }
    };
    if s.endpoint_types.contains(&EndpointType::Gateway) {
        let mut v = vec![endpoint(EndpointKind::Gateway, &template, false, why(s))];
        if s.service == "s3" && opts.s3_interface {
            // Its own name where the Region names interface endpoints
            // differently (China: cn.com.amazonaws.<region>.s3).
            let name = catalog
                .interface_endpoint_service_name("s3", Some(region))
                .map_or_else(|| template.clone(), |n| n.replace(region, "{region}"));
            let mut e = endpoint(EndpointKind::Interface, &name, true, vec![
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
