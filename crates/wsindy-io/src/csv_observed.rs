//! Long CSV (plain or gzip) into ragged [`Observations`], with any header names through a
//! [`ColumnMap`].
//!
//! The reader is split in two passes' worth of pieces: [`CsvRows`] opens the file (gzip
//! detected by its magic bytes), resolves the columns and parses one row at a time without
//! storing it, and [`read_csv_observed`] collects the rows and groups them. A streaming
//! reader that bins rows without storing them can read the file twice through `CsvRows`:
//! once for the time grid, the extent and the counts per frame, once to bin.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::str::FromStr;

use flate2::read::MultiGzDecoder;
use wsindy_core::memory;
use wsindy_core::{ObservationError, Observations, TimeGrid};

use crate::observed::{Point, group_points};
use crate::{IoError, TimeSource};

/// Default accepted names of each role (compared case-insensitively), as [`crate::read_csv`].
const TIME: &[&str] = &["t", "time", "POSITION_T"];
const FRAME: &[&str] = &["frame"];
const X: &[&str] = &["x", "POSITION_X"];
const Y: &[&str] = &["y", "POSITION_Y"];
const Z: &[&str] = &["z", "POSITION_Z"];
const EXPERIMENT: &[&str] = &["experiment", "exp", "m"];
const ID: &[&str] = &["particle", "TRACK_ID", "id"];

/// Which CSV column holds each role, parsed from a string such as
/// `t=Time,x=X_um,y=Y_um,id=Track`.
///
/// Roles (case-insensitive): `x` (required), `y`, `z`, `t` (or `time`), `frame`,
/// `id` (or `particle`, `track`), `experiment` (or `exp`, `m`); at least one of `t` and
/// `frame`. Column names are matched exactly first, then ignoring case.
///
/// ```
/// use wsindy_io::ColumnMap;
/// let map: ColumnMap = "t=Time, x=X_um, y=Y_um, id=Track".parse().unwrap();
/// assert_eq!(map.column("x"), Some("X_um"));
/// assert_eq!(map.column("frame"), None);
/// let err = "t=Time,w=W".parse::<ColumnMap>().unwrap_err();
/// assert!(err.to_string().contains("unknown role \"w\""), "{err}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ColumnMap {
    entries: Vec<(&'static str, String)>,
}

/// The roles and their accepted spellings.
const ROLES: &[(&str, &[&str])] = &[
    ("x", &["x"]),
    ("y", &["y"]),
    ("z", &["z"]),
    ("t", &["t", "time"]),
    ("frame", &["frame"]),
    ("id", &["id", "particle", "track"]),
    ("experiment", &["experiment", "exp", "m"]),
];

impl ColumnMap {
    /// The column given for `role` (`x`, `y`, `z`, `t`, `frame`, `id`, `experiment`).
    pub fn column(&self, role: &str) -> Option<&str> {
        self.entries.iter().find(|(r, _)| *r == role).map(|(_, c)| c.as_str())
    }
}

impl FromStr for ColumnMap {
    type Err = IoError;

    fn from_str(spec: &str) -> Result<Self, IoError> {
        let error = |reason: String| IoError::ColumnMap { spec: spec.to_string(), reason };
        let mut entries: Vec<(&'static str, String)> = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((role, column)) = part.split_once('=') else {
                return Err(error(format!("entry {part:?} is not of the form role=column")));
            };
            let (role, column) = (role.trim(), column.trim());
            let Some(&(name, _)) =
                ROLES.iter().find(|(_, names)| names.iter().any(|n| n.eq_ignore_ascii_case(role)))
            else {
                let known: Vec<&str> = ROLES.iter().flat_map(|(_, n)| n.iter().copied()).collect();
                return Err(error(format!("unknown role {role:?}; roles: {}", known.join(", "))));
            };
            if column.is_empty() {
                return Err(error(format!("role {name} has no column name")));
            }
            if entries.iter().any(|(r, _)| *r == name) {
                return Err(error(format!("role {name} is given twice")));
            }
            entries.push((name, column.to_string()));
        }
        let map = Self { entries };
        if map.column("x").is_none() {
            return Err(error("no column for x (e.g. x=POSITION_X)".into()));
        }
        if map.column("t").is_none() && map.column("frame").is_none() {
            return Err(error("no column for t or frame (e.g. t=Time or frame=Frame)".into()));
        }
        if map.column("z").is_some() && map.column("y").is_none() {
            return Err(error("a column for z needs one for y".into()));
        }
        Ok(map)
    }
}

