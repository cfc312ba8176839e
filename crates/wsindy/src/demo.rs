//! `wsindy demo`: simulate one of the paper's examples and identify it.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde_json::json;
use wsindy::examples::{Example, KellerSegelSigma, Local2d, Nonlocal1d, Nonlocal2d, Nonlocal3d, SigmaCase};
use wsindy::{identify, json_float, score};

#[derive(clap::Args)]
pub struct DemoArgs {
    /// The example: nonlocal1d (K = ½x² − |x|), local2d (drift and oscillating diffusivity),
    /// nonlocal2d (Keller–Segel) or nonlocal3d (K = ½|x|² − |x| in an anisotropic trap, 3D).
    #[arg(long, value_enum, default_value = "nonlocal1d")]
    example: ExampleArg,
    /// Diffusion. nonlocal1d: zero, const (σ = √0.2, default) or variable (σ = √0.2|x − 2|);
    /// nonlocal2d: zero (default) or critical (σ = 1/√(4π), with M = 4 experiments by default).
    #[arg(long, value_enum)]
    sigma: Option<SigmaArg>,
    /// Frequency ω of the local2d diffusivity 1 + 0.95 cos(ωx)cos(ωy) (default 1).
    #[arg(long)]
    omega: Option<f64>,
    /// Extrinsic noise ratio ε (nonlocal examples).
    #[arg(long, default_value_t = 0.0)]
    noise: f64,
    /// Particles per experiment N (default 8000, 16384 for local2d, 4000 for nonlocal2d and
    /// nonlocal3d).
    #[arg(long)]
    n: Option<usize>,
    /// Experiments M (default 2; 1 for local2d and nonlocal2d, 4 for nonlocal2d with critical σ,
    /// 16 for nonlocal3d).
    #[arg(long)]
    m: Option<usize>,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write the result as JSON to this file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write figures (PNG and SVG) into this directory, as `wsindy identify --plot`.
    #[arg(long, value_name = "DIR")]
    plot: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExampleArg {
    Nonlocal1d,
    Local2d,
    Nonlocal2d,
    Nonlocal3d,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SigmaArg {
    Zero,
    Const,
    Variable,
    Critical,
}

/// The example the arguments describe, or an error naming the argument that does not apply.
fn example_of(args: &DemoArgs) -> Result<Example> {
    if !(args.noise.is_finite() && args.noise >= 0.0) {
        bail!("--noise {} is invalid: expected a finite number ≥ 0", args.noise);
    }
    if args.omega.is_some() && args.example != ExampleArg::Local2d {
        bail!("--omega applies to --example local2d only");
    }
    Ok(match args.example {
        ExampleArg::Nonlocal1d => {
            let d = Nonlocal1d::default();
            Example::Nonlocal1d(Nonlocal1d {
                sigma: match args.sigma {
                    None | Some(SigmaArg::Const) => SigmaCase::Const,
                    Some(SigmaArg::Zero) => SigmaCase::Zero,
                    Some(SigmaArg::Variable) => SigmaCase::Variable,
                    Some(SigmaArg::Critical) => {
                        bail!(
                            "--sigma critical applies to nonlocal2d; nonlocal1d takes zero, const or variable"
                        )
                    }
                },
                noise_ratio: args.noise,
                particles: args.n.unwrap_or(d.particles),
                experiments: args.m.unwrap_or(d.experiments),
                seed: args.seed,
            })
        }
        ExampleArg::Local2d => {
            if args.sigma.is_some() {
                bail!("--sigma does not apply to local2d: its diffusivity is set by --omega");
            }
            if args.noise != 0.0 {
                bail!("--noise applies to the nonlocal examples; local2d has intrinsic noise only");
            }
            let omega = args.omega.unwrap_or(1.0);
            if !(omega.is_finite() && omega >= 0.0) {
                bail!("--omega {omega} is invalid: expected a finite number ≥ 0");
            }
            let d = Local2d::default();
            Example::Local2d(Local2d {
                omega,
                particles: args.n.unwrap_or(d.particles),
                experiments: args.m.unwrap_or(d.experiments),
                seed: args.seed,
            })
        }
        ExampleArg::Nonlocal2d => {
            let d = Nonlocal2d::default();
            let sigma = match args.sigma {
                None | Some(SigmaArg::Zero) => KellerSegelSigma::Zero,
                Some(SigmaArg::Critical) => KellerSegelSigma::Critical,
                Some(other) => bail!(
                    "--sigma {} applies to nonlocal1d; nonlocal2d takes zero or critical",
                    if other == SigmaArg::Const { "const" } else { "variable" }
                ),
            };
            // the paper's smallest N·M at which the critical case is identified: 4000 × 4
            let default_experiments = if sigma == KellerSegelSigma::Critical { 4 } else { d.experiments };
            Example::Nonlocal2d(Nonlocal2d {
                sigma,
                noise_ratio: args.noise,
                particles: args.n.unwrap_or(d.particles),
                experiments: args.m.unwrap_or(default_experiments),
                seed: args.seed,
            })
        }
        ExampleArg::Nonlocal3d => {
            if args.sigma.is_some_and(|s| s != SigmaArg::Const) {
                bail!("--sigma: nonlocal3d has constant σ = √0.2 only");
            }
            let d = Nonlocal3d::default();
            Example::Nonlocal3d(Nonlocal3d {
                particles: args.n.unwrap_or(d.particles),
                experiments: args.m.unwrap_or(d.experiments),
                seed: args.seed,
                noise_ratio: args.noise,
            })
        }
    })
}

fn describe(example: &Example) -> String {
    match example {
        Example::Nonlocal1d(e) => format!(
            "the nonlocal 1D example: N = {}, M = {}, σ = {:?}, ε = {}, seed {}",
            e.particles, e.experiments, e.sigma, e.noise_ratio, e.seed
        ),
        Example::Local2d(e) => {
            format!(
                "the local 2D example: N = {}, M = {}, ω = {}, seed {}",
                e.particles, e.experiments, e.omega, e.seed
            )
        }
        Example::Nonlocal2d(e) => format!(
            "the nonlocal 2D (Keller–Segel) example: N = {}, M = {}, σ = {:?}, ε = {}, seed {}",
            e.particles, e.experiments, e.sigma, e.noise_ratio, e.seed
        ),
        Example::Nonlocal3d(e) => format!(
            "the nonlocal 3D example: N = {}, M = {}, ε = {}, seed {}",
            e.particles, e.experiments, e.noise_ratio, e.seed
        ),
    }
}

pub fn run(args: &DemoArgs) -> Result<()> {
    let example = example_of(args)?;
    eprintln!("simulating {}", describe(&example));
    let start = Instant::now();
    let data = example.simulate().context("simulation failed")?;
    let t_simulate = start.elapsed().as_secs_f64();
    let library = example.library();
    let mut model = identify(&data, &library, &example.config()).context("identification failed")?;
    model.timings.simulate = Some(t_simulate);
    let truth = example.truth(&model.grid);
    let scores = score(&model, &truth, &library)?;

    println!("{model}");
    for warning in model.warnings() {
        eprintln!("warning: {warning}");
    }
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
            .map(|t| {
                json!({"kind": t.kind, "name": t.name, "coefficient": json_float::value(t.coefficient), "term": t.description})
            })
            .collect();
        let out = json!({
            "schema_version": wsindy::JSON_SCHEMA_VERSION,
            "terms": terms,
            "equation": model.to_string(),
            "example": example.preset().name(),
            "tpr": json_float::value(scores.tpr),
            "rel_err": {
                "K": scores.rel_err_k.map(json_float::value),
                "V": scores.rel_err_v.map(json_float::value),
                "sigma": scores.rel_err_sigma.map(json_float::value),
            },
            "lambda": json_float::value(model.lambda),
            "timings_s": {"simulate": t_simulate, "density": t.density, "assemble": t.assemble, "regress": t.regress},
            "truth": truth,
            "settings": settings(&example),
            "model": model,
        });
        let text = serde_json::to_string_pretty(&out)?;
        wsindy::core::atomic::write_atomic(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(dir) = &args.plot {
        crate::cli::identify::write_plots(dir, &data, &model, &library, Some(&truth))?;
    }
    Ok(())
}

fn settings(example: &Example) -> serde_json::Value {
    match example {
        Example::Nonlocal1d(e) => {
            json!({"n": e.particles, "m": e.experiments, "seed": e.seed, "noise": e.noise_ratio, "sigma": e.sigma})
        }
        Example::Local2d(e) => {
            json!({"n": e.particles, "m": e.experiments, "seed": e.seed, "omega": e.omega})
        }
        Example::Nonlocal2d(e) => {
            json!({"n": e.particles, "m": e.experiments, "seed": e.seed, "noise": e.noise_ratio, "sigma": e.sigma})
        }
        Example::Nonlocal3d(e) => {
            json!({"n": e.particles, "m": e.experiments, "seed": e.seed, "noise": e.noise_ratio})
        }
    }
}
