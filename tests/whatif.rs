//! What-if (`plan --sensitivity`, `objective maximize throughput`) against independent
//! re-plans: each figure is checked by running `fleetplan plan` as a user would, on a file
//! with the change written into its text, never by calling the code that computed it.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use fleetplan::load::Root;
use fleetplan::simulate::{SimOptions, Traffic};
use fleetplan::solve::Options;
use fleetplan::whatif::sensitivity::BreakEven;
use fleetplan::PlanOutcome;

/// Runs the binary from the crate root; (exit code, stdout).
fn fleetplan(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fleetplan"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Plans `text` with the binary (through a temporary file) with `args`; the JSON plan, or
/// `None` when it exits with 2 (no plan).
fn plan_text_json(text: &str, args: &[&str]) -> Option<serde_json::Value> {
    let (_dir, path) = write_case(text);
    let path = path.to_string_lossy().into_owned();
    let mut all = vec!["plan", path.as_str(), "--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout) = fleetplan(&all);
    match code {
        0 => Some(serde_json::from_str(&stdout).unwrap()),
        2 => None,
        other => panic!("plan exited with {other}:\n{text}"),
    }
}

/// `text` written to a file two folders below the crate root (in `target/`), so that an
/// example's relative data paths resolve as `../../examples/…`.
fn write_case(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(root.join("target")).unwrap();
    let dir = tempfile::tempdir_in(root.join("target")).unwrap();
    let path = dir.path().join("case.fleet");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// Devices a JSON plan takes from `pool` (a pool it does not use is not listed).
fn devices_in(plan: &serde_json::Value, pool: &str) -> u64 {
    plan["pools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pool"] == pool)
        .map_or(0, |p| p["devices_used"].as_u64().unwrap())
}

#[test]
fn sensitivity_json_of_the_examples() {
    insta::glob!("../examples", "*.fleet", |path| {
        let path = common::relative(path);
        let path = path.to_string_lossy().into_owned();
        let (code, stdout) = fleetplan(&["plan", &path, "--format", "json", "--sensitivity"]);
        if path.ends_with("infeasible.fleet") {
            assert_eq!(code, 2, "{path}");
            return;
        }
        assert_eq!(code, 0, "{path}");
        let document: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert!(document["plan"]["pools"].is_array(), "{path}: no plan beside the sensitivity");
        insta::assert_snapshot!(serde_json::to_string_pretty(&document["sensitivity"]).unwrap());
    });
}

#[test]
fn sensitivity_covers_every_workload_bound_and_pool() {
    let (code, stdout) =
        fleetplan(&["plan", "examples/three-layer.fleet", "--format", "json", "--sensitivity"]);
    assert_eq!(code, 0);
    let s: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let s = &s["sensitivity"];
    let names = |key: &str, field: &str| -> Vec<String> {
        s[key].as_array().unwrap().iter().map(|x| x[field].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(names("workloads", "workload"), ["coding_agent", "summaries", "voice"]);
    assert_eq!(names("pools", "pool"), ["cpu", "gpu", "lpu", "ssd"]);
    // Five bounds in the file (two each for voice and the agent, one for summaries), each
    // changed six ways.
    let bounds = s["slo"].as_array().unwrap();
    assert_eq!(bounds.len(), 5);
    assert!(bounds.iter().all(|b| b["changes"].as_array().unwrap().len() == 6));
}

/// Two pools that can each serve the workload alone: one is in the plan, the other not, so
/// both kinds of break-even are found.
const TWO_POOLS: &str = "use std.hardware.{h100_sxm, h200}\nuse std.models.{llama3_1_8b}\n\
pool old { device = h100_sxm  per_node = 8  max = 64  price = 2.10 $/h }\n\
pool new { device = h200  per_node = 8  max = 64  price = 3.30 $/h }\n\
workload chat { model = llama3_1_8b  rate = 30 req/s  input = 2k tokens  output = 300 tokens\n\
  slo { ttft p90 <= 500 ms  tpot p90 <= 30 ms } }\n";

/// `text` with pool `pool`'s price set to `price` (written into the pool's block, or added
/// to it when the pool takes its device's reference price).
fn with_price(text: &str, pool: &str, price: f64) -> String {
    let open = format!("pool {pool} {{");
    let start = text.find(&open).unwrap();
    let close = start + text[start..].find('}').unwrap();
    match text[start..close].find("price = ") {
        Some(found) => {
            let at = start + found + "price = ".len();
            let end = at + text[at..].find(' ').unwrap();
            format!("{}{price:.6}{}", &text[..at], &text[end..])
        }
        None => {
            let at = start + open.len();
            format!("{}\n  price = {price:.6} $/h\n{}", &text[..at], &text[at..])
        }
    }
}

/// Each break-even price, re-planned by the binary 2% above and below (the bisection is to
/// 0.5%), at a zero MIP gap: the pool is in the plan on the cheap side and out on the other.
fn check_break_evens(text: &str) -> usize {
    let (_dir, path) = write_case(text);
    let spec = fleetplan::compile(Root::Path(path)).unwrap().result.unwrap();
    let graph = fleetplan::graph::build(&spec);
    let solution = fleetplan::solve::solve(&spec, &graph, &Options::default()).unwrap();
    let s = fleetplan::whatif::sensitivity(&spec, &graph, &solution, &Options::default());
    let mut checked = 0;
    for p in &s.pools {
        let price = match p.break_even {
            BreakEven::LeavesAbove { price_usd_per_hour }
            | BreakEven::EntersBelow { price_usd_per_hour } => price_usd_per_hour,
            _ => continue,
        };
        let below =
            plan_text_json(&with_price(text, &p.pool, price * 0.98), &["--mip-gap", "0"]).unwrap();
        let above =
            plan_text_json(&with_price(text, &p.pool, price * 1.02), &["--mip-gap", "0"]).unwrap();
        assert!(devices_in(&below, &p.pool) > 0, "{} unused 2% below {price}", p.pool);
        assert_eq!(devices_in(&above, &p.pool), 0, "{} used 2% above {price}", p.pool);
        checked += 1;
    }
    checked
}

#[test]
fn break_even_prices_hold_when_replanned_above_and_below() {
    assert_eq!(check_break_evens(TWO_POOLS), 2);
    // Every example's: seven pools enter or leave at a price (the others are indispensable,
    // kept by a minimum, or unused even free: no price to check).
    let mut checked = 0;
    for path in common::fleet_files("examples") {
        if path.ends_with("infeasible.fleet") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // The examples' relative `use` and data files resolve from the crate root.
        let text = text.replace("\"data/", "\"../../examples/data/");
        checked += check_break_evens(&text);
    }
    assert_eq!(checked, 7);
}

/// The held-out one-pool case: a model and device no example plans, `RATE` and `OBJECTIVE`
/// to fill in.
const ONE_POOL: &str = "use std.hardware.{h100_sxm}\nuse std.models.{qwen3_32b}\n\
pool p { device = h100_sxm  per_node = 8  max = 24  price = 2.50 $/h }\n\
workload w { model = qwen3_32b  rate = RATE req/s  input = 3k tokens  output = 250 tokens\n\
  slo { ttft p90 <= 800 ms  tpot p90 <= 30 ms } }\nobjective OBJECTIVE\n";

fn one_pool(rate: f64, objective: &str) -> String {
    ONE_POOL.replace("RATE", &format!("{rate:.6}")).replace("OBJECTIVE", objective)
}

/// The highest rate at which `plan` (minimising cost) finds a plan, bisected to 0.1%.
fn bisect_plan(text_at: impl Fn(f64) -> String) -> f64 {
    let feasible = |rate: f64| plan_text_json(&text_at(rate), &[]).is_some();
    let (mut low, mut high) = (0.0, 1.0);
    while feasible(high) {
        low = high;
        high *= 2.0;
        assert!(high < 1e6, "no limit found");
    }
    while high - low > 1e-3 * high {
        let mid = 0.5 * (low + high);
        if feasible(mid) {
            low = mid;
        } else {
            high = mid;
        }
    }
    low
}

#[test]
fn maximize_throughput_matches_a_bisection_of_plan() {
    let plan = plan_text_json(&one_pool(3.0, "maximize throughput"), &[]).unwrap();
    let found = plan["throughput"]["total_per_s"].as_f64().unwrap();
    let oracle = bisect_plan(|rate| one_pool(rate, "minimize cost"));
    assert!(oracle > 0.0);
    let error = (found - oracle).abs() / oracle;
    assert!(error <= 0.01, "maximize throughput {found} req/s, bisection of plan {oracle} req/s");
}

const MIX: &str = "use std.hardware.{h200}\nuse std.models.{llama3_1_8b, llama3_1_70b}\n\
model big from llama3_1_70b { weights = fp8 }\n\
pool gpu { device = h200  per_node = 8  max = 32  price = 3.30 $/h }\n\
workload chat { model = big  rate = RATE_A req/s  input = 2k tokens  output = 300 tokens\n\
  slo { ttft p90 <= 1 s  tpot p90 <= 40 ms } }\n\
workload batch { model = llama3_1_8b  rate = RATE_B req/s  input = 6k tokens  output = 400 tokens\n\
  slo { e2e p99 <= 10 min } }\nobjective OBJECTIVE\n";

fn mix(a: f64, b: f64, objective: &str) -> String {
    MIX.replace("RATE_A", &format!("{a:.6}"))
        .replace("RATE_B", &format!("{b:.6}"))
        .replace("OBJECTIVE", objective)
}

#[test]
fn maximize_throughput_keeps_the_mix_and_no_plan_is_one_percent_above() {
    let plan = plan_text_json(&mix(2.0, 6.0, "maximize throughput"), &[]).unwrap();
    let rates = &plan["throughput"]["rates_per_s"];
    let (a, b) = (rates["chat"].as_f64().unwrap(), rates["batch"].as_f64().unwrap());
    assert!((b / a - 3.0).abs() < 1e-9, "the mix moved: chat {a}, batch {b}");
    assert!(plan_text_json(&mix(a, b, "minimize cost"), &[]).is_some(), "no plan at the rates");
    let above = mix(a * 1.01, b * 1.01, "minimize cost");
    assert!(plan_text_json(&above, &[]).is_none(), "a plan 1% above the maximum");
}

#[test]
fn plans_at_the_maximum_throughput_hold_in_the_simulator() {
    let text = one_pool(3.0, "maximize throughput");
    let options = Options::default();
    let planned =
        fleetplan::plan(Root::Text { name: "case.fleet".into(), text }, &options).unwrap();
    let PlanOutcome::Planned { spec, graph, solution, plan } = planned.outcome else {
        panic!("no plan")
    };
    assert!(plan.throughput.is_some());
    for seed in 1..=3 {
        let sim = SimOptions { traffic: Traffic::Requests(20_000), seed, ..SimOptions::default() };
        let report = fleetplan::simulate::simulate(&spec, &graph, &solution, &sim);
        for w in &report.workloads {
            for c in &w.slo_attainment {
                assert!(
                    c.met,
                    "seed {seed}: {} {:?} missed: {:?}",
                    c.metric.name(),
                    c.percentile,
                    c
                );
            }
        }
    }
}

#[test]
fn an_objective_that_does_not_exist_is_a_diagnostic() {
    let (code, _) = fleetplan(&["check", "tests/ui/unknown_objective.fleet"]);
    assert_eq!(code, 1);
    let text = mix(1.0, 1.0, "maximize cost");
    let (_dir, path) = write_case(&text);
    let out = Command::new(env!("CARGO_BIN_EXE_fleetplan"))
        .args(["--error-format", "json", "check"])
        .arg(&path)
        .output()
        .unwrap();
    let diagnostics: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(diagnostics[0]["code"], "fleet::unknown_objective");
    assert!(diagnostics[0]["help"].as_str().unwrap().contains("maximize throughput"));
}

#[test]
fn sensitivity_with_json_diagnostics_is_one_document() {
    let (code, stdout) = fleetplan(&[
        "--error-format",
        "json",
        "plan",
        "examples/chat.fleet",
        "--format",
        "json",
        "--sensitivity",
    ]);
    assert_eq!(code, 0);
    let document: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let mut keys: Vec<&String> = document.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["diagnostics", "exit_code", "plan", "sensitivity", "text"]);
}

#[test]
fn sensitivity_in_text_and_markdown_and_refused_in_dot() {
    let (code, text) = fleetplan(&["plan", "examples/chat.fleet", "--sensitivity"]);
    assert_eq!(code, 0);
    assert!(text.contains("\nsensitivity: ") && text.contains("break-even price"), "{text}");
    let (code, md) = fleetplan(&["plan", "examples/chat.fleet", "--sensitivity", "--format", "md"]);
    assert_eq!(code, 0);
    assert!(md.contains("\n## Sensitivity\n") && md.contains("|---|"), "{md}");
    let (code, dot) =
        fleetplan(&["plan", "examples/chat.fleet", "--sensitivity", "--format", "dot"]);
    assert_eq!((code, dot.as_str()), (64, ""));
    let (code, _) = fleetplan(&["plan", "examples/infeasible.fleet", "--sensitivity"]);
    assert_eq!(code, 2);
}

/// Extreme numbers through `maximize throughput` and `--sensitivity`: no panic, no `NaN` or
/// `inf` in what they print (a sample of tests/no_panic_numbers.rs's extremes, seeded).
#[test]
fn extreme_numbers_through_what_if_never_panic() {
    // Mostly values the checker accepts (a rejected file never reaches what-if).
    const EXTREMES: &[&str] =
        &["0", "1e-6", "0.001", "0.5", "1", "2", "1000", "100000", "1e300", "4294967296"];
    let seed = TWO_POOLS.to_string() + "objective maximize throughput\n";
    // Every numeral outside the `use` lines: (start, end) byte ranges.
    let spots: Vec<(usize, usize)> = {
        let bytes = seed.as_bytes();
        let mut found = Vec::new();
        let mut i = 1;
        while i < bytes.len() {
            if bytes[i].is_ascii_digit() && matches!(bytes[i - 1], b' ' | b'=') {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                    i += 1;
                }
                found.push((start, i));
            }
            i += 1;
        }
        found
    };
    const CASES: usize = 16;
    let options = Options { time_limit_s: 1.0, ..Options::default() };
    let mut state = 0x5EA5_0001_u64;
    let mut next = |n: usize| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) as usize % n
    };
    let mut planned_cases = 0;
    for case in 0..CASES {
        let (start, end) = spots[next(spots.len())];
        let mut text = seed.clone();
        text.replace_range(start..end, EXTREMES[next(EXTREMES.len())]);
        let root = Root::Text { name: "case.fleet".into(), text: text.clone() };
        let planned = fleetplan::plan(root, &options).unwrap();
        let PlanOutcome::Planned { spec, graph, solution, plan } = planned.outcome else {
            continue;
        };
        planned_cases += 1;
        let s = fleetplan::whatif::sensitivity(&spec, &graph, &solution, &options);
        let printed = format!(
            "{}{}{}",
            fleetplan::report::plan_text(&plan),
            fleetplan::whatif::sensitivity_text(&s),
            fleetplan::whatif::sensitivity_markdown(&s)
        );
        let json = serde_json::to_string(&s).unwrap();
        for word in printed.split_whitespace().chain([json.as_str()]) {
            assert!(!word.contains("NaN") && !word.contains("inf"), "case {case}: {text}\n{word}");
        }
    }
    println!("{planned_cases} of {CASES} planned");
    assert!(
        planned_cases >= CASES / 3,
        "only {planned_cases} cases planned: the sample tests too little"
    );
}

