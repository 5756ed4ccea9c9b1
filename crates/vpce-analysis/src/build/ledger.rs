//! The byte ledger: every counted byte lands in exactly one destination
//! bucket (a service in a Region, or an other-traffic label) and in at most
//! one path total.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use vpce_catalog::Catalog;
use vpce_model::{ServiceUsage, Totals};

use crate::flow::{Counters, FlowAggregator};
use crate::resolve::{Dest, Resolved};

/// How a counted byte left the VPC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PathClass {
    /// Counted on the NAT gateway's own interface.
    Nat,
    /// Counted on the instance's interface, through a NAT gateway.
    NatInstanceSide,
    GatewayEndpoint,
    InternetGateway,
    OtherPath,
    Unknown,
}

impl PathClass {
    /// The class of an outbound record's `traffic-path` (0: not logged).
    pub(super) fn of_traffic_path(path: u8) -> PathClass {
        match path {
            7 => PathClass::GatewayEndpoint,
            2 | 8 => PathClass::InternetGateway,
            1 => PathClass::NatInstanceSide,
            3..=6 => PathClass::OtherPath,
            _ => PathClass::Unknown,
        }
    }

    pub(super) fn through_nat(self) -> bool {
        matches!(self, PathClass::Nat | PathClass::NatInstanceSide)
    }
}

/// A service's usage as it is being collected.
#[derive(Default)]
pub(super) struct ServiceAcc {
    pub(super) usage: Option<ServiceUsage>,
    /// Why the report believes an endpoint for the service exists.
    pub(super) evidence: BTreeSet<String>,
    /// How its traffic was attributed (`dns`, `ip-range`, …).
    pub(super) attribution: BTreeSet<String>,
    pub(super) answers: BTreeSet<IpAddr>,
}

/// Other traffic under one label as it is being collected.
#[derive(Default)]
pub(super) struct OtherAcc {
    pub(super) nat: u64,
    pub(super) endpoint: u64,
    pub(super) other: u64,
    pub(super) samples: BTreeMap<String, u64>,
}

/// A service in a Region.
pub(super) type ServiceKey = (String, Option<String>);
/// Other traffic: label, category, AWS service code.
pub(super) type OtherKey = (String, &'static str, Option<String>);

/// The destination buckets and path totals.
pub(super) struct Ledger<'a> {
    catalog: &'a Catalog,
    pub(super) services: BTreeMap<ServiceKey, ServiceAcc>,
    pub(super) others: BTreeMap<OtherKey, OtherAcc>,
    pub(super) totals: Totals,
}

impl<'a> Ledger<'a> {
    pub(super) fn new(catalog: &'a Catalog) -> Self {
        Ledger {
            catalog,
            services: BTreeMap::new(),
            others: BTreeMap::new(),
            totals: Totals::default(),
        }
    }

    /// The accumulator of a service, created with its catalogue facts.
    pub(super) fn service(&mut self, service: &str, region: Option<&str>) -> (&mut ServiceAcc, &mut Totals) {
        let catalog = self.catalog;
        let acc = self
            .services
            .entry((service.to_string(), region.map(str::to_string)))
            .or_default();
        acc.usage.get_or_insert_with(|| empty_usage(catalog, service, region));
        (acc, &mut self.totals)
    }

    /// Counts `c`'s bytes to `resolved` by `class`.
    pub(super) fn add(&mut self, resolved: &Resolved, class: PathClass, c: &Counters) {
        let b = c.bytes;
        let t = &mut self.totals;
        match class {
            PathClass::Nat | PathClass::NatInstanceSide => sat(&mut t.bytes_via_nat, b),
            PathClass::GatewayEndpoint => sat(&mut t.bytes_via_endpoint, b),
            PathClass::InternetGateway => sat(&mut t.bytes_via_internet_gateway, b),
            PathClass::Unknown => sat(&mut t.bytes_unknown_path, b),
            PathClass::OtherPath => sat(&mut t.bytes_via_other_path, b),
        }
        match &resolved.dest {
            Dest::Service { service, region } => self.add_service(service, region.as_deref(), resolved, class, b),
            Dest::Other { label, category, code } => {
                let acc = self.others.entry((label.clone(), *category, code.clone())).or_default();
                match class {
                    _ if class.through_nat() => {
                        sat(&mut acc.nat, b);
                        if *category == "aws-unattributed" || *category == "aws-resource" {
                            sat(&mut self.totals.bytes_via_nat_to_aws_unattributed, b);
                        } else {
                            sat(&mut self.totals.bytes_via_nat_not_aws, b);
                        }
                    }
                    PathClass::GatewayEndpoint => sat(&mut acc.endpoint, b),
                    _ => sat(&mut acc.other, b),
                }
            }
        }
    }

    /// Notes the bytes read and those that were not between the VPC and a
    /// public address, which complete the byte identity: read = NAT +
    /// endpoint + internet gateway + other path + unknown path +
    /// deduplicated + internal.
    pub(super) fn note_not_public(&mut self, flow: &FlowAggregator) {
        self.totals.bytes_read = flow.bytes_read;
        sat(&mut self.totals.bytes_internal, flow.internal_bytes);
    }

