//! The term vocabulary: a typed description of every built-in trial term, the single source of
//! truth for libraries, simulator forces, truth files, configs and JSON output.
//!
//! A [`Term`] says what a candidate term is (its [`TermKind`], family and parameters); its
//! display name is derived from that description and is stable (configs and results use it).
//! [`Term::from_name`] reads the documented name grammar back, for configs and truth files that
//! name terms instead of describing them; every name [`Term`] prints is accepted (tested).
//!
//! Dimension is a parameter: a scalar field has one power or frequency per axis, so its length
//! is the dimension the term is written for; evaluating it on data of another dimension is a
//! [`CoreError::WrongDimension`], in release builds too. Radial interaction kernels work in any
//! dimension.
//!
//! ```
//! use wsindy_core::{MatrixEntry, RadialKernel, ScalarField, Term, TermKind, TrialTerm};
//! let trap = Term::PotentialGradient { powers: vec![2, 0, 0] }; // ∇(x₁²) in 3D
//! assert_eq!(trap.to_string(), "grad(x1^2)");
//! let mut force = [0.0; 3];
//! trap.evaluate(&[0.5, 1.0, 2.0], 3, &mut force);
//! assert_eq!(force, [1.0, 0.0, 0.0]);
//! assert!(trap.check_dim(2).is_err());
//!
//! let diffusion = Term::Diffusion { entry: MatrixEntry::Identity, field: ScalarField::constant(2) };
//! assert_eq!(diffusion.to_string(), "1*I");
//! assert_eq!(Term::from_name(TermKind::Diffusion, "1*I", 2, 0.01), Some(diffusion));
//! assert_eq!(
//!     Term::from_name(TermKind::Interaction, "log|x|", 2, 0.01),
//!     Some(Term::Interaction(RadialKernel::Log { delta: 0.01 }))
//! );
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::expression::Formula;
use crate::{CoreError, RadialKernel, TermKind, TrialTerm};

/// A scalar field f(x) of position, from which drift and diffusion terms are built: one power
/// or frequency per axis, so the length of the vector is the field's dimension.
///
/// Names: in 1D `x^a` (the exponent always written) and `cos(mx)`; in d ≥ 2 the product of the
/// factors `xi^a` / `cos(mxi)` with factors equal to 1 left out and exponents or frequencies 1
/// not written (`x1*x2^2`, `cos(2x1)`), and `1` for the constant field. A formula is named by
/// itself in braces, `{x1*exp(-(x2^2))}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ScalarField {
    /// Π_i x_i^{a_i}.
    Monomial(Vec<u32>),
    /// Π_i cos(m_i x_i).
    Cosines(Vec<u32>),
    /// A formula in the variables `x` (1D) or `x1` … `xd`, such as `x1*exp(-(x2^2))`, parsed by
    /// the `exmex` crate (functions `exp`, `log`, `sqrt`, `sin`, `cos`, `tanh`, `abs`, …; write
    /// `-(x^2)` for −x², since that parser reads `-x^2` as (−x)² and is refused). Its values are
    /// taken as dimensionless for the regression's scaling.
    Expression {
        /// The formula.
        formula: String,
        /// The dimension it is written for.
        dim: usize,
    },
}

/// A scalar field ready for evaluation at many points: a formula is parsed once.
pub(crate) enum FieldEvaluator<'a> {
    /// A built-in field.
    Builtin(&'a ScalarField),
    /// A parsed formula.
    Formula(Box<Formula>),
}

impl FieldEvaluator<'_> {
    /// f at `x`.
    #[inline]
    pub(crate) fn value(&self, x: &[f64]) -> f64 {
        match self {
            Self::Builtin(field) => field.value(x),
            Self::Formula(formula) => formula.value(x),
        }
    }
}

impl ScalarField {
    /// The constant field 1 in `dim` dimensions (the monomial with all powers 0 in 1D, whose
    /// name is `x^0`; the cosines with all frequencies 0 otherwise, named `1`).
    pub fn constant(dim: usize) -> Self {
        if dim == 1 { Self::Monomial(vec![0]) } else { Self::Cosines(vec![0; dim]) }
    }

    /// The monomial Π x_i^{a_i}, in its canonical form: the constant field for all powers 0
    /// (in d ≥ 2 that is the field named `1`, whichever family wrote it).
    pub fn monomial(powers: Vec<u32>) -> Self {
        if powers.iter().all(|&a| a == 0) { Self::constant(powers.len()) } else { Self::Monomial(powers) }
    }

    /// The dimension the field is written for.
    pub fn dim(&self) -> usize {
        match self {
            Self::Monomial(p) | Self::Cosines(p) => p.len(),
            Self::Expression { dim, .. } => *dim,
        }
    }

