//! Every figure is written as a non-empty PNG with rendered text and an SVG holding its title
//! and legend; bad input is an error naming the series.

use std::fs;
use std::path::Path;

use wsindy_plot::{
    Axes, BandStyle, ConvergencePlot, ConvergenceSeries, DataProblem, LineStyle, Panel, PlotError, PlotFiles,
    Series, convergence, curves, density_lines, heatmap, loss_curve, snapshots, spectrum,
};

/// Decodes a PNG into (width, height, RGB pixels).
fn decode_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let bytes = fs::read(path).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// Checks both files: the SVG names every text, the PNG has dark (text) pixels in the title
/// strip and coloured pixels in the plot.
fn assert_figure(files: &PlotFiles, texts: &[&str]) {
    let svg = fs::read_to_string(&files.svg).unwrap();
    assert!(svg.starts_with("<svg"), "{}", files.svg.display());
    for t in texts {
        assert!(svg.contains(t), "{} lacks {t:?}", files.svg.display());
    }
    let (w, h, rgb) = decode_png(&files.png);
    assert!(w >= 600 && h >= 400, "{w} × {h}");
    let pixel = |x: u32, y: u32| {
        let i = 3 * (y * w + x) as usize;
        (rgb[i], rgb[i + 1], rgb[i + 2])
    };
    let dark_in_title = (0..45)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let (r, g, b) = pixel(x, y);
            r < 100 && g < 100 && b < 100
        })
        .count();
    assert!(
        dark_in_title > 100,
        "{}: title text not rendered ({dark_in_title} dark pixels)",
        files.png.display()
    );
    let coloured = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let (r, g, b) = pixel(x, y);
            r.max(g).max(b) - r.min(g).min(b) > 60
        })
        .count();
    assert!(coloured > 200, "{}: no data drawn", files.png.display());
}

fn data_error(result: Result<PlotFiles, PlotError>) -> (String, DataProblem, String) {
    match result {
        Err(e @ PlotError::Data { .. }) => {
            let message = e.to_string();
            let PlotError::Data { series, problem, .. } = e else { unreachable!() };
            (series, problem, message)
        }
        other => panic!("expected a data error, got {other:?}"),
    }
}

fn logspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    (0..n).map(|i| 10f64.powf(a + (b - a) * i as f64 / (n - 1) as f64)).collect()
}

#[test]
fn loss_curve_writes_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let lambdas = logspace(-4.0, 0.0, 40);
    let losses: Vec<f64> = lambdas.iter().map(|l| 0.1 + (l.log10() + 2.0).powi(2) / 10.0).collect();
    let files = loss_curve(dir.path(), "loss", &lambdas, &losses, 1e-2, "MSTLS loss curve").unwrap();
    assert_eq!(files.png, dir.path().join("loss.png"));
    assert_eq!(files.svg, dir.path().join("loss.svg"));
    assert!(files.warnings.is_empty());
    assert_figure(&files, &["MSTLS loss curve", "loss L(λ)", "selected λ = 0.01", "threshold λ"]);
}

#[test]
fn loss_curve_rejects_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let (series, problem, message) =
        data_error(loss_curve(dir.path(), "a", &[1e-3, -1.0], &[0.5, 0.4], 1e-3, "t"));
    assert_eq!(series, "λ");
    assert_eq!(problem, DataProblem::NonPositiveOnLogAxis { index: 1, value: -1.0 });
    assert!(message.contains("series \"λ\"") && message.contains("logarithmic"), "{message}");
    let (series, problem, message) =
        data_error(loss_curve(dir.path(), "a", &[1e-3, 1e-2], &[0.5], 1e-3, "t"));
    assert_eq!(series, "loss");
    assert!(matches!(problem, DataProblem::LengthMismatch { expected: 2, found: 1, .. }));
    assert!(message.contains("1 values, expected 2"), "{message}");
    let (series, problem, _) = data_error(loss_curve(dir.path(), "a", &[], &[], 1e-3, "t"));
    assert_eq!((series.as_str(), problem), ("λ", DataProblem::Empty));
    let (series, _, _) = data_error(loss_curve(dir.path(), "a", &[1e-3], &[0.5], f64::NAN, "t"));
    assert_eq!(series, "λ̂");
    let (series, problem, _) =
        data_error(loss_curve(dir.path(), "a", &[1e-3, 1e-2], &[f64::NAN, f64::INFINITY], 1e-3, "t"));
    assert_eq!((series.as_str(), problem), ("loss", DataProblem::NoFiniteValues));
    // nothing was written for the failed calls
    assert!(!dir.path().join("a.png").exists() && !dir.path().join("a.svg").exists());
}

