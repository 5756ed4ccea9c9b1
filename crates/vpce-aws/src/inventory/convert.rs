//! The SDK's EC2 types into the inventory model's.

use aws_sdk_ec2::types::{
    IpPermission, NatGateway, NetworkAcl, RouteTable, SecurityGroup, ServiceDetail, ServiceType, Subnet, Vpc,
    VpcEndpoint,
};
use vpce_model::inventory::{
    EndpointInfo, EndpointServiceInfo, NaclEntry, NatGatewayInfo, NetworkAclInfo, RouteTableInfo, SecurityGroupInfo,
    SgRule, SubnetInfo, VpcInfo,
};
use vpce_model::EndpointType;

/// The VPC's associated CIDRs (its primary CIDR if none is listed), IPv6
/// CIDRs and owner.
pub(super) fn vpc(vpc_id: &str, v: &Vpc) -> VpcInfo {
    let mut cidrs: Vec<String> = v
        .cidr_block_association_set()
        .iter()
        .filter(|a| {
            a.cidr_block_state()
                .and_then(|s| s.state())
                .is_none_or(|s| s.as_str() == "associated")
        })
        .filter_map(|a| a.cidr_block().map(str::to_string))
        .collect();
    if cidrs.is_empty() {
        cidrs.extend(v.cidr_block().map(str::to_string));
    }
    VpcInfo {
        vpc_id: vpc_id.to_string(),
        owner_id: v.owner_id().map(str::to_string),
        cidrs,
        ipv6_cidrs: v
            .ipv6_cidr_block_association_set()
            .iter()
            .filter_map(|a| a.ipv6_cidr_block().map(str::to_string))
            .collect(),
        enable_dns_support: None,
        enable_dns_hostnames: None,
    }
}

pub(super) fn subnet(s: &Subnet) -> SubnetInfo {
    SubnetInfo {
        subnet_id: s.subnet_id().unwrap_or_default().to_string(),
        availability_zone: s.availability_zone().unwrap_or_default().to_string(),
        availability_zone_id: s.availability_zone_id().map(str::to_string),
        cidr: s.cidr_block().map(str::to_string),
        route_table_id: None,
        default_route_nat: None,
        network_acl_id: None,
    }
}

/// A route table's associations, its default route's target and its
/// prefix-list routes; blackhole routes are left out.
pub(super) fn route_table(rt: &RouteTable) -> RouteTableInfo {
    let mut info = RouteTableInfo {
        route_table_id: rt.route_table_id().unwrap_or_default().to_string(),
        ..Default::default()
    };
    for a in rt.associations() {
        info.main |= a.main() == Some(true);
        if let Some(s) = a.subnet_id() {
            info.subnet_ids.push(s.to_string());
        }
    }
    for r in rt.routes() {
        if r.state().is_some_and(|s| s.as_str() == "blackhole") {
            continue;
        }
        let target = r
            .nat_gateway_id()
            .or(r.gateway_id())
            .or(r.transit_gateway_id())
            .or(r.network_interface_id())
            .or(r.vpc_peering_connection_id())
            .or(r.instance_id())
            .map(str::to_string);
        if r.destination_cidr_block() == Some("0.0.0.0/0") {
            info.default_route = target;
        } else if let (Some(pl), Some(t)) = (r.destination_prefix_list_id(), target) {
            info.prefix_list_routes.push((pl.to_string(), t));
        }
    }
    info
}

pub(super) fn nat_gateway(n: &NatGateway) -> NatGatewayInfo {
    let addresses = n.nat_gateway_addresses();
    NatGatewayInfo {
        nat_gateway_id: n.nat_gateway_id().unwrap_or_default().to_string(),
        state: n.state().map(|s| s.as_str().to_string()).unwrap_or_default(),
        subnet_id: n.subnet_id().map(str::to_string),
        connectivity: n.connectivity_type().map(|c| c.as_str().to_string()),
        private_ips: addresses
            .iter()
            .filter_map(|a| a.private_ip().map(str::to_string))
            .collect(),
        public_ips: addresses
            .iter()
            .filter_map(|a| a.public_ip().map(str::to_string))
            .collect(),
        interface_ids: addresses
            .iter()
            .filter_map(|a| a.network_interface_id().map(str::to_string))
            .collect(),
    }
}

