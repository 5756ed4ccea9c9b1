//! The command-line arguments, resolved once into plain values.
//!
//! Each `from_args` destructures its clap struct without `..`, so a new flag
//! is a compile error here until it is handled. Parsing and checking happen
//! here (times, CIDRs, addresses, VPC IDs, the flow-log format, the reference
//! data and price files); the [`crate::pipeline`] only reads the values.
//!
//! # The Region
//!
//! One rule, used by every step of an analysis:
//!
//! - **AWS calls** go to `--region`, else the AWS configuration's Region
//!   (`AWS_REGION`, else the profile's in `~/.aws/config` or
//!   `AWS_CONFIG_FILE`), as the AWS CLI does.
//! - **The fallback Region** is `--region`, else, when the run talks to AWS
//!   (`--live`, `s3://` or `cloudwatch://` sources), the Region the AWS calls
//!   go to. Local files alone never read the AWS configuration.
//! - **Catalogue:** each VPC's names are classified in the Region its logs
//!   name; logs that name none use the fallback Region.
//! - **Prices:** `--region`; else the Region of the VPCs in the logs (the
//!   first, with a warning, when there are several); else the fallback
//!   Region. So a Region that only the AWS configuration gives prices the
//!   same Region the catalogue used.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use vpce_analysis::net::Cidr;
use vpce_analysis::{AdviceOptions, AnalysisConfig, FlowAggregator, TimeFilter};
use vpce_aws::AwsOptions;
use vpce_catalog::{Catalog, IpRanges};
use vpce_formats::flow::{FlowFormat, FlowReadOptions};
use vpce_formats::time::parse_rfc3339;
use vpce_model::Vpc;
use vpce_pricing::PriceTable;

use crate::cli::{
    AnalysisArgs, AnalyzeArgs, AwsArgs, CostArgs, ExplainFormat, IacEndpointArgs, IacFormat, PolicyChoice,
    PreflightArgs, ReferenceArgs, ReportFormat, ReportOutput,
};

/// The catalogue and IP ranges: embedded, or the user's files.
pub(crate) struct Reference {
    pub catalog: Catalog,
    pub ranges: IpRanges,
}

impl Reference {
    pub(crate) fn from_args(args: &ReferenceArgs) -> Result<Reference> {
        let ReferenceArgs { catalog, ip_ranges } = args;
        let catalog = match catalog {
            Some(p) => {
                let text = vpce_ingest::read_text(p)?;
                Catalog::from_json(&text).with_context(|| format!("--catalog {}", p.display()))?
            }
            None => Catalog::embedded(),
        };
        let ranges = match ip_ranges {
            Some(p) => {
                let text = vpce_ingest::read_text(p)?;
                IpRanges::from_json(&text).with_context(|| format!("--ip-ranges {}", p.display()))?
            }
            None => IpRanges::embedded(),
        };
        Ok(Reference { catalog, ranges })
    }

    pub(crate) fn embedded() -> Reference {
        Reference {
            catalog: Catalog::embedded(),
            ranges: IpRanges::embedded(),
        }
    }
}

/// The price table: embedded, or the user's file.
pub(crate) fn price_table(path: Option<&Path>) -> Result<PriceTable> {
    Ok(match path {
        Some(p) => {
            let text = vpce_ingest::read_text(p)?;
            PriceTable::from_json(&text).with_context(|| format!("--pricing {}", p.display()))?
        }
        None => PriceTable::embedded(),
    })
}

/// `--region` and the rule of the module documentation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RegionChoice {
    given: Option<String>,
}

impl RegionChoice {
    pub(crate) fn new(given: Option<String>) -> RegionChoice {
        RegionChoice { given }
    }

    /// `--region`, if given.
    pub(crate) fn given(&self) -> Option<&str> {
        self.given.as_deref()
    }

    /// The Region for logs that name none: `--region`, else `aws_region`
    /// (the Region the AWS calls go to, when the run talks to AWS).
    pub(crate) fn fallback(&self, aws_region: Option<&str>) -> Option<String> {
        self.given.clone().or_else(|| aws_region.map(str::to_string))
    }