#[test]
fn non_finite_values_are_skipped_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let lambdas = logspace(-3.0, 0.0, 10);
    let mut losses = vec![0.3; 10];
    losses[4] = f64::NAN;
    losses[7] = f64::INFINITY;
    let files = loss_curve(dir.path(), "gaps", &lambdas, &losses, 1e-2, "with gaps").unwrap();
    assert_eq!(files.warnings.len(), 1);
    assert!(files.warnings[0].contains("\"loss\"") && files.warnings[0].contains("2 of 10"));
    assert_figure(&files, &["with gaps"]);
}

#[test]
fn spectrum_writes_both_files_and_checks_log_axis() {
    let dir = tempfile::tempdir().unwrap();
    let k: Vec<f64> = (0..40).map(f64::from).collect();
    let data: Vec<f64> = k.iter().map(|k| 1e3 * (-k * k / 50.0).exp() + 0.5).collect();
    let test: Vec<f64> = k.iter().map(|k| 1e3 * (-k * k / 200.0).exp() + 1e-4).collect();
    let files = spectrum(dir.path(), "spec", &k, &data, 12.0, &test, "Spectrum along x").unwrap();
    assert_figure(
        &files,
        &["Spectrum along x", "data |ℱU(k)|", "test function |ℱφ(k)|", "corner k* = 12", "wavenumber k"],
    );
    let mut zero = data.clone();
    zero[3] = 0.0;
    let (series, problem, _) = data_error(spectrum(dir.path(), "s", &k, &zero, 12.0, &test, "t"));
    assert_eq!(series, "magnitudes");
    assert_eq!(problem, DataProblem::NonPositiveOnLogAxis { index: 3, value: 0.0 });
    let (series, _, _) = data_error(spectrum(dir.path(), "s", &k, &data, 12.0, &test[1..], "t"));
    assert_eq!(series, "test-function magnitudes");
    let (series, _, _) = data_error(spectrum(dir.path(), "s", &k, &data, f64::INFINITY, &test, "t"));
    assert_eq!(series, "corner k*");
}

#[test]
fn curves_writes_both_files_with_linear_and_log_axes() {
    let dir = tempfile::tempdir().unwrap();
    let r: Vec<f64> = (0..=50).map(|i| 0.1 * f64::from(i)).collect();
    let truth: Vec<f64> = r.iter().map(|r| r - 1.0).collect();
    let learned: Vec<f64> = r.iter().map(|r| 1.02 * r - 0.98).collect();
    let dots: Vec<f64> = r.iter().map(|r| 0.9 * r - 1.0).collect();
    let files = curves(
        dir.path(),
        "grad_k",
        &r,
        &[
            Series::new("learned ∇K", learned, LineStyle::Solid),
            Series::new("true ∇K", truth, LineStyle::Dashed).with_color(wsindy_plot::BLACK),
            Series::new("samples", dots, LineStyle::Markers),
        ],
        &Axes::new("Interaction force", "r (µm)", "∇K(r)"),
    )
    .unwrap();
    assert_figure(&files, &["Interaction force", "learned ∇K", "true ∇K", "samples", "r (µm)"]);

    let n = logspace(3.0, 5.0, 6);
    let factor: Vec<f64> = n.iter().map(|n| 1e4 / n.sqrt()).collect();
    let axes = Axes::new("Reduction", "N", "factor").log_x().log_y();
    let files = curves(
        dir.path(),
        "reduction",
        &n,
        &[Series::new("reduction factor", factor.clone(), LineStyle::Markers)],
        &axes,
    )
    .unwrap();
    assert_figure(&files, &["Reduction", "reduction factor", "10³"]);

    let mut negative = factor;
    negative[2] = -1.0;
    let (series, problem, _) = data_error(curves(
        dir.path(),
        "r",
        &n,
        &[Series::new("reduction factor", negative, LineStyle::Solid)],
        &axes,
    ));
    assert_eq!(series, "reduction factor");
    assert_eq!(problem, DataProblem::NonPositiveOnLogAxis { index: 2, value: -1.0 });
    let (series, problem, _) = data_error(curves(
        dir.path(),
        "r",
        &r,
        &[Series::new("short", vec![1.0; 3], LineStyle::Solid)],
        &Axes::new("t", "x", "y"),
    ));
    assert_eq!(series, "short");
    assert!(matches!(problem, DataProblem::LengthMismatch { expected: 51, found: 3, .. }));
    let (series, problem, _) = data_error(curves(dir.path(), "r", &r, &[], &Axes::new("t", "x", "y")));
    assert_eq!((series.as_str(), problem), ("series", DataProblem::Empty));
}

