//! Naming a destination address: the DNS answer nearest in time from the same
//! VPC, else the service code of the address: the flow log's own
//! `pkt-dst-aws-service` (AWS wrote it when the packet passed, so it is newer
//! than any snapshot), unless it is the catch-all `AMAZON` and the IP ranges
//! snapshot names a more specific service; the Region comes from the snapshot
//! when it agrees on the code, else from the VPC.
//!
//! Names are classified in the Region of the VPC that asked: a name whose
//! meaning depends on that Region (`sts.amazonaws.com`) is classified once
//! per Region seen in the logs, and each flow uses its own VPC's Region. The
//! legacy global S3 names take their Region from the answers.
//!
//! The resolver is built once from the Resolver-log aggregate, before flow logs
//! are read, so the flow pass can key its counters by destination (a service or
//! a label) instead of by address and hour. That keeps memory bounded by the
//! number of services, not by the days of logs or the churn of S3 addresses.

use std::collections::BTreeSet;
use std::net::IpAddr;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use vpce_catalog::{Catalog, Classification, IpRanges, Kind};

use crate::dns::{DnsAggregator, DnsIndex};
use crate::intern::Interner;
use crate::net::is_private;

/// Where traffic went, as the report groups it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dest {
    /// An AWS service API in a Region.
    Service { service: String, region: Option<String> },
    /// Everything else, under a label.
    Other {
        label: String,
        /// `aws-unattributed`, `aws-resource`, `not-aws` or `unknown`.
        category: &'static str,
        code: Option<String>,
    },
}

/// A destination and how it was found: `dns`, `ip-range` or `none`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Resolved {
    pub dest: Dest,
    pub how: &'static str,
    /// The name used is one an interface endpoint's private DNS does not cover.
    pub not_covered: bool,
}

/// Everything needed to name a destination address.
#[derive(Clone, Debug, Default)]
pub struct Resolver {
    names: Interner,
    queries: Vec<u64>,
    classes: Vec<Classification>,
    index: DnsIndex,
    dns_vpcs: Interner,
    ranges: IpRanges,
    default_region: Option<String>,
    endpoint_ips: HashSet<IpAddr>,
    /// Names whose classification depends on the asking VPC's Region, per Region.
    regional: HashMap<(u32, String), Classification>,
    /// The Region of each DNS VPC id, from its records.
    dns_vpc_regions: Vec<Option<String>>,
}

/// The ip-ranges service code of a service a gateway endpoint carries by range.
fn range_code(service: &str) -> Option<&'static str> {
    match service {
        "s3" => Some("S3"),
        "dynamodb" => Some("DYNAMODB"),
        _ => None,
    }
}

impl Resolver {
    /// Classifies every queried name once (in the Region of the VPC that asked)
    /// and indexes the answers.
    pub fn new(dns: &DnsAggregator, catalog: &Catalog, ranges: IpRanges, default_region: Option<String>) -> Resolver {
        let region_of = |vpc: Option<u32>| -> Option<String> {
            vpc.and_then(|v| dns.vpc_meta.get(v as usize))
                .and_then(|m| m.region.clone())
                .or_else(|| default_region.clone())
        };
        let mut classes: Vec<Classification> = (0..dns.names.len() as u32)
            .map(|id| catalog.classify(dns.names.name(id), region_of(dns.stats[id as usize].vpc).as_deref()))
            .collect();
        // Names whose Region the answer decides: the CNAMEs and addresses of
        // the last answer, then every address answered for them.
        let mut answered: HashMap<u32, Vec<String>> = HashMap::default();
        for &(ip, _, name) in dns.observations.keys() {
            if classes[name as usize].region_from_answer {
                answered.entry(name).or_default().push(ip.to_string());
            }
        }
        for (id, c) in classes.iter_mut().enumerate() {
            if c.region_from_answer {
                let mut answers = dns.stats[id].last_answers.clone();
                if let Some(more) = answered.get_mut(&(id as u32)) {
                    more.sort_unstable();
                    answers.append(more);
                }
                *c = catalog.refine_by_answers(c, &answers, &ranges);
            }
        }
        let regions: BTreeSet<String> = dns
            .vpc_meta
            .iter()
            .filter_map(|m| m.region.clone())
            .chain(default_region.clone())
            .collect();
        let mut regional = HashMap::default();
        for (id, c) in classes.iter().enumerate() {
            if c.context_dependent {
                for r in &regions {
                    regional.insert(
                        (id as u32, r.clone()),
                        catalog.classify(dns.names.name(id as u32), Some(r)),
                    );
                }
            }
        }
        let endpoint_ips = dns
            .observations
            .keys()
            .filter(|o| is_private(o.0) && matches!(classes[o.2 as usize].kind, Kind::Service | Kind::EndpointDns))
            .map(|o| o.0)
            .collect();
        Resolver {
            names: dns.names.clone(),
            queries: dns.stats.iter().map(|s| s.queries).collect(),
            classes,
            index: dns.index(),
            dns_vpcs: dns.vpcs.clone(),
            ranges,
            default_region,
            endpoint_ips,
            regional,
            dns_vpc_regions: dns.vpc_meta.iter().map(|m| m.region.clone()).collect(),
        }
    }

