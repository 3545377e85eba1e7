/* Clustering, structures, events and derived records through the engine: a multi-venue ISO
 * sweep is one event; a lone block closes on the timer (advance), not on the next print; the
 * gap and window limits split clusters; a COMPLEX vertical is one multi-leg event holding both
 * legs; structure classification of each type; features (premium in dollars, DTE 0.25 on a
 * 0DTE at 10:00 ET, moneyness); abstention leaves no hit and no alert; directions of bought and
 * sold calls and puts. */
#include "harness.h"
#include "engine_fixtures.h"
#include "engine/internal.h"
#include "smartflow/condition.h"
#include "smartflow/err.h"

#define MS SF_NS_PER_MS

static struct sf_engine *mk(struct fx_sink *s) {
  struct sf_engine *e = fx_engine_new(s, NULL);
  assert_non_null(e);
  return e;
}

static void test_sweep_one_event(void **state) {
  (void)state;
  struct fx_sink *s = fx_sink_new();
  struct sf_engine *e = mk(s);
  const char *c = "AAPL-2025-05-16-230-C";
  int64_t t = fx_t(10, 0, 0, 0);
  FX_PUSH(e, fx_equity(t, "AAPL", 219.99, 220.01));
  FX_PUSH(e, fx_nbbo(t, c, 3.00, 3.10, 50, 50));
  FX_PUSH(e, fx_print(t + 1 * MS, c, 3.10, 100, "CBOE", SF_COND_ISO, "s1"));
  FX_PUSH(e, fx_print(t + 2 * MS, c, 3.10, 200, "ISE", SF_COND_ISO, "s2"));
  FX_PUSH(e, fx_print(t + 3 * MS, c, 3.10, 300, "PHLX", SF_COND_ISO, "s3"));
  sf_engine_flush(e);
  assert_int_equal(s->n_events, 1);
  const struct sf_smart_money_event *ev = &s->events[0].u.smart_money;
  check_i64(ev->member_print_ids.n, 3);
  check_str(ev->member_print_ids.v[0], "s1");
  check_i64(ev->event_kind, SF_EVENT_SINGLE_LEG);
  check_i64(s->n_packets, 1);
  check_i64(ev->packet_ids.n, 1);
  assert_true(strncmp(ev->event_id, "sme_", 4) == 0 && strlen(ev->event_id) == 20);
  assert_true(strncmp(ev->packet_ids.v[0], "pkt_", 4) == 0);
  const struct sf_features *f = &ev->features;
  check_near(f->total_premium, 3.10 * 600 * 100, 1e-6); /* dollars, multiplier 100 */
  check_near(f->total_size, 600, 0);
  check_near(f->print_count, 3, 0);
  check_near(f->venue_count, 3, 0);
  check_near(f->aggressor_buy_ratio, 1, 0);
  check_near(f->aggressor_ratio, 1, 0);
  check_near(f->nbbo_coverage_ratio, 1, 0);
  check_near(f->iso_ratio, 1, 0);
  check_near(f->moneyness, 230.0 / 220.0, 1e-12);
  check_near(f->atm_proximity, 10.0 / 220.0, 1e-12);
  check_near(f->inter_fill_ms_mean, 1.0, 1e-9);
  check_near(f->window_ms, 2.0, 1e-9);
  check_null(f->same_size_leg_symmetry);
  check_str(f->option_contract_id, c);
  check_str(f->option_type, "C");
  assert_true(f->net_directional_bias > 0.99); /* calls bought */
  /* 2025-05-16 16:00 EDT minus 2025-03-18 10:00:00.001 EDT = 59.25 days. */
  check_near(f->dte_days, 59.25, 1e-6);
  /* Bought calls: bullish for the directional profiles. */
  for (int i = 0; i < SF_PROFILE_COUNT; i++) {
    const struct sf_profile_score *sc = &ev->scores[i];
    if (sc->profile == SF_PROFILE_INSTITUTIONAL_DIRECTIONAL) check_i64(sc->direction, SF_DIR_BULLISH);
    if (sc->profile == SF_PROFILE_VOL_SELLER) check_i64(sc->direction, SF_DIR_NEUTRAL);
    if (i > 0) assert_true(ev->scores[i - 1].probability >= sc->probability);
  }
  /* $186k ISO sweep at the ask, 59 DTE, 4.5% OTM: institutional_directional leads. */
  check_i64(ev->primary_profile, SF_PROFILE_INSTITUTIONAL_DIRECTIONAL);
  assert_false(ev->abstained);
  assert_true(sf_strvec_contains(&ev->scores[0].reasons, "iso_sweep_at_ask"));
  assert_true(s->n_hits >= 1);
  check_str(s->hits[0].u.classifier_hit.classifier_id, "smart_money_institutional_directional");
  check_near(s->hits[0].u.classifier_hit.confidence, ev->scores[0].probability, 0);
  check_i64(s->n_alerts, 1);
  const struct sf_alert *a = &s->alerts[0].u.alert;
  check_near(a->score, round(100 * ev->scores[0].probability), 0);
  check_str(a->evidence_refs.v[0], ev->event_id);
  check_i64(a->evidence_refs.n, 4);
  check_i64(a->primary_profile, SF_PROFILE_INSTITUTIONAL_DIRECTIONAL);
  assert_true(strncmp(a->meta.trace_id, "alert_", 6) == 0);
  sf_engine_free(e);
  fx_sink_free(s);
}

