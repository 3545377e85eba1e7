/* Evaluation metrics on a small hand-worked case (every expected value below is worked out in
 * the comments), matching by majority of member prints, duplicate prints across labels, and
 * the file readers' error messages. */
#include "harness.h"

#include <jansson.h>
#include <unistd.h>

#include "smartflow/err.h"
#include "smartflow/eval.h"

static void add_label(struct sf_eval_set *s, const char *id, int profile, int dir, bool hn, double planted,
                      const char *const *members, size_t n) {
  struct sf_eval_label l;
  memset(&l, 0, sizeof l);
  snprintf(l.scenario_id, sizeof l.scenario_id, "%s", id);
  l.profile = profile;
  l.direction = dir;
  l.hard_negative = hn;
  l.planted_move_bps = planted;
  l.start_ts = 1000;
  l.end_ts = 2000;
  char err[256];
  assert_int_equal(sf_eval_add_label(s, &l, members, n, err, sizeof err), 0);
}

static void add_event(struct sf_eval_set *s, int primary, int dir, bool abstained, const double *prob,
                      const char *const *members, size_t n) {
  struct sf_eval_event e;
  memset(&e, 0, sizeof e);
  e.primary = primary;
  e.direction = dir;
  e.abstained = abstained;
  e.ts = 1500;
  for (int k = 0; k < SF_PROFILE_COUNT; k++) e.prob[k] = e.raw[k] = prob[k];
  assert_int_equal(sf_eval_add_event(s, &e, members, n), 0);
}

enum { INST = 0, RETAIL, EVENT, VOL, ARB, HEDGE };

