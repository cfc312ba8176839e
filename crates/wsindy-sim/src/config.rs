//! Sizes, time stepping, seed and extrinsic noise of a simulation, and progress reporting.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::SimError;

/// Sizes, time stepping, seed and extrinsic noise of a simulation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimulationConfig {
    /// Particles per experiment, N ≥ 1.
    pub particles: usize,
    /// Independent experiments, M ≥ 1.
    pub experiments: usize,
    /// Euler–Maruyama time step (> 0, finite).
    pub step: f64,
    /// Record every this many steps (≥ 1); the observation spacing is `step · record_every`.
    pub record_every: usize,
    /// Number of recorded steps after t = 0 (≥ 1); there are `recorded_steps + 1` time points.
    pub recorded_steps: usize,
    /// Seed of all random streams; the same seed gives bit-identical data on any thread count.
    pub seed: u64,
    /// Extrinsic noise ratio ε ≥ 0: the data are Y = X + ε ‖X_t‖_RMS ξ, ξ ~ N(0, 1) i.i.d.
    pub noise_ratio: f64,
}

impl Default for SimulationConfig {
    /// N = 1000, M = 1, step 1e-3, record every 10 steps, 100 recorded steps (Δt = 0.01,
    /// T = 1), seed 0, no extrinsic noise.
    fn default() -> Self {
        Self {
            particles: 1000,
            experiments: 1,
            step: 1e-3,
            record_every: 10,
            recorded_steps: 100,
            seed: 0,
            noise_ratio: 0.0,
        }
    }
}

impl SimulationConfig {
    /// Number of recorded time points L = `recorded_steps + 1`.
    pub fn time_points(&self) -> usize {
        self.recorded_steps.saturating_add(1)
    }

    /// The observation spacing Δt = `step · record_every`.
    pub fn observation_dt(&self) -> f64 {
        self.step * self.record_every as f64
    }

    /// The observation times t_l = l · step · record_every, l = 0..=recorded_steps.
    pub fn times(&self) -> Vec<f64> {
        let dt = self.observation_dt();
        (0..self.time_points()).map(|l| l as f64 * dt).collect()
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<(), SimError> {
        for (what, min, got) in [
            ("particles", 1, self.particles),
            ("experiments", 1, self.experiments),
            ("record_every", 1, self.record_every),
            ("recorded_steps", 1, self.recorded_steps),
        ] {
            if got < min {
                return Err(SimError::TooSmall { what, min, got });
            }
        }
        if !(self.step.is_finite() && self.step > 0.0) {
            return Err(SimError::InvalidParameter {
                what: "time step",
                value: self.step,
                expected: "a finite number > 0",
            });
        }
        if !(self.noise_ratio.is_finite() && self.noise_ratio >= 0.0) {
            return Err(SimError::InvalidParameter {
                what: "noise ratio",
                value: self.noise_ratio,
                expected: "a finite number ≥ 0",
            });
        }
        let final_time = self.observation_dt() * self.recorded_steps as f64;
        if !final_time.is_finite() {
            return Err(SimError::InvalidParameter {
                what: "final time step · record_every · recorded_steps",
                value: final_time,
                expected: "a finite number",
            });
        }
        if self.record_every.checked_mul(self.recorded_steps).is_none() {
            return Err(SimError::TooLarge { what: "Euler–Maruyama steps", values: usize::MAX });
        }
        Ok(())
    }
}

/// A progress callback: called with (recorded steps done, recorded steps in total), counted
/// over all experiments (the total is `experiments · recorded_steps`). Experiments run in
/// parallel, so it is called from several threads, possibly out of order.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// Counts recorded steps over all experiments and reports them to a [`Progress`] callback.
pub(crate) struct ProgressCounter<'a> {
    done: AtomicUsize,
    total: usize,
    callback: Progress<'a>,
}

impl<'a> ProgressCounter<'a> {
    /// A counter for `config`, reporting (0, total) at once.
    pub(crate) fn new(config: &SimulationConfig, callback: Progress<'a>) -> Self {
        let total = config.experiments.saturating_mul(config.recorded_steps);
        callback(0, total);
        Self { done: AtomicUsize::new(0), total, callback }
    }

    /// One more recorded step.
    pub(crate) fn tick(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        (self.callback)(done, self.total);
    }
}
