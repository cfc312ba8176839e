//! Checks of the simulator against theory, determinism and input validation.

use std::sync::Arc;

use wsindy_core::Trajectories;
use wsindy_sim::{
    Diffusion, InitialDistribution, InteractionForce, MAX_POLY_DEGREE, ParticleModel, SimError,
    SimulationConfig, simulate,
};

fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    (mean, var)
}

/// Ornstein–Uhlenbeck dX = −X dt + σ dB from N(m0, s0²): at time t the law is Gaussian with mean
/// m0 e^{−t} and variance σ²/2 (1 − e^{−2t}) + s0² e^{−2t}.
///
/// Tolerance: 5 standard errors of the estimator (mean: √(v/N); unbiased variance of a Gaussian
/// sample: v √(2/(N−1))) plus the Euler–Maruyama bias, which for this linear SDE is known in
/// closed form: the scheme gives mean m0 (1−h)^n and variance a^n s0² + σ² h (1 − a^n)/(1 − a)
/// with a = (1−h)², both O(h) away from the exact values.
#[test]
fn ornstein_uhlenbeck_moments_match_theory() {
    let (m0, s0, sigma) = (1.0, 0.5, 1.0);
    let config = SimulationConfig {
        particles: 20_000,
        experiments: 1,
        step: 1e-3,
        record_every: 10,
        recorded_steps: 100,
        seed: 2024,
        noise_ratio: 0.0,
    };
    let model =
        ParticleModel::default().with_external_force(|x| x).with_diffusion(Diffusion::Constant(sigma));
    let data = simulate(&model, &InitialDistribution::gaussian(m0, s0), &config).unwrap();
    let l = data.time_points() - 1;
    let t = data.times()[l];
    assert!((t - 1.0).abs() < 1e-12);
    let (mean, var) = mean_var(data.snapshot(0, l));

    let exact_mean = m0 * (-t).exp();
    let exact_var = sigma * sigma / 2.0 * (1.0 - (-2.0 * t).exp()) + s0 * s0 * (-2.0 * t).exp();
    let h = config.step;
    let steps = (config.record_every * config.recorded_steps) as i32;
    let a = (1.0 - h) * (1.0 - h);
    let euler_mean = m0 * (1.0 - h).powi(steps);
    let euler_var = a.powi(steps) * s0 * s0 + sigma * sigma * h * (1.0 - a.powi(steps)) / (1.0 - a);
    let n = config.particles as f64;
    let mean_tol = 5.0 * (exact_var / n).sqrt() + (euler_mean - exact_mean).abs();
    let var_tol = 5.0 * exact_var * (2.0 / (n - 1.0)).sqrt() + (euler_var - exact_var).abs();
    eprintln!(
        "OU: mean {mean} (theory {exact_mean} ± {mean_tol}), variance {var} (theory {exact_var} ± {var_tol})"
    );
    assert!(
        (mean - exact_mean).abs() < mean_tol,
        "mean {mean} vs theory {exact_mean} (tolerance {mean_tol})"
    );
    assert!((var - exact_var).abs() < var_tol, "variance {var} vs theory {exact_var} (tolerance {var_tol})");
    // the initial snapshot is the initial law (same tolerances without the Euler bias)
    let (mean0, var0) = mean_var(data.snapshot(0, 0));
    assert!((mean0 - m0).abs() < 5.0 * s0 / n.sqrt());
    assert!((var0 - s0 * s0).abs() < 5.0 * s0 * s0 * (2.0 / (n - 1.0)).sqrt());
}

/// K = ½x² alone (∇K = x, σ = 0): the mean-field force is x_i − mean, so every particle's
/// distance to the (conserved) centre of mass shrinks by exactly (1 − h) per Euler step.
#[test]
fn quadratic_attraction_contracts_geometrically() {
    let config = SimulationConfig { particles: 3000, recorded_steps: 20, seed: 5, ..Default::default() };
    let model = ParticleModel::default()
        .with_interaction(InteractionForce::PolySign { poly: vec![0.0, 1.0], sign_poly: vec![] });
    let data = simulate(&model, &InitialDistribution::paper_three_clusters(), &config).unwrap();
    let x0 = data.snapshot(0, 0);
    let centre = x0.iter().sum::<f64>() / x0.len() as f64;
    for l in [1, 10, 20] {
        let factor = (1.0 - config.step).powi((l * config.record_every) as i32);
        let x = data.snapshot(0, l);
        let centre_l = x.iter().sum::<f64>() / x.len() as f64;
        assert!((centre_l - centre).abs() < 1e-12, "centre of mass moved to {centre_l} from {centre}");
        for (xi, x0i) in x.iter().zip(x0) {
            let expected = centre + factor * (x0i - centre);
            assert!((xi - expected).abs() < 1e-10, "{xi} vs {expected}");
        }
    }
}

