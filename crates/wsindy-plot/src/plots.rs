//! The line plots: loss curve, spectrum, generic curves, 1D densities, convergence.

use std::path::Path;

use plotters::style::RGBColor;

use crate::PlotFiles;
use crate::check::Checker;
use crate::color::{Rgb, cycle, viridis};
use crate::error::{DataProblem, PlotError};
use crate::fit::loglog_slope;
use crate::legend::{Entry, Symbol};
use crate::render::{figure_base, write_figure};
use crate::scale::{Scale, format_number};
use crate::xy::{Kind, Layer, XyFigure};

/// Red, for marked values (λ̂, k*).
const MARK: RGBColor = RGBColor(214, 39, 40);
/// Grey, for reference lines.
const REFERENCE: RGBColor = RGBColor(90, 90, 90);

fn rgb(c: Rgb) -> RGBColor {
    c.into()
}

/// Formats a value with two decimals and a typographic minus sign.
fn two_decimals(v: f64) -> String {
    let s = format!("{v:.2}");
    match s.strip_prefix('-') {
        Some(rest) => format!("−{rest}"),
        None => s,
    }
}

/// The MSTLS loss against the threshold λ on a log λ axis, with the chosen λ̂ marked by a
/// dashed vertical line and a ring on the curve at the λ nearest to it.
///
/// `losses[i]` is the loss at `lambdas[i]`. Errors: empty or mismatched series, a λ ≤ 0, a λ̂
/// that is not finite and positive, no finite loss. Non-finite values are skipped.
pub fn loss_curve(
    dir: impl AsRef<Path>,
    stem: &str,
    lambdas: &[f64],
    losses: &[f64],
    chosen: f64,
    title: &str,
) -> Result<PlotFiles, PlotError> {
    let base = figure_base(dir.as_ref(), stem)?;
    let mut check = Checker::new(base.clone());
    let x = check.series("λ", lambdas, None, Scale::Log)?;
    let y = check.series("loss", losses, Some((lambdas.len(), "λ")), Scale::Linear)?;
    let xc = check.scalar("λ̂", chosen, Scale::Log)?;
    let blue = rgb(cycle(0));
    let nearest = (0..x.len())
        .filter(|&i| x[i].is_finite() && y[i].is_finite())
        .min_by(|&a, &b| (x[a] - xc).abs().total_cmp(&(x[b] - xc).abs()));
    let mut layers = vec![
        Layer::VLine { x: xc, color: MARK },
        Layer::Path { x: x.clone(), y: y.clone(), color: blue, kind: Kind::LineMarkers },
    ];
    if let Some(i) = nearest {
        layers.push(Layer::Point { x: x[i], y: y[i], color: MARK });
    }
    let figure = XyFigure {
        title: title.to_string(),
        x_label: "threshold λ".to_string(),
        y_label: "loss L(λ)".to_string(),
        x_scale: Scale::Log,
        y_scale: Scale::Linear,
        y_fixed: None,
        layers,
        legend: vec![
            Entry { label: "loss L(λ)".to_string(), symbol: Symbol::LineMarkers { color: blue } },
            Entry {
                label: format!("selected λ = {}", format_number(chosen)),
                symbol: Symbol::Line { color: MARK, dashed: true },
            },
        ],
    };
    write_figure(&base, &figure, check.warnings)
}

/// Magnitudes of the data's Fourier coefficients along one axis and of the test function's,
/// against the wavenumber, on a log magnitude axis, with the corner wavenumber k* marked.
///
/// `magnitudes[i]` and `test_magnitudes[i]` belong to `wavenumbers[i]`. Errors: empty or
/// mismatched series, a magnitude ≤ 0 (log axis), a corner that is not finite.
pub fn spectrum(
    dir: impl AsRef<Path>,
    stem: &str,
    wavenumbers: &[f64],
    magnitudes: &[f64],
    corner: f64,
    test_magnitudes: &[f64],
    title: &str,
) -> Result<PlotFiles, PlotError> {
    let base = figure_base(dir.as_ref(), stem)?;
    let mut check = Checker::new(base.clone());
    let n = wavenumbers.len();
    let k = check.series("wavenumbers", wavenumbers, None, Scale::Linear)?;
    let data = check.series("magnitudes", magnitudes, Some((n, "wavenumbers")), Scale::Log)?;
    let test =
        check.series("test-function magnitudes", test_magnitudes, Some((n, "wavenumbers")), Scale::Log)?;
    let kc = check.scalar("corner k*", corner, Scale::Linear)?;
    let (blue, orange) = (rgb(cycle(0)), rgb(cycle(1)));
    let figure = XyFigure {
        title: title.to_string(),
        x_label: "wavenumber k".to_string(),
        y_label: "magnitude".to_string(),
        x_scale: Scale::Linear,
        y_scale: Scale::Log,
        y_fixed: None,
        layers: vec![
            Layer::VLine { x: kc, color: MARK },
            Layer::Path { x: k.clone(), y: data, color: blue, kind: Kind::LineMarkers },
            Layer::Path { x: k, y: test, color: orange, kind: Kind::Dashed },
        ],
        legend: vec![
            Entry { label: "data |ℱU(k)|".to_string(), symbol: Symbol::LineMarkers { color: blue } },
            Entry {
                label: "test function |ℱφ(k)|".to_string(),
                symbol: Symbol::Line { color: orange, dashed: true },
            },
            Entry {
                label: format!("corner k* = {}", format_number(corner)),
                symbol: Symbol::Line { color: MARK, dashed: true },
            },
        ],
    };
    write_figure(&base, &figure, check.warnings)
}