    /// Checks that a formula parses and uses only the variables of its dimension.
    pub fn check(&self) -> Result<(), CoreError> {
        self.evaluator().map(|_| ())
    }

    /// The field ready for evaluation at many points.
    pub(crate) fn evaluator(&self) -> Result<FieldEvaluator<'_>, CoreError> {
        match self {
            Self::Expression { formula, dim } => {
                let d = *dim;
                let formula =
                    Formula::parse(formula, d, |a| if d == 1 { "x".into() } else { format!("x{}", a + 1) })?;
                Ok(FieldEvaluator::Formula(Box::new(formula)))
            }
            _ => Ok(FieldEvaluator::Builtin(self)),
        }
    }

    /// f at `x` (of length [`dim`](Self::dim)). A formula is parsed on every call (NaN if it
    /// does not parse); to evaluate one at many points, terms parse it once per call of
    /// [`TrialTerm::evaluate`].
    #[inline]
    pub fn value(&self, x: &[f64]) -> f64 {
        match self {
            Self::Expression { .. } => match self.evaluator() {
                Ok(evaluator) => evaluator.value(x),
                Err(_) => f64::NAN,
            },
            Self::Monomial(powers) => powers.iter().zip(x).map(|(&a, &v)| power(v, a)).product(),
            Self::Cosines(freq) => freq
                .iter()
                .zip(x)
                .map(|(&m, &v)| if m == 0 { 1.0 } else { (f64::from(m) * v).cos() })
                .product(),
        }
    }

    /// The power of length in f's values: the total degree for monomials, 0 for cosines.
    pub fn length_power(&self) -> f64 {
        match self {
            Self::Monomial(p) => p.iter().map(|&a| f64::from(a)).sum(),
            Self::Cosines(_) | Self::Expression { .. } => 0.0,
        }
    }

    /// Reads a field name written for `dim` dimensions (the inverse of `Display`).
    pub fn from_name(name: &str, dim: usize) -> Option<Self> {
        if dim == 0 {
            return None;
        }
        if let Some(formula) = name.strip_prefix('{').and_then(|n| n.strip_suffix('}')) {
            let field = Self::Expression { formula: formula.to_string(), dim };
            return field.check().is_ok().then_some(field);
        }
        let parsed = if dim == 1 {
            if let Some(a) = name.strip_prefix("x^") {
                Self::Monomial(vec![a.parse().ok()?])
            } else if name == "1" {
                Self::Cosines(vec![0])
            } else {
                let inner = name.strip_prefix("cos(")?.strip_suffix("x)")?;
                Self::Cosines(vec![if inner.is_empty() { 1 } else { inner.parse().ok()? }])
            }
        } else if name == "1" {
            Self::Cosines(vec![0; dim])
        } else {
            let mut monomial = vec![0u32; dim];
            let mut cosines = vec![0u32; dim];
            let (mut any_monomial, mut any_cosine) = (false, false);
            for factor in name.split('*') {
                if let Some(inner) = factor.strip_prefix("cos(").and_then(|f| f.strip_suffix(')')) {
                    let (m, axis) = inner.split_once('x')?;
                    let axis = axis_index(axis, dim)?;
                    cosines[axis] = if m.is_empty() { 1 } else { m.parse().ok()? };
                    any_cosine = true;
                } else {
                    let rest = factor.strip_prefix('x')?;
                    let (axis, a) = match rest.split_once('^') {
                        Some((axis, a)) => (axis, a.parse().ok()?),
                        None => (rest, 1),
                    };
                    monomial[axis_index(axis, dim)?] = a;
                    any_monomial = true;
                }
            }
            match (any_monomial, any_cosine) {
                (true, false) => Self::Monomial(monomial),
                (false, true) => Self::Cosines(cosines),
                _ => return None,
            }
        };
        // only canonical spellings: the name must be what the field prints
        (parsed.to_string() == name).then_some(parsed)
    }
}

/// x^a with x^0 = 1 (also for x = 0).
#[inline]
fn power(x: f64, a: u32) -> f64 {
    match a {
        0 => 1.0,
        1 => x,
        2 => x * x,
        _ => x.powi(a as i32),
    }
}

/// The 0-based axis of a 1-based axis label `1`, `2`, … below `dim`.
fn axis_index(label: &str, dim: usize) -> Option<usize> {
    let i: usize = label.parse().ok()?;
    (1..=dim).contains(&i).then(|| i - 1)
}

