//! Queries: every AWS service name queried, whether or not flows matched it,
//! with its counts and answers, and the DNS evidence that an endpoint exists.

use std::collections::BTreeSet;
use std::net::IpAddr;

use rustc_hash::FxHashMap as HashMap;
use vpce_catalog::{Classification, Kind};
use vpce_model::HostnameUsage;

use super::ledger::{sat, Ledger, ServiceAcc};
use crate::dns::DnsAggregator;
use crate::net::{is_private, LocalNet};
use crate::resolve::Resolver;

/// Private answers quoted as evidence per name.
pub(super) const PRIVATE_ANSWERS_QUOTED: usize = 3;

/// The answers of each queried name, private and public apart.
#[derive(Default)]
struct Answers {
    private: HashMap<u32, BTreeSet<IpAddr>>,
    public: HashMap<u32, BTreeSet<IpAddr>>,
}

impl Answers {
    fn of(dns: &DnsAggregator) -> Self {
        let mut a = Answers::default();
        for &(ip, _, name) in dns.observations.keys() {
            let set = if is_private(ip) { &mut a.private } else { &mut a.public };
            set.entry(name).or_default().insert(ip);
        }
        a
    }
}

/// Counts the queries of every service name into `ledger`.
pub(super) fn count(dns: &DnsAggregator, resolver: &Resolver, net: &LocalNet, ledger: &mut Ledger<'_>) {
    let answers = Answers::of(dns);
    ledger.totals.query_count = dns.records;
    for (id, c) in resolver.classes().iter().enumerate() {
        let id = id as u32;
        let (Kind::Service | Kind::EndpointDns, Some(service)) = (c.kind, &c.service) else {
            continue;
        };
        let st = &dns.stats[id as usize];
        let (acc, totals) = ledger.service(service, c.region.as_deref());
        sat(&mut totals.query_count_aws_services, st.queries);
        if let Some(u) = acc.usage.as_mut() {
            sat(&mut u.query_count, st.queries);
            u.hostnames.push(HostnameUsage {
                name: c.hostname.clone(),
                query_count: st.queries,
                private_dns_covers: c.private_dns_covers,
                last_answers: st.last_answers.clone(),
                notes: c.notes.iter().filter(|n| !u.notes.contains(n)).cloned().collect(),
            });
        }
        if c.kind == Kind::EndpointDns {
            acc.evidence
                .insert(format!("clients query the endpoint's own DNS name {}", c.hostname));
        }
        if let Some(ips) = answers.private.get(&id) {
            private_answer_evidence(acc, c, ips, net);
            acc.answers.extend(ips.iter().copied());
        }
        if let Some(ips) = answers.public.get(&id) {
            acc.answers.extend(ips.iter().copied());
        }
        acc.attribution.insert("dns".into());
    }
}

/// A private answer is an interface endpoint: in the VPC with private DNS,
/// outside its CIDRs a shared or centralised one.
fn private_answer_evidence(acc: &mut ServiceAcc, c: &Classification, ips: &BTreeSet<IpAddr>, net: &LocalNet) {
    for ip in ips.iter().take(PRIVATE_ANSWERS_QUOTED) {
        let inside = net.cidrs().is_empty() || net.is_local(*ip);
        acc.evidence.insert(if inside {
            format!(
                "{} resolves to {ip}, a private address in the VPC (an interface endpoint with private DNS)",
                c.hostname
            )
        } else {
            format!(
                "{} resolves to {ip}, a private address outside the VPC CIDRs (a shared or centralised endpoint)",
                c.hostname
            )
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{query, resolver};
    use super::super::AnalysisConfig;
    use super::*;
    use vpce_catalog::Catalog;

    fn evidence(cidrs: &[&str], answers: &[&str]) -> Vec<String> {
        let cfg = AnalysisConfig {
            vpc_cidrs: cidrs.iter().map(|c| c.parse().unwrap()).collect(),
            ..Default::default()
        };
        let (dns, resolver) = resolver(&cfg, &[query("sqs.us-east-1.amazonaws.com", answers)]);
        let catalog = Catalog::embedded();
        let mut ledger = Ledger::new(&catalog);
        count(&dns, &resolver, &cfg.local_net(), &mut ledger);
        let acc = &ledger.services[&("sqs".to_string(), Some("us-east-1".to_string()))];
        assert_eq!(acc.usage.as_ref().unwrap().query_count, 1);
        acc.evidence.iter().cloned().collect()
    }

    #[test]
    fn a_private_answer_in_the_vpc_is_an_endpoint_with_private_dns() {
        let e = evidence(&["10.0.0.0/16"], &["10.0.1.20"]);
        assert_eq!(e.len(), 1);
        assert!(e[0].contains("a private address in the VPC"), "{e:?}");
    }

    #[test]
    fn a_private_answer_outside_the_vpc_is_a_shared_endpoint() {
        let e = evidence(&["10.0.0.0/16"], &["10.9.1.20"]);
        assert!(e[0].contains("outside the VPC CIDRs"), "{e:?}");
    }

    #[test]
    fn public_answers_are_no_evidence_and_private_ones_are_quoted_up_to_the_cap() {
        assert!(evidence(&[], &["52.94.0.10"]).is_empty());
        let many = ["10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.4"];
        assert_eq!(evidence(&[], &many).len(), PRIVATE_ANSWERS_QUOTED);
    }
}
