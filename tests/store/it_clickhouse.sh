#!/usr/bin/env bash
# Runs the backend-neutral store contract suite against a real clickhouse-server started on a
# loopback ephemeral port with a temporary data directory (scripts/test-clickhouse.sh), then
# stops it. The test command installs clickhouse-server; a missing binary is reported as a skip
# only outside CI.
set -euo pipefail
src=${SF_SOURCE_DIR:?} bin=${SF_BINARY_DIR:?}
. "$src/tests/lib.sh"
if ! command -v clickhouse-server >/dev/null 2>&1 && [ ! -x /usr/sbin/clickhouse-server ]; then
  sf_missing "clickhouse-server not installed (make test installs it)"
fi
read -r port pid dir < <("$src/scripts/test-clickhouse.sh" start)
trap '"$src/scripts/test-clickhouse.sh" stop "$pid" "$dir"' EXIT
echo "clickhouse-server on 127.0.0.1:$port (pid $pid)"
SF_STORE_URL_TEMPLATE="clickhouse://127.0.0.1:$port/sf_test_%s" "$bin/store_test_store_contract"

# Migration of a schema-1 database (the record JSON in a `json` column): the eight v1 tables are
# created as the v1 backend did and filled from the golden tape (every record type), then
# `smartflow export` opens the store, which migrates it to per-field columns; every record must
# come back exactly as on the tape, the v1 tables must be gone and schema_version must be 2.
url="http://127.0.0.1:$port/"
python3 - "$url" "$src/tests/golden/record_json.jsonl" <<'PY'
import json, sys, urllib.request
url, tape = sys.argv[1], sys.argv[2]
def q(sql, body=None, db="sf_migrate"):
    full = url + "?database=" + db + ("&query=" + urllib.parse.quote(sql) if body is not None else "")
    data = (body if body is not None else sql).encode()
    with urllib.request.urlopen(urllib.request.Request(full, data=data)) as r:
        return r.read().decode()
import urllib.parse
q("CREATE DATABASE IF NOT EXISTS sf_migrate", db="default")
part = lambda ts: " ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMMDD(toDateTime(intDiv(%s, 1000)))" % ts
ddl = {
  "option_prints": "(trace_id String, ts Int64, ts_ns Int64, seq Int64, source_ts Int64, ingest_ts Int64, option_contract_id String, underlying_id String, option_type String, price Float64, size Int64, exchange String, nbbo_side String, notional Nullable(Float64), json String)" + part("ts") + " ORDER BY (ts, seq, trace_id)",
  "option_nbbo": "(trace_id String, ts Int64, ts_ns Int64, seq Int64, source_ts Int64, ingest_ts Int64, option_contract_id String, bid Nullable(Float64), ask Nullable(Float64), json String)" + part("ts") + " ORDER BY (ts, seq, trace_id)",
  "equity_quotes": "(trace_id String, ts Int64, ts_ns Int64, seq Int64, source_ts Int64, ingest_ts Int64, underlying_id String, bid Nullable(Float64), ask Nullable(Float64), json String)" + part("ts") + " ORDER BY (ts, seq, trace_id)",
  "equity_prints": "(trace_id String, ts Int64, ts_ns Int64, seq Int64, source_ts Int64, ingest_ts Int64, underlying_id String, price Nullable(Float64), size Int64, exchange String, json String)" + part("ts") + " ORDER BY (ts, seq, trace_id)",
  "flow_packets": "(id String, trace_id String, source_ts Int64, ingest_ts Int64, seq Int64, member_count Int64, json String)" + part("source_ts") + " ORDER BY (source_ts, seq, id)",
  "smart_money_events": "(event_id String, trace_id String, source_ts Int64, ingest_ts Int64, seq Int64, underlying_id String, event_kind String, primary_profile_id String, primary_direction String, abstained UInt8, total_premium Nullable(Float64), band String, primary_probability Nullable(Float64), json String)" + part("source_ts") + " ORDER BY (source_ts, seq, event_id)",
  "classifier_hits": "(trace_id String, source_ts Int64, ingest_ts Int64, seq Int64, classifier_id String, confidence Nullable(Float64), direction String, json String)" + part("source_ts") + " ORDER BY (source_ts, seq, trace_id)",
  "alerts": "(trace_id String, source_ts Int64, ingest_ts Int64, seq Int64, score Nullable(Float64), severity String, primary_profile_id String, json String)" + part("source_ts") + " ORDER BY (source_ts, seq, trace_id)",
}
for t, d in ddl.items():
    q("CREATE TABLE %s %s" % (t, d))
