//! The recommended endpoints as a [`Module`]: one security group for the
//! interface endpoints, one endpoint per planned service, the policy.

use crate::model::{
    lit, pascal, policy, Input, InputDefault, InputType, Local, Module, Name, Only, Output, Part, Resource, Value,
};
use crate::plan::{EndpointKind, Plan, PlannedEndpoint, Policy};

const SG: &str = "endpoints";

/// The module of a plan.
pub(crate) fn module(plan: &Plan) -> Module {
    let has_interface = plan.endpoints.iter().any(|e| e.kind == EndpointKind::Interface);
    let mut resources = Vec::new();
    if has_interface {
        resources.extend(security_group(plan));
        if !plan.client_cidrs.is_empty() {
            resources.extend(inbound_resolver(plan));
        }
    }
    let with_policy = plan.policy != Policy::Full;
    let gateway_s3 = plan
        .endpoints
        .iter()
        .find(|e| e.kind == EndpointKind::Gateway && e.service == "s3")
        .map(|e| e.id.clone());
    let (data, mut locals) = az_filters(plan);
    if wants_private_dns(plan) {
        resources.push(vpc_data());
    }
    resources.extend(data);
    for e in &plan.endpoints {
        resources.push(endpoint(plan, e, with_policy, gateway_s3.as_deref()));
    }
    locals.extend(endpoint_policies(plan));
    Module {
        tf_title: "VPC endpoints".into(),
        tf_comments: vec![plan.provenance.clone()],
        cfn_description: "VPC endpoints recommended by vpce-advisor".into(),
        cfn_comments: vec![plan.provenance.clone()],
        inputs: inputs(plan),
        locals,
        resources,
        outputs: outputs(plan),
        tags: plan.tags.clone(),
    }
}

/// A security group's properties: its name (a prefix in Terraform, and the
/// Name tag), description, VPC, inline rules (CloudFormation) and no egress.
fn group_props(sg: &mut Resource, name: &str, description: &str, ingress: Vec<Value>, no_egress_why: &str) {
    sg.prop_in(
        Name::new("name_prefix"),
        Value::str(format!("{name}-")),
        Only::Terraform,
    )
    .prop(Name::two("description", "GroupDescription"), Value::str(description))
    .prop(Name::new("vpc_id"), Value::var("vpc_id"))
    .prop_in(
        Name::new("security_group_ingress"),
        Value::List(ingress),
        Only::CloudFormation,
    )
    .prop_in(
        Name::new("security_group_egress"),
        no_egress(no_egress_why),
        Only::CloudFormation,
    )
    .prop(Name::new("tags"), Value::Tags(Some(name.to_string())));
}

/// One inline ingress rule of a CloudFormation security group.
fn cfn_rule(protocol: &str, port: i64, cidr: &str, description: String) -> Value {
    let key = if cidr.contains(':') { "CidrIpv6" } else { "CidrIp" };
    Value::map(vec![
        ("IpProtocol", Value::str(protocol)),
        ("FromPort", Value::Num(port)),
        ("ToPort", Value::Num(port)),
        (key, Value::str(cidr)),
        ("Description", Value::str(description)),
    ])
}

/// CloudFormation's stand-in egress rule: a group without outbound rules.
fn no_egress(why: &str) -> Value {
    Value::list(vec![Value::map(vec![
        ("IpProtocol", Value::str("-1")),
        ("CidrIp", Value::str("127.0.0.1/32")),
        ("Description", Value::str(why)),
    ])])
}

/// Terraform's ingress rules of a group: one resource per address family,
/// `for_each` over the `var` CIDRs (the tcp/udp pairs of each for DNS).
/// `what` is the rule's description, `{}` where the CIDR goes.
fn tf_rules(group: &str, prefix: &str, var: &str, protocols: &[&str], port: i64, what: &str) -> Vec<Resource> {
    let mut out = Vec::new();
    for (family, keep, attr) in [("ipv4", "!", "cidr_ipv4"), ("ipv6", "", "cidr_ipv6")] {
        let name = format!("{prefix}_{family}");
        let mut r = Resource::new(
            &name,
            Name::new(&name),
            ("aws_vpc_security_group_ingress_rule", "AWS::EC2::SecurityGroupIngress"),
        )
        .only(Only::Terraform);
        let cidrs = format!("[for c in var.{var} : c if {keep}strcontains(c, \":\")]");
        let (for_each, cidr, protocol) = match protocols {
            [one] => (format!("toset({cidrs})"), "each.value", Value::str(*one)),
            _ => (
                format!(
                    "{{ for p in setproduct({cidrs}, {}) : \"${{p[1]}} ${{p[0]}}\" => {{ cidr = p[0], protocol = p[1] }} }}",
                    list_expr(protocols)
                ),
                "each.value.cidr",
                Value::Expr("each.value.protocol".into()),
            ),
        };
        r.prop(Name::new("for_each"), Value::Expr(for_each))
            .prop(Name::new("security_group_id"), Value::attr(group, "id"))
            .prop(
                Name::new("description"),
                Value::Expr(format!("\"{}\"", what.replace("{}", &format!("${{{cidr}}}")))),
            )
            .prop(Name::new(attr), Value::Expr(cidr.into()))
            .prop(Name::new("ip_protocol"), protocol)
            .prop(Name::new("from_port"), Value::Num(port))
            .prop(Name::new("to_port"), Value::Num(port));
        out.push(r);
    }
    out
}

