/* Enrichment: every NBBO side (AA, A, MID, B, BB, MISSING, STALE), crossed, locked, zero-bid and
 * one-sided quotes, the tick test and the depth rule, spot, IV source, notional, and the quote
 * in force at or before the print (never a later one). Expected values are worked by hand from
 * the rules in src/engine/enrich.c. */
#include "harness.h"
#include "engine_fixtures.h"
#include "smartflow/condition.h"
#include "smartflow/err.h"

#define C560 "SPY-2025-04-17-600-C" /* 7% OTM, 30 days: $1.10 is about 13% vol */

static struct sf_engine *mk(struct fx_sink *s) {
  struct sf_engine *e = fx_engine_new(s, NULL);
  assert_non_null(e);
  return e;
}

/* Quote 1.00 x 1.10 (spread 0.10, tol = max(0.005, 0.005) = 0.005). */
static void test_sides(void **state) {
  (void)state;
  struct fx_sink *s = fx_sink_new();
  struct sf_engine *e = mk(s);
  int64_t t = fx_t(10, 0, 0, 0);
  FX_PUSH(e, fx_equity(t, "SPY", 559.9, 560.1));
  FX_PUSH(e, fx_nbbo(t, C560, 1.00, 1.10, 20, 30));
  const double px[] = {1.12, 1.10, 1.096, 1.05, 1.004, 1.00, 0.98};
  const int side[] = {SF_SIDE_AA, SF_SIDE_A, SF_SIDE_A, SF_SIDE_MID, SF_SIDE_B, SF_SIDE_B, SF_SIDE_BB};
  for (int i = 0; i < 7; i++) {
    char id[16];
    snprintf(id, sizeof id, "p%d", i);
    FX_PUSH(e, fx_print(t + (i + 1) * SF_NS_PER_MS, C560, px[i], 10, "CBOE", SF_COND_FILL, id));
  }
  assert_int_equal(s->n_prints, 7);
  for (int i = 0; i < 7; i++) {
    const struct sf_option_print *p = &s->prints[i];
    check_i64(p->nbbo_side, side[i]);
    assert_true(p->enriched);
  }
  const struct sf_option_print *a = &s->prints[1];
  check_i64(a->aggressor, 1);
  check_i64(a->aggressor_rule, SF_AGG_RULE_QUOTE);
  check_near(a->notional, 1.10 * 10 * 100, 1e-9);
  check_near(a->nbbo_mid, 1.05, 1e-12);
  check_near(a->nbbo_spread, 0.10, 1e-12);
  check_near(a->nbbo_age_ms, 2.0, 1e-9);
  check_near(a->und_spot, 560.0, 1e-9);
  check_near(a->und_spread, 0.2, 1e-9);
  check_str(a->underlying_id, "SPY");
  check_i64(a->option_type, SF_OPT_CALL);
  check_i64(a->is_etf, 1);
  check_str(a->iv_source, "trade");
  assert_true(a->iv > 0.01 && a->iv < 1.0);
  assert_true(a->delta > 0 && a->delta < 0.5); /* OTM-ish call, 30 days, $1.10 on 560 */
  assert_true(a->gamma > 0 && a->vega > 0);
  /* B at the bid is seller-initiated by the quote rule. */
  check_i64(s->prints[5].aggressor, -1);
  /* MID 1.05 after 1.096: a down-tick, signed -1 by the tick test. */
  check_i64(s->prints[3].aggressor, -1);
  check_i64(s->prints[3].aggressor_rule, SF_AGG_RULE_TICK);
  sf_engine_free(e);
  fx_sink_free(s);
}

