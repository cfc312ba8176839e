//! The density of ragged [`Observations`], pooled over experiments, with what was observed
//! at every time.

use rayon::prelude::*;
pub use wsindy_core::ObservedDensity;
use wsindy_core::memory;
use wsindy_core::{
    CoreError, DensityKernel, DensitySeries, Grid, Normalisation, ObservationLayout, Observations, Pooling,
    TimeGrid,
};

use crate::DensityError;

/// The density of ragged `observations` on `grid` at every frame they cover, pooled over
/// the experiments present at each frame: U_t = Σ_m N_m U^m_t / Σ_m N_m.
///
/// With [`Normalisation::PerExperiment`] (or [`Normalisation::Particles`]) U^m_t = kernel of
/// the observed positions / N_m, so each observation has mass 1 / Σ_m N_m and a lost detection
/// lowers the mass of its frame. With [`Normalisation::PerFrame`] U^m_t = kernel / n_m(t)
/// (n_m(t) observations at t), so each present frame of each experiment has mass one, and the
/// experiments are still pooled with weights N_m. On complete observations from
/// [`Observations::from_trajectories`] with [`Normalisation::PerExperiment`] the result equals
/// [`density_series`](crate::density_series) bit for bit.
///
/// The memory of the series (times × cells) is checked against the budget first.
pub fn density_series_observed(
    observations: &Observations,
    grid: &Grid,
    kernel: &dyn DensityKernel,
    normalisation: Normalisation,
) -> Result<ObservedDensity, DensityError> {
    if grid.dim() != observations.dim() {
        return Err(DensityError::DimensionMismatch { grid: grid.dim(), data: observations.dim() });
    }
    let (start, end) = observations.frame_range();
    let times = end - start;
    if times < 2 {
        return Err(
            CoreError::TooSmall { what: "frames covered by the observations", min: 2, got: times }.into()
        );
    }
    let cells = grid.len();
    let m_count = observations.experiments();
    let needed = memory::bytes_for(cells.saturating_mul(times), 8)
        .saturating_add(memory::bytes_for(times, m_count + 8));
    memory::check(
        needed,
        &format!("the density series ({times} times × {cells} grid cells)"),
        "use fewer grid cells or a shorter time range, or raise the budget",
    )?;
    let pooling = observations.layout().pooling(normalisation);
    let experiments = observations.experiment_list();
    let mut values = vec![0.0; cells * times];
    let outside: usize = values
        .par_chunks_mut(cells)
        .enumerate()
        .map(|(l, row)| {
            let k = start + l;
            let mut outside = 0;
            for (m, e) in experiments.iter().enumerate() {
                let Some(points) = e.frame(k).filter(|_| pooling.present[l * m_count + m]) else { continue };
                outside += kernel.deposit(grid, points, pooling.weights[l * m_count + m], row);
            }
            outside
        })
        .sum();
    let times = (start..end).map(|k| observations.time_grid().time(k)).collect();
    Ok(finish(grid, times, values, outside, pooling))
}

/// The observed density from its pooled values and the pooling they were deposited with.
fn finish(
    grid: &Grid,
    times: Vec<f64>,
    values: Vec<f64>,
    outside: usize,
    pooling: Pooling,
) -> ObservedDensity {
    let series = DensitySeries::new(grid.clone(), times, values, outside, pooling.deposited);
    ObservedDensity::new(series, pooling.first_frame, pooling.experiments, pooling.present, pooling.particles)
}

