//! Radial interaction forces ∇K(x) = h(|x|) x/|x| in two dimensions and their mean-field sums.
//!
//! The mean field F_i = (1/N) Σ_j ∇K(X_i − X_j) is an exact O(N²) pair sum. It uses Newton's
//! third law (∇K is odd, so each pair is evaluated once) on fixed square tiles of particles:
//! tile (I, J), I ≤ J, adds the pair forces of blocks I and J into its own buffers, tiles run in
//! parallel, and every particle's total is then summed over its tiles in a fixed order. The
//! result is therefore bit-identical whatever the number of threads and the scheduling.
//!
//! The built-in profiles run a loop monomorphised per profile over plain slices (structure of
//! arrays, fixed-width lanes of independent accumulators) that LLVM vectorises; the self pair and
//! coincident particles are masked out by a branch-free select. [`RadialProfile::Custom`] runs
//! the same tiling with a call per pair.

use std::f64::consts::PI;
use std::fmt;
use std::sync::Arc;

use rayon::prelude::*;

use crate::{ScalarFn, SimError};

/// The cutoff δ of the paper's Keller–Segel kernel, K = (1/2π) log|x| continued linearly inside
/// |x| < δ.
pub const KELLER_SEGEL_DELTA: f64 = 0.01;

/// A radial profile: a potential K(r) of the distance r = |x|, entering the force through its
/// derivative h(r) = K'(r), so that ∇K(x) = h(|x|) x/|x| (and ∇K(0) := 0).
///
/// The cutoff families continue K linearly inside r < δ, i.e. h(r) = K'(max(r, δ)), so the force
/// stays bounded near the origin.
#[derive(Clone)]
pub enum RadialProfile {
    /// K = r^m with real m ≥ 1: h(r) = m r^{m−1} (m = 1 gives h = 1). Integer m ≤ 12 runs a
    /// specialised loop; other m use `powf`.
    Power(f64),
    /// K = r^{1/2} with cutoff δ > 0: h(r) = ½ max(r, δ)^{−1/2}.
    SqrtCutoff {
        /// Cutoff radius δ > 0.
        delta: f64,
    },
    /// K = r (log r − 1) with cutoff δ > 0: h(r) = log max(r, δ).
    LinLogCutoff {
        /// Cutoff radius δ > 0.
        delta: f64,
    },
    /// K = log r with cutoff δ > 0: h(r) = 1 / max(r, δ).
    LogCutoff {
        /// Cutoff radius δ > 0.
        delta: f64,
    },
    /// Any profile, given by its derivative h(r) (never called at r = 0).
    Custom(ScalarFn),
}

impl fmt::Debug for RadialProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Power(m) => f.debug_tuple("Power").field(m).finish(),
            Self::SqrtCutoff { delta } => f.debug_struct("SqrtCutoff").field("delta", delta).finish(),
            Self::LinLogCutoff { delta } => f.debug_struct("LinLogCutoff").field("delta", delta).finish(),
            Self::LogCutoff { delta } => f.debug_struct("LogCutoff").field("delta", delta).finish(),
            Self::Custom(_) => f.write_str("Custom(<fn>)"),
        }
    }
}

impl RadialProfile {
    /// A custom profile from its derivative h(r).
    pub fn custom(h: impl Fn(f64) -> f64 + Send + Sync + 'static) -> Self {
        Self::Custom(Arc::new(h))
    }

    /// The derivative h(r) = K'(r) at a distance r > 0 (cutoffs applied).
    pub fn derivative(&self, r: f64) -> f64 {
        match self {
            &Self::Power(m) => m * r.powf(m - 1.0),
            &Self::SqrtCutoff { delta } => 0.5 / r.max(delta).sqrt(),
            &Self::LinLogCutoff { delta } => r.max(delta).ln(),
            &Self::LogCutoff { delta } => 1.0 / r.max(delta),
            Self::Custom(h) => h(r),
        }
    }

