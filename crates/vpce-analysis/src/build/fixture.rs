//! Hand-built logs for the passes' unit tests: one VPC (10.0.0.0/16 when the
//! test gives no CIDRs), an instance 10.0.0.5, a NAT gateway 10.0.0.9 on
//! `eni-nat`, SQS at [`SERVICE_IP`] by its DNS answer, and a public address
//! outside AWS at [`OTHER_IP`].

use std::sync::Arc;

use vpce_catalog::{Catalog, IpRanges};
use vpce_formats::flow::{read_flow_log, FlowReadOptions, FlowRecord, FlowSink};
use vpce_formats::resolver::{read_resolver_log, DnsQuery, DnsSink};

use super::AnalysisConfig;
use crate::dns::DnsAggregator;
use crate::flow::FlowAggregator;
use crate::resolve::Resolver;

pub(super) const HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id instance-id region az-id pkt-srcaddr pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path";
/// 2025-12-01T00:00:00Z
pub(super) const T0: i64 = 1_764_547_200;
/// An SQS address, named by the Resolver answer in [`sqs_query`].
pub(super) const SERVICE_IP: &str = "52.94.0.10";
/// A public address no AWS range and no answer names.
pub(super) const OTHER_IP: &str = "203.0.113.10";

struct Dns<'a>(&'a mut DnsAggregator);
impl DnsSink for Dns<'_> {
    fn query(&mut self, q: &DnsQuery<'_>, _line: u64) {
        self.0.push(q);
    }
    fn malformed(&mut self, line: u64, reason: String) {
        panic!("fixture Resolver line {line}: {reason}");
    }
}

struct Flows<'a>(&'a mut FlowAggregator);
impl FlowSink for Flows<'_> {
    fn record(&mut self, r: &FlowRecord<'_>, _line: u64) {
        self.0.push(r);
    }
    fn malformed(&mut self, line: u64, reason: String) {
        panic!("fixture flow line {line}: {reason}");
    }
}

/// One Resolver record from `vpc-1` in us-east-1 at minute 0 of [`T0`]'s hour.
pub(super) fn query(name: &str, answers: &[&str]) -> String {
    let answers: Vec<String> = answers
        .iter()
        .map(|d| format!(r#"{{"Rdata":"{d}","Type":"A","Class":"IN"}}"#))
        .collect();
    format!(
        r#"{{"version":"1.100000","account_id":"123456789012","region":"us-east-1","vpc_id":"vpc-1","query_timestamp":"2025-12-01T00:00:00Z","query_name":"{name}.","query_type":"A","query_class":"IN","rcode":"NOERROR","answers":[{}],"srcaddr":"10.0.0.5","srcport":"5353","transport":"UDP","srcids":{{"instance":"i-1"}}}}"#,
        answers.join(",")
    )
}

/// SQS answered with [`SERVICE_IP`].
pub(super) fn sqs_query() -> String {
    query("sqs.us-east-1.amazonaws.com", &[SERVICE_IP])
}

/// One flow-log record of `vpc-1` on `eni` in az `use1-az1`.
#[allow(clippy::too_many_arguments)]
pub(super) fn record(
    eni: &str,
    src: &str,
    dst: &str,
    pkt_src: &str,
    pkt_dst: &str,
    bytes: u64,
    dir: &str,
    path: &str,
) -> String {
    format!(
        "5 123456789012 {eni} {src} {dst} 40000 443 6 10 {bytes} {T0} {} ACCEPT OK vpc-1 subnet-1 - us-east-1 use1-az1 {pkt_src} {pkt_dst} - - {dir} {path}",
        T0 + 60
    )
}

/// The NAT gateway's two legs of one conversation, as its interface logs them:
/// client → NAT (translated) and NAT → destination.
pub(super) fn nat_leg(client: &str, nat: &str, dst: &str, bytes: u64) -> Vec<String> {
    vec![
        record("eni-nat", client, nat, client, dst, bytes, "ingress", "-"),
        record("eni-nat", nat, dst, nat, dst, bytes, "egress", "-"),
    ]
}

/// An instance's egress record to `dst` with `path` (`1`: through the NAT).
pub(super) fn egress(src: &str, dst: &str, bytes: u64, path: u8) -> String {
    record("eni-app", src, dst, src, dst, bytes, "egress", &path.to_string())
}

/// The default (version 2) format's header.
pub(super) const V2_HEADER: &str =
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

/// A [`record`] in the default format: its first fourteen fields, version 2.
pub(super) fn v2(line: &str) -> String {
    let fields: Vec<&str> = line.split(' ').take(14).skip(1).collect();
    format!("2 {}", fields.join(" "))
}

/// The Resolver built from `dns` lines with the embedded reference data.
pub(super) fn resolver(cfg: &AnalysisConfig, dns_lines: &[String]) -> (DnsAggregator, Arc<Resolver>) {
    let mut dns = DnsAggregator::new(cfg.filter);
    read_resolver_log(dns_lines.join("\n").as_bytes(), &mut Dns(&mut dns)).expect("fixture Resolver log");
    let resolver = Arc::new(Resolver::new(&dns, &Catalog::embedded(), IpRanges::embedded(), None));
    (dns, resolver)
}

/// The flow aggregate of `lines`.
pub(super) fn flows_with(cfg: &AnalysisConfig, resolver: Arc<Resolver>, lines: &[String]) -> FlowAggregator {
    flows_with_header(cfg, resolver, HEADER, lines)
}

/// The flow aggregate of `lines` in the format `header` names.
pub(super) fn flows_with_header(
    cfg: &AnalysisConfig,
    resolver: Arc<Resolver>,
    header: &str,
    lines: &[String],
) -> FlowAggregator {
    let mut flows = cfg.flow_aggregator(resolver);
    let text = format!("{header}\n{}\n", lines.join("\n"));
    let opts = FlowReadOptions {
        wanted: Some(FlowAggregator::FIELDS.to_vec()),
        ..Default::default()
    };
    read_flow_log(text.as_bytes(), &opts, &mut Flows(&mut flows)).expect("fixture flow log");
    flows
}

/// The flow aggregate of `lines`, names resolved from `dns_lines`.
pub(super) fn flows(cfg: &AnalysisConfig, dns_lines: &[String], lines: &[String]) -> FlowAggregator {
    let (_, resolver) = resolver(cfg, dns_lines);
    flows_with(cfg, resolver, lines)
}
