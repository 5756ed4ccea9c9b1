//! Generated infrastructure code for a fixed report: snapshots, and the
//! properties every output must have.

use std::collections::BTreeMap;

use vpce_iac::*;
use vpce_model::Report;

fn report() -> Report {
    serde_json::from_str(include_str!("fixtures/report.json")).expect("fixture report")
}

fn catalog() -> vpce_catalog::Catalog {
    vpce_catalog::Catalog::embedded()
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
    let plan = plan_endpoints(&report(), &catalog(), &options()).unwrap();
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
    let plan = plan_endpoints(&report(), &catalog(), &o).unwrap();
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
    // S3's endpoints take S3's policy (with its carve-outs), SSM the base one.
    assert_eq!(main.matches("= local.s3_endpoint_policy\n").count(), 2, "{main}");
    assert_eq!(main.matches("= local.endpoint_policy\n").count(), 1, "{main}");
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
    let e = plan_endpoints(&report(), &catalog(), &o).unwrap_err().to_string();
    assert!(e.contains("nosuchservice"), "{e}");
    let mut r = report();
    for s in &mut r.services {
        s.recommendation = Some(vpce_model::Recommendation::NotWorthIt);
    }
    assert!(plan_endpoints(&r, &catalog(), &options())
        .unwrap_err()
        .to_string()
        .starts_with("nothing to create"));
    r.pricing = None;
    r.network.vpcs.clear();
    assert!(matches!(
        plan_endpoints(&r, &catalog(), &options()),
        Err(IacError::NoRegion)
    ));
}

