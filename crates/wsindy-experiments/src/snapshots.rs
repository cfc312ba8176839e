//! Figures 2, 4 and 8: histogram snapshots of one simulated experiment per variant.

use std::path::Path;

use wsindy::density::{Histogram, density_series};
use wsindy_plot::{Panel, density_lines, snapshots};

use crate::plan::{short, splitmix64, trial_seed};
use crate::run::{derive, example};
use crate::spec::{Scale, SnapshotDef};

/// Domain tag of snapshot seeds.
const SNAPSHOT_TAG: u64 = 0x534E_4150_5348_4F54; // "SNAPSHOT"

/// What identifies a snapshot image's content (written next to it, so a rerun can skip it).
pub fn snapshot_key(def: &SnapshotDef, variant: usize, scale: Scale) -> Option<String> {
    let v = def.variants.get(variant)?;
    let n = def.scales.get(&scale)?.n;
    Some(format!(
        "clip=0.995 figure={} stem={} title={} example={} sigma={:?} omega={:?} eps={} n={n} times={:?} seed={}",
        def.figure,
        v.stem,
        v.title,
        def.example.name(),
        v.sigma,
        v.omega,
        v.eps,
        def.times,
        seed(def, variant)
    ))
}

fn seed(def: &SnapshotDef, variant: usize) -> u64 {
    splitmix64(trial_seed(def.figure, variant, 0) ^ SNAPSHOT_TAG)
}

/// Simulates variant `variant` of `def` at `scale` (one experiment) and draws its histograms at
/// the recorded times nearest to `def.times` into `out/<stem>.png|svg` (2D colour scales
/// saturate at the 99.5% quantile of the occupied cells). Returns the simulation seconds.
pub fn render_snapshot(def: &SnapshotDef, variant: usize, scale: Scale, out: &Path) -> Result<f64, String> {
    let v =
        def.variants.get(variant).ok_or_else(|| format!("figure {}: no variant {variant}", def.figure))?;
    let n = def.scales.get(&scale).ok_or_else(|| format!("figure {}: no [scales.{scale}]", def.figure))?.n;
    let seed = seed(def, variant);
    let ex = example(def.example, v.sigma, v.omega.unwrap_or(1.0), n, 1, seed)?;
    let start = std::time::Instant::now();
    let mut data = ex.simulate().map_err(|e| format!("simulate: {e}"))?;
    let seconds = start.elapsed().as_secs_f64();
    if v.eps > 0.0 {
        data = derive(&data, 1, n, v.eps, seed)?;
    }
    let grid = ex.config().grid.grid(&data).map_err(|e| format!("grid: {e}"))?;
    let density = density_series(&data, &grid, &Histogram).map_err(|e| format!("histogram: {e}"))?;
    let times = data.times();
    let picks: Vec<usize> = def
        .times
        .iter()
        .map(|&t| {
            (0..times.len())
                .min_by(|&a, &b| (times[a] - t).abs().total_cmp(&(times[b] - t).abs()))
                .unwrap_or(0)
        })
        .collect();
    let title = format!("{} (N = {n})", v.title);
    let axes = grid.axes();
    let result = if grid.dim() == 1 {
        let x = axes[0].centres();
        let lines: Vec<(String, Vec<f64>)> = picks
            .iter()
            .map(|&l| (format!("t = {}", short(times[l])), density.snapshot(l).to_vec()))
            .collect();
        density_lines(out, &v.stem, &x, &lines, &title)
    } else {
        // one hot cell (a collapsing aggregate) would make every other cell dark: saturate the
        // colour scale at the 99.5% quantile of the occupied cells
        let mut occupied: Vec<f64> =
            picks.iter().flat_map(|&l| density.snapshot(l).iter().copied()).filter(|v| *v > 0.0).collect();
        occupied.sort_by(f64::total_cmp);
        let cap = crate::report::quantile(&occupied, 0.995);
        let clip = |v: f64| if cap.is_finite() { v.min(cap) } else { v };
        let panels: Vec<Panel> = picks
            .iter()
            .enumerate()
            .map(|(i, &l)| Panel {
                title: if i == 0 {
                    format!("{title}, t = {}", short(times[l]))
                } else {
                    format!("t = {}", short(times[l]))
                },
                values: density.snapshot(l).iter().map(|&v| clip(v)).collect(),
                n1: axes[0].cells(),
                n2: axes[1].cells(),
                extent: [axes[0].lower(), axes[0].upper(), axes[1].lower(), axes[1].upper()],
            })
            .collect();
        snapshots(out, &v.stem, &panels)
    };
    result.map_err(|e| format!("plot: {e}"))?;
    Ok(seconds)
}
