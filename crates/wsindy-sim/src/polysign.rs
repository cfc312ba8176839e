//! The 1D fast path: the mean field of a polynomial·sign force in O(N log N) per step.
//!
//! When every interaction kernel is an integer power |x|^m, the 1D force is
//! ∇K(r) = Σ c m |r|^{m−1} sign(r), a polynomial plus sign(r) times a polynomial. Sorting the
//! particles and expanding (x_i − x_j)^k binomially turns the O(N²) pair sum into prefix sums of
//! powers, exact up to rounding.

use wsindy_core::RadialKernel;

/// Largest polynomial degree of the fast 1D path; the binomial expansion behind it loses about a
/// factor 2 of relative accuracy per degree, so kernels |x|^m with m > `MAX_POLY_DEGREE + 1`
/// take the exact pair sum instead.
pub const MAX_POLY_DEGREE: usize = 16;

/// f(r) = Σ_k `poly[k]` r^k + sign(r) Σ_k `sign_poly[k]` r^k for r ≠ 0, f(0) = 0.
#[derive(Debug, Clone, PartialEq)]
pub struct PolySign {
    /// Coefficients of the smooth part, lowest power first.
    pub(crate) poly: Vec<f64>,
    /// Coefficients of the part multiplied by sign(r), lowest power first.
    pub(crate) sign_poly: Vec<f64>,
}

impl PolySign {
    /// The 1D force of Σ c|x|^m, if every kernel is an integer power 1 ≤ m ≤ MAX_POLY_DEGREE + 1:
    /// ∇(c|r|^m) = c m |r|^{m−1} sign(r), which is c m r^{m−1} for even m and
    /// c m sign(r) r^{m−1} for odd m.
    pub fn from_kernels(terms: &[(f64, RadialKernel)]) -> Option<Self> {
        let (mut poly, mut sign_poly) = (Vec::new(), Vec::new());
        for &(c, kernel) in terms {
            let RadialKernel::Power { power: m } = kernel else { return None };
            if !(m.fract() == 0.0 && (1.0..=(MAX_POLY_DEGREE + 1) as f64).contains(&m)) {
                return None;
            }
            let k = m as usize - 1;
            let target: &mut Vec<f64> = if k % 2 == 1 { &mut poly } else { &mut sign_poly };
            if target.len() <= k {
                target.resize(k + 1, 0.0);
            }
            target[k] += c * m;
        }
        Some(Self { poly, sign_poly })
    }

    /// f(r) at one separation, f(0) = 0.
    #[cfg(test)]
    fn eval(&self, r: f64) -> f64 {
        if r == 0.0 {
            return 0.0;
        }
        horner(&self.poly, r) + r.signum() * horner(&self.sign_poly, r)
    }

    /// F_i = (1/N) Σ_j f(x_i − x_j) for every particle (finite positions, matching lengths).
    pub fn mean_field(&self, positions: &[f64], ws: &mut PolySignWorkspace, out: &mut [f64]) {
        poly_sign_mean_field(&self.poly, &self.sign_poly, positions, ws, out);
    }
}

/// Σ_k c[k] x^k.
#[inline]
fn horner(c: &[f64], x: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, &ck| acc * x + ck)
}

/// Scratch buffers of the O(N log N) evaluation, kept between steps.
#[derive(Debug, Clone, Default)]
pub struct PolySignWorkspace {
    /// (order-preserving integer key of the position, particle index), sorted by key after
    /// each evaluation.
    sorted: Vec<(u64, usize)>,
    /// Second buffer of the radix sort.
    radix_buffer: Vec<(u64, usize)>,
    /// Binomial coefficients C(k, p) (row k, column p), (MAX_POLY_DEGREE+1)².
    binomial: Vec<f64>,
    /// Scaled polynomial coefficients a_k = poly[k] s^k.
    smooth: Vec<f64>,
    /// Scaled sign-polynomial coefficients b_k = sign_poly[k] s^k.
    sign: Vec<f64>,
    /// Total power sums S_q = Σ_j u_j^q.
    totals: Vec<f64>,
    /// Power sums over the particles strictly left of the current tie group.
    left: Vec<f64>,
    /// Power sums of the current tie group.
    group: Vec<f64>,
    /// Differences (left − right) of power sums for the current group.
    diff: Vec<f64>,
    /// Coefficients (in u) of the smooth part of the summed force.
    smooth_coef: Vec<f64>,
    /// Coefficients (in u) of the summed force for the current group.
    coef: Vec<f64>,
}

