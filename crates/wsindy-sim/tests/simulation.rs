//! Checks of the simulator in d = 1, 2, 3 against theory (moments within standard errors of
//! closed forms), determinism on any thread count, initial laws, extrinsic noise and input
//! validation.

use wsindy_core::{RadialKernel, Trajectories};
use wsindy_sim::{
    Diffusion, InitialLaw, Interaction, KELLER_SEGEL_CRITICAL_SIGMA, Model, SMatrix, SVector, SimError,
    SimulationConfig, simulate,
};

/// The points of one snapshot (coordinate fastest).
fn points<const D: usize>(snapshot: &[f64]) -> Vec<SVector<f64, D>> {
    snapshot.chunks_exact(D).map(SVector::from_column_slice).collect()
}

/// Sample mean and (unbiased) covariance.
fn moments<const D: usize>(points: &[SVector<f64, D>]) -> (SVector<f64, D>, SMatrix<f64, D, D>) {
    let n = points.len() as f64;
    let mean = points.iter().sum::<SVector<f64, D>>() / n;
    let cov =
        points.iter().map(|p| (p - mean) * (p - mean).transpose()).sum::<SMatrix<f64, D, D>>() / (n - 1.0);
    (mean, cov)
}

/// Checks the sample moments of Gaussian data with exact mean `m` and covariance `c` to 5
/// standard errors: mean √(c_kk/N), variance c_kk √(2/(N−1)), covariance √((c_kk c_ll + c_kl²)/N);
/// `extra` widens the mean and (co)variance tolerances by a known bias.
fn assert_gaussian_moments<const D: usize>(
    what: &str,
    points: &[SVector<f64, D>],
    m: SVector<f64, D>,
    c: SMatrix<f64, D, D>,
    extra: [f64; 2],
) {
    let n = points.len() as f64;
    let (mean, cov) = moments(points);
    for k in 0..D {
        let tol = 5.0 * (c[(k, k)] / n).sqrt() + extra[0];
        assert!((mean[k] - m[k]).abs() < tol, "{what}: mean[{k}] {} vs {} ± {tol}", mean[k], m[k]);
        for l in 0..D {
            let tol = if k == l {
                5.0 * c[(k, k)] * (2.0 / (n - 1.0)).sqrt()
            } else {
                5.0 * ((c[(k, k)] * c[(l, l)] + c[(k, l)] * c[(k, l)]) / n).sqrt()
            } + extra[1];
            let (got, want) = (cov[(k, l)], c[(k, l)]);
            assert!((got - want).abs() < tol, "{what}: cov[{k}, {l}] {got} vs {want} ± {tol}");
        }
    }
}

/// Ornstein–Uhlenbeck dX = −X dt + σ dB from N(m0, diag(s0²)): at time t each coordinate has
/// mean m0 e^{−t} and variance σ²/2 (1 − e^{−2t}) + s0² e^{−2t}, the coordinates independent.
/// Tolerance: 5 standard errors plus the Euler–Maruyama bias, known in closed form for this
/// linear SDE: mean m0 (1−h)^n and variance a^n s0² + σ² h (1 − a^n)/(1 − a), a = (1−h)².
fn ornstein_uhlenbeck<const D: usize>(m0: [f64; D], s0: [f64; D], sigma: f64) {
    let config = SimulationConfig { particles: 20_000, seed: 2024, ..Default::default() };
    let model = Model::<D>::default().with_external_force(|x| *x).with_diffusion(Diffusion::Isotropic(sigma));
    let (m0, s0) = (SVector::from(m0), SVector::from(s0));
    let data = simulate(&model, &InitialLaw::gaussian(m0, s0), &config).unwrap();
    let last = data.time_points() - 1;
    let t = data.times()[last];
    assert!((t - 1.0).abs() < 1e-12);
    let h = config.step;
    let steps = (config.record_every * config.recorded_steps) as i32;
    let a = (1.0 - h) * (1.0 - h);
    let mean = m0 * (-t).exp();
    let var = s0.map(|s| sigma * sigma / 2.0 * (1.0 - (-2.0 * t).exp()) + s * s * (-2.0 * t).exp());
    let euler_mean = m0 * (1.0 - h).powi(steps);
    let euler_var = s0.map(|s| a.powi(steps) * s * s + sigma * sigma * h * (1.0 - a.powi(steps)) / (1.0 - a));
    let bias = [(euler_mean - mean).amax(), (euler_var - var).amax()];
    eprintln!("OU {D}D: exact variances {var:?}, Euler biases {bias:?}");
    assert_gaussian_moments("OU", &points(data.snapshot(0, last)), mean, SMatrix::from_diagonal(&var), bias);
    // the initial snapshot is the initial law
    let initial = SMatrix::from_diagonal(&s0.component_mul(&s0));
    assert_gaussian_moments("OU initial law", &points(data.snapshot(0, 0)), m0, initial, [0.0; 2]);
}

