//! A convergence figure at one scale, expanded into points, shared simulations and seeds.
//!
//! A **point** is one setting (N, M, ε, ω) of a figure; a **trial** is one independent repeat
//! of a point; a row of `results.csv` is one (point, trial). Points of one trial that differ
//! only in M and ε (and N for the non-interacting local 2D example) form a **group** and share
//! one simulation: the largest M (and N) of the group is simulated without extrinsic noise, and
//! each point takes its first M experiments (first N particles) and adds its own noise. So a
//! trial of an N·M sweep is one simulation, not one per point, and the points of a trial are
//! nested data sets (common random numbers), which makes the trend with N·M less noisy.
//!
//! Seeds come from (figure, point, trial) by [`trial_seed`] (the noise of the row) and from
//! (figure, group, trial) by [`simulation_seed`], so any row can be recomputed alone.

use crate::spec::{ConvergenceDef, ExampleKind, Scale, SeriesParam, Sigma, XAxis};

/// The splitmix64 finaliser: a bijection of u64 that scatters consecutive inputs.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of row (figure, point, trial): splitmix64 chained over the three numbers. It seeds
/// the row's extrinsic noise.
pub fn trial_seed(figure: u32, point: usize, trial: usize) -> u64 {
    splitmix64(splitmix64(splitmix64(u64::from(figure)) ^ point as u64) ^ trial as u64)
}

/// Domain tag that keeps simulation seeds apart from row seeds.
const SIMULATION_TAG: u64 = 0x5349_4D55_4C41_5445; // "SIMULATE"

/// The seed of the simulation shared by the points of `group` in `trial`.
pub fn simulation_seed(figure: u32, group: usize, trial: usize) -> u64 {
    splitmix64(trial_seed(figure, group, trial) ^ SIMULATION_TAG)
}

/// One setting of a convergence figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Index in the figure at this scale.
    pub index: usize,
    /// The example.
    pub example: ExampleKind,
    /// Its diffusion (None for local 2D).
    pub sigma: Option<Sigma>,
    /// ω (local 2D), else 0.
    pub omega: f64,
    /// Extrinsic noise ratio.
    pub eps: f64,
    /// Particles per experiment.
    pub n: usize,
    /// Experiments.
    pub m: usize,
    /// The value on the x axis.
    pub x: f64,
    /// The series (line) label, e.g. `"ε = 0.1"`; empty if the figure has one line per metric.
    pub series: String,
    /// The group (shared simulation) the point belongs to.
    pub group: usize,
}

/// Points sharing one simulation per trial.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Index in the figure.
    pub index: usize,
    /// The example.
    pub example: ExampleKind,
    /// Its diffusion.
    pub sigma: Option<Sigma>,
    /// ω (local 2D).
    pub omega: f64,
    /// Particles simulated (the largest N of the points).
    pub n: usize,
    /// Experiments simulated (the largest M of the points).
    pub m: usize,
    /// The points, by index.
    pub points: Vec<usize>,
}

/// A convergence figure at one scale.
#[derive(Debug, Clone, PartialEq)]
pub struct FigurePlan {
    /// The definition.
    pub def: ConvergenceDef,
    /// The scale.
    pub scale: Scale,
    /// Trials per point.
    pub trials: usize,
    /// The points, in order.
    pub points: Vec<Point>,
    /// The groups, in order of their first point.
    pub groups: Vec<Group>,
}

/// Formats a number compactly for labels (`0.0316`, `20`, `1e-3`).
pub fn short(v: f64) -> String {
    if v != 0.0 && (v.abs() < 1e-3 || v.abs() >= 1e6) {
        format!("{v:e}")
    } else {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    }
}

