/* Black-Scholes-Merton pricing, greeks and implied volatility for European-style options on an
 * underlying with continuous dividend yield q (0 for most uses). T is in years, rates and vols
 * annualised. The implied-volatility solver is robust near intrinsic and deep out of the money
 * (an initial guess, the caller's or Corrado-Miller / a small-vol asymptote, then safeguarded
 * Halley/bisection steps on a bracket) and returns
 * SF_ENOTFOUND when no volatility reproduces the price (below intrinsic, above the upper bound,
 * or T <= 0). */
#ifndef SMARTFLOW_GREEKS_H
#define SMARTFLOW_GREEKS_H

#include <stdbool.h>

/* delta and gamma per unit of S, vega per unit of sigma (1.00 = 100 vol points), theta per year
 * (the change in value as calendar time passes, so usually negative). */
struct sf_greeks {
  double price, delta, gamma, vega, theta;
};

/* Price of a call (is_call) or put. */
double sf_bs_price(bool is_call, double S, double K, double T, double r, double q, double sigma);
/* Price and greeks in one pass. */
void sf_bs_greeks(bool is_call, double S, double K, double T, double r, double q, double sigma,
                  struct sf_greeks *out);
/* Implied volatility of a price; 0 and *sigma set, or SF_ENOTFOUND / SF_EINVAL. */
int sf_bs_implied_vol(bool is_call, double price, double S, double K, double T, double r, double q,
                      double *sigma);
/* sf_bs_implied_vol started from a guess (a volatility near the answer, e.g. the previous solution
 * for the same contract); a guess that is not finite and > 0, or lies on the wrong side of the
 * price's inflection point, is ignored. The answer is the same root, converged to the double's
 * resolution; a close guess saves one or two iterations. */
int sf_bs_implied_vol_guess(bool is_call, double price, double S, double K, double T, double r, double q,
                            double guess, double *sigma);
/* sf_bs_implied_vol_guess for q = 0 with delta, gamma and vega at the solution, the engine's
 * per-print path: log_s_k is log(S / K) (sf_bs_log_moneyness keeps it per contract), the greeks
 * come from the solver's last evaluation (no second pass), and only out's delta, gamma and vega
 * are set. The volatility is the root of the double-precision problem to ~1e-15 relative where
 * the price determines it (never worse than 1e-10 absolute against a long-double reference), the
 * greeks those of sf_bs_greeks at it to 1e-12 relative; not bit for bit.
 * 0, or SF_ENOTFOUND / SF_EINVAL (out NULL, log_s_k NaN). */
int sf_bs_implied_vol_greeks(bool is_call, double price, double S, double K, double T, double r,
                             double log_s_k, double guess, double *sigma, struct sf_greeks *out);
/* log(S / K) for one strike K as the spot moves: a zeroed struct is empty. Within 1% of the spot
 * where log was last called the answer is that log plus ln(1 + dS / S0) by a short series (as
 * close to the exact value as log(S / K): 1.5e-16 + 2.5e-16 |ln(S/K)|), so a spot that ticks
 * costs no log. */
struct sf_bs_logm {
  double spot, lsk;          /* the last spot asked and its answer */
  double anchor, anchor_lsk; /* the spot where log was called (0: none) and log(anchor / K) */
};
double sf_bs_log_moneyness(struct sf_bs_logm *m, double S, double K);
/* Standard normal CDF, accurate to ~1e-15. */
double sf_norm_cdf(double x);

#endif
