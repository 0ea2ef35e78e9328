//! The command line as a user runs it: exit codes, output streams, formats, standard input.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn fleetplan(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fleetplan"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn check_accepts_a_good_file() {
    let out = fleetplan(&["check", "examples/chat.fleet"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty() && out.stdout.is_empty());
}

#[test]
fn check_reports_every_error_and_exits_1() {
    let out = fleetplan(&["check", "tests/ui/many_errors.fleet"], None);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    for code in [
        "fleet::unknown_value",
        "fleet::unknown_unit",
        "fleet::unknown_field",
        "fleet::out_of_range",
        "fleet::unknown_name",
    ] {
        assert!(stderr.contains(code), "missing {code} in:\n{stderr}");
    }
    assert!(!stderr.contains("\u{1b}["), "NO_COLOR output has escape codes");
}

/// With `--error-format json`, a command that prints only diagnostics prints one JSON array in
/// every outcome: `[]` when the file is fine (issue 16: a script expects a document).
#[test]
fn check_and_fmt_check_print_an_empty_array_when_all_is_well() {
    for args in [
        ["check", "--error-format", "json", "examples/chat.fleet"].as_slice(),
        ["fmt", "--check", "--error-format", "json", "examples/chat.fleet"].as_slice(),
    ] {
        let out = fleetplan(args, None);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(value, serde_json::json!([]), "{args:?}");
    }
}

/// `--format json --error-format json`: the result and the diagnostics in one document; an
/// infeasible plan asked for as DOT has no result (`null`), only diagnostics.
#[test]
fn json_results_and_diagnostics_are_one_document() {
    let out = fleetplan(
        &["plan", "--format", "json", "--error-format", "json", "examples/chat.fleet"],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(value["plan"]["totals"]["cost_usd_per_hour"].as_f64().is_some_and(|c| c > 0.0));
    assert_eq!(value["diagnostics"], serde_json::json!([]));
    let out = fleetplan(
        &["plan", "--format", "dot", "--error-format", "json", "examples/infeasible.fleet"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["plan"], serde_json::Value::Null, "{value}");
    assert_eq!(value["exit_code"], 2);
    assert!(value["diagnostics"].as_array().is_some_and(|d| !d.is_empty()), "{value}");
}

#[test]
fn json_diagnostics_have_the_documented_shape() {
    let out =
        fleetplan(&["check", "--error-format", "json", "tests/ui/params_in_bytes.fleet"], None);
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = value.as_array().unwrap();
    assert_eq!(items.len(), 1);
    let d = &items[0];
    assert_eq!(d["code"], "fleet::unit_mismatch");
    assert_eq!(d["file"], "tests/ui/params_in_bytes.fleet");
    assert_eq!(d["line"], 4);
    assert_eq!(d["column"], 12);
    let (start, end) = (d["span"]["start"].as_u64().unwrap(), d["span"]["end"].as_u64().unwrap());
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/ui/params_in_bytes.fleet"
    ))
    .unwrap();
    assert_eq!(&source[start as usize..end as usize], "70B");
    assert!(d["help"].as_str().unwrap().contains("70G"));
    assert!(d["message"].as_str().unwrap().contains("data size"));
}

#[test]
fn plain_format_has_no_drawing() {
    let out = fleetplan(&["check", "--error-format", "plain", "tests/ui/unknown_unit.fleet"], None);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("unknown unit `GBs`") && !stderr.contains('╭'), "{stderr}");
}

