//! The simulator: queueing against analytic results, every example simulated and pinned,
//! determinism, trace replay, and errors that never panic.
#![allow(clippy::unwrap_used)]

mod common;

use fleetplan::graph::CandidateGraph;
use fleetplan::load::Root;
use fleetplan::simulate::{self, SimOptions, Traffic};
use fleetplan::solve::{Options, Solution};
use fleetplan::source::SourceMap;
use fleetplan::spec::Spec;

/// The spec, graph and solution of a file that has a plan.
fn planned(path: &std::path::Path) -> Option<(Spec, CandidateGraph, Solution)> {
    let spec = fleetplan::compile(Root::Path(common::relative(path))).unwrap().result.unwrap();
    let graph = fleetplan::graph::build(&spec);
    let solution = fleetplan::solve::solve(&spec, &graph, &Options::default()).ok()?;
    Some((spec, graph, solution))
}

fn simulate_file(path: &std::path::Path, options: &SimOptions) -> Option<simulate::SimReport> {
    let (spec, graph, solution) = planned(path)?;
    let mut report = simulate::simulate(&spec, &graph, &solution, options);
    report.source = common::relative(path).display().to_string();
    Some(report)
}

fn example(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(name)
}

/// Requests per example in the snapshots: enough for stable percentiles in a debug build.
const EXAMPLE_REQUESTS: u64 = 20_000;

#[test]
fn example_simulations() {
    let options =
        SimOptions { traffic: Traffic::Requests(EXAMPLE_REQUESTS), ..SimOptions::default() };
    insta::glob!("../examples", "*.fleet", |path| {
        let report = simulate_file(path, &options);
        let output = match &report {
            Some(report) => simulate::report_text(report),
            None => "no plan: nothing to simulate\n".to_string(),
        };
        insta::assert_snapshot!(output);
        // Every plan holds under the traffic it was planned for (the bar; a plan that
        // does not is a planner defect to fix, not a snapshot to accept).
        if let Some(report) = &report {
            let misses: Vec<String> =
                simulate::slo_misses(report).iter().map(|d| d.message()).collect();
            assert!(misses.is_empty(), "{}: {misses:?}", path.display());
        }
    });
}

#[test]
fn same_seed_same_bytes_and_seeds_differ() {
    let path = example("chat.fleet");
    let options =
        SimOptions { traffic: Traffic::Requests(5_000), seed: 42, ..SimOptions::default() };
    let json = |o: &SimOptions| serde_json::to_string(&simulate_file(&path, o).unwrap()).unwrap();
    let (a, b) = (json(&options), json(&options));
    assert_eq!(a, b);
    let other = json(&SimOptions { seed: 43, ..options.clone() });
    assert_ne!(a, other);
}

#[test]
fn json_has_the_documented_shape() {
    let options = SimOptions { traffic: Traffic::Requests(3_000), ..SimOptions::default() };
    let report = simulate_file(&example("chat.fleet"), &options).unwrap();
    let value = serde_json::to_value(&report).unwrap();
    let w = &value["workloads"][0];
    for key in ["ttft_s", "tpot_s"] {
        for p in ["p50", "p90", "p99"] {
            assert!(w[key][p].is_number(), "{key}.{p} in {w}");
        }
    }
    let slo = &w["slo_attainment"][0];
    for key in [
        "metric",
        "percentile",
        "slo_s",
        "attainment",
        "required",
        "simulated_s",
        "predicted_s",
        "met",
    ] {
        assert!(!slo[key].is_null(), "{key} in {slo}");
    }
    assert_eq!(value["requests"], 3000);
    assert_eq!(value["warmup_requests"], 150);
    assert!(value["pools"][0]["deployments"].as_array().is_some_and(|d| !d.is_empty()));
}

