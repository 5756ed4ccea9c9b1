//! Gateway endpoints and the route tables of the subnets that route to NAT.

use vpce_model::inventory::{Finding, Inventory, Severity};
use vpce_model::{EndpointType, Report};

use crate::live::join;

/// A live gateway endpoint missing from a workload route table leaves those
/// subnets' traffic to it on NAT (warning); the fix adds the route tables.
pub(crate) fn gateway_routes(inv: &Inventory, _: Option<&Report>) -> Vec<Finding> {
    let rts = inv.workload_route_tables();
    let mut out = Vec::new();
    for e in inv.live_endpoints(EndpointType::Gateway) {
        let missing = e.missing_route_tables(&rts);
        if !missing.is_empty() {
            out.push(Finding::new(
                Severity::Warning,
                "gateway-route-tables",
                &e.endpoint_id,
                format!(
                    "gateway endpoint for {} is not in route table{} {}, used by subnets that route to NAT: their traffic to it still pays NAT processing",
                    e.service_name,
                    if missing.len() == 1 { "" } else { "s" },
                    join(&missing)
                ),
                format!(
                    "aws ec2 modify-vpc-endpoint --vpc-endpoint-id {} --add-route-table-ids {}",
                    e.endpoint_id,
                    missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
                ),
            ));
        }
    }
    out
}

/// The services with a free gateway endpoint.
const GATEWAY_SERVICES: [&str; 2] = ["s3", "dynamodb"];

