//! One axis of a separable test-function integral: correlate every line of an array along an
//! axis with a stencil and keep the values at the query points.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

/// How a pass computes its correlations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PassStrategy {
    /// Whichever of the two needs fewer operations for the line length, support and stride.
    #[default]
    Auto,
    /// Sums of 2m + 1 products at each query point: cheapest when queries are sparse.
    Direct,
    /// Real FFT of each line times the cached stencil spectrum: cheapest for dense queries and
    /// wide supports.
    Fft,
}

/// The smallest length ≥ n of the form 2^a 3^b 5^c.
pub fn fast_len(n: usize) -> usize {
    let mut best = n.next_power_of_two();
    let mut p5 = 1;
    while p5 < best {
        let mut p35 = p5;
        while p35 < best {
            let mut p = p35;
            while p < n {
                p *= 2;
            }
            best = best.min(p);
            p35 *= 3;
        }
        p5 *= 5;
    }
    best
}

struct FftKernel {
    len: usize,
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f64>>,
    /// Spectrum of the reversed stencil, divided by the length (the inverse is unnormalised).
    spectrum: Vec<Complex<f64>>,
}

/// Correlation of lines of length `n` with a stencil of length 2m + 1, sampled at query centres:
/// out[q] = Σ_j stencil[j] · line[c_q − m + j].
pub struct AxisPass {
    stencil: Vec<f64>,
    queries: Vec<usize>,
    n: usize,
    fft: Option<FftKernel>,
}

impl std::fmt::Debug for AxisPass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AxisPass")
            .field("support", &self.stencil.len())
            .field("queries", &self.queries.len())
            .field("n", &self.n)
            .field("fft", &self.fft.as_ref().map(|k| k.len))
            .finish()
    }
}

impl AxisPass {
    /// A pass over lines of length `n`, applied to arrays in which `inner` neighbouring lines
    /// are interleaved (the product of the lengths of the later axes; 1 for the last axis);
    /// every query centre c must satisfy m ≤ c < n − m.
    pub fn new(stencil: &[f64], queries: &[usize], n: usize, inner: usize, strategy: PassStrategy) -> Self {
        let m = (stencil.len() - 1) / 2;
        debug_assert!(queries.iter().all(|&c| c >= m && c + m < n));
        // Valid correlation outputs need no guard band: wrap-around only reaches indices below 2m.
        let len = fast_len(n);
        // Operation counts weighted by measured speed: the SIMD FFT pair plus the product costs
        // about ½ P log2 P + 2P multiply-adds' worth of time per line, against one scalar
        // multiply-add per stencil entry and query (benchmark `assemble_table3`). Across
        // interleaved lines the direct sums run as vector multiply-adds over contiguous memory,
        // while the FFT would have to gather each line; counting them four times cheaper, the
        // choice beat both all-direct and all-FFT passes on Table 4 (medians 0.64, 0.70 and
        // 0.83 s, benchmark `assemble_table4_strategy`, machine under load).
        let vector_speedup = if inner >= 4 { 4.0 } else { 1.0 };
        let direct_cost = (queries.len() * stencil.len()) as f64 / vector_speedup;
        let fft_cost = 0.5 * len as f64 * (len as f64).log2() + 2.0 * len as f64;
        let use_fft = match strategy {
            PassStrategy::Auto => fft_cost < direct_cost,
            PassStrategy::Direct => false,
            PassStrategy::Fft => true,
        };
        let fft = use_fft.then(|| {
            let mut planner = RealFftPlanner::<f64>::new();
            let forward = planner.plan_fft_forward(len);
            let inverse = planner.plan_fft_inverse(len);
            let mut padded = forward.make_input_vec();
            for (i, &s) in stencil.iter().rev().enumerate() {
                padded[i] = s / len as f64;
            }
            let mut spectrum = forward.make_output_vec();
            forward.process(&mut padded, &mut spectrum).expect("lengths from the plan");
            FftKernel { len, forward, inverse, spectrum }
        });
        Self { stencil: stencil.to_vec(), queries: queries.to_vec(), n, fft }
    }

    /// Number of query points.
    pub fn queries(&self) -> usize {
        self.queries.len()
    }
    /// True if the pass uses the FFT.
    pub fn uses_fft(&self) -> bool {
        self.fft.is_some()
    }

