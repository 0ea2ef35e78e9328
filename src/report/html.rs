//! `fleetplan report`: one self-contained HTML page of a plan. Inline CSS and SVG only (a
//! Content-Security-Policy forbids anything else), readable in light and dark mode
//! (`prefers-color-scheme`) and on paper (`@media print`).
//!
//! The page is a list of sections, each built from one input; an input that is absent
//! leaves its section out. A new analysis adds a field to [`ReportInput`] and a line to
//! [`sections`].

use super::charts::{self, escape, CHART_CSS};
use super::plan::Plan;
use super::table_html::{table, Cell};
use crate::simulate::SimReport;
use crate::whatif::frontier::Comparison;

/// Everything the page shows.
pub struct ReportInput<'a> {
    pub plan: &'a Plan,
    /// The frontier of each workload drawn; `frontier_notes` says which were left out and
    /// why (no bound of the sweep found a plan, or more workloads than a page shows).
    pub frontiers: &'a [Comparison],
    pub frontier_notes: &'a [String],
    /// The simulation of the plan (`fleetplan report --simulate`).
    pub simulation: Option<&'a SimReport>,
    /// A section rendered elsewhere, placed after the cost breakdown: the sensitivity table
    /// of `plan --sensitivity` (src/whatif/sensitivity.rs) goes here.
    pub sensitivity: Option<Section>,
}

/// What `fleetplan report` says it wrote (`--error-format json`: the document's `report`).
#[derive(Clone, Debug, serde::Serialize, schemars::JsonSchema)]
pub struct PageWritten {
    pub path: String,
    pub bytes: usize,
    /// Workloads whose frontiers the page draws.
    pub frontiers: usize,
    pub simulated: bool,
    pub sensitivity: bool,
}

/// One section of the page: an anchor, a heading and its HTML.
#[derive(Clone, Debug)]
pub struct Section {
    pub id: &'static str,
    pub title: String,
    pub html: String,
}

/// The page.
pub fn html(input: &ReportInput<'_>) -> String {
    let plan = input.plan;
    let sections = sections(input);
    let t = &plan.totals;
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"color-scheme\" content=\"light dark\">\n");
    out.push_str(&format!("<title>fleetplan: {}</title>\n", escape(&plan.source)));
    out.push_str(&format!("<style>\n{PAGE_CSS}{CHART_CSS}</style>\n</head>\n<body>\n"));
    out.push_str(&format!("<header>\n<h1>Plan for <code>{}</code></h1>\n", escape(&plan.source)));
    out.push_str(&format!(
        "<p class=\"summary\"><strong>${:.2}/h</strong> · {} devices · {:.1} kW · ${:.3} per million output tokens · {:.0} output tokens/s · solver {}</p>\n",
        t.cost_usd_per_hour,
        t.devices,
        t.power_kw,
        t.usd_per_million_output_tokens,
        t.output_tokens_per_s,
        status(plan)
    ));
    out.push_str("<nav>");
    for s in &sections {
        out.push_str(&format!("<a href=\"#{}\">{}</a> ", s.id, escape(&s.title)));
    }
    out.push_str("</nav>\n</header>\n<main>\n");
    for s in &sections {
        out.push_str(&format!(
            "<section id=\"{}\">\n<h2>{}</h2>\n{}</section>\n",
            s.id,
            escape(&s.title),
            s.html
        ));
    }
    out.push_str(&format!(
        "</main>\n<footer>fleetplan {} · every figure from the planner's performance model ({}); no scripts, no network</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        if input.simulation.is_some() { "and its simulator" } else { "not simulated" }
    ));
    out
}

/// The page's sections in order; absent inputs leave theirs out.
pub fn sections(input: &ReportInput<'_>) -> Vec<Section> {
    let mut sections = vec![fleet(input.plan), latency(input.plan, input.simulation)];
    sections.push(cost(input.plan));
    sections.extend(input.sensitivity.clone());
    if !input.frontiers.is_empty() || !input.frontier_notes.is_empty() {
        sections.push(frontiers(input.frontiers, input.frontier_notes));
    }
    sections.push(memory(input.plan));
    sections
}

