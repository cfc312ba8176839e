//! The random streams: every random number of a simulation comes from a seeded Pcg64 stream
//! derived from (seed, experiment, particle block, stream kind) alone.

use rand::SeedableRng;
use rand_pcg::Pcg64;

/// Particles per random stream: experiment m's particles are cut into blocks of this many
/// (independent of the thread count), each drawing from its own generators derived from
/// (seed, m, block, stream kind), so blocks can be advanced in parallel with reproducible
/// results.
pub const RNG_BLOCK: usize = 1024;

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
    /// Brownian increments.
    Dynamics = 0,
    /// Extrinsic observation noise.
    Observation = 1,
    /// Initial positions.
    Initial = 2,
}

/// The 64-bit seed of `stream` in experiment `experiment`, derived from the seed only.
fn stream_seed(seed: u64, experiment: usize, stream: Stream) -> u64 {
    let h = splitmix64(seed);
    let h = splitmix64(h ^ (experiment as u64).wrapping_mul(0xD1B5_4A32_D192_ED03));
    splitmix64(h ^ (stream as u64).wrapping_mul(0xA24B_AED4_963E_E407))
}

/// The generator of `stream` for particle block `block` of experiment `experiment`: an
/// independent stream per (seed, experiment, block, stream kind), so that blocks of particles
/// can draw their random numbers in parallel and the result does not depend on the thread count.
pub(crate) fn block_rng(seed: u64, experiment: usize, block: usize, stream: Stream) -> Pcg64 {
    let h = stream_seed(seed, experiment, stream);
    let h = splitmix64(h ^ (block as u64).wrapping_add(1).wrapping_mul(0x9FB2_1C65_1E98_DF25));
    Pcg64::seed_from_u64(h)
}
