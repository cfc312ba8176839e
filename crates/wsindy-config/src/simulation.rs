//! Simulation configs in TOML: one of the examples (`preset = "..."` with its options) or an
//! explicit model in the term vocabulary (names as in the library, or formulas), with the
//! initial distribution, the time stepping, the seed and extrinsic noise. Explicit models are
//! compiled once for every dimension d = 1, 2, 3.
//!
//! ```
//! use wsindy_config::simulation::parse_simulation;
//!
//! // the nonlocal 1D example with 500 particles
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
//! // a 3D model with a Gaussian interaction written as a formula
//! let text = "dim = 3\nparticles = 50\nrecorded_steps = 2\nsigma = 0.3\n\
//!             [[interaction]]\nname = \"{-exp(-(r^2))}\"\ncoefficient = 1.0\n";
//! assert_eq!(parse_simulation(text, "sim.toml").unwrap().run(&|_, _| {}).unwrap().dim(), 3);
//!
//! // bad values are errors naming the key
//! let err = parse_simulation("preset = \"nonlocal1d\"\nstep = 0\n", "sim.toml").unwrap_err();
//! assert!(err.to_string().contains("step = 0 is invalid"), "{err}");
//! ```

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use wsindy::core::{CompiledTerm, RadialKernel, Term};
use wsindy::library::KELLER_SEGEL_CUTOFF;
use wsindy::{Preset, TermKind, Trajectories};
use wsindy_examples::{ExampleError, ExampleOptions};
use wsindy_sim::{
    Diffusion, InitialLaw, Interaction, Model, Progress, SMatrix, SVector, SimError, SimulationConfig, System,
};

use crate::{ConfigError, nearest_names, read_text};

/// A simulation config as written in TOML (every key optional; see the user guide for the
/// defaults). Turn it into a runnable [`SimulationPlan`] with [`SimulationSpec::plan`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationSpec {
    /// One of the examples (`wsindy_examples::names()`); it fixes the model, its initial
    /// distribution and its time stepping (each of which the keys below may override, except
    /// the model).
    pub preset: Option<String>,
    /// Space dimension (1, 2 or 3) of an explicit model; required without `preset`.
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

/// The initial distribution, by `kind`. Every vector is one number (the same for every axis)
/// or one number per axis.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum InitialSpec {
    /// Normal with the given mean and standard deviation per axis.
    Gaussian {
        /// Mean.
        mean: Coords,
        /// Standard deviation.
        std: Coords,
    },
    /// A mixture of normals (weights default to equal).
    GaussianMixture {
        /// Component means.
        means: Vec<Coords>,
        /// Component standard deviations.
        stds: Vec<Coords>,
        /// Component weights (relative).
        weights: Option<Vec<f64>>,
    },
    /// Uniform on the box [lower, upper].
    Uniform {
        /// Lower corner.
        lower: Coords,
        /// Upper corner.
        upper: Coords,
    },
    /// Uniform on a ball (a disk in 2D, an interval in 1D).
    #[serde(alias = "uniform_ball")]
    UniformDisk {
        /// Centre (default the origin).
        centre: Option<Coords>,
        /// Radius.
        radius: f64,
    },
}

/// One term of an explicit model: a term name in the library's vocabulary (or a formula in
/// braces) and its coefficient.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermSpec {
    /// The term's name as in the library (`|x|^2`, `x^0`, `log|x|`, `[1, 0]`, `1*I`,
    /// `{exp(-r/0.5)}`, `[{x1*exp(-(x2^2))}, 0]`, …).
    pub name: String,
    /// Its coefficient.
    pub coefficient: f64,
    /// Cutoff δ of the kernels `|x|^(1/2)`, `|x|(log|x|-1)`, `log|x|` (default 0.01).
    pub delta: Option<f64>,
}

/// A checked simulation: model, initial distribution, settings and a one-line description.
#[derive(Debug, Clone)]
pub struct SimulationPlan {
    /// The model and initial distribution.
    pub system: System,
    /// Sizes, time stepping, seed and noise.
    pub config: SimulationConfig,
    /// What is simulated, in words.
    pub description: String,
}