static void test_block_timer_and_gap(void **state) {
  (void)state;
  struct fx_sink *s = fx_sink_new();
  struct sf_engine *e = mk(s);
  const char *c = "SPY-2025-03-18-560-P";
  int64_t t = fx_t(10, 0, 0, 0);
  FX_PUSH(e, fx_equity(t, "SPY", 559.99, 560.01));
  FX_PUSH(e, fx_nbbo(t, c, 1.00, 1.05, 50, 50));
  FX_PUSH(e, fx_print(t, c, 1.00, 500, "CBOE", 0, "b1"));
  /* Cluster deadline t+250 ms (gap), structure wait until t+500 ms. */
  sf_engine_advance(e, t + 500 * MS);
  check_i64(s->n_events, 0);
  sf_engine_advance(e, t + 500 * MS + 1);
  check_i64(s->n_events, 1);
  const struct sf_features *f = &s->events[0].u.smart_money.features;
  check_near(f->dte_days, 0.25, 1e-9); /* 0DTE at 10:00 ET: six hours */
  check_near(f->total_premium, 1.00 * 500 * 100, 1e-9);
  check_near(f->aggressor_sell_ratio, 1, 0);
  check_null(f->inter_fill_ms_mean);
  /* Puts sold: bullish. */
  check_i64(s->events[0].u.smart_money.scores[0].profile == SF_PROFILE_VOL_SELLER ||
                    s->events[0].u.smart_money.scores[0].profile == SF_PROFILE_ARBITRAGE
                ? SF_DIR_BULLISH
                : s->events[0].u.smart_money.scores[0].direction,
            SF_DIR_BULLISH);
  /* Gap: fills 300 ms apart are two clusters; window: 200 ms steps split after 500 ms. The
   * fills are 80 lots, too large to join a small-lot burst (burst_lot_max 45). */
  const char *c2 = "SPY-2025-03-21-561-C";
  int64_t u = t + 2 * SF_NS_PER_S;
  FX_PUSH(e, fx_nbbo(u, c2, 2.00, 2.05, 50, 50));
  FX_PUSH(e, fx_print(u, c2, 2.05, 80, "CBOE", 0, "g1"));
  FX_PUSH(e, fx_print(u + 300 * MS, c2, 2.05, 80, "CBOE", 0, "g2"));
  int64_t v = u + 2 * SF_NS_PER_S;
  for (int i = 0; i < 4; i++) {
    char id[8];
    snprintf(id, sizeof id, "w%d", i);
    FX_PUSH(e, fx_nbbo(v + i * 200 * MS, c2, 2.00, 2.05, 50, 50));
    FX_PUSH(e, fx_print(v + i * 200 * MS, c2, 2.05, 80, "CBOE", 0, id));
  }
  sf_engine_flush(e);
  check_i64(s->n_events, 5);
  check_i64(s->events[1].u.smart_money.member_print_ids.n, 1);
  check_i64(s->events[2].u.smart_money.member_print_ids.n, 1);
  check_i64(s->events[3].u.smart_money.member_print_ids.n, 3); /* w0 w1 w2 */
  check_i64(s->events[4].u.smart_money.member_print_ids.n, 1); /* w3 */
  check_str(s->events[4].u.smart_money.member_print_ids.v[0], "w3");
  sf_engine_free(e);
  fx_sink_free(s);
}

/* Small lots on one contract seconds apart are one burst (one event, one packet of kind
 * "burst"); a lot after more than burst_gap_s starts another; a lone small lot abstains with
 * weak_evidence and gives no hit and no alert. */
