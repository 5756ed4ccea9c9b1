//! Reads one VPC and the Region's endpoint services through the EC2 API.
//!
//! Every paginated call is read to its last page. `DescribeVpcs` must work;
//! an AccessDenied on any other call is recorded as a gap in the inventory
//! (the checks that need it say so) and the run goes on. Any other error stops.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Filter, VpcAttributeName};
use vpce_model::aws_action::AwsAction;
use vpce_model::inventory::{
    EndpointInfo, EndpointServiceInfo, Inventory, NatGatewayInfo, NetworkAclInfo, RouteTableInfo, SecurityGroupInfo,
    SubnetInfo, VpcInfo,
};

use crate::error::{classify, AwsError};
use crate::Aws;

mod convert;
#[cfg(test)]
mod tests;

/// The EC2 describes the inventory is read from, each returning every page
/// in the inventory model's types. [`SdkEc2`] implements it over the SDK
/// client; the unit tests implement it over fixed answers.
pub(crate) trait Ec2Describe {
    /// The VPC's CIDRs and owner (`None`: no such VPC); DNS attributes unset.
    async fn vpc(&self, vpc_id: &str) -> Result<Option<VpcInfo>, AwsError>;
    /// `enableDnsSupport` or `enableDnsHostnames`.
    async fn dns_attribute(&self, vpc_id: &str, hostnames: bool) -> Result<Option<bool>, AwsError>;
    /// The subnets, with their route table, NAT route and ACL unset.
    async fn subnets(&self, vpc_id: &str) -> Result<Vec<SubnetInfo>, AwsError>;
    async fn route_tables(&self, vpc_id: &str) -> Result<Vec<RouteTableInfo>, AwsError>;
    async fn nat_gateways(&self, vpc_id: &str) -> Result<Vec<NatGatewayInfo>, AwsError>;
    async fn endpoints(&self, vpc_id: &str) -> Result<Vec<EndpointInfo>, AwsError>;
    async fn security_groups(&self, vpc_id: &str) -> Result<Vec<SecurityGroupInfo>, AwsError>;
    async fn network_acls(&self, vpc_id: &str) -> Result<Vec<NetworkAclInfo>, AwsError>;
    /// The AWS services the Region offers endpoints for.
    async fn endpoint_services(&self) -> Result<Vec<EndpointServiceInfo>, AwsError>;
    /// The names of the private hosted zones associated with the VPC that
    /// an account owns (not those AWS manages for endpoints).
    async fn private_hosted_zones(&self, vpc_id: &str) -> Result<Vec<String>, AwsError>;
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
    let ec2 = SdkEc2 {
        client: &aws.ec2,
        route53: &aws.route53,
        region: &aws.region,
    };
    aws.block_on(read(&ec2, &aws.region, vpc_id, read_at))
}

/// The inventory from `ec2`: `DescribeVpcs` must work, every other call may
/// be denied (a gap); the subnets are linked to their route table, NAT
/// route and network ACL.
async fn read(ec2: &impl Ec2Describe, region: &str, vpc_id: &str, read_at: String) -> Result<Inventory, AwsError> {
    let Some(mut vpc) = ec2.vpc(vpc_id).await? else {
        return Err(AwsError::NotFound {
            action: AwsAction::Ec2DescribeVpcs.name().into(),
            resource: vpc_id.into(),
            code: "InvalidVpcID.NotFound".into(),
            message: format!("no VPC {vpc_id} in {region}"),
        });
    };
    let mut gaps = Vec::new();
    vpc.enable_dns_support = tolerate(ec2.dns_attribute(vpc_id, false).await, &mut gaps)?;
    vpc.enable_dns_hostnames = tolerate(ec2.dns_attribute(vpc_id, true).await, &mut gaps)?;
    let mut subnets = tolerate(ec2.subnets(vpc_id).await, &mut gaps)?;
    let route_tables = tolerate(ec2.route_tables(vpc_id).await, &mut gaps)?;
    let nat_gateways = tolerate(ec2.nat_gateways(vpc_id).await, &mut gaps)?;
    let endpoints = tolerate(ec2.endpoints(vpc_id).await, &mut gaps)?;
    let security_groups = tolerate(ec2.security_groups(vpc_id).await, &mut gaps)?;
    let network_acls = tolerate(ec2.network_acls(vpc_id).await, &mut gaps)?;
    let services = tolerate(ec2.endpoint_services().await, &mut gaps)?;
    let private_hosted_zones = tolerate(ec2.private_hosted_zones(vpc_id).await.map(Some), &mut gaps)?;
    link_subnets(&mut subnets, &route_tables, &network_acls);
    Ok(Inventory {
        region: region.to_string(),
        read_at,
        vpc,
        subnets,
        route_tables,
        nat_gateways,
        endpoints,
        services,
        security_groups,
        network_acls,
        private_hosted_zones,
        gaps,
    })
}

