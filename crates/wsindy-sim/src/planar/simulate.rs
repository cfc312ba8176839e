//! The planar Euler–Maruyama driver.

use rand_distr::{Distribution, StandardNormal};
use rand_pcg::Pcg64;
use rayon::prelude::*;
use wsindy_core::Trajectories;

use super::force::PlanarForceWorkspace;
use super::initial::PlanarInitial;
use super::model::{PlanarDiffusion, PlanarModel};
use crate::simulate::{ProgressCounter, Stream, block_rng, record_experiments, rms};
use crate::{Progress, SimError, SimulationConfig};

/// Particles per random stream: experiment m's particles are cut into blocks of this many
/// (independent of the thread count), each drawing from its own generators derived from
/// (seed, m, block, stream kind), so blocks can be advanced in parallel with reproducible
/// results.
pub const RNG_BLOCK: usize = 1024;

/// Simulates `config.experiments` independent runs of the planar `model` by Euler–Maruyama,
/// from particles drawn i.i.d. from `initial`, and returns the recorded positions
/// (M × L × N × 2, coordinate fastest) with optional extrinsic noise
/// Y = X + ε ‖X_t‖_RMS ξ (RMS over all coordinates of the snapshot, ξ i.i.d. N(0, 1) per
/// coordinate).
///
/// Experiments run in parallel, and within an experiment the pair forces (by tiles) and the
/// particle updates (by blocks of [`RNG_BLOCK`] particles) run in parallel too. All random
/// numbers come from Pcg64 streams derived from (`seed`, experiment, particle block, stream
/// kind) and every sum has a fixed order, so the result is bit-identical whatever the number of
/// threads.
///
/// # Errors
/// Invalid model, initial law or configuration ([`SimError::TooSmall`],
/// [`SimError::InvalidParameter`], [`SimError::InvalidEntry`]); [`SimError::TooLarge`] when
/// the output does not fit in memory; [`SimError::NonFinitePosition`] when an initial draw
/// overflows; [`SimError::BlowUp`] naming the experiment, step and particle when a position
/// becomes NaN or infinite (the first such experiment in index order, the first particle in
/// index order).
pub fn simulate_planar(
    model: &PlanarModel,
    initial: &PlanarInitial,
    config: &SimulationConfig,
) -> Result<Trajectories, SimError> {
    simulate_planar_with_progress(model, initial, config, &|_, _| {})
}

/// [`simulate_planar`] reporting its progress to `progress` after every recorded step of every
/// experiment (see [`Progress`]). The callback only observes: the result is the same as that
/// of [`simulate_planar`], bit for bit.
///
/// # Errors
/// As [`simulate_planar`].
pub fn simulate_planar_with_progress(
    model: &PlanarModel,
    initial: &PlanarInitial,
    config: &SimulationConfig,
    progress: Progress<'_>,
) -> Result<Trajectories, SimError> {
    config.validate()?;
    model.validate()?;
    initial.validate()?;
    let counter = ProgressCounter::new(config, progress);
    record_experiments(config, 2, |m, out| run_experiment(model, initial, config, m, out, &counter))
}

/// The state of one experiment: positions (structure of arrays), forces, random streams.
struct State {
    x: Vec<f64>,
    y: Vec<f64>,
    force_x: Vec<f64>,
    force_y: Vec<f64>,
    /// Brownian streams, one per particle block.
    dynamics: Vec<Pcg64>,
    /// Observation-noise streams, one per particle block.
    observation: Vec<Pcg64>,
    workspace: PlanarForceWorkspace,
}

/// Runs experiment `m`, writing its L × N × 2 recorded positions to `out`.
fn run_experiment(
    model: &PlanarModel,
    initial: &PlanarInitial,
    config: &SimulationConfig,
    m: usize,
    out: &mut [f64],
    counter: &ProgressCounter<'_>,
) -> Result<(), SimError> {
    let n = config.particles;
    let blocks = n.div_ceil(RNG_BLOCK);
    let streams = |stream| (0..blocks).map(|b| block_rng(config.seed, m, b, stream)).collect::<Vec<_>>();
    let forces = if model.interaction.is_some() { n } else { 0 };
    let mut state = State {
        x: vec![0.0; n],
        y: vec![0.0; n],
        force_x: vec![0.0; forces],
        force_y: vec![0.0; forces],
        dynamics: streams(Stream::Dynamics),
        observation: if config.noise_ratio > 0.0 { streams(Stream::Observation) } else { Vec::new() },
        workspace: PlanarForceWorkspace::new(),
    };
    state.x.par_chunks_mut(RNG_BLOCK).zip(state.y.par_chunks_mut(RNG_BLOCK)).enumerate().for_each(
        |(b, (x, y))| {
            let mut rng = block_rng(config.seed, m, b, Stream::Initial);
            initial.sample_into(&mut rng, x, y);
        },
    );
    if let Some((index, value)) = first_non_finite(&state.x, &state.y) {
        return Err(SimError::NonFinitePosition { index, value });
    }

    let h = config.step;
    let sqrt_h = h.sqrt();
    let (first, rest) = out.split_at_mut(2 * n);
    record(&state.x, &state.y, config.noise_ratio, &mut state.observation, first);
    let mut step = 0;
    for snapshot in rest.chunks_exact_mut(2 * n) {
        for _ in 0..config.record_every {
            step += 1;
            if let Some(interaction) = &model.interaction {
                interaction.mean_field_unchecked(
                    &state.x,
                    &state.y,
                    &mut state.workspace,
                    &mut state.force_x,
                    &mut state.force_y,
                );
            }
            if let Some((particle, value)) = advance(model, &mut state, h, sqrt_h) {
                return Err(SimError::BlowUp { experiment: m, step, time: step as f64 * h, particle, value });
            }
        }
        record(&state.x, &state.y, config.noise_ratio, &mut state.observation, snapshot);
        counter.tick();
    }
    crate::DivergenceGuard { dim: 2, particles: n, record_every: config.record_every, step: h }.check(m, out)
}

