//! The paper's examples (and a 3D one beyond it) as ready-made data generators, each with its
//! library, discretisation and true model, behind one trait, [`Example`].
//!
//! Every front end (the `wsindy demo` and `simulate` commands, the convergence experiments,
//! the tests) enumerates the examples from one list, [`EXAMPLES`], and builds one from generic
//! [`ExampleOptions`] with [`build`]; each example checks the options it does not take.
//!
//! ```
//! use wsindy_examples::{ExampleOptions, build};
//!
//! let options = ExampleOptions { particles: Some(500), seed: Some(3), ..Default::default() };
//! let example = build("nonlocal1d", &options).unwrap();
//! assert_eq!((example.dim(), example.simulation().particles), (1, 500));
//! let data = example.simulate().unwrap();
//! let model = wsindy::identify(&data, &example.library(), &example.config()).unwrap();
//! let scores = wsindy::score(&model, &example.truth(&model.grid), &example.library()).unwrap();
//! assert!(scores.tpr > 0.0);
//!
//! // an option the example does not take is an error naming it
//! let err = build("nonlocal1d", &ExampleOptions { omega: Some(2.0), ..Default::default() }).unwrap_err();
//! assert!(err.to_string().contains("omega"), "{err}");
//! ```
//!
//! Adding an example is one new file (a struct implementing [`Example`] and an
//! [`ExampleEntry`] describing it) and one line in the [`examples!`] list below.

use std::fmt;

use serde::Serialize;
use thiserror::Error;
use wsindy::{Grid, IdentifyConfig, Library, Preset, Trajectories, TrueModel};
use wsindy_sim::{SimError, SimulationConfig, System};

/// Options a front end may pass to any example; `None` keeps the example's default. An
/// example that does not take an option that is given answers [`ExampleError::DoesNotApply`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExampleOptions {
    /// A named diffusion case (see [`ExampleEntry::sigma_cases`]).
    pub sigma: Option<String>,
    /// The frequency ω of the local 2D diffusivity.
    pub omega: Option<f64>,
    /// Extrinsic noise ratio ε.
    pub noise_ratio: Option<f64>,
    /// Particles per experiment N.
    pub particles: Option<usize>,
    /// Experiments M.
    pub experiments: Option<usize>,
    /// Seed of the simulation.
    pub seed: Option<u64>,
}

/// Why an example could not be built from [`ExampleOptions`].
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum ExampleError {
    /// No example has this name.
    #[error("unknown example '{name}': expected one of {expected}")]
    Unknown {
        /// The name asked for.
        name: String,
        /// The known names.
        expected: String,
    },
    /// The example does not take this option.
    #[error("{option} does not apply to {example}: {why}")]
    DoesNotApply {
        /// The option.
        option: &'static str,
        /// The example.
        example: &'static str,
        /// What the example takes instead.
        why: String,
    },
    /// The option's value is out of range.
    #[error("{option} = {value} is invalid for {example}: expected {expected}")]
    Invalid {
        /// The option.
        option: &'static str,
        /// The value given.
        value: String,
        /// The example.
        example: &'static str,
        /// What is accepted.
        expected: String,
    },
}

/// One setting of an example, as written into results (`--out` JSON).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Setting {
    /// A count (N, M, seed).
    Count(u64),
    /// A number (ε, ω).
    Number(f64),
    /// A named case (σ).
    Name(String),
}

