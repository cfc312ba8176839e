//! Radial interaction kernels K(x) = k(|x|): the one place their mathematics lives.
//!
//! The trial library evaluates them on the difference grid, the simulator on particle pairs and
//! the plots on a line; all three call [`RadialKernel::force_profile`] (the radial derivative
//! h(r) = k′(r), so that ∇K(x) = h(|x|) x/|x|) and [`RadialKernel::potential`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::CoreError;

/// A radial interaction potential K(x) = k(|x|), valid in any dimension.
///
/// The cutoff families are the paper's (5.6): k is continued linearly inside r < δ, so the force
/// h(r) = k′(max(r, δ)) stays bounded near the origin. The force at x = 0 is defined as 0 (the
/// self term and coincident particles contribute nothing).
///
/// Display names are stable (configs, truth files and results use them): `|x|^m`, `|x|^(1/2)`,
/// `|x|(log|x|-1)`, `log|x|` and `exp(-|x|/l)` with l the length. The cutoff δ is not part of
/// the name: within one library every cutoff kernel shares the library's δ.
///
/// ```
/// use wsindy_core::RadialKernel;
/// let k = RadialKernel::Power { power: 2.0 };
/// assert_eq!(k.to_string(), "|x|^2");
/// assert_eq!(k.force_profile(1.5), 3.0);
/// let log = RadialKernel::Log { delta: 0.01 };
/// assert_eq!(log.force_profile(0.001), 100.0); // h(r) = 1/max(r, δ)
/// assert!(RadialKernel::Power { power: -1.0 }.check().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kernel", rename_all = "snake_case", deny_unknown_fields)]
pub enum RadialKernel {
    /// k(r) = r^m with m > 0: h(r) = m r^{m−1}.
    Power {
        /// The power m > 0.
        power: f64,
    },
    /// k(r) = r^{1/2} with cutoff δ > 0: h(r) = ½ max(r, δ)^{−1/2}.
    Sqrt {
        /// The cutoff radius δ > 0.
        delta: f64,
    },
    /// k(r) = r (log r − 1) with cutoff δ > 0: h(r) = log max(r, δ).
    LinearLog {
        /// The cutoff radius δ > 0.
        delta: f64,
    },
    /// k(r) = log r with cutoff δ > 0: h(r) = 1 / max(r, δ).
    Log {
        /// The cutoff radius δ > 0.
        delta: f64,
    },
    /// k(r) = e^{−r/l} with length l > 0: h(r) = −e^{−r/l} / l.
    Exponential {
        /// The length l > 0.
        length: f64,
    },
}

impl RadialKernel {
    /// The cutoff kernel of `family` (`"sqrt"`, `"linear_log"` or `"log"`, the serialised tags)
    /// with cutoff `delta`; `None` for another family name.
    pub fn cutoff(family: &str, delta: f64) -> Option<Self> {
        match family {
            "sqrt" => Some(Self::Sqrt { delta }),
            "linear_log" => Some(Self::LinearLog { delta }),
            "log" => Some(Self::Log { delta }),
            _ => None,
        }
    }

    /// The cutoff radius δ of a cutoff kernel, `None` for the others.
    pub fn cutoff_delta(&self) -> Option<f64> {
        match *self {
            Self::Sqrt { delta } | Self::LinearLog { delta } | Self::Log { delta } => Some(delta),
            Self::Power { .. } | Self::Exponential { .. } => None,
        }
    }

    /// The same kernel with cutoff `delta` (unchanged if it has no cutoff).
    pub fn with_cutoff(self, delta: f64) -> Self {
        match self {
            Self::Sqrt { .. } => Self::Sqrt { delta },
            Self::LinearLog { .. } => Self::LinearLog { delta },
            Self::Log { .. } => Self::Log { delta },
            other => other,
        }
    }

    /// Checks the parameter: m finite and > 0, δ and l finite and > 0.
    pub fn check(&self) -> Result<(), CoreError> {
        let (what, value) = match *self {
            Self::Power { power } => ("radial kernel power m", power),
            Self::Sqrt { delta } | Self::LinearLog { delta } | Self::Log { delta } => {
                ("radial kernel cutoff δ", delta)
            }
            Self::Exponential { length } => ("radial kernel length l", length),
        };
        if value.is_finite() && value > 0.0 {
            Ok(())
        } else {
            Err(CoreError::InvalidParameter { what, value, expected: "a finite number > 0" })
        }
    }

    /// The radial force h(r) = k′(r) at a distance r > 0 (cutoffs applied).
    #[inline]
    pub fn force_profile(&self, r: f64) -> f64 {
        match *self {
            Self::Power { power } => power * r.powf(power - 1.0),
            Self::Sqrt { delta } => 0.5 / r.max(delta).sqrt(),
            Self::LinearLog { delta } => r.max(delta).ln(),
            Self::Log { delta } => 1.0 / r.max(delta),
            Self::Exponential { length } => -(-r / length).exp() / length,
        }
    }