/// K = ½x² − |x| with σ = 0: the steady state is uniform of width 2 around the centre of mass;
/// for N particles the exact fixed point is x_(i) = c + (2i + 1 − N)/N (rank i), reached at
/// rate e^{−t} once the ranks are settled. After t = 30: within 1e-6.
#[test]
fn attraction_repulsion_reaches_uniform_steady_state() {
    let n = 400;
    let config = SimulationConfig {
        particles: n,
        step: 1e-2,
        record_every: 100,
        recorded_steps: 30,
        seed: 3,
        ..Default::default()
    };
    let model = ParticleModel::default().with_interaction(InteractionForce::attraction_repulsion());
    let data = simulate(&model, &InitialDistribution::paper_three_clusters(), &config).unwrap();
    let mut x = data.snapshot(0, data.time_points() - 1).to_vec();
    x.sort_by(f64::total_cmp);
    let centre = x.iter().sum::<f64>() / n as f64;
    for (i, xi) in x.iter().enumerate() {
        let expected = centre + (2.0 * i as f64 + 1.0 - n as f64) / n as f64;
        assert!((xi - expected).abs() < 1e-6, "rank {i}: {xi} vs {expected}");
    }
}

fn rich_model() -> ParticleModel {
    ParticleModel::default()
        .with_interaction(InteractionForce::attraction_repulsion())
        .with_external_force(|x| 0.1 * x)
        .with_diffusion(Diffusion::field(|x: f64| 0.2_f64.sqrt() * (x - 2.0).abs()))
}

fn custom_model() -> ParticleModel {
    ParticleModel::default()
        .with_interaction(InteractionForce::custom(|r: f64| r - r.signum() + 0.1 * r.powi(3)))
        .with_diffusion(Diffusion::Constant(0.3))
}

fn run_in_pool(threads: usize, model: &ParticleModel, config: &SimulationConfig) -> Trajectories {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| simulate(model, &InitialDistribution::paper_three_clusters(), config)).unwrap()
}

fn bits(data: &Trajectories) -> Vec<u64> {
    data.positions().iter().map(|v| v.to_bits()).collect()
}

#[test]
fn same_seed_is_bit_identical_on_any_thread_count() {
    let config = SimulationConfig {
        particles: 1500,
        experiments: 3,
        recorded_steps: 10,
        seed: 42,
        noise_ratio: 0.05,
        ..Default::default()
    };
    // the O(N²) custom force on fewer particles
    let custom_config = SimulationConfig { particles: 300, record_every: 5, ..config };
    for (model, config) in [(rich_model(), config), (custom_model(), custom_config)] {
        let one = run_in_pool(1, &model, &config);
        let two = run_in_pool(2, &model, &config);
        assert_eq!(bits(&one), bits(&two), "{model:?}");
        let other = run_in_pool(2, &model, &SimulationConfig { seed: 43, ..config });
        let differing = one.positions().iter().zip(other.positions()).filter(|(a, b)| a != b).count();
        assert_eq!(differing, one.positions().len(), "different seeds must give different data");
        // experiments use different streams
        assert_ne!(one.snapshot(0, 0), one.snapshot(1, 0));
    }
}

/// Y = X + ε ‖X_t‖_RMS ξ: (Y − X)/‖X_t‖_RMS has mean 0 and std ε. X is the run without
/// observation noise (same seed: the dynamics use their own stream). With n samples the std
/// estimate has standard error ≈ ε/√(2n) and the mean ε/√n; tolerance 5 standard errors.
#[test]
fn extrinsic_noise_has_the_requested_ratio() {
    let epsilon = 0.1;
    let clean_config = SimulationConfig {
        particles: 2000,
        experiments: 2,
        recorded_steps: 10,
        seed: 9,
        ..Default::default()
    };
    let noisy_config = SimulationConfig { noise_ratio: epsilon, ..clean_config };
    let model = ParticleModel::default().with_interaction(InteractionForce::attraction_repulsion());
    let initial = InitialDistribution::paper_three_clusters();
    let clean = simulate(&model, &initial, &clean_config).unwrap();
    let noisy = simulate(&model, &initial, &noisy_config).unwrap();
    let mut ratios = Vec::new();
    for m in 0..clean.experiments() {
        for l in 0..clean.time_points() {
            let x = clean.snapshot(m, l);
            let y = noisy.snapshot(m, l);
            let rms = (x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64).sqrt();
            ratios.extend(x.iter().zip(y).map(|(xi, yi)| (yi - xi) / rms));
        }
    }
    let n = ratios.len() as f64;
    let mean = ratios.iter().sum::<f64>() / n;
    let std = (ratios.iter().map(|r| (r - mean) * (r - mean)).sum::<f64>() / (n - 1.0)).sqrt();
    eprintln!(
        "extrinsic noise: std ratio {std} (ε = {epsilon} ± {}), mean {mean}",
        5.0 * epsilon / (2.0 * n).sqrt()
    );
    assert!(mean.abs() < 5.0 * epsilon / n.sqrt(), "mean ratio {mean}");
    assert!((std - epsilon).abs() < 5.0 * epsilon / (2.0 * n).sqrt(), "std ratio {std}, expected {epsilon}");
}

