//! Experiment definitions: one TOML file per figure under `data/experiments/`.
//!
//! Every file has `figure` (its number), `kind` (`analytic`, `snapshots` or `convergence`),
//! `name` (used in file names), `title` and optionally `claim` (the paper's claim, quoted in
//! `summary.md`), then the keys of its kind, with a `[scales.quick]`, `[scales.default]` and
//! `[scales.paper]` table for the sizes that depend on the scale. Unknown keys are errors.
//! `docs/REPRODUCTION.md` documents the keys with the shipped files as examples.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// An error in an experiment definition or the results file.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ExperimentError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A definition is not valid TOML or has unknown or missing keys.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// A definition parses but its values do not make an experiment.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The results file is not one this program wrote.
    #[error("{path}: {message}")]
    Results {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A figure was asked for that no definition has.
    #[error("no experiment definition for figure {0}")]
    UnknownFigure(u32),
}

/// How much work a run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// All figures, coarse: a check that everything runs (minutes).
    Quick,
    /// Enough trials to show each trend on a 2-core machine (under an hour).
    Default,
    /// The paper's ranges and 100 trials (for a bigger machine).
    Paper,
}

impl Scale {
    /// All scales.
    pub const ALL: [Scale; 3] = [Scale::Quick, Scale::Default, Scale::Paper];

    /// The scale's name.
    pub fn name(self) -> &'static str {
        match self {
            Scale::Quick => "quick",
            Scale::Default => "default",
            Scale::Paper => "paper",
        }
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scale {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scale::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| format!("unknown scale '{s}': expected quick, default or paper"))
    }
}

/// An example of the examples list, by name in the TOML files and the results.
#[derive(Clone, Copy)]
pub struct ExampleKind(&'static wsindy_examples::ExampleEntry);

impl ExampleKind {
    /// The example called `name`.
    ///
    /// # Errors
    /// An unknown name, with the known names.
    pub fn named(name: &str) -> Result<Self, String> {
        wsindy_examples::entry(name).map(Self).map_err(|e| e.to_string())
    }

    /// The name used in the TOML files and the results.
    pub fn name(self) -> &'static str {
        self.0.name
    }

    /// Its entry in the examples list.
    pub fn entry(self) -> &'static wsindy_examples::ExampleEntry {
        self.0
    }

    /// Whether particles interact (if not, the first n particles of a simulation of N are a
    /// simulation of n, and points can share one simulation over N).
    pub fn interacting(self) -> bool {
        self.0.interacting
    }

    /// Whether the example takes a frequency ω.
    pub fn takes_omega(self) -> bool {
        self.0.takes_omega
    }
}

impl PartialEq for ExampleKind {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

impl Eq for ExampleKind {}

impl std::hash::Hash for ExampleKind {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name().hash(state);
    }
}

impl fmt::Debug for ExampleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for ExampleKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for ExampleKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Self::named(&name).map_err(serde::de::Error::custom)
    }
}

/// The diffusion case of an example, by name (`zero`, `const`, …: the cases of the examples
/// list).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sigma(&'static str);

impl Sigma {
    /// The case called `name`, if some example has it.
    ///
    /// # Errors
    /// An unknown name, with the known names.
    pub fn named(name: &str) -> Result<Self, String> {
        let mut all: Vec<&'static str> = Vec::new();
        for entry in wsindy_examples::EXAMPLES {
            for &case in entry.sigma_cases {
                if !all.contains(&case) {
                    all.push(case);
                }
            }
        }
        all.iter()
            .find(|c| **c == name)
            .map(|c| Self(c))
            .ok_or_else(|| format!("unknown sigma case '{name}': expected one of {}", all.join(", ")))
    }

    /// The name used in the TOML files and the results.
    pub fn name(self) -> &'static str {
        self.0
    }

    fn fits(self, example: ExampleKind) -> bool {
        example.entry().sigma_cases.contains(&self.0)
    }
}

impl fmt::Debug for Sigma {
    /// The case's name capitalised (`Const`), as the snapshot stamps have always written it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chars = self.0.chars();
        match chars.next() {
            Some(first) => write!(f, "{}{}", first.to_ascii_uppercase(), chars.as_str()),
            None => Ok(()),
        }
    }
}