static void test_hand_case(void **state) {
  (void)state;
  struct sf_eval_set *s;
  assert_int_equal(sf_eval_set_new(&s), 0);
  const char *l1[] = {"a1", "a2", "a3"}, *l2[] = {"b1", "b2"}, *l3[] = {"c1"}, *l4[] = {"d1"},
             *l5[] = {"e1", "e2"};
  add_label(s, "L1", INST, SF_DIR_BULLISH, false, 50, l1, 3);
  add_label(s, "L2", VOL, SF_DIR_NEUTRAL, false, SF_NULL, l2, 2);
  add_label(s, "L3", -1, SF_DIR_UNKNOWN, true, SF_NULL, l3, 1);
  add_label(s, "L4", RETAIL, SF_DIR_BULLISH, false, SF_NULL, l4, 1); /* no event: missed */
  add_label(s, "L5", HEDGE, SF_DIR_BULLISH, true, -20, l5, 2);

  const char *e1[] = {"a1", "a2"}, *e2[] = {"a3", "x1", "x2"}, *e3[] = {"b1", "b2"}, *e4[] = {"c1"},
             *e5[] = {"e1", "e2"}, *e6[] = {"z1"};
  double p1[6] = {0.8, 0.04, 0.04, 0.04, 0.04, 0.04}, p2[6] = {0.6, 0, 0, 0, 0, 0},
         p3[6] = {0, 0, 0, 0.3, 0.7, 0}, p4[6] = {0.1, 0.1, 0.1, 0.1, 0.1, 0.1}, p5[6] = {0.9, 0, 0, 0, 0, 0},
         p6[6] = {0};
  add_event(s, INST, SF_DIR_BULLISH, false, p1, e1, 2); /* L1, right */
  add_event(s, INST, SF_DIR_BULLISH, false, p2, e2, 3); /* 1 of 3 planted: noise, an alert */
  add_event(s, ARB, SF_DIR_BEARISH, false, p3, e3, 2);  /* L2 vol_seller called arbitrage */
  add_event(s, -1, SF_DIR_UNKNOWN, true, p4, e4, 1);    /* L3 null, abstained: right */
  add_event(s, INST, SF_DIR_BULLISH, false, p5, e5, 2); /* L5 hedge hard negative called directional */
  add_event(s, -1, SF_DIR_UNKNOWN, true, p6, e6, 1);    /* noise, abstained */

  assert_int_equal(sf_eval_event_at(s, 0)->label, 0);
  assert_int_equal(sf_eval_event_at(s, 1)->label, -1);
  assert_int_equal(sf_eval_event_row(s, sf_eval_event_at(s, 3)), SF_EVAL_ROW_ABSTAIN_EXPECTED);

  struct sf_eval_metrics m;
  sf_eval_compute(s, 2.0, &m);
  check_i64(m.events, 6);
  check_i64(m.labels, 5);
  check_i64(m.labels_missed, 1);
  check_i64(m.noise_events, 2);
  /* confusion */
  check_i64(m.confusion[INST][INST], 1);
  check_i64(m.confusion[VOL][ARB], 1);
  check_i64(m.confusion[SF_EVAL_ROW_ABSTAIN_EXPECTED][SF_EVAL_COL_ABSTAINED], 1);
  check_i64(m.confusion[RETAIL][SF_EVAL_COL_ABSTAINED], 1);
  check_i64(m.confusion[HEDGE][INST], 1);
  check_i64(m.confusion[SF_EVAL_ROW_NOISE][INST], 1);
  check_i64(m.confusion[SF_EVAL_ROW_NOISE][SF_EVAL_COL_ABSTAINED], 1);
  uint64_t total = 0;
  for (int r = 0; r < SF_EVAL_ROWS; r++)
    for (int c = 0; c < SF_EVAL_COLS; c++) total += m.confusion[r][c];
  check_i64(total, 7); /* 6 events + 1 missed label */
  /* institutional: 1 right of 3 calls, 1 of 1 truth -> P 1/3, R 1, F1 0.5 */
  check_near(m.precision[INST], 1.0 / 3.0, 1e-12);
  check_near(m.recall[INST], 1.0, 1e-12);
  check_near(m.f1[INST], 0.5, 1e-12);
  check_null(m.precision[VOL]); /* never predicted */
  check_near(m.recall[VOL], 0.0, 0);
  check_near(m.precision[ARB], 0.0, 0);
  check_null(m.recall[ARB]); /* never true */
  check_null(m.precision[EVENT]);
  check_null(m.recall[EVENT]);
  /* macro over inst, retail, vol, arb, hedge (event absent): (0.5 + 0 + 0 + 0 + 0) / 5 */
  check_near(m.macro_f1, 0.1, 1e-12);
  check_near(m.abstention_rate, 2.0 / 6.0, 1e-12);
  check_near(m.abstention_rate_expected, 1.0, 0);
  check_near(m.abstention_rate_noise, 0.5, 0);
  /* Brier: E1 0.04+5*0.0016=0.048, E2 0.36, E3 0.49+0.49=0.98, E4 6*0.01=0.06, E5 0.81+1=1.81,
   * E6 0 -> 3.258 / 6 */
  check_near(m.brier, 3.258 / 6.0, 1e-12);
  /* one-vs-rest institutional: 0.04 + 0.36 + 0 + 0.01 + 0.81 + 0 = 1.22 / 6 */
  check_near(m.brier_profile[INST], 1.22 / 6.0, 1e-12);
  /* hedge: E1 0.04^2 = 0.0016, E4 0.01, E5 (0-1)^2 = 1 -> 1.0116 / 6 */
  check_near(m.brier_profile[HEDGE], 1.0116 / 6.0, 1e-12);
  /* ECE over E1 (0.8 right), E2 (0.6 wrong), E3 (0.7 wrong), E5 (0.9 wrong):
   * (0.2 + 0.6 + 0.7 + 0.9) / 4 = 0.6 */
  check_i64(m.ece_events, 4);
  check_near(m.ece, 0.6, 1e-12);
  check_i64(m.buckets[8].n, 1);
  check_near(m.buckets[8].accuracy, 1.0, 0);
  check_i64(m.buckets[7].n, 1);
  check_i64(m.buckets[6].n, 1);
  check_i64(m.buckets[9].n, 1);
  check_i64(m.buckets[0].n, 0);
  check_null(m.buckets[0].accuracy);
  /* hard negatives: E4 (abstained), E5 (called institutional on a hedge) -> 1 of 2 */
  check_i64(m.hn_events, 2);
  check_i64(m.hn_directional, 1);
  check_near(m.hn_directional_rate, 0.5, 0);
  /* direction: E1 bullish/bullish right, E3 bearish/neutral wrong, E5 bullish/bullish right */
  check_i64(m.direction_events, 3);
  check_near(m.direction_accuracy, 2.0 / 3.0, 1e-12);
  /* economic sanity: E1 bullish on +50, E5 bullish on -20 -> mean signed 15 */
  check_i64(m.econ_events[0], 2);
  check_i64(m.econ_events[1], 0);
  check_near(m.econ_mean_signed_bps, 15.0, 1e-12);
  check_near(m.econ_mean_bps[0], 15.0, 1e-12);
  check_null(m.econ_mean_bps[1]);
  /* noise: one alert over the 2 hours given */
  check_i64(m.noise_alerts, 1);
  check_near(m.noise_alerts_per_hour, 0.5, 0);

  /* JSON and SVG carry the same numbers. */
  json_t *j = sf_eval_metrics_to_json(&m);
  check_near(json_real_value(json_object_get(j, "macro_f1")), 0.1, 1e-12);
  assert_true(json_is_null(
      json_object_get(json_object_get(json_object_get(j, "per_profile"), "vol_seller"), "precision")));
  json_t *mat = json_object_get(json_object_get(j, "confusion"), "matrix");
  check_i64(json_integer_value(json_array_get(json_array_get(mat, SF_EVAL_ROW_NOISE), INST)), 1);
  check_str(json_string_value(json_array_get(json_object_get(json_object_get(j, "confusion"), "rows"), 6)),
            "abstain-expected");
  json_decref(j);
  char *svg = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&svg, &len);
  assert_int_equal(sf_eval_write_svg(&m, f), 0);
  fclose(f);
  assert_non_null(strstr(svg, "<svg"));
  assert_non_null(strstr(svg, "ECE 0.600"));
  assert_non_null(strstr(svg, "abstained"));
  assert_non_null(strstr(svg, "</svg>"));
  free(svg);
  sf_eval_set_free(s);
}

