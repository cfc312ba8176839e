//! The binary under hostile conditions: killed with SIGKILL while writing its outputs, a write
//! that fails (file size limit), an address-space limit with forged archives and an oversized
//! grid. In every case the output is either the previous file or the complete new one, and
//! errors are clean (exit code 1, one `error:` line), never an abort.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use rand::{RngExt, SeedableRng};
use wsindy::core::Trajectories;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_wsindy")
}

fn temp() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("wsindy-hardening-").tempdir().unwrap()
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temporary path")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A simulation config: N = 20,000 in 2 experiments, 41 times (a 13 MB archive).
fn sim_config(dir: &Path, name: &str, seed: u64) -> PathBuf {
    write(
        dir,
        name,
        &format!(
            "preset = \"nonlocal1d\"\nparticles = 20000\nexperiments = 2\nstep = 1e-3\nrecord_every = 5\nrecorded_steps = 40\nseed = {seed}\n"
        ),
    )
}

fn run(args: &[&str]) -> Output {
    Command::new(bin()).args(args).output().expect("the wsindy binary runs")
}

/// Files in `dir` other than the temporaries a kill may leave (`.NAME.*.tmp`).
fn outputs(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !(n.starts_with('.') && n.ends_with(".tmp")))
        .collect();
    names.sort();
    names
}

fn temporaries(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".tmp"))
        .count()
}

/// Kill times: `count` points from 2 ms to 1.5 × the duration of an uninterrupted run, denser
/// at the start (process start-up, simulation) and spread over the write.
fn kill_times(full: Duration, count: usize) -> Vec<Duration> {
    let end = full.as_secs_f64() * 1.5;
    (0..count)
        .map(|i| {
            let f = i as f64 / (count - 1) as f64;
            Duration::from_secs_f64(0.002 + (end - 0.002) * f * f.sqrt())
        })
        .collect()
}

