//! Real-world input shapes, end to end: what log pipelines and AWS write
//! around the records (Lambda runtime lines, shippers' `{"message": …}`
//! lines, CloudWatch Logs export tasks, byte-order marks), and the files that
//! are not VPC flow logs at all (Parquet, Transit Gateway flow logs, a format
//! without bytes). Every byte is counted or the file is named with the reason.

use std::path::Path;

use assert_cmd::Command;
use serde_json::{json, Value};

const OUT: &str = "2 123456789012 eni-1 10.0.1.5 52.46.141.1 40000 443 6 10 5000 1793491200 1793491260 ACCEPT OK";
const BACK: &str = "2 123456789012 eni-1 52.46.141.1 10.0.1.5 443 40000 6 10 9000 1793491200 1793491260 ACCEPT OK";

fn analyze(flow: &Path) -> Value {
    analyze_with(flow, &[])
}

fn analyze_with(flow: &Path, extra: &[&str]) -> Value {
    let out = Command::cargo_bin("vpce-advisor")
        .unwrap()
        .args(["analyze", "--flow-logs", flow.to_str().unwrap(), "--nat-ip", "10.0.1.5"])
        .args(["--region", "us-east-1", "--format", "json", "--quiet"])
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn analyze_fails(flow: &Path) -> String {
    let out = Command::cargo_bin("vpce-advisor")
        .unwrap()
        .args(["analyze", "--flow-logs", flow.to_str().unwrap(), "--nat-ip", "10.0.1.5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Each shape carries the same two records: 14,000 bytes through the NAT
/// gateway's address, nothing malformed.
#[test]
fn every_delivery_shape_yields_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let envelope = json!({"messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": "g",
        "logStream": "s", "subscriptionFilters": ["f"], "logEvents": [
            {"id": "1", "timestamp": 1793491200000u64, "message": "START RequestId: 8f5 Version: $LATEST"},
            {"id": "2", "timestamp": 1793491200000u64, "message": OUT},
            {"id": "3", "timestamp": 1793491200000u64, "message": BACK}]});
    let shapes: Vec<(&str, String, u64)> = vec![
        (
            "lambda.log",
            format!("START RequestId: 8f5 Version: $LATEST\n{OUT}\n{BACK}\nEND RequestId: 8f5\nREPORT RequestId: 8f5\tDuration: 2.3 ms\n"),
            3,
        ),
        ("envelope.json", format!("{envelope}\n"), 1),
        (
            "shipper.json",
            format!("{}\n{}\n", json!({"@timestamp": "2026-11-01T00:00:00Z", "message": OUT}), json!({"message": BACK})),
            0,
        ),
        (
            "export.log",
            format!("2026-11-01T00:00:00.000Z {OUT}\n2026-11-01T00:00:01.000Z {BACK}\n"),
            0,
        ),
        ("bom.log", format!("\u{feff}{OUT}\n{BACK}\n"), 0),
    ];
    for (name, text, skipped) in shapes {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let r = analyze(&p);
        assert_eq!(r["inputs"]["flow"]["records"], 2, "{name}: {}", r["inputs"]);
        assert_eq!(r["inputs"]["flow"]["skipped_lines"], skipped, "{name}");
        assert_eq!(r["inputs"]["malformed"], 0, "{name}: {}", r["inputs"]);
        assert_eq!(r["totals"]["bytes_via_nat"], 14000, "{name}");
    }
}

#[test]
fn files_that_are_not_vpc_flow_logs_are_named_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("x.parquet", b"PAR1\x15\x04\x15\x00\x00PAR1".to_vec(), "Parquet"),
        (
            "tgw.log",
            format!("version resource-type account-id tgw-id tgw-attachment-id srcaddr dstaddr srcport dstport protocol packets bytes start end log-status\n{OUT}\n").into_bytes(),
            "Transit Gateway flow log",
        ),
        (
            "nobytes.log",
            b"version account-id interface-id srcaddr dstaddr srcport dstport protocol packets start end action log-status\n2 1 eni-1 10.0.1.5 52.46.141.1 1 443 6 1 1793491200 1793491260 ACCEPT OK\n".to_vec(),
            "the flow-log format has no bytes",
        ),
    ];
    for (name, bytes, want) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let err = analyze_fails(&p);
        assert!(err.contains(name) && err.contains(want), "{name}: {err}");
    }
}

