/* sf_strvec: strings share one block and v[i] points into it. Growth moves the block and
 * re-points every view; clear keeps the storage (a refill of the same size allocates nothing);
 * a string of the vector pushed again survives a growth; copy, sort and contains are exact;
 * push_slots (block copies from fixed slots) and append are exact too. */
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

/* push_slots copies whole 16-byte blocks out of fixed slots: strings of 0, 15, 16 and 40
 * characters (one, one, two and three blocks) land exact, the block grows on demand, the
 * spare bytes it writes past a NUL are overwritten by the next string, and a cleared vector
 * refilled to the same size allocates nothing. */
static void test_push_slots(void **state) {
  (void)state;
  static char slots[4][64]; /* NUL-padded like a record's char[SF_ID_MAX] */
  const char *in[4] = {"", "fifteen-chars-x", "sixteen-chars-xy", "a-forty-character-string-of-a-trace-id-x"};
  const char *s[4];
  uint32_t len[4];
  for (int i = 0; i < 4; i++) {
    snprintf(slots[i], sizeof slots[i], "%s", in[i]);
    s[i] = slots[i];
    len[i] = (uint32_t)strlen(in[i]);
  }
  check_i64(len[1], 15);
  check_i64(len[2], 16);
  check_i64(len[3], 40);
  struct sf_strvec sv = {0};
  assert_int_equal(sf_strvec_push_slots(&sv, s, len, 0), 0); /* nothing, nothing allocated */
  assert_null(sv.buf);
  assert_int_equal(sf_strvec_pushn(&sv, "head", 4), 0);
  for (int round = 0; round < 30; round++) assert_int_equal(sf_strvec_push_slots(&sv, s, len, 4), 0);
  check_i64((int64_t)sv.n, 1 + 30 * 4);
  check_i64((int64_t)sv.len, 5 + 30 * (1 + 16 + 17 + 41));
  check_str(sv.v[0], "head");
  for (int round = 0; round < 30; round++)
    for (int i = 0; i < 4; i++) check_str(sv.v[1 + 4 * round + i], in[i]);
  /* Mixed with single pushes, and after a clear the storage is reused. */
  assert_int_equal(sf_strvec_push(&sv, "tail"), 0);
  check_str(sv.v[121], "tail");
  check_str(sv.v[120], in[3]);
  char *b = sv.buf;
  sf_strvec_clear(&sv);
  for (int round = 0; round < 30; round++) assert_int_equal(sf_strvec_push_slots(&sv, s, len, 4), 0);
  assert_ptr_equal(sv.buf, b);
  check_str(sv.v[119], in[3]);
  sf_strvec_fini(&sv);
}

/* push_slots out of 32-byte slots (the engine's packet ids and suppressed reasons): strings of
 * 0, 15, 16 and 31 characters (one and two 16-byte blocks) land exact after a vector's own strings, the block
 * grows on demand (room for whole slots), and a cleared vector refilled to the same size allocates nothing.
 */
