//! Density kernels for **wsindy**: particle positions to a density on a grid (step 2 of
//! Algorithm 4.1, equation (4.1)).
//!
//! The [`Histogram`] kernel counts particles in boxes of side h centred at the grid points,
//! U_t(c_k) = #{i : X_i(t) ∈ B_k} / (N h^d); the [`Linear`] kernel (cloud in cell) shares each
//! particle between the 2^d nearest grid points with the tent weights Π(1 − |x_i − c_i|/h), a
//! second-order quadrature of the weak integrals where the histogram is first order.
//! [`DensityKernelChoice`] names them in configs, and [`density_series`] averages a kernel over
//! the experiments for every time. [`GridRule`] chooses the grid from the data (mean ± 3 standard
//! deviations, clipped to the data's range); particles outside the grid are counted, never
//! silently dropped.
//!
//! Ragged tracker data ([`Observations`]: lost detections, absent frames, experiments of
//! different lengths) go through [`density_series_observed`], which pools the experiments
//! present at each time weighted by their particle numbers and returns, with the series, which
//! experiments were present at every time ([`ObservedDensity`]); [`GridRule::grid_observed`]
//! places the grid over the observed positions.
//!
//! ```
//! use wsindy_core::{Normalisation, ObservedExperiment, Observations, TimeGrid};
//! use wsindy_density::{density_series_observed, GridRule, Histogram};
//! // one experiment: frame 1 was dropped, frame 2 lost one of its two detections
//! let e = ObservedExperiment::new(0, vec![Some(2), None, Some(1)], vec![0.1, 0.9, 0.4], vec![]);
//! let obs = Observations::new(1, TimeGrid::new(0.0, 0.1).unwrap(), vec![e]).unwrap();
//! let grid = GridRule::new(vec![4]).grid_observed(&obs).unwrap();
//! let u = density_series_observed(&obs, &grid, &Histogram, Normalisation::PerExperiment).unwrap();
//! assert_eq!(u.absent_times(), vec![1]);
//! let mass = |l| u.series().snapshot(l).iter().sum::<f64>() * grid.cell_volume();
//! assert!((mass(0) - 1.0).abs() < 1e-12 && (mass(2) - 0.5).abs() < 1e-12);
//! ```
//!
//! ```
//! use wsindy_core::Trajectories;
//! use wsindy_density::{density_series, GridRule, Histogram};
//! let positions: Vec<f64> = (0..2 * 400).map(|i| ((i % 400) as f64 / 400.0)).collect();
//! let data = Trajectories::new(1, 2, 400, 1, positions, vec![0.0, 1.0]).unwrap();
//! let grid = GridRule::new(vec![16]).grid(&data).unwrap();
//! let density = density_series(&data, &grid, &Histogram).unwrap();
//! let mass: f64 = density.snapshot(0).iter().sum::<f64>() * grid.cell_volume();
//! assert!((mass - 1.0).abs() < 1e-12);
//! ```

use rayon::prelude::*;
use thiserror::Error;
use wsindy_core::memory::MemoryError;
use wsindy_core::{Axis, CoreError, DensityKernel, DensitySeries, Grid, Observations, Trajectories};

mod observed;

pub use observed::{DensityAccumulator, ObservedDensity, density_series_observed};

/// Errors of grid selection and density estimation.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum DensityError {
    /// Invalid grid parameters.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// The grid and the data differ in dimension.
    #[error("the grid has {grid} dimensions but the data has {data}")]
    DimensionMismatch {
        /// Grid dimension.
        grid: usize,
        /// Data dimension.
        data: usize,
    },
    /// All positions along an axis coincide, so no grid can resolve a density.
    #[error(
        "all particle positions along axis {axis} equal {value}: the density is a point mass and cannot be resolved on a grid"
    )]
    DegenerateData {
        /// The axis.
        axis: usize,
        /// The common value.
        value: f64,
    },
    /// The number of cells per axis does not match the data's dimension.
    #[error("grid rule gives cells for {given} axes but the data has {data} dimensions")]
    CellsPerAxis {
        /// Axes the rule gives.
        given: usize,
        /// Data dimension.
        data: usize,
    },
    /// The data have no or more than three axes.
    #[error("the data have {0} axes: expected 1, 2 or 3")]
    Dimension(usize),
    /// The multiple of the standard deviation is not positive.
    #[error("std_multiple = {0} is invalid: expected a finite number > 0")]
    StdMultiple(f64),
    /// The density would not fit in the memory budget.
    #[error(transparent)]
    Memory(#[from] MemoryError),
}

