//! The analysis report: one model, rendered by every output format and read
//! back by later steps (`--report FILE`). The JSON form is documented in
//! `docs/report-schema.md`; `SCHEMA_VERSION` changes when a field changes
//! meaning or disappears (adding fields does not change it).

use serde::{Deserialize, Serialize};
pub use vpce_catalog::EndpointType;

/// Bytes in one GB as AWS bills data transfer and processing (2^30).
pub const BYTES_PER_GB: f64 = 1_073_741_824.0;

/// `bytes` in GB (2^30 bytes), as AWS bills.
pub fn gb(bytes: u64) -> f64 {
    bytes as f64 / BYTES_PER_GB
}

/// Version of the JSON report schema.
pub const SCHEMA_VERSION: u32 = 1;

/// The whole report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub generator: String,
    pub window: Window,
    pub inputs: Inputs,
    pub reference_data: ReferenceData,
    pub network: Network,
    pub totals: Totals,
    /// AWS service APIs, ranked by bytes through NAT, then queries.
    pub services: Vec<ServiceUsage>,
    /// Traffic that is not to an AWS service API: AWS addresses without a DNS
    /// name, AWS resources, and destinations outside AWS.
    pub unattributed: Vec<OtherTraffic>,
    /// The prices and assumptions behind the cost figures (absent when the
    /// report was not priced).
    #[serde(default)]
    pub pricing: Option<PricingSummary>,
    /// Monthly cost totals (absent when the report was not priced).
    #[serde(default)]
    pub costs: Option<CostTotals>,
    pub warnings: Vec<String>,
    /// What the AWS APIs said about the VPC (`analyze --live`), and the
    /// preflight findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<Live>,
    /// NAT bytes per hour per service and direction over the window (absent
    /// in reports made before it existed, or without timed records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<Series>,
}

/// Bytes per time step, one line per (service, Region, direction).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    /// RFC 3339 start of the first step.
    pub start: String,
    pub step_seconds: u64,
    /// Steps in every line.
    pub points: usize,
    /// Ranked by total bytes; the smallest lines are summed into one line
    /// whose `service` is `other` once there are more than [`Series::MAX_LINES`].
    pub lines: Vec<SeriesLine>,
}

impl Series {
    /// Lines kept apart before the rest are summed into `other`.
    pub const MAX_LINES: usize = 24;
}

/// One line of a [`Series`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesLine {
    pub service: String,
    pub region: Option<String>,
    /// `egress` (VPC → AWS) or `ingress` (AWS → VPC).
    pub direction: String,
    pub bytes: Vec<u64>,
}

impl SeriesLine {
    /// The line's bytes over the whole window.
    pub fn total(&self) -> u64 {
        self.bytes.iter().fold(0u64, |a, b| a.saturating_add(*b))
    }
}

/// The live part of a report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Live {
    pub inventory: inventory::Inventory,
    pub findings: Vec<inventory::Finding>,
}

/// What a recommendation says to do about a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Recommendation {
    CreateGateway,
    CreateInterface,
    Exists,
    NotWorthIt,
    Unsupported,
    NeedsClientChange,
    /// An endpoint exists, but some of the service's traffic cannot use it
    /// (a gateway endpoint missing from route tables of subnets that route to
    /// NAT, an interface endpoint with private DNS off, or the VPC's DNS
    /// attributes off): the fix and its saving are in `endpoint_fixes`.
    FixExisting,
}

impl Recommendation {
    /// The name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Recommendation::CreateGateway => "create-gateway",
            Recommendation::CreateInterface => "create-interface",
            Recommendation::Exists => "exists",
            Recommendation::NotWorthIt => "not-worth-it",
            Recommendation::Unsupported => "unsupported",
            Recommendation::NeedsClientChange => "needs-client-change",
            Recommendation::FixExisting => "fix-existing",
        }
    }
}

