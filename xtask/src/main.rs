//! Project automation, run as `cargo xtask <command>`:
//!
//! * `cargo xtask ci`: exactly what CI runs (`.ci/run`: fmt check, clippy, tests);
//! * `cargo xtask demo`: the README's demo in release;
//! * `cargo xtask reproduce-figures [--figure N ...] [--scale quick|default|paper] [--trials T]
//!   [--out DIR] [...]`: the paper's figures, by the `wsindy-experiments` binary in release
//!   (`docs/REPRODUCTION.md`; `cargo xtask reproduce-figures --help` lists every option).

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
        Some("reproduce-figures") => run(Command::new("cargo")
            .args(["run", "--release", "--quiet", "-p", "wsindy-experiments", "--"])
            .args(&args[1..])),
        other => {
            eprintln!(
                "usage: cargo xtask <ci | demo [demo options] | reproduce-figures [--figure N ...] [--scale quick|default|paper] [--trials T] [--out DIR]>"
            );
            if let Some(cmd) = other {
                bail!("unknown command '{cmd}'");
            }
            Ok(())
        }
    }
}
