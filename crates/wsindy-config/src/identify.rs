//! Configuration files in TOML: identification configs laid over a preset's discretisation,
//! true models to score against, and their checks (value ranges, term names).
//!
//! An identification config is an [`IdentifyConfig`] written as TOML. A file need not spell out
//! every key: [`parse_identify_config`] lays it over a base config (a preset's), key by key, so
//! `[regression]\nlambda_count = 50` changes only that value. Unknown keys are errors listing
//! the valid keys at that place; values out of range are errors naming the key.
//!
//! ```
//! use wsindy::Preset;
//! use wsindy_config::parse_identify_config;
//!
//! let base = Preset::Nonlocal2d.config();
//! let config = parse_identify_config("[grid]\ncells = [96]\n", &base, "my.toml").unwrap();
//! assert_eq!(config.grid.cells, vec![96]);
//! assert_eq!(config.test_functions, base.test_functions); // untouched keys keep the preset's values
//!
//! let err = parse_identify_config("[grid]\ncels = [96]\n", &base, "my.toml").unwrap_err();
//! assert!(err.to_string().contains("unknown field `cels`, expected one of `cells`"), "{err}");
//! let err = parse_identify_config("[grid]\ncells = [0]\n", &base, "my.toml").unwrap_err();
//! assert!(err.to_string().contains("grid.cells[0] = 0 is invalid"), "{err}");
//! ```
//!
//! A true model is a list of terms named as in the library:
//!
//! ```toml
//! [[terms]]
//! kind = "interaction"
//! name = "|x|^2"
//! coefficient = 0.5
//! ```
//!
//! [`check_true_model`] rejects a name the library lacks and lists the nearest valid names.

use std::path::{Path, PathBuf};

use thiserror::Error;
use wsindy::Library;
use wsindy::TermKind;
use wsindy::testfn::Support;

use wsindy::{IdentifyConfig, TrueModel};

/// Largest number of grid cells along one axis a config may ask for.
pub const MAX_CELLS_PER_AXIS: usize = 1 << 16;
/// Largest number of values (time points × grid cells) of the density a config may lead to:
/// 2²⁸ values are 2 GiB of memory.
pub const MAX_DENSITY_VALUES: usize = 1 << 28;
/// Largest number of thresholds λ a config may ask for.
pub const MAX_LAMBDA_COUNT: usize = 100_000;

/// Keys whose values are enums written as one-key tables (`{ auto = { tau_hat = 3.0 } }`): a
/// file's value replaces the base's instead of being merged into it.
const ENUM_KEYS: [&str; 2] = ["test_functions.space_support", "test_functions.time_support"];

/// Errors of reading and checking configuration files.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {}: {cause}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system reported.
        cause: std::io::Error,
    },
    /// The text is not TOML, or does not fit the schema (unknown key, wrong type, missing key).
    #[error("{origin}: {message}")]
    Parse {
        /// The file (or other source) of the text.
        origin: String,
        /// The parser's message: position, key path and, for unknown keys, the valid keys.
        message: String,
    },
    /// A value is out of range.
    #[error("{origin}: {key} = {value} is invalid: expected {expected}")]
    Invalid {
        /// The file (or other source) of the value.
        origin: String,
        /// The key, with its table path (`grid.cells[0]`).
        key: String,
        /// The value found.
        value: String,
        /// The valid range in words.
        expected: String,
    },
    /// A term name the library does not have.
    #[error(
        "{origin}: {kind} term \"{name}\" is not in the {library} library{hint}; nearest {kind} terms: {}",
        .suggestions.join(", ")
    )]
    UnknownTerm {
        /// The file.
        origin: String,
        /// The term's kind.
        kind: TermKind,
        /// The name given.
        name: String,
        /// The library's name (a preset's name).
        library: String,
        /// A remark, e.g. that a term of another kind has this name (may be empty).
        hint: String,
        /// The nearest valid names of this kind, nearest first.
        suggestions: Vec<String>,
    },
    /// The simulator rejected part of a simulation config.
    #[error("{origin}: {part}: {cause}")]
    Simulation {
        /// The file.
        origin: String,
        /// The part of the config (`[initial]`, `[[interaction]]`, `settings`, …).
        part: String,
        /// The simulator's message, naming the bad value.
        cause: wsindy_sim::SimError,
    },
    /// Settings that contradict each other or do not apply.
    #[error("{origin}: {message}")]
    Conflict {
        /// The file.
        origin: String,
        /// What contradicts what.
        message: String,
    },
}