#[test]
fn security_group_allows_only_https_from_the_vpc() {
    let plan = plan_endpoints(&report(), &catalog(), &options()).unwrap();
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
    let plan = plan_endpoints(&report(), &catalog(), &options()).unwrap();
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

fn all_files(plan: &Plan) -> (String, String) {
    let tf: String = terraform_endpoints(plan).into_iter().map(|f| f.contents).collect();
    (tf, cloudformation_endpoints(plan))
}

fn logging_options(destination: LogDestination, kms: Option<&str>) -> LoggingOptions {
    LoggingOptions {
        vpc_id: "vpc-0a1b2c3d4e5f60718".into(),
        destination,
        retention_days: 7,
        kms_key_arn: kms.map(str::to_string),
        name_prefix: "vpce-advisor".into(),
        tags: BTreeMap::from([("team".to_string(), "net".to_string())]),
    }
}

fn s3_destination() -> LogDestination {
    LogDestination::S3 {
        bucket: "my-log-bucket".into(),
    }
}

#[test]
fn arns_take_the_partition_never_a_literal_aws() {
    let mut o = options();
    o.only = vec!["s3".into(), "ssm".into()];
    o.policy = Policy::Org("o-abc123".into());
    let plan = plan_endpoints(&report(), &catalog(), &o).unwrap();
    let (tf, cfn) = all_files(&plan);
    let mut outputs = vec![tf, cfn];
    for d in [LogDestination::CloudWatch, s3_destination()] {
        let o = logging_options(d, None);
        outputs.push(terraform_logging(&o).into_iter().map(|f| f.contents).collect());
        outputs.push(cloudformation_logging(&o));
    }
    for out in &outputs {
        assert!(!out.contains("arn:aws:"), "{out}");
    }
    let tf_logging = &outputs[4];
    assert!(
        tf_logging.contains("data \"aws_partition\" \"current\" {}"),
        "{tf_logging}"
    );
    assert!(tf_logging.contains("\"arn:${data.aws_partition.current.partition}:s3:::${var.bucket_name}\""));
    assert!(outputs[5].contains("arn:${AWS::Partition}:s3:::${BucketName}"));
}

#[test]
fn china_endpoint_service_names_come_from_the_catalogue() {
    let mut r = report();
    r.pricing.as_mut().unwrap().region = "cn-north-1".into();
    for v in &mut r.network.vpcs {
        v.region = Some("cn-north-1".into());
    }
    // The report's services are us-east-1's: the plan takes the named ones
    // from the catalogue, in the report's Region.
    let mut o = options();
    o.only = vec!["s3".into(), "sqs".into(), "ssm".into()];
    o.s3_interface = true;
    let plan = plan_endpoints(&r, &catalog(), &o).unwrap();
    let names: Vec<(&str, &str)> = plan
        .endpoints
        .iter()
        .map(|e| (e.id.as_str(), e.service_name_template.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("s3_gateway", "com.amazonaws.{region}.s3"),
            ("s3_interface", "cn.com.amazonaws.{region}.s3"),
            ("sqs", "cn.com.amazonaws.{region}.sqs"),
            ("ssm", "com.amazonaws.{region}.ssm"),
        ]
    );
    let (tf, cfn) = all_files(&plan);
    assert!(
        tf.contains("service_name        = \"cn.com.amazonaws.${data.aws_region.current.name}.sqs\""),
        "{tf}"
    );
    assert!(
        cfn.contains("Fn::Sub: \"cn.com.amazonaws.${AWS::Region}.sqs\""),
        "{cfn}"
    );
}

#[test]
fn terraform_provider_is_bounded_below_the_next_majors() {
    let plan = plan_endpoints(&report(), &catalog(), &options()).unwrap();
    let files = [
        terraform_endpoints(&plan),
        terraform_logging(&logging_options(LogDestination::CloudWatch, None)),
    ];
    for f in &files {
        assert!(file(f, "versions.tf").contains("version = \">= 5.0, < 7.0\""));
    }
}

#[test]
fn cloudformation_endpoints_carry_the_terraform_tags() {
    let plan = plan_endpoints(&report(), &catalog(), &options()).unwrap();
    let (tf, cfn) = all_files(&plan);
    for e in &plan.endpoints {
        let name = format!("vpce-advisor-{}", e.id.replace('_', "-"));
        assert!(
            tf.contains(&format!("merge(var.tags, {{ Name = \"{name}\" }})")),
            "{tf}"
        );
        // The endpoint's block in the template, up to the next resource.
        let id: String = e.id.split('_').map(|p| p[..1].to_ascii_uppercase() + &p[1..]).collect();
        let start = cfn.find(&format!("\n  {id}:\n")).unwrap_or_else(|| panic!("{id}"));
        let block = &cfn[start..];
        let block = &block[..block[1..].find("\n\n").map_or(block.len(), |i| i + 1)];
        for (k, v) in [
            ("Name", name.as_str()),
            ("ManagedBy", "vpce-advisor"),
            ("team", "platform"),
        ] {
            assert!(
                block.contains(&format!("- Key: \"{k}\"\n          Value: \"{v}\"")),
                "{id} lacks {k}={v}: {block}"
            );
        }
    }
}

#[test]
fn empty_subnets_and_route_tables_are_refused_not_defaulted() {
    let mut o = options();
    o.subnet_ids.clear();
    o.route_table_ids.clear();
    let plan = plan_endpoints(&report(), &catalog(), &o).unwrap();
    let tf = terraform_endpoints(&plan);
    let vars = file(&tf, "variables.tf");
    for v in ["subnet_ids", "route_table_ids"] {
        let start = vars.find(&format!("variable \"{v}\"")).unwrap();
        let block = &vars[start..start + vars[start..].find("\n}\n").unwrap()];
        assert!(!block.contains("default"), "{block}");
        assert!(
            block.contains(&format!("condition     = length(var.{v}) > 0")),
            "{block}"
        );
    }
    let cfn = cloudformation_endpoints(&plan);
    for p in ["SubnetIds", "RouteTableIds"] {
        assert!(
            cfn.contains(&format!(
                "  {p}Given:\n    Assertions:\n      - Assert:\n          Fn::Not:\n            - Fn::EachMemberEquals:\n                - Ref: \"{p}\"\n                - \"\""
            )),
            "{cfn}"
        );
    }
    assert!(!cfn.contains("Default: \"\""), "{cfn}");
    // Given lists are still the defaults, and still validated.
    let plan = plan_endpoints(&report(), &catalog(), &options()).unwrap();
    let vars = file(&terraform_endpoints(&plan), "variables.tf").to_string();
    assert!(vars.contains("default     = [\"subnet-0aaaaaaaaaaaaaaaa\", \"subnet-0bbbbbbbbbbbbbbbb\"]"));
    assert!(vars.contains("length(var.subnet_ids) > 0"));
}

#[test]
fn require_private_adds_services_whatever_their_recommendation() {
    let mut o = options();
    o.require_private = vec!["ssm".into(), "secretsmanager".into()];
    let plan = plan_endpoints(&report(), &catalog(), &o).unwrap();
    let ids: Vec<&str> = plan.endpoints.iter().map(|e| e.id.as_str()).collect();
    // The recommendations, plus ssm (not worth it in the report) and
    // secretsmanager (not in the report at all, from the catalogue).
    assert_eq!(
        ids,
        [
            "dynamodb_gateway",
            "s3_gateway",
            "kinesis_streams",
            "secretsmanager",
            "ssm"
        ]
    );
    let ssm = plan.endpoints.iter().find(|e| e.id == "ssm").unwrap();
    assert!(
        ssm.why[0].starts_with("required private by --require-private"),
        "{:?}",
        ssm.why
    );
    assert!(ssm.why[1].starts_with("not-worth-it"), "{:?}", ssm.why);
    let sm = plan.endpoints.iter().find(|e| e.id == "secretsmanager").unwrap();
    assert_eq!(sm.service_name_template, "com.amazonaws.{region}.secretsmanager");
    o.require_private = vec!["nosuchservice".into()];
    let e = plan_endpoints(&report(), &catalog(), &o).unwrap_err().to_string();
    assert!(e.contains("nosuchservice") && e.contains("catalogue"), "{e}");
}

#[test]
fn only_leaves_out_services_whose_endpoint_exists() {
    let mut o = options();
    o.only = vec!["logs".into(), "ssm".into()];
    let plan = plan_endpoints(&report(), &catalog(), &o).unwrap();
    let ids: Vec<&str> = plan.endpoints.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["ssm"]);
    assert_eq!(plan.notes.len(), 1, "{:?}", plan.notes);
    assert!(
        plan.notes[0].starts_with("logs left out") && plan.notes[0].contains("10.0.1.200"),
        "{:?}",
        plan.notes
    );
    o.only = vec!["logs".into()];
    assert!(matches!(
        plan_endpoints(&report(), &catalog(), &o),
        Err(IacError::AllExist(n)) if n.len() == 1
    ));
}

