#!/usr/bin/env bash
# Browser test: starts `smartflow run` (demo feed -> engine -> SQLite -> API + web UI) on an
# ephemeral loopback port, then drives Debian's Chromium with playwright-core
# (tests/api/browser_ui.mjs): live events fill the tape, a drawer shows six scores and reasons,
# a profile filter applies, and a screenshot is saved under the build folder.
set -euo pipefail
src=${SF_SOURCE_DIR:?} bin=${SF_BINARY_DIR:?} cli=${SF_CLI:?}
node_dir=${SF_NODE_DIR:-$bin/node}
[ -d "$node_dir/node_modules/playwright-core" ] || node_dir="$src/build-test/node"
. "$src/tests/lib.sh"
if [ ! -x /usr/bin/chromium ] || [ ! -d "$node_dir/node_modules/playwright-core" ]; then
  sf_missing "chromium or playwright-core not installed (make test installs them)"
fi
work=$(mktemp -d /tmp/sf-browser.XXXXXX)
log="$work/run.log"
"$cli" run --listen 127.0.0.1:0 --db "sqlite:$work/demo.db" --seed 4242 --speed 10 >"$log" 2>"$work/run.err" &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
url=""
for _ in $(seq 1 600); do # 60 s: a loaded machine can be slow to start it
  url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$log" | head -1 || true)
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { echo "smartflow run exited:"; cat "$work/run.err"; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "smartflow run printed no URL"; cat "$work/run.err"; exit 1; }
echo "demo at $url"
mkdir -p "$bin/screenshots"
SF_PLAYWRIGHT_DIR="$node_dir" node "$src/tests/api/browser_ui.mjs" --url "$url" \
  --screenshot "$bin/screenshots/terminal.png"
# Clean shutdown: SIGTERM flushes everything and exits 0.
kill -TERM "$pid"
wait "$pid"
echo "smartflow run stopped cleanly"
