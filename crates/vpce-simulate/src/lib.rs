//! A deterministic, realistic data set for the demo, the tests and the
//! benchmark: one VPC in us-east-1 with two private subnets behind a NAT
//! gateway, a public subnet, and an existing interface endpoint for CloudWatch
//! Logs. Workloads call S3 (rotating addresses), ECR, STS (regional and the
//! legacy global name), SSM, Kinesis, SQS (legacy name), DynamoDB, API Gateway,
//! CloudWatch, and sites outside AWS.
//!
//! Output follows the S3 delivery layout, gzip-compressed, one object per five
//! minutes per log type:
//! `AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/…log.gz` (with the
//! header line) and `AWSLogs/<account>/vpcdnsquerylogs/<vpc>/YYYY/MM/DD/…log.gz`.
//! Flow logs hold every leg: the instance's interface and both legs on the NAT
//! gateway's interface. [`Truth`] says what a correct analysis must find.
//!
//! The generator is pure: files are handed to a callback as (path, bytes).

use std::collections::BTreeMap;
use std::fmt;
use std::fmt::Write as _;
use std::io::Write as _;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};
use vpce_formats::flow::{Field, SETUP_FIELDS};
use vpce_formats::time::{civil_from_days, format_rfc3339};

/// What to generate.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SimConfig {
    pub hours: u32,
    pub instances: u32,
    pub seed: u64,
    /// Unix seconds of the first hour (a whole hour).
    pub start: i64,
    /// gzip level (0-9). AWS writes level 6-like files; benchmarks may go lower.
    pub gzip_level: u32,
    /// The private instances are EKS nodes whose workloads are pods on
    /// secondary addresses of the node's interface (the VPC CNI): a pod's
    /// requests carry its own address, the replies the node's primary
    /// address in dstaddr and the pod's in pkt-dstaddr.
    #[serde(default)]
    pub eks_pods: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            hours: 24,
            instances: 20,
            seed: 42,
            start: 1_793_491_200, // 2026-11-01T00:00:00Z
            gzip_level: 6,
            eks_pods: false,
        }
    }
}

/// Expected bytes and queries for one service.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceTruth {
    pub bytes_via_nat: u64,
    pub bytes_via_endpoint: u64,
    pub bytes_other: u64,
    pub query_count: u64,
    pub endpoint_exists: bool,
}

/// Expected bytes for traffic that is not an AWS service API.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherTruth {
    pub bytes_via_nat: u64,
    pub bytes_other: u64,
}

/// What the data set contains, for checking an analysis against.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truth {
    pub config_seed: u64,
    pub account_id: String,
    pub region: String,
    pub vpc_id: String,
    pub vpc_cidr: String,
    pub nat_private_ip: String,
    pub nat_interface_id: String,
    pub window_start: String,
    pub window_end: String,
    /// Keyed `service@region`.
    pub services: BTreeMap<String, ServiceTruth>,
    /// Keyed by the report's label.
    pub unattributed: BTreeMap<String, OtherTruth>,
    pub hostnames: BTreeMap<String, u64>,
    pub total_bytes_via_nat: u64,
    pub flow_records: u64,
    pub dns_records: u64,
    pub flow_text_bytes: u64,
    pub dns_text_bytes: u64,
    pub files: u64,
}

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";
const VPC: &str = "vpc-0a1b2c3d4e5f60718";
const FLOW_LOG_ID: &str = "fl-0123456789abcdef0";
const NAT_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 220);
const NAT_ENI: &str = "eni-0nat0000000000001";
const PUBLIC_INSTANCE_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 10);
const ENDPOINT_IPS: [Ipv4Addr; 2] = [Ipv4Addr::new(10, 0, 1, 200), Ipv4Addr::new(10, 0, 2, 200)];
const ENDPOINT_ENIS: [&str; 2] = ["eni-0vpce00000000000a", "eni-0vpce00000000000b"];
const AZS: [&str; 2] = ["use1-az1", "use1-az2"];
const SUBNETS: [&str; 2] = ["subnet-0priv00000000000a", "subnet-0priv00000000000b"];
const PUBLIC_SUBNET: &str = "subnet-0pub000000000000a";

/// The fields of the simulated flow log: those `setup` turns on
/// ([`SETUP_FIELDS`]) that version 5 has. `interface-type` (version 11) is
/// left out, so the analysis finds the NAT gateway from its translated legs,
/// as it must for flow logs created without that field.
pub fn flow_fields() -> impl Iterator<Item = Field> {
    SETUP_FIELDS.iter().copied().filter(|f| f.version() <= 5)
}

/// The header line of the simulated flow log (its format).
pub fn flow_header() -> String {
    flow_fields().map(Field::name).collect::<Vec<_>>().join(" ")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Route {
    Nat,
    Endpoint,
}

struct Profile {
    service: &'static str,
    names: &'static [&'static str],
    cname: Option<&'static str>,
    /// First address and size of the pool answers come from.
    pool: (Ipv4Addr, u32),
    rotate: bool,
    code: &'static str,
    route: Route,
    /// Chance in 100 that an instance uses the service in an hour.
    use_pct: u64,
    conns: (u64, u64),
    minutes: (u64, u64),
    out_bytes: (u64, u64),
    in_bytes: (u64, u64),
    /// DNS queries per hour per name for an active instance (1 or 12).
    queries_per_hour: u64,
    label: Option<&'static str>,
}

