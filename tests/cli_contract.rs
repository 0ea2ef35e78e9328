//! The command line's contract (issue 16): with `--error-format json` stdout is exactly one
//! JSON document for every command, format and outcome; usage errors have their own exit
//! code; the exit-code table is the same in `--help`, the README and the binary; completions
//! and the manual page are generated; the catalog lists sources.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

fn fleetplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fleetplan"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// The files standing for each outcome: a plan, errors in the source, no plan within the
/// SLOs, a file that does not exist.
const OUTCOMES: [(&str, i32); 4] = [
    ("examples/chat.fleet", 0),
    ("tests/ui/many_errors.fleet", 1),
    ("examples/infeasible.fleet", 2),
    ("no/such/file.fleet", 1),
];

/// Every command line that takes a file, with each format it offers.
fn command_lines(file: &str) -> Vec<Vec<String>> {
    let mut lines = Vec::new();
    for format in ["text", "json", "md", "dot"] {
        lines.push(vec!["plan", file, "--format", format]);
    }
    for format in ["text", "json"] {
        lines.push(vec!["simulate", file, "--requests", "2000", "--format", format]);
        lines.push(vec!["explain", file, "--workload", "chat", "--format", format]);
        lines.push(vec![
            "estimate",
            "--file",
            file,
            "--model",
            "llama3_1_8b",
            "--device",
            "h100_sxm",
            "--format",
            format,
        ]);
    }
    lines.push(vec!["check", file]);
    lines.push(vec!["fmt", "--check", file]);
    lines.push(vec!["debug", "spec", file]);
    lines.push(vec!["debug", "ast", file]);
    lines.into_iter().map(|l| l.into_iter().map(String::from).collect()).collect()
}

#[test]
fn json_mode_prints_exactly_one_document_in_every_outcome() {
    let mut tried = 0;
    for (file, _) in OUTCOMES {
        for line in command_lines(file) {
            let mut args: Vec<&str> = line.iter().map(String::as_str).collect();
            args.push("--error-format");
            args.push("json");
            let out = fleetplan(&args);
            let stdout = String::from_utf8_lossy(&out.stdout);
            // `from_slice` refuses anything after the first value: one document, nothing more.
            let value: serde_json::Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("{args:?}: not one JSON document ({e}):\n{stdout}"));
            let code = out.status.code().unwrap();
            if let Some(object) = value.as_object() {
                assert_eq!(object["exit_code"], code, "{args:?}");
                assert!(object["diagnostics"].is_array(), "{args:?}");
                // Nothing is lost: a failed run says why.
                if code != 0 {
                    assert!(!object["diagnostics"].as_array().unwrap().is_empty(), "{args:?}");
                }
            } else {
                let diagnostics = value.as_array().unwrap();
                assert_eq!(diagnostics.is_empty(), code == 0, "{args:?}: {stdout}");
            }
            tried += 1;
        }
    }
    assert_eq!(tried, OUTCOMES.len() * command_lines("x").len());
}

#[test]
fn the_planning_commands_exit_with_the_outcome_code() {
    for (file, code) in OUTCOMES {
        for args in [&["plan", file][..], &["simulate", file, "--requests", "2000"]] {
            assert_eq!(fleetplan(args).status.code(), Some(code), "{args:?}");
        }
    }
}