    /// The Region to price in, for [`AdviceOptions::region`], given the
    /// report's VPCs: `--region`; `None` when the VPCs name a Region (pricing
    /// then takes theirs, and warns when they are several); else the
    /// fallback Region.
    pub(crate) fn for_prices(&self, vpcs: &[Vpc], aws_region: Option<&str>) -> Option<String> {
        if self.given.is_some() {
            return self.given.clone();
        }
        if vpcs.iter().any(|v| v.region.is_some()) {
            return None;
        }
        self.fallback(aws_region)
    }
}

/// How to reach AWS.
#[derive(Clone, Debug, Default)]
pub(crate) struct AwsSettings {
    pub options: AwsOptions,
}

impl AwsSettings {
    pub(crate) fn from_args(args: AwsArgs, region: &RegionChoice) -> AwsSettings {
        let AwsArgs { profile, endpoint_url } = args;
        AwsSettings {
            options: AwsOptions {
                profile,
                region: region.given().map(str::to_string),
                endpoint_url,
            },
        }
    }
}

/// How costs are computed.
pub(crate) struct Costs {
    pub prices: PriceTable,
    pub azs: Option<u32>,
    pub require_private: Vec<String>,
}

impl Costs {
    pub(crate) fn from_args(args: CostArgs) -> Result<Costs> {
        let CostArgs {
            pricing,
            azs,
            require_private,
        } = args;
        Ok(Costs {
            prices: price_table(pricing.as_deref())?,
            azs,
            require_private,
        })
    }

    /// The embedded prices, no options.
    pub(crate) fn embedded() -> Costs {
        Costs {
            prices: PriceTable::embedded(),
            azs: None,
            require_private: Vec::new(),
        }
    }

    /// The pricing options, for a Region from [`RegionChoice::for_prices`].
    pub(crate) fn advice(&self, region: Option<String>) -> AdviceOptions {
        AdviceOptions {
            region,
            azs: self.azs,
            require_private: self.require_private.clone(),
        }
    }
}

/// Local paths and remote (`s3://`, `cloudwatch://`) addresses of one log type.
#[derive(Clone, Debug, Default)]
pub(crate) struct Sources {
    pub local: Vec<PathBuf>,
    pub remote: Vec<String>,
}

impl Sources {
    fn split(paths: &[PathBuf]) -> Sources {
        let (local, remote) = vpce_aws::sources::split(paths);
        Sources { local, remote }
    }
}

/// Everything an analysis needs, resolved.
pub(crate) struct Analysis {
    pub dns: Sources,
    pub flow: Sources,
    /// The user's `--flow-log-format` (also given to the remote sources).
    pub flow_format: Option<FlowFormat>,
    pub flow_read: FlowReadOptions,
    /// CIDRs, NAT addresses and interfaces as given, the window, the
    /// generator; `default_region` is `--region` (the pipeline completes it).
    pub config: AnalysisConfig,
    pub region: RegionChoice,
    pub aws: AwsSettings,
    /// The VPC to read with `--live`.
    pub live: Option<String>,
    pub no_insights: bool,
    pub strict: bool,
    /// `--allow-partial`: a report of inputs not all read to their end is a
    /// success.
    pub allow_partial: bool,
    pub threads: usize,
    pub quiet: bool,
    pub reference: Reference,
    pub costs: Costs,
}

impl Analysis {
    pub(crate) fn from_args(args: AnalysisArgs) -> Result<Analysis> {
        let AnalysisArgs {
            dns_logs,
            flow_logs,
            flow_log_format,
            allow_unknown_fields,
            since,
            until,
            vpc_cidr,
            nat_ip,
            nat_eni,
            region,
            live,
            vpc_id,
            no_insights,
            aws,
            strict,
            allow_partial,
            threads,
            quiet,
            reference,
            costs,
        } = args;
        if dns_logs.is_empty() && flow_logs.is_empty() {
            bail!("nothing to analyse: give --dns-logs PATH... and/or --flow-logs PATH... (files, s3://BUCKET/PREFIX or cloudwatch://LOG_GROUP; try `vpce-advisor demo` for a sample)");
        }
        let reference = Reference::from_args(&reference)?;
        let region = RegionChoice::new(region);
        let config = AnalysisConfig {
            vpc_cidrs: cidrs(&vpc_cidr)?,
            nat_ips: addresses(&nat_ip)?,
            nat_enis: nat_eni,
            filter: window(since.as_deref(), until.as_deref())?,
            default_region: region.given().map(str::to_string),
            vpc_cidrs_source: None,
            nat_source: None,
            generator: format!("vpce-advisor {}", env!("CARGO_PKG_VERSION")),
        };
        let flow_format = flow_log_format
            .as_deref()
            .map(|f| FlowFormat::parse(f, allow_unknown_fields))
            .transpose()
            .context("--flow-log-format")?;
        let live = match (live, vpc_id) {
            (true, Some(vpc)) => Some(vpc_id_arg(vpc)?),
            _ => None,
        };
        Ok(Analysis {
            dns: Sources::split(&dns_logs),
            flow: Sources::split(&flow_logs),
            flow_read: FlowReadOptions {
                format: flow_format.clone(),
                allow_unknown_fields,
                wanted: Some(FlowAggregator::FIELDS.to_vec()),
            },
            flow_format,
            config,
            aws: AwsSettings::from_args(aws, &region),
            region,
            live,
            no_insights,
            strict,
            allow_partial,
            threads: threads.unwrap_or_else(vpce_ingest::default_threads),
            quiet,
            reference,
            costs: Costs::from_args(costs)?,
        })
    }