/// The inputs of every cost figure, so that it can be checked by hand.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PricingSummary {
    pub region: String,
    /// Date of the table, and of this Region's entry.
    pub table_as_of: String,
    pub as_of: String,
    pub source: String,
    /// `high`, `medium` or `low` (estimated).
    pub confidence: String,
    pub currency: String,
    /// How bytes become GB.
    pub convention: String,
    pub month_hours: f64,
    pub window_hours: f64,
    /// month_hours / window_hours: every monthly figure is the window's scaled by this.
    pub extrapolation_factor: f64,
    pub nat_usd_per_gb: f64,
    pub nat_usd_per_hour: f64,
    pub interface_usd_per_az_hour: f64,
    /// (up to GB per month Region-wide, USD per GB); the last has no bound.
    pub interface_usd_per_gb_tiers: Vec<(Option<f64>, f64)>,
    pub cross_az_usd_per_gb: f64,
    /// Data transfer to another Region, $/GB, that traffic to a service in
    /// another Region pays on top of NAT (`None`: not in the price table).
    #[serde(default)]
    pub inter_region_usd_per_gb: Option<f64>,
    /// Availability Zones an interface endpoint is priced in.
    pub azs: u32,
    /// `--azs`, `flow logs (az-id)` or `assumed`.
    pub azs_source: String,
}

/// Monthly totals.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CostTotals {
    /// NAT processing of all traffic through NAT.
    pub nat_processing_usd: f64,
    /// NAT processing of the traffic to AWS services.
    pub nat_processing_aws_services_usd: f64,
    /// Hourly charge of the NAT gateways seen.
    pub nat_hours_usd: f64,
    pub nat_gateways: u32,
    /// The public IPv4 charge of the NAT gateways' Elastic IPs (a month),
    /// also saved when NAT can go; `None` when the price table has no
    /// public IPv4 price.
    #[serde(default)]
    pub nat_public_ipv4_usd: Option<f64>,
    /// How many Elastic IPs that charge is for.
    #[serde(default)]
    pub nat_public_ipv4_addresses: Option<u32>,
    /// Where the count came from: `live inventory`, or `one per NAT gateway
    /// (assumed)`.
    #[serde(default)]
    pub nat_public_ipv4_source: Option<String>,
    /// Savings if every create-gateway, create-interface and fix-existing
    /// recommendation is applied: the positive savings only.
    pub savings_if_all_applied_usd: f64,
    /// What applying every create-gateway and create-interface recommendation
    /// changes the monthly bill by: the savings with the cost of endpoints
    /// required by `--require-private` included (negative: the bill grows).
    /// `None` in reports priced before this field existed.
    #[serde(default)]
    pub net_savings_if_all_applied_usd: Option<f64>,
    /// Cost of the recommended interface endpoints (hours and processing).
    pub recommended_endpoints_usd: f64,
    /// Endpoints that work together (ECR, Session Manager), priced and
    /// decided together when one of them is recommended.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bundles: Vec<Bundle>,
    /// Whether traffic that no endpoint carries still needs the NAT gateway.
    pub nat_still_needed: bool,
    pub nat_still_needed_reason: String,
}

/// Endpoints that a feature needs together, decided as one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// `ecr` or `session-manager`.
    pub name: String,
    /// The interface endpoints of the bundle that the report has traffic for.
    pub services: Vec<String>,
    /// What else the bundle needs, and its state (`s3 gateway endpoint: create-gateway`).
    pub requires: Vec<String>,
    /// The monthly savings of the bundle's services added up (each with its
    /// own endpoint's cost).
    pub combined_savings_usd: f64,
    /// `together` (every service is recommended) or `one-suffices` (only the
    /// services that pay on their own; the others stay on NAT).
    pub decision: String,
    pub reason: String,
}

impl CostTotals {
    /// The net monthly change when it differs from the positive savings by
    /// a cent or more (endpoints `--require-private` adds cost money), else
    /// `None`: every output shows the net only then.
    pub fn net_if_different(&self) -> Option<f64> {
        self.net_savings_if_all_applied_usd
            .filter(|n| (n - self.savings_if_all_applied_usd).abs() >= 0.005)
    }
}