/// Column indices of the roles.
#[derive(Debug, Clone)]
pub(crate) struct Columns {
    pub experiment: Option<usize>,
    pub frame: Option<usize>,
    pub time: Option<usize>,
    pub id: Option<usize>,
    pub coords: Vec<usize>,
    /// z was named by the user (kept even if constant).
    pub z_explicit: bool,
}

/// One parsed data row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    pub experiment: f64,
    pub frame: Option<u64>,
    pub time: f64,
    pub id: Option<u64>,
    pub position: [f64; 3],
}

/// A CSV file opened for reading rows one at a time (gzip decoded on the fly), used by
/// [`read_csv_observed`].
pub(crate) struct CsvRows<'a> {
    path: &'a Path,
    reader: csv::Reader<Box<dyn BufRead + 'a>>,
    pub headers: Vec<String>,
    pub columns: Columns,
    record: csv::ByteRecord,
    rows: u64,
    skipped: u64,
    first_skipped: Option<u64>,
}

/// Maps a read error to [`IoError::Gzip`] for gzip input, else [`IoError::Read`].
fn read_error(path: &Path, gzip: bool, cause: std::io::Error) -> IoError {
    if gzip { IoError::Gzip { path: path.into(), cause } } else { IoError::Read { path: path.into(), cause } }
}

impl<'a> CsvRows<'a> {
    /// Opens `path` and resolves the columns through `map` (or the default names).
    pub fn open(path: &'a Path, map: Option<&ColumnMap>) -> Result<Self, IoError> {
        let mut file =
            BufReader::new(File::open(path).map_err(|cause| IoError::Read { path: path.into(), cause })?);
        let gzip = file
            .fill_buf()
            .map_err(|cause| IoError::Read { path: path.into(), cause })?
            .starts_with(&[0x1f, 0x8b]);
        let inner: Box<dyn Read> = if gzip { Box::new(MultiGzDecoder::new(file)) } else { Box::new(file) };
        let mut buffered: Box<dyn BufRead> =
            Box::new(GzipErrors { inner: BufReader::with_capacity(1 << 16, inner), gzip });
        let delimiter =
            crate::csv_long::sniff_delimiter(buffered.fill_buf().map_err(|e| read_error(path, gzip, e))?);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(true)
            .from_reader(buffered);
        let headers = crate::csv_long::header_names(reader.byte_headers().map_err(|e| csv_error(path, e))?);
        let columns = resolve(path, &headers, map)?;
        Ok(Self {
            path,
            reader,
            headers,
            columns,
            record: csv::ByteRecord::new(),
            rows: 0,
            skipped: 0,
            first_skipped: None,
        })
    }

    /// The next data row, or `None` at the end of the file.
    pub fn next_row(&mut self) -> Result<Option<Row>, IoError> {
        loop {
            if !self.reader.read_byte_record(&mut self.record).map_err(|e| csv_error(self.path, e))? {
                if self.rows == 0 {
                    let reason = match self.first_skipped {
                        Some(line) => format!(
                            "no data rows: all {} rows after the header have non-numeric values in the used columns (first at line {line})",
                            self.skipped
                        ),
                        None => "no data rows after the header".to_string(),
                    };
                    return Err(IoError::CsvFormat { path: self.path.into(), reason });
                }
                return Ok(None);
            }
            let line = self.record.position().map_or(0, csv::Position::line);
            match self.parse() {
                Ok(row) => {
                    self.rows += 1;
                    return Ok(Some(row));
                }
                Err(_) if self.rows == 0 => {
                    self.skipped += 1;
                    self.first_skipped.get_or_insert(line);
                }
                Err((index, expected)) => {
                    return Err(IoError::CsvValue {
                        path: self.path.into(),
                        line,
                        column: self.headers.get(index).cloned().unwrap_or_default(),
                        value: String::from_utf8_lossy(
                            self.record.get(index).unwrap_or_default().trim_ascii(),
                        )
                        .into_owned(),
                        expected,
                    });
                }
            }
        }
    }

