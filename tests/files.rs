//! Every file fleetplan reads: FIFOs, devices and folders are refused at once with a code (never
//! a hang), sizes are limited, paths in files follow the policy, no other file's text is shown,
//! a closed pipe ends quietly, and every error carries a code. Each run has a deadline.
#![allow(clippy::unwrap_used)]

mod hostile;

use std::path::Path;
use std::process::Command;

use hostile::{diagnostic_codes as json_codes, run_in, scratch, Run, TEN_SECONDS};

const GOOD: &str =
    "use std.hardware.{h200}\npool gpu {\n  device = h200\n  max = 8\n  price = 3 $/h\n}\n";

fn run(dir: &Path, args: &[&str]) -> Run {
    run_in(dir, args, &[], None, TEN_SECONDS)
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[test]
fn special_files_as_the_root_are_refused_at_once() {
    let dir = scratch("root-special");
    mkfifo(&dir.join("pipe.fleet"));
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.fleet")).unwrap();
    std::os::unix::fs::symlink("/dev/urandom", dir.join("random.fleet")).unwrap();
    std::fs::create_dir(dir.join("folder.fleet")).unwrap();
    for name in ["pipe.fleet", "zero.fleet", "random.fleet", "folder.fleet"] {
        for command in
            [&["check", name][..], &["fmt", name], &["debug", "ast", name], &["plan", name]]
        {
            let out = run(&dir, command);
            assert_eq!(out.code, Some(1), "{command:?}: {}", out.stderr);
            assert!(out.stderr.contains("fleet::not_a_file"), "{command:?}: {}", out.stderr);
        }
        let out = run(&dir, &["--error-format", "json", "check", name]);
        assert_eq!(json_codes(&out), ["fleet::not_a_file"]);
    }
}

#[test]
fn special_files_named_inside_a_file_are_refused_at_their_span() {
    let dir = scratch("named-special");
    mkfifo(&dir.join("pipe.fleet"));
    mkfifo(&dir.join("lengths.csv"));
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.csv")).unwrap();
    std::fs::write(dir.join("import.fleet"), "use \"pipe.fleet\".*\n").unwrap();
    let out = run(&dir, &["--error-format", "json", "check", "import.fleet"]);
    assert_eq!(json_codes(&out), ["fleet::not_a_file"]);
    let root = format!(
        "{GOOD}use std.models.{{llama3_1_8b}}\nworkload w {{\n  model = llama3_1_8b\n  rate = 1 req/s\n  input = empirical(\"lengths.csv\")\n  output = empirical(\"zero.csv\")\n  slo {{\n    ttft p90 <= 1 s\n  }}\n}}\n"
    );
    std::fs::write(dir.join("root.fleet"), root).unwrap();
    let out = run(&dir, &["--error-format", "json", "check", "root.fleet"]);
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let found: Vec<(String, String)> = value
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (d["code"].as_str().unwrap().to_string(), d["message"].as_str().unwrap().to_string())
        })
        .collect();
    assert!(
        found.iter().any(|(c, m)| c == "fleet::data_file_unreadable"
            && m.contains("lengths.csv")
            && m.contains("pipe")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|(c, m)| c == "fleet::data_file_unreadable"
            && m.contains("zero.csv")
            && m.contains("device")),
        "{found:?}"
    );
    let chat = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/chat.fleet");
    for trace in ["lengths.csv", "zero.csv"] {
        let out = run(&dir, &["simulate", chat.to_str().unwrap(), "--trace", trace]);
        assert_eq!(out.code, Some(1));
        assert!(out.stderr.contains("fleet::not_a_file"), "{}", out.stderr);
    }
}

