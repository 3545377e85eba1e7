/* The store writer: everything pushed is stored once stop returns, in push order (the store's
 * rowid order follows commit order), batches respect batch_max, acknowledgements come in
 * increasing seq and only after a commit, a full queue makes push wait then fail with SF_EFULL
 * and count, records a table cannot take are rejected at push, and stop/flush are idempotent in
 * effect. Uses sqlite: temp files. */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "smartflow/err.h"
#include "smartflow/store.h"
#include "smartflow/store_writer.h"
#include "store/sqlite_store.h"
#include "store/store_fixtures.h"

static char dir[512];

static struct sf_store *fresh(const char *name) {
  char url[700];
  snprintf(url, sizeof url, "sqlite:%s/%s.db", dir, name);
  struct sf_store *s = NULL;
  assert_int_equal(sf_store_open(url, &s), 0);
  return s;
}

struct acks {
  pthread_mutex_t mu;
  int64_t last;
  size_t calls, records, max_batch;
  int out_of_order;
  struct sf_store *reader; /* checks that acknowledged rows are readable */
  int unreadable;
};

static void on_commit(void *ctx, int64_t max_seq, size_t count) {
  struct acks *a = ctx;
  pthread_mutex_lock(&a->mu);
  if (max_seq <= a->last) a->out_of_order = 1;
  a->last = max_seq;
  a->calls++;
  a->records += count;
  if (count > a->max_batch) a->max_batch = count;
  if (a->reader) {
    char id[64];
    snprintf(id, sizeof id, "w-t%lld", (long long)max_seq);
    struct sf_record r;
    if (sf_store_get(a->reader, SF_REC_OPTION_PRINT, id, &r) == 0)
      sf_record_fini(&r);
    else
      a->unreadable++;
  }
  pthread_mutex_unlock(&a->mu);
}

static void test_flush_on_stop_nothing_lost_in_order(void **state) {
  (void)state;
  struct sf_store *s = fresh("order");
  char url[700];
  snprintf(url, sizeof url, "sqlite:%s/order.db", dir);
  struct acks a = {PTHREAD_MUTEX_INITIALIZER, -1, 0, 0, 0, 0, NULL, 0};
  assert_int_equal(sf_store_open(url, &a.reader), 0);
  struct sf_store_writer_opts o;
  sf_store_writer_opts_init(&o);
  o.batch_max = 500;
  o.batch_ms = 5;
  o.queue_capacity = 2048;
  o.push_timeout_ms = 10000;
  o.on_commit = on_commit;
  o.ctx = &a;
  struct sf_store_writer *w = NULL;
  assert_int_equal(sf_store_writer_start(s, &o, &w), 0);
  const int64_t n = 20000;
  for (int64_t i = 0; i < n; i++) {
    struct sf_record r;
    fx_option_print(&r, "w", i, INT64_C(1736899200000000000) + i * 1000, i);
    int rc = sf_store_writer_push(w, &r);
    sf_record_fini(&r);
    if (rc) fail_msg("push %lld: %s", (long long)i, sf_errname(rc));
  }
  struct sf_store_writer_stats st;
  assert_int_equal(sf_store_writer_stop(w, &st), 0);
  check_i64(st.pushed, n);
  check_i64(st.written, n);
  check_i64(st.lost, 0);
  check_i64(st.dropped, 0);
  check_i64(st.queue_depth, 0);
  assert_true(st.batches >= (uint64_t)(n / 500));
  check_i64(a.records, n);
  check_i64(a.last, n - 1);
  check_i64(a.out_of_order, 0);
  check_i64(a.unreadable, 0);
  assert_true(a.max_batch <= 500);
  /* Rows were inserted in push order: rowid order equals seq order, with every seq once. */
  sqlite3_stmt *st2 = NULL;
  assert_int_equal(sqlite3_prepare_v2(sf_store_sqlite_db(s), "SELECT seq FROM option_prints ORDER BY rowid",
                                      -1, &st2, NULL),
                   SQLITE_OK);
  int64_t expect = 0;
  while (sqlite3_step(st2) == SQLITE_ROW) {
    int64_t seq = sqlite3_column_int64(st2, 0);
    if (seq != expect) fail_msg("row %lld has seq %lld", (long long)expect, (long long)seq);
    expect++;
  }
  sqlite3_finalize(st2);
  check_i64(expect, n);
  sf_store_close(a.reader);
  sf_store_close(s);
}

