//! The nonlocal 1D example (section 4.2 / (5.4) of the paper).

use serde::{Deserialize, Serialize};
use wsindy::{Grid, Preset, TermKind, TrueModel};
use wsindy_sim::{Diffusion, InitialLaw, Interaction, Model, SMatrix, SimulationConfig, System};

use crate::{Example, ExampleEntry, Setting};

/// The diffusion of the nonlocal 1D example.
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

impl SigmaCase {
    /// The case's name in options and results.
    pub fn name(self) -> &'static str {
        match self {
            SigmaCase::Zero => "zero",
            SigmaCase::Const => "const",
            SigmaCase::Variable => "variable",
        }
    }
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

/// The list entry of [`Nonlocal1d`].
pub static ENTRY: ExampleEntry = ExampleEntry {
    name: "nonlocal1d",
    about: "K = ½x² − |x| in 1D (the paper's (5.4))",
    sigma_cases: &["const", "zero", "variable"],
    takes_omega: false,
    interacting: true,
    build: |options| {
        let d = Nonlocal1d::default();
        let sigma = match ENTRY.sigma_case(options) {
            "zero" => SigmaCase::Zero,
            "variable" => SigmaCase::Variable,
            _ => SigmaCase::Const,
        };
        Ok(Box::new(Nonlocal1d {
            sigma,
            noise_ratio: options.noise_ratio.unwrap_or(0.0),
            particles: options.particles.unwrap_or(d.particles),
            experiments: options.experiments.unwrap_or(d.experiments),
            seed: options.seed.unwrap_or(d.seed),
        }) as Box<dyn Example>)
    },
    // O(N log N) forces, 10⁵ steps
    simulation_seconds: |n, m| 0.3 * (n * m) as f64 / 16_000.0,
    identification_seconds: 0.015,
};

impl Nonlocal1d {
    /// The particle model.
    pub fn model(&self) -> Model<1> {
        let diffusion = match self.sigma {
            SigmaCase::Zero => Diffusion::None,
            SigmaCase::Const => Diffusion::Isotropic(0.2f64.sqrt()),
            SigmaCase::Variable => {
                Diffusion::field(|x| SMatrix::from_element(0.2f64.sqrt() * (x[0] - 2.0).abs()))
            }
        };
        Model::default().with_interaction(Interaction::attraction_repulsion()).with_diffusion(diffusion)
    }

    /// The true model in the library's terms.
    pub fn true_model(&self) -> TrueModel {
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

impl Example for Nonlocal1d {
    fn entry(&self) -> &'static ExampleEntry {
        &ENTRY
    }

    fn describe(&self) -> String {
        format!(
            "the nonlocal 1D example: N = {}, M = {}, σ {}, ε = {}, seed {}",
            self.particles,
            self.experiments,
            self.sigma.name(),
            self.noise_ratio,
            self.seed
        )
    }

    fn system(&self) -> System {
        System::Line(self.model(), InitialLaw::paper_three_clusters())
    }

    fn simulation(&self) -> SimulationConfig {
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

    fn preset(&self) -> Preset {
        Preset::Nonlocal1d
    }

    fn truth(&self, _grid: &Grid) -> TrueModel {
        self.true_model()
    }

    fn settings(&self) -> Vec<(&'static str, Setting)> {
        Setting::sizes(
            self.particles,
            self.experiments,
            self.seed,
            vec![
                ("noise", Setting::Number(self.noise_ratio)),
                ("sigma", Setting::Name(self.sigma.name().into())),
            ],
        )
    }
}