    fn parse(&self) -> Result<Row, (usize, &'static str)> {
        let text = |index: usize| {
            std::str::from_utf8(self.record.get(index).unwrap_or_default().trim_ascii()).unwrap_or("\u{fffd}")
        };
        let number = |index: usize, expected: &'static str| -> Result<f64, (usize, &'static str)> {
            match text(index).parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v + 0.0),
                _ => Err((index, expected)),
            }
        };
        let integer = |index: usize, expected: &'static str| -> Result<u64, (usize, &'static str)> {
            let t = text(index);
            if let Ok(v) = t.parse::<u64>() {
                return Ok(v);
            }
            match t.parse::<f64>() {
                Ok(v) if v >= 0.0 && v.fract() == 0.0 && v < 9.007_199_254_740_992e15 => Ok(v as u64),
                _ => Err((index, expected)),
            }
        };
        let c = &self.columns;
        let mut position = [0.0; 3];
        for (p, &index) in position.iter_mut().zip(&c.coords) {
            *p = number(index, "a finite coordinate")?;
        }
        Ok(Row {
            experiment: c
                .experiment
                .map(|i| number(i, "a finite experiment label"))
                .transpose()?
                .unwrap_or(0.0),
            frame: c.frame.map(|i| integer(i, "a frame number (an integer ≥ 0)")).transpose()?,
            time: c.time.map(|i| number(i, "a finite time")).transpose()?.unwrap_or(f64::NAN),
            id: c.id.map(|i| integer(i, "a track id (an integer ≥ 0)")).transpose()?,
            position,
        })
    }

    /// Whether a z column may be dropped when constant (it was not named by the user).
    pub fn z_droppable(&self) -> bool {
        self.columns.coords.len() == 3 && !self.columns.z_explicit
    }
}

/// A reader that marks decoding errors of gzip input, so that they are reported as such.
struct GzipErrors<R> {
    inner: R,
    gzip: bool,
}

/// The marker put in front of gzip decoding errors passing through the csv crate.
const GZIP_MARK: &str = "gzip: ";

impl<R: BufRead> GzipErrors<R> {
    fn mark(&self, e: std::io::Error) -> std::io::Error {
        if self.gzip {
            let kind = e.kind();
            let text = if kind == std::io::ErrorKind::UnexpectedEof {
                "the stream ends before its end marker (truncated file)".to_string()
            } else {
                e.to_string()
            };
            std::io::Error::new(kind, format!("{GZIP_MARK}{text}"))
        } else {
            e
        }
    }
}

impl<R: BufRead> Read for GzipErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf).map_err(|e| self.mark(e))
    }
}

impl<R: BufRead> BufRead for GzipErrors<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        // the borrow of the buffer ends before the error is marked
        if let Err(e) = self.inner.fill_buf() {
            return Err(self.mark(e));
        }
        self.inner.fill_buf()
    }
    fn consume(&mut self, amount: usize) {
        self.inner.consume(amount);
    }
}

fn csv_error(path: &Path, e: csv::Error) -> IoError {
    if !e.is_io_error() {
        return IoError::CsvFormat { path: path.into(), reason: e.to_string() };
    }
    match e.into_kind() {
        csv::ErrorKind::Io(cause) if cause.to_string().starts_with(GZIP_MARK) => {
            let text = cause.to_string()[GZIP_MARK.len()..].to_string();
            IoError::Gzip { path: path.into(), cause: std::io::Error::new(cause.kind(), text) }
        }
        csv::ErrorKind::Io(cause) => IoError::Read { path: path.into(), cause },
        kind => IoError::CsvFormat { path: path.into(), reason: format!("{kind:?}") },
    }
}

/// Index of the header named `name`: exact match first, then ignoring case.
fn find_exact(headers: &[String], name: &str) -> Option<usize> {
    headers
        .iter()
        .position(|h| h == name)
        .or_else(|| headers.iter().position(|h| h.eq_ignore_ascii_case(name)))
}

fn find_default(headers: &[String], names: &[&str]) -> Option<usize> {
    names.iter().find_map(|name| headers.iter().position(|h| h.eq_ignore_ascii_case(name)))
}

