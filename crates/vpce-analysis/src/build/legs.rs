//! NAT legs: which observation point counts a conversation's bytes. When a
//! VPC's NAT gateway interface is logged, its legs count and the instances'
//! records of the same traffic are duplicates; otherwise the instances'
//! records through the NAT count.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use vpce_model::NatGateway;

use super::ledger::{sat, Ledger, PathClass};
use crate::flow::{FlowAggregator, PublicKey};

/// Where the counted NAT bytes were observed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct CountedOn {
    pub(super) nat: bool,
    pub(super) instances: bool,
}

impl CountedOn {
    /// The report's `nat_bytes_counted_on`.
    pub(super) fn label(self) -> &'static str {
        match (self.nat, self.instances) {
            (true, false) => "nat-gateway-interface",
            (false, true) => "instance-interfaces",
            (true, true) => "nat-gateway-interface and instance-interfaces",
            (false, false) => "none",
        }
    }
}

/// What counting the public conversations found out on the way.
#[derive(Debug, Default)]
pub(super) struct Legs {
    pub(super) counted_on: CountedOn,
    /// AZs of the instances whose traffic went through a NAT gateway.
    pub(super) source_azs: BTreeSet<String>,
    /// Counted NAT bytes per (destination, outbound, hour), for the series.
    pub(super) nat_hours: HashMap<(u32, bool, i64), u64>,
}

/// What to do with one public conversation's counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Leg {
    Count(PathClass),
    /// The NAT gateway's own legs carry these bytes already.
    Duplicate,
}

/// The path rules for one flow aggregate.
struct Paths<'a> {
    flow: &'a FlowAggregator,
    nat_ips: HashSet<IpAddr>,
    /// The addresses behind a NAT gateway: from translated legs, and the
    /// instances on a given NAT interface's records between VPC addresses.
    clients: HashSet<IpAddr>,
    vpcs_with_nat_legs: HashSet<u32>,
    /// The path of each (VPC, local, destination) conversation, from its
    /// largest outbound record (inbound records carry no traffic-path).
    out_path: HashMap<(u32, u32, u32), (u8, u64)>,
    /// Every path each local address used outbound.
    local_paths: HashMap<u32, BTreeSet<u8>>,
}

impl<'a> Paths<'a> {
    fn new(flow: &'a FlowAggregator, nat: &BTreeMap<IpAddr, NatGateway>) -> Self {
        let nat_ips: HashSet<IpAddr> = nat.keys().copied().collect();
        let clients = flow
            .nat_clients
            .iter()
            .chain(flow.given_nat_eni_peers.iter().filter(|ip| !nat_ips.contains(ip)))
            .copied()
            .collect();
        let mut p = Paths {
            flow,
            nat_ips,
            clients,
            vpcs_with_nat_legs: HashSet::default(),
            out_path: HashMap::default(),
            local_paths: HashMap::default(),
        };
        for (k, c) in &flow.public {
            if p.is_nat_local(k.local) {
                p.vpcs_with_nat_legs.insert(k.vpc);
            }
            if k.outbound && k.path != 0 {
                let e = p.out_path.entry((k.vpc, k.local, k.dest)).or_insert((k.path, 0));
                if c.bytes > e.1 {
                    *e = (k.path, c.bytes);
                }
                p.local_paths.entry(k.local).or_default().insert(k.path);
            }
        }
        p
    }

    fn is_nat_local(&self, local: u32) -> bool {
        self.nat_ips.contains(&self.flow.locals[local as usize].0)
    }

    /// The traffic-path of a record: its own when outbound, else its
    /// conversation's, else the local address's only path.
    fn traffic_path(&self, k: &PublicKey) -> u8 {
        if k.outbound {
            return k.path;
        }
        if let Some(p) = self.out_path.get(&(k.vpc, k.local, k.dest)) {
            return p.0;
        }
        match self.local_paths.get(&k.local) {
            Some(p) if p.len() == 1 => p.iter().next().copied().unwrap_or(0),
            _ => 0,
        }
    }

    /// How a conversation left the VPC.
    fn class(&self, k: &PublicKey) -> PathClass {
        if self.is_nat_local(k.local) {
            return PathClass::Nat;
        }
        match PathClass::of_traffic_path(self.traffic_path(k)) {
            PathClass::Unknown if self.clients.contains(&self.flow.locals[k.local as usize].0) => {
                PathClass::NatInstanceSide
            }
            other => other,
        }
    }

    fn leg(&self, k: &PublicKey, class: PathClass) -> Leg {
        if class == PathClass::NatInstanceSide && self.vpcs_with_nat_legs.contains(&k.vpc) {
            Leg::Duplicate
        } else {
            Leg::Count(class)
        }
    }
}

