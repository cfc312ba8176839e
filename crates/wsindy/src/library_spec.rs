//! A trial library described in a config file: families with their ranges, for data of any
//! dimension.

use serde::{Deserialize, Serialize};
use wsindy_library::{
    KELLER_SEGEL_CUTOFF, Library, MatrixEntry, RadialKernel, ScalarField, Term, cosine_fields,
    monomial_powers,
};

use wsindy_core::TrialTerm;

use crate::WsindyError;

/// The `[library]` table of an identification config: the term families and their ranges.
/// Given, it replaces the preset's library. The `x^a` families are 1D only; the others apply in
/// any dimension d (fields over all d axes).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LibrarySpec {
    /// Interaction potentials |x|^m, one per power m > 0 (any dimension).
    pub interaction_powers: Vec<f64>,
    /// Cutoff interaction potentials by family, `"sqrt"` (|x|^(1/2)), `"linear_log"`
    /// (|x|(log|x|-1)) or `"log"` (log|x|), continued linearly inside `cutoff_delta`.
    pub interaction_cutoff: Vec<String>,
    /// The cutoff radius δ > 0 of `interaction_cutoff` (default 0.01).
    pub cutoff_delta: Option<f64>,
    /// Exponential interaction potentials e^{−|x|/l}, one per length l > 0.
    pub interaction_exponential_lengths: Vec<f64>,
    /// 1D drift forces x^a.
    pub drift_powers: Vec<u32>,
    /// 1D diffusion terms ½σ² = x^a.
    pub diffusion_powers: Vec<u32>,
    /// Drift forces f e_i along every axis i with f = Π cos(m_i x_i), 0 ≤ m_i ≤ this.
    pub drift_cosines_max: Option<u32>,
    /// Drift forces ∇(Π x_i^{a_i}), 1 ≤ Σ a_i ≤ this.
    pub potential_degree_max: Option<u32>,
    /// Diffusion f·I with f = Π cos(m_i x_i), 0 ≤ m_i ≤ this.
    pub diffusion_isotropic_cosines_max: Option<u32>,
    /// Diffusion f·I with f = Π x_i^{a_i}, 0 ≤ Σ a_i ≤ this.
    pub diffusion_isotropic_degree_max: Option<u32>,
    /// Diffusion f·(E_pq + E_qp), p < q, with f = Π cos(m_i x_i), 0 ≤ m_i ≤ this.
    pub diffusion_cross_cosines_max: Option<u32>,
    /// Diffusion f·E_pp and f·(E_pq + E_qp), p < q, with f = Π cos(m_i x_i), 0 ≤ m_i ≤ this.
    pub diffusion_entry_cosines_max: Option<u32>,
    /// Any further terms in the vocabulary, appended last (`[[library.terms]]` tables such as
    /// `family = "radial_expression"`, `potential = "exp(-r/0.5)"`).
    pub terms: Vec<Term>,
}

