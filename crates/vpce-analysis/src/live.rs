//! What the AWS APIs add to an analysis: endpoints that exist (by state, not
//! just by name), the Region's own endpoint-service list, and the preflight
//! checks of the AWS PrivateLink prerequisites ([`CHECKS`], one function
//! each). Pure: the AWS shell fills an [`Inventory`]; everything here reads it.

use std::collections::BTreeMap;

use vpce_model::inventory::{EndpointInfo, EndpointServiceInfo, Inventory};
use vpce_model::{EndpointType, Live, Report, ServiceUsage};

mod checks;

pub use checks::{nacl_allows, preflight, sg_allows, Check, CHECKS, INTERFACE_ENDPOINTS_PER_VPC};

/// Adds the inventory to a report built from the logs: which endpoints exist
/// and what the Region offers. Run before [`crate::advise`] so that the
/// recommendations see it. The findings stay empty: [`attach_preflight`]
/// fills them.
pub fn apply_inventory(report: &mut Report, inv: Inventory) {
    let live_services: BTreeMap<&str, &EndpointServiceInfo> =
        inv.services.iter().map(|s| (s.service_name.as_str(), s)).collect();
    let workload_rts = inv.workload_route_tables();
    for s in report.services.iter_mut() {
        let Some(name) = s.endpoint_service_name.clone() else {
            continue;
        };
        if !inv.services.is_empty() {
            apply_service_list(s, &name, live_services.get(name.as_str()).copied(), &inv.region);
        }
        apply_endpoints(s, &name, &inv, &workload_rts);
    }
    report.live = Some(Live {
        inventory: inv,
        findings: Vec::new(),
    });
}

/// Runs [`preflight`] on the report's inventory (if it has one), with the
/// report's recommendations, and stores the findings in the report.
pub fn attach_preflight(report: &mut Report) {
    let Some(live) = &report.live else { return };
    let findings = preflight(&live.inventory, Some(report));
    if let Some(live) = report.live.as_mut() {
        live.findings = findings;
    }
}

/// What `DescribeVpcEndpointServices` says about one service decides whether
/// it has an endpoint here and of which types (over the embedded catalogue).
/// `listed` is its entry, `None` when the Region's list lacks it.
fn apply_service_list(s: &mut ServiceUsage, name: &str, listed: Option<&EndpointServiceInfo>, region: &str) {
    match listed {
        Some(svc) => {
            if !s.endpoint_supported || (!svc.types.is_empty() && svc.types != s.endpoint_types) {
                s.notes.push(format!(
                    "DescribeVpcEndpointServices lists {name} with {} endpoints (the embedded catalogue said {})",
                    types(&svc.types),
                    if s.endpoint_supported {
                        types(&s.endpoint_types)
                    } else {
                        "not supported".into()
                    }
                ));
            }
            s.endpoint_supported = true;
            if !svc.types.is_empty() {
                s.endpoint_types = svc.types.clone();
            }
            if svc.policy_supported.is_some() {
                s.endpoint_policy_supported = svc.policy_supported;
            }
        }
        None if s.region.as_deref() == Some(region) => {
            if s.endpoint_supported {
                s.notes.push(format!(
                    "{name} is not in DescribeVpcEndpointServices for {region}: not offered there (yet)"
                ));
            }
            s.endpoint_supported = false;
            s.endpoint_types.clear();
        }
        None => {}
    }
}

/// The VPC's endpoints for one service decide whether one exists (a live one
/// in this VPC), with evidence, and note the ones that do not carry all the
/// traffic they could.
fn apply_endpoints(s: &mut ServiceUsage, name: &str, inv: &Inventory, workload_rts: &[String]) {
    let mut live_here = false;
    for e in inv.endpoints.iter().filter(|e| e.service_name == name) {
        if e.is_live() {
            live_here = true;
            s.endpoint_exists_evidence.push(format!(
                "{} ({}, {}) in {}",
                e.endpoint_id,
                e.endpoint_type.map(type_name).unwrap_or("unknown type"),
                e.state.to_ascii_lowercase(),
                inv.vpc.vpc_id
            ));
            note_partial_coverage(s, e, workload_rts);
        } else {
            s.notes.push(format!(
                "{} is {}: it carries no traffic",
                e.endpoint_id,
                e.state.to_ascii_lowercase()
            ));
        }
    }
    if live_here {
        s.endpoint_exists = true;
    } else if s.endpoint_exists {
        s.notes.push(format!(
            "no endpoint for {name} in {}: the evidence points to a shared or centralised endpoint",
            inv.vpc.vpc_id
        ));
    }
    s.endpoint_exists_evidence.sort();
    s.endpoint_exists_evidence.dedup();
}

/// Notes on a live endpoint that leaves some traffic on NAT: a gateway
/// endpoint missing from workload route tables, an interface endpoint with
/// private DNS off.
fn note_partial_coverage(s: &mut ServiceUsage, e: &EndpointInfo, workload_rts: &[String]) {
    if e.endpoint_type == Some(EndpointType::Gateway) {
        let missing = e.missing_route_tables(workload_rts);
        if !missing.is_empty() {
            s.notes.push(format!(
                "{} is not associated with {}: subnets using {} still reach {} through NAT",
                e.endpoint_id,
                join(&missing),
                if missing.len() == 1 { "it" } else { "them" },
                s.service
            ));
        }
    }
    if e.endpoint_type == Some(EndpointType::Interface) && e.private_dns_enabled == Some(false) {
        s.notes.push(format!(
            "{} has private DNS off: only clients that use its own DNS names reach it; the others still go through NAT",
            e.endpoint_id
        ));
    }
}

