//! From aggregates to the report: count each byte once, attribute it, rank.
//!
//! [`build_report`] is a sequence of passes, one decision each:
//!
//! | pass | decides |
//! |---|---|
//! | [`nat`] | which private addresses are NAT gateways (given, inferred, or by interface type) |
//! | [`legs`] | which observation point counts a conversation's bytes: the NAT gateway's legs, or the instances' when the gateway's own interface was not logged; inbound records take their conversation's path |
//! | [`ledger`] | every counted byte in exactly one bucket: a service or other destination, and one path total |
//! | [`endpoints`] | interface-endpoint traffic: the clients' side when logged, the endpoint's own interface otherwise; the evidence that an endpoint exists |
//! | [`samples`] | the sample destinations shown for traffic outside AWS service APIs |
//! | [`queries`] | query counts, hostnames and answers per service, and the DNS evidence of endpoints |
//! | [`services`] | the report's service and other-traffic lists, ranked, with their notes |
//! | [`network`] | the network as the logs show it: VPCs, CIDRs, NAT gateways, missing flow-log fields |
//! | [`window`] | the time window the report covers |
//! | [`series`] | NAT bytes per hour per service and direction, from the counted bytes |
//! | [`warnings`] | what the user should know about the inputs' gaps |

use std::net::IpAddr;
use std::sync::Arc;

use vpce_catalog::Catalog;
use vpce_model::{Inputs, ReferenceData, Report, SCHEMA_VERSION};

use crate::dns::DnsAggregator;
use crate::flow::FlowAggregator;
use crate::net::{Cidr, LocalNet};
use crate::resolve::Resolver;
use crate::TimeFilter;

mod endpoints;
mod ledger;
mod legs;
mod nat;
mod network;
mod queries;
mod samples;
mod series;
mod services;
mod warnings;
mod window;

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod identity;

/// What the user told us about the network.
#[derive(Clone, Debug, Default)]
pub struct AnalysisConfig {
    pub vpc_cidrs: Vec<Cidr>,
    pub nat_ips: Vec<IpAddr>,
    pub nat_enis: Vec<String>,
    pub filter: TimeFilter,
    /// Region for names whose queries carry none.
    pub default_region: Option<String>,
    /// Where `vpc_cidrs` came from, for the report (default: "given").
    pub vpc_cidrs_source: Option<String>,
    /// Where `nat_ips` and `nat_enis` came from (default: "given").
    pub nat_source: Option<String>,
    /// Name written into the report's `generator` field.
    pub generator: String,
}

impl AnalysisConfig {
    /// The address classifier for this configuration.
    pub fn local_net(&self) -> LocalNet {
        LocalNet::new(self.vpc_cidrs.clone())
    }

    /// The flow aggregator for this configuration: its VPC CIDRs, window and
    /// the NAT gateways it names.
    pub fn flow_aggregator(&self, resolver: Arc<Resolver>) -> FlowAggregator {
        FlowAggregator::new(self.local_net(), self.filter, resolver).with_given_nat(&self.nat_ips, &self.nat_enis)
    }
}

/// The reference data a report is built with.
pub struct Reference<'a> {
    pub catalog: &'a Catalog,
    /// Built from the same Resolver-log aggregate the report is built from.
    pub resolver: &'a Resolver,
}

/// Builds the report from merged aggregates.
pub fn build_report(
    dns: &DnsAggregator,
    flow: &FlowAggregator,
    inputs: Inputs,
    cfg: &AnalysisConfig,
    reference: &Reference<'_>,
) -> Report {
    let (catalog, resolver) = (reference.catalog, reference.resolver);
    let net = cfg.local_net();
    let strays = window::strays(cfg.filter, flow);
    let flow = strays.as_ref().map_or(flow, |(f, _)| f);
    let strays = strays.as_ref().map(|(_, s)| s);

    let nat = nat::gateways(cfg, flow);
    let mut ledger = ledger::Ledger::new(catalog);
    let mut legs = legs::count_public(flow, &nat, &mut ledger);
    samples::collect(flow, resolver, &mut ledger);
    endpoints::count(flow, resolver, &mut ledger);
    queries::count(dns, resolver, &net, &mut ledger);
    ledger.note_not_public(flow);
    let ledger::Ledger {
        services,
        others,
        totals,
        ..
    } = ledger;
    let mut warnings = warnings::warnings(dns, flow, cfg, nat.is_empty(), &totals);
    warnings.extend(strays.map(window::stray_warning));
    warnings.extend(window::dns_beyond_warning(cfg.filter, dns, flow));
    let window = window::window(cfg.filter, dns, flow);
    let series = series::series(&window, flow, &std::mem::take(&mut legs.nat_hours));
    let network = network::facts(dns, flow, cfg, &net, nat, legs);

    Report {
        schema_version: SCHEMA_VERSION,
        generator: cfg.generator.clone(),
        window,
        inputs,
        reference_data: ReferenceData {
            catalog_as_of: catalog.as_of().to_string(),
            catalog_source: catalog.source().to_string(),
            ip_ranges_as_of: resolver.ranges().as_of().to_string(),
            ip_ranges_source: resolver.ranges().source().to_string(),
        },
        network,
        totals,
        services: services::service_list(services),
        unattributed: services::unattributed(others),
        pricing: None,
        costs: None,
        warnings,
        live: None,
        series,
    }
}
