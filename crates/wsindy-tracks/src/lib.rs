//! Weak-form regression rows from particle **tracks** (identities over time) for **wsindy**:
//! the mean-field equation of dX_i = (−∇K*μ_N(X_i) − ∇V(X_i)) dt + σ(X_i) dB_i learned from
//! what each particle does, not from the density histogram, which makes few particles
//! (N = 100–1000) enough.
//!
//! * **Drift and interaction** ([`TrackSystem::build`]): along each track, for time test
//!   functions φ_k(t) = (1 − s²)^p on 2m + 1 frames inside it,
//!   −Σ Δt φ_k′ X = Σ_j w_j Σ Δt φ_k F_j(X) + Σ φ̃ σ ΔB, with F_j = −∇V_j or the exact
//!   mean field −(1/N) Σ_l ∇K_j(X − X_l) over the particles of the frame (O(N log N) sorted
//!   prefix sums for |x|^m in 1D, an O(N²) pair sum otherwise), evaluated once per frame and
//!   term. No velocities are differenced. The noise term is *not* independent of the row's
//!   features (the positions inside the window moved with it), so ordinary least squares is
//!   biased (measured: ∇K error 28–44% on the nonlocal 1D example); the drift is estimated
//!   by two-stage least squares with the features at each window's first frame as
//!   instruments ([`DriftEstimator`]).
//! * **Diffusion** ([`TrackSystem::diffusion_rows`]): the quadratic variation of the
//!   increments with the fitted drift removed, against 2·D_j = (σσᵀ)_j.
//! * **Localization error** ([`Localization`]): ŝ² = −mean(R_n R_{n+1}) from the lag-one
//!   covariance of those increments, and 2ŝ² subtracted from the squared increments.
//!
//! [`identify_tracks`] runs both regressions with MSTLS and returns the coefficients in
//! library order with the same meaning as the density pipeline's. Complete
//! [`Trajectories`] become tracked observations (particle i is track
//! i) with [`tracked_observations`]. The `few_particles` example measures the identification
//! of the nonlocal 1D example with N = 250–1000 against the density pipeline and the
//! Cramér–Rao bound.
//!
//! ```
//! use wsindy_core::{Observations, Trajectories};
//! use wsindy_library::{Library, Term};
//! use wsindy_tracks::{TrackOptions, identify_tracks, tracked_observations};
//!
//! // dX = −X dt, no noise: 50 particles, 101 frames at Δt = 0.01
//! let (n, l, dt) = (50, 101, 0.01);
//! let times: Vec<f64> = (0..l).map(|k| k as f64 * dt).collect();
//! let mut x = Vec::new();
//! for &t in &times {
//!     x.extend((0..n).map(|i| (1.0 + i as f64 / 10.0) * (-t).exp()));
//! }
//! let data = Trajectories::new(1, l, n, 1, x, times).unwrap();
//! // particle i is track i
//! let obs = tracked_observations(&data).unwrap();
//! let mut library = Library::new();
//! library.push(Term::drift_monomial(0));
//! library.push(Term::drift_monomial(1));
//! let fit = identify_tracks(&obs, &library, &TrackOptions::default()).unwrap();
//! assert_eq!(fit.coefficients[0], 0.0);
//! assert!((fit.coefficients[1] - 1.0).abs() < 1e-6);
//!
//! // data without track ids is an error, not a guess
//! let untracked = Observations::from_trajectories(&data).unwrap();
//! let err = identify_tracks(&untracked, &library, &TrackOptions::default()).unwrap_err();
//! assert!(err.to_string().contains("no track ids"), "{err}");
//! ```

mod error;
mod powers;
mod system;

pub use error::TracksError;
pub use system::{DiffusionRows, Localization, TrackSystem};

use wsindy_core::{DenseMatrix, Observations, ObservedExperiment, SparseRegressor, TimeGrid, Trajectories};
use wsindy_library::Library;
use wsindy_regress::Mstls;

