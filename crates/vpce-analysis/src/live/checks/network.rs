//! Whether packets get from the workloads to interface endpoints and back:
//! security groups on both sides, and the network ACLs between their subnets.

use std::collections::BTreeSet;

use vpce_model::inventory::{Finding, Inventory, NaclEntry, SecurityGroupInfo, Severity, SgRule};
use vpce_model::{EndpointType, Report};

use super::cidr;
use crate::live::join;
use crate::net::Cidr;

/// Ephemeral ports that replies go to: the Linux default range, which the
/// Windows range (49152–65535) mostly overlaps.
const EPHEMERAL: (i32, i32) = (32768, 60999);

/// A live interface endpoint whose security groups do not admit TCP 443 from
/// every workload subnet is unusable from those subnets (error). Endpoints
/// with a group that could not be read are skipped (an inventory gap).
pub(crate) fn endpoint_security_groups(inv: &Inventory, _: Option<&Report>) -> Vec<Finding> {
    let workload_cidrs: Vec<(String, Cidr)> = inv
        .workload_subnets()
        .iter()
        .filter_map(|s| cidr(&s.cidr).map(|c| (s.subnet_id.clone(), c)))
        .collect();
    let mut out = Vec::new();
    for e in inv.live_endpoints(EndpointType::Interface) {
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
    out
}

/// A security group (other than the endpoints') that allows no outbound TCP
/// 443 to the VPC's first CIDR, and has no group or prefix-list rule that
/// might, keeps its instances from interface endpoints (warning).
pub(crate) fn workload_egress(inv: &Inventory, _: Option<&Report>) -> Vec<Finding> {
    let Some(vpc_cidr) = inv.vpc.cidrs.iter().find_map(|c| c.parse::<Cidr>().ok()) else {
        return Vec::new();
    };
    let endpoint_sgs: BTreeSet<&str> = inv
        .live_endpoints(EndpointType::Interface)
        .into_iter()
        .flat_map(|e| e.security_group_ids.iter().map(String::as_str))
        .collect();
    inv.security_groups
        .iter()
        .filter(|g| !endpoint_sgs.contains(g.group_id.as_str()))
        .filter(|g| {
            !sg_allows(&g.egress, 443, &vpc_cidr)
                && !g
                    .egress
                    .iter()
                    .any(|r| !r.groups.is_empty() || !r.prefix_lists.is_empty())
        })
        .map(|g| {
            Finding::new(
                Severity::Warning,
                "workload-egress",
                &g.group_id,
                format!(
                    "security group {}{} allows no outbound TCP 443 to the VPC ({vpc_cidr}): instances that use only it cannot reach interface endpoints",
                    g.group_id,
                    g.group_name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default()
                ),
                format!("aws ec2 authorize-security-group-egress --group-id {} --protocol tcp --port 443 --cidr {vpc_cidr}", g.group_id),
            )
        })
        .collect()
}

/// The network ACLs between each workload subnet and each endpoint subnet
/// (the live interface endpoints' subnets, else the ones new endpoints would
/// use) must pass TCP 443 and the replies, both ways: each blocked direction
/// is an error, once per ACL, direction, ports and peer.
pub(crate) fn network_acls(inv: &Inventory, _: Option<&Report>) -> Vec<Finding> {
    let mut endpoint_subnet_ids: BTreeSet<String> = inv
        .live_endpoints(EndpointType::Interface)
        .into_iter()
        .flat_map(|e| e.subnet_ids.iter().cloned())
        .collect();
    if endpoint_subnet_ids.is_empty() {
        endpoint_subnet_ids = inv.endpoint_subnets().into_iter().collect();
    }
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for w in inv.workload_subnets() {
        let Some(wc) = cidr(&w.cidr) else { continue };
        for eid in &endpoint_subnet_ids {
            let Some(es) = inv.subnet(eid) else { continue };
            let Some(ec) = cidr(&es.cidr) else { continue };
            let (Some(wn), Some(en)) = (inv.network_acl_of(&w.subnet_id), inv.network_acl_of(eid)) else {
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
    out
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
    use super::super::fixture::{found, inventory, nacl_entry};
    use super::*;

    fn c(s: &str) -> Cidr {
        s.parse().unwrap()
    }

    fn rule(proto: &str, from: Option<i32>, to: Option<i32>, cidr: &str) -> SgRule {
        SgRule {
            protocol: proto.into(),
            from_port: from,
            to_port: to,
            cidrs: vec![cidr.into()],
            ..Default::default()
        }
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
        let r = rule;
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

    #[test]
    fn endpoint_security_groups_name_the_blocked_subnets() {
        let mut inv = inventory();
        let f = endpoint_security_groups(&inv, None);
        assert_eq!(found(&f), [("endpoint-security-group", "vpce-logs")]);
        assert!(
            f[0].message.contains("do not let subnet-b reach TCP 443"),
            "{}",
            f[0].message
        );
        assert!(f[0]
            .fix
            .contains("--group-id sg-endpoint --protocol tcp --port 443 --cidr 10.0.0.0/16"));

        inv.security_groups[0].ingress = vec![rule("tcp", Some(443), Some(443), "10.0.0.0/16")];
        assert!(endpoint_security_groups(&inv, None).is_empty());

        inv.security_groups[0].ingress.clear();
        inv.endpoints[0].security_group_ids.push("sg-unreadable".into());
        assert!(
            endpoint_security_groups(&inv, None).is_empty(),
            "a group the inventory could not read is not judged"
        );
    }

    #[test]
    fn workload_egress_needs_443_to_the_vpc() {
        let mut inv = inventory();
        let group = |id: &str, egress: Vec<SgRule>| SecurityGroupInfo {
            group_id: id.into(),
            group_name: Some(format!("{id}-name")),
            egress,
            ..Default::default()
        };
        inv.security_groups
            .push(group("sg-open", vec![rule("-1", None, None, "0.0.0.0/0")]));
        inv.security_groups
            .push(group("sg-web", vec![rule("tcp", Some(80), Some(80), "0.0.0.0/0")]));
        inv.security_groups.push(group(
            "sg-by-group",
            vec![SgRule {
                protocol: "tcp".into(),
                groups: vec!["sg-endpoint".into()],
                ..Default::default()
            }],
        ));
        let f = workload_egress(&inv, None);
        // sg-endpoint has no egress at all but is the endpoint's own group.
        assert_eq!(found(&f), [("workload-egress", "sg-web")]);
        assert!(f[0].message.contains("sg-web (sg-web-name)"));
        assert!(f[0]
            .fix
            .ends_with("--group-id sg-web --protocol tcp --port 443 --cidr 10.0.0.0/16"));

        inv.vpc.cidrs = vec!["not a cidr".into()];
        assert!(
            workload_egress(&inv, None).is_empty(),
            "no VPC CIDR: nothing to check against"
        );
    }

    #[test]
    fn network_acls_pass_by_default_and_block_replies() {
        let mut inv = inventory();
        assert!(network_acls(&inv, None).is_empty(), "allow-all both ways");

        inv.network_acls[0].entries = vec![
            nacl_entry(100, false, "6", true, "10.0.0.0/16", Some((443, 443))),
            nacl_entry(100, true, "-1", true, "0.0.0.0/0", None),
        ];
        let f = network_acls(&inv, None);
        // Both workload subnets share the ACL: one finding for the replies from
        // the endpoint subnet (subnet-a, 10.0.1.0/24).
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("10.0.1.0/24"));
        assert!(f.iter().all(|f| f.message.contains("inbound replies")));
        assert!(f[0].fix.contains("--ingress") && f[0].fix.contains("From=32768,To=65535"));
    }

    #[test]
    fn network_acls_use_new_endpoint_subnets_when_no_interface_endpoint_exists() {
        let mut inv = inventory();
        inv.endpoints
            .retain(|e| e.endpoint_type != Some(EndpointType::Interface));
        // Only egress 443 allowed out of the workload subnets' ACL: replies from
        // subnet-a and subnet-b (the new endpoints' subnets) are blocked, and
        // so is inbound 443 to them.
        inv.network_acls[0].entries = vec![nacl_entry(100, true, "6", true, "10.0.0.0/16", Some((443, 443)))];
        let f = network_acls(&inv, None);
        assert!(f.iter().all(|f| f.check == "network-acl" && f.resource == "acl-1"));
        // Inbound replies, inbound 443 and outbound replies, for each of the
        // two subnets: once each.
        assert_eq!(f.len(), 6, "{f:#?}");
        assert!(f
            .iter()
            .any(|f| f.message.contains("inbound replies (TCP 32768-60999) from subnet-b")));
        assert!(f.iter().any(|f| f.message.contains("inbound TCP 443 from subnet-a")));
        assert!(f
            .iter()
            .any(|f| f.message.contains("outbound replies (TCP 32768-60999) to subnet-b")));
        assert!(
            !f.iter().any(|f| f.message.contains("outbound TCP 443")),
            "443 out is allowed"
        );
    }
}