impl SimulationPlan {
    /// Space dimension.
    pub fn dim(&self) -> usize {
        self.system.dim()
    }

    /// Runs the simulation, reporting recorded steps done / total to `progress`.
    ///
    /// # Errors
    /// Whatever the simulator reports (a blow-up names the experiment, step and particle).
    pub fn run(&self, progress: Progress<'_>) -> Result<Trajectories, SimError> {
        self.system.simulate(&self.config, progress)
    }
}

/// Reads and checks a simulation config from `path` (see [`parse_simulation`]).
///
/// # Errors
/// The file cannot be read, or [`parse_simulation`]'s errors.
pub fn load_simulation(path: &Path) -> Result<SimulationPlan, ConfigError> {
    parse_simulation(&read_text(path)?, &path.display().to_string())
}

/// Parses and checks TOML `text` as a simulation config; `origin` names the source in errors.
///
/// # Errors
/// A parse error, or a value out of range or out of place, naming the key.
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
    ///
    /// # Errors
    /// The first key out of range or out of place.
    pub fn plan(&self, origin: &str) -> Result<SimulationPlan, ConfigError> {
        let (system, defaults, what) = match &self.preset {
            Some(name) => self.example_system(name, origin)?,
            None => self.explicit_system(origin)?,
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
        Ok(SimulationPlan { system, config, description })
    }

    /// The example's model, initial distribution and settings (with `initial` overridden).
    fn example_system(
        &self,
        name: &str,
        origin: &str,
    ) -> Result<(System, SimulationConfig, String), ConfigError> {
        let entry = wsindy_examples::entry(name)
            .map_err(|e| invalid(origin, "preset", format!("\"{name}\""), expected_of(&e)))?;
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
        let sigma = match &self.sigma {
            None => None,
            Some(SigmaSpec::Case(c)) => Some(c.clone()),
            Some(SigmaSpec::Value(v)) => {
                return Err(invalid(
                    origin,
                    "sigma",
                    v,
                    format!(
                        "one of {} for preset = \"{name}\" (for another σ, remove `preset` and give the model explicitly)",
                        quoted(entry.sigma_cases)
                    ),
                ));
            }
        };
        // N, M and the seed are applied by `settings` over the example's defaults
        let options =
            ExampleOptions { sigma, omega: self.omega, noise_ratio: self.noise_ratio, ..Default::default() };
        let example = wsindy_examples::build(name, &options).map_err(|e| match e {
            ExampleError::Invalid { option, value, expected, .. } => {
                let key = if option == "noise" { "noise_ratio" } else { option };
                let expected = if option == "sigma" {
                    format!(
                        "one of {} for preset = \"{name}\" (for another σ, remove `preset` and give the model explicitly)",
                        quoted(entry.sigma_cases)
                    )
                } else {
                    expected
                };
                invalid(origin, key, value, expected)
            }
            other => conflict(origin, other.to_string()),
        })?;
        if let Some(dim) = self.dim
            && dim != example.dim()
        {
            return Err(conflict(
                origin,
                format!("dim = {dim}, but preset = \"{name}\" is {}-dimensional", example.dim()),
            ));
        }
        let mut system = example.system();
        if let Some(spec) = &self.initial {
            system = match system {
                System::Line(model, _) => System::Line(model, initial_law(spec, origin)?),
                System::Planar(model, _) => System::Planar(model, initial_law(spec, origin)?),
                System::Spatial(model, _) => System::Spatial(model, initial_law(spec, origin)?),
            };
        }
        Ok((system, example.simulation(), format!("preset {}", example.describe())))
    }

    /// The explicit model from `dim`, the terms, `sigma` and `initial`.
    fn explicit_system(&self, origin: &str) -> Result<(System, SimulationConfig, String), ConfigError> {
        let names = quoted(&wsindy_examples::names());
        let dim = self.dim.ok_or_else(|| {
            conflict(
                origin,
                format!("give either preset = {names}, or dim = 1 | 2 | 3 with the model's terms"),
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
        let system = match dim {
            1 => System::Line(self.model::<1>(sigma, origin)?, self.initial_or_default(origin)?),
            2 => System::Planar(self.model::<2>(sigma, origin)?, self.initial_or_default(origin)?),
            3 => System::Spatial(self.model::<3>(sigma, origin)?, self.initial_or_default(origin)?),
            other => return Err(invalid(origin, "dim", other, "1, 2 or 3")),
        };
        Ok((system, defaults, what))
    }

    /// The `[initial]` distribution, or N(0, I).
    fn initial_or_default<const D: usize>(&self, origin: &str) -> Result<InitialLaw<D>, ConfigError> {
        match &self.initial {
            Some(spec) => initial_law(spec, origin),
            None => Ok(InitialLaw::isotropic_gaussian(SVector::zeros(), 1.0)),
        }
    }

    /// The explicit model in dimension `D`: the terms compiled once, summed by the forces.
    fn model<const D: usize>(&self, sigma: Option<f64>, origin: &str) -> Result<Model<D>, ConfigError> {
        let mut model =
            Model { interaction: interaction::<D>(&self.interaction, origin)?, ..Model::default() };
        let drift = compile_terms::<D>(&self.drift, TermKind::Drift, origin)?;
        if !drift.is_empty() {
            model = model.with_external_force(move |x| {
                let mut total = SVector::zeros();
                let mut out = SVector::<f64, D>::zeros();
                for (c, term) in &drift {
                    term.evaluate(x.as_slice(), out.as_mut_slice());
                    total += *c * out;
                }
                total
            });
        }
        let diffusion = compile_terms::<D>(&self.diffusion, TermKind::Diffusion, origin)?;
        model.diffusion = match sigma {
            Some(s) => Diffusion::constant(s),
            None if diffusion.is_empty() => Diffusion::None,
            None => diffusion_of(diffusion, origin)?,
        };
        model.validate().map_err(|e| rejected(origin, "model", e))?;
        Ok(model)
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

/// `"a", "b", "c"`.
fn quoted(names: &[&str]) -> String {
    names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
}

/// The "expected …" part of an unknown-example error.
fn expected_of(e: &ExampleError) -> String {
    match e {
        ExampleError::Unknown { .. } => format!("one of {}", quoted(&wsindy_examples::names())),
        other => other.to_string(),
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

/// The error for a term name the simulator does not know, with the nearest valid names.
fn unknown_term(origin: &str, kind: TermKind, dim: usize, name: &str, why: Option<String>) -> ConfigError {
    let mut candidates: Vec<String> = Vec::new();
    for preset in Preset::ALL.into_iter().filter(|p| p.dim() == dim) {
        for term in preset.library().terms() {
            if term.kind() == kind && !candidates.contains(&term.name()) {
                candidates.push(term.name());
            }
        }
    }
    let grammar = match kind {
        TermKind::Interaction => {
            "|x|^m with m ≥ 1, |x|^(1/2), |x|(log|x|-1), log|x|, exp(-|x|/l), {formula in r}"
        }
        TermKind::Drift if dim == 1 => "x^a, cos(mx), {formula in x}",
        TermKind::Drift => {
            "[f, 0, …] (f on one axis), grad(x1^a*x2^b…), with f like 1, cos(x1)*cos(2x2), x1^2*x2, {formula}"
        }
        TermKind::Diffusion if dim == 1 => "x^a, cos(mx), {formula in x}",
        TermKind::Diffusion => "f*I, f*Epq with f like 1, cos(x1)*cos(2x2), x1^2*x2, {formula}",
    };
    ConfigError::UnknownTerm {
        origin: origin.into(),
        kind,
        name: name.into(),
        library: format!("simulator's {dim}D"),
        hint: match why {
            Some(why) => format!(" ({why}; names: {grammar})"),
            None => format!(" (names: {grammar})"),
        },
        suggestions: nearest_names(name, &candidates, 5),
    }
}

/// The interaction Σ c ∇K: built-in radial kernels (integer powers in 1D are summed in
/// O(N log N) by the simulator) and formula kernels as one radial profile.
fn interaction<const D: usize>(terms: &[TermSpec], origin: &str) -> Result<Interaction<D>, ConfigError> {
    let mut force = Interaction::new();
    let mut formulas: Vec<(f64, CompiledTerm)> = Vec::new();
    for (i, t) in terms.iter().enumerate() {
        let name = t.name.as_str();
        let term = Term::from_name(TermKind::Interaction, name, D, KELLER_SEGEL_CUTOFF).ok_or_else(|| {
            unknown_term(
                origin,
                TermKind::Interaction,
                D,
                name,
                formula_problem(TermKind::Interaction, name, D),
            )
        })?;
        match term {
            Term::Interaction(kernel) => {
                let kernel = match (kernel.cutoff_delta(), t.delta) {
                    (Some(_), Some(delta)) if !(delta.is_finite() && delta > 0.0) => {
                        return Err(invalid(
                            origin,
                            format!("interaction[{i}].delta"),
                            delta,
                            "a finite number > 0",
                        ));
                    }
                    (Some(_), Some(delta)) => kernel.with_cutoff(delta),
                    (None, Some(_)) => {
                        return Err(conflict(
                            origin,
                            format!("interaction[{i}].delta applies to the cutoff kernels only, not {name}"),
                        ));
                    }
                    (_, None) => kernel,
                };
                if let RadialKernel::Power { power } = kernel
                    && power < 1.0
                {
                    // |x|^m with m < 1 has an unbounded force at the origin
                    return Err(invalid(origin, format!("interaction[{i}].name"), name, "|x|^m with m ≥ 1"));
                }
                force = force.plus(t.coefficient, kernel);
            }
            other => {
                if t.delta.is_some() {
                    return Err(conflict(
                        origin,
                        format!("interaction[{i}].delta applies to the cutoff kernels only, not {name}"),
                    ));
                }
                let compiled = other
                    .compile(D)
                    .map_err(|e| unknown_term(origin, TermKind::Interaction, D, name, Some(e.to_string())))?;
                formulas.push((t.coefficient, compiled));
            }
        }
    }
    force.validate().map_err(|e| rejected(origin, "[[interaction]]", e))?;
    if !formulas.is_empty() {
        // the term's force at (r, 0, …) is h(r) e₁: its first component is the profile
        force = force.with_profile(move |r| {
            let mut point = [0.0; D];
            let mut out = [0.0; D];
            point[0] = r;
            formulas
                .iter()
                .map(|(c, term)| {
                    term.evaluate(&point, &mut out);
                    c * out[0]
                })
                .sum()
        });
    }
    Ok(force)
}

/// Why the formula inside the braces of `name` is not a valid expression in `dim` dimensions
/// (an unknown variable, a syntax error), if it has one and that is the problem.
fn formula_problem(kind: TermKind, name: &str, dim: usize) -> Option<String> {
    use wsindy::core::ScalarField;
    let (open, close) = (name.find('{')?, name.rfind('}')?);
    let formula = name.get(open + 1..close)?.to_string();
    let check = match kind {
        TermKind::Interaction => Term::RadialExpression { potential: formula }.check(),
        _ => ScalarField::Expression { formula, dim }.check(),
    };
    check.err().map(|e| e.to_string())
}

/// A library term with its coefficient, compiled for the simulator.
type WeightedTerm = (f64, CompiledTerm);

/// Drift or diffusion terms, checked for dimension `D` and compiled.
fn compile_terms<const D: usize>(
    terms: &[TermSpec],
    kind: TermKind,
    origin: &str,
) -> Result<Vec<WeightedTerm>, ConfigError> {
    let key = kind.as_str();
    let mut out = Vec::with_capacity(terms.len());
    for (i, t) in terms.iter().enumerate() {
        if t.delta.is_some() {
            return Err(conflict(origin, format!("{key}[{i}].delta applies to the cutoff kernels only")));
        }
        let name = t.name.as_str();
        let term = Term::from_name(kind, name, D, KELLER_SEGEL_CUTOFF)
            .filter(bounded)
            .ok_or_else(|| unknown_term(origin, kind, D, name, formula_problem(kind, name, D)))?;
        let compiled =
            term.compile(D).map_err(|e| unknown_term(origin, kind, D, name, Some(e.to_string())))?;
        out.push((t.coefficient, compiled));
    }
    Ok(out)
}

/// Bounded degrees and frequencies keep the simulated fields finite and cheap; a gradient of
/// the constant is no force.
fn bounded(term: &Term) -> bool {
    use wsindy::core::ScalarField;
    let field_ok = |field: &ScalarField| match field {
        ScalarField::Monomial(p) => p.iter().all(|&a| a <= 64),
        ScalarField::Cosines(m) => m.iter().all(|&f| f <= 1000),
        ScalarField::Expression { .. } => true,
    };
    match term {
        Term::AxisForce { field, .. } | Term::Diffusion { field, .. } => field_ok(field),
        Term::PotentialGradient { powers } => {
            powers.iter().sum::<u32>() >= 1 && powers.iter().all(|&a| a <= 64)
        }
        _ => false,
    }
}

/// σ(x) from ½σσᵀ(x) = Σ c D_j(x): σ = √(2d) I when every term is a constant multiple of the
/// identity, else a lower-triangular σ with σσᵀ = 2D(x) at every step (an indefinite D beyond
/// rounding gives NaN, which the simulator reports as a blow-up at that particle).
fn diffusion_of<const D: usize>(terms: Vec<WeightedTerm>, origin: &str) -> Result<Diffusion<D>, ConfigError> {
    use wsindy::core::{MatrixEntry, ScalarField};
    let constant_identity = terms.iter().all(|(_, t)| match t.term() {
        Term::Diffusion { entry, field } => {
            (D == 1 || *entry == MatrixEntry::Identity)
                && match field {
                    ScalarField::Monomial(p) => p.iter().all(|&a| a == 0),
                    ScalarField::Cosines(m) => m.iter().all(|&f| f == 0),
                    ScalarField::Expression { .. } => false,
                }
        }
        _ => false,
    });
    if constant_identity {
        let d: f64 = terms.iter().map(|(c, _)| c).sum();
        if d < 0.0 {
            return Err(invalid(origin, "diffusion: ½σ² (the constant's coefficient)", d, "a number ≥ 0"));
        }
        return Ok(Diffusion::constant((2.0 * d).sqrt()));
    }
    let terms = Arc::new(terms);
    Ok(Diffusion::field(move |x: &SVector<f64, D>| {
        let mut half = SMatrix::<f64, D, D>::zeros();
        let mut out = SMatrix::<f64, D, D>::zeros();
        // the size of the terms, against which rounding in their sum is judged
        let mut magnitude = 0.0f64;
        for (c, term) in terms.iter() {
            term.evaluate(x.as_slice(), out.as_mut_slice());
            half += *c * out;
            magnitude += c.abs() * out.amax();
        }
        semidefinite_cholesky(&(2.0 * half), 2.0 * magnitude)
    }))
}

/// A lower-triangular L with L Lᵀ = A for a symmetric positive semi-definite A whose entries
/// are sums of terms of size `scale` (pivots within rounding of zero are taken as zero); NaN
/// entries if A is indefinite beyond rounding.
fn semidefinite_cholesky<const D: usize>(a: &SMatrix<f64, D, D>, scale: f64) -> SMatrix<f64, D, D> {
    let tolerance = 1e-12 * scale;
    let mut l = SMatrix::<f64, D, D>::zeros();
    for j in 0..D {
        let pivot = a[(j, j)] - (0..j).map(|k| l[(j, k)] * l[(j, k)]).sum::<f64>();
        if pivot < -tolerance {
            return SMatrix::repeat(f64::NAN);
        }
        if pivot <= tolerance {
            // a zero pivot: the rest of the column must vanish too
            for i in j + 1..D {
                let rest = a[(i, j)] - (0..j).map(|k| l[(i, k)] * l[(j, k)]).sum::<f64>();
                if rest.abs() > (tolerance * scale).sqrt() {
                    return SMatrix::repeat(f64::NAN);
                }
            }
            continue;
        }
        let root = pivot.sqrt();
        l[(j, j)] = root;
        for i in j + 1..D {
            l[(i, j)] = (a[(i, j)] - (0..j).map(|k| l[(i, k)] * l[(j, k)]).sum::<f64>()) / root;
        }
    }
    l
}

/// The initial distribution in dimension `D`.
fn initial_law<const D: usize>(spec: &InitialSpec, origin: &str) -> Result<InitialLaw<D>, ConfigError> {
    let vector = |key: &str, v: &Coords| -> Result<SVector<f64, D>, ConfigError> {
        match v.0.as_slice() {
            [x] => Ok(SVector::repeat(*x)),
            xs if xs.len() == D => Ok(SVector::from_column_slice(xs)),
            other => Err(invalid(
                origin,
                format!("initial.{key}"),
                format!("{other:?}"),
                if D == 1 {
                    "one number for dim = 1".to_string()
                } else {
                    format!("one number or {D} numbers for dim = {D}")
                },
            )),
        }
    };
    let vectors = |key: &str, vs: &[Coords]| -> Result<Vec<SVector<f64, D>>, ConfigError> {
        vs.iter().enumerate().map(|(i, v)| vector(&format!("{key}[{i}]"), v)).collect()
    };
    let initial = match spec {
        InitialSpec::Gaussian { mean, std } => {
            InitialLaw::gaussian(vector("mean", mean)?, vector("std", std)?)
        }
        InitialSpec::GaussianMixture { means, stds, weights } => InitialLaw::GaussianMixture {
            means: vectors("means", means)?,
            stds: vectors("stds", stds)?,
            weights: weights.clone().unwrap_or_else(|| vec![1.0; means.len()]),
        },
        InitialSpec::Uniform { lower, upper } => {
            InitialLaw::UniformBox { lower: vector("lower", lower)?, upper: vector("upper", upper)? }
        }
        InitialSpec::UniformDisk { centre, radius } => InitialLaw::UniformBall {
            centre: match centre {
                Some(c) => vector("centre", c)?,
                None => SVector::zeros(),
            },
            radius: *radius,
        },
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

    fn spec(name: &str, coefficient: f64) -> TermSpec {
        TermSpec { name: name.into(), coefficient, delta: None }
    }

    #[test]
    fn every_library_term_name_is_accepted_in_its_dimension() {
        fn check<const D: usize>(preset: Preset) {
            for term in preset.library().terms() {
                let terms = [spec(&term.name(), 0.1)];
                let ok = match term.kind() {
                    TermKind::Interaction => interaction::<D>(&terms, "x").map(|_| ()),
                    kind => compile_terms::<D>(&terms, kind, "x").map(|_| ()),
                };
                assert!(ok.is_ok(), "{preset} {} {}: {:?}", term.kind(), term.name(), ok);
            }
        }
        for preset in Preset::ALL {
            match preset.dim() {
                1 => check::<1>(preset),
                2 => check::<2>(preset),
                _ => check::<3>(preset),
            }
        }
    }

    #[test]
    fn compiled_forces_are_the_library_terms() {
        // K = ½|x|² − |x| spelled out is the simulator's own kernel, in 1D and 3D
        let terms = [spec("|x|^2", 0.5), spec("|x|^1", -1.0)];
        let line = interaction::<1>(&terms, "x").unwrap();
        let reference = Interaction::<1>::attraction_repulsion();
        for r in [-2.5, -0.3, 0.0, 0.7, 3.0] {
            let r = SVector::from([r]);
            assert_eq!(line.force(&r), reference.force(&r));
        }
        let space = interaction::<3>(&terms, "x").unwrap();
        let d = SVector::from([0.3, -1.2, 0.4]);
        assert!((space.force(&d) - Interaction::<3>::attraction_repulsion().force(&d)).norm() < 1e-15);
        // a formula kernel: K = −exp(−r²), ∇K(d) = 2 exp(−r²) d
        let gaussian = interaction::<2>(&[spec("{-exp(-(r^2))}", 1.5)], "x").unwrap();
        let d = SVector::from([0.6, -0.8]);
        let expected = 1.5 * 2.0 * (-1.0f64).exp() * d;
        assert!((gaussian.force(&d) - expected).norm() < 1e-12, "{:?}", gaussian.force(&d));
        // drift formula in 2D and the gradient of a 3D monomial, through the compiled model
        let spec3 = SimulationSpec {
            dim: Some(3),
            drift: vec![spec("grad(x1*x2^2)", 2.0), spec("[0, 0, {x1*exp(-(x2^2))}]", -1.0)],
            ..Default::default()
        };
        let model = spec3.model::<3>(None, "x").unwrap();
        let x = SVector::from([0.5, 2.0, -1.0]);
        let force = (model.external_force.as_ref().unwrap())(&x);
        let expected = SVector::from([2.0 * 4.0, 2.0 * 2.0 * 0.5 * 2.0, -0.5 * (-4.0f64).exp()]);
        assert!((force - expected).norm() < 1e-12, "{force:?}");
    }

    #[test]
    fn diffusion_matrices_factor_exactly() {
        let d = |m: [[f64; 3]; 3]| SMatrix::<f64, 3, 3>::from_fn(|i, j| m[i][j]);
        for a in [
            d([[2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 2.0]]),
            d([[3.0, 1.0, 0.5], [1.0, 2.0, 0.2], [0.5, 0.2, 1.0]]),
            d([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]),
            SMatrix::zeros(),
        ] {
            let l = semidefinite_cholesky(&a, 3.0);
            assert!((l * l.transpose() - a).amax() < 1e-12, "{a} {l}");
        }
        assert!(
            semidefinite_cholesky(&d([[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]]), 2.0)[(1, 1)]
                .is_nan()
        );
        // 1D: ½σ² = 0.1(x − 2)² vanishes at x = 2 up to rounding, which is not an error
        let spec1 = SimulationSpec {
            dim: Some(1),
            diffusion: vec![spec("x^2", 0.1), spec("x^1", -0.4), spec("x^0", 0.4)],
            ..Default::default()
        };
        let Diffusion::Field(sigma) = spec1.model::<1>(None, "x").unwrap().diffusion else {
            panic!("a field")
        };
        for x in [2.0, 2.0 + 1e-9, -1.0, 5.0] {
            let s = sigma(&SVector::from([x]))[(0, 0)];
            assert!((s - 0.2f64.sqrt() * (x - 2.0f64).abs()).abs() < 1e-6, "{x}: {s}");
        }
    }

    #[test]
    fn presets_and_explicit_models() {
        let p = parse_simulation("preset = \"local2d\"\nomega = 2\nparticles = 100\n", "s").unwrap();
        assert_eq!((p.dim(), p.config.step, p.config.record_every), (2, 1e-4, 200));
        let p =
            parse_simulation("preset = \"nonlocal2d\"\nsigma = \"zero\"\nfinal_time = 2.0\n", "s").unwrap();
        assert_eq!(p.config.recorded_steps, 20);
        let p = parse_simulation("preset = \"nonlocal3d\"\nparticles = 10\n", "s").unwrap();
        assert_eq!((p.dim(), p.config.experiments, p.config.recorded_steps), (3, 16, 50));
        let text = "dim = 2\nparticles = 50\nrecorded_steps = 2\n[[interaction]]\nname = \"log|x|\"\ncoefficient = 0.159\ndelta = 0.02\n[[drift]]\nname = \"grad(x1^2)\"\ncoefficient = 0.5\n[[diffusion]]\nname = \"1*I\"\ncoefficient = 0.1\n[initial]\nkind = \"uniform_disk\"\nradius = 1.5\n";
        let data = parse_simulation(text, "s").unwrap().run(&|_, _| {}).unwrap();
        assert_eq!((data.particles(), data.time_points(), data.dim()), (50, 3, 2));
        let text = "dim = 3\nparticles = 40\nrecorded_steps = 2\n[[drift]]\nname = \"grad(x1^2)\"\ncoefficient = 0.5\n[[diffusion]]\nname = \"{1+x3^2}*E13\"\ncoefficient = 0.01\n[[diffusion]]\nname = \"1*I\"\ncoefficient = 0.1\n[initial]\nkind = \"gaussian_mixture\"\nmeans = [[0, 0, 0], 1.0]\nstds = [0.5, [0.1, 0.2, 0.3]]\n";
        let data = parse_simulation(text, "s").unwrap().run(&|_, _| {}).unwrap();
        assert_eq!((data.particles(), data.time_points(), data.dim()), (40, 3, 3));
    }

    #[test]
    fn bad_simulation_configs_name_the_key() {
        let e = err("preset = \"nonlocal4d\"\n");
        assert!(e.contains("preset = \"nonlocal4d\" is invalid") && e.contains("\"nonlocal3d\""), "{e}");
        assert!(err("preset = \"nonlocal1d\"\nparticles = 0\n").contains("particles = 0 is invalid"));
        assert!(err("preset = \"nonlocal1d\"\nparticles = -4\n").contains("expected usize"));
        assert!(err("preset = \"nonlocal1d\"\nstep = -1e-3\n").contains("step = -0.001 is invalid"));
        let e = err("preset = \"nonlocal1d\"\nsigma = \"critical\"\n");
        assert!(
            e.contains("sigma = critical is invalid") && e.contains("\"const\", \"zero\", \"variable\""),
            "{e}"
        );
        assert!(err("preset = \"nonlocal1d\"\nomega = 1\n").contains("omega does not apply"));
        assert!(err("preset = \"nonlocal1d\"\ndim = 2\n").contains("1-dimensional"));
        assert!(err("preset = \"nonlocal1d\"\nparticle = 10\n").contains("unknown field `particle`"));
        assert!(err("preset = \"nonlocal1d\"\nfinal_time = 0.105\n").contains("final_time = 0.105"));
        assert!(err("particles = 10\n").contains("give either preset"));
        assert!(err("dim = 4\n").contains("dim = 4 is invalid: expected 1, 2 or 3"));
        let e = err("dim = 2\n[[interaction]]\nname = \"log|x|\"\ncoefficient = 1\ndelta = 0\n");
        assert!(e.contains("interaction[0].delta = 0 is invalid: expected a finite number > 0"), "{e}");
        let e = err("dim = 1\n[[interaction]]\nname = \"|x|^2.0\"\ncoefficient = 1\n");
        assert!(e.contains("\"|x|^2.0\"") && e.contains("|x|^2"), "{e}");
        let e = err("dim = 2\n[[drift]]\nname = \"[cos(x1), 1]\"\ncoefficient = 1\n");
        assert!(e.contains("nearest drift terms"), "{e}");
        // a 2D name in 3D, a formula with a variable the dimension lacks
        let e = err("dim = 3\n[[drift]]\nname = \"[1, 0]\"\ncoefficient = 1\n");
        assert!(e.contains("[1, 0]") && e.contains("3D"), "{e}");
        let e = err("dim = 2\n[[drift]]\nname = \"[{x3}, 0]\"\ncoefficient = 1\n");
        assert!(e.contains("unknown variable `x3`"), "{e}");
        let e = err("dim = 1\n[initial]\nkind = \"gaussian\"\nmean = 0\nstd = 0\n");
        assert!(e.contains("[initial]") && e.contains("std"), "{e}");
        let e = err("dim = 2\n[initial]\nkind = \"gaussian\"\nmean = [0, 1, 2]\nstd = 1\n");
        assert!(e.contains("initial.mean = [0.0, 1.0, 2.0] is invalid"), "{e}");
        assert!(
            err("dim = 1\nsigma = 0.1\n[[diffusion]]\nname = \"x^0\"\ncoefficient = 0.1\n")
                .contains("not both")
        );
    }
}
