//! Files larger than memory: two passes over a long CSV (plain or gzip) or a `.npy` array.
//!
//! The first pass ([`scan_file`]) reads the whole file once and keeps only what binning needs:
//! the time grid, the count of every frame of every experiment (an [`ObservationLayout`]), the
//! extent of every coordinate and, with track ids, the distinct ids per experiment. The second
//! pass ([`stream_file`]) hands every observation to a sink with its experiment and frame, for
//! a density estimator to deposit. Memory depends on the numbers of experiments, frames and
//! tracks, not on the number of rows.
//!
//! CSV files are cut into blocks of whole lines by a reader thread (which also decompresses
//! gzip) and the blocks are parsed in parallel. Streaming assumes one record per line: a line
//! break inside a quoted field is not supported (the in-memory reader handles it), nor is a
//! track id repeated within one frame detected (that needs every (frame, id) pair in memory).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use wsindy_core::{
    AxisAccumulator, AxisSummary, ExperimentLayout, ObservationError, ObservationLayout, TimeGrid,
};

use crate::csv_observed::{ColumnMap, Columns, Row, resolve};
use crate::{IoError, MissingPolicy, ObservedOptions, TimeSource};

/// Bytes per CSV block handed to a parsing thread.
const BLOCK: usize = 4 << 20;
/// Longest line accepted.
const MAX_LINE: usize = 64 << 20;
/// Values per `.npy` read.
const NPY_VALUES: usize = 1 << 20;

/// How far a pass has come, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamProgress {
    /// 1 for the scan, 2 for binning.
    pub pass: u8,
    /// Bytes of the file read so far (compressed bytes for gzip).
    pub done: u64,
    /// Size of the file in bytes.
    pub total: u64,
}

/// What the first pass over a file found; the second pass ([`stream_file`]) needs it.
#[derive(Debug, Clone)]
pub struct StreamScan {
    /// Space dimension d.
    pub dim: usize,
    /// The common time grid.
    pub time_grid: TimeGrid,
    /// The frame counts of every experiment.
    pub layout: ObservationLayout,
    /// Mean, standard deviation and range of every coordinate over all observations.
    pub axes: Vec<AxisSummary>,
    /// Observations (rows, or observed particles of an array).
    pub observations: u64,
    /// Whether the observations carry track ids.
    pub has_ids: bool,
    plan: Plan,
}

#[derive(Debug, Clone)]
enum Plan {
    Csv(CsvPlan),
    Npy { dims: [usize; 4] },
}

#[derive(Debug, Clone)]
struct CsvPlan {
    map: Option<ColumnMap>,
    /// Experiment labels, sorted.
    labels: Vec<f64>,
    /// Unparsable records after the header skipped before the first data row.
    skipped: u64,
    /// Frames come from the frame column; times, if present, must agree with the grid.
    by_frame: bool,
    check_times: bool,
}

/// Whether `path` can be streamed: a CSV or TSV, plain or gzip, or a `.npy` array.
pub fn can_stream(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let stem = name.strip_suffix(".gz").unwrap_or(&name);
    stem.ends_with(".csv") || stem.ends_with(".tsv") || name.ends_with(".npy")
}

/// The first pass over `path` (see the module documentation), with the options of
/// [`crate::load_observations`]. `progress` is called after every block read.
pub fn scan_file(
    path: &Path,
    options: &ObservedOptions,
    progress: &mut dyn FnMut(StreamProgress),
) -> Result<StreamScan, IoError> {
    if path.file_name().is_some_and(|n| n.to_string_lossy().to_ascii_lowercase().ends_with(".npy")) {
        return scan_npy(path, options, progress);
    }
    if !can_stream(path) {
        let extension = path.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default();
        return Err(IoError::UnsupportedFormat { path: path.into(), extension });
    }
    scan_csv(path, options, progress)
}

/// The second pass: calls `sink(experiment, frame, positions)` for the observations of the
/// file in file order (d coordinates per position, several positions of one experiment and
/// frame at a time where the file holds them together).
pub fn stream_file(
    path: &Path,
    scan: &StreamScan,
    progress: &mut dyn FnMut(StreamProgress),
    sink: &mut dyn FnMut(usize, usize, &[f64]),
) -> Result<(), IoError> {
    match &scan.plan {
        Plan::Csv(plan) => stream_csv(path, scan, plan, progress, sink),
        Plan::Npy { dims } => stream_npy(path, *dims, progress, sink),
    }
}

// ---------------------------------------------------------------------------------------------
// CSV

