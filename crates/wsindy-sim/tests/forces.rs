//! The mean-field interaction force against a plain double loop, in d = 1, 2, 3: the tiled pair
//! sum for every kernel family and closure, and the 1D O(N log N) path.

use std::f64::consts::PI;

use rand::{RngExt, SeedableRng};
use wsindy_core::RadialKernel;
use wsindy_sim::{ForceWorkspace, Interaction, KELLER_SEGEL_DELTA, SVector, SimError, pair_forces_direct};

/// A spread-out cloud, a tight cluster (pairs inside every cutoff used below) and two
/// coincident particles.
fn test_particles<const D: usize>(n: usize, seed: u64) -> Vec<SVector<f64, D>> {
    let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
    let mut x: Vec<SVector<f64, D>> = (0..n)
        .map(|i| {
            let spread = if i % 5 == 0 { 0.05 } else { 3.0 };
            SVector::from_fn(|c, _| spread * (rng.random::<f64>() - 0.5) + 0.7 - 0.9 * c as f64)
        })
        .collect();
    x[17] = x[3];
    x
}

/// max_i |a_i − b_i| / max_i |b_i| over all coordinates.
fn relative_error<const D: usize>(a: &[SVector<f64, D>], b: &[SVector<f64, D>]) -> f64 {
    let diff = a.iter().zip(b).map(|(p, q)| (p - q).amax()).fold(0.0, f64::max);
    diff / b.iter().map(|q| q.amax()).fold(0.0, f64::max)
}

fn fast_mean_field<const D: usize>(force: &Interaction<D>, x: &[SVector<f64, D>]) -> Vec<SVector<f64, D>> {
    let mut workspace = ForceWorkspace::new();
    let mut out = vec![SVector::zeros(); x.len()];
    force.mean_field(x, &mut workspace, &mut out).unwrap();
    // reusing the workspace gives the same bits
    let mut again = vec![SVector::repeat(1.0); x.len()];
    force.mean_field(x, &mut workspace, &mut again).unwrap();
    assert_eq!(out, again);
    out
}

/// h(r) written plainly.
type Profile = Box<dyn Fn(f64) -> f64>;

