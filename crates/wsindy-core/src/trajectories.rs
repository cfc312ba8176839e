use crate::CoreError;

/// Positions of N particles in M independent experiments at L equally spaced times, in d
/// dimensions: shape M × L × N × d, stored in that order (C order).
///
/// Construction checks the shape, that every position is finite and that the times are
/// finite, strictly increasing and equally spaced, so later stages never see bad data.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectories {
    experiments: usize,
    times: Vec<f64>,
    particles: usize,
    dim: usize,
    positions: Vec<f64>,
}

/// Tolerance on the spacing of the times, relative to the mean step: every step may differ from
/// the mean step by this fraction of it, plus the rounding of the times themselves.
const TIME_SPACING_TOLERANCE: f64 = 1e-6;
/// Rounding allowance on a step, in units of ε·max|t|: a step is the difference of two times
/// rounded to f64, so absolute timestamps (t ≈ 1.7·10⁹ s) carry an error of a few ulp of |t|
/// in every step, however accurate the clock.
const ROUNDING_ULPS: f64 = 4.0;

impl Trajectories {
    /// Validated trajectories of shape `experiments` × `time_points` × `particles` × `dim`.
    pub fn new(
        experiments: usize,
        time_points: usize,
        particles: usize,
        dim: usize,
        positions: Vec<f64>,
        times: Vec<f64>,
    ) -> Result<Self, CoreError> {
        for (what, min, got) in [
            ("experiments", 1, experiments),
            ("time points", 2, time_points),
            ("particles", 1, particles),
            ("dimensions", 1, dim),
        ] {
            if got < min {
                return Err(CoreError::TooSmall { what, min, got });
            }
        }
        if times.len() != time_points {
            return Err(CoreError::ShapeMismatch { what: "times", expected: time_points, got: times.len() });
        }
        let expected = experiments
            .checked_mul(time_points)
            .and_then(|v| v.checked_mul(particles))
            .and_then(|v| v.checked_mul(dim))
            .ok_or(CoreError::ShapeMismatch {
                what: "positions",
                expected: usize::MAX,
                got: positions.len(),
            })?;
        if positions.len() != expected {
            return Err(CoreError::ShapeMismatch { what: "positions", expected, got: positions.len() });
        }
        if let Some(flat) = positions.iter().position(|v| !v.is_finite()) {
            let coordinate = flat % dim;
            let particle = (flat / dim) % particles;
            let time = (flat / (dim * particles)) % time_points;
            let experiment = flat / (dim * particles * time_points);
            return Err(CoreError::NonFinitePosition {
                experiment,
                time,
                particle,
                coordinate,
                value: positions[flat],
            });
        }
        check_times(&times)?;
        Ok(Self { experiments, times, particles, dim, positions })
    }

    /// Number of experiments M.
    pub fn experiments(&self) -> usize {
        self.experiments
    }
    /// Number of time points L.
    pub fn time_points(&self) -> usize {
        self.times.len()
    }
    /// Number of particles N per experiment.
    pub fn particles(&self) -> usize {
        self.particles
    }
    /// Space dimension d.
    pub fn dim(&self) -> usize {
        self.dim
    }
    /// The observation times.
    pub fn times(&self) -> &[f64] {
        &self.times
    }
    /// Time step Δt between observations.
    pub fn dt(&self) -> f64 {
        (self.times[self.times.len() - 1] - self.times[0]) / (self.times.len() - 1) as f64
    }
    /// All positions, M × L × N × d.
    pub fn positions(&self) -> &[f64] {
        &self.positions
    }
    /// The N × d positions of experiment `experiment` at time index `time`.
    pub fn snapshot(&self, experiment: usize, time: usize) -> &[f64] {
        let len = self.particles * self.dim;
        let start = (experiment * self.times.len() + time) * len;
        &self.positions[start..start + len]
    }
    /// Mean, standard deviation, minimum and maximum of coordinate `axis`, in one pass.
    pub fn axis_summary(&self, axis: usize) -> AxisSummary {
        // sums are taken about the first value so that a large offset does not cancel the variance
        let shift = self.positions[axis];
        let (mut sum, mut sum_sq) = (0.0, 0.0);
        let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
        for &x in self.positions.iter().skip(axis).step_by(self.dim) {
            let y = x - shift;
            sum += y;
            sum_sq += y * y;
            min = min.min(x);
            max = max.max(x);
        }
        let n = (self.positions.len() / self.dim) as f64;
        let mean = sum / n;
        let var = (sum_sq / n - mean * mean).max(0.0);
        AxisSummary { mean: mean + shift, std: var.sqrt(), min, max }
    }
}

