#!/usr/bin/env bash
# The editor-grammar tests (VS Code's TextMate grammar and the vim syntax, against
# grammar/fleet.pest, our fixtures, examples/ and std/). Installs the locked npm packages first.
#   editors/test.sh                        run the tests
#   UPDATE_SNAPSHOTS=1 editors/test.sh     rewrite tests/snapshots/ (then review the diff)
#   FLEET_PEST_GRAMMAR=x.pest editors/test.sh   check the keywords of another copy of the grammar
set -euo pipefail
cd "$(dirname "$0")"

# The vim tests run vim itself; CI must have it (the tests fail there without it).
if ! command -v vim >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing vim for the vim syntax tests"
  { apt-get update -qq && apt-get install -y -qq vim >/dev/null; } || echo "could not install vim"
fi

npm ci --no-audit --no-fund --loglevel=error
node --test --test-reporter=spec tests/*.test.mjs
