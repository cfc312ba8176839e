//! Long-form CSV reading: trackpy and TrackMate exports, and bad files.

mod common;

use std::path::PathBuf;

use common::temp_dir;
use wsindy_core::CoreError;
use wsindy_io::{IoError, TimeSource, load_trajectories, read_csv};

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn trackpy_style() {
    let dir = temp_dir();
    // trackpy writes y before x, extra columns, and particle ids that need not be contiguous;
    // rows come in any order
    let text = "\
,y,x,mass,size,ecc,signal,raw_mass,ep,frame,particle
0,10.0,1.0,5,1,0,1,1,0,0,7
1,20.0,2.0,5,1,0,1,1,0,0,3
2,21.0,2.5,5,1,0,1,1,0,1,3
3,11.0,1.5,5,1,0,1,1,0,1,7
4,12.0,2.0,5,1,0,1,1,0,2,7
5,22.0,3.0,5,1,0,1,1,0,2,3
";
    let path = write(&dir, "tracks.csv", text);
    let data = read_csv(&path, TimeSource::FromFile).unwrap();
    assert_eq!((data.experiments(), data.time_points(), data.particles(), data.dim()), (1, 3, 2, 2));
    // frames as times, particles ordered by id (3 before 7), (x, y) per particle
    assert_eq!(data.times(), &[0.0, 1.0, 2.0]);
    assert_eq!(data.snapshot(0, 0), &[2.0, 20.0, 1.0, 10.0]);
    assert_eq!(data.snapshot(0, 1), &[2.5, 21.0, 1.5, 11.0]);
    assert_eq!(data.snapshot(0, 2), &[3.0, 22.0, 2.0, 12.0]);
    // frames scaled by dt
    let data = load_trajectories(&path, TimeSource::Spacing(0.5)).unwrap();
    assert_eq!(data.times(), &[0.0, 0.5, 1.0]);
}

#[test]
fn trackpy_frames_not_starting_at_zero_scale_by_dt() {
    let dir = temp_dir();
    let path = write(&dir, "t.csv", "x,frame\n1,4\n2,5\n3,6\n");
    let data = read_csv(&path, TimeSource::Spacing(0.25)).unwrap();
    assert_eq!(data.times(), &[1.0, 1.25, 1.5]);
    assert_eq!(data.positions(), &[1.0, 2.0, 3.0]);
}

const TRACKMATE_HEADER: &str = "\
LABEL,ID,TRACK_ID,QUALITY,POSITION_X,POSITION_Y,POSITION_Z,POSITION_T,FRAME,RADIUS,VISIBILITY
Label,Spot ID,Track ID,Quality,X,Y,Z,T,Frame,Radius,Visibility
Label,Spot ID,Track ID,Quality,X,Y,Z,T,Frame,R,Visibility
,,,(quality),(micron),(micron),(micron),(sec),,(micron),
";

#[test]
fn trackmate_style_with_descriptive_rows() {
    let dir = temp_dir();
    // spot IDs (ID) are unique per spot; particles are the tracks (TRACK_ID); 2-D data have Z = 0;
    // T is in seconds (0.5 s per frame) and takes precedence over FRAME
    let rows = "\
ID1,100,1,50,5.0,6.0,0.0,0.0,0,1,1
ID2,101,0,50,1.0,2.0,0.0,0.0,0,1,1
ID3,102,0,50,1.1,2.1,0.0,0.5,1,1,1
ID4,103,1,50,5.1,6.1,0.0,0.5,1,1,1
ID5,104,0,50,1.2,2.2,0.0,1.0,2,1,1
ID6,105,1,50,5.2,6.2,0.0,1.0,2,1,1
";
    let path = write(&dir, "spots.csv", &format!("{TRACKMATE_HEADER}{rows}"));
    let data = read_csv(&path, TimeSource::FromFile).unwrap();
    assert_eq!((data.experiments(), data.time_points(), data.particles(), data.dim()), (1, 3, 2, 2));
    assert_eq!(data.times(), &[0.0, 0.5, 1.0]);
    assert_eq!(data.snapshot(0, 0), &[1.0, 2.0, 5.0, 6.0]);
    assert_eq!(data.snapshot(0, 2), &[1.2, 2.2, 5.2, 6.2]);
    // a spacing replaces the time column by 0, dt, 2dt, …
    let data = read_csv(&path, TimeSource::Spacing(2.0)).unwrap();
    assert_eq!(data.times(), &[0.0, 2.0, 4.0]);
    let data = read_csv(&path, TimeSource::Array(vec![10.0, 11.0, 12.0])).unwrap();
    assert_eq!(data.times(), &[10.0, 11.0, 12.0]);
}

