//! Snapshots of what users read: the demo's table and JSON, `analyze` on
//! simulated logs with damaged lines, `explain`, `pricing`, preflight
//! findings on a hand-built VPC, and the README's demo excerpt. A change to any of them shows up as a reviewed diff
//! (`cargo insta review`, or `INSTA_UPDATE=always` to accept).
//!
//! Paths of temporary directories are replaced by `[DIR]` before comparing.

use std::path::Path;

use assert_cmd::Command;

fn bin() -> Command {
    Command::cargo_bin("vpce-advisor").unwrap()
}

fn stdout_of(args: &[&str]) -> String {
    let out = bin().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Output with the temporary directory's path replaced, so snapshots do not
/// depend on where the test ran.
fn without_dir(text: &str, dir: &Path) -> String {
    text.replace(dir.to_str().unwrap(), "[DIR]")
}

#[test]
fn demo_table() {
    insta::assert_snapshot!(stdout_of(&["demo"]));
}

#[test]
fn demo_json() {
    insta::assert_snapshot!(stdout_of(&["demo", "--format", "json"]));
}

#[test]
fn demo_markdown() {
    insta::assert_snapshot!(stdout_of(&["demo", "--format", "markdown"]));
}

#[test]
fn demo_csv() {
    insta::assert_snapshot!(stdout_of(&["demo", "--format", "csv"]));
}

#[test]
fn demo_seed_json() {
    insta::assert_snapshot!(stdout_of(&["demo", "--format", "seed-json"]));
}

/// The hostnames that trip simpler tools, each answered the same way in both
/// output formats.
const HARD_NAMES: &[&str] = &[
    "SSM.US-EAST-1.AMAZONAWS.COM.",
    "sts.amazonaws.com",
    "queue.amazonaws.com",
    "s3.amazonaws.com",
    "mybucket.s3.amazonaws.com",
    "mybucket.s3.eu-west-1.amazonaws.com",
    "mybucket.s3-eu-west-1.amazonaws.com",
    "s3.dualstack.us-west-2.amazonaws.com",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com",
    "api.ecr.us-east-1.amazonaws.com",
    "abc123.execute-api.eu-central-1.amazonaws.com",
    "kms-fips.us-east-1.amazonaws.com",
    "sqs.us-east-1.api.aws",
    "s3.cn-north-1.amazonaws.com.cn",
    "mydb.abc.us-east-1.rds.amazonaws.com",
    "vpce-01-ab.ssm.us-east-1.vpce.amazonaws.com",
    "amazonaws.com.evil.example",
    "github.com",
];

#[test]
fn explain_table() {
    let mut args = vec!["explain", "--region", "us-east-1"];
    args.extend_from_slice(HARD_NAMES);
    insta::assert_snapshot!(stdout_of(&args));
}

#[test]
fn explain_json() {
    let mut args = vec!["explain", "--region", "us-east-1", "--format", "json"];
    args.extend_from_slice(HARD_NAMES);
    insta::assert_snapshot!(stdout_of(&args));
}

#[test]
fn pricing_table() {
    insta::assert_snapshot!(stdout_of(&["pricing", "--region", "eu-west-1"]));
}

/// `analyze` on a small simulated data set with damaged lines: the table,
/// the malformed-line report and the warnings on standard error.
#[test]
fn analyze_simulated_logs_with_damage() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    bin()
        .args(["simulate", d, "--hours", "2", "--instances", "4", "--seed", "9"])
        .assert()
        .success();
    // One damaged line in one flow-log file.
    let flow = walk(&dir.path().join("AWSLogs"))
        .into_iter()
        .find(|p| p.to_string_lossy().contains("vpcflowlogs"))
        .unwrap();
    let mut bytes = read_maybe_gz(&flow);
    bytes.extend_from_slice(b"5 123456789012 eni-x not-an-address\n");
    std::fs::write(&flow, bytes).unwrap();
    let logs = dir.path().join("AWSLogs");
    let logs = logs.to_str().unwrap();
    let out = bin()
        .args(["analyze", "--dns-logs", logs, "--flow-logs", logs, "--quiet"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = format!(
        "--- stdout\n{}--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    insta::assert_snapshot!(without_dir(&text, dir.path()));
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn read_maybe_gz(p: &Path) -> Vec<u8> {
    use std::io::Read;
    let raw = std::fs::read(p).unwrap();
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut s = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..]).read_to_end(&mut s).unwrap();
        s
    } else {
        raw
    }
}

/// The README quotes the demo: every line of that excerpt is a line the demo
/// prints today, in the same order (lines that are only `…` mark rows left out).
#[test]
fn readme_demo_excerpt_is_what_demo_prints() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let start = readme.find("The demo prints").expect("README has the demo excerpt");
    let block = &readme[start..];
    let open = block.find("```\n").unwrap() + 4;
    let close = block[open..].find("```").unwrap();
    let excerpt: Vec<&str> = block[open..open + close].lines().filter(|l| l.trim() != "…").collect();
    assert!(excerpt.len() >= 5, "the excerpt is too short to mean anything");
    let demo = stdout_of(&["demo"]);
    let lines: Vec<&str> = demo.lines().collect();
    let mut at = 0;
    for want in excerpt {
        match lines[at..].iter().position(|l| *l == want) {
            Some(i) => at += i + 1,
            None => panic!("README line not printed by `demo` (in this order):\n{want}\n\ndemo printed:\n{demo}"),
        }
    }
}

