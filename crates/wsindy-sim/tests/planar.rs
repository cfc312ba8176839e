//! Checks of the planar (2D) simulator: pair forces against a plain double loop, determinism,
//! moments against exact formulas, initial laws, extrinsic noise and input validation.

use std::f64::consts::PI;

use rand::{RngExt, SeedableRng};
use wsindy_core::Trajectories;
use wsindy_sim::{
    KELLER_SEGEL_DELTA, PlanarDiffusion, PlanarForceWorkspace, PlanarInitial, PlanarModel, RadialForce,
    RadialProfile, SimError, SimulationConfig, simulate_planar,
};

/// ~300 particles: a spread-out cloud, a tight cluster (pairs inside every cutoff used below) and
/// two coincident particles.
fn test_particles(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
    let mut x = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let spread = if i % 5 == 0 { 0.05 } else { 3.0 };
        x.push(spread * (rng.random::<f64>() - 0.5) + 0.7);
        y.push(spread * (rng.random::<f64>() - 0.5) - 0.2);
    }
    x[17] = x[3];
    y[17] = y[3];
    (x, y)
}

/// The mean field (1/N) Σ_{j : X_j ≠ X_i} h(r) (X_i − X_j)/r, r = |X_i − X_j|, written plainly.
fn naive_mean_field(h: impl Fn(f64) -> f64, x: &[f64], y: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let n = x.len();
    let (mut fx, mut fy) = (vec![0.0; n], vec![0.0; n]);
    for i in 0..n {
        for j in 0..n {
            let (dx, dy) = (x[i] - x[j], y[i] - y[j]);
            let r = (dx * dx + dy * dy).sqrt();
            if r == 0.0 {
                continue;
            }
            fx[i] += h(r) * dx / r;
            fy[i] += h(r) * dy / r;
        }
        fx[i] /= n as f64;
        fy[i] /= n as f64;
    }
    (fx, fy)
}

/// max_i |a_i − b_i| / max_i |b_i| over both coordinates.
fn relative_error(a: (&[f64], &[f64]), b: (&[f64], &[f64])) -> f64 {
    let diff = a.0.iter().zip(b.0).chain(a.1.iter().zip(b.1)).map(|(p, q)| (p - q).abs()).fold(0.0, f64::max);
    let size = b.0.iter().chain(b.1).map(|q| q.abs()).fold(0.0, f64::max);
    diff / size
}

fn fast_mean_field(force: &RadialForce, x: &[f64], y: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut workspace = PlanarForceWorkspace::new();
    let (mut fx, mut fy) = (vec![0.0; x.len()], vec![0.0; x.len()]);
    force.mean_field(x, y, &mut workspace, &mut fx, &mut fy).unwrap();
    // reusing the workspace gives the same bits
    let (mut gx, mut gy) = (vec![1.0; x.len()], vec![1.0; x.len()]);
    force.mean_field(x, y, &mut workspace, &mut gx, &mut gy).unwrap();
    assert_eq!((&fx, &fy), (&gx, &gy));
    (fx, fy)
}

/// h(r) written plainly.
type Derivative = Box<dyn Fn(f64) -> f64>;