#[test]
fn trackmate_3d() {
    let dir = temp_dir();
    let rows = "\
ID1,100,0,50,1.0,2.0,3.0,0.0,0,1,1
ID2,101,0,50,1.1,2.1,3.5,0.5,1,1,1
";
    let path = write(&dir, "spots.csv", &format!("{TRACKMATE_HEADER}{rows}"));
    let data = read_csv(&path, TimeSource::FromFile).unwrap();
    assert_eq!((data.experiments(), data.time_points(), data.particles(), data.dim()), (1, 2, 1, 3));
    assert_eq!(data.positions(), &[1.0, 2.0, 3.0, 1.1, 2.1, 3.5]);
}

#[test]
fn experiments_one_dimension_and_row_order() {
    let dir = temp_dir();
    // no particle column: row order within each snapshot; experiments sorted by label
    let text = "Exp;Time;X\n2;0.1;5\n1;0.1;3\n1;0;1\n2;0;4\n1;0;2\n2;0.1;6\n2;0;4.5\n1;0.1;3.5\n";
    let path = write(&dir, "runs.csv", text);
    let data = read_csv(&path, TimeSource::FromFile).unwrap();
    assert_eq!((data.experiments(), data.time_points(), data.particles(), data.dim()), (2, 2, 2, 1));
    assert_eq!(data.times(), &[0.0, 0.1]);
    assert_eq!(data.positions(), &[1.0, 2.0, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0]);
    // tab-separated, with a byte-order mark
    let path = write(&dir, "runs.tsv", "\u{feff}t\tx\n0\t1\n1\t2\n");
    let data = load_trajectories(&path, TimeSource::FromFile).unwrap();
    assert_eq!(data.positions(), &[1.0, 2.0]);
}

// ---------------------------------------------------------------- bad input

#[test]
fn missing_columns_list_found_and_accepted_names() {
    let dir = temp_dir();
    let path = write(&dir, "a.csv", "frame,pos_x,pos_y\n0,1,2\n");
    let err = read_csv(&path, TimeSource::FromFile).unwrap_err();
    match &err {
        IoError::CsvMissingColumns { missing, found, .. } => {
            assert_eq!(missing.len(), 1);
            assert!(missing[0].starts_with("x ") && missing[0].contains("POSITION_X"), "{missing:?}");
            assert_eq!(found, &["frame", "pos_x", "pos_y"]);
        }
        other => panic!("unexpected error {other}"),
    }
    assert!(err.to_string().contains("columns found: [frame, pos_x, pos_y]"), "{err}");
    let path = write(&dir, "b.csv", "x,y\n0,1\n");
    let err = read_csv(&path, TimeSource::FromFile).unwrap_err();
    assert!(
        matches!(&err, IoError::CsvMissingColumns { missing, .. } if missing[0].starts_with("time")),
        "{err}"
    );
    for name in ["t", "time", "POSITION_T", "frame"] {
        assert!(err.to_string().contains(name), "{err}");
    }
    // z that varies without y
    let path = write(&dir, "c.csv", "t,x,z\n0,1,2\n1,1,3\n");
    let err = read_csv(&path, TimeSource::FromFile).unwrap_err();
    assert!(
        matches!(&err, IoError::CsvMissingColumns { missing, .. } if missing[0].starts_with("y")),
        "{err}"
    );
}

