use super::*;

/// A seeded stream of numbers in [-1, 1) (splitmix64), so the tests need no RNG crate.
struct Stream(u64);
impl Stream {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
}

fn random_matrix(rows: usize, cols: usize, seed: u64) -> DenseMatrix {
    let mut s = Stream(seed);
    let columns: Vec<Vec<f64>> = (0..cols).map(|_| (0..rows).map(|_| s.next()).collect()).collect();
    DenseMatrix::from_columns(&columns)
}

/// Least squares on a subset by modified Gram–Schmidt on G itself (an independent oracle).
fn lstsq_oracle(g: &DenseMatrix, b: &[f64], support: &[usize]) -> Vec<f64> {
    let k = support.len();
    let mut q: Vec<Vec<f64>> = support.iter().map(|&j| g.col(j).to_vec()).collect();
    let mut r = vec![vec![0.0; k]; k];
    for a in 0..k {
        for p in 0..a {
            let d: f64 = q[p].iter().zip(&q[a]).map(|(x, y)| x * y).sum();
            r[p][a] = d;
            let qp = q[p].clone();
            for (x, y) in q[a].iter_mut().zip(&qp) {
                *x -= d * y;
            }
        }
        let n = norm(&q[a]);
        r[a][a] = n;
        for x in &mut q[a] {
            *x /= n;
        }
    }
    let c: Vec<f64> = (0..k).map(|a| q[a].iter().zip(b).map(|(x, y)| x * y).sum()).collect();
    let mut x = vec![0.0; k];
    for a in (0..k).rev() {
        let s: f64 = (a + 1..k).map(|p| r[a][p] * x[p]).sum();
        x[a] = (c[a] - s) / r[a][a];
    }
    let mut w = vec![0.0; g.cols()];
    for (a, &j) in support.iter().enumerate() {
        w[j] = x[a];
    }
    w
}

#[test]
fn recovers_planted_sparse_vector() {
    let g = random_matrix(300, 12, 7);
    let mut truth = vec![0.0; 12];
    truth[1] = 1.5;
    truth[4] = -0.7;
    truth[9] = 0.3;
    let mut s = Stream(99);
    let b: Vec<f64> = g.mul_vec(&truth).iter().map(|v| v + 1e-6 * s.next()).collect();
    let out = Mstls::default().regress(&g, &b).unwrap();
    for (i, (&w, &t)) in out.coefficients.iter().zip(&truth).enumerate() {
        if t == 0.0 {
            assert_eq!(w, 0.0, "term {i} should be dropped");
        } else {
            assert!((w - t).abs() < 1e-5, "term {i}: {w} vs {t}");
        }
    }
    assert!(out.relative_residual < 1e-5);
    assert_eq!(out.report.losses.len(), 100);
}

#[test]
fn matches_exhaustive_subset_search() {
    // J = 5 with planted support {0, 3}; the loss of every one of the 31 non-empty subsets is
    // computed from least squares on G itself and its minimiser must be the MSTLS choice.
    let g = random_matrix(40, 5, 11);
    let mut truth = vec![0.0; 5];
    truth[0] = 1.0;
    truth[3] = -2.0;
    let mut s = Stream(5);
    let b: Vec<f64> = g.mul_vec(&truth).iter().map(|v| v + 1e-3 * s.next()).collect();
    let all: Vec<usize> = (0..5).collect();
    let w0 = lstsq_oracle(&g, &b, &all);
    let fit = norm(&g.mul_vec(&w0));
    let mut best = (f64::INFINITY, Vec::new(), Vec::new());
    for mask in 1u32..32 {
        let support: Vec<usize> = (0..5).filter(|i| mask >> i & 1 == 1).collect();
        let w = lstsq_oracle(&g, &b, &support);
        let diff: Vec<f64> = w.iter().zip(&w0).map(|(a, b)| a - b).collect();
        let loss = norm(&g.mul_vec(&diff)) / fit + support.len() as f64 / 5.0;
        if loss < best.0 {
            best = (loss, support, w);
        }
    }
    let out = Mstls::default().regress(&g, &b).unwrap();
    let chosen: Vec<usize> = (0..5).filter(|&i| out.coefficients[i] != 0.0).collect();
    assert_eq!(chosen, best.1);
    for (a, b) in out.coefficients.iter().zip(&best.2) {
        assert!((a - b).abs() < 1e-10, "{a} vs {b}");
    }
    let min_loss = out.report.losses.iter().copied().fold(f64::INFINITY, f64::min);
    assert!((min_loss - best.0).abs() < 1e-10);
    for (a, b) in out.least_squares.iter().zip(&w0) {
        assert!((a - b).abs() < 1e-10);
    }
}

