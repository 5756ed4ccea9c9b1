//! Interface-endpoint traffic: the clients' side counts when it was logged,
//! the endpoint's own interface otherwise (never both); traffic to an
//! endpoint's address is evidence that the endpoint exists.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::ledger::{sat, Ledger, PathClass, GATEWAY_PATH_EVIDENCE};
use crate::flow::{Counters, FlowAggregator};
use crate::resolve::{Dest, Resolver};

/// Both sides of the traffic to one endpoint address in one VPC.
#[derive(Debug, Default)]
struct Sides {
    client: Counters,
    endpoint: Counters,
    /// The latest hour with traffic: the time the address is named at.
    hour: i64,
}

impl Sides {
    /// The counters that count, and the bytes that duplicate them.
    fn counted(self) -> (Counters, u64) {
        if self.client.bytes > 0 {
            (self.client, self.endpoint.bytes)
        } else {
            (self.endpoint, 0)
        }
    }
}

/// Counts the traffic to interface endpoints' addresses into `ledger`.
pub(super) fn count(flow: &FlowAggregator, resolver: &Resolver, ledger: &mut Ledger<'_>) {
    for ((vpc, ep), sides) in sides(flow) {
        let hour = sides.hour;
        let (counted, dup) = sides.counted();
        sat(&mut ledger.totals.bytes_deduplicated, dup);
        let vpc_name = (vpc != u32::MAX).then(|| flow.vpcs.name(vpc));
        let vpc_region = flow.vpc_regions.get(&vpc).map(|r| flow.strings.name(*r));
        let resolved = resolver.resolve(ep, hour, vpc_name, vpc_region, None);
        ledger.add(&resolved, PathClass::GatewayEndpoint, &counted);
        if let Dest::Service { service, region } = &resolved.dest {
            if let Some(acc) = ledger.services.get_mut(&(service.clone(), region.clone())) {
                // The address is more specific evidence than the path.
                acc.evidence.remove(GATEWAY_PATH_EVIDENCE);
                acc.evidence
                    .insert(format!("flow logs show traffic to the endpoint address {ep}"));
            }
        }
    }
}

/// The traffic to each (VPC, endpoint address), by the side that logged it.
fn sides(flow: &FlowAggregator) -> BTreeMap<(u32, IpAddr), Sides> {
    let mut by_endpoint: BTreeMap<(u32, IpAddr), Sides> = BTreeMap::new();
    for (k, e) in &flow.endpoint {
        let own = flow.eni_own.get(&k.eni).and_then(|o| o.known());
        let entry = by_endpoint.entry((k.vpc, k.endpoint)).or_insert(Sides {
            hour: e.hour,
            ..Sides::default()
        });
        let side = if own == Some(k.endpoint) {
            &mut entry.endpoint
        } else {
            &mut entry.client
        };
        sat(&mut side.bytes, e.counters.bytes);
        sat(&mut side.packets, e.counters.packets);
        sat(&mut side.records, e.counters.records);
        entry.hour = entry.hour.max(e.hour);
    }
    by_endpoint
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{flows, query, record};
    use super::super::AnalysisConfig;
    use super::*;
    use vpce_catalog::Catalog;

    const EP: &str = "10.0.1.20";

    fn count_lines(lines: &[String]) -> (u64, u64, Vec<String>) {
        let cfg = AnalysisConfig::default();
        let dns = [query("sqs.us-east-1.amazonaws.com", &[EP])];
        let f = flows(&cfg, &dns, lines);
        let catalog = Catalog::embedded();
        let mut ledger = Ledger::new(&catalog);
        count(&f, &f.resolver, &mut ledger);
        let acc = ledger.services.values().next().expect("sqs counted");
        let u = acc.usage.as_ref().unwrap();
        (
            u.bytes_via_endpoint,
            ledger.totals.bytes_deduplicated,
            acc.evidence.iter().cloned().collect(),
        )
    }

    #[test]
    fn the_clients_side_counts_and_the_endpoints_side_is_a_duplicate() {
        let lines = [
            record("eni-app", "10.0.0.5", EP, "10.0.0.5", EP, 300, "egress", "-"),
            record("eni-ep", "10.0.0.5", EP, "10.0.0.5", EP, 300, "ingress", "-"),
        ];
        let (via_endpoint, dup, evidence) = count_lines(&lines);
        assert_eq!((via_endpoint, dup), (300, 300));
        assert_eq!(
            evidence,
            [format!("flow logs show traffic to the endpoint address {EP}")]
        );
    }

    #[test]
    fn the_endpoints_own_interface_counts_when_the_clients_were_not_logged() {
        let lines = [record("eni-ep", "10.0.0.5", EP, "10.0.0.5", EP, 300, "ingress", "-")];
        let (via_endpoint, dup, _) = count_lines(&lines);
        assert_eq!((via_endpoint, dup), (300, 0));
    }
}
