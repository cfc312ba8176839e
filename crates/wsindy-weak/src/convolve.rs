//! Convolution of a density with an interaction force on the grid: (∇K * U)(c) = h Σ_c' ∇K(c − c') U(c').

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use crate::pass::fast_len;

/// Linear convolution on a 1D grid of n cells with kernels sampled on the difference grid
/// (2n − 1 separations), by real FFTs of length ≥ 2n − 1 (wrap-around then misses every output
/// that lies on the grid).
pub struct GridConvolver {
    n: usize,
    len: usize,
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f64>>,
}

impl std::fmt::Debug for GridConvolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GridConvolver").field("n", &self.n).field("fft_len", &self.len).finish()
    }
}

/// A kernel's spectrum, ready to multiply.
pub struct KernelSpectrum(Vec<Complex<f64>>);

impl GridConvolver {
    /// A convolver for grids of `n` cells.
    pub fn new(n: usize) -> Self {
        let len = fast_len(2 * n - 1);
        let mut planner = RealFftPlanner::<f64>::new();
        Self { n, len, forward: planner.plan_fft_forward(len), inverse: planner.plan_fft_inverse(len) }
    }

    /// FFT length used.
    pub fn fft_len(&self) -> usize {
        self.len
    }

    /// The spectrum of a kernel given at separations (k − n + 1) h, k = 0..2n−1, scaled by
    /// `weight` (the quadrature weight h) and by 1/len for the unnormalised inverse.
    pub fn kernel(&self, values: &[f64], weight: f64) -> KernelSpectrum {
        assert_eq!(values.len(), 2 * self.n - 1, "kernel must be sampled on the difference grid");
        let mut padded = self.forward.make_input_vec();
        let scale = weight / self.len as f64;
        for (p, v) in padded.iter_mut().zip(values) {
            *p = v * scale;
        }
        let mut spectrum = self.forward.make_output_vec();
        self.forward.process(&mut padded, &mut spectrum).expect("lengths from the plan");
        KernelSpectrum(spectrum)
    }

    /// Buffers for [`Self::density_spectrum`] and [`Self::convolve`].
    pub fn workspace(&self) -> ConvWorkspace {
        let scratch = self.forward.get_scratch_len().max(self.inverse.get_scratch_len());
        ConvWorkspace {
            real: self.forward.make_input_vec(),
            spectrum: self.forward.make_output_vec(),
            product: self.forward.make_output_vec(),
            scratch: vec![Complex::default(); scratch],
        }
    }

    /// Transforms one density snapshot (n values) into `work`, to be shared by all kernels.
    pub fn density_spectrum(&self, density: &[f64], work: &mut ConvWorkspace) {
        work.real[..self.n].copy_from_slice(density);
        work.real[self.n..].fill(0.0);
        self.forward
            .process_with_scratch(&mut work.real, &mut work.spectrum, &mut work.scratch)
            .expect("lengths from the plan");
    }

    /// Writes (kernel * density)(c_i), i = 0..n, for the density last given to
    /// [`Self::density_spectrum`].
    pub fn convolve(&self, kernel: &KernelSpectrum, work: &mut ConvWorkspace, out: &mut [f64]) {
        for ((p, a), b) in work.product.iter_mut().zip(&work.spectrum).zip(&kernel.0) {
            *p = a * b;
        }
        self.inverse
            .process_with_scratch(&mut work.product, &mut work.real, &mut work.scratch)
            .expect("lengths from the plan");
        // output i sits at index i + n − 1 of the full convolution
        out.copy_from_slice(&work.real[self.n - 1..2 * self.n - 1]);
    }
}

/// Reusable buffers of a [`GridConvolver`].
pub struct ConvWorkspace {
    real: Vec<f64>,
    spectrum: Vec<Complex<f64>>,
    product: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
}
