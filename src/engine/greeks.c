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
 * when 0 < b < e^{x/2}; otherwise SF_ENOTFOUND. The root is found inside a maintained bracket
 * by steps of the inverse function's Taylor series to third order (O(h^4) error; Halley's step
 * far from the root, bisection when a step leaves the bracket), on b itself in the concave
 * branch and on ln b in the convex branch, where ln b is close to -x^2/(2 s^2) and so nearly
 * linear in 1/s^2 even for prices of 1e-100. The start is the caller's guess (the engine passes
 * the contract's previous solution, typically a few per cent away), taken on trust as to its
 * side of s_c until a step tries to cross it; without one, the Corrado-Miller (1996) estimate in
 * the concave branch and the small-s asymptote ln b ~ -x^2/(2s^2) + 3 ln s - 2 ln|x| -
 * ln sqrt(2 pi) in the convex one, each clipped into its branch.
 *
 * Cost (the engine solves about one IV per two prints; about two evaluations per warm solve):
 * one exp per evaluation, since the density at d1 and both CDF tails share exp(-d1^2/2)
 * (exp(-d2^2/2) = exp(-d1^2/2) e^x), and that exp inline (exp_neg_small: a 32-entry table of
 * 2^(j/32) and a degree-6 polynomial, within two ulps of libm's); no exp or log in the set-up
 * (e^x = min(F,K)/max(F,K), e^{x/2} its square root, the discount factor by its Taylor series
 * for |rT| < 1%, ln(F/K) = ln(S/K) + rT from the caller's ln(S/K)); ln(b/beta) by series for
 * |b/beta - 1| <= 1/4; a step below 1e-5 s with |f''/f' h| <= 1e-4 ends the iteration without
 * another evaluation; b(s_c) only when the branch is in doubt; and delta, gamma and vega from
 * the last evaluation's N(d1), N(d2) and density, carried across the final step by Taylor
 * expansion. The engine's answers (sf_bs_implied_vol_greeks) agree with a long-double
 * bisection reference to 1e-13 relative (tests/engine/test_iv_reference.c) but not bit for bit
 * with the Halley solver this replaced. sf_bs_price, sf_bs_greeks and sf_norm_cdf call libm's
 * exp, as before, so prices (the synthetic market's included) are unchanged. */
#include "smartflow/greeks.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

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
static double pow2_tab[32]; /* 2^(j/32), for exp_neg_small */
static pthread_once_t exp_tab_once = PTHREAD_ONCE_INIT;
static atomic_bool exp_tab_ready; /* set (release) after the table is filled */
static void exp_tab_init(void) {
  for (int k = 0; k < EXP_TAB_N; k++) {
    double xs = (double)k / 16.0;
    exp_tab[k] = exp(-xs * xs * 0.5);
  }
  for (int j = 0; j < 32; j++) pow2_tab[j] = exp2((double)j / 32.0);
  atomic_store_explicit(&exp_tab_ready, true, memory_order_release);
}

/* Makes exp_tab and pow2_tab ready: an acquire load (a plain load on x86) once they are. */
static inline void tables_ready(void) {
  if (!atomic_load_explicit(&exp_tab_ready, memory_order_acquire)) pthread_once(&exp_tab_once, exp_tab_init);
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

/* Cody's approximation (see norm_cdf_e below), for y = |x| > 0.67448975 given e = exp(-x^2/2): the
 * tail N(-y). */
static inline double cdf_tail(double y, double e) {
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
  if (y <= SQRT_32) {
    double xnum = c[8] * y, xden = y;
    for (int i = 0; i < 7; i++) {
      xnum = (xnum + c[i]) * y;
      xden = (xden + d[i]) * y;
    }
    return e * (xnum + c[7]) / (xden + d[7]);
  }
  if (y < 38.5) {
    double xsq = 1.0 / (y * y), xnum = p[5] * xsq, xden = xsq;
    for (int i = 0; i < 4; i++) {
      xnum = (xnum + p[i]) * xsq;
      xden = (xden + q[i]) * xsq;
    }
    double t = xsq * (xnum + p[4]) / (xden + q[4]);
    return e * (INV_SQRT_2PI - t) / y;
  }
  return 0.0;
}

/* The central range of Cody's approximation: N(x) - 1/2 for |x| <= 0.67448975. */
static inline double cdf_centre(double x) {
  static const double a[5] = {2.2352520354606839287, 161.02823106855587881, 1067.6894854603709582,
                              18154.981253343561249, 0.065682337918207449113};
  static const double b[4] = {47.20258190468824187, 976.09855173777669322, 10260.932208618978205,
                              45507.789335026729956};
  double xsq = x * x, xnum = a[4] * xsq, xden = xsq;
  for (int i = 0; i < 3; i++) {
    xnum = (xnum + a[i]) * xsq;
    xden = (xden + b[i]) * xsq;
  }
  return x * (xnum + a[3]) / (xden + b[3]);
}

/* N(x) given e = exp(-x^2/2) (as exp_half_sq(|x|) returns it; 0 for |x| >= 38.5): the tails
 * are e times a rational function, so a caller that needs the density at x as well (or the
 * factor at a point whose exp(-y^2/2) it knows from x's) pays for one exp instead of two. */
static inline double norm_cdf_e(double x, double e) {
  if (isnan(x)) return x;
  double y = fabs(x);
  if (y <= 0.67448975) return 0.5 + cdf_centre(x);
  double tail = cdf_tail(y, e);
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

/* e^z for -2.5 < z <= 0 (the residual factor of exp_half_sq), inline: z = n ln2/32 + r with
 * |r| <= ln2/64, e^z = 2^(n/32) e^r, 2^(j/32) from pow2_tab and e^r by its Taylor series to r^6
 * (remainder below r^7/7! < 4e-18). Within two units in the last place of exp. */
static inline double exp_neg_small(double z) {
  static const double inv_ln2_32 = 46.166241308446828384;          /* 32 / ln 2 */
  static const double ln2_32_hi = 6.93147180369123816490e-01 / 32; /* 32 significant bits */
  static const double ln2_32_lo = 1.90821492927058770002e-10 / 32;
  static const double shift = 6755399441055744.0; /* 1.5 * 2^52: adding it rounds to an integer */
  double kd = z * inv_ln2_32 + shift;
  kd -= shift;
  int n = (int)kd; /* -112 <= n <= 0 here */
  double r = z - kd * ln2_32_hi - kd * ln2_32_lo;
  int j = n & 31, e = (n - j) / 32; /* n = 32 e + j, 0 <= j < 32 */
  union {
    uint64_t u;
    double d;
  } scale = {.u = (uint64_t)(1023 + e) << 52};
  double p = 1 + r * (1 + r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (1.0 / 720))))));
  return pow2_tab[j] * scale.d * p;
}

/* exp(-d^2/2) as gauss_e, with the residual exp inline (0 for |d| >= 38.5). The caller has made
 * the tables ready (tables_ready: once per solve, not per evaluation). */
static inline double gauss_fast(double d) {
  double y = fabs(d);
  if (!(y < 38.5)) return 0.0;
  int k = (int)(y * 16.0);
  double xs = (double)k / 16.0;
  return exp_tab[k] * exp_neg_small(-0.5 * ((y - xs) * (y + xs)));
}

/* N(x) and N(-x) (in *comp) given e = exp(-x^2/2), x finite: Cody's approximation as in
 * norm_cdf_e, each side from the same rational (0.5 +- x R(x^2) in the centre, the tail t and
 * 1 - t outside), so a deep tail keeps its relative precision on whichever side it is asked.
 * (1/(x x) = 1/(y y) exactly, y = |x|.) */
static inline double cdf_pair(double x, double e, double *comp) {
  double y = fabs(x);
  if (y <= 0.67448975) {
    double rr = cdf_centre(x);
    *comp = 0.5 - rr;
    return 0.5 + rr;
  }
  double tail = cdf_tail(y, e);
  *comp = x > 0 ? tail : 1.0 - tail;
  return x > 0 ? 1.0 - tail : tail;
}

/* cdf_pair for x < 0, without the sign's selections (the solver's convex branch, where both d1
 * and d2 are negative). */
static inline double cdf_pair_neg(double x, double e, double *comp) {
  if (x >= -0.67448975) {
    double rr = cdf_centre(x);
    *comp = 0.5 - rr;
    return 0.5 + rr;
  }
  double tail = cdf_tail(-x, e);
  *comp = 1.0 - tail;
  return tail;
}

/* ln(1 + u) for |u| <= 0.25: near the root (|u| <= 1e-4) its own series to u^5 (remainder below
 * u^6 / 6 < 2e-25, relative 2e-21); else 2 atanh(t), t = u / (2 + u), |t| <= 1/7, by its series
 * to t^19 (the first term left out is below t^21 / 21 < 6e-19 of the sum). */
static inline double log1p_small(double u) {
  if (fabs(u) <= 1e-4) return u * (1 - u * (0.5 - u * (1.0 / 3 - u * (0.25 - u * 0.2))));
  double t = u / (2.0 + u), t2 = t * t;
  double p = 1.0 / 19;
  p = 1.0 / 17 + t2 * p;
  p = 1.0 / 15 + t2 * p;
  p = 1.0 / 13 + t2 * p;
  p = 1.0 / 11 + t2 * p;
  p = 1.0 / 9 + t2 * p;
  p = 1.0 / 7 + t2 * p;
  p = 1.0 / 5 + t2 * p;
  p = 1.0 / 3 + t2 * p;
  return 2.0 * t * (1.0 + t2 * p);
}

/* e^z: for the small |z| of a discount factor (r T below 1%) eight Taylor terms are exact to
 * the double's resolution (the remainder is below z^9 / 9! < 3e-24); exp otherwise. */
static double exp_small(double z) {
  if (!(fabs(z) < 0.01)) return exp(z);
  return 1 +
         z * (1 + z * (1.0 / 2 +
                       z * (1.0 / 6 +
                            z * (1.0 / 24 +
                                 z * (1.0 / 120 + z * (1.0 / 720 + z * (1.0 / 5040 + z * (1.0 / 40320))))))));
}

/* The normalised out-of-the-money call b(x, s) (x <= 0) at one s, with what its derivatives and
 * the greeks need. One exp per evaluation: with d1 = x/s + s/2 and d2 = d1 - s, d2^2 = d1^2 - 2x,
 * so exp(-d2^2/2) = exp(-d1^2/2) e^x, and the density at d1 is that same factor over sqrt(2 pi).
 * db/ds = e^{x/2} n(d1) and d2b/ds2 = db/ds P with P = d1 d2 / s = x^2/s^3 - s/4, so
 * d3b/ds3 = db/ds (P^2 + P'), P' = -3 x^2/s^4 - 1/4. */
struct nb {
  double b, db, P, PP, d1, d2, e1, n1, n1c, n2, n2c; /* PP = P^2 + P'; n1 = N(d1), n1c = N(-d1), ... */
};

static inline void normalised_black(double x, double s, double ex_half, double ex_mhalf, double ex,
                                    struct nb *v) {
  double inv_s = 1.0 / s, xs = x * inv_s;
  v->d1 = xs + 0.5 * s;
  v->d2 = xs - 0.5 * s;
  v->e1 = gauss_fast(v->d1);
  if (v->d1 < 0) { /* then d2 < 0 too */
    v->n1 = cdf_pair_neg(v->d1, v->e1, &v->n1c);
    v->n2 = cdf_pair_neg(v->d2, v->e1 * ex, &v->n2c);
  } else {
    v->n1 = cdf_pair(v->d1, v->e1, &v->n1c);
    v->n2 = cdf_pair(v->d2, v->e1 * ex, &v->n2c);
  }
  v->b = ex_half * v->n1 - ex_mhalf * v->n2;
  if (v->b < 0) v->b = 0; /* rounding in the deep tail */
  v->db = ex_half * INV_SQRT_2PI * v->e1;
  v->P = v->d1 * v->d2 * inv_s;
  double q = xs * inv_s;
  v->PP = v->P * v->P - 3.0 * q * q - 0.25;
}

/* Solves b(x, s) = beta for s, given 0 < beta < e^{x/2} = ex_half and x <= 0. Returns s, or
 * NaN; *last and *s_last hold the last evaluation (the greeks start from it).
 *
 * Each evaluation gives f (b - beta, or ln(b / beta) in the convex branch) and its first three
 * derivatives, and the step is the inverse function's Taylor series to third order,
 *   ds = h (1 - a2 h / 2 + (a2^2 / 2 - a3 / 6) h^2),  h = -f / f',  a2 = f'' / f', a3 = f''' / f',
 * whose error is O(h^4): from the previous solution a few per cent away (a typical warm start)
 * one step lands within ~1e-7 s of the root, the second within the double's resolution. The
 * iteration ends when a series step is below 1e-5 s with |a2 h| <= 1e-4 (the truncation error
 * is then below ~1e-12 of that step, under 1e-17 s) without another evaluation. Far from the
 * root (|a2 h| > 1/4) the step is Halley's 2h / (2 + a2 h), and a step that leaves the bracket
 * is a bisection. */
/* The cold start in the root's branch (convex: below s_c), with the branch's bracket: the
 * small-s asymptote of ln b, two fixed-point passes, in the convex one; Corrado-Miller in the
 * concave one; clipped into the bracket. */
static double cold_start(bool convex, double x, double beta, double ex_half, double ex_mhalf, double s_c,
                         double *lo, double *hi, double *log_beta) {
  double s;
  if (convex) {
    *lo = 0.0;
    *hi = s_c;
    static const double log_sqrt_2pi = 0.91893853320467274178;
    double ax = -x, two_log_ax = 2.0 * log(ax);
    *log_beta = log(beta);
    s = ax / sqrt(-2.0 * *log_beta);
    for (int k = 0; k < 2; k++) {
      double rhs = -*log_beta + 3.0 * log(s) - two_log_ax - log_sqrt_2pi;
      if (!(rhs > 0)) break;
      s = ax / sqrt(2.0 * rhs);
    }
  } else {
    *lo = s_c;
    *hi = INFINITY;
    /* Corrado-Miller with F = e^{x/2}, K = e^{-x/2}, call price beta. */
    double fk = ex_half - ex_mhalf, half = beta - 0.5 * fk;
    double disc = half * half - fk * fk / PI;
    s = SQRT_2PI / (ex_half + ex_mhalf) * (half + sqrt(disc > 0 ? disc : 0.0));
  }
  if (!(s > *lo && s < *hi) || !isfinite(s))
    s = isfinite(*hi) ? 0.5 * (*lo + *hi) : (*lo > 0 ? 2.0 * *lo : 1.0);
  return s;
}

/* Whether the root lies below the inflection point: beta < b(s_c), where d1 = 0 and d2 = -s_c,
 * whose exp(-d2^2 / 2) is e^x. */
static bool root_convex(double beta, double ex_half, double ex_mhalf, double ex, double s_c) {
  double b_c = s_c > 0 ? 0.5 * ex_half - ex_mhalf * norm_cdf_e(-s_c, s_c < 38.5 ? ex : 0.0) : 0.0;
  return beta < b_c;
}

static double solve_normalised(double x, double beta, double ex_half, double ex, double s0, struct nb *last,
                               double *s_last) {
  double ex_mhalf = 1.0 / ex_half;
  double s_c = sqrt(-2.0 * x);
  double lo, hi, s;
  double log_beta = NAN; /* log(beta), computed when first needed */
  bool convex, tentative = false;
  struct nb *v = last;
  /* A warm start takes the branch it lies in on trust, so b(s_c) is not needed: the bracket
   * updates are valid whatever the branch (b is increasing), and were the root on the other side
   * of s_c, every step would head for it and try to leave the branch's bracket; only then is
   * the branch decided (and the solve restarted cold in the other branch when it was wrong). */
  if (s0 > 0 && isfinite(s0) && s0 != s_c) {
    convex = s0 < s_c;
    tentative = true;
    lo = convex ? 0.0 : s_c;
    hi = convex ? s_c : INFINITY;
    s = s0;
  } else {
    convex = root_convex(beta, ex_half, ex_mhalf, ex, s_c);
    s = cold_start(convex, x, beta, ex_half, ex_mhalf, s_c, &lo, &hi, &log_beta);
  }

  for (int iter = 0; iter < 200; iter++) {
    normalised_black(x, s, ex_half, ex_mhalf, ex, v);
    *s_last = s;
    double f, g1, a2, a3;
    if (!convex) {
      f = v->b - beta;
      g1 = v->db;
      a2 = v->P;
      a3 = v->PP;
    } else if (!(v->b > 0)) {
      f = -INFINITY;
      g1 = a2 = a3 = NAN;
    } else {
      /* ln(b / beta) = ln(1 + u), by its series near the root and by log further out. */
      double u = (v->b - beta) / beta;
      if (fabs(u) <= 0.25) {
        f = log1p_small(u);
      } else {
        if (isnan(log_beta)) log_beta = log(beta);
        f = log(v->b) - log_beta;
      }
      /* (ln b)' = b'/b = g1, (ln b)'' = g1 (P - g1), (ln b)''' = g1 (P^2 + P' - 3 g1 P + 2 g1^2) */
      g1 = v->db / v->b;
      a2 = v->P - g1;
      a3 = v->PP - 3.0 * g1 * v->P + 2.0 * g1 * g1;
    }
    if (f == 0) return s;
    if (f < 0)
      lo = s;
    else
      hi = s;
    double step = NAN;
    double h = -f / g1, t = a2 * h;
    if (isfinite(h)) {
      if (fabs(t) <= 0.25) {
        step = h * (1.0 - 0.5 * t + (0.5 * a2 * a2 - a3 / 6.0) * h * h);
      } else {
        step = 2.0 * h / (2.0 + t);
        if (!isfinite(step) || !(2.0 + t > 0)) step = h;
      }
    }
    double next = s + step;
    bool inside = next > lo && next < hi;
    if (!inside && tentative && (convex ? next >= s_c : next <= s_c)) {
      tentative = false;
      if (root_convex(beta, ex_half, ex_mhalf, ex, s_c) != convex) {
        convex = !convex;
        s = cold_start(convex, x, beta, ex_half, ex_mhalf, s_c, &lo, &hi, &log_beta);
        continue;
      }
    }
    if (!inside) next = isfinite(hi) ? 0.5 * (lo + hi) : 2.0 * s;
    /* |t| <= 1e-4 means the step was the series one; inside, that it was finite */
    if ((inside && fabs(step) <= 1e-5 * s && fabs(t) <= 1e-4) || fabs(next - s) <= 1e-14 * s ||
        (isfinite(hi) && hi - lo <= 4e-16 * hi))
      return next;
    s = next;
  }
  return NAN;
}

/* Delta, gamma and vega (q = 0) at s = sigma sqrt(T), from the solver's last evaluation at s_l.
 * With L = ln(F/K) the delta's d is D = L/s + s/2: the solver's d1 when L <= 0 (x = L), and -d2
 * when L > 0 (x = -L), whose density is e1 e^x. A final step below 1e-7 s is bridged by the
 * second-order Taylor expansion of N(D(s)) and n(D(s)) (the neglected third-order terms are
 * below 1e-19 of the values), a larger one re-evaluated. */
static void greeks_at(bool is_call, double S, double sqrt_t, double L, double s, double ex,
                      const struct nb *v, double s_l, struct sf_greeks *out) {
  double D, nd, nmd, e;
  double ds = s - s_l;
  if (fabs(ds) <= 1e-7 * s) {
    if (L <= 0) {
      D = v->d1;
      nd = v->n1;
      nmd = v->n1c;
      e = v->e1;
    } else {
      D = -v->d2;
      nd = v->n2c;
      nmd = v->n2;
      e = v->e1 * ex;
    }
    double pdf = INV_SQRT_2PI * e;
    if (ds != 0) {
      double q = L / (s_l * s_l), dp = 0.5 - q, dpp = 2.0 * q / s_l; /* D', D'' */
      double ddp = D * dp;
      double inc = pdf * ds * (dp + 0.5 * (dpp - ddp * dp) * ds);
      nd += inc;
      nmd -= inc;
      pdf *= 1.0 - ddp * ds + 0.5 * (ddp * ddp - dp * dp - D * dpp) * ds * ds;
    }
    out->gamma = pdf / (S * s);
    out->vega = S * pdf * sqrt_t;
    out->delta = is_call ? nd : -nmd;
    return;
  }
  D = L / s + 0.5 * s;
  e = gauss_fast(D);
  nd = cdf_pair(D, e, &nmd);
  double pdf = INV_SQRT_2PI * e;
  out->gamma = pdf / (S * s);
  out->vega = S * pdf * sqrt_t;
  out->delta = is_call ? nd : -nmd;
}

/* The solver's set-up. L = ln(F/K) when the caller has it (NaN: computed here). */
static int implied_vol(bool is_call, double price, double S, double K, double T, double r, double q, double L,
                       double guess, double *sigma, struct sf_greeks *g) {
  if (!sigma) return SF_EINVAL;
  /* The usual case in one pass of comparisons (all false for a NaN), the errors sorted out after. */
  if (!(T > 0 && T < INFINITY && S > 0 && S < INFINITY && K > 0 && K < INFINITY && fabs(price) < INFINITY &&
        fabs(r) < INFINITY && fabs(q) < INFINITY)) {
    if (isnan(price) || isnan(S) || isnan(K) || isnan(T) || !isfinite(r) || !isfinite(q)) return SF_EINVAL;
    return SF_ENOTFOUND;
  }
  double df = exp_small(-r * T);
  double fwd = q == 0 ? S / df : S * exp((r - q) * T); /* e^{rT} = 1 / df */
  double p = price / df;
  /* fmax / fmin without the calls: fwd and K are positive here, a difference of them is not
   * NaN, and the sign of a zero intrinsic does not reach tv */
  double ov = is_call ? fwd - K : K - fwd;
  double intrinsic = ov > 0 ? ov : 0.0;
  double tv = p - intrinsic; /* the out-of-the-money option's undiscounted price */
  if (!(tv > 0) || !(tv < (fwd < K ? fwd : K))) return SF_ENOTFOUND;
  if (isnan(L)) L = log(fwd / K);
  double x = -fabs(L);
  double beta = tv / sqrt(fwd * K);
  /* e^x = min(F, K) / max(F, K), and e^{x/2} its square root: no exp needed. */
  double ex = fwd < K ? fwd / K : K / fwd, ex_half = sqrt(ex);
  if (!(beta < ex_half)) return SF_ENOTFOUND;
  double sqrt_t = sqrt(T);
  tables_ready(); /* for gauss_fast in the solver and the greeks */
  struct nb last;
  double s_last = NAN;
  double s = solve_normalised(x, beta, ex_half, ex, guess * sqrt_t, &last, &s_last);
  if (!(s > 0) || !isfinite(s)) return SF_ENOTFOUND;
  *sigma = s / sqrt_t;
  if (g) greeks_at(is_call, S, sqrt_t, L, s, ex, &last, s_last, g);
  return 0;
}

int sf_bs_implied_vol(bool is_call, double price, double S, double K, double T, double r, double q,
                      double *sigma) {
  return implied_vol(is_call, price, S, K, T, r, q, NAN, NAN, sigma, NULL);
}

int sf_bs_implied_vol_guess(bool is_call, double price, double S, double K, double T, double r, double q,
                            double guess, double *sigma) {
  return implied_vol(is_call, price, S, K, T, r, q, NAN, guess, sigma, NULL);
}

int sf_bs_implied_vol_greeks(bool is_call, double price, double S, double K, double T, double r,
                             double log_s_k, double guess, double *sigma, struct sf_greeks *out) {
  if (!out || isnan(log_s_k)) return SF_EINVAL;
  /* ln(F/K) = ln(S/K) + r T for q = 0: no log per solve */
  return implied_vol(is_call, price, S, K, T, r, 0.0, log_s_k + r * T, guess, sigma, out);
}

double sf_bs_log_moneyness(struct sf_bs_logm *m, double S, double K) {
  if (S == m->spot) return m->lsk;
  /* S - anchor is exact within a factor of two of the anchor (Sterbenz), so v has one rounding. */
  double v = m->anchor > 0 ? (S - m->anchor) / m->anchor : INFINITY;
  if (fabs(v) <= 0.01) {
    m->lsk = m->anchor_lsk + log1p_small(v);
  } else {
    m->anchor = S;
    m->anchor_lsk = log(S / K);
    m->lsk = m->anchor_lsk;
  }
  m->spot = S;
  return m->lsk;
}
