use super::*;
use wsindy_core::{Axis, Grid};
use wsindy_library::{Library, Term};
use wsindy_testfn::{PolyBump, SeparableBasis};

fn pseudo_random(len: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..len)
        .map(|_| {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        })
        .collect()
}

#[test]
fn fft_and_direct_passes_equal_the_definition() {
    let shape = [5, 37, 6];
    let data = pseudo_random(shape.iter().product(), 3);
    for axis in 0..3 {
        let n = shape[axis];
        let m = (n - 1) / 2 - 1;
        let stencil = pseudo_random(2 * m + 1, 9 + axis as u64);
        let queries: Vec<usize> = (m..n - m).step_by(2).collect();
        let mut expected = Vec::new();
        let mut out_shape = shape;
        out_shape[axis] = queries.len();
        let inner: usize = shape[axis + 1..].iter().product();
        let outer: usize = shape[..axis].iter().product();
        for o in 0..outer {
            for (k, &c) in queries.iter().enumerate() {
                for s in 0..inner {
                    let v: f64 =
                        (0..=2 * m).map(|j| stencil[j] * data[(o * n + c - m + j) * inner + s]).sum();
                    expected.push(((o * queries.len() + k) * inner + s, v));
                }
            }
        }
        for strategy in [PassStrategy::Direct, PassStrategy::Fft] {
            let pass = AxisPass::new(&stencil, &queries, n, 1, strategy);
            assert_eq!(pass.uses_fft(), strategy == PassStrategy::Fft);
            let mut out = Vec::new();
            pass.apply(&data, &shape, axis, &mut out);
            assert_eq!(out.len(), out_shape.iter().product::<usize>());
            for &(i, v) in &expected {
                assert!((out[i] - v).abs() < 1e-12, "axis {axis} {strategy:?}: {} vs {v}", out[i]);
            }
        }
    }
}

#[test]
fn fast_lengths_are_smooth_and_minimal() {
    assert_eq!(fast_len(511), 512);
    assert_eq!(fast_len(101), 108);
    assert_eq!(fast_len(257), 270);
    assert_eq!(fast_len(7), 8);
    assert_eq!(fast_len(1), 1);
}

#[test]
fn grid_convolution_equals_the_direct_sum() {
    for n in [17, 64, 255] {
        let u = pseudo_random(n, n as u64);
        let kernel = pseudo_random(2 * n - 1, 7 * n as u64);
        let h = 0.3;
        let conv = GridConvolver::new(&[n]);
        assert!(conv.fft_len()[0] >= 2 * n - 1);
        let mut work = conv.workspace();
        let spectrum = conv.kernel(&kernel, h, &mut work);
        let mut out = vec![0.0; n];
        let density = conv.density_spectrum(&u, &mut work);
        conv.convolve(&spectrum, &density, &mut work, &mut out);
        for i in 0..n {
            let direct: f64 = (0..n).map(|j| kernel[i + n - 1 - j] * u[j]).sum::<f64>() * h;
            assert!((out[i] - direct).abs() < 1e-10, "n={n} i={i}: {} vs {direct}", out[i]);
        }
    }
}

/// (K * U)(i) = h² Σ_j K(i − j) U(j) over a 2D grid, with K on the difference grid.
fn direct_convolution_2d(kernel: &[f64], u: &[f64], n: [usize; 2], weight: f64) -> Vec<f64> {
    let kw = 2 * n[1] - 1;
    let mut out = vec![0.0; n[0] * n[1]];
    for i0 in 0..n[0] {
        for i1 in 0..n[1] {
            let mut sum = 0.0;
            for j0 in 0..n[0] {
                for j1 in 0..n[1] {
                    sum += kernel[(i0 + n[0] - 1 - j0) * kw + (i1 + n[1] - 1 - j1)] * u[j0 * n[1] + j1];
                }
            }
            out[i0 * n[1] + i1] = sum * weight;
        }
    }
    out
}

#[test]
fn grid_convolution_2d_equals_the_direct_sum() {
    // odd, even and non-square grids, including lengths whose padding is not a power of two
    for n in [[9, 9], [16, 12], [5, 31], [40, 33]] {
        let u = pseudo_random(n[0] * n[1], 11);
        let kernel = pseudo_random((2 * n[0] - 1) * (2 * n[1] - 1), 5);
        let weight = 0.01;
        let conv = GridConvolver::new(&n);
        let mut work = conv.workspace();
        let spectrum = conv.kernel(&kernel, weight, &mut work);
        let density = conv.density_spectrum(&u, &mut work);
        let mut out = vec![0.0; n[0] * n[1]];
        conv.convolve(&spectrum, &density, &mut work, &mut out);
        let expected = direct_convolution_2d(&kernel, &u, n, weight);
        let scale = expected.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
        for (i, (a, b)) in out.iter().zip(&expected).enumerate() {
            assert!((a - b).abs() < 1e-12 * scale.max(1.0), "{n:?} cell {i}: {a} vs {b}");
        }
        // the workspace is reusable: a second convolution gives the same result
        let mut again = vec![0.0; n[0] * n[1]];
        conv.convolve(&spectrum, &density, &mut work, &mut again);
        assert_eq!(out, again);
    }
}

