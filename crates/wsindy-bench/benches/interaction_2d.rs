//! The 2D interaction convolution ∇K_j * U_t on a 128 × 128 grid for 81 snapshots, two ways:
//! the zero-padded 2D FFT the assembly uses, and the paper's low-rank alternative (truncated
//! SVD of the kernel grid on C − C, then Q separable pairs of 1D FFT convolutions).
//! `cargo bench -p wsindy-bench --bench interaction_2d`; the ranks Q are printed first.

use std::sync::{Arc, OnceLock};

use divan::Bencher;
use faer::Mat;
use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use wsindy::Library;
use wsindy::core::{Axis, Grid};
use wsindy::weak::{DensitySpectrum, GridConvolver};

const N: usize = 128;
const SNAPSHOTS: usize = 81;
/// Singular values below this fraction of the largest are dropped.
const RANK_TOLERANCE: f64 = 1e-10;

fn grid() -> Grid {
    let axis = Axis::from_edges(-3.0, 3.0, N).unwrap();
    Grid::new(vec![axis, axis]).unwrap()
}

/// Smooth positive snapshots (a drifting Gaussian bump), last axis fastest.
fn snapshots() -> &'static Vec<Vec<f64>> {
    static DATA: OnceLock<Vec<Vec<f64>>> = OnceLock::new();
    DATA.get_or_init(|| {
        let centres = grid().centre_points();
        (0..SNAPSHOTS)
            .map(|l| {
                let shift = 0.01 * l as f64;
                centres
                    .chunks_exact(2)
                    .map(|p| (-((p[0] - shift).powi(2) + p[1] * p[1]) / 1.5).exp())
                    .collect()
            })
            .collect()
    })
}

/// First force component of every Table 4 interaction term on C − C ((2N − 1)² values).
fn kernels() -> &'static Vec<(String, Vec<f64>)> {
    static KERNELS: OnceLock<Vec<(String, Vec<f64>)>> = OnceLock::new();
    KERNELS.get_or_init(|| {
        let points = grid().difference_points();
        Library::nonlocal2d()
            .terms()
            .iter()
            .filter(|t| t.kind() == wsindy::TermKind::Interaction)
            .map(|t| {
                let mut values = vec![0.0; points.len()];
                t.evaluate(&points, 2, &mut values);
                (t.name(), values.iter().step_by(2).copied().collect())
            })
            .collect()
    })
}

/// The spectra of one rank-one factor pair (u_q, v_q).
type FactorSpectra = (Vec<Complex<f64>>, Vec<Complex<f64>>);

/// A kernel as Σ_q u_q v_qᵀ, truncated at [`RANK_TOLERANCE`].
struct LowRank {
    factors: Vec<(Vec<f64>, Vec<f64>)>,
}

fn low_rank(values: &[f64]) -> LowRank {
    let m = 2 * N - 1;
    let a = Mat::from_fn(m, m, |i, j| values[i * m + j]);
    let svd = a.thin_svd().expect("SVD converges");
    let s = svd.S().column_vector();
    let smax = s[0];
    let factors = (0..m)
        .take_while(|&q| s[q] > RANK_TOLERANCE * smax)
        .map(|q| {
            let u = (0..m).map(|i| svd.U()[(i, q)] * s[q]).collect();
            let v = (0..m).map(|j| svd.V()[(j, q)]).collect();
            (u, v)
        })
        .collect();
    LowRank { factors }
}

/// Linear convolution of length-N lines with a length-(2N − 1) kernel by real FFTs of 2N.
struct LineConvolver {
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f64>>,
}

impl LineConvolver {
    fn new() -> Self {
        let mut planner = RealFftPlanner::new();
        Self { forward: planner.plan_fft_forward(2 * N), inverse: planner.plan_fft_inverse(2 * N) }
    }

    fn spectrum(&self, values: &[f64], scale: f64) -> Vec<Complex<f64>> {
        let mut buffer = self.forward.make_input_vec();
        for (b, v) in buffer.iter_mut().zip(values) {
            *b = v * scale;
        }
        let mut out = self.forward.make_output_vec();
        self.forward.process(&mut buffer, &mut out).unwrap();
        out
    }

