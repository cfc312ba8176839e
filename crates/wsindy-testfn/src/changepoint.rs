//! The changepoint rule of WSINDy for PDEs: find the corner of the data's spectrum along an axis
//! and choose the support whose test function has decayed there.

use realfft::RealFftPlanner;

/// The corner wavenumber k* of the data along `axis` of the array `values` with `shape`
/// (C order).
///
/// Each line along the axis has the ramp between its end values removed, then the magnitude of
/// its FFT is averaged over all other axes. Taken from the
/// highest wavenumber down to zero, its cumulative sum rises slowly through the noise floor and
/// steeply through the signal; k* is the split where one line through the first point and one
/// through the last fit this curve best in relative misfit.
pub fn corner_wavenumber(values: &[f64], shape: &[usize], axis: usize) -> usize {
    let n = shape[axis];
    let stride: usize = shape[axis + 1..].iter().product();
    let outer: usize = shape[..axis].iter().product();
    let mut planner = RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(n);
    let mut line = fft.make_input_vec();
    let mut spectrum = fft.make_output_vec();
    let mut scratch = fft.make_scratch_vec();
    let bins = spectrum.len(); // n/2 + 1
    let mut magnitude = vec![0.0; bins];
    for o in 0..outer {
        for s in 0..stride {
            let base = o * n * stride + s;
            for (i, v) in line.iter_mut().enumerate() {
                *v = values[base + i * stride];
            }
            // Remove the ramp between the end values: the FFT treats the line as periodic, and
            // the jump at the wrap-around would add a 1/k tail that hides the corner.
            let (first, last) = (line[0], line[n - 1]);
            let denom = (n - 1).max(1) as f64;
            for (i, v) in line.iter_mut().enumerate() {
                *v -= first + (last - first) * i as f64 / denom;
            }
            fft.process_with_scratch(&mut line, &mut spectrum, &mut scratch).expect("lengths from the plan");
            for (acc, c) in magnitude.iter_mut().zip(&spectrum) {
                *acc += c.norm();
            }
        }
    }
    // wavenumbers 1..=top from high to low, as in the fftshifted negative half
    let top = n.div_ceil(2);
    let count = top.min(bins - 1).max(1);
    let mut cumulative = Vec::with_capacity(count);
    let mut acc = 0.0;
    for k in (1..=count).rev() {
        acc += magnitude[k];
        cumulative.push(acc);
    }
    corner_of_cumulative(&cumulative).map_or(1, |split| count - split)
}

/// Index of the best two-line split of an increasing sequence (abscissae 0..len), or None if it
/// is too short.
fn corner_of_cumulative(y: &[f64]) -> Option<usize> {
    let len = y.len();
    if len < 3 {
        return None;
    }
    let tiny = f64::MIN_POSITIVE;
    let mut best = (f64::INFINITY, None);
    for k in 1..len - 1 {
        let slope1 = (y[k] - y[0]) / k as f64;
        let slope2 = (y[len - 1] - y[k]) / (len - 1 - k) as f64;
        let mut err = 0.0;
        for (i, &yi) in y.iter().enumerate().take(k + 1) {
            let line = y[0] + slope1 * i as f64;
            err += ((line - yi) / yi.abs().max(tiny)).powi(2);
        }
        for (i, &yi) in y.iter().enumerate().skip(k) {
            let line = y[len - 1] + slope2 * (i as f64 - (len - 1) as f64);
            err += ((line - yi) / yi.abs().max(tiny)).powi(2);
        }
        if err < best.0 {
            best = (err, Some(k));
        }
    }
    best.1
}

/// The half-width m of φ_{m,p} whose spectrum has decayed at the corner wavenumber k of an axis
/// of n points: m = n τ̂ √(3 + 2p) / (2π k), clamped to [⌈(n−1)/20⌉, ⌊(n−1)/2⌋] and to at least 2.
pub fn support_from_corner(n: usize, corner: usize, degree: u32, tau_hat: f64) -> usize {
    let k = corner.max(1) as f64;
    let m = n as f64 * tau_hat * (3.0 + 2.0 * f64::from(degree)).sqrt() / (2.0 * std::f64::consts::PI * k);
    let lo = (n - 1).div_ceil(20).max(2);
    let hi = ((n - 1) / 2).max(lo);
    (m.floor() as usize).clamp(lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corner_of_a_gaussian_sits_at_its_spectral_width() {
        // A Gaussian of std s (in samples) has spectrum exp(-(2π k s / n)² / 2): the corner should
        // fall within a small multiple of its spectral width n / (2π s).
        let n = 256;
        for &s in &[3.0, 6.0, 12.0] {
            let signal: Vec<f64> = (0..n)
                .map(|i| {
                    let x = i as f64 - n as f64 / 2.0;
                    (-(x * x) / (2.0 * s * s)).exp() + 1e-6 * ((i * 7919) % 13) as f64
                })
                .collect();
            let k = corner_wavenumber(&signal, &[n], 0) as f64;
            let width = n as f64 / (2.0 * std::f64::consts::PI * s);
            assert!(k > 0.5 * width && k < 4.0 * width, "s={s}: corner {k}, spectral width {width}");
        }
    }

    #[test]
    fn support_is_clamped() {
        assert_eq!(support_from_corner(256, 1000, 5, 3.0), 13);
        assert_eq!(support_from_corner(256, 1, 5, 3.0), 127);
        // n τ̂ √13 / (2π k) with n = 256, τ̂ = 3, k = 15 is 29.4
        assert_eq!(support_from_corner(256, 15, 5, 3.0), 29);
    }
}
