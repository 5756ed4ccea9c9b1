//! The logging setup as a [`Module`]: Resolver query logging and a flow log
//! with the fields the analysis reads, to CloudWatch Logs or an S3 bucket.

use crate::endpoints::tags_input;
use crate::model::{
    arn, lit, policy, Input, InputDefault, InputType, Module, Name, Only, Output, Part, Resource, Skip, Value,
};
use crate::{flow_log_format, LogDestination, LoggingOptions};

/// What the key policy of a customer managed key for the log groups needs.
const KMS_KEY_POLICY: &str = "The KMS key's policy must let CloudWatch Logs use it: allow the service principal logs.<region>.amazonaws.com kms:Encrypt*, kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey* and kms:Describe* on the key, with the condition ArnLike kms:EncryptionContext:aws:logs:arn = arn:<partition>:logs:<region>:<account>:log-group:<this group's name> (else creating the group fails with AccessDeniedException).";

const RETENTION_DAYS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

const BUCKET_POLICY: &str = "log_delivery";
const FLOW_LOG_GROUP: &str = "flow_logs";
const DNS_LOG_GROUP: &str = "resolver_query_logs";
const ROLE: &str = "flow_logs_role";

/// The module of the logging setup.
pub(crate) fn module(o: &LoggingOptions) -> Module {
    let cw = o.destination == LogDestination::CloudWatch;
    let mut resources = Vec::new();
    if cw {
        resources.extend(log_groups(o));
    }
    resources.extend(query_logging(o));
    if cw {
        resources.extend(flow_log_role(o));
    } else {
        resources.push(bucket_policy());
    }
    resources.push(flow_log(o));
    let what = "Route 53 Resolver query logging and a VPC flow log with the fields vpce-advisor reads";
    Module {
        tf_title: what.into(),
        tf_comments: vec![format!("VPC {}; flow-log format: {}", o.vpc_id, flow_log_format())],
        cfn_description: what.into(),
        cfn_comments: vec![format!("Flow-log format: {}", flow_log_format())],
        inputs: inputs(o),
        locals: Vec::new(),
        resources,
        outputs: outputs(),
        tags: o.tags.clone(),
    }
}

fn log_groups(o: &LoggingOptions) -> Vec<Resource> {
    // Resolver query logging is a vended log: under /aws/vendedlogs/ the log
    // delivery service needs no resource policy of its own on the group (those
    // are limited to 10 per Region and 5,120 characters).
    let dns_group = format!("/aws/vendedlogs/{}/", o.name_prefix);
    let flow_group = format!("/{}/", o.name_prefix);
    [
        (DNS_LOG_GROUP, "ResolverQueryLogGroup", dns_group, "resolver-query-logs", "Resolver query logs"),
        (FLOW_LOG_GROUP, "FlowLogGroup", flow_group, "flow-logs", "VPC flow logs"),
    ]
    .into_iter()
    .map(|(key, cfn, prefix, path, what)| {
        let mut comments = vec![format!("{what} (vended logs: ingestion and storage are billed).")];
        if o.kms_key_arn.is_some() {
            comments.push(KMS_KEY_POLICY.into());
        }
        let mut r = Resource::new(
            key,
            Name::two(key, cfn),
            ("aws_cloudwatch_log_group", "AWS::Logs::LogGroup"),
        )
        .comments(&comments);
        r.skips.push(Skip {
            id: "CKV_AWS_338",
            tf: "the logs serve a cost analysis of a few days to weeks; retention is var.retention_in_days (7 by default) to keep their cost down".into(),
            cfn: "the logs serve a cost analysis of days to weeks; retention is the RetentionInDays parameter (7 by default) to keep their cost down".into(),
        });
        if o.kms_key_arn.is_none() {
            r.skips.push(Skip {
                id: "CKV_AWS_158",
                tf: "encrypted with the CloudWatch Logs service key unless var.kms_key_arn is set (vpce-advisor setup --kms-key-arn)".into(),
                cfn: "encrypted with the CloudWatch Logs service key unless the KmsKeyArn parameter is set".into(),
            });
        }
        r.prop(
            Name::two("name", "LogGroupName"),
            Value::Sub(vec![lit(prefix), Part::Var("vpc_id".into()), lit(format!("/{path}"))]),
        )
        .prop(Name::new("retention_in_days"), Value::var("retention_in_days"))
        .prop(Name::new("kms_key_id"), Value::OptVar("kms_key_arn".into(), "HasKmsKey".into()))
        .prop(Name::new("tags"), Value::Tags(None));
        r
    })
    .collect()
}

/// Where both logs go in a bucket.
fn bucket_arn() -> Value {
    Value::Sub(arn("s3", false, false, vec![Part::Var("bucket_name".into())]))
}