const PROFILES: &[Profile] = &[
    Profile {
        service: "s3",
        names: &[
            "app-data-0.s3.us-east-1.amazonaws.com",
            "app-data-1.s3.us-east-1.amazonaws.com",
            "prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com",
        ],
        cname: Some("s3-r-w.us-east-1.amazonaws.com"),
        pool: (Ipv4Addr::new(52, 216, 0, 0), 131_072),
        rotate: true,
        code: "S3",
        route: Route::Nat,
        use_pct: 90,
        conns: (2, 5),
        minutes: (1, 6),
        out_bytes: (20_000, 400_000),
        in_bytes: (500_000, 8_000_000),
        queries_per_hour: 1,
        label: None,
    },
    Profile {
        service: "ecr.dkr",
        names: &["123456789012.dkr.ecr.us-east-1.amazonaws.com"],
        cname: None,
        pool: (Ipv4Addr::new(44, 213, 60, 0), 16),
        rotate: false,
        code: "AMAZON",
        route: Route::Nat,
        use_pct: 30,
        conns: (1, 2),
        minutes: (1, 3),
        out_bytes: (5_000, 40_000),
        in_bytes: (20_000, 300_000),
        queries_per_hour: 1,
        label: None,
    },
    Profile {
        service: "ecr.api",
        names: &["api.ecr.us-east-1.amazonaws.com"],
        cname: None,
        pool: (Ipv4Addr::new(44, 213, 61, 0), 8),
        rotate: false,
        code: "AMAZON",
        route: Route::Nat,
        use_pct: 30,
        conns: (1, 1),
        minutes: (1, 1),
        out_bytes: (2_000, 8_000),
        in_bytes: (4_000, 20_000),
        queries_per_hour: 1,
        label: None,
    },
    Profile {
        service: "sts",
        names: &["sts.us-east-1.amazonaws.com", "sts.amazonaws.com"],
        cname: None,
        pool: (Ipv4Addr::new(209, 54, 177, 0), 32),
        rotate: false,
        code: "AMAZON",
        route: Route::Nat,
        use_pct: 80,
        conns: (1, 2),
        minutes: (1, 1),
        out_bytes: (1_500, 4_000),
        in_bytes: (3_000, 9_000),
        queries_per_hour: 1,
        label: None,
    },
    Profile {
        service: "ssm",
        names: &["ssm.us-east-1.amazonaws.com"],
        cname: None,
        pool: (Ipv4Addr::new(52, 46, 141, 0), 16),
        rotate: false,
        code: "AMAZON",
        route: Route::Nat,
        use_pct: 100,
        conns: (1, 1),
        minutes: (2, 4),
        out_bytes: (1_000, 3_000),
        in_bytes: (1_000, 4_000),
        queries_per_hour: 12,
        label: None,
    },
    Profile {
        service: "ssmmessages",
        names: &["ssmmessages.us-east-1.amazonaws.com"],
        cname: None,
        pool: (Ipv4Addr::new(52, 46, 142, 0), 16),
        rotate: false,
        code: "AMAZON",
        route: Route::Nat,
        use_pct: 100,
        conns: (1, 1),
        minutes: (3, 8),
        out_bytes: (500, 2_000),
        in_bytes: (500, 2_000),
        queries_per_hour: 12,
        label: None,
    },
    Profile {
        service: "ec2messages",
        names: &["ec2messages.us-east-1.amazonaws.com"],
        cname: None,
        pool: (Ipv4Addr::new(52, 46, 143, 0), 16),
        rotate: false,
        code: "AMAZON",
        route: Route::Nat,
        use_pct: 100,
        conns: (1, 1),
        minutes: (3, 8),
        out_bytes: (500, 2_000),
        in_bytes: (500, 2_000),
        queries_per_hour: 12,
        label: None,
    },
    Profile {
        service: "kinesis-streams",
        names: &["kinesis.us-east-1.amazonaws.com"],
        cname: None,
        pool: (Ipv4Addr::new(52, 46, 144, 0), 32),
        rotate: false,
        code: "AMAZON",
        route: Route::Nat,
        use_pct: 40,
        conns: (1, 3),
        minutes: (2, 8),
        out_bytes: (5_000_000, 50_000_000),
        in_bytes: (5_000, 30_000),
        queries_per_hour: 1,
        label: None,
    },
    Profile {
        service: "sqs",
        names: &["queue.amazonaws.com", "sqs.us-east-1.amazonaws.com"],
        cname: None,
        pool: (Ipv4Addr::new(52, 46, 145, 0), 32),
        rotate: false,
        code: "AMAZON",
        route: Route::Nat,
        use_pct: 50,
        conns: (1, 2),
        minutes: (1, 4),
        out_bytes: (5_000, 60_000),
        in_bytes: (5_000, 80_000),
        queries_per_hour: 1,
        label: None,
    },
    Profile {
        service: "dynamodb",
        names: &["dynamodb.us-east-1.amazonaws.com"],
        cname: None,
        pool: (Ipv4Addr::new(3, 218, 180, 0), 1024),
        rotate: true,
        code: "DYNAMODB",
        route: Route::Nat,
        use_pct: 50,
        conns: (1, 3),
        minutes: (1, 5),
        out_bytes: (20_000, 200_000),
        in_bytes: (50_000, 900_000),
        queries_per_hour: 1,
        label: None,
    },
    Profile {
        service: "monitoring",
        names: &["monitoring.us-east-1.amazonaws.com"],
        cname: None,
        pool: (Ipv4Addr::new(52, 46, 146, 0), 16),
        rotate: false,
        code: "AMAZON",
        route: Route::Nat,
        use_pct: 100,
        conns: (1, 1),
        minutes: (1, 2),
        out_bytes: (3_000, 15_000),
        in_bytes: (500, 2_000),
        queries_per_hour: 1,
        label: None,
    },
    Profile {
        service: "execute-api",
        names: &["a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"],
        cname: None,
        pool: (Ipv4Addr::new(52, 46, 147, 0), 16),
        rotate: false,
        code: "AMAZON",
        route: Route::Nat,
        use_pct: 30,
        conns: (1, 2),
        minutes: (1, 3),
        out_bytes: (2_000, 20_000),
        in_bytes: (5_000, 50_000),
        queries_per_hour: 1,
        label: None,
    },
    Profile {
        service: "logs",
        names: &["logs.us-east-1.amazonaws.com"],
        cname: None,
        pool: (Ipv4Addr::new(10, 0, 1, 200), 1),
        rotate: false,
        code: "-",
        route: Route::Endpoint,
        use_pct: 100,
        conns: (1, 2),
        minutes: (2, 6),
        out_bytes: (10_000, 120_000),
        in_bytes: (1_000, 4_000),
        queries_per_hour: 1,
        label: None,
    },
    Profile {
        service: "",
        names: &["github.com", "pypi.org"],
        cname: None,
        pool: (Ipv4Addr::new(140, 82, 112, 0), 64),
        rotate: false,
        code: "-",
        route: Route::Nat,
        use_pct: 60,
        conns: (1, 2),
        minutes: (1, 3),
        out_bytes: (2_000, 20_000),
        in_bytes: (50_000, 1_500_000),
        queries_per_hour: 1,
        label: Some("not AWS"),
    },
    Profile {
        service: "",
        names: &[],
        cname: None,
        pool: (Ipv4Addr::new(100, 24, 5, 5), 1),
        rotate: false,
        code: "EC2",
        route: Route::Nat,
        use_pct: 25,
        conns: (1, 1),
        minutes: (1, 2),
        out_bytes: (1_000, 5_000),
        in_bytes: (1_000, 5_000),
        queries_per_hour: 0,
        label: Some("AWS, unattributed (EC2 range)"),
    },
];

