//! Initial particle distributions in the plane.

use std::f64::consts::TAU;

use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

use crate::SimError;

/// The law each particle's initial position in the plane is drawn from, independently.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanarInitial {
    /// Independent Gaussian coordinates: x_c ~ N(`mean[c]`, `std[c]`²).
    Gaussian {
        /// Mean of each coordinate (finite).
        mean: [f64; 2],
        /// Standard deviation of each coordinate (finite, > 0).
        std: [f64; 2],
    },
    /// Uniform (in area) on the closed disk of radius `radius` around `centre`.
    UniformDisk {
        /// Centre of the disk (finite).
        centre: [f64; 2],
        /// Radius (finite, > 0).
        radius: f64,
    },
}

impl PlanarInitial {
    /// The initial law of the paper's local 2D example: the standard Gaussian N(0, I₂).
    pub fn paper_local2d() -> Self {
        Self::Gaussian { mean: [0.0; 2], std: [1.0; 2] }
    }

    /// The initial law of the paper's Keller–Segel example: uniform on the disk of radius 2
    /// around the origin.
    pub fn paper_keller_segel() -> Self {
        Self::UniformDisk { centre: [0.0; 2], radius: 2.0 }
    }

    /// Checks the parameters: finite means and centre, finite positive standard deviations and
    /// radius.
    pub fn validate(&self) -> Result<(), SimError> {
        match self {
            Self::Gaussian { mean, std } => {
                if let Some(index) = mean.iter().position(|m| !m.is_finite()) {
                    return Err(SimError::InvalidEntry {
                        what: "Gaussian mean",
                        index,
                        value: mean[index],
                        expected: "a finite number",
                    });
                }
                if let Some(index) = std.iter().position(|s| !(s.is_finite() && *s > 0.0)) {
                    return Err(SimError::InvalidEntry {
                        what: "Gaussian std",
                        index,
                        value: std[index],
                        expected: "a finite number > 0",
                    });
                }
                Ok(())
            }
            Self::UniformDisk { centre, radius } => {
                if let Some(index) = centre.iter().position(|c| !c.is_finite()) {
                    return Err(SimError::InvalidEntry {
                        what: "disk centre",
                        index,
                        value: centre[index],
                        expected: "a finite number",
                    });
                }
                if !(radius.is_finite() && *radius > 0.0) {
                    return Err(SimError::InvalidParameter {
                        what: "disk radius",
                        value: *radius,
                        expected: "a finite number > 0",
                    });
                }
                Ok(())
            }
        }
    }

    /// Fills `x`, `y` (same length) with independent draws (the distribution must be valid).
    pub(crate) fn sample_into<R: Rng + ?Sized>(&self, rng: &mut R, x: &mut [f64], y: &mut [f64]) {
        match *self {
            Self::Gaussian { mean, std } => {
                for (xi, yi) in x.iter_mut().zip(y.iter_mut()) {
                    let (z1, z2): (f64, f64) = (StandardNormal.sample(rng), StandardNormal.sample(rng));
                    *xi = mean[0] + std[0] * z1;
                    *yi = mean[1] + std[1] * z2;
                }
            }
            Self::UniformDisk { centre, radius } => {
                for (xi, yi) in x.iter_mut().zip(y.iter_mut()) {
                    // r = R √u is uniform in area; θ uniform on [0, 2π)
                    let r = radius * rng.random::<f64>().sqrt();
                    let (sin, cos) = (TAU * rng.random::<f64>()).sin_cos();
                    *xi = centre[0] + r * cos;
                    *yi = centre[1] + r * sin;
                }
            }
        }
    }
}
