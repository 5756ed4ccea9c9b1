//! Endpoints that one feature needs together, priced and decided together:
//! ECR (ecr.api and ecr.dkr, with the S3 gateway endpoint for the image
//! layers) and Session Manager (ssm and ssmmessages; ec2messages only for
//! SSM Agents older than 3.3.40.0). When one of them pays for itself and
//! another does not, their savings are added up: if the sum is positive
//! both are recommended, else only the one that pays, with the reason it
//! works alone (the other's calls keep going through NAT).

use vpce_model::{Bundle, Recommendation, ServiceUsage};

use super::{interface_companion_note, usd, Pricing};

/// One bundle: its interface endpoints, the ones needed only when the logs
/// show traffic to them, and what it needs besides.
struct Def {
    name: &'static str,
    members: &'static [&'static str],
    only_with_traffic: &'static [(&'static str, &'static str)],
    /// What the endpoints do together.
    together: &'static str,
    /// Why one of them works alone while NAT stays.
    alone: &'static str,
}

const BUNDLES: [Def; 2] = [
    Def {
        name: "ecr",
        members: &["ecr.api", "ecr.dkr"],
        only_with_traffic: &[],
        together: "image pulls through endpoints need ecr.api (authorization tokens and the registry API), ecr.dkr (the Docker registry) and the S3 gateway endpoint (the layers come from S3)",
        alone: "either endpoint works alone while the NAT gateway stays: the other's calls keep going through NAT; both are needed only to pull without NAT",
    },
    Def {
        name: "session-manager",
        members: &["ssm", "ssmmessages"],
        only_with_traffic: &[(
            "ec2messages",
            "ec2messages is needed only by SSM Agents older than 3.3.40.0",
        )],
        together: "Session Manager through endpoints needs ssm and ssmmessages (plus kms and logs if sessions are encrypted or logged)",
        alone: "either endpoint works alone while the NAT gateway stays: the other's calls keep going through NAT; all are needed only to manage instances without NAT",
    },
];

/// The bundle decisions; recommends the members of a bundle whose combined
/// saving is positive. Run after the Region-wide tiers (which redo only
/// create-interface decisions that pay on their own).
pub(super) fn decide(services: &mut [ServiceUsage], ctx: &Pricing) -> Vec<Bundle> {
    BUNDLES.iter().filter_map(|d| decide_one(d, services, ctx)).collect()
}

fn decide_one(d: &Def, services: &mut [ServiceUsage], ctx: &Pricing) -> Option<Bundle> {
    let priced = |s: &ServiceUsage| {
        matches!(
            s.recommendation,
            Some(Recommendation::CreateInterface | Recommendation::NotWorthIt)
        ) && s.monthly_savings_usd.is_some()
    };
    let mut notes = Vec::new();
    let mut names: Vec<&str> = d.members.to_vec();
    for (name, why) in d.only_with_traffic {
        let used = services
            .iter()
            .any(|s| s.service == *name && (s.bytes_via_nat > 0 || s.query_count > 0));
        if used {
            names.push(name);
            notes.push(format!("{why}: the logs show agents that use it"));
        } else {
            notes.push(format!("{why} (no traffic to it in the logs)"));
        }
    }
    let idx: Vec<usize> = (0..services.len())
        .filter(|&i| names.contains(&services[i].service.as_str()) && priced(&services[i]))
        .collect();
    if !idx
        .iter()
        .any(|&i| services[i].recommendation == Some(Recommendation::CreateInterface))
    {
        return None;
    }
    let combined: f64 = idx.iter().filter_map(|&i| services[i].monthly_savings_usd).sum();
    let terms: Vec<String> = idx
        .iter()
        .map(|&i| {
            let s = &services[i];
            format!("{} {}", s.service, usd(s.monthly_savings_usd.unwrap_or(0.0)))
        })
        .collect();
    let arithmetic = format!("{} = {} a month", terms.join(" + "), usd(combined));
    let all_pay = idx
        .iter()
        .all(|&i| services[i].recommendation == Some(Recommendation::CreateInterface));
    let (decision, reason) = if all_pay {
        (
            "together",
            format!("{}: each pays on its own ({arithmetic})", d.together),
        )
    } else if combined > 0.0 {
        for &i in &idx {
            let s = &mut services[i];
            if s.recommendation == Some(Recommendation::NotWorthIt) {
                s.recommendation = Some(Recommendation::CreateInterface);
                s.reasons
                    .extend(interface_companion_note(&s.service, &ctx.scope.region));
            }
        }
        (
            "together",
            format!(
                "{}: priced together they save {arithmetic}, so all are recommended, the ones that do not pay alone included",
                d.together
            ),
        )
    } else {
        let chosen: Vec<String> = idx
            .iter()
            .filter(|&&i| services[i].recommendation == Some(Recommendation::CreateInterface))
            .map(|&i| {
                let name = &services[i].service;
                if ctx.scope.required_private(name) {
                    format!("{name} (required by --require-private)")
                } else {
                    format!("{name} (it pays alone)")
                }
            })
            .collect();
        (
            "one-suffices",
            format!(
                "{}; priced together they would save {arithmetic}, so only {} {} recommended: {}",
                d.together,
                chosen.join(", "),
                if chosen.len() == 1 { "is" } else { "are" },
                d.alone
            ),
        )
    };
    let requires = requirements(d, services);
    let mut line = format!("{} bundle: {reason}", d.name);
    for n in notes.iter().chain(&requires) {
        line.push_str(&format!("; {n}"));
    }
    for &i in &idx {
        services[i].reasons.push(line.clone());
    }
    Some(Bundle {
        name: d.name.into(),
        services: idx.iter().map(|&i| services[i].service.clone()).collect(),
        requires,
        combined_savings_usd: combined,
        decision: decision.into(),
        reason: line,
    })
}