impl Serialize for Sigma {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for Sigma {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Self::named(&name).map_err(serde::de::Error::custom)
    }
}

/// A quantity recorded per trial and plotted against the swept variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// True-positive ratio TP / (TP + FN + FP) over all terms (5.1).
    Tpr,
    /// The same over the interaction and external-drift terms only (diffusion terms ignored).
    DriftTpr,
    /// Relative L2 error of ∇K̂ on C − C.
    ErrK,
    /// Relative L2 error of ∇V̂ on C.
    ErrV,
    /// Relative L2 error of σ̂ on C.
    ErrSigma,
}

impl Metric {
    /// Whether the metric is a ratio in [0, 1] (plotted as a mean on a linear axis) rather than
    /// an error (median and quantiles on a log axis).
    pub fn is_ratio(self) -> bool {
        matches!(self, Metric::Tpr | Metric::DriftTpr)
    }

    /// The column name in `results.csv`.
    pub fn column(self) -> &'static str {
        match self {
            Metric::Tpr => "tpr",
            Metric::DriftTpr => "drift_tpr",
            Metric::ErrK => "err_k",
            Metric::ErrV => "err_v",
            Metric::ErrSigma => "err_sigma",
        }
    }

    /// Legend text (plain letters: the plot font has no combining hat).
    pub fn label(self) -> &'static str {
        match self {
            Metric::Tpr => "TPR",
            Metric::DriftTpr => "drift TPR (K, V terms)",
            Metric::ErrK => "∇K error",
            Metric::ErrV => "∇V error",
            Metric::ErrSigma => "σ error",
        }
    }
}

/// The abscissa of a convergence figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum XAxis {
    /// Particles per experiment N.
    N,
    /// Total particles N·M.
    Nm,
    /// Extrinsic noise ratio ε.
    Eps,
}

impl XAxis {
    /// Axis label.
    pub fn label(self) -> &'static str {
        match self {
            XAxis::N => "particles per experiment N",
            XAxis::Nm => "total particles N·M",
            XAxis::Eps => "noise ratio ε",
        }
    }
}

/// The parameter whose values are the separate lines of a convergence figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SeriesParam {
    /// One line per metric.
    #[default]
    None,
    /// One line per noise ratio ε.
    Eps,
    /// One line per ω (local 2D).
    Omega,
    /// One line per N (with x = N·M).
    N,
}

/// One output image of a convergence figure.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlotDef {
    /// File stem, `figNN_<what>`.
    pub stem: String,
    /// The metrics drawn (all errors, or all ratios).
    pub metrics: Vec<Metric>,
    /// Slope of a dashed reference line (e.g. −0.5); error plots only.
    #[serde(default)]
    pub reference_slope: Option<f64>,
}

/// The sizes of a convergence figure at one scale.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvergenceScale {
    /// Trials per point.
    pub trials: usize,
    /// Particles per experiment.
    pub n: Vec<usize>,
    /// Experiments.
    #[serde(default = "one")]
    pub m: Vec<usize>,
    /// Extrinsic noise ratios.
    #[serde(default = "zero")]
    pub eps: Vec<f64>,
    /// Frequencies ω (local 2D only).
    #[serde(default)]
    pub omega: Vec<f64>,
    /// Why these sizes (quoted in `summary.md`).
    #[serde(default)]
    pub note: Option<String>,
}

fn one() -> Vec<usize> {
    vec![1]
}

fn zero() -> Vec<f64> {
    vec![0.0]
}

/// A convergence figure: metrics against N, N·M or ε over trials.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvergenceDef {
    /// Figure number.
    pub figure: u32,
    /// Short name.
    pub name: String,
    /// Title of the images.
    pub title: String,
    /// The paper's claim.
    #[serde(default)]
    pub claim: Option<String>,
    /// The example.
    pub example: ExampleKind,
    /// Its diffusion (not for local 2D).
    #[serde(default)]
    pub sigma: Option<Sigma>,
    /// The abscissa.
    pub x: XAxis,
    /// What distinguishes the lines.
    #[serde(default)]
    pub series: SeriesParam,
    /// Share one simulation among the points of a trial that differ only in M, ε (and N for
    /// local 2D): the first M experiments (first N particles) of the largest run, noise added
    /// per point. Default true.
    #[serde(default = "yes")]
    pub share: bool,
    /// Quantiles of the error band, default [0.1, 0.9].
    #[serde(default = "default_band")]
    pub band: [f64; 2],
    /// The images.
    pub plots: Vec<PlotDef>,
    /// Sizes per scale.
    pub scales: BTreeMap<Scale, ConvergenceScale>,
}

