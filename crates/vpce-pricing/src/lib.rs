//! The one price table, and the arithmetic on it.
//!
//! Prices live in a dated data file (`data/pricing.json`, embedded; replace it
//! with `--pricing FILE`). Every Region entry carries its own date, source and
//! confidence, so a report can show where each number came from.
//!
//! All amounts are USD; volumes are GB of 2^30 bytes, as AWS bills. Costs are
//! `f64` estimates, rounded only when shown.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The embedded price table.
pub const EMBEDDED_PRICING: &str = include_str!("../../../data/pricing.json");

const FORMAT: &str = "vpce-advisor-pricing/1";

/// One tier of interface endpoint data processing: up to `up_to_gb` per month,
/// Region-wide (`None`: no upper bound).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tier {
    pub up_to_gb: Option<f64>,
    pub usd_per_gb: f64,
}

/// The prices of one Region.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegionPrices {
    pub nat_usd_per_hour: f64,
    pub nat_usd_per_gb: f64,
    pub interface_usd_per_az_hour: f64,
    pub cross_az_usd_per_gb: f64,
    pub as_of: String,
    /// `high`, `medium` or `low` (estimated).
    pub confidence: String,
    pub source: String,
    /// Data transfer from this Region to another AWS Region, $/GB (traffic
    /// to a service in another Region pays it on top of NAT); `None` in price
    /// files written before it was listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inter_region: Option<InterRegionPrice>,
}

/// The inter-Region data transfer rate of a Region, dated and sourced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InterRegionPrice {
    pub usd_per_gb: f64,
    pub as_of: String,
    /// `high`, `medium` or `low` (estimated).
    pub confidence: String,
    pub source: String,
}

/// The price table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PriceTable {
    pub format: String,
    pub as_of: String,
    pub currency: String,
    pub convention: String,
    pub month_hours: f64,
    pub interface_endpoint_gb_tiers: Vec<Tier>,
    pub interface_endpoint_tiers_source: String,
    /// The hourly charge of a public IPv4 address (a NAT gateway's Elastic
    /// IPs); `None` in price files written before it was listed.
    #[serde(default)]
    pub public_ipv4_usd_per_hour: Option<f64>,
    #[serde(default)]
    pub public_ipv4_source: Option<String>,
    /// Prices of delivering and keeping the logs themselves (vended logs).
    #[serde(default)]
    pub log_delivery: Option<LogDeliveryPrices>,
    pub regions: BTreeMap<String, RegionPrices>,
}

/// What flow logs and Resolver query logs cost to deliver and keep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogDeliveryPrices {
    pub cloudwatch_ingestion_usd_per_gb: f64,
    pub cloudwatch_storage_usd_per_gb_month: f64,
    pub s3_delivery_usd_per_gb: f64,
    pub s3_storage_usd_per_gb_month: f64,
    pub as_of: String,
    pub confidence: String,
    pub source: String,
}

/// Problems with a price table or a lookup in it.
#[derive(Debug, thiserror::Error)]
pub enum PricingError {
    #[error("the price table is not valid JSON of the expected shape: {0}")]
    Json(#[from] serde_json::Error),
    #[error("unsupported price table format '{0}' (expected {FORMAT})")]
    Format(String),
    #[error("the price table is inconsistent: {0}")]
    Invalid(String),
    #[error("no prices for Region '{region}' in the price table (as of {as_of}); known Regions: {}. Give a table that has it with --pricing FILE", known.join(", "))]
    UnknownRegion {
        region: String,
        as_of: String,
        known: Vec<String>,
    },
}

impl PriceTable {
    /// The table embedded in the binary.
    pub fn embedded() -> PriceTable {
        PriceTable::from_json(EMBEDDED_PRICING).expect("the embedded price table is checked by the tests")
    }

