//! The `identify` and `simulate` subcommands.

pub mod identify;
pub mod simulate;

/// Formats a duration in seconds as milliseconds below 1 s and seconds above.
pub(crate) fn seconds(s: f64) -> String {
    if s < 1.0 { format!("{:.2} ms", 1e3 * s) } else { format!("{s:.3} s") }
}

/// A JSON value for one number: a number when finite, else the string `"inf"`, `"-inf"` or
/// `"nan"` (JSON has no such numbers; the model's own fields are written the same way).
pub(crate) fn json_number(v: f64) -> serde_json::Value {
    match wsindy::json_float::non_finite(v) {
        None => serde_json::Value::from(v),
        Some(text) => serde_json::Value::from(text),
    }
}
