//! What was observed where, without the positions: the frame counts of every experiment and
//! the pooling weights they give, and running summaries of the coordinates.
//!
//! A density estimator that never holds all positions (a streaming reader reads a file twice:
//! once for the counts and the extent, once to bin) needs exactly these: the weight of an
//! observation depends on its experiment's and its frame's counts, and the grid on the extent.
//! [`Observations::layout`](crate::Observations::layout) gives the layout of observations held
//! in memory, so both paths share one definition of the weights.

use crate::{AxisSummary, Normalisation};

/// The frames of one experiment: first frame, the count of every covered frame (`None`:
/// absent) and the particle count N_m inferred from the data (distinct track ids, or the
/// largest frame count where that is larger).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExperimentLayout {
    /// The first frame index on the common time grid.
    pub first_frame: usize,
    /// Observations per covered frame, from the first on; `None` for an absent frame.
    pub counts: Vec<Option<usize>>,
    /// The inferred particle count N_m.
    pub particles: usize,
}

impl ExperimentLayout {
    /// One past the last covered frame.
    pub fn end_frame(&self) -> usize {
        self.first_frame + self.counts.len()
    }
    /// Observations at frame `k` (`None`: absent or not covered).
    pub fn count(&self, k: usize) -> Option<usize> {
        k.checked_sub(self.first_frame).and_then(|j| self.counts.get(j).copied().flatten())
    }
    /// All observations.
    pub fn observations(&self) -> usize {
        self.counts.iter().flatten().sum()
    }
}

/// The layouts of all experiments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservationLayout {
    /// One layout per experiment.
    pub experiments: Vec<ExperimentLayout>,
}

/// Which experiments are present at each time of a frame range, their pooled particle count and
/// the weight of one observation of each (time-major: index `l * experiments + m`).
#[derive(Debug, Clone, PartialEq)]
pub struct Pooling {
    /// First frame of the range.
    pub first_frame: usize,
    /// Number of experiments.
    pub experiments: usize,
    /// Whether experiment m contributes at time l.
    pub present: Vec<bool>,
    /// Σ N_m over the present experiments, per time.
    pub particles: Vec<usize>,
    /// The mass of one observation of experiment m at time l (0 where it does not contribute).
    pub weights: Vec<f64>,
    /// Observations that contribute, over all times.
    pub deposited: usize,
}

impl Pooling {
    /// Number of times.
    pub fn times(&self) -> usize {
        self.particles.len()
    }
    /// The weight of one observation of experiment `m` at frame `k` (0 outside the range).
    pub fn weight(&self, m: usize, k: usize) -> f64 {
        match k.checked_sub(self.first_frame) {
            Some(l) if l < self.times() => self.weights[l * self.experiments + m],
            _ => 0.0,
        }
    }
}

impl ObservationLayout {
    /// The frames covered by any experiment: (first, one past the last).
    pub fn frame_range(&self) -> (usize, usize) {
        let start = self.experiments.iter().map(|e| e.first_frame).min().unwrap_or(0);
        let end = self.experiments.iter().map(ExperimentLayout::end_frame).max().unwrap_or(0);
        (start, end)
    }

    /// N_m of every experiment under `normalisation` (the inferred one unless
    /// [`Normalisation::Particles`] gives it).
    pub fn particle_counts(&self, normalisation: Normalisation) -> Vec<usize> {
        self.experiments
            .iter()
            .map(|e| match normalisation {
                Normalisation::Particles(n) => n,
                _ => e.particles,
            })
            .collect()
    }

    /// The pooled density's weights: U_t = Σ_m N_m U^m_t / Σ_m N_m over the experiments
    /// present at t, with U^m_t = counts / N_m ([`Normalisation::PerExperiment`],
    /// [`Normalisation::Particles`]) or counts / n_m(t) ([`Normalisation::PerFrame`], where an
    /// empty present frame does not contribute).
    pub fn pooling(&self, normalisation: Normalisation) -> Pooling {
        let (start, end) = self.frame_range();
        let times = end - start;
        let m_count = self.experiments.len();
        let counts = self.particle_counts(normalisation);
        let per_frame = normalisation == Normalisation::PerFrame;
        let mut present = vec![false; times * m_count];
        let mut particles = vec![0usize; times];
        let mut weights = vec![0.0; times * m_count];
        let mut deposited = 0;
        for (l, total) in particles.iter_mut().enumerate() {
            let k = start + l;
            let row = l * m_count..(l + 1) * m_count;
            for ((flag, e), &n) in present[row.clone()].iter_mut().zip(&self.experiments).zip(&counts) {
                *flag = e.count(k).is_some_and(|c| !per_frame || c > 0);
                if *flag {
                    *total += n;
                }
            }
            for (((weight, &flag), e), &n) in
                weights[row.clone()].iter_mut().zip(&present[row]).zip(&self.experiments).zip(&counts)
            {
                if !flag {
                    continue;
                }
                let c = e.count(k).unwrap_or(0);
                deposited += c;
                *weight = if per_frame { n as f64 / (c as f64 * *total as f64) } else { 1.0 / *total as f64 };
            }
        }
        Pooling { first_frame: start, experiments: m_count, present, particles, weights, deposited }
    }
}

