#!/usr/bin/env bash
# `smartflow refdata check`: an event calendar (kind told from the JSON) with counts per
# underlying and kind and the time range; an event announced after it happens is an error (exit
# 1), a duplicate a warning (exit 0); a malformed calendar names the element and field. Open
# interest CSV: rows, contracts, dates, duplicates, rejected lines with line numbers (exit 1);
# the real OPRA statistics file as open interest; usage errors exit 2.
set -u
. "$(dirname "$0")/lib.sh"
PY="$SHARED/realdata/databento-python_OPRA.PILLAR"

# --- calendar ---
# 1736953200000 = 2025-01-15T15:00:00Z; 1738000000000 = 2025-01-27T17:46:40Z.
cat >"$tmp/cal.json" <<'EOF'
{"events": [
  {"underlying_id": "AAPL", "event_ts": 1738000000000, "announced_ts": 1736953200000, "event_kind": "earnings"},
  {"underlying_id": "AAPL", "event_ts": 1736953200000, "event_kind": "earnings"},
  {"underlying_id": "MRNA", "event_ts": 1737000000000, "announced_ts": 1736000000000, "event_kind": "fda"},
  {"underlying_id": "AAPL", "event_ts": 1737500000000, "event_kind": "merger_vote"}
]}
EOF
out=$("$SF_CLI" refdata check "$tmp/cal.json" 2>&1)
check "calendar exit" 0 $?
contains "calendar events" "events: 4" "$out"
contains "calendar underlyings" "underlyings: 2" "$out"
contains "calendar range" "time range: 2025-01-15T15:00:00.000Z .. 2025-01-27T17:46:40.000Z" "$out"
contains "calendar AAPL earnings" "  AAPL     earnings       2" "$out"
contains "calendar AAPL merger" "  AAPL     merger_vote    1" "$out"
contains "calendar MRNA fda" "  MRNA     fda            1" "$out"
contains "calendar no errors" "errors: 0 announced after the event" "$out"
contains "calendar no warnings" "warnings: 0 duplicate" "$out"

# A duplicate (warning) and an event announced after it happened (error), as a top-level array.
cat >"$tmp/late.json" <<'EOF'
[
  {"underlying_id": "TSLA", "event_ts": 1736953200000, "announced_ts": 1736953200001, "event_kind": "earnings"},
  {"underlying_id": "NVDA", "event_ts": 1736953200000, "event_kind": "earnings"},
  {"underlying_id": "NVDA", "event_ts": 1736953200000, "event_kind": "earnings"}
]
EOF
out=$("$SF_CLI" refdata check "$tmp/late.json" 2>&1)
check "late exit" 1 $?
contains "late count" "errors: 1 announced after the event" "$out"
contains "late detail" "error: TSLA earnings at 2025-01-15T15:00:00.000Z announced later, at 2025-01-15T15:00:00.001Z" "$out"
contains "dup count" "warnings: 1 duplicate" "$out"
contains "dup detail" "warning: duplicate NVDA earnings at 2025-01-15T15:00:00.000Z" "$out"

echo '[{"underlying_id": "AAPL", "event_ts": 1, "event_kind": "earnings"}, {"underlying_id": "AAPL", "event_ts": 1, "event_kind": "earnings"}]' >"$tmp/dup.json"
out=$("$SF_CLI" refdata check "$tmp/dup.json" 2>&1)
check "warnings only exit" 0 $?
contains "warnings only" "warnings: 1 duplicate" "$out"

echo '[{"underlying_id": "AAPL", "event_ts": "soon"}]' >"$tmp/badfield.json"
out=$("$SF_CLI" refdata check "$tmp/badfield.json" 2>&1)
check "bad field exit" 1 $?
contains "bad field names element and field" "event_ts" "$out"
printf '[{"underlying_id": "AAPL",\n "event_ts": 1,,}]\n' >"$tmp/badjson.json"
out=$("$SF_CLI" refdata check "$tmp/badjson.json" 2>&1)
check "bad json exit" 1 $?
contains "bad json line" "badjson.json: line 2" "$out"

