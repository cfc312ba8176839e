use std::time::Instant;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use wsindy_core::memory::{self, MemoryError};
use wsindy_core::{
    DensitySeries, Normalisation, Observations, ObservedDensity, SparseRegressor, TermKind, Trajectories,
};
use wsindy_density::{DensityError, DensityKernelChoice, GridRule, density_series, density_series_observed};
use wsindy_library::Library;
use wsindy_regress::{Mstls, MstlsReport, RegressError, Stls, log_grid};
use wsindy_testfn::{SeparableBasis, TestFnError, TestFunctionSpec};
use wsindy_weak::{AssemblyOptions, WeakError, assemble, column_scales};

use crate::model::{IdentifiedModel, IdentifiedTerm, TestFunctionReport, Timings};

/// Any error of the identification pipeline, by stage.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum WsindyError {
    /// Grid or density.
    #[error("density: {0}")]
    Density(#[from] DensityError),
    /// Test functions.
    #[error("test functions: {0}")]
    TestFunctions(#[from] TestFnError),
    /// Weak-form assembly.
    #[error("weak form: {0}")]
    Weak(#[from] WeakError),
    /// Sparse regression.
    #[error("regression: {0}")]
    Regression(#[from] RegressError),
    /// The library is empty.
    #[error("the library has no terms")]
    EmptyLibrary,
    /// The library's columns outnumber the weak system's rows.
    #[error(
        "the weak system has {rows} rows for {cols} library terms: use more data, smaller strides or fewer terms"
    )]
    TooFewRows {
        /// Rows kept.
        rows: usize,
        /// Library terms.
        cols: usize,
    },
    /// A configuration value is out of range.
    #[error("{0}")]
    Config(String),
    /// The identification would need more memory than the budget allows.
    #[error("{0}")]
    Memory(#[from] MemoryError),
    /// A file could not be read (streamed identification, the `io` feature).
    #[cfg(feature = "io")]
    #[error("{0}")]
    Io(#[from] wsindy_io::IoError),
}

/// The sparse regressor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RegressorChoice {
    /// MSTLS with the threshold chosen by the loss (the paper's method).
    #[default]
    Mstls,
    /// Sequential thresholding at the one threshold `stls_lambda` (the plain SINDy rule).
    Stls,
}

impl RegressorChoice {
    /// The name in configs and results.
    pub fn name(self) -> &'static str {
        match self {
            RegressorChoice::Mstls => "mstls",
            RegressorChoice::Stls => "stls",
        }
    }
}

/// The sparse regression: the regressor, MSTLS's threshold grid and loss, STLS's threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegressionConfig {
    /// The regressor.
    pub method: RegressorChoice,
    /// The threshold of `method = "stls"`, in (0, 1].
    pub stls_lambda: f64,
    /// log10 of the smallest λ.
    pub log10_lambda_min: f64,
    /// log10 of the largest λ.
    pub log10_lambda_max: f64,
    /// Number of λ values.
    pub lambda_count: usize,
    /// Weight of the sparsity part of the loss.
    pub sparsity_weight: f64,
    /// Prune the chosen support term by term while that lowers the loss.
    pub prune: bool,
    /// Rescale columns to dimensionless variables before thresholding.
    pub nondimensionalise: bool,
}

impl Default for RegressionConfig {
    /// MSTLS with 100 values of λ in [1e-4, 1], equal loss weights, pruning, dimensionless
    /// columns (STLS, if chosen, at λ = 1e-3, the order of the λ̂ MSTLS picks on the paper's
    /// examples).
    fn default() -> Self {
        Self {
            method: RegressorChoice::Mstls,
            stls_lambda: 1e-3,
            log10_lambda_min: -4.0,
            log10_lambda_max: 0.0,
            lambda_count: 100,
            sparsity_weight: 1.0,
            prune: true,
            nondimensionalise: true,
        }
    }
}

