//! Tracks, per-frame features and the weak-form rows built from them.

use std::collections::HashMap;

use rayon::prelude::*;
use wsindy_core::{
    DenseMatrix, MatrixEntry, Observations, RadialKernel, ScalarField, Term, TermKind, TrialTerm,
};
use wsindy_library::Library;

use crate::powers::{PowerWorkspace, integer_power, power_mean_fields};
use crate::{TrackOptions, TracksError};

/// One track: an id in one experiment over consecutive present frames.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Track {
    /// Experiment.
    pub(crate) experiment: usize,
    /// Frame of the first point.
    pub(crate) start_frame: usize,
    /// Global indices of the track's points (into [`TrackSystem`]'s concatenated positions),
    /// one per frame.
    pub(crate) points: Vec<usize>,
}

/// The time test function φ(t) = (1 − s²)^p, s = (t − t_c)/(mΔt), sampled on its 2m + 1
/// frames, with its exact derivative φ′.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bump {
    pub(crate) value: Vec<f64>,
    pub(crate) derivative: Vec<f64>,
}

impl Bump {
    pub(crate) fn new(half_width: usize, degree: f64, dt: f64) -> Self {
        let m = half_width as f64;
        let (mut value, mut derivative) = (Vec::new(), Vec::new());
        for n in 0..=2 * half_width {
            let s = (n as f64 - m) / m;
            let q = (1.0 - s * s).max(0.0);
            value.push(q.powf(degree));
            derivative.push(-2.0 * degree * s * q.powf(degree - 1.0) / (m * dt));
        }
        Self { value, derivative }
    }
}

/// The drift regression of the tracks, with everything the diffusion rows need.
///
/// Built by [`TrackSystem::build`]: for each track and each time test function φ_k on 2m + 1
/// frames inside it, and each coordinate a, the row
///
/// ```text
/// b = −Σ_n Δt φ_k′(t_n) X^a(t_n)   ≈   Σ_j w_j Σ_n Δt φ_k(t_n) F_j^a(X(t_n)),
/// ```
///
/// with F_j = −∇V_j for a drift term and F_j = −(1/N_t) Σ_l ∇K_j(X − X_l) (over the N_t
/// particles observed in that frame and experiment) for an interaction term, so that the
/// coefficients mean what they mean in the density pipeline: the particles move with
/// −∇K*μ − ∇V. The sums are the trapezoidal rule (φ vanishes at both ends).
#[derive(Debug, Clone)]
pub struct TrackSystem {
    pub(crate) dim: usize,
    pub(crate) dt: f64,
    pub(crate) library_len: usize,
    /// Library indices of the drift-regression columns (drift and interaction terms).
    pub(crate) drift_terms: Vec<usize>,
    /// Library indices of the diffusion columns.
    pub(crate) diffusion_terms: Vec<usize>,
    /// Term names, library order.
    pub(crate) names: Vec<String>,
    /// Length exponents, library order.
    pub(crate) length_exponents: Vec<f64>,
    /// All positions of all experiments, concatenated (point-major).
    pub(crate) positions: Vec<f64>,
    /// Drift features: point × drift column × coordinate.
    pub(crate) features: Vec<f64>,
    /// Diffusion features 2·D_j: point × diffusion column × d².
    pub(crate) diffusion_features: Vec<f64>,
    pub(crate) tracks: Vec<Track>,
    pub(crate) short_tracks: usize,
    pub(crate) bump: Bump,
    pub(crate) half_width: usize,
    pub(crate) stride: usize,
    /// Root-mean-square spread of the positions about their experiment's mean, per axis.
    pub(crate) length_scale: f64,
    /// The drift rows: G (rows × drift columns) and b.
    pub(crate) g: DenseMatrix,
    pub(crate) b: Vec<f64>,
    /// The instruments of the drift rows: the features at each window's first frame.
    pub(crate) z: DenseMatrix,
    pub(crate) windows: usize,
}

