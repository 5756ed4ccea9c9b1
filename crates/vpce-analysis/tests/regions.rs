//! Regions outside the happy path: logs from VPCs in several Regions in one
//! run, legacy global S3 names answered by another Region, names only
//! us-east-1 serves, and which of `pkt-dst-aws-service` and the IP ranges
//! snapshot names an address without a DNS answer.

use std::sync::Arc;

use vpce_analysis::{
    advise, build_report, AdviceOptions, AnalysisConfig, Dest, DnsAggregator, FlowAggregator, Reference, Resolver,
};
use vpce_catalog::{Catalog, IpRanges};
use vpce_formats::flow::{read_flow_log, FlowReadOptions, FlowRecord, FlowSink};
use vpce_formats::resolver::{read_resolver_log, DnsQuery, DnsSink};
use vpce_model::{Inputs, Recommendation, Report};
use vpce_pricing::PriceTable;

const HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id instance-id region az-id pkt-srcaddr pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path";
const T0: i64 = 1_764_547_200; // 2025-12-01T00:00:00Z
const MB: u64 = 1_000_000;

struct Dns<'a>(&'a mut DnsAggregator);
impl DnsSink for Dns<'_> {
    fn query(&mut self, q: &DnsQuery<'_>, _line: u64) {
        self.0.push(q);
    }
    fn malformed(&mut self, line: u64, reason: String) {
        panic!("dns line {line}: {reason}");
    }
}

struct Flows<'a>(&'a mut FlowAggregator);
impl FlowSink for Flows<'_> {
    fn record(&mut self, r: &FlowRecord<'_>, _line: u64) {
        self.0.push(r);
    }
    fn malformed(&mut self, line: u64, reason: String) {
        panic!("flow line {line}: {reason}");
    }
}

