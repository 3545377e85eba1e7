#!/usr/bin/env bash
# End-to-end throughput of distributed mode through a real nats-server -js: a generated tape is
# ingested, then 1 and then 2 compute partitions (each its own SQLite store) consume it; the
# figure is market records / s and smart-money events / s from the first compute start to the
# last worker's idle exit (minus the idle wait). Checks its own result: the events stored equal
# the single-process count. Prints one JSON line per configuration.
#   bench/bench_pipeline.sh [BUILD_DIR] [MINUTES]     (a Release build is best)
set -euo pipefail
build=${1:-build} minutes=${2:-10}
SF=$build/smartflow
[ -x "$SF" ] || { echo "no $SF (cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build)" >&2; exit 2; }
command -v nats-server >/dev/null || { echo "nats-server not installed" >&2; exit 2; }
tmp=$(mktemp -d /tmp/sf-bench-pipe.XXXXXX)
nats_pid=""
trap '[ -n "$nats_pid" ] && kill $nats_pid 2>/dev/null; rm -rf "$tmp"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
nats-server -js -a 127.0.0.1 -p "$port" -sd "$tmp/js" >"$tmp/nats.log" 2>&1 &
nats_pid=$!
sleep 0.5
bus=nats://127.0.0.1:$port
"$SF" gen --seed 3 --minutes "$minutes" --underlyings SPY,QQQ,AAPL,GOOGL,JPM,XOM --out "$tmp/gen" 2>/dev/null
tape=$tmp/gen/tape.jsonl
records=$(wc -l <"$tape")
"$SF" compute --in "$tape" --out "$tmp/single.jsonl" --calendar "$tmp/gen/calendar.json" 2>/dev/null
expect=$(grep -c '"type":"smart-money"' "$tmp/single.jsonl")
t0=$(date +%s.%N)
"$SF" ingest --bus "$bus" --source tape "$tape" 2>"$tmp/ingest.log"
t1=$(date +%s.%N)
echo "{\"bench\":\"pipeline_ingest\",\"records\":$records,\"seconds\":$(echo "$t1 - $t0" | bc),\"records_per_s\":$(echo "$records / ($t1 - $t0)" | bc)}"
idle=1000
for n in 1 2; do
  start=$(date +%s.%N)
  cpids=()
  for i in $(seq 0 $((n - 1))); do
    "$SF" compute --bus "$bus" --store "sqlite:$tmp/p$n-$i.db" --partition "$i/$n" --durable "bench-$n-$i" \
      --calendar "$tmp/gen/calendar.json" --idle-exit "$idle" 2>"$tmp/c$n-$i.log" &
    cpids+=($!)
  done
  for p in "${cpids[@]}"; do wait "$p"; done
  end=$(date +%s.%N)
  secs=$(echo "$end - $start - $idle / 1000" | bc -l)
  events=0
  for i in $(seq 0 $((n - 1))); do
    events=$((events + $(sqlite3 "$tmp/p$n-$i.db" 'select count(*) from smart_money_events')))
  done
  [ "$events" -eq "$expect" ] || { echo "partitions=$n: $events events, single process $expect" >&2; exit 1; }
  printf '{"bench":"pipeline_compute","partitions":%d,"records":%d,"events":%d,"seconds":%.3f,"records_per_s":%.0f,"events_per_s":%.0f}\n' \
    "$n" "$records" "$events" "$secs" "$(echo "$records / $secs" | bc -l)" "$(echo "$events / $secs" | bc -l)"
done
