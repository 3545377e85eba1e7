/* Black-Scholes-Merton prices, greeks and implied volatility.
 *
 * Normal CDF: W. J. Cody's rational Chebyshev approximations (Cody 1969; ACM TOMS Algorithm
 * 715, "ANORM", the routine behind R's pnorm), three ranges with the exp(-x^2/2) factor split
 * as exp(-xs^2/2) exp(-(x-xs)(x+xs)/2), xs = x rounded down to 1/16, so the lower tail keeps
 * full relative precision down to x = -37.5 (checked against 40-digit references: relative
 * error below 1e-15, absolute below 2e-16).
 *
 * Implied volatility works on the normalised Black price of the out-of-the-money option.
 * With F the forward, D the discount factor, the undiscounted price p = price / D minus the
 * intrinsic max(phi (F - K), 0) is the time value, which by put-call parity equals the price
 * of the out-of-the-money option; scaled by sqrt(F K) and with x = -|ln(F/K)| it is
 *   b(x, s) = e^{x/2} N(x/s + s/2) - e^{-x/2} N(x/s - s/2),   s = sigma sqrt(T),
 * increasing in s from 0 to e^{x/2}, convex below the inflection point s_c = sqrt(2|x|) and
 * concave above it (Jaeckel, "Let's be rational", 2015, section 2). A volatility exists exactly
 * when 0 < b < e^{x/2}; otherwise SF_ENOTFOUND. The root is found by Halley steps (db/ds =
 * e^{x/2} n(d1), d2b/ds2 = db/ds d1 d2 / s) inside a maintained bracket, with bisection when a
 * step leaves it: on b itself in the concave branch, and on ln b in the convex branch, where
 * ln b is close to -x^2/(2 s^2) and so nearly linear in 1/s^2 even for prices of 1e-100. The
 * start is the caller's guess when it lies in the root's branch (the engine passes the
 * contract's previous solution, usually a step or two away), else the Corrado-Miller (1996)
 * estimate in the concave branch and the small-s asymptote
 * ln b ~ -x^2/(2s^2) + 3 ln s - 2 ln|x| - ln sqrt(2 pi) in the convex one, each clipped into its
 * branch, so three or four steps reach full precision.
 *
 * Cost (the engine solves about one IV per two prints): one exp per evaluation, since the
 * density at d1 and both CDF tails share exp(-d1^2/2) (exp(-d2^2/2) = exp(-d1^2/2) e^x); no
 * exp in the set-up (e^x = min(F,K)/max(F,K), e^{x/2} its square root, the discount factor
 * by its Taylor series for |rT| < 1%); ln(b/beta) by its series near the root; and a Halley
 * step below 1e-6 s ends the iteration (cubic convergence leaves an error far below the
 * double's resolution), so a warm start costs two evaluations. */
#include "smartflow/greeks.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>

#include "smartflow/err.h"

#define INV_SQRT_2PI 0.398942280401432677939946059934
#define SQRT_2PI 2.50662827463100050241576528481
#define SQRT_32 5.656854249492380195206754896838
#define PI 3.14159265358979323846264338327950288

/* exp(-xs^2/2) for xs = k/16, k = 0..EXP_TAB_N-1: xs^2/2 = k^2/512 is exact in a double, so
 * the table holds exactly what exp(-xs * xs * 0.5) returns (computed by the same exp, once per
 * process, at first use), and a lookup saves one of the two exp calls per tail evaluation. */
#define EXP_TAB_N 617 /* y < 38.5 => k <= 615 */
static double exp_tab[EXP_TAB_N];
static pthread_once_t exp_tab_once = PTHREAD_ONCE_INIT;
static atomic_bool exp_tab_ready; /* set (release) after the table is filled */
static void exp_tab_init(void) {
  for (int k = 0; k < EXP_TAB_N; k++) {
    double xs = (double)k / 16.0;
    exp_tab[k] = exp(-xs * xs * 0.5);
  }
  atomic_store_explicit(&exp_tab_ready, true, memory_order_release);
}