#[test]
fn a_missed_slo_is_a_diagnostic_at_its_bound() {
    // chat.fleet plans for 25 req/s; the trace replays a surge at 40 req/s.
    let path = example("chat.fleet");
    let (spec, graph, solution) = planned(&path).unwrap();
    let trace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/chat-surge.csv");
    let text = std::fs::read_to_string(trace).unwrap();
    let mut sources = SourceMap::new();
    let file = sources.add("tests/data/chat-surge.csv", text.clone());
    let requests = simulate::parse_trace(file, &text, &spec).unwrap();
    let options = SimOptions { traffic: Traffic::Trace(requests), ..SimOptions::default() };
    let report = simulate::simulate(&spec, &graph, &solution, &options);
    let diagnostics = simulate::slo_misses(&report);
    let compiled = fleetplan::compile(Root::Path(common::relative(&path))).unwrap();
    let found: Vec<(String, String)> = diagnostics
        .iter()
        .map(|d| (d.code(), compiled.program.sources.snippet(d.span()).to_string()))
        .collect();
    assert_eq!(found, [("fleet::slo_missed".to_string(), "ttft p90 <= 1 s".to_string())]);
    let text = common::render(&compiled.program.sources, &diagnostics);
    assert!(text.contains("workload `chat` misses `ttft p90 <= 1.00 s` in simulation"), "{text}");
    insta::assert_snapshot!(text);
}

/// A trace whose requests arrive far apart: nothing queues, so each request sees perf's
/// unloaded figures: prefill, KV transfer and one decode step to the first token, then one
/// step per token.
#[test]
fn an_idle_fleet_gives_the_unloaded_figures() {
    let (spec, graph, solution) = planned(&example("chat.fleet")).unwrap();
    let requests: Vec<_> = (0..40)
        .map(|i| simulate::TraceRequest {
            time_s: 100.0 * f64::from(i),
            workload: "chat".into(),
            input_tokens: 2000,
            output_tokens: 301,
        })
        .collect();
    let options =
        SimOptions { traffic: Traffic::Trace(requests), warmup: 0.0, ..SimOptions::default() };
    let report = simulate::simulate(&spec, &graph, &solution, &options);
    let w = &report.workloads[0];
    assert_eq!(w.requests, 40);
    let model = &spec.models["llama3_1_70b_fp8"];
    let device = &spec.devices["h200"];
    let instance = |tp| fleetplan::perf::Instance {
        model,
        device,
        tp,
        pp: 1,
        weights: model.weights,
        kv: model.kv_cache,
    };
    // The plan's prefill instances have 1 GPU; its decode instances 1 or 2.
    let prefill = instance(1);
    let first_step = |tp| instance(tp).decode_step(1.0, 2000.0).time_s;
    let base = prefill.prefill(2000.0).time_s + prefill.kv_transfer_s(2000.0);
    let ttft = w.ttft_s.unwrap();
    let (low, high) = (base + first_step(2), base + first_step(1));
    assert!(ttft.p50 >= low * 0.995 && ttft.p99 <= high * 1.005, "{ttft:?} vs {low}..{high}");
    let tpot = w.tpot_s.unwrap();
    let step = |tp| instance(tp).decode_step(1.0, 2150.0).time_s;
    assert!(tpot.p50 >= step(2) * 0.995 && tpot.p99 <= step(1) * 1.005, "{tpot:?}");
}

#[test]
fn trace_replay() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/chat-trace.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let (spec, graph, solution) = planned(&example("chat.fleet")).unwrap();
    let mut sources = SourceMap::new();
    let file = sources.add("tests/data/chat-trace.csv", text.clone());
    let requests = simulate::parse_trace(file, &text, &spec).unwrap();
    assert_eq!(requests.len(), 400);
    assert_eq!(requests[0].input_tokens, 1117);
    let options = SimOptions { traffic: Traffic::Trace(requests), ..SimOptions::default() };
    let report = simulate::simulate(&spec, &graph, &solution, &options);
    assert_eq!((report.requests, report.warmup_requests, report.traffic), (400, 20, "trace"));
    assert_eq!(report.workloads[0].requests, 380);
    // A replay takes arrivals and lengths from the trace: another seed draws only the routes
    // (chat's plan splits prompts between prefill and aggregated instances).
    let again = simulate::simulate(&spec, &graph, &solution, &SimOptions { seed: 9, ..options });
    assert_eq!((again.requests, again.traffic_s), (report.requests, report.traffic_s));
    assert_eq!(again.workloads[0].requests, 380);
}

