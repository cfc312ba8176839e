//! Times the simulator on this machine:
//!
//! - one mean-field evaluation at N = 4000 (pairs per second): Keller–Segel in 2D and
//!   K = ½|x|² − |x| in 3D;
//! - the 3D trapped attraction–repulsion model, N = 4000, M = 1, 500 steps of 1e-3;
//! - nonlocal 2D Keller–Segel (σ = 1/√(4π)), N = 4000, M = 1, 3200 steps of 0.0025 recorded
//!   every 40 steps;
//! - local 2D (ω = 20), N = 16,384, M = 1, 20,000 steps of 1e-4 recorded every 200 steps.
//!
//! Run with `cargo run -p wsindy-sim --release --example timing` (add `force` to time only the
//! force evaluations, `3d` to stop after the 3D run).

use std::time::Instant;

use wsindy_sim::{
    ForceWorkspace, InitialLaw, Interaction, KELLER_SEGEL_CRITICAL_SIGMA, KELLER_SEGEL_DELTA, Model, SVector,
    SimulationConfig, simulate,
};

/// The best of 5 rounds of 40 evaluations (the machine may be shared), in seconds per evaluation.
fn time_mean_field<const D: usize>(
    force: &Interaction<D>,
    initial: &InitialLaw<D>,
    n: usize,
) -> Result<f64, Box<dyn std::error::Error>> {
    let config = SimulationConfig { particles: n, recorded_steps: 1, record_every: 1, ..Default::default() };
    let data = simulate(&Model::default(), initial, &config)?;
    let x: Vec<SVector<f64, D>> =
        data.snapshot(0, 0).chunks_exact(D).map(SVector::from_column_slice).collect();
    let mut workspace = ForceWorkspace::new();
    let mut out = vec![SVector::zeros(); n];
    let mut per_eval = f64::INFINITY;
    for _ in 0..5 {
        let reps = 40;
        let start = Instant::now();
        for _ in 0..reps {
            force.mean_field(&x, &mut workspace, &mut out)?;
        }
        per_eval = per_eval.min(start.elapsed().as_secs_f64() / reps as f64);
    }
    Ok(per_eval)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let threads = rayon::current_num_threads();
    let args: Vec<String> = std::env::args().collect();
    let n = 4000;
    let pairs = (n * n) as f64;
    let ks = time_mean_field(
        &Interaction::keller_segel(KELLER_SEGEL_DELTA),
        &InitialLaw::paper_keller_segel(),
        n,
    )?;
    println!(
        "2D Keller–Segel mean field, N = {n}: {:.3} ms per evaluation, {:.0} M pairs/s (N² pairs; each \
         unordered pair is evaluated once), {threads} threads",
        ks * 1e3,
        pairs / ks / 1e6
    );
    let ar = time_mean_field(
        &Interaction::<3>::attraction_repulsion(),
        &InitialLaw::isotropic_gaussian(SVector::zeros(), 1.0),
        n,
    )?;
    println!(
        "3D ½|x|² − |x| mean field, N = {n}: {:.3} ms per evaluation, {:.0} M pairs/s",
        ar * 1e3,
        pairs / ar / 1e6
    );
    if args.iter().any(|a| a == "force") {
        return Ok(());
    }

    let config = SimulationConfig {
        particles: 4000,
        experiments: 1,
        step: 1e-3,
        record_every: 10,
        recorded_steps: 50,
        seed: 1,
        noise_ratio: 0.0,
    };
    let model = Model::<3>::trapped_attraction_repulsion(SVector::from([1.0, 2.0, 4.0]), 0.5);
    let start = Instant::now();
    let data = simulate(&model, &InitialLaw::isotropic_gaussian(SVector::zeros(), 1.0), &config)?;
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "3D trapped attraction–repulsion, N = {}, 500 steps: {elapsed:.2} s, x₃ std {:.4} at t = {}",
        data.particles(),
        data.axis_summary(2).std,
        data.times()[data.time_points() - 1]
    );
    if args.iter().any(|a| a == "3d") {
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
    let data = simulate(
        &Model::keller_segel(KELLER_SEGEL_CRITICAL_SIGMA),
        &InitialLaw::paper_keller_segel(),
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
    let data = simulate(&Model::local2d(20.0), &InitialLaw::paper_local2d(), &config)?;
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
