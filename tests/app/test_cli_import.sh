#!/usr/bin/env bash
# `smartflow import`: the real OPRA AAPL trades + tbbo + cbbo-1s files merged into one tape (time
# ordered, ties by file order, accepted by `tape check`, counts as the decoders read them: 4 trades
# -> 4 prints; 4 tbbo -> 4 quotes + 4 prints; 4 cbbo-1s -> 3 quotes, the first sample having no
# book); --dump shows every field of a trade with scaled prices and ns timestamps; a truncated
# file exits 1 naming the offset and still writes what came before; --db sqlite stores the
# records once (a second import adds nothing); CSV fixtures (plain and gzip, bad lines reported
# with line numbers); a JSONL tape re-imported is unchanged; the lookahead puts local disorder
# right; usage errors exit 2.
set -u
. "$(dirname "$0")/lib.sh"
PY="$SHARED/realdata/databento-python_OPRA.PILLAR"
CSV="$SRC/tests/data/csv"
# ts_ns of every line, in order.
ts_column() { grep -o '"ts_ns":[0-9]*' "$1" | cut -d: -f2; }
sorted() { # name file
  if ts_column "$2" | sort -n -C; then echo "ok   $1"; else
    echo "FAIL $1: not in time order"
    fails=$((fails + 1))
  fi
}

# --- DBN: trades + tbbo + cbbo-1s ---
err=$("$SF_CLI" import --format dbn "$PY/test_data.trades.dbn.zst" "$PY/test_data.tbbo.dbn.zst" \
  "$PY/test_data.cbbo-1s.dbn.zst" --out "$tmp/aapl.jsonl" 2>&1)
