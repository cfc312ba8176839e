//! A run killed with SIGKILL and started again finishes every trial exactly once, keeps the
//! rows written before the kill as they were, cuts a torn last line, and any single trial
//! recomputed alone equals its stored row.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TRIALS: usize = 40;
const POINTS: usize = 2;

fn definition() -> String {
    let scale = |trials: usize| format!("trials = {trials}\nn = [200]\nm = [1, 2]\n");
    format!(
        r#"
figure = 6
kind = "convergence"
name = "tiny"
title = "tiny nonlocal 1D"
example = "nonlocal1d"
sigma = "const"
x = "nm"

[[plots]]
stem = "fig06_tiny"
metrics = ["err_k", "err_sigma"]
reference_slope = -0.5

[[plots]]
stem = "fig06_tiny_tpr"
metrics = ["tpr"]

[scales.quick]
{}
[scales.default]
{}
[scales.paper]
{}"#,
        scale(TRIALS),
        scale(1),
        scale(1)
    )
}

fn command(experiments: &Path, out: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wsindy-experiments"));
    cmd.arg("--experiments").arg(experiments).arg("--out").arg(out).args(["--scale", "quick", "--jobs", "2"]);
    cmd
}

fn lines(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.split_inclusive('\n').filter(|l| l.ends_with('\n')).map(str::to_string).collect()
}

/// (point, trial) of a data line.
fn key(line: &str) -> (usize, usize) {
    let f: Vec<&str> = line.split(',').collect();
    (f[2].parse().unwrap(), f[3].parse().unwrap())
}

#[test]
fn killed_run_resumes_without_duplicates_or_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let experiments = dir.path().join("experiments");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&experiments).unwrap();
    std::fs::write(experiments.join("fig06.toml"), definition()).unwrap();
    let results = out.join("results.csv");

    // first run: SIGKILL once a few rows are on disk
    let mut child = command(&experiments, &out)
        .arg("--quiet")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while lines(&results).len() < 1 + 5 {
        assert!(start.elapsed() < Duration::from_secs(60), "no rows after 60 s");
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    let before = lines(&results);
    assert!(before.len() > 1, "the first run wrote no row");
    assert!(before.len() - 1 < POINTS * TRIALS, "the first run finished before the kill; nothing was tested");

    // a torn write on top of the kill: half of a row without its newline
    let torn = &before[1][..before[1].len() / 2];
    let mut bytes = std::fs::read(&results).unwrap();
    bytes.extend_from_slice(torn.as_bytes());
    std::fs::write(&results, bytes).unwrap();

    // second run to the end
    let output = command(&experiments, &out).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("cut an incomplete last line"), "{stderr}");
    let after = lines(&results);
    assert_eq!(after.len(), 1 + POINTS * TRIALS, "rows: {}", after.len() - 1);
    // the rows written before the kill are untouched (not recomputed: same timings too)
    assert_eq!(&after[..before.len()], &before[..]);
    let keys: Vec<(usize, usize)> = after[1..].iter().map(|l| key(l)).collect();
    let unique: HashSet<(usize, usize)> = keys.iter().copied().collect();
    assert_eq!(unique.len(), keys.len(), "duplicate rows");
    let expected: HashSet<(usize, usize)> =
        (0..POINTS).flat_map(|p| (0..TRIALS).map(move |t| (p, t))).collect();
    assert_eq!(unique, expected);
    assert!(after[1..].iter().all(|l| l.trim_end().ends_with(",ok")), "a trial failed: {after:?}");
    for file in ["fig06_tiny.png", "fig06_tiny.svg", "fig06_tiny_tpr.png", "summary.md"] {
        assert!(out.join(file).exists(), "{file} missing");
    }

    // a third run has nothing to do
    let output = command(&experiments, &out).output().unwrap();
    assert!(output.status.success());
    assert_eq!(lines(&results), after);

    // one trial recomputed alone (on another thread count) equals its stored row
    let output =
        command(&experiments, &out).args(["--figure", "6", "--point", "1", "--trial", "7"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("point 1 trial 7: identical to the stored row"), "{stderr}");
}
