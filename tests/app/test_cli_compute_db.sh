#!/usr/bin/env bash
# `smartflow compute --db URL`: every record of a generated tape is stored, raw and derived.
#   - the --out file is byte-identical with and without --db (the store changes nothing);
#   - each raw table holds as many rows as the tape has records of its type (`tape check`), each
#     derived table as many as compute emits of that type with --emit listing all of them, and
#     the stored derived records export back byte for byte as those emitted;
#   - a second run over the same store stores nothing twice;
#   - `--db` alone (no --out) is accepted; neither is a usage error (exit 2);
#   - SIGINT while the input is still arriving: compute stops reading, closes its clusters, stores
#     everything it produced (stored smart-money count = the count in its own summary) and exits 0.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$SF_CLI" gen --seed 5 --minutes 3 --underlyings SPY,AAPL --out "$tmp/gen" 2>/dev/null
tape=$tmp/gen/tape.jsonl cal=$tmp/gen/calendar.json
all=smart-money,alert,classifier-hit,flow-packet,option-print

"$SF_CLI" compute --in "$tape" --calendar "$cal" --out "$tmp/plain.jsonl" 2>/dev/null
"$SF_CLI" compute --in "$tape" --calendar "$cal" --out "$tmp/db.jsonl" --db "sqlite:$tmp/s.db" 2>"$tmp/db.err"
check "--out is the same with --db" "$(sha256sum <"$tmp/plain.jsonl")" "$(sha256sum <"$tmp/db.jsonl")"
contains "summary names the store" "stored in sqlite:$tmp/s.db" "$(cat "$tmp/db.err")"
contains "summary: nothing lost" "0 lost, 0 refused" "$(cat "$tmp/db.err")"

"$SF_CLI" compute --in "$tape" --calendar "$cal" --emit "$all" --out "$tmp/all.jsonl" 2>/dev/null
count_type() { grep -c "^{\"type\":\"$1\"" "$2" || true; }
rows() { sqlite3 "$tmp/s.db" "select count(*) from $1"; }
tape_count() { "$SF_CLI" tape check "$tape" 2>/dev/null | awk -v t="$1" '$1 == t {print $2}'; }
check "option_nbbo rows = tape NBBO records" "$(tape_count option-nbbo)" "$(rows option_nbbo)"
check "equity_quotes rows = tape equity quotes" "$(tape_count equity-quote)" "$(rows equity_quotes)"
check "option_prints rows = tape prints" "$(tape_count option-print)" "$(rows option_prints)"
check "smart_money_events rows" "$(count_type smart-money "$tmp/all.jsonl")" "$(rows smart_money_events)"
check "flow_packets rows" "$(count_type flow-packet "$tmp/all.jsonl")" "$(rows flow_packets)"
check "classifier_hits rows" "$(count_type classifier-hit "$tmp/all.jsonl")" "$(rows classifier_hits)"
check "alerts rows" "$(count_type alert "$tmp/all.jsonl")" "$(rows alerts)"
[ "$(rows smart_money_events)" -gt 0 ] || { echo "FAIL: the tape produced no events"; exit 1; }
for t in smart-money alert option-print; do
  "$SF_CLI" export --store "sqlite:$tmp/s.db" --type "$t" 2>/dev/null | sort >"$tmp/exp-$t"
  grep "^{\"type\":\"$t\"" "$tmp/all.jsonl" | sort >"$tmp/emit-$t"
  check "stored $t records export as emitted" "$(sha256sum <"$tmp/emit-$t")" "$(sha256sum <"$tmp/exp-$t")"
done

before=$(rows smart_money_events):$(rows option_prints):$(rows option_nbbo)
"$SF_CLI" compute --in "$tape" --calendar "$cal" --db "sqlite:$tmp/s.db" 2>/dev/null
check "a second run stores nothing twice" "$before" \
  "$(rows smart_money_events):$(rows option_prints):$(rows option_nbbo)"

set +e
"$SF_CLI" compute --in "$tape" >/dev/null 2>&1
check "neither --out nor --db: usage error" 2 $?
set -e

# SIGINT while the input is still arriving: the feeder sends the first half, and the second only
# once the signal was sent, so the run is interrupted mid-tape however fast or slow the machine.
# The signal goes once the first half is in the pipe and compute catches SIGINT (its handler
# installed, read from /proc), not after a fixed sleep: earlier, the signal would find the
# default or ignored disposition.
n=$(wc -l <"$tape")
half=$((n / 2))
# (the feeder meets a closed pipe once compute stops: that is expected, hence || true)
{
  head -n "$half" "$tape" || true
  : >"$tmp/int.half"
  for _ in $(seq 1 600); do [ -e "$tmp/int.sent" ] && break; sleep 0.1; done
  tail -n +"$((half + 1))" "$tape" 2>/dev/null || true
} | "$SF_CLI" compute --in - --calendar "$cal" --out "$tmp/int.jsonl" --db "sqlite:$tmp/int.db" 2>"$tmp/int.err" &
pid=$!
ready_for_sigint() { # pid: first half sent, and the smartflow process (not the shell before its
  local comm cgt     # exec) has a SIGINT handler
  [ -e "$tmp/int.half" ] || return 1
  comm=$(cat "/proc/$1/comm" 2>/dev/null) || return 1
  cgt=$(awk '/^SigCgt:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
  [ "$comm" = smartflow ] && [ -n "$cgt" ] && (((0x$cgt >> 1) & 1))
}
for _ in $(seq 1 600); do ready_for_sigint "$pid" && break; sleep 0.1; done
ready_for_sigint "$pid" || {
  echo "FAIL: compute did not read the first half with its SIGINT handler installed within 60 s"
  fails=$((fails + 1))
}
kill -INT "$pid"
: >"$tmp/int.sent"
set +e
wait "$pid"
rc=$?
set -e
check "interrupted compute exits 0" 0 "$rc"
contains "summary says interrupted" "interrupted at line" "$(cat "$tmp/int.err")"
said=$(sed -n 's/.*out: smart-money \([0-9]*\).*/\1/p' "$tmp/int.err")
check "every event produced before the stop is stored" "$said" \
  "$(sqlite3 "$tmp/int.db" 'select count(*) from smart_money_events')"
[ "${said:-0}" -lt "$(rows smart_money_events)" ] || {
  echo "FAIL: the interrupted run read the whole tape"
  fails=$((fails + 1))
}

sf_finish "compute --db: every record stored once, identical output, clean stop on SIGINT"