impl fmt::Display for ScalarField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Self::Expression { formula, .. } = self {
            return write!(f, "{{{formula}}}");
        }
        if self.dim() == 1 {
            return match self {
                Self::Monomial(p) => write!(f, "x^{}", p[0]),
                Self::Cosines(m) if m[0] == 0 => f.write_str("1"),
                Self::Cosines(m) if m[0] == 1 => f.write_str("cos(x)"),
                Self::Cosines(m) => write!(f, "cos({}x)", m[0]),
                Self::Expression { .. } => unreachable!("formulas are written above"),
            };
        }
        let factors: Vec<String> = match self {
            Self::Monomial(p) => p
                .iter()
                .enumerate()
                .filter(|(_, a)| **a != 0)
                .map(|(i, &a)| if a == 1 { format!("x{}", i + 1) } else { format!("x{}^{a}", i + 1) })
                .collect(),
            Self::Cosines(m) => m
                .iter()
                .enumerate()
                .filter(|(_, m)| **m != 0)
                .map(
                    |(i, &m)| if m == 1 { format!("cos(x{})", i + 1) } else { format!("cos({m}x{})", i + 1) },
                )
                .collect(),
            Self::Expression { .. } => unreachable!("formulas are written above"),
        };
        if factors.is_empty() { f.write_str("1") } else { f.write_str(&factors.join("*")) }
    }
}

/// Which entries of the d × d diffusion matrix a diffusion term fills with its field.
///
/// Serialised as its name suffix: `"I"`, `"E11"`, `"E12"`, … (axes counted from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum MatrixEntry {
    /// f I: the Laplacian form Δ(f U). Name suffix `*I`.
    Identity,
    /// The entries (p, q) and (q, p), p ≤ q (0-based), so ½σσᵀ stays symmetric: ∂p²(f U) for
    /// p = q, 2∂p∂q(f U) otherwise. Name suffix `*E{p+1}{q+1}`.
    Entry {
        /// Row, p ≤ q.
        p: usize,
        /// Column.
        q: usize,
    },
}

impl MatrixEntry {
    /// The largest axis index the entry needs, plus one (0 for the identity).
    fn min_dim(self) -> usize {
        match self {
            Self::Identity => 0,
            Self::Entry { q, .. } => q + 1,
        }
    }
}

impl fmt::Display for MatrixEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Identity => f.write_str("I"),
            Self::Entry { p, q } => write!(f, "E{}{}", p + 1, q + 1),
        }
    }
}

impl From<MatrixEntry> for String {
    fn from(e: MatrixEntry) -> String {
        e.to_string()
    }
}

impl TryFrom<String> for MatrixEntry {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let bad = || {
            format!("matrix entry {s:?}: expected \"I\" or \"Epq\" with axes 1 ≤ p ≤ q ≤ 9, such as \"E12\"")
        };
        if s == "I" {
            return Ok(Self::Identity);
        }
        let digits = s.strip_prefix('E').ok_or_else(bad)?.as_bytes();
        match digits {
            [p @ b'1'..=b'9', q @ b'1'..=b'9'] if p <= q => {
                Ok(Self::Entry { p: usize::from(p - b'1'), q: usize::from(q - b'1') })
            }
            _ => Err(bad()),
        }
    }
}

/// One built-in trial term, described by its family and parameters.
///
/// | variant | kind | evaluates | name |
/// |---|---|---|---|
/// | `Interaction(k)` | interaction | ∇K_j = k′(\|x\|) x/\|x\|, any d | `|x|^2`, `log|x|`, … |
/// | `AxisForce { axis, field }` | drift | ∇V_j = f(x) e_axis | d = 1: `x^a`; d ≥ 2: `[f, 0]`, `[0, f]`, `[0, 0, f]` |
/// | `PotentialGradient { powers }` | drift | ∇V_j = ∇(Π x_i^{a_i}) | `grad(x1^2*x2)` (d = 1: `grad(x^2)`) |
/// | `Diffusion { entry, field }` | diffusion | ½σσᵀ_j = f(x) E | d = 1: the field's name (`x^a`); d ≥ 2: `f*I`, `f*E12` |
///
/// Serialised with a `family` tag: `{family = "potential_gradient", powers = [2, 0]}`,
/// `{family = "interaction", kernel = "log", delta = 0.01}`,
/// `{family = "diffusion", entry = "I", field = {cosines = [1, 1]}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Term {
    /// A radial interaction potential K_j(x) = k(|x|).
    Interaction(RadialKernel),
    /// A radial interaction potential K_j(x) = k(|x|) given as a formula in `r`, such as
    /// `exp(-r/0.5)` or `(1-exp(-(r-1)))^2` (a Morse kernel), any dimension; named
    /// `{formula}`. The force k′(r) x/|x| comes from the formula's exact derivative.
    RadialExpression {
        /// The formula of k(r).
        potential: String,
    },
    /// A drift force along one axis, ∇V_j = f(x) e_axis (axis 0-based, below the field's
    /// dimension).
    AxisForce {
        /// The axis of the force (0 for x₁).
        axis: usize,
        /// The field f; its length is the dimension.
        field: ScalarField,
    },
    /// The force of a monomial potential, ∇V_j = ∇(Π x_i^{a_i}).
    PotentialGradient {
        /// The powers a_i, one per axis.
        powers: Vec<u32>,
    },
    /// A diffusion term ½(σσᵀ)_j = f(x) E.
    Diffusion {
        /// The entries filled.
        entry: MatrixEntry,
        /// The field f; its length is the dimension.
        field: ScalarField,
    },
}