/// Traces as spreadsheets and scripts write them: quoted fields, a header naming the columns in
/// another order, extra columns; a header without a needed column is one diagnostic at it.
#[test]
fn traces_are_read_as_csv() {
    let (spec, _, _) = planned(&example("chat.fleet")).unwrap();
    let parse = |text: &str| {
        let mut sources = SourceMap::new();
        let file = sources.add("t.csv", text.to_string());
        simulate::parse_trace(file, text, &spec).map_err(|d| (d, sources))
    };
    let request = |time_s: f64, input_tokens: u32, output_tokens: u32| simulate::TraceRequest {
        time_s,
        workload: "chat".to_string(),
        input_tokens,
        output_tokens,
    };
    let text = "workload,output_tokens,user,input_tokens,timestamp_s\n\
                \"chat\",20,\"a, b\",100,2.5\n\
                # a comment\n\
                \n\
                chat,\"30\",c,200,1\n";
    assert_eq!(parse(text).unwrap(), [request(1.0, 200, 30), request(2.5, 100, 20)]);
    let (diagnostics, sources) = parse("timestamp,workload,input_tokens\n1,chat,5\n").unwrap_err();
    let json = diagnostics.to_json(&sources);
    assert_eq!(json.len(), 1);
    assert_eq!(json[0].code, "fleet::trace_columns");
    assert!(json[0].message.contains("`output_tokens`"));
    // A bad value in a quoted field is reported at the field, quotes included.
    let text = "1,chat,\"lots\",10\n";
    let (diagnostics, sources) = parse(text).unwrap_err();
    let json = diagnostics.to_json(&sources);
    let span = json[0].span.as_ref().unwrap();
    assert_eq!(&text[span.start as usize..span.end as usize], "\"lots\"");
    assert_eq!((json[0].line, json[0].column), (Some(1), Some(8)));
}

#[test]
fn trace_errors_are_diagnostics_at_their_line() {
    let (spec, _, _) = planned(&example("chat.fleet")).unwrap();
    let text = "timestamp_s,workload,input_tokens,output_tokens
0.5,chat,100,10
1.0,chta,100,10
x,chat,100,10
2.0,chat,100
3.0,chat,0,2.5
-1,chat,10,10
";
    let mut sources = SourceMap::new();
    let file = sources.add("bad.csv", text);
    let diagnostics = simulate::parse_trace(file, text, &spec).unwrap_err();
    let found: Vec<(String, usize, String)> = diagnostics
        .to_json(&sources)
        .into_iter()
        .map(|d| {
            let span = d.span.unwrap();
            let snippet = &text[span.start as usize..span.end as usize];
            (d.code, d.line.unwrap(), snippet.to_string())
        })
        .collect();
    let expected = [
        ("fleet::trace_workload", 3, "chta"),
        ("fleet::trace_value", 4, "x"),
        ("fleet::trace_fields", 5, "2.0,chat,100"),
        ("fleet::trace_value", 6, "0"),
        ("fleet::trace_value", 6, "2.5"),
        ("fleet::trace_value", 7, "-1"),
    ];
    let expected: Vec<(String, usize, String)> =
        expected.iter().map(|(c, l, s)| (c.to_string(), *l, s.to_string())).collect();
    assert_eq!(found, expected);
    let rendered = common::render(&sources, &diagnostics);
    assert!(rendered.contains("did you mean `chat`?"), "{rendered}");
    insta::assert_snapshot!(rendered);
}

