use std::ops::Range;

use crate::Grid;

/// A density U_t(c) on a grid for each observation time (L × |C|, time-major, last space axis
/// fastest), with the count of particle observations that fell outside the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct DensitySeries {
    grid: Grid,
    times: Vec<f64>,
    values: Vec<f64>,
    outside: usize,
    observations: usize,
}

impl DensitySeries {
    /// A density series; `values` holds `times.len() * grid.len()` numbers.
    ///
    /// # Panics
    /// If the number of values does not match; density kernels build it from the grid.
    pub fn new(grid: Grid, times: Vec<f64>, values: Vec<f64>, outside: usize, observations: usize) -> Self {
        assert_eq!(values.len(), times.len() * grid.len(), "density values do not match grid × times");
        Self { grid, times, values, outside, observations }
    }
    /// The grid.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }
    /// The times.
    pub fn times(&self) -> &[f64] {
        &self.times
    }
    /// Time step Δt.
    pub fn dt(&self) -> f64 {
        (self.times[self.times.len() - 1] - self.times[0]) / (self.times.len() - 1) as f64
    }
    /// All values, L × |C|.
    pub fn values(&self) -> &[f64] {
        &self.values
    }
    /// The density at time index `l`.
    pub fn snapshot(&self, l: usize) -> &[f64] {
        let n = self.grid.len();
        &self.values[l * n..(l + 1) * n]
    }
    /// Particle observations (particle × time × experiment) that fell outside the grid.
    pub fn outside(&self) -> usize {
        self.outside
    }
    /// All particle observations deposited.
    pub fn observations(&self) -> usize {
        self.observations
    }
    /// Fraction of observations outside the grid.
    pub fn outside_fraction(&self) -> f64 {
        self.outside as f64 / self.observations.max(1) as f64
    }
    /// Shape of the space–time array: [L, n_1, …, n_d].
    pub fn shape(&self) -> Vec<usize> {
        let mut s = vec![self.times.len()];
        s.extend(self.grid.shape());
        s
    }
}

/// A pooled density series of ragged observations together with which experiments were
/// observed at each of its times.
///
/// The series covers every frame from the earliest first frame of any experiment to the last
/// frame of any experiment ([`Observations::frame_range`](crate::Observations::frame_range)); its time index l is frame
/// [`first_frame`](Self::first_frame)` + l`. At a time, experiment m is *present* if its frame
/// is present (and, under [`Normalisation::PerFrame`](crate::Normalisation::PerFrame), holds at least one observation). The
/// pooled density at a time averages the present experiments only, weighted by their particle
/// counts N_m (the paper's U_t = Σ_m N_m U^m_t / Σ_m N_m over the present m). A time with no
/// experiment present is *absent*: its density is zero and carries no information, so a test
/// function whose time support contains it must not be used ([`window_observed`](Self::window_observed)).
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedDensity {
    series: DensitySeries,
    first_frame: usize,
    experiments: usize,
    /// time-major: `present[l * experiments + m]`
    present: Vec<bool>,
    /// Σ N_m over the present experiments, per time
    particles: Vec<usize>,
}

impl ObservedDensity {
    /// The series `series` starting at frame `first_frame`, with `present` (times × `experiments`
    /// flags, time-major) and `particles` (Σ N_m over the present experiments, per time).
    ///
    /// # Panics
    /// If the lengths do not match the series; density estimators build it.
    pub fn new(
        series: DensitySeries,
        first_frame: usize,
        experiments: usize,
        present: Vec<bool>,
        particles: Vec<usize>,
    ) -> Self {
        let times = series.times().len();
        assert_eq!(particles.len(), times, "one particle count per time");
        assert_eq!(present.len(), times * experiments, "one flag per time and experiment");
        Self { series, first_frame, experiments, present, particles }
    }
    /// The pooled density series (times t₀ + k·Δt of the frames covered).
    pub fn series(&self) -> &DensitySeries {
        &self.series
    }
    /// The pooled density series, by value.
    pub fn into_series(self) -> DensitySeries {
        self.series
    }
    /// Frame index of time index 0.
    pub fn first_frame(&self) -> usize {
        self.first_frame
    }
    /// Number of times L of the series.
    pub fn time_points(&self) -> usize {
        self.particles.len()
    }
    /// Which experiments are present at time index `l` (one flag per experiment).
    pub fn present(&self, l: usize) -> &[bool] {
        &self.present[l * self.experiments..(l + 1) * self.experiments]
    }
    /// Whether time index `l` holds at least one present experiment.
    pub fn is_observed(&self, l: usize) -> bool {
        self.particles[l] > 0
    }
    /// Whether every experiment is present at time index `l`.
    pub fn is_complete(&self, l: usize) -> bool {
        self.present(l).iter().all(|&p| p)
    }
    /// One flag per time: at least one experiment present.
    pub fn observed_mask(&self) -> Vec<bool> {
        self.particles.iter().map(|&n| n > 0).collect()
    }
    /// The time indices with no experiment present (density zero, no information).
    pub fn absent_times(&self) -> Vec<usize> {
        (0..self.time_points()).filter(|&l| !self.is_observed(l)).collect()
    }
    /// Whether every time index in `range` is observed: a test function whose time support is
    /// `range` can be used.
    pub fn window_observed(&self, range: Range<usize>) -> bool {
        range.end <= self.time_points() && range.into_iter().all(|l| self.is_observed(l))
    }
    /// Σ N_m over the experiments present at time index `l`: the number of particles the
    /// pooled density at that time stands for.
    pub fn particles(&self, l: usize) -> usize {
        self.particles[l]
    }
}
