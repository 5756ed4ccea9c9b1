//! Every AWS API action vpce-advisor calls, as one typed list. The AWS shell
//! names the action of each call with it (so an AccessDenied names the IAM
//! action to grant), and `iam-policy` grants exactly these actions.

use std::fmt;

/// What an action can be limited to in a policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ActionResource {
    /// Reads without resource-level permissions: EC2 describes and Route 53's
    /// ListHostedZonesByVPC.
    Unscoped,
    /// A bucket (`arn:aws:s3:::BUCKET`), narrowed by `s3:prefix`.
    Bucket,
    /// Objects under a prefix (`arn:aws:s3:::BUCKET/PREFIX*`).
    Object,
    /// Log groups (`arn:aws:logs:REGION:ACCOUNT:log-group:NAME`).
    LogGroup,
    /// Logs Insights query IDs, which take no resource.
    Query,
}

/// Declares the enum, its `ALL` list, names and resources from one table, so
/// that an action cannot exist without being in `ALL` (and in the policy).
macro_rules! actions {
    ($($variant:ident => $name:literal, $resource:ident;)*) => {
        /// An IAM action that the AWS shell calls.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum AwsAction {
            $($variant,)*
        }

        impl AwsAction {
            /// Every action, grouped by service, in the order the policy lists them.
            pub const ALL: &'static [AwsAction] = &[$(AwsAction::$variant,)*];

            /// The action as IAM spells it (`ec2:DescribeVpcs`).
            pub const fn name(self) -> &'static str {
                match self {
                    $(AwsAction::$variant => $name,)*
                }
            }

            /// What a policy can limit the action to.
            pub const fn resource(self) -> ActionResource {
                match self {
                    $(AwsAction::$variant => ActionResource::$resource,)*
                }
            }
        }
    };
}

actions! {
    Ec2DescribeFlowLogs => "ec2:DescribeFlowLogs", Unscoped;
    Ec2DescribeNatGateways => "ec2:DescribeNatGateways", Unscoped;
    Ec2DescribeNetworkAcls => "ec2:DescribeNetworkAcls", Unscoped;
    Ec2DescribeRouteTables => "ec2:DescribeRouteTables", Unscoped;
    Ec2DescribeSecurityGroups => "ec2:DescribeSecurityGroups", Unscoped;
    Ec2DescribeSubnets => "ec2:DescribeSubnets", Unscoped;
    Ec2DescribeVpcAttribute => "ec2:DescribeVpcAttribute", Unscoped;
    Ec2DescribeVpcEndpointServices => "ec2:DescribeVpcEndpointServices", Unscoped;
    Ec2DescribeVpcEndpoints => "ec2:DescribeVpcEndpoints", Unscoped;
    Ec2DescribeVpcs => "ec2:DescribeVpcs", Unscoped;
    Route53ListHostedZonesByVpc => "route53:ListHostedZonesByVPC", Unscoped;
    S3ListBucket => "s3:ListBucket", Bucket;
    S3GetObject => "s3:GetObject", Object;
    LogsFilterLogEvents => "logs:FilterLogEvents", LogGroup;
    LogsStartQuery => "logs:StartQuery", LogGroup;
    LogsGetQueryResults => "logs:GetQueryResults", Query;
    LogsStopQuery => "logs:StopQuery", Query;
}

impl AwsAction {
    /// The actions a policy limits to `resource`, in policy order.
    pub fn on(resource: ActionResource) -> impl Iterator<Item = AwsAction> {
        AwsAction::ALL.iter().copied().filter(move |a| a.resource() == resource)
    }
}

impl fmt::Display for AwsAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_iam_actions() {
        let names: std::collections::BTreeSet<&str> = AwsAction::ALL.iter().map(|a| a.name()).collect();
        assert_eq!(names.len(), AwsAction::ALL.len(), "duplicate in ALL");
        for a in AwsAction::ALL {
            let (service, op) = a.name().split_once(':').unwrap();
            assert!(["ec2", "s3", "logs", "route53"].contains(&service), "{a}");
            assert!(op.chars().next().unwrap().is_ascii_uppercase(), "{a}");
            assert!(op.chars().all(|c| c.is_ascii_alphanumeric()), "{a}");
            // The variant's name is the service and the operation run together.
            let variant = format!("{a:?}").to_ascii_lowercase();
            assert_eq!(variant, format!("{service}{op}").to_ascii_lowercase());
        }
    }

    #[test]
    fn resources_group_the_actions() {
        let unscoped: Vec<_> = AwsAction::on(ActionResource::Unscoped).collect();
        assert_eq!(unscoped.len(), 11);
        assert!(unscoped
            .iter()
            .all(|a| a.name().starts_with("ec2:Describe") || a.name() == "route53:ListHostedZonesByVPC"));
        assert_eq!(
            AwsAction::on(ActionResource::Query).collect::<Vec<_>>(),
            [AwsAction::LogsGetQueryResults, AwsAction::LogsStopQuery]
        );
    }
}
