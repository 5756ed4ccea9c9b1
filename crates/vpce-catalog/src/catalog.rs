//! Hostname → service classification.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::is_region;
use crate::pattern::Pattern;

/// Gateway or Interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum EndpointType {
    Gateway,
    Interface,
}

/// What a hostname is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// An AWS service API.
    Service,
    /// A resource with a DNS name (an EC2 instance, a database, a load balancer).
    Resource,
    /// The DNS name of a VPC endpoint itself (`*.vpce.amazonaws.com`).
    EndpointDns,
    /// Not an AWS name.
    NotAws,
}

/// Everything the catalogue says about one hostname.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    pub hostname: String,
    pub kind: Kind,
    pub service: Option<String>,
    pub region: Option<String>,
    pub endpoint_service_name: Option<String>,
    pub endpoint_types: Vec<EndpointType>,
    /// Whether the endpoint service supports endpoint policies; `None` when unknown.
    pub endpoint_policy_supported: Option<bool>,
    /// Whether an interface endpoint with private DNS answers for this exact name.
    pub private_dns_covers: bool,
    pub notes: Vec<String>,
    /// The name does not say which Region serves it (the legacy global S3
    /// names): the DNS answer does (`Catalog::refine_by_answers`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub region_from_answer: bool,
    /// The Region came from the Region of the VPC that asked (a name every
    /// Region serves, like `sts.amazonaws.com`): classify again per Region.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub context_dependent: bool,
}

/// One endpoint service in the catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceEntry {
    pub name: String,
    #[serde(default)]
    pub endpoint_service: Option<String>,
    pub types: Vec<EndpointType>,
    #[serde(default)]
    pub policy: Option<bool>,
    /// An interface endpoint in one Region can reach this service in another
    /// (cross-Region PrivateLink).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cross_region: bool,
    #[serde(default)]
    pub hostnames: Vec<HostnameSpec>,
    #[serde(default)]
    pub notes: Vec<String>,
}

/// A hostname pattern of a service, as written in the data file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostnameSpec {
    pub pattern: String,
    #[serde(default = "yes")]
    pub private_dns: bool,
    #[serde(default)]
    pub region: Option<String>,
    /// Served in the caller's Region when that Region is enabled by default
    /// (the STS global endpoint); in `region` from opt-in Regions.
    #[serde(default)]
    pub global: bool,
    /// The Region is the one the DNS answer points at, not `region`.
    #[serde(default)]
    pub region_from_answer: bool,
    #[serde(default)]
    pub note: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Deserialize)]
struct ResourceSpec {
    pattern: String,
    service: String,
    note: String,
    #[serde(default)]
    region: Option<String>,
}

/// Regions whose endpoint service names start with another prefix (China:
/// `cn.com.amazonaws`) or end with a suffix for some services.
#[derive(Clone, Debug, Deserialize)]
struct NameException {
    regions: Vec<String>,
    #[serde(default)]
    prefix: Option<String>,
    #[serde(default)]
    suffix: Option<String>,
    services: Vec<String>,
    /// Applies to the interface endpoint service only (S3 in China: the
    /// gateway keeps `com.amazonaws`).
    #[serde(default)]
    interface_only: bool,
}

#[derive(Clone, Debug, Deserialize)]
struct CatalogFile {
    format: String,
    as_of: String,
    source: String,
    endpoint_service_template: String,
    aws_domains: Vec<String>,
    /// Every Region code the catalogue knows; empty means any Region-shaped label.
    #[serde(default)]
    regions: Vec<String>,
    /// Regions not enabled by default (the STS global endpoint is served in
    /// us-east-1 for them).
    #[serde(default)]
    opt_in_regions: Vec<String>,
    #[serde(default)]
    endpoint_service_name_exceptions: Vec<NameException>,
    services: Vec<ServiceEntry>,
    resources: Vec<ResourceSpec>,
}

#[derive(Clone, Debug)]
enum Target {
    Service(usize),
    Resource { service: String, note: String },
}

#[derive(Clone, Debug)]
struct Rule {
    pattern: Pattern,
    score: u32,
    target: Target,
    private_dns: bool,
    region: Option<String>,
    global: bool,
    region_from_answer: bool,
    note: Option<String>,
}