    /// The potential k(r) at a distance r ≥ 0 (continued linearly inside a cutoff).
    pub fn potential(&self, r: f64) -> f64 {
        let linear = |delta: f64, k: fn(f64) -> f64| {
            if r >= delta { k(r) } else { k(delta) + self.force_profile(delta) * (r - delta) }
        };
        match *self {
            Self::Power { power } => r.powf(power),
            Self::Sqrt { delta } => linear(delta, f64::sqrt),
            Self::LinearLog { delta } => linear(delta, |r| r * (r.ln() - 1.0)),
            Self::Log { delta } => linear(delta, f64::ln),
            Self::Exponential { length } => (-r / length).exp(),
        }
    }

    /// The force ∇K(x) = h(|x|) x/|x| at a separation `x` of any dimension, written to `out`
    /// (0 at x = 0).
    #[inline]
    pub fn force(&self, x: &[f64], out: &mut [f64]) {
        let r = x.iter().map(|v| v * v).sum::<f64>().sqrt();
        let scale = if r > 0.0 { self.force_profile(r) / r } else { 0.0 };
        for (o, v) in out.iter_mut().zip(x) {
            *o = scale * v;
        }
    }

    /// The power of length in the units of the coefficient of this kernel (see
    /// [`TrialTerm::length_exponent`](crate::TrialTerm::length_exponent)): 2 − m for r^m, and
    /// the values the logarithmic kernels' scaling implies.
    pub fn length_exponent(&self) -> f64 {
        match *self {
            Self::Power { power } => 2.0 - power,
            Self::Sqrt { .. } => 1.5,
            Self::LinearLog { .. } => 1.0,
            Self::Log { .. } | Self::Exponential { .. } => 2.0,
        }
    }
}

impl fmt::Display for RadialKernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Power { power } => write!(f, "|x|^{power}"),
            Self::Sqrt { .. } => f.write_str("|x|^(1/2)"),
            Self::LinearLog { .. } => f.write_str("|x|(log|x|-1)"),
            Self::Log { .. } => f.write_str("log|x|"),
            Self::Exponential { length } => write!(f, "exp(-|x|/{length})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DELTA: f64 = 0.01;

    fn kernels() -> [RadialKernel; 7] {
        [
            RadialKernel::Power { power: 1.0 },
            RadialKernel::Power { power: 3.0 },
            RadialKernel::Power { power: 2.5 },
            RadialKernel::Sqrt { delta: DELTA },
            RadialKernel::LinearLog { delta: DELTA },
            RadialKernel::Log { delta: DELTA },
            RadialKernel::Exponential { length: 0.5 },
        ]
    }

    #[test]
    fn the_force_profile_is_the_derivative_of_the_potential() {
        // central differences, at distances outside and inside the cutoff (away from r = δ,
        // where k′ has a kink)
        for k in kernels() {
            for r in [0.003, 0.2, 0.7, 1.9] {
                let e = 1e-7;
                let fd = (k.potential(r + e) - k.potential(r - e)) / (2.0 * e);
                let h = k.force_profile(r);
                assert!((h - fd).abs() < 1e-6 * h.abs().max(1.0), "{k} at r = {r}: {h} vs {fd}");
            }
        }
    }

    #[test]
    fn the_force_is_radial_and_vanishes_at_the_origin() {
        for k in kernels() {
            let mut out = [9.0; 3];
            k.force(&[0.0, 0.0, 0.0], &mut out);
            assert_eq!(out, [0.0; 3], "{k}");
            let x = [0.3, -0.4, 1.2];
            let r = 1.3;
            k.force(&x, &mut out);
            for (o, v) in out.iter().zip(x) {
                assert!((o - k.force_profile(r) * v / r).abs() < 1e-15, "{k}");
            }
        }
    }

    #[test]
    fn names_and_serialised_form_are_stable() {
        let names: Vec<String> = kernels().iter().map(ToString::to_string).collect();
        assert_eq!(
            names,
            ["|x|^1", "|x|^3", "|x|^2.5", "|x|^(1/2)", "|x|(log|x|-1)", "log|x|", "exp(-|x|/0.5)"]
        );
        for k in kernels() {
            let text = toml::to_string(&k).unwrap();
            assert!(text.starts_with("kernel = "), "{text}");
            assert_eq!(toml::from_str::<RadialKernel>(&text).unwrap(), k, "{text}");
        }
        let parsed: RadialKernel = toml::from_str("kernel = \"log\"\ndelta = 0.01").unwrap();
        assert_eq!(parsed, RadialKernel::Log { delta: 0.01 });
        assert_eq!(parsed.with_cutoff(0.02).cutoff_delta(), Some(0.02));
        let power = RadialKernel::Power { power: 2.0 };
        assert_eq!((power.with_cutoff(0.02), power.cutoff_delta()), (power, None));
    }
}
