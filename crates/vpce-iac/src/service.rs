//! An endpoint service (AWS PrivateLink, the provider side) in front of
//! Network Load Balancers, as a [`Module`].

use crate::endpoints::tags_input;
use crate::model::{Input, InputDefault, InputType, Module, Name, Only, Output, Resource, Value};
use crate::EndpointServiceOptions;

const SERVICE: &str = "service";

/// The module of an endpoint service.
pub(crate) fn module(o: &EndpointServiceOptions) -> Module {
    let mut service = Resource::new(
        SERVICE,
        Name::two("this", "EndpointService"),
        ("aws_vpc_endpoint_service", "AWS::EC2::VPCEndpointService"),
    );
    service.cfn_comments = Some(vec![
        "Consumers create interface endpoints to this service; connections need acceptance unless AcceptanceRequired is false.".into(),
    ]);
    service
        .prop(Name::new("acceptance_required"), Value::var("acceptance_required"))
        .prop(Name::new("network_load_balancer_arns"), Value::var("nlb_arns"))
        .prop_in(
            Name::new("allowed_principals"),
            Value::var("allowed_principals"),
            Only::Terraform,
        )
        .prop(Name::new("tags"), Value::Tags(Some(o.name_prefix.clone())));
    // CloudFormation grants the principals with a resource of its own.
    let mut permissions = Resource::new(
        "permissions",
        Name::new("endpoint_service_permissions"),
        (
            "aws_vpc_endpoint_service_allowed_principal",
            "AWS::EC2::VPCEndpointServicePermissions",
        ),
    )
    .only(Only::CloudFormation);
    permissions
        .prop(Name::new("service_id"), Value::attr(SERVICE, "id"))
        .prop(Name::new("allowed_principals"), Value::var("allowed_principals"));
    let what = "A VPC endpoint service (AWS PrivateLink) in front of a Network Load Balancer";
    Module {
        tf_title: what.into(),
        tf_comments: vec![
            "Consumers create interface endpoints to it; connections need acceptance unless var.acceptance_required is false.".into(),
        ],
        cfn_description: what.into(),
        cfn_comments: Vec::new(),
        inputs: inputs(o),
        locals: Vec::new(),
        resources: vec![service, permissions],
        outputs: vec![
            Output::new(
                Name::new("service_name"),
                "The service name consumers give to their interface endpoints.",
                Value::attr(SERVICE, "service_name"),
            )
            .only(Only::Terraform),
            Output::new(Name::new("service_id"), "The endpoint service.", Value::attr(SERVICE, "id"))
                .only(Only::CloudFormation),
        ],
        tags: o.tags.clone(),
    }
}

fn inputs(o: &EndpointServiceOptions) -> Vec<Input> {
    let mut nlbs = Input::new(
        "nlb_arns",
        "Network Load Balancers behind the service.",
        InputType::List,
        Some(InputDefault::List(o.nlb_arns.clone())),
    );
    nlbs.cfn_empty_list_default = true;
    let mut principals = Input::new(
        "allowed_principals",
        "Principals (ARNs) allowed to create endpoints to the service, e.g. arn:aws:iam::111122223333:root.",
        InputType::List,
        Some(InputDefault::List(o.allowed_principals.clone())),
    );
    principals.cfn_description = Some("Principals (ARNs) allowed to create endpoints to the service.".into());
    principals.cfn_empty_list_default = true;
    vec![
        nlbs,
        principals,
        Input::new(
            "acceptance_required",
            "Whether each endpoint connection must be accepted.",
            InputType::Bool,
            Some(InputDefault::Bool(o.acceptance_required)),
        ),
        tags_input(&o.tags),
    ]
}