/// `["tcp", "udp"]`.
fn list_expr(items: &[&str]) -> String {
    format!(
        "[{}]",
        items.iter().map(|i| format!("\"{i}\"")).collect::<Vec<_>>().join(", ")
    )
}

/// One security group for every interface endpoint: HTTPS from the VPC
/// CIDRs and the on-premises clients' (`--client-cidr`). Terraform writes one
/// rule resource per address family (the CIDRs are variables);
/// CloudFormation lists the rules inline.
fn security_group(plan: &Plan) -> Vec<Resource> {
    let from = if plan.client_cidrs.is_empty() {
        "the VPC CIDRs"
    } else {
        "the VPC CIDRs and the on-premises clients' CIDRs"
    };
    let mut sg = Resource::new(
        SG,
        Name::two(SG, "EndpointSecurityGroup"),
        ("aws_security_group", "AWS::EC2::SecurityGroup"),
    )
    .comments(&[format!(
        "One security group for every interface endpoint: HTTPS from {from}, nothing else."
    )]);
    let mut ingress: Vec<Value> = plan
        .vpc_cidrs
        .iter()
        .map(|c| cfn_rule("tcp", 443, c, format!("HTTPS from {c} to the interface endpoints")))
        .collect();
    ingress.extend(plan.client_cidrs.iter().map(|c| {
        cfn_rule(
            "tcp",
            443,
            c,
            format!("HTTPS from on-premises clients in {c} to the interface endpoints"),
        )
    }));
    group_props(
        &mut sg,
        &format!("{}-endpoints", plan.name_prefix),
        "HTTPS from the VPC to its interface endpoints",
        ingress,
        "No outbound rules: endpoints only answer connections",
    );
    let mut out = vec![sg];
    out.extend(tf_rules(
        SG,
        "https",
        "vpc_cidrs",
        &["tcp"],
        443,
        "HTTPS from {} to the interface endpoints",
    ));
    if !plan.client_cidrs.is_empty() {
        out.extend(tf_rules(
            SG,
            "client_https",
            "client_cidrs",
            &["tcp"],
            443,
            "HTTPS from on-premises clients in {} to the interface endpoints",
        ));
    }
    out
}

const RESOLVER_SG: &str = "resolver_inbound";

/// What an on-premises client needs besides the security group: an inbound
/// Resolver endpoint that answers for the endpoints' private DNS names.
/// Written disabled (`create_inbound_resolver`), with the steps.
fn inbound_resolver(plan: &Plan) -> Vec<Resource> {
    // The endpoints' DNS domains: the service names read backwards
    // (com.amazonaws.us-east-1.s3 is s3.us-east-1.amazonaws.com).
    let domains: Vec<String> = plan
        .endpoints
        .iter()
        .filter(|e| e.kind == EndpointKind::Interface)
        .map(|e| {
            let name = e.service_name_template.replace("{region}", &plan.region);
            name.split('.').rev().collect::<Vec<_>>().join(".")
        })
        .collect();
    // The steps, in each language's names for the inputs.
    let steps = |create: &str, a: &str, b: &str| {
        vec![
            "Inbound Resolver endpoint for the on-premises clients (--client-cidr), off by default. To use it:".to_string(),
            format!("1. set {create} to true, and {a} and {b} to two subnets in different Availability Zones;"),
            "2. route the client CIDRs to the VPC (VPN or Direct Connect) and allow them in those subnets' network ACLs (TCP 443, TCP and UDP 53);".into(),
            format!(
                "3. on premises, forward these domains to the endpoint's two IP addresses (conditional forwarders): {}.",
                domains.join(", ")
            ),
        ]
    };
    let mut sg = Resource::new(
        RESOLVER_SG,
        Name::two(RESOLVER_SG, "ResolverInboundSecurityGroup"),
        ("aws_security_group", "AWS::EC2::SecurityGroup"),
    )
    .comments(&steps(
        "create_inbound_resolver",
        "resolver_subnet_a",
        "resolver_subnet_b",
    ))
    .count_if("create_inbound_resolver");
    sg.cfn_comments = Some(steps("CreateInboundResolver", "ResolverSubnetA", "ResolverSubnetB"));
    let ingress: Vec<Value> = plan
        .client_cidrs
        .iter()
        .flat_map(|c| ["tcp", "udp"].map(|p| cfn_rule(p, 53, c, format!("DNS ({p}) from on-premises clients in {c}"))))
        .collect();
    group_props(
        &mut sg,
        &format!("{}-resolver-inbound", plan.name_prefix),
        "DNS from the on-premises clients to the inbound Resolver endpoint",
        ingress,
        "No outbound rules: the endpoint only answers queries",
    );
    let mut out = vec![sg];
    let mut rules = tf_rules(
        RESOLVER_SG,
        "resolver_dns",
        "client_cidrs",
        &["tcp", "udp"],
        53,
        "DNS from on-premises clients in {}",
    );
    for r in &mut rules {
        // No rules while the group does not exist.
        for p in &mut r.props {
            if let (true, Value::Expr(e)) = (p.name.tf == "for_each", &mut p.value) {
                *e = format!("var.create_inbound_resolver ? {e} : {{}}");
            }
        }
    }
    out.extend(rules);
    out.push(resolver_endpoint(plan));
    out
}

