//! Ragged particle observations, as trackers write them: per experiment a run of frames on a
//! common time grid t₀ + k·Δt, each frame holding any number of observed positions (or none,
//! or absent altogether), optionally with track ids.
//!
//! [`Observations`] is validated once on construction ([`Observations::new`]); the dense
//! [`Trajectories`] convert to it ([`Observations::from_trajectories`]) and back where the
//! observations are complete ([`Observations::to_trajectories`]). [`TimeGrid`] maps observed
//! times to frame indices and refuses times that are not on one common grid.
//!
//! Vocabulary: a *frame* is an index k on the time grid, time t₀ + k·Δt. An experiment covers
//! the frames `first_frame .. first_frame + frames`; inside that range a frame is either
//! *present* (observed, with zero or more positions) or *absent* (not recorded at all: a
//! dropped frame). Frames outside the range are absent too.
//!
//! ```
//! use wsindy_core::{ObservedExperiment, Observations, TimeGrid};
//! // two experiments in 1-D on the grid t = 0.5 k: the second starts at frame 1 and misses
//! // its frame 2
//! let first = ObservedExperiment::new(0, vec![Some(2), Some(1)], vec![0.0, 1.0, 0.5], vec![Some(7), Some(8), Some(7)]);
//! let second = ObservedExperiment::new(1, vec![Some(1), None, Some(2)], vec![0.2, 0.3, 0.4], Vec::new());
//! let obs = Observations::new(1, TimeGrid::new(0.0, 0.5).unwrap(), vec![first, second]).unwrap();
//! assert_eq!(obs.frame_range(), (0, 4));
//! assert_eq!(obs.experiment(0).distinct_ids(), 2);
//! assert_eq!(obs.experiment(1).frame(2), None); // absent
//! assert_eq!(obs.experiment(1).frame(3), Some(&[0.3, 0.4][..]));
//! assert_eq!(obs.experiment(0).particle_count(), 2); // distinct ids
//! assert!(obs.to_trajectories().is_err()); // not complete
//! ```

use std::collections::HashSet;

use thiserror::Error;

use crate::memory::{self, MemoryError};
use crate::trajectories::{AxisSummary, Trajectories, check_times};

/// Relative tolerance (of Δt) within which a time counts as lying on the grid t₀ + k·Δt.
pub const GRID_TOLERANCE: f64 = 1e-6;

/// Errors of building [`Observations`]; each names the experiment, frame and entry at fault.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum ObservationError {
    /// The space dimension is not 1, 2 or 3.
    #[error("observations must be 1-, 2- or 3-dimensional, got dimension {dim}")]
    Dimension {
        /// The dimension given.
        dim: usize,
    },
    /// There are no experiments.
    #[error("no experiments: at least one experiment with observations is needed")]
    NoExperiments,
    /// An experiment holds no observed position at all.
    #[error("experiment {experiment} has no observations (every frame is empty or absent)")]
    EmptyExperiment {
        /// The experiment.
        experiment: usize,
    },
    /// The per-frame counts, positions and ids of an experiment do not agree in length.
    #[error("experiment {experiment}: {what}: expected {expected} values, got {got}")]
    Length {
        /// The experiment.
        experiment: usize,
        /// Which array.
        what: &'static str,
        /// Values the counts need.
        expected: usize,
        /// Values given.
        got: usize,
    },
    /// An observed position is NaN or ±Inf (NaN marks a missed detection only in dense arrays).
    #[error(
        "experiment {experiment}, frame {frame}: observation {index} (coordinate {coordinate}) is {value}, expected a finite number"
    )]
    NonFinite {
        /// The experiment.
        experiment: usize,
        /// The frame index on the time grid.
        frame: usize,
        /// Index of the observation within the frame.
        index: usize,
        /// The coordinate.
        coordinate: usize,
        /// The value.
        value: f64,
    },
    /// A track id occurs twice in one frame.
    #[error("experiment {experiment}, frame {frame}: track id {id} occurs more than once")]
    DuplicateTrackId {
        /// The experiment.
        experiment: usize,
        /// The frame index on the time grid.
        frame: usize,
        /// The repeated id.
        id: u64,
    },
    /// The time grid is not usable.
    #[error("time grid t0 = {t0}, dt = {dt} is invalid: expected a finite t0 and a finite dt > 0")]
    BadGrid {
        /// Start.
        t0: f64,
        /// Step.
        dt: f64,
    },
    /// A time is not on the common grid t₀ + k·Δt.
    #[error(
        "experiment {experiment}: time {time} is not on the common time grid t0 + k dt with t0 = {t0}, dt = {dt} (nearest k = {nearest}); all experiments must share one frame interval and phase"
    )]
    OffGrid {
        /// The experiment.
        experiment: usize,
        /// The time.
        time: f64,
        /// Grid start.
        t0: f64,
        /// Grid step.
        dt: f64,
        /// The nearest frame index (may be negative).
        nearest: i64,
    },
    /// Times are not finite, increasing and equally spaced.
    #[error("experiment {experiment}: {reason}")]
    BadTimes {
        /// The experiment.
        experiment: usize,
        /// What is wrong.
        reason: String,
    },
    /// The observations are not complete, so they are no dense [`Trajectories`].
    #[error("the observations are not complete: {reason}")]
    Incomplete {
        /// What is missing.
        reason: String,
    },
    /// A buffer would exceed the memory budget.
    #[error(transparent)]
    Memory(#[from] MemoryError),
}

