//! Ragged readers: the samples of data/sample, dense arrays with NaN, CSV and csv.gz through
//! column mappings, TrackMate XML, and every kind of bad input with the value it names.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use wsindy_core::{Grid, Normalisation, ObservationError, Observations, Trajectories};
use wsindy_density::{GridRule, Histogram, density_series, density_series_observed};
use wsindy_io::{
    ColumnMap, IoError, MissingPolicy, ObservedOptions, TimeSource, TrackMateError, load_observations,
    read_csv_observed, read_dense_observed, read_trackmate, write_npy, write_npz,
};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample").join(name)
}

fn dense(m: usize, l: usize, n: usize, d: usize) -> Trajectories {
    let positions = (0..m * l * n * d).map(|k| (k as f64 * 0.618_033_988_7).fract() * 2.0 - 1.0).collect();
    Trajectories::new(m, l, n, d, positions, ramp(l, 0.1)).unwrap()
}

#[test]
fn samples_read_with_their_documented_degradations() {
    let map: ColumnMap = "experiment=Experiment,frame=Frame_no,id=Track,x=X_um".parse().unwrap();
    let options =
        ObservedOptions { columns: Some(map), times: TimeSource::Spacing(0.01), ..Default::default() };
    let csv = load_observations(&sample("sample_tracks.csv.gz"), &options).unwrap();
    assert_eq!((csv.experiments(), csv.dim()), (2, 1));
    assert!((csv.time_grid().dt() - 0.01).abs() < 1e-12, "{:?}", csv.time_grid());
    assert_eq!((csv.experiment(0).first_frame(), csv.experiment(0).frames()), (0, 101));
    assert_eq!((csv.experiment(1).first_frame(), csv.experiment(1).frames()), (0, 70));
    assert_eq!(csv.absent_frames(), vec![(0, 50)]);
    // tracks break and are renumbered: about twice as many ids as particles, but never more
    // than the 2000 particles alive at once
    for m in 0..2 {
        let e = csv.experiment(m);
        assert!(e.distinct_ids() > 2600, "{}", e.distinct_ids());
        assert!((1990..=2000).contains(&e.concurrent_tracks()), "{}", e.concurrent_tracks());
    }
    let share = csv.experiment_share(0);
    assert!((0.87..0.91).contains(&share), "{share}");

    let npy = read_dense_observed(&sample("sample_nan.npy"), TimeSource::Spacing(0.01), MissingPolicy::Skip)
        .unwrap();
    assert_eq!((npy.experiments(), npy.dim(), npy.experiment(0).frames()), (1, 1, 101));
    let share = npy.experiment_share(0);
    assert!((0.93..0.97).contains(&share), "{share}");
    // strict mode refuses the NaN as load_trajectories does
    let err = read_dense_observed(&sample("sample_nan.npy"), TimeSource::Spacing(0.01), MissingPolicy::Error)
        .unwrap_err();
    assert!(err.to_string().contains("is NaN, expected a finite number"), "{err}");

    let tm = read_trackmate(&sample("sample_trackmate.xml")).unwrap();
    assert_eq!((tm.spatial_units.as_str(), tm.time_units.as_str(), tm.frame_interval), ("µm", "sec", 0.02));
    let obs = &tm.observations;
    assert_eq!((obs.dim(), obs.experiment(0).frames()), (2, 101));
    assert_eq!(obs.absent_frames(), vec![(0, 25)]);
    assert!(tm.untracked > 0);
    assert_eq!(obs.distinct_ids(), vec![120]);
    // and each gives a density
    for obs in [&csv, &npy, obs] {
        let grid = GridRule::new(vec![16]).grid_observed(obs).unwrap();
        let u = density_series_observed(obs, &grid, &Histogram, Normalisation::PerExperiment).unwrap();
        assert_eq!(u.time_points(), obs.frame_range().1 - obs.frame_range().0);
    }
}

#[test]
fn complete_dense_files_give_density_series_bit_for_bit() {
    let dir = temp_dir();
    let data = dense(2, 6, 30, 2);
    let path = dir.path().join("d.npz");
    write_npz(&path, &data).unwrap();
    let grid = GridRule::new(vec![10]).grid(&data).unwrap();
    let expected = density_series(&data, &grid, &Histogram).unwrap();
    for policy in [MissingPolicy::Skip, MissingPolicy::Error] {
        let obs = read_dense_observed(&path, TimeSource::FromFile, policy).unwrap();
        let u = density_series_observed(&obs, &grid, &Histogram, Normalisation::PerExperiment).unwrap();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(u.series().values()), bits(expected.values()), "{policy:?}");
        if policy == MissingPolicy::Error {
            assert_eq!(obs.to_trajectories().unwrap(), data);
        }
    }
}

