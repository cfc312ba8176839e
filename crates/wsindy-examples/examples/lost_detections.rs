//! How lost detections change the identification, and what the normalisation does about it.
//!
//! Simulates the nonlocal 1D example (N = 8000, M = 2, σ = √0.2, seed 1), then drops each
//! detection at random with probability p (seeded), breaks and renumbers tracks, removes one
//! frame, and cuts experiment 2 to 70% of its frames; identifies every copy with both
//! normalisations and prints the largest relative change of a coefficient against the complete
//! data's.
//!
//! `cargo run --release -p wsindy-examples --example lost_detections`

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use wsindy::core::{ObservedExperiment, TimeGrid};
use wsindy::{Library, Normalisation, Observations, Trajectories, identify, identify_observed, score};
use wsindy_examples::{Example as _, Nonlocal1d};

/// Experiment `m` of `data` with detections kept with probability 1 − p, frames in `frames`
/// only, `absent` frames removed, and every track broken with probability `breaks` per frame
/// (the rest of it gets a new id).
fn degrade(
    data: &Trajectories,
    m: usize,
    (p, breaks): (f64, f64),
    frames: usize,
    absent: Option<usize>,
    rng: &mut Pcg64,
) -> ObservedExperiment {
    let (mut counts, mut positions, mut ids) = (Vec::new(), Vec::new(), Vec::new());
    let n = data.particles() as u64;
    let mut track: Vec<u64> = (0..n).collect();
    let mut next = n;
    for k in 0..frames {
        for id in &mut track {
            if breaks > 0.0 && rng.random::<f64>() < breaks {
                *id = next;
                next += 1;
            }
        }
        if Some(k) == absent {
            counts.push(None);
            continue;
        }
        let mut count = 0;
        for (i, &x) in data.snapshot(m, k).iter().enumerate() {
            if rng.random::<f64>() >= p {
                positions.push(x);
                ids.push(Some(track[i]));
                count += 1;
            }
        }
        counts.push(Some(count));
    }
    ObservedExperiment::new(0, counts, positions, ids)
}

fn main() -> anyhow::Result<()> {
    let example = Nonlocal1d::default();
    let data = example.simulate()?;
    let library = Library::nonlocal1d();
    let config = example.preset().config();
    let complete = identify(&data, &library, &config)?;
    let reference = complete.coefficients();
    let truth = example.true_model();
    println!("complete: {}", summary(&complete, &reference, &truth, &library)?);
    let l = data.time_points();
    let grid = TimeGrid::new(data.times()[0], data.dt())?;
    // (name, (lost share, track breaks per frame), frames of experiment 2, removed frame)
    type Case = (&'static str, (f64, f64), usize, Option<usize>);
    let cases: [Case; 7] = [
        ("5% lost", (0.05, 0.0), l, None),
        ("10% lost", (0.10, 0.0), l, None),
        ("20% lost", (0.20, 0.0), l, None),
        ("tracks broken (1% per frame) and renumbered", (0.0, 0.01), l, None),
        ("one frame removed", (0.0, 0.0), l, Some(50)),
        ("experiment 2 cut to 70%", (0.0, 0.0), l * 7 / 10, None),
        ("10% lost, frame 50 removed, experiment 2 at 70%", (0.10, 0.0), l * 7 / 10, Some(50)),
    ];
    for (name, p, frames_2, absent) in cases {
        let mut rng = Pcg64::seed_from_u64(11);
        let experiments =
            vec![degrade(&data, 0, p, l, absent, &mut rng), degrade(&data, 1, p, frames_2, absent, &mut rng)];
        let observations = Observations::new(1, grid, experiments)?;
        for (label, normalisation) in
            [("per experiment", Normalisation::PerExperiment), ("per frame", Normalisation::PerFrame)]
        {
            let model = identify_observed(&observations, &library, &config, normalisation)?;
            println!("{name}, normalised {label}: {}", summary(&model, &reference, &truth, &library)?);
        }
    }
    Ok(())
}

/// TPR, the largest relative change of a selected coefficient against `reference`, and the
/// errors against the truth.
fn summary(
    model: &wsindy::IdentifiedModel,
    reference: &[f64],
    truth: &wsindy::TrueModel,
    library: &Library,
) -> anyhow::Result<String> {
    let s = score(model, truth, library)?;
    let change = model
        .coefficients()
        .iter()
        .zip(reference)
        .filter(|(_, r)| **r != 0.0)
        .map(|(w, r)| ((w - r) / r).abs())
        .fold(0.0f64, f64::max);
    let pct = |e: Option<f64>| e.map_or("—".to_string(), |v| format!("{:.2}%", 100.0 * v));
    Ok(format!(
        "TPR {:.2}, largest coefficient change {:.2}%, ∇K error {}, σ error {}, {} test functions dropped",
        s.tpr,
        100.0 * change,
        pct(s.rel_err_k),
        pct(s.rel_err_sigma),
        model.test_functions.dropped_for_gaps
    ))
}
