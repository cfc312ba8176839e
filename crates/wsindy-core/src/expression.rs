//! User expressions as term families: a scalar field f(x) or a radial force profile h(r) written
//! as a formula (`x1*exp(-x2^2)`, `exp(-r/0.5)`), parsed by the `exmex` crate and evaluated at
//! many points.

use exmex::prelude::*;

use crate::CoreError;

/// A parsed formula with the axis of each of its variables.
///
/// Variables are `x` (1D) or `x1` … `xd` for a field, `r` for a radial profile. Functions and
/// constants are exmex's (`exp`, `log`, `sqrt`, `sin`, `cos`, `tanh`, `abs`, `PI`, …).
pub(crate) struct Formula {
    expression: FlatEx<f64>,
    /// For each variable of the formula (in exmex's order), the coordinate it reads.
    axes: Vec<usize>,
}

impl Formula {
    /// Parses `text` with variables named by `variable(axis)` for `axis < dim`.
    pub(crate) fn parse(
        text: &str,
        dim: usize,
        variable: impl Fn(usize) -> String,
    ) -> Result<Self, CoreError> {
        let invalid = |reason: String| CoreError::InvalidTerm { term: format!("{{{text}}}"), reason };
        check_unary_minus_before_power(text).map_err(invalid)?;
        let expression = exmex::parse::<f64>(text).map_err(|e| invalid(format!("cannot parse it: {e}")))?;
        let names: Vec<String> = (0..dim).map(&variable).collect();
        let axes = expression
            .var_names()
            .iter()
            .map(|v| {
                names.iter().position(|n| n == v).ok_or_else(|| {
                    invalid(format!("unknown variable `{v}`: expected one of {}", names.join(", ")))
                })
            })
            .collect::<Result<Vec<usize>, _>>()?;
        if axes.len() > MAX_VARIABLES {
            return Err(invalid(format!(
                "it uses {} variables: at most {MAX_VARIABLES} are supported",
                axes.len()
            )));
        }
        Ok(Self { expression, axes })
    }

    /// The formula's derivative with respect to its only variable (for a radial potential
    /// k(r): the force profile h = k′); a formula without variables has derivative 0.
    pub(crate) fn derivative(&self) -> Result<Self, CoreError> {
        if self.axes.is_empty() {
            let zero = exmex::parse::<f64>("0").map_err(|e| CoreError::InvalidTerm {
                term: "0".into(),
                reason: format!("cannot parse it: {e}"),
            })?;
            return Ok(Self { expression: zero, axes: Vec::new() });
        }
        let expression = self.expression.clone().partial(0).map_err(|e| CoreError::InvalidTerm {
            term: format!("{{{}}}", self.expression.unparse()),
            reason: format!("cannot differentiate it: {e}"),
        })?;
        let axes = if expression.var_names().is_empty() { Vec::new() } else { self.axes.clone() };
        Ok(Self { expression, axes })
    }

    /// The value at the point `x`. The variables are gathered on the stack (a formula reads at
    /// most one value per axis), so evaluation allocates nothing and may run on many threads.
    #[inline]
    pub(crate) fn value(&self, x: &[f64]) -> f64 {
        let mut vars = [0.0; MAX_VARIABLES];
        let n = self.axes.len().min(MAX_VARIABLES);
        for (v, &a) in vars.iter_mut().zip(&self.axes) {
            *v = x[a];
        }
        // an evaluation error (a domain error of a function) is a non-finite value, which the
        // callers report with the point
        self.expression.eval(&vars[..n]).unwrap_or(f64::NAN)
    }
}

/// Most distinct variables a formula may use (x1 … x8, or r).
const MAX_VARIABLES: usize = 8;

/// exmex gives unary operators priority over binary ones, so `-x^2` would mean (−x)² = x². That
/// surprises anyone used to mathematical notation; refuse the form and ask for parentheses.
fn check_unary_minus_before_power(text: &str) -> Result<(), String> {
    let chars: Vec<char> = text.chars().collect();
    let mut previous = None;
    for (i, &c) in chars.iter().enumerate() {
        if c.is_whitespace() {
            continue;
        }
        let unary = c == '-' && matches!(previous, None | Some('(' | ',' | '+' | '-' | '*' | '/' | '^'));
        if unary {
            // the operand: a name or number, then a parenthesised argument list if any
            let mut j = i + 1;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_' || chars[j] == '.') {
                j += 1;
            }
            if j < chars.len() && chars[j] == '(' {
                let mut depth = 0;
                while j < chars.len() {
                    depth += match chars[j] {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    j += 1;
                    if depth == 0 {
                        break;
                    }
                }
            }
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            if j < chars.len() && chars[j] == '^' {
                let operand: String = chars[i..j].iter().collect();
                return Err(format!(
                    "`{}^…` is ambiguous: write -({}^…) for minus a power, or ({})^… for a power of a negative number",
                    operand.trim(),
                    operand.trim().trim_start_matches('-').trim(),
                    operand.trim()
                ));
            }
        }
        previous = Some(c);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(text: &str, dim: usize) -> Result<Formula, CoreError> {
        Formula::parse(text, dim, |a| if dim == 1 { "x".into() } else { format!("x{}", a + 1) })
    }

    #[test]
    fn formulas_evaluate_with_their_variables() {
        let f = field("x2*exp(-(x1^2)) + 1", 3).unwrap();
        let x = [0.5, 2.0, 7.0];
        assert!((f.value(&x) - (2.0 * (-0.25f64).exp() + 1.0)).abs() < 1e-15);
        let g = field("sin(3*x) / 2", 1).unwrap();
        assert!((g.value(&[0.4]) - (1.2f64).sin() / 2.0).abs() < 1e-15);
        // a constant formula has no variables
        assert_eq!(field("2.5", 2).unwrap().value(&[1.0, 1.0]), 2.5);
    }

    #[test]
    fn bad_formulas_are_errors_that_say_why() {
        let msg = |text: &str, dim| field(text, dim).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            msg("x3 + 1", 2).contains("unknown variable `x3`: expected one of x1, x2"),
            "{}",
            msg("x3 + 1", 2)
        );
        assert!(msg("x1 *", 2).contains("cannot parse"), "{}", msg("x1 *", 2));
        for ambiguous in ["-x^2", "exp(-x^2)", "1 + -x ^ 2", "2*-cos(x)^2"] {
            assert!(msg(ambiguous, 1).contains("ambiguous"), "{ambiguous}: {}", msg(ambiguous, 1));
        }
        for fine in ["-(x^2)", "exp(-(x^2))", "x-x^2", "(-x)^2", "-x*2", "x^-2"] {
            assert!(field(fine, 1).is_ok(), "{fine}: {}", msg(fine, 1));
        }
    }
}
