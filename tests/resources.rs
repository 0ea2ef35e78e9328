//! Generated inputs at and past every limit: deep nesting, long lines, many diagnostics, long
//! import chains, huge values in traces. Each runs the binary with a deadline, so an abort, a
//! hang or a quadratic slowdown fails the test instead of stalling the suite.
#![allow(clippy::unwrap_used)]

mod hostile;

use std::path::Path;
use std::time::{Duration, Instant};

use hostile::{diagnostic_codes as codes, run_in, scratch, Run, TEN_SECONDS};

fn check(dir: &Path, name: &str, text: &str) -> Run {
    std::fs::write(dir.join(name), text).unwrap();
    run_in(dir, &["--error-format", "json", "check", name], &[], None, TEN_SECONDS)
}

#[test]
fn deep_nesting_is_refused_not_an_abort() {
    let dir = scratch("deep");
    for depth in [65, 5_200, 50_000] {
        // One token a line: the line limit must not be what refuses them.
        let blocks = format!("pool a {}{}\n", "{ b\n".repeat(depth), "}\n".repeat(depth));
        assert_eq!(codes(&check(&dir, "blocks.fleet", &blocks)), ["fleet::too_deep"]);
        let parens = format!("pool a {{ x = f{}{} }}\n", "(\n".repeat(depth), ")\n".repeat(depth));
        assert_eq!(codes(&check(&dir, "parens.fleet", &parens)), ["fleet::too_deep"]);
        let comments = format!("{}{}\n", "/*\n".repeat(depth), "*/\n".repeat(depth));
        assert_eq!(codes(&check(&dir, "comments.fleet", &comments)), ["fleet::too_deep"]);
        let unclosed = format!("pool a {}\n", "{\n".repeat(depth));
        assert_eq!(codes(&check(&dir, "unclosed.fleet", &unclosed)), ["fleet::too_deep"]);
    }
    // At the limit, the file parses (and the checker reports what it thinks of it).
    let ok = format!("pool a {}{}\n", "{ b ".repeat(63), "}".repeat(64));
    let out = check(&dir, "ok.fleet", &ok);
    assert!(!codes(&out).contains(&"fleet::too_deep".to_string()));
    // The human renderer, too, and `fmt` and `debug ast`.
    for args in [
        &["check", "blocks.fleet"][..],
        &["fmt", "blocks.fleet"],
        &["debug", "ast", "blocks.fleet"],
    ] {
        let out = run_in(&dir, args, &[], None, TEN_SECONDS);
        assert_eq!(out.code, Some(1));
        assert!(out.stderr.contains("fleet::too_deep"), "{}", out.stderr);
    }
}

#[test]
fn long_lines_are_refused_and_render_clipped() {
    let dir = scratch("long");
    let long = format!("pool a {{ {}zzz = 1 }}\n", " ".repeat(70_000));
    let out = run_in(&dir, &["check", "long.fleet"], &[], None, TEN_SECONDS);
    let _ = out;
    std::fs::write(dir.join("long.fleet"), &long).unwrap();
    let out = run_in(&dir, &["check", "long.fleet"], &[], None, TEN_SECONDS);
    assert!(out.stderr.contains("fleet::line_too_long"), "{}", out.stderr);
    assert!(out.stderr.len() < 5_000, "the long line was echoed: {} bytes", out.stderr.len());
    // A trace line past column 65,535 (which panicked the renderer) is shown clipped.
    let chat = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/chat.fleet");
    let trace = format!("0.5,chat,{}x,10\n", "1".repeat(70_000));
    std::fs::write(dir.join("trace.csv"), trace).unwrap();
    let args = ["simulate", chat.to_str().unwrap(), "--trace", "trace.csv"];
    let out = run_in(&dir, &args, &[], None, TEN_SECONDS);
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("fleet::trace_value"), "{}", out.stderr);
    assert!(out.stderr.len() < 5_000, "the long line was echoed: {} bytes", out.stderr.len());
}

#[test]
fn many_diagnostics_are_near_linear_and_capped() {
    let dir = scratch("many");
    let mut text = String::from("pool a {\n");
    for i in 0..20_000 {
        text.push_str(&format!("  zz{i} = 1\n"));
    }
    text.push_str("}\n");
    std::fs::write(dir.join("many.fleet"), &text).unwrap();
    let start = Instant::now();
    let out = run_in(&dir, &["check", "many.fleet"], &[], None, Duration::from_secs(20));
    assert!(out.stderr.contains("more errors not shown"), "no closing note");
    assert!(out.stderr.matches("fleet::unknown_field").count() <= 50);
    let json = check(&dir, "many.fleet", &text);
    assert_eq!(codes(&json).len(), 20_000, "JSON lists every diagnostic");
    // Was over 20 s (quadratic line lookup and one full-file scan per drawing).
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
    // 10,000 unknown names among 20,000 definitions: "did you mean" searched every name for
    // every error (over a minute).
    let mut text = String::new();
    for i in 0..10_000 {
        text.push_str(&format!(
            "model m{i} {{\n  layers = 1\n}}\nworkload w{i} {{\n  model = mm{i}x\n}}\n"
        ));
    }
    let start = Instant::now();
    let out = check(&dir, "names.fleet", &text);
    assert!(codes(&out).iter().filter(|c| *c == "fleet::unknown_name").count() == 10_000);
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
}

