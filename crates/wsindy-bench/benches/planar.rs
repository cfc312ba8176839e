//! Benchmarks of the simulator's pair loop and of a short 2D simulation:
//! `cargo bench -p wsindy-bench --bench planar`.
//!
//! - one mean-field evaluation (all particles) at N = 4000, counted in pairs N² (each unordered
//!   pair is evaluated once, using ∇K(−x) = −∇K(x)): the Keller–Segel kernel in 2D (uniform disk
//!   of radius 2), and K = ½|x|² − |x| in 3D (standard Gaussian);
//! - a short local 2D simulation (ω = 20, N = 16,384, 200 steps of 1e-4), counted in particle
//!   steps.

use std::sync::OnceLock;

use divan::Bencher;
use divan::counter::ItemsCount;
use wsindy_sim::{
    ForceWorkspace, InitialLaw, Interaction, KELLER_SEGEL_DELTA, Model, SVector, SimulationConfig, simulate,
};

const N: usize = 4000;

fn main() {
    // draw the shared particles before timing anything
    disk();
    cloud();
    divan::main();
}

/// N particles drawn from `initial` (the simulator's t = 0 snapshot).
fn draw<const D: usize>(initial: &InitialLaw<D>) -> Vec<SVector<f64, D>> {
    let config = SimulationConfig { particles: N, recorded_steps: 1, record_every: 1, ..Default::default() };
    let data = simulate(&Model::default(), initial, &config).expect("initial draw");
    data.snapshot(0, 0).chunks_exact(D).map(SVector::from_column_slice).collect()
}

/// N particles uniform on the disk of radius 2 (the Keller–Segel initial law).
fn disk() -> &'static Vec<SVector<f64, 2>> {
    static DISK: OnceLock<Vec<SVector<f64, 2>>> = OnceLock::new();
    DISK.get_or_init(|| draw(&InitialLaw::paper_keller_segel()))
}

/// N particles from the standard 3D Gaussian.
fn cloud() -> &'static Vec<SVector<f64, 3>> {
    static CLOUD: OnceLock<Vec<SVector<f64, 3>>> = OnceLock::new();
    CLOUD.get_or_init(|| draw(&InitialLaw::isotropic_gaussian(SVector::zeros(), 1.0)))
}

fn mean_field<const D: usize>(bencher: Bencher<'_, '_>, force: &Interaction<D>, x: &[SVector<f64, D>]) {
    let mut workspace = ForceWorkspace::new();
    let mut out = vec![SVector::zeros(); x.len()];
    bencher.counter(ItemsCount::new(x.len() * x.len())).bench_local(|| {
        force.mean_field(x, &mut workspace, &mut out).unwrap();
    });
}

/// The Keller–Segel mean field (1/N) Σ_j ∇K(X_i − X_j) for all N = 4000 particles in 2D.
#[divan::bench]
fn keller_segel_mean_field(bencher: Bencher<'_, '_>) {
    mean_field(bencher, &Interaction::keller_segel(KELLER_SEGEL_DELTA), disk());
}

/// The K = ½|x|² − |x| mean field for all N = 4000 particles in 3D (two kernels per pair).
#[divan::bench]
fn attraction_repulsion_mean_field_3d(bencher: Bencher<'_, '_>) {
    mean_field(bencher, &Interaction::attraction_repulsion(), cloud());
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
    let model = Model::local2d(20.0);
    let initial = InitialLaw::paper_local2d();
    bencher
        .counter(ItemsCount::new(config.particles * config.record_every * config.recorded_steps))
        .bench(|| simulate(&model, &initial, &config).unwrap());
}
