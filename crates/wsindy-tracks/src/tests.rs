//! Exact-answer and seeded statistical tests of the track rows.

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_pcg::Pcg64;
use wsindy_core::{Observations, ObservedExperiment, RadialKernel, TimeGrid, Trajectories};
use wsindy_library::{Library, Term};
use wsindy_sim::{PolySign, PolySignWorkspace};

use crate::powers::{PowerWorkspace, power_mean_fields};
use crate::system::pair_mean_field;
use crate::{TrackOptions, TrackSystem, TracksError, identify_tracks, tracked_observations};

/// M × L × N × 1 positions of dX = −a X dt + σ dB, Euler–Maruyama with `sub` steps per frame,
/// X_0 ~ N(0, 1), plus Gaussian localization error `s` on the recorded positions.
fn ou(n: usize, frames: usize, dt: f64, a: f64, sigma: f64, s: f64, seed: u64) -> Observations {
    let mut rng = Pcg64::seed_from_u64(seed);
    let mut normal = || -> f64 { StandardNormal.sample(&mut rng) };
    let sub = 10;
    let h = dt / sub as f64;
    let mut x: Vec<f64> = (0..n).map(|_| normal()).collect();
    let mut out = Vec::with_capacity(n * frames);
    for k in 0..frames {
        if k > 0 {
            for _ in 0..sub {
                for xi in &mut x {
                    *xi += -a * *xi * h + sigma * h.sqrt() * normal();
                }
            }
        }
        out.extend_from_slice(&x);
    }
    if s > 0.0 {
        for v in &mut out {
            *v += s * normal();
        }
    }
    let times = (0..frames).map(|k| k as f64 * dt).collect();
    tracked_observations(&Trajectories::new(1, frames, n, 1, out, times).unwrap()).unwrap()
}

fn library(drift: &[u32], diffusion: &[u32]) -> Library {
    let mut lib = Library::new();
    for &a in drift {
        lib.push(Term::drift_monomial(a));
    }
    for &a in diffusion {
        lib.push(Term::diffusion_monomial(a));
    }
    lib
}

#[test]
fn deterministic_decay_recovers_the_rate() {
    // dX = −X dt exactly, no noise: coefficient of ∇V = x is 1
    let obs = ou_exact(40, 101, 0.01);
    let fit = identify_tracks(&obs, &library(&[0, 1, 2], &[]), &TrackOptions::default()).unwrap();
    assert!((fit.coefficients[1] - 1.0).abs() < 1e-6, "{:?}", fit.coefficients);
    assert_eq!((fit.coefficients[0], fit.coefficients[2]), (0.0, 0.0), "{:?}", fit.coefficients);
    assert_eq!((fit.tracks_used, fit.tracks_too_short), (40, 0));
    // windows: starts 0, 5, …, 80 on 101 frames
    assert_eq!(fit.test_functions, 40 * 17);
}

fn ou_exact(n: usize, frames: usize, dt: f64) -> Observations {
    let times: Vec<f64> = (0..frames).map(|k| k as f64 * dt).collect();
    let mut x = Vec::new();
    for &t in &times {
        x.extend((0..n).map(|i| (-1.0 + 3.0 * i as f64 / n as f64) * (-t).exp()));
    }
    tracked_observations(&Trajectories::new(1, frames, n, 1, x, times).unwrap()).unwrap()
}

#[test]
fn poly_sign_features_equal_the_pair_sum() {
    let mut rng = Pcg64::seed_from_u64(3);
    let mut x: Vec<f64> =
        (0..700).map(|_| 3.0 * Distribution::<f64>::sample(&StandardNormal, &mut rng)).collect();
    x[5] = x[9]; // a tie
    let mut ws = PolySignWorkspace::default();
    let mut pws = PowerWorkspace::default();
    let (mut sep, mut val) = (Vec::new(), Vec::new());
    for m in 1..=7 {
        let term = Term::power(f64::from(m));
        let fast = PolySign::from_kernels(&[(1.0, RadialKernel::Power { power: f64::from(m) })]).unwrap();
        let mut a = vec![0.0; x.len()];
        fast.mean_field(&x, &mut ws, &mut a);
        let mut b = vec![0.0; x.len()];
        pair_mean_field(&term, &x, 1, &mut sep, &mut val, &mut b);
        let scale = b.iter().fold(0.0f64, |s, v| s.max(v.abs()));
        let err = a.iter().zip(&b).fold(0.0f64, |e, (p, q)| e.max((p + q).abs()));
        assert!(err <= 1e-12 * scale, "|x|^{m}: {err:e} of {scale:e}");
        // the shared pass of all powers at once (the rows' path) gives the same features
        let powers: Vec<u32> = (1..=7).collect();
        let mut all = vec![0.0; x.len() * 7];
        power_mean_fields(&x, &powers, &mut pws, &mut all, 7, &[0, 1, 2, 3, 4, 5, 6]);
        let err =
            b.iter().enumerate().fold(0.0f64, |e, (i, q)| e.max((all[i * 7 + m as usize - 1] - q).abs()));
        assert!(err <= 1e-12 * scale, "shared pass, |x|^{m}: {err:e} of {scale:e}");
    }
}

