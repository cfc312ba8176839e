//! 2D densities: heat maps in the viridis colour map with a colour bar.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::PlotFiles;
use crate::check::Checker;
use crate::color::viridis;
use crate::error::{DataProblem, PlotError};
use crate::render::{Figure, INK, draw_err, figure_base, text_size, text_style, titled, write_figure};
use crate::scale::{Scale, Ticks, padded_range};
use crate::xy::{TickAxis, build_chart, draw_frame, label_areas};

/// One 2D field on a regular grid, for [`heatmap`] and [`snapshots`].
///
/// `values` holds `n1 × n2` cell values in row-major order with the second axis fastest (the
/// layout of a wsindy `Grid`): `values[i * n2 + j]` is the cell `i` along x (the first axis,
/// `n1` cells over `extent[0]..extent[1]`) and `j` along y (the second axis, `n2` cells over
/// `extent[2]..extent[3]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// Panel title, e.g. `"t = 0.50"` (also names the panel in errors).
    pub title: String,
    /// Cell values, `n1 × n2`, second axis fastest.
    pub values: Vec<f64>,
    /// Number of cells along x (first axis).
    pub n1: usize,
    /// Number of cells along y (second axis).
    pub n2: usize,
    /// `[x0, x1, y0, y1]`: the outer edges of the grid.
    pub extent: [f64; 4],
}

/// A checked panel: extent padded if empty, non-finite cells as `NaN`.
struct Field {
    title: String,
    values: Vec<f64>,
    n1: usize,
    n2: usize,
    x: (f64, f64),
    y: (f64, f64),
}

fn check_panel(check: &mut Checker, p: &Panel, name: &str) -> Result<Field, PlotError> {
    if p.n1 == 0 || p.n2 == 0 {
        return Err(check.error(name, DataProblem::Empty));
    }
    let cells = p.n1.saturating_mul(p.n2);
    check.series(name, &p.values, Some((cells, "n1 × n2")), Scale::Linear)?;
    let extent_name = format!("{name}: extent");
    let mut edges = [0.0; 4];
    for (e, &v) in edges.iter_mut().zip(&p.extent) {
        *e = check.scalar(&extent_name, v, Scale::Linear)?;
    }
    let axis = |a: f64, b: f64| -> Result<(f64, f64), PlotError> {
        if b < a {
            Err(check.error(&extent_name, DataProblem::ReversedRange { start: a, end: b }))
        } else if b == a {
            Ok(padded_range(a, b, Scale::Linear, 0.0))
        } else {
            Ok((a, b))
        }
    };
    let x = axis(edges[0], edges[1])?;
    let y = axis(edges[2], edges[3])?;
    Ok(Field {
        title: p.title.clone(),
        values: p.values.iter().map(|v| if v.is_finite() { *v } else { f64::NAN }).collect(),
        n1: p.n1,
        n2: p.n2,
        x,
        y,
    })
}

/// Colour of cells that are not finite.
const MISSING: RGBColor = RGBColor(200, 200, 200);
/// Levels of the colour map (as in matplotlib's default lookup table).
const LEVELS: usize = 256;

struct HeatFigure {
    fields: Vec<Field>,
    /// Colour range.
    v: (f64, f64),
    cols: usize,
}

impl HeatFigure {
    fn new(fields: Vec<Field>) -> Self {
        let (lo, hi) = fields
            .iter()
            .flat_map(|f| f.values.iter().copied())
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
        let v = padded_range(lo, hi, Scale::Linear, 0.0);
        let n = fields.len();
        let cols = match n {
            0..=3 => n.max(1),
            4 => 2,
            _ => 3,
        };
        Self { fields, v, cols }
    }

    fn rows(&self) -> usize {
        self.fields.len().div_ceil(self.cols)
    }

    fn level(&self, v: f64) -> Option<usize> {
        v.is_finite().then(|| {
            let t = (v - self.v.0) / (self.v.1 - self.v.0);
            ((t * (LEVELS - 1) as f64).round().clamp(0.0, (LEVELS - 1) as f64)) as usize
        })
    }

    fn single(&self) -> bool {
        self.fields.len() == 1
    }

