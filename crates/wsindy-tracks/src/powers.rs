//! All integer power kernels of a 1D library in one sorted pass per frame.
//!
//! For K_m = |x|^m the force is f_m(r) = m |r|^{m−1} sign(r): m r^{m−1} for even m, m sign(r)
//! r^{m−1} for odd m. With u = (x − x̄)/s and the power sums S_q = Σ_l u_l^q over the frame
//! and D_q = Σ_{x_l < x_i} u_l^q − Σ_{x_l > x_i} u_l^q (prefix sums in sorted order),
//! Σ_l (u_i − u_l)^k = Σ_p C(k,p) u_i^p (−1)^{k−p} S_{k−p} and
//! Σ_l sign(x_i − x_l)(u_i − u_l)^k = Σ_p C(k,p) u_i^p (−1)^{k−p} D_{k−p} (ties and the
//! particle itself contribute nothing, as in the simulator). This is the expansion of
//! `wsindy_sim::PolySign` (which handles one combined kernel per pass) with the sort, the
//! centring and the power sums shared by all terms of the library, so each extra term costs
//! O(m) per particle.

/// Scratch buffers kept between frames.
#[derive(Debug, Default, Clone)]
pub(crate) struct PowerWorkspace {
    order: Vec<usize>,
    totals: Vec<f64>,
    left: Vec<f64>,
    group: Vec<f64>,
    diff: Vec<f64>,
    upow: Vec<f64>,
    /// Row k: C(k, p) (−1)^(k−p), p = 0..=k.
    binomial: Vec<Vec<f64>>,
}

/// Largest power m handled (the binomial expansion loses accuracy with the degree, as in
/// `wsindy_sim::MAX_POLY_DEGREE`).
pub(crate) const MAX_POWER: u32 = 12;

/// The term's power m if it is |x|^m with an integer 1 ≤ m ≤ [`MAX_POWER`].
pub(crate) fn integer_power(m: f64) -> Option<u32> {
    (m.fract() == 0.0 && (1.0..=f64::from(MAX_POWER)).contains(&m)).then_some(m as u32)
}

/// out[i * stride + c] = −(1/n) Σ_l f_{m_c}(x_i − x_l) for each power m_c in `powers`.
pub(crate) fn power_mean_fields(
    x: &[f64],
    powers: &[u32],
    ws: &mut PowerWorkspace,
    out: &mut [f64],
    stride: usize,
    offsets: &[usize],
) {
    let n = x.len();
    if n == 0 || powers.is_empty() {
        return;
    }
    let kmax = powers.iter().map(|&m| m as usize - 1).max().unwrap_or(0);
    let q = kmax + 1;
    if ws.binomial.len() < q {
        // C(k, p) (−1)^(k−p)
        let signed = |k: usize, p: usize| if (k - p).is_multiple_of(2) { 1.0 } else { -1.0 } * ws_binom(k, p);
        ws.binomial = (0..q).map(|k| (0..=k).map(|p| signed(k, p)).collect()).collect();
    }
    ws.order.clear();
    ws.order.extend(0..n);
    ws.order.sort_unstable_by(|&a, &b| x[a].total_cmp(&x[b]));
    let nf = n as f64;
    let mean = x.iter().sum::<f64>() / nf;
    let (lo, hi) = (x[ws.order[0]], x[ws.order[n - 1]]);
    let scale = (hi - mean).abs().max((mean - lo).abs());
    if scale == 0.0 || !scale.is_finite() {
        let fill = if scale == 0.0 { 0.0 } else { f64::NAN };
        for i in 0..n {
            for &o in offsets {
                out[i * stride + o] = fill;
            }
        }
        return;
    }
    let mut scale_pow = [0.0; MAX_POWER as usize];
    let mut pw = 1.0;
    for sp in scale_pow.iter_mut().take(q) {
        *sp = pw;
        pw *= scale;
    }
    let reset = |v: &mut Vec<f64>| {
        v.clear();
        v.resize(q, 0.0);
    };
    reset(&mut ws.totals);
    reset(&mut ws.left);
    reset(&mut ws.group);
    reset(&mut ws.diff);
    reset(&mut ws.upow);
    for &xi in x {
        let u = (xi - mean) / scale;
        let mut pw = 1.0;
        for t in ws.totals.iter_mut() {
            *t += pw;
            pw *= u;
        }
    }
    let mut start = 0;
    while start < n {
        let xv = x[ws.order[start]];
        let mut end = start + 1;
        while end < n && x[ws.order[end]] == xv {
            end += 1;
        }
        let u = (xv - mean) / scale;
        let count = (end - start) as f64;
        let mut pw = 1.0;
        for k in 0..q {
            ws.upow[k] = pw;
            ws.group[k] = count * pw;
            ws.diff[k] = 2.0 * ws.left[k] + ws.group[k] - ws.totals[k];
            pw *= u;
        }
        for (&m, &o) in powers.iter().zip(offsets) {
            let k = m as usize - 1;
            let sums = if m.is_multiple_of(2) { &ws.totals } else { &ws.diff };
            let row = &ws.binomial[k];
            let mut acc = 0.0;
            for p in 0..=k {
                acc += row[p] * ws.upow[p] * sums[k - p];
            }
            let value = -f64::from(m) * scale_pow[k] * acc / nf;
            for &i in &ws.order[start..end] {
                out[i * stride + o] = value;
            }
        }
        for k in 0..q {
            ws.left[k] += ws.group[k];
        }
        start = end;
    }
}

fn ws_binom(k: usize, p: usize) -> f64 {
    (0..p).fold(1.0, |acc, i| acc * (k - i) as f64 / (i + 1) as f64)
}