/// What the bundle needs besides its interface endpoints: ECR's S3 gateway
/// endpoint, with what the report says about it.
fn requirements(d: &Def, services: &[ServiceUsage]) -> Vec<String> {
    if d.name != "ecr" {
        return Vec::new();
    }
    let state = services
        .iter()
        .find(|s| s.service == "s3")
        .and_then(|s| s.recommendation)
        .map_or("create it (free): the report has no S3 traffic to decide on", |r| {
            r.as_str()
        });
    vec![format!("s3 gateway endpoint: {state}")]
}

#[cfg(test)]
mod tests {
    use vpce_model::{EndpointType, Recommendation, Report};
    use vpce_pricing::PriceTable;

    use crate::advise::tests::{report, service};
    use crate::advise::{advise, AdviceOptions};

    fn get<'a>(r: &'a Report, name: &str) -> &'a vpce_model::ServiceUsage {
        r.services.iter().find(|s| s.service == name).unwrap()
    }

    fn advised(services: &[(&str, u64)]) -> Report {
        let mut v: Vec<_> = services
            .iter()
            .map(|(n, gb)| service(n, &[EndpointType::Interface], *gb))
            .collect();
        v.push(service("s3", &[EndpointType::Gateway, EndpointType::Interface], 100));
        let mut r = report("us-east-1", 730.0, &["a", "b"], v);
        advise(&mut r, &PriceTable::embedded(), &AdviceOptions::default());
        r
    }

    #[test]
    fn a_half_that_pays_carries_the_other_when_the_sum_is_positive() {
        // ecr.dkr: 1000 GB: now 45.00, with 14.60 + 10.00: saves 20.40.
        // ecr.api: 10 GB: now 0.45, with 14.60 + 0.10: saves −14.25.
        let r = advised(&[("ecr.dkr", 1000), ("ecr.api", 10)]);
        assert_eq!(get(&r, "ecr.dkr").recommendation, Some(Recommendation::CreateInterface));
        assert_eq!(
            get(&r, "ecr.api").recommendation,
            Some(Recommendation::CreateInterface),
            "{:?}",
            get(&r, "ecr.api").reasons
        );
        let b = &r.costs.as_ref().unwrap().bundles[0];
        assert_eq!((b.name.as_str(), b.decision.as_str()), ("ecr", "together"));
        assert!((b.combined_savings_usd - (20.4 - 14.25)).abs() < 1e-6, "{b:?}");
        assert!(
            b.reason.contains("ecr.dkr $20.40 + ecr.api $-14.25 = $6.15 a month"),
            "{}",
            b.reason
        );
        assert_eq!(b.requires, ["s3 gateway endpoint: create-gateway"]);
        assert!(get(&r, "ecr.api").reasons.contains(&b.reason));
        // The net total counts the half that does not pay alone.
        let c = r.costs.as_ref().unwrap();
        let net = c.net_savings_if_all_applied_usd.unwrap();
        assert!((net - (4.5 + 6.15)).abs() < 1e-6, "{net}");
    }

    #[test]
    fn one_half_suffices_when_the_sum_does_not_pay() {
        // ssm: 500 GB saves 22.50 − 14.60 − 5.00 = 2.90; ssmmessages 1 GB saves −14.58.
        let r = advised(&[("ssm", 500), ("ssmmessages", 1)]);
        assert_eq!(get(&r, "ssm").recommendation, Some(Recommendation::CreateInterface));
        assert_eq!(get(&r, "ssmmessages").recommendation, Some(Recommendation::NotWorthIt));
        let b = &r.costs.as_ref().unwrap().bundles[0];
        assert_eq!(
            (b.name.as_str(), b.decision.as_str()),
            ("session-manager", "one-suffices")
        );
        assert!(
            b.reason.contains("works alone while the NAT gateway stays"),
            "{}",
            b.reason
        );
        assert!(
            b.reason
                .contains("Session Manager through endpoints needs ssm and ssmmessages")
                && b.reason
                    .contains("= $-11.67 a month, so only ssm (it pays alone) is recommended"),
            "{}",
            b.reason
        );
        assert!(
            b.reason.contains(
                "ec2messages is needed only by SSM Agents older than 3.3.40.0 (no traffic to it in the logs)"
            ),
            "{}",
            b.reason
        );
        assert_eq!(
            b.services,
            ["ssm", "ssmmessages"],
            "ec2messages left out without traffic"
        );
    }

    #[test]
    fn old_agents_bring_ec2messages_into_the_bundle_and_no_bundle_without_a_recommendation() {
        let r = advised(&[("ssm", 2000), ("ssmmessages", 2000), ("ec2messages", 1)]);
        let b = &r.costs.as_ref().unwrap().bundles[0];
        assert_eq!(b.services.len(), 3, "{b:?}");
        assert!(b.reason.contains("the logs show agents that use it"), "{}", b.reason);
        assert_eq!(
            get(&r, "ec2messages").recommendation,
            Some(Recommendation::CreateInterface)
        );
        let r = advised(&[("ssm", 1), ("ssmmessages", 1)]);
        assert!(r.costs.as_ref().unwrap().bundles.is_empty());
        assert_eq!(get(&r, "ssm").recommendation, Some(Recommendation::NotWorthIt));
    }
}
