//! Where the commands write: standard output or a file, and progress lines
//! on standard error.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use vpce_report::escape::Escaped;

/// Standard output, or a file created for the purpose. Control characters
/// that came from the logs are written visibly (JSON escapes them anyway).
pub(crate) fn output(path: Option<&Path>) -> Result<Box<dyn Write>> {
    Ok(match path {
        Some(p) => Box::new(Escaped::new(BufWriter::new(
            File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        ))),
        None => Box::new(Escaped::new(BufWriter::new(io::stdout().lock()))),
    })
}

/// Progress lines from the library crates, one per call, to standard error.
pub(crate) fn stderr_lines() -> vpce_aws::Say {
    Arc::new(|line: &str| eprintln!("{line}"))
}

/// Writes generated files into `dir` (created if needed), naming each on
/// standard error.
pub(crate) fn write_files(dir: &Path, files: &[vpce_iac::GeneratedFile]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for f in files {
        let path = dir.join(&f.name);
        std::fs::write(&path, &f.contents).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
