//! The x–y figure every line plot is made of: layers in drawn coordinates (log axes are
//! drawn as log10 on a linear axis with their own ticks), a boxed frame, a legend placed where
//! it covers no data.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;

use crate::legend::{self, Entry};
use crate::render::{DESC_SIZE, Figure, INK, TICK_SIZE, TITLE_SIZE, draw_err, text_size, text_style, titled};
use crate::scale::{Scale, Ticks, padded_range};

/// How a path is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Solid,
    Dashed,
    Markers,
    LineMarkers,
}

/// One thing drawn in the plot area; coordinates are drawn coordinates, `NaN` marks a gap.
#[derive(Debug, Clone)]
pub(crate) enum Layer {
    Path {
        x: Vec<f64>,
        y: Vec<f64>,
        color: RGBColor,
        kind: Kind,
    },
    /// A shaded band between `lo` and `hi`.
    Band {
        x: Vec<f64>,
        lo: Vec<f64>,
        hi: Vec<f64>,
        color: RGBColor,
    },
    ErrorBars {
        x: Vec<f64>,
        lo: Vec<f64>,
        hi: Vec<f64>,
        color: RGBColor,
    },
    /// A dashed vertical line across the plot.
    VLine {
        x: f64,
        color: RGBColor,
    },
    /// A highlighted point.
    Point {
        x: f64,
        y: f64,
        color: RGBColor,
    },
}

/// A line plot.
#[derive(Debug, Clone)]
pub(crate) struct XyFigure {
    pub(crate) title: String,
    pub(crate) x_label: String,
    pub(crate) y_label: String,
    pub(crate) x_scale: Scale,
    pub(crate) y_scale: Scale,
    /// A fixed y interval in drawn coordinates (otherwise the data's, padded).
    pub(crate) y_fixed: Option<(f64, f64)>,
    pub(crate) layers: Vec<Layer>,
    pub(crate) legend: Vec<Entry>,
}

/// A linear axis over `lo..hi` with our own ticks (log axes are linear in log10).
#[derive(Debug, Clone)]
pub(crate) struct TickAxis {
    lo: f64,
    hi: f64,
    major: Vec<f64>,
    minor: Vec<f64>,
}

impl TickAxis {
    pub(crate) fn new(range: Range<f64>, ticks: &Ticks) -> Self {
        Self { lo: range.start, hi: range.end, major: ticks.major.clone(), minor: ticks.minor.clone() }
    }
}

impl Ranged for TickAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        if span == 0.0 || !value.is_finite() {
            return (limit.0 + limit.1) / 2;
        }
        let t = (value - self.lo) / span;
        let p = f64::from(limit.0) + f64::from(limit.1 - limit.0) * t + 1e-3;
        p.floor().clamp(-1e7, 1e7) as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() { self.minor.clone() } else { self.major.clone() }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

pub(crate) type Coord = Cartesian2d<TickAxis, TickAxis>;

/// The rectangle `[x0, x1] × [y0, y1]` in drawn coordinates.
#[derive(Debug, Clone, Copy)]
struct Rect {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl Rect {
    fn contains(&self, (x, y): (f64, f64)) -> bool {
        x >= self.x0 && x <= self.x1 && y >= self.y0 && y <= self.y1
    }
}

/// Liang–Barsky clipping of the segment `a`–`b` to `r`.
fn clip_segment(a: (f64, f64), b: (f64, f64), r: &Rect) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [(-dx, a.0 - r.x0), (dx, r.x1 - a.0), (-dy, a.1 - r.y0), (dy, r.y1 - a.1)] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    (t0 <= t1).then_some(((a.0 + t0 * dx, a.1 + t0 * dy), (a.0 + t1 * dx, a.1 + t1 * dy)))
}

/// The finite stretches of a path, clipped to `r`.
fn clipped_runs(x: &[f64], y: &[f64], r: &Rect) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut open = false;
    let points: Vec<(f64, f64)> = x.iter().copied().zip(y.iter().copied()).collect();
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let finite = a.0.is_finite() && a.1.is_finite() && b.0.is_finite() && b.1.is_finite();
        let clipped = if finite { clip_segment(a, b, r) } else { None };
        match clipped {
            Some((p, q)) => {
                match runs.last_mut() {
                    Some(run) if open && run.last() == Some(&p) => run.push(q),
                    _ => runs.push(vec![p, q]),
                }
                open = q == b;
            }
            None => open = false,
        }
    }
    // A lone finite point (no finite neighbour) still shows as a dot in a line plot.
    runs
}

