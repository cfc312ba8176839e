use std::fmt;

use serde::Serialize;
use wsindy_core::{Grid, TermKind};

/// One term of the library with its learned coefficient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdentifiedTerm {
    /// Interaction, drift or diffusion.
    pub kind: TermKind,
    /// The term's name.
    pub name: String,
    /// The learned coefficient (0 if not selected).
    pub coefficient: f64,
    /// The term's typed description (family and parameters), for built-in terms; absent for
    /// terms built from closures.
    #[serde(rename = "term", skip_serializing_if = "Option::is_none")]
    pub description: Option<wsindy_core::Term>,
}

/// The test functions the identification used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestFunctionReport {
    /// Half-width m_x per space axis, in grid points.
    pub space_half_width: Vec<usize>,
    /// Half-width m_t in time steps.
    pub time_half_width: usize,
    /// Degree p_x.
    pub space_degree: u32,
    /// Degree p_t.
    pub time_degree: u32,
    /// Query stride s_x.
    pub space_stride: usize,
    /// Query stride s_t.
    pub time_stride: usize,
    /// Corner wavenumbers per space axis (automatic supports only).
    pub space_corner: Vec<Option<usize>>,
    /// Corner wavenumber in time (automatic support only).
    pub time_corner: Option<usize>,
    /// Number of test functions before the mass filter.
    pub count: usize,
}

/// Wall-clock seconds per stage.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Timings {
    /// Simulation, when the data were simulated.
    pub simulate: Option<f64>,
    /// Grid and histogram.
    pub density: f64,
    /// Test functions and weak-form assembly.
    pub assemble: f64,
    /// Sparse regression.
    pub regress: f64,
}

/// The identified mean-field equation with the diagnostics of its identification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdentifiedModel {
    /// Every library term with its coefficient (0 where not selected), in library order.
    pub terms: Vec<IdentifiedTerm>,
    /// The least-squares coefficients over all terms, w₀ = G†b.
    pub least_squares: Vec<f64>,
    /// The chosen threshold λ̂.
    pub lambda: f64,
    /// The thresholds tried.
    pub lambdas: Vec<f64>,
    /// The MSTLS loss for each threshold.
    pub losses: Vec<f64>,
    /// The loss of the returned model.
    pub loss: f64,
    /// Names of the terms that pruning removed from the support the threshold path chose.
    pub pruned: Vec<String>,
    /// Rows of G (test functions kept).
    pub rows: usize,
    /// Columns of G (library terms).
    pub cols: usize,
    /// 2-norm condition number of G (after non-dimensionalisation).
    pub condition_number: f64,
    /// Groups of terms ("kind name") whose columns of G are linearly dependent to rounding level
    /// (singular values below 1e-13 of the largest): the data cannot tell the terms of a group
    /// apart, and their coefficients are one choice among many. Empty for a well-posed library.
    pub collinear: Vec<Vec<String>>,
    /// ‖Gŵ − b‖ / ‖b‖.
    pub relative_residual: f64,
    /// The grid C.
    pub grid: Grid,
    /// Fraction of particle observations outside the grid.
    pub outside_fraction: f64,
    /// The test functions used.
    pub test_functions: TestFunctionReport,
    /// Seconds per stage.
    pub timings: Timings,
}

impl IdentifiedModel {
    /// All coefficients in library order.
    pub fn coefficients(&self) -> Vec<f64> {
        self.terms.iter().map(|t| t.coefficient).collect()
    }
    /// The coefficient of the term of `kind` named `name`.
    pub fn coefficient(&self, kind: TermKind, name: &str) -> Option<f64> {
        self.terms.iter().find(|t| t.kind == kind && t.name == name).map(|t| t.coefficient)
    }
    /// Warnings about how far the model can be trusted: a rank-deficient G, and each group of
    /// terms the data cannot tell apart. Empty for a well-posed identification.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.condition_number.is_finite() {
            out.push(format!(
                "G is numerically rank-deficient (cond(G) = {:.2e}): the data or the test functions cannot resolve this library, and the model is not reliable",
                self.condition_number
            ));
        }
        const SHOWN: usize = 3;
        if self.collinear.len() > SHOWN {
            out.push(format!(
                "G has {} (nearly) null directions among its {} columns: the data cannot resolve this library; the first {SHOWN} groups follow (all are in the JSON's model.collinear)",
                self.collinear.len(),
                self.cols
            ));
        }
        for group in self.collinear.iter().take(SHOWN) {
            out.push(match group.as_slice() {
                [one] => format!(
                    "on these data the column of {one} is, to rounding level, a combination of other columns: its coefficient is not determined by the data (the model is still the best found)"
                ),
                _ => format!(
                    "on these data the columns of {} are linearly dependent to rounding level: their coefficients are not determined by the data (the model is still the best found; keeping one of them in the library removes the ambiguity)",
                    group.join(", ")
                ),
            });
        }
        out
    }

    /// The selected (non-zero) terms.
    pub fn selected(&self) -> impl Iterator<Item = &IdentifiedTerm> {
        self.terms.iter().filter(|t| t.coefficient != 0.0)
    }
}

fn sum_of(model: &IdentifiedModel, kind: TermKind) -> String {
    let parts: Vec<String> = model
        .selected()
        .filter(|t| t.kind == kind)
        .enumerate()
        .map(|(i, t)| {
            let c = t.coefficient;
            let sign = if c < 0.0 {
                "- "
            } else if i > 0 {
                "+ "
            } else {
                ""
            };
            format!("{sign}{:.6} {}", c.abs(), t.name)
        })
        .collect();
    if parts.is_empty() { "0".to_string() } else { parts.join(" ") }
}

impl fmt::Display for IdentifiedModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.grid.dim();
        if d == 1 {
            writeln!(f, "∂tμ = ∂x((K′*μ + V′) μ) + ∂xx(½σ² μ)   with")?;
            writeln!(f, "  K(x)   = {}", sum_of(self, TermKind::Interaction))?;
            writeln!(f, "  V′(x)  = {}", sum_of(self, TermKind::Drift))?;
            write!(f, "  ½σ²(x) = {}", sum_of(self, TermKind::Diffusion))
        } else {
            writeln!(f, "∂tμ = ∇·((∇K*μ + ∇V) μ) + Σ ∂p∂q(½(σσᵀ)_pq μ)   with")?;
            writeln!(f, "  K     = {}", sum_of(self, TermKind::Interaction))?;
            writeln!(f, "  ∇V    = {}", sum_of(self, TermKind::Drift))?;
            write!(f, "  ½σσᵀ  = {}", sum_of(self, TermKind::Diffusion))
        }
    }
}