/// The histogram kernel of (4.1): each particle adds `weight / h^d` to the cell holding it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Histogram;

impl DensityKernel for Histogram {
    fn deposit(&self, grid: &Grid, positions: &[f64], weight: f64, density: &mut [f64]) -> usize {
        let value = weight / grid.cell_volume();
        let mut outside = 0;
        if let [axis] = grid.axes() {
            for &x in positions {
                match axis.cell_of(x) {
                    Some(k) => density[k] += value,
                    None => outside += 1,
                }
            }
        } else {
            for point in positions.chunks_exact(grid.dim()) {
                match grid.cell_of(point) {
                    Some(k) => density[k] += value,
                    None => outside += 1,
                }
            }
        }
        outside
    }
}

/// Linear binning (cloud in cell): each particle adds `weight / h^d` times the tent weight
/// Π_i (1 − |x_i − c_i|/h_i) to each of the 2^d grid points c around it, so the density's
/// integral against a smooth test function is exact for functions linear between grid points
/// (error O(h²), against the histogram's O(h)). Mass that would fall on a point beyond the last
/// centre (a particle in the outer half cell) goes to the last centre, so every particle inside
/// the grid keeps its whole mass. Cost O(2^d N).
#[derive(Debug, Clone, Copy, Default)]
pub struct Linear;

impl DensityKernel for Linear {
    fn deposit(&self, grid: &Grid, positions: &[f64], weight: f64, density: &mut [f64]) -> usize {
        let value = weight / grid.cell_volume();
        let axes = grid.axes();
        let d = axes.len();
        let mut outside = 0;
        if let [axis] = axes {
            let last = axis.cells() - 1;
            for &x in positions {
                if axis.cell_of(x).is_none() {
                    outside += 1;
                    continue;
                }
                let (lower, upper, f) = tent(axis, x, last);
                density[lower] += value * (1.0 - f);
                density[upper] += value * f;
            }
            return outside;
        }
        // per axis: the two neighbouring indices and the weight of the upper one (one buffer
        // per call, i.e. per snapshot, not per particle)
        let mut neighbours = vec![(0usize, 0usize, 0.0f64); d];
        let strides: Vec<usize> = (0..d).map(|a| axes[a + 1..].iter().map(|x| x.cells()).product()).collect();
        for point in positions.chunks_exact(d) {
            if grid.cell_of(point).is_none() {
                outside += 1;
                continue;
            }
            for (a, (axis, &x)) in axes.iter().zip(point).enumerate() {
                neighbours[a] = tent(axis, x, axis.cells() - 1);
            }
            for corner in 0..1usize << d {
                let (mut index, mut w) = (0, value);
                for (a, &(lower, upper, f)) in neighbours.iter().enumerate() {
                    if corner >> a & 1 == 1 {
                        index += upper * strides[a];
                        w *= f;
                    } else {
                        index += lower * strides[a];
                        w *= 1.0 - f;
                    }
                }
                density[index] += w;
            }
        }
        outside
    }
}

/// The grid points left and right of `x` along `axis` (clamped to 0..=`last`) and the weight
/// of the right one.
#[inline]
fn tent(axis: &Axis, x: f64, last: usize) -> (usize, usize, f64) {
    let u = (x - axis.lower()) / axis.spacing() - 0.5;
    let k = u.floor();
    let f = u - k;
    let clamp = |k: f64| (k.max(0.0) as usize).min(last);
    (clamp(k), clamp(k + 1.0), f)
}

/// The density kernels a configuration can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DensityKernelChoice {
    /// [`Histogram`], the paper's kernel (4.1).
    #[default]
    Histogram,
    /// [`Linear`] binning (cloud in cell).
    Linear,
}

impl DensityKernelChoice {
    /// The kernel.
    pub fn kernel(self) -> &'static dyn DensityKernel {
        match self {
            Self::Histogram => &Histogram,
            Self::Linear => &Linear,
        }
    }
}

impl std::fmt::Display for DensityKernelChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            Self::Histogram => "histogram",
            Self::Linear => "linear",
        })
    }
}

