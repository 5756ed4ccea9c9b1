//! The hours flow records fall in, and, while an hour has few records, what
//! each of them added: a record far outside the others (a 1975 start, an old
//! file left in a folder) can then be taken out of the window and the totals.

use std::collections::BTreeSet;
use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

use crate::flow::{EndpointKey, FlowAggregator, PublicKey};
use crate::TimeSpan;

/// Records of one hour whose additions are kept; an hour with more is part
/// of the bulk whatever its place.
pub(crate) const MAX_KEPT_PER_HOUR: usize = 256;
/// Hours between the bulk of the records and a stray group, at least.
pub(crate) const MIN_STRAY_GAP_HOURS: i64 = 24;
/// Or this many times the bulk's own span, when that is longer.
pub(crate) const STRAY_GAP_FACTOR: i64 = 10;
/// A gap this long (30 days) always separates.
pub(crate) const MAX_GAP_HOURS: i64 = 30 * 24;
/// A stray group holds at most this share of the bulk's records (1 in N).
pub(crate) const STRAY_SHARE: u64 = 10;

/// Where a record's bytes went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AddedTo {
    Public(PublicKey),
    Endpoint(EndpointKey),
    Internal,
    /// Nothing counted (a rejected record).
    Nothing,
}

/// What one record added, and where it was read.
#[derive(Clone, Debug)]
pub(crate) struct Added {
    pub(crate) file: Arc<str>,
    pub(crate) line: u64,
    pub(crate) start: i64,
    pub(crate) bytes: u64,
    pub(crate) packets: u64,
    pub(crate) to: AddedTo,
}

/// The records of one hour.
#[derive(Clone, Debug)]
pub(crate) struct HourRecords {
    pub(crate) records: u64,
    pub(crate) min: i64,
    pub(crate) max: i64,
    /// What each record added, while there are at most [`MAX_KEPT_PER_HOUR`].
    pub(crate) added: Option<Vec<Added>>,
}

impl HourRecords {
    pub(crate) fn new(start: i64, end: i64) -> HourRecords {
        HourRecords {
            records: 1,
            min: start,
            max: end,
            added: Some(Vec::new()),
        }
    }

    pub(crate) fn add(&mut self, start: i64, end: i64) {
        self.records += 1;
        self.min = self.min.min(start);
        self.max = self.max.max(end);
        if self.records as usize > MAX_KEPT_PER_HOUR {
            self.added = None;
        }
    }

    /// Adds another aggregate's records of the same hour, `remap` moving
    /// its keys into this aggregate's ids.
    pub(crate) fn merge(&mut self, o: HourRecords, remap: impl Fn(AddedTo) -> AddedTo) {
        self.records += o.records;
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
        match (&mut self.added, o.added) {
            (Some(mine), Some(theirs)) if self.records as usize <= MAX_KEPT_PER_HOUR => {
                mine.extend(theirs.into_iter().map(|a| Added { to: remap(a.to), ..a }))
            }
            _ => self.added = None,
        }
    }
}

/// Hours with records, as groups separated by long gaps.
#[derive(Debug)]
struct Group {
    first: i64,
    last: i64,
    records: u64,
}

/// Splits sorted `(hour, records)` at gaps longer than `gap` hours.
fn groups(hours: &[(i64, u64)], gap: i64) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    for &(h, n) in hours {
        match out.last_mut() {
            Some(g) if h - g.last <= gap => {
                g.last = h;
                g.records += n;
            }
            _ => out.push(Group {
                first: h,
                last: h,
                records: n,
            }),
        }
    }
    out
}

/// The hours far from the bulk of the records: groups separated from the
/// group with the most records by more than [`MAX_GAP_HOURS`], or by more
/// than [`STRAY_GAP_FACTOR`] times the bulk's span (at least
/// [`MIN_STRAY_GAP_HOURS`]), that hold at most 1 in [`STRAY_SHARE`] of the
/// bulk's records and whose additions were kept.
pub(crate) fn stray_hours(hours: &HashMap<i64, HourRecords>) -> BTreeSet<i64> {
    let mut sorted: Vec<(i64, u64)> = hours.iter().map(|(h, r)| (*h, r.records)).collect();
    sorted.sort_unstable();
    let heaviest = |gs: &[Group]| gs.iter().enumerate().max_by_key(|(_, g)| g.records).map(|(i, _)| i);
    let near = groups(&sorted, MIN_STRAY_GAP_HOURS);
    let Some(core) = heaviest(&near).map(|i| &near[i]) else {
        return BTreeSet::new();
    };
    let gap = (STRAY_GAP_FACTOR * (core.last - core.first + 1)).clamp(MIN_STRAY_GAP_HOURS, MAX_GAP_HOURS);
    let (core_first, core_records) = (core.first, core.records);
    let split = groups(&sorted, gap);
    let Some(bulk) = split.iter().position(|g| g.first <= core_first && core_first <= g.last) else {
        return BTreeSet::new();
    };
    let bulk_records = split[bulk].records.max(core_records);
    let mut out = BTreeSet::new();
    for (i, g) in split.iter().enumerate() {
        if i == bulk || g.records.saturating_mul(STRAY_SHARE) > bulk_records {
            continue;
        }
        let hs: Vec<i64> = sorted
            .iter()
            .map(|(h, _)| *h)
            .filter(|h| g.first <= *h && *h <= g.last)
            .collect();
        if hs.iter().all(|h| hours.get(h).is_some_and(|r| r.added.is_some())) {
            out.extend(hs);
        }
    }
    out
}

