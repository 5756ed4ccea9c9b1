//! CloudFormation: one YAML template per concern, with Parameters and Outputs.

use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use crate::plan::{policy_document, EndpointKind, Plan, Policy};
use crate::{flow_log_format, EndpointServiceOptions, LogDestination, LoggingOptions};

/// A YAML scalar: strings always double-quoted (JSON escaping is valid YAML).
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        other => other.to_string(),
    }
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Object(_) | Value::Array(_))
        || v.as_object().is_some_and(Map::is_empty)
        || v.as_array().is_some_and(Vec::is_empty)
}

fn empty(v: &Value) -> Option<&'static str> {
    match v {
        Value::Object(m) if m.is_empty() => Some("{}"),
        Value::Array(a) if a.is_empty() => Some("[]"),
        _ => None,
    }
}

/// Writes `v` as block YAML at `indent`.
fn yaml(out: &mut String, v: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) => {
            for (k, val) in m {
                if let Some(e) = empty(val) {
                    let _ = writeln!(out, "{pad}{k}: {e}");
                } else if is_scalar(val) {
                    let _ = writeln!(out, "{pad}{k}: {}", scalar(val));
                } else {
                    let _ = writeln!(out, "{pad}{k}:");
                    yaml(out, val, indent + 2);
                }
            }
        }
        Value::Array(a) => {
            for val in a {
                if is_scalar(val) {
                    let _ = writeln!(out, "{pad}- {}", empty(val).map_or_else(|| scalar(val), str::to_string));
                } else {
                    let mut inner = String::new();
                    yaml(&mut inner, val, indent + 2);
                    // "- " takes the place of the first line's indentation.
                    let inner = inner.trim_start();
                    let _ = write!(out, "{pad}- {inner}");
                }
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{}", scalar(other));
        }
    }
}

/// One resource with comments above it; `Type` first for readability.
fn resource(out: &mut String, id: &str, ty: &str, comments: &[String], extra: &Map<String, Value>, properties: Value) {
    out.push('\n');
    for c in comments {
        let _ = writeln!(out, "  # {}", c.replace('\n', " "));
    }
    let _ = writeln!(out, "  {id}:");
    let _ = writeln!(out, "    Type: {}", scalar(&json!(ty)));
    let mut rest = String::new();
    yaml(&mut rest, &Value::Object(extra.clone()), 4);
    out.push_str(&rest);
    let _ = writeln!(out, "    Properties:");
    yaml(out, &properties, 6);
}

fn tags(base: &std::collections::BTreeMap<String, String>, name: Option<String>) -> Value {
    let mut t: Vec<Value> = Vec::new();
    if let Some(n) = name {
        t.push(json!({"Key": "Name", "Value": n}));
    }
    for (k, v) in base {
        t.push(json!({"Key": k, "Value": v}));
    }
    Value::Array(t)
}

