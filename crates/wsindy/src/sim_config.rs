//! Simulation configs in TOML: one of the paper's examples (`preset = "..."` with its options)
//! or an explicit model given by the library's term names, with the initial distribution, the
//! time stepping, the seed and extrinsic noise.
//!
//! ```
//! use wsindy::sim_config::parse_simulation;
//!
//! // the paper's nonlocal 1D example with 500 particles
//! let plan = parse_simulation("preset = \"nonlocal1d\"\nparticles = 500\n", "sim.toml").unwrap();
//! assert_eq!((plan.dim(), plan.config.particles, plan.config.recorded_steps), (1, 500, 100));
//!
//! // the same interaction spelled out: K = ½|x|² − |x|, constant σ
//! let text = r#"
//! dim = 1
//! particles = 500
//! sigma = 0.4472135954999579
//! [initial]
//! kind = "gaussian_mixture"
//! means = [0.0, 1.0, 4.0]
//! stds = [0.0707, 0.0707, 0.0707]
//! [[interaction]]
//! name = "|x|^2"
//! coefficient = 0.5
//! [[interaction]]
//! name = "|x|^1"
//! coefficient = -1.0
//! "#;
//! let plan = parse_simulation(text, "sim.toml").unwrap();
//! let data = plan.run(&|_, _| {}).unwrap();
//! assert_eq!((data.particles(), data.time_points(), data.dim()), (500, 101, 1));
//!
//! // bad values are errors naming the key
//! let err = parse_simulation("preset = \"nonlocal1d\"\nstep = 0\n", "sim.toml").unwrap_err();
//! assert!(err.to_string().contains("step = 0 is invalid"), "{err}");
//! ```

use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use wsindy_core::{TermKind, Trajectories, TrialTerm};
use wsindy_library::{KELLER_SEGEL_CUTOFF, RadialKernel, ScalarField, Term};
use wsindy_sim::{
    Diffusion, InitialLaw, Interaction, Model, Progress, SMatrix, SVector, SimError, SimulationConfig,
    simulate_with_progress,
};

use crate::Preset;
use crate::config::{ConfigError, nearest_names, read_text};
use crate::examples::{KellerSegelSigma, Local2d, Nonlocal1d, Nonlocal2d, Nonlocal3d, SigmaCase};

/// A simulation config as written in TOML (every key optional; see the user guide for the
/// defaults). Turn it into a runnable [`SimulationPlan`] with [`SimulationSpec::plan`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationSpec {
    /// One of the paper's examples; it fixes the model, its initial distribution and its time
    /// stepping (each of which the keys below may override, except the model).
    pub preset: Option<Preset>,
    /// Space dimension (1 or 2) of an explicit model; required without `preset`.
    pub dim: Option<usize>,
    /// With a preset, its diffusion case (`"zero"`, `"const"`, `"variable"` for nonlocal1d,
    /// `"zero"`, `"critical"` for nonlocal2d); without, a constant σ ≥ 0.
    pub sigma: Option<SigmaSpec>,
    /// Frequency ω of the local2d preset's diffusivity (default 1).
    pub omega: Option<f64>,
    /// Extrinsic noise ratio ε ≥ 0 (default 0).
    pub noise_ratio: Option<f64>,
    /// Particles per experiment N.
    pub particles: Option<usize>,
    /// Experiments M.
    pub experiments: Option<usize>,
    /// Euler–Maruyama time step.
    pub step: Option<f64>,
    /// Steps between recorded time points.
    pub record_every: Option<usize>,
    /// Recorded steps after t = 0 (L = recorded_steps + 1 time points).
    pub recorded_steps: Option<usize>,
    /// Final time T, instead of `recorded_steps` (a multiple of step · record_every).
    pub final_time: Option<f64>,
    /// Seed of all random streams (default 1).
    pub seed: Option<u64>,
    /// The initial distribution.
    pub initial: Option<InitialSpec>,
    /// Terms of the interaction potential K (explicit models).
    #[serde(default)]
    pub interaction: Vec<TermSpec>,
    /// Terms of the external force ∇V (explicit models).
    #[serde(default)]
    pub drift: Vec<TermSpec>,
    /// Terms of the diffusion ½σσᵀ (explicit models; instead of `sigma`).
    #[serde(default)]
    pub diffusion: Vec<TermSpec>,
}

/// The `sigma` key: a preset's diffusion case by name, or a constant σ.
#[derive(Debug, Clone, PartialEq)]
pub enum SigmaSpec {
    /// A case name such as `"const"`.
    Case(String),
    /// A constant σ.
    Value(f64),
}