q("CREATE TABLE schema_version (version UInt32, applied_at DateTime) ENGINE = ReplacingMergeTree() ORDER BY version")
q("INSERT INTO schema_version VALUES (1, now())")
table = {"option-print": "option_prints", "option-nbbo": "option_nbbo", "equity-quote": "equity_quotes",
         "equity-print": "equity_prints", "flow-packet": "flow_packets", "smart-money": "smart_money_events",
         "classifier-hit": "classifier_hits", "alert": "alerts"}
rows = {t: [] for t in table.values()}
for line in open(tape):
    env = json.loads(line)
    p, t = env["payload"], table[env["type"]]
    row = {"trace_id": p["trace_id"], "seq": p["seq"], "json": json.dumps(p, separators=(",", ":"))}
    if "ts" in p:
        row.update(ts=p["ts"], ts_ns=p["ts_ns"])
    else:
        row["source_ts"] = p["source_ts"]
    if t == "flow_packets": row["id"] = p["id"]
    if t == "smart_money_events": row["event_id"] = p["event_id"]
    rows[t].append(json.dumps(row))
for t, rs in rows.items():
    q("INSERT INTO %s FORMAT JSONEachRow" % t, "\n".join(rs) + "\n")
PY
: >"$dir/exported.jsonl"
for type in option-print option-nbbo equity-quote equity-print flow-packet smart-money classifier-hit alert; do
  "$SF_CLI" export --store "clickhouse://127.0.0.1:$port/sf_migrate" --type "$type" >>"$dir/exported.jsonl"
done
# The tape holds 16 records the decoders reject (tape check names their lines): the migration
# cannot convert those (it logs them) and everything else must come back exactly.
"$SF_CLI" tape check "$src/tests/golden/record_json.jsonl" >"$dir/check.txt" 2>&1 || true
python3 - "$src/tests/golden/record_json.jsonl" "$dir/exported.jsonl" "$dir/check.txt" <<'PY'
import json, re, sys
report = open(sys.argv[3]).read()
bad = {int(m) for m in re.findall(r"^  line (\d+):", report[report.index("errors ("):report.index("warnings (")], re.M)}
if len(bad) != 16:
    print("tape check reported %d rejected lines, expected 16" % len(bad)); sys.exit(1)
canon = lambda l: json.dumps(json.loads(l), sort_keys=True)
lines = open(sys.argv[1]).read().splitlines()
want = sorted(set(canon(l) for i, l in enumerate(lines, 1) if l.strip() and i not in bad))
got = sorted(canon(l) for l in open(sys.argv[2]) if l.strip())
if want != got:
    missing, extra = set(want) - set(got), set(got) - set(want)
    print("migration: %d records expected, %d exported; first missing: %s; first extra: %s"
          % (len(want), len(got), next(iter(missing), None), next(iter(extra), None)))
    sys.exit(1)
print("migration: %d records of every type came back" % len(got))
PY
# A v1 table is dropped once all its rows converted; one with rows that did not is kept whole.
left=$(curl -fsS "$url" --data-binary \
  "SELECT groupArray(name) FROM (SELECT name FROM system.tables WHERE database = 'sf_migrate' AND name LIKE '%_v1' ORDER BY name)")
version=$(curl -fsS "$url" --data-binary "SELECT max(version) FROM sf_migrate.schema_version")
want="['alerts_v1','classifier_hits_v1','equity_prints_v1','equity_quotes_v1','smart_money_events_v1']"
[ "$left" = "$want" ] || { echo "migration kept v1 tables $left, expected $want" >&2; exit 1; }
[ "$version" = 2 ] || { echo "schema_version is $version after the migration, expected 2" >&2; exit 1; }
