//! Infrastructure code from measured data.
//!
//! * [`plan_endpoints`] turns a priced report into a plan: which endpoints to
//!   create, of which type, with which DNS options and policy, and why.
//! * [`terraform_endpoints`] / [`cloudformation_endpoints`] render that plan as a
//!   small Terraform module or one CloudFormation template.
//! * [`terraform_logging`] / [`cloudformation_logging`] turn on the Resolver query
//!   logging and the flow-log format the analysis needs.
//! * [`terraform_endpoint_service`] / [`cloudformation_endpoint_service`] expose
//!   a service behind a Network Load Balancer as an endpoint service.
//!
//! Everything here returns file contents; writing them is the caller's job.
//! Each feature builds one backend-neutral list of resources (`model`), and
//! the Terraform and CloudFormation renderers write that same list, so both
//! languages create the same resources with the same properties.

mod apply;
mod cfn;
mod endpoints;
mod fix;
pub mod iam;
mod logging;
mod model;
mod plan;
mod service;
mod tf;

pub use apply::apply_blockers;
pub use fix::{fix_script, PlannedFix};
pub use plan::{plan_endpoints, EndpointKind, IacError, IacOptions, Plan, PlannedEndpoint, Policy};

/// The recommended endpoints, and the fixes to existing ones, as a
/// Terraform module.
pub fn terraform_endpoints(plan: &Plan) -> Vec<GeneratedFile> {
    tf::render(&endpoints_module(plan))
}

/// The recommended endpoints as one CloudFormation template, with the fixes
/// to existing endpoints as commented commands (CloudFormation cannot
/// change endpoints it does not manage: see [`fix_script`]). A plan of fixes
/// alone has no resource to template: write [`fix_script`] instead.
pub fn cloudformation_endpoints(plan: &Plan) -> String {
    cfn::render(&endpoints_module(plan))
}

fn endpoints_module(plan: &Plan) -> model::Module {
    let mut m = endpoints::module(plan);
    fix::add_to(&mut m, plan);
    m
}

/// Resolver query logging and a flow log with the format the analysis needs,
/// as a Terraform module.
pub fn terraform_logging(o: &LoggingOptions) -> Vec<GeneratedFile> {
    tf::render(&logging::module(o))
}

/// Resolver query logging and a flow log with the format the analysis needs,
/// as a CloudFormation template.
pub fn cloudformation_logging(o: &LoggingOptions) -> String {
    cfn::render(&logging::module(o))
}

/// An endpoint service in front of Network Load Balancers, as a Terraform module.
pub fn terraform_endpoint_service(o: &EndpointServiceOptions) -> Vec<GeneratedFile> {
    tf::render(&service::module(o))
}

/// An endpoint service in front of Network Load Balancers, as a
/// CloudFormation template.
pub fn cloudformation_endpoint_service(o: &EndpointServiceOptions) -> String {
    cfn::render(&service::module(o))
}

/// A generated file: a name relative to the output directory, and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    pub name: String,
    pub contents: String,
}

/// The `${field} ...` format string of the flow log `setup` creates: every
/// field the analysis reads and the connection's ports, protocol and subnet,
/// rendered from the flow-log field table
/// ([`vpce_formats::flow::SETUP_FIELDS`]).
pub fn flow_log_format() -> String {
    vpce_formats::flow::setup_format()
}

/// Where the logging setup sends logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogDestination {
    /// CloudWatch Logs log groups (created, with retention).
    CloudWatch,
    /// An existing S3 bucket (a bucket policy for log delivery is generated).
    S3 { bucket: String },
}

/// What the logging setup creates.
#[derive(Clone, Debug)]
pub struct LoggingOptions {
    pub vpc_id: String,
    pub destination: LogDestination,
    pub retention_days: u32,
    pub kms_key_arn: Option<String>,
    pub name_prefix: String,
    pub tags: std::collections::BTreeMap<String, String>,
}

/// An endpoint service in front of a Network Load Balancer.
#[derive(Clone, Debug)]
pub struct EndpointServiceOptions {
    pub nlb_arns: Vec<String>,
    pub allowed_principals: Vec<String>,
    pub acceptance_required: bool,
    pub name_prefix: String,
    pub tags: std::collections::BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_log_format_turns_on_every_field_the_analysis_reads() {
        use vpce_formats::flow::{FlowFormat, ANALYSIS_FIELDS};
        let f = flow_log_format();
        let parsed = FlowFormat::parse(&f, false).unwrap();
        let off: Vec<_> = ANALYSIS_FIELDS.iter().filter(|&&x| !parsed.has(x)).collect();
        assert!(off.is_empty(), "setup leaves out {off:?}: {f}");
        assert!(f.starts_with("${version} ${account-id} ${interface-id}"));
        assert!(f.ends_with("${traffic-path} ${interface-type}"), "{f}");
    }

    #[test]
    fn both_languages_write_the_format_setup_turns_on() {
        use vpce_formats::flow::{FlowFormat, ANALYSIS_FIELDS};
        let opts = LoggingOptions {
            vpc_id: "vpc-0a1b2c3d4e5f60718".into(),
            destination: LogDestination::CloudWatch,
            retention_days: 7,
            kms_key_arn: None,
            name_prefix: "vpce-advisor".into(),
            tags: Default::default(),
        };
        let tf: String = terraform_logging(&opts).into_iter().map(|f| f.contents).collect();
        let cfn = cloudformation_logging(&opts);
        // Terraform escapes `${` as `$${`; CloudFormation writes it as is.
        let unescaped = tf.replace("$${", "${");
        for (name, text) in [("Terraform", unescaped.as_str()), ("CloudFormation", cfn.as_str())] {
            let line = text
                .lines()
                .find(|l| l.contains("log_format") || l.contains("LogFormat:"))
                .unwrap_or_else(|| panic!("{name}: no log format in {text}"));
            let spec = line.split('"').nth(1).unwrap_or_else(|| panic!("{name}: {line}"));
            let parsed = FlowFormat::parse(spec, false).unwrap();
            assert!(ANALYSIS_FIELDS.iter().all(|&x| parsed.has(x)), "{name}: {spec}");
            assert_eq!(spec, flow_log_format(), "{name}");
        }
    }
}
