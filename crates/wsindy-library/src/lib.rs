//! Trial-term libraries for **wsindy**: the candidate interaction, drift and diffusion terms
//! the regression chooses from.
//!
//! Built-in families (1D):
//! * [`InteractionPower`]: K_j = |x|^m, evaluated as its force ∇K_j = m|x|^{m−1} sign(x);
//! * [`DriftMonomial`]: a force term ∇V_j = x^a;
//! * [`DiffusionMonomial`]: a diffusion term ½σ²_j = x^a.
//!
//! [`Library::nonlocal1d`] is the paper's Table 3. Any type implementing
//! [`wsindy_core::TrialTerm`] can be added, and [`FnTerm`] turns a closure into a term:
//!
//! ```
//! use wsindy_core::{TermKind, TrialTerm};
//! use wsindy_library::{FnTerm, Library};
//! let mut lib = Library::nonlocal1d();
//! assert_eq!(lib.len(), 24);
//! // an exponential kernel K = e^{−|x|}, given by its force −sign(x) e^{−|x|}
//! lib.push(FnTerm::new(TermKind::Interaction, "exp(-|x|)", |x: &[f64], out: &mut [f64]| {
//!     out[0] = -x[0].signum() * (-x[0].abs()).exp() * f64::from(x[0] != 0.0);
//! }));
//! assert_eq!(lib.len(), 25);
//! assert_eq!(lib.terms()[24].name(), "exp(-|x|)");
//! ```

use wsindy_core::{TermKind, TrialTerm};

/// Interaction potential K_j(x) = |x|^m; evaluates its force m|x|^{m−2} x (0 at x = 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InteractionPower {
    /// The power m > 0.
    pub power: f64,
}

impl TrialTerm for InteractionPower {
    fn kind(&self) -> TermKind {
        TermKind::Interaction
    }
    fn name(&self) -> String {
        format!("|x|^{}", self.power)
    }
    fn evaluate(&self, points: &[f64], dim: usize, out: &mut [f64]) {
        let m = self.power;
        for (p, o) in points.chunks_exact(dim).zip(out.chunks_exact_mut(dim)) {
            let r = p.iter().map(|v| v * v).sum::<f64>().sqrt();
            let scale = if r > 0.0 { m * r.powf(m - 2.0) } else { 0.0 };
            for (oi, pi) in o.iter_mut().zip(p) {
                *oi = scale * pi;
            }
        }
    }
    fn length_exponent(&self) -> f64 {
        2.0 - self.power
    }
}

/// A drift force ∇V_j(x) = x^a in 1D.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DriftMonomial {
    /// The power a ≥ 0.
    pub power: u32,
}

impl TrialTerm for DriftMonomial {
    fn kind(&self) -> TermKind {
        TermKind::Drift
    }
    fn name(&self) -> String {
        format!("x^{}", self.power)
    }
    fn evaluate(&self, points: &[f64], _dim: usize, out: &mut [f64]) {
        for (o, &x) in out.iter_mut().zip(points) {
            *o = x.powi(self.power as i32);
        }
    }
    fn length_exponent(&self) -> f64 {
        1.0 - f64::from(self.power)
    }
}

/// A diffusion term ½σ²_j(x) = x^a in 1D.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiffusionMonomial {
    /// The power a ≥ 0.
    pub power: u32,
}

impl TrialTerm for DiffusionMonomial {
    fn kind(&self) -> TermKind {
        TermKind::Diffusion
    }
    fn name(&self) -> String {
        format!("x^{}", self.power)
    }
    fn evaluate(&self, points: &[f64], _dim: usize, out: &mut [f64]) {
        for (o, &x) in out.iter_mut().zip(points) {
            *o = x.powi(self.power as i32);
        }
    }
    fn length_exponent(&self) -> f64 {
        2.0 - f64::from(self.power)
    }
}

/// A trial term from a closure `f(point, out)` that writes `kind.components(d)` values.
pub struct FnTerm<F> {
    kind: TermKind,
    name: String,
    length_exponent: Option<f64>,
    f: F,
}

impl<F: Fn(&[f64], &mut [f64]) + Send + Sync> FnTerm<F> {
    /// A term of `kind` named `name`, evaluated point by point by `f`.
    pub fn new(kind: TermKind, name: impl Into<String>, f: F) -> Self {
        Self { kind, name: name.into(), length_exponent: None, f }
    }
    /// Sets the power of length in the coefficient's units (see
    /// [`TrialTerm::length_exponent`]).
    pub fn with_length_exponent(mut self, e: f64) -> Self {
        self.length_exponent = Some(e);
        self
    }
}

impl<F: Fn(&[f64], &mut [f64]) + Send + Sync> TrialTerm for FnTerm<F> {
    fn kind(&self) -> TermKind {
        self.kind
    }
    fn name(&self) -> String {
        self.name.clone()
    }
    fn evaluate(&self, points: &[f64], dim: usize, out: &mut [f64]) {
        let c = self.kind.components(dim);
        for (p, o) in points.chunks_exact(dim).zip(out.chunks_exact_mut(c)) {
            (self.f)(p, o);
        }
    }
    fn length_exponent(&self) -> f64 {
        self.length_exponent.unwrap_or(match self.kind {
            TermKind::Drift => 1.0,
            _ => 2.0,
        })
    }
}

