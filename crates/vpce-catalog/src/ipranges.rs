//! AWS IP ranges: which AWS range and service code an address belongs to.

use std::collections::HashMap;
use std::net::IpAddr;

use serde::Deserialize;

/// The most specific AWS range containing an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeMatch<'a> {
    pub prefix: String,
    pub region: &'a str,
    /// The ip-ranges.json service code (`S3`, `DYNAMODB`, `EC2`, `AMAZON`, ...).
    pub service: &'a str,
}

/// Problems reading an ip-ranges file.
#[derive(Debug, thiserror::Error)]
pub enum IpRangesError {
    #[error("not an ip-ranges file: {0}")]
    Json(#[from] serde_json::Error),
    #[error("bad prefix '{0}'")]
    Prefix(String),
}

#[derive(Deserialize)]
struct Compact {
    as_of: String,
    source: String,
    prefixes: Vec<(String, String, String)>,
}

#[derive(Deserialize)]
struct Official {
    #[serde(rename = "syncToken")]
    sync_token: String,
    #[serde(rename = "createDate")]
    create_date: String,
    prefixes: Vec<OfficialV4>,
    #[serde(default)]
    ipv6_prefixes: Vec<OfficialV6>,
}

#[derive(Deserialize)]
struct OfficialV4 {
    ip_prefix: String,
    region: String,
    service: String,
}

#[derive(Deserialize)]
struct OfficialV6 {
    ipv6_prefix: String,
    region: String,
    service: String,
}

/// A longest-prefix-match table over AWS's published ranges.
#[derive(Clone, Debug, Default)]
pub struct IpRanges {
    as_of: String,
    source: String,
    strings: Vec<String>,
    // One map per prefix length, longest first: masked network → (region, service).
    v4: Vec<(u8, HashMap<u32, (u16, u16)>)>,
    v6: Vec<(u8, HashMap<u128, (u16, u16)>)>,
}

/// Service codes that outrank AMAZON when the same prefix is listed twice.
fn rank(code: &str) -> u8 {
    match code {
        "S3" => 0,
        "DYNAMODB" => 1,
        "AMAZON" => 9,
        _ => 5,
    }
}

impl IpRanges {
    /// The snapshot embedded in the binary.
    pub fn embedded() -> IpRanges {
        IpRanges::from_json(crate::EMBEDDED_IP_RANGES).expect("the embedded snapshot is checked by the tests")
    }

    /// Reads the compact snapshot or AWS's `ip-ranges.json` itself.
    ///
    /// # Errors
    /// Neither shape, or a prefix that does not parse.
    pub fn from_json(text: &str) -> Result<IpRanges, IpRangesError> {
        let (as_of, source, rows) = if text.contains("\"syncToken\"") {
            let o: Official = serde_json::from_str(text)?;
            let rows: Vec<(String, String, String)> = o
                .prefixes
                .into_iter()
                .map(|p| (p.ip_prefix, p.region, p.service))
                .chain(
                    o.ipv6_prefixes
                        .into_iter()
                        .map(|p| (p.ipv6_prefix, p.region, p.service)),
                )
                .collect();
            (
                o.create_date,
                format!("ip-ranges.json syncToken {}", o.sync_token),
                rows,
            )
        } else {
            let c: Compact = serde_json::from_str(text)?;
            (c.as_of, c.source, c.prefixes)
        };
        let mut t = IpRanges {
            as_of,
            source,
            ..Default::default()
        };
        let mut intern: HashMap<String, u16> = HashMap::new();
        let mut v4: HashMap<u8, HashMap<u32, (u16, u16)>> = HashMap::new();
        let mut v6: HashMap<u8, HashMap<u128, (u16, u16)>> = HashMap::new();
        for (cidr, region, service) in rows {
            let (addr, len) = cidr
                .split_once('/')
                .ok_or_else(|| IpRangesError::Prefix(cidr.clone()))?;
            let len: u8 = len.parse().map_err(|_| IpRangesError::Prefix(cidr.clone()))?;
            let addr: IpAddr = addr.parse().map_err(|_| IpRangesError::Prefix(cidr.clone()))?;
            let mut id = |s: String| -> u16 {
                let next = t.strings.len() as u16;
                *intern.entry(s.clone()).or_insert_with(|| {
                    t.strings.push(s);
                    next
                })
            };
            let entry = (id(region), id(service));
            let better = |old: &(u16, u16), strings: &[String]| {
                rank(&strings[entry.1 as usize]) < rank(&strings[old.1 as usize])
            };
            match addr {
                IpAddr::V4(a) if len <= 32 => {
                    let m = v4.entry(len).or_default();
                    let key = mask32(u32::from(a), len);
                    match m.get(&key) {
                        Some(old) if !better(old, &t.strings) => {}
                        _ => {
                            m.insert(key, entry);
                        }
                    }
                }
                IpAddr::V6(a) if len <= 128 => {
                    let m = v6.entry(len).or_default();
                    let key = mask128(u128::from(a), len);
                    match m.get(&key) {
                        Some(old) if !better(old, &t.strings) => {}
                        _ => {
                            m.insert(key, entry);
                        }
                    }
                }
                _ => return Err(IpRangesError::Prefix(cidr)),
            }
        }
        t.v4 = v4.into_iter().collect();
        t.v4.sort_by_key(|m| std::cmp::Reverse(m.0));
        t.v6 = v6.into_iter().collect();
        t.v6.sort_by_key(|m| std::cmp::Reverse(m.0));
        Ok(t)
    }

