//! `fleetplan report` and `fleetplan frontier` as a user runs them, and the HTML page: one
//! self-contained document (no script, nothing fetched), its SVG charts well formed and
//! drawn only in colours the stylesheet repaints or that read on both backgrounds, its
//! sections in order. The page in a real browser is tests/browser/report.sh.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output, Stdio};

use fleetplan::load::Root;
use fleetplan::report::{html, ReportInput, Section};
use fleetplan::whatif::frontier::{compare, frontier, FrontierOptions};
use fleetplan::PlanOutcome;

fn fleetplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fleetplan"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh folder under the target directory.
fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The page of a bundled example, with the frontier of every workload and `sensitivity`.
fn page(file: &str, sensitivity: Option<Section>) -> String {
    let planned =
        fleetplan::plan(Root::Path(file.into()), &fleetplan::solve::Options::default()).unwrap();
    let PlanOutcome::Planned { spec, plan, .. } = planned.outcome else { panic!("no plan") };
    let frontiers: Vec<_> = spec
        .workloads
        .keys()
        .map(|w| compare(file, &spec, w, &FrontierOptions::default(), true).unwrap())
        .collect();
    html(&ReportInput {
        plan: &plan,
        frontiers: &frontiers,
        frontier_notes: &[],
        simulation: None,
        sensitivity,
    })
}

/// Every `<svg …>…</svg>` of a page.
fn svgs(page: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").map(|e| start + e + "</svg>".len()).unwrap();
        found.push(&rest[start..end]);
        rest = &rest[end..];
    }
    found
}

/// Checks that the tags of an XML fragment nest: each one closed, in order.
fn assert_well_formed(xml: &str) {
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = xml;
    while let Some(open) = rest.find('<') {
        let close = rest[open..].find('>').map(|c| open + c).unwrap();
        let tag = &rest[open + 1..close];
        rest = &rest[close + 1..];
        if tag.starts_with('!') || tag.starts_with('?') {
            continue;
        }
        if let Some(closing) = tag.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(closing.trim()), "unbalanced </{closing}>");
        } else if !tag.ends_with('/') {
            stack.push(tag.split_whitespace().next().unwrap());
        }
    }
    assert!(stack.is_empty(), "unclosed tags: {stack:?}");
}