/// An ordered list of trial terms: the columns of the weak system.
#[derive(Default)]
pub struct Library {
    terms: Vec<Box<dyn TrialTerm>>,
}

impl std::fmt::Debug for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.terms.iter().map(|t| format!("{} {}", t.kind(), t.name()))).finish()
    }
}

impl Library {
    /// An empty library.
    pub fn new() -> Self {
        Self::default()
    }

    /// The paper's Table 3 for the nonlocal 1D example: K: |x|^m, m = 1..7; ∇V: x^m,
    /// m ∈ {0, 2, …, 8} (m = 1 duplicates the |x|² interaction for a centred density);
    /// ½σ²: x^m, m = 0..8.
    pub fn nonlocal1d() -> Self {
        let mut lib = Self::new();
        for m in 1..=7 {
            lib.push(InteractionPower { power: f64::from(m) });
        }
        for a in (0..=8).filter(|&a| a != 1) {
            lib.push(DriftMonomial { power: a });
        }
        for a in 0..=8 {
            lib.push(DiffusionMonomial { power: a });
        }
        lib
    }

    /// Appends a term.
    pub fn push(&mut self, term: impl TrialTerm + 'static) -> &mut Self {
        self.terms.push(Box::new(term));
        self
    }
    /// Appends a boxed term.
    pub fn push_boxed(&mut self, term: Box<dyn TrialTerm>) -> &mut Self {
        self.terms.push(term);
        self
    }
    /// The terms, in column order.
    pub fn terms(&self) -> &[Box<dyn TrialTerm>] {
        &self.terms
    }
    /// The terms, by value.
    pub fn into_terms(self) -> Vec<Box<dyn TrialTerm>> {
        self.terms
    }
    /// Number of terms J.
    pub fn len(&self) -> usize {
        self.terms.len()
    }
    /// True if there are no terms.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
    /// Index of the term of `kind` named `name`.
    pub fn position(&self, kind: TermKind, name: &str) -> Option<usize> {
        self.terms.iter().position(|t| t.kind() == kind && t.name() == name)
    }
    /// Σ_j w_j f_j at `points` over the terms of `kind` (the learned ∇K, ∇V or ½σσᵀ), with
    /// `kind.components(dim)` values per point.
    pub fn evaluate_sum(&self, kind: TermKind, coefficients: &[f64], points: &[f64], dim: usize) -> Vec<f64> {
        let c = kind.components(dim);
        let n = points.len() / dim;
        let mut total = vec![0.0; n * c];
        let mut buf = vec![0.0; n * c];
        for (term, &w) in self.terms.iter().zip(coefficients) {
            if term.kind() == kind && w != 0.0 {
                term.evaluate(points, dim, &mut buf);
                for (t, v) in total.iter_mut().zip(&buf) {
                    *t += w * v;
                }
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interaction_force_is_the_derivative_of_the_potential() {
        for m in 1..=7 {
            let t = InteractionPower { power: f64::from(m) };
            for &x in &[-1.7, -0.3, 0.4, 2.2] {
                let mut f = [0.0];
                t.evaluate(&[x], 1, &mut f);
                let e = 1e-6;
                let fd = ((x + e).abs().powi(m) - (x - e).abs().powi(m)) / (2.0 * e);
                assert!((f[0] - fd).abs() < 1e-6 * fd.abs().max(1.0), "m={m} x={x}: {} vs {fd}", f[0]);
            }
            let mut f = [1.0];
            t.evaluate(&[0.0], 1, &mut f);
            assert_eq!(f[0], 0.0, "∇K(0) := 0");
        }
    }

    #[test]
    fn table3_has_the_papers_terms() {
        let lib = Library::nonlocal1d();
        let count = |k| lib.terms().iter().filter(|t| t.kind() == k).count();
        assert_eq!(
            (count(TermKind::Interaction), count(TermKind::Drift), count(TermKind::Diffusion)),
            (7, 8, 9)
        );
        assert_eq!(lib.position(TermKind::Interaction, "|x|^2"), Some(1));
        assert_eq!(lib.position(TermKind::Drift, "x^1"), None);
        assert_eq!(lib.position(TermKind::Diffusion, "x^0"), Some(15));
    }

    #[test]
    fn evaluate_sum_combines_terms() {
        let lib = Library::nonlocal1d();
        let mut w = vec![0.0; lib.len()];
        w[0] = -1.0; // |x|
        w[1] = 0.5; // |x|²
        let f = lib.evaluate_sum(TermKind::Interaction, &w, &[-2.0, 0.0, 0.5], 1);
        // ∇K = x − sign(x)
        assert_eq!(f, vec![-1.0, 0.0, -0.5]);
    }
}