#[test]
fn mangled_traces_never_panic() {
    let (spec, graph, solution) = planned(&example("chat.fleet")).unwrap();
    let good = "0.1,chat,1000,100\n0.2,chat,2000,10\n0.3,chat,10,1\n";
    let alphabet = b"0123456789.,-e+ \n#chatxNaninf";
    let mut rng = Rng::new(5);
    for _ in 0..2_000 {
        let mut bytes = good.as_bytes().to_vec();
        for _ in 0..1 + rng.next_u64() % 6 {
            let at = (rng.next_u64() as usize) % (bytes.len() + 1);
            let byte = alphabet[(rng.next_u64() as usize) % alphabet.len()];
            match rng.next_u64() % 3 {
                0 if at < bytes.len() => {
                    bytes.remove(at);
                }
                1 if at < bytes.len() => bytes[at] = byte,
                _ => bytes.insert(at, byte),
            }
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let mut sources = SourceMap::new();
        let file = sources.add("m.csv", text.clone());
        match simulate::parse_trace(file, &text, &spec) {
            Ok(requests) => {
                let options =
                    SimOptions { traffic: Traffic::Trace(requests), ..SimOptions::default() };
                let _ = simulate::simulate(&spec, &graph, &solution, &options);
            }
            Err(diagnostics) => {
                assert!(!diagnostics.is_empty());
                let _ = common::render(&sources, &diagnostics);
            }
        }
    }
}

#[test]
fn bursty_arrivals_and_spread_lengths_queue_longer() {
    use fleetplan::spec::{Arrivals, Lengths};
    let (spec, graph, solution) = planned(&example("chat.fleet")).unwrap();
    let options = SimOptions { traffic: Traffic::Requests(10_000), ..SimOptions::default() };
    let base = simulate::simulate(&spec, &graph, &solution, &options);
    let mut bursty = spec.clone();
    let chat = bursty.workloads.get_mut("chat").unwrap();
    chat.arrivals = Arrivals::Gamma { cv: 3.0 };
    chat.input = Lengths::Lognormal { mean: 2000.0, cv: 1.0 };
    chat.output = Lengths::Uniform { low: 100.0, high: 500.0 };
    let report = simulate::simulate(&bursty, &graph, &solution, &options);
    let p99 = |r: &simulate::SimReport| r.workloads[0].ttft_s.unwrap().p99;
    println!("ttft p99: Poisson, fixed {} s; gamma cv 3, lognormal {} s", p99(&base), p99(&report));
    assert!(p99(&report) > 2.0 * p99(&base));
    // Gamma with cv = 1 keeps the mean rate.
    let mut one = spec.clone();
    one.workloads.get_mut("chat").unwrap().arrivals = Arrivals::Gamma { cv: 1.0 };
    let r = simulate::simulate(&one, &graph, &solution, &options);
    let ratio = r.traffic_s / base.traffic_s;
    assert!((ratio - 1.0).abs() < 0.05, "{ratio}");
}

#[test]
fn duration_bounds_the_arrivals() {
    let options = SimOptions { traffic: Traffic::Duration(60.0), ..SimOptions::default() };
    let report = simulate_file(&example("chat.fleet"), &options).unwrap();
    // 25 req/s for 60 s.
    assert!(
        report.traffic_s < 60.0 && (1300..1700).contains(&report.requests),
        "{}",
        report.requests
    );
}

use fleetplan::simulate::queue::FcfsServer;
use fleetplan::simulate::rng::Rng;

/// Waits of `n` jobs through one FCFS server: Poisson arrivals at `rate`, services drawn by
/// `service`. The first 5% are dropped (warm-up), as the simulator does.
fn waits(n: usize, rate: f64, seed: u64, mut service: impl FnMut(&mut Rng) -> f64) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    let mut server = FcfsServer::default();
    let mut now = 0.0;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        now += rng.exponential(1.0 / rate);
        let s = service(&mut rng);
        let admitted = server.admit(now, s);
        out.push(admitted.start - now);
    }
    out.split_off(n / 20)
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn sorted_quantile(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    simulate::quantile(v, q).unwrap()
}