/// Every built-in profile (integer powers on the specialised loops, a non-integer power, the
/// three cutoff families with many pairs inside the cutoff), a custom closure and a sum of terms
/// agree with the plain double loop to 1e-12 relative (max-norm), with N = 300 (two tiles, a
/// partial tile and lane remainders) and N = 601.
#[test]
fn pair_forces_match_naive_double_loop() {
    let delta = 0.02;
    let cases: Vec<(&str, RadialForce, Derivative)> = vec![
        ("r", RadialForce::single(1.0, RadialProfile::Power(1.0)), Box::new(|_| 1.0)),
        ("r^2", RadialForce::single(0.5, RadialProfile::Power(2.0)), Box::new(|r| r)),
        ("r^3", RadialForce::single(-2.0, RadialProfile::Power(3.0)), Box::new(|r| -6.0 * r * r)),
        ("r^6", RadialForce::single(1.0, RadialProfile::Power(6.0)), Box::new(|r: f64| 6.0 * r.powi(5))),
        ("r^7", RadialForce::single(0.1, RadialProfile::Power(7.0)), Box::new(|r: f64| 0.7 * r.powi(6))),
        (
            "r^12",
            RadialForce::single(1e-3, RadialProfile::Power(12.0)),
            Box::new(|r: f64| 12e-3 * r.powi(11)),
        ),
        ("r^1.5", RadialForce::single(1.0, RadialProfile::Power(1.5)), Box::new(|r: f64| 1.5 * r.sqrt())),
        (
            "r^13",
            RadialForce::single(1e-4, RadialProfile::Power(13.0)),
            Box::new(|r: f64| 13e-4 * r.powi(12)),
        ),
        (
            "sqrt cutoff",
            RadialForce::single(1.3, RadialProfile::SqrtCutoff { delta }),
            Box::new(move |r: f64| 1.3 * 0.5 / r.max(delta).sqrt()),
        ),
        (
            "r(log r − 1) cutoff",
            RadialForce::single(-0.7, RadialProfile::LinLogCutoff { delta }),
            Box::new(move |r: f64| -0.7 * r.max(delta).ln()),
        ),
        (
            "log cutoff",
            RadialForce::single(2.0, RadialProfile::LogCutoff { delta }),
            Box::new(move |r: f64| 2.0 / r.max(delta)),
        ),
        (
            "Keller–Segel",
            RadialForce::keller_segel(KELLER_SEGEL_DELTA),
            Box::new(|r: f64| 1.0 / (2.0 * PI * r.max(0.01))),
        ),
        ("custom", RadialForce::custom(|r: f64| r.sin() + 2.0), Box::new(|r: f64| r.sin() + 2.0)),
        (
            "sum of terms",
            RadialForce::new()
                .plus(0.5, RadialProfile::Power(2.0))
                .plus(-1.0, RadialProfile::Power(1.0))
                .plus(0.25, RadialProfile::LogCutoff { delta })
                .plus(3.0, RadialProfile::custom(|r: f64| (-r).exp())),
            Box::new(move |r: f64| 0.5 * 2.0 * r - 1.0 + 0.25 / r.max(delta) + 3.0 * (-r).exp()),
        ),
    ];
    for (n, seed) in [(300, 1), (601, 2)] {
        let (x, y) = test_particles(n, seed);
        let inside = (0..n)
            .flat_map(|i| (0..i).map(move |j| (i, j)))
            .filter(|&(i, j)| (x[i] - x[j]).hypot(y[i] - y[j]) < 0.01)
            .count();
        assert!(inside > 20, "the test needs pairs inside the cutoff, got {inside}");
        for (name, force, h) in &cases {
            let (fx, fy) = fast_mean_field(force, &x, &y);
            let (rx, ry) = naive_mean_field(h, &x, &y);
            let err = relative_error((&fx, &fy), (&rx, &ry));
            assert!(err < 1e-12, "{name}, N = {n}: relative error {err:e}");
            // the public one-pair gradient agrees with the profile too
            let g = force.gradient([x[1] - x[0], y[1] - y[0]]);
            let r = (x[1] - x[0]).hypot(y[1] - y[0]);
            let expected = h(r) * (x[1] - x[0]) / r;
            assert!((g[0] - expected).abs() <= 1e-12 * expected.abs(), "{name}: gradient {g:?}");
        }
    }
}

