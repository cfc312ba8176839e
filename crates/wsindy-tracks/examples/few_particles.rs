//! Few particles: the nonlocal 1D example (K = ½x² − |x|, V = 0, ½σ² = 0.1, 101 frames at
//! Δt = 0.01) identified from tracks with the 24-term library, against the density pipeline
//! on the same data.
//!
//! For each setting (N = 250, M = 4; N = 1000, M = 1; N = 1000, M = 1 with Gaussian
//! localization error s = 0.05) over seeds 1..=S, prints the share of trials with TPR = 1 and
//! the median and 10–90% range of the ∇K error, the ½σ² error and (tracks) ŝ, and the
//! Cramér–Rao bound of the ∇K error for an estimator that knows the true support; then times
//! the rows for N = 1000 and N = 8000.
//!
//! `cargo run --release -p wsindy-tracks --example few_particles`
//!
//! Environment overrides for exploring the test functions: `TRACKS_SEEDS` (20),
//! `TRACKS_M` (half-width in frames), `TRACKS_P` (degree), `TRACKS_STRIDE`, `TRACKS_OLS=1`
//! (ordinary least squares for the drift instead of the instrumented estimator).

use std::time::Instant;

use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rand_pcg::Pcg64;
use wsindy::core::RadialKernel;
use wsindy::{IdentifiedModel, Library, TermKind, Trajectories, identify, score};
use wsindy_examples::{Example as _, Nonlocal1d};
use wsindy_sim::{PolySign, PolySignWorkspace};
use wsindy_tracks::{DriftEstimator, TrackOptions, TrackSystem, identify_tracks, tracked_observations};

fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// (TPR, ∇K error, ½σ² error) of coefficients `w` scored on `model`'s grid.
fn scores(model: &IdentifiedModel, w: &[f64], example: &Nonlocal1d, library: &Library) -> (f64, f64, f64) {
    let mut m = model.clone();
    for (t, &c) in m.terms.iter_mut().zip(w) {
        t.coefficient = c;
    }
    let truth = example.true_model();
    let s = score(&m, &truth, library).expect("true terms are in the library");
    let centres = m.grid.centre_points();
    let w_true = truth.coefficients(library).expect("true terms are in the library");
    let hat = library.evaluate_sum(TermKind::Diffusion, w, &centres, 1);
    let tru = library.evaluate_sum(TermKind::Diffusion, &w_true, &centres, 1);
    let num: f64 = hat.iter().zip(&tru).map(|(a, b)| (a - b).powi(2)).sum();
    let den: f64 = tru.iter().map(|b| b * b).sum();
    (s.tpr, s.rel_err_k.unwrap_or(f64::NAN), (num / den).sqrt())
}

/// The Cramér–Rao bound on the ∇K error for an estimator that knows the support {|x|, |x|²}
/// and σ: Fisher information I_ab = Σ_i Σ_n F_a F_b Δt / σ² from the exact mean fields
/// F_a = −(1/N) Σ_l ∇K_a(X_i − X_l) of the data, and the RMS relative L2 error of ∇K on the
/// grid, √(tr(C I⁻¹)) / ‖∇K‖ with C_ab = Σ_grid ∇K_a ∇K_b.
fn oracle_bound(data: &Trajectories, model: &IdentifiedModel, library: &Library) -> f64 {
    let sigma2 = 0.2;
    let powers = [1.0, 2.0];
    let kernels: Vec<PolySign> = powers
        .iter()
        .map(|&m| PolySign::from_kernels(&[(1.0, RadialKernel::Power { power: m })]).expect("integer power"))
        .collect();
    let mut ws = PolySignWorkspace::default();
    let n = data.particles();
    let (mut f, mut info) = (vec![vec![0.0; n]; 2], [[0.0; 2]; 2]);
    for m in 0..data.experiments() {
        for k in 0..data.time_points() - 1 {
            let x = data.snapshot(m, k);
            for (a, kernel) in kernels.iter().enumerate() {
                kernel.mean_field(x, &mut ws, &mut f[a]);
            }
            for a in 0..2 {
                for b in 0..2 {
                    info[a][b] +=
                        f[a].iter().zip(&f[b]).map(|(p, q)| p * q).sum::<f64>() * data.dt() / sigma2;
                }
            }
        }
    }
    let det = info[0][0] * info[1][1] - info[0][1] * info[1][0];
    let inv = [[info[1][1] / det, -info[0][1] / det], [-info[1][0] / det, info[0][0] / det]];
    let points = model.grid.difference_points();
    let columns: Vec<Vec<f64>> = ["|x|^1", "|x|^2"]
        .iter()
        .map(|name| {
            let mut w = vec![0.0; library.len()];
            w[library.position(TermKind::Interaction, name).expect("library term")] = 1.0;
            library.evaluate_sum(TermKind::Interaction, &w, &points, 1)
        })
        .collect();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| p * q).sum::<f64>();
    let truth: Vec<f64> = columns[0].iter().zip(&columns[1]).map(|(a, b)| -a + 0.5 * b).collect();
    let mut trace = 0.0;
    for a in 0..2 {
        for b in 0..2 {
            trace += dot(&columns[a], &columns[b]) * inv[a][b];
        }
    }
    (trace / dot(&truth, &truth)).sqrt()
}