/// A block of whole lines and the line number of its first line (1-based).
struct Block {
    bytes: Vec<u8>,
    first_line: u64,
}

/// The roles' column indices in field order, for picking fields out of a line.
#[derive(Debug, Clone)]
struct Fields {
    delimiter: u8,
    /// (column index, role) sorted by column; roles 0..3 experiment, frame, time, id, 4.. coords.
    wanted: Vec<(usize, usize)>,
    headers: Vec<String>,
    columns: Columns,
}

const EXPERIMENT: usize = 0;
const FRAME: usize = 1;
const TIME: usize = 2;
const ID: usize = 3;
const COORD: usize = 4;

impl Fields {
    fn new(delimiter: u8, headers: Vec<String>, columns: Columns) -> Self {
        let mut wanted = Vec::new();
        let roles = [columns.experiment, columns.frame, columns.time, columns.id];
        for (role, index) in roles.iter().enumerate() {
            if let Some(index) = index {
                wanted.push((*index, role));
            }
        }
        for (axis, &index) in columns.coords.iter().enumerate() {
            wanted.push((index, COORD + axis));
        }
        wanted.sort_unstable();
        Self { delimiter, wanted, headers, columns }
    }

    /// Parses one line (no line terminator) into a row; `Err((column, expected, text))`.
    fn parse(&self, line: &[u8]) -> Result<Row, (usize, &'static str, String)> {
        let mut slots: [&[u8]; COORD + 3] = [&[]; COORD + 3];
        let mut wanted = self.wanted.iter().peekable();
        if line.contains(&b'"') {
            return self.parse_quoted(line);
        }
        for (index, field) in line.split(|&b| b == self.delimiter).enumerate() {
            while let Some(&&(column, role)) = wanted.peek() {
                if column != index {
                    break;
                }
                slots[role] = field;
                wanted.next();
            }
            if wanted.peek().is_none() {
                break;
            }
        }
        self.fill(&slots)
    }

    /// The slow path for a line with quotes: the csv crate splits it.
    fn parse_quoted(&self, line: &[u8]) -> Result<Row, (usize, &'static str, String)> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(self.delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(line);
        let mut record = csv::ByteRecord::new();
        if !reader.read_byte_record(&mut record).unwrap_or(false) {
            return Err((self.wanted[0].0, "a record", String::from_utf8_lossy(line).into_owned()));
        }
        let mut owned: Vec<Vec<u8>> = vec![Vec::new(); COORD + 3];
        for &(column, role) in &self.wanted {
            owned[role] = record.get(column).unwrap_or_default().to_vec();
        }
        let slots: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
        self.fill(&slots)
    }

    fn fill(&self, slots: &[&[u8]]) -> Result<Row, (usize, &'static str, String)> {
        let c = &self.columns;
        let number = |role: usize, column: usize, expected: &'static str| {
            let text = slots[role].trim_ascii();
            match digits(text).map(|v| v as f64).or_else(|| fast_float2::parse::<f64, _>(text).ok()) {
                Some(v) if v.is_finite() => Ok(v + 0.0),
                _ => Err((column, expected, String::from_utf8_lossy(text).into_owned())),
            }
        };
        let integer = |role: usize, column: usize, expected: &'static str| {
            let text = slots[role].trim_ascii();
            if let Some(v) = digits(text) {
                return Ok(v);
            }
            match fast_float2::parse::<f64, _>(text) {
                Ok(v) if v >= 0.0 && v.fract() == 0.0 && v < 9.007_199_254_740_992e15 => Ok(v as u64),
                _ => Err((column, expected, String::from_utf8_lossy(text).into_owned())),
            }
        };
        let mut position = [0.0; 3];
        for (axis, (p, &column)) in position.iter_mut().zip(&c.coords).enumerate() {
            *p = number(COORD + axis, column, "a finite coordinate")?;
        }
        Ok(Row {
            experiment: match c.experiment {
                Some(col) => number(EXPERIMENT, col, "a finite experiment label")?,
                None => 0.0,
            },
            frame: c.frame.map(|col| integer(FRAME, col, "a frame number (an integer ≥ 0)")).transpose()?,
            time: match c.time {
                Some(col) => number(TIME, col, "a finite time")?,
                None => f64::NAN,
            },
            id: c.id.map(|col| integer(ID, col, "a track id (an integer ≥ 0)")).transpose()?,
            position,
        })
    }

    fn error(
        &self,
        path: &Path,
        line: u64,
        (column, expected, value): (usize, &'static str, String),
    ) -> IoError {
        IoError::CsvValue {
            path: path.into(),
            line,
            column: self.headers.get(column).cloned().unwrap_or_default(),
            value,
            expected,
        }
    }
}