    /// Checks the parameter of term `index`: m finite and ≥ 1, δ finite and > 0.
    fn validate(&self, index: usize) -> Result<(), SimError> {
        match *self {
            Self::Power(m) if !(m.is_finite() && m >= 1.0) => Err(SimError::InvalidEntry {
                what: "radial force power m",
                index,
                value: m,
                expected: "a finite number ≥ 1",
            }),
            Self::SqrtCutoff { delta } | Self::LinLogCutoff { delta } | Self::LogCutoff { delta }
                if !(delta.is_finite() && delta > 0.0) =>
            {
                Err(SimError::InvalidEntry {
                    what: "radial force cutoff δ",
                    index,
                    value: delta,
                    expected: "a finite number > 0",
                })
            }
            _ => Ok(()),
        }
    }
}

/// One term `coefficient` × ∇K_profile of a [`RadialForce`].
#[derive(Debug, Clone)]
pub struct RadialTerm {
    /// The coefficient (finite).
    pub coefficient: f64,
    /// The radial profile.
    pub profile: RadialProfile,
}

/// The interaction force of a 2D particle system with a radial potential,
/// ∇K(x) = h(|x|) x/|x| with h = Σ_k c_k h_k a sum of coefficient × profile terms, and
/// ∇K(0) := 0 (the self term and coincident particles contribute nothing).
///
/// ```
/// use wsindy_sim::{RadialForce, RadialProfile};
/// // K = ½|x|² − |x| (attraction–repulsion): h(r) = r − 1
/// let force = RadialForce::new().plus(0.5, RadialProfile::Power(2.0)).plus(-1.0, RadialProfile::Power(1.0));
/// let g = force.gradient([3.0, 4.0]);
/// assert!((g[0] - 4.0 * 0.6).abs() < 1e-12 && (g[1] - 4.0 * 0.8).abs() < 1e-12);
/// assert_eq!(force.gradient([0.0, 0.0]), [0.0, 0.0]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct RadialForce {
    /// The terms; an empty list is the zero force.
    pub terms: Vec<RadialTerm>,
}

impl RadialForce {
    /// The zero force (no terms); add terms with [`plus`](Self::plus).
    pub fn new() -> Self {
        Self::default()
    }

    /// This force plus the term `coefficient` × ∇K_`profile`.
    pub fn plus(mut self, coefficient: f64, profile: RadialProfile) -> Self {
        self.terms.push(RadialTerm { coefficient, profile });
        self
    }

    /// The single term `coefficient` × ∇K_`profile`.
    pub fn single(coefficient: f64, profile: RadialProfile) -> Self {
        Self::new().plus(coefficient, profile)
    }

    /// The paper's Keller–Segel kernel K = (1/2π) log|x| with cutoff `delta` (the paper uses
    /// [`KELLER_SEGEL_DELTA`] = 0.01): h(r) = 1 / (2π max(r, δ)), an attraction.
    pub fn keller_segel(delta: f64) -> Self {
        Self::single(1.0 / (2.0 * PI), RadialProfile::LogCutoff { delta })
    }

    /// A single custom term with derivative h(r) (coefficient 1).
    pub fn custom(h: impl Fn(f64) -> f64 + Send + Sync + 'static) -> Self {
        Self::single(1.0, RadialProfile::custom(h))
    }

    /// Checks every term: finite coefficients, powers m ≥ 1, cutoffs δ > 0 (all finite); the
    /// error names the term's index and the bad value.
    pub fn validate(&self) -> Result<(), SimError> {
        for (index, term) in self.terms.iter().enumerate() {
            if !term.coefficient.is_finite() {
                return Err(SimError::InvalidEntry {
                    what: "radial force coefficients",
                    index,
                    value: term.coefficient,
                    expected: "a finite coefficient",
                });
            }
            term.profile.validate(index)?;
        }
        Ok(())
    }

    /// h(r) = Σ_k c_k h_k(r) at a distance r > 0.
    pub fn derivative(&self, r: f64) -> f64 {
        self.terms.iter().map(|t| t.coefficient * t.profile.derivative(r)).sum()
    }

    /// ∇K(d) = h(|d|) d/|d| at a separation d, with ∇K(0) = 0.
    pub fn gradient(&self, d: [f64; 2]) -> [f64; 2] {
        let r = d[0].hypot(d[1]);
        if r == 0.0 {
            return [0.0, 0.0];
        }
        let s = self.derivative(r) / r;
        [s * d[0], s * d[1]]
    }