/// Exact small cases: two particles at distance 1 under K = (1/2π) log|x| feel
/// ±(1/N)(1/2π) along their separation; coincident particles feel nothing from each other.
#[test]
fn pair_forces_exact_small_cases() {
    let force = RadialForce::keller_segel(0.01);
    let mut ws = PlanarForceWorkspace::new();
    let (mut fx, mut fy) = (vec![0.0; 2], vec![0.0; 2]);
    force.mean_field(&[0.0, 0.6], &[0.0, 0.8], &mut ws, &mut fx, &mut fy).unwrap();
    let s = 0.5 / (2.0 * PI);
    assert!((fx[0] + 0.6 * s).abs() < 1e-16 && (fy[0] + 0.8 * s).abs() < 1e-16, "{fx:?} {fy:?}");
    assert_eq!((fx[1], fy[1]), (-fx[0], -fy[0]));
    // three particles, two of them coincident: the coincident pair contributes exactly nothing
    let (mut fx, mut fy) = (vec![0.0; 3], vec![0.0; 3]);
    force.mean_field(&[1.0, 1.0, 1.0], &[2.0, 2.0, 3.0], &mut ws, &mut fx, &mut fy).unwrap();
    let s = 1.0 / 3.0 / (2.0 * PI);
    assert!((fx[0]).abs() == 0.0 && (fy[0] + s).abs() < 1e-16, "{fx:?} {fy:?}");
    assert_eq!((fx[0], fy[0]), (fx[1], fy[1]));
    // inside the cutoff the force has the bounded magnitude 1/(2πδ)
    let (mut fx, mut fy) = (vec![0.0; 2], vec![0.0; 2]);
    force.mean_field(&[0.0, 1e-5], &[0.0, 0.0], &mut ws, &mut fx, &mut fy).unwrap();
    assert!((fx[0] + 0.5 / (2.0 * PI * 0.01)).abs() < 1e-12, "{fx:?}");
    assert_eq!(fy, [0.0, 0.0]);
}

fn run_in_pool(
    threads: usize,
    model: &PlanarModel,
    initial: &PlanarInitial,
    config: &SimulationConfig,
) -> Trajectories {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| simulate_planar(model, initial, config)).unwrap()
}

fn bits(data: &Trajectories) -> Vec<u64> {
    data.positions().iter().map(|v| v.to_bits()).collect()
}

/// Same seed ⇒ bit-identical data on 1 and 2 threads, for the interacting model (several force
/// tiles and particle blocks, extrinsic noise) and the local model with a diffusion field.
#[test]
fn same_seed_is_bit_identical_on_any_thread_count() {
    let config = SimulationConfig {
        particles: 2100,
        experiments: 2,
        step: 0.0025,
        record_every: 2,
        recorded_steps: 3,
        seed: 42,
        noise_ratio: 0.05,
    };
    let interacting = PlanarModel::keller_segel(wsindy_sim::KELLER_SEGEL_CRITICAL_SIGMA)
        .with_external_force(|p| [0.1 * p[0], 0.2 * p[1]]);
    let cases = [
        (interacting, PlanarInitial::paper_keller_segel(), config),
        (
            PlanarModel::local2d(20.0),
            PlanarInitial::paper_local2d(),
            SimulationConfig { particles: 3000, step: 1e-4, record_every: 10, ..config },
        ),
    ];
    for (model, initial, config) in cases {
        let one = run_in_pool(1, &model, &initial, &config);
        let two = run_in_pool(2, &model, &initial, &config);
        assert_eq!(bits(&one), bits(&two), "{model:?}");
        assert_eq!(
            (one.experiments(), one.time_points(), one.particles(), one.dim()),
            (2, 4, config.particles, 2)
        );
        let other = run_in_pool(2, &model, &initial, &SimulationConfig { seed: 43, ..config });
        let differing = one.positions().iter().zip(other.positions()).filter(|(a, b)| a != b).count();
        assert_eq!(differing, one.positions().len(), "different seeds must give different data");
        assert_ne!(one.snapshot(0, 0), one.snapshot(1, 0), "experiments must use different streams");
    }
}

/// Sample mean, variances and covariance of the 2D points in `snapshot` (interleaved x, y).
fn moments(snapshot: &[f64]) -> ([f64; 2], [f64; 3]) {
    let n = (snapshot.len() / 2) as f64;
    let mut mean = [0.0; 2];
    for p in snapshot.chunks_exact(2) {
        mean[0] += p[0] / n;
        mean[1] += p[1] / n;
    }
    let mut cov = [0.0; 3];
    for p in snapshot.chunks_exact(2) {
        let (dx, dy) = (p[0] - mean[0], p[1] - mean[1]);
        cov[0] += dx * dx / (n - 1.0);
        cov[1] += dy * dy / (n - 1.0);
        cov[2] += dx * dy / (n - 1.0);
    }
    (mean, cov)
}

