//! Which preflight findings make applying a plan fail: the generated code
//! would be refused by the EC2 API, not merely work less well.

use vpce_model::inventory::{Finding, Severity};

use crate::plan::{EndpointKind, Plan};

/// The preflight findings (severity error) that make creating `plan`'s
/// endpoints fail:
///
/// - `dns-support`, `dns-hostnames`: the VPC attributes are off and the plan
///   has an interface endpoint with private DNS (`CreateVpcEndpoint` refuses
///   private DNS without both);
/// - `private-dns-zone`: a private hosted zone of the same name is associated
///   with the VPC and the plan creates that service's endpoint with private
///   DNS (a conflicting DNS domain);
/// - `endpoint-quota`: the interface endpoints would exceed the per-VPC quota
///   and the plan creates some.
///
/// Other errors (security groups, network ACLs of existing endpoints) leave
/// the apply working and are not returned.
pub fn apply_blockers<'a>(plan: &Plan, findings: &'a [Finding]) -> Vec<&'a Finding> {
    let private_dns: Vec<String> = plan
        .endpoints
        .iter()
        .filter(|e| e.kind == EndpointKind::Interface && e.private_dns)
        .map(|e| e.service_name_template.replace("{region}", &plan.region))
        .collect();
    let interface = plan.endpoints.iter().any(|e| e.kind == EndpointKind::Interface);
    findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .filter(|f| match f.check.as_str() {
            "dns-support" | "dns-hostnames" => !private_dns.is_empty(),
            "private-dns-zone" => private_dns.contains(&f.resource),
            "endpoint-quota" => interface,
            _ => false,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{PlannedEndpoint, Policy};

    fn endpoint(service: &str, kind: EndpointKind, private_dns: bool) -> PlannedEndpoint {
        PlannedEndpoint {
            service: service.into(),
            service_name_template: format!("com.amazonaws.{{region}}.{service}"),
            kind,
            private_dns,
            private_dns_only_for_inbound: false,
            with_policy: false,
            id: service.replace('.', "_"),
            why: Vec::new(),
        }
    }

    fn plan(endpoints: Vec<PlannedEndpoint>) -> Plan {
        Plan {
            region: "us-east-1".into(),
            vpc_id: Some("vpc-1".into()),
            vpc_cidrs: Vec::new(),
            client_cidrs: Vec::new(),
            subnet_ids: Vec::new(),
            endpoint_subnets: Default::default(),
            route_table_ids: Vec::new(),
            endpoints,
            policy: Policy::Full,
            tags: Default::default(),
            name_prefix: "p".into(),
            provenance: String::new(),
            notes: Vec::new(),
            fixes: Vec::new(),
        }
    }

    fn finding(severity: Severity, check: &str, resource: &str) -> Finding {
        Finding::new(severity, check, resource, "m".into(), "f".into())
    }

    fn checks(found: &[&Finding]) -> Vec<String> {
        found.iter().map(|f| format!("{}:{}", f.check, f.resource)).collect()
    }

    #[test]
    fn only_errors_the_ec2_api_refuses_for_this_plan_block_the_apply() {
        let findings = vec![
            finding(Severity::Error, "dns-hostnames", "vpc-1"),
            finding(Severity::Error, "endpoint-security-group", "vpce-1"),
            finding(Severity::Error, "private-dns-zone", "com.amazonaws.us-east-1.sqs"),
            finding(Severity::Error, "private-dns-zone", "com.amazonaws.us-east-1.sts"),
            finding(Severity::Warning, "private-dns-zone", "com.amazonaws.us-east-1.ssm"),
            finding(Severity::Error, "endpoint-quota", "vpc-1"),
        ];
        let with_interfaces = plan(vec![
            endpoint("s3", EndpointKind::Gateway, false),
            endpoint("sqs", EndpointKind::Interface, true),
            endpoint("ssm", EndpointKind::Interface, true),
        ]);
        assert_eq!(
            checks(&apply_blockers(&with_interfaces, &findings)),
            [
                "dns-hostnames:vpc-1",
                "private-dns-zone:com.amazonaws.us-east-1.sqs",
                "endpoint-quota:vpc-1"
            ]
        );

        // Gateway endpoints only: DNS attributes and the quota do not matter.
        let gateways = plan(vec![
            endpoint("s3", EndpointKind::Gateway, false),
            endpoint("dynamodb", EndpointKind::Gateway, false),
        ]);
        assert!(apply_blockers(&gateways, &findings).is_empty());

        // An interface endpoint without private DNS: only the quota.
        let no_dns = plan(vec![endpoint("sqs", EndpointKind::Interface, false)]);
        assert_eq!(checks(&apply_blockers(&no_dns, &findings)), ["endpoint-quota:vpc-1"]);
    }
}
