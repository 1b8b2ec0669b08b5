#!/usr/bin/env bash
# Opens a report.html in headless Chromium (Debian's chromium package, installed if missing),
# takes a screenshot, and fails if the rendered page has no images or no charts.
# Usage: scripts/check_report.sh path/to/report.html [screenshot.png]
set -euo pipefail
report="${1:?usage: check_report.sh REPORT.html [SCREENSHOT.png]}"
shot="${2:-${report%.html}.png}"
[ -f "$report" ] || { echo "check_report: no such file: $report" >&2; exit 2; }

if ! command -v chromium >/dev/null 2>&1; then
  echo "check_report: installing chromium (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --user-data-dir="$profile" --hide-scrollbars --virtual-time-budget=5000)
url="file://$(realpath "$report")"

dom=$(chromium "${flags[@]}" --dump-dom "$url" 2>/dev/null)
count() { { grep -oE "$1" <<<"$dom" || true; } | wc -l; }
images=$(count '<img [^>]*src="data:image/png;base64,')
charts=$(count '<svg[ >]')
verdicts=$(count 'class="(PASS|FAIL|INCONCLUSIVE|INFO)"')
chromium "${flags[@]}" --window-size=1280,4000 --screenshot="$shot" "$url" >/dev/null 2>&1
size=$(stat -c %s "$shot" 2>/dev/null || echo 0)
echo "check_report: $report rendered: $images embedded images, $charts charts, $verdicts verdict cells; screenshot $shot ($size bytes)"
if [ "$images" -eq 0 ] || [ "$charts" -eq 0 ] || [ "$size" -lt 20000 ]; then
  echo "check_report: FAILED: the page has no images or no charts, or the screenshot is blank" >&2
  exit 1
fi
