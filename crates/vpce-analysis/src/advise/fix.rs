//! `fix-existing`: an endpoint exists, but the live inventory shows why some
//! of the service's traffic still goes through NAT (a gateway endpoint
//! missing from route tables of subnets that route to NAT, an interface
//! endpoint with private DNS off, the VPC's DNS attributes off). The saving
//! is the NAT cost of that traffic, less what the endpoint charges to carry
//! it (interface: processing only, its hours are already paid).

use vpce_model::inventory::EndpointFix;
use vpce_model::{EndpointType, Recommendation, ServiceUsage};

use super::{gbs, usd, Decision, Monthly, Pricing, Scope};

/// The inventory's fixes for this service's endpoints, when its traffic
/// still goes through NAT and a fix would move some of it: gateway fixes
/// always (a gateway endpoint carries every name), interface fixes when some
/// of the traffic uses names the endpoint's private DNS covers.
fn fixes(s: &ServiceUsage, scope: &Scope) -> Vec<EndpointFix> {
    let (Some(inv), Some(name)) = (scope.inventory, s.endpoint_service_name.as_deref()) else {
        return Vec::new();
    };
    if s.bytes_via_nat == 0 {
        return Vec::new();
    }
    let covered = s.bytes_via_nat > s.bytes_via_nat_not_covered;
    // S3 and DynamoDB: the gateway endpoint carries the VPC's traffic; an
    // interface endpoint beside it has private DNS off (or inbound-only) by
    // design, for on-premises clients.
    let gateway_service = s.endpoint_types.contains(&EndpointType::Gateway);
    inv.endpoint_fixes(name)
        .into_iter()
        .filter(|f| f.endpoint_type == Some(EndpointType::Gateway) || (covered && !gateway_service))
        .collect()
}

/// A service with a gateway endpoint type whose existing endpoints in the
/// inventory are interface endpoints only: the free gateway endpoint is
/// still to create.
pub(super) fn gateway_missing(s: &ServiceUsage, scope: &Scope) -> bool {
    let (Some(inv), Some(name)) = (scope.inventory, s.endpoint_service_name.as_deref()) else {
        return false;
    };
    s.endpoint_types.contains(&EndpointType::Gateway)
        && s.bytes_via_nat > 0
        && inv.endpoints.iter().any(|e| e.is_live() && e.service_name == name)
        && !inv
            .endpoints
            .iter()
            .any(|e| e.is_live() && e.service_name == name && e.endpoint_type == Some(EndpointType::Gateway))
}

/// The service's fixes are for interface endpoints (its NAT bytes would be
/// processed by the endpoint, and the names it does not cover stay on NAT).
pub(super) fn is_interface_fix(s: &ServiceUsage) -> bool {
    s.recommendation == Some(Recommendation::FixExisting)
        && !s.endpoint_fixes.is_empty()
        && s.endpoint_fixes
            .iter()
            .all(|f| f.endpoint_type == Some(EndpointType::Interface))
}

/// With prices: `fix-existing`, its reasons and arithmetic, when the
/// inventory shows a fix; `None` otherwise.
pub(super) fn priced(s: &mut ServiceUsage, ctx: &Pricing, m: &Monthly) -> Option<Decision> {
    let fixes = fixes(s, &ctx.scope);
    if fixes.is_empty() {
        return None;
    }
    what_to_fix(s, &ctx.scope, &fixes);
    let gateway = fixes.iter().any(|f| f.endpoint_type == Some(EndpointType::Gateway));
    let with = if gateway {
        s.reasons.push(format!(
            "the gateway endpoint is free: fixing it saves all of {} (an upper bound: the logs do not say which subnets sent it; subnets on associated route tables already skip NAT)",
            m.nat_line
        ));
        0.0
    } else {
        let p = &ctx.p;
        let with = m.covered * ctx.rate.usd_per_gb + m.uncovered * p.nat_usd_per_gb;
        s.reasons.push(format!(
            "{}; through the endpoint it costs {} × {}{} = {} (its hours are already paid), saving {} a month",
            m.nat_line,
            gbs(m.covered),
            ctx.rate.quoted(),
            if m.uncovered > 0.0 {
                format!(
                    " + {} to names its private DNS does not cover, still through NAT × ${}/GB",
                    gbs(m.uncovered),
                    p.nat_usd_per_gb
                )
            } else {
                String::new()
            },
            usd(with),
            usd(m.now - with)
        ));
        with
    };
    s.endpoint_fixes = fixes;
    Some((Recommendation::FixExisting, Some(with)))
}