impl Term {
    /// K_j = |x|^m.
    pub fn power(m: f64) -> Self {
        Self::Interaction(RadialKernel::Power { power: m })
    }

    /// The 1D drift force ∇V_j = x^a.
    pub fn drift_monomial(a: u32) -> Self {
        Self::AxisForce { axis: 0, field: ScalarField::Monomial(vec![a]) }
    }

    /// The 1D diffusion ½σ²_j = x^a.
    pub fn diffusion_monomial(a: u32) -> Self {
        Self::Diffusion { entry: MatrixEntry::Identity, field: ScalarField::Monomial(vec![a]) }
    }

    /// The dimension the term is written for, or `None` for a radial kernel (any dimension).
    pub fn dim(&self) -> Option<usize> {
        match self {
            Self::Interaction(_) | Self::RadialExpression { .. } => None,
            Self::AxisForce { field, .. } | Self::Diffusion { field, .. } => Some(field.dim()),
            Self::PotentialGradient { powers } => Some(powers.len()),
        }
    }

    /// Checks the parameters (kernel parameters, axes inside the dimension, a dimension ≥ 1).
    pub fn check(&self) -> Result<(), CoreError> {
        match self {
            Self::Interaction(k) => k.check(),
            Self::RadialExpression { potential } => radial_force(potential).map(|_| ()),
            _ => {
                if let Self::AxisForce { field, .. } | Self::Diffusion { field, .. } = self {
                    field.check()?;
                }
                let dim = self.dim().unwrap_or(1);
                let needed = match self {
                    Self::AxisForce { axis, .. } => axis + 1,
                    Self::Diffusion { entry, .. } => entry.min_dim(),
                    _ => 1,
                };
                if dim == 0 || needed > dim {
                    Err(CoreError::InvalidTerm {
                        term: format!("{self:?}"),
                        reason: format!(
                            "it needs {} axes, but its field is written for {dim}",
                            needed.max(1)
                        ),
                    })
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Reads a term of `kind` from its name for `dim`-dimensional data (the inverse of
    /// `Display`), with `delta` the cutoff of the cutoff kernels. `None` for a name outside the
    /// grammar (see the type's table) or not in its canonical spelling.
    pub fn from_name(kind: TermKind, name: &str, dim: usize, delta: f64) -> Option<Self> {
        let term = match kind {
            TermKind::Interaction if name.starts_with('{') && name.ends_with('}') => {
                Self::RadialExpression { potential: name[1..name.len() - 1].to_string() }
            }
            TermKind::Interaction => Self::Interaction(match name {
                "|x|^(1/2)" => RadialKernel::Sqrt { delta },
                "|x|(log|x|-1)" => RadialKernel::LinearLog { delta },
                "log|x|" => RadialKernel::Log { delta },
                _ => {
                    if let Some(m) = name.strip_prefix("|x|^") {
                        RadialKernel::Power { power: m.parse().ok()? }
                    } else {
                        let l = name.strip_prefix("exp(-|x|/")?.strip_suffix(')')?;
                        RadialKernel::Exponential { length: l.parse().ok()? }
                    }
                }
            }),
            TermKind::Drift => {
                if let Some(inner) = name.strip_prefix("grad(").and_then(|n| n.strip_suffix(')')) {
                    match ScalarField::from_name(inner, dim)? {
                        ScalarField::Monomial(powers) => Self::PotentialGradient { powers },
                        ScalarField::Cosines(_) | ScalarField::Expression { .. } => return None,
                    }
                } else if dim == 1 {
                    Self::AxisForce { axis: 0, field: ScalarField::from_name(name, 1)? }
                } else {
                    let parts: Vec<&str> = name.strip_prefix('[')?.strip_suffix(']')?.split(", ").collect();
                    let nonzero: Vec<usize> = (0..parts.len()).filter(|&i| parts[i] != "0").collect();
                    match (parts.len() == dim, nonzero.as_slice()) {
                        (true, &[axis]) => {
                            Self::AxisForce { axis, field: ScalarField::from_name(parts[axis], dim)? }
                        }
                        _ => return None,
                    }
                }
            }
            TermKind::Diffusion => {
                if dim == 1 {
                    Self::Diffusion { entry: MatrixEntry::Identity, field: ScalarField::from_name(name, 1)? }
                } else {
                    let (field, entry) = name.rsplit_once('*')?;
                    Self::Diffusion {
                        entry: MatrixEntry::try_from(entry.to_string()).ok()?,
                        field: ScalarField::from_name(field, dim)?,
                    }
                }
            }
        };
        (term.check().is_ok() && term.to_string() == name && term.check_dim(dim).is_ok()).then_some(term)
    }
}

/// The force profile h = k′ of a radial potential formula k(r).
fn radial_force(potential: &str) -> Result<Formula, CoreError> {
    Formula::parse(potential, 1, |_| "r".into())?.derivative()
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Interaction(k) => k.fmt(f),
            Self::RadialExpression { potential } => write!(f, "{{{potential}}}"),
            Self::AxisForce { axis, field } => {
                if field.dim() == 1 {
                    return field.fmt(f);
                }
                let parts: Vec<String> = (0..field.dim())
                    .map(|i| if i == *axis { field.to_string() } else { "0".into() })
                    .collect();
                write!(f, "[{}]", parts.join(", "))
            }
            Self::PotentialGradient { powers } => {
                write!(f, "grad({})", ScalarField::Monomial(powers.clone()))
            }
            Self::Diffusion { entry, field } => {
                if field.dim() == 1 && *entry == MatrixEntry::Identity {
                    field.fmt(f)
                } else {
                    write!(f, "{field}*{entry}")
                }
            }
        }
    }
}

impl Term {
    /// The formula a term evaluates, parsed once: the force profile h = k′ of a radial
    /// expression, the field of an expression drift or diffusion; `None` for built-in families.
    fn parse_formula(&self) -> Result<Option<Formula>, CoreError> {
        match self {
            Self::RadialExpression { potential } => radial_force(potential).map(Some),
            Self::AxisForce { field, .. } | Self::Diffusion { field, .. } => match field.evaluator()? {
                FieldEvaluator::Formula(formula) => Ok(Some(*formula)),
                FieldEvaluator::Builtin(_) => Ok(None),
            },
            Self::Interaction(_) | Self::PotentialGradient { .. } => Ok(None),
        }
    }

    /// [`TrialTerm::evaluate`] with the formula already parsed and the dimension checked.
    fn evaluate_parsed(&self, points: &[f64], dim: usize, out: &mut [f64], formula: Option<&Formula>) {
        let points = points.chunks_exact(dim);
        match self {
            Self::Interaction(k) => {
                for (x, o) in points.zip(out.chunks_exact_mut(dim)) {
                    k.force(x, o);
                }
            }
            Self::RadialExpression { .. } => {
                let Some(force) = formula else { return out.fill(f64::NAN) };
                for (x, o) in points.zip(out.chunks_exact_mut(dim)) {
                    let r = x.iter().map(|v| v * v).sum::<f64>().sqrt();
                    let scale = if r > 0.0 { force.value(&[r]) / r } else { 0.0 };
                    for (oi, v) in o.iter_mut().zip(x) {
                        *oi = scale * v;
                    }
                }
            }
            Self::AxisForce { axis, field } => {
                let value = |x: &[f64]| formula.map_or_else(|| field.value(x), |f| f.value(x));
                for (x, o) in points.zip(out.chunks_exact_mut(dim)) {
                    o.fill(0.0);
                    o[*axis] = value(x);
                }
            }
            Self::PotentialGradient { powers } => {
                for (x, o) in points.zip(out.chunks_exact_mut(dim)) {
                    for (i, oi) in o.iter_mut().enumerate() {
                        *oi = if powers[i] == 0 {
                            0.0
                        } else {
                            let others: f64 = powers
                                .iter()
                                .zip(x)
                                .enumerate()
                                .filter(|(j, _)| *j != i)
                                .map(|(_, (&a, &v))| power(v, a))
                                .product();
                            f64::from(powers[i]) * power(x[i], powers[i] - 1) * others
                        };
                    }
                }
            }
            Self::Diffusion { entry, field } => {
                let value = |x: &[f64]| formula.map_or_else(|| field.value(x), |f| f.value(x));
                for (x, o) in points.zip(out.chunks_exact_mut(dim * dim)) {
                    let v = value(x);
                    o.fill(0.0);
                    match *entry {
                        MatrixEntry::Identity => (0..dim).for_each(|i| o[i * dim + i] = v),
                        MatrixEntry::Entry { p, q } => {
                            o[p * dim + q] = v;
                            o[q * dim + p] = v;
                        }
                    }
                }
            }
        }
    }

    /// The term ready for evaluation at many points from many threads: the dimension checked
    /// and any formula parsed once (the simulator evaluates forces through this).
    ///
    /// # Errors
    /// [`CoreError::WrongDimension`] for a term of another dimension, or an invalid formula.
    pub fn compile(&self, dim: usize) -> Result<CompiledTerm, CoreError> {
        self.check_dim(dim)?;
        let formula = self.parse_formula()?;
        Ok(CompiledTerm { term: self.clone(), dim, formula })
    }
}

/// A [`Term`] checked for one dimension with its formula parsed (see [`Term::compile`]).
pub struct CompiledTerm {
    term: Term,
    dim: usize,
    formula: Option<Formula>,
}

impl CompiledTerm {
    /// The term.
    pub fn term(&self) -> &Term {
        &self.term
    }

    /// The dimension it was compiled for.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Evaluates the term at `points` (n × d, point-major) into `out`, as
    /// [`TrialTerm::evaluate`] does, without parsing or checking again.
    #[inline]
    pub fn evaluate(&self, points: &[f64], out: &mut [f64]) {
        self.term.evaluate_parsed(points, self.dim, out, self.formula.as_ref());
    }
}

impl fmt::Debug for CompiledTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CompiledTerm({}, {}D)", self.term, self.dim)
    }
}

impl TrialTerm for Term {
    fn kind(&self) -> TermKind {
        match self {
            Self::Interaction(_) | Self::RadialExpression { .. } => TermKind::Interaction,
            Self::AxisForce { .. } | Self::PotentialGradient { .. } => TermKind::Drift,
            Self::Diffusion { .. } => TermKind::Diffusion,
        }
    }