#[test]
fn unreadable_file_is_an_error_not_a_crash() {
    let out = fleetplan(&["check", "examples/does-not-exist.fleet"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot read `examples/does-not-exist.fleet`"));
}

#[test]
fn dash_reads_standard_input() {
    let good = "use std.hardware.{h200}\npool gpu { device = h200  max = 8  price = 3 $/h }\n";
    let out = fleetplan(&["check", "-"], Some(good));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let bad = "pool gpu { device = h201  max = 8 }\n";
    let out = fleetplan(&["check", "-"], Some(bad));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("<stdin>"));
}

#[test]
fn debug_dumps_ast_and_spec_as_json() {
    for form in ["ast", "spec"] {
        let out = fleetplan(&["debug", form, "examples/chat.fleet"], None);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(value.is_object() || value.is_array());
    }
    let spec: serde_json::Value =
        serde_json::from_slice(&fleetplan(&["debug", "spec", "examples/chat.fleet"], None).stdout)
            .unwrap();
    assert_eq!(spec["workloads"]["chat"]["rate_per_s"], 25.0);
    assert_eq!(spec["pools"]["gpu"]["per_node"], 8);
}

#[test]
fn fmt_check_and_rewrite() {
    let dir = std::env::temp_dir().join(format!("fleetplan-fmt-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("messy.fleet");
    let messy = "pool   gpu{device=h200 max=8   // eight\n}\n";
    std::fs::write(&file, messy).unwrap();
    let path = file.to_str().unwrap();

    let out = fleetplan(&["fmt", "--check", path], None);
    assert_eq!(out.status.code(), Some(1), "an unformatted file must fail --check");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), messy, "--check must not write");

    let out = fleetplan(&["fmt", path], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let formatted = std::fs::read_to_string(&file).unwrap();
    assert_ne!(formatted, messy);
    assert!(formatted.contains("// eight"), "comment lost:\n{formatted}");

    let out = fleetplan(&["fmt", "--check", path], None);
    assert_eq!(out.status.code(), Some(0), "formatted file must pass --check");
    let leftovers: Vec<_> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "temporary files left behind: {leftovers:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fmt_of_invalid_input_reports_and_exits_1() {
    let out = fleetplan(&["fmt", "-"], Some("pool gpu { max = }"));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("fleet::syntax"));
}

#[test]
fn simulate_prints_attainment_and_exits_0_when_slos_hold() {
    let out = fleetplan(&["simulate", "examples/chat.fleet", "--requests", "3000"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("ttft p90 <= 1.00 s"), "{stdout}");
    let json = fleetplan(
        &["simulate", "examples/chat.fleet", "--requests", "3000", "--format", "json"],
        None,
    );
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(value["workloads"][0]["ttft_s"]["p99"].is_number());
    assert!(value["workloads"][0]["slo_attainment"][0]["attainment"].is_number());
}

#[test]
fn simulate_exits_3_when_an_slo_is_missed() {
    // chat.fleet plans for 25 req/s; the trace replays a surge at 40 req/s.
    let out = fleetplan(
        &["simulate", "examples/chat.fleet", "--trace", "tests/data/chat-surge.csv"],
        None,
    );
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("fleet::slo_missed") && stderr.contains("ttft p90 <= 1 s"), "{stderr}");
}

#[test]
fn simulate_replays_a_trace_and_reports_bad_lines() {
    let out = fleetplan(
        &["simulate", "examples/chat.fleet", "--trace", "tests/data/chat-trace.csv"],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("400 requests (trace"));
    let dir = std::env::temp_dir().join(format!("fleetplan-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "0.1,chat,10\n").unwrap();
    let out =
        fleetplan(&["simulate", "examples/chat.fleet", "--trace", bad.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("fleet::trace_fields"));
    let missing = fleetplan(&["simulate", "examples/chat.fleet", "--trace", "no/such.csv"], None);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("cannot read"));
}

#[test]
fn simulate_an_infeasible_file_exits_2() {
    let out = fleetplan(&["simulate", "examples/infeasible.fleet"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn plan_verify_replans_until_the_simulation_holds() {
    let out = fleetplan(
        &[
            "plan",
            "examples/chat.fleet",
            "--verify",
            "--trace",
            "tests/data/chat-surge.csv",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["holds"], true);
    assert!(value["rounds"].as_array().unwrap().len() > 1);
    let (before, after) = (
        value["cost_before_usd_per_hour"].as_f64().unwrap(),
        value["cost_after_usd_per_hour"].as_f64().unwrap(),
    );
    assert!(after > before, "{before} → {after}");
    assert!(value["margins"]["chat"].as_f64().unwrap() > 0.0);
}

#[test]
fn timings_go_to_stderr_and_leave_the_plan_alone() {
    let plain = fleetplan(&["plan", "examples/chat.fleet"], None);
    let timed = fleetplan(&["plan", "examples/chat.fleet", "--timings"], None);
    assert_eq!(timed.status.code(), Some(0), "{}", text(&timed.stderr));
    assert_eq!(timed.stdout, plain.stdout);
    let stderr = text(&timed.stderr);
    for stage in ["load", "check", "perf+graph", "solve", "report", "total"] {
        assert!(stderr.lines().any(|l| l.trim_start().starts_with(stage)), "no {stage}: {stderr}");
    }
}
