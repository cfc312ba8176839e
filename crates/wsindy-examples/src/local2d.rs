//! The local 2D example (section 4.1 / (5.2) of the paper).

use wsindy::{Grid, Preset, TermKind, TrueModel};
use wsindy_sim::{InitialLaw, Model, SimulationConfig, System};

use crate::{Example, ExampleEntry, ExampleError, Setting};

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
pub const LOCAL2D_AMPLITUDE: f64 = 0.95;

/// The list entry of [`Local2d`].
pub static ENTRY: ExampleEntry = ExampleEntry {
    name: "local2d",
    about: "drift (1, 1) and diffusivity 1 + 0.95 cos(ωx)cos(ωy) in 2D (the paper's (5.2))",
    sigma_cases: &[],
    takes_omega: true,
    interacting: false,
    build: |options| {
        if options.noise_ratio.is_some_and(|e| e != 0.0) {
            return Err(ExampleError::DoesNotApply {
                option: "noise",
                example: "local2d",
                why: "it has intrinsic noise only".into(),
            });
        }
        let d = Local2d::default();
        Ok(Box::new(Local2d {
            omega: options.omega.unwrap_or(d.omega),
            particles: options.particles.unwrap_or(d.particles),
            experiments: options.experiments.unwrap_or(d.experiments),
            seed: options.seed.unwrap_or(d.seed),
        }) as Box<dyn Example>)
    },
    // no interaction, 20,000 steps
    simulation_seconds: |n, m| 12.5 * (n * m) as f64 / 16_384.0,
    identification_seconds: 0.5,
};

impl Local2d {
    /// The particle model.
    pub fn model(&self) -> Model<2> {
        Model::local2d(self.omega)
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
}

impl Example for Local2d {
    fn entry(&self) -> &'static ExampleEntry {
        &ENTRY
    }

    fn describe(&self) -> String {
        format!(
            "the local 2D example: N = {}, M = {}, ω = {}, seed {}",
            self.particles, self.experiments, self.omega, self.seed
        )
    }

    fn system(&self) -> System {
        System::Planar(self.model(), InitialLaw::paper_local2d())
    }

    fn simulation(&self) -> SimulationConfig {
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

    fn preset(&self) -> Preset {
        Preset::Local2d
    }

    /// Drift [1, 0] and [0, 1] with coefficient −1; diffusion 1*I and 0.95 cos(ωx₁)cos(ωx₂)*I
    /// when the library resolves ω, otherwise ω̄ 1*I on the grid's domain.
    fn truth(&self, grid: &Grid) -> TrueModel {
        let t =
            TrueModel::default().with(TermKind::Drift, "[1, 0]", -1.0).with(TermKind::Drift, "[0, 1]", -1.0);
        if self.resolved_by_library() {
            let field = wsindy::library::ScalarField::Cosines(vec![self.omega as u32; 2]);
            t.with(TermKind::Diffusion, "1*I", 1.0).with(
                TermKind::Diffusion,
                &format!("{field}*I"),
                LOCAL2D_AMPLITUDE,
            )
        } else {
            t.with(TermKind::Diffusion, "1*I", self.harmonic_mean_diffusivity(grid))
        }
    }

    fn settings(&self) -> Vec<(&'static str, Setting)> {
        Setting::sizes(
            self.particles,
            self.experiments,
            self.seed,
            vec![
                ("omega", Setting::Number(self.omega)),
            ],
        )
    }
}
