#!/usr/bin/env bash
# Open interest through the CLI on real OPRA data: the AAPL tbbo file (4 prints of AAPL
# 2025-02-21 250 C on 2025-02-20, 8 contracts in all, one smart-money event) computed
# with --oi on the real DBN statistics file (open interest 57924 on 2025-02-20, see
# tests/ingest/test_refdata.c), and on the same figure as CSV: vol_oi_ratio = 8 / 57924. Without
# --oi, or with a CSV that knows only another contract, it is null; a CSV whose figure is below
# the event size (5) gives 8 / 5 = 1.6 and the volume_exceeds_oi reason; a missing file is an
# input error (exit 1).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rd="$SHARED/realdata/databento-python_OPRA.PILLAR"
"$SF_CLI" import --format dbn "$rd/test_data.tbbo.dbn.zst" --out "$tmp/tape.jsonl" 2>"$tmp/import.err"

ratio() { # the vol_oi_ratio and the reasons of the one smart-money event of $1
  python3 -c '
import sys, json
evs = [json.loads(l)["payload"] for l in open(sys.argv[1]) if l.startswith("{\"type\":\"smart-money\"")]
assert len(evs) == 1, len(evs)
f = evs[0]["features"]
reasons = sorted({r for s in evs[0]["profile_scores"] for r in s["reasons"]})
r = f["vol_oi_ratio"]
print("%s %s %s" % (f["total_size"], "null" if r is None else "%.12g" % r, "oi" if "volume_exceeds_oi" in reasons else "-"))
' "$1"
}

"$SF_CLI" compute --in "$tmp/tape.jsonl" --out "$tmp/dbn.jsonl" --emit smart-money \
  --oi "$rd/test_data.statistics.dbn.zst" 2>"$tmp/dbn.err"
check "DBN statistics: 8 contracts / 57924" "8 $(python3 -c 'print("%.12g" % (8 / 57924))') -" "$(ratio "$tmp/dbn.jsonl")"

printf 'option_contract_id,date,oi\nAAPL  250221C00250000,2025-02-19,3\nAAPL  250221C00250000,2025-02-20,57924\n' >"$tmp/oi.csv"
"$SF_CLI" compute --in "$tmp/tape.jsonl" --out "$tmp/csv.jsonl" --emit smart-money --oi "$tmp/oi.csv" 2>"$tmp/csv.err"
check "CSV, the figure of the event's date (not the day before)" "$(ratio "$tmp/dbn.jsonl")" "$(ratio "$tmp/csv.jsonl")"

printf 'option_contract_id,date,oi\nAAPL-2025-02-21-250-C,2025-02-20,5\n' >"$tmp/small.csv"
"$SF_CLI" compute --in "$tmp/tape.jsonl" --out "$tmp/small.jsonl" --emit smart-money --oi "$tmp/small.csv" 2>"$tmp/small.err"
check "size above open interest: 8 / 5 and the reason" "8 1.6 oi" "$(ratio "$tmp/small.jsonl")"

printf 'option_contract_id,date,oi\nAAPL-2025-02-21-255-C,2025-02-20,5\n' >"$tmp/other.csv"
"$SF_CLI" compute --in "$tmp/tape.jsonl" --out "$tmp/other.jsonl" --emit smart-money --oi "$tmp/other.csv" 2>"$tmp/other.err"
check "unknown contract: null" "8 null -" "$(ratio "$tmp/other.jsonl")"

"$SF_CLI" compute --in "$tmp/tape.jsonl" --out "$tmp/none.jsonl" --emit smart-money 2>"$tmp/none.err"
check "without --oi: null" "8 null -" "$(ratio "$tmp/none.jsonl")"

set +e
"$SF_CLI" compute --in "$tmp/tape.jsonl" --out "$tmp/x.jsonl" --oi "$tmp/missing.csv" 2>"$tmp/missing.err"
st=$?
set -e
check "missing --oi file: exit 1" "1" "$st"
contains "missing --oi file: named" "missing.csv" "$(cat "$tmp/missing.err")"
sf_finish "all open-interest CLI checks passed"
