//! Command-line arguments (clap derive; the doc comments are the help text).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Find which AWS services your private subnets reach through NAT gateways,
/// from Route 53 Resolver query logs and VPC flow logs, and which VPC
/// endpoints would carry that traffic.
#[derive(Debug, Parser)]
#[command(name = "vpce-advisor", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once; boxing would only add noise
pub enum Command {
    /// Analyse Resolver query logs and flow logs: traffic per AWS service through NAT.
    Analyze(AnalyzeArgs),
    /// Say what hostnames are: AWS service, resource, endpoint DNS name, or not AWS.
    Explain(ExplainArgs),
    /// Write a realistic data set (both log types, S3 layout, gzip) and its truth.
    Simulate(SimulateArgs),
    /// Analyse a built-in sample data set and print the table.
    Demo(DemoArgs),
    /// Print the price table in use, with its dates and sources.
    Pricing(PricingArgs),
    /// Write Terraform or CloudFormation that creates the recommended endpoints.
    Iac(IacArgs),
    /// Write Terraform or CloudFormation that turns on the logging the analysis needs.
    Setup(SetupArgs),
    /// Check a VPC for what endpoints need: DNS attributes, subnets per AZ,
    /// security groups, network ACLs, gateway routes, quota.
    Preflight(PreflightArgs),
    /// Print the least-privilege read-only IAM policy vpce-advisor needs.
    IamPolicy(IamPolicyArgs),
    /// Render a saved report (analyze --format json) in another format, without
    /// reading the logs again.
    Render(RenderArgs),
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The report, as written by `analyze --format json`.
    #[arg(value_name = "REPORT.json")]
    pub report: PathBuf,
    #[command(flatten)]
    pub out: ReportOutput,
}

/// How and where a report is written (`analyze`, `render`).
#[derive(Debug, Args, Clone)]
pub struct ReportOutput {
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
    /// Show only the first N services (table) or hostnames (seed-json; default
    /// 20 there). 0 shows all.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Table: every column, however wide the terminal (the full table is
    /// also what a pipe or a file gets).
    #[arg(long)]
    pub wide: bool,
}

/// How to reach AWS (as the AWS CLI: the standard credential chain).
#[derive(Debug, Args, Clone, Default)]
pub struct AwsArgs {
    /// A named profile from ~/.aws/config (default: AWS_PROFILE, else default).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Send every AWS call to this URL (default: AWS_ENDPOINT_URL), e.g. for
    /// LocalStack or moto.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct PreflightArgs {
    /// The VPC to check.
    #[arg(long, value_name = "VPC_ID", required = true)]
    pub vpc_id: String,
    /// The Region (default: AWS_REGION or the profile's).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ExplainFormat,
}

