//! Writes files larger than memory of the nonlocal 1D example (K = ½x² − |x|, σ = √0.2;
//! N = 8000 particles, 101 frames at Δt = 0.01 per experiment), for measuring the streaming
//! readers: a long CSV (`experiment,frame,particle,x`, one row per observation) of about
//! `ROWS` rows and a float64 `.npy` array (M, L, N, 1) of about `GB` gigabytes.
//!
//! Every experiment of the CSV is its own simulation (seed 1000 + experiment). The `.npy` array
//! cycles through `DISTINCT` simulated experiments (default 100: simulating all 1548 of 10 GB
//! takes longer than reading them), so it holds M experiments of the same system of which
//! `DISTINCT` differ; only a few experiments are in memory at a time.
//!
//! `cargo run --release -p wsindy-examples --example large_files -- DIR [ROWS [GB [DISTINCT]]]`
//! (defaults 5e7 rows, 10 GB and 100; 0 skips a file).

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use wsindy_examples::{Example as _, Nonlocal1d};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().context("usage: large_files DIR [ROWS [GB]]")?);
    let rows: f64 = args.next().map_or(Ok(5e7), |a| a.parse()).context("ROWS: a number")?;
    let gigabytes: f64 = args.next().map_or(Ok(10.0), |a| a.parse()).context("GB: a number")?;
    let distinct: usize = args.next().map_or(Ok(100), |a| a.parse()).context("DISTINCT: a count")?;
    std::fs::create_dir_all(&dir)?;
    let (n, l) = (8000usize, 101usize);
    let experiment = |m: usize| {
        Nonlocal1d { particles: n, experiments: 1, seed: 1000 + m as u64, ..Default::default() }.simulate()
    };
    let csv_experiments = (rows / (n * l) as f64).ceil() as usize;
    if csv_experiments > 0 {
        let path = dir.join("large.csv");
        let file = wsindy::core::atomic::AtomicFile::create(&path)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        writeln!(out, "experiment,frame,particle,x")?;
        for m in 0..csv_experiments {
            let data = experiment(m)?;
            for k in 0..l {
                for (i, x) in data.snapshot(0, k).iter().enumerate() {
                    writeln!(out, "{m},{k},{i},{x:.6}")?;
                }
            }
            eprintln!("large.csv: experiment {}/{csv_experiments}", m + 1);
        }
        out.into_inner().map_err(|e| e.into_error())?.commit()?;
        println!(
            "{}: {} rows, {:.2} GB",
            path.display(),
            csv_experiments * n * l,
            std::fs::metadata(&path)?.len() as f64 / 1e9
        );
    }
    let npy_experiments = (gigabytes * 1e9 / (8 * n * l) as f64).ceil() as usize;
    if npy_experiments > 0 {
        let path = dir.join("large.npy");
        let mut out = wsindy_io::NpyWriter::create(&path, &[npy_experiments, l, n, 1])?;
        let simulated: Vec<_> =
            (0..distinct.clamp(1, npy_experiments)).map(experiment).collect::<Result<_, _>>()?;
        for m in 0..npy_experiments {
            out.write(simulated[m % simulated.len()].positions())?;
            if (m + 1) % 100 == 0 {
                eprintln!("large.npy: experiment {}/{npy_experiments}", m + 1);
            }
        }
        out.finish()?;
        println!(
            "{}: shape ({npy_experiments}, {l}, {n}, 1), {:.2} GB, {} distinct experiments (times: --dt 0.01)",
            path.display(),
            std::fs::metadata(&path)?.len() as f64 / 1e9,
            distinct.clamp(1, npy_experiments),
        );
    }
    Ok(())
}
