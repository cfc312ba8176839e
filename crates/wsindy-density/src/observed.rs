//! The density of ragged [`Observations`], pooled over experiments, with what was observed
//! at every time.

use rayon::prelude::*;
pub use wsindy_core::ObservedDensity;
use wsindy_core::memory;
use wsindy_core::{CoreError, DensityKernel, DensitySeries, Grid, Normalisation, Observations};

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
    let counts = observations.particle_counts(normalisation);
    let experiments = observations.experiment_list();
    let per_frame = normalisation == Normalisation::PerFrame;
    let mut present = vec![false; times * m_count];
    let mut particles = vec![0usize; times];
    for (l, (flags, total)) in present.chunks_mut(m_count).zip(&mut particles).enumerate() {
        let k = start + l;
        for ((flag, e), &n) in flags.iter_mut().zip(experiments).zip(&counts) {
            *flag = e.is_present(k) && (!per_frame || e.count(k) > 0);
            if *flag {
                *total += n;
            }
        }
    }
    let mut values = vec![0.0; cells * times];
    let outside: usize = values
        .par_chunks_mut(cells)
        .zip(present.par_chunks(m_count))
        .zip(particles.par_iter())
        .enumerate()
        .map(|(l, ((row, flags), &total))| {
            let k = start + l;
            let mut outside = 0;
            for ((e, &n), _) in experiments.iter().zip(&counts).zip(flags).filter(|(_, f)| **f) {
                let Some(points) = e.frame(k) else { continue };
                let weight = if per_frame {
                    n as f64 / (e.count(k) as f64 * total as f64)
                } else {
                    1.0 / total as f64
                };
                outside += kernel.deposit(grid, points, weight, row);
            }
            outside
        })
        .sum();
    let deposited = (0..times)
        .map(|l| {
            experiments
                .iter()
                .zip(&present[l * m_count..(l + 1) * m_count])
                .filter(|(_, f)| **f)
                .map(|(e, _)| e.count(start + l))
                .sum::<usize>()
        })
        .sum();
    let grid_times = observations.time_grid();
    let series = DensitySeries::new(
        grid.clone(),
        (start..end).map(|k| grid_times.time(k)).collect(),
        values,
        outside,
        deposited,
    );
    Ok(ObservedDensity::new(series, start, m_count, present, particles))
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
