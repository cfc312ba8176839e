//! Figure 1: how many fewer operations the separable weak form needs than direct evaluation.
//!
//! One column of G is ⟨ψ_k, F⟩ for every query point k, with F a field on a grid of n points
//! per space axis (d axes) and L times, ψ supported on 2m+1 points per space axis and 2m_t+1
//! times, and query points every s_x cells and s_t times whose supports fit in the grid:
//! q_x = ⌊(n − 2m − 1)/s_x⌋ + 1 per space axis and q_t = ⌊(L − 2m_t − 1)/s_t⌋ + 1, so
//! Q = q_x^d q_t test functions. Counting multiply–adds (evaluations of the integrand):
//!
//! * **direct**: every test function sums over its support,
//!   E_dir = Q (2m+1)^d (2m_t+1);
//! * **separable sums** (ψ = φ(x₁)…φ(x_d)φ_t(t), one 1D pass per axis, each keeping only the
//!   query indices along its axis, space axes first):
//!   E_sep = (2m+1) L Σ_{a=1..d} q_x^a n^{d−a} + (2m_t+1) q_x^d q_t;
//! * **separable FFT** (each pass a real FFT correlation of the line, zero-padded to
//!   P = n + 2m, costed as c(P) = P (log₂P + 1) for the forward and inverse transforms and the
//!   product): E_fft = L Σ_{a=1..d} q_x^{a−1} n^{d−a} c(n + 2m) + q_x^d c(L + 2m_t).
//!
//! The reduction factors are R = E_dir / E_sep and E_dir / E_fft. With unit strides and
//! n, L ≫ m, R_sep → (2m+1)^d (2m_t+1) / (d(2m+1) + 2m_t + 1), i.e. (2m+1)^d / (d+1) for
//! m_t = m: it grows like m^d, so the gain is largest in the highest dimension.

/// Operation counts of one weak-form column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Counts {
    /// Direct evaluation.
    pub direct: f64,
    /// Separable passes with direct sums.
    pub separable: f64,
    /// Separable passes with FFT correlations.
    pub fft: f64,
}

/// Grid and test-function sizes of one count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sizes {
    /// Space dimension d.
    pub dim: usize,
    /// Grid points per space axis n.
    pub cells: usize,
    /// Time points L.
    pub time_points: usize,
    /// Space half-width m.
    pub m: usize,
    /// Time half-width m_t.
    pub m_t: usize,
    /// Space stride s_x.
    pub s_x: usize,
    /// Time stride s_t.
    pub s_t: usize,
}

fn fft_cost(p: f64) -> f64 {
    p * (p.log2() + 1.0)
}

/// The operation counts; `None` if the support does not fit in the grid.
pub fn counts(s: Sizes) -> Option<Counts> {
    let (wx, wt) = (2 * s.m + 1, 2 * s.m_t + 1);
    if wx > s.cells || wt > s.time_points || s.s_x == 0 || s.s_t == 0 {
        return None;
    }
    let qx = ((s.cells - wx) / s.s_x + 1) as f64;
    let qt = ((s.time_points - wt) / s.s_t + 1) as f64;
    let (n, l, d) = (s.cells as f64, s.time_points as f64, s.dim as i32);
    let (wx, wt) = (wx as f64, wt as f64);
    let direct = qx.powi(d) * qt * wx.powi(d) * wt;
    let separable = wx * l * (1..=d).map(|a| qx.powi(a) * n.powi(d - a)).sum::<f64>() + wt * qx.powi(d) * qt;
    let fft =
        l * (1..=d).map(|a| qx.powi(a - 1) * n.powi(d - a)).sum::<f64>() * fft_cost(n + 2.0 * s.m as f64)
            + qx.powi(d) * fft_cost(l + 2.0 * s.m_t as f64);
    Some(Counts { direct, separable, fft })
}

/// The large-grid limit of E_dir / E_sep with unit strides.
pub fn asymptotic_reduction(dim: usize, m: usize, m_t: usize) -> f64 {
    let (wx, wt) = ((2 * m + 1) as f64, (2 * m_t + 1) as f64);
    wx.powi(dim as i32) * wt / (dim as f64 * wx + wt)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts the multiply–adds of direct and separable evaluation by running the loops.
    fn brute(s: Sizes) -> (u64, u64) {
        let (wx, wt) = (2 * s.m + 1, 2 * s.m_t + 1);
        let qx: Vec<usize> = (0..=s.cells - wx).step_by(s.s_x).collect();
        let qt: Vec<usize> = (0..=s.time_points - wt).step_by(s.s_t).collect();
        let q = qx.len().pow(s.dim as u32) * qt.len();
        let direct = (q * wx.pow(s.dim as u32) * wt) as u64;
        // separable: extents shrink axis by axis from n to q_x, then L to q_t
        let mut extents: Vec<usize> = vec![s.cells; s.dim];
        extents.push(s.time_points);
        let mut sep = 0u64;
        for a in 0..=s.dim {
            let (w, keep) = if a < s.dim { (wx, qx.len()) } else { (wt, qt.len()) };
            let lines: usize = extents.iter().enumerate().filter(|&(b, _)| b != a).map(|(_, e)| e).product();
            sep += (lines * keep * w) as u64;
            extents[a] = keep;
        }
        (direct, sep)
    }

    #[test]
    fn formula_equals_the_counted_loops() {
        for &(dim, cells, time_points, m, m_t, s_x, s_t) in
            &[(1, 20, 15, 2, 1, 1, 1), (2, 17, 11, 3, 2, 2, 1), (3, 12, 9, 2, 3, 3, 2)]
        {
            let s = Sizes { dim, cells, time_points, m, m_t, s_x, s_t };
            let c = counts(s).unwrap();
            let (direct, sep) = brute(s);
            assert_eq!(c.direct, direct as f64);
            assert_eq!(c.separable, sep as f64);
        }
    }

    #[test]
    fn large_grids_approach_the_asymptote() {
        let s = Sizes { dim: 2, cells: 100_000, time_points: 100_000, m: 10, m_t: 10, s_x: 1, s_t: 1 };
        let c = counts(s).unwrap();
        let r = c.direct / c.separable;
        assert!((r / asymptotic_reduction(2, 10, 10) - 1.0).abs() < 1e-3, "{r}");
        assert!((asymptotic_reduction(3, 10, 10) - 21f64.powi(3) / 4.0).abs() < 1e-9);
        assert!(counts(Sizes { m: 60, ..s }).is_some());
        assert!(counts(Sizes { cells: 10, ..s }).is_none());
    }
}
