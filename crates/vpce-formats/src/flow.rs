//! VPC flow logs in the text format (versions 2 to 11, any field order).
//!
//! A record is one line of space-separated values whose order is given by the
//! flow log's format. S3 delivery writes that order as a header line
//! (`version account-id interface-id ...`); CloudWatch Logs delivery has no
//! header, so the format is given as the `${field}` string the flow log was
//! created with. Without either, the default version 2 order applies.
//!
//! Parsing works on bytes: fields are found with `memchr`, numbers and IPv4
//! addresses are parsed by hand, and the fields the analysis does not use are
//! skipped without being looked at. A `-` value is `None`.

use std::fmt;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr};

use crate::json::JsonFramer;
use crate::lines::LineError;

/// What the analysis does with a flow-log field, and so whether `setup`
/// turns it on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldUse {
    /// A record cannot be measured without it (who talked to whom, how much).
    Required,
    /// A record needs one field of this kind: when the bytes were sent.
    Time,
    /// Read when present: tells NAT traffic from the rest, names the
    /// destination, the VPC, the interface or the AZ.
    Read,
    /// Not read by the analysis, but turned on by `setup` so that people
    /// reading the logs see the whole connection (ports, protocol, subnet).
    Logged,
    /// Neither read nor turned on.
    Unused,
}

macro_rules! fields {
    ($( $variant:ident = $name:literal, $ver:literal, $use:ident; )*) => {
        /// Every flow-log field AWS documents, through version 11.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum Field { $($variant),* }

        impl Field {
            /// All fields, in the order of the table below.
            pub const ALL: &'static [Field] = &[$(Field::$variant),*];

            /// The name used in headers and `${...}` format strings.
            pub fn name(self) -> &'static str {
                match self { $(Field::$variant => $name),* }
            }

            /// The flow-log version that introduced the field.
            pub fn version(self) -> u8 {
                match self { $(Field::$variant => $ver),* }
            }

            /// What the analysis does with the field.
            pub const fn usage(self) -> FieldUse {
                match self { $(Field::$variant => FieldUse::$use),* }
            }
        }
    };
}

// The one flow-log field table: name, version introduced, use. The order is
// the AWS documentation's, except that `region` and `az-id` (version 4) come
// before the packet addresses, as in the format `setup` writes: `setup`, the
// simulator's header and the fields the analysis reads are all rendered from
// this table in this order.
fields! {
    Version = "version", 2, Logged;
    AccountId = "account-id", 2, Read;
    InterfaceId = "interface-id", 2, Read;
    Srcaddr = "srcaddr", 2, Required;
    Dstaddr = "dstaddr", 2, Required;
    Srcport = "srcport", 2, Logged;
    Dstport = "dstport", 2, Logged;
    Protocol = "protocol", 2, Logged;
    Packets = "packets", 2, Read;
    Bytes = "bytes", 2, Required;
    Start = "start", 2, Time;
    End = "end", 2, Time;
    Action = "action", 2, Read;
    LogStatus = "log-status", 2, Read;
    VpcId = "vpc-id", 3, Read;
    SubnetId = "subnet-id", 3, Logged;
    InstanceId = "instance-id", 3, Read;
    TcpFlags = "tcp-flags", 3, Unused;
    Type = "type", 3, Unused;
    Region = "region", 4, Read;
    AzId = "az-id", 4, Read;
    PktSrcaddr = "pkt-srcaddr", 3, Read;
    PktDstaddr = "pkt-dstaddr", 3, Read;
    SublocationType = "sublocation-type", 4, Unused;
    SublocationId = "sublocation-id", 4, Unused;
    PktSrcAwsService = "pkt-src-aws-service", 5, Read;
    PktDstAwsService = "pkt-dst-aws-service", 5, Read;
    FlowDirection = "flow-direction", 5, Read;
    TrafficPath = "traffic-path", 5, Read;
    EcsClusterArn = "ecs-cluster-arn", 7, Unused;
    EcsClusterName = "ecs-cluster-name", 7, Unused;
    EcsContainerInstanceArn = "ecs-container-instance-arn", 7, Unused;
    EcsContainerInstanceId = "ecs-container-instance-id", 7, Unused;
    EcsContainerId = "ecs-container-id", 7, Unused;
    EcsSecondContainerId = "ecs-second-container-id", 7, Unused;
    EcsServiceName = "ecs-service-name", 7, Unused;
    EcsTaskDefinitionArn = "ecs-task-definition-arn", 7, Unused;
    EcsTaskArn = "ecs-task-arn", 7, Unused;
    EcsTaskId = "ecs-task-id", 7, Unused;
    RejectReason = "reject-reason", 8, Unused;
    ResourceId = "resource-id", 9, Unused;
    EncryptionStatus = "encryption-status", 10, Unused;
    InstanceTag = "instance-tag", 11, Unused;
    InstanceTag2 = "instance-tag-2", 11, Unused;
    InterfaceTag = "interface-tag", 11, Unused;
    InterfaceTag2 = "interface-tag-2", 11, Unused;
    AsgTag = "asg-tag", 11, Unused;
    AsgTag2 = "asg-tag-2", 11, Unused;
    InterfaceType = "interface-type", 11, Read;
    NextHopInterfaceId = "next-hop-interface-id", 11, Unused;
    NextHopSubnetId = "next-hop-subnet-id", 11, Unused;
    NextHopAzId = "next-hop-az-id", 11, Unused;
    NextHopVpcId = "next-hop-vpc-id", 11, Unused;
    NextHopInterfaceType = "next-hop-interface-type", 11, Unused;
}

/// A set of [`FieldUse`]s, as bits.
const fn uses(list: &[FieldUse]) -> u8 {
    let mut bits = 0;
    let mut i = 0;
    while i < list.len() {
        bits |= 1 << list[i] as u8;
        i += 1;
    }
    bits
}

/// How many fields of the table have a use in `bits`.
const fn count_with(bits: u8) -> usize {
    let (mut n, mut i) = (0, 0);
    while i < Field::ALL.len() {
        if bits & (1 << Field::ALL[i].usage() as u8) != 0 {
            n += 1;
        }
        i += 1;
    }
    n
}

/// The fields of the table with a use in `bits`, in table order.
const fn fields_with<const N: usize>(bits: u8) -> [Field; N] {
    let mut out = [Field::Version; N];
    let (mut k, mut i) = (0, 0);
    while i < Field::ALL.len() {
        if bits & (1 << Field::ALL[i].usage() as u8) != 0 {
            out[k] = Field::ALL[i];
            k += 1;
        }
        i += 1;
    }
    out
}

const READ_BITS: u8 = uses(&[FieldUse::Required, FieldUse::Time, FieldUse::Read]);
const SETUP_BITS: u8 = uses(&[FieldUse::Required, FieldUse::Time, FieldUse::Read, FieldUse::Logged]);
const REQUIRED_BITS: u8 = uses(&[FieldUse::Required]);
const TIME_BITS: u8 = uses(&[FieldUse::Time]);
const ANALYSIS: [Field; count_with(READ_BITS)] = fields_with(READ_BITS);
const SETUP: [Field; count_with(SETUP_BITS)] = fields_with(SETUP_BITS);
const REQUIRED: [Field; count_with(REQUIRED_BITS)] = fields_with(REQUIRED_BITS);
const TIME: [Field; count_with(TIME_BITS)] = fields_with(TIME_BITS);

