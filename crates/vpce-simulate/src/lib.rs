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
use std::fmt::Write as _;
use std::io::Write as _;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};
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
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            hours: 24,
            instances: 20,
            seed: 42,
            start: 1_793_491_200, // 2026-11-01T00:00:00Z
            gzip_level: 6,
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

/// The flow-log format the simulated flow log was created with (the header).
pub const FLOW_HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id instance-id region az-id pkt-srcaddr pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path";

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
    eni: String,
    id: String,
    subnet: &'static str,
    az: &'static str,
    public: bool,
}

fn instances(n: u32) -> Vec<Instance> {
    let mut v: Vec<Instance> = (0..n)
        .map(|i| {
            let z = (i % 2) as usize;
            Instance {
                ip: Ipv4Addr::new(10, 0, 1 + z as u8, 10 + (i / 2) as u8 % 180),
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

/// The connections of one hour, deterministic from the seed.
fn hour_plan(cfg: &SimConfig, insts: &[Instance], hour: i64) -> (Vec<Conn>, Vec<(usize, usize, usize, u64)>) {
    let mut conns = Vec::new();
    let mut active = Vec::new(); // (instance, profile, name, queries)
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
                active.push((ii, pi, ni, p.queries_per_hour));
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
                conns.push(Conn {
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
    (conns, active)
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

fn write_flow(buf: &mut String, f: &FlowLine<'_>) {
    let _ = writeln!(
        buf,
        "5 {ACCOUNT} {} {} {} {} {} 6 {} {} {} {} {} OK {VPC} {} {} {REGION} {} {} {} {} {} {} {}",
        f.eni,
        f.src,
        f.dst,
        f.sport,
        f.dport,
        f.packets,
        f.bytes,
        f.start,
        f.start + 58,
        f.action,
        f.subnet,
        f.instance,
        f.az,
        f.pkt_src,
        f.pkt_dst,
        f.src_svc,
        f.dst_svc,
        if f.egress { "egress" } else { "ingress" },
        f.path,
    );
}

/// Generates the data set, handing each file to `sink` as (relative path,
/// gzip bytes), and returns the truth.
///
/// # Errors
/// Whatever `sink` returns.
pub fn simulate<E>(cfg: &SimConfig, sink: &mut dyn FnMut(&str, &[u8]) -> Result<(), E>) -> Result<Truth, E> {
    let insts = instances(cfg.instances);
    let first_hour = cfg.start.div_euclid(3600);
    let mut truth = Truth {
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
    };
    let mut flow = String::with_capacity(8 << 20);
    let mut dns = String::with_capacity(1 << 20);
    for h in 0..cfg.hours as i64 {
        let hour = first_hour + h;
        let (conns, active) = hour_plan(cfg, &insts, hour);
        for w in 0..12i64 {
            let win_start = hour * 3600 + w * 300;
            flow.clear();
            dns.clear();
            flow.push_str(FLOW_HEADER);
            flow.push('\n');
            // DNS queries: names of active services, in the first window of the
            // hour; chatty agents every five minutes.
            for &(ii, pi, ni, qph) in &active {
                let p = &PROFILES[pi];
                if qph == 0 || (qph == 1 && w != 0) {
                    continue;
                }
                let inst = &insts[ii];
                let mut r = Rng::new(&[cfg.seed, hour as u64, w as u64, ii as u64, pi as u64, ni as u64]);
                let ts = win_start + (r.next() % 240) as i64;
                let name = p.names[ni];
                let ips = answers(p, ni, hour, cfg.seed);
                let mut ans = String::new();
                if let Some(c) = p.cname {
                    let _ = write!(ans, "{{\"Rdata\":\"{c}.\",\"Type\":\"CNAME\",\"Class\":\"IN\"}},");
                }
                for ip in &ips {
                    let _ = write!(ans, "{{\"Rdata\":\"{ip}\",\"Type\":\"A\",\"Class\":\"IN\"}},");
                }
                ans.pop();
                write_query(&mut dns, ts, name, "A", "NOERROR", &ans, inst, r.next());
                *truth.hostnames.entry(name.to_string()).or_default() += 1;
                if !p.service.is_empty() {
                    truth
                        .services
                        .entry(format!("{}@{REGION}", p.service))
                        .or_default()
                        .query_count += 1;
                    // Dual-stack SDKs also ask for AAAA; the VPC has no IPv6 answer.
                    if r.next() % 4 == 0 {
                        write_query(&mut dns, ts, name, "AAAA", "NOERROR", "", inst, r.next());
                        *truth.hostnames.entry(name.to_string()).or_default() += 1;
                        truth
                            .services
                            .entry(format!("{}@{REGION}", p.service))
                            .or_default()
                            .query_count += 1;
                    }
                }
            }
            if w == 6 {
                // A typo'd internal name, once an hour.
                let inst = &insts[0];
                write_query(
                    &mut dns,
                    win_start + 7,
                    "config.internal.example.",
                    "A",
                    "NXDOMAIN",
                    "",
                    inst,
                    hour as u64,
                );
                *truth.hostnames.entry("config.internal.example".into()).or_default() += 1;
            }
            // Flow records of every connection-minute in this window.
            for c in &conns {
                let p = &PROFILES[c.profile];
                let inst = &insts[c.inst];
                for m in 0..c.minutes as i64 {
                    let minute = c.first_minute + m;
                    let start = minute * 60 + 1;
                    if start < win_start || start >= win_start + 300 {
                        continue;
                    }
                    let mut r = Rng::new(&[c.seed, m as u64]);
                    let out_b = r.range(p.out_bytes);
                    let in_b = r.range(p.in_bytes);
                    let out_p = out_b / 1200 + 1;
                    let in_p = in_b / 1400 + 1;
                    let (svc_out, svc_in) = (p.code, p.code);
                    let key = if p.service.is_empty() {
                        None
                    } else {
                        Some(format!("{}@{REGION}", p.service))
                    };
                    let common = FlowLine {
                        eni: &inst.eni,
                        src: inst.ip,
                        dst: c.remote,
                        sport: c.sport,
                        dport: 443,
                        packets: out_p,
                        bytes: out_b,
                        start,
                        subnet: inst.subnet,
                        instance: &inst.id,
                        az: inst.az,
                        pkt_src: inst.ip,
                        pkt_dst: c.remote,
                        src_svc: "-",
                        dst_svc: svc_out,
                        egress: true,
                        path: "1",
                        action: "ACCEPT",
                    };
                    // The reply, as the instance's own interface sees it.
                    let reply = FlowLine {
                        src: c.remote,
                        dst: inst.ip,
                        sport: 443,
                        dport: c.sport,
                        packets: in_p,
                        bytes: in_b,
                        pkt_src: c.remote,
                        pkt_dst: inst.ip,
                        src_svc: svc_in,
                        dst_svc: "-",
                        egress: false,
                        path: "-",
                        ..common
                    };
                    if inst.public {
                        write_flow(&mut flow, &FlowLine { path: "8", ..common });
                        write_flow(&mut flow, &reply);
                        truth.flow_records += 2;
                        match (&key, p.label) {
                            (Some(k), _) => truth.services.entry(k.clone()).or_default().bytes_other += out_b + in_b,
                            (None, Some(l)) => {
                                truth.unattributed.entry(l.into()).or_default().bytes_other += out_b + in_b
                            }
                            _ => {}
                        }
                        continue;
                    }
                    match p.route {
                        Route::Nat => {
                            // The instance's own interface.
                            write_flow(&mut flow, &common);
                            write_flow(&mut flow, &reply);
                            // The NAT gateway's interface: four legs.
                            let nat = FlowLine {
                                eni: NAT_ENI,
                                subnet: PUBLIC_SUBNET,
                                instance: "-",
                                az: AZS[0],
                                ..common
                            };
                            let nat_port = 1024 + (c.sport % 60000);
                            write_flow(
                                &mut flow,
                                &FlowLine {
                                    dst: NAT_IP,
                                    egress: false,
                                    path: "-",
                                    ..nat
                                },
                            );
                            write_flow(
                                &mut flow,
                                &FlowLine {
                                    src: NAT_IP,
                                    sport: nat_port,
                                    pkt_src: NAT_IP,
                                    path: "8",
                                    ..nat
                                },
                            );
                            write_flow(
                                &mut flow,
                                &FlowLine {
                                    src: c.remote,
                                    dst: NAT_IP,
                                    sport: 443,
                                    dport: nat_port,
                                    packets: in_p,
                                    bytes: in_b,
                                    pkt_src: c.remote,
                                    pkt_dst: NAT_IP,
                                    src_svc: svc_in,
                                    dst_svc: "-",
                                    egress: false,
                                    path: "-",
                                    ..nat
                                },
                            );
                            write_flow(
                                &mut flow,
                                &FlowLine {
                                    src: NAT_IP,
                                    dst: inst.ip,
                                    sport: 443,
                                    dport: c.sport,
                                    packets: in_p,
                                    bytes: in_b,
                                    pkt_src: c.remote,
                                    pkt_dst: inst.ip,
                                    src_svc: svc_in,
                                    dst_svc: "-",
                                    egress: true,
                                    path: "1",
                                    ..nat
                                },
                            );
                            truth.flow_records += 6;
                            truth.total_bytes_via_nat += out_b + in_b;
                            match (&key, p.label) {
                                (Some(k), _) => {
                                    truth.services.entry(k.clone()).or_default().bytes_via_nat += out_b + in_b
                                }
                                (None, Some(l)) => {
                                    truth.unattributed.entry(l.into()).or_default().bytes_via_nat += out_b + in_b
                                }
                                _ => {}
                            }
                        }
                        Route::Endpoint => {
                            let ep = c.remote;
                            let ep_i = ENDPOINT_IPS.iter().position(|e| *e == ep).unwrap_or(0);
                            let to_ep = FlowLine {
                                dst: ep,
                                pkt_dst: ep,
                                dst_svc: "-",
                                ..common
                            };
                            write_flow(&mut flow, &to_ep);
                            write_flow(
                                &mut flow,
                                &FlowLine {
                                    src: ep,
                                    dst: inst.ip,
                                    sport: 443,
                                    dport: c.sport,
                                    packets: in_p,
                                    bytes: in_b,
                                    pkt_src: ep,
                                    pkt_dst: inst.ip,
                                    egress: false,
                                    path: "-",
                                    ..to_ep
                                },
                            );
                            let on_ep = FlowLine {
                                eni: ENDPOINT_ENIS[ep_i],
                                subnet: SUBNETS[ep_i],
                                instance: "-",
                                az: AZS[ep_i],
                                ..to_ep
                            };
                            write_flow(
                                &mut flow,
                                &FlowLine {
                                    egress: false,
                                    path: "-",
                                    ..on_ep
                                },
                            );
                            write_flow(
                                &mut flow,
                                &FlowLine {
                                    src: ep,
                                    dst: inst.ip,
                                    sport: 443,
                                    dport: c.sport,
                                    packets: in_p,
                                    bytes: in_b,
                                    pkt_src: ep,
                                    pkt_dst: inst.ip,
                                    egress: true,
                                    path: "1",
                                    ..on_ep
                                },
                            );
                            truth.flow_records += 4;
                            if let Some(k) = &key {
                                let t = truth.services.entry(k.clone()).or_default();
                                t.bytes_via_endpoint += out_b + in_b;
                                t.endpoint_exists = true;
                            }
                        }
                    }
                }
            }
            // Housekeeping records: an idle interface and rejected scans.
            let _ = writeln!(
                flow,
                "5 {ACCOUNT} eni-0idle00000000001 - - - - - - - {} {} - NODATA {VPC} {} - {REGION} {} - - - - - -",
                win_start,
                win_start + 60,
                SUBNETS[1],
                AZS[1]
            );
            let _ = writeln!(flow, "5 {ACCOUNT} {} 198.51.100.{} {PUBLIC_INSTANCE_IP} 51234 22 6 1 60 {} {} REJECT OK {VPC} {PUBLIC_SUBNET} i-0pub0000000000001 {REGION} {} 198.51.100.{} {PUBLIC_INSTANCE_IP} - - ingress -", insts[insts.len() - 1].eni, w + 1, win_start + 5, win_start + 50, AZS[0], w + 1);
            truth.flow_records += 2;
            let (day, stamp) = ymd_path(win_start);
            let flow_path = format!("AWSLogs/{ACCOUNT}/vpcflowlogs/{REGION}/{day}/{ACCOUNT}_vpcflowlogs_{REGION}_{FLOW_LOG_ID}_{stamp}_{:08x}.log.gz", (Rng::new(&[cfg.seed, win_start as u64]).next() >> 32));
            truth.flow_text_bytes += flow.len() as u64;
            sink(&flow_path, &gzip(flow.as_bytes(), cfg.gzip_level))?;
            truth.files += 1;
            if !dns.is_empty() {
                let dns_path = format!("AWSLogs/{ACCOUNT}/vpcdnsquerylogs/{VPC}/{day}/{VPC}_vpcdnsquerylogs_{ACCOUNT}_{stamp}_{:08x}.log.gz", (Rng::new(&[cfg.seed ^ 1, win_start as u64]).next() >> 32));
                truth.dns_text_bytes += dns.len() as u64;
                truth.dns_records += dns.lines().count() as u64;
                sink(&dns_path, &gzip(dns.as_bytes(), cfg.gzip_level))?;
                truth.files += 1;
            }
        }
    }
    if let Some(t) = truth.services.get_mut(&format!("logs@{REGION}")) {
        t.endpoint_exists = true;
    }
    Ok(truth)
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
