//! Aggregating Resolver query logs: query counts per name, and which names
//! each address answered for, when, and in which VPC.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::net::IpAddr;

use vpce_formats::resolver::DnsQuery;
use vpce_formats::time::parse_rfc3339;

use crate::intern::Interner;
use crate::{hour_of, TimeFilter, TimeSpan};

/// How many answer records are kept per name (the most recent query's).
const MAX_KEPT_ANSWERS: usize = 8;

/// Per-name counters.
#[derive(Clone, Debug, Default)]
pub struct NameStats {
    pub queries: u64,
    /// The VPC of the first query (its Region is the context for global names).
    pub vpc: Option<u32>,
    pub last_ts: i64,
    pub last_answers: Vec<String>,
}

/// VPC metadata from the records.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VpcMeta {
    pub region: Option<String>,
    pub account_id: Option<String>,
}

/// Streaming aggregate of Resolver query logs. Mergeable, so each file can be
/// read on its own thread.
#[derive(Clone, Debug, Default)]
pub struct DnsAggregator {
    filter: TimeFilter,
    pub(crate) names: Interner,
    pub(crate) stats: Vec<NameStats>,
    pub(crate) vpcs: Interner,
    pub(crate) vpc_meta: Vec<VpcMeta>,
    /// (address, vpc, name) → (first hour, last hour) the address answered for
    /// the name. Intervals, not every hour, keep this bounded by the distinct
    /// answers, whatever the length of the logs.
    pub(crate) observations: HashMap<(IpAddr, u32, u32), (i64, i64)>,
    pub(crate) records: u64,
    pub(crate) outside_window: u64,
    pub(crate) span: TimeSpan,
    scratch: String,
}

/// Lower-cases and strips the trailing dot, reusing `buf`.
fn normalize_into<'b>(name: &str, buf: &'b mut String) -> &'b str {
    buf.clear();
    let t = name.strip_suffix('.').unwrap_or(name);
    buf.push_str(t);
    buf.make_ascii_lowercase();
    buf
}

impl DnsAggregator {
    /// An empty aggregate keeping records inside `filter`.
    pub fn new(filter: TimeFilter) -> Self {
        DnsAggregator {
            filter,
            ..Default::default()
        }
    }

    /// Adds one record. The caller has checked that its timestamp parses.
    pub fn push(&mut self, q: &DnsQuery<'_>) {
        self.push_weighted(q, 1);
    }

    /// Adds a record that stands for `count` identical queries (a row of an
    /// aggregated Logs Insights result).
    pub fn push_weighted(&mut self, q: &DnsQuery<'_>, count: u64) {
        let Some(ts) = parse_rfc3339(&q.query_timestamp) else {
            return;
        };
        if !self.filter.contains(ts) {
            self.outside_window += count;
            return;
        }
        self.records += count;
        self.span.add(ts, ts);
        let vpc = q.vpc_id.as_deref().map(|v| {
            let id = self.vpcs.id(v);
            if id as usize == self.vpc_meta.len() {
                self.vpc_meta.push(VpcMeta::default());
            }
            let meta = &mut self.vpc_meta[id as usize];
            if meta.region.is_none() {
                meta.region = q.region.as_deref().map(str::to_string);
            }
            if meta.account_id.is_none() {
                meta.account_id = q.account_id.as_deref().map(str::to_string);
            }
            id
        });
        let mut scratch = std::mem::take(&mut self.scratch);
        let name = normalize_into(&q.query_name, &mut scratch);
        let id = self.names.id(name);
        self.scratch = scratch;
        if id as usize == self.stats.len() {
            self.stats.push(NameStats {
                vpc,
                ..Default::default()
            });
        }
        let st = &mut self.stats[id as usize];
        st.queries += count;
        if !q.answers.is_empty() && ts >= st.last_ts {
            st.last_ts = ts;
            st.last_answers.clear();
            for a in q.answers.iter().take(MAX_KEPT_ANSWERS) {
                let r = a.rdata.trim();
                st.last_answers
                    .push(r.strip_suffix('.').unwrap_or(r).to_ascii_lowercase());
            }
        }
        let hour = hour_of(ts);
        let vpc = vpc.unwrap_or(u32::MAX);
        for a in &q.answers {
            if a.rtype.eq_ignore_ascii_case("A") || a.rtype.eq_ignore_ascii_case("AAAA") {
                if let Ok(ip) = a.rdata.trim().parse::<IpAddr>() {
                    self.observations
                        .entry((ip, vpc, id))
                        .and_modify(|e| *e = (e.0.min(hour), e.1.max(hour)))
                        .or_insert((hour, hour));
                }
            }
        }
    }