static void test_duplicates_and_ties(void **state) {
  (void)state;
  struct sf_eval_set *s;
  assert_int_equal(sf_eval_set_new(&s), 0);
  const char *a[] = {"p1", "p2"}, *b[] = {"p3", "p4"}, *dup[] = {"p5", "p2"};
  add_label(s, "A", INST, SF_DIR_BULLISH, false, SF_NULL, a, 2);
  add_label(s, "B", VOL, SF_DIR_NEUTRAL, false, SF_NULL, b, 2);
  struct sf_eval_label l;
  memset(&l, 0, sizeof l);
  snprintf(l.scenario_id, sizeof l.scenario_id, "C");
  char err[256];
  assert_int_equal(sf_eval_add_label(s, &l, dup, 2, err, sizeof err), SF_EDUP);
  assert_non_null(strstr(err, "p2"));
  check_i64(sf_eval_label_count(s), 2);
  double p[6] = {0};
  /* 2 prints of A, 2 of B: a tie goes to the label loaded first; exactly half is enough */
  const char *ev[] = {"p3", "p1", "p4", "p2"};
  add_event(s, INST, SF_DIR_BULLISH, false, p, ev, 4);
  check_i64(sf_eval_event_at(s, 0)->label, 0);
  const char *half[] = {"p3", "q9"};
  add_event(s, VOL, SF_DIR_NEUTRAL, false, p, half, 2);
  check_i64(sf_eval_event_at(s, 1)->label, 1);
  const char *none[] = {"q1"};
  add_event(s, VOL, SF_DIR_NEUTRAL, false, p, none, 1);
  check_i64(sf_eval_event_at(s, 2)->label, -1);
  sf_eval_set_free(s);
}