/* exp(-x^2/2) with x^2 split so the rounding of x^2 does not cost relative accuracy
 * (0 <= y < 38.5). The acquire load is a plain load on x86 and skips the pthread_once call
 * (a dozen per implied-volatility solve) once the table is ready. */
static double exp_half_sq(double y) {
  if (!atomic_load_explicit(&exp_tab_ready, memory_order_acquire)) pthread_once(&exp_tab_once, exp_tab_init);
  int k = (int)(y * 16.0); /* 0 <= y * 16 < 616: the conversion is trunc, exactly */
  double xs = (double)k / 16.0;
  double del = (y - xs) * (y + xs);
  return exp_tab[k] * exp(-del * 0.5);
}

/* N(x) given e = exp(-x^2/2) (as exp_half_sq(|x|) returns it; 0 for |x| >= 38.5): the tails
 * are e times a rational function, so a caller that needs the density at x as well (or the
 * factor at a point whose exp(-y^2/2) it knows from x's) pays for one exp instead of two. */
static inline double norm_cdf_e(double x, double e) {
  static const double a[5] = {2.2352520354606839287, 161.02823106855587881, 1067.6894854603709582,
                              18154.981253343561249, 0.065682337918207449113};
  static const double b[4] = {47.20258190468824187, 976.09855173777669322, 10260.932208618978205,
                              45507.789335026729956};
  static const double c[9] = {0.39894151208813466764, 8.8831497943883759412, 93.506656132177855979,
                              597.27027639480026226,  2494.5375852903726711, 6848.1904505362823326,
                              11602.651437647350124,  9842.7148383839780218, 1.0765576773720192317e-8};
  static const double d[8] = {22.266688044328115691, 235.38790178262499861, 1519.377599407554805,
                              6485.558298266760755,  18615.571640885098091, 34900.952721145977266,
                              38912.003286093271411, 19685.429676859990727};
  static const double p[6] = {0.21589853405795699,     0.1274011611602473639, 0.022235277870649807,
                              0.001421619193227893466, 2.9112874951168792e-5, 0.02307344176494017303};
  static const double q[5] = {1.28426009614491121, 0.468238212480865118, 0.0659881378689285515,
                              0.00378239633202758244, 7.29751555083966205e-5};
  if (isnan(x)) return x;
  double y = fabs(x);
  if (y <= 0.67448975) {
    double xsq = x * x, xnum = a[4] * xsq, xden = xsq;
    for (int i = 0; i < 3; i++) {
      xnum = (xnum + a[i]) * xsq;
      xden = (xden + b[i]) * xsq;
    }
    return 0.5 + x * (xnum + a[3]) / (xden + b[3]);
  }
  double tail;
  if (y <= SQRT_32) {
    double xnum = c[8] * y, xden = y;
    for (int i = 0; i < 7; i++) {
      xnum = (xnum + c[i]) * y;
      xden = (xden + d[i]) * y;
    }
    tail = e * (xnum + c[7]) / (xden + d[7]);
  } else if (y < 38.5) {
    double xsq = 1.0 / (x * x), xnum = p[5] * xsq, xden = xsq;
    for (int i = 0; i < 4; i++) {
      xnum = (xnum + p[i]) * xsq;
      xden = (xden + q[i]) * xsq;
    }
    double t = xsq * (xnum + p[4]) / (xden + q[4]);
    tail = e * (INV_SQRT_2PI - t) / y;
  } else {
    tail = 0.0;
  }
  return x > 0 ? 1.0 - tail : tail;
}

/* exp(-x^2/2) as norm_cdf_e wants it: with the split of exp_half_sq below 38.5, else 0 (the
 * tail is 0 there; the density below the smallest subnormal). */
static inline double gauss_e(double x) {
  double y = fabs(x);
  return y < 38.5 ? exp_half_sq(y) : 0.0;
}

static inline double norm_cdf(double x) {
  double y = fabs(x);
  return norm_cdf_e(x, y > 0.67448975 ? gauss_e(x) : 0.0);
}

double sf_norm_cdf(double x) { return norm_cdf(x); }

