//! The particle model in d dimensions: interaction ∇K, external force ∇V and diffusion σ.

use std::f64::consts::PI;
use std::fmt;
use std::sync::Arc;

use nalgebra::{SMatrix, SVector};
use wsindy_core::RadialKernel;

use crate::SimError;

/// A scalar function of a distance, shareable across threads (a custom radial profile h(r)).
pub type ScalarFn = Arc<dyn Fn(f64) -> f64 + Send + Sync>;

/// A vector field of ℝᵈ, shareable across threads (an external force ∇V).
pub type VectorFn<const D: usize> = Arc<dyn Fn(&SVector<f64, D>) -> SVector<f64, D> + Send + Sync>;

/// A pair force f(x_i − x_j) of ℝᵈ, shareable across threads; it must be odd, f(−d) = −f(d),
/// since each pair is evaluated once (Newton's third law), and is never called at d = 0.
pub type PairFn<const D: usize> = VectorFn<D>;

/// A d × d matrix field of ℝᵈ, shareable across threads (a diffusion σ(x)).
pub type MatrixFn<const D: usize> = Arc<dyn Fn(&SVector<f64, D>) -> SMatrix<f64, D, D> + Send + Sync>;

/// The cutoff δ of the paper's Keller–Segel kernel, K = (1/2π) log|x| continued linearly inside
/// |x| < δ.
pub const KELLER_SEGEL_DELTA: f64 = 0.01;

/// The critical diffusion σ_c = 1/√(4π) of the paper's Keller–Segel example (½σ² = 1/(8π)).
pub const KELLER_SEGEL_CRITICAL_SIGMA: f64 = 0.282_094_791_773_878_14;

/// The interaction force ∇K of a particle system in ℝᵈ, felt by a particle at separation
/// d = x_i − x_j from another, with ∇K(0) := 0 (the self term and coincident particles
/// contribute nothing).
///
/// ∇K is the sum of `coefficient` × ∇K_kernel over the radial [`terms`](Self::terms)
/// (∇K_k(d) = h_k(|d|) d/|d| with h_k = [`RadialKernel::force_profile`]), plus an optional
/// custom radial profile h(r) and an optional arbitrary odd pair force. In 1D, when every term
/// is an integer power |x|^m (m ≤ [`MAX_POLY_DEGREE`](crate::MAX_POLY_DEGREE) + 1) and there are
/// no closures, the mean field is summed in O(N log N); otherwise by the exact O(N²) pair sum.
///
/// ```
/// use wsindy_sim::{Interaction, SVector};
/// use wsindy_core::RadialKernel;
/// // K = ½|x|² − |x|: ∇K(d) = (|d| − 1) d/|d|
/// let force = Interaction::<2>::new()
///     .plus(0.5, RadialKernel::Power { power: 2.0 })
///     .plus(-1.0, RadialKernel::Power { power: 1.0 });
/// let g = force.force(&SVector::from([3.0, 4.0]));
/// assert!((g[0] - 4.0 * 0.6).abs() < 1e-12 && (g[1] - 4.0 * 0.8).abs() < 1e-12);
/// assert_eq!(force.force(&SVector::zeros()), SVector::<f64, 2>::zeros());
/// ```
#[derive(Clone, Default)]
pub struct Interaction<const D: usize> {
    /// (coefficient, kernel) terms; none is the zero force.
    pub terms: Vec<(f64, RadialKernel)>,
    /// A custom radial profile h(r) (∇K(d) += h(|d|) d/|d|), never called at r = 0.
    pub profile: Option<ScalarFn>,
    /// A custom odd pair force f(d) (∇K(d) += f(d)), never called at d = 0.
    pub pair_force: Option<PairFn<D>>,
}

impl<const D: usize> fmt::Debug for Interaction<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interaction")
            .field("terms", &self.terms)
            .field("profile", &self.profile.as_ref().map(|_| "<fn>"))
            .field("pair_force", &self.pair_force.as_ref().map(|_| "<fn>"))
            .finish()
    }
}

impl<const D: usize> Interaction<D> {
    /// The zero force; add terms with [`plus`](Self::plus).
    pub fn new() -> Self {
        Self::default()
    }

    /// This force plus `coefficient` × ∇K_`kernel`.
    pub fn plus(mut self, coefficient: f64, kernel: RadialKernel) -> Self {
        self.terms.push((coefficient, kernel));
        self
    }

    /// This force plus the radial force of the profile h(r) = K′(r), h(|d|) d/|d|.
    pub fn with_profile(mut self, h: impl Fn(f64) -> f64 + Send + Sync + 'static) -> Self {
        self.profile = Some(Arc::new(h));
        self
    }

