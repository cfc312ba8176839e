//! Writes the ragged sample files of `data/sample` (see its README.md) from simulations made by
//! `wsindy simulate`, degraded as a tracker records particles: lost detections, broken and
//! renumbered tracks, a missing frame, experiments of different length, untracked spots.
//!
//! ```text
//! cargo run --release -- simulate --config data/simulate/sample_tracks1d.toml --out tracks1d.npz
//! cargo run --release -- simulate --config data/simulate/sample_trackmate2d.toml --out trackmate2d.npz
//! cargo run --release -p wsindy-io --example make_samples -- tracks1d.npz trackmate2d.npz [OUTPUT_DIR]
//! ```
//!
//! Every random number comes from a `rand_pcg::Pcg64` seeded per file (1: CSV, 2: npy,
//! 3: TrackMate), so the samples are reproducible.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use wsindy_core::Trajectories;
use wsindy_core::atomic::{AtomicFile, write_atomic};
use wsindy_io::TimeSource;

/// Share of detections lost in the CSV and the TrackMate file.
const LOST: f64 = 0.1;
/// Probability per frame that a track of the CSV breaks and continues under a new id.
const BREAK: f64 = 0.01;

/// `sample_tracks.csv.gz`: both experiments of the 1D simulation; experiment 1 keeps only its
/// first 70% of frames, frame 50 of experiment 0 is removed, detections are lost with
/// probability [`LOST`], tracks break with probability [`BREAK`] per frame and every track
/// (also every piece of a broken one) gets a fresh random id.
fn write_csv_gz(dir: &Path, data: &Trajectories, rng: &mut Pcg64) -> std::io::Result<()> {
    let (l, n) = (data.time_points(), data.particles());
    let mut text = String::from("Experiment,Frame_no,Track,X_um\n");
    let mut next_id = 1000u64;
    let mut fresh = |rng: &mut Pcg64| {
        next_id += 1 + (rng.random::<f64>() * 20.0) as u64;
        next_id
    };
    for m in 0..data.experiments() {
        let frames = if m == 1 { l * 7 / 10 } else { l };
        let mut ids: Vec<u64> = (0..n).map(|_| fresh(rng)).collect();
        for k in 0..frames {
            for (i, &x) in data.snapshot(m, k).iter().enumerate() {
                if rng.random::<f64>() < BREAK {
                    ids[i] = fresh(rng);
                }
                if (m == 0 && k == 50) || rng.random::<f64>() < LOST {
                    continue;
                }
                writeln!(text, "{m},{k},{},{x:.4}", ids[i]).unwrap();
            }
        }
    }
    let file = AtomicFile::create(&dir.join("sample_tracks.csv.gz"))?;
    let mut gz = GzEncoder::new(file, Compression::best());
    gz.write_all(text.as_bytes())?;
    gz.finish()?.commit()
}

/// `sample_nan.npy`: experiment 0 of the 1D simulation, shape (L, N, 1), each detection NaN
/// with probability 0.05.
fn write_npy(dir: &Path, data: &Trajectories, rng: &mut Pcg64) -> Result<(), wsindy_io::IoError> {
    let (l, n) = (data.time_points(), data.particles());
    let values: Vec<f64> = data.positions()[..l * n]
        .iter()
        .map(|&x| if rng.random::<f64>() < 0.05 { f64::NAN } else { x })
        .collect();
    wsindy_io::write_npy(&dir.join("sample_nan.npy"), &[l, n, 1], &values)
}

