//! The planner benchmark (criterion): plan time for each bundled example, and for generated
//! fleets of 10, 30 (coupled: a pool limit binds), 100 and 1,000 workloads × 20 pools, and the
//! coupled twins of 100 and 1,000 (`generate::coupled_fleet`: the GPU pools' limits bind)
//! (`FLEETPLAN_BENCH_SIZES=1000,3000,10000` for others), with microlp and (built with
//! `--features highs`) HiGHS. Results and how they grow: docs/planner.md, "Performance".
//!
//! Groups:
//! - `examples/NAME/SOLVER`: the whole pipeline (`fleetplan::plan` on the file: load, check,
//!   graph, solve, report), for every `examples/*.fleet` that plans;
//! - `generated/compile/N`, `generated/graph/N`, `generated/solve_SOLVER/N` (N is `coupled-N`
//!   for a coupled fleet): the stages of a generated fleet (benches/generate.rs) separately. `graph` is `graph::build`, which runs
//!   the performance model for every workload × pool; `solve` is `solve::solve`, which builds
//!   the MILP and solves it.
//!
//! Every solve uses `solve::Options::default()` (MIP gap and time limit as `fleetplan plan`
//! uses them). Before timing a generated fleet, the benchmark plans it once per solver and
//! prints its size (candidates, variables, rows), the status the solver reached and the time
//! it took to stderr. A solve stopped by the time limit (with or without a plan) is not given
//! to criterion, since every run would take the limit: that one timed run is the figure. A
//! solve that finishes but takes more than 10 s is timed over an explicit, small number of
//! runs instead of criterion's ten samples. Both cases are printed.
//!
//! Run with `bench/run.sh` (microlp) or `bench/highs.sh` (HiGHS, built with the feature);
//! `FLEETPLAN_BENCH_SOLVERS=highs` keeps only the named solvers (the checks before timing run
//! whatever criterion's filter says, so this is how to skip a slow solver's). With
//! `FLEETPLAN_BENCH_FLEETS=DIR`, the generated fleets are also written to `DIR/generated-N.fleet` (`DIR/generated-coupled-N.fleet`).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode};
use fleetplan::graph::{self, CandidateGraph, TierKind};
use fleetplan::load::Root;
use fleetplan::solve::{self, Options, Solver, Status};
use fleetplan::spec::Spec;
use fleetplan::PlanOutcome;

#[path = "generate.rs"]
mod generate;

/// The generated fleets (each over `generate::POOLS` pools), unless `FLEETPLAN_BENCH_SIZES`
/// (a comma-separated list, such as `1000,3000,10000,c10000`) names others: `N` is
/// `generate::fleet` of N workloads, `cN` its coupled twin (`generate::coupled_fleet`: the GPU
/// pools' limits bind). 30 is coupled too: the groups' plans together break `b200_2`'s maximum.
const SIZES: [&str; 6] = ["10", "30", "100", "1000", "c100", "c1000"];

/// A generated fleet: its workloads, and whether its pool limits bind.
#[derive(Clone, Copy)]
struct Generated {
    workloads: usize,
    coupled: bool,
}

impl Generated {
    fn parse(item: &str) -> Option<Generated> {
        let item = item.trim();
        let (coupled, n) = item.strip_prefix('c').map_or((false, item), |n| (true, n));
        Some(Generated { workloads: n.parse().ok()?, coupled })
    }

    fn text(self) -> String {
        if self.coupled {
            generate::coupled_fleet(self.workloads, generate::SEED)
        } else {
            generate::fleet(self.workloads, generate::SEED)
        }
    }

    /// `1000` or `coupled-1000`: the benchmark's parameter and the fleet file's name.
    fn label(self) -> String {
        let prefix = if self.coupled { "coupled-" } else { "" };
        format!("{prefix}{}", self.workloads)
    }
}

fn sizes() -> Vec<Generated> {
    match std::env::var("FLEETPLAN_BENCH_SIZES") {
        Ok(list) => list.split(',').filter_map(Generated::parse).collect(),
        Err(_) => SIZES.iter().filter_map(|s| Generated::parse(s)).collect(),
    }
}

