//! The streaming readers against the in-memory ones: the same layout, extent and density on
//! CSV (plain, gzip, time or frame columns, TrackMate's extra header rows, quoted fields,
//! several blocks) and on `.npy` arrays with NaN; and bad input with the line or entry named.

mod common;

use std::path::Path;

use common::{gzip, npy_bytes, write};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use wsindy_core::{DensityKernel, Normalisation, ObservedDensity};
use wsindy_density::{DensityAccumulator, GridRule, Histogram, Linear, density_series_observed};
use wsindy_io::{
    ColumnMap, IoError, MissingPolicy, ObservedOptions, StreamScan, TimeSource, load_observations, scan_file,
    stream_file, write_npy,
};

/// Two experiments of 2-D tracks with lost detections, one absent frame and different
/// lengths, as CSV text with the given header and row format.
fn tracks_csv(
    rows_per_frame: usize,
    header: &str,
    row: impl Fn(usize, usize, usize, f64, f64) -> String,
) -> String {
    let mut rng = Pcg64::seed_from_u64(5);
    let mut text = format!("{header}\n");
    for (m, frames) in [(0usize, 0..40usize), (1, 5..30)] {
        for k in frames {
            if m == 1 && k == 17 {
                continue;
            }
            for id in 0..rows_per_frame {
                if rng.random::<f64>() < 0.1 {
                    continue;
                }
                let (x, y) = (rng.random::<f64>() * 4.0 - 2.0 + 0.01 * k as f64, rng.random::<f64>() * 3.0);
                text.push_str(&row(m, k, id, x, y));
                text.push('\n');
            }
        }
    }
    text
}

fn scan(path: &Path, options: &ObservedOptions) -> StreamScan {
    scan_file(path, options, &mut |_| {}).unwrap()
}

/// The density of the streamed file, and that of the same file read into memory.
fn both_densities(
    path: &Path,
    options: &ObservedOptions,
    kernel: &dyn DensityKernel,
    normalisation: Normalisation,
) -> (ObservedDensity, ObservedDensity, StreamScan) {
    let s = scan(path, options);
    let obs = load_observations(path, options).unwrap();
    assert_eq!(s.layout, obs.layout(), "{}", path.display());
    assert_eq!((s.dim, s.time_grid, s.observations), (obs.dim(), obs.time_grid(), obs.observations() as u64));
    for (axis, a) in s.axes.iter().enumerate() {
        let b = obs.axis_summary(axis);
        let tol = 1e-12 * (1.0 + b.mean.abs() + b.std);
        assert!((a.mean - b.mean).abs() < tol && (a.std - b.std).abs() < tol, "{a:?} {b:?}");
        assert_eq!((a.min, a.max), (b.min, b.max));
    }
    let rule = GridRule::new(vec![24]);
    let grid = rule.grid_from_summaries(&s.axes).unwrap();
    assert_eq!(grid, rule.grid_observed(&obs).unwrap());
    let mut acc = DensityAccumulator::new(&grid, kernel, &s.layout, normalisation, s.time_grid).unwrap();
    stream_file(path, &s, &mut |_| {}, &mut |m, k, p| acc.add(m, k, p)).unwrap();
    let memory = density_series_observed(&obs, &grid, kernel, normalisation).unwrap();
    (acc.finish(), memory, s)
}

fn assert_close(a: &ObservedDensity, b: &ObservedDensity) {
    assert_eq!(a.series().times(), b.series().times());
    assert_eq!(a.observed_mask(), b.observed_mask());
    assert_eq!(
        (a.series().outside(), a.series().observations()),
        (b.series().outside(), b.series().observations())
    );
    let scale = b.series().values().iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for (x, y) in a.series().values().iter().zip(b.series().values()) {
        assert!((x - y).abs() <= 1e-13 * scale, "{x} vs {y}");
    }
}