/// The diffusion regression: drift-corrected quadratic variation against 2·D_j.
///
/// For each track, test function and pair of coordinates a ≤ b, with
/// R_n = X_{n+1} − X_n − ½(F̂(X_n) + F̂(X_{n+1}))Δt and F̂ the fitted drift,
///
/// ```text
/// Σ_n φ_k(t_n) (R_n^a R_n^b − 2 ŝ_a² δ_ab)   ≈   Σ_j w_j Σ_n Δt φ_k(t_n) 2 D_j^{ab}(X_n),
/// ```
///
/// since E[R Rᵀ] ≈ σσᵀ Δt = 2 (½σσᵀ) Δt + 2 s² I for localization error s per coordinate.
#[derive(Debug, Clone)]
pub struct DiffusionRows {
    /// G: rows × diffusion terms (in [`TrackSystem::diffusion_terms`] order).
    pub g: DenseMatrix,
    /// b.
    pub b: Vec<f64>,
    /// The localization error estimated from the same increments.
    pub localization: Localization,
}

/// Localization (measurement) error per coordinate from the lag-one covariance of the
/// drift-corrected increments: E[R_n R_{n+1}] = −s² (Vestergaard, Blainey & Flyvbjerg 2014,
/// without motion blur).
#[derive(Debug, Clone, PartialEq)]
pub struct Localization {
    /// −mean(R_n^a R_{n+1}^a) per coordinate, unclamped (may be negative by chance).
    pub raw_variance: Vec<f64>,
    /// ŝ² per coordinate, clamped at 0.
    pub variance: Vec<f64>,
    /// Standard error of ŝ² per coordinate, from the spread of the per-track sums (tracks
    /// are treated as independent; the delta method for a ratio of sums).
    pub variance_se: Vec<f64>,
    /// Pairs of consecutive increments used (per coordinate).
    pub pairs: usize,
    /// Whether 2ŝ² was subtracted from the squared increments.
    pub corrected: bool,
}

impl Localization {
    /// ŝ per coordinate.
    pub fn sd(&self) -> Vec<f64> {
        self.variance.iter().map(|v| v.sqrt()).collect()
    }
    /// Standard error of ŝ per coordinate, SE(ŝ²)/(2ŝ) (infinite where ŝ = 0).
    pub fn sd_se(&self) -> Vec<f64> {
        self.variance.iter().zip(&self.variance_se).map(|(v, se)| se / (2.0 * v.sqrt())).collect()
    }
}

/// The power m if term `t` takes the O(N log N) sorted prefix-sum path in dimension `dim`.
fn power_of(t: &dyn TrialTerm, dim: usize) -> Option<u32> {
    if dim != 1 {
        return None;
    }
    match t.description()? {
        Term::Interaction(RadialKernel::Power { power }) => integer_power(power),
        _ => None,
    }
}

/// The power a if term `t` is the 1D monomial x^a of a drift force or a diffusion.
fn monomial_of(t: &dyn TrialTerm, dim: usize) -> Option<i32> {
    if dim != 1 {
        return None;
    }
    match t.description()? {
        Term::AxisForce { axis: 0, field: ScalarField::Monomial(p) }
        | Term::Diffusion { entry: MatrixEntry::Identity, field: ScalarField::Monomial(p) }
            if p.len() == 1 && p[0] <= 64 =>
        {
            Some(p[0] as i32)
        }
        _ => None,
    }
}

/// Evaluates `t` on `x` into `out`, by `powi` for a 1D monomial.
fn evaluate(t: &dyn TrialTerm, x: &[f64], d: usize, out: &mut [f64]) {
    match monomial_of(t, d) {
        Some(a) => out.iter_mut().zip(x).for_each(|(o, &v)| *o = (0..a).fold(1.0, |p, _| p * v)),
        None => t.evaluate(x, d, out),
    }
}

