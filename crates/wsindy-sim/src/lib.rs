//! Euler–Maruyama simulation of overdamped interacting particle systems in one and two
//! dimensions, producing the [`Trajectories`](wsindy_core::Trajectories) that the rest of
//! **wsindy** learns mean-field equations from.
//!
//! The model is
//!
//! ```text
//! dX_i = ( −(1/N) Σ_j ∇K(X_i − X_j) − ∇V(X_i) ) dt + σ(X_i) dB_i,   ∇K(0) := 0.
//! ```
//!
//! **1D** ([`ParticleModel`], [`simulate()`]): the interaction force ∇K is an
//! [`InteractionForce`] (piecewise polynomial forces such as the paper's ∇K = x − sign(x) are
//! summed in O(N log N) per step, any other force by the exact O(N²) pair sum), with an optional
//! external force ∇V and a [`Diffusion`] σ; particles start i.i.d. from an
//! [`InitialDistribution`].
//!
//! **2D** ([`PlanarModel`], [`simulate_planar`]): the interaction is radial,
//! ∇K(x) = h(|x|) x/|x|, a [`RadialForce`] built from [`RadialProfile`]s (powers |x|^m, the
//! cutoff families |x|^{1/2}, |x|(log|x| − 1) and log|x|, or any h), summed exactly over all
//! pairs by a vectorised, tiled O(N²) kernel using ∇K(−x) = −∇K(x); ∇V is a vector field and
//! σ a [`PlanarDiffusion`] (none, isotropic, or a 2 × 2 matrix field); particles start i.i.d.
//! from a [`PlanarInitial`]. [`PlanarModel::local2d`] and [`PlanarModel::keller_segel`] are the
//! paper's two 2D examples.
//!
//! Both simulators run M independent experiments in parallel (the 2D one also parallelises
//! within an experiment), record every `record_every` steps and optionally add extrinsic
//! observation noise Y = X + ε ‖X_t‖_RMS ξ. Results are bit-identical for a given seed whatever
//! the thread count, and bad input or a blow-up is a [`SimError`], never a panic or NaN data.
//! [`simulate_with_progress`] and [`simulate_planar_with_progress`] also report the recorded
//! steps done to a callback (for a progress bar) without changing the result.
//!
//! ```
//! use wsindy_sim::{simulate, Diffusion, InitialDistribution, InteractionForce, ParticleModel, SimulationConfig};
//!
//! // K = ½x² − |x|, σ = √0.2, three Gaussian clusters (the paper's nonlocal 1D example).
//! let model = ParticleModel::default()
//!     .with_interaction(InteractionForce::attraction_repulsion())
//!     .with_diffusion(Diffusion::Constant(0.2_f64.sqrt()));
//! let config = SimulationConfig { particles: 200, recorded_steps: 20, seed: 7, ..Default::default() };
//! let data = simulate(&model, &InitialDistribution::paper_three_clusters(), &config).unwrap();
//! assert_eq!((data.experiments(), data.time_points(), data.particles(), data.dim()), (1, 21, 200, 1));
//! assert!((data.dt() - 0.01).abs() < 1e-12);
//!
//! // Invalid input is an error, not a panic.
//! let bad = SimulationConfig { step: -1.0, ..config };
//! assert!(simulate(&model, &InitialDistribution::paper_three_clusters(), &bad).is_err());
//! ```
//!
//! In 2D, the paper's Keller–Segel example (K = (1/2π) log|x| with cutoff δ = 0.01, critical
//! σ = 1/√(4π), uniform initial disk of radius 2), a few steps with 300 particles:
//!
//! ```
//! use wsindy_sim::{
//!     simulate_planar, PlanarInitial, PlanarModel, RadialForce, SimulationConfig,
//!     KELLER_SEGEL_CRITICAL_SIGMA,
//! };
//!
//! let model = PlanarModel::keller_segel(KELLER_SEGEL_CRITICAL_SIGMA);
//! let config = SimulationConfig {
//!     particles: 300,
//!     step: 0.0025,
//!     record_every: 40,
//!     recorded_steps: 3,
//!     seed: 1,
//!     ..Default::default()
//! };
//! let data = simulate_planar(&model, &PlanarInitial::paper_keller_segel(), &config).unwrap();
//! // M × L × N × 2, coordinate fastest
//! assert_eq!((data.experiments(), data.time_points(), data.particles(), data.dim()), (1, 4, 300, 2));
//! assert!((data.dt() - 0.1).abs() < 1e-12);
//! let first = &data.snapshot(0, 0)[..2];
//! assert!(first[0].hypot(first[1]) <= 2.0 + 1e-12);
//!
//! // A cutoff δ ≤ 0 is an error naming the bad value.
//! let bad = PlanarModel::default().with_interaction(RadialForce::keller_segel(0.0));
//! assert!(simulate_planar(&bad, &PlanarInitial::paper_keller_segel(), &config).is_err());
//! ```

mod divergence;
mod error;
mod force;
mod initial;
mod model;
mod planar;
mod simulate;

pub use divergence::DivergenceGuard;
pub use error::SimError;
pub use force::{ForceWorkspace, InteractionForce, MAX_POLY_DEGREE, ScalarFn, pair_forces_direct};
pub use initial::InitialDistribution;
pub use model::{Diffusion, ParticleModel};
pub use planar::force::{KELLER_SEGEL_DELTA, PlanarForceWorkspace, RadialForce, RadialProfile, RadialTerm};
pub use planar::initial::PlanarInitial;
pub use planar::model::{KELLER_SEGEL_CRITICAL_SIGMA, MatrixFn, PlanarDiffusion, PlanarModel, VectorFn};
pub use planar::simulate::{RNG_BLOCK, simulate_planar, simulate_planar_with_progress};
pub use simulate::{Progress, SimulationConfig, add_extrinsic_noise, simulate, simulate_with_progress};