fn types(t: &[EndpointType]) -> String {
    if t.is_empty() {
        return "no".into();
    }
    t.iter().map(|t| type_name(*t)).collect::<Vec<_>>().join("/")
}

fn type_name(t: EndpointType) -> &'static str {
    match t {
        EndpointType::Gateway => "gateway",
        EndpointType::Interface => "interface",
    }
}

fn join(items: &[&String]) -> String {
    items.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::checks::fixture::inventory;
    use super::*;

    #[test]
    fn inventory_decides_existence_by_state() {
        use crate::advise::tests::{report, service};
        let mut report = report(
            "us-east-1",
            24.0,
            &[],
            vec![
                service("logs", &[EndpointType::Interface], 1),
                service("sts", &[EndpointType::Interface], 1),
                service("s3", &[EndpointType::Gateway, EndpointType::Interface], 1),
            ],
        );
        let mut inv = inventory();
        inv.services = vec![EndpointServiceInfo {
            service_name: "com.amazonaws.us-east-1.logs".into(),
            types: vec![EndpointType::Interface],
            policy_supported: Some(true),
            ..Default::default()
        }];
        apply_inventory(&mut report, inv);
        let get = |n: &str| report.services.iter().find(|s| s.service == n).unwrap();
        assert!(get("logs").endpoint_exists);
        assert!(get("logs").endpoint_exists_evidence[0].starts_with("vpce-logs (interface, available)"));
        assert!(!get("sts").endpoint_exists, "a rejected endpoint does not exist");
        assert!(get("sts").notes.iter().any(|n| n.contains("rejected")));
        assert!(!get("sts").endpoint_supported, "not in the live service list");
        assert!(get("s3").endpoint_exists);
        assert!(get("s3").notes.iter().any(|n| n.contains("rtb-private")));
        assert!(
            report.live.as_ref().unwrap().findings.is_empty(),
            "applying the inventory runs no check"
        );
        attach_preflight(&mut report);
        let live = report.live.as_ref().unwrap();
        assert_eq!(live.findings, preflight(&live.inventory, Some(&report)));
        assert!(live.findings.iter().any(|f| f.check == "dns-hostnames"));
    }

    #[test]
    fn attach_preflight_without_inventory_does_nothing() {
        let mut r = crate::advise::tests::report("us-east-1", 24.0, &[], vec![]);
        attach_preflight(&mut r);
        assert!(r.live.is_none());
    }

    #[test]
    fn service_list_overrides_the_catalogue() {
        use crate::advise::tests::service;
        let mut s = service("logs", &[EndpointType::Interface], 1);
        let listed = EndpointServiceInfo {
            service_name: "com.amazonaws.us-east-1.logs".into(),
            types: vec![EndpointType::Interface, EndpointType::Gateway],
            policy_supported: Some(false),
            ..Default::default()
        };
        apply_service_list(&mut s, "com.amazonaws.us-east-1.logs", Some(&listed), "us-east-1");
        assert_eq!(s.endpoint_types, listed.types);
        assert_eq!(s.endpoint_policy_supported, Some(false));
        assert!(s.notes[0].contains("with interface/gateway endpoints (the embedded catalogue said interface)"));

        let mut s = service("logs", &[EndpointType::Interface], 1);
        apply_service_list(&mut s, "com.amazonaws.us-east-1.logs", None, "us-east-1");
        assert!(!s.endpoint_supported && s.endpoint_types.is_empty());
        assert!(s.notes[0].contains("not offered there"));

        let mut s = service("logs", &[EndpointType::Interface], 1);
        apply_service_list(&mut s, "com.amazonaws.us-east-1.logs", None, "eu-west-1");
        assert!(
            s.endpoint_supported && s.notes.is_empty(),
            "another Region's list says nothing about it"
        );
    }

    #[test]
    fn endpoints_elsewhere_and_private_dns_off_are_noted() {
        use crate::advise::tests::service;
        let mut inv = inventory();
        inv.endpoints[0].private_dns_enabled = Some(false);
        let mut logs = service("logs", &[EndpointType::Interface], 1);
        apply_endpoints(
            &mut logs,
            "com.amazonaws.us-east-1.logs",
            &inv,
            &inv.workload_route_tables(),
        );
        assert!(logs.endpoint_exists);
        assert!(logs.notes.iter().any(|n| n.contains("vpce-logs has private DNS off")));

        let mut shared = ServiceUsage {
            endpoint_exists: true,
            endpoint_exists_evidence: vec!["private DNS answers".into()],
            ..service("ssm", &[EndpointType::Interface], 1)
        };
        apply_endpoints(&mut shared, "com.amazonaws.us-east-1.ssm", &inv, &[]);
        assert!(shared.endpoint_exists, "the logs' evidence stands");
        assert!(shared.notes[0].contains("shared or centralised endpoint"));
    }
}
