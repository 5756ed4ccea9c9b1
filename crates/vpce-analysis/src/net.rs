//! Address classes: which addresses are inside the VPC and which are public.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// An IPv4 or IPv6 network in CIDR notation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr {
    addr: IpAddr,
    len: u8,
}

impl Cidr {
    /// The network of `ip` with a prefix of `len` bits.
    pub fn new(ip: IpAddr, len: u8) -> Option<Cidr> {
        let max = if ip.is_ipv4() { 32 } else { 128 };
        (len <= max).then(|| Cidr {
            addr: mask(ip, len),
            len,
        })
    }

    /// Whether `ip` is inside the network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        ip.is_ipv4() == self.addr.is_ipv4() && mask(ip, self.len) == self.addr
    }

    /// Whether every address of `other` is inside this network.
    pub fn covers(&self, other: &Cidr) -> bool {
        self.len <= other.len && self.contains(other.addr)
    }

    /// Whether the network is an IPv6 one.
    pub fn is_ipv6(&self) -> bool {
        self.addr.is_ipv6()
    }

    /// Whether the two networks share any address.
    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.covers(other) || other.covers(self)
    }
}

fn mask(ip: IpAddr, len: u8) -> IpAddr {
    match ip {
        IpAddr::V4(a) => {
            let m = if len == 0 { 0 } else { u32::MAX << (32 - len as u32) };
            IpAddr::V4((u32::from(a) & m).into())
        }
        IpAddr::V6(a) => {
            let m = if len == 0 { 0 } else { u128::MAX << (128 - len as u32) };
            IpAddr::V6((u128::from(a) & m).into())
        }
    }
}

impl FromStr for Cidr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (a, l) = s
            .split_once('/')
            .ok_or_else(|| format!("'{s}' is not a CIDR block (like 10.0.0.0/16)"))?;
        let ip: IpAddr = a.parse().map_err(|_| format!("'{a}' is not an IP address"))?;
        let len: u8 = l.parse().map_err(|_| format!("'{l}' is not a prefix length"))?;
        Cidr::new(ip, len).ok_or_else(|| format!("prefix length {len} is too long for {ip}"))
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

/// Addresses that are never public: RFC 1918, shared address space (RFC 6598,
/// used by some VPCs), loopback, link-local, IPv6 unique-local and link-local.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            a.is_private()
                || a.is_loopback()
                || a.is_link_local()
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || a.is_unspecified()
        }
        IpAddr::V6(a) => {
            let s = a.segments()[0];
            a.is_loopback() || a.is_unspecified() || (s & 0xfe00) == 0xfc00 || (s & 0xffc0) == 0xfe80
        }
    }
}

/// The IPv4 address a NAT64 address (`64:ff9b::/96`, the well-known prefix
/// DNS64 synthesises for IPv6-only subnets) embeds: the host a NAT gateway
/// reaches for it.
pub fn nat64_ipv4(ip: IpAddr) -> Option<IpAddr> {
    match ip {
        IpAddr::V6(a) => {
            let s = a.segments();
            (s[..6] == [0x64, 0xff9b, 0, 0, 0, 0]).then(|| {
                let v = u128::from(a) as u32;
                IpAddr::V4(v.into())
            })
        }
        IpAddr::V4(_) => None,
    }
}

/// Decides which addresses belong to the VPC.
#[derive(Clone, Debug, Default)]
pub struct LocalNet {
    cidrs: Vec<Cidr>,
}

impl LocalNet {
    /// With no CIDRs, every private address counts as inside the VPC.
    pub fn new(cidrs: Vec<Cidr>) -> LocalNet {
        LocalNet { cidrs }
    }

    /// Whether `ip` is inside the VPC.
    pub fn is_local(&self, ip: IpAddr) -> bool {
        if self.cidrs.is_empty() {
            is_private(ip)
        } else {
            self.cidrs.iter().any(|c| c.contains(ip))
        }
    }

    /// Whether `ip` is a public address (neither in the VPC nor private).
    pub fn is_public(&self, ip: IpAddr) -> bool {
        !self.is_local(ip) && !is_private(ip)
    }

    /// The configured CIDRs.
    pub fn cidrs(&self) -> &[Cidr] {
        &self.cidrs
    }

    /// Whether an IPv6 CIDR is configured.
    pub fn has_ipv6(&self) -> bool {
        self.cidrs.iter().any(Cidr::is_ipv6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn private_ranges() {
        for p in [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.0.1",
            "fd00::1",
            "fe80::1",
            "169.254.169.254",
        ] {
            assert!(is_private(ip(p)), "{p}");
        }
        for p in ["172.32.0.1", "100.128.0.1", "52.216.1.1", "8.8.8.8", "2600:1f60::1"] {
            assert!(!is_private(ip(p)), "{p}");
        }
    }

    #[test]
    fn nat64_addresses_embed_their_ipv4_host() {
        assert_eq!(nat64_ipv4(ip("64:ff9b::34d8:809")), Some(ip("52.216.8.9")));
        assert_eq!(nat64_ipv4(ip("64:ff9b::1")), Some(ip("0.0.0.1")));
        assert_eq!(nat64_ipv4(ip("64:ff9b:1::34d8:809")), None);
        assert_eq!(nat64_ipv4(ip("2600:1f18::34d8:809")), None);
        assert_eq!(nat64_ipv4(ip("52.216.8.9")), None);
    }

    #[test]
    fn cidrs() {
        let c: Cidr = "10.0.0.0/16".parse().unwrap();
        assert!(c.contains(ip("10.0.255.1")));
        assert!(!c.contains(ip("10.1.0.1")));
        assert!(!c.contains(ip("::1")));
        assert_eq!("10.0.3.7/16".parse::<Cidr>().unwrap().to_string(), "10.0.0.0/16");
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("nonsense".parse::<Cidr>().is_err());
        let v6: Cidr = "2600:1f18:abc::/56".parse().unwrap();
        assert!(v6.contains(ip("2600:1f18:abc::5")));
        let net = LocalNet::new(vec![c, v6]);
        assert!(net.is_local(ip("2600:1f18:abc::5")));
        assert!(!net.is_local(ip("192.168.0.1")));
        assert!(!net.is_public(ip("192.168.0.1")));
        assert!(net.is_public(ip("52.216.1.1")));
    }
}