/// The time the report covers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Window {
    /// RFC 3339, or null when no record had a time.
    pub start: Option<String>,
    pub end: Option<String>,
    pub hours: f64,
    /// `observed` (from the records) or `given` (`--since`/`--until`).
    pub source: String,
    /// Whole hours of the window with no flow-log record (gaps in the logs).
    #[serde(default)]
    pub hours_without_flow_records: u64,
}

/// What was read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Inputs {
    pub dns: InputStats,
    pub flow: InputStats,
    pub malformed: u64,
    /// The first malformed lines, with file, line and reason.
    pub malformed_examples: Vec<Malformed>,
    /// Files that could not be read, or only in part.
    pub file_errors: Vec<FileError>,
    /// Some input could not be read to its end (`file_errors` is not empty):
    /// every total is a lower bound. Set by [`Inputs::note_partial`].
    #[serde(default)]
    pub partial: bool,
    /// The bytes of the inputs that were not read, where known (an S3
    /// object's size less the bytes read): the sum of the file errors'
    /// `bytes_unread`, so a lower bound when some error has no known size.
    #[serde(default)]
    pub bytes_unread: u64,
}

impl Inputs {
    /// Sets [`Inputs::partial`] and [`Inputs::bytes_unread`] from the file
    /// errors.
    pub fn note_partial(&mut self) {
        self.partial = !self.file_errors.is_empty();
        self.bytes_unread = self
            .file_errors
            .iter()
            .filter_map(|e| e.bytes_unread)
            .fold(0u64, u64::saturating_add);
    }
}

/// Counters for one log type.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputStats {
    pub files: u64,
    pub records: u64,
    pub malformed: u64,
    /// Records outside `--since`/`--until`.
    pub outside_window: u64,
    /// Flow logs: NODATA and SKIPDATA records.
    #[serde(default)]
    pub no_data: u64,
    /// Flow logs: REJECT records (their bytes are not counted).
    #[serde(default)]
    pub rejected: u64,
    /// Lines left out on purpose: neither records nor headers (Lambda
    /// runtime lines in a delivery, other programs' messages in a log group).
    #[serde(default)]
    pub skipped_lines: u64,
    /// Files found in a given folder and left out: they hold the other log
    /// type, or neither (named in `warnings`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub left_out: u64,
    /// Inputs of this type that ended in an error (in `file_errors`); the
    /// rest of `files` were read: `files = read + left_out + input_errors`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub input_errors: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl InputStats {
    /// Adds another input set's counters to these.
    pub fn add(&mut self, o: &InputStats) {
        self.files += o.files;
        self.records += o.records;
        self.malformed += o.malformed;
        self.outside_window += o.outside_window;
        self.no_data += o.no_data;
        self.rejected += o.rejected;
        self.skipped_lines += o.skipped_lines;
        self.left_out += o.left_out;
        self.input_errors += o.input_errors;
    }

    /// Inputs read (to their end, or with malformed lines counted).
    pub fn read(&self) -> u64 {
        self.files.saturating_sub(self.left_out + self.input_errors)
    }
}

/// One malformed line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Malformed {
    pub file: String,
    pub line: u64,
    pub reason: String,
}

/// A file that could not be read, or only in part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileError {
    pub file: String,
    pub error: String,
    /// The bytes of the input left unread, when its size is known (S3
    /// objects); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_unread: Option<u64>,
}

/// The dated reference data the report was made with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceData {
    pub catalog_as_of: String,
    pub catalog_source: String,
    pub ip_ranges_as_of: String,
    pub ip_ranges_source: String,
}