#[test]
fn streamed_csv_gives_the_density_of_the_csv_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let frame_and_time = tracks_csv(60, "Exp,Frame,T,Track,X,Y", |m, k, id, x, y| {
        format!("{m},{k},{},{},{x},{y}", k as f64 * 0.05, 100 * m + id)
    });
    let map: ColumnMap = "experiment=Exp,frame=Frame,t=T,id=Track,x=X,y=Y".parse().unwrap();
    let options = ObservedOptions { columns: Some(map), ..Default::default() };
    let plain = write(dir.path(), "a.csv", frame_and_time.as_bytes());
    let gz = write(dir.path(), "a.csv.gz", &gzip(frame_and_time.as_bytes()));
    for path in [&plain, &gz] {
        for normalisation in
            [Normalisation::PerFrame, Normalisation::PerExperiment, Normalisation::Particles(70)]
        {
            let (streamed, memory, s) = both_densities(path, &options, &Histogram, normalisation);
            assert_close(&streamed, &memory);
            assert!(s.has_ids && s.layout.experiments[1].counts[12].is_none());
        }
    }
    // times only (the grid inferred from them), default names, linear kernel, CRLF line ends
    let times_only =
        tracks_csv(30, "experiment,t,x,y", |m, k, _, x, y| format!("{m},{},{x},{y}\r", 1.0 + k as f64 * 0.1));
    let path = write(dir.path(), "b.csv", times_only.as_bytes());
    let (streamed, memory, s) =
        both_densities(&path, &ObservedOptions::default(), &Linear, Normalisation::PerFrame);
    assert_close(&streamed, &memory);
    assert!(!s.has_ids && (s.time_grid.t0() - 1.0).abs() < 1e-12);
}

