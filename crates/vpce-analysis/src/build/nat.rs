//! Which private addresses are NAT gateways: given (`--nat-ip`, `--nat-eni`,
//! or the live inventory), or inferred from the logs.

use std::collections::BTreeMap;
use std::net::IpAddr;

use vpce_model::NatGateway;

use super::AnalysisConfig;
use crate::flow::FlowAggregator;

/// The NAT gateways by private address: the given ones first, then those the
/// logs show (translated legs, or the `nat_gateway` interface type).
pub(super) fn gateways(cfg: &AnalysisConfig, flow: &FlowAggregator) -> BTreeMap<IpAddr, NatGateway> {
    let source = cfg.nat_source.as_deref().unwrap_or("given");
    let gateway = |ip: IpAddr, interface_id: Option<String>| NatGateway {
        private_ip: ip.to_string(),
        interface_id,
        source: source.to_string(),
    };
    let mut nat: BTreeMap<IpAddr, NatGateway> = cfg.nat_ips.iter().map(|ip| (*ip, gateway(*ip, None))).collect();
    for eni_name in &cfg.nat_enis {
        for ip in addresses_of_interface(flow, eni_name) {
            nat.insert(ip, gateway(ip, Some(eni_name.clone())));
        }
    }
    for (ip, ev) in &flow.nat {
        let interface_id = ev.eni.map(|e| flow.enis.name(e).to_string());
        nat.entry(*ip)
            .and_modify(|g| {
                if g.interface_id.is_none() {
                    g.interface_id = interface_id.clone();
                }
            })
            .or_insert(NatGateway {
                private_ip: ip.to_string(),
                interface_id,
                source: if ev.translated_records > 0 {
                    "inferred"
                } else {
                    "interface-type"
                }
                .into(),
            });
    }
    nat
}

/// The private address a given interface owns (certain from its records), or
/// every local address logged on it.
fn addresses_of_interface(flow: &FlowAggregator, eni_name: &str) -> Vec<IpAddr> {
    let Some(eni) = flow.enis.get(eni_name) else {
        return Vec::new();
    };
    let own: Vec<IpAddr> = flow.eni_own.get(&eni).and_then(|o| o.known()).into_iter().collect();
    if !own.is_empty() {
        return own;
    }
    flow.locals
        .iter()
        .filter(|(_, i)| i.eni == Some(eni))
        .map(|(ip, _)| *ip)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{flows, nat_leg, SERVICE_IP};
    use super::*;

    #[test]
    fn given_addresses_are_gateways_named_by_their_source() {
        let cfg = AnalysisConfig {
            nat_ips: vec!["10.0.0.9".parse().unwrap()],
            nat_source: Some("live".into()),
            ..Default::default()
        };
        let nat = gateways(&cfg, &flows(&cfg, &[], &[]));
        let g = &nat[&"10.0.0.9".parse::<IpAddr>().unwrap()];
        assert_eq!((g.source.as_str(), g.interface_id.as_deref()), ("live", None));
    }

    #[test]
    fn translated_legs_infer_a_gateway_and_its_interface() {
        let cfg = AnalysisConfig::default();
        let f = flows(&cfg, &[], &nat_leg("10.0.0.5", "10.0.0.9", SERVICE_IP, 100));
        let nat = gateways(&cfg, &f);
        let g = &nat[&"10.0.0.9".parse::<IpAddr>().unwrap()];
        assert_eq!(g.source, "inferred");
        assert_eq!(g.interface_id.as_deref(), Some("eni-nat"));
    }

    #[test]
    fn a_given_interface_names_the_address_it_owns() {
        let cfg = AnalysisConfig {
            nat_enis: vec!["eni-nat".into()],
            ..Default::default()
        };
        let f = flows(&cfg, &[], &nat_leg("10.0.0.5", "10.0.0.9", SERVICE_IP, 100));
        let nat = gateways(&cfg, &f);
        let g = &nat[&"10.0.0.9".parse::<IpAddr>().unwrap()];
        assert_eq!(
            (g.source.as_str(), g.interface_id.as_deref()),
            ("given", Some("eni-nat"))
        );
        assert_eq!(nat.len(), 1, "{nat:?}");
    }
}