fn yes() -> bool {
    true
}

fn default_band() -> [f64; 2] {
    [0.1, 0.9]
}

/// One data set of a snapshot figure.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotVariant {
    /// File stem, `figNN_<what>`.
    pub stem: String,
    /// Title of the image.
    pub title: String,
    /// Diffusion (nonlocal examples).
    #[serde(default)]
    pub sigma: Option<Sigma>,
    /// Frequency ω (local 2D).
    #[serde(default)]
    pub omega: Option<f64>,
    /// Extrinsic noise ratio.
    #[serde(default)]
    pub eps: f64,
}

/// The size of a snapshot figure at one scale.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotScale {
    /// Particles (one experiment).
    pub n: usize,
}

/// Histogram snapshots of one example.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotDef {
    /// Figure number.
    pub figure: u32,
    /// Short name.
    pub name: String,
    /// Title.
    pub title: String,
    /// What the paper shows.
    #[serde(default)]
    pub claim: Option<String>,
    /// The example.
    pub example: ExampleKind,
    /// Times shown (the nearest recorded times are used).
    pub times: Vec<f64>,
    /// The data sets, one image each.
    pub variants: Vec<SnapshotVariant>,
    /// Sizes per scale.
    pub scales: BTreeMap<Scale, SnapshotScale>,
}

/// The analytic reduction factor of separable test functions (figure 1); see
/// [`crate::analytic`] for the formula.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalyticDef {
    /// Figure number.
    pub figure: u32,
    /// Short name.
    pub name: String,
    /// Title.
    pub title: String,
    /// What the paper shows.
    #[serde(default)]
    pub claim: Option<String>,
    /// File stem, `figNN_<what>`.
    pub stem: String,
    /// Grid points per space axis n.
    pub cells: usize,
    /// Time points L.
    pub time_points: usize,
    /// Space dimensions d drawn.
    pub dims: Vec<usize>,
    /// Half-widths m of the space support (the time support m_t = m).
    pub half_widths: Vec<usize>,
    /// Query strides (s_x, s_t).
    pub strides: [usize; 2],
}

/// Any figure definition, by `kind`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum FigureDef {
    /// Figure 1.
    Analytic(AnalyticDef),
    /// Figures 2, 4, 8.
    Snapshots(SnapshotDef),
    /// Figures 3, 5, 6, 7, 9, 10.
    Convergence(ConvergenceDef),
}

impl FigureDef {
    /// The figure number.
    pub fn figure(&self) -> u32 {
        match self {
            FigureDef::Analytic(d) => d.figure,
            FigureDef::Snapshots(d) => d.figure,
            FigureDef::Convergence(d) => d.figure,
        }
    }

    /// The title.
    pub fn title(&self) -> &str {
        match self {
            FigureDef::Analytic(d) => &d.title,
            FigureDef::Snapshots(d) => &d.title,
            FigureDef::Convergence(d) => &d.title,
        }
    }

    /// The paper's claim, if stated.
    pub fn claim(&self) -> Option<&str> {
        match self {
            FigureDef::Analytic(d) => d.claim.as_deref(),
            FigureDef::Snapshots(d) => d.claim.as_deref(),
            FigureDef::Convergence(d) => d.claim.as_deref(),
        }
    }

