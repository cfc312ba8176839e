//! The `.npy` format: header parsing, bounded streaming reads, and writing.
//!
//! Format (numpy's `numpy.lib.format`): the magic string `\x93NUMPY`, a major and minor version
//! byte, the header length (u16 little endian for version 1, u32 for versions 2 and 3), then a
//! Python dict literal such as `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`
//! padded with spaces and a newline, then the raw data.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use wsindy_core::atomic::AtomicFile;
use wsindy_core::memory;

use crate::IoError;

const MAGIC: &[u8; 6] = b"\x93NUMPY";
/// Largest header accepted; numpy itself refuses headers above 10 000 bytes by default.
const MAX_HEADER_LEN: u64 = 1 << 20;
/// Size of the buffer data are streamed through (a multiple of every item size).
const CHUNK: usize = 1 << 16;
/// Nesting depth beyond which a header literal is rejected.
const MAX_DEPTH: usize = 32;

/// A numeric array read from a `.npy` file, converted to `f64`, in C (row-major) order.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// The shape, outermost axis first.
    pub shape: Vec<usize>,
    /// The values, last axis fastest; `values.len()` is the product of `shape`.
    pub values: Vec<f64>,
}

/// Which element types a caller accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Accept {
    /// `float32` and `float64` only (positions).
    Floats,
    /// Floats and (un)signed integers of 1–8 bytes (times, generic arrays).
    Numbers,
}

impl Accept {
    fn expected(self) -> &'static str {
        match self {
            Accept::Floats => "float32 or float64 ('<f4', '<f8', '>f4', '>f8')",
            Accept::Numbers => "float32, float64 or an integer type ('<f8', '<i8', '<u4', …)",
        }
    }
}

/// Element type of a supported array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scalar {
    F32,
    F64,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
}

impl Scalar {
    fn size(self) -> usize {
        match self {
            Scalar::I8 | Scalar::U8 => 1,
            Scalar::I16 | Scalar::U16 => 2,
            Scalar::F32 | Scalar::I32 | Scalar::U32 => 4,
            Scalar::F64 | Scalar::I64 | Scalar::U64 => 8,
        }
    }
    fn is_float(self) -> bool {
        matches!(self, Scalar::F32 | Scalar::F64)
    }
}

/// Where an array comes from, for error messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Source<'a> {
    pub path: &'a Path,
    pub array: &'a str,
}

impl Source<'_> {
    fn invalid(&self, reason: impl Into<String>) -> IoError {
        IoError::InvalidNpy { path: self.path.into(), array: self.array.into(), reason: reason.into() }
    }
    fn path(&self) -> PathBuf {
        self.path.to_path_buf()
    }
}

/// The parsed header of one array.
#[derive(Debug)]
struct Header {
    scalar: Scalar,
    big_endian: bool,
    descr: String,
    fortran_order: bool,
    shape: Vec<usize>,
    /// Bytes before the data: magic, version, length field and header text.
    prefix_len: u64,
}

/// How far the byte count given to [`read_array`] can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bytes {
    /// The bytes are present (a file's length, a stored zip entry): the whole array is
    /// allocated at once.
    Present,
    /// The size a compressed entry declares: the array grows only as data are decoded, so a
    /// forged size cannot make the reader allocate more than the data it actually holds.
    Declared,
}

/// Elements reserved up front for data whose size is only declared.
const DECLARED_RESERVE: usize = 1 << 20;