/// The fields the analysis reads (required, time and read), in table order;
/// a reader may skip the rest.
pub const ANALYSIS_FIELDS: &[Field] = &ANALYSIS;
/// The fields `setup` turns on, in the order it writes them: every field the
/// analysis reads, and the logged ones.
pub const SETUP_FIELDS: &[Field] = &SETUP;
/// The fields without which a record cannot be measured.
pub const REQUIRED_FIELDS: &[Field] = &REQUIRED;
/// The time fields; a record needs one of them.
pub const TIME_FIELDS: &[Field] = &TIME;

/// The `${field} ...` format string `setup` creates flow logs with.
pub fn setup_format() -> String {
    FlowFormat::from_fields(SETUP_FIELDS.to_vec(), Vec::new(), vec![]).to_spec()
}

impl Field {
    /// Looks a field up by its header name, its `${name}` form, or the
    /// underscore spelling used by Parquet and Athena (`pkt_dst_aws_service`).
    pub fn from_name(token: &str) -> Option<Field> {
        Field::from_bytes(token.trim().as_bytes())
    }

    /// [`Field::from_name`] on bytes, without allocating.
    pub fn from_bytes(token: &[u8]) -> Option<Field> {
        let t = token
            .strip_prefix(b"${")
            .and_then(|s| s.strip_suffix(b"}"))
            .unwrap_or(token);
        let norm = |c: u8| {
            if c == b'_' {
                b'-'
            } else {
                c.to_ascii_lowercase()
            }
        };
        Field::ALL.iter().copied().find(|f| {
            let n = f.name().as_bytes();
            n.len() == t.len() && n.iter().zip(t).all(|(a, b)| *a == norm(*b))
        })
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The default format (version 2), used when there is neither a header nor a
/// format string.
pub const DEFAULT_V2: &[Field] = &[
    Field::Version,
    Field::AccountId,
    Field::InterfaceId,
    Field::Srcaddr,
    Field::Dstaddr,
    Field::Srcport,
    Field::Dstport,
    Field::Protocol,
    Field::Packets,
    Field::Bytes,
    Field::Start,
    Field::End,
    Field::Action,
    Field::LogStatus,
];

/// Errors in a header line or a `--flow-log-format` string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error(
        "unknown flow-log field{} {}; known fields are: {}",
        if .unknown.len() > 1 { "s" } else { "" },
        .unknown.iter().map(|u| format!("'{u}'")).collect::<Vec<_>>().join(", "),
        Field::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(" ")
    )]
    UnknownFields { unknown: Vec<String> },
    #[error("flow-log field '{0}' appears twice in the format")]
    Duplicate(Field),
    #[error("the flow-log format is empty")]
    Empty,
    #[error(
        "this is a Transit Gateway flow log (tgw-… fields): it records traffic through a transit gateway, \
         not the traffic of a VPC's interfaces, so it is left out; give the VPC flow logs of the VPCs \
         behind the NAT gateways instead"
    )]
    TransitGateway,
}

/// What a parsed value is used for. Fields the analysis does not read are `Skip`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Skip,
    Field(Field),
}

/// A field order, from a header, a format string, or the default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowFormat {
    fields: Vec<Field>,
    /// Names in the header that are not known fields, kept when the caller
    /// allowed them; their values are skipped.
    ignored: Vec<String>,
    slots: Vec<Slot>,
    /// Position of each field (by `Field as usize`) in a record, or `ABSENT`
    /// when the format lacks it or the reader skips it.
    index: Vec<u8>,
}

const ABSENT: u8 = u8::MAX;

impl Default for FlowFormat {
    fn default() -> Self {
        Self::from_fields(DEFAULT_V2.to_vec(), Vec::new(), vec![])
    }
}

impl FlowFormat {
    fn from_fields(fields: Vec<Field>, ignored: Vec<String>, slots: Vec<Slot>) -> Self {
        let slots = if slots.is_empty() {
            fields.iter().map(|&f| Slot::Field(f)).collect()
        } else {
            slots
        };
        let mut f = FlowFormat {
            fields,
            ignored,
            slots,
            index: Vec::new(),
        };
        f.reindex();
        f
    }

    fn reindex(&mut self) {
        self.index = vec![ABSENT; Field::ALL.len()];
        for (i, slot) in self.slots.iter().enumerate() {
            if let (Slot::Field(f), Ok(i)) = (slot, u8::try_from(i)) {
                if i != ABSENT {
                    self.index[*f as usize] = i;
                }
            }
        }
    }

    /// Parses a header line or a format string: names separated by spaces, each
    /// plain (`srcaddr`) or wrapped (`${srcaddr}`).
    ///
    /// # Errors
    /// An unknown name is an error that lists the known fields, unless
    /// `allow_unknown` is set, in which case its values are skipped.
    pub fn parse(spec: &str, allow_unknown: bool) -> Result<Self, FormatError> {
        let mut fields = Vec::new();
        let mut slots = Vec::new();
        let mut unknown = Vec::new();
        for token in spec.split_ascii_whitespace() {
            match Field::from_name(token) {
                Some(f) => {
                    if fields.contains(&f) {
                        return Err(FormatError::Duplicate(f));
                    }
                    fields.push(f);
                    slots.push(Slot::Field(f));
                }
                None => {
                    unknown.push(token.to_string());
                    slots.push(Slot::Skip);
                }
            }
        }
        if slots.is_empty() {
            return Err(FormatError::Empty);
        }
        if unknown.iter().any(|u| u.trim_start_matches("${").starts_with("tgw-")) {
            return Err(FormatError::TransitGateway);
        }
        if !unknown.is_empty() && !allow_unknown {
            return Err(FormatError::UnknownFields { unknown });
        }
        Ok(Self::from_fields(fields, unknown, slots))
    }

    /// Decides whether `line` is a header. A header's tokens are field names;
    /// a record's are values. A line whose first token is a known name, or
    /// whose tokens all look like names with at least two known, is a header.
    pub fn looks_like_header(line: &[u8]) -> bool {
        // Field names start with a letter (or `${`); most records start with a
        // digit or `-`, so this returns at once for them.
        match line.first() {
            Some(c) if c.is_ascii_alphabetic() || *c == b'$' => {}
            _ => return false,
        }
        let mut tokens = line.split(|&c| c == b' ' || c == b'\t').filter(|t| !t.is_empty());
        let Some(first) = tokens.next() else {
            return false;
        };
        if Field::from_bytes(first).is_some() {
            return true;
        }
        let name_like = |t: &[u8]| {
            let t = t.strip_prefix(b"${").and_then(|s| s.strip_suffix(b"}")).unwrap_or(t);
            t.first().is_some_and(|c| c.is_ascii_alphabetic())
                && t.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
                && !t.starts_with(b"eni-")
        };
        if !name_like(first) {
            return false;
        }
        let mut known = 0;
        for t in tokens {
            if !name_like(t) {
                return false;
            }
            known += usize::from(Field::from_bytes(t).is_some());
        }
        known >= 2
    }

    /// Keeps the values of `wanted` fields only; the others are still counted
    /// (a record must have every field of the format) but not parsed. Readers
    /// that use a few fields of a wide format save most of the parsing.
    pub fn only(mut self, wanted: &[Field]) -> Self {
        for slot in &mut self.slots {
            if let Slot::Field(f) = slot {
                if !wanted.contains(f) {
                    *slot = Slot::Skip;
                }
            }
        }
        self.reindex();
        self
    }

    /// The fields in order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// Header names that were not known fields (only when allowed).
    pub fn ignored(&self) -> &[String] {
        &self.ignored
    }