/// How to place the grid C over the data: per axis from max(mean − k·s, min) to
/// min(mean + k·s, max), with mean and standard deviation s over all experiments, times and
/// particles (k = 3 by default), divided into the given number of cells. With
/// `equal_spacing` (the default) every axis gets the largest of these spacings, its interval
/// widened about its centre, so that cells are squares (cubes) as the paper's grids are.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridRule {
    /// Cells per axis: one entry for every axis, one per axis, or none for the dimension's
    /// default ([`GridRule::default_cells`]).
    pub cells: Vec<usize>,
    /// The multiple k of the standard deviation.
    #[serde(default = "default_std_multiple")]
    pub std_multiple: f64,
    /// Whether to clip the domain to the data's range.
    #[serde(default = "default_true")]
    pub clip_to_data: bool,
    /// Whether all axes share one spacing h.
    #[serde(default = "default_true")]
    pub equal_spacing: bool,
}

fn default_std_multiple() -> f64 {
    3.0
}

fn default_true() -> bool {
    true
}

impl GridRule {
    /// The rule with `cells` per axis, k = 3 and clipping to the data.
    pub fn new(cells: Vec<usize>) -> Self {
        Self { cells, std_multiple: default_std_multiple(), clip_to_data: true, equal_spacing: true }
    }

    /// The rule whose cells follow the data's dimension ([`GridRule::default_cells`]).
    pub fn automatic() -> Self {
        Self::new(Vec::new())
    }

    /// Cells per axis when a rule gives none: the paper's 256 in 1D and 128 × 128 in 2D, and
    /// 64³ in 3D (where 128³ cells and their FFTs cost seconds per time point).
    pub fn default_cells(dim: usize) -> usize {
        match dim {
            1 => 256,
            2 => 128,
            _ => 64,
        }
    }

    /// The grid this rule gives for `data`.
    pub fn grid(&self, data: &Trajectories) -> Result<Grid, DensityError> {
        self.grid_from(data.dim(), |axis| data.axis_summary(axis))
    }

    /// The grid this rule gives for ragged `observations`: the mean, standard deviation and
    /// range are taken over every observed position.
    pub fn grid_observed(&self, observations: &Observations) -> Result<Grid, DensityError> {
        self.grid_from(observations.dim(), |axis| observations.axis_summary(axis))
    }

    /// The grid this rule gives for data whose coordinates have the summaries `axes` (one per
    /// axis), e.g. accumulated while streaming a file.
    pub fn grid_from_summaries(&self, axes: &[wsindy_core::AxisSummary]) -> Result<Grid, DensityError> {
        if !(1..=3).contains(&axes.len()) {
            return Err(DensityError::Dimension(axes.len()));
        }
        self.grid_from(axes.len(), |axis| axes[axis])
    }

    fn grid_from(
        &self,
        d: usize,
        summary: impl Fn(usize) -> wsindy_core::AxisSummary,
    ) -> Result<Grid, DensityError> {
        let automatic = [Self::default_cells(d)];
        let cells: &[usize] = if self.cells.is_empty() { &automatic } else { &self.cells };
        if cells.len() != 1 && cells.len() != d {
            return Err(DensityError::CellsPerAxis { given: cells.len(), data: d });
        }
        if !(self.std_multiple.is_finite() && self.std_multiple > 0.0) {
            return Err(DensityError::StdMultiple(self.std_multiple));
        }
        let mut axes = Vec::with_capacity(d);
        for axis in 0..d {
            let cells = cells[axis.min(cells.len() - 1)];
            let wsindy_core::AxisSummary { mean, std, min: lo, max: hi } = summary(axis);
            if hi <= lo {
                return Err(DensityError::DegenerateData { axis, value: lo });
            }
            let (mut lower, mut upper) = (mean - self.std_multiple * std, mean + self.std_multiple * std);
            if self.clip_to_data {
                lower = lower.max(lo);
                upper = upper.min(hi);
            }
            axes.push((lower, upper, cells));
        }
        if self.equal_spacing {
            let spacing = axes.iter().map(|&(lo, hi, n)| (hi - lo) / n as f64).fold(0.0, f64::max);
            for (lo, hi, n) in &mut axes {
                let centre = 0.5 * (*lo + *hi);
                let half = 0.5 * spacing * *n as f64;
                (*lo, *hi) = (centre - half, centre + half);
            }
        }
        let axes =
            axes.into_iter().map(|(lo, hi, n)| Axis::from_edges(lo, hi, n)).collect::<Result<_, _>>()?;
        Ok(Grid::new(axes)?)
    }
}

