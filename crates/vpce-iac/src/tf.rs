//! Terraform: small modules in the AWS provider's conventions
//! (`main.tf`, `variables.tf`, `outputs.tf`, `versions.tf`).

use std::fmt::Write as _;

use crate::plan::{policy_document, EndpointKind, Plan, Policy};
use crate::{flow_log_format, EndpointServiceOptions, GeneratedFile, LogDestination, LoggingOptions};

/// A quoted HCL string: escapes quotes, backslashes and template sequences.
fn q(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out.replace("${", "$${").replace("%{", "%%{")
}

/// An HCL list of quoted strings.
fn list(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|s| q(s)).collect::<Vec<_>>().join(", "))
}

/// A map of quoted strings, one entry per line, indented by `indent`.
fn map(m: &std::collections::BTreeMap<String, String>, indent: usize) -> String {
    if m.is_empty() {
        return "{}".into();
    }
    let pad = " ".repeat(indent + 2);
    let width = m.keys().map(|k| q(k).len()).max().unwrap_or(0);
    let mut s = String::from("{\n");
    for (k, v) in m {
        let key = q(k);
        let _ = writeln!(s, "{pad}{key:<width$} = {}", q(v));
    }
    s.push_str(&" ".repeat(indent));
    s.push('}');
    s
}

/// A block body: attributes aligned like `terraform fmt` does, in runs.
struct Body {
    lines: Vec<Line>,
}

enum Line {
    Attr(String, String),
    Raw(String),
}

impl Body {
    fn new() -> Self {
        Body { lines: Vec::new() }
    }
    fn attr(&mut self, k: &str, v: impl Into<String>) -> &mut Self {
        self.lines.push(Line::Attr(k.into(), v.into()));
        self
    }
    fn raw(&mut self, s: impl Into<String>) -> &mut Self {
        self.lines.push(Line::Raw(s.into()));
        self
    }
    fn render(&self, indent: usize) -> String {
        let pad = " ".repeat(indent);
        let mut out = String::new();
        let mut i = 0;
        while i < self.lines.len() {
            match &self.lines[i] {
                Line::Raw(r) => {
                    for l in r.lines() {
                        if l.is_empty() {
                            out.push('\n');
                        } else {
                            let _ = writeln!(out, "{pad}{l}");
                        }
                    }
                    i += 1;
                }
                Line::Attr(..) => {
                    // A run of single-line attributes shares one alignment.
                    let mut j = i;
                    while j < self.lines.len() && matches!(&self.lines[j], Line::Attr(_, v) if !v.contains('\n')) {
                        j += 1;
                    }
                    if j == i {
                        j = i + 1;
                    }
                    let width = self.lines[i..j]
                        .iter()
                        .map(|l| match l {
                            Line::Attr(k, _) => k.len(),
                            Line::Raw(_) => 0,
                        })
                        .max()
                        .unwrap_or(0);
                    for l in &self.lines[i..j] {
                        if let Line::Attr(k, v) = l {
                            let _ = writeln!(out, "{pad}{k:<width$} = {v}");
                        }
                    }
                    i = j;
                }
            }
        }
        out
    }
}

fn block(header: &str, body: &Body) -> String {
    format!("{header} {{\n{}}}\n", body.render(2))
}

fn comment(lines: &[String]) -> String {
    lines.iter().map(|l| format!("# {}\n", l.replace('\n', " "))).collect()
}

fn variable(name: &str, description: &str, ty: &str, default: Option<String>) -> String {
    let mut b = Body::new();
    b.attr("description", q(description)).attr("type", ty);
    if let Some(d) = default {
        b.attr("default", d);
    }
    block(&format!("variable {}", q(name)), &b)
}

fn versions() -> GeneratedFile {
    let body = r#"terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}
"#;
    GeneratedFile {
        name: "versions.tf".into(),
        contents: body.into(),
    }
}

/// The four files of a module.
fn module(main: String, vars: String, outputs: String) -> Vec<GeneratedFile> {
    vec![
        GeneratedFile {
            name: "main.tf".into(),
            contents: main,
        },
        GeneratedFile {
            name: "variables.tf".into(),
            contents: vars,
        },
        GeneratedFile {
            name: "outputs.tf".into(),
            contents: outputs,
        },
        versions(),
    ]
}

