//! The `wsindy identify` and `wsindy simulate` command lines, run as the built binary: bad
//! input of every kind is a clear error on stderr with a non-zero exit code (never a panic),
//! and the shipped example files work.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use wsindy::Preset;
use wsindy::core::Trajectories;
use wsindy_config::simulation::load_simulation;
use wsindy_config::{check_true_model, load_identify_config, load_true_model};

/// The repository's `data/` folder.
fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

fn wsindy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wsindy")).args(args).output().expect("the wsindy binary runs")
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temporary path")
}

/// Runs the binary, expects failure (exit code 1 or 2, no panic) and returns stderr after
/// checking it holds every one of `expected`.
#[track_caller]
fn fails(args: &[&str], expected: &[&str]) -> String {
    let out = wsindy(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        matches!(out.status.code(), Some(1 | 2)),
        "wsindy {args:?} should fail with exit code 1 or 2, got {:?}; stderr:\n{stderr}",
        out.status.code()
    );
    assert!(!stderr.contains("panicked"), "wsindy {args:?} panicked:\n{stderr}");
    for e in expected {
        assert!(stderr.contains(e), "wsindy {args:?}: stderr lacks {e:?}:\n{stderr}");
    }
    stderr
}

/// Runs the binary, expects success and returns stdout.
#[track_caller]
fn succeeds(args: &[&str]) -> String {
    let out = wsindy(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "wsindy {args:?} failed:\n{stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn temp() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("wsindy-cli-test-").tempdir().unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A small 1D data set: `n` particles spreading out, L time points, Δt = 0.1.
fn spreading(n: usize, l: usize) -> Trajectories {
    let mut positions = Vec::with_capacity(n * l);
    for k in 0..l {
        let s = 1.0 + 0.05 * k as f64;
        positions.extend((0..n).map(|i| s * (((i as f64 + 0.5) / n as f64) - 0.5)));
    }
    Trajectories::new(1, l, n, 1, positions, (0..l).map(|k| 0.1 * k as f64).collect()).unwrap()
}

fn npz(dir: &Path, name: &str, data: &Trajectories) -> PathBuf {
    let path = dir.join(name);
    wsindy::io::write_npz(&path, data).unwrap();
    path
}

#[test]
fn quick_start_identifies_the_sample_data() {
    let dir = temp();
    let json = dir.path().join("model.json");
    let sample = data_dir().join("sample/nonlocal1d.npz");
    let truth = data_dir().join("truth/nonlocal1d_const.toml");
    let stdout = succeeds(&[
        "identify",
        "--data",
        path_str(&sample),
        "--truth",
        path_str(&truth),
        "--out",
        path_str(&json),
    ]);
    for part in ["K(x)", "|x|^2", "cond(G)", "λ̂", "TPR = 1.000", "time: load"] {
        assert!(stdout.contains(part), "stdout lacks {part:?}:\n{stdout}");
    }
    let out: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    for key in ["preset", "terms", "tpr", "rel_err", "lambda", "timings_s", "truth", "settings", "model"] {
        assert!(out.get(key).is_some(), "JSON lacks {key}");
    }
    // the answer first: version, selected terms, the printed equation
    let keys: Vec<&str> = out.as_object().unwrap().keys().map(String::as_str).take(4).collect();
    assert_eq!(keys, ["schema_version", "terms", "equation", "preset"]);
    assert_eq!(out["schema_version"], 1);
    assert!(out["equation"].as_str().unwrap().contains("K(x)   = "), "{}", out["equation"]);
    assert_eq!(out["preset"], "nonlocal1d");
    assert_eq!(out["tpr"], 1.0);
    assert!(out["rel_err"]["K"].as_f64().unwrap() < 0.1);
    assert_eq!(out["settings"]["particles"], 2000);
    let names: Vec<&str> =
        out["terms"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["|x|^1", "|x|^2", "x^0"]);
    // each term also carries its typed description
    let first = &out["terms"][0]["term"];
    assert_eq!(
        (first["family"].as_str(), first["kernel"].as_str(), first["power"].as_f64()),
        (Some("interaction"), Some("power"), Some(1.0))
    );
    let last = &out["terms"][2]["term"];
    assert_eq!((last["family"].as_str(), last["entry"].as_str()), (Some("diffusion"), Some("I")));
    assert_eq!(last["field"]["monomial"][0], 0);
}

#[test]
fn the_sample_data_are_reproduced_by_their_simulation_config() {
    let dir = temp();
    let out = dir.path().join("again.npz");
    let config = data_dir().join("simulate/sample_nonlocal1d.toml");
    let status = wsindy(&["simulate", "--config", path_str(&config), "--out", path_str(&out), "--quiet"]);
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    assert!(status.stderr.is_empty(), "--quiet prints nothing");
    let sample = data_dir().join("sample/nonlocal1d.npz");
    assert!(
        std::fs::read(&out).unwrap() == std::fs::read(&sample).unwrap(),
        "data/sample/nonlocal1d.npz is not what data/simulate/sample_nonlocal1d.toml gives (did the simulator change? regenerate it with `wsindy simulate --config data/simulate/sample_nonlocal1d.toml --out data/sample/nonlocal1d.npz` and check that the quick start still gives TPR 1)"
    );
    assert!(std::fs::metadata(&sample).unwrap().len() < 2_000_000);
}

#[test]
fn shipped_configs_equal_the_presets_and_truths_name_library_terms() {
    for preset in Preset::ALL {
        let path = data_dir().join(format!("configs/{preset}.toml"));
        // laid over the default config, the file alone must give the preset
        let config = load_identify_config(&path, &wsindy::IdentifyConfig::default()).unwrap();
        assert_eq!(config, preset.config(), "{}", path.display());
        let plan = load_simulation(&data_dir().join(format!("simulate/{preset}.toml"))).unwrap();
        assert_eq!(plan.dim(), preset.dim());
    }
    for (file, preset) in [
        ("nonlocal1d_const", Preset::Nonlocal1d),
        ("nonlocal1d_zero", Preset::Nonlocal1d),
        ("nonlocal1d_variable", Preset::Nonlocal1d),
        ("explicit1d", Preset::Nonlocal1d),
        ("local2d_omega1", Preset::Local2d),
        ("nonlocal2d_critical", Preset::Nonlocal2d),
        ("nonlocal2d_zero", Preset::Nonlocal2d),
        ("nonlocal3d", Preset::Nonlocal3d),
    ] {
        let path = data_dir().join(format!("truth/{file}.toml"));
        let truth = load_true_model(&path).unwrap();
        check_true_model(&truth, &preset.library(), preset.name(), file).unwrap();
    }
    load_simulation(&data_dir().join("simulate/explicit1d.toml")).unwrap();
    assert_eq!(load_simulation(&data_dir().join("simulate/nonlocal2d_critical.toml")).unwrap().dim(), 2);
}

#[test]
fn missing_corrupt_and_truncated_files() {
    let dir = temp();
    let missing = dir.path().join("none.npz");
    fails(&["identify", "--data", path_str(&missing)], &["cannot read", "none.npz"]);
    let corrupt = write(dir.path(), "corrupt.npz", "this is not a zip archive at all");
    fails(&["identify", "--data", path_str(&corrupt)], &["corrupt.npz", "not a valid .npz"]);
    // a valid archive cut in half
    let whole = npz(dir.path(), "whole.npz", &spreading(100, 20));
    let bytes = std::fs::read(&whole).unwrap();
    let truncated = dir.path().join("truncated.npz");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    fails(&["identify", "--data", path_str(&truncated)], &["truncated.npz", "not a valid .npz"]);
    // a .npy whose data stop early
    let npy = dir.path().join("short.npy");
    wsindy::io::write_npy(&npy, &[1, 20, 100, 1], spreading(100, 20).positions()).unwrap();
    let bytes = std::fs::read(&npy).unwrap();
    std::fs::write(&npy, &bytes[..bytes.len() - 800]).unwrap();
    fails(&["identify", "--data", path_str(&npy), "--dt", "0.1"], &["short.npy", "bytes of data"]);
    // unknown extension; missing times file
    let txt = write(dir.path(), "data.txt", "1 2 3");
    fails(&["identify", "--data", path_str(&txt)], &["unsupported file type", ".npz, .npy or .csv"]);
    let times = dir.path().join("none_t.npy");
    fails(
        &["identify", "--data", path_str(&whole), "--times", path_str(&times)],
        &["cannot read", "none_t.npy"],
    );
}

#[test]
fn wrong_shapes_nan_positions_and_bad_times() {
    let dir = temp();
    let flat = dir.path().join("flat.npy");
    wsindy::io::write_npy(&flat, &[10, 3], &[0.5; 30]).unwrap();
    fails(
        &["identify", "--data", path_str(&flat), "--dt", "0.1"],
        &["flat.npy", "shape [10, 3]", "(M, L, N, d)"],
    );
    // .npy positions hold no times
    let good = dir.path().join("good.npy");
    wsindy::io::write_npy(&good, &[1, 20, 100, 1], spreading(100, 20).positions()).unwrap();
    fails(
        &["identify", "--data", path_str(&good)],
        &["good.npy holds positions but no times", "--times T.npy or --dt DT"],
    );
    // a NaN: experiment 1, time index 2, particle 3
    let mut values = vec![0.25; 2 * 5 * 4];
    values[((5 + 2) * 4) + 3] = f64::NAN;
    let nan = dir.path().join("nan.npy");
    wsindy::io::write_npy(&nan, &[2, 5, 4, 1], &values).unwrap();
    fails(
        &["identify", "--data", path_str(&nan), "--dt", "0.1", "--missing", "error"],
        &["particle 3", "experiment 1", "time index 2", "NaN"],
    );
    // times that are not equally spaced
    let times = dir.path().join("t.npy");
    let mut t: Vec<f64> = (0..20).map(|k| 0.1 * k as f64).collect();
    t[7] = 0.75;
    wsindy::io::write_npy(&times, &[20], &t).unwrap();
    fails(&["identify", "--data", path_str(&good), "--times", path_str(&times)], &["equally spaced"]);
    // times of the wrong length
    wsindy::io::write_npy(&times, &[7], &t[..7]).unwrap();
    fails(
        &["identify", "--data", path_str(&good), "--times", path_str(&times)],
        &["7 times given", "20 time points"],
    );
    fails(&["identify", "--data", path_str(&good), "--dt", "-0.1"], &["--dt -0.1 is invalid"]);
}

#[test]
fn times_on_the_command_line_must_agree_with_the_files() {
    let dir = temp();
    let data = npz(dir.path(), "d.npz", &spreading(100, 20));
    fails(
        &["identify", "--data", path_str(&data), "--dt", "0.2"],
        &["d.npz", "Δt = 0.1", "--dt 0.2", "disagree"],
    );
    let times = dir.path().join("t.npy");
    let t: Vec<f64> = (0..20).map(|k| 1.0 + 0.1 * k as f64).collect();
    wsindy::io::write_npy(&times, &[20], &t).unwrap();
    fails(&["identify", "--data", path_str(&data), "--times", path_str(&times)], &["disagrees at index 0"]);
    fails(
        &["identify", "--data", path_str(&data), "--dt", "0.1", "--times", path_str(&times)],
        &["cannot be used with"],
    );
    // a CSV with a time column, and a conflicting --dt
    let csv = write(
        dir.path(),
        "tracks.csv",
        "particle,frame,t,x\n0,0,0,0.1\n1,0,0,0.5\n0,1,0.5,0.2\n1,1,0.5,0.4\n",
    );
    fails(&["identify", "--data", path_str(&csv), "--dt", "0.1"], &["tracks.csv", "Δt = 0.5", "disagree"]);
}

#[test]
fn data_the_test_functions_do_not_fit() {
    let dir = temp();
    let short = npz(dir.path(), "short.npz", &spreading(400, 3));
    fails(&["identify", "--data", path_str(&short)], &["too few time points", "L = 3"]);
    let data = npz(dir.path(), "d.npz", &spreading(400, 30));
    let cells = write(dir.path(), "cells.toml", "[grid]\ncells = [4]\n");
    fails(
        &["identify", "--data", path_str(&data), "--config", path_str(&cells)],
        &["too few grid cells", "grid.cells"],
    );
    let wide =
        write(dir.path(), "wide.toml", "[test_functions]\ntime_support = { fixed = { half_width = 20 } }\n");
    fails(
        &["identify", "--data", path_str(&data), "--config", path_str(&wide)],
        &["too few time points", "m_t = 20"],
    );
    // all particles at one point
    let l = 10;
    let point =
        Trajectories::new(1, l, 50, 1, vec![1.5; 50 * l], (0..l).map(|k| k as f64).collect()).unwrap();
    let point = npz(dir.path(), "point.npz", &point);
    fails(&["identify", "--data", path_str(&point)], &["all particle positions along axis 0 equal 1.5"]);
}

#[test]
fn presets_configs_and_truths_that_do_not_fit() {
    let dir = temp();
    let data = npz(dir.path(), "d.npz", &spreading(200, 20));
    let d = path_str(&data);
    fails(
        &["identify", "--data", d, "--preset", "nonlocal4d"],
        &["unknown preset 'nonlocal4d'", "nonlocal1d, local2d, nonlocal2d, nonlocal3d"],
    );
    fails(
        &["identify", "--data", d, "--preset", "nonlocal3d"],
        &["dimension mismatch", "preset nonlocal3d is for 3-dimensional data", "use --preset nonlocal1d"],
    );
    fails(
        &["identify", "--data", d, "--preset", "local2d"],
        &["1-dimensional data", "local2d", "2-dimensional", "--preset nonlocal1d"],
    );
    // 2D data: the preset must be chosen, and must be 2D
    let positions: Vec<f64> = (0..20 * 200 * 2).map(|i| ((i * 7919) % 1000) as f64 / 1000.0).collect();
    let planar =
        Trajectories::new(1, 20, 200, 2, positions, (0..20).map(|k| 0.1 * k as f64).collect()).unwrap();
    let planar = npz(dir.path(), "planar.npz", &planar);
    let p = path_str(&planar);
    fails(&["identify", "--data", p], &["2-dimensional data", "--preset (local2d or nonlocal2d)"]);
    fails(
        &["identify", "--data", p, "--preset", "nonlocal1d"],
        &["dimension mismatch", "2-dimensional", "nonlocal1d"],
    );
    let huge = write(dir.path(), "huge.toml", "[grid]\ncells = [60000]\n");
    fails(
        &["identify", "--data", p, "--preset", "local2d", "--config", path_str(&huge)],
        &["huge.toml", "density values"],
    );

    let unknown = write(dir.path(), "unknown.toml", "[grid]\ncells = [256]\nstd_multipel = 3.0\n");
    fails(
        &["identify", "--data", d, "--config", path_str(&unknown)],
        &[
            "unknown.toml",
            "line 3",
            "unknown field `std_multipel`",
            "`cells`, `std_multiple`, `clip_to_data`, `equal_spacing`",
        ],
    );
    let section = write(dir.path(), "section.toml", "[regresion]\nlambda_count = 10\n");
    fails(
        &["identify", "--data", d, "--config", path_str(&section)],
        &[
            "unknown field `regresion`",
            "`grid`, `density_kernel`, `test_functions`, `assembly`, `regression`",
        ],
    );
    let syntax = write(dir.path(), "syntax.toml", "[grid\ncells = [256]\n");
    fails(&["identify", "--data", d, "--config", path_str(&syntax)], &["syntax.toml", "line 1"]);
    for (text, message) in [
        ("[grid]\ncells = [0]\n", "grid.cells[0] = 0 is invalid"),
        ("[grid]\ncells = [-64]\n", "expected usize"),
        ("[grid]\nstd_multiple = -1.0\n", "grid.std_multiple = -1 is invalid"),
        ("[test_functions]\nspace_stride = 0\n", "test_functions.space_stride = 0 is invalid"),
        ("[test_functions]\ntime_degree = 2\n", "test_functions.time_degree = 2 is invalid"),
        ("[test_functions]\nspace_support = { fixed = { half_width = 0 } }\n", "half_width = 0 is invalid"),
        ("[regression]\nlambda_count = 0\n", "regression.lambda_count = 0 is invalid"),
        ("[grid]\ncells = [256, 256]\n", "one per axis of the 1-dimensional data"),
    ] {
        let path = write(dir.path(), "bad.toml", text);
        fails(&["identify", "--data", d, "--config", path_str(&path)], &["bad.toml", message]);
    }

    let truth = write(
        dir.path(),
        "truth.toml",
        "[[terms]]\nkind = \"interaction\"\nname = \"|x|^2.0\"\ncoefficient = 0.5\n",
    );
    fails(
        &["identify", "--data", d, "--truth", path_str(&truth)],
        &["truth.toml", "\"|x|^2.0\" is not in the nonlocal1d library", "nearest interaction terms: |x|^2"],
    );
    let truth =
        write(dir.path(), "truth.toml", "[[terms]]\nkind = \"interaction\"\nname = \"|x|^2\"\nvalue = 0.5\n");
    fails(
        &["identify", "--data", d, "--truth", path_str(&truth)],
        &["unknown field `value`", "`coefficient`"],
    );
}

#[test]
fn bad_simulation_configs() {
    let dir = temp();
    let out = dir.path().join("out.npz");
    let o = path_str(&out);
    for (text, message) in [
        ("preset = \"nonlocal1d\"\nparticles = 0\n", "particles = 0 is invalid: expected an integer ≥ 1"),
        ("preset = \"nonlocal1d\"\nstep = 0.0\n", "step = 0 is invalid: expected a finite number > 0"),
        ("preset = \"nonlocal1d\"\nstep = -1e-3\n", "step = -0.001 is invalid"),
        ("preset = \"nonlocal1d\"\nrecord_every = 0\n", "record_every = 0 is invalid"),
        ("preset = \"nonlocal1d\"\nnoise_ratio = -0.1\n", "noise_ratio = -0.1 is invalid"),
        ("preset = \"nonlocal1d\"\nparticles = -5\n", "expected usize"),
        ("preset = \"nonlocal2d\"\nsigma = \"const\"\n", "\"zero\", \"critical\""),
        ("preset = \"local2d\"\nomega = -1.0\n", "omega = -1 is invalid"),
        ("preset = \"keller\"\n", "preset = \"keller\" is invalid: expected one of \"nonlocal1d\""),
        ("preset = \"nonlocal1d\"\nparticels = 10\n", "unknown field `particels`"),
        (
            "dim = 2\n[[interaction]]\nname = \"log|x|\"\ncoefficient = 0.159\ndelta = -0.01\n",
            "interaction[0].delta = -0.01 is invalid: expected a finite number > 0",
        ),
        (
            "dim = 2\n[[interaction]]\nname = \"log|x|\"\ncoefficient = 0.159\ndelta = 0.0\n",
            "interaction[0].delta = 0 is invalid",
        ),
        ("dim = 1\n[[interaction]]\nname = \"|x|^two\"\ncoefficient = 1.0\n", "nearest interaction terms"),
        ("dim = 1\n[initial]\nkind = \"gaussian\"\nmean = 0.0\nstd = -1.0\n", "std"),
        ("dim = 1\n[initial]\nkind = \"uniform\"\nlower = 1.0\nupper = 0.0\n", "upper corner"),
        ("particles = 100\n", "give either preset"),
    ] {
        let config = write(dir.path(), "sim.toml", text);
        fails(&["simulate", "--config", path_str(&config), "--out", o], &["sim.toml", message]);
        assert!(!out.exists(), "no output after an error");
    }
    let config =
        write(dir.path(), "sim.toml", "preset = \"nonlocal1d\"\nparticles = 10\nrecorded_steps = 2\n");
    fails(
        &["simulate", "--config", path_str(&config), "--out", "x.npy"],
        &["expected a file name ending in .npz"],
    );
    let nowhere = dir.path().join("no/such/dir/out.npz");
    fails(&["simulate", "--config", path_str(&config), "--out", path_str(&nowhere)], &["does not exist"]);
    fails(
        &["simulate", "--config", path_str(&dir.path().join("none.toml")), "--out", o],
        &["cannot read", "none.toml"],
    );
    // a model that blows up is an error naming the step
    let blow = write(
        dir.path(),
        "blow.toml",
        "dim = 1\nparticles = 10\nrecorded_steps = 50\nstep = 0.1\n[[drift]]\nname = \"x^5\"\ncoefficient = -10.0\n",
    );
    fails(&["simulate", "--config", path_str(&blow), "--out", o], &["blow.toml", "failed", "step"]);
}

#[test]
fn simulate_then_identify_an_explicit_model() {
    let dir = temp();
    let out = dir.path().join("sim.npz");
    let config = write(
        dir.path(),
        "sim.toml",
        "dim = 1\nparticles = 3000\nrecorded_steps = 100\nsigma = 0.4472135954999579\nseed = 4\n\
         [initial]\nkind = \"gaussian_mixture\"\nmeans = [0.0, 1.0, 4.0]\nstds = [0.07, 0.07, 0.07]\n\
         [[interaction]]\nname = \"|x|^2\"\ncoefficient = 0.5\n[[interaction]]\nname = \"|x|^1\"\ncoefficient = -1.0\n",
    );
    let run = wsindy(&["simulate", "--config", path_str(&config), "--out", path_str(&out)]);
    assert!(run.status.success());
    // stderr is a pipe here, as in a cluster's log: progress comes as a line per tenth of the run
    let stderr = String::from_utf8_lossy(&run.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("simulated ")).collect();
    assert_eq!(lines.len(), 10, "{stderr}");
    assert!(lines[9].starts_with("simulated 100/100 recorded steps (100%)"), "{stderr}");
    let data = wsindy::io::load_trajectories(&out, wsindy::io::TimeSource::FromFile).unwrap();
    assert_eq!((data.experiments(), data.time_points(), data.particles(), data.dim()), (1, 101, 3000, 1));
    let truth = data_dir().join("truth/nonlocal1d_const.toml");
    let stdout =
        succeeds(&["identify", "--data", path_str(&out), "--dt", "0.01", "--truth", path_str(&truth)]);
    assert!(stdout.contains("TPR = 1.000"), "{stdout}");
    // a CSV with frame numbers only takes its times from --dt
    let csv = write(
        dir.path(),
        "frames.csv",
        &std::iter::once("frame,particle,x".to_string())
            .chain((0..30).flat_map(|f| {
                (0..300).map(move |i| format!("{f},{i},{}", (i as f64 / 300.0) * (1.0 + 0.02 * f as f64)))
            }))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let out = wsindy(&["identify", "--data", path_str(&csv), "--dt", "0.05"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("L = 30 (Δt = 0.05"), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
}

/// The figures `--plot DIR` writes for 1D data, as PNG and SVG.
const PLOTS_1D: [&str; 7] =
    ["loss", "spectrum_x1", "spectrum_t", "interaction", "drift", "diffusion", "snapshots"];

#[track_caller]
fn assert_figures(dir: &Path, stems: &[&str]) {
    for stem in stems {
        for ext in ["png", "svg"] {
            let path = dir.join(format!("{stem}.{ext}"));
            let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            assert!(len > 0, "{} is missing or empty", path.display());
        }
    }
    let png = std::fs::read(dir.join(format!("{}.png", stems[0]))).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "not a PNG file");
}

#[test]
fn identify_writes_the_figures_with_plot() {
    let dir = temp();
    let data = npz(dir.path(), "d.npz", &spreading(400, 30));
    let truth = data_dir().join("truth/nonlocal1d_const.toml");
    let figures = dir.path().join("figures/1d"); // created, parents too
    let out = wsindy(&[
        "identify",
        "--data",
        path_str(&data),
        "--truth",
        path_str(&truth),
        "--plot",
        path_str(&figures),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("wrote 7 figures"), "{stderr}");
    assert_figures(&figures, &PLOTS_1D);
    let svg = std::fs::read_to_string(figures.join("interaction.svg")).unwrap();
    assert!(svg.contains("true ∇K(r)") && svg.contains("learned ∇K(r)"), "the truth is drawn");

    // 2D data: the spectra of both axes, heat-map snapshots
    let side = 20;
    let l = 20;
    let mut positions = Vec::with_capacity(l * side * side * 2);
    for k in 0..l {
        let s = 1.0 + 0.05 * k as f64;
        for i in 0..side * side {
            let (a, b) = ((i / side) as f64, (i % side) as f64);
            positions.push(s * ((a + 0.5) / side as f64 - 0.5) + 0.01 * b);
            positions.push(s * ((b + 0.5) / side as f64 - 0.5));
        }
    }
    let planar =
        Trajectories::new(1, l, side * side, 2, positions, (0..l).map(|k| 0.1 * k as f64).collect()).unwrap();
    let planar = npz(dir.path(), "planar.npz", &planar);
    let figures = dir.path().join("figures/2d");
    let out = wsindy(&[
        "identify",
        "--data",
        path_str(&planar),
        "--preset",
        "local2d",
        "--plot",
        path_str(&figures),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_figures(
        &figures,
        &[
            "loss",
            "spectrum_x1",
            "spectrum_x2",
            "spectrum_t",
            "interaction",
            "drift",
            "diffusion",
            "snapshots",
        ],
    );

    // --plot naming a file is an error before anything is read
    let file = write(dir.path(), "file.txt", "not a directory");
    fails(&["identify", "--data", "missing.npz", "--plot", path_str(&file)], &["--plot", "not a directory"]);
}

#[test]
fn figures_need_the_models_library() {
    let data = spreading(400, 30);
    let library = wsindy::Library::nonlocal1d();
    let model = wsindy::identify(&data, &library, &wsindy::IdentifyConfig::default()).unwrap();
    let dir = temp();
    let mut other = wsindy::Library::nonlocal1d();
    other.push(wsindy::library::Term::drift_monomial(9));
    let err = wsindy_plot::identification::write_all(dir.path(), &data, &model, &other, None).unwrap_err();
    assert!(err.to_string().contains("another library"), "{err}");
    let truth = wsindy::TrueModel::default().with(wsindy::TermKind::Drift, "x^1", 1.0);
    let err = wsindy_plot::identification::write_all(dir.path(), &data, &model, &library, Some(&truth))
        .unwrap_err();
    assert!(err.to_string().contains("drift term 'x^1'"), "{err}");
    let report = wsindy_plot::identification::write_all(dir.path(), &data, &model, &library, None).unwrap();
    assert_eq!(report.files.len(), 7, "{:?}", report.notes);
}

#[test]
fn a_library_table_replaces_the_presets_library() {
    let dir = temp();
    let data = npz(dir.path(), "d.npz", &spreading(400, 30));
    let good = write(
        dir.path(),
        "lib.toml",
        "[library]\ninteraction_powers = [1, 2]\ndrift_powers = [0, 3]\ndiffusion_powers = [0]\n",
    );
    let out = succeeds(&["identify", "--data", path_str(&data), "--config", path_str(&good)]);
    assert!(out.contains("5 terms"), "{out}");
    let typo = write(dir.path(), "typo.toml", "[library]\ninteraction_powerz = [1]\n");
    fails(
        &["identify", "--data", path_str(&data), "--config", path_str(&typo)],
        &["interaction_powerz", "interaction_powers"],
    );
    let wrong_dim = write(dir.path(), "dim.toml", "[library]\ndiffusion_cross_cosines_max = 2\n");
    fails(
        &["identify", "--data", path_str(&data), "--config", path_str(&wrong_dim)],
        &["library.diffusion_cross_cosines_max", "dimension ≥ 2"],
    );
}

#[test]
fn a_formula_term_is_identified_like_the_built_in_one() {
    // the sample's K = ½|x|² − |x| from Table 3, with |x|² given as the formula r^2
    let dir = temp();
    let config = write(
        dir.path(),
        "formula.toml",
        "[library]\ninteraction_powers = [1, 3, 4, 5, 6, 7]\ndrift_powers = [0, 2, 3, 4, 5, 6, 7, 8]\n\
         diffusion_powers = [0, 1, 2, 3, 4, 5, 6, 7, 8]\n[[library.terms]]\nfamily = \"radial_expression\"\npotential = \"r^2\"\n",
    );
    let sample = data_dir().join("sample/nonlocal1d.npz");
    // the preset's Table 3, where |x|^2 is the built-in term
    let builtin = write(dir.path(), "builtin.toml", "");
    let coefficient = |config: &Path, name: &str| {
        let json = dir.path().join("out.json");
        succeeds(&[
            "identify",
            "--data",
            path_str(&sample),
            "--config",
            path_str(config),
            "--out",
            path_str(&json),
        ]);
        let out: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        let term = out["terms"].as_array().unwrap().iter().find(|t| t["name"] == name).cloned();
        term.unwrap_or_else(|| panic!("{name} not selected: {}", out["terms"]))["coefficient"]
            .as_f64()
            .unwrap()
    };
    let from_formula = coefficient(&config, "{r^2}");
    let from_power = coefficient(&builtin, "|x|^2");
    // the same column up to rounding (the formula's derivative 2r against m r^(m-1))
    assert!((from_formula - from_power).abs() < 1e-9 * from_power.abs(), "{from_formula} vs {from_power}");
    assert!((from_formula - 0.5).abs() < 0.05, "{from_formula}");
}

/// Tracker data with missing observations are read and identified, in memory and streamed,
/// with TPR 1 on the 1D samples; `--missing error` refuses them, naming the first missing entry.
#[test]
fn tracker_samples_with_missing_observations() {
    let sample = |name: &str| format!("{}/../../data/sample/{name}", env!("CARGO_MANIFEST_DIR"));
    let truth = sample("../truth/nonlocal1d_const.toml");
    let nan = sample("sample_nan.npy");
    for stream in [&[][..], &["--stream"]] {
        let out = succeeds(
            &[&["identify", "--data", &nan, "--dt", "0.01", "--truth", &truth][..], stream].concat(),
        );
        assert!(out.contains("M = 1, L = 101") && out.contains("TPR = 1.000"), "{out}");
    }
    fails(&["identify", "--data", &nan, "--dt", "0.01", "--missing", "error"], &["NaN"]);
    fails(&["identify", "--data", &nan, "--dt", "0.01", "--missing", "error", "--stream"], &["NaN"]);
    let columns = "experiment=Experiment,frame=Frame_no,id=Track,x=X_um";
    let csv = sample("sample_tracks.csv.gz");
    let mut printed = Vec::new();
    for stream in [&[][..], &["--stream"]] {
        let args = [
            &["identify", "--data", &csv, "--columns", columns, "--dt", "0.01", "--truth", &truth][..],
            stream,
        ];
        let out = succeeds(&args.concat());
        assert!(out.contains("M = 2, L = 101") && out.contains("normalised per frame"), "{out}");
        assert!(out.contains("TPR = 1.000") && out.contains("1 frames absent"), "{out}");
        printed.push(
            out.lines().filter(|l| l.contains("K(x)") || l.contains("½σ²(x)")).collect::<Vec<_>>().join("\n"),
        );
    }
    assert_eq!(printed[0], printed[1], "streamed and in memory: the same model");
    fails(&["identify", "--data", &csv, "--columns", "t=Time,x=Xpos"], &["Xpos"]);
    fails(&["identify", "--data", &csv, "--columns", "t=Time,x=Xpos", "--stream"], &["Xpos"]);
    let xml = sample("sample_trackmate.xml");
    let config = sample("../configs/sample_trackmate.toml");
    let out = succeeds(&["identify", "--data", &xml, "--preset", "local2d", "--config", &config]);
    assert!(out.contains("L = 101") && out.contains("1 frames absent"), "{out}");
    fails(&["identify", "--data", &xml, "--stream"], &["--stream reads CSV"]);
}
