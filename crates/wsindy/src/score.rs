use serde::{Deserialize, Serialize};
use wsindy_core::{Grid, TermKind};
use wsindy_library::Library;

use crate::IdentifiedModel;

/// A true model names a term that the library does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the true model names the {kind} term '{name}', which the library does not have")]
pub struct UnknownTrueTerm {
    /// The term's kind.
    pub kind: TermKind,
    /// The name not found.
    pub name: String,
}

/// One term of a known true model, named as in the library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrueTerm {
    /// Interaction, drift or diffusion.
    pub kind: TermKind,
    /// The library term's name.
    pub name: String,
    /// The true coefficient.
    pub coefficient: f64,
}

/// A known true model, to score an identification against.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrueModel {
    /// The true terms (all others are zero).
    pub terms: Vec<TrueTerm>,
}

impl TrueModel {
    /// Adds a term.
    pub fn with(mut self, kind: TermKind, name: &str, coefficient: f64) -> Self {
        self.terms.push(TrueTerm { kind, name: name.to_string(), coefficient });
        self
    }

    /// The true coefficients in library order, or the first term the library lacks.
    pub fn coefficients(&self, library: &Library) -> Result<Vec<f64>, UnknownTrueTerm> {
        let mut w = vec![0.0; library.len()];
        for t in &self.terms {
            let j = library
                .position(t.kind, &t.name)
                .ok_or_else(|| UnknownTrueTerm { kind: t.kind, name: t.name.clone() })?;
            w[j] = t.coefficient;
        }
        Ok(w)
    }
}

/// Scores of an identified model against the truth.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scores {
    /// TP / (TP + FN + FP) over the supports (5.1).
    pub tpr: f64,
    /// Relative L2 error of ∇K̂ on C − C (None if the true K is 0).
    pub rel_err_k: Option<f64>,
    /// Relative L2 error of ∇V̂ on C (None if the true V is 0).
    pub rel_err_v: Option<f64>,
    /// Relative L2 error of σ̂ on C (None if the true σ is 0).
    pub rel_err_sigma: Option<f64>,
}

fn relative_l2(estimate: &[f64], truth: &[f64]) -> Option<f64> {
    let den: f64 = truth.iter().map(|v| v * v).sum::<f64>();
    (den > 0.0).then(|| {
        let num: f64 = estimate.iter().zip(truth).map(|(a, b)| (a - b).powi(2)).sum();
        (num / den).sqrt()
    })
}

/// Scores `model` against `truth`; the truth's terms must be in `library`.
pub fn score(
    model: &IdentifiedModel,
    truth: &TrueModel,
    library: &Library,
) -> Result<Scores, UnknownTrueTerm> {
    let w_true = truth.coefficients(library)?;
    let w_hat = model.coefficients();
    let (mut tp, mut fn_, mut fp) = (0, 0, 0);
    for (a, b) in w_hat.iter().zip(&w_true) {
        match (*a != 0.0, *b != 0.0) {
            (true, true) => tp += 1,
            (false, true) => fn_ += 1,
            (true, false) => fp += 1,
            (false, false) => {}
        }
    }
    let tpr = if tp + fn_ + fp == 0 { 1.0 } else { tp as f64 / (tp + fn_ + fp) as f64 };
    let grid: &Grid = &model.grid;
    let d = grid.dim();
    let centres = grid.centre_points();
    let field_error = |kind: TermKind, points: &[f64]| {
        relative_l2(
            &library.evaluate_sum(kind, &w_hat, points, d),
            &library.evaluate_sum(kind, &w_true, points, d),
        )
    };
    let rel_err_k = field_error(TermKind::Interaction, &grid.difference_points());
    let rel_err_v = field_error(TermKind::Drift, &centres);
    // σ from ½σσᵀ: in 1D σ = √(2·½σ²); in d dimensions the Frobenius error of ½σσᵀ's square
    // root is replaced by that of the diagonal entries' square roots
    let sigma = |w: &[f64]| -> Vec<f64> {
        let diff = library.evaluate_sum(TermKind::Diffusion, w, &centres, d);
        diff.chunks_exact(d * d)
            .flat_map(|m| (0..d).map(move |p| (2.0 * m[p * d + p]).max(0.0).sqrt()))
            .collect()
    };
    let rel_err_sigma = relative_l2(&sigma(&w_hat), &sigma(&w_true));
    Ok(Scores { tpr, rel_err_k, rel_err_v, rel_err_sigma })
}