/// Checks the sample moments of Gaussian data with exact mean `m` and covariance
/// [[c0, c2], [c2, c1]] to 5 standard errors: mean √(c/N), variance c√(2/(N−1)),
/// covariance √((c0 c1 + c2²)/N).
fn assert_gaussian_moments(what: &str, snapshot: &[f64], m: [f64; 2], c: [f64; 3], extra: [f64; 2]) {
    let n = (snapshot.len() / 2) as f64;
    let (mean, cov) = moments(snapshot);
    for k in 0..2 {
        let tol = 5.0 * (c[k] / n).sqrt() + extra[0];
        assert!((mean[k] - m[k]).abs() < tol, "{what}: mean[{k}] {} vs {} ± {tol}", mean[k], m[k]);
        let tol = 5.0 * c[k] * (2.0 / (n - 1.0)).sqrt() + extra[1];
        assert!((cov[k] - c[k]).abs() < tol, "{what}: var[{k}] {} vs {} ± {tol}", cov[k], c[k]);
    }
    let tol = 5.0 * ((c[0] * c[1] + c[2] * c[2]) / n).sqrt() + extra[1];
    assert!((cov[2] - c[2]).abs() < tol, "{what}: cov {} vs {} ± {tol}", cov[2], c[2]);
}

/// Brownian motion with constant drift: X_T = X_0 + v T + S B_T, so mean m0 + v T and
/// covariance diag(s0²) + S Sᵀ T. Euler–Maruyama is exact here; tolerance 5 standard errors.
/// Checked for isotropic σ and for a constant anisotropic matrix field.
#[test]
fn brownian_motion_with_drift_matches_exact_moments() {
    let config = SimulationConfig {
        particles: 20_000,
        step: 1e-2,
        record_every: 10,
        recorded_steps: 10,
        seed: 7,
        ..Default::default()
    };
    let (m0, s0, v) = ([0.5, -1.0], [0.3, 0.2], [1.0, -2.0]);
    let initial = PlanarInitial::Gaussian { mean: m0, std: s0 };
    let t = 1.0;
    let sigma = 0.7;
    let matrix = [[1.0, 0.5], [0.0, 0.8]];
    let cases = [
        ("isotropic", PlanarDiffusion::Isotropic(sigma), [sigma * sigma, sigma * sigma, 0.0]),
        (
            "matrix field",
            PlanarDiffusion::field(move |_| matrix),
            // S Sᵀ = [[1.25, 0.4], [0.4, 0.64]]
            [1.25, 0.64, 0.4],
        ),
    ];
    for (name, diffusion, sst) in cases {
        let model =
            PlanarModel::default().with_external_force(move |_| [-v[0], -v[1]]).with_diffusion(diffusion);
        let data = simulate_planar(&model, &initial, &config).unwrap();
        let last = data.time_points() - 1;
        assert!((data.times()[last] - t).abs() < 1e-12);
        let m = [m0[0] + v[0] * t, m0[1] + v[1] * t];
        let c = [s0[0] * s0[0] + sst[0] * t, s0[1] * s0[1] + sst[1] * t, sst[2] * t];
        assert_gaussian_moments(name, data.snapshot(0, last), m, c, [1e-12, 1e-12]);
        assert_gaussian_moments(
            "initial law",
            data.snapshot(0, 0),
            m0,
            [s0[0] * s0[0], s0[1] * s0[1], 0.0],
            [0.0, 0.0],
        );
    }
}

