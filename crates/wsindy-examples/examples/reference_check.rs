//! Cross-check against the authors' own 1D data set (not part of this repository):
//! `cargo run --release -p wsindy-examples --example reference_check -- DIR`, where DIR holds
//! `qanr1D_N2000_nu0_X.npy` (M × L × N × d float64), `qanr1D_N2000_nu0_t.npy` and the authors'
//! histogram `qanr1D_N2000_nu0_reference_U.npy` (cells × times). It compares our histogram with
//! theirs and identifies the model (true: K = ½x² − |x|, σ = 0).

use std::path::Path;

use anyhow::{Context, Result, bail};
use wsindy::density::{Histogram, density_series};
use wsindy::{IdentifyConfig, Library, TermKind, Trajectories, TrueModel, identify, score};

/// Reads a little-endian float64 C-order .npy file: (shape, values).
fn read_npy(path: &Path) -> Result<(Vec<usize>, Vec<f64>)> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        bail!("{} is not a .npy file", path.display());
    }
    let (header_len, start) = if bytes[6] == 1 {
        (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10)
    } else {
        (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12)
    };
    let header = std::str::from_utf8(&bytes[start..start + header_len])?;
    if !header.contains("'descr': '<f8'") || header.contains("'fortran_order': True") {
        bail!("{}: expected little-endian float64 in C order, header {header}", path.display());
    }
    let inside = header.split("'shape': (").nth(1).and_then(|s| s.split(')').next()).context("no shape")?;
    let shape: Vec<usize> = inside
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()?;
    let data = &bytes[start + header_len..];
    let count: usize = shape.iter().product();
    if data.len() != 8 * count {
        bail!("{}: header declares {count} values, file holds {} bytes", path.display(), data.len());
    }
    Ok((shape, data.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect()))
}

fn main() -> Result<()> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "../shared/data/reference".into());
    let dir = Path::new(&dir);
    let (shape, x) = read_npy(&dir.join("qanr1D_N2000_nu0_X.npy"))?;
    let (_, t) = read_npy(&dir.join("qanr1D_N2000_nu0_t.npy"))?;
    let (ushape, u_ref) = read_npy(&dir.join("qanr1D_N2000_nu0_reference_U.npy"))?;
    let data = Trajectories::new(shape[0], shape[1], shape[2], shape[3], x, t)?;
    let config = IdentifyConfig::default();
    let grid = config.grid.grid(&data)?;
    let density = density_series(&data, &grid, &Histogram)?;
    let (cells, times) = (ushape[0], ushape[1]);
    let mut max_diff: f64 = 0.0;
    let mut max_ref: f64 = 0.0;
    for l in 0..times {
        for k in 0..cells {
            let ours = density.snapshot(l)[k];
            let theirs = u_ref[k * times + l];
            max_diff = max_diff.max((ours - theirs).abs());
            max_ref = max_ref.max(theirs.abs());
        }
    }
    println!(
        "histogram: {cells} cells × {times} times, max |ours − authors'| = {max_diff:.3e} (max value {max_ref:.3}), outside: {}",
        density.outside()
    );
    let library = Library::nonlocal1d();
    let model = identify(&data, &library, &config)?;
    println!("{model}");
    let truth = TrueModel::default().with(TermKind::Interaction, "|x|^2", 0.5).with(
        TermKind::Interaction,
        "|x|^1",
        -1.0,
    );
    let s = score(&model, &truth, &library)?;
    let t = &model.timings;
    println!(
        "TPR = {:.3}, rel. error ∇K = {:.3e}; identification {:.1} ms",
        s.tpr,
        s.rel_err_k.unwrap(),
        1e3 * (t.density + t.assemble + t.regress)
    );
    Ok(())
}
