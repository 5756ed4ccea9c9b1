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

use crate::hours::{Added, AddedTo, HourRecords};
use crate::intern::Interner;
use crate::net::{is_private, nat64_ipv4, Cidr, LocalNet};
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
    /// The hour (since the epoch) the record started in: the hourly series
    /// sums a conversation's bytes per hour.
    pub hour: i64,
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

/// Prefix length of the IPv6 CIDRs learned from interface addresses: AWS
/// gives a VPC a /56.
pub const LEARNED_IPV6_PREFIX: u8 = 56;
/// IPv6 CIDRs learned at most (a VPC has up to five).
const MAX_LEARNED_IPV6: usize = 64;

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

impl FieldsSeen {
    /// Notes the fields `r` has values for.
    fn note(&mut self, r: &FlowRecord<'_>) {
        self.vpc_id |= r.vpc_id.is_some();
        self.pkt_addrs |= r.pkt_srcaddr.is_some() || r.pkt_dstaddr.is_some();
        self.traffic_path |= r.traffic_path.is_some();
        self.flow_direction |= r.flow_direction.is_some();
        self.az_id |= r.az_id.is_some();
        self.pkt_aws_service |= r.pkt_dst_aws_service.is_some() || r.pkt_src_aws_service.is_some();
    }

    /// The fields either side saw.
    fn merge(&mut self, o: FieldsSeen) {
        self.vpc_id |= o.vpc_id;
        self.pkt_addrs |= o.pkt_addrs;
        self.traffic_path |= o.traffic_path;
        self.flow_direction |= o.flow_direction;
        self.az_id |= o.az_id;
        self.pkt_aws_service |= o.pkt_aws_service;
    }
}

/// What every counter a record adds to shares.
#[derive(Clone, Copy, Debug)]
struct Seen {
    /// `u32::MAX` when the record has no `vpc-id`.
    vpc: u32,
    eni: Option<u32>,
    hour: i64,
    bytes: u64,
    packets: u64,
}

/// Between whom a record's traffic went, as the aggregator counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Between {
    /// A VPC address and a public one; `outbound` when the VPC address sent.
    Public {
        local: IpAddr,
        remote: IpAddr,
        outbound: bool,
    },
    /// Two VPC addresses (traffic to interface endpoints among it).
    Local,
    /// Anything else: private addresses outside the VPC, public to public.
    Other,
}

impl Between {
    /// Classifies a record by its interface-level addresses.
    #[inline(always)]
    fn of(net: &LocalNet, src: IpAddr, dst: IpAddr) -> Between {
        match (net.is_local(src), net.is_local(dst)) {
            (true, false) if net.is_public(dst) => Between::Public {
                local: src,
                remote: dst,
                outbound: true,
            },
            (false, true) if net.is_public(src) => Between::Public {
                local: dst,
                remote: src,
                outbound: false,
            },
            (true, true) => Between::Local,
            _ => Between::Other,
        }
    }
}

/// Whether a record is a translated NAT gateway leg, whose packet address
/// `pkt` differs from the interface's `nat`: on the instance → NAT leg `nat`
/// is dstaddr and `pkt` pkt-dstaddr (the real destination), on the NAT →
/// instance leg `nat` is srcaddr and `pkt` pkt-srcaddr (the real source);
/// `client` is the other address.
// Inlined: called twice per record, where a call costs more than the check.
#[inline(always)]
fn is_translated_leg(net: &LocalNet, nat: IpAddr, pkt: IpAddr, client: IpAddr) -> bool {
    pkt != nat && net.is_local(nat) && net.is_public(pkt) && !net.is_public(client)
}

/// The address a record's VPC side is counted by: its packet address when
/// that is another VPC address than the interface's (a secondary address: an
/// EKS pod on its node's interface, a second IP of an instance; AWS writes
/// the interface's primary address in srcaddr/dstaddr), else the interface's.
/// An address inside the VPC is a VPC-side address whichever interface
/// carries it.
// Inlined: called twice per record; the packet address is nearly always the
// interface's, and then nothing more is compared.
#[inline(always)]
fn vpc_side(net: &LocalNet, iface: IpAddr, pkt: Option<IpAddr>) -> IpAddr {
    match pkt {
        Some(p) if p != iface && net.is_local(p) && net.is_local(iface) => p,
        _ => iface,
    }
}

