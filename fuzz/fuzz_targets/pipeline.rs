//! Any text through the whole front end: load, check, every rendering of the diagnostics, and
//! the formatter. A panic anywhere is a bug.
#![no_main]

use fleetplan::diagnostic::RenderStyle;
use fleetplan::load::Root;
use fleetplan::source::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let root = Root::Text { name: "fuzz.fleet".to_string(), text: text.to_string() };
    if let Ok(compiled) = fleetplan::compile(root) {
        if let Err(diagnostics) = &compiled.result {
            let sources = &compiled.program.sources;
            let _ = diagnostics.render_human(sources, RenderStyle::SNAPSHOT);
            let _ = diagnostics.render_json(sources);
        }
    }
    if let Ok(formatted) = fleetplan::fmt::format_source(FileId(0), text) {
        // The formatter's output must itself be formatted (idempotence).
        let again = fleetplan::fmt::format_source(FileId(0), &formatted);
        assert_eq!(again.ok().as_deref(), Some(formatted.as_str()), "fmt is not idempotent");
    }
});
