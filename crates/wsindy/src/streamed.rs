//! Identification from files larger than memory (the `io` feature): the density is binned
//! while the file streams past, in the second of two passes ([`wsindy_io::scan_file`] and
//! [`wsindy_io::stream_file`]), so memory depends on the grid and the numbers of frames and
//! experiments, not on the file's size.

use std::path::Path;
use std::time::Instant;

use wsindy_core::Normalisation;
use wsindy_density::DensityAccumulator;
use wsindy_io::{StreamProgress, StreamScan};
use wsindy_library::Library;

use crate::{IdentifiedModel, IdentifyConfig, WsindyError, identify_density, layout_warnings};

/// Identifies the model of the file at `path` that [`wsindy_io::scan_file`] scanned into
/// `scan`: the grid comes from the scan's coordinate summaries by `config.grid`, the density
/// from the second pass with `normalisation` (as [`crate::identify_observed`] pools and
/// normalises), then the weak form and the regression as for data in memory. The model's
/// density timing covers the second pass; `progress` reports it.
pub fn identify_streamed(
    path: &Path,
    scan: &StreamScan,
    library: &Library,
    config: &IdentifyConfig,
    normalisation: Normalisation,
    progress: &mut dyn FnMut(StreamProgress),
) -> Result<IdentifiedModel, WsindyError> {
    let start = Instant::now();
    let grid = config.grid.grid_from_summaries(&scan.axes)?;
    let mut density = DensityAccumulator::new(
        &grid,
        config.density_kernel.kernel(),
        &scan.layout,
        normalisation,
        scan.time_grid,
    )?;
    wsindy_io::stream_file(path, scan, progress, &mut |m, k, points| density.add(m, k, points))?;
    let observed = density.finish();
    let t_density = start.elapsed().as_secs_f64();
    let particles = scan.layout.particle_counts(normalisation).into_iter().min().unwrap_or(0);
    let mut model = identify_density(&observed, particles, library, config)?;
    model.timings.density = t_density;
    model.data_warnings.extend(layout_warnings(&scan.layout));
    Ok(model)
}
