//! The figures of one identification, as PNG and SVG: what
//! `wsindy identify --plot DIR` and `wsindy demo --plot DIR` write.
//!
//! [`write_all`] draws every figure below into a directory; the functions it calls are public so
//! that other programs can draw single figures or reuse the curves.
//!
//! | files | figure | drawn by |
//! |---|---|---|
//! | `loss.png`, `loss.svg` | MSTLS loss 𝓛(λ) against λ, λ̂ marked (not for STLS, which has no loss) | [`loss`] |
//! | `spectrum_x1`, `spectrum_x2`, …, `spectrum_t` | the data's averaged \|ℱU(k)\| along each axis with the corner k* and the test function's \|ℱφ(k)\| | [`spectra`], [`axis_spectrum`] |
//! | `interaction` | learned (and true) ∇K(r) along the first axis | [`interaction`] |
//! | `drift`, `diffusion` | learned (and true) ∇V(x) and ½σσᵀ(x) along the first axis | [`drift`], [`diffusion`] |
//! | `snapshots` | the histogram at four times | [`snapshots`] |
//!
//! ```no_run
//! use wsindy::{IdentifyConfig, Library, identify};
//! use wsindy_plot::identification as plots;
//! # fn run(data: &wsindy::Trajectories) -> Result<(), Box<dyn std::error::Error>> {
//! let library = Library::nonlocal1d();
//! let model = identify(data, &library, &IdentifyConfig::default())?;
//! let report = plots::write_all("figures", data, &model, &library, None)?;
//! for files in &report.files {
//!     println!("wrote {}", files.png.display());
//! }
//! # Ok(()) }
//! ```

use std::path::Path;

use crate::{Axes, BLACK, LineStyle, PALETTE, Panel, PlotError, PlotFiles, Series};
use thiserror::Error;
use wsindy::Library;
use wsindy::density::{DensityError, Histogram, density_series};
use wsindy::testfn::{PolyBump, TestFnError, averaged_magnitude_spectrum, corner_wavenumber, space_marginal};
use wsindy::{DensitySeries, Grid, TermKind, Trajectories};

use wsindy::{IdentifiedModel, TrueModel, UnknownTrueTerm};

