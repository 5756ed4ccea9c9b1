//! The byte identity, as a property over generated logs: every byte read is
//! in exactly one of the report's totals.

use proptest::prelude::*;
use vpce_catalog::Catalog;
use vpce_model::{Inputs, Totals};

use super::fixture::{egress, nat_leg, query, record, resolver, sqs_query, v2, OTHER_IP, SERVICE_IP, V2_HEADER};
use super::{build_report, fixture::flows_with_header, fixture::HEADER, AnalysisConfig, Reference};

/// An interface endpoint's address, named by a private answer.
const ENDPOINT_IP: &str = "10.0.1.200";

/// One conversation's records, in one of the shapes AWS logs.
#[derive(Clone, Debug)]
enum Shape {
    /// An instance's request and reply on its own interface, by `path`.
    Instance { path: &'static str, aws: bool },
    /// Through the NAT gateway: its four legs, and the instance's two records when logged.
    Nat { instance_logged: bool },
    /// An EKS pod on a secondary address through NAT (no NAT legs logged).
    Pod,
    /// To the interface endpoint: the client's records, and the endpoint's when logged.
    Endpoint { endpoint_logged: bool },
    /// Between two VPC addresses, to a peered network, or public to public.
    NotPublic(&'static str, &'static str),
    /// A rejected record: read, never counted.
    Rejected,
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        (
            prop::sample::select(vec!["-", "1", "2", "3", "4", "5", "6", "7", "8"]),
            any::<bool>()
        )
            .prop_map(|(path, aws)| Shape::Instance { path, aws }),
        any::<bool>().prop_map(|instance_logged| Shape::Nat { instance_logged }),
        Just(Shape::Pod),
        any::<bool>().prop_map(|endpoint_logged| Shape::Endpoint { endpoint_logged }),
        prop::sample::select(vec![
            ("10.0.0.5", "10.0.3.3"),
            ("10.0.0.5", "192.168.1.1"),
            ("198.51.100.1", OTHER_IP)
        ])
        .prop_map(|(a, b)| Shape::NotPublic(a, b)),
        Just(Shape::Rejected),
    ]
}

/// The records of one conversation of `out` bytes out and `back` bytes back,
/// and the bytes of its accepted records.
fn records(s: &Shape, out: u64, back: u64) -> (Vec<String>, u64) {
    let (inst, nat, ep) = ("10.0.0.5", "10.0.0.9", ENDPOINT_IP);
    let reply =
        |eni: &str, from: &str, to: &str, pkt_to: &str| record(eni, from, to, from, pkt_to, back, "ingress", "-");
    match s {
        Shape::Instance { path, aws } => {
            let dst = if *aws { SERVICE_IP } else { OTHER_IP };
            let e = record("eni-app", inst, dst, inst, dst, out, "egress", path);
            (vec![e, reply("eni-app", dst, inst, inst)], out + back)
        }
        Shape::Nat { instance_logged } => {
            let mut v = nat_leg(inst, nat, SERVICE_IP, out);
            v.push(reply("eni-nat", SERVICE_IP, nat, nat));
            v.push(record("eni-nat", nat, inst, SERVICE_IP, inst, back, "egress", "-"));
            let mut read = 2 * (out + back);
            if *instance_logged {
                v.push(egress(inst, SERVICE_IP, out, 1));
                v.push(reply("eni-app", SERVICE_IP, inst, inst));
                read += out + back;
            }
            (v, read)
        }
        Shape::Pod => {
            let (node, pod) = ("10.0.0.6", "10.0.0.77");
            let v = vec![
                record("eni-node", pod, SERVICE_IP, pod, SERVICE_IP, out, "egress", "1"),
                reply("eni-node", SERVICE_IP, node, pod),
            ];
            (v, out + back)
        }
        Shape::Endpoint { endpoint_logged } => {
            let mut v = vec![egress(inst, ep, out, 1), reply("eni-app", ep, inst, inst)];
            let mut read = out + back;
            if *endpoint_logged {
                v.push(record("eni-ep", inst, ep, inst, ep, out, "ingress", "-"));
                v.push(record("eni-ep", ep, inst, ep, inst, back, "egress", "1"));
                read += out + back;
            }
            (v, read)
        }
        Shape::NotPublic(a, b) => (vec![egress(a, b, out, 1), reply("eni-app", b, a, a)], out + back),
        Shape::Rejected => (vec![egress(inst, OTHER_IP, out, 8).replace(" ACCEPT ", " REJECT ")], 0),
    }
}

/// The totals of the report built from `lines`, in the fixture's format or the default one.
fn totals(cfg: &AnalysisConfig, lines: &[String], default_format: bool) -> Totals {
    let dns = [sqs_query(), query("logs.us-east-1.amazonaws.com", &[ENDPOINT_IP])];
    let (agg, r) = resolver(cfg, &dns);
    let flow = if default_format {
        let lines: Vec<String> = lines.iter().map(|l| v2(l)).collect();
        flows_with_header(cfg, r.clone(), V2_HEADER, &lines)
    } else {
        flows_with_header(cfg, r.clone(), HEADER, lines)
    };
    let catalog = Catalog::embedded();
    let reference = Reference {
        catalog: &catalog,
        resolver: &r,
    };
    build_report(&agg, &flow, Inputs::default(), cfg, &reference).totals
}

/// read = NAT + endpoint + internet gateway + other path + unknown + deduplicated + internal.
fn placed(t: &Totals) -> u64 {
    t.bytes_via_nat
        + t.bytes_via_endpoint
        + t.bytes_via_internet_gateway
        + t.bytes_via_other_path
        + t.bytes_unknown_path
        + t.bytes_deduplicated
        + t.bytes_internal
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_byte_read_is_in_exactly_one_total(
        convs in prop::collection::vec((shape(), 1u64..1_000_000, 1u64..1_000_000), 1..12),
        given_cidr in any::<bool>(),
        given_nat in any::<bool>(),
        default_format in any::<bool>(),
    ) {
        let cfg = AnalysisConfig {
            vpc_cidrs: if given_cidr { vec!["10.0.0.0/16".parse().unwrap()] } else { Vec::new() },
            nat_ips: if given_nat { vec!["10.0.0.9".parse().unwrap()] } else { Vec::new() },
            ..Default::default()
        };
        let mut lines = Vec::new();
        let mut read = 0;
        for (s, out, back) in &convs {
            let (l, b) = records(s, *out, *back);
            lines.extend(l);
            read += b;
        }
        let t = totals(&cfg, &lines, default_format);
        prop_assert_eq!(t.bytes_read, read, "{:?}", t);
        prop_assert_eq!(placed(&t), t.bytes_read, "{:?}", t);
        prop_assert_eq!(
            t.bytes_via_nat,
            t.bytes_via_nat_to_aws_services + t.bytes_via_nat_not_aws + t.bytes_via_nat_to_aws_unattributed
        );
    }
}
