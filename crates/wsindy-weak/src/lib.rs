//! Weak-form assembly for **wsindy**: the linear system G w = b of Algorithm 4.1, step 4.
//!
//! For test functions ψ_k(x, t) = φ_x(x − x_k) φ_t(t − t_k) and the density U on C × t, with
//! ⟨f, g⟩ = h^d Δt Σ f g (the trapezoidal rule; ψ vanishes on the edge of its support):
//!
//! * left-hand side b_k = ⟨∂tψ_k, U⟩;
//! * interaction term K_j: G_kj = ⟨∇ψ_k, U (∇K_j * U)⟩, the convolution by FFT with ∇K_j
//!   sampled once on the difference grid C − C;
//! * drift term V_j: G_kj = ⟨∇ψ_k, U ∇V_j⟩;
//! * diffusion term D_j = ½(σσᵀ)_j: G_kj = −Σ_pq ⟨∂p∂qψ_k, (D_j)_pq U⟩;
//!
//! so that the coefficients solve the weak form (3.4) of
//! ∂tμ = ∇·((∇K*μ + ∇V)μ) + Σ_pq ∂p∂q(½(σσᵀ)_pq μ).
//!
//! Every inner product for all k at once is a separable correlation of a field with the
//! derivative stencils of φ, sampled at the query points: one [`AxisPass`] per axis. Time
//! passes go first where they commute with the term (drift, diffusion, b), so those columns
//! cost one space pass each on the time-filtered density.
//!
//! ```
//! use wsindy_core::{Axis, DensitySeries, Grid, TermKind};
//! use wsindy_library::{Library, Term};
//! use wsindy_testfn::{SeparableBasis, PolyBump};
//! use wsindy_weak::{assemble, AssemblyOptions};
//! // the heat kernel u = N(0, 2Dt) solves ∂t u = D ∂xx u: the weak residual is small for D = 0.1
//! let (n, l, d) = (128, 41, 0.1);
//! let grid = Grid::new(vec![Axis::from_edges(-4.0, 4.0, n).unwrap()]).unwrap();
//! let times: Vec<f64> = (0..l).map(|i| 1.0 + 0.025 * i as f64).collect();
//! let mut u = Vec::new();
//! for &t in &times {
//!     for x in grid.axes()[0].centres() {
//!         let var = 2.0 * d * t;
//!         u.push((-x * x / (2.0 * var)).exp() / (2.0 * std::f64::consts::PI * var).sqrt());
//!     }
//! }
//! let density = DensitySeries::new(grid, times, u, 0, 0);
//! let h = density.grid().axes()[0].spacing();
//! let basis = SeparableBasis::new(
//!     vec![PolyBump::new(20, 5, h).unwrap(), PolyBump::new(10, 3, 0.025).unwrap()],
//!     &[n, l],
//!     &[4, 2],
//! )
//! .unwrap();
//! let mut lib = Library::new();
//! lib.push(Term::diffusion_monomial(0));
//! let sys = assemble(&density, &basis, lib.terms(), &AssemblyOptions::default()).unwrap();
//! let residual: f64 = sys.g.col(0).iter().zip(&sys.b).map(|(g, b)| (g * d - b).powi(2)).sum::<f64>().sqrt();
//! let norm: f64 = sys.b.iter().map(|b| b * b).sum::<f64>().sqrt();
//! assert!(residual / norm < 1e-3);
//! ```

mod convolve;
mod pass;

pub use convolve::{ConvWorkspace, DensitySpectrum, GridConvolver, KernelSpectrum};
pub use pass::{AxisPass, PassStrategy, fast_len};

use rayon::prelude::*;
use thiserror::Error;
use wsindy_core::{DenseMatrix, DensitySeries, TermKind, TestFunctionBasis, TrialTerm};