double sf_bs_price(bool is_call, double S, double K, double T, double r, double q, double sigma) {
  if (!(T > 0)) return is_call ? fmax(S - K, 0.0) : fmax(K - S, 0.0);
  double df = exp(-r * T), sq = S * exp(-q * T); /* K df and S e^{-qT} = F df */
  if (!(sigma > 0)) return is_call ? fmax(sq - K * df, 0.0) : fmax(K * df - sq, 0.0);
  double s = sigma * sqrt(T);
  double d1 = (log(S / K) + (r - q) * T) / s + 0.5 * s, d2 = d1 - s;
  if (is_call) return sq * norm_cdf(d1) - K * df * norm_cdf(d2);
  return K * df * norm_cdf(-d2) - sq * norm_cdf(-d1);
}

void sf_bs_greeks(bool is_call, double S, double K, double T, double r, double q, double sigma,
                  struct sf_greeks *out) {
  if (!out) return;
  if (!(T > 0) || !(sigma > 0)) {
    /* Expired or zero volatility: the discounted intrinsic value, a step delta, no curvature. */
    double tt = T > 0 ? T : 0.0;
    double df = exp(-r * tt), dq = exp(-q * tt);
    bool fwd_itm = is_call ? S * dq > K * df : K * df > S * dq;
    out->price = sf_bs_price(is_call, S, K, T, r, q, sigma);
    out->delta = fwd_itm ? (is_call ? dq : -dq) : 0.0;
    out->gamma = 0.0;
    out->vega = 0.0;
    out->theta = 0.0;
    if (fwd_itm && T > 0) out->theta = is_call ? q * S * dq - r * K * df : r * K * df - q * S * dq;
    return;
  }
  double sqrt_t = sqrt(T), s = sigma * sqrt_t;
  /* exp(-0 T) is exactly 1: skip the call for the usual q = 0. */
  double df = exp(-r * T), dq = q == 0 ? 1.0 : exp(-q * T), sq = S * dq;
  double d1 = (log(S / K) + (r - q) * T) / s + 0.5 * s, d2 = d1 - s;
  double e1 = gauss_e(d1), pdf1 = INV_SQRT_2PI * e1; /* the density and N(d1) share exp */
  out->gamma = dq * pdf1 / (S * s);
  out->vega = sq * pdf1 * sqrt_t;
  double decay = -sq * pdf1 * sigma / (2.0 * sqrt_t);
  if (is_call) {
    double n1 = norm_cdf_e(d1, e1), n2 = norm_cdf(d2);
    out->price = sq * n1 - K * df * n2;
    out->delta = dq * n1;
    out->theta = decay - r * K * df * n2 + q * sq * n1;
  } else {
    double n1 = norm_cdf_e(-d1, e1), n2 = norm_cdf(-d2);
    out->price = K * df * n2 - sq * n1;
    out->delta = -dq * n1;
    out->theta = decay + r * K * df * n2 - q * sq * n1;
  }
}

void sf_bs_delta_gamma_vega(bool is_call, double S, double K, double T, double r, double sigma,
                            double log_s_k, struct sf_greeks *out) {
  if (!out) return;
  if (!(T > 0) || !(sigma > 0)) {
    struct sf_greeks g;
    sf_bs_greeks(is_call, S, K, T, r, 0.0, sigma, &g);
    out->delta = g.delta;
    out->gamma = g.gamma;
    out->vega = g.vega;
    return;
  }
  /* sf_bs_greeks with q = 0 term by term: dq = 1 and (r - q) = r exactly, so each product
   * and sum below rounds as the corresponding one there does. */
  double sqrt_t = sqrt(T), s = sigma * sqrt_t;
  double d1 = (log_s_k + r * T) / s + 0.5 * s;
  double e1 = gauss_e(d1), pdf1 = INV_SQRT_2PI * e1;
  out->gamma = pdf1 / (S * s);
  out->vega = S * pdf1 * sqrt_t;
  out->delta = is_call ? norm_cdf_e(d1, e1) : -norm_cdf_e(-d1, e1);
}