#[test]
fn constant_and_single_point_series_get_padded_axes() {
    let dir = tempfile::tempdir().unwrap();
    let files = curves(
        dir.path(),
        "flat",
        &[1.0, 2.0, 3.0],
        &[Series::new("zero", vec![0.0; 3], LineStyle::Solid)],
        &Axes::new("Flat", "x", "y"),
    )
    .unwrap();
    assert_figure(&files, &["Flat", "zero"]);
    let files = curves(
        dir.path(),
        "point",
        &[2.0],
        &[Series::new("one point", vec![5.0], LineStyle::Solid)],
        &Axes::new("Point", "x", "y").log_x().log_y(),
    )
    .unwrap();
    assert_figure(&files, &["Point", "one point"]);
}

#[test]
fn density_lines_write_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let x: Vec<f64> = (0..100).map(|i| -3.0 + 0.06 * f64::from(i)).collect();
    let lines: Vec<(String, Vec<f64>)> = [0.1, 0.5, 1.0]
        .iter()
        .map(|t| {
            let u = x.iter().map(|x| (-x * x / (2.0 * t)).exp()).collect();
            (format!("t = {t}"), u)
        })
        .collect();
    let files = density_lines(dir.path(), "density", &x, &lines, "Density in 1D").unwrap();
    assert_figure(&files, &["Density in 1D", "t = 0.1", "t = 0.5", "t = 1", "density"]);
    let bad = [("t = 0", vec![1.0; 5])];
    let (series, _, _) = data_error(density_lines(dir.path(), "d", &x, &bad, "t"));
    assert_eq!(series, "t = 0");
    let none: [(&str, Vec<f64>); 0] = [];
    let (series, _, _) = data_error(density_lines(dir.path(), "d", &x, &none, "t"));
    assert_eq!(series, "lines");
}

fn blob(n1: usize, n2: usize, width: f64) -> Vec<f64> {
    let mut v = Vec::with_capacity(n1 * n2);
    for i in 0..n1 {
        for j in 0..n2 {
            let (x, y) = (i as f64 / n1 as f64 - 0.5, j as f64 / n2 as f64 - 0.3);
            v.push((-(x * x + y * y) / (2.0 * width * width)).exp());
        }
    }
    v
}

#[test]
fn heatmap_and_snapshots_write_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let files =
        heatmap(dir.path(), "heat", &blob(40, 30, 0.2), 40, 30, [0.0, 4.0, 0.0, 3.0], "Histogram at t = 1")
            .unwrap();
    assert_figure(&files, &["Histogram at t = 1", "<rect"]);

    let panels: Vec<Panel> = [0.1, 0.2, 0.3]
        .iter()
        .map(|w| Panel {
            title: format!("width {w}"),
            values: blob(24, 24, *w),
            n1: 24,
            n2: 24,
            extent: [-1.0, 1.0, -1.0, 1.0],
        })
        .collect();
    let files = snapshots(dir.path(), "snaps", &panels).unwrap();
    assert_figure(&files, &["width 0.1", "width 0.2", "width 0.3"]);

    // constant values and a zero-width extent are padded; NaN cells are drawn grey and reported
    let mut values = vec![2.0; 12];
    values[5] = f64::NAN;
    let files = heatmap(dir.path(), "flat", &values, 3, 4, [1.0, 1.0, 0.0, 2.0], "Flat field").unwrap();
    assert_eq!(files.warnings.len(), 1);
    assert_figure(&files, &["Flat field"]);
}

