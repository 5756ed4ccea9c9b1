//! What the AWS APIs say about one VPC (`analyze --live`, `preflight`,
//! `iac --live`). Filled by the AWS shell, read by the pure checks.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::EndpointType;

/// One VPC and everything around it that decides how its traffic leaves.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    pub region: String,
    /// When it was read (RFC 3339), so a saved report shows its age.
    pub read_at: String,
    pub vpc: VpcInfo,
    pub subnets: Vec<SubnetInfo>,
    pub route_tables: Vec<RouteTableInfo>,
    pub nat_gateways: Vec<NatGatewayInfo>,
    /// Endpoints in the VPC in every state; only `available` and `pending`
    /// ones count as existing.
    pub endpoints: Vec<EndpointInfo>,
    /// `DescribeVpcEndpointServices` for the Region (AWS-owned services only).
    pub services: Vec<EndpointServiceInfo>,
    pub security_groups: Vec<SecurityGroupInfo>,
    pub network_acls: Vec<NetworkAclInfo>,
    /// Calls that failed without stopping the inventory (an optional check
    /// could not run), with the IAM action that was missing.
    pub gaps: Vec<String>,
    /// Names of the private hosted zones associated with the VPC
    /// (`route53:ListHostedZonesByVPC`): the account's own zones, not the
    /// ones AWS manages for interface endpoints' private DNS. `None` when
    /// they were not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_hosted_zones: Option<Vec<String>>,
}

/// Queries over the inventory that several checks and commands share.
impl Inventory {
    /// The subnets whose default route goes to a NAT gateway: where the
    /// workloads that pay for NAT run.
    pub fn workload_subnets(&self) -> Vec<&SubnetInfo> {
        self.subnets.iter().filter(|s| s.default_route_nat.is_some()).collect()
    }

    /// The Availability Zones of the workload subnets, by zone name.
    pub fn workload_azs(&self) -> BTreeSet<String> {
        self.workload_subnets()
            .into_iter()
            .map(|s| s.availability_zone.clone())
            .collect()
    }

    /// One subnet per workload AZ (the first by ID), for new interface
    /// endpoints; every subnet's AZ when no subnet routes to NAT.
    pub fn endpoint_subnets(&self) -> Vec<String> {
        let mut by_az: BTreeMap<&str, &str> = BTreeMap::new();
        let mut subnets = self.workload_subnets();
        if subnets.is_empty() {
            subnets = self.subnets.iter().collect();
        }
        for s in subnets {
            let e = by_az.entry(&s.availability_zone).or_insert(&s.subnet_id);
            if s.subnet_id.as_str() < *e {
                *e = &s.subnet_id;
            }
        }
        by_az.into_values().map(str::to_string).collect()
    }