    /// Whether the format has `f`.
    pub fn has(&self, f: Field) -> bool {
        self.fields.contains(&f)
    }

    /// Number of values a record must have.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Never true for a parsed format; present for completeness.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The format as a `${field}` string, as the AWS console and API write it.
    pub fn to_spec(&self) -> String {
        self.fields
            .iter()
            .map(|f| format!("${{{}}}", f.name()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Parses one record line.
    ///
    /// # Errors
    /// A wrong number of values, or a value that does not fit its field.
    pub fn parse_record<'a>(&self, line: &'a [u8]) -> Result<FlowRecord<'a>, RecordError> {
        self.parse_record_with(line, &mut Scratch::default())
    }

    /// [`FlowFormat::parse_record`] with a scratch buffer reused across lines.
    ///
    /// # Errors
    /// As [`FlowFormat::parse_record`].
    pub fn parse_record_with<'a>(&self, line: &'a [u8], scratch: &mut Scratch) -> Result<FlowRecord<'a>, RecordError> {
        // One UTF-8 check for the whole line; fields are then sliced at ASCII
        // spaces, which are always character boundaries.
        let text = std::str::from_utf8(line).map_err(|_| RecordError::NotText)?;
        let n = self.slots.len();
        // Field boundaries: every space, found eight bytes at a time.
        let ends = &mut scratch.ends;
        let found = space_positions(line, ends);
        if found + 1 != n {
            return Err(RecordError::FieldCount {
                expected: n,
                found: if found == MAX_FIELDS {
                    count_tokens(line)
                } else {
                    found + 1
                },
            });
        }
        ends[found] = line.len() as u32;
        // Only the fields the reader wants are looked at, each directly by its
        // position: no per-field dispatch.
        let ends = &*ends;
        let get = |f: Field| -> Option<&'a [u8]> { field_bytes(&self.index, ends, line, f) };
        // Text fields: the line is valid UTF-8 and fields end at ASCII spaces,
        // so slicing the checked text at the same offsets cannot fail.
        let txt = |f: Field| -> Option<&'a str> {
            let b = get(f)?;
            let start = b.as_ptr() as usize - line.as_ptr() as usize;
            text.get(start..start + b.len())
        };
        let ip = |f: Field| -> Result<Option<IpAddr>, RecordError> {
            get(f).map(|v| parse_ip(v).ok_or_else(|| invalid(f, v))).transpose()
        };
        let srcaddr = ip(Field::Srcaddr)?;
        let dstaddr = ip(Field::Dstaddr)?;
        // pkt-srcaddr/pkt-dstaddr usually repeat srcaddr/dstaddr byte for byte.
        let pkt_srcaddr = if get(Field::PktSrcaddr) == get(Field::Srcaddr) {
            srcaddr
        } else {
            ip(Field::PktSrcaddr)?
        };
        let pkt_dstaddr = if get(Field::PktDstaddr) == get(Field::Dstaddr) {
            dstaddr
        } else {
            ip(Field::PktDstaddr)?
        };
        let rec = FlowRecord {
            version: number(Field::Version, get(Field::Version))?,
            account_id: txt(Field::AccountId),
            interface_id: txt(Field::InterfaceId),
            srcaddr,
            dstaddr,
            srcport: number(Field::Srcport, get(Field::Srcport))?,
            dstport: number(Field::Dstport, get(Field::Dstport))?,
            protocol: number(Field::Protocol, get(Field::Protocol))?,
            packets: number(Field::Packets, get(Field::Packets))?,
            bytes: number(Field::Bytes, get(Field::Bytes))?,
            start: number(Field::Start, get(Field::Start))?,
            end: number(Field::End, get(Field::End))?,
            action: match get(Field::Action) {
                None => None,
                Some(b"ACCEPT") => Some(Action::Accept),
                Some(b"REJECT") => Some(Action::Reject),
                Some(v) => return Err(invalid(Field::Action, v)),
            },
            log_status: match get(Field::LogStatus) {
                None => None,
                Some(b"OK") => Some(LogStatus::Ok),
                Some(b"NODATA") => Some(LogStatus::NoData),
                Some(b"SKIPDATA") => Some(LogStatus::SkipData),
                Some(v) => return Err(invalid(Field::LogStatus, v)),
            },
            vpc_id: txt(Field::VpcId),
            subnet_id: txt(Field::SubnetId),
            instance_id: txt(Field::InstanceId),
            region: txt(Field::Region),
            az_id: txt(Field::AzId),
            pkt_srcaddr,
            pkt_dstaddr,
            pkt_src_aws_service: txt(Field::PktSrcAwsService),
            pkt_dst_aws_service: txt(Field::PktDstAwsService),
            flow_direction: match get(Field::FlowDirection) {
                None => None,
                Some(b"ingress") => Some(Direction::Ingress),
                Some(b"egress") => Some(Direction::Egress),
                Some(v) => return Err(invalid(Field::FlowDirection, v)),
            },
            traffic_path: number(Field::TrafficPath, get(Field::TrafficPath))?,
            interface_type: txt(Field::InterfaceType),
            resource_id: txt(Field::ResourceId),
        };
        check_plausible(&rec)?;
        Ok(rec)
    }
}

/// More bytes than one record can hold: 2^50 (1.1 PB) in one aggregation
/// interval would be 15 Tbit/s for ten minutes, beyond any network interface.
pub const MAX_RECORD_BYTES: u64 = 1 << 50;
/// The times a record may carry: up to 2100-01-01 (Unix seconds). Times
/// that are possible but far from the other records are a question for the
/// window, not for the record.
pub const PLAUSIBLE_TIMES: std::ops::Range<i64> = 0..4_102_444_800;
/// The longest span a record may cover. AWS aggregates over at most ten
/// minutes; aggregated rows (Logs Insights, per hour) span up to about an
/// hour. A day is beyond both.
pub const MAX_RECORD_SPAN_SECS: i64 = 86_400;

/// Values no flow log can hold are malformed, so they never reach a sum or a
/// per-hour loop: bytes beyond any interval, times outside this century's
/// plausible range, `start` after `end`, a record spanning more than a day.
fn check_plausible(r: &FlowRecord<'_>) -> Result<(), RecordError> {
    let why = |field: Field, value: &dyn std::fmt::Display, reason: &'static str| {
        Err(RecordError::Implausible {
            field,
            value: value.to_string(),
            reason,
        })
    };
    if let Some(b) = r.bytes.filter(|&b| b > MAX_RECORD_BYTES) {
        return why(
            Field::Bytes,
            &b,
            "more than any network interface carries in one record (2^50)",
        );
    }
    for (f, t) in [(Field::Start, r.start), (Field::End, r.end)] {
        if let Some(t) = t.filter(|t| !PLAUSIBLE_TIMES.contains(t)) {
            return why(f, &t, "not a time before 2100 (Unix seconds)");
        }
    }
    if let (Some(s), Some(e)) = (r.start, r.end) {
        if s > e {
            return why(Field::End, &e, "before start");
        }
        if e - s > MAX_RECORD_SPAN_SECS {
            return why(
                Field::End,
                &e,
                "more than a day after start: no record covers that long",
            );
        }
    }
    Ok(())
}

/// The bytes of field `f` (by position), `None` when absent, skipped or `-`.
#[inline(always)]
fn field_bytes<'a>(index: &[u8], ends: &[u32; MAX_FIELDS + 1], line: &'a [u8], f: Field) -> Option<&'a [u8]> {
    let i = index[f as usize];
    if i == ABSENT {
        return None;
    }
    let i = i as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] as usize + 1 };
    let v = line.get(start..ends[i] as usize)?;
    (v != b"-").then_some(v)
}

