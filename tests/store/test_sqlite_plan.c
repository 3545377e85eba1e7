/* Every statement the SQLite backend runs is served by an index: for each query shape (recent,
 * history, replay, each filter alone and combined, look-ups, stats, counts) the EXPLAIN QUERY PLAN
 * of the exact SQL the backend builds must mention an index or the primary key on every table
 * access and never a bare "SCAN <table>" (a full table walk). The plans are taken on a populated
 * database after ANALYZE and also on an empty one without statistics, since both happen. */
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "smartflow/err.h"
#include "smartflow/store.h"
#include "smartflow/time.h"
#include "store/sqlite_store.h"
#include "store/store_fixtures.h"

static char dir[512];

/* Fails unless each line that touches a table uses an index. */
static void check_plan(struct sf_store *s, enum sf_sqlite_stmt_kind kind, const struct sf_store_query *q,
                       const char *what) {
  char plan[8192];
  int rc = sf_store_sqlite_explain(s, kind, q, plan, sizeof plan);
  if (rc) fail_msg("%s: explain failed: %s %s", what, sf_errname(rc), sf_store_errmsg(s));
  int touched = 0;
  for (char *line = strtok(plan, "\n"); line; line = strtok(NULL, "\n")) {
    if (strncmp(line, "SCAN ", 5) != 0 && strncmp(line, "SEARCH ", 7) != 0) continue;
    /* A constant IN list appears as "SCAN CONSTANT ROW"-like lines on some versions; those are no
     * table walk. */
    if (strstr(line, "CONSTANT ROW") || strstr(line, "LIST SUBQUERY")) continue;
    touched++;
    if (!strstr(line, "USING INDEX") && !strstr(line, "USING COVERING INDEX") && !strstr(line, "PRIMARY KEY"))
      fail_msg("%s: plan line '%s' walks the table without an index", what, line);
  }
  if (!touched) fail_msg("%s: no table access in the plan", what);
}

static void check_all_plans(struct sf_store *s) {
  const char *one[] = {"SPY"};
  const char *two[] = {"SPY", "QQQ"};
  for (int t = 0; t < SF_REC__COUNT; t++) {
    for (int order = 0; order < 2; order++) {
      struct sf_store_query q;
      char what[160];
      sf_store_query_init(&q, (enum sf_record_type)t, (enum sf_store_order)order);
      snprintf(what, sizeof what, "%s %s recent", sf_record_type_name(q.type), order ? "replay" : "history");
      check_plan(s, SF_SQLITE_QUERY, &q, what);
      q.has_cursor = true;
      q.cursor = (struct sf_store_cursor){1736899200000, 5};
      snprintf(what, sizeof what, "%s %s cursor", sf_record_type_name(q.type), order ? "replay" : "history");
      check_plan(s, SF_SQLITE_QUERY, &q, what);
      q.from_ts = 1736899200000;
      q.to_ts = 1736899300000;
      snprintf(what, sizeof what, "%s %s cursor+range", sf_record_type_name(q.type),
               order ? "replay" : "history");
      check_plan(s, SF_SQLITE_QUERY, &q, what);
    }
    struct sf_store_query q;
    sf_store_query_init(&q, (enum sf_record_type)t, SF_STORE_NEWEST_FIRST);
    check_plan(s, SF_SQLITE_GET, &q, "get by id");
    check_plan(s, SF_SQLITE_COUNT, &q, "count");
  }
  struct sf_store_query q;
  check_plan(s, SF_SQLITE_BY_TRACE, &q, "prints by trace");
  check_plan(s, SF_SQLITE_STATS, &q, "stats per profile");

  /* Options filters, alone and together, both orders, with and without a cursor. */
  for (int order = 0; order < 2; order++) {
    for (int cur = 0; cur < 2; cur++) {
      for (int f = 0; f < 8; f++) {
        sf_store_query_init(&q, SF_REC_OPTION_PRINT, (enum sf_store_order)order);
        q.has_cursor = cur;
        q.cursor = (struct sf_store_cursor){1736899200000, 5};
        if (f == 0 || f == 7) q.sides = (1u << SF_SIDE_AA) | (1u << SF_SIDE_A);
        if (f == 1 || f == 7) q.option_type = SF_OPT_CALL;
        if (f == 2 || f == 7) q.min_notional = 100000;
        if (f == 3 || f == 7) {
          q.underlying_ids = one;
          q.underlying_id_count = 1;
        }
        if (f == 4) {
          q.underlying_ids = two;
          q.underlying_id_count = 2;
        }
        if (f == 5 || f == 7) q.option_contract_id = "SPY-2025-01-17-450-C";
        if (f == 6) {
          q.from_ts = 1736899200000;
          q.to_ts = 1736899300000;
        }
        check_plan(s, SF_SQLITE_QUERY, &q, "option filters");
      }
      for (int f = 0; f < 9; f++) {
        sf_store_query_init(&q, SF_REC_SMART_MONEY, (enum sf_store_order)order);
        q.has_cursor = cur;
        q.cursor = (struct sf_store_cursor){1736899200000, 5};
        if (f == 0 || f == 8) q.profile = SF_PROFILE_VOL_SELLER;
        if (f == 1 || f == 8) {
          q.underlying_ids = one;
          q.underlying_id_count = 1;
        }
        if (f == 2) {
          q.underlying_ids = two;
          q.underlying_id_count = 2;
        }
        if (f == 3 || f == 8) q.direction = SF_DIR_BULLISH;
        if (f == 4 || f == 8) q.abstained = 0;
        if (f == 5 || f == 8) q.min_premium = 50000;
        if (f == 6 || f == 8) q.band = SF_BAND_HIGH;
        if (f == 7 || f == 8) {
          q.from_ts = 1736899200000;
          q.to_ts = 1736899300000;
        }
        check_plan(s, SF_SQLITE_QUERY, &q, "smart-money filters");
      }
      for (int t = SF_REC_OPTION_NBBO; t <= SF_REC_EQUITY_PRINT; t++) {
        sf_store_query_init(&q, (enum sf_record_type)t, (enum sf_store_order)order);
        q.has_cursor = cur;
        if (t == SF_REC_OPTION_NBBO) {
          q.option_contract_id = "SPY-2025-01-17-450-C";
        } else {
          q.underlying_ids = one;
          q.underlying_id_count = 1;
        }
        check_plan(s, SF_SQLITE_QUERY, &q, "market filters");
      }
    }
  }
}