/// Errors of weak-form assembly.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum WeakError {
    /// The test functions do not fit the density's grid.
    #[error("test functions have {basis} axes but the density has {density} (space axes plus time)")]
    AxisMismatch {
        /// Axes of the basis.
        basis: usize,
        /// Axes of the density.
        density: usize,
    },
    /// A query point's support leaves the grid along an axis.
    #[error(
        "a test function centred at index {centre} with half-width {half_width} leaves axis {axis} of {points} points"
    )]
    SupportOutside {
        /// Axis (space axes, then time).
        axis: usize,
        /// Query centre.
        centre: usize,
        /// Half-width.
        half_width: usize,
        /// Points along the axis.
        points: usize,
    },
    /// No test function sees enough mass to give a row.
    #[error("{}", no_rows(*.threshold, *.largest))]
    NoRows {
        /// The relative mass threshold.
        threshold: f64,
        /// The largest mass a test function sees (0 when the density vanishes at every query
        /// point).
        largest: f64,
    },
    /// A term is written for data of another dimension.
    #[error(transparent)]
    WrongDimension(#[from] wsindy_core::CoreError),
    /// A term produced a NaN or infinite value on the grid.
    #[error("{kind} term '{name}' evaluates to {value} at {point:?}: expected finite values on the grid")]
    NonFiniteTerm {
        /// Kind of the term.
        kind: TermKind,
        /// Name of the term.
        name: String,
        /// The value.
        value: f64,
        /// Where.
        point: Vec<f64>,
    },
    /// A mass threshold outside [0, 1).
    #[error("row mass threshold {0} is invalid: expected a number in [0, 1)")]
    MassThreshold(f64),
}

/// The message of [`WeakError::NoRows`]: a threshold relative to a largest mass of 0 means
/// nothing, so that case says what is wrong instead.
fn no_rows(threshold: f64, largest: f64) -> String {
    if largest > 0.0 {
        format!("no test function sees at least {threshold} of the largest mass: no rows in the weak system")
    } else {
        "no test function sees any mass (the density is zero under every test function): no rows in the weak system; check that the grid covers the particles".to_string()
    }
}

/// Options of the assembly.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AssemblyOptions {
    /// Rows whose test function sees less than this fraction of the largest ⟨ψ_k, U⟩ are
    /// dropped: they carry noise, not dynamics.
    pub mass_threshold: f64,
    /// How the test-function correlations are computed.
    pub strategy: PassStrategy,
}

impl Default for AssemblyOptions {
    fn default() -> Self {
        Self { mass_threshold: 0.01, strategy: PassStrategy::Auto }
    }
}

/// The assembled weak system: G (rows × J) and b, with the rows that were kept.
#[derive(Debug, Clone, PartialEq)]
pub struct WeakSystem {
    /// The matrix G, one column per trial term.
    pub g: DenseMatrix,
    /// The left-hand side b.
    pub b: Vec<f64>,
    /// Number of query points before the mass filter.
    pub rows_total: usize,
    /// Flat query-point indices (time-major) of the kept rows.
    pub rows_kept: Vec<usize>,
}

/// Per-axis passes for every derivative order a basis provides.
struct Passes {
    /// passes[array_axis][derivative]; array axis 0 is time, a + 1 is space axis a.
    by_axis: Vec<Vec<AxisPass>>,
}

impl Passes {
    fn new(basis: &dyn TestFunctionBasis, shape: &[usize], strategy: PassStrategy) -> Self {
        let d = shape.len() - 1;
        let by_axis = (0..=d)
            .map(|array_axis| {
                let basis_axis = if array_axis == 0 { d } else { array_axis - 1 };
                let orders = if array_axis == 0 { 2 } else { 3 };
                (0..orders)
                    .map(|r| {
                        AxisPass::new(
                            basis.stencil(basis_axis, r),
                            basis.query_indices(basis_axis),
                            shape[array_axis],
                            shape[array_axis + 1..].iter().product(),
                            strategy,
                        )
                    })
                    .collect()
            })
            .collect();
        Self { by_axis }
    }

    /// Space passes with derivative orders `orders[a]` along space axis a, on an array of
    /// shape [rows, n_1, …, n_d]; returns the flattened [rows, q_1, …, q_d] result.
    fn space(&self, field: &[f64], shape: &[usize], orders: &[usize]) -> Vec<f64> {
        let mut shape = shape.to_vec();
        let mut current = Vec::new();
        let mut next = Vec::new();
        for (a, &r) in orders.iter().enumerate() {
            let pass = &self.by_axis[a + 1][r];
            pass.apply(if a == 0 { field } else { &current }, &shape, a + 1, &mut next);
            shape[a + 1] = pass.queries();
            std::mem::swap(&mut current, &mut next);
        }
        current
    }