    /// When the snapshot was published.
    pub fn as_of(&self) -> &str {
        &self.as_of
    }

    /// Where the snapshot comes from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Number of distinct prefixes.
    pub fn len(&self) -> usize {
        self.v4.iter().map(|m| m.1.len()).sum::<usize>() + self.v6.iter().map(|m| m.1.len()).sum::<usize>()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most specific AWS range that contains `ip`.
    pub fn lookup(&self, ip: IpAddr) -> Option<RangeMatch<'_>> {
        let found = match ip {
            IpAddr::V4(a) => {
                let a = u32::from(a);
                self.v4.iter().find_map(|(len, m)| {
                    let key = mask32(a, *len);
                    m.get(&key)
                        .map(|e| (format!("{}/{len}", std::net::Ipv4Addr::from(key)), *e))
                })
            }
            IpAddr::V6(a) => {
                let a = u128::from(a);
                self.v6.iter().find_map(|(len, m)| {
                    let key = mask128(a, *len);
                    m.get(&key)
                        .map(|e| (format!("{}/{len}", std::net::Ipv6Addr::from(key)), *e))
                })
            }
        }?;
        Some(RangeMatch {
            prefix: found.0,
            region: &self.strings[found.1 .0 as usize],
            service: &self.strings[found.1 .1 as usize],
        })
    }
}

fn mask32(a: u32, len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        a & (u32::MAX << (32 - len as u32))
    }
}

fn mask128(a: u128, len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        a & (u128::MAX << (128 - len as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn embedded_snapshot_is_dated_and_finds_s3_and_dynamodb() {
        let r = IpRanges::embedded();
        assert_eq!(r.as_of(), "2025-10-31T07:08:41Z");
        assert!(r.len() > 9_000, "{}", r.len());
        let m = r.lookup(ip("52.216.10.20")).unwrap();
        assert_eq!(
            (m.region, m.service, m.prefix.as_str()),
            ("us-east-1", "S3", "52.216.0.0/15")
        );
        let m = r.lookup(ip("52.94.0.5")).unwrap();
        assert_eq!((m.region, m.service), ("us-east-1", "DYNAMODB"));
        assert_eq!(r.lookup(ip("100.24.1.1")).unwrap().service, "EC2");
        assert_eq!(r.lookup(ip("192.0.2.1")), None);
        assert_eq!(r.lookup(ip("10.0.0.1")), None);
        let m = r.lookup(ip("2600:1f60:8000::1")).unwrap();
        assert_eq!(m.service, "S3");
    }

    #[test]
    fn official_format_and_specificity() {
        let text = r#"{"syncToken":"1","createDate":"2025-01-01-00-00-00","prefixes":[
            {"ip_prefix":"3.0.0.0/8","region":"GLOBAL","service":"AMAZON","network_border_group":"x"},
            {"ip_prefix":"3.5.0.0/19","region":"us-east-1","service":"AMAZON","network_border_group":"x"},
            {"ip_prefix":"3.5.0.0/19","region":"us-east-1","service":"S3","network_border_group":"x"}],
            "ipv6_prefixes":[{"ipv6_prefix":"2600::/16","region":"GLOBAL","service":"AMAZON","network_border_group":"x"}]}"#;
        let r = IpRanges::from_json(text).unwrap();
        assert_eq!(r.as_of(), "2025-01-01-00-00-00");
        assert_eq!(r.lookup(ip("3.5.1.1")).unwrap().service, "S3");
        assert_eq!(r.lookup(ip("3.6.1.1")).unwrap().service, "AMAZON");
        assert_eq!(r.lookup(ip("2600:1::1")).unwrap().prefix, "2600::/16");
        assert!(
            IpRanges::from_json("{\"as_of\":\"x\",\"source\":\"y\",\"prefixes\":[[\"1.2.3.4/40\",\"r\",\"S\"]]}")
                .is_err()
        );
        assert!(IpRanges::from_json("[]").is_err());
    }
}