/// G = U diag(s) Vᵀ with Householder reflections U, V and singular values from 1 to 1e-8.
fn conditioned_matrix(rows: usize, cols: usize, cond: f64) -> DenseMatrix {
    let mut s = Stream(3);
    let reflect = |n: usize, s: &mut Stream| {
        let v: Vec<f64> = (0..n).map(|_| s.next()).collect();
        let nv = norm(&v);
        v.into_iter().map(|x| x / nv).collect::<Vec<f64>>()
    };
    let u = reflect(rows, &mut s);
    let v = reflect(cols, &mut s);
    // (I − 2uuᵀ) [diag(s); 0] (I − 2vvᵀ)
    let sing: Vec<f64> = (0..cols).map(|k| cond.powf(-(k as f64) / (cols - 1) as f64)).collect();
    let mut columns = vec![vec![0.0; rows]; cols];
    for (j, col) in columns.iter_mut().enumerate() {
        // column j of diag(s)(I − 2vvᵀ): entries s_k (δ_kj − 2 v_k v_j)
        let mut x = vec![0.0; rows];
        for k in 0..cols {
            x[k] = sing[k] * (if k == j { 1.0 } else { 0.0 } - 2.0 * v[k] * v[j]);
        }
        let ux: f64 = u.iter().zip(&x).map(|(a, b)| a * b).sum();
        for i in 0..rows {
            col[i] = x[i] - 2.0 * u[i] * ux;
        }
    }
    DenseMatrix::from_columns(&columns)
}

#[test]
fn least_squares_is_accurate_at_condition_1e8() {
    let g = conditioned_matrix(500, 8, 1e8);
    let truth: Vec<f64> = (0..8).map(|k| 1.0 + k as f64 * 0.25).collect();
    let b = g.mul_vec(&truth);
    let out = Mstls::default().regress(&g, &b).unwrap();
    assert!((out.condition_number / 1e8 - 1.0).abs() < 1e-6, "cond {}", out.condition_number);
    // backward-stable QR: forward error ≲ cond · ε ≈ 2e-8; normal equations would give ≈ cond² ε ≫ 1
    for (w, t) in out.least_squares.iter().zip(&truth) {
        assert!((w - t).abs() < 1e-6 * t, "{w} vs {t}");
    }
}

#[test]
fn duplicate_columns_give_finite_results() {
    let mut g = random_matrix(60, 4, 1);
    let copy = g.col(1).to_vec();
    g.col_mut(2).copy_from_slice(&copy);
    let b = g.mul_vec(&[1.0, 0.5, 0.5, 0.0]);
    let out = Mstls::default().regress(&g, &b).unwrap();
    assert!(out.coefficients.iter().all(|v| v.is_finite()));
    assert!(out.relative_residual < 1e-8, "residual {}", out.relative_residual);
    assert!(out.condition_number > 1e12);
    assert_eq!(out.collinear, vec![vec![1, 2]], "the duplicated pair is named");
}