/// The records taken out as strays.
#[derive(Clone, Debug)]
pub(crate) struct Strays {
    pub(crate) records: u64,
    pub(crate) bytes: u64,
    /// The earliest of them.
    pub(crate) first: Added,
}

/// The aggregate without the records far from the bulk (see
/// [`stray_hours`]), and what was taken out; `None` when there are none.
pub(crate) fn without_strays(flow: &FlowAggregator) -> Option<(FlowAggregator, Strays)> {
    let hours = stray_hours(&flow.hours);
    let mut f = flow.clone();
    let mut taken: Vec<Added> = Vec::new();
    for h in &hours {
        if let Some(recs) = f.hours.remove(h) {
            taken.extend(recs.added.unwrap_or_default());
        }
    }
    let first = taken.iter().min_by_key(|a| (a.start, a.line)).cloned()?;
    let mut bytes = 0u64;
    for a in &taken {
        take_out(&mut f, a);
        bytes = bytes.saturating_add(a.bytes);
    }
    f.span = TimeSpan::default();
    for r in f.hours.values() {
        f.span.add(r.min, r.max);
    }
    let strays = Strays {
        records: taken.len() as u64,
        bytes,
        first,
    };
    Some((f, strays))
}

/// Takes what one record added out of the aggregate.
fn take_out(f: &mut FlowAggregator, a: &Added) {
    let sub = |c: &mut crate::flow::Counters| {
        c.bytes = c.bytes.saturating_sub(a.bytes);
        c.packets = c.packets.saturating_sub(a.packets);
        c.records = c.records.saturating_sub(1);
        c.records == 0
    };
    match a.to {
        AddedTo::Nothing => {
            f.rejected = f.rejected.saturating_sub(1);
            return;
        }
        AddedTo::Public(k) => {
            if f.public.get_mut(&k).is_some_and(sub) {
                f.public.remove(&k);
            }
        }
        AddedTo::Endpoint(k) => {
            if f.endpoint.get_mut(&k).is_some_and(|e| sub(&mut e.counters)) {
                f.endpoint.remove(&k);
            }
        }
        AddedTo::Internal => f.internal_bytes = f.internal_bytes.saturating_sub(a.bytes),
    }
    f.bytes_read = f.bytes_read.saturating_sub(a.bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(spec: &[(i64, u64)]) -> HashMap<i64, HourRecords> {
        spec.iter()
            .map(|&(h, n)| {
                let mut r = HourRecords::new(h * 3600, h * 3600 + 60);
                for _ in 1..n {
                    r.add(h * 3600, h * 3600 + 60);
                }
                (h, r)
            })
            .collect()
    }

    #[test]
    fn a_record_far_from_the_bulk_is_a_stray() {
        let bulk: Vec<(i64, u64)> = (490_000..490_024).map(|h| (h, 20)).collect();
        // 1975, and an old file three weeks before a one-day bulk.
        let mut spec = bulk.clone();
        spec.extend([(48_000, 1), (489_500, 30)]);
        assert_eq!(stray_hours(&hours(&spec)), BTreeSet::from([48_000, 489_500]));
        // A gap inside ten times the bulk's span stays.
        let mut near = bulk.clone();
        near.push((490_100, 1));
        assert!(stray_hours(&hours(&near)).is_empty());
        // Two weeks of equal weight a month apart: neither is a stray.
        let mut two = bulk.clone();
        two.extend((491_000..491_024).map(|h| (h, 20)));
        assert!(stray_hours(&hours(&two)).is_empty());
        assert!(stray_hours(&hours(&bulk)).is_empty());
        assert!(stray_hours(&HashMap::default()).is_empty());
    }

    #[test]
    fn a_full_hour_is_never_taken_out() {
        let mut spec: Vec<(i64, u64)> = (490_000..490_024).map(|h| (h, 400)).collect();
        spec.push((48_000, MAX_KEPT_PER_HOUR as u64 + 1));
        assert!(stray_hours(&hours(&spec)).is_empty());
    }
}