fn query_logging(o: &LoggingOptions) -> Vec<Resource> {
    let destination = match o.destination {
        LogDestination::CloudWatch => Value::attr(DNS_LOG_GROUP, "arn"),
        LogDestination::S3 { .. } => bucket_arn(),
    };
    let mut config = Resource::new(
        "query_log_config",
        Name::two("this", "QueryLogConfig"),
        (
            "aws_route53_resolver_query_log_config",
            "AWS::Route53Resolver::ResolverQueryLoggingConfig",
        ),
    );
    config
        .prop(
            Name::new("name"),
            Value::Sub(vec![lit(format!("{}-", o.name_prefix)), Part::Var("vpc_id".into())]),
        )
        .prop(Name::new("destination_arn"), destination)
        .prop(Name::new("tags"), Value::Tags(None));
    if o.destination != LogDestination::CloudWatch {
        // Resolver checks that it may write to the bucket when the
        // configuration is created.
        config.depends(BUCKET_POLICY, Only::Both);
    }
    let mut association = Resource::new(
        "query_log_association",
        Name::two("this", "QueryLogConfigAssociation"),
        (
            "aws_route53_resolver_query_log_config_association",
            "AWS::Route53Resolver::ResolverQueryLoggingConfigAssociation",
        ),
    );
    association
        .prop(
            Name::new("resolver_query_log_config_id"),
            Value::attr("query_log_config", "id"),
        )
        .prop(Name::new("resource_id"), Value::var("vpc_id"));
    vec![config, association]
}

