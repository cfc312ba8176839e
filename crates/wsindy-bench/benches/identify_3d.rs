//! Benchmarks of the 3D identification on 64,000 particles × 51 times on a 64³ grid with the
//! 36-term 3D library: `cargo bench -p wsindy-bench --bench identify_3d`.
//!
//! The particles are exact Ornstein–Uhlenbeck samples in an anisotropic harmonic trap (a cheap
//! stand-in for simulated data: the cost after the histogram depends on the grid, the times and
//! the library, not on the dynamics).

use std::sync::OnceLock;

use divan::Bencher;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_pcg::Pcg64;
use wsindy::density::{Histogram, density_series};
use wsindy::testfn::SeparableBasis;
use wsindy::weak::{AssemblyOptions, assemble};
use wsindy::{DensitySeries, IdentifyConfig, Library, Preset, Trajectories, identify};

const PARTICLES: usize = 4000;
const EXPERIMENTS: usize = 16;
const TIMES: usize = 51;
const DT: f64 = 0.02;

fn main() {
    density();
    divan::main();
}

/// Exact OU transitions X ← c + (X − c) e^{−aΔt} + σ √((1 − e^{−2aΔt}) / 2a) ξ per axis.
fn data() -> &'static Trajectories {
    static DATA: OnceLock<Trajectories> = OnceLock::new();
    DATA.get_or_init(|| {
        let (stiffness, centre, sigma) = ([1.0, 2.0, 3.0], [0.5, -0.3, 0.2], 0.5_f64);
        let mut rng = Pcg64::seed_from_u64(3);
        let mut positions = Vec::with_capacity(EXPERIMENTS * TIMES * PARTICLES * 3);
        for _ in 0..EXPERIMENTS {
            let mut x: Vec<f64> =
                (0..PARTICLES * 3).map(|_| Distribution::<f64>::sample(&StandardNormal, &mut rng)).collect();
            for _ in 0..TIMES {
                positions.extend_from_slice(&x);
                for (i, v) in x.iter_mut().enumerate() {
                    let (a, c) = (stiffness[i % 3], centre[i % 3]);
                    let decay = (-a * DT).exp();
                    let spread = sigma * ((1.0 - decay * decay) / (2.0 * a)).sqrt();
                    let z: f64 = Distribution::<f64>::sample(&StandardNormal, &mut rng);
                    *v = c + (*v - c) * decay + spread * z;
                }
            }
        }
        let times = (0..TIMES).map(|l| l as f64 * DT).collect();
        Trajectories::new(EXPERIMENTS, TIMES, PARTICLES, 3, positions, times).expect("benchmark data")
    })
}

/// The nonlocal3d preset's discretisation: 64³ cells, strides (4, 1).
fn config() -> IdentifyConfig {
    Preset::Nonlocal3d.config()
}

fn density() -> &'static DensitySeries {
    static DENSITY: OnceLock<DensitySeries> = OnceLock::new();
    DENSITY.get_or_init(|| {
        let grid = config().grid.grid(data()).unwrap();
        density_series(data(), &grid, &Histogram).unwrap()
    })
}

/// Grid selection and histogram of 64,000 particles × 51 times on 64³ cells.
#[divan::bench(sample_count = 10)]
fn histogram_3d(bencher: Bencher<'_, '_>) {
    let config = config();
    bencher.bench(|| {
        let grid = config.grid.grid(data()).unwrap();
        density_series(data(), &grid, &Histogram).unwrap()
    });
}

/// Test functions and assembly of the 36-term system.
#[divan::bench(sample_count = 5)]
fn assemble_3d(bencher: Bencher<'_, '_>) {
    let config = config();
    let library = Library::nonlocal3d();
    bencher.bench(|| {
        let basis = SeparableBasis::for_density(density(), &config.test_functions).unwrap();
        assemble(density(), &basis, library.terms(), &AssemblyOptions::default()).unwrap()
    });
}

/// The whole identification.
#[divan::bench(sample_count = 5)]
fn identify_3d(bencher: Bencher<'_, '_>) {
    let config = config();
    let library = Library::nonlocal3d();
    bencher.bench(|| identify(data(), &library, &config).unwrap());
}