/// Every kernel family (integer powers on the specialised loops, non-integer and large powers,
/// the three cutoff families with many pairs inside the cutoff, the exponential), a custom
/// profile, a custom pair force and a sum of terms, against the plain double loop to 1e-12
/// relative (max-norm), with N = 300 (two tiles, a partial tile and lane remainders) and N = 601.
fn pair_sum_matches_double_loop<const D: usize>() {
    let delta = 0.02;
    let single = |c, kernel| Interaction::<D>::new().plus(c, kernel);
    let power = |power| RadialKernel::Power { power };
    let cases: Vec<(&str, Interaction<D>, Profile)> = vec![
        ("r", single(1.0, power(1.0)), Box::new(|_| 1.0)),
        ("r^2", single(0.5, power(2.0)), Box::new(|r| r)),
        ("r^3", single(-2.0, power(3.0)), Box::new(|r| -6.0 * r * r)),
        ("r^6", single(1.0, power(6.0)), Box::new(|r: f64| 6.0 * r.powi(5))),
        ("r^7", single(0.1, power(7.0)), Box::new(|r: f64| 0.7 * r.powi(6))),
        ("r^12", single(1e-3, power(12.0)), Box::new(|r: f64| 12e-3 * r.powi(11))),
        ("r^1.5", single(1.0, power(1.5)), Box::new(|r: f64| 1.5 * r.sqrt())),
        ("r^13", single(1e-4, power(13.0)), Box::new(|r: f64| 13e-4 * r.powi(12))),
        (
            "sqrt cutoff",
            single(1.3, RadialKernel::Sqrt { delta }),
            Box::new(move |r: f64| 1.3 * 0.5 / r.max(delta).sqrt()),
        ),
        (
            "r(log r − 1) cutoff",
            single(-0.7, RadialKernel::LinearLog { delta }),
            Box::new(move |r: f64| -0.7 * r.max(delta).ln()),
        ),
        ("log cutoff", single(2.0, RadialKernel::Log { delta }), Box::new(move |r: f64| 2.0 / r.max(delta))),
        (
            "exponential",
            single(0.8, RadialKernel::Exponential { length: 0.5 }),
            Box::new(|r: f64| -0.8 * (-r / 0.5).exp() / 0.5),
        ),
        (
            "Keller–Segel",
            Interaction::keller_segel(KELLER_SEGEL_DELTA),
            Box::new(|r: f64| 1.0 / (2.0 * PI * r.max(0.01))),
        ),
        (
            "custom profile",
            Interaction::new().with_profile(|r: f64| r.sin() + 2.0),
            Box::new(|r: f64| r.sin() + 2.0),
        ),
        (
            "sum of terms",
            Interaction::attraction_repulsion()
                .plus(0.25, RadialKernel::Log { delta })
                .with_profile(|r: f64| 3.0 * (-r).exp()),
            Box::new(move |r: f64| 0.5 * 2.0 * r - 1.0 + 0.25 / r.max(delta) + 3.0 * (-r).exp()),
        ),
    ];
    for (n, seed) in [(300, 1), (601, 2)] {
        let x = test_particles::<D>(n, seed);
        let inside =
            (0..n).flat_map(|i| (0..i).map(move |j| (i, j))).filter(|&(i, j)| (x[i] - x[j]).norm() < 0.01);
        assert!(inside.count() > 20, "the test needs pairs inside the cutoff");
        for (name, force, h) in &cases {
            let radial = |d: &SVector<f64, D>| d * (h(d.norm()) / d.norm());
            let err = relative_error(&fast_mean_field(force, &x), &pair_forces_direct(radial, &x));
            assert!(err < 1e-12, "d = {D}, {name}, N = {n}: relative error {err:e}");
            // the public one-pair force agrees with the profile too
            let (d, expected) = (x[1] - x[0], radial(&(x[1] - x[0])));
            assert!((force.force(&d) - expected).amax() <= 1e-12 * expected.amax(), "{name}");
        }
        // an arbitrary odd pair force (not radial), alone and with a kernel
        let odd = |d: &SVector<f64, D>| SVector::from_fn(|c, _| d[c].powi(3) + 0.5 * d[(c + 1) % D]);
        let err = relative_error(
            &fast_mean_field(&Interaction::new().with_pair_force(odd), &x),
            &pair_forces_direct(odd, &x),
        );
        assert!(err < 1e-12, "d = {D}, pair force: relative error {err:e}");
        let both = Interaction::<D>::attraction_repulsion().with_pair_force(odd);
        let direct = pair_forces_direct(|d| both.force(d), &x);
        assert!(relative_error(&fast_mean_field(&both, &x), &direct) < 1e-12);
    }
}

#[test]
fn pair_sum_matches_double_loop_1d() {
    pair_sum_matches_double_loop::<1>();
}

#[test]
fn pair_sum_matches_double_loop_2d() {
    pair_sum_matches_double_loop::<2>();
}

#[test]
fn pair_sum_matches_double_loop_3d() {
    pair_sum_matches_double_loop::<3>();
}

/// The 1D O(N log N) path (integer powers only) against the double loop, with ties, on both
/// sorts (N = 3000 takes the radix sort).
#[test]
fn one_dimensional_fast_path_matches_double_loop() {
    let power = |power| RadialKernel::Power { power };
    let forces = [
        Interaction::<1>::attraction_repulsion(),
        Interaction::new().plus(2.0, power(3.0)).plus(-0.5, power(4.0)),
        Interaction::new().plus(0.1, power(5.0)).plus(1.0, power(1.0)).plus(0.01, power(8.0)),
        Interaction::new().plus(1e-6, power(17.0)),
    ];
    for n in [18, 500, 3000] {
        let mut x = test_particles::<1>(n, 5);
        x[5] = SVector::from([0.0]);
        x[6] = SVector::from([-0.0]);
        for force in &forces {
            let direct = pair_forces_direct(|d| force.force(d), &x);
            let err = relative_error(&fast_mean_field(force, &x), &direct);
            assert!(err < 1e-10, "{force:?}, N = {n}: relative error {err:e}");
        }
    }
}