/// Without prices: `fix-existing` with what to fix (the saving is not
/// priced), when the inventory shows a fix.
pub(super) fn unpriced(s: &mut ServiceUsage, scope: &Scope) -> Option<Recommendation> {
    let fixes = fixes(s, scope);
    if fixes.is_empty() {
        return None;
    }
    what_to_fix(s, scope, &fixes);
    s.reasons.push(format!(
        "the saving is not priced (no prices for {}): it is the NAT processing of this traffic{}",
        scope.region,
        if fixes.iter().all(|f| f.endpoint_type == Some(EndpointType::Interface)) {
            ", less the endpoint's processing"
        } else {
            ""
        }
    ));
    s.endpoint_fixes = fixes;
    Some(Recommendation::FixExisting)
}

/// One reason per fix: which route tables, subnets or setting, and the
/// command that applies it.
fn what_to_fix(s: &mut ServiceUsage, scope: &Scope, fixes: &[EndpointFix]) {
    let vpc = scope.inventory.map_or("the VPC", |i| i.vpc.vpc_id.as_str());
    for f in fixes {
        let id = &f.endpoint_id;
        if !f.missing_route_table_ids.is_empty() {
            s.reasons.push(format!(
                "{id} is not associated with {} ({} of subnets {} that route to NAT): their {} traffic goes through NAT; associate them (aws ec2 modify-vpc-endpoint --vpc-endpoint-id {id} --add-route-table-ids {})",
                f.missing_route_table_ids.join(", "),
                if f.missing_route_table_ids.len() == 1 { "the route table" } else { "the route tables" },
                f.subnets_bypassing.join(", "),
                s.service,
                f.missing_route_table_ids.join(" ")
            ));
        }
        if f.private_dns_off {
            s.reasons.push(format!(
                "{id} has private DNS off: clients calling {}'s default names resolve its public addresses and go through NAT; turn it on (aws ec2 modify-vpc-endpoint --vpc-endpoint-id {id} --private-dns-enabled; the VPC needs DNS resolution and DNS hostnames on)",
                s.service
            ));
        }
        if !f.vpc_dns_attributes_off.is_empty() {
            let flags: Vec<String> = f
                .vpc_dns_attributes_off
                .iter()
                .map(|a| match a.as_str() {
                    "enableDnsSupport" => {
                        format!("aws ec2 modify-vpc-attribute --vpc-id {vpc} --enable-dns-support '{{\"Value\":true}}'")
                    }
                    _ => format!(
                        "aws ec2 modify-vpc-attribute --vpc-id {vpc} --enable-dns-hostnames '{{\"Value\":true}}'"
                    ),
                })
                .collect();
            s.reasons.push(format!(
                "{id} has private DNS on, but {} {} off in {vpc}, so its private DNS does not answer and clients go through NAT; turn {} on ({})",
                f.vpc_dns_attributes_off.join(" and "),
                if f.vpc_dns_attributes_off.len() == 1 { "is" } else { "are" },
                if f.vpc_dns_attributes_off.len() == 1 { "it" } else { "them" },
                flags.join("; ")
            ));
        }
        if !f.missing_subnet_ids.is_empty() {
            s.reasons.push(format!(
                "{id} has no network interface in some AZs with workloads: add {} (aws ec2 modify-vpc-endpoint --vpc-endpoint-id {id} --add-subnet-ids {}), else those clients pay cross-AZ data transfer each way",
                f.missing_subnet_ids.join(", "),
                f.missing_subnet_ids.join(" ")
            ));
        }
    }
    if scope.clients_outside_vpc && fixes.iter().any(|f| f.endpoint_type == Some(EndpointType::Gateway)) {
        s.reasons.push("some NAT traffic comes from outside the VPC CIDRs: a gateway endpoint does not carry it, whatever its route tables".into());
    }
}

#[cfg(test)]
mod tests {
    use vpce_model::inventory::{EndpointInfo, Inventory, SubnetInfo, VpcInfo};
    use vpce_model::{EndpointType, Live, Recommendation, Report, ServiceUsage};
    use vpce_pricing::PriceTable;

    use crate::advise::tests::{report, service};
    use crate::advise::{advise, AdviceOptions};

    fn subnet(id: &str, az: &str, rtb: &str) -> SubnetInfo {
        SubnetInfo {
            subnet_id: id.into(),
            availability_zone: az.into(),
            route_table_id: Some(rtb.into()),
            default_route_nat: Some("nat-1".into()),
            ..Default::default()
        }
    }

    fn endpoint(id: &str, service: &str, kind: EndpointType) -> EndpointInfo {
        EndpointInfo {
            endpoint_id: id.into(),
            service_name: format!("com.amazonaws.us-east-1.{service}"),
            endpoint_type: Some(kind),
            state: "available".into(),
            ..Default::default()
        }
    }

