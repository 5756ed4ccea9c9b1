//! The VPC itself: its DNS attributes, its NAT routes, and what the
//! inventory could not read.

use vpce_model::inventory::{Finding, Inventory, Severity};
use vpce_model::Report;

/// DNS resolution and DNS hostnames must both be on for private DNS; an
/// attribute that could not be read is a warning.
pub(crate) fn dns_attributes(inv: &Inventory, _: Option<&Report>) -> Vec<Finding> {
    let vpc = &inv.vpc.vpc_id;
    let modify = |attr: &str| {
        format!("aws ec2 modify-vpc-attribute --vpc-id {vpc} --{attr} '{{\"Value\":true}}' (one attribute per call)")
    };
    let mut out = Vec::new();
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

/// A VPC where no subnet routes to NAT pays no NAT processing (info), and a
/// NAT gateway no subnet routes to costs its hours for nothing (info).
pub(crate) fn nat_routes(inv: &Inventory, _: Option<&Report>) -> Vec<Finding> {
    let workloads = inv.workload_subnets();
    let mut out = Vec::new();
    if workloads.is_empty() {
        out.push(Finding::new(
            Severity::Info,
            "nat-routes",
            &inv.vpc.vpc_id,
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
    out
}

/// Each AWS call that failed without stopping the inventory is a check that
/// could not run (warning).
pub(crate) fn inventory_gaps(inv: &Inventory, _: Option<&Report>) -> Vec<Finding> {
    inv.gaps
        .iter()
        .map(|gap| {
            Finding::new(
                Severity::Warning,
                "inventory",
                &inv.vpc.vpc_id,
                format!("a check could not run: {gap}"),
                "grant the action (vpce-advisor iam-policy prints the whole policy) and run again".into(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{found, inventory};
    use super::*;
    use vpce_model::inventory::NatGatewayInfo;

    #[test]
    fn dns_attributes_off_unknown_and_on() {
        let mut inv = inventory();
        let f = dns_attributes(&inv, None);
        assert_eq!(found(&f), [("dns-hostnames", "vpc-1")]);
        assert_eq!(f[0].severity, Severity::Error);
        assert!(
            f[0].fix.contains("--vpc-id vpc-1 --enable-dns-hostnames"),
            "{}",
            f[0].fix
        );

        inv.vpc.enable_dns_support = Some(false);
        let f = dns_attributes(&inv, None);
        assert_eq!(found(&f), [("dns-support", "vpc-1"), ("dns-hostnames", "vpc-1")]);
        assert!(f[0].fix.contains("--enable-dns-support"));

        inv.vpc.enable_dns_support = None;
        inv.vpc.enable_dns_hostnames = None;
        let f = dns_attributes(&inv, None);
        assert!(f
            .iter()
            .all(|f| f.severity == Severity::Warning && f.fix == "grant ec2:DescribeVpcAttribute"));
        assert_eq!(f.len(), 2);

        inv.vpc.enable_dns_support = Some(true);
        inv.vpc.enable_dns_hostnames = Some(true);
        assert!(dns_attributes(&inv, None).is_empty());
    }

    #[test]
    fn nat_routes_finds_no_route_and_unused_gateways() {
        let mut inv = inventory();
        assert!(nat_routes(&inv, None).is_empty(), "both workload subnets use nat-1");

        inv.nat_gateways.push(NatGatewayInfo {
            nat_gateway_id: "nat-2".into(),
            state: "available".into(),
            ..Default::default()
        });
        inv.nat_gateways.push(NatGatewayInfo {
            nat_gateway_id: "nat-gone".into(),
            state: "deleted".into(),
            ..Default::default()
        });
        assert_eq!(found(&nat_routes(&inv, None)), [("nat-unused", "nat-2")]);

        for s in &mut inv.subnets {
            s.default_route_nat = None;
        }
        let f = nat_routes(&inv, None);
        assert_eq!(
            found(&f),
            [
                ("nat-routes", "vpc-1"),
                ("nat-unused", "nat-1"),
                ("nat-unused", "nat-2")
            ]
        );
        assert!(f.iter().all(|f| f.severity == Severity::Info));
    }

    #[test]
    fn inventory_gaps_one_warning_each() {
        let mut inv = inventory();
        assert!(inventory_gaps(&inv, None).is_empty());
        inv.gaps = vec![
            "ec2:DescribeNetworkAcls: AccessDenied".into(),
            "ec2:DescribeSecurityGroups: AccessDenied".into(),
        ];
        let f = inventory_gaps(&inv, None);
        assert_eq!(found(&f), [("inventory", "vpc-1"), ("inventory", "vpc-1")]);
        assert!(f[1].message.contains("DescribeSecurityGroups"));
    }
}
