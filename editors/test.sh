#!/usr/bin/env bash
# The editor-grammar tests (VS Code's TextMate grammar and the vim syntax, against
# grammar/fleet.pest, our fixtures, examples/ and std/). Installs the locked npm packages first.
#   editors/test.sh                        run the tests
#   UPDATE_SNAPSHOTS=1 editors/test.sh     rewrite tests/snapshots/ (then review the diff)
#   FLEET_PEST_GRAMMAR=x.pest editors/test.sh   check the keywords of another copy of the grammar
set -euo pipefail
cd "$(dirname "$0")"

# The vim tests run vim itself: a test script installs nothing, so CI (`.ci/run`) installs it,
# and without it the vim tests fail rather than pass unseen.
if ! command -v vim >/dev/null 2>&1; then
  echo "vim is not installed: the vim syntax tests need it (apt-get install vim)" >&2
  exit 1
fi

npm ci --no-audit --no-fund --loglevel=error
node --test --test-reporter=spec tests/*.test.mjs
