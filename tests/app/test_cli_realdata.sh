#!/usr/bin/env bash
# Real OPRA data end to end: the AAPL tbbo file (DBN v3, no trade conditions, no aggressor side)
# is imported to a tape and computed; every print must carry its NBBO side from the quote that
# preceded it. Expected sides are worked out by hand from the decoded quotes (see
# ingest/golden_dbn_realdata.c for the decoded values): 0.24 at 0.24/0.25 is B, 0.20 and 0.19
# inside 0.18/0.22 are MID, 0.19 at 0.19/0.21 is B.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$SF_CLI" import --format dbn "$SHARED/realdata/databento-python_OPRA.PILLAR/test_data.tbbo.dbn.zst" \
  --out "$tmp/tape.jsonl" 2>"$tmp/import.err"
"$SF_CLI" compute --in "$tmp/tape.jsonl" --out "$tmp/out.jsonl" --emit option-print,smart-money 2>"$tmp/compute.err"
sides=$(grep '"option-print"' "$tmp/out.jsonl" | python3 -c '
import sys, json
print(" ".join(json.loads(l)["payload"]["nbbo_side"] for l in sys.stdin))')
check "nbbo sides of the 4 AAPL prints" "B MID MID B" "$sides"
quotes=$(grep '"option-print"' "$tmp/out.jsonl" | python3 -c '
import sys, json
print(" ".join("%g/%g" % (json.loads(l)["payload"]["execution_nbbo_bid"], json.loads(l)["payload"]["execution_nbbo_ask"]) for l in sys.stdin))')
check "execution NBBO of each print" "0.24/0.25 0.18/0.22 0.18/0.22 0.19/0.21" "$quotes"
notional=$(python3 -c '
import sys, json
prints = [json.loads(l) for l in open(sys.argv[1]) if "\"option-print\"" in l]
print("%g" % prints[0]["payload"]["notional"])' "$tmp/out.jsonl")
check "notional of 1 contract at 0.24 (x100 multiplier)" "24" "$notional"
events=$(grep -c '"smart-money"' "$tmp/out.jsonl" || true)
check "at least one smart-money event" "yes" "$([ "$events" -ge 1 ] && echo yes || echo "no ($events)")"
contains "compute rejected nothing" "rejected 0" "$(cat "$tmp/compute.err")"
sf_finish "all realdata CLI checks passed"