/// An `output` block.
fn output(name: &str, description: &str, value: &str) -> String {
    let mut b = Body::new();
    b.attr("description", q(description)).attr("value", value);
    block(&format!("output {}", q(name)), &b)
}

fn header(what: &str, provenance: &str) -> String {
    comment(&[format!("{what} (generated by vpce-advisor)."), provenance.to_string()])
}

/// The recommended endpoints as a Terraform module.
pub fn terraform_endpoints(plan: &Plan) -> Vec<GeneratedFile> {
    let has_interface = plan.endpoints.iter().any(|e| e.kind == EndpointKind::Interface);
    let has_gateway = plan.endpoints.iter().any(|e| e.kind == EndpointKind::Gateway);
    let region_expr = "${data.aws_region.current.name}";

    let mut main = header("VPC endpoints", &plan.provenance);
    main.push('\n');
    main.push_str("data \"aws_region\" \"current\" {}\n");
    if let Some(doc) = policy_document(&plan.policy, "${var.org_id}", "${var.account_id}") {
        let what = match plan.policy {
            Policy::Org(_) => "principals of the organization var.org_id",
            Policy::Account(_) => "principals of the account var.account_id",
            Policy::Full => unreachable!(),
        };
        main.push('\n');
        main.push_str(&comment(&[format!(
            "Endpoint policy: only {what}, on services that support endpoint policies."
        )]));
        let hcl = json_to_hcl(&doc, 2);
        main.push_str(&format!("locals {{\n  endpoint_policy = jsonencode({hcl})\n}}\n"));
    }
    if has_interface {
        main.push('\n');
        main.push_str(&comment(&[
            "One security group for every interface endpoint: HTTPS from the VPC CIDRs, nothing else.".into(),
        ]));
        let mut b = Body::new();
        b.attr("name_prefix", q(&format!("{}-endpoints-", plan.name_prefix)))
            .attr("description", q("HTTPS from the VPC to its interface endpoints"))
            .attr("vpc_id", "var.vpc_id")
            .attr(
                "tags",
                format!(
                    "merge(var.tags, {{ Name = {} }})",
                    q(&format!("{}-endpoints", plan.name_prefix))
                ),
            );
        main.push_str(&block("resource \"aws_security_group\" \"endpoints\"", &b));
        // One rule per CIDR; IPv4 and IPv6 CIDRs need different attributes.
        for (name, keep, attr) in [("https_ipv4", "!", "cidr_ipv4"), ("https_ipv6", "", "cidr_ipv6")] {
            main.push('\n');
            let mut r = Body::new();
            r.attr(
                "for_each",
                format!("toset([for c in var.vpc_cidrs : c if {keep}strcontains(c, \":\")])"),
            )
            .attr("security_group_id", "aws_security_group.endpoints.id")
            .attr("description", "\"HTTPS from ${each.value} to the interface endpoints\"")
            .attr(attr, "each.value")
            .attr("ip_protocol", q("tcp"))
            .attr("from_port", "443")
            .attr("to_port", "443");
            main.push_str(&block(
                &format!("resource \"aws_vpc_security_group_ingress_rule\" \"{name}\""),
                &r,
            ));
        }
    }
    for e in &plan.endpoints {
        main.push('\n');
        main.push_str(&comment(&e.why));
        let service = format!("\"{}\"", e.service_name_template.replace("{region}", region_expr));
        let mut b = Body::new();
        b.attr("vpc_id", "var.vpc_id").attr("service_name", service);
        match e.kind {
            EndpointKind::Gateway => {
                b.attr("vpc_endpoint_type", q("Gateway"))
                    .attr("route_table_ids", "var.route_table_ids");
            }
            EndpointKind::Interface => {
                b.attr("vpc_endpoint_type", q("Interface"))
                    .attr("subnet_ids", "var.subnet_ids")
                    .attr("security_group_ids", "[aws_security_group.endpoints.id]")
                    .attr("private_dns_enabled", if e.private_dns { "true" } else { "false" });
            }
        }
        if e.with_policy && plan.policy != Policy::Full {
            b.attr("policy", "local.endpoint_policy");
        }
        b.attr(
            "tags",
            format!(
                "merge(var.tags, {{ Name = {} }})",
                q(&format!("{}-{}", plan.name_prefix, e.id.replace('_', "-")))
            ),
        );
        if e.private_dns_only_for_inbound {
            b.raw("\ndns_options {\n  private_dns_only_for_inbound_resolver_endpoint = true\n}\n");
            b.raw("\n# The inbound-only option needs the S3 gateway endpoint in the VPC.\ndepends_on = [aws_vpc_endpoint.s3_gateway]");
        }
        main.push_str(&block(&format!("resource \"aws_vpc_endpoint\" \"{}\"", e.id), &b));
    }

    let mut vars = String::new();
    vars.push_str(&variable(
        "vpc_id",
        "VPC to create the endpoints in.",
        "string",
        plan.vpc_id.as_deref().map(q),
    ));
    vars.push('\n');
    if has_interface {
        vars.push_str(&variable(
            "vpc_cidrs",
            "CIDR blocks allowed to reach the interface endpoints on TCP 443.",
            "list(string)",
            Some(list(&plan.vpc_cidrs)),
        ));
        vars.push('\n');
        vars.push_str(&variable(
            "subnet_ids",
            "One subnet in each Availability Zone that has workloads, for the interface endpoints' network interfaces.",
            "list(string)",
            Some(list(&plan.subnet_ids)),
        ));
        vars.push('\n');
    }
    if has_gateway {
        vars.push_str(&variable(
            "route_table_ids",
            "Route tables of the subnets whose S3/DynamoDB traffic should use the gateway endpoints (those that route 0.0.0.0/0 to a NAT gateway).",
            "list(string)",
            Some(list(&plan.route_table_ids)),
        ));
        vars.push('\n');
    }
    match &plan.policy {
        Policy::Org(id) => {
            vars.push_str(&variable(
                "org_id",
                "AWS Organization whose principals may use the endpoints (aws:PrincipalOrgID).",
                "string",
                Some(q(id)),
            ));
            vars.push('\n');
        }
        Policy::Account(id) => {
            vars.push_str(&variable(
                "account_id",
                "Account whose principals may use the endpoints (aws:PrincipalAccount).",
                "string",
                Some(q(id)),
            ));
            vars.push('\n');
        }
        Policy::Full => {}
    }
    vars.push_str(&variable(
        "tags",
        "Tags for every resource.",
        "map(string)",
        Some(map(&plan.tags, 2)),
    ));

    let mut outputs = String::new();
    let ids: std::collections::BTreeMap<String, String> = plan
        .endpoints
        .iter()
        .map(|e| (e.id.clone(), format!("aws_vpc_endpoint.{}.id", e.id)))
        .collect();
    let width = ids.keys().map(String::len).max().unwrap_or(0);
    let mut value = String::from("{\n");
    for (k, v) in &ids {
        let _ = writeln!(value, "    {k:<width$} = {v}");
    }
    value.push_str("  }");
    outputs.push_str(&output("endpoint_ids", "VPC endpoint IDs by name.", &value));
    if has_interface {
        outputs.push('\n');
        outputs.push_str(&output(
            "security_group_id",
            "Security group of the interface endpoints.",
            "aws_security_group.endpoints.id",
        ));
    }
    module(main, vars, outputs)
}