#[test]
fn heatmap_and_snapshots_reject_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let (series, problem, message) =
        data_error(heatmap(dir.path(), "h", &[1.0; 5], 2, 3, [0.0, 1.0, 0.0, 1.0], "density"));
    assert_eq!(series, "density");
    assert!(matches!(problem, DataProblem::LengthMismatch { expected: 6, found: 5, .. }));
    assert!(message.contains("n1 × n2"), "{message}");
    let (_, problem, _) = data_error(heatmap(dir.path(), "h", &[], 0, 3, [0.0, 1.0, 0.0, 1.0], "d"));
    assert_eq!(problem, DataProblem::Empty);
    let (series, problem, _) =
        data_error(heatmap(dir.path(), "h", &[1.0; 4], 2, 2, [1.0, 0.0, 0.0, 1.0], "d"));
    assert_eq!(series, "d: extent");
    assert_eq!(problem, DataProblem::ReversedRange { start: 1.0, end: 0.0 });
    let (series, _, _) =
        data_error(heatmap(dir.path(), "h", &[1.0; 4], 2, 2, [0.0, f64::NAN, 0.0, 1.0], "d"));
    assert_eq!(series, "d: extent");
    let (series, problem, _) =
        data_error(heatmap(dir.path(), "h", &[f64::NAN; 4], 2, 2, [0.0, 1.0, 0.0, 1.0], "d"));
    assert_eq!((series.as_str(), problem), ("d", DataProblem::NoFiniteValues));
    let (series, _, _) = data_error(snapshots(dir.path(), "s", &[]));
    assert_eq!(series, "panels");
    let panel =
        Panel { title: String::new(), values: vec![1.0; 3], n1: 2, n2: 2, extent: [0.0, 1.0, 0.0, 1.0] };
    let (series, _, _) = data_error(snapshots(dir.path(), "s", &[panel]));
    assert_eq!(series, "panel 0");
}

fn power_law_series(label: &str, c: f64, p: f64, band: BandStyle) -> ConvergenceSeries {
    let x = logspace(2.0, 4.0, 5);
    let median: Vec<f64> = x.iter().map(|x| c * x.powf(p)).collect();
    ConvergenceSeries {
        label: label.to_string(),
        lower: median.iter().map(|m| 0.7 * m).collect(),
        upper: median.iter().map(|m| 1.4 * m).collect(),
        x,
        median,
        band,
    }
}

#[test]
fn convergence_shows_fitted_slopes_and_reference() {
    let dir = tempfile::tempdir().unwrap();
    let mut plot = ConvergencePlot::new("Convergence in N", "N", "relative error");
    plot.series = vec![
        power_law_series("∇K", 3.0, -0.5, BandStyle::Shaded),
        power_law_series("σ", 1.0, -1.0, BandStyle::ErrorBars),
    ];
    plot.reference_slope = Some(-0.5);
    let files = convergence(dir.path(), "conv", &plot).unwrap();
    assert!(files.warnings.is_empty(), "{:?}", files.warnings);
    assert_figure(
        &files,
        &[
            "Convergence in N",
            "∇K: slope −0.50 ± 0.00",
            "σ: slope −1.00 ± 0.00",
            "reference slope −0.5",
            "relative error",
        ],
    );
}