/// The common time grid t_k = t₀ + k·Δt of all experiments.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeGrid {
    t0: f64,
    dt: f64,
}

impl TimeGrid {
    /// The grid t₀ + k·Δt; `dt` must be finite and positive, `t0` finite.
    pub fn new(t0: f64, dt: f64) -> Result<Self, ObservationError> {
        if !(t0.is_finite() && dt.is_finite() && dt > 0.0) {
            return Err(ObservationError::BadGrid { t0, dt });
        }
        Ok(Self { t0, dt })
    }

    /// The grid of equally spaced `times` (at least two, checked as [`Trajectories::new`]
    /// checks them); `experiment` names them in errors.
    pub fn from_times(times: &[f64], experiment: usize) -> Result<Self, ObservationError> {
        if times.len() < 2 {
            return Err(ObservationError::BadTimes {
                experiment,
                reason: format!("{} time(s) given, at least 2 are needed for a time step", times.len()),
            });
        }
        check_times(times).map_err(|e| ObservationError::BadTimes { experiment, reason: e.to_string() })?;
        let dt = (times[times.len() - 1] - times[0]) / (times.len() - 1) as f64;
        Self::new(times[0], dt)
    }

    /// The grid through the distinct observed times of all experiments (`times[m]` those of
    /// experiment m, any order, repeats allowed): t₀ is the earliest time and Δt the smallest
    /// gap between distinct times, unless `dt` is given. Every time must then lie on the grid
    /// within [`GRID_TOLERANCE`]·Δt, else [`ObservationError::OffGrid`] names it.
    pub fn infer(times: &[&[f64]], dt: Option<f64>) -> Result<Self, ObservationError> {
        let mut all: Vec<(f64, usize)> =
            times.iter().enumerate().flat_map(|(m, t)| t.iter().map(move |&v| (v, m))).collect();
        if let Some(&(value, experiment)) = all.iter().find(|(t, _)| !t.is_finite()) {
            return Err(ObservationError::BadTimes {
                experiment,
                reason: format!("time {value} is not finite"),
            });
        }
        all.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        all.dedup_by(|a, b| a.0 == b.0);
        let Some(&(t0, _)) = all.first() else { return Err(ObservationError::NoExperiments) };
        let magnitude = all.iter().fold(0.0f64, |a, t| a.max(t.0.abs()));
        let rounding = 8.0 * f64::EPSILON * magnitude;
        let dt = match dt {
            Some(dt) => dt,
            None => {
                let gap = all
                    .windows(2)
                    .map(|w| w[1].0 - w[0].0)
                    .filter(|g| *g > rounding)
                    .fold(f64::INFINITY, f64::min);
                if gap.is_finite() { gap } else { 1.0 }
            }
        };
        let grid = Self::new(t0, dt)?;
        for &(time, experiment) in &all {
            grid.frame_of(time, experiment)?;
        }
        Ok(grid)
    }

