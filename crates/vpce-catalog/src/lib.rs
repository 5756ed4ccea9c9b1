//! The one place that knows what AWS hostnames and addresses mean.
//!
//! * [`Catalog`] maps a hostname to the AWS service behind it and the VPC
//!   endpoint service (`com.amazonaws.<region>.<svc>`) that would carry it, or
//!   says that the name is a resource (an RDS database, a load balancer), an
//!   endpoint's own DNS name, or not AWS at all. The data is a dated JSON file
//!   embedded in the binary ([`EMBEDDED_CATALOG`]) and can be replaced.
//! * [`IpRanges`] finds the AWS range and service code of an address, from a
//!   dated snapshot of `ip-ranges.json` ([`EMBEDDED_IP_RANGES`]) or the official
//!   file.
//!
//! Both are pure: they are built from bytes and answer questions.

mod catalog;
mod ipranges;
mod pattern;

pub use catalog::{Catalog, CatalogError, Classification, EndpointType, Kind, ServiceEntry};
pub use ipranges::{IpRanges, IpRangesError, RangeMatch};

/// The embedded endpoint-service catalogue (`data/endpoint-services.json`).
pub const EMBEDDED_CATALOG: &str = include_str!("../../../data/endpoint-services.json");
/// The embedded AWS IP ranges snapshot (`data/ip-ranges.json`).
pub const EMBEDDED_IP_RANGES: &str = include_str!("../../../data/ip-ranges.json");

/// Whether `label` looks like an AWS Region code (`us-east-1`, `us-gov-west-1`,
/// `cn-north-1`, `eu-isoe-west-1`).
pub fn is_region(label: &str) -> bool {
    let parts: Vec<&str> = label.split('-').collect();
    if parts.len() < 3 || parts.len() > 4 {
        return false;
    }
    let last = parts[parts.len() - 1];
    parts[0].len() == 2
        && parts[0].bytes().all(|c| c.is_ascii_lowercase())
        && !last.is_empty()
        && last.len() <= 2
        && last.bytes().all(|c| c.is_ascii_digit())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_codes() {
        for r in [
            "us-east-1",
            "eu-central-2",
            "ap-southeast-5",
            "us-gov-west-1",
            "cn-north-1",
            "il-central-1",
            "eu-isoe-west-1",
        ] {
            assert!(is_region(r), "{r}");
        }
        for r in [
            "s3",
            "us-east",
            "dualstack",
            "use1-az1",
            "us-east-1a",
            "compute-1",
            "x-y-1",
            "US-EAST-1",
        ] {
            assert!(!is_region(r), "{r}");
        }
    }
}