    /// Whether the run talks to AWS.
    pub(crate) fn needs_aws(&self) -> bool {
        self.live.is_some() || !self.dns.remote.is_empty() || !self.flow.remote.is_empty()
    }
}

/// `vpce-advisor analyze`.
pub(crate) struct Analyze {
    pub analysis: Analysis,
    pub format: ReportFormat,
    pub top: Option<usize>,
    pub output: Option<PathBuf>,
    pub wide: bool,
}

impl Analyze {
    pub(crate) fn from_args(args: AnalyzeArgs) -> Result<Analyze> {
        let AnalyzeArgs {
            analysis,
            out:
                ReportOutput {
                    format,
                    top,
                    output,
                    wide,
                },
        } = args;
        Ok(Analyze {
            analysis: Analysis::from_args(analysis)?,
            format,
            top,
            output,
            wide,
        })
    }
}

/// Where `iac` takes its report from.
#[allow(clippy::large_enum_variant)] // one per run; boxing would only add noise
pub(crate) enum ReportSource {
    /// A saved report, priced with these costs if it is not priced yet, and
    /// the catalogue its plan names endpoint services from.
    Saved {
        path: PathBuf,
        costs: Costs,
        region: RegionChoice,
        reference: Reference,
    },
    /// The logs.
    Logs(Analysis),
}

/// `vpce-advisor iac` (the endpoints).
pub(crate) struct Iac {
    pub report: ReportSource,
    pub format: IacFormat,
    pub subnet_ids: Vec<String>,
    pub route_table_ids: Vec<String>,
    pub only: Vec<String>,
    pub policy: PolicyChoice,
    pub org_id: Option<String>,
    pub account_id: Option<String>,
    pub s3_interface: bool,
    /// `--client-cidr`: on-premises networks the endpoints admit.
    pub client_cidrs: Vec<String>,
    pub tags: BTreeMap<String, String>,
    pub name_prefix: String,
    pub output: PathBuf,
    /// `--vpc-id` and `--vpc-cidr` as given (else from a live inventory).
    pub vpc_id: Option<String>,
    pub vpc_cidrs: Vec<String>,
    /// `--require-private`, applied to the plan (a saved, priced report is
    /// not advised again).
    pub require_private: Vec<String>,
    /// `--allow-partial`: write the files from a partial report.
    pub allow_partial: bool,
    /// `--force`: write the files although preflight says applying them fails.
    pub force: bool,
}

impl Iac {
    /// The catalogue the plan names endpoint services from: the one the
    /// analysis used, or the one given beside a saved report.
    pub(crate) fn catalog(&self) -> &vpce_catalog::Catalog {
        match &self.report {
            ReportSource::Saved { reference, .. } => &reference.catalog,
            ReportSource::Logs(analysis) => &analysis.reference.catalog,
        }
    }

