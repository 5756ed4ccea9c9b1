//! The preflight checks: one function per check, each
//! `fn(&Inventory, Option<&Report>) -> Vec<Finding>`, registered in
//! [`CHECKS`] (the table the README's check table mirrors). [`preflight`]
//! runs them all and sorts the findings, errors first.

use vpce_model::inventory::{Finding, Inventory};
use vpce_model::Report;

use crate::net::Cidr;

mod endpoints;
mod network;
mod quota;
mod routes;
mod vpc;
mod zones;

pub use network::{nacl_allows, sg_allows};
pub use quota::INTERFACE_ENDPOINTS_PER_VPC;

/// One preflight check, as the README's check table lists it.
#[derive(Clone, Copy, Debug)]
pub struct Check {
    /// The check's name (its function's name, in kebab case).
    pub name: &'static str,
    /// The `check` identifiers of the findings it writes.
    pub findings: &'static [&'static str],
    /// What it checks, in one line.
    pub description: &'static str,
    /// The check itself. `report`, when given, says which endpoints are
    /// recommended; checks that need it find nothing without it.
    pub run: fn(&Inventory, Option<&Report>) -> Vec<Finding>,
}

/// Every preflight check, in the order the README lists them.
pub const CHECKS: &[Check] = &[
    Check {
        name: "dns-attributes",
        findings: &["dns-support", "dns-hostnames"],
        description: "DNS resolution and DNS hostnames are on in the VPC (private DNS needs both)",
        run: vpc::dns_attributes,
    },
    Check {
        name: "nat-routes",
        findings: &["nat-routes", "nat-unused"],
        description: "some subnet routes 0.0.0.0/0 to a NAT gateway, and every NAT gateway is routed to",
        run: vpc::nat_routes,
    },
    Check {
        name: "endpoint-state",
        findings: &["endpoint-state"],
        description: "every endpoint is available or pending (others carry no traffic)",
        run: endpoints::endpoint_state,
    },
    Check {
        name: "private-dns",
        findings: &["private-dns"],
        description: "interface endpoints for AWS services have private DNS on",
        run: endpoints::private_dns,
    },
    Check {
        name: "private-dns-zones",
        findings: &["private-dns-zone"],
        description: "private DNS of live or recommended interface endpoints meets no private hosted zone of the VPC",
        run: zones::private_dns_zones,
    },
    Check {
        name: "endpoint-azs",
        findings: &["endpoint-az"],
        description: "interface endpoints have a subnet in every AZ where workloads run",
        run: endpoints::endpoint_azs,
    },
    Check {
        name: "endpoint-security-groups",
        findings: &["endpoint-security-group"],
        description: "interface endpoints' security groups admit TCP 443 from every workload subnet",
        run: network::endpoint_security_groups,
    },
    Check {
        name: "workload-egress",
        findings: &["workload-egress"],
        description: "workload security groups allow outbound TCP 443 to the VPC",
        run: network::workload_egress,
    },
    Check {
        name: "network-acls",
        findings: &["network-acl"],
        description: "network ACLs pass TCP 443 and its replies between workload and endpoint subnets",
        run: network::network_acls,
    },
    Check {
        name: "gateway-routes",
        findings: &["gateway-route-tables"],
        description: "gateway endpoints are in every route table of the subnets that route to NAT",
        run: routes::gateway_routes,
    },
    Check {
        name: "gateway-endpoints",
        findings: &["gateway-endpoint-missing"],
        description: "a VPC that routes to NAT has the free S3 and DynamoDB gateway endpoints",
        run: routes::gateway_endpoints,
    },
    Check {
        name: "quota",
        findings: &["endpoint-quota"],
        description: "existing and recommended interface endpoints fit the per-VPC quota",
        run: quota::quota,
    },
    Check {
        name: "service-azs",
        findings: &["service-az"],
        description: "recommended interface services are offered in every workload AZ",
        run: quota::service_azs,
    },
    Check {
        name: "inventory-gaps",
        findings: &["inventory"],
        description: "every AWS call of the inventory succeeded (else a check could not run)",
        run: vpc::inventory_gaps,
    },
];

