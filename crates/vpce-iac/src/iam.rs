//! The least-privilege, read-only IAM policy for vpce-advisor's AWS calls
//! (`vpce-advisor iam-policy`). It grants every action of
//! [`AwsAction::ALL`], the list the AWS shell names its calls with, and only
//! those, each in the statement of its [`ActionResource`].

use serde_json::{json, Value};
use vpce_model::aws_action::{ActionResource, AwsAction};

/// The actions of one statement: a string for one action, else a list.
fn actions_on(resource: ActionResource) -> Value {
    let names: Vec<&str> = AwsAction::on(resource).map(AwsAction::name).collect();
    match names.as_slice() {
        [one] => json!(one),
        _ => json!(names),
    }
}

/// What the policy is limited to; `None` and empty mean any.
#[derive(Clone, Debug, Default)]
pub struct PolicyScope {
    pub bucket: Option<String>,
    pub prefix: String,
    pub log_groups: Vec<String>,
    pub region: Option<String>,
    pub account_id: Option<String>,
}

/// The partition of a Region's ARNs: `aws-cn` in China, `aws-us-gov` in
/// GovCloud, `aws-iso`/`aws-iso-b` in the isolated Regions, else `aws`.
pub fn partition_of(region: Option<&str>) -> &'static str {
    match region {
        Some(r) if r.starts_with("cn-") => "aws-cn",
        Some(r) if r.starts_with("us-gov-") => "aws-us-gov",
        Some(r) if r.starts_with("us-isob-") => "aws-iso-b",
        Some(r) if r.starts_with("us-iso-") => "aws-iso",
        _ => "aws",
    }
}

/// The policy document, in the partition of `scope.region` (S3 bucket ARNs
/// carry no Region, so a China or GovCloud policy needs it named).
pub fn read_only_policy(scope: &PolicyScope) -> Value {
    let partition = partition_of(scope.region.as_deref());
    let bucket = scope.bucket.as_deref().unwrap_or("*");
    let prefix = scope.prefix.trim_start_matches('/');
    let mut list = json!({
        "Sid": "ListLogObjects",
        "Effect": "Allow",
        "Action": actions_on(ActionResource::Bucket),
        "Resource": format!("arn:{partition}:s3:::{bucket}"),
    });
    if !prefix.is_empty() {
        list["Condition"] = json!({ "StringLike": { "s3:prefix": [format!("{prefix}*")] } });
    }
    let region = scope.region.as_deref().unwrap_or("*");
    let account = scope.account_id.as_deref().unwrap_or("*");
    let groups: Vec<String> = if scope.log_groups.is_empty() {
        vec![format!("arn:{partition}:logs:{region}:{account}:log-group:*")]
    } else {
        // Both forms: the group itself, and its streams (`:*`), as the
        // CloudWatch Logs actions are authorised against either.
        scope
            .log_groups
            .iter()
            .flat_map(|g| {
                let arn = format!("arn:{partition}:logs:{region}:{account}:log-group:{g}");
                [format!("{arn}:*"), arn]
            })
            .collect()
    };
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadVpcInventory",
                "Effect": "Allow",
                "Action": actions_on(ActionResource::Unscoped),
                "Resource": "*",
            },
            list,
            {
                "Sid": "ReadLogObjects",
                "Effect": "Allow",
                "Action": actions_on(ActionResource::Object),
                "Resource": format!("arn:{partition}:s3:::{bucket}/{prefix}*"),
            },
            {
                "Sid": "ReadLogGroups",
                "Effect": "Allow",
                "Action": actions_on(ActionResource::LogGroup),
                "Resource": groups,
            },
            {
                "Sid": "ReadLogsInsightsResults",
                "Effect": "Allow",
                "Action": actions_on(ActionResource::Query),
                "Resource": "*",
            },
        ],
    })
}

/// Every action in the policy, in its order.
pub fn actions() -> Vec<&'static str> {
    [
        ActionResource::Unscoped,
        ActionResource::Bucket,
        ActionResource::Object,
        ActionResource::LogGroup,
        ActionResource::Query,
    ]
    .into_iter()
    .flat_map(AwsAction::on)
    .map(AwsAction::name)
    .collect()
}

/// The actions a policy document grants, statement by statement.
pub fn granted(policy: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for st in policy["Statement"].as_array().into_iter().flatten() {
        match &st["Action"] {
            Value::String(a) => out.push(a.clone()),
            Value::Array(a) => out.extend(a.iter().filter_map(|x| x.as_str().map(str::to_string))),
            _ => {}
        }
    }
    out
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
            st[3]["Resource"],
            json!([
                "arn:aws:logs:eu-west-1:111122223333:log-group:/vpc/flow:*",
                "arn:aws:logs:eu-west-1:111122223333:log-group:/vpc/flow"
            ])
        );
        let text = p.to_string();
        assert!(!text.contains("Put") && !text.contains("Create") && !text.contains("Delete"));
    }

    #[test]
    fn china_and_govcloud_policies_use_their_partition() {
        for (region, partition) in [
            ("cn-north-1", "aws-cn"),
            ("us-gov-west-1", "aws-us-gov"),
            ("eu-west-1", "aws"),
        ] {
            let p = read_only_policy(&PolicyScope {
                bucket: Some("logs".into()),
                region: Some(region.into()),
                ..Default::default()
            });
            let text = p.to_string();
            assert!(text.contains(&format!("arn:{partition}:s3:::logs")), "{text}");
            assert!(text.contains(&format!("arn:{partition}:logs:{region}:")), "{text}");
            if partition != "aws" {
                assert!(!text.contains("arn:aws:"), "{text}");
            }
        }
    }

    /// The document grants every action of the shared list exactly once,
    /// whatever the scope, and `actions()` says the same.
    #[test]
    fn grants_exactly_the_shared_action_list() {
        for scope in [
            PolicyScope::default(),
            PolicyScope {
                bucket: Some("b".into()),
                prefix: "p/".into(),
                log_groups: vec!["g1".into(), "g2".into()],
                region: Some("us-east-1".into()),
                account_id: Some("111122223333".into()),
            },
        ] {
            let p = read_only_policy(&scope);
            let granted = granted(&p);
            let all: Vec<String> = AwsAction::ALL.iter().map(|a| a.name().to_string()).collect();
            let mut sorted = granted.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), granted.len(), "an action granted twice: {granted:?}");
            let mut want = all.clone();
            want.sort();
            assert_eq!(sorted, want);
            assert_eq!(actions(), granted);
        }
    }

    /// The statements keep the shape users have pasted: single actions as a
    /// string, EC2 describes on any resource.
    #[test]
    fn statement_shapes() {
        let p = read_only_policy(&PolicyScope::default());
        let st = p["Statement"].as_array().unwrap();
        assert_eq!(st[0]["Sid"], "ReadVpcInventory");
        assert_eq!(st[0]["Action"][0], "ec2:DescribeFlowLogs");
        assert_eq!(st[0]["Action"][9], "ec2:DescribeVpcs");
        assert_eq!(st[0]["Resource"], "*");
        assert_eq!(st[1]["Action"], "s3:ListBucket");
        assert_eq!(st[2]["Action"], "s3:GetObject");
        assert_eq!(st[3]["Action"], json!(["logs:FilterLogEvents", "logs:StartQuery"]));
        assert_eq!(st[4]["Action"], json!(["logs:GetQueryResults", "logs:StopQuery"]));
    }
}