/* The normalised out-of-the-money call b(x, s) (x <= 0) and its first two s-derivatives. One
 * exp per evaluation: with d1 = x/s + s/2 and d2 = d1 - s, d2^2 = d1^2 - 2x, so
 * exp(-d2^2/2) = exp(-d1^2/2) e^x, and the density at d1 is that same factor over sqrt(2 pi). */
struct nb {
  double b, db, d2b;
};

/* e^z: for the small |z| of a discount factor (r T below 1%) eight Taylor terms are exact to
 * the double's resolution (the remainder is below z^9 / 9! < 3e-24); exp otherwise. */
static double exp_small(double z) {
  if (!(fabs(z) < 0.01)) return exp(z);
  return 1 +
         z * (1 + z / 2 * (1 + z / 3 * (1 + z / 4 * (1 + z / 5 * (1 + z / 6 * (1 + z / 7 * (1 + z / 8)))))));
}

static struct nb normalised_black(double x, double s, double ex_half, double ex_mhalf, double ex) {
  double d1 = x / s + 0.5 * s, d2 = x / s - 0.5 * s;
  double e1 = gauss_e(d1), e2 = e1 * ex;
  struct nb v;
  v.b = ex_half * norm_cdf_e(d1, e1) - ex_mhalf * norm_cdf_e(d2, e2);
  if (v.b < 0) v.b = 0; /* rounding in the deep tail */
  v.db = ex_half * INV_SQRT_2PI * e1;
  v.d2b = v.db * d1 * d2 / s;
  return v;
}

/* Solves b(x, s) = beta for s, given 0 < beta < e^{x/2} = ex_half and x <= 0. Returns s, or
 * NaN. Halley's method converges cubically, so once a step is below 1e-6 s the point it
 * reaches is within ~1e-18 s of the root (far below the double's resolution) and is returned
 * without another evaluation. */
static double solve_normalised(double x, double beta, double ex_half, double ex, double s0) {
  double ex_mhalf = 1.0 / ex_half;
  double s_c = sqrt(-2.0 * x);
  /* At s_c, d1 = x / s_c + s_c / 2 = 0 and d2 = -s_c, where exp(-d2^2 / 2) = e^x. */
  double b_c = s_c > 0 ? 0.5 * ex_half - ex_mhalf * norm_cdf_e(-s_c, s_c < 38.5 ? ex : 0.0) : 0.0;
  bool convex = beta < b_c;
  double lo, hi, s;
  double log_beta = NAN; /* log(beta), computed when first needed */
  bool warm = s0 > 0 && isfinite(s0) && (convex ? s0 < s_c : s0 > s_c);
  if (warm) {
    lo = convex ? 0.0 : s_c;
    hi = convex ? s_c : INFINITY;
    s = s0;
  } else if (convex) {
    lo = 0.0;
    hi = s_c;
    /* Small-s asymptote, two fixed-point passes. */
    static const double log_sqrt_2pi = 0.91893853320467274178;
    double ax = -x, two_log_ax = 2.0 * log(ax);
    log_beta = log(beta);
    s = ax / sqrt(-2.0 * log_beta);
    for (int k = 0; k < 2; k++) {
      double rhs = -log_beta + 3.0 * log(s) - two_log_ax - log_sqrt_2pi;
      if (!(rhs > 0)) break;
      s = ax / sqrt(2.0 * rhs);
    }
  } else {
    lo = s_c;
    hi = INFINITY;
    /* Corrado-Miller with F = e^{x/2}, K = e^{-x/2}, call price beta. */
    double fk = ex_half - ex_mhalf, half = beta - 0.5 * fk;
    double disc = half * half - fk * fk / PI;
    s = SQRT_2PI / (ex_half + ex_mhalf) * (half + sqrt(disc > 0 ? disc : 0.0));
  }
  if (!(s > lo && s < hi) || !isfinite(s)) s = isfinite(hi) ? 0.5 * (lo + hi) : (lo > 0 ? 2.0 * lo : 1.0);

  for (int iter = 0; iter < 200; iter++) {
    struct nb v = normalised_black(x, s, ex_half, ex_mhalf, ex);
    double f;
    if (!convex) {
      f = v.b - beta;
    } else if (!(v.b > 0)) {
      f = -INFINITY;
    } else {
      /* ln(b / beta) = ln(1 + u): near the root |u| < 1e-3, and six terms of the series are
       * exact to the double's resolution (the remainder is below u^7 / 7 < 2e-22); ln b -
       * ln beta further out. */
      double u = (v.b - beta) / beta;
      if (fabs(u) < 1e-3) {
        f = u * (1 - u * (0.5 - u * (1.0 / 3 - u * (0.25 - u * (0.2 - u / 6)))));
      } else {
        if (isnan(log_beta)) log_beta = log(beta);
        f = log(v.b) - log_beta;
      }
    }
    if (f == 0) return s;
    if (f < 0)
      lo = s;
    else
      hi = s;
    double step = NAN;
    if (isfinite(f)) {
      double g1, g2;
      if (convex) {
        double r1 = v.db / v.b;
        g1 = r1;
        g2 = v.d2b / v.b - r1 * r1;
      } else {
        g1 = v.db;
        g2 = v.d2b;
      }
      double den = 2.0 * g1 * g1 - f * g2;
      step = (den != 0 && isfinite(den)) ? -2.0 * f * g1 / den : -f / g1;
      if (!isfinite(step)) step = -f / g1;
    }
    double next = s + step;
    bool halley = next > lo && next < hi;
    if (!halley) next = isfinite(hi) ? 0.5 * (lo + hi) : 2.0 * s;
    if ((halley && fabs(next - s) <= 1e-6 * s) || fabs(next - s) <= 1e-14 * s ||
        (isfinite(hi) && hi - lo <= 4e-16 * hi))
      return next;
    s = next;
  }
  return NAN;
}

