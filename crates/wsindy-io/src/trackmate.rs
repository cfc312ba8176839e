//! TrackMate XML (the `.xml` a Fiji TrackMate session saves) into ragged [`Observations`].
//!
//! The parts read, with a streaming XML reader (nothing but the spots is kept in memory):
//!
//! ```text
//! <TrackMate version="..">
//!   <Model spatialunits="µm" timeunits="sec">
//!     <AllSpots nspots="..">
//!       <SpotsInFrame frame="0">
//!         <Spot ID="3523" FRAME="0" POSITION_X=".." POSITION_Y=".." POSITION_Z="0.0" POSITION_T="0.0" .. />
//!       </SpotsInFrame>
//!     </AllSpots>
//!     <AllTracks>
//!       <Track TRACK_ID="0" ..>
//!         <Edge SPOT_SOURCE_ID="3523" SPOT_TARGET_ID="3532" .. />
//!       </Track>
//!     </AllTracks>
//!   </Model>
//!   <Settings>
//!     <ImageData frameinterval="0.5" pixelwidth=".." .. />   (older versions: timeinterval)
//!   </Settings>
//! </TrackMate>
//! ```
//!
//! Positions are in the model's spatial units, frames are indices on the grid t = frame ·
//! frame interval. A spot belongs to the track of the edges that name it; a spot in no track
//! has no track id. A z coordinate that is the same for every spot (2-D movies) is dropped.
//! A `SpotsInFrame` without spots is a present frame with no observations; a frame with no
//! `SpotsInFrame` is absent. A track that splits has two spots with one track id in a frame,
//! which [`Observations::new`] refuses (a track id twice in one frame).

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use thiserror::Error;
use wsindy_core::memory;
use wsindy_core::{Observations, TimeGrid};

use crate::IoError;
use crate::observed::{Point, group_points};

/// Spatial units accepted in `<Model spatialunits="..">`.
const SPATIAL_UNITS: &[&str] =
    &["pixel", "pixels", "µm", "μm", "um", "micron", "microns", "nm", "mm", "cm", "m", "meter", "metre"];
/// Time units accepted in `<Model timeunits="..">`.
const TIME_UNITS: &[&str] = &[
    "frame", "frames", "s", "sec", "second", "seconds", "ms", "min", "minute", "minutes", "h", "hour",
    "hours",
];
/// Deepest element nesting accepted (TrackMate files nest about 6 deep).
const MAX_DEPTH: usize = 64;

/// What is wrong with a TrackMate XML file; every variant names the element or value.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum TrackMateError {
    /// The XML itself is malformed.
    #[error("malformed XML at byte {position}: {reason}")]
    Xml {
        /// Byte offset of the error.
        position: u64,
        /// What the XML reader reported.
        reason: String,
    },
    /// The file ends inside an element.
    #[error("the XML is truncated: the file ends inside <{open}> (elements still open: {depth})")]
    Truncated {
        /// The innermost open element.
        open: String,
        /// How many elements are open.
        depth: usize,
    },
    /// The root element is not `<TrackMate>`.
    #[error("not a TrackMate file: the root element is <{root}>, expected <TrackMate>")]
    NotTrackMate {
        /// The root element found (empty if none).
        root: String,
    },
    /// Elements are nested deeper than any TrackMate file does.
    #[error("elements are nested more than {MAX_DEPTH} deep, at <{element}>")]
    TooDeep {
        /// The element.
        element: String,
    },
    /// No `<Model>` with units.
    #[error("no <Model spatialunits=.. timeunits=..> element")]
    MissingModel,
    /// A unit that is not known.
    #[error("unknown {what} {value:?}; known: {}", .known.join(", "))]
    UnknownUnits {
        /// `spatialunits` or `timeunits`.
        what: &'static str,
        /// The value found.
        value: String,
        /// The accepted units.
        known: Vec<&'static str>,
    },
    /// Units or times that contradict each other.
    #[error("inconsistent units: {reason}")]
    InconsistentUnits {
        /// What disagrees, with the values.
        reason: String,
    },
    /// An attribute is missing.
    #[error("<{element}> {context}has no attribute {attribute}")]
    MissingAttribute {
        /// The element.
        element: &'static str,
        /// The attribute.
        attribute: &'static str,
        /// Which one (e.g. `ID="12" `), or empty.
        context: String,
    },
    /// An attribute value cannot be used.
    #[error("<{element}> {context}attribute {attribute}={value:?} is not {expected}")]
    BadAttribute {
        /// The element.
        element: &'static str,
        /// The attribute.
        attribute: &'static str,
        /// The value found.
        value: String,
        /// Which element (e.g. `ID="12" `), or empty.
        context: String,
        /// What was expected.
        expected: &'static str,
    },
    /// A spot's FRAME is not the frame of the `SpotsInFrame` holding it.
    #[error("spot {spot} has FRAME={frame} but is listed in <SpotsInFrame frame=\"{listed}\">")]
    FrameMismatch {
        /// The spot id.
        spot: u64,
        /// Its FRAME attribute.
        frame: u64,
        /// The frame of its `SpotsInFrame`.
        listed: u64,
    },
    /// A `<Spot>` outside `<SpotsInFrame>`.
    #[error("spot {spot} is not inside a <SpotsInFrame> element")]
    SpotOutsideFrame {
        /// The spot id.
        spot: u64,
    },
    /// Two spots with one ID.
    #[error("spot ID {spot} occurs twice")]
    DuplicateSpot {
        /// The spot id.
        spot: u64,
    },
    /// An edge names a spot that is not in `<AllSpots>`.
    #[error("track {track}: an edge references spot {spot}, which is not among the spots")]
    EdgeMissingSpot {
        /// The track id.
        track: u64,
        /// The missing spot id.
        spot: u64,
    },
    /// An `<Edge>` outside `<Track>`.
    #[error("an <Edge> (source spot {source_spot}) is not inside a <Track> element")]
    EdgeOutsideTrack {
        /// The edge's source spot.
        source_spot: u64,
    },
    /// No frame interval in `<ImageData>`.
    #[error("no frame interval: <Settings><ImageData> has no frameinterval (or timeinterval) attribute")]
    MissingFrameInterval,
    /// The file holds no spot.
    #[error("the file holds no spots")]
    NoSpots,
}