static void test_stale_missing_crossed_locked(void **state) {
  (void)state;
  struct fx_sink *s = fx_sink_new();
  struct sf_engine *e = mk(s);
  int64_t t = fx_t(10, 0, 0, 0);
  /* No quote at all: MISSING, no aggressor (no prior trade). */
  FX_PUSH(e, fx_print(t, "SPY-2025-04-17-561-C", 1.0, 1, "CBOE", 0, "m1"));
  check_i64(s->prints[0].nbbo_side, SF_SIDE_MISSING);
  check_i64(s->prints[0].aggressor, 0);
  check_i64(s->prints[0].aggressor_rule, SF_AGG_RULE_NONE);
  check_null(s->prints[0].nbbo_bid);
  check_null(s->prints[0].und_spot);
  check_null(s->prints[0].iv);
  assert_true(s->prints[0].iv_source[0] == '\0');
  /* A quote 1500 ms old is STALE (limit 1000 ms). */
  FX_PUSH(e, fx_nbbo(t, C560, 1.00, 1.10, 10, 10));
  FX_PUSH(e, fx_print(t + 1500 * SF_NS_PER_MS, C560, 1.10, 1, "CBOE", 0, "s1"));
  check_i64(s->prints[1].nbbo_side, SF_SIDE_STALE);
  check_near(s->prints[1].nbbo_age_ms, 1500, 1e-9);
  check_near(s->prints[1].nbbo_bid, 1.00, 0);
  /* Crossed: stored, counted, never used: MISSING. */
  int64_t t2 = t + 2000 * SF_NS_PER_MS;
  FX_PUSH(e, fx_nbbo(t2, C560, 1.20, 1.10, 10, 10));
  FX_PUSH(e, fx_print(t2 + SF_NS_PER_MS, C560, 1.15, 1, "CBOE", 0, "x1"));
  check_i64(s->prints[2].nbbo_side, SF_SIDE_MISSING);
  struct sf_engine_stats st;
  sf_engine_get_stats(e, &st);
  check_i64(st.crossed_quotes, 1);
  check_i64(st.rejected, 0);
  /* Locked 1.00 x 1.00: a print at 1.00 is MID; at 1.01 (> 1.005) AA. */
  FX_PUSH(e, fx_nbbo(t2 + 2 * SF_NS_PER_MS, C560, 1.00, 1.00, 10, 10));
  FX_PUSH(e, fx_print(t2 + 3 * SF_NS_PER_MS, C560, 1.00, 1, "CBOE", 0, "l1"));
  FX_PUSH(e, fx_print(t2 + 4 * SF_NS_PER_MS, C560, 1.01, 1, "CBOE", 0, "l2"));
  check_i64(s->prints[3].nbbo_side, SF_SIDE_MID);
  check_i64(s->prints[4].nbbo_side, SF_SIDE_AA);
  /* Zero bid is a valid market: 0.05 at a 0 x 0.05 quote is A. */
  FX_PUSH(e, fx_nbbo(t2 + 5 * SF_NS_PER_MS, "SPY-2025-04-17-700-C", 0.0, 0.05, 0, 100));
  FX_PUSH(e, fx_print(t2 + 6 * SF_NS_PER_MS, "SPY-2025-04-17-700-C", 0.05, 5, "ISE", 0, "z1"));
  check_i64(s->prints[5].nbbo_side, SF_SIDE_A);
  /* One-sided (no offer): at the bid B, above it MISSING. */
  FX_PUSH(e, fx_nbbo(t2 + 7 * SF_NS_PER_MS, "SPY-2025-04-17-400-P", 0.50, SF_NULL, 10, SF_NULL));
  FX_PUSH(e, fx_print(t2 + 8 * SF_NS_PER_MS, "SPY-2025-04-17-400-P", 0.50, 5, "ISE", 0, "o1"));
  FX_PUSH(e, fx_print(t2 + 9 * SF_NS_PER_MS, "SPY-2025-04-17-400-P", 0.60, 5, "ISE", 0, "o2"));
  check_i64(s->prints[6].nbbo_side, SF_SIDE_B);
  check_i64(s->prints[7].nbbo_side, SF_SIDE_MISSING);
  /* o2 is MISSING but the tick test (0.60 > 0.50) signs it a buy. */
  check_i64(s->prints[7].aggressor, 1);
  check_i64(s->prints[7].aggressor_rule, SF_AGG_RULE_TICK);
  sf_engine_free(e);
  fx_sink_free(s);
}