/// A Terraform `lifecycle { precondition { … } }` block.
fn precondition(condition: String, message: String) -> Value {
    preconditions(vec![(condition, message)])
}

/// A Terraform `lifecycle` block with one `precondition` per (condition, message).
fn preconditions(checks: Vec<(String, String)>) -> Value {
    let prop = |name: &str, value| crate::model::Prop {
        name: Name::new(name),
        value,
        only: Only::Terraform,
    };
    Value::Block(
        checks
            .into_iter()
            .map(|(condition, message)| {
                prop(
                    "precondition",
                    Value::Block(vec![
                        prop("condition", Value::Expr(condition)),
                        prop("error_message", Value::str(message)),
                    ]),
                )
            })
            .collect(),
    )
}

/// The VPC's DNS attributes, read when applied: private DNS fails without them.
const VPC: &str = "vpc";

/// Whether some endpoint turns private DNS on (its apply needs the VPC's DNS attributes).
fn wants_private_dns(plan: &Plan) -> bool {
    plan.endpoints
        .iter()
        .any(|e| e.kind == EndpointKind::Interface && e.private_dns)
}

/// `data "aws_vpc"`, for the private-DNS precondition.
fn vpc_data() -> Resource {
    let mut vpc = Resource::new(VPC, Name::new("this"), ("aws_vpc", "AWS::EC2::VPC"))
        .comments(&["The VPC's DNS attributes: an endpoint with private DNS fails to create without them.".into()])
        .data();
    vpc.prop(Name::new("id"), Value::var("vpc_id"));
    vpc
}

/// The inbound Resolver endpoint itself: two IP addresses in the given
/// subnets, in the group that admits the clients' DNS.
fn resolver_endpoint(plan: &Plan) -> Resource {
    let mut endpoint = Resource::new(
        "resolver",
        Name::two("inbound", "InboundResolverEndpoint"),
        ("aws_route53_resolver_endpoint", "AWS::Route53Resolver::ResolverEndpoint"),
    )
    .comments(&["The inbound Resolver endpoint: two IP addresses in the VPC that answer the clients' DNS queries with the endpoints' private addresses.".into()])
    .count_if("create_inbound_resolver");
    endpoint
        .prop(Name::new("name"), Value::str(format!("{}-inbound", plan.name_prefix)))
        .prop(Name::new("direction"), Value::str("INBOUND"))
        .prop(
            Name::new("security_group_ids"),
            Value::list(vec![Value::attr(RESOLVER_SG, "id")]),
        );
    for v in ["resolver_subnet_a", "resolver_subnet_b"] {
        endpoint.prop_in(
            Name::new("ip_address"),
            Value::Block(vec![crate::model::Prop {
                name: Name::new("subnet_id"),
                value: Value::var(v),
                only: Only::Both,
            }]),
            Only::Terraform,
        );
    }
    endpoint.prop_in(
        Name::two("ip_addresses", "IpAddresses"),
        Value::list(
            ["resolver_subnet_a", "resolver_subnet_b"]
                .iter()
                .map(|v| Value::map(vec![("SubnetId", Value::var(v))]))
                .collect(),
        ),
        Only::CloudFormation,
    );
    endpoint.prop(
        Name::new("tags"),
        Value::Tags(Some(format!("{}-resolver-inbound", plan.name_prefix))),
    );
    endpoint.prop_in(
        Name::new("lifecycle"),
        precondition(
            "var.resolver_subnet_a != \"\" && var.resolver_subnet_b != \"\" && var.resolver_subnet_a != var.resolver_subnet_b".into(),
            "The inbound Resolver endpoint needs two different subnets (in different Availability Zones): set resolver_subnet_a and resolver_subnet_b.".into(),
        ),
        Only::Terraform,
    );
    endpoint
}

