//! Reads one VPC and the Region's endpoint services through the EC2 API.
//!
//! Every paginated call is read to its last page. `DescribeVpcs` must work;
//! an AccessDenied on any other call is recorded as a gap in the inventory
//! (the checks that need it say so) and the run goes on. Any other error stops.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Filter, ServiceType, VpcAttributeName};
use vpce_model::inventory::{
    EndpointInfo, EndpointServiceInfo, Inventory, NaclEntry, NatGatewayInfo, NetworkAclInfo, RouteTableInfo,
    SecurityGroupInfo, SgRule, SubnetInfo, VpcInfo,
};
use vpce_model::EndpointType;

use crate::error::{classify, AwsError};
use crate::Aws;

fn vpc_filter(vpc_id: &str) -> Filter {
    Filter::builder().name("vpc-id").values(vpc_id).build()
}

/// Records an AccessDenied as a gap; passes other errors on.
fn tolerate<T: Default>(r: Result<T, AwsError>, gaps: &mut Vec<String>) -> Result<T, AwsError> {
    match r {
        Ok(v) => Ok(v),
        Err(AwsError::AccessDenied { action, .. }) => {
            gaps.push(format!("{action} was denied"));
            Ok(T::default())
        }
        Err(e) => Err(e),
    }
}

/// Reads the inventory of `vpc_id`. `read_at` is the time to stamp it with.
///
/// # Errors
/// The VPC does not exist or cannot be described, the credentials are
/// missing or expired, or a call fails other than by AccessDenied.
pub fn read_inventory(aws: &Aws, vpc_id: &str, read_at: String) -> Result<Inventory, AwsError> {
    aws.block_on(read(aws, vpc_id, read_at))
}