    /// Parses and checks one definition.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ExperimentError> {
        let def: FigureDef = toml::from_str(text)
            .map_err(|e| ExperimentError::Parse { path: path.to_path_buf(), message: e.to_string() })?;
        def.validate().map_err(|message| ExperimentError::Invalid { path: path.to_path_buf(), message })?;
        Ok(def)
    }

    fn validate(&self) -> Result<(), String> {
        let prefix = format!("fig{:02}_", self.figure());
        let stem_ok = |stem: &str| -> Result<(), String> {
            let rest = stem
                .strip_prefix(&prefix)
                .ok_or_else(|| format!("stem '{stem}' must start with '{prefix}'"))?;
            if rest.is_empty() || !rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("stem '{stem}': expected {prefix}<letters, digits, _>"));
            }
            Ok(())
        };
        let all_scales = |present: Vec<&Scale>| -> Result<(), String> {
            for s in Scale::ALL {
                if !present.contains(&&s) {
                    return Err(format!("missing [scales.{s}]"));
                }
            }
            Ok(())
        };
        match self {
            FigureDef::Analytic(d) => {
                stem_ok(&d.stem)?;
                if d.dims.is_empty() || d.dims.iter().any(|&k| !(1..=3).contains(&k)) {
                    return Err("dims: expected values in 1..=3".into());
                }
                if d.half_widths.is_empty() || d.strides.contains(&0) {
                    return Err("half_widths must not be empty and strides must be ≥ 1".into());
                }
                let largest = d.half_widths.iter().max().copied().unwrap_or(0);
                if 2 * largest + 1 > d.cells.min(d.time_points) {
                    return Err(format!(
                        "half width {largest} needs {} points but the grid has {} × {} (space × time)",
                        2 * largest + 1,
                        d.cells,
                        d.time_points
                    ));
                }
                Ok(())
            }
            FigureDef::Snapshots(d) => {
                all_scales(d.scales.keys().collect())?;
                if d.times.is_empty() || d.variants.is_empty() {
                    return Err("times and variants must not be empty".into());
                }
                for v in &d.variants {
                    stem_ok(&v.stem)?;
                    check_case(d.example, v.sigma, v.omega.is_some())?;
                    check_eps(v.eps)?;
                }
                if d.scales.values().any(|s| s.n == 0) {
                    return Err("n must be ≥ 1".into());
                }
                Ok(())
            }
            FigureDef::Convergence(d) => {
                all_scales(d.scales.keys().collect())?;
                check_case(d.example, d.sigma, false)?;
                if d.plots.is_empty() {
                    return Err("no [[plots]]".into());
                }
                for p in &d.plots {
                    stem_ok(&p.stem)?;
                    if p.metrics.is_empty() {
                        return Err(format!("plot {}: no metrics", p.stem));
                    }
                    let ratios = p.metrics.iter().filter(|m| m.is_ratio()).count();
                    if ratios != 0 && ratios != p.metrics.len() {
                        return Err(format!("plot {}: do not mix TPR metrics with errors", p.stem));
                    }
                    if ratios != 0 && p.reference_slope.is_some() {
                        return Err(format!("plot {}: a reference slope needs error metrics", p.stem));
                    }
                }
                let [lo, hi] = d.band;
                if !(0.0..=1.0).contains(&lo) || !(0.0..=1.0).contains(&hi) || lo >= hi {
                    return Err(format!("band {:?}: expected 0 ≤ lo < hi ≤ 1", d.band));
                }
                for (scale, s) in &d.scales {
                    let at = |m: String| format!("[scales.{scale}]: {m}");
                    if s.trials == 0 || s.n.is_empty() || s.m.is_empty() || s.eps.is_empty() {
                        return Err(at("trials, n, m and eps must be non-empty and trials ≥ 1".into()));
                    }
                    if s.n.contains(&0) || s.m.contains(&0) {
                        return Err(at("n and m must be ≥ 1".into()));
                    }
                    for &e in &s.eps {
                        check_eps(e).map_err(at)?;
                    }
                    if d.example.takes_omega() {
                        if s.omega.is_empty() || s.omega.iter().any(|w| !(w.is_finite() && *w > 0.0)) {
                            return Err(at("local2d needs omega values > 0".into()));
                        }
                    } else if !s.omega.is_empty() {
                        return Err(at("omega is for local2d only".into()));
                    }
                    if d.x == XAxis::Eps && s.eps.contains(&0.0) {
                        return Err(at("x = \"eps\" needs ε > 0 (log axis)".into()));
                    }
                }
                Ok(())
            }
        }
    }
}