/// `sample_trackmate.xml`: the 2D simulation as TrackMate saves it, positions shifted by
/// +10 µm on each axis, frame 25 dropped, detections lost with probability [`LOST`], 5% of the
/// detections in no track; frame interval and units in the file.
fn write_trackmate(dir: &Path, data: &Trajectories, rng: &mut Pcg64) -> std::io::Result<()> {
    let (frames, particles) = (data.time_points(), data.particles());
    let dt = data.dt();
    let mut spots = String::new();
    let mut tracks: Vec<Vec<usize>> = vec![Vec::new(); particles];
    let mut id = 0usize;
    for frame in 0..frames {
        if frame == 25 {
            continue;
        }
        writeln!(spots, "      <SpotsInFrame frame=\"{frame}\">").unwrap();
        let snapshot = data.snapshot(0, frame);
        for (particle, track) in tracks.iter_mut().enumerate() {
            if rng.random::<f64>() < LOST {
                continue;
            }
            let (x, y) = (snapshot[2 * particle] + 10.0, snapshot[2 * particle + 1] + 10.0);
            let t = frame as f64 * dt;
            writeln!(
                spots,
                "        <Spot ID=\"{id}\" POSITION_T=\"{t:.4}\" FRAME=\"{frame}\" POSITION_X=\"{x:.4}\" POSITION_Y=\"{y:.4}\" POSITION_Z=\"0.0\" />"
            )
            .unwrap();
            if rng.random::<f64>() >= 0.05 {
                track.push(id);
            }
            id += 1;
        }
        writeln!(spots, "      </SpotsInFrame>").unwrap();
    }
    let mut all_tracks = String::new();
    for (t, track) in tracks.iter().enumerate().filter(|(_, t)| t.len() >= 2) {
        writeln!(
            all_tracks,
            "      <Track name=\"Track_{t}\" TRACK_ID=\"{t}\" NUMBER_SPOTS=\"{}\">",
            track.len()
        )
        .unwrap();
        for pair in track.windows(2) {
            writeln!(
                all_tracks,
                "        <Edge SPOT_SOURCE_ID=\"{}\" SPOT_TARGET_ID=\"{}\" />",
                pair[0], pair[1]
            )
            .unwrap();
        }
        writeln!(all_tracks, "      </Track>").unwrap();
    }
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<TrackMate version=\"7.11.1\">\n  <Log>Written by make_samples from a wsindy simulation, seeded.</Log>\n  <Model spatialunits=\"µm\" timeunits=\"sec\">\n    <AllSpots nspots=\"{id}\">\n{spots}    </AllSpots>\n    <AllTracks>\n{all_tracks}    </AllTracks>\n    <FilteredTracks />\n  </Model>\n  <Settings>\n    <ImageData filename=\"simulated.tif\" folder=\"\" width=\"200\" height=\"200\" nslices=\"1\" nframes=\"{frames}\" pixelwidth=\"0.1\" pixelheight=\"0.1\" voxeldepth=\"1.0\" frameinterval=\"{dt}\" />\n  </Settings>\n</TrackMate>\n"
    );
    write_atomic(&dir.join("sample_trackmate.xml"), xml.as_bytes())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let usage = "usage: make_samples TRACKS1D.npz TRACKMATE2D.npz [OUTPUT_DIR]";
    let one_d = PathBuf::from(args.next().ok_or(usage)?);
    let two_d = PathBuf::from(args.next().ok_or(usage)?);
    let dir = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample"));
    std::fs::create_dir_all(&dir)?;
    let one_d = wsindy_io::read_npz(&one_d, TimeSource::FromFile)?;
    let two_d = wsindy_io::read_npz(&two_d, TimeSource::FromFile)?;
    if one_d.dim() != 1 || one_d.experiments() < 2 || two_d.dim() != 2 {
        return Err(format!("{usage}: expected 1D data with two experiments and 2D data").into());
    }
    // one generator per file, so that changing one file leaves the others as they are
    write_csv_gz(&dir, &one_d, &mut Pcg64::seed_from_u64(1))?;
    write_npy(&dir, &one_d, &mut Pcg64::seed_from_u64(2))?;
    write_trackmate(&dir, &two_d, &mut Pcg64::seed_from_u64(3))?;
    for name in ["sample_tracks.csv.gz", "sample_nan.npy", "sample_trackmate.xml"] {
        println!("{}: {} bytes", dir.join(name).display(), std::fs::metadata(dir.join(name))?.len());
    }
    Ok(())
}