/// How a [`Series`] is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineStyle {
    /// A solid line.
    Solid,
    /// A dashed line.
    Dashed,
    /// Markers only.
    Markers,
}

/// One curve of [`curves`]: values at the shared x.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text (also names the series in errors).
    pub label: String,
    /// One value per x.
    pub y: Vec<f64>,
    /// Line or markers.
    pub style: LineStyle,
    /// Colour; `None` takes [`PALETTE`](crate::PALETTE)`[i % 10]` for the i-th series.
    pub color: Option<Rgb>,
}

impl Series {
    /// A series in the palette colour of its position.
    pub fn new(label: impl Into<String>, y: Vec<f64>, style: LineStyle) -> Self {
        Self { label: label.into(), y, style, color: None }
    }

    /// The same series in the given colour.
    #[must_use]
    pub fn with_color(self, color: Rgb) -> Self {
        Self { color: Some(color), ..self }
    }
}

/// Title, axis labels and axis scales of a line plot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Axes {
    /// Figure title.
    pub title: String,
    /// x-axis label, with units if any (e.g. `"r (µm)"`).
    pub x_label: String,
    /// y-axis label, with units if any.
    pub y_label: String,
    /// Logarithmic x axis (all x must be positive).
    pub log_x: bool,
    /// Logarithmic y axis (all y must be positive).
    pub log_y: bool,
}

impl Axes {
    /// Linear axes with the given texts.
    pub fn new(title: impl Into<String>, x_label: impl Into<String>, y_label: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            log_x: false,
            log_y: false,
        }
    }

    /// The same with a logarithmic x axis.
    #[must_use]
    pub fn log_x(self) -> Self {
        Self { log_x: true, ..self }
    }

    /// The same with a logarithmic y axis.
    #[must_use]
    pub fn log_y(self) -> Self {
        Self { log_y: true, ..self }
    }
}

fn series_name(label: &str, i: usize) -> String {
    if label.is_empty() { format!("series {i}") } else { label.to_string() }
}

/// Curves sharing the abscissa `x`: learned against true ∇K(r), ∇V(x), ½σσᵀ(x), or anything
/// else (with log axes, e.g. reduction factors).
///
/// Errors: no series, an empty `x`, a series whose length differs from `x`, a value ≤ 0 on a
/// log axis, a series without finite values. Non-finite values break the line.
pub fn curves(
    dir: impl AsRef<Path>,
    stem: &str,
    x: &[f64],
    series: &[Series],
    axes: &Axes,
) -> Result<PlotFiles, PlotError> {
    let base = figure_base(dir.as_ref(), stem)?;
    let mut check = Checker::new(base.clone());
    let (xs, ys) = (Scale::from_log(axes.log_x), Scale::from_log(axes.log_y));
    if series.is_empty() {
        return Err(check.error("series", DataProblem::Empty));
    }
    let xv = check.series("x", x, None, xs)?;
    let mut layers = Vec::new();
    let mut legend = Vec::new();
    for (i, s) in series.iter().enumerate() {
        let name = series_name(&s.label, i);
        let y = check.series(&name, &s.y, Some((x.len(), "x")), ys)?;
        let color = rgb(s.color.unwrap_or_else(|| cycle(i)));
        let (kind, symbol) = match s.style {
            LineStyle::Solid => (Kind::Solid, Symbol::Line { color, dashed: false }),
            LineStyle::Dashed => (Kind::Dashed, Symbol::Line { color, dashed: true }),
            LineStyle::Markers => (Kind::Markers, Symbol::Markers { color }),
        };
        layers.push(Layer::Path { x: xv.clone(), y, color, kind });
        if !s.label.is_empty() {
            legend.push(Entry { label: s.label.clone(), symbol });
        }
    }
    let figure = XyFigure {
        title: axes.title.clone(),
        x_label: axes.x_label.clone(),
        y_label: axes.y_label.clone(),
        x_scale: xs,
        y_scale: ys,
        y_fixed: None,
        layers,
        legend,
    };
    write_figure(&base, &figure, check.warnings)
}

