//! `wsindy-experiments`: runs the paper's experiments from `data/experiments/*.toml`, appends
//! every finished trial to `<out>/results.csv` and draws the figures and `<out>/summary.md`.
//! Usually started as `cargo xtask reproduce-figures [options]`; `--help` lists the options.

use std::collections::VecDeque;
use std::io::IsTerminal;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Parser;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use wsindy::core::atomic::write_atomic;
use wsindy_experiments::cost::{format_seconds, identification_seconds, simulation_seconds};
use wsindy_experiments::plan::FigurePlan;
use wsindy_experiments::report::{convergence_summary, point_stats, render_analytic, render_convergence};
use wsindy_experiments::results::{ResultsFile, Row, header};
use wsindy_experiments::run::{run_point, simulate_group};
use wsindy_experiments::snapshots::{render_snapshot, snapshot_key};
use wsindy_experiments::spec::{FigureDef, Scale, SnapshotDef, load_dir};

/// Reproduces the figures of Messenger & Bortz (2022) with wsindy: convergence experiments,
/// histogram snapshots and the analytic cost figure, resumable after a kill.
#[derive(Debug, Parser)]
#[command(name = "wsindy-experiments", version)]
struct Cli {
    /// Figures to run (default: all); repeat the flag or separate numbers by commas.
    #[arg(long = "figure", value_delimiter = ',')]
    figures: Vec<u32>,
    /// quick (coarse check, minutes), default (trends, under an hour on 2 cores) or paper
    /// (the paper's ranges and 100 trials; asks for --yes).
    #[arg(long, default_value = "default")]
    scale: Scale,
    /// Trials per point, overriding the definitions.
    #[arg(long)]
    trials: Option<usize>,
    /// Output directory: results.csv, summary.md and the images.
    #[arg(long, default_value = "target/figures")]
    out: PathBuf,
    /// Directory of the experiment definitions (default: the workspace's data/experiments).
    #[arg(long)]
    experiments: Option<PathBuf>,
    /// Recompute only this point (one figure): prints the rows, compares them with the stored
    /// ones and appends those that are missing.
    #[arg(long)]
    point: Option<usize>,
    /// Recompute only this trial (one figure), with or without --point.
    #[arg(long)]
    trial: Option<usize>,
    /// Trials run at once (default: one per core), each on its own rayon pool with a thread
    /// per core; memory grows with the number of trials in flight.
    #[arg(long)]
    jobs: Option<usize>,
    /// Proceed with the paper scale.
    #[arg(long)]
    yes: bool,
    /// Print the plan and the estimated time, run nothing.
    #[arg(long)]
    dry_run: bool,
    /// Redraw the figures and summary.md from results.csv, run nothing.
    #[arg(long)]
    render_only: bool,
    /// No progress bars or progress lines.
    #[arg(long)]
    quiet: bool,
}

/// One unit of work for a worker.
enum Job {
    /// The pending points of one group in one trial of a convergence figure.
    Group { figure: usize, group: usize, trial: usize, points: Vec<usize> },
    /// One snapshot image.
    Snapshot { figure: usize, variant: usize },
}

/// A selected figure and what it needs.
enum Work {
    Analytic,
    Snapshots(SnapshotDef),
    Convergence(FigurePlan),
}

struct Figure {
    def: FigureDef,
    work: Work,
    /// Estimated seconds of the pending work.
    estimate: f64,
    /// Jobs not finished.
    remaining: AtomicUsize,
    /// Rows (or images) pending.
    pending: usize,
    done: AtomicUsize,
    bar: ProgressBar,
    started: AtomicBool,
}

fn default_experiments() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/experiments")
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

