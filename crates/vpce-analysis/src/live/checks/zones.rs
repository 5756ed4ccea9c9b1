//! Interface endpoints' private DNS against the private hosted zones the
//! VPC already has.

use vpce_model::inventory::{Finding, Inventory, Severity};
use vpce_model::{EndpointType, Recommendation, Report};

/// How a zone of the VPC meets one DNS name of an endpoint's private DNS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Overlap {
    /// The zone has the name itself: a second zone of that name cannot be
    /// associated with the VPC, so creating the endpoint with private DNS fails.
    Same,
    /// The zone is a parent of the name: the most specific zone answers, so
    /// the endpoint's private DNS takes the name over from the zone.
    Above,
    /// The zone is under a wildcard name (`*.s3.…`): it answers for its names,
    /// which bypass the endpoint.
    Below,
}

fn normalise(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn overlap(dns_name: &str, zone: &str) -> Option<Overlap> {
    let (wildcard, name) = match dns_name.strip_prefix("*.") {
        Some(rest) => (true, rest),
        None => (false, dns_name),
    };
    if zone == name {
        Some(Overlap::Same)
    } else if name.ends_with(&format!(".{zone}")) {
        Some(Overlap::Above)
    } else if wildcard && zone.ends_with(&format!(".{name}")) {
        Some(Overlap::Below)
    } else {
        None
    }
}

/// The DNS names an endpoint for `service_name` answers with private DNS: the
/// Region's service list, else `<service>.<region>.amazonaws.com` (`.cn` in
/// China).
fn dns_names(inv: &Inventory, service_name: &str) -> Vec<String> {
    if let Some(s) = inv.services.iter().find(|s| s.service_name == service_name) {
        if !s.private_dns_names.is_empty() {
            return s.private_dns_names.iter().map(|n| normalise(n)).collect();
        }
    }
    let china = service_name.starts_with("cn.");
    let rest = service_name
        .strip_prefix("cn.com.amazonaws.")
        .or_else(|| service_name.strip_prefix("com.amazonaws."));
    let Some((region, service)) = rest.and_then(|r| r.split_once('.')) else {
        return Vec::new();
    };
    vec![format!(
        "{service}.{region}.amazonaws.com{}",
        if china { ".cn" } else { "" }
    )]
}

/// An interface endpoint with private DNS on (live) or wanted (recommended
/// by the report, where the generated IaC turns it on) whose DNS name meets
/// a private hosted zone associated with the VPC: the same name makes the
/// create fail (error for a new endpoint), a parent zone loses the name to
/// the endpoint and a zone under a wildcard name keeps its names off the
/// endpoint (warnings). Needs the zone list.
pub(crate) fn private_dns_zones(inv: &Inventory, report: Option<&Report>) -> Vec<Finding> {
    let Some(zones) = &inv.private_hosted_zones else {
        return Vec::new();
    };
    let zones: Vec<String> = zones.iter().map(|z| normalise(z)).collect();
    let live = inv.live_endpoints(EndpointType::Interface);
    // (resource, service name, exists)
    let mut wanted: Vec<(String, String, bool)> = live
        .iter()
        .filter(|e| e.private_dns_enabled == Some(true))
        .map(|e| (e.endpoint_id.clone(), e.service_name.clone(), true))
        .collect();
    if let Some(r) = report {
        for s in &r.services {
            let Some(name) = &s.endpoint_service_name else { continue };
            if s.recommendation == Some(Recommendation::CreateInterface)
                && !live.iter().any(|e| &e.service_name == name)
            {
                wanted.push((name.clone(), name.clone(), false));
            }
        }
    }
    let mut out = Vec::new();
    for (resource, service_name, exists) in &wanted {
        for dns in dns_names(inv, service_name) {
            for zone in &zones {
                if let Some(o) = overlap(&dns, zone) {
                    out.push(finding(inv, resource, &dns, zone, o, *exists));
                }
            }
        }
    }
    out
}

fn finding(inv: &Inventory, resource: &str, dns: &str, zone: &str, o: Overlap, exists: bool) -> Finding {
    let vpc = &inv.vpc.vpc_id;
    let disassociate = format!(
        "aws route53 disassociate-vpc-from-hosted-zone --hosted-zone-id <ID of {zone}> --vpc VPCRegion={},VPCId={vpc}",
        inv.region
    );
    let (severity, message, fix) = match (o, exists) {
        (Overlap::Same, false) => (
            Severity::Error,
            format!("private hosted zone {zone} is associated with {vpc}: an interface endpoint with private DNS for {dns} cannot be created there (conflicting DNS domain), and the zone keeps answering for it"),
            format!("if the zone points at a shared endpoint, keep it and skip this one; otherwise remove the zone from the VPC first ({disassociate}), or create the endpoint with private DNS off"),
        ),
        (Overlap::Same, true) => (
            Severity::Warning,
            format!("private hosted zone {zone} and this endpoint's private DNS both claim {dns} in {vpc}: which one answers is not the endpoint's choice"),
            format!("keep one of them: {disassociate}, or turn the endpoint's private DNS off"),
        ),
        (Overlap::Above, _) => (
            Severity::Warning,
            format!("private hosted zone {zone}, associated with {vpc}, covers {dns}: the endpoint's private DNS is more specific and takes {dns} over, so records for it in {zone} stop answering in this VPC"),
            format!("check that nothing relies on the records for {dns} in {zone} (move them, or leave private DNS off)"),
        ),
        (Overlap::Below, _) => (
            Severity::Warning,
            format!("private hosted zone {zone}, associated with {vpc}, is under {dns}: names in it keep resolving through the zone, not the endpoint"),
            format!("if that traffic should use the endpoint: {disassociate}"),
        ),
    };
    Finding::new(severity, "private-dns-zone", resource, message, fix)
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{found, inventory};
    use super::*;
    use crate::advise::tests::{report, service};
    use vpce_model::inventory::EndpointServiceInfo;
    use vpce_model::ServiceUsage;

    fn recommending(name: &str) -> Report {
        let s = ServiceUsage {
            recommendation: Some(Recommendation::CreateInterface),
            ..service(name, &[EndpointType::Interface], 1)
        };
        report("us-east-1", 24.0, &[], vec![s])
    }

    #[test]
    fn overlaps_by_name() {
        assert_eq!(
            overlap("sqs.us-east-1.amazonaws.com", "sqs.us-east-1.amazonaws.com"),
            Some(Overlap::Same)
        );
        assert_eq!(
            overlap("sqs.us-east-1.amazonaws.com", "amazonaws.com"),
            Some(Overlap::Above)
        );
        assert_eq!(overlap("sqs.us-east-1.amazonaws.com", "corp.example.com"), None);
        assert_eq!(
            overlap("sqs.us-east-1.amazonaws.com", "s.us-east-1.amazonaws.com"),
            None,
            "labels, not characters"
        );
        assert_eq!(
            overlap("sqs.us-east-1.amazonaws.com", "x.sqs.us-east-1.amazonaws.com"),
            None
        );
        assert_eq!(
            overlap("*.s3.us-east-1.amazonaws.com", "bucket.s3.us-east-1.amazonaws.com"),
            Some(Overlap::Below)
        );
        assert_eq!(
            overlap("*.s3.us-east-1.amazonaws.com", "s3.us-east-1.amazonaws.com"),
            Some(Overlap::Same)
        );
    }

    #[test]
    fn no_zone_list_or_no_overlap_no_finding() {
        let mut inv = inventory();
        assert!(
            private_dns_zones(&inv, Some(&recommending("sqs"))).is_empty(),
            "zones not read"
        );
        inv.private_hosted_zones = Some(vec!["corp.example.com.".into()]);
        assert!(private_dns_zones(&inv, Some(&recommending("sqs"))).is_empty());
    }

    #[test]
    fn a_zone_of_the_same_name_fails_a_new_endpoint() {
        let mut inv = inventory();
        inv.private_hosted_zones = Some(vec!["SQS.us-east-1.amazonaws.com.".into()]);
        assert!(
            private_dns_zones(&inv, None).is_empty(),
            "nothing wanted without the report"
        );
        let f = private_dns_zones(&inv, Some(&recommending("sqs")));
        assert_eq!(found(&f), [("private-dns-zone", "com.amazonaws.us-east-1.sqs")]);
        assert_eq!(f[0].severity, Severity::Error);
        assert!(f[0].message.contains("conflicting DNS domain"), "{}", f[0].message);
        assert!(f[0].fix.contains("disassociate-vpc-from-hosted-zone"));
        assert!(f[0].fix.contains("VPCRegion=us-east-1,VPCId=vpc-1"));
    }

    #[test]
    fn live_endpoints_with_private_dns_against_parent_and_wildcard_zones() {
        let mut inv = inventory();
        inv.private_hosted_zones = Some(vec![
            "us-east-1.amazonaws.com".into(),
            "logs.us-east-1.amazonaws.com".into(),
        ]);
        // vpce-logs has private DNS on; the logs recommendation is not a
        // second endpoint.
        let f = private_dns_zones(&inv, Some(&recommending("logs")));
        assert_eq!(
            found(&f),
            [("private-dns-zone", "vpce-logs"), ("private-dns-zone", "vpce-logs")]
        );
        assert!(f.iter().all(|f| f.severity == Severity::Warning));
        assert!(
            f[0].message.contains("takes logs.us-east-1.amazonaws.com over"),
            "{}",
            f[0].message
        );
        assert!(f[1].message.contains("both claim"));

        inv.endpoints[0].private_dns_enabled = Some(false);
        assert!(
            private_dns_zones(&inv, None).is_empty(),
            "private DNS off: no claim on the name"
        );

        // The live service list's names, wildcards included.
        inv.endpoints[0].private_dns_enabled = Some(true);
        inv.endpoints[0].service_name = "com.amazonaws.us-east-1.s3".into();
        inv.services = vec![EndpointServiceInfo {
            service_name: "com.amazonaws.us-east-1.s3".into(),
            private_dns_names: vec!["*.s3.us-east-1.amazonaws.com".into()],
            ..Default::default()
        }];
        inv.private_hosted_zones = Some(vec!["data-bucket.s3.us-east-1.amazonaws.com".into()]);
        let f = private_dns_zones(&inv, None);
        assert_eq!(found(&f), [("private-dns-zone", "vpce-logs")]);
        assert!(
            f[0].message.contains("is under *.s3.us-east-1.amazonaws.com"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn dns_names_without_the_service_list() {
        let inv = inventory();
        assert_eq!(
            dns_names(&inv, "com.amazonaws.us-east-1.ecr.api"),
            ["ecr.api.us-east-1.amazonaws.com"]
        );
        assert_eq!(
            dns_names(&inv, "cn.com.amazonaws.cn-north-1.sqs"),
            ["sqs.cn-north-1.amazonaws.com.cn"]
        );
        assert!(dns_names(&inv, "com.vpce.us-east-1.vpce-svc-0123").is_empty());
    }
}