static void test_plans_empty(void **state) {
  (void)state;
  char url[700];
  snprintf(url, sizeof url, "sqlite:%s/empty.db", dir);
  struct sf_store *s = NULL;
  assert_int_equal(sf_store_open(url, &s), 0);
  check_all_plans(s);
  sf_store_close(s);
}

static void test_plans_populated(void **state) {
  (void)state;
  char url[700];
  snprintf(url, sizeof url, "sqlite:%s/full.db", dir);
  struct sf_store *s = NULL;
  assert_int_equal(sf_store_open(url, &s), 0);
  enum { N = 400 };
  for (int t = 0; t < SF_REC__COUNT; t++) {
    struct sf_record *recs = calloc(N, sizeof *recs);
    const struct sf_record **p = calloc(N, sizeof *p);
    for (int i = 0; i < N; i++) {
      fx_record(&recs[i], (enum sf_record_type)t, "plan", i, 1736899200000 + i, 0, i);
      p[i] = &recs[i];
    }
    assert_int_equal(sf_store_write(s, p, N), 0);
    for (int i = 0; i < N; i++) sf_record_fini(&recs[i]);
    free(recs);
    free(p);
  }
  assert_int_equal(sqlite3_exec(sf_store_sqlite_db(s), "ANALYZE", NULL, NULL, NULL), SQLITE_OK);
  sf_store_close(s);
  assert_int_equal(sf_store_open(url, &s), 0); /* a fresh handle reads the statistics */
  check_all_plans(s);
  sf_store_close(s);
}