async fn read(aws: &Aws, vpc_id: &str, read_at: String) -> Result<Inventory, AwsError> {
    let ec2 = &aws.ec2;
    let vpcs = ec2
        .describe_vpcs()
        .vpc_ids(vpc_id)
        .send()
        .await
        .map_err(|e| classify(e, "ec2:DescribeVpcs", vpc_id))?;
    let Some(vpc) = vpcs.vpcs().first() else {
        return Err(AwsError::NotFound {
            action: "ec2:DescribeVpcs".into(),
            resource: vpc_id.into(),
            code: "InvalidVpcID.NotFound".into(),
            message: format!("no VPC {vpc_id} in {}", aws.region),
        });
    };
    let mut gaps = Vec::new();
    let mut cidrs: Vec<String> = vpc
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
        cidrs.extend(vpc.cidr_block().map(str::to_string));
    }
    let ipv6_cidrs = vpc
        .ipv6_cidr_block_association_set()
        .iter()
        .filter_map(|a| a.ipv6_cidr_block().map(str::to_string))
        .collect();
    let attr = |name: VpcAttributeName| {
        let name2 = name.clone();
        async move {
            let out = ec2
                .describe_vpc_attribute()
                .vpc_id(vpc_id)
                .attribute(name)
                .send()
                .await
                .map_err(|e| classify(e, "ec2:DescribeVpcAttribute", vpc_id))?;
            Ok::<_, AwsError>(match name2 {
                VpcAttributeName::EnableDnsSupport => out.enable_dns_support().and_then(|v| v.value()),
                _ => out.enable_dns_hostnames().and_then(|v| v.value()),
            })
        }
    };
    let dns_support = tolerate(attr(VpcAttributeName::EnableDnsSupport).await, &mut gaps)?;
    let dns_hostnames = tolerate(attr(VpcAttributeName::EnableDnsHostnames).await, &mut gaps)?;

    // Every page of a describe call filtered to the VPC; AccessDenied
    // becomes a gap.
    macro_rules! all_pages {
        ($op:ident, $filter:ident, $action:literal) => {
            tolerate(
                ec2.$op()
                    .$filter(vpc_filter(vpc_id))
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
                    .await
                    .map_err(|e| classify(e, $action, vpc_id)),
                &mut gaps,
            )?
        };
    }
    let subnets = all_pages!(describe_subnets, filters, "ec2:DescribeSubnets");
    let route_tables = all_pages!(describe_route_tables, filters, "ec2:DescribeRouteTables");
    let nats = all_pages!(describe_nat_gateways, filter, "ec2:DescribeNatGateways");
    let endpoints = all_pages!(describe_vpc_endpoints, filters, "ec2:DescribeVpcEndpoints");
    let groups = all_pages!(describe_security_groups, filters, "ec2:DescribeSecurityGroups");
    let acls = all_pages!(describe_network_acls, filters, "ec2:DescribeNetworkAcls");
    let services = tolerate(endpoint_services(aws).await, &mut gaps)?;

    // Route tables: explicit associations, then the main table for the rest.
    let mut rt_info: Vec<RouteTableInfo> = Vec::new();
    let mut explicit: BTreeMap<String, String> = BTreeMap::new();
    let mut main_rt: Option<String> = None;
    for rt in &route_tables {
        let id = rt.route_table_id().unwrap_or_default().to_string();
        let mut info = RouteTableInfo {
            route_table_id: id.clone(),
            ..Default::default()
        };
        for a in rt.associations() {
            if a.main() == Some(true) {
                info.main = true;
                main_rt = Some(id.clone());
            }
            if let Some(s) = a.subnet_id() {
                info.subnet_ids.push(s.to_string());
                explicit.insert(s.to_string(), id.clone());
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
        rt_info.push(info);
    }
    let default_nat = |rt: &Option<String>| {
        rt.as_ref()
            .and_then(|id| rt_info.iter().find(|r| &r.route_table_id == id))
            .and_then(|r| r.default_route.clone())
            .filter(|t| t.starts_with("nat-"))
    };
    let acl_of: BTreeMap<String, String> = acls
        .iter()
        .flat_map(|a| {
            a.associations()
                .iter()
                .filter_map(move |x| Some((x.subnet_id()?.to_string(), a.network_acl_id()?.to_string())))
        })
        .collect();
    let mut subnet_info: Vec<SubnetInfo> = subnets
        .iter()
        .map(|s| {
            let id = s.subnet_id().unwrap_or_default().to_string();
            let route_table_id = explicit.get(&id).cloned().or_else(|| main_rt.clone());
            SubnetInfo {
                availability_zone: s.availability_zone().unwrap_or_default().to_string(),
                availability_zone_id: s.availability_zone_id().map(str::to_string),
                cidr: s.cidr_block().map(str::to_string),
                default_route_nat: default_nat(&route_table_id),
                network_acl_id: acl_of.get(&id).cloned(),
                route_table_id,
                subnet_id: id,
            }
        })
        .collect();
    subnet_info.sort_by(|a, b| a.subnet_id.cmp(&b.subnet_id));

    let nat_info = nats
        .iter()
        .map(|n| NatGatewayInfo {
            nat_gateway_id: n.nat_gateway_id().unwrap_or_default().to_string(),
            state: n.state().map(|s| s.as_str().to_string()).unwrap_or_default(),
            subnet_id: n.subnet_id().map(str::to_string),
            connectivity: n.connectivity_type().map(|c| c.as_str().to_string()),
            private_ips: n
                .nat_gateway_addresses()
                .iter()
                .filter_map(|a| a.private_ip().map(str::to_string))
                .collect(),
            public_ips: n
                .nat_gateway_addresses()
                .iter()
                .filter_map(|a| a.public_ip().map(str::to_string))
                .collect(),
            interface_ids: n
                .nat_gateway_addresses()
                .iter()
                .filter_map(|a| a.network_interface_id().map(str::to_string))
                .collect(),
        })
        .collect();

    let endpoint_info = endpoints
        .iter()
        .map(|e| EndpointInfo {
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
        })
        .collect();

    let rules = |perms: &[aws_sdk_ec2::types::IpPermission]| -> Vec<SgRule> {
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
    };
    let sg_info = groups
        .iter()
        .map(|g| SecurityGroupInfo {
            group_id: g.group_id().unwrap_or_default().to_string(),
            group_name: g.group_name().map(str::to_string),
            ingress: rules(g.ip_permissions()),
            egress: rules(g.ip_permissions_egress()),
        })
        .collect();
    let acl_info = acls
        .iter()
        .map(|a| NetworkAclInfo {
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
        })
        .collect();

    Ok(Inventory {
        region: aws.region.clone(),
        read_at,
        vpc: VpcInfo {
            vpc_id: vpc_id.to_string(),
            owner_id: vpc.owner_id().map(str::to_string),
            cidrs,
            ipv6_cidrs,
            enable_dns_support: dns_support,
            enable_dns_hostnames: dns_hostnames,
        },
        subnets: subnet_info,
        route_tables: rt_info,
        nat_gateways: nat_info,
        endpoints: endpoint_info,
        services,
        security_groups: sg_info,
        network_acls: acl_info,
        private_hosted_zones: None,
        gaps,
    })
}

/// `DescribeVpcEndpointServices`, every page: the AWS services the Region
/// offers endpoints for (partner and customer services are left out).
async fn endpoint_services(aws: &Aws) -> Result<Vec<EndpointServiceInfo>, AwsError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = aws
            .ec2
            .describe_vpc_endpoint_services()
            .set_next_token(token.take())
            .max_results(1000)
            .send()
            .await
            .map_err(|e| classify(e, "ec2:DescribeVpcEndpointServices", &aws.region))?;
        for d in page.service_details() {
            let Some(name) = d.service_name() else { continue };
            if !name.starts_with("com.amazonaws.") && !name.starts_with("cn.com.amazonaws.") {
                continue;
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
            // The same name can be listed twice (S3: gateway and interface).
            if let Some(prev) = out
                .iter_mut()
                .find(|s: &&mut EndpointServiceInfo| s.service_name == name)
            {
                prev.types.extend(types);
                prev.types.sort();
                prev.types.dedup();
                continue;
            }
            let mut dns: Vec<String> = d
                .private_dns_names()
                .iter()
                .filter_map(|p| p.private_dns_name().map(str::to_string))
                .collect();
            if dns.is_empty() {
                dns.extend(d.private_dns_name().map(str::to_string));
            }
            out.push(EndpointServiceInfo {
                service_name: name.to_string(),
                types,
                policy_supported: d.vpc_endpoint_policy_supported(),
                availability_zones: d.availability_zones().to_vec(),
                private_dns_names: dns,
                owner: d.owner().map(str::to_string),
            });
        }
        token = page.next_token().filter(|t| !t.is_empty()).map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(out)
}