/// A TrackMate file read: the observations and the units they are in.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackMateData {
    /// The spots, one experiment, frames on the grid t = frame · frame interval.
    pub observations: Observations,
    /// `spatialunits` of the model: the unit of the positions.
    pub spatial_units: String,
    /// `timeunits` of the model: the unit of the times.
    pub time_units: String,
    /// The frame interval, in time units.
    pub frame_interval: f64,
    /// Spots in no track (no track id).
    pub untracked: usize,
}

/// One spot as read.
struct Spot {
    frame: u64,
    position: [f64; 3],
    time: Option<f64>,
}

/// Reads a TrackMate XML file; see the [module docs](self) for what is read.
///
/// Errors ([`IoError::TrackMate`]): malformed or truncated XML, a root other than
/// `<TrackMate>`, unknown units, times that contradict the frame interval (POSITION_T ≠
/// FRAME · interval, or frame units with an interval other than 1), a spot whose FRAME differs
/// from its `SpotsInFrame`, two spots with one ID, an edge naming a missing spot, no frame
/// interval.
pub fn read_trackmate(path: &Path) -> Result<TrackMateData, IoError> {
    let file = File::open(path).map_err(|cause| IoError::Read { path: path.into(), cause })?;
    let tm = |cause| IoError::TrackMate { path: path.into(), cause };
    let mut reader = quick_xml::Reader::from_reader(BufReader::with_capacity(1 << 16, file));
    let mut buf = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut root_seen = false;
    let mut units: Option<(String, String)> = None;
    let mut interval: Option<f64> = None;
    let mut spots: Vec<Spot> = Vec::new();
    let mut spot_ids: Vec<u64> = Vec::new();
    let mut index: HashMap<u64, usize> = HashMap::new();
    let mut frame_of_block: Option<u64> = None;
    let mut empty_frames: Vec<u64> = Vec::new();
    let mut block_count = 0usize;
    let mut track: Option<u64> = None;
    let mut edges: Vec<(u64, u64, u64)> = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| match e {
            // every syntax error but one is input that ends inside a markup construct
            quick_xml::Error::Syntax(cause) if cause != quick_xml::errors::SyntaxError::InvalidBangMarkup => {
                tm(TrackMateError::Truncated {
                    open: stack.last().cloned().unwrap_or_else(|| format!("markup ({cause})")),
                    depth: stack.len(),
                })
            }
            e => tm(TrackMateError::Xml { position: reader.error_position(), reason: e.to_string() }),
        })?;
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            Event::End(_) => {
                let name = stack.pop().unwrap_or_default();
                match name.as_str() {
                    "SpotsInFrame" => {
                        if let Some(f) = frame_of_block.take()
                            && block_count == 0
                        {
                            empty_frames.push(f);
                        }
                    }
                    "Track" => track = None,
                    _ => {}
                }
                (None, false)
            }
            Event::Eof => {
                if let Some(open) = stack.last() {
                    return Err(tm(TrackMateError::Truncated { open: open.clone(), depth: stack.len() }));
                }
                break;
            }
            _ => (None, false),
        };
        let Some(e) = start else {
            buf.clear();
            continue;
        };
        let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
        if !root_seen {
            if name != "TrackMate" {
                return Err(tm(TrackMateError::NotTrackMate { root: name }));
            }
            root_seen = true;
        }
        match name.as_str() {
            "Model" => {
                let spatial = attribute(e, "Model", "spatialunits", "").map_err(tm)?;
                let time = attribute(e, "Model", "timeunits", "").map_err(tm)?;
                units = Some((spatial.unwrap_or_default(), time.unwrap_or_default()));
            }
            "ImageData" => {
                let value = match attribute(e, "ImageData", "frameinterval", "").map_err(tm)? {
                    Some(v) => Some(("frameinterval", v)),
                    None => attribute(e, "ImageData", "timeinterval", "")
                        .map_err(tm)?
                        .map(|v| ("timeinterval", v)),
                };
                if let Some((attr, v)) = value {
                    let dt = parse_f64(&v).filter(|dt| *dt > 0.0).ok_or_else(|| {
                        tm(TrackMateError::BadAttribute {
                            element: "ImageData",
                            attribute: attr,
                            value: v.clone(),
                            context: String::new(),
                            expected: "a finite positive number",
                        })
                    })?;
                    interval = Some(dt);
                }
            }
            "SpotsInFrame" => {
                let frame = required_u64(e, "SpotsInFrame", "frame", "").map_err(tm)?;
                if !empty {
                    frame_of_block = Some(frame);
                    block_count = 0;
                } else {
                    empty_frames.push(frame);
                }
            }
            "Spot" => {
                let id = required_u64(e, "Spot", "ID", "").map_err(tm)?;
                let context = format!("ID=\"{id}\" ");
                let Some(listed) =
                    frame_of_block.filter(|_| stack.last().is_some_and(|p| p == "SpotsInFrame"))
                else {
                    return Err(tm(TrackMateError::SpotOutsideFrame { spot: id }));
                };
                let frame = match attribute(e, "Spot", "FRAME", &context).map_err(tm)? {
                    Some(_) => required_u64(e, "Spot", "FRAME", &context).map_err(tm)?,
                    None => listed,
                };
                if frame != listed {
                    return Err(tm(TrackMateError::FrameMismatch { spot: id, frame, listed }));
                }
                let mut position = [0.0; 3];
                for (p, attr) in position.iter_mut().zip(["POSITION_X", "POSITION_Y", "POSITION_Z"]) {
                    *p = match attribute(e, "Spot", attr, &context).map_err(tm)? {
                        None if attr == "POSITION_Z" => 0.0,
                        None => {
                            return Err(tm(TrackMateError::MissingAttribute {
                                element: "Spot",
                                attribute: attr,
                                context,
                            }));
                        }
                        Some(v) => parse_f64(&v).ok_or_else(|| {
                            tm(TrackMateError::BadAttribute {
                                element: "Spot",
                                attribute: attr,
                                value: v.clone(),
                                context: context.clone(),
                                expected: "a finite number",
                            })
                        })?,
                    };
                }
                let time = match attribute(e, "Spot", "POSITION_T", &context).map_err(tm)? {
                    None => None,
                    Some(v) => Some(parse_f64(&v).ok_or_else(|| {
                        tm(TrackMateError::BadAttribute {
                            element: "Spot",
                            attribute: "POSITION_T",
                            value: v.clone(),
                            context: context.clone(),
                            expected: "a finite number",
                        })
                    })?),
                };
                if index.insert(id, spots.len()).is_some() {
                    return Err(tm(TrackMateError::DuplicateSpot { spot: id }));
                }
                if spots.len() == spots.capacity() && spots.len() >= 1 << 16 {
                    memory::check(
                        memory::bytes_for(spots.len(), 3 * (std::mem::size_of::<Spot>() + 48)),
                        &format!("reading more than {} spots", spots.len()),
                        "read a smaller file, or raise the budget",
                    )
                    .map_err(|cause| IoError::Memory { path: path.into(), cause })?;
                }
                spots.push(Spot { frame, position, time });
                spot_ids.push(id);
                block_count += 1;
            }
            "Track" => {
                let id = required_u64(e, "Track", "TRACK_ID", "").map_err(tm)?;
                if !empty {
                    track = Some(id);
                }
            }
            "Edge" => {
                let source = required_u64(e, "Edge", "SPOT_SOURCE_ID", "").map_err(tm)?;
                let target = required_u64(e, "Edge", "SPOT_TARGET_ID", "").map_err(tm)?;
                let Some(t) = track.filter(|_| stack.last().is_some_and(|p| p == "Track")) else {
                    return Err(tm(TrackMateError::EdgeOutsideTrack { source_spot: source }));
                };
                edges.push((t, source, target));
            }
            _ => {}
        }
        if !empty {
            if stack.len() >= MAX_DEPTH {
                return Err(tm(TrackMateError::TooDeep { element: name }));
            }
            stack.push(name);
        }
        buf.clear();
    }
    if !root_seen {
        return Err(tm(TrackMateError::NotTrackMate { root: String::new() }));
    }
    let (spatial_units, time_units) = units.ok_or(tm(TrackMateError::MissingModel))?;
    for (what, value, known) in
        [("spatialunits", &spatial_units, SPATIAL_UNITS), ("timeunits", &time_units, TIME_UNITS)]
    {
        if !known.contains(&value.as_str()) {
            return Err(tm(TrackMateError::UnknownUnits {
                what,
                value: value.clone(),
                known: known.to_vec(),
            }));
        }
    }
    let dt = interval.ok_or(tm(TrackMateError::MissingFrameInterval))?;
    if time_units.starts_with("frame") && dt != 1.0 {
        return Err(tm(TrackMateError::InconsistentUnits {
            reason: format!("timeunits=\"{time_units}\" but the frame interval is {dt}, not 1"),
        }));
    }
    if spots.is_empty() {
        return Err(tm(TrackMateError::NoSpots));
    }
    for (spot, &id) in spots.iter().zip(&spot_ids) {
        if let Some(t) = spot.time {
            let expected = spot.frame as f64 * dt;
            if (t - expected).abs() > 1e-6 * dt + 1e-9 * expected.abs() {
                return Err(tm(TrackMateError::InconsistentUnits {
                    reason: format!(
                        "spot {id} has POSITION_T={t} {time_units}, but FRAME={} × frame interval {dt} = {expected}",
                        spot.frame
                    ),
                }));
            }
        }
    }
    let mut ids: Vec<Option<u64>> = vec![None; spots.len()];
    for &(t, source, target) in &edges {
        for spot in [source, target] {
            let &i = index.get(&spot).ok_or(tm(TrackMateError::EdgeMissingSpot { track: t, spot }))?;
            ids[i] = Some(t);
        }
    }
    let untracked = ids.iter().filter(|i| i.is_none()).count();
    let first = spots[0].position[2];
    let dim = if spots.iter().all(|s| s.position[2] == first) { 2 } else { 3 };
    let too_large = |frame: u64| frame > 1 << 40;
    if let Some(s) = spots.iter().find(|s| too_large(s.frame)) {
        return Err(tm(TrackMateError::BadAttribute {
            element: "Spot",
            attribute: "FRAME",
            value: s.frame.to_string(),
            context: String::new(),
            expected: "a frame number below 2^40",
        }));
    }
    let points = spots
        .iter()
        .zip(ids)
        .map(|(s, id)| Point { experiment: 0, frame: s.frame as usize, id, position: s.position })
        .collect();
    let empty: Vec<(usize, usize)> =
        empty_frames.iter().filter(|&&f| !too_large(f)).map(|&f| (0, f as usize)).collect();
    let grid = TimeGrid::new(0.0, dt).map_err(|cause| IoError::Observations { path: path.into(), cause })?;
    let observations = group_points(dim, grid, 1, points, &empty)
        .map_err(|cause| IoError::Observations { path: path.into(), cause })?;
    Ok(TrackMateData { observations, spatial_units, time_units, frame_interval: dt, untracked })
}