/// A JSON value as an HCL expression (for `jsonencode(...)`), `${` left as
/// interpolation.
fn json_to_hcl(v: &serde_json::Value, indent: usize) -> String {
    let pad = " ".repeat(indent);
    match v {
        serde_json::Value::Object(m) => {
            // Like `terraform fmt`: runs of single-line attributes share one
            // alignment; a multi-line value ends the run and is not padded.
            let key_of = |k: &String| {
                if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    k.clone()
                } else {
                    format!("\"{k}\"")
                }
            };
            let entries: Vec<(String, String)> = m
                .iter()
                .map(|(k, val)| (key_of(k), json_to_hcl(val, indent + 2)))
                .collect();
            let mut s = String::from("{\n");
            let mut i = 0;
            while i < entries.len() {
                let mut j = i;
                while j < entries.len() && !entries[j].1.contains('\n') {
                    j += 1;
                }
                if j == i {
                    let _ = writeln!(s, "{pad}  {} = {}", entries[i].0, entries[i].1);
                    i += 1;
                    continue;
                }
                let width = entries[i..j].iter().map(|e| e.0.len()).max().unwrap_or(0);
                for (k, v) in &entries[i..j] {
                    let _ = writeln!(s, "{pad}  {k:<width$} = {v}");
                }
                i = j;
            }
            s.push_str(&pad);
            s.push('}');
            s
        }
        serde_json::Value::Array(a) => {
            let mut s = String::from("[\n");
            for val in a {
                let _ = writeln!(s, "{pad}  {},", json_to_hcl(val, indent + 2));
            }
            s.push_str(&pad);
            s.push(']');
            s
        }
        serde_json::Value::String(x) => format!("\"{}\"", x.replace('"', "\\\"")),
        other => other.to_string(),
    }
}

