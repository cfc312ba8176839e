//! `.npz` archives (zip files of `.npy` arrays, as written by `numpy.savez` and
//! `numpy.savez_compressed`).

use std::fs::File;
use std::io::{BufReader, Read, Seek, Write};
use std::path::Path;

use wsindy_core::Trajectories;
use wsindy_core::atomic::{AtomicFile, FailFast};
use zip::result::ZipError;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::npy::{self, Accept, NpyArray, Source};
use crate::{DenseArrays, IoError, TimeSource, build_trajectories, positions_dims};

/// Largest compression ratio deflate can reach (about 1032:1), with some slack; an entry that
/// claims to expand more than this is corrupt.
const MAX_DEFLATE_RATIO: u64 = 1100;

/// Reads an `.npz` archive holding `positions` of shape (M, L, N, d) or (L, N, d) (float32 or
/// float64) and, for [`TimeSource::FromFile`], times `t` (or `times`) of shape (L,).
///
/// [`TimeSource::Array`] and [`TimeSource::Spacing`] override the times of the archive.
pub fn read_npz(path: &Path, times: TimeSource) -> Result<Trajectories, IoError> {
    let (dims, positions, times) = read_npz_arrays(path, times)?;
    build_trajectories(path, dims, positions, times)
}

/// The (M, L, N, d) shape, positions and times of an `.npz` archive, unvalidated.
pub(crate) fn read_npz_arrays(path: &Path, times: TimeSource) -> Result<DenseArrays, IoError> {
    let read_err = |cause| IoError::Read { path: path.into(), cause };
    let file = File::open(path).map_err(read_err)?;
    let file_len = file.metadata().map_err(read_err)?.len();
    let mut archive = ZipArchive::new(BufReader::new(file))
        .map_err(|e| IoError::InvalidNpz { path: path.into(), reason: e.to_string() })?;
    let positions = read_entry(&mut archive, path, file_len, &["positions"], Accept::Floats)?;
    let dims = positions_dims(path, "positions", &positions.shape)?;
    let times = match times {
        TimeSource::FromFile => {
            let t = read_entry(&mut archive, path, file_len, &["t", "times"], Accept::Numbers)?;
            if npy::vector_len(&t.shape).is_none() {
                return Err(IoError::WrongShape {
                    path: path.into(),
                    array: "t".into(),
                    shape: t.shape,
                    expected: npy::VECTOR_SHAPES,
                });
            }
            t.values
        }
        other => other.times(path, dims[1])?,
    };
    Ok((dims, positions.values, times))
}

/// Reads the first of `names` present in the archive.
fn read_entry<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    path: &Path,
    file_len: u64,
    names: &[&'static str],
    accept: Accept,
) -> Result<NpyArray, IoError> {
    let invalid = |reason: String| IoError::InvalidNpz { path: path.into(), reason };
    for &name in names {
        let mut entry = match archive.by_name(&format!("{name}.npy")) {
            Ok(entry) => entry,
            Err(ZipError::FileNotFound) => continue,
            Err(e) => return Err(invalid(format!("cannot open entry {name}.npy: {e}"))),
        };
        let (size, compressed) = (entry.size(), entry.compressed_size());
        if compressed > file_len {
            return Err(invalid(format!(
                "entry {name}.npy claims {compressed} compressed bytes, but the file is only {file_len} bytes long"
            )));
        }
        let plausible = match entry.compression() {
            CompressionMethod::Stored => compressed,
            _ => compressed.saturating_mul(MAX_DEFLATE_RATIO).saturating_add(1024),
        };
        if size > plausible {
            return Err(invalid(format!(
                "entry {name}.npy claims {size} bytes uncompressed from {compressed} bytes stored"
            )));
        }
        let bytes = match entry.compression() {
            CompressionMethod::Stored => npy::Bytes::Present,
            _ => npy::Bytes::Declared,
        };
        return npy::read_array(&mut entry, size, bytes, Source { path, array: name }, accept);
    }
    let found = archive
        .file_names_raw()
        .map(|n| {
            let n = String::from_utf8_lossy(n);
            n.strip_suffix(".npy").unwrap_or(&n).to_string()
        })
        .collect();
    Err(IoError::MissingArray { path: path.into(), wanted: names.join(" or "), found })
}

/// Writes `data` as an `.npz` archive readable by `numpy.load` and [`read_npz`]: `positions`
/// of shape (M, L, N, d) and `t` of shape (L,), both little-endian float64, uncompressed.
///
/// The archive is written atomically ([`wsindy_core::atomic`]): a temporary file next to `path`
/// is renamed over it once complete, so an error or a kill leaves the previous file untouched.
pub fn write_npz(path: &Path, data: &Trajectories) -> Result<(), IoError> {
    let write_err = |cause| IoError::Write { path: path.into(), cause };
    let zip_err = |e: ZipError| match e {
        ZipError::Io(cause) => write_err(cause),
        e => write_err(std::io::Error::other(e)),
    };
    let file = AtomicFile::create(path).map_err(write_err)?;
    // after a write error the zip writer's clean-up goes nowhere: it would print to stderr
    let mut zip = ZipWriter::new(FailFast::new(file));
    let shape = [data.experiments(), data.time_points(), data.particles(), data.dim()];
    for (name, shape, values) in
        [("positions.npy", &shape[..], data.positions()), ("t.npy", &shape[1..2], data.times())]
    {
        let large = npy::encoded_len(shape, values.len()) >= u64::from(u32::MAX);
        let options =
            SimpleFileOptions::default().compression_method(CompressionMethod::Stored).large_file(large);
        zip.start_file(name, options).map_err(zip_err)?;
        npy::write_array(&mut zip, shape, values).map_err(write_err)?;
    }
    let mut writer = zip.finish().map_err(zip_err)?;
    writer.flush().map_err(write_err)?;
    if writer.failed() {
        // an error the zip writer swallowed: never commit a file that was not fully written
        return Err(write_err(std::io::Error::other("a write failed while finishing the archive")));
    }
    writer.into_inner().commit().map_err(write_err)
}
