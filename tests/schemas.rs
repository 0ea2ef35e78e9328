//! The JSON Schemas (issue 16): the checked-in `schemas/*.json` are the ones the types
//! generate (`FLEETPLAN_UPDATE_SCHEMAS=1 cargo test --test schemas` rewrites them), and every
//! example's JSON output validates against them, checked by an independent validator: the
//! Python `jsonschema` package (the reference implementation of the specification), which
//! `.ci/run` installs.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn checked_in_schemas_are_the_generated_ones() {
    let update = std::env::var_os("FLEETPLAN_UPDATE_SCHEMAS").is_some();
    let mut names = Vec::new();
    for (name, schema) in fleetplan::json_schema::schemas() {
        let path = root().join("schemas").join(name);
        let text = format!("{}\n", serde_json::to_string_pretty(&schema).unwrap());
        if update {
            std::fs::write(&path, &text).unwrap();
        }
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            checked_in == text,
            "schemas/{name} differs from the types: FLEETPLAN_UPDATE_SCHEMAS=1 cargo test --test schemas"
        );
        names.push(name.to_string());
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(root().join("schemas"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    names.sort();
    assert_eq!(on_disk, names, "schemas/ holds a schema no type generates");
}

fn fleetplan(args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_fleetplan"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    out.stdout
}

/// Every JSON output the examples give, each with the schema it must follow.
fn outputs(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut pairs = Vec::new();
    let mut add = |schema: &str, label: String, stdout: Vec<u8>| {
        let path = dir.join(format!("{}.json", pairs.len()));
        assert!(!stdout.is_empty(), "{label}: no output");
        std::fs::write(&path, stdout).unwrap();
        pairs.push((schema.to_string(), path));
    };
    for file in common::fleet_files("examples") {
        let name = file.to_string_lossy().into_owned();
        let infeasible = name.contains("infeasible");
        if !infeasible {
            add("plan", name.clone(), fleetplan(&["plan", &name, "--format", "json"]));
            let sim = fleetplan(&["simulate", &name, "--requests", "2000", "--format", "json"]);
            add("simulation", name.clone(), sim);
        }
        for format in ["json", "text"] {
            let doc = fleetplan(&["plan", &name, "--format", format, "--error-format", "json"]);
            add("document", name.clone(), doc);
        }
        let spec = fleetplan::compile(fleetplan::load::Root::Path(file.clone())).unwrap();
        for workload in spec.result.unwrap().workloads.keys() {
            let explain = ["explain", &name, "--workload", workload, "--format", "json"];
            add("explanation", format!("{name} {workload}"), fleetplan(&explain));
        }
    }
    let verify =
        ["plan", "examples/chat.fleet", "--verify", "--requests", "2000", "--format", "json"];
    add("verification", "verify chat".into(), fleetplan(&verify));
    for (model, device) in
        [("llama3_1_70b", "h200"), ("deepseek_v3", "b200"), ("llama3_1_405b", "l4")]
    {
        let args = ["estimate", "--model", model, "--device", device, "--format", "json"];
        add("estimate", format!("{model} {device}"), fleetplan(&args));
    }
    add("catalog", "catalog".into(), fleetplan(&["catalog", "--format", "json"]));
    for (file, workload) in
        [("examples/chat.fleet", "chat"), ("examples/three-layer.fleet", "voice")]
    {
        let args = ["frontier", file, "--workload", workload, "--format", "json"];
        add("frontier", format!("{file} {workload}"), fleetplan(&args));
        let args = ["frontier", file, "--workload", workload, "--format", "json", "--by-pool"];
        add("frontier-by-pool", format!("{file} {workload} by pool"), fleetplan(&args));
    }
    let page = dir.join("page.html");
    let page = page.to_str().unwrap();
    let args = ["report", "examples/chat.fleet", "-o", page, "--error-format", "json"];
    add("document", "report".into(), fleetplan(&args));
    let args = [
        "plan",
        "examples/chat.fleet",
        "--sensitivity",
        "--format",
        "json",
        "--error-format",
        "json",
    ];
    add("document", "sensitivity".into(), fleetplan(&args));
    for file in common::fleet_files("tests/ui") {
        let name = file.to_string_lossy().into_owned();
        add("diagnostics", name.clone(), fleetplan(&["check", "--error-format", "json", &name]));
    }
    add(
        "diagnostics",
        "missing".into(),
        fleetplan(&["check", "--error-format", "json", "no.fleet"]),
    );
    pairs
}

const VALIDATE: &str = r#"
import json, os, sys
from jsonschema import Draft202012Validator
failures = 0
for line in sys.stdin:
    schema_path, instance_path = line.rstrip("\n").split("\t")
    schema = json.load(open(schema_path))
    Draft202012Validator.check_schema(schema)
    instance = json.load(open(instance_path))
    checks = [(schema_path, schema, instance)]
    # A document's results are checked against their own schemas too.
    if schema_path.endswith("document.schema.json"):
        folder = schema_path.rsplit("/", 1)[0]
        for key, value in instance.items():
            names = {"frontier": ["frontier", "frontier-by-pool"]}.get(key, [key])
            paths = [f"{folder}/{n}.schema.json" for n in names]
            paths = [p for p in paths if os.path.exists(p)]
            if value is None or not paths or key == "diagnostics":
                continue
            fits = [p for p in paths if Draft202012Validator(json.load(open(p))).is_valid(value)]
            if not fits:
                checks.append((paths[0], json.load(open(paths[0])), value))
    for path, schema, value in checks:
        errors = list(Draft202012Validator(schema).iter_errors(value))
        for e in errors[:3]:
            print(f"{instance_path} against {path}: {e.message} at {list(e.absolute_path)}")
        failures += bool(errors)
print(f"validated, {failures} failing")
sys.exit(1 if failures else 0)
"#;

#[test]
fn every_example_output_validates_against_its_schema() {
    let has_validator = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_validator {
        // CI installs it (.ci/run); a machine without it cannot run this check, and says so.
        assert!(std::env::var_os("CI").is_none(), "CI must have python3 with jsonschema");
        eprintln!("skipped: python3 with the jsonschema package is not installed");
        return;
    }
    let dir = std::env::temp_dir().join(format!("fleetplan-schemas-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pairs = outputs(&dir);
    let input: String = pairs
        .iter()
        .map(|(schema, path)| {
            let schema = root().join("schemas").join(format!("{schema}.schema.json"));
            format!("{}\t{}\n", schema.display(), path.display())
        })
        .collect();
    let mut child = Command::new("python3")
        .args(["-c", VALIDATE])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}");
    assert!(report.contains("validated, 0 failing"), "{report}");
    assert!(pairs.len() > 50, "only {} outputs validated", pairs.len());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The document schema names every result key the commands use (`result_named("…")` and
/// `extra("…", …)` in src/cli): its `additionalProperties: false` would refuse any other.
#[test]
fn the_document_schema_names_every_result_key() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/document.schema.json")).unwrap(),
    )
    .unwrap();
    let properties = schema["properties"].as_object().unwrap();
    let mut keys = Vec::new();
    for entry in std::fs::read_dir(root().join("src/cli")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for marker in ["result_named(\"", "extra(\""] {
            for part in text.split(marker).skip(1) {
                keys.push(part.split('"').next().unwrap().to_string());
            }
        }
    }
    assert!(keys.len() >= 10, "only {keys:?} found: is the scan broken?");
    for key in keys {
        assert!(properties.contains_key(&key), "document.schema.json lacks `{key}`");
    }
}
