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
}