/// Ornstein–Uhlenbeck dX = −X dt + σ dB from N(m0, diag(s0²)): at time t each coordinate has mean
/// m0 e^{−t} and variance σ²/2 (1 − e^{−2t}) + s0² e^{−2t}, the coordinates independent.
/// Tolerance: 5 standard errors plus the known Euler–Maruyama bias (mean m0 (1−h)^n, variance
/// a^n s0² + σ² h (1 − a^n)/(1 − a), a = (1−h)²).
#[test]
fn ornstein_uhlenbeck_variance_matches_exact_formula() {
    let (m0, s0, sigma) = ([1.0, -0.5], [0.5, 0.25], 0.8);
    let config = SimulationConfig { particles: 20_000, seed: 2024, ..Default::default() };
    let model =
        PlanarModel::default().with_external_force(|p| p).with_diffusion(PlanarDiffusion::Isotropic(sigma));
    let data = simulate_planar(&model, &PlanarInitial::Gaussian { mean: m0, std: s0 }, &config).unwrap();
    let last = data.time_points() - 1;
    let t = data.times()[last];
    assert!((t - 1.0).abs() < 1e-12);
    let h = config.step;
    let steps = (config.record_every * config.recorded_steps) as i32;
    let a = (1.0 - h) * (1.0 - h);
    let exact = |k: usize| {
        let mean = m0[k] * (-t).exp();
        let var = sigma * sigma / 2.0 * (1.0 - (-2.0 * t).exp()) + s0[k] * s0[k] * (-2.0 * t).exp();
        let euler_mean = m0[k] * (1.0 - h).powi(steps);
        let euler_var = a.powi(steps) * s0[k] * s0[k] + sigma * sigma * h * (1.0 - a.powi(steps)) / (1.0 - a);
        (mean, var, (euler_mean - mean).abs(), (euler_var - var).abs())
    };
    let (mx, vx, bmx, bvx) = exact(0);
    let (my, vy, bmy, bvy) = exact(1);
    eprintln!("OU 2D: exact variances {vx}, {vy}; Euler biases {bvx:e}, {bvy:e}");
    assert_gaussian_moments(
        "OU",
        data.snapshot(0, last),
        [mx, my],
        [vx, vy, 0.0],
        [bmx.max(bmy), bvx.max(bvy)],
    );
}

/// Uniform on the disk of radius R around c: every point within R (up to rounding), r² = R² U
/// with U uniform, so mean r² = R²/2 with standard error R²/√(12 N); the mean position is c
/// with standard error R/(2√N) per coordinate. Tolerance 5 standard errors.
#[test]
fn uniform_disk_initial_law() {
    let (centre, radius) = ([1.0, -2.0], 2.0);
    let config = SimulationConfig {
        particles: 30_000,
        recorded_steps: 1,
        record_every: 1,
        seed: 3,
        ..Default::default()
    };
    let data =
        simulate_planar(&PlanarModel::default(), &PlanarInitial::UniformDisk { centre, radius }, &config)
            .unwrap();
    let points = data.snapshot(0, 0);
    let n = config.particles as f64;
    let r2: Vec<f64> =
        points.chunks_exact(2).map(|p| (p[0] - centre[0]).powi(2) + (p[1] - centre[1]).powi(2)).collect();
    assert!(r2.iter().all(|&v| v.sqrt() <= radius * (1.0 + 1e-12)));
    let mean_r2 = r2.iter().sum::<f64>() / n;
    let tol = 5.0 * radius * radius / (12.0 * n).sqrt();
    assert!((mean_r2 - radius * radius / 2.0).abs() < tol, "mean r² {mean_r2} ± {tol}");
    let (mean, _) = moments(points);
    for k in 0..2 {
        assert!((mean[k] - centre[k]).abs() < 5.0 * radius / (2.0 * n.sqrt()), "mean {mean:?}");
    }
    // no forces, no noise: the particles stay put
    assert_eq!(data.snapshot(0, 0), data.snapshot(0, 1));
}