/// The density of `data` on `grid` at every time, averaged over experiments:
/// U_t = (1/M) Σ_m kernel(X^m(t)), each particle of mass 1/N.
pub fn density_series(
    data: &Trajectories,
    grid: &Grid,
    kernel: &dyn DensityKernel,
) -> Result<DensitySeries, DensityError> {
    if grid.dim() != data.dim() {
        return Err(DensityError::DimensionMismatch { grid: grid.dim(), data: data.dim() });
    }
    let cells = grid.len();
    let weight = 1.0 / (data.particles() * data.experiments()) as f64;
    let mut values = vec![0.0; cells * data.time_points()];
    let outside: usize = values
        .par_chunks_mut(cells)
        .enumerate()
        .map(|(l, row)| {
            (0..data.experiments())
                .map(|m| kernel.deposit(grid, data.snapshot(m, l), weight, row))
                .sum::<usize>()
        })
        .sum();
    let observations = data.experiments() * data.time_points() * data.particles();
    Ok(DensitySeries::new(grid.clone(), data.times().to_vec(), values, outside, observations))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_matches_hand_counts() {
        // cells of width 1 on [0, 4): particles at 0.5, 0.7, 2.2, 3.9, 4.0 (upper edge), 5.0 (outside)
        let grid = Grid::new(vec![Axis::from_edges(0.0, 4.0, 4).unwrap()]).unwrap();
        let mut u = vec![0.0; 4];
        let outside = Histogram.deposit(&grid, &[0.5, 0.7, 2.2, 3.9, 4.0, 5.0, -0.1], 1.0, &mut u);
        assert_eq!(u, vec![2.0, 0.0, 1.0, 2.0]);
        assert_eq!(outside, 2);
    }

    #[test]
    fn histogram_2d_matches_hand_counts() {
        let axes = vec![Axis::from_edges(0.0, 2.0, 2).unwrap(), Axis::from_edges(0.0, 1.0, 4).unwrap()];
        let grid = Grid::new(axes).unwrap();
        let mut u = vec![0.0; 8];
        // (x, y): cell (0, 1), (1, 3), (1, 3), outside
        let pts = [0.5, 0.3, 1.5, 0.9, 1.9, 0.8, 2.5, 0.5];
        let outside = Histogram.deposit(&grid, &pts, 1.0, &mut u);
        let h = 1.0 * 0.25;
        assert_eq!(outside, 1);
        let expected: Vec<f64> = [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0].iter().map(|c| c / h).collect();
        assert_eq!(u, expected);
    }

    #[test]
    fn linear_binning_shares_mass_with_the_nearest_points() {
        // centres 0.5, 1.5, 2.5, 3.5
        let grid = Grid::new(vec![Axis::from_edges(0.0, 4.0, 4).unwrap()]).unwrap();
        let mut u = vec![0.0; 4];
        let outside = Linear.deposit(&grid, &[1.0, 2.5, 0.2, 3.9, 4.5], 1.0, &mut u);
        assert_eq!(outside, 1);
        // 1.0: half to 0.5 and 1.5; 2.5: all to 2.5; 0.2 and 3.9 in the outer half cells: all
        // to the last centre
        assert_eq!(u, vec![1.5, 0.5, 1.0, 1.0]);
        // in 2D the weights are products, and the mass is kept
        let axes = vec![Axis::from_edges(0.0, 2.0, 2).unwrap(), Axis::from_edges(0.0, 2.0, 2).unwrap()];
        let grid = Grid::new(axes).unwrap();
        let mut u = vec![0.0; 4];
        assert_eq!(Linear.deposit(&grid, &[0.75, 1.25], 1.0, &mut u), 0);
        // u = 0.25 between the centres 0.5 and 1.5 along x, 0.75 along y
        assert_eq!(u, vec![0.75 * 0.25, 0.75 * 0.75, 0.25 * 0.25, 0.25 * 0.75]);
    }

    #[test]
    fn linear_binning_is_second_order_where_the_histogram_is_first() {
        // the quadrature Σ_k φ(c_k) U(c_k) h of ∫ φ dδ_x = φ(x) for one particle: its worst
        // error over x falls as h for the histogram (φ(c) − φ(x) = O(h)) and as h² for the
        // tent kernel (linear interpolation of φ); with many particles the histogram's errors
        // partly cancel, the tent kernel's bound holds particle by particle
        let phi = |x: f64| (3.0 * x).sin() + x * x;
        let worst = |kernel: &dyn DensityKernel, cells: usize| {
            // a margin of one cell on each side keeps the outer half cells empty
            let h = 1.0 / (cells - 2) as f64;
            let grid = Grid::new(vec![Axis::from_edges(-h, 1.0 + h, cells).unwrap()]).unwrap();
            let centres = grid.axes()[0].centres();
            (0..2000)
                .map(|i| {
                    let x = (i as f64 * 0.618_033_988_749_895).fract();
                    let mut u = vec![0.0; cells];
                    kernel.deposit(&grid, &[x], 1.0, &mut u);
                    let estimate: f64 = centres.iter().zip(&u).map(|(&c, &v)| phi(c) * v * h).sum();
                    (estimate - phi(x)).abs()
                })
                .fold(0.0, f64::max)
        };
        let order = |kernel: &dyn DensityKernel| (worst(kernel, 34) / worst(kernel, 130)).log2() / 2.0;
        let (histogram, linear) = (order(&Histogram), order(&Linear));
        assert!((0.8..1.2).contains(&histogram), "histogram order {histogram}");
        assert!((1.8..2.2).contains(&linear), "linear order {linear}");
    }

    #[test]
    fn series_integrates_to_one_and_counts_outside() {
        let n = 1000;
        let times = vec![0.0, 0.1, 0.2];
        let mut pos = Vec::new();
        for m in 0..2 {
            for l in 0..3 {
                for i in 0..n {
                    pos.push((i as f64 * 0.618_033_988_7 + 0.1 * (l + m) as f64).fract() * 2.0 - 1.0);
                }
            }
        }
        let data = Trajectories::new(2, 3, n, 1, pos, times).unwrap();
        let grid = GridRule::new(vec![64]).grid(&data).unwrap();
        let u = density_series(&data, &grid, &Histogram).unwrap();
        assert_eq!(u.outside(), 0);
        for l in 0..3 {
            let mass: f64 = u.snapshot(l).iter().sum::<f64>() * grid.cell_volume();
            assert!((mass - 1.0).abs() < 1e-12, "mass {mass}");
        }
        // a narrower grid loses particles, and says how many
        let narrow = Grid::new(vec![Axis::from_edges(-0.5, 0.5, 32).unwrap()]).unwrap();
        let u = density_series(&data, &narrow, &Histogram).unwrap();
        let inside: f64 = u.values().iter().sum::<f64>() * narrow.cell_volume() / 3.0;
        let lost = u.outside() as f64 / (2.0 * 3.0 * n as f64);
        assert!((inside + lost - 1.0).abs() < 1e-12);
        assert!(lost > 0.4 && lost < 0.6);
    }

    #[test]
    fn degenerate_data_is_an_error() {
        let data = Trajectories::new(1, 2, 3, 1, vec![1.0; 6], vec![0.0, 1.0]).unwrap();
        assert!(matches!(
            GridRule::new(vec![8]).grid(&data),
            Err(DensityError::DegenerateData { axis: 0, .. })
        ));
        let ok = Trajectories::new(1, 2, 2, 1, vec![0.0, 1.0, 0.0, 1.0], vec![0.0, 1.0]).unwrap();
        assert!(matches!(GridRule::new(vec![8, 8]).grid(&ok), Err(DensityError::CellsPerAxis { .. })));
        assert!(matches!(GridRule::new(vec![1]).grid(&ok), Err(DensityError::Core(_))));
    }

    #[test]
    fn equal_spacing_makes_square_cells_that_cover_every_axis_range() {
        // x₁ spread over [0, 4), x₂ over [0, 1): anisotropic data
        let n = 500;
        let positions: Vec<f64> =
            (0..n).flat_map(|i| [4.0 * i as f64 / n as f64, (i * 7 % n) as f64 / n as f64]).collect();
        let mut both = positions.clone();
        both.extend_from_slice(&positions);
        let data = Trajectories::new(1, 2, n, 2, both, vec![0.0, 1.0]).unwrap();
        let mut rule = GridRule::new(vec![32]);
        rule.std_multiple = 10.0; // the range, not the spread, sets the domain
        let grid = rule.grid(&data).unwrap();
        let [a, b] = grid.axes() else { panic!("two axes") };
        assert!((a.spacing() - b.spacing()).abs() < 1e-15);
        assert!((a.spacing() - 3.992 / 32.0).abs() < 1e-12, "h = {}", a.spacing());
        for (axis, (lo, hi)) in grid.axes().iter().zip([(0.0, 3.992), (0.0, 0.998)]) {
            assert!(axis.lower() <= lo + 1e-12 && axis.upper() >= hi - 1e-12);
            assert!(((axis.lower() + axis.upper()) - (lo + hi)).abs() < 1e-12, "centred on the data");
        }
        rule.equal_spacing = false;
        let grid = rule.grid(&data).unwrap();
        assert!((grid.axes()[1].spacing() - 0.998 / 32.0).abs() < 1e-12);
    }
}