    /// Start time t₀ (of frame 0).
    pub fn t0(&self) -> f64 {
        self.t0
    }
    /// Time step Δt.
    pub fn dt(&self) -> f64 {
        self.dt
    }
    /// Time of frame `k`.
    pub fn time(&self, k: usize) -> f64 {
        self.t0 + k as f64 * self.dt
    }
    /// The frame index of `time`, which must lie on the grid at or after t₀; `experiment`
    /// names it in errors.
    pub fn frame_of(&self, time: f64, experiment: usize) -> Result<usize, ObservationError> {
        let u = (time - self.t0) / self.dt;
        let k = u.round();
        let tolerance = GRID_TOLERANCE + 8.0 * f64::EPSILON * time.abs().max(self.t0.abs()) / self.dt;
        if !(u - k).abs().le(&tolerance) || k < 0.0 || k > (1u64 << 52) as f64 {
            return Err(ObservationError::OffGrid {
                experiment,
                time,
                t0: self.t0,
                dt: self.dt,
                nearest: if k.is_finite() { k as i64 } else { 0 },
            });
        }
        Ok(k as usize)
    }
}

/// The observations of one experiment: frames `first_frame ..` on the common grid, each
/// present with its positions (d per observation) and optional track ids, or absent.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedExperiment {
    first_frame: usize,
    /// Start of each frame's observations (in observations), one more entry than frames.
    starts: Vec<usize>,
    present: Vec<bool>,
    positions: Vec<f64>,
    ids: Vec<Option<u64>>,
}

impl ObservedExperiment {
    /// An experiment starting at frame `first_frame`: `counts[j]` observations at frame
    /// `first_frame + j` (`None`: the frame is absent), their positions concatenated
    /// (observation-major, d per observation) and their track ids (one per observation, `None`
    /// for an untracked one; an empty vector: no ids at all). Checked by [`Observations::new`].
    pub fn new(
        first_frame: usize,
        counts: Vec<Option<usize>>,
        positions: Vec<f64>,
        ids: Vec<Option<u64>>,
    ) -> Self {
        let mut starts = Vec::with_capacity(counts.len() + 1);
        let mut total = 0usize;
        starts.push(0);
        for c in &counts {
            total = total.saturating_add(c.unwrap_or(0));
            starts.push(total);
        }
        let present = counts.iter().map(Option::is_some).collect();
        Self { first_frame, starts, present, positions, ids }
    }