#[test]
fn only_reads_existing_endpoints_from_the_live_inventory() {
    use vpce_model::inventory::{EndpointInfo, Inventory};
    let endpoint = |id: &str, service: &str, ty, private_dns| EndpointInfo {
        endpoint_id: id.into(),
        service_name: service.into(),
        endpoint_type: Some(ty),
        state: "available".into(),
        private_dns_enabled: private_dns,
        ..Default::default()
    };
    let mut r = report();
    let inventory = Inventory {
        endpoints: vec![
            endpoint(
                "vpce-sts",
                "com.amazonaws.us-east-1.sts",
                vpce_model::EndpointType::Interface,
                Some(true),
            ),
            endpoint(
                "vpce-sqs",
                "com.amazonaws.us-east-1.sqs",
                vpce_model::EndpointType::Interface,
                Some(false),
            ),
            endpoint(
                "vpce-s3",
                "com.amazonaws.us-east-1.s3",
                vpce_model::EndpointType::Gateway,
                None,
            ),
        ],
        ..Default::default()
    };
    r.live = Some(vpce_model::Live {
        inventory,
        ..Default::default()
    });
    let mut o = options();
    o.only = vec!["sts".into(), "sqs".into(), "s3".into(), "ssm".into()];
    let plan = plan_endpoints(&r, &catalog(), &o).unwrap();
    let ids: Vec<&str> = plan.endpoints.iter().map(|e| e.id.as_str()).collect();
    // sqs's endpoint has private DNS off: a new one with private DNS applies.
    assert_eq!(ids, ["sqs", "ssm"]);
    assert!(plan
        .notes
        .iter()
        .any(|n| n.starts_with("s3_gateway left out") && n.contains("vpce-s3")));
    assert!(plan
        .notes
        .iter()
        .any(|n| n.starts_with("sts left out") && n.contains("vpce-sts") && n.contains("private DNS")));
}

#[test]
fn endpoint_comments_carry_the_operational_warnings() {
    let plan = plan_endpoints(&report(), &catalog(), &options()).unwrap();
    let (tf, cfn) = all_files(&plan);
    for out in [&tf, &cfn] {
        assert_eq!(
            out.matches("open TCP connections through the NAT gateway").count(),
            2,
            "{out}"
        );
        assert_eq!(out.matches("aws:SourceIp").count(), 3);
        assert!(out.contains("aws:SourceVpce or aws:SourceVpc"));
    }
}

