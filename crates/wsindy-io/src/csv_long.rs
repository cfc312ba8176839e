//! Long-form CSV: one row per particle and time, as exported by trackpy and TrackMate.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use wsindy_core::Trajectories;
use wsindy_core::memory;

use crate::{IoError, TimeSource, build_trajectories, spacing_times};

/// Accepted names (compared case-insensitively) of each column, in order of preference.
const TIME: &[&str] = &["t", "time", "POSITION_T"];
const FRAME: &[&str] = &["frame"];
const X: &[&str] = &["x", "POSITION_X"];
const Y: &[&str] = &["y", "POSITION_Y"];
const Z: &[&str] = &["z", "POSITION_Z"];
const EXPERIMENT: &[&str] = &["experiment", "exp", "m"];
const PARTICLE: &[&str] = &["particle", "TRACK_ID", "id"];

/// Index of the first header matching one of `names`, trying the names in order.
fn find(headers: &[String], names: &[&str]) -> Option<usize> {
    names.iter().find_map(|name| headers.iter().position(|h| h.eq_ignore_ascii_case(name)))
}

/// One data row: experiment label, time (or frame), particle id (or row number), position.
#[derive(Debug, Clone, Copy)]
struct Row {
    experiment: f64,
    time: f64,
    id: f64,
    position: [f64; 3],
}

/// Rows from which on every growth of the row buffer is checked against the memory budget.
const MEMORY_CHECK_ROWS: usize = 1 << 16;

/// Checks that the row buffer can double from `rows` rows: the grown buffer, the old one while
/// it is copied, and the positions built from the rows (at most 3 coordinates).
fn check_rows_memory(path: &Path, rows: usize) -> Result<(), IoError> {
    let row = std::mem::size_of::<Row>();
    let needed = memory::bytes_for(rows, 3 * row).saturating_add(memory::bytes_for(rows, 2 * 3 * 8));
    memory::check(
        needed,
        &format!("reading more than {rows} rows of the CSV file"),
        "read a smaller file (fewer experiments, times or particles), or raise the budget",
    )
    .map_err(|cause| IoError::Memory { path: path.into(), cause })
}

/// Column indices of one field and how it is described in errors.
#[derive(Debug, Clone, Copy)]
struct Column {
    index: usize,
    expected: &'static str,
    finite: bool,
}

