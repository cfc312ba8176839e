//! A trial library described in a config file: families with their ranges.

use serde::{Deserialize, Serialize};
use wsindy_library::{
    AxisForce, CutoffProfile, DiffusionField, DiffusionMonomial, DriftMonomial, InteractionPower, Library,
    MatrixEntry, PotentialGradient, RadialCutoff, ScalarField,
};

use crate::WsindyError;

/// A cutoff interaction kernel by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CutoffKernel {
    /// K = |x|^(1/2).
    Sqrt,
    /// K = |x|(log|x| − 1).
    LinearLog,
    /// K = log|x|.
    Log,
}

/// The `[library]` table of an identification config: the term families and their ranges.
/// Given, it replaces the preset's library. Families for the other dimension are an error.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LibrarySpec {
    /// Interaction potentials |x|^m, one per power m > 0 (any dimension).
    pub interaction_powers: Vec<f64>,
    /// Cutoff interaction potentials (any dimension), continued linearly inside `cutoff_delta`.
    pub interaction_cutoff: Vec<CutoffKernel>,
    /// The cutoff radius δ > 0 of `interaction_cutoff` (default 0.01).
    pub cutoff_delta: Option<f64>,
    /// 1D drift forces x^a.
    pub drift_powers: Vec<u32>,
    /// 1D diffusion terms ½σ² = x^a.
    pub diffusion_powers: Vec<u32>,
    /// 2D drift forces [f, 0] and [0, f] with f = cos(m x₁)cos(n x₂), 0 ≤ m, n ≤ this.
    pub drift_cosines_max: Option<u32>,
    /// 2D drift forces ∇(x₁^a x₂^b), 1 ≤ a + b ≤ this.
    pub potential_degree_max: Option<u32>,
    /// 2D diffusion f·I with f = cos(m x₁)cos(n x₂), 0 ≤ m, n ≤ this.
    pub diffusion_isotropic_cosines_max: Option<u32>,
    /// 2D diffusion f·(E12 + E21) with f = cos(m x₁)cos(n x₂), 0 ≤ m, n ≤ this.
    pub diffusion_cross_cosines_max: Option<u32>,
    /// 2D diffusion f·E11, f·E22 and f·E12 with f = cos(m x₁)cos(n x₂), 0 ≤ m, n ≤ this.
    pub diffusion_entry_cosines_max: Option<u32>,
}

impl LibrarySpec {
    /// The library for `dim`-dimensional data, in the order interaction, drift, diffusion.
    pub fn build(&self, dim: usize) -> Result<Library, WsindyError> {
        let bad = |key: &str, value: String, expected: &str| {
            WsindyError::Config(format!("library.{key} = {value} is invalid: expected {expected}"))
        };
        let mut lib = Library::new();
        for &power in &self.interaction_powers {
            if !(power.is_finite() && power > 0.0) {
                return Err(bad("interaction_powers", power.to_string(), "finite powers > 0"));
            }
            lib.push(InteractionPower { power });
        }
        let delta = self.cutoff_delta.unwrap_or(wsindy_library::KELLER_SEGEL_CUTOFF);
        if !(delta.is_finite() && delta > 0.0) {
            return Err(bad("cutoff_delta", delta.to_string(), "a finite number > 0"));
        }
        for kernel in &self.interaction_cutoff {
            let profile = match kernel {
                CutoffKernel::Sqrt => CutoffProfile::Sqrt,
                CutoffKernel::LinearLog => CutoffProfile::LinearLog,
                CutoffKernel::Log => CutoffProfile::Log,
            };
            lib.push(RadialCutoff { profile, delta });
        }
        let planar = [
            ("drift_cosines_max", self.drift_cosines_max),
            ("potential_degree_max", self.potential_degree_max),
            ("diffusion_isotropic_cosines_max", self.diffusion_isotropic_cosines_max),
            ("diffusion_cross_cosines_max", self.diffusion_cross_cosines_max),
            ("diffusion_entry_cosines_max", self.diffusion_entry_cosines_max),
        ];
        match dim {
            1 => {
                if let Some((key, _)) = planar.iter().find(|(_, v)| v.is_some()) {
                    return Err(bad(key, "(set)".into(), "a 2D family only with 2-dimensional data"));
                }
                for &power in &self.drift_powers {
                    lib.push(DriftMonomial { power });
                }
                for &power in &self.diffusion_powers {
                    lib.push(DiffusionMonomial { power });
                }
            }
            2 => {
                for (key, list) in
                    [("drift_powers", &self.drift_powers), ("diffusion_powers", &self.diffusion_powers)]
                {
                    if !list.is_empty() {
                        return Err(bad(
                            key,
                            format!("{list:?}"),
                            "a 1D family only with 1-dimensional data",
                        ));
                    }
                }
                let cosines = |max: u32| {
                    (0..=max).flat_map(move |m| (0..=max).map(move |n| ScalarField::Cosines { m, n }))
                };
                if let Some(max) = self.drift_cosines_max {
                    for axis in 0..2 {
                        for field in cosines(max) {
                            lib.push(AxisForce { axis, field });
                        }
                    }
                }
                if let Some(max) = self.potential_degree_max {
                    for total in 1..=max {
                        for a in (0..=total).rev() {
                            lib.push(PotentialGradient { a, b: total - a });
                        }
                    }
                }
                if let Some(max) = self.diffusion_isotropic_cosines_max {
                    for field in cosines(max) {
                        lib.push(DiffusionField { entry: MatrixEntry::Identity, field });
                    }
                }
                if let Some(max) = self.diffusion_cross_cosines_max {
                    for field in cosines(max) {
                        lib.push(DiffusionField { entry: MatrixEntry::OffDiagonal, field });
                    }
                }
                if let Some(max) = self.diffusion_entry_cosines_max {
                    for entry in
                        [MatrixEntry::Diagonal(0), MatrixEntry::Diagonal(1), MatrixEntry::OffDiagonal]
                    {
                        for field in cosines(max) {
                            lib.push(DiffusionField { entry, field });
                        }
                    }
                }
            }
            d => {
                return Err(WsindyError::Config(format!(
                    "a [library] for {d}-dimensional data: expected 1 or 2"
                )));
            }
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
            interaction_cutoff: vec![CutoffKernel::Sqrt, CutoffKernel::LinearLog, CutoffKernel::Log],
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
            interaction_cutoff: vec![CutoffKernel::Log],
            cutoff_delta: Some(0.0),
            ..Default::default()
        };
        assert!(err(cut, 2).contains("cutoff_delta = 0"));
        assert!(
            err(LibrarySpec { drift_cosines_max: Some(2), ..Default::default() }, 1)
                .contains("drift_cosines_max")
        );
        assert!(err(LibrarySpec { drift_powers: vec![1], ..Default::default() }, 2).contains("drift_powers"));
        assert!(err(LibrarySpec::default(), 1).contains("no terms"));
    }
}