fn status(plan: &Plan) -> String {
    let status = serde_json::to_value(plan.solver.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    match plan.solver.proven_gap {
        Some(gap) => format!("{} (gap {:.2}%)", status.replace('_', " "), gap * 100.0),
        None => status.replace('_', " "),
    }
}

fn fleet(plan: &Plan) -> Section {
    let mut rows = Vec::new();
    for p in &plan.pools {
        if p.deployments.is_empty() {
            rows.push(vec![
                Cell::text(&p.pool),
                Cell::text(&p.device),
                Cell::text("memory tier"),
                Cell::num(String::new()),
                Cell::num(p.devices_used.to_string()),
                Cell::num(String::new()),
                Cell::num(String::new()),
                Cell::num(String::new()),
                Cell::num(format!("{:.2}", p.cost_usd_per_hour)),
            ]);
        }
        for d in &p.deployments {
            rows.push(vec![
                Cell::text(&p.pool),
                Cell::text(&p.device),
                Cell::text(&format!("{} {}", d.workload, d.role.name())),
                Cell::num(d.instances.to_string()),
                Cell::num((d.instances * d.devices_per_instance).to_string()),
                Cell::num(format!("{}×{}", d.tensor_parallel, d.pipeline_stages)),
                Cell::num(d.batch.to_string()),
                Cell::num(format!("{:.0}%", d.utilisation * 100.0)),
                Cell::num(format!("{:.2}", d.cost_usd_per_hour)),
            ]);
        }
    }
    let header =
        ["pool", "device", "serves", "instances", "devices", "tp×pp", "batch", "util", "$/h"];
    Section {
        id: "fleet",
        title: "Fleet by pool and role".to_string(),
        html: format!("{}{}", figure(&charts::fleet_chart(plan)), table(&header, &rows)),
    }
}

fn latency(plan: &Plan, simulation: Option<&SimReport>) -> Section {
    let mut rows = Vec::new();
    for w in &plan.workloads {
        for l in &w.latency {
            let percentile = match l.percentile {
                crate::spec::Percentile::Mean => "mean".to_string(),
                crate::spec::Percentile::P(p) => format!("p{p}"),
            };
            let mut row = vec![
                Cell::text(&w.workload),
                Cell::text(&format!("{} {percentile}", l.metric.name())),
                Cell::num(format!("{:.1}", l.slo_s * 1e3)),
                Cell::num(format!("{:.1}", l.predicted_s * 1e3)),
                Cell::num(format!("{:.0}%", l.headroom * 100.0)),
                Cell::text(if l.met { "met" } else { "missed" }),
            ];
            if simulation.is_some() {
                let q = charts::simulated(simulation, &w.workload, l.metric);
                let attained = simulation
                    .and_then(|s| s.workloads.iter().find(|s| s.workload == w.workload))
                    .and_then(|s| {
                        s.slo_attainment
                            .iter()
                            .find(|c| c.metric == l.metric && c.percentile == l.percentile)
                    })
                    .map(|c| format!("{:.1}%", c.attainment * 100.0));
                for v in [q.map(|q| q.p50), q.map(|q| q.p90), q.map(|q| q.p99)] {
                    row.push(Cell::num(v.map_or("-".to_string(), |v| format!("{:.1}", v * 1e3))));
                }
                row.push(Cell::num(attained.unwrap_or_else(|| "-".to_string())));
            }
            rows.push(row);
        }
    }
    let mut header = vec!["workload", "bound", "SLO ms", "planned ms", "headroom", "plan"];
    if simulation.is_some() {
        header.extend(["sim p50 ms", "sim p90 ms", "sim p99 ms", "within SLO"]);
    }
    let note = match simulation {
        Some(s) => format!(
            "<p>Simulated: {} requests (seed {}, {} traffic), {:.0} s of arrivals.</p>\n",
            s.requests, s.seed, s.traffic, s.traffic_s
        ),
        None => "<p>Not simulated: <code>fleetplan report FILE --simulate</code> adds the simulated p50/p90/p99.</p>\n".to_string(),
    };
    Section {
        id: "latency",
        title: "Latency against the SLOs".to_string(),
        html: format!(
            "{}{}{note}",
            figure(&charts::latency_chart(plan, simulation)),
            table(&header, &rows)
        ),
    }
}

fn cost(plan: &Plan) -> Section {
    let rows: Vec<Vec<Cell>> = plan
        .workloads
        .iter()
        .map(|w| {
            vec![
                Cell::text(&w.workload),
                Cell::text(&w.model),
                Cell::num(format!("{:.2}", w.rate_per_s)),
                Cell::num(format!("{:.0}", w.output_tokens_per_s)),
                Cell::num(format!("{:.2}", w.cost_usd_per_hour)),
                Cell::num(format!("{:.3}", w.usd_per_million_output_tokens)),
                Cell::num(format!("{:.0}%", w.kv_hit_share * 100.0 + 0.0)),
            ]
        })
        .collect();
    let header = ["workload", "model", "req/s", "out tok/s", "$/h", "$/Mtok", "KV hits"];
    Section {
        id: "cost",
        title: "Cost breakdown".to_string(),
        html: format!("{}{}", figure(&charts::cost_chart(plan)), table(&header, &rows)),
    }
}

fn frontiers(frontiers: &[Comparison], errors: &[String]) -> Section {
    let mut html = String::from(
        "<p>Each point is a whole plan of the workload alone with its TPOT (left) or TTFT (right) bound moved; only the points no other beats are kept. Beside the frontier over every pool, each pool alone (when the file has two to four compute pools). <code>fleetplan frontier FILE --workload W</code> lists them with their configurations.</p>\n",
    );
    for c in frontiers {
        let f = &c.combined;
        html.push_str(&format!("<h3>{}</h3>\n", escape(&f.workload)));
        html.push_str(&figure(&charts::frontier_comparison_chart(f, &c.by_pool)));
        let rows: Vec<Vec<Cell>> = f
            .interactivity
            .iter()
            .map(|p| {
                vec![
                    Cell::num(
                        p.output_tokens_per_s_per_user.map_or("-".into(), |x| format!("{x:.1}")),
                    ),
                    Cell::num(p.ttft_s.map_or("-".into(), |x| format!("{:.0}", x * 1e3))),
                    Cell::num(format!("{:.3}", p.usd_per_million_output_tokens)),
                    Cell::num(format!("{:.2}", p.usd_per_hour)),
                    Cell::text(&super::configuration_text(&p.configuration)),
                ]
            })
            .collect();
        html.push_str(&table(
            &["tok/s per user", "TTFT ms", "$/Mtok", "$/h", "configuration"],
            &rows,
        ));
    }
    for e in errors {
        html.push_str(&format!("<p>{}</p>\n", escape(e)));
    }
    Section { id: "frontier", title: "Cost against interactivity".to_string(), html }
}

fn memory(plan: &Plan) -> Section {
    if plan.memory.is_empty() {
        return Section {
            id: "memory",
            title: "Memory tiers".to_string(),
            html: "<p>No workload retains KV cache between requests: no memory tier is used.</p>\n"
                .to_string(),
        };
    }
    let rows: Vec<Vec<Cell>> = plan
        .memory
        .iter()
        .map(|m| {
            let share = if m.capacity_gb > 0.0 { m.used_gb / m.capacity_gb } else { 0.0 };
            vec![
                Cell::text(&m.pool),
                Cell::text(m.kind.name()),
                Cell::num(m.units.to_string()),
                Cell::meter(format!("{:.0} / {:.0} GB", m.used_gb, m.capacity_gb), share),
                Cell::num(format!("{:.2} / {:.2}", m.read_gb_per_s, m.read_capacity_gb_per_s)),
                Cell::num(format!("{:.2}", m.cost_usd_per_hour)),
            ]
        })
        .collect();
    let mut html = table(&["tier", "kind", "units", "used / capacity", "reads GB/s", "$/h"], &rows);
    for w in plan.workloads.iter().filter(|w| !w.memory.is_empty()) {
        html.push_str(&format!(
            "<p><strong>{}</strong>: retained KV {}</p>\n",
            escape(&w.workload),
            escape(&super::plan_text::retained_kv_text(w))
        ));
    }
    Section { id: "memory", title: "Memory tiers".to_string(), html }
}

fn figure(svg: &str) -> String {
    format!("<figure>\n{svg}</figure>\n")
}

/// Light by default, dark when the reader's system asks, black on white on paper.
const PAGE_CSS: &str = ":root { --fg: #1d2330; --bg: #ffffff; --muted: #5b6475; --rule: #d9dde5; --accent: #2f6fb0; --bar: #3b82c4; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e9ef; --bg: #161a22; --muted: #9aa3b5; --rule: #343b4a; --accent: #7fb0e6; --bar: #6aa6dc; }
}
html { background: var(--bg); color: var(--fg); }
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; max-width: 1000px; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 .3rem; }
h2 { font-size: 1.2rem; border-bottom: 1px solid var(--rule); padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1rem; margin-bottom: .3rem; }
.summary { color: var(--muted); margin: 0 0 .6rem; }
nav a { color: var(--accent); margin-right: .8rem; text-decoration: none; }
figure { margin: .6rem 0; color: var(--fg); }
table { border-collapse: collapse; margin: .6rem 0; font-size: .9rem; }
th, td { padding: .2rem .6rem; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.meter { display: block; height: .35rem; background: var(--rule); margin-top: .2rem; }
.meter span { display: block; height: 100%; background: var(--bar); }
footer { color: var(--muted); font-size: .8rem; margin-top: 2rem; border-top: 1px solid var(--rule); padding-top: .5rem; }
@media print {
  :root { --fg: #000000; --bg: #ffffff; --muted: #333333; --rule: #999999; --accent: #000000; --bar: #555555; }
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav { display: none; }
  section, figure, table { break-inside: avoid; }
  h2 { break-after: avoid; }
}
";
