//! The cost model behind the time estimates: wall seconds on the 2-core reference machine
//! (release build), measured with its two cores busy on one simulation.
//!
//! Each example states its own model in its entry of the examples list
//! (`ExampleEntry::simulation_seconds`, `identification_seconds`); for the paper's:
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

/// Seconds to simulate N particles in M experiments (the example's own cost model).
pub fn simulation_seconds(example: ExampleKind, n: usize, m: usize) -> f64 {
    (example.entry().simulation_seconds)(n, m)
}

/// Seconds to identify one data set (histogram, assembly, regression).
pub fn identification_seconds(example: ExampleKind) -> f64 {
    example.entry().identification_seconds
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
        assert!((simulation_seconds(ExampleKind::named("nonlocal1d").unwrap(), 8000, 2) - 0.3).abs() < 1e-12);
        assert!(
            (simulation_seconds(ExampleKind::named("nonlocal2d").unwrap(), 2000, 4) - 20.0).abs() < 1e-12
        );
        assert_eq!(format_seconds(3725.0), "1 h 02 min");
        assert_eq!(format_seconds(185.0), "3 min 05 s");
        assert_eq!(format_seconds(12.34), "12.3 s");
    }
}
