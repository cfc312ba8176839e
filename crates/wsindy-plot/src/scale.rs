//! Axis scales: linear or logarithmic (drawn as log10 on a linear axis), ranges, ticks and
//! tick labels.

/// How values map to the drawn coordinate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scale {
    Linear,
    /// Base-10 logarithm; values must be positive.
    Log,
}

impl Scale {
    pub(crate) fn from_log(log: bool) -> Self {
        if log { Self::Log } else { Self::Linear }
    }

    pub(crate) fn is_log(self) -> bool {
        self == Self::Log
    }

    /// Drawn coordinate of a (positive, for log) value.
    pub(crate) fn to_axis(self, v: f64) -> f64 {
        match self {
            Self::Linear => v,
            Self::Log => v.log10(),
        }
    }

    /// Value at a drawn coordinate.
    pub(crate) fn value_at(self, u: f64) -> f64 {
        match self {
            Self::Linear => u,
            Self::Log => 10f64.powf(u),
        }
    }
}

/// The drawn interval for finite data in drawn coordinates `[min, max]`, padded by `pad` of the
/// span on both sides; an empty or zero-width interval is widened so the axis is never empty.
pub(crate) fn padded_range(min: f64, max: f64, scale: Scale, pad: f64) -> (f64, f64) {
    if !(min.is_finite() && max.is_finite()) || min > max {
        return match scale {
            Scale::Linear => (0.0, 1.0),
            Scale::Log => (0.0, 1.0),
        };
    }
    let span = max - min;
    let size = min.abs().max(max.abs());
    if span <= 1e-12 * size || span == 0.0 {
        let h = match scale {
            Scale::Log => 0.5,
            Scale::Linear if size == 0.0 => 1.0,
            Scale::Linear => 0.1 * size,
        };
        return (min - h, max + h);
    }
    (min - pad * span, max + pad * span)
}

/// Major (labelled) and minor (light grid) tick positions, in drawn coordinates.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ticks {
    pub(crate) major: Vec<f64>,
    pub(crate) minor: Vec<f64>,
    labels: Vec<String>,
}

impl Ticks {
    /// Ticks for the drawn interval `[lo, hi]`.
    pub(crate) fn new(lo: f64, hi: f64, scale: Scale) -> Self {
        let (major, minor, labels) = match scale {
            Scale::Linear => {
                // No light grid on linear axes: it would only clutter the plot.
                let (major, step) = linear_ticks(lo, hi, 6);
                let labels = format_linear(&major, step);
                (major, Vec::new(), labels)
            }
            Scale::Log => log_ticks(lo, hi),
        };
        Self { major, minor, labels }
    }

    /// No ticks at all.
    pub(crate) fn none() -> Self {
        Self { major: Vec::new(), minor: Vec::new(), labels: Vec::new() }
    }

    /// The label of the major tick at `u` (empty for other positions).
    pub(crate) fn label(&self, u: f64) -> String {
        self.major
            .iter()
            .zip(&self.labels)
            .find(|(m, _)| (**m - u).abs() <= 1e-9 * (1.0 + m.abs()))
            .map(|(_, l)| l.clone())
            .unwrap_or_default()
    }

    /// The ticks with only the given major ticks (indices into `major`), and the minor ticks
    /// up to the last of them.
    pub(crate) fn keep(&self, indices: &[usize]) -> Self {
        let major: Vec<f64> = indices.iter().map(|&i| self.major[i]).collect();
        let labels = indices.iter().map(|&i| self.labels[i].clone()).collect();
        let top = major.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let minor = self.minor.iter().copied().filter(|&u| u <= top).collect();
        Self { major, minor, labels }
    }

    /// All major tick labels.
    pub(crate) fn labels(&self) -> &[String] {
        &self.labels
    }
}