pub(crate) fn resolve(path: &Path, headers: &[String], map: Option<&ColumnMap>) -> Result<Columns, IoError> {
    let Some(map) = map else {
        let time = find_default(headers, TIME);
        let frame = find_default(headers, FRAME);
        let x = find_default(headers, X);
        let mut missing = Vec::new();
        if time.is_none() && frame.is_none() {
            missing.push(format!("time (accepted, any case: {}, {})", TIME.join(", "), FRAME.join(", ")));
        }
        if x.is_none() {
            missing.push(format!("x (accepted, any case: {})", X.join(", ")));
        }
        let Some(x) = x.filter(|_| missing.is_empty()) else {
            return Err(IoError::CsvMissingColumns { path: path.into(), missing, found: headers.to_vec() });
        };
        let y = find_default(headers, Y);
        let z = find_default(headers, Z);
        if z.is_some() && y.is_none() {
            let missing =
                vec![format!("y (accepted, any case: {}; needed because there is a z column)", Y.join(", "))];
            return Err(IoError::CsvMissingColumns { path: path.into(), missing, found: headers.to_vec() });
        }
        let mut coords = vec![x];
        coords.extend(y);
        coords.extend(z);
        return Ok(Columns {
            experiment: find_default(headers, EXPERIMENT),
            frame,
            time,
            id: find_default(headers, ID),
            coords,
            z_explicit: false,
        });
    };
    let lookup = |role: &'static str| -> Result<Option<usize>, IoError> {
        let Some(column) = map.column(role) else { return Ok(None) };
        find_exact(headers, column).map(Some).ok_or_else(|| IoError::UnknownColumn {
            path: path.into(),
            role,
            column: column.to_string(),
            found: headers.to_vec(),
        })
    };
    let mut coords = Vec::new();
    for role in ["x", "y", "z"] {
        coords.extend(lookup(role)?);
    }
    Ok(Columns {
        experiment: lookup("experiment")?,
        frame: lookup("frame")?,
        time: lookup("t")?,
        id: lookup("id")?,
        coords,
        z_explicit: true,
    })
}

/// Rows from which on every growth of the row buffer is checked against the memory budget.
const MEMORY_CHECK_ROWS: usize = 1 << 16;

/// Reads a long CSV file (optionally gzip-compressed, recognised by its content) into ragged
/// observations: one row per observed position.
///
/// Columns come from `columns` (see [`ColumnMap`]) or, without it, from the default names of
/// [`crate::read_csv`] (`x, y, z`, `t`/`time`/`POSITION_T`, `frame`, `particle`/`TRACK_ID`/`id`,
/// `experiment`); an unparsable row before the first data row is skipped (TrackMate's extra
/// header rows), a later one is an error naming line, column and value. Without an explicit
/// mapping a constant z column (TrackMate's `POSITION_Z = 0`) is dropped.
///
/// Experiments (sorted by label) may have different lengths and first frames; a frame
/// without rows inside an experiment's range is absent; each frame holds any number of rows,
/// ordered by track id. Frames and times:
///
/// * with a frame column, the frame number is the index on the time grid; the grid is
///   t = frame · dt for [`TimeSource::Spacing`], the given equally spaced times for
///   [`TimeSource::Array`], else fitted to the time column (every row's time must agree with
///   its frame) or t = frame without one;
/// * with only a time column, the grid is t₀ + k·Δt with t₀ the earliest time and Δt the
///   smallest gap between times (or the `dt` of [`TimeSource::Spacing`], or the grid of
///   [`TimeSource::Array`]); a time off that grid is an error naming it.
pub fn read_csv_observed(
    path: &Path,
    columns: Option<&ColumnMap>,
    times: TimeSource,
) -> Result<Observations, IoError> {
    let mut input = CsvRows::open(path, columns)?;
    let mut rows: Vec<Row> = Vec::new();
    while let Some(row) = input.next_row()? {
        if rows.len() == rows.capacity() && rows.len() >= MEMORY_CHECK_ROWS {
            let needed = memory::bytes_for(
                rows.len(),
                3 * std::mem::size_of::<Row>() + 2 * std::mem::size_of::<Point>(),
            );
            memory::check(
                needed,
                &format!("reading more than {} rows of the CSV file", rows.len()),
                "read a smaller file, or raise the budget",
            )
            .map_err(|cause| IoError::Memory { path: path.into(), cause })?;
        }
        rows.push(row);
    }
    let mut dim = input.columns.coords.len();
    if input.z_droppable() && rows.iter().all(|r| r.position[2] == rows[0].position[2]) {
        dim = 2;
    }
    let observations_err = |cause| IoError::Observations { path: path.into(), cause };
    // experiment labels, sorted, to indices
    let mut labels: Vec<f64> = rows.iter().map(|r| r.experiment).collect();
    labels.sort_unstable_by(f64::total_cmp);
    labels.dedup();
    let index = |label: f64| labels.partition_point(|&l| l < label);
    let (grid, frames) = frames_of(path, &input.columns, &rows, &labels, times)?;
    let points = rows
        .iter()
        .zip(frames)
        .map(|(r, frame)| Point { experiment: index(r.experiment), frame, id: r.id, position: r.position })
        .collect();
    group_points(dim, grid, labels.len(), points, &[]).map_err(observations_err)
}

