//! End-to-end tests of the binary: every command, every error path.

use std::io::Write;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn bin() -> Command {
    Command::cargo_bin("vpce-advisor").unwrap()
}

fn simulate(dir: &Path, hours: u32, instances: u32, seed: u64) -> Value {
    bin()
        .args([
            "simulate",
            dir.to_str().unwrap(),
            "--hours",
            &hours.to_string(),
            "--instances",
            &instances.to_string(),
            "--seed",
            &seed.to_string(),
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("truth in"));
    serde_json::from_slice(&std::fs::read(dir.join("truth.json")).unwrap()).unwrap()
}

fn analyze_json(args: &[&str]) -> Value {
    let out = bin()
        .arg("analyze")
        .args(args)
        .args(["--format", "json", "--quiet"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A truth to check against: services with queries and bytes through NAT and
/// through the endpoint, labels, and per-service NAT bytes that add up.
fn assert_truth_has_content(truth: &Value) {
    let services = truth["services"].as_object().unwrap();
    let sum = |of: &serde_json::Map<String, Value>, f: &str| of.values().map(|s| s[f].as_u64().unwrap()).sum::<u64>();
    assert!(services.len() >= 5, "{services:?}");
    assert!(services.values().all(|s| s["query_count"].as_u64().unwrap() > 0));
    assert!(sum(services, "bytes_via_nat") > 0 && sum(services, "bytes_via_endpoint") > 0);
    let unattributed = truth["unattributed"].as_object().unwrap();
    assert!(!unattributed.is_empty());
    assert_eq!(
        sum(services, "bytes_via_nat") + sum(unattributed, "bytes_via_nat"),
        truth["total_bytes_via_nat"].as_u64().unwrap()
    );
    assert!(truth["flow_records"].as_u64().unwrap() > 0 && truth["dns_records"].as_u64().unwrap() > 0);
}

/// The analysis of simulated logs must find exactly what the generator put in.
#[test]
fn simulate_then_analyze_matches_the_truth() {
    for (hours, instances, seed) in [(3, 6, 42), (2, 10, 7)] {
        let dir = tempfile::tempdir().unwrap();
        let truth = simulate(dir.path(), hours, instances, seed);
        assert_truth_has_content(&truth);
        let logs = dir.path().join("AWSLogs");
        let r = analyze_json(&[
            "--dns-logs",
            logs.to_str().unwrap(),
            "--flow-logs",
            logs.to_str().unwrap(),
        ]);
        let services = r["services"].as_array().unwrap();
        // The report names no service the data set does not have.
        for got in services {
            let key = format!(
                "{}@{}",
                got["service"].as_str().unwrap(),
                got["region"].as_str().unwrap()
            );
            assert!(truth["services"].get(&key).is_some(), "{key} is not in the truth");
        }
        for (key, want) in truth["services"].as_object().unwrap() {
            let (svc, region) = key.split_once('@').unwrap();
            let got = services
                .iter()
                .find(|s| s["service"] == svc && s["region"] == region)
                .unwrap_or_else(|| panic!("{key} missing from the report"));
            for field in [
                "bytes_via_nat",
                "bytes_via_endpoint",
                "bytes_other",
                "query_count",
                "endpoint_exists",
            ] {
                assert_eq!(got[field], want[field], "{key}.{field} (seed {seed})");
            }
        }
        for (label, want) in truth["unattributed"].as_object().unwrap() {
            let got = r["unattributed"]
                .as_array()
                .unwrap()
                .iter()
                .find(|u| u["label"] == label.as_str())
                .unwrap();
            assert_eq!(got["bytes_via_nat"], want["bytes_via_nat"], "{label}");
            assert_eq!(got["bytes_other"], want["bytes_other"], "{label}");
        }
        assert_eq!(r["totals"]["bytes_via_nat"], truth["total_bytes_via_nat"]);
        assert_eq!(r["inputs"]["flow"]["records"], truth["flow_records"]);
        assert_eq!(r["inputs"]["dns"]["records"], truth["dns_records"]);
        assert_eq!(r["inputs"]["malformed"], 0);
        assert_eq!(r["network"]["nat_gateways"][0]["private_ip"], truth["nat_private_ip"]);
        assert_eq!(
            r["network"]["nat_gateways"][0]["interface_id"],
            truth["nat_interface_id"]
        );
        assert_eq!(r["network"]["nat_gateways"][0]["source"], "inferred");
        assert_eq!(r["network"]["vpc_cidrs"][0], truth["vpc_cidr"]);
        assert_eq!(r["network"]["nat_bytes_counted_on"], "nat-gateway-interface");
        assert!(r["totals"]["bytes_deduplicated"].as_u64().unwrap() > 0);
        // Ranked by monthly savings; the priced inputs are stated.
        let savings: Vec<f64> = services
            .iter()
            .map(|s| s["monthly_savings_usd"].as_f64().unwrap_or(f64::NEG_INFINITY))
            .collect();
        assert!(savings.windows(2).all(|w| w[0] >= w[1]), "{savings:?}");
        assert_eq!(r["pricing"]["region"], "us-east-1");
        assert_eq!(r["pricing"]["month_hours"], 730.0);
        assert_eq!(r["services"][0]["service"], "s3");
        assert_eq!(r["services"][0]["recommendation"], "create-gateway");
        let logs = services.iter().find(|s| s["service"] == "logs").unwrap();
        assert_eq!(logs["recommendation"], "exists");
        // Hostnames carry their own counts.
        let sts = services.iter().find(|s| s["service"] == "sts").unwrap();
        let global = sts["hostnames"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == "sts.amazonaws.com")
            .unwrap();
        assert_eq!(global["query_count"], truth["hostnames"]["sts.amazonaws.com"]);
        assert_eq!(global["private_dns_covers"], false);
    }
}

/// The folder `simulate` wrote can be given whole: its truth.json is listed as
/// not a log, and the analysis is the same as of its AWSLogs folder.
#[test]
fn the_simulated_folder_can_be_analyzed_whole() {
    let dir = tempfile::tempdir().unwrap();
    let truth = simulate(dir.path(), 1, 3, 5);
    let whole = dir.path().to_str().unwrap();
    let r = analyze_json(&["--dns-logs", whole, "--flow-logs", whole]);
    assert_eq!(r["inputs"]["malformed"], 0, "{}", r["inputs"]);
    assert!(
        r["inputs"]["file_errors"].as_array().unwrap().is_empty(),
        "{}",
        r["inputs"]
    );
    assert_eq!(r["inputs"]["flow"]["records"], truth["flow_records"]);
    assert_eq!(r["inputs"]["dns"]["records"], truth["dns_records"]);
    assert_eq!(r["totals"]["bytes_via_nat"], truth["total_bytes_via_nat"]);
    let warnings = r["warnings"].to_string();
    assert!(
        warnings.contains("neither Resolver query logs nor VPC flow logs") && warnings.contains("truth.json"),
        "{warnings}"
    );
}

#[test]
fn instance_side_counting_when_the_nat_interface_is_not_logged() {
    // Keep only records of instance interfaces: NAT bytes come from the
    // instances' egress with traffic-path 1 and their replies.
    let dir = tempfile::tempdir().unwrap();
    let truth = simulate(dir.path(), 2, 4, 3);
    let logs = dir.path().join("AWSLogs");
    let flows = dir.path().join("instances-only.log");
    let mut text = String::new();
    for entry in walk(&logs.join("123456789012/vpcflowlogs")) {
        let mut s = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(std::fs::File::open(entry).unwrap()),
            &mut s,
        )
        .unwrap();
        for (i, line) in s.lines().enumerate() {
            if (i == 0 && text.is_empty()) || (i > 0 && !line.contains("eni-0nat")) {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    std::fs::write(&flows, text).unwrap();
    let r = analyze_json(&[
        "--dns-logs",
        logs.to_str().unwrap(),
        "--flow-logs",
        flows.to_str().unwrap(),
    ]);
    assert_eq!(r["network"]["nat_bytes_counted_on"], "instance-interfaces");
    assert_eq!(r["totals"]["bytes_via_nat"], truth["total_bytes_via_nat"]);
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn seed_json_has_the_original_lambda_shape() {
    let dir = tempfile::tempdir().unwrap();
    simulate(dir.path(), 1, 4, 42);
    let logs = dir.path().join("AWSLogs");
    let out = bin()
        .args([
            "analyze",
            "--dns-logs",
            logs.to_str().unwrap(),
            "--format",
            "seed-json",
            "--top",
            "5",
            "--quiet",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let obj = v.as_object().unwrap();
    assert_eq!(obj.len(), 5);
    for (name, entry) in obj {
        assert!(!name.ends_with('.'));
        let keys: Vec<&String> = entry.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["answers", "endpoint_exists", "endpoint_supported", "queryCount"]);
        assert!(entry["queryCount"].is_string());
        assert!(entry["queryCount"].as_str().unwrap().parse::<u64>().is_ok());
    }
    let logs_entry = obj
        .get("ssm.us-east-1.amazonaws.com")
        .expect("ssm is among the most queried");
    assert_eq!(logs_entry["endpoint_supported"], true);
}

#[test]
fn table_output_and_output_file() {
    let dir = tempfile::tempdir().unwrap();
    simulate(dir.path(), 1, 3, 1);
    let logs = dir.path().join("AWSLogs");
    let out_file = dir.path().join("report.txt");
    bin()
        .args([
            "analyze",
            "--dns-logs",
            logs.to_str().unwrap(),
            "--flow-logs",
            logs.to_str().unwrap(),
            "--top",
            "3",
            "-o",
            out_file.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains("Resolver records"));
    let text = std::fs::read_to_string(out_file).unwrap();
    assert!(text.contains("com.amazonaws.us-east-1.s3"), "{text}");
    assert!(text.contains("more services; --top 0 shows all"), "{text}");
    assert!(text.contains("0 malformed lines"), "{text}");
    assert!(text.contains("NAT bytes counted on: nat-gateway-interface"));
    // GB columns are the analysed window's; dollar columns are monthly.
    assert!(
        text.contains("GB via NAT (window)") && text.contains("GB via endpoint (window)"),
        "{text}"
    );
    assert!(text.contains("$/mo now"), "{text}");
}

#[test]
fn require_private_totals_show_the_net_change() {
    let dir = tempfile::tempdir().unwrap();
    simulate(dir.path(), 2, 4, 7);
    let logs = dir.path().join("AWSLogs");
    let l = logs.to_str().unwrap();
    let required = ["--require-private", "ssm,ssmmessages,ec2messages,sts"];
    let r = analyze_json(&[&["--dns-logs", l, "--flow-logs", l][..], &required[..]].concat());
    let c = &r["costs"];
    let savings = c["savings_if_all_applied_usd"].as_f64().unwrap();
    let net = c["net_savings_if_all_applied_usd"].as_f64().unwrap();
    // The net is every create-* saving, the required endpoints' negative ones included.
    let sum: f64 = r["services"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["recommendation"] == "create-gateway" || s["recommendation"] == "create-interface")
        .map(|s| s["monthly_savings_usd"].as_f64().unwrap())
        .sum();
    assert!((net - sum).abs() < 1e-6, "{net} vs {sum}");
    assert!(
        net < savings - 1.0,
        "four small required endpoints cost more than they save: {net} vs {savings}"
    );
    let out = bin()
        .args(["analyze", "--dns-logs", l, "--flow-logs", l, "--quiet"])
        .args(required)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let shown = if net >= 0.0 {
        format!("a net saving of ${net:.2} a month")
    } else {
        format!("a net cost of ${:.2} a month", -net)
    };
    assert!(
        text.contains(&format!(
            "applied: ${savings:.2}; with the cost of the endpoints --require-private adds, {shown}"
        )),
        "{text}"
    );
}

#[test]
fn demo_prints_the_table_and_the_next_step() {
    bin()
        .arg("demo")
        .assert()
        .success()
        .stdout(predicate::str::contains("com.amazonaws.us-east-1.s3"))
        .stdout(predicate::str::contains("com.amazonaws.us-east-1.logs"))
        .stdout(predicate::str::contains("vpce-advisor analyze --dns-logs"));
    let out = bin()
        .args(["demo", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["services"][0]["service"], "s3");
    let logs = v["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == "logs")
        .unwrap();
    assert_eq!(logs["endpoint_exists"], true);
    assert!(logs["endpoint_exists_evidence"][0]
        .as_str()
        .unwrap()
        .contains("10.0.1.200"));
}

#[test]
fn explain_json_and_table() {
    let out = bin()
        .args([
            "explain",
            "--format",
            "json",
            "SSM.US-EAST-1.AMAZONAWS.COM.",
            "sts.amazonaws.com",
            "mybucket.s3.eu-west-1.amazonaws.com",
            "mydb.abc.us-east-1.rds.amazonaws.com",
            "vpce-01-ab.ssm.us-east-1.vpce.amazonaws.com",
            "amazonaws.com.evil.example",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let a = v.as_array().unwrap();
    assert_eq!(a.len(), 6);
    let kinds: Vec<&str> = a.iter().map(|x| x["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["service", "service", "service", "resource", "endpoint-dns", "not-aws"]
    );
    assert_eq!(a[0]["hostname"], "ssm.us-east-1.amazonaws.com");
    assert_eq!(a[0]["endpoint_service_name"], "com.amazonaws.us-east-1.ssm");
    assert_eq!(a[0]["endpoint_types"][0], "Interface");
    assert_eq!(a[0]["private_dns_covers"], true);
    assert_eq!(a[1]["private_dns_covers"], false);
    assert!(a[1]["notes"][0].as_str().unwrap().contains("regional"));
    assert_eq!(a[2]["endpoint_service_name"], "com.amazonaws.eu-west-1.s3");
    assert_eq!(a[3]["endpoint_service_name"], Value::Null);
    assert_eq!(a[5]["service"], Value::Null);
    bin()
        .args(["explain", "sts.amazonaws.com", "--region", "eu-west-1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("com.amazonaws.eu-west-1.sts"))
        .stdout(predicate::str::contains("legacy global STS name"));
}

#[test]
fn malformed_lines_are_reported_and_the_run_goes_on_unless_strict() {
    let dir = tempfile::tempdir().unwrap();
    let dns = dir.path().join("dns.log");
    std::fs::write(
        &dns,
        concat!(
            "{\"query_name\":\"ssm.us-east-1.amazonaws.com.\",\"query_timestamp\":\"2026-11-01T00:00:00Z\",\"vpc_id\":\"vpc-1\",\"region\":\"us-east-1\",\"answers\":[{\"Rdata\":\"52.46.141.1\",\"Type\":\"A\",\"Class\":\"IN\"}]}\n",
            "{\"query_name\": \n",
            "{\"query_name\":\"sts.us-east-1.amazonaws.com.\",\"query_timestamp\":\"2026-11-01T00:01:00Z\"}\n",
            "{\"broken\" 1}\n",
        ),
    )
    .unwrap();
    let flows = dir.path().join("flows.log");
    std::fs::write(
        &flows,
        "2 123456789012 eni-1 10.0.1.5 52.46.141.1 40000 443 6 10 5000 1793491200 1793491260 ACCEPT OK\n2 123456789012 eni-1 10.0.1.5 999.1.1.1 40000 443 6 10 5000 1793491200 1793491260 ACCEPT OK\n",
    )
    .unwrap();
    let (d, f) = (dns.to_str().unwrap(), flows.to_str().unwrap());
    let r = analyze_json(&["--dns-logs", d, "--flow-logs", f, "--nat-ip", "10.0.1.5"]);
    assert_eq!(r["inputs"]["malformed"], 3, "{}", r["inputs"]);
    let ex = r["inputs"]["malformed_examples"].as_array().unwrap();
    assert!(
        ex.iter()
            .any(|m| m["file"].as_str().unwrap().ends_with("dns.log") && m["line"] == 2),
        "{ex:?}"
    );
    assert!(
        ex.iter().any(|m| m["file"].as_str().unwrap().ends_with("flows.log")
            && m["line"] == 2
            && m["reason"].as_str().unwrap().contains("dstaddr")),
        "{ex:?}"
    );
    assert_eq!(r["inputs"]["dns"]["records"], 2);
    assert_eq!(r["inputs"]["flow"]["records"], 1);
    bin()
        .args(["analyze", "--dns-logs", d, "--flow-logs", f, "--strict"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("--strict:").and(predicate::str::contains(":2:")));
}

#[test]
fn truncated_gzip_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let text = "{\"query_name\":\"ssm.us-east-1.amazonaws.com.\",\"query_timestamp\":\"2026-11-01T00:00:00Z\"}\n"
        .repeat(20_000);
    let data = gz(text.as_bytes());
    let cut = dir.path().join("cut.log.gz");
    std::fs::write(&cut, &data[..data.len() * 2 / 3]).unwrap();
    // Partial: named, and exit 1 unless accepted.
    let assert = bin()
        .args(["analyze", "--dns-logs", cut.to_str().unwrap()])
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        err.contains("cut.log.gz") && err.contains("truncated or corrupt gzip") && err.contains("partial"),
        "{err}"
    );
    bin()
        .args(["analyze", "--dns-logs", cut.to_str().unwrap(), "--allow-partial"])
        .assert()
        .success();
    bin()
        .args(["analyze", "--dns-logs", cut.to_str().unwrap(), "--strict"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("truncated or corrupt gzip"));
}

/// `iac` from logs that could not all be read writes nothing (its endpoints
/// would be chosen from part of the traffic) unless `--allow-partial`; a
/// saved partial report is refused the same way.
#[test]
fn iac_from_partial_inputs_writes_nothing_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    simulate(dir.path(), 2, 4, 3);
    let logs = dir.path().join("AWSLogs");
    let flow = walk(&logs)
        .into_iter()
        .find(|p| p.to_string_lossy().contains("vpcflowlogs") && p.to_string_lossy().ends_with(".gz"))
        .unwrap();
    let data = std::fs::read(&flow).unwrap();
    std::fs::write(&flow, &data[..data.len() / 2]).unwrap();
    let l = logs.to_str().unwrap();
    let out = dir.path().join("tf");
    let iac = |extra: &[&str]| {
        bin()
            .args(["iac", "--dns-logs", l, "--flow-logs", l, "--only", "s3", "-q"])
            .args(["--route-table-ids", "rtb-1", "-o", out.to_str().unwrap()])
            .args(extra)
            .output()
            .unwrap()
    };
    let refused = iac(&[]);
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("partial") && err.contains("no files were written") && err.contains("--allow-partial"),
        "{err}"
    );
    assert!(!out.exists(), "nothing written");
    let allowed = iac(&["--allow-partial"]);
    assert!(allowed.status.success(), "{}", String::from_utf8_lossy(&allowed.stderr));
    assert!(out.join("main.tf").exists());

    // A saved partial report (analyze --allow-partial) is refused by iac --report too.
    let report = dir.path().join("report.json");
    bin()
        .args(["analyze", "--dns-logs", l, "--flow-logs", l, "--allow-partial", "-q"])
        .args(["--format", "json", "-o", report.to_str().unwrap()])
        .assert()
        .success();
    let out2 = dir.path().join("tf2");
    bin()
        .args(["iac", "--report", report.to_str().unwrap(), "--only", "s3"])
        .args(["--route-table-ids", "rtb-1", "-o", out2.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("partial"));
    assert!(!out2.exists());
}

#[test]
fn unknown_flow_log_field_lists_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f.log");
    std::fs::write(
        &f,
        "version srcaddr dstaddr bytes start frobnicate\n5 10.0.1.5 52.1.1.1 100 1793491200 x\n",
    )
    .unwrap();
    bin()
        .args(["analyze", "--flow-logs", f.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("unknown flow-log field 'frobnicate'")
                .and(predicate::str::contains("pkt-dst-aws-service"))
                .and(predicate::str::contains("--allow-unknown-fields")),
        );
    bin()
        .args([
            "analyze",
            "--flow-logs",
            f.to_str().unwrap(),
            "--allow-unknown-fields",
            "--quiet",
        ])
        .assert()
        .success();
    bin()
        .args([
            "analyze",
            "--flow-logs",
            f.to_str().unwrap(),
            "--flow-log-format",
            "${version} ${nope}",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--flow-log-format").and(predicate::str::contains("'${nope}'")));
}

#[test]
fn headerless_flow_logs_with_a_format_string() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("cwl.log");
    std::fs::write(
        &f,
        "eni-1 10.0.1.5 52.216.1.1 7000 1793491200 1 S3\neni-1 52.216.1.1 10.0.1.5 3000 1793491200 - -\n",
    )
    .unwrap();
    let r = analyze_json(&[
        "--flow-logs",
        f.to_str().unwrap(),
        "--flow-log-format",
        "${interface-id} ${srcaddr} ${dstaddr} ${bytes} ${start} ${traffic-path} ${pkt-dst-aws-service}",
    ]);
    let s3 = &r["services"][0];
    assert_eq!(s3["service"], "s3");
    assert_eq!(s3["attribution"][0], "ip-range");
    assert_eq!(s3["bytes_via_nat"], 10_000);
    assert_eq!(r["network"]["nat_bytes_counted_on"], "instance-interfaces");
}

#[test]
fn a_file_of_the_wrong_type_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let flow = dir.path().join("flow.log");
    std::fs::write(&flow, "version srcaddr dstaddr bytes\n2 10.0.0.1 52.1.1.1 5\n").unwrap();
    let junk = dir.path().join("junk.bin");
    std::fs::write(&junk, [0u8, 159, 146, 150, 255, 10]).unwrap();
    bin()
        .args(["analyze", "--dns-logs", flow.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a Resolver query log").and(predicate::str::contains("use --flow-logs")));
    bin()
        .args(["analyze", "--flow-logs", junk.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a VPC flow log").and(predicate::str::contains("neither")));
}

#[test]
fn argument_errors() {
    bin()
        .arg("analyze")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nothing to analyse"));
    bin()
        .args(["analyze", "--dns-logs", "/nonexistent/path"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/path"));
    bin()
        .args(["analyze", "--flow-logs", ".", "--vpc-cidr", "10.0.0.0/99"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("prefix length"));
    for open in ["0.0.0.0/0", "::/0"] {
        bin()
            .args(["iac", "--report", "r.json", "--client-cidr", open])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "--client-cidr {open} is wider than any private network"
            )));
    }
    bin()
        .args(["analyze", "--flow-logs", ".", "--nat-ip", "nat"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not an IP address"));
    bin()
        .args(["analyze", "--flow-logs", ".", "--since", "yesterday"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("RFC 3339"));
    bin()
        .args([
            "analyze",
            "--flow-logs",
            ".",
            "--since",
            "2026-11-02",
            "--until",
            "2026-11-01",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--until must be after --since"));
    bin().args(["explain"]).assert().code(2);
    bin()
        .args(["explain", "x", "--catalog", "/nonexistent.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nonexistent.json"));
    bin().args(["bogus"]).assert().code(2);
    bin()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("analyze"));
}

#[test]
fn since_until_restrict_the_window() {
    let dir = tempfile::tempdir().unwrap();
    simulate(dir.path(), 3, 3, 5);
    let logs = dir.path().join("AWSLogs");
    let l = logs.to_str().unwrap();
    let all = analyze_json(&["--dns-logs", l, "--flow-logs", l]);
    let part = analyze_json(&[
        "--dns-logs",
        l,
        "--flow-logs",
        l,
        "--since",
        "2026-11-01T01:00:00Z",
        "--until",
        "2026-11-01T02:00:00Z",
    ]);
    assert_eq!(part["window"]["hours"], 1.0);
    assert_eq!(part["window"]["source"], "given");
    assert!(part["inputs"]["flow"]["outside_window"].as_u64().unwrap() > 0);
    let (a, p) = (
        all["totals"]["bytes_via_nat"].as_u64().unwrap(),
        part["totals"]["bytes_via_nat"].as_u64().unwrap(),
    );
    assert!(p > 0 && p < a, "{p} {a}");
}

#[test]
fn cloudwatch_envelopes_and_filter_log_events_output() {
    let dir = tempfile::tempdir().unwrap();
    let rec = r#"{"version":"1.100000","account_id":"1","region":"us-east-1","vpc_id":"vpc-1","query_timestamp":"2026-11-01T00:00:00Z","query_name":"kinesis.us-east-1.amazonaws.com.","query_type":"A","query_class":"IN","rcode":"NOERROR","answers":[{"Rdata":"52.46.144.5","Type":"A","Class":"IN"}],"srcaddr":"10.0.1.5","srcport":53000,"transport":"UDP","srcids":{}}"#;
    let env = serde_json::json!({"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"logEvents":[{"id":"1","timestamp":1,"message":rec}]});
    let ctrl = r#"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[]}"#;
    let firehose = dir.path().join("firehose-object");
    std::fs::write(&firehose, gz(format!("{env}{ctrl}{env}").as_bytes())).unwrap();
    let filter = dir.path().join("filter.json");
    std::fs::write(&filter, serde_json::to_string_pretty(&serde_json::json!({"events":[{"logStreamName":"s","timestamp":1,"message":rec,"ingestionTime":2,"eventId":"e"}],"searchedLogStreams":[]})).unwrap()).unwrap();
    let r = analyze_json(&["--dns-logs", firehose.to_str().unwrap(), filter.to_str().unwrap()]);
    assert_eq!(r["inputs"]["dns"]["records"], 3);
    assert_eq!(r["services"][0]["service"], "kinesis-streams");
    assert_eq!(r["services"][0]["query_count"], 3);
}

#[test]
fn ipv6_flows_with_a_vpc_cidr() {
    // An IPv6 VPC address to an S3 IPv6 address through an egress-only
    // internet gateway (traffic-path 8): S3 by range, not through NAT.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("v6.log");
    std::fs::write(
        &f,
        "version interface-id srcaddr dstaddr bytes start traffic-path flow-direction\n\
         5 eni-1 2600:1f18:abc:10::5 2600:1f60:8000::10 6000 1793491200 8 egress\n\
         5 eni-1 2600:1f60:8000::10 2600:1f18:abc:10::5 9000 1793491200 - ingress\n",
    )
    .unwrap();
    let r = analyze_json(&[
        "--flow-logs",
        f.to_str().unwrap(),
        "--vpc-cidr",
        "2600:1f18:abc::/56",
        "--region",
        "us-east-1",
    ]);
    let s3 = &r["services"][0];
    assert_eq!(s3["service"], "s3");
    assert_eq!(s3["bytes_other_breakdown"]["internet_gateway"], 15_000);
    assert_eq!(s3["bytes_via_nat"], 0);
    assert_eq!(r["network"]["vpc_cidrs"][0], "2600:1f18:abc::/56");
}

#[test]
fn pricing_command_and_overrides() {
    bin()
        .args(["pricing", "--region", "eu-central-1"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("eu-central-1")
                .and(predicate::str::contains("0.052"))
                .and(predicate::str::contains("2026-09-09")),
        )
        .stdout(predicate::str::contains("us-east-1").not());
    bin()
        .args(["pricing", "--region", "mars-north-1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("known Regions: ").and(predicate::str::contains("us-east-1")));
    let out = bin()
        .args(["pricing", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(table["format"], "vpce-advisor-pricing/1");

    // A user table: NAT at $100/GB makes every interface endpoint worth it.
    let dir = tempfile::tempdir().unwrap();
    let mut custom = table.clone();
    custom["regions"]["us-east-1"]["nat_usd_per_gb"] = serde_json::json!(100.0);
    custom["as_of"] = serde_json::json!("2030-01-01");
    let pricing = dir.path().join("prices.json");
    std::fs::write(&pricing, custom.to_string()).unwrap();
    simulate(dir.path(), 2, 4, 42);
    let logs = dir.path().join("AWSLogs");
    let l = logs.to_str().unwrap();
    let r = analyze_json(&[
        "--dns-logs",
        l,
        "--flow-logs",
        l,
        "--pricing",
        pricing.to_str().unwrap(),
        "--azs",
        "3",
        "--require-private",
        "ssm,sts",
    ]);
    assert_eq!(r["pricing"]["table_as_of"], "2030-01-01");
    assert_eq!(r["pricing"]["nat_usd_per_gb"], 100.0);
    assert_eq!(r["pricing"]["azs"], 3);
    assert_eq!(r["pricing"]["azs_source"], "--azs");
    let svc = |name: &str| {
        r["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["service"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(svc("kinesis-streams")["recommendation"], "create-interface");
    let ssm = svc("ssm");
    assert_eq!(ssm["recommendation"], "create-interface");
    assert!(ssm["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x.as_str().unwrap().contains("Session Manager")));
    // The global STS name is not covered by private DNS: part of sts stays on NAT.
    let sts = svc("sts");
    assert!(sts["bytes_via_nat_not_covered"].as_u64().unwrap() > 0);
    assert!(sts["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x.as_str().unwrap().contains("AWS_STS_REGIONAL_ENDPOINTS")));

    // A Region the price table lacks does not stop analyze or iac: the
    // traffic is reported, costs are null, a warning says how to give prices,
    // and the free gateway endpoints are still written.
    let mut without = table.clone();
    without["regions"].as_object_mut().unwrap().remove("us-east-1");
    let pricing = dir.path().join("no-us-east-1.json");
    std::fs::write(&pricing, without.to_string()).unwrap();
    let p = pricing.to_str().unwrap();
    let r = analyze_json(&["--dns-logs", l, "--flow-logs", l, "--pricing", p]);
    assert!(r["costs"].is_null() && r["pricing"].is_null(), "{}", r["costs"]);
    assert!(r["totals"]["bytes_via_nat"].as_u64().unwrap() > 0);
    assert!(r["services"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["monthly_cost_now_usd"].is_null()));
    let warned = r["warnings"].as_array().unwrap().iter().any(|w| {
        let w = w.as_str().unwrap();
        w.contains("no prices for us-east-1") && w.contains("--pricing FILE")
    });
    assert!(warned, "{}", r["warnings"]);
    bin()
        .args(["analyze", "--dns-logs", l, "--flow-logs", l, "--pricing", p, "--quiet"])
        .assert()
        .success()
        .stdout(predicate::str::contains("create-gateway").and(predicate::str::contains("$/mo now").not()));
    let out = dir.path().join("iac-unpriced");
    bin()
        .args(["iac", "--dns-logs", l, "--flow-logs", l, "--pricing", p, "--quiet"])
        .args([
            "--subnet-ids",
            "subnet-1",
            "--route-table-ids",
            "rtb-1",
            "-o",
            out.to_str().unwrap(),
        ])
        .assert()
        .success();
    let main = std::fs::read_to_string(out.join("main.tf")).unwrap();
    assert!(main.contains("resource \"aws_vpc_endpoint\" \"s3_gateway\""), "{main}");
    assert!(
        !main.contains("\"Interface\""),
        "no interface endpoint without prices: {main}"
    );
}

#[test]
fn iac_and_setup_write_files_and_explain_mistakes() {
    let dir = tempfile::tempdir().unwrap();
    simulate(dir.path(), 2, 60, 3);
    let logs = dir.path().join("AWSLogs");
    let l = logs.to_str().unwrap();
    let report = dir.path().join("report.json");
    bin()
        .args([
            "analyze",
            "--dns-logs",
            l,
            "--flow-logs",
            l,
            "--format",
            "json",
            "-o",
            report.to_str().unwrap(),
            "--quiet",
        ])
        .assert()
        .success();
    let r = report.to_str().unwrap();

    // From a saved report, and straight from the logs: the same module.
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    bin()
        .args([
            "iac",
            "--report",
            r,
            "--subnet-ids",
            "subnet-1,subnet-2",
            "--route-table-ids",
            "rtb-1",
            "-o",
            a.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("wrote").and(predicate::str::contains("com.amazonaws.us-east-1.s3")));
    bin()
        .args([
            "iac",
            "--dns-logs",
            l,
            "--flow-logs",
            l,
            "--quiet",
            "--subnet-ids",
            "subnet-1,subnet-2",
            "--route-table-ids",
            "rtb-1",
            "-o",
            b.to_str().unwrap(),
        ])
        .assert()
        .success();
    for f in ["main.tf", "variables.tf", "outputs.tf", "versions.tf"] {
        assert_eq!(
            std::fs::read_to_string(a.join(f)).unwrap(),
            std::fs::read_to_string(b.join(f)).unwrap(),
            "{f}"
        );
    }
    let main = std::fs::read_to_string(a.join("main.tf")).unwrap();
    assert!(main.contains("resource \"aws_vpc_endpoint\" \"s3_gateway\""));
    assert!(main.contains("# create-gateway: "));
    let c = dir.path().join("c");
    bin()
        .args([
            "iac",
            "--report",
            r,
            "--format",
            "cloudformation",
            "--only",
            "ssm",
            "-o",
            c.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("set the SubnetIds parameters"));
    let cfn = std::fs::read_to_string(c.join("vpc-endpoints.yaml")).unwrap();
    assert!(
        cfn.contains("com.amazonaws.${AWS::Region}.ssm") && !cfn.contains("s3"),
        "{cfn}"
    );

    bin()
        .args(["iac", "-o", dir.path().join("x").to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--report FILE"));
    bin()
        .args(["iac", "--report", r, "--policy", "org"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--org-id"));
    bin()
        .args(["iac", "--report", r, "--only", "nosuch"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nosuch"));
    bin()
        .args(["iac", "--report", r, "--live", "--vpc-id", "vpc-1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("analyze --live --format json"));
    let not_a_report = dir.path().join("truth.json");
    bin()
        .args(["iac", "--report", not_a_report.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a vpce-advisor JSON report"));

    let s = dir.path().join("s");
    bin()
        .args([
            "setup",
            "--vpc-id",
            "vpc-0a1b2c3d4e5f60718",
            "--report",
            r,
            "-o",
            s.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("Collect at least 7 days").and(predicate::str::contains("GB of flow logs")));
    let main = std::fs::read_to_string(s.join("main.tf")).unwrap();
    assert!(main.contains("$${pkt-dstaddr}") && main.contains("max_aggregation_interval = 60"));
    bin()
        .args(["setup", "--vpc-id", "vpc-1", "--destination", "s3"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--bucket"));
    bin()
        .args(["setup", "--vpc-id", "my-vpc"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a VPC ID"));
    let e = dir.path().join("e");
    bin()
        .args([
            "iac",
            "endpoint-service",
            "--nlb-arn",
            "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/n/1",
            "-o",
            e.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("no --allowed-principals"));
    assert!(std::fs::read_to_string(e.join("variables.tf"))
        .unwrap()
        .contains("default     = true"));
}

/// The policy lists exactly the actions the AWS code calls: nothing missing,
/// nothing extra.
#[test]
fn iam_policy_is_exactly_what_the_code_calls() {
    let out = bin()
        .args([
            "iam-policy",
            "--bucket",
            "logs",
            "--prefix",
            "team/",
            "--log-group",
            "/vpc/dns",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let policy: Value = serde_json::from_slice(&out).unwrap();
    let mut in_policy = std::collections::BTreeSet::new();
    for st in policy["Statement"].as_array().unwrap() {
        assert_eq!(st["Effect"], "Allow");
        match &st["Action"] {
            Value::String(a) => {
                in_policy.insert(a.clone());
            }
            Value::Array(a) => in_policy.extend(a.iter().map(|x| x.as_str().unwrap().to_string())),
            other => panic!("{other}"),
        }
    }
    // The AWS shell names each call's action with the typed list; collect
    // the variants its source uses, in every module.
    fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("tests.rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../vpce-aws/src"),
        &mut files,
    );
    let mut used = std::collections::BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for piece in text.split("AwsAction::").skip(1) {
            let variant: String = piece.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            if variant.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
                used.insert(variant);
            }
        }
    }
    // StopQuery is called without an action name (best effort on timeout).
    used.insert("LogsStopQuery".into());
    let called: std::collections::BTreeSet<String> = vpce_model::aws_action::AwsAction::ALL
        .iter()
        .filter(|a| used.contains(&format!("{a:?}")))
        .map(|a| a.name().to_string())
        .collect();
    assert_eq!(
        used.len(),
        called.len(),
        "the shell names actions the typed list lacks: {used:?}"
    );
    assert!(called.len() >= 15, "{called:?}");
    // Exactly the calls made: nothing granted that is never called.
    assert_eq!(called, in_policy);
    let text = policy.to_string();
    assert!(text.contains("arn:aws:s3:::logs/team/*") && text.contains("log-group:/vpc/dns"));
}

#[test]
fn unreachable_and_malformed_endpoints_get_one_clear_line() {
    let aws = |url: &str| {
        let out = bin()
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", url)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE")
            .args(["preflight", "--vpc-id", "vpc-1"])
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).to_string())
    };
    // Nothing listens on port 1 of loopback.
    let (code, err) = aws("http://127.0.0.1:1");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("ec2:DescribeVpcs: could not reach AWS"), "{err}");
    assert!(err.contains("Connection refused"), "{err}");
    assert!(!err.contains("DispatchFailure(") && !err.contains("Request {"), "{err}");
    let (code, err) = aws("htp:/bad");
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("'htp:/bad'") && err.contains("not an http:// or https:// URL"),
        "{err}"
    );
}

/// `terraform init -backend=false` and `terraform validate` on every kind of
/// module the binary writes, against the AWS provider's schema. Needs a
/// `terraform` binary and, as there is no network, the provider in the
/// filesystem mirror /opt/tf-plugins (or `VPCE_TF_PLUGINS`); skipped with a
/// message otherwise.
#[test]
#[allow(clippy::print_stderr)] // a skipped run says why, in the test output
fn terraform_validate_accepts_every_generated_module() {
    let found =
        std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("terraform").is_file()));
    let mirror =
        std::env::var_os("VPCE_TF_PLUGINS").map_or_else(|| Path::new("/opt/tf-plugins").to_path_buf(), Into::into);
    if !found || !mirror.is_dir() {
        eprintln!(
            "skipped: terraform validate needs terraform on PATH and the AWS provider in {} (a filesystem mirror)",
            mirror.display()
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    simulate(dir.path(), 2, 60, 7);
    let logs = dir.path().join("AWSLogs");
    let l = logs.to_str().unwrap();
    let report = dir.path().join("report.json");
    let r = report.to_str().unwrap();
    bin()
        .args([
            "analyze",
            "--dns-logs",
            l,
            "--flow-logs",
            l,
            "--format",
            "json",
            "-o",
            r,
            "--quiet",
        ])
        .assert()
        .success();
    let out = |name: &str| dir.path().join("tf").join(name).to_str().unwrap().to_string();
    let ids = [
        "--subnet-ids",
        "subnet-0aaaaaaaaaaaaaaaa,subnet-0bbbbbbbbbbbbbbbb",
        "--route-table-ids",
        "rtb-0cccccccccccccccc",
    ];
    let nlb = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/my-nlb/0123456789abcdef";
    let runs: Vec<Vec<String>> = vec![
        [&["iac", "--report", r][..], &ids, &["-o", &out("endpoints")]]
            .concat()
            .iter()
            .map(|s| s.to_string())
            .collect(),
        [
            &[
                "iac",
                "--report",
                r,
                "--policy",
                "org",
                "--org-id",
                "o-abcd123456",
                "--s3-interface",
                "--client-cidr",
                "192.168.0.0/16,fd00:1234::/48",
            ][..],
            &["--only", "s3,ssm,kinesis-streams,sts", "-o", &out("endpoints-org")],
        ]
        .concat()
        .iter()
        .map(|s| s.to_string())
        .collect(),
        // A saved report with a live inventory: fixes to existing endpoints.
        [
            "iac",
            "--report",
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../vpce-iac/tests/fixtures/report-fix-existing.json"
            ),
            "-o",
            &out("endpoints-fix-existing"),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        // No subnets or route tables given: the variables are required.
        [
            "iac",
            "--report",
            r,
            "--policy",
            "account",
            "-o",
            &out("endpoints-bare"),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        [
            "setup",
            "--vpc-id",
            "vpc-0a1b2c3d4e5f60718",
            "-o",
            &out("logging-cloudwatch"),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        [
            "setup",
            "--vpc-id",
            "vpc-0a1b2c3d4e5f60718",
            "--kms-key-arn",
            "arn:aws:kms:us-east-1:111122223333:key/0f0f0f0f-1111-2222-3333-444455556666",
            "-o",
            &out("logging-kms"),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        [
            "setup",
            "--vpc-id",
            "vpc-0a1b2c3d4e5f60718",
            "--destination",
            "s3",
            "--bucket",
            "my-log-bucket",
            "-o",
            &out("logging-s3"),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        [
            "iac",
            "endpoint-service",
            "--nlb-arn",
            nlb,
            "-o",
            &out("endpoint-service"),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    ];
    for args in &runs {
        bin().args(args).assert().success();
    }
    let config = dir.path().join("terraformrc");
    std::fs::write(
        &config,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path = \"{}\"\n  }}\n}}\n",
            mirror.display()
        ),
    )
    .unwrap();
    let terraform = |module: &Path, args: &[&str]| {
        std::process::Command::new("terraform")
            .args(args)
            .current_dir(module)
            .env("TF_CLI_CONFIG_FILE", &config)
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .output()
            .unwrap()
    };
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(dir.path().join("tf")).unwrap() {
        let module = entry.unwrap().path();
        for args in [
            &["init", "-backend=false", "-input=false", "-no-color"][..],
            &["validate", "-no-color"],
        ] {
            let o = terraform(&module, args);
            if !o.status.success() {
                failures.push(format!(
                    "terraform {} in {}:\n{}{}",
                    args[0],
                    module.display(),
                    String::from_utf8_lossy(&o.stdout),
                    String::from_utf8_lossy(&o.stderr)
                ));
                break;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `--require-private` on a saved (priced) report is applied, not ignored;
/// a service it names that has no endpoint service is refused.
#[test]
fn iac_applies_require_private_to_a_saved_report() {
    let dir = tempfile::tempdir().unwrap();
    simulate(dir.path(), 2, 60, 3);
    let logs = dir.path().join("AWSLogs");
    let l = logs.to_str().unwrap();
    let report = dir.path().join("report.json");
    let r = report.to_str().unwrap();
    bin()
        .args([
            "analyze",
            "--dns-logs",
            l,
            "--flow-logs",
            l,
            "--format",
            "json",
            "-o",
            r,
            "--quiet",
        ])
        .assert()
        .success();
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let ssm = saved["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == "ssm")
        .unwrap();
    assert_ne!(
        ssm["recommendation"], "create-interface",
        "the test needs ssm not recommended"
    );
    let a = dir.path().join("a");
    bin()
        .args([
            "iac",
            "--report",
            r,
            "--require-private",
            "ssm",
            "-o",
            a.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "com.amazonaws.us-east-1.ssm  required private by --require-private",
        ));
    let main = std::fs::read_to_string(a.join("main.tf")).unwrap();
    assert!(main.contains("resource \"aws_vpc_endpoint\" \"ssm\""), "{main}");
    bin()
        .args([
            "iac",
            "--report",
            r,
            "--require-private",
            "nosuchservice",
            "-o",
            a.to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nosuchservice"));
}