    /// This force plus the pair force `f` (odd: f(−d) = −f(d); never called at d = 0).
    pub fn with_pair_force(
        mut self,
        f: impl Fn(&SVector<f64, D>) -> SVector<f64, D> + Send + Sync + 'static,
    ) -> Self {
        self.pair_force = Some(Arc::new(f));
        self
    }

    /// K = ½|x|² − |x| (quadratic attraction, Newtonian repulsion), the paper's nonlocal 1D
    /// example in any dimension: ∇K(d) = d − d/|d|.
    pub fn attraction_repulsion() -> Self {
        Self::new()
            .plus(0.5, RadialKernel::Power { power: 2.0 })
            .plus(-1.0, RadialKernel::Power { power: 1.0 })
    }

    /// The paper's Keller–Segel kernel K = (1/2π) log|x| with cutoff `delta` (the paper uses
    /// [`KELLER_SEGEL_DELTA`]): h(r) = 1 / (2π max(r, δ)), an attraction.
    pub fn keller_segel(delta: f64) -> Self {
        Self::new().plus(1.0 / (2.0 * PI), RadialKernel::Log { delta })
    }

    /// Whether the force is identically zero (no terms, no closures).
    pub fn is_zero(&self) -> bool {
        self.terms.is_empty() && self.profile.is_none() && self.pair_force.is_none()
    }

    /// Checks every term: a finite coefficient and valid kernel parameters
    /// ([`RadialKernel::check`]); the error names the term's index and the bad value.
    pub fn validate(&self) -> Result<(), SimError> {
        for (index, &(coefficient, kernel)) in self.terms.iter().enumerate() {
            if !coefficient.is_finite() {
                return Err(SimError::InvalidEntry {
                    what: "interaction coefficients",
                    index,
                    value: coefficient,
                    expected: "a finite coefficient",
                });
            }
            kernel.check().map_err(|source| SimError::InvalidKernel { index, kernel, source })?;
        }
        Ok(())
    }

    /// ∇K(d) at one separation, with ∇K(0) = 0.
    pub fn force(&self, d: &SVector<f64, D>) -> SVector<f64, D> {
        let r = d.norm();
        if r == 0.0 {
            return SVector::zeros();
        }
        let mut h: f64 = self.terms.iter().map(|(c, k)| c * k.force_profile(r)).sum();
        if let Some(profile) = &self.profile {
            h += profile(r);
        }
        let mut f = d * (h / r);
        if let Some(pair) = &self.pair_force {
            f += pair(d);
        }
        f
    }
}

/// The diffusion σ of dX_i = … + σ(X_i) dB_i with B_i a standard d-dimensional Brownian motion.
#[derive(Clone, Default)]
pub enum Diffusion<const D: usize> {
    /// No noise (σ = 0): deterministic dynamics, no random numbers drawn for the increments.
    #[default]
    None,
    /// Constant isotropic σ I with σ ≥ 0.
    Isotropic(f64),
    /// A position-dependent d × d matrix σ(x): the increment is σ(X) ΔB (a non-finite entry
    /// stops the simulation with [`SimError::BlowUp`]).
    Field(MatrixFn<D>),
}

impl<const D: usize> fmt::Debug for Diffusion<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Isotropic(s) => f.debug_tuple("Isotropic").field(s).finish(),
            Self::Field(_) => f.write_str("Field(<fn>)"),
        }
    }
}

impl<const D: usize> Diffusion<D> {
    /// A constant isotropic σ, or no diffusion for σ = 0 (so no random numbers are drawn).
    pub fn constant(sigma: f64) -> Self {
        if sigma == 0.0 { Self::None } else { Self::Isotropic(sigma) }
    }

    /// A position-dependent matrix σ(x) from a closure.
    pub fn field(sigma: impl Fn(&SVector<f64, D>) -> SMatrix<f64, D, D> + Send + Sync + 'static) -> Self {
        Self::Field(Arc::new(sigma))
    }

    /// Checks that an isotropic σ is finite and non-negative.
    pub fn validate(&self) -> Result<(), SimError> {
        match *self {
            Self::Isotropic(s) if !(s.is_finite() && s >= 0.0) => Err(SimError::InvalidParameter {
                what: "diffusion σ",
                value: s,
                expected: "a finite number ≥ 0",
            }),
            _ => Ok(()),
        }
    }
}

/// An overdamped interacting particle system in ℝᵈ:
///
/// dX_i = ( −(1/N) Σ_j ∇K(X_i − X_j) − ∇V(X_i) ) dt + σ(X_i) dB_i, with ∇K(0) := 0.
///
/// The default model has no interaction, no external force and no diffusion.
#[derive(Clone, Default)]
pub struct Model<const D: usize> {
    /// The interaction force ∇K (zero by default).
    pub interaction: Interaction<D>,
    /// The external force ∇V (particles move along −∇V), or `None` for V = 0.
    pub external_force: Option<VectorFn<D>>,
    /// The diffusion σ.
    pub diffusion: Diffusion<D>,
}

