//! Per-stage benchmarks of the 1D pipeline on the demo's data (N = 8000, M = 2, 101 times):
//! `cargo bench -p wsindy-bench`.

use std::sync::OnceLock;

use divan::Bencher;
use wsindy::core::SparseRegressor;
use wsindy::density::{DensityKernelChoice, Histogram, density_series};
use wsindy::regress::Mstls;
use wsindy::testfn::SeparableBasis;
use wsindy::weak::{AssemblyOptions, PassStrategy, assemble};
use wsindy::{DensitySeries, IdentifyConfig, Library, Trajectories, identify};
use wsindy_examples::Example as _;
use wsindy_examples::Nonlocal1d;

fn main() {
    // simulate the shared data before timing anything, so no benchmark's first sample pays for it
    density();
    divan::main();
}

fn data() -> &'static Trajectories {
    static DATA: OnceLock<Trajectories> = OnceLock::new();
    DATA.get_or_init(|| Nonlocal1d::default().simulate().expect("demo simulation"))
}

fn density() -> &'static DensitySeries {
    static DENSITY: OnceLock<DensitySeries> = OnceLock::new();
    DENSITY.get_or_init(|| {
        let grid = IdentifyConfig::default().grid.grid(data()).unwrap();
        density_series(data(), &grid, &Histogram).unwrap()
    })
}

/// Euler–Maruyama with the O(N log N) interaction forces, the demo's full simulation.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn simulate_demo() -> Trajectories {
    Nonlocal1d::default().simulate().unwrap()
}

/// Grid selection and density of 16,000 particles × 101 times on 256 cells, per kernel.
#[divan::bench(args = [DensityKernelChoice::Histogram, DensityKernelChoice::Linear])]
fn histogram(bencher: Bencher<'_, '_>, kernel: DensityKernelChoice) {
    let config = IdentifyConfig::default();
    bencher.bench(|| {
        let grid = config.grid.grid(data()).unwrap();
        density_series(data(), &grid, kernel.kernel()).unwrap()
    });
}

/// Test functions (changepoint supports) and assembly of the Table 3 system, per pass strategy.
#[divan::bench(args = [PassStrategy::Auto, PassStrategy::Direct, PassStrategy::Fft])]
fn assemble_table3(bencher: Bencher<'_, '_>, strategy: PassStrategy) {
    let config = IdentifyConfig::default();
    let library = Library::nonlocal1d();
    let options = AssemblyOptions { strategy, ..AssemblyOptions::default() };
    bencher.bench(|| {
        let basis = SeparableBasis::for_density(density(), &config.test_functions).unwrap();
        assemble(density(), &basis, library.terms(), &options).unwrap()
    });
}

/// MSTLS over 100 thresholds on the assembled system.
#[divan::bench]
fn mstls(bencher: Bencher<'_, '_>) {
    let config = IdentifyConfig::default();
    let library = Library::nonlocal1d();
    let basis = SeparableBasis::for_density(density(), &config.test_functions).unwrap();
    let system = assemble(density(), &basis, library.terms(), &AssemblyOptions::default()).unwrap();
    let regressor = Mstls::default();
    bencher.bench(|| regressor.regress(&system.g, &system.b).unwrap());
}

/// The whole identification: density, assembly and regression.
#[divan::bench]
fn identify_demo(bencher: Bencher<'_, '_>) {
    let config = IdentifyConfig::default();
    let library = Library::nonlocal1d();
    bencher.bench(|| identify(data(), &library, &config).unwrap());
}
