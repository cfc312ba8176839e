//! Term families for two space dimensions: radial interaction kernels with a cutoff, force
//! fields built from scalar fields, gradients of polynomial potentials and diffusion matrices.

use wsindy_core::{TermKind, TrialTerm};

/// A scalar field f(x₁, x₂) from which drift and diffusion terms are built.
///
/// Names are stable (they identify terms in configs and results): `cos(mx1)*cos(nx2)` for
/// [`ScalarField::Cosines`], `x1^a*x2^b` for [`ScalarField::Monomial`], with factors equal to 1
/// left out (so `cos(2x1)`, `x2^3`) and `1` for the constant field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarField {
    /// cos(m x₁) cos(n x₂).
    Cosines {
        /// Frequency along x₁.
        m: u32,
        /// Frequency along x₂.
        n: u32,
    },
    /// x₁^a x₂^b.
    Monomial {
        /// Power of x₁.
        a: u32,
        /// Power of x₂.
        b: u32,
    },
}

impl ScalarField {
    /// The constant field 1.
    pub const ONE: Self = Self::Cosines { m: 0, n: 0 };

    /// f at (x₁, x₂).
    #[inline]
    pub fn value(&self, x1: f64, x2: f64) -> f64 {
        match *self {
            Self::Cosines { m, n } => cos_factor(m, x1) * cos_factor(n, x2),
            Self::Monomial { a, b } => x1.powi(a as i32) * x2.powi(b as i32),
        }
    }

    /// The power of length in f's values: a + b for monomials, 0 for cosines.
    pub fn length_power(&self) -> f64 {
        match *self {
            Self::Cosines { .. } => 0.0,
            Self::Monomial { a, b } => f64::from(a + b),
        }
    }

    /// The stable name of the field.
    pub fn name(&self) -> String {
        let factors: Vec<String> = match *self {
            Self::Cosines { m, n } => [(m, 1), (n, 2)]
                .iter()
                .filter(|(f, _)| *f != 0)
                .map(|(f, axis)| if *f == 1 { format!("cos(x{axis})") } else { format!("cos({f}x{axis})") })
                .collect(),
            Self::Monomial { a, b } => [(a, 1), (b, 2)]
                .iter()
                .filter(|(p, _)| *p != 0)
                .map(|(p, axis)| if *p == 1 { format!("x{axis}") } else { format!("x{axis}^{p}") })
                .collect(),
        };
        if factors.is_empty() { "1".to_string() } else { factors.join("*") }
    }
}

fn cos_factor(frequency: u32, x: f64) -> f64 {
    if frequency == 0 { 1.0 } else { (f64::from(frequency) * x).cos() }
}

/// A drift force along one axis, ∇V_j = f(x) e_i, named `[f, 0]` (i = 1) or `[0, f]` (i = 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AxisForce {
    /// The axis i (0 for x₁, 1 for x₂).
    pub axis: usize,
    /// The field f.
    pub field: ScalarField,
}

impl TrialTerm for AxisForce {
    fn kind(&self) -> TermKind {
        TermKind::Drift
    }
    fn name(&self) -> String {
        let f = self.field.name();
        if self.axis == 0 { format!("[{f}, 0]") } else { format!("[0, {f}]") }
    }
    fn evaluate(&self, points: &[f64], dim: usize, out: &mut [f64]) {
        debug_assert_eq!(dim, 2, "a planar term");
        for (p, o) in points.chunks_exact(2).zip(out.chunks_exact_mut(2)) {
            o[0] = 0.0;
            o[1] = 0.0;
            o[self.axis] = self.field.value(p[0], p[1]);
        }
    }
    fn length_exponent(&self) -> f64 {
        1.0 - self.field.length_power()
    }
}

/// The force of a polynomial potential, ∇V_j = ∇(x₁^a x₂^b), named `grad(x1^a*x2^b)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PotentialGradient {
    /// Power of x₁.
    pub a: u32,
    /// Power of x₂.
    pub b: u32,
}

impl TrialTerm for PotentialGradient {
    fn kind(&self) -> TermKind {
        TermKind::Drift
    }
    fn name(&self) -> String {
        format!("grad({})", ScalarField::Monomial { a: self.a, b: self.b }.name())
    }
    fn evaluate(&self, points: &[f64], dim: usize, out: &mut [f64]) {
        debug_assert_eq!(dim, 2, "a planar term");
        let (a, b) = (self.a as i32, self.b as i32);
        for (p, o) in points.chunks_exact(2).zip(out.chunks_exact_mut(2)) {
            let (x1, x2) = (p[0], p[1]);
            o[0] = if a == 0 { 0.0 } else { f64::from(a) * x1.powi(a - 1) * x2.powi(b) };
            o[1] = if b == 0 { 0.0 } else { f64::from(b) * x1.powi(a) * x2.powi(b - 1) };
        }
    }
    fn length_exponent(&self) -> f64 {
        2.0 - f64::from(self.a + self.b)
    }
}