/// Starts `args`, kills it (SIGKILL) after `after`, waits for it, and returns whether it had
/// already exited on its own (successfully).
fn kill_after(args: &[&str], after: Duration) -> bool {
    let mut child =
        Command::new(bin()).args(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    std::thread::sleep(after);
    let finished = matches!(child.try_wait(), Ok(Some(status)) if status.success());
    // killing a process that has exited is harmless: it is not yet reaped
    let _ = child.kill();
    let status = child.wait().unwrap();
    finished || status.success()
}

/// `simulate --out` over an existing archive, killed at 30 points of its run: the archive is
/// always the old one byte for byte or the complete new one.
#[test]
fn killed_simulate_leaves_the_old_or_the_new_archive() {
    let dir = temp();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let out = out_dir.join("data.npz");
    let old_cfg = sim_config(dir.path(), "old.toml", 1);
    let new_cfg = sim_config(dir.path(), "new.toml", 2);
    // the new archive written without interruption, for comparison
    let reference = dir.path().join("reference.npz");
    let start = Instant::now();
    assert!(
        run(&["simulate", "--quiet", "--config", path_str(&new_cfg), "--out", path_str(&reference)])
            .status
            .success()
    );
    let full = start.elapsed();
    let new_bytes = std::fs::read(&reference).unwrap();
    assert!(
        run(&["simulate", "--quiet", "--config", path_str(&old_cfg), "--out", path_str(&out)])
            .status
            .success()
    );
    let old_bytes = std::fs::read(&out).unwrap();
    assert_ne!(old_bytes, new_bytes);

    let args = ["simulate", "--quiet", "--config", path_str(&new_cfg), "--out", path_str(&out)];
    let (mut kept_old, mut got_new) = (0, 0);
    for after in kill_times(full, 30) {
        let finished = kill_after(&args, after);
        let now = std::fs::read(&out).unwrap();
        if now == old_bytes {
            kept_old += 1;
            assert!(!finished, "a run that finished must have replaced the file (killed after {after:?})");
        } else {
            // complete: byte-identical to the uninterrupted run, and readable
            assert!(
                now == new_bytes,
                "killed after {after:?}: the archive is neither the old nor the new one"
            );
            wsindy::io::read_npz(&out, wsindy::io::TimeSource::FromFile).unwrap();
            got_new += 1;
            // start the next kill from the old file again
            std::fs::write(&out, &old_bytes).unwrap();
        }
        assert_eq!(outputs(&out_dir), ["data.npz"], "killed after {after:?}");
    }
    eprintln!("30 kill points over {full:?}: {kept_old} left the old archive, {got_new} the new one");
}

/// `identify --out` over an existing JSON, killed at 25 points: the JSON is the old one or a
/// complete new one.
#[test]
fn killed_identify_leaves_the_old_or_the_new_json() {
    let dir = temp();
    let data = dir.path().join("data.npz");
    let cfg = sim_config(dir.path(), "sim.toml", 3);
    assert!(
        run(&["simulate", "--quiet", "--config", path_str(&cfg), "--out", path_str(&data)]).status.success()
    );
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let out = out_dir.join("model.json");
    let old = b"{\"old\": true}\n".to_vec();
    std::fs::write(&out, &old).unwrap();
    let args = ["identify", "--data", path_str(&data), "--out", path_str(&out)];
    let start = Instant::now();
    assert!(run(&args).status.success());
    let full = start.elapsed();
    let complete = |bytes: &[u8]| {
        let json: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        (json["model"]["terms"].as_array()?.len() == 24).then_some(())
    };
    assert!(complete(&std::fs::read(&out).unwrap()).is_some());
    let (mut kept_old, mut got_new) = (0, 0);
    for after in kill_times(full, 25) {
        std::fs::write(&out, &old).unwrap();
        let finished = kill_after(&args, after);
        let now = std::fs::read(&out).unwrap();
        if now == old {
            assert!(!finished, "killed after {after:?}");
            kept_old += 1;
        } else {
            assert!(complete(&now).is_some(), "killed after {after:?}: incomplete JSON");
            got_new += 1;
        }
        assert_eq!(outputs(&out_dir), ["model.json"]);
    }
    eprintln!("25 kill points over {full:?}: {kept_old} left the old JSON, {got_new} the new one");
}

/// A write that fails half-way (the file size limit, `ulimit -f`, with SIGXFSZ ignored so the
/// write returns EFBIG): exit code 1, one error line naming the file, the old archive
/// untouched, no temporary left and no message from the zip writer's clean-up.
#[test]
fn a_failed_write_leaves_the_old_archive() {
    let dir = temp();
    let out = dir.path().join("data.npz");
    let old = b"previous contents".to_vec();
    std::fs::write(&out, &old).unwrap();
    let cfg = sim_config(dir.path(), "sim.toml", 1);
    // 2048 blocks of 512 bytes (dash) or 1024 bytes (bash): far below the 13 MB archive
    let script = format!(
        "trap '' XFSZ; ulimit -f 2048; exec '{}' simulate --quiet --config '{}' --out '{}'",
        bin(),
        path_str(&cfg),
        path_str(&out)
    );
    let output = Command::new("sh").arg("-c").arg(&script).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot write") && stderr.contains("data.npz"), "{stderr}");
    assert!(stderr.contains("File too large"), "{stderr}");
    assert!(!stderr.contains("ZipWriter"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(std::fs::read(&out).unwrap(), old);
    assert_eq!(temporaries(dir.path()), 0);
    // an output whose parent is a file: an error, nothing created
    let nested = out.join("x.npz");
    let output = run(&["simulate", "--quiet", "--config", path_str(&cfg), "--out", path_str(&nested)]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(std::fs::read(&out).unwrap(), old);
}

/// Runs the binary with an address space of 2,000,000 KiB.
fn limited(args: &[&str]) -> (Option<i32>, String) {
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    let script = format!("ulimit -v 2000000; exec '{}' {}", bin(), quoted.join(" "));
    // the budget must come from the limit, not from a setting of the caller's environment
    let output =
        Command::new("sh").arg("-c").arg(&script).env_remove("WSINDY_MEMORY_BUDGET").output().unwrap();
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// The `.npy` header of a C-order array.
fn npy_header(descr: &str, shape: &[usize]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let mut dict =
        format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': ({},), }}", dims.join(", "));
    while (10 + dict.len() + 1) % 64 != 0 {
        dict.push(' ');
    }
    dict.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

/// An .npz whose deflated `positions.npy` declares `declared` float32 values: 1 MB of random
/// data compressed, with the sizes in the zip headers patched to what the npy header declares
/// (the deflate ratio makes a 1.1 GB entry plausible from 1 MB).
fn forged_deflate(path: &Path, declared: usize) {
    use std::io::Write;
    use zip::write::SimpleFileOptions;
    let header = npy_header("<f4", &[1, declared, 1, 1]);
    let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
    let body: Vec<u8> = (0..1 << 20).map(|_| rng.random::<u8>()).collect();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("positions.npy", options).unwrap();
    zip.write_all(&header).unwrap();
    zip.write_all(&body).unwrap();
    let mut bytes = zip.finish().unwrap().into_inner();
    let real = (header.len() + body.len()) as u32;
    let forged = u32::try_from(header.len() + 4 * declared).unwrap();
    // the uncompressed size: offset 22 of the local header, 24 of the central directory entry
    let mut patched = 0;
    for i in 0..bytes.len().saturating_sub(28) {
        let offset = match &bytes[i..i + 4] {
            b"PK\x03\x04" => 22,
            b"PK\x01\x02" => 24,
            _ => continue,
        };
        let at = i + offset;
        assert_eq!(u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()), real);
        bytes[at..at + 4].copy_from_slice(&forged.to_le_bytes());
        patched += 1;
    }
    assert_eq!(patched, 2);
    std::fs::write(path, bytes).unwrap();
}

/// Forged archives and an oversized grid under `ulimit -v 2000000`: exit code 1 with a message
/// naming the sizes, never an abort (134).
#[test]
fn memory_limits_are_clean_errors() {
    let dir = temp();
    // 1 MB compressed, declaring 275 million float32 values (1.1 GB; 3.3 GB as float64 with the
    // float32 staging)
    let forged = dir.path().join("forged.npz");
    forged_deflate(&forged, 275_000_000);
    let (code, stderr) = limited(&["identify", "--data", path_str(&forged)]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        stderr.contains("forged.npz") && stderr.contains("needs about 3300000000 bytes (3.30 GB)"),
        "{stderr}"
    );
    assert!(stderr.contains("ulimit") || stderr.contains("available"), "{stderr}");
    eprintln!("forged deflate: exit {code:?}: {}", stderr.trim());

    // a stored entry declaring far more than it holds
    let stored = dir.path().join("stored.npz");
    {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&stored).unwrap());
        let options =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        zip.start_file("positions.npy", options).unwrap();
        zip.write_all(&npy_header("<f8", &[1000, 1000, 1000, 1])).unwrap();
        zip.write_all(&[0u8; 4096]).unwrap();
        zip.finish().unwrap();
    }
    let (code, stderr) = limited(&["identify", "--data", path_str(&stored)]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("header declares shape [1000, 1000, 1000, 1]"), "{stderr}");
    eprintln!("forged stored: exit {code:?}: {}", stderr.trim());

    // 2D data on a 2048 × 2048 grid with 20 times: within the 2²⁸ density limit, but the
    // identification's arrays need several GB
    let mut rng = rand_pcg::Pcg64::seed_from_u64(11);
    let (l, n) = (20, 200);
    let positions: Vec<f64> = (0..l * n * 2).map(|_| rng.random::<f64>()).collect();
    let data = Trajectories::new(1, l, n, 2, positions, (0..l).map(|k| 0.1 * k as f64).collect()).unwrap();
    let npz = dir.path().join("planar.npz");
    wsindy::io::write_npz(&npz, &data).unwrap();
    let cfg = write(dir.path(), "big.toml", "[grid]\ncells = [2048, 2048]\n");
    let (code, stderr) =
        limited(&["identify", "--data", path_str(&npz), "--preset", "local2d", "--config", path_str(&cfg)]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("2048 × 2048 cells × 20 times"), "{stderr}");
    assert!(stderr.contains("reduce grid.cells"), "{stderr}");
    eprintln!("oversized grid: exit {code:?}: {}", stderr.trim());
}

/// Runs the binary; returns (exit code, stdout, stderr).
fn outcome(args: &[&str]) -> (Option<i32>, String, String) {
    let out = run(args);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// 1D data of `n` particles relaxing towards 0 (x(t) = x₀ e^{−t}), at times `t0 + 0.05 k`.
fn relaxing(n: usize, l: usize, t0: f64) -> Trajectories {
    let mut positions = Vec::with_capacity(n * l);
    for k in 0..l {
        let decay = (-0.05 * k as f64).exp();
        positions.extend((0..n).map(|i| decay * (2.0 * (i as f64 + 0.5) / n as f64 - 1.0)));
    }
    Trajectories::new(1, l, n, 1, positions, (0..l).map(|k| t0 + 0.05 * k as f64).collect()).unwrap()
}

/// Unix timestamps (t ≈ 1.7·10⁹ s at 20 Hz) are equally spaced data: identify accepts them
/// and reports the first time and the step.
#[test]
fn absolute_timestamps_are_accepted() {
    let dir = temp();
    let npz = dir.path().join("stamps.npz");
    let data = relaxing(2000, 60, 1.7e9);
    wsindy::io::write_npz(&npz, &data).unwrap();
    let (code, stdout, stderr) = outcome(&["identify", "--data", path_str(&npz)]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("t = 1700000000 … 1700000002.95"), "{stdout}");
    assert!(stdout.contains("L = 60 (Δt = 0.05"), "{stdout}");
}

/// A run that grows without bound but stays finite is an error naming experiment and step,
/// and writes no archive.
#[test]
fn a_diverging_simulation_is_an_error() {
    let dir = temp();
    // dX = 20 X dt: explicit Euler multiplies the spread by 1.2 per step of 0.01, 10³⁹ in 500
    // steps, finite all along
    let cfg = write(
        dir.path(),
        "div.toml",
        "dim = 1\nparticles = 10\nrecorded_steps = 50\nstep = 0.01\n[[drift]]\nname = \"x^1\"\ncoefficient = -20.0\n",
    );
    let out = dir.path().join("div.npz");
    let (code, _, stderr) =
        outcome(&["simulate", "--quiet", "--config", path_str(&cfg), "--out", path_str(&out)]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("div.toml failed: simulation diverged in experiment 0 at step 130 (time 1.3)"),
        "{stderr}"
    );
    assert!(!out.exists());
}

/// Two particles per experiment: the model is still printed, with a warning that N is too small.
#[test]
fn two_particles_warn() {
    let dir = temp();
    let npz = dir.path().join("two.npz");
    wsindy::io::write_npz(&npz, &relaxing(2, 60, 0.0)).unwrap();
    let (code, _, stderr) = outcome(&["identify", "--data", path_str(&npz)]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: N = 2 particles per experiment is too few for a library of J = 24 terms (at least 10 per term, N ≥ 240)"),
        "{stderr}"
    );
}

/// A sparsity weight that would overflow the loss is refused, printed compactly.
#[test]
fn an_overflowing_sparsity_weight_is_refused() {
    let dir = temp();
    let npz = dir.path().join("d.npz");
    wsindy::io::write_npz(&npz, &relaxing(500, 40, 0.0)).unwrap();
    let cfg = write(dir.path(), "w.toml", "[regression]\nsparsity_weight = 1e308\n");
    let (code, _, stderr) = outcome(&["identify", "--data", path_str(&npz), "--config", path_str(&cfg)]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("regression.sparsity_weight = 1e308 is invalid: expected a number from 0 to 1e6"),
        "{stderr}"
    );
}

/// A simulation whose recorded positions exceed the budget is refused before it starts.
#[test]
fn an_oversized_simulation_is_refused() {
    let dir = temp();
    // 10⁷ particles × 10⁴ + 1 times: 800 GB of positions
    let cfg = write(
        dir.path(),
        "huge.toml",
        "preset = \"nonlocal1d\"\nparticles = 10000000\nexperiments = 1\nrecorded_steps = 10000\n",
    );
    let out = dir.path().join("huge.npz");
    let (code, stderr) =
        limited(&["simulate", "--quiet", "--config", path_str(&cfg), "--out", path_str(&out)]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("the recorded positions (M × L × N × d = 1 × 10001 × 10000000 × 1) needs about 800080000000 bytes (800.08 GB)"),
        "{stderr}"
    );
    assert!(stderr.contains("reduce particles, experiments or recorded_steps"), "{stderr}");
    assert!(!out.exists());
}

/// Every null in a JSON value, as a path.
fn null_paths(value: &serde_json::Value, path: String, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Null => out.push(path),
        serde_json::Value::Array(items) => {
            items.iter().enumerate().for_each(|(i, v)| null_paths(v, format!("{path}[{i}]"), out))
        }
        serde_json::Value::Object(map) => {
            map.iter().for_each(|(k, v)| null_paths(v, format!("{path}.{k}"), out))
        }
        _ => {}
    }
}

/// A rank-deficient G (supports so wide that test functions see no detail): the JSON writes
/// cond(G) = ∞ as "inf", and holds no null but the documented ones (no truth, file data).
#[test]
fn the_json_has_no_undocumented_null() {
    let dir = temp();
    let cfg =
        write(dir.path(), "wide.toml", "[test_functions]\nspace_support = { auto = { tau_hat = 1e308 } }\n");
    let out = dir.path().join("model.json");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample/nonlocal1d.npz");
    let (code, _, stderr) = outcome(&[
        "identify",
        "--data",
        path_str(&sample),
        "--config",
        path_str(&cfg),
        "--out",
        path_str(&out),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("cond(G) = inf"), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(json["model"]["condition_number"], "inf");
    let mut nulls = Vec::new();
    null_paths(&json, String::new(), &mut nulls);
    nulls.sort();
    let documented = [
        ".model.timings.simulate",
        ".rel_err.K",
        ".rel_err.V",
        ".rel_err.sigma",
        ".settings.truth",
        ".tpr",
        ".truth",
    ];
    assert_eq!(nulls, documented);
}

/// WSINDY_MEMORY_BUDGET sets the budget: a CSV of 70,000 rows under a budget of 1 MB stops at
/// the first growth of the row buffer past 65,536 rows; a malformed budget is an error too.
#[test]
fn the_budget_can_be_set_and_csv_rows_are_checked() {
    let dir = temp();
    let mut text = String::from("x,frame,particle\n");
    for frame in 0..70 {
        for p in 0..1000 {
            text.push_str(&format!("{},{frame},{p}\n", p as f64 * 1e-3));
        }
    }
    let csv = write(dir.path(), "rows.csv", &text);
    let with_budget = |budget: &str| {
        let out = Command::new(bin())
            .args(["identify", "--data", path_str(&csv)])
            .env("WSINDY_MEMORY_BUDGET", budget)
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, stderr) = with_budget("1M");
    assert_eq!(code, Some(1), "{stderr}");
    // 65,536 rows × (3 × 48 + 48) bytes
    assert!(
        stderr.contains("reading more than 65536 rows of the CSV file needs about 12582912 bytes (12.58 MB) of memory, more than the budget of 1000000 bytes (1.00 MB) (set by WSINDY_MEMORY_BUDGET)"),
        "{stderr}"
    );
    let (code, stderr) = with_budget("lots");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("WSINDY_MEMORY_BUDGET = \"lots\" is invalid"), "{stderr}");
}