/// Whether `interface-type` names a NAT gateway's interface.
fn is_nat_interface_type(t: Option<&str>) -> bool {
    matches!(t, Some("nat_gateway" | "regional_nat_gateway"))
}

/// Adds bytes to a destination's sample addresses, which keep the first
/// [`MAX_SAMPLES`] addresses seen.
#[inline(always)]
fn add_sample(samples: &mut HashMap<IpAddr, u64>, ip: IpAddr, bytes: u64) {
    if samples.len() < MAX_SAMPLES || samples.contains_key(&ip) {
        *samples.entry(ip).or_default() += bytes;
    }
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
    /// The NAT gateways named before the logs were read.
    given_nat: GivenNat,
    /// The VPC addresses in records between VPC addresses on a given NAT
    /// gateway interface: its own address and its clients'.
    pub(crate) given_nat_eni_peers: HashSet<IpAddr>,
    pub(crate) vpc_regions: HashMap<u32, u32>,
    pub(crate) vpc_accounts: HashMap<u32, u32>,
    pub(crate) fields: FieldsSeen,
    /// Whether the given CIDRs include IPv6 ones (else they are learned).
    net_has_ipv6: bool,
    /// The VPC's IPv6 CIDRs, learned from the interface side of records with
    /// `flow-direction` when none is given.
    pub(crate) learned_ipv6: Vec<Cidr>,
    /// IPv6 bytes with no address in a known or learned VPC CIDR.
    pub(crate) ipv6_unplaced_bytes: u64,
    last_vpc: (String, u32),
    last_eni: LastName,
    pub(crate) records: u64,
    pub(crate) no_data: u64,
    pub(crate) rejected: u64,
    pub(crate) outside_window: u64,
    /// Bytes of every record counted or set aside (accepted, inside the window).
    pub(crate) bytes_read: u64,
    /// Of them: not between a VPC address and a public one.
    pub(crate) internal_bytes: u64,
    pub(crate) span: TimeSpan,
    /// Hours (since the epoch) that had at least one record, with what
    /// their records added while they are few.
    pub(crate) hours: HashMap<i64, HourRecords>,
    /// The file being read, for the records whose additions are kept.
    file: Arc<str>,
    /// The last hour whose additions are no longer kept.
    last_full_hour: Option<i64>,
}

/// NAT gateways named before the logs were read (`--nat-ip`, `--nat-eni`,
/// the live inventory): with the default format their interface's records to
/// and from instances are the only sign of which instances use them.
#[derive(Clone, Debug, Default)]
struct GivenNat {
    ips: Vec<IpAddr>,
    /// Interned interface IDs.
    enis: Vec<u32>,
}

