//! Times the paper-size planar simulations on this machine:
//!
//! - one Keller–Segel mean-field evaluation at N = 4000 (pairs per second),
//! - nonlocal 2D Keller–Segel (σ = 1/√(4π)), N = 4000, M = 1, 3200 steps of 0.0025 recorded
//!   every 40 steps,
//! - local 2D (ω = 20), N = 16,384, M = 1, 20,000 steps of 1e-4 recorded every 200 steps.
//!
//! Run with `cargo run -p wsindy-sim --release --example planar` (add `force` to time only the
//! force evaluation).

use std::time::Instant;

use wsindy_sim::{
    KELLER_SEGEL_CRITICAL_SIGMA, KELLER_SEGEL_DELTA, PlanarForceWorkspace, PlanarInitial, PlanarModel,
    RadialForce, SimulationConfig, simulate_planar,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let threads = rayon::current_num_threads();
    let force_only = std::env::args().any(|a| a == "force");

    // one mean-field evaluation, uniform disk of radius 2
    let n = 4000;
    let data = simulate_planar(
        &PlanarModel::default(),
        &PlanarInitial::paper_keller_segel(),
        &SimulationConfig { particles: n, recorded_steps: 1, record_every: 1, ..Default::default() },
    )?;
    let snapshot = data.snapshot(0, 0);
    let x: Vec<f64> = snapshot.iter().step_by(2).copied().collect();
    let y: Vec<f64> = snapshot.iter().skip(1).step_by(2).copied().collect();
    let force = RadialForce::keller_segel(KELLER_SEGEL_DELTA);
    let mut workspace = PlanarForceWorkspace::new();
    let (mut fx, mut fy) = (vec![0.0; n], vec![0.0; n]);
    // best of 5 rounds of 40 evaluations (the machine may be shared)
    let mut per_eval = f64::INFINITY;
    for _ in 0..5 {
        let reps = 40;
        let start = Instant::now();
        for _ in 0..reps {
            force.mean_field(&x, &y, &mut workspace, &mut fx, &mut fy)?;
        }
        per_eval = per_eval.min(start.elapsed().as_secs_f64() / reps as f64);
    }
    println!(
        "Keller–Segel mean field, N = {n}: {:.3} ms per evaluation, {:.0} M pairs/s (N² pairs; each \
         unordered pair is evaluated once), {threads} threads",
        per_eval * 1e3,
        (n * n) as f64 / per_eval / 1e6
    );
    if force_only {
        return Ok(());
    }

    let config = SimulationConfig {
        particles: 4000,
        experiments: 1,
        step: 0.0025,
        record_every: 40,
        recorded_steps: 80,
        seed: 1,
        noise_ratio: 0.0,
    };
    let start = Instant::now();
    let data = simulate_planar(
        &PlanarModel::keller_segel(KELLER_SEGEL_CRITICAL_SIGMA),
        &PlanarInitial::paper_keller_segel(),
        &config,
    )?;
    let elapsed = start.elapsed().as_secs_f64();
    let steps = config.record_every * config.recorded_steps;
    println!(
        "nonlocal 2D Keller–Segel, N = {}, {steps} steps: {elapsed:.2} s ({:.0} M pairs/s), x std {:.4} at t = {}",
        data.particles(),
        (steps * config.particles * config.particles) as f64 / elapsed / 1e6,
        data.axis_summary(0).std,
        data.times()[data.time_points() - 1]
    );

    let config = SimulationConfig {
        particles: 16_384,
        experiments: 1,
        step: 1e-4,
        record_every: 200,
        recorded_steps: 100,
        seed: 1,
        noise_ratio: 0.0,
    };
    let start = Instant::now();
    let data = simulate_planar(&PlanarModel::local2d(20.0), &PlanarInitial::paper_local2d(), &config)?;
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "local 2D (ω = 20), N = {}, {} steps: {elapsed:.2} s, x mean {:.4} at t = {}",
        data.particles(),
        config.record_every * config.recorded_steps,
        data.axis_summary(0).mean,
        data.times()[data.time_points() - 1]
    );
    Ok(())
}