    /// The first frame index.
    pub fn first_frame(&self) -> usize {
        self.first_frame
    }
    /// Number of frames covered (present or absent), from the first frame on.
    pub fn frames(&self) -> usize {
        self.present.len()
    }
    /// One past the last frame index covered.
    pub fn end_frame(&self) -> usize {
        self.first_frame + self.frames()
    }
    /// Whether frame `k` (a grid index) is present.
    pub fn is_present(&self, k: usize) -> bool {
        self.local(k).is_some_and(|j| self.present[j])
    }
    fn local(&self, k: usize) -> Option<usize> {
        k.checked_sub(self.first_frame).filter(|&j| j < self.frames())
    }
    /// The positions observed at frame `k` (count × d), `None` if the frame is absent.
    pub fn frame(&self, k: usize) -> Option<&[f64]> {
        let j = self.local(k).filter(|&j| self.present[j])?;
        let d = self.dim();
        Some(&self.positions[self.starts[j] * d..self.starts[j + 1] * d])
    }
    /// The track ids observed at frame `k` (empty if the experiment has no ids), `None` if the
    /// frame is absent.
    pub fn frame_ids(&self, k: usize) -> Option<&[Option<u64>]> {
        let j = self.local(k).filter(|&j| self.present[j])?;
        if self.ids.is_empty() {
            return Some(&[]);
        }
        Some(&self.ids[self.starts[j]..self.starts[j + 1]])
    }
    /// Number of observations at frame `k` (0 if absent).
    pub fn count(&self, k: usize) -> usize {
        self.local(k).map_or(0, |j| self.starts[j + 1] - self.starts[j])
    }
    /// All positions, frame by frame.
    pub fn positions(&self) -> &[f64] {
        &self.positions
    }
    /// All observations.
    pub fn observations(&self) -> usize {
        self.starts[self.frames()]
    }
    /// Whether the experiment carries track ids.
    pub fn has_ids(&self) -> bool {
        !self.ids.is_empty()
    }
    fn dim(&self) -> usize {
        let n = self.observations();
        self.positions.len().checked_div(n).unwrap_or(1)
    }
    /// Number of distinct track ids.
    pub fn distinct_ids(&self) -> usize {
        self.ids.iter().flatten().collect::<HashSet<_>>().len()
    }
    /// The largest number of observations in one frame.
    pub fn largest_frame(&self) -> usize {
        self.starts.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0)
    }
    /// The most tracks alive at one frame, a track being alive from its first to its last
    /// observation (also at frames where it was missed): the particle count that lost
    /// detections do not lower and broken, renumbered tracks do not raise (their pieces follow
    /// one another in time).
    pub fn concurrent_tracks(&self) -> usize {
        let mut spans: std::collections::HashMap<u64, (usize, usize)> = std::collections::HashMap::new();
        for j in 0..self.frames() {
            if self.ids.is_empty() {
                break;
            }
            for id in self.ids[self.starts[j]..self.starts[j + 1]].iter().flatten() {
                spans.entry(*id).and_modify(|s| s.1 = j).or_insert((j, j));
            }
        }
        concurrent(spans.into_values())
    }
    /// The particle count N_m used by [`Normalisation::PerExperiment`] without a given N: the
    /// most tracks alive at one frame ([`ObservedExperiment::concurrent_tracks`]), or the
    /// largest frame count where that is larger (no ids, or untracked detections).
    pub fn particle_count(&self) -> usize {
        self.concurrent_tracks().max(self.largest_frame())
    }
    /// Present frames among those covered.
    pub fn present_frames(&self) -> usize {
        self.present.iter().filter(|&&p| p).count()
    }
}

/// The largest number of the closed intervals `spans` (first, last) that share a point.
pub fn concurrent(spans: impl IntoIterator<Item = (usize, usize)>) -> usize {
    let mut events: Vec<(usize, i64)> = spans.into_iter().flat_map(|(a, b)| [(a, 1), (b + 1, -1)]).collect();
    // at one frame, ends (−1) before starts: the interval [a, b] ends after b
    events.sort_unstable();
    let (mut alive, mut most) = (0i64, 0i64);
    for (_, step) in events {
        alive += step;
        most = most.max(alive);
    }
    most as usize
}

/// How counts are turned into densities.
///
/// The default is per frame: detections lost at random lower every frame's mass by the lost
/// share, and the weak form is linear in the density but its interaction columns are quadratic,
/// so per-experiment normalisation scales the interaction's coefficients by 1/(1 − p) (docs/
/// ARCHITECTURE.md gives the measurements). Per experiment is right when particles are really
/// gone from where they were lost (out of the field of view) rather than missed at random.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Normalisation {
    /// Divide experiment m's counts by its particle count N_m: `particles` if given, else
    /// [`ObservedExperiment::particle_count`]. A lost detection lowers the mass of its frame
    /// below one, as the particle is missing from the estimate of the density.
    PerExperiment,
    /// As [`Normalisation::PerExperiment`] with N_m = this N for every experiment.
    Particles(usize),
    /// Divide each frame's counts by that frame's count, so every present, non-empty frame has
    /// mass one; a present frame with no observations is treated as absent.
    #[default]
    PerFrame,
}

/// Observed share of one frame of one experiment, see [`Observations::worst_frame`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameShare {
    /// The experiment.
    pub experiment: usize,
    /// The frame index.
    pub frame: usize,
    /// Observations in the frame divided by the experiment's particle count.
    pub share: f64,
}