/// Settings of the track rows and their regression.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackOptions {
    /// Half-width m of the time test functions in frames: each spans 2m + 1 frames of a track.
    pub half_width: usize,
    /// Degree p ≥ 2 of φ(s) = (1 − s²)^p.
    pub degree: f64,
    /// Frames between the starts of consecutive test functions on a track.
    pub stride: usize,
    /// Subtract the estimated localization error 2ŝ² from the squared increments.
    pub correct_localization: bool,
    /// Rescale the columns to the data's length scale and the test functions' time scale
    /// before thresholding (as the density pipeline does), so that the thresholds do not
    /// depend on the units.
    pub nondimensionalise: bool,
    /// How the drift coefficients are estimated from the drift rows.
    pub drift_estimator: DriftEstimator,
    /// The sparse regression, used for both systems.
    pub regression: Mstls,
}

/// The estimator of the drift regression.
///
/// The noise of a drift row, Σ φ σ ΔB over its window, is correlated with the row's own
/// features Σ φ F(X_n) Δt: X_n inside the window moved with the same Brownian increments.
/// Ordinary least squares on the rows is therefore biased, by about −σ²/(2 E|F|²) relative to
/// the features' slope (measured −23% on dX = −X dt + √0.2 dB from X₀ ~ N(0, 1)), whatever
/// the window's width. The density pipeline does not see this because the noise averages
/// out over N particles before the regression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DriftEstimator {
    /// Two-stage least squares with the features at each window's first frame as
    /// instruments: they are fixed before any increment of the window, and φ, φ′ vanish at
    /// that frame, so they are uncorrelated with the row's Brownian and localization noise.
    /// MSTLS runs on the projected system R_Z^{−T} Zᵀ[G | b] (J × J).
    #[default]
    Instrumented,
    /// Ordinary least squares on the rows (biased by the in-window noise; for comparison).
    LeastSquares,
}

impl Default for TrackOptions {
    /// m = 10 frames, p = 8, stride 5, localization correction, non-dimensionalised columns,
    /// default MSTLS.
    fn default() -> Self {
        Self {
            half_width: 10,
            degree: 8.0,
            stride: 5,
            correct_localization: true,
            nondimensionalise: true,
            drift_estimator: DriftEstimator::Instrumented,
            regression: Mstls::default(),
        }
    }
}

impl TrackOptions {
    pub(crate) fn check(&self) -> Result<(), TracksError> {
        if self.half_width == 0 {
            return Err(TracksError::InvalidOption {
                what: "half_width",
                value: 0.0,
                expected: "at least 1 frame",
            });
        }
        if !(self.degree.is_finite() && self.degree >= 2.0) {
            return Err(TracksError::InvalidOption {
                what: "degree",
                value: self.degree,
                expected: "a finite p ≥ 2",
            });
        }
        if self.stride == 0 {
            return Err(TracksError::InvalidOption {
                what: "stride",
                value: 0.0,
                expected: "at least 1 frame",
            });
        }
        Ok(())
    }
}

/// What one of the two regressions saw.
#[derive(Debug, Clone, PartialEq)]
pub struct FitSummary {
    /// Rows of G.
    pub rows: usize,
    /// Library indices of the columns.
    pub terms: Vec<usize>,
    /// Least-squares coefficients over all columns (in the data's units, column order).
    pub least_squares: Vec<f64>,
    /// ‖Gŵ − b‖/‖b‖.
    pub relative_residual: f64,
    /// Condition number of the (scaled) G.
    pub condition_number: f64,
    /// The chosen MSTLS threshold.
    pub lambda: f64,
    /// Whether the instrumented estimator was used (false: least squares, chosen or because
    /// the instruments were rank deficient).
    pub instrumented: bool,
}