#[test]
fn ornstein_uhlenbeck_moments_1d() {
    ornstein_uhlenbeck([1.0], [0.5], 1.0);
}

#[test]
fn ornstein_uhlenbeck_moments_2d() {
    ornstein_uhlenbeck([1.0, -0.5], [0.5, 0.25], 0.8);
}

#[test]
fn ornstein_uhlenbeck_moments_3d() {
    ornstein_uhlenbeck([1.0, -0.5, 0.25], [0.5, 0.25, 1.0], 0.6);
}

/// Brownian motion with constant drift: X_T = X_0 + v T + S B_T, so mean m0 + v T and
/// covariance diag(s0²) + S Sᵀ T. Euler–Maruyama is exact here; tolerance 5 standard errors.
fn brownian_motion_with_drift<const D: usize>(
    v: SVector<f64, D>,
    diffusion: Diffusion<D>,
    sst: SMatrix<f64, D, D>,
) {
    let config = SimulationConfig {
        particles: 20_000,
        step: 1e-2,
        record_every: 10,
        recorded_steps: 10,
        seed: 7,
        ..Default::default()
    };
    let (m0, s0) = (SVector::from_fn(|k, _| 0.5 - k as f64), SVector::from_fn(|k, _| 0.3 - 0.1 * k as f64));
    let model = Model::<D>::default().with_external_force(move |_| -v).with_diffusion(diffusion);
    let data = simulate(&model, &InitialLaw::gaussian(m0, s0), &config).unwrap();
    let last = data.time_points() - 1;
    let t = data.times()[last];
    let c = SMatrix::from_diagonal(&s0.component_mul(&s0)) + sst * t;
    assert_gaussian_moments(
        "Brownian with drift",
        &points(data.snapshot(0, last)),
        m0 + v * t,
        c,
        [1e-12; 2],
    );
}

#[test]
fn brownian_motion_with_drift_matches_exact_moments() {
    let sigma = 0.7;
    let v2 = SVector::from([1.0, -2.0]);
    brownian_motion_with_drift(
        v2,
        Diffusion::Isotropic(sigma),
        SMatrix::from_diagonal_element(sigma * sigma),
    );
    let s = SMatrix::<f64, 2, 2>::new(1.0, 0.5, 0.0, 0.8);
    brownian_motion_with_drift(v2, Diffusion::field(move |_| s), s * s.transpose());
    let s3 = SMatrix::<f64, 3, 3>::new(1.0, 0.5, 0.0, 0.0, 0.8, 0.3, -0.2, 0.0, 0.6);
    brownian_motion_with_drift(
        SVector::from([0.5, 0.0, -1.0]),
        Diffusion::field(move |_| s3),
        s3 * s3.transpose(),
    );
    brownian_motion_with_drift(
        SVector::from([0.3]),
        Diffusion::field(|_| SMatrix::from_element(0.4)),
        SMatrix::from_element(0.16),
    );
}