/// Each subnet's route table (its explicit association, else the main
/// table), the NAT gateway of that table's default route, and its ACL;
/// subnets sorted by ID.
fn link_subnets(subnets: &mut [SubnetInfo], route_tables: &[RouteTableInfo], acls: &[NetworkAclInfo]) {
    let main = route_tables
        .iter()
        .rev()
        .find(|r| r.main)
        .map(|r| r.route_table_id.clone());
    let explicit: BTreeMap<&str, &str> = route_tables
        .iter()
        .flat_map(|r| {
            r.subnet_ids
                .iter()
                .map(move |s| (s.as_str(), r.route_table_id.as_str()))
        })
        .collect();
    let acl_of: BTreeMap<&str, &str> = acls
        .iter()
        .flat_map(|a| {
            a.subnet_ids
                .iter()
                .map(move |s| (s.as_str(), a.network_acl_id.as_str()))
        })
        .collect();
    for s in subnets.iter_mut() {
        s.route_table_id = explicit
            .get(s.subnet_id.as_str())
            .map(|r| r.to_string())
            .or_else(|| main.clone());
        s.default_route_nat = s
            .route_table_id
            .as_ref()
            .and_then(|id| route_tables.iter().find(|r| &r.route_table_id == id))
            .and_then(|r| r.default_route.clone())
            .filter(|t| t.starts_with("nat-"));
        s.network_acl_id = acl_of.get(s.subnet_id.as_str()).map(|a| a.to_string());
    }
    subnets.sort_by(|a, b| a.subnet_id.cmp(&b.subnet_id));
}

/// [`Ec2Describe`] over the SDK's EC2 client.
pub(crate) struct SdkEc2<'a> {
    pub(crate) client: &'a aws_sdk_ec2::Client,
    pub(crate) route53: &'a aws_sdk_route53::Client,
    pub(crate) region: &'a str,
}

fn vpc_filter(vpc_id: &str) -> Filter {
    Filter::builder().name("vpc-id").values(vpc_id).build()
}

/// Every page of a describe call filtered to the VPC.
macro_rules! all_pages {
    ($self:ident, $vpc_id:ident, $op:ident, $filter:ident, $action:expr) => {
        $self
            .client
            .$op()
            .$filter(vpc_filter($vpc_id))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| classify(e, $action, $vpc_id))?
    };
}