/// Parses a number field into its type, or reports the field and value.
#[inline(always)]
fn number<T: TryFrom<u64>>(f: Field, v: Option<&[u8]>) -> Result<Option<T>, RecordError> {
    match v {
        None => Ok(None),
        Some(v) => parse_u64(v)
            .and_then(|n| T::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| invalid(f, v)),
    }
}

/// Reusable working memory for [`FlowFormat::parse_record_with`].
#[derive(Clone, Debug)]
pub struct Scratch {
    ends: [u32; MAX_FIELDS + 1],
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch {
            ends: [0; MAX_FIELDS + 1],
        }
    }
}

/// More fields than any format has: the splitter stops counting here.
const MAX_FIELDS: usize = 128;

/// Writes the offsets of the spaces in `line` into `out` (at most
/// `MAX_FIELDS`) and returns how many there are (capped at `MAX_FIELDS`).
/// Works on eight bytes at a time with exact zero-byte detection (no false
/// positives), which is several times faster than a byte loop or a memchr call
/// per field on lines of short fields.
fn space_positions(line: &[u8], out: &mut [u32; MAX_FIELDS + 1]) -> usize {
    const LO7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const SPACES: u64 = 0x2020_2020_2020_2020;
    let mut count = 0usize;
    let mut chunks = line.chunks_exact(8);
    let mut base = 0u32;
    for chunk in &mut chunks {
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])) ^ SPACES;
        // High bit of each byte set exactly where the byte of x is zero.
        let mut m = !(((x & LO7) + LO7) | x | LO7);
        while m != 0 {
            if count == MAX_FIELDS {
                return count;
            }
            out[count] = base + (m.trailing_zeros() / 8);
            count += 1;
            m &= m - 1;
        }
        base += 8;
    }
    for (i, &c) in chunks.remainder().iter().enumerate() {
        if c == b' ' {
            if count == MAX_FIELDS {
                return count;
            }
            out[count] = base + i as u32;
            count += 1;
        }
    }
    count
}

fn count_tokens(line: &[u8]) -> usize {
    memchr::memchr_iter(b' ', line).count() + 1
}

/// Why a record line was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("expected {expected} space-separated fields, found {found}")]
    FieldCount { expected: usize, found: usize },
    #[error("field '{field}' has an invalid value '{value}'")]
    InvalidValue { field: Field, value: String },
    #[error("the line is not text (invalid UTF-8)")]
    NotText,
    #[error("field '{field}' has an impossible value '{value}': {reason}")]
    Implausible {
        field: Field,
        value: String,
        reason: &'static str,
    },
}

/// `ACCEPT` or `REJECT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Accept,
    Reject,
}

/// `OK`, `NODATA` or `SKIPDATA`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogStatus {
    Ok,
    NoData,
    SkipData,
}

/// `ingress` or `egress`, relative to the capturing interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Ingress,
    Egress,
}

/// One flow-log record. Text fields borrow from the line; `None` means the
/// value was `-` or the field is not in the format.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowRecord<'a> {
    pub version: Option<u8>,
    pub account_id: Option<&'a str>,
    pub interface_id: Option<&'a str>,
    pub srcaddr: Option<IpAddr>,
    pub dstaddr: Option<IpAddr>,
    pub srcport: Option<u16>,
    pub dstport: Option<u16>,
    pub protocol: Option<u8>,
    pub packets: Option<u64>,
    pub bytes: Option<u64>,
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub action: Option<Action>,
    pub log_status: Option<LogStatus>,
    pub vpc_id: Option<&'a str>,
    pub subnet_id: Option<&'a str>,
    pub instance_id: Option<&'a str>,
    pub region: Option<&'a str>,
    pub az_id: Option<&'a str>,
    pub pkt_srcaddr: Option<IpAddr>,
    pub pkt_dstaddr: Option<IpAddr>,
    pub pkt_src_aws_service: Option<&'a str>,
    pub pkt_dst_aws_service: Option<&'a str>,
    pub flow_direction: Option<Direction>,
    pub traffic_path: Option<u8>,
    pub interface_type: Option<&'a str>,
    pub resource_id: Option<&'a str>,
}

fn invalid(field: Field, value: &[u8]) -> RecordError {
    let mut v = String::from_utf8_lossy(value).into_owned();
    if v.len() > 64 {
        let mut cut = 64;
        while !v.is_char_boundary(cut) {
            cut -= 1;
        }
        v.truncate(cut);
        v.push('…');
    }
    RecordError::InvalidValue { field, value: v }
}

/// Parses an unsigned decimal without allocation.
#[inline(always)]
pub fn parse_u64(b: &[u8]) -> Option<u64> {
    // Up to 19 digits cannot overflow a u64, so the loop needs no overflow
    // checks; 20 digits take the checked path.
    if b.is_empty() || b.len() > 20 {
        return None;
    }
    if b.len() == 20 {
        return std::str::from_utf8(b).ok()?.parse().ok();
    }
    let mut v: u64 = 0;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + d as u64;
    }
    Some(v)
}

/// Parses a dotted-quad IPv4 address, or falls back to the standard parser
/// for IPv6.
#[inline]
pub fn parse_ip(b: &[u8]) -> Option<IpAddr> {
    if let Some(v4) = parse_ipv4(b) {
        return Some(IpAddr::V4(v4));
    }
    if b.contains(&b':') {
        return std::str::from_utf8(b).ok()?.parse().ok();
    }
    None
}

#[inline]
fn parse_ipv4(b: &[u8]) -> Option<Ipv4Addr> {
    if b.len() < 7 || b.len() > 15 {
        return None;
    }
    let mut octets = [0u8; 4];
    let mut pos = 0usize;
    for (k, octet) in octets.iter_mut().enumerate() {
        // One to three digits, then a dot (except after the last octet).
        let d0 = b.get(pos)?.wrapping_sub(b'0');
        if d0 > 9 {
            return None;
        }
        let mut v = d0 as u32;
        pos += 1;
        for _ in 0..2 {
            match b.get(pos) {
                Some(&c) if c.is_ascii_digit() => {
                    v = v * 10 + (c - b'0') as u32;
                    pos += 1;
                }
                _ => break,
            }
        }
        if v > 255 {
            return None;
        }
        *octet = v as u8;
        if k < 3 {
            if b.get(pos) != Some(&b'.') {
                return None;
            }
            pos += 1;
        }
    }
    (pos == b.len()).then(|| Ipv4Addr::from(octets))
}

impl<'a> FlowRecord<'a> {
    /// The packet-level source: `pkt-srcaddr` when present, else `srcaddr`.
    pub fn true_src(&self) -> Option<IpAddr> {
        self.pkt_srcaddr.or(self.srcaddr)
    }