check "dbn exit" 0 $?
check "dbn lines" 15 "$(wc -l <"$tmp/aapl.jsonl" | tr -d ' ')"
check "dbn prints" 8 "$(grep -c '"type":"option-print"' "$tmp/aapl.jsonl")"
check "dbn nbbo" 7 "$(grep -c '"type":"option-nbbo"' "$tmp/aapl.jsonl")"
sorted "dbn time order" "$tmp/aapl.jsonl"
contains "dbn summary trades" "read: 4 (trade 4)" "$err"
contains "dbn summary tbbo" "records produced: 8 (option-print 4, option-nbbo 4)" "$err"
contains "dbn summary cbbo skipped" "skipped empty_quote: 1 (neither bid nor ask defined)" "$err"
contains "dbn summary written" "written to $tmp/aapl.jsonl: 15 (option-print 8, option-nbbo 7)" "$err"
# The first instant (…817657088) is in all three files: trades, then tbbo's quote and print, then
# cbbo, in command-line order; seq is renumbered in output order.
check "dbn tie order" "test_data.trades.dbn.zst-0 test_data.tbbo.dbn.zst-0 test_data.tbbo.dbn.zst-1 test_data.cbbo-1s.dbn.zst-0" \
  "$(head -4 "$tmp/aapl.jsonl" | grep -o '"trace_id":"[^"]*"' | cut -d'"' -f4 | tr '\n' ' ' | sed 's/ $//')"
check "dbn seq renumbered" "0 1 2 3" "$(head -4 "$tmp/aapl.jsonl" | grep -o '"seq":[0-9]*' | cut -d: -f2 | tr '\n' ' ' | sed 's/ $//')"
contains "dbn first print" '"ts_ns":1740061800817657088,"option_contract_id":"AAPL-2025-02-21-250-C","price":0.24,"size":1,"exchange":"EMLD"' \
  "$(head -1 "$tmp/aapl.jsonl")"
out=$("$SF_CLI" tape check "$tmp/aapl.jsonl" 2>/dev/null)
check "tape check exit" 0 $?
contains "tape check counts" "records: 15" "$out"
contains "tape check clean" "warnings: 0 out-of-order, 0 duplicate trace_id" "$out"

# Other file order: same records, ties follow the new order.
"$SF_CLI" import "$PY/test_data.cbbo-1s.dbn.zst" "$PY/test_data.trades.dbn.zst" --out "$tmp/rev.jsonl" 2>/dev/null
check "reordered exit" 0 $?
check "reordered first" "test_data.cbbo-1s.dbn.zst-0" "$(head -1 "$tmp/rev.jsonl" | grep -o '"trace_id":"[^"]*"' | cut -d'"' -f4)"
sorted "reordered time order" "$tmp/rev.jsonl"

# --- --dump ---
out=$("$SF_CLI" import --dump "$PY/test_data.trades.dbn.zst" 2>/dev/null)
check "dump exit" 0 $?
contains "dump metadata" "DBN v3 metadata: dataset=OPRA.PILLAR schema=trades start=2025-02-20T00:00:00.000000000Z end=2025-02-21T00:00:00.000000000Z limit=4 stype_in=raw_symbol stype_out=instrument_id" "$out"
contains "dump mappings" 'mappings=1' "$out"
contains "dump mapping" '"AAPL  250221C00250000" -> "16783963" (instrument_id 16783963) from 20250220 until 20250221' "$out"
contains "dump trade" 'mbp-0 offset=360 length=48 rtype=0x00 publisher_id=23(EMLD) instrument_id=16783963 ts_event=2025-02-20T14:30:00.817657088Z symbol="AAPL  250221C00250000" price=0.24 size=1 action=T side=N flags=0xc2 depth=0 ts_recv=2025-02-20T14:30:00.817866523Z ts_in_delta=0 sequence=713382' "$out"
check "dump lines" 7 "$(printf '%s\n' "$out" | wc -l | tr -d ' ')"
out=$("$SF_CLI" import --dump "$PY/test_data.cbbo-1s.dbn.zst" 2>/dev/null)
contains "dump undef" 'ts_event=UNDEF symbol="AAPL  250221C00250000" price=UNDEF size=0' "$out"
contains "dump cbbo level" 'level.bid_px=0.1 level.ask_px=0.25 level.bid_sz=1 level.ask_sz=4 level.bid_pb=23 level.ask_pb=23' "$out"
out=$("$SF_CLI" import --dump "$PY/test_data.statistics.dbn.zst" 2>&1)
contains "dump statistics" 'quantity=57924 sequence=111763 ts_in_delta=0 stat_type=9' "$out"
contains "statistics are reference data" "reference data (not written): open interest 4, definitions 0" "$out"
out=$("$SF_CLI" import --dump "$CSV/options_trades.csv" 2>/dev/null)
contains "dump csv" '[1] csv-trade line=3 ticker="O:AAPL250221C00250000" conditions=209,219 correction=0 exchange=313 id="" participant_timestamp=2025-02-20T14:30:01.631000000Z price=0.2 sequence_number=882595 sip_timestamp=2025-02-20T14:30:01.631777024Z size=2' "$out"
"$SF_CLI" import --dump --out - "$PY/test_data.trades.dbn.zst" >/dev/null 2>&1
check "dump with --out - exit" 2 $?

# --- truncated DBN ---
zstd -dc "$PY/test_data.trades.dbn.zst" >"$tmp/trades.dbn"
head -c 480 "$tmp/trades.dbn" >"$tmp/trunc.dbn" # metadata 360 + 2 records of 48 + 24 bytes
err=$("$SF_CLI" import "$tmp/trunc.dbn" "$PY/test_data.tbbo.dbn.zst" --out "$tmp/trunc.jsonl" 2>&1)
check "truncated exit" 1 $?
contains "truncated offset" "error: $tmp/trunc.dbn: offset 480: input ends inside a record (24 of 48 bytes)" "$err"
contains "truncated kept" "the 2 records read before the error were imported" "$err"
check "truncated written" 10 "$(wc -l <"$tmp/trunc.jsonl" | tr -d ' ')"
check "truncated prints of the cut file" 2 "$(grep -c 'trunc.dbn-' "$tmp/trunc.jsonl")"
sorted "truncated time order" "$tmp/trunc.jsonl"
head -c 200 "$PY/test_data.trades.dbn.zst" >"$tmp/trunc.dbn.zst"
err=$("$SF_CLI" import "$tmp/trunc.dbn.zst" --out "$tmp/trunczst.jsonl" 2>&1)
check "truncated zstd exit" 1 $?
contains "truncated zstd message" "trunc.dbn.zst: zstd: input ends inside a compressed frame" "$err"
err=$("$SF_CLI" import "$tmp/missing.dbn" "$PY/test_data.trades.dbn.zst" --out "$tmp/never.jsonl" 2>&1)
check "missing input exit" 1 $?
contains "missing input message" "$tmp/missing.dbn" "$err"
check "missing input writes nothing" "no" "$([ -e "$tmp/never.jsonl" ] && echo yes || echo no)"

# --- store ---
db="$tmp/store.db"
err=$("$SF_CLI" import "$PY/test_data.trades.dbn.zst" "$PY/test_data.tbbo.dbn.zst" "$PY/test_data.cbbo-1s.dbn.zst" \
  --db "sqlite:$db" --out "$tmp/both.jsonl" 2>&1)
check "db exit" 0 $?
contains "db summary" "written to sqlite:$db: 15 (option-print 8, option-nbbo 7)" "$err"
if command -v sqlite3 >/dev/null; then
  check "db prints" 8 "$(sqlite3 "$db" 'select count(*) from option_prints')"
  check "db nbbo" 7 "$(sqlite3 "$db" 'select count(*) from option_nbbo')"
  "$SF_CLI" import "$PY/test_data.trades.dbn.zst" --db "sqlite:$db" 2>/dev/null
  check "db reimport exit" 0 $?
  check "db reimport is idempotent" 8 "$(sqlite3 "$db" 'select count(*) from option_prints')"
else
  echo "SKIP sqlite3 CLI missing: store counts not checked"
fi
cmp -s "$tmp/both.jsonl" "$tmp/aapl.jsonl"
check "tape same with --db" 0 $?

# --- CSV ---
err=$("$SF_CLI" import --format csv "$CSV/options_trades.csv" "$CSV/options_quotes.csv" --out "$tmp/csv.jsonl" 2>&1)
check "csv exit" 0 $?
check "csv lines" 7 "$(wc -l <"$tmp/csv.jsonl" | tr -d ' ')"
check "csv prints" 4 "$(grep -c '"type":"option-print"' "$tmp/csv.jsonl")"
check "csv nbbo" 3 "$(grep -c '"type":"option-nbbo"' "$tmp/csv.jsonl")"
sorted "csv time order" "$tmp/csv.jsonl"
# The first quote (…817000000) comes before the first trade (…817657088).
check "csv first is a quote" "option-nbbo" "$(head -1 "$tmp/csv.jsonl" | grep -o '"type":"[^"]*"' | cut -d'"' -f4)"
contains "csv summary" "read: 4 (trade row 4)" "$err"
"$SF_CLI" tape check "$tmp/csv.jsonl" >/dev/null 2>&1
check "csv tape check" 0 $?
"$SF_CLI" import "$CSV/options_trades.csv.gz" --out "$tmp/csvgz.jsonl" 2>/dev/null
check "csv gzip exit" 0 $?
check "csv gzip same prints" "$(grep -c option-print "$tmp/csvgz.jsonl")" "$(grep -c option-print "$tmp/csv.jsonl")"
if command -v sqlite3 >/dev/null; then
  "$SF_CLI" import "$CSV/options_trades.csv" "$CSV/options_quotes.csv" --db "sqlite:$tmp/csv.db" 2>/dev/null
  check "csv db exit" 0 $?
  check "csv db prints" 4 "$(sqlite3 "$tmp/csv.db" 'select count(*) from option_prints')"
  check "csv db nbbo" 3 "$(sqlite3 "$tmp/csv.db" 'select count(*) from option_nbbo')"
fi
err=$("$SF_CLI" import "$CSV/options_trades_bad.csv" --out "$tmp/bad.jsonl" 2>&1)
check "csv bad exit" 1 $?
contains "csv bad count" "bad lines skipped: 5" "$err"
contains "csv bad line 2" "options_trades_bad.csv: line 2: field price: 'abc' is not a number" "$err"
contains "csv bad line 6" "options_trades_bad.csv: line 6: field 2: unterminated quoted field" "$err"
check "csv bad good rows kept" 1 "$(wc -l <"$tmp/bad.jsonl" | tr -d ' ')"
err=$("$SF_CLI" import "$CSV/not_options.csv" --out "$tmp/no.jsonl" 2>&1)
check "csv not options exit" 1 $?
contains "csv not options" "line 1: header names neither an options trades nor an options quotes file" "$err"

# --- JSONL ---
"$SF_CLI" import --format jsonl "$tmp/aapl.jsonl" --out "$tmp/again.jsonl" 2>/dev/null
check "jsonl exit" 0 $?
cmp -s "$tmp/aapl.jsonl" "$tmp/again.jsonl"
check "jsonl re-import unchanged" 0 $?
# Local disorder: reversed pairs are put right by the lookahead; with a lookahead of 1 they are
# written as read and counted late.
awk 'NR % 2 == 1 { held = $0; next } { print; print held } END { if (NR % 2 == 1) print held }' \
  "$tmp/aapl.jsonl" >"$tmp/swapped.jsonl"
"$SF_CLI" import "$tmp/swapped.jsonl" --out "$tmp/fixed.jsonl" 2>/dev/null
check "lookahead exit" 0 $?
sorted "lookahead restores order" "$tmp/fixed.jsonl"
err=$("$SF_CLI" import "$tmp/swapped.jsonl" --lookahead 1 --out "$tmp/late.jsonl" 2>&1)
contains "lookahead 1 warns" "records came later than the lookahead allows" "$err"
check "lookahead 1 keeps all" 15 "$(wc -l <"$tmp/late.jsonl" | tr -d ' ')"
printf '{"type":"option-print","payload":{}}\n' >>"$tmp/swapped.jsonl"
err=$("$SF_CLI" import "$tmp/swapped.jsonl" --out "$tmp/fixed2.jsonl" 2>&1)
check "jsonl bad line exit" 1 $?
contains "jsonl bad line" "swapped.jsonl: line 16:" "$err"
check "jsonl bad line others kept" 15 "$(wc -l <"$tmp/fixed2.jsonl" | tr -d ' ')"

# --- usage ---
out=$("$SF_CLI" import --help)
check "help exit" 0 $?
contains "help text" "usage: smartflow import [--format dbn|csv|jsonl] FILE..." "$out"
"$SF_CLI" import >/dev/null 2>&1
check "no args exit" 2 $?
"$SF_CLI" import --format xml a.xml >/dev/null 2>&1
check "bad format exit" 2 $?
"$SF_CLI" import "$tmp/file.unknown" >/dev/null 2>&1
check "unguessable format exit" 2 $?
"$SF_CLI" import --lookahead 0 "$tmp/aapl.jsonl" >/dev/null 2>&1
check "bad lookahead exit" 2 $?
"$SF_CLI" import --frobnicate "$tmp/aapl.jsonl" >/dev/null 2>&1
check "unknown option exit" 2 $?

sf_finish "all import CLI checks passed"
