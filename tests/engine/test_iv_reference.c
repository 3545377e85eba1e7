/* The engine's implied-volatility path (sf_bs_implied_vol_greeks: warm-started third-order
 * inverse-series steps, one inline exp per evaluation, greeks bridged from the last evaluation)
 * against a reference computed independently: the root of the normalised Black price in long
 * double (erfcl, 64-bit mantissa) by bisection until the bracket is below 1e-16 relative, over a
 * grid of log-moneyness ln(F/K) in [-3, 3] (deep out of the money both ways, at the money, and,
 * through the in-the-money side, prices close to intrinsic), T from one hour to two years and
 * sigma from 0.01 to 4, each from a cold start and from guesses 0.1%, 3%, 30% and 3x off.
 * With r = 0 the solver's set-up is exact for an out-of-the-money price and exact (Sterbenz) for
 * an in-the-money one within a factor two of its intrinsic value, so solver and reference solve
 * the same equation. Required: |sigma - reference| <= 1e-10 everywhere (the task's bound), and the
 * greeks equal sf_bs_greeks' at the returned sigma to 1e-12 relative. Also sf_bs_log_moneyness
 * along a random walk of the spot against log(S / K). */
#include <float.h>
#include <stdio.h>

#include "harness.h"
#include "smartflow/err.h"
#include "smartflow/greeks.h"

/* The undiscounted out-of-the-money time value over sqrt(F K) at x = -|ln(F/K)|, s = sigma sqrt(T). */
static long double ref_b(long double x, long double s) {
  const long double r2 = 1.41421356237309504880168872420969808L;
  long double d1 = x / s + s / 2, d2 = x / s - s / 2;
  return expl(x / 2) * 0.5L * erfcl(-d1 / r2) - expl(-x / 2) * 0.5L * erfcl(-d2 / r2);
}

/* sigma whose b equals beta, by bisection on s; NaN when beta is outside (0, e^{x/2}). */
static double ref_iv(long double x, long double beta, long double T) {
  if (!(beta > 0) || !(beta < expl(x / 2))) return NAN;
  long double lo = 0, hi = 1;
  while (ref_b(x, hi) < beta) {
    lo = hi;
    hi *= 2;
    if (hi > 1e6L) return NAN;
  }
  for (int i = 0; i < 400 && hi - lo > 1e-16L * hi; i++) {
    long double mid = (lo + hi) / 2;
    if (ref_b(x, mid) < beta)
      lo = mid;
    else
      hi = mid;
  }
  return (double)((lo + hi) / 2 / sqrtl(T));
}

static void check_greeks(bool call, double S, double K, double T, double sigma, const struct sf_greeks *g) {
  struct sf_greeks ref;
  sf_bs_greeks(call, S, K, T, 0.0, 0.0, sigma, &ref);
  double got[3] = {g->delta, g->gamma, g->vega}, want[3] = {ref.delta, ref.gamma, ref.vega};
  for (int i = 0; i < 3; i++)
    if (!(fabs(got[i] - want[i]) <= 1e-12 * fabs(want[i]) + 1e-300))
      fail_msg("call=%d K=%g T=%g sigma=%.17g: greek %d %.17g, sf_bs_greeks %.17g", call, K, T, sigma, i,
               got[i], want[i]);
}