impl PolySignWorkspace {
    fn binom(&self, k: usize, p: usize) -> f64 {
        self.binomial[k * (MAX_POLY_DEGREE + 1) + p]
    }

    fn ensure_binomial(&mut self) {
        let d = MAX_POLY_DEGREE + 1;
        if self.binomial.len() == d * d {
            return;
        }
        self.binomial = vec![0.0; d * d];
        for k in 0..d {
            self.binomial[k * d] = 1.0;
            for p in 1..=k {
                let above = self.binomial[(k - 1) * d + p];
                let above_left = self.binomial[(k - 1) * d + p - 1];
                self.binomial[k * d + p] = above + above_left;
            }
        }
    }

    /// Refreshes `sorted` with the current positions, in the previous order (nearly sorted
    /// when particles move little), then sorts it.
    fn sort(&mut self, positions: &[f64]) {
        if self.sorted.len() == positions.len() {
            for entry in &mut self.sorted {
                entry.0 = order_key(positions[entry.1]);
            }
        } else {
            self.sorted.clear();
            self.sorted.extend(positions.iter().map(|&x| order_key(x)).zip(0..));
        }
        // Measured on the demo (N = 8000, M = 2, 1000 steps, 2 cores): pdqsort with
        // f64::total_cmp 0.33 s, pdqsort on integer keys 0.31 s, this radix sort 0.26 s; a
        // stable (run-detecting) sort was slower (0.39 s) and starting from the previous order
        // did not measurably help pdqsort. Comparison sorting wins for small N.
        if (RADIX_MIN_LEN..=u32::MAX as usize).contains(&self.sorted.len()) {
            radix_sort(&mut self.sorted, &mut self.radix_buffer);
        } else {
            self.sorted.sort_unstable_by_key(|entry| entry.0);
        }
    }
}

/// An integer key whose unsigned order is the IEEE total order of `x`.
#[inline]
fn order_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 { !bits } else { bits | (1 << 63) }
}

/// Below this many particles sorting by comparisons beats the radix sort.
const RADIX_MIN_LEN: usize = 1024;

/// Least-significant-digit radix sort by key (six 11-bit digits), skipping digits that all
/// keys share.
fn radix_sort(data: &mut Vec<(u64, usize)>, buffer: &mut Vec<(u64, usize)>) {
    const BITS: usize = 11;
    const DIGITS: usize = 64usize.div_ceil(BITS);
    const MASK: u64 = (1 << BITS) - 1;
    let n = data.len();
    let mut counts = [[0u32; 1 << BITS]; DIGITS];
    for &(key, _) in data.iter() {
        for (b, c) in counts.iter_mut().enumerate() {
            c[((key >> (BITS * b)) & MASK) as usize] += 1;
        }
    }
    buffer.clear();
    buffer.resize(n, (0, 0));
    for (b, c) in counts.iter_mut().enumerate() {
        if c.iter().any(|&k| k as usize == n) {
            continue;
        }
        let mut offset = 0;
        for k in c.iter_mut() {
            let here = *k;
            *k = offset;
            offset += here;
        }
        for &entry in data.iter() {
            let d = ((entry.0 >> (BITS * b)) & MASK) as usize;
            buffer[c[d] as usize] = entry;
            c[d] += 1;
        }
        std::mem::swap(data, buffer);
    }
}

