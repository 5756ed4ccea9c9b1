//! The inventory's assembly over a fake EC2: gaps, errors that stop, and the
//! links between subnets, route tables and ACLs.

use std::collections::BTreeSet;

use super::*;
use vpce_model::EndpointType;

#[derive(Default)]
struct FakeEc2 {
    vpc: Option<VpcInfo>,
    subnets: Vec<SubnetInfo>,
    route_tables: Vec<RouteTableInfo>,
    acls: Vec<NetworkAclInfo>,
    services: Vec<EndpointServiceInfo>,
    zones: Vec<String>,
    /// Calls answered with AccessDenied.
    denied: BTreeSet<AwsAction>,
    /// A call answered with a throttling error.
    throttled: Option<AwsAction>,
}

impl FakeEc2 {
    fn answer<T>(&self, action: AwsAction, value: T) -> Result<T, AwsError> {
        if self.denied.contains(&action) {
            return Err(AwsError::AccessDenied {
                action: action.name().into(),
                resource: "vpc-1".into(),
                code: "UnauthorizedOperation".into(),
                message: "denied".into(),
            });
        }
        if self.throttled == Some(action) {
            return Err(AwsError::Throttled {
                action: action.name().into(),
                code: "RequestLimitExceeded".into(),
            });
        }
        Ok(value)
    }
}

impl Ec2Describe for FakeEc2 {
    async fn vpc(&self, _: &str) -> Result<Option<VpcInfo>, AwsError> {
        self.answer(AwsAction::Ec2DescribeVpcs, self.vpc.clone())
    }
    async fn dns_attribute(&self, _: &str, hostnames: bool) -> Result<Option<bool>, AwsError> {
        self.answer(AwsAction::Ec2DescribeVpcAttribute, Some(!hostnames))
    }
    async fn subnets(&self, _: &str) -> Result<Vec<SubnetInfo>, AwsError> {
        self.answer(AwsAction::Ec2DescribeSubnets, self.subnets.clone())
    }
    async fn route_tables(&self, _: &str) -> Result<Vec<RouteTableInfo>, AwsError> {
        self.answer(AwsAction::Ec2DescribeRouteTables, self.route_tables.clone())
    }
    async fn nat_gateways(&self, _: &str) -> Result<Vec<NatGatewayInfo>, AwsError> {
        self.answer(AwsAction::Ec2DescribeNatGateways, Vec::new())
    }
    async fn endpoints(&self, _: &str) -> Result<Vec<EndpointInfo>, AwsError> {
        self.answer(AwsAction::Ec2DescribeVpcEndpoints, Vec::new())
    }
    async fn security_groups(&self, _: &str) -> Result<Vec<SecurityGroupInfo>, AwsError> {
        self.answer(AwsAction::Ec2DescribeSecurityGroups, Vec::new())
    }
    async fn network_acls(&self, _: &str) -> Result<Vec<NetworkAclInfo>, AwsError> {
        self.answer(AwsAction::Ec2DescribeNetworkAcls, self.acls.clone())
    }
    async fn endpoint_services(&self) -> Result<Vec<EndpointServiceInfo>, AwsError> {
        self.answer(AwsAction::Ec2DescribeVpcEndpointServices, self.services.clone())
    }
    async fn private_hosted_zones(&self, _: &str) -> Result<Vec<String>, AwsError> {
        self.answer(AwsAction::Route53ListHostedZonesByVpc, self.zones.clone())
    }
}

fn run(ec2: &FakeEc2) -> Result<Inventory, AwsError> {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(read(ec2, "eu-west-1", "vpc-1", "2026-12-03T00:00:00Z".into()))
}

fn subnet(id: &str) -> SubnetInfo {
    SubnetInfo {
        subnet_id: id.into(),
        availability_zone: "eu-west-1a".into(),
        ..Default::default()
    }
}

fn route_table(id: &str, main: bool, subnets: &[&str], default_route: &str) -> RouteTableInfo {
    RouteTableInfo {
        route_table_id: id.into(),
        main,
        subnet_ids: subnets.iter().map(|s| s.to_string()).collect(),
        default_route: Some(default_route.into()),
        prefix_list_routes: Vec::new(),
    }
}