/// SplitMix64: small, fast, and the same output on every platform and version.
struct Rng(u64);

impl Rng {
    fn new(parts: &[u64]) -> Rng {
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        for p in parts {
            s = (s ^ p).wrapping_mul(0xBF58_476D_1CE4_E5B9).rotate_left(31);
        }
        Rng(s)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn range(&mut self, (lo, hi): (u64, u64)) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

struct Instance {
    ip: Ipv4Addr,
    /// The pod's secondary address its workload uses (EKS), else `ip`.
    workload_ip: Ipv4Addr,
    eni: String,
    id: String,
    subnet: &'static str,
    az: &'static str,
    public: bool,
}

fn instances(n: u32, eks_pods: bool) -> Vec<Instance> {
    let mut v: Vec<Instance> = (0..n)
        .map(|i| {
            let z = (i % 2) as usize;
            let ip = Ipv4Addr::new(10, 0, 1 + z as u8, 10 + (i / 2) as u8 % 180);
            Instance {
                ip,
                workload_ip: if eks_pods {
                    Ipv4Addr::new(10, 0, 11 + z as u8, 10 + (i / 2) as u8 % 180)
                } else {
                    ip
                },
                eni: format!("eni-0{:016x}", 0x1000 + i as u64),
                id: format!("i-0{:016x}", 0xa000 + i as u64),
                subnet: SUBNETS[z],
                az: AZS[z],
                public: false,
            }
        })
        .collect();
    v.push(Instance {
        ip: PUBLIC_INSTANCE_IP,
        workload_ip: PUBLIC_INSTANCE_IP,
        eni: "eni-0pub0000000000001".into(),
        id: "i-0pub0000000000001".into(),
        subnet: PUBLIC_SUBNET,
        az: AZS[0],
        public: true,
    });
    v
}

/// Addresses a name answers with in an hour.
fn answers(p: &Profile, name_idx: usize, hour: i64, seed: u64) -> Vec<Ipv4Addr> {
    if p.route == Route::Endpoint {
        return ENDPOINT_IPS.to_vec();
    }
    let base = u32::from(p.pool.0);
    let mut r = Rng::new(&[
        seed,
        name_idx as u64,
        if p.rotate { hour as u64 } else { 0 },
        p.pool.1 as u64,
        base as u64,
    ]);
    let k = if p.pool.1 >= 4 { 2 } else { 1 };
    (0..k)
        .map(|_| Ipv4Addr::from(base + (r.next() % p.pool.1 as u64) as u32))
        .collect()
}

struct Conn {
    inst: usize,
    profile: usize,
    remote: Ipv4Addr,
    sport: u16,
    first_minute: i64,
    minutes: u64,
    seed: u64,
}

/// A name an active instance queries during an hour.
struct ActiveName {
    inst: usize,
    profile: usize,
    name: usize,
    queries_per_hour: u64,
}

/// What happens in one hour: the connections, and the names asked for.
struct HourPlan {
    conns: Vec<Conn>,
    active: Vec<ActiveName>,
}

/// The connections of one hour, deterministic from the seed.
fn hour_plan(cfg: &SimConfig, insts: &[Instance], hour: i64) -> HourPlan {
    let mut plan = HourPlan {
        conns: Vec::new(),
        active: Vec::new(),
    };
    let hour_start = hour * 3600;
    for (ii, inst) in insts.iter().enumerate() {
        for (pi, p) in PROFILES.iter().enumerate() {
            if inst.public && !(p.service == "s3" || p.label == Some("not AWS")) {
                continue;
            }
            let mut r = Rng::new(&[cfg.seed, hour as u64, ii as u64, pi as u64]);
            if r.next() % 100 >= p.use_pct {
                continue;
            }
            let n_names = p.names.len().max(1);
            for ni in 0..p.names.len() {
                plan.active.push(ActiveName {
                    inst: ii,
                    profile: pi,
                    name: ni,
                    queries_per_hour: p.queries_per_hour,
                });
            }
            for c in 0..r.range(p.conns) {
                let name_idx = (r.next() % n_names as u64) as usize;
                let remote = if p.route == Route::Endpoint {
                    ENDPOINT_IPS[(ii % 2) ^ (c as usize % 2)]
                } else {
                    let a = answers(p, name_idx, hour, cfg.seed);
                    a[(r.next() % a.len() as u64) as usize]
                };
                let minutes = r.range(p.minutes);
                let first_minute = hour_start / 60 + 5 + (r.next() % (55 - minutes.min(54))) as i64;
                plan.conns.push(Conn {
                    inst: ii,
                    profile: pi,
                    remote,
                    sport: 32768 + (r.next() % 28000) as u16,
                    first_minute,
                    minutes,
                    seed: r.next(),
                });
            }
        }
    }
    plan
}

fn ymd_path(ts: i64) -> (String, String) {
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    let rem = ts.rem_euclid(86_400);
    (
        format!("{y:04}/{m:02}/{d:02}"),
        format!("{y:04}{m:02}{d:02}T{:02}{:02}Z", rem / 3600, (rem % 3600) / 60),
    )
}

fn gzip(data: &[u8], level: u32) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::with_capacity(data.len() / 4), flate2::Compression::new(level));
    e.write_all(data).expect("writing to memory");
    e.finish().expect("writing to memory")
}