#[test]
fn usage_errors_exit_64_apart_from_an_infeasible_plan() {
    for args in [
        &["plan"][..],
        &["plan", "examples/chat.fleet", "--no-such-option"],
        &["plan", "examples/chat.fleet", "--mip-gap", "2"],
        &["plan", "examples/chat.fleet", "--format", "pdf"],
        &["no-such-command"],
    ] {
        let out = fleetplan(args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: usage errors go to stderr");
    }
    // With `--error-format json`, a usage error is one JSON document too.
    for args in [
        &["plan", "--error-format", "json"][..],
        &["plan", "examples/chat.fleet", "--mip-gap=2", "--error-format=json"],
        &["--error-format", "json", "no-such-command"],
    ] {
        let out = fleetplan(args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(value[0]["code"], "fleet::usage", "{args:?}");
    }
    for args in [&["--help"][..], &["--version"], &["plan", "--help"]] {
        let out = fleetplan(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(!out.stdout.is_empty());
    }
}

#[test]
fn highs_missing_from_the_build_is_a_usage_error_that_says_how_to_build_it() {
    if cfg!(feature = "highs") {
        return;
    }
    let out = fleetplan(&["plan", "examples/chat.fleet", "--solver", "highs"]);
    assert_eq!(out.status.code(), Some(64));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--features highs"), "{stderr}");
}

/// The table in `--help` and in the README list the same codes and meanings.
#[test]
fn the_exit_code_table_is_the_same_in_help_and_readme() {
    let help = String::from_utf8_lossy(&fleetplan(&["--help"]).stdout).into_owned();
    let from_help: Vec<(u32, String)> = help
        .split("Exit codes:")
        .nth(1)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let (code, meaning) = l.trim().split_once(char::is_whitespace)?;
            Some((code.parse().ok()?, meaning.trim().to_string()))
        })
        .collect();
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let from_readme: Vec<(u32, String)> = readme
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells.len() == 4).then_some(())?;
            Some((cells[1].parse().ok()?, cells[2].replace('`', "")))
        })
        .collect();
    let codes = |t: &[(u32, String)]| t.iter().map(|(c, _)| *c).collect::<Vec<_>>();
    assert_eq!(codes(&from_help), [0, 1, 2, 3, 64]);
    assert_eq!(codes(&from_readme), codes(&from_help));
    for ((_, h), (_, r)) in from_help.iter().zip(&from_readme) {
        // The README may say more; it starts with what `--help` says.
        let first_words: String = h.split_whitespace().take(4).collect::<Vec<_>>().join(" ");
        assert!(r.starts_with(&first_words), "README `{r}` vs --help `{h}`");
    }
}

#[test]
fn completions_and_the_manual_name_every_command() {
    let commands = ["plan", "simulate", "check", "fmt", "estimate", "explain", "deploy", "catalog"];
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = fleetplan(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = String::from_utf8_lossy(&out.stdout);
        for command in commands {
            assert!(script.contains(command), "{shell} completion lacks `{command}`");
        }
        assert!(script.contains("error-format"), "{shell}");
    }
    let man = String::from_utf8_lossy(&fleetplan(&["man"]).stdout).into_owned();
    assert!(man.starts_with(".ie") || man.contains(".TH fleetplan 1"), "{man}");
    for command in commands {
        assert!(man.contains(command), "the manual lacks `{command}`");
    }
}