#[test]
fn setup_applies_cleanly() {
    let cw = logging_options(LogDestination::CloudWatch, None);
    let tf = terraform_logging(&cw)[0].contents.clone();
    let cfn = cloudformation_logging(&cw);
    assert!(tf.contains("name              = \"/aws/vendedlogs/vpce-advisor/${var.vpc_id}/resolver-query-logs\""));
    assert!(cfn.contains("Fn::Sub: \"/aws/vendedlogs/vpce-advisor/${VpcId}/resolver-query-logs\""));
    // The flow-log role may write to the group and to its streams.
    let group = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:${aws_cloudwatch_log_group.flow_logs.id}";
    assert!(
        tf.contains(&format!("\"{group}\",\n")) && tf.contains(&format!("\"{group}:*\",\n")),
        "{tf}"
    );
    let group = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${FlowLogGroup}";
    assert!(
        cfn.contains(&format!("\"{group}\"\n")) && cfn.contains(&format!("\"{group}:*\"\n")),
        "{cfn}"
    );
    assert!(
        !tf.contains("logs.<region>.amazonaws.com"),
        "no KMS key, no key-policy note"
    );

    let s3 = logging_options(s3_destination(), None);
    let tf = terraform_logging(&s3)[0].contents.clone();
    for resource in [
        "aws_route53_resolver_query_log_config\" \"this\"",
        "aws_flow_log\" \"this\"",
    ] {
        let start = tf.find(resource).unwrap();
        let block = &tf[start..start + tf[start..].find("\n}\n").unwrap()];
        assert!(
            block.contains("depends_on = [aws_s3_bucket_policy.log_delivery]"),
            "{block}"
        );
    }
    let cfn = cloudformation_logging(&s3);
    for resource in ["QueryLogConfig:", "FlowLog:"] {
        let start = cfn.find(&format!("\n  {resource}\n")).unwrap();
        let block = &cfn[start..start + cfn[start + 1..].find("\n\n").unwrap()];
        assert!(block.contains("DependsOn: \"LogDeliveryBucketPolicy\""), "{block}");
    }

    let kms = logging_options(
        LogDestination::CloudWatch,
        Some("arn:aws-cn:kms:cn-north-1:111122223333:key/abc"),
    );
    for out in [
        terraform_logging(&kms)[0].contents.clone(),
        cloudformation_logging(&kms),
    ] {
        assert_eq!(out.matches("logs.<region>.amazonaws.com").count(), 2, "{out}");
    }
}

/// Text from a saved report (or a price file) that reaches the generated
/// comments cannot add code: carriage returns, newlines and Unicode line
/// separators are flattened, every other value is quoted.
#[test]
fn hostile_report_text_cannot_inject_resources() {
    let mut r = report();
    let injected = "Injected:\n    Type: AWS::IAM::User";
    for s in &mut r.services {
        for sep in ["\r", "\n", "\u{85}", "\u{2028}"] {
            s.reasons.push(format!("saving{sep}{injected}"));
        }
        s.notes.push(format!("note\r  {injected}"));
    }
    let plan = plan_endpoints(&r, &catalog(), &options()).unwrap();
    let (tf, cfn) = all_files(&plan);
    for (what, text) in [("terraform", &tf), ("cloudformation", &cfn)] {
        for line in text.split(['\r', '\n', '\u{85}', '\u{2028}']) {
            let trimmed = line.trim_start();
            assert!(
                !trimmed.starts_with("Injected:") && !trimmed.starts_with("Type: AWS::IAM::User"),
                "{what}: a line broke out of its comment: {line:?}"
            );
        }
    }
    assert!(cfn.contains("Injected:"), "the text is kept, on its comment line");
}

/// The resource block of `kind`/`name` in Terraform, up to its closing brace.
fn tf_block<'a>(main: &'a str, header: &str) -> &'a str {
    let start = main.find(header).unwrap_or_else(|| panic!("{header} not in {main}"));
    &main[start..start + main[start..].find("\n}\n").unwrap()]
}