fn vpc() -> Option<VpcInfo> {
    Some(VpcInfo {
        vpc_id: "vpc-1".into(),
        cidrs: vec!["10.0.0.0/16".into()],
        ..Default::default()
    })
}

#[test]
fn denied_calls_become_gaps_and_the_rest_is_read() {
    let ec2 = FakeEc2 {
        vpc: vpc(),
        subnets: vec![subnet("subnet-a")],
        denied: [
            AwsAction::Ec2DescribeNetworkAcls,
            AwsAction::Ec2DescribeVpcAttribute,
            AwsAction::Route53ListHostedZonesByVpc,
        ]
        .into(),
        ..Default::default()
    };
    let inv = run(&ec2).expect("inventory");
    assert_eq!(
        inv.gaps,
        [
            "ec2:DescribeVpcAttribute was denied",
            "ec2:DescribeVpcAttribute was denied",
            "ec2:DescribeNetworkAcls was denied",
            "route53:ListHostedZonesByVPC was denied"
        ]
    );
    // Not read is not "none": the zone check stays silent rather than
    // passing.
    assert_eq!(inv.private_hosted_zones, None);
    assert_eq!(inv.vpc.enable_dns_support, None);
    assert_eq!(inv.subnets.len(), 1);
    assert_eq!(inv.region, "eu-west-1");
}

#[test]
fn a_missing_vpc_is_not_found_and_other_errors_stop_the_read() {
    let e = run(&FakeEc2::default()).unwrap_err();
    assert!(
        matches!(&e, AwsError::NotFound { action, .. } if action == "ec2:DescribeVpcs"),
        "{e}"
    );
    let throttled = FakeEc2 {
        vpc: vpc(),
        throttled: Some(AwsAction::Ec2DescribeSubnets),
        ..Default::default()
    };
    assert!(matches!(run(&throttled), Err(AwsError::Throttled { .. })));
    let denied_vpc = FakeEc2 {
        vpc: vpc(),
        denied: [AwsAction::Ec2DescribeVpcs].into(),
        ..Default::default()
    };
    assert!(run(&denied_vpc).unwrap_err().is_access_denied());
}

#[test]
fn subnets_take_their_explicit_route_table_else_the_main_one() {
    let ec2 = FakeEc2 {
        vpc: vpc(),
        subnets: vec![subnet("subnet-b"), subnet("subnet-a")],
        route_tables: vec![
            route_table("rtb-main", true, &[], "igw-1"),
            route_table("rtb-private", false, &["subnet-a"], "nat-1"),
        ],
        acls: vec![NetworkAclInfo {
            network_acl_id: "acl-1".into(),
            subnet_ids: vec!["subnet-b".into()],
            ..Default::default()
        }],
        ..Default::default()
    };
    let inv = run(&ec2).expect("inventory");
    assert_eq!(inv.private_hosted_zones, Some(Vec::new()));
    let [a, b] = &inv.subnets[..] else {
        panic!("{:?}", inv.subnets)
    };
    assert_eq!(
        (
            a.subnet_id.as_str(),
            a.route_table_id.as_deref(),
            a.default_route_nat.as_deref()
        ),
        ("subnet-a", Some("rtb-private"), Some("nat-1"))
    );
    assert_eq!(
        (
            b.route_table_id.as_deref(),
            b.default_route_nat.as_deref(),
            b.network_acl_id.as_deref()
        ),
        (Some("rtb-main"), None, Some("acl-1"))
    );
}

#[test]
fn a_service_listed_twice_has_both_types() {
    let listing = |t| EndpointServiceInfo {
        service_name: "com.amazonaws.eu-west-1.s3".into(),
        types: vec![t],
        ..Default::default()
    };
    let mut out = Vec::new();
    merge_service(&mut out, listing(EndpointType::Gateway));
    merge_service(&mut out, listing(EndpointType::Interface));
    merge_service(&mut out, listing(EndpointType::Gateway));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].types, [EndpointType::Gateway, EndpointType::Interface]);
}