/// Finite points of a path inside `r`.
fn points_inside(x: &[f64], y: &[f64], r: &Rect) -> Vec<(f64, f64)> {
    x.iter()
        .copied()
        .zip(y.iter().copied())
        .filter(|&(a, b)| a.is_finite() && b.is_finite() && r.contains((a, b)))
        .collect()
}

/// Points that are not part of any segment (both neighbours missing).
fn isolated_points(x: &[f64], y: &[f64], r: &Rect) -> Vec<(f64, f64)> {
    let ok = |i: usize| x[i].is_finite() && y[i].is_finite();
    (0..x.len())
        .filter(|&i| ok(i) && (i == 0 || !ok(i - 1)) && (i + 1 == x.len() || !ok(i + 1)))
        .map(|i| (x[i], y[i]))
        .filter(|&p| r.contains(p))
        .collect()
}

fn min_max(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

impl XyFigure {
    fn x_values(&self) -> impl Iterator<Item = f64> + '_ {
        self.layers.iter().flat_map(|l| -> Box<dyn Iterator<Item = f64> + '_> {
            match l {
                Layer::Path { x, .. } | Layer::Band { x, .. } | Layer::ErrorBars { x, .. } => {
                    Box::new(x.iter().copied())
                }
                Layer::VLine { x, .. } | Layer::Point { x, .. } => Box::new(std::iter::once(*x)),
            }
        })
    }

    fn y_values(&self) -> impl Iterator<Item = f64> + '_ {
        self.layers.iter().flat_map(|l| -> Box<dyn Iterator<Item = f64> + '_> {
            match l {
                Layer::Path { y, .. } => Box::new(y.iter().copied()),
                Layer::Band { lo, hi, .. } | Layer::ErrorBars { lo, hi, .. } => {
                    Box::new(lo.iter().chain(hi.iter()).copied())
                }
                Layer::VLine { .. } => Box::new(std::iter::empty()),
                Layer::Point { y, .. } => Box::new(std::iter::once(*y)),
            }
        })
    }

    /// Pixels covered by data, sampled, for placing the legend.
    fn samples<DB: DrawingBackend>(&self, chart: &ChartContext<'_, DB, Coord>, r: &Rect) -> Vec<(i32, i32)> {
        const N: usize = 12;
        let mut out = Vec::new();
        let px = |p: (f64, f64)| chart.backend_coord(&p);
        let lerp = |a: (f64, f64), b: (f64, f64), t: f64| (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1));
        for layer in &self.layers {
            match layer {
                Layer::Path { x, y, kind, .. } => {
                    if matches!(kind, Kind::Markers) {
                        out.extend(points_inside(x, y, r).into_iter().map(px));
                    } else {
                        for run in clipped_runs(x, y, r) {
                            for w in run.windows(2) {
                                out.extend((0..=N).map(|k| px(lerp(w[0], w[1], k as f64 / N as f64))));
                            }
                        }
                        out.extend(isolated_points(x, y, r).into_iter().map(px));
                    }
                }
                Layer::Band { x, lo, hi, .. } | Layer::ErrorBars { x, lo, hi, .. } => {
                    let band = matches!(layer, Layer::Band { .. });
                    for i in 0..x.len() {
                        if !(x[i].is_finite() && lo[i].is_finite() && hi[i].is_finite()) {
                            continue;
                        }
                        let next = i + 1 < x.len()
                            && band
                            && x[i + 1].is_finite()
                            && lo[i + 1].is_finite()
                            && hi[i + 1].is_finite();
                        let steps = if next { N } else { 0 };
                        for s in 0..=steps {
                            let t = s as f64 / N as f64;
                            let (xx, l, h) = if next {
                                (
                                    x[i] + t * (x[i + 1] - x[i]),
                                    lo[i] + t * (lo[i + 1] - lo[i]),
                                    hi[i] + t * (hi[i + 1] - hi[i]),
                                )
                            } else {
                                (x[i], lo[i], hi[i])
                            };
                            for k in 0..=6 {
                                let yy = l + (h - l) * k as f64 / 6.0;
                                if r.contains((xx, yy)) {
                                    out.push(px((xx, yy)));
                                }
                            }
                        }
                    }
                }
                Layer::Point { x, y, .. } => {
                    if r.contains((*x, *y)) {
                        out.push(px((*x, *y)));
                    }
                }
                Layer::VLine { .. } => {}
            }
        }
        out
    }

    fn draw_layers<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        chart: &mut ChartContext<'_, DB, Coord>,
        r: &Rect,
    ) -> Result<(), String> {
        // Bands first, then reference lines, then data.
        for layer in &self.layers {
            if let Layer::Band { x, lo, hi, color } = layer {
                let clamp = |v: f64| v.clamp(r.y0, r.y1);
                let mut run: Vec<(f64, f64, f64)> = Vec::new();
                let mut flush = |run: &mut Vec<(f64, f64, f64)>| -> Result<(), String> {
                    if run.len() >= 2 {
                        let mut poly: Vec<(f64, f64)> = run.iter().map(|p| (p.0, p.2)).collect();
                        poly.extend(run.iter().rev().map(|p| (p.0, p.1)));
                        chart
                            .draw_series(std::iter::once(Polygon::new(poly, color.mix(0.2).filled())))
                            .map_err(draw_err)?;
                    }
                    run.clear();
                    Ok(())
                };
                for i in 0..x.len() {
                    let ok = x[i].is_finite() && lo[i].is_finite() && hi[i].is_finite();
                    if ok && x[i] >= r.x0 && x[i] <= r.x1 {
                        run.push((x[i], clamp(lo[i]), clamp(hi[i])));
                    } else {
                        flush(&mut run)?;
                    }
                }
                flush(&mut run)?;
            }
        }
        for layer in &self.layers {
            if let Layer::VLine { x, color } = layer
                && *x >= r.x0
                && *x <= r.x1
            {
                chart
                    .draw_series(DashedLineSeries::new(
                        vec![(*x, r.y0), (*x, r.y1)],
                        10,
                        7,
                        color.stroke_width(2),
                    ))
                    .map_err(draw_err)?;
            }
        }
        for layer in &self.layers {
            match layer {
                Layer::ErrorBars { x, lo, hi, color } => {
                    for i in 0..x.len() {
                        if !(x[i].is_finite() && lo[i].is_finite() && hi[i].is_finite())
                            || x[i] < r.x0
                            || x[i] > r.x1
                        {
                            continue;
                        }
                        let a = chart.backend_coord(&(x[i], lo[i].clamp(r.y0, r.y1)));
                        let b = chart.backend_coord(&(x[i], hi[i].clamp(r.y0, r.y1)));
                        let style = color.stroke_width(2);
                        root.draw(&PathElement::new(vec![a, b], style)).map_err(draw_err)?;
                        for p in [a, b] {
                            root.draw(&PathElement::new(vec![(p.0 - 5, p.1), (p.0 + 5, p.1)], style))
                                .map_err(draw_err)?;
                        }
                    }
                }
                Layer::Path { x, y, color, kind } => {
                    let color = *color;
                    if matches!(kind, Kind::Solid | Kind::LineMarkers) {
                        for run in clipped_runs(x, y, r) {
                            chart
                                .draw_series(LineSeries::new(run, color.stroke_width(2)))
                                .map_err(draw_err)?;
                        }
                    }
                    if *kind == Kind::Dashed {
                        for run in clipped_runs(x, y, r) {
                            chart
                                .draw_series(DashedLineSeries::new(run, 12, 7, color.stroke_width(2)))
                                .map_err(draw_err)?;
                        }
                    }
                    let dots = match kind {
                        Kind::Markers | Kind::LineMarkers => points_inside(x, y, r),
                        Kind::Solid | Kind::Dashed => isolated_points(x, y, r),
                    };
                    let radius = if *kind == Kind::Markers { 5 } else { 4 };
                    chart
                        .draw_series(dots.into_iter().map(|p| Circle::new(p, radius, color.filled())))
                        .map_err(draw_err)?;
                }
                _ => {}
            }
        }
        for layer in &self.layers {
            if let Layer::Point { x, y, color } = layer
                && r.contains((*x, *y))
            {
                let p = chart.backend_coord(&(*x, *y));
                root.draw(&Circle::new(p, 8, WHITE.filled())).map_err(draw_err)?;
                root.draw(&Circle::new(p, 7, color.stroke_width(3))).map_err(draw_err)?;
            }
        }
        Ok(())
    }
}

