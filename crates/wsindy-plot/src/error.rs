//! The error type of the crate.

use std::fmt;
use std::path::PathBuf;

/// Why a figure could not be written.
///
/// Every variant names the figure (the output directory joined with the file stem; the files are
/// `<figure>.png` and `<figure>.svg`) and, for bad input, the series at fault.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The input data cannot be plotted (empty, wrong length, non-positive on a log axis, …).
    #[error("cannot plot {} (.png/.svg): series \"{series}\": {problem}", figure.display())]
    Data {
        /// The output directory joined with the file stem.
        figure: PathBuf,
        /// The series, or the argument, at fault.
        series: String,
        /// What is wrong with it.
        problem: DataProblem,
    },
    /// The file stem is empty or is not a plain file name.
    #[error("invalid file stem {stem:?} in {}: {reason}", dir.display())]
    Stem {
        /// The output directory.
        dir: PathBuf,
        /// The stem given.
        stem: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// Creating the directory or writing a file failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The directory or file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The drawing library failed while drawing or encoding a file.
    #[error("cannot draw {}: {message}", path.display())]
    Draw {
        /// The file being drawn.
        path: PathBuf,
        /// The drawing library's message.
        message: String,
    },
    /// The embedded font could not be registered with the drawing library.
    #[error("cannot draw {}: the embedded font could not be loaded", path.display())]
    Font {
        /// The file that was about to be drawn.
        path: PathBuf,
    },
}

/// What is wrong with one input series (see [`PlotError::Data`]).
#[derive(Debug, Clone, PartialEq)]
pub enum DataProblem {
    /// The series has no values (or a grid dimension is zero).
    Empty,
    /// The series has `found` values where `expected` were needed.
    LengthMismatch {
        /// The length needed.
        expected: usize,
        /// The length given.
        found: usize,
        /// What fixes the expected length (e.g. `"x"`).
        against: String,
    },
    /// No value of the series is finite, so there is nothing to draw.
    NoFiniteValues,
    /// A single value that must be finite is not.
    NotFinite {
        /// The value given.
        value: f64,
    },
    /// A value at or below zero on a logarithmic axis.
    NonPositiveOnLogAxis {
        /// Index of the first such value in the series.
        index: usize,
        /// The value.
        value: f64,
    },
    /// An extent whose end lies before its start.
    ReversedRange {
        /// The start.
        start: f64,
        /// The end.
        end: f64,
    },
}

impl fmt::Display for DataProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "no values"),
            Self::LengthMismatch { expected, found, against } => {
                write!(f, "{found} values, expected {expected} (as many as {against})")
            }
            Self::NoFiniteValues => write!(f, "no finite values"),
            Self::NotFinite { value } => write!(f, "value {value} is not finite"),
            Self::NonPositiveOnLogAxis { index, value } => {
                write!(f, "value {value} at index {index} is not positive, but the axis is logarithmic")
            }
            Self::ReversedRange { start, end } => {
                write!(f, "range end {end} lies before its start {start}")
            }
        }
    }
}
