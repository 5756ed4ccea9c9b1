//! The network as the logs show it: VPCs with their Region and account, the
//! VPC CIDRs (given or inferred), NAT gateways and their clients, and the
//! flow-log fields the analysis missed.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use vpce_model::{NatGateway, Network, Vpc};

use super::legs::Legs;
use super::AnalysisConfig;
use crate::dns::DnsAggregator;
use crate::flow::FlowAggregator;
use crate::net::{is_private, Cidr, LocalNet};

/// Prefix length of the CIDRs inferred around the private addresses seen,
/// when none is given: IPv4, IPv6.
pub(super) const INFERRED_PREFIX: (u8, u8) = (16, 56);
/// NAT clients outside the VPC CIDRs listed in the report.
pub(super) const NAT_CLIENTS_OUTSIDE_VPC_SHOWN: usize = 10;

/// The report's network section.
pub(super) fn facts(
    dns: &DnsAggregator,
    flow: &FlowAggregator,
    cfg: &AnalysisConfig,
    net: &LocalNet,
    nat: BTreeMap<IpAddr, NatGateway>,
    legs: Legs,
) -> Network {
    let (vpc_cidrs, vpc_cidrs_source) = vpc_cidrs(flow, cfg);
    Network {
        vpcs: vpcs(dns, flow),
        vpc_cidrs,
        vpc_cidrs_source: vpc_cidrs_source.into(),
        nat_gateways: nat.into_values().collect(),
        nat_bytes_counted_on: legs.counted_on.label().into(),
        flow_fields_missing: flow_fields_missing(flow),
        source_az_ids: source_azs(flow, legs.source_azs).into_iter().collect(),
        nat_clients_outside_vpc: nat_clients_outside_vpc(flow, net),
        region_without_vpc_id: flow
            .vpc_regions
            .get(&u32::MAX)
            .map(|r| flow.strings.name(*r).to_string()),
    }
}

/// Every VPC either log names, with the Region and account the Resolver
/// logs give, else the flow logs.
fn vpcs(dns: &DnsAggregator, flow: &FlowAggregator) -> Vec<Vpc> {
    let mut vpcs: BTreeMap<String, Vpc> = BTreeMap::new();
    for (i, meta) in dns.vpc_meta.iter().enumerate() {
        let id = dns.vpcs.name(i as u32).to_string();
        vpcs.insert(
            id.clone(),
            Vpc {
                vpc_id: id,
                region: meta.region.clone(),
                account_id: meta.account_id.clone(),
            },
        );
    }
    for v in 0..flow.vpcs.len() as u32 {
        let id = flow.vpcs.name(v).to_string();
        let region = flow.vpc_regions.get(&v).map(|r| flow.strings.name(*r).to_string());
        let account = flow.vpc_accounts.get(&v).map(|r| flow.strings.name(*r).to_string());
        let e = vpcs.entry(id.clone()).or_insert(Vpc {
            vpc_id: id,
            region: None,
            account_id: None,
        });
        e.region = e.region.take().or(region);
        e.account_id = e.account_id.take().or(account);
    }
    vpcs.into_values().collect()
}

/// The VPC CIDRs and where they came from: given, inferred, or none. The
/// IPv6 CIDRs learned from the records are added when none is given.
fn vpc_cidrs<'a>(flow: &FlowAggregator, cfg: &'a AnalysisConfig) -> (Vec<String>, &'a str) {
    if !cfg.vpc_cidrs.is_empty() {
        let source = cfg.vpc_cidrs_source.as_deref().unwrap_or("given");
        let given = cfg.vpc_cidrs.iter().chain(&flow.learned_ipv6);
        return (given.map(|c| c.to_string()).collect(), source);
    }
    let (v4, v6) = INFERRED_PREFIX;
    let inferred: BTreeSet<Cidr> = flow
        .locals
        .iter()
        .map(|(ip, _)| *ip)
        .filter(|ip| is_private(*ip))
        .filter_map(|ip| Cidr::new(ip, if ip.is_ipv4() { v4 } else { v6 }))
        .chain(flow.learned_ipv6.iter().copied())
        .collect();
    if inferred.is_empty() {
        (Vec::new(), "none")
    } else {
        (inferred.iter().map(|c| c.to_string()).collect(), "inferred")
    }
}

