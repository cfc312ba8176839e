//! Shared vocabulary of **wsindy**: the types and traits every stage of the pipeline speaks.
//!
//! Data flows one way:
//!
//! ```text
//! Trajectories --DensityKernel--> DensitySeries --(TestFunctionBasis × TrialTerm)--> weak system (G, b)
//!              --SparseRegressor--> coefficients
//! ```
//!
//! * [`Trajectories`]: positions of N particles in M experiments at L equally spaced times in d
//!   dimensions, validated once on construction.
//! * [`Grid`]: the equally spaced rectangular grid C of cell centres the density lives on.
//! * [`Observations`]: ragged tracker output instead (experiments of different lengths, lost
//!   detections, absent frames, track ids) on a common time grid [`TimeGrid`]; see
//!   [`observations`].
//! * [`DensitySeries`]: the density U_t(c) on the grid for every time, averaged over experiments.
//! * [`TrialTerm`]: one candidate term of the mean-field equation (an interaction force ∇K_j,
//!   a drift force ∇V_j or a diffusion ½σσᵀ_j), implemented by users to plug in their own terms.
//! * [`DensityKernel`], [`TestFunctionBasis`], [`SparseRegressor`]: the other pipeline stages.
//!
//! ```
//! use wsindy_core::{Trajectories, Grid, Axis};
//! // one experiment, three times, two particles in one dimension
//! let positions = vec![0.0, 1.0, 0.1, 1.1, 0.2, 1.2];
//! let data = Trajectories::new(1, 3, 2, 1, positions, vec![0.0, 0.5, 1.0]).unwrap();
//! assert_eq!(data.snapshot(0, 1), &[0.1, 1.1]);
//! assert!((data.dt() - 0.5).abs() < 1e-15);
//! let grid = Grid::new(vec![Axis::from_edges(-1.0, 2.0, 30).unwrap()]).unwrap();
//! assert_eq!(grid.len(), 30);
//! ```

pub mod atomic;
mod density;
pub mod display;
mod error;
mod expression;
mod grid;
mod layout;
mod matrix;
pub mod memory;
pub mod observations;
mod radial;
mod term;
mod trajectories;
mod vocabulary;

pub use density::{DensitySeries, ObservedDensity};
pub use error::CoreError;
pub use grid::{Axis, Grid};
pub use layout::{AxisAccumulator, ExperimentLayout, ObservationLayout, Pooling};
pub use matrix::DenseMatrix;
pub use observations::{
    FrameShare, Normalisation, ObservationError, Observations, ObservedExperiment, TimeGrid,
};
pub use radial::RadialKernel;
pub use term::{TermKind, TrialTerm};
pub use trajectories::{AxisSummary, Trajectories};
pub use vocabulary::{CompiledTerm, MatrixEntry, ScalarField, Term};

/// Maps the particle positions of one snapshot to a density on a grid.
///
/// Implementations add `weight` times the kernel of each particle into `density` (one value per
/// grid cell, last axis fastest) and return how many particles fell outside the grid, so
/// that no particle is lost without a count.
pub trait DensityKernel: Send + Sync {
    /// Adds the density of the `positions` (N × d, particle-major) to `density`, each particle
    /// carrying mass `weight`; returns the number of particles outside the grid.
    fn deposit(&self, grid: &Grid, positions: &[f64], weight: f64, density: &mut [f64]) -> usize;
}

/// A separable space–time test-function family ψ_k(x, t) = φ_1(x_1 − x_{k,1}) ⋯ φ_d(x_d − x_{k,d}) φ_t(t − t_k).
///
/// Every axis (the d space axes, then time) is described by sampled derivative stencils of its
/// reference function and by the grid indices of the query points along it.
pub trait TestFunctionBasis: Send + Sync {
    /// Number of axes: space dimensions plus one for time.
    fn axes(&self) -> usize;
    /// Samples of the `derivative`-th derivative of the reference function of `axis` at the
    /// offsets −m..=m grid spacings (length 2m+1), already in physical units.
    fn stencil(&self, axis: usize, derivative: usize) -> &[f64];
    /// Grid indices of the query-point centres along `axis`; every support lies inside the grid.
    fn query_indices(&self, axis: usize) -> &[usize];
    /// Half-width m of the support of `axis`, in grid points.
    fn half_width(&self, axis: usize) -> usize {
        (self.stencil(axis, 0).len() - 1) / 2
    }
}

/// Coefficients chosen by a sparse regressor, with the diagnostics every regressor gives and
/// its own report `R` of what it saw on the way (MSTLS: the threshold path and loss curve).
#[derive(Debug, Clone, PartialEq)]
pub struct RegressionOutcome<R> {
    /// The selected coefficient vector (zeros off the support).
    pub coefficients: Vec<f64>,
    /// The least-squares solution over all columns, w₀ = G†b.
    pub least_squares: Vec<f64>,
    /// ‖G ŵ − b‖ / ‖b‖.
    pub relative_residual: f64,
    /// 2-norm condition number of G.
    pub condition_number: f64,
    /// Groups of columns that are (nearly) linearly dependent, one group per tiny singular
    /// value of G: the coefficients within a group are not determined by the data.
    pub collinear: Vec<Vec<usize>>,
    /// The regressor's own report.
    pub report: R,
}

impl<R> RegressionOutcome<R> {
    /// The outcome without its report, and the report: for code that handles the shared
    /// diagnostics of any regressor alike.
    pub fn split_report(self) -> (RegressionOutcome<()>, R) {
        let Self { coefficients, least_squares, relative_residual, condition_number, collinear, report } =
            self;
        (
            RegressionOutcome {
                coefficients,
                least_squares,
                relative_residual,
                condition_number,
                collinear,
                report: (),
            },
            report,
        )
    }
}

/// Turns a weak system (G, b) into sparse coefficients.
pub trait SparseRegressor {
    /// The error type of this regressor.
    type Error: std::error::Error + Send + Sync + 'static;
    /// What the regressor reports besides the coefficients (thresholds tried, losses, …).
    type Report: std::fmt::Debug + Clone + Send + Sync;
    /// Solves G w ≈ b for a sparse w.
    fn regress(&self, g: &DenseMatrix, b: &[f64]) -> Result<RegressionOutcome<Self::Report>, Self::Error>;
}
