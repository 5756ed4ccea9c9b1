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
            // The VPC's own zone for the CloudWatch Logs name (read with
            // route53:ListHostedZonesByVPC).
            ("warning".into(), "private-dns-zone".into(), id("logs_endpoint")),
        ]
    );
    let zones = r["inventory"]["private_hosted_zones"].to_string();
    assert!(
        zones.contains("corp.example.internal") && zones.contains("logs.us-east-1.amazonaws.com"),
        "{zones}"
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
    // The gateway endpoint is on the public route table only: the private
    // subnets' S3 bytes still go through NAT, and fixing it saves their cost.
    assert_eq!(s3["recommendation"], "fix-existing", "{}", s3["reasons"]);
    assert_eq!(
        s3["endpoint_fixes"][0]["missing_route_table_ids"][0],
        w.ids["private_route_table"]
    );
    assert_eq!(s3["monthly_savings_usd"], s3["monthly_cost_now_usd"]);
    assert!(s3["monthly_savings_usd"].as_f64().unwrap() > 0.0);
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
    let iac = |only: &str, extra: &[&str]| {
        w.moto
            .cmd()
            .args(["iac", "--live", "--vpc-id", vpc, "--only", only, "-q"])
            .args([
                "--dns-logs",
                &url,
                "--flow-logs",
                &url,
                "--output",
                out_dir.to_str().unwrap(),
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    // The fixture VPC has DNS hostnames off: an interface endpoint with
    // private DNS (kinesis-streams) would fail at apply, so nothing is written.
    let out = iac("dynamodb,kinesis-streams", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    for part in [
        "applying these endpoints would fail",
        &format!("dns-hostnames {vpc}"),
        &format!("modify-vpc-attribute --vpc-id {vpc} --enable-dns-hostnames"),
        "--force",
    ] {
        assert!(err.contains(part), "{part} missing: {err}");
    }
    assert!(
        !err.contains("endpoint-security-group"),
        "errors that do not fail the apply are not blockers: {err}"
    );
    assert!(!out_dir.exists(), "no files written");
    // Gateway endpoints only: the DNS attributes do not matter to them.
    let out = iac("dynamodb", &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out_dir.join("main.tf").exists());

    let out = iac("dynamodb,kinesis-streams", &["--force"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let main = std::fs::read_to_string(out_dir.join("main.tf")).unwrap();
    assert!(main.contains("kinesis-streams"), "--force wrote the interface endpoint");
    let vars = std::fs::read_to_string(out_dir.join("variables.tf")).unwrap();
    for k in ["private_route_table", "vpc_id"] {
        assert!(vars.contains(w.ids[k].as_str().unwrap()), "{k} not in {vars}");
    }
    for s in w.ids["private_subnets"].as_array().unwrap() {
        assert!(vars.contains(s.as_str().unwrap()), "{s} not in {vars}");
    }
    assert!(!vars.contains(w.ids["public_subnet"].as_str().unwrap()));
    assert!(vars.contains("10.0.0.0/16"));
    // moto offers kinesis-streams in every AZ: the endpoint keeps the
    // subnets, and the AZs read live need no filter at apply time.
    assert!(main.contains("subnet_ids          = var.subnet_ids"), "{main}");
    assert!(!main.contains("data \"aws_vpc_endpoint_service\""), "{main}");
}

/// A report saved by `analyze --live` carries moto's
/// DescribeVpcEndpointServices; with a service offered in one of the two
/// workload AZs, `iac` gives its endpoint only the subnet there and warns of
/// the other AZ.
#[test]
fn iac_gives_each_endpoint_the_subnets_in_the_azs_its_service_offers() {
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
    let mut r = json_of(&out);
    let inventory = &mut r["live"]["inventory"];
    let az_of = |id: &str, inv: &Value| {
        inv["subnets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["subnet_id"] == id)
            .map(|s| s["availability_zone"].as_str().unwrap().to_string())
            .unwrap()
    };
    let private: Vec<String> = w.ids["private_subnets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    let (kept_az, gone_az) = (az_of(&private[0], inventory), az_of(&private[1], inventory));
    assert_ne!(kept_az, gone_az);
    let kinesis = inventory["services"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|s| s["service_name"] == "com.amazonaws.us-east-1.kinesis-streams")
        .expect("moto lists kinesis-streams");
    let offered = kinesis["availability_zones"].as_array().unwrap();
    assert!(offered.iter().any(|a| *a == *gone_az), "{offered:?}");
    kinesis["availability_zones"] = serde_json::json!([kept_az]);
    let saved = w.dir.path().join("live-report.json");
    std::fs::write(&saved, serde_json::to_vec(&r).unwrap()).unwrap();
    let out_dir = w.dir.path().join("tf-azs");
    let out = w
        .moto
        .cmd()
        .args([
            "iac",
            "--report",
            saved.to_str().unwrap(),
            "--only",
            "kinesis-streams,ssm",
        ])
        .args(["--force", "-o", out_dir.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(&format!("{} ({gone_az}) left out", private[1]))
            && err.contains(&format!("workloads in {gone_az}")),
        "{err}"
    );
    let main = std::fs::read_to_string(out_dir.join("main.tf")).unwrap();
    let start = main.find("resource \"aws_vpc_endpoint\" \"kinesis_streams\"").unwrap();
    let block = &main[start..start + main[start..].find("\n}\n").unwrap()];
    assert!(
        block.contains(&format!("subnet_ids          = [\"{}\"]", private[0])),
        "{block}"
    );
    let start = main.find("resource \"aws_vpc_endpoint\" \"ssm\"").unwrap();
    let block = &main[start..start + main[start..].find("\n}\n").unwrap()];
    assert!(block.contains("subnet_ids          = var.subnet_ids"), "{block}");
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

/// `tests/moto/faults.py` in front of the server: forwards every request and
/// damages GETs of log objects by `mode`.
struct FaultProxy {
    child: Child,
    url: String,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl FaultProxy {
    fn start(moto: &Moto, mode: &str, key_part: &str) -> FaultProxy {
        FaultProxy::start_with(moto, mode, &[key_part])
    }

    /// `args`: the mode's KEY_PART and ARG (see faults.py).
    fn start_with(moto: &Moto, mode: &str, args: &[&str]) -> FaultProxy {
        use std::io::BufRead;
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/moto/faults.py");
        let mut child = std::process::Command::new(moto.python())
            .arg(&script)
            .args([moto.url.as_str(), mode])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port: u16 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("faults.py said {line:?}"));
        FaultProxy {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

#[test]
fn s3_bodies_that_break_are_resumed_and_what_cannot_be_read_is_named() {
    let w = world();
    let url = format!("s3://{}/team/", w.ids["bucket"].as_str().unwrap());
    for mode in ["short", "reset", "slowdown"] {
        let proxy = FaultProxy::start(&w.moto, mode, "");
        let out = w
            .moto
            .cmd()
            .env("AWS_ENDPOINT_URL", &proxy.url)
            .args(["analyze", "--format", "json"])
            .args(["--dns-logs", &url, "--flow-logs", &url])
            .output()
            .unwrap();
        assert!(out.status.success(), "{mode}: {}", String::from_utf8_lossy(&out.stderr));
        let r = json_of(&out);
        // Every record of every object, although each first GET broke.
        assert_matches_truth(&r, &w.truth, mode);
        assert_eq!(r["inputs"]["file_errors"], serde_json::json!([]), "{mode}");
    }

    // An object whose body always breaks is named, with what was read.
    let flow_file = walk(&w.dir.path().join("AWSLogs"))
        .into_iter()
        .find(|p| p.to_string_lossy().contains("vpcflowlogs"))
        .unwrap();
    let name = flow_file.file_name().unwrap().to_str().unwrap().to_string();
    let proxy = FaultProxy::start(&w.moto, "broken", &name);
    let out = w
        .moto
        .cmd()
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .args(["analyze", "--format", "json", "--flow-logs", &url])
        .output()
        .unwrap();
    let r = json_of(&out);
    let errors = r["inputs"]["file_errors"].as_array().unwrap();
    assert!(!errors.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(errors.len(), 1, "{errors:?}");
    let error = errors[0]["error"].as_str().unwrap();
    assert!(error.contains("gave up after 4 resumes"), "{error}");
    assert!(errors[0]["file"].as_str().unwrap().ends_with(&name), "{errors:?}");
    // The report is partial, says how much was lost, and the run fails.
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(r["inputs"]["partial"], true);
    let size = std::fs::metadata(&flow_file).unwrap().len();
    let unread = errors[0]["bytes_unread"].as_u64().expect("the object's size is known");
    // The proxy sends half of the body, then nothing.
    assert_eq!(unread, size - size / 2, "{errors:?}");
    assert_eq!(r["inputs"]["bytes_unread"], unread);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: partial: 1 input could not be read to the end") && stderr.contains(&name),
        "{stderr}"
    );
}

/// The name of one flow-log object of the simulated logs.
fn one_flow_object(w: &World) -> String {
    let flow_file = walk(&w.dir.path().join("AWSLogs"))
        .into_iter()
        .find(|p| p.to_string_lossy().contains("vpcflowlogs"))
        .unwrap();
    flow_file.file_name().unwrap().to_str().unwrap().to_string()
}

/// `analyze` of both log types in the bucket, through `proxy`.
fn analyze_s3_through(w: &World, proxy: &FaultProxy) -> std::process::Output {
    let url = format!("s3://{}/team/", w.ids["bucket"].as_str().unwrap());
    w.moto
        .cmd()
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .args(["analyze", "--format", "json", "-q"])
        .args(["--dns-logs", &url, "--flow-logs", &url])
        .output()
        .unwrap()
}

/// A body that stops for longer than the SDK's stalled-stream grace period
/// (5 s) is ended by it and resumed, without waiting for the connection to
/// close; headers that come late but within the first-byte timeout (30 s)
/// are waited for. Every record is read.
#[test]
fn an_s3_body_that_stalls_is_resumed_and_late_headers_are_waited_for() {
    let w = world();
    let name = one_flow_object(&w);
    // (mode, seconds of the fault, the run's least and most seconds)
    for (mode, secs, least, most) in [("stall", "15", 5, 15), ("slowheaders", "5", 5, 30)] {
        let proxy = FaultProxy::start_with(&w.moto, mode, &[&name, secs]);
        let t0 = Instant::now();
        let out = analyze_s3_through(&w, &proxy);
        let took = t0.elapsed();
        assert!(out.status.success(), "{mode}: {}", String::from_utf8_lossy(&out.stderr));
        let r = json_of(&out);
        assert_matches_truth(&r, &w.truth, mode);
        assert_eq!(r["inputs"]["file_errors"], serde_json::json!([]), "{mode}");
        assert_eq!(r["inputs"]["partial"], false, "{mode}");
        assert!(
            took >= Duration::from_secs(least) && took < Duration::from_secs(most),
            "{mode}: {took:?}"
        );
    }
}

/// Headers that come after the first-byte timeout: the attempt is given up
/// at 30 s and the SDK's retry reads the object; every record is read.
#[test]
fn s3_headers_later_than_the_first_byte_timeout_are_asked_again() {
    let w = world();
    let name = one_flow_object(&w);
    let proxy = FaultProxy::start_with(&w.moto, "slowheaders", &[&name, "33"]);
    let t0 = Instant::now();
    let out = analyze_s3_through(&w, &proxy);
    let took = t0.elapsed();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r = json_of(&out);
    assert_matches_truth(&r, &w.truth, "slowheaders");
    assert_eq!(r["inputs"]["file_errors"], serde_json::json!([]));
    // Given up at the timeout, not after the proxy's 33 s.
    assert!(
        took >= Duration::from_secs(30) && took < Duration::from_secs(33),
        "{took:?}"
    );
}

/// `FilterLogEvents` pages through the fault proxy: a page that fails once
/// is retried by the SDK and nothing is lost; a slice whose page fails every
/// attempt is named in the report's inputs with the time range it did not
/// read, the other slices are read, and the run exits 1 unless
/// `--allow-partial`.
#[test]
fn cloudwatch_logs_pages_that_fail_are_retried_or_named_as_unread() {
    let w = world();
    let proxy = FaultProxy::start(&w.moto, "logsflaky", "FilterLogEvents");
    let out = w
        .moto
        .cmd()
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .args(["analyze", "--no-insights", "--format", "json", "-q", "--threads", "3"])
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
    assert_matches_truth(&r, &w.truth, "logsflaky");
    assert_eq!(r["inputs"]["file_errors"], serde_json::json!([]));
    drop(proxy);

    // The second hour's slice (its startTime) fails every attempt.
    let (hour2, hour3) = (w.start + 3600, w.start + 7200);
    let proxy = FaultProxy::start_with(&w.moto, "logsbroken", &["FilterLogEvents", &(hour2 * 1000).to_string()]);
    let flow = |via: &str, since: i64, until: i64, threads: &str, extra: &[&str]| {
        w.moto
            .cmd()
            .env("AWS_ENDPOINT_URL", via)
            .args([
                "analyze",
                "--no-insights",
                "--format",
                "json",
                "-q",
                "--threads",
                threads,
            ])
            .args(["--flow-logs", "cloudwatch:///vpce/flow"])
            .args(["--since", &rfc3339(since), "--until", &rfc3339(until)])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = flow(&proxy.url, w.start, w.start + 3 * 3600, "3", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let r = json_of(&out);
    assert_eq!(r["inputs"]["partial"], true);
    let errors = r["inputs"]["file_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let slice = format!("cloudwatch:///vpce/flow [{} .. {})", rfc3339(hour2), rfc3339(hour3));
    assert_eq!(errors[0]["file"], slice.as_str());
    let error = errors[0]["error"].as_str().unwrap();
    assert!(
        error.contains("FilterLogEvents page 1 failed after retries")
            && error.contains(&format!("from {} to {} were not read", rfc3339(hour2), rfc3339(hour3))),
        "{error}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: partial: 1 input could not be read to the end"),
        "{stderr}"
    );
    // What was read and what the lost slice holds add up to the truth.
    let lost = json_of(&flow(&w.moto.url, hour2, hour3, "1", &[]));
    assert!(lost["inputs"]["flow"]["records"].as_u64().unwrap() > 0);
    assert_eq!(
        r["inputs"]["flow"]["records"].as_u64().unwrap() + lost["inputs"]["flow"]["records"].as_u64().unwrap(),
        w.truth["flow_records"].as_u64().unwrap()
    );
    // Accepted as partial: exit 0, still marked.
    let out = flow(&proxy.url, w.start, w.start + 3 * 3600, "3", &["--allow-partial"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json_of(&out)["inputs"]["partial"], true);
}

/// Credentials without `ec2:DescribeFlowLogs` (the proxy answers it 403):
/// the custom-format flow log in CloudWatch Logs is not read in the default
/// format, line after malformed line; the run stops with one error saying
/// what to grant or give, and `--flow-log-format` reads it.
#[test]
fn a_denied_flow_log_format_stops_with_the_fix_and_the_flag_reads_the_group() {
    let w = world();
    let proxy = FaultProxy::start(&w.moto, "deny", "DescribeFlowLogs");
    let run = |extra: &[&str]| {
        w.moto
            .cmd()
            .env("AWS_ENDPOINT_URL", &proxy.url)
            .args(["analyze", "--no-insights", "--format", "json", "-q"])
            .args(["--flow-logs", "cloudwatch:///vpce/flow"])
            .args(["--since", &w.since, "--until", &w.until])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let fields = w.ids["flow_format"].as_str().unwrap().split_whitespace().count();
    assert_ne!(fields, 14, "the fixture's format is a custom one");
    for part in [
        "/vpce/flow".to_string(),
        format!("{fields} fields"),
        "ec2:DescribeFlowLogs".into(),
        "--flow-log-format".into(),
    ] {
        assert!(err.contains(&part), "{part} missing: {err}");
    }
    assert_eq!(err.matches("error:").count(), 1, "one error: {err}");
    assert!(out.stdout.is_empty(), "no report from misread records");

    let out = run(&["--flow-log-format", w.ids["flow_format"].as_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r = json_of(&out);
    assert_eq!(r["inputs"]["flow"]["records"], w.truth["flow_records"]);
    assert_eq!(r["inputs"]["malformed"], 0);
    assert!(
        !r["warnings"].to_string().contains("DescribeFlowLogs"),
        "the given format needs no lookup: {}",
        r["warnings"]
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// Resolver logs that name no Region (the `region` field is optional), in a
/// bucket of `region`: `sts.amazonaws.com` is classified in the asking VPC's
/// Region, which only the AWS configuration can give here.
fn bucket_of_logs_without_a_region(moto: &Moto, bucket: &str, region: &str) -> String {
    let record = |t: &str| {
        format!(
            r#"{{"version":"1.100000","account_id":"123456789012","vpc_id":"vpc-0a1b2c3d4e5f60718","query_timestamp":"{t}","query_name":"sts.amazonaws.com.","query_type":"A","query_class":"IN","rcode":"NOERROR","answers":[{{"Rdata":"52.94.0.1","Type":"A","Class":"IN"}}],"srcaddr":"10.0.1.5","srcport":"40000","transport":"UDP","srcids":{{"instance":"i-0a"}}}}"#
        )
    };
    let body = format!(
        "{}\n{}\n",
        record("2026-11-01T00:00:00Z"),
        record("2026-11-01T05:00:00Z")
    );
    let script = r#"
import sys, boto3
endpoint, region, bucket, body = sys.argv[1:5]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name=region,
                  aws_access_key_id="testing", aws_secret_access_key="testing")
s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
s3.put_object(Bucket=bucket, Key="resolver/queries.log", Body=body.encode())
"#;
    let out = std::process::Command::new(moto.python())
        .args(["-c", script, &moto.url, region, bucket, &body])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    format!("s3://{bucket}/resolver/")
}

#[test]
fn a_region_from_the_aws_configuration_prices_what_it_classifies() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(&config, "[profile west]\nregion = eu-west-2\n").unwrap();
    // `region`: AWS_REGION (else none: the profile's); `extra`: after `analyze`.
    let analyze = |region: Option<&str>, extra: &[&str], url: &str| -> Value {
        let mut c = moto.cmd();
        c.env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .env("AWS_CONFIG_FILE", &config);
        if let Some(r) = region {
            c.env("AWS_REGION", r);
        }
        let out = c
            .args(["analyze", "--format", "json", "-q", "--dns-logs", url])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        json_of(&out)
    };
    let check = |r: &Value, region: &str, how: &str| {
        assert_eq!(
            r["network"]["vpcs"][0]["region"],
            Value::Null,
            "{how}: the logs name no Region"
        );
        assert_eq!(service(r, "sts")["region"], region, "{how}: catalogue");
        assert_eq!(r["pricing"]["region"], region, "{how}: prices");
        assert!(
            !r["warnings"].to_string().contains("not priced"),
            "{how}: {}",
            r["warnings"]
        );
    };
    let west1 = bucket_of_logs_without_a_region(&moto, "logs-west-1", "eu-west-1");
    let west2 = bucket_of_logs_without_a_region(&moto, "logs-west-2", "eu-west-2");

    // AWS_REGION, no --region.
    check(&analyze(Some("eu-west-1"), &[], &west1), "eu-west-1", "AWS_REGION");
    // A profile's Region in AWS_CONFIG_FILE, no AWS_REGION, no --region.
    check(&analyze(None, &["--profile", "west"], &west2), "eu-west-2", "profile");
    // --region wins over the AWS configuration, for both.
    check(
        &analyze(Some("eu-west-2"), &["--region", "eu-west-1"], &west1),
        "eu-west-1",
        "--region",
    );
}
