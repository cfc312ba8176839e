//! The Euler–Maruyama driver, one for every dimension.

use nalgebra::SVector;
use rand_distr::{Distribution, StandardNormal};
use rand_pcg::Pcg64;
use rayon::prelude::*;
use wsindy_core::Trajectories;

use crate::DivergenceGuard;
use crate::config::ProgressCounter;
use crate::force::{ForceWorkspace, check_dimension, first_non_finite};
use crate::rng::{RNG_BLOCK, Stream, block_rng};
use crate::{Diffusion, InitialLaw, Model, Progress, SimError, SimulationConfig};

/// Simulates `config.experiments` independent runs of `model` in ℝᴰ by Euler–Maruyama, from
/// particles drawn i.i.d. from `initial`, and returns the recorded positions (M × L × N × D,
/// coordinate fastest) with optional extrinsic noise Y = X + ε ‖X_t‖_RMS ξ (RMS over all
/// coordinates of the snapshot, ξ i.i.d. N(0, 1) per coordinate).
///
/// Experiments run in parallel, and within an experiment the interaction (by tiles of pairs,
/// except on the 1D O(N log N) path) and the particle updates (by blocks of [`RNG_BLOCK`]
/// particles) run in parallel too. All random numbers come from Pcg64 streams derived from
/// (`seed`, experiment, particle block, stream kind) and every sum has a fixed order, so the
/// result is bit-identical whatever the number of threads.
///
/// # Errors
/// Invalid model, initial law or configuration ([`SimError::TooSmall`],
/// [`SimError::InvalidParameter`], [`SimError::InvalidEntry`], [`SimError::InvalidKernel`],
/// [`SimError::UnsupportedDimension`] for D outside 1, 2, 3);
/// [`SimError::TooLarge`] when the output does not fit in memory;
/// [`SimError::NonFinitePosition`] when an initial draw overflows; [`SimError::BlowUp`] naming
/// the experiment, step and particle when a position becomes NaN or infinite (the first such
/// experiment in index order, the first particle in index order).
pub fn simulate<const D: usize>(
    model: &Model<D>,
    initial: &InitialLaw<D>,
    config: &SimulationConfig,
) -> Result<Trajectories, SimError> {
    simulate_with_progress(model, initial, config, &|_, _| {})
}

/// [`simulate()`] reporting its progress to `progress` after every recorded step of every
/// experiment (see [`Progress`]). The callback only observes: the result is the same as that of
/// [`simulate()`], bit for bit.
///
/// # Errors
/// As [`simulate()`].
pub fn simulate_with_progress<const D: usize>(
    model: &Model<D>,
    initial: &InitialLaw<D>,
    config: &SimulationConfig,
    progress: Progress<'_>,
) -> Result<Trajectories, SimError> {
    check_dimension::<D>()?;
    config.validate()?;
    model.validate()?;
    initial.validate()?;
    let counter = ProgressCounter::new(config, progress);
    record_experiments(config, D, |m, out| run_experiment(model, initial, config, m, out, &counter))
}