/// A running mean, standard deviation and range of one coordinate, mergeable across blocks
/// read in parallel (Chan et al.'s pairwise update of the sum of squared deviations).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AxisAccumulator {
    count: u64,
    mean: f64,
    /// Σ (x − mean)².
    squares: f64,
    min: f64,
    max: f64,
}

impl Default for AxisAccumulator {
    fn default() -> Self {
        Self { count: 0, mean: 0.0, squares: 0.0, min: f64::INFINITY, max: f64::NEG_INFINITY }
    }
}

impl AxisAccumulator {
    /// Adds one value.
    pub fn push(&mut self, x: f64) {
        self.count += 1;
        let delta = x - self.mean;
        self.mean += delta / self.count as f64;
        self.squares += delta * (x - self.mean);
        self.min = self.min.min(x);
        self.max = self.max.max(x);
    }
    /// The summary of `count` values given by their sums relative to `shift` (a value near
    /// them, so that the sums do not cancel): Σ (x − shift) and Σ (x − shift)², and their range.
    /// Lets a hot loop accumulate without a division per value.
    pub fn from_shifted_sums(count: u64, shift: f64, sum: f64, sum_sq: f64, min: f64, max: f64) -> Self {
        if count == 0 {
            return Self::default();
        }
        let n = count as f64;
        let mean = sum / n;
        Self { count, mean: shift + mean, squares: (sum_sq - sum * mean).max(0.0), min, max }
    }
    /// Adds all values `other` summarises.
    pub fn merge(&mut self, other: &Self) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = *other;
            return;
        }
        let n = (self.count + other.count) as f64;
        let delta = other.mean - self.mean;
        self.squares += other.squares + delta * delta * (self.count as f64 * other.count as f64 / n);
        self.mean += delta * other.count as f64 / n;
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }
    /// Values added.
    pub fn count(&self) -> u64 {
        self.count
    }
    /// Mean, population standard deviation and range.
    pub fn summary(&self) -> AxisSummary {
        let var = if self.count > 0 { (self.squares / self.count as f64).max(0.0) } else { 0.0 };
        AxisSummary { mean: self.mean, std: var.sqrt(), min: self.min, max: self.max }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_blocks_give_the_moments_of_the_whole() {
        let values: Vec<f64> = (0..1000).map(|k| 1e6 + (k as f64 * 0.618_033_988_7).fract()).collect();
        let mut whole = AxisAccumulator::default();
        values.iter().for_each(|&x| whole.push(x));
        let mut merged = AxisAccumulator::default();
        for block in values.chunks(137) {
            let mut part = AxisAccumulator::default();
            block.iter().for_each(|&x| part.push(x));
            merged.merge(&part);
        }
        let shift = values[0];
        let (sum, sum_sq) =
            values.iter().fold((0.0, 0.0), |(a, b), &x| (a + (x - shift), b + (x - shift).powi(2)));
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(0.0, f64::max);
        let from_sums = AxisAccumulator::from_shifted_sums(1000, shift, sum, sum_sq, min, max);
        assert!(
            (from_sums.summary().std - whole.summary().std).abs() < 1e-7 * whole.summary().std,
            "{from_sums:?}"
        );
        // the reference from the fractional parts, free of the cancellation a sum of 1e6s has
        let fractions: Vec<f64> = values.iter().map(|x| x - 1e6).collect();
        let mean = 1e6 + fractions.iter().sum::<f64>() / 1000.0;
        let std = (fractions.iter().map(|x| (x + 1e6 - mean).powi(2)).sum::<f64>() / 1000.0).sqrt();
        for s in [whole.summary(), merged.summary()] {
            assert!((s.mean - mean).abs() < 1e-8 && (s.std - std).abs() < 1e-7 * std, "{s:?}");
            assert_eq!((s.min, s.max), (values[0], values.iter().copied().fold(0.0, f64::max)));
        }
        assert_eq!(merged.count(), 1000);
    }

    #[test]
    fn pooling_weights_follow_the_normalisation() {
        // experiment 0: N = 2, frames 0..3 with frame 1 absent; experiment 1: N = 4, frames 1..3
        let layout = ObservationLayout {
            experiments: vec![
                ExperimentLayout { first_frame: 0, counts: vec![Some(2), None, Some(2)], particles: 2 },
                ExperimentLayout { first_frame: 1, counts: vec![Some(4), Some(3)], particles: 4 },
            ],
        };
        let p = layout.pooling(Normalisation::PerExperiment);
        assert_eq!(p.present, vec![true, false, false, true, true, true]);
        assert_eq!(p.particles, vec![2, 4, 6]);
        assert_eq!((p.weight(0, 0), p.weight(1, 1), p.weight(1, 2)), (0.5, 0.25, 1.0 / 6.0));
        assert_eq!((p.weight(0, 1), p.weight(0, 7), p.deposited), (0.0, 0.0, 11));
        let f = layout.pooling(Normalisation::PerFrame);
        // experiment 1 at frame 2: 3 observations carry its share 4/6 of the mass
        assert!((f.weight(1, 2) * 3.0 - 4.0 / 6.0).abs() < 1e-15);
        assert_eq!(layout.pooling(Normalisation::Particles(10)).weight(0, 2), 1.0 / 20.0);
    }
}
