//! From aggregates to the report: count each byte once, attribute it, rank.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::net::IpAddr;

use vpce_catalog::{Catalog, Kind};
use vpce_formats::time::format_rfc3339;
use vpce_model::{
    HostnameUsage, Inputs, NatGateway, Network, OtherTraffic, ReferenceData, Report, ServiceUsage, Totals, Vpc, Window,
    SCHEMA_VERSION,
};

use crate::dns::DnsAggregator;
use crate::flow::{Counters, FlowAggregator};
use crate::net::{is_private, Cidr, LocalNet};
use crate::resolve::{Dest, Resolved, Resolver};
use crate::TimeFilter;

/// What the user told us about the network.
#[derive(Clone, Debug, Default)]
pub struct AnalysisConfig {
    pub vpc_cidrs: Vec<Cidr>,
    pub nat_ips: Vec<IpAddr>,
    pub nat_enis: Vec<String>,
    pub filter: TimeFilter,
    /// Region for names whose queries carry none.
    pub default_region: Option<String>,
    /// Where `vpc_cidrs` came from, for the report (default: "given").
    pub vpc_cidrs_source: Option<String>,
    /// Where `nat_ips` and `nat_enis` came from (default: "given").
    pub nat_source: Option<String>,
    /// Name written into the report's `generator` field.
    pub generator: String,
}

impl AnalysisConfig {
    /// The address classifier for this configuration.
    pub fn local_net(&self) -> LocalNet {
        LocalNet::new(self.vpc_cidrs.clone())
    }
}

/// The reference data a report is built with.
pub struct Reference<'a> {
    pub catalog: &'a Catalog,
    /// Built from the same Resolver-log aggregate the report is built from.
    pub resolver: &'a Resolver,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PathClass {
    Nat,
    NatInstanceSide,
    GatewayEndpoint,
    InternetGateway,
    OtherPath,
    Unknown,
}

fn class_of_path(path: u8) -> PathClass {
    match path {
        7 => PathClass::GatewayEndpoint,
        2 | 8 => PathClass::InternetGateway,
        1 => PathClass::NatInstanceSide,
        3..=6 => PathClass::OtherPath,
        _ => PathClass::Unknown,
    }
}

#[derive(Default)]
struct ServiceAcc {
    usage: Option<ServiceUsage>,
    evidence: BTreeSet<String>,
    attribution: BTreeSet<String>,
    answers: BTreeSet<IpAddr>,
}

#[derive(Default)]
struct OtherAcc {
    nat: u64,
    endpoint: u64,
    other: u64,
    samples: BTreeMap<String, u64>,
}