    /// The packet-level destination: `pkt-dstaddr` when present, else `dstaddr`.
    pub fn true_dst(&self) -> Option<IpAddr> {
        self.pkt_dstaddr.or(self.dstaddr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn there_are_54_fields_through_version_11() {
        assert_eq!(Field::ALL.len(), 54);
        assert_eq!(Field::ALL.iter().filter(|f| f.version() <= 2).count(), 14);
        assert_eq!(Field::ALL.iter().filter(|f| f.version() <= 5).count(), 29);
        assert_eq!(Field::ALL.iter().filter(|f| f.version() <= 10).count(), 42);
    }

    #[test]
    fn field_lists_are_rendered_from_the_table() {
        let with = |uses: &[FieldUse]| -> Vec<Field> {
            Field::ALL
                .iter()
                .copied()
                .filter(|f| uses.contains(&f.usage()))
                .collect()
        };
        use FieldUse::*;
        assert_eq!(ANALYSIS_FIELDS, with(&[Required, Time, Read]));
        assert_eq!(SETUP_FIELDS, with(&[Required, Time, Read, Logged]));
        assert_eq!(REQUIRED_FIELDS, [Field::Srcaddr, Field::Dstaddr, Field::Bytes]);
        assert_eq!(TIME_FIELDS, [Field::Start, Field::End]);
        // setup turns on every field the analysis reads, and its format reads back.
        let setup = FlowFormat::parse(&setup_format(), false).unwrap();
        assert_eq!(setup.fields(), SETUP_FIELDS);
        assert!(ANALYSIS_FIELDS.iter().all(|&f| setup.has(f)));
        assert!(setup.has(Field::InterfaceType));
        // Logged fields are the standard ones of a connection, never version 11's.
        assert!(with(&[Logged]).iter().all(|f| f.version() <= 3));
    }

    #[test]
    fn field_names_in_every_spelling() {
        assert_eq!(Field::from_name("pkt-dst-aws-service"), Some(Field::PktDstAwsService));
        assert_eq!(
            Field::from_name("${pkt-dst-aws-service}"),
            Some(Field::PktDstAwsService)
        );
        assert_eq!(Field::from_name("pkt_dst_aws_service"), Some(Field::PktDstAwsService));
        assert_eq!(Field::from_name("bogus"), None);
    }

    // The default-format examples from the AWS documentation (log-formats.md §2.6).
    #[test]
    fn aws_default_format_examples() {
        let f = FlowFormat::default();
        let r = f
            .parse_record(b"2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK")
            .unwrap();
        assert_eq!(r.version, Some(2));
        assert_eq!(r.account_id, Some("123456789010"));
        assert_eq!(r.interface_id, Some("eni-1235b8ca123456789"));
        assert_eq!(r.srcaddr, ip("172.31.16.139"));
        assert_eq!(r.dstaddr, ip("172.31.16.21"));
        assert_eq!((r.srcport, r.dstport, r.protocol), (Some(20641), Some(22), Some(6)));
        assert_eq!((r.packets, r.bytes), (Some(20), Some(4249)));
        assert_eq!((r.start, r.end), (Some(1418530010), Some(1418530070)));
        assert_eq!(r.action, Some(Action::Accept));
        assert_eq!(r.log_status, Some(LogStatus::Ok));

        let r = f
            .parse_record(b"2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK")
            .unwrap();
        assert_eq!(r.action, Some(Action::Reject));

        let r = f
            .parse_record(b"2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA")
            .unwrap();
        assert_eq!(r.log_status, Some(LogStatus::NoData));
        assert_eq!((r.srcaddr, r.bytes, r.action), (None, None, None));

        let r = f
            .parse_record(b"2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA")
            .unwrap();
        assert_eq!(r.log_status, Some(LogStatus::SkipData));

        let r = f
            .parse_record(b"2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK")
            .unwrap();
        assert_eq!(r.srcaddr, ip("2001:db8:1234:a100:8d6e:3477:df66:f105"));
        assert_eq!(r.bytes, Some(8855));
    }

    #[test]
    fn aws_custom_v3_example() {
        let f = FlowFormat::parse("version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status", false).unwrap();
        let r = f
            .parse_record(b"3 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-01234567890123456 eni-1235b8ca123456789 123456789010 IPv4 52.213.180.42 10.0.0.62 43416 5001 52.213.180.42 10.0.0.62 6 568 8 1566848875 1566848933 ACCEPT 2 OK")
            .unwrap();
        assert_eq!(r.vpc_id, Some("vpc-abcdefab012345678"));
        assert_eq!(r.subnet_id, Some("subnet-aaaaaaaa012345678"));
        assert_eq!(r.instance_id, Some("i-01234567890123456"));
        assert_eq!(r.pkt_srcaddr, ip("52.213.180.42"));
        assert_eq!((r.bytes, r.packets), (Some(568), Some(8)));
    }

    #[test]
    fn aws_custom_v5_examples() {
        let f = FlowFormat::parse("version srcaddr dstaddr srcport dstport protocol start end type packets bytes account-id vpc-id subnet-id instance-id interface-id region az-id sublocation-type sublocation-id action tcp-flags pkt-srcaddr pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service traffic-path flow-direction log-status", false).unwrap();
        let r = f
            .parse_record(b"5 52.95.128.179 10.0.0.71 80 34210 6 1616729292 1616729349 IPv4 14 15044 123456789012 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 ap-southeast-2 apse2-az3 - - ACCEPT 19 52.95.128.179 10.0.0.71 S3 - - ingress OK")
            .unwrap();
        assert_eq!(r.pkt_src_aws_service, Some("S3"));
        assert_eq!(r.flow_direction, Some(Direction::Ingress));
        assert_eq!(r.traffic_path, None);
        assert_eq!(r.region, Some("ap-southeast-2"));
        assert_eq!(r.az_id, Some("apse2-az3"));
        let r = f
            .parse_record(b"5 10.0.0.71 52.95.128.179 34210 80 6 1616729292 1616729349 IPv4 7 471 123456789012 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 ap-southeast-2 apse2-az3 - - ACCEPT 3 10.0.0.71 52.95.128.179 - S3 8 egress OK")
            .unwrap();
        assert_eq!(r.pkt_dst_aws_service, Some("S3"));
        assert_eq!(r.traffic_path, Some(8));
        assert_eq!(r.flow_direction, Some(Direction::Egress));
    }

    #[test]
    fn aws_nat_gateway_legs_example() {
        let f = FlowFormat::parse(
            "instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr",
            false,
        )
        .unwrap();
        let r = f
            .parse_record(b"- eni-1235b8ca123456789 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5")
            .unwrap();
        assert_eq!(r.instance_id, None);
        assert_eq!(r.dstaddr, ip("10.0.0.220"));
        assert_eq!(r.true_dst(), ip("203.0.113.5"));
    }

    #[test]
    fn all_fields_format_parses_and_reads_a_record() {
        let spec: String = Field::ALL.iter().map(|f| format!("${{{}}} ", f.name())).collect();
        let f = FlowFormat::parse(&spec, false).unwrap();
        assert_eq!(f.len(), 54);
        assert_eq!(FlowFormat::parse(&f.to_spec(), false).unwrap(), f);
        let mut values = vec!["-"; 54];
        values[0] = "11";
        values[3] = "10.0.0.1";
        values[9] = "1500";
        values[48] = "nat_gateway";
        let line = values.join(" ");
        let r = f.parse_record(line.as_bytes()).unwrap();
        assert_eq!(r.version, Some(11));
        assert_eq!(r.bytes, Some(1500));
        assert_eq!(r.interface_type, Some("nat_gateway"));
    }

    #[test]
    fn unknown_fields_are_named_with_the_known_list() {
        let err = FlowFormat::parse("version srcaddr frobnicate", false).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("'frobnicate'"), "{msg}");
        assert!(msg.contains("pkt-dst-aws-service"), "{msg}");
        assert!(msg.contains("next-hop-interface-type"), "{msg}");
        let f = FlowFormat::parse("version srcaddr frobnicate bytes", true).unwrap();
        assert_eq!(f.ignored(), &["frobnicate".to_string()]);
        let r = f.parse_record(b"5 10.0.0.1 whatever 42").unwrap();
        assert_eq!(r.bytes, Some(42));
        assert_eq!(
            FlowFormat::parse("srcaddr srcaddr", false),
            Err(FormatError::Duplicate(Field::Srcaddr))
        );
    }

    #[test]
    fn header_detection() {
        assert!(FlowFormat::looks_like_header(
            b"version account-id interface-id srcaddr"
        ));
        assert!(FlowFormat::looks_like_header(b"instance-id interface-id srcaddr"));
        assert!(FlowFormat::looks_like_header(b"versoin account-id interface-id"));
        assert!(!FlowFormat::looks_like_header(
            b"2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA"
        ));
        assert!(!FlowFormat::looks_like_header(
            b"- eni-1235b8ca123456789 10.0.1.5 10.0.0.220"
        ));
        assert!(!FlowFormat::looks_like_header(b"eni-1 srcaddr"));
        assert!(!FlowFormat::looks_like_header(b""));
    }

    #[test]
    fn bad_records_are_errors_not_panics() {
        let f = FlowFormat::default();
        assert!(matches!(
            f.parse_record(b"2 1 eni-1"),
            Err(RecordError::FieldCount { expected: 14, found: 3 })
        ));
        assert!(matches!(
            f.parse_record(b"2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK extra"),
            Err(RecordError::FieldCount {
                expected: 14,
                found: 15
            })
        ));
        let e = f
            .parse_record(b"2 123456789010 eni-1 10.0.0.256 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK")
            .unwrap_err();
        assert_eq!(e.to_string(), "field 'srcaddr' has an invalid value '10.0.0.256'");
        assert!(f
            .parse_record(b"2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 99999 6 1 1 1 2 ACCEPT OK")
            .is_err());
        assert!(f
            .parse_record(b"2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 MAYBE OK")
            .is_err());
        assert!(f.parse_record(b"").is_err());
    }

    #[test]
    fn space_positions_are_exact() {
        let mut out = [0u32; MAX_FIELDS + 1];
        for line in [
            &b""[..],
            b" ",
            b"a b",
            b"!!!! !!!!! !",
            b"        ",
            b"\x00 \x01\x21 \xff\xfe \x20",
        ] {
            let want: Vec<u32> = line
                .iter()
                .enumerate()
                .filter(|(_, c)| **c == b' ')
                .map(|(i, _)| i as u32)
                .collect();
            let n = space_positions(line, &mut out);
            assert_eq!(&out[..n], &want[..], "{line:?}");
        }
        let many = vec![b' '; 200];
        assert_eq!(space_positions(&many, &mut out), MAX_FIELDS);
    }

    #[test]
    fn ipv4_parser_matches_std() {
        for s in ["0.0.0.0", "255.255.255.255", "10.0.0.1", "1.2.3.4"] {
            assert_eq!(parse_ip(s.as_bytes()), s.parse().ok());
        }
        for s in [
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "1..2.3",
            "01234.1.1.1",
            "a.b.c.d",
            "1.2.3.4 ",
        ] {
            assert_eq!(parse_ip(s.as_bytes()), None, "{s}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_arbitrary_lines(line in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = FlowFormat::default().parse_record(&line);
            let _ = FlowFormat::looks_like_header(&line);
        }

        #[test]
        fn space_positions_match_a_byte_loop(line in proptest::collection::vec(proptest::sample::select(vec![b' ', b'!', b'a', 0u8, 0xff, b'1']), 0..120)) {
            let mut out = [0u32; MAX_FIELDS + 1];
            let want: Vec<u32> = line.iter().enumerate().filter(|(_, c)| **c == b' ').map(|(i, _)| i as u32).take(MAX_FIELDS).collect();
            let n = space_positions(&line, &mut out);
            proptest::prop_assert_eq!(&out[..n], &want[..]);
        }

        #[test]
        fn ipv4_round_trip(a: u8, b: u8, c: u8, d: u8) {
            let s = format!("{a}.{b}.{c}.{d}");
            proptest::prop_assert_eq!(parse_ip(s.as_bytes()), Some(IpAddr::V4(Ipv4Addr::new(a, b, c, d))));
        }
    }
}

/// Receives what [`read_flow_log`] finds.
pub trait FlowSink {
    /// A record and its line.
    fn record(&mut self, r: &FlowRecord<'_>, line: u64);
    /// A line that is not a record, with the reason.
    fn malformed(&mut self, line: u64, reason: String);
    /// The format in force changed (a header line, or the first line).
    fn format(&mut self, _f: &FlowFormat) {}
    /// A line that is neither a record nor a header and is left out on
    /// purpose (a Lambda runtime line in a delivery, a header-like line inside
    /// a log message); `reason` says what it is. Counted, not malformed.
    fn skipped(&mut self, _line: u64, _reason: &str) {}
}

/// What a line is when it is a line the Lambda runtime writes around a
/// function's own output (in Firehose and Lambda deliveries of flow logs).
/// Those start with a capital letter; records almost never do, so the
/// prefixes are compared only then.
fn lambda_runtime_line(line: &[u8]) -> Option<&'static str> {
    if !line.first().is_some_and(u8::is_ascii_uppercase) {
        return None;
    }
    const PREFIXES: &[&[u8]] = &[
        b"START RequestId:",
        b"END RequestId:",
        b"REPORT RequestId:",
        b"INIT_START ",
        b"INIT_REPORT ",
        b"RESTORE_START ",
        b"RESTORE_REPORT ",
        b"EXTENSION\t",
        b"TELEMETRY\t",
        b"XRAY TraceId:",
    ];
    PREFIXES
        .iter()
        .any(|p| line.starts_with(p))
        .then_some("a Lambda runtime line (START/END/REPORT …), not a flow record")
}

/// A better reason for a record with the wrong number of values: an empty
/// value (two spaces in a row) is named by its field.
fn field_count_reason(line: &[u8], format: &FlowFormat, e: &RecordError) -> String {
    let RecordError::FieldCount { .. } = e else {
        return e.to_string();
    };
    // The first empty value after the first one (a leading space is not a value).
    let Some(pos) = line
        .split(|&c| c == b' ')
        .skip(1)
        .position(<[u8]>::is_empty)
        .map(|i| i + 1)
    else {
        return e.to_string();
    };
    let name = match format.ignored().is_empty() {
        true => format
            .fields()
            .get(pos)
            .map_or("a field past the format's end", |f| f.name()),
        false => "a field",
    };
    format!("{e}: value {} ({name}) is empty (two spaces in a row)", pos + 1)
}

/// How to read a flow-log stream.
#[derive(Clone, Debug, Default)]
pub struct FlowReadOptions {
    /// The format for input without a header (CloudWatch Logs delivery).
    /// A header line in the input takes precedence.
    pub format: Option<FlowFormat>,
    /// Skip the values of header fields this version does not know, instead of
    /// stopping with an error.
    pub allow_unknown_fields: bool,
    /// Parse only these fields (see [`FlowFormat::only`]); `None` parses all.
    pub wanted: Option<Vec<Field>>,
}

/// Why a flow-log stream could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum FlowReadError {
    #[error("line {line}: {error}")]
    Format { line: u64, error: FormatError },
    #[error(transparent)]
    Read(#[from] LineError),
}

/// Reads flow-log text: an optional header line, then records; or CloudWatch
/// Logs envelopes / `filter-log-events` output whose messages are records.
///
/// # Errors
/// A header with unknown fields (unless allowed) stops the stream; so does a
/// read error. Records before either were delivered.
pub fn read_flow_log<R: Read>(r: R, opts: &FlowReadOptions, sink: &mut dyn FlowSink) -> Result<u64, FlowReadError> {
    let mut stream = Stream::new(opts);
    let mut fatal: Option<FlowReadError> = None;
    let mut json_mode: Option<JsonFramer> = None;
    // Problems with the JSON framing, and with values that are not envelopes:
    // reported at the end, in line order.
    let mut json_errors: Vec<(u64, String)> = Vec::new();
    let mut value_errors: Vec<(u64, String)> = Vec::new();
    let mut first = true;
    // CloudWatch Logs export-task files put each event's time before it.
    let mut timestamped = false;
    let res = crate::lines::for_each_line(r, |line, n| {
        if first && !line.iter().all(u8::is_ascii_whitespace) {
            first = false;
            timestamped = crate::lines::strip_export_timestamp(line).is_some();
            if line.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'{') {
                json_mode = Some(JsonFramer::default());
            }
        }
        let line = match timestamped {
            true => crate::lines::strip_export_timestamp(line).unwrap_or(line),
            false => line,
        };
        if let Some(framer) = json_mode.as_mut() {
            let mut on_value = |v: &[u8], l: u64| {
                for m in envelope_messages(v, l, &mut value_errors) {
                    if let Err(e) = stream.line(m.as_bytes(), l, sink, true) {
                        fatal.get_or_insert(e);
                    }
                }
            };
            let mut on_error = |l: u64, e: String| json_errors.push((l, e));
            framer.push_line(line, n, &mut on_value, &mut on_error);
        } else if let Err(e) = stream.line(line, n, sink, false) {
            fatal = Some(e);
        }
        fatal.is_none()
    });
    json_errors.extend(value_errors);
    json_errors.sort_by_key(|e| e.0);
    for (l, e) in json_errors {
        sink.malformed(l, e);
    }
    if let Some(e) = fatal {
        return Err(e);
    }
    Ok(res?)
}

/// The state of one flow-log stream: the format in force and whether the
/// sink has been told it.
struct Stream<'o> {
    opts: &'o FlowReadOptions,
    format: FlowFormat,
    announced: bool,
    scratch: Scratch,
}