impl<'de> Deserialize<'de> for SigmaSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SigmaVisitor;
        impl Visitor<'_> for SigmaVisitor {
            type Value = SigmaSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number σ ≥ 0, or a preset's case name (\"zero\", \"const\", \"variable\", \"critical\")")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SigmaSpec, E> {
                Ok(SigmaSpec::Case(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<SigmaSpec, E> {
                Ok(SigmaSpec::Value(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<SigmaSpec, E> {
                Ok(SigmaSpec::Value(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<SigmaSpec, E> {
                Ok(SigmaSpec::Value(v as f64))
            }
        }
        deserializer.deserialize_any(SigmaVisitor)
    }
}

/// A point or vector: a number (one coordinate, or the same for every axis) or an array.
#[derive(Debug, Clone, PartialEq)]
pub struct Coords(pub Vec<f64>);

impl<'de> Deserialize<'de> for Coords {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CoordsVisitor;
        impl<'de> Visitor<'de> for CoordsVisitor {
            type Value = Coords;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or an array of numbers")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Coords, E> {
                Ok(Coords(vec![v]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Coords, E> {
                Ok(Coords(vec![v as f64]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Coords, E> {
                Ok(Coords(vec![v as f64]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Coords, A::Error> {
                let mut values = Vec::new();
                while let Some(v) = seq.next_element::<f64>()? {
                    values.push(v);
                }
                Ok(Coords(values))
            }
        }
        deserializer.deserialize_any(CoordsVisitor)
    }
}

/// The initial distribution, by `kind`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum InitialSpec {
    /// Normal with the given mean and standard deviation per axis (1D or 2D).
    Gaussian {
        /// Mean (one number per axis, or one for all).
        mean: Coords,
        /// Standard deviation (one number per axis, or one for all).
        std: Coords,
    },
    /// A mixture of 1D normals (weights default to equal).
    GaussianMixture {
        /// Component means.
        means: Vec<f64>,
        /// Component standard deviations.
        stds: Vec<f64>,
        /// Component weights (relative).
        weights: Option<Vec<f64>>,
    },
    /// Uniform on [lower, upper] (1D).
    Uniform {
        /// Lower bound.
        lower: f64,
        /// Upper bound.
        upper: f64,
    },
    /// Uniform on a disk (2D).
    UniformDisk {
        /// Centre (default the origin).
        centre: Option<Coords>,
        /// Radius.
        radius: f64,
    },
}

/// One term of an explicit model: a library term name and its coefficient.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermSpec {
    /// The term's name as in the library (`|x|^2`, `x^0`, `log|x|`, `[1, 0]`, `1*I`, …).
    pub name: String,
    /// Its coefficient.
    pub coefficient: f64,
    /// Cutoff δ of the 2D kernels `|x|^(1/2)`, `|x|(log|x|-1)`, `log|x|` (default 0.01).
    pub delta: Option<f64>,
}

/// A model with its initial distribution, ready to simulate.
#[derive(Debug, Clone)]
pub enum PlanModel {
    /// One space dimension.
    Line(Model<1>, InitialLaw<1>),
    /// Three space dimensions.
    Spatial(Model<3>, InitialLaw<3>),
    /// Two space dimensions.
    Planar(Model<2>, InitialLaw<2>),
}

/// A checked simulation: model, initial distribution, settings and a one-line description.
#[derive(Debug, Clone)]
pub struct SimulationPlan {
    /// The model and initial distribution.
    pub model: PlanModel,
    /// Sizes, time stepping, seed and noise.
    pub config: SimulationConfig,
    /// What is simulated, in words.
    pub description: String,
}

impl SimulationPlan {
    /// Space dimension.
    pub fn dim(&self) -> usize {
        match self.model {
            PlanModel::Line(..) => 1,
            PlanModel::Planar(..) => 2,
            PlanModel::Spatial(..) => 3,
        }
    }

    /// Runs the simulation, reporting recorded steps done / total to `progress`.
    pub fn run(&self, progress: Progress<'_>) -> Result<Trajectories, SimError> {
        match &self.model {
            PlanModel::Line(model, initial) => simulate_with_progress(model, initial, &self.config, progress),
            PlanModel::Planar(model, initial) => {
                simulate_with_progress(model, initial, &self.config, progress)
            }
            PlanModel::Spatial(model, initial) => {
                simulate_with_progress(model, initial, &self.config, progress)
            }
        }
    }
}

/// Reads and checks a simulation config from `path` (see [`parse_simulation`]).
pub fn load_simulation(path: &Path) -> Result<SimulationPlan, ConfigError> {
    parse_simulation(&read_text(path)?, &path.display().to_string())
}

/// Parses and checks TOML `text` as a simulation config; `origin` names the source in errors.
pub fn parse_simulation(text: &str, origin: &str) -> Result<SimulationPlan, ConfigError> {
    let spec: SimulationSpec = toml::from_str(text)
        .map_err(|e| ConfigError::Parse { origin: origin.into(), message: e.to_string() })?;
    spec.plan(origin)
}

fn invalid(
    origin: &str,
    key: impl Into<String>,
    value: impl ToString,
    expected: impl Into<String>,
) -> ConfigError {
    ConfigError::Invalid {
        origin: origin.into(),
        key: key.into(),
        value: value.to_string(),
        expected: expected.into(),
    }
}

fn conflict(origin: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Conflict { origin: origin.into(), message: message.into() }
}

fn rejected(origin: &str, part: &str, cause: SimError) -> ConfigError {
    ConfigError::Simulation { origin: origin.into(), part: part.into(), cause }
}

impl SimulationSpec {
    /// Checks the config and builds the model and settings; errors name the key.
    pub fn plan(&self, origin: &str) -> Result<SimulationPlan, ConfigError> {
        let (model, defaults, what) = match self.preset {
            Some(preset) => self.preset_model(preset, origin)?,
            None => self.explicit_model(origin)?,
        };
        let config = self.settings(defaults, origin)?;
        let dt = config.observation_dt();
        let description = format!(
            "{what}; N = {}, M = {}, {} recorded steps of Δt = {} (Euler–Maruyama step {}, T = {}), seed {}, ε = {}",
            config.particles,
            config.experiments,
            config.recorded_steps,
            dt,
            config.step,
            dt * config.recorded_steps as f64,
            config.seed,
            config.noise_ratio
        );
        Ok(SimulationPlan { model, config, description })
    }

    /// The preset's model, initial distribution and settings (with `initial` overridden).
    fn preset_model(
        &self,
        preset: Preset,
        origin: &str,
    ) -> Result<(PlanModel, SimulationConfig, String), ConfigError> {
        let name = preset.name();
        if let Some(dim) = self.dim
            && dim != preset.dim()
        {
            return Err(conflict(
                origin,
                format!("dim = {dim}, but preset = \"{name}\" is {}-dimensional", preset.dim()),
            ));
        }
        for (key, terms) in
            [("interaction", &self.interaction), ("drift", &self.drift), ("diffusion", &self.diffusion)]
        {
            if !terms.is_empty() {
                return Err(conflict(
                    origin,
                    format!(
                        "preset = \"{name}\" fixes the model: remove the [[{key}]] terms, or remove `preset` and give the whole model"
                    ),
                ));
            }
        }
        if self.omega.is_some() && preset != Preset::Local2d {
            return Err(conflict(
                origin,
                format!("omega applies to preset = \"local2d\" only, not \"{name}\""),
            ));
        }
        let sigma_case = |cases: &[&str]| -> Result<Option<String>, ConfigError> {
            match &self.sigma {
                None => Ok(None),
                Some(SigmaSpec::Case(c)) if cases.contains(&c.as_str()) => Ok(Some(c.clone())),
                Some(other) => {
                    let shown = match other {
                        SigmaSpec::Case(c) => format!("\"{c}\""),
                        SigmaSpec::Value(v) => v.to_string(),
                    };
                    let expected = if cases.is_empty() {
                        format!("no sigma: the {name} preset's diffusivity is set by omega")
                    } else {
                        let list: Vec<String> = cases.iter().map(|c| format!("\"{c}\"")).collect();
                        format!(
                            "one of {} for preset = \"{name}\" (for another σ, remove `preset` and give the model explicitly)",
                            list.join(", ")
                        )
                    };
                    Err(invalid(origin, "sigma", shown, expected))
                }
            }
        };
        let noise = self.noise_ratio.unwrap_or(0.0);
        let (model, settings, what) = match preset {
            Preset::Nonlocal1d => {
                let sigma = match sigma_case(&["zero", "const", "variable"])?.as_deref() {
                    Some("zero") => SigmaCase::Zero,
                    Some("variable") => SigmaCase::Variable,
                    _ => SigmaCase::Const,
                };
                let ex = Nonlocal1d { sigma, noise_ratio: noise, ..Nonlocal1d::default() };
                let initial = match &self.initial {
                    Some(spec) => line_initial(spec, origin)?,
                    None => InitialLaw::paper_three_clusters(),
                };
                (
                    PlanModel::Line(ex.model(), initial),
                    ex.simulation(),
                    format!("preset nonlocal1d (σ case {sigma:?})"),
                )
            }
            Preset::Local2d => {
                sigma_case(&[])?;
                let omega = self.omega.unwrap_or(1.0);
                if !(omega.is_finite() && omega >= 0.0) {
                    return Err(invalid(origin, "omega", omega, "a finite number ≥ 0"));
                }
                let ex = Local2d { omega, ..Local2d::default() };
                let initial = match &self.initial {
                    Some(spec) => planar_initial(spec, origin)?,
                    None => InitialLaw::paper_local2d(),
                };
                let settings = SimulationConfig { noise_ratio: noise, ..ex.simulation() };
                (PlanModel::Planar(ex.model(), initial), settings, format!("preset local2d (ω = {omega})"))
            }
            Preset::Nonlocal2d => {
                let sigma = match sigma_case(&["zero", "critical"])?.as_deref() {
                    Some("zero") => KellerSegelSigma::Zero,
                    _ => KellerSegelSigma::Critical,
                };
                let ex = Nonlocal2d { sigma, noise_ratio: noise, ..Nonlocal2d::default() };
                let initial = match &self.initial {
                    Some(spec) => planar_initial(spec, origin)?,
                    None => InitialLaw::paper_keller_segel(),
                };
                (
                    PlanModel::Planar(ex.model(), initial),
                    ex.simulation(),
                    format!("preset nonlocal2d (σ case {sigma:?})"),
                )
            }
            Preset::Nonlocal3d => {
                sigma_case(&["const"])?;
                let ex = Nonlocal3d { noise_ratio: noise, ..Nonlocal3d::default() };
                let initial = match &self.initial {
                    Some(spec) => planar_initial(spec, origin)?,
                    None => ex.initial(),
                };
                (PlanModel::Spatial(ex.model(), initial), ex.simulation(), "preset nonlocal3d".to_string())
            }
        };
        Ok((model, settings, what))
    }

    /// The explicit model from `dim`, the terms, `sigma` and `initial`.
    fn explicit_model(&self, origin: &str) -> Result<(PlanModel, SimulationConfig, String), ConfigError> {
        let dim = self.dim.ok_or_else(|| {
            conflict(
                origin,
                "give either preset = \"nonlocal1d\" | \"local2d\" | \"nonlocal2d\", or dim = 1 | 2 with the model's terms",
            )
        })?;
        if self.omega.is_some() {
            return Err(conflict(origin, "omega applies to preset = \"local2d\" only"));
        }
        let sigma = match &self.sigma {
            None => None,
            Some(SigmaSpec::Value(s)) if s.is_finite() && *s >= 0.0 => Some(*s),
            Some(SigmaSpec::Value(s)) => return Err(invalid(origin, "sigma", s, "a finite number ≥ 0")),
            Some(SigmaSpec::Case(c)) => {
                return Err(invalid(
                    origin,
                    "sigma",
                    format!("\"{c}\""),
                    "a number σ ≥ 0 (case names apply with a preset)",
                ));
            }
        };
        if sigma.is_some() && !self.diffusion.is_empty() {
            return Err(conflict(
                origin,
                "give the diffusion either as sigma or as [[diffusion]] terms, not both",
            ));
        }
        for (key, terms) in
            [("interaction", &self.interaction), ("drift", &self.drift), ("diffusion", &self.diffusion)]
        {
            for (i, t) in terms.iter().enumerate() {
                if !t.coefficient.is_finite() {
                    return Err(invalid(
                        origin,
                        format!("{key}[{i}].coefficient"),
                        t.coefficient,
                        "a finite number",
                    ));
                }
            }
        }
        let defaults = SimulationConfig { seed: 1, ..SimulationConfig::default() };
        let mut what =
            format!("{dim}D model: K = {}, ∇V = {}, ", sum_text(&self.interaction), sum_text(&self.drift));
        match sigma {
            Some(s) => what.push_str(&format!("σ = {s}")),
            None if self.diffusion.is_empty() => what.push_str("σ = 0"),
            None => {
                let label = if dim == 1 { "½σ²" } else { "½σσᵀ" };
                what.push_str(&format!("{label} = {}", sum_text(&self.diffusion)));
            }
        }
        let model = match dim {
            1 => {
                let mut model =
                    Model { interaction: line_interaction(&self.interaction, origin)?, ..Model::default() };
                if let Some(force) = line_polynomial(&self.drift, "drift", origin)? {
                    model = model.with_external_force(move |x| SVector::from([horner(&force, x[0])]));
                }
                model.diffusion = match (sigma, line_polynomial(&self.diffusion, "diffusion", origin)?) {
                    (Some(s), _) if s > 0.0 => Diffusion::Isotropic(s),
                    (Some(_), _) | (None, None) => Diffusion::None,
                    (None, Some(half_sigma2)) => line_diffusion(half_sigma2, origin)?,
                };
                model.validate().map_err(|e| rejected(origin, "model", e))?;
                let initial = match &self.initial {
                    Some(spec) => line_initial(spec, origin)?,
                    None => InitialLaw::isotropic_gaussian(SVector::zeros(), 1.0),
                };
                PlanModel::Line(model, initial)
            }
            2 => {
                let mut model = Model::default();
                if !self.interaction.is_empty() {
                    model.interaction = planar_interaction(&self.interaction, origin)?;
                }
                let drift = planar_terms(&self.drift, TermKind::Drift, origin)?;
                if !drift.is_empty() {
                    model = model.with_external_force(move |p| {
                        let mut total = SVector::zeros();
                        let mut out = [0.0; 2];
                        for (c, term) in &drift {
                            term.evaluate(p.as_slice(), 2, &mut out);
                            total += *c * SVector::from(out);
                        }
                        total
                    });
                }
                let diffusion = planar_terms(&self.diffusion, TermKind::Diffusion, origin)?;
                model.diffusion = match sigma {
                    Some(s) if s > 0.0 => Diffusion::Isotropic(s),
                    Some(_) => Diffusion::None,
                    None if diffusion.is_empty() => Diffusion::None,
                    None => Diffusion::field(move |p: &SVector<f64, 2>| {
                        let mut d = [0.0; 4];
                        let mut out = [0.0; 4];
                        for (c, term) in &diffusion {
                            term.evaluate(p.as_slice(), 2, &mut out);
                            for (t, o) in d.iter_mut().zip(&out) {
                                *t += c * o;
                            }
                        }
                        sqrt_psd([2.0 * d[0], 2.0 * d[1], 2.0 * d[3]])
                    }),
                };
                model.validate().map_err(|e| rejected(origin, "model", e))?;
                let initial = match &self.initial {
                    Some(spec) => planar_initial(spec, origin)?,
                    None => InitialLaw::isotropic_gaussian(SVector::zeros(), 1.0),
                };
                PlanModel::Planar(model, initial)
            }
            other => return Err(invalid(origin, "dim", other, "1 or 2 (in 3D: preset = \"nonlocal3d\")")),
        };
        Ok((model, defaults, what))
    }

    /// The time stepping and sizes: the keys given, else `defaults`.
    fn settings(&self, defaults: SimulationConfig, origin: &str) -> Result<SimulationConfig, ConfigError> {
        let mut c = defaults;
        for (key, value, slot) in [
            ("particles", self.particles, &mut c.particles),
            ("experiments", self.experiments, &mut c.experiments),
            ("record_every", self.record_every, &mut c.record_every),
            ("recorded_steps", self.recorded_steps, &mut c.recorded_steps),
        ] {
            if let Some(v) = value {
                if v < 1 {
                    return Err(invalid(origin, key, v, "an integer ≥ 1"));
                }
                *slot = v;
            }
        }
        if let Some(step) = self.step {
            if !(step.is_finite() && step > 0.0) {
                return Err(invalid(origin, "step", step, "a finite number > 0"));
            }
            c.step = step;
        }
        if let Some(seed) = self.seed {
            c.seed = seed;
        }
        if let Some(noise) = self.noise_ratio {
            if !(noise.is_finite() && noise >= 0.0) {
                return Err(invalid(origin, "noise_ratio", noise, "a finite number ≥ 0"));
            }
            c.noise_ratio = noise;
        }
        if let Some(t) = self.final_time {
            if self.recorded_steps.is_some() {
                return Err(conflict(origin, "give either recorded_steps or final_time, not both"));
            }
            let dt = c.observation_dt();
            let steps = t / dt;
            if !(t.is_finite()
                && t > 0.0
                && (0.5..1e12).contains(&steps)
                && (steps - steps.round()).abs() <= 1e-6 * steps)
            {
                return Err(invalid(
                    origin,
                    "final_time",
                    t,
                    format!("a positive multiple of step · record_every = {dt}"),
                ));
            }
            c.recorded_steps = steps.round() as usize;
        }
        c.validate().map_err(|e| rejected(origin, "settings", e))?;
        Ok(c)
    }
}

/// "0.5 |x|^2 - 1 |x|^1" or "0".
fn sum_text(terms: &[TermSpec]) -> String {
    if terms.is_empty() {
        return "0".into();
    }
    terms
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let sign = if t.coefficient < 0.0 {
                "- "
            } else if i > 0 {
                "+ "
            } else {
                ""
            };
            format!("{sign}{} {}", t.coefficient.abs(), t.name)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Σ c[k] x^k.
fn horner(c: &[f64], x: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, &ck| acc * x + ck)
}

/// The error for a term name the simulator does not know, with the nearest valid names.
fn unknown_term(origin: &str, kind: TermKind, dim: usize, name: &str, grammar: &str) -> ConfigError {
    let mut candidates: Vec<String> = Vec::new();
    for preset in Preset::ALL.into_iter().filter(|p| p.dim() == dim) {
        for term in preset.library().terms() {
            if term.kind() == kind && !candidates.contains(&term.name()) {
                candidates.push(term.name());
            }
        }
    }
    ConfigError::UnknownTerm {
        origin: origin.into(),
        kind,
        name: name.into(),
        library: format!("simulator's {dim}D"),
        hint: format!(" (names: {grammar})"),
        suggestions: nearest_names(name, &candidates, 5),
    }
}

/// m of a canonical `|x|^m` name with finite m.
fn parse_power(name: &str) -> Option<f64> {
    match Term::from_name(TermKind::Interaction, name, 1, KELLER_SEGEL_CUTOFF)? {
        Term::Interaction(RadialKernel::Power { power }) => Some(power),
        _ => None,
    }
}

/// a of a canonical `x^a` name.
fn parse_monomial(name: &str) -> Option<u32> {
    match Term::from_name(TermKind::Drift, name, 1, KELLER_SEGEL_CUTOFF)? {
        Term::AxisForce { field: ScalarField::Monomial(powers), .. } => Some(powers[0]),
        _ => None,
    }
}

/// The 1D interaction Σ c |x|^m (the simulator sums integer powers in O(N log N), any other
/// power by the exact pair sum); the zero force without terms.
fn line_interaction(terms: &[TermSpec], origin: &str) -> Result<Interaction<1>, ConfigError> {
    let mut force = Interaction::new();
    for (i, t) in terms.iter().enumerate() {
        if t.delta.is_some() {
            return Err(conflict(
                origin,
                format!("interaction[{i}].delta applies to the 2D cutoff kernels only"),
            ));
        }
        let m = parse_power(&t.name)
            .ok_or_else(|| unknown_term(origin, TermKind::Interaction, 1, &t.name, "|x|^m with m ≥ 1"))?;
        if m < 1.0 {
            return Err(invalid(origin, format!("interaction[{i}].name"), &t.name, "|x|^m with m ≥ 1"));
        }
        force = force.plus(t.coefficient, RadialKernel::Power { power: m });
    }
    Ok(force)
}

/// Coefficients by power of a 1D polynomial given by `x^a` terms, or None without terms.
fn line_polynomial(terms: &[TermSpec], key: &str, origin: &str) -> Result<Option<Vec<f64>>, ConfigError> {
    if terms.is_empty() {
        return Ok(None);
    }
    let kind = if key == "drift" { TermKind::Drift } else { TermKind::Diffusion };
    let mut c = Vec::new();
    for (i, t) in terms.iter().enumerate() {
        if t.delta.is_some() {
            return Err(conflict(origin, format!("{key}[{i}].delta applies to the 2D cutoff kernels only")));
        }
        let a = parse_monomial(&t.name)
            .ok_or_else(|| unknown_term(origin, kind, 1, &t.name, "x^a with a = 0, 1, 2, …"))?;
        if a > 64 {
            return Err(invalid(origin, format!("{key}[{i}].name"), &t.name, "x^a with a ≤ 64"));
        }
        let a = a as usize;
        if c.len() <= a {
            c.resize(a + 1, 0.0);
        }
        c[a] += t.coefficient;
    }
    Ok(Some(c))
}

/// σ(x) = √(2 · ½σ²(x)) from the polynomial ½σ²; negative values beyond rounding give NaN,
/// which the simulator reports as a blow-up.
fn line_diffusion(half_sigma2: Vec<f64>, origin: &str) -> Result<Diffusion<1>, ConfigError> {
    if half_sigma2.iter().skip(1).all(|&c| c == 0.0) {
        let d = half_sigma2[0];
        if d < 0.0 {
            return Err(invalid(origin, "diffusion: ½σ² (x^0 coefficient)", d, "a number ≥ 0"));
        }
        return Ok(Diffusion::constant((2.0 * d).sqrt()));
    }
    let magnitude: Vec<f64> = half_sigma2.iter().map(|c| c.abs()).collect();
    Ok(Diffusion::field(move |p| {
        let x = p[0];
        let d = horner(&half_sigma2, x);
        let sigma =
            if d >= -1e-12 * horner(&magnitude, x.abs()) { (2.0 * d.max(0.0)).sqrt() } else { f64::NAN };
        SMatrix::from_element(sigma)
    }))
}

/// The 2D radial interaction from `|x|^m`, `|x|^(1/2)`, `|x|(log|x|-1)`, `log|x|` terms.
fn planar_interaction(terms: &[TermSpec], origin: &str) -> Result<Interaction<2>, ConfigError> {
    let mut force = Interaction::new();
    for (i, t) in terms.iter().enumerate() {
        let cutoff = |delta: Option<f64>| -> Result<f64, ConfigError> {
            let delta = delta.unwrap_or(KELLER_SEGEL_CUTOFF);
            if delta.is_finite() && delta > 0.0 {
                Ok(delta)
            } else {
                Err(invalid(origin, format!("interaction[{i}].delta"), delta, "a finite number > 0"))
            }
        };
        let name = t.name.as_str();
        let grammar = "|x|^m with m ≥ 1, |x|^(1/2), |x|(log|x|-1), log|x|, exp(-|x|/l)";
        let kernel = match Term::from_name(TermKind::Interaction, name, 2, KELLER_SEGEL_CUTOFF) {
            Some(Term::Interaction(kernel)) => kernel,
            _ => return Err(unknown_term(origin, TermKind::Interaction, 2, name, grammar)),
        };
        let kernel = if kernel.cutoff_delta().is_some() {
            kernel.with_cutoff(cutoff(t.delta)?)
        } else if t.delta.is_some() {
            return Err(conflict(
                origin,
                format!("interaction[{i}].delta applies to the cutoff kernels only, not {name}"),
            ));
        } else {
            kernel
        };
        if let RadialKernel::Power { power } = kernel
            && power < 1.0
        {
            return Err(invalid(origin, format!("interaction[{i}].name"), name, "|x|^m with m ≥ 1"));
        }
        force = force.plus(t.coefficient, kernel);
    }
    force.validate().map_err(|e| rejected(origin, "[[interaction]]", e))?;
    Ok(force)
}

/// A library term with its coefficient.
type WeightedTerm = (f64, Box<dyn TrialTerm>);

/// 2D drift (`[f, 0]`, `[0, f]`, `grad(x1^a*x2^b)`) or diffusion (`f*I`, `f*E11`, `f*E22`,
/// `f*E12`) terms as library terms with their coefficients.
fn planar_terms(terms: &[TermSpec], kind: TermKind, origin: &str) -> Result<Vec<WeightedTerm>, ConfigError> {
    let key = kind.as_str();
    let mut out: Vec<WeightedTerm> = Vec::with_capacity(terms.len());
    for (i, t) in terms.iter().enumerate() {
        if t.delta.is_some() {
            return Err(conflict(origin, format!("{key}[{i}].delta applies to the cutoff kernels only")));
        }
        let name = t.name.as_str();
        // bounded degrees and frequencies keep the simulated fields finite and cheap
        let bounded = |field: &ScalarField| match field {
            ScalarField::Monomial(p) => p.iter().all(|&a| a <= 64),
            ScalarField::Cosines(m) => m.iter().all(|&f| f <= 1000),
            ScalarField::Expression { .. } => false,
        };
        let term = Term::from_name(kind, name, 2, KELLER_SEGEL_CUTOFF).filter(|term| match term {
            Term::AxisForce { field, .. } | Term::Diffusion { field, .. } => bounded(field),
            Term::PotentialGradient { powers } => {
                powers.iter().sum::<u32>() >= 1 && bounded(&ScalarField::Monomial(powers.clone()))
            }
            _ => false,
        });
        let grammar = match kind {
            TermKind::Drift => "[f, 0], [0, f], grad(x1^a*x2^b) with f like 1, cos(x1)*cos(2x2), x1^2*x2",
            _ => "f*I, f*E11, f*E22, f*E12 with f like 1, cos(x1)*cos(2x2), x1^2*x2",
        };
        match term {
            Some(term) => out.push((t.coefficient, Box::new(term))),
            None => return Err(unknown_term(origin, kind, 2, name, grammar)),
        }
    }
    Ok(out)
}

/// The symmetric square root of the positive semi-definite 2 × 2 matrix [[a, b], [b, c]]
/// (entries given as [a, b, c]), as σ with σσᵀ = the matrix; NaN entries if it is indefinite
/// beyond rounding (the simulator then reports a blow-up).
fn sqrt_psd([a, b, c]: [f64; 3]) -> SMatrix<f64, 2, 2> {
    let scale = a.abs() + c.abs() + 2.0 * b.abs();
    let det = a * c - b * b;
    let tolerance = 1e-12 * scale * scale;
    if det < -tolerance || a < -1e-12 * scale || c < -1e-12 * scale {
        return SMatrix::repeat(f64::NAN);
    }
    let s = det.max(0.0).sqrt();
    let t = (a + c + 2.0 * s).max(0.0).sqrt();
    if t == 0.0 {
        return SMatrix::zeros();
    }
    SMatrix::<f64, 2, 2>::new((a + s) / t, b / t, b / t, (c + s) / t)
}

/// A 1D initial distribution.
fn line_initial(spec: &InitialSpec, origin: &str) -> Result<InitialLaw<1>, ConfigError> {
    let one = |key: &str, v: &Coords| -> Result<SVector<f64, 1>, ConfigError> {
        match v.0.as_slice() {
            [x] => Ok(SVector::from([*x])),
            other => {
                Err(invalid(origin, format!("initial.{key}"), format!("{other:?}"), "one number for dim = 1"))
            }
        }
    };
    let initial = match spec {
        InitialSpec::Gaussian { mean, std } => InitialLaw::gaussian(one("mean", mean)?, one("std", std)?),
        InitialSpec::GaussianMixture { means, stds, weights } => InitialLaw::GaussianMixture {
            means: means.iter().map(|&m| SVector::from([m])).collect(),
            stds: stds.iter().map(|&s| SVector::from([s])).collect(),
            weights: weights.clone().unwrap_or_else(|| vec![1.0; means.len()]),
        },
        &InitialSpec::Uniform { lower, upper } => {
            InitialLaw::UniformBox { lower: SVector::from([lower]), upper: SVector::from([upper]) }
        }
        InitialSpec::UniformDisk { .. } => {
            return Err(conflict(
                origin,
                "initial kind \"uniform_disk\" is 2D; for dim = 1 use \"gaussian\", \"gaussian_mixture\" or \"uniform\"",
            ));
        }
    };
    initial.validate().map_err(|e| rejected(origin, "[initial]", e))?;
    Ok(initial)
}

/// A 2D initial distribution.
fn planar_initial<const D: usize>(spec: &InitialSpec, origin: &str) -> Result<InitialLaw<D>, ConfigError> {
    let two = |key: &str, v: &Coords| -> Result<SVector<f64, D>, ConfigError> {
        match v.0.as_slice() {
            [x] => Ok(SVector::repeat(*x)),
            xs if xs.len() == D => Ok(SVector::from_column_slice(xs)),
            other => Err(invalid(
                origin,
                format!("initial.{key}"),
                format!("{other:?}"),
                format!("one number or {D} numbers for dim = {D}"),
            )),
        }
    };
    let initial = match spec {
        InitialSpec::Gaussian { mean, std } => InitialLaw::gaussian(two("mean", mean)?, two("std", std)?),
        InitialSpec::UniformDisk { centre, radius } => InitialLaw::UniformBall {
            centre: match centre {
                Some(c) => two("centre", c)?,
                None => SVector::zeros(),
            },
            radius: *radius,
        },
        InitialSpec::GaussianMixture { .. } | InitialSpec::Uniform { .. } => {
            return Err(conflict(
                origin,
                format!(
                    "initial kinds \"gaussian_mixture\" and \"uniform\" are 1D; for dim = {D} use \"gaussian\" or \"uniform_disk\" (a ball in 3D)"
                ),
            ));
        }
    };
    initial.validate().map_err(|e| rejected(origin, "[initial]", e))?;
    Ok(initial)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse_simulation(text, "s.toml").unwrap_err().to_string()
    }

    #[test]
    fn every_library_term_name_is_accepted() {
        // explicit models are 1D or 2D; 3D runs through its preset
        for preset in Preset::ALL.into_iter().filter(|p| p.dim() <= 2) {
            let dim = preset.dim();
            for term in preset.library().terms() {
                let spec = [TermSpec { name: term.name(), coefficient: 0.1, delta: None }];
                let ok = match (dim, term.kind()) {
                    (1, TermKind::Interaction) => line_interaction(&spec, "x").map(|_| ()),
                    (1, kind) => line_polynomial(&spec, kind.as_str(), "x").map(|_| ()),
                    (_, TermKind::Interaction) => planar_interaction(&spec, "x").map(|_| ()),
                    (_, kind) => planar_terms(&spec, kind, "x").map(|_| ()),
                };
                assert!(ok.is_ok(), "{preset} {} {}: {:?}", term.kind(), term.name(), ok);
            }
        }
    }

    #[test]
    fn the_paper_force_is_the_simulators() {
        let terms = [
            TermSpec { name: "|x|^2".into(), coefficient: 0.5, delta: None },
            TermSpec { name: "|x|^1".into(), coefficient: -1.0, delta: None },
        ];
        let force = line_interaction(&terms, "x").unwrap();
        let reference = Interaction::attraction_repulsion();
        for r in [-2.5, -0.3, 0.0, 0.7, 3.0] {
            let r = SVector::from([r]);
            assert_eq!(force.force(&r), reference.force(&r));
        }
        // |x|^3: ∇ = 3 r |r|; |x|^2.5 through the pair sum
        let cubic =
            line_interaction(&[TermSpec { name: "|x|^3".into(), coefficient: 2.0, delta: None }], "x")
                .unwrap();
        assert!((cubic.force(&SVector::from([-1.5]))[0] - 2.0 * 3.0 * -1.5 * 1.5).abs() < 1e-12);
        let frac =
            line_interaction(&[TermSpec { name: "|x|^2.5".into(), coefficient: 1.0, delta: None }], "x")
                .unwrap();
        assert!((frac.force(&SVector::from([-4.0]))[0] + 2.5 * 8.0).abs() < 1e-12);
    }

    #[test]
    fn square_roots_of_diffusion_matrices() {
        for m in [[2.0, 0.0, 2.0], [3.0, 1.0, 2.0], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]] {
            let s = sqrt_psd(m);
            let sst = s * s.transpose();
            let back = [sst[(0, 0)], sst[(0, 1)], sst[(1, 1)]];
            for (x, y) in back.iter().zip(&m) {
                assert!((x - y).abs() < 1e-12, "{m:?} {back:?}");
            }
        }
        assert!(sqrt_psd([1.0, 2.0, 1.0])[(0, 0)].is_nan());
    }

    #[test]
    fn presets_and_explicit_models() {
        let p = parse_simulation("preset = \"local2d\"\nomega = 2\nparticles = 100\n", "s").unwrap();
        assert_eq!((p.dim(), p.config.step, p.config.record_every), (2, 1e-4, 200));
        let p =
            parse_simulation("preset = \"nonlocal2d\"\nsigma = \"zero\"\nfinal_time = 2.0\n", "s").unwrap();
        assert_eq!(p.config.recorded_steps, 20);
        let text = "dim = 2\nparticles = 50\nrecorded_steps = 2\n[[interaction]]\nname = \"log|x|\"\ncoefficient = 0.159\ndelta = 0.02\n[[drift]]\nname = \"grad(x1^2)\"\ncoefficient = 0.5\n[[diffusion]]\nname = \"1*I\"\ncoefficient = 0.1\n[initial]\nkind = \"uniform_disk\"\nradius = 1.5\n";
        let data = parse_simulation(text, "s").unwrap().run(&|_, _| {}).unwrap();
        assert_eq!((data.particles(), data.time_points(), data.dim()), (50, 3, 2));
    }

    #[test]
    fn bad_simulation_configs_name_the_key() {
        assert!(err("preset = \"nonlocal4d\"\n").contains("unknown variant `nonlocal4d`"));
        assert!(err("dim = 3\n").contains("1 or 2 (in 3D: preset = \"nonlocal3d\")"));
        assert!(err("preset = \"nonlocal1d\"\nparticles = 0\n").contains("particles = 0 is invalid"));
        assert!(err("preset = \"nonlocal1d\"\nparticles = -4\n").contains("expected usize"));
        assert!(err("preset = \"nonlocal1d\"\nstep = -1e-3\n").contains("step = -0.001 is invalid"));
        assert!(
            err("preset = \"nonlocal1d\"\nsigma = \"critical\"\n")
                .contains("\"zero\", \"const\", \"variable\"")
        );
        assert!(err("preset = \"nonlocal1d\"\nomega = 1\n").contains("omega applies"));
        assert!(err("preset = \"nonlocal1d\"\nparticle = 10\n").contains("unknown field `particle`"));
        assert!(err("preset = \"nonlocal1d\"\nfinal_time = 0.105\n").contains("final_time = 0.105"));
        assert!(err("particles = 10\n").contains("give either preset"));
        assert!(err("dim = 3\n").contains("dim = 3 is invalid"));
        let e = err("dim = 2\n[[interaction]]\nname = \"log|x|\"\ncoefficient = 1\ndelta = 0\n");
        assert!(e.contains("interaction[0].delta = 0 is invalid: expected a finite number > 0"), "{e}");
        let e = err("dim = 1\n[[interaction]]\nname = \"|x|^2.0\"\ncoefficient = 1\n");
        assert!(e.contains("\"|x|^2.0\"") && e.contains("|x|^2"), "{e}");
        let e = err("dim = 2\n[[drift]]\nname = \"[cos(x1), 1]\"\ncoefficient = 1\n");
        assert!(e.contains("nearest drift terms"), "{e}");
        let e = err("dim = 1\n[initial]\nkind = \"gaussian\"\nmean = 0\nstd = 0\n");
        assert!(e.contains("[initial]") && e.contains("std"), "{e}");
        assert!(
            err("dim = 1\nsigma = 0.1\n[[diffusion]]\nname = \"x^0\"\ncoefficient = 0.1\n")
                .contains("not both")
        );
    }
}