static void test_iv_against_reference(void **state) {
  (void)state;
  static const double Ts[] = {
      1.0 / (365 * 24), 6.0 / (365 * 24), 1.0 / 365, 7.0 / 365, 30.0 / 365, 0.25, 1, 2};
  static const double gf[] = {1.001, 0.97, 1.3, 0.7, 3.0, 0.33};
  const double S = 100;
  long n = 0, cases = 0;
  double worst = 0, worst_rel = 0;
  for (int call = 0; call <= 1; call++)
    for (int xi = -60; xi <= 60; xi++) {
      /* ln(F/K) on a 0.05 grid, plus points within 1e-6 of the money */
      double xs = xi == 0 ? 1e-7 : (abs(xi) == 1 ? xi * 1e-6 : xi * 0.05);
      double K = S * exp(-xs);
      for (size_t ti = 0; ti < sizeof Ts / sizeof Ts[0]; ti++)
        for (double sig = 0.01; sig <= 4.0; sig *= 1.45) {
          double T = Ts[ti];
          double price = sf_bs_price(call, S, K, T, 0.0, 0.0, sig);
          double intrinsic = call ? (S > K ? S - K : 0) : (K > S ? K - S : 0);
          if (intrinsic > 0 && !(price < 2 * intrinsic)) continue; /* keep the set-up exact */
          /* a subnormal time value holds only a few bits: it pins no volatility to 1e-10 */
          if (!(price - intrinsic > 1e-290)) continue;
          long double tv = (long double)price - intrinsic, x = -fabsl(logl((long double)S / K));
          long double beta = tv / sqrtl((long double)S * K);
          double ref = ref_iv(x, beta, T);
          cases++;
          double lsk = log(S / K);
          for (size_t gi = 0; gi <= sizeof gf / sizeof gf[0]; gi++) {
            double guess = gi == 0 ? NAN : sig * gf[gi - 1], iv = -1;
            struct sf_greeks g;
            int rc = sf_bs_implied_vol_greeks(call, price, S, K, T, 0.0, lsk, guess, &iv, &g);
            if (isnan(ref)) {
              if (rc != SF_ENOTFOUND)
                fail_msg("call=%d K=%.17g T=%g sig=%g price %.17g: rc %d, no reference root", call, K, T, sig,
                         price, rc);
              continue;
            }
            if (rc != 0)
              fail_msg("call=%d K=%.17g T=%g sig=%g price %.17g guess %g: rc %d, reference %.17g", call, K, T,
                       sig, price, guess, rc, ref);
            n++;
            double err = fabs(iv - ref);
            if (err > worst) worst = err;
            if (err / ref > worst_rel) worst_rel = err / ref;
            if (!(err <= 1e-10))
              fail_msg("call=%d K=%.17g T=%g sig=%g price %.17g guess %g: iv %.17g, reference %.17g", call, K,
                       T, sig, price, guess, iv, ref);
            check_greeks(call, S, K, T, iv, &g);
          }
        }
    }
  printf("# iv reference: %ld cases, %ld solves, worst |iv - ref| %.3g (relative %.3g)\n", cases, n, worst,
         worst_rel);
  assert_true(n > 50000);
}

/* The engine's rate (r = 0.045) on out-of-the-money prices: F = S e^{rT} and the discounted price
 * carry one rounding each, so the reference solves from the long-double set-up and the bound
 * allows the conditioning of those roundings, 1e-14 relative of the price over vega. */
static void test_iv_with_rate(void **state) {
  (void)state;
  const double S = 187.37, r = 0.045;
  long n = 0;
  double worst = 0;
  for (int call = 0; call <= 1; call++)
    for (double m = 0.55; m <= 1.8; m *= 1.031)
      for (double T = 0.0004; T <= 2.5; T *= 2.3)
        for (double sig = 0.02; sig <= 3.5; sig *= 1.6) {
          double K = S * m;
          long double Fl = S * expl((long double)r * T);
          if (call ? Fl > K : Fl < K) continue; /* out of the money only */
          double price = sf_bs_price(call, S, K, T, r, 0.0, sig);
          if (!(price > 1e-290)) continue;
          long double tv = price * expl((long double)r * T), x = -fabsl(logl(Fl / K));
          double ref = ref_iv(x, tv / sqrtl(Fl * K), T);
          if (isnan(ref)) continue;
          struct sf_greeks g0;
          sf_bs_greeks(call, S, K, T, r, 0.0, ref, &g0);
          double iv = -1;
          struct sf_greeks g;
          int rc = sf_bs_implied_vol_greeks(call, price, S, K, T, r, log(S / K), sig * 1.05, &iv, &g);
          if (rc != 0) fail_msg("call=%d K=%g T=%g sig=%g: rc %d", call, K, T, sig, rc);
          n++;
          double err = fabs(iv - ref);
          if (err > worst) worst = err;
          if (!(err <= 1e-10 && err <= 1e-13 * ref + 1e-14 * price / g0.vega))
            fail_msg("call=%d K=%g T=%g sig=%g: iv %.17g, reference %.17g (vega %g)", call, K, T, sig, iv,
                     ref, g0.vega);
        }
  printf("# iv with rate: %ld solves, worst |iv - ref| %.3g\n", n, worst);
  assert_true(n > 1000);
}

/* Roots just either side of the inflection point s_c = sqrt(2 |x|) from guesses on either side:
 * a warm start takes its own side's branch on trust and must find the root across s_c too. */
