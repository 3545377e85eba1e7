/* The five guards of PROFILES.md and abstention, on hand-built evidence through the pure scoring
 * function (sf_rules_score with the default rules, no calibration). Each guard has a case where
 * it fires (its reason code appears and the suppressed profile's raw score is the unguarded one
 * times guard_factor) and a neighbouring case where it does not. The base case is a clean
 * institutional order: $600k bought at the ask as an ISO sweep, 45 DTE, 1% out of the money. */
#include "harness.h"
#include "engine/internal.h"
#include "smartflow/rules.h"

struct sample {
  struct sf_features f;
  struct sf_evidence ev;
};

static void base(struct sample *s) {
  sf_features_init_null(&s->f);
  memset(&s->ev, 0, sizeof s->ev);
  struct sf_features *f = &s->f;
  f->print_count = 4;
  f->total_size = 1000;
  f->total_premium = 600000;
  f->dte_days = 45;
  f->atm_proximity = 0.01;
  f->aggressor_buy_ratio = 1;
  f->aggressor_sell_ratio = 0;
  f->aggressor_ratio = 1;
  f->nbbo_coverage_ratio = 1;
  f->nbbo_inside_ratio = 0;
  f->net_directional_bias = 0.5;
  f->avg_fill_size = 250;
  f->special_print_ratio = 0;
  f->complex_ratio = 0;
  f->underlying_move_bps = 2;
  s->ev.spot = 100;
  s->ev.rel_spread_mean = 0.02;
  s->ev.sweep_share = 1;
  s->ev.aggressive_share = 1;
  s->ev.buy = 1000;
  s->ev.total = 1000;
  s->ev.otm = 0.01;
  s->ev.abs_delta = 0.45;
  s->ev.dte_min = 45;
  s->ev.structure = SF_STRUCT_NONE;
  s->ev.fill_rate = NAN; /* as the engine leaves it for a sweep printed in one instant */
}

static void score(const struct sample *s, struct sf_scored *out) {
  struct sf_rules_config rc;
  sf_rules_config_default(&rc);
  sf_rules_score(&rc, NULL, &s->f, &s->ev, out);
}

static double guard_factor(void) {
  struct sf_rules_config rc;
  sf_rules_config_default(&rc);
  return rc.guard_factor;
}

/* The raw score a profile would have without guards: the logistic of bias + weights x terms. */
static double unguarded(const struct sf_scored *sc, int profile) {
  struct sf_rules_config rc;
  sf_rules_config_default(&rc);
  double z = rc.bias[profile];
  for (int t = 0; t < SF_TERM_COUNT; t++) z += rc.weight[profile][t] * sc->terms[t];
  return 1 / (1 + exp(-z));
}

static void test_clean_institutional(void **state) {
  (void)state;
  struct sample s;
  base(&s);
  struct sf_scored sc;
  score(&s, &sc);
  check_i64(sc.guards, 0);
  assert_false(sc.abstained);
  check_i64(sc.order[0], SF_PROFILE_INSTITUTIONAL_DIRECTIONAL);
  check_i64(sc.dir[SF_PROFILE_INSTITUTIONAL_DIRECTIONAL], SF_DIR_BULLISH);
  check_near(sc.raw[SF_PROFILE_INSTITUTIONAL_DIRECTIONAL],
             unguarded(&sc, SF_PROFILE_INSTITUTIONAL_DIRECTIONAL), 1e-12);
}

static void test_stale_quotes(void **state) {
  (void)state;
  struct sample s;
  base(&s);
  struct sf_scored sc;
  s.f.nbbo_coverage_ratio = 0.5; /* at stale_coverage_min: not stale */
  score(&s, &sc);
  assert_false(sc.guards & SF_GUARD_STALE);
  s.f.nbbo_coverage_ratio = 0.4;
  score(&s, &sc);
  assert_true(sc.guards & SF_GUARD_STALE);
  check_near(sc.raw[SF_PROFILE_INSTITUTIONAL_DIRECTIONAL],
             unguarded(&sc, SF_PROFILE_INSTITUTIONAL_DIRECTIONAL) * guard_factor(), 1e-12);
  check_i64(sc.dir[SF_PROFILE_INSTITUTIONAL_DIRECTIONAL], SF_DIR_UNKNOWN); /* no directional call */
  assert_false(sc.abstain & 2u);
  /* Nothing signable: unusable quotes, abstain. */
  s.f.nbbo_coverage_ratio = 0.1;
  score(&s, &sc);
  assert_true(sc.abstained);
  assert_true(sc.abstain & 2u);
}

