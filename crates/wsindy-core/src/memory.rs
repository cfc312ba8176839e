//! A memory budget checked before every large allocation, so that running out of memory is a
//! clear error naming the sizes, never an abort.
//!
//! The budget is, in order of precedence:
//!
//! 1. the environment variable [`BUDGET_ENV`] (`WSINDY_MEMORY_BUDGET`): a size in bytes with an
//!    optional unit (`4G`, `512M`, `1.5GiB`, `2e9`), or a percentage of the available memory
//!    (`80%`);
//! 2. else [`DEFAULT_FRACTION`] of the available memory: the smaller of `MemAvailable` in
//!    `/proc/meminfo` and the address space left under the process's limit (`ulimit -v`, read
//!    from `/proc/self/limits` and `/proc/self/status`);
//! 3. else, where `/proc` cannot be read, [`FALLBACK_BYTES`].
//!
//! ```
//! use wsindy_core::memory::MemoryBudget;
//! let budget = MemoryBudget::bytes(1 << 30);
//! assert!(budget.check(1 << 20, "a small array", "nothing").is_ok());
//! let err = budget.check(3 << 30, "the density", "use fewer grid cells").unwrap_err();
//! assert!(err.to_string().contains("3221225472 bytes (3.22 GB)"), "{err}");
//! assert!(err.to_string().contains("use fewer grid cells"), "{err}");
//! ```

use std::fmt;

use thiserror::Error;

/// The environment variable that sets the memory budget.
pub const BUDGET_ENV: &str = "WSINDY_MEMORY_BUDGET";
/// Fraction of the available memory one estimate may use by default. The estimates cover the
/// large arrays, not every small one, and other processes need memory too: half leaves room.
pub const DEFAULT_FRACTION: f64 = 0.5;
/// The budget where the available memory cannot be determined (no `/proc`): 4 GiB.
pub const FALLBACK_BYTES: u64 = 4 << 30;

/// Errors of the memory budget.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum MemoryError {
    /// An operation would need more memory than the budget allows.
    #[error("{what} needs about {} of memory, more than the budget of {} ({origin}); {reduce}", Size(*.needed), Size(*.budget))]
    OverBudget {
        /// What would be allocated, with its dimensions.
        what: String,
        /// Estimated bytes needed.
        needed: u64,
        /// Bytes allowed.
        budget: u64,
        /// Where the budget comes from.
        origin: BudgetOrigin,
        /// What to reduce, in words.
        reduce: String,
    },
    /// The environment variable holds no valid size.
    #[error(
        "{BUDGET_ENV} = {value:?} is invalid: expected a size in bytes with an optional unit (4G, 512M, 1.5GiB, 2e9) or a percentage of the available memory (80%)"
    )]
    InvalidBudget {
        /// The value found.
        value: String,
    },
}

/// Where a budget comes from, for error messages.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum BudgetOrigin {
    /// Set in code.
    Explicit,
    /// `WSINDY_MEMORY_BUDGET` as a size.
    Environment,
    /// A fraction of the available memory (bytes available).
    Available {
        /// The fraction used.
        fraction: f64,
        /// Bytes available.
        available: u64,
    },
    /// `/proc` could not be read.
    Fallback,
}

impl fmt::Display for BudgetOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BudgetOrigin::Explicit => write!(f, "set by the caller"),
            BudgetOrigin::Environment => write!(f, "set by {BUDGET_ENV}"),
            BudgetOrigin::Available { fraction, available } => write!(
                f,
                "{}% of the {} available; set {BUDGET_ENV} to change it",
                fraction * 100.0,
                Size(*available)
            ),
            BudgetOrigin::Fallback => {
                write!(f, "the available memory is unknown; set {BUDGET_ENV} to change it")
            }
        }
    }
}

/// A byte count printed as "N bytes (X.XX GB)".
#[derive(Debug, Clone, Copy)]
pub struct Size(pub u64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0 as f64;
        if b >= 1e9 {
            write!(f, "{} bytes ({:.2} GB)", self.0, b / 1e9)
        } else {
            write!(f, "{} bytes ({:.2} MB)", self.0, b / 1e6)
        }
    }
}

/// How many bytes one operation may allocate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemoryBudget {
    /// The limit in bytes.
    pub limit: u64,
    /// Where it comes from.
    pub origin: BudgetOrigin,
}

impl MemoryBudget {
    /// A budget of `limit` bytes.
    pub fn bytes(limit: u64) -> Self {
        Self { limit, origin: BudgetOrigin::Explicit }
    }

    /// The budget of this process (see the [module docs](self)).
    pub fn current() -> Result<Self, MemoryError> {
        let available = available_bytes();
        match std::env::var(BUDGET_ENV) {
            Ok(value) if !value.trim().is_empty() => parse_budget(&value, available),
            _ => Ok(match available {
                Some(a) => Self {
                    limit: (a as f64 * DEFAULT_FRACTION) as u64,
                    origin: BudgetOrigin::Available { fraction: DEFAULT_FRACTION, available: a },
                },
                None => Self { limit: FALLBACK_BYTES, origin: BudgetOrigin::Fallback },
            }),
        }
    }