/// Whether a record is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Admit {
    Counted,
    /// Inside the window, but its bytes are not counted.
    Rejected,
    /// No data, or outside the window.
    Not,
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
    /// What one record says about its interface's address: the source of an
    /// egress record, the destination of an ingress one, else either.
    fn observed(src: IpAddr, dst: IpAddr, direction: Option<Direction>) -> EniOwn {
        match direction {
            Some(Direction::Egress) => EniOwn::Known(src),
            Some(Direction::Ingress) => EniOwn::Known(dst),
            None => EniOwn::Either(src, dst),
        }
    }

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
    /// The flow-log fields [`FlowAggregator::push`] reads; readers may skip
    /// the rest. Rendered from the field table
    /// ([`vpce_formats::flow::ANALYSIS_FIELDS`]), which `setup` turns on.
    pub const FIELDS: &'static [vpce_formats::flow::Field] = vpce_formats::flow::ANALYSIS_FIELDS;

    /// `resolver` names destinations and knows the interface endpoints'
    /// addresses (from the Resolver logs, read before the flow logs).
    pub fn new(net: LocalNet, filter: TimeFilter, resolver: Arc<Resolver>) -> Self {
        FlowAggregator {
            net_has_ipv6: net.has_ipv6(),
            net,
            filter,
            resolver,
            ..Default::default()
        }
    }

    /// Names the NAT gateways given before the logs are read, so the records
    /// between their interface and an instance mark the instance as a NAT
    /// client even without packet addresses.
    pub fn with_given_nat(mut self, ips: &[IpAddr], enis: &[String]) -> Self {
        self.given_nat = GivenNat {
            ips: ips.to_vec(),
            enis: enis.iter().map(|e| self.enis.id(e)).collect(),
        };
        self
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
        let mut resolved = self.resolver.resolve(remote, hour, vpc_name, region, pkt_code);
        // A NAT64 address without a DNS answer of its own: the IPv4 host the
        // NAT gateway reaches for it.
        if let (Some(v4), false) = (nat64_ipv4(remote), resolved.how == "dns") {
            resolved = self.resolver.resolve(v4, hour, vpc_name, region, pkt_code);
        }
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
        self.push_from(r, "", 0);
    }

    /// Adds one record read at `line` of `file` (named if the record turns
    /// out to lie far from the others).
    pub fn push_from(&mut self, r: &FlowRecord<'_>, file: &str, line: u64) {
        let to = self.add(r);
        if let (Some(to), Some(start)) = (to, r.start.or(r.end)) {
            self.keep_added(file, line, start, r, to);
        }
    }

    /// Keeps what a record added while its hour has few records.
    fn keep_added(&mut self, file: &str, line: u64, start: i64, r: &FlowRecord<'_>, to: AddedTo) {
        let hour = hour_of(start);
        if self.last_full_hour == Some(hour) {
            return;
        }
        let Some(h) = self.hours.get_mut(&hour) else { return };
        let Some(added) = h.added.as_mut() else {
            self.last_full_hour = Some(hour);
            return;
        };
        if &*self.file != file {
            self.file = Arc::from(file);
        }
        added.push(Added {
            file: self.file.clone(),
            line,
            start,
            bytes: r.bytes.unwrap_or(0),
            packets: r.packets.unwrap_or(0),
            to,
        });
    }

    /// Adds one record; says where its bytes went, `None` when it was not
    /// admitted (no data, outside the window).
    fn add(&mut self, r: &FlowRecord<'_>) -> Option<AddedTo> {
        self.records += 1;
        match self.admit(r) {
            Admit::Counted => {}
            Admit::Rejected => return Some(AddedTo::Nothing),
            Admit::Not => return None,
        }
        let bytes = r.bytes.unwrap_or(0);
        self.bytes_read = self.bytes_read.saturating_add(bytes);
        let (Some(src), Some(dst)) = (r.srcaddr, r.dstaddr) else {
            self.internal_bytes = self.internal_bytes.saturating_add(bytes);
            return Some(AddedTo::Internal);
        };
        self.fields.note(r);
        let seen = Seen {
            vpc: self.vpc_of(r),
            eni: self.eni_of(r.interface_id),
            hour: hour_of(r.start.or(r.end).unwrap_or(0)),
            bytes,
            packets: r.packets.unwrap_or(0),
        };
        if let Some(eni) = seen.eni {
            let own = EniOwn::observed(src, dst, r.flow_direction);
            self.eni_own
                .entry(eni)
                .and_modify(|o| *o = o.narrow_with(own))
                .or_insert(own);
        }
        if let Some(pd) = r.pkt_dstaddr {
            if is_translated_leg(&self.net, dst, pd, src) {
                self.note_nat_leg(dst, src, seen.eni);
            }
        }
        if let Some(ps) = r.pkt_srcaddr {
            if is_translated_leg(&self.net, src, ps, dst) {
                self.note_nat_leg(src, dst, seen.eni);
            }
        }
        let (src, dst) = (
            vpc_side(&self.net, src, r.pkt_srcaddr),
            vpc_side(&self.net, dst, r.pkt_dstaddr),
        );
        let mut between = Between::of(&self.net, src, dst);
        if between == Between::Other && !self.net_has_ipv6 && src.is_ipv6() {
            between = self.between_ipv6(src, dst, r.flow_direction, bytes);
        }
        Some(match between {
            Between::Public {
                local,
                remote,
                outbound,
            } => AddedTo::Public(self.add_public(r, seen, local, remote, outbound)),
            Between::Local => self.add_local(src, dst, seen),
            Between::Other => {
                self.internal_bytes = self.internal_bytes.saturating_add(seen.bytes);
                AddedTo::Internal
            }
        })
    }

    /// Classifies an IPv6 record when no IPv6 CIDR is given: the interface
    /// side of a record with `flow-direction` is the VPC's (its /56 is
    /// learned), and so is any address in a learned CIDR. Bytes still with
    /// no VPC side are counted as unplaced.
    #[cold]
    fn between_ipv6(&mut self, src: IpAddr, dst: IpAddr, dir: Option<Direction>, bytes: u64) -> Between {
        let own = match dir {
            Some(Direction::Egress) => Some(src),
            Some(Direction::Ingress) => Some(dst),
            None => None,
        };
        if let Some(cidr) = own
            .filter(|ip| !is_private(*ip) && nat64_ipv4(*ip).is_none())
            .and_then(|ip| Cidr::new(ip, LEARNED_IPV6_PREFIX))
        {
            if !self.learned_ipv6.contains(&cidr) && self.learned_ipv6.len() < MAX_LEARNED_IPV6 {
                self.learned_ipv6.push(cidr);
            }
        }
        let local = |ip: IpAddr| self.net.is_local(ip) || self.learned_ipv6.iter().any(|c| c.contains(ip));
        let between = match (local(src), local(dst)) {
            (true, false) if !is_private(dst) => Between::Public {
                local: src,
                remote: dst,
                outbound: true,
            },
            (false, true) if !is_private(src) => Between::Public {
                local: dst,
                remote: src,
                outbound: false,
            },
            (true, true) => Between::Local,
            _ => Between::Other,
        };
        if between == Between::Other {
            self.ipv6_unplaced_bytes = self.ipv6_unplaced_bytes.saturating_add(bytes);
        }
        between
    }

    /// Notes a translated NAT gateway leg: evidence for the NAT address, and its client.
    fn note_nat_leg(&mut self, nat: IpAddr, client: IpAddr, eni: Option<u32>) {
        let ev = self.nat.entry(nat).or_default();
        ev.translated_records += 1;
        ev.eni = ev.eni.or(eni);
        self.nat_clients.insert(client);
    }

    /// Counts the records that carry nothing to count (NODATA/SKIPDATA,
    /// outside the window, REJECT) and says whether `r` is counted. A record
    /// inside the window widens the span and marks its hour, even when rejected.
    fn admit(&mut self, r: &FlowRecord<'_>) -> Admit {
        if matches!(r.log_status, Some(LogStatus::NoData | LogStatus::SkipData)) {
            self.no_data += 1;
            return Admit::Not;
        }
        if let Some(ts) = r.start.or(r.end) {
            if !self.filter.contains(ts) {
                self.outside_window += 1;
                return Admit::Not;
            }
            let end = r.end.unwrap_or(ts);
            self.span.add(ts, end);
            self.hours
                .entry(hour_of(ts))
                .and_modify(|h| h.add(ts, end))
                .or_insert_with(|| HourRecords::new(ts, end));
        }
        if r.action == Some(Action::Reject) {
            self.rejected += 1;
            return Admit::Rejected;
        }
        Admit::Counted
    }

    /// The record's VPC (interned; `u32::MAX` without `vpc-id`), noting its
    /// Region and account the first time they are seen.
    fn vpc_of(&mut self, r: &FlowRecord<'_>) -> u32 {
        let vpc = match r.vpc_id {
            // Records of one file nearly always share a VPC.
            Some(v) if self.last_vpc.0 == v => self.last_vpc.1,
            Some(v) => {
                let id = self.vpcs.id(v);
                self.last_vpc = (v.to_string(), id);
                id
            }
            // The Region still names the record's services' Region.
            None if r.region.is_none() || self.vpc_regions.contains_key(&u32::MAX) => return u32::MAX,
            None => u32::MAX,
        };
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
        vpc
    }

    /// The record's interface, interned.
    fn eni_of(&mut self, interface_id: Option<&str>) -> Option<u32> {
        let e = interface_id?;
        // Records of one interface tend to come together.
        if self.last_eni.0 == e {
            return Some(self.last_eni.1);
        }
        let id = self.enis.id(e);
        self.last_eni.clear();
        self.last_eni.0.push_str(e);
        self.last_eni.1 = id;
        Some(id)
    }

    /// Traffic between a VPC address and a public one: counted by (VPC,
    /// address, destination, direction, traffic-path), the destination named
    /// as the record is read.
    fn add_public(
        &mut self,
        r: &FlowRecord<'_>,
        seen: Seen,
        local: IpAddr,
        remote: IpAddr,
        outbound: bool,
    ) -> PublicKey {
        let nat_type = is_nat_interface_type(r.interface_type);
        if nat_type {
            let ev = self.nat.entry(local).or_default();
            ev.interface_type = true;
            ev.eni = ev.eni.or(seen.eni);
        }
        let local_id = self.note_local(local, r, seen.eni, nat_type);
        let code = if outbound {
            r.pkt_dst_aws_service
        } else {
            r.pkt_src_aws_service
        };
        let dest = self.resolve(remote, seen.hour, seen.vpc, code);
        add_sample(&mut self.samples[dest as usize], remote, seen.bytes);
        let key = PublicKey {
            vpc: seen.vpc,
            local: local_id,
            dest,
            outbound,
            path: if outbound { r.traffic_path.unwrap_or(0) } else { 0 },
            hour: seen.hour,
        };
        self.public.entry(key).or_default().add(seen.bytes, seen.packets);
        key
    }

    /// Interns a VPC address that talked to a public one and notes what the
    /// record says about it: interface, AZ, instance, NAT gateway type.
    fn note_local(&mut self, local: IpAddr, r: &FlowRecord<'_>, eni: Option<u32>, nat_type: bool) -> u32 {
        let local_id = self.local_id(local);
        if self.locals[local_id as usize].1.az.is_none() {
            let az = r.az_id.map(|a| self.strings.id(a));
            self.locals[local_id as usize].1.az = az;
        }
        let info = &mut self.locals[local_id as usize].1;
        info.eni = info.eni.or(eni);
        info.instance |= r.instance_id.is_some();
        info.nat_interface_type |= nat_type;
        local_id
    }

    /// Traffic between two VPC addresses: kept per interface when one side is
    /// an interface endpoint, else counted as internal.
    fn add_local(&mut self, src: IpAddr, dst: IpAddr, seen: Seen) -> AddedTo {
        if !self.given_nat.ips.is_empty() || !self.given_nat.enis.is_empty() {
            self.note_given_nat_peer(src, dst, seen.eni);
        }
        let endpoint = [dst, src].into_iter().find(|&a| self.resolver.is_endpoint(a));
        match (endpoint, seen.eni) {
            (Some(endpoint), Some(eni)) => {
                let key = EndpointKey {
                    vpc: seen.vpc,
                    eni,
                    endpoint,
                };
                let e = self.endpoint.entry(key).or_default();
                e.counters.add(seen.bytes, seen.packets);
                e.hour = e.hour.max(seen.hour);
                AddedTo::Endpoint(key)
            }
            _ => {
                self.internal_bytes = self.internal_bytes.saturating_add(seen.bytes);
                AddedTo::Internal
            }
        }
    }

    /// A record between VPC addresses that involves a given NAT gateway: the
    /// other address is its client (to or from the given address), or both
    /// are its own and its client's (on the given interface).
    fn note_given_nat_peer(&mut self, src: IpAddr, dst: IpAddr, eni: Option<u32>) {
        if self.given_nat.ips.contains(&dst) {
            self.nat_clients.insert(src);
        } else if self.given_nat.ips.contains(&src) {
            self.nat_clients.insert(dst);
        } else if eni.is_some_and(|e| self.given_nat.enis.contains(&e)) {
            self.given_nat_eni_peers.insert(src);
            self.given_nat_eni_peers.insert(dst);
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
                add_sample(mine, ip, b);
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
        self.given_nat_eni_peers.extend(other.given_nat_eni_peers);
        for c in other.learned_ipv6 {
            if !self.learned_ipv6.contains(&c) && self.learned_ipv6.len() < MAX_LEARNED_IPV6 {
                self.learned_ipv6.push(c);
            }
        }
        self.ipv6_unplaced_bytes = self.ipv6_unplaced_bytes.saturating_add(other.ipv6_unplaced_bytes);
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
        self.fields.merge(other.fields);
        self.records += other.records;
        self.no_data += other.no_data;
        self.rejected += other.rejected;
        self.outside_window += other.outside_window;
        self.bytes_read = self.bytes_read.saturating_add(other.bytes_read);
        self.internal_bytes = self.internal_bytes.saturating_add(other.internal_bytes);
        self.span.merge(other.span);
        let remap = |to: AddedTo| match to {
            AddedTo::Public(k) => AddedTo::Public(PublicKey {
                vpc: mv(k.vpc),
                local: local_map[k.local as usize],
                dest: dest_map[k.dest as usize],
                ..k
            }),
            AddedTo::Endpoint(k) => AddedTo::Endpoint(EndpointKey {
                vpc: mv(k.vpc),
                eni: eni_map[k.eni as usize],
                ..k
            }),
            other => other,
        };
        for (h, recs) in other.hours {
            match self.hours.entry(h) {
                std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().merge(recs, remap),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let mut recs = recs;
                    if let Some(a) = recs.added.as_mut() {
                        a.iter_mut().for_each(|x| x.to = remap(x.to));
                    }
                    e.insert(recs);
                }
            }
        }
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

    fn vpc_net() -> LocalNet {
        LocalNet::new(vec!["10.0.0.0/16".parse().unwrap()])
    }

    #[test]
    fn records_without_traffic_to_count_are_counted_by_reason() {
        let mut agg = FlowAggregator::new(
            LocalNet::default(),
            TimeFilter {
                since: Some(7200),
                until: Some(10_800),
            },
            Arc::default(),
        );
        let at = |start: i64| FlowRecord {
            start: Some(start),
            end: Some(start + 50),
            ..Default::default()
        };
        let no_data = FlowRecord {
            log_status: Some(LogStatus::NoData),
            ..at(7300)
        };
        assert_eq!(agg.admit(&no_data), Admit::Not);
        assert_eq!(agg.admit(&at(100)), Admit::Not);
        assert_eq!(agg.span, TimeSpan::default(), "no span from records outside the window");
        let rejected = FlowRecord {
            action: Some(Action::Reject),
            ..at(7300)
        };
        assert_eq!(agg.admit(&rejected), Admit::Rejected);
        assert_eq!((agg.span.min, agg.span.max), (Some(7300), Some(7350)));
        assert!(agg.hours.contains_key(&2));
        assert_eq!(agg.admit(&at(9000)), Admit::Counted);
        assert_eq!(
            agg.counts(),
            FlowCounts {
                outside_window: 1,
                no_data: 1,
                rejected: 1
            }
        );
    }

    #[test]
    fn traffic_is_classified_by_its_vpc_side() {
        let net = vpc_net();
        let (inst, other_inst, public) = (ip("10.0.1.5"), ip("10.0.2.5"), ip("52.1.1.1"));
        assert_eq!(
            Between::of(&net, inst, public),
            Between::Public {
                local: inst,
                remote: public,
                outbound: true
            }
        );
        assert_eq!(
            Between::of(&net, public, inst),
            Between::Public {
                local: inst,
                remote: public,
                outbound: false
            }
        );
        assert_eq!(Between::of(&net, inst, other_inst), Between::Local);
        // A peered or on-premises network is neither the VPC nor public.
        assert_eq!(Between::of(&net, inst, ip("192.168.1.1")), Between::Other);
        assert_eq!(Between::of(&net, public, ip("52.2.2.2")), Between::Other);
    }

    #[test]
    fn translated_nat_legs_are_told_from_the_rest() {
        let net = vpc_net();
        let (inst, nat, public) = (ip("10.0.1.10"), ip("10.0.0.220"), ip("52.1.1.1"));
        // Instance → NAT (dstaddr the NAT, pkt-dstaddr the destination) or
        // NAT → instance (srcaddr the NAT, pkt-srcaddr the source).
        assert!(is_translated_leg(&net, nat, public, inst));
        // The NAT's own leg to the internet is not translated.
        assert!(!is_translated_leg(&net, nat, nat, public));
        assert!(!is_translated_leg(&net, public, public, nat));
        // To a private real destination, or from a public client: not a NAT leg.
        assert!(!is_translated_leg(&net, nat, ip("192.168.0.9"), inst));
        assert!(!is_translated_leg(&net, nat, public, ip("52.9.9.9")));
        // Through push: both legs mark the NAT and its client.
        let mut agg = FlowAggregator::new(net, TimeFilter::default(), Arc::default());
        let to_nat = FlowRecord {
            srcaddr: Some(inst),
            dstaddr: Some(nat),
            pkt_srcaddr: Some(inst),
            pkt_dstaddr: Some(public),
            interface_id: Some("eni-nat"),
            ..Default::default()
        };
        let from_nat = FlowRecord {
            srcaddr: Some(nat),
            dstaddr: Some(inst),
            pkt_srcaddr: Some(public),
            pkt_dstaddr: Some(inst),
            ..to_nat.clone()
        };
        agg.push(&to_nat);
        agg.push(&from_nat);
        assert_eq!(agg.nat[&nat].translated_records, 2);
        assert_eq!(agg.nat[&nat].eni, Some(agg.enis.id("eni-nat")));
        assert_eq!(agg.nat_clients.iter().collect::<Vec<_>>(), [&inst]);
    }

    #[test]
    fn interface_type_and_direction_decide_what_a_record_says() {
        assert!(is_nat_interface_type(Some("nat_gateway")));
        assert!(is_nat_interface_type(Some("regional_nat_gateway")));
        assert!(!is_nat_interface_type(Some("interface")));
        assert!(!is_nat_interface_type(None));
        let (a, b) = (ip("10.0.1.10"), ip("52.1.1.1"));
        assert_eq!(EniOwn::observed(a, b, Some(Direction::Egress)), EniOwn::Known(a));
        assert_eq!(EniOwn::observed(b, a, Some(Direction::Ingress)), EniOwn::Known(a));
        assert_eq!(EniOwn::observed(a, b, None), EniOwn::Either(a, b));
    }

    #[test]
    fn only_outbound_records_key_their_traffic_path() {
        let mut agg = FlowAggregator::new(vpc_net(), TimeFilter::default(), Arc::default());
        let (inst, public) = (ip("10.0.1.10"), ip("52.1.1.1"));
        let out = FlowRecord {
            srcaddr: Some(inst),
            dstaddr: Some(public),
            bytes: Some(100),
            start: Some(3600),
            traffic_path: Some(1),
            interface_id: Some("eni-1"),
            ..Default::default()
        };
        let back = FlowRecord {
            srcaddr: Some(public),
            dstaddr: Some(inst),
            bytes: Some(900),
            ..out.clone()
        };
        agg.push(&out);
        agg.push(&back);
        let mut keys: Vec<_> = agg.public.iter().map(|(k, c)| (k.outbound, k.path, c.bytes)).collect();
        keys.sort();
        assert_eq!(keys, [(false, 0, 900), (true, 1, 100)]);
        assert_eq!(agg.samples.iter().map(|s| s[&public]).sum::<u64>(), 1000);
    }

    #[test]
    fn push_reads_only_the_declared_fields() {
        use vpce_formats::flow::{Field, FlowFormat};
        // Every field of the table, each with a value; the ones push reads say
        // NAT gateway, so a field it read without declaring would change the result.
        let all = FlowFormat::parse(
            &Field::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(" "),
            false,
        )
        .unwrap();
        let value = |f: Field, src: &str, dst: &str| match f {
            Field::Version => "11".to_string(),
            Field::Srcaddr | Field::PktSrcaddr => src.into(),
            Field::Dstaddr | Field::PktDstaddr => dst.into(),
            Field::Srcport | Field::Dstport | Field::Protocol | Field::Packets | Field::TcpFlags | Field::Type => {
                "6".into()
            }
            Field::Bytes => "1000".into(),
            Field::Start => "3600".into(),
            Field::End => "3660".into(),
            Field::Action => "ACCEPT".into(),
            Field::LogStatus => "OK".into(),
            Field::FlowDirection => "egress".into(),
            Field::TrafficPath => "8".into(),
            Field::InterfaceType => "nat_gateway".into(),
            Field::AccountId => "123456789012".into(),
            Field::Region => "us-east-1".into(),
            Field::PktDstAwsService | Field::PktSrcAwsService => "S3".into(),
            f => format!("x-{}", f.name()),
        };
        let lines: Vec<String> = [
            ("10.0.0.9", "52.1.1.1"),
            ("10.0.0.9", "10.0.1.1"),
            ("52.2.2.2", "10.0.0.9"),
        ]
        .iter()
        .map(|(s, d)| Field::ALL.iter().map(|&f| value(f, s, d)).collect::<Vec<_>>().join(" "))
        .collect();
        let aggregate = |format: &FlowFormat| {
            let mut agg = FlowAggregator::new(LocalNet::default(), TimeFilter::default(), Arc::default());
            for l in &lines {
                agg.push(&format.parse_record(l.as_bytes()).unwrap());
            }
            format!("{agg:?}")
        };
        let full = aggregate(&all);
        assert!(full.contains("interface_type: true"), "{full}");
        assert_eq!(aggregate(&all.clone().only(FlowAggregator::FIELDS)), full);
    }
}
