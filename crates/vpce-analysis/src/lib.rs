//! The analysis core: pure functions from parsed records to a [`Report`].
//!
//! 1. [`DnsAggregator`] reads Resolver query logs: query counts per name, and
//!    which names each address answered for, by hour and VPC.
//! 2. [`Resolver`] classifies every queried name and indexes the answers: it
//!    names a destination address by the DNS answer nearest in time from the
//!    same VPC, then `pkt-dst-aws-service`, then the AWS IP ranges.
//! 3. [`FlowAggregator`] reads flow logs into per-(VPC address, destination,
//!    direction, traffic-path) byte counters, naming each destination as the
//!    record is read; memory is bounded by addresses × services, not by input
//!    size. Traffic to interface endpoints' private addresses is kept too.
//! 4. [`build_report`] decides which observation point counts each byte (the NAT
//!    gateway's own legs when the logs have them, otherwise the instances') and
//!    fills the report model.
//!
//! Aggregators are mergeable so that the caller can read one file per core.
//! Nothing here reads files, the environment or the clock.

mod advise;
mod build;
mod dns;
mod flow;
mod hours;
pub mod insights;
mod intern;
pub mod live;
pub mod net;
mod resolve;

pub use advise::{advise, AdviceOptions, DEFAULT_AZS};
pub use build::{build_report, AnalysisConfig, Reference};
pub use dns::{DnsAggregator, DnsIndex};
pub use flow::{FlowAggregator, FlowCounts};
pub use resolve::{Dest, Resolved, Resolver};
pub use vpce_model::Report;

/// Keeps records with `since <= t < until` (Unix seconds).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeFilter {
    pub since: Option<i64>,
    pub until: Option<i64>,
}

impl TimeFilter {
    /// Whether `ts` is inside the window.
    pub fn contains(&self, ts: i64) -> bool {
        self.since.is_none_or(|s| ts >= s) && self.until.is_none_or(|u| ts < u)
    }
}

/// The earliest and latest times seen, in Unix seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeSpan {
    pub min: Option<i64>,
    pub max: Option<i64>,
}

impl TimeSpan {
    /// Widens the span to cover `start..=end`.
    pub fn add(&mut self, start: i64, end: i64) {
        self.min = Some(self.min.map_or(start, |m| m.min(start)));
        self.max = Some(self.max.map_or(end, |m| m.max(end)));
    }

    /// Widens the span to cover `other`.
    pub fn merge(&mut self, other: TimeSpan) {
        if let (Some(a), Some(b)) = (other.min, other.max) {
            self.add(a, b);
        }
    }
}

/// Hours since the epoch: the time resolution of the DNS ↔ flow join.
pub(crate) fn hour_of(ts: i64) -> i64 {
    ts.div_euclid(3600)
}
