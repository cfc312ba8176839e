//! Atomic file replacement: every file the tools write goes through [`AtomicFile`].
//!
//! The data are written to a temporary file in the target's directory (same file system, so the
//! final rename is atomic), flushed and synced, then renamed over the target. A process killed
//! at any point, a full disk or any other write error leaves either the previous file or the
//! complete new one, never a truncated mix; the temporary file is removed on error and when an
//! [`AtomicFile`] is dropped without [`AtomicFile::commit`]. (Only a kill between creating the
//! temporary file and renaming it can leave the temporary behind: a hidden `.NAME.*.tmp` next to
//! the target, never the target itself.)
//!
//! ```
//! use std::io::Write;
//! use wsindy_core::atomic::{AtomicFile, write_atomic};
//!
//! let dir = std::env::temp_dir().join(format!("wsindy-atomic-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let path = dir.join("out.txt");
//! write_atomic(&path, b"old").unwrap();
//!
//! // dropped without commit: the target keeps its old contents, no temporary is left
//! let mut file = AtomicFile::create(&path).unwrap();
//! file.write_all(b"half of the new").unwrap();
//! drop(file);
//! assert_eq!(std::fs::read(&path).unwrap(), b"old");
//! assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
//!
//! let mut file = AtomicFile::create(&path).unwrap();
//! file.write_all(b"new").unwrap();
//! file.commit().unwrap();
//! assert_eq!(std::fs::read(&path).unwrap(), b"new");
//! std::fs::remove_dir_all(&dir).unwrap();
//! ```

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// Size of the write buffer in front of the temporary file.
const BUFFER: usize = 1 << 16;

/// A file being written that replaces `target` only on [`commit`](AtomicFile::commit).
///
/// Implements [`Write`] and [`Seek`] (zip archives seek back to patch their local headers).
#[derive(Debug)]
pub struct AtomicFile {
    file: BufWriter<NamedTempFile>,
    target: PathBuf,
}

impl AtomicFile {
    /// Creates a uniquely named temporary file next to `target`.
    ///
    /// The temporary file gets the permissions of an existing target, else `rw-r--r--`, so
    /// the replaced file is as readable as a file created directly.
    pub fn create(target: &Path) -> io::Result<Self> {
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = target
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
        let mut builder = tempfile::Builder::new();
        // hidden and recognisable: a leftover after a kill is not mistaken for an output
        let prefix = format!(".{}.", name.to_string_lossy());
        builder.prefix(&prefix).suffix(".tmp");
        if let Some(permissions) = permissions_for(target) {
            builder.permissions(permissions);
        }
        let temp = builder.tempfile_in(dir)?;
        Ok(Self { file: BufWriter::with_capacity(BUFFER, temp), target: target.to_path_buf() })
    }