/// The fields whose absence limits what the analysis can tell.
fn flow_fields_missing(flow: &FlowAggregator) -> Vec<String> {
    if flow.records == 0 {
        return Vec::new();
    }
    let f = flow.fields;
    [
        (f.vpc_id, "vpc-id"),
        (f.pkt_addrs, "pkt-srcaddr/pkt-dstaddr"),
        (f.traffic_path, "traffic-path"),
        (f.flow_direction, "flow-direction"),
        (f.az_id, "az-id"),
        (f.pkt_aws_service, "pkt-dst-aws-service"),
    ]
    .into_iter()
    .filter(|(present, _)| !present)
    .map(|(_, name)| name.to_string())
    .collect()
}

/// The AZs of the instances behind NAT: from their own records and from the
/// NAT gateway's translated legs.
fn source_azs(flow: &FlowAggregator, mut azs: BTreeSet<String>) -> BTreeSet<String> {
    let az_of: BTreeMap<IpAddr, u32> = flow
        .locals
        .iter()
        .filter_map(|(ip, info)| info.az.map(|az| (*ip, az)))
        .collect();
    for client in &flow.nat_clients {
        if let Some(az) = az_of.get(client) {
            azs.insert(flow.strings.name(*az).to_string());
        }
    }
    azs
}

/// NAT clients outside the VPC CIDRs (peered VPCs, on-premises), when the
/// CIDRs are known.
fn nat_clients_outside_vpc(flow: &FlowAggregator, net: &LocalNet) -> Vec<String> {
    if net.cidrs().is_empty() {
        return Vec::new();
    }
    let mut v: Vec<IpAddr> = flow
        .nat_clients
        .iter()
        .copied()
        .filter(|ip| !net.is_local(*ip))
        .collect();
    v.sort();
    v.into_iter()
        .take(NAT_CLIENTS_OUTSIDE_VPC_SHOWN)
        .map(|ip| ip.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{egress, flows, nat_leg, OTHER_IP};
    use super::*;

    #[test]
    fn cidrs_are_inferred_around_private_addresses_when_none_are_given() {
        let cfg = AnalysisConfig::default();
        let f = flows(
            &cfg,
            &[],
            &[egress("10.0.3.5", OTHER_IP, 1, 1), egress("10.7.0.5", OTHER_IP, 1, 1)],
        );
        assert_eq!(
            vpc_cidrs(&f, &cfg),
            (vec!["10.0.0.0/16".to_string(), "10.7.0.0/16".to_string()], "inferred")
        );
        let none = flows(&cfg, &[], &[]);
        assert_eq!(vpc_cidrs(&none, &cfg), (Vec::new(), "none"));
    }

    #[test]
    fn ipv6_cidrs_are_learned_from_the_interface_side_of_directed_records() {
        let cfg = AnalysisConfig::default();
        let f = flows(&cfg, &[], &[egress("2600:1f18:aa:bb01::5", "2600:9000:1::1", 1, 8)]);
        assert_eq!(
            vpc_cidrs(&f, &cfg),
            (vec!["2600:1f18:aa:bb00::/56".to_string()], "inferred")
        );
        // Given IPv4 CIDRs alone: the learned IPv6 one is added.
        let v4 = AnalysisConfig {
            vpc_cidrs: vec!["10.0.0.0/16".parse().unwrap()],
            ..Default::default()
        };
        let f = flows(&v4, &[], &[egress("2600:1f18:aa:bb01::5", "2600:9000:1::1", 1, 8)]);
        assert_eq!(vpc_cidrs(&f, &v4).0, ["10.0.0.0/16", "2600:1f18:aa:bb00::/56"]);
    }

    #[test]
    fn the_missing_fields_are_named_only_when_there_are_flow_records() {
        let cfg = AnalysisConfig::default();
        assert!(flow_fields_missing(&flows(&cfg, &[], &[])).is_empty());
        let f = flows(&cfg, &[], &[egress("10.0.0.5", OTHER_IP, 1, 1)]);
        // The fixture's records leave pkt-src/dst-aws-service empty.
        assert_eq!(flow_fields_missing(&f), ["pkt-dst-aws-service"]);
    }

    #[test]
    fn nat_clients_outside_the_vpc_cidrs_are_listed() {
        let cfg = AnalysisConfig {
            vpc_cidrs: vec!["10.0.0.0/16".parse().unwrap()],
            ..Default::default()
        };
        let f = flows(&cfg, &[], &nat_leg("192.168.1.5", "10.0.0.9", OTHER_IP, 10));
        assert_eq!(nat_clients_outside_vpc(&f, &cfg.local_net()), ["192.168.1.5"]);
    }
}
