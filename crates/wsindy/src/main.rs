//! The `wsindy` command line: `wsindy demo` simulates the paper's nonlocal 1D example and
//! identifies its mean-field equation.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use serde_json::json;
use wsindy::examples::{Nonlocal1d, SigmaCase};
use wsindy::{IdentifyConfig, identify, score};

#[derive(Parser)]
#[command(
    name = "wsindy",
    version,
    about = "Learn mean-field equations of interacting particle systems (WSINDy)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate the paper's nonlocal 1D example (K = ½x² − |x|) and identify it.
    Demo(DemoArgs),
}

#[derive(clap::Args)]
struct DemoArgs {
    /// Diffusion: zero (σ = 0), const (σ = √0.2) or variable (σ = √0.2|x − 2|).
    #[arg(long, value_enum, default_value = "const")]
    sigma: SigmaArg,
    /// Extrinsic noise ratio ε.
    #[arg(long, default_value_t = 0.0)]
    noise: f64,
    /// Particles per experiment N.
    #[arg(long, default_value_t = 8000)]
    n: usize,
    /// Experiments M.
    #[arg(long, default_value_t = 2)]
    m: usize,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write the result as JSON to this file.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SigmaArg {
    Zero,
    Const,
    Variable,
}

fn main() -> std::process::ExitCode {
    let result = match Cli::parse().command {
        Command::Demo(args) => demo(&args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // the chain of causes, without a backtrace: the message names the bad value
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn demo(args: &DemoArgs) -> Result<()> {
    if !(args.noise.is_finite() && args.noise >= 0.0) {
        bail!("--noise {} is invalid: expected a finite number ≥ 0", args.noise);
    }
    let example = Nonlocal1d {
        sigma: match args.sigma {
            SigmaArg::Zero => SigmaCase::Zero,
            SigmaArg::Const => SigmaCase::Const,
            SigmaArg::Variable => SigmaCase::Variable,
        },
        noise_ratio: args.noise,
        particles: args.n,
        experiments: args.m,
        seed: args.seed,
    };
    eprintln!(
        "simulating the nonlocal 1D example: N = {}, M = {}, σ = {:?}, ε = {}, seed {}",
        example.particles, example.experiments, example.sigma, example.noise_ratio, example.seed
    );
    let start = Instant::now();
    let data = example.simulate().context("simulation failed")?;
    let t_simulate = start.elapsed().as_secs_f64();
    let library = example.library();
    let mut model = identify(&data, &library, &IdentifyConfig::default()).context("identification failed")?;
    model.timings.simulate = Some(t_simulate);
    let truth = example.truth();
    let scores =
        score(&model, &truth, &library).map_err(|t| anyhow::anyhow!("true model names unknown {t}"))?;

    println!("{model}");
    println!();
    let tf = &model.test_functions;
    println!(
        "test functions: m_x = {:?}, m_t = {}, p = ({}, {}), strides ({}, {}); G is {} × {}, cond(G) = {:.2e}; λ̂ = {:.3e}",
        tf.space_half_width,
        tf.time_half_width,
        tf.space_degree,
        tf.time_degree,
        tf.space_stride,
        tf.time_stride,
        model.rows,
        model.cols,
        model.condition_number,
        model.lambda
    );
    if model.outside_fraction > 0.0 {
        println!("particles outside the grid: {:.3}% of observations", 100.0 * model.outside_fraction);
    }
    let fmt_err = |e: Option<f64>| e.map_or("—".to_string(), |v| format!("{:.3}%", 100.0 * v));
    println!(
        "scores against the true model: TPR = {:.3}, rel. error ∇K = {}, ∇V = {}, σ = {}",
        scores.tpr,
        fmt_err(scores.rel_err_k),
        fmt_err(scores.rel_err_v),
        fmt_err(scores.rel_err_sigma)
    );
    let t = &model.timings;
    println!(
        "time: simulate {:.3} s, density {:.2} ms, assemble {:.2} ms, regress {:.2} ms (identification {:.2} ms)",
        t_simulate,
        1e3 * t.density,
        1e3 * t.assemble,
        1e3 * t.regress,
        1e3 * (t.density + t.assemble + t.regress)
    );

    if let Some(path) = &args.out {
        let terms: Vec<_> = model
            .selected()
            .map(|t| json!({"kind": t.kind, "name": t.name, "coefficient": t.coefficient}))
            .collect();
        let out = json!({
            "example": "nonlocal1d",
            "terms": terms,
            "tpr": scores.tpr,
            "rel_err": {"K": scores.rel_err_k, "V": scores.rel_err_v, "sigma": scores.rel_err_sigma},
            "lambda": model.lambda,
            "timings_s": {"simulate": t_simulate, "density": t.density, "assemble": t.assemble, "regress": t.regress},
            "truth": truth,
            "settings": {"n": args.n, "m": args.m, "seed": args.seed, "noise": args.noise, "sigma": example.sigma},
            "model": model,
        });
        let text = serde_json::to_string_pretty(&out)?;
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
