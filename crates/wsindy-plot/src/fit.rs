//! Least-squares slope on log–log axes.

/// The slope of `log y` against `log x` by least squares, with its standard error.
///
/// Only pairs with both values finite and positive are used (others are ignored). Returns
/// `None` when fewer than two pairs remain or all their `x` are equal. The standard error is
/// `s / √Σ(log xᵢ − mean)²` with `s² = Σ rᵢ² / (n − 2)` the residual variance; with exactly two
/// points it is `NaN` (no degrees of freedom left). The slope does not depend on the base of
/// the logarithm.
///
/// ```
/// let x = [1.0, 2.0, 4.0, 8.0];
/// let y: Vec<f64> = x.iter().map(|x: &f64| 3.0 * x.powf(-0.5)).collect();
/// let (slope, std_err) = wsindy_plot::loglog_slope(&x, &y).unwrap();
/// assert!((slope + 0.5).abs() < 1e-12 && std_err < 1e-12);
/// ```
pub fn loglog_slope(x: &[f64], y: &[f64]) -> Option<(f64, f64)> {
    let pairs: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(a, b)| a.is_finite() && b.is_finite() && **a > 0.0 && **b > 0.0)
        .map(|(a, b)| (a.ln(), b.ln()))
        .collect();
    let n = pairs.len();
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let mx = pairs.iter().map(|p| p.0).sum::<f64>() / nf;
    let my = pairs.iter().map(|p| p.1).sum::<f64>() / nf;
    let sxx: f64 = pairs.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = pairs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if sxx.is_nan() || sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    if n == 2 {
        return Some((slope, f64::NAN));
    }
    let ssr: f64 = pairs.iter().map(|p| (p.1 - my - slope * (p.0 - mx)).powi(2)).sum();
    let std_err = (ssr / (nf - 2.0) / sxx).sqrt();
    Some((slope, std_err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_power_laws_have_exact_slopes() {
        for &(c, p) in &[(1.0, 1.0), (2.5, -0.5), (1e-3, 2.0), (7.0, -1.0)] {
            let x: Vec<f64> = (0..12).map(|i| 10f64.powf(i as f64 / 3.0)).collect();
            let y: Vec<f64> = x.iter().map(|x| c * x.powf(p)).collect();
            let (slope, se) = loglog_slope(&x, &y).unwrap();
            assert!((slope - p).abs() < 1e-12, "{slope} vs {p}");
            assert!(se < 1e-12, "{se}");
        }
    }

    #[test]
    fn noisy_case_has_known_standard_error() {
        // log y = log 2 − x·… with residuals ±d orthogonal to [1, log x]: the fitted slope is
        // exact and s² = 4d²/(n − 2) = 2d², Σ(log x − mean)² = 5 (ln 2)², so
        // SE = d √(2/5) / ln 2.
        let d = 0.1;
        let x = [1.0f64, 2.0, 4.0, 8.0];
        let e = [d, -d, -d, d];
        let y: Vec<f64> = x.iter().zip(e).map(|(x, e)| 2.0 * x.powf(-1.5) * f64::exp(e)).collect();
        let (slope, se) = loglog_slope(&x, &y).unwrap();
        assert!((slope + 1.5).abs() < 1e-12, "{slope}");
        let expected = d * (2.0f64 / 5.0).sqrt() / std::f64::consts::LN_2;
        assert!((se - expected).abs() < 1e-12, "{se} vs {expected}");
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(loglog_slope(&[], &[]), None);
        assert_eq!(loglog_slope(&[1.0], &[1.0]), None);
        assert_eq!(loglog_slope(&[2.0, 2.0, 2.0], &[1.0, 2.0, 3.0]), None);
        // non-positive and non-finite pairs are ignored
        let (s, se) = loglog_slope(&[1.0, -1.0, 2.0, f64::NAN], &[1.0, 5.0, 4.0, 1.0]).unwrap();
        assert!((s - 2.0).abs() < 1e-12 && se.is_nan());
    }
}
