//! `results.csv`: one row per finished trial, appended at once and synced, so that a run
//! killed at any moment loses at most the trials in flight.
//!
//! Each row is encoded to one complete line first and written with a single `write_all`, then
//! flushed and `sync_data`'d. A crash can therefore leave at most an incomplete last line
//! (no newline at its end); [`ResultsFile::open`] truncates it and reads the rows before it.
//! Text fields never hold a newline, so every row is exactly one line.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::spec::{ExperimentError, Scale};

/// One finished trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The scale the trial belongs to.
    pub scale: Scale,
    /// Figure number.
    pub figure: u32,
    /// Point index in the figure at this scale.
    pub point: usize,
    /// Trial index.
    pub trial: usize,
    /// Seed of the row's extrinsic noise, from (figure, point, trial).
    pub seed: u64,
    /// Seed of the (possibly shared) simulation, from (figure, group, trial).
    pub sim_seed: u64,
    /// The example.
    pub example: String,
    /// The line the point belongs to.
    pub series: String,
    /// The diffusion case (empty for local 2D).
    pub sigma: String,
    /// ω (local 2D).
    pub omega: Option<f64>,
    /// Extrinsic noise ratio ε.
    pub eps: f64,
    /// Particles per experiment N.
    pub n: usize,
    /// Experiments M.
    pub m: usize,
    /// N·M.
    pub nm: usize,
    /// True-positive ratio.
    pub tpr: Option<f64>,
    /// True-positive ratio over interaction and external-drift terms.
    pub drift_tpr: Option<f64>,
    /// Relative error of ∇K̂ (empty when the true K is 0 or the trial failed).
    pub err_k: Option<f64>,
    /// Relative error of ∇V̂.
    pub err_v: Option<f64>,
    /// Relative error of σ̂.
    pub err_sigma: Option<f64>,
    /// The chosen threshold λ̂.
    pub lambda: Option<f64>,
    /// The selected terms, `kind:name=coefficient` joined by `;`.
    pub selected: String,
    /// Seconds of the simulation the row's data came from (shared by the rows of its group).
    pub simulate_s: f64,
    /// Particle count N·M of that simulation.
    pub sim_nm: usize,
    /// Seconds of the identification.
    pub identify_s: Option<f64>,
    /// `ok`, or `error: <message>`.
    pub status: String,
}

/// The key of a row: which trial it is.
pub type Key = (Scale, u32, usize, usize);

impl Row {
    /// (scale, figure, point, trial).
    pub fn key(&self) -> Key {
        (self.scale, self.figure, self.point, self.trial)
    }

    /// Whether the trial ran to the end.
    pub fn ok(&self) -> bool {
        self.status == "ok"
    }

    /// The row as one CSV line, ending in `\n`, with newlines in text fields replaced.
    pub fn to_line(&self) -> Vec<u8> {
        let mut clean = self.clone();
        for s in [&mut clean.series, &mut clean.selected, &mut clean.status, &mut clean.example] {
            if s.contains(['\n', '\r']) {
                *s = s.replace(['\n', '\r'], " ");
            }
        }
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        // serialising plain fields into memory cannot fail
        w.serialize(&clean).expect("a row serialises");
        w.into_inner().expect("in-memory writer")
    }

    /// Whether two rows are the same result (all fields but the timings).
    pub fn same_result(&self, other: &Row) -> bool {
        let strip = |r: &Row| Row { simulate_s: 0.0, identify_s: None, ..r.clone() };
        strip(self) == strip(other)
    }
}

/// The header line of `results.csv`.
pub fn header() -> String {
    "scale,figure,point,trial,seed,sim_seed,example,series,sigma,omega,eps,n,m,nm,tpr,drift_tpr,err_k,err_v,err_sigma,lambda,selected,simulate_s,sim_nm,identify_s,status".to_string()
}

/// What [`ResultsFile::open`] found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Recovery {
    /// Bytes of an incomplete last line that were cut off.
    pub truncated_bytes: usize,
    /// Rows whose key was already present (the first one is kept).
    pub duplicates: usize,
}

/// The results file, opened for appending.
#[derive(Debug)]
pub struct ResultsFile {
    path: PathBuf,
    file: File,
    rows: Vec<Row>,
    index: HashMap<Key, usize>,
}

