//! Initial particle distributions.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

use crate::SimError;

/// The law each particle's initial position is drawn from, independently.
#[derive(Debug, Clone, PartialEq)]
pub enum InitialDistribution {
    /// A mixture of Gaussians: component k (probability ∝ `weights[k]`) is N(`means[k]`, `stds[k]`²).
    GaussianMixture {
        /// Component means.
        means: Vec<f64>,
        /// Component standard deviations (> 0).
        stds: Vec<f64>,
        /// Component weights (> 0, normalised internally).
        weights: Vec<f64>,
    },
    /// Uniform on [`lower`, `upper`).
    Uniform {
        /// Lower bound.
        lower: f64,
        /// Upper bound (> `lower`).
        upper: f64,
    },
}

impl InitialDistribution {
    /// The initial law of the paper's nonlocal 1D example: equal-weight Gaussian clusters at
    /// 0, 1 and 4, each with variance 0.005.
    pub fn paper_three_clusters() -> Self {
        let std = 0.005_f64.sqrt();
        Self::GaussianMixture { means: vec![0.0, 1.0, 4.0], stds: vec![std; 3], weights: vec![1.0; 3] }
    }

    /// A single Gaussian N(`mean`, `std`²).
    pub fn gaussian(mean: f64, std: f64) -> Self {
        Self::GaussianMixture { means: vec![mean], stds: vec![std], weights: vec![1.0] }
    }

    /// Checks the parameters: matching non-empty lists, finite means, finite positive stds and
    /// weights with a finite sum; finite bounds with `lower < upper` and a finite width.
    pub fn validate(&self) -> Result<(), SimError> {
        match self {
            Self::GaussianMixture { means, stds, weights } => {
                if means.is_empty() {
                    return Err(SimError::TooSmall { what: "mixture components", min: 1, got: 0 });
                }
                for (what, list) in [("mixture stds", stds), ("mixture weights", weights)] {
                    if list.len() != means.len() {
                        return Err(SimError::LengthMismatch {
                            what,
                            expected: means.len(),
                            got: list.len(),
                        });
                    }
                }
                if let Some(index) = means.iter().position(|m| !m.is_finite()) {
                    return Err(SimError::InvalidEntry {
                        what: "mixture means",
                        index,
                        value: means[index],
                        expected: "a finite number",
                    });
                }
                for (what, list) in [("mixture stds", stds), ("mixture weights", weights)] {
                    if let Some(index) = list.iter().position(|&v| !(v.is_finite() && v > 0.0)) {
                        return Err(SimError::InvalidEntry {
                            what,
                            index,
                            value: list[index],
                            expected: "a finite number > 0",
                        });
                    }
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
            &Self::Uniform { lower, upper } => {
                if !lower.is_finite() {
                    return Err(SimError::InvalidParameter {
                        what: "uniform lower bound",
                        value: lower,
                        expected: "a finite number",
                    });
                }
                if !(upper.is_finite() && upper > lower && (upper - lower).is_finite()) {
                    return Err(SimError::InvalidParameter {
                        what: "uniform upper bound",
                        value: upper,
                        expected: "a finite number above the lower bound, at a finite distance from it",
                    });
                }
                Ok(())
            }
        }
    }

    /// Fills `out` with independent draws (the distribution must be valid).
    pub(crate) fn sample_into<R: Rng + ?Sized>(&self, rng: &mut R, out: &mut [f64]) {
        match self {
            Self::GaussianMixture { means, stds, weights } => {
                let total: f64 = weights.iter().sum();
                for x in out.iter_mut() {
                    let mut target = rng.random::<f64>() * total;
                    let mut k = means.len() - 1;
                    for (j, &w) in weights.iter().enumerate() {
                        if target < w {
                            k = j;
                            break;
                        }
                        target -= w;
                    }
                    let z: f64 = StandardNormal.sample(rng);
                    *x = means[k] + stds[k] * z;
                }
            }
            &Self::Uniform { lower, upper } => {
                for x in out.iter_mut() {
                    *x = lower + (upper - lower) * rng.random::<f64>();
                }
            }
        }
    }
}
