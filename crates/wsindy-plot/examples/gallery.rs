//! Writes one of each figure, from synthetic data, into the directory given on the command line:
//!
//! ```sh
//! cargo run --release -p wsindy-plot --example gallery -- /tmp/gallery
//! ```

use std::error::Error;
use std::path::PathBuf;

use wsindy_plot::{
    Axes, BLACK, BandStyle, ConvergencePlot, ConvergenceSeries, LineStyle, Panel, PlotFiles, Series,
    convergence, curves, density_lines, heatmap, loss_curve, snapshots, spectrum,
};

/// A deterministic pseudo-random number in [0, 1).
fn noise(i: usize) -> f64 {
    ((i as f64 * 12.9898 + 78.233).sin() * 43_758.545_3).rem_euclid(1.0)
}

fn linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    (0..n).map(|i| a + (b - a) * i as f64 / (n - 1) as f64).collect()
}

fn report(files: &PlotFiles) {
    println!("{}\n{}", files.png.display(), files.svg.display());
    for w in &files.warnings {
        println!("  warning: {w}");
    }
}

fn gaussian_2d(n: usize, extent: [f64; 4], centre: (f64, f64), width: f64) -> Vec<f64> {
    let dx = (extent[1] - extent[0]) / n as f64;
    let dy = (extent[3] - extent[2]) / n as f64;
    let mut values = Vec::with_capacity(n * n);
    for i in 0..n {
        let x = extent[0] + (i as f64 + 0.5) * dx;
        for j in 0..n {
            let y = extent[2] + (j as f64 + 0.5) * dy;
            let r2 = (x - centre.0).powi(2) + 0.6 * (y - centre.1).powi(2);
            let blob = (-r2 / (2.0 * width * width)).exp() / (2.0 * std::f64::consts::PI * width * width);
            values.push(blob * (1.0 + 0.15 * (noise(i * n + j) - 0.5)));
        }
    }
    values
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).ok_or("usage: gallery OUTPUT_DIRECTORY")?);

    // 1. MSTLS loss: piecewise constant in λ, minimal at λ̂.
    let lambdas: Vec<f64> = linspace(-4.0, 0.0, 60).iter().map(|e| 10f64.powf(*e)).collect();
    let losses: Vec<f64> = lambdas
        .iter()
        .map(|&l| {
            let e = l.log10();
            if e < -3.4 {
                0.46
            } else if e < -3.0 {
                0.33
            } else if e < -2.5 {
                0.21
            } else if e < -1.2 {
                0.1
            } else if e < -0.6 {
                0.55
            } else {
                1.0
            }
        })
        .collect();
    // λ̂ is the smallest λ with the least loss.
    let best = (0..losses.len()).min_by(|&a, &b| losses[a].total_cmp(&losses[b])).unwrap_or(0);
    report(&loss_curve(&dir, "loss_curve", &lambdas, &losses, lambdas[best], "MSTLS loss")?);

    // 2. Spectrum along x with the corner wavenumber.
    let k: Vec<f64> = (0..=64).map(f64::from).collect();
    let data: Vec<f64> = k
        .iter()
        .enumerate()
        .map(|(i, k)| 2e3 * (-k * k / (2.0 * 7.0 * 7.0)).exp() + 0.8 * (0.5 + noise(i)))
        .collect();
    let test: Vec<f64> = k.iter().map(|k| 2e3 * (-k * k / (2.0 * 11.0 * 11.0)).exp() + 1e-3).collect();
    report(&spectrum(&dir, "spectrum", &k, &data, 21.0, &test, "Spectrum of U along x")?);

    // 3. Learned against true interaction force, with a gap in the learned curve.
    let r = linspace(0.0, 4.0, 161);
    let truth: Vec<f64> = r.iter().map(|r| r - r.signum()).collect();
    let mut learned: Vec<f64> = r.iter().map(|r| 1.006 * r - 1.017 * r.signum()).collect();
    learned[0] = f64::NAN;
    report(&curves(
        &dir,
        "grad_k",
        &r,
        &[
            Series::new("learned", learned, LineStyle::Solid),
            Series::new("true", truth, LineStyle::Dashed).with_color(BLACK),
        ],
        &Axes::new("Interaction force", "r", "∇K(r)"),
    )?);
    let x = linspace(-3.0, 5.0, 81);
    let sigma_true: Vec<f64> = x.iter().map(|x| 0.1 * (x - 2.0).powi(2)).collect();
    let sigma_learned: Vec<f64> = x.iter().map(|x| 0.098 * (x - 2.0).powi(2) + 0.004).collect();
    report(&curves(
        &dir,
        "diffusion",
        &x,
        &[
            Series::new("learned ½σ²(x)", sigma_learned, LineStyle::Solid),
            Series::new("true ½σ²(x)", sigma_true, LineStyle::Dashed).with_color(BLACK),
        ],
        &Axes::new("Diffusion", "x", "½σσᵀ(x)"),
    )?);
    // A reduction-factor style plot: curves on log axes.
    let n: Vec<f64> = (0..8).map(|i| 1000.0 * 2f64.powi(i)).collect();
    let reduction: Vec<f64> = n.iter().map(|n| 2e4 / n.sqrt()).collect();
    let ideal: Vec<f64> = n.iter().map(|n| 3e4 / n.sqrt()).collect();
    report(&curves(
        &dir,
        "reduction_factor",
        &n,
        &[
            Series::new("measured", reduction, LineStyle::Markers),
            Series::new("∝ 1/√N", ideal, LineStyle::Dashed),
        ],
        &Axes::new("Cost reduction", "particles N", "reduction factor").log_x().log_y(),
    )?);

    // 4. 2D densities.
    let extent = [-4.0, 4.0, -3.0, 3.0];
    let blob = gaussian_2d(96, extent, (0.5, -0.3), 1.0);
    report(&heatmap(&dir, "heatmap", &blob, 96, 96, extent, "Histogram U(x, t = 0.5)")?);
    let panels: Vec<Panel> = [0.0, 0.5, 1.0, 2.0]
        .iter()
        .map(|&t| Panel {
            title: format!("t = {t:.1}"),
            values: gaussian_2d(64, extent, (0.5 * t, 0.0), 0.5 + 0.4 * t),
            n1: 64,
            n2: 64,
            extent,
        })
        .collect();
    report(&snapshots(&dir, "snapshots", &panels)?);

    // 1D densities at a few times.
    let x = linspace(-4.0, 4.0, 200);
    let lines: Vec<(String, Vec<f64>)> = [0.0, 0.25, 0.5, 1.0, 2.0]
        .iter()
        .map(|&t| {
            let w: f64 = 0.3 + 0.5 * t;
            let u = x
                .iter()
                .map(|x| {
                    let bump = |c: f64| (-(x - c).powi(2) / (2.0 * w * w)).exp();
                    (bump(-1.0) + bump(1.0)) / (2.0 * w * (2.0 * std::f64::consts::PI).sqrt())
                })
                .collect();
            (format!("t = {t:.2}"), u)
        })
        .collect();
    report(&density_lines(&dir, "density_lines", &x, &lines, "Density snapshots")?);

    // 5. Convergence with quantile bands, error bars, fitted slopes and a reference line.
    let ns: Vec<f64> = (0..7).map(|i| 500.0 * 2f64.powi(i)).collect();
    let series = |label: &str, c: f64, p: f64, band: BandStyle, seed: usize| {
        let median: Vec<f64> = ns
            .iter()
            .enumerate()
            .map(|(i, n)| c * n.powf(p) * (1.0 + 0.15 * (noise(seed + i) - 0.5)))
            .collect();
        ConvergenceSeries {
            label: label.to_string(),
            x: ns.clone(),
            lower: median.iter().map(|m| m * 0.6).collect(),
            upper: median.iter().map(|m| m * 1.7).collect(),
            median,
            band,
        }
    };
    let mut plot = ConvergencePlot::new("Error against particle number", "particles N", "relative error");
    plot.series = vec![
        series("∇K", 2.0, -0.5, BandStyle::Shaded, 10),
        series("½σ²", 0.5, -0.45, BandStyle::ErrorBars, 30),
    ];
    plot.reference_slope = Some(-0.5);
    report(&convergence(&dir, "convergence", &plot)?);

    // TPR against the noise level, linear y in [0, 1].
    let eps = vec![0.001, 0.003, 0.01, 0.03, 0.1, 0.3];
    let tpr =
        |shift: f64| -> Vec<f64> { eps.iter().map(|e: &f64| 1.0 / (1.0 + (e / shift).powi(2))).collect() };
    let mut tpr_plot = ConvergencePlot::new("Identification under noise", "noise ratio ε", "TPR");
    tpr_plot.log_y = false;
    tpr_plot.fit = false;
    tpr_plot.y_range = Some((0.0, 1.0));
    tpr_plot.series = vec![
        ConvergenceSeries {
            label: "N = 2000".to_string(),
            x: eps.clone(),
            median: tpr(0.05),
            lower: tpr(0.03),
            upper: tpr(0.08).iter().map(|v| v.min(1.0)).collect(),
            band: BandStyle::Shaded,
        },
        ConvergenceSeries {
            label: "N = 8000".to_string(),
            x: eps.clone(),
            median: tpr(0.12),
            lower: tpr(0.08),
            upper: tpr(0.2),
            band: BandStyle::Shaded,
        },
    ];
    report(&convergence(&dir, "tpr", &tpr_plot)?);
    Ok(())
}
