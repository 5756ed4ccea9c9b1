//! Sample destinations of the traffic outside AWS service APIs: names where
//! the Resolver logs have one, else addresses.

use crate::flow::FlowAggregator;
use crate::resolve::{Dest, Resolver};

use super::ledger::{sat, Ledger};

/// Adds each other-traffic label's sampled destinations, with their bytes.
pub(super) fn collect(flow: &FlowAggregator, resolver: &Resolver, ledger: &mut Ledger<'_>) {
    for (id, resolved) in flow.dests.iter().enumerate() {
        let Dest::Other { label, category, code } = &resolved.dest else {
            continue;
        };
        let Some(acc) = ledger.others.get_mut(&(label.clone(), *category, code.clone())) else {
            continue;
        };
        for (ip, b) in &flow.samples[id] {
            let name = match *category {
                "not-aws" | "aws-resource" => resolver.name_of(*ip, 0).map(str::to_string),
                _ => None,
            };
            let name = name.unwrap_or_else(|| ip.to_string());
            sat(acc.samples.entry(name).or_default(), *b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{egress, flows, query, OTHER_IP};
    use super::super::{legs, nat, AnalysisConfig};
    use super::*;
    use vpce_catalog::Catalog;

    #[test]
    fn destinations_outside_aws_are_named_by_their_dns_answer() {
        let cfg = AnalysisConfig::default();
        let dns = [query("example.com", &[OTHER_IP])];
        let f = flows(
            &cfg,
            &dns,
            &[
                egress("10.0.0.5", OTHER_IP, 10, 1),
                egress("10.0.0.5", "198.51.100.7", 20, 1),
            ],
        );
        let catalog = Catalog::embedded();
        let mut ledger = Ledger::new(&catalog);
        legs::count_public(&f, &nat::gateways(&cfg, &f), &mut ledger);
        collect(&f, &f.resolver, &mut ledger);
        let samples: Vec<(String, u64)> = ledger
            .others
            .values()
            .flat_map(|a| a.samples.iter().map(|(k, v)| (k.clone(), *v)))
            .collect();
        assert!(samples.contains(&("example.com".to_string(), 10)), "{samples:?}");
        assert!(samples.contains(&("198.51.100.7".to_string(), 20)), "{samples:?}");
    }
}