/// 1D density snapshots on the grid `x`, one line per time, coloured from dark (first) to
/// light (last) along the viridis map; `lines` holds (legend text such as `"t = 0.5"`,
/// values at `x`).
///
/// Errors: no lines, an empty `x`, a line whose length differs from `x`, a line without finite
/// values. Non-finite values break the line.
pub fn density_lines<S: AsRef<str>, V: AsRef<[f64]>>(
    dir: impl AsRef<Path>,
    stem: &str,
    x: &[f64],
    lines: &[(S, V)],
    title: &str,
) -> Result<PlotFiles, PlotError> {
    let base = figure_base(dir.as_ref(), stem)?;
    let mut check = Checker::new(base.clone());
    if lines.is_empty() {
        return Err(check.error("lines", DataProblem::Empty));
    }
    let xv = check.series("x", x, None, Scale::Linear)?;
    let mut layers = Vec::new();
    let mut legend = Vec::new();
    let last = (lines.len() - 1).max(1) as f64;
    for (i, (label, values)) in lines.iter().enumerate() {
        let name = series_name(label.as_ref(), i);
        let y = check.series(&name, values.as_ref(), Some((x.len(), "x")), Scale::Linear)?;
        let color = rgb(viridis(0.85 * i as f64 / last));
        layers.push(Layer::Path { x: xv.clone(), y, color, kind: Kind::Solid });
        legend.push(Entry { label: name, symbol: Symbol::Line { color, dashed: false } });
    }
    let figure = XyFigure {
        title: title.to_string(),
        x_label: "x".to_string(),
        y_label: "density".to_string(),
        x_scale: Scale::Linear,
        y_scale: Scale::Linear,
        y_fixed: None,
        layers,
        legend,
    };
    write_figure(&base, &figure, check.warnings)
}

/// How the spread of a [`ConvergenceSeries`] is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BandStyle {
    /// A shaded band between `lower` and `upper`.
    #[default]
    Shaded,
    /// Error bars from `lower` to `upper` at each x.
    ErrorBars,
}

/// One series of a [`ConvergencePlot`]: a median with a spread (e.g. 10% and 90% quantiles
/// over seeds) at each x.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConvergenceSeries {
    /// Legend text (also names the series in errors).
    pub label: String,
    /// Abscissae (e.g. N, or Δt).
    pub x: Vec<f64>,
    /// Median at each x.
    pub median: Vec<f64>,
    /// Lower end of the spread at each x; empty (with `upper`) for none.
    pub lower: Vec<f64>,
    /// Upper end of the spread at each x; empty (with `lower`) for none.
    pub upper: Vec<f64>,
    /// Shaded band or error bars.
    pub band: BandStyle,
}

/// A convergence figure: log–log by default, with shaded quantile bands or error bars, fitted
/// slopes in the legend and an O(x^p) reference line; with `log_y: false` and
/// `y_range: Some((0.0, 1.0))` it is a TPR-style plot.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvergencePlot {
    /// Figure title.
    pub title: String,
    /// x-axis label, with units if any.
    pub x_label: String,
    /// y-axis label, with units if any.
    pub y_label: String,
    /// The series, coloured in [`PALETTE`](crate::PALETTE) order.
    pub series: Vec<ConvergenceSeries>,
    /// Draws a dashed line ∝ x^p through the first point of the first series.
    pub reference_slope: Option<f64>,
    /// Logarithmic x axis.
    pub log_x: bool,
    /// Logarithmic y axis.
    pub log_y: bool,
    /// Shows each series' least-squares slope of log median against log x, ± its standard
    /// error ([`loglog_slope`]), in the legend.
    pub fit: bool,
    /// A fixed y interval (e.g. `(0.0, 1.0)` for a true-positive ratio); `None` fits the data.
    pub y_range: Option<(f64, f64)>,
}

impl ConvergencePlot {
    /// A log–log plot with fitted slopes, no series yet, no reference line.
    pub fn new(title: impl Into<String>, x_label: impl Into<String>, y_label: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            series: Vec::new(),
            reference_slope: None,
            log_x: true,
            log_y: true,
            fit: true,
            y_range: None,
        }
    }
}

