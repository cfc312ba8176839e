//! Reading ragged [`Observations`]: dense arrays with NaN for missed detections, long CSV
//! (plain or gzip) through a [`ColumnMap`](crate::ColumnMap), and TrackMate XML.

use std::path::Path;

use wsindy_core::memory;
use wsindy_core::{Observations, ObservedExperiment, TimeGrid};

use crate::{ColumnMap, IoError, TimeSource, build_trajectories};

/// What a NaN in a dense positions array means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingPolicy {
    /// A particle whose coordinates are all NaN was not observed at that time; it is left out
    /// of that frame. A frame in which no particle was observed is absent.
    #[default]
    Skip,
    /// Every position must be finite, as for [`crate::load_trajectories`]: a NaN is an error
    /// naming experiment, time, particle and coordinate.
    Error,
}

/// How [`load_observations`] reads a file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ObservedOptions {
    /// Where the times come from (see [`TimeSource`]; for TrackMate XML the frame interval of
    /// the file is used unless [`TimeSource::Spacing`] overrides it).
    pub times: TimeSource,
    /// NaN handling of dense arrays.
    pub missing: MissingPolicy,
    /// Which CSV columns hold what; `None`: the default names of [`crate::read_csv`].
    pub columns: Option<ColumnMap>,
}

/// Reads ragged observations from `path`, choosing the reader by the file name (case
/// insensitive): `.npz` and `.npy` (dense arrays, NaN = not observed, see [`MissingPolicy`]),
/// `.csv`, `.tsv`, `.csv.gz`, `.tsv.gz` ([`crate::read_csv_observed`]) and `.xml` (TrackMate,
/// [`crate::read_trackmate`]).
pub fn load_observations(path: &Path, options: &ObservedOptions) -> Result<Observations, IoError> {
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let stem = name.strip_suffix(".gz").unwrap_or(&name);
    let extension = stem.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    match extension {
        "npz" | "npy" if !name.ends_with(".gz") => {
            read_dense_observed(path, options.times.clone(), options.missing)
        }
        "csv" | "tsv" => crate::read_csv_observed(path, options.columns.as_ref(), options.times.clone()),
        "xml" if !name.ends_with(".gz") => {
            let mut data = crate::read_trackmate(path)?;
            if let TimeSource::Spacing(dt) = options.times {
                let grid = TimeGrid::new(0.0, dt).map_err(|_| IoError::InvalidSpacing { dt })?;
                data.observations = data.observations.with_time_grid(grid);
            }
            Ok(data.observations)
        }
        _ => Err(IoError::UnsupportedFormat { path: path.into(), extension: extension.to_string() }),
    }
}