/// Y = X + ε ‖X_t‖_RMS ξ: (Y − X)/‖X_t‖_RMS has mean 0 and std ε (RMS over both coordinates of
/// the snapshot). X is the run without observation noise (same seed: the dynamics use their own
/// streams). With n samples the std estimate has standard error ≈ ε/√(2n), the mean ε/√n;
/// tolerance 5 standard errors.
#[test]
fn extrinsic_noise_has_the_requested_ratio() {
    let epsilon = 0.1;
    let clean_config = SimulationConfig {
        particles: 1500,
        experiments: 2,
        step: 0.0025,
        record_every: 2,
        recorded_steps: 5,
        seed: 9,
        noise_ratio: 0.0,
    };
    let noisy_config = SimulationConfig { noise_ratio: epsilon, ..clean_config };
    let model = PlanarModel::keller_segel(0.0).with_external_force(|_| [-3.0, 1.0]);
    let initial = PlanarInitial::paper_keller_segel();
    let clean = simulate_planar(&model, &initial, &clean_config).unwrap();
    let noisy = simulate_planar(&model, &initial, &noisy_config).unwrap();
    let mut ratios = [Vec::new(), Vec::new()];
    for m in 0..clean.experiments() {
        for l in 0..clean.time_points() {
            let x = clean.snapshot(m, l);
            let y = noisy.snapshot(m, l);
            let rms = (x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64).sqrt();
            for (k, (xi, yi)) in x.iter().zip(y).enumerate() {
                ratios[k % 2].push((yi - xi) / rms);
            }
        }
    }
    for ratios in ratios {
        let n = ratios.len() as f64;
        let mean = ratios.iter().sum::<f64>() / n;
        let std = (ratios.iter().map(|r| (r - mean) * (r - mean)).sum::<f64>() / (n - 1.0)).sqrt();
        assert!(mean.abs() < 5.0 * epsilon / n.sqrt(), "mean ratio {mean}");
        assert!(
            (std - epsilon).abs() < 5.0 * epsilon / (2.0 * n).sqrt(),
            "std ratio {std}, expected {epsilon}"
        );
    }
}

/// Keller–Segel without diffusion: pair forces are antisymmetric, so the centre of mass stays
/// put (to rounding, 1e-12), and the attraction shrinks the cloud.
#[test]
fn keller_segel_conserves_centre_of_mass() {
    let config = SimulationConfig {
        particles: 800,
        step: 0.0025,
        record_every: 40,
        recorded_steps: 4,
        seed: 11,
        ..Default::default()
    };
    let data =
        simulate_planar(&PlanarModel::keller_segel(0.0), &PlanarInitial::paper_keller_segel(), &config)
            .unwrap();
    let (c0, v0) = moments(data.snapshot(0, 0));
    let (c1, v1) = moments(data.snapshot(0, data.time_points() - 1));
    assert!((c0[0] - c1[0]).abs() < 1e-12 && (c0[1] - c1[1]).abs() < 1e-12, "{c0:?} → {c1:?}");
    assert!(v1[0] + v1[1] < v0[0] + v0[1]);
}

fn expect_err(model: &PlanarModel, initial: &PlanarInitial, config: &SimulationConfig) -> SimError {
    simulate_planar(model, initial, config).expect_err("bad input must be an error")
}