/// The pooled density of observations that arrive in blocks (a file read in pieces), each
/// observation deposited with the weight its experiment's and frame's counts give: the counts
/// come first, in an [`ObservationLayout`] (a first pass over the data), the positions after.
///
/// Fed the observations of `Observations` in any order, it gives the density of
/// [`density_series_observed`] up to the rounding of the sums' order.
///
/// ```
/// use wsindy_core::{Axis, ExperimentLayout, Grid, Normalisation, ObservationLayout, TimeGrid};
/// use wsindy_density::{DensityAccumulator, Histogram};
/// let grid = Grid::new(vec![Axis::from_edges(0.0, 2.0, 2).unwrap()]).unwrap();
/// let layout = ObservationLayout {
///     experiments: vec![ExperimentLayout { first_frame: 0, counts: vec![Some(2), Some(1)], particles: 2 }],
/// };
/// let mut acc = DensityAccumulator::new(&grid, &Histogram, &layout, Normalisation::PerFrame, TimeGrid::new(0.0, 0.5).unwrap()).unwrap();
/// acc.add(0, 1, &[1.5]);
/// acc.add(0, 0, &[0.5]);
/// acc.add(0, 0, &[1.5]);
/// let u = acc.finish();
/// assert_eq!(u.series().snapshot(0), &[0.5, 0.5]);
/// assert_eq!(u.series().snapshot(1), &[0.0, 1.0]);
/// ```
pub struct DensityAccumulator<'a> {
    grid: &'a Grid,
    kernel: &'a dyn DensityKernel,
    pooling: Pooling,
    times: Vec<f64>,
    values: Vec<f64>,
    outside: usize,
}

impl<'a> DensityAccumulator<'a> {
    /// An empty density on `grid` for observations laid out as `layout`, at the frames of
    /// `time_grid`; the memory of the series is checked against the budget first.
    pub fn new(
        grid: &'a Grid,
        kernel: &'a dyn DensityKernel,
        layout: &ObservationLayout,
        normalisation: Normalisation,
        time_grid: TimeGrid,
    ) -> Result<Self, DensityError> {
        let (start, end) = layout.frame_range();
        let times = end - start;
        if times < 2 {
            return Err(CoreError::TooSmall {
                what: "frames covered by the observations",
                min: 2,
                got: times,
            }
            .into());
        }
        let cells = grid.len();
        let m_count = layout.experiments.len();
        memory::check(
            memory::bytes_for(cells.saturating_mul(times), 8)
                .saturating_add(memory::bytes_for(times, 9 * m_count + 8)),
            &format!("the density series ({times} times × {cells} grid cells)"),
            "use fewer grid cells or a shorter time range, or raise the budget",
        )?;
        Ok(Self {
            grid,
            kernel,
            pooling: layout.pooling(normalisation),
            times: (start..end).map(|k| time_grid.time(k)).collect(),
            values: vec![0.0; cells * times],
            outside: 0,
        })
    }

    /// Deposits `points` (point-major, d per point) observed in experiment `m` at frame `k`;
    /// points of an experiment or frame the layout does not count are ignored.
    pub fn add(&mut self, m: usize, k: usize, points: &[f64]) {
        let weight = if m < self.pooling.experiments { self.pooling.weight(m, k) } else { 0.0 };
        if weight == 0.0 {
            return;
        }
        let cells = self.grid.len();
        let l = k - self.pooling.first_frame;
        self.outside +=
            self.kernel.deposit(self.grid, points, weight, &mut self.values[l * cells..(l + 1) * cells]);
    }

    /// The pooled density.
    pub fn finish(self) -> ObservedDensity {
        finish(self.grid, self.times, self.values, self.outside, self.pooling)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{GridRule, Histogram, Linear, density_series};
    use wsindy_core::{Axis, ObservedExperiment, TimeGrid, Trajectories};

    #[test]
    fn complete_data_give_density_series_bit_for_bit() {
        let (m, l, n) = (3, 5, 37);
        let positions: Vec<f64> =
            (0..m * l * n * 2).map(|k| (k as f64 * 0.618_033_988_7).fract() * 4.0 - 2.0).collect();
        let data =
            Trajectories::new(m, l, n, 2, positions, (0..l).map(|k| 0.1 * k as f64).collect()).unwrap();
        let obs = Observations::from_trajectories(&data).unwrap();
        let grid = GridRule::new(vec![12]).grid(&data).unwrap();
        assert_eq!(GridRule::new(vec![12]).grid_observed(&obs).unwrap(), grid);
        for kernel in [&Histogram as &dyn DensityKernel, &Linear] {
            let dense = density_series(&data, &grid, kernel).unwrap();
            let ragged = density_series_observed(&obs, &grid, kernel, Normalisation::PerExperiment).unwrap();
            let bits = |s: &DensitySeries| s.values().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(ragged.series()), bits(&dense));
            assert_eq!(ragged.series().times(), dense.times());
            assert_eq!(
                (ragged.series().outside(), ragged.series().observations()),
                (dense.outside(), dense.observations())
            );
            assert!(ragged.absent_times().is_empty());
            assert!((0..l).all(|t| ragged.is_complete(t)));
        }
    }