fn endpoint(plan: &Plan, e: &PlannedEndpoint, with_policy: bool, gateway_s3: Option<&str>) -> Resource {
    let mut r = Resource::new(&e.id, Name::new(&e.id), ("aws_vpc_endpoint", "AWS::EC2::VPCEndpoint")).comments(&e.why);
    let filtered = filtered_in_terraform(plan, e);
    if filtered {
        let mut cfn = e.why.clone();
        cfn.push(format!(
            "CloudFormation cannot filter subnets by Availability Zone: every subnet in SubnetIds must be in one that {} offers (aws ec2 describe-vpc-endpoint-services --service-names {} --query 'ServiceDetails[].AvailabilityZones'), or the endpoint fails to create",
            e.service_name_template.replace("{region}", &plan.region),
            e.service_name_template.replace("{region}", &plan.region),
        ));
        r.cfn_comments = Some(cfn);
    }
    r.prop(Name::new("vpc_id"), Value::var("vpc_id"))
        .prop(Name::new("service_name"), service_name(e));
    match e.kind {
        EndpointKind::Gateway => {
            r.prop(Name::new("vpc_endpoint_type"), Value::str("Gateway"))
                .prop(Name::new("route_table_ids"), Value::var("route_table_ids"));
        }
        EndpointKind::Interface => {
            r.prop(Name::new("vpc_endpoint_type"), Value::str("Interface"))
                .prop(Name::new("subnet_ids"), endpoint_subnets(plan, e))
                .prop(
                    Name::new("security_group_ids"),
                    Value::list(vec![Value::attr(SG, "id")]),
                )
                .prop(Name::new("private_dns_enabled"), Value::Bool(e.private_dns));
        }
    }
    if e.with_policy && with_policy {
        r.prop(
            Name::two("policy", "PolicyDocument"),
            Value::Local(policy_local(&e.service).into()),
        );
    }
    r.prop(
        Name::new("tags"),
        Value::Tags(Some(format!("{}-{}", plan.name_prefix, e.id.replace('_', "-")))),
    );
    let mut checks = Vec::new();
    if filtered {
        checks.push((
            format!("length(local.{}_subnets) > 0", e.id),
            format!(
                "None of the subnet_ids is in an Availability Zone that {} offers: give a subnet in one of them.",
                e.service
            ),
        ));
    }
    if e.kind == EndpointKind::Interface && e.private_dns {
        checks.push((
            "data.aws_vpc.this.enable_dns_support && data.aws_vpc.this.enable_dns_hostnames".into(),
            "Private DNS needs the VPC's DNS resolution and DNS hostnames: turn both on (aws ec2 modify-vpc-attribute --enable-dns-hostnames '{\"Value\":true}', and --enable-dns-support) or plan the endpoint with private DNS off.".into(),
        ));
    }
    if !checks.is_empty() {
        r.prop_in(Name::new("lifecycle"), preconditions(checks), Only::Terraform);
    }
    if e.private_dns_only_for_inbound {
        r.prop(
            Name::new("dns_options"),
            Value::Block(vec![crate::model::Prop {
                name: Name::new("private_dns_only_for_inbound_resolver_endpoint"),
                value: Value::PerBackend(Box::new(Value::Bool(true)), Box::new(Value::str("OnlyInboundResolver"))),
                only: Only::Both,
            }]),
        );
        if let Some(g) = gateway_s3 {
            r.depends(g, Only::Both);
            r.depends_comment = Some("The inbound-only option needs the S3 gateway endpoint in the VPC.".into());
        }
    }
    r
}

/// The endpoint service name, the Region put in.
fn service_name(e: &PlannedEndpoint) -> Value {
    let mut service = Vec::new();
    for (i, piece) in e.service_name_template.split("{region}").enumerate() {
        if i > 0 {
            service.push(Part::Region);
        }
        if !piece.is_empty() {
            service.push(lit(piece));
        }
    }
    Value::Sub(service)
}

/// An interface endpoint whose service's Availability Zones no live
/// inventory gave: Terraform keeps, when applied, only the subnets in
/// those AZs (`aws_vpc_endpoint_service`, `aws_subnet`).
fn filtered_in_terraform(plan: &Plan, e: &PlannedEndpoint) -> bool {
    e.kind == EndpointKind::Interface && !plan.endpoint_subnets.contains_key(&e.id)
}

/// The subnets of an interface endpoint: the inventory's choice where it
/// differs from `subnet_ids`, else `subnet_ids` (in Terraform filtered to
/// the service's AZs when no inventory gave them).
fn endpoint_subnets(plan: &Plan, e: &PlannedEndpoint) -> Value {
    match plan.endpoint_subnets.get(&e.id) {
        Some(list) if *list == plan.subnet_ids => Value::var("subnet_ids"),
        Some(list) => Value::strs(list),
        None => Value::PerBackend(
            Box::new(Value::Expr(format!("local.{}_subnets", e.id))),
            Box::new(Value::var("subnet_ids")),
        ),
    }
}

const SUBNETS: &str = "endpoint_subnets";

/// Terraform's reading of the AZs: each subnet's (`aws_subnet`), each
/// filtered endpoint's service's (`aws_vpc_endpoint_service`), and the
/// subnets each endpoint keeps (a local).
fn az_filters(plan: &Plan) -> (Vec<Resource>, Vec<Local>) {
    let filtered: Vec<&PlannedEndpoint> = plan
        .endpoints
        .iter()
        .filter(|e| filtered_in_terraform(plan, e))
        .collect();
    if filtered.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let mut subnets = Resource::new(SUBNETS, Name::new("endpoint"), ("aws_subnet", "AWS::EC2::Subnet"))
        .comments(&["The Availability Zone of each subnet, to give each interface endpoint only the subnets in AZs its service offers.".into()])
        .data();
    subnets
        .prop(Name::new("for_each"), Value::Expr("toset(var.subnet_ids)".into()))
        .prop(Name::new("id"), Value::Expr("each.value".into()));
    let mut resources = vec![subnets];
    let mut locals = Vec::new();
    for e in filtered {
        let key = format!("{}_service", e.id);
        let mut svc = Resource::new(
            &key,
            Name::new(&e.id),
            ("aws_vpc_endpoint_service", "AWS::EC2::VPCEndpointService"),
        )
        .data();
        svc.prop(Name::new("service_name"), service_name(e))
            .prop(Name::new("service_type"), Value::str("Interface"));
        resources.push(svc);
        locals.push(Local {
            name: format!("{}_subnets", e.id),
            comments: vec![format!(
                "The subnets in Availability Zones that {} offers (not every service is in every AZ).",
                e.service
            )],
            value: Value::Expr(format!(
                "[for s in var.subnet_ids : s if contains(data.aws_vpc_endpoint_service.{}.availability_zones, data.aws_subnet.endpoint[s].availability_zone)]",
                e.id
            )),
        });
    }
    (resources, locals)
}