static void test_depth_rule_and_no_future_quote(void **state) {
  (void)state;
  struct fx_sink *s = fx_sink_new();
  struct sf_engine *e = mk(s);
  int64_t t = fx_t(11, 0, 0, 0);
  /* A MID print with no earlier trade: depth rule, ask size 50 > bid size 10 -> buy. */
  FX_PUSH(e, fx_nbbo(t, C560, 1.00, 1.10, 10, 50));
  FX_PUSH(e, fx_print(t + SF_NS_PER_MS, C560, 1.05, 7, "CBOE", 0, "d1"));
  check_i64(s->prints[0].nbbo_side, SF_SIDE_MID);
  check_i64(s->prints[0].aggressor, 1);
  check_i64(s->prints[0].aggressor_rule, SF_AGG_RULE_DEPTH);
  /* Trade-size rule: size equal to the bid size only -> sell (on a fresh contract). */
  FX_PUSH(e, fx_nbbo(t + 2 * SF_NS_PER_MS, "SPY-2025-04-17-555-C", 2.00, 2.20, 12, 50));
  FX_PUSH(e, fx_print(t + 3 * SF_NS_PER_MS, "SPY-2025-04-17-555-C", 2.10, 12, "CBOE", 0, "d2"));
  check_i64(s->prints[1].aggressor, -1);
  check_i64(s->prints[1].aggressor_rule, SF_AGG_RULE_DEPTH);
  /* A quote stamped after a late print is not used for it: the print at t+4ms arrives after a
   * quote at t+10ms and must see the t+2ms quote (2.00 x 2.20): 2.20 -> A. */
  FX_PUSH(e, fx_nbbo(t + 10 * SF_NS_PER_MS, "SPY-2025-04-17-555-C", 3.00, 3.20, 1, 1));
  FX_PUSH(e, fx_print(t + 4 * SF_NS_PER_MS, "SPY-2025-04-17-555-C", 2.20, 1, "CBOE", 0, "d3"));
  check_i64(s->prints[2].nbbo_side, SF_SIDE_A);
  check_near(s->prints[2].nbbo_ask, 2.20, 0);
  sf_engine_free(e);
  fx_sink_free(s);
}

/* The quote ring keeps the latest four quotes of a contract in time order. In-order quotes
 * append (over the oldest once full); a late quote goes to its place, dropping the oldest; a
 * quote older than all four kept is ignored. A print sees the latest quote at or before it:
 * its bid (1.00 + k / 100 for the quote at t + k ms) says which. */
static void test_quote_ring(void **state) {
  (void)state;
  struct fx_sink *s = fx_sink_new();
  struct sf_engine *e = mk(s);
  int64_t t = fx_t(11, 0, 0, 0), ms = SF_NS_PER_MS;
  for (int k = 1; k <= 5; k++) FX_PUSH(e, fx_nbbo(t + k * ms, C560, 1.00 + k / 100.0, 1.50, 10, 10));
  /* kept: 2, 3, 4, 5; a late quote at 3.5 ms drops 2; one at 1 ms is older than all kept */
  FX_PUSH(e, fx_nbbo(t + 7 * ms / 2, C560, 1.035, 1.50, 10, 10));
  FX_PUSH(e, fx_nbbo(t + 1 * ms, C560, 1.01, 1.50, 10, 10));
  FX_PUSH(e, fx_print(t + 37 * ms / 10, C560, 1.20, 1, "CBOE", 0, "r1"));
  FX_PUSH(e, fx_print(t + 6 * ms, C560, 1.20, 1, "CBOE", 0, "r2"));
  FX_PUSH(e, fx_print(t + 32 * ms / 10, C560, 1.20, 1, "CBOE", 0, "r3"));
  FX_PUSH(e, fx_print(t + 25 * ms / 10, C560, 1.20, 1, "CBOE", 0, "r4"));
  check_near(s->prints[0].nbbo_bid, 1.035, 0);
  check_near(s->prints[1].nbbo_bid, 1.05, 0);
  check_near(s->prints[2].nbbo_bid, 1.03, 0);
  check_i64(s->prints[3].nbbo_side, SF_SIDE_MISSING); /* the 1 and 2 ms quotes are gone */
  /* Equal stamps: the one pushed last is in force. */
  FX_PUSH(e, fx_nbbo(t + 8 * ms, C560, 1.08, 1.50, 10, 10));
  FX_PUSH(e, fx_nbbo(t + 8 * ms, C560, 1.09, 1.50, 10, 10));
  FX_PUSH(e, fx_print(t + 9 * ms, C560, 1.20, 1, "CBOE", 0, "r5"));
  check_near(s->prints[4].nbbo_bid, 1.09, 0);
  sf_engine_free(e);
  fx_sink_free(s);
}

