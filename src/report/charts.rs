//! The report's charts, drawn with plotters' SVG backend: the frontier of a workload, the
//! fleet by pool and role, the cost breakdown and the latencies against their SLOs.
//!
//! plotters writes colours as attributes. Text, axes and grid are drawn in [`INK`], which
//! [`CHART_CSS`] repaints with the page's foreground, so one SVG reads in light and dark mode;
//! the series colours are mid-tones that read on either background.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::plan::Plan;
use crate::perf::Role;
use crate::simulate::SimReport;
use crate::spec::Metric;
use crate::whatif::frontier::{Frontier, Point};

/// The colour of text and axes; the stylesheet maps it to the foreground.
const INK: RGBColor = RGBColor(0, 0, 0);
const INK_HEX: &str = "#000000";

/// Series colours, one per role (prefill, decode, aggregated) and for memory.
const PREFILL: RGBColor = RGBColor(0x3b, 0x82, 0xc4);
const DECODE: RGBColor = RGBColor(0xe0, 0x7b, 0x39);
const AGGREGATED: RGBColor = RGBColor(0x4c, 0xa8, 0x6a);
const MEMORY: RGBColor = RGBColor(0x9b, 0x6f, 0xc7);
const SLO: RGBColor = RGBColor(0xd6, 0x45, 0x45);

const FONT: &str = "sans-serif";

/// What repaints [`INK`] with the foreground (`currentColor`); the page or the standalone
/// SVG sets `color` per colour scheme.
pub const CHART_CSS: &str = "svg.chart [fill=\"#000000\"] { fill: currentColor; }\n\
svg.chart [stroke=\"#000000\"] { stroke: currentColor; }\n\
svg.chart { max-width: 100%; height: auto; }\n";

fn role_colour(role: Role) -> RGBColor {
    match role {
        Role::Prefill => PREFILL,
        Role::Decode => DECODE,
        Role::Aggregated => AGGREGATED,
    }
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Drawn = Result<(), String>;

/// Draws on a fresh SVG of `size`; marks it `class="chart"` with `title` for screen readers.
/// A drawing error (a bug, never the input) leaves a chart that says so instead of a panic.
fn svg(size: (u32, u32), title: &str, draw: impl FnOnce(&Area<'_>) -> Drawn) -> String {
    let mut out = String::new();
    let drawn = {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        draw(&root).and_then(|()| root.present().map_err(|e| e.to_string()))
    };
    if let Err(e) = drawn {
        return format!(
            "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"40\"><text x=\"4\" y=\"20\" fill=\"{INK_HEX}\">chart not drawn: {}</text></svg>\n",
            size.0,
            escape(&e)
        );
    }
    let opening = format!("<svg class=\"chart\" role=\"img\" aria-label=\"{}\" ", escape(title));
    let out = out.replacen("<svg ", &opening, 1);
    out.replacen('>', &format!("><title>{}</title>", escape(title)), 1)
}

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A range around `values` with room at both ends (and some width when they are all equal).
fn padded(values: impl Iterator<Item = f64>, from_zero: bool) -> std::ops::Range<f64> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return 0.0..1.0;
    }
    if from_zero {
        lo = lo.min(0.0);
    }
    let pad = ((hi - lo) * 0.08).max(hi.abs() * 0.05).max(1e-6);
    (if from_zero { lo } else { lo - pad })..(hi + pad)
}

/// One line of a frontier chart: its name (for the legend), its points and colour.
struct Series<'a> {
    name: String,
    points: &'a [Point],
    colour: RGBColor,
    width: u32,
}