#[test]
fn import_chains_are_limited() {
    let dir = scratch("chain");
    for i in 0..100 {
        std::fs::write(dir.join(format!("f{i}.fleet")), format!("use \"f{}.fleet\".*\n", i + 1))
            .unwrap();
    }
    std::fs::write(dir.join("f100.fleet"), "pool p { max = 8 }\n").unwrap();
    let out =
        run_in(&dir, &["--error-format", "json", "check", "f0.fleet"], &[], None, TEN_SECONDS);
    assert_eq!(codes(&out), ["fleet::import_chain"]);
    let out =
        run_in(&dir, &["--error-format", "json", "check", "f40.fleet"], &[], None, TEN_SECONDS);
    assert!(!codes(&out).contains(&"fleet::import_chain".to_string()), "60 files are fine");
}

#[test]
fn trace_values_and_sizes_are_limited() {
    let dir = scratch("trace-limits");
    let chat = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/chat.fleet");
    let chat = chat.to_str().unwrap();
    for (line, code) in [
        ("0.5,chat,100,1000000000", "fleet::trace_value"),
        ("0.5,chat,100.5,10", "fleet::trace_value"),
        ("1e300,chat,100,10", "fleet::trace_value"),
        ("NaN,chat,100,10", "fleet::trace_value"),
        ("0.5,chat,100", "fleet::trace_fields"),
    ] {
        std::fs::write(dir.join("t.csv"), format!("{line}\n")).unwrap();
        let out = run_in(&dir, &["simulate", chat, "--trace", "t.csv"], &[], None, TEN_SECONDS);
        assert_eq!(out.code, Some(1), "{line}: {}", out.stderr);
        assert!(out.stderr.contains(code), "{line}: {}", out.stderr);
    }
    // A file of nothing but bad lines stops after a bounded number of diagnostics.
    std::fs::write(dir.join("t.csv"), "x\n".repeat(200_000)).unwrap();
    let out = run_in(
        &dir,
        &["--error-format", "json", "simulate", chat, "--trace", "t.csv"],
        &[],
        None,
        TEN_SECONDS,
    );
    assert!(codes(&out).len() <= 200, "{} diagnostics", codes(&out).len());
}

#[test]
fn simulations_that_would_decode_too_many_tokens_are_refused() {
    let dir = scratch("sim-work");
    // A model that reads a million tokens (the catalog's read 128k).
    let long = "use std.hardware.{h200}\nuse std.models.{llama3_1_8b}\nmodel long from llama3_1_8b {\n  max_context = 2M tokens\n}\npool gpu {\n  device = h200\n  per_node = 8\n  max = 100000\n  price = 3 $/h\n}\nworkload w {\n  model = long\n  rate = 0.001 req/s\n  input = 100 tokens\n  output = 1M tokens\n}\n";
    std::fs::write(dir.join("long.fleet"), long).unwrap();
    // 100,000 requests of a million tokens ran for about an hour.
    let out =
        run_in(&dir, &["--error-format", "json", "simulate", "long.fleet"], &[], None, TEN_SECONDS);
    assert_eq!(codes(&out), ["fleet::simulation_too_large"]);
    let out =
        run_in(&dir, &["simulate", "long.fleet", "--duration", "365day"], &[], None, TEN_SECONDS);
    assert!(out.stderr.contains("fleet::simulation_too_large"), "{}", out.stderr);
    let out = run_in(&dir, &["plan", "--verify", "long.fleet"], &[], None, TEN_SECONDS);
    assert!(out.stderr.contains("fleet::simulation_too_large"), "{}", out.stderr);
    let chat = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/chat.fleet");
    let trace: String = (0..150).map(|i| format!("{i},chat,100,10000000\n")).collect();
    std::fs::write(dir.join("t.csv"), trace).unwrap();
    let args = ["--error-format", "json", "simulate", chat.to_str().unwrap(), "--trace", "t.csv"];
    let out = run_in(&dir, &args, &[], None, TEN_SECONDS);
    assert_eq!(codes(&out), ["fleet::trace_too_large"]);
}