/// Reads one array from `reader`, which holds exactly `available` bytes (the whole file or
/// zip entry). Shape and size are checked against `available`, and the memory the array needs
/// against the [memory budget](wsindy_core::memory), before the data are allocated.
pub(crate) fn read_array<R: Read>(
    reader: &mut R,
    available: u64,
    bytes: Bytes,
    source: Source<'_>,
    accept: Accept,
) -> Result<NpyArray, IoError> {
    let header = read_header(reader, available, source, accept)?;
    let (count, expected) = data_size(&header, available, source)?;
    // f64 result, plus the float32 values kept until the data are verified, plus the copy a
    // Fortran-order transpose makes
    let staged = if header.scalar == Scalar::F32 { 4 } else { 0 };
    let transposed = if header.fortran_order { 8 } else { 0 };
    let needed = memory::bytes_for(count, 8 + staged + transposed);
    memory::check(
        needed,
        &format!(
            "array `{}` of shape {:?} (dtype {}, {count} values)",
            source.array, header.shape, header.descr
        ),
        "read a smaller data set (fewer experiments, times or particles), or raise the budget",
    )
    .map_err(|cause| IoError::Memory { path: source.path(), cause })?;
    let reserve = match bytes {
        Bytes::Present => count,
        Bytes::Declared => count.min(DECLARED_RESERVE),
    };
    let values = read_values(reader, header.scalar, header.big_endian, count, reserve).map_err(|e| {
        source.invalid(format!("cannot read the {expected} bytes of data the header declares: {e}"))
    })?;
    // reading once more reaches the end of the stream, where zip entries verify their checksum
    let mut probe = [0u8; 1];
    match reader.read(&mut probe) {
        Ok(0) => {}
        Ok(_) => return Err(source.invalid(format!("more than the declared {expected} bytes of data"))),
        Err(e) => return Err(source.invalid(format!("data are corrupt: {e}"))),
    }
    let mut values = values.into_f64();
    if header.fortran_order {
        values = fortran_to_c(&values, &header.shape);
    }
    Ok(NpyArray { shape: header.shape, values })
}

/// A float array whose values are read block by block (memory independent of its size).
pub(crate) struct NpyBlocks<R> {
    reader: R,
    scalar: Scalar,
    big_endian: bool,
    /// The shape, outermost axis first.
    pub shape: Vec<usize>,
    remaining: usize,
    raw: Vec<u8>,
}

/// Opens a float array of C order for reading in blocks; the data must be exactly the bytes
/// the header declares. A Fortran-order array is an error (its frames are not contiguous).
pub(crate) fn open_blocks<R: Read>(
    mut reader: R,
    available: u64,
    source: Source<'_>,
) -> Result<NpyBlocks<R>, IoError> {
    let header = read_header(&mut reader, available, source, Accept::Floats)?;
    let (count, _) = data_size(&header, available, source)?;
    if header.fortran_order {
        return Err(source.invalid(
            "it is stored in Fortran order, which cannot be read frame by frame; save it in C order (numpy.ascontiguousarray)",
        ));
    }
    Ok(NpyBlocks {
        reader,
        scalar: header.scalar,
        big_endian: header.big_endian,
        shape: header.shape,
        remaining: count,
        raw: Vec::new(),
    })
}

impl<R: Read> NpyBlocks<R> {
    /// Replaces `out` with the next `count` values (fewer at the end of the array).
    pub(crate) fn read_into(&mut self, count: usize, out: &mut Vec<f64>) -> std::io::Result<()> {
        let count = count.min(self.remaining);
        let size = self.scalar.size();
        self.raw.resize(count * size, 0);
        self.reader.read_exact(&mut self.raw)?;
        out.clear();
        convert(&self.raw, self.scalar, self.big_endian, out);
        self.remaining -= count;
        Ok(())
    }
}

/// The element count of the array and its bytes, checked to be exactly the bytes after the
/// header (`available` in all).
fn data_size(header: &Header, available: u64, source: Source<'_>) -> Result<(usize, u64), IoError> {
    let count = element_count(&header.shape, source)?;
    let expected = u64::try_from(count)
        .ok()
        .and_then(|c| c.checked_mul(header.scalar.size() as u64))
        .ok_or_else(|| overflow(&header.shape, source))?;
    let data_available = available.saturating_sub(header.prefix_len);
    if expected != data_available {
        return Err(IoError::DataSize {
            path: source.path(),
            array: source.array.into(),
            shape: header.shape.clone(),
            dtype: header.descr.clone(),
            expected,
            available: data_available,
        });
    }
    Ok((count, expected))
}

fn overflow(shape: &[usize], source: Source<'_>) -> IoError {
    IoError::ShapeOverflow {
        path: source.path(),
        array: source.array.into(),
        shape: shape.iter().map(|&s| s as u64).collect(),
    }
}

fn element_count(shape: &[usize], source: Source<'_>) -> Result<usize, IoError> {
    shape.iter().try_fold(1usize, |acc, &s| acc.checked_mul(s)).ok_or_else(|| overflow(shape, source))
}