/// K = ½|x|² alone (∇K = x, σ = 0): the mean-field force is x_i − mean, so every particle's
/// distance to the (conserved) centre of mass shrinks by exactly (1 − h) per Euler step.
fn quadratic_attraction_contracts_geometrically<const D: usize>(initial: InitialLaw<D>) {
    let config = SimulationConfig { particles: 3000, recorded_steps: 20, seed: 5, ..Default::default() };
    let model =
        Model::default().with_interaction(Interaction::new().plus(0.5, RadialKernel::Power { power: 2.0 }));
    let data = simulate(&model, &initial, &config).unwrap();
    let x0 = points::<D>(data.snapshot(0, 0));
    let centre = moments(&x0).0;
    for l in [1, 10, 20] {
        let factor = (1.0 - config.step).powi((l * config.record_every) as i32);
        let x = points::<D>(data.snapshot(0, l));
        assert!((moments(&x).0 - centre).amax() < 1e-12, "centre of mass moved");
        for (xi, x0i) in x.iter().zip(&x0) {
            let expected = centre + factor * (x0i - centre);
            assert!((xi - expected).amax() < 1e-10, "{xi} vs {expected}");
        }
    }
}

#[test]
fn quadratic_attraction_contracts_geometrically_1d_and_3d() {
    // 1D: the O(N log N) path; 3D: the pair sum
    quadratic_attraction_contracts_geometrically(InitialLaw::paper_three_clusters());
    quadratic_attraction_contracts_geometrically(InitialLaw::<3>::isotropic_gaussian(
        SVector::repeat(1.0),
        0.7,
    ));
}

/// K = ½x² − |x| with σ = 0 in 1D: the steady state is uniform of width 2 around the centre of
/// mass; for N particles the exact fixed point is x_(i) = c + (2i + 1 − N)/N (rank i), reached
/// at rate e^{−t} once the ranks are settled. After t = 30: within 1e-6.
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
    let model = Model::default().with_interaction(Interaction::attraction_repulsion());
    let data = simulate(&model, &InitialLaw::paper_three_clusters(), &config).unwrap();
    let mut x = data.snapshot(0, data.time_points() - 1).to_vec();
    x.sort_by(f64::total_cmp);
    let centre = x.iter().sum::<f64>() / n as f64;
    for (i, xi) in x.iter().enumerate() {
        let expected = centre + (2.0 * i as f64 + 1.0 - n as f64) / n as f64;
        assert!((xi - expected).abs() < 1e-6, "rank {i}: {xi} vs {expected}");
    }
}

fn run_in_pool<const D: usize>(
    threads: usize,
    model: &Model<D>,
    initial: &InitialLaw<D>,
    config: &SimulationConfig,
) -> Trajectories {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| simulate(model, initial, config)).unwrap()
}

fn bits(data: &Trajectories) -> Vec<u64> {
    data.positions().iter().map(|v| v.to_bits()).collect()
}

/// Same seed ⇒ bit-identical data on 1 and 2 threads; another seed changes every value, and
/// experiments draw from different streams.
fn bit_identical_on_any_thread_count<const D: usize>(
    model: Model<D>,
    initial: InitialLaw<D>,
    config: SimulationConfig,
) {
    let one = run_in_pool(1, &model, &initial, &config);
    let two = run_in_pool(2, &model, &initial, &config);
    assert_eq!(bits(&one), bits(&two), "{model:?}");
    assert_eq!((one.experiments(), one.particles(), one.dim()), (config.experiments, config.particles, D));
    let other = run_in_pool(2, &model, &initial, &SimulationConfig { seed: config.seed + 1, ..config });
    let differing = one.positions().iter().zip(other.positions()).filter(|(a, b)| a != b).count();
    assert_eq!(differing, one.positions().len(), "different seeds must give different data");
    assert_ne!(one.snapshot(0, 0), one.snapshot(1, 0), "experiments must use different streams");
}

