/* Open interest in the engine (issue 8): the configured oi_lookup gives features.vol_oi_ratio =
 * the event's contracts in a leg / that contract's open interest on the event's New York date,
 * the highest ratio over the legs of a multi-leg event, null without a lookup or when the figure
 * is unknown; the lookup is asked once per contract and date; a ratio of at least 1 (with the
 * default ramp 0.5..1.5) cites volume_exceeds_oi. Expected ratios are worked out by hand:
 * 100 + 50 contracts against an OI of 120 is 1.25; legs of 100 against 1000 and 40 give
 * max(0.1, 2.5) = 2.5. */
#include "harness.h"
#include "engine_fixtures.h"
#include "engine/internal.h"
#include "smartflow/condition.h"
#include "smartflow/err.h"
#include "smartflow/rules.h"

#define MS SF_NS_PER_MS

struct oi_stub {
  int calls;
  int y, m, d; /* date of the last call */
};

static int stub_lookup(void *ctx, const char *cid, int y, int m, int d, int64_t *oi) {
  struct oi_stub *st = ctx;
  st->calls++;
  st->y = y;
  st->m = m;
  st->d = d;
  if (strcmp(cid, "AAPL-2025-05-16-230-C") == 0)
    *oi = 120;
  else if (strcmp(cid, "TSLA-2025-04-17-250-C") == 0)
    *oi = 1000;
  else if (strcmp(cid, "TSLA-2025-04-17-260-C") == 0)
    *oi = 40;
  else
    return SF_ENOTFOUND;
  return 0;
}

static struct sf_engine *mk(struct fx_sink *s, struct oi_stub *st) {
  struct sf_engine_config cfg;
  sf_engine_config_default(&cfg);
  if (st) {
    cfg.oi_lookup = stub_lookup;
    cfg.oi_ctx = st;
  }
  struct sf_engine *e = fx_engine_new(s, &cfg);
  assert_non_null(e);
  return e;
}

static bool has_reason(const struct sf_smart_money_event *ev, const char *r) {
  for (int p = 0; p < SF_PROFILE_COUNT; p++)
    for (size_t i = 0; i < ev->scores[p].reasons.n; i++)
      if (strcmp(ev->scores[p].reasons.v[i], r) == 0) return true;
  return false;
}

/* A 150-lot sweep at the ask on AAPL 230 C at 10:00 ET, and (second) the same order an hour
 * later. */
static void push_sweep(struct sf_engine *e, int64_t t, const char *tag) {
  const char *c = "AAPL-2025-05-16-230-C";
  char id[16];
  FX_PUSH(e, fx_equity(t, "AAPL", 219.99, 220.01));
  FX_PUSH(e, fx_nbbo(t, c, 3.00, 3.10, 50, 50));
  snprintf(id, sizeof id, "%s1", tag);
  FX_PUSH(e, fx_print(t + 1 * MS, c, 3.10, 100, "CBOE", SF_COND_ISO, id));
  snprintf(id, sizeof id, "%s2", tag);
  FX_PUSH(e, fx_print(t + 2 * MS, c, 3.10, 50, "ISE", SF_COND_ISO, id));
}

static void test_single_leg_ratio_and_reason(void **state) {
  (void)state;
  struct fx_sink *s = fx_sink_new();
  struct oi_stub st = {0};
  struct sf_engine *e = mk(s, &st);
  push_sweep(e, fx_t(10, 0, 0, 0), "a");
  push_sweep(e, fx_t(11, 0, 0, 0), "b");
  sf_engine_flush(e);
  check_i64(s->n_events, 2);
  for (size_t i = 0; i < 2; i++) {
    const struct sf_smart_money_event *ev = &s->events[i].u.smart_money;
    check_near(ev->features.total_size, 150, 0);
    check_near(ev->features.vol_oi_ratio, 1.25, 1e-15); /* 150 / 120 */
    assert_true(has_reason(ev, "volume_exceeds_oi"));
  }
  check_i64(st.calls, 1); /* one contract, one day */
  check_i64(st.y * 10000 + st.m * 100 + st.d, 20250318);
  sf_engine_free(e);
  fx_sink_free(s);
}