/// The resource of logical ID `id` in a template, up to the next one.
fn cfn_block<'a>(cfn: &'a str, id: &str) -> &'a str {
    let start = cfn
        .find(&format!("\n  {id}:\n"))
        .unwrap_or_else(|| panic!("{id} not in {cfn}"));
    let block = &cfn[start..];
    &block[..block[1..].find("\n\n").map_or(block.len(), |i| i + 1)]
}

#[test]
fn client_cidrs_reach_the_endpoints_and_an_inbound_resolver_is_ready_but_off() {
    let mut o = options();
    o.only = vec!["s3".into(), "ssm".into()];
    o.s3_interface = true;
    o.client_cidrs = vec!["192.168.0.0/16".into(), "fd00:1234::/48".into()];
    let plan = plan_endpoints(&report(), &catalog(), &o).unwrap();
    let tf = terraform_endpoints(&plan);
    let (main, vars) = (file(&tf, "main.tf"), file(&tf, "variables.tf"));
    // 443 from the clients, beside the VPC CIDRs.
    for family in ["ipv4", "ipv6"] {
        let rule = tf_block(
            main,
            &format!("resource \"aws_vpc_security_group_ingress_rule\" \"client_https_{family}\""),
        );
        assert!(
            rule.contains("var.client_cidrs") && rule.contains("from_port         = 443"),
            "{rule}"
        );
        assert!(
            rule.contains("security_group_id = aws_security_group.endpoints.id"),
            "{rule}"
        );
    }
    assert!(
        vars.contains("default     = [\"192.168.0.0/16\", \"fd00:1234::/48\"]"),
        "{vars}"
    );
    let create = tf_block(vars, "variable \"create_inbound_resolver\"");
    assert!(
        create.contains("type        = bool") && create.contains("default     = false"),
        "{create}"
    );
    assert!(vars.contains("default     = \"subnet-0aaaaaaaaaaaaaaaa\""), "{vars}");
    // The Resolver endpoint: off unless asked, inbound, two subnets, its
    // group admitting DNS (TCP and UDP 53) from the clients only.
    let resolver = tf_block(main, "resource \"aws_route53_resolver_endpoint\" \"inbound\"");
    assert!(
        resolver.contains("count              = var.create_inbound_resolver ? 1 : 0"),
        "{resolver}"
    );
    assert!(resolver.contains("direction          = \"INBOUND\""), "{resolver}");
    assert_eq!(resolver.matches("ip_address {").count(), 2, "{resolver}");
    assert!(
        resolver.contains("aws_security_group.resolver_inbound[0].id"),
        "{resolver}"
    );
    assert!(resolver.contains("precondition {"), "{resolver}");
    let dns = tf_block(
        main,
        "resource \"aws_vpc_security_group_ingress_rule\" \"resolver_dns_ipv4\"",
    );
    assert!(
        dns.contains("var.create_inbound_resolver ? { for p in setproduct("),
        "{dns}"
    );
    assert!(
        dns.contains("[\"tcp\", \"udp\"]") && dns.contains("from_port         = 53"),
        "{dns}"
    );
    assert!(
        main.contains("forward these domains")
            && main.contains("s3.us-east-1.amazonaws.com, ssm.us-east-1.amazonaws.com")
    );
    assert!(file(&tf, "outputs.tf").contains("output \"inbound_resolver_ip_addresses\""));

    let cfn = cloudformation_endpoints(&plan);
    let sg = cfn_block(&cfn, "EndpointSecurityGroup");
    assert!(
        sg.contains(
            "- CidrIp: \"192.168.0.0/16\"\n          Description: \"HTTPS from on-premises clients in 192.168.0.0/16"
        ),
        "{sg}"
    );
    assert!(sg.contains("- CidrIpv6: \"fd00:1234::/48\""), "{sg}");
    assert!(
        cfn.contains("  CreateInboundResolverIsTrue: !Equals [!Ref CreateInboundResolver, \"true\"]"),
        "{cfn}"
    );
    let rsg = cfn_block(&cfn, "ResolverInboundSecurityGroup");
    assert!(rsg.contains("Condition: \"CreateInboundResolverIsTrue\""), "{rsg}");
    assert!(
        cfn.contains("  # 1. set CreateInboundResolver to true, and ResolverSubnetA"),
        "{cfn}"
    );
    assert_eq!(
        rsg.matches("FromPort: 53").count(),
        4,
        "tcp and udp for each client CIDR: {rsg}"
    );
    assert!(!rsg.contains("10.0.0.0/16"), "{rsg}");
    let ep = cfn_block(&cfn, "InboundResolverEndpoint");
    for part in [
        "Type: \"AWS::Route53Resolver::ResolverEndpoint\"",
        "Condition: \"CreateInboundResolverIsTrue\"",
        "Direction: \"INBOUND\"",
        "Ref: \"ResolverSubnetA\"",
        "Ref: \"ResolverSubnetB\"",
        "Ref: \"ResolverInboundSecurityGroup\"",
    ] {
        assert!(ep.contains(part), "{part}: {ep}");
    }
    assert!(
        cfn.contains(
            "  CreateInboundResolver:\n    AllowedValues:\n      - \"true\"\n      - \"false\"\n    Default: \"false\""
        ),
        "{cfn}"
    );
}

