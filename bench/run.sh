#!/usr/bin/env bash
# The planner benchmark (benches/plan.rs) with microlp, the solver every build has.
#
#   bench/run.sh                      # everything: examples, generated N = 10, 30, 100, 1000
#                                     # and their coupled twins c100, c1000 (pool limits bind)
#   FLEETPLAN_BENCH_SIZES=3000,10000,c10000 bench/run.sh generated   # other sizes
#   bench/run.sh generated/solve      # a criterion filter, passed through
#
# Builds into target/bench so that a benchmark build never invalidates or locks the main
# target directory. The whole run takes a few minutes on 2 cores (docs/planner.md).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/bench}"
exec cargo bench --bench plan -- "$@"
