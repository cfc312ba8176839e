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
    #[serde(serialize_with = "json_float::one")]
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
    /// Test functions left out because their time support crossed a missing frame or a time
    /// at which an experiment starts or ends (ragged data only).
    pub dropped_for_gaps: usize,
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

/// JSON has no ∞ or NaN, and serde_json writes them as `null`: the model's numbers are written
/// as numbers when finite and as the strings `"inf"`, `"-inf"` and `"nan"` otherwise
/// (documented in docs/USER_GUIDE.md), so that no number of the schema is ever `null`.
pub mod json_float {
    use serde::Serializer;
    use serde::ser::SerializeSeq;

    /// The string for a non-finite value, `None` for a finite one.
    pub fn non_finite(v: f64) -> Option<&'static str> {
        match v {
            v if v.is_finite() => None,
            v if v.is_nan() => Some("nan"),
            v if v > 0.0 => Some("inf"),
            _ => Some("-inf"),
        }
    }

    /// Serializes one number.
    pub fn one<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        match non_finite(*v) {
            None => s.serialize_f64(*v),
            Some(text) => s.serialize_str(text),
        }
    }

    /// Serializes a list of numbers.
    pub fn many<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for x in v {
            match non_finite(*x) {
                None => seq.serialize_element(x)?,
                Some(text) => seq.serialize_element(text)?,
            }
        }
        seq.end()
    }
}

/// Particles per experiment per library term below which [`IdentifiedModel::warnings`] warns.
///
/// The density is a histogram of N particles: its relative sampling noise per cell is about
/// (N h)^(−1/2), and telling J terms apart takes well more than J independent "observations"
/// of the density's shape. Ten particles per term (240 for the 24-term nonlocal1d library; the
/// paper uses N ≥ 1000) is a floor, not a guarantee: below it the histogram cannot resolve the
/// library, and e.g. N = 2 yields large coefficients that look like a confident model.
pub const PARTICLES_PER_TERM: usize = 10;

/// The identified mean-field equation with the diagnostics of its identification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdentifiedModel {
    /// Every library term with its coefficient (0 where not selected), in library order.
    pub terms: Vec<IdentifiedTerm>,
    /// The least-squares coefficients over all terms, w₀ = G†b.
    #[serde(serialize_with = "json_float::many")]
    pub least_squares: Vec<f64>,
    /// The regressor that chose the terms.
    pub regressor: crate::RegressorChoice,
    /// The chosen threshold λ̂ (STLS: its fixed threshold).
    #[serde(serialize_with = "json_float::one")]
    pub lambda: f64,
    /// The thresholds tried.
    #[serde(serialize_with = "json_float::many")]
    pub lambdas: Vec<f64>,
    /// The MSTLS loss for each threshold.
    #[serde(serialize_with = "json_float::many")]
    pub losses: Vec<f64>,
    /// The loss of the returned model.
    #[serde(serialize_with = "json_float::one")]
    pub loss: f64,
    /// Names of the terms that pruning removed from the support the threshold path chose.
    pub pruned: Vec<String>,
    /// Rows of G (test functions kept).
    pub rows: usize,
    /// Columns of G (library terms).
    pub cols: usize,
    /// Particles per experiment N of the data.
    pub particles: usize,
    /// 2-norm condition number of G (after non-dimensionalisation).
    #[serde(serialize_with = "json_float::one")]
    pub condition_number: f64,
    /// Groups of terms ("kind name") whose columns of G are linearly dependent to rounding level
    /// (singular values below 1e-13 of the largest): the data cannot tell the terms of a group
    /// apart, and their coefficients are one choice among many. Empty for a well-posed library.
    pub collinear: Vec<Vec<String>>,
    /// ‖Gŵ − b‖ / ‖b‖.
    #[serde(serialize_with = "json_float::one")]
    pub relative_residual: f64,
    /// The grid C.
    pub grid: Grid,
    /// Fraction of particle observations outside the grid.
    #[serde(serialize_with = "json_float::one")]
    pub outside_fraction: f64,
    /// The test functions used.
    pub test_functions: TestFunctionReport,
    /// Seconds per stage.
    pub timings: Timings,
    /// Warnings about the data found while estimating the density (mass at the grid's edge,
    /// particles leaving the field of view); [`IdentifiedModel::warnings`] includes them.
    pub data_warnings: Vec<String>,
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
    /// Warnings about how far the model can be trusted: too few particles for the library
    /// (N < [`PARTICLES_PER_TERM`] × J), a rank-deficient G, and each group of terms the data
    /// cannot tell apart. Empty for a well-posed identification.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = self.data_warnings.clone();
        let needed = PARTICLES_PER_TERM.saturating_mul(self.cols);
        if self.particles < needed {
            out.push(format!(
                "N = {} particles per experiment is too few for a library of J = {} terms (at least {PARTICLES_PER_TERM} per term, N ≥ {needed}): the histogram is mostly sampling noise and the coefficients are not reliable; use more particles or a smaller library",
                self.particles, self.cols
            ));
        }
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