/// Several force tiles and particle blocks (N > 2 · RNG_BLOCK), extrinsic noise, every
/// interaction path and diffusion kind.
#[test]
fn same_seed_is_bit_identical_on_any_thread_count() {
    let config = SimulationConfig {
        particles: 2100,
        experiments: 2,
        step: 1e-3,
        record_every: 2,
        recorded_steps: 3,
        seed: 42,
        noise_ratio: 0.05,
    };
    let sigma_field = |x: &SVector<f64, 1>| SMatrix::from_element(0.2_f64.sqrt() * (x[0] - 2.0).abs());
    let line = Model::<1>::default()
        .with_interaction(Interaction::attraction_repulsion())
        .with_external_force(|x| 0.1 * x)
        .with_diffusion(Diffusion::field(sigma_field));
    bit_identical_on_any_thread_count(line, InitialLaw::paper_three_clusters(), config);
    let custom = Model::<1>::default()
        .with_interaction(Interaction::new().with_profile(|r| r - 1.0 + 0.1 * r.powi(3)))
        .with_diffusion(Diffusion::Isotropic(0.3));
    bit_identical_on_any_thread_count(
        custom,
        InitialLaw::paper_three_clusters(),
        SimulationConfig { particles: 1100, ..config },
    );
    let planar = Model::keller_segel(KELLER_SEGEL_CRITICAL_SIGMA)
        .with_external_force(|p| SVector::from([0.1 * p[0], 0.2 * p[1]]));
    bit_identical_on_any_thread_count(planar, InitialLaw::paper_keller_segel(), config);
    bit_identical_on_any_thread_count(
        Model::local2d(20.0),
        InitialLaw::paper_local2d(),
        SimulationConfig { step: 1e-4, ..config },
    );
    let trap = Model::<3>::trapped_attraction_repulsion(SVector::from([1.0, 2.0, 3.0]), 0.4);
    bit_identical_on_any_thread_count(trap, InitialLaw::isotropic_gaussian(SVector::zeros(), 1.0), config);
    let pair = Model::<3>::default()
        .with_interaction(Interaction::new().with_pair_force(|d: &SVector<f64, 3>| d.map(|v| v.powi(3))))
        .with_diffusion(Diffusion::field(|x: &SVector<f64, 3>| {
            SMatrix::from_diagonal(&x.map(|v| 0.1 + v.abs()))
        }));
    bit_identical_on_any_thread_count(
        pair,
        InitialLaw::UniformBall { centre: SVector::zeros(), radius: 1.0 },
        SimulationConfig { particles: 1100, ..config },
    );
}

/// Y = X + ε ‖X_t‖_RMS ξ: (Y − X)/‖X_t‖_RMS has mean 0 and std ε (RMS over all coordinates of
/// the snapshot). X is the run without observation noise (same seed: the dynamics use their own
/// streams). With n samples the std estimate has standard error ≈ ε/√(2n), the mean ε/√n;
/// tolerance 5 standard errors, per coordinate.
fn extrinsic_noise_has_the_requested_ratio<const D: usize>(model: Model<D>, initial: InitialLaw<D>) {
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
    let clean = simulate(&model, &initial, &clean_config).unwrap();
    let noisy = simulate(&model, &initial, &noisy_config).unwrap();
    let mut ratios = vec![Vec::new(); D];
    for m in 0..clean.experiments() {
        for l in 0..clean.time_points() {
            let (x, y) = (clean.snapshot(m, l), noisy.snapshot(m, l));
            let rms = (x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64).sqrt();
            for (k, (xi, yi)) in x.iter().zip(y).enumerate() {
                ratios[k % D].push((yi - xi) / rms);
            }
        }
    }
    for ratios in ratios {
        let n = ratios.len() as f64;
        let mean = ratios.iter().sum::<f64>() / n;
        let std = (ratios.iter().map(|r| (r - mean) * (r - mean)).sum::<f64>() / (n - 1.0)).sqrt();
        assert!(mean.abs() < 5.0 * epsilon / n.sqrt(), "{D}D: mean ratio {mean}");
        assert!(
            (std - epsilon).abs() < 5.0 * epsilon / (2.0 * n).sqrt(),
            "{D}D: std ratio {std}, expected {epsilon}"
        );
    }
}

