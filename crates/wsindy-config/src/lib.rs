//! The TOML configurations of **wsindy**: identification configs laid key by key over a
//! preset's discretisation, true models to score against, and simulation configs (one of the
//! examples with its options, or an explicit model in the term vocabulary). Every value is
//! checked where it is read, and errors name the file, the key and what was expected.
//!
//! ```
//! use wsindy_config::{parse_identify_config, simulation::parse_simulation};
//!
//! let base = wsindy::Preset::Nonlocal1d.config();
//! let config = parse_identify_config("[regression]\nlambda_count = 50\n", &base, "my.toml").unwrap();
//! assert_eq!(config.regression.lambda_count, 50);
//!
//! let plan = parse_simulation("preset = \"nonlocal1d\"\nparticles = 300\n", "sim.toml").unwrap();
//! assert_eq!((plan.dim(), plan.config.particles), (1, 300));
//! ```

mod identify;
pub mod simulation;

pub use identify::*;
