//! The cost model behind the time estimates: wall seconds on the 2-core reference machine
//! (release build), measured with its two cores busy on one simulation.
//!
//! | stage | model |
//! |---|---|
//! | nonlocal 1D simulation | 0.3 s × N·M / 16,000 (O(N log N) forces, 10⁵ steps) |
//! | local 2D simulation | 12.5 s × N·M / 16,384 (no interaction, 20,000 steps) |
//! | nonlocal 2D simulation | 20 s × M × (N / 4000)² (exact pair sums, 3200 steps) |
//! | identification | 0.015 s (1D), 0.5 s (local 2D and nonlocal 2D) per trial |
//!
//! The estimate of a run is the sum over its pending work: trials run concurrently on
//! `--jobs` workers but each simulation already uses every core, so the sum is the wall time.

use crate::spec::ExampleKind;

/// Seconds to simulate N particles in M experiments.
pub fn simulation_seconds(example: ExampleKind, n: usize, m: usize) -> f64 {
    let (n, m) = (n as f64, m as f64);
    match example {
        ExampleKind::Nonlocal1d => 0.3 * n * m / 16_000.0,
        ExampleKind::Local2d => 12.5 * n * m / 16_384.0,
        ExampleKind::Nonlocal2d => 20.0 * m * (n / 4000.0).powi(2),
    }
}

/// Seconds to identify one data set (histogram, assembly, regression).
pub fn identification_seconds(example: ExampleKind) -> f64 {
    match example {
        ExampleKind::Nonlocal1d => 0.015,
        ExampleKind::Local2d => 0.5,
        ExampleKind::Nonlocal2d => 0.5,
    }
}

/// Formats seconds as `1 h 02 min`, `3 min 05 s` or `12.3 s`.
pub fn format_seconds(s: f64) -> String {
    if s >= 3600.0 {
        let m = (s / 60.0).round() as u64;
        format!("{} h {:02} min", m / 60, m % 60)
    } else if s >= 60.0 {
        let r = s.round() as u64;
        format!("{} min {:02} s", r / 60, r % 60)
    } else {
        format!("{s:.1} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_points() {
        assert!((simulation_seconds(ExampleKind::Nonlocal1d, 8000, 2) - 0.3).abs() < 1e-12);
        assert!((simulation_seconds(ExampleKind::Nonlocal2d, 2000, 4) - 20.0).abs() < 1e-12);
        assert_eq!(format_seconds(3725.0), "1 h 02 min");
        assert_eq!(format_seconds(185.0), "3 min 05 s");
        assert_eq!(format_seconds(12.34), "12.3 s");
    }
}
