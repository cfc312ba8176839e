//! Convolution of a density with an interaction force on a grid in any dimension:
//! (∇K * U)(c) = h^d Σ_c' ∇K(c − c') U(c').

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use rustfft::{Fft, FftPlanner};

use crate::pass::fast_len;

/// Linear convolution on a grid of n_1 × … × n_d cells with kernels sampled on the difference
/// grid C − C ((2n_1 − 1) × … × (2n_d − 1) separations), by a real FFT along the last axis and
/// complex FFTs along the others, zero-padded to lengths P_a ≥ 2n_a − 1 so that wrap-around
/// misses every output that lies on the grid.
///
/// Only the parts of each transform that can be non-zero are computed: the forward transform
/// skips lines that are entirely padding, and the inverse transform produces only the lines
/// that hold grid outputs.
pub struct GridConvolver {
    cells: Vec<usize>,
    padded: Vec<usize>,
    /// Spectrum shape: (P_d / 2 + 1) × P_1 × … × P_{d−1}. The real transform's bins come
    /// first so that the complex transforms along the last of the other axes run over
    /// contiguous memory (in 2D, every complex line is contiguous).
    spectrum_shape: Vec<usize>,
    forward_last: Arc<dyn RealToComplex<f64>>,
    inverse_last: Arc<dyn ComplexToReal<f64>>,
    forward_axes: Vec<Arc<dyn Fft<f64>>>,
    inverse_axes: Vec<Arc<dyn Fft<f64>>>,
}

impl std::fmt::Debug for GridConvolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GridConvolver").field("cells", &self.cells).field("fft_len", &self.padded).finish()
    }
}

/// A kernel's spectrum, ready to multiply.
#[derive(Debug, Clone)]
pub struct KernelSpectrum(Vec<Complex<f64>>);

/// The spectrum of one density snapshot, shared by every kernel it is convolved with.
#[derive(Debug, Clone)]
pub struct DensitySpectrum(Vec<Complex<f64>>);

/// Reusable buffers of a [`GridConvolver`].
pub struct ConvWorkspace {
    row: Vec<f64>,
    bins: Vec<Complex<f64>>,
    rows: Vec<Complex<f64>>,
    line: Vec<Complex<f64>>,
    product: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
}

/// dst[c · dst_stride + r] = src[r · src_stride + c] for r < rows, c < cols, in square tiles so
/// that both sides stay in cache.
fn transpose_into(
    src: &[Complex<f64>],
    src_stride: usize,
    rows: usize,
    cols: usize,
    dst: &mut [Complex<f64>],
    dst_stride: usize,
) {
    const TILE: usize = 16;
    for r0 in (0..rows).step_by(TILE) {
        for c0 in (0..cols).step_by(TILE) {
            for r in r0..(r0 + TILE).min(rows) {
                for c in c0..(c0 + TILE).min(cols) {
                    dst[c * dst_stride + r] = src[r * src_stride + c];
                }
            }
        }
    }
}

/// Row-major strides of `shape`.
fn strides_of(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1; shape.len()];
    for a in (0..shape.len().saturating_sub(1)).rev() {
        strides[a] = strides[a + 1] * shape[a + 1];
    }
    strides
}

/// Calls `f` with the flat offset Σ (start_a + i_a) stride_a of every index in the box
/// i_a < extent_a, in row-major order.
fn for_each_in_box(start: &[usize], extent: &[usize], strides: &[usize], mut f: impl FnMut(usize)) {
    if extent.contains(&0) {
        return;
    }
    let base: usize = start.iter().zip(strides).map(|(s, t)| s * t).sum();
    let mut index = vec![0; extent.len()];
    loop {
        f(base + index.iter().zip(strides).map(|(i, s)| i * s).sum::<usize>());
        let mut a = extent.len();
        loop {
            if a == 0 {
                return;
            }
            a -= 1;
            index[a] += 1;
            if index[a] < extent[a] {
                break;
            }
            index[a] = 0;
        }
    }
}

impl GridConvolver {
    /// A convolver for grids of `cells` = [n_1, …, n_d] cells (every n_a ≥ 1, d ≥ 1).
    pub fn new(cells: &[usize]) -> Self {
        assert!(!cells.is_empty() && cells.iter().all(|&n| n >= 1), "a grid has at least one cell per axis");
        let padded: Vec<usize> = cells.iter().map(|&n| fast_len(2 * n - 1)).collect();
        let d = cells.len();
        let mut spectrum_shape = vec![padded[d - 1] / 2 + 1];
        spectrum_shape.extend_from_slice(&padded[..d - 1]);
        let mut real = RealFftPlanner::<f64>::new();
        let mut complex = FftPlanner::<f64>::new();
        Self {
            cells: cells.to_vec(),
            forward_last: real.plan_fft_forward(padded[d - 1]),
            inverse_last: real.plan_fft_inverse(padded[d - 1]),
            forward_axes: padded[..d - 1].iter().map(|&p| complex.plan_fft_forward(p)).collect(),
            inverse_axes: padded[..d - 1].iter().map(|&p| complex.plan_fft_inverse(p)).collect(),
            padded,
            spectrum_shape,
        }
    }