/// Why the figures could not be drawn.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PlotsError {
    /// The model's terms are not the library's (it was identified with another library).
    #[error(
        "the model was identified with another library: it has {model} terms, the library {library}{detail}"
    )]
    LibraryMismatch {
        /// Terms in the model.
        model: usize,
        /// Terms in the library.
        library: usize,
        /// The first term that differs, if the counts agree.
        detail: String,
    },
    /// The true model names a term the library lacks.
    #[error(transparent)]
    Truth(#[from] UnknownTrueTerm),
    /// The density could not be recomputed on the model's grid.
    #[error("density: {0}")]
    Density(#[from] DensityError),
    /// The model's test-function parameters are invalid.
    #[error("test functions: {0}")]
    TestFunctions(#[from] TestFnError),
    /// A figure could not be drawn or written.
    #[error(transparent)]
    Plot(#[from] PlotError),
}

/// What [`write_all`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlotReport {
    /// The figures written, in the order of the table in the [module docs](self).
    pub files: Vec<PlotFiles>,
    /// Figures left out and why (e.g. no interaction terms in the library), and values that
    /// could not be drawn.
    pub notes: Vec<String>,
}

impl PlotReport {
    fn add(&mut self, files: PlotFiles) {
        let stem = files.png.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        self.notes.extend(files.warnings.iter().map(|w| format!("{stem}: {w}")));
        self.files.push(files);
    }
}

/// Writes every figure of the identification of `data` into `dir` (created if needed): the loss
/// curve, the spectra, the learned interaction force (if the library has interaction terms),
/// drift and diffusion (if it has such terms) and the density snapshots, each as PNG and SVG.
///
/// `model` must come from `library` (same terms in the same order) and from `data`: the density
/// is recomputed on the model's grid (a histogram, as cheap as in the identification). With a
/// `truth` the true functions are drawn dashed beside the learned ones.
///
/// Errors: a model of another library, a truth naming a term the library lacks, data of another
/// dimension than the model's grid, and any [`PlotError`] (unwritable directory, …).
pub fn write_all(
    dir: impl AsRef<Path>,
    data: &Trajectories,
    model: &IdentifiedModel,
    library: &Library,
    truth: Option<&TrueModel>,
) -> Result<PlotReport, PlotsError> {
    let dir = dir.as_ref();
    check_library(model, library)?;
    let truth = truth.map(|t| t.coefficients(library)).transpose()?;
    let truth = truth.as_deref();
    let density = density_series(data, &model.grid, &Histogram)?;
    let mut report = PlotReport::default();
    if !model.losses.is_empty() {
        report.add(loss(dir, model)?);
    }
    let spectra = spectra(dir, &density, model)?;
    let axes = density.grid().dim() + 1;
    if spectra.len() < axes {
        report.notes.push(format!(
            "{} of {axes} spectra left out: axis shorter than 4 points or than the test function, or data constant along it",
            axes - spectra.len()
        ));
    }
    for files in spectra {
        report.add(files);
    }
    let has = |kind: TermKind| library.terms().iter().any(|t| t.kind() == kind);
    for (kind, draw) in [
        (TermKind::Interaction, interaction as Drawer),
        (TermKind::Drift, drift as Drawer),
        (TermKind::Diffusion, diffusion as Drawer),
    ] {
        if has(kind) {
            report.add(draw(dir, model, library, truth)?);
        } else {
            report.notes.push(format!("no {kind} figure: the library has no {kind} terms"));
        }
    }
    match snapshots(dir, &density)? {
        Some(files) => report.add(files),
        None => report.notes.push(format!(
            "no snapshot figure for {}-dimensional data (1D and 2D only)",
            density.grid().dim()
        )),
    }
    Ok(report)
}

type Drawer = fn(&Path, &IdentifiedModel, &Library, Option<&[f64]>) -> Result<PlotFiles, PlotError>;

/// Errors unless the model's terms are the library's, in order.
fn check_library(model: &IdentifiedModel, library: &Library) -> Result<(), PlotsError> {
    let mismatch = |detail: String| PlotsError::LibraryMismatch {
        model: model.terms.len(),
        library: library.len(),
        detail,
    };
    if model.terms.len() != library.len() {
        return Err(mismatch(String::new()));
    }
    for (j, (t, term)) in model.terms.iter().zip(library.terms()).enumerate() {
        if t.kind != term.kind() || t.name != term.name() {
            return Err(mismatch(format!(
                "; term {j} is {} {} in the model but {} {} in the library",
                t.kind,
                t.name,
                term.kind(),
                term.name()
            )));
        }
    }
    Ok(())
}

/// `loss`: the MSTLS loss against the threshold λ, with the chosen λ̂ marked.
pub fn loss(dir: &Path, model: &IdentifiedModel) -> Result<PlotFiles, PlotError> {
    let selected = model.selected().count();
    let title = format!("MSTLS loss: {selected} of {} terms selected", model.terms.len());
    crate::loss_curve(dir, "loss", &model.lambdas, &model.losses, model.lambda, &title)
}

/// The spectrum of the data along one axis and the test function's, as plotted by [`spectra`].
#[derive(Debug, Clone, PartialEq)]
pub struct AxisSpectrum {
    /// Wavenumbers k = 1..=n/2 (cycles per axis length).
    pub wavenumbers: Vec<f64>,
    /// The data's averaged |ℱU(k)| ([`averaged_magnitude_spectrum`]); for a space axis of a
    /// multi-dimensional density, that of the marginal (the density summed over the other
    /// space axes), as the changepoint rule uses.
    pub data: Vec<f64>,
    /// |ℱφ(k)| of the test function sampled on the grid and zero-padded to the axis length,
    /// scaled so that its largest value equals the data's largest.
    pub test_function: Vec<f64>,
    /// The corner wavenumber k* the changepoint rule finds in `data` (the model's, when its
    /// support was chosen automatically).
    pub corner: usize,
}

/// The spectra along space axis `axis` (0-based) of `density`, or along time for
/// `axis == d`, with the test function `bump` of that axis; `corner` overrides the corner the
/// rule would find (pass the model's). `None` if the axis has fewer points than the test
/// function's support 2m + 1, or fewer than 4 points.
pub fn axis_spectrum(
    density: &DensitySeries,
    axis: usize,
    bump: &PolyBump,
    corner: Option<usize>,
) -> Option<AxisSpectrum> {
    let shape = density.shape(); // [L, n_1, …, n_d]
    let d = shape.len() - 1;
    if axis > d {
        return None;
    }
    let (values, line_shape, line_axis) = if axis == d {
        (density.values().to_vec(), shape.clone(), 0)
    } else if d == 1 {
        (density.values().to_vec(), shape.clone(), 1)
    } else {
        let (values, s) = space_marginal(density.values(), &shape, axis + 1);
        (values, s.to_vec(), 1)
    };
    let n = line_shape[line_axis];
    let support = 2 * bump.half_width() + 1;
    if n < 4 || support > n {
        return None;
    }
    let spectrum = averaged_magnitude_spectrum(&values, &line_shape, line_axis);
    let corner = corner.unwrap_or_else(|| corner_wavenumber(&values, &line_shape, line_axis));
    let mut padded = bump.stencil(0);
    padded.resize(n, 0.0);
    // φ vanishes at both ends of its support, so the ramp removal leaves it as it is
    let phi = averaged_magnitude_spectrum(&padded, &[n], 0);
    let top = n / 2;
    let data: Vec<f64> = spectrum[1..=top].to_vec();
    let phi = &phi[1..=top];
    let data_max = data.iter().copied().filter(|v| v.is_finite()).fold(0.0, f64::max);
    let phi_max = phi.iter().copied().filter(|v| v.is_finite()).fold(0.0, f64::max);
    let scale = if phi_max > 0.0 && data_max > 0.0 { data_max / phi_max } else { 1.0 };
    Some(AxisSpectrum {
        wavenumbers: (1..=top).map(|k| k as f64).collect(),
        data,
        test_function: phi.iter().map(|v| v * scale).collect(),
        corner,
    })
}

/// The name of space axis `a` (0-based) in labels: `x` in 1D, else x₁, x₂, …
fn axis_name(a: usize, d: usize) -> String {
    if d == 1 { "x".to_string() } else { format!("x{}", subscript(a + 1)) }
}

fn subscript(n: usize) -> String {
    n.to_string().chars().map(|c| char::from_u32(0x2080 + c.to_digit(10).unwrap_or(0)).unwrap_or(c)).collect()
}

/// `spectrum_x1`, `spectrum_x2`, …, `spectrum_t`: per axis the data's averaged |ℱU(k)| on a log
/// scale, the corner k* and the test function's |ℱφ(k)| (scaled to the data's largest value).
/// The test function's curve stops where it first falls below a hundredth of the data's
/// smallest value. Axes too short for a spectrum (fewer than 4 points, or fewer than the test
/// function's support) and spectra without a positive value (data constant along the axis)
/// are left out.
pub fn spectra(
    dir: &Path,
    density: &DensitySeries,
    model: &IdentifiedModel,
) -> Result<Vec<PlotFiles>, PlotsError> {
    let d = density.grid().dim();
    let tf = &model.test_functions;
    let mut files = Vec::with_capacity(d + 1);
    for axis in 0..=d {
        let is_time = axis == d;
        let (m, degree, spacing, corner) = if is_time {
            (tf.time_half_width, tf.time_degree, density.dt(), tf.time_corner)
        } else {
            let Some(&m) = tf.space_half_width.get(axis) else { continue };
            let spacing = density.grid().axes()[axis].spacing();
            (m, tf.space_degree, spacing, tf.space_corner.get(axis).copied().flatten())
        };
        let bump = PolyBump::new(m, degree, spacing)?;
        let Some(s) = axis_spectrum(density, axis, &bump, corner) else { continue };
        let (stem, title) = if is_time {
            ("spectrum_t".to_string(), format!("Spectrum in time; test function m_t = {m}, p_t = {degree}"))
        } else {
            let name = axis_name(axis, d);
            let what = if d == 1 { String::new() } else { " (marginal)".to_string() };
            (
                format!("spectrum_x{}", axis + 1),
                format!("Spectrum along {name}{what}; test function m = {m}, p = {degree}"),
            )
        };
        let floor = s.data.iter().copied().filter(|v| *v > 0.0).fold(f64::INFINITY, f64::min) * 1e-2;
        if !floor.is_finite() {
            continue; // no positive magnitude: nothing to draw on a log axis
        }
        let positive = |v: f64| if v > 0.0 { v } else { f64::NAN };
        let data: Vec<f64> = s.data.iter().map(|&v| positive(v)).collect();
        let end =
            s.test_function.iter().position(|&v| v.is_nan() || v < floor).unwrap_or(s.test_function.len());
        let test: Vec<f64> =
            s.test_function.iter().enumerate().map(|(i, &v)| if i < end { v } else { f64::NAN }).collect();
        let mut out = crate::spectrum(dir, &stem, &s.wavenumbers, &data, s.corner as f64, &test, &title)?;
        // the clipped tail of the test function is intended, not worth a warning
        out.warnings.retain(|w| !w.contains("test-function"));
        files.push(out);
    }
    Ok(files)
}

/// The learned coefficients (marked false) and the true ones (marked true) if there are any.
fn learned_and_true(model: &IdentifiedModel, truth: Option<&[f64]>) -> Vec<(bool, Vec<f64>)> {
    let mut sets = vec![(false, model.coefficients())];
    if let Some(w) = truth {
        sets.push((true, w.to_vec()));
    }
    sets
}

/// The values of component `c` (of `stride` per point) of one evaluated field.
fn component(values: &[f64], c: usize, stride: usize) -> Vec<f64> {
    values.iter().skip(c).step_by(stride).copied().collect()
}

/// Builds the series of a field with `stride` values per point from the learned values and
/// the true ones (if any): learned solid, true dashed, the i-th shown component in palette
/// colour i (the learned one blue and the true one black when a single component is shown).
/// Components that are zero in every set are left out, unless all are; components equal to an
/// earlier one in every set (e.g. ½(σσᵀ)₁₁ = ½(σσᵀ)₂₂ for an isotropic diffusion) are drawn
/// once, named "a = b".
fn field_series(values: &[(bool, Vec<f64>)], components: &[(usize, String)], stride: usize) -> Vec<Series> {
    let curves: Vec<Vec<Vec<f64>>> = components
        .iter()
        .map(|(c, _)| values.iter().map(|(_, v)| component(v, *c, stride)).collect())
        .collect();
    let nonzero: Vec<usize> =
        (0..components.len()).filter(|&i| curves[i].iter().flatten().any(|x| *x != 0.0)).collect();
    let candidates: Vec<usize> = if nonzero.is_empty() { (0..components.len()).collect() } else { nonzero };
    // groups of equal components: (first index, names)
    let mut groups: Vec<(usize, Vec<&str>)> = Vec::new();
    for i in candidates {
        match groups.iter_mut().find(|(j, _)| curves[*j] == curves[i]) {
            Some((_, names)) => names.push(&components[i].1),
            None => groups.push((i, vec![&components[i].1])),
        }
    }
    let single = groups.len() == 1;
    let mut series = Vec::new();
    for (g, (i, names)) in groups.iter().enumerate() {
        let name = names.join(" = ");
        for ((is_true, _), y) in values.iter().zip(&curves[*i]) {
            let (label, style) = if *is_true {
                (format!("true {name}"), LineStyle::Dashed)
            } else {
                (format!("learned {name}"), LineStyle::Solid)
            };
            let color = if single && *is_true { BLACK } else { PALETTE[g % PALETTE.len()] };
            series.push(Series::new(label, y.clone(), style).with_color(color));
        }
    }
    series
}

/// What the title says about a learned field against the truth: no term selected, the
/// relative L2 error over the plotted points, or that the true field is zero.
fn field_summary(values: &[(bool, Vec<f64>)]) -> String {
    let learned = values.iter().find(|(t, _)| !t).map(|(_, v)| v.as_slice()).unwrap_or(&[]);
    let truth = values.iter().find(|(t, _)| *t).map(|(_, v)| v.as_slice());
    let none = learned.iter().all(|v| *v == 0.0);
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    match truth {
        Some(t) if norm(t) > 0.0 => {
            let diff: Vec<f64> = learned.iter().zip(t).map(|(a, b)| a - b).collect();
            let error = format!("rel. L2 error {:.2}%", 100.0 * norm(&diff) / norm(t));
            if none { format!(": no term selected, {error}") } else { format!(": {error}") }
        }
        Some(_) if !none => ": the true field is 0".to_string(),
        _ if none => ": no term selected".to_string(),
        _ => String::new(),
    }
}

/// Points along the first axis through the centre of the other axes, at the first axis' cell
/// centres; returns (x₁ values, points, the other coordinates).
fn line_through_centre(grid: &Grid) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let d = grid.dim();
    let axes = grid.axes();
    let x = axes[0].centres();
    let others: Vec<f64> = axes[1..].iter().map(|a| 0.5 * (a.lower() + a.upper())).collect();
    let points =
        x.iter().flat_map(|&x1| std::iter::once(x1).chain(others.iter().copied())).collect::<Vec<f64>>();
    debug_assert_eq!(points.len(), x.len() * d);
    (x, points, others)
}

/// " on the line x₂ = 0.12" for the line through the centre, empty in 1D.
fn line_note(others: &[f64]) -> String {
    if others.is_empty() {
        return String::new();
    }
    let parts: Vec<String> =
        others.iter().enumerate().map(|(i, v)| format!("{} = {}", axis_name(i + 1, 2), short(*v))).collect();
    format!(" on the line {}", parts.join(", "))
}

/// A number with 3 significant digits, without trailing zeros.
fn short(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let decimals = (2 - v.abs().log10().floor() as i32).clamp(0, 8) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    match s.strip_prefix('-') {
        Some(rest) => format!("−{rest}"),
        None => s,
    }
}

/// `interaction`: the learned ∇K(r) (and the true one) along the first axis. In 1D at the
/// positive separations of C − C, r = h, 2h, …, (n − 1)h; in d ≥ 2 the first component of ∇K at
/// (r, 0, …), r = h … half the first axis' length (for a radial K this is K′(r)).
pub fn interaction(
    dir: &Path,
    model: &IdentifiedModel,
    library: &Library,
    truth: Option<&[f64]>,
) -> Result<PlotFiles, PlotError> {
    let grid = &model.grid;
    let d = grid.dim();
    let axis = grid.axes()[0];
    let count = if d == 1 { axis.cells() - 1 } else { (axis.cells() / 2).max(1) };
    let r: Vec<f64> = (1..=count).map(|k| k as f64 * axis.spacing()).collect();
    let points: Vec<f64> =
        r.iter().flat_map(|&r| std::iter::once(r).chain(std::iter::repeat_n(0.0, d - 1))).collect();
    let values: Vec<(bool, Vec<f64>)> = learned_and_true(model, truth)
        .into_iter()
        .map(|(t, w)| (t, library.evaluate_sum(TermKind::Interaction, &w, &points, d)))
        .collect();
    let (name, title, x_label) = if d == 1 {
        ("∇K(r)".to_string(), "Interaction force ∇K(r)".to_string(), "r".to_string())
    } else {
        let zeros = vec!["0"; d - 1].join(", ");
        (
            format!("∂₁K(r, {zeros})"),
            format!("Interaction force ∂₁K(r, {zeros}) along x₁"),
            "r (separation along x₁)".to_string(),
        )
    };
    let series = field_series(&values, &[(0, name.clone())], d);
    let first: Vec<(bool, Vec<f64>)> = values.iter().map(|(t, v)| (*t, component(v, 0, d))).collect();
    let title = format!("{title}{}", field_summary(&first));
    crate::curves(dir, "interaction", &r, &series, &Axes::new(title, x_label, name))
}

/// The learned (and true) sum of one kind of terms on the line through the grid's centre.
struct LineFields {
    /// Abscissae along the first axis.
    x: Vec<f64>,
    /// (is the truth, values) per curve.
    values: Vec<(bool, Vec<f64>)>,
    /// The fixed coordinates of the other axes.
    others: Vec<f64>,
}

/// [`LineFields`] of the `kind` terms along the first axis.
fn fields_on_line(
    model: &IdentifiedModel,
    library: &Library,
    truth: Option<&[f64]>,
    kind: TermKind,
) -> LineFields {
    let d = model.grid.dim();
    let (x, points, others) = line_through_centre(&model.grid);
    let values = learned_and_true(model, truth)
        .into_iter()
        .map(|(t, w)| (t, library.evaluate_sum(kind, &w, &points, d)))
        .collect();
    LineFields { x, values, others }
}

/// `drift`: the learned force ∇V (and the true one) along the first axis: on the grid's cell
/// centres in 1D, on the line through the centre of the other axes in d ≥ 2 (one curve per
/// component that is not zero).
pub fn drift(
    dir: &Path,
    model: &IdentifiedModel,
    library: &Library,
    truth: Option<&[f64]>,
) -> Result<PlotFiles, PlotError> {
    let d = model.grid.dim();
    let LineFields { x, values, others } = fields_on_line(model, library, truth, TermKind::Drift);
    let components: Vec<(usize, String)> = if d == 1 {
        vec![(0, "∇V(x)".to_string())]
    } else {
        (0..d).map(|c| (c, format!("∇V{}", subscript(c + 1)))).collect()
    };
    let series = field_series(&values, &components, d);
    let title = format!("External force ∇V{}{}", line_note(&others), field_summary(&values));
    let y = if d == 1 { "∇V(x)" } else { "∇V" };
    crate::curves(dir, "drift", &x, &series, &Axes::new(title, axis_name(0, d), y))
}

/// `diffusion`: the learned ½σσᵀ (and the true one) along the first axis, as [`drift`]: ½σ² in
/// 1D, the entries (p, q) with p ≤ q that are not zero in d ≥ 2.
pub fn diffusion(
    dir: &Path,
    model: &IdentifiedModel,
    library: &Library,
    truth: Option<&[f64]>,
) -> Result<PlotFiles, PlotError> {
    let d = model.grid.dim();
    let LineFields { x, values, others } = fields_on_line(model, library, truth, TermKind::Diffusion);
    let components: Vec<(usize, String)> = if d == 1 {
        vec![(0, "½σ²(x)".to_string())]
    } else {
        (0..d)
            .flat_map(|p| (p..d).map(move |q| (p, q)))
            .map(|(p, q)| (p * d + q, format!("½(σσᵀ){}{}", subscript(p + 1), subscript(q + 1))))
            .collect()
    };
    let series = field_series(&values, &components, d * d);
    let (title, y) = if d == 1 {
        (format!("Diffusion ½σ²(x){}", field_summary(&values)), "½σ²(x)")
    } else {
        (format!("Diffusion ½σσᵀ{}{}", line_note(&others), field_summary(&values)), "½σσᵀ")
    };
    crate::curves(dir, "diffusion", &x, &series, &Axes::new(title, axis_name(0, d), y))
}

/// The time indices of the snapshots: first, one and two thirds, last (fewer if L < 4).
pub fn snapshot_indices(time_points: usize) -> Vec<usize> {
    if time_points == 0 {
        return Vec::new();
    }
    let last = time_points - 1;
    let mut idx: Vec<usize> = (0..4).map(|i| (i * last + 1) / 3).collect();
    idx[3] = last;
    idx.dedup();
    idx
}

/// "t = 0.33" with as many decimals as the time step needs.
fn time_label(t: f64, dt: f64) -> String {
    let decimals = if dt.is_finite() && dt > 0.0 { (-dt.log10()).ceil().clamp(0.0, 6.0) as usize } else { 3 };
    format!("t = {t:.decimals$}")
}

/// `snapshots`: the histogram at four times (see [`snapshot_indices`]): lines coloured by time in
/// 1D, heat maps on one colour scale in 2D; `None` in other dimensions.
pub fn snapshots(dir: &Path, density: &DensitySeries) -> Result<Option<PlotFiles>, PlotError> {
    let grid = density.grid();
    let times = density.times();
    let dt = if times.len() > 1 { density.dt() } else { 1.0 };
    let idx = snapshot_indices(times.len());
    match grid.dim() {
        1 => {
            let x = grid.axes()[0].centres();
            let lines: Vec<(String, &[f64])> =
                idx.iter().map(|&l| (time_label(times[l], dt), density.snapshot(l))).collect();
            crate::density_lines(dir, "snapshots", &x, &lines, "Histogram density U(x, t)").map(Some)
        }
        2 => {
            let [a, b] = [grid.axes()[0], grid.axes()[1]];
            // particles per snapshot (N·M): with fewer than one per cell the histogram is shot
            // noise, so merge blocks of cells until there is one on average
            let per_snapshot = density.observations() as f64 / times.len().max(1) as f64;
            let block = display_block(per_snapshot, a.cells(), b.cells());
            let merged = if block > 1 { format!(", {block}×{block} cells") } else { String::new() };
            let (n1, n2) = (a.cells().div_ceil(block), b.cells().div_ceil(block));
            let width = |axis: wsindy_core::Axis, n: usize| (n * block) as f64 * axis.spacing();
            let extent = [a.lower(), a.lower() + width(a, n1), b.lower(), b.lower() + width(b, n2)];
            let panels: Vec<Panel> = idx
                .iter()
                .map(|&l| Panel {
                    title: format!("U(x, {}){merged}", time_label(times[l], dt)),
                    values: merge_blocks(density.snapshot(l), a.cells(), b.cells(), block),
                    n1,
                    n2,
                    extent,
                })
                .collect();
            crate::snapshots(dir, "snapshots", &panels).map(Some)
        }
        _ => Ok(None),
    }
}

/// The side b of the blocks of b × b cells shown as one in 2D snapshots: the smallest power of
/// two with at least one particle per shown cell on average, keeping at least 16 shown cells
/// per axis, and at most 256 (a panel is about 400 pixels wide).
fn display_block(particles: f64, n1: usize, n2: usize) -> usize {
    let cells = (n1 * n2) as f64;
    let mut b = 1;
    while particles * ((b * b) as f64) < cells && n1.min(n2) / (2 * b) >= 16 {
        b *= 2;
    }
    while n1.max(n2).div_ceil(b) > 256 {
        b *= 2;
    }
    b
}

/// Means over blocks of `b` × `b` cells of an `n1` × `n2` field (second axis fastest); blocks at
/// the upper edges may be partial (the mean of the cells they hold).
fn merge_blocks(values: &[f64], n1: usize, n2: usize, b: usize) -> Vec<f64> {
    if b <= 1 {
        return values.to_vec();
    }
    let (m1, m2) = (n1.div_ceil(b), n2.div_ceil(b));
    let mut sum = vec![0.0; m1 * m2];
    let mut count = vec![0usize; m1 * m2];
    for (i, row) in values.chunks_exact(n2).enumerate().take(n1) {
        for (j, v) in row.iter().enumerate() {
            let k = (i / b) * m2 + j / b;
            sum[k] += v;
            count[k] += 1;
        }
    }
    sum.iter().zip(&count).map(|(s, &c)| s / c.max(1) as f64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_times_are_first_thirds_and_last() {
        assert_eq!(snapshot_indices(101), [0, 33, 67, 100]);
        assert_eq!(snapshot_indices(4), [0, 1, 2, 3]);
        assert_eq!(snapshot_indices(2), [0, 1]);
        assert_eq!(snapshot_indices(1), [0]);
        assert!(snapshot_indices(0).is_empty());
    }

    #[test]
    fn labels() {
        assert_eq!(subscript(12), "₁₂");
        assert_eq!(axis_name(1, 2), "x₂");
        assert_eq!(short(0.123456), "0.123");
        assert_eq!(short(-12.0), "−12");
        assert_eq!(time_label(1.0 / 3.0, 0.01), "t = 0.33");
    }

    #[test]
    fn sparse_snapshots_merge_cells() {
        assert_eq!(display_block(16384.0, 128, 128), 1);
        assert_eq!(display_block(2000.0, 128, 128), 4);
        assert_eq!(display_block(10.0, 128, 128), 8); // at least 16 shown cells per axis
        assert_eq!(display_block(1e9, 1000, 100), 4); // at most 256
        // 3 × 3 cells in blocks of 2: partial blocks at the upper edges
        let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
        assert_eq!(merge_blocks(&v, 3, 3, 2), [3.0, 4.5, 7.5, 9.0]);
    }
}
