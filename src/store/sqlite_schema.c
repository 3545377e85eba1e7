/* The SQLite schema and its forward migrations. Each step is a batch of SQL applied in order,
 * inside one transaction together with its row in `schema_version`, so a database is always at
 * exactly one version. Steps are append-only: never edit a released step, add a new one.
 *
 * Tables are those of CONTRACTS.md "Tables". Version 1 kept scalar columns for what is filtered,
 * sorted or looked up and the whole record JSON in `json`; version 2 has one column per record
 * field (store/columns.h lists them; tests/store/test_sqlite_schema.c checks the two agree) and
 * JSON text only for nested parts. Market data is keyed by (ts, seq) with ts the wire ms; derived
 * records by (source_ts, seq). Every query of sqlite.c is served by one of the indexes below
 * (tests/store/test_sqlite_plan.c checks the plans).
 *
 * A step may need more than SQL (version 2 converts rows by decoding their JSON): the caller's
 * hook runs after each step's SQL, inside the step's transaction. */
#include <stdio.h>
#include <string.h>

#include "smartflow/err.h"
#include "store/sqlite_store.h"

/* A step's SQL comes in parts (C99 caps a string literal at 4095 bytes), NULL-terminated. */
static const char *const step1[] = {
    /* 1: the eight tables. */
    "CREATE TABLE option_prints ("
    " trace_id TEXT NOT NULL UNIQUE, ts INTEGER NOT NULL, ts_ns INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " source_ts INTEGER, ingest_ts INTEGER, option_contract_id TEXT NOT NULL, underlying_id TEXT,"
    " option_type TEXT, price REAL, size INTEGER, exchange TEXT, nbbo_side TEXT, notional REAL,"
    " json TEXT NOT NULL);"
    "CREATE INDEX option_prints_ts ON option_prints(ts, seq);"
    "CREATE INDEX option_prints_underlying ON option_prints(underlying_id, ts, seq);"
    "CREATE INDEX option_prints_contract ON option_prints(option_contract_id, ts, seq);"

    "CREATE TABLE option_nbbo ("
    " trace_id TEXT NOT NULL UNIQUE, ts INTEGER NOT NULL, ts_ns INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " source_ts INTEGER, ingest_ts INTEGER, option_contract_id TEXT NOT NULL, bid REAL, ask REAL,"
    " bid_size REAL, ask_size REAL, json TEXT NOT NULL);"
    "CREATE INDEX option_nbbo_ts ON option_nbbo(ts, seq);"
    "CREATE INDEX option_nbbo_contract ON option_nbbo(option_contract_id, ts, seq);",

    "CREATE TABLE equity_quotes ("
    " trace_id TEXT NOT NULL UNIQUE, ts INTEGER NOT NULL, ts_ns INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " source_ts INTEGER, ingest_ts INTEGER, underlying_id TEXT NOT NULL, bid REAL, ask REAL,"
    " bid_size REAL, ask_size REAL, json TEXT NOT NULL);"
    "CREATE INDEX equity_quotes_ts ON equity_quotes(ts, seq);"
    "CREATE INDEX equity_quotes_underlying ON equity_quotes(underlying_id, ts, seq);"

    "CREATE TABLE equity_prints ("
    " trace_id TEXT NOT NULL UNIQUE, ts INTEGER NOT NULL, ts_ns INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " source_ts INTEGER, ingest_ts INTEGER, underlying_id TEXT NOT NULL, price REAL, size INTEGER,"
    " exchange TEXT, off_exchange INTEGER, json TEXT NOT NULL);"
    "CREATE INDEX equity_prints_ts ON equity_prints(ts, seq);"
    "CREATE INDEX equity_prints_underlying ON equity_prints(underlying_id, ts, seq);"

    "CREATE TABLE flow_packets ("
    " id TEXT NOT NULL UNIQUE, trace_id TEXT NOT NULL UNIQUE, source_ts INTEGER NOT NULL,"
    " ingest_ts INTEGER, seq INTEGER NOT NULL, member_count INTEGER NOT NULL, json TEXT NOT NULL);"
    "CREATE INDEX flow_packets_ts ON flow_packets(source_ts, seq);"

    "CREATE TABLE smart_money_events ("
    " event_id TEXT NOT NULL UNIQUE, trace_id TEXT NOT NULL UNIQUE, source_ts INTEGER NOT NULL,"
    " ingest_ts INTEGER, seq INTEGER NOT NULL, underlying_id TEXT, event_kind TEXT,"
    " event_window_ms INTEGER, primary_profile_id TEXT, primary_direction TEXT,"
    " abstained INTEGER NOT NULL, total_premium REAL, total_notional REAL, band TEXT,"
    " primary_probability REAL, json TEXT NOT NULL);"
    "CREATE INDEX smart_money_events_ts ON smart_money_events(source_ts, seq);"
    "CREATE INDEX smart_money_events_profile ON smart_money_events(primary_profile_id, source_ts, seq);"
    "CREATE INDEX smart_money_events_underlying ON smart_money_events(underlying_id, source_ts, seq);"

    "CREATE TABLE classifier_hits ("
    " trace_id TEXT NOT NULL UNIQUE, source_ts INTEGER NOT NULL, ingest_ts INTEGER, seq INTEGER NOT NULL,"
    " classifier_id TEXT, confidence REAL, direction TEXT, json TEXT NOT NULL);"
    "CREATE INDEX classifier_hits_ts ON classifier_hits(source_ts, seq);"

    "CREATE TABLE alerts ("
    " trace_id TEXT NOT NULL UNIQUE, source_ts INTEGER NOT NULL, ingest_ts INTEGER, seq INTEGER NOT NULL,"
    " score REAL, severity TEXT, primary_profile_id TEXT, hit_count INTEGER NOT NULL, json TEXT NOT NULL);"
    "CREATE INDEX alerts_ts ON alerts(source_ts, seq);",
    NULL,
};