/// Reads a dense `.npz` or `.npy` positions array of shape (M, L, N, d) or (L, N, d) in which
/// NaN marks a missed detection (see [`MissingPolicy`]). Track ids are the particle indices.
///
/// A particle with only some coordinates NaN is [`IoError::PartialNan`], ±Inf is
/// [`IoError::InfinitePosition`]; both name experiment, time index, particle and coordinate.
/// Times are as for [`crate::read_npz`] and [`crate::read_npy_positions`].
pub fn read_dense_observed(
    path: &Path,
    times: TimeSource,
    missing: MissingPolicy,
) -> Result<Observations, IoError> {
    let extension = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let (dims, positions, times) = match extension.as_str() {
        "npz" => crate::npz::read_npz_arrays(path, times)?,
        _ => crate::read_npy_arrays(path, times)?,
    };
    let observations_err = |cause| IoError::Observations { path: path.into(), cause };
    if missing == MissingPolicy::Error {
        let data = build_trajectories(path, dims, positions, times)?;
        return Observations::from_trajectories(&data).map_err(observations_err);
    }
    let [m, l, n, d] = dims;
    if times.len() != l {
        return Err(IoError::TimesLength { path: path.into(), expected: l, got: times.len() });
    }
    let grid = TimeGrid::from_times(&times, 0).map_err(observations_err)?;
    let expected = m.checked_mul(l).and_then(|v| v.checked_mul(n)).and_then(|v| v.checked_mul(d));
    if expected != Some(positions.len()) || !(1..=3).contains(&d) {
        return Err(IoError::WrongShape {
            path: path.into(),
            array: "positions".into(),
            shape: dims.to_vec(),
            expected: "(M, L, N, d) or (L, N, d) with d = 1, 2 or 3",
        });
    }
    // the observations and their ids, next to the array
    memory::check(
        memory::bytes_for(positions.len(), 8).saturating_add(memory::bytes_for(m * l * n, 16)),
        &format!("the observations of a positions array of shape {dims:?}"),
        "read a smaller data set, or raise the budget",
    )
    .map_err(|cause| IoError::Memory { path: path.into(), cause })?;
    let mut experiments = Vec::with_capacity(m);
    for e in 0..m {
        let mut counts = Vec::with_capacity(l);
        let mut kept = Vec::new();
        let mut ids = Vec::new();
        for t in 0..l {
            let mut count = 0;
            for p in 0..n {
                let start = ((e * l + t) * n + p) * d;
                let point = &positions[start..start + d];
                if !crate::stream::check_point(path, MissingPolicy::Skip, (e, t, p), point)? {
                    continue;
                }
                kept.extend_from_slice(point);
                ids.push(Some(p as u64));
                count += 1;
            }
            counts.push((count > 0).then_some(count));
        }
        experiments.push(ObservedExperiment::new(0, counts, kept, ids));
    }
    Observations::new(d, grid, experiments).map_err(observations_err)
}

/// One observation as a reader collects it before grouping.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Point {
    pub experiment: usize,
    pub frame: usize,
    pub id: Option<u64>,
    pub position: [f64; 3],
}

/// Groups `points` (any order) into experiments: each covers its first to its last frame
/// with a point, frames without points are absent unless listed in `empty` (experiment,
/// frame), which are present with no observations. Within a frame, points are ordered by id
/// (untracked last) and otherwise keep their order.
pub(crate) fn group_points(
    dim: usize,
    grid: TimeGrid,
    experiments: usize,
    mut points: Vec<Point>,
    empty: &[(usize, usize)],
) -> Result<Observations, wsindy_core::ObservationError> {
    points.sort_by(|a, b| {
        (a.experiment, a.frame, a.id.is_none(), a.id).cmp(&(b.experiment, b.frame, b.id.is_none(), b.id))
    });
    let has_ids = points.iter().any(|p| p.id.is_some());
    let mut out = Vec::with_capacity(experiments);
    let mut rest = &points[..];
    for m in 0..experiments {
        let split = rest.partition_point(|p| p.experiment == m);
        let (mine, tail) = rest.split_at(split);
        rest = tail;
        let empties = empty.iter().filter(|(e, _)| *e == m).map(|&(_, k)| k);
        let first = mine.iter().map(|p| p.frame).chain(empties.clone()).min();
        let last = mine.iter().map(|p| p.frame).chain(empties).max();
        let (Some(first), Some(last)) = (first, last) else {
            out.push(ObservedExperiment::new(0, Vec::new(), Vec::new(), Vec::new()));
            continue;
        };
        memory::check(
            memory::bytes_for(last - first + 1, 3 * std::mem::size_of::<usize>()),
            &format!("experiment {m}'s frames {first}..={last}"),
            "check the frame numbers, or raise the budget",
        )?;
        let mut counts = vec![None; last - first + 1];
        for &(e, k) in empty {
            if e == m {
                counts[k - first] = Some(0);
            }
        }
        let mut positions = Vec::with_capacity(mine.len() * dim);
        let mut ids = Vec::with_capacity(if has_ids { mine.len() } else { 0 });
        for p in mine {
            let c = counts[p.frame - first].get_or_insert(0);
            *c += 1;
            positions.extend_from_slice(&p.position[..dim]);
            if has_ids {
                ids.push(p.id);
            }
        }
        out.push(ObservedExperiment::new(first, counts, positions, ids));
    }
    Observations::new(dim, grid, out)
}
