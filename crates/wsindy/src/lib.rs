//! **wsindy** learns the mean-field equation of an interacting particle system from particle
//! trajectories, by WSINDy for particle systems (Messenger & Bortz, Physica D 2022).
//!
//! Given positions of N particles in M experiments at L equally spaced times, it identifies
//!
//! ∂tμ = ∇·((∇K*μ + ∇V)μ) + Σ_pq ∂p∂q(½(σσᵀ)_pq μ)
//!
//! by choosing the interaction potential K, the external potential V and the diffusion ½σσᵀ
//! sparsely from a library of trial terms. This crate re-exports the pipeline's crates and runs
//! them in order: [`density`] → [`testfn`] → [`weak`] → [`regress`].
//!
//! ```
//! use wsindy::{identify, IdentifyConfig, Library, Trajectories};
//! // particles relaxing towards the origin with force ∇V = x (no interaction, no noise):
//! // x(t) = x0 e^{-t}
//! let (n, l, dt) = (2000, 61, 0.01);
//! let x0: Vec<f64> = (0..n).map(|i| 2.0 * ((i as f64 + 0.5) / n as f64) - 1.0).collect();
//! let mut positions = Vec::new();
//! for k in 0..l {
//!     positions.extend(x0.iter().map(|x| x * (-(k as f64) * dt).exp()));
//! }
//! let times = (0..l).map(|k| k as f64 * dt).collect();
//! let data = Trajectories::new(1, l, n, 1, positions, times).unwrap();
//! let mut library = Library::new();
//! library.push(wsindy::library::Term::drift_monomial(1));
//! library.push(wsindy::library::Term::drift_monomial(3));
//! library.push(wsindy::library::Term::diffusion_monomial(0));
//! let mut config = IdentifyConfig::default();
//! config.grid.cells = vec![128];
//! let model = identify(&data, &library, &config).unwrap();
//! let w = model.coefficient(wsindy::TermKind::Drift, "x^1").unwrap();
//! assert!((w - 1.0).abs() < 0.05, "{w}");
//! ```

mod library_spec;
mod model;
mod pipeline;
mod presets;
mod score;
#[cfg(feature = "io")]
mod streamed;

pub use library_spec::LibrarySpec;
pub use model::{
    IdentifiedModel, IdentifiedTerm, PARTICLES_PER_TERM, TestFunctionReport, Timings, json_float,
};
pub use pipeline::{
    EDGE_DENSITY_WARNING, IdentifyConfig, OUTSIDE_WARNING, RegressionConfig, RegressorChoice, WsindyError,
    identify, identify_density, identify_observed, layout_warnings, memory_estimate,
};
pub use presets::Preset;
#[cfg(feature = "io")]
pub use streamed::identify_streamed;

/// Version of the JSON that `identify --out` and `demo --out` write: raised when a key changes
/// meaning or disappears (new keys do not raise it).
pub const JSON_SCHEMA_VERSION: u32 = 1;
pub use score::{Scores, TrueModel, TrueTerm, UnknownTrueTerm, score};

pub use wsindy_core as core;
pub use wsindy_core::{DensitySeries, Grid, Normalisation, Observations, TermKind, Trajectories, TrialTerm};
pub use wsindy_density as density;
pub use wsindy_library as library;
pub use wsindy_library::Library;
pub use wsindy_regress as regress;
pub use wsindy_testfn as testfn;
pub use wsindy_weak as weak;

/// The file readers and writers (.npz, .npy, CSV), with the `io` feature.
#[cfg(feature = "io")]
pub use wsindy_io as io;