/// A plain decimal integer of at most 18 digits (the common case of frames, ids and labels,
/// read without the float parser); anything else is `None` and goes to the float parser.
fn digits(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 18 {
        return None;
    }
    text.iter().try_fold(0u64, |v, &b| {
        let d = b.wrapping_sub(b'0');
        (d <= 9).then(|| v * 10 + u64::from(d))
    })
}

/// Parses the data lines of `block`, calling `row(line, row)`. In the file's first block,
/// unparsable lines before the first data row are skipped (extra header rows, as TrackMate
/// writes them) and counted; anywhere else they are an error.
fn parse_block(
    path: &Path,
    fields: &Fields,
    block: &Block,
    skip_leading: bool,
    mut row: impl FnMut(u64, Row) -> Result<(), IoError>,
) -> Result<u64, IoError> {
    let mut skipped = 0;
    let mut parsed_any = !skip_leading;
    for (i, line) in block.bytes.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.trim_ascii().is_empty() {
            continue;
        }
        let number = block.first_line + i as u64;
        match fields.parse(line) {
            Ok(r) => {
                parsed_any = true;
                row(number, r)?;
            }
            Err(_) if !parsed_any => skipped += 1,
            Err(e) => return Err(fields.error(path, number, e)),
        }
    }
    Ok(skipped)
}

fn gzip_error(path: &Path, e: std::io::Error) -> IoError {
    let cause = if e.kind() == std::io::ErrorKind::UnexpectedEof {
        std::io::Error::new(e.kind(), "the stream ends before its end marker (truncated file)")
    } else {
        e
    };
    IoError::Gzip { path: path.into(), cause }
}

/// Counts the bytes read from the file, for progress.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Reads `path` as CSV blocks: `on_header(fields)` resolves the header, then `on_batch` gets
/// the blocks in file order, a few at a time (for parallel parsing); `first` marks the batch
/// holding the file's first data lines.
fn csv_blocks(
    path: &Path,
    map: Option<&ColumnMap>,
    pass: u8,
    progress: &mut dyn FnMut(StreamProgress),
    mut on_batch: impl FnMut(&Fields, &[Block], bool) -> Result<(), IoError>,
) -> Result<Fields, IoError> {
    let read_err = |cause| IoError::Read { path: path.into(), cause };
    let file = File::open(path).map_err(read_err)?;
    let total = file.metadata().map_err(read_err)?.len();
    let count = Arc::new(AtomicU64::new(0));
    let mut buffered = BufReader::with_capacity(1 << 16, Counting { inner: file, count: Arc::clone(&count) });
    let gzip = buffered.fill_buf().map_err(read_err)?.starts_with(&[0x1f, 0x8b]);
    let mut source: Box<dyn Read + Send> =
        if gzip { Box::new(MultiGzDecoder::new(buffered)) } else { Box::new(buffered) };
    let wrap = move |e: std::io::Error| {
        if gzip { gzip_error(path, e) } else { IoError::Read { path: path.into(), cause: e } }
    };
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Block, IoError>>(4);
        scope.spawn(move || {
            let mut carry: Vec<u8> = Vec::new();
            let mut line = 1u64;
            let mut eof = false;
            while !eof {
                let mut bytes = std::mem::take(&mut carry);
                let mut limit = BLOCK;
                let cut = loop {
                    let want = limit.saturating_sub(bytes.len()) as u64;
                    match (&mut source).take(want).read_to_end(&mut bytes) {
                        Ok(0) => {
                            eof = true;
                            break bytes.len();
                        }
                        Ok(_) if bytes.len() < limit => continue,
                        Ok(_) => {}
                        Err(e) => {
                            let _ = tx.send(Err(wrap(e)));
                            return;
                        }
                    }
                    if let Some(last) = bytes.iter().rposition(|&b| b == b'\n') {
                        break last + 1;
                    }
                    if bytes.len() >= MAX_LINE {
                        let _ = tx.send(Err(IoError::CsvFormat {
                            path: path.into(),
                            reason: format!("line {line} is longer than {} MB", MAX_LINE >> 20),
                        }));
                        return;
                    }
                    limit += BLOCK;
                };
                carry = bytes.split_off(cut);
                if bytes.is_empty() {
                    continue;
                }
                let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
                if tx.send(Ok(Block { bytes, first_line: line })).is_err() {
                    return;
                }
                line += lines;
            }
        });
        // the header is the first line of the first block
        let Some(first) = rx.recv().ok().transpose()? else {
            return Err(IoError::CsvFormat { path: path.into(), reason: "the file is empty".into() });
        };
        let end = first.bytes.iter().position(|&b| b == b'\n').map_or(first.bytes.len(), |p| p + 1);
        let header = &first.bytes[..end];
        let delimiter = crate::csv_long::sniff_delimiter(header);
        let mut reader =
            csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).from_reader(header);
        let mut record = csv::ByteRecord::new();
        reader
            .read_byte_record(&mut record)
            .map_err(|e| IoError::CsvFormat { path: path.into(), reason: e.to_string() })?;
        let headers = crate::csv_long::header_names(&record);
        let columns = resolve(path, &headers, map)?;
        let fields = Fields::new(delimiter, headers, columns);
        let mut batch = vec![Block { bytes: first.bytes[end..].to_vec(), first_line: 2 }];
        let mut first_batch = true;
        let per_batch = 2 * rayon::current_num_threads();
        let mut done = false;
        while !done {
            while batch.len() < per_batch {
                match rx.recv() {
                    Ok(block) => batch.push(block?),
                    Err(_) => {
                        done = true;
                        break;
                    }
                }
            }
            on_batch(&fields, &batch, first_batch)?;
            first_batch = false;
            batch.clear();
            progress(StreamProgress { pass, done: count.load(Ordering::Relaxed), total });
        }
        Ok(fields)
    })
}

