//! The nonlocal 2D (Keller–Segel) example (section 4.3 / (5.5) of the paper).

use serde::{Deserialize, Serialize};
use wsindy::{Grid, Preset, TermKind, TrueModel};
use wsindy_sim::{InitialLaw, KELLER_SEGEL_CRITICAL_SIGMA, Model, SimulationConfig, System};

use crate::{Example, ExampleEntry, Setting};

/// The diffusion of the nonlocal 2D (Keller–Segel) example.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum KellerSegelSigma {
    /// σ = 0 (the data may carry extrinsic noise instead).
    #[default]
    Zero,
    /// The critical σ = 1/√(4π), i.e. ½σ² = 1/(8π).
    Critical,
}

impl KellerSegelSigma {
    /// The case's name in options and results.
    pub fn name(self) -> &'static str {
        match self {
            KellerSegelSigma::Zero => "zero",
            KellerSegelSigma::Critical => "critical",
        }
    }
}

/// The nonlocal 2D example (5.5)–(5.6): K = (1/2π) log|x| with cutoff δ = 0.01, V = 0, from the
/// uniform distribution on the disk of radius 2; 80 recorded steps at Δt = 0.1 from an
/// Euler–Maruyama step of 0.0025.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nonlocal2d {
    /// The diffusion.
    pub sigma: KellerSegelSigma,
    /// Extrinsic noise ratio ε.
    pub noise_ratio: f64,
    /// Particles per experiment N.
    pub particles: usize,
    /// Experiments M.
    pub experiments: usize,
    /// Seed.
    pub seed: u64,
}

impl Default for Nonlocal2d {
    /// σ = 0, no extrinsic noise, N = 4000, M = 1, seed 1. (With the critical σ, [`ENTRY`]
    /// builds M = 4 by default: the paper's smallest N·M at which that case is identified.)
    fn default() -> Self {
        Self { sigma: KellerSegelSigma::Zero, noise_ratio: 0.0, particles: 4000, experiments: 1, seed: 1 }
    }
}

/// The list entry of [`Nonlocal2d`].
pub static ENTRY: ExampleEntry = ExampleEntry {
    name: "nonlocal2d",
    about: "Keller–Segel, K = (1/2π) log|x| with cutoff, in 2D (the paper's (5.5))",
    sigma_cases: &["zero", "critical"],
    takes_omega: false,
    interacting: true,
    build: |options| {
        let d = Nonlocal2d::default();
        let sigma = match ENTRY.sigma_case(options) {
            "critical" => KellerSegelSigma::Critical,
            _ => KellerSegelSigma::Zero,
        };
        let default_experiments = if sigma == KellerSegelSigma::Critical { 4 } else { d.experiments };
        Ok(Box::new(Nonlocal2d {
            sigma,
            noise_ratio: options.noise_ratio.unwrap_or(0.0),
            particles: options.particles.unwrap_or(d.particles),
            experiments: options.experiments.unwrap_or(default_experiments),
            seed: options.seed.unwrap_or(d.seed),
        }) as Box<dyn Example>)
    },
    // exact pair sums, 3200 steps
    simulation_seconds: |n, m| 20.0 * m as f64 * (n as f64 / 4000.0).powi(2),
    identification_seconds: 0.5,
};

impl Nonlocal2d {
    /// σ as a number.
    pub fn sigma_value(&self) -> f64 {
        match self.sigma {
            KellerSegelSigma::Zero => 0.0,
            KellerSegelSigma::Critical => KELLER_SEGEL_CRITICAL_SIGMA,
        }
    }

    /// The particle model.
    pub fn model(&self) -> Model<2> {
        Model::keller_segel(self.sigma_value())
    }

    /// The true model: log|x| with 1/(2π), and ½σσᵀ = 1/(8π) I (the term `1*I`) for critical σ.
    pub fn true_model(&self) -> TrueModel {
        let t = TrueModel::default().with(TermKind::Interaction, "log|x|", 1.0 / std::f64::consts::TAU);
        match self.sigma {
            KellerSegelSigma::Zero => t,
            KellerSegelSigma::Critical => {
                let d = 0.5 * KELLER_SEGEL_CRITICAL_SIGMA * KELLER_SEGEL_CRITICAL_SIGMA;
                t.with(TermKind::Diffusion, "1*I", d)
            }
        }
    }
}

impl Example for Nonlocal2d {
    fn entry(&self) -> &'static ExampleEntry {
        &ENTRY
    }

    fn describe(&self) -> String {
        format!(
            "the nonlocal 2D (Keller–Segel) example: N = {}, M = {}, σ {}, ε = {}, seed {}",
            self.particles,
            self.experiments,
            self.sigma.name(),
            self.noise_ratio,
            self.seed
        )
    }

    fn system(&self) -> System {
        System::Planar(self.model(), InitialLaw::paper_keller_segel())
    }

    fn simulation(&self) -> SimulationConfig {
        SimulationConfig {
            particles: self.particles,
            experiments: self.experiments,
            step: 0.0025,
            record_every: 40,
            recorded_steps: 80,
            seed: self.seed,
            noise_ratio: self.noise_ratio,
        }
    }

    fn preset(&self) -> Preset {
        Preset::Nonlocal2d
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