/// Reads a long-form CSV file: one row per particle and time.
///
/// Columns are recognised by name, case-insensitively:
///
/// | role | accepted names (first match wins) | required |
/// | --- | --- | --- |
/// | time | `t`, `time`, `POSITION_T`, else frame: `frame` (`FRAME`) | yes |
/// | x | `x`, `POSITION_X` | yes |
/// | y | `y`, `POSITION_Y` | no (d = 1 without it) |
/// | z | `z`, `POSITION_Z` | no (d = 3 with it) |
/// | experiment | `experiment`, `exp`, `m` | no (M = 1 without it) |
/// | particle id | `particle`, `TRACK_ID` (`track_id`), `id` | no (row order without it) |
///
/// Other columns are ignored. The delimiter is a comma, or a tab or semicolon if the header
/// line has no comma. A z column whose values are all equal (TrackMate writes
/// `POSITION_Z = 0` for 2-D movies) is dropped, so such data are 2-D.
///
/// Rows before the first data row whose used columns do not all parse as numbers are skipped
/// (TrackMate writes three descriptive header rows after the first); a later unparsable row is
/// an error naming its line. Rows are grouped by experiment and time, both sorted, and ordered
/// by particle id (or by row order) within a snapshot. Every snapshot must hold the same number
/// of particles and every experiment the same times.
///
/// Times: [`TimeSource::FromFile`] takes the time column, or the frame numbers if there is
/// none. [`TimeSource::Spacing`]`(dt)` gives t = frame · dt with a frame column, and
/// 0, dt, 2dt, … for the distinct times of a time column. [`TimeSource::Array`] replaces the
/// L distinct times (sorted) by the given values.
pub fn read_csv(path: &Path, times: TimeSource) -> Result<Trajectories, IoError> {
    let read_err = |cause| IoError::Read { path: path.into(), cause };
    let format_err = |reason: String| IoError::CsvFormat { path: path.into(), reason };
    let file = File::open(path).map_err(read_err)?;
    let mut buffered = BufReader::with_capacity(1 << 16, file);
    let delimiter = sniff_delimiter(buffered.fill_buf().map_err(read_err)?);
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).has_headers(true).flexible(true).from_reader(buffered);
    let headers = header_names(
        reader.byte_headers().map_err(|e| format_err(format!("cannot read the header line: {e}")))?,
    );

    let time_col = find(&headers, TIME);
    let frame_col = find(&headers, FRAME);
    let key_col = time_col.or(frame_col);
    let x_col = find(&headers, X);
    let y_col = find(&headers, Y);
    let z_col = find(&headers, Z);
    let mut missing = Vec::new();
    if key_col.is_none() {
        missing.push(describe("time", &[TIME, FRAME].concat()));
    }
    if x_col.is_none() {
        missing.push(describe("x", X));
    }
    let (Some(key_col), Some(x_col)) = (key_col, x_col) else {
        return Err(IoError::CsvMissingColumns { path: path.into(), missing, found: headers });
    };
    let experiment_col = find(&headers, EXPERIMENT);
    let particle_col = find(&headers, PARTICLE);

    let column = |index, expected, finite| Column { index, expected, finite };
    let key = column(key_col, "a finite time", true);
    let mut coords = vec![column(x_col, "a number", false)];
    coords.extend(y_col.map(|c| column(c, "a number", false)));
    coords.extend(z_col.map(|c| column(c, "a number", false)));
    let experiment = experiment_col.map(|c| column(c, "a finite experiment label", true));
    let particle = particle_col.map(|c| column(c, "a finite particle id", true));

    let mut rows: Vec<Row> = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut skipped = 0u64;
    let mut first_skipped = None;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(format_err(e.to_string())),
        }
        let line = record.position().map_or(0, csv::Position::line);
        let parse = |col: Column| -> Result<f64, Column> {
            let text = record.get(col.index).unwrap_or_default().trim_ascii();
            let value = std::str::from_utf8(text).ok().and_then(|s| s.parse::<f64>().ok()).ok_or(col)?;
            if !col.finite {
                return Ok(value);
            }
            if !value.is_finite() {
                return Err(col);
            }
            // labels: -0 and 0 name the same time, experiment or particle
            Ok(value + 0.0)
        };
        let parsed = (|| -> Result<Row, Column> {
            let time = parse(key)?;
            let mut position = [0.0; 3];
            for (p, &c) in position.iter_mut().zip(&coords) {
                *p = parse(c)?;
            }
            let experiment = experiment.map(parse).transpose()?.unwrap_or(0.0);
            let id = match particle {
                Some(c) => parse(c)?,
                None => rows.len() as f64,
            };
            Ok(Row { experiment, time, id, position })
        })();
        if rows.len() == rows.capacity() && rows.len() >= MEMORY_CHECK_ROWS {
            check_rows_memory(path, rows.len())?;
        }
        match parsed {
            Ok(row) => rows.push(row),
            Err(_) if rows.is_empty() => {
                skipped += 1;
                first_skipped.get_or_insert(line);
            }
            Err(col) => {
                return Err(IoError::CsvValue {
                    path: path.into(),
                    line,
                    column: headers.get(col.index).cloned().unwrap_or_default(),
                    value: String::from_utf8_lossy(record.get(col.index).unwrap_or_default().trim_ascii())
                        .into_owned(),
                    expected: col.expected,
                });
            }
        }
    }
    if rows.is_empty() {
        let reason = match first_skipped {
            Some(line) => format!(
                "no data rows: all {skipped} rows after the header have non-numeric values in the used columns (first at line {line})"
            ),
            None => "no data rows after the header".to_string(),
        };
        return Err(format_err(reason));
    }

    // a constant z column (TrackMate's POSITION_Z = 0 for 2-D data) carries no information
    let mut dim = coords.len();
    if z_col.is_some() {
        let first = rows.first().map_or(0.0, |r| r.position[dim - 1]);
        if rows.iter().all(|r| r.position[dim - 1] == first) {
            dim -= 1;
        } else if y_col.is_none() {
            let missing = vec![format!("{} (needed because there is a z column)", describe("y", Y))];
            return Err(IoError::CsvMissingColumns { path: path.into(), missing, found: headers });
        }
    }

    rows.sort_unstable_by(|a, b| {
        a.experiment.total_cmp(&b.experiment).then(a.time.total_cmp(&b.time)).then(a.id.total_cmp(&b.id))
    });
    let (experiments, snapshot_times, particles) = check_layout(path, &rows, particle.is_some())?;
    let time_points = snapshot_times.len();

    let times = match times {
        TimeSource::FromFile => snapshot_times,
        TimeSource::Spacing(dt) if time_col.is_none() => {
            if !(dt.is_finite() && dt > 0.0) {
                return Err(IoError::InvalidSpacing { dt });
            }
            snapshot_times.iter().map(|frame| frame * dt).collect()
        }
        TimeSource::Spacing(dt) => spacing_times(dt, time_points)?,
        TimeSource::Array(t) => t,
    };
    let mut positions = Vec::with_capacity(rows.len() * dim);
    for row in &rows {
        positions.extend_from_slice(&row.position[..dim]);
    }
    build_trajectories(path, [experiments, time_points, particles, dim], positions, times)
}