#[cfg(test)]
mod tests {
    use wsindy_core::Axis;

    use super::*;

    fn model(particles: usize, condition_number: f64, losses: Vec<f64>) -> IdentifiedModel {
        IdentifiedModel {
            terms: vec![IdentifiedTerm {
                kind: TermKind::Drift,
                name: "x^1".into(),
                coefficient: 1.0,
                description: None,
            }],
            least_squares: vec![1.0],
            regressor: crate::RegressorChoice::Mstls,
            lambda: 0.1,
            lambdas: vec![0.1; losses.len()],
            losses,
            loss: 0.5,
            pruned: vec![],
            rows: 10,
            cols: 24,
            particles,
            condition_number,
            collinear: vec![],
            relative_residual: f64::NAN,
            grid: Grid::new(vec![Axis::from_edges(0.0, 1.0, 8).unwrap()]).unwrap(),
            outside_fraction: 0.0,
            test_functions: TestFunctionReport {
                space_half_width: vec![2],
                time_half_width: 2,
                space_degree: 5,
                time_degree: 3,
                space_stride: 1,
                time_stride: 1,
                space_corner: vec![Some(3)],
                time_corner: Some(2),
                count: 10,
                dropped_for_gaps: 0,
            },
            timings: Timings { simulate: Some(1.0), density: 0.0, assemble: 0.0, regress: 0.0 },
            data_warnings: Vec::new(),
        }
    }

    /// Every null in a JSON value, as a path.
    fn nulls(value: &serde_json::Value, path: String, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Null => out.push(path),
            serde_json::Value::Array(items) => {
                items.iter().enumerate().for_each(|(i, v)| nulls(v, format!("{path}[{i}]"), out))
            }
            serde_json::Value::Object(map) => {
                map.iter().for_each(|(k, v)| nulls(v, format!("{path}.{k}"), out))
            }
            _ => {}
        }
    }

    #[test]
    fn non_finite_numbers_are_strings_not_nulls() {
        let json =
            serde_json::to_value(model(5000, f64::INFINITY, vec![f64::INFINITY, 0.5, f64::NEG_INFINITY]))
                .unwrap();
        let mut found = Vec::new();
        nulls(&json, String::new(), &mut found);
        assert!(found.is_empty(), "{found:?}");
        assert_eq!(json["condition_number"], "inf");
        assert_eq!(json["losses"], serde_json::json!(["inf", 0.5, "-inf"]));
        assert_eq!(json["relative_residual"], "nan");
        assert_eq!(json["lambda"], 0.1);
    }

    #[test]
    fn too_few_particles_for_the_library_warn() {
        // J = 24 terms: the rule asks for N ≥ 240
        let warns =
            |n| model(n, 1e8, vec![1.0]).warnings().iter().any(|w| w.contains("too few for a library"));
        assert!(warns(2));
        assert!(warns(239));
        assert!(!warns(240));
        let text = model(2, 1e8, vec![1.0]).warnings().remove(0);
        assert!(text.starts_with("N = 2 particles per experiment"), "{text}");
        assert!(text.contains("N ≥ 240"), "{text}");
    }
}