/// Frontiers on `area`: cost against `x` of each point, one line per series, a ring on `own`.
fn frontier_panel(
    area: &Area<'_>,
    (caption, x_desc, legend): (&str, &str, SeriesLabelPosition),
    series: &[Series<'_>],
    own: Option<&Point>,
    x: impl Fn(&Point) -> Option<f64>,
) -> Drawn {
    let at = |p: &Point| Some((x(p)?, p.usd_per_million_output_tokens));
    let lines: Vec<Vec<(f64, f64)>> =
        series.iter().map(|s| s.points.iter().filter_map(at).collect()).collect();
    let own = own.and_then(at);
    let all = || lines.iter().flatten().chain(&own);
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 16).into_font().color(&INK))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(padded(all().map(|p| p.0), false), padded(all().map(|p| p.1), true))
        .map_err(err)?;
    chart
        .configure_mesh()
        .light_line_style(INK.mix(0.06))
        .bold_line_style(INK.mix(0.15))
        .axis_style(INK)
        .label_style((FONT, 12).into_font().color(&INK))
        .x_desc(x_desc)
        .y_desc("$ per million output tokens")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.2}"))
        .draw()
        .map_err(err)?;
    for (s, xy) in series.iter().zip(&lines) {
        let colour = s.colour;
        chart
            .draw_series(LineSeries::new(xy.iter().copied(), colour.stroke_width(s.width)))
            .map_err(err)?
            .label(s.name.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled()));
        chart.draw_series(xy.iter().map(|&p| Circle::new(p, 4, colour.filled()))).map_err(err)?;
    }
    if series.len() > 1 {
        // No background: a filled box would keep its light colour in dark mode.
        chart
            .configure_series_labels()
            .position(legend)
            .background_style(INK.mix(0.0))
            .border_style(INK.mix(0.3))
            .label_font((FONT, 12).into_font().color(&INK))
            .draw()
            .map_err(err)?;
    }
    if let Some(p) = own {
        chart.draw_series([Circle::new(p, 8, INK.stroke_width(2))]).map_err(err)?;
        let label = EmptyElement::at(p)
            + Text::new("the file's SLO", (-96, -20), (FONT, 12).into_font().color(&INK));
        chart.draw_series([label]).map_err(err)?;
    }
    if lines.iter().all(Vec::is_empty) {
        chart
            .draw_series([Text::new("no feasible point", (0.05, 0.5), (FONT, 14).into_font())])
            .map_err(err)?;
    }
    Ok(())
}

/// Colours of the pools' frontiers beside the combined one.
const POOL_COLOURS: [RGBColor; 5] = [PREFILL, AGGREGATED, MEMORY, SLO, RGBColor(0x8a, 0x8f, 0x33)];

/// Both frontiers of a workload side by side and, on each, those of each pool alone
/// (`whatif::frontier::by_pool`) when `by_pool` has any.
pub fn frontier_comparison_chart(combined: &Frontier, by_pool: &[Frontier]) -> String {
    let title = format!(
        "cost of `{}` against interactivity and time to first token (ring: the file's SLO)",
        combined.workload
    );
    // The pools first, so that the combined frontier is drawn over them where they meet.
    let lines = |pick: fn(&Frontier) -> &[Point], colour: RGBColor| {
        let mut series = Vec::new();
        for (f, c) in by_pool.iter().zip(POOL_COLOURS.iter().cycle()) {
            let name = format!("{} alone", f.pool.as_deref().unwrap_or("?"));
            series.push(Series { name, points: pick(f), colour: *c, width: 4 });
        }
        let name = "every pool".to_string();
        series.push(Series { name, points: pick(combined), colour, width: 2 });
        series
    };
    let tokens = lines(|f| &f.interactivity, DECODE);
    let ttft = lines(|f| &f.ttft, if by_pool.is_empty() { PREFILL } else { DECODE });
    svg((900, 380), &title, |root| {
        let panels = root.split_evenly((1, 2));
        frontier_panel(
            &panels[0],
            (
                "cost against tokens/s per user",
                "output tokens/s per user (1 / TPOT)",
                SeriesLabelPosition::UpperLeft,
            ),
            &tokens,
            combined.own.as_ref(),
            |p| p.output_tokens_per_s_per_user,
        )?;
        frontier_panel(
            &panels[1],
            (
                "cost against time to first token",
                "TTFT (ms, at the bound's percentile)",
                SeriesLabelPosition::LowerLeft,
            ),
            &ttft,
            combined.own.as_ref(),
            |p| p.ttft_s.map(|t| t * 1e3),
        )
    })
}

/// One bar: its label, its segments `(value, colour)`, the note after it and a marker (the
/// simulated value) drawn across it.
struct Row {
    label: String,
    segments: Vec<(f64, RGBColor)>,
    note: String,
    marker: Option<f64>,
}