    /// Errors if `needed` bytes exceed the budget; `what` names the allocation and `reduce`
    /// says what to reduce.
    pub fn check(&self, needed: u64, what: &str, reduce: &str) -> Result<(), MemoryError> {
        if needed <= self.limit {
            return Ok(());
        }
        Err(MemoryError::OverBudget {
            what: what.to_string(),
            needed,
            budget: self.limit,
            origin: self.origin,
            reduce: reduce.to_string(),
        })
    }
}

/// Checks `needed` bytes against [`MemoryBudget::current`].
pub fn check(needed: u64, what: &str, reduce: &str) -> Result<(), MemoryError> {
    MemoryBudget::current()?.check(needed, what, reduce)
}

/// `count × size` bytes, saturating (a saturated estimate is over every budget).
pub fn bytes_for(count: usize, size: usize) -> u64 {
    (count as u64).saturating_mul(size as u64)
}

fn parse_budget(value: &str, available: Option<u64>) -> Result<MemoryBudget, MemoryError> {
    let invalid = || MemoryError::InvalidBudget { value: value.to_string() };
    let text = value.trim();
    if let Some(percent) = text.strip_suffix('%') {
        let p: f64 = percent.trim().parse().map_err(|_| invalid())?;
        if !(p > 0.0 && p <= 100.0) {
            return Err(invalid());
        }
        let fraction = p / 100.0;
        return Ok(match available {
            Some(a) => MemoryBudget {
                limit: (a as f64 * fraction) as u64,
                origin: BudgetOrigin::Available { fraction, available: a },
            },
            None => MemoryBudget { limit: FALLBACK_BYTES, origin: BudgetOrigin::Fallback },
        });
    }
    let split = text.find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E').unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.trim().parse().map_err(|_| invalid())?;
    let scale = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return Err(invalid()),
    };
    let limit = number * scale;
    if !(limit.is_finite() && limit >= 1.0 && limit < u64::MAX as f64) {
        return Err(invalid());
    }
    Ok(MemoryBudget { limit: limit as u64, origin: BudgetOrigin::Environment })
}

/// The memory this process can still allocate: the smaller of the system's available memory
/// and the address space left under `ulimit -v`; `None` if neither is known.
pub fn available_bytes() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok().and_then(|t| mem_available(&t));
    let limits = std::fs::read_to_string("/proc/self/limits").ok().and_then(|t| address_space_limit(&t));
    let used = std::fs::read_to_string("/proc/self/status").ok().and_then(|t| vm_size(&t));
    let headroom = limits.map(|limit| limit.saturating_sub(used.unwrap_or(0)));
    match (meminfo, headroom) {
        (Some(a), Some(h)) => Some(a.min(h)),
        (a, h) => a.or(h),
    }
}

/// `MemAvailable` of /proc/meminfo, in bytes.
fn mem_available(meminfo: &str) -> Option<u64> {
    kib_field(meminfo, "MemAvailable:")
}

/// `VmSize` of /proc/self/status, in bytes.
fn vm_size(status: &str) -> Option<u64> {
    kib_field(status, "VmSize:")
}

fn kib_field(text: &str, key: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(key))?;
    let kib: u64 = line[key.len()..].split_whitespace().next()?.parse().ok()?;
    kib.checked_mul(1024)
}

/// The soft limit of "Max address space" in /proc/self/limits, in bytes (`None` if unlimited).
fn address_space_limit(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max address space"))?;
    let soft = line["Max address space".len()..].split_whitespace().next()?;
    soft.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes_and_percentages() {
        let b = |s: &str| parse_budget(s, Some(8_000_000_000)).map(|b| b.limit);
        assert_eq!(b("4G"), Ok(4_000_000_000));
        assert_eq!(b("512 MiB"), Ok(512 << 20));
        assert_eq!(b("1.5GiB"), Ok(3 << 29));
        assert_eq!(b("2e9"), Ok(2_000_000_000));
        assert_eq!(b("123"), Ok(123));
        assert_eq!(b("25%"), Ok(2_000_000_000));
        for bad in ["", "G", "-1G", "0", "4X", "150%", "0%", "nan", "inf"] {
            assert!(matches!(b(bad), Err(MemoryError::InvalidBudget { .. })), "{bad}");
        }
        assert_eq!(parse_budget("50%", None).unwrap().origin, BudgetOrigin::Fallback);
    }

    #[test]
    fn reads_proc_files() {
        let meminfo = "MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:   2000 kB\n";
        assert_eq!(mem_available(meminfo), Some(2000 * 1024));
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max address space         2048000000           unlimited            bytes     \n";
        assert_eq!(address_space_limit(limits), Some(2_048_000_000));
        let unlimited = "Max address space         unlimited            unlimited            bytes     \n";
        assert_eq!(address_space_limit(unlimited), None);
        assert_eq!(vm_size("Name:\tx\nVmSize:\t  1000 kB\n"), Some(1_024_000));
    }

    #[test]
    fn over_budget_names_sizes_and_remedy() {
        let err = MemoryBudget::bytes(1_000_000_000)
            .check(2_500_000_000, "G (10 × 20)", "fewer terms")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "G (10 × 20) needs about 2500000000 bytes (2.50 GB) of memory, more than the budget of 1000000000 bytes (1.00 GB) (set by the caller); fewer terms"
        );
    }
}
