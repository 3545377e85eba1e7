#!/usr/bin/env bash
# Real OPRA data end to end: the AAPL tbbo file (DBN v3, no trade conditions, no aggressor side)
# is imported to a tape and computed; every print must carry its NBBO side from the quote that
# preceded it. Expected sides are worked out by hand from the decoded quotes (see
# ingest/golden_dbn_realdata.c for the decoded values): 0.24 at 0.24/0.25 is B, 0.20 and 0.19
# inside 0.18/0.22 are MID, 0.19 at 0.19/0.21 is B.
set -euo pipefail
cli=${SF_CLI:?} shared=${SF_SHARED_DIR:?}
[ -x "$cli" ] || { echo "SKIP: $cli not built"; exit 0; }
work=$(mktemp -d /tmp/sf-realdata.XXXXXX)
trap 'rm -rf "$work"' EXIT
fails=0 passes=0
check() { if [ "$2" = "$3" ]; then passes=$((passes + 1)); else echo "FAIL: $1: got '$2', expected '$3'"; fails=$((fails + 1)); fi; }

"$cli" import --format dbn "$shared/realdata/databento-python_OPRA.PILLAR/test_data.tbbo.dbn.zst" \
  --out "$work/tape.jsonl" 2>"$work/import.err"
"$cli" compute --in "$work/tape.jsonl" --out "$work/out.jsonl" --emit option-print,smart-money 2>"$work/compute.err"
sides=$(grep '"option-print"' "$work/out.jsonl" | python3 -c '
import sys, json
print(" ".join(json.loads(l)["payload"]["nbbo_side"] for l in sys.stdin))')
check "nbbo sides of the 4 AAPL prints" "$sides" "B MID MID B"
quotes=$(grep '"option-print"' "$work/out.jsonl" | python3 -c '
import sys, json
print(" ".join("%g/%g" % (json.loads(l)["payload"]["execution_nbbo_bid"], json.loads(l)["payload"]["execution_nbbo_ask"]) for l in sys.stdin))')
check "execution NBBO of each print" "$quotes" "0.24/0.25 0.18/0.22 0.18/0.22 0.19/0.21"
notional=$(grep '"option-print"' "$work/out.jsonl" | head -1 | python3 -c '
import sys, json
print("%g" % json.loads(sys.stdin.readline())["payload"]["notional"])')
check "notional of 1 contract at 0.24 (x100 multiplier)" "$notional" "24"
events=$(grep -c '"smart-money"' "$work/out.jsonl" || true)
[ "$events" -ge 1 ] && passes=$((passes + 1)) || { echo "FAIL: no smart-money event"; fails=$((fails + 1)); }
grep -q "rejected 0" "$work/compute.err" && passes=$((passes + 1)) || { echo "FAIL: compute rejected records"; cat "$work/compute.err"; fails=$((fails + 1)); }
echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
