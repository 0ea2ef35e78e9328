//! `--sensitivity` as text and Markdown: the same tables, from the `Sensitivity` value alone.

use super::sensitivity::{seconds_text, BreakEven, Move, Sensitivity};
use crate::report::Table;

fn money(x: f64) -> String {
    format!("${x:.2}")
}

fn delta(x: Option<f64>) -> String {
    match x {
        Some(d) if d.abs() < 0.005 => "±0".to_string(),
        Some(d) if d > 0.0 => format!("+${d:.2}"),
        Some(d) => format!("−${:.2}", -d),
        None => "no plan".to_string(),
    }
}

fn factor_text(f: f64) -> String {
    if f < 1.0 {
        if (f - 0.5).abs() < 1e-9 {
            "tightened 2×".to_string()
        } else {
            format!("tightened {:.0}%", (1.0 - f) * 100.0)
        }
    } else if (f - 2.0).abs() < 1e-9 {
        "relaxed 2×".to_string()
    } else {
        format!("relaxed {:.0}%", (f - 1.0) * 100.0)
    }
}

fn moves_text(moves: &[Move]) -> String {
    if moves.is_empty() {
        return "-".to_string();
    }
    let parts: Vec<String> =
        moves.iter().map(|m| format!("{} {} {}→{}", m.pool, m.role, m.before, m.after)).collect();
    parts.join(", ")
}

fn break_even_text(b: &BreakEven) -> String {
    match b {
        BreakEven::LeavesAbove { price_usd_per_hour } => {
            format!("leaves the plan above {}/h", money(*price_usd_per_hour))
        }
        BreakEven::EntersBelow { price_usd_per_hour } => {
            format!("enters the plan below {}/h", money(*price_usd_per_hour))
        }
        BreakEven::Indispensable => "no plan without it".to_string(),
        BreakEven::Minimum => "kept by its `min`".to_string(),
        BreakEven::NeverEnters => "unused even at $0/h".to_string(),
        BreakEven::UsedUpTo { price_usd_per_hour } => {
            format!("still used at {}/h", money(*price_usd_per_hour))
        }
    }
}

fn opt_money(x: Option<f64>) -> String {
    x.map_or("-".to_string(), money)
}

/// The four tables: SLO bounds, pools, workloads, site limits.
fn tables(s: &Sensitivity) -> [(String, Table); 4] {
    let mut slo = Table::new(&["workload", "bound", "change", "limit", "$/h", "Δ $/h", "moves"])
        .right_align(&[4, 5]);
    for b in &s.slo {
        for c in &b.changes {
            slo.row(vec![
                b.workload.clone(),
                b.bound.clone(),
                factor_text(c.factor),
                seconds_text(c.limit_s),
                c.usd_per_hour.map_or("-".into(), |x| format!("{x:.2}")),
                if c.unsolved { "timed out".into() } else { delta(c.delta_usd_per_hour) },
                moves_text(&c.moves),
            ]);
        }
    }
    let mut pools = Table::new(&[
        "pool",
        "$/h per device",
        "devices",
        "break-even price",
        "max binds",
        "+1 device saves",
        "+1 node saves",
    ])
    .right_align(&[1, 2]);
    for p in &s.pools {
        pools.row(vec![
            p.pool.clone(),
            format!("{:.2}", p.price_usd_per_hour),
            format!("{} of {}", p.devices, p.max_devices),
            break_even_text(&p.break_even),
            if p.max_binds { "yes".into() } else { "no".into() },
            opt_money(p.one_more_device_saves_usd_per_hour),
            opt_money(p.one_more_node_saves_usd_per_hour),
        ]);
    }
    let mut workloads =
        Table::new(&["workload", "req/s", "priced at", "$/h there", "$/h per extra req/s"])
            .right_align(&[1, 2, 3, 4]);
    for w in &s.workloads {
        workloads.row(vec![
            w.workload.clone(),
            format!("{:.2}", w.rate_per_s),
            format!("{:.2}", w.raised_rate_per_s),
            w.raised_usd_per_hour.map_or("no plan".into(), |x| format!("{x:.2}")),
            w.marginal_usd_per_hour_per_req_s.map_or("-".into(), |x| format!("{x:.2}")),
        ]);
    }
    let mut site = Table::new(&["limit", "value", "used", "binds", "one more saves"]);
    for l in &s.site {
        let unit = if l.limit == "power" { "kW" } else { "$/h" };
        site.row(vec![
            l.limit.to_string(),
            format!("{:.1} {unit}", l.value),
            format!("{:.1} {unit}", l.used),
            if l.binds { "yes".into() } else { "no".into() },
            opt_money(l.one_more_saves_usd_per_hour),
        ]);
    }
    let step = s.rate_step * 100.0;
    [
        ("SLO bounds, relaxed and tightened".to_string(), slo),
        (format!("pools (break-even prices to {:.1}%)", s.price_tolerance * 100.0), pools),
        (format!("workloads (priced {step:.0}% above their rate)"), workloads),
        ("site limits".to_string(), site),
    ]
}

fn summary(s: &Sensitivity) -> String {
    let mut line = format!(
        "{} re-solves from a base of {}/h (every figure a plan solved again, at a zero MIP gap)",
        s.resolves,
        money(s.base_usd_per_hour)
    );
    if s.group_resolves > 0 {
        line.push_str(&format!(
            "; {} changes re-solved their workload's group alone",
            s.group_resolves
        ));
    }
    if s.unproven > 0 {
        line.push_str(&format!("; {} not proven optimal in their time", s.unproven));
    }
    if s.unsolved > 0 {
        line.push_str(&format!(
            "; {} found no plan in {} s (not proven impossible)",
            s.unsolved, s.resolve_time_limit_s
        ));
    }
    line
}

/// `--sensitivity` as text.
pub fn sensitivity_text(s: &Sensitivity) -> String {
    let mut out = format!("\nsensitivity: {}\n", summary(s));
    for (title, table) in tables(s) {
        out.push_str(&format!("\n{title}\n"));
        let rendered = table.render();
        for line in rendered.lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}

/// `--sensitivity` as Markdown: one section, a table per question.
pub fn sensitivity_markdown(s: &Sensitivity) -> String {
    let mut out = format!("\n## Sensitivity\n\n{}.\n", summary(s));
    for (title, table) in tables(s) {
        out.push_str(&format!("\n### {}\n\n", capitalise(&title)));
        out.push_str(&table.markdown());
    }
    out
}

/// `--sensitivity` as the HTML of the report page's section: the summary, then a table per
/// question (the same tables as the text).
pub fn sensitivity_html(s: &Sensitivity) -> String {
    let escape = crate::report::escape_html;
    let mut out = format!("<p>{}.</p>\n", escape(&summary(s)));
    for (title, table) in tables(s) {
        out.push_str(&format!("<h3>{}</h3>\n", escape(&capitalise(&title))));
        out.push_str(&table.html());
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
}
