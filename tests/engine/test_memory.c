/* Bounded engine state: a long session whose contracts rotate (every round of prints trades ten
 * new contracts, as series expire and new strikes list) keeps its pools, timer heap and scratch
 * at the size the first rounds needed: closed clusters and stored prints are recycled, and only
 * the contract table grows, by exactly one entry per distinct contract. After a flush every
 * stored print and cluster is back on its free list and no timer is left. */
#include "harness.h"
#include "engine_fixtures.h"
#include "engine/internal.h"
#include "smartflow/condition.h"

#define MS SF_NS_PER_MS
#define PER_ROUND 10 /* contracts listed per round */
#define PRINTS 120   /* prints per round */

struct counts {
  uint64_t prints, events, hits, alerts;
};
static void on_print(void *ctx, const struct sf_option_print *p) {
  (void)p;
  ((struct counts *)ctx)->prints++;
}
static void on_event(void *ctx, const struct sf_smart_money_event *e) {
  (void)e;
  ((struct counts *)ctx)->events++;
}
static void on_hit(void *ctx, const struct sf_classifier_hit *h) {
  (void)h;
  ((struct counts *)ctx)->hits++;
}
static void on_alert(void *ctx, const struct sf_alert *a) {
  (void)a;
  ((struct counts *)ctx)->alerts++;
}

struct hwm {
  size_t prints, clusters, heap_cap, ready_cap, ids_cap;
};
static struct hwm hwm_of(const struct sf_engine *e) {
  size_t timers = e->heap.cap;
  timers += e->heap.wnode_cap;
  struct hwm h = {e->pool.n, e->pool.cn, timers, e->cap_ready, e->ids_cap};
  return h;
}

/* Rounds [from, to): each lists PER_ROUND new call strikes and trades them: sweeps over venues,
 * lone blocks and small-lot bursts, with quotes before the prints and a spot quote now and then,
 * then a quiet second so the round's clusters close. */
static void run_rounds(struct sf_engine *e, int from, int to, int64_t *t, uint64_t *trace) {
  static const char *const venues[] = {"CBOE", "ISE", "PHLX", "BOX", "MIAX"};
  for (int r = from; r < to; r++) {
    char cid[PER_ROUND][SF_CONTRACT_ID_MAX];
    for (int k = 0; k < PER_ROUND; k++)
      snprintf(cid[k], sizeof cid[k], "XYZ-2025-06-20-%d-C", 100 + r * PER_ROUND + k);
    for (int j = 0; j < PRINTS; j++) {
      const char *c = cid[(j / 6) % PER_ROUND];
      if (j % 40 == 0) FX_PUSH(e, fx_equity(*t, "XYZ", 99.99, 100.01));
      FX_PUSH(e, fx_nbbo(*t, c, 1.00, 1.10, 20, 30));
      *t += 1 * MS;
      char id[32];
      snprintf(id, sizeof id, "m%llu", (unsigned long long)(*trace)++);
      int kind = j % 6 < 3 ? 0 : (j % 6 == 3 ? 1 : 2);
      int64_t size = kind == 0 ? 40 : (kind == 1 ? 500 : 2);
      uint32_t cond = kind == 0 ? SF_COND_ISO : SF_COND_FILL;
      FX_PUSH(e, fx_print(*t, c, 1.10, size, venues[j % 5], cond, id));
      *t += (kind == 1 ? 400 : 2) * MS;
    }
    *t += 1000 * MS;
  }
}

static size_t free_prints(const struct sf_pool *pl) {
  size_t n = 0;
  for (uint32_t i = pl->free_head; i != SF_NIL; i = pl->p[i].next) n++;
  return n;
}
static size_t free_clusters(const struct sf_pool *pl) {
  size_t n = 0;
  for (uint32_t i = pl->cfree; i != SF_NIL; i = pl->c[i].next) n++;
  return n;
}

static void test_state_bounded(void **state) {
  (void)state;
  struct counts n = {0, 0, 0, 0};
  struct sf_engine_sinks k = {&n, on_print, NULL, on_event, on_hit, on_alert};
  struct sf_engine_config cfg;
  sf_engine_config_default(&cfg);
  struct sf_engine *e = NULL;
  assert_int_equal(sf_engine_new(&cfg, &k, &e), 0);
  int64_t t = fx_t(9, 45, 0, 0);
  uint64_t trace = 0;

  run_rounds(e, 0, 20, &t, &trace);
  struct hwm a = hwm_of(e);
  uint64_t events_a = n.events;
  assert_true(events_a > 0);
  assert_true(a.prints > 0 && a.clusters > 0);

  /* Twenty times the history: nothing but the contract table may grow. */
  run_rounds(e, 20, 420, &t, &trace);
  struct hwm b = hwm_of(e);
  check_i64((int64_t)b.prints, (int64_t)a.prints);
  check_i64((int64_t)b.clusters, (int64_t)a.clusters);
  check_i64((int64_t)b.heap_cap, (int64_t)a.heap_cap);
  check_i64((int64_t)b.ready_cap, (int64_t)a.ready_cap);
  check_i64((int64_t)b.ids_cap, (int64_t)a.ids_cap);
  assert_true(n.events > 20 * events_a);
  check_i64((int64_t)n.prints, 420 * PRINTS);

  struct sf_engine_stats st;
  sf_engine_get_stats(e, &st);
  check_i64((int64_t)st.rejected, 0);
  check_i64((int64_t)st.contracts_active, 420 * PER_ROUND); /* one entry per distinct contract */
  check_i64((int64_t)st.underlyings_active, 1);

  sf_engine_flush(e);
  check_i64((int64_t)free_prints(&e->pool), (int64_t)e->pool.n);
  check_i64((int64_t)free_clusters(&e->pool), (int64_t)e->pool.cn);
  check_i64((int64_t)sf_heap_count(&e->heap), 0);
  check_i64((int64_t)e->n_ready, 0);
  sf_engine_free(e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_state_bounded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