/// Exact small cases: two particles at distance 1 under K = (1/2π) log|x| feel
/// ±(1/N)(1/2π) along their separation; coincident particles feel nothing from each other;
/// inside the cutoff the force has the bounded magnitude 1/(2πδ).
#[test]
fn exact_small_cases() {
    let force = Interaction::<2>::keller_segel(0.01);
    let p = |x: f64, y: f64| SVector::from([x, y]);
    let mut ws = ForceWorkspace::new();
    let mut out = vec![SVector::zeros(); 2];
    force.mean_field(&[p(0.0, 0.0), p(0.6, 0.8)], &mut ws, &mut out).unwrap();
    let s = 0.5 / (2.0 * PI);
    assert!((out[0] + p(0.6 * s, 0.8 * s)).amax() < 1e-16, "{out:?}");
    assert_eq!(out[1], -out[0]);
    let mut three = vec![SVector::zeros(); 3];
    force.mean_field(&[p(1.0, 2.0), p(1.0, 2.0), p(1.0, 3.0)], &mut ws, &mut three).unwrap();
    let s = 1.0 / 3.0 / (2.0 * PI);
    assert!(three[0][0] == 0.0 && (three[0][1] + s).abs() < 1e-16, "{three:?}");
    assert_eq!(three[0], three[1]);
    force.mean_field(&[p(0.0, 0.0), p(1e-5, 0.0)], &mut ws, &mut out).unwrap();
    assert!((out[0][0] + 0.5 / (2.0 * PI * 0.01)).abs() < 1e-12 && out[0][1] == 0.0, "{out:?}");
    // 1D fast path: two particles at distance 2 under ∇K = x − sign(x)
    let line = Interaction::<1>::attraction_repulsion();
    let mut two = vec![SVector::zeros(); 2];
    line.mean_field(&[SVector::from([0.0]), SVector::from([2.0])], &mut ForceWorkspace::new(), &mut two)
        .unwrap();
    assert_eq!((two[0][0], two[1][0]), (-0.5, 0.5));
}

/// The public evaluation checks its inputs and outputs.
#[test]
fn bad_inputs_are_errors() {
    let force = Interaction::<3>::keller_segel(0.01);
    let mut ws = ForceWorkspace::new();
    let mut out = vec![SVector::zeros(); 2];
    let err = force.mean_field(&[SVector::zeros(); 3], &mut ws, &mut out).unwrap_err();
    assert!(matches!(err, SimError::LengthMismatch { expected: 3, got: 2, .. }), "{err}");
    let err = force
        .mean_field(&[SVector::zeros(), SVector::from([0.0, f64::NAN, 0.0])], &mut ws, &mut out)
        .unwrap_err();
    assert!(matches!(err, SimError::NonFinitePosition { index: 1, .. }), "{err}");
    let nan = Interaction::<3>::new().with_profile(|_| f64::NAN);
    let err = nan.mean_field(&[SVector::zeros(), SVector::repeat(1.0)], &mut ws, &mut out).unwrap_err();
    assert!(matches!(err, SimError::NonFiniteForce { index: 0, .. }), "{err}");
    let bad = Interaction::<3>::new().plus(1.0, RadialKernel::Sqrt { delta: -1.0 });
    let err = bad.mean_field(&[SVector::zeros(); 2], &mut ws, &mut out).unwrap_err();
    assert!(matches!(err, SimError::InvalidKernel { index: 0, .. }), "{err}");
    force.mean_field(&[], &mut ws, &mut []).unwrap();
    // overflow of r^7 for huge separations on the 1D fast path is reported, not returned as data
    let steep = Interaction::<1>::new().plus(1.0, RadialKernel::Power { power: 8.0 });
    let mut two = vec![SVector::zeros(); 2];
    let err = steep
        .mean_field(&[SVector::from([-1e300]), SVector::from([1e300])], &mut ForceWorkspace::new(), &mut two)
        .unwrap_err();
    assert!(matches!(err, SimError::NonFiniteForce { .. }), "{err}");
}
