/* sf_strvec: strings share one block and v[i] points into it. Growth moves the block and
 * re-points every view; clear keeps the storage (a refill of the same size allocates nothing);
 * a string of the vector pushed again survives a growth; copy, sort and contains are exact. */
#include "harness.h"
#include "smartflow/strvec.h"

static void test_push_grow_repoint(void **state) {
  (void)state;
  struct sf_strvec sv = {0};
  char buf[32];
  for (int i = 0; i < 300; i++) { /* several block and slot growths */
    snprintf(buf, sizeof buf, "id-%03d", i);
    assert_int_equal(sf_strvec_push(&sv, buf), 0);
  }
  check_i64((int64_t)sv.n, 300);
  check_str(sv.v[0], "id-000");
  check_str(sv.v[137], "id-137");
  check_str(sv.v[299], "id-299");
  for (size_t i = 0; i < sv.n; i++) /* every view lies inside the block */
    assert_true(sv.v[i] >= sv.buf && sv.v[i] + strlen(sv.v[i]) < sv.buf + sv.len);
  check_i64((int64_t)sv.len, 300 * 7);
  assert_int_equal(sf_strvec_pushn(&sv, "abcdef", 3), 0);
  check_str(sv.v[300], "abc");
  sf_strvec_fini(&sv);
  assert_null(sv.v);
  assert_null(sv.buf);
  check_i64((int64_t)sv.n, 0);
}

static void test_clear_keeps_storage(void **state) {
  (void)state;
  struct sf_strvec sv = {0};
  for (int i = 0; i < 20; i++) assert_int_equal(sf_strvec_push(&sv, "trace-identifier"), 0);
  char **v = sv.v;
  char *b = sv.buf;
  size_t cap = sv.cap, bcap = sv.buf_cap;
  sf_strvec_clear(&sv);
  check_i64((int64_t)sv.n, 0);
  assert_false(sf_strvec_contains(&sv, "trace-identifier"));
  for (int i = 0; i < 20; i++) assert_int_equal(sf_strvec_push(&sv, "trace-identifier"), 0);
  assert_ptr_equal(sv.v, v);
  assert_ptr_equal(sv.buf, b);
  check_i64((int64_t)sv.cap, (int64_t)cap);
  check_i64((int64_t)sv.buf_cap, (int64_t)bcap);
  sf_strvec_fini(&sv);
}

static void test_self_push(void **state) {
  (void)state;
  struct sf_strvec sv = {0};
  assert_int_equal(sf_strvec_push(&sv, "first-string-of-the-vector"), 0);
  /* Each push may grow (and move) the block the pushed string lives in. */
  for (int i = 0; i < 40; i++) assert_int_equal(sf_strvec_push(&sv, sv.v[i]), 0);
  check_i64((int64_t)sv.n, 41);
  for (size_t i = 0; i < sv.n; i++) check_str(sv.v[i], "first-string-of-the-vector");
  sf_strvec_fini(&sv);
}

static void test_copy_sort_contains(void **state) {
  (void)state;
  struct sf_strvec a = {0}, b = {0};
  const char *in[] = {"t10", "t2", "t1", "", "t100"};
  for (size_t i = 0; i < 5; i++) assert_int_equal(sf_strvec_push(&a, in[i]), 0);
  assert_int_equal(sf_strvec_push(&b, "old contents"), 0);
  assert_int_equal(sf_strvec_copy(&b, &a), 0);
  check_i64((int64_t)b.n, 5);
  for (size_t i = 0; i < 5; i++) {
    check_str(b.v[i], in[i]);
    assert_true(b.v[i] != a.v[i]); /* a copy, not shared storage */
  }
  assert_false(sf_strvec_contains(&b, "old contents"));
  sf_strvec_sort(&b);
  const char *sorted[] = {"", "t1", "t10", "t100", "t2"}; /* strcmp order */
  for (size_t i = 0; i < 5; i++) check_str(b.v[i], sorted[i]);
  assert_true(sf_strvec_contains(&b, "t100"));
  assert_true(sf_strvec_contains(&b, ""));
  assert_false(sf_strvec_contains(&b, "t3"));
  /* Pushing after a sort appends after the sorted views. */
  assert_int_equal(sf_strvec_push(&b, "t0"), 0);
  check_str(b.v[5], "t0");
  check_str(b.v[1], "t1");
  /* Copy of an empty vector empties the target. */
  struct sf_strvec empty = {0};
  assert_int_equal(sf_strvec_copy(&b, &empty), 0);
  check_i64((int64_t)b.n, 0);
  sf_strvec_fini(&a);
  sf_strvec_fini(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_push_grow_repoint),
      cmocka_unit_test(test_clear_keeps_storage),
      cmocka_unit_test(test_self_push),
      cmocka_unit_test(test_copy_sort_contains),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
