//! The paper's examples as ready-made data generators with their libraries and true models.

use serde::{Deserialize, Serialize};
use wsindy_core::{Grid, TermKind, Trajectories};
use wsindy_library::Library;
use wsindy_sim::{
    Diffusion, InitialLaw, Interaction, KELLER_SEGEL_CRITICAL_SIGMA, Model, SMatrix, SVector, SimError,
    SimulationConfig, simulate,
};

use crate::{IdentifyConfig, Preset, TrueModel};

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
        simulate(&self.model(), &InitialLaw::paper_three_clusters(), &self.simulation())
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

/// The local 2D example (5.2): particles drift with velocity (1, 1) (∇V = (−1, −1)), K = 0,
/// ½σσᵀ = (1 + 0.95 cos(ωx₁) cos(ωx₂)) I, from N(0, I₂); 100 recorded steps at Δt = 0.02 from
/// an Euler–Maruyama step of 1e-4.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Local2d {
    /// The frequency ω of the diffusivity (the paper uses 1 and 20).
    pub omega: f64,
    /// Particles per experiment N.
    pub particles: usize,
    /// Experiments M.
    pub experiments: usize,
    /// Seed.
    pub seed: u64,
}

impl Default for Local2d {
    /// ω = 1, N = 16,384, M = 1, seed 1.
    fn default() -> Self {
        Self { omega: 1.0, particles: 16_384, experiments: 1, seed: 1 }
    }
}

/// Amplitude of the diffusivity's oscillation in the local 2D example.
const LOCAL2D_AMPLITUDE: f64 = 0.95;

impl Local2d {
    /// The particle model.
    pub fn model(&self) -> Model<2> {
        Model::local2d(self.omega)
    }

    /// The simulation settings.
    pub fn simulation(&self) -> SimulationConfig {
        SimulationConfig {
            particles: self.particles,
            experiments: self.experiments,
            step: 1e-4,
            record_every: 200,
            recorded_steps: 100,
            seed: self.seed,
            noise_ratio: 0.0,
        }
    }

    /// Simulates the example.
    pub fn simulate(&self) -> Result<Trajectories, SimError> {
        simulate(&self.model(), &InitialLaw::paper_local2d(), &self.simulation())
    }

    /// Whether cos(ωx₁) cos(ωx₂) is one of the library's fields (integer ω ≤ 5); otherwise the
    /// target is the homogenised equation (5.3).
    pub fn resolved_by_library(&self) -> bool {
        self.omega.fract() == 0.0 && (0.0..=5.0).contains(&self.omega)
    }

    /// The harmonic mean ω̄ of 1 + 0.95 cos(ωx₁) cos(ωx₂) over the grid's domain, by the
    /// midpoint rule with at least 40 points per period along each axis.
    pub fn harmonic_mean_diffusivity(&self, grid: &Grid) -> f64 {
        let axes = grid.axes();
        let points = |lo: f64, hi: f64| {
            let periods = (hi - lo) * self.omega.abs() / std::f64::consts::TAU;
            (40.0 * periods).ceil().max(400.0) as usize
        };
        let (lo1, hi1, lo2, hi2) = (axes[0].lower(), axes[0].upper(), axes[1].lower(), axes[1].upper());
        let (n1, n2) = (points(lo1, hi1), points(lo2, hi2));
        let c2: Vec<f64> = (0..n2)
            .map(|j| (self.omega * (lo2 + (j as f64 + 0.5) * (hi2 - lo2) / n2 as f64)).cos())
            .collect();
        let mut inverse_sum = 0.0;
        for i in 0..n1 {
            let c1 = (self.omega * (lo1 + (i as f64 + 0.5) * (hi1 - lo1) / n1 as f64)).cos();
            inverse_sum += c2.iter().map(|c| 1.0 / (1.0 + LOCAL2D_AMPLITUDE * c1 * c)).sum::<f64>();
        }
        (n1 * n2) as f64 / inverse_sum
    }