/// What the logs say about the network.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Network {
    pub vpcs: Vec<Vpc>,
    pub vpc_cidrs: Vec<String>,
    /// `given`, `inferred` (from the private addresses seen) or `none`.
    pub vpc_cidrs_source: String,
    pub nat_gateways: Vec<NatGateway>,
    /// Where NAT bytes were counted: `nat-gateway-interface` (the NAT's own
    /// legs, each byte once), `instance-interfaces` (no NAT legs in the logs) or
    /// `none`.
    pub nat_bytes_counted_on: String,
    /// Flow-log fields the analysis could use but the logs lack.
    pub flow_fields_missing: Vec<String>,
    /// Availability Zones (az-id) of the interfaces that sent traffic through NAT.
    pub source_az_ids: Vec<String>,
    /// Clients of the NAT gateway outside the VPC CIDRs (peered VPCs, transit
    /// gateway, on-premises): a gateway endpoint cannot serve them.
    #[serde(default)]
    pub nat_clients_outside_vpc: Vec<String>,
    /// The Region named by flow records without a `vpc-id` (their VPC is
    /// unknown, their Region is not).
    #[serde(default)]
    pub region_without_vpc_id: Option<String>,
}

/// A VPC seen in the logs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vpc {
    pub vpc_id: String,
    pub region: Option<String>,
    pub account_id: Option<String>,
}

/// A NAT gateway interface.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NatGateway {
    pub private_ip: String,
    pub interface_id: Option<String>,
    /// `given`, `inferred` (records with pkt-dstaddr ≠ dstaddr) or `interface-type`.
    pub source: String,
}

/// Totals over all traffic.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// All bytes the NAT gateways processed, both directions, each byte once.
    pub bytes_via_nat: u64,
    pub bytes_via_nat_to_aws_services: u64,
    pub bytes_via_nat_to_aws_unattributed: u64,
    pub bytes_via_nat_not_aws: u64,
    pub bytes_via_endpoint: u64,
    pub bytes_via_internet_gateway: u64,
    pub bytes_unknown_path: u64,
    /// Public traffic by another path: VPN, peering, local gateway
    /// (`traffic-path` 3 to 6).
    #[serde(default)]
    pub bytes_via_other_path: u64,
    /// Bytes seen a second time on another interface and not counted again.
    pub bytes_deduplicated: u64,
    /// Traffic not between a VPC address and a public one: between VPC
    /// addresses (the NAT gateway's legs to its clients among it), to private
    /// networks outside the VPC, public to public, records without addresses.
    /// Interface-endpoint traffic is in `bytes_via_endpoint` instead.
    #[serde(default)]
    pub bytes_internal: u64,
    /// Every flow-log byte read (accepted records inside the window), each in
    /// exactly one of: `bytes_via_nat`, `bytes_via_endpoint`,
    /// `bytes_via_internet_gateway`, `bytes_via_other_path`,
    /// `bytes_unknown_path`, `bytes_deduplicated`, `bytes_internal`.
    #[serde(default)]
    pub bytes_read: u64,
    pub query_count: u64,
    pub query_count_aws_services: u64,
}

/// One AWS service in one Region.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceUsage {
    pub service: String,
    pub region: Option<String>,
    pub endpoint_service_name: Option<String>,
    pub endpoint_types: Vec<EndpointType>,
    pub endpoint_supported: bool,
    pub endpoint_policy_supported: Option<bool>,
    /// An interface endpoint in another Region can reach it (cross-Region
    /// PrivateLink), as the catalogue says.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub endpoint_cross_region: bool,
    pub endpoint_exists: bool,
    /// Why `endpoint_exists` is true (private DNS answers, traffic-path 7).
    pub endpoint_exists_evidence: Vec<String>,
    pub query_count: u64,
    pub hostnames: Vec<HostnameUsage>,
    /// Sample addresses seen in answers.
    pub answers: Vec<String>,
    pub bytes_via_nat: u64,
    /// Of `bytes_via_nat`: to names an interface endpoint's private DNS does not
    /// cover (legacy global names, FIPS, dual-stack).
    #[serde(default)]
    pub bytes_via_nat_not_covered: u64,
    pub bytes_via_endpoint: u64,
    pub bytes_other: u64,
    pub bytes_other_breakdown: OtherBreakdown,
    /// `bytes_via_nat` per 730-hour month, in GB (see `pricing`).
    #[serde(default)]
    pub monthly_gb_via_nat: Option<f64>,
    #[serde(default)]
    pub monthly_cost_now_usd: Option<f64>,
    #[serde(default)]
    pub monthly_cost_with_endpoint_usd: Option<f64>,
    #[serde(default)]
    pub monthly_savings_usd: Option<f64>,
    /// Monthly GB through NAT above which an interface endpoint is cheaper.
    #[serde(default)]
    pub break_even_gb_per_month: Option<f64>,
    #[serde(default)]
    pub recommendation: Option<Recommendation>,
    #[serde(default)]
    pub reasons: Vec<String>,
    /// What keeps the existing endpoints from carrying this service's NAT
    /// traffic, from the live inventory (with `fix-existing`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoint_fixes: Vec<inventory::EndpointFix>,
    /// How traffic was tied to the service: `dns`, `ip-range`.
    pub attribution: Vec<String>,
    pub notes: Vec<String>,
}