#[test]
fn extrinsic_noise_has_the_requested_ratio_in_every_dimension() {
    let line = Model::<1>::default().with_interaction(Interaction::attraction_repulsion());
    extrinsic_noise_has_the_requested_ratio(line, InitialLaw::paper_three_clusters());
    let planar = Model::keller_segel(0.0).with_external_force(|_| SVector::from([-3.0, 1.0]));
    extrinsic_noise_has_the_requested_ratio(planar, InitialLaw::paper_keller_segel());
    let trap = Model::<3>::trapped_attraction_repulsion(SVector::from([1.0, 2.0, 3.0]), 0.0);
    extrinsic_noise_has_the_requested_ratio(trap, InitialLaw::isotropic_gaussian(SVector::repeat(2.0), 1.0));
}

#[test]
fn times_shape_and_uniform_box() {
    let config = SimulationConfig {
        particles: 10,
        experiments: 2,
        step: 0.002,
        record_every: 5,
        recorded_steps: 7,
        ..Default::default()
    };
    let (lower, upper) = (SVector::from([-1.0, 0.0, 5.0]), SVector::from([2.0, 0.5, 6.0]));
    let data = simulate(&Model::default(), &InitialLaw::UniformBox { lower, upper }, &config).unwrap();
    assert_eq!(data.positions().len(), 2 * 8 * 10 * 3);
    for (l, &t) in data.times().iter().enumerate() {
        assert!((t - l as f64 * 0.01).abs() < 1e-15);
    }
    // no forces, no noise: particles stay where they started, inside the box
    for m in 0..2 {
        assert_eq!(data.snapshot(m, 0), data.snapshot(m, 7));
        for p in points::<3>(data.snapshot(m, 0)) {
            assert!((0..3).all(|k| (lower[k]..upper[k]).contains(&p[k])), "{p}");
        }
    }
}

/// Uniform on the ball of radius R around c in ℝᵈ: every point within R (up to rounding),
/// r² = R² U^{2/d} with U uniform, so E r² = R² d/(d+2) and Var r² = R⁴ (d/(d+4) − d²/(d+2)²);
/// the mean position is c with variance R²/(d+2) per coordinate. Tolerance 5 standard errors.
fn uniform_ball_initial_law<const D: usize>(centre: SVector<f64, D>, radius: f64) {
    let config = SimulationConfig {
        particles: 30_000,
        recorded_steps: 1,
        record_every: 1,
        seed: 3,
        ..Default::default()
    };
    let data = simulate(&Model::default(), &InitialLaw::UniformBall { centre, radius }, &config).unwrap();
    let x = points::<D>(data.snapshot(0, 0));
    let (n, d) = (x.len() as f64, D as f64);
    let r2: Vec<f64> = x.iter().map(|p| (p - centre).norm_squared()).collect();
    assert!(r2.iter().all(|&v| v.sqrt() <= radius * (1.0 + 1e-12)));
    let mean_r2 = r2.iter().sum::<f64>() / n;
    let var_r2 = radius.powi(4) * (d / (d + 4.0) - d * d / ((d + 2.0) * (d + 2.0)));
    let tol = 5.0 * (var_r2 / n).sqrt();
    assert!((mean_r2 - radius * radius * d / (d + 2.0)).abs() < tol, "{D}D: mean r² {mean_r2} ± {tol}");
    let (mean, _) = moments(&x);
    assert!((mean - centre).amax() < 5.0 * radius / ((d + 2.0) * n).sqrt(), "{D}D: mean {mean}");
}

#[test]
fn uniform_ball_initial_law_in_every_dimension() {
    uniform_ball_initial_law(SVector::from([0.5]), 1.5);
    uniform_ball_initial_law(SVector::from([1.0, -2.0]), 2.0);
    uniform_ball_initial_law(SVector::from([1.0, -2.0, 0.5]), 0.5);
}