    /// The true model on `grid`: drift [1, 0] and [0, 1] with coefficient −1; diffusion 1*I
    /// and 0.95 cos(ωx₁)cos(ωx₂)*I when the library resolves ω, otherwise ω̄ 1*I.
    pub fn truth(&self, grid: &Grid) -> TrueModel {
        let t =
            TrueModel::default().with(TermKind::Drift, "[1, 0]", -1.0).with(TermKind::Drift, "[0, 1]", -1.0);
        if self.resolved_by_library() {
            let field = wsindy_library::ScalarField::Cosines(vec![self.omega as u32; 2]);
            t.with(TermKind::Diffusion, "1*I", 1.0).with(
                TermKind::Diffusion,
                &format!("{field}*I"),
                LOCAL2D_AMPLITUDE,
            )
        } else {
            t.with(TermKind::Diffusion, "1*I", self.harmonic_mean_diffusivity(grid))
        }
    }
}

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
    /// σ = 0, no extrinsic noise, N = 4000, M = 1, seed 1. (With the critical σ the identification
    /// needs N·M ≈ 64,000: see `docs/ARCHITECTURE.md`, "Known limitations".)
    fn default() -> Self {
        Self { sigma: KellerSegelSigma::Zero, noise_ratio: 0.0, particles: 4000, experiments: 1, seed: 1 }
    }
}

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

    /// The simulation settings.
    pub fn simulation(&self) -> SimulationConfig {
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

    /// Simulates the example.
    pub fn simulate(&self) -> Result<Trajectories, SimError> {
        simulate(&self.model(), &InitialLaw::paper_keller_segel(), &self.simulation())
    }

    /// The true model: log|x| with 1/(2π), and ½σσᵀ = 1/(8π) I (the term `1*I`) for critical σ.
    pub fn truth(&self) -> TrueModel {
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

/// A 3D example beyond the paper: K = ½|x|² − |x| (the nonlocal 1D kernel, radial in 3D) in the
/// anisotropic harmonic trap V = ½ Σ a_i (x_i − c_i)² with distinct a = (0.5, 1, 2) and its
/// minimum c = (0.8, −0.4, 0.6) away from the initial cloud's centre, constant σ = √0.2
/// (½σ² = 0.1), from three Gaussian clusters; 50 recorded steps at Δt = 0.02 from an
/// Euler–Maruyama step of 2e-3.
///
/// Why the trap is anisotropic and off-centre: the |x|² interaction exerts the force
/// 2(x − x̄) (x̄ the centre of mass), so the isotropic part of a trap centred at a fixed x̄
/// would be the same column of G as the interaction, as x¹ is in 1D. The interaction does not
/// move x̄; the trap does, at rates a_i, so the clusters start with their centre of mass at
/// (−1, 0.8, −0.57), 1.2 to 1.8 from c along every axis, and x̄(t) travels 0.7 to 1 during the
/// run. Measured with N = 4000, M = 8: with the clusters' centre of mass 0.3 from c the |x|²
/// coefficient came out 0.74 (0.5 plus the smallest a_i/2, whose grad(x1²) term vanished);
/// with the offsets above the model is right with errors below 1%. The clusters (standard
/// deviation 0.2, as the 1D example starts from clusters) keep the nonlocal repulsion −|x|
/// visible: from a single Gaussian near the interaction's equilibrium it was not selected.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nonlocal3d {
    /// Particles per experiment N.
    pub particles: usize,
    /// Experiments M.
    pub experiments: usize,
    /// Seed.
    pub seed: u64,
    /// Extrinsic noise ratio ε.
    pub noise_ratio: f64,
}

impl Default for Nonlocal3d {
    /// N = 4000, M = 16 (64,000 particles), no extrinsic noise, seed 1.
    fn default() -> Self {
        Self { particles: 4000, experiments: 16, seed: 1, noise_ratio: 0.0 }
    }
}

impl Nonlocal3d {
    /// The trap stiffnesses a_i.
    pub const STIFFNESS: [f64; 3] = [0.5, 1.0, 2.0];
    /// The trap's minimum c.
    pub const CENTRE: [f64; 3] = [0.8, -0.4, 0.6];
    /// ½σ².
    pub const HALF_SIGMA_SQUARED: f64 = 0.1;

    /// The particle model.
    pub fn model(&self) -> Model<3> {
        let (a, c) = (SVector::from(Self::STIFFNESS), SVector::from(Self::CENTRE));
        Model::default()
            .with_interaction(Interaction::attraction_repulsion())
            .with_external_force(move |x| a.component_mul(&(x - c)))
            .with_diffusion(Diffusion::constant((2.0 * Self::HALF_SIGMA_SQUARED).sqrt()))
    }

    /// The initial law: three Gaussian clusters of standard deviation 0.2 (as the 1D example's
    /// three clusters), far from the interaction's equilibrium so that its nonlocal part acts.
    pub fn initial(&self) -> InitialLaw<3> {
        InitialLaw::GaussianMixture {
            weights: vec![1.0; 3],
            means: vec![
                SVector::from([-2.5, 0.8, -0.9]),
                SVector::from([0.0, 1.8, -0.9]),
                SVector::from([-0.5, -0.2, 0.1]),
            ],
            stds: vec![SVector::repeat(0.2); 3],
        }
    }

    /// The simulation settings.
    pub fn simulation(&self) -> SimulationConfig {
        SimulationConfig {
            particles: self.particles,
            experiments: self.experiments,
            step: 2e-3,
            record_every: 10,
            recorded_steps: 50,
            seed: self.seed,
            noise_ratio: self.noise_ratio,
        }
    }

    /// Simulates the example.
    pub fn simulate(&self) -> Result<Trajectories, SimError> {
        simulate(&self.model(), &self.initial(), &self.simulation())
    }

    /// The true model in the terms of the 3D library: |x|² ½, |x| −1, grad(x_i²) a_i/2,
    /// grad(x_i) −a_i c_i, 1*I 0.1.
    pub fn truth(&self) -> TrueModel {
        let mut t = TrueModel::default().with(TermKind::Interaction, "|x|^2", 0.5).with(
            TermKind::Interaction,
            "|x|^1",
            -1.0,
        );
        for i in 0..3 {
            let (a, c) = (Self::STIFFNESS[i], Self::CENTRE[i]);
            t = t.with(TermKind::Drift, &format!("grad(x{}^2)", i + 1), 0.5 * a).with(
                TermKind::Drift,
                &format!("grad(x{})", i + 1),
                -a * c,
            );
        }
        t.with(TermKind::Diffusion, "1*I", Self::HALF_SIGMA_SQUARED)
    }
}

/// One of the examples, for code that handles them alike.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Example {
    /// Section 4.2 / (5.4).
    Nonlocal1d(Nonlocal1d),
    /// Section 4.1 / (5.2).
    Local2d(Local2d),
    /// Section 4.3 / (5.5).
    Nonlocal2d(Nonlocal2d),
    /// The 3D example.
    Nonlocal3d(Nonlocal3d),
}