pub(super) fn endpoint(e: &VpcEndpoint) -> EndpointInfo {
    EndpointInfo {
        endpoint_id: e.vpc_endpoint_id().unwrap_or_default().to_string(),
        service_name: e.service_name().unwrap_or_default().to_string(),
        endpoint_type: e.vpc_endpoint_type().and_then(|t| match t.as_str() {
            "Interface" => Some(EndpointType::Interface),
            "Gateway" => Some(EndpointType::Gateway),
            _ => None,
        }),
        state: e.state().map(|s| s.as_str().to_string()).unwrap_or_default(),
        subnet_ids: e.subnet_ids().to_vec(),
        route_table_ids: e.route_table_ids().to_vec(),
        security_group_ids: e
            .groups()
            .iter()
            .filter_map(|g| g.group_id().map(str::to_string))
            .collect(),
        private_dns_enabled: e.private_dns_enabled(),
    }
}

fn rules(perms: &[IpPermission]) -> Vec<SgRule> {
    perms
        .iter()
        .map(|p| SgRule {
            protocol: p.ip_protocol().unwrap_or("-1").to_string(),
            from_port: p.from_port(),
            to_port: p.to_port(),
            cidrs: p
                .ip_ranges()
                .iter()
                .filter_map(|r| r.cidr_ip().map(str::to_string))
                .chain(p.ipv6_ranges().iter().filter_map(|r| r.cidr_ipv6().map(str::to_string)))
                .collect(),
            groups: p
                .user_id_group_pairs()
                .iter()
                .filter_map(|g| g.group_id().map(str::to_string))
                .collect(),
            prefix_lists: p
                .prefix_list_ids()
                .iter()
                .filter_map(|g| g.prefix_list_id().map(str::to_string))
                .collect(),
        })
        .collect()
}

pub(super) fn security_group(g: &SecurityGroup) -> SecurityGroupInfo {
    SecurityGroupInfo {
        group_id: g.group_id().unwrap_or_default().to_string(),
        group_name: g.group_name().map(str::to_string),
        ingress: rules(g.ip_permissions()),
        egress: rules(g.ip_permissions_egress()),
    }
}

pub(super) fn network_acl(a: &NetworkAcl) -> NetworkAclInfo {
    NetworkAclInfo {
        network_acl_id: a.network_acl_id().unwrap_or_default().to_string(),
        default: a.is_default().unwrap_or(false),
        subnet_ids: a
            .associations()
            .iter()
            .filter_map(|x| x.subnet_id().map(str::to_string))
            .collect(),
        entries: a
            .entries()
            .iter()
            .map(|e| NaclEntry {
                rule_number: e.rule_number().unwrap_or(32767),
                egress: e.egress().unwrap_or(false),
                protocol: e.protocol().unwrap_or("-1").to_string(),
                allow: e.rule_action().is_some_and(|r| r.as_str() == "allow"),
                cidr: e.cidr_block().or(e.ipv6_cidr_block()).map(str::to_string),
                port_from: e.port_range().and_then(|p| p.from()),
                port_to: e.port_range().and_then(|p| p.to()),
            })
            .collect(),
    }
}

/// An AWS service's listing (`None` for partner and customer services).
pub(super) fn endpoint_service(d: &ServiceDetail) -> Option<EndpointServiceInfo> {
    let name = d.service_name()?;
    if !name.starts_with("com.amazonaws.") && !name.starts_with("cn.com.amazonaws.") {
        return None;
    }
    let mut types: Vec<EndpointType> = d
        .service_type()
        .iter()
        .filter_map(|t| match t.service_type() {
            Some(ServiceType::Interface) => Some(EndpointType::Interface),
            Some(ServiceType::Gateway) => Some(EndpointType::Gateway),
            _ => None,
        })
        .collect();
    types.sort();
    types.dedup();
    let mut dns: Vec<String> = d
        .private_dns_names()
        .iter()
        .filter_map(|p| p.private_dns_name().map(str::to_string))
        .collect();
    if dns.is_empty() {
        dns.extend(d.private_dns_name().map(str::to_string));
    }
    Some(EndpointServiceInfo {
        service_name: name.to_string(),
        types,
        policy_supported: d.vpc_endpoint_policy_supported(),
        availability_zones: d.availability_zones().to_vec(),
        private_dns_names: dns,
        owner: d.owner().map(str::to_string),
    })
}