    fn add_service(&mut self, service: &str, region: Option<&str>, resolved: &Resolved, class: PathClass, b: u64) {
        let (acc, totals) = self.service(service, region);
        acc.attribution.insert(resolved.how.to_string());
        let Some(u) = acc.usage.as_mut() else { return };
        match class {
            PathClass::Nat | PathClass::NatInstanceSide => {
                sat(&mut u.bytes_via_nat, b);
                if resolved.not_covered {
                    sat(&mut u.bytes_via_nat_not_covered, b);
                }
                sat(&mut totals.bytes_via_nat_to_aws_services, b);
            }
            PathClass::GatewayEndpoint => {
                sat(&mut u.bytes_via_endpoint, b);
                acc.evidence.insert(GATEWAY_PATH_EVIDENCE.into());
            }
            PathClass::InternetGateway => {
                sat(&mut u.bytes_other, b);
                sat(&mut u.bytes_other_breakdown.internet_gateway, b);
            }
            PathClass::OtherPath => {
                sat(&mut u.bytes_other, b);
                sat(&mut u.bytes_other_breakdown.other_path, b);
            }
            PathClass::Unknown => {
                sat(&mut u.bytes_other, b);
                sat(&mut u.bytes_other_breakdown.unknown_path, b);
            }
        }
    }
}

/// Adds to a byte or count sum; sums saturate instead of wrapping, so a
/// flood of hostile records cannot turn a large total into a small one.
pub(super) fn sat(sum: &mut u64, add: u64) {
    *sum = sum.saturating_add(add);
}

/// The evidence of a gateway endpoint that `traffic-path` gives.
pub(super) const GATEWAY_PATH_EVIDENCE: &str = "flow logs show traffic-path 7 (through a gateway endpoint)";

/// A service's usage with nothing counted yet: its catalogue facts.
fn empty_usage(catalog: &Catalog, service: &str, region: Option<&str>) -> ServiceUsage {
    let entry = catalog.service(service);
    let esn = catalog.endpoint_service_name(service, region);
    ServiceUsage {
        endpoint_supported: esn.is_some(),
        endpoint_service_name: esn,
        endpoint_types: entry.map(|e| e.types.clone()).unwrap_or_default(),
        endpoint_policy_supported: entry.and_then(|e| e.policy),
        endpoint_cross_region: entry.is_some_and(|e| e.cross_region),
        notes: entry.map(|e| e.notes.clone()).unwrap_or_default(),
        ..ServiceUsage::empty(service, region)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqs() -> Resolved {
        Resolved {
            dest: Dest::Service {
                service: "sqs".into(),
                region: Some("us-east-1".into()),
            },
            how: "dns",
            not_covered: false,
        }
    }

    fn other(category: &'static str) -> Resolved {
        Resolved {
            dest: Dest::Other {
                label: category.into(),
                category,
                code: None,
            },
            how: "none",
            not_covered: false,
        }
    }

    fn bytes(b: u64) -> Counters {
        Counters {
            bytes: b,
            packets: 1,
            records: 1,
        }
    }

    #[test]
    fn every_byte_lands_in_one_destination_bucket_and_one_path_total() {
        let catalog = Catalog::embedded();
        let mut l = Ledger::new(&catalog);
        let classes = [
            PathClass::Nat,
            PathClass::NatInstanceSide,
            PathClass::GatewayEndpoint,
            PathClass::InternetGateway,
            PathClass::OtherPath,
            PathClass::Unknown,
        ];
        let dests = [sqs(), other("not-aws"), other("aws-unattributed")];
        let mut sent = 0;
        for (i, class) in classes.iter().enumerate() {
            for (j, d) in dests.iter().enumerate() {
                let b = 1 << (i * 3 + j);
                l.add(d, *class, &bytes(b));
                sent += b;
            }
        }
        let in_services: u64 = l
            .services
            .values()
            .filter_map(|a| a.usage.as_ref())
            .map(|u| u.bytes_via_nat + u.bytes_via_endpoint + u.bytes_other)
            .sum();
        let in_others: u64 = l.others.values().map(|a| a.nat + a.endpoint + a.other).sum();
        assert_eq!(in_services + in_others, sent);
        let t = &l.totals;
        assert_eq!(
            t.bytes_via_nat,
            t.bytes_via_nat_to_aws_services + t.bytes_via_nat_not_aws + t.bytes_via_nat_to_aws_unattributed
        );
        let other_path: u64 = (0..3).map(|j| 1u64 << (4 * 3 + j)).sum();
        assert_eq!(
            t.bytes_via_nat + t.bytes_via_endpoint + t.bytes_via_internet_gateway + t.bytes_unknown_path + other_path,
            sent
        );
    }

    #[test]
    fn sums_saturate_instead_of_wrapping() {
        let catalog = Catalog::embedded();
        let mut l = Ledger::new(&catalog);
        for _ in 0..3 {
            l.add(&sqs(), PathClass::Nat, &bytes(u64::MAX / 2));
        }
        assert_eq!(l.totals.bytes_via_nat, u64::MAX);
        let u = l.services.values().next().and_then(|a| a.usage.as_ref()).unwrap();
        assert_eq!(u.bytes_via_nat, u64::MAX);
    }

    #[test]
    fn names_outside_private_dns_are_counted_as_not_covered() {
        let catalog = Catalog::embedded();
        let mut l = Ledger::new(&catalog);
        let mut r = sqs();
        r.not_covered = true;
        l.add(&r, PathClass::Nat, &bytes(7));
        l.add(&sqs(), PathClass::Nat, &bytes(5));
        let u = l.services.values().next().and_then(|a| a.usage.as_ref()).unwrap();
        assert_eq!((u.bytes_via_nat, u.bytes_via_nat_not_covered), (12, 7));
    }

    #[test]
    fn traffic_path_seven_is_evidence_of_a_gateway_endpoint() {
        let catalog = Catalog::embedded();
        let mut l = Ledger::new(&catalog);
        l.add(&sqs(), PathClass::GatewayEndpoint, &bytes(1));
        let acc = l.services.values().next().unwrap();
        assert!(acc.evidence.contains(GATEWAY_PATH_EVIDENCE));
        assert_eq!(PathClass::of_traffic_path(7), PathClass::GatewayEndpoint);
        assert_eq!(PathClass::of_traffic_path(0), PathClass::Unknown);
    }
}
