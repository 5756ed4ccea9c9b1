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

    advise(&mut report, &PriceTable::embedded(), &AdviceOptions::default());
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
    advise(&mut report, &PriceTable::embedded(), &AdviceOptions::default());
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
    // Priced with the inter-Region transfer on top of eu-west-1's NAT rate,
    // and SQS has no cross-Region PrivateLink to offer instead.
    let month_gb = 9e6 / (1u64 << 30) as f64 * 730.0 / report.window.hours;
    let want = month_gb * (0.048 + 0.02);
    let now = sqs.monthly_cost_now_usd.unwrap();
    assert!((now - want).abs() < 1e-9, "{now} vs {want}");
    let all = sqs.reasons.join("\n");
    assert!(all.contains("× $0.02/GB inter-Region"), "{all}");
    assert!(all.contains("sqs does not support cross-Region PrivateLink"), "{all}");
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

/// SQS and S3 traffic through NAT from a VPC in af-south-1 (Cape Town).
fn cape_town() -> Run {
    let dns = [
        query(
            "vpc-af",
            "af-south-1",
            0,
            "sqs.af-south-1.amazonaws.com",
            &[("A", "13.244.0.10")],
        ),
        query(
            "vpc-af",
            "af-south-1",
            1,
            "mybucket.s3.af-south-1.amazonaws.com",
            &[("A", "52.95.75.2")],
        ),
    ];
    let flows = [
        egress("vpc-af", "af-south-1", "10.0.0.5", "13.244.0.10", 700 * MB, "AMAZON"),
        egress("vpc-af", "af-south-1", "10.0.0.5", "52.95.75.2", 300 * MB, "S3"),
    ];
    run(&dns, &flows)
}

#[test]
fn af_south_1_is_priced_from_the_embedded_table() {
    let Run { mut report, .. } = cape_town();
    assert_eq!(nat_bytes(&report, "sqs", "af-south-1"), 700 * MB);
    let table = PriceTable::embedded();
    advise(&mut report, &table, &AdviceOptions::default());
    let p = report.pricing.as_ref().expect("af-south-1 is in the embedded table");
    assert_eq!((p.region.as_str(), p.confidence.as_str()), ("af-south-1", "low"));
    assert!(p.source.contains("derived from"), "{}", p.source);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("af-south-1 prices are low-confidence")),
        "{:?}",
        report.warnings
    );
    let afs1 = table.region("af-south-1").unwrap();
    let sqs = report.services.iter().find(|s| s.service == "sqs").unwrap();
    let month = sqs.monthly_gb_via_nat.unwrap();
    assert!(month > 0.0);
    assert!((sqs.monthly_cost_now_usd.unwrap() - month * afs1.nat_usd_per_gb).abs() < 1e-9);
    let s3 = report.services.iter().find(|s| s.service == "s3").unwrap();
    assert_eq!(s3.recommendation, Some(Recommendation::CreateGateway));
    assert!(s3.monthly_savings_usd.unwrap() > 0.0);
    let c = report.costs.as_ref().unwrap();
    assert!(
        c.nat_processing_usd > 0.0 && c.savings_if_all_applied_usd > 0.0,
        "{c:?}"
    );
}

#[test]
fn a_price_table_without_the_region_keeps_the_traffic_with_null_costs() {
    let mut table = PriceTable::embedded();
    table.regions.retain(|r, _| r == "us-east-1");
    let Run { mut report, .. } = cape_town();
    let traffic = report.totals.clone();
    advise(&mut report, &table, &AdviceOptions::default());
    assert!(report.pricing.is_none() && report.costs.is_none());
    assert_eq!(report.totals, traffic);
    assert_eq!(nat_bytes(&report, "sqs", "af-south-1"), 700 * MB);
    let w = report
        .warnings
        .iter()
        .find(|w| w.contains("no prices for af-south-1"))
        .unwrap_or_else(|| panic!("{:?}", report.warnings));
    assert!(w.contains("--pricing FILE"), "{w}");
    for s in &report.services {
        assert_eq!(s.monthly_cost_now_usd, None, "{}", s.service);
        assert_eq!(s.monthly_savings_usd, None, "{}", s.service);
    }
}