/// Bad parameters are errors naming the bad value, never panics.
#[test]
fn invalid_inputs_are_errors() {
    let initial = PlanarInitial::paper_keller_segel();
    let config = SimulationConfig { particles: 10, recorded_steps: 2, ..Default::default() };
    for delta in [0.0, -0.01, f64::NAN, f64::INFINITY] {
        for profile in [
            RadialProfile::LogCutoff { delta },
            RadialProfile::SqrtCutoff { delta },
            RadialProfile::LinLogCutoff { delta },
        ] {
            let model = PlanarModel::default()
                .with_interaction(RadialForce::new().plus(1.0, RadialProfile::Power(2.0)).plus(1.0, profile));
            let err = expect_err(&model, &initial, &config);
            assert!(
                matches!(err, SimError::InvalidEntry { what: "radial force cutoff δ", index: 1, value, .. } if value.to_bits() == delta.to_bits()),
                "{err}"
            );
        }
    }
    let model = PlanarModel::default().with_interaction(RadialForce::keller_segel(0.0));
    assert!(matches!(
        expect_err(&model, &initial, &config),
        SimError::InvalidEntry { what: "radial force cutoff δ", .. }
    ));
    for coefficient in [f64::NAN, f64::INFINITY] {
        let model = PlanarModel::default()
            .with_interaction(RadialForce::single(coefficient, RadialProfile::Power(2.0)));
        let err = expect_err(&model, &initial, &config);
        assert!(
            matches!(err, SimError::InvalidEntry { what: "radial force coefficients", index: 0, .. }),
            "{err}"
        );
    }
    for m in [0.5, 0.0, -1.0, f64::NAN, f64::INFINITY] {
        let model =
            PlanarModel::default().with_interaction(RadialForce::single(1.0, RadialProfile::Power(m)));
        let err = expect_err(&model, &initial, &config);
        assert!(matches!(err, SimError::InvalidEntry { what: "radial force power m", .. }), "{err}");
    }
    for sigma in [-1.0, f64::NAN, f64::INFINITY] {
        let err = expect_err(&PlanarModel::keller_segel(sigma), &initial, &config);
        assert!(matches!(err, SimError::InvalidParameter { what: "diffusion σ", .. }), "{err}");
    }
    let model = PlanarModel::keller_segel(0.1);
    for (name, bad) in [
        ("particles", SimulationConfig { particles: 0, ..config }),
        ("experiments", SimulationConfig { experiments: 0, ..config }),
        ("record_every", SimulationConfig { record_every: 0, ..config }),
        ("recorded_steps", SimulationConfig { recorded_steps: 0, ..config }),
    ] {
        let err = expect_err(&model, &initial, &bad);
        assert!(matches!(err, SimError::TooSmall { what, min: 1, got: 0 } if what == name), "{err}");
    }
    let err = expect_err(&model, &initial, &SimulationConfig { step: -1.0, ..config });
    assert!(matches!(err, SimError::InvalidParameter { what: "time step", .. }), "{err}");
    let err = expect_err(&model, &initial, &SimulationConfig { noise_ratio: f64::NAN, ..config });
    assert!(matches!(err, SimError::InvalidParameter { what: "noise ratio", .. }), "{err}");
    let err = expect_err(&model, &initial, &SimulationConfig { particles: usize::MAX / 2, ..config });
    assert!(matches!(err, SimError::TooLarge { .. }), "{err}");
    let err = expect_err(&model, &initial, &SimulationConfig { particles: 1 << 40, ..config });
    assert!(matches!(err, SimError::TooLarge { .. }), "{err}");

    let named = |initial: PlanarInitial| match expect_err(&PlanarModel::default(), &initial, &config) {
        SimError::InvalidEntry { what, .. } | SimError::InvalidParameter { what, .. } => what,
        other => panic!("unexpected {other}"),
    };
    assert_eq!(named(PlanarInitial::Gaussian { mean: [0.0, f64::NAN], std: [1.0; 2] }), "Gaussian mean");
    assert_eq!(named(PlanarInitial::Gaussian { mean: [0.0; 2], std: [0.0, 1.0] }), "Gaussian std");
    assert_eq!(named(PlanarInitial::Gaussian { mean: [0.0; 2], std: [1.0, -1.0] }), "Gaussian std");
    assert_eq!(
        named(PlanarInitial::UniformDisk { centre: [f64::INFINITY, 0.0], radius: 1.0 }),
        "disk centre"
    );
    assert_eq!(named(PlanarInitial::UniformDisk { centre: [0.0; 2], radius: 0.0 }), "disk radius");
    assert_eq!(named(PlanarInitial::UniformDisk { centre: [0.0; 2], radius: f64::NAN }), "disk radius");
    // valid parameters whose draws overflow are reported, not returned as data
    let huge = PlanarInitial::Gaussian { mean: [f64::MAX; 2], std: [f64::MAX; 2] };
    let err = expect_err(&PlanarModel::default(), &huge, &SimulationConfig { particles: 100, ..config });
    assert!(matches!(err, SimError::NonFinitePosition { .. }), "{err}");

    // the public force evaluation checks its inputs too
    let force = RadialForce::keller_segel(0.01);
    let mut ws = PlanarForceWorkspace::new();
    let (mut fx, mut fy) = (vec![0.0; 2], vec![0.0; 2]);
    let err = force.mean_field(&[0.0, 1.0, 2.0], &[0.0; 3], &mut ws, &mut fx, &mut fy).unwrap_err();
    assert!(matches!(err, SimError::LengthMismatch { expected: 3, got: 2, .. }), "{err}");
    let err = force.mean_field(&[0.0, 1.0], &[0.0, f64::NAN], &mut ws, &mut fx, &mut fy).unwrap_err();
    assert!(matches!(err, SimError::NonFinitePosition { index: 1, .. }), "{err}");
    let err = RadialForce::custom(|_| f64::NAN)
        .mean_field(&[0.0, 1.0], &[0.0; 2], &mut ws, &mut fx, &mut fy)
        .unwrap_err();
    assert!(matches!(err, SimError::NonFiniteForce { index: 0, .. }), "{err}");
    force.mean_field(&[], &[], &mut ws, &mut [], &mut []).unwrap();
}

