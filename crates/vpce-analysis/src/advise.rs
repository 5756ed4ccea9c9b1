//! Costs and recommendations: what each endpoint would save, and what to create.
//!
//! Works on a finished report (from `analyze`, or read back from JSON), so the
//! same numbers can be recomputed with other prices or options. Every figure
//! is the window's bytes scaled to a 730-hour month; the report's `pricing`
//! block lists each input so a user can redo the arithmetic by hand.

use std::collections::BTreeSet;

use vpce_model::{gb, CostTotals, EndpointType, PricingSummary, Recommendation, Report, ServiceUsage};
use vpce_pricing::{break_even_gb, interface_hours_usd, PriceTable, PricingError, RegionPrices};

/// What the user decided.
#[derive(Clone, Debug, Default)]
pub struct AdviceOptions {
    /// Region to price in (default: the Region of the VPCs in the logs).
    pub region: Option<String>,
    /// Availability Zones for interface endpoints (default: the AZs of the
    /// interfaces that use NAT, from the flow logs' az-id).
    pub azs: Option<u32>,
    /// Services to make private whatever the cost (`ssm`, `sts`, ...).
    pub require_private: Vec<String>,
}

/// AZs assumed when neither `--azs` nor `az-id` says.
pub const DEFAULT_AZS: u32 = 2;

/// The three endpoints Session Manager needs together.
const SESSION_MANAGER: [&str; 3] = ["ssm", "ssmmessages", "ec2messages"];

fn usd(x: f64) -> String {
    format!("${x:.2}")
}

fn gbs(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0} GB")
    } else {
        format!("{x:.2} GB")
    }
}

/// The client setting that makes traffic use names the endpoint covers.
fn client_change(service: &str, region: &str) -> String {
    match service {
        "sts" => "use the regional STS endpoint (AWS_STS_REGIONAL_ENDPOINTS=regional, or sts_regional_endpoints = regional in the AWS config file)".into(),
        "sqs" => format!("use sqs.{region}.amazonaws.com queue URLs instead of the legacy queue.amazonaws.com names"),
        "s3" => format!("use the regional name s3.{region}.amazonaws.com (or a gateway endpoint, which carries every S3 name)"),
        _ => format!("use the regional name {service}.{region}.amazonaws.com instead of global, FIPS or dual-stack names"),
    }
}