    /// Two workload subnets in two AZs on their own route tables; an S3
    /// gateway endpoint on one of them, an SQS endpoint with private DNS off
    /// in one AZ, a logs endpoint with private DNS on in both.
    fn inventory() -> Inventory {
        let mut s3 = endpoint("vpce-s3", "s3", EndpointType::Gateway);
        s3.route_table_ids = vec!["rtb-a".into()];
        let mut sqs = endpoint("vpce-sqs", "sqs", EndpointType::Interface);
        sqs.subnet_ids = vec!["subnet-a".into()];
        sqs.private_dns_enabled = Some(false);
        let mut logs = endpoint("vpce-logs", "logs", EndpointType::Interface);
        logs.subnet_ids = vec!["subnet-a".into(), "subnet-b".into()];
        logs.private_dns_enabled = Some(true);
        Inventory {
            region: "us-east-1".into(),
            vpc: VpcInfo {
                vpc_id: "vpc-1".into(),
                enable_dns_support: Some(true),
                enable_dns_hostnames: Some(true),
                ..Default::default()
            },
            subnets: vec![
                subnet("subnet-a", "us-east-1a", "rtb-a"),
                subnet("subnet-b", "us-east-1b", "rtb-b"),
            ],
            endpoints: vec![s3, sqs, logs],
            ..Default::default()
        }
    }

    fn existing(name: &str, types: &[EndpointType], gb: u64) -> ServiceUsage {
        let mut s = service(name, types, gb);
        s.endpoint_exists = true;
        s.endpoint_exists_evidence = vec![format!("vpce-{name} in vpc-1")];
        s
    }

    fn advised(services: Vec<ServiceUsage>, inv: Inventory, region: &str) -> Report {
        let mut r = report(region, 730.0, &["a", "b"], services);
        r.live = Some(Live {
            inventory: inv,
            findings: Vec::new(),
        });
        advise(&mut r, &PriceTable::embedded(), &AdviceOptions::default());
        r
    }