/// One Resolver query-log record; answers are (type, data).
fn query(vpc: &str, region: &str, minute: u32, name: &str, answers: &[(&str, &str)]) -> String {
    let answers: Vec<String> = answers
        .iter()
        .map(|(t, d)| format!(r#"{{"Rdata":"{d}","Type":"{t}","Class":"IN"}}"#))
        .collect();
    format!(
        r#"{{"version":"1.100000","account_id":"123456789012","region":"{region}","vpc_id":"{vpc}","query_timestamp":"2025-12-01T00:{minute:02}:00Z","query_name":"{name}.","query_type":"A","query_class":"IN","rcode":"NOERROR","answers":[{}],"srcaddr":"10.9.9.9","srcport":"5353","transport":"UDP","srcids":{{"instance":"i-1"}}}}"#,
        answers.join(",")
    )
}

/// An instance's egress record through NAT (traffic-path 1).
fn egress(vpc: &str, region: &str, src: &str, dst: &str, bytes: u64, pkt_dst_service: &str) -> String {
    format!(
        "5 123456789012 eni-{vpc} {src} {dst} 40000 443 6 10 {bytes} {T0} {} ACCEPT OK {vpc} subnet-1 i-1 {region} az-1 {src} {dst} - {pkt_dst_service} egress 1",
        T0 + 60
    )
}

struct Run {
    report: Report,
    resolver: Arc<Resolver>,
}

fn run(dns_lines: &[String], flow_lines: &[String]) -> Run {
    let cfg = AnalysisConfig {
        vpc_cidrs: vec![
            "10.0.0.0/16".parse().unwrap(),
            "10.1.0.0/16".parse().unwrap(),
            "10.2.0.0/16".parse().unwrap(),
        ],
        ..Default::default()
    };
    let mut dns = DnsAggregator::new(cfg.filter);
    read_resolver_log(dns_lines.join("\n").as_bytes(), &mut Dns(&mut dns)).unwrap();
    let catalog = Catalog::embedded();
    let resolver = Arc::new(Resolver::new(&dns, &catalog, IpRanges::embedded(), None));
    let mut flows = FlowAggregator::new(cfg.local_net(), cfg.filter, resolver.clone());
    let text = format!("{HEADER}\n{}\n", flow_lines.join("\n"));
    let opts = FlowReadOptions {
        wanted: Some(FlowAggregator::FIELDS.to_vec()),
        ..Default::default()
    };
    read_flow_log(text.as_bytes(), &opts, &mut Flows(&mut flows)).unwrap();
    let report = build_report(
        &dns,
        &flows,
        Inputs::default(),
        &cfg,
        &Reference {
            catalog: &catalog,
            resolver: &resolver,
        },
    );
    Run { report, resolver }
}

fn nat_bytes(r: &Report, service: &str, region: &str) -> u64 {
    r.services
        .iter()
        .filter(|s| s.service == service && s.region.as_deref() == Some(region))
        .map(|s| s.bytes_via_nat)
        .sum()
}

#[test]
fn each_vpc_region_decides_its_services_region() {
    let dns = [
        // The STS global name, asked first from us-east-1, then from us-west-2.
        query(
            "vpc-east",
            "us-east-1",
            0,
            "sts.amazonaws.com",
            &[("A", "54.239.29.25")],
        ),
        query(
            "vpc-west",
            "us-west-2",
            1,
            "sts.amazonaws.com",
            &[("A", "54.239.29.25")],
        ),
        query(
            "vpc-west",
            "us-west-2",
            2,
            "dynamodb.us-west-2.amazonaws.com",
            &[("A", "35.71.64.10")],
        ),
        // A legacy global S3 name whose bucket is in us-west-2.
        query(
            "vpc-west",
            "us-west-2",
            3,
            "mybucket.s3.amazonaws.com",
            &[("CNAME", "s3-w.us-west-2.amazonaws.com."), ("A", "52.218.130.5")],
        ),
        // Only an A answer, inside an S3 range of us-west-2.
        query("vpc-west", "us-west-2", 4, "s3.amazonaws.com", &[("A", "52.218.131.9")]),
    ];
    let flows = [
        egress("vpc-east", "us-east-1", "10.0.0.5", "54.239.29.25", 3 * MB, "AMAZON"),
        egress("vpc-west", "us-west-2", "10.1.0.5", "54.239.29.25", 5 * MB, "AMAZON"),
        egress("vpc-west", "us-west-2", "10.1.0.5", "35.71.64.10", 7 * MB, "DYNAMODB"),
        egress("vpc-west", "us-west-2", "10.1.0.5", "52.218.130.5", 11 * MB, "S3"),
        egress("vpc-west", "us-west-2", "10.1.0.5", "52.218.131.9", 13 * MB, "S3"),
    ];
    let Run { mut report, resolver } = run(&dns, &flows);
    assert_eq!(nat_bytes(&report, "sts", "us-east-1"), 3 * MB);
    assert_eq!(nat_bytes(&report, "sts", "us-west-2"), 5 * MB, "{:#?}", report.services);
    assert_eq!(nat_bytes(&report, "dynamodb", "us-west-2"), 7 * MB);
    assert_eq!(nat_bytes(&report, "s3", "us-west-2"), 24 * MB);
    assert_eq!(nat_bytes(&report, "s3", "us-east-1"), 0);
    let bucket = resolver
        .classes()
        .iter()
        .find(|c| c.hostname == "mybucket.s3.amazonaws.com")
        .unwrap();
    assert_eq!(bucket.region.as_deref(), Some("us-west-2"));

    advise(&mut report, &PriceTable::embedded(), &AdviceOptions::default()).unwrap();
    for (service, region) in [("dynamodb", "us-west-2"), ("s3", "us-west-2")] {
        let s = report
            .services
            .iter()
            .find(|s| s.service == service && s.region.as_deref() == Some(region))
            .unwrap();
        assert_eq!(
            s.recommendation,
            Some(Recommendation::CreateGateway),
            "{service} in {region} comes from a VPC in {region}: {:?}",
            s.reasons
        );
        assert!(
            !s.reasons.iter().any(|r| r.contains("another Region")),
            "{:?}",
            s.reasons
        );
    }
}

#[test]
fn names_only_us_east_1_serves_are_cross_region_elsewhere() {
    let dns = [query(
        "vpc-eu",
        "eu-west-1",
        0,
        "queue.amazonaws.com",
        &[("A", "3.236.169.10")],
    )];
    let flows = [egress(
        "vpc-eu",
        "eu-west-1",
        "10.2.0.5",
        "3.236.169.10",
        9 * MB,
        "AMAZON",
    )];
    let Run { mut report, .. } = run(&dns, &flows);
    assert_eq!(nat_bytes(&report, "sqs", "us-east-1"), 9 * MB);
    advise(&mut report, &PriceTable::embedded(), &AdviceOptions::default()).unwrap();
    let sqs = report.services.iter().find(|s| s.service == "sqs").unwrap();
    assert_eq!(sqs.recommendation, Some(Recommendation::Unsupported));
    assert!(
        sqs.reasons.iter().any(|r| r.contains("another Region")),
        "{:?}",
        sqs.reasons
    );
    assert!(
        !sqs.reasons.iter().any(|r| r.contains("instead of the legacy")),
        "not a client change: {:?}",
        sqs.reasons
    );
    assert!(sqs
        .hostnames
        .iter()
        .any(|h| h.notes.iter().any(|n| n.contains("cross-Region traffic to us-east-1"))));
}

#[test]
fn without_an_answer_the_records_service_code_comes_first() {
    let Run { resolver, .. } = run(&[query("vpc-x", "eu-west-1", 0, "example.com", &[])], &[]);
    let hour = T0 / 3600;
    // The snapshot lists 52.218.130.5 as S3 in us-west-2; a record that says
    // DYNAMODB for a newer assignment wins, and the Region is the VPC's.
    let r = resolver.resolve(
        "52.218.130.5".parse().unwrap(),
        hour,
        None,
        Some("eu-west-1"),
        Some("DYNAMODB"),
    );
    assert_eq!(
        r.dest,
        Dest::Service {
            service: "dynamodb".into(),
            region: Some("eu-west-1".into())
        }
    );
    // The catch-all AMAZON yields to the snapshot's more specific code and Region.
    let r = resolver.resolve(
        "52.218.130.5".parse().unwrap(),
        hour,
        None,
        Some("eu-west-1"),
        Some("AMAZON"),
    );
    assert_eq!(
        r.dest,
        Dest::Service {
            service: "s3".into(),
            region: Some("us-west-2".into())
        }
    );
    // No record code: the snapshot.
    let r = resolver.resolve("35.71.64.10".parse().unwrap(), hour, None, Some("eu-west-1"), None);
    assert_eq!(
        r.dest,
        Dest::Service {
            service: "dynamodb".into(),
            region: Some("us-west-2".into())
        }
    );
    // An S3 code for an address the snapshot does not know: S3 in the VPC's Region.
    let r = resolver.resolve("192.0.2.77".parse().unwrap(), hour, None, Some("eu-west-1"), Some("S3"));
    assert_eq!(
        r.dest,
        Dest::Service {
            service: "s3".into(),
            region: Some("eu-west-1".into())
        }
    );
    assert_eq!(r.how, "ip-range");
}

#[test]
fn china_endpoint_service_names_agree_between_explain_and_analyze() {
    let names = [
        (
            "ec2.cn-north-1.amazonaws.com.cn",
            "140.179.10.1",
            "cn.com.amazonaws.cn-north-1.ec2",
        ),
        (
            "ssm.cn-north-1.amazonaws.com.cn",
            "140.179.10.2",
            "com.amazonaws.cn-north-1.ssm",
        ),
        (
            "mybucket.s3.cn-north-1.amazonaws.com.cn",
            "140.179.10.3",
            "com.amazonaws.cn-north-1.s3",
        ),
    ];
    let dns: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, (n, ip, _))| query("vpc-cn", "cn-north-1", i as u32, n, &[("A", ip)]))
        .collect();
    let flows: Vec<String> = names
        .iter()
        .map(|(_, ip, _)| egress("vpc-cn", "cn-north-1", "10.0.0.5", ip, MB, "-"))
        .collect();
    let Run { report, .. } = run(&dns, &flows);
    let catalog = Catalog::embedded();
    for (name, _, esn) in names {
        let explained = catalog.classify(name, None);
        assert_eq!(explained.endpoint_service_name.as_deref(), Some(esn), "explain {name}");
        let service = explained.service.unwrap();
        let analyzed = report
            .services
            .iter()
            .find(|s| s.service == service && s.region.as_deref() == Some("cn-north-1"))
            .unwrap();
        assert_eq!(analyzed.endpoint_service_name.as_deref(), Some(esn), "analyze {name}");
        assert_eq!(analyzed.bytes_via_nat, MB);
    }
}