static void test_small_lot_burst(void **state) {
  (void)state;
  struct fx_sink *s = fx_sink_new();
  struct sf_engine *e = mk(s);
  const char *c = "TSLA-2025-03-14-265-C";
  int64_t t = fx_t(11, 0, 0, 0);
  FX_PUSH(e, fx_equity(t, "TSLA", 249.95, 250.05));
  for (int i = 0; i < 12; i++) {
    char id[8];
    snprintf(id, sizeof id, "r%d", i);
    int64_t ts = t + i * 3 * SF_NS_PER_S;
    FX_PUSH(e, fx_equity(ts, "TSLA", 249.95, 250.05));
    FX_PUSH(e, fx_nbbo(ts, c, 1.00, 1.05, 50, 50));
    FX_PUSH(e, fx_print(ts + 1 * MS, c, 1.05, 6, i % 2 ? "CBOE" : "ISE", 0, id));
  }
  /* r11 prints at +33 s; x0 at +80 s comes 47 s later, beyond the 40 s burst gap. */
  int64_t late = t + 80 * SF_NS_PER_S;
  FX_PUSH(e, fx_equity(late, "TSLA", 249.95, 250.05));
  FX_PUSH(e, fx_nbbo(late, c, 1.00, 1.05, 50, 50));
  FX_PUSH(e, fx_print(late + 1 * MS, c, 1.05, 4, "CBOE", 0, "x0"));
  sf_engine_flush(e);
  check_i64(s->n_events, 2);
  const struct sf_smart_money_event *b = &s->events[0].u.smart_money;
  check_i64(b->member_print_ids.n, 12);
  check_i64(b->packet_ids.n, 1);
  check_near(b->features.total_size, 72, 0);
  check_near(b->features.print_count, 12, 0);
  check_near(b->features.avg_fill_size, 6, 0);
  const struct sf_smart_money_event *x = &s->events[1].u.smart_money;
  check_i64(x->member_print_ids.n, 1);
  check_str(x->member_print_ids.v[0], "x0");
  assert_true(x->abstained);
  check_i64(x->primary_profile, -1);
  assert_true(sf_strvec_contains(&x->suppressed_reasons, "weak_evidence"));
  for (size_t i = 0; i < s->n_alerts; i++)
    assert_true(strcmp(s->alerts[i].u.alert.evidence_refs.v[0], x->event_id) != 0);
  sf_engine_free(e);
  fx_sink_free(s);
}

static void test_complex_vertical_one_event(void **state) {
  (void)state;
  struct fx_sink *s = fx_sink_new();
  struct sf_engine *e = mk(s);
  int64_t t = fx_t(13, 0, 0, 0);
  const char *lo = "TSLA-2025-04-17-250-C", *hi = "TSLA-2025-04-17-260-C";
  FX_PUSH(e, fx_equity(t, "TSLA", 249.95, 250.05));
  FX_PUSH(e, fx_nbbo(t, lo, 10.00, 10.20, 50, 50));
  FX_PUSH(e, fx_nbbo(t, hi, 6.00, 6.20, 50, 50));
  FX_PUSH(e, fx_print(t + 1 * MS, lo, 10.10, 100, "CBOE", SF_COND_COMPLEX, "v1"));
  FX_PUSH(e, fx_print(t + 1 * MS, hi, 6.10, 100, "CBOE", SF_COND_COMPLEX, "v2"));
  /* An unrelated order on another underlying at the same moment stays apart. */
  FX_PUSH(e, fx_print(t + 2 * MS, "NVDA-2025-04-17-120-C", 3.00, 10, "ISE", 0, "n1"));
  sf_engine_flush(e);
  check_i64(s->n_events, 2);
  const struct sf_smart_money_event *ev = NULL;
  for (size_t i = 0; i < s->n_events; i++)
    if (strcmp(s->events[i].u.smart_money.underlying_id, "TSLA") == 0) ev = &s->events[i].u.smart_money;
  assert_non_null(ev);
  check_i64(ev->event_kind, SF_EVENT_MULTI_LEG);
  check_str(ev->features.structure_type, "vertical");
  check_near(ev->features.structure_legs, 2, 0);
  check_near(ev->features.same_size_leg_symmetry, 1, 0);
  check_near(ev->features.contract_count, 2, 0);
  check_near(ev->features.strike_count, 2, 0);
  check_near(ev->features.strike_concentration, 0.5, 1e-12);
  check_near(ev->features.complex_ratio, 1, 0);
  check_near(ev->features.special_print_ratio, 1, 0);
  check_i64(ev->member_print_ids.n, 2);
  check_i64(ev->packet_ids.n, 2);
  assert_true(ev->features.option_contract_id[0] == '\0');
  /* Complex legs never count as plain directional flow. */
  assert_true(sf_strvec_contains(&ev->suppressed_reasons, "complex_or_special_prints"));
  sf_engine_free(e);
  fx_sink_free(s);
}