/// What one block contributes to the scan.
#[derive(Debug, Default)]
struct BlockScan {
    rows: u64,
    skipped: u64,
    /// Per experiment label (bits): counts per frame (or per time's bits) and distinct ids.
    experiments: HashMap<u64, ExperimentScan>,
    /// The run of rows with the same experiment and key being counted (rows usually come
    /// sorted by frame or by track, so most rows extend a run instead of touching a map).
    run: Option<(u64, u64, usize)>,
    /// The first and last key of every (experiment label, track id) of the block.
    spans: FxHashMap<(u64, u64), (f64, f64)>,
    /// Per axis: a shift (the block's first value), Σ(x − shift), Σ(x − shift)², min, max.
    sums: [(f64, f64, f64, f64, f64); 3],
    axes: [AxisAccumulator; 3],
    /// The first z and whether all z equal it.
    z: Option<(f64, bool)>,
    /// (frame, time) of the smallest and largest frame, when both columns exist.
    lowest: Option<(u64, f64)>,
    highest: Option<(u64, f64)>,
}

#[derive(Debug, Default)]
struct ExperimentScan {
    counts: HashMap<u64, usize>,
    /// The first and last key (frame, or time) of every track id.
    spans: HashMap<u64, (f64, f64)>,
}

/// Widens the span `into` by `other`.
fn widen(into: &mut (f64, f64), other: (f64, f64)) {
    into.0 = into.0.min(other.0);
    into.1 = into.1.max(other.1);
}

impl BlockScan {
    fn add(&mut self, row: &Row, dims: usize, by_frame: bool) {
        self.rows += 1;
        let label = row.experiment.to_bits();
        let key = if by_frame { row.frame.unwrap_or(0) } else { row.time.to_bits() };
        match &mut self.run {
            Some((l, k, count)) if *l == label && *k == key => *count += 1,
            _ => {
                self.end_run();
                self.run = Some((label, key, 1));
            }
        }
        if let Some(id) = row.id {
            let at = if by_frame { row.frame.unwrap_or(0) as f64 } else { row.time };
            self.spans.entry((label, id)).and_modify(|s| widen(s, (at, at))).or_insert((at, at));
        }
        if self.rows == 1 {
            for (s, &x) in self.sums.iter_mut().zip(&row.position) {
                *s = (x, 0.0, 0.0, x, x);
            }
        }
        for (s, &x) in self.sums.iter_mut().zip(&row.position[..dims]) {
            let y = x - s.0;
            s.1 += y;
            s.2 += y * y;
            s.3 = s.3.min(x);
            s.4 = s.4.max(x);
        }
        if dims == 3 {
            let z = row.position[2];
            match &mut self.z {
                None => self.z = Some((z, true)),
                Some((first, same)) => *same &= *first == z,
            }
        }
        if let (Some(f), true) = (row.frame, row.time.is_finite()) {
            if self.lowest.is_none_or(|(g, _)| f < g) {
                self.lowest = Some((f, row.time));
            }
            if self.highest.is_none_or(|(g, _)| f > g) {
                self.highest = Some((f, row.time));
            }
        }
    }