static int implied_vol(bool is_call, double price, double S, double K, double T, double r, double q,
                       double guess, double *sigma) {
  if (!sigma) return SF_EINVAL;
  if (isnan(price) || isnan(S) || isnan(K) || isnan(T) || !isfinite(r) || !isfinite(q)) return SF_EINVAL;
  if (!(T > 0) || !(S > 0) || !(K > 0) || !isfinite(S) || !isfinite(K) || !isfinite(T) || !isfinite(price))
    return SF_ENOTFOUND;
  double df = exp_small(-r * T);
  double fwd = q == 0 ? S / df : S * exp((r - q) * T); /* e^{rT} = 1 / df */
  double p = price / df;
  /* fmax / fmin without the calls: fwd and K are positive here, a difference of them is not
   * NaN, and the sign of a zero intrinsic does not reach tv */
  double ov = is_call ? fwd - K : K - fwd;
  double intrinsic = ov > 0 ? ov : 0.0;
  double tv = p - intrinsic; /* the out-of-the-money option's undiscounted price */
  if (!(tv > 0) || !(tv < (fwd < K ? fwd : K))) return SF_ENOTFOUND;
  double x = -fabs(log(fwd / K));
  double beta = tv / sqrt(fwd * K);
  /* e^x = min(F, K) / max(F, K), and e^{x/2} its square root: no exp needed. */
  double ex = fwd < K ? fwd / K : K / fwd, ex_half = sqrt(ex);
  if (!(beta < ex_half)) return SF_ENOTFOUND;
  double sqrt_t = sqrt(T);
  double s = solve_normalised(x, beta, ex_half, ex, guess * sqrt_t);
  if (!(s > 0) || !isfinite(s)) return SF_ENOTFOUND;
  *sigma = s / sqrt_t;
  return 0;
}

int sf_bs_implied_vol(bool is_call, double price, double S, double K, double T, double r, double q,
                      double *sigma) {
  return implied_vol(is_call, price, S, K, T, r, q, NAN, sigma);
}

int sf_bs_implied_vol_guess(bool is_call, double price, double S, double K, double T, double r, double q,
                            double guess, double *sigma) {
  return implied_vol(is_call, price, S, K, T, r, q, guess, sigma);
}