impl<'o> Stream<'o> {
    fn new(opts: &'o FlowReadOptions) -> Self {
        let mut s = Stream {
            opts,
            format: FlowFormat::default(),
            announced: false,
            scratch: Scratch::default(),
        };
        s.format = s.project(opts.format.clone().unwrap_or_default());
        s
    }

    /// `f` reduced to the fields the caller wants.
    fn project(&self, f: FlowFormat) -> FlowFormat {
        match &self.opts.wanted {
            Some(w) => f.only(w),
            None => f,
        }
    }

    /// One line of flow-log text (`in_message`: a log message of an
    /// envelope): blank, a Lambda runtime line, a header (the new format), a
    /// record or a malformed line.
    ///
    /// # Errors
    /// A header with unknown fields, unless allowed.
    fn line(&mut self, line: &[u8], n: u64, sink: &mut dyn FlowSink, in_message: bool) -> Result<(), FlowReadError> {
        if line.is_empty() {
            return Ok(());
        }
        if let Some(what) = lambda_runtime_line(line) {
            sink.skipped(n, what);
            return Ok(());
        }
        if FlowFormat::looks_like_header(line) {
            if in_message {
                // Log messages carry records only: a header-like message
                // (some other program's output) never changes the format.
                sink.skipped(n, "a log message that is not a flow record");
                return Ok(());
            }
            let text = String::from_utf8_lossy(line);
            self.format = self.project(
                FlowFormat::parse(&text, self.opts.allow_unknown_fields)
                    .map_err(|error| FlowReadError::Format { line: n, error })?,
            );
            sink.format(&self.format);
            self.announced = true;
            return Ok(());
        }
        if !self.announced {
            sink.format(&self.format);
            self.announced = true;
        }
        match self.format.parse_record_with(line, &mut self.scratch) {
            Ok(rec) => sink.record(&rec, n),
            Err(e) => sink.malformed(n, field_count_reason(line, &self.format, &e)),
        }
        Ok(())
    }
}