/// The inverse of [`order_key`].
#[inline]
fn from_order_key(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 { key & !(1 << 63) } else { !key })
}

/// Resizes `v` to `len` zeros without giving back capacity.
fn reset(v: &mut Vec<f64>, len: usize) {
    v.clear();
    v.resize(len, 0.0);
}

/// O(N log N) mean field of f(r) = Σ a_k r^k + sign(r) Σ b_k r^k, f(0) = 0.
///
/// With u = (x − mean)/s, s = max |x − mean|, and r = s (u_i − u_j):
/// * smooth part: Σ_j (u_i − u_j)^k = Σ_p C(k,p) u_i^p (−1)^(k−p) S_(k−p) with S_q = Σ_j u_j^q,
///   minus the tie/self contributions a_0 · #{j : x_j = x_i};
/// * sign part: Σ_{x_j < x_i} (u_i − u_j)^k − Σ_{x_j > x_i} (u_i − u_j)^k, expanded the same way
///   with power sums over the particles left and right of i's tie group (prefix sums in
///   sorted order).
fn poly_sign_mean_field(
    poly: &[f64],
    sign_poly: &[f64],
    positions: &[f64],
    ws: &mut PolySignWorkspace,
    out: &mut [f64],
) {
    let n = positions.len();
    if n == 0 {
        return;
    }
    ws.ensure_binomial();
    ws.sort(positions);
    let nf = n as f64;
    let mean = positions.iter().sum::<f64>() / nf;
    let (lo, hi) = (from_order_key(ws.sorted[0].0), from_order_key(ws.sorted[n - 1].0));
    let scale = (hi - mean).abs().max((mean - lo).abs());
    if scale == 0.0 || !scale.is_finite() || !mean.is_finite() {
        // All particles coincide (every pair is a tie), or positions are so large that the
        // scaling overflows: propagate a non-finite force in the latter case.
        let fill = if scale == 0.0 { 0.0 } else { f64::NAN };
        out.fill(fill);
        return;
    }
    let dp = poly.len();
    let ds = sign_poly.len();
    let dmax = dp.max(ds);

    // Scaled coefficients (skip zero coefficients so that an overflowing s^k does not turn
    // 0 · ∞ into NaN).
    reset(&mut ws.smooth, dp);
    reset(&mut ws.sign, ds);
    let mut sk = 1.0;
    for k in 0..dmax {
        if k < dp && poly[k] != 0.0 {
            ws.smooth[k] = poly[k] * sk;
        }
        if k < ds && sign_poly[k] != 0.0 {
            ws.sign[k] = sign_poly[k] * sk;
        }
        sk *= scale;
    }

    // Global power sums S_q, q < dmax.
    reset(&mut ws.totals, dmax);
    for &(key, _) in &ws.sorted {
        let u = (from_order_key(key) - mean) / scale;
        let mut pw = 1.0;
        for t in ws.totals.iter_mut() {
            *t += pw;
            pw *= u;
        }
    }

    // Smooth part as a polynomial in u_i: c_p = Σ_{k ≥ p} a_k C(k,p) (−1)^(k−p) S_(k−p).
    reset(&mut ws.smooth_coef, dp);
    for p in 0..dp {
        let mut c = 0.0;
        for k in p..dp {
            let a = ws.smooth[k];
            if a != 0.0 {
                let parity = if (k - p) % 2 == 0 { 1.0 } else { -1.0 };
                c += a * ws.binom(k, p) * parity * ws.totals[k - p];
            }
        }
        ws.smooth_coef[p] = c;
    }
    let a0 = ws.smooth.first().copied().unwrap_or(0.0);

    reset(&mut ws.left, ds);
    reset(&mut ws.group, ds);
    reset(&mut ws.diff, ds);
    reset(&mut ws.coef, dmax);
    let mut start = 0;
    while start < n {
        let key = ws.sorted[start].0;
        let x = from_order_key(key);
        let mut end = start + 1;
        // equal keys ⇔ equal positions, except −0 and +0, which are adjacent and equal
        while end < n && from_order_key(ws.sorted[end].0) == x {
            end += 1;
        }
        let count = (end - start) as f64;
        let u = (x - mean) / scale;

        // Coefficients of the summed force in powers of u for this tie group.
        ws.coef[..dp].copy_from_slice(&ws.smooth_coef);
        ws.coef[dp..].fill(0.0);
        if ds > 0 {
            let mut pw = count;
            for q in 0..ds {
                ws.group[q] = pw;
                // right = total − left − group; diff = left − right.
                ws.diff[q] = 2.0 * ws.left[q] + pw - ws.totals[q];
                pw *= u;
            }
            for p in 0..ds {
                let mut e = 0.0;
                for k in p..ds {
                    let b = ws.sign[k];
                    if b != 0.0 {
                        let parity = if (k - p) % 2 == 0 { 1.0 } else { -1.0 };
                        e += b * ws.binom(k, p) * parity * ws.diff[k - p];
                    }
                }
                ws.coef[p] += e;
            }
            for q in 0..ds {
                ws.left[q] += ws.group[q];
            }
        }
        let value = (horner(&ws.coef, u) - a0 * count) / nf;
        for &(_, id) in &ws.sorted[start..end] {
            out[id] = value;
        }
        start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    fn random_positions(n: usize, seed: u64) -> Vec<f64> {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
        let mut x: Vec<f64> = (0..n).map(|_| 4.0 * rng.random::<f64>() - 1.0).collect();
        // ties: copy some positions onto others, including a triple
        for k in 0..n / 10 {
            x[k * 7 % n] = x[(k * 13 + 5) % n];
        }
        x[3] = x[1];
        x[4] = x[1];
        // signed zeros are equal positions too
        x[5] = 0.0;
        x[6] = -0.0;
        x
    }

    /// The naive O(N²) sum, ties and the self term contributing nothing.
    fn direct(f: &PolySign, positions: &[f64]) -> Vec<f64> {
        let n = positions.len() as f64;
        positions.iter().map(|&xi| positions.iter().map(|&xj| f.eval(xi - xj)).sum::<f64>() / n).collect()
    }

    /// max_i |a_i − b_i| / max_i |b_i|
    fn relative_error(a: &[f64], b: &[f64]) -> f64 {
        let num = a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
        let den = b.iter().map(|y| y.abs()).fold(0.0, f64::max);
        num / den
    }

    fn fast(force: &PolySign, positions: &[f64], ws: &mut PolySignWorkspace) -> Vec<f64> {
        let mut out = vec![0.0; positions.len()];
        force.mean_field(positions, ws, &mut out);
        out
    }

    fn check(force: &PolySign, positions: &[f64]) -> f64 {
        let mut ws = PolySignWorkspace::default();
        let first = fast(force, positions, &mut ws);
        // a second call reuses the remembered order: must give the same numbers
        assert_eq!(first, fast(force, positions, &mut ws));
        relative_error(&first, &direct(force, positions))
    }

    fn shape(poly: &[f64], sign_poly: &[f64]) -> PolySign {
        PolySign { poly: poly.to_vec(), sign_poly: sign_poly.to_vec() }
    }

    #[test]
    fn kernels_become_polynomials() {
        let k = |power| RadialKernel::Power { power };
        // K = ½|x|² − |x|: f = r − sign(r)
        assert_eq!(
            PolySign::from_kernels(&[(0.5, k(2.0)), (-1.0, k(1.0))]),
            Some(shape(&[0.0, 1.0], &[-1.0]))
        );
        // |x|³: 3 sign(r) r²
        assert_eq!(PolySign::from_kernels(&[(1.0, k(3.0))]), Some(shape(&[], &[0.0, 0.0, 3.0])));
        for other in [k(2.5), k(0.5), k((MAX_POLY_DEGREE + 2) as f64), RadialKernel::Log { delta: 0.1 }] {
            assert_eq!(PolySign::from_kernels(&[(1.0, k(2.0)), (1.0, other)]), None, "{other}");
        }
    }

    #[test]
    fn poly_sign_matches_direct_sum() {
        let shapes = [
            shape(&[0.0, 1.0], &[-1.0]),
            // degree-3 polynomial with a constant (tests the tie correction of poly[0])
            shape(&[0.3, -1.0, 0.5, 2.0], &[]),
            // sign(r) r² (force of |x|³/3) and sign(r) r⁴
            shape(&[], &[0.0, 0.0, 1.0]),
            shape(&[], &[0.0, 0.0, 0.0, 0.0, 1.5]),
            // everything at once
            shape(&[1.0, 0.5, -0.25, 0.125], &[-1.0, 2.0, 1.0, -0.5]),
        ];
        // N = 3000 exercises the radix sort, the smaller sizes the comparison sort
        for (seed, n) in [(1, 500), (2, 499), (3, 17), (4, 3000)] {
            let x = random_positions(n, seed);
            for force in &shapes {
                let err = check(force, &x);
                assert!(err < 1e-10, "{force:?}, N = {n}: relative error {err:e}");
            }
        }
    }

    #[test]
    fn poly_sign_far_from_origin_and_tiny_spread() {
        // centring and scaling keep the binomial expansion accurate off-centre
        let x: Vec<f64> = random_positions(300, 9).iter().map(|v| 1e4 + 1e-3 * v).collect();
        let err = check(&shape(&[0.0, 1.0, 0.0, 1.0], &[-1.0, 0.0, 1.0]), &x);
        assert!(err < 1e-10, "relative error {err:e}");
    }

    #[test]
    fn radix_sort_sorts() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(11);
        let mut data: Vec<(u64, usize)> =
            (0..5000).map(|i| (order_key(rng.random::<f64>() * 8.0 - 4.0), i)).collect();
        data[10].0 = data[20].0;
        let mut buffer = Vec::new();
        radix_sort(&mut data, &mut buffer);
        assert!(data.windows(2).all(|w| w[0].0 <= w[1].0));
        let mut ids: Vec<usize> = data.iter().map(|e| e.1).collect();
        ids.sort_unstable();
        assert!(ids.iter().enumerate().all(|(i, &id)| i == id));
        for x in [-3.5, -0.0, 0.0, 1e-300, 2.0, f64::MAX] {
            assert_eq!(from_order_key(order_key(x)).to_bits(), x.to_bits());
        }
        assert!(
            order_key(-1.0) < order_key(-0.5)
                && order_key(-0.0) < order_key(0.0)
                && order_key(0.0) < order_key(0.5)
        );
    }

    #[test]
    fn degenerate_inputs() {
        let force = shape(&[0.0, 1.0], &[-1.0]);
        let mut ws = PolySignWorkspace::default();
        // all particles tied: no force at all
        assert!(fast(&force, &[2.5; 10], &mut ws).iter().all(|&f| f == 0.0));
        // one particle: no force; no particles: nothing to do
        assert_eq!(fast(&force, &[3.0], &mut ws), [0.0]);
        assert!(fast(&force, &[], &mut ws).is_empty());
        // subnormal spread: scaling must not overflow
        let tiny = [0.0, 1e-310, 2e-310, 2e-310];
        let out = fast(&force, &tiny, &mut ws);
        assert!(relative_error(&out, &direct(&force, &tiny)) < 1e-12, "{out:?}");
        // two particles at distance 2: f(±2) = ±2 ∓ 1, halved
        assert_eq!(fast(&force, &[0.0, 2.0], &mut ws), [-0.5, 0.5]);
        // overflow of r^7 for huge separations gives a non-finite force (reported by the caller)
        let steep = shape(&[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0], &[]);
        assert!(fast(&steep, &[-1e300, 1e300], &mut ws).iter().any(|f| !f.is_finite()));
    }
}