    /// Text sizes: (title, axis description, ticks).
    fn sizes(&self) -> (f64, f64, f64) {
        if self.single() { (30.0, 24.0, 20.0) } else { (25.0, 21.0, 18.0) }
    }

    /// Draws one panel; returns the pixel rows its plot area spans.
    fn draw_field<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &DrawingArea<DB, Shift>,
        f: &Field,
    ) -> Result<std::ops::Range<i32>, String> {
        let (title_size, desc_size, tick_size) = self.sizes();
        let body = titled(area, &f.title, title_size)?;
        let x_ticks = Ticks::new(f.x.0, f.x.1, Scale::Linear);
        let y_ticks = Ticks::new(f.y.0, f.y.1, Scale::Linear);
        let areas = label_areas(root, &y_ticks, tick_size, desc_size)?;
        let mut chart = build_chart(&body, (f.x.0..f.x.1, &x_ticks), (f.y.0..f.y.1, &y_ticks), areas)?;
        draw_frame(root, &mut chart, (&x_ticks, &y_ticks), ("x", "y"), (tick_size, desc_size), false)?;
        let dx = (f.x.1 - f.x.0) / f.n1 as f64;
        let dy = (f.y.1 - f.y.0) / f.n2 as f64;
        // One rectangle per run of equal colour along y, so smooth fields stay small in SVG.
        let mut rects = Vec::new();
        for i in 0..f.n1 {
            let column = &f.values[i * f.n2..(i + 1) * f.n2];
            let mut j0 = 0;
            while j0 < f.n2 {
                let level = self.level(column[j0]);
                let mut j1 = j0 + 1;
                while j1 < f.n2 && self.level(column[j1]) == level {
                    j1 += 1;
                }
                let color: RGBColor = match level {
                    Some(l) => viridis(l as f64 / (LEVELS - 1) as f64).into(),
                    None => MISSING,
                };
                rects.push(Rectangle::new(
                    [
                        (f.x.0 + i as f64 * dx, f.y.0 + j0 as f64 * dy),
                        (f.x.0 + (i + 1) as f64 * dx, f.y.0 + j1 as f64 * dy),
                    ],
                    color.filled(),
                ));
                j0 = j1;
            }
        }
        chart.draw_series(rects).map_err(draw_err)?;
        // Cells cover the pixels [map(x0), map(x1)) × [map(y1), map(y0)): frame them just
        // outside.
        let (tl, br) = (chart.backend_coord(&(f.x.0, f.y.1)), chart.backend_coord(&(f.x.1, f.y.0)));
        root.draw(&Rectangle::new([(tl.0 - 1, tl.1 - 1), br], INK.stroke_width(1))).map_err(draw_err)?;
        Ok(tl.1..br.1)
    }

    fn draw_colorbar<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &DrawingArea<DB, Shift>,
        rows: std::ops::Range<i32>,
    ) -> Result<(), String> {
        let (_, _, tick_size) = self.sizes();
        let (_, y_offset) = area.get_base_pixel();
        let height = area.dim_in_pixel().1 as i32;
        let top = (rows.start - y_offset).max(0);
        let bottom = (y_offset + height - rows.end).max(0);
        let ticks = Ticks::new(self.v.0, self.v.1, Scale::Linear);
        let mut widest = 0;
        for l in ticks.labels() {
            widest = widest.max(text_size(root, l, &text_style(tick_size))?.0);
        }
        // A bar BAR_PIXELS wide, its tick labels to the right.
        let labels = widest + 22;
        let width = area.dim_in_pixel().0 as i32;
        let right = (width - BAR_LEFT - BAR_PIXELS - labels).max(0);
        let bar = area.margin(top, bottom, BAR_LEFT, right);
        let mut chart = ChartBuilder::on(&bar)
            .right_y_label_area_size(labels)
            .build_cartesian_2d(
                TickAxis::new(0.0..1.0, &Ticks::none()),
                TickAxis::new(self.v.0..self.v.1, &ticks),
            )
            .map_err(draw_err)?;
        let yf = |v: &f64| ticks.label(*v);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .disable_y_mesh()
            .y_label_formatter(&yf)
            .label_style(text_style(tick_size))
            .axis_style(INK.stroke_width(1))
            .set_all_tick_mark_size(6)
            .draw()
            .map_err(draw_err)?;
        let step = (self.v.1 - self.v.0) / LEVELS as f64;
        chart
            .draw_series((0..LEVELS).map(|l| {
                let color: RGBColor = viridis(l as f64 / (LEVELS - 1) as f64).into();
                Rectangle::new(
                    [(0.0, self.v.0 + l as f64 * step), (1.0, self.v.0 + (l + 1) as f64 * step)],
                    color.filled(),
                )
            }))
            .map_err(draw_err)?;
        let (tl, br) = (chart.backend_coord(&(0.0, self.v.1)), chart.backend_coord(&(1.0, self.v.0)));
        root.draw(&Rectangle::new([(tl.0 - 1, tl.1 - 1), br], INK.stroke_width(1))).map_err(draw_err)
    }
}

