//! A legend box drawn in pixel coordinates.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::render::{LEGEND_SIZE, anchored, draw_err, text_size, text_style};

/// How an entry's sample is drawn.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Symbol {
    Line {
        color: RGBColor,
        dashed: bool,
    },
    LineMarkers {
        color: RGBColor,
    },
    Markers {
        color: RGBColor,
    },
    /// A shaded band with its centre line.
    Band {
        color: RGBColor,
    },
    /// A line with error bars.
    ErrorBars {
        color: RGBColor,
    },
}

/// One legend entry.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) label: String,
    pub(crate) symbol: Symbol,
}

const PAD: i32 = 10;
const SAMPLE: i32 = 40;
const GAP: i32 = 10;

/// Width and height of the legend box in pixels.
pub(crate) fn measure<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Entry],
) -> Result<(i32, i32), String> {
    let style = text_style(LEGEND_SIZE);
    let mut width = 0;
    for e in entries {
        width = width.max(text_size(area, &e.label, &style)?.0);
    }
    let row = row_height(area)?;
    Ok((PAD + SAMPLE + GAP + width + PAD, 2 * PAD + row * entries.len() as i32 - 6))
}

fn row_height<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> Result<i32, String> {
    Ok(text_size(area, "Ag", &text_style(LEGEND_SIZE))?.1 + 10)
}

/// Draws the legend with its top-left corner at `(x, y)` (pixels of `area`).
pub(crate) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    (x, y): (i32, i32),
) -> Result<(), String> {
    if entries.is_empty() {
        return Ok(());
    }
    let (w, h) = measure(area, entries)?;
    let row = row_height(area)?;
    area.draw(&Rectangle::new([(x, y), (x + w, y + h)], WHITE.mix(0.88).filled())).map_err(draw_err)?;
    area.draw(&Rectangle::new([(x, y), (x + w, y + h)], RGBColor(190, 190, 190).stroke_width(1)))
        .map_err(draw_err)?;
    for (i, e) in entries.iter().enumerate() {
        let cy = y + PAD + row * i as i32 + (row - 10) / 2 + 1;
        let (x0, x1) = (x + PAD, x + PAD + SAMPLE);
        let xm = (x0 + x1) / 2;
        let solid = |c: RGBColor| -> ShapeStyle { c.stroke_width(3) };
        match e.symbol {
            Symbol::Line { color, dashed: false } => {
                area.draw(&PathElement::new(vec![(x0, cy), (x1, cy)], solid(color))).map_err(draw_err)?;
            }
            Symbol::Line { color, dashed: true } => {
                for (a, b) in [(x0, x0 + 11), (x0 + 15, x0 + 26), (x0 + 30, x1)] {
                    area.draw(&PathElement::new(vec![(a, cy), (b, cy)], solid(color))).map_err(draw_err)?;
                }
            }
            Symbol::LineMarkers { color } => {
                area.draw(&PathElement::new(vec![(x0, cy), (x1, cy)], solid(color))).map_err(draw_err)?;
                area.draw(&Circle::new((xm, cy), 5, color.filled())).map_err(draw_err)?;
            }
            Symbol::Markers { color } => {
                area.draw(&Circle::new((xm, cy), 5, color.filled())).map_err(draw_err)?;
            }
            Symbol::Band { color } => {
                area.draw(&Rectangle::new([(x0, cy - 9), (x1, cy + 9)], color.mix(0.22).filled()))
                    .map_err(draw_err)?;
                area.draw(&PathElement::new(vec![(x0, cy), (x1, cy)], solid(color))).map_err(draw_err)?;
                area.draw(&Circle::new((xm, cy), 4, color.filled())).map_err(draw_err)?;
            }
            Symbol::ErrorBars { color } => {
                area.draw(&PathElement::new(vec![(x0, cy), (x1, cy)], solid(color))).map_err(draw_err)?;
                let bar = color.stroke_width(2);
                area.draw(&PathElement::new(vec![(xm, cy - 9), (xm, cy + 9)], bar)).map_err(draw_err)?;
                for yy in [cy - 9, cy + 9] {
                    area.draw(&PathElement::new(vec![(xm - 5, yy), (xm + 5, yy)], bar)).map_err(draw_err)?;
                }
                area.draw(&Circle::new((xm, cy), 4, color.filled())).map_err(draw_err)?;
            }
        }
        area.draw(&Text::new(
            e.label.clone(),
            (x1 + GAP, cy),
            anchored(LEGEND_SIZE, HPos::Left, VPos::Center),
        ))
        .map_err(draw_err)?;
    }
    Ok(())
}
