//! What the AWS APIs add to an analysis: endpoints that exist (by state, not
//! just by name), the Region's own endpoint-service list, and the preflight
//! checks of the AWS PrivateLink prerequisites. Pure: the AWS shell fills an
//! [`Inventory`]; everything here reads it.

use std::collections::{BTreeMap, BTreeSet};

use vpce_model::inventory::{EndpointInfo, Finding, Inventory, NaclEntry, SecurityGroupInfo, Severity, SgRule};
use vpce_model::{EndpointType, Live, Recommendation, Report};

use crate::net::Cidr;

/// Default quota "Interface and Gateway Load Balancer endpoints per VPC"
/// (Service Quotas code L-29B6F2EB).
pub const INTERFACE_ENDPOINTS_PER_VPC: usize = 50;

/// Ephemeral ports that replies go to: the Linux default range, which the
/// Windows range (49152–65535) mostly overlaps.
const EPHEMERAL: (i32, i32) = (32768, 60999);

/// The subnets whose default route goes to a NAT gateway: where the workloads
/// that pay for NAT run.
pub fn workload_subnets(inv: &Inventory) -> Vec<&vpce_model::inventory::SubnetInfo> {
    inv.subnets.iter().filter(|s| s.default_route_nat.is_some()).collect()
}

/// The Availability Zones of the workload subnets, by zone name.
pub fn workload_azs(inv: &Inventory) -> BTreeSet<String> {
    workload_subnets(inv)
        .into_iter()
        .map(|s| s.availability_zone.clone())
        .collect()
}

/// One subnet per workload AZ (the first by ID), for new interface endpoints.
pub fn endpoint_subnets(inv: &Inventory) -> Vec<String> {
    let mut by_az: BTreeMap<&str, &str> = BTreeMap::new();
    let mut subnets = workload_subnets(inv);
    if subnets.is_empty() {
        subnets = inv.subnets.iter().collect();
    }
    for s in subnets {
        let e = by_az.entry(&s.availability_zone).or_insert(&s.subnet_id);
        if s.subnet_id.as_str() < *e {
            *e = &s.subnet_id;
        }
    }
    by_az.into_values().map(str::to_string).collect()
}

/// The route tables of the workload subnets, for gateway endpoints.
pub fn workload_route_tables(inv: &Inventory) -> Vec<String> {
    workload_subnets(inv)
        .into_iter()
        .filter_map(|s| s.route_table_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// The workload route tables a gateway endpoint is not associated with.
fn unassociated<'a>(e: &EndpointInfo, route_tables: &'a [String]) -> Vec<&'a String> {
    route_tables.iter().filter(|r| !e.route_table_ids.contains(r)).collect()
}

