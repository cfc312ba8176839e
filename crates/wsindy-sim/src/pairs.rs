//! The exact O(N²) mean field in any dimension, F_i = (1/N) Σ_j ∇K(X_i − X_j).
//!
//! It uses Newton's third law (∇K is odd, so each pair is evaluated once) on fixed square tiles
//! of particles: tile (I, J), I ≤ J, adds the pair forces of blocks I and J into its own buffers,
//! tiles run in parallel, and every particle's total is then summed over its tiles in a fixed
//! order. The result is therefore bit-identical whatever the number of threads and the
//! scheduling.
//!
//! The radial kernels run a loop monomorphised per kernel and per dimension over plain slices,
//! one per coordinate (structure of arrays, no reductions inside the loop), which LLVM
//! vectorises; the self pair and coincident particles are masked out by a branch-free select.
//! User closures run the same tiling with a call per pair.

use rayon::prelude::*;
use wsindy_core::RadialKernel;

use crate::model::Interaction;

/// Smallest tile side (particles per block of the pair sum).
const MIN_TILE: usize = 256;
/// Largest number of blocks per axis: larger systems get larger tiles, so that the tile buffers
/// stay O(N) in memory.
const MAX_BLOCKS: usize = 32;
/// Independent accumulators per particle when summing its pair forces (fixed, so the summation
/// order does not depend on anything but the data layout).
const LANES: usize = 4;

/// Index of tile (a, b), a ≤ b, in the row-major list of the upper triangle of `blocks` blocks:
/// rows a' < a hold Σ_{a'<a} (B − a') = aB − a(a−1)/2 tiles.
fn tile_index(a: usize, b: usize, blocks: usize) -> usize {
    a * blocks - a * a.saturating_sub(1) / 2 + (b - a)
}

/// The tile layout and per-tile partial sums (O(N) values), kept between steps.
#[derive(Debug, Clone, Default)]
pub(crate) struct PairWorkspace {
    /// Number of particles the buffers are laid out for.
    n: usize,
    /// Particles per block.
    tile: usize,
    /// Number of blocks.
    blocks: usize,
    /// The tiles (a, b), a ≤ b, in row-major order.
    tiles: Vec<(usize, usize)>,
    /// Per tile, `3D` runs of `tile` values: row sums, column sums and pair-force scratch, each
    /// one run per coordinate.
    buffer: Vec<f64>,
}

impl PairWorkspace {
    /// Lays the buffers out for `n` particles in `dim` dimensions (allocates only when `n`
    /// changes: a workspace serves one dimension).
    fn prepare(&mut self, n: usize, dim: usize) {
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
        self.buffer = vec![0.0; self.tiles.len() * 3 * dim * tile];
        (self.n, self.tile, self.blocks) = (n, tile, blocks);
    }
}

/// `D` disjoint runs of `len` values from consecutive runs of `stride` values of `buf`.
fn split_runs<const D: usize>(buf: &mut [f64], stride: usize, len: usize) -> [&mut [f64]; D] {
    let mut runs = buf.chunks_exact_mut(stride);
    std::array::from_fn(|_| &mut runs.next().expect("D runs in the tile buffer")[..len])
}

