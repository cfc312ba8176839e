//! Histogram against linear binning (cloud in cell) in the figure 6 setting (nonlocal 1D,
//! σ = √0.2): `cargo run --release -p wsindy-examples --example density_kernels -- [TRIALS [N [M,M,… [CELLS]]]]`
//! (defaults 20, 2000, 1,4,8,16 and the preset's 256 cells).
//!
//! Both kernels identify the same simulations (the first M experiments of one simulation of
//! the largest M per trial, as figure 6 does). For each N·M the example prints, per kernel, the
//! share of trials with TPR 1, the median errors of ∇K̂ and σ̂, and the share with both errors
//! below 1%.

use wsindy::density::DensityKernelChoice;
use wsindy::{IdentifyConfig, Trajectories, identify, score};
use wsindy_examples::Example as _;
use wsindy_examples::{Nonlocal1d, SigmaCase};

fn first_experiments(data: &Trajectories, m: usize) -> Trajectories {
    let block = data.time_points() * data.particles() * data.dim();
    Trajectories::new(
        m,
        data.time_points(),
        data.particles(),
        data.dim(),
        data.positions()[..m * block].to_vec(),
        data.times().to_vec(),
    )
    .expect("a prefix of valid data")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let trials: u64 = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(20);
    let n: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(2000);
    let ms: Vec<usize> = args
        .get(3)
        .map_or("1,4,8,16", String::as_str)
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let cells: Option<usize> = args.get(4).map(|s| s.parse()).transpose()?;
    let largest = *ms.iter().max().ok_or_else(|| anyhow::anyhow!("no M given"))?;
    let sims: Vec<(Nonlocal1d, Trajectories)> = (1..=trials)
        .map(|seed| {
            let ex = Nonlocal1d {
                sigma: SigmaCase::Const,
                particles: n,
                experiments: largest,
                seed,
                ..Default::default()
            };
            let data = ex.simulate()?;
            Ok((ex, data))
        })
        .collect::<anyhow::Result<_>>()?;
    println!("N·M      kernel     TPR=1   median ∇K err  median σ err  both < 1%");
    for &m in &ms {
        for kernel in [DensityKernelChoice::Histogram, DensityKernelChoice::Linear] {
            let mut config = IdentifyConfig { density_kernel: kernel, ..IdentifyConfig::default() };
            if let Some(cells) = cells {
                config.grid.cells = vec![cells];
            }
            let (mut right, mut good, mut err_k, mut err_s) = (0, 0, Vec::new(), Vec::new());
            for (ex, data) in &sims {
                let data = first_experiments(data, m);
                let lib = ex.library();
                let model = identify(&data, &lib, &config)?;
                let s = score(&model, &ex.true_model(), &lib)?;
                let (k, sigma) =
                    (s.rel_err_k.unwrap_or(f64::INFINITY), s.rel_err_sigma.unwrap_or(f64::INFINITY));
                right += usize::from(s.tpr == 1.0);
                good += usize::from(s.tpr == 1.0 && k < 0.01 && sigma < 0.01);
                err_k.push(k);
                err_s.push(sigma);
            }
            let share = |c: usize| 100.0 * c as f64 / trials as f64;
            println!(
                "{:<8} {kernel:<10} {:>5.0}%   {:>10.2}%   {:>10.2}%   {:>6.0}%",
                n * m,
                share(right),
                100.0 * median(err_k),
                100.0 * median(err_s),
                share(good)
            );
        }
    }
    Ok(())
}