fn check_case(example: ExampleKind, sigma: Option<Sigma>, omega: bool) -> Result<(), String> {
    let name = example.name();
    match sigma {
        Some(s) if example.entry().sigma_cases.is_empty() => {
            Err(format!("{name} has no sigma case (got '{}')", s.name()))
        }
        None if example.entry().sigma_cases.is_empty() => Ok(()),
        None => Err(format!("{name} needs sigma")),
        Some(s) if !s.fits(example) => Err(format!("sigma '{}' is not a case of {name}", s.name())),
        Some(_) if omega && !example.takes_omega() => Err(format!("omega is not a setting of {name}")),
        _ => Ok(()),
    }
}

fn check_eps(e: f64) -> Result<(), String> {
    if e.is_finite() && e >= 0.0 { Ok(()) } else { Err(format!("eps {e}: expected ≥ 0")) }
}

/// Reads every `*.toml` in `dir`, sorted by figure number; two files for one figure are an
/// error.
pub fn load_dir(dir: &Path) -> Result<Vec<FigureDef>, ExperimentError> {
    let io = |source| ExperimentError::Io { path: dir.to_path_buf(), source };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let mut defs: Vec<(FigureDef, PathBuf)> = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path)
            .map_err(|source| ExperimentError::Io { path: path.clone(), source })?;
        let def = FigureDef::parse(&text, &path)?;
        if let Some((_, other)) = defs.iter().find(|(d, _)| d.figure() == def.figure()) {
            return Err(ExperimentError::Invalid {
                path,
                message: format!("figure {} is also defined in {}", def.figure(), other.display()),
            });
        }
        defs.push((def, path));
    }
    defs.sort_by_key(|(d, _)| d.figure());
    Ok(defs.into_iter().map(|(d, _)| d).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<FigureDef, ExperimentError> {
        FigureDef::parse(text, Path::new("test.toml"))
    }

    const CONV: &str = r#"
figure = 6
kind = "convergence"
name = "const_sigma"
title = "t"
example = "nonlocal1d"
sigma = "const"
x = "nm"
[[plots]]
stem = "fig06_const_sigma"
metrics = ["err_k", "err_sigma"]
reference_slope = -0.5
[scales.quick]
trials = 2
n = [100]
m = [1, 2]
[scales.default]
trials = 2
n = [100]
[scales.paper]
trials = 2
n = [100]
"#;

    #[test]
    fn parses_a_convergence_definition() {
        let FigureDef::Convergence(d) = parse(CONV).unwrap() else { panic!() };
        assert_eq!(d.figure, 6);
        assert_eq!(d.scales[&Scale::Quick].m, vec![1, 2]);
        assert_eq!(d.scales[&Scale::Default].m, vec![1]);
        assert_eq!(d.scales[&Scale::Default].eps, vec![0.0]);
        assert!(d.share);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        let err = parse(&CONV.replace("x = \"nm\"", "x = \"nm\"\nbogus = 1")).unwrap_err();
        assert!(err.to_string().contains("bogus"), "{err}");
        let err = parse(&CONV.replace("sigma = \"const\"", "sigma = \"critical\"")).unwrap_err();
        assert!(err.to_string().contains("not a case of nonlocal1d"), "{err}");
        let err = parse(&CONV.replace("stem = \"fig06_const_sigma\"", "stem = \"fig6\"")).unwrap_err();
        assert!(err.to_string().contains("must start with 'fig06_'"), "{err}");
        let err = parse(&CONV.replace("[scales.paper]\ntrials = 2\nn = [100]\n", "")).unwrap_err();
        assert!(err.to_string().contains("missing [scales.paper]"), "{err}");
        let err =
            parse(&CONV.replace("metrics = [\"err_k\", \"err_sigma\"]", "metrics = [\"err_k\", \"tpr\"]"))
                .unwrap_err();
        assert!(err.to_string().contains("do not mix"), "{err}");
    }

    #[test]
    fn shipped_definitions_are_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/experiments");
        let defs = load_dir(&dir).unwrap();
        let figures: Vec<u32> = defs.iter().map(FigureDef::figure).collect();
        assert_eq!(figures, (1..=10).collect::<Vec<_>>());
    }
}