static void test_special_prints(void **state) {
  (void)state;
  struct sample s;
  base(&s);
  struct sf_scored sc;
  s.f.special_print_ratio = 0.4;
  score(&s, &sc);
  assert_false(sc.guards & SF_GUARD_SPECIAL);
  s.f.special_print_ratio = 1; /* a closing rotation print */
  score(&s, &sc);
  assert_true(sc.guards & SF_GUARD_SPECIAL);
  check_near(sc.raw[SF_PROFILE_INSTITUTIONAL_DIRECTIONAL],
             unguarded(&sc, SF_PROFILE_INSTITUTIONAL_DIRECTIONAL) * guard_factor(), 1e-12);
  assert_true(sc.abstained); /* special size alone is no call at all */
}

static void test_retail_frenzy(void **state) {
  (void)state;
  struct sample s;
  base(&s);
  struct sf_scored sc;
  /* 60 fills of 5 lots in two minutes: small lots and a burst. */
  s.f.print_count = 60;
  s.f.window_ms = 120000;
  s.ev.fill_rate = 59.0 / 2;
  s.f.total_size = 300;
  s.f.avg_fill_size = 5;
  s.f.total_premium = 30000;
  s.f.dte_days = 3;
  s.ev.dte_min = 3;
  s.ev.sweep_share = 0;
  s.ev.otm = 0.03;
  s.ev.abs_delta = 0.25;
  s.ev.buy = 300;
  s.ev.total = 300;
  score(&s, &sc);
  assert_true(sc.guards & SF_GUARD_FRENZY);
  check_near(sc.raw[SF_PROFILE_INSTITUTIONAL_DIRECTIONAL],
             unguarded(&sc, SF_PROFILE_INSTITUTIONAL_DIRECTIONAL) * guard_factor(), 1e-12);
  assert_false(sc.abstained);
  check_i64(sc.order[0], SF_PROFILE_RETAIL_WHALE);
  /* Four fills of 75 lots: not a frenzy. */
  s.f.print_count = 4;
  s.f.avg_fill_size = 75;
  score(&s, &sc);
  assert_false(sc.guards & SF_GUARD_FRENZY);
}

/* Issue 4: background lots trickling in. Terms worked by hand from the default ramps (fill
 * 10..20 contracts, window 1..4 s, 4..5 fills, 4..6 fills a minute). */