    /// Applies the pass along `axis` of `input` (C order, `shape`), writing an array whose
    /// `axis` has length `self.queries()` into `output` (resized).
    pub fn apply(&self, input: &[f64], shape: &[usize], axis: usize, output: &mut Vec<f64>) {
        assert_eq!(shape[axis], self.n, "line length differs from the pass");
        let inner: usize = shape[axis + 1..].iter().product();
        let outer: usize = shape[..axis].iter().product();
        let q = self.queries.len();
        output.clear();
        output.resize(outer * q * inner, 0.0);
        if self.fft.is_none() && inner > 1 {
            self.apply_across_lines(input, inner, output);
            return;
        }
        let mut work = Workspace::new(self);
        for o in 0..outer {
            for s in 0..inner {
                let base = o * self.n * inner + s;
                for (i, v) in work.line.iter_mut().take(self.n).enumerate() {
                    *v = input[base + i * inner];
                }
                self.correlate(&mut work);
                let out_base = o * q * inner + s;
                for (k, v) in work.result.iter().enumerate() {
                    output[out_base + k * inner] = *v;
                }
            }
        }
    }

    /// The direct correlation along a strided axis, as multiply-adds of whole contiguous
    /// blocks of `inner` values: the inner loop runs over neighbouring lines, which vectorises
    /// and needs no gather.
    fn apply_across_lines(&self, input: &[f64], inner: usize, output: &mut [f64]) {
        let m = (self.stencil.len() - 1) / 2;
        let q = self.queries.len();
        for (block_in, block_out) in
            input.chunks_exact(self.n * inner).zip(output.chunks_exact_mut(q * inner))
        {
            for (out, &c) in block_out.chunks_exact_mut(inner).zip(&self.queries) {
                let window = &block_in[(c - m) * inner..(c + m + 1) * inner];
                for (&s, line) in self.stencil.iter().zip(window.chunks_exact(inner)) {
                    if s != 0.0 {
                        for (o, v) in out.iter_mut().zip(line) {
                            *o += s * v;
                        }
                    }
                }
            }
        }
    }

    fn correlate(&self, work: &mut Workspace) {
        let m = (self.stencil.len() - 1) / 2;
        match &self.fft {
            None => {
                for (r, &c) in work.result.iter_mut().zip(&self.queries) {
                    let window = &work.line[c - m..=c + m];
                    *r = window.iter().zip(&self.stencil).map(|(a, b)| a * b).sum();
                }
            }
            Some(k) => {
                work.line[self.n..].fill(0.0);
                k.forward
                    .process_with_scratch(&mut work.line, &mut work.spectrum, &mut work.scratch)
                    .expect("lengths from the plan");
                for (a, b) in work.spectrum.iter_mut().zip(&k.spectrum) {
                    *a *= b;
                }
                k.inverse
                    .process_with_scratch(&mut work.spectrum, &mut work.conv, &mut work.scratch)
                    .expect("lengths from the plan");
                // the correlation centred at c is the convolution with the reversed stencil at c + m
                for (r, &c) in work.result.iter_mut().zip(&self.queries) {
                    *r = work.conv[c + m];
                }
            }
        }
    }
}

/// Buffers of one pass, reused for every line.
struct Workspace {
    line: Vec<f64>,
    conv: Vec<f64>,
    spectrum: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
    result: Vec<f64>,
}

impl Workspace {
    fn new(pass: &AxisPass) -> Self {
        match &pass.fft {
            None => Self {
                line: vec![0.0; pass.n],
                conv: Vec::new(),
                spectrum: Vec::new(),
                scratch: Vec::new(),
                result: vec![0.0; pass.queries.len()],
            },
            Some(k) => {
                let scratch_len = k.forward.get_scratch_len().max(k.inverse.get_scratch_len());
                Self {
                    line: vec![0.0; k.len],
                    conv: vec![0.0; k.len],
                    spectrum: k.forward.make_output_vec(),
                    scratch: vec![Complex::default(); scratch_len],
                    result: vec![0.0; pass.queries.len()],
                }
            }
        }
    }
}

impl std::fmt::Display for PassStrategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PassStrategy::Auto => "auto",
            PassStrategy::Direct => "direct",
            PassStrategy::Fft => "fft",
        })
    }
}
