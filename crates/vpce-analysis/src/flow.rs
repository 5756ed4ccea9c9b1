//! Aggregating flow-log records into compact per-destination counters.
//!
//! The same bytes appear on several interfaces: an instance's own interface,
//! and both legs on the NAT gateway's interface (instance → NAT, NAT →
//! internet). Which interface is the NAT gateway is often only known after
//! reading everything, so this pass keeps bytes keyed by the private address
//! that talked to the public one; the report step decides, once, which
//! observation point to count.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::net::IpAddr;
use std::sync::Arc;

use vpce_formats::flow::{Action, Direction, FlowRecord, LogStatus};

use crate::intern::Interner;
use crate::net::LocalNet;
use crate::resolve::{Resolved, Resolver};
use crate::{hour_of, TimeFilter, TimeSpan};

/// Byte, packet and record counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub bytes: u64,
    pub packets: u64,
    pub records: u64,
}

impl Counters {
    // Sums saturate: hostile input cannot wrap a total to a small number.
    fn add(&mut self, bytes: u64, packets: u64) {
        self.bytes = self.bytes.saturating_add(bytes);
        self.packets = self.packets.saturating_add(packets);
        self.records = self.records.saturating_add(1);
    }
    fn merge(&mut self, o: Counters) {
        self.bytes = self.bytes.saturating_add(o.bytes);
        self.packets = self.packets.saturating_add(o.packets);
        self.records = self.records.saturating_add(o.records);
    }
}

/// Traffic between a VPC address and public destinations, by destination
/// (a service or a label, resolved when the record is read).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublicKey {
    pub vpc: u32,
    pub local: u32,
    /// Index into the aggregator's destinations.
    pub dest: u32,
    /// true when the VPC address sent (outbound).
    pub outbound: bool,
    /// traffic-path of the record, 0 when absent.
    pub path: u8,
}

/// Traffic between an interface and an endpoint address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EndpointKey {
    pub vpc: u32,
    pub eni: u32,
    pub endpoint: IpAddr,
}

/// Counters for endpoint traffic, with the last hour seen (to name the endpoint).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EndpointCounters {
    pub counters: Counters,
    pub hour: i64,
}

/// Sample addresses kept per destination, for the report.
const MAX_SAMPLES: usize = 32;
/// Resolved (address, hour, VPC) kept per thread before the cache starts over.
const MAX_CACHED: usize = 1 << 16;

/// What is known about a VPC address.
#[derive(Clone, Debug, Default)]
pub struct LocalInfo {
    pub eni: Option<u32>,
    pub az: Option<u32>,
    pub instance: bool,
    pub nat_interface_type: bool,
}

/// Evidence that an address is a NAT gateway's.
#[derive(Clone, Debug, Default)]
pub struct NatEvidence {
    pub eni: Option<u32>,
    pub translated_records: u64,
    pub interface_type: bool,
}

/// Records read but not counted, by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowCounts {
    pub outside_window: u64,
    pub no_data: u64,
    pub rejected: u64,
}

/// Which flow-log fields the records had.
#[derive(Clone, Copy, Debug, Default)]
pub struct FieldsSeen {
    pub vpc_id: bool,
    pub pkt_addrs: bool,
    pub traffic_path: bool,
    pub flow_direction: bool,
    pub az_id: bool,
    pub pkt_aws_service: bool,
}