    /// Adds another aggregate (from another file) to this one.
    pub fn merge(&mut self, other: DnsAggregator) {
        let name_map = self.names.absorb(&other.names);
        let vpc_map = self.vpcs.absorb(&other.vpcs);
        self.vpc_meta.resize(self.vpcs.len(), VpcMeta::default());
        for (i, meta) in other.vpc_meta.into_iter().enumerate() {
            let mine = &mut self.vpc_meta[vpc_map[i] as usize];
            if mine.region.is_none() {
                mine.region = meta.region;
            }
            if mine.account_id.is_none() {
                mine.account_id = meta.account_id;
            }
        }
        self.stats.resize(self.names.len(), NameStats::default());
        for (i, st) in other.stats.into_iter().enumerate() {
            let mine = &mut self.stats[name_map[i] as usize];
            mine.queries += st.queries;
            if mine.vpc.is_none() {
                mine.vpc = st.vpc.map(|v| vpc_map[v as usize]);
            }
            if st.last_ts >= mine.last_ts && !st.last_answers.is_empty() {
                mine.last_ts = st.last_ts;
                mine.last_answers = st.last_answers;
            }
        }
        let map_vpc = |v: u32| {
            if v == u32::MAX {
                v
            } else {
                vpc_map[v as usize]
            }
        };
        for ((ip, v, n), (first, last)) in other.observations {
            self.observations
                .entry((ip, map_vpc(v), name_map[n as usize]))
                .and_modify(|e| *e = (e.0.min(first), e.1.max(last)))
                .or_insert((first, last));
        }
        self.records += other.records;
        self.outside_window += other.outside_window;
        self.span.merge(other.span);
    }

    /// Records counted (inside the window).
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Records outside the window.
    pub fn outside_window(&self) -> u64 {
        self.outside_window
    }

    /// Queries per name id.
    pub fn query_counts(&self) -> Vec<u64> {
        self.stats.iter().map(|s| s.queries).collect()
    }

    /// Every address that appeared in an answer.
    pub fn answered_ips(&self) -> HashSet<IpAddr> {
        self.observations.keys().map(|o| o.0).collect()
    }

    /// Builds the time-aware address → name index.
    pub fn index(&self) -> DnsIndex {
        let mut by_ip: HashMap<IpAddr, Vec<(i64, i64, u32, u32)>> = HashMap::default();
        for (&(ip, v, n), &(first, last)) in &self.observations {
            by_ip.entry(ip).or_default().push((first, last, v, n));
        }
        for v in by_ip.values_mut() {
            v.sort_unstable();
        }
        DnsIndex { by_ip }
    }
}

/// Which name an address answered for, nearest in time.
#[derive(Clone, Debug, Default)]
pub struct DnsIndex {
    by_ip: HashMap<IpAddr, Vec<(i64, i64, u32, u32)>>,
}