/// Everything the identification needs besides the data and the library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IdentifyConfig {
    /// How the grid is placed over the data.
    pub grid: GridRule,
    /// The density kernel: the paper's histogram, or linear binning (cloud in cell).
    pub density_kernel: DensityKernelChoice,
    /// The test functions.
    pub test_functions: TestFunctionSpec,
    /// Weak-form assembly options.
    pub assembly: AssemblyOptions,
    /// The sparse regression.
    pub regression: RegressionConfig,
    /// A library replacing the preset's (`[library]` in a config file); `None` keeps it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub library: Option<crate::LibrarySpec>,
}

impl Default for IdentifyConfig {
    /// A discretisation for data of any dimension: the grid's cells follow the data (256, 128²
    /// or 64³ cells over mean ± 3 std, [`GridRule::default_cells`]), p = (5, 3), automatic
    /// supports, strides (5, 1), histogram, MSTLS with 100 thresholds in [1e-4, 1]. The presets
    /// ([`crate::Preset::config`]) are the paper's tuned discretisations of its examples.
    fn default() -> Self {
        Self {
            grid: GridRule::automatic(),
            density_kernel: DensityKernelChoice::Histogram,
            test_functions: TestFunctionSpec::default(),
            assembly: AssemblyOptions::default(),
            regression: RegressionConfig::default(),
            library: None,
        }
    }
}

/// Bytes the large arrays of an identification take, estimated from the grid, the number of
/// times and the library before any of them is allocated.
///
/// With V = cells × L values of the density, J library terms, R ≤ ∏⌈n_a/s_x⌉ · ⌈L/s_t⌉
/// test functions and T threads, the estimate (8-byte values, 16-byte complex) is
/// 8V (density) + 16V (its spectra for the automatic supports) + 16V (time-filtered density and
/// its derivative) + 8V·T (one field per thread) + 16·J·R (the columns and G), plus, with
/// interaction terms, the FFT buffers: 16·L·S for the density spectra and 48·S per thread, where
/// S ≈ 2^d · cells / 2 is the length of the zero-padded spectrum of one snapshot.
pub fn memory_estimate(
    cells: &[usize],
    time_points: usize,
    library: &Library,
    space_stride: usize,
    time_stride: usize,
    threads: usize,
) -> u64 {
    let cells_total = cells.iter().fold(1u64, |a, &n| a.saturating_mul(n as u64));
    let l = time_points as u64;
    let v = cells_total.saturating_mul(l);
    let t = threads.max(1) as u64;
    let rows = cells
        .iter()
        .fold(1u64, |a, &n| a.saturating_mul(n.div_ceil(space_stride.max(1)) as u64))
        .saturating_mul(time_points.div_ceil(time_stride.max(1)) as u64);
    let j = library.len() as u64;
    let mut total = v.saturating_mul(8 + 16 + 16).saturating_add(v.saturating_mul(8).saturating_mul(t));
    total = total.saturating_add(j.saturating_mul(rows).saturating_mul(16));
    if library.terms().iter().any(|term| term.kind() == TermKind::Interaction) {
        // zero-padded to about twice the cells per axis, real-to-complex along the last axis
        let spectrum =
            cells.iter().fold(1u64, |a, &n| a.saturating_mul((n as u64).saturating_mul(2))) / 2 + 1;
        total = total
            .saturating_add(l.saturating_mul(spectrum).saturating_mul(16))
            .saturating_add(t.saturating_mul(spectrum).saturating_mul(48));
    }
    total
}

/// Errors if [`memory_estimate`] exceeds the memory budget.
fn check_memory(
    cells: &[usize],
    time_points: usize,
    library: &Library,
    config: &IdentifyConfig,
) -> Result<(), WsindyError> {
    let tf = &config.test_functions;
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let needed = memory_estimate(cells, time_points, library, tf.space_stride, tf.time_stride, threads);
    let grid = cells.iter().map(usize::to_string).collect::<Vec<_>>().join(" × ");
    memory::check(
        needed,
        &format!(
            "the identification (density on {grid} cells × {time_points} times, {} library terms, strides ({}, {}), FFT buffers)",
            library.len(),
            tf.space_stride,
            tf.time_stride
        ),
        "reduce grid.cells, raise test_functions.space_stride or time_stride, use fewer time points or a smaller library",
    )?;
    Ok(())
}

