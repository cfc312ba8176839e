//! Benchmarks of the planar (2D) simulator: `cargo bench -p wsindy-bench --bench planar`.
//!
//! - one Keller–Segel mean-field evaluation (all particles) at N = 4000, counted in pairs N²
//!   (each unordered pair is evaluated once, using ∇K(−x) = −∇K(x));
//! - a short local 2D simulation (ω = 20, N = 16,384, 200 steps of 1e-4), counted in particle
//!   steps.

use std::sync::OnceLock;

use divan::Bencher;
use divan::counter::ItemsCount;
use wsindy::sim::{
    KELLER_SEGEL_DELTA, PlanarForceWorkspace, PlanarInitial, PlanarModel, RadialForce, SimulationConfig,
    simulate_planar,
};

fn main() {
    // draw the shared particles before timing anything
    disk();
    divan::main();
}

/// N = 4000 particles uniform on the disk of radius 2 (the Keller–Segel initial law), as
/// separate x and y coordinates.
fn disk() -> &'static (Vec<f64>, Vec<f64>) {
    static DISK: OnceLock<(Vec<f64>, Vec<f64>)> = OnceLock::new();
    DISK.get_or_init(|| {
        let config =
            SimulationConfig { particles: 4000, recorded_steps: 1, record_every: 1, ..Default::default() };
        let data = simulate_planar(&PlanarModel::default(), &PlanarInitial::paper_keller_segel(), &config)
            .expect("initial disk");
        let snapshot = data.snapshot(0, 0);
        (snapshot.iter().step_by(2).copied().collect(), snapshot.iter().skip(1).step_by(2).copied().collect())
    })
}

/// The Keller–Segel mean field (1/N) Σ_j ∇K(X_i − X_j) for all N = 4000 particles.
#[divan::bench]
fn keller_segel_mean_field(bencher: Bencher<'_, '_>) {
    let (x, y) = disk();
    let n = x.len();
    let force = RadialForce::keller_segel(KELLER_SEGEL_DELTA);
    let mut workspace = PlanarForceWorkspace::new();
    let (mut fx, mut fy) = (vec![0.0; n], vec![0.0; n]);
    bencher.counter(ItemsCount::new(n * n)).bench_local(|| {
        force.mean_field(x, y, &mut workspace, &mut fx, &mut fy).unwrap();
    });
}

/// Local 2D example (ω = 20): N = 16,384, 200 Euler–Maruyama steps of 1e-4 recorded every 100.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn local2d_200_steps(bencher: Bencher<'_, '_>) {
    let config = SimulationConfig {
        particles: 16_384,
        experiments: 1,
        step: 1e-4,
        record_every: 100,
        recorded_steps: 2,
        seed: 1,
        noise_ratio: 0.0,
    };
    let model = PlanarModel::local2d(20.0);
    let initial = PlanarInitial::paper_local2d();
    bencher
        .counter(ItemsCount::new(config.particles * config.record_every * config.recorded_steps))
        .bench(|| simulate_planar(&model, &initial, &config).unwrap());
}
