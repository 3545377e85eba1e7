#!/usr/bin/env bash
# Distributed mode end to end against a real nats-server -js (loopback, ephemeral port, temp
# store dir) and, when installed, a throwaway clickhouse-server (scripts/test-clickhouse.sh):
#   ingest of a generated tape -> 2 compute partitions -> store -> serve;
#   every planted order of labels.jsonl comes out as events exactly once (member prints);
#   the union of the partitions' derived records equals a single-process `smartflow compute`
#   over the same tape, byte for byte after sorting;
#   kill -9 of a compute worker mid-stream and a restart: nothing lost, nothing duplicated;
#   a nats-server restart mid-stream: the services reconnect, nothing acknowledged is lost;
#   a worker with --idle-exit outlives a bus outage longer than its idle-exit (time without the
#   bus is not idleness) and exits once the bus is back and quiet;
#   verify-replay over the stored range: zero mismatches; after a stored quote is perturbed in
#   SQLite: a reported mismatch (exit 1);
#   replay into the replay namespace with its own store reproduces the live events.
# The test command installs nats-server and clickhouse-server; a missing binary is a skip only
# outside CI ($CI unset).
set -euo pipefail
bin=${SF_BINARY_DIR:?} src=${SF_SOURCE_DIR:?}
SF=${SF_CLI:-$bin/smartflow}
if ! command -v nats-server >/dev/null 2>&1; then
  if [ -n "${CI:-}" ]; then echo "nats-server is missing in CI" >&2; exit 1; fi
  echo "SKIP: nats-server not installed (make test installs it)"; exit 0
