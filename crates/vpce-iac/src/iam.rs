//! The least-privilege, read-only IAM policy for vpce-advisor's AWS calls
//! (`vpce-advisor iam-policy`). Every action the AWS shell calls is listed
//! here, and only those.

use serde_json::{json, Value};

/// EC2 reads for `analyze --live`, `preflight` and the flow-log format of
/// cloudwatch:// sources. None of them supports resource-level permissions.
pub const EC2_ACTIONS: [&str; 10] = [
    "ec2:DescribeFlowLogs",
    "ec2:DescribeNatGateways",
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcAttribute",
    "ec2:DescribeVpcEndpointServices",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeVpcs",
];

/// Log reads that can be scoped to log groups.
pub const LOGS_GROUP_ACTIONS: [&str; 2] = ["logs:FilterLogEvents", "logs:StartQuery"];

/// Log reads on query IDs, which take no resource.
pub const LOGS_QUERY_ACTIONS: [&str; 2] = ["logs:GetQueryResults", "logs:StopQuery"];

/// What the policy is limited to; `None` and empty mean any.
#[derive(Clone, Debug, Default)]
pub struct PolicyScope {
    pub bucket: Option<String>,
    pub prefix: String,
    pub log_groups: Vec<String>,
    pub region: Option<String>,
    pub account_id: Option<String>,
}

/// The policy document.
pub fn read_only_policy(scope: &PolicyScope) -> Value {
    let bucket = scope.bucket.as_deref().unwrap_or("*");
    let prefix = scope.prefix.trim_start_matches('/');
    let mut list = json!({
        "Sid": "ListLogObjects",
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": format!("arn:aws:s3:::{bucket}"),
    });
    if !prefix.is_empty() {
        list["Condition"] = json!({ "StringLike": { "s3:prefix": [format!("{prefix}*")] } });
    }
    let region = scope.region.as_deref().unwrap_or("*");
    let account = scope.account_id.as_deref().unwrap_or("*");
    let groups: Vec<String> = if scope.log_groups.is_empty() {
        vec![format!("arn:aws:logs:{region}:{account}:log-group:*")]
    } else {
        scope
            .log_groups
            .iter()
            .map(|g| format!("arn:aws:logs:{region}:{account}:log-group:{g}"))
            .collect()
    };
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadVpcInventory",
                "Effect": "Allow",
                "Action": EC2_ACTIONS,
                "Resource": "*",
            },
            list,
            {
                "Sid": "ReadLogObjects",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": format!("arn:aws:s3:::{bucket}/{prefix}*"),
            },
            {
                "Sid": "ReadLogGroups",
                "Effect": "Allow",
                "Action": LOGS_GROUP_ACTIONS,
                "Resource": groups,
            },
            {
                "Sid": "ReadLogsInsightsResults",
                "Effect": "Allow",
                "Action": LOGS_QUERY_ACTIONS,
                "Resource": "*",
            },
        ],
    })
}

/// Every action in the policy.
pub fn actions() -> Vec<&'static str> {
    let mut v: Vec<&str> = EC2_ACTIONS.to_vec();
    v.extend(["s3:ListBucket", "s3:GetObject"]);
    v.extend(LOGS_GROUP_ACTIONS);
    v.extend(LOGS_QUERY_ACTIONS);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoped_to_bucket_prefix_and_groups() {
        let p = read_only_policy(&PolicyScope {
            bucket: Some("logs".into()),
            prefix: "team/".into(),
            log_groups: vec!["/vpc/flow".into()],
            region: Some("eu-west-1".into()),
            account_id: Some("111122223333".into()),
        });
        let st = p["Statement"].as_array().unwrap();
        assert_eq!(st[1]["Resource"], "arn:aws:s3:::logs");
        assert_eq!(st[1]["Condition"]["StringLike"]["s3:prefix"][0], "team/*");
        assert_eq!(st[2]["Resource"], "arn:aws:s3:::logs/team/*");
        assert_eq!(
            st[3]["Resource"][0],
            "arn:aws:logs:eu-west-1:111122223333:log-group:/vpc/flow"
        );
        let text = p.to_string();
        assert!(!text.contains("Put") && !text.contains("Create") && !text.contains("Delete"));
    }
}