static void test_background_trickle(void **state) {
  (void)state;
  struct sample s;
  base(&s);
  struct sf_rules_config rc;
  sf_rules_config_default(&rc);
  double t[SF_TERM_COUNT];
  s.f.window_ms = 0.004 * 1000; /* the base sweep: 250-lot fills within 4 ms */
  sf_rules_terms(&rc, &s.f, &s.ev, t);
  check_near(t[SF_TERM_TRICKLE], 0, 1e-12);
  check_near(t[SF_TERM_SPARSE], 0, 1e-12);
  check_near(t[SF_TERM_SLOW_FILLS], 0, 1e-12); /* fill rate unknown: no evidence */
  /* Three 8-lot fills over 9 s: a full trickle, sparse, and 2 fills in 0.15 min = 13.3 a
   * minute, not slow. */
  s.f.print_count = 3;
  s.f.avg_fill_size = 8;
  s.f.window_ms = 9000;
  s.ev.fill_rate = 2 / 0.15;
  sf_rules_terms(&rc, &s.f, &s.ev, t);
  check_near(t[SF_TERM_TRICKLE], 1, 1e-12);
  check_near(t[SF_TERM_SPARSE], 1, 1e-12);
  check_near(t[SF_TERM_SLOW_FILLS], 0, 1e-12);
  /* 15-lot fills over 2.5 s: half small (15 in 10..20) x half spread (2.5 in 1..4). */
  s.f.avg_fill_size = 15;
  s.f.window_ms = 2500;
  sf_rules_terms(&rc, &s.f, &s.ev, t);
  check_near(t[SF_TERM_TRICKLE], 0.25, 1e-12);
  check_near(t[SF_TERM_SPARSE], 0.5, 1e-12);
  /* Five fills is a burst's start, not sparse; 5 fills a minute is half slow. */
  s.f.print_count = 5;
  s.ev.fill_rate = 5;
  sf_rules_terms(&rc, &s.f, &s.ev, t);
  check_near(t[SF_TERM_SPARSE], 0, 1e-12);
  check_near(t[SF_TERM_SLOW_FILLS], 0.5, 1e-12);

  /* Scored: the same 24 contracts as one 4 ms sweep or as three fills over 9 s. The trickle
   * term (weight -4 for event_driven and hedge_reactive) is the only difference in their logits. */
  base(&s);
  s.f.print_count = 3;
  s.f.total_size = 24;
  s.f.avg_fill_size = 8;
  s.f.total_premium = 15400;
  s.f.dte_days = 9;
  s.f.window_ms = 4;
  struct sf_scored sweep, trickle;
  score(&s, &sweep);
  s.f.window_ms = 9000;
  score(&s, &trickle);
  check_near(sweep.terms[SF_TERM_TRICKLE], 0, 1e-12);
  check_near(trickle.terms[SF_TERM_TRICKLE], 1, 1e-12);
  static const int trickle_averse[] = {SF_PROFILE_EVENT_DRIVEN, SF_PROFILE_HEDGE_REACTIVE};
  for (size_t i = 0; i < 2; i++) {
    int p = trickle_averse[i];
    double ls = log(sweep.raw[p] / (1 - sweep.raw[p])), lt = log(trickle.raw[p] / (1 - trickle.raw[p]));
    check_near(ls - lt, 4.0, 1e-9);
  }
}

static void test_hedge_context(void **state) {
  (void)state;
  struct sample s;
  base(&s);
  struct sf_scored sc;
  /* 0DTE at the money right after a 60 bp move. */
  s.f.dte_days = 0.25;
  s.ev.dte_min = 0.25;
  s.f.atm_proximity = 0.001;
  s.ev.abs_delta = 0.5;
  s.f.underlying_move_bps = 60;
  score(&s, &sc);
  assert_true(sc.guards & SF_GUARD_HEDGE);
  check_near(sc.raw[SF_PROFILE_INSTITUTIONAL_DIRECTIONAL],
             unguarded(&sc, SF_PROFILE_INSTITUTIONAL_DIRECTIONAL) * guard_factor(), 1e-12);
  check_i64(sc.order[0], SF_PROFILE_HEDGE_REACTIVE);
  /* The same order without a move before it: no hedge context. */
  s.f.underlying_move_bps = 3;
  score(&s, &sc);
  assert_false(sc.guards & SF_GUARD_HEDGE);
  /* Nor with the move on a 30-day expiry. */
  s.f.underlying_move_bps = 60;
  s.f.dte_days = 30;
  s.ev.dte_min = 30;
  score(&s, &sc);
  assert_false(sc.guards & SF_GUARD_HEDGE);
}