/// A VPC with NAT in two AZs and a fault for most checks: DNS hostnames off,
/// the logs endpoint in one AZ admitting one workload subnet, the S3 gateway
/// endpoint on the public route table only, a rejected STS endpoint, a
/// private hosted zone for the logs name, one call denied.
fn planted_inventory() -> vpce_model::inventory::Inventory {
    use vpce_model::inventory::*;
    use vpce_model::EndpointType;
    let subnet = |id: &str, az: &str, cidr: &str, nat: Option<&str>| SubnetInfo {
        subnet_id: id.into(),
        availability_zone: az.into(),
        availability_zone_id: None,
        cidr: Some(cidr.into()),
        route_table_id: Some(if nat.is_some() { "rtb-private" } else { "rtb-public" }.into()),
        default_route_nat: nat.map(str::to_string),
        network_acl_id: Some("acl-1".into()),
    };
    let allow_all = |egress| NaclEntry {
        rule_number: 100,
        egress,
        protocol: "-1".into(),
        allow: true,
        cidr: Some("0.0.0.0/0".into()),
        port_from: None,
        port_to: None,
    };
    let endpoint = |id: &str, service: &str, kind, state: &str| EndpointInfo {
        endpoint_id: id.into(),
        service_name: format!("com.amazonaws.us-east-1.{service}"),
        endpoint_type: Some(kind),
        state: state.into(),
        ..Default::default()
    };
    Inventory {
        region: "us-east-1".into(),
        read_at: "2026-12-03T00:00:00Z".into(),
        vpc: VpcInfo {
            vpc_id: "vpc-1".into(),
            cidrs: vec!["10.0.0.0/16".into()],
            enable_dns_support: Some(true),
            enable_dns_hostnames: Some(false),
            ..Default::default()
        },
        subnets: vec![
            subnet("subnet-a", "us-east-1a", "10.0.1.0/24", Some("nat-1")),
            subnet("subnet-b", "us-east-1b", "10.0.2.0/24", Some("nat-1")),
            subnet("subnet-pub", "us-east-1a", "10.0.0.0/24", None),
        ],
        route_tables: vec![
            RouteTableInfo {
                route_table_id: "rtb-private".into(),
                subnet_ids: vec!["subnet-a".into(), "subnet-b".into()],
                default_route: Some("nat-1".into()),
                ..Default::default()
            },
            RouteTableInfo {
                route_table_id: "rtb-public".into(),
                main: true,
                default_route: Some("igw-1".into()),
                prefix_list_routes: vec![("pl-s3".into(), "vpce-s3".into())],
                ..Default::default()
            },
        ],
        nat_gateways: vec![NatGatewayInfo {
            nat_gateway_id: "nat-1".into(),
            state: "available".into(),
            ..Default::default()
        }],
        endpoints: vec![
            EndpointInfo {
                subnet_ids: vec!["subnet-a".into()],
                security_group_ids: vec!["sg-endpoint".into()],
                private_dns_enabled: Some(true),
                ..endpoint("vpce-logs", "logs", EndpointType::Interface, "available")
            },
            EndpointInfo {
                route_table_ids: vec!["rtb-public".into()],
                ..endpoint("vpce-s3", "s3", EndpointType::Gateway, "available")
            },
            endpoint("vpce-old", "sts", EndpointType::Interface, "Rejected"),
        ],
        security_groups: vec![SecurityGroupInfo {
            group_id: "sg-endpoint".into(),
            ingress: vec![SgRule {
                protocol: "tcp".into(),
                from_port: Some(443),
                to_port: Some(443),
                cidrs: vec!["10.0.1.0/24".into()],
                ..Default::default()
            }],
            ..Default::default()
        }],
        network_acls: vec![NetworkAclInfo {
            network_acl_id: "acl-1".into(),
            default: true,
            subnet_ids: vec!["subnet-a".into(), "subnet-b".into()],
            entries: vec![allow_all(false), allow_all(true)],
        }],
        private_hosted_zones: Some(vec![
            "logs.us-east-1.amazonaws.com".into(),
            "corp.example.internal".into(),
        ]),
        gaps: vec!["ec2:DescribeVpcEndpointServices was denied".into()],
        ..Default::default()
    }
}

#[test]
fn preflight_findings_table_and_json() {
    let findings = vpce_analysis::live::preflight(&planted_inventory(), None);
    let mut table = Vec::new();
    vpce_report::render_findings(&findings, &mut table).unwrap();
    insta::assert_snapshot!("preflight_table", String::from_utf8(table).unwrap());
    insta::assert_snapshot!("preflight_json", serde_json::to_string_pretty(&findings).unwrap());
}
