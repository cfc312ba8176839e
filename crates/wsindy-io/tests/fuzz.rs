//! A mutation corpus run through the readers: seeded mutations (rand_pcg) of the sample data in
//! `data/sample`, of small `.npz` (stored and deflated), `.npy` and CSV files and of forged
//! headers. Every mutant must give `Ok` or an `Err`, never a panic, and no read may allocate
//! beyond what the file can hold: the corpus runs in a child process under `ulimit -v`, where
//! an allocation the budget did not stop aborts the child (exit 134) and fails the test.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use wsindy_core::Trajectories;
use wsindy_io::{TimeSource, load_trajectories, read_npy, write_npz};

/// Mutants run per seed file (5 seed files: 4000 executions in all).
const MUTANTS_PER_SEED: usize = 800;
/// Address space of the child process, in KiB.
const ADDRESS_SPACE_KIB: u64 = 1_500_000;
/// Set in the child's environment: run the corpus instead of spawning it.
const CHILD: &str = "WSINDY_FUZZ_CHILD";

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample/nonlocal1d.npz")
}

fn small_data() -> Trajectories {
    let (l, n) = (6, 8);
    let positions = (0..l * n).map(|i| (i as f64 * 0.37).sin()).collect();
    Trajectories::new(1, l, n, 1, positions, (0..l).map(|k| 0.5 * k as f64).collect()).unwrap()
}

fn npy_header(descr: &str, fortran: bool, shape: &[usize]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let fortran = if fortran { "True" } else { "False" };
    let mut dict =
        format!("{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': ({},), }}", dims.join(", "));
    while (10 + dict.len() + 1) % 64 != 0 {
        dict.push(' ');
    }
    dict.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

/// The seed files: (extension, bytes).
fn seeds(dir: &Path) -> Vec<(&'static str, Vec<u8>)> {
    let data = small_data();
    let stored = dir.join("small.npz");
    write_npz(&stored, &data).unwrap();
    // deflated, as numpy.savez_compressed writes, with float32 positions in Fortran order
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("positions.npy", options).unwrap();
    zip.write_all(&npy_header("<f4", true, &[6, 8, 1])).unwrap();
    for v in data.positions() {
        zip.write_all(&(*v as f32).to_le_bytes()).unwrap();
    }
    zip.start_file("t.npy", options).unwrap();
    zip.write_all(&npy_header("<i8", false, &[6])).unwrap();
    for k in 0..6i64 {
        zip.write_all(&k.to_le_bytes()).unwrap();
    }
    let deflated = zip.finish().unwrap().into_inner();
    let mut npy = npy_header(">f8", false, &[6, 8, 1]);
    for v in data.positions() {
        npy.extend_from_slice(&v.to_be_bytes());
    }
    let mut csv = String::from("x,y,frame,particle\n");
    for frame in 0..5 {
        for p in 0..4 {
            csv.push_str(&format!("{},{},{frame},{p}\n", p as f64 + 0.1 * frame as f64, p));
        }
    }
    vec![
        ("npz", std::fs::read(sample()).unwrap()),
        ("npz", std::fs::read(&stored).unwrap()),
        ("npz", deflated),
        ("npy", npy),
        ("csv", csv.into_bytes()),
    ]
}

/// One random mutation of `bytes`.
fn mutate(rng: &mut Pcg64, bytes: &mut Vec<u8>) {
    if bytes.is_empty() {
        bytes.push(rng.random());
        return;
    }
    // mutations near the start hit the headers of .npy files and of the first zip entry, those
    // near the end the zip central directory: bias a third of them to each
    let len = bytes.len();
    let at = match rng.random_range(0..3) {
        0 => rng.random_range(0..len.min(256)),
        1 => len - 1 - rng.random_range(0..len.min(256)),
        _ => rng.random_range(0..len),
    };
    match rng.random_range(0..7) {
        0 => bytes[at] ^= 1 << rng.random_range(0..8),
        1 => bytes[at] = rng.random(),
        2 => {
            // a 32-bit field set to a huge or random value (sizes, offsets, lengths)
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
        _ => {
            // a digit of a header shape made larger: '(6, 8, 1)' -> '(6, 899999, 1)'
            if let Some(p) = bytes.iter().take(200).position(|&b| b == b'(') {
                let digits: Vec<u8> =
                    (0..rng.random_range(1..12)).map(|_| b'0' + rng.random_range(0..10)).collect();
                let at = (p + 1).min(bytes.len());
                bytes.splice(at..at, digits);
            }
        }
    }
}

/// Runs the corpus; returns the number of executions.
fn run_corpus() -> usize {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Pcg64::seed_from_u64(20_260_515);
    let mut executions = 0;
    let mut errors = 0;
    for (i, (extension, seed)) in seeds(dir.path()).into_iter().enumerate() {
        let path = dir.path().join(format!("mutant{i}.{extension}"));
        for _ in 0..MUTANTS_PER_SEED {
            let mut bytes = seed.clone();
            for _ in 0..rng.random_range(1..4) {
                mutate(&mut rng, &mut bytes);
            }
            std::fs::write(&path, &bytes).unwrap();
            let result = load_trajectories(&path, TimeSource::FromFile);
            errors += usize::from(result.is_err());
            if extension == "npy" {
                let _ = read_npy(&path);
                let _ = load_trajectories(&path, TimeSource::Spacing(0.1));
            }
            executions += 1;
        }
    }
    // the mutations are not all fatal: some mutants (e.g. a flipped bit in a position) read
    assert!(errors > 0 && errors < executions, "{errors} errors in {executions} executions");
    executions
}

/// The entry point of the child process; does nothing unless started by [`mutation_corpus`].
#[test]
fn mutation_corpus_child() {
    if std::env::var_os(CHILD).is_some() {
        let start = std::time::Instant::now();
        let n = run_corpus();
        println!("fuzz: {n} executions in {:.2} s", start.elapsed().as_secs_f64());
    }
}

#[test]
fn mutation_corpus() {
    let exe = std::env::current_exe().unwrap();
    let script = format!(
        "ulimit -v {ADDRESS_SPACE_KIB}; exec '{}' mutation_corpus_child --exact --nocapture --test-threads 1",
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
    // libtest prints the test's name on the line its output starts
    let line = stdout
        .lines()
        .find_map(|l| l.find("fuzz: ").map(|i| &l[i..]))
        .expect("the child reports its executions");
    assert!(line.starts_with(&format!("fuzz: {} executions", 5 * MUTANTS_PER_SEED)), "{line}");
    eprintln!("{line}");
}