    /// The file this one replaces on commit.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes, syncs the data to disk, renames the temporary file over the target and syncs
    /// the directory. On error the target is untouched and the temporary file removed.
    pub fn commit(self) -> io::Result<()> {
        let temp = self.file.into_inner().map_err(io::IntoInnerError::into_error)?;
        temp.as_file().sync_all()?;
        temp.persist(&self.target).map_err(|e| e.error)?;
        // the rename itself is durable only once the directory is synced; failing to open the
        // directory (some platforms do not allow it) does not undo the rename
        if let Some(dir) = self.target.parent().filter(|d| !d.as_os_str().is_empty())
            && let Ok(dir) = File::open(dir)
        {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file.write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Seek for AtomicFile {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.file.seek(pos)
    }
}

#[cfg(unix)]
fn permissions_for(target: &Path) -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(match std::fs::metadata(target) {
        Ok(meta) => meta.permissions(),
        Err(_) => std::fs::Permissions::from_mode(0o644),
    })
}

#[cfg(not(unix))]
fn permissions_for(target: &Path) -> Option<std::fs::Permissions> {
    std::fs::metadata(target).ok().map(|m| m.permissions())
}

/// Writes `bytes` to `path` atomically (see the [module docs](self)).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Runs `write` on an [`AtomicFile`] for `path` and commits it if `write` succeeds; on error the
/// target is untouched and the temporary removed.
pub fn write_atomic_with<T, E: From<io::Error>>(
    path: &Path,
    write: impl FnOnce(&mut AtomicFile) -> Result<T, E>,
) -> Result<T, E> {
    let mut file = AtomicFile::create(path)?;
    let value = write(&mut file)?;
    file.commit()?;
    Ok(value)
}

/// A writer that, after its first error, pretends to succeed without touching the inner writer.
///
/// For encoders that try to finish their output when dropped after an error (`zip::ZipWriter`
/// does, and prints to stderr when that fails): the first error is returned to the caller, and
/// the encoder's later clean-up writes go nowhere, so nothing more reaches the file or stderr.
/// The position and length are tracked from the start (the inner writer must start empty at
/// position 0), so an encoder that seeks after the error sees a consistent file.
#[derive(Debug)]
pub struct FailFast<W> {
    inner: W,
    failed: bool,
    position: u64,
    length: u64,
}

impl<W: Write + Seek> FailFast<W> {
    /// Wraps `inner`, an empty writer at position 0.
    pub fn new(inner: W) -> Self {
        Self { inner, failed: false, position: 0, length: 0 }
    }
    /// Whether an error occurred.
    pub fn failed(&self) -> bool {
        self.failed
    }
    /// The inner writer.
    pub fn into_inner(self) -> W {
        self.inner
    }
    fn advance(&mut self, n: usize) {
        self.position += n as u64;
        self.length = self.length.max(self.position);
    }
}

impl<W: Write + Seek> Write for FailFast<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.failed {
            self.advance(buf.len());
            return Ok(buf.len());
        }
        match self.inner.write(buf) {
            Ok(n) => {
                self.advance(n);
                Ok(n)
            }
            Err(e) => {
                self.failed = true;
                Err(e)
            }
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        if self.failed {
            return Ok(());
        }
        self.inner.flush().inspect_err(|_| self.failed = true)
    }
}

impl<W: Write + Seek> Seek for FailFast<W> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(d) => self.position.checked_add_signed(d),
            SeekFrom::End(d) => self.length.checked_add_signed(d),
        }
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start of the file"))?;
        if !self.failed
            && let Err(e) = self.inner.seek(SeekFrom::Start(target))
        {
            self.failed = true;
            return Err(e);
        }
        self.position = target;
        Ok(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn error_in_writer_keeps_target_and_removes_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        write_atomic(&path, b"{\"old\": 1}").unwrap();
        let result: io::Result<()> = write_atomic_with(&path, |w| {
            w.write_all(b"{\"new\": ")?;
            Err(io::Error::other("disk full"))
        });
        assert_eq!(result.unwrap_err().to_string(), "disk full");
        assert_eq!(std::fs::read(&path).unwrap(), b"{\"old\": 1}");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn parent_that_is_a_file_is_an_error_and_touches_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain");
        std::fs::write(&file, b"x").unwrap();
        assert!(write_atomic(&file.join("out.npz"), b"data").is_err());
        assert_eq!(std::fs::read(&file).unwrap(), b"x");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn keeps_permissions_of_the_replaced_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        write_atomic(&path, b"a").unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o644);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_atomic(&path, b"b").unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    /// A writer that fails once `limit` bytes are written.
    struct Limited {
        inner: io::Cursor<Vec<u8>>,
        limit: u64,
    }
    impl Write for Limited {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.inner.position() + buf.len() as u64 > self.limit {
                return Err(io::Error::other("file too large"));
            }
            self.inner.write(buf)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    impl Seek for Limited {
        fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
            self.inner.seek(pos)
        }
    }

    #[test]
    fn fail_fast_returns_the_first_error_then_writes_nothing() {
        let mut w = FailFast::new(Limited { inner: io::Cursor::new(Vec::new()), limit: 4 });
        w.write_all(b"abcd").unwrap();
        assert_eq!(w.write_all(b"e").unwrap_err().to_string(), "file too large");
        assert!(w.failed());
        // later writes and seeks succeed on a virtual file that continues the real one
        w.write_all(b"fgh").unwrap();
        assert_eq!(w.stream_position().unwrap(), 7);
        assert_eq!(w.seek(SeekFrom::End(0)).unwrap(), 7);
        assert_eq!(w.seek(SeekFrom::Start(1)).unwrap(), 1);
        assert!(w.seek(SeekFrom::Current(-2)).is_err());
        assert_eq!(w.into_inner().inner.into_inner(), b"abcd");
    }
}