static void test_rejects(void **state) {
  (void)state;
  struct fx_sink *s = fx_sink_new();
  struct sf_engine *e = mk(s);
  int64_t t = fx_t(12, 0, 0, 0);
  struct sf_record r = fx_print(t, "NOT A CONTRACT", 1.0, 1, "CBOE", 0, "r1");
  check_i64(sf_engine_push(e, &r), SF_EFIELD);
  assert_non_null(strstr(sf_engine_errmsg(e), "option_contract_id"));
  sf_record_fini(&r);
  r = fx_print(t, C560, -1.0, 1, "CBOE", 0, "r2");
  check_i64(sf_engine_push(e, &r), SF_EFIELD);
  assert_non_null(strstr(sf_engine_errmsg(e), "price"));
  sf_record_fini(&r);
  r = fx_print(t, C560, NAN, 1, "CBOE", 0, "r2b");
  check_i64(sf_engine_push(e, &r), SF_EFIELD);
  sf_record_fini(&r);
  FX_PUSH(e, fx_print(t, C560, 1.0, 1, "CBOE", 0, "r3"));
  r = fx_print(t, C560, 1.0, 1, "CBOE", 0, "r3");
  check_i64(sf_engine_push(e, &r), SF_EDUP);
  sf_record_fini(&r);
  /* 1.5 s behind the watermark (limit 1 s). */
  FX_PUSH(e, fx_print(t + 3 * SF_NS_PER_S, C560, 1.0, 1, "CBOE", 0, "r4"));
  r = fx_print(t + 1500 * SF_NS_PER_MS, C560, 1.0, 1, "CBOE", 0, "r5");
  check_i64(sf_engine_push(e, &r), SF_EORDER);
  sf_record_fini(&r);
  struct sf_record h;
  sf_record_init(&h, SF_REC_ALERT);
  check_i64(sf_engine_push(e, &h), SF_ETYPE);
  sf_record_fini(&h);
  struct sf_engine_stats st;
  sf_engine_get_stats(e, &st);
  check_i64(st.rejected, 6);
  check_i64(st.rejected_contract, 1);
  check_i64(st.rejected_value, 2);
  check_i64(st.rejected_dup, 1);
  check_i64(st.rejected_order, 1);
  check_i64(st.enriched_prints, 2);
  sf_engine_free(e);
  fx_sink_free(s);
}

/* Records that carry a contract key take the engine's fast paths (after the key's first
 * record); without one, every record takes the checked paths. Both must give the same results,
 * rejects, counters and derived records: in-order and late quotes, NaN, -0, infinite and
 * negative values, a crossed quote, a late print, a duplicate, records too old to accept, and
 * quotes that arrive when timers are due. */
#define C590 "SPY-2025-04-17-590-C"
static size_t keyed_input(struct sf_record *r, bool keyed) {
  int64_t t = fx_t(13, 0, 0, 0), ms = SF_NS_PER_MS;
  size_t n = 0;
  r[n++] = fx_equity(t, "SPY", 559.9, 560.1);
  r[n++] = fx_nbbo(t + 1 * ms, C560, 1.00, 1.10, 20, 30);
  r[n++] = fx_nbbo(t + 2 * ms, C560, 1.01, 1.11, 20, 30);
  r[n++] = fx_print(t + 3 * ms, C560, 1.11, 10, "CBOE", 0, "k1");
  r[n++] = fx_nbbo(t + 3 * ms, C590, 3.00, 3.20, 5, 5);
  r[n++] = fx_nbbo(t + 5 * ms, C560, 1.02, 1.12, NAN, NAN);
  r[n++] = fx_nbbo(t + 4 * ms, C560, 1.015, 1.115, 20, 30); /* late: before the 5 ms quote */
  r[n++] = fx_print(t + 9 * ms / 2, C560, 1.115, 10, "CBOE", 0, "k2");
  r[n++] = fx_nbbo(t + 6 * ms, C560, -0.0, 0.05, 1, 1);
  r[n++] = fx_nbbo(t + 7 * ms, C560, 1.20, INFINITY, 1, 1); /* rejected */
  r[n++] = fx_nbbo(t + 7 * ms, C560, -1.0, 1.00, 1, 1);     /* rejected */
  r[n++] = fx_nbbo(t + 8 * ms, C560, 1.30, 1.20, 1, 1);     /* crossed */
  r[n++] = fx_print(t + 9 * ms, C560, 1.25, 10, "ISE", 0, "k3");
  r[n++] = fx_print(t + 9 * ms, C560, 1.25, 10, "ISE", 0, "k3"); /* duplicate */
  r[n++] = fx_nbbo(t + 2000 * ms, C590, 3.10, 3.30, 5, 5);       /* the clusters' timers are due */
  r[n++] = fx_print(t + 2001 * ms, C590, 3.30, 20, "CBOE", 0, "k4");
  r[n++] = fx_nbbo(t + 500 * ms, C560, 1.00, 1.10, 1, 1);             /* too old */
  r[n++] = fx_print(t + 900 * ms, C560, 1.10, 1, "CBOE", 0, "k5old"); /* too old */
  r[n++] = fx_nbbo(t + 3000 * ms, C560, 1.00, 1.10, 1, 1);
  r[n++] = fx_print(t + 3001 * ms, C560, 1.10, 1, "MIAX", 0, "k5");
  for (size_t i = 0; keyed && i < n; i++) {
    if (r[i].type == SF_REC_OPTION_NBBO)
      r[i].u.option_nbbo.contract_key = strcmp(r[i].u.option_nbbo.option_contract_id, C560) ? 2 : 1;
    if (r[i].type == SF_REC_OPTION_PRINT)
      r[i].u.option_print.contract_key = strcmp(r[i].u.option_print.option_contract_id, C560) ? 2 : 1;
  }
  return n;
}