    fn time(&self, field: &[f64], shape: &[usize], order: usize) -> Vec<f64> {
        let mut out = Vec::new();
        self.by_axis[0][order].apply(field, shape, 0, &mut out);
        out
    }
}

/// Derivative orders per space axis for ∂_p (p = Some) in `d` dimensions.
fn unit(d: usize, p: usize, q: Option<usize>) -> Vec<usize> {
    let mut orders = vec![0; d];
    orders[p] += 1;
    if let Some(q) = q {
        orders[q] += 1;
    }
    orders
}

/// Assembles G and b for `terms` from `density` with the test functions `basis`.
pub fn assemble(
    density: &DensitySeries,
    basis: &dyn TestFunctionBasis,
    terms: &[Box<dyn TrialTerm>],
    options: &AssemblyOptions,
) -> Result<WeakSystem, WeakError> {
    let shape = density.shape();
    let d = shape.len() - 1;
    if basis.axes() != d + 1 {
        return Err(WeakError::AxisMismatch { basis: basis.axes(), density: d + 1 });
    }
    for term in terms {
        term.check_dim(d)?;
    }
    if !(0.0..1.0).contains(&options.mass_threshold) {
        return Err(WeakError::MassThreshold(options.mass_threshold));
    }
    for axis in 0..=d {
        let points = if axis == d { shape[0] } else { shape[axis + 1] };
        let m = basis.half_width(axis);
        if let Some(&c) = basis.query_indices(axis).iter().find(|&&c| c < m || c + m >= points) {
            return Err(WeakError::SupportOutside { axis, centre: c, half_width: m, points });
        }
    }

    let grid = density.grid();
    let weight = grid.cell_volume() * density.dt();
    let passes = Passes::new(basis, &shape, options.strategy);
    let mut filtered_shape = shape.clone();
    filtered_shape[0] = basis.query_indices(d).len();
    let mut query_shape = vec![shape[0]];
    query_shape.extend((0..d).map(|a| basis.query_indices(a).len()));
    let smooth = passes.time(density.values(), &shape, 0);
    let smooth_dt = passes.time(density.values(), &shape, 1);
    let centres = grid.centre_points();
    let cells = grid.len();

    let mass = passes.space(&smooth, &filtered_shape, &vec![0; d]);
    let b_all = passes.space(&smooth_dt, &filtered_shape, &vec![0; d]);
    let rows_total = mass.len();
    let max_mass = mass.iter().copied().fold(0.0, f64::max);
    let keep: Vec<bool> = mass.iter().map(|&v| v >= options.mass_threshold * max_mass && v > 0.0).collect();
    let rows_kept: Vec<usize> = keep.iter().enumerate().filter(|(_, k)| **k).map(|(i, _)| i).collect();
    if rows_kept.is_empty() {
        return Err(WeakError::NoRows { threshold: options.mass_threshold, largest: max_mass });
    }

    let interaction = terms.iter().any(|t| t.kind() == TermKind::Interaction).then(|| {
        let convolver = GridConvolver::new(&grid.shape());
        // one spectrum per snapshot, shared by every interaction term and component
        let spectra: Vec<DensitySpectrum> = density
            .values()
            .par_chunks_exact(cells)
            .map_init(|| convolver.workspace(), |work, u| convolver.density_spectrum(u, work))
            .collect();
        (convolver, spectra, grid.difference_points())
    });

    // per-thread buffers: the fields are L × |C| values, worth reusing across columns
    let new_scratch = || Scratch {
        field: Vec::new(),
        kernel: Vec::new(),
        component: Vec::new(),
        conv: interaction.as_ref().map(|(convolver, _, _)| convolver.workspace()),
    };
    let columns: Result<Vec<Vec<f64>>, WeakError> = terms
        .par_iter()
        .map_init(new_scratch, |scratch, term| {
            let kind = term.kind();
            let comps = kind.components(d);
            let column = match kind {
                TermKind::Drift | TermKind::Diffusion => {
                    let mut values = vec![0.0; cells * comps];
                    term.evaluate(&centres, d, &mut values);
                    check_finite(term.as_ref(), &values, &centres, d)?;
                    let mut total = vec![0.0; rows_total];
                    scratch.field.resize(smooth.len(), 0.0);
                    let field = &mut scratch.field[..smooth.len()];
                    let mut entry = vec![0.0; cells];
                    for comp in 0..comps {
                        for (e, v) in entry.iter_mut().zip(values.iter().skip(comp).step_by(comps)) {
                            *e = *v;
                        }
                        if entry.iter().all(|&v| v == 0.0) {
                            continue;
                        }
                        for (row, out) in smooth.chunks_exact(cells).zip(field.chunks_exact_mut(cells)) {
                            for ((o, u), v) in out.iter_mut().zip(row).zip(&entry) {
                                *o = u * v;
                            }
                        }
                        let (orders, sign) = if kind == TermKind::Drift {
                            (unit(d, comp, None), 1.0)
                        } else {
                            (unit(d, comp / d, Some(comp % d)), -1.0)
                        };
                        let part = passes.space(field, &filtered_shape, &orders);
                        for (t, p) in total.iter_mut().zip(&part) {
                            *t += sign * p;
                        }
                    }
                    total
                }
                TermKind::Interaction => {
                    let (convolver, spectra, differences) =
                        interaction.as_ref().expect("built when the library has interaction terms");
                    let Scratch { field, kernel, component, conv } = scratch;
                    let work = conv.as_mut().expect("built with the convolver");
                    kernel.resize(differences.len(), 0.0);
                    term.evaluate(differences, d, kernel);
                    check_finite(term.as_ref(), kernel, differences, d)?;
                    component.resize(differences.len() / d, 0.0);
                    field.resize(density.values().len(), 0.0);
                    let field = &mut field[..density.values().len()];
                    let mut total = vec![0.0; rows_total];
                    for comp in 0..d {
                        for (c, k) in component.iter_mut().zip(kernel.iter().skip(comp).step_by(d)) {
                            *c = *k;
                        }
                        if component.iter().all(|&v| v == 0.0) {
                            continue;
                        }
                        let spectrum = convolver.kernel(component, grid.cell_volume(), work);
                        for ((u, s), out) in density
                            .values()
                            .chunks_exact(cells)
                            .zip(spectra)
                            .zip(field.chunks_exact_mut(cells))
                        {
                            convolver.convolve(&spectrum, s, work, out);
                            for (o, v) in out.iter_mut().zip(u) {
                                *o *= v;
                            }
                        }
                        // space passes first: they shrink the array far more than the time pass
                        let reduced = passes.space(field, &shape, &unit(d, comp, None));
                        let part = passes.time(&reduced, &query_shape, 0);
                        for (t, p) in total.iter_mut().zip(&part) {
                            *t += p;
                        }
                    }
                    total
                }
            };
            Ok(column)
        })
        .collect();
    let columns = columns?;
    let pick = |col: &[f64]| -> Vec<f64> { rows_kept.iter().map(|&i| col[i] * weight).collect() };
    let g = DenseMatrix::from_columns(&columns.iter().map(|c| pick(c)).collect::<Vec<_>>());
    let b = pick(&b_all);
    Ok(WeakSystem { g, b, rows_total, rows_kept })
}

/// Buffers one thread reuses from column to column.
struct Scratch {
    field: Vec<f64>,
    kernel: Vec<f64>,
    component: Vec<f64>,
    conv: Option<ConvWorkspace>,
}

fn check_finite(term: &dyn TrialTerm, values: &[f64], points: &[f64], d: usize) -> Result<(), WeakError> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => {
            let p = i / term.kind().components(d);
            Err(WeakError::NonFiniteTerm {
                kind: term.kind(),
                name: term.name(),
                value: values[i],
                point: points[p * d..(p + 1) * d].to_vec(),
            })
        }
    }
}

/// The factors that make the columns dimensionless. With α an inverse length and β an inverse
/// time (the test functions' scales) and e_j = [`TrialTerm::length_exponent`], the factor of term
/// j is c_j = β/α^{e_j}: the regression solves (G diag(c)) w̃ = b, whose coefficients
/// w̃_j = w_j α^{e_j}/β are dimensionless, and the physical coefficients are w_j = c_j w̃_j.
pub fn column_scales(terms: &[Box<dyn TrialTerm>], inverse_length: f64, inverse_time: f64) -> Vec<f64> {
    terms.iter().map(|t| inverse_time / inverse_length.powf(t.length_exponent())).collect()
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_2d;
