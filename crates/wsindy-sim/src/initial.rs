//! Initial particle distributions in ℝᵈ.

use std::f64::consts::TAU;

use nalgebra::SVector;
use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

use crate::SimError;

/// The law each particle's initial position is drawn from, independently.
#[derive(Debug, Clone, PartialEq)]
pub enum InitialLaw<const D: usize> {
    /// A mixture of Gaussians with independent coordinates: component k (probability
    /// ∝ `weights[k]`) has coordinate c ~ N(`means[k][c]`, `stds[k][c]`²).
    GaussianMixture {
        /// Component weights (finite, > 0, normalised internally).
        weights: Vec<f64>,
        /// Component means (finite).
        means: Vec<SVector<f64, D>>,
        /// Component standard deviations per axis (finite, > 0).
        stds: Vec<SVector<f64, D>>,
    },
    /// Uniform on the box [`lower`, `upper`) (per axis).
    UniformBox {
        /// Lower corner.
        lower: SVector<f64, D>,
        /// Upper corner (above `lower` on every axis).
        upper: SVector<f64, D>,
    },
    /// Uniform (in volume) on the closed ball of radius `radius` around `centre` (a disk in 2D,
    /// an interval in 1D).
    UniformBall {
        /// Centre (finite).
        centre: SVector<f64, D>,
        /// Radius (finite, > 0).
        radius: f64,
    },
}

impl<const D: usize> InitialLaw<D> {
    /// A single Gaussian with independent coordinates, means `mean` and per-axis standard
    /// deviations `std`.
    pub fn gaussian(mean: SVector<f64, D>, std: SVector<f64, D>) -> Self {
        Self::GaussianMixture { weights: vec![1.0], means: vec![mean], stds: vec![std] }
    }

    /// An isotropic Gaussian N(`mean`, `std`² I).
    pub fn isotropic_gaussian(mean: SVector<f64, D>, std: f64) -> Self {
        Self::gaussian(mean, SVector::repeat(std))
    }

    /// Checks the parameters: matching non-empty lists, finite means, finite positive standard
    /// deviations and weights with a finite sum; finite box corners with `lower < upper` at a
    /// finite distance; a finite centre and a finite radius > 0. Errors name the entry (the
    /// component, or the axis for box corners).
    pub fn validate(&self) -> Result<(), SimError> {
        let entry =
            |what, index, value, expected| Err(SimError::InvalidEntry { what, index, value, expected });
        match self {
            Self::GaussianMixture { weights, means, stds } => {
                if means.is_empty() {
                    return Err(SimError::TooSmall { what: "mixture components", min: 1, got: 0 });
                }
                for (what, len) in [("mixture stds", stds.len()), ("mixture weights", weights.len())] {
                    if len != means.len() {
                        return Err(SimError::LengthMismatch { what, expected: means.len(), got: len });
                    }
                }
                if let Some((index, m)) =
                    means.iter().enumerate().find(|(_, m)| !m.iter().all(|v| v.is_finite()))
                {
                    let value = *m.iter().find(|v| !v.is_finite()).expect("a non-finite coordinate");
                    return entry("mixture means", index, value, "a finite number");
                }
                let positive = |v: &f64| v.is_finite() && *v > 0.0;
                if let Some((index, s)) = stds.iter().enumerate().find(|(_, s)| !s.iter().all(positive)) {
                    let value = *s.iter().find(|v| !positive(v)).expect("a bad standard deviation");
                    return entry("mixture stds", index, value, "a finite number > 0");
                }
                if let Some(index) = weights.iter().position(|w| !positive(w)) {
                    return entry("mixture weights", index, weights[index], "a finite number > 0");
                }
                let total: f64 = weights.iter().sum();
                if !total.is_finite() {
                    return Err(SimError::InvalidParameter {
                        what: "sum of mixture weights",
                        value: total,
                        expected: "a finite number",
                    });
                }
                Ok(())
            }
            Self::UniformBox { lower, upper } => {
                if let Some(index) = lower.iter().position(|v| !v.is_finite()) {
                    return entry("uniform box lower corner", index, lower[index], "a finite number");
                }
                for index in 0..D {
                    let (lo, hi) = (lower[index], upper[index]);
                    if !(hi.is_finite() && hi > lo && (hi - lo).is_finite()) {
                        return entry(
                            "uniform box upper corner",
                            index,
                            hi,
                            "a finite number above the lower corner, at a finite distance from it",
                        );
                    }
                }
                Ok(())
            }
            Self::UniformBall { centre, radius } => {
                if let Some(index) = centre.iter().position(|c| !c.is_finite()) {
                    return entry("ball centre", index, centre[index], "a finite number");
                }
                if !(radius.is_finite() && *radius > 0.0) {
                    return Err(SimError::InvalidParameter {
                        what: "ball radius",
                        value: *radius,
                        expected: "a finite number > 0",
                    });
                }
                Ok(())
            }
        }
    }