#[test]
fn bad_input_is_an_error() {
    let g = random_matrix(10, 3, 2);
    let b = vec![1.0; 10];
    assert!(matches!(Mstls::default().regress(&g, &b[..9]), Err(RegressError::BadShape { .. })));
    assert!(matches!(Mstls::default().regress(&g, &[0.0; 10]), Err(RegressError::ZeroRhs)));
    let mut bad = g.clone();
    bad.col_mut(2)[4] = f64::NAN;
    assert!(matches!(
        Mstls::default().regress(&bad, &b),
        Err(RegressError::NonFinite { what: "G", row: 4, col: 2, .. })
    ));
    let wide = random_matrix(2, 3, 2);
    assert!(matches!(Mstls::default().regress(&wide, &[1.0, 1.0]), Err(RegressError::BadShape { .. })));
    let m = Mstls { lambdas: vec![0.1, 2.0], ..Mstls::default() };
    assert!(matches!(m.regress(&g, &b), Err(RegressError::BadLambda { value: 2.0 })));
    let m = Mstls { lambdas: vec![], ..Mstls::default() };
    assert!(matches!(m.regress(&g, &b), Err(RegressError::BadLambda { .. })));
}

#[test]
fn log_grid_spans_its_ends() {
    let l = log_grid(-4.0, 0.0, 100);
    assert_eq!(l.len(), 100);
    assert!((l[0] - 1e-4).abs() < 1e-18);
    assert!((l[99] - 1.0).abs() < 1e-15);
}

#[test]
fn pruning_removes_terms_while_the_loss_falls() {
    // b uses columns 0 and 1 plus 1% noise; a single tiny threshold keeps all six terms on the
    // path, so only pruning can reach the true support
    let g = random_matrix(80, 6, 5);
    let clean = g.mul_vec(&[1.0, -0.7, 0.0, 0.0, 0.0, 0.0]);
    let scale = norm(&clean) / (clean.len() as f64).sqrt();
    let noise = random_matrix(80, 1, 9);
    let b: Vec<f64> = clean.iter().zip(noise.col(0)).map(|(c, e)| c + 0.01 * scale * e).collect();
    let path_only = Mstls { lambdas: vec![1e-8], prune: false, ..Mstls::default() };
    let out = path_only.regress(&g, &b).unwrap();
    assert_eq!(out.coefficients.iter().filter(|w| **w != 0.0).count(), 6);
    assert!(out.report.pruned.is_empty());
    assert_eq!(out.report.loss, out.report.losses[0]);

    let pruning = Mstls { lambdas: vec![1e-8], prune: true, ..Mstls::default() };
    let out = pruning.regress(&g, &b).unwrap();
    let support: Vec<usize> = (0..6).filter(|&i| out.coefficients[i] != 0.0).collect();
    assert_eq!(support, vec![0, 1], "coefficients {:?}", out.coefficients);
    let mut pruned = out.report.pruned.clone();
    pruned.sort_unstable();
    assert_eq!(pruned, vec![2, 3, 4, 5]);
    assert!(out.report.loss < out.report.losses[0]);
    assert!((out.coefficients[0] - 1.0).abs() < 0.01 && (out.coefficients[1] + 0.7).abs() < 0.01);
}

#[test]
fn stls_keeps_the_terms_above_its_threshold() {
    // b = 2 G_0 + 0.001 G_1 − 1.5 G_2: λ = 0.01 drops the tiny term, λ = 1e-5 keeps it
    let cols: Vec<Vec<f64>> =
        (0..3).map(|j| (0..60).map(|i| (0.27 * (i * (j + 1)) as f64).cos()).collect()).collect();
    let g = DenseMatrix::from_columns(&cols);
    let b: Vec<f64> = (0..60).map(|i| 2.0 * cols[0][i] + 0.001 * cols[1][i] - 1.5 * cols[2][i]).collect();
    let out = crate::Stls { lambda: 0.01 }.regress(&g, &b).unwrap();
    assert_eq!(out.coefficients[1], 0.0);
    assert!((out.coefficients[0] - 2.0).abs() < 1e-2 && (out.coefficients[2] + 1.5).abs() < 1e-2);
    assert_eq!(out.report.iterations, 1);
    let out = crate::Stls { lambda: 1e-5 }.regress(&g, &b).unwrap();
    assert!((out.coefficients[1] - 0.001).abs() < 1e-9, "{:?}", out.coefficients);
    assert_eq!(out.report.iterations, 0);
    assert!(matches!(crate::Stls { lambda: 0.0 }.regress(&g, &b), Err(RegressError::BadLambda { .. })));
}