/// Streaming aggregate of flow-log records; mergeable across threads.
#[derive(Clone, Debug, Default)]
pub struct FlowAggregator {
    net: LocalNet,
    filter: TimeFilter,
    pub(crate) resolver: Arc<Resolver>,
    pub(crate) vpcs: Interner,
    pub(crate) enis: Interner,
    pub(crate) strings: Interner,
    pub(crate) locals: Vec<(IpAddr, LocalInfo)>,
    local_ids: HashMap<IpAddr, u32>,
    pub(crate) public: HashMap<PublicKey, Counters>,
    pub(crate) endpoint: HashMap<EndpointKey, EndpointCounters>,
    pub(crate) dests: Vec<Resolved>,
    dest_ids: HashMap<Resolved, u32>,
    /// Per destination: the addresses that carried the most bytes (capped).
    pub(crate) samples: Vec<HashMap<IpAddr, u64>>,
    dest_cache: HashMap<(IpAddr, i64, u32), u32>,
    pub(crate) nat: HashMap<IpAddr, NatEvidence>,
    /// Private addresses seen behind a NAT gateway in translated legs (the VPC's,
    /// or of peered VPCs and on-premises networks that route through it).
    pub(crate) nat_clients: HashSet<IpAddr>,
    /// The address each interface owns: the one in every record it logged.
    pub(crate) eni_own: HashMap<u32, EniOwn>,
    pub(crate) vpc_regions: HashMap<u32, u32>,
    pub(crate) vpc_accounts: HashMap<u32, u32>,
    pub(crate) fields: FieldsSeen,
    last_vpc: (String, u32),
    last_eni: LastName,
    pub(crate) records: u64,
    pub(crate) no_data: u64,
    pub(crate) rejected: u64,
    pub(crate) outside_window: u64,
    pub(crate) internal_bytes: u64,
    pub(crate) span: TimeSpan,
    /// Hours (since the epoch) that had at least one record.
    pub(crate) hours_seen: HashSet<i64>,
}

/// The last name interned and its id, to skip the hash lookup on repeats.
#[derive(Clone, Debug, Default)]
struct LastName(String, u32);

impl LastName {
    fn clear(&mut self) {
        self.0.clear();
    }
}

/// Candidate addresses of an interface, narrowed record by record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EniOwn {
    Known(IpAddr),
    Either(IpAddr, IpAddr),
    Unknown,
}

impl EniOwn {
    fn narrow(self, a: IpAddr, b: IpAddr) -> EniOwn {
        match self {
            EniOwn::Known(x) if x == a || x == b => self,
            EniOwn::Either(x, y) => match (x == a || x == b, y == a || y == b) {
                (true, true) => self,
                (true, false) => EniOwn::Known(x),
                (false, true) => EniOwn::Known(y),
                (false, false) => EniOwn::Unknown,
            },
            _ => EniOwn::Unknown,
        }
    }
    /// The owned address when it is certain.
    pub fn known(self) -> Option<IpAddr> {
        match self {
            EniOwn::Known(x) => Some(x),
            _ => None,
        }
    }
}