#[test]
fn nan_masked_arrays_equal_the_list_of_observed_positions() {
    let dir = temp_dir();
    let data = dense(1, 4, 5, 2);
    let mut values = data.positions().to_vec();
    // particle 1 at time 0, particle 4 at time 2, all of time 3 lost
    for (t, p) in [(0, 1), (2, 4), (3, 0), (3, 1), (3, 2), (3, 3), (3, 4)] {
        values[(t * 5 + p) * 2] = f64::NAN;
        values[(t * 5 + p) * 2 + 1] = f64::NAN;
    }
    let path = dir.path().join("nan.npy");
    write_npy(&path, &[4, 5, 2], &values).unwrap();
    let obs = read_dense_observed(&path, TimeSource::Spacing(0.1), MissingPolicy::Skip).unwrap();
    assert_eq!(obs.absent_frames(), vec![(0, 3)]);
    assert_eq!(obs.experiment(0).count(0), 4);
    // the same observed positions written as a CSV list
    let mut csv = String::from("frame,id,x,y\n");
    for t in 0..4 {
        for p in 0..5 {
            let v = &values[(t * 5 + p) * 2..(t * 5 + p) * 2 + 2];
            if !v[0].is_nan() {
                csv.push_str(&format!("{t},{p},{:?},{:?}\n", v[0], v[1]));
            }
        }
    }
    let list =
        read_csv_observed(&write(dir.path(), "list.csv", csv.as_bytes()), None, TimeSource::Spacing(0.1))
            .unwrap();
    let grid = GridRule::new(vec![8]).grid_observed(&obs).unwrap();
    let a = density_series_observed(&obs, &grid, &Histogram, Normalisation::PerExperiment).unwrap();
    let b = density_series_observed(&list, &grid, &Histogram, Normalisation::PerExperiment).unwrap();
    // the array knows its fourth frame, which is absent; the list ends with its last row
    assert_eq!(a.absent_times(), vec![3]);
    assert_eq!((a.time_points(), b.time_points()), (4, 3));
    assert_eq!(&a.series().values()[..3 * grid.len()], b.series().values());
    assert_eq!(obs.experiment(0).positions(), list.experiment(0).positions());
}