impl Setting {
    /// The settings every example has: `n`, `m` and `seed`, then `more`.
    pub fn sizes(
        particles: usize,
        experiments: usize,
        seed: u64,
        more: Vec<(&'static str, Setting)>,
    ) -> Vec<(&'static str, Setting)> {
        let mut all = vec![
            ("n", Setting::Count(particles as u64)),
            ("m", Setting::Count(experiments as u64)),
            ("seed", Setting::Count(seed)),
        ];
        all.extend(more);
        all
    }
}

/// A particle system with everything needed to simulate it and to check an identification.
pub trait Example: fmt::Debug + Send + Sync {
    /// The entry describing the example (name, options, cost).
    fn entry(&self) -> &'static ExampleEntry;
    /// A one-line description with the settings, for logs.
    fn describe(&self) -> String;
    /// The model and initial law.
    fn system(&self) -> System;
    /// The simulation settings (N, M, steps, seed, extrinsic noise).
    fn simulation(&self) -> SimulationConfig;
    /// The preset whose library and discretisation identify the example.
    fn preset(&self) -> Preset;
    /// The true model in the library's terms (it may depend on the grid's domain).
    fn truth(&self, grid: &Grid) -> TrueModel;
    /// The settings, by name, for results files.
    fn settings(&self) -> Vec<(&'static str, Setting)>;

    /// The example's name.
    fn name(&self) -> &'static str {
        self.entry().name
    }
    /// The space dimension.
    fn dim(&self) -> usize {
        self.preset().dim()
    }
    /// The trial library (the preset's).
    fn library(&self) -> Library {
        self.preset().library()
    }
    /// The discretisation (the preset's).
    fn config(&self) -> IdentifyConfig {
        self.preset().config()
    }
    /// Simulates the example.
    ///
    /// # Errors
    /// Whatever [`System::simulate`] reports.
    fn simulate(&self) -> Result<Trajectories, SimError> {
        self.system().simulate(&self.simulation(), &|_, _| {})
    }
}

/// What a front end needs to know about an example before building it.
pub struct ExampleEntry {
    /// The name used by `--example`, configs and results.
    pub name: &'static str,
    /// One line for help texts.
    pub about: &'static str,
    /// The named diffusion cases it takes (the first is the default); empty if none.
    pub sigma_cases: &'static [&'static str],
    /// Whether it takes ω.
    pub takes_omega: bool,
    /// Whether particles interact: if not, the first n particles of a simulation of N are a
    /// simulation of n (the experiments share simulations over N).
    pub interacting: bool,
    /// Builds the example from options.
    pub build: fn(&ExampleOptions) -> Result<Box<dyn Example>, ExampleError>,
    /// Wall seconds to simulate N particles in M experiments on the 2-core reference machine
    /// (release build), for time estimates.
    pub simulation_seconds: fn(usize, usize) -> f64,
    /// Wall seconds of one identification on the reference machine.
    pub identification_seconds: f64,
}

impl fmt::Debug for ExampleEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExampleEntry").field("name", &self.name).finish_non_exhaustive()
    }
}

impl ExampleEntry {
    /// Checks the options shared by every example: σ among [`Self::sigma_cases`], ω only where
    /// taken and finite ≥ 0, ε finite ≥ 0, N and M ≥ 1.
    ///
    /// # Errors
    /// The first option out of place, named.
    pub fn check_common(&'static self, options: &ExampleOptions) -> Result<(), ExampleError> {
        let example = self.name;
        if let Some(sigma) = &options.sigma
            && !self.sigma_cases.contains(&sigma.as_str())
        {
            return Err(if self.sigma_cases.is_empty() {
                ExampleError::DoesNotApply { option: "sigma", example, why: "it has no σ cases".into() }
            } else {
                ExampleError::Invalid {
                    option: "sigma",
                    value: sigma.clone(),
                    example,
                    expected: format!("one of {}", self.sigma_cases.join(", ")),
                }
            });
        }
        if let Some(omega) = options.omega {
            if !self.takes_omega {
                return Err(ExampleError::DoesNotApply {
                    option: "omega",
                    example,
                    why: "only local2d has a frequency".into(),
                });
            }
            if !(omega.is_finite() && omega >= 0.0) {
                return Err(invalid("omega", omega, example, "a finite number ≥ 0"));
            }
        }
        if let Some(eps) = options.noise_ratio
            && !(eps.is_finite() && eps >= 0.0)
        {
            return Err(invalid("noise", eps, example, "a finite number ≥ 0"));
        }
        for (option, value) in [("particles", options.particles), ("experiments", options.experiments)] {
            if value == Some(0) {
                return Err(invalid(option, 0, example, "at least 1"));
            }
        }
        Ok(())
    }

