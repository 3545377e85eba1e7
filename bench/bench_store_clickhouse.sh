#!/usr/bin/env bash
# `smartflow bench store` against a throwaway ClickHouse: starts clickhouse-server on a loopback ephemeral
# port with a temporary data directory (scripts/test-clickhouse.sh), writes N option prints and
# N smart-money events in large batches into a fresh database (one per record type), prints
# the benchmark's JSON lines, and stops the server (also on failure or Ctrl-C).
#   bench/bench_store_clickhouse.sh [SMARTFLOW] [--rows N] [--batch B] [--queries Q]
# SMARTFLOW (the CLI binary) defaults to build/smartflow. Exit 3 when clickhouse-server is not installed.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$here/build/smartflow
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then bin=$1; shift; fi
rows=1000000 batch=50000 queries=20
while [ $# -gt 0 ]; do
  case $1 in
    --rows) rows=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --queries) queries=$2; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench_store_clickhouse.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[ -x "$bin" ] || { echo "bench_store_clickhouse.sh: $bin not built" >&2; exit 2; }
read -r port pid dir < <("$here/scripts/test-clickhouse.sh" start) || exit $?
trap '"$here/scripts/test-clickhouse.sh" stop "$pid" "$dir"' EXIT
echo "clickhouse-server on 127.0.0.1:$port (pid $pid)" >&2
for type in option-print smart-money; do
  "$bin" bench store --url "clickhouse://127.0.0.1:$port/sf_bench_${type//-/_}" --type "$type" --events "$rows" \
    --batch "$batch" --queries "$queries"
done