static void test_arbitrage_symmetry(void **state) {
  (void)state;
  struct sample s;
  base(&s);
  struct sf_scored sc;
  /* A conversion-like pair: matched legs at mid, complex, neutral delta. */
  s.ev.structure = SF_STRUCT_STRADDLE;
  s.f.same_size_leg_symmetry = 1;
  s.f.net_directional_bias = 0.05;
  s.f.complex_ratio = 1;
  s.f.special_print_ratio = 1;
  s.f.nbbo_inside_ratio = 1;
  s.ev.aggressive_share = 0;
  s.ev.sweep_share = 0;
  s.ev.buy = 500;
  s.ev.sell = 500;
  s.f.aggressor_ratio = 0;
  s.f.aggressor_buy_ratio = 0.5;
  s.f.aggressor_sell_ratio = 0.5;
  score(&s, &sc);
  assert_true(sc.guards & SF_GUARD_ARB);
  check_near(
      sc.raw[SF_PROFILE_EVENT_DRIVEN],
      unguarded(&sc, SF_PROFILE_EVENT_DRIVEN) * guard_factor() * guard_factor(), /* special prints too */
      1e-12);
  check_i64(sc.order[0], SF_PROFILE_ARBITRAGE);
  /* The same straddle bought at the ask is a bought structure, not a matched trade. */
  s.ev.aggressive_share = 1;
  s.f.nbbo_inside_ratio = 0;
  score(&s, &sc);
  assert_false(sc.guards & SF_GUARD_ARB);
  /* Lopsided legs: no symmetry. */
  s.ev.aggressive_share = 0;
  s.f.same_size_leg_symmetry = 0.5;
  score(&s, &sc);
  assert_false(sc.guards & SF_GUARD_ARB);
}

static void test_weak_evidence(void **state) {
  (void)state;
  struct sample s;
  base(&s);
  struct sf_scored sc;
  /* Three contracts: under evidence_min_size, whatever the rest says. */
  s.f.total_size = 3;
  s.f.total_premium = 900;
  score(&s, &sc);
  assert_true(sc.abstained);
  assert_true(sc.abstain & 1u);
  struct sf_rules_config rc;
  sf_rules_config_default(&rc);
  check_near(sc.raw[SF_PROFILE_INSTITUTIONAL_DIRECTIONAL],
             unguarded(&sc, SF_PROFILE_INSTITUTIONAL_DIRECTIONAL) * rc.weak_evidence_factor, 1e-12);
  /* Enough size but no profile's evidence: a 40-lot print inside the spread, 90 DTE, far out. */
  base(&s);
  s.f.total_size = 40;
  s.f.total_premium = 8000;
  s.f.nbbo_inside_ratio = 1;
  s.ev.aggressive_share = 0;
  s.ev.sweep_share = 0;
  s.f.atm_proximity = 0.2;
  s.ev.otm = 0.2;
  s.ev.abs_delta = 0.05;
  score(&s, &sc);
  assert_true(sc.abstained);
  check_i64(sc.abstain, 1u);
  assert_true(sc.prob[sc.order[0]] < rc.abstain_below);
}

/* Reason codes of the clean institutional order, worked out from the default weights: every
 * cited term is at 1 (premium $600k is past premium_large_hi, 45 DTE inside dte_weeks, 1% from
 * the money, a 2% spread), so the order is the weights 4.0, 1.5, 1.0, 1.0 (one_sided before
 * dte_weeks: term order), 0.8, 0.5, 0.3; block (0) and volume_exceeds_oi (no open interest) are
 * not cited. The sided terms name the side hit. Appending to a vector that already holds some
 * strings skips those and stops at SF_REASON_MAX in all. */
static void test_reasons(void **state) {
  (void)state;
  struct sf_rules_config rc;
  sf_rules_config_default(&rc);
  struct sf_rules_prep pp;
  sf_rules_prepare(&rc, &pp);
  assert_true(pp.codes_unique); /* no two terms share a reason string */
  struct sample s;
  base(&s);
  struct sf_scored sc;
  score(&s, &sc);
  struct sf_strvec out = {0};
  assert_int_equal(sf_rules_reasons(&rc, &sc, &s.ev, SF_PROFILE_INSTITUTIONAL_DIRECTIONAL, &out), 0);
  const char *want[] = {"premium_large",    "aggressive_at_ask", "one_sided",   "dte_weeks",
                        "iso_sweep_at_ask", "near_money",        "tight_quotes"};
  check_i64((int64_t)out.n, 7);
  for (size_t i = 0; i < 7; i++) check_str(out.v[i], want[i]);

  sf_strvec_clear(&out);
  assert_int_equal(sf_strvec_push(&out, "one_sided"), 0);
  char junk[8];
  for (int i = 0; i < 8; i++) {
    snprintf(junk, sizeof junk, "x%d", i);
    assert_int_equal(sf_strvec_push(&out, junk), 0);
  }
  assert_int_equal(sf_rules_reasons(&rc, &sc, &s.ev, SF_PROFILE_INSTITUTIONAL_DIRECTIONAL, &out), 0);
  check_i64((int64_t)out.n, SF_REASON_MAX);
  check_str(out.v[9], "premium_large");
  check_str(out.v[10], "aggressive_at_ask");
  check_str(out.v[11], "dte_weeks");

  /* Sold at the bid: the sided codes name the bid. */
  s.ev.buy = 0;
  s.ev.sell = 1000;
  s.f.aggressor_buy_ratio = 0;
  s.f.aggressor_sell_ratio = 1;
  s.f.aggressor_ratio = -1;
  score(&s, &sc);
  sf_strvec_clear(&out);
  assert_int_equal(sf_rules_reasons(&rc, &sc, &s.ev, SF_PROFILE_INSTITUTIONAL_DIRECTIONAL, &out), 0);
  assert_true(sf_strvec_contains(&out, "aggressive_at_bid"));
  assert_true(sf_strvec_contains(&out, "iso_sweep_at_bid"));
  assert_false(sf_strvec_contains(&out, "aggressive_at_ask"));
  sf_strvec_fini(&out);
}

