/* The SQLite schema against the store's column table, and the migration of a version-1 database
 * (record JSON in a `json` column) to version 2 (one column per field): every v1 row of every type
 * comes back field for field through the store, a v1 row whose JSON does not decode lands in
 * migration_rejects with its id and the reason, and no v1 table is left. */
#include <unistd.h>

#include "harness.h"
#include "smartflow/err.h"
#include "smartflow/record_json.h"
#include "smartflow/store.h"
#include "store/columns.h"
#include "store/store_impl.h"
#include "store/sqlite_store.h"
#include "store/store_fixtures.h"

static char dir[512];

static void exec_ok(sqlite3 *db, const char *sql) {
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) fail_msg("%s: %s", sql, msg ? msg : "?");
}

/* Every table's columns, in order, are those of columns.h. */
static void test_schema_matches_columns(void **state) {
  (void)state;
  char url[700];
  snprintf(url, sizeof url, "sqlite:%s/cols.db", dir);
  struct sf_store *s = NULL;
  assert_int_equal(sf_store_open(url, &s), 0);
  sqlite3 *db = sf_store_sqlite_db(s);
  for (int t = 0; t < SF_REC__COUNT; t++) {
    size_t n;
    const struct sf_col *cols = sf_cols_of((enum sf_record_type)t, &n);
    char sql[200];
    snprintf(sql, sizeof sql, "PRAGMA table_info(%s)", sf_store_table_name((enum sf_record_type)t));
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    size_t i = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
      if (i >= n) fail_msg("%s has more columns than columns.h lists", sql);
      check_str((const char *)sqlite3_column_text(st, 1), cols[i].name);
      i++;
    }
    sqlite3_finalize(st);
    check_i64(i, n);
  }
  sf_store_close(s);
}

/* Inserts a record the way schema version 1 stored it: the NOT NULL columns and the JSON. */
static void insert_v1(sqlite3 *db, const struct sf_record *r) {
  char *line = NULL;
  struct sf_jw w;
  sf_jw_init(&w);
  assert_int_equal(sf_record_encode(r, &w), 0);
  line = sf_jw_take(&w, NULL);
  assert_non_null(line);
  const struct sf_meta *m = sf_record_meta(r);
  struct sf_store_cursor key;
  assert_int_equal(sf_store_record_key(r, &key), 0);
  const char *sql = NULL;
  switch (r->type) {
    case SF_REC_OPTION_PRINT:
    case SF_REC_OPTION_NBBO:
      sql = r->type == SF_REC_OPTION_PRINT ? "INSERT INTO option_prints(trace_id, ts, ts_ns, seq, "
                                             "option_contract_id, json) VALUES(?1,?2,?3,?4,?5,?6)"
                                           : "INSERT INTO option_nbbo(trace_id, ts, ts_ns, seq, "
                                             "option_contract_id, json) VALUES(?1,?2,?3,?4,?5,?6)";
      break;
    case SF_REC_EQUITY_QUOTE:
      sql =
          "INSERT INTO equity_quotes(trace_id, ts, ts_ns, seq, underlying_id, json) "
          "VALUES(?1,?2,?3,?4,?5,?6)";
      break;
    case SF_REC_EQUITY_PRINT:
      sql =
          "INSERT INTO equity_prints(trace_id, ts, ts_ns, seq, underlying_id, json) "
          "VALUES(?1,?2,?3,?4,?5,?6)";
      break;
    case SF_REC_FLOW_PACKET:
      sql =
          "INSERT INTO flow_packets(id, trace_id, source_ts, seq, member_count, json) "
          "VALUES(?5,?1,?2,?4,0,?6)";
      break;
    case SF_REC_SMART_MONEY:
      sql =
          "INSERT INTO smart_money_events(event_id, trace_id, source_ts, seq, abstained, json)"
          " VALUES(?5,?1,?2,?4,0,?6)";
      break;
    case SF_REC_CLASSIFIER_HIT:
      sql = "INSERT INTO classifier_hits(trace_id, source_ts, seq, json) VALUES(?1,?2,?4,?6)";
      break;
    default:
      sql = "INSERT INTO alerts(trace_id, source_ts, seq, hit_count, json) VALUES(?1,?2,?4,0,?6)";
      break;
  }
  const char *other = "";
  if (r->type == SF_REC_OPTION_PRINT) other = r->u.option_print.option_contract_id;
  if (r->type == SF_REC_OPTION_NBBO) other = r->u.option_nbbo.option_contract_id;
  if (r->type == SF_REC_EQUITY_QUOTE) other = r->u.equity_quote.underlying_id;
  if (r->type == SF_REC_EQUITY_PRINT) other = r->u.equity_print.underlying_id;
  if (r->type == SF_REC_FLOW_PACKET) other = r->u.flow_packet.id;
  if (r->type == SF_REC_SMART_MONEY) other = r->u.smart_money.event_id;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  sqlite3_bind_text(st, 1, m->trace_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, key.ts);
  sqlite3_bind_int64(st, 3, sf_record_ts_ns(r));
  sqlite3_bind_int64(st, 4, key.seq);
  sqlite3_bind_text(st, 5, other, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 6, line, -1, SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_DONE) fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  sqlite3_finalize(st);
  free(line);
}