/// Two workloads without memory blocks (solved apart, `whatif/groups.rs`) sharing two pools,
/// the two H200s contested; `{…}` are the bounds, in seconds.
const SHARED: &str = "use std.hardware.{h100_sxm, h200}\nuse std.models.{llama3_1_8b, qwen3_32b}\n\
pool a { device = h200  per_node = 8  max = 2  price = 3.30 $/h }\n\
pool b { device = h100_sxm  per_node = 8  max = 64  price = 2.10 $/h }\n\
workload chat { model = llama3_1_8b  rate = 30 req/s  input = 2k tokens  output = 300 tokens\n\
  slo { ttft p90 <= {0} s  tpot p90 <= {1} s } }\n\
workload code { model = qwen3_32b  rate = 8 req/s  input = 4k tokens  output = 500 tokens\n\
  slo { ttft p90 <= {2} s  tpot p90 <= {3} s } }\n";

const SHARED_BOUNDS: [f64; 4] = [0.5, 0.03, 1.0, 0.03];

fn shared(bounds: [f64; 4]) -> String {
    let mut text = SHARED.to_string();
    for (i, b) in bounds.iter().enumerate() {
        text = text.replace(&format!("{{{i}}}"), &format!("{b:.6}"));
    }
    text
}

/// Every SLO change and every raised rate, where the plan splits into groups and one group is
/// re-solved alone, against `fleetplan plan --mip-gap 0` on the file with the change written in.
#[test]
fn group_local_resolves_match_whole_replans() {
    let text = shared(SHARED_BOUNDS);
    let (_dir, path) = write_case(&text);
    let spec = fleetplan::compile(Root::Path(path)).unwrap().result.unwrap();
    let graph = fleetplan::graph::build(&spec);
    let solution = fleetplan::solve::solve(&spec, &graph, &Options::default()).unwrap();
    let s = fleetplan::whatif::sensitivity(&spec, &graph, &solution, &Options::default());
    // Both paths: most changes keep the other group's plan; a few break pool `a`'s limit of
    // two together with it and are re-solved whole.
    let changes = s.slo.len() * 6 + s.workloads.len();
    assert!(
        s.group_resolves > 0 && s.group_resolves < changes,
        "{} of {changes} changes re-solved by their group alone",
        s.group_resolves
    );
    let cost = |text: &str| {
        plan_text_json(text, &["--mip-gap", "0"])
            .map(|p| p["totals"]["cost_usd_per_hour"].as_f64().unwrap())
    };
    let mut compared = 0;
    for (i, bound) in s.slo.iter().enumerate() {
        for c in bound.changes.iter().filter(|c| !c.unsolved) {
            let mut bounds = SHARED_BOUNDS;
            bounds[i] *= c.factor;
            let replanned = cost(&shared(bounds));
            match (c.usd_per_hour, replanned) {
                (Some(a), Some(b)) => {
                    assert!((a - b).abs() < 0.011, "{} ×{}: {a} against {b}", bound.bound, c.factor)
                }
                (a, b) => assert_eq!(a.is_some(), b.is_some(), "{} ×{}", bound.bound, c.factor),
            }
            compared += 1;
        }
    }
    for w in &s.workloads {
        let (from, to) = (
            format!("rate = {} req/s", w.rate_per_s),
            format!("rate = {:.6} req/s", w.raised_rate_per_s),
        );
        let replanned = cost(&text.replace(&from, &to));
        assert_eq!(w.raised_usd_per_hour.is_some(), replanned.is_some(), "{}", w.workload);
        if let (Some(a), Some(b)) = (w.raised_usd_per_hour, replanned) {
            assert!((a - b).abs() < 0.011, "{} at +10%: {a} against {b}", w.workload);
        }
        compared += 1;
    }
    assert!(compared >= 20, "only {compared} figures compared");
}

