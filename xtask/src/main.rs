//! Project automation, run as `cargo xtask <command>`:
//!
//! * `cargo xtask ci`: exactly what CI runs (`.ci/run`: fmt check, clippy, tests);
//! * `cargo xtask demo`: the README's demo in release.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

fn run(cmd: &mut Command) -> Result<()> {
    let status =
        cmd.current_dir(workspace_root()).status().with_context(|| format!("cannot start {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("ci") => run(Command::new("bash").arg(".ci/run")),
        Some("demo") => run(Command::new("cargo").args(["run", "--release", "--", "demo"]).args(&args[1..])),
        Some("reproduce-figures") => bail!(
            "reproduce-figures is not available yet: the convergence experiments are planned (see docs/ARCHITECTURE.md); run `cargo xtask demo` for one identification"
        ),
        other => {
            eprintln!("usage: cargo xtask <ci | demo [demo options]>");
            if let Some(cmd) = other {
                bail!("unknown command '{cmd}'");
            }
            Ok(())
        }
    }
}
