//! Explores the identification over seeds: `cargo run --release -p wsindy-examples --example sweep -- SIGMA SEEDS [MX MT]`.
use wsindy::testfn::Support;
use wsindy::{IdentifyConfig, identify, score};
use wsindy_examples::Example as _;
use wsindy_examples::{Nonlocal1d, SigmaCase};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let sigma = match args.get(1).map(String::as_str) {
        Some("zero") => SigmaCase::Zero,
        Some("variable") => SigmaCase::Variable,
        _ => SigmaCase::Const,
    };
    let seeds: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let mut config = IdentifyConfig::default();
    config.regression.prune = std::env::var("NOPRUNE").is_err();
    if let Some(mx) = args.get(3).and_then(|s| s.parse::<usize>().ok()).filter(|&m| m > 0) {
        config.test_functions.space_support = Support::Fixed { half_width: mx };
    }
    if let Some(mt) = args.get(4) {
        config.test_functions.time_support = match mt.strip_prefix("tau") {
            Some(tau) => Support::Auto { tau_hat: tau.parse().unwrap() },
            None => Support::Fixed { half_width: mt.parse().unwrap() },
        };
    }
    if let Some(tau) = args.get(5) {
        config.test_functions.space_support = Support::Auto { tau_hat: tau.parse().unwrap() };
    }
    let (mut tpr, mut ek, mut es) = (0.0, 0.0f64, 0.0f64);
    for seed in 1..=seeds {
        let ex = Nonlocal1d { sigma, seed, ..Nonlocal1d::default() };
        let data = ex.simulate().unwrap();
        let lib = ex.library();
        let model = identify(&data, &lib, &config).unwrap();
        let s = score(&model, &ex.true_model(), &lib).unwrap();
        let extra: Vec<String> =
            model.selected().map(|t| format!("{}:{}={:.4}", t.kind, t.name, t.coefficient)).collect();
        println!(
            "seed {seed}: tpr {:.3} K {:.4} σ {:.4} m=({:?},{}) λ={:.2e} cond={:.1e} {}",
            s.tpr,
            s.rel_err_k.unwrap_or(0.0),
            s.rel_err_sigma.unwrap_or(0.0),
            model.test_functions.space_half_width,
            model.test_functions.time_half_width,
            model.lambda,
            model.condition_number,
            extra.join(" ")
        );
        tpr += s.tpr;
        ek = ek.max(s.rel_err_k.unwrap_or(0.0));
        es = es.max(s.rel_err_sigma.unwrap_or(0.0));
    }
    println!("mean TPR {:.3}, max K err {:.4}, max σ err {:.4}", tpr / seeds as f64, ek, es);
}