#[test]
fn times_and_shape() {
    let config = SimulationConfig {
        particles: 10,
        experiments: 2,
        step: 0.002,
        record_every: 5,
        recorded_steps: 7,
        ..Default::default()
    };
    let data = simulate(
        &ParticleModel::default(),
        &InitialDistribution::Uniform { lower: -1.0, upper: 2.0 },
        &config,
    )
    .unwrap();
    assert_eq!(data.positions().len(), 2 * 8 * 10);
    for (l, &t) in data.times().iter().enumerate() {
        assert!((t - l as f64 * 0.01).abs() < 1e-15);
    }
    // no forces, no noise: particles stay where they started, inside the uniform's support
    for m in 0..2 {
        assert_eq!(data.snapshot(m, 0), data.snapshot(m, 7));
        assert!(data.snapshot(m, 0).iter().all(|&x| (-1.0..2.0).contains(&x)));
    }
}

fn run(model: &ParticleModel, initial: &InitialDistribution, config: &SimulationConfig) -> SimError {
    simulate(model, initial, config).expect_err("bad input must be an error")
}

#[test]
fn bad_configuration_is_an_error() {
    let model = rich_model();
    let initial = InitialDistribution::paper_three_clusters();
    let good = SimulationConfig { particles: 10, recorded_steps: 2, ..Default::default() };
    assert!(simulate(&model, &initial, &good).is_ok());
    let too_small = [
        ("particles", SimulationConfig { particles: 0, ..good }),
        ("experiments", SimulationConfig { experiments: 0, ..good }),
        ("record_every", SimulationConfig { record_every: 0, ..good }),
        ("recorded_steps", SimulationConfig { recorded_steps: 0, ..good }),
    ];
    for (name, config) in too_small {
        assert!(
            matches!(run(&model, &initial, &config), SimError::TooSmall { what, min: 1, got: 0 } if what == name),
            "{name}"
        );
    }
    for step in [0.0, -1e-3, f64::NAN, f64::INFINITY] {
        let err = run(&model, &initial, &SimulationConfig { step, ..good });
        assert!(matches!(err, SimError::InvalidParameter { what: "time step", .. }), "{err}");
    }
    for noise_ratio in [-0.1, f64::NAN, f64::INFINITY] {
        let err = run(&model, &initial, &SimulationConfig { noise_ratio, ..good });
        assert!(matches!(err, SimError::InvalidParameter { what: "noise ratio", .. }), "{err}");
    }
    let err = run(
        &model,
        &initial,
        &SimulationConfig { step: 1e300, record_every: 100_000, recorded_steps: 100_000, ..good },
    );
    assert!(matches!(err, SimError::InvalidParameter { .. }), "{err}");
    // sizes that overflow or cannot be allocated
    let err = run(&model, &initial, &SimulationConfig { particles: usize::MAX / 2, ..good });
    assert!(matches!(err, SimError::TooLarge { .. }), "{err}");
    let err = run(&model, &initial, &SimulationConfig { particles: 1 << 40, recorded_steps: 1000, ..good });
    assert!(matches!(err, SimError::TooLarge { .. }), "{err}");
    let err = run(&model, &initial, &SimulationConfig { record_every: usize::MAX, ..good });
    assert!(matches!(err, SimError::TooLarge { .. } | SimError::InvalidParameter { .. }), "{err}");
}

#[test]
fn bad_model_is_an_error() {
    let initial = InitialDistribution::paper_three_clusters();
    let config = SimulationConfig { particles: 10, recorded_steps: 2, ..Default::default() };
    for sigma in [-1.0, f64::NAN, f64::INFINITY] {
        let model = ParticleModel::default().with_diffusion(Diffusion::Constant(sigma));
        let err = run(&model, &initial, &config);
        assert!(matches!(err, SimError::InvalidParameter { what: "diffusion σ", .. }), "{err}");
    }
    let model = ParticleModel::default()
        .with_interaction(InteractionForce::PolySign { poly: vec![0.0, f64::NAN], sign_poly: vec![] });
    assert!(matches!(run(&model, &initial, &config), SimError::InvalidEntry { what: "poly", index: 1, .. }));
    let model = ParticleModel::default().with_interaction(InteractionForce::PolySign {
        poly: vec![],
        sign_poly: vec![1.0; MAX_POLY_DEGREE + 2],
    });
    assert!(matches!(run(&model, &initial, &config), SimError::DegreeTooHigh { .. }));
}

