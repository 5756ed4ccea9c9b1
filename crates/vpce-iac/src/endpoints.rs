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
    }
    let with_policy = plan.policy != Policy::Full;
    let gateway_s3 = plan
        .endpoints
        .iter()
        .find(|e| e.kind == EndpointKind::Gateway && e.service == "s3")
        .map(|e| e.id.clone());
    for e in &plan.endpoints {
        resources.push(endpoint(plan, e, with_policy, gateway_s3.as_deref()));
    }
    Module {
        tf_title: "VPC endpoints".into(),
        tf_comments: vec![plan.provenance.clone()],
        cfn_description: "VPC endpoints recommended by vpce-advisor".into(),
        cfn_comments: vec![plan.provenance.clone()],
        inputs: inputs(plan),
        locals: endpoint_policy(&plan.policy).into_iter().collect(),
        resources,
        outputs: outputs(plan),
        tags: plan.tags.clone(),
    }
}

/// One security group for every interface endpoint: HTTPS from the VPC
/// CIDRs. Terraform writes one rule resource per address family (the CIDRs
/// are a variable); CloudFormation lists the rules inline.
fn security_group(plan: &Plan) -> Vec<Resource> {
    let mut sg = Resource::new(
        SG,
        Name::two(SG, "EndpointSecurityGroup"),
        ("aws_security_group", "AWS::EC2::SecurityGroup"),
    )
    .comments(&["One security group for every interface endpoint: HTTPS from the VPC CIDRs, nothing else.".into()]);
    let ingress: Vec<Value> = plan
        .vpc_cidrs
        .iter()
        .map(|c| {
            let key = if c.contains(':') { "CidrIpv6" } else { "CidrIp" };
            Value::map(vec![
                ("IpProtocol", Value::str("tcp")),
                ("FromPort", Value::Num(443)),
                ("ToPort", Value::Num(443)),
                (key, Value::str(c)),
                (
                    "Description",
                    Value::str(format!("HTTPS from {c} to the interface endpoints")),
                ),
            ])
        })
        .collect();
    sg.prop_in(
        Name::new("name_prefix"),
        Value::str(format!("{}-endpoints-", plan.name_prefix)),
        Only::Terraform,
    )
    .prop(
        Name::two("description", "GroupDescription"),
        Value::str("HTTPS from the VPC to its interface endpoints"),
    )
    .prop(Name::new("vpc_id"), Value::var("vpc_id"))
    .prop_in(
        Name::new("security_group_ingress"),
        Value::List(ingress),
        Only::CloudFormation,
    )
    .prop_in(
        Name::new("security_group_egress"),
        Value::list(vec![Value::map(vec![
            ("IpProtocol", Value::str("-1")),
            ("CidrIp", Value::str("127.0.0.1/32")),
            (
                "Description",
                Value::str("No outbound rules: endpoints only answer connections"),
            ),
        ])]),
        Only::CloudFormation,
    )
    .prop(
        Name::new("tags"),
        Value::Tags(Some(format!("{}-endpoints", plan.name_prefix))),
    );
    let mut out = vec![sg];
    for (name, keep, attr) in [("https_ipv4", "!", "cidr_ipv4"), ("https_ipv6", "", "cidr_ipv6")] {
        let mut r = Resource::new(
            name,
            Name::new(name),
            ("aws_vpc_security_group_ingress_rule", "AWS::EC2::SecurityGroupIngress"),
        )
        .only(Only::Terraform);
        r.prop(
            Name::new("for_each"),
            Value::Expr(format!(
                "toset([for c in var.vpc_cidrs : c if {keep}strcontains(c, \":\")])"
            )),
        )
        .prop(Name::new("security_group_id"), Value::attr(SG, "id"))
        .prop(
            Name::new("description"),
            Value::Expr("\"HTTPS from ${each.value} to the interface endpoints\"".into()),
        )
        .prop(Name::new(attr), Value::Expr("each.value".into()))
        .prop(Name::new("ip_protocol"), Value::str("tcp"))
        .prop(Name::new("from_port"), Value::Num(443))
        .prop(Name::new("to_port"), Value::Num(443));
        out.push(r);
    }
    out
}

fn endpoint(plan: &Plan, e: &PlannedEndpoint, with_policy: bool, gateway_s3: Option<&str>) -> Resource {
    let mut r = Resource::new(&e.id, Name::new(&e.id), ("aws_vpc_endpoint", "AWS::EC2::VPCEndpoint")).comments(&e.why);
    let mut service = Vec::new();
    for (i, piece) in e.service_name_template.split("{region}").enumerate() {
        if i > 0 {
            service.push(Part::Region);
        }
        if !piece.is_empty() {
            service.push(lit(piece));
        }
    }
    r.prop(Name::new("vpc_id"), Value::var("vpc_id"))
        .prop(Name::new("service_name"), Value::Sub(service));
    match e.kind {
        EndpointKind::Gateway => {
            r.prop(Name::new("vpc_endpoint_type"), Value::str("Gateway"))
                .prop(Name::new("route_table_ids"), Value::var("route_table_ids"));
        }
        EndpointKind::Interface => {
            r.prop(Name::new("vpc_endpoint_type"), Value::str("Interface"))
                .prop(Name::new("subnet_ids"), Value::var("subnet_ids"))
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
            Value::Local("endpoint_policy".into()),
        );
    }
    r.prop(
        Name::new("tags"),
        Value::Tags(Some(format!("{}-{}", plan.name_prefix, e.id.replace('_', "-")))),
    );
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

/// The endpoint policy: only the organization's or the account's principals.
fn endpoint_policy(choice: &Policy) -> Option<Local> {
    let (key, var, what) = match choice {
        Policy::Full => return None,
        Policy::Org(_) => (
            "aws:PrincipalOrgID",
            "org_id",
            "principals of the organization var.org_id",
        ),
        Policy::Account(_) => (
            "aws:PrincipalAccount",
            "account_id",
            "principals of the account var.account_id",
        ),
    };
    let doc = policy(vec![Value::map(vec![
        ("Sid", Value::str("OnlyOwnPrincipals")),
        ("Effect", Value::str("Allow")),
        ("Principal", Value::str("*")),
        ("Action", Value::str("*")),
        ("Resource", Value::str("*")),
        (
            "Condition",
            Value::map(vec![(
                "StringEquals",
                Value::map(vec![(key, Value::Sub(vec![Part::Var(var.into())]))]),
            )]),
        ),
    ])]);
    Some(Local {
        name: "endpoint_policy".into(),
        comments: vec![format!(
            "Endpoint policy: only {what}, on services that support endpoint policies."
        )],
        value: Value::Doc(Box::new(doc)),
    })
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
    if plan.endpoints.iter().any(|e| e.kind == EndpointKind::Interface) {
        v.push(Output::new(
            Name::new("security_group_id"),
            "Security group of the interface endpoints.",
            Value::attr(SG, "id"),
        ));
    }
    v
}