/// Summary statistics of one coordinate of a data set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AxisSummary {
    /// Mean.
    pub mean: f64,
    /// Standard deviation (population).
    pub std: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

/// Checks that the times are finite, increasing and equally spaced. The steps are compared with
/// the mean step on times re-based to the first one, with the tolerance
/// [`TIME_SPACING_TOLERANCE`] × mean step + 4 ε max|t| (the rounding of the times).
pub(crate) fn check_times(times: &[f64]) -> Result<(), CoreError> {
    if let Some(k) = times.iter().position(|t| !t.is_finite()) {
        return Err(CoreError::BadTimes { reason: format!("time {k} is {}", times[k]) });
    }
    let n = times.len();
    let t0 = times[0];
    let dt = (times[n - 1] - t0) / (n - 1) as f64;
    if dt <= 0.0 {
        return Err(CoreError::BadTimes {
            reason: format!("first time {} is not before last time {}", times[0], times[n - 1]),
        });
    }
    let magnitude = times[0].abs().max(times[n - 1].abs());
    let tolerance = TIME_SPACING_TOLERANCE * dt + ROUNDING_ULPS * f64::EPSILON * magnitude;
    for (k, pair) in times.windows(2).enumerate() {
        let step = (pair[1] - t0) - (pair[0] - t0);
        if step <= 0.0 {
            return Err(CoreError::BadTimes {
                reason: format!("time {} = {} does not follow time {k} = {}", k + 1, pair[1], pair[0]),
            });
        }
        if (step - dt).abs() > tolerance {
            return Err(CoreError::BadTimes {
                reason: format!(
                    "step from time {k} to {} is {step}, but the mean step is {dt} (tolerance {TIME_SPACING_TOLERANCE} of the mean step, plus rounding)",
                    k + 1
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_nan_naming_its_place() {
        let mut pos = vec![0.0; 2 * 3 * 4];
        // experiment 1, time 2, particle 3
        let (experiment, time, particle) = (1, 2, 3);
        pos[(experiment * 3 + time) * 4 + particle] = f64::NAN;
        let err = Trajectories::new(2, 3, 4, 1, pos, vec![0.0, 1.0, 2.0]).unwrap_err();
        assert!(matches!(
            err,
            CoreError::NonFinitePosition { experiment: 1, time: 2, particle: 3, coordinate: 0, .. }
        ));
    }

    #[test]
    fn rejects_uneven_and_decreasing_times() {
        let pos = vec![0.0; 3];
        assert!(Trajectories::new(1, 3, 1, 1, pos.clone(), vec![0.0, 1.0, 3.0]).is_err());
        assert!(Trajectories::new(1, 3, 1, 1, pos.clone(), vec![0.0, -1.0, -2.0]).is_err());
        assert!(Trajectories::new(1, 3, 1, 1, pos, vec![0.0, 0.1, 0.2]).is_ok());
    }

    #[test]
    fn accepts_absolute_timestamps() {
        // Unix time in seconds, 20 Hz: the steps computed in f64 differ by up to ~2·10⁻⁷ s
        let t0 = 1.7e9;
        let times: Vec<f64> = (0..200).map(|k| t0 + 0.05 * k as f64).collect();
        let data = Trajectories::new(1, 200, 1, 1, vec![0.0; 200], times).unwrap();
        assert!((data.dt() - 0.05).abs() < 1e-6, "{}", data.dt());
        // a real gap is still found at that magnitude
        let mut gap: Vec<f64> = (0..200).map(|k| t0 + 0.05 * k as f64).collect();
        gap[100] += 0.001;
        assert!(matches!(
            Trajectories::new(1, 200, 1, 1, vec![0.0; 200], gap),
            Err(CoreError::BadTimes { .. })
        ));
        // and small times keep the tight tolerance: 10⁻⁵ of the step is refused
        let mut small: Vec<f64> = (0..10).map(|k| 0.05 * k as f64).collect();
        small[5] += 0.05e-5;
        assert!(Trajectories::new(1, 10, 1, 1, vec![0.0; 10], small).is_err());
    }

    #[test]
    fn rejects_short_positions() {
        let err = Trajectories::new(1, 2, 3, 1, vec![0.0; 5], vec![0.0, 1.0]).unwrap_err();
        assert_eq!(err, CoreError::ShapeMismatch { what: "positions", expected: 6, got: 5 });
    }

    #[test]
    fn moments_match_hand_values() {
        let t = Trajectories::new(1, 2, 2, 1, vec![1.0, 3.0, 1.0, 3.0], vec![0.0, 1.0]).unwrap();
        let s = t.axis_summary(0);
        assert_eq!((s.mean, s.std), (2.0, 1.0));
        assert_eq!((s.min, s.max), (1.0, 3.0));
    }
}