impl FlowAggregator {
    /// The flow-log fields [`FlowAggregator::push`] reads; readers may skip the rest.
    pub const FIELDS: &'static [vpce_formats::flow::Field] = {
        use vpce_formats::flow::Field::*;
        &[
            AccountId,
            InterfaceId,
            Srcaddr,
            Dstaddr,
            Packets,
            Bytes,
            Start,
            End,
            Action,
            LogStatus,
            VpcId,
            InstanceId,
            Region,
            AzId,
            PktSrcaddr,
            PktDstaddr,
            PktSrcAwsService,
            PktDstAwsService,
            FlowDirection,
            TrafficPath,
            InterfaceType,
        ]
    };

    /// `resolver` names destinations and knows the interface endpoints'
    /// addresses (from the Resolver logs, read before the flow logs).
    pub fn new(net: LocalNet, filter: TimeFilter, resolver: Arc<Resolver>) -> Self {
        FlowAggregator {
            net,
            filter,
            resolver,
            ..Default::default()
        }
    }

    fn dest_id(&mut self, d: Resolved) -> u32 {
        if let Some(&id) = self.dest_ids.get(&d) {
            return id;
        }
        let id = self.dests.len() as u32;
        self.dests.push(d.clone());
        self.dest_ids.insert(d, id);
        self.samples.push(HashMap::default());
        id
    }

    /// The destination of `remote` at `hour` from `vpc`, cached per thread.
    fn resolve(&mut self, remote: IpAddr, hour: i64, vpc: u32, pkt_code: Option<&str>) -> u32 {
        if let Some(&d) = self.dest_cache.get(&(remote, hour, vpc)) {
            return d;
        }
        let vpc_name = (vpc != u32::MAX).then(|| self.vpcs.name(vpc));
        let region = self.vpc_regions.get(&vpc).map(|r| self.strings.name(*r));
        let resolved = self.resolver.resolve(remote, hour, vpc_name, region, pkt_code);
        let id = self.dest_id(resolved);
        if self.dest_cache.len() >= MAX_CACHED {
            self.dest_cache.clear();
        }
        self.dest_cache.insert((remote, hour, vpc), id);
        id
    }

    fn local_id(&mut self, ip: IpAddr) -> u32 {
        if let Some(&id) = self.local_ids.get(&ip) {
            return id;
        }
        let id = self.locals.len() as u32;
        self.locals.push((ip, LocalInfo::default()));
        self.local_ids.insert(ip, id);
        id
    }

    /// Adds one record.
    pub fn push(&mut self, r: &FlowRecord<'_>) {
        self.records += 1;
        if matches!(r.log_status, Some(LogStatus::NoData | LogStatus::SkipData)) {
            self.no_data += 1;
            return;
        }
        let ts = r.start.or(r.end);
        if let Some(ts) = ts {
            if !self.filter.contains(ts) {
                self.outside_window += 1;
                return;
            }
            self.span.add(ts, r.end.unwrap_or(ts));
            self.hours_seen.insert(hour_of(ts));
        }
        if r.action == Some(Action::Reject) {
            self.rejected += 1;
            return;
        }
        let (Some(src), Some(dst)) = (r.srcaddr, r.dstaddr) else {
            return;
        };
        self.fields.vpc_id |= r.vpc_id.is_some();
        self.fields.pkt_addrs |= r.pkt_srcaddr.is_some() || r.pkt_dstaddr.is_some();
        self.fields.traffic_path |= r.traffic_path.is_some();
        self.fields.flow_direction |= r.flow_direction.is_some();
        self.fields.az_id |= r.az_id.is_some();
        self.fields.pkt_aws_service |= r.pkt_dst_aws_service.is_some() || r.pkt_src_aws_service.is_some();

        let bytes = r.bytes.unwrap_or(0);
        let packets = r.packets.unwrap_or(0);
        let hour = hour_of(ts.unwrap_or(0));
        let vpc = match r.vpc_id {
            // Records of one file nearly always share a VPC.
            Some(v) if self.last_vpc.0 == v => self.last_vpc.1,
            Some(v) => {
                let id = self.vpcs.id(v);
                self.last_vpc = (v.to_string(), id);
                id
            }
            None => u32::MAX,
        };
        if vpc != u32::MAX {
            if let Some(region) = r.region {
                if !self.vpc_regions.contains_key(&vpc) {
                    let id = self.strings.id(region);
                    self.vpc_regions.insert(vpc, id);
                }
            }
            if let Some(acct) = r.account_id {
                if !self.vpc_accounts.contains_key(&vpc) && acct != "unknown" {
                    let id = self.strings.id(acct);
                    self.vpc_accounts.insert(vpc, id);
                }
            }
        }
        let eni = match r.interface_id {
            // Records of one interface tend to come together.
            Some(e) if self.last_eni.0 == e => Some(self.last_eni.1),
            Some(e) => {
                let id = self.enis.id(e);
                self.last_eni.clear();
                self.last_eni.0.push_str(e);
                self.last_eni.1 = id;
                Some(id)
            }
            None => None,
        };
        if let Some(eni) = eni {
            let own = match r.flow_direction {
                Some(Direction::Egress) => EniOwn::Known(src),
                Some(Direction::Ingress) => EniOwn::Known(dst),
                None => EniOwn::Either(src, dst),
            };
            self.eni_own
                .entry(eni)
                .and_modify(|o| *o = o.narrow_with(own))
                .or_insert(own);
        }
        let nat_type = matches!(r.interface_type, Some("nat_gateway" | "regional_nat_gateway"));

        // NAT gateway legs whose packet addresses differ from the interface's:
        // instance → NAT (dstaddr is the NAT, pkt-dstaddr the real destination)
        // and NAT → instance (srcaddr is the NAT, pkt-srcaddr the real source).
        if let Some(pd) = r.pkt_dstaddr {
            if pd != dst && self.net.is_local(dst) && self.net.is_public(pd) && !self.net.is_public(src) {
                let ev = self.nat.entry(dst).or_default();
                ev.translated_records += 1;
                ev.eni = ev.eni.or(eni);
                self.nat_clients.insert(src);
            }
        }
        if let Some(ps) = r.pkt_srcaddr {
            if ps != src && self.net.is_local(src) && self.net.is_public(ps) && !self.net.is_public(dst) {
                let ev = self.nat.entry(src).or_default();
                ev.translated_records += 1;
                ev.eni = ev.eni.or(eni);
                self.nat_clients.insert(dst);
            }
        }

        let (src_local, dst_local) = (self.net.is_local(src), self.net.is_local(dst));
        match (src_local, dst_local) {
            (true, false) | (false, true) if self.net.is_public(if src_local { dst } else { src }) => {
                let (local, remote, outbound) = if src_local { (src, dst, true) } else { (dst, src, false) };
                if nat_type {
                    let ev = self.nat.entry(local).or_default();
                    ev.interface_type = true;
                    ev.eni = ev.eni.or(eni);
                }
                let local_id = self.local_id(local);
                if self.locals[local_id as usize].1.az.is_none() {
                    let az = r.az_id.map(|a| self.strings.id(a));
                    self.locals[local_id as usize].1.az = az;
                }
                let info = &mut self.locals[local_id as usize].1;
                info.eni = info.eni.or(eni);
                info.instance |= r.instance_id.is_some();
                info.nat_interface_type |= nat_type;
                let code = if outbound {
                    r.pkt_dst_aws_service
                } else {
                    r.pkt_src_aws_service
                };
                let dest = self.resolve(remote, hour, vpc, code);
                let samples = &mut self.samples[dest as usize];
                if samples.len() < MAX_SAMPLES || samples.contains_key(&remote) {
                    *samples.entry(remote).or_default() += bytes;
                }
                let key = PublicKey {
                    vpc,
                    local: local_id,
                    dest,
                    outbound,
                    path: if outbound { r.traffic_path.unwrap_or(0) } else { 0 },
                };
                self.public.entry(key).or_default().add(bytes, packets);
            }
            (true, true) => {
                let endpoint = if self.resolver.is_endpoint(dst) {
                    Some(dst)
                } else if self.resolver.is_endpoint(src) {
                    Some(src)
                } else {
                    None
                };
                match (endpoint, eni) {
                    (Some(ep), Some(eni)) => {
                        let key = EndpointKey { vpc, eni, endpoint: ep };
                        let e = self.endpoint.entry(key).or_default();
                        e.counters.add(bytes, packets);
                        e.hour = e.hour.max(hour);
                    }
                    _ => self.internal_bytes += bytes,
                }
            }
            _ => self.internal_bytes += bytes,
        }
    }

    /// Adds another aggregate (from another file) to this one.
    pub fn merge(&mut self, other: FlowAggregator) {
        let vpc_map = self.vpcs.absorb(&other.vpcs);
        let eni_map = self.enis.absorb(&other.enis);
        let str_map = self.strings.absorb(&other.strings);
        let mv = |v: u32| {
            if v == u32::MAX {
                v
            } else {
                vpc_map[v as usize]
            }
        };
        let mut local_map = Vec::with_capacity(other.locals.len());
        for (ip, info) in other.locals {
            let id = self.local_id(ip);
            local_map.push(id);
            let mine = &mut self.locals[id as usize].1;
            mine.eni = mine.eni.or(info.eni.map(|e| eni_map[e as usize]));
            mine.az = mine.az.or(info.az.map(|a| str_map[a as usize]));
            mine.instance |= info.instance;
            mine.nat_interface_type |= info.nat_interface_type;
        }
        let dest_map: Vec<u32> = other.dests.iter().map(|d| self.dest_id(d.clone())).collect();
        for (i, samples) in other.samples.into_iter().enumerate() {
            let mine = &mut self.samples[dest_map[i] as usize];
            for (ip, b) in samples {
                if mine.len() < MAX_SAMPLES || mine.contains_key(&ip) {
                    *mine.entry(ip).or_default() += b;
                }
            }
        }
        for (k, c) in other.public {
            let k = PublicKey {
                vpc: mv(k.vpc),
                local: local_map[k.local as usize],
                dest: dest_map[k.dest as usize],
                ..k
            };
            self.public.entry(k).or_default().merge(c);
        }
        for (k, c) in other.endpoint {
            let k = EndpointKey {
                vpc: mv(k.vpc),
                eni: eni_map[k.eni as usize],
                ..k
            };
            let e = self.endpoint.entry(k).or_default();
            e.counters.merge(c.counters);
            e.hour = e.hour.max(c.hour);
        }
        for (ip, ev) in other.nat {
            let mine = self.nat.entry(ip).or_default();
            mine.translated_records += ev.translated_records;
            mine.interface_type |= ev.interface_type;
            mine.eni = mine.eni.or(ev.eni.map(|e| eni_map[e as usize]));
        }
        self.nat_clients.extend(other.nat_clients);
        for (eni, own) in other.eni_own {
            let eni = eni_map[eni as usize];
            self.eni_own
                .entry(eni)
                .and_modify(|o| *o = o.narrow_with(own))
                .or_insert(own);
        }
        for (v, r) in other.vpc_regions {
            self.vpc_regions.entry(mv(v)).or_insert(str_map[r as usize]);
        }
        for (v, a) in other.vpc_accounts {
            self.vpc_accounts.entry(mv(v)).or_insert(str_map[a as usize]);
        }
        let f = other.fields;
        self.fields.vpc_id |= f.vpc_id;
        self.fields.pkt_addrs |= f.pkt_addrs;
        self.fields.traffic_path |= f.traffic_path;
        self.fields.flow_direction |= f.flow_direction;
        self.fields.az_id |= f.az_id;
        self.fields.pkt_aws_service |= f.pkt_aws_service;
        self.records += other.records;
        self.no_data += other.no_data;
        self.rejected += other.rejected;
        self.outside_window += other.outside_window;
        self.internal_bytes += other.internal_bytes;
        self.span.merge(other.span);
        self.hours_seen.extend(other.hours_seen);
    }

    /// Records read (all statuses).
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Records that were read but not counted, by reason.
    pub fn counts(&self) -> FlowCounts {
        FlowCounts {
            outside_window: self.outside_window,
            no_data: self.no_data,
            rejected: self.rejected,
        }
    }
}

