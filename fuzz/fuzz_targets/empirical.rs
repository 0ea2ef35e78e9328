//! Any text as the data file of `empirical("lengths.csv")`: read through the loader (so the
//! byte order mark, encoding and size rules apply), checked, planned when it checks. A panic
//! anywhere is a bug.
#![no_main]

use fleetplan::diagnostic::RenderStyle;
use fleetplan::load::Root;
use libfuzzer_sys::fuzz_target;

const ROOT: &str = "use std.hardware.{h200}\nuse std.models.{llama3_1_8b}\n\
pool gpu {\n  device = h200\n  max = 64\n  price = 3 $/h\n}\n\
workload w {\n  model = llama3_1_8b\n  rate = 5 req/s\n  input = empirical(\"lengths.csv\")\n  output = 200 tokens\n}\n";

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("fleetplan-fuzz-empirical-{}", std::process::id()));
    if std::fs::create_dir_all(&dir).is_err() || std::fs::write(dir.join("lengths.csv"), data).is_err() {
        return;
    }
    let name = dir.join("root.fleet").display().to_string();
    let root = Root::Text { name, text: ROOT.to_string() };
    let options = fleetplan::solve::Options { time_limit_s: 5.0, ..Default::default() };
    let Ok(planned) = fleetplan::plan(root, &options) else { return };
    let sources = &planned.program.sources;
    match planned.outcome {
        fleetplan::PlanOutcome::Invalid(d) | fleetplan::PlanOutcome::Infeasible { diagnostics: d, .. } => {
            let _ = d.render_human(sources, RenderStyle::SNAPSHOT);
            let _ = d.render_json(sources);
        }
        fleetplan::PlanOutcome::Planned { plan, .. } => {
            let _ = fleetplan::report::plan_text(&plan);
        }
    }
});