impl LibrarySpec {
    /// The library for `dim`-dimensional data, in the order interaction, drift, diffusion.
    pub fn build(&self, dim: usize) -> Result<Library, WsindyError> {
        let bad = |key: &str, value: String, expected: &str| {
            WsindyError::Config(format!("library.{key} = {value} is invalid: expected {expected}"))
        };
        if dim == 0 {
            return Err(WsindyError::Config("a [library] for 0-dimensional data".into()));
        }
        let mut lib = Library::new();
        for &power in &self.interaction_powers {
            if !(power.is_finite() && power > 0.0) {
                return Err(bad("interaction_powers", power.to_string(), "finite powers > 0"));
            }
            lib.push(Term::power(power));
        }
        let delta = self.cutoff_delta.unwrap_or(KELLER_SEGEL_CUTOFF);
        if !(delta.is_finite() && delta > 0.0) {
            return Err(bad("cutoff_delta", delta.to_string(), "a finite number > 0"));
        }
        for family in &self.interaction_cutoff {
            let kernel = RadialKernel::cutoff(family, delta).ok_or_else(|| {
                bad("interaction_cutoff", format!("{family:?}"), "\"sqrt\", \"linear_log\" or \"log\"")
            })?;
            lib.push(Term::Interaction(kernel));
        }
        for &length in &self.interaction_exponential_lengths {
            if !(length.is_finite() && length > 0.0) {
                return Err(bad("interaction_exponential_lengths", length.to_string(), "finite lengths > 0"));
            }
            lib.push(Term::Interaction(RadialKernel::Exponential { length }));
        }
        if dim == 1 {
            for &a in &self.drift_powers {
                lib.push(Term::drift_monomial(a));
            }
        } else if !self.drift_powers.is_empty() {
            return Err(bad(
                "drift_powers",
                format!("{:?}", self.drift_powers),
                "a 1D family only with 1-dimensional data (in d ≥ 2: potential_degree_max, drift_cosines_max)",
            ));
        }
        if let Some(max) = self.drift_cosines_max {
            for axis in 0..dim {
                for field in cosine_fields(dim, max) {
                    lib.push(Term::AxisForce { axis, field });
                }
            }
        }
        if let Some(max) = self.potential_degree_max {
            for total in 1..=max {
                for powers in monomial_powers(dim, total) {
                    lib.push(Term::PotentialGradient { powers });
                }
            }
        }
        if dim == 1 {
            for &a in &self.diffusion_powers {
                lib.push(Term::diffusion_monomial(a));
            }
        } else if !self.diffusion_powers.is_empty() {
            return Err(bad(
                "diffusion_powers",
                format!("{:?}", self.diffusion_powers),
                "a 1D family only with 1-dimensional data (in d ≥ 2: diffusion_isotropic_degree_max)",
            ));
        }
        let isotropic = |field| Term::Diffusion { entry: MatrixEntry::Identity, field };
        if let Some(max) = self.diffusion_isotropic_cosines_max {
            lib.extend(cosine_fields(dim, max).into_iter().map(isotropic));
        }
        if let Some(max) = self.diffusion_isotropic_degree_max {
            let fields = (0..=max).flat_map(|total| monomial_powers(dim, total)).map(ScalarField::monomial);
            lib.extend(fields.map(isotropic));
        }
        let pairs = |diagonal: bool| {
            let mut entries = Vec::new();
            if diagonal {
                entries.extend((0..dim).map(|p| MatrixEntry::Entry { p, q: p }));
            }
            entries.extend((0..dim).flat_map(|p| (p + 1..dim).map(move |q| MatrixEntry::Entry { p, q })));
            entries
        };
        for (key, max, diagonal) in [
            ("diffusion_cross_cosines_max", self.diffusion_cross_cosines_max, false),
            ("diffusion_entry_cosines_max", self.diffusion_entry_cosines_max, true),
        ] {
            if let Some(max) = max {
                if dim == 1 {
                    return Err(bad(
                        key,
                        max.to_string(),
                        "a family of matrix entries only with data of dimension ≥ 2",
                    ));
                }
                for entry in pairs(diagonal) {
                    lib.extend(
                        cosine_fields(dim, max).into_iter().map(|field| Term::Diffusion { entry, field }),
                    );
                }
            }
        }
        for (i, term) in self.terms.iter().enumerate() {
            term.check_dim(dim).map_err(|e| WsindyError::Config(format!("library.terms[{i}]: {e}")))?;
            lib.push(term.clone());
        }
        if lib.is_empty() {
            return Err(WsindyError::Config("the [library] table selects no terms".into()));
        }
        Ok(lib)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wsindy_core::TermKind;

    fn names(lib: &Library) -> Vec<(TermKind, String)> {
        lib.terms().iter().map(|t| (t.kind(), t.name())).collect()
    }

    #[test]
    fn specs_rebuild_the_papers_tables() {
        let table3 = LibrarySpec {
            interaction_powers: (1..=7).map(f64::from).collect(),
            drift_powers: vec![0, 2, 3, 4, 5, 6, 7, 8],
            diffusion_powers: (0..=8).collect(),
            ..LibrarySpec::default()
        };
        assert_eq!(names(&table3.build(1).unwrap()), names(&Library::nonlocal1d()));
        let table4 = LibrarySpec {
            interaction_powers: (2..=6).map(f64::from).collect(),
            interaction_cutoff: ["sqrt", "linear_log", "log"].map(String::from).to_vec(),
            potential_degree_max: Some(6),
            diffusion_isotropic_cosines_max: Some(2),
            diffusion_cross_cosines_max: Some(2),
            ..LibrarySpec::default()
        };
        assert_eq!(names(&table4.build(2).unwrap()), names(&Library::nonlocal2d()));
        let table2 = LibrarySpec {
            interaction_powers: (1..=7).map(f64::from).collect(),
            drift_cosines_max: Some(5),
            diffusion_isotropic_cosines_max: Some(5),
            ..LibrarySpec::default()
        };
        assert_eq!(names(&table2.build(2).unwrap()), names(&Library::local2d()));
    }

    #[test]
    fn bad_specs_name_the_key() {
        let err = |spec: LibrarySpec, d| spec.build(d).unwrap_err().to_string();
        assert!(
            err(LibrarySpec { interaction_powers: vec![-1.0], ..Default::default() }, 1)
                .contains("interaction_powers")
        );
        let cut = LibrarySpec {
            interaction_cutoff: vec!["log".into()],
            cutoff_delta: Some(0.0),
            ..Default::default()
        };
        assert!(err(cut, 2).contains("cutoff_delta = 0"));
        assert!(
            err(LibrarySpec { diffusion_cross_cosines_max: Some(2), ..Default::default() }, 1)
                .contains("diffusion_cross_cosines_max")
        );
        assert!(
            err(LibrarySpec { interaction_cutoff: vec!["cubic".into()], ..Default::default() }, 2)
                .contains("interaction_cutoff = \"cubic\"")
        );
        assert!(err(LibrarySpec { drift_powers: vec![1], ..Default::default() }, 2).contains("drift_powers"));
        assert!(err(LibrarySpec::default(), 1).contains("no terms"));
    }

    #[test]
    fn formulas_join_the_library_from_toml() {
        let text = r#"
interaction_powers = [2]
[[terms]]
family = "radial_expression"
potential = "exp(-r/0.5)"
[[terms]]
family = "axis_force"
axis = 1
field = { expression = { formula = "x1*exp(-(x2^2))", dim = 2 } }
"#;
        let spec: LibrarySpec = toml::from_str(text).unwrap();
        let lib = spec.build(2).unwrap();
        let names: Vec<String> = lib.terms().iter().map(|t| t.name()).collect();
        assert_eq!(names, ["|x|^2", "{exp(-r/0.5)}", "[0, {x1*exp(-(x2^2))}]"]);
        let err = spec.build(3).unwrap_err().to_string();
        assert!(err.contains("library.terms[1]") && err.contains("2-dimensional"), "{err}");
        let bad: LibrarySpec =
            toml::from_str("[[terms]]\nfamily = \"radial_expression\"\npotential = \"exp(-x)\"\n").unwrap();
        let err = bad.build(1).unwrap_err().to_string();
        assert!(err.contains("library.terms[0]") && err.contains("unknown variable `x`"), "{err}");
    }

    #[test]
    fn families_extend_to_three_dimensions() {
        let spec = LibrarySpec {
            interaction_powers: vec![1.0, 2.0],
            potential_degree_max: Some(2),
            diffusion_isotropic_degree_max: Some(1),
            diffusion_entry_cosines_max: Some(0),
            ..LibrarySpec::default()
        };
        let lib = spec.build(3).unwrap();
        // 2 kernels, 3 + 6 potential gradients, 1 + 3 isotropic monomials, 6 entries
        assert_eq!(lib.len(), 2 + 9 + 4 + 6);
        let names: Vec<String> = lib.terms().iter().map(|t| t.name()).collect();
        for name in ["grad(x3^2)", "grad(x1*x2)", "x3*I", "1*E23", "1*E33"] {
            assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
        }
        for term in lib.terms() {
            assert!(
                term.check_dim(3).is_ok() && term.check_dim(2).is_err()
                    || term.kind() == TermKind::Interaction
            );
        }
    }
}