static const char *const step2[] = {
    /* 2: per-field columns (store/columns.h) instead of the record JSON in `json`. The v1 tables
     * are renamed to <table>_v1 here; sqlite.c's step hook then decodes each v1 row's json into a
     * record, inserts it into the new table (rows it cannot decode go to migration_rejects with
     * the reason) and drops the v1 table, all in this step's transaction. Market data keeps the
     * (ts, seq) index and its filter indexes; smart-money events keep one index per filter. A flow
     * packet and a smart-money event are unique by id / event_id alone (the engine sets their
     * trace_id to that id; ClickHouse deduplicates on the id too): the second UNIQUE index of v1,
     * on trace_id, cost every insert an index update and is gone. */
    "DROP INDEX option_prints_ts; DROP INDEX option_prints_underlying; DROP INDEX option_prints_contract;"
    "DROP INDEX option_nbbo_ts; DROP INDEX option_nbbo_contract;"
    "DROP INDEX equity_quotes_ts; DROP INDEX equity_quotes_underlying;"
    "DROP INDEX equity_prints_ts; DROP INDEX equity_prints_underlying;"
    "DROP INDEX flow_packets_ts; DROP INDEX smart_money_events_ts; DROP INDEX smart_money_events_profile;"
    "DROP INDEX smart_money_events_underlying; DROP INDEX classifier_hits_ts; DROP INDEX alerts_ts;"
    "ALTER TABLE option_prints RENAME TO option_prints_v1;"
    "ALTER TABLE option_nbbo RENAME TO option_nbbo_v1;"
    "ALTER TABLE equity_quotes RENAME TO equity_quotes_v1;"
    "ALTER TABLE equity_prints RENAME TO equity_prints_v1;"
    "ALTER TABLE flow_packets RENAME TO flow_packets_v1;"
    "ALTER TABLE smart_money_events RENAME TO smart_money_events_v1;"
    "ALTER TABLE classifier_hits RENAME TO classifier_hits_v1;"
    "ALTER TABLE alerts RENAME TO alerts_v1;"
    "CREATE TABLE migration_rejects (table_name TEXT NOT NULL, id TEXT, json TEXT, why TEXT NOT NULL);",

    "CREATE TABLE option_prints ("
    " trace_id TEXT NOT NULL UNIQUE, ts INTEGER NOT NULL, ts_ns INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " source_ts INTEGER, ingest_ts INTEGER, option_contract_id TEXT NOT NULL, price REAL, size INTEGER,"
    " exchange TEXT, conditions TEXT, enriched INTEGER NOT NULL, underlying_id TEXT, option_type TEXT,"
    " notional REAL, nbbo_side TEXT, nbbo_bid REAL, nbbo_ask REAL, nbbo_mid REAL, nbbo_spread REAL,"
    " nbbo_bid_size REAL, nbbo_ask_size REAL, nbbo_ts_ns INTEGER, nbbo_age_ms REAL, und_spot REAL,"
    " und_bid REAL, und_ask REAL, und_mid REAL, und_spread REAL, und_ts_ns INTEGER, und_age_ms REAL,"
    " iv REAL, iv_source TEXT, is_etf INTEGER, delta REAL, gamma REAL, vega REAL, aggressor INTEGER,"
    " aggressor_rule TEXT, multiplier REAL);"
    "CREATE INDEX option_prints_ts ON option_prints(ts, seq);"
    "CREATE INDEX option_prints_underlying ON option_prints(underlying_id, ts, seq);"
    "CREATE INDEX option_prints_contract ON option_prints(option_contract_id, ts, seq);"

    "CREATE TABLE option_nbbo ("
    " trace_id TEXT NOT NULL UNIQUE, ts INTEGER NOT NULL, ts_ns INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " source_ts INTEGER, ingest_ts INTEGER, option_contract_id TEXT NOT NULL, bid REAL, ask REAL,"
    " bid_size REAL, ask_size REAL);"
    "CREATE INDEX option_nbbo_ts ON option_nbbo(ts, seq);"
    "CREATE INDEX option_nbbo_contract ON option_nbbo(option_contract_id, ts, seq);",

    "CREATE TABLE equity_quotes ("
    " trace_id TEXT NOT NULL UNIQUE, ts INTEGER NOT NULL, ts_ns INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " source_ts INTEGER, ingest_ts INTEGER, underlying_id TEXT NOT NULL, bid REAL, ask REAL,"
    " bid_size REAL, ask_size REAL);"
    "CREATE INDEX equity_quotes_ts ON equity_quotes(ts, seq);"
    "CREATE INDEX equity_quotes_underlying ON equity_quotes(underlying_id, ts, seq);"

    "CREATE TABLE equity_prints ("
    " trace_id TEXT NOT NULL UNIQUE, ts INTEGER NOT NULL, ts_ns INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " source_ts INTEGER, ingest_ts INTEGER, underlying_id TEXT NOT NULL, price REAL, size INTEGER,"
    " exchange TEXT, off_exchange INTEGER);"
    "CREATE INDEX equity_prints_ts ON equity_prints(ts, seq);"
    "CREATE INDEX equity_prints_underlying ON equity_prints(underlying_id, ts, seq);"

    "CREATE TABLE flow_packets ("
    " id TEXT NOT NULL UNIQUE, trace_id TEXT NOT NULL, source_ts INTEGER NOT NULL,"
    " ingest_ts INTEGER, seq INTEGER NOT NULL, members TEXT, features_json TEXT NOT NULL,"
    " join_quality_json TEXT NOT NULL);"
    "CREATE INDEX flow_packets_ts ON flow_packets(source_ts, seq);",

    "CREATE TABLE smart_money_events ("
    " event_id TEXT NOT NULL UNIQUE, trace_id TEXT NOT NULL, source_ts INTEGER NOT NULL,"
    " ingest_ts INTEGER, seq INTEGER NOT NULL, packet_ids TEXT, member_print_ids TEXT, underlying_id TEXT,"
    " event_kind TEXT NOT NULL, event_window_ms INTEGER NOT NULL, features_json TEXT NOT NULL,"
    " profile_scores_json TEXT NOT NULL, primary_profile_id TEXT, primary_direction TEXT NOT NULL,"
    " abstained INTEGER NOT NULL, suppressed_reasons TEXT, total_premium REAL, total_notional REAL,"
    " band TEXT, primary_probability REAL);"
    "CREATE INDEX smart_money_events_ts ON smart_money_events(source_ts, seq);"
    "CREATE INDEX smart_money_events_profile ON smart_money_events(primary_profile_id, source_ts, seq);"
    "CREATE INDEX smart_money_events_underlying ON smart_money_events(underlying_id, source_ts, seq);"

    "CREATE TABLE classifier_hits ("
    " trace_id TEXT NOT NULL UNIQUE, source_ts INTEGER NOT NULL, ingest_ts INTEGER, seq INTEGER NOT NULL,"
    " classifier_id TEXT, confidence REAL, direction TEXT NOT NULL, explanations TEXT);"
    "CREATE INDEX classifier_hits_ts ON classifier_hits(source_ts, seq);"

    "CREATE TABLE alerts ("
    " trace_id TEXT NOT NULL UNIQUE, source_ts INTEGER NOT NULL, ingest_ts INTEGER, seq INTEGER NOT NULL,"
    " score REAL, severity TEXT NOT NULL, hits_json TEXT NOT NULL, evidence_refs TEXT,"
    " primary_profile_id TEXT, profile_scores_json TEXT);"
    "CREATE INDEX alerts_ts ON alerts(source_ts, seq);",
    NULL,
};

