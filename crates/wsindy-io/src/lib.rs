//! Reading particle data from files into [`Trajectories`], and writing them to `.npz`.
//!
//! [`load_trajectories`] picks the reader from the file extension:
//!
//! * `.npz` ([`read_npz`]): an archive with `positions` of shape (M, L, N, d) or (L, N, d)
//!   (then M = 1) and times `t` (or `times`) of shape (L,), as written by
//!   `numpy.savez(path, positions=X, t=t)` or `numpy.savez_compressed`;
//! * `.npy` ([`read_npy_positions`]): positions only, of the same shapes; the times come from a
//!   [`TimeSource::Array`] (e.g. read with [`read_npy_vector`]) or a [`TimeSource::Spacing`];
//! * `.csv` ([`read_csv`]): long form, one row per particle and time, with columns named as
//!   trackpy (`x, y, frame, particle`) or TrackMate (`POSITION_X, POSITION_Y, POSITION_T,
//!   FRAME, TRACK_ID`) write them.
//!
//! Arrays may be float32 or float64 of either byte order, in C or Fortran order (Fortran-order
//! arrays are transposed). Headers are checked against the size of the file before any data are
//! allocated, and bad input of any kind is an [`IoError`] naming the file and the offending
//! value, never a panic. Positions and times are then validated by [`Trajectories::new`]
//! (finite positions; finite, increasing, equally spaced times).
//!
//! [`write_npz`] writes `positions` (M, L, N, d) and `t` (L,) as float64, readable by
//! `numpy.load` and by [`read_npz`].
//!
//! Ragged data as trackers write them (lost detections, absent frames, experiments of different
//! lengths, track ids) are read into [`wsindy_core::Observations`] by [`load_observations`]:
//! dense `.npz`/`.npy` with NaN for a missed detection ([`read_dense_observed`],
//! [`MissingPolicy`]), long CSV plain or gzip-compressed with any header names through a
//! [`ColumnMap`] ([`read_csv_observed`]) and TrackMate XML ([`read_trackmate`]).
//!
//! ```
//! use wsindy_io::{load_observations, ColumnMap, ObservedOptions};
//! let dir = std::env::temp_dir().join(format!("wsindy-io-ragged-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let csv = dir.join("tracks.csv");
//! // track 8 is lost after frame 0, frame 2 (t = 1.0) is missing
//! let columns: ColumnMap = "t=Time,id=Track,x=X_um".parse().unwrap();
//! let options = ObservedOptions { columns: Some(columns), ..Default::default() };
//! std::fs::write(&csv, "Time,Track,X_um\n0.0,7,1.0\n0.0,8,2.0\n0.5,7,1.1\n1.5,7,1.2\n").unwrap();
//! let obs = load_observations(&csv, &options).unwrap();
//! assert_eq!(obs.time_grid().dt(), 0.5);
//! assert_eq!(obs.absent_frames(), vec![(0, 2)]);
//! assert_eq!(obs.experiment(0).count(3), 1);
//! std::fs::remove_dir_all(&dir).unwrap();
//! ```
//!
//! ```
//! use wsindy_core::Trajectories;
//! use wsindy_io::{load_trajectories, write_npz, TimeSource};
//!
//! let dir = std::env::temp_dir().join(format!("wsindy-io-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//!
//! // round trip through .npz: one experiment, three times, two particles in 1-D
//! let data = Trajectories::new(1, 3, 2, 1, vec![0.0, 1.0, 0.1, 1.1, 0.2, 1.2], vec![0.0, 0.5, 1.0]).unwrap();
//! let npz = dir.join("data.npz");
//! write_npz(&npz, &data).unwrap();
//! assert_eq!(load_trajectories(&npz, TimeSource::FromFile).unwrap(), data);
//!
//! // a trackpy-style CSV; the time step comes from outside
//! let csv = dir.join("tracks.csv");
//! std::fs::write(&csv, "x,y,frame,particle\n0,0,0,1\n1,2,0,0\n0.5,0,1,1\n1.5,2,1,0\n").unwrap();
//! let tracks = load_trajectories(&csv, TimeSource::Spacing(0.1)).unwrap();
//! assert_eq!((tracks.experiments(), tracks.time_points(), tracks.particles(), tracks.dim()), (1, 2, 2, 2));
//! assert_eq!(tracks.snapshot(0, 1), &[1.5, 2.0, 0.5, 0.0]); // ordered by particle id
//! assert_eq!(tracks.times(), &[0.0, 0.1]);
//!
//! // bad input is an error naming the problem
//! let err = load_trajectories(&dir.join("missing.npz"), TimeSource::FromFile).unwrap_err();
//! assert!(err.to_string().contains("missing.npz"));
//! std::fs::remove_dir_all(&dir).unwrap();
//! ```

mod csv_long;
mod csv_observed;
mod error;
mod npy;
mod npz;
mod observed;
mod stream;
pub mod trackmate;

use std::path::Path;