/// Problems with a catalogue file.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("the catalogue is not valid JSON of the expected shape: {0}")]
    Json(#[from] serde_json::Error),
    #[error("unsupported catalogue format '{0}' (expected vpce-advisor-catalog/1)")]
    Format(String),
    #[error("catalogue service '{service}': {reason}")]
    Service { service: String, reason: String },
}

/// The hostname catalogue.
#[derive(Clone, Debug)]
pub struct Catalog {
    as_of: String,
    source: String,
    template: String,
    aws_domains: Vec<Vec<String>>,
    services: Vec<ServiceEntry>,
    by_name: HashMap<String, usize>,
    rules: Vec<Rule>,
    regions: Vec<String>,
    opt_in_regions: Vec<String>,
    name_exceptions: Vec<NameException>,
}

const FORMAT: &str = "vpce-advisor-catalog/1";

impl Catalog {
    /// The catalogue embedded in the binary.
    pub fn embedded() -> Catalog {
        Catalog::from_json(crate::EMBEDDED_CATALOG).expect("the embedded catalogue is checked by the tests")
    }

    /// Builds a catalogue from a data file.
    ///
    /// # Errors
    /// Invalid JSON, an unknown format tag, or a bad hostname pattern.
    pub fn from_json(text: &str) -> Result<Catalog, CatalogError> {
        let file: CatalogFile = serde_json::from_str(text)?;
        if file.format != FORMAT {
            return Err(CatalogError::Format(file.format));
        }
        let mut rules = Vec::new();
        let mut by_name = HashMap::new();
        let mut services = file.services;
        for (i, s) in services.iter_mut().enumerate() {
            if by_name.insert(s.name.clone(), i).is_some() {
                return Err(CatalogError::Service {
                    service: s.name.clone(),
                    reason: "listed twice".into(),
                });
            }
            if s.hostnames.is_empty() {
                s.hostnames.push(HostnameSpec {
                    pattern: format!("{}.{{region}}.amazonaws.com", default_hostname_prefix(&s.name)),
                    private_dns: true,
                    region: None,
                    global: false,
                    region_from_answer: false,
                    note: None,
                });
            }
            for h in &s.hostnames {
                let pattern = Pattern::parse(&h.pattern).map_err(|reason| CatalogError::Service {
                    service: s.name.clone(),
                    reason,
                })?;
                if !pattern.has_region()
                    && h.region.is_none()
                    && !s.types.is_empty()
                    && s.endpoint_service.as_deref().is_none_or(|t| t.contains("{region}"))
                {
                    return Err(CatalogError::Service {
                        service: s.name.clone(),
                        reason: format!("pattern '{}' has no {{region}} and no fixed region", h.pattern),
                    });
                }
                rules.push(Rule {
                    score: pattern.specificity(),
                    pattern,
                    target: Target::Service(i),
                    private_dns: h.private_dns && s.types.contains(&EndpointType::Interface),
                    region: h.region.clone(),
                    global: h.global,
                    region_from_answer: h.region_from_answer,
                    note: h.note.clone(),
                });
            }
        }
        for r in file.resources {
            let pattern = Pattern::parse(&r.pattern).map_err(|reason| CatalogError::Service {
                service: r.service.clone(),
                reason,
            })?;
            rules.push(Rule {
                score: pattern.specificity(),
                pattern,
                target: Target::Resource {
                    service: r.service,
                    note: r.note,
                },
                private_dns: false,
                region: r.region,
                global: false,
                region_from_answer: false,
                note: None,
            });
        }
        // Most specific first; the stable sort keeps file order among equals.
        rules.sort_by_key(|r| std::cmp::Reverse(r.score));
        Ok(Catalog {
            as_of: file.as_of,
            source: file.source,
            template: file.endpoint_service_template,
            aws_domains: file
                .aws_domains
                .iter()
                .map(|d| d.split('.').map(str::to_string).collect())
                .collect(),
            services,
            by_name,
            rules,
            regions: file.regions,
            opt_in_regions: file.opt_in_regions,
            name_exceptions: file.endpoint_service_name_exceptions,
        })
    }

    /// The date the data describes.
    pub fn as_of(&self) -> &str {
        &self.as_of
    }

    /// Where the data comes from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// All endpoint services.
    pub fn services(&self) -> &[ServiceEntry] {
        &self.services
    }