/// A blow-up names the experiment, the step and the particle, the same every time.
#[test]
fn blow_up_names_experiment_step_and_particle() {
    let initial = PlanarInitial::Gaussian { mean: [1.0, 0.0], std: [0.01, 0.01] };
    let config = SimulationConfig {
        particles: 10,
        step: 0.01,
        record_every: 10,
        recorded_steps: 100,
        ..Default::default()
    };
    // dx = x³ dt explodes at t ≈ 0.5; explicit Euler overflows a little later
    let model = PlanarModel::default().with_external_force(|p| [-p[0] * p[0] * p[0], 0.0]);
    let err = expect_err(&model, &initial, &config);
    let SimError::BlowUp { experiment: 0, step, time, particle, value } = err else {
        panic!("expected a blow-up, got {err}")
    };
    assert!((40..=1000).contains(&step), "step {step}");
    assert!((time - step as f64 * 0.01).abs() < 1e-12);
    assert!(particle < 10 && !value.is_finite());
    assert_eq!(expect_err(&model, &initial, &config), err);
    // a NaN force or diffusion stops at the first step, at particle 0
    let nan_force = PlanarModel::default().with_interaction(RadialForce::custom(|_| f64::NAN));
    assert!(matches!(
        expect_err(&nan_force, &initial, &config),
        SimError::BlowUp { step: 1, particle: 0, .. }
    ));
    let nan_sigma =
        PlanarModel::default().with_diffusion(PlanarDiffusion::field(|_| [[f64::NAN, 0.0], [0.0, 1.0]]));
    assert!(matches!(
        expect_err(&nan_sigma, &initial, &config),
        SimError::BlowUp { step: 1, particle: 0, .. }
    ));
    let many = SimulationConfig { experiments: 3, ..config };
    assert!(matches!(expect_err(&model, &initial, &many), SimError::BlowUp { experiment: 0, .. }));
}

/// The local 2D example's diffusion: ½σσᵀ = (1 + 0.95 cos ωx cos ωy) I, drift (1, 1).
#[test]
fn local2d_model_coefficients() {
    let model = PlanarModel::local2d(20.0);
    let PlanarDiffusion::Field(sigma) = &model.diffusion else { panic!("expected a field") };
    for p in [[0.0, 0.0], [0.3, -1.2], [2.0, 0.1]] {
        let s = sigma(p);
        let expected = 1.0 + 0.95 * (20.0 * p[0]).cos() * (20.0 * p[1]).cos();
        assert!((0.5 * (s[0][0] * s[0][0] + s[0][1] * s[0][1]) - expected).abs() < 1e-12);
        assert!((0.5 * (s[1][0] * s[1][0] + s[1][1] * s[1][1]) - expected).abs() < 1e-12);
        assert_eq!((s[0][1], s[1][0]), (0.0, 0.0));
    }
    let grad_v = model.external_force.as_ref().unwrap();
    assert_eq!(grad_v([0.4, 5.0]), [-1.0, -1.0]);
    assert!(model.interaction.is_none());
}