impl Ec2Describe for SdkEc2<'_> {
    async fn vpc(&self, vpc_id: &str) -> Result<Option<VpcInfo>, AwsError> {
        let out = self
            .client
            .describe_vpcs()
            .vpc_ids(vpc_id)
            .send()
            .await
            .map_err(|e| classify(e, AwsAction::Ec2DescribeVpcs, vpc_id))?;
        Ok(out.vpcs().first().map(|v| convert::vpc(vpc_id, v)))
    }

    async fn dns_attribute(&self, vpc_id: &str, hostnames: bool) -> Result<Option<bool>, AwsError> {
        let name = if hostnames {
            VpcAttributeName::EnableDnsHostnames
        } else {
            VpcAttributeName::EnableDnsSupport
        };
        let out = self
            .client
            .describe_vpc_attribute()
            .vpc_id(vpc_id)
            .attribute(name)
            .send()
            .await
            .map_err(|e| classify(e, AwsAction::Ec2DescribeVpcAttribute, vpc_id))?;
        Ok(if hostnames {
            out.enable_dns_hostnames().and_then(|v| v.value())
        } else {
            out.enable_dns_support().and_then(|v| v.value())
        })
    }

    async fn subnets(&self, vpc_id: &str) -> Result<Vec<SubnetInfo>, AwsError> {
        let pages = all_pages!(self, vpc_id, describe_subnets, filters, AwsAction::Ec2DescribeSubnets);
        Ok(pages.iter().map(convert::subnet).collect())
    }

    async fn route_tables(&self, vpc_id: &str) -> Result<Vec<RouteTableInfo>, AwsError> {
        let pages = all_pages!(
            self,
            vpc_id,
            describe_route_tables,
            filters,
            AwsAction::Ec2DescribeRouteTables
        );
        Ok(pages.iter().map(convert::route_table).collect())
    }

    async fn nat_gateways(&self, vpc_id: &str) -> Result<Vec<NatGatewayInfo>, AwsError> {
        let pages = all_pages!(
            self,
            vpc_id,
            describe_nat_gateways,
            filter,
            AwsAction::Ec2DescribeNatGateways
        );
        Ok(pages.iter().map(convert::nat_gateway).collect())
    }

    async fn endpoints(&self, vpc_id: &str) -> Result<Vec<EndpointInfo>, AwsError> {
        let pages = all_pages!(
            self,
            vpc_id,
            describe_vpc_endpoints,
            filters,
            AwsAction::Ec2DescribeVpcEndpoints
        );
        Ok(pages.iter().map(convert::endpoint).collect())
    }

    async fn security_groups(&self, vpc_id: &str) -> Result<Vec<SecurityGroupInfo>, AwsError> {
        let pages = all_pages!(
            self,
            vpc_id,
            describe_security_groups,
            filters,
            AwsAction::Ec2DescribeSecurityGroups
        );
        Ok(pages.iter().map(convert::security_group).collect())
    }

    async fn network_acls(&self, vpc_id: &str) -> Result<Vec<NetworkAclInfo>, AwsError> {
        let pages = all_pages!(
            self,
            vpc_id,
            describe_network_acls,
            filters,
            AwsAction::Ec2DescribeNetworkAcls
        );
        Ok(pages.iter().map(convert::network_acl).collect())
    }

    async fn endpoint_services(&self) -> Result<Vec<EndpointServiceInfo>, AwsError> {
        endpoint_services(self.client, self.region).await
    }

    async fn private_hosted_zones(&self, vpc_id: &str) -> Result<Vec<String>, AwsError> {
        let mut zones = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .route53
                .list_hosted_zones_by_vpc()
                .vpc_id(vpc_id)
                .vpc_region(aws_sdk_route53::types::VpcRegion::from(self.region))
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| classify(e, AwsAction::Route53ListHostedZonesByVpc, vpc_id))?;
            zones.extend(
                page.hosted_zone_summaries()
                    .iter()
                    .filter(|z| z.owner().is_none_or(|o| o.owning_service().is_none()))
                    .map(|z| z.name().trim_end_matches('.').to_string()),
            );
            token = page.next_token().filter(|t| !t.is_empty()).map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        Ok(zones)
    }
}

/// `DescribeVpcEndpointServices`, every page: the AWS services the Region
/// offers endpoints for (partner and customer services are left out).
async fn endpoint_services(client: &aws_sdk_ec2::Client, region: &str) -> Result<Vec<EndpointServiceInfo>, AwsError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .describe_vpc_endpoint_services()
            .set_next_token(token.take())
            .max_results(1000)
            .send()
            .await
            .map_err(|e| classify(e, AwsAction::Ec2DescribeVpcEndpointServices, region))?;
        for d in page.service_details() {
            if let Some(info) = convert::endpoint_service(d) {
                merge_service(&mut out, info);
            }
        }
        token = page.next_token().filter(|t| !t.is_empty()).map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(out)
}

/// Adds one listed service; the same name can be listed twice (S3: gateway
/// and interface), and its types are then merged.
fn merge_service(out: &mut Vec<EndpointServiceInfo>, info: EndpointServiceInfo) {
    if let Some(prev) = out.iter_mut().find(|s| s.service_name == info.service_name) {
        prev.types.extend(info.types);
        prev.types.sort();
        prev.types.dedup();
    } else {
        out.push(info);
    }
}
