#!/usr/bin/env bash
# The simulator benchmark (benches/simulate.rs): simulated requests per second.
#
#   bench/simulate.sh             # chat and three-layer at 10^6 requests, agent-memory at 10^5
#   bench/simulate.sh chat        # a criterion filter, passed through
#
# Builds into target/bench, as bench/run.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/bench}"
exec cargo bench --bench simulate -- "$@"
