//! Errors of the track rows and their regression.

use thiserror::Error;
use wsindy_core::CoreError;
use wsindy_regress::RegressError;

/// Why track rows could not be built or fitted.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum TracksError {
    /// No experiment carries track ids: the rows need particle identities over time.
    #[error("the observations carry no track ids: track rows need particle identities over time")]
    NoIds,
    /// One track id occurs twice in one frame.
    #[error("track id {id} occurs twice in frame {frame} of experiment {experiment}")]
    DuplicateId {
        /// Experiment (0-based).
        experiment: usize,
        /// Frame (grid index).
        frame: usize,
        /// The repeated id.
        id: u64,
    },
    /// Every track is shorter than the support of the time test functions.
    #[error(
        "every track is shorter than the test functions' support: the longest has {longest} frames, \
         at least {needed} consecutive frames are needed (2 × half_width + 1)"
    )]
    TracksTooShort {
        /// Frames needed: 2 half-width + 1.
        needed: usize,
        /// Frames of the longest track.
        longest: usize,
    },
    /// An option is out of range.
    #[error("option {what} = {value} is invalid: expected {expected}")]
    InvalidOption {
        /// The option's name.
        what: &'static str,
        /// Its value.
        value: f64,
        /// What is accepted.
        expected: &'static str,
    },
    /// A library term cannot be evaluated on the data's dimension.
    #[error("library term {index}: {source}")]
    InvalidTerm {
        /// Index of the term in the library.
        index: usize,
        /// Why.
        source: CoreError,
    },
    /// A feature (a term evaluated on the data) is not finite.
    #[error(
        "the {kind} term '{term}' is not finite at frame {frame} of experiment {experiment} (value {value})"
    )]
    NonFiniteFeature {
        /// The term's kind.
        kind: wsindy_core::TermKind,
        /// The term's name.
        term: String,
        /// Experiment (0-based).
        experiment: usize,
        /// Frame (grid index).
        frame: usize,
        /// The value.
        value: f64,
    },
    /// The drift coefficients given for the diffusion rows do not match the library.
    #[error("expected {expected} drift coefficients (one per library term), got {got}")]
    CoefficientCount {
        /// Library length.
        expected: usize,
        /// Given.
        got: usize,
    },
    /// Fewer rows than columns in one of the regressions.
    #[error(
        "the {system} system has {rows} rows for {cols} columns: use longer tracks, a smaller stride or more particles"
    )]
    TooFewRows {
        /// `drift` or `diffusion`.
        system: &'static str,
        /// Rows.
        rows: usize,
        /// Columns.
        cols: usize,
    },
    /// The trajectories could not be turned into tracked observations.
    #[error("observations: {0}")]
    Observations(#[from] wsindy_core::ObservationError),
    /// The sparse regression failed.
    #[error("{system} regression: {source}")]
    Regress {
        /// `drift` or `diffusion`.
        system: &'static str,
        /// Why.
        source: RegressError,
    },
}
