//! The paper's experiments (Messenger & Bortz 2022, figures 1–10) as data-driven, resumable
//! runs: `cargo xtask reproduce-figures [--figure N ...] [--scale quick|default|paper]`.
//!
//! * [`spec`]: the experiment definitions, one TOML file per figure in `data/experiments/`;
//! * [`plan`]: a figure at a scale expanded into points, trials, shared simulations and seeds
//!   (splitmix64 of (figure, point, trial), so any row can be recomputed alone);
//! * [`run`]: one trial: simulate (once per group), take the point's experiments and particles,
//!   add extrinsic noise, identify, score;
//! * [`results`]: `results.csv`, appended one synced line per finished trial, read back on
//!   restart (an incomplete last line is cut), so a killed run resumes without redoing or
//!   losing finished trials;
//! * [`cost`]: the time model behind the estimates printed before a run;
//! * [`analytic`]: figure 1's operation counts;
//! * [`snapshots`]: figures 2, 4, 8;
//! * [`report`]: statistics over trials, the images (PNG and SVG through `wsindy-plot`) and
//!   `summary.md`.
//!
//! `docs/REPRODUCTION.md` describes the figures, the scales and the results.

pub mod analytic;
pub mod cost;
pub mod plan;
pub mod report;
pub mod results;
pub mod run;
pub mod snapshots;
pub mod spec;

pub use plan::{FigurePlan, simulation_seed, splitmix64, trial_seed};
pub use results::{ResultsFile, Row};
pub use spec::{ExperimentError, FigureDef, Scale};
