use thiserror::Error;
use wsindy_core::{CoreError, RadialKernel};

/// Everything that can go wrong when configuring or running a simulation.
///
/// Each variant names the offending value and what was expected instead, so that bad input is
/// reported rather than turned into a panic or silently into NaN data.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum SimError {
    /// The space dimension D of a model is not one the simulator runs.
    #[error("space dimension {dim} is not supported: the simulator runs d = 1, 2, 3")]
    UnsupportedDimension {
        /// The dimension D.
        dim: usize,
    },
    /// A count that must reach a minimum was too small.
    #[error("{what} must be at least {min}, got {got}")]
    TooSmall {
        /// What was counted.
        what: &'static str,
        /// The smallest allowed value.
        min: usize,
        /// The value given.
        got: usize,
    },
    /// A real parameter is outside its valid range.
    #[error("{what} = {} is invalid: expected {expected}", wsindy_core::display::Number(*.value))]
    InvalidParameter {
        /// Parameter name.
        what: &'static str,
        /// The value given.
        value: f64,
        /// The valid range in words.
        expected: &'static str,
    },
    /// One entry of a list parameter (a mixture component, a coefficient) is invalid.
    #[error("{what}[{index}] = {} is invalid: expected {expected}", wsindy_core::display::Number(*.value))]
    InvalidEntry {
        /// Name of the list.
        what: &'static str,
        /// Index of the bad entry.
        index: usize,
        /// The value given.
        value: f64,
        /// The valid range in words.
        expected: &'static str,
    },
    /// Two lists that must have the same length do not, or a buffer has the wrong length.
    #[error("{what}: expected length {expected}, got {got}")]
    LengthMismatch {
        /// Which list or buffer.
        what: &'static str,
        /// The required length.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// An interaction kernel's parameter is invalid (see [`RadialKernel::check`]).
    #[error("interaction term {index} ({kernel}): {source}")]
    InvalidKernel {
        /// Index of the term in the interaction.
        index: usize,
        /// The kernel.
        kernel: RadialKernel,
        /// What is wrong with its parameter.
        source: CoreError,
    },
    /// An input position handed to a force evaluation is NaN or infinite.
    #[error("position {index} is {value}, expected a finite number")]
    NonFinitePosition {
        /// Index of the particle.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// A force evaluation produced a NaN or infinite value (overflow or a bad force function).
    #[error("force on particle {index} evaluated to {value}, expected a finite number")]
    NonFiniteForce {
        /// Index of the particle.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// The simulation blew up: a position became NaN or infinite.
    #[error(
        "simulation blew up in experiment {experiment} at step {step} (time {time}): position of particle {particle} became {value}; reduce the time step or check the force and diffusion functions"
    )]
    BlowUp {
        /// Experiment index.
        experiment: usize,
        /// Euler–Maruyama step (1-based) after which the position was non-finite.
        step: usize,
        /// Simulated time at that step.
        time: f64,
        /// Particle index.
        particle: usize,
        /// The offending value.
        value: f64,
    },
    /// The simulation diverged without overflowing (see [`crate::DivergenceGuard`]).
    #[error(
        "simulation diverged in experiment {experiment} at step {step} (time {time}): particle {particle} reached {value:.3e}, {spread:.3e} from the initial centroid against an initial spread of {initial:.3e}; reduce the time step or check the force and diffusion functions"
    )]
    Diverged {
        /// Experiment index.
        experiment: usize,
        /// Euler–Maruyama step of the first recorded snapshot that diverged.
        step: usize,
        /// Simulated time at that step.
        time: f64,
        /// The particle farthest out.
        particle: usize,
        /// Its coordinate.
        value: f64,
        /// Largest distance of a coordinate from the initial centroid.
        spread: f64,
        /// The initial spread (at least 1).
        initial: f64,
    },
    /// The requested output does not fit in memory (or its size overflows `usize`).
    #[error("{what} needs {} values, which cannot be allocated", wsindy_core::display::Count(*.values))]
    TooLarge {
        /// What was to be allocated.
        what: &'static str,
        /// How many values it needs (saturated at `usize::MAX`).
        values: usize,
    },
    /// The simulated data were rejected by [`wsindy_core::Trajectories::new`].
    #[error(transparent)]
    Core(#[from] CoreError),
}