static void test_time_batches_and_flush(void **state) {
  (void)state;
  struct sf_store *s = fresh("timed");
  struct acks a = {PTHREAD_MUTEX_INITIALIZER, -1, 0, 0, 0, 0, NULL, 0};
  struct sf_store_writer_opts o;
  sf_store_writer_opts_init(&o);
  o.batch_max = 1000000 / 1000; /* 1000: never reached below */
  o.batch_ms = 20;
  o.on_commit = on_commit;
  o.ctx = &a;
  struct sf_store_writer *w = NULL;
  assert_int_equal(sf_store_writer_start(s, &o, &w), 0);
  struct sf_record r;
  fx_smart_money(&r, "tb", 1, 1736899200000, 1);
  assert_int_equal(sf_store_writer_push(w, &r), 0);
  sf_record_fini(&r);
  /* A partial batch is written after batch_ms without any flush (waited for up to 30 s: the
   * thread runs at its own pace on a loaded machine). */
  for (int k = 0; k < 3000; k++) {
    pthread_mutex_lock(&a.mu);
    size_t calls = a.calls;
    pthread_mutex_unlock(&a.mu);
    if (calls) break;
    usleep(10000);
  }
  check_i64(a.calls, 1);
  check_i64(a.last, 1);
  /* flush waits for what was pushed before it. */
  for (int64_t i = 2; i < 50; i++) {
    fx_smart_money(&r, "tb", i, 1736899200000 + i, i);
    assert_int_equal(sf_store_writer_push(w, &r), 0);
    sf_record_fini(&r);
  }
  assert_int_equal(sf_store_writer_flush(w), 0);
  struct sf_store_writer_stats st;
  sf_store_writer_stats(w, &st);
  check_i64(st.written, 49);
  check_i64(st.queue_depth, 0);
  check_i64(a.last, 49);
  /* A record the table cannot take is refused at push, not in a batch. */
  fx_smart_money(&r, "tb", 99, 1736899200000, 99);
  r.u.smart_money.meta.source_ts = SF_TS_NULL;
  assert_int_equal(sf_store_writer_push(w, &r), SF_EFIELD);
  sf_record_fini(&r);
  assert_int_equal(sf_store_writer_stop(w, &st), 0);
  check_i64(st.rejected, 1);
  check_i64(st.written, 49);
  sf_store_close(s);
}

/* A full queue: a commit hook that stalls the writer makes push wait, then fail and count. */
struct stall {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int entered; /* the writer thread is in the hook, its batch taken off the queue */
  int release;
};
static void stall_commit(void *ctx, int64_t max_seq, size_t count) {
  (void)max_seq;
  (void)count;
  struct stall *st = ctx;
  pthread_mutex_lock(&st->mu);
  st->entered = 1;
  pthread_cond_broadcast(&st->cv);
  while (!st->release) pthread_cond_wait(&st->cv, &st->mu);
  pthread_mutex_unlock(&st->mu);
}

/* Waits (up to 30 s, for a loaded machine) until the writer thread stalls in the hook. */
static int stall_wait_entered(struct stall *st) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 30;
  pthread_mutex_lock(&st->mu);
  while (!st->entered)
    if (pthread_cond_timedwait(&st->cv, &st->mu, &until) != 0) break;
  int entered = st->entered;
  pthread_mutex_unlock(&st->mu);
  return entered;
}