/// Figures checked against the catalog's own text (std/hardware.fleet): the H100's memory is
/// the driver's 81,559 MiB, its source S1 is Glenn Lockwood's page.
#[test]
fn the_catalog_lists_figures_with_their_sources() {
    let out = fleetplan(&["catalog", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let devices = value["devices"].as_array().unwrap();
    let h100 = devices.iter().find(|d| d["name"] == "h100_sxm").unwrap();
    assert_eq!(h100["memory_bytes"].as_f64().unwrap(), 81_559.0 * 1024.0 * 1024.0);
    assert_eq!(h100["title"], "NVIDIA H100 SXM5 80GB (Hopper).");
    let s1 = h100["sources"].as_array().unwrap().iter().find(|s| s["tag"] == "S1").unwrap();
    assert!(s1["text"].as_str().unwrap().starts_with("glennklockwood.com"));
    // Every entry cites at least one source, and every source has text.
    for entry in devices.iter().chain(value["models"].as_array().unwrap()) {
        let sources = entry["sources"].as_array().unwrap();
        assert!(!sources.is_empty(), "{} cites no source", entry["name"]);
        assert!(sources.iter().all(|s| !s["text"].as_str().unwrap().is_empty()));
    }
    let text = String::from_utf8_lossy(&fleetplan(&["catalog", "models"]).stdout).into_owned();
    assert!(text.contains("llama3_1_70b") && !text.contains("h100_sxm"));
    assert!(text.contains("[M1]"));
}

/// Markdown names each memory tier's kind (two tiers of one pool are told apart), and DOT
/// draws as used exactly the tiers the plan's JSON lists, with the kinds' user-facing names.
#[test]
fn markdown_and_dot_show_the_memory_tiers_the_plan_uses() {
    let file = "examples/three-layer.fleet";
    let json = fleetplan(&["plan", file, "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let used: Vec<(String, String)> = plan["memory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (m["pool"].as_str().unwrap().to_string(), m["kind"].as_str().unwrap().replace('_', " "))
        })
        .collect();
    assert!(used.len() >= 2, "three-layer uses at least two tiers: {used:?}");
    let md =
        String::from_utf8_lossy(&fleetplan(&["plan", file, "--format", "md"]).stdout).into_owned();
    for (pool, kind) in &used {
        let row = format!("| {pool} | {kind} |");
        assert!(md.to_lowercase().contains(&row), "markdown lacks {row}:\n{md}");
    }
    let dot =
        String::from_utf8_lossy(&fleetplan(&["plan", file, "--format", "dot"]).stdout).into_owned();
    let tiers: Vec<&str> = dot.lines().filter(|l| l.contains("label=\"tier ")).collect();
    for line in &tiers {
        let filled = line.contains("style=filled");
        let listed =
            used.iter().any(|(p, k)| line.to_lowercase().contains(&format!("tier {p} ({k})")));
        assert_eq!(filled, listed, "{line}");
        assert!(!line.contains("Memory)") && !line.contains("Hbm)"), "a Rust name: {line}");
    }
}

/// Suggestions for names a file cannot see (tests/ui/catalog_suggestions.fleet): the nearest
/// name across the file's scope and the catalog, with the `use` line when it is in the catalog,
/// and a Hugging Face id steered to the catalog model it names.
#[test]
fn unknown_names_get_the_right_suggestion() {
    let out = fleetplan(&["check", "--error-format", "json", "tests/ui/catalog_suggestions.fleet"]);
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let help_for = |message_part: &str| -> String {
        value
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["message"].as_str().unwrap().contains(message_part))
            .map(|d| d["help"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no diagnostic about {message_part}: {value}"))
    };
    assert!(help_for("`H100`").contains("`h100_sxm`"));
    assert!(help_for("`H100`").contains("use std.hardware.{h100_sxm}"));
    assert!(help_for("`llama3_70b`").contains("use std.models.{llama3_3_70b}"));
    assert_eq!(help_for("`llama3_8b`"), "did you mean `llama3_1_8b`?");
    assert!(help_for("`llama3_1_70b`").contains("import it with `use std.models.{llama3_1_70b}`"));
    assert!(help_for("found a string").contains("the catalog's `llama3_1_8b`"));
    let out = fleetplan(&["estimate", "--model", "llama3_8b", "--device", "H100"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`llama3_1_8b`") && stderr.contains("`h100_sxm`"), "{stderr}");
    let out = fleetplan(&["estimate", "--model", "Qwen/Qwen3-32B", "--device", "h200"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

/// `--color always` colours diagnostics even into a pipe, `never` and `auto` into a pipe do
/// not, and `NO_COLOR` turns `auto` off.
#[test]
fn color_follows_the_option() {
    let run = |color: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_fleetplan"))
            .args(["check", "tests/ui/unknown_unit.fleet", "--color", color])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("NO_COLOR")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8_lossy(&out.stderr).contains("\u{1b}[")
    };
    assert!(run("always"));
    assert!(!run("never"));
    assert!(!run("auto"), "stderr is a pipe here");
}