/// The time grid and the frame index of every row.
pub(crate) fn frames_of(
    path: &Path,
    columns: &Columns,
    rows: &[Row],
    labels: &[f64],
    times: TimeSource,
) -> Result<(TimeGrid, Vec<usize>), IoError> {
    let observations_err = |cause| IoError::Observations { path: path.into(), cause };
    let index = |label: f64| labels.partition_point(|&l| l < label);
    let spacing = |dt: f64| TimeGrid::new(0.0, dt).map_err(|_| IoError::InvalidSpacing { dt });
    let too_large = |frame: u64| {
        observations_err(ObservationError::BadTimes {
            experiment: 0,
            reason: format!("frame {frame} is too large"),
        })
    };
    if columns.frame.is_some() {
        let frames: Vec<usize> = rows
            .iter()
            .map(|r| {
                let f = r.frame.unwrap_or(0);
                if f > 1 << 40 { Err(too_large(f)) } else { Ok(f as usize) }
            })
            .collect::<Result<_, _>>()?;
        let grid = match times {
            TimeSource::Spacing(dt) => spacing(dt)?,
            TimeSource::Array(t) => TimeGrid::from_times(&t, 0).map_err(observations_err)?,
            TimeSource::FromFile if columns.time.is_some() => {
                let (lo, hi) = frames.iter().zip(rows).fold(
                    (None::<(usize, f64)>, None::<(usize, f64)>),
                    |(lo, hi), (&f, r)| {
                        let lo = if lo.is_none_or(|(g, _)| f < g) { Some((f, r.time)) } else { lo };
                        let hi = if hi.is_none_or(|(g, _)| f > g) { Some((f, r.time)) } else { hi };
                        (lo, hi)
                    },
                );
                let ((f0, t0), (f1, t1)) = (lo.unwrap_or((0, 0.0)), hi.unwrap_or((0, 0.0)));
                let dt = if f1 > f0 { (t1 - t0) / (f1 - f0) as f64 } else { 1.0 };
                let grid = TimeGrid::new(t0 - f0 as f64 * dt, dt).map_err(observations_err)?;
                for (r, &f) in rows.iter().zip(&frames) {
                    let experiment = index(r.experiment);
                    if grid.frame_of(r.time, experiment).ok() != Some(f) {
                        return Err(observations_err(ObservationError::OffGrid {
                            experiment,
                            time: r.time,
                            t0: grid.t0(),
                            dt: grid.dt(),
                            nearest: f as i64,
                        }));
                    }
                }
                grid
            }
            TimeSource::FromFile => spacing(1.0)?,
        };
        return Ok((grid, frames));
    }
    let grid = match times {
        TimeSource::Array(t) => TimeGrid::from_times(&t, 0).map_err(observations_err)?,
        other => {
            let dt = match other {
                TimeSource::Spacing(dt) => {
                    spacing(dt)?;
                    Some(dt)
                }
                _ => None,
            };
            let mut by_experiment: Vec<Vec<f64>> = vec![Vec::new(); labels.len()];
            for r in rows {
                by_experiment[index(r.experiment)].push(r.time);
            }
            let slices: Vec<&[f64]> = by_experiment.iter().map(Vec::as_slice).collect();
            TimeGrid::infer(&slices, dt).map_err(observations_err)?
        }
    };
    let frames = rows
        .iter()
        .map(|r| grid.frame_of(r.time, index(r.experiment)).map_err(observations_err))
        .collect::<Result<_, _>>()?;
    Ok((grid, frames))
}
