//! .npy and .npz reading and writing: good files, numpy-made files, and every kind of bad file.

mod common;

use std::io::ErrorKind;

use common::*;
use wsindy_core::{CoreError, Trajectories};
use wsindy_io::{
    IoError, TimeSource, load_trajectories, read_npy, read_npy_positions, read_npy_vector, read_npz,
    write_npy, write_npz,
};
use zip::CompressionMethod;

fn sample(m: usize, l: usize, n: usize, d: usize) -> Trajectories {
    let positions: Vec<f64> =
        (0..m * l * n * d).map(|k| (k as f64 * 0.7312).sin() * 1e3 + 1e-300 * k as f64).collect();
    Trajectories::new(m, l, n, d, positions, ramp(l, 0.01)).unwrap()
}

#[test]
fn npz_round_trip_is_exact() {
    let dir = temp_dir();
    let path = dir.path().join("data.npz");
    let data = sample(2, 5, 7, 3);
    write_npz(&path, &data).unwrap();
    let back = read_npz(&path, TimeSource::FromFile).unwrap();
    assert_eq!(back, data);
    assert_eq!(
        back.positions().iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        data.positions().iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
    // the extension is matched case-insensitively
    let upper = dir.path().join("DATA.NPZ");
    std::fs::copy(&path, &upper).unwrap();
    assert_eq!(load_trajectories(&upper, TimeSource::FromFile).unwrap(), data);
}

#[test]
fn npz_times_can_be_overridden() {
    let dir = temp_dir();
    let path = dir.path().join("data.npz");
    let data = sample(1, 4, 3, 1);
    write_npz(&path, &data).unwrap();
    let spaced = read_npz(&path, TimeSource::Spacing(0.25)).unwrap();
    assert_eq!(spaced.times(), &[0.0, 0.25, 0.5, 0.75]);
    let given = read_npz(&path, TimeSource::Array(vec![1.0, 2.0, 3.0, 4.0])).unwrap();
    assert_eq!(given.times(), &[1.0, 2.0, 3.0, 4.0]);
    assert_eq!(given.positions(), data.positions());
}

#[test]
fn reads_numpy_savez_float32() {
    let data = read_npz(&fixture("numpy_savez.npz"), TimeSource::FromFile).unwrap();
    assert_eq!((data.experiments(), data.time_points(), data.particles(), data.dim()), (2, 3, 4, 1));
    assert_eq!(data.times(), &[0.0, 0.5, 1.0]);
    for (k, &v) in data.positions().iter().enumerate() {
        // numpy computed 0.1 k in float64 and rounded to float32
        assert_eq!(v, f64::from((0.1 * k as f64) as f32), "value {k}");
    }
}

#[test]
fn reads_numpy_savez_compressed_with_integer_times_key() {
    let data = read_npz(&fixture("numpy_savez_compressed.npz"), TimeSource::FromFile).unwrap();
    // (L, N, d) positions give M = 1
    assert_eq!((data.experiments(), data.time_points(), data.particles(), data.dim()), (1, 3, 5, 2));
    assert_eq!(data.times(), &[0.0, 1.0, 2.0]);
    assert_eq!(data.positions(), ramp(30, 1.0 / 8.0).as_slice());
}

#[test]
fn reads_numpy_fortran_order_big_endian() {
    let path = fixture("numpy_fortran_big_endian.npy");
    let array = read_npy(&path).unwrap();
    assert_eq!(array.shape, vec![2, 3, 4, 2]);
    assert_eq!(array.values, ramp(48, 1.0));
    let data = read_npy_positions(&path, TimeSource::Spacing(0.5)).unwrap();
    assert_eq!(data.positions(), ramp(48, 1.0).as_slice());
    assert_eq!(data.times(), &[0.0, 0.5, 1.0]);
    assert_eq!(data.snapshot(1, 2), &ramp(48, 1.0)[40..48]);
}

#[test]
fn npy_float32_positions_with_times_file() {
    let dir = temp_dir();
    let values: Vec<f32> = (0..3 * 4 * 2).map(|k| 0.1 * k as f32 - 1.3).collect();
    let path = dir.path().join("x.npy");
    std::fs::write(&path, npy_bytes("<f4", false, "(1, 3, 4, 2)", &f4(&values))).unwrap();
    let times_path = dir.path().join("t.npy");
    // integer times of shape (L, 1) are accepted
    std::fs::write(
        &times_path,
        npy_bytes("<i8", false, "(3, 1)", &[0i64, 2, 4].map(i64::to_le_bytes).concat()),
    )
    .unwrap();
    let times = read_npy_vector(&times_path).unwrap();
    assert_eq!(times, vec![0.0, 2.0, 4.0]);
    let data = load_trajectories(&path, TimeSource::Array(times)).unwrap();
    assert_eq!((data.experiments(), data.time_points(), data.particles(), data.dim()), (1, 3, 4, 2));
    let expected: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
    assert_eq!(data.positions(), expected.as_slice());
}

#[test]
fn npy_lnd_shape_gives_one_experiment() {
    let dir = temp_dir();
    let path = dir.path().join("x.npy");
    std::fs::write(&path, npy_f8(&[4, 3, 1], &ramp(12, 1.0))).unwrap();
    let data = read_npy_positions(&path, TimeSource::Spacing(0.1)).unwrap();
    assert_eq!((data.experiments(), data.time_points(), data.particles(), data.dim()), (1, 4, 3, 1));
    assert_eq!(data.snapshot(0, 3), &[9.0, 10.0, 11.0]);
}

#[test]
fn hand_made_fortran_order_is_transposed() {
    let dir = temp_dir();
    let path = dir.path().join("x.npy");
    let shape = [2, 3, 2, 2];
    // C-order value 1000 m + 100 l + 10 n + k, stored with the first axis fastest
    let mut fortran = vec![0.0; 24];
    let mut c = vec![0.0; 24];
    for m in 0..2 {
        for l in 0..3 {
            for n in 0..2 {
                for k in 0..2 {
                    let v = (1000 * m + 100 * l + 10 * n + k) as f64;
                    fortran[m + 2 * (l + 3 * (n + 2 * k))] = v;
                    c[((m * 3 + l) * 2 + n) * 2 + k] = v;
                }
            }
        }
    }
    std::fs::write(&path, npy_bytes("<f8", true, &shape_str(&shape), &f8(&fortran))).unwrap();
    let data = read_npy_positions(&path, TimeSource::Spacing(1.0)).unwrap();
    assert_eq!(data.positions(), c.as_slice());
}

#[test]
fn write_npy_round_trip() {
    let dir = temp_dir();
    let path = dir.path().join("u.npy");
    write_npy(&path, &[3, 2], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    let array = read_npy(&path).unwrap();
    assert_eq!(array.shape, vec![3, 2]);
    assert_eq!(array.values, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let err = write_npy(&path, &[3, 3], &[1.0]).unwrap_err();
    assert!(matches!(err, IoError::LengthMismatch { expected: 9, got: 1, .. }), "{err}");
}

// ---------------------------------------------------------------- bad input

#[test]
fn missing_file_names_the_path() {
    let dir = temp_dir();
    for name in ["nothing.npz", "nothing.npy", "nothing.csv"] {
        let path = dir.path().join(name);
        let err = load_trajectories(&path, TimeSource::Spacing(1.0)).unwrap_err();
        match &err {
            IoError::Read { path: p, cause } => {
                assert_eq!(p, &path);
                assert_eq!(cause.kind(), ErrorKind::NotFound);
            }
            other => panic!("unexpected error {other}"),
        }
        assert!(err.to_string().contains(name), "{err}");
    }
    let err = read_npy_vector(&dir.path().join("t.npy")).unwrap_err();
    assert!(matches!(err, IoError::Read { .. }), "{err}");
    // even when the times are missing too
    let err = load_trajectories(&dir.path().join("x.npy"), TimeSource::FromFile).unwrap_err();
    assert!(matches!(err, IoError::Read { .. }), "{err}");
}

#[test]
fn errors_can_cross_threads() {
    fn check<T: Send + Sync + std::error::Error + 'static>() {}
    check::<IoError>();
}

#[test]
fn unknown_extension_is_rejected() {
    let err = load_trajectories(std::path::Path::new("data.mat"), TimeSource::FromFile).unwrap_err();
    assert!(matches!(&err, IoError::UnsupportedFormat { extension, .. } if extension == "mat"), "{err}");
    assert!(err.to_string().contains(".npz, .npy or .csv"), "{err}");
}

#[test]
fn not_a_zip_is_rejected() {
    let dir = temp_dir();
    let path = dir.path().join("fake.npz");
    std::fs::write(&path, npy_f8(&[2, 2, 1], &[0.0; 4])).unwrap();
    let err = read_npz(&path, TimeSource::FromFile).unwrap_err();
    assert!(matches!(err, IoError::InvalidNpz { .. }), "{err}");
    assert!(err.to_string().contains("fake.npz"), "{err}");
    std::fs::write(&path, b"").unwrap();
    let err = read_npz(&path, TimeSource::FromFile).unwrap_err();
    assert!(matches!(err, IoError::InvalidNpz { .. }), "{err}");
}

#[test]
fn truncated_npz_is_rejected() {
    let dir = temp_dir();
    let path = dir.path().join("data.npz");
    write_npz(&path, &sample(1, 3, 50, 1)).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    for keep in [bytes.len() / 2, bytes.len() - 10, 30] {
        std::fs::write(&path, &bytes[..keep]).unwrap();
        let err = read_npz(&path, TimeSource::FromFile).unwrap_err();
        assert!(matches!(err, IoError::InvalidNpz { .. }), "kept {keep} bytes: {err}");
    }
}

#[test]
fn corrupt_npz_entry_fails_its_checksum() {
    let dir = temp_dir();
    let path = dir.path().join("data.npz");
    write_npz(&path, &sample(1, 3, 50, 1)).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let header = bytes.windows(8).position(|w| w == b"{'descr'").unwrap();
    bytes[header + 400] ^= 0x55; // inside the positions data
    std::fs::write(&path, &bytes).unwrap();
    let err = read_npz(&path, TimeSource::FromFile).unwrap_err();
    assert!(matches!(&err, IoError::InvalidNpy { array, .. } if array == "positions"), "{err}");
    assert!(err.to_string().contains("corrupt"), "{err}");
}

#[test]
fn truncated_npy_is_rejected() {
    let dir = temp_dir();
    let path = dir.path().join("x.npy");
    let bytes = npy_f8(&[3, 4, 1], &ramp(12, 1.0));
    // inside the data: the header declares more than the file holds
    std::fs::write(&path, &bytes[..bytes.len() - 5]).unwrap();
    let err = read_npy_positions(&path, TimeSource::Spacing(1.0)).unwrap_err();
    assert!(matches!(err, IoError::DataSize { expected: 96, available: 91, .. }), "{err}");
    assert!(err.to_string().contains("96 bytes") && err.to_string().contains("91 bytes"), "{err}");
    // inside the header, and inside the magic string
    for keep in [40, 5] {
        std::fs::write(&path, &bytes[..keep]).unwrap();
        let err = read_npy_positions(&path, TimeSource::Spacing(1.0)).unwrap_err();
        assert!(matches!(err, IoError::InvalidNpy { .. }), "kept {keep}: {err}");
        assert!(err.to_string().contains(&format!("only {keep} bytes long")), "{err}");
    }
    // extra bytes after the data
    let mut longer = bytes.clone();
    longer.extend_from_slice(&[0; 8]);
    std::fs::write(&path, &longer).unwrap();
    let err = read_npy_positions(&path, TimeSource::Spacing(1.0)).unwrap_err();
    assert!(matches!(err, IoError::DataSize { expected: 96, available: 104, .. }), "{err}");
}

#[test]
fn not_an_npy_is_rejected() {
    let dir = temp_dir();
    let path = dir.path().join("x.npy");
    std::fs::write(&path, "x,y\n1,2\n3,4\n").unwrap();
    let err = read_npy_positions(&path, TimeSource::Spacing(1.0)).unwrap_err();
    assert!(matches!(err, IoError::InvalidNpy { .. }), "{err}");
    assert!(err.to_string().contains("magic string"), "{err}");
    // unknown format version
    let mut bytes = npy_f8(&[2, 1, 1], &[0.0, 1.0]);
    bytes[6] = 9;
    std::fs::write(&path, &bytes).unwrap();
    let err = read_npy_positions(&path, TimeSource::Spacing(1.0)).unwrap_err();
    assert!(err.to_string().contains("version 9.0"), "{err}");
    // garbled header text
    let bytes = npy_bytes("<f8", false, "(2, 1, oops)", &f8(&[0.0, 1.0]));
    std::fs::write(&path, &bytes).unwrap();
    let err = read_npy_positions(&path, TimeSource::Spacing(1.0)).unwrap_err();
    assert!(matches!(err, IoError::InvalidNpy { .. }), "{err}");
    assert!(err.to_string().contains("oops"), "{err}");
}

#[test]
fn oversized_header_claim_is_rejected_before_allocating() {
    let dir = temp_dir();
    // 10^9 × 10^3 × 1 float64 = 8 TB declared, 16 bytes present
    let bytes = npy_bytes("<f8", false, "(1000000000, 1000, 1)", &f8(&[1.0, 2.0]));
    let path = dir.path().join("huge.npy");
    std::fs::write(&path, &bytes).unwrap();
    let err = read_npy_positions(&path, TimeSource::Spacing(1.0)).unwrap_err();
    assert!(matches!(err, IoError::DataSize { expected: 8_000_000_000_000, available: 16, .. }), "{err}");
    // the same inside an archive, stored and compressed
    for compression in [CompressionMethod::Stored, CompressionMethod::Deflated] {
        let npz = dir.path().join("huge.npz");
        write_zip(
            &npz,
            &[("positions", bytes.clone()), ("t", npy_f8(&[1000], &ramp(1000, 1.0)))],
            compression,
        );
        let err = read_npz(&npz, TimeSource::FromFile).unwrap_err();
        assert!(matches!(err, IoError::DataSize { available: 16, .. }), "{err}");
    }
    // a header length field larger than the file
    let mut bytes = npy_f8(&[2, 1, 1], &[0.0, 1.0]);
    bytes[8] = 0xff;
    bytes[9] = 0xff;
    std::fs::write(&path, &bytes).unwrap();
    let err = read_npy_positions(&path, TimeSource::Spacing(1.0)).unwrap_err();
    assert!(err.to_string().contains("header claims 65535 bytes"), "{err}");
}

#[test]
fn overflowing_shape_is_rejected() {
    let dir = temp_dir();
    let path = dir.path().join("x.npy");
    std::fs::write(&path, npy_bytes("<f8", false, "(1099511627776, 1099511627776, 1099511627776)", &[]))
        .unwrap();
    let err = read_npy_positions(&path, TimeSource::Spacing(1.0)).unwrap_err();
    assert!(matches!(err, IoError::ShapeOverflow { .. }), "{err}");
    // elements fit in 64 bits but bytes do not
    std::fs::write(&path, npy_bytes("<f8", false, "(4611686018427387904, 1, 1)", &[])).unwrap();
    let err = read_npy_positions(&path, TimeSource::Spacing(1.0)).unwrap_err();
    assert!(matches!(err, IoError::ShapeOverflow { .. }), "{err}");
    // a dimension beyond 64 bits
    std::fs::write(&path, npy_bytes("<f8", false, "(123456789012345678901234567890, 1, 1)", &[])).unwrap();
    let err = read_npy_positions(&path, TimeSource::Spacing(1.0)).unwrap_err();
    assert!(err.to_string().contains("does not fit in 64 bits"), "{err}");
}

#[test]
fn wrong_rank_is_rejected() {
    let dir = temp_dir();
    let path = dir.path().join("x.npy");
    std::fs::write(&path, npy_f8(&[3, 4], &ramp(12, 1.0))).unwrap();
    let err = read_npy_positions(&path, TimeSource::Spacing(1.0)).unwrap_err();
    assert!(matches!(&err, IoError::WrongShape { shape, .. } if shape == &[3, 4]), "{err}");
    assert!(err.to_string().contains("(M, L, N, d) or (L, N, d)"), "{err}");
    std::fs::write(&path, npy_f8(&[1, 1, 3, 4, 1], &ramp(12, 1.0))).unwrap();
    let err = read_npy_positions(&path, TimeSource::Spacing(1.0)).unwrap_err();
    assert!(matches!(err, IoError::WrongShape { .. }), "{err}");
    // times that are not a vector, in an archive and in a file
    let npz = dir.path().join("x.npz");
    write_zip(
        &npz,
        &[("positions", npy_f8(&[3, 2, 1], &ramp(6, 1.0))), ("t", npy_f8(&[3, 2], &ramp(6, 1.0)))],
        CompressionMethod::Stored,
    );
    let err = read_npz(&npz, TimeSource::FromFile).unwrap_err();
    assert!(
        matches!(&err, IoError::WrongShape { array, shape, .. } if array == "t" && shape == &[3, 2]),
        "{err}"
    );
    std::fs::write(&path, npy_f8(&[3, 2], &ramp(6, 1.0))).unwrap();
    let err = read_npy_vector(&path).unwrap_err();
    assert!(matches!(err, IoError::WrongShape { .. }), "{err}");
    assert!(err.to_string().contains("(L,)"), "{err}");
}

#[test]
fn times_length_must_match() {
    let dir = temp_dir();
    let npz = dir.path().join("x.npz");
    write_zip(
        &npz,
        &[("positions", npy_f8(&[3, 2, 1], &ramp(6, 1.0))), ("t", npy_f8(&[4], &ramp(4, 1.0)))],
        CompressionMethod::Stored,
    );
    let err = read_npz(&npz, TimeSource::FromFile).unwrap_err();
    assert!(matches!(err, IoError::TimesLength { expected: 3, got: 4, .. }), "{err}");
    assert!(err.to_string().contains("4 times given, but the positions have 3 time points"), "{err}");
    let npy = dir.path().join("x.npy");
    std::fs::write(&npy, npy_f8(&[3, 2, 1], &ramp(6, 1.0))).unwrap();
    let err = read_npy_positions(&npy, TimeSource::Array(vec![0.0, 1.0])).unwrap_err();
    assert!(matches!(err, IoError::TimesLength { expected: 3, got: 2, .. }), "{err}");
}

#[test]
fn unsupported_dtypes_are_named() {
    let dir = temp_dir();
    let path = dir.path().join("x.npy");
    for (descr, item) in [("<i8", 8), ("<c16", 16), ("|b1", 1), ("<f2", 2), ("|O", 8)] {
        std::fs::write(&path, npy_bytes(descr, false, "(2, 1, 1)", &vec![0u8; 2 * item])).unwrap();
        let err = read_npy_positions(&path, TimeSource::Spacing(1.0)).unwrap_err();
        assert!(matches!(&err, IoError::UnsupportedDtype { dtype, .. } if dtype == descr), "{err}");
        assert!(err.to_string().contains(descr) && err.to_string().contains("float64"), "{err}");
    }
    // complex times are refused too, integer times are fine (tested elsewhere)
    std::fs::write(&path, npy_bytes("<c8", false, "(2,)", &[0u8; 16])).unwrap();
    let err = read_npy_vector(&path).unwrap_err();
    assert!(matches!(&err, IoError::UnsupportedDtype { dtype, .. } if dtype == "<c8"), "{err}");
    // a structured dtype
    let header = "{'descr': [('x', '<f8'), ('y', '<f8')], 'fortran_order': False, 'shape': (1,), }\n";
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(&[0; 16]);
    std::fs::write(&path, &bytes).unwrap();
    let err = read_npy(&path).unwrap_err();
    assert!(
        matches!(&err, IoError::UnsupportedDtype { dtype, .. } if dtype.contains("('x', '<f8')")),
        "{err}"
    );
}

#[test]
fn non_finite_positions_name_their_place() {
    let dir = temp_dir();
    let (m, l, n) = (2, 3, 4);
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut positions = ramp(m * l * n, 0.1);
        let (experiment, time, particle) = (1, 2, 3);
        positions[(experiment * l + time) * n + particle] = bad;
        let npz = dir.path().join("x.npz");
        write_zip(
            &npz,
            &[("positions", npy_f8(&[m, l, n, 1], &positions)), ("t", npy_f8(&[l], &ramp(l, 1.0)))],
            CompressionMethod::Deflated,
        );
        let err = read_npz(&npz, TimeSource::FromFile).unwrap_err();
        match &err {
            IoError::Trajectories {
                cause: CoreError::NonFinitePosition { experiment: 1, time: 2, particle: 3, coordinate: 0, .. },
                ..
            } => {}
            other => panic!("unexpected error {other}"),
        }
        let text = err.to_string();
        assert!(
            text.contains("x.npz") && text.contains("particle 3") && text.contains("experiment 1"),
            "{text}"
        );
        assert!(text.contains("time index 2"), "{text}");
    }
}

#[test]
fn bad_times_are_rejected() {
    let dir = temp_dir();
    let npz = dir.path().join("x.npz");
    for (times, what) in [
        ([0.0, 1.0, 3.0, 4.0], "mean step"),
        ([0.0, 1.0, 0.5, 3.0], "does not follow"),
        ([3.0, 2.0, 1.0, 0.0], "is not before"),
        ([0.0, f64::NAN, 2.0, 3.0], "NaN"),
    ] {
        write_zip(
            &npz,
            &[("positions", npy_f8(&[4, 2, 1], &ramp(8, 1.0))), ("t", npy_f8(&[4], &times))],
            CompressionMethod::Stored,
        );
        let err = read_npz(&npz, TimeSource::FromFile).unwrap_err();
        assert!(matches!(err, IoError::Trajectories { cause: CoreError::BadTimes { .. }, .. }), "{err}");
        assert!(err.to_string().contains(what), "{err}");
    }
    for dt in [0.0, -0.1, f64::NAN, f64::INFINITY] {
        let npy = dir.path().join("x.npy");
        std::fs::write(&npy, npy_f8(&[3, 2, 1], &ramp(6, 1.0))).unwrap();
        let err = read_npy_positions(&npy, TimeSource::Spacing(dt)).unwrap_err();
        assert!(matches!(err, IoError::InvalidSpacing { .. }), "{err}");
    }
}

#[test]
fn npy_needs_times_from_outside() {
    let dir = temp_dir();
    let npy = dir.path().join("x.npy");
    std::fs::write(&npy, npy_f8(&[3, 2, 1], &ramp(6, 1.0))).unwrap();
    let err = load_trajectories(&npy, TimeSource::FromFile).unwrap_err();
    assert!(matches!(err, IoError::TimesRequired { .. }), "{err}");
    assert!(err.to_string().contains("--dt"), "{err}");
}

#[test]
fn missing_arrays_are_listed() {
    let dir = temp_dir();
    let npz = dir.path().join("x.npz");
    write_zip(
        &npz,
        &[("X", npy_f8(&[3, 2, 1], &ramp(6, 1.0))), ("t", npy_f8(&[3], &ramp(3, 1.0)))],
        CompressionMethod::Stored,
    );
    let err = read_npz(&npz, TimeSource::FromFile).unwrap_err();
    assert!(
        matches!(&err, IoError::MissingArray { wanted, found, .. } if wanted == "positions" && found == &["X", "t"]),
        "{err}"
    );
    assert!(err.to_string().contains("arrays found: [X, t]"), "{err}");
    write_zip(&npz, &[("positions", npy_f8(&[3, 2, 1], &ramp(6, 1.0)))], CompressionMethod::Stored);
    let err = read_npz(&npz, TimeSource::FromFile).unwrap_err();
    assert!(matches!(&err, IoError::MissingArray { wanted, .. } if wanted == "t or times"), "{err}");
    // with times from outside, the archive needs none
    let data = read_npz(&npz, TimeSource::Spacing(0.5)).unwrap();
    assert_eq!(data.times(), &[0.0, 0.5, 1.0]);
}

#[test]
fn too_few_time_points_are_rejected() {
    let dir = temp_dir();
    let npy = dir.path().join("x.npy");
    std::fs::write(&npy, npy_f8(&[1, 2, 1], &ramp(2, 1.0))).unwrap();
    let err = read_npy_positions(&npy, TimeSource::Spacing(1.0)).unwrap_err();
    assert!(
        matches!(err, IoError::Trajectories { cause: CoreError::TooSmall { what: "time points", .. }, .. }),
        "{err}"
    );
}

#[test]
fn write_errors_name_the_path() {
    let dir = temp_dir();
    let path = dir.path().join("no-such-dir").join("x.npz");
    let err = write_npz(&path, &sample(1, 2, 1, 1)).unwrap_err();
    assert!(matches!(&err, IoError::Write { path: p, .. } if p == &path), "{err}");
    assert!(err.to_string().contains("no-such-dir"), "{err}");
}

/// 16 000 particles × 101 times in 1-D: reading must take milliseconds, not seconds.
#[test]
fn large_npy_reads_quickly() {
    let dir = temp_dir();
    let (l, n) = (101, 16_000);
    let values: Vec<f64> = (0..l * n).map(|k| (k as f64).sqrt()).collect();
    let path = dir.path().join("big.npy");
    write_npy(&path, &[1, l, n, 1], &values).unwrap();
    let start = std::time::Instant::now();
    let data = read_npy_positions(&path, TimeSource::Spacing(0.01)).unwrap();
    let npy_time = start.elapsed();
    assert_eq!(data.positions(), values.as_slice());
    let npz = dir.path().join("big.npz");
    let start = std::time::Instant::now();
    write_npz(&npz, &data).unwrap();
    let write_time = start.elapsed();
    let start = std::time::Instant::now();
    let back = read_npz(&npz, TimeSource::FromFile).unwrap();
    let npz_time = start.elapsed();
    assert_eq!(back, data);
    println!(
        "16000 × 101 × 1: read .npy {:.2} ms, write .npz {:.2} ms, read .npz {:.2} ms",
        npy_time.as_secs_f64() * 1e3,
        write_time.as_secs_f64() * 1e3,
        npz_time.as_secs_f64() * 1e3
    );
}

/// Truncations and byte flips of valid files give errors, never panics or huge allocations.
#[test]
fn mutated_files_never_panic() {
    let dir = temp_dir();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let npz = dir.path().join("x.npz");
    write_npz(&npz, &sample(2, 3, 5, 2)).unwrap();
    let npz_bytes = std::fs::read(&npz).unwrap();
    let npy_bytes = npy_bytes("<f4", true, "(2, 3, 5, 2)", &f4(&[0.5; 60]));
    let compressed = dir.path().join("c.npz");
    write_zip(
        &compressed,
        &[("positions", npy_f8(&[3, 5, 1], &ramp(15, 1.0))), ("t", npy_f8(&[3], &ramp(3, 1.0)))],
        CompressionMethod::Deflated,
    );
    let compressed_bytes = std::fs::read(&compressed).unwrap();
    for (name, bytes) in [("m.npz", &npz_bytes), ("m.npy", &npy_bytes), ("n.npz", &compressed_bytes)] {
        // a fresh file each time, removed after use: rewriting one file in place makes ext4
        // flush it to disk every time
        let mut count = 0;
        let mut write = |contents: &[u8]| {
            count += 1;
            let path = dir.path().join(format!("{count}-{name}"));
            std::fs::write(&path, contents).unwrap();
            path
        };
        for keep in 0..bytes.len() {
            let path = write(&bytes[..keep]);
            assert!(load_trajectories(&path, TimeSource::Spacing(1.0)).is_err(), "{name} kept {keep}");
            std::fs::remove_file(&path).unwrap();
        }
        for _ in 0..1000 {
            let mut mutated = bytes.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() % mutated.len() as u64) as usize;
                mutated[at] = next() as u8;
            }
            let path = write(&mutated);
            let _ = load_trajectories(&path, TimeSource::Spacing(1.0));
            let _ = load_trajectories(&path, TimeSource::FromFile);
            std::fs::remove_file(&path).unwrap();
        }
    }
}