/// Horizontal bars, one row per label, each row stacked from segments `(value, colour)`;
/// `note` is written after the row's end.
struct Bars {
    rows: Vec<Row>,
    x_desc: &'static str,
    /// A vertical line at this value (the SLO bound).
    mark: Option<f64>,
}

fn bar_chart(bars: &Bars, title: &str, legend: &[(&str, RGBColor)]) -> String {
    let n = bars.rows.len().max(1);
    let height = 70 + 34 * n as u32 + if legend.is_empty() { 0 } else { 24 };
    svg((900, height), title, |root| {
        let (legend_area, area) = root.split_vertically(if legend.is_empty() { 0 } else { 24 });
        for (i, (name, colour)) in legend.iter().enumerate() {
            let x = 180 + 150 * i as i32;
            legend_area
                .draw(&Rectangle::new([(x, 6), (x + 14, 20)], colour.filled()))
                .map_err(err)?;
            legend_area
                .draw(&Text::new(name.to_string(), (x + 20, 6), (FONT, 13).into_font()))
                .map_err(err)?;
        }
        let widest = bars
            .rows
            .iter()
            .map(|r| r.segments.iter().map(|s| s.0).sum::<f64>().max(r.marker.unwrap_or(0.0)))
            .chain(bars.mark)
            .fold(0.0, f64::max);
        let labels: Vec<String> = bars.rows.iter().map(|r| r.label.clone()).collect();
        let mut chart = ChartBuilder::on(&area)
            .margin(8)
            .x_label_area_size(36)
            .y_label_area_size(170)
            .build_cartesian_2d(0.0..(widest * 1.25).max(1e-9), 0.0..n as f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(INK.mix(0.06))
            .bold_line_style(INK.mix(0.15))
            .axis_style(INK)
            .label_style((FONT, 12).into_font().color(&INK))
            .x_desc(bars.x_desc)
            .y_labels(n * 2 + 1)
            .y_label_formatter(&|y| {
                // Labels sit at each row's middle (row i spans n-i-1 .. n-i from the top).
                let row = n as f64 - y - 0.5;
                if (row - row.round()).abs() < 1e-6 && row >= 0.0 {
                    labels.get(row.round() as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .x_label_formatter(&|v| format!("{v:.0}"))
            .draw()
            .map_err(err)?;
        for (i, row) in bars.rows.iter().enumerate() {
            let top = n as f64 - i as f64 - 0.2;
            let bottom = n as f64 - i as f64 - 0.8;
            let mut x = 0.0;
            for (value, colour) in &row.segments {
                chart
                    .draw_series([Rectangle::new([(x, bottom), (x + value, top)], colour.filled())])
                    .map_err(err)?;
                x += value;
            }
            if let Some(m) = row.marker {
                let tick = [(m, bottom - 0.1), (m, top + 0.1)];
                chart.draw_series(LineSeries::new(tick, INK.stroke_width(3))).map_err(err)?;
                x = x.max(m);
            }
            let at = (x + widest * 0.01, n as f64 - i as f64 - 0.35);
            chart
                .draw_series([Text::new(row.note.clone(), at, (FONT, 12).into_font())])
                .map_err(err)?;
        }
        if let Some(x) = bars.mark {
            let line = [(x, 0.0), (x, n as f64)];
            chart.draw_series(LineSeries::new(line, SLO.stroke_width(2))).map_err(err)?;
        }
        Ok(())
    })
}

/// Devices of each pool, split by role, with the pool's cost.
pub fn fleet_chart(plan: &Plan) -> String {
    let rows = plan
        .pools
        .iter()
        .map(|p| {
            let segments = Role::ALL
                .iter()
                .map(|&role| {
                    let devices: u32 = p
                        .deployments
                        .iter()
                        .filter(|d| d.role == role)
                        .map(|d| d.instances * d.devices_per_instance)
                        .sum();
                    (f64::from(devices), role_colour(role))
                })
                .filter(|s| s.0 > 0.0)
                .collect::<Vec<_>>();
            let memory = f64::from(p.devices_used) - segments.iter().map(|s| s.0).sum::<f64>();
            let mut segments = segments;
            if memory > 0.0 {
                segments.push((memory, MEMORY));
            }
            let note = format!("{} {} · ${:.2}/h", p.devices_used, p.device, p.cost_usd_per_hour);
            Row { label: p.pool.clone(), segments, note, marker: None }
        })
        .collect();
    bar_chart(
        &Bars { rows, x_desc: "devices", mark: None },
        "the fleet: devices of each pool by role",
        &[("prefill", PREFILL), ("decode", DECODE), ("aggregated", AGGREGATED), ("memory", MEMORY)],
    )
}

/// Dollars per hour of each deployment and memory tier.
pub fn cost_chart(plan: &Plan) -> String {
    let mut rows = Vec::new();
    for p in &plan.pools {
        for d in &p.deployments {
            let label = format!("{} {} {}", p.pool, d.workload, d.role.name());
            let note = format!("${:.2}/h", d.cost_usd_per_hour);
            let segments = vec![(d.cost_usd_per_hour, role_colour(d.role))];
            rows.push(Row { label, segments, note, marker: None });
        }
    }
    for t in plan.memory.iter().filter(|t| t.cost_usd_per_hour > 0.0) {
        let label = format!("{} {}", t.pool, t.kind.name());
        let note = format!("${:.2}/h", t.cost_usd_per_hour);
        let segments = vec![(t.cost_usd_per_hour, MEMORY)];
        rows.push(Row { label, segments, note, marker: None });
    }
    bar_chart(
        &Bars { rows, x_desc: "$ per hour", mark: None },
        "the cost of each deployment and tier",
        &[],
    )
}

/// Each bound's prediction as a share of the bound, with the simulated latency at the
/// bound's percentile as a tick across the bar.
pub fn latency_chart(plan: &Plan, simulation: Option<&SimReport>) -> String {
    let mut rows = Vec::new();
    for w in &plan.workloads {
        for l in &w.latency {
            let share = |s: f64| if l.slo_s > 0.0 { 100.0 * s / l.slo_s } else { 0.0 };
            let colour = if l.metric == Metric::Tpot { DECODE } else { PREFILL };
            let label = format!("{} {}", w.workload, l.metric.name());
            let simulated_s = simulation
                .and_then(|s| s.workloads.iter().find(|s| s.workload == w.workload))
                .and_then(|s| {
                    s.slo_attainment
                        .iter()
                        .find(|c| c.metric == l.metric && c.percentile == l.percentile)
                })
                .and_then(|c| c.simulated_s);
            let mut note = format!("plan {:.0}%", share(l.predicted_s));
            if let Some(s) = simulated_s {
                note.push_str(&format!(" · simulated {:.0}%", share(s)));
            }
            let segments = vec![(share(l.predicted_s), colour)];
            rows.push(Row { label, segments, note, marker: simulated_s.map(share) });
        }
    }
    let x_desc = match simulation {
        Some(_) => "latency at the bound's percentile, % of the bound (bar: plan, tick: simulated)",
        None => "predicted latency at the bound's percentile, % of the bound",
    };
    bar_chart(&Bars { rows, x_desc, mark: Some(100.0) }, "latency against the SLOs", &[])
}

/// The simulated quantiles of a workload's metric (seconds), if simulated.
pub fn simulated(
    simulation: Option<&SimReport>,
    workload: &str,
    metric: Metric,
) -> Option<crate::simulate::Quantiles> {
    let w = simulation?.workloads.iter().find(|w| w.workload == workload)?;
    match metric {
        Metric::Ttft => w.ttft_s,
        Metric::Tpot => w.tpot_s,
        Metric::E2e => w.e2e_s,
    }
}

/// `fleetplan frontier --format svg`: the chart alone, its own colours per scheme; with the
/// frontiers of each pool alone when `by_pool` has any.
pub fn frontier_svg(f: &Frontier, by_pool: &[Frontier]) -> String {
    let chart = frontier_comparison_chart(f, by_pool);
    let style = format!(
        "<style>\n{CHART_CSS}svg.chart {{ color: #1d2330; background: #ffffff; }}\n\
         @media (prefers-color-scheme: dark) {{ svg.chart {{ color: #e6e9ef; background: #161a22; }} }}\n</style>"
    );
    // After the title, inside the root element.
    match chart.find("</title>") {
        Some(at) => {
            let at = at + "</title>".len();
            format!("{}{style}{}", &chart[..at], &chart[at..])
        }
        None => chart,
    }
}