/// The messages of one JSON value: a CloudWatch Logs envelope, or the
/// envelopes inside a Lambda payload, each message a record line. A value
/// that is neither is noted in `errors` (at line `l`).
fn envelope_messages(v: &[u8], l: u64, errors: &mut Vec<(u64, String)>) -> Vec<String> {
    use crate::json::{Envelope, Event, Unwrapped};
    let mut messages: Vec<String> = Vec::new();
    let take = |events: &[Event<'_>], out: &mut Vec<String>| {
        out.extend(events.iter().map(|e| e.message.trim_end().to_string()));
    };
    match Envelope::unwrap_bytes(v) {
        Ok(Some(Unwrapped::Events(events))) => take(&events, &mut messages),
        Ok(Some(Unwrapped::Control)) => {}
        Ok(Some(Unwrapped::Nested(bytes))) => {
            let mut inner = JsonFramer::default();
            let mut inner_values: Vec<Vec<u8>> = Vec::new();
            let mut keep = |v: &[u8], _l: u64| inner_values.push(v.to_vec());
            let mut errs = |_l: u64, e: String| errors.push((l, e));
            for piece in bytes.split(|&b| b == b'\n') {
                inner.push_line(piece, l, &mut keep, &mut errs);
            }
            inner.finish(&mut keep, &mut errs);
            for v in inner_values {
                if let Ok(Some(Unwrapped::Events(events))) = Envelope::unwrap_bytes(&v) {
                    take(&events, &mut messages);
                }
            }
        }
        Ok(None) => errors.push((
            l,
            "JSON object is not a CloudWatch Logs envelope with flow-log messages".into(),
        )),
        Err(e) => errors.push((l, format!("invalid CloudWatch Logs envelope: {e}"))),
    }
    messages
}

#[cfg(test)]
mod reader_tests {
    use super::*;

    #[derive(Default)]
    struct Collect {
        bytes: Vec<(u64, u64)>,
        malformed: Vec<(u64, String)>,
        formats: usize,
        skipped: Vec<(u64, String)>,
    }
    impl FlowSink for Collect {
        fn skipped(&mut self, line: u64, reason: &str) {
            self.skipped.push((line, reason.to_string()));
        }
        fn record(&mut self, r: &FlowRecord<'_>, line: u64) {
            self.bytes.push((line, r.bytes.unwrap_or(0)));
        }
        fn malformed(&mut self, line: u64, reason: String) {
            self.malformed.push((line, reason));
        }
        fn format(&mut self, _f: &FlowFormat) {
            self.formats += 1;
        }
    }

    fn read(text: &str, opts: &FlowReadOptions) -> (Collect, Result<u64, FlowReadError>) {
        let mut c = Collect::default();
        let r = read_flow_log(text.as_bytes(), opts, &mut c);
        (c, r)
    }

    const REC: &str = "2 123456789012 eni-1 10.0.1.5 52.46.141.1 40000 443 6 10 5000 1793491200 1793491260 ACCEPT OK";

