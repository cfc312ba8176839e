//! `wsindy simulate`: simulate a particle system described by a TOML config and write its
//! trajectories to an `.npz` file.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use wsindy_config::simulation::load_simulation;

use super::seconds;

#[derive(clap::Args)]
pub struct SimulateArgs {
    /// The simulation config (TOML): `preset = "<example>"` (nonlocal1d, local2d, nonlocal2d,
    /// nonlocal3d) with its options, or `dim = 1 | 2 | 3` with [[interaction]], [[drift]],
    /// [[diffusion]] terms; see docs/USER_GUIDE.md and data/simulate/.
    #[arg(long, value_name = "SIM.toml")]
    config: PathBuf,
    /// Where to write the trajectories: an .npz with `positions` (M × L × N × d) and `t` (L).
    #[arg(long, value_name = "DATA.npz")]
    out: PathBuf,
    /// Print nothing but errors (no progress bar).
    #[arg(long)]
    quiet: bool,
}

pub fn run(args: &SimulateArgs) -> Result<()> {
    let out = &args.out;
    let extension = out.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    if extension.as_deref() != Some("npz") {
        bail!("--out {}: expected a file name ending in .npz", out.display());
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        bail!("cannot write {}: directory {} does not exist", out.display(), dir.display());
    }
    let plan = load_simulation(&args.config)?;
    // the recorded positions are the one large allocation; the simulator's own check
    // (try_reserve) cannot see memory that the system only overcommits
    let c = &plan.config;
    let (m, l, n, d) = (c.experiments, c.time_points(), c.particles, plan.dim());
    let values = m.saturating_mul(l).saturating_mul(n).saturating_mul(d);
    wsindy::core::memory::check(
        wsindy::core::memory::bytes_for(values, 8),
        &format!("the recorded positions (M × L × N × d = {m} × {l} × {n} × {d})"),
        "reduce particles, experiments or recorded_steps",
    )
    .with_context(|| format!("cannot simulate {}", args.config.display()))?;
    if !args.quiet {
        eprintln!("simulating {}", plan.description);
    }
    let start = Instant::now();
    let progress = SimulationProgress::new(args.quiet);
    let result = plan.run(&|done, total| progress.report(done, total));
    progress.finish();
    let data = result.with_context(|| format!("simulation of {} failed", args.config.display()))?;
    let elapsed = start.elapsed().as_secs_f64();
    wsindy::io::write_npz(out, &data)?;
    if !args.quiet {
        eprintln!(
            "wrote {}: positions M × L × N × d = {} × {} × {} × {}, Δt = {} (simulated in {})",
            out.display(),
            data.experiments(),
            data.time_points(),
            data.particles(),
            data.dim(),
            data.dt(),
            seconds(elapsed)
        );
    }
    Ok(())
}

/// The progress of a simulation on standard error: a bar on a terminal, a line per tenth of
/// the run otherwise (a cluster's log file), nothing when quiet.
pub(crate) struct SimulationProgress {
    bar: ProgressBar,
    lines: bool,
    recorded: AtomicUsize,
    start: Instant,
}

impl SimulationProgress {
    pub(crate) fn new(quiet: bool) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let bar = if quiet || !terminal {
            ProgressBar::hidden()
        } else {
            let style = ProgressStyle::with_template(
                "{bar:30.cyan/blue} {pos}/{len} recorded steps, {elapsed} elapsed, eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            ProgressBar::new(0).with_style(style)
        };
        Self { bar, lines: !quiet && !terminal, recorded: AtomicUsize::new(0), start: Instant::now() }
    }

    /// The simulator's callback: `done` of `total` recorded steps (0 once at the start).
    pub(crate) fn report(&self, done: usize, total: usize) {
        if done == 0 {
            self.bar.set_length(total as u64);
            return;
        }
        self.bar.inc(1);
        let now = self.recorded.fetch_add(1, Ordering::Relaxed) + 1;
        if self.lines && total > 0 && (now * 10 / total) > ((now - 1) * 10 / total) {
            eprintln!(
                "simulated {now}/{total} recorded steps ({}%), {:.1} s elapsed",
                now * 100 / total,
                self.start.elapsed().as_secs_f64()
            );
        }
    }

    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