/// Counts every public conversation once into `ledger`.
pub(super) fn count_public(flow: &FlowAggregator, nat: &BTreeMap<IpAddr, NatGateway>, ledger: &mut Ledger<'_>) -> Legs {
    let paths = Paths::new(flow, nat);
    let mut legs = Legs::default();
    for (k, c) in &flow.public {
        let class = paths.class(k);
        if class == PathClass::NatInstanceSide {
            if let Some(az) = flow.locals[k.local as usize].1.az {
                legs.source_azs.insert(flow.strings.name(az).to_string());
            }
        }
        match paths.leg(k, class) {
            Leg::Duplicate => {
                sat(&mut ledger.totals.bytes_deduplicated, c.bytes);
                continue;
            }
            Leg::Count(PathClass::NatInstanceSide) => legs.counted_on.instances = true,
            Leg::Count(PathClass::Nat) => legs.counted_on.nat = true,
            Leg::Count(_) => {}
        }
        if class.through_nat() {
            sat(legs.nat_hours.entry((k.dest, k.outbound, k.hour)).or_default(), c.bytes);
        }
        ledger.add(&flow.dests[k.dest as usize], class, c);
    }
    legs
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{
        egress, flows, flows_with_header, nat_leg, record, resolver, sqs_query, v2, SERVICE_IP, V2_HEADER,
    };
    use super::super::{nat, AnalysisConfig};
    use super::*;
    use vpce_catalog::Catalog;

    fn count(lines: &[String]) -> (Legs, vpce_model::Totals) {
        let cfg = AnalysisConfig::default();
        let f = flows(&cfg, &[sqs_query()], lines);
        let catalog = Catalog::embedded();
        let mut ledger = Ledger::new(&catalog);
        let legs = count_public(&f, &nat::gateways(&cfg, &f), &mut ledger);
        (legs, ledger.totals)
    }

    #[test]
    fn the_nat_gateways_legs_count_and_the_instances_copies_are_duplicates() {
        let lines = [
            nat_leg("10.0.0.5", "10.0.0.9", SERVICE_IP, 1000),
            vec![egress("10.0.0.5", SERVICE_IP, 1000, 1)],
        ]
        .concat();
        let (legs, t) = count(&lines);
        assert_eq!(legs.counted_on.label(), "nat-gateway-interface");
        assert_eq!((t.bytes_via_nat, t.bytes_deduplicated), (1000, 1000));
        assert_eq!(t.bytes_via_nat_to_aws_services, 1000);
        assert!(legs.source_azs.contains("use1-az1"), "{:?}", legs.source_azs);
    }

    /// The default format has no packet addresses and no traffic-path: with
    /// the NAT gateway given, its interface's records to and from the
    /// instance make the instance's own records of the same traffic the
    /// duplicates they are.
    #[test]
    fn with_the_default_format_a_given_nat_gateway_makes_the_instance_side_duplicates() {
        let lines: Vec<String> = [
            nat_leg("10.0.0.5", "10.0.0.9", SERVICE_IP, 1000),
            // The reply: destination → NAT, NAT → instance.
            vec![
                record(
                    "eni-nat", SERVICE_IP, "10.0.0.9", SERVICE_IP, "10.0.0.9", 7000, "ingress", "-",
                ),
                record(
                    "eni-nat", "10.0.0.9", "10.0.0.5", SERVICE_IP, "10.0.0.5", 7000, "egress", "-",
                ),
            ],
            vec![
                egress("10.0.0.5", SERVICE_IP, 1000, 1),
                record(
                    "eni-app", SERVICE_IP, "10.0.0.5", SERVICE_IP, "10.0.0.5", 7000, "ingress", "-",
                ),
            ],
        ]
        .concat()
        .iter()
        .map(|l| v2(l))
        .collect();
        let given = [
            AnalysisConfig {
                nat_ips: vec!["10.0.0.9".parse().unwrap()],
                ..Default::default()
            },
            AnalysisConfig {
                nat_enis: vec!["eni-nat".into()],
                ..Default::default()
            },
        ];
        for cfg in given {
            let (_, r) = resolver(&cfg, &[sqs_query()]);
            let f = flows_with_header(&cfg, r, V2_HEADER, &lines);
            let catalog = Catalog::embedded();
            let mut ledger = Ledger::new(&catalog);
            let legs = count_public(&f, &nat::gateways(&cfg, &f), &mut ledger);
            let t = &ledger.totals;
            assert_eq!(
                (t.bytes_via_nat, t.bytes_deduplicated, t.bytes_unknown_path),
                (8000, 8000, 0),
                "{cfg:?}"
            );
            assert_eq!(legs.counted_on.label(), "nat-gateway-interface");
        }
    }

    /// An IPv6-only subnet without an IPv6 --vpc-cidr: the VPC side is
    /// learned from flow-direction, a NAT64 destination (DNS64's
    /// `64:ff9b::/96`) is the IPv4 host it embeds, here S3, through NAT.
    #[test]
    fn ipv6_traffic_is_placed_and_nat64_is_named_by_its_ipv4_host() {
        let (vm, nat64, v6_site) = ("2600:1f18:aa:bb01::5", "64:ff9b::34d8:809", "2600:9000:1::1");
        let lines = [
            egress(vm, nat64, 1000, 1),
            record("eni-app", nat64, vm, nat64, vm, 9000, "ingress", "-"),
            egress(vm, v6_site, 100, 8),
            record("eni-app", v6_site, vm, v6_site, vm, 50, "ingress", "-"),
        ];
        let (_, t) = count(&lines);
        assert_eq!(t.bytes_via_nat, 10_000, "{t:?}");
        assert_eq!(t.bytes_via_nat_to_aws_services, 10_000, "{t:?}");
        assert_eq!((t.bytes_via_internet_gateway, t.bytes_unknown_path), (150, 0));
    }

    #[test]
    fn without_the_nat_interface_the_instances_records_count() {
        let (legs, t) = count(&[egress("10.0.0.5", SERVICE_IP, 1000, 1)]);
        assert_eq!(legs.counted_on.label(), "instance-interfaces");
        assert_eq!((t.bytes_via_nat, t.bytes_deduplicated), (1000, 0));
    }

    #[test]
    fn inbound_records_take_their_conversations_path() {
        let lines = [
            egress("10.0.0.5", SERVICE_IP, 100, 8),
            record(
                "eni-app", SERVICE_IP, "10.0.0.5", SERVICE_IP, "10.0.0.5", 5000, "ingress", "-",
            ),
        ];
        let (_, t) = count(&lines);
        assert_eq!(t.bytes_via_internet_gateway, 5100);
        assert_eq!(t.bytes_unknown_path, 0);
    }

    /// An EKS pod on a secondary address of its node's interface (VPC CNI):
    /// AWS writes the node's primary address in dstaddr of the reply and the
    /// pod's in pkt-dstaddr. The reply belongs to the pod's conversation.
    #[test]
    fn a_reply_to_a_secondary_address_takes_its_conversations_path() {
        let (node, pod) = ("10.0.0.5", "10.0.0.77");
        let lines = [
            record("eni-node", pod, SERVICE_IP, pod, SERVICE_IP, 1000, "egress", "1"),
            record("eni-node", SERVICE_IP, node, SERVICE_IP, pod, 50_000, "ingress", "-"),
            // The node's own traffic leaves by another path.
            record(
                "eni-node",
                node,
                "198.51.100.1",
                node,
                "198.51.100.1",
                10,
                "egress",
                "8",
            ),
        ];
        let (legs, t) = count(&lines);
        assert_eq!(t.bytes_unknown_path, 0, "{t:?}");
        assert_eq!(t.bytes_via_nat, 51_000);
        assert_eq!(legs.counted_on.label(), "instance-interfaces");
    }

    /// A second address that sends with the primary in srcaddr (its source is
    /// not the interface's own): the packet address is the VPC side.
    #[test]
    fn a_secondary_source_is_counted_as_itself() {
        let (node, pod) = ("10.0.0.5", "10.0.0.77");
        let lines = [
            record("eni-node", node, SERVICE_IP, pod, SERVICE_IP, 1000, "egress", "1"),
            record("eni-node", SERVICE_IP, node, SERVICE_IP, pod, 50_000, "ingress", "-"),
        ];
        let cfg = AnalysisConfig::default();
        let f = flows(&cfg, &[sqs_query()], &lines);
        let locals: Vec<String> = f.locals.iter().map(|(ip, _)| ip.to_string()).collect();
        assert_eq!(locals, [pod]);
        let (_, t) = count(&lines);
        assert_eq!((t.bytes_via_nat, t.bytes_unknown_path), (51_000, 0));
    }

    #[test]
    fn inbound_records_of_an_address_with_two_paths_are_unknown() {
        let lines = [
            egress("10.0.0.5", "198.51.100.1", 100, 8),
            egress("10.0.0.5", "198.51.100.2", 100, 3),
            record(
                "eni-app", SERVICE_IP, "10.0.0.5", SERVICE_IP, "10.0.0.5", 5000, "ingress", "-",
            ),
        ];
        let (_, t) = count(&lines);
        assert_eq!(t.bytes_unknown_path, 5000);
    }
}
