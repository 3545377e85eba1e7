/* Implied-volatility benchmark: solves about a million IVs over a deterministic grid (calls and
 * puts, moneyness 0.5..2, T from one hour to two years, sigma 0.05..3, five rate/dividend
 * pairs), keeping only cases whose vega is not negligible (vega > 1e-8 S, where the volatility
 * is determined to 1e-6 by a double-precision price). Prices are generated first, then the
 * solves are timed alone, then every result is checked: it must exist and be within 1e-6 of the
 * volatility that produced the price. Prints one JSON line; exits 1 if any check failed. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "smartflow/greeks.h"
#include "smartflow/time.h"

struct job {
  double price, S, K, T, r, q, sigma;
  bool call;
};

int main(void) {
  enum { NM = 80, NT = 50, NS = 50, NR = 5 };
  static const double rates[NR][2] = {{0.0, 0.0}, {0.02, 0.0}, {0.045, 0.01}, {0.08, 0.03}, {-0.005, 0.0}};
  size_t cap = (size_t)2 * NM * NT * NS * NR, n = 0;
  struct job *jobs = malloc(cap * sizeof *jobs);
  double *iv = malloc(cap * sizeof *iv);
  int *rc = malloc(cap * sizeof *rc);
  if (!jobs || !iv || !rc) {
    fprintf(stderr, "bench_greeks: out of memory\n");
    return 1;
  }
  const double S = 100.0, t_min = 1.0 / (365.0 * 24.0), t_max = 2.0;
  for (int ri = 0; ri < NR; ri++)
    for (int c = 0; c < 2; c++)
      for (int mi = 0; mi < NM; mi++)
        for (int ti = 0; ti < NT; ti++)
          for (int si = 0; si < NS; si++) {
            struct job j;
            j.call = c == 1;
            j.S = S;
            j.K = S * 0.5 * pow(4.0, mi / (double)(NM - 1));
            j.T = t_min * pow(t_max / t_min, ti / (double)(NT - 1));
            j.sigma = 0.05 * pow(60.0, si / (double)(NS - 1));
            j.r = rates[ri][0];
            j.q = rates[ri][1];
            struct sf_greeks g;
            sf_bs_greeks(j.call, j.S, j.K, j.T, j.r, j.q, j.sigma, &g);
            if (!(g.vega > 1e-8 * S)) continue;
            j.price = g.price;
            jobs[n++] = j;
          }

  int64_t t0 = sf_time_mono_ns();
  for (size_t i = 0; i < n; i++) {
    const struct job *j = &jobs[i];
    rc[i] = sf_bs_implied_vol(j->call, j->price, j->S, j->K, j->T, j->r, j->q, &iv[i]);
  }
  int64_t t1 = sf_time_mono_ns();

  size_t failures = 0;
  double worst = 0;
  for (size_t i = 0; i < n; i++) {
    double err = rc[i] == 0 ? fabs(iv[i] - jobs[i].sigma) : INFINITY;
    if (err > worst) worst = err;
    if (!(err <= 1e-6)) {
      if (failures < 5)
        fprintf(stderr, "bench_greeks: %s S=%g K=%.6g T=%.6g r=%g q=%g sigma=%.6g: rc %d iv %.17g\n",
                jobs[i].call ? "call" : "put", jobs[i].S, jobs[i].K, jobs[i].T, jobs[i].r, jobs[i].q,
                jobs[i].sigma, rc[i], rc[i] == 0 ? iv[i] : NAN);
      failures++;
    }
  }
  printf("{\"bench\":\"iv\",\"solves\":%zu,\"ns_per_solve\":%.1f,\"failures\":%zu,\"worst_abs_err\":%.3g}\n",
         n, (double)(t1 - t0) / (double)n, failures, worst);
  free(jobs);
  free(iv);
  free(rc);
  return failures ? 1 : 0;
}