/// Identifies the mean-field equation of `data` from the terms of `library`.
pub fn identify(
    data: &Trajectories,
    library: &Library,
    config: &IdentifyConfig,
) -> Result<IdentifiedModel, WsindyError> {
    check_inputs(library, config)?;
    let start = Instant::now();
    let grid = config.grid.grid(data)?;
    check_memory(&grid.shape(), data.time_points(), library, config)?;
    let density = density_series(data, &grid, config.density_kernel.kernel())?;
    let t_density = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let basis = SeparableBasis::for_density(&density, &config.test_functions)?;
    let mut model = from_density(&density, basis, 0, data.particles(), library, config, t_density, start)?;
    model.data_warnings = edge_warnings(&density, |_| true);
    Ok(model)
}

/// Identifies the mean-field equation of ragged tracker data: experiments of different sizes,
/// lengths and first frames on one time grid, lost detections, missing frames.
///
/// The density pools the experiments present at each time, weighted by their particle
/// numbers, with `normalisation` saying what a count is divided by
/// ([`density_series_observed`]). A test function is used only if its time support holds the
/// same experiments at every time and no frame without observations, because the pooled
/// density jumps where an experiment starts or ends; how many were dropped is reported in
/// [`TestFunctionReport::dropped_for_gaps`]. On complete data the result is that of
/// [`identify`].
pub fn identify_observed(
    observations: &Observations,
    library: &Library,
    config: &IdentifyConfig,
    normalisation: Normalisation,
) -> Result<IdentifiedModel, WsindyError> {
    check_inputs(library, config)?;
    let start = Instant::now();
    let grid = config.grid.grid_observed(observations)?;
    let (first, end) = observations.frame_range();
    check_memory(&grid.shape(), end - first, library, config)?;
    let observed =
        density_series_observed(observations, &grid, config.density_kernel.kernel(), normalisation)?;
    let t_density = start.elapsed().as_secs_f64();
    let layout = observations.layout();
    let particles = layout.particle_counts(normalisation).into_iter().min().unwrap_or(0);
    let mut model = from_observed(&observed, particles, library, config, t_density)?;
    model.data_warnings.extend(layout_warnings(&layout));
    Ok(model)
}

/// Identifies the model from a density already estimated (for example from a file streamed
/// through [`wsindy_density::DensityAccumulator`]), as [`identify_observed`] does after its
/// histogram: test functions only where the time support is observed by a constant set of
/// experiments. `particles` is reported as the model's particle count N.
pub fn identify_density(
    observed: &ObservedDensity,
    particles: usize,
    library: &Library,
    config: &IdentifyConfig,
) -> Result<IdentifiedModel, WsindyError> {
    check_inputs(library, config)?;
    let series = observed.series();
    check_memory(&series.grid().shape(), observed.time_points(), library, config)?;
    from_observed(observed, particles, library, config, 0.0)
}

fn from_observed(
    observed: &ObservedDensity,
    particles: usize,
    library: &Library,
    config: &IdentifyConfig,
    t_density: f64,
) -> Result<IdentifiedModel, WsindyError> {
    let start = Instant::now();
    let density = observed.series();
    let dim = density.grid().dim();
    let mut basis = SeparableBasis::for_density(density, &config.test_functions)?;
    // a time is unusable if nothing was observed there, or if the set of experiments changes
    // between it and the time before (both observed: an absent time is flagged itself)
    let unusable: Vec<bool> = (0..observed.time_points())
        .map(|l| {
            !observed.is_observed(l)
                || (l > 0 && observed.is_observed(l - 1) && observed.present(l) != observed.present(l - 1))
        })
        .collect();
    let dropped = basis.drop_unobserved_times(&unusable)?;
    if basis.is_empty() {
        return Err(WsindyError::Config(format!(
            "no test function's time support of {} frames lies inside the observed stretches of the data: too many missing frames, or experiments too short",
            2 * basis.bump(dim).half_width() + 1
        )));
    }
    let mut model = from_density(density, basis, dropped, particles, library, config, t_density, start)?;
    model.data_warnings.extend(edge_warnings(density, |l| observed.is_observed(l)));
    Ok(model)
}