static char *write_tmp(const char *text) {
  char *path = strdup("/tmp/sf_eval_XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  return path;
}

static void test_files(void **state) {
  (void)state;
  char *labels = write_tmp(
      "{\"scenario_id\":\"s1-1\",\"family\":\"vol_seller\",\"profile_id\":\"vol_seller\",\"direction\":"
      "\"neutral\","
      "\"member_print_ids\":[\"p1-1\",\"p1-2\"],\"start_ts\":1,\"end_ts\":2,\"planted_move_bps\":null,"
      "\"hard_negative\":false}\n\n"
      "{\"scenario_id\":\"s1-2\",\"family\":\"hn_closing_at_bid\",\"profile_id\":null,\"direction\":"
      "\"unknown\","
      "\"member_print_ids\":[\"p1-3\"],\"start_ts\":3,\"end_ts\":3,\"planted_move_bps\":null,\"hard_"
      "negative\":true}\n");
  char *events = write_tmp(
      "{\"type\":\"alert\",\"payload\":{}}\n"
      "{\"type\":\"smart-money\",\"payload\":{\"event_id\":\"e1\",\"source_ts\":5,\"member_print_ids\":[\"p1-"
      "1\","
      "\"p1-2\"],\"primary_profile_id\":\"vol_seller\",\"primary_direction\":\"neutral\",\"abstained\":false,"
      "\"profile_scores\":[{\"profile_id\":\"vol_seller\",\"probability\":0.7,\"raw_score\":0.55},"
      "{\"profile_id\":\"arbitrage\",\"probability\":0.2}]}}\n");
  struct sf_eval_set *s;
  assert_int_equal(sf_eval_set_new(&s), 0);
  char err[512];
  assert_int_equal(sf_eval_load_labels(s, labels, err, sizeof err), 0);
  assert_int_equal(sf_eval_load_events(s, events, err, sizeof err), 0);
  check_i64(sf_eval_label_count(s), 2);
  check_i64(sf_eval_event_count(s), 1);
  const struct sf_eval_event *e = sf_eval_event_at(s, 0);
  check_i64(e->label, 0);
  check_near(e->prob[VOL], 0.7, 0);
  check_near(e->raw[VOL], 0.55, 0);
  check_near(e->raw[ARB], 0.2, 0); /* no raw_score: the probability */
  check_i64(sf_eval_label_at(s, 1)->profile, -1);
  struct sf_eval_metrics m;
  sf_eval_compute(s, 0, &m);
  check_i64(m.skipped_records, 1);
  check_i64(m.confusion[VOL][VOL], 1);
  check_i64(m.labels_missed, 1);
  sf_eval_set_free(s);

  /* errors name the file, the line and the field */
  char *bad = write_tmp(
      "{\"scenario_id\":\"x\",\"profile_id\":\"vol_seller\",\"member_print_ids\":[]}\n"
      "{\"scenario_id\":\"y\",\"profile_id\":\"whale\",\"member_print_ids\":[]}\n");
  assert_int_equal(sf_eval_set_new(&s), 0);
  assert_int_equal(sf_eval_load_labels(s, bad, err, sizeof err), SF_EFIELD);
  assert_non_null(strstr(err, ":2: profile_id"));
  sf_eval_set_free(s);
  char *bad2 = write_tmp(
      "{\"type\":\"smart-money\",\"payload\":{\"member_print_ids\":[\"a\"],\"abstained\":false,"
      "\"profile_scores\":[{\"profile_id\":\"arbitrage\",\"probability\":1.5}]}}\n{oops\n");
  assert_int_equal(sf_eval_set_new(&s), 0);
  assert_int_equal(sf_eval_load_events(s, bad2, err, sizeof err), SF_EFIELD);
  assert_non_null(strstr(err, ":1: profile_scores[0]"));
  sf_eval_set_free(s);
  assert_int_equal(sf_eval_set_new(&s), 0);
  assert_int_equal(sf_eval_load_events(s, "/nonexistent/events.jsonl", err, sizeof err), SF_EIO);
  assert_non_null(strstr(err, "/nonexistent/events.jsonl"));
  sf_eval_set_free(s);
  unlink(labels);
  unlink(events);
  unlink(bad);
  unlink(bad2);
  free(labels);
  free(events);
  free(bad);
  free(bad2);
}

/* Two tapes of the same session, each with one hour between its first and last event: the noise
 * rate is over two hours, not the one hour their combined timestamps span. */
static void test_hours_per_file(void **state) {
  (void)state;
  char line[3][512];
  const long long ts[3] = {34200000LL, 37800000LL, 36000000LL}; /* 09:30, 10:30, 10:00 */
  for (int i = 0; i < 3; i++)
    snprintf(line[i], sizeof line[i],
             "{\"type\":\"smart-money\",\"payload\":{\"event_id\":\"e%d\",\"source_ts\":%lld,"
             "\"member_print_ids\":[\"p9-%d\"],\"primary_profile_id\":%s,\"primary_direction\":null,"
             "\"abstained\":%s,\"profile_scores\":[]}}\n",
             i, ts[i], i, i == 2 ? "\"retail_whale\"" : "null", i == 2 ? "false" : "true");
  char both[1024];
  snprintf(both, sizeof both, "%s%s", line[0], line[1]);
  char *a = write_tmp(both), *b = write_tmp(both), *c = write_tmp(line[2]);
  struct sf_eval_set *s;
  char err[512];
  struct sf_eval_metrics m;
  assert_int_equal(sf_eval_set_new(&s), 0);
  assert_int_equal(sf_eval_load_events(s, a, err, sizeof err), 0);
  sf_eval_compute(s, 0, &m);
  check_near(m.hours, 1.0, 1e-12); /* one file: its span */
  assert_int_equal(sf_eval_load_events(s, b, err, sizeof err), 0);
  assert_int_equal(sf_eval_load_events(s, c, err, sizeof err), 0); /* one event: no span */
  sf_eval_compute(s, 0, &m);
  check_near(m.hours, 2.0, 1e-12);
  check_i64(m.noise_alerts, 1);
  check_near(m.noise_alerts_per_hour, 0.5, 1e-12);
  sf_eval_compute(s, 4.0, &m); /* --hours wins */
  check_near(m.hours, 4.0, 0);
  sf_eval_set_free(s);
  unlink(a);
  unlink(b);
  unlink(c);
  free(a);
  free(b);
  free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hand_case),
      cmocka_unit_test(test_duplicates_and_ties),
      cmocka_unit_test(test_files),
      cmocka_unit_test(test_hours_per_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