const QUEUE_JOBS: usize = 2_000_000;

#[test]
fn md1_mean_wait_is_pollaczek_khinchine() {
    // s = 1, ρ = 0.7: E[W] = ρ·s / (2(1 − ρ)) = 7/6.
    for (seed, rho) in [(1, 0.5), (2, 0.7), (3, 0.85)] {
        let w = waits(QUEUE_JOBS, rho, seed, |_| 1.0);
        let expected = rho / (2.0 * (1.0 - rho));
        let error = (mean(&w) - expected) / expected;
        println!(
            "M/D/1 ρ = {rho}: mean wait {:.4} vs {expected:.4} ({:+.2}%)",
            mean(&w),
            error * 100.0
        );
        assert!(error.abs() < 0.02, "ρ = {rho}: {:.4} vs {expected:.4}", mean(&w));
    }
}

#[test]
fn mm1_waits_match_the_analytic_distribution() {
    // μ = 1: E[W] = ρ/(μ − λ); P(W > t) = ρ·e^(−μ(1−ρ)t), so w_p = ln(ρ/(1−p)) / (μ(1−ρ)).
    for (seed, rho) in [(4, 0.5), (5, 0.7)] {
        let mut w = waits(QUEUE_JOBS, rho, seed, |rng| rng.exponential(1.0));
        let expected = rho / (1.0 - rho);
        let error = (mean(&w) - expected) / expected;
        println!(
            "M/M/1 ρ = {rho}: mean wait {:.4} vs {expected:.4} ({:+.2}%)",
            mean(&w),
            error * 100.0
        );
        assert!(error.abs() < 0.02, "ρ = {rho}: mean {:.4} vs {expected:.4}", mean(&w));
        for p in [0.5, 0.9, 0.99] {
            if rho <= 1.0 - p {
                continue; // the quantile is 0: most jobs do not wait
            }
            let expected = (rho / (1.0 - p)).ln() / (1.0 - rho);
            let got = sorted_quantile(&mut w, p);
            let error = (got - expected) / expected;
            println!(
                "M/M/1 ρ = {rho}: p{} wait {got:.4} vs {expected:.4} ({:+.2}%)",
                p * 100.0,
                error * 100.0
            );
            assert!(error.abs() < 0.02, "ρ = {rho} p{p}: {got:.4} vs {expected:.4}");
        }
    }
}

#[test]
fn perf_queue_tail_is_pessimistic_for_md1() {
    // perf/queue.rs promises its exponential-tail quantiles err on the safe side for M/D/1.
    use fleetplan::spec::Percentile;
    for (seed, rho) in [(6, 0.5), (7, 0.8), (8, 0.9)] {
        let mut w = waits(QUEUE_JOBS / 2, rho, seed, |_| 1.0);
        for p in [90.0, 99.0] {
            let simulated = sorted_quantile(&mut w, p / 100.0);
            let predicted = fleetplan::perf::queue::wait(1.0, rho, Percentile::P(p));
            println!(
                "M/D/1 ρ = {rho}: p{p} wait simulated {simulated:.3}, perf predicts {predicted:.3}"
            );
            assert!(predicted >= simulated * 0.98, "ρ = {rho} p{p}: {predicted} < {simulated}");
        }
    }
}

/// The JSON report's shape and figures, pinned (the keys are documented in docs/simulate.md).
#[test]
fn json_report_is_pinned() {
    let options = SimOptions { traffic: Traffic::Requests(3_000), ..SimOptions::default() };
    let report = simulate_file(&example("chat.fleet"), &options).unwrap();
    insta::assert_snapshot!(fleetplan::dump::json(&report));
}