    fn name(&self) -> String {
        self.to_string()
    }

    fn check_dim(&self, dim: usize) -> Result<(), CoreError> {
        match self.dim() {
            Some(d) if d != dim => {
                Err(CoreError::WrongDimension { term: self.to_string(), supports: d, got: dim })
            }
            _ if dim == 0 => Err(CoreError::WrongDimension { term: self.to_string(), supports: 1, got: 0 }),
            // a formula that does not parse is reported here too, where the assembly checks
            _ => self.check(),
        }
    }

    fn evaluate(&self, points: &[f64], dim: usize, out: &mut [f64]) {
        // a term of another dimension (or a formula that does not parse) writes NaN: callers
        // check `check_dim` first (the weak-form assembly does, in release builds too), so
        // this only keeps invalid output visible for callers that do not
        if self.check_dim(dim).is_err() {
            out.fill(f64::NAN);
            return;
        }
        match self.parse_formula() {
            Ok(formula) => self.evaluate_parsed(points, dim, out, formula.as_ref()),
            Err(_) => out.fill(f64::NAN),
        }
    }

    fn length_exponent(&self) -> f64 {
        match self {
            Self::Interaction(k) => k.length_exponent(),
            Self::RadialExpression { .. } => 2.0,
            Self::AxisForce { field, .. } => 1.0 - field.length_power(),
            Self::PotentialGradient { powers } => 2.0 - ScalarField::Monomial(powers.clone()).length_power(),
            Self::Diffusion { field, .. } => 2.0 - field.length_power(),
        }
    }

