//! A mutation corpus run through the ragged readers ([`load_observations`]): seeded mutations
//! (rand_pcg) of small gzip and plain CSV files (default names and a column mapping), TrackMate
//! XML and `.npy`/`.npz` arrays with NaN. Every mutant must give `Ok` or an `Err`, never a
//! panic or a hang, and no read may allocate beyond the memory budget: the corpus runs in a
//! child process under `ulimit -v`, where an allocation the budget did not stop aborts the
//! child and fails the test.
//!
//! `long_mutation_run` (ignored) runs `WSINDY_FUZZ_MUTANTS` mutants (default 10⁶) in-process
//! and prints the count and the time.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use flate2::Compression;
use flate2::write::GzEncoder;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use wsindy_core::Trajectories;
use wsindy_io::{
    ColumnMap, MissingPolicy, ObservedOptions, TimeSource, load_observations, write_npy, write_npz,
};

/// Mutants run per seed file in the test (6 seed files).
const MUTANTS_PER_SEED: usize = 500;
/// Address space of the child process, in KiB.
const ADDRESS_SPACE_KIB: u64 = 1_500_000;
/// Set in the child's environment: run the corpus instead of spawning it.
const CHILD: &str = "WSINDY_FUZZ_OBSERVED_CHILD";
/// The slowest single read allowed: a mutant that takes longer counts as a hang.
const SLOWEST: Duration = Duration::from_secs(5);

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn trackmate() -> Vec<u8> {
    let mut spots = String::new();
    let mut edges = String::new();
    for frame in 0..4 {
        spots.push_str(&format!("<SpotsInFrame frame=\"{frame}\">\n"));
        for p in 0..3 {
            let id = frame * 3 + p;
            spots.push_str(&format!(
                "<Spot ID=\"{id}\" FRAME=\"{frame}\" POSITION_X=\"{}\" POSITION_Y=\"{}\" POSITION_Z=\"0.0\" POSITION_T=\"{}\" />\n",
                p as f64 + 0.1 * frame as f64,
                0.5 * p as f64,
                0.5 * frame as f64
            ));
            if frame > 0 {
                edges.push_str(&format!("<Edge SPOT_SOURCE_ID=\"{}\" SPOT_TARGET_ID=\"{id}\" />\n", id - 3));
            }
        }
        spots.push_str("</SpotsInFrame>\n");
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<TrackMate version=\"7.0\">\n<Model spatialunits=\"µm\" timeunits=\"sec\">\n<AllSpots nspots=\"12\">\n{spots}</AllSpots>\n<AllTracks>\n<Track TRACK_ID=\"0\">\n{edges}</Track>\n</AllTracks>\n</Model>\n<Settings><ImageData frameinterval=\"0.5\" /></Settings>\n</TrackMate>\n"
    )
    .into_bytes()
}

/// The seed files: (file name, bytes, options).
fn seeds(dir: &Path) -> Vec<(&'static str, Vec<u8>, ObservedOptions)> {
    let mut csv = String::from("experiment,frame,particle,x,y\n");
    for m in 0..2 {
        for frame in m..5 {
            for p in 0..3 {
                if (frame + p) % 4 != 3 {
                    csv.push_str(&format!(
                        "{m},{frame},{p},{},{}\n",
                        p as f64 + 0.1 * frame as f64,
                        0.3 * p as f64
                    ));
                }
            }
        }
    }
    let renamed =
        csv.replacen("experiment,frame,particle,x,y", "Run,T,Track,X_um,Y_um", 1).replace(",4,", ",2.0,");
    let mapped = ObservedOptions {
        columns: Some("experiment=Run,t=T,id=Track,x=X_um,y=Y_um".parse::<ColumnMap>().unwrap()),
        ..Default::default()
    };
    let (l, n) = (5, 4);
    let mut values: Vec<f64> = (0..l * n * 2).map(|i| (i as f64 * 0.37).sin()).collect();
    values[6] = f64::NAN;
    values[7] = f64::NAN;
    let npy = dir.join("seed.npy");
    write_npy(&npy, &[l, n, 2], &values).unwrap();
    let complete = values[..l * n].iter().map(|&v| if v.is_nan() { 0.0 } else { v }).collect();
    let data = Trajectories::new(1, l, n, 1, complete, (0..l).map(|k| k as f64).collect()).unwrap();
    let npz = dir.join("seed.npz");
    write_npz(&npz, &data).unwrap();
    let spacing = ObservedOptions { times: TimeSource::Spacing(0.1), ..Default::default() };
    let strict = ObservedOptions { missing: MissingPolicy::Error, ..Default::default() };
    vec![
        ("m.csv.gz", gzip(csv.as_bytes()), ObservedOptions::default()),
        ("m.csv", renamed.into_bytes(), mapped),
        ("m.xml", trackmate(), ObservedOptions::default()),
        ("m.npy", std::fs::read(&npy).unwrap(), spacing),
        ("m.npz", std::fs::read(&npz).unwrap(), strict),
        ("n.csv.gz", gzip(b"t,x\n0,1\n0.5,2\n1.5,3\n"), ObservedOptions::default()),
    ]
}