#[derive(Clone, Copy)]
struct FlowLine<'a> {
    eni: &'a str,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    sport: u16,
    dport: u16,
    packets: u64,
    bytes: u64,
    start: i64,
    subnet: &'a str,
    instance: &'a str,
    az: &'a str,
    pkt_src: Ipv4Addr,
    pkt_dst: Ipv4Addr,
    src_svc: &'a str,
    dst_svc: &'a str,
    egress: bool,
    path: &'a str,
    action: &'a str,
}

impl<'a> FlowLine<'a> {
    /// The line's value of field `f`.
    fn value(&self, f: Field) -> Val<'a> {
        match f {
            Field::InterfaceId => Val::Text(self.eni),
            Field::Srcaddr => Val::Addr(self.src),
            Field::Dstaddr => Val::Addr(self.dst),
            Field::Srcport => Val::Count(self.sport.into()),
            Field::Dstport => Val::Count(self.dport.into()),
            Field::Protocol => Val::Count(6),
            Field::Packets => Val::Count(self.packets),
            Field::Bytes => Val::Count(self.bytes),
            Field::Start => Val::Time(self.start),
            Field::End => Val::Time(self.start + 58),
            Field::Action => Val::Text(self.action),
            Field::LogStatus => Val::Text("OK"),
            Field::SubnetId => Val::Text(self.subnet),
            Field::InstanceId => Val::Text(self.instance),
            Field::AzId => Val::Text(self.az),
            Field::PktSrcaddr => Val::Addr(self.pkt_src),
            Field::PktDstaddr => Val::Addr(self.pkt_dst),
            Field::PktSrcAwsService => Val::Text(self.src_svc),
            Field::PktDstAwsService => Val::Text(self.dst_svc),
            Field::FlowDirection => Val::Text(if self.egress { "egress" } else { "ingress" }),
            Field::TrafficPath => Val::Text(self.path),
            _ => shared(f),
        }
    }
}

/// One value of a simulated flow record.
#[derive(Clone, Copy)]
enum Val<'a> {
    Text(&'a str),
    Addr(Ipv4Addr),
    Count(u64),
    Time(i64),
    /// `-`.
    Missing,
}

impl fmt::Display for Val<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::Text(t) => f.write_str(t),
            Val::Addr(a) => a.fmt(f),
            Val::Count(n) => n.fmt(f),
            Val::Time(t) => t.fmt(f),
            Val::Missing => f.write_str("-"),
        }
    }
}

/// The values every simulated record shares: version, account, VPC, Region.
fn shared(f: Field) -> Val<'static> {
    match f {
        Field::Version => Val::Count(5),
        Field::AccountId => Val::Text(ACCOUNT),
        Field::VpcId => Val::Text(VPC),
        Field::Region => Val::Text(REGION),
        _ => Val::Missing,
    }
}

/// Writes one record in the simulated format, each field's value from `value`.
fn write_record<'a>(buf: &mut String, value: impl Fn(Field) -> Val<'a>) {
    for (i, f) in flow_fields().enumerate() {
        if i > 0 {
            buf.push(' ');
        }
        let _ = write!(buf, "{}", value(f));
    }
    buf.push('\n');
}

fn write_flow(buf: &mut String, f: &FlowLine<'_>) {
    write_record(buf, |field| f.value(field));
}

/// One five-minute window: the span of one flow-log and one Resolver-log object.
#[derive(Clone, Copy)]
struct Window {
    hour: i64,
    /// 0 to 11 within the hour.
    index: i64,
    /// Unix seconds.
    start: i64,
}

