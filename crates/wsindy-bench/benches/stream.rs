//! Streaming readers: rows per second of CSV parse + bin and bytes per second of `.npy`
//! read + bin, both passes (scan, then histogram), on the demo's data written to a temporary
//! directory (N = 8000, M = 2, 101 frames: 1.6 million rows, a 13 MB array):
//! `cargo bench -p wsindy-bench --bench stream`.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::OnceLock;

use divan::counter::{BytesCount, ItemsCount};
use wsindy::Normalisation;
use wsindy::density::{DensityAccumulator, GridRule, Histogram};
use wsindy::io::{ObservedOptions, TimeSource, scan_file, stream_file, write_npy};
use wsindy_examples::{Example as _, Nonlocal1d};

fn main() {
    files();
    divan::main();
}

struct Files {
    _dir: tempfile::TempDir,
    csv: PathBuf,
    npy: PathBuf,
    rows: usize,
    npy_bytes: u64,
}

fn files() -> &'static Files {
    static FILES: OnceLock<Files> = OnceLock::new();
    FILES.get_or_init(|| {
        let data = Nonlocal1d::default().simulate().expect("demo simulation");
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("rows.csv");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
        writeln!(out, "experiment,frame,particle,x").unwrap();
        for m in 0..data.experiments() {
            for k in 0..data.time_points() {
                for (i, x) in data.snapshot(m, k).iter().enumerate() {
                    writeln!(out, "{m},{k},{i},{x:.6}").unwrap();
                }
            }
        }
        out.flush().unwrap();
        let npy = dir.path().join("positions.npy");
        let shape = [data.experiments(), data.time_points(), data.particles(), 1];
        write_npy(&npy, &shape, data.positions()).unwrap();
        let npy_bytes = std::fs::metadata(&npy).unwrap().len();
        Files { _dir: dir, csv, npy, rows: data.positions().len(), npy_bytes }
    })
}

/// Both passes over `path` into the default 256-cell histogram; the total mass.
fn scan_and_bin(path: &std::path::Path, options: &ObservedOptions) -> f64 {
    let scan = scan_file(path, options, &mut |_| {}).unwrap();
    let grid = GridRule::automatic().grid_from_summaries(&scan.axes).unwrap();
    let mut density =
        DensityAccumulator::new(&grid, &Histogram, &scan.layout, Normalisation::PerFrame, scan.time_grid)
            .unwrap();
    stream_file(path, &scan, &mut |_| {}, &mut |m, k, p| density.add(m, k, p)).unwrap();
    density.finish().series().values().iter().sum()
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn csv_parse_and_bin(bencher: divan::Bencher<'_, '_>) {
    let f = files();
    let options = ObservedOptions { times: TimeSource::Spacing(0.01), ..Default::default() };
    bencher.counter(ItemsCount::new(f.rows)).bench(|| scan_and_bin(&f.csv, &options));
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn npy_read_and_bin(bencher: divan::Bencher<'_, '_>) {
    let f = files();
    let options = ObservedOptions { times: TimeSource::Spacing(0.01), ..Default::default() };
    bencher.counter(BytesCount::new(f.npy_bytes)).bench(|| scan_and_bin(&f.npy, &options));
}