    #[test]
    fn pools_present_experiments_weighted_by_particle_count() {
        let grid = Grid::new(vec![Axis::from_edges(0.0, 4.0, 4).unwrap()]).unwrap();
        // experiment 0: 2 particles, frames 0..3, frame 1 absent; experiment 1: 4 particles
        // (ids), frames 1..3, one lost detection at frame 2
        let a = ObservedExperiment::new(0, vec![Some(2), None, Some(2)], vec![0.5, 1.5, 0.5, 2.5], vec![]);
        let b = ObservedExperiment::new(
            1,
            vec![Some(4), Some(3)],
            vec![3.5, 3.5, 3.5, 3.5, 3.5, 3.5, 3.5],
            [1, 2, 3, 4, 1, 2, 3].map(Some).to_vec(),
        );
        let obs = Observations::new(1, TimeGrid::new(0.0, 1.0).unwrap(), vec![a, b]).unwrap();
        let u = density_series_observed(&obs, &grid, &Histogram, Normalisation::PerExperiment).unwrap();
        assert_eq!(u.time_points(), 3);
        assert_eq!(u.present(0), &[true, false]);
        assert_eq!(u.present(1), &[false, true]);
        assert_eq!(u.particles(2), 6);
        assert_eq!(u.series().snapshot(0), &[0.5, 0.5, 0.0, 0.0]);
        assert_eq!(u.series().snapshot(1), &[0.0, 0.0, 0.0, 1.0]);
        // 2 of 6 particles from experiment 0, 3 of 6 observed in experiment 1
        let s = u.series().snapshot(2);
        assert_eq!(s, &[1.0 / 6.0, 0.0, 1.0 / 6.0, 0.5]);
        let per_frame = density_series_observed(&obs, &grid, &Histogram, Normalisation::PerFrame).unwrap();
        // experiment 1's frame mass 1, weight 4/6; experiment 0's weight 2/6
        let s = per_frame.series().snapshot(2);
        assert!((s[3] - 4.0 / 6.0).abs() < 1e-15 && (s[0] - 1.0 / 6.0).abs() < 1e-15, "{s:?}");
        assert!(u.window_observed(0..3));
    }

    #[test]
    fn a_frame_absent_everywhere_is_reported() {
        let grid = Grid::new(vec![Axis::from_edges(0.0, 1.0, 2).unwrap()]).unwrap();
        let a =
            ObservedExperiment::new(0, vec![Some(1), None, Some(1), Some(1)], vec![0.2, 0.3, 0.4], vec![]);
        let obs = Observations::new(1, TimeGrid::new(0.0, 0.5).unwrap(), vec![a]).unwrap();
        let u = density_series_observed(&obs, &grid, &Histogram, Normalisation::PerExperiment).unwrap();
        assert_eq!(u.absent_times(), vec![1]);
        assert_eq!(u.observed_mask(), vec![true, false, true, true]);
        assert!(!u.window_observed(0..3) && u.window_observed(2..4) && !u.window_observed(2..5));
        assert_eq!(u.series().snapshot(1), &[0.0, 0.0]);
        assert_eq!(u.series().times(), &[0.0, 0.5, 1.0, 1.5]);
        let wrong = Grid::new(vec![Axis::from_edges(0.0, 1.0, 2).unwrap(); 2]).unwrap();
        assert!(matches!(
            density_series_observed(&obs, &wrong, &Histogram, Normalisation::PerFrame),
            Err(DensityError::DimensionMismatch { .. })
        ));
    }
}