/// A model identified from tracks.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackModel {
    /// Coefficients in library order (zeros off the support): the particles move with
    /// −Σ w_j ∇K_j*μ − Σ w_j ∇V_j and ½σσᵀ = Σ w_j D_j, as in the density pipeline.
    pub coefficients: Vec<f64>,
    /// Term names, library order.
    pub names: Vec<String>,
    /// The drift regression (`None` if the library has no drift or interaction terms).
    pub drift: Option<FitSummary>,
    /// The diffusion regression (`None` if the library has no diffusion terms).
    pub diffusion: Option<FitSummary>,
    /// The localization error estimated from the drift-corrected increments.
    pub localization: Localization,
    /// Tracks used.
    pub tracks_used: usize,
    /// Tracks skipped as shorter than the test functions' support.
    pub tracks_too_short: usize,
    /// Test functions (track windows).
    pub test_functions: usize,
}

/// Runs MSTLS on `g`, `b` (columns `terms` of the library) with the columns scaled by
/// ℓ^e_j / (mΔt), the density pipeline's `column_scales` with inverse length 1/ℓ and inverse
/// time 1/(mΔt); returns the coefficients in the data's units.
fn fit(
    system: &'static str,
    g: &DenseMatrix,
    b: &[f64],
    z: Option<&DenseMatrix>,
    terms: &[usize],
    sys: &TrackSystem,
    options: &TrackOptions,
) -> Result<(Vec<f64>, FitSummary), TracksError> {
    let (rows, cols) = (g.rows(), g.cols());
    if rows < cols {
        return Err(TracksError::TooFewRows { system, rows, cols });
    }
    let inverse_time = 1.0 / (options.half_width as f64 * sys.dt);
    let ell = if sys.length_scale > 0.0 { sys.length_scale } else { 1.0 };
    let scales: Vec<f64> =
        terms
            .iter()
            .map(|&j| {
                if options.nondimensionalise { inverse_time * ell.powf(sys.length_exponents[j]) } else { 1.0 }
            })
            .collect();
    let mut scaled = g.clone();
    for (j, &s) in scales.iter().enumerate() {
        scaled.col_mut(j).iter_mut().for_each(|v| *v *= s);
    }
    let projected = z.and_then(|z| {
        let mut zs = z.clone();
        for (j, &s) in scales.iter().enumerate() {
            zs.col_mut(j).iter_mut().for_each(|v| *v *= s);
        }
        instrumented(&zs, &scaled, b)
    });
    let instrumented = projected.is_some();
    let out = match &projected {
        Some((g, b)) => options.regression.regress(g, b),
        None => options.regression.regress(&scaled, b),
    }
    .map_err(|source| TracksError::Regress { system, source })?;
    let w: Vec<f64> = out.coefficients.iter().zip(&scales).map(|(w, s)| w * s).collect();
    let summary = FitSummary {
        rows,
        terms: terms.to_vec(),
        least_squares: out.least_squares.iter().zip(&scales).map(|(w, s)| w * s).collect(),
        relative_residual: out.relative_residual,
        condition_number: out.condition_number,
        lambda: out.report.lambda,
        instrumented,
    };
    Ok((w, summary))
}

