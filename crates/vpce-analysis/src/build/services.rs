//! The report's lists: services ranked by bytes through NAT, then queries;
//! other traffic ranked by bytes through NAT, then other bytes.

use std::collections::BTreeMap;

use vpce_model::{EndpointType, OtherTraffic, ServiceUsage};

use super::ledger::{OtherAcc, OtherKey, ServiceAcc, ServiceKey};

/// Answers kept per service.
pub(super) const ANSWERS_KEPT: usize = 5;
/// Sample destinations kept per other-traffic label.
pub(super) const SAMPLE_DESTINATIONS_KEPT: usize = 5;

/// The services, ranked, each with its evidence, attribution and notes.
pub(super) fn service_list(services: BTreeMap<ServiceKey, ServiceAcc>) -> Vec<ServiceUsage> {
    let mut list: Vec<ServiceUsage> = services.into_values().filter_map(finish_service).collect();
    list.sort_by(|a, b| {
        b.bytes_via_nat
            .cmp(&a.bytes_via_nat)
            .then(b.query_count.cmp(&a.query_count))
            .then_with(|| a.service.cmp(&b.service))
            .then_with(|| a.region.cmp(&b.region))
    });
    list
}

fn finish_service(acc: ServiceAcc) -> Option<ServiceUsage> {
    let mut u = acc.usage?;
    u.endpoint_exists = !acc.evidence.is_empty();
    u.endpoint_exists_evidence = acc.evidence.into_iter().collect();
    u.attribution = acc.attribution.into_iter().collect();
    u.answers = acc.answers.iter().take(ANSWERS_KEPT).map(|a| a.to_string()).collect();
    u.hostnames
        .sort_by(|a, b| b.query_count.cmp(&a.query_count).then_with(|| a.name.cmp(&b.name)));
    let uncovered: Vec<&str> = u
        .hostnames
        .iter()
        .filter(|h| !h.private_dns_covers && h.query_count > 0)
        .map(|h| h.name.as_str())
        .collect();
    if !uncovered.is_empty() && u.endpoint_types.contains(&EndpointType::Interface) {
        u.notes.push(format!(
            "{} of the queried names are not covered by an interface endpoint's private DNS: {}",
            uncovered.len(),
            uncovered.join(", ")
        ));
    }
    Some(u)
}

/// The traffic outside AWS service APIs, ranked, with its top destinations.
pub(super) fn unattributed(others: BTreeMap<OtherKey, OtherAcc>) -> Vec<OtherTraffic> {
    let mut list: Vec<OtherTraffic> = others
        .into_iter()
        .map(|((label, category, code), acc)| {
            let mut samples: Vec<(String, u64)> = acc.samples.into_iter().collect();
            samples.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            OtherTraffic {
                label,
                category: category.to_string(),
                aws_service_code: code,
                bytes_via_nat: acc.nat,
                bytes_via_endpoint: acc.endpoint,
                bytes_other: acc.other,
                sample_destinations: samples
                    .into_iter()
                    .take(SAMPLE_DESTINATIONS_KEPT)
                    .map(|s| s.0)
                    .collect(),
            }
        })
        .collect();
    list.sort_by(|a, b| {
        (b.bytes_via_nat, b.bytes_other)
            .cmp(&(a.bytes_via_nat, a.bytes_other))
            .then_with(|| a.label.cmp(&b.label))
    });
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use vpce_model::HostnameUsage;

    fn service(name: &str, nat: u64, queries: u64) -> (ServiceKey, ServiceAcc) {
        let mut u = ServiceUsage::empty(name, Some("us-east-1"));
        u.bytes_via_nat = nat;
        u.query_count = queries;
        let acc = ServiceAcc {
            usage: Some(u),
            ..Default::default()
        };
        ((name.to_string(), Some("us-east-1".to_string())), acc)
    }

    #[test]
    fn services_rank_by_nat_bytes_then_queries_then_name() {
        let list = service_list(BTreeMap::from([
            service("a", 1, 9),
            service("b", 5, 0),
            service("c", 1, 10),
            service("d", 1, 10),
        ]));
        let order: Vec<&str> = list.iter().map(|s| s.service.as_str()).collect();
        assert_eq!(order, ["b", "c", "d", "a"]);
    }

    #[test]
    fn evidence_marks_an_endpoint_as_existing_and_uncovered_names_are_noted() {
        let (k, mut acc) = service("sqs", 0, 2);
        acc.evidence.insert("seen".into());
        let u = acc.usage.as_mut().unwrap();
        u.endpoint_types = vec![EndpointType::Interface];
        for (name, covers) in [("sqs.us-east-1.amazonaws.com", true), ("queue.amazonaws.com", false)] {
            u.hostnames.push(HostnameUsage {
                name: name.into(),
                query_count: 1,
                private_dns_covers: covers,
                last_answers: Vec::new(),
                notes: Vec::new(),
            });
        }
        let list = service_list(BTreeMap::from([(k, acc)]));
        assert!(list[0].endpoint_exists);
        assert!(
            list[0]
                .notes
                .iter()
                .any(|n| n.starts_with("1 of the queried names") && n.ends_with("queue.amazonaws.com")),
            "{:?}",
            list[0].notes
        );
    }

    #[test]
    fn other_traffic_keeps_its_largest_destinations() {
        let acc = OtherAcc {
            nat: 1,
            samples: (0..8u64).map(|i| (format!("198.51.100.{i}"), i)).collect(),
            ..Default::default()
        };
        let list = unattributed(BTreeMap::from([(("not-aws".to_string(), "not-aws", None), acc)]));
        assert_eq!(list[0].sample_destinations.len(), SAMPLE_DESTINATIONS_KEPT);
        assert_eq!(list[0].sample_destinations[0], "198.51.100.7");
    }
}
