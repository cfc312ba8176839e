//! Running trials: simulate a group once, derive each point's data (first M experiments,
//! first N particles, extrinsic noise), identify, score, and make the row.

use std::time::Instant;

use rand::SeedableRng;
use rand_pcg::Pcg64;
use wsindy::{IdentifiedModel, Library, TermKind, Trajectories, TrueModel, identify, score};
use wsindy_examples::{Example, ExampleOptions};
use wsindy_sim::add_extrinsic_noise;

use crate::plan::{FigurePlan, Group, Point, simulation_seed, trial_seed};
use crate::results::Row;
use crate::spec::{ExampleKind, Sigma};

/// The example with the given settings, without extrinsic noise (this crate adds it).
pub fn example(
    kind: ExampleKind,
    sigma: Option<Sigma>,
    omega: f64,
    n: usize,
    m: usize,
    seed: u64,
) -> Result<Box<dyn Example>, String> {
    let options = ExampleOptions {
        sigma: sigma.map(|s| s.name().to_string()),
        omega: kind.takes_omega().then_some(omega),
        noise_ratio: None,
        particles: Some(n),
        experiments: Some(m),
        seed: Some(seed),
    };
    wsindy_examples::build(kind.name(), &options).map_err(|e| e.to_string())
}

/// A group's simulation for one trial, with its wall time in seconds.
pub struct Simulated {
    /// The data, or why there are none.
    pub data: Result<Trajectories, String>,
    /// Seconds.
    pub seconds: f64,
    /// Its seed.
    pub seed: u64,
    /// N·M simulated.
    pub particles: usize,
}

/// Simulates `group` for `trial` (largest N and M of its points, no extrinsic noise).
pub fn simulate_group(plan: &FigurePlan, group: &Group, trial: usize) -> Simulated {
    let seed = simulation_seed(plan.def.figure, group.index, trial);
    let start = Instant::now();
    let data = example(group.example, group.sigma, group.omega, group.n, group.m, seed)
        .and_then(|ex| ex.simulate().map_err(|e| format!("simulate: {e}")));
    Simulated { data, seconds: start.elapsed().as_secs_f64(), seed, particles: group.n * group.m }
}

/// The first `m` experiments and first `n` particles of `data`, plus extrinsic noise of ratio
/// `eps` (Y = X + ε ‖X_t‖_RMS ξ, ξ ~ N(0, 1) i.i.d. per coordinate, RMS over the snapshot's
/// coordinates, as the simulator's own noise) drawn from `seed`.
pub fn derive(data: &Trajectories, m: usize, n: usize, eps: f64, seed: u64) -> Result<Trajectories, String> {
    let (mm, l, nn, d) = (data.experiments(), data.time_points(), data.particles(), data.dim());
    if m > mm || n > nn {
        return Err(format!("asked for {m} × {n} of a simulation of {mm} × {nn}"));
    }
    let positions = data.positions();
    let mut out = Vec::with_capacity(m * l * n * d);
    for e in 0..m {
        for t in 0..l {
            let start = (e * l + t) * nn * d;
            out.extend_from_slice(&positions[start..start + n * d]);
        }
    }
    let mut rng = Pcg64::seed_from_u64(seed);
    for snapshot in out.chunks_exact_mut(n * d) {
        add_extrinsic_noise(snapshot, eps, &mut rng);
    }
    Trajectories::new(m, l, n, d, out, data.times().to_vec()).map_err(|e| format!("data: {e}"))
}

/// TP / (TP + FN + FP) over the terms whose kind passes `keep` (1 when there are none).
pub fn tpr_over(
    model: &IdentifiedModel,
    truth: &TrueModel,
    library: &Library,
    keep: impl Fn(TermKind) -> bool,
) -> Result<f64, String> {
    let w_true = truth.coefficients(library).map_err(|e| e.to_string())?;
    let (mut tp, mut fn_, mut fp) = (0usize, 0usize, 0usize);
    for ((term, est), tru) in library.terms().iter().zip(model.coefficients()).zip(w_true) {
        if !keep(term.kind()) {
            continue;
        }
        match (est != 0.0, tru != 0.0) {
            (true, true) => tp += 1,
            (false, true) => fn_ += 1,
            (true, false) => fp += 1,
            (false, false) => {}
        }
    }
    Ok(if tp + fn_ + fp == 0 { 1.0 } else { tp as f64 / (tp + fn_ + fp) as f64 })
}

