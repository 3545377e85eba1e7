/* Scenario tests against the engine: synthetic tapes (generator -> engine in process, with the
 * generator's calendar) scored by the evaluation code. For each family, a tape planting only
 * that family: the intended profile must be the most frequent call on its labels (hard
 * negatives: abstention or the true profile, never institutional_directional unless that is
 * the label). A noise-only hour must yield at most 2 alerts (issue 4's target; the shipped
 * rules gave 1 on seed 400, and 8 before the trickle evidence). The measured figures are
 * printed so the run doubles as a report. */
#include "harness.h"

#include <jansson.h>

#include <math.h>

#include "smartflow/calendar.h"
#include "smartflow/calibration.h"
#include "smartflow/engine.h"
#include "smartflow/err.h"
#include "smartflow/eval.h"
#include "smartflow/synth.h"

struct held_event {
  struct sf_eval_event e;
  char **members;
  size_t n;
};

struct run {
  struct sf_eval_set *set;
  struct held_event *ev;
  size_t nev, capev;
};

static void on_label(void *ctx, const struct sf_synth_label *l) {
  struct run *r = ctx;
  struct sf_eval_label el;
  memset(&el, 0, sizeof el);
  snprintf(el.scenario_id, sizeof el.scenario_id, "%s", l->scenario_id);
  snprintf(el.family, sizeof el.family, "%s", sf_synth_family_name(l->family));
  el.profile = l->profile;
  el.direction = l->direction;
  el.hard_negative = l->hard_negative;
  el.planted_move_bps = l->planted_move_bps;
  el.start_ts = sf_ns_to_ms(l->start_ts_ns);
  el.end_ts = sf_ns_to_ms(l->end_ts_ns);
  char err[256];
  assert_int_equal(sf_eval_add_label(r->set, &el, (const char *const *)l->member_print_ids.v,
                                     l->member_print_ids.n, err, sizeof err),
                   0);
}

/* Events are held until the end: a scenario's label arrives after its last print, possibly after
 * the engine reported an earlier hit. */
static void on_smart_money(void *ctx, const struct sf_smart_money_event *sm) {
  struct run *r = ctx;
  if (r->nev == r->capev) {
    r->capev = r->capev ? r->capev * 2 : 256;
    r->ev = realloc(r->ev, r->capev * sizeof *r->ev);
  }
  struct held_event *h = &r->ev[r->nev++];
  memset(h, 0, sizeof *h);
  snprintf(h->e.event_id, sizeof h->e.event_id, "%s", sm->event_id);
  h->e.ts = sm->meta.source_ts;
  h->e.primary = sm->primary_profile;
  h->e.direction = sm->primary_direction;
  h->e.abstained = sm->abstained;
  for (int i = 0; i < SF_PROFILE_COUNT; i++) {
    int p = sm->scores[i].profile;
    if (p >= 0 && p < SF_PROFILE_COUNT) {
      h->e.prob[p] = sm->scores[i].probability;
      h->e.raw[p] = isnan(sm->scores[i].raw_score) ? sm->scores[i].probability : sm->scores[i].raw_score;
    }
  }
  h->n = sm->member_print_ids.n;
  h->members = malloc((h->n ? h->n : 1) * sizeof *h->members);
  for (size_t i = 0; i < h->n; i++) h->members[i] = strdup(sm->member_print_ids.v[i]);
}

/* The shipped calibration (calibration/default.json in the source tree): the engine is judged
 * as it runs by default. */
static struct sf_calibration *shipped_calibration(void) {
  const char *src = getenv("SF_SOURCE_DIR");
  char path[4096];
  snprintf(path, sizeof path, "%s/calibration/default.json", src ? src : ".");
  json_error_t je;
  json_t *j = json_load_file(path, 0, &je);
  if (!j) fail_msg("cannot load the shipped calibration %s: %s", path, je.text);
  struct sf_calibration *cal = NULL;
  char err[256];
  if (sf_calibration_from_json(j, &cal, err, sizeof err)) fail_msg("%s: %s", path, err);
  json_decref(j);
  return cal;
}