    fn end_run(&mut self) {
        if let Some((label, key, count)) = self.run.take() {
            *self.experiments.entry(label).or_default().counts.entry(key).or_default() += count;
        }
    }

    /// Folds the open run and the block's ids into the per-experiment summaries.
    fn close(&mut self) {
        self.end_run();
        for (acc, &(shift, sum, sum_sq, min, max)) in self.axes.iter_mut().zip(&self.sums) {
            acc.merge(&AxisAccumulator::from_shifted_sums(self.rows, shift, sum, sum_sq, min, max));
        }
        for ((label, id), span) in std::mem::take(&mut self.spans) {
            let e = self.experiments.entry(label).or_default();
            e.spans.entry(id).and_modify(|s| widen(s, span)).or_insert(span);
        }
    }

    fn merge(&mut self, other: BlockScan) {
        self.rows += other.rows;
        self.skipped += other.skipped;
        for (label, scan) in other.experiments {
            let e = self.experiments.entry(label).or_default();
            for (key, c) in scan.counts {
                *e.counts.entry(key).or_default() += c;
            }
            for (id, span) in scan.spans {
                e.spans.entry(id).and_modify(|s| widen(s, span)).or_insert(span);
            }
        }
        for (a, b) in self.axes.iter_mut().zip(&other.axes) {
            a.merge(b);
        }
        self.z = match (self.z, other.z) {
            (Some((a, sa)), Some((b, sb))) => Some((a, sa && sb && a == b)),
            (a, b) => a.or(b),
        };
        if let Some((f, t)) = other.lowest
            && self.lowest.is_none_or(|(g, _)| f < g)
        {
            self.lowest = Some((f, t));
        }
        if let Some((f, t)) = other.highest
            && self.highest.is_none_or(|(g, _)| f > g)
        {
            self.highest = Some((f, t));
        }
    }
}