# --- open interest CSV ---
cat >"$tmp/oi.csv" <<'EOF'
option_contract_id,date,oi
SPY-2025-01-17-450-C,2025-01-10,1000
SPY   250117C00450000,2025-01-13,1200
AAPL250221P00250000,2025-01-13,77
SPY-2025-01-17-450-C,2025-01-13,1250
EOF
out=$("$SF_CLI" refdata check "$tmp/oi.csv" 2>&1)
check "oi exit" 0 $?
contains "oi rows" "rows: 4 (duplicates replaced: 1)" "$out"
contains "oi contracts" "contracts: 2" "$out"
contains "oi dates" "dates: 2 (2025-01-10 .. 2025-01-13)" "$out"
contains "oi rejected" "rejected: 0" "$out"

cat >"$tmp/oibad.csv" <<'EOF'
option_contract_id,date,oi
SPY-2025-01-17-450-C,2025-01-10,1000
SPY-2025-01-17-450-X,2025-01-10,1
SPY-2025-01-17-450-C,2025-01-32,1
SPY-2025-01-17-450-C,2025-01-11,many
EOF
out=$("$SF_CLI" refdata check "$tmp/oibad.csv" 2>&1)
check "oi bad exit" 1 $?
contains "oi bad rows" "rows: 1 (" "$out"
contains "oi bad rejected" "rejected: 3" "$out"
contains "oi bad line 3" "  line 3: option_contract_id:" "$out"
contains "oi bad line 4" '  line 4: date: expected a real date YYYY-MM-DD, got "2025-01-32"' "$out"
contains "oi bad line 5" '  line 5: oi: expected a non-negative integer, got "many"' "$out"

gzip -c "$tmp/oi.csv" >"$tmp/oi.csv.gz"
out=$("$SF_CLI" refdata check "$tmp/oi.csv.gz" 2>&1)
check "oi gzip exit" 0 $?
contains "oi gzip rows" "rows: 4 (duplicates replaced: 1)" "$out"

# A CSV with a wrong header is not guessed; with --kind oi it is an error naming line 1.
printf 'contract,day,open_interest\nSPY-2025-01-17-450-C,2025-01-10,1\n' >"$tmp/other.csv"
out=$("$SF_CLI" refdata check "$tmp/other.csv" 2>&1)
check "unguessable exit" 1 $?
contains "unguessable message" "give --kind" "$out"
out=$("$SF_CLI" refdata check "$tmp/other.csv" --kind oi 2>&1)
check "oi wrong header exit" 1 $?
contains "oi wrong header" "other.csv: line 1: header must name the columns option_contract_id,date,oi" "$out"

# The real OPRA statistics file: 4 open-interest records of one contract on one date.
out=$("$SF_CLI" refdata check "$PY/test_data.statistics.dbn.zst" 2>&1)
check "oi dbn exit" 0 $?
contains "oi dbn rows" "rows: 4 (duplicates replaced: 3)" "$out"
contains "oi dbn contracts" "contracts: 1" "$out"
contains "oi dbn dates" "dates: 1 (2025-02-20 .. 2025-02-20)" "$out"

# --- usage ---
out=$("$SF_CLI" refdata --help)
check "help exit" 0 $?
contains "help text" "usage: smartflow refdata check FILE [--kind calendar|oi]" "$out"
"$SF_CLI" refdata >/dev/null 2>&1
check "no args exit" 2 $?
"$SF_CLI" refdata check >/dev/null 2>&1
check "no file exit" 2 $?
"$SF_CLI" refdata check "$tmp/oi.csv" --kind bars >/dev/null 2>&1
check "bad kind exit" 2 $?
"$SF_CLI" refdata verify "$tmp/oi.csv" >/dev/null 2>&1
check "bad action exit" 2 $?
out=$("$SF_CLI" refdata check "$tmp/missing.csv" 2>&1)
check "missing file exit" 1 $?
contains "missing file message" "missing.csv" "$out"

sf_finish "all refdata CLI checks passed"
