#!/usr/bin/env bash
# `smartflow contract`: arguments, stdin, --to, and a bad id that names its line or argument
# and makes the exit status 1 while the other ids are still converted.
set -u
. "$(dirname "$0")/lib.sh"

# Arguments: default is the other form of each input.
out=$("$SF_CLI" contract SPY-2025-01-17-450-C 'AAPL  250221C00250000' BRK-B-2025-03-21-452.5-P AAPL250221P00250000)
check "args default" "SPY   250117C00450000
AAPL-2025-02-21-250-C
BRK-B 250321P00452500
AAPL-2025-02-21-250-P" "$out"

# --to forces one form; an OSI input stays OSI (the unpadded form gets padded).
out=$("$SF_CLI" contract --to osi SPY-2025-01-17-450.50-P AAPL250221C00250000)
check "--to osi" "SPY   250117P00450500
AAPL  250221C00250000" "$out"
out=$("$SF_CLI" contract --to=canonical SPY-2025-01-17-450.0-C 'SPXW  240229P05000000')
check "--to=canonical" "SPY-2025-01-17-450-C
SPXW-2024-02-29-5000-P" "$out"

# stdin: blank lines skipped, CR and trailing spaces trimmed.
printf 'SPY-2025-01-17-450-C\r\n\n   \nSPY   230807P00383500  \n' > "$tmp/in"
out=$("$SF_CLI" contract < "$tmp/in")
check "stdin" "SPY   250117C00450000
SPY-2023-08-07-383.5-P" "$out"

# A bad line: the others still convert, stderr names line 3, exit status 1.
printf 'SPY-2025-01-17-450-C\n\nSPY-2025-02-30-450-C\nBRK-B 250321P00452500\n' > "$tmp/bad"
"$SF_CLI" contract < "$tmp/bad" > "$tmp/out" 2> "$tmp/err"
rc=$?
check "bad line status" "1" "$rc"
check "bad line stdout" "SPY   250117C00450000
BRK-B-2025-03-21-452.5-P" "$(cat "$tmp/out")"
check "bad line stderr" "smartflow contract: line 3: invalid contract id 'SPY-2025-02-30-450-C': invalid date" "$(cat "$tmp/err")"

# A bad argument is named by its position.
"$SF_CLI" contract SPY-2025-01-17-450-C SPY-2025-01-17-450.1234-C > "$tmp/out" 2> "$tmp/err"
rc=$?
check "bad argument status" "1" "$rc"
check "bad argument stderr" "smartflow contract: argument 2: invalid contract id 'SPY-2025-01-17-450.1234-C': strike has more than 3 decimals" "$(cat "$tmp/err")"
check "bad argument stdout" "SPY   250117C00450000" "$(cat "$tmp/out")"

# Usage errors exit 2; --help exits 0 and prints usage on stdout.
"$SF_CLI" contract --to json SPY-2025-01-17-450-C > /dev/null 2>&1
check "bad --to" "2" "$?"
"$SF_CLI" contract --bogus > /dev/null 2>&1
check "unknown option" "2" "$?"
"$SF_CLI" contract --to > /dev/null 2>&1
check "--to without value" "2" "$?"
out=$("$SF_CLI" contract --help)
rc=$?
check "--help status" "0" "$rc"
case "$out" in
  "usage: smartflow contract"*) echo "ok   --help text" ;;
  *) echo "FAIL --help text: $out"; fails=$((fails + 1)) ;;
esac

sf_finish "all checks passed"