#[test]
fn files_over_the_size_limit_are_refused_and_the_limit_is_overridable() {
    let dir = scratch("size");
    std::fs::write(dir.join("root.fleet"), GOOD).unwrap();
    let small = [("FLEETPLAN_MAX_FILE_BYTES", "20")];
    let out = run_in(&dir, &["check", "root.fleet"], &small, None, TEN_SECONDS);
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("fleet::file_too_large"), "{}", out.stderr);
    assert!(out.stderr.contains("FLEETPLAN_MAX_FILE_BYTES"), "the help names the override");
    let out = run_in(&dir, &["check", "-"], &small, Some(GOOD.as_bytes()), TEN_SECONDS);
    assert!(out.stderr.contains("fleet::file_too_large"), "{}", out.stderr);
    let out = run(&dir, &["check", "root.fleet"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    // The default limit: an 1.1 MiB file is refused without being parsed.
    let big = "// padding\n".repeat(100_000);
    std::fs::write(dir.join("big.fleet"), &big).unwrap();
    let out = run(&dir, &["check", "big.fleet"]);
    assert!(out.stderr.contains("fleet::file_too_large"), "{}", out.stderr);
    // Files under the limit, but over twice it together: the import that passes it is refused.
    let part = "// padding\n".repeat(80_000);
    for (name, next) in [("a.fleet", "b.fleet"), ("b.fleet", "c.fleet"), ("c.fleet", "d.fleet")] {
        std::fs::write(dir.join(name), format!("use \"{next}\".*\n{part}")).unwrap();
    }
    std::fs::write(dir.join("d.fleet"), "pool p {\n  max = 1\n}\n").unwrap();
    let out = run(&dir, &["--error-format", "json", "check", "a.fleet"]);
    assert_eq!(json_codes(&out), ["fleet::file_too_large"]);
    assert!(out.stdout.contains("would total more than"), "{}", out.stdout);
}

#[test]
fn byte_order_mark_is_accepted_and_other_encodings_are_refused() {
    let dir = scratch("encoding");
    std::fs::write(dir.join("bom.fleet"), format!("\u{feff}{GOOD}")).unwrap();
    assert_eq!(run(&dir, &["check", "bom.fleet"]).code, Some(0));
    let out =
        run_in(&dir, &["check", "-"], &[], Some(format!("\u{feff}{GOOD}").as_bytes()), TEN_SECONDS);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let mut latin1 = GOOD.as_bytes().to_vec();
    latin1.extend_from_slice(b"// caf\xe9\n");
    std::fs::write(dir.join("latin1.fleet"), latin1).unwrap();
    let out = run(&dir, &["check", "latin1.fleet"]);
    assert!(out.stderr.contains("fleet::not_text"), "{}", out.stderr);
}

#[test]
fn paths_outside_the_policy_are_refused_and_never_shown() {
    let dir = scratch("paths");
    std::fs::write(dir.join("secret.txt"), "TOP-SECRET-LINE\n").unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();
    std::fs::write(dir.join("secret.fleetx"), "TOP-SECRET-LINE\n").unwrap();
    // The root must be a `.fleet` file: a syntax error would show its lines.
    for args in [
        &["check", "secret.txt"][..],
        &["plan", "secret.txt"],
        &["fmt", "secret.txt"],
        &["fmt", "--check", "secret.txt"],
        &["debug", "ast", "secret.txt"],
        &["explain", "secret.txt", "--workload", "w"],
    ] {
        let out = run(&dir, args);
        assert!(out.stderr.contains("fleet::not_fleet_file"), "{args:?}: {}", out.stderr);
        assert!(!out.stderr.contains("TOP-SECRET"));
        assert_eq!(std::fs::read_to_string(dir.join("secret.txt")).unwrap(), "TOP-SECRET-LINE\n");
    }
    for (import, code) in [
        ("/etc/passwd", "fleet::path_not_allowed"),
        ("../secret.txt", "fleet::path_not_allowed"),
        ("../secret.fleetx", "fleet::path_not_allowed"),
    ] {
        std::fs::write(dir.join("sub/root.fleet"), format!("use \"{import}\".*\n")).unwrap();
        let out = run(&dir, &["check", "sub/root.fleet"]);
        assert!(out.stderr.contains(code), "{import}: {}", out.stderr);
        assert!(
            !out.stderr.contains("TOP-SECRET") && !out.stderr.contains("root:"),
            "{}",
            out.stderr
        );
    }
    // `..` is allowed for `.fleet` files.
    std::fs::write(dir.join("common.fleet"), GOOD).unwrap();
    std::fs::write(dir.join("sub/root.fleet"), "use \"../common.fleet\".{gpu}\n").unwrap();
    let out = run(&dir, &["check", "sub/root.fleet"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    // A data call names only `.csv` or `.txt` files, never absolute ones.
    let workload = |path: &str| {
        format!("{GOOD}use std.models.{{llama3_1_8b}}\nworkload w {{\n  model = llama3_1_8b\n  rate = 1 req/s\n  input = empirical(\"{path}\")\n  output = 100 tokens\n  slo {{\n    ttft p90 <= 1 s\n  }}\n}}\n")
    };
    for path in ["/etc/passwd", "../secret.fleetx", "/etc/hostname.csv"] {
        std::fs::write(dir.join("sub/root.fleet"), workload(path)).unwrap();
        let out = run(&dir, &["check", "sub/root.fleet"]);
        assert!(out.stderr.contains("fleet::data_file_unreadable"), "{path}: {}", out.stderr);
        assert!(out.stderr.contains("not allowed"), "{path}: {}", out.stderr);
        assert!(!out.stderr.contains("TOP-SECRET") && !out.stderr.contains("root:"));
    }
    // A data call in a field that takes none is never read.
    std::fs::write(dir.join("sub/root.fleet"), "pool p {\n  max = empirical(\"missing.csv\")\n}\n")
        .unwrap();
    let out = run(&dir, &["check", "sub/root.fleet"]);
    assert!(!out.stderr.contains("cannot read"), "{}", out.stderr);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let chat = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/chat.fleet");
    let chat = chat.to_str().unwrap();
    for args in [
        &["plan", chat][..],
        &["plan", "--format", "json", chat],
        &["debug", "ast", chat],
        &["debug", "spec", chat],
        &["fmt", "-"],
        &["--error-format", "json", "check", "missing.fleet"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fleetplan"))
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before anything is written.
        drop(child.stdout.take());
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            let _ = stdin.write_all(std::fs::read(chat).unwrap().as_slice());
        }
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "{args:?}: {stderr}"
        );
        assert!(out.status.code().is_some(), "{args:?} was killed by a signal");
    }
}

#[test]
fn options_out_of_range_are_refused_by_name() {
    let dir = scratch("options");
    let chat = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/chat.fleet");
    let chat = chat.to_str().unwrap();
    for (option, value) in [
        ("--time-limit", "inf"),
        ("--time-limit", "NaN"),
        ("--time-limit", "-5"),
        ("--time-limit", "1e300"),
        ("--time-limit", "0"),
        ("--mip-gap", "-1"),
        ("--mip-gap", "2"),
        ("--mip-gap", "NaN"),
    ] {
        // Written apart, a negative value is still read as the option's value.
        let out = run(&dir, &["plan", chat, option, value]);
        assert_eq!(out.code, Some(64), "{option} {value}: {}", out.stderr);
        assert!(
            out.stderr.contains("must be") || out.stderr.contains("not a number"),
            "{}",
            out.stderr
        );
        let assignment = format!("{option}={value}");
        let out = run(&dir, &["plan", chat, &assignment]);
        assert_eq!(out.code, Some(64), "{assignment}: {}", out.stderr);
        assert!(
            out.stderr.contains("must be") || out.stderr.contains("not a number"),
            "{assignment}: {}",
            out.stderr
        );
    }
    for args in [
        &["simulate", chat, "--duration=0s"][..],
        &["simulate", chat, "--duration=-1s"],
        &["simulate", chat, "--duration=1e400s"],
        &["simulate", chat, "--requests=0"],
        &["estimate", "--model=llama3_1_8b", "--device=h200", "--input=0"],
        &["estimate", "--model=llama3_1_8b", "--device=h200", "--tp=0"],
        &["estimate", "--model=llama3_1_8b", "--device=h200", "--batch=0"],
        &["estimate", "--model=llama3_1_8b", "--device=h200", "--tpot=0ms"],
    ] {
        let out = run(&dir, args);
        assert_eq!(out.code, Some(64), "{args:?}: {}", out.stderr);
    }
}

#[test]
fn errors_without_a_source_carry_a_code_in_every_format() {
    let dir = scratch("codes");
    let chat = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/chat.fleet");
    let chat = chat.to_str().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (&["check", "missing.fleet"], "fleet::io"),
        (&["explain", chat, "--workload", "nope"], "fleet::unknown_name"),
        (&["estimate", "--model", "nope", "--device", "h200"], "fleet::unknown_name"),
        (&["simulate", chat, "--trace", "missing.csv"], "fleet::io"),
    ];
    for (args, code) in cases {
        for format in ["human", "plain"] {
            let mut all = vec!["--error-format", format];
            all.extend_from_slice(args);
            let out = run(&dir, &all);
            assert_eq!(out.code, Some(1));
            assert!(out.stderr.contains(code), "{all:?}: {}", out.stderr);
            assert!(out.stderr.contains("help:"), "{all:?}: {}", out.stderr);
        }
        let mut all = vec!["--error-format", "json"];
        all.extend_from_slice(args);
        let out = run(&dir, &all);
        assert_eq!(json_codes(&out), [code], "{all:?}");
    }
}

#[test]
fn data_files_hold_at_most_a_million_lengths() {
    let dir = scratch("rows");
    std::fs::write(dir.join("lengths.csv"), "7\n".repeat(1_000_001)).unwrap();
    let root = format!(
        "{GOOD}use std.models.{{llama3_1_8b}}\nworkload w {{\n  model = llama3_1_8b\n  rate = 1 req/s\n  input = empirical(\"lengths.csv\")\n  output = 100 tokens\n}}\n"
    );
    std::fs::write(dir.join("root.fleet"), root).unwrap();
    let out = run(&dir, &["check", "root.fleet"]);
    assert!(out.stderr.contains("fleet::out_of_range"), "{}", out.stderr);
    assert!(out.stderr.contains("at most 1000000 lengths"), "{}", out.stderr);
}