#[test]
fn without_client_cidrs_nothing_admits_them() {
    let mut o = options();
    o.only = vec!["s3".into(), "ssm".into()];
    o.s3_interface = true;
    let plan = plan_endpoints(&report(), &catalog(), &o).unwrap();
    let (tf, cfn) = all_files(&plan);
    for out in [&tf, &cfn] {
        for absent in [
            "client_cidrs",
            "on-premises clients in",
            "resolver_inbound",
            "ResolverInbound",
        ] {
            assert!(!out.contains(absent), "{absent}: {out}");
        }
        assert!(!out.contains("Conditions:"), "{out}");
    }
}

#[test]
fn without_an_inventory_terraform_keeps_the_subnets_in_the_services_azs() {
    let mut o = options();
    o.only = vec!["s3".into(), "ssm".into(), "kinesis-streams".into()];
    o.s3_interface = true;
    let plan = plan_endpoints(&report(), &catalog(), &o).unwrap();
    assert!(plan.endpoint_subnets.is_empty());
    let tf = terraform_endpoints(&plan);
    let main = file(&tf, "main.tf");
    let subnets = tf_block(main, "data \"aws_subnet\" \"endpoint\"");
    assert!(subnets.contains("for_each = toset(var.subnet_ids)"), "{subnets}");
    for id in ["s3_interface", "ssm", "kinesis_streams"] {
        let svc = tf_block(main, &format!("data \"aws_vpc_endpoint_service\" \"{id}\""));
        assert!(svc.contains("service_type = \"Interface\""), "{svc}");
        assert!(
            main.contains(&format!(
                "{id}_subnets = [for s in var.subnet_ids : s if contains(data.aws_vpc_endpoint_service.{id}.availability_zones, data.aws_subnet.endpoint[s].availability_zone)]"
            )),
            "{main}"
        );
        let ep = tf_block(main, &format!("resource \"aws_vpc_endpoint\" \"{id}\""));
        assert!(ep.contains(&format!("= local.{id}_subnets\n")), "{ep}");
        assert!(
            ep.contains(&format!("condition     = length(local.{id}_subnets) > 0")),
            "{ep}"
        );
    }
    let gateway = tf_block(main, "resource \"aws_vpc_endpoint\" \"s3_gateway\"");
    assert!(!gateway.contains("subnet"), "{gateway}");
    // CloudFormation has no filter: the constraint is named above each
    // interface endpoint, whose subnets stay the parameter.
    let cfn = cloudformation_endpoints(&plan);
    assert_eq!(
        cfn.matches("# CloudFormation cannot filter subnets by Availability Zone")
            .count(),
        3,
        "{cfn}"
    );
    assert!(cfn.contains("describe-vpc-endpoint-services --service-names com.amazonaws.us-east-1.kinesis-streams"));
    assert!(!cfn.contains("_subnets"), "{cfn}");
}