/// The ratio of the density's mean on the grid's boundary cells to its mean over the cells it
/// occupies above which [`IdentifiedModel::warnings`] says the density is cut.
///
/// A density contained in the grid falls off before its edge: a Gaussian cut at ±3σ has ratio
/// about 0.03, a uniform disk touching the grid (the Keller–Segel start) about 0.15. A density
/// cut by the field of view keeps its level up to the edge: ratio about 1.
pub const EDGE_DENSITY_WARNING: f64 = 0.3;

/// The share of observations outside the grid above which [`IdentifiedModel::warnings`] warns
/// (the paper's grid, mean ± 3 standard deviations, leaves about 0.3% per side of a Gaussian
/// outside, more where the spread changes over time).
pub const OUTSIDE_WARNING: f64 = 0.05;

/// A warning when, at some observed time, the density on the grid's boundary cells exceeds
/// [`EDGE_DENSITY_WARNING`] times its mean over the occupied cells, or when more than
/// [`OUTSIDE_WARNING`] of the observations fall outside the grid: the density is then cut by the grid or by the field of
/// view, and the weak form, which assumes it contained, sees the cut as transport.
fn edge_warnings(series: &DensitySeries, observed: impl Fn(usize) -> bool) -> Vec<String> {
    let shape = series.grid().shape();
    let boundary: Vec<bool> = (0..series.grid().len())
        .map(|flat| {
            let mut rest = flat;
            shape.iter().rev().any(|&n| {
                let i = rest % n;
                rest /= n;
                i == 0 || i + 1 == n
            })
        })
        .collect();
    let edge_cells = boundary.iter().filter(|&&b| b).count().max(1) as f64;
    let mut worst = (0.0f64, 0usize);
    for l in (0..series.times().len()).filter(|&l| observed(l)) {
        let (mut edge, mut all, mut occupied) = (0.0, 0.0, 0usize);
        for (&u, &b) in series.snapshot(l).iter().zip(&boundary) {
            all += u;
            occupied += usize::from(u > 0.0);
            if b {
                edge += u;
            }
        }
        if all > 0.0 {
            let ratio = (edge / edge_cells) / (all / occupied as f64);
            if ratio > worst.0 {
                worst = (ratio, l);
            }
        }
    }
    let mut out = Vec::new();
    if worst.0 > EDGE_DENSITY_WARNING {
        out.push(format!(
            "at t = {} the density on the grid's boundary cells is {:.0}% of its mean over the occupied cells: the density does not fall off before the edge of the grid or of the field of view, so it is cut there, and the weak form, which assumes it contained, reads the cut as transport; widen the grid (grid.std_multiple, grid.clip_to_data = false) if the data extend beyond it, or crop the data to a region the particles do not leave",
            wsindy_core::display::Number(series.times()[worst.1]),
            100.0 * worst.0
        ));
    }
    if series.outside_fraction() > OUTSIDE_WARNING {
        out.push(format!(
            "{:.1}% of the observations fall outside the grid and are left out of the density; widen the grid (grid.std_multiple)",
            100.0 * series.outside_fraction()
        ));
    }
    out
}