    /// An endpoint service by its short name (`s3`, `ecr.dkr`).
    pub fn service(&self, name: &str) -> Option<&ServiceEntry> {
        self.by_name.get(name).map(|&i| &self.services[i])
    }

    /// Whether `region` is a Region the catalogue knows (any Region-shaped
    /// label when the catalogue lists none).
    pub fn is_known_region(&self, region: &str) -> bool {
        if self.regions.is_empty() {
            is_region(region)
        } else {
            self.regions.iter().any(|r| r == region)
        }
    }

    /// Whether `region` must be enabled before use (not enabled by default).
    pub fn is_opt_in_region(&self, region: &str) -> bool {
        self.opt_in_regions.iter().any(|r| r == region)
    }

    /// The endpoint service name for a service in a Region, if it has one:
    /// the one a gateway endpoint uses when the service has a gateway type,
    /// else the interface endpoint's. In China most interface services are
    /// named `cn.com.amazonaws.<region>.<service>`, and the catalogue lists
    /// which.
    pub fn endpoint_service_name(&self, service: &str, region: Option<&str>) -> Option<String> {
        let s = self.service(service)?;
        if s.types.is_empty() {
            return None;
        }
        let gateway = s.types.contains(&EndpointType::Gateway);
        self.endpoint_service_name_of(s, region, !gateway)
    }

    /// The interface endpoint service name of a service that has both types
    /// (S3 in China: `cn.com.amazonaws.<region>.s3`, beside the gateway's
    /// `com.amazonaws.<region>.s3`).
    pub fn interface_endpoint_service_name(&self, service: &str, region: Option<&str>) -> Option<String> {
        let s = self.service(service)?;
        if !s.types.contains(&EndpointType::Interface) {
            return None;
        }
        self.endpoint_service_name_of(s, region, true)
    }

    fn endpoint_service_name_of(&self, s: &ServiceEntry, region: Option<&str>, interface: bool) -> Option<String> {
        let template = s.endpoint_service.as_deref().unwrap_or(&self.template);
        if !template.contains("{region}") {
            return Some(template.replace("{name}", &s.name));
        }
        let region = region?;
        let mut name = template.replace("{region}", region).replace("{name}", &s.name);
        for e in &self.name_exceptions {
            if (interface || !e.interface_only) && e.regions.iter().any(|r| r == region) && e.services.contains(&s.name)
            {
                if let (Some(p), Some(rest)) = (&e.prefix, name.strip_prefix("com.amazonaws.")) {
                    name = format!("{p}.{rest}");
                }
                if let Some(suf) = &e.suffix {
                    name.push_str(suf);
                }
            }
        }
        Some(name)
    }

    /// Classifies a hostname as seen in a Resolver query log: any case, with or
    /// without the trailing dot. `context_region` is the Region of the VPC that
    /// asked; it decides which regional endpoint would serve a global name.
    pub fn classify(&self, hostname: &str, context_region: Option<&str>) -> Classification {
        let name = normalize(hostname);
        let mut c = Classification {
            hostname: name.clone(),
            kind: Kind::NotAws,
            service: None,
            region: None,
            endpoint_service_name: None,
            endpoint_types: Vec::new(),
            endpoint_policy_supported: None,
            private_dns_covers: false,
            notes: Vec::new(),
            region_from_answer: false,
            context_dependent: false,
        };
        if !valid_hostname(&name) {
            c.notes.push("not a valid DNS name".into());
            return c;
        }
        if let Some(china) = self.classify_china(&name, context_region) {
            return china;
        }
        let labels: Vec<&str> = name.split('.').collect();
        if let Some(ep) = self.classify_endpoint_dns(&labels, context_region) {
            return Classification { hostname: name, ..ep };
        }
        if let Some((rule, region)) = self
            .rules
            .iter()
            .find_map(|r| r.pattern.matches(&labels).map(|reg| (r, reg)))
        {
            if let Some(r) = region.filter(|r| !self.is_known_region(r)) {
                return self.unknown_region(c, r);
            }
            let region = region.map(str::to_string).or_else(|| rule.region.clone());
            match &rule.target {
                Target::Resource { service, note } => {
                    c.kind = Kind::Resource;
                    c.service = Some(service.clone());
                    c.region = region;
                    c.notes.push(note.clone());
                    c.notes
                        .push("no VPC endpoint carries traffic to a resource's own name".into());
                }
                Target::Service(i) => self.apply_service_rule(&mut c, rule, &self.services[*i], region, context_region),
            }
            return c;
        }
        if let Some(dual) = self.classify_dual_stack(&c, &labels, context_region) {
            return dual;
        }
        if let Some(rest) = self.strip_aws_domain(&labels) {
            return self.classify_unknown_aws(c, rest, context_region);
        }
        c.notes.push("not an AWS name".into());
        c
    }