/// Checks the prerequisites for interface and gateway endpoints in the
/// inventory's VPC: every check of [`CHECKS`]. `report` (when given) says
/// which endpoints are recommended, for the quota and AZ checks. Errors
/// first, then by check and resource.
pub fn preflight(inv: &Inventory, report: Option<&Report>) -> Vec<Finding> {
    let mut out: Vec<Finding> = CHECKS.iter().flat_map(|c| (c.run)(inv, report)).collect();
    out.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| a.check.cmp(&b.check))
            .then_with(|| a.resource.cmp(&b.resource))
    });
    out
}

fn cidr(s: &Option<String>) -> Option<Cidr> {
    s.as_deref().and_then(|c| c.parse().ok())
}

/// Hand-built inventories for the checks' tests.
#[cfg(test)]
pub(crate) mod fixture {
    use vpce_model::inventory::*;
    use vpce_model::EndpointType;

    pub(crate) fn nacl_entry(
        n: i32,
        egress: bool,
        proto: &str,
        allow: bool,
        cidr: &str,
        ports: Option<(i32, i32)>,
    ) -> NaclEntry {
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

    pub(crate) fn subnet(id: &str, az: &str, cidr: &str, nat: Option<&str>) -> SubnetInfo {
        SubnetInfo {
            subnet_id: id.into(),
            availability_zone: az.into(),
            availability_zone_id: None,
            cidr: Some(cidr.into()),
            route_table_id: Some(if nat.is_some() { "rtb-private" } else { "rtb-public" }.into()),
            default_route_nat: nat.map(str::to_string),
            network_acl_id: Some("acl-1".into()),
        }
    }

    /// A VPC with NAT in two AZs and a planted fault for most checks: DNS
    /// hostnames off, the logs endpoint in one AZ and admitting one workload
    /// subnet only, the S3 gateway endpoint on the public route table only, a
    /// rejected STS endpoint.
    pub(crate) fn inventory() -> Inventory {
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

    /// The (check, resource) of each finding, in order.
    pub(crate) fn found(f: &[Finding]) -> Vec<(&str, &str)> {
        f.iter().map(|f| (f.check.as_str(), f.resource.as_str())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::inventory;
    use super::*;
    use std::collections::BTreeSet;
    use vpce_model::inventory::Severity;

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
                (
                    "gateway-endpoint-missing",
                    "com.amazonaws.us-east-1.dynamodb",
                    Severity::Warning
                ),
                ("gateway-route-tables", "vpce-s3", Severity::Warning),
            ]
        );
        assert!(f[0].fix.contains("--enable-dns-hostnames"));
        assert!(f[1].message.contains("subnet-b"), "{}", f[1].message);
        assert!(f[2].fix.contains("--add-subnet-ids subnet-b"));
        assert!(f[5].fix.contains("--add-route-table-ids rtb-private"));
    }

    #[test]
    fn the_table_names_each_check_and_finding_once() {
        let names: BTreeSet<&str> = CHECKS.iter().map(|c| c.name).collect();
        assert_eq!(names.len(), CHECKS.len(), "check names are unique");
        let ids: Vec<&str> = CHECKS.iter().flat_map(|c| c.findings.iter().copied()).collect();
        let unique: BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "each finding comes from one check");
        for c in CHECKS {
            assert!(!c.description.is_empty() && !c.findings.is_empty(), "{}", c.name);
            assert!(
                c.name.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'),
                "{} is kebab case",
                c.name
            );
        }
    }

    #[test]
    fn each_check_writes_only_the_findings_the_table_lists() {
        // Inventories that make every check speak: the fixture's faults, and
        // the same VPC with every attribute unknown, no NAT route and a gap.
        let mut other = inventory();
        other.vpc.enable_dns_support = None;
        other.vpc.enable_dns_hostnames = None;
        for s in &mut other.subnets {
            s.default_route_nat = None;
        }
        other.gaps.push("ec2:DescribeNetworkAcls: AccessDenied".into());
        let mut seen = BTreeSet::new();
        for inv in [inventory(), other] {
            for c in CHECKS {
                for f in (c.run)(&inv, None) {
                    assert!(c.findings.contains(&f.check.as_str()), "{} wrote {}", c.name, f.check);
                    seen.insert(f.check);
                }
            }
        }
        for id in ["dns-support", "dns-hostnames", "nat-routes", "nat-unused", "inventory"] {
            assert!(seen.contains(id), "{id} not exercised");
        }
    }
}