fn read_header<R: Read>(
    reader: &mut R,
    available: u64,
    source: Source<'_>,
    accept: Accept,
) -> Result<Header, IoError> {
    let too_short =
        |what: &str| source.invalid(format!("it is only {available} bytes long and ends inside the {what}"));
    let mut lead = [0u8; 8];
    if available < 8 {
        return Err(too_short("magic string and version"));
    }
    reader.read_exact(&mut lead).map_err(|e| source.invalid(format!("cannot read the magic string: {e}")))?;
    if &lead[..6] != MAGIC {
        return Err(source.invalid(format!(
            "it does not start with the .npy magic string \\x93NUMPY (first bytes: {:?})",
            String::from_utf8_lossy(&lead[..6])
        )));
    }
    let (major, minor) = (lead[6], lead[7]);
    let (len_bytes, utf8) = match major {
        1 => (2u64, false),
        2 => (4, false),
        3 => (4, true),
        _ => {
            return Err(source.invalid(format!(
                "format version {major}.{minor} is not supported, expected 1.0, 2.0 or 3.0"
            )));
        }
    };
    if available < 8 + len_bytes {
        return Err(too_short("header length"));
    }
    let header_len = if len_bytes == 2 {
        let mut b = [0u8; 2];
        reader
            .read_exact(&mut b)
            .map_err(|e| source.invalid(format!("cannot read the header length: {e}")))?;
        u64::from(u16::from_le_bytes(b))
    } else {
        let mut b = [0u8; 4];
        reader
            .read_exact(&mut b)
            .map_err(|e| source.invalid(format!("cannot read the header length: {e}")))?;
        u64::from(u32::from_le_bytes(b))
    };
    let prefix_len = 8 + len_bytes + header_len;
    if header_len > MAX_HEADER_LEN {
        return Err(source.invalid(format!(
            "header length {header_len} bytes exceeds the limit of {MAX_HEADER_LEN} bytes"
        )));
    }
    if prefix_len > available {
        return Err(source.invalid(format!(
            "the header claims {header_len} bytes, but the array is only {available} bytes long"
        )));
    }
    // bounded by MAX_HEADER_LEN and by the bytes available
    let mut raw = vec![0u8; header_len as usize];
    reader.read_exact(&mut raw).map_err(|e| source.invalid(format!("cannot read the header: {e}")))?;
    let text: String = if utf8 {
        String::from_utf8(raw).map_err(|_| source.invalid("the header is not valid UTF-8"))?
    } else {
        // latin-1: every byte is one character
        raw.iter().map(|&b| char::from(b)).collect()
    };
    let dict =
        parse_header_dict(&text).map_err(|reason| source.invalid(format!("{reason} in header {text:?}")))?;
    let (descr, fortran_order, shape) = dict;
    let descr = match descr {
        Descr::Simple(s) => s,
        Descr::Other(s) => {
            return Err(IoError::UnsupportedDtype {
                path: source.path(),
                array: source.array.into(),
                dtype: s,
                expected: accept.expected(),
            });
        }
    };
    let unsupported = || IoError::UnsupportedDtype {
        path: source.path(),
        array: source.array.into(),
        dtype: descr.clone(),
        expected: accept.expected(),
    };
    let (scalar, big_endian) = parse_descr(&descr).ok_or_else(unsupported)?;
    if accept == Accept::Floats && !scalar.is_float() {
        return Err(unsupported());
    }
    let shape = shape
        .iter()
        .map(|&s| usize::try_from(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| IoError::ShapeOverflow { path: source.path(), array: source.array.into(), shape })?;
    Ok(Header { scalar, big_endian, descr, fortran_order, shape, prefix_len })
}

/// Parses a numpy type string such as `<f8`, `>i4`, `|u1`; `None` if unsupported.
fn parse_descr(descr: &str) -> Option<(Scalar, bool)> {
    let mut chars = descr.chars();
    let order = chars.next()?;
    let big_endian = match order {
        '<' => false,
        '>' => true,
        '|' | '=' => cfg!(target_endian = "big"),
        _ => return None,
    };
    let scalar = match chars.as_str() {
        "f4" => Scalar::F32,
        "f8" => Scalar::F64,
        "i1" => Scalar::I8,
        "i2" => Scalar::I16,
        "i4" => Scalar::I32,
        "i8" => Scalar::I64,
        "u1" => Scalar::U8,
        "u2" => Scalar::U16,
        "u4" => Scalar::U32,
        "u8" => Scalar::U64,
        _ => return None,
    };
    Some((scalar, big_endian))
}

/// Values as read: float32 stays float32 until the data are verified (checksum, length), so
/// corrupt data cost half the memory of their float64 conversion.
enum Staged {
    F32(Vec<f32>),
    F64(Vec<f64>),
}

impl Staged {
    fn into_f64(self) -> Vec<f64> {
        match self {
            Staged::F32(v) => {
                let mut out = Vec::with_capacity(v.len());
                out.extend(v.into_iter().map(f64::from));
                out
            }
            Staged::F64(v) => v,
        }
    }
}

/// Streams `count` items through a fixed buffer, reserving `reserve` elements up front.
fn read_values<R: Read>(
    reader: &mut R,
    scalar: Scalar,
    big_endian: bool,
    count: usize,
    reserve: usize,
) -> std::io::Result<Staged> {
    if scalar == Scalar::F32 {
        let mut out = Vec::with_capacity(reserve);
        read_chunks(reader, 4, count, |bytes| {
            let (chunks, _) = bytes.as_chunks::<4>();
            if big_endian {
                out.extend(chunks.iter().map(|c| f32::from_be_bytes(*c)));
            } else {
                out.extend(chunks.iter().map(|c| f32::from_le_bytes(*c)));
            }
        })?;
        return Ok(Staged::F32(out));
    }
    let mut out = Vec::with_capacity(reserve);
    read_chunks(reader, scalar.size(), count, |bytes| convert(bytes, scalar, big_endian, &mut out))?;
    Ok(Staged::F64(out))
}

/// Reads `count` items of `size` bytes through a buffer of at most [`CHUNK`] bytes.
fn read_chunks<R: Read>(
    reader: &mut R,
    size: usize,
    count: usize,
    mut sink: impl FnMut(&[u8]),
) -> std::io::Result<()> {
    let mut buf = vec![0u8; CHUNK.min(count.saturating_mul(size)).max(size)];
    let per_chunk = buf.len() / size;
    let mut remaining = count;
    while remaining > 0 {
        let k = remaining.min(per_chunk);
        let bytes = &mut buf[..k * size];
        reader.read_exact(bytes)?;
        sink(bytes);
        remaining -= k;
    }
    Ok(())
}

fn push<const W: usize>(bytes: &[u8], out: &mut Vec<f64>, f: impl Fn([u8; W]) -> f64) {
    let (chunks, _) = bytes.as_chunks::<W>();
    out.extend(chunks.iter().map(|c| f(*c)));
}

#[allow(clippy::cast_precision_loss)]
fn convert(bytes: &[u8], scalar: Scalar, big: bool, out: &mut Vec<f64>) {
    match (scalar, big) {
        (Scalar::F64, false) => push(bytes, out, f64::from_le_bytes),
        (Scalar::F64, true) => push(bytes, out, f64::from_be_bytes),
        // float32 is staged as f32 by `read_values`; converted here only for completeness
        (Scalar::F32, false) => push(bytes, out, |b| f64::from(f32::from_le_bytes(b))),
        (Scalar::F32, true) => push(bytes, out, |b| f64::from(f32::from_be_bytes(b))),
        (Scalar::I8, _) => push(bytes, out, |b| f64::from(i8::from_le_bytes(b))),
        (Scalar::U8, _) => push(bytes, out, |b| f64::from(u8::from_le_bytes(b))),
        (Scalar::I16, false) => push(bytes, out, |b| f64::from(i16::from_le_bytes(b))),
        (Scalar::I16, true) => push(bytes, out, |b| f64::from(i16::from_be_bytes(b))),
        (Scalar::U16, false) => push(bytes, out, |b| f64::from(u16::from_le_bytes(b))),
        (Scalar::U16, true) => push(bytes, out, |b| f64::from(u16::from_be_bytes(b))),
        (Scalar::I32, false) => push(bytes, out, |b| f64::from(i32::from_le_bytes(b))),
        (Scalar::I32, true) => push(bytes, out, |b| f64::from(i32::from_be_bytes(b))),
        (Scalar::U32, false) => push(bytes, out, |b| f64::from(u32::from_le_bytes(b))),
        (Scalar::U32, true) => push(bytes, out, |b| f64::from(u32::from_be_bytes(b))),
        (Scalar::I64, false) => push(bytes, out, |b| i64::from_le_bytes(b) as f64),
        (Scalar::I64, true) => push(bytes, out, |b| i64::from_be_bytes(b) as f64),
        (Scalar::U64, false) => push(bytes, out, |b| u64::from_le_bytes(b) as f64),
        (Scalar::U64, true) => push(bytes, out, |b| u64::from_be_bytes(b) as f64),
    }
}

/// Reorders a Fortran-order (first axis fastest) array into C order (last axis fastest).
fn fortran_to_c(values: &[f64], shape: &[usize]) -> Vec<f64> {
    if shape.len() < 2 || values.is_empty() {
        return values.to_vec();
    }
    // Fortran strides of each axis, walked in C order with an odometer
    let mut f_strides = Vec::with_capacity(shape.len());
    let mut s = 1usize;
    for &n in shape {
        f_strides.push(s);
        s *= n;
    }
    let mut out = Vec::with_capacity(values.len());
    let mut index = vec![0usize; shape.len()];
    let mut offset = 0usize;
    for _ in 0..values.len() {
        out.push(values.get(offset).copied().unwrap_or(f64::NAN));
        for axis in (0..shape.len()).rev() {
            index[axis] += 1;
            offset += f_strides[axis];
            if index[axis] < shape[axis] {
                break;
            }
            offset -= f_strides[axis] * shape[axis];
            index[axis] = 0;
        }
    }
    out
}

enum Descr {
    /// A plain type string such as `<f8`.
    Simple(String),
    /// Anything else (a structured dtype), as written.
    Other(String),
}

/// Extracts `descr`, `fortran_order` and `shape` from the header dict literal.
fn parse_header_dict(text: &str) -> Result<(Descr, bool, Vec<u64>), String> {
    let mut p = Parser { s: text.as_bytes(), pos: 0 };
    let value = p.value(0)?;
    p.skip_ws();
    if p.pos != p.s.len() {
        return Err(format!("unexpected text after the dict at byte {}", p.pos));
    }
    let Lit::Dict(entries) = value else { return Err("the header is not a dict".into()) };
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    for Entry { key, value, span } in entries {
        match key.as_str() {
            "descr" => {
                descr = Some(match value {
                    Lit::Str(s) => Descr::Simple(s),
                    _ => Descr::Other(text.get(span.0..span.1).unwrap_or("?").to_string()),
                })
            }
            "fortran_order" => match value {
                Lit::Bool(b) => fortran = Some(b),
                _ => return Err("'fortran_order' is not True or False".into()),
            },
            "shape" => match value {
                Lit::Tuple(items) => {
                    let dims = items
                        .into_iter()
                        .map(|item| match item {
                            Lit::Int(n) => Ok(n),
                            _ => Err("'shape' holds a value that is not a non-negative integer".to_string()),
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    shape = Some(dims);
                }
                _ => return Err("'shape' is not a tuple".into()),
            },
            _ => {}
        }
    }
    match (descr, fortran, shape) {
        (Some(d), Some(f), Some(s)) => Ok((d, f, s)),
        (None, _, _) => Err("no 'descr' key".into()),
        (_, None, _) => Err("no 'fortran_order' key".into()),
        (_, _, None) => Err("no 'shape' key".into()),
    }
}

/// The subset of Python literals that appears in .npy headers.
enum Lit {
    Str(String),
    Int(u64),
    Bool(bool),
    None,
    Tuple(Vec<Lit>),
    List,
    Dict(Vec<Entry>),
}

/// One `key: value` pair of a dict literal, with the byte range of the value's text.
struct Entry {
    key: String,
    value: Lit,
    span: (usize, usize),
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.s.get(self.pos).is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }
    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.pos).copied()
    }
    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("expected {:?} at byte {}", char::from(c), self.pos))
        }
    }
    fn value(&mut self, depth: usize) -> Result<Lit, String> {
        if depth > MAX_DEPTH {
            return Err("the header literal is nested too deeply".into());
        }
        match self.peek() {
            Some(b'{') => {
                self.pos += 1;
                let mut entries = Vec::new();
                loop {
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        break;
                    }
                    let key = match self.value(depth + 1)? {
                        Lit::Str(s) => s,
                        _ => return Err(format!("dict key at byte {} is not a string", self.pos)),
                    };
                    self.expect(b':')?;
                    self.skip_ws();
                    let start = self.pos;
                    let value = self.value(depth + 1)?;
                    entries.push(Entry { key, value, span: (start, self.pos) });
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {}
                        _ => return Err(format!("expected ',' or '}}' at byte {}", self.pos)),
                    }
                }
                Ok(Lit::Dict(entries))
            }
            Some(open @ (b'(' | b'[')) => {
                self.pos += 1;
                let close = if open == b'(' { b')' } else { b']' };
                let mut items = Vec::new();
                loop {
                    if self.peek() == Some(close) {
                        self.pos += 1;
                        break;
                    }
                    items.push(self.value(depth + 1)?);
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(c) if c == close => {}
                        _ => {
                            return Err(format!(
                                "expected ',' or {:?} at byte {}",
                                char::from(close),
                                self.pos
                            ));
                        }
                    }
                }
                Ok(if open == b'(' { Lit::Tuple(items) } else { Lit::List })
            }
            Some(quote @ (b'\'' | b'"')) => {
                self.pos += 1;
                let mut out = Vec::new();
                loop {
                    match self.s.get(self.pos) {
                        None => return Err("unterminated string".into()),
                        Some(&b'\\') => {
                            if let Some(&c) = self.s.get(self.pos + 1) {
                                out.push(c);
                            }
                            self.pos += 2;
                        }
                        Some(&c) if c == quote => {
                            self.pos += 1;
                            break;
                        }
                        Some(&c) => {
                            out.push(c);
                            self.pos += 1;
                        }
                    }
                }
                Ok(Lit::Str(String::from_utf8_lossy(&out).into_owned()))
            }
            Some(c) if c.is_ascii_digit() => {
                let start = self.pos;
                while self.s.get(self.pos).is_some_and(u8::is_ascii_digit) {
                    self.pos += 1;
                }
                let digits = std::str::from_utf8(&self.s[start..self.pos]).unwrap_or("");
                // Python 2 wrote long integers with a trailing L
                if matches!(self.s.get(self.pos), Some(b'L' | b'l')) {
                    self.pos += 1;
                }
                digits
                    .parse::<u64>()
                    .map(Lit::Int)
                    .map_err(|_| format!("integer {digits} does not fit in 64 bits"))
            }
            Some(_) => {
                let start = self.pos;
                while self.s.get(self.pos).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') {
                    self.pos += 1;
                }
                match &self.s[start..self.pos] {
                    b"True" => Ok(Lit::Bool(true)),
                    b"False" => Ok(Lit::Bool(false)),
                    b"None" => Ok(Lit::None),
                    _ => Err(format!("unexpected character at byte {start}")),
                }
            }
            None => Err("unexpected end of header".into()),
        }
    }
}