#[test]
fn the_page_is_one_self_contained_document() {
    let page = page("examples/three-layer.fleet", None);
    assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>\n"));
    for forbidden in ["<script", "<img", "<link", "<iframe", "<object", "@import", "url("] {
        assert!(!page.contains(forbidden), "the page has `{forbidden}`");
    }
    // The only URL is the SVG namespace, which is a name, never fetched.
    assert!(!page.contains("https:") && !page.contains("//cdn") && !page.contains("file:"));
    assert_eq!(page.matches("http:").count(), page.matches("http://www.w3.org/2000/svg").count());
    assert!(page.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    // Every link is to an anchor of the page itself.
    for link in page.split("href=\"").skip(1) {
        let target = &link[..link.find('"').unwrap()];
        let id = target.strip_prefix('#').unwrap_or_else(|| panic!("link to {target}"));
        assert!(page.contains(&format!("id=\"{id}\"")), "no section `{id}`");
    }
    assert!(page.contains("@media (prefers-color-scheme: dark)") && page.contains("@media print"));
}

#[test]
fn the_page_has_its_charts_well_formed() {
    let page = page("examples/three-layer.fleet", None);
    let charts = svgs(&page);
    // The fleet, latency and cost charts and one frontier per workload (three).
    assert_eq!(charts.len(), 6, "{} charts", charts.len());
    for svg in &charts {
        assert_well_formed(svg);
        assert!(!svg.contains("chart not drawn"));
        assert!(svg.contains("<rect") || svg.contains("<circle") || svg.contains("<polyline"));
    }
}

/// Dark mode works only if no chart paints a fixed background or ink: every colour is the
/// ink the stylesheet repaints (`#000000`) or one of the mid-tone series colours.
#[test]
fn chart_colours_read_on_both_backgrounds() {
    let page = page("examples/three-layer.fleet", None);
    let allowed = ["#000000", "#3B82C4", "#E07B39", "#4CA86A", "#9B6FC7", "#D64545", "#8A8F33"];
    for svg in svgs(&page) {
        for attribute in ["fill=\"#", "stroke=\"#"] {
            for colour in svg.split(attribute).skip(1) {
                let colour = format!("#{}", &colour[..6]).to_uppercase();
                assert!(allowed.contains(&colour.as_str()), "colour {colour}");
            }
        }
    }
    assert!(page.contains("[fill=\"#000000\"] { fill: currentColor; }"));
}

#[test]
fn a_section_given_as_data_goes_after_the_cost() {
    let section = Section {
        id: "sensitivity",
        title: "What a change would cost".into(),
        html: "<p>given</p>\n".into(),
    };
    let with = page("examples/chat.fleet", Some(section));
    let at = |id: &str| with.find(&format!("<section id=\"{id}\"")).unwrap();
    assert!(at("cost") < at("sensitivity") && at("sensitivity") < at("frontier"));
    assert!(with.contains("href=\"#sensitivity\""));
    let without = page("examples/chat.fleet", None);
    assert!(!without.contains("sensitivity"), "no fake section without its input");
}

#[test]
fn report_writes_the_page_and_says_so() {
    let dir = tempdir("report-cli");
    let out_path = dir.join("plan.html");
    let out_arg = out_path.to_str().unwrap();
    let out = fleetplan(&[
        "report",
        "examples/chat.fleet",
        "-o",
        out_arg,
        "--simulate",
        "--requests",
        "5000",
        "--error-format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let document: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(document["report"]["path"], out_arg);
    assert_eq!(document["report"]["simulated"], true);
    let written = std::fs::read_to_string(&out_path).unwrap();
    assert_eq!(document["report"]["bytes"], written.len());
    assert!(written.contains("sim p99 ms"), "the simulated percentiles are missing");
    // Written again over itself (replaced, not refused).
    let again =
        fleetplan(&["report", "examples/chat.fleet", "-o", out_arg, "--frontier-steps", "0"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert!(!std::fs::read_to_string(&out_path).unwrap().contains("id=\"frontier\""));
}

/// The page has the sensitivity section by default, with a break-even for every pool the plan
/// JSON lists (the plan, not the section, is the oracle for which pools exist), and
/// `--no-sensitivity` leaves it out.
#[test]
fn the_page_prices_the_plans_constraints() {
    let dir = tempdir("report-sensitivity");
    let out_path = dir.join("plan.html");
    let out_arg = out_path.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args =
            vec!["report", "examples/chat.fleet", "-o", out_arg, "--frontier-steps", "0"];
        args.extend_from_slice(extra);
        let out = fleetplan(&args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        std::fs::read_to_string(&out_path).unwrap()
    };
    let page = run(&[]);
    let section = page.split("id=\"sensitivity\"").nth(1).expect("no sensitivity section");
    let plan = fleetplan(&["plan", "examples/chat.fleet", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    for pool in plan["pools"].as_array().unwrap() {
        let name = pool["pool"].as_str().unwrap();
        assert!(section.contains(&format!("<td>{name}</td>")), "no row for pool {name}");
    }
    assert!(section.contains("Break-even") || section.contains("break-even"));
    assert!(!run(&["--no-sensitivity"]).contains("id=\"sensitivity\""));
}

#[test]
fn report_of_an_infeasible_file_writes_nothing() {
    let dir = tempdir("report-infeasible");
    let out_path = dir.join("plan.html");
    let out = fleetplan(&["report", "examples/infeasible.fleet", "-o", out_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!out_path.exists());
    let missing = dir.join("no-such-folder").join("plan.html");
    let out = fleetplan(&["report", "examples/chat.fleet", "-o", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("fleet::io"), "{}", text(&out.stderr));
    let out = fleetplan(&["report", "examples/chat.fleet", "-o", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("it is a folder"), "{}", text(&out.stderr));
}

#[test]
fn frontier_by_pool_on_the_command_line() {
    let args = ["frontier", "examples/three-layer.fleet", "--workload", "voice", "--by-pool"];
    let out = fleetplan(&[&args[..], &["--format", "json"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let document: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(document["combined"].get("pool").is_none());
    let pools: Vec<&str> = document["by_pool"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["pool"].as_str().unwrap())
        .collect();
    assert_eq!(pools, ["gpu", "lpu"]);
    let out = fleetplan(&args);
    assert!(text(&out.stdout).contains("frontier of `voice` on pool `lpu` alone"));
}

#[test]
fn frontier_command_formats_and_errors() {
    let out = fleetplan(&["frontier", "examples/chat.fleet", "--workload", "chat"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("cost against interactivity"));
    let out =
        fleetplan(&["frontier", "examples/chat.fleet", "--workload", "chat", "--format", "svg"]);
    let svg = text(&out.stdout);
    assert!(svg.starts_with("<svg") && svg.contains("prefers-color-scheme: dark"));
    assert_well_formed(&svg);
    let out = fleetplan(&[
        "frontier",
        "examples/chat.fleet",
        "--workload",
        "chat",
        "--format",
        "json",
        "--error-format",
        "json",
    ]);
    let document: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(document["frontier"]["interactivity"].as_array().unwrap().len() >= 5);
    let out = fleetplan(&[
        "frontier",
        "examples/chat.fleet",
        "--workload",
        "nope",
        "--error-format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let document: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diagnostics = &document["diagnostics"];
    assert_eq!(document["frontier"], serde_json::Value::Null);
    assert_eq!(diagnostics[0]["code"], "fleet::unknown_name");
    assert!(diagnostics[0]["help"].as_str().unwrap().contains("chat"));
}

/// docs/what-if.md shows this picture: it must be what the command draws today.
#[test]
fn the_frontier_picture_in_the_docs_is_current() {
    let path = "examples/three-layer.fleet";
    let spec = fleetplan::compile(Root::Path(path.into())).unwrap().result.unwrap();
    let f = frontier(path, &spec, "voice", &FrontierOptions::default()).unwrap();
    let pools =
        fleetplan::whatif::frontier::by_pool(path, &spec, "voice", &FrontierOptions::default())
            .unwrap();
    let drawn = fleetplan::report::frontier_svg(&f, &pools);
    let docs = std::fs::read_to_string("docs/frontier-three-layer-voice.svg").unwrap();
    assert!(
        drawn == docs,
        "regenerate it: fleetplan frontier {path} --workload voice --by-pool --format svg > docs/frontier-three-layer-voice.svg"
    );
}

/// A report draws the frontiers of the costliest workloads only; the rest are named.
#[test]
fn the_costliest_workloads_get_frontiers() {
    let path = "examples/three-layer.fleet";
    let planned =
        fleetplan::plan(Root::Path(path.into()), &fleetplan::solve::Options::default()).unwrap();
    let PlanOutcome::Planned { plan, .. } = planned.outcome else { panic!("no plan") };
    let mut costs: Vec<(f64, String)> =
        plan.workloads.iter().map(|w| (w.cost_usd_per_hour, w.workload.clone())).collect();
    costs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (drawn, left_out) = fleetplan::whatif::frontier::costliest(&plan, 2);
    let mut expected = vec![costs[0].1.clone(), costs[1].1.clone()];
    expected.sort();
    let mut drawn_sorted = drawn.clone();
    drawn_sorted.sort();
    assert_eq!(drawn_sorted, expected);
    assert_eq!(left_out, vec![costs[2].1.clone()]);
}
