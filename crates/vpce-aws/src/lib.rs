//! The AWS shell of vpce-advisor: the only crate that talks to AWS, through
//! the official AWS SDK for Rust.
//!
//! - [`inventory`]: the VPC, its subnets, route tables, NAT gateways,
//!   endpoints, security groups, network ACLs and the Region's endpoint
//!   services, every paginated call read to its last page.
//! - [`s3`]: Resolver and flow logs in S3, listed along AWS's key layout and
//!   the time window, and streamed object by object into the parsers.
//! - [`logs`]: the same from CloudWatch Logs, by Logs Insights aggregation
//!   pushed down to AWS, or by `FilterLogEvents` streaming.
//!
//! Credentials, Region and endpoint follow the AWS CLI: the standard chain,
//! `--profile`, `--region`, `--endpoint-url` and `AWS_ENDPOINT_URL`.
//! Throttling is retried with exponential backoff by the SDK's standard
//! retry policy. The commands are synchronous: [`Aws`] owns a small Tokio
//! runtime and blocks on it, so the rest of the program stays free of async.
//!
//! Nothing here writes to the terminal: progress lines go to a [`Say`]
//! callback the caller gives (the binary prints them on standard error).

use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

pub mod error;
pub mod inventory;
pub mod logs;
pub mod s3;
pub mod sources;

pub use error::AwsError;

/// Where progress lines go (one line per call, without the newline); shared
/// by the worker threads that read S3 objects.
pub type Say = Arc<dyn Fn(&str) + Send + Sync>;

/// How to reach AWS, as the AWS CLI takes it.
#[derive(Clone, Debug, Default)]
pub struct AwsOptions {
    /// A named profile from `~/.aws/config` (else `AWS_PROFILE`, else default).
    pub profile: Option<String>,
    /// The Region (else `AWS_REGION`, else the profile's).
    pub region: Option<String>,
    /// Send every call to this URL (else `AWS_ENDPOINT_URL`), for
    /// LocalStack, moto or a VPC endpoint's own DNS name.
    pub endpoint_url: Option<String>,
}

/// An endpoint URL the SDK can send to: `http://` or `https://` and a host.
fn check_endpoint_url(url: &str) -> Result<(), anyhow::Error> {
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or(""));
    match host {
        Some(h) if !h.is_empty() && !h.starts_with(':') => Ok(()),
        _ => anyhow::bail!(
            "the endpoint URL '{url}' (from --endpoint-url or AWS_ENDPOINT_URL) is not an http:// or https:// URL with a host, such as http://127.0.0.1:5000"
        ),
    }
}

/// Attempts per call, with exponential backoff between them.
const MAX_ATTEMPTS: u32 = 8;

/// Clients for the services vpce-advisor reads, and the runtime they run on.
#[derive(Clone)]
pub struct Aws {
    rt: Arc<tokio::runtime::Runtime>,
    pub region: String,
    pub ec2: aws_sdk_ec2::Client,
    pub s3: aws_sdk_s3::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub route53: aws_sdk_route53::Client,
}

impl Aws {
    /// Loads the configuration (nothing is sent yet).
    ///
    /// # Errors
    /// No Region is configured anywhere.
    pub fn connect(opts: &AwsOptions) -> Result<Aws, anyhow::Error> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("vpce-aws")
            .enable_all()
            .build()?;
        let config = rt.block_on(load(opts));
        let Some(region) = config.region().map(|r| r.to_string()) else {
            anyhow::bail!(
                "no AWS Region: give --region, set AWS_REGION, or set region in the profile (aws configure set region us-east-1)"
            );
        };
        if let Some(url) = config.endpoint_url() {
            check_endpoint_url(url)?;
        }
        let mut s3 = aws_sdk_s3::config::Builder::from(&config);
        if config.endpoint_url().is_some() {
            // A custom endpoint (moto, LocalStack, MinIO) rarely resolves
            // bucket subdomains.
            s3 = s3.force_path_style(true);
        }
        Ok(Aws {
            region,
            ec2: aws_sdk_ec2::Client::new(&config),
            route53: aws_sdk_route53::Client::new(&config),
            s3: aws_sdk_s3::Client::from_conf(s3.build()),
            logs: aws_sdk_cloudwatchlogs::Client::new(&config),
            rt: Arc::new(rt),
        })
    }

    /// Runs a future to completion on the runtime.
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// The runtime, for readers that block on it from worker threads.
    pub fn handle(&self) -> tokio::runtime::Handle {
        self.rt.handle().clone()
    }
}

/// How long a connection may take to open, and a response to start: a peer
/// that never answers ends the attempt (and the retries take over) instead of
/// holding the run.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(30);

async fn load(opts: &AwsOptions) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(200)),
        )
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .read_timeout(FIRST_BYTE_TIMEOUT)
                .build(),
        );
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &opts.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(u) = &opts.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    loader.load().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_urls_need_a_scheme_and_a_host() {
        for ok in [
            "http://127.0.0.1:5000",
            "https://vpce-1.ec2.us-east-1.vpce.amazonaws.com/",
        ] {
            assert!(check_endpoint_url(ok).is_ok(), "{ok}");
        }
        for bad in ["htp:/bad", "127.0.0.1:5000", "http://", "https://:443/x"] {
            let e = check_endpoint_url(bad).unwrap_err().to_string();
            assert!(e.contains(bad) && e.contains("http://"), "{e}");
        }
    }
}