/// A warning per experiment whose observed count falls by more than a fifth from its first
/// tenth of frames to its last: particles that leave the field of view, rather than detections
/// lost at random (per-frame normalisation then lends their mass to those that stay).
pub fn layout_warnings(layout: &wsindy_core::ObservationLayout) -> Vec<String> {
    let mut out = Vec::new();
    for (m, e) in layout.experiments.iter().enumerate() {
        let present: Vec<usize> = e.counts.iter().flatten().copied().collect();
        let tenth = (present.len() / 10).max(1);
        if present.len() < 4 {
            continue;
        }
        let mean = |s: &[usize]| s.iter().sum::<usize>() as f64 / s.len() as f64;
        let (head, tail) = (mean(&present[..tenth]), mean(&present[present.len() - tenth..]));
        if tail < 0.8 * head {
            out.push(format!(
                "experiment {m}: the observed count falls from {head:.0} to {tail:.0} per frame: particles may be leaving the field of view; the density then loses mass at the edge, which the model reads as transport"
            ));
        }
    }
    out
}

/// The library and regression settings `identify` needs before any work.
fn check_inputs(library: &Library, config: &IdentifyConfig) -> Result<(), WsindyError> {
    if library.is_empty() {
        return Err(WsindyError::EmptyLibrary);
    }
    let rc = &config.regression;
    let ordered = rc.log10_lambda_min.is_finite()
        && rc.log10_lambda_max.is_finite()
        && rc.log10_lambda_min <= rc.log10_lambda_max
        && rc.log10_lambda_max <= 0.0;
    if rc.lambda_count == 0 || !ordered {
        return Err(WsindyError::Config(format!(
            "regression thresholds: expected lambda_count ≥ 1 and log10_lambda_min ≤ log10_lambda_max ≤ 0, got {} values in [{}, {}]",
            rc.lambda_count, rc.log10_lambda_min, rc.log10_lambda_max
        )));
    }
    Ok(())
}