static void test_push_slots_short(void **state) {
  (void)state;
  static char slots[4][SF_STRVEC_SHORT]; /* NUL-padded like the engine's reason slots */
  const char *in[4] = {"", "fifteen-chars-x", "sixteen-chars-xy", "thirty-one-characters-reason-xy"};
  const char *s[4];
  uint32_t len[4];
  for (int i = 0; i < 4; i++) {
    snprintf(slots[i], sizeof slots[i], "%s", in[i]);
    s[i] = slots[i];
    len[i] = (uint32_t)strlen(in[i]);
  }
  check_i64(len[3], 31);
  struct sf_strvec sv = {0};
  assert_int_equal(sf_strvec_push_slots(&sv, s, len, 0), 0); /* nothing, nothing allocated */
  assert_null(sv.buf);
  assert_int_equal(sf_strvec_pushn(&sv, "head", 4), 0);
  for (int round = 0; round < 40; round++) assert_int_equal(sf_strvec_push_slots(&sv, s, len, 4), 0);
  check_i64((int64_t)sv.n, 1 + 40 * 4);
  check_i64((int64_t)sv.len, 5 + 40 * (1 + 16 + 17 + 32));
  check_str(sv.v[0], "head");
  for (int round = 0; round < 40; round++)
    for (int i = 0; i < 4; i++) check_str(sv.v[1 + 4 * round + i], in[i]);
  assert_int_equal(sf_strvec_push(&sv, "tail"), 0);
  check_str(sv.v[161], "tail");
  check_str(sv.v[160], in[3]);
  char *b = sv.buf;
  sf_strvec_clear(&sv);
  for (int round = 0; round < 40; round++) assert_int_equal(sf_strvec_push_slots(&sv, s, len, 4), 0);
  assert_ptr_equal(sv.buf, b);
  check_str(sv.v[159], in[3]);
  check_str(sv.v[158], in[2]);
  sf_strvec_fini(&sv);
}

/* push_picks takes strings out of a table of 48-byte slots by index, in the order picked
 * (repeats allowed), with the lengths of the table, and grows on demand. */
static void test_push_picks(void **state) {
  (void)state;
  static char table[3][48];
  const char *in[3] = {"premium_large", "", "thirty-one-characters-reason-xy"};
  uint32_t len[3];
  for (int i = 0; i < 3; i++) {
    snprintf(table[i], sizeof table[i], "%s", in[i]);
    len[i] = (uint32_t)strlen(in[i]);
  }
  const uint8_t pick[5] = {2, 0, 1, 0, 2};
  struct sf_strvec sv = {0};
  assert_int_equal(sf_strvec_push_picks(&sv, table[0], sizeof table[0], len, pick, 0), 0);
  assert_null(sv.buf);
  for (int round = 0; round < 20; round++)
    assert_int_equal(sf_strvec_push_picks(&sv, table[0], sizeof table[0], len, pick, 5), 0);
  check_i64((int64_t)sv.n, 100);
  check_i64((int64_t)sv.len, 20 * (32 + 14 + 1 + 14 + 32));
  for (int round = 0; round < 20; round++)
    for (int i = 0; i < 5; i++) check_str(sv.v[5 * round + i], in[pick[i]]);
  sf_strvec_fini(&sv);
}

/* append copies all of another vector's strings after its own, in the other's order (also
 * after a sort of it). */
static void test_append(void **state) {
  (void)state;
  struct sf_strvec a = {0}, b = {0};
  assert_int_equal(sf_strvec_push(&a, "event"), 0);
  assert_int_equal(sf_strvec_append(&a, &b), 0); /* empty: nothing */
  check_i64((int64_t)a.n, 1);
  const char *in[] = {"t3", "t1", "t22"};
  for (int i = 0; i < 3; i++) assert_int_equal(sf_strvec_push(&b, in[i]), 0);
  sf_strvec_sort(&b);
  for (int i = 0; i < 50; i++) assert_int_equal(sf_strvec_append(&a, &b), 0); /* grows */
  check_i64((int64_t)a.n, 151);
  check_str(a.v[0], "event");
  check_str(a.v[1], "t1");
  check_str(a.v[2], "t22");
  check_str(a.v[3], "t3");
  check_str(a.v[150], "t3");
  check_i64((int64_t)a.len, 6 + 50 * 10);
  for (size_t i = 0; i < a.n; i++) assert_true(a.v[i] >= a.buf && a.v[i] < a.buf + a.len);
  sf_strvec_fini(&a);
  sf_strvec_fini(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_push_grow_repoint), cmocka_unit_test(test_clear_keeps_storage),
      cmocka_unit_test(test_self_push),         cmocka_unit_test(test_copy_sort_contains),
      cmocka_unit_test(test_push_slots),        cmocka_unit_test(test_push_slots_short),
      cmocka_unit_test(test_push_picks),        cmocka_unit_test(test_append),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