    /// FFT length used along each axis.
    pub fn fft_len(&self) -> &[usize] {
        &self.padded
    }

    fn spectrum_len(&self) -> usize {
        self.spectrum_shape.iter().product()
    }

    /// Buffers for the transforms.
    pub fn workspace(&self) -> ConvWorkspace {
        let scratch = self
            .forward_axes
            .iter()
            .chain(&self.inverse_axes)
            .map(|f| f.get_inplace_scratch_len())
            .chain([self.forward_last.get_scratch_len(), self.inverse_last.get_scratch_len()])
            .max()
            .unwrap_or(0);
        ConvWorkspace {
            row: self.forward_last.make_input_vec(),
            bins: self.forward_last.make_output_vec(),
            rows: Vec::new(),
            line: vec![Complex::default(); self.padded.iter().copied().max().unwrap_or(1)],
            product: vec![Complex::default(); self.spectrum_len()],
            scratch: vec![Complex::default(); scratch],
        }
    }

    /// The forward transform of a real array of shape `extent` placed at the origin of the
    /// padded grid.
    fn forward(
        &self,
        values: &[f64],
        extent: &[usize],
        scale: f64,
        work: &mut ConvWorkspace,
    ) -> Vec<Complex<f64>> {
        let d = self.cells.len();
        let shape = &self.spectrum_shape;
        let strides = strides_of(shape);
        let mut spectrum = vec![Complex::default(); self.spectrum_len()];
        let row_len = extent[d - 1];
        let bin_stride = strides[0];
        let mut source = values.chunks_exact(row_len);
        let mut real_row = |work: &mut ConvWorkspace, out: &mut [Complex<f64>]| {
            let row = source.next().expect("extent matches the values");
            for (r, v) in work.row.iter_mut().zip(row) {
                *r = v * scale;
            }
            work.row[row_len..].fill(0.0);
            self.forward_last
                .process_with_scratch(&mut work.row, out, &mut work.scratch)
                .expect("lengths from the plan");
        };
        if d == 2 {
            // rows side by side, then one cache-friendly transpose into the bins-first layout
            let (rows, bins) = (extent[0], shape[0]);
            let mut rows_buf = std::mem::take(&mut work.rows);
            rows_buf.resize(rows * bins, Complex::default());
            for r in 0..rows {
                real_row(work, &mut rows_buf[r * bins..(r + 1) * bins]);
            }
            transpose_into(&rows_buf, bins, rows, bins, &mut spectrum, bin_stride);
            work.rows = rows_buf;
        } else {
            for_each_in_box(&vec![0; d - 1], &extent[..d - 1], &strides[1..], |offset| {
                let mut bins = std::mem::take(&mut work.bins);
                real_row(work, &mut bins);
                for (k, b) in bins.iter().enumerate() {
                    spectrum[offset + k * bin_stride] = *b;
                }
                work.bins = bins;
            });
        }
        // complex axes from the last to the first: when axis a is transformed, the axes before
        // it are still untransformed (non-zero only within their extent), those after it dense
        for a in (0..d - 1).rev() {
            let mut outer_extent = vec![shape[0]];
            outer_extent.extend_from_slice(&extent[..a]);
            outer_extent.extend_from_slice(&shape[a + 2..]);
            self.line_transforms(
                &mut spectrum,
                a,
                &outer_extent,
                &vec![0; d - 1],
                &self.forward_axes[a],
                work,
            );
        }
        spectrum
    }

    /// Transforms every line along complex axis `a` (spectrum axis a + 1) whose other indices
    /// (bins, then the other complex axes in order) lie in the box `start + [0, extent)`.
    fn line_transforms(
        &self,
        spectrum: &mut [Complex<f64>],
        a: usize,
        outer_extent: &[usize],
        start: &[usize],
        fft: &Arc<dyn Fft<f64>>,
        work: &mut ConvWorkspace,
    ) {
        let len = self.padded[a];
        let strides = strides_of(&self.spectrum_shape);
        let stride = strides[a + 1];
        let mut outer_strides = vec![strides[0]];
        outer_strides.extend_from_slice(&strides[1..a + 1]);
        outer_strides.extend_from_slice(&strides[a + 2..]);
        let line = &mut work.line[..len];
        for_each_in_box(start, outer_extent, &outer_strides, |offset| {
            if stride == 1 {
                fft.process_with_scratch(&mut spectrum[offset..offset + len], &mut work.scratch);
                return;
            }
            for (i, l) in line.iter_mut().enumerate() {
                *l = spectrum[offset + i * stride];
            }
            fft.process_with_scratch(line, &mut work.scratch);
            for (i, l) in line.iter().enumerate() {
                spectrum[offset + i * stride] = *l;
            }
        });
    }