    #[test]
    fn lambda_runtime_lines_are_skipped_not_taken_for_a_header() {
        let text = format!(
            "START RequestId: 8f5 Version: $LATEST\n{REC}\nEND RequestId: 8f5\nREPORT RequestId: 8f5\tDuration: 2.3 ms\n"
        );
        let (c, r) = read(&text, &FlowReadOptions::default());
        assert_eq!(r.unwrap(), 4);
        assert_eq!(c.bytes, vec![(2, 5000)]);
        assert!(c.malformed.is_empty(), "{:?}", c.malformed);
        assert_eq!(c.skipped.iter().map(|s| s.0).collect::<Vec<_>>(), vec![1, 3, 4]);
    }

    #[test]
    fn messages_of_an_envelope_never_change_the_format() {
        let env = serde_json::json!({"messageType": "DATA_MESSAGE", "logEvents": [
            {"id": "1", "timestamp": 1, "message": "START RequestId: 8f5 Version: $LATEST"},
            {"id": "2", "timestamp": 1, "message": "version srcaddr dstaddr bytes"},
            {"id": "3", "timestamp": 1, "message": REC},
        ]});
        let (c, r) = read(&format!("{env}\n"), &FlowReadOptions::default());
        r.unwrap();
        assert_eq!(c.bytes, vec![(1, 5000)], "the default format still reads the record");
        assert_eq!(c.skipped.len(), 2);
    }

    #[test]
    fn shipper_message_lines_are_read() {
        let text = format!(
            "{}\n{}\n",
            serde_json::json!({"@timestamp": "2026-11-01T00:00:00Z", "message": REC}),
            serde_json::json!({"message": REC.replace(" 5000 ", " 7 ")})
        );
        let (c, _) = read(&text, &FlowReadOptions::default());
        assert_eq!(c.bytes, vec![(1, 5000), (2, 7)]);
        assert!(c.malformed.is_empty(), "{:?}", c.malformed);
    }

    #[test]
    fn export_task_files_are_read_without_their_times() {
        let text = format!(
            "2026-11-01T00:00:00.000Z version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n2026-11-01T00:00:00.000Z {REC}\n2026-11-01T00:00:01.000Z {REC}\n"
        );
        let (c, _) = read(&text, &FlowReadOptions::default());
        assert_eq!(c.bytes, vec![(2, 5000), (3, 5000)]);
        assert_eq!(c.formats, 1);
    }

    #[test]
    fn an_empty_value_is_named_by_its_field() {
        let (c, _) = read(
            &format!("{}\n", REC.replace(" 443 ", " 443  ")),
            &FlowReadOptions::default(),
        );
        assert_eq!(c.malformed.len(), 1);
        let why = &c.malformed[0].1;
        assert!(
            why.contains("value 8 (protocol) is empty (two spaces in a row)"),
            "{why}"
        );
    }

    #[test]
    fn transit_gateway_flow_logs_are_named_even_when_unknown_fields_are_allowed() {
        let header = "version resource-type account-id tgw-id tgw-attachment-id srcaddr dstaddr srcport dstport protocol packets bytes start end log-status type";
        for allow in [false, true] {
            let opts = FlowReadOptions {
                allow_unknown_fields: allow,
                ..Default::default()
            };
            let (c, r) = read(&format!("{header}\n{REC}\n"), &opts);
            let err = r.unwrap_err().to_string();
            assert!(err.contains("Transit Gateway flow log"), "{err}");
            assert!(c.bytes.is_empty());
        }
    }

    #[test]
    fn impossible_values_are_malformed() {
        let cases = [
            (
                REC.replace(" 5000 ", " 18446744073709551615 "),
                "'bytes' has an impossible value",
            ),
            (
                REC.replace(" 1793491260 ", " 99999999999 "),
                "'end' has an impossible value",
            ),
            (
                REC.replace(" 1793491200 ", " 5000000000 "),
                "'start' has an impossible value",
            ),
            (REC.replace(" 1793491260 ", " 1793491100 "), "before start"),
            (
                REC.replace(" 1793491260 ", " 1793691260 "),
                "more than a day after start",
            ),
        ];
        for (line, want) in cases {
            let (c, _) = read(&format!("{line}\n"), &FlowReadOptions::default());
            assert!(c.bytes.is_empty(), "{line}");
            assert!(c.malformed[0].1.contains(want), "{}", c.malformed[0].1);
        }
        // The edges are still records.
        let max = REC.replace(" 5000 ", &format!(" {MAX_RECORD_BYTES} "));
        assert_eq!(read(&format!("{max}\n"), &FlowReadOptions::default()).0.bytes.len(), 1);
    }

    #[test]
    fn header_sets_the_format() {
        let text = "srcaddr dstaddr bytes\n10.0.0.1 10.0.0.2 100\n10.0.0.1 10.0.0.2 oops\n\n10.0.0.1 10.0.0.2 7\n";
        let (c, r) = read(text, &FlowReadOptions::default());
        assert_eq!(r.unwrap(), 5);
        assert_eq!(c.bytes, vec![(2, 100), (5, 7)]);
        assert_eq!(c.malformed.len(), 1);
        assert_eq!(c.malformed[0].0, 3);
    }

    #[test]
    fn projection_skips_unwanted_fields_but_checks_the_count() {
        let opts = FlowReadOptions {
            wanted: Some(vec![Field::Bytes]),
            ..Default::default()
        };
        let (c, _) = read(
            "srcaddr dstaddr bytes\nnot-an-ip 10.0.0.2 100\n10.0.0.1 10.0.0.2\n",
            &opts,
        );
        assert_eq!(c.bytes, vec![(2, 100)]);
        assert_eq!(c.malformed.len(), 1);
        assert_eq!(c.malformed[0].0, 3);
    }

    #[test]
    fn headerless_uses_given_or_default_format() {
        let line = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n";
        let (c, _) = read(line, &FlowReadOptions::default());
        assert_eq!(c.bytes, vec![(1, 4249)]);
        let opts = FlowReadOptions {
            format: Some(FlowFormat::parse("${bytes} ${srcaddr}", false).unwrap()),
            ..Default::default()
        };
        let (c, _) = read("5 10.0.0.1\n", &opts);
        assert_eq!(c.bytes, vec![(1, 5)]);
    }

    #[test]
    fn unknown_header_field_stops_with_the_known_list() {
        let (_, r) = read(
            "version srcaddr future-field\n2 10.0.0.1 x\n",
            &FlowReadOptions::default(),
        );
        let e = r.unwrap_err().to_string();
        assert!(e.starts_with("line 1: unknown flow-log field 'future-field'"), "{e}");
        let opts = FlowReadOptions {
            allow_unknown_fields: true,
            ..Default::default()
        };
        let (c, r) = read("version srcaddr future-field\n2 10.0.0.1 x\n", &opts);
        assert!(r.is_ok());
        assert_eq!(c.bytes.len(), 1);
    }

    #[test]
    fn cloudwatch_envelope_of_flow_records() {
        let env = serde_json::json!({"messageType":"DATA_MESSAGE","logGroup":"flows","logStream":"eni-1-all","logEvents":[
            {"id":"1","timestamp":1,"message":"2 123456789010 eni-1 10.0.0.1 52.216.1.1 1 443 6 1 999 1 2 ACCEPT OK"},
            {"id":"2","timestamp":1,"message":"2 bad"}]});
        let (c, r) = read(&format!("{env}\n"), &FlowReadOptions::default());
        assert!(r.is_ok());
        assert_eq!(c.bytes, vec![(1, 999)]);
        assert_eq!(c.malformed.len(), 1);
    }
}