    /// The diffusion case chosen by `options` (the first case by default; empty for an example
    /// without cases).
    pub fn sigma_case(&self, options: &ExampleOptions) -> &'static str {
        let chosen = options.sigma.as_deref();
        let default = self.sigma_cases.first().copied().unwrap_or("");
        self.sigma_cases.iter().copied().find(|c| Some(*c) == chosen).unwrap_or(default)
    }
}

fn invalid(
    option: &'static str,
    value: impl fmt::Display,
    example: &'static str,
    expected: &str,
) -> ExampleError {
    ExampleError::Invalid { option, value: value.to_string(), example, expected: expected.to_string() }
}

/// Declares the example modules and the list every front end enumerates: one line per example,
/// `module: Type`, where `module.rs` defines `Type` and its `pub static ENTRY`.
macro_rules! examples {
    ($($module:ident: $ty:ident),+ $(,)?) => {
        $(mod $module; pub use $module::$ty;)+
        /// Every example, in the order the help texts list them.
        pub static EXAMPLES: &[&ExampleEntry] = &[$(&$module::ENTRY),+];
    };
}

examples! {
    nonlocal1d: Nonlocal1d,
    local2d: Local2d,
    nonlocal2d: Nonlocal2d,
    nonlocal3d: Nonlocal3d,
}

pub use local2d::LOCAL2D_AMPLITUDE;
pub use nonlocal1d::SigmaCase;
pub use nonlocal2d::KellerSegelSigma;

/// The entry of the example called `name`.
///
/// # Errors
/// [`ExampleError::Unknown`] listing the known names.
pub fn entry(name: &str) -> Result<&'static ExampleEntry, ExampleError> {
    EXAMPLES
        .iter()
        .copied()
        .find(|e| e.name == name)
        .ok_or_else(|| ExampleError::Unknown { name: name.to_string(), expected: names().join(", ") })
}

/// The names of all examples.
pub fn names() -> Vec<&'static str> {
    EXAMPLES.iter().map(|e| e.name).collect()
}

/// Builds the example called `name` from `options`.
///
/// # Errors
/// An unknown name, or an option the example does not take or cannot use.
pub fn build(name: &str, options: &ExampleOptions) -> Result<Box<dyn Example>, ExampleError> {
    let entry = entry(name)?;
    entry.check_common(options)?;
    (entry.build)(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_builds_with_defaults_and_names_itself() {
        for entry in EXAMPLES {
            let example = build(entry.name, &ExampleOptions::default()).unwrap();
            assert_eq!(example.name(), entry.name);
            assert_eq!(example.preset().name(), entry.name);
            assert_eq!(example.system().dim(), example.dim());
            assert_eq!(example.library().terms().len(), example.preset().library().terms().len());
            for case in entry.sigma_cases {
                let options = ExampleOptions { sigma: Some(case.to_string()), ..Default::default() };
                build(entry.name, &options).unwrap();
            }
        }
    }

    #[test]
    fn options_out_of_place_are_named() {
        let err = build("nonlocal3", &ExampleOptions::default()).unwrap_err();
        assert!(err.to_string().contains("nonlocal1d, local2d, nonlocal2d, nonlocal3d"), "{err}");
        let sigma = ExampleOptions { sigma: Some("critical".into()), ..Default::default() };
        let err = build("nonlocal1d", &sigma).unwrap_err();
        assert!(err.to_string().contains("sigma = critical") && err.to_string().contains("zero"), "{err}");
        let err = build("local2d", &sigma).unwrap_err();
        assert!(matches!(err, ExampleError::DoesNotApply { option: "sigma", .. }), "{err}");
        let noise = ExampleOptions { noise_ratio: Some(0.1), ..Default::default() };
        assert!(matches!(build("local2d", &noise), Err(ExampleError::DoesNotApply { option: "noise", .. })));
        let nan = ExampleOptions { noise_ratio: Some(f64::NAN), ..Default::default() };
        assert!(build("nonlocal1d", &nan).unwrap_err().to_string().contains("noise = NaN"));
        let zero = ExampleOptions { experiments: Some(0), ..Default::default() };
        assert!(build("nonlocal2d", &zero).unwrap_err().to_string().contains("experiments = 0"));
    }
}