/// Ragged observations of M experiments on a common time grid, validated once.
#[derive(Debug, Clone, PartialEq)]
pub struct Observations {
    dim: usize,
    grid: TimeGrid,
    experiments: Vec<ObservedExperiment>,
}

impl Observations {
    /// Validated observations in `dim` dimensions on the time grid `grid`.
    ///
    /// Checks, per experiment: that counts, positions and ids agree in length; that every
    /// position is finite ([`ObservationError::NonFinite`] names experiment, frame, observation
    /// and coordinate); that no track id occurs twice in a frame; that the experiment has at
    /// least one observation.
    pub fn new(
        dim: usize,
        grid: TimeGrid,
        experiments: Vec<ObservedExperiment>,
    ) -> Result<Self, ObservationError> {
        if !(1..=3).contains(&dim) {
            return Err(ObservationError::Dimension { dim });
        }
        if experiments.is_empty() {
            return Err(ObservationError::NoExperiments);
        }
        let mut seen = HashSet::new();
        for (m, e) in experiments.iter().enumerate() {
            let n = e.observations();
            let expected = n.saturating_mul(dim);
            if e.positions.len() != expected {
                return Err(ObservationError::Length {
                    experiment: m,
                    what: "positions",
                    expected,
                    got: e.positions.len(),
                });
            }
            if !e.ids.is_empty() && e.ids.len() != n {
                return Err(ObservationError::Length {
                    experiment: m,
                    what: "track ids",
                    expected: n,
                    got: e.ids.len(),
                });
            }
            if n == 0 {
                return Err(ObservationError::EmptyExperiment { experiment: m });
            }
            if e.first_frame.checked_add(e.frames()).is_none_or(|end| end > 1 << 52) {
                return Err(ObservationError::BadGrid { t0: grid.t0, dt: grid.dt });
            }
            if let Some(flat) = e.positions.iter().position(|v| !v.is_finite()) {
                let obs = flat / dim;
                let j = e.starts.partition_point(|&s| s <= obs) - 1;
                return Err(ObservationError::NonFinite {
                    experiment: m,
                    frame: e.first_frame + j,
                    index: obs - e.starts[j],
                    coordinate: flat % dim,
                    value: e.positions[flat],
                });
            }
            if !e.ids.is_empty() {
                for (j, w) in e.starts.windows(2).enumerate() {
                    seen.clear();
                    for id in e.ids[w[0]..w[1]].iter().flatten() {
                        if !seen.insert(*id) {
                            return Err(ObservationError::DuplicateTrackId {
                                experiment: m,
                                frame: e.first_frame + j,
                                id: *id,
                            });
                        }
                    }
                }
            }
        }
        Ok(Self { dim, grid, experiments })
    }

    /// The complete observations of `data`: every frame present with all N particles, no
    /// track ids (particles keep their order). One copy of the positions, checked against the
    /// memory budget first.
    pub fn from_trajectories(data: &Trajectories) -> Result<Self, ObservationError> {
        memory::check(
            memory::bytes_for(data.positions().len(), 8),
            "a copy of the positions as observations",
            "use fewer experiments, times or particles, or raise the budget",
        )?;
        let grid = TimeGrid::new(data.times()[0], data.dt())?;
        let (l, n, d) = (data.time_points(), data.particles(), data.dim());
        let block = l * n * d;
        let experiments = (0..data.experiments())
            .map(|m| ObservedExperiment {
                first_frame: 0,
                starts: (0..=l).map(|k| k * n).collect(),
                present: vec![true; l],
                positions: data.positions()[m * block..(m + 1) * block].to_vec(),
                ids: Vec::new(),
            })
            .collect();
        Self::new(d, grid, experiments)
    }