impl DnsIndex {
    /// The name `ip` answered for nearest to `hour`, preferring answers given to
    /// `vpc` (a DNS vpc id). Among answers in the same hour, the name with the
    /// most queries wins, then the smaller id, so the choice is stable.
    pub fn lookup(&self, ip: IpAddr, hour: i64, vpc: Option<u32>, queries: &[u64]) -> Option<u32> {
        let obs = self.by_ip.get(&ip)?;
        let pick = |same_vpc_only: bool| -> Option<u32> {
            let mut best: Option<(i64, std::cmp::Reverse<u64>, u32)> = None;
            for &(first, last, v, n) in obs {
                if same_vpc_only && Some(v) != vpc {
                    continue;
                }
                let distance = if hour < first {
                    first - hour
                } else if hour > last {
                    hour - last
                } else {
                    0
                };
                let key = (
                    distance,
                    std::cmp::Reverse(queries.get(n as usize).copied().unwrap_or(0)),
                    n,
                );
                if best.is_none_or(|b| key < b) {
                    best = Some(key);
                }
            }
            best.map(|b| b.2)
        };
        if vpc.is_some() {
            if let Some(n) = pick(true) {
                return Some(n);
            }
        }
        pick(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(name: &str, ts: &str, vpc: &str, ips: &[&str]) -> String {
        let answers: Vec<String> = ips
            .iter()
            .map(|i| format!("{{\"Rdata\":\"{i}\",\"Type\":\"A\",\"Class\":\"IN\"}}"))
            .collect();
        format!("{{\"query_name\":\"{name}\",\"query_timestamp\":\"{ts}\",\"vpc_id\":\"{vpc}\",\"region\":\"us-east-1\",\"answers\":[{}]}}", answers.join(","))
    }

    fn push(agg: &mut DnsAggregator, json: &str) {
        let rec: DnsQuery = serde_json_from(json);
        agg.push(&rec);
    }

    fn serde_json_from(json: &str) -> DnsQuery<'_> {
        vpce_formats_json(json)
    }

    // Parse through the formats crate's reader so the test uses the real path.
    fn vpce_formats_json(json: &str) -> DnsQuery<'_> {
        struct One<'a>(Option<DnsQuery<'a>>);
        impl vpce_formats::resolver::DnsSink for One<'_> {
            fn query(&mut self, q: &DnsQuery<'_>, _line: u64) {
                let owned = DnsQuery {
                    query_name: q.query_name.clone().into_owned().into(),
                    query_timestamp: q.query_timestamp.clone().into_owned().into(),
                    version: q.version.clone(),
                    account_id: q.account_id.clone().map(|c| c.into_owned().into()),
                    region: q.region.clone().map(|c| c.into_owned().into()),
                    vpc_id: q.vpc_id.clone().map(|c| c.into_owned().into()),
                    query_type: None,
                    rcode: None,
                    answers: q
                        .answers
                        .iter()
                        .map(|a| vpce_formats::resolver::Answer {
                            rdata: a.rdata.clone().into_owned().into(),
                            rtype: a.rtype.clone().into_owned().into(),
                        })
                        .collect(),
                    srcaddr: None,
                    srcport: None,
                    srcids: None,
                };
                self.0 = Some(owned);
            }
            fn malformed(&mut self, _line: u64, reason: String) {
                panic!("{reason}");
            }
        }
        let mut one = One(None);
        vpce_formats::resolver::read_resolver_log(json.as_bytes(), &mut one).unwrap();
        one.0.unwrap()
    }

    #[test]
    fn counts_names_case_and_dot_insensitively() {
        let mut a = DnsAggregator::default();
        push(
            &mut a,
            &q(
                "SSM.us-east-1.amazonaws.com.",
                "2026-11-01T00:00:00Z",
                "vpc-1",
                &["52.94.1.1"],
            ),
        );
        push(
            &mut a,
            &q("ssm.us-east-1.amazonaws.com", "2026-11-01T00:05:00Z", "vpc-1", &[]),
        );
        assert_eq!(a.names.len(), 1);
        assert_eq!(a.stats[0].queries, 2);
        assert_eq!(a.stats[0].last_answers, vec!["52.94.1.1"]);
    }

    #[test]
    fn nearest_answer_in_time_wins() {
        // The same address answered for a bucket on day 1 and for another
        // service on day 3: flows are attributed by time.
        let mut a = DnsAggregator::default();
        push(
            &mut a,
            &q(
                "bucket.s3.us-east-1.amazonaws.com.",
                "2026-11-01T10:00:00Z",
                "vpc-1",
                &["52.216.1.1"],
            ),
        );
        let mut b = DnsAggregator::default();
        push(
            &mut b,
            &q(
                "kinesis.us-east-1.amazonaws.com.",
                "2026-11-03T10:00:00Z",
                "vpc-1",
                &["52.216.1.1"],
            ),
        );
        a.merge(b);
        let idx = a.index();
        let day1 = hour_of(parse_rfc3339("2026-11-01T12:00:00Z").unwrap());
        let day3 = hour_of(parse_rfc3339("2026-11-03T09:00:00Z").unwrap());
        let vpc = a.vpcs.get("vpc-1");
        let name = |id: u32| a.names.name(id).to_string();
        assert_eq!(
            idx.lookup("52.216.1.1".parse().unwrap(), day1, vpc, &a.query_counts())
                .map(name)
                .as_deref(),
            Some("bucket.s3.us-east-1.amazonaws.com")
        );
        assert_eq!(
            idx.lookup("52.216.1.1".parse().unwrap(), day3, vpc, &a.query_counts())
                .map(name)
                .as_deref(),
            Some("kinesis.us-east-1.amazonaws.com")
        );
        assert_eq!(
            idx.lookup("52.216.9.9".parse().unwrap(), day3, vpc, &a.query_counts()),
            None
        );
    }

    #[test]
    fn same_vpc_answers_are_preferred() {
        let mut a = DnsAggregator::default();
        push(
            &mut a,
            &q("a.example.com", "2026-11-01T10:00:00Z", "vpc-a", &["198.51.100.7"]),
        );
        push(
            &mut a,
            &q("b.example.com", "2026-11-01T10:00:00Z", "vpc-b", &["198.51.100.7"]),
        );
        let idx = a.index();
        let h = hour_of(parse_rfc3339("2026-11-01T10:30:00Z").unwrap());
        let ip = "198.51.100.7".parse().unwrap();
        let got = idx.lookup(ip, h, a.vpcs.get("vpc-b"), &a.query_counts()).unwrap();
        assert_eq!(a.names.name(got), "b.example.com");
        let got = idx.lookup(ip, h, a.vpcs.get("vpc-a"), &a.query_counts()).unwrap();
        assert_eq!(a.names.name(got), "a.example.com");
    }

    #[test]
    fn window_filter() {
        let f = TimeFilter {
            since: parse_rfc3339("2026-11-01T00:00:00Z"),
            until: parse_rfc3339("2026-11-02T00:00:00Z"),
        };
        let mut a = DnsAggregator::new(f);
        push(&mut a, &q("x.example.com", "2026-10-31T23:59:59Z", "v", &[]));
        push(&mut a, &q("x.example.com", "2026-11-01T00:00:00Z", "v", &[]));
        push(&mut a, &q("x.example.com", "2026-11-02T00:00:00Z", "v", &[]));
        assert_eq!((a.records(), a.outside_window()), (1, 2));
    }
}