    /// The route tables of the workload subnets (sorted, once each), for
    /// gateway endpoints.
    pub fn workload_route_tables(&self) -> Vec<String> {
        self.workload_subnets()
            .into_iter()
            .filter_map(|s| s.route_table_id.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// The subnet with this ID.
    pub fn subnet(&self, subnet_id: &str) -> Option<&SubnetInfo> {
        self.subnets.iter().find(|s| s.subnet_id == subnet_id)
    }

    /// The network ACL in force for a subnet: the one it is associated with,
    /// else the VPC's default one.
    pub fn network_acl_of(&self, subnet_id: &str) -> Option<&NetworkAclInfo> {
        self.network_acls
            .iter()
            .find(|n| n.subnet_ids.iter().any(|s| s == subnet_id))
            .or_else(|| self.network_acls.iter().find(|n| n.default))
    }

    /// What keeps this VPC's live endpoints for `service_name` from carrying
    /// the traffic they could (see [`EndpointFix`]), one entry per endpoint
    /// with a gap; empty when every endpoint carries what it can.
    pub fn endpoint_fixes(&self, service_name: &str) -> Vec<EndpointFix> {
        let workload_rts = self.workload_route_tables();
        let dns_off = self.vpc_dns_attributes_off();
        self.endpoints
            .iter()
            .filter(|e| e.is_live() && e.service_name == service_name)
            .filter_map(|e| {
                let mut fix = EndpointFix {
                    endpoint_id: e.endpoint_id.clone(),
                    endpoint_type: e.endpoint_type,
                    ..Default::default()
                };
                match e.endpoint_type {
                    Some(EndpointType::Gateway) => {
                        fix.missing_route_table_ids =
                            e.missing_route_tables(&workload_rts).into_iter().cloned().collect();
                        fix.subnets_bypassing = self
                            .workload_subnets()
                            .into_iter()
                            .filter(|s| {
                                s.route_table_id
                                    .as_ref()
                                    .is_some_and(|r| fix.missing_route_table_ids.contains(r))
                            })
                            .map(|s| s.subnet_id.clone())
                            .collect();
                    }
                    Some(EndpointType::Interface) => {
                        fix.private_dns_off = e.private_dns_enabled == Some(false);
                        if e.private_dns_enabled == Some(true) {
                            fix.vpc_dns_attributes_off = dns_off.clone();
                        }
                        fix.missing_subnet_ids = self.missing_endpoint_subnets(e);
                    }
                    None => {}
                }
                fix.bypassed().then_some(fix)
            })
            .collect()
    }

    /// The VPC attributes private DNS needs that are off: `enableDnsSupport`,
    /// `enableDnsHostnames` (unknown ones are not counted).
    pub fn vpc_dns_attributes_off(&self) -> Vec<String> {
        [
            ("enableDnsSupport", self.vpc.enable_dns_support),
            ("enableDnsHostnames", self.vpc.enable_dns_hostnames),
        ]
        .into_iter()
        .filter(|(_, on)| *on == Some(false))
        .map(|(name, _)| name.to_string())
        .collect()
    }

    /// For an interface endpoint: one subnet (as [`Inventory::endpoint_subnets`]
    /// picks them) in each workload AZ where the endpoint has none.
    fn missing_endpoint_subnets(&self, e: &EndpointInfo) -> Vec<String> {
        let covered: BTreeSet<&str> = e
            .subnet_ids
            .iter()
            .filter_map(|id| self.subnet(id))
            .map(|s| s.availability_zone.as_str())
            .collect();
        self.endpoint_subnets()
            .into_iter()
            .filter(|id| {
                self.subnet(id)
                    .is_some_and(|s| s.default_route_nat.is_some() && !covered.contains(s.availability_zone.as_str()))
            })
            .collect()
    }

    /// The endpoints of one type that carry traffic (see [`EndpointInfo::is_live`]).
    pub fn live_endpoints(&self, kind: EndpointType) -> Vec<&EndpointInfo> {
        self.endpoints
            .iter()
            .filter(|e| e.is_live() && e.endpoint_type == Some(kind))
            .collect()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VpcInfo {
    pub vpc_id: String,
    pub owner_id: Option<String>,
    pub cidrs: Vec<String>,
    pub ipv6_cidrs: Vec<String>,
    pub enable_dns_support: Option<bool>,
    pub enable_dns_hostnames: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SubnetInfo {
    pub subnet_id: String,
    pub availability_zone: String,
    pub availability_zone_id: Option<String>,
    pub cidr: Option<String>,
    /// The route table in force: its explicit association, else the main one.
    pub route_table_id: Option<String>,
    /// The NAT gateway its default route (0.0.0.0/0) goes to.
    pub default_route_nat: Option<String>,
    pub network_acl_id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RouteTableInfo {
    pub route_table_id: String,
    pub main: bool,
    pub subnet_ids: Vec<String>,
    /// Target of 0.0.0.0/0 (`nat-…`, `igw-…`, `tgw-…`, …).
    pub default_route: Option<String>,
    /// Prefix-list routes (gateway endpoints): (prefix list, endpoint ID).
    pub prefix_list_routes: Vec<(String, String)>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NatGatewayInfo {
    pub nat_gateway_id: String,
    pub state: String,
    pub subnet_id: Option<String>,
    pub connectivity: Option<String>,
    pub private_ips: Vec<String>,
    pub public_ips: Vec<String>,
    pub interface_ids: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EndpointInfo {
    pub endpoint_id: String,
    pub service_name: String,
    pub endpoint_type: Option<EndpointType>,
    pub state: String,
    pub subnet_ids: Vec<String>,
    pub route_table_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub private_dns_enabled: Option<bool>,
}

impl EndpointInfo {
    /// `available` and `pending` endpoints exist; `pendingAcceptance`,
    /// `rejected`, `failed`, `deleting` and `deleted` ones do not carry traffic.
    pub fn is_live(&self) -> bool {
        matches!(self.state.to_ascii_lowercase().as_str(), "available" | "pending")
    }

    /// The route tables of `route_tables` this (gateway) endpoint is not
    /// associated with.
    pub fn missing_route_tables<'a>(&self, route_tables: &'a [String]) -> Vec<&'a String> {
        route_tables
            .iter()
            .filter(|r| !self.route_table_ids.contains(r))
            .collect()
    }
}

/// What keeps one existing endpoint from carrying traffic it could, as the
/// live inventory shows it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EndpointFix {
    pub endpoint_id: String,
    pub endpoint_type: Option<EndpointType>,
    /// Gateway endpoint: the route tables of subnets that route to NAT it is
    /// not associated with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_route_table_ids: Vec<String>,
    /// The subnets on those route tables: their traffic to the service goes
    /// through NAT.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subnets_bypassing: Vec<String>,
    /// Interface endpoint: private DNS is off, so clients using the
    /// service's default names go through NAT.
    #[serde(default)]
    pub private_dns_off: bool,
    /// Interface endpoint with private DNS on: the VPC attributes that are
    /// off (`enableDnsSupport`, `enableDnsHostnames`), so its private DNS
    /// does not answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vpc_dns_attributes_off: Vec<String>,
    /// Interface endpoint: a subnet for each workload AZ it has no network
    /// interface in (those clients cross AZs to reach it), added with the fix.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_subnet_ids: Vec<String>,
}

impl EndpointFix {
    /// Some traffic goes through NAT instead of this endpoint (missing AZ
    /// subnets alone cost cross-AZ charges, not NAT).
    pub fn bypassed(&self) -> bool {
        !self.missing_route_table_ids.is_empty() || self.private_dns_off || !self.vpc_dns_attributes_off.is_empty()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EndpointServiceInfo {
    pub service_name: String,
    pub types: Vec<EndpointType>,
    pub policy_supported: Option<bool>,
    pub availability_zones: Vec<String>,
    pub private_dns_names: Vec<String>,
    pub owner: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SecurityGroupInfo {
    pub group_id: String,
    pub group_name: Option<String>,
    pub ingress: Vec<SgRule>,
    pub egress: Vec<SgRule>,
}

/// One security-group permission, with its peers flattened.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SgRule {
    /// `tcp`, `udp`, `icmp`, `-1` (all) or a protocol number.
    pub protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub cidrs: Vec<String>,
    pub groups: Vec<String>,
    pub prefix_lists: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkAclInfo {
    pub network_acl_id: String,
    pub default: bool,
    pub subnet_ids: Vec<String>,
    pub entries: Vec<NaclEntry>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NaclEntry {
    pub rule_number: i32,
    pub egress: bool,
    /// `6` (TCP), `-1` (all), …
    pub protocol: String,
    pub allow: bool,
    pub cidr: Option<String>,
    pub port_from: Option<i32>,
    pub port_to: Option<i32>,
}

/// How much a preflight finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Endpoints would not work, or would not be used.
    Error,
    /// They work, but cost more or cover less than they could.
    Warning,
    /// Worth knowing.
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One result of a preflight check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    /// Stable identifier of the check, e.g. `dns-hostnames`.
    pub check: String,
    /// The resource it is about.
    pub resource: String,
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

impl Finding {
    pub fn new(severity: Severity, check: &str, resource: &str, message: String, fix: String) -> Finding {
        Finding {
            severity,
            check: check.to_string(),
            resource: resource.to_string(),
            message,
            fix,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subnet(id: &str, az: &str, rtb: &str, nat: Option<&str>) -> SubnetInfo {
        SubnetInfo {
            subnet_id: id.into(),
            availability_zone: az.into(),
            route_table_id: Some(rtb.into()),
            default_route_nat: nat.map(str::to_string),
            ..Default::default()
        }
    }

    fn vpc() -> Inventory {
        Inventory {
            subnets: vec![
                subnet("subnet-b2", "eu-west-1b", "rtb-private-b", Some("nat-1")),
                subnet("subnet-a2", "eu-west-1a", "rtb-private-a", Some("nat-1")),
                subnet("subnet-a1", "eu-west-1a", "rtb-private-a", Some("nat-1")),
                subnet("subnet-pub", "eu-west-1c", "rtb-public", None),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn workloads_are_the_subnets_that_route_to_nat() {
        let inv = vpc();
        let ids: Vec<&str> = inv.workload_subnets().iter().map(|s| s.subnet_id.as_str()).collect();
        assert_eq!(ids, ["subnet-b2", "subnet-a2", "subnet-a1"]);
        assert_eq!(
            inv.workload_azs().into_iter().collect::<Vec<_>>(),
            ["eu-west-1a", "eu-west-1b"]
        );
        assert_eq!(inv.workload_route_tables(), ["rtb-private-a", "rtb-private-b"]);
    }

    #[test]
    fn endpoint_subnets_take_the_lowest_id_per_workload_az() {
        assert_eq!(vpc().endpoint_subnets(), ["subnet-a1", "subnet-b2"]);
        let mut no_nat = vpc();
        for s in &mut no_nat.subnets {
            s.default_route_nat = None;
        }
        assert!(no_nat.workload_subnets().is_empty());
        assert_eq!(
            no_nat.endpoint_subnets(),
            ["subnet-a1", "subnet-b2", "subnet-pub"],
            "without NAT routes every AZ's subnets are candidates"
        );
        assert!(no_nat.workload_route_tables().is_empty());
    }

    #[test]
    fn network_acl_is_the_associated_one_else_the_default() {
        let mut inv = vpc();
        inv.network_acls = vec![
            NetworkAclInfo {
                network_acl_id: "acl-default".into(),
                default: true,
                ..Default::default()
            },
            NetworkAclInfo {
                network_acl_id: "acl-private".into(),
                subnet_ids: vec!["subnet-a1".into()],
                ..Default::default()
            },
        ];
        assert_eq!(inv.network_acl_of("subnet-a1").unwrap().network_acl_id, "acl-private");
        assert_eq!(inv.network_acl_of("subnet-b2").unwrap().network_acl_id, "acl-default");
        inv.network_acls.remove(0);
        assert!(inv.network_acl_of("subnet-b2").is_none());
        assert_eq!(inv.subnet("subnet-pub").unwrap().availability_zone, "eu-west-1c");
        assert!(inv.subnet("subnet-zz").is_none());
    }

    #[test]
    fn live_endpoints_by_type_and_missing_route_tables() {
        let endpoint = |id: &str, kind: EndpointType, state: &str, rtbs: &[&str]| EndpointInfo {
            endpoint_id: id.into(),
            endpoint_type: Some(kind),
            state: state.into(),
            route_table_ids: rtbs.iter().map(|r| r.to_string()).collect(),
            ..Default::default()
        };
        let mut inv = vpc();
        inv.endpoints = vec![
            endpoint("vpce-s3", EndpointType::Gateway, "available", &["rtb-private-a"]),
            endpoint("vpce-ddb", EndpointType::Gateway, "Deleting", &[]),
            endpoint("vpce-logs", EndpointType::Interface, "pending", &[]),
        ];
        let ids = |v: Vec<&EndpointInfo>| v.iter().map(|e| e.endpoint_id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(inv.live_endpoints(EndpointType::Gateway)), ["vpce-s3"]);
        assert_eq!(ids(inv.live_endpoints(EndpointType::Interface)), ["vpce-logs"]);
        let rts = inv.workload_route_tables();
        assert_eq!(
            inv.endpoints[0].missing_route_tables(&rts),
            [&"rtb-private-b".to_string()]
        );
    }

    #[test]
    fn endpoint_fixes_name_what_each_live_endpoint_leaves_on_nat() {
        let endpoint = |id: &str, svc: &str, kind: EndpointType, rtbs: &[&str], subnets: &[&str], dns: Option<bool>| {
            EndpointInfo {
                endpoint_id: id.into(),
                service_name: svc.into(),
                endpoint_type: Some(kind),
                state: "available".into(),
                route_table_ids: rtbs.iter().map(|r| r.to_string()).collect(),
                subnet_ids: subnets.iter().map(|r| r.to_string()).collect(),
                private_dns_enabled: dns,
                ..Default::default()
            }
        };
        let mut inv = vpc();
        inv.vpc.enable_dns_support = Some(true);
        inv.vpc.enable_dns_hostnames = Some(false);
        inv.endpoints = vec![
            endpoint(
                "vpce-s3",
                "s3",
                EndpointType::Gateway,
                &["rtb-private-a", "rtb-public"],
                &[],
                None,
            ),
            endpoint(
                "vpce-ddb",
                "ddb",
                EndpointType::Gateway,
                &["rtb-private-a", "rtb-private-b"],
                &[],
                None,
            ),
            endpoint(
                "vpce-sqs",
                "sqs",
                EndpointType::Interface,
                &[],
                &["subnet-a2"],
                Some(false),
            ),
            endpoint(
                "vpce-sts",
                "sts",
                EndpointType::Interface,
                &[],
                &["subnet-a2"],
                Some(true),
            ),
        ];
        let s3 = inv.endpoint_fixes("s3");
        assert_eq!(s3.len(), 1);
        assert_eq!(s3[0].missing_route_table_ids, ["rtb-private-b"]);
        assert_eq!(s3[0].subnets_bypassing, ["subnet-b2"]);
        assert!(!s3[0].private_dns_off && s3[0].vpc_dns_attributes_off.is_empty());
        assert!(inv.endpoint_fixes("ddb").is_empty(), "on every NAT route table");
        let sqs = &inv.endpoint_fixes("sqs")[0];
        assert!(sqs.private_dns_off);
        assert!(
            sqs.vpc_dns_attributes_off.is_empty(),
            "private DNS off: the attributes do not matter"
        );
        assert_eq!(
            sqs.missing_subnet_ids,
            ["subnet-b2"],
            "one subnet in the workload AZ it lacks"
        );
        let sts = &inv.endpoint_fixes("sts")[0];
        assert_eq!(sts.vpc_dns_attributes_off, ["enableDnsHostnames"]);
        inv.vpc.enable_dns_hostnames = Some(true);
        assert!(
            inv.endpoint_fixes("sts").is_empty(),
            "a missing AZ alone is not traffic on NAT"
        );
        inv.endpoints[0].state = "deleted".into();
        assert!(inv.endpoint_fixes("s3").is_empty(), "only live endpoints");
    }
}