    pub(crate) fn from_args(args: IacEndpointArgs) -> Result<Iac> {
        let IacEndpointArgs {
            format,
            report,
            subnet_ids,
            route_table_ids,
            only,
            policy,
            org_id,
            account_id,
            s3_interface,
            client_cidrs,
            tags,
            name_prefix,
            output,
            force,
            analysis,
        } = args;
        let (vpc_id, vpc_cidrs) = (analysis.vpc_id.clone(), analysis.vpc_cidr.clone());
        cidrs(&vpc_cidrs)?;
        for c in &client_cidrs {
            client_cidr(c)?;
        }
        let require_private = analysis.costs.require_private.clone();
        let allow_partial = analysis.allow_partial;
        let report = match report {
            Some(_) if analysis.live => {
                bail!("--live reads the VPC alongside the logs; with --report, save that report with `analyze --live --format json` first (its inventory is used)")
            }
            Some(path) => ReportSource::Saved {
                path,
                reference: Reference::from_args(&analysis.reference)?,
                region: RegionChoice::new(analysis.region),
                costs: Costs::from_args(analysis.costs)?,
            },
            None if analysis.dns_logs.is_empty() && analysis.flow_logs.is_empty() => {
                bail!("give a saved report (--report FILE from analyze --format json) or the logs (--dns-logs/--flow-logs)")
            }
            None => ReportSource::Logs(Analysis::from_args(analysis)?),
        };
        Ok(Iac {
            report,
            format,
            subnet_ids,
            route_table_ids,
            only,
            policy,
            org_id,
            account_id,
            s3_interface,
            client_cidrs,
            tags: tags.into_iter().collect(),
            name_prefix,
            output,
            vpc_id,
            vpc_cidrs,
            require_private,
            allow_partial,
            force,
        })
    }
}

/// `vpce-advisor preflight`.
pub(crate) struct Preflight {
    pub vpc_id: String,
    pub aws: AwsSettings,
    pub format: ExplainFormat,
}

impl Preflight {
    pub(crate) fn from_args(args: PreflightArgs) -> Result<Preflight> {
        let PreflightArgs {
            vpc_id,
            region,
            aws,
            format,
        } = args;
        Ok(Preflight {
            vpc_id: vpc_id_arg(vpc_id)?,
            aws: AwsSettings::from_args(aws, &RegionChoice::new(region)),
            format,
        })
    }
}

fn vpc_id_arg(vpc_id: String) -> Result<String> {
    if !vpc_id.starts_with("vpc-") {
        bail!("--vpc-id '{vpc_id}' is not a VPC ID (vpc-…)");
    }
    Ok(vpc_id)
}

fn time_arg(name: &str, v: Option<&str>) -> Result<Option<i64>> {
    v.map(|s| {
        parse_rfc3339(s).with_context(|| {
            format!("{name} '{s}' is not a time (use RFC 3339, like 2026-11-01T00:00:00Z, or 2026-11-01)")
        })
    })
    .transpose()
}

/// `--since` and `--until`.
fn window(since: Option<&str>, until: Option<&str>) -> Result<TimeFilter> {
    let since = time_arg("--since", since)?;
    let until = time_arg("--until", until)?;
    if let (Some(s), Some(u)) = (since, until) {
        if u <= s {
            bail!("--until must be after --since");
        }
    }
    Ok(TimeFilter { since, until })
}

fn cidrs(args: &[String]) -> Result<Vec<Cidr>> {
    args.iter().map(|c| vpc_cidr(c)).collect()
}

/// Shortest prefixes a `--vpc-cidr` may have: wider ones are no VPC's, and
/// the generated security groups admit the VPC CIDRs on 443.
const SHORTEST_VPC_PREFIX: (u8, u8) = (8, 32);

/// One `--vpc-cidr`: a CIDR no wider than a /8 (IPv6: a /32).
fn vpc_cidr(text: &str) -> Result<Cidr> {
    let cidr = text.parse::<Cidr>().map_err(anyhow::Error::msg).context("--vpc-cidr")?;
    let (v4, v6) = SHORTEST_VPC_PREFIX;
    let shortest = if text.contains(':') { v6 } else { v4 };
    if prefix_len(text) < shortest {
        bail!(
            "--vpc-cidr {text} is wider than any VPC (shortest accepted: /{shortest}): it would count public addresses as the VPC's and open the generated endpoint security groups to them on 443; give the VPC's own CIDRs (VPCs use /16 to /28, IPv6 /44 to /64)"
        );
    }
    Ok(cidr)
}

