//! End to end: simulate the paper's nonlocal 1D example, identify it, score it against the
//! true model. Tolerances are the acceptance levels, measured with margin on these seeds.

use wsindy::examples::{Nonlocal1d, SigmaCase};
use wsindy::{IdentifyConfig, Scores, TermKind, identify, score};

fn run(example: Nonlocal1d) -> (Scores, wsindy::IdentifiedModel) {
    let data = example.simulate().expect("simulation");
    let library = example.library();
    let model = identify(&data, &library, &IdentifyConfig::default()).expect("identification");
    (score(&model, &example.truth(), &library).expect("truth in library"), model)
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
