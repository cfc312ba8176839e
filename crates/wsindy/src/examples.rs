//! The paper's examples as ready-made data generators with their libraries and true models.

use serde::{Deserialize, Serialize};
use wsindy_core::{TermKind, Trajectories};
use wsindy_library::Library;
use wsindy_sim::{
    Diffusion, InitialDistribution, InteractionForce, ParticleModel, SimError, SimulationConfig, simulate,
};

use crate::TrueModel;

/// The diffusion of the nonlocal 1D example (section 5.2 of the paper).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SigmaCase {
    /// σ = 0 (the data may carry extrinsic noise instead).
    Zero,
    /// σ = √0.2, i.e. ½σ² = 0.1.
    #[default]
    Const,
    /// σ = √0.2 |x − 2|, i.e. ½σ² = 0.1x² − 0.4x + 0.4.
    Variable,
}

/// The nonlocal 1D example (5.4): K = ½x² − |x|, V = 0, three Gaussian clusters at 0, 1 and 4,
/// 100 recorded steps at Δt = 0.01 from an Euler–Maruyama step of 1e-3.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nonlocal1d {
    /// The diffusion.
    pub sigma: SigmaCase,
    /// Extrinsic noise ratio ε.
    pub noise_ratio: f64,
    /// Particles per experiment N.
    pub particles: usize,
    /// Experiments M.
    pub experiments: usize,
    /// Seed.
    pub seed: u64,
}

impl Default for Nonlocal1d {
    /// N = 8000, M = 2, σ = √0.2, no extrinsic noise, seed 1.
    fn default() -> Self {
        Self { sigma: SigmaCase::Const, noise_ratio: 0.0, particles: 8000, experiments: 2, seed: 1 }
    }
}

impl Nonlocal1d {
    /// The particle model.
    pub fn model(&self) -> ParticleModel {
        let diffusion = match self.sigma {
            SigmaCase::Zero => Diffusion::None,
            SigmaCase::Const => Diffusion::Constant(0.2f64.sqrt()),
            SigmaCase::Variable => Diffusion::field(|x| 0.2f64.sqrt() * (x - 2.0).abs()),
        };
        ParticleModel::default()
            .with_interaction(InteractionForce::attraction_repulsion())
            .with_diffusion(diffusion)
    }

    /// The simulation settings.
    pub fn simulation(&self) -> SimulationConfig {
        SimulationConfig {
            particles: self.particles,
            experiments: self.experiments,
            step: 1e-3,
            record_every: 10,
            recorded_steps: 100,
            seed: self.seed,
            noise_ratio: self.noise_ratio,
        }
    }

    /// Simulates the example.
    pub fn simulate(&self) -> Result<Trajectories, SimError> {
        simulate(&self.model(), &InitialDistribution::paper_three_clusters(), &self.simulation())
    }

    /// The paper's Table 3 library.
    pub fn library(&self) -> Library {
        Library::nonlocal1d()
    }

    /// The true model in the library's terms.
    pub fn truth(&self) -> TrueModel {
        let t = TrueModel::default().with(TermKind::Interaction, "|x|^2", 0.5).with(
            TermKind::Interaction,
            "|x|^1",
            -1.0,
        );
        match self.sigma {
            SigmaCase::Zero => t,
            SigmaCase::Const => t.with(TermKind::Diffusion, "x^0", 0.1),
            SigmaCase::Variable => t
                .with(TermKind::Diffusion, "x^2", 0.1)
                .with(TermKind::Diffusion, "x^1", -0.4)
                .with(TermKind::Diffusion, "x^0", 0.4),
        }
    }
}