    /// China Regions: the same names under amazonaws.com.cn (dual-stack:
    /// api.amazonwebservices.com.cn); endpoint service names per service.
    fn classify_china(&self, name: &str, context_region: Option<&str>) -> Option<Classification> {
        let base = name
            .strip_suffix(".amazonaws.com.cn")
            .map(|b| format!("{b}.amazonaws.com"))
            .or_else(|| {
                name.strip_suffix(".api.amazonwebservices.com.cn")
                    .map(|b| format!("{b}.api.aws"))
            })?;
        let china_ctx = context_region.filter(|r| r.starts_with("cn-"));
        let mut inner = self.classify(&base, china_ctx);
        inner.hostname = name.to_string();
        if inner.region.as_deref().is_some_and(|r| !r.starts_with("cn-")) {
            // A Region-less name pinned to a commercial Region: in China it
            // is the caller's Region, if known.
            inner.region = china_ctx.map(str::to_string);
            inner.endpoint_service_name = inner
                .service
                .as_deref()
                .and_then(|s| self.endpoint_service_name(s, china_ctx));
            inner.notes.retain(|n| !n.contains("cross-Region"));
        }
        if inner.endpoint_service_name.is_some() {
            inner.notes.push("China Region: the endpoint service name follows the China list (cn.com.amazonaws.<region>.<service> for most interface services, com.amazonaws for the others and for gateway endpoints); DescribeVpcEndpointServices is authoritative".into());
        }
        Some(inner)
    }

    /// A name matched by a service's rule: the service, the Region whose
    /// endpoint would carry it, and the notes on both.
    fn apply_service_rule(
        &self,
        c: &mut Classification,
        rule: &Rule,
        s: &ServiceEntry,
        region: Option<String>,
        context_region: Option<&str>,
    ) {
        // A global name that every Region enabled by default serves itself
        // (STS): the endpoint that replaces it is the caller's regional one.
        // From an opt-in Region it is served in the pinned Region.
        let endpoint_region = match context_region {
            Some(ctx) if rule.global && !self.is_opt_in_region(ctx) => Some(ctx.to_string()),
            _ => region,
        };
        c.kind = Kind::Service;
        c.service = Some(s.name.clone());
        c.region = endpoint_region.clone();
        c.endpoint_service_name = self.endpoint_service_name(&s.name, endpoint_region.as_deref());
        c.endpoint_types = s.types.clone();
        c.endpoint_policy_supported = s.policy;
        c.private_dns_covers = rule.private_dns;
        c.region_from_answer = rule.region_from_answer;
        c.context_dependent = rule.global;
        if let Some(n) = &rule.note {
            c.notes.push(n.clone());
        }
        c.notes.extend(s.notes.iter().cloned());
        if s.types.is_empty() {
            c.notes.push(format!(
                "no VPC endpoint service for {} in the catalogue (as of {})",
                s.name, self.as_of
            ));
        }
        // A name bound to one Region, asked from another: the traffic crosses
        // Regions whatever endpoint the caller's VPC has.
        let pinned = rule.region.is_some() && !rule.pattern.has_region();
        if let (Some(ctx), Some(r)) = (context_region, endpoint_region.as_deref()) {
            if pinned && ctx != r && !rule.region_from_answer && !s.types.is_empty() {
                c.notes.push(format!(
                    "served in {r}: from a VPC in {ctx} this is cross-Region traffic to {r}, which an endpoint in {ctx} does not carry; clients that switch to the {ctx} regional name keep it in-Region"
                ));
                c.context_dependent = true;
            }
        }
    }

