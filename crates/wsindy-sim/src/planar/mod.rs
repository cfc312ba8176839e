//! The planar (2D) simulator: radial interaction forces, planar models and initial laws, and
//! the Euler–Maruyama driver.

pub(crate) mod force;
pub(crate) mod initial;
pub(crate) mod model;
pub(crate) mod simulate;