    /// The AWS IP ranges in use.
    pub fn ranges(&self) -> &IpRanges {
        &self.ranges
    }

    /// The classification of each queried name, by name id.
    pub fn classes(&self) -> &[Classification] {
        &self.classes
    }

    /// Whether Resolver logs answered `ip`, a private address, for an AWS
    /// service name: an interface endpoint.
    pub fn is_endpoint(&self, ip: IpAddr) -> bool {
        self.endpoint_ips.contains(&ip)
    }

    /// The name `ip` answered for nearest to `hour`, any VPC.
    pub fn name_of(&self, ip: IpAddr, hour: i64) -> Option<&str> {
        self.index
            .lookup(ip, hour, None, &self.queries)
            .map(|n| self.names.name(n))
    }

    /// The classification of name `id` as asked from a VPC in `region`.
    pub fn class_in(&self, id: u32, region: Option<&str>) -> &Classification {
        region
            .and_then(|r| self.regional.get(&(id, r.to_string())))
            .unwrap_or(&self.classes[id as usize])
    }

    /// Names `remote` as seen from `vpc` at `hour`. `region` is the VPC's
    /// Region (it decides what Region-dependent names mean, and the Region of
    /// addresses the ranges list as GLOBAL); `pkt_code` the flow log's
    /// `pkt-dst-aws-service`/`pkt-src-aws-service` for the address.
    pub fn resolve(
        &self,
        remote: IpAddr,
        hour: i64,
        vpc: Option<&str>,
        region: Option<&str>,
        pkt_code: Option<&str>,
    ) -> Resolved {
        let dns_vpc = vpc.and_then(|v| self.dns_vpcs.get(v));
        if let Some(name) = self.index.lookup(remote, hour, dns_vpc, &self.queries) {
            let ctx = region.map(str::to_string).or_else(|| {
                dns_vpc
                    .and_then(|v| self.dns_vpc_regions.get(v as usize).cloned().flatten())
                    .or_else(|| self.default_region.clone())
            });
            let c = self.class_in(name, ctx.as_deref());
            let not_covered = c.kind == Kind::Service && !c.private_dns_covers;
            let dest = match (c.kind, &c.service) {
                (Kind::Service | Kind::EndpointDns, Some(s)) => Dest::Service {
                    service: s.clone(),
                    // A legacy global S3 name: this address's own range says
                    // which Region served it.
                    region: match range_code(s) {
                        Some(code) if c.region_from_answer => self
                            .ranges
                            .lookup(remote)
                            .filter(|m| m.service == code && m.region != "GLOBAL")
                            .map(|m| m.region.to_string())
                            .or_else(|| c.region.clone()),
                        _ => c.region.clone(),
                    },
                },
                (Kind::Resource, s) => Dest::Other {
                    label: format!("AWS resource ({})", s.as_deref().unwrap_or("unknown")),
                    category: "aws-resource",
                    code: None,
                },
                _ => Dest::Other {
                    label: "not AWS".into(),
                    category: "not-aws",
                    code: None,
                },
            };
            return Resolved {
                dest,
                how: "dns",
                not_covered,
            };
        }
        let range = self.ranges.lookup(remote);
        let code = match (pkt_code.filter(|c| !c.is_empty() && *c != "-"), &range) {
            (Some("AMAZON"), Some(m)) if m.service != "AMAZON" => Some(m.service),
            (Some(c), _) => Some(c),
            (None, m) => m.as_ref().map(|m| m.service),
        };
        let region = range
            .as_ref()
            .filter(|m| Some(m.service) == code || m.service == "AMAZON")
            .map(|m| m.region)
            .filter(|r| *r != "GLOBAL")
            .or(region)
            .map(str::to_string)
            .or_else(|| self.default_region.clone());
        let dest = match code {
            Some("S3") => Dest::Service {
                service: "s3".into(),
                region,
            },
            Some("DYNAMODB") => Dest::Service {
                service: "dynamodb".into(),
                region,
            },
            Some(code) => Dest::Other {
                label: format!("AWS, unattributed ({code} range)"),
                category: "aws-unattributed",
                code: Some(code.to_string()),
            },
            None => {
                return Resolved {
                    dest: Dest::Other {
                        label: "unknown (no DNS answer, outside AWS ranges)".into(),
                        category: "unknown",
                        code: None,
                    },
                    how: "none",
                    not_covered: false,
                }
            }
        };
        Resolved {
            dest,
            how: "ip-range",
            not_covered: false,
        }
    }
}
