//! The changepoint rule of WSINDy for PDEs: find the corner of the data's spectrum along an axis
//! and choose the support whose test function has decayed there.

use realfft::RealFftPlanner;

/// The corner wavenumber k* of the data along `axis` of the array `values` with `shape`
/// (C order).
///
/// Each line along the axis has the ramp between its end values removed, then the magnitude of
/// its FFT is averaged over all other axes (see [`averaged_magnitude_spectrum`]). Taken from the
/// highest wavenumber down to zero, its cumulative sum rises slowly through the noise floor and
/// steeply through the signal; k* is the split where one line through the first point and one
/// through the last fit this curve best in relative misfit.
pub fn corner_wavenumber(values: &[f64], shape: &[usize], axis: usize) -> usize {
    let n = shape[axis];
    // the sum over lines, not the mean: the split is scale-free, and the sum is what the rule
    // has always used
    let magnitude = summed_magnitudes(values, shape, axis);
    let bins = magnitude.len(); // n/2 + 1
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

/// The spectrum the changepoint rule looks at: the magnitude |ℱ(k)| of the FFT of every line
/// of `values` (shape `shape`, C order) along `axis`, each line with the ramp between its end
/// values removed first, averaged over all lines. Entry k is wavenumber k (cycles per axis
/// length), k = 0..=n/2 for n = `shape[axis]`.
///
/// Used by [`corner_wavenumber`] and for plotting the spectrum with its corner.
///
/// # Panics
/// If `axis` is not an axis of `shape`, an extent is zero, or `values.len()` is not the
/// product of `shape`.
pub fn averaged_magnitude_spectrum(values: &[f64], shape: &[usize], axis: usize) -> Vec<f64> {
    assert!(axis < shape.len(), "axis {axis} of a {}-dimensional array", shape.len());
    assert_eq!(values.len(), shape.iter().product::<usize>(), "values do not match the shape");
    assert!(shape[axis] > 0, "axis {axis} is empty");
    let lines: usize = shape.iter().enumerate().filter(|&(a, _)| a != axis).map(|(_, &n)| n).product();
    let mut magnitude = summed_magnitudes(values, shape, axis);
    let scale = 1.0 / lines.max(1) as f64;
    magnitude.iter_mut().for_each(|m| *m *= scale);
    magnitude
}

/// Σ over the lines along `axis` of the magnitudes of the detrended lines' FFTs (n/2 + 1 bins).
fn summed_magnitudes(values: &[f64], shape: &[usize], axis: usize) -> Vec<f64> {
    let n = shape[axis];
    let stride: usize = shape[axis + 1..].iter().product();
    let outer: usize = shape[..axis].iter().product();
    let mut planner = RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(n);
    let mut line = fft.make_input_vec();
    let mut spectrum = fft.make_output_vec();
    let mut scratch = fft.make_scratch_vec();
    let mut magnitude = vec![0.0; spectrum.len()];
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
    magnitude
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
    fn averaged_spectrum_peaks_at_the_wavenumber_of_each_line() {
        // 3 lines of 64 points along axis 1, each a sine with 5 cycles and amplitude 1, 2, 3
        let n = 64;
        let values: Vec<f64> = (0..3)
            .flat_map(|row| {
                (0..n).map(move |i| {
                    (1.0 + row as f64) * (std::f64::consts::TAU * 5.0 * i as f64 / n as f64).sin()
                })
            })
            .collect();
        let spectrum = averaged_magnitude_spectrum(&values, &[3, n], 1);
        assert_eq!(spectrum.len(), n / 2 + 1);
        let peak = (0..spectrum.len()).max_by(|&a, &b| spectrum[a].total_cmp(&spectrum[b])).unwrap();
        assert_eq!(peak, 5);
        // |ℱ| at k = 5 is n/2 times the amplitude, 2 on average (the small ramp removed from
        // each line moves it a little)
        assert!((spectrum[5] - n as f64).abs() < 0.05 * n as f64, "{}", spectrum[5]);
    }

    #[test]
    fn support_is_clamped() {
        assert_eq!(support_from_corner(256, 1000, 5, 3.0), 13);
        assert_eq!(support_from_corner(256, 1, 5, 3.0), 127);
        // n τ̂ √13 / (2π k) with n = 256, τ̂ = 3, k = 15 is 29.4
        assert_eq!(support_from_corner(256, 15, 5, 3.0), 29);
    }
}