/// One `--client-cidr`: a CIDR no wider than a /8 (IPv6: a /32), like
/// `--vpc-cidr`, as the endpoint security group admits it on 443.
fn client_cidr(text: &str) -> Result<Cidr> {
    let cidr = text
        .parse::<Cidr>()
        .map_err(anyhow::Error::msg)
        .context("--client-cidr")?;
    let (v4, v6) = SHORTEST_VPC_PREFIX;
    let shortest = if text.contains(':') { v6 } else { v4 };
    if prefix_len(text) < shortest {
        bail!(
            "--client-cidr {text} is wider than any private network (shortest accepted: /{shortest}): it would open the generated endpoint security group to the internet on 443; give your on-premises networks' CIDRs"
        );
    }
    Ok(cidr)
}

/// The prefix length of a CIDR's text (`u8::MAX` without one).
fn prefix_len(text: &str) -> u8 {
    text.rsplit_once('/')
        .and_then(|(_, l)| l.parse().ok())
        .unwrap_or(u8::MAX)
}

fn addresses(args: &[String]) -> Result<Vec<IpAddr>> {
    args.iter()
        .map(|ip| {
            ip.parse::<IpAddr>()
                .with_context(|| format!("--nat-ip '{ip}' is not an IP address"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vpcs(regions: &[Option<&str>]) -> Vec<Vpc> {
        regions
            .iter()
            .map(|reg| Vpc {
                vpc_id: "vpc-1".into(),
                region: reg.map(str::to_string),
                account_id: None,
            })
            .collect()
    }

    #[test]
    fn the_region_flag_wins_for_prices_and_the_fallback() {
        let flag = RegionChoice::new(Some("ap-south-1".into()));
        let r = vpcs(&[Some("us-east-1")]);
        assert_eq!(flag.for_prices(&r, Some("eu-west-1")).as_deref(), Some("ap-south-1"));
        assert_eq!(flag.fallback(Some("eu-west-1")).as_deref(), Some("ap-south-1"));
    }

    #[test]
    fn the_logs_region_prices_before_the_aws_configuration() {
        let none = RegionChoice::new(None);
        let r = vpcs(&[None, Some("us-east-1")]);
        // None: pricing takes the VPCs' Region itself.
        assert_eq!(none.for_prices(&r, Some("eu-west-1")), None);
    }

    #[test]
    fn logs_without_a_region_are_priced_in_the_aws_configuration_region() {
        let none = RegionChoice::new(None);
        let r = vpcs(&[None]);
        assert_eq!(none.for_prices(&r, Some("eu-west-1")).as_deref(), Some("eu-west-1"));
        assert_eq!(none.fallback(Some("eu-west-1")).as_deref(), Some("eu-west-1"));
        // Local files only: no AWS configuration, no Region.
        assert_eq!(none.for_prices(&r, None), None);
    }

    #[test]
    fn window_and_addresses_are_checked() {
        assert!(window(Some("2026-11-02"), Some("2026-11-01")).is_err());
        let w = window(Some("2026-11-01"), None).unwrap();
        assert_eq!(w.since, Some(1_793_491_200));
        assert!(cidrs(&["10.0.0.0/33".into()]).is_err());
        assert!(addresses(&["10.0.0.256".into()]).is_err());
        assert!(vpc_id_arg("subnet-1".into()).is_err());
    }

    #[test]
    fn vpc_cidrs_wider_than_any_vpc_are_refused() {
        for wide in ["0.0.0.0/0", "10.0.0.0/7", "::/0", "2600::/16"] {
            let e = cidrs(&[wide.into()]).unwrap_err().to_string();
            assert!(e.contains(wide) && e.contains("wider than any VPC"), "{e}");
        }
        for ok in ["10.0.0.0/8", "10.0.0.0/16", "2600:1f18:1234:5600::/56"] {
            assert!(cidrs(&[ok.into()]).is_ok(), "{ok}");
        }
    }

    #[test]
    fn client_cidrs_open_to_the_internet_are_refused() {
        for wide in ["0.0.0.0/0", "::/0", "0.0.0.0/1", "2000::/3"] {
            let e = client_cidr(wide).unwrap_err().to_string();
            assert!(e.contains(wide) && e.contains("--client-cidr"), "{e}");
        }
        assert!(client_cidr("192.168.0.0/33").is_err());
        for ok in ["192.168.0.0/16", "172.16.0.0/12", "10.0.0.0/8", "fd00:1234::/48"] {
            assert!(client_cidr(ok).is_ok(), "{ok}");
        }
    }
}