/// The weak system, the regression and the model, from a density and its test functions
/// (`start` is when the assembly began, for its timing).
#[allow(clippy::too_many_arguments)]
fn from_density(
    density: &DensitySeries,
    basis: SeparableBasis,
    dropped_for_gaps: usize,
    particles: usize,
    library: &Library,
    config: &IdentifyConfig,
    t_density: f64,
    start: Instant,
) -> Result<IdentifiedModel, WsindyError> {
    let rc = &config.regression;
    let mut system = assemble(density, &basis, library.terms(), &config.assembly)?;
    let t_assemble = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let (rows, cols) = (system.g.rows(), system.g.cols());
    if rows < cols {
        return Err(WsindyError::TooFewRows { rows, cols });
    }
    let d = density.grid().dim();
    let space = basis.bump(0);
    let time = basis.bump(d);
    let scales = if rc.nondimensionalise {
        let inverse_length = (2.0 * f64::from(space.degree())).sqrt() / space.radius();
        let inverse_time = 1.0 / time.radius();
        column_scales(library.terms(), inverse_length, inverse_time)
    } else {
        vec![1.0; cols]
    };
    for (j, &s) in scales.iter().enumerate() {
        system.g.col_mut(j).iter_mut().for_each(|v| *v *= s);
    }
    // the regressor's own report becomes the model's threshold path: MSTLS's loss curve, or
    // STLS's one threshold with no loss
    let (outcome, path) = match rc.method {
        RegressorChoice::Mstls => {
            let regressor = Mstls {
                lambdas: log_grid(rc.log10_lambda_min, rc.log10_lambda_max, rc.lambda_count),
                sparsity_weight: rc.sparsity_weight,
                prune: rc.prune,
            };
            regressor.regress(&system.g, &system.b)?.split_report()
        }
        RegressorChoice::Stls => {
            let (bare, _) = Stls { lambda: rc.stls_lambda }.regress(&system.g, &system.b)?.split_report();
            let path = MstlsReport {
                lambda: rc.stls_lambda,
                lambdas: vec![rc.stls_lambda],
                losses: Vec::new(),
                loss: f64::NAN,
                pruned: Vec::new(),
            };
            (bare, path)
        }
    };
    let t_regress = start.elapsed().as_secs_f64();

    let coefficients: Vec<f64> = outcome.coefficients.iter().zip(&scales).map(|(w, s)| w * s).collect();
    let least_squares: Vec<f64> = outcome.least_squares.iter().zip(&scales).map(|(w, s)| w * s).collect();
    let terms = library
        .terms()
        .iter()
        .zip(&coefficients)
        .map(|(t, &c)| IdentifiedTerm {
            kind: t.kind(),
            name: t.name(),
            coefficient: c,
            description: t.description(),
        })
        .collect();
    let test_functions = TestFunctionReport {
        space_half_width: (0..d).map(|a| basis.bump(a).half_width()).collect(),
        time_half_width: time.half_width(),
        space_degree: space.degree(),
        time_degree: time.degree(),
        space_stride: config.test_functions.space_stride,
        time_stride: config.test_functions.time_stride,
        space_corner: (0..d).map(|a| basis.corner(a)).collect(),
        time_corner: basis.corner(d),
        count: system.rows_total,
        dropped_for_gaps,
    };
    Ok(IdentifiedModel {
        terms,
        least_squares,
        regressor: rc.method,
        lambda: path.lambda,
        loss: path.loss,
        pruned: path.pruned.iter().map(|&j| library.terms()[j].name()).collect(),
        lambdas: path.lambdas,
        losses: path.losses,
        rows,
        cols,
        particles,
        condition_number: outcome.condition_number,
        collinear: outcome
            .collinear
            .iter()
            .map(|group| {
                group
                    .iter()
                    .map(|&j| format!("{} {}", library.terms()[j].kind(), library.terms()[j].name()))
                    .collect()
            })
            .collect(),
        relative_residual: outcome.relative_residual,
        grid: density.grid().clone(),
        outside_fraction: density.outside_fraction(),
        test_functions,
        timings: Timings { simulate: None, density: t_density, assemble: t_assemble, regress: t_regress },
        data_warnings: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use wsindy_library::Term;

    use super::*;

    /// Particles relaxing by ẋ = −x (∇V = x) from a uniform spread on [−1, 1].
    fn relaxing() -> Trajectories {
        let (n, l, dt) = (2000, 61, 0.01);
        let x0: Vec<f64> = (0..n).map(|i| 2.0 * ((i as f64 + 0.5) / n as f64) - 1.0).collect();
        let positions = (0..l).flat_map(|k| x0.iter().map(move |x| x * (-(k as f64) * dt).exp())).collect();
        Trajectories::new(1, l, n, 1, positions, (0..l).map(|k| k as f64 * dt).collect()).unwrap()
    }

    #[test]
    fn the_regressor_is_chosen_by_the_config() {
        let data = relaxing();
        let mut library = Library::new();
        for a in [0, 1, 2, 3] {
            library.push(Term::drift_monomial(a));
        }
        library.push(Term::diffusion_monomial(0));
        let mut config = IdentifyConfig::default();
        let mstls = identify(&data, &library, &config).unwrap();
        config.regression.method = RegressorChoice::Stls;
        config.regression.stls_lambda = 0.001;
        let stls = identify(&data, &library, &config).unwrap();
        for model in [&mstls, &stls] {
            // ∇V = x exactly: the x^1 coefficient within the quadrature error, the rest zero
            let w = model.coefficients();
            assert!((w[1] - 1.0).abs() < 0.02, "{:?} {w:?}", model.regressor);
            assert!(w.iter().enumerate().all(|(j, v)| j == 1 || *v == 0.0), "{:?} {w:?}", model.regressor);
        }
        assert_eq!((mstls.regressor, mstls.losses.len()), (RegressorChoice::Mstls, 100));
        assert_eq!(
            (stls.regressor, stls.lambda, stls.lambdas.clone()),
            (RegressorChoice::Stls, 0.001, vec![0.001])
        );
        assert!(stls.losses.is_empty() && stls.loss.is_nan());
        // the default grid follows the data's dimension
        assert_eq!(mstls.grid.axes()[0].cells(), 256);
    }

    #[test]
    fn ragged_data_are_identified_from_the_observed_stretches() {
        use wsindy_core::{ObservedExperiment, TimeGrid};
        let data = relaxing();
        let mut library = Library::new();
        for a in [1, 3] {
            library.push(Term::drift_monomial(a));
        }
        let config = IdentifyConfig::default();
        let dense = identify(&data, &library, &config).unwrap();
        // complete data through the ragged path: the same model, bit for bit
        let complete = Observations::from_trajectories(&data).unwrap();
        let same = identify_observed(&complete, &library, &config, Normalisation::PerExperiment).unwrap();
        assert_eq!(same.coefficients(), dense.coefficients());
        assert_eq!(same.test_functions.dropped_for_gaps, 0);
        // frame 30 missing and every tenth particle lost at odd frames: the test functions over
        // frame 30 are dropped and ∇V = x is still found (the lost mass is spread evenly, so
        // per-frame normalisation keeps each frame's mass one)
        let (l, n) = (data.time_points(), data.particles());
        let (mut counts, mut positions) = (Vec::new(), Vec::new());
        for k in 0..l {
            if k == 30 {
                counts.push(None);
                continue;
            }
            let kept: Vec<f64> = data
                .snapshot(0, k)
                .iter()
                .enumerate()
                .filter(|(i, _)| k % 2 == 0 || i % 10 != 0)
                .map(|(_, x)| *x)
                .collect();
            counts.push(Some(kept.len()));
            positions.extend(kept);
        }
        let experiment = ObservedExperiment::new(0, counts, positions, Vec::new());
        let grid = TimeGrid::new(0.0, data.dt()).unwrap();
        let ragged = Observations::new(1, grid, vec![experiment]).unwrap();
        let model = identify_observed(&ragged, &library, &config, Normalisation::PerFrame).unwrap();
        let w = model.coefficients();
        assert!((w[0] - 1.0).abs() < 0.02 && w[1] == 0.0, "{w:?}");
        // every time centre within m_t of frame 30, times every space centre
        let tf = &model.test_functions;
        let (m_t, m_x) = (tf.time_half_width, tf.space_half_width[0]);
        let space_centres = (256 - 2 * m_x).div_ceil(tf.space_stride);
        assert!(30 >= 2 * m_t && 30 + 2 * m_t < l, "frame 30 away from the ends");
        assert_eq!(tf.dropped_for_gaps, (2 * m_t + 1) * space_centres);
        assert_eq!(model.particles, n);
    }

    #[test]
    fn memory_estimate_follows_its_formula() {
        // V = 10 cells × 5 times = 50; R = 10 × 5 = 50 test functions; J = 1; T = 1:
        // 40 V + 8 V + 16 J R = 2000 + 400 + 800
        let mut library = Library::new();
        library.push(Term::drift_monomial(1));
        assert_eq!(memory_estimate(&[10], 5, &library, 1, 1, 1), 3200);
        // strides 5 and 2: R = 2 × 3 = 6, and two threads: 2000 + 800 + 96
        assert_eq!(memory_estimate(&[10], 5, &library, 5, 2, 2), 2896);
        // an interaction term adds J R = 50 × 16 and the FFT buffers, S = 20 / 2 + 1 = 11:
        // 16 · 5 · 11 + 48 · 11
        library.push(Term::power(2.0));
        assert_eq!(memory_estimate(&[10], 5, &library, 1, 1, 1), 3200 + 800 + 880 + 528);
        // a product that overflows saturates, above every budget
        assert_eq!(memory_estimate(&[usize::MAX, usize::MAX], usize::MAX, &library, 1, 1, 1), u64::MAX);
    }
}
