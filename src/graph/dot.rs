//! Graphviz rendering of the candidate graph, with chosen candidates highlighted.

use std::fmt::Write;

use petgraph::visit::EdgeRef;

use super::{CandidateGraph, Edge, Node, Phase};

/// DOT text; `chosen[i]` is the number of instances of candidate `i` in the plan (0: not
/// chosen), `tier_units[i]` likewise for tiers, and `placement` the solution's `(workload,
/// tier, share)` of retained KV: a tier that holds any is drawn as used, whether it is bought
/// by the unit or comes with the compute nodes (host memory, spare HBM).
pub fn to_dot(
    g: &CandidateGraph,
    chosen: &[u32],
    tier_units: &[u32],
    placement: &[(usize, usize, f64)],
) -> String {
    let mut out = String::from(
        "digraph fleet {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n",
    );
    for index in g.graph.node_indices() {
        let (label, attrs) = match &g.graph[index] {
            Node::Workload(w) => (format!("workload {w}"), "shape=box, style=bold".to_string()),
            Node::Phase(w, phase) => {
                let p = match phase {
                    Phase::Prefill => "prefill",
                    Phase::Decode => "decode",
                    Phase::Memory => "memory",
                };
                (format!("{w}: {p}"), "shape=ellipse".to_string())
            }
            Node::Candidate(i) => {
                let c = &g.candidates[*i];
                let n = chosen.get(*i).copied().unwrap_or(0);
                let label = format!(
                    "{} {} {}×{}\\n{:.2} req/s, ${:.2}/h{}",
                    c.pool,
                    c.role.name(),
                    c.tensor_parallel,
                    c.pipeline_stages,
                    c.requests_per_s,
                    c.cost_usd_per_hour,
                    if n > 0 { format!("\\nchosen ×{n}") } else { String::new() }
                );
                let style = if n > 0 {
                    "shape=box, style=filled, fillcolor=\"#9be7a0\""
                } else {
                    "shape=box, color=gray60, fontcolor=gray40"
                };
                (label, style.to_string())
            }
            Node::Pool(p) => (format!("pool {p}"), "shape=cylinder".to_string()),
            Node::Tier(i) => {
                let t = &g.tiers[*i];
                let n = tier_units.get(*i).copied().unwrap_or(0);
                let holds = placement.iter().any(|&(_, tier, share)| tier == *i && share > 0.0);
                let style = if n > 0 || holds {
                    "shape=folder, style=filled, fillcolor=\"#a0c8f0\""
                } else {
                    "shape=folder"
                };
                (format!("tier {} ({})", t.pool, t.kind.name()), style.to_string())
            }
        };
        let _ = writeln!(
            out,
            "  n{} [label=\"{}\", {}];",
            index.index(),
            label.replace('"', "'"),
            attrs
        );
    }
    for edge in g.graph.edge_references() {
        let label = match edge.weight() {
            Edge::Uses(n) => format!(" [label=\"{n} dev\"]"),
            Edge::StoredIn => " [style=dashed]".to_string(),
            _ => String::new(),
        };
        let _ =
            writeln!(out, "  n{} -> n{}{};", edge.source().index(), edge.target().index(), label);
    }
    out.push_str("}\n");
    out
}