/// The Terraform local (and CloudFormation inlined document) of the policy a
/// service's endpoints take: the base policy, or the service's own with the
/// carve-outs its clients need.
fn policy_local(service: &str) -> &'static str {
    match service {
        "s3" => "s3_endpoint_policy",
        "sts" => "sts_endpoint_policy",
        _ => "endpoint_policy",
    }
}

/// The principal condition of `--policy org|account`: (condition key, input,
/// what it admits, the resource-side key for the same perimeter).
fn perimeter(choice: &Policy) -> Option<(&'static str, &'static str, &'static str, &'static str)> {
    match choice {
        Policy::Full => None,
        Policy::Org(_) => Some((
            "aws:PrincipalOrgID",
            "org_id",
            "principals of the organization var.org_id",
            "aws:ResourceOrgID",
        )),
        Policy::Account(_) => Some((
            "aws:PrincipalAccount",
            "account_id",
            "principals of the account var.account_id",
            "aws:ResourceAccount",
        )),
    }
}

/// One `Allow` statement of an endpoint policy.
fn statement(sid: &str, principal: Value, action: Value, resource: Value, condition: Option<Value>) -> Value {
    let mut s = vec![
        ("Sid", Value::str(sid)),
        ("Effect", Value::str("Allow")),
        ("Principal", principal),
        ("Action", action),
        ("Resource", resource),
    ];
    if let Some(c) = condition {
        s.push(("Condition", c));
    }
    Value::map(s)
}

/// AWS-owned S3 buckets that clients in the VPC read without being the
/// organization's or the account's principals (unauthenticated requests, or
/// URLs presigned by an AWS service account), from AWS's data-perimeter
/// VPC endpoint policy examples: (Sid, why, bucket names with `{region}`).
pub(crate) const S3_CARVE_OUTS: &[(&str, &str, &[&str])] = &[
    (
        "EcrImageLayersArePresignedByEcr",
        "ECR image layers come from an ECR-owned bucket through URLs that ECR's account signs",
        &["prod-{region}-starport-layer-bucket"],
    ),
    (
        "AmazonLinuxRepositoriesAreAwsOwned",
        "dnf/yum read the Amazon Linux package repositories without credentials",
        &[
            "packages.{region}.amazonaws.com",
            "repo.{region}.amazonaws.com",
            "amazonlinux.{region}.amazonaws.com",
            "amazonlinux-2-repos-{region}",
            "al2023-repos-{region}-de612dc2",
            "al2023-{region}",
        ],
    ),
    (
        "SsmAgentReadsAwsOwnedBuckets",
        "SSM Agent reads its updates, documents, Distributor packages and patch baselines from AWS-owned buckets without credentials",
        &[
            "aws-ssm-{region}",
            "aws-windows-downloads-{region}",
            "amazon-ssm-{region}",
            "amazon-ssm-packages-{region}",
            "{region}-birdwatcher-prod",
            "aws-ssm-distributor-file-{region}",
            "aws-ssm-document-attachments-{region}",
            "patch-baseline-snapshot-{region}",
            "aws-patchmanager-macos-{region}",
        ],
    ),
    (
        "CloudWatchAgentDownloadsAreAwsOwned",
        "the CloudWatch agent package is downloaded without credentials",
        &["amazoncloudwatch-agent-{region}", "amazoncloudwatch-agent"],
    ),
];

/// `arn:<partition>:s3:::<bucket>/*`, the Region put in.
fn bucket_objects(bucket: &str) -> Value {
    let mut parts = vec![lit("arn:"), Part::Partition, lit(":s3:::")];
    for (i, piece) in bucket.split("{region}").enumerate() {
        if i > 0 {
            parts.push(Part::Region);
        }
        if !piece.is_empty() {
            parts.push(lit(piece));
        }
    }
    parts.push(lit("/*"));
    Value::Sub(parts)
}