/// Runs one point of one trial on the group's simulation and returns its row.
pub fn run_point(plan: &FigurePlan, point: &Point, trial: usize, sim: &Simulated) -> Row {
    let seed = trial_seed(plan.def.figure, point.index, trial);
    let mut row = Row {
        scale: plan.scale,
        figure: plan.def.figure,
        point: point.index,
        trial,
        seed,
        sim_seed: sim.seed,
        example: point.example.name().to_string(),
        series: point.series.clone(),
        sigma: point.sigma.map(|s| s.name().to_string()).unwrap_or_default(),
        omega: point.example.takes_omega().then_some(point.omega),
        eps: point.eps,
        n: point.n,
        m: point.m,
        nm: point.n * point.m,
        tpr: None,
        drift_tpr: None,
        err_k: None,
        err_v: None,
        err_sigma: None,
        lambda: None,
        selected: String::new(),
        simulate_s: sim.seconds,
        sim_nm: sim.particles,
        identify_s: None,
        status: "ok".to_string(),
    };
    if let Err(e) = evaluate(point, sim, seed, &mut row) {
        row.status = format!("error: {e}");
    }
    row
}

fn evaluate(point: &Point, sim: &Simulated, seed: u64, row: &mut Row) -> Result<(), String> {
    let base = sim.data.as_ref().map_err(Clone::clone)?;
    let data = derive(base, point.m, point.n, point.eps, seed)?;
    let ex = example(point.example, point.sigma, point.omega, point.n, point.m, sim.seed)?;
    let library = ex.library();
    let start = Instant::now();
    let model = identify(&data, &library, &ex.config()).map_err(|e| format!("identify: {e}"))?;
    row.identify_s = Some(start.elapsed().as_secs_f64());
    row.lambda = Some(model.lambda);
    row.selected = model
        .selected()
        .map(|t| format!("{}:{}={:.5e}", t.kind, t.name, t.coefficient))
        .collect::<Vec<_>>()
        .join(";");
    let truth = ex.truth(&model.grid);
    let scores = score(&model, &truth, &library).map_err(|e| format!("score: {e}"))?;
    row.tpr = Some(scores.tpr);
    row.drift_tpr = Some(tpr_over(&model, &truth, &library, |k| k != TermKind::Diffusion)?);
    row.err_k = scores.rel_err_k;
    row.err_v = scores.rel_err_v;
    row.err_sigma = scores.rel_err_sigma;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> Trajectories {
        // M = 2, L = 3, N = 4, d = 2: value = 1000 e + 100 t + 10 i + c
        let mut v = Vec::new();
        for e in 0..2 {
            for t in 0..3 {
                for i in 0..4 {
                    for c in 0..2 {
                        v.push((1000 * e + 100 * t + 10 * i + c) as f64 + 1.0);
                    }
                }
            }
        }
        Trajectories::new(2, 3, 4, 2, v, vec![0.0, 0.1, 0.2]).unwrap()
    }

    #[test]
    fn derive_takes_leading_experiments_and_particles() {
        let d = derive(&data(), 1, 2, 0.0, 1).unwrap();
        assert_eq!((d.experiments(), d.time_points(), d.particles(), d.dim()), (1, 3, 2, 2));
        assert_eq!(d.snapshot(0, 2), &[201.0, 202.0, 211.0, 212.0]);
        assert!(derive(&data(), 3, 2, 0.0, 1).is_err());
    }

    #[test]
    fn noise_has_the_requested_ratio_and_is_seeded() {
        let n = 20_000;
        let v: Vec<f64> = (0..2 * n).map(|i| if i % 2 == 0 { 3.0 } else { -4.0 }).collect();
        let d = Trajectories::new(1, 2, n, 2, [v.clone(), v].concat(), vec![0.0, 1.0]).unwrap();
        let a = derive(&d, 1, n, 0.1, 5).unwrap();
        let b = derive(&d, 1, n, 0.1, 5).unwrap();
        assert_eq!(a.positions(), b.positions());
        // RMS of the coordinates is √((9 + 16)/2); noise std should be 0.1 of it
        let rms = (12.5f64).sqrt();
        let diff: Vec<f64> = a.snapshot(0, 1).iter().zip(d.snapshot(0, 1)).map(|(x, y)| x - y).collect();
        let std = (diff.iter().map(|x| x * x).sum::<f64>() / diff.len() as f64).sqrt();
        assert!((std / (0.1 * rms) - 1.0).abs() < 0.02, "{std}");
    }
}
