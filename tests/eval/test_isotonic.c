/* Isotonic regression (pool adjacent violators) on hand-worked inputs, a monotonicity property
 * over random inputs with a printed seed, and the per-profile calibration document read back
 * by the engine's calibration loader. */
#include "harness.h"

#include <jansson.h>

#include "smartflow/calibration.h"
#include "smartflow/err.h"
#include "smartflow/eval.h"

static void check_knots(const double *kx, const double *ky, int n, const double *ex, const double *ey,
                        int en) {
  check_i64(n, en);
  for (int i = 0; i < n; i++) {
    check_near(kx[i], ex[i], 1e-12);
    check_near(ky[i], ey[i], 1e-12);
  }
}

static void test_hand(void **state) {
  (void)state;
  double kx[16], ky[16];
  /* (1,1) (2,0) violate: pooled to 0.5 over [1,2]; 3 and 4 stay at 1 (equal means never pool). */
  double x1[] = {1, 2, 3, 4}, y1[] = {1, 0, 1, 1};
  int n = sf_isotonic_fit(x1, y1, NULL, 4, kx, ky);
  check_knots(kx, ky, n, (double[]){1, 2, 3, 4}, (double[]){0.5, 0.5, 1, 1}, 4);
  /* weights: (0.9 w1) and (0.1 w3) pool to (0.9 + 0.3) / 4 = 0.3; 0.5 stays. */
  double x2[] = {1, 2, 3}, y2[] = {0.9, 0.1, 0.5}, w2[] = {1, 3, 1};
  n = sf_isotonic_fit(x2, y2, w2, 3, kx, ky);
  check_knots(kx, ky, n, (double[]){1, 2, 3}, (double[]){0.3, 0.3, 0.5}, 3);
  /* unsorted with a tie: x 0.2 -> 1, x 0.5 -> mean(1, 0) = 0.5 < 1: all pooled to 2/3. */
  double x3[] = {0.5, 0.5, 0.2}, y3[] = {1, 0, 1};
  n = sf_isotonic_fit(x3, y3, NULL, 3, kx, ky);
  check_knots(kx, ky, n, (double[]){0.2, 0.5}, (double[]){2.0 / 3.0, 2.0 / 3.0}, 2);
  /* decreasing: one block at the mean. */
  double x4[] = {1, 2, 3}, y4[] = {1, 0.5, 0};
  n = sf_isotonic_fit(x4, y4, NULL, 3, kx, ky);
  check_knots(kx, ky, n, (double[]){1, 3}, (double[]){0.5, 0.5}, 2);
  /* already monotone: unchanged, one knot per point. */
  double x5[] = {0.1, 0.2, 0.3}, y5[] = {0, 0.25, 1};
  n = sf_isotonic_fit(x5, y5, NULL, 3, kx, ky);
  check_knots(kx, ky, n, x5, y5, 3);
  /* a violation that cascades: 0, 1, 0.6, 0.2 -> [1, 0.6, 0.2] pool to 0.6 */
  double x6[] = {1, 2, 3, 4}, y6[] = {0, 1, 0.6, 0.2};
  n = sf_isotonic_fit(x6, y6, NULL, 4, kx, ky);
  check_knots(kx, ky, n, (double[]){1, 2, 4}, (double[]){0, 0.6, 0.6}, 3);
  /* invalid input */
  double bad[] = {NAN};
  assert_int_equal(sf_isotonic_fit(bad, y5, NULL, 1, kx, ky), SF_EINVAL);
  double w0[] = {1, 0, 1};
  assert_int_equal(sf_isotonic_fit(x5, y5, w0, 3, kx, ky), SF_EINVAL);
  assert_int_equal(sf_isotonic_fit(x5, y5, NULL, 0, kx, ky), 0);
}