#[test]
fn unparsable_row_after_data_names_the_line() {
    let dir = temp_dir();
    let path = write(&dir, "a.csv", "t,x,y\n0,1,2\n0,1.5,2\n1,abc,2\n1,1,2\n");
    let err = read_csv(&path, TimeSource::FromFile).unwrap_err();
    match &err {
        IoError::CsvValue { line, column, value, .. } => {
            assert_eq!((*line, column.as_str(), value.as_str()), (4, "x", "abc"));
        }
        other => panic!("unexpected error {other}"),
    }
    assert!(err.to_string().contains("line 4"), "{err}");
    // a missing field, and a non-finite time
    let path = write(&dir, "b.csv", "t,x,y\n0,1,2\n1,1\n");
    let err = read_csv(&path, TimeSource::FromFile).unwrap_err();
    assert!(matches!(&err, IoError::CsvValue { line: 3, column, .. } if column == "y"), "{err}");
    let path = write(&dir, "c.csv", "t,x\n0,1\ninf,1\n");
    let err = read_csv(&path, TimeSource::FromFile).unwrap_err();
    assert!(matches!(&err, IoError::CsvValue { line: 3, column, .. } if column == "t"), "{err}");
}

#[test]
fn unequal_counts_name_the_time() {
    let dir = temp_dir();
    let path = write(&dir, "a.csv", "frame,x\n0,1\n0,2\n1,1\n1,2\n2,1\n3,1\n3,2\n");
    let err = read_csv(&path, TimeSource::FromFile).unwrap_err();
    assert!(matches!(err, IoError::UnequalCounts { time: 2.0, got: 1, expected: 2, .. }), "{err}");
    assert!(err.to_string().contains("at time 2 has 1 particles, but experiment 0 at time 0 has 2"), "{err}");
}

#[test]
fn experiments_must_share_times() {
    let dir = temp_dir();
    let path = write(&dir, "a.csv", "m,t,x\n0,0,1\n0,1,1\n0,2,1\n1,0,1\n1,2,1\n");
    let err = read_csv(&path, TimeSource::FromFile).unwrap_err();
    assert!(
        matches!(err, IoError::MissingSnapshot { experiment: 1.0, time: 1.0, other_experiment: 0.0, .. }),
        "{err}"
    );
    let path = write(&dir, "b.csv", "m,t,x\n0,0,1\n0,1,1\n1,0,1\n1,1,1\n1,2,1\n");
    let err = read_csv(&path, TimeSource::FromFile).unwrap_err();
    assert!(
        matches!(err, IoError::MissingSnapshot { experiment: 0.0, time: 2.0, other_experiment: 1.0, .. }),
        "{err}"
    );
}

#[test]
fn duplicate_particle_ids_are_rejected() {
    let dir = temp_dir();
    let path = write(&dir, "a.csv", "frame,x,particle\n0,1,0\n0,2,1\n1,1,0\n1,2,0\n");
    let err = read_csv(&path, TimeSource::FromFile).unwrap_err();
    assert!(matches!(err, IoError::DuplicateParticle { time: 1.0, particle: 0.0, .. }), "{err}");
}