/// Without diffusion or external force the pair forces are antisymmetric, so the centre of mass
/// stays put (to rounding, 1e-12), and the attraction shrinks the cloud.
#[test]
fn interaction_conserves_centre_of_mass() {
    let config = SimulationConfig {
        particles: 800,
        step: 0.0025,
        record_every: 40,
        recorded_steps: 4,
        seed: 11,
        ..Default::default()
    };
    let data = simulate(&Model::keller_segel(0.0), &InitialLaw::paper_keller_segel(), &config).unwrap();
    let (c0, v0) = moments(&points::<2>(data.snapshot(0, 0)));
    let (c1, v1) = moments(&points::<2>(data.snapshot(0, data.time_points() - 1)));
    assert!((c0 - c1).amax() < 1e-12, "{c0} → {c1}");
    assert!(v1.trace() < v0.trace());
    let model = Model::<3>::default().with_interaction(Interaction::attraction_repulsion());
    let data = simulate(&model, &InitialLaw::isotropic_gaussian(SVector::repeat(1.0), 2.0), &config).unwrap();
    let c0 = moments(&points::<3>(data.snapshot(0, 0))).0;
    let c1 = moments(&points::<3>(data.snapshot(0, data.time_points() - 1))).0;
    assert!((c0 - c1).amax() < 1e-12, "{c0} → {c1}");
}

/// The 3D example to come: K = ½|x|² − |x| in the trap V = ½ Σ a_k x_k², constant σ, from a 3D
/// Gaussian. Its pieces are what they say, and a short run stays finite and near the trap.
#[test]
fn trapped_attraction_repulsion_in_3d() {
    let a = SVector::from([1.0, 2.0, 4.0]);
    let model = Model::<3>::trapped_attraction_repulsion(a, 0.5);
    let x = SVector::from([0.5, -1.0, 2.0]);
    assert_eq!(model.external_force.as_ref().unwrap()(&x), SVector::from([0.5, -2.0, 8.0]));
    assert_eq!(
        model.interaction.terms,
        [(0.5, RadialKernel::Power { power: 2.0 }), (-1.0, RadialKernel::Power { power: 1.0 })]
    );
    assert!(matches!(model.diffusion, Diffusion::Isotropic(s) if s == 0.5));
    let config = SimulationConfig {
        particles: 500,
        record_every: 10,
        recorded_steps: 20,
        seed: 1,
        ..Default::default()
    };
    let initial = InitialLaw::gaussian(SVector::from([1.0, 0.0, -1.0]), SVector::from([1.0, 0.5, 0.25]));
    let data = simulate(&model, &initial, &config).unwrap();
    let last = data.time_points() - 1;
    let (mean, _) = moments(&points::<3>(data.snapshot(0, last)));
    // the centre of mass feels only the trap: E X_t = E X_0 e^{−a t}; 0.1 is over 5 standard
    // errors of the initial mean (1/√500) and the noise
    let t = data.times()[last];
    let expected = SVector::from([(-a[0] * t).exp(), 0.0, -(-a[2] * t).exp()]);
    assert!((mean - expected).amax() < 0.1, "{mean} vs {expected}");
}

fn run<const D: usize>(model: &Model<D>, initial: &InitialLaw<D>, config: &SimulationConfig) -> SimError {
    simulate(model, initial, config).expect_err("bad input must be an error")
}

