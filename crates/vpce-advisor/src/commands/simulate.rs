//! `vpce-advisor simulate`.

use std::fs;

use anyhow::{Context, Result};
use vpce_simulate::{simulate, SimConfig};

use crate::cli::SimulateArgs;
use crate::exit::Exit;

pub(crate) fn run(args: SimulateArgs) -> Result<Exit> {
    let SimulateArgs {
        out_dir,
        hours,
        instances,
        seed,
        start,
        gzip_level,
    } = args;
    let mut cfg = SimConfig {
        hours,
        instances,
        seed,
        gzip_level,
        ..Default::default()
    };
    if let Some(s) = &start {
        let t = vpce_formats::time::parse_rfc3339(s)
            .with_context(|| format!("--start '{s}' is not a time (use RFC 3339, or YYYY-MM-DD)"))?;
        cfg.start = t - t.rem_euclid(3600);
    }
    let out = &out_dir;
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let truth = simulate(&cfg, &mut |rel, bytes| -> Result<()> {
        let path = out.join(rel);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
    })?;
    let truth_path = out.join("truth.json");
    fs::write(&truth_path, serde_json::to_vec_pretty(&truth)?)
        .with_context(|| format!("cannot write {}", truth_path.display()))?;
    eprintln!(
        "wrote {} files to {}: {} flow records ({:.1} MB of text), {} Resolver records ({:.1} MB); truth in {}",
        truth.files,
        out.join("AWSLogs").display(),
        truth.flow_records,
        truth.flow_text_bytes as f64 / 1e6,
        truth.dns_records,
        truth.dns_text_bytes as f64 / 1e6,
        truth_path.display()
    );
    Ok(Exit::Success)
}