/// Checks that the sorted rows form M experiments × L times × N particles; returns M, the
/// times (or frames) of the snapshots and N.
fn check_layout(path: &Path, rows: &[Row], has_ids: bool) -> Result<(usize, Vec<f64>, usize), IoError> {
    let mut first: Option<(f64, f64, usize)> = None;
    for group in rows.chunk_by(|a, b| a.experiment == b.experiment && a.time == b.time) {
        let Some(head) = group.first() else { continue };
        if has_ids && let Some(pair) = group.windows(2).find(|p| p[0].id == p[1].id) {
            return Err(IoError::DuplicateParticle {
                path: path.into(),
                experiment: head.experiment,
                time: head.time,
                particle: pair[0].id,
            });
        }
        match first {
            None => first = Some((head.experiment, head.time, group.len())),
            Some((first_experiment, first_time, expected)) if group.len() != expected => {
                return Err(IoError::UnequalCounts {
                    path: path.into(),
                    experiment: head.experiment,
                    time: head.time,
                    got: group.len(),
                    first_experiment,
                    first_time,
                    expected,
                });
            }
            Some(_) => {}
        }
    }
    let particles = first.map_or(0, |f| f.2);
    let mut reference: Option<(f64, Vec<f64>)> = None;
    let mut experiments = 0;
    for experiment in rows.chunk_by(|a, b| a.experiment == b.experiment) {
        experiments += 1;
        let label = experiment.first().map_or(0.0, |r| r.experiment);
        let times: Vec<f64> =
            experiment.chunk_by(|a, b| a.time == b.time).filter_map(|g| g.first()).map(|r| r.time).collect();
        match &reference {
            None => reference = Some((label, times)),
            Some((other, expected)) if *expected != times => {
                // the first time present in one experiment but not in the other
                let missing = |a: &[f64], b: &[f64]| a.iter().copied().find(|t| !b.contains(t));
                let error = |experiment, time, other_experiment| IoError::MissingSnapshot {
                    path: path.into(),
                    experiment,
                    time,
                    other_experiment,
                };
                return Err(match missing(expected, &times) {
                    Some(t) => error(label, t, *other),
                    None => error(*other, missing(&times, expected).unwrap_or(f64::NAN), label),
                });
            }
            Some(_) => {}
        }
    }
    let times = reference.map(|r| r.1).unwrap_or_default();
    Ok((experiments, times, particles))
}

fn describe(role: &str, names: &[&str]) -> String {
    format!("{role} (accepted, any case: {})", names.join(", "))
}

/// Comma unless the header line has none and has a tab or semicolon instead.
/// The column names of a header record: trimmed, the first without a byte-order mark.
pub(crate) fn header_names(record: &csv::ByteRecord) -> Vec<String> {
    record
        .iter()
        .enumerate()
        .map(|(k, h)| {
            let h = String::from_utf8_lossy(h);
            let h = if k == 0 { h.trim_start_matches('\u{feff}') } else { &h };
            h.trim().to_string()
        })
        .collect()
}

pub(crate) fn sniff_delimiter(head: &[u8]) -> u8 {
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    if line.contains(&b',') {
        b','
    } else if line.contains(&b'\t') {
        b'\t'
    } else if line.contains(&b';') {
        b';'
    } else {
        b','
    }
}