#[test]
fn grid_convolution_3d_equals_the_direct_sum() {
    let n = [4, 5, 6];
    let u = pseudo_random(n.iter().product(), 2);
    let k_shape: Vec<usize> = n.iter().map(|&v| 2 * v - 1).collect();
    let kernel = pseudo_random(k_shape.iter().product(), 3);
    let conv = GridConvolver::new(&n);
    let mut work = conv.workspace();
    let spectrum = conv.kernel(&kernel, 1.0, &mut work);
    let density = conv.density_spectrum(&u, &mut work);
    let mut out = vec![0.0; u.len()];
    conv.convolve(&spectrum, &density, &mut work, &mut out);
    let flat = |i: [usize; 3], s: &[usize]| (i[0] * s[1] + i[1]) * s[2] + i[2];
    for i0 in 0..n[0] {
        for i1 in 0..n[1] {
            for i2 in 0..n[2] {
                let mut sum = 0.0;
                for j0 in 0..n[0] {
                    for j1 in 0..n[1] {
                        for j2 in 0..n[2] {
                            let k = [i0 + n[0] - 1 - j0, i1 + n[1] - 1 - j1, i2 + n[2] - 1 - j2];
                            sum += kernel[flat(k, &k_shape)] * u[flat([j0, j1, j2], &n)];
                        }
                    }
                }
                let got = out[flat([i0, i1, i2], &n)];
                assert!((got - sum).abs() < 1e-12, "({i0},{i1},{i2}): {got} vs {sum}");
            }
        }
    }
}

/// The exact Ornstein–Uhlenbeck density of ∂t u = θ ∂x((x − c) u) + D ∂xx u, sampled on a grid
/// of `n` cells over [−4, 4] at times 0.5, 0.5 + dt, …, 1.5, started at t = 0 from N(m0, 0.05).
fn ou_density(n: usize, dt: f64, theta: f64, centre: f64, m0: f64, diffusion: f64) -> DensitySeries {
    let grid = Grid::new(vec![Axis::from_edges(-4.0, 4.0, n).unwrap()]).unwrap();
    let steps = (1.0 / dt).round() as usize;
    let times: Vec<f64> = (0..=steps).map(|i| 0.5 + i as f64 * dt).collect();
    let v0 = 0.05;
    let mut values = Vec::new();
    for &t in &times {
        let mean = centre + (m0 - centre) * (-theta * t).exp();
        let var = diffusion / theta + (v0 - diffusion / theta) * (-2.0 * theta * t).exp();
        for x in grid.axes()[0].centres() {
            values
                .push((-(x - mean).powi(2) / (2.0 * var)).exp() / (2.0 * std::f64::consts::PI * var).sqrt());
        }
    }
    DensitySeries::new(grid, times, values, 0, 0)
}

/// Test functions of fixed physical radius (0.8 in space, 0.25 in time) on any resolution.
fn basis_for(density: &DensitySeries) -> SeparableBasis {
    let h = density.grid().axes()[0].spacing();
    let dt = density.dt();
    let (mx, mt) = ((0.8 / h).round() as usize, (0.25 / dt).round() as usize);
    let n = density.grid().axes()[0].cells();
    let l = density.times().len();
    let bumps = vec![PolyBump::new(mx, 5, h).unwrap(), PolyBump::new(mt, 3, dt).unwrap()];
    SeparableBasis::new(bumps, &[n, l], &[(n / 32).max(1), (l / 20).max(1)]).unwrap()
}

fn relative_residual(sys: &WeakSystem, w: &[f64]) -> f64 {
    let gw = sys.g.mul_vec(w);
    let r: f64 = gw.iter().zip(&sys.b).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt();
    r / sys.b.iter().map(|b| b * b).sum::<f64>().sqrt()
}

#[test]
fn weak_residual_of_exact_ou_density_is_small_and_shrinks() {
    // drift force θx with θ = 1, centre 0, and ½σ² = D = 0.15
    let mut lib = Library::new();
    lib.push(Term::drift_monomial(1)).push(Term::diffusion_monomial(0));
    let truth = [1.0, 0.15];
    let mut residuals = Vec::new();
    for (n, dt) in [(64, 0.04), (128, 0.02), (256, 0.01)] {
        let density = ou_density(n, dt, 1.0, 0.0, 0.8, 0.15);
        let sys = assemble(&density, &basis_for(&density), lib.terms(), &AssemblyOptions::default()).unwrap();
        residuals.push(relative_residual(&sys, &truth));
    }
    assert!(residuals[2] < 1e-4, "residuals {residuals:?}");
    assert!(
        residuals[1] < 0.5 * residuals[0] && residuals[2] < 0.5 * residuals[1],
        "residuals {residuals:?}"
    );
}