static int64_t count_of(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

#define PER_TYPE 9

static void test_migrate_v1_database(void **state) {
  (void)state;
  char path[700], url[720];
  snprintf(path, sizeof path, "%s/v1.db", dir);
  snprintf(url, sizeof url, "sqlite:%s", path);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  char why[512] = "";
  int version = 0;
  if (sf_sqlite_migrate(db, 1, &version, NULL, NULL, why, sizeof why)) fail_msg("to v1: %s", why);
  check_i64(version, 1);
  struct sf_record recs[SF_REC__COUNT][PER_TYPE];
  exec_ok(db, "BEGIN");
  for (int t = 0; t < SF_REC__COUNT; t++)
    for (int i = 0; i < PER_TYPE; i++) {
      fx_record(&recs[t][i], (enum sf_record_type)t, "mig", i, 1736899200000 + i, 777, i);
      insert_v1(db, &recs[t][i]);
    }
  /* A v1 row that no reader could decode (its JSON is cut short), and one whose JSON is a valid
   * record but not this row's type's shape. */
  exec_ok(
      db,
      "INSERT INTO smart_money_events(event_id, trace_id, source_ts, seq, abstained, json)"
      " VALUES('bad-ev1', 'bad-t1', 1736899300000, 100, 0, '{\"event_id\": tru');"
      "INSERT INTO option_prints(trace_id, ts, ts_ns, seq, option_contract_id, json)"
      " VALUES('bad-t2', 1736899300000, 1736899300000000000, 101, 'SPY-2025-01-17-450-C', '{\"x\": 1}');");
  exec_ok(db, "COMMIT");
  sqlite3_close(db);

  struct sf_store *s = NULL;
  assert_int_equal(sf_store_open(url, &s), 0);
  db = sf_store_sqlite_db(s);
  check_i64(count_of(db, "SELECT max(version) FROM schema_version"), sf_sqlite_schema_latest());
  check_i64(count_of(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE '%_v1'"), 0);
  check_i64(count_of(db, "SELECT count(*) FROM migration_rejects"), 2);
  check_i64(
      count_of(db,
               "SELECT count(*) FROM migration_rejects WHERE table_name = 'smart_money_events' AND id = "
               "'bad-ev1' AND why LIKE 'bad JSON%' AND json = '{\"event_id\": tru'"),
      1);
  check_i64(
      count_of(db,
               "SELECT count(*) FROM migration_rejects WHERE table_name = 'option_prints' AND id = 'bad-t2'"
               " AND why LIKE 'option-print.%'"),
      1);
  for (int t = 0; t < SF_REC__COUNT; t++) {
    int64_t n = -1;
    assert_int_equal(sf_store_count(s, (enum sf_record_type)t, &n), 0);
    check_i64(n, PER_TYPE);
    for (int i = 0; i < PER_TYPE; i++) {
      struct sf_record back;
      int rc = sf_store_get(s, (enum sf_record_type)t, fx_lookup_id(&recs[t][i]), &back);
      if (rc) fail_msg("get %s: %s", fx_lookup_id(&recs[t][i]), sf_store_errmsg(s));
      char *a = sf_record_to_line(&recs[t][i]), *b = sf_record_to_line(&back);
      check_str(b, a);
      free(a);
      free(b);
      sf_record_fini(&back);
      sf_record_fini(&recs[t][i]);
    }
  }
  /* The migrated store takes new writes and still deduplicates against the converted rows. */
  struct sf_record again;
  fx_smart_money(&again, "mig", 3, 1736899200003, 3);
  const struct sf_record *p = &again;
  assert_int_equal(sf_store_write(s, &p, 1), 0);
  int64_t n = -1;
  assert_int_equal(sf_store_count(s, SF_REC_SMART_MONEY, &n), 0);
  check_i64(n, PER_TYPE);
  sf_record_fini(&again);
  sf_store_close(s);
  /* Opening again is a no-op. */
  assert_int_equal(sf_store_open(url, &s), 0);
  check_i64(count_of(sf_store_sqlite_db(s), "SELECT count(*) FROM schema_version"),
            sf_sqlite_schema_latest());
  sf_store_close(s);
}

/* A hook that fails rolls the whole migration back: the database stays at version 1 with its
 * v1 tables and rows. */
static int failing_hook(sqlite3 *db, int version, void *ctx, char *why, size_t cap) {
  (void)db;
  (void)ctx;
  if (version == 2) {
    snprintf(why, cap, "refused by the test");
    return SF_EIO;
  }
  return 0;
}

static void test_failed_step_rolls_back(void **state) {
  (void)state;
  char path[700];
  snprintf(path, sizeof path, "%s/rollback.db", dir);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  char why[512] = "";
  int version = 0;
  assert_int_equal(sf_sqlite_migrate(db, 1, &version, NULL, NULL, why, sizeof why), 0);
  struct sf_record r;
  fx_option_print(&r, "rb", 1, INT64_C(1736899200000000000), 1);
  insert_v1(db, &r);
  sf_record_fini(&r);
  assert_int_equal(sf_sqlite_migrate(db, 0, &version, failing_hook, NULL, why, sizeof why), SF_EIO);
  assert_non_null(strstr(why, "schema version 2"));
  assert_non_null(strstr(why, "refused by the test"));
  check_i64(count_of(db, "SELECT max(version) FROM schema_version"), 1);
  check_i64(count_of(db, "SELECT count(*) FROM option_prints WHERE json IS NOT NULL"), 1);
  check_i64(count_of(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE '%_v1'"), 0);
  sqlite3_close(db);
}

/* Every record of the golden tape that decodes (edge values: tiny and huge numbers, nulls where
 * allowed, escapes, every type) is stored and read back to the same line through both reads. */
static void test_golden_tape_roundtrip(void **state) {
  (void)state;
  char path[1024], url[700];
  SF_SOURCE_PATH("tests/golden/record_json.jsonl", path);
  size_t len = 0;
  char *text = sf_test_slurp(path, &len);
  assert_non_null(text);
  snprintf(url, sizeof url, "sqlite:%s/golden.db", dir);
  struct sf_store *s = NULL;
  assert_int_equal(sf_store_open(url, &s), 0);
  size_t stored = 0;
  for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
    nl = strchr(line, '\n');
    size_t n = nl ? (size_t)(nl - line) : strlen(line);
    struct sf_record r, back;
    struct sf_errbuf eb = {{0}};
    if (sf_record_from_line(line, n, &r, &eb) != 0) continue; /* the tape's invalid records */
    const struct sf_record *p = &r;
    int rc = sf_store_write(s, &p, 1);
    if (rc) fail_msg("write %s: %s", sf_record_meta(&r)->trace_id, sf_store_errmsg(s));
    /* The tape repeats ids across its variants: read back what the id holds now. */
    struct sf_store_raw_result raw;
    rc = sf_store_get(s, r.type, fx_lookup_id(&r), &back);
    if (rc) fail_msg("get %s: %s", fx_lookup_id(&r), sf_store_errmsg(s));
    assert_int_equal(sf_store_get_raw(s, r.type, fx_lookup_id(&r), &raw), 0);
    char *b = sf_record_to_line(&back);
    assert_non_null(b);
    size_t bl = strlen(b);
    assert_true(bl > 0 && b[bl - 1] == '\n');
    /* The envelope's payload is the raw row's text. */
    assert_non_null(strstr(b, raw.rows[0].json));
    check_i64(strlen(b),
              raw.rows[0].len + strlen(sf_record_type_name(r.type)) + 23); /* {"type":"","payload":}\n */
    /* A record that is the latest under its id (same key) reads back exactly as it was written. */
    struct sf_store_cursor kr, kb;
    assert_int_equal(sf_store_record_key(&r, &kr), 0);
    assert_int_equal(sf_store_record_key(&back, &kb), 0);
    if (kr.ts == kb.ts && kr.seq == kb.seq) {
      char *a = sf_record_to_line(&r);
      /* SQLite keeps a REAL column's integral values as integers, so -0.0 reads back as 0.0. */
      for (char *z; (z = strstr(a, ":-0.0,")) != NULL;) memmove(z + 1, z + 2, strlen(z + 2) + 1);
      size_t k = 0;
      while (a[k] && a[k] == b[k]) k++;
      if (a[k] || b[k])
        fail_msg("%s: stored and read back differ at byte %zu: '%.60s' vs '%.60s'", fx_lookup_id(&r), k,
                 a + (k > 40 ? k - 40 : 0), b + (k > 40 ? k - 40 : 0));
      free(a);
      stored++;
    }
    free(b);
    sf_store_raw_result_free(&raw);
    sf_record_fini(&back);
    sf_record_fini(&r);
  }
  assert_true(stored >= 100);
  free(text);
  sf_store_close(s);
}

int main(void) {
  snprintf(dir, sizeof dir, "%s/sf_schema_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(dir)) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_schema_matches_columns),
      cmocka_unit_test(test_migrate_v1_database),
      cmocka_unit_test(test_failed_step_rolls_back),
      cmocka_unit_test(test_golden_tape_roundtrip),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  return rc;
}