impl ServiceUsage {
    /// A service with no traffic, no queries and nothing known about its endpoint.
    pub fn empty(service: &str, region: Option<&str>) -> ServiceUsage {
        ServiceUsage {
            service: service.to_string(),
            region: region.map(str::to_string),
            endpoint_service_name: None,
            endpoint_types: Vec::new(),
            endpoint_supported: false,
            endpoint_policy_supported: None,
            endpoint_cross_region: false,
            endpoint_exists: false,
            endpoint_exists_evidence: Vec::new(),
            query_count: 0,
            hostnames: Vec::new(),
            answers: Vec::new(),
            bytes_via_nat: 0,
            bytes_via_nat_not_covered: 0,
            bytes_via_endpoint: 0,
            bytes_other: 0,
            bytes_other_breakdown: OtherBreakdown::default(),
            monthly_gb_via_nat: None,
            monthly_cost_now_usd: None,
            monthly_cost_with_endpoint_usd: None,
            monthly_savings_usd: None,
            break_even_gb_per_month: None,
            recommendation: None,
            reasons: Vec::new(),
            endpoint_fixes: Vec::new(),
            attribution: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// Where `bytes_other` went.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherBreakdown {
    pub internet_gateway: u64,
    /// Virtual private gateway, peering, local gateway.
    pub other_path: u64,
    /// Public destinations whose path the logs do not show.
    pub unknown_path: u64,
}

/// One hostname of a service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostnameUsage {
    pub name: String,
    pub query_count: u64,
    pub private_dns_covers: bool,
    /// The answer records of the most recent query (CNAME targets and addresses).
    pub last_answers: Vec<String>,
    pub notes: Vec<String>,
}

/// Traffic not tied to a service API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherTraffic {
    pub label: String,
    /// `aws-unattributed`, `aws-resource`, `not-aws`, `unknown`.
    pub category: String,
    pub aws_service_code: Option<String>,
    pub bytes_via_nat: u64,
    pub bytes_via_endpoint: u64,
    pub bytes_other: u64,
    pub sample_destinations: Vec<String>,
}

pub mod aws_action;
pub mod inventory;

#[cfg(test)]
mod tests {
    use super::*;

    fn error(file: &str, bytes_unread: Option<u64>) -> FileError {
        FileError {
            file: file.into(),
            error: "cut".into(),
            bytes_unread,
        }
    }

    #[test]
    fn inputs_with_a_file_error_are_partial_and_sum_the_known_unread_bytes() {
        let mut i = Inputs::default();
        i.note_partial();
        assert!(!i.partial);
        assert_eq!(i.bytes_unread, 0);
        i.file_errors = vec![error("a", Some(100)), error("b", None), error("c", Some(u64::MAX))];
        i.note_partial();
        assert!(i.partial);
        assert_eq!(i.bytes_unread, u64::MAX, "saturates");
        i.file_errors.truncate(2);
        i.note_partial();
        assert_eq!(i.bytes_unread, 100);
    }
}