/// The text of one window's two objects, reused from window to window.
struct WindowText {
    flow: String,
    dns: String,
}

/// Generates the data set, handing each file to `sink` as (relative path,
/// gzip bytes), and returns the truth.
///
/// # Errors
/// Whatever `sink` returns.
pub fn simulate<E>(cfg: &SimConfig, sink: &mut dyn FnMut(&str, &[u8]) -> Result<(), E>) -> Result<Truth, E> {
    let insts = instances(cfg.instances, cfg.eks_pods);
    let first_hour = cfg.start.div_euclid(3600);
    let mut truth = empty_truth(cfg, first_hour);
    let mut text = WindowText {
        flow: String::with_capacity(8 << 20),
        dns: String::with_capacity(1 << 20),
    };
    for hour in first_hour..first_hour + cfg.hours as i64 {
        let plan = hour_plan(cfg, &insts, hour);
        for index in 0..12 {
            let win = Window {
                hour,
                index,
                start: hour * 3600 + index * 300,
            };
            text.flow.clear();
            text.dns.clear();
            dns_queries(cfg, &insts, &plan.active, win, &mut text.dns, &mut truth);
            flow_records(&insts, &plan.conns, win, &mut text.flow, &mut truth);
            write_window(cfg, win, &text, &mut truth, sink)?;
        }
    }
    if let Some(t) = truth.services.get_mut(&format!("logs@{REGION}")) {
        t.endpoint_exists = true;
    }
    Ok(truth)
}

/// The truth before any record: the network the data set describes and its window.
fn empty_truth(cfg: &SimConfig, first_hour: i64) -> Truth {
    Truth {
        config_seed: cfg.seed,
        account_id: ACCOUNT.into(),
        region: REGION.into(),
        vpc_id: VPC.into(),
        vpc_cidr: "10.0.0.0/16".into(),
        nat_private_ip: NAT_IP.to_string(),
        nat_interface_id: NAT_ENI.into(),
        window_start: format_rfc3339(first_hour * 3600),
        window_end: format_rfc3339((first_hour + cfg.hours as i64) * 3600),
        ..Default::default()
    }
}

/// The truth's key of a profile's service (`service@region`), `None` for traffic that is not a service API.
fn service_key(p: &Profile) -> Option<String> {
    (!p.service.is_empty()).then(|| format!("{}@{REGION}", p.service))
}

/// Counts one query for `name` (and its service) in the truth.
fn count_query(truth: &mut Truth, p: &Profile, name: &str) {
    *truth.hostnames.entry(name.to_string()).or_default() += 1;
    if let Some(k) = service_key(p) {
        truth.services.entry(k).or_default().query_count += 1;
    }
}

/// The Resolver records of one window: the names of active services, and a typo'd internal name once an hour.
fn dns_queries(
    cfg: &SimConfig,
    insts: &[Instance],
    active: &[ActiveName],
    win: Window,
    dns: &mut String,
    truth: &mut Truth,
) {
    for a in active {
        name_queries(cfg, &insts[a.inst], a, win, dns, truth);
    }
    if win.index == 6 {
        write_query(
            dns,
            win.start + 7,
            "config.internal.example.",
            "A",
            "NXDOMAIN",
            "",
            &insts[0],
            win.hour as u64,
        );
        *truth.hostnames.entry("config.internal.example".into()).or_default() += 1;
    }
}

/// The queries of one active name in a window: in the hour's first window, or
/// every window for chatty agents; dual-stack SDKs sometimes also ask for AAAA.
fn name_queries(cfg: &SimConfig, inst: &Instance, a: &ActiveName, win: Window, dns: &mut String, truth: &mut Truth) {
    let p = &PROFILES[a.profile];
    if a.queries_per_hour == 0 || (a.queries_per_hour == 1 && win.index != 0) {
        return;
    }
    let mut r = Rng::new(&[
        cfg.seed,
        win.hour as u64,
        win.index as u64,
        a.inst as u64,
        a.profile as u64,
        a.name as u64,
    ]);
    let ts = win.start + (r.next() % 240) as i64;
    let name = p.names[a.name];
    let ans = answer_records(p, a.name, win.hour, cfg.seed);
    write_query(dns, ts, name, "A", "NOERROR", &ans, inst, r.next());
    count_query(truth, p, name);
    // The VPC has no IPv6 answer.
    if !p.service.is_empty() && r.next() % 4 == 0 {
        write_query(dns, ts, name, "AAAA", "NOERROR", "", inst, r.next());
        count_query(truth, p, name);
    }
}

/// The JSON `answers` of a name's A query in an hour: its CNAME, then its addresses.
fn answer_records(p: &Profile, name_idx: usize, hour: i64, seed: u64) -> String {
    let mut ans = String::new();
    if let Some(c) = p.cname {
        let _ = write!(ans, "{{\"Rdata\":\"{c}.\",\"Type\":\"CNAME\",\"Class\":\"IN\"}},");
    }
    for ip in answers(p, name_idx, hour, seed) {
        let _ = write!(ans, "{{\"Rdata\":\"{ip}\",\"Type\":\"A\",\"Class\":\"IN\"}},");
    }
    ans.pop();
    ans
}

/// One connection-minute as the instance's own interface sees it: the request and the reply.
struct Exchange<'a> {
    profile: &'a Profile,
    request: FlowLine<'a>,
    reply: FlowLine<'a>,
}

