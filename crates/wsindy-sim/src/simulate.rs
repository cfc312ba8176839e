//! The Euler–Maruyama driver.

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_pcg::Pcg64;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use wsindy_core::Trajectories;

use crate::DivergenceGuard;
use crate::{Diffusion, ForceWorkspace, InitialDistribution, ParticleModel, SimError};

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

/// The splitmix64 finaliser: a bijective 64-bit mix.
pub(crate) fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Which random stream of an experiment.
#[derive(Clone, Copy)]
pub(crate) enum Stream {
    /// Brownian increments (in 1D also the initial positions).
    Dynamics = 0,
    /// Extrinsic observation noise.
    Observation = 1,
    /// Initial positions (2D only; the 1D simulator draws them from [`Stream::Dynamics`]).
    Initial = 2,
}

/// The 64-bit seed of `stream` in experiment `experiment`, derived from the seed only.
fn stream_seed(seed: u64, experiment: usize, stream: Stream) -> u64 {
    let h = splitmix64(seed);
    let h = splitmix64(h ^ (experiment as u64).wrapping_mul(0xD1B5_4A32_D192_ED03));
    splitmix64(h ^ (stream as u64).wrapping_mul(0xA24B_AED4_963E_E407))
}

/// The generator of `stream` in experiment `experiment`, derived from the seed only.
pub(crate) fn stream_rng(seed: u64, experiment: usize, stream: Stream) -> Pcg64 {
    Pcg64::seed_from_u64(stream_seed(seed, experiment, stream))
}

/// The generator of `stream` for particle block `block` of experiment `experiment`: an
/// independent stream per (seed, experiment, block, stream kind), so that blocks of particles
/// can draw their random numbers in parallel and the result does not depend on the thread count.
pub(crate) fn block_rng(seed: u64, experiment: usize, block: usize, stream: Stream) -> Pcg64 {
    let h = stream_seed(seed, experiment, stream);
    let h = splitmix64(h ^ (block as u64).wrapping_add(1).wrapping_mul(0x9FB2_1C65_1E98_DF25));
    Pcg64::seed_from_u64(h)
}