    /// Reads and checks a price table.
    ///
    /// # Errors
    /// Invalid JSON, another format, negative prices, or tiers out of order.
    pub fn from_json(text: &str) -> Result<PriceTable, PricingError> {
        let t: PriceTable = serde_json::from_str(text)?;
        if t.format != FORMAT {
            return Err(PricingError::Format(t.format));
        }
        if t.month_hours <= 0.0 {
            return Err(PricingError::Invalid("month_hours must be positive".into()));
        }
        if t.interface_endpoint_gb_tiers.is_empty()
            || t.interface_endpoint_gb_tiers
                .last()
                .is_some_and(|l| l.up_to_gb.is_some())
        {
            return Err(PricingError::Invalid(
                "the last interface endpoint tier must have no upper bound (up_to_gb: null)".into(),
            ));
        }
        let mut prev = 0.0;
        for tier in &t.interface_endpoint_gb_tiers[..t.interface_endpoint_gb_tiers.len() - 1] {
            match tier.up_to_gb {
                Some(u) if u > prev => prev = u,
                _ => {
                    return Err(PricingError::Invalid(
                        "interface endpoint tiers must have increasing up_to_gb".into(),
                    ))
                }
            }
        }
        for (name, r) in &t.regions {
            let values = [
                r.nat_usd_per_hour,
                r.nat_usd_per_gb,
                r.interface_usd_per_az_hour,
                r.cross_az_usd_per_gb,
            ];
            if values.iter().any(|v| !v.is_finite() || *v < 0.0) {
                return Err(PricingError::Invalid(format!(
                    "Region {name} has a negative or missing price"
                )));
            }
        }
        Ok(t)
    }

    /// The prices of `region`.
    ///
    /// # Errors
    /// The Region is not in the table; the error lists the Regions that are.
    pub fn region(&self, region: &str) -> Result<&RegionPrices, PricingError> {
        self.regions.get(region).ok_or_else(|| PricingError::UnknownRegion {
            region: region.to_string(),
            as_of: self.as_of.clone(),
            known: self.regions.keys().cloned().collect(),
        })
    }

    /// Data processing cost of `gb` through interface endpoints when the
    /// Region-wide monthly total before them is `already_gb`: the tiers apply
    /// to the Region's total, so the same GB cost less on top of a large total.
    pub fn interface_processing_usd(&self, already_gb: f64, gb: f64) -> f64 {
        let mut cost = 0.0;
        let mut lower = 0.0;
        let (from, to) = (already_gb.max(0.0), already_gb.max(0.0) + gb.max(0.0));
        for tier in &self.interface_endpoint_gb_tiers {
            let upper = tier.up_to_gb.unwrap_or(f64::INFINITY);
            let overlap = (to.min(upper) - from.max(lower)).max(0.0);
            cost += overlap * tier.usd_per_gb;
            lower = upper;
        }
        cost
    }

    /// The first tier's price per GB (the price at the margin for totals under 1 PB).
    pub fn interface_first_tier_usd_per_gb(&self) -> f64 {
        self.interface_endpoint_gb_tiers[0].usd_per_gb
    }
}

/// Monthly NAT gateway processing cost of `gb`.
pub fn nat_processing_usd(p: &RegionPrices, gb: f64) -> f64 {
    gb * p.nat_usd_per_gb
}

/// Monthly hourly charge of one interface endpoint in `azs` Availability Zones.
pub fn interface_hours_usd(p: &RegionPrices, azs: u32, month_hours: f64) -> f64 {
    azs as f64 * month_hours * p.interface_usd_per_az_hour
}

/// The monthly GB above which an interface endpoint costs less than NAT
/// processing: `azs × month_hours × hourly / (nat_per_gb − endpoint_per_gb)`.
/// `None` when the endpoint's per-GB price is not below NAT's (it never pays).
pub fn break_even_gb(p: &RegionPrices, table: &PriceTable, azs: u32) -> Option<f64> {
    let margin = p.nat_usd_per_gb - table.interface_first_tier_usd_per_gb();
    (margin > 0.0).then(|| interface_hours_usd(p, azs, table.month_hours) / margin)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * (1.0 + a.abs().max(b.abs()))
    }

    #[test]
    fn embedded_table_is_dated_and_complete() {
        let t = PriceTable::embedded();
        assert_eq!(t.month_hours, 730.0);
        assert!(t.regions.len() >= 20);
        for (name, r) in &t.regions {
            assert!(!r.as_of.is_empty() && !r.source.is_empty(), "{name}");
            assert!(["high", "medium", "low"].contains(&r.confidence.as_str()), "{name}");
            assert!(r.nat_usd_per_gb > t.interface_first_tier_usd_per_gb(), "{name}");
        }
        let use1 = t.region("us-east-1").unwrap();
        assert_eq!((use1.nat_usd_per_gb, use1.interface_usd_per_az_hour), (0.045, 0.010));
        let euc1 = t.region("eu-central-1").unwrap();
        assert_eq!((euc1.nat_usd_per_gb, euc1.interface_usd_per_az_hour), (0.052, 0.012));
    }