/// One random mutation of `bytes`.
fn mutate(rng: &mut Pcg64, bytes: &mut Vec<u8>) {
    if bytes.is_empty() {
        bytes.push(rng.random());
        return;
    }
    let len = bytes.len();
    let at = match rng.random_range(0..3) {
        0 => rng.random_range(0..len.min(256)),
        1 => len - 1 - rng.random_range(0..len.min(256)),
        _ => rng.random_range(0..len),
    };
    match rng.random_range(0..8) {
        0 => bytes[at] ^= 1 << rng.random_range(0..8),
        1 => bytes[at] = rng.random(),
        2 => {
            let value: u32 = if rng.random() { u32::MAX - rng.random_range(0..16) } else { rng.random() };
            for (k, b) in value.to_le_bytes().iter().enumerate() {
                if let Some(slot) = bytes.get_mut(at + k) {
                    *slot = *b;
                }
            }
        }
        3 => bytes.truncate(at),
        4 => {
            let extra: Vec<u8> = (0..rng.random_range(1..64)).map(|_| rng.random()).collect();
            bytes.splice(at..at, extra);
        }
        5 => {
            let end = (at + rng.random_range(1..64)).min(len);
            bytes.drain(at..end);
        }
        6 => {
            // digits: large frame numbers, ids and times
            let digits: Vec<u8> =
                (0..rng.random_range(1..12)).map(|_| b'0' + rng.random_range(0..10)).collect();
            bytes.splice(at..at, digits);
        }
        _ => {
            // a copy of a slice elsewhere: repeated rows, spots and elements
            let from = rng.random_range(0..len);
            let end = (from + rng.random_range(1..200)).min(len);
            let piece: Vec<u8> = bytes[from..end].to_vec();
            bytes.splice(at..at, piece);
        }
    }
}

/// Runs `mutants` mutants over the seeds; returns (executions, errors, slowest read).
fn run_corpus(mutants_per_seed: usize) -> (usize, usize, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Pcg64::seed_from_u64(20_261_202);
    let (mut executions, mut errors) = (0, 0);
    let mut slowest = Duration::ZERO;
    for (name, seed, options) in seeds(dir.path()) {
        let path = dir.path().join(name);
        for _ in 0..mutants_per_seed {
            let mut bytes = seed.clone();
            for _ in 0..rng.random_range(1..4) {
                mutate(&mut rng, &mut bytes);
            }
            std::fs::write(&path, &bytes).unwrap();
            let start = Instant::now();
            let result = load_observations(&path, &options);
            slowest = slowest.max(start.elapsed());
            if let Err(e) = &result {
                // every error prints (no panic in Display either)
                assert!(!e.to_string().is_empty());
            }
            errors += usize::from(result.is_err());
            executions += 1;
        }
    }
    (executions, errors, slowest)
}

/// The entry point of the child process; does nothing unless started by [`mutation_corpus`].
#[test]
fn observed_corpus_child() {
    if std::env::var_os(CHILD).is_some() {
        let start = Instant::now();
        let (n, errors, slowest) = run_corpus(MUTANTS_PER_SEED);
        assert!(errors > 0 && errors < n, "{errors} errors in {n} executions");
        assert!(slowest < SLOWEST, "a read took {slowest:?}");
        println!("fuzz: {n} executions in {:.2} s, slowest {:?}", start.elapsed().as_secs_f64(), slowest);
    }
}

#[test]
fn mutation_corpus() {
    let exe = std::env::current_exe().unwrap();
    let script = format!(
        "ulimit -v {ADDRESS_SPACE_KIB}; exec '{}' observed_corpus_child --exact --nocapture --test-threads 1",
        exe.display()
    );
    let output = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .env(CHILD, "1")
        .env_remove("WSINDY_MEMORY_BUDGET")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the corpus failed ({:?}):\n{stdout}\n{stderr}", output.status);
    let line = stdout
        .lines()
        .find_map(|l| l.find("fuzz: ").map(|i| &l[i..]))
        .expect("the child reports its executions");
    assert!(line.starts_with(&format!("fuzz: {} executions", 6 * MUTANTS_PER_SEED)), "{line}");
    eprintln!("{line}");
}

/// The long run: `WSINDY_FUZZ_MUTANTS` mutants in all (default 10⁶), under the same
/// `ulimit -v` when started through `sh -c 'ulimit -v ..; cargo test ..'`.
#[test]
#[ignore = "long: about 10⁶ mutants"]
fn long_mutation_run() {
    let total: usize =
        std::env::var("WSINDY_FUZZ_MUTANTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let start = Instant::now();
    let (n, errors, slowest) = run_corpus(total.div_ceil(6));
    println!(
        "long fuzz: {n} executions ({errors} errors) in {:.1} s, slowest read {slowest:?}",
        start.elapsed().as_secs_f64()
    );
    assert!(slowest < SLOWEST, "a read took {slowest:?}");
}