/// The endpoint policies the plan's endpoints use: only the organization's
/// or the account's principals (and AWS services acting for them), plus, on
/// S3 and STS, the requests such a policy would wrongly refuse.
fn endpoint_policies(plan: &Plan) -> Vec<Local> {
    let Some((key, var, what, resource_key)) = perimeter(&plan.policy) else {
        return Vec::new();
    };
    let base = vec![
        statement(
            "OnlyOwnPrincipals",
            Value::str("*"),
            Value::str("*"),
            Value::str("*"),
            Some(Value::map(vec![(
                "StringEquals",
                Value::map(vec![(key, Value::Sub(vec![Part::Var(var.into())]))]),
            )])),
        ),
        statement(
            "AwsServicePrincipals",
            Value::str("*"),
            Value::str("*"),
            Value::str("*"),
            Some(Value::map(vec![(
                "Bool",
                Value::map(vec![("aws:PrincipalIsAWSService", Value::str("true"))]),
            )])),
        ),
    ];
    let header = format!("Endpoint policy: only {what} (and AWS services acting for them)");
    let mut locals = Vec::new();
    let used = |local: &str| {
        plan.endpoints
            .iter()
            .any(|e| e.with_policy && policy_local(&e.service) == local)
    };
    if used("endpoint_policy") {
        locals.push(Local {
            name: "endpoint_policy".into(),
            comments: vec![format!("{header}, on services that support endpoint policies.")],
            value: Value::Doc(Box::new(policy(base.clone()))),
        });
    }
    if used("s3_endpoint_policy") {
        let mut statements = base.clone();
        let mut comments = vec![format!(
            "{header}, and reads of AWS-owned buckets (AWS's data-perimeter carve-outs):"
        )];
        for (sid, why, buckets) in S3_CARVE_OUTS {
            comments.push(format!("{sid}: {why}."));
            statements.push(statement(
                sid,
                Value::str("*"),
                Value::str("s3:GetObject"),
                Value::list(buckets.iter().map(|b| bucket_objects(b)).collect()),
                None,
            ));
        }
        locals.push(Local {
            name: "s3_endpoint_policy".into(),
            comments,
            value: Value::Doc(Box::new(policy(statements))),
        });
    }
    if used("sts_endpoint_policy") {
        let mut statements = base;
        statements.push(statement(
            "FederatedCallersAreNotYetPrincipals",
            Value::str("*"),
            Value::strs(&["sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"]),
            Value::str("*"),
            Some(Value::map(vec![(
                "StringEquals",
                Value::map(vec![(resource_key, Value::Sub(vec![Part::Var(var.into())]))]),
            )])),
        ));
        locals.push(Local {
            name: "sts_endpoint_policy".into(),
            comments: vec![
                format!("{header}, and federation:"),
                format!("FederatedCallersAreNotYetPrincipals: web-identity (OIDC) and SAML callers have no {key} before they assume a role; they may assume only roles of var.{var} ({resource_key})."),
            ],
            value: Value::Doc(Box::new(policy(statements))),
        });
    }
    locals
}

fn inputs(plan: &Plan) -> Vec<Input> {
    let has_interface = plan.endpoints.iter().any(|e| e.kind == EndpointKind::Interface);
    let has_gateway = plan.endpoints.iter().any(|e| e.kind == EndpointKind::Gateway);
    let mut v = vec![Input::new(
        "vpc_id",
        "VPC to create the endpoints in.",
        InputType::VpcId,
        plan.vpc_id.clone().map(InputDefault::Str),
    )];
    if has_interface {
        v.push(
            Input::new(
                "vpc_cidrs",
                "CIDR blocks allowed to reach the interface endpoints on TCP 443.",
                InputType::List,
                Some(InputDefault::List(plan.vpc_cidrs.clone())),
            )
            .only(Only::Terraform),
        );
        let mut subnets = Input::new(
            "subnet_ids",
            "One subnet in each Availability Zone that has workloads, for the interface endpoints' network interfaces.",
            InputType::SubnetIds,
            Some(InputDefault::List(plan.subnet_ids.clone())),
        );
        // An interface endpoint without subnets has no network interface, but
        // its private DNS still answers for the service: a DNS black hole.
        subnets.nonempty = Some("Give at least one subnet (one per Availability Zone with workloads): an interface endpoint without subnets has no network interface, and with private DNS on, the service's names resolve to nothing.".into());
        v.push(subnets);
    }
    if has_interface && !plan.client_cidrs.is_empty() {
        v.push(
            Input::new(
                "client_cidrs",
                "On-premises (or peered) networks allowed to reach the interface endpoints on TCP 443 and the inbound Resolver endpoint on 53.",
                InputType::List,
                Some(InputDefault::List(plan.client_cidrs.clone())),
            )
            .only(Only::Terraform),
        );
        v.push(Input::new(
            "create_inbound_resolver",
            "Create the inbound Resolver endpoint that answers the on-premises clients' DNS queries for the endpoints.",
            InputType::Bool,
            Some(InputDefault::Bool(false)),
        ));
        for (i, name) in ["resolver_subnet_a", "resolver_subnet_b"].iter().enumerate() {
            v.push(Input::new(
                name,
                "A subnet for the inbound Resolver endpoint (the two in different Availability Zones).",
                InputType::String,
                Some(InputDefault::Str(plan.subnet_ids.get(i).cloned().unwrap_or_default())),
            ));
        }
    }
    if has_gateway {
        let mut tables = Input::new(
            "route_table_ids",
            "Route tables of the subnets whose S3/DynamoDB traffic should use the gateway endpoints (those that route 0.0.0.0/0 to a NAT gateway).",
            InputType::List,
            Some(InputDefault::List(plan.route_table_ids.clone())),
        );
        tables.nonempty =
            Some("Give at least one route table: a gateway endpoint without route tables carries no traffic.".into());
        v.push(tables);
    }
    match &plan.policy {
        Policy::Org(id) => v.push(Input::new(
            "org_id",
            "AWS Organization whose principals may use the endpoints (aws:PrincipalOrgID).",
            InputType::String,
            Some(InputDefault::Str(id.clone())),
        )),
        Policy::Account(id) => v.push(Input::new(
            "account_id",
            "Account whose principals may use the endpoints (aws:PrincipalAccount).",
            InputType::String,
            Some(InputDefault::Str(id.clone())),
        )),
        Policy::Full => {}
    }
    v.push(tags_input(&plan.tags));
    v
}

