//! Writes the ragged sample files of `data/sample` (see its README.md): Ornstein–Uhlenbeck
//! particles in 2-D, dX = −θ X dt + σ dW, simulated with a seeded rand_pcg generator and then
//! degraded as a tracker would record them.
//!
//! ```text
//! cargo run -p wsindy-io --example make_samples [-- OUTPUT_DIR]
//! ```

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use wsindy_core::atomic::{AtomicFile, write_atomic};

/// Relaxation rate θ.
const THETA: f64 = 1.0;
/// Noise σ.
const SIGMA: f64 = 1.0;
/// Frame interval Δt.
const DT: f64 = 0.05;
/// Sub-steps of Euler–Maruyama per frame.
const SUBSTEPS: usize = 10;

/// A standard normal number (Box–Muller).
fn normal(rng: &mut Pcg64) -> f64 {
    let u: f64 = 1.0 - rng.random::<f64>();
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// Positions (frames × particles × 2) of `particles` OU particles started from N(0, 2²).
fn simulate(rng: &mut Pcg64, frames: usize, particles: usize) -> Vec<[f64; 2]> {
    let mut x: Vec<[f64; 2]> = (0..particles).map(|_| [2.0 * normal(rng), 2.0 * normal(rng)]).collect();
    let h = DT / SUBSTEPS as f64;
    let mut out = Vec::with_capacity(frames * particles);
    for _ in 0..frames {
        out.extend_from_slice(&x);
        for _ in 0..SUBSTEPS {
            for p in &mut x {
                for c in p.iter_mut() {
                    *c += -THETA * *c * h + SIGMA * h.sqrt() * normal(rng);
                }
            }
        }
    }
    out
}

/// `sample_tracks.csv.gz`: two experiments of 64 particles with renamed headers; experiment 0
/// has frames 0..=100, experiment 1 frames 10..=80 without frame 40; each detection is lost
/// with probability 0.1.
fn write_csv_gz(dir: &Path, rng: &mut Pcg64) -> std::io::Result<()> {
    let mut text = String::from("Experiment,Frame_no,Time_s,Track,X_um,Y_um\n");
    for (experiment, frames, skip) in [(0usize, 0..=100usize, None), (1, 10..=80, Some(40usize))] {
        let positions = simulate(rng, frames.end() + 1, 64);
        for frame in frames {
            if Some(frame) == skip {
                continue;
            }
            for particle in 0..64 {
                if rng.random::<f64>() < 0.1 {
                    continue;
                }
                let [x, y] = positions[frame * 64 + particle];
                let track = 1000 * experiment + particle;
                writeln!(text, "{experiment},{frame},{:.4},{track},{x:.6},{y:.6}", frame as f64 * DT)
                    .unwrap();
            }
        }
    }
    let file = AtomicFile::create(&dir.join("sample_tracks.csv.gz"))?;
    let mut gz = GzEncoder::new(file, Compression::best());
    gz.write_all(text.as_bytes())?;
    gz.finish()?.commit()
}

/// `sample_nan.npy`: (L, N, d) = (101, 64, 2) float64, each particle's position NaN (both
/// coordinates) with probability 0.05. Times: none in the file, Δt = 0.05.
fn write_npy(dir: &Path, rng: &mut Pcg64) -> Result<(), wsindy_io::IoError> {
    let positions = simulate(rng, 101, 64);
    let mut values = Vec::with_capacity(positions.len() * 2);
    for p in positions {
        if rng.random::<f64>() < 0.05 {
            values.extend([f64::NAN, f64::NAN]);
        } else {
            values.extend(p);
        }
    }
    wsindy_io::write_npy(&dir.join("sample_nan.npy"), &[101, 64, 2], &values)
}

/// `sample_trackmate.xml`: 40 particles, frames 0..=60 with frame 25 absent, detections lost
/// with probability 0.1, one track per particle linking its consecutive detections, and 5 %
/// of the detections left out of every track.
fn write_trackmate(dir: &Path, rng: &mut Pcg64) -> std::io::Result<()> {
    let (frames, particles) = (61, 40);
    let positions = simulate(rng, frames, particles);
    let mut spots = String::new();
    let mut tracks: Vec<Vec<(usize, usize)>> = vec![Vec::new(); particles];
    let mut id = 0usize;
    for frame in 0..frames {
        if frame == 25 {
            continue;
        }
        writeln!(spots, "      <SpotsInFrame frame=\"{frame}\">").unwrap();
        for (particle, track) in tracks.iter_mut().enumerate() {
            if rng.random::<f64>() < 0.1 {
                continue;
            }
            // coordinates in µm, shifted into the positive quadrant as image coordinates are
            let [x, y] = positions[frame * particles + particle];
            let t = frame as f64 * DT;
            writeln!(
                spots,
                "        <Spot ID=\"{id}\" name=\"ID{id}\" QUALITY=\"1.0\" POSITION_T=\"{t}\" FRAME=\"{frame}\" POSITION_X=\"{:.6}\" POSITION_Y=\"{:.6}\" POSITION_Z=\"0.0\" RADIUS=\"0.5\" VISIBILITY=\"1\" />",
                x + 10.0,
                y + 10.0
            )
            .unwrap();
            if rng.random::<f64>() >= 0.05 {
                track.push((id, frame));
            }
            id += 1;
        }
        writeln!(spots, "      </SpotsInFrame>").unwrap();
    }
    let mut all_tracks = String::new();
    for (t, track) in tracks.iter().enumerate() {
        if track.len() < 2 {
            continue;
        }
        writeln!(
            all_tracks,
            "      <Track name=\"Track_{t}\" TRACK_ID=\"{t}\" NUMBER_SPOTS=\"{}\">",
            track.len()
        )
        .unwrap();
        for pair in track.windows(2) {
            writeln!(
                all_tracks,
                "        <Edge SPOT_SOURCE_ID=\"{}\" SPOT_TARGET_ID=\"{}\" LINK_COST=\"0.0\" />",
                pair[0].0, pair[1].0
            )
            .unwrap();
        }
        writeln!(all_tracks, "      </Track>").unwrap();
    }
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<TrackMate version=\"7.11.1\">\n  <Log>Written by make_samples: Ornstein-Uhlenbeck particles, seeded.</Log>\n  <Model spatialunits=\"µm\" timeunits=\"sec\">\n    <AllSpots nspots=\"{id}\">\n{spots}    </AllSpots>\n    <AllTracks>\n{all_tracks}    </AllTracks>\n    <FilteredTracks />\n  </Model>\n  <Settings>\n    <ImageData filename=\"simulated.tif\" folder=\"\" width=\"200\" height=\"200\" nslices=\"1\" nframes=\"{frames}\" pixelwidth=\"0.1\" pixelheight=\"0.1\" voxeldepth=\"1.0\" frameinterval=\"{DT}\" />\n  </Settings>\n</TrackMate>\n"
    );
    write_atomic(&dir.join("sample_trackmate.xml"), xml.as_bytes())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample"));
    std::fs::create_dir_all(&dir)?;
    // one generator per file, so that changing one file leaves the others as they are
    write_csv_gz(&dir, &mut Pcg64::seed_from_u64(1))?;
    write_npy(&dir, &mut Pcg64::seed_from_u64(2))?;
    write_trackmate(&dir, &mut Pcg64::seed_from_u64(3))?;
    for name in ["sample_tracks.csv.gz", "sample_nan.npy", "sample_trackmate.xml"] {
        println!("{}: {} bytes", dir.join(name).display(), std::fs::metadata(dir.join(name))?.len());
    }
    Ok(())
}