fn scan_csv(
    path: &Path,
    options: &ObservedOptions,
    progress: &mut dyn FnMut(StreamProgress),
) -> Result<StreamScan, IoError> {
    let mut total = BlockScan::default();
    let fields = csv_blocks(path, options.columns.as_ref(), 1, progress, |fields, blocks, first| {
        let dims = fields.columns.coords.len();
        let by_frame = fields.columns.frame.is_some();
        let scans = blocks
            .par_iter()
            .enumerate()
            .map(|(i, block)| {
                let mut scan = BlockScan::default();
                let skipped = parse_block(path, fields, block, first && i == 0, |_, row| {
                    scan.add(&row, dims, by_frame);
                    Ok(())
                })?;
                scan.skipped = skipped;
                scan.close();
                Ok(scan)
            })
            .collect::<Result<Vec<_>, IoError>>()?;
        for scan in scans {
            total.merge(scan);
        }
        Ok(())
    })?;
    if total.rows == 0 {
        let reason = if total.skipped > 0 {
            format!(
                "no data rows: all {} rows after the header have non-numeric values in the used columns",
                total.skipped
            )
        } else {
            "no data rows after the header".to_string()
        };
        return Err(IoError::CsvFormat { path: path.into(), reason });
    }
    let c = &fields.columns;
    let mut dim = c.coords.len();
    if dim == 3 && !c.z_explicit && total.z.is_some_and(|(_, same)| same) {
        dim = 2;
    }
    let observations_err = |cause| IoError::Observations { path: path.into(), cause };
    let mut labels: Vec<f64> = total.experiments.keys().map(|&b| f64::from_bits(b)).collect();
    labels.sort_unstable_by(f64::total_cmp);
    let by_frame = c.frame.is_some();
    let spacing = |dt: f64| TimeGrid::new(0.0, dt).map_err(|_| IoError::InvalidSpacing { dt });
    let mut check_times = false;
    let time_grid = if by_frame {
        match &options.times {
            TimeSource::Spacing(dt) => spacing(*dt)?,
            TimeSource::Array(t) => TimeGrid::from_times(t, 0).map_err(observations_err)?,
            TimeSource::FromFile if c.time.is_some() => {
                check_times = true;
                let ((f0, t0), (f1, t1)) =
                    (total.lowest.unwrap_or((0, 0.0)), total.highest.unwrap_or((0, 0.0)));
                let dt = if f1 > f0 { (t1 - t0) / (f1 - f0) as f64 } else { 1.0 };
                TimeGrid::new(t0 - f0 as f64 * dt, dt).map_err(observations_err)?
            }
            TimeSource::FromFile => spacing(1.0)?,
        }
    } else {
        match &options.times {
            TimeSource::Array(t) => TimeGrid::from_times(t, 0).map_err(observations_err)?,
            other => {
                let dt = match other {
                    TimeSource::Spacing(dt) => Some(spacing(*dt)?.dt()),
                    _ => None,
                };
                let times: Vec<Vec<f64>> = labels
                    .iter()
                    .map(|l| {
                        total.experiments[&l.to_bits()].counts.keys().map(|&b| f64::from_bits(b)).collect()
                    })
                    .collect();
                let slices: Vec<&[f64]> = times.iter().map(Vec::as_slice).collect();
                TimeGrid::infer(&slices, dt).map_err(observations_err)?
            }
        }
    };
    let mut experiments = Vec::with_capacity(labels.len());
    for (m, label) in labels.iter().enumerate() {
        let scan = &total.experiments[&label.to_bits()];
        let mut frames: HashMap<usize, usize> = HashMap::new();
        for (&key, &count) in &scan.counts {
            let k = if by_frame {
                if key > 1 << 40 {
                    return Err(observations_err(ObservationError::BadTimes {
                        experiment: m,
                        reason: format!("frame {key} is too large"),
                    }));
                }
                key as usize
            } else {
                time_grid.frame_of(f64::from_bits(key), m).map_err(observations_err)?
            };
            *frames.entry(k).or_default() += count;
        }
        let first = frames.keys().copied().min().unwrap_or(0);
        let end = frames.keys().copied().max().map_or(0, |k| k + 1);
        let counts: Vec<Option<usize>> = (first..end).map(|k| frames.get(&k).copied()).collect();
        let largest = counts.iter().flatten().copied().max().unwrap_or(0);
        let frame = |at: f64| -> Result<usize, IoError> {
            if by_frame { Ok(at as usize) } else { time_grid.frame_of(at, m).map_err(observations_err) }
        };
        let spans = scan
            .spans
            .values()
            .map(|&(a, b)| Ok((frame(a)?, frame(b)?)))
            .collect::<Result<Vec<_>, IoError>>()?;
        let particles = wsindy_core::observations::concurrent(spans).max(largest);
        experiments.push(ExperimentLayout { first_frame: first, counts, particles });
    }
    let has_ids = c.id.is_some();
    Ok(StreamScan {
        dim,
        time_grid,
        layout: ObservationLayout { experiments },
        axes: total.axes[..dim].iter().map(AxisAccumulator::summary).collect(),
        observations: total.rows,
        has_ids,
        plan: Plan::Csv(CsvPlan {
            map: options.columns.clone(),
            labels,
            skipped: total.skipped,
            by_frame,
            check_times,
        }),
    })
}

