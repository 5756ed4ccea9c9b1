//! One module per subcommand. Each resolves its arguments
//! ([`crate::settings`]), runs the [`crate::pipeline`] when it analyses logs,
//! renders, and returns its [`Exit`]. The modules do not import each other.

mod analyze;
mod demo;
mod explain;
mod iac;
mod iam_policy;
mod preflight;
mod pricing;
mod render;
mod setup;
mod simulate;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::exit::Exit;

pub(crate) fn run(cli: Cli) -> Result<Exit> {
    match cli.command {
        Command::Analyze(a) => analyze::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Pricing(a) => pricing::run(a),
        Command::Iac(a) => iac::run(a),
        Command::Setup(a) => setup::run(a),
        Command::Preflight(a) => preflight::run(a),
        Command::IamPolicy(a) => iam_policy::run(a),
        Command::Render(a) => render::run(a),
    }
}