#[test]
fn weak_residual_of_exact_interaction_density_is_small() {
    // K = ½x² gives ∇K * u = x − mean: a Gaussian about its conserved mean 0.3 whose variance
    // relaxes as that of an OU process
    let mut lib = Library::new();
    lib.push(Term::power(2.0)).push(Term::diffusion_monomial(0));
    let density = ou_density(256, 0.01, 1.0, 0.3, 0.3, 0.1);
    for strategy in [PassStrategy::Direct, PassStrategy::Fft] {
        let options = AssemblyOptions { strategy, ..AssemblyOptions::default() };
        let sys = assemble(&density, &basis_for(&density), lib.terms(), &options).unwrap();
        let r = relative_residual(&sys, &[0.5, 0.1]);
        // the Gaussian's tails beyond ±4 are cut (mass ~1e-12) and the trapezoidal rule is
        // limited by the smoothness of φ: 1e-4 leaves a wide margin over both
        assert!(r < 1e-4, "{strategy:?}: residual {r}");
        // a wrong coefficient is clearly worse
        assert!(relative_residual(&sys, &[0.55, 0.1]) > 100.0 * r);
    }
}

#[test]
fn strategies_agree_on_a_whole_system() {
    let density = ou_density(128, 0.02, 1.0, 0.0, 0.8, 0.15);
    let lib = Library::nonlocal1d();
    let basis = basis_for(&density);
    let a = assemble(
        &density,
        &basis,
        lib.terms(),
        &AssemblyOptions { strategy: PassStrategy::Direct, ..Default::default() },
    )
    .unwrap();
    let b = assemble(
        &density,
        &basis,
        lib.terms(),
        &AssemblyOptions { strategy: PassStrategy::Fft, ..Default::default() },
    )
    .unwrap();
    assert_eq!(a.rows_kept, b.rows_kept);
    let scale = a.g.as_slice().iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for (x, y) in a.g.as_slice().iter().zip(b.g.as_slice()) {
        assert!((x - y).abs() < 1e-10 * scale);
    }
}

#[test]
fn bad_inputs_are_errors() {
    let density = ou_density(64, 0.04, 1.0, 0.0, 0.8, 0.15);
    let lib = Library::nonlocal1d();
    let basis = basis_for(&density);
    let bad = AssemblyOptions { mass_threshold: 1.5, ..Default::default() };
    assert!(matches!(assemble(&density, &basis, lib.terms(), &bad), Err(WeakError::MassThreshold(_))));
    let three_axes = SeparableBasis::new(
        vec![
            PolyBump::new(3, 5, 1.0).unwrap(),
            PolyBump::new(3, 5, 1.0).unwrap(),
            PolyBump::new(3, 3, 1.0).unwrap(),
        ],
        &[64, 64, 26],
        &[1, 1, 1],
    )
    .unwrap();
    assert!(matches!(
        assemble(&density, &three_axes, lib.terms(), &Default::default()),
        Err(WeakError::AxisMismatch { .. })
    ));
    let mut lib = Library::new();
    lib.push(Term::drift_monomial(1));
    lib.push(wsindy_library::FnTerm::new(TermKind::Drift, "1/x", |x: &[f64], o: &mut [f64]| {
        o[0] = 1.0 / (x[0] - x[0])
    }));
    let err = assemble(&density, &basis, lib.terms(), &Default::default()).unwrap_err();
    assert!(matches!(err, WeakError::NonFiniteTerm { ref name, .. } if name == "1/x"), "{err}");
}

#[test]
fn column_scales_follow_length_exponents() {
    let lib = Library::nonlocal1d();
    let s = column_scales(lib.terms(), 2.0, 3.0);
    // |x|^1: e = 1 → 3/2; drift x^0: e = 1 → 3/2; diffusion x^0: e = 2 → 3/4
    assert_eq!(s[0], 1.5);
    assert_eq!(s[7], 1.5);
    assert_eq!(s[15], 0.75);
}

#[test]
fn no_rows_says_when_there_is_no_mass_at_all() {
    let some = WeakError::NoRows { threshold: 0.01, largest: 2.0 }.to_string();
    assert_eq!(some, "no test function sees at least 0.01 of the largest mass: no rows in the weak system");
    let none = WeakError::NoRows { threshold: 0.01, largest: 0.0 }.to_string();
    assert!(none.starts_with("no test function sees any mass"), "{none}");
    assert!(!none.contains("0.01"), "{none}");
}