fn millis(seconds: f64) -> u64 {
    (seconds * 1000.0).round().max(1.0) as u64
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let start = Instant::now();
    let dir = cli.experiments.clone().unwrap_or_else(default_experiments);
    let defs =
        load_dir(&dir).with_context(|| format!("reading the experiment definitions in {}", dir.display()))?;
    for f in &cli.figures {
        if !defs.iter().any(|d| d.figure() == *f) {
            bail!("no experiment definition for figure {f} in {}", dir.display());
        }
    }
    let selected: Vec<FigureDef> = defs
        .iter()
        .filter(|d| cli.figures.is_empty() || cli.figures.contains(&d.figure()))
        .cloned()
        .collect();
    let results_path = cli.out.join("results.csv");

    if cli.point.is_some() || cli.trial.is_some() {
        return rerun(&cli, &selected, &results_path);
    }
    if cli.render_only {
        let results = ResultsFile::open(&results_path)?.0;
        finish(&cli, &defs, results.rows(), start)?;
        return Ok(());
    }

    let (results, recovery) = ResultsFile::open(&results_path)?;
    if recovery.truncated_bytes > 0 {
        eprintln!(
            "{}: cut an incomplete last line ({} bytes) left by an interrupted run",
            results_path.display(),
            recovery.truncated_bytes
        );
    }
    if recovery.duplicates > 0 {
        eprintln!(
            "{}: {} duplicate rows ignored (the first of each is kept)",
            results_path.display(),
            recovery.duplicates
        );
    }

    // the work of each selected figure
    let mut figures: Vec<Figure> = Vec::new();
    let mut jobs: Vec<Job> = Vec::new();
    for def in &selected {
        let fi = figures.len();
        let (work, estimate, count, pending) = match def {
            FigureDef::Analytic(_) => (Work::Analytic, 0.0, 0, 0),
            FigureDef::Snapshots(d) => {
                let n = d.scales.get(&cli.scale).map_or(0, |s| s.n);
                let (mut est, mut count) = (0.0, 0);
                for v in 0..d.variants.len() {
                    if snapshot_is_current(d, v, cli.scale, &cli.out) {
                        continue;
                    }
                    est += simulation_seconds(d.example, n, 1) + 0.5;
                    count += 1;
                    jobs.push(Job::Snapshot { figure: fi, variant: v });
                }
                (Work::Snapshots(d.clone()), est, count, count)
            }
            FigureDef::Convergence(d) => {
                let plan = FigurePlan::new(d, cli.scale, cli.trials).map_err(anyhow::Error::msg)?;
                let mismatched = point_stats(&plan, results.rows()).1;
                if mismatched > 0 {
                    bail!(
                        "{} holds {mismatched} rows of figure {} at scale {} made with other settings: its definition changed since; use another --out or move the file away",
                        results_path.display(),
                        d.figure,
                        cli.scale
                    );
                }
                let (mut est, mut count, mut pending) = (0.0, 0, 0);
                for trial in 0..plan.trials {
                    for g in &plan.groups {
                        let points: Vec<usize> = g
                            .points
                            .iter()
                            .copied()
                            .filter(|&p| !results.contains(&(cli.scale, d.figure, p, trial)))
                            .collect();
                        if points.is_empty() {
                            continue;
                        }
                        est += simulation_seconds(g.example, g.n, g.m)
                            + points.len() as f64 * identification_seconds(g.example);
                        count += 1;
                        pending += points.len();
                        jobs.push(Job::Group { figure: fi, group: g.index, trial, points });
                    }
                }
                (Work::Convergence(plan), est, count, pending)
            }
        };
        figures.push(Figure {
            def: def.clone(),
            work,
            estimate,
            remaining: AtomicUsize::new(count),
            pending,
            done: AtomicUsize::new(0),
            bar: ProgressBar::hidden(),
            started: AtomicBool::new(false),
        });
    }

    // the plan and its estimate
    let total: f64 = figures.iter().map(|f| f.estimate).sum();
    eprintln!("scale {}: {} figures, results in {}", cli.scale, figures.len(), results_path.display());
    for f in &figures {
        let what = match &f.work {
            Work::Analytic => "analytic".to_string(),
            Work::Snapshots(d) => format!("{} of {} images to draw", f.pending, d.variants.len()),
            Work::Convergence(p) => {
                format!(
                    "{} of {} trials to run ({} points × {} trials)",
                    f.pending,
                    p.rows(),
                    p.points.len(),
                    p.trials
                )
            }
        };
        eprintln!(
            "  fig {:02} {:<44} {what}, est. {}",
            f.def.figure(),
            f.def.title(),
            format_seconds(f.estimate)
        );
    }
    eprintln!(
        "estimated time: {} on the 2-core reference machine (cost model in wsindy_experiments::cost)",
        format_seconds(total)
    );
    if cli.dry_run {
        return Ok(());
    }
    if cli.scale == Scale::Paper && !cli.yes && total > 0.0 {
        bail!(
            "the paper scale is estimated at {} of compute on 2 cores (about {} on 16 cores); pass --yes to run it",
            format_seconds(total),
            format_seconds(total * 2.0 / 16.0)
        );
    }

    // progress bars
    let hidden = cli.quiet || !std::io::stderr().is_terminal();
    let multi = MultiProgress::with_draw_target(if hidden {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    });
    let style =
        ProgressStyle::with_template("{prefix:>7} [{bar:30.cyan/blue}] {percent:>3}% {msg} ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
    let overall = if total > 0.0 && !jobs.is_empty() {
        let bar = multi.add(ProgressBar::new(millis(total)).with_style(style.clone()).with_prefix("all"));
        bar.set_message(format!("{} jobs", jobs.len()));
        bar
    } else {
        ProgressBar::hidden()
    };
    for f in &mut figures {
        if f.pending > 0 {
            f.bar = multi.add(
                ProgressBar::new(millis(f.estimate))
                    .with_style(style.clone())
                    .with_prefix(format!("fig {:02}", f.def.figure())),
            );
            f.bar.set_message(format!("0/{}", f.pending));
        }
    }
    let log = |msg: String| {
        if cli.quiet {
        } else if hidden {
            eprintln!("{msg}");
        } else {
            let _ = multi.println(msg);
        }
    };

    // analytic figures now
    for f in &figures {
        if let FigureDef::Analytic(d) = &f.def {
            render_analytic(d, &cli.out).map_err(anyhow::Error::msg)?;
            log(format!("fig {:02}: drawn", d.figure));
        }
    }

    // the workers
    // Each worker runs its trials inside its own rayon pool of one thread per core: a trial's
    // simulation and identification are parallel there (a lone trial at the end of a run
    // still uses every core), and one worker's many short parallel calls never queue behind
    // another worker's simulation, as they do in a shared pool (measured: identifications of
    // 1 s took 50 s). Workers are plain threads, so waiting for their pool never steals (and
    // nests) another trial: at most `workers` trials are in memory.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = cli.jobs.unwrap_or(cores).max(1);
    let pools = (0..workers)
        .map(|w| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(cores)
                .thread_name(move |i| format!("trial-{w}-{i}"))
                .build()
        })
        .collect::<Result<Vec<_>, _>>()
        .context("starting the worker thread pools")?;
    let queue = Mutex::new(VecDeque::from(jobs));
    let results = Mutex::new(results);
    let failure: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let abort = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for pool in &pools {
            scope.spawn(|| {
                while !abort.load(Ordering::SeqCst) {
                    let Some(job) = queue.lock().expect("queue").pop_front() else { break };
                    let outcome = catch_unwind(AssertUnwindSafe(|| {
                        pool.install(|| run_job(&job, &figures, &cli, &results, &overall, &log))
                    }))
                    .unwrap_or_else(|p| Err(anyhow::anyhow!("a worker panicked: {}", panic_message(p))));
                    if let Err(e) = outcome {
                        abort.store(true, Ordering::SeqCst);
                        failure.lock().expect("failure").get_or_insert(e);
                        break;
                    }
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().expect("failure") {
        return Err(e.context("the run stopped; finished trials are in results.csv, run again to resume"));
    }
    overall.finish_and_clear();
    let results = results.into_inner().expect("results");
    finish(&cli, &defs, results.rows(), start)
}

/// Whether a snapshot image exists and was drawn from the same settings.
fn snapshot_is_current(def: &SnapshotDef, variant: usize, scale: Scale, out: &Path) -> bool {
    let Some(v) = def.variants.get(variant) else { return false };
    let Some(key) = snapshot_key(def, variant, scale) else { return false };
    let stamp = out.join(format!(".{}.key", v.stem));
    out.join(format!("{}.png", v.stem)).exists()
        && out.join(format!("{}.svg", v.stem)).exists()
        && std::fs::read_to_string(stamp).is_ok_and(|k| k == key)
}

fn run_job(
    job: &Job,
    figures: &[Figure],
    cli: &Cli,
    results: &Mutex<ResultsFile>,
    overall: &ProgressBar,
    log: &(dyn Fn(String) + Sync),
) -> Result<()> {
    let fi = match job {
        Job::Group { figure, .. } | Job::Snapshot { figure, .. } => *figure,
    };
    let fig = &figures[fi];
    if !fig.started.swap(true, Ordering::SeqCst) {
        fig.bar.reset_elapsed();
        fig.bar.reset_eta();
    }
    let progress = |seconds: f64| {
        fig.bar.inc(millis(seconds));
        overall.inc(millis(seconds));
    };
    match (job, &fig.work) {
        (Job::Group { group, trial, points, .. }, Work::Convergence(plan)) => {
            let g = &plan.groups[*group];
            let sim = simulate_group(plan, g, *trial);
            progress(simulation_seconds(g.example, g.n, g.m));
            for &p in points {
                let point = &plan.points[p];
                let row = catch_unwind(AssertUnwindSafe(|| run_point(plan, point, *trial, &sim)))
                    .unwrap_or_else(|e| {
                        let mut row = run_point_placeholder(plan, p, *trial);
                        row.status = format!("error: panic: {}", panic_message(e));
                        row
                    });
                results.lock().expect("results").append(row)?;
                let done = fig.done.fetch_add(1, Ordering::SeqCst) + 1;
                fig.bar.set_message(format!("{done}/{}", fig.pending));
                progress(identification_seconds(g.example));
            }
            if fig.bar.is_hidden() {
                log(format!(
                    "fig {:02}: trial {} group {} done ({} rows, simulation {:.1} s), {}/{} rows",
                    plan.def.figure,
                    trial,
                    group,
                    points.len(),
                    sim.seconds,
                    fig.done.load(Ordering::SeqCst),
                    fig.pending
                ));
            }
        }
        (Job::Snapshot { variant, .. }, Work::Snapshots(def)) => {
            let seconds = render_snapshot(def, *variant, cli.scale, &cli.out).map_err(anyhow::Error::msg)?;
            if let Some(key) = snapshot_key(def, *variant, cli.scale) {
                let stamp = cli.out.join(format!(".{}.key", def.variants[*variant].stem));
                write_atomic(&stamp, key.as_bytes())
                    .with_context(|| format!("writing {}", stamp.display()))?;
            }
            let n = def.scales.get(&cli.scale).map_or(0, |s| s.n);
            progress(simulation_seconds(def.example, n, 1) + 0.5);
            let done = fig.done.fetch_add(1, Ordering::SeqCst) + 1;
            fig.bar.set_message(format!("{done}/{}", fig.pending));
            log(format!(
                "fig {:02}: {} drawn (simulation {seconds:.1} s)",
                def.figure, def.variants[*variant].stem
            ));
        }
        _ => bail!("internal: job and figure kinds differ"),
    }
    if fig.remaining.fetch_sub(1, Ordering::SeqCst) == 1 {
        if let Work::Convergence(plan) = &fig.work {
            let rows: Vec<Row> = {
                let r = results.lock().expect("results");
                r.rows()
                    .iter()
                    .filter(|r| r.figure == plan.def.figure && r.scale == plan.scale)
                    .cloned()
                    .collect()
            };
            for w in render_convergence(plan, &rows, &cli.out) {
                log(format!("fig {:02}: {w}", plan.def.figure));
            }
        }
        fig.bar.finish_with_message(format!("{}/{} done", fig.pending, fig.pending));
        log(format!("fig {:02}: finished", fig.def.figure()));
    }
    Ok(())
}

/// A row for a point whose evaluation panicked.
fn run_point_placeholder(plan: &FigurePlan, p: usize, trial: usize) -> Row {
    let point = &plan.points[p];
    let sim = wsindy_experiments::run::Simulated {
        data: Err("not simulated".into()),
        seconds: 0.0,
        seed: wsindy_experiments::simulation_seed(plan.def.figure, point.group, trial),
        particles: 0,
    };
    run_point(plan, point, trial, &sim)
}

/// Draws every convergence figure of the scale from the results and writes summary.md.
fn finish(cli: &Cli, defs: &[FigureDef], rows: &[Row], start: Instant) -> Result<()> {
    let mut summary = format!(
        "# Reproduction summary: scale `{}`\n\nWritten by `cargo xtask reproduce-figures --scale {}` from `results.csv` ({} rows of this scale). Errors are relative L2 errors; TPR = TP/(TP+FN+FP); \"drift TPR\" counts only the interaction and external-drift terms.\n\n",
        cli.scale,
        cli.scale,
        rows.iter().filter(|r| r.scale == cli.scale).count()
    );
    for def in defs {
        let section = match def {
            FigureDef::Analytic(d) => render_analytic(d, &cli.out).map_err(anyhow::Error::msg)?,
            FigureDef::Snapshots(d) => {
                let mut s = format!("## Figure {}: {}\n\n", d.figure, d.title);
                if let Some(c) = &d.claim {
                    s.push_str(&format!("Paper: {c}\n\n"));
                }
                let n = d.scales.get(&cli.scale).map_or(0, |s| s.n);
                for (v, variant) in d.variants.iter().enumerate() {
                    let state = if snapshot_is_current(d, v, cli.scale, &cli.out) {
                        ""
                    } else {
                        " (not drawn at this scale)"
                    };
                    s.push_str(&format!(
                        "- `{}.png`: {}, N = {n}, times {:?}{state}\n",
                        variant.stem, variant.title, d.times
                    ));
                }
                s
            }
            FigureDef::Convergence(d) => {
                let plan = FigurePlan::new(d, cli.scale, cli.trials).map_err(anyhow::Error::msg)?;
                let mine: Vec<Row> =
                    rows.iter().filter(|r| r.figure == d.figure && r.scale == cli.scale).cloned().collect();
                if !mine.is_empty() {
                    for w in render_convergence(&plan, &mine, &cli.out) {
                        eprintln!("fig {:02}: {w}", d.figure);
                    }
                }
                convergence_summary(&plan, &mine)
            }
        };
        summary.push_str(&section);
        summary.push('\n');
    }
    std::fs::create_dir_all(&cli.out)?;
    for name in ["summary.md".to_string(), format!("summary-{}.md", cli.scale)] {
        let path = cli.out.join(name);
        write_atomic(&path, summary.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
    }
    eprintln!(
        "done in {}: figures and summary.md in {}",
        format_seconds(start.elapsed().as_secs_f64()),
        cli.out.display()
    );
    Ok(())
}

/// `--point` / `--trial`: recompute the chosen rows of one figure, print them, compare them with
/// the stored rows and append the missing ones.
fn rerun(cli: &Cli, selected: &[FigureDef], results_path: &Path) -> Result<()> {
    let [FigureDef::Convergence(def)] = selected else {
        bail!("--point and --trial need exactly one convergence figure (--figure N)");
    };
    let plan = FigurePlan::new(def, cli.scale, cli.trials).map_err(anyhow::Error::msg)?;
    if let Some(p) = cli.point.filter(|&p| p >= plan.points.len()) {
        bail!(
            "figure {} has points 0..{} at scale {} (asked for {p})",
            def.figure,
            plan.points.len() - 1,
            cli.scale
        );
    }
    if let Some(t) = cli.trial.filter(|&t| t >= plan.trials) {
        bail!(
            "figure {} has trials 0..{} at scale {} (asked for {t})",
            def.figure,
            plan.trials - 1,
            cli.scale
        );
    }
    let (mut results, _) = ResultsFile::open(results_path)?;
    println!("{}", header());
    let trials: Vec<usize> = match cli.trial {
        Some(t) => vec![t],
        None => (0..plan.trials).collect(),
    };
    let mut differ = 0;
    for trial in trials {
        for g in &plan.groups {
            let points: Vec<usize> =
                g.points.iter().copied().filter(|&p| cli.point.is_none_or(|q| q == p)).collect();
            if points.is_empty() {
                continue;
            }
            let sim = simulate_group(&plan, g, trial);
            for p in points {
                let row = run_point(&plan, &plan.points[p], trial, &sim);
                print!("{}", String::from_utf8_lossy(&row.to_line()));
                match results.get(&row.key()) {
                    Some(stored) if stored.same_result(&row) => {
                        eprintln!("point {p} trial {trial}: identical to the stored row");
                    }
                    Some(_) => {
                        differ += 1;
                        eprintln!(
                            "point {p} trial {trial}: DIFFERS from the stored row (the stored row is kept)"
                        );
                    }
                    None => {
                        results.append(row)?;
                        eprintln!("point {p} trial {trial}: not stored before, appended");
                    }
                }
            }
        }
    }
    if differ > 0 {
        bail!("{differ} recomputed rows differ from the stored ones");
    }
    Ok(())
}