#[test]
fn interaction_rows_use_the_frame_mean_field() {
    // two particles on a line with K = ½x²: F_j = −(x_i − x̄) for both; dX_i = −(x_i − x̄)·w
    // moves them apart/together like an OU around x̄; exact exponential data recovers w = 2
    let (frames, dt) = (81, 0.01);
    let times: Vec<f64> = (0..frames).map(|k| k as f64 * dt).collect();
    let mut x = Vec::new();
    for &t in &times {
        // x̄ = 0.5; the term |x|² has the mean field (1/2) Σ_l 2(x_i − x_l) = 2(x_i − x̄), so
        // deviations decaying at rate 2 mean w = 1
        let dev = 1.5 * (-2.0 * t).exp();
        x.extend([0.5 - dev, 0.5 + dev]);
    }
    let obs = tracked_observations(&Trajectories::new(1, frames, 2, 1, x, times).unwrap()).unwrap();
    let mut lib = Library::new();
    lib.push(Term::power(1.0));
    lib.push(Term::power(2.0));
    lib.push(Term::drift_monomial(0));
    let fit = identify_tracks(&obs, &lib, &TrackOptions::default()).unwrap();
    assert!((fit.coefficients[1] - 1.0).abs() < 1e-6, "{:?}", fit.coefficients);
    assert_eq!(fit.coefficients[2], 0.0, "{:?}", fit.coefficients);
}

#[test]
fn ornstein_uhlenbeck_drift_and_diffusion() {
    // dX = −X dt + √0.2 dB, N = 1000, 101 frames at Δt = 0.01, X_0 ~ N(0, 1): Fisher
    // information N T Var(X)/σ² ≈ 5000, SE(w_x) ≈ 0.014; SE of ½σ² from 10⁵ increments ≈ 0.5%.
    let obs = ou(1000, 101, 0.01, 1.0, 0.2f64.sqrt(), 0.0, 7);
    let fit = identify_tracks(&obs, &library(&[0, 1, 2, 3], &[0, 1, 2]), &TrackOptions::default()).unwrap();
    let w = &fit.coefficients;
    assert!((w[1] - 1.0).abs() < 0.06, "{w:?}");
    assert!((w[4] - 0.1).abs() < 0.002, "{w:?}");
    assert_eq!((w[0], w[2], w[3], w[5], w[6]), (0.0, 0.0, 0.0, 0.0, 0.0), "{w:?}");
    // no localization error: ŝ² within a few standard errors of 0
    let loc = &fit.localization;
    assert!(loc.raw_variance[0].abs() < 4.0 * loc.variance_se[0], "{loc:?}");
}

#[test]
fn least_squares_drift_is_biased_by_the_in_window_noise() {
    // the same data as above: ordinary least squares on the rows underestimates the rate by
    // about σ²/(2 E[X²]) ≈ 0.2 (E[X²] ≈ 0.5 over the run); the instruments remove it
    let obs = ou(1000, 101, 0.01, 1.0, 0.2f64.sqrt(), 0.0, 7);
    let lib = library(&[1], &[0]);
    let ols = TrackOptions { drift_estimator: crate::DriftEstimator::LeastSquares, ..Default::default() };
    let biased = identify_tracks(&obs, &lib, &ols).unwrap().coefficients[0];
    let iv = identify_tracks(&obs, &lib, &TrackOptions::default()).unwrap().coefficients[0];
    assert!(biased < 0.85, "least squares {biased}");
    assert!((iv - 1.0).abs() < 0.06, "instrumented {iv}");
}

#[test]
fn localization_error_of_brownian_motion() {
    // pure Brownian motion, σ² = 0.2, with Gaussian localization error s = 0.05
    let obs = ou(1000, 101, 0.01, 0.0, 0.2f64.sqrt(), 0.05, 11);
    let fit = identify_tracks(&obs, &library(&[], &[0]), &TrackOptions::default()).unwrap();
    let loc = &fit.localization;
    let s = loc.sd()[0];
    assert!((s - 0.05).abs() < 0.005, "ŝ = {s}, {loc:?}");
    assert!(loc.sd_se()[0] < 0.002 && loc.sd_se()[0] > 0.0, "{loc:?}");
    // corrected quadratic variation: ½σ² = 0.1 (uncorrected would be 0.1 + s²/Δt = 0.35)
    assert!((fit.coefficients[0] - 0.1).abs() < 0.005, "{:?}", fit.coefficients);
    let raw = identify_tracks(
        &obs,
        &library(&[], &[0]),
        &TrackOptions { correct_localization: false, ..Default::default() },
    )
    .unwrap();
    assert!((raw.coefficients[0] - 0.35).abs() < 0.02, "{:?}", raw.coefficients);
}