/* The plan checker itself must be able to fail: a query on an unindexed column is a bare SCAN. */
static void test_checker_catches_scan(void **state) {
  (void)state;
  char url[700];
  snprintf(url, sizeof url, "sqlite:%s/scan.db", dir);
  struct sf_store *s = NULL;
  assert_int_equal(sf_store_open(url, &s), 0);
  sqlite3_stmt *st = NULL;
  assert_int_equal(
      sqlite3_prepare_v2(sf_store_sqlite_db(s),
                         "EXPLAIN QUERY PLAN SELECT price FROM option_prints WHERE exchange = 'CBOE'", -1,
                         &st, NULL),
      SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  check_str((const char *)sqlite3_column_text(st, 3), "SCAN option_prints");
  sqlite3_finalize(st);
  sf_store_close(s);
}

static void test_schema_version(void **state) {
  (void)state;
  char url[700];
  snprintf(url, sizeof url, "sqlite:%s/version.db", dir);
  struct sf_store *s = NULL;
  assert_int_equal(sf_store_open(url, &s), 0);
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_prepare_v2(sf_store_sqlite_db(s),
                                      "SELECT max(version), count(*) FROM schema_version", -1, &st, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  check_i64(sqlite3_column_int(st, 0), sf_sqlite_schema_latest());
  check_i64(sqlite3_column_int(st, 1), sf_sqlite_schema_latest());
  sqlite3_finalize(st);
  assert_int_equal(sqlite3_prepare_v2(sf_store_sqlite_db(s), "PRAGMA journal_mode", -1, &st, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  check_str((const char *)sqlite3_column_text(st, 0), "wal");
  sqlite3_finalize(st);
  assert_int_equal(sqlite3_prepare_v2(sf_store_sqlite_db(s), "PRAGMA synchronous", -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  check_i64(sqlite3_column_int(st, 0), 2); /* FULL */
  sqlite3_finalize(st);
  /* A database from a newer build is refused, not downgraded. */
  assert_int_equal(sqlite3_exec(sf_store_sqlite_db(s), "INSERT INTO schema_version(version) VALUES (999)",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sf_store_close(s);
  assert_int_equal(sf_store_open(url, &s), SF_EVERSION);
  /* Reopening an up-to-date database applies nothing and keeps its rows. */
  snprintf(url, sizeof url, "sqlite:%s/reopen.db", dir);
  assert_int_equal(sf_store_open(url, &s), 0);
  struct sf_record r;
  fx_smart_money(&r, "ro", 1, 1736899200000, 1);
  const struct sf_record *p = &r;
  assert_int_equal(sf_store_write(s, &p, 1), 0);
  sf_record_fini(&r);
  sf_store_close(s);
  assert_int_equal(sf_store_open(url, &s), 0);
  int64_t n = 0;
  assert_int_equal(sf_store_count(s, SF_REC_SMART_MONEY, &n), 0);
  check_i64(n, 1);
  sf_store_close(s);
}

static int64_t pragma_int(struct sf_store *s, const char *sql) {
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_prepare_v2(sf_store_sqlite_db(s), sql, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* A database created with 4 KiB pages before the store first opens it (an existing database
 * keeps its own page size), opened as a store. */
static struct sf_store *open_4k(const char *path) {
  char url[720];
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "PRAGMA page_size=4096; CREATE TABLE keep(x)", NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
  snprintf(url, sizeof url, "sqlite:%s", path);
  struct sf_store *s = NULL;
  assert_int_equal(sf_store_open(url, &s), 0);
  check_i64(pragma_int(s, "PRAGMA page_size"), 4096);
  return s;
}

/* Write-path settings: 32 KiB pages on a new database (an existing one keeps its own), the WAL
 * checkpoint threshold, and a row whose text cannot be encoded (invalid UTF-8) failing its whole
 * batch with a message naming the record, nothing stored. */
static void test_write_settings(void **state) {
  (void)state;
  char url[720], path[700];
  snprintf(path, sizeof path, "%s/old4k.db", dir);
  struct sf_store *s = open_4k(path);
  sf_store_close(s);

  snprintf(url, sizeof url, "sqlite:%s/pages.db", dir);
  assert_int_equal(sf_store_open(url, &s), 0);
  check_i64(pragma_int(s, "PRAGMA page_size"), 32768);
  /* SQLite's automatic checkpoint is off: the store's checkpointer thread replaces it. */
  check_i64(pragma_int(s, "PRAGMA wal_autocheckpoint"), 0);
  check_i64(pragma_int(s, "PRAGMA synchronous"), 2);
  struct sf_record r[2];
  fx_smart_money(&r[0], "u8", 1, 1736899200000, 1);
  fx_smart_money(&r[1], "u8", 2, 1736899200001, 2);
  strcpy(r[1].u.smart_money.features.structure_type, "bad\xff");
  const struct sf_record *p[2] = {&r[0], &r[1]};
  assert_int_equal(sf_store_write(s, p, 2), SF_EFIELD);
  assert_non_null(strstr(sf_store_errmsg(s), "record 1"));
  assert_non_null(strstr(sf_store_errmsg(s), "column features_json"));
  assert_non_null(strstr(sf_store_errmsg(s), "u8-t2"));
  assert_non_null(strstr(sf_store_errmsg(s), "UTF-8"));
  int64_t n = -1;
  assert_int_equal(sf_store_count(s, SF_REC_SMART_MONEY, &n), 0);
  check_i64(n, 0);
  assert_int_equal(sf_store_write(s, p, 1), 0);
  assert_int_equal(sf_store_count(s, SF_REC_SMART_MONEY, &n), 0);
  check_i64(n, 1);
  sf_record_fini(&r[0]);
  sf_record_fini(&r[1]);
  sf_store_close(s);

  /* ?synchronous=normal: SQLite's NORMAL (1); an unknown option is refused. */
  snprintf(url, sizeof url, "sqlite:%s/pages.db?synchronous=normal", dir);
  assert_int_equal(sf_store_open(url, &s), 0);
  check_i64(pragma_int(s, "PRAGMA synchronous"), 1);
  sf_store_close(s);
  snprintf(url, sizeof url, "sqlite:%s/pages.db?synchronous=off", dir);
  assert_int_equal(sf_store_open(url, &s), SF_EINVAL);
  assert_null(s);
}

/* Checkpoints run on the store's checkpointer thread, which the writer wakes once the WAL holds
 * about 2,000 pages (CKPT_PAGES); the writer checkpoints itself only at 4,000 (CKPT_WRITER_PAGES),
 * which bounds the WAL however far behind the thread falls. A database with 4 KiB pages keeps the
 * volume small: 24,000 events write well over 4,000 WAL frames. Checked without timing: the
 * thread completes checkpoints (waited for, since it runs at its own pace), and the WAL file
 * (which a restart reuses, never shrinks) stays within the writer's bound plus what one batch
 * adds before the writer's check. */
static long thread_checkpoints(struct sf_store *s, long at_least) {
  long by_thread = 0, by_writer = 0;
  for (int i = 0; i < 3000; i++) { /* up to 30 s on a loaded machine */
    assert_int_equal(sf_store_sqlite_checkpoints(s, &by_thread, &by_writer), 0);
    if (by_thread >= at_least) break;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  return by_thread;
}

static void test_background_checkpoint(void **state) {
  (void)state;
  char path[700], wal[720];
  snprintf(path, sizeof path, "%s/ckpt4k.db", dir);
  snprintf(wal, sizeof wal, "%s-wal", path);
  struct sf_store *s = open_4k(path);
  enum { BATCH = 1000, BATCHES = 24 };
  struct sf_record *r = calloc(BATCH, sizeof *r);
  const struct sf_record **p = calloc(BATCH, sizeof *p);
  assert_non_null(r);
  assert_non_null(p);
  int64_t max_batch_frames = 0, before = 0;
  struct stat st;
  for (int b = 0; b < BATCHES; b++) {
    for (int i = 0; i < BATCH; i++) {
      int64_t k = (int64_t)b * BATCH + i;
      fx_smart_money(&r[i], "ck", k, 1736899200000 + k, k);
      p[i] = &r[i];
    }
    assert_int_equal(sf_store_write(s, p, BATCH), 0);
    for (int i = 0; i < BATCH; i++) sf_record_fini(&r[i]);
    /* Frames one batch appends (measured while the WAL only grows, before the first restart). */
    int64_t now = stat(wal, &st) == 0 ? (int64_t)st.st_size / (4096 + 24) : 0;
    if (now > before && now - before > max_batch_frames && now < 1900) max_batch_frames = now - before;
    before = now;
  }
  int64_t n = -1;
  assert_int_equal(sf_store_count(s, SF_REC_SMART_MONEY, &n), 0);
  check_i64(n, BATCHES * BATCH);
  /* More than CKPT_WRITER_PAGES pages of data went through the WAL... */
  int64_t pages = pragma_int(s, "PRAGMA page_count");
  if (pages <= 4000) fail_msg("the database has %lld pages; the test needs more than 4000", (long long)pages);
  /* ...the checkpointer thread ran... */
  long by_thread = thread_checkpoints(s, 1);
  if (by_thread < 1) fail_msg("the checkpointer thread completed no checkpoint in 30 s");
  /* ...and the WAL never outgrew the writer's bound. */
  assert_true(max_batch_frames > 0);
  assert_int_equal(stat(wal, &st), 0);
  int64_t wal_frames = (int64_t)st.st_size / (4096 + 24);
  if (wal_frames > 4000 + max_batch_frames)
    fail_msg("the WAL grew to %lld frames (bound %lld)", (long long)wal_frames,
             (long long)(4000 + max_batch_frames));
  if (wal_frames < 1000)
    fail_msg("the WAL holds %lld frames: checkpointed too early?", (long long)wal_frames);
  sf_store_close(s);
  free(r);
  free(p);
}

int main(void) {
  snprintf(dir, sizeof dir, "%s/sf_plan_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(dir)) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plans_empty),          cmocka_unit_test(test_plans_populated),
      cmocka_unit_test(test_checker_catches_scan), cmocka_unit_test(test_schema_version),
      cmocka_unit_test(test_write_settings),       cmocka_unit_test(test_background_checkpoint),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  return rc;
}
