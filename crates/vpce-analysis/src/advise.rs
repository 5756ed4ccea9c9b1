//! Costs and recommendations: what each endpoint would save, and what to create.
//!
//! Works on a finished report (from `analyze`, or read back from JSON), so the
//! same numbers can be recomputed with other prices or options. Every figure
//! is the window's bytes scaled to a 730-hour month; the report's `pricing`
//! block lists each input so a user can redo the arithmetic by hand.
//!
//! [`advise`] is a sequence of steps, one decision each: which Region prices
//! the report, how the window scales to a month, how many AZs an interface
//! endpoint spans, what each service should get ([`recommend`]; existing
//! endpoints to fix in `fix`), the Region-wide tiered rate, the bundles
//! priced together (`bundle`: ECR, Session Manager), the totals and the
//! ranking.

use std::collections::BTreeSet;

use vpce_model::inventory::Inventory;
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

/// A window shorter than this many hours misses the daily pattern.
const SHORT_WINDOW_HOURS: f64 = 23.0;

/// The price-table confidence that marks a Region's prices as estimates.
const LOW_CONFIDENCE: &str = "low";

/// GB figures from this size on are shown without decimals.
const WHOLE_GB_FROM: f64 = 100.0;

/// Cross-AZ traffic to a one-AZ endpoint pays the cross-AZ rate this many
/// times: once each way.
const CROSS_AZ_LEGS: f64 = 2.0;

mod bundle;
mod cross_region;
mod fix;

fn usd(x: f64) -> String {
    format!("${x:.2}")
}

fn gbs(x: f64) -> String {
    if x >= WHOLE_GB_FROM {
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

/// Where the advice applies, priced or not: decided once per report.
struct Scope<'a> {
    /// The Region the endpoints are advised (and priced) in.
    region: String,
    /// The Regions of the VPCs in the logs.
    vpc_regions: BTreeSet<String>,
    /// Some NAT clients are outside the VPC CIDRs.
    clients_outside_vpc: bool,
    /// The live inventory (`analyze --live`, or a saved report's), which
    /// shows what keeps existing endpoints from carrying traffic.
    inventory: Option<&'a Inventory>,
    opts: &'a AdviceOptions,
}

impl Scope<'_> {
    /// The user requires this service private whatever the cost.
    fn required_private(&self, service: &str) -> bool {
        self.opts.require_private.iter().any(|r| r == service)
    }
}

/// The per-GB rate interface endpoints are priced at: the first tier, or the
/// blended tiered rate of the recommended endpoints' Region-wide total.
#[derive(Clone, Copy, Debug, PartialEq)]
struct InterfaceRate {
    usd_per_gb: f64,
    /// The Region-wide monthly GB the rate is blended over (`None`: first tier).
    blended_over_gb: Option<f64>,
}

impl InterfaceRate {
    /// How the rate appears in a reason's arithmetic.
    fn quoted(&self) -> String {
        match self.blended_over_gb {
            None => format!("${}/GB", self.usd_per_gb),
            Some(total) => format!(
                "${:.4}/GB (the blended tiered rate of {} a month through the recommended interface endpoints)",
                self.usd_per_gb,
                gbs(total)
            ),
        }
    }
}

/// Everything a recommendation is priced with, decided once per report.
struct Pricing<'a> {
    scope: Scope<'a>,
    /// Interface endpoint data processing $/GB.
    rate: InterfaceRate,
    p: RegionPrices,
    prices: &'a PriceTable,
    /// AZs an interface endpoint is priced in.
    azs: u32,
    /// month_hours / window hours.
    factor: f64,
}

impl Pricing<'_> {
    /// Monthly hourly charge of one interface endpoint in the priced AZs.
    fn interface_hours(&self) -> f64 {
        interface_hours_usd(&self.p, self.azs, self.prices.month_hours)
    }

    /// `bytes` of the window as GB per month.
    fn monthly_gb(&self, bytes: u64) -> f64 {
        gb(bytes) * self.factor
    }
}

/// Prices the report and gives each service a recommendation with reasons.
///
/// A Region the price table lacks does not stop it: the report keeps its
/// traffic, costs stay null, a warning says how to give prices, and only the
/// recommendations that need no price are made.
pub fn advise(report: &mut Report, prices: &PriceTable, opts: &AdviceOptions) {
    // Taken out while the services are advised (they read it), then put back.
    let live = report.live.take();
    advise_with(report, live.as_ref().map(|l| &l.inventory), prices, opts);
    report.live = live;
}

fn advise_with(report: &mut Report, inventory: Option<&Inventory>, prices: &PriceTable, opts: &AdviceOptions) {
    let vpc_regions: BTreeSet<String> = report
        .network
        .vpcs
        .iter()
        .filter_map(|v| v.region.clone())
        .chain(report.network.region_without_vpc_id.clone())
        .collect();
    let Some(region) = pricing_region(&vpc_regions, opts, &mut report.warnings) else {
        return;
    };
    let scope = Scope {
        region,
        vpc_regions,
        clients_outside_vpc: !report.network.nat_clients_outside_vpc.is_empty(),
        inventory,
        opts,
    };
    let p = match prices.region(&scope.region) {
        Ok(p) => p.clone(),
        Err(e) => return advise_unpriced(report, &scope, &e),
    };
    let region = &scope.region;
    let factor = monthly_factor(report, prices.month_hours);
    if p.confidence == LOW_CONFIDENCE {
        report.warnings.push(format!(
            "{region} prices are low-confidence estimates ({}); check them or give --pricing",
            p.source
        ));
    }
    let (azs, azs_source) = priced_azs(report, inventory, opts);
    let mut ctx = Pricing {
        scope,
        rate: InterfaceRate {
            usd_per_gb: prices.interface_first_tier_usd_per_gb(),
            blended_over_gb: None,
        },
        p,
        prices,
        azs,
        factor,
    };
    let reasons_before: Vec<usize> = report.services.iter().map(|s| s.reasons.len()).collect();
    for s in report.services.iter_mut() {
        recommend(s, &ctx);
    }
    apply_region_wide_tiers(&mut report.services, &mut ctx, &reasons_before);
    let bundles = bundle::decide(&mut report.services, &ctx);
    let mut costs = cost_totals(report, &ctx);
    costs.bundles = bundles;
    rank_by_savings(&mut report.services);
    report.pricing = Some(pricing_summary(&ctx, report.window.hours, azs_source));
    report.costs = Some(costs);
}

