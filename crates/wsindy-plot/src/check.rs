//! Validation of input series, collecting warnings about skipped values.

use std::path::PathBuf;

use crate::error::{DataProblem, PlotError};
use crate::scale::Scale;

/// Checks the series of one figure and remembers what was skipped.
pub(crate) struct Checker {
    figure: PathBuf,
    pub(crate) warnings: Vec<String>,
}

impl Checker {
    pub(crate) fn new(figure: PathBuf) -> Self {
        Self { figure, warnings: Vec::new() }
    }

    pub(crate) fn error(&self, series: &str, problem: DataProblem) -> PlotError {
        PlotError::Data { figure: self.figure.clone(), series: series.to_string(), problem }
    }

    pub(crate) fn warn(&mut self, message: String) {
        self.warnings.push(message);
    }

    /// Checks one series and returns it in drawn coordinates, with `NaN` where a value is not
    /// finite (those are skipped and reported as a warning).
    ///
    /// Errors: an empty series, a length other than `expected.0` (the length of `expected.1`),
    /// no finite value, a finite value at or below zero on a log axis.
    pub(crate) fn series(
        &mut self,
        name: &str,
        values: &[f64],
        expected: Option<(usize, &str)>,
        scale: Scale,
    ) -> Result<Vec<f64>, PlotError> {
        if values.is_empty() {
            return Err(self.error(name, DataProblem::Empty));
        }
        if let Some((len, against)) = expected
            && values.len() != len
        {
            return Err(self.error(
                name,
                DataProblem::LengthMismatch {
                    expected: len,
                    found: values.len(),
                    against: against.to_string(),
                },
            ));
        }
        let mut skipped = 0usize;
        let mut out = Vec::with_capacity(values.len());
        for (index, &value) in values.iter().enumerate() {
            if !value.is_finite() {
                skipped += 1;
                out.push(f64::NAN);
            } else if scale.is_log() && value <= 0.0 {
                return Err(self.error(name, DataProblem::NonPositiveOnLogAxis { index, value }));
            } else {
                out.push(scale.to_axis(value));
            }
        }
        if skipped == values.len() {
            return Err(self.error(name, DataProblem::NoFiniteValues));
        }
        if skipped > 0 {
            self.warn(format!(
                "series \"{name}\": {skipped} of {} values are not finite and were skipped",
                values.len()
            ));
        }
        Ok(out)
    }

    /// Checks a single value that must be finite (and positive on a log axis); returns it in
    /// drawn coordinates.
    pub(crate) fn scalar(&self, name: &str, value: f64, scale: Scale) -> Result<f64, PlotError> {
        if !value.is_finite() {
            return Err(self.error(name, DataProblem::NotFinite { value }));
        }
        if scale.is_log() && value <= 0.0 {
            return Err(self.error(name, DataProblem::NonPositiveOnLogAxis { index: 0, value }));
        }
        Ok(scale.to_axis(value))
    }
}
