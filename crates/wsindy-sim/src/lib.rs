//! Euler–Maruyama simulation of overdamped interacting particle systems in ℝᵈ for d = 1, 2, 3,
//! producing the [`Trajectories`](wsindy_core::Trajectories) that the rest of **wsindy** learns
//! mean-field equations from.
//!
//! The model is
//!
//! ```text
//! dX_i = ( −(1/N) Σ_j ∇K(X_i − X_j) − ∇V(X_i) ) dt + σ(X_i) dB_i,   ∇K(0) := 0,
//! ```
//!
//! written once for every dimension: a [`Model<D>`](Model) holds the [`Interaction`] ∇K (a sum
//! of coefficient × [`RadialKernel`](wsindy_core::RadialKernel) terms, plus optional closures for
//! a radial profile h(r) or an arbitrary odd pair force), the external force ∇V (a closure on
//! [`SVector`]s) and the [`Diffusion`] σ (none, isotropic, or a d × d matrix field); particles
//! start i.i.d. from an [`InitialLaw`] (Gaussian mixture, uniform box, uniform ball) and
//! [`simulate()`] runs M independent experiments.
//!
//! The interaction is summed exactly: in 1D with integer powers |x|^m only (such as the paper's
//! K = ½x² − |x|) by sorting and prefix sums in O(N log N), otherwise by a vectorised, tiled
//! O(N²) pair sum using ∇K(−x) = −∇K(x). Experiments, pair tiles and blocks of [`RNG_BLOCK`]
//! particles run in parallel; every random number comes from a Pcg64 stream seeded by (seed,
//! experiment, block, kind) and every sum has a fixed order, so results are bit-identical for a
//! given seed whatever the thread count. Bad input or a blow-up is a [`SimError`], never a panic
//! or NaN data. [`simulate_with_progress`] also reports the recorded steps done to a callback
//! (for a progress bar) without changing the result; extrinsic observation noise
//! Y = X + ε ‖X_t‖_RMS ξ is a [`SimulationConfig`] field.
//!
//! In 1D, the paper's nonlocal example (K = ½x² − |x|, σ = √0.2, three Gaussian clusters):
//!
//! ```
//! use wsindy_sim::{Diffusion, InitialLaw, Interaction, Model, SimulationConfig, simulate};
//!
//! let model = Model::<1>::default()
//!     .with_interaction(Interaction::attraction_repulsion())
//!     .with_diffusion(Diffusion::Isotropic(0.2_f64.sqrt()));
//! let config = SimulationConfig { particles: 200, recorded_steps: 20, seed: 7, ..Default::default() };
//! let data = simulate(&model, &InitialLaw::paper_three_clusters(), &config).unwrap();
//! assert_eq!((data.experiments(), data.time_points(), data.particles(), data.dim()), (1, 21, 200, 1));
//! assert!((data.dt() - 0.01).abs() < 1e-12);
//!
//! // Invalid input is an error naming the value, not a panic.
//! let bad = SimulationConfig { step: -1.0, ..config };
//! assert!(simulate(&model, &InitialLaw::paper_three_clusters(), &bad).is_err());
//! ```
//!
//! In 3D, K = ½|x|² − |x| in the anisotropic trap V = ½(x₁² + 2x₂² + 4x₃²) with σ = 0.5, from
//! a Gaussian; a cutoff kernel with δ ≤ 0 is an error:
//!
//! ```
//! use wsindy_core::RadialKernel;
//! use wsindy_sim::{InitialLaw, Interaction, Model, SVector, SimError, SimulationConfig, simulate};
//!
//! let model = Model::<3>::trapped_attraction_repulsion(SVector::from([1.0, 2.0, 4.0]), 0.5);
//! let initial = InitialLaw::isotropic_gaussian(SVector::zeros(), 1.0);
//! let config = SimulationConfig { particles: 300, recorded_steps: 3, seed: 1, ..Default::default() };
//! let data = simulate(&model, &initial, &config).unwrap();
//! // M × L × N × 3, coordinate fastest
//! assert_eq!((data.time_points(), data.particles(), data.dim()), (4, 300, 3));
//!
//! let bad = model.with_interaction(Interaction::new().plus(1.0, RadialKernel::Log { delta: 0.0 }));
//! assert!(matches!(simulate(&bad, &initial, &config), Err(SimError::InvalidKernel { index: 0, .. })));
//! ```

mod config;
mod divergence;
mod error;
mod force;
mod initial;
mod model;
mod pairs;
mod polysign;
mod rng;
mod simulate;
mod system;

pub use config::{Progress, SimulationConfig};
pub use divergence::DivergenceGuard;
pub use error::SimError;
pub use force::{ForceWorkspace, pair_forces_direct};
pub use initial::InitialLaw;
pub use model::{
    Diffusion, Interaction, KELLER_SEGEL_CRITICAL_SIGMA, KELLER_SEGEL_DELTA, MatrixFn, Model, PairFn,
    ScalarFn, VectorFn,
};
pub use nalgebra::{SMatrix, SVector};
pub use polysign::{MAX_POLY_DEGREE, PolySign, PolySignWorkspace};
pub use rng::RNG_BLOCK;
pub use simulate::{add_extrinsic_noise, simulate, simulate_with_progress};
pub use system::System;
