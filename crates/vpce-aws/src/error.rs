//! AWS errors turned into messages a user can act on: the missing IAM action
//! for AccessDenied, the one-line fix for missing or expired credentials.

use std::error::Error as StdError;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use vpce_model::aws_action::AwsAction;

/// An AWS call that failed, classified.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    #[error(
        "access denied: {action} on {resource} ({code}: {message}). Grant {action} to these credentials; `vpce-advisor iam-policy` prints the whole read-only policy"
    )]
    AccessDenied {
        action: String,
        resource: String,
        code: String,
        message: String,
    },
    #[error("no AWS credentials found ({detail}). Fix: run `aws configure` or `aws sso login --profile NAME` and pass --profile NAME, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")]
    NoCredentials { detail: String },
    #[error("the AWS credentials have expired ({code}). Fix: refresh them (`aws sso login --profile NAME`, or new temporary keys) and run again")]
    ExpiredCredentials { code: String },
    #[error(
        "the AWS credentials are not valid ({code}: {message}). Fix: check the access key, or the --profile in use"
    )]
    InvalidCredentials { code: String, message: String },
    #[error("{action}: still throttled after retries with backoff ({code}). Run again later, or with fewer --threads")]
    Throttled { action: String, code: String },
    #[error("{action} on {resource}: not found ({code}: {message})")]
    NotFound {
        action: String,
        resource: String,
        code: String,
        message: String,
    },
    #[error("{action}: could not reach AWS ({detail}). Check the network, --region and --endpoint-url")]
    Connection { action: String, detail: String },
    #[error("{action} on {resource} failed: {detail}")]
    Other {
        action: String,
        resource: String,
        detail: String,
    },
}

impl AwsError {
    /// Whether the caller may go on without this call's answer (an optional
    /// check), as opposed to errors that stop every later call too.
    pub fn is_access_denied(&self) -> bool {
        matches!(self, AwsError::AccessDenied { .. })
    }
}

/// Classifies a failed SDK call. `action` is the IAM action of the call and
/// `resource` what it was about.
pub fn classify<E>(err: SdkError<E, HttpResponse>, action: AwsAction, resource: &str) -> AwsError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let code = err.code().unwrap_or_default().to_string();
    let message = err.message().unwrap_or_default().to_string();
    let status = match &err {
        SdkError::ServiceError(e) => Some(e.raw().status().as_u16()),
        SdkError::ResponseError(e) => Some(e.raw().status().as_u16()),
        _ => None,
    };
    let detail = match &err {
        // The causes' messages, not the SDK's debug dump of the request.
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => causes(&err),
        _ => DisplayErrorContext(&err).to_string(),
    };
    classify_parts(&code, &message, status, &detail, action.name(), resource)
}

