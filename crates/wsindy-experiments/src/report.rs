//! Statistics over trials, the convergence and analytic images, and `summary.md`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use wsindy_plot::{
    Axes, BandStyle, ConvergencePlot, ConvergenceSeries, LineStyle, Series, convergence, curves, loglog_slope,
};

use crate::analytic::{Sizes, asymptotic_reduction, counts};
use crate::plan::{FigurePlan, Point, short};
use crate::results::Row;
use crate::spec::{AnalyticDef, Metric, PlotDef};

/// The value of `metric` in a row.
pub fn metric_value(row: &Row, metric: Metric) -> Option<f64> {
    match metric {
        Metric::Tpr => row.tpr,
        Metric::DriftTpr => row.drift_tpr,
        Metric::ErrK => row.err_k,
        Metric::ErrV => row.err_v,
        Metric::ErrSigma => row.err_sigma,
    }
}

/// The q-quantile (0 ≤ q ≤ 1) of sorted values by linear interpolation.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (i, frac) = (pos.floor() as usize, pos.fract());
    if i + 1 < sorted.len() { sorted[i] * (1.0 - frac) + sorted[i + 1] * frac } else { sorted[i] }
}

/// The rows of one point.
#[derive(Debug, Clone)]
pub struct PointStats<'a> {
    /// The point.
    pub point: &'a Point,
    /// Its rows that match the point's settings, trials below the plan's count.
    pub rows: Vec<&'a Row>,
}

impl PointStats<'_> {
    /// Rows that finished without error.
    pub fn ok(&self) -> impl Iterator<Item = &&Row> {
        self.rows.iter().filter(|r| r.ok())
    }

    /// Sorted finite values of `metric` over the rows that finished.
    pub fn values(&self, metric: Metric) -> Vec<f64> {
        let mut v: Vec<f64> =
            self.ok().filter_map(|r| metric_value(r, metric)).filter(|v| v.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        v
    }

    /// Mean of `metric`.
    pub fn mean(&self, metric: Metric) -> f64 {
        let v = self.values(metric);
        if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 }
    }

    /// Share of finished rows with TPR = 1 and every metric of `errors` below `limit`.
    pub fn share_correct_below(&self, errors: &[Metric], limit: f64) -> f64 {
        let ok: Vec<&&Row> = self.ok().collect();
        if ok.is_empty() {
            return f64::NAN;
        }
        let good = ok
            .iter()
            .filter(|r| {
                r.tpr == Some(1.0) && errors.iter().all(|&m| metric_value(r, m).is_some_and(|v| v < limit))
            })
            .count();
        good as f64 / ok.len() as f64
    }
}

/// Matches rows to the plan's points (settings equal, trial below the plan's count).
pub fn point_stats<'a>(plan: &'a FigurePlan, rows: &'a [Row]) -> (Vec<PointStats<'a>>, usize) {
    let mut stats: Vec<PointStats<'a>> =
        plan.points.iter().map(|p| PointStats { point: p, rows: Vec::new() }).collect();
    let mut mismatched = 0;
    for r in rows.iter().filter(|r| r.scale == plan.scale && r.figure == plan.def.figure) {
        let Some(s) = stats.get_mut(r.point) else {
            mismatched += 1;
            continue;
        };
        let p = s.point;
        let same = r.n == p.n
            && r.m == p.m
            && r.eps == p.eps
            && r.example == p.example.name()
            && r.omega.unwrap_or(0.0) == p.omega
            && r.sigma == p.sigma.map(|s| s.name()).unwrap_or_default();
        if !same {
            mismatched += 1;
        } else if r.trial < plan.trials {
            s.rows.push(r);
        }
    }
    (stats, mismatched)
}

/// Series labels in order of first appearance.
fn series_labels(plan: &FigurePlan) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    for p in &plan.points {
        if !labels.contains(&p.series) {
            labels.push(p.series.clone());
        }
    }
    labels
}

/// One drawn line: label, x, centre, lower, upper.
type Line = (String, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);

