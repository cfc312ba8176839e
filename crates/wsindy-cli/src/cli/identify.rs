//! `wsindy identify`: learn the mean-field equation of particle data read from a file.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::json;
use wsindy::io::{
    ColumnMap, IoError, MissingPolicy, ObservedOptions, StreamProgress, StreamScan, TimeSource, can_stream,
    load_observations, load_trajectories, read_npy_vector, read_npz, scan_file,
};
use wsindy::testfn::TestFnError;
use wsindy::{
    IdentifiedModel, IdentifyConfig, Normalisation, Observations, Preset, Trajectories, WsindyError,
    identify, identify_observed, identify_streamed, score,
};
use wsindy_config::{
    check_against_data, check_true_model, load_true_model, parse_identify_config, read_text,
};

use super::seconds;

/// `println!` that returns an error instead of panicking when standard output is closed (e.g.
/// piped into `head`).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*).context("cannot write to standard output")?;
    }};
}

#[derive(clap::Args)]
pub struct IdentifyArgs {
    /// Particle data: .npz (`positions` M × L × N × d or L × N × d, times `t`), .npy (positions
    /// only: give --times or --dt) or .csv (one row per particle and time; trackpy or TrackMate
    /// column names).
    #[arg(long, value_name = "FILE")]
    data: PathBuf,
    /// Observation times: a .npy vector of length L. Required for .npy data; for .npz or CSV
    /// files with their own times it must agree with them.
    #[arg(long, value_name = "T.npy", conflicts_with = "dt")]
    times: Option<PathBuf>,
    /// Time step Δt (times 0, Δt, 2Δt, …; for a CSV with frame numbers, t = frame · Δt). For
    /// files with their own times it must agree with their spacing.
    #[arg(long, value_name = "DT", allow_negative_numbers = true)]
    dt: Option<f64>,
    /// Library and discretisation: nonlocal1d (default for 1D data), local2d or nonlocal2d (one
    /// of which 2D data require), nonlocal3d (default for 3D data).
    #[arg(long, value_name = "NAME", value_parser = parse_preset)]
    preset: Option<Preset>,
    /// Discretisation overrides (TOML, the keys of data/configs/*.toml); keys not given keep the
    /// preset's values.
    #[arg(long, value_name = "C.toml")]
    config: Option<PathBuf>,
    /// The true model (TOML `[[terms]]` with kind, name, coefficient), to report the TPR and the
    /// relative errors.
    #[arg(long, value_name = "TRUTH.toml")]
    truth: Option<PathBuf>,
    /// Write the result as JSON to this file.
    #[arg(long, value_name = "MODEL.json")]
    out: Option<PathBuf>,
    /// Missing observations: `skip` (default) reads NaN positions in arrays, lost detections,
    /// tracks that start and end, experiments of different lengths and absent frames as tracker
    /// data; `error` refuses anything but complete data (every particle at every time).
    #[arg(long, value_enum, default_value = "skip")]
    missing: MissingArg,
    /// CSV columns by role, for any header names: `t=Time,x=X_um,y=Y_um,id=Track` (roles x, y,
    /// z, t, frame, id, experiment).
    #[arg(long, value_name = "MAP")]
    columns: Option<String>,
    /// With missing observations, what a count is divided by: `frame` (default: each frame's own
    /// count, right for detections missed at random) or `experiment` (each experiment's number
    /// of particles, the distinct track ids or else its largest frame, so a lost detection
    /// lowers the mass where it happened: right for particles that left the field of view).
    #[arg(long, value_enum, default_value = "frame")]
    normalise: NormaliseArg,
    /// The number of particles N of every experiment, with `--normalise experiment` (instead of
    /// counting them).
    #[arg(long, value_name = "N")]
    particles: Option<usize>,
    /// Write figures (PNG and SVG) into this directory, created if needed: the loss curve, the
    /// spectra with the test functions, the learned ∇K, ∇V and ½σσᵀ (against the truth if
    /// given) and density snapshots.
    #[arg(long, value_name = "DIR")]
    plot: Option<PathBuf>,
    /// Stream the file instead of reading it into memory: two passes (counts and extent, then
    /// the histogram), memory independent of the file's size. Automatic for CSV and .npy files
    /// larger than 512 MiB.
    #[arg(long)]
    stream: bool,
}