    fn description(&self) -> Option<Term> {
        Some(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Central-difference gradient of a scalar function.
    fn gradient(f: impl Fn(&[f64]) -> f64, x: &[f64]) -> Vec<f64> {
        let e = 1e-6;
        (0..x.len())
            .map(|i| {
                let (mut a, mut b) = (x.to_vec(), x.to_vec());
                a[i] += e;
                b[i] -= e;
                (f(&a) - f(&b)) / (2.0 * e)
            })
            .collect()
    }

    fn samples() -> Vec<(Term, usize)> {
        vec![
            (Term::power(2.0), 1),
            (Term::drift_monomial(0), 1),
            (Term::drift_monomial(3), 1),
            (Term::diffusion_monomial(0), 1),
            (Term::PotentialGradient { powers: vec![2] }, 1),
            (Term::AxisForce { axis: 0, field: ScalarField::Cosines(vec![2]) }, 1),
            (Term::AxisForce { axis: 1, field: ScalarField::Cosines(vec![0, 1]) }, 2),
            (Term::AxisForce { axis: 0, field: ScalarField::constant(2) }, 2),
            (Term::AxisForce { axis: 0, field: ScalarField::Cosines(vec![5, 0]) }, 2),
            (Term::PotentialGradient { powers: vec![1, 2] }, 2),
            (
                Term::Diffusion {
                    entry: MatrixEntry::Entry { p: 0, q: 1 },
                    field: ScalarField::Cosines(vec![2, 1]),
                },
                2,
            ),
            (Term::Diffusion { entry: MatrixEntry::Identity, field: ScalarField::Monomial(vec![1, 0]) }, 2),
            (Term::AxisForce { axis: 2, field: ScalarField::Monomial(vec![1, 0, 2]) }, 3),
            (Term::PotentialGradient { powers: vec![0, 0, 2] }, 3),
            (
                Term::Diffusion { entry: MatrixEntry::Entry { p: 1, q: 2 }, field: ScalarField::constant(3) },
                3,
            ),
            (
                Term::Diffusion {
                    entry: MatrixEntry::Entry { p: 2, q: 2 },
                    field: ScalarField::Cosines(vec![0, 3, 0]),
                },
                3,
            ),
            (Term::Interaction(RadialKernel::Log { delta: 0.01 }), 3),
        ]
    }

    #[test]
    fn names_are_the_documented_ones() {
        let names: Vec<String> = samples().iter().map(|(t, _)| t.to_string()).collect();
        assert_eq!(
            names,
            [
                "|x|^2",
                "x^0",
                "x^3",
                "x^0",
                "grad(x^2)",
                "cos(2x)",
                "[0, cos(x2)]",
                "[1, 0]",
                "[cos(5x1), 0]",
                "grad(x1*x2^2)",
                "cos(2x1)*cos(x2)*E12",
                "x1*I",
                "[0, 0, x1*x3^2]",
                "grad(x3^2)",
                "1*E23",
                "cos(3x2)*E33",
                "log|x|",
            ]
        );
    }

    #[test]
    fn every_name_reads_back_to_its_term() {
        for (term, dim) in samples() {
            let name = term.to_string();
            assert_eq!(
                Term::from_name(term.kind(), &name, dim, 0.01),
                Some(term.clone()),
                "{name} in {dim}D"
            );
        }
        // non-canonical spellings and names of another dimension are refused
        for (kind, name, dim) in [
            (TermKind::Drift, "x^01", 1),
            (TermKind::Drift, "[x1^1, 0]", 2),
            (TermKind::Drift, "[cos(1x1), 0]", 2),
            (TermKind::Drift, "[cos(x2)*cos(x1), 0]", 2),
            (TermKind::Drift, "[cos(x3), 0]", 2),
            (TermKind::Drift, "[cos(x1)*x2, 0]", 2),
            (TermKind::Drift, "[2, 0]", 2),
            (TermKind::Drift, "[y, 0]", 2),
            (TermKind::Drift, "[, 0]", 2),
            (TermKind::Drift, "[1, 0]", 3),
            (TermKind::Drift, "[1, 1]", 2),
            (TermKind::Drift, "grad(cos(x1))", 2),
            (TermKind::Diffusion, "1*E21", 2),
            (TermKind::Diffusion, "1*E13", 2),
            (TermKind::Diffusion, "x4*I", 3),
            (TermKind::Interaction, "|x|^-1", 2),
            (TermKind::Interaction, "|x|^2.0", 2),
        ] {
            assert_eq!(Term::from_name(kind, name, dim, 0.01), None, "{name} in {dim}D");
        }
    }

    #[test]
    fn serialised_form_round_trips() {
        for (term, _) in samples() {
            let text = toml::to_string(&term).unwrap();
            assert!(text.starts_with("family = "), "{text}");
            assert_eq!(toml::from_str::<Term>(&text).unwrap(), term, "{text}");
        }
        let parsed: Term =
            toml::from_str("family = \"diffusion\"\nentry = \"E12\"\nfield = { cosines = [1, 0] }").unwrap();
        assert_eq!(parsed.to_string(), "cos(x1)*E12");
        assert!(
            toml::from_str::<Term>("family = \"diffusion\"\nentry = \"E21\"\nfield = { cosines = [1, 0] }")
                .is_err()
        );
    }

    #[test]
    fn drift_forces_are_gradients_of_their_potentials() {
        for powers in [vec![3], vec![1, 0], vec![2, 3], vec![1, 1, 2], vec![0, 2, 0]] {
            let dim = powers.len();
            let term = Term::PotentialGradient { powers: powers.clone() };
            let x: Vec<f64> = [0.8, -1.1, 0.6][..dim].to_vec();
            let mut f = vec![0.0; dim];
            term.evaluate(&x, dim, &mut f);
            let field = ScalarField::Monomial(powers);
            let g = gradient(|p| field.value(p), &x);
            for i in 0..dim {
                assert!((f[i] - g[i]).abs() < 1e-6, "{term}: {f:?} vs {g:?}");
            }
        }
    }

    #[test]
    fn fields_axis_forces_and_matrices_match_their_definitions() {
        let field = ScalarField::Cosines(vec![2, 3, 0]);
        let x = [0.4, -0.7, 5.0];
        assert!((field.value(&x) - 0.8f64.cos() * 2.1f64.cos()).abs() < 1e-15);
        let mut out = [9.0; 3];
        Term::AxisForce { axis: 1, field: field.clone() }.evaluate(&x, 3, &mut out);
        assert_eq!(out, [0.0, field.value(&x), 0.0]);
        let mut m = [9.0; 9];
        Term::Diffusion { entry: MatrixEntry::Entry { p: 0, q: 2 }, field: ScalarField::constant(3) }
            .evaluate(&x, 3, &mut m);
        assert_eq!(m, [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
        Term::Diffusion { entry: MatrixEntry::Identity, field: field.clone() }.evaluate(&x, 3, &mut m);
        let v = field.value(&x);
        assert_eq!(m, [v, 0.0, 0.0, 0.0, v, 0.0, 0.0, 0.0, v]);
        let mut one = [0.0];
        Term::diffusion_monomial(2).evaluate(&[3.0], 1, &mut one);
        assert_eq!(one, [9.0]);
    }

    #[test]
    fn wrong_dimensions_are_errors() {
        let planar = Term::PotentialGradient { powers: vec![1, 1] };
        assert_eq!(planar.check_dim(2), Ok(()));
        let err = planar.check_dim(3).unwrap_err();
        assert!(err.to_string().contains("grad(x1*x2)"), "{err}");
        assert!(Term::power(2.0).check_dim(3).is_ok());
        assert!(Term::power(2.0).check_dim(0).is_err());
        assert!(Term::AxisForce { axis: 2, field: ScalarField::constant(2) }.check().is_err());
        assert!(
            Term::Diffusion { entry: MatrixEntry::Entry { p: 0, q: 2 }, field: ScalarField::constant(2) }
                .check()
                .is_err()
        );
        // evaluation of a wrong-dimension term writes NaN, which no caller can mistake for data
        let mut out = [9.0; 3];
        planar.evaluate(&[1.0, 2.0, 3.0], 3, &mut out);
        assert!(out.iter().all(|v| v.is_nan()));
    }

    #[test]
    fn formulas_are_terms_of_every_family() {
        let gaussian = Term::RadialExpression { potential: "exp(-(r^2)/0.5)".into() };
        let drift = Term::AxisForce {
            axis: 0,
            field: ScalarField::Expression { formula: "x1*exp(-(x2^2))".into(), dim: 2 },
        };
        let diffusion = Term::Diffusion {
            entry: MatrixEntry::Identity,
            field: ScalarField::Expression { formula: "1+x^2".into(), dim: 1 },
        };
        assert_eq!(
            [gaussian.to_string(), drift.to_string(), diffusion.to_string()],
            ["{exp(-(r^2)/0.5)}", "[{x1*exp(-(x2^2))}, 0]", "{1+x^2}"]
        );
        for (term, dim) in [(&gaussian, 3), (&drift, 2), (&diffusion, 1)] {
            assert_eq!(Term::from_name(term.kind(), &term.to_string(), dim, 0.01).as_ref(), Some(term));
            let text = toml::to_string(term).unwrap();
            assert_eq!(&toml::from_str::<Term>(&text).unwrap(), term, "{text}");
        }
        // the Gaussian kernel's force is the exact derivative: k′(r) = −(2r/0.5) e^{−r²/0.5}
        let x = [0.3, -0.4, 1.2];
        let r: f64 = 1.3;
        let mut f = [0.0; 3];
        gaussian.evaluate(&x, 3, &mut f);
        let h = -(2.0 * r / 0.5) * (-(r * r) / 0.5).exp();
        for (fi, xi) in f.iter().zip(x) {
            assert!((fi - h * xi / r).abs() < 1e-14, "{f:?}");
        }
        gaussian.evaluate(&[0.0; 3], 3, &mut f);
        assert_eq!(f, [0.0; 3]);
        let mut g = [9.0; 2];
        drift.evaluate(&[2.0, 1.0], 2, &mut g);
        assert!((g[0] - 2.0 * (-1.0f64).exp()).abs() < 1e-15 && g[1] == 0.0, "{g:?}");
        let mut d = [0.0];
        diffusion.evaluate(&[3.0], 1, &mut d);
        assert_eq!(d, [10.0]);
        // bad formulas are errors when checked, and named
        let bad =
            Term::AxisForce { axis: 0, field: ScalarField::Expression { formula: "x3".into(), dim: 2 } };
        assert!(bad.check_dim(2).unwrap_err().to_string().contains("unknown variable `x3`"));
        assert!(Term::RadialExpression { potential: "exp(-x)".into() }.check().is_err());
        assert!(
            Term::RadialExpression { potential: "-r^2".into() }
                .check()
                .unwrap_err()
                .to_string()
                .contains("ambiguous")
        );
    }

    #[test]
    fn length_exponents_follow_the_units() {
        assert_eq!(Term::drift_monomial(3).length_exponent(), -2.0);
        assert_eq!(Term::diffusion_monomial(0).length_exponent(), 2.0);
        assert_eq!(Term::PotentialGradient { powers: vec![1, 2] }.length_exponent(), -1.0);
        assert_eq!(Term::power(3.0).length_exponent(), -1.0);
        assert_eq!(
            Term::AxisForce { axis: 0, field: ScalarField::Cosines(vec![1, 1]) }.length_exponent(),
            1.0
        );
    }
}