#[derive(Debug, Args)]
pub struct IamPolicyArgs {
    /// The bucket holding the logs (default: any).
    #[arg(long, value_name = "BUCKET")]
    pub bucket: Option<String>,
    /// Key prefix of the logs in the bucket.
    #[arg(long, value_name = "PREFIX", default_value = "")]
    pub prefix: String,
    /// CloudWatch Logs groups holding the logs (repeatable; default: any).
    #[arg(long = "log-group", value_name = "NAME")]
    pub log_groups: Vec<String>,
    /// Region of the log groups, and of the ARNs' partition (cn-… is aws-cn, us-gov-… aws-us-gov; default: any Region, partition aws).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Account of the log groups (default: any).
    #[arg(long, value_name = "ACCOUNT")]
    pub account_id: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum IacFormat {
    Terraform,
    Cloudformation,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PolicyChoice {
    /// Full access (AWS's default; no policy document).
    Full,
    /// Only principals of the organization (--org-id).
    Org,
    /// Only principals of the account (--account-id, default: from the logs).
    Account,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct IacArgs {
    #[command(subcommand)]
    pub sub: Option<IacSub>,
    #[command(flatten)]
    pub endpoints: Box<IacEndpointArgs>,
}

#[derive(Debug, Subcommand)]
pub enum IacSub {
    /// Expose your own service behind a Network Load Balancer as a VPC endpoint service.
    EndpointService(EndpointServiceArgs),
}

#[derive(Debug, Args)]
pub struct IacEndpointArgs {
    /// Output language.
    #[arg(long, value_enum, default_value = "terraform")]
    pub format: IacFormat,
    /// A saved report (analyze --format json) instead of reading logs.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Subnets for the interface endpoints, one per Availability Zone.
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    pub subnet_ids: Vec<String>,
    /// Route tables for the gateway endpoints.
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    pub route_table_ids: Vec<String>,
    /// Only these services, whatever their recommendation.
    #[arg(long, value_name = "SVC,...", value_delimiter = ',')]
    pub only: Vec<String>,
    /// Endpoint policy where the service supports one.
    #[arg(long, value_enum, default_value = "full")]
    pub policy: PolicyChoice,
    /// Organization ID for --policy org.
    #[arg(long, value_name = "o-...")]
    pub org_id: Option<String>,
    /// Account ID for --policy account (default: the account in the logs).
    #[arg(long, value_name = "ACCOUNT")]
    pub account_id: Option<String>,
    /// Also create an S3 interface endpoint beside the gateway endpoint (for
    /// on-premises or peered clients).
    #[arg(long)]
    pub s3_interface: bool,
    /// On-premises (or peered) networks that reach the interface endpoints:
    /// the endpoint security group admits them on TCP 443 beside the VPC
    /// CIDRs, and an inbound Resolver endpoint (off until you turn it on)
    /// answers their DNS queries.
    #[arg(long = "client-cidr", value_name = "CIDR,...", value_delimiter = ',')]
    pub client_cidrs: Vec<String>,
    /// A tag for every resource (repeatable).
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = parse_tag)]
    pub tags: Vec<(String, String)>,
    /// Prefix for resource names.
    #[arg(long, default_value = "vpce-advisor")]
    pub name_prefix: String,
    /// Directory to write the files into.
    #[arg(long, short, value_name = "DIR", default_value = "vpce-endpoints")]
    pub output: PathBuf,
    /// Write the files even when the live inventory (--live, or a report
    /// saved by analyze --live) shows an error that makes applying them fail
    /// (DNS hostnames off for private DNS, a conflicting private hosted
    /// zone, the endpoint quota).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
}

#[derive(Debug, Args)]
pub struct EndpointServiceArgs {
    /// Network Load Balancer ARN (repeatable).
    #[arg(long = "nlb-arn", value_name = "ARN", required = true)]
    pub nlb_arns: Vec<String>,
    /// Principals allowed to connect (ARNs, comma-separated).
    #[arg(long, value_name = "ARN,...", value_delimiter = ',')]
    pub allowed_principals: Vec<String>,
    /// Accept connections without approval (default: each must be accepted).
    #[arg(long)]
    pub no_acceptance: bool,
    #[arg(long, value_enum, default_value = "terraform")]
    pub format: IacFormat,
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = parse_tag)]
    pub tags: Vec<(String, String)>,
    #[arg(long, default_value = "vpce-advisor-service")]
    pub name_prefix: String,
    #[arg(long, short, value_name = "DIR", default_value = "vpce-endpoint-service")]
    pub output: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Destination {
    Cloudwatch,
    S3,
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// The VPC to log.
    #[arg(long, value_name = "VPC_ID", required = true)]
    pub vpc_id: String,
    /// Where the logs go.
    #[arg(long, value_enum, default_value = "cloudwatch")]
    pub destination: Destination,
    /// Existing bucket, for --destination s3.
    #[arg(long, value_name = "BUCKET", required_if_eq("destination", "s3"))]
    pub bucket: Option<String>,
    #[arg(long, value_enum, default_value = "terraform")]
    pub format: IacFormat,
    /// Days to keep the logs in CloudWatch Logs.
    #[arg(long, default_value_t = 7)]
    pub retention_days: u32,
    /// KMS key for the log groups.
    #[arg(long, value_name = "ARN")]
    pub kms_key_arn: Option<String>,
    /// A report of a previous analysis, to estimate log volume and cost.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = parse_tag)]
    pub tags: Vec<(String, String)>,
    #[arg(long, default_value = "vpce-advisor")]
    pub name_prefix: String,
    #[arg(long, short, value_name = "DIR", default_value = "vpce-logging")]
    pub output: PathBuf,
}

fn parse_tag(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("'{s}' is not KEY=VALUE")),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A table for people.
    Table,
    /// The documented JSON schema (docs/report-schema.md).
    Json,
    /// The JSON shape of the original blog solution's Lambda.
    SeedJson,
    /// One self-contained page with charts, to open in a browser or share.
    Html,
    /// A GitHub-flavoured summary for a pull request or a ticket.
    Markdown,
    /// One row per service, for spreadsheets (columns in docs/report-schema.md).
    Csv,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    Table,
    Json,
}

/// Reference data overrides, shared by the commands that classify names.
#[derive(Debug, Args, Clone, Default)]
pub struct ReferenceArgs {
    /// Use this endpoint-service catalogue instead of the embedded one
    /// (same schema as data/endpoint-services.json).
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Use this AWS IP ranges file instead of the embedded snapshot
    /// (AWS's ip-ranges.json, or the compact data/ip-ranges.json form).
    #[arg(long, value_name = "FILE")]
    pub ip_ranges: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    #[command(flatten)]
    pub out: ReportOutput,
}