#[test]
fn dense_bad_values_name_the_entry() {
    let dir = temp_dir();
    let mut values = vec![0.5; 3 * 2 * 2];
    values[(2 * 2 + 1) * 2 + 1] = f64::NAN; // time 2, particle 1, coordinate 1 only
    let path = dir.path().join("partial.npy");
    write_npy(&path, &[3, 2, 2], &values).unwrap();
    let err = read_dense_observed(&path, TimeSource::Spacing(1.0), MissingPolicy::Skip).unwrap_err();
    assert!(
        matches!(
            err,
            IoError::PartialNan { experiment: 0, time: 2, particle: 1, coordinate: 1, observed: 0, .. }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("particle 1 in experiment 0 at time index 2"), "{err}");
    values[(2 * 2 + 1) * 2 + 1] = f64::NEG_INFINITY;
    write_npy(&path, &[3, 2, 2], &values).unwrap();
    let err = read_dense_observed(&path, TimeSource::Spacing(1.0), MissingPolicy::Skip).unwrap_err();
    assert!(err.to_string().contains("(coordinate 1) in experiment 0 at time index 2 is -inf"), "{err}");
    // every position NaN: an experiment without observations
    write_npy(&path, &[3, 2, 2], &[f64::NAN; 12]).unwrap();
    let err = read_dense_observed(&path, TimeSource::Spacing(1.0), MissingPolicy::Skip).unwrap_err();
    assert!(err.to_string().contains("experiment 0 has no observations"), "{err}");
}

#[test]
fn csv_gz_with_ragged_experiments_and_a_mapping() {
    let dir = temp_dir();
    let csv = "Run,T (s),Track,X_um,Y_um\n\
               2,0.5,7,1.0,2.0\n\
               2,1.0,7,1.1,2.0\n\
               2,2.0,7,1.3,2.0\n\
               2,2.0,8,0.3,2.0\n\
               1,0.0,3,5.0,1.0\n\
               1,0.5,3,5.1,1.0\n";
    let path = write(dir.path(), "runs.csv.gz", &gzip(csv.as_bytes()));
    let map: ColumnMap = "experiment=Run,t=T (s),id=Track,x=X_um,y=Y_um".parse().unwrap();
    let obs = read_csv_observed(&path, Some(&map), TimeSource::FromFile).unwrap();
    assert_eq!(obs.experiments(), 2);
    assert_eq!((obs.time_grid().t0(), obs.time_grid().dt()), (0.0, 0.5));
    // experiment label 1 sorts first
    assert_eq!((obs.experiment(0).first_frame(), obs.experiment(0).frames()), (0, 2));
    assert_eq!((obs.experiment(1).first_frame(), obs.experiment(1).frames()), (1, 4));
    assert_eq!(obs.absent_frames(), vec![(1, 3)]);
    assert_eq!(obs.experiment(1).frame(4), Some(&[1.3, 2.0, 0.3, 2.0][..]));
    assert_eq!(obs.experiment(1).frame_ids(4), Some(&[Some(7), Some(8)][..]));
    assert_eq!(obs.particle_counts(Normalisation::PerExperiment), vec![1, 2]);
}

#[test]
fn truncated_gzip_is_a_clear_error() {
    let dir = temp_dir();
    let mut csv = String::from("frame,x\n");
    for k in 0..5000 {
        csv.push_str(&format!("{},{}\n", k % 50, (k as f64 * 0.37).sin()));
    }
    let bytes = gzip(csv.as_bytes());
    for cut in [bytes.len() - 4, bytes.len() / 2, 12] {
        let path = write(dir.path(), "cut.csv.gz", &bytes[..cut]);
        let err = read_csv_observed(&path, None, TimeSource::FromFile).unwrap_err();
        assert!(matches!(err, IoError::Gzip { .. }), "cut at {cut}: {err}");
        assert!(err.to_string().contains("gzip stream is truncated"), "{err}");
    }
    let path = write(dir.path(), "whole.csv.gz", &bytes);
    assert_eq!(read_csv_observed(&path, None, TimeSource::FromFile).unwrap().observations(), 5000);
}

#[test]
fn column_mapping_errors_name_the_column() {
    for (spec, needle) in [
        ("t=Time,w=W,x=X", "unknown role \"w\""),
        ("t=Time", "no column for x"),
        ("x=X", "no column for t or frame"),
        ("t=Time,x=X,x=Y", "role x is given twice"),
        ("t=Time,x", "entry \"x\" is not of the form role=column"),
        ("t=Time,x=", "role x has no column name"),
        ("t=T,x=X,z=Z", "a column for z needs one for y"),
    ] {
        let err = spec.parse::<ColumnMap>().unwrap_err();
        assert!(err.to_string().contains(needle), "{spec}: {err}");
    }
    let dir = temp_dir();
    let path = write(dir.path(), "h.csv", b"Time,X_um,Track\n0,1,2\n1,1,2\n");
    let map: ColumnMap = "t=Time,x=X_mm,id=Track".parse().unwrap();
    let err = read_csv_observed(&path, Some(&map), TimeSource::FromFile).unwrap_err();
    assert!(matches!(&err, IoError::UnknownColumn { role: "x", column, .. } if column == "X_mm"), "{err}");
    assert!(
        err.to_string().contains("\"X_mm\" for x") && err.to_string().contains("[Time, X_um, Track]"),
        "{err}"
    );
    // case-insensitive fallback
    let map: ColumnMap = "t=time,x=x_um".parse().unwrap();
    assert_eq!(read_csv_observed(&path, Some(&map), TimeSource::FromFile).unwrap().observations(), 2);
    // default names missing
    let path = write(dir.path(), "n.csv", b"a,b\n0,1\n");
    let err = read_csv_observed(&path, None, TimeSource::FromFile).unwrap_err();
    assert!(err.to_string().contains("missing CSV column(s)") && err.to_string().contains("[a, b]"), "{err}");
}

#[test]
fn csv_bad_values_name_line_and_value() {
    let dir = temp_dir();
    let cases: [(&str, &str); 6] = [
        ("frame,id,x\n0,1,0.5\n1,1,inf\n", "line 3: column x: cannot read \"inf\" as a finite coordinate"),
        ("frame,id,x\n0,1,0.5\n1,1,NaN\n", "cannot read \"NaN\" as a finite coordinate"),
        ("frame,id,x\n0,1,0.5\n0,1,0.7\n", "frame 0: track id 1 occurs more than once"),
        ("frame,id,x\n0,1,0.5\n1.5,1,0.7\n", "cannot read \"1.5\" as a frame number"),
        ("t,x\n0,0\n1,1\n2.5,0\n", "time 2.5 is not on the common time grid"),
        ("experiment,t,x\n0,0,0\n0,1,1\n1,0.5,0\n", "experiment 1: time 0.5 is not on the common time grid"),
    ];
    for (csv, needle) in cases {
        let path = write(dir.path(), "bad.csv", csv.as_bytes());
        let times =
            if csv.starts_with("experiment") { TimeSource::Spacing(1.0) } else { TimeSource::FromFile };
        let err = read_csv_observed(&path, None, times).unwrap_err();
        assert!(err.to_string().contains(needle), "{csv}: {err}");
    }
    // frame and time that disagree
    let path = write(dir.path(), "ft.csv", b"frame,t,x\n0,0,0\n2,1,0\n1,0.7,0\n");
    let err = read_csv_observed(&path, None, TimeSource::FromFile).unwrap_err();
    assert!(
        matches!(&err, IoError::Observations { cause: ObservationError::OffGrid { time, .. }, .. } if *time == 0.7),
        "{err}"
    );
}

const TM_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<TrackMate version=\"7.0\">\n";

fn trackmate(model_attrs: &str, spots: &str, tracks: &str, image: &str) -> String {
    format!(
        "{TM_HEAD}<Model {model_attrs}><AllSpots nspots=\"3\">{spots}</AllSpots><AllTracks>{tracks}</AllTracks></Model>\
         <Settings><ImageData {image} /></Settings></TrackMate>\n"
    )
}

const SPOTS: &str = "<SpotsInFrame frame=\"0\"><Spot ID=\"1\" FRAME=\"0\" POSITION_X=\"1.0\" POSITION_Y=\"2.0\" POSITION_Z=\"0\" POSITION_T=\"0.0\" />\
    <Spot ID=\"2\" FRAME=\"0\" POSITION_X=\"3.0\" POSITION_Y=\"4.0\" POSITION_Z=\"0\" POSITION_T=\"0.0\" /></SpotsInFrame>\
    <SpotsInFrame frame=\"2\"><Spot ID=\"3\" FRAME=\"2\" POSITION_X=\"1.5\" POSITION_Y=\"2.5\" POSITION_Z=\"0\" POSITION_T=\"1.0\" /></SpotsInFrame>";
const TRACKS: &str =
    "<Track name=\"a\" TRACK_ID=\"5\"><Edge SPOT_SOURCE_ID=\"1\" SPOT_TARGET_ID=\"3\" /></Track>";
const UNITS: &str = "spatialunits=\"µm\" timeunits=\"sec\"";

#[test]
fn trackmate_reads_spots_tracks_and_the_frame_interval() {
    let dir = temp_dir();
    let path =
        write(dir.path(), "tm.xml", trackmate(UNITS, SPOTS, TRACKS, "frameinterval=\"0.5\"").as_bytes());
    let data = read_trackmate(&path).unwrap();
    let obs = &data.observations;
    assert_eq!((obs.dim(), obs.time_grid().dt(), data.untracked), (2, 0.5, 1));
    assert_eq!(obs.absent_frames(), vec![(0, 1)]);
    assert_eq!(obs.experiment(0).frame(0), Some(&[1.0, 2.0, 3.0, 4.0][..]));
    // spot 2 has no track: listed after the tracked spot
    assert_eq!(obs.experiment(0).frame_ids(0), Some(&[Some(5), None][..]));
    assert_eq!(obs.experiment(0).frame_ids(2), Some(&[Some(5)][..]));
    // older files call it timeinterval; an empty SpotsInFrame is a present, empty frame
    let spots = format!("{SPOTS}<SpotsInFrame frame=\"3\" />");
    let path =
        write(dir.path(), "old.xml", trackmate(UNITS, &spots, TRACKS, "timeinterval=\"0.5\"").as_bytes());
    let obs = read_trackmate(&path).unwrap().observations;
    assert!(obs.experiment(0).is_present(3) && obs.experiment(0).count(3) == 0);
    let via_load = load_observations(&path, &ObservedOptions::default()).unwrap();
    assert_eq!(via_load, obs);
}

#[test]
fn trackmate_errors_name_the_value() {
    let dir = temp_dir();
    let good = trackmate(UNITS, SPOTS, TRACKS, "frameinterval=\"0.5\"");
    let cases: Vec<(String, &str)> = vec![
        (good[..good.len() / 2].to_string(), "the XML is truncated"),
        (good[..good.len() - 14].to_string(), "the XML is truncated: the file ends inside <Settings>"),
        ("<?xml version=\"1.0\"?>\n<Other><Model/></Other>".into(), "the root element is <Other>"),
        (
            trackmate("spatialunits=\"furlong\" timeunits=\"sec\"", SPOTS, TRACKS, "frameinterval=\"0.5\""),
            "unknown spatialunits \"furlong\"",
        ),
        (
            trackmate("spatialunits=\"µm\" timeunits=\"fortnight\"", SPOTS, TRACKS, "frameinterval=\"0.5\""),
            "unknown timeunits \"fortnight\"",
        ),
        (
            trackmate("spatialunits=\"µm\" timeunits=\"frames\"", SPOTS, TRACKS, "frameinterval=\"0.5\""),
            "timeunits=\"frames\" but the frame interval is 0.5",
        ),
        (
            trackmate(UNITS, SPOTS, TRACKS, "frameinterval=\"0.25\""),
            "spot 3 has POSITION_T=1 sec, but FRAME=2 × frame interval 0.25",
        ),
        (
            trackmate(UNITS, &SPOTS.replace("FRAME=\"2\"", "FRAME=\"1\""), TRACKS, "frameinterval=\"0.5\""),
            "spot 3 has FRAME=1 but is listed in <SpotsInFrame frame=\"2\">",
        ),
        (
            trackmate(UNITS, &SPOTS.replace("ID=\"2\"", "ID=\"1\""), TRACKS, "frameinterval=\"0.5\""),
            "spot ID 1 occurs twice",
        ),
        (
            trackmate(
                UNITS,
                SPOTS,
                &TRACKS.replace("SPOT_TARGET_ID=\"3\"", "SPOT_TARGET_ID=\"9\""),
                "frameinterval=\"0.5\"",
            ),
            "track 5: an edge references spot 9",
        ),
        (trackmate(UNITS, SPOTS, TRACKS, "pixelwidth=\"0.1\""), "no frame interval"),
        (
            trackmate(UNITS, SPOTS, TRACKS, "frameinterval=\"-1\""),
            "frameinterval=\"-1\" is not a finite positive number",
        ),
        (
            trackmate(
                UNITS,
                &SPOTS.replace("POSITION_X=\"3.0\"", "POSITION_X=\"NaN\""),
                TRACKS,
                "frameinterval=\"0.5\"",
            ),
            "<Spot> ID=\"2\" attribute POSITION_X=\"NaN\" is not a finite number",
        ),
        (
            trackmate(UNITS, &SPOTS.replace("ID=\"2\"", "ID=\"x2\""), TRACKS, "frameinterval=\"0.5\""),
            "attribute ID=\"x2\" is not an integer",
        ),
    ];
    for (xml, needle) in cases {
        let path = write(dir.path(), "bad.xml", xml.as_bytes());
        let err = read_trackmate(&path).unwrap_err();
        assert!(matches!(err, IoError::TrackMate { .. }), "{err}");
        assert!(err.to_string().contains(needle), "{needle}: {err}");
    }
    let err = read_trackmate(&dir.path().join("missing.xml")).unwrap_err();
    assert!(err.to_string().contains("missing.xml"), "{err}");
    assert!(matches!(TrackMateError::NoSpots.to_string().as_str(), "the file holds no spots"));
}

#[test]
fn grid_of_density_matches_for_converted_dense_data() {
    let data = dense(1, 3, 40, 1);
    let obs = Observations::from_trajectories(&data).unwrap();
    let grid: Grid = GridRule::new(vec![8]).grid_observed(&obs).unwrap();
    assert_eq!(grid, GridRule::new(vec![8]).grid(&data).unwrap());
}