    /// The mean-field force F_i = (1/N) Σ_j ∇K(X_i − X_j) on every particle, for positions given
    /// as separate coordinate slices `x`, `y`; written to `out_x`, `out_y`.
    ///
    /// `workspace` holds the scratch buffers; reuse it across calls to avoid allocation.
    ///
    /// # Errors
    /// If the four slices differ in length, a position is not finite, the force is invalid (see
    /// [`validate`](Self::validate)) or a force value is not finite.
    pub fn mean_field(
        &self,
        x: &[f64],
        y: &[f64],
        workspace: &mut PlanarForceWorkspace,
        out_x: &mut [f64],
        out_y: &mut [f64],
    ) -> Result<(), SimError> {
        let n = x.len();
        for (what, got) in
            [("y coordinates", y.len()), ("force output x", out_x.len()), ("force output y", out_y.len())]
        {
            if got != n {
                return Err(SimError::LengthMismatch { what, expected: n, got });
            }
        }
        self.validate()?;
        for coordinate in [x, y] {
            if let Some(index) = coordinate.iter().position(|v| !v.is_finite()) {
                return Err(SimError::NonFinitePosition { index, value: coordinate[index] });
            }
        }
        self.mean_field_unchecked(x, y, workspace, out_x, out_y);
        for coordinate in [&*out_x, &*out_y] {
            if let Some(index) = coordinate.iter().position(|v| !v.is_finite()) {
                return Err(SimError::NonFiniteForce { index, value: coordinate[index] });
            }
        }
        Ok(())
    }

    /// [`mean_field`](Self::mean_field) without the checks: matching lengths, finite positions
    /// and a validated force are the caller's business.
    pub(crate) fn mean_field_unchecked(
        &self,
        x: &[f64],
        y: &[f64],
        workspace: &mut PlanarForceWorkspace,
        out_x: &mut [f64],
        out_y: &mut [f64],
    ) {
        let n = x.len();
        if self.terms.is_empty() {
            out_x.fill(0.0);
            out_y.fill(0.0);
            return;
        }
        if n == 0 {
            return;
        }
        workspace.prepare(n);
        let PlanarForceWorkspace { tile, blocks, tiles, buffer, .. } = workspace;
        let (tile, blocks) = (*tile, *blocks);
        let terms = &self.terms;
        buffer.par_chunks_mut(TILE_VALUES * tile).zip(tiles.par_iter()).for_each(|(buf, &(a, b))| {
            let rows = a * tile..((a + 1) * tile).min(n);
            let cols = b * tile..((b + 1) * tile).min(n);
            let (row, rest) = buf.split_at_mut(2 * tile);
            let (col, scratch) = rest.split_at_mut(2 * tile);
            let (row_x, row_y) = row.split_at_mut(tile);
            let (col_x, col_y) = col.split_at_mut(tile);
            let (scratch_x, scratch_y) = scratch.split_at_mut(tile);
            let mut job = TileJob {
                xa: &x[rows.clone()],
                ya: &y[rows.clone()],
                xb: &x[cols.clone()],
                yb: &y[cols.clone()],
                diagonal: a == b,
                row_x: &mut row_x[..rows.len()],
                row_y: &mut row_y[..rows.len()],
                col_x: &mut col_x[..cols.len()],
                col_y: &mut col_y[..cols.len()],
                scratch_x: &mut scratch_x[..cols.len()],
                scratch_y: &mut scratch_y[..cols.len()],
            };
            for v in [&mut *job.row_x, &mut *job.row_y, &mut *job.col_x, &mut *job.col_y] {
                v.fill(0.0);
            }
            for term in terms {
                tile_term(term, &mut job);
            }
        });
        let buffer = &*buffer;
        let scale = 1.0 / n as f64;
        out_x.par_chunks_mut(tile).zip(out_y.par_chunks_mut(tile)).enumerate().for_each(|(k, (ox, oy))| {
            ox.fill(0.0);
            oy.fill(0.0);
            let len = ox.len();
            // fixed order: column parts of tiles (0, k) … (k, k), then row parts of (k, k) … (k, B−1)
            let parts = (0..=k)
                .map(|a| tile_index(a, k, blocks) * TILE_VALUES * tile + 2 * tile)
                .chain((k..blocks).map(|b| tile_index(k, b, blocks) * TILE_VALUES * tile));
            for start in parts {
                let (px, py) = (&buffer[start..start + len], &buffer[start + tile..start + tile + len]);
                for (o, p) in ox.iter_mut().zip(px) {
                    *o += p;
                }
                for (o, p) in oy.iter_mut().zip(py) {
                    *o += p;
                }
            }
            for o in ox.iter_mut().chain(oy.iter_mut()) {
                *o *= scale;
            }
        });
    }
}