    /// Dual-stack names `<svc>.<region>.api.aws` of catalogued services
    /// without a pattern of their own.
    fn classify_dual_stack(
        &self,
        c: &Classification,
        labels: &[&str],
        context_region: Option<&str>,
    ) -> Option<Classification> {
        let [svc, region, "api", "aws"] = labels[..] else {
            return None;
        };
        if is_region(region) && !self.is_known_region(region) {
            return Some(self.unknown_region(c.clone(), region));
        }
        let mut inner = self.classify(&format!("{svc}.{region}.amazonaws.com"), context_region);
        if inner.kind != Kind::Service || inner.service.as_deref().is_none_or(|s| self.service(s).is_none()) {
            return None;
        }
        inner.hostname = c.hostname.clone();
        inner.private_dns_covers = false;
        inner.notes.insert(0, "dual-stack name: an interface endpoint's private DNS covers the IPv4 name only; clients that use it stay on NAT".into());
        Some(inner)
    }

    /// A name with a Region-shaped label that is no AWS Region: no real
    /// endpoint answers for it.
    fn unknown_region(&self, mut c: Classification, region: &str) -> Classification {
        c.kind = Kind::NotAws;
        c.notes.push(format!(
            "'{region}' is not an AWS Region the catalogue knows (as of {}): not a real AWS endpoint (a typo, or a Region newer than the catalogue: give --catalog with a newer file)",
            self.as_of
        ));
        c
    }

    /// Takes the Region of a name whose Region the DNS answer decides (the
    /// legacy global S3 names) from the answers: a CNAME to a regional name of
    /// the same service (`s3-w.eu-west-1.amazonaws.com`), else an address in a
    /// range of that service (S3, DYNAMODB) in the IP ranges. Returns the
    /// classification unchanged when the answers say nothing.
    pub fn refine_by_answers<S: AsRef<str>>(
        &self,
        c: &Classification,
        answers: &[S],
        ranges: &crate::IpRanges,
    ) -> Classification {
        if !c.region_from_answer {
            return c.clone();
        }
        let Some(service) = c.service.as_deref() else {
            return c.clone();
        };
        let from_cname = answers.iter().find_map(|a| {
            let a = a.as_ref();
            if a.parse::<std::net::IpAddr>().is_ok() {
                return None;
            }
            let t = self.classify(a, None);
            (t.kind == Kind::Service && t.service.as_deref() == Some(service) && !t.region_from_answer)
                .then_some(t.region)
                .flatten()
                .map(|r| (r, format!("the answer {a}")))
        });
        let found = from_cname.or_else(|| {
            answers.iter().find_map(|a| {
                let ip = a.as_ref().parse::<std::net::IpAddr>().ok()?;
                self.region_of_address(service, ip, ranges)
                    .map(|r| (r, format!("the answer {ip}, in an AWS IP range of {service}")))
            })
        });
        match found {
            Some((region, how)) => self.with_region(c, &region, &how),
            None => c.clone(),
        }
    }

    /// The Region of `ip` when the IP ranges list it under `service`'s code
    /// (S3, DYNAMODB); `None` for other services, GLOBAL or unlisted addresses.
    pub fn region_of_address(&self, service: &str, ip: std::net::IpAddr, ranges: &crate::IpRanges) -> Option<String> {
        let code = match service {
            "s3" => "S3",
            "dynamodb" => "DYNAMODB",
            _ => return None,
        };
        let m = ranges.lookup(ip)?;
        (m.service == code && m.region != "GLOBAL").then(|| m.region.to_string())
    }

    /// `c` served in `region`, found from `how`.
    pub fn with_region(&self, c: &Classification, region: &str, how: &str) -> Classification {
        let mut out = c.clone();
        if out.region.as_deref() == Some(region) {
            return out;
        }
        out.region = Some(region.to_string());
        out.endpoint_service_name = out
            .service
            .as_deref()
            .and_then(|s| self.endpoint_service_name(s, Some(region)));
        out.notes.retain(|n| !n.contains("cross-Region"));
        out.notes.push(format!("Region {region} taken from {how}"));
        out
    }