/// Terraform's `tags` variable (CloudFormation writes the tags out).
pub(crate) fn tags_input(tags: &std::collections::BTreeMap<String, String>) -> Input {
    Input::new(
        "tags",
        "Tags for every resource.",
        InputType::Map,
        Some(InputDefault::Map(tags.clone())),
    )
    .only(Only::Terraform)
}

fn outputs(plan: &Plan) -> Vec<Output> {
    let mut ids: Vec<(String, Value)> = plan
        .endpoints
        .iter()
        .map(|e| (e.id.clone(), Value::attr(&e.id, "id")))
        .collect();
    ids.sort_by(|a, b| a.0.cmp(&b.0));
    let mut v = vec![
        Output::new(Name::new("endpoint_ids"), "VPC endpoint IDs by name.", Value::Map(ids)).only(Only::Terraform),
    ];
    for e in &plan.endpoints {
        v.push(
            Output::new(
                Name::two("", &format!("{}Id", pascal(&e.id))),
                &format!("VPC endpoint for {}", e.service),
                Value::attr(&e.id, "id"),
            )
            .only(Only::CloudFormation),
        );
    }
    if plan.endpoints.iter().any(|e| e.kind == EndpointKind::Interface) && !plan.client_cidrs.is_empty() {
        v.push(
            Output::new(
                Name::new("inbound_resolver_ip_addresses"),
                "The inbound Resolver endpoint's IP addresses, for the on-premises conditional forwarders (empty until create_inbound_resolver is true).",
                Value::Expr("flatten([for r in aws_route53_resolver_endpoint.inbound : [for a in r.ip_address : a.ip]])".into()),
            )
            .only(Only::Terraform),
        );
    }
    if plan.endpoints.iter().any(|e| e.kind == EndpointKind::Interface) {
        v.push(Output::new(
            Name::new("security_group_id"),
            "Security group of the interface endpoints.",
            Value::attr(SG, "id"),
        ));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value as J};

    fn planned(service: &str, id: &str, kind: EndpointKind) -> PlannedEndpoint {
        PlannedEndpoint {
            service: service.into(),
            service_name_template: format!("com.amazonaws.{{region}}.{service}"),
            kind,
            private_dns: kind == EndpointKind::Interface,
            private_dns_only_for_inbound: id == "s3_interface",
            with_policy: true,
            id: id.into(),
            why: Vec::new(),
        }
    }

    fn plan(policy: Policy) -> Plan {
        Plan {
            region: "eu-west-1".into(),
            vpc_id: Some("vpc-1".into()),
            vpc_cidrs: vec!["10.0.0.0/16".into()],
            client_cidrs: Vec::new(),
            subnet_ids: vec!["subnet-1".into()],
            endpoint_subnets: Default::default(),
            route_table_ids: vec!["rtb-1".into()],
            endpoints: vec![
                planned("s3", "s3_gateway", EndpointKind::Gateway),
                planned("s3", "s3_interface", EndpointKind::Interface),
                planned("ssm", "ssm", EndpointKind::Interface),
                planned("sts", "sts", EndpointKind::Interface),
            ],
            policy,
            tags: Default::default(),
            name_prefix: "vpce-advisor".into(),
            provenance: String::new(),
            notes: Vec::new(),
            fixes: Vec::new(),
        }
    }

    /// The policy document of an endpoint, as each language writes it.
    fn documents(m: &Module, id: &str) -> (J, J) {
        let r = m.resource(id).unwrap_or_else(|| panic!("{id}"));
        let p = r
            .props
            .iter()
            .find(|p| p.name.tf == "policy")
            .unwrap_or_else(|| panic!("{id} has no policy"));
        (crate::tf::to_json(m, &p.value), crate::cfn::value(m, &p.value))
    }

    fn statement<'a>(doc: &'a J, sid: &str) -> Option<&'a J> {
        doc["Statement"].as_array()?.iter().find(|s| s["Sid"] == sid)
    }

    /// A well-formed endpoint policy: the version, statements with unique
    /// alphanumeric Sids, each an Allow with a principal, actions and
    /// resources; every S3 ARN, the partition and Region put in, names a
    /// valid bucket's objects.
    fn assert_well_formed(doc: &J, partition: &str, region: &str) {
        assert_eq!(doc["Version"], "2012-10-17", "{doc}");
        let statements = doc["Statement"].as_array().expect("statements");
        let mut sids = std::collections::BTreeSet::new();
        for s in statements {
            let sid = s["Sid"].as_str().expect("Sid");
            assert!(sid.chars().all(|c| c.is_ascii_alphanumeric()), "{sid}");
            assert!(sids.insert(sid), "duplicate Sid {sid}");
            assert_eq!(s["Effect"], "Allow");
            assert_eq!(s["Principal"], "*");
            assert!(s["Action"].is_string() || s["Action"].is_array(), "{s}");
            let resources = match &s["Resource"] {
                J::Array(a) => a.clone(),
                one => vec![one.clone()],
            };
            for r in resources {
                let r = r
                    .as_str()
                    .expect("resource string")
                    .replace("{P}", partition)
                    .replace("{R}", region);
                if r == "*" {
                    continue;
                }
                let bucket = r
                    .strip_prefix(&format!("arn:{partition}:s3:::"))
                    .and_then(|b| b.strip_suffix("/*"))
                    .unwrap_or_else(|| panic!("not an object ARN: {r}"));
                assert!(
                    (3..=63).contains(&bucket.len())
                        && bucket
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-'),
                    "{bucket}"
                );
            }
        }
    }

    /// Terraform's and CloudFormation's documents with their references
    /// written `{P}` (partition) and `{R}` (Region).
    fn neutral(tf: &J, cfn: &J) -> (J, J) {
        let tf = tf
            .to_string()
            .replace("${data.aws_partition.current.partition}", "{P}")
            .replace("${data.aws_region.current.name}", "{R}");
        // CloudFormation: {"Fn::Sub": "…"} becomes the string.
        fn flatten(v: &J) -> J {
            match v {
                J::Object(o) if o.len() == 1 && o.contains_key("Ref") => {
                    let name = o["Ref"].as_str().unwrap_or_default();
                    let snake = if name == "OrgId" { "org_id" } else { "account_id" };
                    J::String(format!("${{var.{snake}}}"))
                }
                J::Object(o) if o.len() == 1 && o.contains_key("Fn::Sub") => J::String(
                    o["Fn::Sub"]
                        .as_str()
                        .unwrap_or_default()
                        .replace("${AWS::Partition}", "{P}")
                        .replace("${AWS::Region}", "{R}"),
                ),
                J::Object(o) => J::Object(o.iter().map(|(k, v)| (k.clone(), flatten(v))).collect()),
                J::Array(a) => J::Array(a.iter().map(flatten).collect()),
                other => other.clone(),
            }
        }
        (serde_json::from_str(&tf).unwrap(), flatten(cfn))
    }

    #[test]
    fn s3_policy_carves_out_the_aws_owned_buckets() {
        for choice in [Policy::Org("o-abc123".into()), Policy::Account("111122223333".into())] {
            let m = module(&plan(choice.clone()));
            for id in ["s3_gateway", "s3_interface"] {
                let (tf, cfn) = documents(&m, id);
                let (tf, cfn) = neutral(&tf, &cfn);
                for (sid, _, buckets) in S3_CARVE_OUTS {
                    for doc in [&tf, &cfn] {
                        let s = statement(doc, sid).unwrap_or_else(|| panic!("{id} lacks {sid}: {doc}"));
                        assert_eq!(s["Action"], "s3:GetObject");
                        assert!(s.get("Condition").is_none(), "{s}");
                        let want: Vec<J> = buckets
                            .iter()
                            .map(|b| json!(format!("arn:{{P}}:s3:::{}/*", b.replace("{region}", "{R}"))))
                            .collect();
                        assert_eq!(s["Resource"], J::Array(want), "{sid}");
                    }
                }
                assert_eq!(tf, cfn, "both languages write the same document");
                for (partition, region) in [
                    ("aws", "eu-west-1"),
                    ("aws-cn", "cn-north-1"),
                    ("aws-us-gov", "us-gov-west-1"),
                ] {
                    assert_well_formed(&tf, partition, region);
                }
                let layers = statement(&tf, "EcrImageLayersArePresignedByEcr").unwrap();
                assert_eq!(layers["Resource"][0], "arn:{P}:s3:::prod-{R}-starport-layer-bucket/*");
                assert!(statement(&tf, "FederatedCallersAreNotYetPrincipals").is_none());
            }
        }
    }

    #[test]
    fn sts_policy_lets_federated_callers_assume_only_own_roles() {
        for (choice, key, var) in [
            (Policy::Org("o-abc123".into()), "aws:ResourceOrgID", "org_id"),
            (
                Policy::Account("111122223333".into()),
                "aws:ResourceAccount",
                "account_id",
            ),
        ] {
            let m = module(&plan(choice));
            let (tf, cfn) = documents(&m, "sts");
            let (ntf, ncfn) = neutral(&tf, &cfn);
            assert_eq!(ntf, ncfn, "both languages write the same document");
            assert_well_formed(&ntf, "aws", "us-east-1");
            let s = statement(&ntf, "FederatedCallersAreNotYetPrincipals").expect("federation carve-out");
            assert_eq!(
                s["Action"],
                json!(["sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"])
            );
            assert_eq!(s["Condition"]["StringEquals"][key], format!("${{var.{var}}}"), "{s}");
            assert!(statement(&ntf, "EcrImageLayersArePresignedByEcr").is_none());
        }
    }

    #[test]
    fn other_services_get_the_base_policy_only() {
        let m = module(&plan(Policy::Org("o-abc123".into())));
        let (tf, _) = documents(&m, "ssm");
        let sids: Vec<&str> = tf["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["Sid"].as_str())
            .collect();
        assert_eq!(sids, ["OnlyOwnPrincipals", "AwsServicePrincipals"]);
        assert_eq!(
            tf["Statement"][0]["Condition"]["StringEquals"]["aws:PrincipalOrgID"],
            "${var.org_id}"
        );
        let names: Vec<&str> = m
            .locals
            .iter()
            .map(|l| l.name.as_str())
            .filter(|n| n.ends_with("_policy"))
            .collect();
        assert_eq!(names, ["endpoint_policy", "s3_endpoint_policy", "sts_endpoint_policy"]);
        assert!(!module(&plan(Policy::Full))
            .locals
            .iter()
            .any(|l| l.name.ends_with("_policy")));
    }
}
