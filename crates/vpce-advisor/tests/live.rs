//! The AWS side against a real AWS API implementation: `moto_server`, started
//! by each test on a free port of 127.0.0.1. `tests/moto/fixture.py` builds a
//! VPC with NAT, endpoints and planted faults, and loads `simulate` output
//! into its S3 and CloudWatch Logs; the binary must find what was put there.
//!
//! Needs `moto_server` (pip `moto[server]`) on PATH or in `MOTO_SERVER`;
//! `scripts/test.sh` installs it.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

struct Moto {
    child: Child,
    url: String,
    bin_dir: Option<PathBuf>,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto_server() -> PathBuf {
    if let Some(p) = std::env::var_os("MOTO_SERVER") {
        return PathBuf::from(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("moto_server"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("moto_server not found: run scripts/test.sh (it installs moto[server]), or pip install 'moto[server]' and put moto_server on PATH")
        })
}

impl Moto {
    fn start() -> Moto {
        let exe = moto_server();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new(&exe)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
        let t0 = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "moto_server did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
            bin_dir: exe.parent().map(Path::to_path_buf),
        }
    }

    /// The Python next to moto_server (it has boto3).
    fn python(&self) -> PathBuf {
        self.bin_dir
            .as_ref()
            .map(|d| d.join("python"))
            .filter(|p| p.exists())
            .unwrap_or_else(|| PathBuf::from("python3"))
    }

    /// The binary, pointed at this server with test credentials.
    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("vpce-advisor").unwrap();
        c.env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", &self.url)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE");
        c
    }
}