impl ResultsFile {
    /// Opens (or creates) the file: cuts an incomplete last line, checks the header and reads
    /// the rows.
    pub fn open(path: &Path) -> Result<(Self, Recovery), ExperimentError> {
        let io = |source| ExperimentError::Io { path: path.to_path_buf(), source };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|source| ExperimentError::Io { path: dir.to_path_buf(), source })?;
        }
        let mut file =
            OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path).map_err(io)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        let mut recovery = Recovery::default();
        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        if complete < bytes.len() {
            recovery.truncated_bytes = bytes.len() - complete;
            file.set_len(complete as u64).map_err(io)?;
            file.sync_data().map_err(io)?;
            bytes.truncate(complete);
        }
        file.seek(SeekFrom::End(0)).map_err(io)?;
        let mut results = Self { path: path.to_path_buf(), file, rows: Vec::new(), index: HashMap::new() };
        if bytes.is_empty() {
            results.write_line(format!("{}\n", header()).as_bytes())?;
            return Ok((results, recovery));
        }
        let first = bytes.iter().position(|&b| b == b'\n').unwrap_or(bytes.len());
        let found = String::from_utf8_lossy(&bytes[..first]);
        if found.trim_end() != header() {
            return Err(ExperimentError::Results {
                path: path.to_path_buf(),
                message: format!(
                    "the header is not that of wsindy-experiments' results (found '{found}'); use another --out or move the file away"
                ),
            });
        }
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(&bytes[..]);
        for (i, record) in reader.deserialize::<Row>().enumerate() {
            let row = record.map_err(|e| ExperimentError::Results {
                path: path.to_path_buf(),
                message: format!("line {}: {e}", i + 2),
            })?;
            if results.index.contains_key(&row.key()) {
                recovery.duplicates += 1;
                continue;
            }
            results.index.insert(row.key(), results.rows.len());
            results.rows.push(row);
        }
        Ok((results, recovery))
    }

    fn write_line(&mut self, line: &[u8]) -> Result<(), ExperimentError> {
        let io = |source| ExperimentError::Io { path: self.path.clone(), source };
        self.file.write_all(line).map_err(io)?;
        self.file.flush().map_err(io)?;
        self.file.sync_data().map_err(io)
    }

    /// Appends a row (one `write_all` of the whole line, then flush and `sync_data`). A row
    /// whose key is present is not written again; returns whether it was written.
    pub fn append(&mut self, row: Row) -> Result<bool, ExperimentError> {
        if self.index.contains_key(&row.key()) {
            return Ok(false);
        }
        self.write_line(&row.to_line())?;
        self.index.insert(row.key(), self.rows.len());
        self.rows.push(row);
        Ok(true)
    }

    /// Whether the trial is present.
    pub fn contains(&self, key: &Key) -> bool {
        self.index.contains_key(key)
    }

    /// The row of a trial.
    pub fn get(&self, key: &Key) -> Option<&Row> {
        self.index.get(key).map(|&i| &self.rows[i])
    }

    /// All rows in file order.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn row(point: usize, trial: usize) -> Row {
        Row {
            scale: Scale::Quick,
            figure: 6,
            point,
            trial,
            seed: u64::MAX - 3,
            sim_seed: 17,
            example: "nonlocal1d".into(),
            series: "ε = 0.1, \"quoted\"".into(),
            sigma: "const".into(),
            omega: None,
            eps: 0.1,
            n: 2000,
            m: 4,
            nm: 8000,
            tpr: Some(1.0),
            drift_tpr: Some(0.5),
            err_k: Some(0.012_345_678_901_234_5),
            err_v: None,
            err_sigma: Some(1e-17),
            lambda: Some(3.1e-3),
            selected: "interaction:|x|^2=0.5;drift:[1, 0]=-1".into(),
            simulate_s: 0.25,
            sim_nm: 8000,
            identify_s: Some(0.015),
            status: "error: a\nb".into(),
        }
    }

    #[test]
    fn rows_round_trip_exactly_as_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let (mut f, rec) = ResultsFile::open(&path).unwrap();
        assert_eq!(rec, Recovery::default());
        let r = row(3, 7);
        let line = r.to_line();
        assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1);
        assert!(f.append(r.clone()).unwrap());
        assert!(!f.append(r.clone()).unwrap(), "a present key is not written twice");
        drop(f);
        let (f, _) = ResultsFile::open(&path).unwrap();
        assert_eq!(f.rows().len(), 1);
        let back = &f.rows()[0];
        assert_eq!(back.status, "error: a b");
        assert_eq!(back.err_k, r.err_k, "floats round-trip exactly");
        assert!(back.same_result(&Row { status: "error: a b".into(), identify_s: Some(9.0), ..r }));
    }

    #[test]
    fn an_incomplete_last_line_is_cut_and_the_rest_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let (mut f, _) = ResultsFile::open(&path).unwrap();
        for t in 0..3 {
            f.append(row(0, t)).unwrap();
        }
        drop(f);
        // a torn write: half of a fourth row
        let line = row(0, 3).to_line();
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(&line[..line.len() / 2]).unwrap();
        drop(file);
        let (mut f, rec) = ResultsFile::open(&path).unwrap();
        assert_eq!(rec.truncated_bytes, line.len() / 2);
        assert_eq!(f.rows().len(), 3);
        assert!(!f.contains(&(Scale::Quick, 6, 0, 3)));
        f.append(row(0, 3)).unwrap();
        drop(f);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 5, "{text}");
        let (f, rec) = ResultsFile::open(&path).unwrap();
        assert_eq!((f.rows().len(), rec), (4, Recovery::default()));
    }

    #[test]
    fn a_torn_header_is_rewritten_and_a_foreign_file_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        std::fs::write(&path, &header().as_bytes()[..10]).unwrap();
        let (f, rec) = ResultsFile::open(&path).unwrap();
        assert_eq!((rec.truncated_bytes, f.rows().len()), (10, 0));
        drop(f);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("{}\n", header()));
        std::fs::write(&path, "a,b\n1,2\n").unwrap();
        let err = ResultsFile::open(&path).unwrap_err();
        assert!(err.to_string().contains("header"), "{err}");
    }

    #[test]
    fn duplicates_keep_the_first_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let mut text = format!("{}\n", header()).into_bytes();
        text.extend(row(1, 1).to_line());
        text.extend(Row { lambda: Some(9.0), ..row(1, 1) }.to_line());
        std::fs::write(&path, text).unwrap();
        let (f, rec) = ResultsFile::open(&path).unwrap();
        assert_eq!(rec.duplicates, 1);
        assert_eq!(f.rows()[0].lambda, Some(3.1e-3));
    }
}