/// The inputs of an analysis, shared by `analyze` and `iac`.
#[derive(Debug, Args, Clone)]
pub struct AnalysisArgs {
    /// Route 53 Resolver query logs: files or directories (walked recursively),
    /// plain or gzip; JSON lines, concatenated objects, CloudWatch Logs
    /// subscription envelopes or `aws logs filter-log-events` output; or
    /// s3://BUCKET/PREFIX, or cloudwatch://LOG_GROUP.
    #[arg(long = "dns-logs", value_name = "PATH", num_args = 1..)]
    pub dns_logs: Vec<PathBuf>,
    /// VPC flow logs: files or directories, plain or gzip, text with or
    /// without the header line; or s3://BUCKET/PREFIX, or cloudwatch://LOG_GROUP.
    #[arg(long = "flow-logs", value_name = "PATH", num_args = 1..)]
    pub flow_logs: Vec<PathBuf>,
    /// Field order for flow logs without a header line (CloudWatch Logs
    /// delivery), as given when the flow log was created:
    /// '${version} ${account-id} ...'. Default: the version 2 order.
    #[arg(long, value_name = "FORMAT")]
    pub flow_log_format: Option<String>,
    /// Skip flow-log header fields this version does not know instead of
    /// stopping.
    #[arg(long)]
    pub allow_unknown_fields: bool,
    /// Only records at or after this time (RFC 3339, or YYYY-MM-DD).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only records before this time (RFC 3339, or YYYY-MM-DD).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// A VPC CIDR block (repeatable). Default: inferred from the private
    /// addresses in the logs.
    #[arg(long = "vpc-cidr", value_name = "CIDR")]
    pub vpc_cidr: Vec<String>,
    /// A NAT gateway's private IP (repeatable). Default: inferred from the flow
    /// logs.
    #[arg(long = "nat-ip", value_name = "IP")]
    pub nat_ip: Vec<String>,
    /// A NAT gateway's network interface ID (repeatable).
    #[arg(long = "nat-eni", value_name = "ENI")]
    pub nat_eni: Vec<String>,
    /// Region for logs that do not name one, for prices, and for AWS calls.
    /// Default: for AWS calls, AWS_REGION or the profile's; for logs that
    /// name no Region, that same Region when the run talks to AWS; for
    /// prices, the Region of the VPCs in the logs, else that one.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Read the VPC from the AWS APIs (with --vpc-id): existing endpoints by
    /// state, the Region's endpoint services, CIDRs, NAT gateways, subnets and
    /// route tables, and the preflight checks.
    #[arg(long, requires = "vpc_id")]
    pub live: bool,
    /// The VPC (for --live and iac; default for iac: the one VPC in the logs).
    #[arg(long, value_name = "VPC_ID")]
    pub vpc_id: Option<String>,
    /// Read cloudwatch:// sources event by event (FilterLogEvents) instead of
    /// aggregating them in Logs Insights.
    #[arg(long)]
    pub no_insights: bool,
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Fail (exit 1) when any line is malformed or any file cannot be read.
    #[arg(long)]
    pub strict: bool,
    /// Accept a report of inputs that could not all be read to their end (a
    /// truncated file, an S3 object that kept failing): exit 0 with the
    /// report marked partial instead of exit 1. iac writes its files.
    #[arg(long)]
    pub allow_partial: bool,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// No progress or summary lines on standard error.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub reference: ReferenceArgs,
    #[command(flatten)]
    pub costs: CostArgs,
}

/// How costs are computed.
#[derive(Debug, Args, Clone, Default)]
pub struct CostArgs {
    /// Use this price table instead of the embedded one (same schema as
    /// data/pricing.json).
    #[arg(long, value_name = "FILE")]
    pub pricing: Option<PathBuf>,
    /// Availability Zones to price each interface endpoint in. Default: the
    /// AZs (az-id) of the interfaces that use NAT, else 2.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=32))]
    pub azs: Option<u32>,
    /// Recommend endpoints for these services whatever the cost (a security
    /// policy choice), e.g. --require-private ssm,sts.
    #[arg(long, value_name = "SVC,...", value_delimiter = ',')]
    pub require_private: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PricingArgs {
    /// Only this Region.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Show this price table instead of the embedded one.
    #[arg(long, value_name = "FILE")]
    pub pricing: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ExplainFormat,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Hostnames as they appear in Resolver logs (any case, trailing dot or not).
    #[arg(required = true, value_name = "HOSTNAME")]
    pub hostnames: Vec<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ExplainFormat,
    /// The Region of the VPC asking: decides the regional endpoint for global
    /// names such as sts.amazonaws.com.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    #[command(flatten)]
    pub reference: ReferenceArgs,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Directory to write AWSLogs/... and truth.json into.
    #[arg(value_name = "OUT_DIR")]
    pub out_dir: PathBuf,
    /// Hours of logs.
    #[arg(long, default_value_t = 24)]
    pub hours: u32,
    /// Instances in the private subnets.
    #[arg(long, default_value_t = 20)]
    pub instances: u32,
    /// Random seed: the same seed writes the same bytes.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// First hour of the logs (RFC 3339 or YYYY-MM-DD; rounded down to the
    /// hour). Default: 2026-11-01T00:00:00Z.
    #[arg(long, value_name = "TIME")]
    pub start: Option<String>,
    /// gzip compression level (0-9).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(0..=9))]
    pub gzip_level: u32,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Table: every column, however wide the terminal.
    #[arg(long)]
    pub wide: bool,
}