/// Simulated logs for 3 hours ending 2 hours ago (CloudWatch Logs refuses
/// events older than 14 days), the VPC and the loaded logs.
struct World {
    moto: Moto,
    dir: tempfile::TempDir,
    ids: Value,
    truth: Value,
    start: i64,
    since: String,
    until: String,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn rfc3339(t: i64) -> String {
    vpce_formats::time::format_rfc3339(t)
}

fn world() -> World {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let start = (now() - 6 * 3600) / 3600 * 3600;
    moto.cmd()
        .args([
            "simulate",
            dir.path().to_str().unwrap(),
            "--hours",
            "3",
            "--instances",
            "4",
            "--seed",
            "5",
        ])
        .args(["--start", &rfc3339(start)])
        .assert()
        .success();
    let truth: Value = serde_json::from_slice(&std::fs::read(dir.path().join("truth.json")).unwrap()).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/moto/fixture.py");
    let out = std::process::Command::new(moto.python())
        .arg(&fixture)
        .arg(&moto.url)
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "fixture.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ids: Value = serde_json::from_slice(&out.stdout).unwrap();
    World {
        moto,
        dir,
        ids,
        truth,
        start,
        since: rfc3339(start),
        until: rfc3339(start + 3 * 3600),
    }
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

fn service<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

/// Per-service bytes and queries of a report equal the generator's truth.
fn assert_matches_truth(r: &Value, truth: &Value, how: &str) {
    let services = truth["services"].as_object().unwrap();
    assert!(!services.is_empty(), "{how}: an empty truth proves nothing");
    assert!(
        services.values().any(|s| s["bytes_via_nat"].as_u64() > Some(0)),
        "{how}: no bytes through NAT in the truth"
    );
    for (key, want) in services {
        let (svc, _) = key.split_once('@').unwrap();
        let got = service(r, svc);
        for field in ["bytes_via_nat", "bytes_via_endpoint", "bytes_other", "query_count"] {
            assert_eq!(got[field], want[field], "{how}: {key}.{field}");
        }
    }
    assert_eq!(r["inputs"]["flow"]["records"], truth["flow_records"], "{how}");
    assert_eq!(r["inputs"]["dns"]["records"], truth["dns_records"], "{how}");
    assert_eq!(r["inputs"]["malformed"], 0, "{how}");
}

#[test]
fn preflight_finds_the_planted_faults() {
    let w = world();
    let vpc = w.ids["vpc_id"].as_str().unwrap();
    let out = w
        .moto
        .cmd()
        .args(["preflight", "--vpc-id", vpc, "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "errors exit 1: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json_of(&out);
    let found: Vec<(String, String, String)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "info")
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_string(),
                f["check"].as_str().unwrap().to_string(),
                f["resource"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let id = |k: &str| w.ids[k].as_str().unwrap().to_string();
    assert_eq!(
        found,
        vec![
            ("error".into(), "dns-hostnames".into(), vpc.to_string()),
            ("error".into(), "endpoint-security-group".into(), id("logs_endpoint")),
            ("warning".into(), "endpoint-az".into(), id("logs_endpoint")),
            (
                "warning".into(),
                "gateway-endpoint-missing".into(),
                "com.amazonaws.us-east-1.dynamodb".into()
            ),
            (
                "warning".into(),
                "gateway-route-tables".into(),
                id("s3_gateway_endpoint")
            ),
        ]
    );
    let text = r["findings"].to_string();
    assert!(text.contains(&format!("--add-route-table-ids {}", id("private_route_table"))));
    assert!(text.contains(&format!("--group-id {}", id("logs_endpoint_sg"))));
    let private_b = w.ids["private_subnets"][1].as_str().unwrap();
    assert!(text.contains(&format!("--add-subnet-ids {private_b}")));
    // Every page of the Region's endpoint services was read.
    assert!(r["inventory"]["services"].as_array().unwrap().len() > 100);
    assert_eq!(
        r["inventory"]["nat_gateways"][0]["nat_gateway_id"],
        w.ids["nat_gateway"]
    );

    // The table names the problems and their fixes too.
    let out = w.moto.cmd().args(["preflight", "--vpc-id", vpc]).output().unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("ERROR   dns-hostnames"), "{table}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("preflight: 2 errors"));
}

#[test]
fn analyze_live_reads_s3_and_applies_the_inventory() {
    let w = world();
    let vpc = w.ids["vpc_id"].as_str().unwrap();
    let url = format!("s3://{}/team/", w.ids["bucket"].as_str().unwrap());
    let out = w
        .moto
        .cmd()
        .args(["analyze", "--live", "--vpc-id", vpc, "--format", "json"])
        .args(["--dns-logs", &url, "--flow-logs", &url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r = json_of(&out);
    assert_matches_truth(&r, &w.truth, "s3");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The CloudTrail folder and the other log type are never listed.
    assert!(stderr.contains("folders skipped by log type or date"), "{stderr}");
    assert!(!stderr.contains("0 folders skipped"), "{stderr}");

    let live = &r["live"];
    assert_eq!(live["inventory"]["vpc"]["vpc_id"], vpc);
    assert_eq!(r["network"]["vpc_cidrs_source"], "live inventory (DescribeVpcs)");
    let s3 = service(&r, "s3");
    assert_eq!(s3["endpoint_exists"], true);
    let ev = s3["endpoint_exists_evidence"].to_string();
    assert!(ev.contains(w.ids["s3_gateway_endpoint"].as_str().unwrap()), "{ev}");
    assert!(s3["notes"]
        .to_string()
        .contains(w.ids["private_route_table"].as_str().unwrap()));
    assert_eq!(service(&r, "logs")["endpoint_exists"], true);
    // The AZ count for pricing comes from the subnets that route to NAT.
    assert_eq!(r["pricing"]["azs"], 2);
    assert!(r["pricing"]["azs_source"]
        .as_str()
        .unwrap()
        .starts_with("live inventory"));
    assert!(live["findings"].to_string().contains("dns-hostnames"));

    // A window of the first hour keeps only that hour's records (the day
    // folder is listed; the records outside the hour are counted apart).
    let out = w
        .moto
        .cmd()
        .args(["analyze", "--format", "json", "--flow-logs", &url])
        .args(["--since", &w.since, "--until", &rfc3339(w.start + 3600)])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let one = json_of(&out);
    let outside = one["inputs"]["flow"]["outside_window"].as_u64().unwrap();
    let all = w.truth["flow_records"].as_u64().unwrap();
    assert!(outside > 0 && outside < all, "{outside} of {all} outside");
    assert!(one["window"]["hours"].as_f64().unwrap() <= 1.0);
}

#[test]
fn cloudwatch_logs_by_filter_log_events_match_the_files() {
    let w = world();
    let out = w
        .moto
        .cmd()
        .args(["analyze", "--no-insights", "--format", "json", "--threads", "3"])
        .args([
            "--dns-logs",
            "cloudwatch:///vpce/dns",
            "--flow-logs",
            "cloudwatch:///vpce/flow",
        ])
        .args(["--since", &w.since, "--until", &w.until])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r = json_of(&out);
    // No --flow-log-format: the custom format came from DescribeFlowLogs.
    assert_matches_truth(&r, &w.truth, "cloudwatch");
    assert_eq!(r["inputs"]["flow"]["files"], 3, "one stream per time slice");
    assert_eq!(r["inputs"]["dns"]["records"], w.ids["dns_events"]);

    // A log group that does not exist is named, and nothing is invented.
    let out = w
        .moto
        .cmd()
        .args(["analyze", "--no-insights", "--dns-logs", "cloudwatch:///no/such/group"])
        .args(["--since", &w.since, "--until", &w.until])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cloudwatch:///no/such/group") && err.contains("logs:FilterLogEvents"),
        "{err}"
    );
}

#[test]
fn iac_live_takes_subnets_route_tables_and_cidrs_from_the_vpc() {
    let w = world();
    let vpc = w.ids["vpc_id"].as_str().unwrap();
    let url = format!("s3://{}/team/", w.ids["bucket"].as_str().unwrap());
    let out_dir = w.dir.path().join("tf");
    let out = w
        .moto
        .cmd()
        .args([
            "iac",
            "--live",
            "--vpc-id",
            vpc,
            "--only",
            "dynamodb,kinesis-streams",
            "-q",
        ])
        .args([
            "--dns-logs",
            &url,
            "--flow-logs",
            &url,
            "--output",
            out_dir.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let vars = std::fs::read_to_string(out_dir.join("variables.tf")).unwrap();
    for k in ["private_route_table", "vpc_id"] {
        assert!(vars.contains(w.ids[k].as_str().unwrap()), "{k} not in {vars}");
    }
    for s in w.ids["private_subnets"].as_array().unwrap() {
        assert!(vars.contains(s.as_str().unwrap()), "{s} not in {vars}");
    }
    assert!(!vars.contains(w.ids["public_subnet"].as_str().unwrap()));
    assert!(vars.contains("10.0.0.0/16"));
}

#[test]
fn missing_credentials_and_region_get_a_one_line_fix() {
    let empty = tempfile::tempdir().unwrap();
    // No credentials or configuration anywhere: an empty HOME, no instance role.
    let bare = |env: &[(&str, &str)]| {
        let mut c = Command::cargo_bin("vpce-advisor").unwrap();
        c.env_clear()
            .env("HOME", empty.path())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .envs(env.iter().copied())
            .args(["preflight", "--vpc-id", "vpc-0123456789abcdef0"]);
        let out = c.output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let err = bare(&[("AWS_ENDPOINT_URL", "http://127.0.0.1:9"), ("AWS_REGION", "us-east-1")]);
    assert!(
        err.contains("no AWS credentials found") && err.contains("aws sso login"),
        "{err}"
    );
    let err = bare(&[]);
    assert!(err.contains("no AWS Region") && err.contains("--region"), "{err}");
}

#[test]
fn a_vpc_that_does_not_exist_is_named() {
    let moto = Moto::start();
    let out = moto
        .cmd()
        .args(["preflight", "--vpc-id", "vpc-0123456789abcdef0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("vpc-0123456789abcdef0") && err.contains("not found"),
        "{err}"
    );
}
