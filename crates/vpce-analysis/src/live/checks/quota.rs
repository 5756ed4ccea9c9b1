//! What the recommended interface endpoints need from the VPC and the
//! Region: room under the per-VPC quota, and the service in every workload AZ.

use vpce_model::inventory::{Finding, Inventory, Severity};
use vpce_model::{EndpointType, Recommendation, Report, ServiceUsage};

/// Default quota "Interface and Gateway Load Balancer endpoints per VPC"
/// (Service Quotas code L-29B6F2EB).
pub const INTERFACE_ENDPOINTS_PER_VPC: usize = 50;

/// The services the report recommends an interface endpoint for.
fn recommended_interfaces(r: &Report) -> Vec<&ServiceUsage> {
    r.services
        .iter()
        .filter(|s| s.recommendation == Some(Recommendation::CreateInterface))
        .collect()
}

/// Existing live interface endpoints plus the recommended ones, against the
/// default quota: over is an error, from 80 % a warning, else info. Needs the
/// report; nothing when there are no interface endpoints at all.
pub(crate) fn quota(inv: &Inventory, report: Option<&Report>) -> Vec<Finding> {
    let Some(r) = report else { return Vec::new() };
    let recommended = recommended_interfaces(r).len();
    let existing = inv.live_endpoints(EndpointType::Interface).len();
    let total = existing + recommended;
    if total == 0 {
        return Vec::new();
    }
    let (sev, msg) = if total > INTERFACE_ENDPOINTS_PER_VPC {
        (Severity::Error, "over")
    } else if total * 5 >= INTERFACE_ENDPOINTS_PER_VPC * 4 {
        (Severity::Warning, "close to")
    } else {
        (Severity::Info, "within")
    };
    vec![Finding::new(
        sev,
        "endpoint-quota",
        &inv.vpc.vpc_id,
        format!(
            "{existing} interface endpoint{} exist{} and {recommended} more {} recommended: {total}, {msg} the default quota of {INTERFACE_ENDPOINTS_PER_VPC} per VPC",
            if existing == 1 { "" } else { "s" },
            if existing == 1 { "s" } else { "" },
            if recommended == 1 { "is" } else { "are" }
        ),
        if sev == Severity::Info {
            "none needed".into()
        } else {
            "request more in Service Quotas (Amazon VPC, code L-29B6F2EB), or share endpoints from a central VPC".into()
        },
    )]
}

/// A recommended interface service that `DescribeVpcEndpointServices` does
/// not offer in a workload AZ leaves those workloads crossing AZs (warning).
/// Needs the report and the Region's service list.
pub(crate) fn service_azs(inv: &Inventory, report: Option<&Report>) -> Vec<Finding> {
    let Some(r) = report else { return Vec::new() };
    let azs = inv.workload_azs();
    let mut out = Vec::new();
    for s in recommended_interfaces(r) {
        let Some(name) = &s.endpoint_service_name else { continue };
        let Some(svc) = inv.services.iter().find(|x| &x.service_name == name) else {
            continue;
        };
        if svc.availability_zones.is_empty() {
            continue;
        }
        for az in azs.iter().filter(|az| !svc.availability_zones.contains(az)) {
            out.push(Finding::new(
                Severity::Warning,
                "service-az",
                name,
                format!("{name} is not offered in {az}, where workloads run: they would reach it in another AZ"),
                "none possible in this AZ; the cost estimate already assumes cross-AZ transfer for it".into(),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{found, inventory};
    use super::*;
    use crate::advise::tests::{report, service};
    use vpce_model::inventory::EndpointServiceInfo;

    fn recommending(n: usize) -> Report {
        let services = (0..n)
            .map(|i| ServiceUsage {
                recommendation: Some(Recommendation::CreateInterface),
                ..service(&format!("svc{i}"), &[EndpointType::Interface], 1)
            })
            .collect();
        report("us-east-1", 24.0, &[], services)
    }

    #[test]
    fn quota_counts_live_and_recommended_interface_endpoints() {
        let inv = inventory();
        assert!(quota(&inv, None).is_empty(), "needs the report");

        let f = quota(&inv, Some(&recommending(2)));
        assert_eq!(found(&f), [("endpoint-quota", "vpc-1")]);
        assert_eq!(f[0].severity, Severity::Info);
        // The rejected STS endpoint does not count.
        assert!(
            f[0].message
                .starts_with("1 interface endpoint exists and 2 more are recommended: 3, within"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].fix, "none needed");

        let f = quota(&inv, Some(&recommending(39)));
        assert_eq!(
            (f[0].severity, f[0].message.contains("40, close to")),
            (Severity::Warning, true)
        );
        let f = quota(&inv, Some(&recommending(50)));
        assert_eq!(f[0].severity, Severity::Error);
        assert!(f[0].fix.contains("L-29B6F2EB"));

        let mut none = inventory();
        none.endpoints.clear();
        assert!(quota(&none, Some(&recommending(0))).is_empty());
    }

    #[test]
    fn service_azs_flags_workload_azs_the_service_lacks() {
        let mut inv = inventory();
        let r = recommending(1);
        assert!(service_azs(&inv, Some(&r)).is_empty(), "service not in the live list");
        inv.services = vec![EndpointServiceInfo {
            service_name: "com.amazonaws.us-east-1.svc0".into(),
            availability_zones: vec!["us-east-1a".into(), "us-east-1c".into()],
            ..Default::default()
        }];
        let f = service_azs(&inv, Some(&r));
        assert_eq!(found(&f), [("service-az", "com.amazonaws.us-east-1.svc0")]);
        assert!(f[0].message.contains("not offered in us-east-1b"));
        assert!(service_azs(&inv, None).is_empty());

        inv.services[0].availability_zones.push("us-east-1b".into());
        assert!(service_azs(&inv, Some(&r)).is_empty());
    }
}
