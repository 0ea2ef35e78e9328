#!/usr/bin/env bash
# The planner benchmark (benches/plan.rs) with HiGHS (`--features highs`).
#
#   bench/highs.sh                    # the HiGHS benchmarks: examples and generated solves
#   bench/highs.sh solve_highs/100    # a criterion filter, passed through
#   FLEETPLAN_BENCH_SOLVERS=microlp,highs bench/highs.sh .   # everything, both solvers
#
# Without arguments only HiGHS runs (FLEETPLAN_BENCH_SOLVERS=highs, filter `highs`): microlp,
# compile and graph build are bench/run.sh's, and do not depend on the solver.
#
# HiGHS is built from source by highs-sys, which needs cmake and libclang (bindgen). When they
# are missing they are installed with apt-get (Debian), which needs root. The build goes to
# target/highs, so that it does not invalidate the main or the microlp benchmark build; the
# first one takes about 6 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
dpkg-query -W -f='${Status}' libclang-dev 2>/dev/null | grep -q 'ok installed' \
  || missing+=(libclang-dev)
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "HiGHS needs ${missing[*]}: install them (apt-get install ${missing[*]}) or run as root" >&2
    exit 1
  fi
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/highs}"
export FLEETPLAN_BENCH_SOLVERS="${FLEETPLAN_BENCH_SOLVERS:-highs}"
if (($# == 0)); then
  set -- highs
fi
exec cargo bench --features highs --bench plan -- "$@"
