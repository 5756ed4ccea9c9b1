//! `vpce-advisor iam-policy`: the read-only policy the AWS features need.

use std::io::Write;

use anyhow::Result;

use crate::cli::IamPolicyArgs;
use crate::exit::Exit;

pub(crate) fn run(args: IamPolicyArgs) -> Result<Exit> {
    let IamPolicyArgs {
        bucket,
        prefix,
        log_groups,
        region,
        account_id,
    } = args;
    let doc = vpce_iac::iam::read_only_policy(&vpce_iac::iam::PolicyScope {
        bucket,
        prefix,
        log_groups,
        region,
        account_id,
    });
    // `?` on the write: a closed pipe ends the command quietly (see lib.rs).
    writeln!(std::io::stdout().lock(), "{}", serde_json::to_string_pretty(&doc)?)?;
    Ok(Exit::Success)
}