/// Simulates `config.experiments` independent runs of `model` by Euler–Maruyama, from
/// particles drawn i.i.d. from `initial`, and returns the recorded positions (M × L × N × 1)
/// with optional extrinsic noise.
///
/// Experiments run in parallel (rayon, one experiment per task); experiment m draws its
/// randomness from its own generators derived from (`seed`, m), so the result is bit-identical
/// whatever the number of threads.
///
/// # Errors
/// Invalid model, initial law or configuration ([`SimError::TooSmall`],
/// [`SimError::InvalidParameter`], …); [`SimError::TooLarge`] when the output does not fit in
/// memory; [`SimError::BlowUp`] naming the experiment and step when a position becomes NaN or
/// infinite (the first such experiment in index order is reported).
pub fn simulate(
    model: &ParticleModel,
    initial: &InitialDistribution,
    config: &SimulationConfig,
) -> Result<Trajectories, SimError> {
    simulate_with_progress(model, initial, config, &|_, _| {})
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

/// [`simulate()`] reporting its progress to `progress` after every recorded step of every
/// experiment (see [`Progress`]). The callback only observes: the result is the same as that of
/// [`simulate()`], bit for bit.
///
/// # Errors
/// As [`simulate()`].
pub fn simulate_with_progress(
    model: &ParticleModel,
    initial: &InitialDistribution,
    config: &SimulationConfig,
    progress: Progress<'_>,
) -> Result<Trajectories, SimError> {
    config.validate()?;
    model.validate()?;
    initial.validate()?;
    let counter = ProgressCounter::new(config, progress);
    record_experiments(config, 1, |m, out| run_experiment(model, initial, config, m, out, &counter))
}

/// Allocates the M × L × N × `dim` recorded positions of `config` and fills experiment m's block
/// with `run(m, block)`, experiments in parallel; the first error in experiment order wins.
pub(crate) fn record_experiments(
    config: &SimulationConfig,
    dim: usize,
    run: impl Fn(usize, &mut [f64]) -> Result<(), SimError> + Sync,
) -> Result<Trajectories, SimError> {
    let (n, time_points) = (config.particles, config.time_points());
    let too_large = SimError::TooLarge { what: "recorded positions", values: usize::MAX };
    let per_experiment =
        time_points.checked_mul(n).and_then(|v| v.checked_mul(dim)).ok_or(too_large.clone())?;
    let total = per_experiment.checked_mul(config.experiments).ok_or(too_large)?;
    let mut positions: Vec<f64> = Vec::new();
    positions
        .try_reserve_exact(total)
        .map_err(|_| SimError::TooLarge { what: "recorded positions", values: total })?;
    positions.resize(total, 0.0);
    let results: Vec<Result<(), SimError>> =
        positions.par_chunks_mut(per_experiment).enumerate().map(|(m, out)| run(m, out)).collect();
    results.into_iter().collect::<Result<Vec<()>, SimError>>()?;
    Ok(Trajectories::new(config.experiments, time_points, n, dim, positions, config.times())?)
}

/// Runs experiment `m`, writing its L × N recorded positions to `out`.
fn run_experiment(
    model: &ParticleModel,
    initial: &InitialDistribution,
    config: &SimulationConfig,
    m: usize,
    out: &mut [f64],
    counter: &ProgressCounter<'_>,
) -> Result<(), SimError> {
    let n = config.particles;
    let h = config.step;
    let sqrt_h = h.sqrt();
    let mut rng = stream_rng(config.seed, m, Stream::Dynamics);
    let mut noise_rng = stream_rng(config.seed, m, Stream::Observation);

    let (first, rest) = out.split_at_mut(n);
    initial.sample_into(&mut rng, first);
    if let Some(index) = first.iter().position(|x| !x.is_finite()) {
        return Err(SimError::NonFinitePosition { index, value: first[index] });
    }
    let mut x = first.to_vec();
    let mut force = vec![0.0; n];
    let mut workspace = ForceWorkspace::new();
    record(&x, config.noise_ratio, &mut noise_rng, first);

    let mut step = 0;
    for snapshot in rest.chunks_exact_mut(n) {
        for _ in 0..config.record_every {
            step += 1;
            if let Some(interaction) = &model.interaction {
                interaction.mean_field_unchecked(&x, &mut workspace, &mut force);
            }
            let blown = advance(model, &mut x, &force, h, sqrt_h, &mut rng);
            if let Some(particle) = blown {
                return Err(SimError::BlowUp {
                    experiment: m,
                    step,
                    time: step as f64 * h,
                    particle,
                    value: x[particle],
                });
            }
        }
        record(&x, config.noise_ratio, &mut noise_rng, snapshot);
        counter.tick();
    }
    DivergenceGuard { dim: 1, particles: n, record_every: config.record_every, step: h }.check(m, out)
}

/// One Euler–Maruyama step x ← x + (−F − ∇V(x)) h + σ(x) √h ξ (F = 0 without interaction);
/// returns the first particle whose new position is not finite.
fn advance(
    model: &ParticleModel,
    x: &mut [f64],
    force: &[f64],
    h: f64,
    sqrt_h: f64,
    rng: &mut Pcg64,
) -> Option<usize> {
    let interacting = model.interaction.is_some();
    let external = model.external_force.as_deref();
    for (i, xi) in x.iter_mut().enumerate() {
        let mut drift = if interacting { -force[i] } else { 0.0 };
        if let Some(grad_v) = external {
            drift -= grad_v(*xi);
        }
        let noise = match &model.diffusion {
            Diffusion::None => 0.0,
            Diffusion::Constant(sigma) => {
                let z: f64 = StandardNormal.sample(rng);
                sigma * sqrt_h * z
            }
            Diffusion::Field(sigma) => {
                let z: f64 = StandardNormal.sample(rng);
                sigma(*xi) * sqrt_h * z
            }
        };
        *xi += drift * h + noise;
    }
    x.iter().position(|v| !v.is_finite())
}

/// Writes the observation of `x` to `out`: x itself, or x + ε ‖x‖_RMS ξ with extrinsic noise.
fn record(x: &[f64], noise_ratio: f64, rng: &mut Pcg64, out: &mut [f64]) {
    out.copy_from_slice(x);
    add_extrinsic_noise(out, noise_ratio, rng);
}

/// Adds extrinsic observation noise to one snapshot of positions (all particles, all
/// coordinates): Y = X + ε ‖X‖_RMS ξ with ξ ~ N(0, 1) i.i.d. per coordinate, drawn in order
/// from `rng`. `noise_ratio` = 0 leaves the snapshot (and `rng`) untouched.
///
/// ```
/// use rand::SeedableRng;
/// let mut snapshot = vec![3.0, -4.0];
/// wsindy_sim::add_extrinsic_noise(&mut snapshot, 0.0, &mut rand_pcg::Pcg64::seed_from_u64(1));
/// assert_eq!(snapshot, [3.0, -4.0]);
/// ```
pub fn add_extrinsic_noise(snapshot: &mut [f64], noise_ratio: f64, rng: &mut Pcg64) {
    if noise_ratio == 0.0 {
        return;
    }
    let amplitude = noise_ratio * rms(&[snapshot]);
    for v in snapshot.iter_mut() {
        let z: f64 = StandardNormal.sample(rng);
        *v += amplitude * z;
    }
}

/// The root mean square of all values in `parts` (taken together, in order), computed as
/// max|v| · RMS(v / max|v|) so that squaring cannot overflow; 0 for no values or all zeros.
pub(crate) fn rms(parts: &[&[f64]]) -> f64 {
    let largest = parts.iter().flat_map(|p| p.iter()).fold(0.0_f64, |a, v| a.max(v.abs()));
    if largest == 0.0 {
        return 0.0;
    }
    let count: usize = parts.iter().map(|p| p.len()).sum();
    let sum: f64 = parts.iter().flat_map(|p| p.iter()).map(|v| (v / largest) * (v / largest)).sum();
    largest * (sum / count as f64).sqrt()
}

#[cfg(test)]
mod progress_tests {
    use std::sync::Mutex;

    use super::*;
    use crate::{
        InteractionForce, PlanarInitial, PlanarModel, simulate_planar, simulate_planar_with_progress,
    };

    #[test]
    fn progress_counts_every_recorded_step_and_changes_nothing() {
        let model = ParticleModel::default()
            .with_interaction(InteractionForce::attraction_repulsion())
            .with_diffusion(Diffusion::Constant(0.3));
        let initial = InitialDistribution::paper_three_clusters();
        let config = SimulationConfig {
            particles: 300,
            experiments: 3,
            recorded_steps: 7,
            seed: 5,
            ..Default::default()
        };
        let seen = Mutex::new(Vec::new());
        let with = simulate_with_progress(&model, &initial, &config, &|done, total| {
            seen.lock().unwrap().push((done, total));
        })
        .unwrap();
        assert_eq!(with, simulate(&model, &initial, &config).unwrap());
        let mut seen = seen.into_inner().unwrap();
        seen.sort_unstable();
        let expected: Vec<(usize, usize)> = (0..=21).map(|d| (d, 21)).collect();
        assert_eq!(seen, expected);

        let planar = PlanarModel::keller_segel(0.2);
        let initial = PlanarInitial::paper_keller_segel();
        let config =
            SimulationConfig { particles: 200, experiments: 2, recorded_steps: 4, seed: 2, ..config };
        let calls = AtomicUsize::new(0);
        let with = simulate_planar_with_progress(&planar, &initial, &config, &|done, total| {
            assert!(done <= total && total == 8);
            calls.fetch_add(1, Ordering::Relaxed);
        })
        .unwrap();
        assert_eq!(with, simulate_planar(&planar, &initial, &config).unwrap());
        assert_eq!(calls.into_inner(), 9);
    }
}