/// The unescaped value of attribute `name` of `e`, if present.
fn attribute(
    e: &BytesStart<'_>,
    element: &'static str,
    name: &'static str,
    context: &str,
) -> Result<Option<String>, TrackMateError> {
    let bad = |value: String| TrackMateError::BadAttribute {
        element,
        attribute: name,
        value,
        context: context.to_string(),
        expected: "a readable attribute value",
    };
    match e.try_get_attribute(name) {
        Ok(None) => Ok(None),
        Ok(Some(a)) => a
            .unescape_value()
            .map(|v| Some(v.into_owned()))
            .map_err(|_| bad(String::from_utf8_lossy(&a.value).into_owned())),
        Err(err) => Err(TrackMateError::Xml { position: 0, reason: format!("<{element}>: {err}") }),
    }
}

/// A required non-negative integer attribute (integral floats such as `3.0` accepted).
fn required_u64(
    e: &BytesStart<'_>,
    element: &'static str,
    name: &'static str,
    context: &str,
) -> Result<u64, TrackMateError> {
    let Some(value) = attribute(e, element, name, context)? else {
        return Err(TrackMateError::MissingAttribute {
            element,
            attribute: name,
            context: context.to_string(),
        });
    };
    let t = value.trim();
    if let Ok(v) = t.parse::<u64>() {
        return Ok(v);
    }
    match t.parse::<f64>() {
        Ok(v) if v >= 0.0 && v.fract() == 0.0 && v < 9.007_199_254_740_992e15 => Ok(v as u64),
        _ => Err(TrackMateError::BadAttribute {
            element,
            attribute: name,
            value,
            context: context.to_string(),
            expected: "an integer ≥ 0",
        }),
    }
}

fn parse_f64(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}
