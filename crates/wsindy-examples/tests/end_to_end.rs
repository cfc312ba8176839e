//! End to end: simulate the paper's nonlocal 1D example, identify it, score it against the
//! true model. Tolerances are the acceptance levels, measured with margin on these seeds.

use wsindy::{IdentifyConfig, Scores, TermKind, identify, score};
use wsindy_examples::Example as _;
use wsindy_examples::{Nonlocal1d, SigmaCase};

fn run(example: Nonlocal1d) -> (Scores, wsindy::IdentifiedModel) {
    let data = example.simulate().expect("simulation");
    let library = example.library();
    let model = identify(&data, &library, &IdentifyConfig::default()).expect("identification");
    (score(&model, &example.true_model(), &library).expect("truth in library"), model)
}

#[test]
fn noise_free_data_give_the_exact_model_within_one_percent() {
    let (s, model) = run(Nonlocal1d { sigma: SigmaCase::Zero, seed: 3, ..Nonlocal1d::default() });
    assert_eq!(s.tpr, 1.0, "{model}");
    assert!(s.rel_err_k.unwrap() < 0.01, "∇K error {:?}\n{model}", s.rel_err_k);
    assert_eq!(s.rel_err_sigma, None);
    assert!(model.selected().all(|t| t.kind == TermKind::Interaction));
}

#[test]
fn constant_diffusion_with_16000_particles_within_three_percent() {
    let (s, model) = run(Nonlocal1d {
        sigma: SigmaCase::Const,
        particles: 8000,
        experiments: 2,
        seed: 5,
        ..Default::default()
    });
    assert_eq!(s.tpr, 1.0, "{model}");
    assert!(s.rel_err_k.unwrap() < 0.03, "∇K error {:?}\n{model}", s.rel_err_k);
    assert!(s.rel_err_sigma.unwrap() < 0.03, "σ error {:?}\n{model}", s.rel_err_sigma);
    let d = model.coefficient(TermKind::Diffusion, "x^0").unwrap();
    assert!((d - 0.1).abs() < 0.006, "½σ² = {d}");
    // the identification reports its diagnostics
    assert_eq!(model.losses.len(), 100);
    assert!(model.condition_number.is_finite() && model.condition_number > 1.0);
    assert!(model.rows > model.cols);
}

#[test]
fn same_seed_same_model() {
    let ex = Nonlocal1d { particles: 2000, experiments: 1, seed: 11, ..Default::default() };
    let a = run(ex).1;
    let b = run(ex).1;
    assert_eq!(a.coefficients(), b.coefficients());
}

/// Drifting, anisotropically spreading Brownian particles in 2D: ∇V = (−0.3, 0.2) (velocity
/// (0.3, −0.2)) and ½σσᵀ = diag(0.2, 0.1), identified from a library that also offers
/// position-dependent forces, an interaction and an off-diagonal diffusion. (The loss charges
/// 1/J per term, so in a library this small every true term must carry a good share of b.)
#[test]
fn planar_drift_and_anisotropic_diffusion_are_identified() {
    use wsindy::library::{MatrixEntry, ScalarField, Term};
    use wsindy_sim::{Diffusion, InitialLaw, Model, SMatrix, SVector, SimulationConfig, simulate};

    let (s1, s2) = ((2.0f64 * 0.2).sqrt(), (2.0f64 * 0.1).sqrt());
    let model = Model::<2>::default()
        .with_external_force(|_| SVector::from([-0.3, 0.2]))
        .with_diffusion(Diffusion::field(move |_| SMatrix::<f64, 2, 2>::new(s1, 0.0, 0.0, s2)));
    let initial = InitialLaw::isotropic_gaussian(SVector::zeros(), 0.5);
    let config = SimulationConfig {
        particles: 40_000,
        experiments: 1,
        step: 0.01,
        record_every: 2,
        recorded_steps: 50,
        seed: 4,
        noise_ratio: 0.0,
    };
    let data = simulate(&model, &initial, &config).expect("simulation");

    let mut library = wsindy::Library::new();
    let one = || ScalarField::constant(2);
    // (no |x|² interaction or linear forces: for a Gaussian cloud they trade off exactly with
    // the constant forces and diffusions)
    library.push(Term::power(3.0));
    for axis in 0..2 {
        library.push(Term::AxisForce { axis, field: one() });
        library.push(Term::AxisForce { axis, field: ScalarField::Cosines(vec![1, 1]) });
    }
    for entry in [
        MatrixEntry::Entry { p: 0, q: 0 },
        MatrixEntry::Entry { p: 1, q: 1 },
        MatrixEntry::Entry { p: 0, q: 1 },
    ] {
        library.push(Term::Diffusion { entry, field: one() });
    }
    let mut config = wsindy::Preset::Nonlocal2d.config();
    config.grid.cells = vec![64];
    let identified = identify(&data, &library, &config).expect("identification");
    let truth = wsindy::TrueModel::default()
        .with(TermKind::Drift, "[1, 0]", -0.3)
        .with(TermKind::Drift, "[0, 1]", 0.2)
        .with(TermKind::Diffusion, "1*E11", 0.2)
        .with(TermKind::Diffusion, "1*E22", 0.1);
    eprintln!(
        "LS {:?} lambda {} losses {:?} m {:?} {} rows {} cond {:e}",
        identified.least_squares,
        identified.lambda,
        &identified.losses[..5],
        identified.test_functions.space_half_width,
        identified.test_functions.time_half_width,
        identified.rows,
        identified.condition_number
    );
    let s = score(&identified, &truth, &library).expect("truth in library");
    assert_eq!(s.tpr, 1.0, "{identified}");
    // measured on this seed: ∇V 3.4%, D22 7% low (σ error about 3.5%): sampling and O(h) error
    assert!(s.rel_err_v.unwrap() < 0.05, "∇V error {:?}\n{identified}", s.rel_err_v);
    assert!(s.rel_err_sigma.unwrap() < 0.05, "σ error {:?}\n{identified}", s.rel_err_sigma);
    assert_eq!(identified.grid.dim(), 2);
}

#[test]
fn collinear_terms_are_named_and_a_model_is_still_returned() {
    // a constant drift offered twice under two names: the columns are identical
    let example = Nonlocal1d { particles: 2000, experiments: 1, seed: 2, ..Nonlocal1d::default() };
    let data = example.simulate().expect("simulation");
    let mut library = example.library();
    library
        .push(wsindy::library::FnTerm::new(TermKind::Drift, "1", |_: &[f64], out: &mut [f64]| out[0] = 1.0));
    let model = identify(&data, &library, &IdentifyConfig::default()).expect("a model despite the duplicate");
    assert!(
        model
            .collinear
            .iter()
            .any(|group| group.contains(&"drift x^0".to_string()) && group.contains(&"drift 1".to_string())),
        "collinear groups {:?}",
        model.collinear
    );
    assert!(model.coefficients().iter().all(|w| w.is_finite()));
}