/// Which entries of the diffusion matrix a [`DiffusionField`] fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatrixEntry {
    /// f I: the Laplacian form Δ(f U). Name suffix `*I`.
    Identity,
    /// Diagonal entry (p, p), p ∈ {0, 1}: ∂p²(f U). Name suffix `*E11` or `*E22`.
    Diagonal(usize),
    /// Both off-diagonal entries (1, 2) and (2, 1), so ½σσᵀ stays symmetric: 2∂1∂2(f U).
    /// Name suffix `*E12`.
    OffDiagonal,
}

/// A diffusion term ½(σσᵀ)_j = f(x) E with E from [`MatrixEntry`], named `f*I`, `f*E11`,
/// `f*E22` or `f*E12`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiffusionField {
    /// The entries filled.
    pub entry: MatrixEntry,
    /// The field f.
    pub field: ScalarField,
}

impl TrialTerm for DiffusionField {
    fn kind(&self) -> TermKind {
        TermKind::Diffusion
    }
    fn name(&self) -> String {
        let suffix = match self.entry {
            MatrixEntry::Identity => "I",
            MatrixEntry::Diagonal(0) => "E11",
            MatrixEntry::Diagonal(_) => "E22",
            MatrixEntry::OffDiagonal => "E12",
        };
        format!("{}*{suffix}", self.field.name())
    }
    fn evaluate(&self, points: &[f64], dim: usize, out: &mut [f64]) {
        debug_assert_eq!(dim, 2, "a planar term");
        for (p, o) in points.chunks_exact(2).zip(out.chunks_exact_mut(4)) {
            let f = self.field.value(p[0], p[1]);
            let [e11, e12, e22] = match self.entry {
                MatrixEntry::Identity => [f, 0.0, f],
                MatrixEntry::Diagonal(0) => [f, 0.0, 0.0],
                MatrixEntry::Diagonal(_) => [0.0, 0.0, f],
                MatrixEntry::OffDiagonal => [0.0, f, 0.0],
            };
            o.copy_from_slice(&[e11, e12, e12, e22]);
        }
    }
    fn length_exponent(&self) -> f64 {
        2.0 - self.field.length_power()
    }
}

/// The profile of a radial kernel with a cutoff: K(r) for r ≥ δ, continued linearly inside
/// r < δ (so the force h(r) = K'(max(r, δ)) stays bounded, as in (5.6)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutoffProfile {
    /// K = r^{1/2}; name `|x|^(1/2)`.
    Sqrt,
    /// K = r (log r − 1); name `|x|(log|x|-1)`.
    LinearLog,
    /// K = log r; name `log|x|`.
    Log,
}

/// A radial interaction potential with a cutoff δ > 0 ([`CutoffProfile`]); evaluates the force
/// ∇K(x) = K'(max(|x|, δ)) x/|x| (0 at x = 0). Works in any dimension.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RadialCutoff {
    /// The profile.
    pub profile: CutoffProfile,
    /// The cutoff radius δ > 0.
    pub delta: f64,
}

impl RadialCutoff {
    /// K'(r) for r ≥ δ.
    fn derivative(&self, r: f64) -> f64 {
        let r = r.max(self.delta);
        match self.profile {
            CutoffProfile::Sqrt => 0.5 / r.sqrt(),
            CutoffProfile::LinearLog => r.ln(),
            CutoffProfile::Log => 1.0 / r,
        }
    }
}

impl TrialTerm for RadialCutoff {
    fn kind(&self) -> TermKind {
        TermKind::Interaction
    }
    fn name(&self) -> String {
        match self.profile {
            CutoffProfile::Sqrt => "|x|^(1/2)",
            CutoffProfile::LinearLog => "|x|(log|x|-1)",
            CutoffProfile::Log => "log|x|",
        }
        .to_string()
    }
    fn evaluate(&self, points: &[f64], dim: usize, out: &mut [f64]) {
        for (p, o) in points.chunks_exact(dim).zip(out.chunks_exact_mut(dim)) {
            let r = p.iter().map(|v| v * v).sum::<f64>().sqrt();
            let scale = if r > 0.0 { self.derivative(r) / r } else { 0.0 };
            for (oi, pi) in o.iter_mut().zip(p) {
                *oi = scale * pi;
            }
        }
    }
    fn length_exponent(&self) -> f64 {
        match self.profile {
            CutoffProfile::Sqrt => 1.5,
            CutoffProfile::LinearLog => 1.0,
            CutoffProfile::Log => 2.0,
        }
    }
}