impl Exchange<'_> {
    fn bytes(&self) -> u64 {
        self.request.bytes + self.reply.bytes
    }
}

/// The flow-log text of one window: the header, every connection-minute that
/// starts in it (by its path), then the housekeeping records.
fn flow_records(insts: &[Instance], conns: &[Conn], win: Window, flow: &mut String, truth: &mut Truth) {
    flow.push_str(&flow_header());
    flow.push('\n');
    for c in conns {
        let inst = &insts[c.inst];
        for m in 0..c.minutes as i64 {
            let start = (c.first_minute + m) * 60 + 1;
            if start < win.start || start >= win.start + 300 {
                continue;
            }
            let x = exchange(c, inst, m, start);
            match (inst.public, x.profile.route) {
                (true, _) => direct_flows(&x, flow, truth),
                (false, Route::Nat) => nat_flows(&x, flow, truth),
                (false, Route::Endpoint) => endpoint_flows(&x, flow, truth),
            }
        }
    }
    housekeeping_flows(insts, win, flow, truth);
}

/// The request and reply of minute `m` of a connection, sizes drawn from its profile.
fn exchange<'a>(c: &Conn, inst: &'a Instance, m: i64, start: i64) -> Exchange<'a> {
    let p = &PROFILES[c.profile];
    let mut r = Rng::new(&[c.seed, m as u64]);
    let out_b = r.range(p.out_bytes);
    let in_b = r.range(p.in_bytes);
    let request = FlowLine {
        eni: &inst.eni,
        src: inst.workload_ip,
        dst: c.remote,
        sport: c.sport,
        dport: 443,
        packets: out_b / 1200 + 1,
        bytes: out_b,
        start,
        subnet: inst.subnet,
        instance: &inst.id,
        az: inst.az,
        pkt_src: inst.workload_ip,
        pkt_dst: c.remote,
        src_svc: "-",
        dst_svc: p.code,
        egress: true,
        path: "1",
        action: "ACCEPT",
    };
    let reply = FlowLine {
        src: c.remote,
        dst: inst.ip,
        sport: 443,
        dport: c.sport,
        packets: in_b / 1400 + 1,
        bytes: in_b,
        pkt_src: c.remote,
        pkt_dst: inst.workload_ip,
        src_svc: p.code,
        dst_svc: "-",
        egress: false,
        path: "-",
        ..request
    };
    Exchange {
        profile: p,
        request,
        reply,
    }
}

/// Where a connection's bytes went, for the truth.
#[derive(Clone, Copy)]
enum Via {
    Nat,
    Endpoint,
    /// Neither: straight out through the internet gateway.
    Other,
}

/// Adds a connection-minute's bytes to the truth of its service, or of its label.
fn credit(truth: &mut Truth, p: &Profile, bytes: u64, via: Via) {
    match (service_key(p), p.label) {
        (Some(k), _) => {
            let t = truth.services.entry(k).or_default();
            match via {
                Via::Nat => t.bytes_via_nat += bytes,
                Via::Other => t.bytes_other += bytes,
                Via::Endpoint => {
                    t.bytes_via_endpoint += bytes;
                    t.endpoint_exists = true;
                }
            }
        }
        (None, Some(l)) => {
            let t = truth.unattributed.entry(l.into()).or_default();
            match via {
                Via::Nat => t.bytes_via_nat += bytes,
                Via::Other => t.bytes_other += bytes,
                Via::Endpoint => {}
            }
        }
        _ => {}
    }
}

/// From the public subnet through the internet gateway: the instance's two records.
fn direct_flows(x: &Exchange<'_>, flow: &mut String, truth: &mut Truth) {
    write_flow(flow, &FlowLine { path: "8", ..x.request });
    write_flow(flow, &x.reply);
    truth.flow_records += 2;
    credit(truth, x.profile, x.bytes(), Via::Other);
}

/// Through the NAT gateway: the instance's two records and four legs on the NAT gateway's interface.
fn nat_flows(x: &Exchange<'_>, flow: &mut String, truth: &mut Truth) {
    let (req, rep) = (&x.request, &x.reply);
    write_flow(flow, req);
    write_flow(flow, rep);
    let nat = FlowLine {
        eni: NAT_ENI,
        subnet: PUBLIC_SUBNET,
        instance: "-",
        az: AZS[0],
        ..*req
    };
    let nat_port = 1024 + (req.sport % 60000);
    let nat_reply = FlowLine {
        sport: 443,
        packets: rep.packets,
        bytes: rep.bytes,
        src_svc: rep.src_svc,
        dst_svc: "-",
        ..nat
    };
    // Instance to NAT, NAT to the destination, the reply to NAT, NAT to the instance.
    write_flow(
        flow,
        &FlowLine {
            dst: NAT_IP,
            egress: false,
            path: "-",
            ..nat
        },
    );
    write_flow(
        flow,
        &FlowLine {
            src: NAT_IP,
            sport: nat_port,
            pkt_src: NAT_IP,
            path: "8",
            ..nat
        },
    );
    write_flow(
        flow,
        &FlowLine {
            src: req.dst,
            dst: NAT_IP,
            dport: nat_port,
            pkt_src: req.dst,
            pkt_dst: NAT_IP,
            egress: false,
            path: "-",
            ..nat_reply
        },
    );
    write_flow(
        flow,
        &FlowLine {
            src: NAT_IP,
            dst: req.src,
            dport: req.sport,
            pkt_src: req.dst,
            pkt_dst: req.src,
            egress: true,
            path: "1",
            ..nat_reply
        },
    );
    truth.flow_records += 6;
    truth.total_bytes_via_nat += x.bytes();
    credit(truth, x.profile, x.bytes(), Via::Nat);
}

