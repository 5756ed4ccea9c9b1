//! Logs Insights results (recorded `GetQueryResults` responses) through the
//! same aggregators as files: the rows the queries return are turned back
//! into records by the shipped glue (`vpce_analysis::insights`, which the
//! AWS shell calls with the rows it fetched), and the report must show what
//! the rows say.

use std::sync::Arc;

use vpce_analysis::insights::{dns_rows, flow_query, flow_text};
use vpce_analysis::{build_report, AnalysisConfig, FlowAggregator, Reference, Resolver};
use vpce_catalog::{Catalog, IpRanges};
use vpce_formats::flow::{read_flow_log, FlowFormat, FlowReadOptions, FlowRecord, FlowSink};
use vpce_formats::insights::{dns_query, rows_from_json};
use vpce_model::Inputs;

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;

/// The format `vpce-advisor setup` turns on (and `simulate` writes).
const FORMAT: &str = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${instance-id} ${region} ${az-id} ${pkt-srcaddr} ${pkt-dstaddr} ${pkt-src-aws-service} ${pkt-dst-aws-service} ${flow-direction} ${traffic-path}";

struct Sink<'a>(&'a mut FlowAggregator);
impl FlowSink for Sink<'_> {
    fn record(&mut self, r: &FlowRecord<'_>, _line: u64) {
        self.0.push(r);
    }
    fn malformed(&mut self, line: u64, reason: String) {
        panic!("line {line}: {reason}");
    }
}

#[test]
fn recorded_results_make_the_same_report_as_records() {
    let format = FlowFormat::parse(FORMAT, false).unwrap();
    // The query the recorded flow response answers groups by exactly the
    // fields its rows carry.
    let query = flow_query(&format).unwrap();
    let (flow_rows, status) = rows_from_json(include_str!("fixtures/insights-flow.json")).unwrap();
    assert_eq!(status, "Complete");
    for (field, _) in &flow_rows[0] {
        if field.starts_with("f_") {
            assert!(
                query.contains(&format!("{field},")) || query.contains(&format!("{field} ")),
                "{field} not in {query}"
            );
        }
    }
    assert!(dns_query().contains("stats count(*) as queries by qname, vpc, rgn, acct, a0"));

    let cfg = AnalysisConfig {
        vpc_cidrs: vec!["10.0.0.0/16".parse().unwrap()],
        ..Default::default()
    };
    let (dns_rows_in, _) = rows_from_json(include_str!("fixtures/insights-dns.json")).unwrap();
    let dns_out = dns_rows(&dns_rows_in, cfg.filter);
    assert_eq!(dns_out.errors, vec!["'n/a' is not a count".to_string()]);
    assert_eq!(dns_out.stats.malformed, 1);
    assert_eq!(dns_out.stats.records, 1200 + 30 + 250);
    let dns = dns_out.aggregate;
    assert_eq!(dns.records(), 1200 + 30 + 250);

    let catalog = Catalog::embedded();
    let resolver = Arc::new(Resolver::new(
        &dns,
        &catalog,
        IpRanges::embedded(),
        Some("us-east-1".into()),
    ));
    let mut flows = FlowAggregator::new(cfg.local_net(), cfg.filter, resolver.clone());
    let flow_out = flow_text(&flow_rows, &format);
    assert!(flow_out.errors.is_empty(), "{:?}", flow_out.errors);
    assert_eq!(
        flow_out.text.lines().count(),
        flow_rows.len() + 1,
        "a header and one line per row"
    );
    let opts = FlowReadOptions {
        wanted: Some(FlowAggregator::FIELDS.to_vec()),
        ..Default::default()
    };
    read_flow_log(flow_out.text.as_bytes(), &opts, &mut Sink(&mut flows)).unwrap();

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
    let get = |name: &str| report.services.iter().find(|s| s.service == name).unwrap();
    // The NAT gateway's internet-side legs: 1 GiB out, 4 GiB back (its
    // instance-side legs and the instances' records are not counted again).
    assert_eq!(get("s3").bytes_via_nat, 5 * GIB);
    assert_eq!(get("s3").query_count, 1200);
    assert_eq!(get("sts").bytes_via_nat, 3 * MIB);
    assert_eq!(get("sts").query_count, 30);
    let logs = get("logs");
    assert!(logs.endpoint_exists, "private answers mean an endpoint");
    assert_eq!(logs.bytes_via_endpoint, MIB);
    assert_eq!(logs.bytes_via_nat, 0);
    assert_eq!(report.totals.bytes_via_nat, 5 * GIB + 3 * MIB);
}