#[test]
fn non_finite_positions_and_bad_times() {
    let dir = temp_dir();
    let path = write(&dir, "a.csv", "frame,x,particle\n0,1,0\n0,2,1\n1,1,0\n1,NaN,1\n");
    let err = read_csv(&path, TimeSource::FromFile).unwrap_err();
    assert!(
        matches!(
            err,
            IoError::Trajectories {
                cause: CoreError::NonFinitePosition { experiment: 0, time: 1, particle: 1, .. },
                ..
            }
        ),
        "{err}"
    );
    // frames with a gap are not equally spaced
    let path = write(&dir, "b.csv", "frame,x\n0,1\n1,1\n3,1\n");
    let err = read_csv(&path, TimeSource::FromFile).unwrap_err();
    assert!(matches!(err, IoError::Trajectories { cause: CoreError::BadTimes { .. }, .. }), "{err}");
    // one time point is not enough
    let path = write(&dir, "c.csv", "frame,x\n0,1\n0,2\n");
    let err = read_csv(&path, TimeSource::FromFile).unwrap_err();
    assert!(matches!(err, IoError::Trajectories { cause: CoreError::TooSmall { .. }, .. }), "{err}");
    // given times must match the snapshots
    let path = write(&dir, "d.csv", "frame,x\n0,1\n1,1\n2,1\n");
    let err = read_csv(&path, TimeSource::Array(vec![0.0, 1.0])).unwrap_err();
    assert!(matches!(err, IoError::TimesLength { expected: 3, got: 2, .. }), "{err}");
    let err = read_csv(&path, TimeSource::Spacing(-1.0)).unwrap_err();
    assert!(matches!(err, IoError::InvalidSpacing { .. }), "{err}");
}

#[test]
fn files_without_data_rows_are_rejected() {
    let dir = temp_dir();
    let path = write(&dir, "a.csv", "t,x\n");
    let err = read_csv(&path, TimeSource::FromFile).unwrap_err();
    assert!(matches!(err, IoError::CsvFormat { .. }), "{err}");
    assert!(err.to_string().contains("no data rows"), "{err}");
    let path = write(&dir, "b.csv", "t,x\na,b\nc,d\n");
    let err = read_csv(&path, TimeSource::FromFile).unwrap_err();
    assert!(err.to_string().contains("first at line 2"), "{err}");
    let path = write(&dir, "c.csv", "");
    let err = read_csv(&path, TimeSource::FromFile).unwrap_err();
    assert!(matches!(err, IoError::CsvMissingColumns { .. } | IoError::CsvFormat { .. }), "{err}");
    // invalid UTF-8 in a used field
    let path = dir.path().join("d.csv");
    std::fs::write(&path, b"t,x\n0,1\n1,\xff\xfe\n").unwrap();
    let err = read_csv(&path, TimeSource::FromFile).unwrap_err();
    assert!(matches!(err, IoError::CsvValue { line: 3, .. }), "{err}");
}

/// Random byte changes and truncations of a valid CSV give errors or data, never panics.
#[test]
fn mutated_csv_never_panics() {
    let dir = temp_dir();
    let text = format!(
        "{TRACKMATE_HEADER}ID1,100,1,50,5.0,6.0,0.0,0.0,0,1,1\nID2,101,0,50,1.0,2.0,0.0,0.0,0,1,1\n\
         ID3,102,0,50,1.1,2.1,0.0,0.5,1,1,1\nID4,103,1,50,5.1,6.1,0.0,0.5,1,1,1\n"
    );
    let bytes = text.as_bytes();
    assert!(read_csv(&write(&dir, "ok.csv", &text), TimeSource::FromFile).is_ok());
    let alphabet = b"0123456789.,-eE\n\"; \tNaxyz";
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for k in 0..1500 {
        let mut mutated = bytes.to_vec();
        if k % 3 == 0 {
            mutated.truncate((next() % bytes.len() as u64) as usize);
        } else {
            for _ in 0..1 + next() % 3 {
                let at = (next() % mutated.len() as u64) as usize;
                mutated[at] = alphabet[(next() % alphabet.len() as u64) as usize];
            }
        }
        let path = dir.path().join(format!("{k}.csv"));
        std::fs::write(&path, &mutated).unwrap();
        let _ = read_csv(&path, TimeSource::FromFile);
        let _ = read_csv(&path, TimeSource::Spacing(0.5));
        std::fs::remove_file(&path).unwrap();
    }
}