/// A solve slower than this once is timed by hand over `SLOW_RUNS` runs, not by criterion's
/// ten samples and warm-up, to keep the whole benchmark within about ten minutes on 2 cores.
const SLOW_S: f64 = 10.0;
const SLOW_RUNS: usize = 3;

/// The solvers built in, less those `FLEETPLAN_BENCH_SOLVERS` (a comma-separated list such as
/// `highs`) leaves out: the checks before timing run whatever criterion's filter says.
fn solvers() -> Vec<Solver> {
    #[cfg(feature = "highs")]
    let built = vec![Solver::Microlp, Solver::Highs];
    #[cfg(not(feature = "highs"))]
    let built = vec![Solver::Microlp];
    match std::env::var("FLEETPLAN_BENCH_SOLVERS") {
        Ok(list) => built
            .into_iter()
            .filter(|s| list.split(',').any(|n| n.trim() == solver_name(*s)))
            .collect(),
        Err(_) => built,
    }
}

fn solver_name(solver: Solver) -> &'static str {
    match solver {
        Solver::Microlp => "microlp",
        Solver::Highs => "highs",
    }
}

fn options(solver: Solver) -> Options {
    Options { solver, ..Options::default() }
}

fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "fleet"))
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    paths
}

/// Whether the file plans with this solver; prints why not when it does not.
fn plans(path: &Path, solver: Solver) -> bool {
    let outcome = fleetplan::plan(Root::Path(path.to_path_buf()), &options(solver));
    let why = match outcome.map(|p| p.outcome) {
        Ok(PlanOutcome::Planned { .. }) => return true,
        Ok(PlanOutcome::Invalid(_)) => "does not check",
        Ok(PlanOutcome::Infeasible { .. }) => "has no plan (infeasible or solver error)",
        Err(_) => "cannot be read",
    };
    eprintln!("examples: skipping {} with {}: it {why}", path.display(), solver_name(solver));
    false
}

fn bench_examples(c: &mut Criterion) {
    let mut group = c.benchmark_group("examples");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    for path in examples() {
        let name = path.file_stem().map_or_else(String::new, |s| s.to_string_lossy().into_owned());
        for solver in solvers() {
            if !plans(&path, solver) {
                continue;
            }
            let options = options(solver);
            group.bench_function(BenchmarkId::new(&name, solver_name(solver)), |b| {
                b.iter(|| fleetplan::plan(Root::Path(black_box(path.clone())), &options))
            });
        }
    }
    group.finish();
}

fn compile(text: &str) -> Option<Spec> {
    let root = Root::Text { name: "generated.fleet".into(), text: text.into() };
    fleetplan::compile(root).ok()?.result.ok()
}

/// The program's size as `solve` builds it: integer variables (instances per candidate,
/// units per device tier), continuous ones (KV share per workload and tier) and rows
/// (coverage per workload, one per pool used, capacity and bandwidth per tier used).
fn program_size(graph: &CandidateGraph) -> (usize, usize, usize) {
    let device_tiers = graph.tiers.iter().filter(|t| matches!(t.kind, TierKind::Devices)).count();
    let integers = graph.candidates.len() + device_tiers;
    let shares: usize = graph.demands.iter().map(|d| d.tiers.len()).sum();
    let coverage: usize = graph.demands.iter().map(|d| 2 + usize::from(!d.tiers.is_empty())).sum();
    let pools: std::collections::BTreeSet<&str> =
        graph.candidates.iter().map(|c| c.pool.as_str()).collect();
    let tiers: std::collections::BTreeSet<usize> =
        graph.demands.iter().flat_map(|d| d.tiers.iter().copied()).collect();
    (integers, shares, coverage + pools.len() + 2 * tiers.len())
}

