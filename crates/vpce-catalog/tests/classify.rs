//! Table tests for every hard case of the hostname catalogue.

use vpce_catalog::{Catalog, EndpointType, IpRanges, Kind};

struct Case {
    name: &'static str,
    kind: Kind,
    service: Option<&'static str>,
    region: Option<&'static str>,
    esn: Option<&'static str>,
    covers: bool,
}

const fn svc(name: &'static str, service: &'static str, region: &'static str, esn: &'static str, covers: bool) -> Case {
    Case {
        name,
        kind: Kind::Service,
        service: Some(service),
        region: Some(region),
        esn: Some(esn),
        covers,
    }
}

#[test]
fn hostname_table() {
    use Kind::*;
    let cases = [
        // Plain regional names.
        svc(
            "ssm.us-east-1.amazonaws.com.",
            "ssm",
            "us-east-1",
            "com.amazonaws.us-east-1.ssm",
            true,
        ),
        svc(
            "ec2messages.us-east-1.amazonaws.com",
            "ec2messages",
            "us-east-1",
            "com.amazonaws.us-east-1.ec2messages",
            true,
        ),
        svc(
            "SSM.US-EAST-1.AMAZONAWS.COM.",
            "ssm",
            "us-east-1",
            "com.amazonaws.us-east-1.ssm",
            true,
        ),
        svc(
            "logs.eu-central-1.amazonaws.com",
            "logs",
            "eu-central-1",
            "com.amazonaws.eu-central-1.logs",
            true,
        ),
        svc(
            "kms-fips.us-east-1.amazonaws.com",
            "kms-fips",
            "us-east-1",
            "com.amazonaws.us-east-1.kms-fips",
            true,
        ),
        // S3 in all its forms.
        svc(
            "s3.us-east-1.amazonaws.com",
            "s3",
            "us-east-1",
            "com.amazonaws.us-east-1.s3",
            true,
        ),
        svc(
            "mybucket.s3.us-east-1.amazonaws.com",
            "s3",
            "us-east-1",
            "com.amazonaws.us-east-1.s3",
            true,
        ),
        svc(
            "my.dotted.bucket.s3.eu-west-1.amazonaws.com.",
            "s3",
            "eu-west-1",
            "com.amazonaws.eu-west-1.s3",
            true,
        ),
        svc(
            "prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com",
            "s3",
            "us-east-1",
            "com.amazonaws.us-east-1.s3",
            true,
        ),
        svc(
            "s3.dualstack.us-east-1.amazonaws.com",
            "s3",
            "us-east-1",
            "com.amazonaws.us-east-1.s3",
            false,
        ),
        svc(
            "amazonlinux-2-repos-us-east-1.s3.dualstack.us-east-1.amazonaws.com.",
            "s3",
            "us-east-1",
            "com.amazonaws.us-east-1.s3",
            false,
        ),
        svc(
            "s3-r-w.us-east-1.amazonaws.com",
            "s3",
            "us-east-1",
            "com.amazonaws.us-east-1.s3",
            true,
        ),
        svc(
            "s3-us-west-2.amazonaws.com",
            "s3",
            "us-west-2",
            "com.amazonaws.us-west-2.s3",
            false,
        ),
        svc(
            "bucket.s3-us-west-2.amazonaws.com",
            "s3",
            "us-west-2",
            "com.amazonaws.us-west-2.s3",
            false,
        ),
        svc(
            "s3.amazonaws.com",
            "s3",
            "us-east-1",
            "com.amazonaws.us-east-1.s3",
            false,
        ),
        svc(
            "mybucket.s3.amazonaws.com",
            "s3",
            "us-east-1",
            "com.amazonaws.us-east-1.s3",
            false,
        ),
        svc(
            "s3-external-1.amazonaws.com",
            "s3",
            "us-east-1",
            "com.amazonaws.us-east-1.s3",
            false,
        ),
        svc(
            "123456789012.s3-control.us-east-1.amazonaws.com",
            "s3",
            "us-east-1",
            "com.amazonaws.us-east-1.s3",
            true,
        ),
        svc(
            "ap-123456789012.s3-accesspoint.us-east-1.amazonaws.com",
            "s3",
            "us-east-1",
            "com.amazonaws.us-east-1.s3",
            true,
        ),
        svc(
            "s3-fips.us-east-1.amazonaws.com",
            "s3",
            "us-east-1",
            "com.amazonaws.us-east-1.s3",
            false,
        ),
        svc(
            "bucket.s3-website-us-east-1.amazonaws.com",
            "s3",
            "us-east-1",
            "com.amazonaws.us-east-1.s3",
            false,
        ),
        svc(
            "mrap.accesspoint.s3-global.amazonaws.com",
            "s3-global.accesspoint",
            "",
            "com.amazonaws.s3-global.accesspoint",
            true,
        ),
        svc(
            "bucket--use1-az4--x-s3.s3express-use1-az4.us-east-1.amazonaws.com",
            "s3express",
            "us-east-1",
            "com.amazonaws.us-east-1.s3express",
            true,
        ),
        // DynamoDB.
        svc(
            "dynamodb.us-east-1.amazonaws.com",
            "dynamodb",
            "us-east-1",
            "com.amazonaws.us-east-1.dynamodb",
            true,
        ),
        svc(
            "123456789012.ddb.us-east-1.amazonaws.com",
            "dynamodb",
            "us-east-1",
            "com.amazonaws.us-east-1.dynamodb",
            true,
        ),
        // ECR.
        svc(
            "api.ecr.us-east-1.amazonaws.com",
            "ecr.api",
            "us-east-1",
            "com.amazonaws.us-east-1.ecr.api",
            true,
        ),
        svc(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com",
            "ecr.dkr",
            "us-east-1",
            "com.amazonaws.us-east-1.ecr.dkr",
            true,
        ),
        svc(
            "ecr.us-east-1.api.aws",
            "ecr.api",
            "us-east-1",
            "com.amazonaws.us-east-1.ecr.api",
            false,
        ),
        // API Gateway, SageMaker, Kinesis, ECS, CodeArtifact, IoT.
        svc(
            "abc123defg.execute-api.us-east-1.amazonaws.com",
            "execute-api",
            "us-east-1",
            "com.amazonaws.us-east-1.execute-api",
            true,
        ),
        svc(
            "runtime.sagemaker.us-east-1.amazonaws.com",
            "sagemaker.runtime",
            "us-east-1",
            "com.amazonaws.us-east-1.sagemaker.runtime",
            true,
        ),
        svc(
            "api.sagemaker.eu-west-1.amazonaws.com",
            "sagemaker.api",
            "eu-west-1",
            "com.amazonaws.eu-west-1.sagemaker.api",
            true,
        ),
        svc(
            "nb.notebook.us-east-1.sagemaker.aws",
            "sagemaker.notebook",
            "us-east-1",
            "aws.sagemaker.us-east-1.notebook",
            true,
        ),
        svc(
            "kinesis.us-east-1.amazonaws.com",
            "kinesis-streams",
            "us-east-1",
            "com.amazonaws.us-east-1.kinesis-streams",
            true,
        ),
        svc(
            "firehose.us-east-1.amazonaws.com",
            "kinesis-firehose",
            "us-east-1",
            "com.amazonaws.us-east-1.kinesis-firehose",
            true,
        ),
        svc(
            "ecs-a-1.us-east-1.amazonaws.com",
            "ecs-agent",
            "us-east-1",
            "com.amazonaws.us-east-1.ecs-agent",
            true,
        ),
        svc(
            "ecs-t-2.us-east-1.amazonaws.com",
            "ecs-telemetry",
            "us-east-1",
            "com.amazonaws.us-east-1.ecs-telemetry",
            true,
        ),
        svc(
            "ecs.us-east-1.amazonaws.com",
            "ecs",
            "us-east-1",
            "com.amazonaws.us-east-1.ecs",
            true,
        ),
        svc(
            "mydomain-123456789012.d.codeartifact.us-west-2.amazonaws.com",
            "codeartifact.repositories",
            "us-west-2",
            "com.amazonaws.us-west-2.codeartifact.repositories",
            true,
        ),
        svc(
            "codeartifact.us-west-2.amazonaws.com",
            "codeartifact.api",
            "us-west-2",
            "com.amazonaws.us-west-2.codeartifact.api",
            true,
        ),
        svc(
            "a1b2c3-ats.iot.us-east-1.amazonaws.com",
            "iot.data",
            "us-east-1",
            "com.amazonaws.us-east-1.iot.data",
            true,
        ),
        svc(
            "c1.credentials.iot.us-east-1.amazonaws.com",
            "iot.credentials",
            "us-east-1",
            "com.amazonaws.us-east-1.iot.credentials",
            true,
        ),
        // Global and legacy names.
        svc(
            "sts.us-east-1.amazonaws.com",
            "sts",
            "us-east-1",
            "com.amazonaws.us-east-1.sts",
            true,
        ),
        svc(
            "sts.amazonaws.com",
            "sts",
            "us-east-1",
            "com.amazonaws.us-east-1.sts",
            false,
        ),
        svc(
            "queue.amazonaws.com",
            "sqs",
            "us-east-1",
            "com.amazonaws.us-east-1.sqs",
            false,
        ),
        svc(
            "eu-west-1.queue.amazonaws.com",
            "sqs",
            "eu-west-1",
            "com.amazonaws.eu-west-1.sqs",
            false,
        ),
        svc(
            "sqs.us-east-2.amazonaws.com",
            "sqs",
            "us-east-2",
            "com.amazonaws.us-east-2.sqs",
            true,
        ),
        svc(
            "sqs.us-east-2.api.aws",
            "sqs",
            "us-east-2",
            "com.amazonaws.us-east-2.sqs",
            true,
        ),
        svc("iam.amazonaws.com", "iam", "us-east-1", "com.amazonaws.iam", true),
        svc(
            "route53.amazonaws.com",
            "route53",
            "us-east-1",
            "com.amazonaws.route53",
            true,
        ),
        // FIPS without a -fips endpoint service.
        svc(
            "sts-fips.us-east-1.amazonaws.com",
            "sts",
            "us-east-1",
            "com.amazonaws.us-east-1.sts",
            false,
        ),
        svc(
            "lambda-fips.us-west-2.amazonaws.com",
            "lambda",
            "us-west-2",
            "com.amazonaws.us-west-2.lambda",
            false,
        ),
        // api.aws.
        svc(
            "qbusiness.us-east-1.api.aws",
            "qbusiness",
            "us-east-1",
            "aws.api.us-east-1.qbusiness",
            true,
        ),
        svc(
            "lambda.eu-west-1.api.aws",
            "lambda",
            "eu-west-1",
            "com.amazonaws.eu-west-1.lambda",
            false,
        ),
        // China.
        svc(
            "ssm.cn-north-1.amazonaws.com.cn",
            "ssm",
            "cn-north-1",
            "com.amazonaws.cn-north-1.ssm",
            true,
        ),
        svc(
            "ec2.cn-north-1.amazonaws.com.cn",
            "ec2",
            "cn-north-1",
            "cn.com.amazonaws.cn-north-1.ec2",
            true,
        ),
        svc(
            "account.cn-northwest-1.amazonaws.com.cn",
            "account",
            "cn-northwest-1",
            "cn.com.amazonaws.cn-northwest-1.account",
            true,
        ),
        svc(
            "account.cn-north-1.amazonaws.com.cn",
            "account",
            "cn-north-1",
            "com.amazonaws.cn-north-1.account",
            true,
        ),
        svc(
            "mybucket.s3.cn-north-1.amazonaws.com.cn",
            "s3",
            "cn-north-1",
            "com.amazonaws.cn-north-1.s3",
            true,
        ),
        svc(
            "dynamodb.cn-northwest-1.amazonaws.com.cn",
            "dynamodb",
            "cn-northwest-1",
            "com.amazonaws.cn-northwest-1.dynamodb",
            true,
        ),
        svc(
            "transcribe.cn-north-1.amazonaws.com.cn",
            "transcribe",
            "cn-north-1",
            "cn.com.amazonaws.cn-north-1.transcribe.cn",
            true,
        ),
        svc(
            "lambda.cn-north-1.api.amazonwebservices.com.cn",
            "lambda",
            "cn-north-1",
            "cn.com.amazonaws.cn-north-1.lambda",
            false,
        ),
        svc(
            "appconfig.cn-north-1.api.amazonwebservices.com.cn",
            "appconfig",
            "cn-north-1",
            "com.amazonaws.cn-north-1.appconfig",
            false,
        ),
        // Catalogue entries outside the plain pattern.
        svc(
            "kafka.eu-west-1.amazonaws.com",
            "kafka",
            "eu-west-1",
            "com.amazonaws.eu-west-1.kafka",
            true,
        ),
        svc(
            "eks-auth.us-west-2.api.aws",
            "eks-auth",
            "us-west-2",
            "com.amazonaws.us-west-2.eks-auth",
            true,
        ),
        svc("iam.global.api.aws", "iam", "us-east-1", "com.amazonaws.iam", false),
        svc(
            "storagegateway.eu-west-1.api.aws",
            "storagegateway",
            "eu-west-1",
            "com.amazonaws.eu-west-1.storagegateway",
            false,
        ),
        svc(
            "apigateway.us-east-2.api.aws",
            "apigateway",
            "us-east-2",
            "com.amazonaws.us-east-2.apigateway",
            false,
        ),
        // Dual-stack names of services without a pattern of their own.
        svc(
            "kms.ap-south-1.api.aws",
            "kms",
            "ap-south-1",
            "com.amazonaws.ap-south-1.kms",
            false,
        ),
        svc(
            "secretsmanager.eu-central-2.api.aws",
            "secretsmanager",
            "eu-central-2",
            "com.amazonaws.eu-central-2.secretsmanager",
            false,
        ),
        svc(
            "s3express-control.eu-north-1.amazonaws.com",
            "s3express",
            "eu-north-1",
            "com.amazonaws.eu-north-1.s3express",
            true,
        ),
        // Names in a Region that does not exist are no real endpoint.
        Case {
            name: "ssm.us-east-9.amazonaws.com",
            kind: NotAws,
            service: None,
            region: None,
            esn: None,
            covers: false,
        },
        Case {
            name: "bucket.s3.eu-fake-1.amazonaws.com",
            kind: NotAws,
            service: None,
            region: None,
            esn: None,
            covers: false,
        },
        Case {
            name: "brandnew.zz-north-7.amazonaws.com",
            kind: NotAws,
            service: None,
            region: None,
            esn: None,
            covers: false,
        },
        Case {
            name: "kms.qq-west-3.api.aws",
            kind: NotAws,
            service: None,
            region: None,
            esn: None,
            covers: false,
        },
        Case {
            name: "vpce-0123-abcd.ssm.us-east-7.vpce.amazonaws.com",
            kind: NotAws,
            service: None,
            region: None,
            esn: None,
            covers: false,
        },
        // Resources.
        Case {
            name: "ec2-54-1-2-3.compute-1.amazonaws.com",
            kind: Resource,
            service: Some("ec2"),
            region: Some("us-east-1"),
            esn: None,
            covers: false,
        },
        Case {
            name: "ec2-3-4-5-6.eu-west-1.compute.amazonaws.com",
            kind: Resource,
            service: Some("ec2"),
            region: Some("eu-west-1"),
            esn: None,
            covers: false,
        },
        Case {
            name: "ip-10-0-1-5.ec2.internal",
            kind: Resource,
            service: Some("ec2"),
            region: Some("us-east-1"),
            esn: None,
            covers: false,
        },
        Case {
            name: "ip-10-0-1-5.eu-west-1.compute.internal",
            kind: Resource,
            service: Some("ec2"),
            region: Some("eu-west-1"),
            esn: None,
            covers: false,
        },
        Case {
            name: "mydb.abc123xyz.us-east-1.rds.amazonaws.com",
            kind: Resource,
            service: Some("rds"),
            region: Some("us-east-1"),
            esn: None,
            covers: false,
        },
        Case {
            name: "my-alb-123.us-east-1.elb.amazonaws.com",
            kind: Resource,
            service: Some("elasticloadbalancing"),
            region: Some("us-east-1"),
            esn: None,
            covers: false,
        },
        Case {
            name: "my-nlb-abc.elb.eu-west-1.amazonaws.com",
            kind: Resource,
            service: Some("elasticloadbalancing"),
            region: Some("eu-west-1"),
            esn: None,
            covers: false,
        },
        Case {
            name: "c1.abc.0001.use1.cache.amazonaws.com",
            kind: Resource,
            service: Some("elasticache"),
            region: None,
            esn: None,
            covers: false,
        },
        Case {
            name: "d111111abcdef8.cloudfront.net",
            kind: Resource,
            service: Some("cloudfront"),
            region: None,
            esn: None,
            covers: false,
        },
        // Endpoint DNS names.
        Case {
            name: "vpce-0123456789abcdef0-abcdefgh.ssm.us-east-1.vpce.amazonaws.com",
            kind: EndpointDns,
            service: Some("ssm"),
            region: Some("us-east-1"),
            esn: Some("com.amazonaws.us-east-1.ssm"),
            covers: true,
        },
        Case {
            name: "bucket.vpce-0123-abcd.s3.us-east-1.vpce.amazonaws.com",
            kind: EndpointDns,
            service: Some("s3"),
            region: Some("us-east-1"),
            esn: Some("com.amazonaws.us-east-1.s3"),
            covers: true,
        },
        Case {
            name: "vpce-0123-abcd.api.ecr.us-east-1.vpce.amazonaws.com",
            kind: EndpointDns,
            service: Some("ecr.api"),
            region: Some("us-east-1"),
            esn: Some("com.amazonaws.us-east-1.ecr.api"),
            covers: true,
        },
        // Not AWS.
        Case {
            name: "amazonaws.com.evil.example",
            kind: NotAws,
            service: None,
            region: None,
            esn: None,
            covers: false,
        },
        Case {
            name: "evilamazonaws.com",
            kind: NotAws,
            service: None,
            region: None,
            esn: None,
            covers: false,
        },
        Case {
            name: "github.com.",
            kind: NotAws,
            service: None,
            region: None,
            esn: None,
            covers: false,
        },
        Case {
            name: "15.3.4.32.in-addr.arpa.",
            kind: NotAws,
            service: None,
            region: None,
            esn: None,
            covers: false,
        },
        Case {
            name: "",
            kind: NotAws,
            service: None,
            region: None,
            esn: None,
            covers: false,
        },
        Case {
            name: "bad name!.com",
            kind: NotAws,
            service: None,
            region: None,
            esn: None,
            covers: false,
        },
    ];
    let cat = Catalog::embedded();
    let mut failures = Vec::new();
    for c in &cases {
        let got = cat.classify(c.name, None);
        let want_region = c.region.filter(|r| !r.is_empty());
        if got.kind != c.kind
            || got.service.as_deref() != c.service
            || got.region.as_deref() != want_region
            || got.endpoint_service_name.as_deref() != c.esn
            || got.private_dns_covers != c.covers
        {
            failures.push(format!("{}: got {:?}", c.name, got));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn types_notes_and_context_region() {
    let cat = Catalog::embedded();
    let s3 = cat.classify("s3.us-east-1.amazonaws.com", None);
    assert_eq!(s3.endpoint_types, vec![EndpointType::Gateway, EndpointType::Interface]);
    let ddb = cat.classify("dynamodb.eu-west-1.amazonaws.com", None);
    assert!(ddb.endpoint_types.contains(&EndpointType::Gateway));
    let sts = cat.classify("sts.amazonaws.com", Some("eu-west-1"));
    assert_eq!(
        sts.endpoint_service_name.as_deref(),
        Some("com.amazonaws.eu-west-1.sts")
    );
    assert_eq!(sts.region.as_deref(), Some("eu-west-1"));
    assert!(!sts.private_dns_covers);
    assert!(sts.notes[0].contains("regional endpoint"), "{:?}", sts.notes);
    let q = cat.classify("queue.amazonaws.com", None);
    assert!(q.notes.iter().any(|n| n.contains("legacy SQS name")));
    let dkr = cat.classify("1.dkr.ecr.us-east-1.amazonaws.com", None);
    assert!(dkr.notes.iter().any(|n| n.contains("starport-layer-bucket")));
    let unknown = cat.classify("brandnew.us-east-1.amazonaws.com", None);
    assert_eq!(unknown.kind, Kind::Service);
    assert_eq!(unknown.service.as_deref(), Some("brandnew"));
    assert_eq!(unknown.endpoint_service_name, None);
    assert!(unknown
        .notes
        .iter()
        .any(|n| n.contains("no VPC endpoint service in the catalogue")));
    let cf = cat.classify("cloudfront.amazonaws.com", None);
    assert_eq!(cf.endpoint_service_name, None);
    assert_eq!(
        cat.classify("codepipeline.us-east-1.amazonaws.com", None)
            .endpoint_policy_supported,
        Some(false)
    );
    assert_eq!(
        cat.classify("ssm.us-east-1.amazonaws.com", None)
            .endpoint_policy_supported,
        Some(true)
    );
}

#[test]
fn catalogue_covers_the_inventory_and_is_dated() {
    let cat = Catalog::embedded();
    assert_eq!(cat.as_of(), "2025-10-31");
    assert!(cat.services().len() >= 257, "{}", cat.services().len());
    for s in [
        "s3",
        "dynamodb",
        "ecr.api",
        "ecr.dkr",
        "sts",
        "ssm",
        "ssmmessages",
        "ec2messages",
        "logs",
        "kinesis-streams",
        "sqs",
        "execute-api",
        "apigateway",
    ] {
        assert!(cat.service(s).is_some(), "{s}");
    }
    // Every catalogued interface service classifies its own default name back to itself.
    for s in cat.services() {
        if let Some(h) = s
            .hostnames
            .iter()
            .find(|h| h.pattern.contains("{region}") && !h.pattern.starts_with('*') && !h.pattern.contains('*'))
        {
            let name = h.pattern.replace("{region}", "us-west-2");
            let c = cat.classify(&name, None);
            assert_eq!(c.service.as_deref(), Some(s.name.as_str()), "{name}");
        }
    }
}

#[test]
fn a_replacement_catalogue_is_checked() {
    assert!(Catalog::from_json("{}").is_err());
    let err = Catalog::from_json(r#"{"format":"other/9","as_of":"x","source":"y","endpoint_service_template":"t","aws_domains":[],"services":[],"resources":[]}"#).unwrap_err();
    assert!(err.to_string().contains("unsupported catalogue format"));
    let err = Catalog::from_json(r#"{"format":"vpce-advisor-catalog/1","as_of":"x","source":"y","endpoint_service_template":"com.amazonaws.{region}.{name}","aws_domains":[],"services":[{"name":"a","types":["Interface"],"hostnames":[{"pattern":"a.amazonaws.com"}]}],"resources":[]}"#).unwrap_err();
    assert!(err.to_string().contains("no {region}"), "{err}");
}

#[test]
fn legacy_global_s3_names_take_the_region_of_the_answer() {
    let cat = Catalog::embedded();
    let ranges = IpRanges::embedded();
    let c = cat.classify("mybucket.s3.amazonaws.com", Some("eu-west-1"));
    assert!(c.region_from_answer);
    assert_eq!(
        c.region.as_deref(),
        Some("us-east-1"),
        "without an answer the name is us-east-1's"
    );
    // A CNAME to the bucket's regional name.
    for cname in ["s3-w.eu-west-1.amazonaws.com", "s3-r-w.eu-west-1.amazonaws.com"] {
        let r = cat.refine_by_answers(&c, &[cname, "3.5.72.1"], &ranges);
        assert_eq!(r.region.as_deref(), Some("eu-west-1"), "{cname}");
        assert_eq!(r.endpoint_service_name.as_deref(), Some("com.amazonaws.eu-west-1.s3"));
        assert!(r.endpoint_types.contains(&EndpointType::Gateway));
        assert!(
            !r.private_dns_covers,
            "an interface endpoint does not support legacy global names"
        );
        assert!(r.notes.iter().any(|n| n.contains(cname)), "{:?}", r.notes);
    }
    // Only an A answer, inside an S3 range of eu-west-1 in the snapshot.
    let r = cat.refine_by_answers(
        &cat.classify("s3.amazonaws.com", Some("eu-west-1")),
        &["3.251.110.210"],
        &ranges,
    );
    assert_eq!(r.region.as_deref(), Some("eu-west-1"));
    // An address outside S3's ranges says nothing.
    let r = cat.refine_by_answers(&c, &["192.0.2.10"], &ranges);
    assert_eq!(r.region.as_deref(), Some("us-east-1"));
    // Regional names are not refined by answers.
    let regional = cat.classify("bucket.s3.us-west-2.amazonaws.com", None);
    assert!(!regional.region_from_answer);
    assert_eq!(
        cat.refine_by_answers(&regional, &["1.178.7.1"], &ranges)
            .region
            .as_deref(),
        Some("us-west-2")
    );
    assert_eq!(
        cat.region_of_address("dynamodb", "35.71.64.9".parse().unwrap(), &ranges)
            .as_deref(),
        Some("us-west-2")
    );
    assert_eq!(
        cat.region_of_address("s3", "35.71.64.9".parse().unwrap(), &ranges),
        None
    );
}

#[test]
fn region_bound_legacy_names_are_cross_region_from_elsewhere() {
    let cat = Catalog::embedded();
    for (name, svc) in [
        ("queue.amazonaws.com", "sqs"),
        ("ec2.amazonaws.com", "ec2"),
        ("sdb.amazonaws.com", "sdb"),
    ] {
        let c = cat.classify(name, Some("eu-west-1"));
        assert_eq!(c.service.as_deref(), Some(svc), "{name}");
        assert_eq!(c.region.as_deref(), Some("us-east-1"), "{name} is served in us-east-1");
        if svc != "sdb" {
            assert_eq!(
                c.endpoint_service_name.as_deref(),
                Some(format!("com.amazonaws.us-east-1.{svc}").as_str())
            );
            assert!(
                c.notes.iter().any(|n| n.contains("cross-Region traffic to us-east-1")),
                "{name}: {:?}",
                c.notes
            );
        }
        let home = cat.classify(name, Some("us-east-1"));
        assert!(
            !home.notes.iter().any(|n| n.contains("cross-Region")),
            "{:?}",
            home.notes
        );
    }
    // The STS global name is served in the caller's Region when that Region
    // is enabled by default, in us-east-1 from opt-in Regions.
    let sts = cat.classify("sts.amazonaws.com", Some("eu-west-1"));
    assert_eq!(sts.region.as_deref(), Some("eu-west-1"));
    assert!(sts.context_dependent);
    let sts = cat.classify("sts.amazonaws.com", Some("af-south-1"));
    assert_eq!(sts.region.as_deref(), Some("us-east-1"));
    assert!(sts.notes.iter().any(|n| n.contains("cross-Region")), "{:?}", sts.notes);
    assert!(cat.is_opt_in_region("me-central-1") && !cat.is_opt_in_region("us-west-2"));
}

#[test]
fn catalogue_additions() {
    let cat = Catalog::embedded();
    let x = cat.classify("s3express-usw2-az1.us-west-2.amazonaws.com", None);
    assert_eq!(x.endpoint_types, vec![EndpointType::Gateway, EndpointType::Interface]);
    let e = cat.classify("public.ecr.aws", Some("eu-west-1"));
    assert_eq!(e.kind, Kind::Service);
    assert_eq!(e.service.as_deref(), Some("ecr-public"));
    assert_eq!(e.endpoint_service_name, None);
    assert!(e
        .notes
        .iter()
        .any(|n| n.contains("pull-through cache") && n.contains("ecr.dkr") && n.contains("S3")));
    let broker = cat.classify("b-1.mycluster.abc123.c2.kafka.us-east-1.amazonaws.com", None);
    assert_eq!(broker.kind, Kind::Resource);
    let u = cat.classify("ssm.us-east-9.amazonaws.com", None);
    assert!(
        u.notes.iter().any(|n| n.contains("'us-east-9' is not an AWS Region")),
        "{:?}",
        u.notes
    );
    for r in [
        "mx-central-1",
        "ap-southeast-7",
        "eusc-de-east-1",
        "us-gov-west-1",
        "cn-northwest-1",
    ] {
        assert!(cat.is_known_region(r), "{r}");
    }
    // China names used for gateway and interface endpoints of S3.
    assert_eq!(
        cat.interface_endpoint_service_name("s3", Some("cn-north-1")).as_deref(),
        Some("cn.com.amazonaws.cn-north-1.s3")
    );
    assert_eq!(
        cat.endpoint_service_name("s3", Some("cn-north-1")).as_deref(),
        Some("com.amazonaws.cn-north-1.s3")
    );
    assert_eq!(
        cat.interface_endpoint_service_name("s3", Some("eu-west-1")).as_deref(),
        Some("com.amazonaws.eu-west-1.s3")
    );
}

proptest::proptest! {
    #[test]
    fn classify_never_panics(name in "[a-zA-Z0-9.*_-]{0,80}") {
        let _ = Catalog::embedded().classify(&name, Some("us-east-1"));
    }
}

#[test]
fn cross_region_privatelink_services_are_marked() {
    let c = Catalog::embedded();
    for name in [
        "s3",
        "iam",
        "ecr.api",
        "ecr.dkr",
        "kms",
        "ecs",
        "lambda",
        "kinesis-firehose",
        "route53",
    ] {
        assert!(c.service(name).unwrap().cross_region, "{name}");
    }
    for name in ["sqs", "sts", "ssm", "dynamodb", "execute-api"] {
        assert!(!c.service(name).unwrap().cross_region, "{name}");
    }
}

#[test]
fn the_catalogue_is_dated_by_its_newest_dated_source() {
    // Not the day it was edited: its date is the ip-ranges snapshot's, the
    // newest source with a date; the others are named as undated.
    let c = Catalog::embedded();
    let ip = IpRanges::embedded();
    assert_eq!(c.as_of(), &ip.as_of()[..10]);
    assert!(c.source().contains("createDate 2025-10-31"), "{}", c.source());
    assert!(c.source().contains("undated sources"), "{}", c.source());
}
