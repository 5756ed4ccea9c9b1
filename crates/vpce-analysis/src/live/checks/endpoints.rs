//! The endpoints that exist: their state, private DNS and AZ coverage.

use std::collections::BTreeSet;

use vpce_model::inventory::{EndpointInfo, Finding, Inventory, Severity};
use vpce_model::{EndpointType, Report};

/// An endpoint that is not `available` or `pending` carries no traffic
/// (warning); the fix depends on whether it waits for acceptance.
pub(crate) fn endpoint_state(inv: &Inventory, _: Option<&Report>) -> Vec<Finding> {
    inv.endpoints
        .iter()
        .filter(|e| !e.is_live())
        .map(|e| {
            Finding::new(
                Severity::Warning,
                "endpoint-state",
                &e.endpoint_id,
                format!(
                    "{} endpoint for {} is {}: it carries no traffic",
                    kind(e),
                    e.service_name,
                    e.state
                ),
                if e.state.eq_ignore_ascii_case("pendingAcceptance") {
                    "ask the service owner to accept the connection".into()
                } else {
                    format!(
                        "delete it (aws ec2 delete-vpc-endpoints --vpc-endpoint-ids {}) and create it again",
                        e.endpoint_id
                    )
                },
            )
        })
        .collect()
}

fn kind(e: &EndpointInfo) -> &'static str {
    e.endpoint_type.map(crate::live::type_name).unwrap_or("an")
}

/// A live interface endpoint for an AWS service with private DNS off leaves
/// clients of the service's regional name on NAT (warning).
pub(crate) fn private_dns(inv: &Inventory, _: Option<&Report>) -> Vec<Finding> {
    inv.live_endpoints(EndpointType::Interface)
        .into_iter()
        .filter(|e| e.private_dns_enabled == Some(false) && e.service_name.starts_with("com.amazonaws."))
        .map(|e| {
            Finding::new(
                Severity::Warning,
                "private-dns",
                &e.endpoint_id,
                format!(
                    "private DNS is off for {}: clients resolving the service's regional name still go through NAT",
                    e.service_name
                ),
                format!(
                    "aws ec2 modify-vpc-endpoint --vpc-endpoint-id {} --private-dns-enabled",
                    e.endpoint_id
                ),
            )
        })
        .collect()
}

/// A live interface endpoint without a subnet in a workload AZ makes those
/// workloads cross AZs (warning); the fix adds the lowest workload subnet of
/// that AZ.
pub(crate) fn endpoint_azs(inv: &Inventory, _: Option<&Report>) -> Vec<Finding> {
    let workloads = inv.workload_subnets();
    let azs = inv.workload_azs();
    let mut out = Vec::new();
    for e in inv.live_endpoints(EndpointType::Interface) {
        let have: BTreeSet<&str> = e
            .subnet_ids
            .iter()
            .filter_map(|id| inv.subnet(id))
            .map(|s| s.availability_zone.as_str())
            .collect();
        for az in azs.iter().filter(|az| !have.contains(az.as_str())) {
            let candidate = workloads
                .iter()
                .filter(|s| &s.availability_zone == az)
                .map(|s| s.subnet_id.as_str())
                .min()
                .unwrap_or("<subnet in that AZ>");
            out.push(Finding::new(
                Severity::Warning,
                "endpoint-az",
                &e.endpoint_id,
                format!("workloads in {az} reach {} in another AZ (cross-AZ data transfer both ways, and an AZ failure cuts them off)", e.service_name),
                format!("aws ec2 modify-vpc-endpoint --vpc-endpoint-id {} --add-subnet-ids {candidate}", e.endpoint_id),
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
    fn endpoint_state_by_state() {
        let mut inv = inventory();
        let f = endpoint_state(&inv, None);
        assert_eq!(found(&f), [("endpoint-state", "vpce-old")]);
        assert!(f[0]
            .message
            .starts_with("interface endpoint for com.amazonaws.us-east-1.sts is Rejected"));
        assert!(f[0].fix.contains("delete-vpc-endpoints --vpc-endpoint-ids vpce-old"));

        inv.endpoints[2].state = "pendingAcceptance".into();
        inv.endpoints[2].endpoint_type = None;
        let f = endpoint_state(&inv, None);
        assert!(f[0].message.starts_with("an endpoint"), "{}", f[0].message);
        assert_eq!(f[0].fix, "ask the service owner to accept the connection");

        inv.endpoints[2].state = "pending".into();
        assert!(endpoint_state(&inv, None).is_empty(), "pending endpoints are live");
    }

    #[test]
    fn private_dns_off_on_an_aws_interface_endpoint() {
        let mut inv = inventory();
        assert!(private_dns(&inv, None).is_empty());
        inv.endpoints[0].private_dns_enabled = Some(false);
        let f = private_dns(&inv, None);
        assert_eq!(found(&f), [("private-dns", "vpce-logs")]);
        assert!(f[0].fix.ends_with("--vpc-endpoint-id vpce-logs --private-dns-enabled"));

        // A partner service (no com.amazonaws. prefix) or a dead endpoint: not this check.
        inv.endpoints[0].service_name = "com.vpce.us-east-1.vpce-svc-0123".into();
        assert!(private_dns(&inv, None).is_empty());
        inv.endpoints[2].private_dns_enabled = Some(false);
        assert!(
            private_dns(&inv, None).is_empty(),
            "the rejected endpoint is endpoint-state's"
        );
    }

    #[test]
    fn endpoint_azs_add_the_lowest_workload_subnet_of_each_missing_az() {
        let mut inv = inventory();
        inv.subnets
            .push(subnet("subnet-a9", "us-east-1b", "10.0.3.0/24", Some("nat-1")));
        inv.subnets
            .push(subnet("subnet-c", "us-east-1c", "10.0.4.0/24", Some("nat-1")));
        let f = endpoint_azs(&inv, None);
        assert_eq!(found(&f), [("endpoint-az", "vpce-logs"), ("endpoint-az", "vpce-logs")]);
        assert!(f[0].message.starts_with("workloads in us-east-1b"));
        assert!(f[0].fix.ends_with("--add-subnet-ids subnet-a9"), "{}", f[0].fix);
        assert!(f[1].fix.ends_with("--add-subnet-ids subnet-c"));

        inv.endpoints[0].subnet_ids = vec!["subnet-a".into(), "subnet-b".into(), "subnet-c".into()];
        assert!(endpoint_azs(&inv, None).is_empty(), "every workload AZ covered");
    }
}
