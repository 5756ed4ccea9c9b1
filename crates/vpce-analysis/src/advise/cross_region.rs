//! Traffic to a service in another Region than the VPCs' (a Region-bound
//! legacy name such as `queue.amazonaws.com` from eu-west-1): no endpoint of
//! the VPC's Region carries it, and it pays inter-Region data transfer on
//! top of NAT. For the services that support cross-Region PrivateLink, an
//! interface endpoint in the VPC's Region for the other Region's service is
//! the alternative, priced in the reason (the transfer is still charged).

use vpce_model::{Recommendation, ServiceUsage};

use super::{gbs, usd, Decision, Monthly, Pricing};

/// The other Region this service's traffic goes to, if it is neither the
/// priced Region nor a Region of the VPCs in the logs.
pub(super) fn other_region<'a>(s: &'a ServiceUsage, ctx: &Pricing) -> Option<&'a str> {
    let scope = &ctx.scope;
    s.region
        .as_deref()
        .filter(|r| *r != scope.region && !scope.vpc_regions.contains(*r))
}

/// With prices: the cross-Region decision (`unsupported` by a same-Region
/// endpoint), today's cost with the inter-Region transfer, and the
/// cross-Region PrivateLink alternative where the service supports it.
pub(super) fn priced(s: &mut ServiceUsage, ctx: &Pricing, m: &Monthly) -> Option<Decision> {
    let other = other_region(s, ctx)?.to_string();
    let region = &ctx.scope.region;
    s.reasons.push(format!(
        "this traffic goes to {other}, another Region: an endpoint for {region}'s {} does not carry it (gateway endpoints are same-Region only)",
        s.service
    ));
    let Some(ir) = ctx.p.inter_region.as_ref() else {
        s.reasons.push(format!(
            "the price table has no inter-Region data transfer rate for {region}: the cost now is NAT processing only"
        ));
        return Some(cross_region_alternative(s, ctx, m, &other, m.now));
    };
    let transfer = m.month * ir.usd_per_gb;
    let now = m.now + transfer;
    s.monthly_cost_now_usd = Some(now);
    s.reasons.push(format!(
        "it pays NAT and inter-Region data transfer: {} + {} × ${}/GB inter-Region = {} a month (the transfer rate is {} confidence: {}; both directions priced at it)",
        m.nat_line,
        gbs(m.month),
        ir.usd_per_gb,
        usd(now),
        ir.confidence,
        ir.source
    ));
    Some(cross_region_alternative(s, ctx, m, &other, now))
}

/// What could carry it: a cross-Region PrivateLink endpoint (priced), or
/// nothing but moving the resource or the client.
fn cross_region_alternative(s: &mut ServiceUsage, ctx: &Pricing, m: &Monthly, other: &str, now: f64) -> Decision {
    let region = &ctx.scope.region;
    if s.endpoint_cross_region {
        let transfer = now - m.now;
        let with = ctx.interface_hours() + m.month * ctx.prices.interface_first_tier_usd_per_gb() + transfer;
        s.reasons.push(format!(
            "{} supports cross-Region PrivateLink: an interface endpoint in {region} for {other}'s {} would carry it without NAT for {} a month ({} AZs × {} h × ${}/h + {} × ${}/GB + the inter-Region transfer, still charged) against {} now; iac does not write cross-Region endpoints yet",
            s.service,
            s.service,
            usd(with),
            ctx.azs,
            ctx.prices.month_hours,
            ctx.p.interface_usd_per_az_hour,
            gbs(m.month),
            ctx.prices.interface_first_tier_usd_per_gb(),
            usd(now)
        ));
    } else {
        s.reasons.push(format!(
            "{} does not support cross-Region PrivateLink (S3, IAM, ECR, KMS, ECS, Lambda, Firehose, Flink and Route 53 do): it stays on NAT unless the resource moves to {region} and the clients use its regional name",
            s.service
        ));
    }
    (Recommendation::Unsupported, None)
}

#[cfg(test)]
mod tests {
    use vpce_model::{EndpointType, Recommendation};
    use vpce_pricing::PriceTable;

    use crate::advise::tests::{report, service};
    use crate::advise::{advise, AdviceOptions};

    #[test]
    fn another_regions_service_pays_inter_region_transfer_and_names_cross_region_privatelink() {
        let mut r = report(
            "eu-west-1",
            730.0,
            &["a", "b"],
            vec![service("kms", &[EndpointType::Interface], 1000)],
        );
        r.services[0].region = Some("us-east-1".into());
        r.services[0].endpoint_cross_region = true;
        advise(&mut r, &PriceTable::embedded(), &AdviceOptions::default());
        let kms = &r.services[0];
        assert_eq!(kms.recommendation, Some(Recommendation::Unsupported));
        // 1000 GB × $0.048 NAT + 1000 GB × $0.02 inter-Region = $68.00.
        assert!(
            (kms.monthly_cost_now_usd.unwrap() - 68.0).abs() < 1e-9,
            "{:?}",
            kms.monthly_cost_now_usd
        );
        assert_eq!(kms.monthly_savings_usd, None);
        let all = kms.reasons.join("\n");
        assert!(
            all.contains("= $68.00 a month (the transfer rate is low confidence"),
            "{all}"
        );
        // 2 × 730 × $0.011 + 1000 × $0.01 + $20.00 transfer = $46.06.
        assert!(
            all.contains("kms supports cross-Region PrivateLink: an interface endpoint in eu-west-1 for us-east-1's kms would carry it without NAT for $46.06 a month"),
            "{all}"
        );
    }
}