/// Builds the chart on `body` (draws nothing).
pub(crate) fn build_chart<'a, DB: DrawingBackend>(
    body: &'a DrawingArea<DB, Shift>,
    x: (Range<f64>, &Ticks),
    y: (Range<f64>, &Ticks),
    label_areas: (i32, i32),
) -> Result<ChartContext<'a, DB, Coord>, String> {
    ChartBuilder::on(body)
        .margin_top(6)
        .margin_right(34)
        .margin_left(10)
        .margin_bottom(8)
        .x_label_area_size(label_areas.0)
        .y_label_area_size(label_areas.1)
        .build_cartesian_2d(TickAxis::new(x.0, x.1), TickAxis::new(y.0, y.1))
        .map_err(draw_err)
}

/// Label-area sizes for the given ticks: (below the x axis, left of the y axis).
pub(crate) fn label_areas<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    y_ticks: &Ticks,
    tick_size: f64,
    desc_size: f64,
) -> Result<(i32, i32), String> {
    let tick = text_style(tick_size);
    let (_, tick_h) = text_size(area, "0", &tick)?;
    let (_, desc_h) = text_size(area, "Ag", &text_style(desc_size))?;
    let mut widest = 0;
    for l in y_ticks.labels() {
        widest = widest.max(text_size(area, l, &tick)?.0);
    }
    Ok((tick_h + desc_h + 26, widest + desc_h + 30))
}

