//! Numbers in messages: huge or tiny reals in scientific notation instead of 300-digit
//! decimals, and counts that overflowed (saturated at `usize::MAX`) in words.
//!
//! ```
//! use wsindy_core::display::{Count, Number};
//! assert_eq!(Number(1e308).to_string(), "1e308");
//! assert_eq!(Number(0.25).to_string(), "0.25");
//! assert_eq!(Number(-3e-12).to_string(), "-3e-12");
//! assert_eq!(Count(12).to_string(), "12");
//! assert_eq!(Count(usize::MAX).to_string(), "more than 2^64 (the count overflows)");
//! ```

use std::fmt;

/// A real number as Rust prints it when that is short (|x| in [10⁻⁵, 10¹⁶), 0, ∞, NaN), else
/// in scientific notation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number(pub f64);

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.0.abs();
        if a == 0.0 || !a.is_finite() || (1e-5..1e16).contains(&a) {
            write!(f, "{}", self.0)
        } else {
            write!(f, "{:e}", self.0)
        }
    }
}

/// A count; `usize::MAX` stands for a product that overflowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub usize);

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == usize::MAX {
            write!(f, "more than 2^{} (the count overflows)", usize::BITS)
        } else {
            write!(f, "{}", self.0)
        }
    }
}