/// Allocates the M × L × N × `dim` recorded positions of `config` and fills experiment m's block
/// with `run(m, block)`, experiments in parallel; the first error in experiment order wins.
fn record_experiments(
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

/// Runs experiment `m`, writing its L × N × D recorded positions to `out`.
fn run_experiment<const D: usize>(
    model: &Model<D>,
    initial: &InitialLaw<D>,
    config: &SimulationConfig,
    m: usize,
    out: &mut [f64],
    counter: &ProgressCounter<'_>,
) -> Result<(), SimError> {
    let n = config.particles;
    let blocks = n.div_ceil(RNG_BLOCK);
    let streams = |stream| (0..blocks).map(|b| block_rng(config.seed, m, b, stream)).collect::<Vec<_>>();
    let mut x = vec![SVector::<f64, D>::zeros(); n];
    x.par_chunks_mut(RNG_BLOCK).enumerate().for_each(|(b, x)| {
        initial.sample_into(&mut block_rng(config.seed, m, b, Stream::Initial), x);
    });
    if let Some((index, value)) = first_non_finite(&x) {
        return Err(SimError::NonFinitePosition { index, value });
    }
    let mut dynamics = streams(Stream::Dynamics);
    let mut observation = if config.noise_ratio > 0.0 { streams(Stream::Observation) } else { Vec::new() };
    let interacting = !model.interaction.is_zero();
    let mut workspace = ForceWorkspace::for_interaction(&model.interaction, if interacting { n } else { 0 });

    let h = config.step;
    let sqrt_h = h.sqrt();
    let (first, rest) = out.split_at_mut(D * n);
    record(&x, config.noise_ratio, &mut observation, first);
    let mut step = 0;
    for snapshot in rest.chunks_exact_mut(D * n) {
        for _ in 0..config.record_every {
            step += 1;
            if interacting {
                workspace.load(&x);
                workspace.evaluate(&model.interaction);
            }
            let forces = interacting.then_some(&workspace.forces);
            advance(model, &mut x, forces, h, sqrt_h, &mut dynamics);
            // The one per-step check of the new positions: the run stops at the first
            // non-finite coordinate.
            if let Some((particle, value)) = first_blow_up(&x) {
                return Err(SimError::BlowUp { experiment: m, step, time: step as f64 * h, particle, value });
            }
        }
        record(&x, config.noise_ratio, &mut observation, snapshot);
        counter.tick();
    }
    // finite but runaway positions (10²⁶⁵ passes the per-step check) are not data either
    DivergenceGuard { dim: D, particles: n, record_every: config.record_every, step: h }.check(m, out)
}

/// The first particle (in index order) with a non-finite coordinate, searched in parallel over
/// particle blocks.
fn first_blow_up<const D: usize>(x: &[SVector<f64, D>]) -> Option<(usize, f64)> {
    x.par_chunks(RNG_BLOCK)
        .enumerate()
        .filter_map(|(b, x)| first_non_finite(x).map(|(i, v)| (b * RNG_BLOCK + i, v)))
        .min_by_key(|&(i, _)| i)
}

/// One Euler–Maruyama step X ← X + (−F − ∇V(X)) h + σ(X) √h ξ for every particle, in parallel
/// over particle blocks (block b draws ξ from `streams[b]`); F = 0 without `forces`.
fn advance<const D: usize>(
    model: &Model<D>,
    x: &mut [SVector<f64, D>],
    forces: Option<&[Vec<f64>; D]>,
    h: f64,
    sqrt_h: f64,
    streams: &mut [Pcg64],
) {
    x.par_chunks_mut(RNG_BLOCK).zip(streams.par_iter_mut()).enumerate().for_each(|(b, (x, rng))| {
        let range = b * RNG_BLOCK..b * RNG_BLOCK + x.len();
        let forces = forces.map(|f| f.each_ref().map(|c| &c[range.clone()]));
        advance_block(model, x, forces, h, sqrt_h, rng);
    });
}

/// Advances one block of particles (see [`advance`]), dispatching once on the diffusion.
fn advance_block<const D: usize>(
    model: &Model<D>,
    x: &mut [SVector<f64, D>],
    forces: Option<[&[f64]; D]>,
    h: f64,
    sqrt_h: f64,
    rng: &mut Pcg64,
) {
    let external = model.external_force.as_deref();
    let mut normal = || -> f64 { StandardNormal.sample(rng) };
    match &model.diffusion {
        Diffusion::None => update(x, forces, external, h, |_| SVector::zeros()),
        &Diffusion::Isotropic(sigma) => {
            let s = sigma * sqrt_h;
            update(x, forces, external, h, |_| SVector::from_fn(|_, _| s * normal()))
        }
        Diffusion::Field(sigma) => update(x, forces, external, h, |p| {
            let z = SVector::from_fn(|_, _| sqrt_h * normal());
            sigma(p) * z
        }),
    }
}

/// The closure behind an external force.
type ExternalFn<const D: usize> = dyn Fn(&SVector<f64, D>) -> SVector<f64, D> + Send + Sync;

/// X ← X + (−F − ∇V(X)) h + noise(X) for every particle of a block, the drift evaluated at the
/// old position and the noise drawn in particle order.
#[inline(always)]
fn update<const D: usize>(
    x: &mut [SVector<f64, D>],
    forces: Option<[&[f64]; D]>,
    external: Option<&ExternalFn<D>>,
    h: f64,
    mut noise: impl FnMut(&SVector<f64, D>) -> SVector<f64, D>,
) {
    for (i, xi) in x.iter_mut().enumerate() {
        let p = *xi;
        let mut drift = match forces {
            Some(f) => SVector::from_fn(|c, _| -f[c][i]),
            None => SVector::zeros(),
        };
        if let Some(grad_v) = external {
            drift -= grad_v(&p);
        }
        let dw = noise(&p);
        *xi = p + drift * h + dw;
    }
}

/// Writes the observation of `x` to `out` (coordinate fastest): the positions, or
/// Y = X + ε ‖X‖_RMS ξ with extrinsic noise (block b draws ξ from `streams[b]`, coordinates in
/// order per particle).
fn record<const D: usize>(x: &[SVector<f64, D>], noise_ratio: f64, streams: &mut [Pcg64], out: &mut [f64]) {
    let blocks = out.par_chunks_mut(D * RNG_BLOCK).zip(x.par_chunks(RNG_BLOCK));
    if noise_ratio == 0.0 {
        blocks.for_each(|(out, x)| {
            for (o, p) in out.chunks_exact_mut(D).zip(x) {
                o.copy_from_slice(p.as_slice());
            }
        });
    } else {
        let amplitude = noise_ratio * rms(x.iter().flat_map(|p| p.iter().copied()));
        blocks.zip(streams.par_iter_mut()).for_each(|((out, x), rng)| {
            for (o, p) in out.chunks_exact_mut(D).zip(x) {
                for (o, v) in o.iter_mut().zip(p.iter()) {
                    let z: f64 = StandardNormal.sample(rng);
                    *o = v + amplitude * z;
                }
            }
        });
    }
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
    let amplitude = noise_ratio * rms(snapshot.iter().copied());
    for v in snapshot.iter_mut() {
        let z: f64 = StandardNormal.sample(rng);
        *v += amplitude * z;
    }
}

/// The root mean square of `values`, computed as max|v| · RMS(v / max|v|) so that squaring
/// cannot overflow; 0 for no values or all zeros.
fn rms(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let largest = values.clone().fold(0.0_f64, |a, v| a.max(v.abs()));
    if largest == 0.0 {
        return 0.0;
    }
    let (count, sum) = values.fold((0usize, 0.0), |(n, s), v| (n + 1, s + (v / largest) * (v / largest)));
    largest * (sum / count as f64).sqrt()
}

#[cfg(test)]
mod progress_tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::Interaction;

    #[test]
    fn progress_counts_every_recorded_step_and_changes_nothing() {
        let model = Model::<1>::default()
            .with_interaction(Interaction::attraction_repulsion())
            .with_diffusion(Diffusion::Isotropic(0.3));
        let initial = InitialLaw::paper_three_clusters();
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

        let planar = Model::keller_segel(0.2);
        let initial = InitialLaw::paper_keller_segel();
        let config =
            SimulationConfig { particles: 200, experiments: 2, recorded_steps: 4, seed: 2, ..config };
        let calls = AtomicUsize::new(0);
        let with = simulate_with_progress(&planar, &initial, &config, &|done, total| {
            assert!(done <= total && total == 8);
            calls.fetch_add(1, Ordering::Relaxed);
        })
        .unwrap();
        assert_eq!(with, simulate(&planar, &initial, &config).unwrap());
        assert_eq!(calls.into_inner(), 9);
    }
}