/// Smallest tile side (particles per block of the pair sum).
const MIN_TILE: usize = 256;
/// Largest number of blocks per axis: larger systems get larger tiles, so that the tile buffers
/// stay O(N) in memory.
const MAX_BLOCKS: usize = 32;
/// Independent accumulators per particle when summing its pair forces (fixed, so the summation
/// order does not depend on anything but the data layout).
const LANES: usize = 4;
/// Values stored per tile and tile side: row sums x, y, column sums x, y, pair-force scratch x, y.
const TILE_VALUES: usize = 6;

/// Index of tile (a, b), a ≤ b, in the row-major list of the upper triangle of `blocks` blocks:
/// rows a' < a hold Σ_{a'<a} (B − a') = aB − a(a−1)/2 tiles.
fn tile_index(a: usize, b: usize, blocks: usize) -> usize {
    a * blocks - a * a.saturating_sub(1) / 2 + (b - a)
}

/// Reusable scratch buffers of [`RadialForce::mean_field`] (the tile list and the per-tile
/// partial sums, O(N) values).
#[derive(Debug, Clone, Default)]
pub struct PlanarForceWorkspace {
    /// Number of particles the buffers are laid out for.
    n: usize,
    /// Particles per block.
    tile: usize,
    /// Number of blocks.
    blocks: usize,
    /// The tiles (a, b), a ≤ b, in row-major order.
    tiles: Vec<(usize, usize)>,
    /// Per tile: row sums x, y (tile values each), column sums x, y and scratch x, y.
    buffer: Vec<f64>,
}

impl PlanarForceWorkspace {
    /// An empty workspace; buffers grow on first use.
    pub fn new() -> Self {
        Self::default()
    }

    /// Lays the buffers out for `n` particles (allocates only when `n` changes).
    fn prepare(&mut self, n: usize) {
        if self.n == n && !self.tiles.is_empty() {
            return;
        }
        let tile = MIN_TILE.max(n.div_ceil(MAX_BLOCKS).next_multiple_of(LANES));
        let blocks = n.div_ceil(tile);
        self.tiles.clear();
        for a in 0..blocks {
            for b in a..blocks {
                self.tiles.push((a, b));
            }
        }
        self.buffer = vec![0.0; self.tiles.len() * TILE_VALUES * tile];
        (self.n, self.tile, self.blocks) = (n, tile, blocks);
    }
}

/// The slices one tile works on: particles `a` (rows) against particles `b` (columns).
struct TileJob<'a> {
    xa: &'a [f64],
    ya: &'a [f64],
    xb: &'a [f64],
    yb: &'a [f64],
    /// Rows and columns are the same block: only pairs j > i are visited.
    diagonal: bool,
    row_x: &'a mut [f64],
    row_y: &'a mut [f64],
    col_x: &'a mut [f64],
    col_y: &'a mut [f64],
    /// The pair forces of the current row particle with the column particles.
    scratch_x: &'a mut [f64],
    scratch_y: &'a mut [f64],
}

/// The scalar c·h(r)/r of one term as a function of r², so that the force is (c·h(r)/r)·d.
trait PairKernel: Sync {
    /// Whether [`far`](Self::far) is a cheaper formula, equal to [`coef`](Self::coef) (bit for
    /// bit) for r² ≥ [`far_threshold`](Self::far_threshold) > 0.
    const HAS_FAR: bool = false;
    /// See [`HAS_FAR`](Self::HAS_FAR).
    fn far_threshold(&self) -> f64 {
        f64::INFINITY
    }
    /// See [`HAS_FAR`](Self::HAS_FAR).
    #[inline(always)]
    fn far(&self, r2: f64) -> f64 {
        self.coef(r2)
    }
    /// c·h(r)/r for r² > 0; any value (even NaN or ∞) at r² = 0, where it is masked out.
    fn coef(&self, r2: f64) -> f64;
}