/// The classification itself, on plain values (tested without the SDK's
/// error types).
pub fn classify_parts(
    code: &str,
    message: &str,
    status: Option<u16>,
    detail: &str,
    action: &str,
    resource: &str,
) -> AwsError {
    let owned = |s: &str| s.to_string();
    let denied = |code: &str| AwsError::AccessDenied {
        action: owned(action),
        resource: owned(resource),
        code: owned(code),
        message: owned(message),
    };
    let not_found = |code: &str| AwsError::NotFound {
        action: owned(action),
        resource: owned(resource),
        code: owned(code),
        message: owned(message),
    };
    let lower = detail.to_ascii_lowercase();
    match code {
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" | "UnauthorizedAccess" | "Forbidden" => {
            return denied(code)
        }
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" | "TokenRefreshRequired" => {
            return AwsError::ExpiredCredentials { code: owned(code) }
        }
        "InvalidClientTokenId"
        | "SignatureDoesNotMatch"
        | "AuthFailure"
        | "InvalidAccessKeyId"
        | "UnrecognizedClientException"
        | "InvalidSignatureException" => {
            return AwsError::InvalidCredentials {
                code: owned(code),
                message: owned(message),
            }
        }
        "Throttling"
        | "ThrottlingException"
        | "RequestLimitExceeded"
        | "SlowDown"
        | "TooManyRequestsException"
        | "LimitExceededException" => {
            return AwsError::Throttled {
                action: owned(action),
                code: owned(code),
            }
        }
        "NoSuchBucket" | "NoSuchKey" | "ResourceNotFoundException" | "NotFound" => return not_found(code),
        c if c.starts_with("InvalidVpcID") || c.ends_with(".NotFound") || c.ends_with(".Malformed") => {
            return not_found(code)
        }
        _ => {}
    }
    if status == Some(403) {
        return denied(if code.is_empty() { "403" } else { code });
    }
    if status == Some(404) {
        return not_found(if code.is_empty() { "404" } else { code });
    }
    if lower.contains("no credentials")
        || lower.contains("credentialsnotloaded")
        || lower.contains("credentials not loaded")
        || lower.contains("failed to load credentials")
        || lower.contains("the credential provider was not enabled")
        || lower.contains("no providers in chain provided credentials")
    {
        return AwsError::NoCredentials {
            detail: one_line(detail),
        };
    }
    if lower.contains("expired") && lower.contains("token") {
        return AwsError::ExpiredCredentials {
            code: "expired token".into(),
        };
    }
    if status.is_none()
        && (lower.contains("dispatch failure")
            || lower.contains("connection")
            || lower.contains("timeout")
            || lower.contains("dns error"))
    {
        return AwsError::Connection {
            action: owned(action),
            detail: one_line(detail),
        };
    }
    AwsError::Other {
        action: owned(action),
        resource: owned(resource),
        detail: if code.is_empty() {
            one_line(detail)
        } else {
            format!("{code}: {message}")
        },
    }
}

/// An error and its sources as "a: b: c", each message once.
fn causes(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

fn one_line(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.len() > 300 {
        let mut end = 300;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_denied_names_the_action() {
        let e = classify_parts(
            "UnauthorizedOperation",
            "You are not authorized to perform this operation.",
            Some(403),
            "",
            "ec2:DescribeNetworkAcls",
            "vpc-1",
        );
        assert!(e.is_access_denied());
        let m = e.to_string();
        assert!(m.contains("ec2:DescribeNetworkAcls") && m.contains("iam-policy"), "{m}");
        let e = classify_parts("", "", Some(403), "", "s3:GetObject", "s3://b/k");
        assert!(e.to_string().contains("s3:GetObject on s3://b/k"));
    }

    #[test]
    fn credentials_get_a_one_line_fix() {
        let e = classify_parts(
            "",
            "",
            None,
            "dispatch failure: other: no credentials in the property bag",
            "ec2:DescribeVpcs",
            "vpc-1",
        );
        assert!(matches!(e, AwsError::NoCredentials { .. }), "{e:?}");
        assert!(e.to_string().contains("aws sso login"));
        let e = classify_parts(
            "ExpiredToken",
            "The security token included in the request is expired",
            Some(400),
            "",
            "logs:StartQuery",
            "g",
        );
        assert!(matches!(e, AwsError::ExpiredCredentials { .. }));
    }

    #[test]
    fn throttling_and_connection() {
        assert!(matches!(
            classify_parts(
                "RequestLimitExceeded",
                "",
                Some(503),
                "",
                "ec2:DescribeSubnets",
                "vpc-1"
            ),
            AwsError::Throttled { .. }
        ));
        assert!(matches!(
            classify_parts(
                "",
                "",
                None,
                "dispatch failure: io error: Connection refused (os error 111)",
                "s3:ListBucket",
                "b"
            ),
            AwsError::Connection { .. }
        ));
        assert!(matches!(
            classify_parts(
                "InvalidVpcID.NotFound",
                "The vpc ID 'vpc-x' does not exist",
                Some(400),
                "",
                "ec2:DescribeVpcs",
                "vpc-x"
            ),
            AwsError::NotFound { .. }
        ));
    }
}