impl<const D: usize> fmt::Debug for Model<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model")
            .field("dim", &D)
            .field("interaction", &self.interaction)
            .field("external_force", &self.external_force.as_ref().map(|_| "<fn>"))
            .field("diffusion", &self.diffusion)
            .finish()
    }
}

impl<const D: usize> Model<D> {
    /// This model with interaction force `force`.
    pub fn with_interaction(mut self, force: Interaction<D>) -> Self {
        self.interaction = force;
        self
    }

    /// This model with external force ∇V = `grad_v`.
    pub fn with_external_force(
        mut self,
        grad_v: impl Fn(&SVector<f64, D>) -> SVector<f64, D> + Send + Sync + 'static,
    ) -> Self {
        self.external_force = Some(Arc::new(grad_v));
        self
    }

    /// This model with diffusion `diffusion`.
    pub fn with_diffusion(mut self, diffusion: Diffusion<D>) -> Self {
        self.diffusion = diffusion;
        self
    }

    /// K = ½|x|² − |x| in the anisotropic harmonic trap V = ½ Σ_k a_k x_k² (∇V = (a_k x_k)_k)
    /// with constant isotropic σ (σ = 0: no noise).
    ///
    /// ```
    /// use wsindy_sim::{InitialLaw, Model, SVector, SimulationConfig, simulate};
    /// let model = Model::<3>::trapped_attraction_repulsion(SVector::from([1.0, 2.0, 4.0]), 0.5);
    /// let initial = InitialLaw::gaussian(SVector::zeros(), SVector::repeat(1.0));
    /// let config = SimulationConfig { particles: 100, recorded_steps: 5, ..Default::default() };
    /// let data = simulate(&model, &initial, &config).unwrap();
    /// assert_eq!((data.particles(), data.time_points(), data.dim()), (100, 6, 3));
    /// ```
    pub fn trapped_attraction_repulsion(stiffness: SVector<f64, D>, sigma: f64) -> Self {
        Self::default()
            .with_interaction(Interaction::attraction_repulsion())
            .with_external_force(move |x| stiffness.component_mul(x))
            .with_diffusion(Diffusion::constant(sigma))
    }

    /// Checks the interaction force and the diffusion.
    pub fn validate(&self) -> Result<(), SimError> {
        self.interaction.validate()?;
        self.diffusion.validate()
    }
}

impl Model<2> {
    /// The paper's local 2D example (section 5.2): particles drift with velocity (1, 1)
    /// (∇V = (−1, −1)), no interaction, and ½σσᵀ = (1 + 0.95 cos ωx cos ωy) I, i.e.
    /// σ(x) = √(2(1 + 0.95 cos ωx cos ωy)) I. The paper uses ω ∈ {1, 20}. A non-finite ω makes
    /// σ NaN, which the simulation reports as [`SimError::BlowUp`].
    pub fn local2d(omega: f64) -> Self {
        Self::default().with_external_force(|_| SVector::from([-1.0, -1.0])).with_diffusion(Diffusion::field(
            move |p| {
                let s = (2.0 * (1.0 + 0.95 * (omega * p[0]).cos() * (omega * p[1]).cos())).sqrt();
                SMatrix::from_diagonal_element(s)
            },
        ))
    }

    /// The paper's nonlocal 2D Keller–Segel example (section 5.3): K = (1/2π) log|x| with cutoff
    /// δ = [`KELLER_SEGEL_DELTA`], V = 0, constant isotropic σ (the paper uses 0 and
    /// [`KELLER_SEGEL_CRITICAL_SIGMA`]; σ = 0 means no diffusion at all).
    pub fn keller_segel(sigma: f64) -> Self {
        Self::default()
            .with_interaction(Interaction::keller_segel(KELLER_SEGEL_DELTA))
            .with_diffusion(Diffusion::constant(sigma))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn critical_sigma_constant() {
        assert!((KELLER_SEGEL_CRITICAL_SIGMA - 1.0 / (4.0 * PI).sqrt()).abs() < 1e-16);
    }

    #[test]
    fn forces_at_one_separation() {
        let f = Interaction::<1>::attraction_repulsion();
        for r in [-2.5, -0.3, 0.7, 3.0] {
            let g = f.force(&SVector::from([r]))[0];
            assert!((g - (r - f64::signum(r))).abs() < 1e-15, "{r}: {g}");
        }
        let custom = Interaction::<3>::new()
            .with_profile(|r| 2.0 * r)
            .with_pair_force(|d| SVector::from([d[0], 0.0, 0.0]));
        let g = custom.force(&SVector::from([1.0, 2.0, 2.0]));
        assert!((g - SVector::from([3.0, 4.0, 4.0])).norm() < 1e-14, "{g}");
    }
}