#[test]
fn convergence_tpr_variant_has_a_linear_unit_axis() {
    let dir = tempfile::tempdir().unwrap();
    let x = vec![0.001, 0.01, 0.1, 1.0];
    let mut plot = ConvergencePlot::new("TPR against noise", "noise ratio ε", "TPR");
    plot.log_y = false;
    plot.fit = false;
    plot.y_range = Some((0.0, 1.0));
    plot.series = vec![ConvergenceSeries {
        label: "N = 4000".to_string(),
        x,
        median: vec![1.0, 1.0, 0.8, 0.3],
        lower: vec![1.0, 0.9, 0.6, 0.0],
        upper: vec![1.0, 1.0, 1.0, 0.5],
        band: BandStyle::Shaded,
    }];
    let files = convergence(dir.path(), "tpr", &plot).unwrap();
    assert_figure(&files, &["TPR against noise", "N = 4000", "1.0", "0.0"]);
    assert!(!fs::read_to_string(&files.svg).unwrap().contains("slope"));
}

#[test]
fn convergence_rejects_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let mut plot = ConvergencePlot::new("c", "N", "e");
    let (series, _, _) = data_error(convergence(dir.path(), "c", &plot));
    assert_eq!(series, "series");
    let mut s = power_law_series("∇K", 1.0, -0.5, BandStyle::Shaded);
    s.lower[1] = 0.0;
    plot.series = vec![s];
    let (series, problem, _) = data_error(convergence(dir.path(), "c", &plot));
    assert_eq!(series, "∇K: lower");
    assert_eq!(problem, DataProblem::NonPositiveOnLogAxis { index: 1, value: 0.0 });
    let mut s = power_law_series("∇K", 1.0, -0.5, BandStyle::Shaded);
    s.median.pop();
    plot.series = vec![s];
    let (series, _, _) = data_error(convergence(dir.path(), "c", &plot));
    assert_eq!(series, "∇K: median");
    plot.series = vec![power_law_series("∇K", 1.0, -0.5, BandStyle::Shaded)];
    plot.y_range = Some((1.0, 0.1));
    let (series, _, _) = data_error(convergence(dir.path(), "c", &plot));
    assert_eq!(series, "y range");
    plot.y_range = None;
    plot.reference_slope = Some(f64::NAN);
    let (series, _, _) = data_error(convergence(dir.path(), "c", &plot));
    assert_eq!(series, "reference slope");
    // a single point cannot give a slope: drawn, with a warning
    plot.reference_slope = None;
    plot.series = vec![ConvergenceSeries {
        label: "one".to_string(),
        x: vec![10.0],
        median: vec![0.1],
        ..ConvergenceSeries::default()
    }];
    let files = convergence(dir.path(), "c", &plot).unwrap();
    assert_eq!(files.warnings.len(), 1, "{:?}", files.warnings);
}

#[test]
fn stems_must_be_file_names_and_directories_are_created() {
    let dir = tempfile::tempdir().unwrap();
    let x = [1.0, 2.0];
    let s = [Series::new("y", vec![1.0, 2.0], LineStyle::Solid)];
    let axes = Axes::new("t", "x", "y");
    for stem in ["", "a/b", "..", "a\\b"] {
        let err = curves(dir.path(), stem, &x, &s, &axes).unwrap_err();
        assert!(matches!(err, PlotError::Stem { .. }), "{stem:?}: {err}");
    }
    let nested = dir.path().join("figures").join("run1");
    let files = curves(&nested, "c", &x, &s, &axes).unwrap();
    assert!(files.png.starts_with(&nested) && files.png.exists());
}

#[test]
fn extreme_values_do_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    let x = [1e-300, 1.0, 1e300];
    let y = [1e300, -1e300, 0.0];
    let files = curves(
        dir.path(),
        "wide",
        &x,
        &[Series::new("wide", y.to_vec(), LineStyle::Markers)],
        &Axes::new("Extremes", "x", "y").log_x(),
    )
    .unwrap();
    assert!(files.png.exists());
    let files = curves(
        dir.path(),
        "same_x",
        &[3.0, 3.0, 3.0],
        &[Series::new("vertical", vec![1.0, 2.0, 3.0], LineStyle::Solid)],
        &Axes::new("Same x", "x", "y"),
    )
    .unwrap();
    assert!(files.svg.exists());
    let files = loss_curve(dir.path(), "far", &[1e-3, 1e-2], &[0.1, 0.2], 1e5, "Far selected λ").unwrap();
    assert!(files.png.exists());
}