static void test_full_queue_blocks_then_fails(void **state) {
  (void)state;
  struct sf_store *s = fresh("full");
  struct stall stall = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
  struct sf_store_writer_opts o;
  sf_store_writer_opts_init(&o);
  o.queue_capacity = 4;
  o.batch_max = 1;
  o.batch_ms = 0;
  o.push_timeout_ms = 30;
  o.on_commit = stall_commit;
  o.ctx = &stall;
  struct sf_store_writer *w = NULL;
  assert_int_equal(sf_store_writer_start(s, &o, &w), 0);
  struct sf_record r;
  int full = 0;
  /* The first batch stalls in its commit hook; then 4 fit in the queue; the next ones time out. */
  for (int64_t i = 0; i < 8; i++) {
    fx_equity_print(&r, "fq", i, INT64_C(1736899200000000000) + i, i);
    int rc = sf_store_writer_push(w, &r);
    sf_record_fini(&r);
    if (rc == SF_EFULL)
      full++;
    else
      assert_int_equal(rc, 0);
    /* The thread takes record 0 and stalls in its commit hook: waited for, not slept on, so
     * that the queue holds none of record 0 however slowly the thread gets there. */
    if (i == 0 && !stall_wait_entered(&stall)) fail_msg("the writer never committed record 0 (30 s)");
  }
  check_i64(full, 3);
  struct sf_store_writer_stats st;
  sf_store_writer_stats(w, &st);
  check_i64(st.dropped, 3);
  check_i64(st.pushed, 5);
  assert_true(st.blocked >= 3);
  check_i64(st.queue_high, 4);
  pthread_mutex_lock(&stall.mu);
  stall.release = 1;
  pthread_cond_broadcast(&stall.cv);
  pthread_mutex_unlock(&stall.mu);
  assert_int_equal(sf_store_writer_stop(w, &st), 0);
  check_i64(st.written, 5);
  int64_t n = 0;
  assert_int_equal(sf_store_count(s, SF_REC_EQUITY_PRINT, &n), 0);
  check_i64(n, 5);
  sf_store_close(s);
}

/* Several producers: every record of every producer is stored exactly once. */
struct producer {
  struct sf_store_writer *w;
  int id;
  int failures;
};
static void *produce(void *arg) {
  struct producer *p = arg;
  char prefix[16];
  snprintf(prefix, sizeof prefix, "p%d", p->id);
  for (int64_t i = 0; i < 3000; i++) {
    struct sf_record r;
    fx_classifier_hit(&r, prefix, i, 1736899200000 + i, i * 4 + p->id);
    if (sf_store_writer_push(p->w, &r)) p->failures++;
    sf_record_fini(&r);
  }
  return NULL;
}

static void test_many_producers(void **state) {
  (void)state;
  struct sf_store *s = fresh("many");
  struct sf_store_writer_opts o;
  sf_store_writer_opts_init(&o);
  o.queue_capacity = 256;
  o.batch_max = 300;
  o.push_timeout_ms = 30000;
  struct sf_store_writer *w = NULL;
  assert_int_equal(sf_store_writer_start(s, &o, &w), 0);
  pthread_t th[4];
  struct producer ps[4];
  for (int k = 0; k < 4; k++) {
    ps[k] = (struct producer){w, k, 0};
    assert_int_equal(pthread_create(&th[k], NULL, produce, &ps[k]), 0);
  }
  for (int k = 0; k < 4; k++) {
    pthread_join(th[k], NULL);
    check_i64(ps[k].failures, 0);
  }
  struct sf_store_writer_stats st;
  assert_int_equal(sf_store_writer_stop(w, &st), 0);
  check_i64(st.written, 12000);
  int64_t n = 0;
  assert_int_equal(sf_store_count(s, SF_REC_CLASSIFIER_HIT, &n), 0);
  check_i64(n, 12000);
  sf_store_close(s);
}

int main(void) {
  snprintf(dir, sizeof dir, "%s/sf_writer_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(dir)) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_flush_on_stop_nothing_lost_in_order),
      cmocka_unit_test(test_time_batches_and_flush),
      cmocka_unit_test(test_full_queue_blocks_then_fails),
      cmocka_unit_test(test_many_producers),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  return rc;
}
