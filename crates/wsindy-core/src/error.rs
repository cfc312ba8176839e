use thiserror::Error;

/// Errors raised when building the shared data types from user input.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum CoreError {
    /// A size that must be positive was zero.
    #[error("{what} must be at least {min}, got {got}")]
    TooSmall {
        /// What was counted.
        what: &'static str,
        /// The smallest allowed value.
        min: usize,
        /// The value given.
        got: usize,
    },
    /// An array does not hold the number of values its declared shape needs.
    #[error("{what}: expected {} values, got {got}", crate::display::Count(*.expected))]
    ShapeMismatch {
        /// Which array.
        what: &'static str,
        /// Values the shape needs.
        expected: usize,
        /// Values found.
        got: usize,
    },
    /// A position is NaN or infinite.
    #[error(
        "position of particle {particle} (coordinate {coordinate}) in experiment {experiment} at time index {time} is {value}, expected a finite number"
    )]
    NonFinitePosition {
        /// Experiment index.
        experiment: usize,
        /// Time index.
        time: usize,
        /// Particle index.
        particle: usize,
        /// Coordinate index.
        coordinate: usize,
        /// The offending value.
        value: f64,
    },
    /// Times are not finite, not increasing or not equally spaced.
    #[error("times must be finite, increasing and equally spaced: {reason}")]
    BadTimes {
        /// What is wrong.
        reason: String,
    },
    /// A real parameter is outside its valid range.
    #[error("{what} = {} is invalid: expected {expected}", crate::display::Number(*.value))]
    InvalidParameter {
        /// Parameter name.
        what: &'static str,
        /// The value given.
        value: f64,
        /// The valid range in words.
        expected: &'static str,
    },
    /// A trial term was asked for data of a dimension it is not written for.
    #[error("term {term} is written for {supports}-dimensional data, but the data are {got}-dimensional")]
    WrongDimension {
        /// The term's name.
        term: String,
        /// The dimension the term supports.
        supports: usize,
        /// The dimension asked for.
        got: usize,
    },
    /// A term's description is inconsistent.
    #[error("term {term} is invalid: {reason}")]
    InvalidTerm {
        /// The term, as described.
        term: String,
        /// What is wrong.
        reason: String,
    },
}
