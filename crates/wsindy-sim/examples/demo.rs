//! Times the demo-size simulation: the paper's nonlocal 1D model (K = ½x² − |x|, σ = √0.2)
//! with N = 8000 particles, M = 2 experiments, 1000 steps of 1e-3 recorded every 10 steps.
//!
//! Run with `cargo run -p wsindy-sim --release --example demo`.

use std::time::Instant;

use wsindy_sim::{Diffusion, InitialLaw, Interaction, Model, SimulationConfig, simulate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let model = Model::<1>::default()
        .with_interaction(Interaction::attraction_repulsion())
        .with_diffusion(Diffusion::Isotropic(0.2_f64.sqrt()));
    let config = SimulationConfig {
        particles: 8000,
        experiments: 2,
        step: 1e-3,
        record_every: 10,
        recorded_steps: 100,
        seed: 1,
        noise_ratio: 0.0,
    };
    let initial = InitialLaw::paper_three_clusters();
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let start = Instant::now();
        let data = simulate(&model, &initial, &config)?;
        let elapsed = start.elapsed().as_secs_f64();
        best = best.min(elapsed);
        let wsindy_core::AxisSummary { mean, std, .. } = data.axis_summary(0);
        println!(
            "N = {}, M = {}, L = {}: {elapsed:.3} s (mean {mean:.4}, std {std:.4})",
            data.particles(),
            data.experiments(),
            data.time_points()
        );
    }
    println!("best of 5: {best:.3} s on {} rayon threads", rayon::current_num_threads());
    Ok(())
}