#[test]
fn bad_configuration_is_an_error() {
    let model = Model::<1>::default()
        .with_interaction(Interaction::attraction_repulsion())
        .with_diffusion(Diffusion::Isotropic(0.1));
    let initial = InitialLaw::paper_three_clusters();
    let good = SimulationConfig { particles: 10, recorded_steps: 2, ..Default::default() };
    assert!(simulate(&model, &initial, &good).is_ok());
    let too_small = [
        ("particles", SimulationConfig { particles: 0, ..good }),
        ("experiments", SimulationConfig { experiments: 0, ..good }),
        ("record_every", SimulationConfig { record_every: 0, ..good }),
        ("recorded_steps", SimulationConfig { recorded_steps: 0, ..good }),
    ];
    for (name, config) in too_small {
        let err = run(&model, &initial, &config);
        assert!(matches!(err, SimError::TooSmall { what, min: 1, got: 0 } if what == name), "{name}: {err}");
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
    let err = run(
        &Model::<0>::default(),
        &InitialLaw::UniformBall { centre: SVector::zeros(), radius: 1.0 },
        &good,
    );
    assert!(matches!(err, SimError::UnsupportedDimension { dim: 0 }), "{err}");
    let err = run(
        &Model::<4>::default(),
        &InitialLaw::UniformBall { centre: SVector::zeros(), radius: 1.0 },
        &good,
    );
    assert!(matches!(err, SimError::UnsupportedDimension { dim: 4 }), "{err}");
}

/// Bad σ, coefficients and kernel parameters are errors naming the bad value.
#[test]
fn bad_model_is_an_error() {
    let initial = InitialLaw::paper_keller_segel();
    let config = SimulationConfig { particles: 10, recorded_steps: 2, ..Default::default() };
    for sigma in [-1.0, f64::NAN, f64::INFINITY] {
        let err = run(&Model::keller_segel(sigma), &initial, &config);
        assert!(
            matches!(err, SimError::InvalidParameter { what: "diffusion σ", value, .. } if value.to_bits() == sigma.to_bits()),
            "{err}"
        );
    }
    for delta in [0.0, -0.01, f64::NAN, f64::INFINITY] {
        for kernel in [
            RadialKernel::Log { delta },
            RadialKernel::Sqrt { delta },
            RadialKernel::LinearLog { delta },
            RadialKernel::Exponential { length: delta },
            RadialKernel::Power { power: delta },
        ] {
            let force = Interaction::new().plus(1.0, RadialKernel::Power { power: 2.0 }).plus(1.0, kernel);
            let err = run(&Model::default().with_interaction(force), &initial, &config);
            let SimError::InvalidKernel {
                index: 1,
                source: wsindy_core::CoreError::InvalidParameter { value, .. },
                ..
            } = err
            else {
                panic!("{kernel:?}: {err}")
            };
            assert_eq!(value.to_bits(), delta.to_bits(), "{err}");
            assert!(err.to_string().contains("interaction term 1"), "{err}");
        }
    }
    for coefficient in [f64::NAN, f64::INFINITY] {
        let force = Interaction::new().plus(coefficient, RadialKernel::Power { power: 2.0 });
        let err = run(&Model::default().with_interaction(force), &initial, &config);
        assert!(
            matches!(err, SimError::InvalidEntry { what: "interaction coefficients", index: 0, .. }),
            "{err}"
        );
    }
}

#[test]
fn bad_initial_law_is_an_error() {
    let model = Model::<2>::default();
    let config = SimulationConfig { particles: 10, recorded_steps: 2, ..Default::default() };
    let v = |x: f64, y: f64| SVector::from([x, y]);
    let mixture = |means: Vec<SVector<f64, 2>>, stds: Vec<SVector<f64, 2>>, weights: Vec<f64>| {
        InitialLaw::GaussianMixture { weights, means, stds }
    };
    let one = v(1.0, 1.0);
    let cases = [
        (mixture(vec![], vec![], vec![]), "mixture components"),
        (mixture(vec![one, one], vec![one], vec![1.0, 1.0]), "mixture stds"),
        (mixture(vec![one, one], vec![one, one], vec![1.0]), "mixture weights"),
        (mixture(vec![one, v(0.0, f64::NAN)], vec![one, one], vec![1.0, 1.0]), "mixture means"),
        (mixture(vec![one, one], vec![one, v(1.0, 0.0)], vec![1.0, 1.0]), "mixture stds"),
        (mixture(vec![one, one], vec![v(-1.0, 1.0), one], vec![1.0, 1.0]), "mixture stds"),
        (mixture(vec![one, one], vec![one, v(f64::INFINITY, 1.0)], vec![1.0, 1.0]), "mixture stds"),
        (mixture(vec![one, one], vec![one, one], vec![1.0, 0.0]), "mixture weights"),
        (mixture(vec![one, one], vec![one, one], vec![f64::MAX, f64::MAX]), "sum of mixture weights"),
        (InitialLaw::UniformBox { lower: one, upper: v(2.0, 1.0) }, "uniform box upper corner"),
        (InitialLaw::UniformBox { lower: v(f64::NAN, 0.0), upper: one }, "uniform box lower corner"),
        (
            InitialLaw::UniformBox { lower: v(-f64::MAX, 0.0), upper: v(f64::MAX, 1.0) },
            "uniform box upper corner",
        ),
        (InitialLaw::UniformBall { centre: v(f64::INFINITY, 0.0), radius: 1.0 }, "ball centre"),
        (InitialLaw::UniformBall { centre: one, radius: 0.0 }, "ball radius"),
        (InitialLaw::UniformBall { centre: one, radius: f64::NAN }, "ball radius"),
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
    let huge = InitialLaw::gaussian(SVector::repeat(f64::MAX), SVector::repeat(f64::MAX));
    let err = run(&model, &huge, &SimulationConfig { particles: 100, ..config });
    assert!(matches!(err, SimError::NonFinitePosition { .. }), "{err}");
}

/// A blow-up names the experiment, the step and the particle, the same every time.
fn blow_up_names_experiment_step_and_particle<const D: usize>() {
    let initial = InitialLaw::<D>::gaussian(
        SVector::from_fn(|k, _| if k == 0 { 1.0 } else { 0.0 }),
        SVector::repeat(0.01),
    );
    let config = SimulationConfig {
        particles: 10,
        step: 0.01,
        record_every: 10,
        recorded_steps: 100,
        ..Default::default()
    };
    // dx₁ = x₁³ dt explodes at t ≈ 0.5; explicit Euler overflows a little later
    let model = Model::<D>::default()
        .with_external_force(|p| SVector::from_fn(|k, _| if k == 0 { -p[0].powi(3) } else { 0.0 }));
    let err = run(&model, &initial, &config);
    let SimError::BlowUp { experiment: 0, step, time, particle, value } = err else {
        panic!("expected a blow-up, got {err}")
    };
    assert!((40..=1000).contains(&step), "step {step}");
    assert!((time - step as f64 * 0.01).abs() < 1e-12);
    assert!(particle < 10 && !value.is_finite());
    assert_eq!(run(&model, &initial, &config), err);
    // a NaN force or diffusion stops at the first step, at particle 0
    let nan_force = Model::<D>::default().with_interaction(Interaction::new().with_profile(|_| f64::NAN));
    assert!(matches!(run(&nan_force, &initial, &config), SimError::BlowUp { step: 1, particle: 0, .. }));
    let nan_pair = Model::<D>::default()
        .with_interaction(Interaction::new().with_pair_force(|_| SVector::repeat(f64::NAN)));
    assert!(matches!(run(&nan_pair, &initial, &config), SimError::BlowUp { step: 1, particle: 0, .. }));
    let nan_sigma = Model::<D>::default().with_diffusion(Diffusion::field(|_| SMatrix::repeat(f64::NAN)));
    assert!(matches!(run(&nan_sigma, &initial, &config), SimError::BlowUp { step: 1, particle: 0, .. }));
    let many = SimulationConfig { experiments: 3, ..config };
    assert!(matches!(run(&model, &initial, &many), SimError::BlowUp { experiment: 0, .. }));
}

#[test]
fn blow_up_names_experiment_step_and_particle_in_every_dimension() {
    blow_up_names_experiment_step_and_particle::<1>();
    blow_up_names_experiment_step_and_particle::<2>();
    blow_up_names_experiment_step_and_particle::<3>();
}

/// The local 2D example's diffusion: ½σσᵀ = (1 + 0.95 cos ωx cos ωy) I, drift (1, 1).
#[test]
fn local2d_model_coefficients() {
    let model = Model::local2d(20.0);
    let Diffusion::Field(sigma) = &model.diffusion else { panic!("expected a field") };
    for p in [[0.0, 0.0], [0.3, -1.2], [2.0, 0.1]] {
        let p = SVector::from(p);
        let s = sigma(&p);
        let expected = 1.0 + 0.95 * (20.0 * p[0]).cos() * (20.0 * p[1]).cos();
        assert!((0.5 * s * s.transpose() - SMatrix::from_diagonal_element(expected)).amax() < 1e-12);
        assert_eq!((s[(0, 1)], s[(1, 0)]), (0.0, 0.0));
    }
    assert_eq!(
        model.external_force.as_ref().unwrap()(&SVector::from([0.4, 5.0])),
        SVector::from([-1.0, -1.0])
    );
    assert!(model.interaction.is_zero());
}