impl ConfigError {
    fn invalid(
        origin: &str,
        key: impl Into<String>,
        value: impl ToString,
        expected: impl Into<String>,
    ) -> Self {
        Self::Invalid {
            origin: origin.into(),
            key: key.into(),
            value: compact(value.to_string()),
            expected: expected.into(),
        }
    }
}

/// A value as written in an error: a plain number of more than 17 characters (1e308 printed by
/// Rust is 309 digits) in scientific notation, anything else unchanged.
fn compact(text: String) -> String {
    let numeric = text.len() > 17 && text.bytes().all(|b| b.is_ascii_digit() || b == b'-' || b == b'.');
    match text.parse::<f64>() {
        Ok(v) if numeric => wsindy::core::display::Number(v).to_string(),
        _ => text,
    }
}

/// Reads a file to a string, with the error naming the file.
pub fn read_text(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|cause| ConfigError::Read { path: path.into(), cause })
}

/// Reads an identification config from `path` and lays it over `base` (see
/// [`parse_identify_config`]).
pub fn load_identify_config(path: &Path, base: &IdentifyConfig) -> Result<IdentifyConfig, ConfigError> {
    parse_identify_config(&read_text(path)?, base, &path.display().to_string())
}

/// Parses TOML `text` as an [`IdentifyConfig`] laid over `base`: tables are merged key by key
/// (a `test_functions.space_support` or `time_support` value replaces the base's), then the
/// result is deserialised (unknown keys are errors that list the valid ones) and checked by
/// [`validate_identify_config`]. `origin` names the source in errors (the file name).
pub fn parse_identify_config(
    text: &str,
    base: &IdentifyConfig,
    origin: &str,
) -> Result<IdentifyConfig, ConfigError> {
    let parse_error = |message: String| ConfigError::Parse { origin: origin.into(), message };
    let user: toml::Table = toml::from_str(text).map_err(|e| parse_error(e.to_string()))?;
    let mut merged = toml::Table::try_from(base)
        .map_err(|e| parse_error(format!("cannot encode the base config: {e}")))?;
    merge(&mut merged, user, "");
    let config: IdentifyConfig = toml::Value::Table(merged).try_into().map_err(|e: toml::de::Error| {
        // The merged document has no positions in the file. If the file alone fails the same
        // way (an unknown key, a wrong type), its error shows the line; otherwise (e.g. the file
        // omits keys the base provides) the merged error with its key path is the better one.
        match toml::from_str::<IdentifyConfig>(text) {
            Err(direct) if direct.message() == e.message() => parse_error(direct.to_string()),
            _ => parse_error(e.to_string()),
        }
    })?;
    validate_identify_config(&config, origin)?;
    Ok(config)
}