/// Draws a [`ConvergencePlot`].
///
/// Errors: no series; in a series, an empty `x`, a median, lower or upper of another length
/// (lower and upper may both be empty), a value ≤ 0 on a log axis, no finite median; a
/// reference slope or y range that is not finite, or a reversed y range.
pub fn convergence(
    dir: impl AsRef<Path>,
    stem: &str,
    plot: &ConvergencePlot,
) -> Result<PlotFiles, PlotError> {
    let base = figure_base(dir.as_ref(), stem)?;
    let mut check = Checker::new(base.clone());
    let (xs, ys) = (Scale::from_log(plot.log_x), Scale::from_log(plot.log_y));
    if plot.series.is_empty() {
        return Err(check.error("series", DataProblem::Empty));
    }
    let mut layers = Vec::new();
    let mut bands = Vec::new();
    let mut legend = Vec::new();
    let mut anchor = None;
    let (mut x_lo, mut x_hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (i, s) in plot.series.iter().enumerate() {
        let name = series_name(&s.label, i);
        let n = s.x.len();
        let x = check.series(&format!("{name}: x"), &s.x, None, xs)?;
        let median = check.series(&format!("{name}: median"), &s.median, Some((n, "x")), ys)?;
        let color = rgb(cycle(i));
        let has_band = !(s.lower.is_empty() && s.upper.is_empty());
        if has_band {
            let lo = check.series(&format!("{name}: lower"), &s.lower, Some((n, "x")), ys)?;
            let hi = check.series(&format!("{name}: upper"), &s.upper, Some((n, "x")), ys)?;
            bands.push(match s.band {
                BandStyle::Shaded => Layer::Band { x: x.clone(), lo, hi, color },
                BandStyle::ErrorBars => Layer::ErrorBars { x: x.clone(), lo, hi, color },
            });
        }
        for (&u, &v) in x.iter().zip(&median) {
            if u.is_finite() {
                x_lo = x_lo.min(u);
                x_hi = x_hi.max(u);
                if anchor.is_none() && v.is_finite() {
                    anchor = Some((u, v));
                }
            }
        }
        layers.push(Layer::Path { x, y: median, color, kind: Kind::LineMarkers });
        let mut label = name.clone();
        if plot.fit {
            match loglog_slope(&s.x, &s.median) {
                Some((slope, se)) if se.is_finite() => {
                    label = format!("{name}: slope {} ± {}", two_decimals(slope), two_decimals(se));
                }
                Some((slope, _)) => label = format!("{name}: slope {}", two_decimals(slope)),
                None => {
                    check.warn(format!("series \"{name}\": fewer than two positive points, no slope fitted"))
                }
            }
        }
        let symbol = match (has_band, s.band) {
            (false, _) => Symbol::LineMarkers { color },
            (true, BandStyle::Shaded) => Symbol::Band { color },
            (true, BandStyle::ErrorBars) => Symbol::ErrorBars { color },
        };
        legend.push(Entry { label, symbol });
    }
    if let Some(p) = plot.reference_slope {
        check.scalar("reference slope", p, Scale::Linear)?;
        if let Some((u0, v0)) = anchor {
            let (x0, y0) = (xs.value_at(u0), ys.value_at(v0));
            let steps = 64;
            let (x, y): (Vec<f64>, Vec<f64>) = (0..=steps)
                .map(|k| {
                    let u = x_lo + (x_hi - x_lo) * k as f64 / steps as f64;
                    let v = y0 * (xs.value_at(u) / x0).powf(p);
                    let ok = v.is_finite() && (!ys.is_log() || v > 0.0);
                    (u, if ok { ys.to_axis(v) } else { f64::NAN })
                })
                .unzip();
            layers.push(Layer::Path { x, y, color: REFERENCE, kind: Kind::Dashed });
            legend.push(Entry {
                label: format!("reference slope {}", format_number(p)),
                symbol: Symbol::Line { color: REFERENCE, dashed: true },
            });
        }
    }
    let y_fixed = match plot.y_range {
        Some((lo, hi)) => {
            let a = check.scalar("y range", lo, ys)?;
            let b = check.scalar("y range", hi, ys)?;
            if b < a {
                return Err(check.error("y range", DataProblem::ReversedRange { start: lo, end: hi }));
            }
            Some((a, b))
        }
        None => None,
    };
    bands.extend(layers);
    let figure = XyFigure {
        title: plot.title.clone(),
        x_label: plot.x_label.clone(),
        y_label: plot.y_label.clone(),
        x_scale: xs,
        y_scale: ys,
        y_fixed,
        layers: bands,
        legend,
    };
    write_figure(&base, &figure, check.warnings)
}