impl EniOwn {
    /// Combines what two observations say about an interface's address.
    fn narrow_with(self, o: EniOwn) -> EniOwn {
        match (self, o) {
            (EniOwn::Unknown, _) | (_, EniOwn::Unknown) => EniOwn::Unknown,
            (EniOwn::Known(a), EniOwn::Known(b)) => {
                if a == b {
                    EniOwn::Known(a)
                } else {
                    EniOwn::Unknown
                }
            }
            (EniOwn::Known(a), EniOwn::Either(x, y)) | (EniOwn::Either(x, y), EniOwn::Known(a)) => {
                if a == x || a == y {
                    EniOwn::Known(a)
                } else {
                    EniOwn::Unknown
                }
            }
            (s @ EniOwn::Either(..), EniOwn::Either(x, y)) => s.narrow(x, y),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn interface_address_is_the_common_one() {
        let a = EniOwn::Either(ip("10.0.0.5"), ip("52.1.1.1"));
        let b = a.narrow_with(EniOwn::Either(ip("52.2.2.2"), ip("10.0.0.5")));
        assert_eq!(b.known(), Some(ip("10.0.0.5")));
        assert_eq!(
            b.narrow_with(EniOwn::Known(ip("10.0.0.5"))).known(),
            Some(ip("10.0.0.5"))
        );
        assert_eq!(b.narrow_with(EniOwn::Known(ip("10.0.0.6"))), EniOwn::Unknown);
        assert_eq!(a.narrow_with(a), a);
    }
}