impl Example {
    /// The matching preset (library and discretisation).
    pub fn preset(&self) -> Preset {
        match self {
            Example::Nonlocal1d(_) => Preset::Nonlocal1d,
            Example::Local2d(_) => Preset::Local2d,
            Example::Nonlocal2d(_) => Preset::Nonlocal2d,
            Example::Nonlocal3d(_) => Preset::Nonlocal3d,
        }
    }

    /// Simulates the example.
    pub fn simulate(&self) -> Result<Trajectories, SimError> {
        match self {
            Example::Nonlocal1d(e) => e.simulate(),
            Example::Local2d(e) => e.simulate(),
            Example::Nonlocal2d(e) => e.simulate(),
            Example::Nonlocal3d(e) => e.simulate(),
        }
    }

    /// The preset's library.
    pub fn library(&self) -> Library {
        self.preset().library()
    }

    /// The preset's discretisation.
    pub fn config(&self) -> IdentifyConfig {
        self.preset().config()
    }

    /// The true model (for local 2D with unresolved ω it depends on the grid's domain).
    pub fn truth(&self, grid: &Grid) -> TrueModel {
        match self {
            Example::Nonlocal1d(e) => e.truth(),
            Example::Local2d(e) => e.truth(grid),
            Example::Nonlocal2d(e) => e.truth(),
            Example::Nonlocal3d(e) => e.truth(),
        }
    }
}