/// How one drift-regression column is evaluated on a frame.
enum Column<'a> {
    Drift(&'a dyn TrialTerm),
    Power(u32),
    Pairs(&'a dyn TrialTerm),
}

/// The O(N²) mean field −(1/n) Σ_l ∇K(x_i − x_l) over the frame, ties and the self term
/// contributing nothing, into `out` (n × d).
pub(crate) fn pair_mean_field(
    term: &dyn TrialTerm,
    x: &[f64],
    d: usize,
    sep: &mut Vec<f64>,
    val: &mut Vec<f64>,
    out: &mut [f64],
) {
    let n = x.len() / d;
    let nf = n as f64;
    for i in 0..n {
        let xi = &x[i * d..(i + 1) * d];
        sep.clear();
        for l in 0..n {
            let xl = &x[l * d..(l + 1) * d];
            if xl != xi {
                sep.extend(xi.iter().zip(xl).map(|(a, b)| a - b));
            }
        }
        val.clear();
        val.resize(sep.len(), 0.0);
        if !sep.is_empty() {
            term.evaluate(sep, d, val);
        }
        for a in 0..d {
            out[i * d + a] = -val.iter().skip(a).step_by(d).sum::<f64>() / nf;
        }
    }
}

impl TrackSystem {
    /// Finds the tracks, evaluates every term once per frame and builds the drift rows.
    ///
    /// # Errors
    /// No ids ([`TracksError::NoIds`]), an id twice in a frame, no track as long as the test
    /// functions' support, invalid options, a term that does not fit the dimension, or a
    /// non-finite feature.
    pub fn build(obs: &Observations, library: &Library, options: &TrackOptions) -> Result<Self, TracksError> {
        options.check()?;
        let d = obs.dim();
        let dt = obs.time_grid().dt();
        if !obs.experiment_list().iter().any(|e| e.has_ids()) {
            return Err(TracksError::NoIds);
        }
        for (index, t) in library.terms().iter().enumerate() {
            t.check_dim(d).map_err(|source| TracksError::InvalidTerm { index, source })?;
        }
        let kinds: Vec<TermKind> = library.terms().iter().map(|t| t.kind()).collect();
        let drift_terms: Vec<usize> = (0..kinds.len()).filter(|&j| kinds[j] != TermKind::Diffusion).collect();
        let diffusion_terms: Vec<usize> =
            (0..kinds.len()).filter(|&j| kinds[j] == TermKind::Diffusion).collect();

        // frames: (experiment, frame, first global point, count)
        let mut frames = Vec::new();
        let mut positions =
            Vec::with_capacity(obs.experiment_list().iter().map(|e| e.positions().len()).sum());
        let mut tracks: Vec<Track> = Vec::new();
        let mut sq = 0.0;
        for (m, e) in obs.experiment_list().iter().enumerate() {
            let mut open: HashMap<u64, usize> = HashMap::new();
            let mut prev_ids: &[Option<u64>] = &[];
            let mut prev_tracks: Vec<Option<usize>> = Vec::new();
            let mean: Vec<f64> = {
                let n = e.observations().max(1) as f64;
                (0..d).map(|a| e.positions().iter().skip(a).step_by(d).sum::<f64>() / n).collect()
            };
            sq += e
                .positions()
                .chunks_exact(d)
                .flat_map(|p| p.iter().zip(&mean).map(|(x, c)| (x - c).powi(2)))
                .sum::<f64>();
            for k in e.first_frame()..e.end_frame() {
                let (Some(x), Some(ids)) = (e.frame(k), e.frame_ids(k)) else {
                    open.clear();
                    prev_ids = &[];
                    continue;
                };
                let first = positions.len() / d;
                positions.extend_from_slice(x);
                frames.push((m, k, first, x.len() / d));
                // the common case: the same ids in the same order as in the previous frame
                if prev_ids == ids && !ids.is_empty() {
                    for (p, &t) in prev_tracks.iter().enumerate() {
                        if let Some(t) = t {
                            tracks[t].points.push(first + p);
                        }
                    }
                    continue;
                }
                let mut next: HashMap<u64, usize> = HashMap::with_capacity(ids.len());
                for (p, id) in ids.iter().enumerate() {
                    let Some(id) = *id else { continue };
                    let track = match open.remove(&id) {
                        Some(t) => t,
                        None => {
                            if next.contains_key(&id) {
                                return Err(TracksError::DuplicateId { experiment: m, frame: k, id });
                            }
                            tracks.push(Track { experiment: m, start_frame: k, points: Vec::new() });
                            tracks.len() - 1
                        }
                    };
                    if next.insert(id, track).is_some() {
                        return Err(TracksError::DuplicateId { experiment: m, frame: k, id });
                    }
                    tracks[track].points.push(first + p);
                }
                prev_tracks = ids.iter().map(|id| id.and_then(|id| next.get(&id).copied())).collect();
                prev_ids = ids;
                open = next;
            }
        }
        let points = positions.len() / d;
        let length_scale = (sq / (points.max(1) * d) as f64).sqrt();
        let needed = 2 * options.half_width + 1;
        let longest = tracks.iter().map(|t| t.points.len()).max().unwrap_or(0);
        let total_tracks = tracks.len();
        tracks.retain(|t| t.points.len() >= needed);
        let short_tracks = total_tracks - tracks.len();
        if tracks.is_empty() {
            return Err(TracksError::TracksTooShort { needed, longest });
        }

        // drift features, one frame at a time
        let terms = library.terms();
        let columns: Vec<Column<'_>> = drift_terms
            .iter()
            .map(|&j| {
                let t = terms[j].as_ref();
                match kinds[j] {
                    TermKind::Drift => Column::Drift(t),
                    _ => power_of(t, d).map_or(Column::Pairs(t), Column::Power),
                }
            })
            .collect();
        let jf = columns.len();
        let (powers, power_columns): (Vec<u32>, Vec<usize>) = columns
            .iter()
            .enumerate()
            .filter_map(|(c, col)| match col {
                Column::Power(m) => Some((*m, c)),
                _ => None,
            })
            .unzip();
        let mut features = vec![0.0; points * jf * d];
        {
            let mut chunks = Vec::with_capacity(frames.len());
            let mut rest: &mut [f64] = &mut features;
            for &(_, _, first, count) in &frames {
                let (head, tail) = rest.split_at_mut(count * jf * d);
                chunks.push((head, &positions[first * d..(first + count) * d]));
                rest = tail;
            }
            chunks.into_par_iter().for_each_init(
                || (PowerWorkspace::default(), Vec::new(), Vec::new(), Vec::new()),
                |(ws, buf, sep, val), (out, x)| {
                    let n = x.len() / d;
                    power_mean_fields(x, &powers, ws, out, jf, &power_columns);
                    buf.clear();
                    buf.resize(n * d, 0.0);
                    for (c, col) in columns.iter().enumerate() {
                        match col {
                            Column::Drift(t) => {
                                evaluate(*t, x, d, buf);
                                for i in 0..n {
                                    for a in 0..d {
                                        out[(i * jf + c) * d + a] = -buf[i * d + a];
                                    }
                                }
                            }
                            Column::Power(_) => {}
                            Column::Pairs(t) => {
                                pair_mean_field(*t, x, d, sep, val, buf);
                                for i in 0..n {
                                    out[(i * jf + c) * d..(i * jf + c + 1) * d]
                                        .copy_from_slice(&buf[i * d..(i + 1) * d]);
                                }
                            }
                        }
                    }
                },
            );
        }
        let dd = d * d;
        let jd = diffusion_terms.len();
        let mut diffusion_features = vec![0.0; points * jd * dd];
        if jd > 0 {
            diffusion_features.par_chunks_mut(4096 * jd * dd).zip(positions.par_chunks(4096 * d)).for_each(
                |(out, x)| {
                    let n = x.len() / d;
                    let mut buf = vec![0.0; n * dd];
                    for (c, &j) in diffusion_terms.iter().enumerate() {
                        evaluate(terms[j].as_ref(), x, d, &mut buf);
                        for i in 0..n {
                            for (o, v) in
                                out[(i * jd + c) * dd..(i * jd + c + 1) * dd].iter_mut().zip(&buf[i * dd..])
                            {
                                *o = 2.0 * v;
                            }
                        }
                    }
                },
            );
        }
        // a non-finite feature is named by its term, experiment and frame
        let frame_of = |point: usize| {
            let f = frames.partition_point(|&(_, _, first, _)| first <= point) - 1;
            (frames[f].0, frames[f].1)
        };
        let names: Vec<String> = terms.iter().map(|t| t.name()).collect();
        if let Some(i) = first_non_finite(&features) {
            let (experiment, frame) = frame_of(i / (jf * d));
            let j = drift_terms[(i / d) % jf];
            return Err(TracksError::NonFiniteFeature {
                kind: kinds[j],
                term: names[j].clone(),
                experiment,
                frame,
                value: features[i],
            });
        }
        if let Some(i) = first_non_finite(&diffusion_features) {
            let (experiment, frame) = frame_of(i / (jd * dd));
            let j = diffusion_terms[(i / dd) % jd];
            return Err(TracksError::NonFiniteFeature {
                kind: kinds[j],
                term: names[j].clone(),
                experiment,
                frame,
                value: diffusion_features[i] / 2.0,
            });
        }

        let bump = Bump::new(options.half_width, options.degree, dt);
        let mut system = Self {
            dim: d,
            dt,
            library_len: terms.len(),
            drift_terms,
            diffusion_terms,
            names,
            length_exponents: terms.iter().map(|t| t.length_exponent()).collect(),
            positions,
            features,
            diffusion_features,
            tracks,
            short_tracks,
            bump,
            half_width: options.half_width,
            stride: options.stride,
            length_scale,
            g: DenseMatrix::zeros(0, 0),
            b: Vec::new(),
            z: DenseMatrix::zeros(0, 0),
            windows: 0,
        };
        system.drift_rows();
        Ok(system)
    }

    /// Start offsets (within a track) of the test functions on a track of `len` frames.
    pub(crate) fn window_starts(&self, len: usize) -> impl Iterator<Item = usize> + use<> {
        let span = 2 * self.half_width;
        let last = len.saturating_sub(span + 1);
        (0..=last).step_by(self.stride).take(if len > span { usize::MAX } else { 0 })
    }

    fn windows_of(&self, len: usize) -> usize {
        self.window_starts(len).count()
    }

    fn drift_rows(&mut self) {
        let d = self.dim;
        let jf = self.drift_terms.len();
        let width = 2 * jf + 1;
        let per_track: Vec<Vec<f64>> = self
            .tracks
            .par_iter()
            .map(|t| {
                let mut rows = Vec::with_capacity(self.windows_of(t.points.len()) * d * width);
                for s in self.window_starts(t.points.len()) {
                    let start = &self.features[t.points[s] * jf * d..(t.points[s] + 1) * jf * d];
                    for a in 0..d {
                        let at = rows.len();
                        rows.resize(at + width, 0.0);
                        let row = &mut rows[at..];
                        // instruments: the features where the window starts, before any of its
                        // increments (φ and φ′ vanish there)
                        for (c, z) in row[jf + 1..].iter_mut().enumerate() {
                            *z = start[c * d + a];
                        }
                        for (n, &p) in t.points[s..=s + 2 * self.half_width].iter().enumerate() {
                            let (phi, dphi) = (self.bump.value[n], self.bump.derivative[n]);
                            row[jf] -= self.dt * dphi * self.positions[p * d + a];
                            if phi != 0.0 {
                                let f = &self.features[p * jf * d..(p + 1) * jf * d];
                                for (c, r) in row[..jf].iter_mut().enumerate() {
                                    *r += self.dt * phi * f[c * d + a];
                                }
                            }
                        }
                    }
                }
                rows
            })
            .collect();
        self.windows = self.tracks.iter().map(|t| self.windows_of(t.points.len())).sum();
        let all = to_matrix(&per_track, width);
        self.g = columns_of(&all, 0..jf);
        self.b = all.col(jf).to_vec();
        self.z = columns_of(&all, jf + 1..width);
    }

    /// The drift rows' G (rows × [`drift_terms`](Self::drift_terms), unscaled).
    pub fn drift_g(&self) -> &DenseMatrix {
        &self.g
    }
    /// The drift rows' instruments Z (rows × drift terms): the features at the first frame of
    /// each row's window, uncorrelated with the row's Brownian and localization noise.
    pub fn drift_instruments(&self) -> &DenseMatrix {
        &self.z
    }
    /// The drift rows' b.
    pub fn drift_b(&self) -> &[f64] {
        &self.b
    }
    /// Library indices of the drift-regression columns (drift and interaction terms), in
    /// column order.
    pub fn drift_terms(&self) -> &[usize] {
        &self.drift_terms
    }
    /// Library indices of the diffusion columns, in column order.
    pub fn diffusion_terms(&self) -> &[usize] {
        &self.diffusion_terms
    }
    /// Tracks at least as long as the test functions' support.
    pub fn tracks_used(&self) -> usize {
        self.tracks.len()
    }
    /// Tracks skipped as shorter than the support (2 half-width + 1 frames).
    pub fn tracks_too_short(&self) -> usize {
        self.short_tracks
    }
    /// Test functions (track windows); the drift system has this many rows per coordinate.
    pub fn test_functions(&self) -> usize {
        self.windows
    }
    /// The data's dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }
    /// Root-mean-square spread of the positions about their experiment's mean, per axis: the
    /// length scale of the column scaling.
    pub fn length_scale(&self) -> f64 {
        self.length_scale
    }

    /// The fitted drift F̂ = Σ_j w_j F_j at every point (point × coordinate), `w` in library
    /// order.
    fn fitted_drift(&self, w: &[f64]) -> Vec<f64> {
        let d = self.dim;
        let jf = self.drift_terms.len();
        let coef: Vec<f64> = self.drift_terms.iter().map(|&j| w[j]).collect();
        if jf == 0 {
            return vec![0.0; self.positions.len()];
        }
        self.features
            .par_chunks(jf * d)
            .flat_map_iter(|f| {
                let coef = &coef;
                (0..d).map(move |a| coef.iter().enumerate().map(|(c, w)| w * f[c * d + a]).sum::<f64>())
            })
            .collect()
    }

    /// The diffusion rows with the drift `w` (library order; entries of diffusion terms are
    /// ignored) removed from the increments, and the localization error estimated from them;
    /// `correct` subtracts 2ŝ² from the squared increments.
    ///
    /// # Errors
    /// If `w` does not have one entry per library term.
    pub fn diffusion_rows(&self, w: &[f64], correct: bool) -> Result<DiffusionRows, TracksError> {
        if w.len() != self.library_len {
            return Err(TracksError::CoefficientCount { expected: self.library_len, got: w.len() });
        }
        let d = self.dim;
        let dt = self.dt;
        let drift = self.fitted_drift(w);
        // drift-corrected increments of every track, computed once
        let increments: Vec<Vec<f64>> = self
            .tracks
            .par_iter()
            .map(|t| {
                t.points
                    .windows(2)
                    .flat_map(|pq| {
                        let (p, q) = (pq[0], pq[1]);
                        let drift = &drift;
                        (0..d).map(move |a| {
                            self.positions[q * d + a]
                                - self.positions[p * d + a]
                                - 0.5 * (drift[p * d + a] + drift[q * d + a]) * dt
                        })
                    })
                    .collect()
            })
            .collect();
        // lag-one products, per track: (sum per coordinate, pairs)
        let lag: Vec<(Vec<f64>, usize)> = increments
            .par_iter()
            .map(|r| {
                let mut sums = vec![0.0; d];
                let pairs = (r.len() / d).saturating_sub(1);
                for n in 0..pairs {
                    for (a, s) in sums.iter_mut().enumerate() {
                        *s += r[n * d + a] * r[(n + 1) * d + a];
                    }
                }
                (sums, pairs)
            })
            .collect();
        let pairs: usize = lag.iter().map(|l| l.1).sum();
        let (mut raw, mut variance, mut variance_se) = (vec![0.0; d], vec![0.0; d], vec![0.0; d]);
        if pairs > 0 {
            let tracks = lag.len() as f64;
            for a in 0..d {
                let est = -lag.iter().map(|l| l.0[a]).sum::<f64>() / pairs as f64;
                raw[a] = est;
                variance[a] = est.max(0.0);
                let spread: f64 = lag.iter().map(|l| (-l.0[a] - est * l.1 as f64).powi(2)).sum();
                variance_se[a] = if tracks > 1.0 {
                    (spread * tracks / (tracks - 1.0)).sqrt() / pairs as f64
                } else {
                    f64::INFINITY
                };
            }
        }
        let localization = Localization {
            raw_variance: raw,
            variance: variance.clone(),
            variance_se,
            pairs,
            corrected: correct,
        };
        let shift: Vec<f64> = if correct { variance.iter().map(|v| 2.0 * v).collect() } else { vec![0.0; d] };

        let jd = self.diffusion_terms.len();
        let dd = d * d;
        let width = jd + 1;
        let m2 = 2 * self.half_width;
        let per_track: Vec<Vec<f64>> = self
            .tracks
            .par_iter()
            .zip(&increments)
            .map(|(t, r)| {
                let mut rows = Vec::with_capacity(self.windows_of(t.points.len()) * d * (d + 1) / 2 * width);
                for s in self.window_starts(t.points.len()) {
                    for a in 0..d {
                        for b in a..d {
                            let at = rows.len();
                            rows.resize(at + width, 0.0);
                            let row = &mut rows[at..];
                            for n in 1..m2 {
                                let phi = self.bump.value[n];
                                let mut q = r[(s + n) * d + a] * r[(s + n) * d + b];
                                if a == b {
                                    q -= shift[a];
                                }
                                row[jd] += phi * q;
                                let p = t.points[s + n];
                                let f = &self.diffusion_features[p * jd * dd..(p + 1) * jd * dd];
                                for (c, g) in row[..jd].iter_mut().enumerate() {
                                    *g += dt * phi * f[c * dd + a * d + b];
                                }
                            }
                        }
                    }
                }
                rows
            })
            .collect();
        let all = to_matrix(&per_track, width);
        Ok(DiffusionRows { g: columns_of(&all, 0..jd), b: all.col(jd).to_vec(), localization })
    }
}

/// The index of the first non-finite value (a parallel scan by blocks, then the block).
fn first_non_finite(values: &[f64]) -> Option<usize> {
    const BLOCK: usize = 1 << 15;
    let block = values.par_chunks(BLOCK).position_first(|c| c.iter().any(|v| !v.is_finite()))?;
    let start = block * BLOCK;
    values[start..].iter().position(|v| !v.is_finite()).map(|i| start + i)
}

/// Row-major blocks of rows of `width` values as one column-major matrix, transposed in tiles
/// of rows that stay in cache.
fn to_matrix(blocks: &[Vec<f64>], width: usize) -> DenseMatrix {
    const TILE: usize = 256;
    let rows: usize = blocks.iter().map(|b| b.len() / width).sum();
    let mut m = DenseMatrix::zeros(rows, width);
    let mut at = 0;
    for block in blocks {
        for tile in block.chunks(TILE * width) {
            let n = tile.len() / width;
            for j in 0..width {
                let col = &mut m.col_mut(j)[at..at + n];
                for (c, row) in col.iter_mut().zip(tile.chunks_exact(width)) {
                    *c = row[j];
                }
            }
            at += n;
        }
    }
    m
}

/// Columns `range` of `m` as a matrix.
fn columns_of(m: &DenseMatrix, range: std::ops::Range<usize>) -> DenseMatrix {
    let mut out = DenseMatrix::zeros(m.rows(), range.len());
    for (k, j) in range.enumerate() {
        out.col_mut(k).copy_from_slice(m.col(j));
    }
    out
}
