//! Benchmarks of the 2D identification stages on 64,000 particles × 81 times on a 128 × 128
//! grid (the size of the paper's timing runs): `cargo bench -p wsindy-bench --bench identify_2d`.
//!
//! The particles diffuse and drift from a uniform disk (a cheap stand-in for the Keller–Segel
//! data: the cost after the histogram depends on the grid, the times and the library, not on
//! the dynamics).

use std::sync::OnceLock;

use divan::Bencher;
use wsindy::density::{Histogram, density_series};
use wsindy::testfn::SeparableBasis;
use wsindy::weak::{AssemblyOptions, PassStrategy, assemble};
use wsindy::{DensitySeries, Preset, Trajectories, identify};
use wsindy_sim::{Diffusion, InitialLaw, Model, SVector, SimulationConfig, simulate};

fn main() {
    density();
    divan::main();
}

fn data() -> &'static Trajectories {
    static DATA: OnceLock<Trajectories> = OnceLock::new();
    DATA.get_or_init(|| {
        let model =
            Model::<2>::default().with_external_force(|x| 0.2 * x).with_diffusion(Diffusion::Isotropic(0.3));
        let initial = InitialLaw::UniformBall { centre: SVector::zeros(), radius: 2.0 };
        let config = SimulationConfig {
            particles: 4000,
            experiments: 16,
            step: 0.02,
            record_every: 5,
            recorded_steps: 80,
            seed: 1,
            noise_ratio: 0.0,
        };
        simulate(&model, &initial, &config).expect("benchmark data")
    })
}

fn density() -> &'static DensitySeries {
    static DENSITY: OnceLock<DensitySeries> = OnceLock::new();
    DENSITY.get_or_init(|| {
        let grid = Preset::Nonlocal2d.config().grid.grid(data()).unwrap();
        density_series(data(), &grid, &Histogram).unwrap()
    })
}

/// Grid selection and histogram of 64,000 particles × 81 times on 128 × 128 cells.
#[divan::bench]
fn histogram_2d(bencher: Bencher<'_, '_>) {
    let config = Preset::Nonlocal2d.config();
    bencher.bench(|| {
        let grid = config.grid.grid(data()).unwrap();
        density_series(data(), &grid, &Histogram).unwrap()
    });
}

/// Test functions and assembly of a 2D preset's system (Table 4: 53 terms; Table 2: 115).
#[divan::bench(args = [Preset::Nonlocal2d, Preset::Local2d], sample_count = 10)]
fn assemble_2d(bencher: Bencher<'_, '_>, preset: Preset) {
    let config = preset.config();
    let library = preset.library();
    bencher.bench(|| {
        let basis = SeparableBasis::for_density(density(), &config.test_functions).unwrap();
        assemble(density(), &basis, library.terms(), &AssemblyOptions::default()).unwrap()
    });
}

/// Table 4's assembly per pass strategy (the cost model's choice against all-direct and
/// all-FFT passes).
#[divan::bench(args = [PassStrategy::Auto, PassStrategy::Direct, PassStrategy::Fft], sample_count = 10)]
fn assemble_table4_strategy(bencher: Bencher<'_, '_>, strategy: PassStrategy) {
    let config = Preset::Nonlocal2d.config();
    let library = Preset::Nonlocal2d.library();
    let options = AssemblyOptions { strategy, ..AssemblyOptions::default() };
    bencher.bench(|| {
        let basis = SeparableBasis::for_density(density(), &config.test_functions).unwrap();
        assemble(density(), &basis, library.terms(), &options).unwrap()
    });
}

/// The whole identification (grid, histogram, test functions, assembly, MSTLS) with the
/// nonlocal 2D preset: the budget is 1 s on this 2-core machine.
#[divan::bench(sample_count = 10)]
fn identify_nonlocal2d_64k(bencher: Bencher<'_, '_>) {
    let config = Preset::Nonlocal2d.config();
    let library = Preset::Nonlocal2d.library();
    bencher.bench(|| identify(data(), &library, &config).unwrap());
}