fn logical_id(id: &str) -> String {
    id.split('_')
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn head(description: &str, comments: &[String]) -> String {
    let mut out = String::from("AWSTemplateFormatVersion: \"2010-09-09\"\n");
    let _ = writeln!(out, "Description: {}", scalar(&json!(description)));
    for c in comments {
        let _ = writeln!(out, "# {c}");
    }
    out
}

fn section(out: &mut String, name: &str, v: Value) {
    let _ = writeln!(out, "{name}:");
    yaml(out, &v, 2);
}

/// The recommended endpoints as one CloudFormation template.
pub fn cloudformation_endpoints(plan: &Plan) -> String {
    let has_interface = plan.endpoints.iter().any(|e| e.kind == EndpointKind::Interface);
    let has_gateway = plan.endpoints.iter().any(|e| e.kind == EndpointKind::Gateway);
    let mut out = head(
        "VPC endpoints recommended by vpce-advisor",
        std::slice::from_ref(&plan.provenance),
    );
    let mut params = Map::new();
    let mut vpc = json!({"Type": "AWS::EC2::VPC::Id", "Description": "VPC to create the endpoints in."});
    if let Some(v) = &plan.vpc_id {
        vpc["Default"] = json!(v);
    }
    params.insert("VpcId".into(), vpc);
    if has_interface {
        let mut p = json!({"Type": "List<AWS::EC2::Subnet::Id>", "Description": "One subnet in each Availability Zone that has workloads, for the interface endpoints' network interfaces."});
        if !plan.subnet_ids.is_empty() {
            p["Default"] = json!(plan.subnet_ids.join(","));
        }
        params.insert("SubnetIds".into(), p);
    }
    if has_gateway {
        let mut p = json!({"Type": "CommaDelimitedList", "Description": "Route tables of the subnets whose S3/DynamoDB traffic should use the gateway endpoints (those that route 0.0.0.0/0 to a NAT gateway)."});
        if !plan.route_table_ids.is_empty() {
            p["Default"] = json!(plan.route_table_ids.join(","));
        }
        params.insert("RouteTableIds".into(), p);
    }
    match &plan.policy {
        Policy::Org(id) => {
            params.insert("OrgId".into(), json!({"Type": "String", "Description": "AWS Organization whose principals may use the endpoints (aws:PrincipalOrgID).", "Default": id}));
        }
        Policy::Account(id) => {
            params.insert("AccountId".into(), json!({"Type": "String", "Description": "Account whose principals may use the endpoints (aws:PrincipalAccount).", "Default": id}));
        }
        Policy::Full => {}
    }
    section(&mut out, "Parameters", Value::Object(params));
    out.push_str("Resources:");
    let policy = policy_document(&plan.policy, "${OrgId}", "${AccountId}").map(|doc| {
        // Only the condition value needs the parameter.
        let s = doc.to_string();
        let key = if s.contains("${OrgId}") { "OrgId" } else { "AccountId" };
        let mut doc = doc;
        let cond = &mut doc["Statement"][0]["Condition"]["StringEquals"];
        if let Some(obj) = cond.as_object_mut() {
            for v in obj.values_mut() {
                *v = json!({"Ref": key});
            }
        }
        doc
    });
    if has_interface {
        let mut ingress = Vec::new();
        for c in &plan.vpc_cidrs {
            let key = if c.contains(':') { "CidrIpv6" } else { "CidrIp" };
            ingress.push(json!({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, key: c, "Description": format!("HTTPS from {c} to the interface endpoints")}));
        }
        resource(
            &mut out,
            "EndpointSecurityGroup",
            "AWS::EC2::SecurityGroup",
            &["One security group for every interface endpoint: HTTPS from the VPC CIDRs, nothing else.".into()],
            &Map::new(),
            json!({
                "GroupDescription": "HTTPS from the VPC to its interface endpoints",
                "VpcId": {"Ref": "VpcId"},
                "SecurityGroupIngress": ingress,
                "SecurityGroupEgress": [{"IpProtocol": "-1", "CidrIp": "127.0.0.1/32", "Description": "No outbound rules: endpoints only answer connections"}],
                "Tags": tags(&plan.tags, Some(format!("{}-endpoints", plan.name_prefix))),
            }),
        );
    }
    let gateway_s3 = plan
        .endpoints
        .iter()
        .find(|e| e.kind == EndpointKind::Gateway && e.service == "s3")
        .map(|e| logical_id(&e.id));
    for e in &plan.endpoints {
        let mut props = json!({
            "ServiceName": {"Fn::Sub": e.service_name_template.replace("{region}", "${AWS::Region}")},
            "VpcEndpointType": match e.kind { EndpointKind::Gateway => "Gateway", EndpointKind::Interface => "Interface" },
            "VpcId": {"Ref": "VpcId"},
        });
        match e.kind {
            EndpointKind::Gateway => props["RouteTableIds"] = json!({"Ref": "RouteTableIds"}),
            EndpointKind::Interface => {
                props["SubnetIds"] = json!({"Ref": "SubnetIds"});
                props["SecurityGroupIds"] = json!([{"Ref": "EndpointSecurityGroup"}]);
                props["PrivateDnsEnabled"] = json!(e.private_dns);
                if e.private_dns_only_for_inbound {
                    props["DnsOptions"] = json!({"PrivateDnsOnlyForInboundResolverEndpoint": "OnlyInboundResolver"});
                }
            }
        }
        if let (true, Some(p)) = (e.with_policy, &policy) {
            props["PolicyDocument"] = p.clone();
        }
        let mut extra = Map::new();
        if e.private_dns_only_for_inbound {
            if let Some(g) = &gateway_s3 {
                extra.insert("DependsOn".into(), json!(g));
            }
        }
        resource(
            &mut out,
            &logical_id(&e.id),
            "AWS::EC2::VPCEndpoint",
            &e.why,
            &extra,
            props,
        );
    }
    out.push('\n');
    let mut outputs = Map::new();
    for e in &plan.endpoints {
        let id = logical_id(&e.id);
        outputs.insert(
            format!("{id}Id"),
            json!({"Description": format!("VPC endpoint for {}", e.service), "Value": {"Ref": id}}),
        );
    }
    if has_interface {
        outputs.insert("SecurityGroupId".into(), json!({"Description": "Security group of the interface endpoints.", "Value": {"Ref": "EndpointSecurityGroup"}}));
    }
    section(&mut out, "Outputs", Value::Object(outputs));
    out
}

/// Resolver query logging and a flow log with the format the analysis needs.
pub fn cloudformation_logging(o: &LoggingOptions) -> String {
    let mut out = head(
        "Route 53 Resolver query logging and a VPC flow log with the fields vpce-advisor reads",
        &[format!("Flow-log format: {}", flow_log_format())],
    );
    let mut params = Map::new();
    params.insert(
        "VpcId".into(),
        json!({"Type": "AWS::EC2::VPC::Id", "Description": "VPC to log.", "Default": o.vpc_id}),
    );
    let cw = o.destination == LogDestination::CloudWatch;
    if cw {
        params.insert("RetentionInDays".into(), json!({"Type": "Number", "Description": "Days to keep the logs.", "Default": o.retention_days, "AllowedValues": [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]}));
        params.insert("KmsKeyArn".into(), json!({"Type": "String", "Description": "KMS key to encrypt the log groups with (empty: the CloudWatch Logs service key).", "Default": o.kms_key_arn.clone().unwrap_or_default()}));
    }
    if let LogDestination::S3 { bucket } = &o.destination {
        params.insert(
            "BucketName".into(),
            json!({"Type": "String", "Description": "Existing S3 bucket that receives both logs.", "Default": bucket}),
        );
    }
    section(&mut out, "Parameters", Value::Object(params));
    if cw {
        out.push_str("Conditions:\n  HasKmsKey: !Not [!Equals [!Ref KmsKeyArn, \"\"]]\n");
    }
    out.push_str("Resources:");
    let tag_list = tags(&o.tags, None);
    let (dns_dest, flow_dest) = if cw {
        for (id, path, what) in [
            ("ResolverQueryLogGroup", "resolver-query-logs", "Resolver query logs"),
            ("FlowLogGroup", "flow-logs", "VPC flow logs"),
        ] {
            let mut extra = Map::new();
            let mut skips = vec![
                json!({"id": "CKV_AWS_338", "comment": "the logs serve a cost analysis of days to weeks; retention is the RetentionInDays parameter (7 by default) to keep their cost down"}),
            ];
            if o.kms_key_arn.is_none() {
                skips.push(json!({"id": "CKV_AWS_158", "comment": "encrypted with the CloudWatch Logs service key unless the KmsKeyArn parameter is set"}));
            }
            extra.insert("Metadata".into(), json!({"checkov": {"skip": skips}}));
            resource(
                &mut out,
                id,
                "AWS::Logs::LogGroup",
                &[format!("{what} (vended logs: ingestion and storage are billed).")],
                &extra,
                json!({
                    "LogGroupName": {"Fn::Sub": format!("/{}/${{VpcId}}/{path}", o.name_prefix)},
                    "RetentionInDays": {"Ref": "RetentionInDays"},
                    "KmsKeyId": {"Fn::If": ["HasKmsKey", {"Ref": "KmsKeyArn"}, {"Ref": "AWS::NoValue"}]},
                    "Tags": tag_list,
                }),
            );
        }
        (
            json!({"Fn::GetAtt": ["ResolverQueryLogGroup", "Arn"]}),
            json!({"Fn::GetAtt": ["FlowLogGroup", "Arn"]}),
        )
    } else {
        (
            json!({"Fn::Sub": "arn:aws:s3:::${BucketName}"}),
            json!({"Fn::Sub": "arn:aws:s3:::${BucketName}"}),
        )
    };
    let mut extra = Map::new();
    if !cw {
        extra.insert("DependsOn".into(), json!("LogDeliveryBucketPolicy"));
    }
    resource(
        &mut out,
        "QueryLogConfig",
        "AWS::Route53Resolver::ResolverQueryLoggingConfig",
        &[],
        &extra,
        json!({"Name": {"Fn::Sub": format!("{}-${{VpcId}}", o.name_prefix)}, "DestinationArn": dns_dest, "Tags": tag_list}),
    );
    resource(
        &mut out,
        "QueryLogConfigAssociation",
        "AWS::Route53Resolver::ResolverQueryLoggingConfigAssociation",
        &[],
        &Map::new(),
        json!({"ResolverQueryLogConfigId": {"Ref": "QueryLogConfig"}, "ResourceId": {"Ref": "VpcId"}}),
    );
    if cw {
        resource(
            &mut out,
            "FlowLogsRole",
            "AWS::IAM::Role",
            &["Lets VPC Flow Logs write to the flow-log group, and nothing else.".into()],
            &Map::new(),
            json!({
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Effect": "Allow",
                        "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                            "ArnLike": {"aws:SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc-flow-log/*"}}
                        }
                    }]
                },
                "Policies": [{
                    "PolicyName": "write-flow-logs",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Effect": "Allow",
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                            "Resource": [{"Fn::GetAtt": ["FlowLogGroup", "Arn"]}, {"Fn::Sub": "${FlowLogGroup.Arn}:*"}]
                        }]
                    }
                }],
                "Tags": tag_list,
            }),
        );
    } else {
        resource(
            &mut out,
            "LogDeliveryBucketPolicy",
            "AWS::S3::BucketPolicy",
            &[
                "Lets the log delivery service write both logs under AWSLogs/<account>/ in the bucket.".into(),
                "This replaces the bucket's policy: merge it into yours if the bucket already has one.".into(),
            ],
            &Map::new(),
            json!({
                "Bucket": {"Ref": "BucketName"},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "AWSLogDeliveryWrite",
                            "Effect": "Allow",
                            "Principal": {"Service": "delivery.logs.amazonaws.com"},
                            "Action": "s3:PutObject",
                            "Resource": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${BucketName}/AWSLogs/${AWS::AccountId}/*"},
                            "Condition": {
                                "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                                "ArnLike": {"aws:SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*"}}
                            }
                        },
                        {
                            "Sid": "AWSLogDeliveryAclCheck",
                            "Effect": "Allow",
                            "Principal": {"Service": "delivery.logs.amazonaws.com"},
                            "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
                            "Resource": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${BucketName}"},
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                                "ArnLike": {"aws:SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*"}}
                            }
                        }
                    ]
                }
            }),
        );
    }
    let mut flow = json!({
        "ResourceId": {"Ref": "VpcId"},
        "ResourceType": "VPC",
        "TrafficType": "ALL",
        "MaxAggregationInterval": 60,
        "LogFormat": flow_log_format(),
        "LogDestination": flow_dest,
        "Tags": tag_list,
    });
    let mut extra = Map::new();
    if cw {
        flow["LogDestinationType"] = json!("cloud-watch-logs");
        flow["DeliverLogsPermissionArn"] = json!({"Fn::GetAtt": ["FlowLogsRole", "Arn"]});
    } else {
        flow["LogDestinationType"] = json!("s3");
        flow["DestinationOptions"] =
            json!({"FileFormat": "plain-text", "HiveCompatiblePartitions": false, "PerHourPartition": false});
        extra.insert("DependsOn".into(), json!("LogDeliveryBucketPolicy"));
    }
    resource(
        &mut out,
        "FlowLog",
        "AWS::EC2::FlowLog",
        &["Every field vpce-advisor reads; 60-second aggregation so short connections are not merged.".into()],
        &extra,
        flow,
    );
    out.push('\n');
    section(
        &mut out,
        "Outputs",
        json!({
            "QueryLogConfigId": {"Description": "Resolver query logging configuration.", "Value": {"Ref": "QueryLogConfig"}},
            "FlowLogId": {"Description": "Flow log.", "Value": {"Ref": "FlowLog"}},
            "FlowLogFormat": {"Description": "The flow-log format, for vpce-advisor analyze --flow-log-format when logs come from CloudWatch Logs.", "Value": flow_log_format()},
        }),
    );
    out
}

/// An endpoint service in front of Network Load Balancers.
pub fn cloudformation_endpoint_service(o: &EndpointServiceOptions) -> String {
    let mut out = head(
        "A VPC endpoint service (AWS PrivateLink) in front of a Network Load Balancer",
        &[],
    );
    section(
        &mut out,
        "Parameters",
        json!({
            "NlbArns": {"Type": "CommaDelimitedList", "Description": "Network Load Balancers behind the service.", "Default": o.nlb_arns.join(",")},
            "AllowedPrincipals": {"Type": "CommaDelimitedList", "Description": "Principals (ARNs) allowed to create endpoints to the service.", "Default": o.allowed_principals.join(",")},
            "AcceptanceRequired": {"Type": "String", "Description": "Whether each endpoint connection must be accepted.", "Default": o.acceptance_required.to_string(), "AllowedValues": ["true", "false"]},
        }),
    );
    out.push_str("Resources:");
    resource(
        &mut out,
        "EndpointService",
        "AWS::EC2::VPCEndpointService",
        &["Consumers create interface endpoints to this service; connections need acceptance unless AcceptanceRequired is false.".into()],
        &Map::new(),
        json!({"AcceptanceRequired": {"Ref": "AcceptanceRequired"}, "NetworkLoadBalancerArns": {"Ref": "NlbArns"}, "Tags": tags(&o.tags, Some(o.name_prefix.clone()))}),
    );
    resource(
        &mut out,
        "EndpointServicePermissions",
        "AWS::EC2::VPCEndpointServicePermissions",
        &[],
        &Map::new(),
        json!({"ServiceId": {"Ref": "EndpointService"}, "AllowedPrincipals": {"Ref": "AllowedPrincipals"}}),
    );
    out.push('\n');
    section(
        &mut out,
        "Outputs",
        json!({"ServiceId": {"Description": "The endpoint service.", "Value": {"Ref": "EndpointService"}}}),
    );
    out
}