/// The first particle (in index order) with a non-finite coordinate, and that coordinate.
fn first_non_finite(x: &[f64], y: &[f64]) -> Option<(usize, f64)> {
    x.iter().zip(y).enumerate().find_map(|(i, (&xi, &yi))| {
        if !xi.is_finite() {
            Some((i, xi))
        } else if !yi.is_finite() {
            Some((i, yi))
        } else {
            None
        }
    })
}

/// One Euler–Maruyama step X ← X + (−F − ∇V(X)) h + σ(X) √h ξ for every particle, in parallel
/// over particle blocks; returns the first particle whose new position is not finite.
fn advance(model: &PlanarModel, state: &mut State, h: f64, sqrt_h: f64) -> Option<(usize, f64)> {
    let State { x, y, force_x, force_y, dynamics, .. } = state;
    let (force_x, force_y) = (&*force_x, &*force_y);
    x.par_chunks_mut(RNG_BLOCK)
        .zip(y.par_chunks_mut(RNG_BLOCK))
        .zip(dynamics.par_iter_mut())
        .enumerate()
        .filter_map(|(b, ((x, y), rng))| {
            let start = b * RNG_BLOCK;
            let forces = (!force_x.is_empty())
                .then(|| (&force_x[start..start + x.len()], &force_y[start..start + x.len()]));
            advance_block(model, x, y, forces, h, sqrt_h, rng);
            first_non_finite(x, y).map(|(i, v)| (start + i, v))
        })
        .min_by_key(|&(i, _)| i)
}

/// Advances one block of particles (see [`advance`]).
fn advance_block(
    model: &PlanarModel,
    x: &mut [f64],
    y: &mut [f64],
    forces: Option<(&[f64], &[f64])>,
    h: f64,
    sqrt_h: f64,
    rng: &mut Pcg64,
) {
    // drift · h first: −F h − ∇V(X) h, evaluated at the old position
    let external = model.external_force.as_deref();
    let mut normal = || -> f64 { StandardNormal.sample(rng) };
    match &model.diffusion {
        PlanarDiffusion::None => update(x, y, forces, external, h, |_| [0.0, 0.0]),
        &PlanarDiffusion::Isotropic(sigma) => {
            let s = sigma * sqrt_h;
            update(x, y, forces, external, h, |_| [s * normal(), s * normal()])
        }
        PlanarDiffusion::Field(sigma) => update(x, y, forces, external, h, |p| {
            let m = sigma(p);
            let (z1, z2) = (sqrt_h * normal(), sqrt_h * normal());
            [m[0][0] * z1 + m[0][1] * z2, m[1][0] * z1 + m[1][1] * z2]
        }),
    }
}

/// X ← X + (−F − ∇V(X)) h + noise(X) for every particle of a block, noise drawn in particle
/// order.
#[inline(always)]
fn update(
    x: &mut [f64],
    y: &mut [f64],
    forces: Option<(&[f64], &[f64])>,
    external: Option<&(dyn Fn([f64; 2]) -> [f64; 2] + Send + Sync)>,
    h: f64,
    mut noise: impl FnMut([f64; 2]) -> [f64; 2],
) {
    for i in 0..x.len() {
        let p = [x[i], y[i]];
        let mut drift = match forces {
            Some((fx, fy)) => [-fx[i], -fy[i]],
            None => [0.0, 0.0],
        };
        if let Some(grad_v) = external {
            let g = grad_v(p);
            drift = [drift[0] - g[0], drift[1] - g[1]];
        }
        let dw = noise(p);
        x[i] = p[0] + drift[0] * h + dw[0];
        y[i] = p[1] + drift[1] * h + dw[1];
    }
}

/// Writes the observation of (x, y) to `out` (interleaved, coordinate fastest): the positions,
/// or Y = X + ε ‖X‖_RMS ξ with extrinsic noise (block b draws ξ from `streams[b]`, x then y per
/// particle).
fn record(x: &[f64], y: &[f64], noise_ratio: f64, streams: &mut [Pcg64], out: &mut [f64]) {
    let amplitude = if noise_ratio == 0.0 { 0.0 } else { noise_ratio * rms(&[x, y]) };
    let blocks = out.par_chunks_mut(2 * RNG_BLOCK).zip(x.par_chunks(RNG_BLOCK)).zip(y.par_chunks(RNG_BLOCK));
    if noise_ratio == 0.0 {
        blocks.for_each(|((out, x), y)| {
            for ((o, &xi), &yi) in out.chunks_exact_mut(2).zip(x).zip(y) {
                o[0] = xi;
                o[1] = yi;
            }
        });
    } else {
        blocks.zip(streams.par_iter_mut()).for_each(|(((out, x), y), rng)| {
            for ((o, &xi), &yi) in out.chunks_exact_mut(2).zip(x).zip(y) {
                let (z1, z2): (f64, f64) = (StandardNormal.sample(rng), StandardNormal.sample(rng));
                o[0] = xi + amplitude * z1;
                o[1] = yi + amplitude * z2;
            }
        });
    }
}