/// The Region has no prices: warns how to give them, and makes the
/// recommendations that need no price (exists, unsupported, the free gateway
/// endpoints, required-private interface endpoints); costs stay null.
fn advise_unpriced(report: &mut Report, scope: &Scope, e: &PricingError) {
    let region = &scope.region;
    let as_of = match e {
        PricingError::UnknownRegion { as_of, .. } => format!(" (as of {as_of})"),
        _ => String::new(),
    };
    report.warnings.push(format!(
        "not priced: the price table{as_of} has no prices for {region}, so costs are null and interface endpoints are not recommended; \
         give a table with a {region} entry with --pricing FILE (`vpce-advisor pricing --format json` prints the embedded table in that schema)"
    ));
    for s in report.services.iter_mut() {
        recommend_unpriced(s, scope);
    }
    note_session_manager(&mut report.services);
    rank_by_savings(&mut report.services);
}

/// Without prices: the recommendation a service gets from what exists and
/// what is free alone.
fn recommend_unpriced(s: &mut ServiceUsage, scope: &Scope) {
    let has = |t: EndpointType| s.endpoint_types.contains(&t);
    let (gateway, interface) = (has(EndpointType::Gateway), has(EndpointType::Interface));
    let rec = if s.endpoint_exists && fix::gateway_missing(s, scope) {
        let saves = format!(
            "the existing {} endpoints are interface endpoints; the gateway endpoint takes the VPC's own traffic off NAT (the saving is not priced: no prices for {})",
            s.service, scope.region
        );
        gateway_reasons(s, scope, &saves);
        Some(Recommendation::CreateGateway)
    } else if s.endpoint_exists {
        s.reasons.push(format!(
            "an endpoint already exists: {}",
            s.endpoint_exists_evidence.join("; ")
        ));
        Some(fix::unpriced(s, scope).unwrap_or(Recommendation::Exists))
    } else if let Some(why) = unsupported_reason(s, scope) {
        s.reasons.push(why);
        Some(Recommendation::Unsupported)
    } else if let Some(why) = public_api_reasons(s, scope) {
        s.reasons.extend(why);
        Some(Recommendation::Unsupported)
    } else if gateway {
        let saves = format!(
            "it takes this service's NAT traffic off NAT (the saving is not priced: no prices for {})",
            scope.region
        );
        gateway_reasons(s, scope, &saves);
        Some(Recommendation::CreateGateway)
    } else if interface && scope.required_private(&s.service) {
        s.reasons.push(format!(
            "required private by --require-private: a policy choice; its cost is not priced (no prices for {})",
            scope.region
        ));
        Some(Recommendation::CreateInterface)
    } else if interface {
        s.reasons.push(format!(
            "not priced: whether an interface endpoint pays for itself depends on {}'s prices, which the price table lacks",
            scope.region
        ));
        None
    } else {
        s.reasons
            .push("the catalogue lists no endpoint type for this service".into());
        Some(Recommendation::Unsupported)
    };
    s.recommendation = rec;
}