fn quantiles(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    format!("median {:.2}% (10–90%: {:.2}–{:.2}%)", 100.0 * q(0.5), 100.0 * q(0.1), 100.0 * q(0.9))
}

fn with_noise(data: &Trajectories, s: f64, seed: u64) -> anyhow::Result<Trajectories> {
    let mut rng = Pcg64::seed_from_u64(seed);
    let normal = Normal::new(0.0, s)?;
    let positions = data.positions().iter().map(|x| x + normal.sample(&mut rng)).collect();
    Ok(Trajectories::new(
        data.experiments(),
        data.time_points(),
        data.particles(),
        data.dim(),
        positions,
        data.times().to_vec(),
    )?)
}

fn main() -> anyhow::Result<()> {
    let seeds: u64 = env("TRACKS_SEEDS").unwrap_or(20);
    let defaults = TrackOptions::default();
    let options = TrackOptions {
        half_width: env("TRACKS_M").unwrap_or(defaults.half_width),
        degree: env("TRACKS_P").unwrap_or(defaults.degree),
        stride: env("TRACKS_STRIDE").unwrap_or(defaults.stride),
        drift_estimator: if env::<u8>("TRACKS_OLS") == Some(1) {
            DriftEstimator::LeastSquares
        } else {
            DriftEstimator::Instrumented
        },
        ..defaults
    };
    println!(
        "tracks: half-width {} frames, degree {}, stride {}, drift {:?}; {seeds} seeds per setting",
        options.half_width, options.degree, options.stride, options.drift_estimator
    );
    let library = Library::nonlocal1d();
    for (n, m, noise) in [(250, 4, 0.0), (1000, 1, 0.0), (1000, 1, 0.05)] {
        let (mut tracks, mut density, mut s_hat, mut s_se) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut bound = Vec::new();
        for seed in 1..=seeds {
            let example = Nonlocal1d { particles: n, experiments: m, seed, ..Default::default() };
            let mut data = example.simulate()?;
            if noise > 0.0 {
                data = with_noise(&data, noise, 1000 + seed)?;
            }
            let model = identify(&data, &library, &example.preset().config())?;
            if noise == 0.0 {
                bound.push(oracle_bound(&data, &model, &library));
            }
            density.push(scores(&model, &model.coefficients(), &example, &library));
            let fit = identify_tracks(&tracked_observations(&data)?, &library, &options)?;
            tracks.push(scores(&model, &fit.coefficients, &example, &library));
            s_hat.push(fit.localization.sd()[0]);
            s_se.push(fit.localization.sd_se()[0]);
        }
        println!("N = {n}, M = {m}, localization error s = {noise}:");
        for (name, s) in [("tracks ", &tracks), ("density", &density)] {
            let tpr1 = s.iter().filter(|t| t.0 == 1.0).count();
            println!(
                "  {name}: TPR = 1 in {tpr1}/{} ({:.0}%), mean TPR {:.3}; ∇K error {}; ½σ² error {}",
                s.len(),
                100.0 * tpr1 as f64 / s.len() as f64,
                s.iter().map(|t| t.0).sum::<f64>() / s.len() as f64,
                quantiles(s.iter().map(|t| t.1).collect()),
                quantiles(s.iter().map(|t| t.2).collect()),
            );
        }
        if !bound.is_empty() {
            bound.sort_by(f64::total_cmp);
            println!(
                "  Cramér–Rao bound (support and σ known): RMS ∇K error median {:.2}% over seeds",
                100.0 * bound[bound.len() / 2]
            );
        }
        let mut sorted = s_hat.clone();
        sorted.sort_by(f64::total_cmp);
        let median_se = {
            let mut v = s_se.clone();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        println!(
            "  ŝ: median {:.4} (10–90%: {:.4}–{:.4}), median reported SE {:.4}{}",
            sorted[sorted.len() / 2],
            sorted[(sorted.len() - 1) / 10],
            sorted[(sorted.len() - 1) * 9 / 10],
            median_se,
            if noise > 0.0 {
                format!(", median |ŝ − s|/s {:.1}%", {
                    let mut e: Vec<f64> = s_hat.iter().map(|v| (v - noise).abs() / noise).collect();
                    e.sort_by(f64::total_cmp);
                    100.0 * e[e.len() / 2]
                })
            } else {
                String::new()
            }
        );
    }
    for (n, m) in [(1000, 1), (8000, 1)] {
        let example = Nonlocal1d { particles: n, experiments: m, seed: 1, ..Default::default() };
        let obs = tracked_observations(&example.simulate()?)?;
        let truth = example.true_model().coefficients(&library)?;
        let mut best = f64::INFINITY;
        for _ in 0..5 {
            let start = Instant::now();
            let system = TrackSystem::build(&obs, &library, &options)?;
            let rows = system.diffusion_rows(&truth, true)?;
            std::hint::black_box(rows);
            best = best.min(start.elapsed().as_secs_f64());
        }
        println!("rows for N = {n} × 101 frames, 24 terms: {:.1} ms (best of 5)", 1e3 * best);
    }
    Ok(())
}