/// Width of the colour-bar column: gap, bar, tick labels.
const BAR_WIDTH: u32 = 150;
/// Gap left of the colour bar.
const BAR_LEFT: i32 = 16;
/// Width of the colour bar itself.
const BAR_PIXELS: i32 = 30;

impl Figure for HeatFigure {
    fn size(&self) -> (u32, u32) {
        if self.single() {
            (860 + BAR_WIDTH, 740)
        } else {
            (self.cols as u32 * 470 + BAR_WIDTH, self.rows() as u32 * 440 + 10)
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let body = if self.single() { root.clone() } else { root.margin(10, 0, 0, 0) };
        let (w, _) = body.dim_in_pixel();
        let (panels, bar) = body.split_horizontally(w.saturating_sub(BAR_WIDTH));
        let cells = panels.split_evenly((self.rows(), self.cols));
        // The colour bar spans the plot areas from the first row to the last.
        let (mut top, mut bottom) = (i32::MAX, i32::MIN);
        for (f, cell) in self.fields.iter().zip(&cells) {
            let py = self.draw_field(root, cell, f)?;
            top = top.min(py.start);
            bottom = bottom.max(py.end);
        }
        self.draw_colorbar(root, &bar, top..bottom)
    }
}

/// One 2D field (e.g. a histogram snapshot) in the viridis colour map, with a colour bar.
///
/// See [`Panel`] for the layout of `values`. Errors: `n1` or `n2` zero, `values.len() ≠ n1 n2`,
/// no finite value, an extent that is not finite or reversed. Non-finite cells are drawn grey
/// and reported; an extent of zero width is padded.
pub fn heatmap(
    dir: impl AsRef<Path>,
    stem: &str,
    values: &[f64],
    n1: usize,
    n2: usize,
    extent: [f64; 4],
    title: &str,
) -> Result<PlotFiles, PlotError> {
    let base = figure_base(dir.as_ref(), stem)?;
    let mut check = Checker::new(base.clone());
    let panel = Panel { title: title.to_string(), values: values.to_vec(), n1, n2, extent };
    let name = if title.is_empty() { "values" } else { title };
    let field = check_panel(&mut check, &panel, name)?;
    let figure = HeatFigure::new(vec![field]);
    write_figure(&base, &figure, check.warnings)
}

/// Several 2D fields side by side (up to three per row) on one colour scale with one colour
/// bar, e.g. histogram snapshots at a few times.
///
/// Errors: no panels, or any panel error of [`heatmap`], naming the panel.
pub fn snapshots(dir: impl AsRef<Path>, stem: &str, panels: &[Panel]) -> Result<PlotFiles, PlotError> {
    let base = figure_base(dir.as_ref(), stem)?;
    let mut check = Checker::new(base.clone());
    if panels.is_empty() {
        return Err(check.error("panels", DataProblem::Empty));
    }
    let mut fields = Vec::with_capacity(panels.len());
    for (i, p) in panels.iter().enumerate() {
        let name = if p.title.is_empty() { format!("panel {i}") } else { p.title.clone() };
        fields.push(check_panel(&mut check, p, &name)?);
    }
    let figure = HeatFigure::new(fields);
    write_figure(&base, &figure, check.warnings)
}
