//! The planar particle model: radial interaction, external force and 2 × 2 diffusion.

use std::fmt;
use std::sync::Arc;

use super::force::{KELLER_SEGEL_DELTA, RadialForce};
use crate::SimError;

/// A vector field of the plane, shareable across threads (an external force ∇V).
pub type VectorFn = Arc<dyn Fn([f64; 2]) -> [f64; 2] + Send + Sync>;

/// A 2 × 2 matrix field of the plane, shareable across threads (a diffusion σ(x); entry
/// `[p][q]` is row p, column q).
pub type MatrixFn = Arc<dyn Fn([f64; 2]) -> [[f64; 2]; 2] + Send + Sync>;

/// The critical diffusion σ_c = 1/√(4π) of the paper's Keller–Segel example (½σ² = 1/(8π)).
pub const KELLER_SEGEL_CRITICAL_SIGMA: f64 = 0.282_094_791_773_878_14;

/// The diffusion σ of dX_i = … + σ(X_i) dB_i with B_i a standard 2D Brownian motion.
#[derive(Clone, Default)]
pub enum PlanarDiffusion {
    /// No noise (σ = 0): deterministic dynamics, no random numbers drawn for the increments.
    #[default]
    None,
    /// Constant isotropic σ I with σ ≥ 0.
    Isotropic(f64),
    /// A position-dependent 2 × 2 matrix σ(x): the increment is σ(X) (ΔB₁, ΔB₂)ᵀ (a non-finite
    /// entry stops the simulation with [`SimError::BlowUp`]).
    Field(MatrixFn),
}

impl fmt::Debug for PlanarDiffusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Isotropic(s) => f.debug_tuple("Isotropic").field(s).finish(),
            Self::Field(_) => f.write_str("Field(<fn>)"),
        }
    }
}

impl PlanarDiffusion {
    /// A position-dependent matrix σ(x) from a closure.
    pub fn field(sigma: impl Fn([f64; 2]) -> [[f64; 2]; 2] + Send + Sync + 'static) -> Self {
        Self::Field(Arc::new(sigma))
    }

    /// Checks that an isotropic σ is finite and non-negative.
    pub fn validate(&self) -> Result<(), SimError> {
        match *self {
            Self::Isotropic(s) => crate::model::check_constant_sigma(s),
            _ => Ok(()),
        }
    }
}

/// An overdamped interacting particle system in the plane:
///
/// dX_i = ( −(1/N) Σ_j ∇K(X_i − X_j) − ∇V(X_i) ) dt + σ(X_i) dB_i, with ∇K(0) := 0,
///
/// X_i ∈ ℝ², ∇K a [`RadialForce`], B_i independent standard 2D Brownian motions. The default
/// model has no interaction, no external force and no diffusion.
#[derive(Clone, Default)]
pub struct PlanarModel {
    /// The interaction force ∇K, or `None` for independent particles.
    pub interaction: Option<RadialForce>,
    /// The external force ∇V (particles move along −∇V), or `None` for V = 0.
    pub external_force: Option<VectorFn>,
    /// The diffusion σ.
    pub diffusion: PlanarDiffusion,
}

impl fmt::Debug for PlanarModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlanarModel")
            .field("interaction", &self.interaction)
            .field("external_force", &self.external_force.as_ref().map(|_| "<fn>"))
            .field("diffusion", &self.diffusion)
            .finish()
    }
}

impl PlanarModel {
    /// A model from its three parts.
    pub fn new(
        interaction: Option<RadialForce>,
        external_force: Option<VectorFn>,
        diffusion: PlanarDiffusion,
    ) -> Self {
        Self { interaction, external_force, diffusion }
    }

    /// The paper's local 2D example (section 5.2): particles drift with velocity (1, 1)
    /// (∇V = (−1, −1)), no interaction, and ½σσᵀ = (1 + 0.95 cos ωx cos ωy) I, i.e.
    /// σ(x) = √(2(1 + 0.95 cos ωx cos ωy)) I. The paper uses ω ∈ {1, 20}. A non-finite ω makes
    /// σ NaN, which the simulation reports as [`SimError::BlowUp`].
    pub fn local2d(omega: f64) -> Self {
        Self::default().with_external_force(|_| [-1.0, -1.0]).with_diffusion(PlanarDiffusion::field(
            move |p: [f64; 2]| {
                let s = (2.0 * (1.0 + 0.95 * (omega * p[0]).cos() * (omega * p[1]).cos())).sqrt();
                [[s, 0.0], [0.0, s]]
            },
        ))
    }

    /// The paper's nonlocal 2D Keller–Segel example (section 5.3): K = (1/2π) log|x| with cutoff
    /// δ = [`KELLER_SEGEL_DELTA`], V = 0, constant isotropic σ (the paper uses 0 and
    /// [`KELLER_SEGEL_CRITICAL_SIGMA`]; σ = 0 means no diffusion at all).
    pub fn keller_segel(sigma: f64) -> Self {
        let diffusion = if sigma == 0.0 { PlanarDiffusion::None } else { PlanarDiffusion::Isotropic(sigma) };
        Self::default()
            .with_interaction(RadialForce::keller_segel(KELLER_SEGEL_DELTA))
            .with_diffusion(diffusion)
    }

    /// This model with interaction force `force`.
    pub fn with_interaction(mut self, force: RadialForce) -> Self {
        self.interaction = Some(force);
        self
    }

    /// This model with external force ∇V = `grad_v`.
    pub fn with_external_force(
        mut self,
        grad_v: impl Fn([f64; 2]) -> [f64; 2] + Send + Sync + 'static,
    ) -> Self {
        self.external_force = Some(Arc::new(grad_v));
        self
    }

    /// This model with diffusion `diffusion`.
    pub fn with_diffusion(mut self, diffusion: PlanarDiffusion) -> Self {
        self.diffusion = diffusion;
        self
    }

    /// Checks the interaction force and the diffusion.
    pub fn validate(&self) -> Result<(), SimError> {
        if let Some(force) = &self.interaction {
            force.validate()?;
        }
        self.diffusion.validate()
    }
}

#[cfg(test)]
mod tests {
    use std::f64::consts::PI;

    use super::*;

    #[test]
    fn critical_sigma_constant() {
        assert!((KELLER_SEGEL_CRITICAL_SIGMA - 1.0 / (4.0 * PI).sqrt()).abs() < 1e-16);
    }
}
