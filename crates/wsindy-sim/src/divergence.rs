//! Detection of runs that diverged without overflowing: positions that grew to 10²⁶⁵ are finite,
//! pass the NaN/∞ check of every step, and are not data.

use crate::SimError;

/// Checks the recorded snapshots of one experiment for divergence.
///
/// With D_l the largest distance (per coordinate) of a recorded position at snapshot l from the
/// centroid of the first snapshot, and S = max(D_0, 1) the initial spread (at least one length
/// unit, so that a start from a single point is not "infinitely" spread by diffusion), the run
/// diverged at the first snapshot l with
///
/// * D_l > [`SPREAD_FACTOR`](DivergenceGuard::SPREAD_FACTOR) · S (10¹⁰ times the initial
///   spread: no confined or diffusive motion of the examples comes near), or
/// * D_l > [`GROWTH_FACTOR`](DivergenceGuard::GROWTH_FACTOR) · max(D_{l−1}, S) (a thousandfold
///   growth between two recorded steps, the signature of an unstable explicit step).
///
/// Checking the recorded snapshots after the run leaves the step loops as they are, and a
/// position that overflows to ∞ is still reported by the step loop as [`SimError::BlowUp`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DivergenceGuard {
    /// Coordinates per particle.
    pub dim: usize,
    /// Particles per snapshot.
    pub particles: usize,
    /// Euler–Maruyama steps between recorded snapshots.
    pub record_every: usize,
    /// The Euler–Maruyama step h.
    pub step: f64,
}

impl DivergenceGuard {
    /// Bound on the spread, in units of the initial spread.
    pub const SPREAD_FACTOR: f64 = 1e10;
    /// Bound on the growth of the spread between two recorded snapshots.
    pub const GROWTH_FACTOR: f64 = 1e3;

    /// Errors with [`SimError::Diverged`] at the first recorded snapshot of experiment
    /// `experiment` (snapshots of `particles × dim` values, in order, in `out`) that diverged.
    pub fn check(&self, experiment: usize, out: &[f64]) -> Result<(), SimError> {
        let len = self.particles * self.dim;
        if len == 0 || out.len() < len {
            return Ok(());
        }
        let first = &out[..len];
        let mut centre = vec![0.0; self.dim];
        for p in first.chunks_exact(self.dim) {
            for (c, &x) in centre.iter_mut().zip(p) {
                *c += x / self.particles as f64;
            }
        }
        let spread = |snapshot: &[f64]| -> (f64, usize, f64) {
            let mut worst = (0.0, 0, 0.0);
            for (i, p) in snapshot.chunks_exact(self.dim).enumerate() {
                for (&x, c) in p.iter().zip(&centre) {
                    let d = (x - c).abs();
                    if d > worst.0 {
                        worst = (d, i, x);
                    }
                }
            }
            worst
        };
        let initial = spread(first).0.max(1.0);
        let mut previous = initial;
        for (l, snapshot) in out.chunks_exact(len).enumerate().skip(1) {
            let (d, particle, value) = spread(snapshot);
            let limit = (Self::SPREAD_FACTOR * initial).min(Self::GROWTH_FACTOR * previous);
            if d > limit {
                let step = l.saturating_mul(self.record_every);
                return Err(SimError::Diverged {
                    experiment,
                    step,
                    time: step as f64 * self.step,
                    particle,
                    value,
                    spread: d,
                    initial,
                });
            }
            previous = d.max(initial);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_first_diverged_snapshot() {
        let guard = DivergenceGuard { dim: 1, particles: 2, record_every: 10, step: 0.01 };
        // spread 1, then 100 (ok: < 1000 × 1), then 2·10⁴ (ok: < 1000 × 100), then 10²⁶⁵
        let out = [-1.0, 1.0, -100.0, 100.0, 0.0, 2e4, 0.0, 1e265];
        let err = guard.check(3, &out).unwrap_err();
        assert_eq!(
            err,
            SimError::Diverged {
                experiment: 3,
                step: 30,
                time: 0.3,
                particle: 1,
                value: 1e265,
                spread: 1e265,
                initial: 1.0
            }
        );
        // growth by more than 1000 between two snapshots
        let jump = [-1.0, 1.0, -1.0, 2e3];
        assert!(matches!(guard.check(0, &jump), Err(SimError::Diverged { step: 10, particle: 1, .. })));
        // a run that stays within bounds, including a start from one point
        assert_eq!(guard.check(0, &[0.0, 0.0, -0.5, 0.5, -300.0, 300.0]), Ok(()));
    }

    #[test]
    fn planar_snapshots_use_every_coordinate() {
        let guard = DivergenceGuard { dim: 2, particles: 2, record_every: 1, step: 0.5 };
        let out = [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, -5e10];
        assert!(
            matches!(guard.check(0, &out), Err(SimError::Diverged { step: 1, particle: 1, value, .. }) if value == -5e10)
        );
    }
}
