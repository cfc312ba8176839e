//! Two-dimensional checks of the assembly against direct quadrature and exact solutions.

use super::*;
use wsindy_core::{Axis, Grid};
use wsindy_library::{Library, MatrixEntry, ScalarField, Term};
use wsindy_testfn::{PolyBump, SeparableBasis};

fn positive_field(len: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..len)
        .map(|_| {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            0.2 + (s >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

/// Space derivative orders of the test function and the field they are integrated against.
type WeightedField = ([usize; 2], Vec<f64>);

/// G_kj and b_k by brute-force 2D space–time quadrature of the weak form, for one term.
fn quadrature_column(
    density: &DensitySeries,
    bumps: &[PolyBump; 3],
    queries: &[Vec<usize>; 3],
    term: Option<&dyn TrialTerm>,
) -> Vec<f64> {
    let grid = density.grid();
    let [n1, n2] = [grid.axes()[0].cells(), grid.axes()[1].cells()];
    let (h1, h2, dt) = (grid.axes()[0].spacing(), grid.axes()[1].spacing(), density.dt());
    let cells = n1 * n2;
    let centres = grid.centre_points();
    let values = density.values();
    // the field the test function is integrated against: D entries, forces or ∇K * U
    let (orders_and_fields, time_derivative): (Vec<WeightedField>, usize) = match term {
        None => (vec![([0, 0], values.to_vec())], 1),
        Some(t) => {
            let comps = t.kind().components(2);
            let per_time: Vec<Vec<f64>> = match t.kind() {
                TermKind::Drift | TermKind::Diffusion => {
                    let mut v = vec![0.0; cells * comps];
                    t.evaluate(&centres, 2, &mut v);
                    vec![v; density.times().len()]
                }
                TermKind::Interaction => {
                    // (∇K * U)(x_i) = h1 h2 Σ_j ∇K(x_i − x_j) U(x_j), per time
                    values
                        .chunks_exact(cells)
                        .map(|u| {
                            let mut out = vec![0.0; cells * 2];
                            let mut f = [0.0; 2];
                            for i in 0..cells {
                                for j in 0..cells {
                                    let dx = [
                                        centres[2 * i] - centres[2 * j],
                                        centres[2 * i + 1] - centres[2 * j + 1],
                                    ];
                                    t.evaluate(&dx, 2, &mut f);
                                    out[2 * i] += h1 * h2 * f[0] * u[j];
                                    out[2 * i + 1] += h1 * h2 * f[1] * u[j];
                                }
                            }
                            out
                        })
                        .collect()
                }
            };
            let sign = if t.kind() == TermKind::Diffusion { -1.0 } else { 1.0 };
            let list = (0..comps)
                .map(|c| {
                    let orders = if t.kind() == TermKind::Diffusion {
                        let mut o = [0, 0];
                        o[c / 2] += 1;
                        o[c % 2] += 1;
                        o
                    } else {
                        let mut o = [0, 0];
                        o[c] = 1;
                        o
                    };
                    let field: Vec<f64> = values
                        .chunks_exact(cells)
                        .zip(&per_time)
                        .flat_map(|(u, v)| (0..cells).map(move |i| sign * u[i] * v[i * comps + c]))
                        .collect();
                    (orders, field)
                })
                .collect();
            (list, 0)
        }
    };
    let mut out = Vec::new();
    for &tk in &queries[2] {
        for &q1 in &queries[0] {
            for &q2 in &queries[1] {
                let mut sum = 0.0;
                for (orders, field) in &orders_and_fields {
                    for (l, row) in field.chunks_exact(cells).enumerate() {
                        let pt = bumps[2].value((l as f64 - tk as f64) * dt, time_derivative);
                        if pt == 0.0 {
                            continue;
                        }
                        for i1 in 0..n1 {
                            let p1 = bumps[0].value((i1 as f64 - q1 as f64) * h1, orders[0]);
                            for i2 in 0..n2 {
                                let p2 = bumps[1].value((i2 as f64 - q2 as f64) * h2, orders[1]);
                                sum += pt * p1 * p2 * row[i1 * n2 + i2];
                            }
                        }
                    }
                }
                out.push(sum * h1 * h2 * dt);
            }
        }
    }
    out
}

#[test]
fn separable_weak_integrals_equal_2d_quadrature() {
    let (n1, n2, l) = (22, 18, 13);
    let grid =
        Grid::new(vec![Axis::from_edges(-1.0, 1.2, n1).unwrap(), Axis::from_edges(0.5, 1.4, n2).unwrap()])
            .unwrap();
    let (h1, h2) = (grid.axes()[0].spacing(), grid.axes()[1].spacing());
    let times: Vec<f64> = (0..l).map(|i| 0.1 * i as f64).collect();
    let density = DensitySeries::new(grid, times, positive_field(n1 * n2 * l, 4), 0, 0);
    let bumps = [
        PolyBump::new(5, 5, h1).unwrap(),
        PolyBump::new(4, 5, h2).unwrap(),
        PolyBump::new(3, 3, 0.1).unwrap(),
    ];
    let basis = SeparableBasis::new(bumps.to_vec(), &[n1, n2, l], &[3, 2, 2]).unwrap();
    let queries = [0, 1, 2].map(|a| basis.query_indices(a).to_vec());
    let mut lib = Library::new();
    lib.push(Term::AxisForce { axis: 1, field: ScalarField::Cosines(vec![1, 2]) })
        .push(Term::AxisForce { axis: 0, field: ScalarField::Monomial(vec![2, 1]) })
        .push(Term::Diffusion {
            entry: MatrixEntry::Entry { p: 0, q: 1 },
            field: ScalarField::Monomial(vec![1, 1]),
        })
        .push(Term::Diffusion { entry: MatrixEntry::Identity, field: ScalarField::Cosines(vec![2, 0]) })
        .push(Term::power(3.0))
        .push(Term::Interaction(wsindy_library::RadialKernel::Log { delta: 0.05 }));
    for strategy in [PassStrategy::Direct, PassStrategy::Fft] {
        let options = AssemblyOptions { mass_threshold: 0.0, strategy };
        let sys = assemble(&density, &basis, lib.terms(), &options).unwrap();
        assert_eq!(sys.rows_kept.len(), sys.rows_total, "a positive density keeps every row");
        let b = quadrature_column(&density, &bumps, &queries, None);
        let scale = b.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
        for (got, want) in sys.b.iter().zip(&b) {
            assert!((got - want).abs() < 1e-11 * scale, "{strategy:?} b: {got} vs {want}");
        }
        for (j, term) in lib.terms().iter().enumerate() {
            let want = quadrature_column(&density, &bumps, &queries, Some(term.as_ref()));
            let scale = want.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
            for (got, want) in sys.g.col(j).iter().zip(&want) {
                assert!((got - want).abs() < 1e-11 * scale, "{strategy:?} {}: {got} vs {want}", term.name());
            }
        }
    }
}

/// A Gaussian N(mean(t), cov(t)) sampled on an n × n grid over [−4, 4]² at times
/// 0.5, 0.5 + dt, …, 1.5.
fn gaussian_series(n: usize, dt: f64, moments: impl Fn(f64) -> ([f64; 2], [f64; 3])) -> DensitySeries {
    let axis = Axis::from_edges(-4.0, 4.0, n).unwrap();
    let grid = Grid::new(vec![axis, axis]).unwrap();
    let steps = (1.0 / dt).round() as usize;
    let times: Vec<f64> = (0..=steps).map(|i| 0.5 + i as f64 * dt).collect();
    let centres = grid.centre_points();
    let mut values = Vec::with_capacity(n * n * times.len());
    for &t in &times {
        let (m, [a, b, c]) = moments(t);
        let det = a * c - b * b;
        let norm = 1.0 / (2.0 * std::f64::consts::PI * det.sqrt());
        for p in centres.chunks_exact(2) {
            let (x, y) = (p[0] - m[0], p[1] - m[1]);
            let q = (c * x * x - 2.0 * b * x * y + a * y * y) / det;
            values.push(norm * (-0.5 * q).exp());
        }
    }
    DensitySeries::new(grid, times, values, 0, 0)
}

/// Test functions of fixed physical radius (1.2 in space, 0.25 in time) on any resolution.
fn basis_2d(density: &DensitySeries) -> SeparableBasis {
    let h = density.grid().axes()[0].spacing();
    let dt = density.dt();
    let (mx, mt) = ((1.2 / h).round() as usize, (0.25 / dt).round() as usize);
    let n = density.grid().axes()[0].cells();
    let l = density.times().len();
    let bumps = vec![
        PolyBump::new(mx, 5, h).unwrap(),
        PolyBump::new(mx, 5, h).unwrap(),
        PolyBump::new(mt, 3, dt).unwrap(),
    ];
    SeparableBasis::new(bumps, &[n, n, l], &[(n / 16).max(1), (n / 16).max(1), (l / 10).max(1)]).unwrap()
}

fn relative_residual(sys: &WeakSystem, w: &[f64]) -> f64 {
    let gw = sys.g.mul_vec(w);
    let r: f64 = gw.iter().zip(&sys.b).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt();
    r / sys.b.iter().map(|b| b * b).sum::<f64>().sqrt()
}

#[test]
fn weak_residual_of_a_drifting_anisotropic_gaussian_is_small_and_shrinks_with_h() {
    // X_t = X_0 + v t + √2 D^{1/2} B_t: mean m0 + v t, covariance Σ0 + 2 D t. In the model's
    // convention the drift force is ∇V = −v and ½σσᵀ = D, with an off-diagonal entry.
    let (v, d) = ([0.3, -0.2], [0.1, 0.03, 0.05]);
    let moments = |t: f64| {
        (
            [-0.3 + v[0] * t, 0.2 + v[1] * t],
            [0.3 + 2.0 * d[0] * t, 0.1 + 2.0 * d[1] * t, 0.2 + 2.0 * d[2] * t],
        )
    };
    let one = || ScalarField::constant(2);
    let mut lib = Library::new();
    lib.push(Term::AxisForce { axis: 0, field: one() })
        .push(Term::AxisForce { axis: 1, field: one() })
        .push(Term::Diffusion { entry: MatrixEntry::Entry { p: 0, q: 0 }, field: one() })
        .push(Term::Diffusion { entry: MatrixEntry::Entry { p: 1, q: 1 }, field: one() })
        .push(Term::Diffusion { entry: MatrixEntry::Entry { p: 0, q: 1 }, field: one() });
    let truth = [-v[0], -v[1], d[0], d[2], d[1]];
    let mut residuals = Vec::new();
    for (n, dt) in [(32, 0.04), (64, 0.02), (128, 0.01)] {
        let density = gaussian_series(n, dt, moments);
        let sys = assemble(&density, &basis_2d(&density), lib.terms(), &AssemblyOptions::default()).unwrap();
        residuals.push(relative_residual(&sys, &truth));
        // a wrong off-diagonal coefficient is clearly worse
        let mut wrong = truth;
        wrong[4] *= 1.1;
        assert!(relative_residual(&sys, &wrong) > 3.0 * residuals[residuals.len() - 1], "n = {n}");
    }
    assert!(residuals[2] < 1e-4, "residuals {residuals:?}");
    assert!(
        residuals[1] < 0.5 * residuals[0] && residuals[2] < 0.5 * residuals[1],
        "residuals {residuals:?}"
    );
}

#[test]
fn weak_residual_of_an_interacting_gaussian_is_small() {
    // K = ½|x|² gives ∇K * u = x − mean: the mean c is conserved and the covariance relaxes as
    // Σ(t) = D + (Σ0 − D) e^{−2t} (an OU process about c), with ½σσᵀ = D
    let (c, d, s0) = ([0.2, -0.1], [0.1, 0.02, 0.06], [0.4, -0.1, 0.3]);
    let moments = |t: f64| {
        let e = (-2.0 * t).exp();
        (c, [d[0] + (s0[0] - d[0]) * e, d[1] + (s0[1] - d[1]) * e, d[2] + (s0[2] - d[2]) * e])
    };
    let one = || ScalarField::constant(2);
    let mut lib = Library::new();
    lib.push(Term::power(2.0))
        .push(Term::Diffusion { entry: MatrixEntry::Entry { p: 0, q: 0 }, field: one() })
        .push(Term::Diffusion { entry: MatrixEntry::Entry { p: 1, q: 1 }, field: one() })
        .push(Term::Diffusion { entry: MatrixEntry::Entry { p: 0, q: 1 }, field: one() });
    let truth = [0.5, d[0], d[2], d[1]];
    let density = gaussian_series(96, 0.01, moments);
    let sys = assemble(&density, &basis_2d(&density), lib.terms(), &AssemblyOptions::default()).unwrap();
    let r = relative_residual(&sys, &truth);
    assert!(r < 5e-4, "residual {r}");
    assert!(relative_residual(&sys, &[0.55, d[0], d[2], d[1]]) > 30.0 * r);
}
