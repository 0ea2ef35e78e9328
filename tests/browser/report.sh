#!/usr/bin/env bash
# The HTML report in a real browser (headless Chromium, from the Debian package): the page
# loads with no console message (a blocked fetch or script would log one under its
# Content-Security-Policy), its DOM holds the charts, its screenshots are not blank, light by
# default and dark when the reader's system asks, and it prints to a PDF of several pages. The
# checks are first run on a page built to fail them, so that a check that cannot fail is caught.
#
#   tests/browser/report.sh            (CI runs it after the test suite; about 20 s)
#   FLEETPLAN=target/release/fleetplan tests/browser/report.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
  echo "chromium is not installed (apt-get install -y chromium)"; exit 1
fi
fleetplan="${FLEETPLAN:-target/debug/fleetplan}"
if [ -z "${FLEETPLAN:-}" ]; then
  cargo build --quiet
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# One Chromium run, bounded in time; `--no-sandbox` because CI runs as root.
chrome() {
  timeout 90 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --no-first-run --user-data-dir="$work/profile" --enable-logging=stderr --v=0 "$@"
}

# Fails when Chromium logged a console message or a network error for the page.
check_log() {
  if grep -E ':CONSOLE|net::ERR_' "$1"; then
    echo "FAIL $2: the page logged the lines above while loading"; return 1
  fi
}

# Fails unless the screenshot has ink on it and the expected background.
check_png() {
  local stats; stats="$(python3 tests/browser/png_stats.py "$1")"
  echo "  $2: $stats"
  python3 - "$stats" "$3" <<'PY'
import sys
facts = dict(kv.split("=") for kv in sys.argv[1].split())
ink, colours, luma = float(facts["ink_share"]), int(facts["colours"]), float(facts["background_luma"])
want = sys.argv[2]
assert ink > 0.03 and colours > 50, f"blank screenshot: {facts}"
assert (luma > 200) if want == "light" else (luma < 80), f"background not {want}: {facts}"
PY
}

echo "== the checks fail on a broken page"
cat > "$work/broken.html" <<'HTML'
<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'">
</head><body><img src="http://127.0.0.1:9/chart.png"></body></html>
HTML
chrome --dump-dom "file://$work/broken.html" >/dev/null 2>"$work/broken.log" || true
if check_log "$work/broken.log" broken >/dev/null; then
  echo "FAIL: a page whose image is blocked passed the load check"; exit 1
fi
chrome --window-size=800,600 --screenshot="$work/broken.png" "file://$work/broken.html" \
  >/dev/null 2>&1 || true
if check_png "$work/broken.png" broken light 2>/dev/null; then
  echo "FAIL: a blank page passed the screenshot check"; exit 1
fi
echo "  both caught"

echo "== report of examples/three-layer.fleet, simulated"
"$fleetplan" report examples/three-layer.fleet -o "$work/plan.html" --simulate --requests 20000

chrome --dump-dom "file://$work/plan.html" >"$work/dom.html" 2>"$work/dom.log"
check_log "$work/dom.log" "the report"
svgs="$(grep -o '<svg' "$work/dom.html" | wc -l)"
echo "  DOM: $svgs svg elements"
if [ "$svgs" -lt 2 ]; then echo "FAIL: fewer than two charts in the DOM"; exit 1; fi
for id in fleet latency cost frontier memory; do
  grep -q "<section id=\"$id\"" "$work/dom.html" || { echo "FAIL: no section $id"; exit 1; }
done
if grep -q 'chart not drawn' "$work/dom.html"; then echo "FAIL: a chart was not drawn"; exit 1; fi

chrome --window-size=1100,3000 --screenshot="$work/light.png" "file://$work/plan.html" \
  >/dev/null 2>"$work/light.log"
check_log "$work/light.log" "the light screenshot"
check_png "$work/light.png" light light
chrome --window-size=1100,3000 --blink-settings=preferredColorScheme=0 \
  --screenshot="$work/dark.png" "file://$work/plan.html" >/dev/null 2>"$work/dark.log"
check_log "$work/dark.log" "the dark screenshot"
check_png "$work/dark.png" dark dark
chrome --no-pdf-header-footer --print-to-pdf="$work/plan.pdf" "file://$work/plan.html" \
  >/dev/null 2>"$work/pdf.log"
check_log "$work/pdf.log" "printing"
# The page tree's count (the page objects themselves may sit in compressed streams).
pages="$(grep -a -o '/Count [0-9]*' "$work/plan.pdf" | head -1 | cut -d' ' -f2)"
echo "  printed: $pages pages, $(wc -c <"$work/plan.pdf") bytes"
if [ "$(head -c 5 "$work/plan.pdf")" != "%PDF-" ] || [ "${pages:-0}" -lt 2 ]; then
  echo "FAIL: the page did not print"; exit 1
fi
if [ -n "${FLEETPLAN_SCREENSHOTS:-}" ]; then
  cp "$work/light.png" "$work/dark.png" "$FLEETPLAN_SCREENSHOTS/"
fi
echo "== the report renders in Chromium"