impl FigurePlan {
    /// Expands `def` at `scale`; `trials` overrides the definition's trial count.
    pub fn new(def: &ConvergenceDef, scale: Scale, trials: Option<usize>) -> Result<Self, String> {
        let s =
            def.scales.get(&scale).ok_or_else(|| format!("figure {}: no [scales.{scale}]", def.figure))?;
        let omegas = if def.example.takes_omega() { s.omega.clone() } else { vec![0.0] };
        let mut points = Vec::new();
        for &omega in &omegas {
            for &eps in &s.eps {
                for &n in &s.n {
                    for &m in &s.m {
                        let x = match def.x {
                            XAxis::N => n as f64,
                            XAxis::Nm => (n * m) as f64,
                            XAxis::Eps => eps,
                        };
                        let series = match def.series {
                            SeriesParam::None => String::new(),
                            SeriesParam::Eps => format!("ε = {}", short(eps)),
                            SeriesParam::Omega => format!("ω = {}", short(omega)),
                            SeriesParam::N => format!("N = {n}"),
                        };
                        points.push(Point {
                            index: points.len(),
                            example: def.example,
                            sigma: def.sigma,
                            omega,
                            eps,
                            n,
                            m,
                            x,
                            series,
                            group: 0,
                        });
                    }
                }
            }
        }
        // every (series, x) must be one point, or the lines would be ambiguous
        for (i, p) in points.iter().enumerate() {
            if let Some(q) = points[..i].iter().find(|q| q.series == p.series && q.x == p.x) {
                return Err(format!(
                    "figure {} [scales.{scale}]: points {} and {} have the same series '{}' and x = {}; choose x or series so that each line has one point per x",
                    def.figure, q.index, p.index, p.series, p.x
                ));
            }
        }
        let mut groups: Vec<Group> = Vec::new();
        for p in &mut points {
            // the key of the shared simulation: everything but M and ε (and N without interaction)
            let found = groups.iter_mut().find(|g| {
                def.share
                    && g.omega == p.omega
                    && (g.n == p.n || !p.example.interacting())
                    && g.example == p.example
                    && g.sigma == p.sigma
            });
            match found {
                Some(g) => {
                    g.n = g.n.max(p.n);
                    g.m = g.m.max(p.m);
                    g.points.push(p.index);
                    p.group = g.index;
                }
                None => {
                    p.group = groups.len();
                    groups.push(Group {
                        index: groups.len(),
                        example: p.example,
                        sigma: p.sigma,
                        omega: p.omega,
                        n: p.n,
                        m: p.m,
                        points: vec![p.index],
                    });
                }
            }
        }
        Ok(Self { def: def.clone(), scale, trials: trials.unwrap_or(s.trials), points, groups })
    }

    /// Rows in all: points × trials.
    pub fn rows(&self) -> usize {
        self.points.len() * self.trials
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::path::Path;

    use super::*;
    use crate::spec::FigureDef;

    #[test]
    fn seeds_are_deterministic_and_distinct() {
        assert_eq!(trial_seed(6, 3, 7), trial_seed(6, 3, 7));
        let mut seen = HashSet::new();
        for f in 1..=10 {
            for p in 0..40 {
                for t in 0..100 {
                    assert!(seen.insert(trial_seed(f, p, t)));
                    assert!(seen.insert(simulation_seed(f, p, t)));
                }
            }
        }
        // a reference value, so that seeds never change silently
        assert_eq!(splitmix64(0), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn groups_share_over_m_and_eps() {
        let text = r#"
figure = 9
kind = "convergence"
name = "ks"
title = "t"
example = "nonlocal2d"
sigma = "zero"
x = "nm"
series = "eps"
[[plots]]
stem = "fig09_ks"
metrics = ["err_k"]
[scales.quick]
trials = 3
n = [100, 300]
m = [1, 4, 2]
eps = [0.01, 0.1]
[scales.default]
trials = 2
n = [100]
[scales.paper]
trials = 2
n = [100]
"#;
        let FigureDef::Convergence(def) = FigureDef::parse(text, Path::new("t.toml")).unwrap() else {
            panic!()
        };
        let plan = FigurePlan::new(&def, Scale::Quick, None).unwrap();
        assert_eq!(plan.points.len(), 12);
        assert_eq!(plan.rows(), 36);
        // one group per N, simulating the largest M
        assert_eq!(plan.groups.len(), 2);
        assert_eq!((plan.groups[0].n, plan.groups[0].m, plan.groups[0].points.len()), (100, 4, 6));
        assert_eq!(plan.points[4].series, "ε = 0.01");
        assert_eq!(plan.points[4].x, 1200.0);
        assert_eq!(plan.points[4].group, 1);
        let unshared = ConvergenceDef { share: false, ..def };
        assert_eq!(FigurePlan::new(&unshared, Scale::Quick, Some(5)).unwrap().groups.len(), 12);
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short(0.0316), "0.0316");
        assert_eq!(short(20.0), "20");
        assert_eq!(short(0.1), "0.1");
        assert_eq!(short(0.0), "0");
    }
}
