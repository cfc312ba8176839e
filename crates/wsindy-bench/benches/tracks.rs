//! Track rows of the nonlocal 1D example with the 24-term library, N = 1000 and N = 8000
//! particles × 101 frames (M = 1): `cargo bench -p wsindy-bench --bench tracks`.

use std::sync::OnceLock;

use divan::Bencher;
use wsindy::{Library, Observations};
use wsindy_examples::{Example as _, Nonlocal1d};
use wsindy_tracks::{TrackOptions, TrackSystem, tracked_observations};

fn main() {
    // simulate the data before timing anything
    for n in [1000, 8000] {
        observations(n);
    }
    divan::main();
}

fn observations(n: usize) -> &'static Observations {
    static SMALL: OnceLock<Observations> = OnceLock::new();
    static LARGE: OnceLock<Observations> = OnceLock::new();
    let cell = if n == 1000 { &SMALL } else { &LARGE };
    cell.get_or_init(|| {
        let example = Nonlocal1d { particles: n, experiments: 1, seed: 1, ..Default::default() };
        tracked_observations(&example.simulate().expect("simulation")).expect("tracks")
    })
}

/// Tracks, per-frame features and the drift rows.
#[divan::bench(args = [1000, 8000], sample_count = 10)]
fn drift_rows(bencher: Bencher<'_, '_>, n: usize) {
    let (obs, library, options) = (observations(n), Library::nonlocal1d(), TrackOptions::default());
    bencher.bench(|| TrackSystem::build(obs, &library, &options).unwrap());
}

/// Drift rows, then the diffusion rows with the true drift removed.
#[divan::bench(args = [1000, 8000], sample_count = 10)]
fn all_rows(bencher: Bencher<'_, '_>, n: usize) {
    let (obs, library, options) = (observations(n), Library::nonlocal1d(), TrackOptions::default());
    let truth = Nonlocal1d::default().true_model().coefficients(&library).unwrap();
    bencher.bench(|| {
        let system = TrackSystem::build(obs, &library, &options).unwrap();
        system.diffusion_rows(&truth, true).unwrap()
    });
}