/// Peak resident memory of this process so far, from /proc (Linux), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn bench_generated(c: &mut Criterion) {
    let mut group = c.benchmark_group("generated");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    group.sampling_mode(SamplingMode::Flat);
    if let Some(dir) = std::env::var_os("FLEETPLAN_BENCH_FLEETS") {
        // To plan or explain a generated fleet by hand: `fleetplan plan DIR/generated-N.fleet`.
        for fleet in sizes() {
            let path = Path::new(&dir).join(format!("generated-{}.fleet", fleet.label()));
            if let Err(error) = std::fs::write(&path, fleet.text()) {
                eprintln!("cannot write {}: {error}", path.display());
            }
        }
    }
    for fleet in sizes() {
        group.measurement_time(Duration::from_secs(if fleet.workloads >= 1000 { 5 } else { 3 }));
        let text = fleet.text();
        let n = fleet.label();
        let Some(spec) = compile(&text) else {
            panic!("the generated fleet of {n} workloads does not check")
        };
        let graph = graph::build(&spec);
        let (integers, shares, rows) = program_size(&graph);
        eprintln!(
            "generated N={n}: {} workloads x {} pools, {} lines; {} candidates, {} rejected; \
             program: {integers} integer + {shares} continuous variables, {rows} rows",
            spec.workloads.len(),
            spec.pools.len(),
            text.lines().count(),
            graph.candidates.len(),
            graph.rejected.len(),
        );

        group.bench_with_input(BenchmarkId::new("compile", &n), &text, |b, text| {
            b.iter(|| compile(black_box(text)))
        });
        group.bench_with_input(BenchmarkId::new("graph", &n), &spec, |b, spec| {
            b.iter(|| graph::build(black_box(spec)))
        });

        for solver in solvers() {
            let options = options(solver);
            let name = format!("solve_{}", solver_name(solver));
            let start = Instant::now();
            let solved = solve::solve(&spec, &graph, &options);
            let once = start.elapsed().as_secs_f64();
            let outcome = match &solved {
                Ok(solution) => {
                    let devices: u32 = graph
                        .candidates
                        .iter()
                        .zip(&solution.instances)
                        .map(|(c, k)| c.devices * k)
                        .sum();
                    format!(
                        "{:?}, {:.2} $/h, proven gap {}, {devices} devices",
                        solution.status,
                        solution.objective_usd_per_hour,
                        solution
                            .proven_gap
                            .map_or("unknown".into(), |g| format!("{:.4}%", g * 100.0))
                    )
                }
                Err(diagnostics) => {
                    let messages: Vec<String> = diagnostics.iter().map(|d| d.message()).collect();
                    format!("NO PLAN: {}", messages.join("; "))
                }
            };
            eprintln!(
                "generated N={n} {}: {outcome}; {once:.3} s (gap {}, time limit {} s); \
                 peak RSS so far {:.0} MiB",
                solver_name(solver),
                options.mip_gap,
                options.time_limit_s,
                peak_rss_mib().unwrap_or(f64::NAN),
            );
            let limited = !matches!(&solved, Ok(s) if s.status != Status::TimeLimit);
            if limited {
                // Every run ends at the time limit: repeating it measures the limit.
                eprintln!(
                    "generated/{name}/{n}: stopped by the time limit, timed once (above), \
                     not given to criterion"
                );
                continue;
            }
            if once > SLOW_S {
                // Too slow for criterion's ten samples: a few runs by hand.
                let mut times: Vec<f64> = (0..SLOW_RUNS)
                    .map(|_| {
                        let start = Instant::now();
                        let _ = black_box(solve::solve(&spec, &graph, &options));
                        start.elapsed().as_secs_f64()
                    })
                    .collect();
                times.sort_by(f64::total_cmp);
                eprintln!(
                    "generated/{name}/{n}: {SLOW_RUNS} runs by hand (one took {once:.1} s): \
                     median {:.3} s, min {:.3} s, max {:.3} s",
                    times[SLOW_RUNS / 2],
                    times[0],
                    times[SLOW_RUNS - 1]
                );
                continue;
            }
            group.bench_function(BenchmarkId::new(name, &n), |b| {
                b.iter(|| solve::solve(&spec, black_box(&graph), &options))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_examples, bench_generated);
criterion_main!(benches);