#[test]
fn trackmate_header_rows_quotes_and_many_blocks() {
    let dir = tempfile::tempdir().unwrap();
    // TrackMate's CSV export: three more header rows (short names, dimensions, units), a
    // constant POSITION_Z, quoted labels; enough rows for several 4 MB blocks
    let mut text =
        tracks_csv(5000, "LABEL,TRACK_ID,POSITION_X,POSITION_Y,POSITION_Z,FRAME", |m, k, id, x, y| {
            format!("\"ID{id}, spot\",{},{x},{y},0,{k}", 10_000 * m + id)
        });
    let extra =
        "Label,Track ID,X,Y,Z,Frame\nLabel,Track ID,Position,Position,Position,Frame\n,,(µm),(µm),(µm),\n";
    let at = text.find('\n').unwrap() + 1;
    text.insert_str(at, extra);
    assert!(text.len() > 2 * (4 << 20), "{} bytes", text.len());
    let path = write(dir.path(), "spots.csv", text.as_bytes());
    let options = ObservedOptions { times: TimeSource::Spacing(0.1), ..Default::default() };
    let (streamed, memory, s) = both_densities(&path, &options, &Histogram, Normalisation::PerFrame);
    assert_close(&streamed, &memory);
    assert_eq!(s.dim, 2, "the constant z is dropped");

    // a bad value far into the file is named by its line
    let lines: Vec<&str> = text.lines().collect();
    let target = lines.len() - 10;
    let broken: String = lines
        .iter()
        .enumerate()
        .map(|(i, l)| if i == target { "\"x\",1,0.5,oops,0,3\n".to_string() } else { format!("{l}\n") })
        .collect();
    let path = write(dir.path(), "broken.csv", broken.as_bytes());
    match scan_file(&path, &options, &mut |_| {}) {
        Err(IoError::CsvValue { line, column, value, .. }) => {
            assert_eq!((line, column.as_str(), value.as_str()), (target as u64 + 1, "POSITION_Y", "oops"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn streamed_npy_with_nan_gives_the_density_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let (m, l, n, d) = (2, 12, 50, 2);
    let mut rng = Pcg64::seed_from_u64(9);
    let mut values: Vec<f64> = (0..m * l * n * d).map(|_| rng.random::<f64>() * 2.0 - 1.0).collect();
    for p in values.chunks_exact_mut(d) {
        if rng.random::<f64>() < 0.1 {
            p.fill(f64::NAN);
        }
    }
    // a frame with no particle observed is absent
    values[(l + 4) * n * d..(l + 5) * n * d].fill(f64::NAN);
    let path = dir.path().join("x.npy");
    write_npy(&path, &[m, l, n, d], &values).unwrap();
    let options = ObservedOptions { times: TimeSource::Spacing(0.5), ..Default::default() };
    for normalisation in [Normalisation::PerFrame, Normalisation::PerExperiment] {
        let (streamed, memory, s) = both_densities(&path, &options, &Histogram, normalisation);
        assert_close(&streamed, &memory);
        assert_eq!(s.layout.experiments[1].counts[4], None);
    }
    // strict reading refuses the NaN, naming it
    let strict = ObservedOptions { missing: MissingPolicy::Error, ..options.clone() };
    let err = scan_file(&path, &strict, &mut |_| {}).unwrap_err().to_string();
    assert!(err.contains("NaN") || err.contains("finite"), "{err}");
    // ±Inf and a partly NaN particle
    for (value, what) in [(f64::INFINITY, "inf"), (f64::NAN, "NaN but coordinate")] {
        let mut bad = vec![0.25; m * l * n * d];
        bad[(l + 3) * n * d + 7 * d] = value;
        write_npy(&path, &[m, l, n, d], &bad).unwrap();
        let err = scan_file(&path, &options, &mut |_| {}).unwrap_err().to_string();
        assert!(err.contains(what) && err.contains("particle 7"), "{err}");
    }
}

#[test]
fn streaming_refuses_what_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = tracks_csv(20, "frame,x", |_, k, _, x, _| format!("{k},{x}"));
    let gz = gzip(text.as_bytes());
    let truncated = write(dir.path(), "t.csv.gz", &gz[..gz.len() / 2]);
    let err = scan_file(&truncated, &ObservedOptions::default(), &mut |_| {}).unwrap_err();
    assert!(matches!(err, IoError::Gzip { .. }), "{err}");
    assert!(err.to_string().contains("truncated"), "{err}");
    let empty = write(dir.path(), "e.csv", b"frame,x\n");
    let err = scan_file(&empty, &ObservedOptions::default(), &mut |_| {}).unwrap_err().to_string();
    assert!(err.contains("no data rows"), "{err}");
    let columns = write(dir.path(), "c.csv", b"a,b\n1,2\n");
    let err = scan_file(&columns, &ObservedOptions::default(), &mut |_| {}).unwrap_err().to_string();
    assert!(err.contains("x (accepted"), "{err}");
    // a .npy without times, and a Fortran-order one
    let npy = dir.path().join("f.npy");
    write_npy(&npy, &[3, 2, 1], &[0.0; 6]).unwrap();
    let err = scan_file(&npy, &ObservedOptions::default(), &mut |_| {}).unwrap_err();
    assert!(matches!(err, IoError::TimesRequired { .. }), "{err}");
    let npy = write(dir.path(), "fortran.npy", &npy_bytes("<f8", true, "(3, 2, 1)", &[0u8; 48]));
    let options = ObservedOptions { times: TimeSource::Spacing(0.1), ..Default::default() };
    let err = scan_file(&npy, &options, &mut |_| {}).unwrap_err().to_string();
    assert!(err.contains("Fortran order"), "{err}");
    // no experiments or no particles
    for shape in [[0, 3, 2, 1], [2, 3, 0, 1]] {
        write_npy(&npy, &shape, &[]).unwrap();
        let err = scan_file(&npy, &options, &mut |_| {}).unwrap_err();
        assert!(matches!(err, IoError::Observations { .. }), "{err}");
    }
    let xml = write(dir.path(), "t.xml", b"<x/>");
    assert!(matches!(scan_file(&xml, &options, &mut |_| {}), Err(IoError::UnsupportedFormat { .. })));
}