    /// out[i] = Σ_j k[i − j + N − 1] line[j] for i < N, given the kernel spectrum.
    fn convolve(&self, line: &[f64], kernel: &[Complex<f64>], out: &mut [f64]) {
        let mut spectrum = self.spectrum(line, 1.0);
        for (s, k) in spectrum.iter_mut().zip(kernel) {
            *s *= k;
        }
        let mut real = self.inverse.make_output_vec();
        self.inverse.process(&mut spectrum, &mut real).unwrap();
        out.copy_from_slice(&real[N - 1..2 * N - 1]);
    }
}

/// Σ_q (u_q ⊗ v_q) * U: rows with v_q, then columns with u_q.
fn low_rank_convolve(lines: &LineConvolver, spectra: &[FactorSpectra], u: &[f64], out: &mut [f64]) {
    out.fill(0.0);
    let mut rows = vec![0.0; N * N];
    let mut column = vec![0.0; N];
    let mut result = vec![0.0; N];
    for (su, sv) in spectra {
        for (line, dest) in u.chunks_exact(N).zip(rows.chunks_exact_mut(N)) {
            lines.convolve(line, sv, dest);
        }
        for j in 0..N {
            for i in 0..N {
                column[i] = rows[i * N + j];
            }
            lines.convolve(&column, su, &mut result);
            for i in 0..N {
                out[i * N + j] += result[i];
            }
        }
    }
}

fn main() {
    // ranks and accuracy of the low-rank form against the 2D FFT, once
    let h2 = grid().cell_volume();
    let conv = GridConvolver::new(&[N, N]);
    let lines = LineConvolver::new();
    let mut work = conv.workspace();
    let u = &snapshots()[0];
    let density = conv.density_spectrum(u, &mut work);
    for (name, values) in kernels() {
        let lr = low_rank(values);
        let spectra: Vec<_> = lr
            .factors
            .iter()
            .map(|(a, b)| (lines.spectrum(a, 1.0 / (2 * N) as f64), lines.spectrum(b, h2 / (2 * N) as f64)))
            .collect();
        let mut exact = vec![0.0; N * N];
        conv.convolve(&conv.kernel(values, h2, &mut work), &density, &mut work, &mut exact);
        let mut approx = vec![0.0; N * N];
        low_rank_convolve(&lines, &spectra, u, &mut approx);
        let scale = exact.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
        let error = exact.iter().zip(&approx).fold(0.0_f64, |a, (x, y)| a.max((x - y).abs())) / scale;
        println!(
            "{name:>14}: rank Q = {:3} at tolerance {RANK_TOLERANCE:e}, max relative difference {error:.1e}",
            lr.factors.len()
        );
    }
    divan::main();
}

/// All Table 4 kernels (first component) convolved with 81 snapshots by the 2D FFT, the
/// snapshots' spectra computed once as in the assembly.
#[divan::bench(sample_count = 5)]
fn fft_2d(bencher: Bencher<'_, '_>) {
    let h2 = grid().cell_volume();
    let conv = GridConvolver::new(&[N, N]);
    bencher.bench(|| {
        let mut work = conv.workspace();
        let spectra: Vec<DensitySpectrum> =
            snapshots().iter().map(|u| conv.density_spectrum(u, &mut work)).collect();
        let mut out = vec![0.0; N * N];
        for (_, values) in kernels() {
            let kernel = conv.kernel(values, h2, &mut work);
            for s in &spectra {
                conv.convolve(&kernel, s, &mut work, &mut out);
            }
        }
        out
    });
}

/// The same by truncated SVDs and Q pairs of 1D FFT convolutions per snapshot.
#[divan::bench(sample_count = 5)]
fn low_rank_1d_pairs(bencher: Bencher<'_, '_>) {
    let h2 = grid().cell_volume();
    let lines = LineConvolver::new();
    bencher.bench(|| {
        let mut out = vec![0.0; N * N];
        for (_, values) in kernels() {
            let lr = low_rank(values);
            let spectra: Vec<_> = lr
                .factors
                .iter()
                .map(|(a, b)| {
                    (lines.spectrum(a, 1.0 / (2 * N) as f64), lines.spectrum(b, h2 / (2 * N) as f64))
                })
                .collect();
            for u in snapshots() {
                low_rank_convolve(&lines, &spectra, u, &mut out);
            }
        }
        out
    });
}