/// To the VPC's interface endpoint: two records on the instance, two on the endpoint's interface.
fn endpoint_flows<'a>(x: &Exchange<'a>, flow: &mut String, truth: &mut Truth) {
    let ep = x.request.dst;
    let ep_i = ENDPOINT_IPS.iter().position(|e| *e == ep).unwrap_or(0);
    let to_ep = FlowLine {
        dst_svc: "-",
        ..x.request
    };
    let from_ep = FlowLine {
        src: ep,
        dst: to_ep.src,
        sport: 443,
        dport: to_ep.sport,
        packets: x.reply.packets,
        bytes: x.reply.bytes,
        pkt_src: ep,
        pkt_dst: to_ep.src,
        ..to_ep
    };
    write_flow(flow, &to_ep);
    write_flow(
        flow,
        &FlowLine {
            egress: false,
            path: "-",
            ..from_ep
        },
    );
    let on_ep = |f: FlowLine<'a>| -> FlowLine<'a> {
        FlowLine {
            eni: ENDPOINT_ENIS[ep_i],
            subnet: SUBNETS[ep_i],
            instance: "-",
            az: AZS[ep_i],
            ..f
        }
    };
    write_flow(
        flow,
        &FlowLine {
            egress: false,
            path: "-",
            ..on_ep(to_ep)
        },
    );
    write_flow(
        flow,
        &on_ep(FlowLine {
            egress: true,
            path: "1",
            ..from_ep
        }),
    );
    truth.flow_records += 4;
    credit(truth, x.profile, x.bytes(), Via::Endpoint);
}

/// Records that carry no traffic: an idle interface (NODATA) and a rejected scan of the public instance.
fn housekeeping_flows(insts: &[Instance], win: Window, flow: &mut String, truth: &mut Truth) {
    write_record(flow, |f| match f {
        Field::InterfaceId => Val::Text("eni-0idle00000000001"),
        Field::Start => Val::Time(win.start),
        Field::End => Val::Time(win.start + 60),
        Field::LogStatus => Val::Text("NODATA"),
        Field::SubnetId => Val::Text(SUBNETS[1]),
        Field::AzId => Val::Text(AZS[1]),
        _ => shared(f),
    });
    let public = &insts[insts.len() - 1];
    let scanner = Ipv4Addr::new(198, 51, 100, win.index as u8 + 1);
    write_record(flow, |f| match f {
        Field::InterfaceId => Val::Text(&public.eni),
        Field::Srcaddr | Field::PktSrcaddr => Val::Addr(scanner),
        Field::Dstaddr | Field::PktDstaddr => Val::Addr(public.ip),
        Field::Srcport => Val::Count(51234),
        Field::Dstport => Val::Count(22),
        Field::Protocol => Val::Count(6),
        Field::Packets => Val::Count(1),
        Field::Bytes => Val::Count(60),
        Field::Start => Val::Time(win.start + 5),
        Field::End => Val::Time(win.start + 50),
        Field::Action => Val::Text("REJECT"),
        Field::LogStatus => Val::Text("OK"),
        Field::SubnetId => Val::Text(public.subnet),
        Field::InstanceId => Val::Text(&public.id),
        Field::AzId => Val::Text(public.az),
        Field::FlowDirection => Val::Text("ingress"),
        _ => shared(f),
    });
    truth.flow_records += 2;
}