    /// Endpoint DNS names: `vpce-<id>[-<az>].<service labels>.<region>.vpce.amazonaws.com`
    /// and bucket-style `<bucket>.vpce-<id>.s3.<region>.vpce.amazonaws.com`.
    fn classify_endpoint_dns(&self, labels: &[&str], context_region: Option<&str>) -> Option<Classification> {
        let n = labels.len();
        if n < 5 || labels[n - 3..] != ["vpce", "amazonaws", "com"] {
            return None;
        }
        let region = labels[n - 4];
        let id_at = labels[..n - 4].iter().position(|l| l.starts_with("vpce-"))?;
        let svc_labels = &labels[id_at + 1..n - 4];
        let mut c = Classification {
            hostname: String::new(),
            kind: Kind::EndpointDns,
            service: None,
            region: is_region(region).then(|| region.to_string()),
            endpoint_service_name: None,
            endpoint_types: vec![EndpointType::Interface],
            endpoint_policy_supported: None,
            private_dns_covers: true,
            notes: vec![
                "the DNS name of an interface endpoint: traffic to it already goes through the endpoint".into(),
            ],
            region_from_answer: false,
            context_dependent: false,
        };
        if is_region(region) && !self.is_known_region(region) {
            let c = Classification {
                kind: Kind::NotAws,
                endpoint_types: Vec::new(),
                private_dns_covers: false,
                region: None,
                notes: Vec::new(),
                ..c
            };
            return Some(self.unknown_region(c, region));
        }
        if labels[id_at].starts_with("vpce-svc-") || svc_labels.is_empty() {
            c.notes.push("endpoint service not named in the DNS name (a PrivateLink service of another account, or a zonal name)".into());
            return Some(c);
        }
        let inner = self.classify(
            &format!("{}.{region}.amazonaws.com", svc_labels.join(".")),
            context_region,
        );
        if inner.kind == Kind::Service {
            c.service = inner.service;
            c.endpoint_service_name = inner.endpoint_service_name;
            c.endpoint_policy_supported = inner.endpoint_policy_supported;
        }
        Some(c)
    }

    fn strip_aws_domain<'a>(&self, labels: &'a [&'a str]) -> Option<&'a [&'a str]> {
        self.aws_domains.iter().find_map(|d| {
            let n = labels.len();
            (n > d.len() && labels[n - d.len()..].iter().zip(d).all(|(a, b)| *a == b)).then(|| &labels[..n - d.len()])
        })
    }

    /// An AWS name the catalogue has no pattern for: say what can be said.
    fn classify_unknown_aws(
        &self,
        mut c: Classification,
        rest: &[&str],
        context_region: Option<&str>,
    ) -> Classification {
        c.kind = Kind::Service;
        let region_at = rest.iter().rposition(|l| is_region(l));
        let (svc, region) = match region_at {
            Some(0) if rest.len() > 1 => (rest[1], Some(rest[0])),
            Some(i) if i > 0 => (rest[i - 1], Some(rest[i])),
            _ => (*rest.last().unwrap_or(&""), None),
        };
        if let Some(r) = region.filter(|r| !self.is_known_region(r)) {
            c.kind = Kind::NotAws;
            return self.unknown_region(c, r);
        }
        // FIPS names of services without a -fips endpoint service.
        if let (Some(base), Some(region)) = (svc.strip_suffix("-fips"), region) {
            let inner = self.classify(&format!("{base}.{region}.amazonaws.com"), context_region);
            if inner.kind == Kind::Service && inner.endpoint_service_name.is_some() {
                let mut inner = inner;
                inner.hostname = c.hostname;
                inner.private_dns_covers = false;
                inner.notes.insert(0, format!("FIPS name: no {base}-fips endpoint service in the catalogue, and the {base} endpoint's private DNS does not cover FIPS names"));
                return inner;
            }
        }
        c.service = Some(svc.to_string());
        c.region = region
            .map(str::to_string)
            .or_else(|| context_region.map(str::to_string));
        if region.is_none() {
            c.notes.push(
                "global or legacy name without a Region: an interface endpoint's private DNS does not cover it".into(),
            );
        }
        c.notes.push(format!(
            "AWS name with no VPC endpoint service in the catalogue (as of {})",
            self.as_of
        ));
        c
    }
}

/// Lower-cases a hostname and removes the trailing dot.
pub(crate) fn normalize(hostname: &str) -> String {
    let t = hostname.trim();
    let t = t.strip_suffix('.').unwrap_or(t);
    t.to_ascii_lowercase()
}

fn valid_hostname(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty() && l.len() <= 63 && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        })
}

/// `ecr.api` → `api.ecr`: endpoint service names with a dot put the labels in
/// the opposite order of the hostname. Services where that is wrong list their
/// hostnames in the data file.
fn default_hostname_prefix(name: &str) -> String {
    let mut parts: Vec<&str> = name.split('.').collect();
    parts.reverse();
    parts.join(".")
}
