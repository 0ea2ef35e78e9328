//! Any text as a `--trace` CSV against the chat example: parsing, every rendering of its
//! diagnostics, and a replay of what parses. A panic anywhere is a bug.
#![no_main]

use fleetplan::diagnostic::RenderStyle;
use fleetplan::load::Root;
use fleetplan::simulate::{SimOptions, Traffic, MAX_SIMULATED_TOKENS};
use libfuzzer_sys::fuzz_target;

const CHAT: &str = include_str!("../../examples/chat.fleet");

/// The chat example planned once: planning per input would leave the fuzzer a few runs a second.
struct Planned {
    sources: fleetplan::source::SourceMap,
    spec: fleetplan::spec::Spec,
    graph: fleetplan::graph::CandidateGraph,
    solution: fleetplan::solve::Solution,
}

fn planned() -> Option<&'static Planned> {
    static PLANNED: std::sync::OnceLock<Option<Planned>> = std::sync::OnceLock::new();
    PLANNED
        .get_or_init(|| {
            let root = Root::Text { name: "chat.fleet".to_string(), text: CHAT.to_string() };
            let planned = fleetplan::plan(root, &fleetplan::solve::Options::default()).ok()?;
            match planned.outcome {
                fleetplan::PlanOutcome::Planned { spec, graph, solution, .. } => Some(Planned {
                    sources: planned.program.sources,
                    spec: *spec,
                    graph,
                    solution,
                }),
                _ => None,
            }
        })
        .as_ref()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Some(p) = planned() else { return };
    let mut sources = p.sources.clone();
    let id = sources.add("trace.csv", text);
    match fleetplan::simulate::parse_trace(id, text, &p.spec) {
        Ok(requests) => {
            let tokens: f64 = requests.iter().map(|r| f64::from(r.output_tokens)).sum();
            if requests.len() <= 2_000 && tokens <= MAX_SIMULATED_TOKENS / 100.0 {
                let sim = SimOptions { traffic: Traffic::Trace(requests), ..SimOptions::default() };
                let _ = fleetplan::simulate::simulate(&p.spec, &p.graph, &p.solution, &sim);
            }
        }
        Err(diagnostics) => {
            let _ = diagnostics.render_human(&sources, RenderStyle::SNAPSHOT);
            let _ = diagnostics.render_json(&sources);
        }
    }
});
