#!/usr/bin/env bash
# `smartflow bench api|ws` in miniature (one to three seconds each, small store): each prints its
# JSON lines with zero errors and exits 0; every history walk visits all rows (walks_completed > 0
# with 600 events and 200-row pages: 3 pages, and 70 prints in 7-row pages: 10 pages, in 3 s,
# which a loaded machine manages; 2,000 events in 1 s did not, at 4 requests a second);
# a non-loopback --url and bad options are usage errors (exit 2);
# a route whose pages cannot match (a 404) counts errors and exits 1. `smartflow bench store`
# against a temporary SQLite file: a write line whose count grew by exactly the events written and
# one query line per kind with full 200-row pages; a second run on the same file without --reset
# fails the count check (exit 1); bad options are usage errors (exit 2).
set -u
if [ -z "${SF_CLI:-}" ] || [ ! -x "$SF_CLI" ]; then
  echo "SKIP: smartflow binary not built (SF_CLI='${SF_CLI:-}')"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL $1"; fails=$((fails + 1)); }
field() { # json key -> number
  sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p" <<<"$1"
}

out=$("$SF_CLI" bench api --seconds 3 --warmup 0 --events 600 --prints 500 --connections 2 2>"$tmp/err"); rc=$?
[ $rc -eq 0 ] || { fail "bench api exit $rc"; cat "$tmp/err"; }
[ "$(grep -c '"bench":"api"' <<<"$out")" -eq 3 ] || fail "bench api: expected 3 JSON lines, got: $out"
hist=$(grep '"route":"/history/smart-money?limit=200"' <<<"$out")
[ "$(field "$hist" errors)" = 0 ] || fail "bench api: history errors: $hist"
[ "$(field "$hist" walks_completed)" -gt 0 ] 2>/dev/null || fail "bench api: no completed history walk: $hist"
[ "$(field "$hist" requests)" -gt 0 ] 2>/dev/null || fail "bench api: no requests: $hist"

out=$("$SF_CLI" bench api --seconds 3 --warmup 0 --events 300 --prints 70 --connections 1 \
  --route '/history/options?limit=7' 2>"$tmp/err"); rc=$?
[ $rc -eq 0 ] || { fail "bench api options walk exit $rc"; cat "$tmp/err"; }
[ "$(field "$out" walks_completed)" -gt 0 ] 2>/dev/null || fail "bench api: no options walk: $out"

"$SF_CLI" bench api --seconds 1 --warmup 0 --events 10 --prints 10 --connections 1 --route /flow/nope \
  >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] || fail "bench api on a 404 route: exit $rc, expected 1"
grep -q 'status 404' "$tmp/err" || fail "bench api on a 404 route: stderr does not say 404: $(cat "$tmp/err")"

"$SF_CLI" bench api --url http://192.0.2.1:8080 >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "bench api --url non-loopback: exit $rc, expected 2"
grep -q 'not a loopback address' "$tmp/err" || fail "bench api --url: message: $(cat "$tmp/err")"
"$SF_CLI" bench api --connections 0 >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "bench api --connections 0: exit $rc, expected 2"
"$SF_CLI" bench api --help | grep -q 'usage: smartflow bench api' || fail "bench api --help"

out=$("$SF_CLI" bench ws --seconds 1 --clients 5 --rate 500 2>"$tmp/err"); rc=$?
[ $rc -eq 0 ] || { fail "bench ws exit $rc"; cat "$tmp/err"; }
[ "$(field "$out" published)" = 500 ] || fail "bench ws: published: $out"
[ "$(field "$out" kept_up_clients)" = 5 ] || fail "bench ws: kept_up_clients: $out"
[ "$(field "$out" missing)" = 0 ] || fail "bench ws: missing: $out"
[ "$(field "$out" delivered_total_per_s)" != "" ] || fail "bench ws: delivered_total_per_s: $out"
"$SF_CLI" bench ws --rate 0 >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "bench ws --rate 0: exit $rc, expected 2"

db="sqlite:$tmp/store.db"
out=$("$SF_CLI" bench store --url "$db" --events 1200 --batch 500 --queries 5 --reset 2>"$tmp/err"); rc=$?
[ $rc -eq 0 ] || { fail "bench store exit $rc"; cat "$tmp/err"; }
[ "$(grep -c '"bench":"store_' <<<"$out")" -eq 4 ] || fail "bench store: expected 4 JSON lines, got: $out"
w=$(grep '"bench":"store_write"' <<<"$out")
grep -q '"backend":"sqlite"' <<<"$w" || fail "bench store: backend: $w"
grep -q '"durability":"sqlite-synchronous-full (power loss)"' <<<"$w" || fail "bench store: durability: $w"
grep -q '"type":"smart-money"' <<<"$w" || fail "bench store: type: $w"
[ "$(field "$w" events)" = 1200 ] || fail "bench store: events: $w"
[ "$(field "$w" batch)" = 500 ] || fail "bench store: batch: $w"
[ "$(field "$w" count_before)" = 0 ] || fail "bench store: count_before: $w"
[ "$(field "$w" count_after)" = 1200 ] || fail "bench store: count_after: $w"
awk -v r="$(field "$w" rows_per_s)" 'BEGIN { exit !(r > 0) }' || fail "bench store: rows_per_s: $w"
for kind in recent history history_profile; do
  q=$(grep "\"kind\":\"$kind\"" <<<"$out")
  [ "$(field "$q" queries)" = 5 ] || fail "bench store $kind: queries: $q"
  [ "$(field "$q" skipped)" = 0 ] || fail "bench store $kind: skipped: $q"
done
# Newest 200 of 1,200 records, five times: full pages.
[ "$(field "$(grep '"kind":"recent"' <<<"$out")" rows)" = 1000 ] || fail "bench store recent rows: $out"
"$SF_CLI" bench store --url "$db" --events 100 --batch 50 --queries 1 >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] || fail "bench store on a reused database: exit $rc, expected 1"
grep -q 'count grew by 0, expected 100' "$tmp/err" || fail "bench store reused: message: $(cat "$tmp/err")"
out=$("$SF_CLI" bench store --url "$db" --type option-print --events 300 --batch 100 --queries 2 2>"$tmp/err"); rc=$?
[ $rc -eq 0 ] || { fail "bench store option-print exit $rc"; cat "$tmp/err"; }
[ "$(grep -c '"type":"option-print"' <<<"$out")" -eq 3 ] || fail "bench store option-print: lines: $out"
"$SF_CLI" bench store --events 10 >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "bench store without --url: exit $rc, expected 2"
grep -q -- '--url is required' "$tmp/err" || fail "bench store without --url: message: $(cat "$tmp/err")"
"$SF_CLI" bench store --url "$db" --type quotes >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "bench store --type quotes: exit $rc, expected 2"
"$SF_CLI" bench store --url "$db" --batch 0 >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "bench store --batch 0: exit $rc, expected 2"
"$SF_CLI" bench store --help | grep -q 'usage: smartflow bench store' || fail "bench store --help"

[ $fails -eq 0 ] && echo "OK" || exit 1