/// Draws the mesh with the tick labels and axis descriptions, and a box around the plot.
pub(crate) fn draw_frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &mut ChartContext<'_, DB, Coord>,
    (x_ticks, y_ticks): (&Ticks, &Ticks),
    (x_label, y_label): (&str, &str),
    (tick_size, desc_size): (f64, f64),
    grid: bool,
) -> Result<(), String> {
    let xf = |v: &f64| x_ticks.label(*v);
    let yf = |v: &f64| y_ticks.label(*v);
    let mut mesh = chart.configure_mesh();
    if !grid {
        mesh.disable_mesh();
    }
    mesh.x_desc(x_label)
        .y_desc(y_label)
        .x_label_formatter(&xf)
        .y_label_formatter(&yf)
        .label_style(text_style(tick_size))
        .axis_desc_style(text_style(desc_size))
        .bold_line_style(RGBColor(214, 214, 214).stroke_width(1))
        .light_line_style(RGBColor(238, 238, 238).stroke_width(1))
        .axis_style(INK.stroke_width(1))
        .set_all_tick_mark_size(6)
        .draw()
        .map_err(draw_err)?;
    if !grid {
        return Ok(());
    }
    let (px, py) = chart.plotting_area().get_pixel_range();
    root.draw(&Rectangle::new([(px.start, py.start), (px.end, py.end)], INK.stroke_width(1)))
        .map_err(draw_err)
}

