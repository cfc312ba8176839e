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
