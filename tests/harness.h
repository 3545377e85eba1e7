/* The test harness: cmocka plus typed checks that print both sides, and paths to the source
 * tree, the shared data folder and the build folder (set by ctest in the environment). */
#ifndef SMARTFLOW_TEST_HARNESS_H
#define SMARTFLOW_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka must come after the headers above. */
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* Fails with both values printed unless |a - b| <= tol. */
#define check_near(a, b, tol)                                                                   \
  do {                                                                                          \
    double check_a_ = (double)(a), check_b_ = (double)(b), check_t_ = (double)(tol);            \
    if (!(fabs(check_a_ - check_b_) <= check_t_))                                               \
      fail_msg("%s = %.17g, expected %s = %.17g (tolerance %g)", #a, check_a_, #b, check_b_,    \
               check_t_);                                                                       \
  } while (0)

/* Fails unless x is NaN (a null number). */
#define check_null(x)                                                                           \
  do {                                                                                          \
    double check_x_ = (double)(x);                                                              \
    if (!isnan(check_x_)) fail_msg("%s = %.17g, expected null", #x, check_x_);                 \
  } while (0)

/* Fails with both values printed unless a == b (int64). */
#define check_i64(a, b)                                                                         \
  do {                                                                                          \
    long long check_a_ = (long long)(a), check_b_ = (long long)(b);                             \
    if (check_a_ != check_b_) fail_msg("%s = %lld, expected %s = %lld", #a, check_a_, #b, check_b_); \
  } while (0)

/* Fails with both strings printed unless equal. */
#define check_str(a, b) assert_string_equal((a), (b))

/* A path under an environment-provided directory; falls back to a path relative to the
 * working directory. Returns a static buffer (one per call site is enough for tests). */
static inline const char *sf_test_path(const char *env, const char *rel, char *buf, size_t cap) {
  const char *base = getenv(env);
  snprintf(buf, cap, "%s/%s", base ? base : ".", rel);
  return buf;
}
#define SF_SHARED_PATH(rel, buf) sf_test_path("SF_SHARED_DIR", (rel), (buf), sizeof(buf))
#define SF_SOURCE_PATH(rel, buf) sf_test_path("SF_SOURCE_DIR", (rel), (buf), sizeof(buf))
#define SF_BINARY_PATH(rel, buf) sf_test_path("SF_BINARY_DIR", (rel), (buf), sizeof(buf))

/* Reads a whole file into a malloc'd buffer (NUL-terminated); NULL on error. */
static inline char *sf_test_slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
    n += got;
    if (cap - n - 1 == 0) {
      char *nb = realloc(buf, cap * 2);
      if (!nb) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
      cap *= 2;
    }
  }
  fclose(f);
  if (buf) buf[n] = '\0';
  if (len) *len = n;
  return buf;
}

/* Runs a shell command and captures its stdout (malloc'd) and exit status. */
static inline char *sf_test_run(const char *cmd, int *status) {
  FILE *p = popen(cmd, "r");
  if (!p) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n - 1, p)) > 0) {
    n += got;
    if (cap - n - 1 == 0) {
      char *nb = realloc(buf, cap * 2);
      if (!nb) break;
      buf = nb;
      cap *= 2;
    }
  }
  int st = pclose(p);
  if (status) *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  if (buf) buf[n] = '\0';
  return buf;
}

#endif
