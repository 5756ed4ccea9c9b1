//! Generated infrastructure code for a fixed report: snapshots, and the
//! properties every output must have.

use std::collections::BTreeMap;

use vpce_iac::*;
use vpce_model::Report;

fn report() -> Report {
    serde_json::from_str(include_str!("fixtures/report.json")).expect("fixture report")
}

fn options() -> IacOptions {
    IacOptions {
        subnet_ids: vec!["subnet-0aaaaaaaaaaaaaaaa".into(), "subnet-0bbbbbbbbbbbbbbbb".into()],
        route_table_ids: vec!["rtb-0cccccccccccccccc".into()],
        tags: BTreeMap::from([("team".to_string(), "platform".to_string())]),
        ..Default::default()
    }
}

fn file<'a>(files: &'a [GeneratedFile], name: &str) -> &'a str {
    &files
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("{name}"))
        .contents
}

#[test]
fn plan_follows_the_recommendations() {
    let plan = plan_endpoints(&report(), &options()).unwrap();
    let ids: Vec<&str> = plan.endpoints.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["dynamodb_gateway", "s3_gateway", "kinesis_streams"]);
    assert_eq!(plan.region, "us-east-1");
    assert_eq!(plan.vpc_id.as_deref(), Some("vpc-0a1b2c3d4e5f60718"));
    assert_eq!(plan.vpc_cidrs, vec!["10.0.0.0/16"]);
    assert!(
        plan.endpoints[2].why[0].starts_with("create-interface: "),
        "{:?}",
        plan.endpoints[2].why
    );
    assert_eq!(plan.tags.get("ManagedBy").map(String::as_str), Some("vpce-advisor"));
}

#[test]
fn only_s3_interface_and_policies() {
    let mut o = options();
    o.only = vec!["s3".into(), "ssm".into()];
    o.s3_interface = true;
    o.policy = Policy::Org("o-abc123".into());
    let plan = plan_endpoints(&report(), &o).unwrap();
    let kinds: Vec<(&str, EndpointKind)> = plan.endpoints.iter().map(|e| (e.id.as_str(), e.kind)).collect();
    assert_eq!(
        kinds,
        [
            ("s3_gateway", EndpointKind::Gateway),
            ("s3_interface", EndpointKind::Interface),
            ("ssm", EndpointKind::Interface)
        ]
    );
    let s3i = &plan.endpoints[1];
    assert!(s3i.private_dns && s3i.private_dns_only_for_inbound);
    let tf = terraform_endpoints(&plan);
    let main = file(&tf, "main.tf");
    assert!(main.contains("private_dns_only_for_inbound_resolver_endpoint = true"));
    assert!(main.contains("depends_on = [aws_vpc_endpoint.s3_gateway]"));
    assert!(main.contains("\"aws:PrincipalOrgID\" = \"${var.org_id}\""), "{main}");
    assert_eq!(
        main.matches("policy              = local.endpoint_policy").count()
            + main.matches("policy            = local.endpoint_policy").count(),
        3
    );
    let cfn = cloudformation_endpoints(&plan);
    assert!(cfn.contains("PrivateDnsOnlyForInboundResolverEndpoint: \"OnlyInboundResolver\""));
    assert!(cfn.contains("DependsOn: \"S3Gateway\""));
    assert!(
        cfn.contains("aws:PrincipalOrgID:\n                  Ref: \"OrgId\""),
        "{cfn}"
    );
}

#[test]
fn plan_errors_are_clear() {
    let mut o = options();
    o.only = vec!["nosuchservice".into()];
    let e = plan_endpoints(&report(), &o).unwrap_err().to_string();
    assert!(e.contains("nosuchservice"), "{e}");
    let mut r = report();
    for s in &mut r.services {
        s.recommendation = Some(vpce_model::Recommendation::NotWorthIt);
    }
    assert!(plan_endpoints(&r, &options())
        .unwrap_err()
        .to_string()
        .starts_with("nothing to create"));
    r.pricing = None;
    r.network.vpcs.clear();
    assert!(matches!(plan_endpoints(&r, &options()), Err(IacError::NoRegion)));
}

