//! The language server's re-check (criterion): how long after a `didChange` of a 1,000-line
//! file with imports its diagnostics are published, through the server itself over an
//! in-memory connection (issue 19's goal: within 50 ms). The file is a generated fleet
//! (benches/generate.rs) in the canonical layout, importing the catalog and a file beside it;
//! each change edits one workload's rate, alternating between a valid file and one with a bad
//! unit, so every round checks the whole program and publishes a changed list.
//!
//! Run: `cargo bench --bench lsp`. Also timed: `compile` alone (load, syntax, check,
//! calibrate of the same text), the share of the round trip the pipeline takes.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use lsp_server::{Connection, Message, Notification, Request, RequestId};
use lsp_types::Url;
use serde_json::json;

// The planner benchmark's generator; this benchmark needs only its independent fleets.
#[path = "generate.rs"]
#[allow(dead_code)]
mod generate;

/// Lines the benchmarked file has, at least.
const LINES: usize = 1000;

/// A generated fleet of at least `LINES` lines, formatted, importing `common.fleet`.
fn document() -> String {
    let mut workloads = 40;
    loop {
        let raw = generate::fleet(workloads, generate::SEED);
        let text = format!("use \"common.fleet\"\n{raw}");
        let formatted = fleetplan::fmt::format_source(fleetplan::source::FileId(0), &text)
            .unwrap_or_else(|_| panic!("the generated fleet parses"));
        if formatted.lines().count() >= LINES {
            return formatted;
        }
        workloads += 10;
    }
}

const COMMON: &str = "use std.hardware.{h200}\n\n\
    // A pool defined beside the document, so the re-check reads an import.\n\
    pool shared_h200 {\n  device = h200\n  per_node = 8\n  max = 64\n  price = 3.10 $/h\n}\n";

fn send(conn: &Connection, message: Message) {
    conn.sender.send(message).unwrap_or_else(|_| panic!("the server is running"));
}

/// Waits for the diagnostics of `version`; returns how many there were.
fn published(conn: &Connection, version: i32) -> usize {
    loop {
        match conn.receiver.recv_timeout(Duration::from_secs(60)) {
            Ok(Message::Notification(n))
                if n.method == "textDocument/publishDiagnostics"
                    && n.params["version"] == version =>
            {
                return n.params["diagnostics"].as_array().map_or(0, Vec::len)
            }
            Ok(_) => {}
            Err(e) => panic!("no diagnostics for version {version}: {e}"),
        }
    }
}

fn bench_recheck(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("a temporary directory: {e}"));
    std::fs::write(dir.path().join("common.fleet"), COMMON)
        .unwrap_or_else(|e| panic!("writing common.fleet: {e}"));
    let path = dir.path().join("fleet.fleet");
    let good = document();
    let anchor = good.find("rate = ").unwrap_or_else(|| panic!("a workload has a rate"));
    let line_end = anchor + good[anchor..].find('\n').unwrap_or(0);
    let bad = format!("{}rate = 3 req/sec{}", &good[..anchor], &good[line_end..]);
    eprintln!(
        "lsp bench: {} lines, {} bytes, {} workloads",
        good.lines().count(),
        good.len(),
        good.matches("\nworkload ").count()
    );
    let uri = Url::from_file_path(&path).unwrap_or_else(|()| panic!("a file URI"));

    let (server, client) = Connection::memory();
    let handle = std::thread::spawn(move || fleetplan::lsp::serve(&server));
    let init = Request::new(RequestId::from(1), "initialize".into(), json!({ "capabilities": {} }));
    send(&client, init.into());
    let _ = client.receiver.recv_timeout(Duration::from_secs(60));
    send(&client, Notification::new("initialized".into(), json!({})).into());
    let doc = json!({ "uri": uri, "languageId": "fleet", "version": 0, "text": good });
    send(
        &client,
        Notification::new("textDocument/didOpen".into(), json!({ "textDocument": doc })).into(),
    );
    assert_eq!(published(&client, 0), 0, "the generated fleet checks clean");

    let mut version = 0;
    let mut change = |text: &str| -> usize {
        version += 1;
        let params = json!({ "textDocument": { "uri": uri, "version": version },
                             "contentChanges": [{ "text": text }] });
        send(&client, Notification::new("textDocument/didChange".into(), params).into());
        published(&client, version)
    };
    assert_eq!(change(&bad), 1, "the bad unit is one diagnostic");
    assert_eq!(change(&good), 0);

    let mut group = c.benchmark_group("lsp");
    group.bench_function("didChange_to_diagnostics_1000_lines", |b| {
        b.iter_custom(|iters| {
            let started = Instant::now();
            for i in 0..iters {
                black_box(change(if i % 2 == 0 { &bad } else { &good }));
            }
            started.elapsed()
        })
    });
    let root = |text: &str| fleetplan::load::Root::Text {
        name: path.display().to_string(),
        text: text.to_string(),
    };
    group.bench_function("compile_1000_lines", |b| {
        b.iter(|| black_box(fleetplan::compile(root(&good)).map(|c| c.result.is_ok())))
    });
    group.finish();

    send(&client, Request::new(RequestId::from(2), "shutdown".into(), json!(null)).into());
    send(&client, Notification::new("exit".into(), json!(null)).into());
    drop(client);
    let _ = handle.join();
}

criterion_group!(benches, bench_recheck);
criterion_main!(benches);
