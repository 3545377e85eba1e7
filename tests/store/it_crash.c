/* Crash safety of acknowledgements. A child process writes smart-money events through the store
 * writer as fast as it can and prints "ACK <seq>" on a pipe after each committed batch. The parent
 * waits until the child has acknowledged a good number of batches, kills it with SIGKILL in the
 * middle of the stream, reopens the database (which must pass PRAGMA integrity_check) and checks
 * that every acknowledged record is present: with one producer pushing increasing seqs, ACK n means
 * seqs 0..n are committed. Repeated a few times to hit different moments of a batch, with the
 * default synchronous=full and with synchronous=normal. */
#include <signal.h>
#include <sqlite3.h>
#include <sys/types.h>
#include <unistd.h>

#include "harness.h"
#include "smartflow/err.h"
#include "smartflow/store.h"
#include "smartflow/store_writer.h"
#include "store/store_fixtures.h"

static char dir[512];

static void ack(void *ctx, int64_t max_seq, size_t count) {
  (void)count;
  int fd = *(int *)ctx;
  char line[64];
  int n = snprintf(line, sizeof line, "ACK %lld\n", (long long)max_seq);
  if (write(fd, line, (size_t)n) != n) _exit(3);
}

static void child(const char *url, int fd) {
  struct sf_store *s = NULL;
  if (sf_store_open(url, &s)) _exit(2);
  struct sf_store_writer_opts o;
  sf_store_writer_opts_init(&o);
  o.batch_max = 500;
  o.batch_ms = 5;
  o.push_timeout_ms = 60000;
  o.on_commit = ack;
  o.ctx = &fd;
  struct sf_store_writer *w = NULL;
  if (sf_store_writer_start(s, &o, &w)) _exit(2);
  for (int64_t i = 0;; i++) {
    struct sf_record r;
    fx_smart_money(&r, "crash", i, 1736899200000 + i / 4, i);
    int rc = sf_store_writer_push(w, &r);
    sf_record_fini(&r);
    if (rc) _exit(4);
  }
}

static void run_once(int round, int64_t kill_after, const char *options) {
  char url[800], path[700];
  snprintf(path, sizeof path, "%s/crash%d.db", dir, round);
  snprintf(url, sizeof url, "sqlite:%s%s", path, options);
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    child(url, fds[1]);
    _exit(0);
  }
  close(fds[1]);
  FILE *in = fdopen(fds[0], "r");
  assert_non_null(in);
  char line[128];
  int64_t acked = -1;
  while (fgets(line, sizeof line, in)) {
    long long v;
    if (sscanf(line, "ACK %lld", &v) == 1) acked = v;
    if (acked >= kill_after) break;
  }
  assert_int_equal(kill(pid, SIGKILL), 0);
  /* Acknowledgements already in the pipe count too: they were printed after their commit. */
  while (fgets(line, sizeof line, in)) {
    long long v;
    if (sscanf(line, "ACK %lld", &v) == 1 && v > acked) acked = v;
  }
  fclose(in);
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  if (acked < kill_after) fail_msg("child stopped after ACK %lld", (long long)acked);

  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  check_str((const char *)sqlite3_column_text(st, 0), "ok");
  sqlite3_finalize(st);
  assert_int_equal(
      sqlite3_prepare_v2(db, "SELECT count(*), coalesce(max(seq), -1) FROM smart_money_events WHERE seq <= ?",
                         -1, &st, NULL),
      SQLITE_OK);
  sqlite3_bind_int64(st, 1, acked);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  check_i64(sqlite3_column_int64(st, 0), acked + 1); /* seqs 0..acked, each once */
  check_i64(sqlite3_column_int64(st, 1), acked);
  sqlite3_finalize(st);
  sqlite3_close(db);
  /* The store opens it again and reads the last acknowledged event back. */
  struct sf_store *s = NULL;
  assert_int_equal(sf_store_open(url, &s), 0);
  char id[64];
  snprintf(id, sizeof id, "crash-ev%lld", (long long)acked);
  struct sf_record r;
  assert_int_equal(sf_store_get(s, SF_REC_SMART_MONEY, id, &r), 0);
  check_i64(r.u.smart_money.meta.seq, acked);
  sf_record_fini(&r);
  sf_store_close(s);
  printf("round %d%s: killed after ACK %lld, all acknowledged records present\n", round, options,
         (long long)acked);
}

static void test_kill_mid_stream(void **state) {
  (void)state;
  const int64_t after[] = {1500, 4000, 9000};
  for (int k = 0; k < 3; k++) run_once(k, after[k], "");
}

/* synchronous=normal does not fsync at COMMIT, but a committed batch is in the OS page cache:
 * killing the process loses nothing acknowledged (a power loss could; docs/store.md). */
static void test_kill_mid_stream_synchronous_normal(void **state) {
  (void)state;
  const int64_t after[] = {2500, 7000};
  for (int k = 0; k < 2; k++) run_once(10 + k, after[k], "?synchronous=normal");
}

int main(void) {
  snprintf(dir, sizeof dir, "%s/sf_crash_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(dir)) return 1;
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_kill_mid_stream),
                                     cmocka_unit_test(test_kill_mid_stream_synchronous_normal)};
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  return rc;
}