/// Builds the report from merged aggregates.
pub fn build_report(
    dns: &DnsAggregator,
    flow: &FlowAggregator,
    inputs: Inputs,
    cfg: &AnalysisConfig,
    reference: &Reference<'_>,
) -> Report {
    let catalog = reference.catalog;
    let net = cfg.local_net();
    let resolver = reference.resolver;
    let classes = resolver.classes();
    let flow_vpc_name = |v: u32| -> Option<&str> { (v != u32::MAX).then(|| flow.vpcs.name(v)) };
    let flow_vpc_region = |v: u32| -> Option<&str> { flow.vpc_regions.get(&v).map(|r| flow.strings.name(*r)) };

    // NAT gateway addresses: given, or inferred from the logs.
    let mut nat: BTreeMap<IpAddr, NatGateway> = BTreeMap::new();
    let nat_source = cfg.nat_source.as_deref().unwrap_or("given");
    for ip in &cfg.nat_ips {
        nat.insert(
            *ip,
            NatGateway {
                private_ip: ip.to_string(),
                interface_id: None,
                source: nat_source.to_string(),
            },
        );
    }
    for eni_name in &cfg.nat_enis {
        if let Some(eni) = flow.enis.get(eni_name) {
            let mut ips: Vec<IpAddr> = flow.eni_own.get(&eni).and_then(|o| o.known()).into_iter().collect();
            if ips.is_empty() {
                ips = flow
                    .locals
                    .iter()
                    .filter(|(_, i)| i.eni == Some(eni))
                    .map(|(ip, _)| *ip)
                    .collect();
            }
            for ip in ips {
                nat.insert(
                    ip,
                    NatGateway {
                        private_ip: ip.to_string(),
                        interface_id: Some(eni_name.clone()),
                        source: nat_source.to_string(),
                    },
                );
            }
        }
    }
    for (ip, ev) in &flow.nat {
        let interface_id = ev.eni.map(|e| flow.enis.name(e).to_string());
        nat.entry(*ip)
            .and_modify(|g| {
                if g.interface_id.is_none() {
                    g.interface_id = interface_id.clone();
                }
            })
            .or_insert(NatGateway {
                private_ip: ip.to_string(),
                interface_id,
                source: if ev.translated_records > 0 {
                    "inferred"
                } else {
                    "interface-type"
                }
                .into(),
            });
    }
    let nat_ips: HashSet<IpAddr> = nat.keys().copied().collect();
    let is_nat_local = |local: u32| nat_ips.contains(&flow.locals[local as usize].0);

    let vpcs_with_nat_legs: HashSet<u32> = flow
        .public
        .keys()
        .filter(|k| is_nat_local(k.local))
        .map(|k| k.vpc)
        .collect();

    // The path of each conversation, from its outbound records (inbound
    // records carry no traffic-path).
    let mut out_path: HashMap<(u32, u32, u32), (u8, u64)> = HashMap::default();
    let mut local_paths: HashMap<u32, BTreeSet<u8>> = HashMap::default();
    for (k, c) in &flow.public {
        if k.outbound && k.path != 0 {
            let e = out_path.entry((k.vpc, k.local, k.dest)).or_insert((k.path, 0));
            if c.bytes > e.1 {
                *e = (k.path, c.bytes);
            }
            local_paths.entry(k.local).or_default().insert(k.path);
        }
    }

    let mut services: BTreeMap<(String, Option<String>), ServiceAcc> = BTreeMap::new();
    let mut others: BTreeMap<(String, &'static str, Option<String>), OtherAcc> = BTreeMap::new();
    let mut totals = Totals::default();
    let mut source_azs: BTreeSet<String> = BTreeSet::new();
    let (mut counted_on_nat, mut counted_on_instances) = (false, false);

    let add = |resolved: &Resolved,
               class: PathClass,
               c: &Counters,
               services: &mut BTreeMap<(String, Option<String>), ServiceAcc>,
               others: &mut BTreeMap<(String, &'static str, Option<String>), OtherAcc>,
               totals: &mut Totals| {
        let b = c.bytes;
        match class {
            PathClass::Nat | PathClass::NatInstanceSide => totals.bytes_via_nat += b,
            PathClass::GatewayEndpoint => totals.bytes_via_endpoint += b,
            PathClass::InternetGateway => totals.bytes_via_internet_gateway += b,
            PathClass::Unknown => totals.bytes_unknown_path += b,
            PathClass::OtherPath => {}
        }
        match &resolved.dest {
            Dest::Service { service, region } => {
                let acc = services.entry((service.clone(), region.clone())).or_default();
                let u = acc
                    .usage
                    .get_or_insert_with(|| empty_usage(catalog, service, region.as_deref()));
                acc.attribution.insert(resolved.how.to_string());
                match class {
                    PathClass::Nat | PathClass::NatInstanceSide => {
                        u.bytes_via_nat += b;
                        if resolved.not_covered {
                            u.bytes_via_nat_not_covered += b;
                        }
                        totals.bytes_via_nat_to_aws_services += b;
                    }
                    PathClass::GatewayEndpoint => {
                        u.bytes_via_endpoint += b;
                        acc.evidence
                            .insert("flow logs show traffic-path 7 (through a gateway endpoint)".into());
                    }
                    PathClass::InternetGateway => {
                        u.bytes_other += b;
                        u.bytes_other_breakdown.internet_gateway += b;
                    }
                    PathClass::OtherPath => {
                        u.bytes_other += b;
                        u.bytes_other_breakdown.other_path += b;
                    }
                    PathClass::Unknown => {
                        u.bytes_other += b;
                        u.bytes_other_breakdown.unknown_path += b;
                    }
                }
            }
            Dest::Other { label, category, code } => {
                let acc = others.entry((label.clone(), *category, code.clone())).or_default();
                match class {
                    PathClass::Nat | PathClass::NatInstanceSide => {
                        acc.nat += b;
                        if *category == "aws-unattributed" || *category == "aws-resource" {
                            totals.bytes_via_nat_to_aws_unattributed += b;
                        } else {
                            totals.bytes_via_nat_not_aws += b;
                        }
                    }
                    PathClass::GatewayEndpoint => acc.endpoint += b,
                    _ => acc.other += b,
                }
            }
        }
    };

    for (k, c) in &flow.public {
        let local_ip = flow.locals[k.local as usize].0;
        let class = if is_nat_local(k.local) {
            PathClass::Nat
        } else {
            let path = if k.outbound {
                k.path
            } else {
                out_path.get(&(k.vpc, k.local, k.dest)).map_or_else(
                    || match local_paths.get(&k.local) {
                        Some(p) if p.len() == 1 => *p.iter().next().unwrap_or(&0),
                        _ => 0,
                    },
                    |p| p.0,
                )
            };
            match class_of_path(path) {
                PathClass::Unknown if flow.nat_clients.contains(&local_ip) => PathClass::NatInstanceSide,
                other => other,
            }
        };
        if class == PathClass::NatInstanceSide {
            if let Some(az) = flow.locals[k.local as usize].1.az {
                source_azs.insert(flow.strings.name(az).to_string());
            }
            if vpcs_with_nat_legs.contains(&k.vpc) {
                // The NAT gateway's own legs carry these bytes already.
                totals.bytes_deduplicated += c.bytes;
                continue;
            }
            counted_on_instances = true;
        }
        if class == PathClass::Nat {
            counted_on_nat = true;
        }
        add(
            &flow.dests[k.dest as usize],
            class,
            c,
            &mut services,
            &mut others,
            &mut totals,
        );
    }
    let local_info: HashMap<IpAddr, &crate::flow::LocalInfo> =
        flow.locals.iter().map(|(ip, info)| (*ip, info)).collect();
    for client in &flow.nat_clients {
        if let Some(az) = local_info.get(client).and_then(|info| info.az) {
            source_azs.insert(flow.strings.name(az).to_string());
        }
    }
    // Sample destinations of the traffic outside AWS service APIs: names where
    // the Resolver logs have one, else addresses.
    for (id, resolved) in flow.dests.iter().enumerate() {
        if let Dest::Other { label, category, code } = &resolved.dest {
            if let Some(acc) = others.get_mut(&(label.clone(), *category, code.clone())) {
                for (ip, b) in &flow.samples[id] {
                    let name = match *category {
                        "not-aws" | "aws-resource" => resolver.name_of(*ip, 0).map(str::to_string),
                        _ => None,
                    };
                    *acc.samples.entry(name.unwrap_or_else(|| ip.to_string())).or_default() += b;
                }
            }
        }
    }

    // Interface endpoint traffic: count the clients' side when it was logged,
    // the endpoint's own interface otherwise.
    let mut by_endpoint: BTreeMap<(u32, IpAddr), (Counters, Counters, i64)> = BTreeMap::new();
    for (k, e) in &flow.endpoint {
        let own = flow.eni_own.get(&k.eni).and_then(|o| o.known());
        let entry =
            by_endpoint
                .entry((k.vpc, k.endpoint))
                .or_insert((Counters::default(), Counters::default(), e.hour));
        let side = if own == Some(k.endpoint) {
            &mut entry.1
        } else {
            &mut entry.0
        };
        side.bytes += e.counters.bytes;
        side.packets += e.counters.packets;
        side.records += e.counters.records;
        entry.2 = entry.2.max(e.hour);
    }
    for ((vpc, ep), (client, endpoint_side, hour)) in by_endpoint {
        let (counted, dup) = if client.bytes > 0 {
            (client, endpoint_side.bytes)
        } else {
            (endpoint_side, 0)
        };
        totals.bytes_deduplicated += dup;
        let resolved = resolver.resolve(ep, hour, flow_vpc_name(vpc), flow_vpc_region(vpc), None);
        add(
            &resolved,
            PathClass::GatewayEndpoint,
            &counted,
            &mut services,
            &mut others,
            &mut totals,
        );
        if let Dest::Service { service, region } = &resolved.dest {
            if let Some(acc) = services.get_mut(&(service.clone(), region.clone())) {
                acc.evidence.retain(|e| !e.starts_with("flow logs show traffic-path 7"));
                acc.evidence
                    .insert(format!("flow logs show traffic to the endpoint address {ep}"));
            }
        }
    }

    // Queries: every AWS service name, whether or not flows matched it.
    let mut private_answers: HashMap<u32, BTreeSet<IpAddr>> = HashMap::default();
    let mut all_answers: HashMap<u32, BTreeSet<IpAddr>> = HashMap::default();
    for &(ip, _, name) in dns.observations.keys() {
        let set = if is_private(ip) {
            &mut private_answers
        } else {
            &mut all_answers
        };
        set.entry(name).or_default().insert(ip);
    }
    totals.query_count = dns.records;
    for (id, c) in classes.iter().enumerate() {
        let id = id as u32;
        let (Kind::Service | Kind::EndpointDns, Some(service)) = (c.kind, &c.service) else {
            continue;
        };
        let st = &dns.stats[id as usize];
        let acc = services.entry((service.clone(), c.region.clone())).or_default();
        let u = acc
            .usage
            .get_or_insert_with(|| empty_usage(catalog, service, c.region.as_deref()));
        u.query_count += st.queries;
        totals.query_count_aws_services += st.queries;
        u.hostnames.push(HostnameUsage {
            name: c.hostname.clone(),
            query_count: st.queries,
            private_dns_covers: c.private_dns_covers,
            last_answers: st.last_answers.clone(),
            notes: c.notes.iter().filter(|n| !u.notes.contains(n)).cloned().collect(),
        });
        if c.kind == Kind::EndpointDns {
            acc.evidence
                .insert(format!("clients query the endpoint's own DNS name {}", c.hostname));
        }
        if let Some(ips) = private_answers.get(&id) {
            for ip in ips.iter().take(3) {
                let inside = net.cidrs().is_empty() || net.is_local(*ip);
                acc.evidence.insert(if inside {
                    format!("{} resolves to {ip}, a private address in the VPC (an interface endpoint with private DNS)", c.hostname)
                } else {
                    format!("{} resolves to {ip}, a private address outside the VPC CIDRs (a shared or centralised endpoint)", c.hostname)
                });
            }
            acc.answers.extend(ips.iter().copied());
        }
        if let Some(ips) = all_answers.get(&id) {
            acc.answers.extend(ips.iter().copied());
        }
        acc.attribution.insert("dns".into());
    }

    let mut service_list: Vec<ServiceUsage> = services
        .into_values()
        .filter_map(|acc| {
            let mut u = acc.usage?;
            u.endpoint_exists = !acc.evidence.is_empty();
            u.endpoint_exists_evidence = acc.evidence.into_iter().collect();
            u.attribution = acc.attribution.into_iter().collect();
            u.answers = acc.answers.iter().take(5).map(|a| a.to_string()).collect();
            u.hostnames
                .sort_by(|a, b| b.query_count.cmp(&a.query_count).then_with(|| a.name.cmp(&b.name)));
            let uncovered: Vec<&str> = u
                .hostnames
                .iter()
                .filter(|h| !h.private_dns_covers && h.query_count > 0)
                .map(|h| h.name.as_str())
                .collect();
            if !uncovered.is_empty() && u.endpoint_types.contains(&vpce_model::EndpointType::Interface) {
                u.notes.push(format!(
                    "{} of the queried names are not covered by an interface endpoint's private DNS: {}",
                    uncovered.len(),
                    uncovered.join(", ")
                ));
            }
            Some(u)
        })
        .collect();
    service_list.sort_by(|a, b| {
        b.bytes_via_nat
            .cmp(&a.bytes_via_nat)
            .then(b.query_count.cmp(&a.query_count))
            .then_with(|| a.service.cmp(&b.service))
            .then_with(|| a.region.cmp(&b.region))
    });

    let mut unattributed: Vec<OtherTraffic> = others
        .into_iter()
        .map(|((label, category, code), acc)| {
            let mut samples: Vec<(String, u64)> = acc.samples.into_iter().collect();
            samples.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            OtherTraffic {
                label,
                category: category.to_string(),
                aws_service_code: code,
                bytes_via_nat: acc.nat,
                bytes_via_endpoint: acc.endpoint,
                bytes_other: acc.other,
                sample_destinations: samples.into_iter().take(5).map(|s| s.0).collect(),
            }
        })
        .collect();
    unattributed.sort_by(|a, b| {
        (b.bytes_via_nat, b.bytes_other)
            .cmp(&(a.bytes_via_nat, a.bytes_other))
            .then_with(|| a.label.cmp(&b.label))
    });

    // The network as the logs show it.
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
    let (vpc_cidrs, vpc_cidrs_source) = if !cfg.vpc_cidrs.is_empty() {
        (
            cfg.vpc_cidrs.iter().map(|c| c.to_string()).collect(),
            cfg.vpc_cidrs_source.as_deref().unwrap_or("given"),
        )
    } else {
        let inferred: BTreeSet<Cidr> = flow
            .locals
            .iter()
            .map(|(ip, _)| *ip)
            .filter(|ip| is_private(*ip))
            .filter_map(|ip| Cidr::new(ip, if ip.is_ipv4() { 16 } else { 56 }))
            .collect();
        if inferred.is_empty() {
            (Vec::new(), "none")
        } else {
            (inferred.iter().map(|c| c.to_string()).collect(), "inferred")
        }
    };
    let has_flows = flow.records > 0;
    let mut missing = Vec::new();
    if has_flows {
        let f = flow.fields;
        for (present, name) in [
            (f.vpc_id, "vpc-id"),
            (f.pkt_addrs, "pkt-srcaddr/pkt-dstaddr"),
            (f.traffic_path, "traffic-path"),
            (f.flow_direction, "flow-direction"),
            (f.az_id, "az-id"),
            (f.pkt_aws_service, "pkt-dst-aws-service"),
        ] {
            if !present {
                missing.push(name.to_string());
            }
        }
    }
    let counted_on = match (counted_on_nat, counted_on_instances) {
        (true, false) => "nat-gateway-interface",
        (false, true) => "instance-interfaces",
        (true, true) => "nat-gateway-interface and instance-interfaces",
        (false, false) => "none",
    };

    let mut warnings = Vec::new();
    if dns.records == 0 {
        warnings.push("no Resolver query-log records: destinations are attributed by AWS IP ranges only (S3 and DynamoDB by range; other AWS services show as unattributed)".into());
    }
    if !has_flows {
        warnings.push("no flow-log records: services are ranked by query count; bytes through NAT are unknown".into());
    } else {
        if nat.is_empty() && !flow.fields.traffic_path {
            warnings.push("no NAT gateway found: the flow logs have neither pkt-dstaddr nor traffic-path, and no --nat-ip/--nat-eni was given, so traffic to public addresses could not be tied to NAT (see bytes_unknown_path)".into());
        }
        if totals.bytes_unknown_path > 0 {
            warnings.push(format!(
                "{} bytes to public addresses went by a path the logs do not show (add traffic-path and pkt-dstaddr to the flow-log format, or give --nat-ip)",
                totals.bytes_unknown_path
            ));
        }
        if let (Some(dmin), Some(dmax), Some(fmin), Some(fmax)) =
            (dns.span.min, dns.span.max, flow.span.min, flow.span.max)
        {
            if dmax < fmin || fmax < dmin {
                warnings.push("the Resolver logs and the flow logs cover different times: addresses are matched to the nearest answer, which may be stale".into());
            }
        }
    }

    let (start, end, source) = match (cfg.filter.since, cfg.filter.until) {
        (Some(s), Some(u)) => (Some(s), Some(u), "given"),
        _ => {
            let min = [dns.span.min, flow.span.min].into_iter().flatten().min();
            let max = [dns.span.max, flow.span.max].into_iter().flatten().max();
            (cfg.filter.since.or(min), cfg.filter.until.or(max), "observed")
        }
    };
    let hours = match (start, end) {
        (Some(s), Some(e)) if e > s => (e - s) as f64 / 3600.0,
        _ => 0.0,
    };

    Report {
        schema_version: SCHEMA_VERSION,
        generator: cfg.generator.clone(),
        window: Window {
            start: start.map(format_rfc3339),
            end: end.map(format_rfc3339),
            hours: (hours * 1000.0).round() / 1000.0,
            source: source.into(),
            hours_without_flow_records: match (start, end) {
                (Some(s), Some(e)) if has_flows && e > s => {
                    let (first, last) = (crate::hour_of(s), crate::hour_of(e - 1));
                    (first..=last).filter(|h| !flow.hours_seen.contains(h)).count() as u64
                }
                _ => 0,
            },
        },
        inputs,
        reference_data: ReferenceData {
            catalog_as_of: catalog.as_of().to_string(),
            catalog_source: catalog.source().to_string(),
            ip_ranges_as_of: resolver.ranges().as_of().to_string(),
            ip_ranges_source: resolver.ranges().source().to_string(),
        },
        network: Network {
            vpcs: vpcs.into_values().collect(),
            vpc_cidrs,
            vpc_cidrs_source: vpc_cidrs_source.into(),
            nat_gateways: nat.into_values().collect(),
            nat_bytes_counted_on: counted_on.into(),
            flow_fields_missing: missing,
            source_az_ids: source_azs.into_iter().collect(),
            nat_clients_outside_vpc: if net.cidrs().is_empty() {
                Vec::new()
            } else {
                let mut v: Vec<IpAddr> = flow
                    .nat_clients
                    .iter()
                    .copied()
                    .filter(|ip| !net.is_local(*ip))
                    .collect();
                v.sort();
                v.into_iter().take(10).map(|ip| ip.to_string()).collect()
            },
        },
        totals,
        services: service_list,
        unattributed,
        pricing: None,
        costs: None,
        warnings,
        live: None,
    }
}

fn empty_usage(catalog: &Catalog, service: &str, region: Option<&str>) -> ServiceUsage {
    let entry = catalog.service(service);
    let esn = catalog.endpoint_service_name(service, region);
    ServiceUsage {
        endpoint_supported: esn.is_some(),
        endpoint_service_name: esn,
        endpoint_types: entry.map(|e| e.types.clone()).unwrap_or_default(),
        endpoint_policy_supported: entry.and_then(|e| e.policy),
        notes: entry.map(|e| e.notes.clone()).unwrap_or_default(),
        ..ServiceUsage::empty(service, region)
    }
}