/// Adds the inventory to a report built from the logs: which endpoints exist,
/// what the Region offers, and the preflight findings. Run before [`crate::advise`]
/// so that the recommendations see it.
pub fn apply_inventory(report: &mut Report, inv: Inventory) {
    let live_services: BTreeMap<&str, &vpce_model::inventory::EndpointServiceInfo> =
        inv.services.iter().map(|s| (s.service_name.as_str(), s)).collect();
    let workload_rts = workload_route_tables(&inv);
    for s in report.services.iter_mut() {
        let Some(name) = s.endpoint_service_name.clone() else {
            continue;
        };
        if !inv.services.is_empty() {
            match live_services.get(name.as_str()) {
                Some(svc) => {
                    if !s.endpoint_supported || (!svc.types.is_empty() && svc.types != s.endpoint_types) {
                        s.notes.push(format!(
                            "DescribeVpcEndpointServices lists {name} with {} endpoints (the embedded catalogue said {})",
                            types(&svc.types),
                            if s.endpoint_supported { types(&s.endpoint_types) } else { "not supported".into() }
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
                None if s.region.as_deref() == Some(inv.region.as_str()) => {
                    if s.endpoint_supported {
                        s.notes.push(format!(
                            "{name} is not in DescribeVpcEndpointServices for {}: not offered there (yet)",
                            inv.region
                        ));
                    }
                    s.endpoint_supported = false;
                    s.endpoint_types.clear();
                }
                None => {}
            }
        }
        let mine: Vec<&EndpointInfo> = inv.endpoints.iter().filter(|e| e.service_name == name).collect();
        let mut live_here = false;
        for e in &mine {
            if e.is_live() {
                live_here = true;
                s.endpoint_exists_evidence.push(format!(
                    "{} ({}, {}) in {}",
                    e.endpoint_id,
                    e.endpoint_type.map(type_name).unwrap_or("unknown type"),
                    e.state.to_ascii_lowercase(),
                    inv.vpc.vpc_id
                ));
                if e.endpoint_type == Some(EndpointType::Gateway) {
                    let missing = unassociated(e, &workload_rts);
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
    let findings = preflight(&inv, Some(report));
    report.live = Some(Live {
        inventory: inv,
        findings,
    });
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

fn cidr(s: &Option<String>) -> Option<Cidr> {
    s.as_deref().and_then(|c| c.parse().ok())
}

/// Checks the prerequisites for interface and gateway endpoints in the
/// inventory's VPC. `report` (when given) says which endpoints are
/// recommended, for the quota and AZ checks. Errors first.
pub fn preflight(inv: &Inventory, report: Option<&Report>) -> Vec<Finding> {
    let mut out = Vec::new();
    let vpc = &inv.vpc.vpc_id;
    let modify = |attr: &str| {
        format!("aws ec2 modify-vpc-attribute --vpc-id {vpc} --{attr} '{{\"Value\":true}}' (one attribute per call)")
    };
    match inv.vpc.enable_dns_support {
        Some(false) => out.push(Finding::new(
            Severity::Error,
            "dns-support",
            vpc,
            "DNS resolution is off: the VPC cannot resolve endpoint names, and private DNS for interface endpoints does not work".into(),
            modify("enable-dns-support"),
        )),
        None => out.push(unknown("dns-support", vpc, "ec2:DescribeVpcAttribute")),
        Some(true) => {}
    }
    match inv.vpc.enable_dns_hostnames {
        Some(false) => out.push(Finding::new(
            Severity::Error,
            "dns-hostnames",
            vpc,
            "DNS hostnames are off: interface endpoints cannot have private DNS, so clients keep resolving public addresses and going through NAT".into(),
            modify("enable-dns-hostnames"),
        )),
        None => out.push(unknown("dns-hostnames", vpc, "ec2:DescribeVpcAttribute")),
        Some(true) => {}
    }

    let workloads = workload_subnets(inv);
    let azs = workload_azs(inv);
    if workloads.is_empty() {
        out.push(Finding::new(
            Severity::Info,
            "nat-routes",
            vpc,
            "no subnet routes 0.0.0.0/0 to a NAT gateway: nothing in this VPC pays NAT processing".into(),
            "none needed; check the VPC ID, or a Transit Gateway to a central egress VPC (analyse that VPC)".into(),
        ));
    }
    for n in &inv.nat_gateways {
        if n.state != "available" && n.state != "pending" {
            continue;
        }
        if !workloads
            .iter()
            .any(|s| s.default_route_nat.as_deref() == Some(n.nat_gateway_id.as_str()))
        {
            out.push(Finding::new(
                Severity::Info,
                "nat-unused",
                &n.nat_gateway_id,
                "no subnet of this VPC routes 0.0.0.0/0 to this NAT gateway".into(),
                "none needed if other VPCs use it through a Transit Gateway; otherwise it costs its hourly charge for nothing".into(),
            ));
        }
    }

    // Endpoint states and private DNS.
    for e in &inv.endpoints {
        if !e.is_live() {
            out.push(Finding::new(
                Severity::Warning,
                "endpoint-state",
                &e.endpoint_id,
                format!(
                    "{} endpoint for {} is {}: it carries no traffic",
                    kind(e),
                    e.service_name,
                    e.state
                ),
                if e.state.eq_ignore_ascii_case("pendingAcceptance") {
                    "ask the service owner to accept the connection".into()
                } else {
                    format!(
                        "delete it (aws ec2 delete-vpc-endpoints --vpc-endpoint-ids {}) and create it again",
                        e.endpoint_id
                    )
                },
            ));
        } else if e.endpoint_type == Some(EndpointType::Interface)
            && e.private_dns_enabled == Some(false)
            && e.service_name.starts_with("com.amazonaws.")
        {
            out.push(Finding::new(
                Severity::Warning,
                "private-dns",
                &e.endpoint_id,
                format!(
                    "private DNS is off for {}: clients resolving the service's regional name still go through NAT",
                    e.service_name
                ),
                format!(
                    "aws ec2 modify-vpc-endpoint --vpc-endpoint-id {} --private-dns-enabled",
                    e.endpoint_id
                ),
            ));
        }
    }

    // Interface endpoints: one subnet per workload AZ, security groups, NACLs.
    let subnet = |id: &str| inv.subnets.iter().find(|s| s.subnet_id == id);
    let live_interfaces: Vec<&EndpointInfo> = inv
        .endpoints
        .iter()
        .filter(|e| e.is_live() && e.endpoint_type == Some(EndpointType::Interface))
        .collect();
    for e in &live_interfaces {
        let have: BTreeSet<&str> = e
            .subnet_ids
            .iter()
            .filter_map(|id| subnet(id))
            .map(|s| s.availability_zone.as_str())
            .collect();
        for az in azs.iter().filter(|az| !have.contains(az.as_str())) {
            let candidate = workloads
                .iter()
                .filter(|s| &s.availability_zone == az)
                .map(|s| s.subnet_id.as_str())
                .min()
                .unwrap_or("<subnet in that AZ>");
            out.push(Finding::new(
                Severity::Warning,
                "endpoint-az",
                &e.endpoint_id,
                format!("workloads in {az} reach {} in another AZ (cross-AZ data transfer both ways, and an AZ failure cuts them off)", e.service_name),
                format!("aws ec2 modify-vpc-endpoint --vpc-endpoint-id {} --add-subnet-ids {candidate}", e.endpoint_id),
            ));
        }
    }
    let vpc_cidrs: Vec<Cidr> = inv.vpc.cidrs.iter().filter_map(|c| c.parse().ok()).collect();
    let workload_cidrs: Vec<(String, Cidr)> = workloads
        .iter()
        .filter_map(|s| cidr(&s.cidr).map(|c| (s.subnet_id.clone(), c)))
        .collect();
    for e in &live_interfaces {
        let groups: Vec<&SecurityGroupInfo> = inv
            .security_groups
            .iter()
            .filter(|g| e.security_group_ids.contains(&g.group_id))
            .collect();
        if groups.len() < e.security_group_ids.len() {
            continue; // not readable: reported as an inventory gap
        }
        let blocked: Vec<&String> = workload_cidrs
            .iter()
            .filter(|(_, c)| !groups.iter().any(|g| sg_allows(&g.ingress, 443, c)))
            .map(|(id, _)| id)
            .collect();
        if !blocked.is_empty() {
            let sg = e.security_group_ids.first().map(String::as_str).unwrap_or("<sg>");
            let from = inv.vpc.cidrs.first().map(String::as_str).unwrap_or("<vpc cidr>");
            out.push(Finding::new(
                Severity::Error,
                "endpoint-security-group",
                &e.endpoint_id,
                format!(
                    "the security groups of the {} endpoint ({}) do not let {} reach TCP 443",
                    e.service_name,
                    e.security_group_ids.join(", "),
                    join(&blocked)
                ),
                format!(
                    "aws ec2 authorize-security-group-ingress --group-id {sg} --protocol tcp --port 443 --cidr {from}"
                ),
            ));
        }
    }
    let endpoint_sgs: BTreeSet<&str> = live_interfaces
        .iter()
        .flat_map(|e| e.security_group_ids.iter().map(String::as_str))
        .collect();
    if let Some(vpc_cidr) = vpc_cidrs.first() {
        for g in &inv.security_groups {
            if endpoint_sgs.contains(g.group_id.as_str()) {
                continue;
            }
            if !sg_allows(&g.egress, 443, vpc_cidr)
                && !g
                    .egress
                    .iter()
                    .any(|r| !r.groups.is_empty() || !r.prefix_lists.is_empty())
            {
                out.push(Finding::new(
                    Severity::Warning,
                    "workload-egress",
                    &g.group_id,
                    format!(
                        "security group {}{} allows no outbound TCP 443 to the VPC ({vpc_cidr}): instances that use only it cannot reach interface endpoints",
                        g.group_id,
                        g.group_name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default()
                    ),
                    format!("aws ec2 authorize-security-group-egress --group-id {} --protocol tcp --port 443 --cidr {vpc_cidr}", g.group_id),
                ));
            }
        }
    }

    // NACLs between the workload subnets and the endpoint subnets (existing
    // endpoints' subnets, else the ones new endpoints would use).
    let mut endpoint_subnet_ids: BTreeSet<String> = live_interfaces
        .iter()
        .flat_map(|e| e.subnet_ids.iter().cloned())
        .collect();
    if endpoint_subnet_ids.is_empty() {
        endpoint_subnet_ids = endpoint_subnets(inv).into_iter().collect();
    }
    let nacl_of = |subnet_id: &str| {
        inv.network_acls
            .iter()
            .find(|n| n.subnet_ids.iter().any(|s| s == subnet_id))
            .or_else(|| inv.network_acls.iter().find(|n| n.default))
    };
    let mut seen = BTreeSet::new();
    for w in &workloads {
        let Some(wc) = cidr(&w.cidr) else { continue };
        for eid in &endpoint_subnet_ids {
            let Some(es) = subnet(eid) else { continue };
            let Some(ec) = cidr(&es.cidr) else { continue };
            let (Some(wn), Some(en)) = (nacl_of(&w.subnet_id), nacl_of(eid)) else {
                continue;
            };
            let checks = [
                (wn, true, (443, 443), ec, "outbound TCP 443 to", eid.as_str()),
                (
                    wn,
                    false,
                    EPHEMERAL,
                    ec,
                    "inbound replies (TCP 32768-60999) from",
                    eid.as_str(),
                ),
                (en, false, (443, 443), wc, "inbound TCP 443 from", w.subnet_id.as_str()),
                (
                    en,
                    true,
                    EPHEMERAL,
                    wc,
                    "outbound replies (TCP 32768-60999) to",
                    w.subnet_id.as_str(),
                ),
            ];
            for (nacl, egress, ports, peer, what, peer_id) in checks {
                if nacl_allows(&nacl.entries, egress, ports, &peer) {
                    continue;
                }
                if !seen.insert((nacl.network_acl_id.clone(), egress, ports, peer)) {
                    continue;
                }
                out.push(Finding::new(
                    Severity::Error,
                    "network-acl",
                    &nacl.network_acl_id,
                    format!("network ACL {} blocks {what} {peer_id} ({peer}): workloads cannot use endpoints there", nacl.network_acl_id),
                    format!(
                        "aws ec2 create-network-acl-entry --network-acl-id {} {} --rule-number <free number below the deny> --protocol tcp --port-range From={},To={} --cidr-block {peer} --rule-action allow",
                        nacl.network_acl_id,
                        if egress { "--egress" } else { "--ingress" },
                        ports.0,
                        if ports.1 == EPHEMERAL.1 { 65535 } else { ports.1 }
                    ),
                ));
            }
        }
    }

    // Gateway endpoints must be in every workload route table.
    let rts = workload_route_tables(inv);
    for e in inv
        .endpoints
        .iter()
        .filter(|e| e.is_live() && e.endpoint_type == Some(EndpointType::Gateway))
    {
        let missing = unassociated(e, &rts);
        if !missing.is_empty() {
            out.push(Finding::new(
                Severity::Warning,
                "gateway-route-tables",
                &e.endpoint_id,
                format!(
                    "gateway endpoint for {} is not in route table{} {}, used by subnets that route to NAT: their traffic to it still pays NAT processing",
                    e.service_name,
                    if missing.len() == 1 { "" } else { "s" },
                    join(&missing)
                ),
                format!(
                    "aws ec2 modify-vpc-endpoint --vpc-endpoint-id {} --add-route-table-ids {}",
                    e.endpoint_id,
                    missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
                ),
            ));
        }
    }

    // Quota and AZ offer for the recommended interface endpoints.
    if let Some(r) = report {
        let recommended: Vec<&vpce_model::ServiceUsage> = r
            .services
            .iter()
            .filter(|s| s.recommendation == Some(Recommendation::CreateInterface))
            .collect();
        let existing = live_interfaces.len();
        let total = existing + recommended.len();
        if total > 0 {
            let (sev, msg) = if total > INTERFACE_ENDPOINTS_PER_VPC {
                (Severity::Error, "over")
            } else if total * 5 >= INTERFACE_ENDPOINTS_PER_VPC * 4 {
                (Severity::Warning, "close to")
            } else {
                (Severity::Info, "within")
            };
            out.push(Finding::new(
                sev,
                "endpoint-quota",
                vpc,
                format!(
                    "{existing} interface endpoint{} exist{} and {} more {} recommended: {total}, {msg} the default quota of {INTERFACE_ENDPOINTS_PER_VPC} per VPC",
                    if existing == 1 { "" } else { "s" },
                    if existing == 1 { "s" } else { "" },
                    recommended.len(),
                    if recommended.len() == 1 { "is" } else { "are" }
                ),
                if sev == Severity::Info {
                    "none needed".into()
                } else {
                    "request more in Service Quotas (Amazon VPC, code L-29B6F2EB), or share endpoints from a central VPC".into()
                },
            ));
        }
        for s in &recommended {
            let Some(name) = &s.endpoint_service_name else { continue };
            let Some(svc) = inv.services.iter().find(|x| &x.service_name == name) else {
                continue;
            };
            if svc.availability_zones.is_empty() {
                continue;
            }
            for az in azs.iter().filter(|az| !svc.availability_zones.contains(az)) {
                out.push(Finding::new(
                    Severity::Warning,
                    "service-az",
                    name,
                    format!("{name} is not offered in {az}, where workloads run: they would reach it in another AZ"),
                    "none possible in this AZ; the cost estimate already assumes cross-AZ transfer for it".into(),
                ));
            }
        }
    }

    for gap in &inv.gaps {
        out.push(Finding::new(
            Severity::Warning,
            "inventory",
            vpc,
            format!("a check could not run: {gap}"),
            "grant the action (vpce-advisor iam-policy prints the whole policy) and run again".into(),
        ));
    }
    out.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| a.check.cmp(&b.check))
            .then_with(|| a.resource.cmp(&b.resource))
    });
    out
}

fn unknown(check: &str, vpc: &str, action: &str) -> Finding {
    Finding::new(
        Severity::Warning,
        check,
        vpc,
        format!("could not read the VPC attribute ({action} failed)"),
        format!("grant {action}"),
    )
}

fn kind(e: &EndpointInfo) -> &'static str {
    e.endpoint_type.map(type_name).unwrap_or("an")
}

/// Whether any rule allows TCP `port` from (or to) every address of `peer`.
/// Rules that name security groups or prefix lists are not evaluated.
pub fn sg_allows(rules: &[SgRule], port: i32, peer: &Cidr) -> bool {
    rules.iter().any(|r| {
        let proto = r.protocol == "-1" || r.protocol.eq_ignore_ascii_case("tcp") || r.protocol == "6";
        let ports = r.protocol == "-1"
            || (r.from_port.unwrap_or(0) <= port && r.to_port.unwrap_or(65535) >= port)
            || (r.from_port == Some(-1));
        proto
            && ports
            && r.cidrs
                .iter()
                .filter_map(|c| c.parse::<Cidr>().ok())
                .any(|c| c.covers(peer))
    })
}

/// Evaluates network ACL entries in rule-number order for TCP traffic to the
/// ports `ports` and the network `peer`: the first entry that matches decides,
/// and no match is the implicit deny. An allow only counts when it covers all
/// of `peer` and of `ports`.
pub fn nacl_allows(entries: &[NaclEntry], egress: bool, ports: (i32, i32), peer: &Cidr) -> bool {
    let mut rules: Vec<&NaclEntry> = entries.iter().filter(|e| e.egress == egress).collect();
    rules.sort_by_key(|e| e.rule_number);
    for e in rules {
        let proto = e.protocol == "-1" || e.protocol == "6" || e.protocol.eq_ignore_ascii_case("tcp");
        if !proto {
            continue;
        }
        let Some(c) = cidr(&e.cidr) else { continue };
        let (lo, hi) = if e.protocol == "-1" {
            (0, 65535)
        } else {
            (e.port_from.unwrap_or(0), e.port_to.unwrap_or(65535))
        };
        if !c.overlaps(peer) || hi < ports.0 || lo > ports.1 {
            continue;
        }
        return e.allow && c.covers(peer) && lo <= ports.0 && hi >= ports.1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use vpce_model::inventory::*;

    fn nacl_entry(n: i32, egress: bool, proto: &str, allow: bool, cidr: &str, ports: Option<(i32, i32)>) -> NaclEntry {
        NaclEntry {
            rule_number: n,
            egress,
            protocol: proto.into(),
            allow,
            cidr: Some(cidr.into()),
            port_from: ports.map(|p| p.0),
            port_to: ports.map(|p| p.1),
        }
    }

    fn c(s: &str) -> Cidr {
        s.parse().unwrap()
    }

    #[test]
    fn nacl_first_match_decides() {
        let default = vec![
            nacl_entry(100, false, "-1", true, "0.0.0.0/0", None),
            nacl_entry(32767, false, "-1", false, "0.0.0.0/0", None),
        ];
        assert!(nacl_allows(&default, false, (443, 443), &c("10.0.1.0/24")));
        assert!(
            !nacl_allows(&default, true, (443, 443), &c("10.0.1.0/24")),
            "no egress rule: implicit deny"
        );
        let deny_first = vec![
            nacl_entry(50, false, "6", false, "10.0.0.0/16", Some((443, 443))),
            nacl_entry(100, false, "-1", true, "0.0.0.0/0", None),
        ];
        assert!(!nacl_allows(&deny_first, false, (443, 443), &c("10.0.1.0/24")));
        assert!(nacl_allows(&deny_first, false, (80, 80), &c("10.0.1.0/24")));
        let narrow = vec![nacl_entry(100, false, "6", true, "10.0.0.0/16", Some((49152, 65535)))];
        assert!(
            !nacl_allows(&narrow, false, EPHEMERAL, &c("10.0.1.0/24")),
            "Windows-only range misses Linux replies"
        );
        let partial = vec![nacl_entry(100, false, "6", true, "10.0.1.0/25", Some((443, 443)))];
        assert!(!nacl_allows(&partial, false, (443, 443), &c("10.0.1.0/24")));
    }

    #[test]
    fn security_group_rules() {
        let r = |proto: &str, from: Option<i32>, to: Option<i32>, cidr: &str| SgRule {
            protocol: proto.into(),
            from_port: from,
            to_port: to,
            cidrs: vec![cidr.into()],
            ..Default::default()
        };
        assert!(sg_allows(
            &[r("tcp", Some(443), Some(443), "10.0.0.0/16")],
            443,
            &c("10.0.3.0/24")
        ));
        assert!(!sg_allows(
            &[r("tcp", Some(443), Some(443), "10.0.1.0/24")],
            443,
            &c("10.0.3.0/24")
        ));
        assert!(!sg_allows(
            &[r("tcp", Some(80), Some(80), "0.0.0.0/0")],
            443,
            &c("10.0.3.0/24")
        ));
        assert!(sg_allows(&[r("-1", None, None, "0.0.0.0/0")], 443, &c("10.0.3.0/24")));
        assert!(!sg_allows(
            &[r("udp", Some(443), Some(443), "0.0.0.0/0")],
            443,
            &c("10.0.3.0/24")
        ));
    }

    fn inventory() -> Inventory {
        let subnet = |id: &str, az: &str, cidr: &str, nat: Option<&str>| SubnetInfo {
            subnet_id: id.into(),
            availability_zone: az.into(),
            availability_zone_id: None,
            cidr: Some(cidr.into()),
            route_table_id: Some(if nat.is_some() { "rtb-private" } else { "rtb-public" }.into()),
            default_route_nat: nat.map(str::to_string),
            network_acl_id: Some("acl-1".into()),
        };
        let all = |egress| nacl_entry(100, egress, "-1", true, "0.0.0.0/0", None);
        Inventory {
            region: "us-east-1".into(),
            vpc: VpcInfo {
                vpc_id: "vpc-1".into(),
                cidrs: vec!["10.0.0.0/16".into()],
                enable_dns_support: Some(true),
                enable_dns_hostnames: Some(false),
                ..Default::default()
            },
            subnets: vec![
                subnet("subnet-a", "us-east-1a", "10.0.1.0/24", Some("nat-1")),
                subnet("subnet-b", "us-east-1b", "10.0.2.0/24", Some("nat-1")),
                subnet("subnet-pub", "us-east-1a", "10.0.0.0/24", None),
            ],
            nat_gateways: vec![NatGatewayInfo {
                nat_gateway_id: "nat-1".into(),
                state: "available".into(),
                ..Default::default()
            }],
            endpoints: vec![
                EndpointInfo {
                    endpoint_id: "vpce-logs".into(),
                    service_name: "com.amazonaws.us-east-1.logs".into(),
                    endpoint_type: Some(EndpointType::Interface),
                    state: "available".into(),
                    subnet_ids: vec!["subnet-a".into()],
                    security_group_ids: vec!["sg-endpoint".into()],
                    private_dns_enabled: Some(true),
                    ..Default::default()
                },
                EndpointInfo {
                    endpoint_id: "vpce-s3".into(),
                    service_name: "com.amazonaws.us-east-1.s3".into(),
                    endpoint_type: Some(EndpointType::Gateway),
                    state: "available".into(),
                    route_table_ids: vec!["rtb-public".into()],
                    ..Default::default()
                },
                EndpointInfo {
                    endpoint_id: "vpce-old".into(),
                    service_name: "com.amazonaws.us-east-1.sts".into(),
                    endpoint_type: Some(EndpointType::Interface),
                    state: "Rejected".into(),
                    ..Default::default()
                },
            ],
            security_groups: vec![SecurityGroupInfo {
                group_id: "sg-endpoint".into(),
                ingress: vec![SgRule {
                    protocol: "tcp".into(),
                    from_port: Some(443),
                    to_port: Some(443),
                    cidrs: vec!["10.0.1.0/24".into()],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            network_acls: vec![NetworkAclInfo {
                network_acl_id: "acl-1".into(),
                default: true,
                subnet_ids: vec!["subnet-a".into(), "subnet-b".into()],
                entries: vec![all(false), all(true)],
            }],
            ..Default::default()
        }
    }

    #[test]
    fn preflight_names_each_problem_with_its_fix() {
        let f = preflight(&inventory(), None);
        let checks: Vec<(&str, &str, Severity)> = f
            .iter()
            .map(|f| (f.check.as_str(), f.resource.as_str(), f.severity))
            .collect();
        assert_eq!(
            checks,
            vec![
                ("dns-hostnames", "vpc-1", Severity::Error),
                ("endpoint-security-group", "vpce-logs", Severity::Error),
                ("endpoint-az", "vpce-logs", Severity::Warning),
                ("endpoint-state", "vpce-old", Severity::Warning),
                ("gateway-route-tables", "vpce-s3", Severity::Warning),
            ]
        );
        assert!(f[0].fix.contains("--enable-dns-hostnames"));
        assert!(f[1].message.contains("subnet-b"), "{}", f[1].message);
        assert!(f[2].fix.contains("--add-subnet-ids subnet-b"));
        assert!(f[4].fix.contains("--add-route-table-ids rtb-private"));
    }

    #[test]
    fn nacl_that_blocks_replies_is_found() {
        let mut inv = inventory();
        inv.network_acls[0].entries = vec![
            nacl_entry(100, false, "6", true, "10.0.0.0/16", Some((443, 443))),
            nacl_entry(100, true, "-1", true, "0.0.0.0/0", None),
        ];
        let f = preflight(&inv, None);
        let nacl: Vec<&Finding> = f.iter().filter(|f| f.check == "network-acl").collect();
        // Both workload subnets share the ACL: one finding for the replies from
        // the endpoint subnet (subnet-a, 10.0.1.0/24).
        assert_eq!(nacl.len(), 1, "{nacl:#?}");
        assert!(nacl[0].message.contains("10.0.1.0/24"));
        assert!(nacl.iter().all(|f| f.message.contains("inbound replies")));
        assert!(nacl[0].fix.contains("--ingress") && nacl[0].fix.contains("From=32768,To=65535"));
    }

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
        assert!(report
            .live
            .as_ref()
            .unwrap()
            .findings
            .iter()
            .any(|f| f.check == "dns-hostnames"));
    }
}