    #[test]
    fn estimated_regions_say_what_they_are_derived_from() {
        let t = PriceTable::embedded();
        for name in [
            "af-south-1",
            "eu-south-1",
            "eu-south-2",
            "eu-central-2",
            "me-central-1",
            "il-central-1",
            "ap-south-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-7",
            "ca-west-1",
            "mx-central-1",
            "cn-north-1",
            "cn-northwest-1",
        ] {
            let r = t.region(name).unwrap();
            assert_eq!(r.confidence, "low", "{name}");
            let base = r.source.split("derived from ").nth(1).and_then(|b| b.split(' ').next());
            let base = base.unwrap_or_else(|| panic!("{name}: {}", r.source));
            let b = t.region(base).unwrap();
            assert_eq!(
                (
                    r.nat_usd_per_gb,
                    r.nat_usd_per_hour,
                    r.interface_usd_per_az_hour,
                    &r.as_of
                ),
                (
                    b.nat_usd_per_gb,
                    b.nat_usd_per_hour,
                    b.interface_usd_per_az_hour,
                    &b.as_of
                ),
                "{name} copies {base}"
            );
        }
    }

    #[test]
    fn tiers_apply_to_the_region_total() {
        let t = PriceTable::embedded();
        const PB: f64 = 1_048_576.0;
        // Under the first boundary: 0.01/GB.
        assert!(close(t.interface_processing_usd(0.0, 1000.0), 10.0));
        // Exactly 1 PB: all at 0.01.
        assert!(close(t.interface_processing_usd(0.0, PB), PB * 0.01));
        // 1 PB + 1 GB: the last GB at 0.006.
        assert!(close(t.interface_processing_usd(0.0, PB + 1.0), PB * 0.01 + 0.006));
        // Crossing both boundaries: 1 PB at 0.01, 4 PB at 0.006, 1 PB at 0.004.
        assert!(close(
            t.interface_processing_usd(0.0, 6.0 * PB),
            PB * 0.01 + 4.0 * PB * 0.006 + PB * 0.004
        ));
        // On top of an existing 5 PB, everything is at 0.004.
        assert!(close(t.interface_processing_usd(5.0 * PB, 100.0), 0.4));
        assert!(close(t.interface_processing_usd(0.0, 0.0), 0.0));
    }

    #[test]
    fn break_even_by_hand() {
        let t = PriceTable::embedded();
        // us-east-1, 2 AZs: 2 × 730 × 0.010 = 14.6 $/month; 0.045 − 0.01 = 0.035 $/GB.
        let be = break_even_gb(t.region("us-east-1").unwrap(), &t, 2).unwrap();
        assert!(close(be, 14.6 / 0.035), "{be}");
        // eu-central-1, 3 AZs: 3 × 730 × 0.012 = 26.28; 0.052 − 0.01 = 0.042.
        let be = break_even_gb(t.region("eu-central-1").unwrap(), &t, 3).unwrap();
        assert!(close(be, 26.28 / 0.042), "{be}");
        let mut cheap = t.region("us-east-1").unwrap().clone();
        cheap.nat_usd_per_gb = 0.01;
        assert_eq!(break_even_gb(&cheap, &t, 2), None);
    }

    #[test]
    fn unknown_regions_and_bad_tables() {
        let t = PriceTable::embedded();
        let e = t.region("mars-north-1").unwrap_err().to_string();
        assert!(
            e.contains("mars-north-1") && e.contains("us-east-1") && e.contains("--pricing"),
            "{e}"
        );
        assert!(PriceTable::from_json("{}").is_err());
        let mut bad: serde_json::Value = serde_json::from_str(EMBEDDED_PRICING).unwrap();
        bad["interface_endpoint_gb_tiers"][2]["up_to_gb"] = serde_json::json!(9);
        assert!(PriceTable::from_json(&bad.to_string())
            .unwrap_err()
            .to_string()
            .contains("no upper bound"));
        let mut bad: serde_json::Value = serde_json::from_str(EMBEDDED_PRICING).unwrap();
        bad["regions"]["us-east-1"]["nat_usd_per_gb"] = serde_json::json!(-1);
        assert!(PriceTable::from_json(&bad.to_string())
            .unwrap_err()
            .to_string()
            .contains("us-east-1"));
    }

    #[test]
    fn every_region_prices_inter_region_transfer_with_its_confidence_and_source() {
        let t = PriceTable::embedded();
        for (name, p) in &t.regions {
            let ir = p
                .inter_region
                .as_ref()
                .unwrap_or_else(|| panic!("{name}: no inter-Region price"));
            assert_eq!(ir.usd_per_gb, 0.02, "{name}");
            assert_eq!(ir.confidence, "low", "{name}: not from a dated source");
            assert!(
                ir.source.contains("aws.amazon.com/ec2/pricing"),
                "{name}: {}",
                ir.source
            );
            assert!(!ir.as_of.is_empty());
        }
    }
}
