//! Writing one figure as PNG and SVG, the embedded font and the shared text styles.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use wsindy_core::atomic::{AtomicFile, write_atomic};

use crate::PlotFiles;
use crate::error::PlotError;

/// DejaVu Sans, subset to Latin, Greek, combining marks, super- and subscripts, arrows and
/// mathematical operators (see `assets/README.md` and `assets/LICENSE-DejaVu.txt`).
static FONT_BYTES: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// The font family every text is drawn in; SVG files name it, so viewers use their own
/// sans-serif font.
pub(crate) const FAMILY: &str = "sans-serif";

/// Text sizes (plotters' units: about 1.24 times the pixel height of an em).
pub(crate) const TITLE_SIZE: f64 = 30.0;
pub(crate) const DESC_SIZE: f64 = 24.0;
pub(crate) const TICK_SIZE: f64 = 20.0;
pub(crate) const LEGEND_SIZE: f64 = 20.0;

/// Dark grey for text and axes.
pub(crate) const INK: RGBColor = RGBColor(34, 34, 34);

/// Registers the embedded font (once per process) under the generic family names.
fn fonts_registered() -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    *REGISTERED.get_or_init(|| {
        ["sans-serif", "serif", "monospace"]
            .iter()
            .all(|name| plotters::style::register_font(name, FontStyle::Normal, FONT_BYTES).is_ok())
    })
}

/// A text style of the given size.
pub(crate) fn text_style(size: f64) -> TextStyle<'static> {
    TextStyle::from((FAMILY, size).into_font()).color(&INK)
}

/// A text style anchored at the given position.
pub(crate) fn anchored(size: f64, h: HPos, v: VPos) -> TextStyle<'static> {
    text_style(size).pos(Pos::new(h, v))
}

/// The message of a drawing error.
pub(crate) fn draw_err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// Width and height of a text in pixels.
pub(crate) fn text_size<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle<'_>,
) -> Result<(i32, i32), String> {
    let (w, h) = area.estimate_text_size(text, style).map_err(draw_err)?;
    Ok((w as i32, h as i32))
}

/// Draws `title` centred in a strip at the top of `root` and returns the area below it.
pub(crate) fn titled<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    size: f64,
) -> Result<DrawingArea<DB, Shift>, String> {
    if title.is_empty() {
        return Ok(root.margin(10, 0, 0, 0));
    }
    let (_, h) = text_size(root, title, &text_style(size))?;
    let strip = h + 26;
    let (top, body) = root.split_vertically(strip);
    let width = top.dim_in_pixel().0 as i32;
    top.draw(&Text::new(
        title.to_string(),
        (width / 2, strip / 2 + 3),
        anchored(size, HPos::Center, VPos::Center),
    ))
    .map_err(draw_err)?;
    Ok(body)
}

/// Something that draws itself on any plotters backend.
pub(crate) trait Figure {
    /// Canvas size in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws the figure on a white canvas.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// `dir/stem`, after checking that `stem` is a plain file name.
pub(crate) fn figure_base(dir: &Path, stem: &str) -> Result<PathBuf, PlotError> {
    let reason = if stem.is_empty() {
        Some("it is empty")
    } else if stem.contains(['/', '\\', '\0']) {
        Some("it must be a file name without separators")
    } else if stem == "." || stem == ".." {
        Some("it must be a file name")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(PlotError::Stem { dir: dir.to_path_buf(), stem: stem.to_string(), reason }),
        None => Ok(dir.join(stem)),
    }
}

fn with_extension(base: &Path, ext: &str) -> PathBuf {
    let mut name = base.as_os_str().to_owned();
    name.push(".");
    name.push(ext);
    PathBuf::from(name)
}

/// Draws `figure` into `<base>.svg` and `<base>.png`, creating the directory if needed.
pub(crate) fn write_figure(
    base: &Path,
    figure: &impl Figure,
    warnings: Vec<String>,
) -> Result<PlotFiles, PlotError> {
    let svg_path = with_extension(base, "svg");
    let png_path = with_extension(base, "png");
    if let Some(dir) = base.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|source| PlotError::Io { path: dir.to_path_buf(), source })?;
    }
    if !fonts_registered() {
        return Err(PlotError::Font { path: png_path });
    }
    let (w, h) = figure.size();

    let mut svg = String::new();
    {
        let draw = |path: &Path, message: String| PlotError::Draw { path: path.to_path_buf(), message };
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| draw(&svg_path, draw_err(e)))?;
        figure.draw(&root).map_err(|m| draw(&svg_path, m))?;
        root.present().map_err(|e| draw(&svg_path, draw_err(e)))?;
    }
    write_atomic(&svg_path, svg.as_bytes())
        .map_err(|source| PlotError::Io { path: svg_path.clone(), source })?;

    let mut pixels = vec![0u8; w as usize * h as usize * 3];
    {
        let draw = |message: String| PlotError::Draw { path: png_path.clone(), message };
        let root = BitMapBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| draw(draw_err(e)))?;
        figure.draw(&root).map_err(draw)?;
        root.present().map_err(|e| draw(draw_err(e)))?;
    }
    write_png(&png_path, &pixels, w, h)?;
    Ok(PlotFiles { png: png_path, svg: svg_path, warnings })
}

fn write_png(path: &Path, rgb: &[u8], w: u32, h: u32) -> Result<(), PlotError> {
    let io = |source| PlotError::Io { path: path.to_path_buf(), source };
    let encoding = |e: png::EncodingError| match e {
        png::EncodingError::IoError(source) => io(source),
        other => {
            PlotError::Draw { path: path.to_path_buf(), message: format!("PNG encoding failed: {other}") }
        }
    };
    let mut file = AtomicFile::create(path).map_err(io)?;
    {
        let mut encoder = png::Encoder::new(&mut file, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(encoding)?;
        writer.write_image_data(rgb).map_err(encoding)?;
        writer.finish().map_err(encoding)?;
    }
    // the figure replaces the old one only once complete
    file.commit().map_err(io)
}