/// Prices the report and gives each service a recommendation with reasons.
///
/// # Errors
/// The Region is not in the price table.
pub fn advise(report: &mut Report, prices: &PriceTable, opts: &AdviceOptions) -> Result<(), PricingError> {
    let regions: BTreeSet<String> = report.network.vpcs.iter().filter_map(|v| v.region.clone()).collect();
    let Some(region) = opts.region.clone().or_else(|| regions.iter().next().cloned()) else {
        report
            .warnings
            .push("not priced: the logs do not name a Region; give --region".into());
        return Ok(());
    };
    if opts.region.is_none() && regions.len() > 1 {
        report.warnings.push(format!(
            "the logs cover several Regions ({}); costs use {region}'s prices (run once per Region with --region for the others)",
            regions.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    let p = prices.region(&region)?.clone();
    let hours = report.window.hours;
    let factor = if hours > 0.0 { prices.month_hours / hours } else { 0.0 };
    if hours <= 0.0 {
        report
            .warnings
            .push("the window has no length (no timed records): monthly figures are zero".into());
    } else if hours < 23.0 {
        report.warnings.push(format!(
            "the window is {hours} h, shorter than a day: monthly figures scale it by {factor:.1} and miss daily patterns; analyse at least 24 h (a week is better)"
        ));
    }
    if report.window.hours_without_flow_records > 0 {
        report.warnings.push(format!(
            "{} of the window's hours have no flow-log record: if those are gaps in the logs, monthly figures are low by up to that share",
            report.window.hours_without_flow_records
        ));
    }
    if p.confidence == "low" {
        report.warnings.push(format!(
            "{region} prices are low-confidence estimates ({}); check them or give --pricing",
            p.source
        ));
    }
    let live_azs = report.live.as_ref().map_or(0, |l| l.inventory.workload_azs().len());
    let (azs, azs_source) = match (opts.azs, report.network.source_az_ids.len()) {
        (Some(n), _) => (n.max(1), "--azs".to_string()),
        (None, _) if live_azs > 0 => (
            live_azs as u32,
            "live inventory (AZs of the subnets that route to NAT)".to_string(),
        ),
        (None, n) if n > 0 => (n as u32, "flow logs (az-id)".to_string()),
        _ => {
            report.warnings.push(format!("the number of Availability Zones is unknown (no az-id in the flow logs): interface endpoints are priced in {DEFAULT_AZS} AZs; set --azs"));
            (DEFAULT_AZS, "assumed".to_string())
        }
    };
    let clients_outside_vpc = !report.network.nat_clients_outside_vpc.is_empty();

    for s in report.services.iter_mut() {
        recommend(s, &region, &regions, &p, prices, azs, factor, opts, clients_outside_vpc);
    }

    // Interface endpoint processing is tiered on the Region-wide total: price the
    // recommended endpoints' GB together, at their average rate.
    let covered = |s: &ServiceUsage| gb(s.bytes_via_nat - s.bytes_via_nat_not_covered) * factor;
    let interface: Vec<usize> = (0..report.services.len())
        .filter(|&i| report.services[i].recommendation == Some(Recommendation::CreateInterface))
        .collect();
    let total_gb: f64 = interface.iter().map(|&i| covered(&report.services[i])).sum();
    if total_gb > 0.0 {
        let rate = prices.interface_processing_usd(0.0, total_gb) / total_gb;
        if rate < prices.interface_first_tier_usd_per_gb() {
            for &i in &interface {
                let s = &mut report.services[i];
                let c = covered(s);
                let with = interface_hours_usd(&p, azs, prices.month_hours)
                    + c * rate
                    + (s.monthly_gb_via_nat.unwrap_or(0.0) - c) * p.nat_usd_per_gb;
                s.monthly_cost_with_endpoint_usd = Some(with);
                s.monthly_savings_usd = s.monthly_cost_now_usd.map(|now| now - with);
                s.reasons.push(format!(
                    "the recommended interface endpoints process {} a month in the Region together, so the tiered rate averages ${rate:.4}/GB",
                    gbs(total_gb)
                ));
            }
        }
    }

    // Session Manager needs its three endpoints together.
    let sm: Vec<&str> = report
        .services
        .iter()
        .filter(|s| {
            SESSION_MANAGER.contains(&s.service.as_str()) && s.recommendation == Some(Recommendation::CreateInterface)
        })
        .map(|s| s.service.as_str())
        .collect();
    if !sm.is_empty() {
        let note = "Session Manager works through endpoints only with all three of ssm, ssmmessages and ec2messages (plus kms and logs if sessions are encrypted or logged)".to_string();
        for s in report
            .services
            .iter_mut()
            .filter(|s| SESSION_MANAGER.contains(&s.service.as_str()))
        {
            s.reasons.push(note.clone());
        }
    }

    // Totals.
    let t = &report.totals;
    let nat_gateways = match report.network.nat_gateways.len() {
        0 if t.bytes_via_nat > 0 => 1,
        n => n as u32,
    };
    let mut costs = CostTotals {
        nat_processing_usd: gb(t.bytes_via_nat) * factor * p.nat_usd_per_gb,
        nat_processing_aws_services_usd: gb(t.bytes_via_nat_to_aws_services) * factor * p.nat_usd_per_gb,
        nat_hours_usd: nat_gateways as f64 * prices.month_hours * p.nat_usd_per_hour,
        nat_gateways,
        ..Default::default()
    };
    let mut remaining_gb = gb(t.bytes_via_nat_not_aws + t.bytes_via_nat_to_aws_unattributed) * factor;
    let mut remaining_services = Vec::new();
    for s in &report.services {
        let monthly = s.monthly_gb_via_nat.unwrap_or(0.0);
        match s.recommendation {
            Some(Recommendation::CreateGateway) | Some(Recommendation::CreateInterface) => {
                costs.savings_if_all_applied_usd += s.monthly_savings_usd.unwrap_or(0.0).max(0.0);
                if s.recommendation == Some(Recommendation::CreateInterface) {
                    costs.recommended_endpoints_usd += s.monthly_cost_with_endpoint_usd.unwrap_or(0.0);
                }
                let left = gb(s.bytes_via_nat_not_covered) * factor;
                if s.recommendation == Some(Recommendation::CreateInterface) && left > 0.0 {
                    remaining_gb += left;
                    remaining_services.push(s.service.clone());
                }
            }
            _ if monthly > 0.0 => {
                remaining_gb += monthly;
                remaining_services.push(s.service.clone());
            }
            _ => {}
        }
    }
    if remaining_gb > 0.0 {
        costs.nat_still_needed = true;
        costs.nat_still_needed_reason = format!(
            "{} a month would still go through NAT: {} outside AWS or to AWS addresses without a service name{}",
            gbs(remaining_gb),
            gbs(gb(t.bytes_via_nat_not_aws + t.bytes_via_nat_to_aws_unattributed) * factor),
            if remaining_services.is_empty() {
                String::new()
            } else {
                format!(", and to {}", remaining_services.join(", "))
            }
        );
    } else if t.bytes_via_nat > 0 {
        costs.nat_still_needed = false;
        costs.nat_still_needed_reason = format!(
            "all NAT traffic goes to services the recommended endpoints carry: once they are in place the NAT gateway{} could be removed, saving a further {} a month",
            if nat_gateways == 1 { "" } else { "s" },
            usd(costs.nat_hours_usd)
        );
    } else {
        costs.nat_still_needed_reason = "no traffic through NAT in the logs".into();
    }

    report.services.sort_by(|a, b| {
        b.monthly_savings_usd
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.monthly_savings_usd.unwrap_or(f64::NEG_INFINITY))
            .then(b.bytes_via_nat.cmp(&a.bytes_via_nat))
            .then(b.query_count.cmp(&a.query_count))
            .then_with(|| a.service.cmp(&b.service))
    });
    report.pricing = Some(PricingSummary {
        region: region.clone(),
        table_as_of: prices.as_of.clone(),
        as_of: p.as_of.clone(),
        source: p.source.clone(),
        confidence: p.confidence.clone(),
        currency: prices.currency.clone(),
        convention: prices.convention.clone(),
        month_hours: prices.month_hours,
        window_hours: hours,
        extrapolation_factor: factor,
        nat_usd_per_gb: p.nat_usd_per_gb,
        nat_usd_per_hour: p.nat_usd_per_hour,
        interface_usd_per_az_hour: p.interface_usd_per_az_hour,
        interface_usd_per_gb_tiers: prices
            .interface_endpoint_gb_tiers
            .iter()
            .map(|t| (t.up_to_gb, t.usd_per_gb))
            .collect(),
        cross_az_usd_per_gb: p.cross_az_usd_per_gb,
        azs,
        azs_source,
    });
    report.costs = Some(costs);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn recommend(
    s: &mut ServiceUsage,
    region: &str,
    vpc_regions: &BTreeSet<String>,
    p: &RegionPrices,
    prices: &PriceTable,
    azs: u32,
    factor: f64,
    opts: &AdviceOptions,
    clients_outside_vpc: bool,
) {
    let month = gb(s.bytes_via_nat) * factor;
    let uncovered = gb(s.bytes_via_nat_not_covered) * factor;
    let covered = month - uncovered;
    let now = month * p.nat_usd_per_gb;
    s.monthly_gb_via_nat = Some(month);
    s.monthly_cost_now_usd = Some(now);
    let has = |t: EndpointType| s.endpoint_types.contains(&t);
    let hours_cost = interface_hours_usd(p, azs, prices.month_hours);
    let tier1 = prices.interface_first_tier_usd_per_gb();
    if has(EndpointType::Interface) {
        s.break_even_gb_per_month = break_even_gb(p, prices, azs);
    }
    let uncovered_names: Vec<String> = s
        .hostnames
        .iter()
        .filter(|h| !h.private_dns_covers && h.query_count > 0)
        .map(|h| h.name.clone())
        .collect();
    let nat_line = format!(
        "{} a month through NAT × ${}/GB = {}",
        gbs(month),
        p.nat_usd_per_gb,
        usd(now)
    );

    let (rec, with): (Recommendation, Option<f64>) = if s.endpoint_exists {
        s.reasons.push(format!(
            "an endpoint already exists: {}",
            s.endpoint_exists_evidence.join("; ")
        ));
        if month > 0.0 {
            s.reasons.push(format!(
                "still {nat_line}{}",
                if uncovered > 0.0 {
                    format!(
                        ", {} of it to names the endpoint's private DNS does not cover ({}): {}",
                        gbs(uncovered),
                        uncovered_names.join(", "),
                        client_change(&s.service, region)
                    )
                } else {
                    ": check that every subnet uses the endpoint (private DNS, route tables)".into()
                }
            ));
        }
        (Recommendation::Exists, None)
    } else if !s.endpoint_supported {
        s.reasons
            .push(format!("{} has no VPC endpoint service in the catalogue", s.service));
        (Recommendation::Unsupported, None)
    } else if s
        .region
        .as_deref()
        .is_some_and(|r| r != region && !vpc_regions.contains(r))
    {
        s.reasons.push(format!(
            "this traffic goes to {}, another Region: an endpoint in {region} does not carry it (gateway endpoints are same-Region only)",
            s.region.as_deref().unwrap_or("?")
        ));
        (Recommendation::Unsupported, None)
    } else if has(EndpointType::Gateway) {
        if let Some(r) = s.region.as_deref().filter(|r| *r != region) {
            s.reasons.push(format!("{r} is the Region of VPCs in these logs: the endpoint belongs in those VPCs (figures use {region}'s prices; iac writes it with --region {r})"));
        }
        s.reasons.push(format!(
            "a gateway endpoint is free (no hourly or per-GB charge): it saves all of {nat_line}"
        ));
        s.reasons.push(format!(
            "it carries every {} name by IP through the route tables, including legacy, dual-stack and bucket names",
            s.service
        ));
        if s.service == "s3" {
            s.reasons.push("an S3 interface endpoint is only needed for on-premises, peered or transit-gateway clients; with 'private DNS only for inbound endpoint' it needs this gateway endpoint beside it".into());
        }
        if clients_outside_vpc {
            s.reasons.push("some NAT traffic comes from outside the VPC CIDRs (peered VPCs, transit gateway or on-premises): a gateway endpoint is not reachable from there; those clients need an interface endpoint".into());
        }
        if month == 0.0 {
            s.reasons.push("no traffic through NAT in the window: recommended because it costs nothing and keeps the traffic off the internet path".into());
        }
        (Recommendation::CreateGateway, Some(0.0))
    } else if has(EndpointType::Interface) {
        if let Some(r) = s.region.as_deref().filter(|r| *r != region) {
            s.reasons.push(format!("{r} is the Region of VPCs in these logs: the endpoint belongs in those VPCs (figures use {region}'s prices; iac writes it with --region {r})"));
        }
        let with = hours_cost + covered * tier1 + uncovered * p.nat_usd_per_gb;
        let cost_line = format!(
            "an interface endpoint in {azs} AZ{} costs {azs} × {} h × ${}/h + {} × ${tier1}/GB{} = {}",
            if azs == 1 { "" } else { "s" },
            prices.month_hours,
            p.interface_usd_per_az_hour,
            gbs(covered),
            if uncovered > 0.0 {
                format!(" + {} still through NAT × ${}/GB", gbs(uncovered), p.nat_usd_per_gb)
            } else {
                String::new()
            },
            usd(with)
        );
        let required = opts.require_private.iter().any(|r| r == &s.service);
        if covered <= 0.0 && uncovered > 0.0 && !required {
            s.reasons.push(format!(
                "all {} a month use names an interface endpoint's private DNS does not cover ({}): {}",
                gbs(uncovered),
                uncovered_names.join(", "),
                client_change(&s.service, region)
            ));
            let after = hours_cost + month * tier1;
            s.reasons.push(format!(
                "after that change: {nat_line} against {} for the endpoint",
                usd(after)
            ));
            s.monthly_cost_with_endpoint_usd = Some(after);
            s.monthly_savings_usd = Some(now - after);
            return finish(s, Recommendation::NeedsClientChange);
        }
        s.reasons.push(format!("{nat_line}; {cost_line}"));
        if uncovered > 0.0 {
            s.reasons.push(format!(
                "{} a month use names the endpoint's private DNS does not cover ({}) and stay on NAT until clients change: {}",
                gbs(uncovered),
                uncovered_names.join(", "),
                client_change(&s.service, region)
            ));
        }
        if let Some(be) = s.break_even_gb_per_month {
            s.reasons.push(format!(
                "break-even: {azs} × {} × ${} / (${} − ${tier1}) = {} a month",
                prices.month_hours,
                p.interface_usd_per_az_hour,
                p.nat_usd_per_gb,
                gbs(be)
            ));
        }
        if required {
            s.reasons.push(format!(
                "required private by --require-private: a policy choice, not a saving (net {} a month)",
                if now >= with {
                    format!("saving {}", usd(now - with))
                } else {
                    format!("cost {}", usd(with - now))
                }
            ));
            (Recommendation::CreateInterface, Some(with))
        } else if with < now {
            if azs > 1 {
                let one_az = prices.month_hours * p.interface_usd_per_az_hour
                    + covered * tier1
                    + covered * (azs - 1) as f64 / azs as f64 * 2.0 * p.cross_az_usd_per_gb
                    + uncovered * p.nat_usd_per_gb;
                s.reasons.push(format!(
                    "one endpoint ENI per AZ avoids cross-AZ charges; in one AZ it would cost {} (the {}/{} of traffic from other AZs pays ${}/GB each way)",
                    usd(one_az),
                    azs - 1,
                    azs,
                    p.cross_az_usd_per_gb
                ));
            }
            (Recommendation::CreateInterface, Some(with))
        } else {
            s.reasons.push(format!(
                "not worth it: {} a month is below the break-even of {} for {azs} AZs",
                gbs(month),
                s.break_even_gb_per_month.map_or("?".into(), gbs)
            ));
            (Recommendation::NotWorthIt, Some(with))
        }
    } else {
        s.reasons
            .push("the catalogue lists no endpoint type for this service".into());
        (Recommendation::Unsupported, None)
    };
    s.monthly_cost_with_endpoint_usd = with;
    s.monthly_savings_usd = with.map(|w| now - w);
    if matches!(rec, Recommendation::CreateInterface) {
        match s.service.as_str() {
            "ecr.dkr" | "ecr.api" => s.reasons.push(format!(
                "image layers are downloaded from S3 (prod-{region}-starport-layer-bucket): pulls also need the S3 gateway endpoint, and need both ecr.api and ecr.dkr"
            )),
            "execute-api" => s.reasons.push(
                "with private DNS on, public and edge-optimized APIs are no longer reachable by their default execute-api names from this VPC".into(),
            ),
            _ => {}
        }
    }
    finish(s, rec);
}

fn finish(s: &mut ServiceUsage, rec: Recommendation) {
    s.recommendation = Some(rec);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use vpce_model::{HostnameUsage, Inputs, Network, ReferenceData, Totals, Vpc, Window};

    const GIB: u64 = 1 << 30;

    pub(crate) fn service(name: &str, types: &[EndpointType], gb_via_nat: u64) -> ServiceUsage {
        ServiceUsage {
            endpoint_service_name: Some(format!("com.amazonaws.us-east-1.{name}")),
            endpoint_types: types.to_vec(),
            endpoint_supported: !types.is_empty(),
            endpoint_policy_supported: Some(true),
            query_count: 1,
            hostnames: vec![HostnameUsage {
                name: format!("{name}.us-east-1.amazonaws.com"),
                query_count: 1,
                private_dns_covers: true,
                last_answers: vec![],
                notes: vec![],
            }],
            bytes_via_nat: gb_via_nat * GIB,
            attribution: vec!["dns".into()],
            ..ServiceUsage::empty(name, Some("us-east-1"))
        }
    }

    pub(crate) fn report(region: &str, hours: f64, azs: &[&str], services: Vec<ServiceUsage>) -> Report {
        let mut services = services;
        for s in &mut services {
            s.region = Some(region.into());
        }
        let total: u64 = services.iter().map(|s| s.bytes_via_nat).sum();
        Report {
            schema_version: 1,
            generator: "test".into(),
            window: Window {
                start: None,
                end: None,
                hours,
                source: "given".into(),
                hours_without_flow_records: 0,
            },
            inputs: Inputs::default(),
            reference_data: ReferenceData {
                catalog_as_of: "x".into(),
                catalog_source: "x".into(),
                ip_ranges_as_of: "x".into(),
                ip_ranges_source: "x".into(),
            },
            network: Network {
                vpcs: vec![Vpc {
                    vpc_id: "vpc-1".into(),
                    region: Some(region.into()),
                    account_id: None,
                }],
                source_az_ids: azs.iter().map(|a| a.to_string()).collect(),
                ..Default::default()
            },
            totals: Totals {
                bytes_via_nat: total,
                bytes_via_nat_to_aws_services: total,
                ..Default::default()
            },
            services,
            unattributed: vec![],
            pricing: None,
            costs: None,
            warnings: vec![],
            live: None,
        }
    }

    fn get<'a>(r: &'a Report, name: &str) -> &'a ServiceUsage {
        r.services.iter().find(|s| s.service == name).unwrap()
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-6)
    }

    #[test]
    fn us_east_1_by_hand() {
        use EndpointType::*;
        // A 730-hour window: the monthly factor is 1.
        let mut r = report(
            "us-east-1",
            730.0,
            &["use1-az1", "use1-az2"],
            vec![
                service("kinesis-streams", &[Interface], 1000),
                service("sqs", &[Interface], 100),
                service("s3", &[Gateway, Interface], 500),
            ],
        );
        advise(&mut r, &PriceTable::embedded(), &AdviceOptions::default()).unwrap();
        let p = r.pricing.as_ref().unwrap();
        assert_eq!(
            (p.azs, p.azs_source.as_str(), p.extrapolation_factor),
            (2, "flow logs (az-id)", 1.0)
        );

        // kinesis: now 1000 GB × 0.045 = 45.00; with 2 × 730 × 0.010 = 14.60 + 1000 × 0.01 = 24.60.
        let k = get(&r, "kinesis-streams");
        assert_eq!(k.recommendation, Some(Recommendation::CreateInterface));
        assert!(close(k.monthly_cost_now_usd, 45.0));
        assert!(close(k.monthly_cost_with_endpoint_usd, 24.6));
        assert!(close(k.monthly_savings_usd, 20.4));
        // Break-even: 14.60 / (0.045 − 0.01) = 417.142857… GB.
        assert!(close(k.break_even_gb_per_month, 14.6 / 0.035));
        assert!(
            k.reasons.iter().any(|x| x.contains("one endpoint ENI per AZ")),
            "{:?}",
            k.reasons
        );

        // sqs: 100 GB is under break-even: now 4.50, with 14.60 + 1.00 = 15.60.
        let q = get(&r, "sqs");
        assert_eq!(q.recommendation, Some(Recommendation::NotWorthIt));
        assert!(close(q.monthly_savings_usd, 4.5 - 15.6));
        assert!(
            q.reasons.iter().any(|x| x.contains("below the break-even of 417 GB")),
            "{:?}",
            q.reasons
        );

        // s3: a gateway endpoint is free: saves 500 × 0.045 = 22.50.
        let s3 = get(&r, "s3");
        assert_eq!(s3.recommendation, Some(Recommendation::CreateGateway));
        assert!(close(s3.monthly_savings_usd, 22.5));

        // Sorted by savings; totals add the positive ones: 22.50 + 20.40.
        assert_eq!(r.services[0].service, "s3");
        let c = r.costs.as_ref().unwrap();
        assert!((c.savings_if_all_applied_usd - 42.9).abs() < 1e-6);
        assert!((c.nat_processing_usd - 1600.0 * 0.045).abs() < 1e-6);
        // One NAT gateway assumed from the NAT traffic: 730 × 0.045.
        assert!((c.nat_hours_usd - 32.85).abs() < 1e-6);
        assert!(c.nat_still_needed, "sqs stays on NAT");
    }

    #[test]
    fn eu_central_1_by_hand_with_extrapolation_and_three_azs() {
        use EndpointType::*;
        // A 24-hour window: factor 730 / 24 = 30.41666…
        let mut r = report(
            "eu-central-1",
            24.0,
            &["euc1-az1", "euc1-az2", "euc1-az3"],
            vec![service("sqs", &[Interface], 25), service("sts", &[Interface], 20)],
        );
        advise(&mut r, &PriceTable::embedded(), &AdviceOptions::default()).unwrap();
        let f = 730.0 / 24.0;
        // sqs: 25 × f = 760.4167 GB; now × 0.052 = 39.5417; with 3 × 730 × 0.012 = 26.28 + 7.6042 = 33.8842.
        let q = get(&r, "sqs");
        assert!(close(q.monthly_gb_via_nat, 25.0 * f));
        assert!(close(q.monthly_cost_now_usd, 25.0 * f * 0.052));
        assert!(close(q.monthly_cost_with_endpoint_usd, 26.28 + 25.0 * f * 0.01));
        assert_eq!(q.recommendation, Some(Recommendation::CreateInterface));
        // Break-even 26.28 / 0.042 = 625.714 GB; sts at 20 × f = 608.33 GB is just under.
        let s = get(&r, "sts");
        assert!(close(s.break_even_gb_per_month, 26.28 / 0.042));
        assert_eq!(s.recommendation, Some(Recommendation::NotWorthIt));
        assert!(r.warnings.iter().all(|w| !w.contains("shorter than a day")));
    }

    #[test]
    fn existing_unsupported_client_change_and_policy() {
        use EndpointType::*;
        let mut exists = service("ssm", &[Interface], 10);
        exists.endpoint_exists = true;
        exists.endpoint_exists_evidence = vec!["ssm.us-east-1.amazonaws.com resolves to 10.0.1.5".into()];
        let unsupported = service("brandnew", &[], 50);
        let mut global = service("sts", &[Interface], 900);
        global.bytes_via_nat_not_covered = global.bytes_via_nat;
        global.hostnames[0] = HostnameUsage {
            name: "sts.amazonaws.com".into(),
            query_count: 3,
            private_dns_covers: false,
            last_answers: vec![],
            notes: vec![],
        };
        let small = service("secretsmanager", &[Interface], 1);
        let mut r = report("us-east-1", 730.0, &[], vec![exists, unsupported, global, small]);
        let opts = AdviceOptions {
            require_private: vec!["secretsmanager".into()],
            ..Default::default()
        };
        advise(&mut r, &PriceTable::embedded(), &opts).unwrap();
        assert_eq!(r.pricing.as_ref().unwrap().azs_source, "assumed");
        assert!(r.warnings.iter().any(|w| w.contains("--azs")));
        let e = get(&r, "ssm");
        assert_eq!(e.recommendation, Some(Recommendation::Exists));
        assert!(e.reasons[0].contains("resolves to 10.0.1.5"));
        assert!(
            e.reasons
                .iter()
                .any(|x| x.contains("still 10.00 GB a month through NAT")),
            "{:?}",
            e.reasons
        );
        assert_eq!(get(&r, "brandnew").recommendation, Some(Recommendation::Unsupported));
        let sts = get(&r, "sts");
        assert_eq!(sts.recommendation, Some(Recommendation::NeedsClientChange));
        assert!(
            sts.reasons[0].contains("AWS_STS_REGIONAL_ENDPOINTS=regional"),
            "{:?}",
            sts.reasons
        );
        let sm = get(&r, "secretsmanager");
        assert_eq!(sm.recommendation, Some(Recommendation::CreateInterface));
        assert!(sm.monthly_savings_usd.unwrap() < 0.0);
        assert!(sm.reasons.iter().any(|x| x.contains("policy choice, not a saving")));
        // Only positive savings of create-* count: none here.
        assert_eq!(r.costs.as_ref().unwrap().savings_if_all_applied_usd, 0.0);
    }

    #[test]
    fn tiers_apply_across_the_recommended_endpoints() {
        use EndpointType::*;
        // 1.5 PB a month through one service: 1 PB at 0.01 and 0.5 PB at 0.006.
        let pb = 1_048_576u64;
        let mut r = report(
            "us-east-1",
            730.0,
            &["a", "b"],
            vec![service("kinesis-streams", &[Interface], pb + pb / 2)],
        );
        advise(&mut r, &PriceTable::embedded(), &AdviceOptions::default()).unwrap();
        let k = get(&r, "kinesis-streams");
        let want = 14.6 + pb as f64 * 0.01 + (pb / 2) as f64 * 0.006;
        assert!(
            close(k.monthly_cost_with_endpoint_usd, want),
            "{:?} vs {want}",
            k.monthly_cost_with_endpoint_usd
        );
    }

    #[test]
    fn pricing_overrides_and_unknown_regions() {
        let mut table = PriceTable::embedded();
        table.regions.get_mut("us-east-1").unwrap().nat_usd_per_gb = 0.10;
        let mut r = report(
            "us-east-1",
            730.0,
            &["a"],
            vec![service("sqs", &[EndpointType::Interface], 100)],
        );
        advise(&mut r, &table, &AdviceOptions::default()).unwrap();
        // now 100 × 0.10 = 10.00; with 1 × 730 × 0.010 + 100 × 0.01 = 8.30.
        assert!(close(get(&r, "sqs").monthly_savings_usd, 1.7));
        let mut r = report("mars-north-1", 730.0, &[], vec![]);
        let e = advise(&mut r, &PriceTable::embedded(), &AdviceOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("mars-north-1") && e.contains("eu-central-1"), "{e}");
    }
}