static void test_iv_across_inflection(void **state) {
  (void)state;
  static const double rf[] = {0.5, 0.9, 0.99, 0.999, 1.001, 1.01, 1.1, 2.0};
  static const double gf[] = {0.3, 0.9, 0.995, 0.9999, 1.0001, 1.005, 1.1, 3.0};
  const double S = 100;
  long n = 0;
  double worst = 0;
  for (int call = 0; call <= 1; call++)
    for (double ax = 0.002; ax <= 2.5; ax *= 1.9)
      for (int side = -1; side <= 1; side += 2) {
        double L = side * ax, K = S * exp(-L), s_c = sqrt(2 * ax);
        for (size_t ri = 0; ri < sizeof rf / sizeof rf[0]; ri++) {
          double T = 0.25, sig = s_c * rf[ri] / sqrt(T);
          double price = sf_bs_price(call, S, K, T, 0.0, 0.0, sig);
          double intrinsic = call ? (S > K ? S - K : 0) : (K > S ? K - S : 0);
          if (intrinsic > 0 && !(price < 2 * intrinsic)) continue;
          if (!(price - intrinsic > 1e-290)) continue;
          long double tv = (long double)price - intrinsic, x = -fabsl(logl((long double)S / K));
          double ref = ref_iv(x, tv / sqrtl((long double)S * K), T);
          if (isnan(ref)) continue;
          for (size_t gi = 0; gi < sizeof gf / sizeof gf[0]; gi++) {
            double guess = s_c * gf[gi] / sqrt(T), iv = -1;
            struct sf_greeks g;
            int rc = sf_bs_implied_vol_greeks(call, price, S, K, T, 0.0, log(S / K), guess, &iv, &g);
            if (rc != 0)
              fail_msg("call=%d L=%g root %g s_c guess %g s_c: rc %d", call, L, rf[ri], gf[gi], rc);
            n++;
            double err = fabs(iv - ref);
            if (err > worst) worst = err;
            if (!(err <= 1e-10))
              fail_msg("call=%d L=%g root %g s_c guess %g s_c: iv %.17g, reference %.17g", call, L, rf[ri],
                       gf[gi], iv, ref);
            check_greeks(call, S, K, T, iv, &g);
          }
        }
      }
  printf("# iv across the inflection point: %ld solves, worst |iv - ref| %.3g\n", n, worst);
  assert_true(n > 1000);
}

static void test_iv_greeks_invalid(void **state) {
  (void)state;
  double iv = 7;
  struct sf_greeks g;
  assert_int_equal(sf_bs_implied_vol_greeks(true, 1, 100, 100, 0.1, 0.045, NAN, 0.2, &iv, &g), SF_EINVAL);
  assert_int_equal(sf_bs_implied_vol_greeks(true, 1, 100, 100, 0.1, 0.045, 0.0, 0.2, &iv, NULL), SF_EINVAL);
  assert_int_equal(sf_bs_implied_vol_greeks(true, 0.001, 100, 90, 0.1, 0.045, log(100.0 / 90), 0.2, &iv, &g),
                   SF_ENOTFOUND); /* below intrinsic */
  assert_int_equal(sf_bs_implied_vol_greeks(true, 101, 100, 90, 0.1, 0.045, log(100.0 / 90), 0.2, &iv, &g),
                   SF_ENOTFOUND); /* above the spot */
  check_near(iv, 7, 0);
}

/* Along a random walk of the spot (ticks of up to 0.3%, and jumps of 5% that force a new anchor),
 * sf_bs_log_moneyness stays within 1.5e-16 + 2.5e-16 |ln(S/K)| of the long-double ln(S/K), a
 * bound log(S / K) itself meets (the rounding of S / K alone is 1.1e-16), and equals log(S / K)
 * at an anchor. */
static void test_log_moneyness(void **state) {
  (void)state;
  struct sf_bs_logm m = {0};
  const double K = 432.5;
  double S = 431.17, worst = 0;
  uint64_t x = UINT64_C(0x2545f4914f6cdd1d);
  for (int i = 0; i < 200000; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    double u = (double)(x >> 11) / 9007199254740992.0;
    if (i % 5000 == 4999)
      S *= u < 0.5 ? 0.95 : 1.05;
    else if (i % 7 != 0) /* every seventh spot repeats */
      S = round(S * (1 + 0.006 * (u - 0.5)) * 100) / 100;
    double got = sf_bs_log_moneyness(&m, S, K), want = log(S / K);
    long double exact = logl((long double)S / K);
    double err = (double)fabsl(got - exact), bound = 1.5e-16 + 2.5e-16 * fabs(want);
    if (err > worst) worst = err;
    if (!(err <= bound)) fail_msg("step %d S=%.17g: %.17g, log %.17g", i, S, got, want);
    assert_true((double)fabsl(want - exact) <= bound); /* the bound holds for log itself */
    if (m.anchor == S) assert_memory_equal(&got, &want, sizeof got);
  }
  printf("# log moneyness: worst |error| %.3g\n", worst);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_iv_against_reference), cmocka_unit_test(test_iv_with_rate),
      cmocka_unit_test(test_iv_across_inflection), cmocka_unit_test(test_iv_greeks_invalid),
      cmocka_unit_test(test_log_moneyness),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