static const char *const *const steps[] = {step1, step2};

int sf_sqlite_schema_latest(void) { return (int)(sizeof steps / sizeof steps[0]); }

static int exec(sqlite3 *db, const char *sql, char *why, size_t cap) {
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    snprintf(why, cap, "%s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return SF_EIO;
  }
  return 0;
}

int sf_sqlite_migrate(sqlite3 *db, int target, int *version, sf_sqlite_step_hook hook, void *ctx, char *why,
                      size_t cap) {
  sqlite3_stmt *st = NULL;
  int rc = exec(db, "BEGIN IMMEDIATE", why, cap);
  if (rc) return rc;
  rc = exec(db,
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
            " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))",
            why, cap);
  if (rc) goto fail;
  if (sqlite3_prepare_v2(db, "SELECT coalesce(max(version), 0) FROM schema_version", -1, &st, NULL) !=
          SQLITE_OK ||
      sqlite3_step(st) != SQLITE_ROW) {
    snprintf(why, cap, "reading schema_version: %s", sqlite3_errmsg(db));
    rc = SF_EIO;
    goto fail;
  }
  int have = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  st = NULL;
  int latest = sf_sqlite_schema_latest();
  if (target > 0 && target < latest) latest = target;
  if (have > sf_sqlite_schema_latest()) {
    snprintf(why, cap, "database schema version %d is newer than this build's %d", have,
             sf_sqlite_schema_latest());
    rc = SF_EVERSION;
    goto fail;
  }
  for (int v = have + 1; v <= latest; v++) {
    char step_why[512];
    for (const char *const *part = steps[v - 1]; *part && !rc; part++)
      rc = exec(db, *part, step_why, sizeof step_why);
    if (rc) {
      snprintf(why, cap, "migration to schema version %d failed: %s", v, step_why);
      goto fail;
    }
    if (hook) {
      rc = hook(db, v, ctx, step_why, sizeof step_why);
      if (rc) {
        snprintf(why, cap, "migration to schema version %d failed: %s", v, step_why);
        goto fail;
      }
    }
    char ins[96];
    snprintf(ins, sizeof ins, "INSERT INTO schema_version(version) VALUES (%d)", v);
    rc = exec(db, ins, why, cap);
    if (rc) goto fail;
  }
  rc = exec(db, "COMMIT", why, cap);
  if (rc) goto fail;
  *version = have > latest ? have : latest;
  return 0;
fail:
  sqlite3_finalize(st);
  sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return rc;
}