/// The `.npy` header text for a little-endian float64 C-order array, padded so that the data
/// start at a multiple of 64 bytes (as numpy does).
fn header_bytes(shape: &[usize]) -> Vec<u8> {
    let dims = match shape {
        [n] => format!("({n},)"),
        _ => format!("({})", shape.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")),
    };
    let mut dict = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {dims}, }}");
    let padded = |prefix: usize| (prefix + dict.len() + 1).div_ceil(64) * 64;
    let (version, prefix) = if padded(10) - 10 <= usize::from(u16::MAX) { (1u8, 10) } else { (2, 12) };
    let total = padded(prefix);
    while prefix + dict.len() + 1 < total {
        dict.push(' ');
    }
    dict.push('\n');
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[version, 0]);
    if version == 1 {
        out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(dict.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(dict.as_bytes());
    out
}

/// Number of bytes [`write_array`] produces.
pub(crate) fn encoded_len(shape: &[usize], values: usize) -> u64 {
    header_bytes(shape).len() as u64 + 8 * values as u64
}

/// Writes `values` as a little-endian float64 C-order `.npy` array of the given shape.
pub(crate) fn write_array<W: Write>(writer: &mut W, shape: &[usize], values: &[f64]) -> std::io::Result<()> {
    writer.write_all(&header_bytes(shape))?;
    let mut buf = Vec::with_capacity(CHUNK);
    for chunk in values.chunks(CHUNK / 8) {
        buf.clear();
        for v in chunk {
            buf.extend_from_slice(&v.to_le_bytes());
        }
        writer.write_all(&buf)?;
    }
    Ok(())
}

/// A `.npy` file of little-endian float64 values written in pieces, for arrays larger than
/// memory: the shape is declared first, the values follow in C order, and the file appears
/// at its path only when [`NpyWriter::finish`] has checked that they are all there.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("big.npy");
/// let mut writer = wsindy_io::NpyWriter::create(&path, &[2, 3]).unwrap();
/// writer.write(&[1.0, 2.0]).unwrap();
/// writer.write(&[3.0, 4.0, 5.0, 6.0]).unwrap();
/// writer.finish().unwrap();
/// assert_eq!(wsindy_io::read_npy(&path).unwrap().values, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
/// ```
pub struct NpyWriter {
    file: std::io::BufWriter<AtomicFile>,
    path: PathBuf,
    remaining: u64,
    buf: Vec<u8>,
}

impl NpyWriter {
    /// Starts `path` (written to a temporary file beside it) for an array of `shape`.
    pub fn create(path: &Path, shape: &[usize]) -> Result<Self, IoError> {
        let write_err = |cause| IoError::Write { path: path.into(), cause };
        let remaining = shape
            .iter()
            .try_fold(1u64, |acc, &n| acc.checked_mul(n as u64))
            .ok_or_else(|| overflow(shape, Source { path, array: "positions" }))?;
        let mut file =
            std::io::BufWriter::with_capacity(1 << 20, AtomicFile::create(path).map_err(write_err)?);
        file.write_all(&header_bytes(shape)).map_err(write_err)?;
        Ok(Self { file, path: path.into(), remaining, buf: Vec::new() })
    }

    /// Appends `values`; more than the shape holds is an error.
    pub fn write(&mut self, values: &[f64]) -> Result<(), IoError> {
        if values.len() as u64 > self.remaining {
            return Err(IoError::Write {
                path: self.path.clone(),
                cause: std::io::Error::other(format!(
                    "{} values given, but the declared shape holds only {} more",
                    values.len(),
                    self.remaining
                )),
            });
        }
        self.buf.clear();
        for v in values {
            self.buf.extend_from_slice(&v.to_le_bytes());
        }
        self.file.write_all(&self.buf).map_err(|cause| IoError::Write { path: self.path.clone(), cause })?;
        self.remaining -= values.len() as u64;
        Ok(())
    }

    /// Checks that every value was written, syncs the file and moves it to its path.
    pub fn finish(self) -> Result<(), IoError> {
        let write_err = |cause| IoError::Write { path: self.path.clone(), cause };
        if self.remaining > 0 {
            return Err(write_err(std::io::Error::other(format!(
                "{} values of the declared shape were never written",
                self.remaining
            ))));
        }
        let file = self.file.into_inner().map_err(|e| write_err(e.into_error()))?;
        file.commit().map_err(write_err)
    }
}

fn open(path: &Path) -> Result<(BufReader<File>, u64), IoError> {
    let read_err = |cause| IoError::Read { path: path.into(), cause };
    let file = File::open(path).map_err(read_err)?;
    let len = file.metadata().map_err(read_err)?.len();
    Ok((BufReader::new(file), len))
}

/// Reads a whole `.npy` file of any shape holding floats or integers, converted to `f64` in
/// C order (Fortran-order files are transposed).
///
/// The header is checked against the file size before the data are allocated.
pub fn read_npy(path: &Path) -> Result<NpyArray, IoError> {
    let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    read_npy_as(path, &name, Accept::Numbers)
}

pub(crate) fn read_npy_as(path: &Path, array: &str, accept: Accept) -> Result<NpyArray, IoError> {
    let (mut reader, len) = open(path)?;
    read_array(&mut reader, len, Bytes::Present, Source { path, array }, accept)
}

/// The number of entries of a vector shape: `(L,)`, `(L, 1)` or `(1, L)` (at most one axis
/// longer than 1).
pub(crate) fn vector_len(shape: &[usize]) -> Option<usize> {
    if shape.is_empty() || shape.iter().filter(|&&n| n != 1).count() > 1 {
        return None;
    }
    Some(shape.iter().product())
}

/// What vector shapes are accepted, in words.
pub(crate) const VECTOR_SHAPES: &str = "a vector: shape (L,), (L, 1) or (1, L)";

/// Reads a 1-D `.npy` file of times (float or integer; shapes `(L,)`, `(L, 1)` and `(1, L)`
/// are accepted), e.g. the file given as `--times T.npy`.
pub fn read_npy_vector(path: &Path) -> Result<Vec<f64>, IoError> {
    let array = read_npy_as(path, "times", Accept::Numbers)?;
    match vector_len(&array.shape) {
        Some(_) => Ok(array.values),
        None => Err(IoError::WrongShape {
            path: path.into(),
            array: "times".into(),
            shape: array.shape,
            expected: VECTOR_SHAPES,
        }),
    }
}

/// Writes `values` (C order) as a little-endian float64 `.npy` file of the given shape,
/// readable by `numpy.load`, atomically (see [`wsindy_core::atomic`]).
pub fn write_npy(path: &Path, shape: &[usize], values: &[f64]) -> Result<(), IoError> {
    let expected = shape.iter().try_fold(1usize, |a, &s| a.checked_mul(s)).unwrap_or(usize::MAX);
    if expected != values.len() {
        return Err(IoError::LengthMismatch {
            path: path.into(),
            shape: shape.to_vec(),
            expected,
            got: values.len(),
        });
    }
    let write_err = |cause| IoError::Write { path: path.into(), cause };
    let mut writer = AtomicFile::create(path).map_err(write_err)?;
    write_array(&mut writer, shape, values).map_err(write_err)?;
    writer.commit().map_err(write_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numpy_headers() {
        let (d, f, s) =
            parse_header_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }          \n")
                .unwrap();
        assert!(matches!(d, Descr::Simple(ref x) if x == "<f8"));
        assert!(!f);
        assert_eq!(s, vec![3, 4]);
        let (_, f, s) =
            parse_header_dict("{\"shape\": (5L,), \"fortran_order\": True, \"descr\": \">f4\"}").unwrap();
        assert!(f);
        assert_eq!(s, vec![5]);
        let (_, _, s) = parse_header_dict("{'descr': '<f8', 'fortran_order': False, 'shape': ()}").unwrap();
        assert!(s.is_empty());
        let (d, _, _) = parse_header_dict(
            "{'descr': [('a', '<f8'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,)}",
        )
        .unwrap();
        assert!(matches!(d, Descr::Other(ref x) if x == "[('a', '<f8'), ('b', '<i4')]"));
        for bad in [
            "",
            "{",
            "{'descr': '<f8'",
            "{'descr': '<f8', 'fortran_order': False}",
            "{'descr': '<f8', 'fortran_order': 0, 'shape': (1,)}",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,)}",
            "[1, 2]",
            &"(".repeat(100),
        ] {
            assert!(parse_header_dict(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn header_is_aligned() {
        for shape in [vec![3], vec![2, 3, 4, 1], vec![123_456, 789, 10_000, 3]] {
            let h = header_bytes(&shape);
            assert_eq!(h.len() % 64, 0);
            assert_eq!(*h.last().unwrap(), b'\n');
        }
    }

    #[test]
    fn fortran_transpose() {
        // C-order [[0, 1, 2], [3, 4, 5]] stored column-major
        let f = [0.0, 3.0, 1.0, 4.0, 2.0, 5.0];
        assert_eq!(fortran_to_c(&f, &[2, 3]), vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        // 3-D: value = 100 i + 10 j + k for shape (2, 3, 4)
        let shape = [2, 3, 4];
        let mut fvals = vec![0.0; 24];
        for i in 0..2 {
            for j in 0..3 {
                for k in 0..4 {
                    fvals[i + 2 * j + 6 * k] = (100 * i + 10 * j + k) as f64;
                }
            }
        }
        let c = fortran_to_c(&fvals, &shape);
        for i in 0..2 {
            for j in 0..3 {
                for k in 0..4 {
                    assert_eq!(c[(i * 3 + j) * 4 + k], (100 * i + 10 * j + k) as f64);
                }
            }
        }
    }
}