    /// The dense trajectories these observations are, if complete: every experiment covers the
    /// same frames, all present, each with the same number N of observations; with track ids,
    /// every frame of an experiment lists the same ids in the same order.
    pub fn to_trajectories(&self) -> Result<Trajectories, ObservationError> {
        let incomplete = |reason: String| ObservationError::Incomplete { reason };
        let first = &self.experiments[0];
        let (k0, frames) = (first.first_frame, first.frames());
        let n = first.count(k0);
        for (m, e) in self.experiments.iter().enumerate() {
            if e.first_frame != k0 || e.frames() != frames {
                return Err(incomplete(format!(
                    "experiment {m} covers frames {}..{}, experiment 0 covers {k0}..{}",
                    e.first_frame,
                    e.end_frame(),
                    k0 + frames
                )));
            }
            for k in k0..k0 + frames {
                if !e.is_present(k) {
                    return Err(incomplete(format!("experiment {m} has no frame {k}")));
                }
                if e.count(k) != n {
                    return Err(incomplete(format!(
                        "experiment {m} has {} observations at frame {k}, experiment 0 has {n} at frame {k0}",
                        e.count(k)
                    )));
                }
                if e.has_ids() && e.frame_ids(k) != e.frame_ids(k0) {
                    return Err(incomplete(format!(
                        "experiment {m}: frame {k} holds other track ids than frame {k0}"
                    )));
                }
            }
        }
        let positions: Vec<f64> = self.experiments.iter().flat_map(|e| e.positions.iter().copied()).collect();
        let times = (k0..k0 + frames).map(|k| self.grid.time(k)).collect();
        Trajectories::new(self.experiments.len(), frames, n, self.dim, positions, times)
            .map_err(|e| incomplete(e.to_string()))
    }

