//! The simulator benchmark (criterion): simulated requests per second. One run is a whole
//! `simulate::simulate` of a planned example (arrivals generated, every request through
//! prefill, KV transfer and decode, statistics sorted and the report assembled); planning is
//! done once, outside the timing. Figures: docs/simulate.md, "Performance".
//!
//! Run with `bench/simulate.sh` (builds into target/bench, like the planner's benchmark).

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use fleetplan::load::Root;
use fleetplan::simulate::{self, SimOptions, Traffic};
use fleetplan::solve::Options;

/// (example, requests per run): the target is 10⁶ requests in at most 5 s.
const RUNS: [(&str, u64); 3] =
    [("chat", 1_000_000), ("three-layer", 1_000_000), ("agent-memory", 100_000)];

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("simulate");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(20));
    for (name, requests) in RUNS {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(format!("{name}.fleet"));
        let Some(spec) = fleetplan::compile(Root::Path(path)).ok().and_then(|c| c.result.ok())
        else {
            eprintln!("{name} does not compile; skipped");
            continue;
        };
        let graph = fleetplan::graph::build(&spec);
        let Ok(solution) = fleetplan::solve::solve(&spec, &graph, &Options::default()) else {
            eprintln!("{name} does not plan; skipped");
            continue;
        };
        let options = SimOptions { traffic: Traffic::Requests(requests), ..SimOptions::default() };
        group.throughput(Throughput::Elements(requests));
        group.bench_with_input(BenchmarkId::new(name, requests), &options, |b, options| {
            b.iter(|| black_box(simulate::simulate(&spec, &graph, &solution, options)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