/// The slices one tile works on: particles `a` (rows) against particles `b` (columns).
struct TileJob<'a, const D: usize> {
    rows: [&'a [f64]; D],
    cols: [&'a [f64]; D],
    /// Rows and columns are the same block: only pairs j > i are visited.
    diagonal: bool,
    row_sum: [&'a mut [f64]; D],
    col_sum: [&'a mut [f64]; D],
    /// The pair forces of the current row particle with the column particles.
    scratch: [&'a mut [f64]; D],
}

/// The mean field of `interaction` (any kernels and closures) for positions given as one slice
/// per coordinate, written to `out` (one slice per coordinate). Lengths must match and positions
/// be finite; a non-finite force shows up as such in `out`.
pub(crate) fn mean_field<const D: usize>(
    interaction: &Interaction<D>,
    x: [&[f64]; D],
    workspace: &mut PairWorkspace,
    out: [&mut [f64]; D],
) {
    let n = x[0].len();
    if n == 0 {
        return;
    }
    workspace.prepare(n, D);
    let PairWorkspace { tile, blocks, tiles, buffer, .. } = workspace;
    let (tile, blocks) = (*tile, *blocks);
    buffer.par_chunks_mut(3 * D * tile).zip(tiles.par_iter()).for_each(|(buf, &(a, b))| {
        let rows = a * tile..((a + 1) * tile).min(n);
        let cols = b * tile..((b + 1) * tile).min(n);
        let (row_buf, rest) = buf.split_at_mut(D * tile);
        let (col_buf, scratch_buf) = rest.split_at_mut(D * tile);
        let mut job = TileJob {
            rows: x.map(|c| &c[rows.clone()]),
            cols: x.map(|c| &c[cols.clone()]),
            diagonal: a == b,
            row_sum: split_runs(row_buf, tile, rows.len()),
            col_sum: split_runs(col_buf, tile, cols.len()),
            scratch: split_runs(scratch_buf, tile, cols.len()),
        };
        for v in job.row_sum.iter_mut().chain(job.col_sum.iter_mut()) {
            v.fill(0.0);
        }
        let (fused, rest) = split_linear_quadratic(&interaction.terms);
        if let Some(kernel) = fused {
            run(&kernel, &mut job);
        }
        for (c, kernel) in rest {
            tile_kernel(c, kernel, &mut job);
        }
        if let Some(h) = &interaction.profile {
            run(&CustomProfile { h: h.as_ref() }, &mut job);
        }
        if let Some(f) = &interaction.pair_force {
            run(&CustomPair { f: f.as_ref() }, &mut job);
        }
    });
    let buffer = &*buffer;
    let scale = 1.0 / n as f64;
    // one [&mut [f64]; D] per block, so blocks can be reduced in parallel
    let mut chunks = out.map(|o| o.chunks_mut(tile));
    let per_block: Vec<[&mut [f64]; D]> = (0..blocks)
        .map(|_| chunks.each_mut().map(|c| c.next().expect("one output chunk per block")))
        .collect();
    per_block.into_par_iter().enumerate().for_each(|(k, mut o)| {
        let len = o[0].len();
        for v in o.iter_mut() {
            v.fill(0.0);
        }
        // fixed order: column parts of tiles (0, k) … (k, k), then row parts of (k, k) … (k, B−1)
        let parts = (0..=k)
            .map(|a| tile_index(a, k, blocks) * 3 * D * tile + D * tile)
            .chain((k..blocks).map(|b| tile_index(k, b, blocks) * 3 * D * tile));
        for start in parts {
            for (axis, v) in o.iter_mut().enumerate() {
                let part = &buffer[start + axis * tile..start + axis * tile + len];
                for (o, p) in v.iter_mut().zip(part) {
                    *o += p;
                }
            }
        }
        for v in o.iter_mut() {
            for o in v.iter_mut() {
                *o *= scale;
            }
        }
    });
}

/// The pair force of one term (or closure) at a separation d with |d|² = r2.
trait PairKernel<const D: usize>: Sync {
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
    /// c·h(r)/r for r² > 0, so that the force is (c·h(r)/r)·d; any value (even NaN or ∞) at
    /// r² = 0, where it is masked out.
    fn coef(&self, r2: f64) -> f64;
    /// The force at d (0 at r² = 0): radial by default.
    #[inline(always)]
    fn force(&self, d: [f64; D], r2: f64) -> [f64; D] {
        let c = self.coef(r2);
        let s = if r2 > 0.0 { c } else { 0.0 };
        d.map(|v| s * v)
    }
}

/// c·m·r^E for K = r^m, E = m − 2 ∈ {−1, 0, …}.
struct PowI<const E: i32> {
    /// c·m.
    cm: f64,
}

impl<const E: i32, const D: usize> PairKernel<D> for PowI<E> {
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

impl<const D: usize> PairKernel<D> for PowF {
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

impl<const D: usize> PairKernel<D> for LogCut {
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

impl<const D: usize> PairKernel<D> for SqrtCut {
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

impl<const D: usize> PairKernel<D> for LinLogCut {
    #[inline(always)]
    fn coef(&self, r2: f64) -> f64 {
        let r = r2.sqrt();
        self.c * r.max(self.delta).ln() / r
    }
}

/// −c e^{−r/l} / (l r).
struct Exp {
    /// −c/l.
    minus_c_over_l: f64,
    /// 1/l.
    inverse_length: f64,
}

impl<const D: usize> PairKernel<D> for Exp {
    #[inline(always)]
    fn coef(&self, r2: f64) -> f64 {
        let r = r2.sqrt();
        self.minus_c_over_l * (-r * self.inverse_length).exp() / r
    }
}

/// h(r)/r for a user profile h, never called at r = 0.
struct CustomProfile<'f> {
    h: &'f (dyn Fn(f64) -> f64 + Send + Sync),
}

impl<const D: usize> PairKernel<D> for CustomProfile<'_> {
    #[inline(always)]
    fn coef(&self, r2: f64) -> f64 {
        if r2 > 0.0 {
            let r = r2.sqrt();
            (self.h)(r) / r
        } else {
            0.0
        }
    }
}

/// A user pair force f(d), never called at d = 0.
struct CustomPair<'f, const D: usize> {
    f: &'f PairFnRef<D>,
}

/// The closure behind a [`PairFn`](crate::PairFn).
type PairFnRef<const D: usize> =
    dyn Fn(&nalgebra::SVector<f64, D>) -> nalgebra::SVector<f64, D> + Send + Sync;

impl<const D: usize> PairKernel<D> for CustomPair<'_, D> {
    fn coef(&self, _: f64) -> f64 {
        unreachable!("a pair-force closure is not radial; force() does not call coef()")
    }
    #[inline(always)]
    fn force(&self, d: [f64; D], r2: f64) -> [f64; D] {
        if r2 > 0.0 { (self.f)(&d.into()).into() } else { [0.0; D] }
    }
}

/// a + b/r: c₂|x|² + c₁|x| (the paper's K = ½|x|² − |x|) in one pass over the pairs instead of
/// two, a = 2c₂, b = c₁; the second pass of a cheap kernel costs about as much memory traffic as
/// the first.
struct LinearQuadratic {
    a: f64,
    b: f64,
}

impl<const D: usize> PairKernel<D> for LinearQuadratic {
    #[inline(always)]
    fn coef(&self, r2: f64) -> f64 {
        self.a + self.b / r2.sqrt()
    }
}

/// The |x|^2 and |x|^1 terms fused into one [`LinearQuadratic`] kernel when both are present,
/// and the other terms.
fn split_linear_quadratic(
    terms: &[(f64, RadialKernel)],
) -> (Option<LinearQuadratic>, impl Iterator<Item = (f64, RadialKernel)> + '_) {
    let is = |m: f64| move |&(_, k): &(f64, RadialKernel)| k == RadialKernel::Power { power: m };
    let fuse = terms.iter().any(is(1.0)) && terms.iter().any(is(2.0));
    let sum = |m: f64| terms.iter().filter(|t| is(m)(t)).map(|t| t.0).sum::<f64>();
    let fused = fuse.then(|| LinearQuadratic { a: 2.0 * sum(2.0), b: sum(1.0) });
    let rest = terms.iter().copied().filter(move |t| !(fuse && (is(1.0)(t) || is(2.0)(t))));
    (fused, rest)
}

/// Largest integer power m run by the specialised [`PowI`] loop.
const MAX_INT_POWER: u32 = 12;

/// Adds term c·∇K_kernel's pair forces to the tile's sums, dispatching once to a loop
/// monomorphised for the kernel.
fn tile_kernel<const D: usize>(c: f64, kernel: RadialKernel, job: &mut TileJob<'_, D>) {
    match kernel {
        RadialKernel::Log { delta } => run(&LogCut { c, delta, delta2: delta * delta }, job),
        RadialKernel::Sqrt { delta } => run(&SqrtCut { half_c: 0.5 * c, delta }, job),
        RadialKernel::LinearLog { delta } => run(&LinLogCut { c, delta }, job),
        RadialKernel::Exponential { length } => {
            run(&Exp { minus_c_over_l: -c / length, inverse_length: 1.0 / length }, job)
        }
        RadialKernel::Power { power: m } => {
            let cm = c * m;
            let integer = m.fract() == 0.0 && (1.0..=f64::from(MAX_INT_POWER)).contains(&m);
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
fn run<K: PairKernel<D>, const D: usize>(kernel: &K, job: &mut TileJob<'_, D>) {
    for i in 0..job.rows[0].len() {
        let start = if job.diagonal { i + 1 } else { 0 };
        let p = job.rows.map(|c| c[i]);
        let qs = job.cols.map(|c| &c[start..]);
        let f = job.scratch.each_mut().map(|c| &mut c[start..]);
        let sums = job.col_sum.each_mut().map(|c| &mut c[start..]);
        let (mut f, mut sums) = (f, sums);
        match (&qs[..], &mut f[..], &mut sums[..]) {
            ([x], [fx], [cx]) => pair_forces_1(kernel, p, x, fx, cx),
            ([x, y], [fx, fy], [cx, cy]) => pair_forces_2(kernel, p, x, y, fx, fy, cx, cy),
            ([x, y, z], [fx, fy, fz], [cx, cy, cz]) => {
                pair_forces_3(kernel, p, x, y, z, fx, fy, fz, cx, cy, cz)
            }
            _ => unreachable!("the simulator and Interaction::mean_field admit d = 1, 2, 3 only"),
        }
        for (row, f) in job.row_sum.iter_mut().zip(&job.scratch) {
            row[i] += lane_sum(&f[start..]);
        }
    }
}

/// The pair forces f_j = force(d_j), d_j = p − q_j (f_j = 0 at d_j = 0), of the particle p with
/// the column particles q_j (one slice per coordinate), written to the scratch slices and
/// subtracted from the column sums; one function per dimension, from one body.
///
/// Written as plain loops over slices without reductions (except a boolean "or") so that LLVM
/// vectorises them. Kernels with a cheap far formula run it for every pair (near pairs get 0),
/// then the (rare) near pairs are redone one by one with the full formula; since the first pass
/// left exactly 0 for them, the result is as if every pair had taken its own formula.
///
/// Each slice is its own reference parameter: Rust marks those `noalias` and the inlined loop
/// keeps that knowledge, so LLVM needs no run-time overlap checks between the slices before each
/// row's vectorised loop (slices passed in arrays carry no such mark, and the checks cost about
/// 6% of the 2D Keller–Segel pair sum). |d|² starts from the first square rather than from 0.0,
/// since −0 + 0 = +0 keeps the compiler from dropping that addition.
macro_rules! pair_forces_fixed {
    ($name:ident: $(($q:ident, $f:ident, $s:ident, $k:tt)),+) => {
        #[inline(always)]
        #[allow(clippy::too_many_arguments)]
        fn $name<K: PairKernel<D>, const D: usize>(
            kernel: &K,
            p: [f64; D],
            $($q: &[f64],)+
            $($f: &mut [f64],)+
            $($s: &mut [f64],)+
        ) {
            let n = [$($q.len()),+][0];
            $(let ($q, $f, $s) = (&$q[..n], &mut $f[..n], &mut $s[..n]);)+
            let separation = |j: usize| -> ([f64; D], f64) {
                let d: [f64; D] = std::array::from_fn(|k| [$(p[$k] - $q[j]),+][k]);
                let r2 = d[1..].iter().fold(d[0] * d[0], |acc, v| acc + v * v);
                (d, r2)
            };
            if K::HAS_FAR {
                let threshold = kernel.far_threshold();
                let mut near = false;
                for j in 0..n {
                    let (d, r2) = separation(j);
                    let far = r2 >= threshold;
                    near |= !far;
                    let c = kernel.far(r2);
                    let s = if far { c } else { 0.0 };
                    $($f[j] = s * d[$k]; $s[j] -= $f[j];)+
                }
                if near {
                    for j in 0..n {
                        let (d, r2) = separation(j);
                        if r2 < threshold {
                            let force = kernel.force(d, r2);
                            $($f[j] = force[$k]; $s[j] -= force[$k];)+
                        }
                    }
                }
            } else {
                for j in 0..n {
                    let (d, r2) = separation(j);
                    let force = kernel.force(d, r2);
                    $($f[j] = force[$k]; $s[j] -= force[$k];)+
                }
            }
        }
    };
}

pair_forces_fixed!(pair_forces_1: (x, fx, cx, 0));
pair_forces_fixed!(pair_forces_2: (x, fx, cx, 0), (y, fy, cy, 1));
pair_forces_fixed!(pair_forces_3: (x, fx, cx, 0), (y, fy, cy, 1), (z, fz, cz, 2));

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