/// Lays `user` over `base`, recursing into tables except at [`ENUM_KEYS`].
fn merge(base: &mut toml::Table, user: toml::Table, path: &str) {
    for (key, value) in user {
        let full = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(u)) if !ENUM_KEYS.contains(&full.as_str()) => {
                merge(b, u, &full)
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Checks the ranges of every value of `config`; the error names the key (`origin` names the
/// file).
pub fn validate_identify_config(config: &IdentifyConfig, origin: &str) -> Result<(), ConfigError> {
    let g = &config.grid;
    // an empty list leaves the cells to the data's dimension
    for (i, &c) in g.cells.iter().enumerate() {
        if !(2..=MAX_CELLS_PER_AXIS).contains(&c) {
            return Err(ConfigError::invalid(
                origin,
                format!("grid.cells[{i}]"),
                c,
                format!("an integer from 2 to {MAX_CELLS_PER_AXIS} (cells per axis)"),
            ));
        }
    }
    if !(g.std_multiple.is_finite() && g.std_multiple > 0.0) {
        return Err(ConfigError::invalid(origin, "grid.std_multiple", g.std_multiple, "a finite number > 0"));
    }
    let tf = &config.test_functions;
    for (key, degree) in [("space_degree", tf.space_degree), ("time_degree", tf.time_degree)] {
        if !(3..=64).contains(&degree) {
            return Err(ConfigError::invalid(
                origin,
                format!("test_functions.{key}"),
                degree,
                "an integer from 3 to 64 (the test function and its first two derivatives must vanish at the edge of its support)",
            ));
        }
    }
    for (key, support) in [("space_support", tf.space_support), ("time_support", tf.time_support)] {
        match support {
            Support::Auto { tau_hat } if !(tau_hat.is_finite() && tau_hat > 0.0) => {
                return Err(ConfigError::invalid(
                    origin,
                    format!("test_functions.{key}.auto.tau_hat"),
                    tau_hat,
                    "a finite number > 0",
                ));
            }
            Support::Fixed { half_width } if half_width < 1 => {
                return Err(ConfigError::invalid(
                    origin,
                    format!("test_functions.{key}.fixed.half_width"),
                    half_width,
                    "an integer ≥ 1 (grid points or time steps)",
                ));
            }
            _ => {}
        }
    }
    for (key, stride) in [("space_stride", tf.space_stride), ("time_stride", tf.time_stride)] {
        if stride < 1 {
            return Err(ConfigError::invalid(
                origin,
                format!("test_functions.{key}"),
                stride,
                "an integer ≥ 1",
            ));
        }
    }
    let a = &config.assembly;
    if !(a.mass_threshold.is_finite() && (0.0..1.0).contains(&a.mass_threshold)) {
        return Err(ConfigError::invalid(
            origin,
            "assembly.mass_threshold",
            a.mass_threshold,
            "a number in [0, 1)",
        ));
    }
    let r = &config.regression;
    if !(1..=MAX_LAMBDA_COUNT).contains(&r.lambda_count) {
        return Err(ConfigError::invalid(
            origin,
            "regression.lambda_count",
            r.lambda_count,
            format!("an integer from 1 to {MAX_LAMBDA_COUNT}"),
        ));
    }
    if !(r.log10_lambda_max.is_finite() && r.log10_lambda_max <= 0.0) {
        return Err(ConfigError::invalid(
            origin,
            "regression.log10_lambda_max",
            r.log10_lambda_max,
            "a finite number ≤ 0 (λ ≤ 1)",
        ));
    }
    if !(r.log10_lambda_min.is_finite() && r.log10_lambda_min <= r.log10_lambda_max) {
        return Err(ConfigError::invalid(
            origin,
            "regression.log10_lambda_min",
            r.log10_lambda_min,
            format!("a finite number ≤ log10_lambda_max = {}", r.log10_lambda_max),
        ));
    }
    if !(0.0..=wsindy::regress::MAX_SPARSITY_WEIGHT).contains(&r.sparsity_weight) {
        return Err(ConfigError::invalid(
            origin,
            "regression.sparsity_weight",
            r.sparsity_weight,
            "a number from 0 to 1e6 (larger weights overflow the loss)",
        ));
    }
    if !(r.stls_lambda.is_finite() && r.stls_lambda > 0.0 && r.stls_lambda <= 1.0) {
        return Err(ConfigError::invalid(
            origin,
            "regression.stls_lambda",
            r.stls_lambda,
            "a number in (0, 1]",
        ));
    }
    Ok(())
}

/// Checks `config` against data with `dim` space dimensions and `time_points` times: one
/// number of cells or one per axis, and a density that fits in [`MAX_DENSITY_VALUES`] values.
pub fn check_against_data(
    config: &IdentifyConfig,
    dim: usize,
    time_points: usize,
    origin: &str,
) -> Result<(), ConfigError> {
    let automatic = [wsindy::density::GridRule::default_cells(dim)];
    let cells: &[usize] = if config.grid.cells.is_empty() { &automatic } else { &config.grid.cells };
    if cells.len() != 1 && cells.len() != dim {
        return Err(ConfigError::invalid(
            origin,
            "grid.cells",
            format!("{cells:?}"),
            format!("one number of cells, or one per axis of the {dim}-dimensional data"),
        ));
    }
    let total = (0..dim)
        .map(|a| cells.get(a).or(cells.last()).copied().unwrap_or(0))
        .try_fold(time_points, |acc, c| acc.checked_mul(c))
        .unwrap_or(usize::MAX);
    if total > MAX_DENSITY_VALUES {
        return Err(ConfigError::invalid(
            origin,
            "grid.cells",
            format!("{cells:?}"),
            format!(
                "fewer cells: {time_points} time points × the grid's cells in {dim} dimensions is {} density values, more than the limit {MAX_DENSITY_VALUES}",
                wsindy::core::display::Count(total)
            ),
        ));
    }
    Ok(())
}

/// Reads a true model from `path` (see [`parse_true_model`]).
pub fn load_true_model(path: &Path) -> Result<TrueModel, ConfigError> {
    parse_true_model(&read_text(path)?, &path.display().to_string())
}

/// Parses TOML `text` as a [`TrueModel`] (`[[terms]]` tables with `kind`, `name`,
/// `coefficient`) and checks that the coefficients are finite and no term is listed twice.
pub fn parse_true_model(text: &str, origin: &str) -> Result<TrueModel, ConfigError> {
    let truth: TrueModel = toml::from_str(text)
        .map_err(|e| ConfigError::Parse { origin: origin.into(), message: e.to_string() })?;
    for (i, t) in truth.terms.iter().enumerate() {
        if !t.coefficient.is_finite() {
            return Err(ConfigError::invalid(
                origin,
                format!("terms[{i}].coefficient"),
                t.coefficient,
                "a finite number",
            ));
        }
        if truth.terms[..i].iter().any(|u| u.kind == t.kind && u.name == t.name) {
            return Err(ConfigError::Conflict {
                origin: origin.into(),
                message: format!("{} term \"{}\" is listed twice", t.kind, t.name),
            });
        }
    }
    Ok(truth)
}

/// Checks that every term of `truth` is in `library` (called `library_name` in errors); an
/// unknown name is an error listing the nearest names of its kind.
pub fn check_true_model(
    truth: &TrueModel,
    library: &Library,
    library_name: &str,
    origin: &str,
) -> Result<(), ConfigError> {
    for t in &truth.terms {
        if library.position(t.kind, &t.name).is_some() {
            continue;
        }
        let names_of = |kind: TermKind| -> Vec<String> {
            library.terms().iter().filter(|term| term.kind() == kind).map(|term| term.name()).collect()
        };
        let other_kind = [TermKind::Interaction, TermKind::Drift, TermKind::Diffusion]
            .into_iter()
            .find(|&k| k != t.kind && library.position(k, &t.name).is_some());
        let hint = match other_kind {
            Some(k) => {
                let article = if k == TermKind::Interaction { "an" } else { "a" };
                format!(" (it has {article} {k} term of that name: check `kind`)")
            }
            None => String::new(),
        };
        let candidates = names_of(t.kind);
        let suggestions = if candidates.is_empty() {
            vec![format!("none: the library has no {} terms", t.kind)]
        } else {
            nearest_names(&t.name, &candidates, 5)
        };
        return Err(ConfigError::UnknownTerm {
            origin: origin.into(),
            kind: t.kind,
            name: t.name.clone(),
            library: library_name.into(),
            hint,
            suggestions,
        });
    }
    Ok(())
}

/// The `count` names of `candidates` nearest to `name` by edit distance (ties in the
/// candidates' order).
pub fn nearest_names(name: &str, candidates: &[String], count: usize) -> Vec<String> {
    let mut ranked: Vec<(usize, usize, &String)> =
        candidates.iter().enumerate().map(|(i, c)| (edit_distance(name, c), i, c)).collect();
    ranked.sort_unstable();
    ranked.dedup_by(|a, b| a.2 == b.2);
    ranked.into_iter().take(count).map(|(_, _, c)| c.clone()).collect()
}

/// Levenshtein distance between two strings, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use wsindy::Preset;

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("|x|^2", "|x|^2"), 0);
        let names: Vec<String> = ["|x|^1", "|x|^2", "|x|^3", "log|x|"].map(String::from).to_vec();
        assert_eq!(nearest_names("|x|^2.0", &names, 2), vec!["|x|^2", "|x|^1"]);
    }

    #[test]
    fn partial_configs_keep_the_base_and_enum_values_replace() {
        let base = Preset::Local2d.config();
        let text = "[test_functions]\nspace_support = { fixed = { half_width = 12 } }\n[regression]\nlambda_count = 7\n";
        let c = parse_identify_config(text, &base, "x").unwrap();
        assert_eq!(c.test_functions.space_support, Support::Fixed { half_width: 12 });
        assert_eq!(c.test_functions.time_support, base.test_functions.time_support);
        assert_eq!(c.test_functions.space_stride, 10);
        assert_eq!(c.regression.lambda_count, 7);
        assert_eq!(c.grid, base.grid);
        let c = parse_identify_config("[regression]\nmethod = \"stls\"\nstls_lambda = 0.05\n", &base, "x")
            .unwrap();
        assert_eq!((c.regression.method, c.regression.stls_lambda), (wsindy::RegressorChoice::Stls, 0.05));
        // an empty file is the base
        assert_eq!(parse_identify_config("", &base, "x").unwrap(), base);
    }

    #[test]
    fn bad_configs_name_the_key() {
        let base = IdentifyConfig::default();
        let err = |text: &str| parse_identify_config(text, &base, "c.toml").unwrap_err().to_string();
        let e = err("[grid]\ncells = [256]\nfoo = 1\n");
        assert!(e.contains("c.toml") && e.contains("line 3") && e.contains("unknown field `foo`"), "{e}");
        assert!(e.contains("`std_multiple`"), "{e}");
        let e = err("[grids]\ncells = [256]\n");
        assert!(e.contains("`grid`, `density_kernel`, `test_functions`, `assembly`, `regression`"), "{e}");
        let e = err("density_kernel = \"gaussian\"\n");
        assert!(e.contains("unknown variant `gaussian`, expected `histogram` or `linear`"), "{e}");
        assert!(err("[grid]\ncells = [-3]\n").contains("expected usize"));
        assert!(
            err("[test_functions]\nspace_stride = 0\n")
                .contains("test_functions.space_stride = 0 is invalid")
        );
        assert!(err("[regression]\nlambda_count = 0\n").contains("regression.lambda_count = 0"));
        assert!(err("[regression]\nlog10_lambda_max = 1.0\n").contains("log10_lambda_max = 1"));
        let e = err("[test_functions.time_support.auto]\ntau_hat = -1.0\n");
        assert!(e.contains("test_functions.time_support.auto.tau_hat = -1"), "{e}");
        assert!(err("[grid\n").contains("line 1"));
        assert!(err("[regression]\nstls_lambda = 2\n").contains("regression.stls_lambda = 2 is invalid"));
        assert!(err("[regression]\nmethod = \"lasso\"\n").contains("expected `mstls` or `stls`"));
    }

    #[test]
    fn true_models_are_checked_against_the_library() {
        let lib = Preset::Nonlocal1d.library();
        let ok = "[[terms]]\nkind = \"interaction\"\nname = \"|x|^2\"\ncoefficient = 0.5\n";
        check_true_model(&parse_true_model(ok, "t").unwrap(), &lib, "nonlocal1d", "t").unwrap();
        let bad = "[[terms]]\nkind = \"interaction\"\nname = \"|x|^2.5\"\ncoefficient = 0.5\n";
        let e = check_true_model(&parse_true_model(bad, "t").unwrap(), &lib, "nonlocal1d", "t").unwrap_err();
        let e = e.to_string();
        assert!(e.contains("\"|x|^2.5\" is not in the nonlocal1d library") && e.contains("|x|^2"), "{e}");
        let wrong_kind = "[[terms]]\nkind = \"drift\"\nname = \"|x|^2\"\ncoefficient = 0.5\n";
        let e = check_true_model(&parse_true_model(wrong_kind, "t").unwrap(), &lib, "nonlocal1d", "t")
            .unwrap_err()
            .to_string();
        assert!(e.contains("it has an interaction term of that name"), "{e}");
        let twice = format!("{ok}{ok}");
        assert!(parse_true_model(&twice, "t").unwrap_err().to_string().contains("listed twice"));
        let unknown_kind = "[[terms]]\nkind = \"potential\"\nname = \"x\"\ncoefficient = 1\n";
        assert!(
            parse_true_model(unknown_kind, "t")
                .unwrap_err()
                .to_string()
                .contains("unknown variant `potential`")
        );
    }
}
