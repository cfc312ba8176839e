//! Euler–Maruyama simulation of overdamped interacting particle systems in one dimension,
//! producing the [`Trajectories`](wsindy_core::Trajectories) that the rest of **wsindy**
//! learns mean-field equations from.
//!
//! The model ([`ParticleModel`]) is
//!
//! ```text
//! dX_i = ( −(1/N) Σ_j ∇K(X_i − X_j) − ∇V(X_i) ) dt + σ(X_i) dB_i,   ∇K(0) := 0,
//! ```
//!
//! with the interaction force ∇K an [`InteractionForce`] (piecewise polynomial forces such as
//! the paper's ∇K = x − sign(x) are summed in O(N log N) per step, any other force by the exact
//! O(N²) pair sum), an optional external force ∇V and a [`Diffusion`] σ. Particles start i.i.d.
//! from an [`InitialDistribution`]; [`simulate`] runs M independent experiments in parallel,
//! records every `record_every` steps and optionally adds extrinsic observation noise
//! Y = X + ε ‖X_t‖_RMS ξ. Results are bit-identical for a given seed whatever the thread count,
//! and bad input or a blow-up is a [`SimError`], never a panic or NaN data.
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

mod error;
mod force;
mod initial;
mod model;
mod simulate;

pub use error::SimError;
pub use force::{ForceWorkspace, InteractionForce, MAX_POLY_DEGREE, ScalarFn, pair_forces_direct};
pub use initial::InitialDistribution;
pub use model::{Diffusion, ParticleModel};
pub use simulate::{SimulationConfig, simulate};
