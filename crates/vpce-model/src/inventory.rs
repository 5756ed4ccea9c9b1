//! What the AWS APIs say about one VPC (`analyze --live`, `preflight`,
//! `iac --live`). Filled by the AWS shell, read by the pure checks.

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