/// A Parquet file found while walking a folder is an input error, not a file
/// left out without a word.
#[test]
fn a_parquet_file_in_a_folder_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.log"), format!("{OUT}\n{BACK}\n")).unwrap();
    std::fs::write(dir.path().join("b.parquet"), b"PAR1\x15\x04\x15\x00\x00PAR1").unwrap();
    // Not read, so the report is partial: accepted here to look at it.
    let r = analyze_with(dir.path(), &["--allow-partial"]);
    assert_eq!(r["inputs"]["partial"], true);
    assert_eq!(r["inputs"]["flow"]["records"], 2);
    let errors = r["inputs"]["file_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0]["file"].as_str().unwrap().ends_with("b.parquet"));
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A truncated gzip file among good ones: the report is written, marked
/// partial and names the file, and the run exits 1 unless `--allow-partial`.
#[test]
fn a_truncated_gzip_among_good_files_makes_the_report_partial() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.log"), format!("{OUT}\n{BACK}\n")).unwrap();
    std::fs::write(dir.path().join("c.log.gz"), gz(format!("{OUT}\n{BACK}\n").as_bytes())).unwrap();
    // Varied lines so that the cut falls inside the compressed data.
    let many: String = (0..20_000)
        .map(|i| OUT.replace(" 40000 ", &format!(" {} ", 1024 + i % 50_000)) + "\n")
        .collect();
    let data = gz(many.as_bytes());
    std::fs::write(dir.path().join("b.log.gz"), &data[..data.len() / 2]).unwrap();
    let run = |extra: &[&str]| {
        Command::cargo_bin("vpce-advisor")
            .unwrap()
            .args([
                "analyze",
                "--flow-logs",
                dir.path().to_str().unwrap(),
                "--nat-ip",
                "10.0.1.5",
            ])
            .args(["--region", "us-east-1", "--quiet"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).expect("the report is written all the same");
    assert_eq!(r["inputs"]["partial"], true);
    let errors = r["inputs"]["file_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0]["file"].as_str().unwrap().ends_with("b.log.gz"), "{errors:?}");
    assert!(errors[0]["error"]
        .as_str()
        .unwrap()
        .contains("truncated or corrupt gzip"));
    // The good files and the lines before the cut are counted.
    let records = r["inputs"]["flow"]["records"].as_u64().unwrap();
    assert!(records > 4 && records < 20_004, "{records}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error: partial: 1 input could not be read to the end")
            && err.contains("b.log.gz")
            && err.contains("--allow-partial"),
        "{err}"
    );

    let out = run(&["--format", "json", "--allow-partial"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let accepted: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(accepted["inputs"]["partial"], true, "still marked partial");
    assert_eq!(accepted["totals"], r["totals"]);

    // The table says it first.
    let out = run(&["--allow-partial"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.starts_with("partial: 1 input could not be read to the end; totals are lower bounds"),
        "{table}"
    );
    assert!(table.contains("b.log.gz"), "{table}");

    // Every file read: not partial, exit 0.
    std::fs::remove_file(dir.path().join("b.log.gz")).unwrap();
    let out = run(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let whole: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(whole["inputs"]["partial"], false);
    assert_eq!(whole["inputs"]["bytes_unread"], 0);
}

#[test]
fn an_empty_value_is_named_by_its_field() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("two-spaces.log");
    std::fs::write(&p, format!("{}\n{BACK}\n", OUT.replace(" 443 ", " 443  "))).unwrap();
    let r = analyze(&p);
    assert_eq!(r["inputs"]["malformed"], 1);
    let why = r["inputs"]["malformed_examples"][0]["reason"].as_str().unwrap();
    assert!(why.contains("(protocol) is empty (two spaces in a row)"), "{why}");
}

/// Values no flow log can hold are malformed lines, counted with the reason,
/// and never reach a sum or a per-hour loop (a huge `end` once made the run
/// spin over every hour up to it).
#[test]
fn impossible_values_are_malformed_and_the_run_ends() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("odd.log");
    let huge_bytes = OUT.replace(" 5000 ", " 18446744073709551615 ");
    let huge_end = OUT.replace(" 1793491260 ", " 9223372036854775807 ");
    let backwards = OUT.replace(" 1793491260 ", " 1793491100 ");
    std::fs::write(&p, format!("{huge_bytes}\n{huge_end}\n{backwards}\n{OUT}\n{BACK}\n")).unwrap();
    let r = analyze(&p);
    assert_eq!(r["inputs"]["malformed"], 3, "{}", r["inputs"]);
    assert_eq!(r["inputs"]["flow"]["records"], 2);
    assert_eq!(r["totals"]["bytes_via_nat"], 14000);
    assert!(r["window"]["hours"].as_f64().unwrap() < 1.0);
}

#[test]
fn a_date_that_does_not_exist_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.log");
    std::fs::write(&p, format!("{OUT}\n")).unwrap();
    let out = Command::cargo_bin("vpce-advisor")
        .unwrap()
        .args(["analyze", "--flow-logs", p.to_str().unwrap(), "--since", "2026-02-30"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--since") && err.contains("2026-02-30"), "{err}");
}

/// A folder walk says what it left out and why: the other log type, or not a
/// log at all; never "the other log type" for a file that is neither.
#[test]
fn a_walk_names_what_it_left_out() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.log"), format!("{OUT}\n{BACK}\n")).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "hello\nworld\n").unwrap();
    let r = analyze(dir.path());
    assert_eq!(r["inputs"]["flow"]["records"], 2);
    let warnings = r["warnings"].to_string();
    assert!(
        warnings.contains("1 files in the given directories are neither"),
        "{warnings}"
    );
    assert!(warnings.contains("notes.txt"), "{warnings}");
    assert!(!warnings.contains("other log type"), "{warnings}");
}

/// Hostnames and values from the logs can hold terminal escapes (colours,
/// window titles, carriage returns): the table and the warnings show them as
/// text, never as control characters.
#[test]
fn escapes_in_log_values_reach_the_terminal_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let dns = dir.path().join("dns.log");
    let evil = "evil\u{1b}]0;pwned\u{7}\rX.s3.us-east-1.amazonaws.com.";
    std::fs::write(
        &dns,
        format!(
            "{}\n",
            json!({"query_name": evil, "query_timestamp": "2026-11-01T00:00:00Z", "vpc_id": "vpc-1",
                   "region": "us-east-1", "answers": [{"Rdata": "52.46.141.1", "Type": "A", "Class": "IN"}]})
        ),
    )
    .unwrap();
    let flow = dir.path().join("flow.log");
    let bad = OUT.replace("10.0.1.5", "10.0.1.5\u{1b}[31m");
    std::fs::write(&flow, format!("{OUT}\n{BACK}\n{bad}\n")).unwrap();
    let out = Command::cargo_bin("vpce-advisor")
        .unwrap()
        .args([
            "analyze",
            "--dns-logs",
            dns.to_str().unwrap(),
            "--flow-logs",
            flow.to_str().unwrap(),
        ])
        .args(["--nat-ip", "10.0.1.5", "--region", "us-east-1"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for (name, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(text);
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t'),
            "{name} holds a control character: {text:?}"
        );
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("\\x1b[31m"),
        "the damaged value is shown as text: {stderr}"
    );
}

/// `analyze --format json` of `flow` with `args` and nothing else assumed.
fn analyze_only(flow: &Path, args: &[&str]) -> Value {
    let out = Command::cargo_bin("vpce-advisor")
        .unwrap()
        .args(["analyze", "--flow-logs", flow.to_str().unwrap()])
        .args(["--region", "us-east-1", "--format", "json", "--quiet"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// AWS's custom version 5 example format (flow-logs-records-examples).
const V5_HEADER: &str = "version srcaddr dstaddr srcport dstport protocol start end type packets bytes account-id vpc-id subnet-id instance-id interface-id region az-id sublocation-type sublocation-id action tcp-flags pkt-srcaddr pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service traffic-path flow-direction log-status";

/// One record in [`V5_HEADER`]'s format on the EKS node's interface.
fn v5(src: &str, dst: &str, pkt_src: &str, pkt_dst: &str, bytes: u64, path: &str, dir: &str) -> String {
    let (sp, dp) = if dir == "egress" { (40000, 443) } else { (443, 40000) };
    let (ssvc, dsvc) = if dir == "egress" { ("-", "S3") } else { ("S3", "-") };
    format!("5 {src} {dst} {sp} {dp} 6 1793491200 1793491260 IPv4 10 {bytes} 123456789012 vpc-1 subnet-1 i-0node eni-0node us-east-1 use1-az1 - - ACCEPT 19 {pkt_src} {pkt_dst} {ssvc} {dsvc} {path} {dir} OK")
}

/// EKS with the VPC CNI: a pod on a secondary address of its node's
/// interface downloads from S3 through NAT. AWS writes the node's primary
/// address in the reply's dstaddr and the pod's in pkt-dstaddr (VPC user
/// guide, flow-log limitations). The download is NAT traffic to S3, not an
/// unknown path, and no warning asks for pkt-dstaddr.
#[test]
fn an_eks_pods_download_on_a_secondary_address_is_counted_through_nat() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("eks.log");
    let (node, pod, s3) = ("10.0.1.5", "10.0.1.77", "52.216.8.9");
    let lines = [
        v5(pod, s3, pod, s3, 4_000, "1", "egress"),
        v5(s3, node, s3, pod, 900_000, "-", "ingress"),
        // The node's own call elsewhere, through the internet gateway.
        v5(node, "198.51.100.7", node, "198.51.100.7", 100, "8", "egress"),
    ];
    std::fs::write(&p, format!("{V5_HEADER}\n{}\n", lines.join("\n"))).unwrap();
    let r = analyze_only(&p, &[]);
    let t = &r["totals"];
    assert_eq!(t["bytes_unknown_path"], 0, "{t}");
    assert_eq!(t["bytes_via_nat"], 904_000, "{t}");
    assert_eq!(t["bytes_via_internet_gateway"], 100, "{t}");
    let s3 = r["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == "s3")
        .unwrap();
    assert_eq!(s3["bytes_via_nat"], 904_000);
    let warnings = r["warnings"].to_string();
    assert!(!warnings.contains("pkt-dstaddr"), "{warnings}");
}

/// A record in the default format at the window's first minute.
fn v2(eni: &str, src: &str, dst: &str, sport: u16, dport: u16, bytes: u64) -> String {
    format!("2 123456789012 {eni} {src} {dst} {sport} {dport} 6 10 {bytes} 1793491200 1793491260 ACCEPT OK")
}

/// The sum the report's byte identity puts every byte read in.
fn placed(t: &Value) -> u64 {
    [
        "bytes_via_nat",
        "bytes_via_endpoint",
        "bytes_via_internet_gateway",
        "bytes_via_other_path",
        "bytes_unknown_path",
        "bytes_deduplicated",
        "bytes_internal",
    ]
    .iter()
    .map(|k| t[k].as_u64().unwrap_or_else(|| panic!("{k} in {t}")))
    .sum()
}

/// The default format on the NAT gateway's interface and the instance's
/// (AWS's NAT gateway example: instance 10.0.1.5, NAT 10.0.0.220, host
/// 203.0.113.5): with the gateway given, the instance's records are the
/// deduplicated copies of the NAT legs, not an unknown path, and every byte
/// read is in exactly one total.
#[test]
fn default_format_with_a_given_nat_gateway_deduplicates_the_instance_side() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v2.log");
    let (inst, nat, host) = ("10.0.1.5", "10.0.0.220", "203.0.113.5");
    let lines = [
        v2("eni-nat", inst, nat, 40000, 443, 500),
        v2("eni-nat", nat, host, 61000, 443, 500),
        v2("eni-nat", host, nat, 443, 61000, 8000),
        v2("eni-nat", nat, inst, 443, 40000, 8000),
        v2("eni-app", inst, host, 40000, 443, 500),
        v2("eni-app", host, inst, 443, 40000, 8000),
    ];
    std::fs::write(&p, format!("{}\n", lines.join("\n"))).unwrap();
    for given in [["--nat-ip", nat], ["--nat-eni", "eni-nat"]] {
        let r = analyze_only(&p, &given);
        let t = &r["totals"];
        assert_eq!(t["bytes_via_nat"], 8500, "{given:?}: {t}");
        assert_eq!(t["bytes_deduplicated"], 8500, "{given:?}: {t}");
        assert_eq!(t["bytes_unknown_path"], 0, "{given:?}: {t}");
        assert_eq!(t["bytes_internal"], 8500, "{given:?}: {t}");
        assert_eq!(t["bytes_read"], 25_500, "{given:?}: {t}");
        assert_eq!(placed(t), 25_500, "{given:?}: {t}");
    }
}

/// An IPv6-only subnet with DNS64 and no IPv6 --vpc-cidr: the instance's
/// /56 is learned from flow-direction records, and its NAT64 traffic
/// (`64:ff9b::/96`) is S3 through NAT, by the IPv4 address it embeds.
#[test]
fn ipv6_only_traffic_through_nat64_is_placed_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v6.log");
    let (vm, s3) = ("2600:1f18:aa:bb01::5", "64:ff9b::34d8:809");
    let lines = [
        v5(vm, s3, vm, s3, 3_000, "1", "egress"),
        v5(s3, vm, s3, vm, 700_000, "-", "ingress"),
    ];
    std::fs::write(&p, format!("{V5_HEADER}\n{}\n", lines.join("\n"))).unwrap();
    let r = analyze_only(&p, &[]);
    let t = &r["totals"];
    assert_eq!(t["bytes_via_nat"], 703_000, "{t}");
    assert_eq!(t["bytes_via_nat_to_aws_services"], 703_000, "{t}");
    assert_eq!(t["bytes_internal"], 0, "{t}");
    let s3 = r["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == "s3")
        .unwrap();
    assert_eq!(s3["bytes_via_nat"], 703_000);
    assert_eq!(r["network"]["vpc_cidrs"], json!(["2600:1f18:aa:bb00::/56"]));
    assert!(!r["warnings"].to_string().contains("IPv6"), "{}", r["warnings"]);
}

/// An old file left in the folder (one record from 1975) next to a day's
/// logs: it is left out of the window and the totals, and the warning names
/// its file and line and the flags that choose the window.
#[test]
fn a_stray_old_record_does_not_stretch_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let bulk: Vec<String> = (0..24 * 12)
        .map(|i| {
            let t = 1793491200 + i * 300;
            v2("eni-app", "10.0.1.5", "203.0.113.5", 40000, 443, 100)
                .replace("1793491200 1793491260", &format!("{t} {}", t + 60))
        })
        .collect();
    std::fs::write(dir.path().join("day.log"), bulk.join("\n") + "\n").unwrap();
    let old = v2("eni-app", "10.0.1.5", "203.0.113.5", 40000, 443, 7777)
        .replace("1793491200 1793491260", "170000000 170000060");
    std::fs::write(dir.path().join("old.log"), format!("{old}\n")).unwrap();
    let r = analyze_only(dir.path(), &[]);
    let hours = r["window"]["hours"].as_f64().unwrap();
    assert!((23.9..24.1).contains(&hours), "{}", r["window"]);
    assert_eq!(r["totals"]["bytes_read"], 24 * 12 * 100);
    let w = r["warnings"].to_string();
    assert!(w.contains("old.log line 1") && w.contains("--since/--until"), "{w}");
}

/// `analyze --format json` of `flow` with `args` only (no Region given).
fn analyze_raw(flow: &Path, args: &[&str]) -> Value {
    let out = Command::cargo_bin("vpce-advisor")
        .unwrap()
        .args([
            "analyze",
            "--flow-logs",
            flow.to_str().unwrap(),
            "--format",
            "json",
            "--quiet",
        ])
        .args(args)
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The warnings of the report of `lines` (after `header` when given).
fn warnings_of(header: Option<&str>, lines: &[String], args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("flow.log");
    let head = header.map(|h| format!("{h}\n")).unwrap_or_default();
    std::fs::write(&p, format!("{head}{}\n", lines.join("\n"))).unwrap();
    analyze_raw(&p, args)["warnings"].to_string()
}

/// An instance's download through NAT, as its own interface logs it in
/// [`V5_HEADER`]'s format (az-id, Region, traffic-path, packet addresses).
fn v5_through_nat() -> Vec<String> {
    let (inst, s3) = ("10.0.1.5", "52.216.8.9");
    vec![
        v5(inst, s3, inst, s3, 3_000, "1", "egress"),
        v5(s3, inst, s3, inst, 90_000, "-", "ingress"),
    ]
}

/// The same in the default format.
fn v2_through_nat() -> Vec<String> {
    vec![
        v2("eni-app", "10.0.1.5", "52.216.8.9", 40000, 443, 3_000),
        v2("eni-app", "52.216.8.9", "10.0.1.5", 443, 40000, 90_000),
    ]
}

#[test]
fn the_az_warning_says_what_is_missing() {
    const UNKNOWN: &str = "number of Availability Zones is unknown";
    let with_az = warnings_of(Some(V5_HEADER), &v5_through_nat(), &["--region", "us-east-1"]);
    assert!(!with_az.contains(UNKNOWN), "{with_az}");
    let without = warnings_of(
        None,
        &v2_through_nat(),
        &["--region", "us-east-1", "--nat-ip", "10.0.0.9"],
    );
    assert!(
        without.contains(UNKNOWN) && without.contains("no az-id in the flow logs"),
        "{without}"
    );
    // az-id on the NAT gateway's interface only: its clients' interfaces are what is missing.
    let (inst, nat, s3) = ("10.0.1.5", "10.0.0.220", "52.216.8.9");
    let nat_only = [
        v5(inst, nat, inst, s3, 3_000, "-", "ingress").replace("eni-0node", "eni-nat"),
        v5(nat, s3, nat, s3, 3_000, "8", "egress").replace("eni-0node", "eni-nat"),
    ];
    let text = warnings_of(Some(V5_HEADER), &nat_only, &["--region", "us-east-1"]);
    assert!(text.contains(UNKNOWN), "{text}");
    assert!(
        !text.contains("no az-id in the flow logs"),
        "az-id is in the records: {text}"
    );
    assert!(text.contains("interfaces that sent traffic through NAT"), "{text}");
}

#[test]
fn the_region_warning_only_when_no_record_names_one() {
    const NO_REGION: &str = "the logs do not name a Region";
    let named = warnings_of(Some(V5_HEADER), &v5_through_nat(), &[]);
    assert!(!named.contains(NO_REGION) && !named.contains("not priced"), "{named}");
    let unnamed = warnings_of(None, &v2_through_nat(), &[]);
    assert!(unnamed.contains(NO_REGION), "{unnamed}");
    // A Region in the records without a vpc-id still names it.
    let header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status region";
    let lines: Vec<String> = v2_through_nat().iter().map(|l| format!("{l} us-east-1")).collect();
    let text = warnings_of(Some(header), &lines, &[]);
    assert!(!text.contains(NO_REGION) && !text.contains("not priced"), "{text}");
}

#[test]
fn a_given_nat_gateway_is_never_asked_for() {
    for given in [["--nat-eni", "eni-0nat"], ["--nat-ip", "10.0.0.9"]] {
        let args = [&given[..], &["--region", "us-east-1"]].concat();
        let text = warnings_of(None, &v2_through_nat(), &args);
        assert!(
            !text.contains("was given") && !text.contains("give --nat-ip"),
            "{given:?}: {text}"
        );
    }
    let eni = warnings_of(
        None,
        &v2_through_nat(),
        &["--nat-eni", "eni-0nat", "--region", "us-east-1"],
    );
    assert!(eni.contains("--nat-eni eni-0nat match no flow record"), "{eni}");
    let none = warnings_of(None, &v2_through_nat(), &["--region", "us-east-1"]);
    assert!(
        none.contains("no --nat-ip/--nat-eni was given") && none.contains("give --nat-ip"),
        "{none}"
    );
}

#[test]
fn the_no_timed_records_warning_only_without_one() {
    let instant = v2("eni-app", "10.0.1.5", "52.216.8.9", 40000, 443, 3_000)
        .replace("1793491200 1793491260", "1793491200 1793491200");
    let text = warnings_of(None, &[instant], &["--region", "us-east-1", "--nat-ip", "10.0.0.9"]);
    assert!(!text.contains("no timed records"), "{text}");
    assert!(text.contains("the window has no length"), "{text}");
}

#[test]
fn packet_addresses_are_never_asked_for_when_the_header_has_them() {
    let text = warnings_of(Some(V5_HEADER), &v5_through_nat(), &["--region", "us-east-1"]);
    assert!(!text.contains("pkt-dstaddr") && !text.contains("pkt-srcaddr"), "{text}");
    let v2 = warnings_of(None, &v2_through_nat(), &["--region", "us-east-1"]);
    assert!(v2.contains("pkt-srcaddr/pkt-dstaddr"), "{v2}");
}

/// On the simulated VPC (every interface logged: the instances', both legs
/// on the NAT gateway's, the endpoint's), every byte read is in exactly one
/// total: NAT bytes once, the instances' copies deduplicated, the gateway's
/// legs to its clients internal.
#[test]
fn simulated_logs_put_every_byte_in_one_total() {
    let dir = tempfile::tempdir().unwrap();
    let ok = Command::cargo_bin("vpce-advisor")
        .unwrap()
        .args([
            "simulate",
            dir.path().to_str().unwrap(),
            "--hours",
            "1",
            "--instances",
            "4",
        ])
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let truth: Value = serde_json::from_slice(&std::fs::read(dir.path().join("truth.json")).unwrap()).unwrap();
    let logs = dir.path().join("AWSLogs");
    let r = analyze_only(&logs, &["--dns-logs", logs.to_str().unwrap()]);
    let t = &r["totals"];
    assert_eq!(placed(t), t["bytes_read"].as_u64().unwrap(), "{t}");
    let nat = truth["total_bytes_via_nat"].as_u64().unwrap();
    assert_eq!(t["bytes_via_nat"], nat, "{t}");
    assert_eq!(t["bytes_unknown_path"], 0, "{t}");
    // Each NAT byte is on the instance's interface too, and on the gateway's leg to the instance.
    assert!(t["bytes_deduplicated"].as_u64().unwrap() >= nat, "{t}");
    assert_eq!(t["bytes_internal"], nat, "{t}");
}

/// The simulated VPC as an EKS cluster: pods on secondary addresses of their
/// nodes' interfaces. Every NAT byte is found, none is on an unknown path.
#[test]
fn simulated_eks_pods_match_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = vpce_simulate::SimConfig {
        hours: 1,
        instances: 4,
        eks_pods: true,
        ..Default::default()
    };
    let truth = vpce_simulate::simulate(&cfg, &mut |rel: &str, bytes: &[u8]| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap())?;
        std::fs::write(p, bytes)
    })
    .unwrap();
    let logs = dir.path().join("AWSLogs");
    let r = analyze_only(&logs, &["--dns-logs", logs.to_str().unwrap()]);
    let t = &r["totals"];
    assert_eq!(t["bytes_unknown_path"], 0, "{t}");
    assert_eq!(t["bytes_via_nat"], truth.total_bytes_via_nat, "{t}");
    assert_eq!(placed(t), t["bytes_read"].as_u64().unwrap(), "{t}");
    for s in r["services"].as_array().unwrap() {
        let key = format!("{}@{}", s["service"].as_str().unwrap(), s["region"].as_str().unwrap());
        let want = truth.services.get(&key).map_or(0, |w| w.bytes_via_nat);
        assert_eq!(s["bytes_via_nat"], want, "{key}");
    }
}

/// Every file a folder walk finds ends in exactly one of read, left out or
/// an input error, and the summary line's counts add up to the files found.
#[test]
fn the_summary_line_accounts_for_every_file_found() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("a.log"), format!("{OUT}\n{BACK}\n")).unwrap();
    // A damaged line: read, the line counted as malformed.
    std::fs::write(d.join("b.log"), format!("{OUT}\n2 1 eni-1 10.0.1.5 nonsense\n{BACK}\n")).unwrap();
    let many: String = (0..20_000)
        .map(|i| OUT.replace(" 40000 ", &format!(" {} ", 1024 + i % 50_000)) + "\n")
        .collect();
    let data = gz(many.as_bytes());
    std::fs::write(d.join("c.log.gz"), &data[..data.len() / 2]).unwrap();
    let dns = json!({"query_name": "s3.amazonaws.com.", "query_timestamp": "2026-11-01T00:00:00Z",
                     "vpc_id": "vpc-1", "region": "us-east-1", "answers": []});
    std::fs::write(d.join("dns.log"), format!("{dns}\n")).unwrap();
    std::fs::write(d.join("notes.txt"), "hello\nworld\n").unwrap();
    let found = std::fs::read_dir(d).unwrap().count() as u64;

    let out = Command::cargo_bin("vpce-advisor")
        .unwrap()
        .args(["analyze", "--flow-logs", d.to_str().unwrap(), "--nat-ip", "10.0.1.5"])
        .args(["--region", "us-east-1", "--format", "json", "--allow-partial"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let flow = &r["inputs"]["flow"];
    let n = |k: &str| flow[k].as_u64().unwrap();
    assert_eq!(n("files"), found);
    assert_eq!((n("left_out"), n("input_errors"), n("malformed")), (2, 1, 1));
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err.lines().find(|l| l.starts_with("read ")).unwrap();
    assert!(
        line.contains(&format!("flow records ({found} inputs: 2 read, 2 left out, 1 error)")),
        "{line}"
    );
    assert!(line.contains("1 malformed line, 1 input error"), "{line}");
}