/// Hands a window's objects to `sink` under the S3 delivery layout (the
/// Resolver object only when it has records).
fn write_window<E>(
    cfg: &SimConfig,
    win: Window,
    text: &WindowText,
    truth: &mut Truth,
    sink: &mut dyn FnMut(&str, &[u8]) -> Result<(), E>,
) -> Result<(), E> {
    let (day, stamp) = ymd_path(win.start);
    let flow_path = format!("AWSLogs/{ACCOUNT}/vpcflowlogs/{REGION}/{day}/{ACCOUNT}_vpcflowlogs_{REGION}_{FLOW_LOG_ID}_{stamp}_{:08x}.log.gz", (Rng::new(&[cfg.seed, win.start as u64]).next() >> 32));
    truth.flow_text_bytes += text.flow.len() as u64;
    sink(&flow_path, &gzip(text.flow.as_bytes(), cfg.gzip_level))?;
    truth.files += 1;
    if !text.dns.is_empty() {
        let dns_path = format!(
            "AWSLogs/{ACCOUNT}/vpcdnsquerylogs/{VPC}/{day}/{VPC}_vpcdnsquerylogs_{ACCOUNT}_{stamp}_{:08x}.log.gz",
            (Rng::new(&[cfg.seed ^ 1, win.start as u64]).next() >> 32)
        );
        truth.dns_text_bytes += text.dns.len() as u64;
        truth.dns_records += text.dns.lines().count() as u64;
        sink(&dns_path, &gzip(text.dns.as_bytes(), cfg.gzip_level))?;
        truth.files += 1;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn write_query(
    buf: &mut String,
    ts: i64,
    name: &str,
    qtype: &str,
    rcode: &str,
    answers: &str,
    inst: &Instance,
    r: u64,
) {
    let name = if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    };
    let _ = writeln!(
        buf,
        "{{\"version\":\"1.100000\",\"account_id\":\"{ACCOUNT}\",\"region\":\"{REGION}\",\"vpc_id\":\"{VPC}\",\"query_timestamp\":\"{}\",\"query_name\":\"{name}\",\"query_type\":\"{qtype}\",\"query_class\":\"IN\",\"rcode\":\"{rcode}\",\"answers\":[{answers}],\"srcaddr\":\"{}\",\"srcport\":\"{}\",\"transport\":\"UDP\",\"srcids\":{{\"instance\":\"{}\"}}}}",
        format_rfc3339(ts),
        inst.ip,
        1024 + r % 60000,
        inst.id
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(cfg: &SimConfig) -> (Truth, Vec<(String, Vec<u8>)>) {
        let mut files = Vec::new();
        let t = simulate::<()>(cfg, &mut |p, b| {
            files.push((p.to_string(), b.to_vec()));
            Ok(())
        })
        .unwrap();
        (t, files)
    }

    #[test]
    fn deterministic_and_laid_out_like_s3() {
        let cfg = SimConfig {
            hours: 2,
            instances: 4,
            ..Default::default()
        };
        let (a, fa) = run(&cfg);
        let (b, fb) = run(&cfg);
        assert_eq!(a, b);
        assert_eq!(fa, fb);
        assert_eq!(fa.len() as u64, a.files);
        assert!(fa[0].0.starts_with("AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/01/123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261101T0000Z_"), "{}", fa[0].0);
        assert!(fa.iter().any(|f| f
            .0
            .starts_with("AWSLogs/123456789012/vpcdnsquerylogs/vpc-0a1b2c3d4e5f60718/2026/11/01/")));
        assert!(fa.iter().all(|f| f.1[..2] == [0x1f, 0x8b]));
        assert!(a.services["s3@us-east-1"].bytes_via_nat > 0);
        assert!(a.services["logs@us-east-1"].endpoint_exists);
        let other = run(&SimConfig { seed: 7, ..cfg }).0;
        assert_ne!(a.total_bytes_via_nat, other.total_bytes_via_nat);
    }
}

#[cfg(test)]
mod content_tests {
    use std::io::Read as _;
    use std::net::IpAddr;

    use vpce_formats::flow::FlowFormat;

    use super::*;

    /// What the generated flow-log files hold, read back with the parser.
    #[derive(Default)]
    struct ReadBack {
        records: u64,
        text_bytes: u64,
        /// Bytes between the NAT gateway's address and a public address, on its interface.
        nat_public_legs: u64,
        /// Bytes on the endpoint's interfaces.
        endpoint_interfaces: u64,
    }

    fn read_back(cfg: &SimConfig) -> (Truth, ReadBack) {
        let mut files = Vec::new();
        let truth = simulate::<()>(cfg, &mut |p, b| {
            files.push((p.to_string(), b.to_vec()));
            Ok(())
        })
        .unwrap();
        let header = flow_header();
        let format = FlowFormat::parse(&header, false).unwrap();
        let nat = IpAddr::V4(NAT_IP);
        let public = |a: Option<IpAddr>| matches!(a, Some(IpAddr::V4(v)) if !v.is_private());
        let mut read = ReadBack::default();
        for (path, gz) in files.iter().filter(|f| f.0.contains("/vpcflowlogs/")) {
            let mut text = Vec::new();
            flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut text).unwrap();
            read.text_bytes += text.len() as u64;
            let mut lines = text.split(|&b| b == b'\n').filter(|l| !l.is_empty());
            assert_eq!(lines.next(), Some(header.as_bytes()), "{path}");
            for line in lines {
                let r = format.parse_record(line).unwrap();
                read.records += 1;
                let bytes = r.bytes.unwrap_or(0);
                match r.interface_id {
                    Some(NAT_ENI) => {
                        let (s, d) = (r.srcaddr, r.dstaddr);
                        if (s == Some(nat) && public(d)) || (public(s) && d == Some(nat)) {
                            read.nat_public_legs += bytes;
                        }
                    }
                    Some(eni) if ENDPOINT_ENIS.contains(&eni) => read.endpoint_interfaces += bytes,
                    _ => {}
                }
            }
        }
        (truth, read)
    }

    #[test]
    fn truth_totals_are_the_bytes_in_the_generated_records() {
        for cfg in [
            SimConfig {
                hours: 2,
                instances: 6,
                ..Default::default()
            },
            SimConfig {
                hours: 1,
                instances: 3,
                seed: 9,
                start: 1_700_000_000 - 1_700_000_000 % 3600,
                gzip_level: 1,
                eks_pods: true,
            },
        ] {
            let (truth, read) = read_back(&cfg);
            assert!(truth.total_bytes_via_nat > 0 && read.endpoint_interfaces > 0);
            // The NAT gateway processed exactly its legs to and from public addresses.
            assert_eq!(truth.total_bytes_via_nat, read.nat_public_legs);
            let per_service: u64 = truth.services.values().map(|s| s.bytes_via_nat).sum::<u64>()
                + truth.unattributed.values().map(|s| s.bytes_via_nat).sum::<u64>();
            assert_eq!(per_service, truth.total_bytes_via_nat);
            // Endpoint traffic is logged twice: on the client and on the endpoint's interface.
            let via_endpoint: u64 = truth.services.values().map(|s| s.bytes_via_endpoint).sum();
            assert_eq!(via_endpoint, read.endpoint_interfaces);
            assert_eq!(truth.flow_records, read.records);
            assert_eq!(truth.flow_text_bytes, read.text_bytes);
        }
    }
}