fn stream_csv(
    path: &Path,
    scan: &StreamScan,
    plan: &CsvPlan,
    progress: &mut dyn FnMut(StreamProgress),
    sink: &mut dyn FnMut(usize, usize, &[f64]),
) -> Result<(), IoError> {
    let d = scan.dim;
    let grid = scan.time_grid;
    let observations_err = |cause| IoError::Observations { path: path.into(), cause };
    let index = |label: f64| plan.labels.partition_point(|&l| l < label);
    let mut skipped = 0;
    csv_blocks(path, plan.map.as_ref(), 2, progress, |fields, blocks, first| {
        let parsed = blocks
            .par_iter()
            .enumerate()
            .map(|(i, block)| {
                // runs of rows of one experiment and frame: (experiment, frame, rows)
                let mut runs: Vec<(usize, usize, usize)> = Vec::new();
                let mut positions: Vec<f64> = Vec::new();
                let skipped = parse_block(path, fields, block, first && i == 0, |_, row| {
                    let m = index(row.experiment);
                    let k = match row.frame {
                        Some(f) if plan.by_frame => {
                            let k = f as usize;
                            if plan.check_times && grid.frame_of(row.time, m).ok() != Some(k) {
                                return Err(observations_err(ObservationError::OffGrid {
                                    experiment: m,
                                    time: row.time,
                                    t0: grid.t0(),
                                    dt: grid.dt(),
                                    nearest: k as i64,
                                }));
                            }
                            k
                        }
                        _ => grid.frame_of(row.time, m).map_err(observations_err)?,
                    };
                    match runs.last_mut() {
                        Some((rm, rk, count)) if *rm == m && *rk == k => *count += 1,
                        _ => runs.push((m, k, 1)),
                    }
                    positions.extend_from_slice(&row.position[..d]);
                    Ok(())
                })?;
                Ok((runs, positions, skipped))
            })
            .collect::<Result<Vec<_>, IoError>>()?;
        for (runs, positions, s) in parsed {
            skipped += s;
            let mut start = 0;
            for (m, k, count) in runs {
                sink(m, k, &positions[start..start + count * d]);
                start += count * d;
            }
        }
        Ok(())
    })?;
    if skipped != plan.skipped {
        return Err(IoError::CsvFormat {
            path: path.into(),
            reason: "the file changed between the two passes over it".into(),
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// .npy

/// An opened `.npy` array, its (M, L, N, d) and the file's size.
type OpenNpy = (crate::npy::NpyBlocks<BufReader<File>>, [usize; 4], u64);

fn open_npy(path: &Path) -> Result<OpenNpy, IoError> {
    let read_err = |cause| IoError::Read { path: path.into(), cause };
    let file = File::open(path).map_err(read_err)?;
    let total = file.metadata().map_err(read_err)?.len();
    let blocks = crate::npy::open_blocks(
        BufReader::with_capacity(1 << 20, file),
        total,
        crate::npy::Source { path, array: "positions" },
    )?;
    let dims = crate::positions_dims(path, "positions", &blocks.shape)?;
    if !(1..=3).contains(&dims[3]) {
        return Err(IoError::WrongShape {
            path: path.into(),
            array: "positions".into(),
            shape: blocks.shape.clone(),
            expected: "(M, L, N, d) or (L, N, d) with d = 1, 2 or 3",
        });
    }
    Ok((blocks, dims, total))
}

/// Calls `frame(m, l, values)` for every frame's values in pieces of whole particles.
fn npy_frames(
    path: &Path,
    pass: u8,
    progress: &mut dyn FnMut(StreamProgress),
    mut frame: impl FnMut(usize, usize, usize, &[f64]) -> Result<(), IoError>,
) -> Result<[usize; 4], IoError> {
    let (mut blocks, dims, total) = open_npy(path)?;
    let [m_count, l_count, n, d] = dims;
    let per_read = (NPY_VALUES / d).max(1);
    let mut values = Vec::with_capacity(per_read * d);
    let all = (m_count * l_count * n * d).max(1) as f64;
    let mut done = 0u64;
    for m in 0..m_count {
        for l in 0..l_count {
            let mut first = 0;
            while first < n {
                let count = per_read.min(n - first);
                blocks.read_into(count * d, &mut values).map_err(|e| IoError::InvalidNpy {
                    path: path.into(),
                    array: "positions".into(),
                    reason: format!("cannot read its data: {e}"),
                })?;
                frame(m, l, first, &values)?;
                first += count;
                done += (count * d) as u64;
            }
        }
        progress(StreamProgress { pass, done: (done as f64 / all * total as f64) as u64, total });
    }
    Ok(dims)
}

/// Checks one particle's coordinates of a dense array: `Ok(true)` observed, `Ok(false)` missed
/// (all NaN); ±Inf, and NaN in only some coordinates, are errors naming the entry.
pub(crate) fn check_point(
    path: &Path,
    missing: MissingPolicy,
    (m, l, p): (usize, usize, usize),
    point: &[f64],
) -> Result<bool, IoError> {
    if let Some(c) = point.iter().position(|v| v.is_infinite()) {
        return Err(IoError::InfinitePosition {
            path: path.into(),
            experiment: m,
            time: l,
            particle: p,
            coordinate: c,
            value: point[c],
        });
    }
    let nan = point.iter().filter(|v| v.is_nan()).count();
    if nan == 0 {
        return Ok(true);
    }
    let coordinate = point.iter().position(|v| v.is_nan()).unwrap_or(0);
    if missing == MissingPolicy::Error {
        return Err(IoError::Observations {
            path: path.into(),
            cause: ObservationError::NonFinite {
                experiment: m,
                frame: l,
                index: p,
                coordinate,
                value: f64::NAN,
            },
        });
    }
    if nan == point.len() {
        return Ok(false);
    }
    let observed = point.iter().position(|v| !v.is_nan()).unwrap_or(0);
    Err(IoError::PartialNan {
        path: path.into(),
        experiment: m,
        time: l,
        particle: p,
        coordinate,
        observed,
        value: point[observed],
    })
}

fn scan_npy(
    path: &Path,
    options: &ObservedOptions,
    progress: &mut dyn FnMut(StreamProgress),
) -> Result<StreamScan, IoError> {
    // the times are needed before any data are read
    if options.times == TimeSource::FromFile {
        std::fs::metadata(path).map_err(|cause| IoError::Read { path: path.into(), cause })?;
        return Err(IoError::TimesRequired { path: path.into() });
    }
    let (_, [m_count, l_count, n, d], _) = open_npy(path)?;
    if m_count == 0 || n == 0 {
        return Err(IoError::Observations { path: path.into(), cause: ObservationError::NoExperiments });
    }
    let times = options.times.clone().times(path, l_count)?;
    if times.len() != l_count {
        return Err(IoError::TimesLength { path: path.into(), expected: l_count, got: times.len() });
    }
    let time_grid = TimeGrid::from_times(&times, 0)
        .map_err(|cause| IoError::Observations { path: path.into(), cause })?;
    let mut counts = vec![0usize; m_count * l_count];
    let mut seen = vec![false; n];
    let mut particles = vec![0usize; m_count];
    let mut axes = [AxisAccumulator::default(); 3];
    let mut observations = 0u64;
    npy_frames(path, 1, progress, |m, l, first, values| {
        if l == 0 && first == 0 {
            seen.iter_mut().for_each(|s| *s = false);
        }
        // sums relative to a value of the piece, so that no value costs a division
        let shift: Vec<f64> = (0..d)
            .map(|a| values.iter().skip(a).step_by(d).copied().find(|v| v.is_finite()).unwrap_or(0.0))
            .collect();
        let mut sums = vec![(0.0, 0.0, f64::INFINITY, f64::NEG_INFINITY); d];
        let mut observed = 0u64;
        for (j, point) in values.chunks_exact(d).enumerate() {
            let p = first + j;
            if point.iter().all(|v| v.is_finite()) || check_point(path, options.missing, (m, l, p), point)? {
                counts[m * l_count + l] += 1;
                if !seen[p] {
                    seen[p] = true;
                    particles[m] += 1;
                }
                for ((s, &x), &c) in sums.iter_mut().zip(point).zip(&shift) {
                    let y = x - c;
                    s.0 += y;
                    s.1 += y * y;
                    s.2 = s.2.min(x);
                    s.3 = s.3.max(x);
                }
                observed += 1;
            }
        }
        for ((acc, &(sum, sum_sq, min, max)), &c) in axes.iter_mut().zip(&sums).zip(&shift) {
            acc.merge(&AxisAccumulator::from_shifted_sums(observed, c, sum, sum_sq, min, max));
        }
        observations += observed;
        Ok(())
    })?;
    let mut experiments = Vec::with_capacity(m_count);
    for m in 0..m_count {
        if particles[m] == 0 {
            return Err(IoError::Observations {
                path: path.into(),
                cause: ObservationError::EmptyExperiment { experiment: m },
            });
        }
        let counts = counts[m * l_count..(m + 1) * l_count].iter().map(|&c| (c > 0).then_some(c)).collect();
        experiments.push(ExperimentLayout { first_frame: 0, counts, particles: particles[m] });
    }
    Ok(StreamScan {
        dim: d,
        time_grid,
        layout: ObservationLayout { experiments },
        axes: axes[..d].iter().map(AxisAccumulator::summary).collect(),
        observations,
        has_ids: true,
        plan: Plan::Npy { dims: [m_count, l_count, n, d] },
    })
}

fn stream_npy(
    path: &Path,
    dims: [usize; 4],
    progress: &mut dyn FnMut(StreamProgress),
    sink: &mut dyn FnMut(usize, usize, &[f64]),
) -> Result<(), IoError> {
    let d = dims[3];
    let mut kept = Vec::with_capacity(NPY_VALUES);
    let found = npy_frames(path, 2, progress, |m, l, _, values| {
        kept.clear();
        // the scan checked every value: only complete points and all-NaN ones remain
        for point in values.chunks_exact(d) {
            if point[0].is_finite() {
                kept.extend_from_slice(point);
            }
        }
        if !kept.is_empty() {
            sink(m, l, &kept);
        }
        Ok(())
    })?;
    if found != dims {
        return Err(IoError::CsvFormat {
            path: path.into(),
            reason: "the file changed between the two passes over it".into(),
        });
    }
    Ok(())
}