#[test]
fn maximize_throughput_names_the_limit_that_stops_it() {
    // The pool's 24 devices stop it: with 48, `plan` finds a plan 1% above the maximum.
    let plan = plan_text_json(&one_pool(3.0, "maximize throughput"), &[]).unwrap();
    let t = &plan["throughput"];
    assert_eq!(t["limited_by"], serde_json::json!(["pool `p` max"]));
    let above = t["total_per_s"].as_f64().unwrap() * 1.01;
    let text = one_pool(above, "minimize cost");
    assert!(plan_text_json(&text, &[]).is_none());
    assert!(plan_text_json(&text.replace("max = 24", "max = 48"), &[]).is_some());
    // A budget below what 24 devices cost stops it first.
    let budget = "site { budget = 30 $/h }\n";
    let plan = plan_text_json(&(one_pool(3.0, "maximize throughput") + budget), &[]).unwrap();
    let t = &plan["throughput"];
    assert_eq!(t["limited_by"], serde_json::json!(["site budget"]));
    assert!(plan["totals"]["cost_usd_per_hour"].as_f64().unwrap() <= 30.0);
    let above = one_pool(t["total_per_s"].as_f64().unwrap() * 1.01, "minimize cost");
    assert!(plan_text_json(&(above.clone() + budget), &[]).is_none());
    assert!(plan_text_json(&(above + "site { budget = 60 $/h }\n"), &[]).is_some());
}

#[test]
fn sensitivity_is_the_same_on_one_thread_and_four() {
    let (_dir, path) = write_case(&shared(SHARED_BOUNDS));
    let spec = fleetplan::compile(Root::Path(path)).unwrap().result.unwrap();
    let graph = fleetplan::graph::build(&spec);
    let solution = fleetplan::solve::solve(&spec, &graph, &Options::default()).unwrap();
    let json = |threads: usize| {
        let options = Options { threads, ..Options::default() };
        let s = fleetplan::whatif::sensitivity(&spec, &graph, &solution, &options);
        serde_json::to_string(&s).unwrap()
    };
    assert_eq!(json(1), json(4));
}
