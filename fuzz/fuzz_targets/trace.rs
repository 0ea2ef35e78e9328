//! Any text as a `--trace` CSV against the chat example: parsing, every rendering of its
//! diagnostics, and a replay of what parses. A panic anywhere is a bug.
#![no_main]

use fleetplan::diagnostic::RenderStyle;
use fleetplan::load::Root;
use fleetplan::simulate::{SimOptions, Traffic, MAX_SIMULATED_TOKENS};
use libfuzzer_sys::fuzz_target;

const CHAT: &str = include_str!("../../examples/chat.fleet");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let root = Root::Text { name: "chat.fleet".to_string(), text: CHAT.to_string() };
    let Ok(planned) = fleetplan::plan(root, &fleetplan::solve::Options::default()) else { return };
    let fleetplan::PlanOutcome::Planned { spec, graph, solution, .. } = planned.outcome else {
        return;
    };
    let mut sources = planned.program.sources;
    let id = sources.add("trace.csv", text);
    match fleetplan::simulate::parse_trace(id, text, &spec) {
        Ok(requests) => {
            let tokens: f64 = requests.iter().map(|r| f64::from(r.output_tokens)).sum();
            if requests.len() <= 2_000 && tokens <= MAX_SIMULATED_TOKENS / 100.0 {
                let sim = SimOptions { traffic: Traffic::Trace(requests), ..SimOptions::default() };
                let _ = fleetplan::simulate::simulate(&spec, &graph, &solution, &sim);
            }
        }
        Err(diagnostics) => {
            let _ = diagnostics.render_human(&sources, RenderStyle::SNAPSHOT);
            let _ = diagnostics.render_json(&sources);
        }
    }
});