/// Resolver query logging and a flow log with the format the analysis needs.
pub fn terraform_logging(o: &LoggingOptions) -> Vec<GeneratedFile> {
    let mut main = header(
        "Route 53 Resolver query logging and a VPC flow log with the fields vpce-advisor reads",
        &format!("VPC {}; flow-log format: {}", o.vpc_id, flow_log_format()),
    );
    main.push_str("\ndata \"aws_region\" \"current\" {}\n\ndata \"aws_caller_identity\" \"current\" {}\n");
    let name = |s: &str| q(&format!("{}-{s}", o.name_prefix));
    let (dns_dest, flow_dest) = match &o.destination {
        LogDestination::CloudWatch => {
            for (id, path, what) in [
                ("resolver_query_logs", "resolver-query-logs", "Resolver query logs"),
                ("flow_logs", "flow-logs", "VPC flow logs"),
            ] {
                main.push('\n');
                let mut b = Body::new();
                b.raw("#checkov:skip=CKV_AWS_338:the logs serve a cost analysis of a few days to weeks; retention is var.retention_in_days (7 by default) to keep their cost down");
                if o.kms_key_arn.is_none() {
                    b.raw("#checkov:skip=CKV_AWS_158:encrypted with the CloudWatch Logs service key unless var.kms_key_arn is set (vpce-advisor setup --kms-key-arn)");
                }
                b.attr("name", format!("\"/{}/${{var.vpc_id}}/{path}\"", o.name_prefix))
                    .attr("retention_in_days", "var.retention_in_days")
                    .attr("kms_key_id", "var.kms_key_arn")
                    .attr("tags", "var.tags");
                main.push_str(&comment(&[format!(
                    "{what} (vended logs: ingestion and storage are billed)."
                )]));
                main.push_str(&block(&format!("resource \"aws_cloudwatch_log_group\" \"{id}\""), &b));
            }
            (
                "aws_cloudwatch_log_group.resolver_query_logs.arn".to_string(),
                "aws_cloudwatch_log_group.flow_logs.arn".to_string(),
            )
        }
        LogDestination::S3 { .. } => (
            "\"arn:aws:s3:::${var.bucket_name}\"".to_string(),
            "\"arn:aws:s3:::${var.bucket_name}\"".to_string(),
        ),
    };
    main.push('\n');
    let mut b = Body::new();
    b.attr("name", format!("\"{}-${{var.vpc_id}}\"", o.name_prefix))
        .attr("destination_arn", dns_dest.clone())
        .attr("tags", "var.tags");
    main.push_str(&block(
        "resource \"aws_route53_resolver_query_log_config\" \"this\"",
        &b,
    ));
    main.push('\n');
    let mut b = Body::new();
    b.attr(
        "resolver_query_log_config_id",
        "aws_route53_resolver_query_log_config.this.id",
    )
    .attr("resource_id", "var.vpc_id");
    main.push_str(&block(
        "resource \"aws_route53_resolver_query_log_config_association\" \"this\"",
        &b,
    ));

    if o.destination == LogDestination::CloudWatch {
        main.push('\n');
        main.push_str(&comment(&[
            "Lets VPC Flow Logs write to the flow-log group, and nothing else.".into(),
        ]));
        let mut b = Body::new();
        b.attr("name_prefix", name("flow-logs-")).attr(
            "assume_role_policy",
            format!(
                "jsonencode({})",
                json_to_hcl(
                    &serde_json::json!({
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Effect": "Allow",
                            "Principal": { "Service": "vpc-flow-logs.amazonaws.com" },
                            "Action": "sts:AssumeRole",
                            "Condition": {
                                "StringEquals": { "aws:SourceAccount": "${data.aws_caller_identity.current.account_id}" },
                                "ArnLike": { "aws:SourceArn": "arn:aws:ec2:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:vpc-flow-log/*" }
                            }
                        }]
                    }),
                    2
                )
            ),
        );
        b.attr("tags", "var.tags");
        main.push_str(&block("resource \"aws_iam_role\" \"flow_logs\"", &b));
        main.push('\n');
        let mut b = Body::new();
        b.attr("name", q("write-flow-logs")).attr("role", "aws_iam_role.flow_logs.id").attr(
            "policy",
            format!(
                "jsonencode({})",
                json_to_hcl(
                    &serde_json::json!({
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Effect": "Allow",
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                            "Resource": ["${aws_cloudwatch_log_group.flow_logs.arn}", "${aws_cloudwatch_log_group.flow_logs.arn}:*"]
                        }]
                    }),
                    2
                )
            ),
        );
        main.push_str(&block("resource \"aws_iam_role_policy\" \"flow_logs\"", &b));
    }
    if let LogDestination::S3 { .. } = &o.destination {
        main.push('\n');
        main.push_str(&comment(&[
            "Lets the log delivery service write both logs under AWSLogs/<account>/ in the bucket.".into(),
            "This replaces the bucket's policy: merge it into yours if the bucket already has one.".into(),
        ]));
        let mut b = Body::new();
        b.attr("bucket", "var.bucket_name").attr(
            "policy",
            format!(
                "jsonencode({})",
                json_to_hcl(
                    &serde_json::json!({
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "AWSLogDeliveryWrite",
                                "Effect": "Allow",
                                "Principal": { "Service": "delivery.logs.amazonaws.com" },
                                "Action": "s3:PutObject",
                                "Resource": "arn:aws:s3:::${var.bucket_name}/AWSLogs/${data.aws_caller_identity.current.account_id}/*",
                                "Condition": {
                                    "StringEquals": { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": "${data.aws_caller_identity.current.account_id}" },
                                    "ArnLike": { "aws:SourceArn": "arn:aws:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:*" }
                                }
                            },
                            {
                                "Sid": "AWSLogDeliveryAclCheck",
                                "Effect": "Allow",
                                "Principal": { "Service": "delivery.logs.amazonaws.com" },
                                "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
                                "Resource": "arn:aws:s3:::${var.bucket_name}",
                                "Condition": {
                                    "StringEquals": { "aws:SourceAccount": "${data.aws_caller_identity.current.account_id}" },
                                    "ArnLike": { "aws:SourceArn": "arn:aws:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:*" }
                                }
                            }
                        ]
                    }),
                    2
                )
            ),
        );
        main.push_str(&block("resource \"aws_s3_bucket_policy\" \"log_delivery\"", &b));
    }
    main.push('\n');
    main.push_str(&comment(&[
        "Every field vpce-advisor reads; 60-second aggregation so short connections are not merged.".into(),
    ]));
    let mut b = Body::new();
    b.attr("vpc_id", "var.vpc_id")
        .attr("traffic_type", q("ALL"))
        .attr("max_aggregation_interval", "60")
        .attr("log_format", q(&flow_log_format()))
        .attr("tags", "var.tags");
    match &o.destination {
        LogDestination::CloudWatch => {
            b.attr("log_destination_type", q("cloud-watch-logs"))
                .attr("log_destination", flow_dest)
                .attr("iam_role_arn", "aws_iam_role.flow_logs.arn");
        }
        LogDestination::S3 { .. } => {
            b.attr("log_destination_type", q("s3"))
                .attr("log_destination", flow_dest);
            b.raw("\ndestination_options {\n  file_format                = \"plain-text\"\n  hive_compatible_partitions = false\n  per_hour_partition         = false\n}\n");
            b.raw("\ndepends_on = [aws_s3_bucket_policy.log_delivery]");
        }
    }
    main.push_str(&block("resource \"aws_flow_log\" \"this\"", &b));

    let mut vars = variable("vpc_id", "VPC to log.", "string", Some(q(&o.vpc_id)));
    vars.push('\n');
    match &o.destination {
        LogDestination::CloudWatch => {
            vars.push_str(&variable(
                "retention_in_days",
                "Days to keep the logs.",
                "number",
                Some(o.retention_days.to_string()),
            ));
            vars.push('\n');
            vars.push_str(&variable(
                "kms_key_arn",
                "KMS key to encrypt the log groups with (null: the CloudWatch Logs service key).",
                "string",
                Some(o.kms_key_arn.as_deref().map_or("null".into(), q)),
            ));
        }
        LogDestination::S3 { bucket } => {
            vars.push_str(&variable(
                "bucket_name",
                "Existing S3 bucket that receives both logs.",
                "string",
                Some(q(bucket)),
            ));
        }
    }
    vars.push('\n');
    vars.push_str(&variable(
        "tags",
        "Tags for every resource.",
        "map(string)",
        Some(map(&o.tags, 2)),
    ));
    let outputs = [
        output(
            "query_log_config_id",
            "Resolver query logging configuration.",
            "aws_route53_resolver_query_log_config.this.id",
        ),
        output("flow_log_id", "Flow log.", "aws_flow_log.this.id"),
        output(
            "flow_log_format",
            "The flow-log format, for vpce-advisor analyze --flow-log-format when logs come from CloudWatch Logs.",
            "aws_flow_log.this.log_format",
        ),
    ]
    .join("\n");
    module(main, vars, outputs)
}