/// A VPC whose workload subnets route to NAT and that has no live S3 (or
/// DynamoDB) gateway endpoint pays NAT processing for traffic a free
/// endpoint would carry: a warning, no logs needed; info when the report
/// (given) saw no traffic to the service through NAT.
pub(crate) fn gateway_endpoints(inv: &Inventory, report: Option<&Report>) -> Vec<Finding> {
    let rts = inv.workload_route_tables();
    if inv.workload_subnets().is_empty() {
        return Vec::new();
    }
    let gateways = inv.live_endpoints(EndpointType::Gateway);
    let mut out = Vec::new();
    for svc in GATEWAY_SERVICES {
        let suffix = format!(".{}.{svc}", inv.region);
        if gateways.iter().any(|e| e.service_name.ends_with(&suffix)) {
            continue; // gateway_routes checks its route tables
        }
        let name = inv
            .services
            .iter()
            .find(|s| s.service_name.ends_with(&suffix) && s.types.contains(&EndpointType::Gateway))
            .map_or_else(|| format!("com.amazonaws{suffix}"), |s| s.service_name.clone());
        let seen = report.and_then(|r| {
            r.services
                .iter()
                .find(|s| s.service == svc && s.region.as_deref() == Some(inv.region.as_str()))
        });
        let (severity, traffic) = match (report, seen) {
            (Some(_), Some(s)) if s.bytes_via_nat > 0 => (
                Severity::Warning,
                format!("the logs show {:.2} GB to it through NAT", vpce_model::gb(s.bytes_via_nat)),
            ),
            (Some(_), _) => (Severity::Info, "the logs show no traffic to it through NAT".to_string()),
            (None, _) => (
                Severity::Warning,
                "no logs needed: whatever goes to it through NAT today (package mirrors, ECR layers, SSM and AWS-owned buckets included) pays NAT processing".to_string(),
            ),
        };
        let rt_list = if rts.is_empty() {
            "<route table IDs>".to_string()
        } else {
            rts.join(" ")
        };
        out.push(Finding::new(
            severity,
            "gateway-endpoint-missing",
            &name,
            format!(
                "no {svc} gateway endpoint in {}, whose subnets route to NAT: it is free (no hourly or per-GB charge) and takes {svc} traffic of this Region off NAT; {traffic}",
                inv.vpc.vpc_id
            ),
            format!(
                "aws ec2 create-vpc-endpoint --vpc-id {} --vpc-endpoint-type Gateway --service-name {name} --route-table-ids {rt_list} (or vpce-advisor iac from a report that has {svc}); creating it drops open TCP connections to {svc} in those subnets once",
                inv.vpc.vpc_id
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{found, inventory, subnet};
    use super::*;

    #[test]
    fn gateway_routes_lists_every_missing_workload_route_table() {
        let mut inv = inventory();
        let f = gateway_routes(&inv, None);
        assert_eq!(found(&f), [("gateway-route-tables", "vpce-s3")]);
        assert!(
            f[0].message.contains("not in route table rtb-private,"),
            "{}",
            f[0].message
        );
        assert!(f[0]
            .fix
            .ends_with("--vpc-endpoint-id vpce-s3 --add-route-table-ids rtb-private"));

        let mut other = subnet("subnet-c", "us-east-1c", "10.0.4.0/24", Some("nat-1"));
        other.route_table_id = Some("rtb-private-c".into());
        inv.subnets.push(other);
        let f = gateway_routes(&inv, None);
        assert!(f[0].message.contains("route tables rtb-private, rtb-private-c"));
        assert!(f[0].fix.ends_with("--add-route-table-ids rtb-private rtb-private-c"));

        inv.endpoints[1].route_table_ids = vec!["rtb-private".into(), "rtb-private-c".into()];
        assert!(gateway_routes(&inv, None).is_empty());
        inv.endpoints[1].route_table_ids.clear();
        inv.endpoints[1].state = "Deleted".into();
        assert!(
            gateway_routes(&inv, None).is_empty(),
            "a deleted endpoint is endpoint-state's"
        );
    }

    #[test]
    fn gateway_endpoints_missing_for_a_vpc_that_routes_to_nat() {
        use vpce_model::inventory::EndpointServiceInfo;
        let mut inv = inventory();
        // The fixture has an S3 gateway endpoint (on the wrong route table,
        // which is gateway_routes' finding) and no DynamoDB one.
        let f = gateway_endpoints(&inv, None);
        assert_eq!(
            found(&f),
            [("gateway-endpoint-missing", "com.amazonaws.us-east-1.dynamodb")]
        );
        assert_eq!(f[0].severity, Severity::Warning);
        assert!(
            f[0].message.contains("no dynamodb gateway endpoint in vpc-1"),
            "{}",
            f[0].message
        );
        assert!(f[0].message.contains("free"));
        assert!(
            f[0].fix.starts_with("aws ec2 create-vpc-endpoint --vpc-id vpc-1 --vpc-endpoint-type Gateway --service-name com.amazonaws.us-east-1.dynamodb --route-table-ids rtb-private "),
            "{}",
            f[0].fix
        );

        // A dead S3 endpoint does not count; the live service list names it.
        inv.endpoints[1].state = "Deleted".into();
        inv.services = vec![
            EndpointServiceInfo {
                service_name: "cn.com.amazonaws.us-east-1.s3".into(),
                types: vec![EndpointType::Interface],
                ..Default::default()
            },
            EndpointServiceInfo {
                service_name: "com.amazonaws.us-east-1.s3".into(),
                types: vec![EndpointType::Gateway],
                ..Default::default()
            },
        ];
        let f = gateway_endpoints(&inv, None);
        assert_eq!(
            found(&f),
            [
                ("gateway-endpoint-missing", "com.amazonaws.us-east-1.s3"),
                ("gateway-endpoint-missing", "com.amazonaws.us-east-1.dynamodb")
            ]
        );

        // With a report: a warning where the logs saw NAT traffic, else info.
        use crate::advise::tests::{report, service};
        let r = report("us-east-1", 24.0, &[], vec![service("s3", &[EndpointType::Gateway], 3)]);
        let f = gateway_endpoints(&inv, Some(&r));
        assert_eq!(
            (f[0].resource.as_str(), f[0].severity),
            ("com.amazonaws.us-east-1.s3", Severity::Warning)
        );
        assert!(f[0].message.contains("3.00 GB to it through NAT"));
        assert_eq!(f[1].severity, Severity::Info);

        // No subnet routes to NAT: nothing to save.
        for s in &mut inv.subnets {
            s.default_route_nat = None;
        }
        assert!(gateway_endpoints(&inv, None).is_empty());
    }
}