/// The two-stage least-squares system: with Z = QR, ‖P_Z(Gw − b)‖ = ‖R⁻ᵀZᵀ(Gw − b)‖, so MSTLS
/// on (R⁻ᵀZᵀG, R⁻ᵀZᵀb) minimises the projected residual for every support. `None` if R is
/// singular to rounding (rank-deficient instruments).
fn instrumented(z: &DenseMatrix, g: &DenseMatrix, b: &[f64]) -> Option<(DenseMatrix, Vec<f64>)> {
    let (rows, j) = (z.rows(), z.cols());
    let zm = faer::Mat::from_fn(rows, j, |i, k| z.get(i, k));
    let r = zm.qr().thin_R().to_owned();
    let largest = (0..j).map(|i| r[(i, i)].abs()).fold(0.0, f64::max);
    if !largest.is_finite() || (0..j).any(|i| r[(i, i)].abs() <= 1e-12 * largest) {
        return None;
    }
    // X = Zᵀ[G | b], then forward substitution Rᵀ Y = X, column by column
    let cols: Vec<&[f64]> = (0..j).map(|k| g.col(k)).chain(std::iter::once(b)).collect();
    let projected: Vec<Vec<f64>> = cols
        .iter()
        .map(|c| {
            let x: Vec<f64> =
                (0..j).map(|k| z.col(k).iter().zip(c.iter()).map(|(a, b)| a * b).sum()).collect();
            let mut y = vec![0.0; j];
            for i in 0..j {
                let s: f64 = (0..i).map(|k| r[(k, i)] * y[k]).sum();
                y[i] = (x[i] - s) / r[(i, i)];
            }
            y
        })
        .collect();
    let (b_tilde, g_cols) = projected.split_last()?;
    let out = (DenseMatrix::from_columns(g_cols), b_tilde.clone());
    out.1.iter().chain(out.0.as_slice()).all(|v| v.is_finite()).then_some(out)
}

impl TrackSystem {
    /// Fits the drift rows, builds the diffusion rows with the fitted drift removed and fits
    /// them.
    ///
    /// # Errors
    /// Fewer rows than columns, or a failed regression.
    pub fn identify(&self, options: &TrackOptions) -> Result<TrackModel, TracksError> {
        let mut coefficients = vec![0.0; self.library_len];
        let drift = if self.drift_terms.is_empty() {
            None
        } else {
            let z = (options.drift_estimator == DriftEstimator::Instrumented).then_some(&self.z);
            let (w, summary) = fit("drift", &self.g, &self.b, z, &self.drift_terms, self, options)?;
            for (&j, v) in self.drift_terms.iter().zip(w) {
                coefficients[j] = v;
            }
            Some(summary)
        };
        let rows = self.diffusion_rows(&coefficients, options.correct_localization)?;
        let diffusion = if self.diffusion_terms.is_empty() {
            None
        } else {
            let (w, summary) =
                fit("diffusion", &rows.g, &rows.b, None, &self.diffusion_terms, self, options)?;
            for (&j, v) in self.diffusion_terms.iter().zip(w) {
                coefficients[j] = v;
            }
            Some(summary)
        };
        Ok(TrackModel {
            coefficients,
            names: self.names.clone(),
            drift,
            diffusion,
            localization: rows.localization,
            tracks_used: self.tracks_used(),
            tracks_too_short: self.tracks_too_short(),
            test_functions: self.test_functions(),
        })
    }
}

/// Complete trajectories as tracked observations: every frame present, the track id of
/// particle i being i (`Observations::from_trajectories` keeps no ids).
///
/// # Errors
/// If the observations fail their checks (memory budget, non-finite positions).
pub fn tracked_observations(data: &Trajectories) -> Result<Observations, TracksError> {
    let grid = TimeGrid::new(data.times()[0], data.dt())?;
    let (l, n, d) = (data.time_points(), data.particles(), data.dim());
    let block = l * n * d;
    let ids: Vec<Option<u64>> = (0..l).flat_map(|_| (0..n as u64).map(Some)).collect();
    let experiments = (0..data.experiments())
        .map(|m| {
            let positions = data.positions()[m * block..(m + 1) * block].to_vec();
            ObservedExperiment::new(0, vec![Some(n); l], positions, ids.clone())
        })
        .collect();
    Ok(Observations::new(d, grid, experiments)?)
}

/// Builds the track rows of `obs` for `library` and identifies the model:
/// [`TrackSystem::build`] then [`TrackSystem::identify`].
///
/// # Errors
/// See [`TracksError`].
pub fn identify_tracks(
    obs: &Observations,
    library: &Library,
    options: &TrackOptions,
) -> Result<TrackModel, TracksError> {
    TrackSystem::build(obs, library, options)?.identify(options)
}

#[cfg(test)]
mod tests;
