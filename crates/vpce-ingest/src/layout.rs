//! AWS's S3 key layout for log deliveries, used to list only what a run needs:
//!
//! ```text
//! [prefix/]AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/[HH/]<file>
//! [prefix/]AWSLogs/aws-account-id=<account>/aws-service=vpcflowlogs/aws-region=<region>/year=YYYY/month=MM/day=DD/[hour=HH/]<file>
//! [prefix/]AWSLogs/<account>/vpcdnsquerylogs/<vpc-id>/YYYY/MM/DD/<file>
//! ```
//!
//! [`keep`] decides from a key prefix whether anything under it can matter:
//! the other log type's folders and dates outside the window are not listed.

use vpce_formats::time::days_from_civil;

use crate::LogKind;

/// Logs are delivered after the records they hold: a folder is kept when it
/// starts up to this long after the end of the window.
pub const DELIVERY_SLACK_SECS: i64 = 3600;

impl LogKind {
    /// The service folder AWS delivers this log type under.
    pub fn service_dir(self) -> &'static str {
        match self {
            LogKind::Dns => "vpcdnsquerylogs",
            LogKind::Flow => "vpcflowlogs",
        }
    }
}

/// The value of a path segment: `year=2026` and `2026` are both `2026`.
fn value(seg: &str) -> &str {
    seg.split_once('=').map_or(seg, |(_, v)| v)
}

/// Whether the objects under `key_prefix` (a full key or a folder, `/`
/// separated) can hold records of `kind` between `since` and `until` (epoch
/// seconds, either open). Keys outside the AWSLogs layout are always kept.
pub fn keep(key_prefix: &str, kind: LogKind, since: Option<i64>, until: Option<i64>) -> bool {
    let segs: Vec<&str> = key_prefix.split('/').filter(|s| !s.is_empty()).collect();
    let Some(root) = segs.iter().rposition(|s| *s == "AWSLogs") else {
        return true;
    };
    let rest = &segs[root + 1..];
    // rest: account, service, region-or-vpc, year, month, day, hour, file
    if let Some(service) = rest.get(1) {
        if value(service) != kind.service_dir() {
            return false;
        }
    }
    let date: Vec<u32> = rest
        .iter()
        .skip(3)
        .take(4)
        .map_while(|s| value(s).parse::<u32>().ok())
        .collect();
    if date.is_empty() {
        return true;
    }
    let (start, end) = match date.as_slice() {
        [y] => (
            days_from_civil(*y as i64, 1, 1) * 86400,
            days_from_civil(*y as i64 + 1, 1, 1) * 86400,
        ),
        [y, m] => {
            let (ny, nm) = if *m >= 12 {
                (*y as i64 + 1, 1)
            } else {
                (*y as i64, m + 1)
            };
            (
                days_from_civil(*y as i64, *m, 1) * 86400,
                days_from_civil(ny, nm, 1) * 86400,
            )
        }
        [y, m, d] => {
            let s = days_from_civil(*y as i64, *m, *d) * 86400;
            (s, s + 86400)
        }
        [y, m, d, h, ..] => {
            let s = days_from_civil(*y as i64, *m, *d) * 86400 + *h as i64 * 3600;
            (s, s + 3600)
        }
        [] => return true,
    };
    // Records at time t are delivered at or after t: a folder that ends
    // before `since` holds nothing newer; one that starts well after `until`
    // holds nothing older.
    if since.is_some_and(|s| end <= s) {
        return false;
    }
    if until.is_some_and(|u| start >= u + DELIVERY_SLACK_SECS) {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use vpce_formats::time::parse_rfc3339;

    fn t(s: &str) -> Option<i64> {
        parse_rfc3339(s)
    }

    #[test]
    fn service_folders_of_the_other_type_are_skipped() {
        assert!(keep(
            "logs/AWSLogs/111122223333/vpcflowlogs/",
            LogKind::Flow,
            None,
            None
        ));
        assert!(!keep(
            "logs/AWSLogs/111122223333/vpcdnsquerylogs/",
            LogKind::Flow,
            None,
            None
        ));
        assert!(!keep("AWSLogs/111122223333/CloudTrail/", LogKind::Dns, None, None));
        assert!(keep(
            "AWSLogs/aws-account-id=1/aws-service=vpcflowlogs/",
            LogKind::Flow,
            None,
            None
        ));
        assert!(keep("AWSLogs/", LogKind::Flow, None, None));
        assert!(keep("some/other/place/file.gz", LogKind::Flow, t("2026-01-01"), None));
    }

    #[test]
    fn dates_outside_the_window_are_skipped() {
        let (s, u) = (t("2026-11-01T00:00:00Z"), t("2026-11-03T00:00:00Z"));
        let p = "AWSLogs/1/vpcflowlogs/us-east-1/";
        assert!(keep(&format!("{p}2026/"), LogKind::Flow, s, u));
        assert!(!keep(&format!("{p}2025/"), LogKind::Flow, s, u));
        assert!(!keep(&format!("{p}2026/10/"), LogKind::Flow, s, u));
        assert!(keep(&format!("{p}2026/11/01/"), LogKind::Flow, s, u));
        assert!(keep(&format!("{p}2026/11/02/f.log.gz"), LogKind::Flow, s, u));
        assert!(!keep(&format!("{p}2026/10/31/"), LogKind::Flow, s, u));
        // The first hour after the window may hold its last records.
        assert!(keep(&format!("{p}2026/11/03/"), LogKind::Flow, s, u));
        assert!(keep(&format!("{p}2026/11/03/00/"), LogKind::Flow, s, u));
        assert!(!keep(&format!("{p}2026/11/03/01/"), LogKind::Flow, s, u));
        assert!(!keep(&format!("{p}2026/11/04/"), LogKind::Flow, s, u));
        let hive = "x/AWSLogs/aws-account-id=1/aws-service=vpcflowlogs/aws-region=us-east-1/";
        assert!(!keep(&format!("{hive}year=2026/month=10/"), LogKind::Flow, s, u));
        assert!(keep(
            &format!("{hive}year=2026/month=11/day=02/hour=13/"),
            LogKind::Flow,
            s,
            u
        ));
        let dns = "AWSLogs/1/vpcdnsquerylogs/vpc-0abc/";
        assert!(keep(&format!("{dns}2026/11/01/"), LogKind::Dns, s, u));
        assert!(!keep(&format!("{dns}2026/12/"), LogKind::Dns, s, u));
        // December rolls into the next year.
        assert!(keep(
            &format!("{dns}2026/12/"),
            LogKind::Dns,
            t("2026-12-31T00:00:00Z"),
            None
        ));
    }
}
