#!/usr/bin/env bash
# Every benchmark, one after the other, each printing its JSON line(s) on stdout: engine, iv,
# decode, json encoders, store (SQLite), api, ws; ClickHouse store and NATS bus when their
# servers are installed. Progress and timings go to stderr. Runs them all even when one fails,
# then exits 1 if any did. Sized to finish in about five minutes on a 2-core machine.
#   bench/run_all.sh [BUILD_DIR]     (default: build, a Release build with SF_BUILD_BENCH=ON)
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
b=${1:-$here/build}
tmp=$(mktemp -d /tmp/sf-benchall.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failed=()
run() {
  local name=$1; shift
  local t0=$SECONDS
  echo "== $name: $*" >&2
  if ! "$@"; then failed+=("$name"); echo "== $name FAILED" >&2; fi
  echo "== $name: $((SECONDS - t0)) s" >&2
}
echo "== load: $(uptime)" >&2
run engine "$b/smartflow" bench engine
run iv "$b/bench_greeks"
run decode "$b/bench_decode"
[ -x "$b/bench_json" ] && run json "$b/bench_json"
run store-sqlite "$b/smartflow" bench store --url "sqlite:$tmp/store.db" --events 200000 --batch 5000 --queries 200 --reset
run api "$b/smartflow" bench api --seconds 5 --connections 8
run ws "$b/smartflow" bench ws --clients 50 --rate 5000 --seconds 5
if command -v clickhouse-server >/dev/null 2>&1 || [ -x /usr/sbin/clickhouse-server ]; then
  run store-clickhouse "$here/bench/bench_store_clickhouse.sh" "$b/smartflow" --rows 200000 --batch 50000 --queries 10
else
  echo "== store-clickhouse: skipped (clickhouse-server not installed)" >&2
fi
if [ -x "$b/bench_bus" ] && { command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ]; }; then
  run bus-nats "$b/bench_bus"
else
  echo "== bus-nats: skipped (nats-server or bench_bus missing)" >&2
fi
echo "== load: $(uptime)" >&2
if [ ${#failed[@]} -gt 0 ]; then echo "== failed: ${failed[*]}" >&2; exit 1; fi