impl Figure for XyFigure {
    fn size(&self) -> (u32, u32) {
        (1000, 680)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let body = titled(root, &self.title, TITLE_SIZE)?;
        let (xmin, xmax) = min_max(self.x_values());
        let (x0, x1) = padded_range(xmin, xmax, self.x_scale, 0.03);
        let x_ticks = Ticks::new(x0, x1, self.x_scale);
        let (mut y0, mut y1, y_ticks) = match self.y_fixed {
            Some((lo, hi)) => {
                let (a, b) = padded_range(lo, hi, self.y_scale, 0.0);
                let ticks = Ticks::new(a, b, self.y_scale);
                let pad = 0.025 * (b - a);
                (a - pad, b + pad, ticks)
            }
            None => {
                let (ymin, ymax) = min_max(self.y_values());
                let (a, b) = padded_range(ymin, ymax, self.y_scale, 0.05);
                (a, b, Ticks::new(a, b, self.y_scale))
            }
        };
        let mut y_ticks = y_ticks;
        let mut areas = label_areas(root, &y_ticks, TICK_SIZE, DESC_SIZE)?;
        let mut chart = build_chart(&body, (x0..x1, &x_ticks), (y0..y1, &y_ticks), areas)?;

        // Place the legend in the corner that covers the fewest data; if every corner covers
        // some, make room above the data (unless the y range is fixed).
        let mut legend_at = None;
        if !self.legend.is_empty() {
            let (lw, lh) = legend::measure(root, &self.legend)?;
            let corners = |chart: &ChartContext<'_, DB, Coord>, r: &Rect, upper_only: bool| {
                let (px, py) = chart.plotting_area().get_pixel_range();
                let inset = 12;
                let left = px.start + inset;
                let right = px.end - inset - lw;
                let top = py.start + inset;
                let bottom = py.end - inset - lh;
                let mut candidates = vec![(right, top), (left, top)];
                if !upper_only {
                    candidates.extend([(right, bottom), (left, bottom)]);
                }
                let samples = self.samples(chart, r);
                candidates
                    .into_iter()
                    .map(|(x, y)| {
                        let hits = samples
                            .iter()
                            .filter(|p| {
                                p.0 >= x - 6 && p.0 <= x + lw + 6 && p.1 >= y - 6 && p.1 <= y + lh + 6
                            })
                            .count();
                        (hits, (x, y))
                    })
                    .min_by_key(|c| c.0)
            };
            let r = Rect { x0, x1, y0, y1 };
            let best = corners(&chart, &r, false);
            if let Some((hits, at)) = best {
                legend_at = Some(at);
                let (_, py) = chart.plotting_area().get_pixel_range();
                let frac = f64::from(lh + 30) / f64::from((py.end - py.start).max(1));
                if hits > 0 && self.y_fixed.is_none() && frac < 0.6 {
                    y1 += (y1 - y0) * frac / (1.0 - frac);
                    y_ticks = Ticks::new(y0, y1, self.y_scale);
                    // Ticks in the headroom would only label empty space.
                    let top_data = min_max(self.y_values()).1;
                    let keep: Vec<usize> = (0..y_ticks.major.len())
                        .filter(|&i| {
                            !top_data.is_finite() || y_ticks.major[i] <= top_data.max(y0) + 0.1 * (y1 - y0)
                        })
                        .collect();
                    if keep.len() >= 2 {
                        y_ticks = y_ticks.keep(&keep);
                    }
                    areas = label_areas(root, &y_ticks, TICK_SIZE, DESC_SIZE)?;
                    chart = build_chart(&body, (x0..x1, &x_ticks), (y0..y1, &y_ticks), areas)?;
                    let r = Rect { x0, x1, y0, y1 };
                    legend_at = corners(&chart, &r, true).map(|c| c.1);
                }
            }
        }
        if y0 > y1 {
            std::mem::swap(&mut y0, &mut y1);
        }
        let r = Rect { x0, x1, y0, y1 };
        draw_frame(
            root,
            &mut chart,
            (&x_ticks, &y_ticks),
            (&self.x_label, &self.y_label),
            (TICK_SIZE, DESC_SIZE),
            true,
        )?;
        self.draw_layers(root, &mut chart, &r)?;
        if let Some(at) = legend_at {
            legend::draw(root, &self.legend, at)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_clipped_and_gaps_split_runs() {
        let r = Rect { x0: 0.0, x1: 1.0, y0: 0.0, y1: 1.0 };
        let runs = clipped_runs(&[-1.0, 0.5, 2.0], &[0.5, 0.5, 0.5], &r);
        assert_eq!(runs, vec![vec![(0.0, 0.5), (0.5, 0.5), (1.0, 0.5)]]);
        let runs = clipped_runs(&[0.1, 0.2, f64::NAN, 0.4, 0.5], &[0.1, 0.2, 0.3, 0.4, 0.5], &r);
        assert_eq!(runs.len(), 2);
        assert!(clip_segment((2.0, 2.0), (3.0, 3.0), &r).is_none());
        assert_eq!(isolated_points(&[0.1, f64::NAN, 0.3], &[0.1, 0.2, 0.3], &r).len(), 2);
    }
}