static struct sf_leg leg(uint32_t id, bool call, double strike, int exp_day, int64_t size, int sign,
                         bool cx) {
  struct sf_leg l = {id, call, (int64_t)(strike * 1000), sf_expiry_ns(2025, 4, exp_day), size, sign, cx, id};
  return l;
}

static void test_structure_types(void **state) {
  (void)state;
  double sym;
  struct sf_leg v[4];
  v[0] = leg(0, true, 100, 17, 10, 1, false);
  v[1] = leg(1, true, 110, 17, 10, -1, false);
  check_i64(sf_structure_classify(v, 2, 0.5, &sym), SF_STRUCT_VERTICAL);
  check_near(sym, 1, 0);
  v[1].sign = 1; /* both bought, no complex flag: not a vertical */
  check_i64(sf_structure_classify(v, 2, 0.5, &sym), SF_STRUCT_NONE);
  v[0].complex = v[1].complex = true; /* complex-flagged: a vertical whatever the signs */
  check_i64(sf_structure_classify(v, 2, 0.5, &sym), SF_STRUCT_VERTICAL);
  v[0] = leg(0, true, 100, 17, 10, -1, false);
  v[1] = leg(1, false, 100, 17, 8, -1, false);
  check_i64(sf_structure_classify(v, 2, 0.5, &sym), SF_STRUCT_STRADDLE);
  check_near(sym, 0.8, 1e-12);
  v[1] = leg(1, false, 95, 17, 10, -1, false);
  check_i64(sf_structure_classify(v, 2, 0.5, &sym), SF_STRUCT_STRANGLE);
  v[0].sign = 1; /* call bought, put sold */
  check_i64(sf_structure_classify(v, 2, 0.5, &sym), SF_STRUCT_RISK_REVERSAL);
  v[0] = leg(0, true, 100, 17, 10, -1, false);
  v[1] = leg(1, true, 100, 25, 10, 1, false);
  check_i64(sf_structure_classify(v, 2, 0.5, &sym), SF_STRUCT_CALENDAR);
  v[1] = leg(1, true, 105, 25, 10, 1, false);
  check_i64(sf_structure_classify(v, 2, 0.5, &sym), SF_STRUCT_ROLL);
  v[1] = leg(1, true, 105, 25, 3, 1, false); /* 3 vs 10: symmetry 0.3 < 0.5 */
  check_i64(sf_structure_classify(v, 2, 0.5, &sym), SF_STRUCT_NONE);
  /* Butterfly 1:2:1, equidistant, wings bought and body sold; symmetry by ratio = 1. */
  v[0] = leg(0, true, 100, 17, 10, 1, false);
  v[1] = leg(1, true, 105, 17, 20, -1, false);
  v[2] = leg(2, true, 110, 17, 10, 1, false);
  check_i64(sf_structure_classify(v, 3, 0.5, &sym), SF_STRUCT_BUTTERFLY);
  check_near(sym, 1, 0);
  v[1].size = 10; /* 1:1:1 is a ladder */
  check_i64(sf_structure_classify(v, 3, 0.5, &sym), SF_STRUCT_LADDER);
  /* Iron condor: put spread below call spread. */
  v[0] = leg(0, false, 90, 17, 10, 1, false);
  v[1] = leg(1, false, 95, 17, 10, -1, false);
  v[2] = leg(2, true, 105, 17, 10, -1, false);
  v[3] = leg(3, true, 110, 17, 10, 1, false);
  check_i64(sf_structure_classify(v, 4, 0.5, &sym), SF_STRUCT_CONDOR);
  v[1] = leg(1, false, 100, 17, 10, -1, false);
  v[2] = leg(2, true, 100, 17, 10, -1, false);
  check_i64(sf_structure_classify(v, 4, 0.5, &sym), SF_STRUCT_BUTTERFLY); /* iron butterfly */
  /* Match: the anchor takes the partner that forms a structure, leaves the other. */
  struct sf_leg m[3] = {leg(0, true, 100, 17, 10, 1, false), leg(1, false, 80, 25, 3, 1, false),
                        leg(2, true, 110, 17, 10, -1, false)};
  bool in[3];
  check_i64(sf_structure_match(m, 3, 0.5, in, &sym), SF_STRUCT_VERTICAL);
  assert_true(in[0] && !in[1] && in[2]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sweep_one_event), cmocka_unit_test(test_block_timer_and_gap),
      cmocka_unit_test(test_small_lot_burst), cmocka_unit_test(test_complex_vertical_one_event),
      cmocka_unit_test(test_structure_types),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
