use std::path::PathBuf;

use thiserror::Error;
use wsindy_core::memory::MemoryError;
use wsindy_core::{CoreError, ObservationError};

/// Everything that can go wrong when reading or writing particle data.
///
/// Every variant names the file, the offending value and what was expected instead. The
/// underlying [`std::io::Error`] or [`CoreError`] is part of the message and kept in a public
/// field (`cause`), so that printing an error chain does not repeat it.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IoError {
    /// The file could not be opened or read (missing file, permissions, I/O failure).
    #[error("cannot read {}: {cause}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system reported.
        cause: std::io::Error,
    },
    /// The file could not be created or written.
    #[error("cannot write {}: {cause}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// What the operating system (or the zip writer) reported.
        cause: std::io::Error,
    },
    /// The file extension is not one this crate reads.
    #[error("{}: unsupported file type {extension:?}, expected .npz, .npy or .csv", path.display())]
    UnsupportedFormat {
        /// The file.
        path: PathBuf,
        /// Its extension (empty if it has none).
        extension: String,
    },
    /// A `.npy` array (a file, or an entry of a `.npz` archive) is malformed or truncated.
    #[error("{}: array `{array}` is not a valid .npy array: {reason}", path.display())]
    InvalidNpy {
        /// The file.
        path: PathBuf,
        /// Which array (`positions`, `t`, …).
        array: String,
        /// What is wrong.
        reason: String,
    },
    /// A `.npz` file is not a readable zip archive, or one of its entries is corrupt.
    #[error("{}: not a valid .npz (zip) archive: {reason}", path.display())]
    InvalidNpz {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The header of an array declares a different amount of data than the file holds.
    ///
    /// Checked before any memory is allocated for the data, so a corrupt header cannot make
    /// the reader allocate more than the file could possibly contain.
    #[error(
        "{}: array `{array}`: header declares shape {shape:?} of dtype {dtype}, i.e. {expected} bytes of data, but {available} bytes follow the header",
        path.display()
    )]
    DataSize {
        /// The file.
        path: PathBuf,
        /// Which array.
        array: String,
        /// The declared shape.
        shape: Vec<usize>,
        /// The declared dtype (numpy notation, e.g. `<f8`).
        dtype: String,
        /// Bytes of data the header declares.
        expected: u64,
        /// Bytes of data actually present.
        available: u64,
    },
    /// The declared shape has more elements (or bytes) than can be addressed.
    #[error("{}: array `{array}`: shape {shape:?} is too large: its size in bytes overflows", path.display())]
    ShapeOverflow {
        /// The file.
        path: PathBuf,
        /// Which array.
        array: String,
        /// The declared shape.
        shape: Vec<u64>,
    },
    /// The element type of an array is not supported.
    #[error("{}: array `{array}` has unsupported dtype {dtype:?}, expected {expected}", path.display())]
    UnsupportedDtype {
        /// The file.
        path: PathBuf,
        /// Which array.
        array: String,
        /// The declared dtype (numpy notation, e.g. `<i8`, `<c16`, `|O`).
        dtype: String,
        /// The accepted dtypes in words.
        expected: &'static str,
    },
    /// An array has the wrong number of dimensions or a bad shape.
    #[error("{}: array `{array}` has shape {shape:?}, expected {expected}", path.display())]
    WrongShape {
        /// The file.
        path: PathBuf,
        /// Which array.
        array: String,
        /// The shape found.
        shape: Vec<usize>,
        /// The accepted shapes in words.
        expected: &'static str,
    },
    /// A `.npz` archive lacks a required array.
    #[error("{}: no array {wanted} in the archive; arrays found: [{}]", path.display(), .found.join(", "))]
    MissingArray {
        /// The file.
        path: PathBuf,
        /// The accepted name(s) of the missing array.
        wanted: String,
        /// The arrays the archive holds.
        found: Vec<String>,
    },
    /// The number of times does not match the number of time points of the positions.
    #[error("{}: {got} times given, but the positions have {expected} time points", path.display())]
    TimesLength {
        /// The positions file.
        path: PathBuf,
        /// Time points of the positions (L).
        expected: usize,
        /// Times given.
        got: usize,
    },
    /// The file holds no times and none were given.
    #[error(
        "{}: this file holds no times: give them as TimeSource::Array (e.g. --times T.npy) or TimeSource::Spacing (e.g. --dt DT)",
        path.display()
    )]
    TimesRequired {
        /// The positions file.
        path: PathBuf,
    },
    /// The time step of [`TimeSource::Spacing`](crate::TimeSource::Spacing) is not usable.
    #[error("time step dt = {} is invalid: expected a finite positive number", wsindy_core::display::Number(*.dt))]
    InvalidSpacing {
        /// The value given.
        dt: f64,
    },
    /// Values to write do not match their declared shape.
    #[error("{}: shape {shape:?} needs {} values, got {got}", path.display(), wsindy_core::display::Count(*.expected))]
    LengthMismatch {
        /// The file to be written.
        path: PathBuf,
        /// The declared shape.
        shape: Vec<usize>,
        /// Values the shape needs (saturated at `usize::MAX`).
        expected: usize,
        /// Values given.
        got: usize,
    },
    /// A CSV file lacks a required column.
    #[error(
        "{}: missing CSV column(s): {}; columns found: [{}]",
        path.display(),
        .missing.join("; "),
        .found.join(", ")
    )]
    CsvMissingColumns {
        /// The file.
        path: PathBuf,
        /// Each missing column with its accepted names, e.g. `x (accepted: x, POSITION_X)`.
        missing: Vec<String>,
        /// The header of the file.
        found: Vec<String>,
    },
    /// A value in a data row of a CSV file is not a number.
    #[error("{}: line {line}: column {column}: cannot read {value:?} as {expected}", path.display())]
    CsvValue {
        /// The file.
        path: PathBuf,
        /// Line number (1-based).
        line: u64,
        /// Column name as written in the header.
        column: String,
        /// The text found.
        value: String,
        /// What was expected in words.
        expected: &'static str,
    },
    /// A CSV file is malformed (bad quoting, invalid UTF-8, …) or holds no data rows.
    #[error("{}: {reason}", path.display())]
    CsvFormat {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Two snapshots of a CSV file hold different numbers of particles.
    #[error(
        "{}: experiment {experiment} at time {time} has {got} particles, but experiment {first_experiment} at time {first_time} has {expected}; every snapshot must hold the same number of particles",
        path.display()
    )]
    UnequalCounts {
        /// The file.
        path: PathBuf,
        /// Experiment label of the offending snapshot (0 without an experiment column).
        experiment: f64,
        /// Time (or frame) of the offending snapshot, as written in the file.
        time: f64,
        /// Its particle count.
        got: usize,
        /// Experiment label of the first snapshot.
        first_experiment: f64,
        /// Time (or frame) of the first snapshot.
        first_time: f64,
        /// The particle count of the first snapshot.
        expected: usize,
    },
    /// An experiment of a CSV file lacks a time that another experiment has.
    #[error(
        "{}: experiment {experiment} has no rows at time {time}, which experiment {other_experiment} has; all experiments must share the same times",
        path.display()
    )]
    MissingSnapshot {
        /// The file.
        path: PathBuf,
        /// Experiment label lacking the time.
        experiment: f64,
        /// The missing time (or frame), as written in the file.
        time: f64,
        /// Experiment label that has it.
        other_experiment: f64,
    },
    /// A particle id occurs twice in one snapshot of a CSV file.
    #[error("{}: particle {particle} occurs more than once in experiment {experiment} at time {time}", path.display())]
    DuplicateParticle {
        /// The file.
        path: PathBuf,
        /// Experiment label.
        experiment: f64,
        /// Time (or frame), as written in the file.
        time: f64,
        /// The repeated particle id.
        particle: f64,
    },
    /// The array the header declares would not fit in the memory budget
    /// ([`wsindy_core::memory`]); checked before any memory is allocated for the data.
    #[error("{}: {cause}", path.display())]
    Memory {
        /// The file.
        path: PathBuf,
        /// The sizes and the budget.
        cause: MemoryError,
    },
    /// The data were read but rejected by [`wsindy_core::Trajectories::new`] (non-finite
    /// positions, times not increasing or not equally spaced, too few time points, …).
    #[error("{}: {cause}", path.display())]
    Trajectories {
        /// The file.
        path: PathBuf,
        /// The validation error, naming experiment, time and particle where relevant.
        cause: CoreError,
    },
    /// The data were read but rejected by [`wsindy_core::Observations::new`] (track id twice
    /// in a frame, an experiment without observations, times off the common grid, …).
    #[error("{}: {cause}", path.display())]
    Observations {
        /// The file.
        path: PathBuf,
        /// The validation error, naming experiment, frame and entry.
        cause: ObservationError,
    },
    /// A particle of a dense array has some coordinates NaN and others not: NaN marks a
    /// missed detection only when every coordinate of the particle is NaN.
    #[error(
        "{}: particle {particle} in experiment {experiment} at time index {time} has coordinate {coordinate} NaN but coordinate {observed} = {} observed; a missed detection has every coordinate NaN",
        path.display(),
        wsindy_core::display::Number(*.value)
    )]
    PartialNan {
        /// The file.
        path: PathBuf,
        /// Experiment index.
        experiment: usize,
        /// Time index.
        time: usize,
        /// Particle index.
        particle: usize,
        /// A NaN coordinate.
        coordinate: usize,
        /// A coordinate that is a number.
        observed: usize,
        /// Its value.
        value: f64,
    },
    /// A position of a dense array is ±Inf.
    #[error(
        "{}: position of particle {particle} (coordinate {coordinate}) in experiment {experiment} at time index {time} is {value}, expected a finite number or NaN (not observed)",
        path.display()
    )]
    InfinitePosition {
        /// The file.
        path: PathBuf,
        /// Experiment index.
        experiment: usize,
        /// Time index.
        time: usize,
        /// Particle index.
        particle: usize,
        /// Coordinate index.
        coordinate: usize,
        /// The value.
        value: f64,
    },
    /// A column mapping such as `t=Time,x=X_um` cannot be parsed.
    #[error("column mapping {spec:?}: {reason}")]
    ColumnMap {
        /// The mapping as given.
        spec: String,
        /// What is wrong.
        reason: String,
    },
    /// A column named by the column mapping is not in the header.
    #[error(
        "{}: the column mapping names column {column:?} for {role}, but the header has no such column; columns found: [{}]",
        path.display(),
        .found.join(", ")
    )]
    UnknownColumn {
        /// The file.
        path: PathBuf,
        /// The role of the column (x, t, id, …).
        role: &'static str,
        /// The column name given.
        column: String,
        /// The header of the file.
        found: Vec<String>,
    },
    /// A gzip stream ends before its end marker (a truncated download or copy), or is corrupt.
    #[error("{}: the gzip stream is truncated or corrupt: {cause}", path.display())]
    Gzip {
        /// The file.
        path: PathBuf,
        /// What the decoder reported.
        cause: std::io::Error,
    },
    /// A TrackMate XML file is malformed or inconsistent.
    #[error("{}: {cause}", path.display())]
    TrackMate {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the element and value.
        cause: crate::trackmate::TrackMateError,
    },
}
