//! The particle model: interaction force, external force and diffusion.

use std::fmt;
use std::sync::Arc;

use crate::{InteractionForce, ScalarFn, SimError};

/// The diffusion σ of dX_i = … + σ(X_i) dB_i.
#[derive(Clone, Default)]
pub enum Diffusion {
    /// No noise (σ = 0): deterministic dynamics, no random numbers drawn for the increments.
    #[default]
    None,
    /// Constant σ ≥ 0.
    Constant(f64),
    /// Position-dependent σ(x) (its sign does not matter; a non-finite value stops the
    /// simulation with [`SimError::BlowUp`]).
    Field(ScalarFn),
}

impl fmt::Debug for Diffusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Constant(s) => f.debug_tuple("Constant").field(s).finish(),
            Self::Field(_) => f.write_str("Field(<fn>)"),
        }
    }
}

impl Diffusion {
    /// A position-dependent σ(x) from a closure.
    pub fn field(sigma: impl Fn(f64) -> f64 + Send + Sync + 'static) -> Self {
        Self::Field(Arc::new(sigma))
    }

    /// Checks that a constant σ is finite and non-negative.
    pub fn validate(&self) -> Result<(), SimError> {
        match *self {
            Self::Constant(s) => check_constant_sigma(s),
            _ => Ok(()),
        }
    }
}

/// A constant σ must be finite and non-negative (shared by the 1D and 2D diffusions).
pub(crate) fn check_constant_sigma(s: f64) -> Result<(), SimError> {
    if s.is_finite() && s >= 0.0 {
        Ok(())
    } else {
        Err(SimError::InvalidParameter { what: "diffusion σ", value: s, expected: "a finite number ≥ 0" })
    }
}

/// An overdamped interacting particle system in 1D:
///
/// dX_i = ( −(1/N) Σ_j ∇K(X_i − X_j) − ∇V(X_i) ) dt + σ(X_i) dB_i, with ∇K(0) := 0.
///
/// The default model has no interaction, no external force and no diffusion.
#[derive(Clone, Default)]
pub struct ParticleModel {
    /// The interaction force ∇K, or `None` for independent particles.
    pub interaction: Option<InteractionForce>,
    /// The external force ∇V (particles move along −∇V), or `None` for V = 0.
    pub external_force: Option<ScalarFn>,
    /// The diffusion σ.
    pub diffusion: Diffusion,
}

impl fmt::Debug for ParticleModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParticleModel")
            .field("interaction", &self.interaction)
            .field("external_force", &self.external_force.as_ref().map(|_| "<fn>"))
            .field("diffusion", &self.diffusion)
            .finish()
    }
}

impl ParticleModel {
    /// A model from its three parts.
    pub fn new(
        interaction: Option<InteractionForce>,
        external_force: Option<ScalarFn>,
        diffusion: Diffusion,
    ) -> Self {
        Self { interaction, external_force, diffusion }
    }

    /// This model with interaction force `force`.
    pub fn with_interaction(mut self, force: InteractionForce) -> Self {
        self.interaction = Some(force);
        self
    }

    /// This model with external force ∇V = `grad_v`.
    pub fn with_external_force(mut self, grad_v: impl Fn(f64) -> f64 + Send + Sync + 'static) -> Self {
        self.external_force = Some(Arc::new(grad_v));
        self
    }

    /// This model with diffusion `diffusion`.
    pub fn with_diffusion(mut self, diffusion: Diffusion) -> Self {
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