    /// Fills `out` with independent draws (the distribution must be valid).
    pub(crate) fn sample_into<R: Rng + ?Sized>(&self, rng: &mut R, out: &mut [SVector<f64, D>]) {
        let mut normal = |rng: &mut R| -> f64 { StandardNormal.sample(rng) };
        match self {
            Self::GaussianMixture { weights, means, stds } => {
                let total: f64 = weights.iter().sum();
                for x in out.iter_mut() {
                    // a single component draws no uniform, so one Gaussian consumes exactly D
                    // normals per particle
                    let mut k = means.len() - 1;
                    if means.len() > 1 {
                        let mut target = rng.random::<f64>() * total;
                        for (j, &w) in weights.iter().enumerate() {
                            if target < w {
                                k = j;
                                break;
                            }
                            target -= w;
                        }
                    }
                    *x = SVector::from_fn(|c, _| means[k][c] + stds[k][c] * normal(rng));
                }
            }
            Self::UniformBox { lower, upper } => {
                for x in out.iter_mut() {
                    *x = SVector::from_fn(|c, _| lower[c] + (upper[c] - lower[c]) * rng.random::<f64>());
                }
            }
            &Self::UniformBall { centre, radius } => {
                for x in out.iter_mut() {
                    *x = centre + radius * uniform_unit_ball::<R, D>(rng, &mut normal);
                }
            }
        }
    }
}

/// A point uniform (in volume) on the closed unit ball of ℝᵈ.
fn uniform_unit_ball<R: Rng + ?Sized, const D: usize>(
    rng: &mut R,
    normal: &mut impl FnMut(&mut R) -> f64,
) -> SVector<f64, D> {
    let u = rng.random::<f64>();
    match D {
        1 => SVector::repeat(2.0 * u - 1.0),
        2 => {
            // r = √u is uniform in area; θ uniform on [0, 2π)
            let r = u.sqrt();
            let (sin, cos) = (TAU * rng.random::<f64>()).sin_cos();
            SVector::from_fn(|c, _| r * if c == 0 { cos } else { sin })
        }
        _ => {
            // an isotropic direction (a normalised Gaussian vector) at radius u^{1/d}
            let direction = loop {
                let z = SVector::<f64, D>::from_fn(|_, _| normal(rng));
                let norm = z.norm();
                if norm > 0.0 {
                    break z / norm;
                }
            };
            direction * u.powf(1.0 / D as f64)
        }
    }
}

impl InitialLaw<1> {
    /// The initial law of the paper's nonlocal 1D example: equal-weight Gaussian clusters at
    /// 0, 1 and 4, each with variance 0.005.
    pub fn paper_three_clusters() -> Self {
        let std = SVector::from([0.005_f64.sqrt()]);
        Self::GaussianMixture {
            weights: vec![1.0; 3],
            means: [0.0, 1.0, 4.0].map(|m| SVector::from([m])).to_vec(),
            stds: vec![std; 3],
        }
    }
}

impl InitialLaw<2> {
    /// The initial law of the paper's local 2D example: the standard Gaussian N(0, I₂).
    pub fn paper_local2d() -> Self {
        Self::isotropic_gaussian(SVector::zeros(), 1.0)
    }

    /// The initial law of the paper's Keller–Segel example: uniform on the disk of radius 2
    /// around the origin.
    pub fn paper_keller_segel() -> Self {
        Self::UniformBall { centre: SVector::zeros(), radius: 2.0 }
    }
}