/// Decides the Region to price in: `--region`, else the first Region of the
/// VPCs (warning when there are several), else none (warning).
fn pricing_region(vpc_regions: &BTreeSet<String>, opts: &AdviceOptions, warnings: &mut Vec<String>) -> Option<String> {
    let Some(region) = opts.region.clone().or_else(|| vpc_regions.iter().next().cloned()) else {
        warnings.push("not priced: the logs do not name a Region; give --region".into());
        return None;
    };
    if opts.region.is_none() && vpc_regions.len() > 1 {
        warnings.push(format!(
            "the logs cover several Regions ({}); costs use {region}'s prices (run once per Region with --region for the others)",
            vpc_regions.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    Some(region)
}

/// Decides how the window scales to a month (0 for a window without length)
/// and warns when the window is too short or has gaps to be trusted.
fn monthly_factor(report: &mut Report, month_hours: f64) -> f64 {
    let hours = report.window.hours;
    let factor = if hours > 0.0 { month_hours / hours } else { 0.0 };
    if hours <= 0.0 {
        let why = if report.window.start.is_some() {
            "its records all fall within a few seconds"
        } else {
            "no timed records"
        };
        report
            .warnings
            .push(format!("the window has no length ({why}): monthly figures are zero"));
    } else if hours < SHORT_WINDOW_HOURS {
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
    factor
}

/// Decides the AZs an interface endpoint is priced in: `--azs`, the live
/// inventory's workload AZs, the flow logs' az-ids, else [`DEFAULT_AZS`].
fn priced_azs(report: &mut Report, inventory: Option<&Inventory>, opts: &AdviceOptions) -> (u32, String) {
    let live_azs = inventory.map_or(0, |i| i.workload_azs().len());
    match (opts.azs, report.network.source_az_ids.len()) {
        (Some(n), _) => (n.max(1), "--azs".to_string()),
        (None, _) if live_azs > 0 => (
            live_azs as u32,
            "live inventory (AZs of the subnets that route to NAT)".to_string(),
        ),
        (None, n) if n > 0 => (n as u32, "flow logs (az-id)".to_string()),
        _ => {
            let missing = if report.network.flow_fields_missing.iter().any(|f| f == "az-id") {
                "no az-id in the flow logs"
            } else {
                "the flow logs carry az-id, but not for the interfaces that sent traffic through NAT: log their subnets too"
            };
            report.warnings.push(format!("the number of Availability Zones is unknown ({missing}): interface endpoints are priced in {DEFAULT_AZS} AZs; set --azs"));
            (DEFAULT_AZS, "assumed".to_string())
        }
    }
}

/// Reprices the recommended interface endpoints at the blended tiered rate of
/// their Region-wide total, when that total reaches a cheaper tier: their
/// reasons are redone at that rate, so every figure quotes the rate it used.
fn apply_region_wide_tiers(services: &mut [ServiceUsage], ctx: &mut Pricing, reasons_before: &[usize]) {
    let covered = |s: &ServiceUsage| ctx.monthly_gb(s.bytes_via_nat - s.bytes_via_nat_not_covered);
    let interface: Vec<usize> = (0..services.len())
        .filter(|&i| services[i].recommendation == Some(Recommendation::CreateInterface))
        .collect();
    let total_gb: f64 = interface.iter().map(|&i| covered(&services[i])).sum();
    if total_gb <= 0.0 {
        return;
    }
    let rate = ctx.prices.interface_processing_usd(0.0, total_gb) / total_gb;
    if rate >= ctx.prices.interface_first_tier_usd_per_gb() {
        return;
    }
    ctx.rate = InterfaceRate {
        usd_per_gb: rate,
        blended_over_gb: Some(total_gb),
    };
    for &i in &interface {
        let s = &mut services[i];
        s.reasons.truncate(reasons_before[i]);
        // A cheaper rate keeps every create-interface decision.
        recommend(s, ctx);
        s.reasons.push(format!(
            "the recommended interface endpoints process {} a month in the Region together, so the tiered rate averages ${rate:.4}/GB",
            gbs(total_gb)
        ));
    }
}

/// Without prices: notes on every Session Manager service that its
/// endpoints work together, when any of them is recommended (priced
/// reports decide them as a bundle, [`bundle::decide`]).
fn note_session_manager(services: &mut [ServiceUsage]) {
    let recommended = services.iter().any(|s| {
        SESSION_MANAGER.contains(&s.service.as_str()) && s.recommendation == Some(Recommendation::CreateInterface)
    });
    if !recommended {
        return;
    }
    let note = "Session Manager works through endpoints with ssm and ssmmessages together (ec2messages too for SSM Agents older than 3.3.40.0; plus kms and logs if sessions are encrypted or logged)";
    for s in services
        .iter_mut()
        .filter(|s| SESSION_MANAGER.contains(&s.service.as_str()))
    {
        s.reasons.push(note.to_string());
    }
}

/// The NAT gateways billed: those seen, or one when NAT traffic was seen
/// without its gateway's address.
fn billed_nat_gateways(report: &Report) -> u32 {
    match report.network.nat_gateways.len() {
        0 if report.totals.bytes_via_nat > 0 => 1,
        n => n as u32,
    }
}

/// The NAT gateways' public addresses: from the live inventory (private NAT
/// gateways have none), else one per billed gateway.
fn nat_public_addresses(inventory: Option<&Inventory>, nat_gateways: u32) -> (u32, String) {
    match inventory {
        Some(inv) if !inv.nat_gateways.is_empty() => (
            inv.nat_gateways.iter().map(|n| n.public_ips.len() as u32).sum(),
            "live inventory".into(),
        ),
        _ => (nat_gateways, "one per NAT gateway (assumed)".into()),
    }
}

/// The monthly totals, and whether the NAT gateway is still needed once the
/// recommendations are applied.
fn cost_totals(report: &Report, ctx: &Pricing) -> CostTotals {
    let t = &report.totals;
    let nat_gateways = billed_nat_gateways(report);
    let mut costs = CostTotals {
        nat_processing_usd: ctx.monthly_gb(t.bytes_via_nat) * ctx.p.nat_usd_per_gb,
        nat_processing_aws_services_usd: ctx.monthly_gb(t.bytes_via_nat_to_aws_services) * ctx.p.nat_usd_per_gb,
        nat_hours_usd: nat_gateways as f64 * ctx.prices.month_hours * ctx.p.nat_usd_per_hour,
        nat_gateways,
        ..Default::default()
    };
    if let Some(per_hour) = ctx.prices.public_ipv4_usd_per_hour {
        let (addresses, source) = nat_public_addresses(ctx.scope.inventory, nat_gateways);
        costs.nat_public_ipv4_usd = Some(addresses as f64 * ctx.prices.month_hours * per_hour);
        costs.nat_public_ipv4_addresses = Some(addresses);
        costs.nat_public_ipv4_source = Some(source);
    }
    let not_services_gb = ctx.monthly_gb(t.bytes_via_nat_not_aws + t.bytes_via_nat_to_aws_unattributed);
    let mut remaining_gb = not_services_gb;
    let mut remaining_services = Vec::new();
    let mut net = 0.0;
    for s in &report.services {
        let monthly = s.monthly_gb_via_nat.unwrap_or(0.0);
        match s.recommendation {
            Some(Recommendation::CreateGateway | Recommendation::CreateInterface | Recommendation::FixExisting) => {
                costs.savings_if_all_applied_usd += s.monthly_savings_usd.unwrap_or(0.0).max(0.0);
                net += s.monthly_savings_usd.unwrap_or(0.0);
                if s.recommendation == Some(Recommendation::CreateInterface) {
                    costs.recommended_endpoints_usd += s.monthly_cost_with_endpoint_usd.unwrap_or(0.0);
                }
                let left = ctx.monthly_gb(s.bytes_via_nat_not_covered);
                let interface = s.recommendation == Some(Recommendation::CreateInterface) || fix::is_interface_fix(s);
                if interface && left > 0.0 {
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
    costs.net_savings_if_all_applied_usd = Some(net);
    (costs.nat_still_needed, costs.nat_still_needed_reason) = nat_still_needed(
        remaining_gb,
        not_services_gb,
        &remaining_services,
        t.bytes_via_nat,
        &costs,
    );
    costs
}

/// Decides whether NAT is still needed after the recommendations, and why.
fn nat_still_needed(
    remaining_gb: f64,
    not_services_gb: f64,
    remaining_services: &[String],
    bytes_via_nat: u64,
    costs: &CostTotals,
) -> (bool, String) {
    if remaining_gb > 0.0 {
        let reason = format!(
            "{} a month would still go through NAT: {} outside AWS or to AWS addresses without a service name{}",
            gbs(remaining_gb),
            gbs(not_services_gb),
            if remaining_services.is_empty() {
                String::new()
            } else {
                format!(", and to {}", remaining_services.join(", "))
            }
        );
        (true, reason)
    } else if bytes_via_nat > 0 {
        let source = costs.nat_public_ipv4_source.as_deref().unwrap_or("");
        let ipv4 = match (costs.nat_public_ipv4_usd, costs.nat_public_ipv4_addresses) {
            (Some(v), Some(n)) if n > 0 => format!(
                " for the gateway hours and {} for the public IPv4 of {n} Elastic IP{} ({source}), {} in all",
                usd(v),
                if n == 1 { "" } else { "s" },
                usd(costs.nat_hours_usd + v)
            ),
            _ => String::new(),
        };
        let reason = format!(
            "all NAT traffic goes to services the recommended endpoints carry: once they are in place the NAT gateway{} could be removed, saving a further {}{ipv4} a month",
            if costs.nat_gateways == 1 { "" } else { "s" },
            usd(costs.nat_hours_usd)
        );
        (false, reason)
    } else {
        (false, "no traffic through NAT in the logs".into())
    }
}

/// Ranks services by savings, then NAT bytes, queries and name.
fn rank_by_savings(services: &mut [ServiceUsage]) {
    services.sort_by(|a, b| {
        b.monthly_savings_usd
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.monthly_savings_usd.unwrap_or(f64::NEG_INFINITY))
            .then(b.bytes_via_nat.cmp(&a.bytes_via_nat))
            .then(b.query_count.cmp(&a.query_count))
            .then_with(|| a.service.cmp(&b.service))
    });
}

/// The inputs of every cost figure, for the report.
fn pricing_summary(ctx: &Pricing, window_hours: f64, azs_source: String) -> PricingSummary {
    let (prices, p) = (ctx.prices, &ctx.p);
    PricingSummary {
        region: ctx.scope.region.clone(),
        table_as_of: prices.as_of.clone(),
        as_of: p.as_of.clone(),
        source: p.source.clone(),
        confidence: p.confidence.clone(),
        currency: prices.currency.clone(),
        convention: prices.convention.clone(),
        month_hours: prices.month_hours,
        window_hours,
        extrapolation_factor: ctx.factor,
        nat_usd_per_gb: p.nat_usd_per_gb,
        nat_usd_per_hour: p.nat_usd_per_hour,
        interface_usd_per_az_hour: p.interface_usd_per_az_hour,
        interface_usd_per_gb_tiers: prices
            .interface_endpoint_gb_tiers
            .iter()
            .map(|t| (t.up_to_gb, t.usd_per_gb))
            .collect(),
        cross_az_usd_per_gb: p.cross_az_usd_per_gb,
        inter_region_usd_per_gb: p.inter_region.as_ref().map(|i| i.usd_per_gb),
        azs: ctx.azs,
        azs_source,
    }
}

/// One service's monthly traffic through NAT and what it costs there.
struct Monthly {
    /// GB a month through NAT.
    month: f64,
    /// Of `month`: GB to names an interface endpoint's private DNS does not cover.
    uncovered: f64,
    /// `month − uncovered`.
    covered: f64,
    /// NAT processing of `month`.
    now: f64,
    /// The names behind `uncovered`.
    uncovered_names: Vec<String>,
    /// "X GB a month through NAT × $r/GB = $y".
    nat_line: String,
}

impl Monthly {
    fn of(s: &ServiceUsage, ctx: &Pricing) -> Monthly {
        let month = ctx.monthly_gb(s.bytes_via_nat);
        let uncovered = ctx.monthly_gb(s.bytes_via_nat_not_covered);
        let now = month * ctx.p.nat_usd_per_gb;
        Monthly {
            month,
            uncovered,
            covered: month - uncovered,
            now,
            uncovered_names: s
                .hostnames
                .iter()
                .filter(|h| !h.private_dns_covers && h.query_count > 0)
                .map(|h| h.name.clone())
                .collect(),
            nat_line: format!(
                "{} a month through NAT × ${}/GB = {}",
                gbs(month),
                ctx.p.nat_usd_per_gb,
                usd(now)
            ),
        }
    }
}

/// What a step decided for a service: the recommendation and the monthly
/// cost with the endpoint (`None`: no endpoint to price).
type Decision = (Recommendation, Option<f64>);

/// Prices one service and decides its recommendation, with reasons.
fn recommend(s: &mut ServiceUsage, ctx: &Pricing) {
    let m = Monthly::of(s, ctx);
    s.monthly_gb_via_nat = Some(m.month);
    s.monthly_cost_now_usd = Some(m.now);
    let has = |t: EndpointType| s.endpoint_types.contains(&t);
    let (gateway, interface) = (has(EndpointType::Gateway), has(EndpointType::Interface));
    if interface {
        s.break_even_gb_per_month = break_even_gb(&ctx.p, ctx.prices, ctx.azs);
    }
    let (rec, with) = if let Some(d) = cross_region::priced(s, ctx, &m) {
        d
    } else if s.endpoint_exists {
        existing_endpoint(s, ctx, &m)
    } else if let Some(why) = unsupported_reason(s, &ctx.scope) {
        s.reasons.push(why);
        (Recommendation::Unsupported, None)
    } else if let Some(why) = public_api_reasons(s, &ctx.scope) {
        s.reasons.extend(why);
        let after = ctx.interface_hours() + m.month * ctx.prices.interface_first_tier_usd_per_gb();
        s.reasons.push(format!(
            "if the APIs were private: {} against {} for the endpoint",
            m.nat_line,
            usd(after)
        ));
        (Recommendation::Unsupported, None)
    } else if gateway {
        gateway_endpoint(s, ctx, &m)
    } else if interface {
        interface_endpoint(s, ctx, &m)
    } else {
        s.reasons
            .push("the catalogue lists no endpoint type for this service".into());
        (Recommendation::Unsupported, None)
    };
    s.monthly_cost_with_endpoint_usd = with;
    s.monthly_savings_usd = with.map(|w| m.now - w);
    if rec == Recommendation::CreateInterface {
        if let Some(note) = interface_companion_note(&s.service, &ctx.scope.region) {
            s.reasons.push(note);
        }
    }
    s.recommendation = Some(rec);
}

/// An endpoint exists: says so, and why traffic still goes through NAT; when
/// the inventory shows what keeps the endpoint from carrying it, the fix.
fn existing_endpoint(s: &mut ServiceUsage, ctx: &Pricing, m: &Monthly) -> Decision {
    s.reasons.push(format!(
        "an endpoint already exists: {}",
        s.endpoint_exists_evidence.join("; ")
    ));
    if fix::gateway_missing(s, &ctx.scope) {
        s.reasons.push(format!(
            "the existing {} endpoints are interface endpoints: the free gateway endpoint carries the VPC's own traffic",
            s.service
        ));
        return gateway_endpoint(s, ctx, m);
    }
    if let Some(d) = fix::priced(s, ctx, m) {
        return d;
    }
    if m.month > 0.0 {
        let why = if m.uncovered > 0.0 {
            format!(
                ", {} of it to names the endpoint's private DNS does not cover ({}): {}",
                gbs(m.uncovered),
                m.uncovered_names.join(", "),
                client_change(&s.service, &ctx.scope.region)
            )
        } else {
            ": check that every subnet uses the endpoint (private DNS, route tables)".into()
        };
        s.reasons.push(format!("still {}{why}", m.nat_line));
    }
    (Recommendation::Exists, None)
}

/// Why no endpoint in the priced Region can carry this traffic, if none can:
/// no endpoint service, or another Region than the VPCs'.
fn unsupported_reason(s: &ServiceUsage, scope: &Scope) -> Option<String> {
    if !s.endpoint_supported {
        return Some(format!("{} has no VPC endpoint service in the catalogue", s.service));
    }
    let region = &scope.region;
    let other = s
        .region
        .as_deref()
        .filter(|r| r != region && !scope.vpc_regions.contains(*r))?;
    Some(format!(
        "this traffic goes to {other}, another Region: an endpoint in {region} does not carry it (gateway endpoints are same-Region only)"
    ))
}

/// execute-api through NAT is traffic to public API Gateway APIs, which an
/// execute-api interface endpoint cannot carry (and, with private DNS on,
/// breaks): why no endpoint is recommended, and what would change that.
fn public_api_reasons(s: &ServiceUsage, scope: &Scope) -> Option<Vec<String>> {
    if s.service != "execute-api" {
        return None;
    }
    let mut why = vec![
        "execute-api traffic through NAT goes to public (regional or edge-optimized) API Gateway APIs: an execute-api interface endpoint cannot carry it, and with private DNS on, those APIs are no longer reachable by their default execute-api names from this VPC".to_string(),
        "only a private API, with a resource policy that allows its callers' endpoint (aws:SourceVpce), is reached through the endpoint: making these APIs private (endpoint type PRIVATE and that policy) is the change that would let an endpoint carry this traffic".to_string(),
    ];
    if scope.required_private(&s.service) {
        why.push("--require-private execute-api cannot make public APIs private: an endpoint is not recommended until they are".into());
    }
    Some(why)
}

/// The service belongs to a VPC in another Region than the priced one: where
/// to create the endpoint.
fn other_vpc_region_note(s: &ServiceUsage, scope: &Scope) -> Option<String> {
    let region = &scope.region;
    s.region.as_deref().filter(|r| r != region).map(|r| {
        format!("{r} is the Region of VPCs in these logs: the endpoint belongs in those VPCs (figures use {region}'s prices; iac writes it with --region {r})")
    })
}

/// A gateway endpoint is free: always recommended, with what it carries.
fn gateway_endpoint(s: &mut ServiceUsage, ctx: &Pricing, m: &Monthly) -> Decision {
    gateway_reasons(s, &ctx.scope, &format!("it saves all of {}", m.nat_line));
    if m.month == 0.0 {
        s.reasons.push("no traffic through NAT in the window: recommended because it costs nothing and keeps the traffic off the internet path".into());
    }
    (Recommendation::CreateGateway, Some(0.0))
}

/// Why a gateway endpoint: free (`saves` says what it saves), what it
/// carries, and who cannot reach it.
fn gateway_reasons(s: &mut ServiceUsage, scope: &Scope, saves: &str) {
    s.reasons.extend(other_vpc_region_note(s, scope));
    s.reasons.push(format!(
        "a gateway endpoint is free (no hourly or per-GB charge): {saves}"
    ));
    s.reasons.push(format!(
        "it carries every {} name by IP through the route tables, including legacy, dual-stack and bucket names",
        s.service
    ));
    if s.service == "s3" {
        s.reasons.push("an S3 interface endpoint is only needed for on-premises, peered or transit-gateway clients; with 'private DNS only for inbound endpoint' it needs this gateway endpoint beside it".into());
    }
    if scope.clients_outside_vpc {
        s.reasons.push("some NAT traffic comes from outside the VPC CIDRs (peered VPCs, transit gateway or on-premises): a gateway endpoint is not reachable from there; those clients need an interface endpoint".into());
    }
}

/// Decides between create-interface, not-worth-it and needs-client-change
/// from the endpoint's monthly cost against NAT's.
fn interface_endpoint(s: &mut ServiceUsage, ctx: &Pricing, m: &Monthly) -> Decision {
    s.reasons.extend(other_vpc_region_note(s, &ctx.scope));
    let (p, tier1) = (&ctx.p, ctx.prices.interface_first_tier_usd_per_gb());
    let required = ctx.scope.required_private(&s.service);
    if m.covered <= 0.0 && m.uncovered > 0.0 && !required {
        return needs_client_change(s, ctx, m);
    }
    let with = ctx.interface_hours() + m.covered * ctx.rate.usd_per_gb + m.uncovered * p.nat_usd_per_gb;
    s.reasons
        .push(format!("{}; {}", m.nat_line, interface_cost_line(ctx, m, with)));
    if m.uncovered > 0.0 {
        s.reasons.push(format!(
            "{} a month use names the endpoint's private DNS does not cover ({}) and stay on NAT until clients change: {}",
            gbs(m.uncovered),
            m.uncovered_names.join(", "),
            client_change(&s.service, &ctx.scope.region)
        ));
    }
    if let Some(be) = s.break_even_gb_per_month {
        s.reasons.push(format!(
            "break-even: {} × {} × ${} / (${} − ${tier1}) = {} a month",
            ctx.azs,
            ctx.prices.month_hours,
            p.interface_usd_per_az_hour,
            p.nat_usd_per_gb,
            gbs(be)
        ));
    }
    if required {
        let net = if m.now >= with {
            format!("saving {}", usd(m.now - with))
        } else {
            format!("cost {}", usd(with - m.now))
        };
        s.reasons.push(format!(
            "required private by --require-private: a policy choice, not a saving (net {net} a month)"
        ));
        (Recommendation::CreateInterface, Some(with))
    } else if with < m.now {
        s.reasons.extend(one_az_note(ctx, m));
        (Recommendation::CreateInterface, Some(with))
    } else {
        s.reasons.push(format!(
            "not worth it: {} a month is below the break-even of {} for {} AZs",
            gbs(m.month),
            s.break_even_gb_per_month.map_or("?".into(), gbs),
            ctx.azs
        ));
        (Recommendation::NotWorthIt, Some(with))
    }
}

/// "an interface endpoint in N AZs costs …": the arithmetic of `with`.
fn interface_cost_line(ctx: &Pricing, m: &Monthly, with: f64) -> String {
    let (p, azs) = (&ctx.p, ctx.azs);
    format!(
        "an interface endpoint in {azs} AZ{} costs {azs} × {} h × ${}/h + {} × {}{} = {}",
        if azs == 1 { "" } else { "s" },
        ctx.prices.month_hours,
        p.interface_usd_per_az_hour,
        gbs(m.covered),
        ctx.rate.quoted(),
        if m.uncovered > 0.0 {
            format!(" + {} still through NAT × ${}/GB", gbs(m.uncovered), p.nat_usd_per_gb)
        } else {
            String::new()
        },
        usd(with)
    )
}

/// All the traffic uses names the endpoint does not cover: the clients must
/// change first; priced as if they had.
fn needs_client_change(s: &mut ServiceUsage, ctx: &Pricing, m: &Monthly) -> Decision {
    s.reasons.push(format!(
        "all {} a month use names an interface endpoint's private DNS does not cover ({}): {}",
        gbs(m.uncovered),
        m.uncovered_names.join(", "),
        client_change(&s.service, &ctx.scope.region)
    ));
    let after = ctx.interface_hours() + m.month * ctx.prices.interface_first_tier_usd_per_gb();
    s.reasons.push(format!(
        "after that change: {} against {} for the endpoint",
        m.nat_line,
        usd(after)
    ));
    (Recommendation::NeedsClientChange, Some(after))
}

/// With several AZs: what the endpoint would cost in one AZ, paying cross-AZ
/// charges instead of the other AZs' hours.
fn one_az_note(ctx: &Pricing, m: &Monthly) -> Option<String> {
    let (p, azs) = (&ctx.p, ctx.azs);
    if azs <= 1 {
        return None;
    }
    let one_az = ctx.prices.month_hours * p.interface_usd_per_az_hour
        + m.covered * ctx.rate.usd_per_gb
        + m.covered * (azs - 1) as f64 / azs as f64 * CROSS_AZ_LEGS * p.cross_az_usd_per_gb
        + m.uncovered * p.nat_usd_per_gb;
    Some(format!(
        "one endpoint ENI per AZ avoids cross-AZ charges; in one AZ it would cost {} (the {}/{} of traffic from other AZs pays ${}/GB each way)",
        usd(one_az),
        azs - 1,
        azs,
        p.cross_az_usd_per_gb
    ))
}

/// What else a recommended interface endpoint needs, or breaks, for this service.
fn interface_companion_note(service: &str, region: &str) -> Option<String> {
    match service {
        "ecr.dkr" | "ecr.api" => Some(format!(
            "image layers are downloaded from S3 (prod-{region}-starport-layer-bucket): pulls also need the S3 gateway endpoint, and need both ecr.api and ecr.dkr"
        )),
        _ => None,
    }
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
            series: None,
        }
    }

    fn ctx<'a>(
        prices: &'a PriceTable,
        opts: &'a AdviceOptions,
        region: &str,
        vpc_regions: &[&str],
        azs: u32,
    ) -> Pricing<'a> {
        Pricing {
            scope: Scope {
                region: region.into(),
                vpc_regions: vpc_regions.iter().map(|r| r.to_string()).collect(),
                clients_outside_vpc: false,
                inventory: None,
                opts,
            },
            rate: InterfaceRate {
                usd_per_gb: prices.interface_first_tier_usd_per_gb(),
                blended_over_gb: None,
            },
            p: prices.region(region).unwrap().clone(),
            prices,
            azs,
            factor: 1.0,
        }
    }

    #[test]
    fn pricing_region_prefers_the_flag_then_the_first_vpc_region() {
        let regions: BTreeSet<String> = ["eu-west-1", "us-east-1"].iter().map(|r| r.to_string()).collect();
        let mut w = vec![];
        assert_eq!(
            pricing_region(&regions, &AdviceOptions::default(), &mut w).as_deref(),
            Some("eu-west-1")
        );
        assert!(w[0].contains("several Regions (eu-west-1, us-east-1)"), "{w:?}");
        let mut w = vec![];
        let given = AdviceOptions {
            region: Some("us-east-1".into()),
            ..Default::default()
        };
        assert_eq!(pricing_region(&regions, &given, &mut w).as_deref(), Some("us-east-1"));
        assert!(w.is_empty(), "{w:?}");
        let mut w = vec![];
        assert_eq!(
            pricing_region(&BTreeSet::new(), &AdviceOptions::default(), &mut w),
            None
        );
        assert!(w[0].contains("give --region"), "{w:?}");
    }

    #[test]
    fn monthly_factor_scales_the_window_and_warns_on_short_or_gappy_ones() {
        let mut r = report("us-east-1", 73.0, &[], vec![]);
        assert_eq!(monthly_factor(&mut r, 730.0), 10.0);
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        let mut r = report("us-east-1", 10.0, &[], vec![]);
        r.window.hours_without_flow_records = 3;
        assert_eq!(monthly_factor(&mut r, 730.0), 73.0);
        assert!(r.warnings[0].contains("shorter than a day"), "{:?}", r.warnings);
        assert!(r.warnings[1].starts_with("3 of the window's hours"), "{:?}", r.warnings);
        let mut r = report("us-east-1", 0.0, &[], vec![]);
        assert_eq!(monthly_factor(&mut r, 730.0), 0.0);
        assert!(r.warnings[0].contains("no length"), "{:?}", r.warnings);
    }

    #[test]
    fn priced_azs_flag_then_flow_logs_then_default() {
        let mut r = report("us-east-1", 24.0, &["a", "b", "c"], vec![]);
        let flag = AdviceOptions {
            azs: Some(0),
            ..Default::default()
        };
        assert_eq!(priced_azs(&mut r, None, &flag), (1, "--azs".to_string()));
        assert_eq!(
            priced_azs(&mut r, None, &AdviceOptions::default()),
            (3, "flow logs (az-id)".to_string())
        );
        assert!(r.warnings.is_empty());
        let mut r = report("us-east-1", 24.0, &[], vec![]);
        assert_eq!(
            priced_azs(&mut r, None, &AdviceOptions::default()),
            (DEFAULT_AZS, "assumed".to_string())
        );
        assert!(r.warnings[0].contains("set --azs"), "{:?}", r.warnings);
    }

    #[test]
    fn unsupported_without_endpoint_service_or_in_a_region_without_vpcs() {
        let (prices, opts) = (PriceTable::embedded(), AdviceOptions::default());
        let c = ctx(&prices, &opts, "us-east-1", &["us-east-1", "eu-west-1"], 2);
        let none = service("brandnew", &[], 1);
        assert!(unsupported_reason(&none, &c.scope)
            .unwrap()
            .contains("no VPC endpoint service"));
        let mut far = service("sqs", &[EndpointType::Interface], 1);
        far.region = Some("ap-south-1".into());
        assert!(unsupported_reason(&far, &c.scope)
            .unwrap()
            .contains("goes to ap-south-1, another Region"));
        // A Region of another VPC in the logs is supported (the endpoint belongs there).
        far.region = Some("eu-west-1".into());
        assert_eq!(unsupported_reason(&far, &c.scope), None);
        assert!(other_vpc_region_note(&far, &c.scope)
            .unwrap()
            .contains("--region eu-west-1"));
    }

    #[test]
    fn one_az_note_only_with_several_azs() {
        let (prices, opts) = (PriceTable::embedded(), AdviceOptions::default());
        let s = service("sqs", &[EndpointType::Interface], 1000);
        let c = ctx(&prices, &opts, "us-east-1", &["us-east-1"], 1);
        assert_eq!(one_az_note(&c, &Monthly::of(&s, &c)), None);
        let c = ctx(&prices, &opts, "us-east-1", &["us-east-1"], 2);
        // 730 × 0.01 + 1000 × 0.01 + 1000 × 1/2 × 2 × 0.01 = 7.30 + 10 + 10.
        let note = one_az_note(&c, &Monthly::of(&s, &c)).unwrap();
        assert!(note.contains("would cost $27.30"), "{note}");
    }

    #[test]
    fn nat_still_needed_decides_on_what_stays() {
        let costs = CostTotals {
            nat_gateways: 2,
            nat_hours_usd: 65.7,
            ..Default::default()
        };
        let (needed, why) = nat_still_needed(5.0, 2.0, &["sqs".into()], 1, &costs);
        assert!(needed);
        assert!(
            why.starts_with("5.00 GB a month would still go through NAT: 2.00 GB outside AWS")
                && why.ends_with("and to sqs"),
            "{why}"
        );
        let (needed, why) = nat_still_needed(0.0, 0.0, &[], 1, &costs);
        assert!(!needed);
        assert!(
            why.contains("NAT gateways could be removed, saving a further $65.70"),
            "{why}"
        );
        assert_eq!(
            nat_still_needed(0.0, 0.0, &[], 0, &costs),
            (false, "no traffic through NAT in the logs".into())
        );
        // Removing the gateways also ends their Elastic IPs' public IPv4 charge.
        let with_ips = CostTotals {
            nat_public_ipv4_usd: Some(7.3),
            nat_public_ipv4_addresses: Some(2),
            nat_public_ipv4_source: Some("live inventory".into()),
            ..costs
        };
        let (_, why) = nat_still_needed(0.0, 0.0, &[], 1, &with_ips);
        assert!(
            why.contains("$65.70 for the gateway hours and $7.30 for the public IPv4 of 2 Elastic IPs (live inventory), $73.00 in all"),
            "{why}"
        );
    }

    #[test]
    fn nat_public_addresses_come_from_the_inventory_else_one_per_gateway() {
        let mut r = report("us-east-1", 24.0, &[], Vec::new());
        assert_eq!(
            nat_public_addresses(None, 2),
            (2, "one per NAT gateway (assumed)".into())
        );
        let inv = vpce_model::inventory::Inventory {
            nat_gateways: vec![
                vpce_model::inventory::NatGatewayInfo {
                    public_ips: vec!["198.51.100.1".into(), "198.51.100.2".into()],
                    ..Default::default()
                },
                // A private NAT gateway has no public address.
                vpce_model::inventory::NatGatewayInfo::default(),
            ],
            ..Default::default()
        };
        r.live = Some(vpce_model::Live {
            inventory: inv,
            findings: Vec::new(),
        });
        assert_eq!(
            nat_public_addresses(r.live.as_ref().map(|l| &l.inventory), 2),
            (2, "live inventory".into())
        );
    }

    #[test]
    fn one_nat_gateway_is_billed_when_traffic_shows_one_without_its_address() {
        let r = report(
            "us-east-1",
            24.0,
            &[],
            vec![service("sqs", &[EndpointType::Interface], 1)],
        );
        assert_eq!(billed_nat_gateways(&r), 1);
        let r = report("us-east-1", 24.0, &[], vec![]);
        assert_eq!(billed_nat_gateways(&r), 0);
    }

    #[test]
    fn execute_api_through_nat_is_public_apis_never_an_interface_endpoint() {
        // Far above break-even: an interface endpoint would be "cheaper", but
        // it cannot carry calls to public APIs.
        for require_private in [vec![], vec!["execute-api".to_string()]] {
            let mut r = report(
                "us-east-1",
                730.0,
                &["a", "b"],
                vec![service("execute-api", &[EndpointType::Interface], 5000)],
            );
            let opts = AdviceOptions {
                require_private: require_private.clone(),
                ..Default::default()
            };
            advise(&mut r, &PriceTable::embedded(), &opts);
            let api = get(&r, "execute-api");
            assert_eq!(
                api.recommendation,
                Some(Recommendation::Unsupported),
                "{:?}",
                api.reasons
            );
            let all = api.reasons.join("\n");
            assert!(
                all.contains("public (regional or edge-optimized) API Gateway APIs"),
                "{all}"
            );
            assert!(
                all.contains("only a private API") && all.contains("aws:SourceVpce"),
                "{all}"
            );
            assert!(all.contains("making these APIs private"), "{all}");
            // 2 × 730 × 0.01 + 5000 × 0.01 = 64.60 once they are private.
            assert!(all.contains("against $64.60 for the endpoint"), "{all}");
            assert_eq!(api.monthly_savings_usd, None);
            assert_eq!(r.costs.as_ref().unwrap().recommended_endpoints_usd, 0.0);
            assert_eq!(
                all.contains("--require-private execute-api"),
                !require_private.is_empty()
            );
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
        advise(&mut r, &PriceTable::embedded(), &AdviceOptions::default());
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
        advise(&mut r, &PriceTable::embedded(), &AdviceOptions::default());
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
        advise(&mut r, &PriceTable::embedded(), &opts);
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
        advise(&mut r, &PriceTable::embedded(), &AdviceOptions::default());
        let k = get(&r, "kinesis-streams");
        let want = 14.6 + pb as f64 * 0.01 + (pb / 2) as f64 * 0.006;
        assert!(
            close(k.monthly_cost_with_endpoint_usd, want),
            "{:?} vs {want}",
            k.monthly_cost_with_endpoint_usd
        );
        // The reason's arithmetic uses the blended rate the figure used:
        // (1 PB × 0.01 + 0.5 PB × 0.006) / 1.5 PB = $0.0087/GB, not the first tier.
        let line = k
            .reasons
            .iter()
            .find(|x| x.contains("an interface endpoint in 2 AZs costs"))
            .unwrap_or_else(|| panic!("{:?}", k.reasons));
        assert!(
            line.contains("1572864 GB × $0.0087/GB (the blended tiered rate"),
            "{line}"
        );
        assert!(line.ends_with(&format!("= {}", usd(want))), "{line} vs {want}");
        assert!(k.reasons.iter().all(|x| !x.contains("× $0.01/GB")), "{:?}", k.reasons);
        // Redone once, not stacked on the first-tier reasons.
        assert_eq!(k.reasons.iter().filter(|x| x.contains("costs 2 × 730 h")).count(), 1);
        let one_az = k
            .reasons
            .iter()
            .find(|x| x.contains("in one AZ it would cost"))
            .unwrap();
        let blended = want - 14.6;
        let expect = 7.3 + blended + (pb + pb / 2) as f64 * 0.5 * 2.0 * 0.01;
        assert!(one_az.contains(&usd(expect)), "{one_az} vs {expect}");
    }

    #[test]
    fn required_private_endpoints_count_in_the_net_total() {
        use EndpointType::*;
        let mut r = report(
            "us-east-1",
            730.0,
            &["a", "b"],
            vec![
                service("s3", &[Gateway, Interface], 500),
                service("secretsmanager", &[Interface], 1),
            ],
        );
        let opts = AdviceOptions {
            require_private: vec!["secretsmanager".into()],
            ..Default::default()
        };
        advise(&mut r, &PriceTable::embedded(), &opts);
        let c = r.costs.as_ref().unwrap();
        // s3 saves 22.50; secretsmanager costs 14.60 + 0.01 against 0.045 on NAT.
        assert!((c.savings_if_all_applied_usd - 22.5).abs() < 1e-9);
        let net = 22.5 + 0.045 - (14.6 + 0.01);
        assert!(
            close(c.net_savings_if_all_applied_usd, net),
            "{:?} vs {net}",
            c.net_savings_if_all_applied_usd
        );
        // Without the requirement, secretsmanager is not worth it and net = savings.
        let mut r = report(
            "us-east-1",
            730.0,
            &["a", "b"],
            vec![
                service("s3", &[Gateway, Interface], 500),
                service("secretsmanager", &[Interface], 1),
            ],
        );
        advise(&mut r, &PriceTable::embedded(), &AdviceOptions::default());
        let c = r.costs.as_ref().unwrap();
        assert!(close(c.net_savings_if_all_applied_usd, c.savings_if_all_applied_usd));
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
        advise(&mut r, &table, &AdviceOptions::default());
        // now 100 × 0.10 = 10.00; with 1 × 730 × 0.010 + 100 × 0.01 = 8.30.
        assert!(close(get(&r, "sqs").monthly_savings_usd, 1.7));
        // A Region the table lacks: traffic kept, costs null, a warning, no abort.
        let mut r = report(
            "mars-north-1",
            730.0,
            &["a"],
            vec![
                service("s3", &[EndpointType::Gateway, EndpointType::Interface], 50),
                service("sqs", &[EndpointType::Interface], 900),
                service("kms", &[EndpointType::Interface], 1),
            ],
        );
        let opts = AdviceOptions {
            require_private: vec!["kms".into()],
            ..Default::default()
        };
        advise(&mut r, &PriceTable::embedded(), &opts);
        assert!(r.pricing.is_none() && r.costs.is_none());
        let w = r
            .warnings
            .iter()
            .find(|w| w.contains("mars-north-1"))
            .expect("a warning names the Region");
        assert!(w.contains("--pricing FILE") && w.contains("costs are null"), "{w}");
        assert_eq!(r.totals.bytes_via_nat, 951 * GIB);
        let s3 = get(&r, "s3");
        assert_eq!(
            s3.recommendation,
            Some(Recommendation::CreateGateway),
            "free, so no price is needed"
        );
        assert!(s3.reasons.iter().any(|x| x.contains("not priced")), "{:?}", s3.reasons);
        let sqs = get(&r, "sqs");
        assert_eq!((sqs.recommendation, sqs.bytes_via_nat), (None, 900 * GIB));
        assert!(sqs.reasons[0].contains("mars-north-1's prices"), "{:?}", sqs.reasons);
        assert_eq!(get(&r, "kms").recommendation, Some(Recommendation::CreateInterface));
        for s in &r.services {
            let costs = [
                s.monthly_gb_via_nat,
                s.monthly_cost_now_usd,
                s.monthly_cost_with_endpoint_usd,
                s.monthly_savings_usd,
                s.break_even_gb_per_month,
            ];
            assert!(costs.iter().all(Option::is_none), "{}: {costs:?}", s.service);
        }
    }
}