static void test_monotone_property(void **state) {
  (void)state;
  unsigned seed = 20250312;
  printf("isotonic property seed %u\n", seed);
  srand(seed);
  enum { N = 500 };
  double x[N], y[N], w[N], kx[2 * N], ky[2 * N];
  for (int round = 0; round < 20; round++) {
    double wsum = 0, wysum = 0;
    for (int i = 0; i < N; i++) {
      x[i] = (double)(rand() % 200) / 200.0; /* many ties */
      y[i] = (rand() % 1000) < (int)(x[i] * 1000) ? 1.0 : 0.0;
      w[i] = 0.5 + (double)(rand() % 4);
      wsum += w[i];
      wysum += w[i] * y[i];
    }
    int n = sf_isotonic_fit(x, y, w, N, kx, ky);
    assert_true(n > 0 && n <= 2 * N);
    for (int i = 1; i < n; i++) {
      if (!(kx[i] > kx[i - 1])) fail_msg("round %d: x not increasing at %d", round, i);
      if (!(ky[i] >= ky[i - 1])) fail_msg("round %d: y decreasing at %d", round, i);
    }
    /* PAV keeps the weighted mean: sum of w * fitted(x) equals sum of w * y. */
    double fsum = 0;
    for (int i = 0; i < N; i++) {
      int k = 0;
      while (k + 1 < n && kx[k + 1] <= x[i]) k++;
      fsum += w[i] * ky[k];
    }
    check_near(fsum / wsum, wysum / wsum, 1e-9);
  }
}

static void test_calibration_document(void **state) {
  (void)state;
  struct sf_eval_set *s;
  assert_int_equal(sf_eval_set_new(&s), 0);
  const char *m1[] = {"a"}, *m2[] = {"b"};
  struct sf_eval_label l;
  memset(&l, 0, sizeof l);
  char err[256];
  snprintf(l.scenario_id, sizeof l.scenario_id, "A");
  l.profile = SF_PROFILE_INSTITUTIONAL_DIRECTIONAL;
  assert_int_equal(sf_eval_add_label(s, &l, m1, 1, err, sizeof err), 0);
  snprintf(l.scenario_id, sizeof l.scenario_id, "B");
  assert_int_equal(sf_eval_add_label(s, &l, m2, 1, err, sizeof err), 0);
  /* institutional raw scores 0.2 (noise), 0.4 (true), 0.6 (noise), 0.8 (true):
   * PAV -> 0 at 0.2, 0.5 over [0.4, 0.6], 1 at 0.8 */
  const double raws[] = {0.2, 0.4, 0.6, 0.8};
  const char *mem[] = {"n1", "a", "n2", "b"};
  for (int i = 0; i < 4; i++) {
    struct sf_eval_event e;
    memset(&e, 0, sizeof e);
    e.primary = -1;
    e.abstained = true;
    e.raw[SF_PROFILE_INSTITUTIONAL_DIRECTIONAL] = raws[i];
    e.prob[SF_PROFILE_INSTITUTIONAL_DIRECTIONAL] = raws[i];
    assert_int_equal(sf_eval_add_event(s, &e, &mem[i], 1), 0);
  }
  json_t *fo = json_pack("{s:[i,i]}", "seeds", 101, 102);
  json_t *doc = sf_eval_fit_calibration(s, fo);
  assert_non_null(doc);
  check_str(json_string_value(json_object_get(doc, "method")), "isotonic");
  check_i64(json_integer_value(json_object_get(doc, "version")), 1);
  check_i64(json_integer_value(json_object_get(json_object_get(doc, "fitted_on"), "events")), 4);
  json_t *inst = json_object_get(json_object_get(doc, "profiles"), "institutional_directional");
  check_i64(json_array_size(json_object_get(inst, "x")), 4);
  check_near(json_real_value(json_array_get(json_object_get(inst, "y"), 1)), 0.5, 0);
  /* the engine reads it back and interpolates: 0.7 is halfway between (0.6, 0.5) and (0.8, 1) */
  struct sf_calibration *c;
  char cerr[256];
  assert_int_equal(sf_calibration_from_json(doc, &c, cerr, sizeof cerr), 0);
  check_near(sf_calibration_apply(c, SF_PROFILE_INSTITUTIONAL_DIRECTIONAL, 0.7), 0.75, 1e-12);
  check_near(sf_calibration_apply(c, SF_PROFILE_INSTITUTIONAL_DIRECTIONAL, 0.1), 0.0, 1e-12);
  check_near(sf_calibration_apply(c, SF_PROFILE_INSTITUTIONAL_DIRECTIONAL, 0.5), 0.5, 1e-12);
  /* other profiles saw only zeros: a flat 0 map */
  check_near(sf_calibration_apply(c, SF_PROFILE_ARBITRAGE, 0.9), 0.0, 1e-12);
  sf_calibration_free(c);
  json_decref(doc);
  json_decref(fo);
  sf_eval_set_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hand),
      cmocka_unit_test(test_monotone_property),
      cmocka_unit_test(test_calibration_document),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