/// An endpoint service in front of Network Load Balancers.
pub fn terraform_endpoint_service(o: &EndpointServiceOptions) -> Vec<GeneratedFile> {
    let mut main = header("A VPC endpoint service (AWS PrivateLink) in front of a Network Load Balancer", "Consumers create interface endpoints to it; connections need acceptance unless var.acceptance_required is false.");
    main.push('\n');
    let mut b = Body::new();
    b.attr("acceptance_required", "var.acceptance_required")
        .attr("network_load_balancer_arns", "var.nlb_arns")
        .attr("allowed_principals", "var.allowed_principals")
        .attr("tags", format!("merge(var.tags, {{ Name = {} }})", q(&o.name_prefix)));
    main.push_str(&block("resource \"aws_vpc_endpoint_service\" \"this\"", &b));
    let mut vars = variable(
        "nlb_arns",
        "Network Load Balancers behind the service.",
        "list(string)",
        Some(list(&o.nlb_arns)),
    );
    vars.push('\n');
    vars.push_str(&variable(
        "allowed_principals",
        "Principals (ARNs) allowed to create endpoints to the service, e.g. arn:aws:iam::111122223333:root.",
        "list(string)",
        Some(list(&o.allowed_principals)),
    ));
    vars.push('\n');
    vars.push_str(&variable(
        "acceptance_required",
        "Whether each endpoint connection must be accepted.",
        "bool",
        Some(o.acceptance_required.to_string()),
    ));
    vars.push('\n');
    vars.push_str(&variable(
        "tags",
        "Tags for every resource.",
        "map(string)",
        Some(map(&o.tags, 2)),
    ));
    let outputs = output(
        "service_name",
        "The service name consumers give to their interface endpoints.",
        "aws_vpc_endpoint_service.this.service_name",
    );
    module(main, vars, outputs)
}