fn lines_of(plan: &FigurePlan, stats: &[PointStats<'_>], plot: &PlotDef) -> Vec<Line> {
    let [lo, hi] = plan.def.band;
    let mut lines = Vec::new();
    for &metric in &plot.metrics {
        for label in series_labels(plan) {
            let mut pts: Vec<&PointStats<'_>> = stats.iter().filter(|s| s.point.series == label).collect();
            pts.sort_by(|a, b| a.point.x.total_cmp(&b.point.x));
            let positive = |v: f64| if v > 0.0 { v } else { f64::NAN };
            let (mut x, mut c, mut l, mut u) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for s in pts {
                let v = s.values(metric);
                x.push(s.point.x);
                if metric.is_ratio() {
                    c.push(s.mean(metric));
                } else {
                    c.push(positive(quantile(&v, 0.5)));
                    l.push(positive(quantile(&v, lo)));
                    u.push(positive(quantile(&v, hi)));
                }
            }
            if c.iter().all(|v| !v.is_finite()) {
                continue;
            }
            let name = match (label.is_empty(), plot.metrics.len()) {
                (true, _) => metric.label().to_string(),
                (false, 1) => label.clone(),
                (false, _) => format!("{}, {label}", metric.label()),
            };
            lines.push((name, x, c, l, u));
        }
    }
    lines
}

/// Draws the images of a convergence figure; returns warnings (plots skipped for lack of data,
/// points not drawn).
pub fn render_convergence(plan: &FigurePlan, rows: &[Row], out: &Path) -> Vec<String> {
    let (stats, _) = point_stats(plan, rows);
    let mut warnings = Vec::new();
    for plot in &plan.def.plots {
        let lines = lines_of(plan, &stats, plot);
        if lines.is_empty() {
            warnings.push(format!("{}: no finished trials with these metrics yet, not drawn", plot.stem));
            continue;
        }
        let ratio = plot.metrics[0].is_ratio();
        let y_label = if ratio {
            "mean true-positive ratio".to_string()
        } else {
            format!("relative error (median, {}–{}% band)", pct(plan.def.band[0]), pct(plan.def.band[1]))
        };
        let mut fig =
            ConvergencePlot::new(format!("{} [{}]", plan.def.title, plan.scale), plan.def.x.label(), y_label);
        fig.series = lines
            .into_iter()
            .map(|(label, x, median, lower, upper)| ConvergenceSeries {
                label,
                x,
                median,
                lower,
                upper,
                band: BandStyle::Shaded,
            })
            .collect();
        if ratio {
            fig.log_y = false;
            fig.fit = false;
            fig.y_range = Some((0.0, 1.05));
        } else {
            fig.reference_slope = plot.reference_slope;
        }
        match convergence(out, &plot.stem, &fig) {
            Ok(files) => warnings.extend(files.warnings.into_iter().map(|w| format!("{}: {w}", plot.stem))),
            Err(e) => warnings.push(format!("{}: {e}", plot.stem)),
        }
    }
    warnings
}

fn pct(q: f64) -> String {
    short(100.0 * q)
}

fn percent(v: f64) -> String {
    if v.is_finite() { format!("{:.2}%", 100.0 * v) } else { "—".to_string() }
}

fn ratio_text(v: f64) -> String {
    if v.is_finite() { format!("{v:.3}") } else { "—".to_string() }
}

/// The markdown section of a convergence figure: a table per point and the fitted slopes.
pub fn convergence_summary(plan: &FigurePlan, rows: &[Row]) -> String {
    let (stats, mismatched) = point_stats(plan, rows);
    let def = &plan.def;
    let mut errors: Vec<Metric> = Vec::new();
    let mut ratios: Vec<Metric> = Vec::new();
    for m in def.plots.iter().flat_map(|p| p.metrics.iter().copied()) {
        let list = if m.is_ratio() { &mut ratios } else { &mut errors };
        if !list.contains(&m) {
            list.push(m);
        }
    }
    let mut s = String::new();
    let _ = writeln!(s, "## Figure {}: {}\n", def.figure, def.title);
    let images: Vec<String> = def.plots.iter().map(|p| format!("`{}.png`", p.stem)).collect();
    let _ = writeln!(s, "Images: {}\n", images.join(", "));
    if let Some(c) = &def.claim {
        let _ = writeln!(s, "Paper: {c}\n");
    }
    if let Some(note) = def.scales.get(&plan.scale).and_then(|sc| sc.note.as_ref()) {
        let _ = writeln!(s, "Scale {}: {note}\n", plan.scale);
    }
    let finished: usize = stats.iter().map(|p| p.rows.len()).sum();
    let failed: usize = stats.iter().map(|p| p.rows.iter().filter(|r| !r.ok()).count()).sum();
    let _ = writeln!(
        s,
        "{} of {} trials finished ({failed} with an error){}.\n",
        finished,
        plan.rows(),
        if mismatched > 0 { format!("; {mismatched} rows of other settings ignored") } else { String::new() }
    );
    let [lo, hi] = def.band;
    let mut head = "| series | N | M | N·M | ε | trials |".to_string();
    let mut rule = "|---|---:|---:|---:|---:|---:|".to_string();
    for m in &ratios {
        let _ = write!(head, " mean {} | {} = 1 |", m.label(), m.label());
        rule.push_str("---:|---:|");
    }
    for m in &errors {
        let _ = write!(head, " {} median [{}%, {}%] |", m.label(), pct(lo), pct(hi));
        rule.push_str("---|");
    }
    if !errors.is_empty() {
        head.push_str(" TPR = 1, errors < 1% | < 3% |");
        rule.push_str("---:|---:|");
    }
    let _ = writeln!(s, "{head}\n{rule}");
    let mut order: Vec<&PointStats<'_>> = stats.iter().collect();
    let labels = series_labels(plan);
    order.sort_by(|a, b| {
        let ia = labels.iter().position(|l| *l == a.point.series);
        let ib = labels.iter().position(|l| *l == b.point.series);
        ia.cmp(&ib).then(a.point.x.total_cmp(&b.point.x))
    });
    for p in order {
        let pt = p.point;
        let ok = p.ok().count();
        let mut line = format!(
            "| {} | {} | {} | {} | {} | {ok}/{} |",
            if pt.series.is_empty() { "—" } else { &pt.series },
            pt.n,
            pt.m,
            pt.n * pt.m,
            short(pt.eps),
            plan.trials
        );
        for &m in &ratios {
            let v = p.values(m);
            let ones = v.iter().filter(|&&x| x == 1.0).count();
            let _ = write!(line, " {} | {ones}/{} |", ratio_text(p.mean(m)), v.len());
        }
        for &m in &errors {
            let v = p.values(m);
            let _ = write!(
                line,
                " {} [{}, {}] |",
                percent(quantile(&v, 0.5)),
                percent(quantile(&v, lo)),
                percent(quantile(&v, hi))
            );
        }
        if !errors.is_empty() {
            let _ = write!(
                line,
                " {} | {} |",
                percent(p.share_correct_below(&errors, 0.01)),
                percent(p.share_correct_below(&errors, 0.03))
            );
        }
        let _ = writeln!(s, "{line}");
    }
    // fitted slopes of the medians
    let mut slopes = Vec::new();
    for plot in def.plots.iter().filter(|p| !p.metrics[0].is_ratio()) {
        for (label, x, c, _, _) in lines_of(plan, &stats, plot) {
            match loglog_slope(&x, &c) {
                Some((slope, se)) if se.is_finite() => slopes.push(format!("{label}: {slope:.2} ± {se:.2}")),
                Some((slope, _)) => slopes.push(format!("{label}: {slope:.2} (two points, no uncertainty)")),
                None => {}
            }
        }
    }
    if !slopes.is_empty() {
        let _ = writeln!(
            s,
            "\nFitted log–log slopes of the median errors against {} (least squares ± standard error): {}.",
            match def.x {
                crate::spec::XAxis::N => "N",
                crate::spec::XAxis::Nm => "N·M",
                crate::spec::XAxis::Eps => "ε",
            },
            slopes.join("; ")
        );
    }
    let sims: Vec<f64> = stats.iter().flat_map(|p| p.rows.iter().map(|r| r.simulate_s)).collect();
    let ids: Vec<f64> = stats.iter().flat_map(|p| p.rows.iter().filter_map(|r| r.identify_s)).collect();
    if !ids.is_empty() {
        let groups = plan.groups.len() * plan.trials;
        let _ = writeln!(
            s,
            "\nTimes: {} simulations (one per group and trial) of up to {:.1} s; identification {:.3} s median ({:.3} s max).",
            groups,
            sims.iter().copied().fold(0.0, f64::max),
            {
                let mut v = ids.clone();
                v.sort_by(f64::total_cmp);
                quantile(&v, 0.5)
            },
            ids.iter().copied().fold(0.0, f64::max)
        );
    }
    let failures: BTreeMap<&str, usize> =
        stats.iter().flat_map(|p| p.rows.iter()).filter(|r| !r.ok()).fold(BTreeMap::new(), |mut acc, r| {
            *acc.entry(r.status.as_str()).or_default() += 1;
            acc
        });
    for (msg, count) in failures {
        let _ = writeln!(s, "\n{count} trial(s) failed: {msg}");
    }
    s
}

/// Draws figure 1 and returns its markdown section.
pub fn render_analytic(def: &AnalyticDef, out: &Path) -> Result<String, String> {
    let x: Vec<f64> = def.half_widths.iter().map(|&m| m as f64).collect();
    let mut series = Vec::new();
    let mut table: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut head = "| m |".to_string();
    for (i, &dim) in def.dims.iter().enumerate() {
        let sizes = |m: usize| Sizes {
            dim,
            cells: def.cells,
            time_points: def.time_points,
            m,
            m_t: m,
            s_x: def.strides[0],
            s_t: def.strides[1],
        };
        let all: Vec<_> = def.half_widths.iter().map(|&m| counts(sizes(m))).collect();
        let sep: Vec<f64> = all.iter().map(|c| c.map_or(f64::NAN, |c| c.direct / c.separable)).collect();
        let fft: Vec<f64> = all.iter().map(|c| c.map_or(f64::NAN, |c| c.direct / c.fft)).collect();
        let asym: Vec<f64> = def.half_widths.iter().map(|&m| asymptotic_reduction(dim, m, m)).collect();
        let color = wsindy_plot::PALETTE[i % wsindy_plot::PALETTE.len()];
        series.push(
            Series::new(format!("d = {dim}, separable sums"), sep.clone(), LineStyle::Solid)
                .with_color(color),
        );
        series.push(
            Series::new(format!("d = {dim}, separable FFT"), fft.clone(), LineStyle::Dashed)
                .with_color(color),
        );
        series.push(
            Series::new(format!("d = {dim}, (2m+1)^d/(d+1)"), asym.clone(), LineStyle::Markers)
                .with_color(color),
        );
        let _ = write!(head, " d = {dim} sums | d = {dim} FFT | (2m+1)^{dim}/{} |", dim + 1);
        for (k, &m) in def.half_widths.iter().enumerate() {
            let f = |v: f64| if v < 100.0 { format!("{v:.2}") } else { format!("{v:.0}") };
            table.entry(m).or_default().push(format!("{} | {} | {}", f(sep[k]), f(fft[k]), f(asym[k])));
        }
    }
    let axes = Axes::new(
        def.title.clone(),
        format!(
            "support half-width m = m_t (grid points; n = {}, L = {}, strides ({}, {}))",
            def.cells, def.time_points, def.strides[0], def.strides[1]
        ),
        "reduction factor (direct / separable)",
    )
    .log_x()
    .log_y();
    curves(out, &def.stem, &x, &series, &axes).map_err(|e| e.to_string())?;
    let mut s = String::new();
    let _ = writeln!(s, "## Figure {}: {}\n", def.figure, def.title);
    let _ = writeln!(s, "Image: `{}.png`\n", def.stem);
    if let Some(c) = &def.claim {
        let _ = writeln!(s, "Paper: {c}\n");
    }
    let _ = writeln!(
        s,
        "Operation counts per library column (see `crates/wsindy-experiments/src/analytic.rs`): direct Q(2m+1)^d(2m_t+1) against separable passes; n = {}, L = {}, strides (s_x, s_t) = {:?}, m_t = m.\n",
        def.cells, def.time_points, def.strides
    );
    let _ = writeln!(s, "{head}");
    let _ = writeln!(s, "|---:|{}", "---:|".repeat(3 * def.dims.len()));
    for (m, cells) in table {
        let _ = writeln!(s, "| {m} | {} |", cells.join(" | "));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_other_settings_are_told_apart() {
        use crate::spec::{FigureDef, Scale};
        let text = r#"
figure = 6
kind = "convergence"
name = "c"
title = "t"
example = "nonlocal1d"
sigma = "const"
x = "nm"
[[plots]]
stem = "fig06_c"
metrics = ["err_k"]
[scales.quick]
trials = 2
n = [100]
m = [1, 2]
[scales.default]
trials = 1
n = [100]
[scales.paper]
trials = 1
n = [100]
"#;
        let FigureDef::Convergence(def) = FigureDef::parse(text, Path::new("t.toml")).unwrap() else {
            panic!()
        };
        let plan = FigurePlan::new(&def, Scale::Quick, None).unwrap();
        let sim = crate::run::Simulated { data: Err("x".into()), seconds: 0.0, seed: 1, particles: 0 };
        let good = crate::run::run_point(&plan, &plan.points[1], 0, &sim);
        assert_eq!((good.n, good.m), (100, 2));
        let other = Row { n: 200, trial: 1, ..good.clone() };
        let beyond = Row { trial: 5, ..good.clone() };
        let elsewhere = Row { scale: Scale::Default, ..other.clone() };
        let rows = vec![good, other, beyond, elsewhere];
        let (stats, mismatched) = point_stats(&plan, &rows);
        assert_eq!(mismatched, 1);
        assert_eq!(stats[1].rows.len(), 1, "trials beyond the plan are left out");
        assert!(stats[1].values(Metric::ErrK).is_empty(), "failed rows have no values");
    }

    #[test]
    fn quantiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert_eq!(quantile(&v, 0.1), 1.4);
        assert_eq!(quantile(&v, 1.0), 5.0);
        assert!(quantile(&[], 0.5).is_nan());
        assert_eq!(quantile(&[7.0], 0.9), 7.0);
    }
}