/// c·m·r^E for K = r^m, E = m − 2 ∈ {−1, 0, …}.
struct PowI<const E: i32> {
    /// c·m.
    cm: f64,
}

impl<const E: i32> PairKernel for PowI<E> {
    #[inline(always)]
    fn coef(&self, r2: f64) -> f64 {
        if E == -1 {
            return self.cm / r2.sqrt();
        }
        let mut p = self.cm;
        for _ in 0..E / 2 {
            p *= r2;
        }
        if E % 2 == 1 { p * r2.sqrt() } else { p }
    }
}

/// c·m·r^{m−2} for non-integer or large m.
struct PowF {
    cm: f64,
    half_exponent: f64,
}

impl PairKernel for PowF {
    #[inline(always)]
    fn coef(&self, r2: f64) -> f64 {
        self.cm * r2.powf(self.half_exponent)
    }
}

/// c / (max(r, δ) r): c/r² outside the cutoff, no square root needed there.
struct LogCut {
    c: f64,
    delta: f64,
    delta2: f64,
}

impl PairKernel for LogCut {
    const HAS_FAR: bool = true;
    #[inline(always)]
    fn far_threshold(&self) -> f64 {
        // positive even if δ² underflows, so that coincident particles never take the far path
        self.delta2.max(f64::MIN_POSITIVE)
    }
    #[inline(always)]
    fn far(&self, r2: f64) -> f64 {
        self.c / r2
    }
    #[inline(always)]
    fn coef(&self, r2: f64) -> f64 {
        let denominator = if r2 >= self.delta2 { r2 } else { self.delta * r2.sqrt() };
        self.c / denominator
    }
}

/// ½c / (√max(r, δ) r).
struct SqrtCut {
    half_c: f64,
    delta: f64,
}

impl PairKernel for SqrtCut {
    #[inline(always)]
    fn coef(&self, r2: f64) -> f64 {
        let r = r2.sqrt();
        self.half_c / (r.max(self.delta).sqrt() * r)
    }
}

/// c log max(r, δ) / r.
struct LinLogCut {
    c: f64,
    delta: f64,
}

impl PairKernel for LinLogCut {
    #[inline(always)]
    fn coef(&self, r2: f64) -> f64 {
        let r = r2.sqrt();
        self.c * r.max(self.delta).ln() / r
    }
}

/// c h(r)/r for a user closure h, never called at r = 0.
struct CustomKernel<'f> {
    c: f64,
    h: &'f (dyn Fn(f64) -> f64 + Send + Sync),
}

impl PairKernel for CustomKernel<'_> {
    #[inline(always)]
    fn coef(&self, r2: f64) -> f64 {
        if r2 > 0.0 {
            let r = r2.sqrt();
            self.c * (self.h)(r) / r
        } else {
            0.0
        }
    }
}

/// Largest integer power m run by the specialised [`PowI`] loop.
const MAX_INT_POWER: u32 = 12;

/// Adds term `term`'s pair forces to the tile's sums, dispatching once to a loop monomorphised
/// for the profile.
fn tile_term(term: &RadialTerm, job: &mut TileJob<'_>) {
    let c = term.coefficient;
    match &term.profile {
        &RadialProfile::LogCutoff { delta } => run(&LogCut { c, delta, delta2: delta * delta }, job),
        &RadialProfile::SqrtCutoff { delta } => run(&SqrtCut { half_c: 0.5 * c, delta }, job),
        &RadialProfile::LinLogCutoff { delta } => run(&LinLogCut { c, delta }, job),
        RadialProfile::Custom(h) => run(&CustomKernel { c, h: h.as_ref() }, job),
        &RadialProfile::Power(m) => {
            let cm = c * m;
            let integer = m.fract() == 0.0 && m <= f64::from(MAX_INT_POWER);
            match if integer { m as u32 } else { 0 } {
                1 => run(&PowI::<-1> { cm }, job),
                2 => run(&PowI::<0> { cm }, job),
                3 => run(&PowI::<1> { cm }, job),
                4 => run(&PowI::<2> { cm }, job),
                5 => run(&PowI::<3> { cm }, job),
                6 => run(&PowI::<4> { cm }, job),
                7 => run(&PowI::<5> { cm }, job),
                8 => run(&PowI::<6> { cm }, job),
                9 => run(&PowI::<7> { cm }, job),
                10 => run(&PowI::<8> { cm }, job),
                11 => run(&PowI::<9> { cm }, job),
                12 => run(&PowI::<10> { cm }, job),
                _ => run(&PowF { cm, half_exponent: 0.5 * (m - 2.0) }, job),
            }
        }
    }
}