#[test]
fn security_group_allows_only_https_from_the_vpc() {
    let plan = plan_endpoints(&report(), &options()).unwrap();
    let main = terraform_endpoints(&plan)
        .into_iter()
        .find(|f| f.name == "main.tf")
        .unwrap()
        .contents;
    assert!(main.contains("from_port         = 443") && main.contains("to_port           = 443"));
    assert!(!main.contains("0.0.0.0/0"));
    assert!(!main.contains("egress"));
    let cfn = cloudformation_endpoints(&plan);
    assert!(cfn.contains("CidrIp: \"10.0.0.0/16\""));
    assert!(!cfn.contains("CidrIp: \"0.0.0.0/0\""));
    assert!(!cfn.contains("65535"));
}

#[test]
fn snapshots_of_every_output() {
    let plan = plan_endpoints(&report(), &options()).unwrap();
    for f in terraform_endpoints(&plan) {
        insta::assert_snapshot!(format!("endpoints_{}", f.name), f.contents);
    }
    insta::assert_snapshot!("endpoints_cloudformation", cloudformation_endpoints(&plan));
    let logging = |destination| LoggingOptions {
        vpc_id: "vpc-0a1b2c3d4e5f60718".into(),
        destination,
        retention_days: 7,
        kms_key_arn: None,
        name_prefix: "vpce-advisor".into(),
        tags: BTreeMap::new(),
    };
    for f in terraform_logging(&logging(LogDestination::CloudWatch)) {
        insta::assert_snapshot!(format!("logging_cloudwatch_{}", f.name), f.contents);
    }
    insta::assert_snapshot!(
        "logging_cloudwatch_cloudformation",
        cloudformation_logging(&logging(LogDestination::CloudWatch))
    );
    let s3 = LogDestination::S3 {
        bucket: "my-log-bucket".into(),
    };
    insta::assert_snapshot!(
        "logging_s3_main.tf",
        terraform_logging(&logging(s3.clone()))[0].contents.clone()
    );
    insta::assert_snapshot!("logging_s3_cloudformation", cloudformation_logging(&logging(s3)));
    let es = EndpointServiceOptions {
        nlb_arns: vec![
            "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/my-nlb/0123456789abcdef".into(),
        ],
        allowed_principals: vec!["arn:aws:iam::444455556666:root".into()],
        acceptance_required: true,
        name_prefix: "my-service".into(),
        tags: BTreeMap::new(),
    };
    insta::assert_snapshot!(
        "endpoint_service_main.tf",
        terraform_endpoint_service(&es)[0].contents.clone()
    );
    insta::assert_snapshot!("endpoint_service_cloudformation", cloudformation_endpoint_service(&es));
}

#[test]
fn flow_log_format_is_escaped_for_terraform_and_plain_for_cloudformation() {
    let o = LoggingOptions {
        vpc_id: "vpc-1".into(),
        destination: LogDestination::CloudWatch,
        retention_days: 14,
        kms_key_arn: Some("arn:aws:kms:us-east-1:111122223333:key/abc".into()),
        name_prefix: "x".into(),
        tags: BTreeMap::new(),
    };
    let main = terraform_logging(&o)[0].contents.clone();
    assert!(main.contains("\"$${version} $${account-id}"), "{main}");
    assert!(main.contains("max_aggregation_interval = 60"));
    assert!(!main.contains("CKV_AWS_158"), "with a KMS key there is nothing to skip");
    let vars = terraform_logging(&o)[1].contents.clone();
    assert!(vars.contains("default     = 14"));
    let cfn = cloudformation_logging(&o);
    assert!(cfn.contains("LogFormat: \"${version} ${account-id}"));
    assert!(cfn.contains("MaxAggregationInterval: 60"));
}