/// A "nice" step (1, 2, 2.5 or 5 times a power of ten) giving about `target` intervals.
fn nice_step(span: f64, target: usize) -> f64 {
    let raw = span / target as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let m = raw / mag;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 2.5 {
        2.5
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

fn linear_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, f64) {
    let span = hi - lo;
    if !(span > 0.0 && span.is_finite()) {
        return (vec![lo], 1.0);
    }
    let step = nice_step(span, target);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    let ticks = (first..=last)
        .map(|k| {
            let v = k as f64 * step;
            if v.abs() < 1e-12 * step { 0.0 } else { v }
        })
        .collect();
    (ticks, step)
}

/// Decimal places needed to write multiples of `step` exactly (at most 12).
fn decimals_for(step: f64) -> usize {
    (0..=12)
        .find(|&d| {
            let s = step * 10f64.powi(d as i32);
            (s - s.round()).abs() < 1e-6 * s.max(1.0)
        })
        .unwrap_or(12)
}

fn format_linear(ticks: &[f64], step: f64) -> Vec<String> {
    let largest = ticks.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    if largest >= 1e5 || (largest > 0.0 && largest < 1e-3) {
        let exp = largest.log10().floor() as i32;
        let d = decimals_for(step / 10f64.powi(exp));
        return ticks
            .iter()
            .map(|&v| {
                if v == 0.0 {
                    "0".to_string()
                } else {
                    let m = v / 10f64.powi(exp);
                    format!("{}×10{}", minus(&format!("{m:.d$}")), superscript(exp))
                }
            })
            .collect();
    }
    let d = decimals_for(step);
    ticks.iter().map(|&v| minus(&format!("{v:.d$}"))).collect()
}

/// Ticks of a log10 axis over the drawn interval `[lo, hi]` (exponents).
fn log_ticks(lo: f64, hi: f64) -> (Vec<f64>, Vec<f64>, Vec<String>) {
    let first = (lo - 1e-9).ceil() as i64;
    let last = (hi + 1e-9).floor() as i64;
    let decades = (last - first + 1).max(0);
    if decades >= 3 {
        let stride = ((decades as f64) / 7.0).ceil().max(1.0) as i64;
        let major: Vec<f64> =
            (first..=last).filter(|k| k.rem_euclid(stride) == 0).map(|k| k as f64).collect();
        let minor: Vec<f64> = if stride == 1 {
            (first - 1..=last)
                .flat_map(|k| (2..=9).map(move |m| k as f64 + (m as f64).log10()))
                .filter(|u| *u >= lo && *u <= hi)
                .collect()
        } else {
            (first..=last).map(|k| k as f64).collect()
        };
        let labels = major.iter().map(|&u| decade_label(u as i32)).collect();
        return (major, minor, labels);
    }
    // Up to two decades: try 1, 2, 5 (then every integer mantissa) times powers of ten.
    for mantissas in [&[1.0f64, 2.0, 5.0][..], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0][..]] {
        let major: Vec<f64> = (first - 1..=last)
            .flat_map(|k| mantissas.iter().map(move |m| k as f64 + m.log10()))
            .filter(|u| *u >= lo - 1e-9 && *u <= hi + 1e-9)
            .collect();
        if major.len() >= 3 {
            let minor = (first - 1..=last)
                .flat_map(|k| (1..=9).map(move |m| k as f64 + (m as f64).log10()))
                .filter(|u| *u >= lo && *u <= hi)
                .collect();
            let labels = major.iter().map(|&u| log_label(u)).collect();
            return (major, minor, labels);
        }
    }
    // A narrow range: linear ticks in value space, placed at their logarithms.
    let (values, step) = linear_ticks(10f64.powf(lo), 10f64.powf(hi), 5);
    let values: Vec<f64> = values.into_iter().filter(|v| *v > 0.0).collect();
    let labels = format_linear(&values, step);
    let major = values.iter().map(|v| v.log10()).collect();
    (major, Vec::new(), labels)
}

fn decade_label(k: i32) -> String {
    format!("10{}", superscript(k))
}

fn log_label(u: f64) -> String {
    let k = u.floor();
    if (u - u.round()).abs() < 1e-9 {
        return decade_label(u.round() as i32);
    }
    let m = 10f64.powf(u - k).round();
    format!("{m}×10{}", superscript(k as i32))
}

/// An integer as Unicode superscript digits.
pub(crate) fn superscript(k: i32) -> String {
    k.to_string()
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            '9' => '⁹',
            c => c,
        })
        .collect()
}

/// Replaces a leading ASCII hyphen by a typographic minus sign.
fn minus(s: &str) -> String {
    match s.strip_prefix('-') {
        Some(rest) => format!("−{rest}"),
        None => s.to_string(),
    }
}

/// A number with three significant digits, in scientific form `a×10ᵏ` outside [10⁻³, 10⁴).
pub(crate) fn format_number(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let exp = v.abs().log10().floor() as i32;
    if (-3..4).contains(&exp) {
        let d = (2 - exp).max(0) as usize;
        let s = format!("{v:.d$}");
        let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
        minus(&s)
    } else {
        let m = v / 10f64.powi(exp);
        let s = format!("{m:.2}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        format!("{}×10{}", minus(s), superscript(exp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_nice() {
        let t = Ticks::new(-0.05, 1.05, Scale::Linear);
        assert_eq!(t.major.len(), 6);
        assert_eq!(t.labels(), &["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        let t = Ticks::new(-3.0, 3.0, Scale::Linear);
        assert_eq!(t.labels().first().map(String::as_str), Some("−3"));
    }

    #[test]
    fn small_and_large_linear_ticks_are_scientific() {
        let t = Ticks::new(0.0, 4e-5, Scale::Linear);
        assert!(t.labels().iter().any(|l| l.contains("×10⁻⁵")), "{t:?}");
        let t = Ticks::new(0.0, 3e6, Scale::Linear);
        assert!(t.labels().iter().any(|l| l.contains("×10⁶")), "{t:?}");
    }

    #[test]
    fn log_ticks_are_decades_or_mantissas() {
        let t = Ticks::new(-3.2, 1.1, Scale::Log);
        assert_eq!(t.major, vec![-3.0, -2.0, -1.0, 0.0, 1.0]);
        assert_eq!(t.labels()[0], "10⁻³");
        assert!(!t.minor.is_empty());
        let t = Ticks::new(0.1, 0.9, Scale::Log);
        assert!(t.major.len() >= 3, "{t:?}");
        let t = Ticks::new(0.30, 0.32, Scale::Log);
        assert!(!t.major.is_empty(), "{t:?}");
        let t = Ticks::new(-40.0, 40.0, Scale::Log);
        assert!(t.major.len() <= 9, "{t:?}");
    }

    #[test]
    fn zero_ranges_are_padded() {
        assert_eq!(padded_range(2.0, 2.0, Scale::Linear, 0.05), (1.8, 2.2));
        assert_eq!(padded_range(0.0, 0.0, Scale::Linear, 0.05), (-1.0, 1.0));
        assert_eq!(padded_range(-1.0, -1.0, Scale::Log, 0.05), (-1.5, -0.5));
        assert_eq!(padded_range(f64::NAN, 1.0, Scale::Linear, 0.05), (0.0, 1.0));
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(format_number(3.126e-3), "0.00313");
        assert_eq!(format_number(3.126e-4), "3.13×10⁻⁴");
        assert_eq!(format_number(12.0), "12");
        assert_eq!(format_number(-0.5), "−0.5");
        assert_eq!(format_number(0.0123), "0.0123");
        assert_eq!(format_number(2.5e7), "2.5×10⁷");
    }
}