/// The tile loop for one kernel: for every row particle, the pair forces with the column
/// particles (all of them, or those after it on a diagonal tile) are added to its row sum and
/// subtracted from the column particles' sums.
fn run<K: PairKernel>(kernel: &K, job: &mut TileJob<'_>) {
    for i in 0..job.xa.len() {
        let start = if job.diagonal { i + 1 } else { 0 };
        let (px, py) = (job.xa[i], job.ya[i]);
        let (xs, ys) = (&job.xb[start..], &job.yb[start..]);
        let (fx, fy) = (&mut job.scratch_x[start..], &mut job.scratch_y[start..]);
        let (cx, cy) = (&mut job.col_x[start..], &mut job.col_y[start..]);
        pair_forces(kernel, px, py, xs, ys, fx, fy, cx, cy);
        job.row_x[i] += lane_sum(fx);
        job.row_y[i] += lane_sum(fy);
    }
}

/// The pair forces f_j = coef(|d_j|²) d_j, d_j = p − q_j (f_j = 0 at d_j = 0), of the particle p
/// with the column particles q_j, written to `fx`, `fy` and subtracted from the column sums.
///
/// Written as plain loops over slices without reductions (except a boolean "or") so that LLVM
/// vectorises them. Kernels with a cheap far formula run it for every pair (near pairs get 0),
/// then the (rare) near pairs are redone one by one with the full formula; since the first pass
/// left exactly 0 for them, the result is as if every pair had taken its own formula.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn pair_forces<K: PairKernel>(
    kernel: &K,
    px: f64,
    py: f64,
    xs: &[f64],
    ys: &[f64],
    fx: &mut [f64],
    fy: &mut [f64],
    cx: &mut [f64],
    cy: &mut [f64],
) {
    let n = xs.len();
    let (ys, fx, fy, cx, cy) = (&ys[..n], &mut fx[..n], &mut fy[..n], &mut cx[..n], &mut cy[..n]);
    if K::HAS_FAR {
        let threshold = kernel.far_threshold();
        let mut near = false;
        for j in 0..n {
            let (dx, dy) = (px - xs[j], py - ys[j]);
            let r2 = dx * dx + dy * dy;
            let far = r2 >= threshold;
            near |= !far;
            let c = kernel.far(r2);
            let s = if far { c } else { 0.0 };
            fx[j] = s * dx;
            fy[j] = s * dy;
            cx[j] -= fx[j];
            cy[j] -= fy[j];
        }
        if near {
            for j in 0..n {
                let (dx, dy) = (px - xs[j], py - ys[j]);
                let r2 = dx * dx + dy * dy;
                if r2 < threshold {
                    let s = if r2 > 0.0 { kernel.coef(r2) } else { 0.0 };
                    fx[j] = s * dx;
                    fy[j] = s * dy;
                    cx[j] -= fx[j];
                    cy[j] -= fy[j];
                }
            }
        }
    } else {
        for j in 0..n {
            let (dx, dy) = (px - xs[j], py - ys[j]);
            let r2 = dx * dx + dy * dy;
            let c = kernel.coef(r2);
            let s = if r2 > 0.0 { c } else { 0.0 };
            fx[j] = s * dx;
            fy[j] = s * dy;
            cx[j] -= fx[j];
            cy[j] -= fy[j];
        }
    }
}

/// Σ_j v_j in a fixed order: [`LANES`] interleaved partial sums (lane k takes j ≡ k mod LANES),
/// then those summed pairwise.
#[inline(always)]
fn lane_sum(v: &[f64]) -> f64 {
    let (chunks, tail) = v.as_chunks::<LANES>();
    let mut a = [0.0; LANES];
    for chunk in chunks {
        for k in 0..LANES {
            a[k] += chunk[k];
        }
    }
    for (k, t) in tail.iter().enumerate() {
        a[k] += t;
    }
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for k in 0..width {
            a[k] += a[k + width];
        }
    }
    a[0]
}