pub use csv_long::read_csv;
pub use csv_observed::{ColumnMap, read_csv_observed};
pub use error::IoError;
pub use npy::{NpyArray, NpyWriter, read_npy, read_npy_vector, write_npy};
pub use npz::{read_npz, write_npz};
pub use observed::{MissingPolicy, ObservedOptions, load_observations, read_dense_observed};
pub use stream::{StreamProgress, StreamScan, can_stream, scan_file, stream_file};
pub use trackmate::{TrackMateData, TrackMateError, read_trackmate};
use wsindy_core::Trajectories;

/// Where the observation times come from.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum TimeSource {
    /// From the data file: the `t` (or `times`) array of an `.npz`, the time (or frame)
    /// column of a CSV. An error for `.npy` files, which hold no times.
    #[default]
    FromFile,
    /// These times, one per time point (e.g. read from `--times T.npy` with
    /// [`read_npy_vector`]); they replace any times in the file.
    Array(Vec<f64>),
    /// Equally spaced times 0, dt, 2dt, … (e.g. from `--dt DT`); for a CSV with frame numbers
    /// and no time column, t = frame · dt.
    Spacing(f64),
}

impl TimeSource {
    /// The `time_points` times this source gives for positions read from `path`, when the file
    /// itself holds no times.
    fn times(self, path: &Path, time_points: usize) -> Result<Vec<f64>, IoError> {
        match self {
            TimeSource::FromFile => Err(IoError::TimesRequired { path: path.into() }),
            TimeSource::Array(times) => Ok(times),
            TimeSource::Spacing(dt) => spacing_times(dt, time_points),
        }
    }
}

/// Times 0, dt, 2dt, …, (n − 1) dt.
fn spacing_times(dt: f64, n: usize) -> Result<Vec<f64>, IoError> {
    if !(dt.is_finite() && dt > 0.0) {
        return Err(IoError::InvalidSpacing { dt });
    }
    Ok((0..n).map(|k| k as f64 * dt).collect())
}

/// Reads trajectories from `path`, choosing the format by its extension (`.npz`, `.npy`,
/// `.csv`; `.tsv` is read as CSV), case-insensitively.
///
/// See [`read_npz`], [`read_npy_positions`] and [`read_csv`] for the formats and for how
/// `times` is used.
pub fn load_trajectories(path: &Path, times: TimeSource) -> Result<Trajectories, IoError> {
    let extension = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "npz" => read_npz(path, times),
        "npy" => read_npy_positions(path, times),
        "csv" | "tsv" => read_csv(path, times),
        _ => Err(IoError::UnsupportedFormat { path: path.into(), extension }),
    }
}

/// Reads a `.npy` file of positions of shape (M, L, N, d) or (L, N, d) (then M = 1), float32
/// or float64. The file holds no times: `times` must be [`TimeSource::Array`] or
/// [`TimeSource::Spacing`], else [`IoError::TimesRequired`].
pub fn read_npy_positions(path: &Path, times: TimeSource) -> Result<Trajectories, IoError> {
    let (dims, positions, times) = read_npy_arrays(path, times)?;
    build_trajectories(path, dims, positions, times)
}

/// The (M, L, N, d) shape, positions and times of a `.npy` positions file, unvalidated.
fn read_npy_arrays(path: &Path, times: TimeSource) -> Result<DenseArrays, IoError> {
    if times == TimeSource::FromFile {
        // a missing file is the more basic problem
        std::fs::metadata(path).map_err(|cause| IoError::Read { path: path.into(), cause })?;
        return Err(IoError::TimesRequired { path: path.into() });
    }
    let array = npy::read_npy_as(path, "positions", npy::Accept::Floats)?;
    let dims = positions_dims(path, "positions", &array.shape)?;
    let times = times.times(path, dims[1])?;
    Ok((dims, array.values, times))
}

/// The (M, L, N, d) shape, the positions and the times of a dense file, unvalidated.
pub(crate) type DenseArrays = ([usize; 4], Vec<f64>, Vec<f64>);

/// (M, L, N, d) from a positions shape (M, L, N, d) or (L, N, d).
fn positions_dims(path: &Path, array: &str, shape: &[usize]) -> Result<[usize; 4], IoError> {
    match *shape {
        [m, l, n, d] => Ok([m, l, n, d]),
        [l, n, d] => Ok([1, l, n, d]),
        _ => Err(IoError::WrongShape {
            path: path.into(),
            array: array.into(),
            shape: shape.to_vec(),
            expected: "(M, L, N, d) or (L, N, d): experiments, times, particles, dimensions",
        }),
    }
}

/// Checks the number of times and validates through [`Trajectories::new`].
fn build_trajectories(
    path: &Path,
    [m, l, n, d]: [usize; 4],
    positions: Vec<f64>,
    times: Vec<f64>,
) -> Result<Trajectories, IoError> {
    if times.len() != l {
        return Err(IoError::TimesLength { path: path.into(), expected: l, got: times.len() });
    }
    Trajectories::new(m, l, n, d, positions, times)
        .map_err(|cause| IoError::Trajectories { path: path.into(), cause })
}