    /// The spectrum of a kernel given on the difference grid (separations (k_a − n_a + 1) h_a,
    /// k_a = 0..2n_a − 1, last axis fastest), scaled by `weight` (the quadrature weight h^d) and
    /// by the inverse transform's normalisation.
    pub fn kernel(&self, values: &[f64], weight: f64, work: &mut ConvWorkspace) -> KernelSpectrum {
        let extent: Vec<usize> = self.cells.iter().map(|&n| 2 * n - 1).collect();
        assert_eq!(
            values.len(),
            extent.iter().product::<usize>(),
            "kernel must be sampled on the difference grid"
        );
        let scale = weight / self.padded.iter().product::<usize>() as f64;
        KernelSpectrum(self.forward(values, &extent, scale, work))
    }

    /// The spectrum of one density snapshot (n_1 ⋯ n_d values).
    pub fn density_spectrum(&self, density: &[f64], work: &mut ConvWorkspace) -> DensitySpectrum {
        assert_eq!(density.len(), self.cells.iter().product::<usize>(), "density must be on the grid");
        DensitySpectrum(self.forward(density, &self.cells, 1.0, work))
    }

    /// Writes (kernel * density)(c) for every grid cell c (n_1 ⋯ n_d values, last axis fastest).
    pub fn convolve(
        &self,
        kernel: &KernelSpectrum,
        density: &DensitySpectrum,
        work: &mut ConvWorkspace,
        out: &mut [f64],
    ) {
        let d = self.cells.len();
        let mut product = std::mem::take(&mut work.product);
        for ((p, a), b) in product.iter_mut().zip(&density.0).zip(&kernel.0) {
            *p = a * b;
        }
        let shape = &self.spectrum_shape;
        let strides = strides_of(shape);
        // output cell i along axis a sits at index i + n_a − 1 of the full convolution; axes
        // already transformed back are needed only in that window
        let window_start: Vec<usize> = self.cells.iter().map(|&n| n - 1).collect();
        for a in 0..d - 1 {
            let mut outer_extent = vec![shape[0]];
            outer_extent.extend_from_slice(&self.cells[..a]);
            outer_extent.extend_from_slice(&shape[a + 2..]);
            let mut start = vec![0];
            start.extend_from_slice(&window_start[..a]);
            start.resize(d - 1, 0);
            self.line_transforms(&mut product, a, &outer_extent, &start, &self.inverse_axes[a], work);
        }
        let bins = shape[0];
        let bin_stride = strides[0];
        let n_last = self.cells[d - 1];
        let mut rows = out.chunks_exact_mut(n_last);
        let even = self.padded[d - 1].is_multiple_of(2);
        let mut real_row = |work: &mut ConvWorkspace, spectrum: &mut [Complex<f64>]| {
            // the DC (and Nyquist) bins of a real row are real; the complex passes leave rounding
            // noise in their imaginary parts
            spectrum[0].im = 0.0;
            if even {
                spectrum[bins - 1].im = 0.0;
            }
            self.inverse_last
                .process_with_scratch(spectrum, &mut work.row, &mut work.scratch)
                .expect("lengths from the plan");
            rows.next()
                .expect("one output row per grid row")
                .copy_from_slice(&work.row[n_last - 1..2 * n_last - 1]);
        };
        if d == 2 {
            // one cache-friendly transpose of the output window back to rows
            let count = self.cells[0];
            let mut rows_buf = std::mem::take(&mut work.rows);
            rows_buf.resize(count * bins, Complex::default());
            transpose_into(&product[window_start[0]..], bin_stride, bins, count, &mut rows_buf, bins);
            for row in rows_buf.chunks_exact_mut(bins) {
                real_row(work, row);
            }
            work.rows = rows_buf;
        } else {
            for_each_in_box(&window_start[..d - 1], &self.cells[..d - 1], &strides[1..], |offset| {
                let mut row = std::mem::take(&mut work.bins);
                for (k, b) in row.iter_mut().enumerate() {
                    *b = product[offset + k * bin_stride];
                }
                real_row(work, &mut row);
                work.bins = row;
            });
        }
        work.product = product;
    }
}