fi
[ -x "$SF" ] || { if [ -n "${CI:-}" ]; then echo "no smartflow binary" >&2; exit 1; fi; echo "SKIP: no $SF"; exit 0; }
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
tmp=$(mktemp -d /tmp/sf-dist.XXXXXX)
pids=()
ch_pid="" ch_dir=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "$ch_pid" ] && "$src/scripts/test-clickhouse.sh" stop "$ch_pid" "$ch_dir" || true
  [ -n "${SF_KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
# On failure: the last lines of every log, and any sanitizer report in full (its head names the
# fault, which the last lines do not show).
fail() {
  echo "FAIL: $*" >&2
  for f in "$tmp"/*.log; do
    echo "== $f"
    if grep -q 'Sanitizer\|runtime error' "$f"; then grep -A40 -m1 'Sanitizer\|runtime error' "$f"; else tail -5 "$f"; fi
  done >&2
  exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

port=$(free_port)
start_nats() {
  nats-server -js -a 127.0.0.1 -p "$port" -sd "$tmp/js" >>"$tmp/nats.log" 2>&1 &
  nats_pid=$!
  pids+=("$nats_pid")
  for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0; sleep 0.1; done
  fail "nats-server did not start within 30 s"
}
start_nats
bus="nats://127.0.0.1:$port"

# Underlyings chosen so that both slices of 2 are busy (SPY, QQQ, AAPL -> 0; GOOGL, JPM -> 1).
"$SF" gen --seed 11 --minutes 4 --underlyings SPY,QQQ,AAPL,GOOGL,JPM --out "$tmp/gen" 2>"$tmp/gen.log"
tape=$tmp/gen/tape.jsonl cal=$tmp/gen/calendar.json
emit=smart-money,classifier-hit,alert,flow-packet
"$SF" compute --in "$tape" --out "$tmp/single.jsonl" --calendar "$cal" --emit "$emit" 2>"$tmp/single.log" ||
  fail "single-process compute"

sorted_derived() { # envelope files -> sorted lines of the derived types
  cat "$@" | grep -E '"type":"(smart-money|classifier-hit|alert|flow-packet)"' | LC_ALL=C sort
}
export_store() { # store-url out
  : >"$2"
  for t in smart-money classifier-hit alert flow-packet; do
    "$SF" export --store "$1" --type "$t" >>"$2" 2>>"$tmp/export.log" || fail "export $t"
  done
}
check_labels() { # events.jsonl: every planted order's member prints are in exactly one event
  python3 - "$tmp/gen/labels.jsonl" "$1" <<'PY'
import json, sys
labels = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
owner = {}
for l in open(sys.argv[2]):
    e = json.loads(l)
    if e["type"] != "smart-money": continue
    for p in e["payload"]["member_print_ids"]:
        if p in owner: sys.exit("print %s in two events" % p)
        owner[p] = e["payload"]["event_id"]
seen = 0
for lab in labels:
    ids = lab.get("member_print_ids", [])
    evs = {owner.get(p) for p in ids}
    if None in evs: sys.exit("planted %s: a member print is in no event" % lab.get("scenario_id"))
    seen += 1
print("planted orders found: %d of %d" % (seen, len(labels)))
PY
}

run_pipeline() { # store-url tag
  local store=$1 tag=$2
  "$SF" ingest --bus "$bus" --namespace "$tag." --source tape "$tape" 2>"$tmp/ingest-$tag.log" || fail "ingest $tag"
  local cp=()
  for i in 0 1; do
    "$SF" compute --bus "$bus" --namespace "$tag." --store "$store" --partition "$i/2" --calendar "$cal" \
      --idle-exit 2000 2>"$tmp/compute-$tag-$i.log" &
    cp+=($!)
  done
  for p in "${cp[@]}"; do wait "$p" || fail "compute $tag"; done
  export_store "$store" "$tmp/dist-$tag.jsonl"
  diff <(sorted_derived "$tmp/single.jsonl") <(sorted_derived "$tmp/dist-$tag.jsonl") >"$tmp/diff-$tag.txt" ||
    fail "$tag: partitioned derived records differ from single-process compute ($(wc -l <"$tmp/diff-$tag.txt") diff lines)"
  check_labels "$tmp/dist-$tag.jsonl" || fail "$tag: planted orders"
  echo "ok: $tag: 2 partitions == single process ($(sorted_derived "$tmp/single.jsonl" | wc -l) derived records)"
}

# 1. SQLite store, clean run.
db=$tmp/live.db
run_pipeline "sqlite:$db" t1

# serve over the store with the bus: the API answers from the store.
api_port=$(free_port)
"$SF" serve --store "sqlite:$db" --bus "$bus" --namespace t1. --listen "127.0.0.1:$api_port" >"$tmp/serve.log" 2>&1 &
serve_pid=$!
pids+=("$serve_pid")
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$api_port/health" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$api_port/health" >/dev/null || fail "serve did not answer /health within 30 s"
n_api=$(curl -sf "http://127.0.0.1:$api_port/flow/smart-money?limit=1000" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))')
n_single=$(grep -c '"type":"smart-money"' "$tmp/single.jsonl")
[ "$n_api" -eq "$n_single" ] || [ "$n_api" -eq 1000 ] || fail "serve: $n_api smart-money events, expected $n_single"
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true
echo "ok: serve --bus --store answers ($n_api events)"

# 2. kill -9 a compute worker mid-stream, restart it; restart nats-server mid-stream.
db2=$tmp/crash.db
"$SF" ingest --bus "$bus" --namespace t2. --source tape "$tape" --speed 0 2>"$tmp/ingest-t2.log" || fail "ingest t2"
"$SF" compute --bus "$bus" --namespace t2. --store "sqlite:$db2" --partition 1/2 --calendar "$cal" --batch 64 \
  --idle-exit 2000 2>"$tmp/compute-t2-1.log" &
c1=$!
"$SF" compute --bus "$bus" --namespace t2. --store "sqlite:$db2" --partition 0/2 --calendar "$cal" --batch 64 \
  --idle-exit 4000 2>"$tmp/compute-t2-0a.log" &
c0=$!
pids+=("$c0" "$c1")
sleep 1.5
kill -9 "$c0"; wait "$c0" 2>/dev/null || true
# Prints of partition 0 (SPY, QQQ, AAPL) the killed worker stored: the restarted one must rebuild
# from them. (Partition 1 writes into the same store, so counting every print would expect a
# rebuild from a worker that, on a slow machine, stored nothing before the kill.)
n_before=$(sqlite3 "$db2" "select count(*) from option_prints where underlying_id in ('SPY','QQQ','AAPL')" \
  2>/dev/null || echo 0)
# nats-server restart while partition 1 is still working.
kill "$nats_pid"; wait "$nats_pid" 2>/dev/null || true
sleep 0.5
start_nats
"$SF" compute --bus "$bus" --namespace t2. --store "sqlite:$db2" --partition 0/2 --calendar "$cal" --batch 64 \
  --idle-exit 4000 2>"$tmp/compute-t2-0b.log" || fail "restarted compute"
wait "$c1" || fail "compute partition 1 across the nats restart"
grep -q "rebuilt state" "$tmp/compute-t2-0b.log" || [ "$n_before" -eq 0 ] || fail "restart did not rebuild state"
export_store "sqlite:$db2" "$tmp/dist-t2.jsonl"
diff <(sorted_derived "$tmp/single.jsonl") <(sorted_derived "$tmp/dist-t2.jsonl") >"$tmp/diff-t2.txt" ||
  fail "kill -9 / nats restart: derived records differ from single-process ($(wc -l <"$tmp/diff-t2.txt") diff lines)"
check_labels "$tmp/dist-t2.jsonl" || fail "t2: planted orders"
echo "ok: kill -9 at $n_before stored partition-0 prints + nats restart: no event lost or duplicated"

# 2b. A worker with nothing to consume, then a bus outage longer than its --idle-exit (overlapping
# part 3, which needs no bus): it must still run when the bus comes back, and exit 0 after
# idle-exit of quiet. Without the bus every fetch times out empty; counting that as idle time
# would end a bounded run mid-stream whenever the server restarts for longer than idle-exit.
idle_ms=4000
"$SF" compute --bus "$bus" --namespace t6. --store "sqlite:$tmp/idle.db" --calendar "$cal" --idle-exit "$idle_ms" \
  2>"$tmp/compute-t6.log" &
c6=$!
pids+=("$c6")
for _ in $(seq 1 300); do grep -q "partition" "$tmp/compute-t6.log" && break; sleep 0.1; done
grep -q "partition" "$tmp/compute-t6.log" || fail "t6 compute did not start within 30 s"
ms_now() { echo $(($(date +%s%N) / 1000000)); }
t_up=$(ms_now)
kill "$nats_pid"; wait "$nats_pid" 2>/dev/null || true
t_down=$(ms_now)
# (if this shell was stalled past idle-exit before the kill, the worker rightly ended: not checked)
check_outage=$((t_down - t_up < idle_ms / 2 ? 1 : 0))

# 3. verify-replay: zero mismatches, then a perturbed stored quote is reported.
from=$(head -1 "$tape" | python3 -c 'import json,sys; print(json.load(sys.stdin)["payload"]["ts"])')
to=$(tail -1 "$tape" | python3 -c 'import json,sys; print(json.load(sys.stdin)["payload"]["ts"] + 60000)')
"$SF" verify-replay --store "sqlite:$db" --from "$from" --to "$to" --calendar "$cal" >"$tmp/verify.log" 2>&1 ||
  fail "verify-replay reported mismatches: $(tail -3 "$tmp/verify.log")"
grep -q " 0 differing, 0 not reproduced, 0 not stored" "$tmp/verify.log" || fail "verify-replay summary"
echo "ok: $(tail -1 "$tmp/verify.log")"
# Perturb the option quote in force at the first member print of the first planted order:
# move its bid/ask far up so the print is no longer at the ask.
python3 - "$db" "$tmp/gen/labels.jsonl" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
lab = json.loads(open(sys.argv[2]).readline())
pid = lab["member_print_ids"][0]
ts_ns, cid = db.execute("select ts_ns, option_contract_id from option_prints where trace_id=?", (pid,)).fetchone()
row = db.execute("select trace_id, bid, ask from option_nbbo where option_contract_id=? and ts_ns<=? order by ts_ns desc limit 1",
                 (cid, ts_ns)).fetchone()
db.execute("update option_nbbo set bid=?, ask=? where trace_id=?", (round(row[1] * 3 + 5, 2), round(row[2] * 3 + 5.5, 2), row[0]))
db.commit()
PY
if "$SF" verify-replay --store "sqlite:$db" --from "$from" --to "$to" --calendar "$cal" >"$tmp/verify2.log" 2>&1; then
  fail "verify-replay missed a perturbed quote"
fi
grep -q "^mismatch " "$tmp/verify2.log" || fail "no mismatch line printed"
echo "ok: perturbed quote -> $(grep -c '^mismatch ' "$tmp/verify2.log") mismatch lines"

# The outage has lasted more than idle-exit; the worker must still be there.
while [ $(($(ms_now) - t_down)) -lt $((idle_ms * 3 / 2)) ]; do sleep 0.2; done
# (its summary line is written when it decides to end, before a close that can take a while)
if [ "$check_outage" = 1 ] && { ! kill -0 "$c6" 2>/dev/null || grep -q "pushed" "$tmp/compute-t6.log"; }; then
  fail "compute --idle-exit $idle_ms ended during a bus outage of $(($(ms_now) - t_down)) ms"
fi
start_nats
echo "ok: compute --idle-exit outlived a $(($(ms_now) - t_down)) ms bus outage (checked: $check_outage)"

# 4. replay into the replay namespace, computed into its own store: the same events.
rdb=$tmp/replay.db
"$SF" replay --store "sqlite:$db2" --from "$from" --to "$to" --bus "$bus" 2>"$tmp/replay.log" || fail "replay"
"$SF" compute --bus "$bus" --namespace replay. --store "sqlite:$rdb" --calendar "$cal" --idle-exit 2000 \
  2>"$tmp/compute-replay.log" || fail "replay compute"
export_store "sqlite:$rdb" "$tmp/dist-replay.jsonl"
diff <(sorted_derived "$tmp/single.jsonl" | grep smart-money) <(sorted_derived "$tmp/dist-replay.jsonl" | grep smart-money) \
  >"$tmp/diff-replay.txt" || fail "replay events differ ($(wc -l <"$tmp/diff-replay.txt") diff lines)"
[ "$(sqlite3 "$db2" 'select count(*) from smart_money_events')" -eq "$n_single" ] || fail "replay wrote into live"
echo "ok: replay namespace reproduces the live events, live store untouched"
wait "$c6" || fail "t6 compute after the bus outage"
grep -q "committed 0 records" "$tmp/compute-t6.log" || fail "t6 compute: $(tail -1 "$tmp/compute-t6.log")"

# 5. ClickHouse store.
if command -v clickhouse-server >/dev/null 2>&1 || [ -x /usr/sbin/clickhouse-server ]; then
  read -r ch_port ch_pid ch_dir < <("$src/scripts/test-clickhouse.sh" start)
  run_pipeline "clickhouse://127.0.0.1:$ch_port/sf_dist" t5
elif [ -n "${CI:-}" ]; then
  fail "clickhouse-server is missing in CI"
else
  echo "SKIP: ClickHouse part (clickhouse-server not installed)"
fi
echo "PASS"