static void test_unknown_is_null(void **state) {
  (void)state;
  struct fx_sink *s = fx_sink_new();
  struct oi_stub st = {0};
  struct sf_engine *e = mk(s, &st);
  const char *c = "NVDA-2025-04-17-120-C"; /* the stub does not know it */
  int64_t t = fx_t(10, 0, 0, 0);
  FX_PUSH(e, fx_equity(t, "NVDA", 119.99, 120.01));
  FX_PUSH(e, fx_nbbo(t, c, 3.00, 3.10, 50, 50));
  FX_PUSH(e, fx_print(t + 1 * MS, c, 3.10, 500, "CBOE", 0, "n1"));
  FX_PUSH(e, fx_print(t + 90000 * MS, c, 3.10, 500, "CBOE", 0, "n2")); /* a second event */
  sf_engine_flush(e);
  check_i64(s->n_events, 2);
  for (size_t i = 0; i < 2; i++) {
    check_null(s->events[i].u.smart_money.features.vol_oi_ratio);
    assert_false(has_reason(&s->events[i].u.smart_money, "volume_exceeds_oi"));
  }
  check_i64(st.calls, 1); /* unknown is remembered for the day too */
  sf_engine_free(e);
  fx_sink_free(s);

  /* No lookup configured: null as well. */
  s = fx_sink_new();
  e = mk(s, NULL);
  push_sweep(e, fx_t(10, 0, 0, 0), "c");
  sf_engine_flush(e);
  check_i64(s->n_events, 1);
  check_null(s->events[0].u.smart_money.features.vol_oi_ratio);
  sf_engine_free(e);
  fx_sink_free(s);
}

static void test_multi_leg_highest(void **state) {
  (void)state;
  struct fx_sink *s = fx_sink_new();
  struct oi_stub st = {0};
  struct sf_engine *e = mk(s, &st);
  int64_t t = fx_t(13, 0, 0, 0);
  const char *lo = "TSLA-2025-04-17-250-C", *hi = "TSLA-2025-04-17-260-C";
  FX_PUSH(e, fx_equity(t, "TSLA", 249.95, 250.05));
  FX_PUSH(e, fx_nbbo(t, lo, 10.00, 10.20, 50, 50));
  FX_PUSH(e, fx_nbbo(t, hi, 6.00, 6.20, 50, 50));
  FX_PUSH(e, fx_print(t + 1 * MS, lo, 10.10, 100, "CBOE", SF_COND_COMPLEX, "v1"));
  FX_PUSH(e, fx_print(t + 1 * MS, hi, 6.10, 100, "CBOE", SF_COND_COMPLEX, "v2"));
  sf_engine_flush(e);
  check_i64(s->n_events, 1);
  const struct sf_smart_money_event *ev = &s->events[0].u.smart_money;
  check_near(ev->features.contract_count, 2, 0);
  check_near(ev->features.vol_oi_ratio, 2.5, 1e-15); /* max(100 / 1000, 100 / 40) */
  check_i64(st.calls, 2);
  sf_engine_free(e);
  fx_sink_free(s);
}

/* The term itself: 0 below half the open interest, reason_min at exactly the open interest. */
static void test_term_ramp(void **state) {
  (void)state;
  struct sf_rules_config rc;
  sf_rules_config_default(&rc);
  struct sf_features f;
  sf_features_init_null(&f);
  struct sf_evidence ev;
  memset(&ev, 0, sizeof ev);
  ev.structure = SF_STRUCT_NONE;
  double t[SF_TERM_COUNT];
  sf_rules_terms(&rc, &f, &ev, t);
  check_near(t[SF_TERM_VOLUME_EXCEEDS_OI], 0, 0); /* null ratio: no evidence */
  f.vol_oi_ratio = 0.4;
  sf_rules_terms(&rc, &f, &ev, t);
  check_near(t[SF_TERM_VOLUME_EXCEEDS_OI], 0, 0);
  f.vol_oi_ratio = 1.0;
  sf_rules_terms(&rc, &f, &ev, t);
  check_near(t[SF_TERM_VOLUME_EXCEEDS_OI], 0.5, 1e-15); /* (1 - 0.5) / (1.5 - 0.5) */
  assert_false(t[SF_TERM_VOLUME_EXCEEDS_OI] < rc.reason_min);
  f.vol_oi_ratio = 3.0;
  sf_rules_terms(&rc, &f, &ev, t);
  check_near(t[SF_TERM_VOLUME_EXCEEDS_OI], 1, 0);
  check_str(sf_rule_term_name(SF_TERM_VOLUME_EXCEEDS_OI), "volume_exceeds_oi");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_single_leg_ratio_and_reason),
      cmocka_unit_test(test_unknown_is_null),
      cmocka_unit_test(test_multi_leg_highest),
      cmocka_unit_test(test_term_ramp),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