    fn get<'a>(r: &'a Report, name: &str) -> &'a ServiceUsage {
        r.services.iter().find(|s| s.service == name).unwrap()
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-6)
    }

    #[test]
    fn a_gateway_endpoint_missing_from_a_nat_route_table_is_fixed_for_the_whole_nat_cost() {
        use EndpointType::*;
        let r = advised(
            vec![existing("s3", &[Gateway, Interface], 500)],
            inventory(),
            "us-east-1",
        );
        let s3 = get(&r, "s3");
        assert_eq!(s3.recommendation, Some(Recommendation::FixExisting), "{:?}", s3.reasons);
        // 500 GB × $0.045 = 22.50, all saved: the gateway endpoint is free.
        assert!(close(s3.monthly_savings_usd, 22.5), "{:?}", s3.monthly_savings_usd);
        assert!(close(s3.monthly_cost_with_endpoint_usd, 0.0));
        let all = s3.reasons.join("\n");
        assert!(
            all.contains(
                "vpce-s3 is not associated with rtb-b (the route table of subnets subnet-b that route to NAT)"
            ),
            "{all}"
        );
        assert!(all.contains("--add-route-table-ids rtb-b"), "{all}");
        assert!(
            all.contains("saves all of 500 GB a month through NAT × $0.045/GB = $22.50"),
            "{all}"
        );
        assert_eq!(s3.endpoint_fixes.len(), 1);
        assert_eq!(s3.endpoint_fixes[0].missing_route_table_ids, ["rtb-b"]);
        let c = r.costs.as_ref().unwrap();
        assert!((c.savings_if_all_applied_usd - 22.5).abs() < 1e-9);
        assert!(close(c.net_savings_if_all_applied_usd, 22.5));
        assert!(r.live.is_some(), "the inventory is kept in the report");
    }

    #[test]
    fn an_interface_endpoint_with_private_dns_off_saves_nat_less_its_processing() {
        let r = advised(
            vec![existing("sqs", &[EndpointType::Interface], 1000)],
            inventory(),
            "us-east-1",
        );
        let sqs = get(&r, "sqs");
        assert_eq!(
            sqs.recommendation,
            Some(Recommendation::FixExisting),
            "{:?}",
            sqs.reasons
        );
        // now 1000 × 0.045 = 45.00; through the endpoint 1000 × 0.01 = 10.00
        // (its hours are already paid): saves 35.00.
        assert!(close(sqs.monthly_cost_with_endpoint_usd, 10.0));
        assert!(close(sqs.monthly_savings_usd, 35.0));
        let all = sqs.reasons.join("\n");
        assert!(all.contains("vpce-sqs has private DNS off"), "{all}");
        assert!(all.contains("--private-dns-enabled"), "{all}");
        assert!(
            all.contains("1000 GB × $0.01/GB = $10.00 (its hours are already paid), saving $35.00"),
            "{all}"
        );
        assert!(all.contains("add subnet-b"), "the AZ it lacks: {all}");
    }

    #[test]
    fn vpc_dns_attributes_off_leave_an_interface_endpoint_unused() {
        let mut inv = inventory();
        inv.vpc.enable_dns_hostnames = Some(false);
        let r = advised(
            vec![existing("logs", &[EndpointType::Interface], 100)],
            inv,
            "us-east-1",
        );
        let logs = get(&r, "logs");
        assert_eq!(
            logs.recommendation,
            Some(Recommendation::FixExisting),
            "{:?}",
            logs.reasons
        );
        let all = logs.reasons.join("\n");
        assert!(
            all.contains("vpce-logs has private DNS on, but enableDnsHostnames is off in vpc-1"),
            "{all}"
        );
        assert!(
            all.contains("modify-vpc-attribute --vpc-id vpc-1 --enable-dns-hostnames"),
            "{all}"
        );
        // 100 × 0.045 − 100 × 0.01.
        assert!(close(logs.monthly_savings_usd, 3.5));
        assert_eq!(logs.endpoint_fixes[0].vpc_dns_attributes_off, ["enableDnsHostnames"]);
    }

    #[test]
    fn no_fix_without_traffic_through_nat_names_it_covers_or_an_inventory() {
        use EndpointType::*;
        let mut legacy = existing("sqs", &[Interface], 10);
        legacy.bytes_via_nat_not_covered = legacy.bytes_via_nat;
        legacy.hostnames[0].private_dns_covers = false;
        let r = advised(
            vec![
                existing("s3", &[Gateway, Interface], 0),
                legacy,
                existing("logs", &[Interface], 5),
            ],
            inventory(),
            "us-east-1",
        );
        for name in ["s3", "sqs", "logs"] {
            let s = get(&r, name);
            assert_eq!(
                s.recommendation,
                Some(Recommendation::Exists),
                "{name}: {:?}",
                s.reasons
            );
            assert!(s.endpoint_fixes.is_empty());
        }
        // Without an inventory, the logs alone do not say what to fix.
        let mut r = report(
            "us-east-1",
            730.0,
            &["a"],
            vec![existing("s3", &[Gateway, Interface], 50)],
        );
        advise(&mut r, &PriceTable::embedded(), &AdviceOptions::default());
        assert_eq!(get(&r, "s3").recommendation, Some(Recommendation::Exists));
    }

    #[test]
    fn without_prices_the_fix_is_still_recommended() {
        use EndpointType::*;
        let mut inv = inventory();
        inv.region = "mars-north-1".into();
        for e in &mut inv.endpoints {
            e.service_name = e.service_name.replace("us-east-1", "mars-north-1");
        }
        let mut s3 = existing("s3", &[Gateway, Interface], 50);
        s3.endpoint_service_name = Some("com.amazonaws.mars-north-1.s3".into());
        let r = advised(vec![s3], inv, "mars-north-1");
        let s3 = get(&r, "s3");
        assert_eq!(s3.recommendation, Some(Recommendation::FixExisting), "{:?}", s3.reasons);
        assert_eq!(s3.monthly_savings_usd, None);
        assert!(s3.reasons.iter().any(|x| x.contains("not priced")), "{:?}", s3.reasons);
        assert_eq!(s3.endpoint_fixes[0].missing_route_table_ids, ["rtb-b"]);
    }

    #[test]
    fn s3_with_only_an_interface_endpoint_gets_the_gateway_not_private_dns() {
        use EndpointType::*;
        let mut inv = inventory();
        // The S3 endpoint is an interface endpoint with private DNS off.
        inv.endpoints[0] = endpoint("vpce-s3i", "s3", Interface);
        inv.endpoints[0].private_dns_enabled = Some(false);
        let r = advised(
            vec![existing("s3", &[Gateway, Interface], 500)],
            inv.clone(),
            "us-east-1",
        );
        let s3 = get(&r, "s3");
        assert_eq!(
            s3.recommendation,
            Some(Recommendation::CreateGateway),
            "{:?}",
            s3.reasons
        );
        assert!(s3.endpoint_fixes.is_empty());
        assert!(close(s3.monthly_savings_usd, 22.5));
        // Beside a gateway endpoint on every NAT route table, private DNS
        // off on the interface endpoint is by design: nothing to fix.
        let mut gw = endpoint("vpce-s3", "s3", Gateway);
        gw.route_table_ids = vec!["rtb-a".into(), "rtb-b".into()];
        inv.endpoints.push(gw);
        let r = advised(vec![existing("s3", &[Gateway, Interface], 500)], inv, "us-east-1");
        assert_eq!(get(&r, "s3").recommendation, Some(Recommendation::Exists));
    }
}