fn experiment(counts: Vec<Option<usize>>, positions: Vec<f64>, ids: Vec<Option<u64>>) -> Observations {
    Observations::new(
        1,
        TimeGrid::new(0.0, 0.01).unwrap(),
        vec![ObservedExperiment::new(0, counts, positions, ids)],
    )
    .unwrap()
}

#[test]
fn user_errors_are_typed() {
    let lib = library(&[1], &[0]);
    // no ids
    let none = experiment(vec![Some(1); 30], vec![0.5; 30], Vec::new());
    assert_eq!(TrackSystem::build(&none, &lib, &TrackOptions::default()).unwrap_err(), TracksError::NoIds);
    // tracks of 30 frames split by an absent frame into 14 and 15 frames, support 21
    let mut counts = vec![Some(1); 30];
    counts[14] = None;
    let split = experiment(counts, vec![0.5; 29], vec![Some(4); 29]);
    let err = TrackSystem::build(&split, &lib, &TrackOptions::default()).unwrap_err();
    assert_eq!(err, TracksError::TracksTooShort { needed: 21, longest: 15 });
    assert!(err.to_string().contains("21"), "{err}");
    // with m = 5 both pieces are used
    let sys =
        TrackSystem::build(&split, &lib, &TrackOptions { half_width: 5, ..Default::default() }).unwrap();
    assert_eq!((sys.tracks_used(), sys.tracks_too_short()), (2, 0));
    // options
    for bad in [
        TrackOptions { half_width: 0, ..Default::default() },
        TrackOptions { degree: 1.0, ..Default::default() },
        TrackOptions { degree: f64::NAN, ..Default::default() },
        TrackOptions { stride: 0, ..Default::default() },
    ] {
        assert!(matches!(TrackSystem::build(&split, &lib, &bad), Err(TracksError::InvalidOption { .. })));
    }
    // overflowing features are named, never NaN rows
    let huge = experiment(vec![Some(1); 30], vec![1e300; 30], vec![Some(1); 30]);
    let err = TrackSystem::build(&huge, &library(&[8], &[]), &TrackOptions::default()).unwrap_err();
    assert!(matches!(err, TracksError::NonFiniteFeature { frame: 0, .. }), "{err}");
    // drift coefficients of the wrong length
    let sys = TrackSystem::build(&ou_exact(5, 30, 0.01), &lib, &TrackOptions::default()).unwrap();
    assert!(matches!(sys.diffusion_rows(&[1.0], true), Err(TracksError::CoefficientCount { .. })));
}

#[test]
fn untracked_detections_count_in_the_mean_field_only() {
    // particle 0 tracked, particle 1 untracked at x = 2 in every frame: with K = |x|² the
    // feature of particle 0 is −(1/2)·2(x_0 − 2)
    let frames = 25;
    let (mut pos, mut ids) = (Vec::new(), Vec::new());
    for k in 0..frames {
        pos.extend([k as f64 * 0.01, 2.0]);
        ids.extend([Some(7), None]);
    }
    let obs = experiment(vec![Some(2); frames], pos.clone(), ids);
    let mut lib = Library::new();
    lib.push(Term::power(2.0));
    let sys = TrackSystem::build(&obs, &lib, &TrackOptions::default()).unwrap();
    assert_eq!(sys.tracks_used(), 1);
    for k in 0..frames {
        let x0 = pos[2 * k];
        assert!((sys.features[2 * k] + (x0 - 2.0)).abs() < 1e-15);
    }
}

#[test]
fn pair_sum_in_2d_is_the_exact_mean_field() {
    // K = |x|²: ∇K(r) = 2r, so −(1/n) Σ_l 2(x_i − x_l) = −2(x_i − x̄) in every coordinate
    let (n, frames) = (60, 25);
    let mut rng = Pcg64::seed_from_u64(5);
    let positions: Vec<f64> =
        (0..n * frames * 2).map(|_| Distribution::<f64>::sample(&StandardNormal, &mut rng)).collect();
    let ids: Vec<Option<u64>> = (0..frames).flat_map(|_| (0..n as u64).map(Some)).collect();
    let obs = Observations::new(
        2,
        TimeGrid::new(0.0, 0.01).unwrap(),
        vec![ObservedExperiment::new(0, vec![Some(n); frames], positions.clone(), ids)],
    )
    .unwrap();
    let mut lib = Library::new();
    lib.push(Term::power(2.0));
    let sys = TrackSystem::build(&obs, &lib, &TrackOptions::default()).unwrap();
    assert_eq!(sys.tracks_used(), n);
    for k in 0..frames {
        let frame = &positions[k * n * 2..(k + 1) * n * 2];
        for a in 0..2 {
            let mean = frame.iter().skip(a).step_by(2).sum::<f64>() / n as f64;
            for i in 0..n {
                let expected = -2.0 * (frame[i * 2 + a] - mean);
                let got = sys.features[(k * n + i) * 2 + a];
                assert!(
                    (got - expected).abs() < 1e-12,
                    "frame {k}, particle {i}, axis {a}: {got} vs {expected}"
                );
            }
        }
    }
}