/* Runs a tape through the engine and returns the metrics (and the set, for per-family looks). */
static struct sf_eval_set *run_tape(uint64_t seed, double minutes, int only_family, bool noise_only,
                                    struct sf_eval_metrics *m) {
  struct run r = {0};
  assert_int_equal(sf_eval_set_new(&r.set), 0);
  struct sf_synth_config cfg;
  sf_synth_config_default(&cfg);
  cfg.seed = seed;
  cfg.minutes = minutes;
  cfg.noise_only = noise_only;
  cfg.on_label = on_label;
  cfg.label_ctx = &r;
  if (only_family >= 0) {
    for (int f = 0; f < SF_FAM_COUNT; f++) cfg.mix.weights[f] = f == only_family ? 1.0 : 0.0;
    cfg.mix.scenarios_per_min = 4;
  }
  struct sf_synth *g;
  assert_int_equal(sf_synth_new(&cfg, &g), 0);
  json_t *calj = sf_synth_calendar_to_json(g);
  struct sf_calendar *cal;
  char err[256];
  assert_int_equal(sf_calendar_from_json(calj, &cal, err, sizeof err), 0);
  json_decref(calj);
  struct sf_engine_config ecfg;
  sf_engine_config_default(&ecfg);
  ecfg.calendar = cal;
  struct sf_calibration *calib = shipped_calibration();
  ecfg.calibration = calib;
  struct sf_engine_sinks sinks = {.ctx = &r, .on_smart_money = on_smart_money};
  struct sf_engine *e;
  assert_int_equal(sf_engine_new(&ecfg, &sinks, &e), 0);
  struct sf_record rec;
  uint64_t rejected = 0;
  while (sf_synth_next(g, &rec) == 1) {
    if (sf_engine_push(e, &rec) != 0) rejected++;
    sf_record_fini(&rec);
  }
  sf_engine_flush(e);
  if (rejected)
    fail_msg("the engine rejected %llu generated records: %s", (unsigned long long)rejected,
             sf_engine_errmsg(e));
  sf_engine_free(e);
  sf_calendar_free(cal);
  sf_calibration_free(calib);
  sf_synth_free(g);
  for (size_t i = 0; i < r.nev; i++) {
    assert_int_equal(sf_eval_add_event(r.set, &r.ev[i].e, (const char *const *)r.ev[i].members, r.ev[i].n),
                     0);
    for (size_t k = 0; k < r.ev[i].n; k++) free(r.ev[i].members[k]);
    free(r.ev[i].members);
  }
  free(r.ev);
  sf_eval_compute(r.set, minutes / 60.0, m);
  return r.set;
}

/* Calls on one family's labels: counts per prediction column (missed labels as abstained). */
static void family_calls(const struct sf_eval_set *s, const struct sf_eval_metrics *m, uint64_t *cols) {
  (void)s;
  memset(cols, 0, SF_EVAL_COLS * sizeof *cols);
  for (int r = 0; r < SF_EVAL_ROWS - 1; r++)
    for (int c = 0; c < SF_EVAL_COLS; c++) cols[c] += m->confusion[r][c];
}

static void test_each_family(void **state) {
  (void)state;
  int failures = 0;
  for (int f = 0; f < SF_FAM_COUNT; f++) {
    struct sf_eval_metrics m;
    struct sf_eval_set *s = run_tape(300 + (uint64_t)f, 10, f, false, &m);
    uint64_t cols[SF_EVAL_COLS];
    family_calls(s, &m, cols);
    int want = sf_eval_label_count(s) ? sf_eval_label_at(s, 0)->profile : -2;
    int want_col = want >= 0 ? want : SF_EVAL_COL_ABSTAINED;
    int best = 0;
    for (int c = 1; c < SF_EVAL_COLS; c++)
      if (cols[c] > cols[best]) best = c;
    printf("%-26s labels %3zu events %4zu:", sf_synth_family_name(f), m.labels, m.events - m.noise_events);
    for (int c = 0; c < SF_EVAL_COLS; c++)
      printf(" %s=%llu", c < SF_PROFILE_COUNT ? sf_profile_name(c) : "abstained",
             (unsigned long long)cols[c]);
    printf("\n");
    bool hn = f >= SF_FAM_HN_HEDGE_0DTE_BURST;
    bool ok = hn ? (best == want_col || best == SF_EVAL_COL_ABSTAINED) : best == want_col;
    if (hn && want != SF_PROFILE_INSTITUTIONAL_DIRECTIONAL &&
        cols[SF_PROFILE_INSTITUTIONAL_DIRECTIONAL] > cols[want_col])
      ok = false;
    if (!ok) {
      printf("  -> FAIL: expected %s to win\n", want >= 0 ? sf_profile_name(want) : "abstention");
      failures++;
    }
    sf_eval_set_free(s);
  }
  if (failures) fail_msg("%d of %d families not recognised as intended", failures, SF_FAM_COUNT);
}

static void test_noise_only(void **state) {
  (void)state;
  struct sf_eval_metrics m;
  struct sf_eval_set *s = run_tape(400, 60, -1, true, &m);
  printf("noise-only 60 min: %zu events, %zu alerts, %.1f alerts/hour, abstention on noise %.1f%%\n",
         m.events, m.noise_alerts, m.noise_alerts_per_hour, 100 * m.abstention_rate_noise);
  if (m.noise_alerts > 2) fail_msg("%.1f alerts/hour on a noise-only tape", m.noise_alerts_per_hour);
  sf_eval_set_free(s);
}

static void test_mixed_report(void **state) {
  (void)state;
  struct sf_eval_metrics m;
  struct sf_eval_set *s = run_tape(201, 15, -1, false, &m);
  sf_eval_print(&m, stdout);
  sf_eval_set_free(s);
  assert_true(m.labels > 80);
  /* A short tape: looser than the held-out targets of docs/evaluation.md (60-minute tapes). */
  if (!(m.macro_f1 >= 0.8)) fail_msg("macro-F1 %.3f on the mixed tape", m.macro_f1);
  if (!(m.hn_directional_rate <= 0.05))
    fail_msg("%.1f%% of hard negatives called directional", 100 * m.hn_directional_rate);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mixed_report),
      cmocka_unit_test(test_noise_only),
      cmocka_unit_test(test_each_family),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
