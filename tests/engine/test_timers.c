/* The timer queue (struct sf_heap: a timer wheel and a binary heap): whatever mix of in-order
 * and out-of-order arming, near, far and late deadlines, pops come out in the one (deadline,
 * kind, seq) order, next_ns is always the earliest deadline, and pop_before stops at the bound.
 * The reference is a plain array searched for its minimum. */
#include "harness.h"
#include "engine/internal.h"

static uint64_t rng(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static bool ref_less(const struct sf_timer *a, const struct sf_timer *b) {
  if (a->deadline_ns != b->deadline_ns) return a->deadline_ns < b->deadline_ns;
  return a->seq < b->seq;
}

/* Index of the earliest timer of the reference array (n > 0). */
static size_t ref_min(const struct sf_timer *v, size_t n) {
  size_t m = 0;
  for (size_t i = 1; i < n; i++)
    if (ref_less(&v[i], &v[m])) m = i;
  return m;
}

static void test_order_matches_reference(void **state) {
  (void)state;
  struct sf_heap h;
  sf_heap_init(&h);
  check_i64(h.next_ns, INT64_MAX);
  enum { N = 20000 };
  struct sf_timer *ref = malloc(N * sizeof *ref);
  assert_non_null(ref);
  size_t n = 0;
  uint64_t s = 12345, seq = 0;
  int64_t clock = 1000;
  size_t popped = 0, to_heap = 0, to_wheel = 0;
  /* Time steps of 0, 1 ns or a few tenths of a wheel bucket, so that deadlines are often equal,
   * a bucket holds several timers and the wheel turns a few times. */
  const int64_t tick = ((int64_t)1 << SF_TWHEEL_SHIFT) / 10;
  for (int step = 0; step < N; step++) {
    if (n < N && rng(&s) % 3 != 0) {
      uint8_t kind = (uint8_t)(rng(&s) % 3);
      /* mostly near and after the clock, now and then earlier (before the latest timer
       * popped: the heap) or far later (beyond the wheel: the heap), equal deadlines often */
      int64_t d = clock + (int64_t)(rng(&s) % 4) * tick;
      if (rng(&s) % 5 == 0) d -= (int64_t)(rng(&s) % 50) * tick;
      if (rng(&s) % 60 == 0) d += (int64_t)SF_TWHEEL * 2 * tick * 10;
      uint64_t st = rng(&s) % 3;
      clock += st == 2 ? tick * (1 + (int64_t)(rng(&s) % 24)) : (int64_t)st;
      struct sf_timer t = {d, kind, (uint32_t)step, (uint64_t)kind << SF_TIMER_KIND_SHIFT | ++seq};
      size_t before = h.n, wbefore = h.wn;
      assert_int_equal(sf_heap_push(&h, &t), 0);
      to_heap += h.n - before;
      to_wheel += h.wn - wbefore;
      ref[n++] = t;
    } else if (n) {
      size_t m = ref_min(ref, n);
      struct sf_timer got;
      /* a bound at the earliest deadline pops nothing; one past it pops exactly that timer */
      assert_int_equal(sf_heap_pop_before(&h, ref[m].deadline_ns, &got), 0);
      assert_int_equal(sf_heap_pop_before(&h, ref[m].deadline_ns + 1, &got), 1);
      check_i64(got.deadline_ns, ref[m].deadline_ns);
      assert_true(got.seq == ref[m].seq);
      assert_int_equal(got.idx, ref[m].idx);
      ref[m] = ref[--n];
      popped++;
    }
    check_i64((int64_t)sf_heap_count(&h), (int64_t)n);
    check_i64(h.next_ns, n ? ref[ref_min(ref, n)].deadline_ns : INT64_MAX);
  }
  while (n) {
    size_t m = ref_min(ref, n);
    struct sf_timer got;
    assert_int_equal(sf_heap_pop(&h, &got), 1);
    assert_true(got.seq == ref[m].seq);
    ref[m] = ref[--n];
  }
  struct sf_timer none;
  assert_int_equal(sf_heap_pop(&h, &none), 0);
  assert_null(sf_heap_top(&h));
  check_i64(h.next_ns, INT64_MAX);
  assert_true(clock > 2 * SF_TWHEEL * 10 * tick); /* the wheel turned */
  /* both places were used */
  assert_true(popped > 1000);
  assert_true(to_heap > 100);
  assert_true(to_wheel > 1000);
  sf_heap_fini(&h);
  free(ref);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_order_matches_reference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
