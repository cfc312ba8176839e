//! The figures of wsindy, written as PNG and SVG with [`plotters`].
//!
//! Every function takes plain slices or small structs, writes `<dir>/<stem>.png` and
//! `<dir>/<stem>.svg` (creating `dir` if needed) and returns their paths as [`PlotFiles`]:
//!
//! | function | figure |
//! |---|---|
//! | [`loss_curve`] | MSTLS loss against the threshold λ (log λ axis), λ̂ marked |
//! | [`spectrum`] | data and test-function spectra along an axis (log magnitude), the corner k* marked |
//! | [`curves`] | any line plot, e.g. learned against true ∇K, ∇V, ½σσᵀ; optional log axes |
//! | [`heatmap`], [`snapshots`] | 2D histograms in the viridis colour map with a colour bar |
//! | [`density_lines`] | 1D density snapshots, coloured by time |
//! | [`identification::write_all`] | every figure of one identification (loss, spectra, learned against true terms, snapshots) |
//! | [`convergence`] | medians with quantile bands or error bars on log–log axes, fitted slopes ([`loglog_slope`]), an O(x^p) reference; or a linear y axis (e.g. TPR in [0, 1]) |
//!
//! Bad input never panics: empty series, mismatched lengths, non-positive values on a log axis
//! and series without a single finite value are a [`PlotError`] naming the figure and the
//! series; non-finite values elsewhere are skipped (lines break there) and reported in
//! [`PlotFiles::warnings`]; zero-width ranges are padded.
//!
//! Text is drawn with DejaVu Sans (a subset, embedded in the crate, licence in
//! `assets/LICENSE-DejaVu.txt`), so no system fonts are needed; SVG files name the generic
//! `sans-serif` family.
//!
//! ```
//! use wsindy_plot::{Axes, LineStyle, Series, curves, loss_curve};
//!
//! let dir = tempfile::tempdir()?;
//! let r: Vec<f64> = (1..=40).map(|i| 0.1 * i as f64).collect();
//! let truth: Vec<f64> = r.iter().map(|r| r - 1.0).collect(); // ∇K for K = ½r² − r
//! let learned: Vec<f64> = r.iter().map(|r| 1.01 * r - 1.02).collect();
//! let files = curves(
//!     dir.path(),
//!     "grad_k",
//!     &r,
//!     &[
//!         Series::new("learned", learned, LineStyle::Solid),
//!         Series::new("true", truth, LineStyle::Dashed),
//!     ],
//!     &Axes::new("Interaction force", "r", "∇K(r)"),
//! )?;
//! assert!(files.png.ends_with("grad_k.png") && files.svg.exists());
//! assert!(std::fs::read_to_string(&files.svg)?.contains("Interaction force"));
//!
//! // A λ of zero cannot go on a log axis: the error names the series.
//! let err = loss_curve(dir.path(), "loss", &[1e-3, 0.0], &[0.5, 0.4], 1e-3, "MSTLS loss")
//!     .unwrap_err();
//! assert!(err.to_string().contains("series \"λ\""), "{err}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod check;
mod color;
mod density;
mod error;
mod fit;
pub mod identification;
mod legend;
mod plots;
mod render;
mod scale;
mod xy;

use std::path::PathBuf;

pub use color::{BLACK, PALETTE, Rgb, viridis};
pub use density::{Panel, heatmap, snapshots};
pub use error::{DataProblem, PlotError};
pub use fit::loglog_slope;
pub use plots::{
    Axes, BandStyle, ConvergencePlot, ConvergenceSeries, LineStyle, Series, convergence, curves,
    density_lines, loss_curve, spectrum,
};

/// The files one figure was written to, and what was skipped on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlotFiles {
    /// `<dir>/<stem>.png`.
    pub png: PathBuf,
    /// `<dir>/<stem>.svg`.
    pub svg: PathBuf,
    /// One line per series with skipped (non-finite) values, or with too few points for a
    /// fitted slope; empty when everything was drawn.
    pub warnings: Vec<String>,
}
