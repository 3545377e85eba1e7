/* The duplicate-print set (dedup.c): the trace-id hash reads the id a word at a time, so it must
 * ignore whatever follows the NUL and still tell apart ids that differ in any byte; the set
 * remembers an id for at least SF_DEDUP_GEN further ids and forgets it once two generations
 * have passed (its memory is fixed). */
#include "harness.h"
#include "engine/internal.h"

/* Writes "id<n>" into a SF_ID_MAX buffer whose bytes after the NUL are `fill`. */
static void mk_id(char *buf, unsigned n, char fill) {
  memset(buf, fill, SF_ID_MAX);
  int len = snprintf(buf, SF_ID_MAX, "id%u", n);
  assert_true(len > 0 && len < SF_ID_MAX);
}

static void test_hash(void **state) {
  (void)state;
  char a[SF_ID_MAX], b[SF_ID_MAX];
  /* Bytes after the NUL do not count, at every length (the NUL in each word position). */
  for (size_t len = 0; len < SF_ID_MAX; len++) {
    memset(a, 'x', sizeof a);
    memset(b, '\xff', sizeof b);
    memcpy(b, a, len);
    a[len] = b[len] = '\0';
    check_i64((int64_t)sf_dedup_hash(a), (int64_t)sf_dedup_hash(b));
    assert_true(sf_dedup_hash(a) != 0);
  }
  /* One byte changed anywhere in a 63-byte id changes the hash, and so does the length. */
  memset(a, 'q', sizeof a);
  a[SF_ID_MAX - 1] = '\0';
  uint64_t h = sf_dedup_hash(a);
  for (size_t i = 0; i < SF_ID_MAX - 1; i++) {
    memcpy(b, a, sizeof b);
    b[i] = 'r';
    assert_true(sf_dedup_hash(b) != h);
    memcpy(b, a, sizeof b);
    b[i] = '\0';
    assert_true(sf_dedup_hash(b) != h);
  }
  /* "a" and "a" followed by NUL padding vs "a\x01": distinct ids, distinct hashes. */
  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
  a[0] = b[0] = 'a';
  b[1] = '\x01';
  assert_true(sf_dedup_hash(a) != sf_dedup_hash(b));
}

static void test_generations(void **state) {
  (void)state;
  struct sf_dedup d;
  check_i64(sf_dedup_init(&d), 0);
  char id[SF_ID_MAX];
  unsigned n = 0;
  mk_id(id, n++, '\0');
  uint64_t x = sf_dedup_hash(id);
  check_i64(sf_dedup_check(&d, x), 0);
  check_i64(sf_dedup_check(&d, x), 1);
  /* The same id with other bytes after its NUL is the same id. */
  mk_id(id, 0, '#');
  check_i64(sf_dedup_check(&d, sf_dedup_hash(id)), 1);
  /* SF_DEDUP_GEN further ids (the first generation fills and rotates): x is still known. */
  for (unsigned i = 0; i < SF_DEDUP_GEN; i++) {
    mk_id(id, n++, '\0');
    check_i64(sf_dedup_check(&d, sf_dedup_hash(id)), 0);
  }
  check_i64(sf_dedup_check(&d, x), 1);
  /* Another SF_DEDUP_GEN: x's generation is dropped (x is new again), a recent id is known. */
  for (unsigned i = 0; i < SF_DEDUP_GEN; i++) {
    mk_id(id, n++, '\0');
    check_i64(sf_dedup_check(&d, sf_dedup_hash(id)), 0);
  }
  mk_id(id, n - 1, '\0');
  check_i64(sf_dedup_check(&d, sf_dedup_hash(id)), 1);
  check_i64(sf_dedup_check(&d, x), 0);
  sf_dedup_fini(&d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hash),
      cmocka_unit_test(test_generations),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
