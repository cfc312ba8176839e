//! Times the track rows for N = 1000 and 8000 particles × 101 frames with the 24-term 1D library.
//!
//! `cargo run --release -p wsindy-tracks --example rows_timing`

use std::time::Instant;

use wsindy::Library;
use wsindy_examples::{Example as _, Nonlocal1d};
use wsindy_tracks::{TrackOptions, TrackSystem, tracked_observations};

fn main() -> anyhow::Result<()> {
    let library = Library::nonlocal1d();
    for n in [1000, 8000] {
        let example = Nonlocal1d { particles: n, experiments: 1, seed: 1, ..Default::default() };
        let obs = tracked_observations(&example.simulate()?)?;
        let truth = example.true_model().coefficients(&library)?;
        let options = TrackOptions::default();
        let (mut drift, mut both) = (Vec::new(), Vec::new());
        for _ in 0..20 {
            let start = Instant::now();
            let system = TrackSystem::build(&obs, &library, &options)?;
            drift.push(start.elapsed().as_secs_f64());
            let rows = system.diffusion_rows(&truth, true)?;
            std::hint::black_box(rows);
            both.push(start.elapsed().as_secs_f64());
        }
        drift.sort_by(f64::total_cmp);
        both.sort_by(f64::total_cmp);
        println!(
            "N = {n} × 101 frames, 24 terms, 20 runs: drift rows min {:.1} ms / median {:.1} ms; \
             drift + diffusion rows min {:.1} ms / median {:.1} ms",
            1e3 * drift[0],
            1e3 * drift[10],
            1e3 * both[0],
            1e3 * both[10]
        );
    }
    Ok(())
}