    /// The same observations on another time grid (frame k at `grid.time(k)`), e.g. with a
    /// frame interval given by the user.
    pub fn with_time_grid(mut self, grid: TimeGrid) -> Self {
        self.grid = grid;
        self
    }
    /// Space dimension d.
    pub fn dim(&self) -> usize {
        self.dim
    }
    /// The time grid.
    pub fn time_grid(&self) -> TimeGrid {
        self.grid
    }
    /// Number of experiments M.
    pub fn experiments(&self) -> usize {
        self.experiments.len()
    }
    /// Experiment `m`.
    pub fn experiment(&self, m: usize) -> &ObservedExperiment {
        &self.experiments[m]
    }
    /// All experiments.
    pub fn experiment_list(&self) -> &[ObservedExperiment] {
        &self.experiments
    }
    /// The frames covered by any experiment: (first, one past the last).
    pub fn frame_range(&self) -> (usize, usize) {
        let start = self.experiments.iter().map(|e| e.first_frame).min().unwrap_or(0);
        let end = self.experiments.iter().map(|e| e.end_frame()).max().unwrap_or(0);
        (start, end)
    }
    /// All observed positions.
    pub fn observations(&self) -> usize {
        self.experiments.iter().map(ObservedExperiment::observations).sum()
    }
    /// What was observed where, without the positions: the counts of every frame and the
    /// inferred particle count of every experiment.
    pub fn layout(&self) -> crate::ObservationLayout {
        crate::ObservationLayout {
            experiments: self
                .experiments
                .iter()
                .map(|e| crate::ExperimentLayout {
                    first_frame: e.first_frame,
                    counts: (e.first_frame..e.end_frame())
                        .map(|k| e.is_present(k).then(|| e.count(k)))
                        .collect(),
                    particles: e.particle_count(),
                })
                .collect(),
        }
    }
    /// The particle count N_m of every experiment under `normalisation` (for
    /// [`Normalisation::PerFrame`] the inferred one, used as pooling weight).
    pub fn particle_counts(&self, normalisation: Normalisation) -> Vec<usize> {
        self.experiments
            .iter()
            .map(|e| match normalisation {
                Normalisation::Particles(n) => n,
                _ => e.particle_count(),
            })
            .collect()
    }
    /// The observed share of every frame of experiment `m` over the whole
    /// [`frame_range`](Self::frame_range): count / N_m (N_m = [`ObservedExperiment::particle_count`]),
    /// `None` for an absent frame.
    pub fn observed_share(&self, m: usize) -> Vec<Option<f64>> {
        let e = &self.experiments[m];
        let n = e.particle_count().max(1) as f64;
        let (start, end) = self.frame_range();
        (start..end).map(|k| e.is_present(k).then(|| e.count(k) as f64 / n)).collect()
    }
    /// The share of all particle-frames observed in experiment `m`: observations /
    /// (N_m × frames covered).
    pub fn experiment_share(&self, m: usize) -> f64 {
        let e = &self.experiments[m];
        e.observations() as f64 / (e.particle_count().max(1) * e.frames().max(1)) as f64
    }
    /// The present frame with the smallest observed share, over all experiments (ties: the
    /// earliest); absent frames are reported by [`Observations::absent_frames`] instead.
    pub fn worst_frame(&self) -> Option<FrameShare> {
        let mut worst: Option<FrameShare> = None;
        for (m, e) in self.experiments.iter().enumerate() {
            let n = e.particle_count().max(1) as f64;
            for k in e.first_frame..e.end_frame() {
                if !e.is_present(k) {
                    continue;
                }
                let share = e.count(k) as f64 / n;
                if worst.is_none_or(|w| share < w.share) {
                    worst = Some(FrameShare { experiment: m, frame: k, share });
                }
            }
        }
        worst
    }
    /// The (experiment, frame) pairs absent inside each experiment's covered range.
    pub fn absent_frames(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (m, e) in self.experiments.iter().enumerate() {
            out.extend((e.first_frame..e.end_frame()).filter(|&k| !e.is_present(k)).map(|k| (m, k)));
        }
        out
    }
    /// Distinct track ids of every experiment.
    pub fn distinct_ids(&self) -> Vec<usize> {
        self.experiments.iter().map(ObservedExperiment::distinct_ids).collect()
    }
    /// Mean, standard deviation, minimum and maximum of coordinate `axis` over all
    /// observations, in one pass.
    pub fn axis_summary(&self, axis: usize) -> AxisSummary {
        let d = self.dim;
        let shift = self.experiments[0].positions[axis];
        let (mut sum, mut sum_sq, mut count) = (0.0, 0.0, 0usize);
        let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
        for e in &self.experiments {
            for &x in e.positions.iter().skip(axis).step_by(d) {
                let y = x - shift;
                sum += y;
                sum_sq += y * y;
                min = min.min(x);
                max = max.max(x);
                count += 1;
            }
        }
        let n = count.max(1) as f64;
        let mean = sum / n;
        let var = (sum_sq / n - mean * mean).max(0.0);
        AxisSummary { mean: mean + shift, std: var.sqrt(), min, max }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> TimeGrid {
        TimeGrid::new(0.0, 1.0).unwrap()
    }

    #[test]
    fn rejects_non_finite_naming_the_entry() {
        let e = ObservedExperiment::new(
            3,
            vec![Some(1), None, Some(2)],
            vec![0.0, 0.0, 1.0, 2.0, f64::INFINITY, 3.0],
            vec![],
        );
        let err = Observations::new(2, grid(), vec![e]).unwrap_err();
        assert_eq!(
            err,
            ObservationError::NonFinite {
                experiment: 0,
                frame: 5,
                index: 1,
                coordinate: 0,
                value: f64::INFINITY
            }
        );
        assert!(err.to_string().contains("frame 5: observation 1 (coordinate 0) is inf"), "{err}");
        let nan = ObservedExperiment::new(0, vec![Some(1)], vec![f64::NAN], vec![]);
        let ok = ObservedExperiment::new(0, vec![Some(1)], vec![1.0], vec![]);
        let err = Observations::new(1, grid(), vec![ok, nan]).unwrap_err();
        assert!(
            err.to_string().contains("experiment 1, frame 0: observation 0 (coordinate 0) is NaN"),
            "{err}"
        );
    }

    #[test]
    fn rejects_duplicate_ids_and_empty_experiments() {
        let e = ObservedExperiment::new(
            0,
            vec![Some(1), Some(2)],
            vec![0.0, 1.0, 2.0],
            vec![Some(4), Some(9), Some(9)],
        );
        let err = Observations::new(1, grid(), vec![e]).unwrap_err();
        assert_eq!(err, ObservationError::DuplicateTrackId { experiment: 0, frame: 1, id: 9 });
        assert!(err.to_string().contains("track id 9"), "{err}");
        let ok = ObservedExperiment::new(0, vec![Some(1)], vec![1.0], vec![]);
        let empty = ObservedExperiment::new(2, vec![Some(0), None], vec![], vec![]);
        let err = Observations::new(1, grid(), vec![ok, empty]).unwrap_err();
        assert_eq!(err, ObservationError::EmptyExperiment { experiment: 1 });
        assert!(err.to_string().contains("experiment 1 has no observations"));
        let short = ObservedExperiment::new(0, vec![Some(2)], vec![1.0], vec![]);
        assert!(matches!(Observations::new(1, grid(), vec![short]), Err(ObservationError::Length { .. })));
    }

    #[test]
    fn time_grid_refuses_times_off_the_common_grid() {
        let g = TimeGrid::infer(&[&[0.0, 0.5, 1.0], &[1.5, 2.5]], None).unwrap();
        assert_eq!((g.t0(), g.dt()), (0.0, 0.5));
        assert_eq!(g.frame_of(2.5, 1), Ok(5));
        // a second experiment with another phase
        let err = TimeGrid::infer(&[&[0.0, 1.0, 2.0], &[0.3, 1.3]], Some(1.0)).unwrap_err();
        assert!(matches!(err, ObservationError::OffGrid { experiment: 1, time, .. } if time == 0.3), "{err}");
        assert!(err.to_string().contains("time 0.3"), "{err}");
        // another step: 0.7 is no multiple of 0.5 away from 0
        let err = TimeGrid::infer(&[&[0.0, 0.5, 1.0], &[0.0, 0.7]], Some(0.5)).unwrap_err();
        assert!(err.to_string().contains("experiment 1: time 0.7"), "{err}");
        // inferred, the smallest gap (0.2) leaves 0.5 off the grid
        let err = TimeGrid::infer(&[&[0.0, 0.5, 1.0], &[0.0, 0.7]], None).unwrap_err();
        assert!(err.to_string().contains("time 0.5 is not on the common time grid"), "{err}");
        assert!(TimeGrid::new(0.0, 0.0).is_err());
        assert!(
            TimeGrid::from_times(&[0.0, 1.0, 3.0], 2).unwrap_err().to_string().starts_with("experiment 2")
        );
    }

    #[test]
    fn dense_round_trip_and_summaries() {
        let pos: Vec<f64> = (0..2 * 3 * 4).map(|k| k as f64 * 0.1).collect();
        let data = Trajectories::new(2, 3, 4, 1, pos, vec![1.0, 1.5, 2.0]).unwrap();
        let obs = Observations::from_trajectories(&data).unwrap();
        assert_eq!(obs.to_trajectories().unwrap(), data);
        assert_eq!(obs.particle_counts(Normalisation::PerExperiment), vec![4, 4]);
        assert_eq!(obs.experiment_share(1), 1.0);
        assert_eq!(obs.worst_frame().unwrap().share, 1.0);
        assert!(obs.absent_frames().is_empty());
        assert_eq!(obs.axis_summary(0), data.axis_summary(0));
        // ragged: tracks 1, 2, 3 with a lost detection and a missing frame
        let e = ObservedExperiment::new(
            0,
            vec![Some(2), Some(1), None, Some(3)],
            vec![0.0, 1.0, 0.5, 0.1, 0.2, 0.3],
            vec![Some(1), Some(2), Some(1), Some(1), Some(2), Some(3)],
        );
        let obs = Observations::new(1, grid(), vec![e]).unwrap();
        assert_eq!(obs.distinct_ids(), vec![3]);
        assert_eq!(obs.observed_share(0), vec![Some(2.0 / 3.0), Some(1.0 / 3.0), None, Some(1.0)]);
        assert_eq!(obs.worst_frame(), Some(FrameShare { experiment: 0, frame: 1, share: 1.0 / 3.0 }));
        assert_eq!(obs.absent_frames(), vec![(0, 2)]);
        assert!(matches!(obs.to_trajectories(), Err(ObservationError::Incomplete { .. })));
        assert_eq!(obs.particle_counts(Normalisation::Particles(10)), vec![10]);
    }
}
