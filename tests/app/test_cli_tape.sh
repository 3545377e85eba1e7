#!/usr/bin/env bash
# `smartflow tape check`: a good tape (plain and gzip, and on stdin) exits 0 with the right counts;
# a tape with bad lines exits 1 and names each bad line and field; --max-errors limits the list;
# out-of-order timestamps and duplicate trace_ids are warnings that do not fail the check; usage
# errors exit 2; a missing file exits 1.
set -u
. "$(dirname "$0")/lib.sh"

meta() { # seq trace
  printf '"source_ts":1736953200000,"ingest_ts":1736953200001,"seq":%s,"trace_id":"%s"' "$1" "$2"
}
print_line() { # seq trace ts size
  printf '{"type":"option-print","payload":{%s,"ts":%s,"option_contract_id":"SPY   250117C00450000","price":1.25,"size":%s,"exchange":"CBOE","conditions":["ISO"]}}\n' \
    "$(meta "$1" "$2")" "$3" "$4"
}
nbbo_line() { # seq trace ts
  printf '{"type":"option-nbbo","payload":{%s,"ts":%s,"option_contract_id":"SPY-2025-01-17-450-C","bid":1.2,"ask":1.3,"bidSize":10,"askSize":12}}\n' \
    "$(meta "$1" "$2")" "$3"
}
quote_line() { # seq trace ts
  printf '{"type":"equity-quote","payload":{%s,"ts":%s,"underlying_id":"SPY","bid":450.1,"ask":450.12}}\n' \
    "$(meta "$1" "$2")" "$3"
}
eprint_line() { # seq trace ts
  printf '{"type":"equity-print","payload":{%s,"ts":%s,"underlying_id":"SPY","price":450.11,"size":100,"exchange":"D","offExchangeFlag":true}}\n' \
    "$(meta "$1" "$2")" "$3"
}

# A good tape: 3 prints, 2 quotes, 1 equity quote, 1 equity print, one blank line.
{
  nbbo_line 0 n1 1736953200000
  print_line 1 p1 1736953200001 10
  print_line 2 p2 1736953200001 5
  echo
  quote_line 3 e1 1736953200002
  nbbo_line 4 n2 1736953200003
  eprint_line 5 s1 1736953200004
  print_line 6 p3 1736953200005 1
} >"$tmp/good.jsonl"

out=$("$SF_CLI" tape check "$tmp/good.jsonl" 2>/dev/null)
rc=$?
check "good exit" 0 "$rc"
contains "good lines" "lines: 8 (blank 1)" "$out"
contains "good records" "records: 7" "$out"
contains "good prints" "  option-print    3" "$out"
contains "good nbbo" "  option-nbbo     2" "$out"
contains "good equity-quote" "  equity-quote    1" "$out"
contains "good equity-print" "  equity-print    1" "$out"
contains "good alerts" "  alert           0" "$out"
contains "good rejected" "rejected: 0" "$out"
contains "good warnings" "warnings: 0 out-of-order, 0 duplicate trace_id" "$out"

gzip -c "$tmp/good.jsonl" >"$tmp/good.jsonl.gz"
out=$("$SF_CLI" tape check "$tmp/good.jsonl.gz" 2>/dev/null)
check "gzip exit" 0 $?
contains "gzip records" "records: 7" "$out"

out=$("$SF_CLI" tape check - <"$tmp/good.jsonl.gz" 2>/dev/null)
check "stdin exit" 0 $?
contains "stdin records" "records: 7" "$out"

# A bad tape: bad size on line 2, bad JSON on line 3, unknown type on line 4, bad contract on
# line 6, a line 5 that is older than line 1 and reuses trace id p1.
{
  print_line 0 p1 1736953200010 10
  print_line 1 p2 1736953200011 0
  echo '{"type":"option-print","payload":{"price":'
  echo '{"type":"option-trade","payload":{}}'
  nbbo_line 2 p1 1736953200009
  printf '{"type":"option-nbbo","payload":{%s,"ts":1736953200012,"option_contract_id":"SPY-2025-13-17-450-C","bid":1,"ask":2,"bidSize":1,"askSize":1}}\n' \
    "$(meta 3 n9)"
} >"$tmp/bad.jsonl"

out=$("$SF_CLI" tape check "$tmp/bad.jsonl" 2>/dev/null)
rc=$?
check "bad exit" 1 "$rc"
contains "bad lines" "lines: 6 (blank 0)" "$out"
contains "bad records" "records: 2" "$out"
contains "bad rejected" "rejected: 4" "$out"
contains "bad line 2" "  line 2: option-print.size: must be an integer > 0" "$out"
contains "bad line 3" "  line 3: invalid JSON at column" "$out"
contains "bad line 4" "  line 4: envelope.type: unknown record type \"option-trade\"" "$out"
contains "bad line 6" "  line 6: option-nbbo.option_contract_id: invalid contract id \"SPY-2025-13-17-450-C\"" "$out"
contains "bad warnings" "warnings: 1 out-of-order, 1 duplicate trace_id" "$out"
contains "bad out-of-order" "  line 5: out-of-order option-nbbo: ts 2025-01-15T15:00:00.009Z is older than 2025-01-15T15:00:00.010Z on line 1" "$out"
contains "bad duplicate" "  line 5: duplicate trace_id \"p1\" (first on line 1)" "$out"

out=$("$SF_CLI" tape check --max-errors 1 "$tmp/bad.jsonl" 2>/dev/null)
check "max-errors exit" 1 $?
contains "max-errors header" "errors (first 1 of 4):" "$out"
case "$out" in
*"line 3:"*) echo "FAIL max-errors printed line 3"; fails=$((fails + 1)) ;;
*) echo "ok   max-errors stops after 1" ;;
esac

# Warnings alone do not fail the check.
{
  print_line 0 p1 1736953200010 10
  print_line 1 p1 1736953200000 10
} >"$tmp/warn.jsonl"
out=$("$SF_CLI" tape check "$tmp/warn.jsonl" 2>/dev/null)
check "warnings-only exit" 0 $?
contains "warnings-only counts" "warnings: 1 out-of-order, 1 duplicate trace_id" "$out"

# Usage and file errors.
"$SF_CLI" tape --help >"$tmp/help" 2>&1
check "help exit" 0 $?
contains "help text" "usage: smartflow tape check FILE [--max-errors N]" "$(cat "$tmp/help")"
"$SF_CLI" tape check >/dev/null 2>&1
check "no file exit" 2 $?
"$SF_CLI" tape check "$tmp/good.jsonl" --max-errors x >/dev/null 2>&1
check "bad max-errors exit" 2 $?
"$SF_CLI" tape frobnicate >/dev/null 2>&1
check "unknown action exit" 2 $?
err=$("$SF_CLI" tape check "$tmp/missing.jsonl" 2>&1 >/dev/null)
check "missing file exit" 1 $?
contains "missing file message" "cannot open $tmp/missing.jsonl: No such file or directory" "$err"

sf_finish "all tape CLI checks passed"