/// File size from which CSV and .npy files are streamed without `--stream`.
const STREAM_AUTOMATIC_BYTES: u64 = 512 << 20;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MissingArg {
    Skip,
    Error,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NormaliseArg {
    Experiment,
    Frame,
}

/// The data as read: complete (the paper's M × L × N × d) or ragged tracker data.
enum Input {
    Dense(Trajectories),
    Ragged(Observations),
    Streamed(StreamScan),
}

/// Sizes of the data for messages and the JSON settings.
struct DataSummary {
    experiments: usize,
    time_points: usize,
    particles: usize,
    dim: usize,
    dt: f64,
    t0: f64,
    t_end: f64,
}

impl Input {
    fn summary(&self) -> DataSummary {
        match self {
            Input::Dense(data) => DataSummary {
                experiments: data.experiments(),
                time_points: data.time_points(),
                particles: data.particles(),
                dim: data.dim(),
                dt: data.dt(),
                t0: data.times()[0],
                t_end: data.times()[data.time_points() - 1],
            },
            Input::Ragged(obs) => {
                let (first, end) = obs.frame_range();
                let grid = obs.time_grid();
                DataSummary {
                    experiments: obs.experiments(),
                    time_points: end - first,
                    particles: obs
                        .particle_counts(Normalisation::PerExperiment)
                        .into_iter()
                        .max()
                        .unwrap_or(0),
                    dim: obs.dim(),
                    dt: grid.dt(),
                    t0: grid.time(first),
                    t_end: grid.time(end.saturating_sub(1)),
                }
            }
            Input::Streamed(scan) => {
                let (first, end) = scan.layout.frame_range();
                DataSummary {
                    experiments: scan.layout.experiments.len(),
                    time_points: end - first,
                    particles: scan.layout.experiments.iter().map(|e| e.particles).max().unwrap_or(0),
                    dim: scan.dim,
                    dt: scan.time_grid.dt(),
                    t0: scan.time_grid.time(first),
                    t_end: scan.time_grid.time(end.saturating_sub(1)),
                }
            }
        }
    }
}

/// Reads the data: complete data as before; with `--missing skip`, files the complete-data
/// reader refuses for missing observations (and TrackMate XML, gzip CSV, `--columns`) through
/// the tracker-data readers. Complete data read that way are complete data again.
fn load_input(args: &IdentifyArgs, time_arg: Option<&TimeArg>) -> Result<(Input, String)> {
    let from = match time_arg {
        Some(arg) => format!("from {}", arg.describe()),
        None => "from the file".to_string(),
    };
    let large = std::fs::metadata(&args.data).is_ok_and(|m| m.len() >= STREAM_AUTOMATIC_BYTES);
    if (args.stream || large) && can_stream(&args.data) {
        let options = observed_options(args, time_arg)?;
        if !args.stream {
            eprintln!(
                "note: {} is larger than {} MiB: streaming it (two passes, memory independent of its size)",
                args.data.display(),
                STREAM_AUTOMATIC_BYTES >> 20
            );
        }
        let mut progress = StreamReport::new(&args.data);
        let scan = scan_file(&args.data, &options, &mut |p| progress.report(p))?;
        if args.missing == MissingArg::Error && !is_complete(&scan) {
            bail!(
                "{}: observations are missing (--missing error asks for complete data)",
                args.data.display()
            );
        }
        return Ok((Input::Streamed(scan), from));
    }
    if args.stream {
        bail!(
            "{}: --stream reads CSV (plain or gzip) and .npy files; read other formats without it",
            args.data.display()
        );
    }
    let name = args.data.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let tracker_only = args.columns.is_some() || name.ends_with(".xml") || name.ends_with(".gz");
    if !tracker_only {
        match load(&args.data, time_arg) {
            Ok((data, from)) => return Ok((Input::Dense(data), from)),
            Err(e) if args.missing == MissingArg::Error => return Err(e),
            Err(e) => {
                let missing = matches!(
                    e.downcast_ref::<IoError>(),
                    Some(
                        IoError::UnequalCounts { .. }
                            | IoError::MissingSnapshot { .. }
                            | IoError::Trajectories { .. }
                    )
                );
                if !missing {
                    return Err(e);
                }
                eprintln!(
                    "note: {e:#}: reading the file as tracker data with missing observations (--missing error refuses it)"
                );
            }
        }
    }
    let observations = load_observations(&args.data, &observed_options(args, time_arg)?)?;
    match observations.to_trajectories() {
        Ok(data) => Ok((Input::Dense(data), from)),
        Err(_) if args.missing == MissingArg::Error => {
            bail!(
                "{}: observations are missing (--missing error asks for complete data)",
                args.data.display()
            )
        }
        Err(_) => Ok((Input::Ragged(observations), from)),
    }
}

/// The reading options of the tracker-data and streaming readers.
fn observed_options(args: &IdentifyArgs, time_arg: Option<&TimeArg>) -> Result<ObservedOptions> {
    Ok(ObservedOptions {
        times: time_arg.map_or(TimeSource::FromFile, TimeArg::source),
        missing: match args.missing {
            MissingArg::Skip => MissingPolicy::Skip,
            MissingArg::Error => MissingPolicy::Error,
        },
        columns: args.columns.as_deref().map(str::parse::<ColumnMap>).transpose()?,
    })
}

/// Whether a scanned file holds complete data: every experiment covers the same frames, all
/// present with the same count.
fn is_complete(scan: &StreamScan) -> bool {
    let experiments = &scan.layout.experiments;
    let Some(first) = experiments.first() else { return false };
    let n = first.counts.first().copied().flatten();
    experiments.iter().all(|e| {
        e.first_frame == first.first_frame
            && e.counts.len() == first.counts.len()
            && e.counts.iter().all(|&c| c.is_some() && c == n)
    })
}

/// Progress of a streamed read on standard error, every tenth of each pass.
struct StreamReport {
    name: String,
    start: Instant,
    next: [u64; 3],
}

impl StreamReport {
    fn new(path: &Path) -> Self {
        Self { name: path.display().to_string(), start: Instant::now(), next: [0; 3] }
    }
    fn report(&mut self, p: StreamProgress) {
        if p.total < 64 << 20 {
            return;
        }
        let tenth = (10 * p.done).checked_div(p.total).unwrap_or(10).min(10);
        let pass = usize::from(p.pass.min(2));
        if tenth < self.next[pass] {
            return;
        }
        self.next[pass] = tenth + 1;
        eprintln!(
            "{}: pass {}/2 ({}), {}% of {:.2} GB read, {:.1} s elapsed",
            self.name,
            p.pass,
            if p.pass == 1 { "counts and extent" } else { "histogram" },
            10 * tenth,
            p.total as f64 / 1e9,
            self.start.elapsed().as_secs_f64()
        );
    }
}

fn parse_preset(s: &str) -> Result<Preset, String> {
    s.parse::<Preset>().map_err(|e| e.to_string())
}

/// Times given on the command line.
enum TimeArg {
    /// `--times FILE`.
    Array(Vec<f64>, PathBuf),
    /// `--dt DT`.
    Spacing(f64),
}

impl TimeArg {
    fn source(&self) -> TimeSource {
        match self {
            TimeArg::Array(t, _) => TimeSource::Array(t.clone()),
            &TimeArg::Spacing(dt) => TimeSource::Spacing(dt),
        }
    }
    fn describe(&self) -> String {
        match self {
            TimeArg::Array(_, path) => format!("--times {}", path.display()),
            TimeArg::Spacing(dt) => format!("--dt {dt}"),
        }
    }
}

pub fn run(args: &IdentifyArgs) -> Result<()> {
    if let Some(dt) = args.dt
        && !(dt.is_finite() && dt > 0.0)
    {
        bail!("--dt {dt} is invalid: expected a finite number > 0");
    }
    // the small files first, so that their mistakes show before a long load
    let config_text = args.config.as_deref().map(read_text).transpose()?;
    let truth = args.truth.as_deref().map(load_true_model).transpose()?;
    if let Some(dir) = &args.plot {
        check_plot_dir(dir)?;
    }
    let time_arg = match (&args.times, args.dt) {
        (Some(path), _) => Some(TimeArg::Array(read_npy_vector(path)?, path.clone())),
        (None, Some(dt)) => Some(TimeArg::Spacing(dt)),
        (None, None) => None,
    };

    let start = Instant::now();
    let (input, times_from) = load_input(args, time_arg.as_ref())?;
    let t_load = start.elapsed().as_secs_f64();
    let data = input.summary();
    let d = data.dim;
    let preset = match args.preset {
        Some(p) => p,
        // the one preset for this dimension, where there is only one
        None if Preset::ALL.iter().filter(|p| p.dim() == d).count() == 1 => {
            Preset::ALL.into_iter().find(|p| p.dim() == d).expect("counted one")
        }
        None => match presets_for(d).as_str() {
            "none" => bail!(
                "{} holds {d}-dimensional data, but no preset handles {d}-dimensional data (nonlocal1d is 1D, local2d and nonlocal2d are 2D, nonlocal3d is 3D)",
                args.data.display()
            ),
            list => bail!(
                "{} holds {d}-dimensional data: choose the library with --preset ({list})",
                args.data.display()
            ),
        },
    };
    if preset.dim() != d {
        bail!(
            "dimension mismatch: {} holds {d}-dimensional data (M = {}, L = {}, N = {}), but preset {preset} is for {}-dimensional data; {}",
            args.data.display(),
            data.experiments,
            data.time_points,
            data.particles,
            preset.dim(),
            match presets_for(d).as_str() {
                "none" => format!("no preset handles {d}-dimensional data"),
                list => format!("use --preset {list}"),
            }
        );
    }
    let base = preset.config();
    let (config, config_name) = match (&config_text, &args.config) {
        (Some(text), Some(path)) => {
            let origin = path.display().to_string();
            (parse_identify_config(text, &base, &origin)?, origin)
        }
        _ => (base, format!("the {preset} preset's defaults")),
    };
    check_against_data(&config, d, data.time_points, &config_name)?;
    let library = match &config.library {
        Some(spec) => spec.build(d)?,
        None => preset.library(),
    };
    if let (Some(truth), Some(path)) = (&truth, &args.truth) {
        check_true_model(truth, &library, preset.name(), &path.display().to_string())?;
    }

    say!(
        "data: {}: M = {}, L = {} (Δt = {}, t = {} … {}; times {times_from}), N = {}, d = {d}",
        args.data.display(),
        data.experiments,
        data.time_points,
        data.dt,
        data.t0,
        data.t_end,
        data.particles,
    );
    if let Input::Ragged(obs) = &input {
        let (observed, possible): (usize, usize) = (0..obs.experiments())
            .map(|m| {
                let e = obs.experiment(m);
                (e.observations(), e.particle_count() * e.frames())
            })
            .fold((0, 0), |(a, b), (x, y)| (a + x, b + y));
        let worst = obs.worst_frame();
        say!(
            "missing observations: {:.2}% of the {} possible observed, {} frames absent{}; normalised per {}",
            100.0 * observed as f64 / possible.max(1) as f64,
            possible,
            obs.absent_frames().len(),
            worst.map_or(String::new(), |w| format!(
                ", worst frame {} of experiment {} ({:.1}% observed)",
                w.frame,
                w.experiment,
                100.0 * w.share
            )),
            if args.normalise == NormaliseArg::Frame { "frame" } else { "experiment" }
        );
    }
    if let Input::Streamed(scan) = &input {
        let (observed, possible): (usize, usize) = scan
            .layout
            .experiments
            .iter()
            .map(|e| (e.observations(), e.particles * e.counts.len()))
            .fold((0, 0), |(a, b), (x, y)| (a + x, b + y));
        let absent: usize =
            scan.layout.experiments.iter().map(|e| e.counts.iter().filter(|c| c.is_none()).count()).sum();
        say!(
            "streamed: {} observations; {:.2}% of the {} possible observed, {} frames absent; normalised per {}",
            scan.observations,
            100.0 * observed as f64 / possible.max(1) as f64,
            possible,
            absent,
            if args.normalise == NormaliseArg::Frame { "frame" } else { "experiment" }
        );
    }
    let library_name = if config.library.is_some() {
        format!("[library] of {config_name}")
    } else {
        format!("preset {preset}")
    };
    say!("library: {library_name}, {} terms; discretisation: {config_name}", library.len());
    say!();

    let normalisation = match (args.normalise, args.particles) {
        (NormaliseArg::Frame, Some(_)) => bail!("--particles applies with --normalise experiment"),
        (NormaliseArg::Frame, None) => Normalisation::PerFrame,
        (NormaliseArg::Experiment, Some(n)) => Normalisation::Particles(n),
        (NormaliseArg::Experiment, None) => Normalisation::PerExperiment,
    };
    let model = match &input {
        Input::Dense(trajectories) => identify(trajectories, &library, &config),
        Input::Ragged(obs) => identify_observed(obs, &library, &config, normalisation),
        Input::Streamed(scan) => {
            let mut progress = StreamReport::new(&args.data);
            identify_streamed(&args.data, scan, &library, &config, normalisation, &mut |p| progress.report(p))
        }
    }
    .map_err(|e| explain(e, d, &config))?;
    if model.test_functions.dropped_for_gaps > 0 {
        eprintln!(
            "note: {} test functions left out because their time support crosses a missing frame or the start or end of an experiment",
            model.test_functions.dropped_for_gaps
        );
    }
    say!("{model}");
    say!();
    print_diagnostics(&model)?;

    let scores = match &truth {
        Some(truth) => Some(score(&model, truth, &library)?),
        None => None,
    };
    let fmt_err = |e: Option<f64>| e.map_or("—".to_string(), |v| format!("{:.3}%", 100.0 * v));
    if let (Some(s), Some(path)) = (&scores, &args.truth) {
        say!(
            "scores against {}: TPR = {:.3}, rel. error ∇K = {}, ∇V = {}, σ = {}",
            path.display(),
            s.tpr,
            fmt_err(s.rel_err_k),
            fmt_err(s.rel_err_v),
            fmt_err(s.rel_err_sigma)
        );
    }
    let t = &model.timings;
    say!(
        "time: load {}, density {}, assemble {}, regress {} (identification {})",
        seconds(t_load),
        seconds(t.density),
        seconds(t.assemble),
        seconds(t.regress),
        seconds(t.density + t.assemble + t.regress)
    );

    if let Some(path) = &args.out {
        let terms: Vec<_> = model
            .selected()
            .map(|t| {
                json!({"kind": t.kind, "name": t.name, "coefficient": crate::cli::json_number(t.coefficient), "term": t.description})
            })
            .collect();
        let out = json!({
            "schema_version": wsindy::JSON_SCHEMA_VERSION,
            "terms": terms,
            "equation": model.to_string(),
            "preset": preset.name(),
            "tpr": scores.map(|s| crate::cli::json_number(s.tpr)),
            "rel_err": {
                "K": scores.and_then(|s| s.rel_err_k).map(crate::cli::json_number),
                "V": scores.and_then(|s| s.rel_err_v).map(crate::cli::json_number),
                "sigma": scores.and_then(|s| s.rel_err_sigma).map(crate::cli::json_number),
            },
            "lambda": crate::cli::json_number(model.lambda),
            "timings_s": {"load": t_load, "density": t.density, "assemble": t.assemble, "regress": t.regress},
            "truth": truth,
            "settings": {
                "data": args.data,
                "experiments": data.experiments,
                "time_points": data.time_points,
                "particles": data.particles,
                "dim": d,
                "dt": data.dt,
                "t0": data.t0,
                "complete": matches!(input, Input::Dense(_)),
                "times": times_from,
                "config": args.config,
                "truth": args.truth,
                "identify_config": config,
            },
            "model": model,
        });
        let text = serde_json::to_string_pretty(&out)?;
        wsindy::core::atomic::write_atomic(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(dir) = &args.plot {
        match &input {
            Input::Dense(trajectories) => write_plots(dir, trajectories, &model, &library, truth.as_ref())?,
            Input::Ragged(_) | Input::Streamed(_) => {
                eprintln!("note: --plot draws complete data only for now; no figures written")
            }
        }
    }
    Ok(())
}

/// Errors if `--plot DIR` names something that is not a directory (before the data are read).
pub(crate) fn check_plot_dir(dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        bail!("--plot {}: exists and is not a directory", dir.display());
    }
    Ok(())
}

/// Writes the figures of `--plot DIR` and says where they went.
pub(crate) fn write_plots(
    dir: &Path,
    data: &Trajectories,
    model: &IdentifiedModel,
    library: &wsindy::Library,
    truth: Option<&wsindy::TrueModel>,
) -> Result<()> {
    let report = wsindy_plot::identification::write_all(dir, data, model, library, truth)
        .with_context(|| format!("cannot draw the figures for --plot {}", dir.display()))?;
    for note in &report.notes {
        eprintln!("note: {note}");
    }
    eprintln!("wrote {} figures (PNG and SVG) to {}", report.files.len(), dir.display());
    Ok(())
}

/// The presets for `d`-dimensional data, as "a or b", or "none".
fn presets_for(d: usize) -> String {
    let names: Vec<&str> = Preset::ALL.iter().filter(|p| p.dim() == d).map(|p| p.name()).collect();
    if names.is_empty() { "none".into() } else { names.join(" or ") }
}

/// Reads the data, reconciling the file's own times with `--times`/`--dt`; returns the data and
/// where their times came from.
fn load(path: &Path, time_arg: Option<&TimeArg>) -> Result<(Trajectories, String)> {
    let extension = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let Some(arg) = time_arg else {
        let data = load_trajectories(path, TimeSource::FromFile).map_err(|e| match e {
            IoError::TimesRequired { .. } => {
                anyhow!("{} holds positions but no times: give --times T.npy or --dt DT", path.display())
            }
            e => e.into(),
        })?;
        if matches!(extension.as_str(), "csv" | "tsv") && !csv_has_time_column(path) {
            eprintln!(
                "note: {} has no time column: the times are its frame numbers (Δt = 1); give --dt to set the time step",
                path.display()
            );
            return Ok((data, "from the frame numbers".into()));
        }
        return Ok((data, "from the file".into()));
    };
    let own_times = match extension.as_str() {
        "npz" => match read_npz(path, TimeSource::FromFile) {
            Ok(data) => Some(data),
            Err(IoError::MissingArray { ref wanted, .. }) if wanted != "positions" => None,
            Err(e) => return Err(e.into()),
        },
        "csv" | "tsv" if csv_has_time_column(path) => Some(load_trajectories(path, TimeSource::FromFile)?),
        _ => None,
    };
    match own_times {
        Some(data) => {
            check_times_agree(path, &data, arg)?;
            Ok((data, format!("from the file, agreeing with {}", arg.describe())))
        }
        None => Ok((load_trajectories(path, arg.source())?, format!("from {}", arg.describe()))),
    }
}

/// Whether the header of a CSV file names a time column (`t`, `time`, `POSITION_T`); false if
/// the file cannot be read (the reader then reports why).
fn csv_has_time_column(path: &Path) -> bool {
    use std::io::BufRead;
    let Ok(file) = std::fs::File::open(path) else { return false };
    let mut line = String::new();
    if std::io::BufReader::new(file).read_line(&mut line).is_err() {
        return false;
    }
    let delimiter = [',', '\t', ';'].into_iter().find(|&c| line.contains(c)).unwrap_or(',');
    line.trim_start_matches('\u{feff}').split(delimiter).any(|h| {
        let h = h.trim().trim_matches('"');
        ["t", "time", "POSITION_T"].iter().any(|name| h.eq_ignore_ascii_case(name))
    })
}

/// Errors unless the times of `data` (from its file) agree with `--times`/`--dt`.
fn check_times_agree(path: &Path, data: &Trajectories, arg: &TimeArg) -> Result<()> {
    let times = data.times();
    let (first, last, dt) = (times[0], times[times.len() - 1], data.dt());
    let own = format!("t = {first} … {last}, Δt = {dt}");
    match arg {
        &TimeArg::Spacing(given) => {
            if (given - dt).abs() > 1e-6 * dt {
                bail!(
                    "{} holds its own times ({own}), but --dt {given} was given: they disagree; drop --dt to use the file's times",
                    path.display()
                );
            }
        }
        TimeArg::Array(given, given_path) => {
            if given.len() != times.len() {
                bail!(
                    "{} holds {} times ({own}), but --times {} holds {}",
                    path.display(),
                    times.len(),
                    given_path.display(),
                    given.len()
                );
            }
            if let Some(k) = times
                .iter()
                .zip(given)
                .position(|(a, b)| !b.is_finite() || (a - b).abs() > 1e-6 * (dt + a.abs().max(b.abs())))
            {
                bail!(
                    "{} holds its own times ({own}), but --times {} disagrees at index {k} ({} in the file, {} given); drop --times to use the file's times",
                    path.display(),
                    given_path.display(),
                    times[k],
                    given[k]
                );
            }
        }
    }
    Ok(())
}

/// An identification error, with advice for the test functions not fitting the data.
fn explain(e: WsindyError, dim: usize, config: &IdentifyConfig) -> anyhow::Error {
    if let WsindyError::TestFunctions(TestFnError::TooFewPoints { axis, points, half_width, needed }) = &e {
        return if *axis == dim {
            anyhow!(
                "too few time points for the test functions: the data have L = {points} times, but a time test function of half-width m_t = {half_width} needs at least {needed}; record more times, or set a smaller test_functions.time_support = {{ fixed = {{ half_width = … }} }} in --config"
            )
        } else {
            anyhow!(
                "too few grid cells for the test functions: axis {axis} of the grid has {points} cells (grid.cells = {:?}), but a space test function of half-width m_x = {half_width} needs at least {needed}; raise grid.cells or set a smaller test_functions.space_support = {{ fixed = {{ half_width = … }} }} in --config",
                config.grid.cells
            )
        };
    }
    // the message already holds its causes: no chain, so nothing is printed twice
    anyhow!("identification failed: {e}")
}

/// The test functions, G, λ̂, the grid and the particles outside it.
fn print_diagnostics(model: &IdentifiedModel) -> Result<()> {
    let tf = &model.test_functions;
    say!(
        "test functions: m_x = {:?}, m_t = {}, p = ({}, {}), strides ({}, {}), corner wavenumbers k_x = [{}], k_t = {}",
        tf.space_half_width,
        tf.time_half_width,
        tf.space_degree,
        tf.time_degree,
        tf.space_stride,
        tf.time_stride,
        tf.space_corner
            .iter()
            .map(|c| c.map_or("fixed".to_string(), |k| k.to_string()))
            .collect::<Vec<_>>()
            .join(", "),
        tf.time_corner.map_or("fixed".to_string(), |k| k.to_string()),
    );
    say!(
        "weak system: G is {} × {} ({} of {} test functions kept), cond(G) = {:.2e}; λ̂ = {:.3e}; ‖Gŵ − b‖/‖b‖ = {:.3e}",
        model.rows,
        model.cols,
        model.rows,
        tf.count,
        model.condition_number,
        model.lambda,
        model.relative_residual
    );
    let axes: Vec<String> = model
        .grid
        .axes()
        .iter()
        .map(|a| format!("{} cells on [{:.4}, {:.4}]", a.cells(), a.lower(), a.upper()))
        .collect();
    say!(
        "grid: {} (h = {:.4}); particles outside the grid: {:.3}% of observations",
        axes.join(" × "),
        model.grid.axes()[0].spacing(),
        100.0 * model.outside_fraction
    );
    for warning in model.warnings() {
        eprintln!("warning: {warning}");
    }
    Ok(())
}