#[test]
fn bad_initial_distribution_is_an_error() {
    let model = ParticleModel::default();
    let config = SimulationConfig { particles: 10, recorded_steps: 2, ..Default::default() };
    let mixture = |means: Vec<f64>, stds: Vec<f64>, weights: Vec<f64>| InitialDistribution::GaussianMixture {
        means,
        stds,
        weights,
    };
    let cases = [
        (mixture(vec![], vec![], vec![]), "mixture components"),
        (mixture(vec![0.0, 1.0], vec![1.0], vec![1.0, 1.0]), "mixture stds"),
        (mixture(vec![0.0, 1.0], vec![1.0, 1.0], vec![1.0]), "mixture weights"),
        (mixture(vec![0.0, f64::NAN], vec![1.0, 1.0], vec![1.0, 1.0]), "mixture means"),
        (mixture(vec![0.0, 1.0], vec![1.0, 0.0], vec![1.0, 1.0]), "mixture stds"),
        (mixture(vec![0.0, 1.0], vec![-1.0, 1.0], vec![1.0, 1.0]), "mixture stds"),
        (mixture(vec![0.0, 1.0], vec![1.0, f64::INFINITY], vec![1.0, 1.0]), "mixture stds"),
        (mixture(vec![0.0, 1.0], vec![1.0, 1.0], vec![1.0, 0.0]), "mixture weights"),
        (mixture(vec![0.0, 1.0], vec![1.0, 1.0], vec![-1.0, 1.0]), "mixture weights"),
        (mixture(vec![0.0, 1.0], vec![1.0, 1.0], vec![f64::MAX, f64::MAX]), "sum of mixture weights"),
        (InitialDistribution::Uniform { lower: 1.0, upper: 1.0 }, "uniform upper bound"),
        (InitialDistribution::Uniform { lower: 1.0, upper: 0.0 }, "uniform upper bound"),
        (InitialDistribution::Uniform { lower: f64::NAN, upper: 0.0 }, "uniform lower bound"),
        (InitialDistribution::Uniform { lower: -f64::MAX, upper: f64::MAX }, "uniform upper bound"),
    ];
    for (initial, name) in cases {
        let err = run(&model, &initial, &config);
        let named = match &err {
            SimError::TooSmall { what, .. }
            | SimError::LengthMismatch { what, .. }
            | SimError::InvalidEntry { what, .. }
            | SimError::InvalidParameter { what, .. } => *what,
            _ => "",
        };
        assert_eq!(named, name, "{initial:?}: {err}");
    }
    // valid parameters whose draws overflow are reported, not returned as data
    let huge = mixture(vec![f64::MAX], vec![f64::MAX], vec![1.0]);
    let err = run(&model, &huge, &SimulationConfig { particles: 100, ..config });
    assert!(matches!(err, SimError::NonFinitePosition { .. }), "{err}");
}

#[test]
fn blow_up_names_the_step() {
    let initial = InitialDistribution::gaussian(1.0, 0.01);
    let config = SimulationConfig {
        particles: 10,
        step: 0.01,
        record_every: 10,
        recorded_steps: 100,
        ..Default::default()
    };
    // dX = X³ dt explodes at t ≈ 0.5; explicit Euler overflows a little later
    let model = ParticleModel::default().with_external_force(|x| -x * x * x);
    let err = run(&model, &initial, &config);
    let SimError::BlowUp { experiment: 0, step, time, .. } = err else {
        panic!("expected a blow-up, got {err}")
    };
    assert!((40..=1000).contains(&step), "step {step}");
    assert!((time - step as f64 * 0.01).abs() < 1e-12);
    // the same step every time
    assert_eq!(run(&model, &initial, &config), err);
    // a force or diffusion returning NaN stops at the first step
    let nan_force = ParticleModel::default().with_interaction(InteractionForce::custom(|_| f64::NAN));
    assert!(matches!(run(&nan_force, &initial, &config), SimError::BlowUp { step: 1, .. }));
    let nan_sigma = ParticleModel::default().with_diffusion(Diffusion::Field(Arc::new(|_| f64::NAN)));
    assert!(matches!(run(&nan_sigma, &initial, &config), SimError::BlowUp { step: 1, .. }));
    // the first blown-up experiment in index order is reported
    let many = SimulationConfig { experiments: 4, ..config };
    assert!(matches!(run(&model, &initial, &many), SimError::BlowUp { experiment: 0, .. }));
}