#[test]
fn with_an_inventory_each_endpoint_gets_the_subnets_in_its_services_azs() {
    use vpce_model::inventory::{EndpointServiceInfo, Inventory, SubnetInfo};
    let subnet = |id: &str, az: &str| SubnetInfo {
        subnet_id: id.into(),
        availability_zone: az.into(),
        default_route_nat: Some("nat-1".into()),
        ..Default::default()
    };
    let service = |name: &str, azs: &[&str]| EndpointServiceInfo {
        service_name: format!("com.amazonaws.us-east-1.{name}"),
        types: vec![vpce_model::EndpointType::Interface],
        availability_zones: azs.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    let mut r = report();
    r.live = Some(vpce_model::Live {
        inventory: Inventory {
            region: "us-east-1".into(),
            subnets: vec![
                subnet("subnet-a", "us-east-1a"),
                subnet("subnet-b", "us-east-1b"),
                subnet("subnet-c", "us-east-1c"),
            ],
            services: vec![
                service("kinesis-streams", &["us-east-1a", "us-east-1b", "us-east-1d"]),
                service("ssm", &["us-east-1a", "us-east-1b", "us-east-1c"]),
                service("sqs", &["us-east-1e"]),
            ],
            ..Default::default()
        },
        ..Default::default()
    });
    let mut o = options();
    o.subnet_ids = vec!["subnet-a".into(), "subnet-b".into(), "subnet-c".into()];
    o.only = vec!["ssm".into(), "kinesis-streams".into(), "sqs".into(), "sts".into()];
    let plan = plan_endpoints(&r, &catalog(), &o).unwrap();
    let ids: Vec<&str> = plan.endpoints.iter().map(|e| e.id.as_str()).collect();
    // sqs is offered in none of the subnets' AZs: left out, not created
    // without network interfaces.
    assert_eq!(ids, ["kinesis_streams", "ssm", "sts"]);
    assert!(
        plan.notes
            .iter()
            .any(|n| n.starts_with("sqs left out") && n.contains("us-east-1e")),
        "{:?}",
        plan.notes
    );
    assert_eq!(plan.endpoint_subnets["kinesis_streams"], ["subnet-a", "subnet-b"]);
    assert_eq!(plan.endpoint_subnets["ssm"], o.subnet_ids);
    // sts: the inventory does not list it, so Terraform still filters.
    assert!(!plan.endpoint_subnets.contains_key("sts"));
    let note = plan
        .notes
        .iter()
        .find(|n| n.starts_with("kinesis_streams:"))
        .unwrap_or_else(|| panic!("{:?}", plan.notes));
    assert!(
        note.contains("subnet-c (us-east-1c) left out") && note.contains("warning: workloads in us-east-1c"),
        "{note}"
    );
    let tf = terraform_endpoints(&plan);
    let main = file(&tf, "main.tf");
    let kinesis = tf_block(main, "resource \"aws_vpc_endpoint\" \"kinesis_streams\"");
    assert!(
        kinesis.contains("subnet_ids          = [\"subnet-a\", \"subnet-b\"]"),
        "{kinesis}"
    );
    assert!(main.contains("# subnets limited to the Availability Zones com.amazonaws.us-east-1.kinesis-streams offers"));
    let ssm = tf_block(main, "resource \"aws_vpc_endpoint\" \"ssm\"");
    assert!(ssm.contains("subnet_ids          = var.subnet_ids"), "{ssm}");
    assert!(!main.contains("data \"aws_vpc_endpoint_service\" \"kinesis_streams\""));
    assert!(main.contains("data \"aws_vpc_endpoint_service\" \"sts\""));
    let cfn = cloudformation_endpoints(&plan);
    let k = cfn_block(&cfn, "KinesisStreams");
    assert!(
        k.contains("SubnetIds:\n        - \"subnet-a\"\n        - \"subnet-b\"\n"),
        "{k}"
    );
    let s = cfn_block(&cfn, "Ssm");
    assert!(s.contains("SubnetIds:\n        Ref: \"SubnetIds\""), "{s}");
}

fn fix_report() -> Report {
    serde_json::from_str(include_str!("fixtures/report-fix-existing.json")).expect("fixture report")
}

#[test]
fn fix_existing_gets_the_missing_associations_and_the_commands() {
    let plan = plan_endpoints(&fix_report(), &catalog(), &options()).unwrap();
    let fixes: Vec<(&str, &str)> = plan
        .fixes
        .iter()
        .map(|f| (f.service.as_str(), f.endpoint_id.as_str()))
        .collect();
    // s3 was saved as `exists` before fix-existing: its fix comes from the
    // report's inventory; sqs carries its own.
    assert_eq!(
        fixes,
        [("s3", "vpce-0s3s3s3s3s3s3s3s3"), ("sqs", "vpce-0sqs0sqs0sqs0sqs0")]
    );
    assert_eq!(plan.fixes[0].route_table_ids, ["rtb-0bbbbbbbbbbbbbbbb"]);
    assert!(plan.fixes[1].private_dns_off);
    assert!(
        plan.endpoints.iter().all(|e| e.service != "s3"),
        "no second S3 gateway endpoint"
    );

    let tf = terraform_endpoints(&plan);
    let main = file(&tf, "main.tf");
    assert!(
        main.contains("resource \"aws_vpc_endpoint_route_table_association\" \"fix_s3_vpce_0s3s3s3s3s3s3s3s3_rtb_0bbbbbbbbbbbbbbbb\""),
        "{main}"
    );
    assert!(
        main.contains("  vpc_endpoint_id = \"vpce-0s3s3s3s3s3s3s3s3\"\n  route_table_id  = \"rtb-0bbbbbbbbbbbbbbbb\""),
        "{main}"
    );
    assert!(
        main.contains("resource \"aws_vpc_endpoint_subnet_association\""),
        "{main}"
    );
    assert!(
        main.contains("  subnet_id       = \"subnet-0bbbbbbbbbbbbbbbb\""),
        "{main}"
    );
    assert!(
        main.contains("#   aws ec2 modify-vpc-endpoint --vpc-endpoint-id vpce-0sqs0sqs0sqs0sqs0 --private-dns-enabled"),
        "private DNS is a commented instruction: {main}"
    );
    assert!(
        !main.contains("--add-route-table-ids"),
        "Terraform associates itself: {main}"
    );
    assert!(main.contains("the two would undo each other"), "{main}");

    let cfn = cloudformation_endpoints(&plan);
    assert!(
        !cfn.contains("RouteTableAssociation"),
        "no such CloudFormation resource: {cfn}"
    );
    assert!(
        cfn.contains("#   aws ec2 modify-vpc-endpoint --vpc-endpoint-id vpce-0s3s3s3s3s3s3s3s3 --add-route-table-ids rtb-0bbbbbbbbbbbbbbbb"),
        "{cfn}"
    );
    assert!(cfn.contains("--add-subnet-ids subnet-0bbbbbbbbbbbbbbbb"), "{cfn}");
    let script = fix_script(&plan).unwrap();
    assert_eq!(script.name, "fix-existing-endpoints.sh");
    assert!(script.contents.contains(
        "aws ec2 modify-vpc-endpoint --vpc-endpoint-id vpce-0sqs0sqs0sqs0sqs0 --private-dns-enabled --region us-east-1"
    ));

    // Fixes alone are a plan (not "nothing to create").
    let mut o = options();
    o.only = vec!["s3".into()];
    let plan = plan_endpoints(&fix_report(), &catalog(), &o).unwrap();
    assert!(plan.endpoints.is_empty() && plan.fixes.len() == 1, "{plan:?}");
    assert!(plan.notes[0].contains("already a gateway endpoint"), "{:?}", plan.notes);
    // Without an inventory or a fix-existing service there is nothing to fix.
    assert!(plan_endpoints(&report(), &catalog(), &options())
        .unwrap()
        .fixes
        .is_empty());
}

#[test]
fn private_dns_endpoints_check_the_vpcs_dns_attributes_when_applied() {
    let mut o = options();
    o.only = vec!["ssm".into(), "s3".into()];
    let plan = plan_endpoints(&report(), &catalog(), &o).unwrap();
    let tf = terraform_endpoints(&plan);
    let main = file(&tf, "main.tf");
    assert!(
        main.contains("data \"aws_vpc\" \"this\" {\n  id = var.vpc_id\n}"),
        "{main}"
    );
    let ssm = tf_block(main, "resource \"aws_vpc_endpoint\" \"ssm\"");
    assert!(
        ssm.contains("condition     = data.aws_vpc.this.enable_dns_support && data.aws_vpc.this.enable_dns_hostnames"),
        "{ssm}"
    );
    let s3 = tf_block(main, "resource \"aws_vpc_endpoint\" \"s3_gateway\"");
    assert!(
        !s3.contains("enable_dns_hostnames"),
        "a gateway endpoint has no private DNS: {s3}"
    );
    // Without private DNS anywhere, the VPC is not read.
    let mut o = options();
    o.only = vec!["s3".into()];
    let plan = plan_endpoints(&report(), &catalog(), &o).unwrap();
    assert!(!file(&terraform_endpoints(&plan), "main.tf").contains("data \"aws_vpc\""));
}