/// The role VPC Flow Logs assumes to write to the flow-log group, and its
/// policy (inline in CloudFormation, a role-policy resource in Terraform).
fn flow_log_role(o: &LoggingOptions) -> Vec<Resource> {
    let trust = policy(vec![Value::map(vec![
        ("Effect", Value::str("Allow")),
        (
            "Principal",
            Value::map(vec![("Service", Value::str("vpc-flow-logs.amazonaws.com"))]),
        ),
        ("Action", Value::str("sts:AssumeRole")),
        (
            "Condition",
            source_conditions(Vec::new(), arn("ec2", true, true, vec![lit("vpc-flow-log/*")])),
        ),
    ])]);
    // The group's ARN in both forms: `…:log-group:NAME` for the group and
    // `…:log-group:NAME:*` for its streams.
    let group = || {
        arn(
            "logs",
            true,
            true,
            vec![lit("log-group:"), Part::Attr(FLOW_LOG_GROUP.into(), "id".into())],
        )
    };
    let write = policy(vec![Value::map(vec![
        ("Effect", Value::str("Allow")),
        (
            "Action",
            Value::strs(&["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]),
        ),
        (
            "Resource",
            Value::list(vec![
                Value::Sub(group()),
                Value::Sub([group(), vec![lit(":*")]].concat()),
            ]),
        ),
    ])]);
    let mut role = Resource::new(
        ROLE,
        Name::two("flow_logs", "FlowLogsRole"),
        ("aws_iam_role", "AWS::IAM::Role"),
    )
    .comments(&["Lets VPC Flow Logs write to the flow-log group, and nothing else.".into()]);
    role.prop_in(
        Name::new("name_prefix"),
        Value::str(format!("{}-flow-logs-", o.name_prefix)),
        Only::Terraform,
    )
    .prop(
        Name::two("assume_role_policy", "AssumeRolePolicyDocument"),
        Value::Doc(Box::new(trust)),
    )
    .prop_in(
        Name::new("policies"),
        Value::list(vec![Value::map(vec![
            ("PolicyName", Value::str("write-flow-logs")),
            ("PolicyDocument", write.clone()),
        ])]),
        Only::CloudFormation,
    )
    .prop(Name::new("tags"), Value::Tags(None));
    let mut policy = Resource::new(
        "flow_logs_policy",
        Name::new("flow_logs"),
        ("aws_iam_role_policy", "AWS::IAM::RolePolicy"),
    )
    .only(Only::Terraform);
    policy
        .prop(Name::new("name"), Value::str("write-flow-logs"))
        .prop(Name::new("role"), Value::attr(ROLE, "id"))
        .prop(Name::new("policy"), Value::Doc(Box::new(write)));
    vec![role, policy]
}

/// Lets the log delivery service write both logs under `AWSLogs/<account>/`.
/// `aws:SourceAccount` (with `equals` beside it) and `aws:SourceArn`: the
/// service acts for this account's resources only.
fn source_conditions(equals: Vec<(&str, Value)>, source_arn: Vec<Part>) -> Value {
    let mut equals = equals;
    equals.push(("aws:SourceAccount", Value::Sub(vec![Part::AccountId])));
    Value::map(vec![
        ("StringEquals", Value::map(equals)),
        ("ArnLike", Value::map(vec![("aws:SourceArn", Value::Sub(source_arn))])),
    ])
}

fn bucket_policy() -> Resource {
    let statement = |sid: &str, action: Value, resource: Vec<Part>, equals| {
        Value::map(vec![
            ("Sid", Value::str(sid)),
            ("Effect", Value::str("Allow")),
            (
                "Principal",
                Value::map(vec![("Service", Value::str("delivery.logs.amazonaws.com"))]),
            ),
            ("Action", action),
            ("Resource", Value::Sub(resource)),
            (
                "Condition",
                source_conditions(equals, arn("logs", true, true, vec![lit("*")])),
            ),
        ])
    };
    let bucket = || arn("s3", false, false, vec![Part::Var("bucket_name".into())]);
    let mut objects = bucket();
    objects.extend([lit("/AWSLogs/"), Part::AccountId, lit("/*")]);
    let doc = policy(vec![
        statement(
            "AWSLogDeliveryWrite",
            Value::str("s3:PutObject"),
            objects,
            vec![("s3:x-amz-acl", Value::str("bucket-owner-full-control"))],
        ),
        statement(
            "AWSLogDeliveryAclCheck",
            Value::strs(&["s3:GetBucketAcl", "s3:ListBucket"]),
            bucket(),
            Vec::new(),
        ),
    ]);
    let mut r = Resource::new(
        BUCKET_POLICY,
        Name::two(BUCKET_POLICY, "LogDeliveryBucketPolicy"),
        ("aws_s3_bucket_policy", "AWS::S3::BucketPolicy"),
    )
    .comments(&[
        "Lets the log delivery service write both logs under AWSLogs/<account>/ in the bucket.".into(),
        "This replaces the bucket's policy: merge it into yours if the bucket already has one.".into(),
    ]);
    r.prop(Name::new("bucket"), Value::var("bucket_name"))
        .prop(Name::two("policy", "PolicyDocument"), Value::Doc(Box::new(doc)));
    r
}

fn flow_log(o: &LoggingOptions) -> Resource {
    let mut r = Resource::new(
        "flow_log",
        Name::two("this", "FlowLog"),
        ("aws_flow_log", "AWS::EC2::FlowLog"),
    )
    .comments(&["Every field vpce-advisor reads; 60-second aggregation so short connections are not merged.".into()]);
    r.prop(Name::two("vpc_id", "ResourceId"), Value::var("vpc_id"))
        .prop_in(Name::new("resource_type"), Value::str("VPC"), Only::CloudFormation)
        .prop(Name::new("traffic_type"), Value::str("ALL"))
        .prop(Name::new("max_aggregation_interval"), Value::Num(60))
        .prop(Name::new("log_format"), Value::str(flow_log_format()))
        .prop(Name::new("tags"), Value::Tags(None));
    match o.destination {
        LogDestination::CloudWatch => {
            r.prop(Name::new("log_destination_type"), Value::str("cloud-watch-logs"))
                .prop(Name::new("log_destination"), Value::attr(FLOW_LOG_GROUP, "arn"))
                .prop(
                    Name::two("iam_role_arn", "DeliverLogsPermissionArn"),
                    Value::attr(ROLE, "arn"),
                );
        }
        LogDestination::S3 { .. } => {
            let option = |name: &str, value: Value| crate::model::Prop {
                name: Name::new(name),
                value,
                only: Only::Both,
            };
            r.prop(Name::new("log_destination_type"), Value::str("s3"))
                .prop(Name::new("log_destination"), bucket_arn())
                .prop(
                    Name::new("destination_options"),
                    Value::Block(vec![
                        option("file_format", Value::str("plain-text")),
                        option("hive_compatible_partitions", Value::Bool(false)),
                        option("per_hour_partition", Value::Bool(false)),
                    ]),
                );
            r.depends(BUCKET_POLICY, Only::Both);
        }
    }
    r
}

fn inputs(o: &LoggingOptions) -> Vec<Input> {
    let mut v = vec![Input::new(
        "vpc_id",
        "VPC to log.",
        InputType::VpcId,
        Some(InputDefault::Str(o.vpc_id.clone())),
    )];
    match &o.destination {
        LogDestination::CloudWatch => {
            v.push(Input::new(
                "retention_in_days",
                "Days to keep the logs.",
                InputType::Number(RETENTION_DAYS),
                Some(InputDefault::Num(o.retention_days)),
            ));
            let mut kms = Input::new(
                "kms_key_arn",
                "KMS key to encrypt the log groups with (null: the CloudWatch Logs service key).",
                InputType::String,
                Some(o.kms_key_arn.clone().map_or(InputDefault::Empty, InputDefault::Str)),
            );
            kms.cfn_description =
                Some("KMS key to encrypt the log groups with (empty: the CloudWatch Logs service key).".into());
            v.push(kms);
        }
        LogDestination::S3 { bucket } => v.push(Input::new(
            "bucket_name",
            "Existing S3 bucket that receives both logs.",
            InputType::String,
            Some(InputDefault::Str(bucket.clone())),
        )),
    }
    v.push(tags_input(&o.tags));
    v
}

fn outputs() -> Vec<Output> {
    vec![
        Output::new(
            Name::new("query_log_config_id"),
            "Resolver query logging configuration.",
            Value::attr("query_log_config", "id"),
        ),
        Output::new(Name::new("flow_log_id"), "Flow log.", Value::attr("flow_log", "id")),
        Output::new(
            Name::new("flow_log_format"),
            "The flow-log format, for vpce-advisor analyze --flow-log-format when logs come from CloudWatch Logs.",
            Value::PerBackend(
                Box::new(Value::attr("flow_log", "log_format")),
                Box::new(Value::str(flow_log_format())),
            ),
        ),
    ]
}
