use serde::{Deserialize, Serialize};

use crate::{CoreError, Term};

/// Which part of the mean-field equation a trial term belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum TermKind {
    /// A term of the interaction potential K; the term evaluates the force ∇K_j.
    Interaction,
    /// A term of the external potential V; the term evaluates the force ∇V_j.
    Drift,
    /// A term of the diffusion ½σσᵀ; the term evaluates the d × d matrix ½(σσᵀ)_j.
    Diffusion,
}

impl TermKind {
    /// Values per evaluation point in dimension `dim`: d force components, or d² matrix entries.
    pub fn components(self, dim: usize) -> usize {
        match self {
            TermKind::Interaction | TermKind::Drift => dim,
            TermKind::Diffusion => dim * dim,
        }
    }
    /// Lower-case name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            TermKind::Interaction => "interaction",
            TermKind::Drift => "drift",
            TermKind::Diffusion => "diffusion",
        }
    }
}

impl std::fmt::Display for TermKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One candidate term of the mean-field equation
/// ∂tμ = ∇·((∇K*μ + ∇V)μ) + Σ_pq ∂p∂q(½(σσᵀ)_pq μ).
///
/// * [`TermKind::Interaction`]: K = Σ w_j K_j; `evaluate` returns ∇K_j at separations x (it is
///   called on the difference grid C − C, where ∇K_j(0) must be finite; use 0 where undefined).
/// * [`TermKind::Drift`]: ∇V = Σ w_j g_j; `evaluate` returns the force g_j(x) on C.
/// * [`TermKind::Diffusion`]: ½σσᵀ = Σ w_j D_j; `evaluate` returns the d × d entries of D_j(x).
///
/// Implement it for your own struct to add a term family; see the `wsindy-library` crate for
/// the built-in families and for closures as terms.
pub trait TrialTerm: Send + Sync {
    /// Which part of the model the term belongs to.
    fn kind(&self) -> TermKind;
    /// A stable, human-readable name (for example `|x|^2` or `x^3`).
    fn name(&self) -> String;
    /// Evaluates the term at `points` (n × d, point-major), writing
    /// `kind().components(dim)` values per point into `out`.
    fn evaluate(&self, points: &[f64], dim: usize, out: &mut [f64]);
    /// The power of length in the units of this term's coefficient (the coefficient has units
    /// length^e / time). It makes the regression independent of the units of the data: columns
    /// are rescaled by (α^e / β) with α, β the inverse length and time scales of the test
    /// functions before thresholding. For a term x^a of a drift force e = 1 − a, of a diffusion
    /// e = 2 − a, of an interaction potential |x|^a e = 2 − a. The default suits terms whose
    /// values are dimensionless (cosines, exponentials of scaled distance).
    fn length_exponent(&self) -> f64 {
        match self.kind() {
            TermKind::Drift => 1.0,
            TermKind::Interaction | TermKind::Diffusion => 2.0,
        }
    }
    /// Checks that the term can be evaluated on `dim`-dimensional data. Callers (the weak-form
    /// assembly, the plots) check every term before evaluating it, so a term written for
    /// another dimension is an error in release builds too. The default accepts any dimension.
    fn check_dim(&self, dim: usize) -> Result<(), CoreError> {
        let _ = dim;
        Ok(())
    }
    /// The term's typed description in the vocabulary, if it has one (every built-in term
    /// does; user terms built from closures do not).
    fn description(&self) -> Option<Term> {
        None
    }
}