static void test_keyed_same_as_unkeyed(void **state) {
  (void)state;
  struct fx_sink *s[2];
  struct sf_engine *e[2];
  int rc[2][32];
  char msg[2][32][256];
  size_t n = 0;
  for (int k = 0; k < 2; k++) {
    s[k] = fx_sink_new();
    e[k] = mk(s[k]);
    struct sf_record r[32];
    n = keyed_input(r, k == 1);
    for (size_t i = 0; i < n; i++) {
      rc[k][i] = sf_engine_push(e[k], &r[i]);
      snprintf(msg[k][i], sizeof msg[k][i], "%s", sf_engine_errmsg(e[k]));
      sf_record_fini(&r[i]);
    }
    sf_engine_flush(e[k]);
  }
  for (size_t i = 0; i < n; i++) {
    check_i64(rc[1][i], rc[0][i]);
    check_str(msg[1][i], msg[0][i]);
  }
  check_i64(s[1]->n_prints, s[0]->n_prints);
  for (size_t i = 0; i < s[0]->n_prints; i++) {
    struct sf_record a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.type = b.type = SF_REC_OPTION_PRINT;
    a.u.option_print = s[0]->prints[i];
    b.u.option_print = s[1]->prints[i];
    char *la = sf_record_to_line(&a), *lb = sf_record_to_line(&b);
    assert_non_null(la);
    assert_non_null(lb);
    check_str(lb, la);
    free(la);
    free(lb);
  }
  assert_true(s[0]->text_len > 0); /* the prints made events */
  check_i64(s[1]->text_len, s[0]->text_len);
  check_str(s[1]->text, s[0]->text);
  struct sf_engine_stats st[2];
  for (int k = 0; k < 2; k++) sf_engine_get_stats(e[k], &st[k]);
  assert_memory_equal(&st[0], &st[1], sizeof st[0]);

  /* What the input was built to show (worked from the rules in enrich.c). */
  check_i64(s[1]->n_prints, 5);                    /* k1 .. k5; the duplicate and the old print rejected */
  check_i64(s[1]->prints[0].nbbo_side, SF_SIDE_A); /* 1.11 at the 1.01 x 1.11 ask */
  check_near(s[1]->prints[1].nbbo_bid, 1.015, 0);  /* the late quote is in force at 4.5 ms */
  check_i64(s[1]->prints[2].nbbo_side, SF_SIDE_MISSING); /* crossed */
  check_near(s[1]->prints[3].nbbo_bid, 3.10, 0);         /* k4: the quote pushed while timers were due */
  check_i64(s[1]->prints[3].nbbo_side, SF_SIDE_A);
  check_near(s[1]->prints[4].nbbo_bid, 1.00, 0);
  check_i64(st[1].crossed_quotes, 1);
  check_i64(st[1].rejected, 5);
  check_i64(st[1].rejected_value, 2);
  check_i64(st[1].rejected_dup, 1);
  check_i64(st[1].rejected_order, 2);
  for (int k = 0; k < 2; k++) {
    sf_engine_free(e[k]);
    fx_sink_free(s[k]);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sides),
      cmocka_unit_test(test_stale_missing_crossed_locked),
      cmocka_unit_test(test_depth_rule_and_no_future_quote),
      cmocka_unit_test(test_quote_ring),
      cmocka_unit_test(test_rejects),
      cmocka_unit_test(test_keyed_same_as_unkeyed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
