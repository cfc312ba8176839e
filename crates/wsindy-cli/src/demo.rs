//! `wsindy demo`: simulate one of the examples and identify it.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::json;
use wsindy::{identify, score};
use wsindy_examples::{Example, ExampleError, ExampleOptions};

use crate::cli::json_number;

#[derive(clap::Args)]
pub struct DemoArgs {
    /// The example (every name of the examples list): nonlocal1d (K = ½x² − |x|), local2d
    /// (drift and oscillating diffusivity), nonlocal2d (Keller–Segel) or nonlocal3d
    /// (K = ½|x|² − |x| in an anisotropic trap, 3D).
    #[arg(long, default_value = "nonlocal1d", value_parser = clap::builder::PossibleValuesParser::new(wsindy_examples::names()))]
    example: String,
    /// Diffusion case. nonlocal1d: const (σ = √0.2, default), zero or variable (σ = √0.2|x − 2|);
    /// nonlocal2d: zero (default) or critical (σ = 1/√(4π), with M = 4 experiments by default);
    /// nonlocal3d: const.
    #[arg(long)]
    sigma: Option<String>,
    /// Frequency ω of the local2d diffusivity 1 + 0.95 cos(ωx)cos(ωy) (default 1).
    #[arg(long)]
    omega: Option<f64>,
    /// Extrinsic noise ratio ε (nonlocal examples).
    #[arg(long)]
    noise: Option<f64>,
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

/// The example the arguments describe, or an error naming the argument that does not apply.
fn example_of(args: &DemoArgs) -> Result<Box<dyn Example>> {
    let options = ExampleOptions {
        sigma: args.sigma.clone(),
        omega: args.omega,
        noise_ratio: args.noise,
        particles: args.n,
        experiments: args.m,
        seed: Some(args.seed),
    };
    // the error names the option; on the command line it is a flag
    let flag = |option: &'static str| match option {
        "particles" => "--n",
        "experiments" => "--m",
        "sigma" => "--sigma",
        "omega" => "--omega",
        "noise" => "--noise",
        other => other,
    };
    wsindy_examples::build(&args.example, &options).map_err(|e| {
        let e = match e {
            ExampleError::DoesNotApply { option, example, why } => {
                ExampleError::DoesNotApply { option: flag(option), example, why }
            }
            ExampleError::Invalid { option, value, example, expected } => {
                ExampleError::Invalid { option: flag(option), value, example, expected }
            }
            other => other,
        };
        anyhow::Error::new(e)
    })
}

pub fn run(args: &DemoArgs) -> Result<()> {
    let example = example_of(args)?;
    eprintln!("simulating {}", example.describe());
    let start = Instant::now();
    let progress = crate::cli::simulate::SimulationProgress::new(false);
    let data = example.system().simulate(&example.simulation(), &|done, total| progress.report(done, total));
    progress.finish();
    let data = data.context("simulation failed")?;
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
                json!({"kind": t.kind, "name": t.name, "coefficient": json_number(t.coefficient), "term": t.description})
            })
            .collect();
        let out = json!({
            "schema_version": wsindy::JSON_SCHEMA_VERSION,
            "terms": terms,
            "equation": model.to_string(),
            "example": example.name(),
            "tpr": json_number(scores.tpr),
            "rel_err": {
                "K": scores.rel_err_k.map(crate::cli::json_number),
                "V": scores.rel_err_v.map(crate::cli::json_number),
                "sigma": scores.rel_err_sigma.map(crate::cli::json_number),
            },
            "lambda": json_number(model.lambda),
            "timings_s": {"simulate": t_simulate, "density": t.density, "assemble": t.assemble, "regress": t.regress},
            "truth": truth,
            "settings": example.settings().into_iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
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
