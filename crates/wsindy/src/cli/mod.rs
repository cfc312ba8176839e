//! The `identify` and `simulate` subcommands.

pub mod identify;
pub mod simulate;

/// Formats a duration in seconds as milliseconds below 1 s and seconds above.
pub(crate) fn seconds(s: f64) -> String {
    if s < 1.0 { format!("{:.2} ms", 1e3 * s) } else { format!("{s:.3} s") }
}