/* The reasons of all six scores at once (the event path) are each profile's own
 * sf_rules_reasons, in the scores' order (here the probability order); the institutional
 * list is the hand-worked one of test_reasons. */
static void test_reasons_event(void **state) {
  (void)state;
  struct sf_rules_config rc;
  sf_rules_config_default(&rc);
  struct sf_rules_prep pp;
  sf_rules_prepare(&rc, &pp);
  assert_true(pp.codes_short);
  struct sample s;
  base(&s);
  struct sf_scored sc;
  struct sf_profile_score scores[SF_PROFILE_COUNT];
  memset(scores, 0, sizeof scores);
  struct sf_strvec one = {0};
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1) { /* sold at the bid: the sided codes name the bid */
      s.ev.buy = 0;
      s.ev.sell = 1000;
      s.f.aggressor_buy_ratio = 0;
      s.f.aggressor_sell_ratio = 1;
      s.f.aggressor_ratio = -1;
    }
    score(&s, &sc);
    for (int i = 0; i < SF_PROFILE_COUNT; i++) {
      sf_strvec_clear(&scores[i].reasons);
      scores[i].profile = (uint8_t)sc.order[i];
    }
    assert_int_equal(sf_rules_reasons_event(&rc, &pp, &sc, &s.ev, scores), 0);
    size_t total = 0;
    for (int i = 0; i < SF_PROFILE_COUNT; i++) {
      sf_strvec_clear(&one);
      assert_int_equal(sf_rules_reasons(&rc, &sc, &s.ev, scores[i].profile, &one), 0);
      check_i64((int64_t)scores[i].reasons.n, (int64_t)one.n);
      for (size_t k = 0; k < one.n; k++) check_str(scores[i].reasons.v[k], one.v[k]);
      total += one.n;
      if (scores[i].profile == SF_PROFILE_INSTITUTIONAL_DIRECTIONAL) {
        check_i64((int64_t)one.n, 7);
        check_str(one.v[0], "premium_large");
        check_str(one.v[1], pass ? "aggressive_at_bid" : "aggressive_at_ask");
        check_str(one.v[4], pass ? "iso_sweep_at_bid" : "iso_sweep_at_ask");
      }
    }
    assert_true(total > 7); /* other profiles cite reasons too */
  }
  for (int i = 0; i < SF_PROFILE_COUNT; i++) sf_strvec_fini(&scores[i].reasons);
  sf_strvec_fini(&one);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_clean_institutional),
      cmocka_unit_test(test_stale_quotes),
      cmocka_unit_test(test_special_prints),
      cmocka_unit_test(test_retail_frenzy),
      cmocka_unit_test(test_hedge_context),
      cmocka_unit_test(test_arbitrage_symmetry),
      cmocka_unit_test(test_weak_evidence),
      cmocka_unit_test(test_background_trickle),
      cmocka_unit_test(test_reasons),
      cmocka_unit_test(test_reasons_event),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
