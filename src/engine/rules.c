/* Profile scoring (PROFILES.md "The six profiles", "Guards"): evidence terms from the
 * features, a logistic raw score per profile, the five guards, abstention, calibration, bands,
 * directions and reason codes. Pure functions of (config, calibration, features, evidence).
 *
 * Guards (each multiplies the raw scores of the profiles it suppresses by guard_factor and is
 * named in suppressed_reasons):
 *   stale_quotes: fresh-quote coverage < stale_coverage_min; no directional call is made
 *     (directional profiles get direction unknown; institutional and retail are suppressed);
 *   complex_or_special_prints: special-print share >= special_ratio_min; institutional,
 *     retail and event-driven readings are suppressed;
 *   retail_frenzy: small_lots >= frenzy_min; institutional_directional is suppressed;
 *   hedge_reactive_context: zero_to_two_dte x atm x spot_move >= hedge_context_min;
 *     institutional_directional is suppressed;
 *   arbitrage_symmetry: a multi-leg event with leg symmetry >= arb_symmetry_min, a neutral
 *     delta and less than arb_aggressive_max of its size hit at the quotes; every directional
 *     profile is suppressed.
 * Abstention: coverage <= unusable_coverage_max -> unusable_quotes; fewer than
 * evidence_min_size contracts or less than evidence_min_premium, or the best probability below
 * abstain_below -> weak_evidence. */
#include <math.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "engine/internal.h"
#include "smartflow/calibration.h"
#include "smartflow/err.h"

static double clamp01(double x) { return x < 0 ? 0 : (x > 1 ? 1 : x); }
static double ramp(double x, double lo, double hi) {
  if (isnan(x)) return 0;
  if (hi <= lo) return x >= hi ? 1 : 0;
  return clamp01((x - lo) / (hi - lo));
}
static double ramp_down(double x, double full, double zero) { return isnan(x) ? 0 : 1 - ramp(x, full, zero); }
static double nz(double x) { return isnan(x) ? 0 : x; }
/* fmax / fmin as glibc computes them, inline (no libm call): the other argument when one is
 * NaN, else a > b ? a : b (maxsd) / a < b ? a : b (minsd). */
static double max2(double a, double b) { return isnan(b) || a > b ? a : b; }
static double min2(double a, double b) { return isnan(b) || a < b ? a : b; }

/* ramp(log10(x), log_lo, log_hi) for x > 0, else 0, with log_lo = log10(lo), log_hi = log10(hi):
 * log10 is non-decreasing, so with log_lo < log_hi the ramp is 0 below lo and 1 from hi on
 * whatever the exact logarithm, and only x inside the range needs it. */
static double log_ramp(double x, double lo, double hi, double log_lo, double log_hi) {
  if (!(x > 0)) return 0;
  if (log_lo < log_hi) {
    if (x < lo) return 0;
    if (x >= hi) return 1;
  }
  return ramp(log10(x), log_lo, log_hi);
}

_Static_assert(SF_TERM_COUNT <= 64, "a term set is one 64-bit mask");

/* The set of terms not below rmin (!(t < rmin): the reason threshold), and in *nonzero the set
 * of terms other than +-0, two at a time where SSE2 compares pairs. */
static uint64_t active_terms(const double t[SF_TERM_COUNT], double rmin, uint64_t *nonzero) {
  uint64_t act = 0, nz0 = 0;
  int i = 0;
#ifdef __SSE2__
  __m128d r = _mm_set1_pd(rmin), zero = _mm_setzero_pd();
  /* Four at a time: the two pairs' 64-bit lane masks packed into four 32-bit lanes, one
   * movemask each. */
  for (; i + 4 <= SF_TERM_COUNT; i += 4) {
    __m128d x0 = _mm_loadu_pd(t + i), x1 = _mm_loadu_pd(t + i + 2);
    __m128 a = _mm_shuffle_ps(_mm_castpd_ps(_mm_cmpnlt_pd(x0, r)), _mm_castpd_ps(_mm_cmpnlt_pd(x1, r)),
                              _MM_SHUFFLE(2, 0, 2, 0));
    __m128 z = _mm_shuffle_ps(_mm_castpd_ps(_mm_cmpneq_pd(x0, zero)), _mm_castpd_ps(_mm_cmpneq_pd(x1, zero)),
                              _MM_SHUFFLE(2, 0, 2, 0));
    act |= (uint64_t)_mm_movemask_ps(a) << i;
    nz0 |= (uint64_t)_mm_movemask_ps(z) << i;
  }
  for (; i + 2 <= SF_TERM_COUNT; i += 2) {
    __m128d x = _mm_loadu_pd(t + i);
    act |= (uint64_t)_mm_movemask_pd(_mm_cmpnlt_pd(x, r)) << i;
    nz0 |= (uint64_t)_mm_movemask_pd(_mm_cmpneq_pd(x, zero)) << i;
  }
#endif
  for (; i < SF_TERM_COUNT; i++) {
    act |= (uint64_t) !(t[i] < rmin) << i;
    nz0 |= (uint64_t)(t[i] != 0) << i;
  }
  *nonzero = nz0;
  return act;
}

/* The code of a reason string in pp's table, added when new (equal strings share a code, so
 * that deduplicating codes deduplicates strings). */
static uint8_t code_add(struct sf_rules_prep *pp, const char *s) {
  size_t n = strlen(s);
  if (n > SF_RULES_REASON_SLOT - 1) n = SF_RULES_REASON_SLOT - 1; /* names are short: never */
  for (uint32_t i = 0; i < pp->n_codes; i++)
    if (pp->code_len[i] == n && memcmp(pp->code_text[i], s, n) == 0) return (uint8_t)i;
  uint32_t c = pp->n_codes++;
  memset(pp->code_text[c], 0, SF_RULES_REASON_SLOT);
  memcpy(pp->code_text[c], s, n);
  pp->code_len[c] = (uint32_t)n;
  return (uint8_t)c;
}

#define TERM_REASON(e, name, doc) name,
static const char *const term_reason[SF_TERM_COUNT] = {SF_RULE_TERMS(TERM_REASON)};
#undef TERM_REASON

/* The reason strings of the terms, per variant (PROFILES.md reason codes): the sided terms name
 * the side hit (v0 when buy >= sell), short_dated names otm (v0 when otm is active), multi_leg
 * the structure (struct_code), any other term its own name (sf_rule_term_name). */
static void reason_codes(struct sf_rules_prep *pp) {
  static const struct {
    int term;
    const char *v0, *v1;
  } named[] = {{SF_TERM_SWEEP, "iso_sweep_at_ask", "iso_sweep_at_bid"},
               {SF_TERM_BLOCK, "block_at_ask", "block_at_bid"},
               {SF_TERM_AGGRESSIVE, "aggressive_at_ask", "aggressive_at_bid"},
               {SF_TERM_SHORT_DATED, "short_dated_otm", "short_dated"},
               {SF_TERM_SMALL_LOTS, "small_lots_burst", NULL},
               {SF_TERM_EVENT_SOON, "event_within_days", NULL},
               {SF_TERM_SOLD, "sold_at_bid", NULL},
               {SF_TERM_BOUGHT, "bought_at_ask", NULL},
               {SF_TERM_LEGS_MATCHED, "legs_matched_size", NULL},
               {SF_TERM_COMPLEX, "complex_order", NULL},
               {SF_TERM_SPOT_MOVE, "after_spot_move", NULL},
               {SF_TERM_BOTH_SIDES, "both_sides_active", NULL},
               {SF_TERM_SPECIAL, "special_prints", NULL}};
  pp->n_codes = 0;
  for (int st = 0; st < SF_STRUCT__COUNT; st++) {
    const char *n = sf_structure_name(st);
    pp->struct_code[st] = code_add(pp, n ? n : "multi_leg");
  }
  for (int t = 0; t < SF_TERM_COUNT; t++) {
    size_t i = 0;
    while (i < sizeof named / sizeof named[0] && named[i].term != t) i++;
    if (t == SF_TERM_MULTI_LEG) {
      pp->term_code[t][0] = pp->term_code[t][1] = pp->struct_code[0];
    } else if (i < sizeof named / sizeof named[0]) {
      pp->term_code[t][0] = code_add(pp, named[i].v0);
      pp->term_code[t][1] = named[i].v1 ? code_add(pp, named[i].v1) : pp->term_code[t][0];
    } else {
      pp->term_code[t][0] = pp->term_code[t][1] = code_add(pp, term_reason[t]);
    }
  }
  /* The term owning each code (multi_leg owns the structures'); a second owner means an event
   * could list one string twice. */
  int owner[SF_RULES_REASON_CODES];
  for (int c = 0; c < SF_RULES_REASON_CODES; c++) owner[c] = -1;
  pp->codes_unique = true;
  for (int t = 0; t < SF_TERM_COUNT; t++) {
    uint8_t cs[SF_STRUCT__COUNT + 2];
    int nc = 0;
    if (t == SF_TERM_MULTI_LEG)
      for (int st = 0; st < SF_STRUCT__COUNT; st++) cs[nc++] = pp->struct_code[st];
    else
      cs[nc++] = pp->term_code[t][0], cs[nc++] = pp->term_code[t][1];
    for (int i = 0; i < nc; i++) {
      if (owner[cs[i]] >= 0 && owner[cs[i]] != t) pp->codes_unique = false;
      owner[cs[i]] = t;
    }
  }
  for (int t = 0; t < SF_TERM_COUNT; t++) pp->code_v0[t] = pp->term_code[t][0];
  pp->codes_short = SF_RULES_REASON_SLOT >= SF_STRVEC_SHORT;
  for (uint32_t c = 0; c < pp->n_codes; c++)
    if (pp->code_len[c] >= SF_STRVEC_SHORT) pp->codes_short = false;
}
/* At most one code per term, one more per sided term, one per structure: a 64-bit set. */
_Static_assert(SF_TERM_COUNT + 4 + SF_STRUCT__COUNT <= SF_RULES_REASON_CODES, "reason codes fit the table");
_Static_assert(SF_RULES_REASON_CODES <= 64, "a set of reason codes is one 64-bit mask");

void sf_rules_prepare(const struct sf_rules_config *rc, struct sf_rules_prep *pp) {
  for (int p = 0; p < SF_PROFILE_COUNT; p++) {
    pp->pos_mask[p] = 0;
    for (int i = 0; i < SF_TERM_COUNT; i++)
      if (rc->weight[p][i] > 0) pp->pos_mask[p] |= UINT64_C(1) << i;
  }
  pp->any_mask = 0;
  for (int i = 0; i < SF_TERM_COUNT; i++) {
    for (int p = 0; p < SF_PROFILE_COUNT; p++) {
      pp->term_w[i][p] = rc->weight[p][i];
      if (rc->weight[p][i] != 0) pp->any_mask |= UINT64_C(1) << i;
    }
  }
  pp->reason_terms = 0;
  for (int p = 0; p < SF_PROFILE_COUNT; p++) pp->reason_terms |= pp->pos_mask[p];
  pp->log_premium_large_lo = log10(rc->premium_large_lo);
  pp->log_premium_large_hi = log10(rc->premium_large_hi);
  pp->log_large_lot_lo = log10(rc->large_lot_lo);
  pp->log_large_lot_hi = log10(rc->large_lot_hi);
  reason_codes(pp);
}

/* The terms, with the configuration's constant logarithms from pp. */
static void terms_prep(const struct sf_rules_config *rc, const struct sf_rules_prep *pp,
                       const struct sf_features *f, const struct sf_evidence *ev, double t[SF_TERM_COUNT]) {
  double prem = f->total_premium;
  bool multi = ev->structure != SF_STRUCT_NONE;
  t[SF_TERM_PREMIUM_LARGE] = log_ramp(prem, rc->premium_large_lo, rc->premium_large_hi,
                                      pp->log_premium_large_lo, pp->log_premium_large_hi);
  t[SF_TERM_PREMIUM_MODERATE] =
      ramp(prem, rc->retail_premium_lo, rc->retail_premium_hi) * (1 - t[SF_TERM_PREMIUM_LARGE]);
  t[SF_TERM_SWEEP] = nz(ev->sweep_share);
  t[SF_TERM_BLOCK] = nz(ev->block_share);
  t[SF_TERM_AGGRESSIVE] = nz(ev->aggressive_share);
  t[SF_TERM_ONE_SIDED] = fabs(nz(f->aggressor_ratio));
  t[SF_TERM_TIGHT_QUOTES] = ramp_down(ev->rel_spread_mean, rc->spread_tight, rc->spread_wide);
  double dte = f->dte_days;
  t[SF_TERM_DTE_WEEKS] = isnan(dte) ? 0
                                    : min2(ramp(dte, rc->dte_weeks_rise, rc->dte_weeks_lo),
                                           ramp_down(dte, rc->dte_weeks_hi, rc->dte_weeks_fall));
  t[SF_TERM_NEAR_MONEY] = ramp_down(f->atm_proximity, rc->near_money_full, rc->near_money_zero);
  t[SF_TERM_SHORT_DATED] = ramp_down(dte, rc->short_dated_full, rc->short_dated_zero);
  t[SF_TERM_OTM] = ramp(ev->otm, rc->otm_lo, rc->otm_hi);
  if (!isnan(ev->abs_delta) && !isnan(ev->otm) && ev->otm > 0)
    t[SF_TERM_OTM] = max2(t[SF_TERM_OTM], ramp_down(ev->abs_delta, rc->otm_delta_full, rc->otm_delta_zero));
  t[SF_TERM_SMALL_LOTS] = ramp_down(f->avg_fill_size, rc->small_lot_max, rc->small_lot_zero) *
                          ramp(f->print_count, rc->burst_prints_lo, rc->burst_prints_hi);
  t[SF_TERM_IV_POP] = ramp(f->synthetic_iv_shock, rc->iv_pop_lo, rc->iv_pop_hi);
  t[SF_TERM_EVENT_SOON] = (isnan(f->days_to_event) || f->days_to_event < 0)
                              ? 0
                              : ramp_down(f->days_to_event, rc->event_days_full, rc->event_days_zero);
  t[SF_TERM_EXPIRY_AFTER_EVENT] = f->expiry_after_event == 1 ? 1 : 0;
  t[SF_TERM_PRE_EVENT_CONC] = nz(f->pre_event_concentration);
  t[SF_TERM_SOLD] = nz(f->aggressor_sell_ratio);
  t[SF_TERM_BOUGHT] = nz(f->aggressor_buy_ratio);
  t[SF_TERM_STRADDLE_SOLD] = (ev->structure == SF_STRUCT_STRADDLE || ev->structure == SF_STRUCT_STRANGLE)
                                 ? nz(f->aggressor_sell_ratio)
                                 : 0;
  t[SF_TERM_NEUTRAL_DELTA] = (multi && !isnan(f->net_directional_bias) && rc->neutral_delta_max > 0)
                                 ? clamp01(1 - fabs(f->net_directional_bias) / rc->neutral_delta_max)
                                 : 0;
  t[SF_TERM_LEGS_MATCHED] = multi ? nz(f->same_size_leg_symmetry) : 0;
  t[SF_TERM_COMPLEX] = nz(f->complex_ratio);
  /* A conversion / reversal ties a call and a put of one strike to stock; two unrelated tie
   * prints that happen to print together (a "roll", a "strangle") are not one. */
  t[SF_TERM_STOCK_TIE] = (!multi || ev->structure == SF_STRUCT_STRADDLE) ? nz(ev->stock_tie_share) : 0;
  t[SF_TERM_MID_PRINTS] = nz(f->nbbo_inside_ratio);
  t[SF_TERM_ZERO_TO_TWO_DTE] = (!isnan(dte) && dte <= rc->hedge_dte_max) ? 1 : 0;
  /* At the money by distance, or by delta (which scales with volatility and time: one strike
   * off on a coarse 0DTE chain is still at the money in gamma terms). */
  t[SF_TERM_ATM] = ramp_down(f->atm_proximity, rc->atm_full, rc->atm_zero);
  if (!isnan(ev->abs_delta))
    t[SF_TERM_ATM] =
        max2(t[SF_TERM_ATM], ramp_down(fabs(ev->abs_delta - 0.5), rc->atm_delta_full, rc->atm_delta_zero));
  t[SF_TERM_SPOT_MOVE] = isnan(f->underlying_move_bps)
                             ? 0
                             : ramp(fabs(f->underlying_move_bps), rc->move_bps_lo, rc->move_bps_hi);
  double hi = max2(ev->buy, ev->sell), lo = min2(ev->buy, ev->sell);
  t[SF_TERM_BOTH_SIDES] = hi > 0 ? lo / hi : 0;
  /* An unrecognised complex combination is weaker evidence than a recognised structure. */
  t[SF_TERM_MULTI_LEG] = !multi ? 0 : (ev->structure == SF_STRUCT_COMPLEX ? 0.5 : 1);
  t[SF_TERM_SPREAD_PRESSURE] = ramp(f->spread_widening, rc->spread_pressure_lo, rc->spread_pressure_hi);
  t[SF_TERM_SPECIAL] = nz(f->special_print_ratio);
  /* A frenzy is many fills in quick succession on one contract; noise on one contract trickles. */
  t[SF_TERM_BURST_RATE] = ramp(ev->fill_rate, rc->burst_rate_lo, rc->burst_rate_hi) *
                          ramp(f->print_count, rc->burst_prints_lo, rc->burst_prints_hi);
  t[SF_TERM_IV_RISE] = ramp(ev->iv_rise, rc->iv_rise_lo, rc->iv_rise_hi);
  t[SF_TERM_LARGE_LOTS] = log_ramp(f->avg_fill_size, rc->large_lot_lo, rc->large_lot_hi, pp->log_large_lot_lo,
                                   pp->log_large_lot_hi);
  /* With the default ramp 0.5..1.5 the term reaches reason_min (0.5) exactly when the size
   * traded reaches the open interest: positions are being opened, not closed. */
  t[SF_TERM_VOLUME_EXCEEDS_OI] = ramp(f->vol_oi_ratio, rc->oi_ratio_lo, rc->oi_ratio_hi);
  /* Background flow trickles: a handful of retail lots on one contract over tens of seconds.
   * Positioning before an event and dealer hedging print as sweeps and blocks within
   * milliseconds, and a retail frenzy is many fills in quick succession; a few small fills
   * spread over seconds are none of these (issue 4). */
  double spread_out = ramp(f->window_ms / 1000.0, rc->trickle_window_lo, rc->trickle_window_hi);
  t[SF_TERM_TRICKLE] = ramp_down(f->avg_fill_size, rc->trickle_fill_full, rc->trickle_fill_zero) * spread_out;
  t[SF_TERM_SPARSE] = ramp_down(f->print_count, rc->sparse_prints_full, rc->sparse_prints_zero) * spread_out;
  /* Planted and real frenzies print 10-90 fills a minute; background lots on a busy contract
   * arrive at a few a minute however long the burst window stays open. */
  t[SF_TERM_SLOW_FILLS] = ramp_down(ev->fill_rate, rc->slow_rate_full, rc->slow_rate_zero);
}

void sf_rules_terms(const struct sf_rules_config *rc, const struct sf_features *f,
                    const struct sf_evidence *ev, double t[SF_TERM_COUNT]) {
  struct sf_rules_prep pp;
  sf_rules_prepare(rc, &pp);
  terms_prep(rc, &pp, f, ev, t);
}

static bool is_directional(int p) {
  return p == SF_PROFILE_INSTITUTIONAL_DIRECTIONAL || p == SF_PROFILE_RETAIL_WHALE ||
         p == SF_PROFILE_EVENT_DRIVEN || p == SF_PROFILE_HEDGE_REACTIVE;
}

int sf_rules_band(const struct sf_rules_config *rc, double p) {
  if (p >= rc->band_high) return SF_BAND_HIGH;
  if (p >= rc->band_medium) return SF_BAND_MEDIUM;
  return SF_BAND_LOW;
}

/* The six logits: bias + the sum in term order of weight x term, over the terms of non-zero
 * value (nonzero) that some profile weighs, all six per term, a profile's zero weights
 * included. A term left out or a zero weight adds an exact 0 (every term is a finite number in
 * [0,1] and every weight finite, so w x t is +-0 and z + 0 is z, or +0 for a z of -0, which
 * changes nothing that follows), so each z is the same bit for bit as its own sparse sum. */
static void logits(const struct sf_rules_config *rc, const struct sf_rules_prep *pp, const double *t,
                   uint64_t nonzero, double z[SF_PROFILE_COUNT]) {
  uint64_t m = nonzero & pp->any_mask;
  for (int p = 0; p < SF_PROFILE_COUNT; p++) z[p] = rc->bias[p];
  for (; m; m &= m - 1) {
    int i = __builtin_ctzll(m);
    for (int p = 0; p < SF_PROFILE_COUNT; p++) z[p] += pp->term_w[i][p] * t[i];
  }
}

void sf_rules_score(const struct sf_rules_config *rc, const struct sf_calibration *cal,
                    const struct sf_features *f, const struct sf_evidence *ev, struct sf_scored *out) {
  struct sf_rules_prep pp;
  sf_rules_prepare(rc, &pp);
  sf_rules_score_prep(rc, &pp, cal, f, ev, out);
}

void sf_rules_score_prep(const struct sf_rules_config *rc, const struct sf_rules_prep *pp,
                         const struct sf_calibration *cal, const struct sf_features *f,
                         const struct sf_evidence *ev, struct sf_scored *out) {
  out->guards = 0;
  out->abstain = 0;
  double *t = out->terms;
  terms_prep(rc, pp, f, ev, t);
  uint64_t nonzero;
  out->active = active_terms(t, rc->reason_min, &nonzero) & pp->reason_terms;
  double z[SF_PROFILE_COUNT];
  logits(rc, pp, t, nonzero, z);
  for (int p = 0; p < SF_PROFILE_COUNT; p++) out->raw[p] = 1 / (1 + exp(-z[p]));

  /* Guards. */
  double g = rc->guard_factor;
  double coverage = nz(f->nbbo_coverage_ratio);
  if (coverage < rc->stale_coverage_min) {
    out->guards |= SF_GUARD_STALE;
    out->raw[SF_PROFILE_INSTITUTIONAL_DIRECTIONAL] *= g;
    out->raw[SF_PROFILE_RETAIL_WHALE] *= g;
  }
  if (nz(f->special_print_ratio) >= rc->special_ratio_min) {
    out->guards |= SF_GUARD_SPECIAL;
    out->raw[SF_PROFILE_INSTITUTIONAL_DIRECTIONAL] *= g;
    out->raw[SF_PROFILE_RETAIL_WHALE] *= g;
    out->raw[SF_PROFILE_EVENT_DRIVEN] *= g;
  }
  if (t[SF_TERM_SMALL_LOTS] >= rc->frenzy_min) {
    out->guards |= SF_GUARD_FRENZY;
    out->raw[SF_PROFILE_INSTITUTIONAL_DIRECTIONAL] *= g;
  }
  if (t[SF_TERM_ZERO_TO_TWO_DTE] * t[SF_TERM_ATM] * t[SF_TERM_SPOT_MOVE] >= rc->hedge_context_min) {
    out->guards |= SF_GUARD_HEDGE;
    out->raw[SF_PROFILE_INSTITUTIONAL_DIRECTIONAL] *= g;
  }
  /* Symmetric legs hit at the ask or bid are a bought or sold structure (a straddle before
   * earnings, a hedge), not a matched trade: the guard wants negotiated (mid) or complex legs. */
  if (ev->structure != SF_STRUCT_NONE && nz(f->same_size_leg_symmetry) >= rc->arb_symmetry_min &&
      t[SF_TERM_NEUTRAL_DELTA] >= 0.5 && t[SF_TERM_AGGRESSIVE] < rc->arb_aggressive_max) {
    out->guards |= SF_GUARD_ARB;
    for (int p = 0; p < SF_PROFILE_COUNT; p++)
      if (is_directional(p)) out->raw[p] *= g;
  }

  /* Minimum evidence: too small an order says nothing about who is behind it. It abstains, and
   * its raw scores are damped so that calibration learns from orders that carry evidence. */
  if (!(f->total_size >= rc->evidence_min_size) || !(f->total_premium >= rc->evidence_min_premium)) {
    out->abstain |= 1u;
    for (int p = 0; p < SF_PROFILE_COUNT; p++) out->raw[p] *= rc->weak_evidence_factor;
  }

  for (int p = 0; p < SF_PROFILE_COUNT; p++)
    out->prob[p] = clamp01(cal ? sf_calibration_apply(cal, p, out->raw[p]) : out->raw[p]);

  /* Directions. */
  double bias = f->net_directional_bias;
  uint8_t d = SF_DIR_UNKNOWN;
  if (!(out->guards & SF_GUARD_STALE) && !isnan(bias) && ev->buy + ev->sell > 0) {
    if (bias >= rc->direction_min)
      d = SF_DIR_BULLISH;
    else if (bias <= -rc->direction_min)
      d = SF_DIR_BEARISH;
    else
      d = SF_DIR_MIXED;
  }
  for (int p = 0; p < SF_PROFILE_COUNT; p++) out->dir[p] = is_directional(p) ? d : SF_DIR_NEUTRAL;

  /* Order: probability descending, ties by profile order (insertion sort, stable). */
  for (int i = 0; i < SF_PROFILE_COUNT; i++) {
    int j = i;
    while (j > 0 && out->prob[out->order[j - 1]] < out->prob[i]) {
      out->order[j] = out->order[j - 1];
      j--;
    }
    out->order[j] = i;
  }

  if (coverage <= rc->unusable_coverage_max) out->abstain |= 2u;
  if (out->prob[out->order[0]] < rc->abstain_below) out->abstain |= 1u;
  out->abstained = out->abstain != 0;
}

int sf_rules_reasons(const struct sf_rules_config *rc, const struct sf_scored *s,
                     const struct sf_evidence *ev, int profile, struct sf_strvec *out) {
  struct sf_rules_prep pp;
  sf_rules_prepare(rc, &pp);
  return sf_rules_reasons_prep(rc, &pp, s, ev, profile, out);
}

/* The reason code of each term for this event: the v0 codes with the variants patched in (the
 * sided terms on the bid when sell > buy, short_dated without otm, multi_leg's structure). */
static void term_codes(const struct sf_rules_config *rc, const struct sf_rules_prep *pp,
                       const struct sf_scored *s, const struct sf_evidence *ev,
                       uint8_t code_of[SF_TERM_COUNT]) {
  memcpy(code_of, pp->code_v0, SF_TERM_COUNT);
  if (!(ev->buy >= ev->sell)) {
    code_of[SF_TERM_SWEEP] = pp->term_code[SF_TERM_SWEEP][1];
    code_of[SF_TERM_BLOCK] = pp->term_code[SF_TERM_BLOCK][1];
    code_of[SF_TERM_AGGRESSIVE] = pp->term_code[SF_TERM_AGGRESSIVE][1];
  }
  if (!(s->terms[SF_TERM_OTM] >= rc->reason_min))
    code_of[SF_TERM_SHORT_DATED] = pp->term_code[SF_TERM_SHORT_DATED][1];
  code_of[SF_TERM_MULTI_LEG] =
      pp->struct_code[(unsigned)ev->structure < SF_STRUCT__COUNT ? ev->structure : 0];
}

/* The codes of profile p's terms of positive weight at or above reason_min (the active ones),
 * by contribution descending, ties by term order (insertion in term order), into code[1, n]
 * behind a sentinel no contribution exceeds (each is a finite weight x a term in [0, 1]);
 * returns n. */
static int sorted_codes(const struct sf_rules_config *rc, const struct sf_rules_prep *pp,
                        const struct sf_scored *s, int p, const uint8_t code_of[SF_TERM_COUNT],
                        uint8_t code[SF_TERM_COUNT + 1]) {
  const double *weight = rc->weight[p];
  double contrib[SF_TERM_COUNT + 1];
  contrib[0] = HUGE_VAL;
  int n = 0;
  for (uint64_t m = pp->pos_mask[p] & s->active; m; m &= m - 1) {
    int t = __builtin_ctzll(m);
    double c = weight[t] * s->terms[t];
    int j = ++n;
    while (contrib[j - 1] < c) {
      code[j] = code[j - 1];
      contrib[j] = contrib[j - 1];
      j--;
    }
    code[j] = code_of[t];
    contrib[j] = c;
  }
  return n;
}

/* Appends the strings of codes[0, n) to out, at most SF_REASON_MAX in all, each string once. */
static int push_codes(const struct sf_rules_prep *pp, const uint8_t *codes, int n, struct sf_strvec *out) {
  size_t n0 = out->n, k = 0;
  if (n0 == 0 && pp->codes_unique) { /* no string can repeat */
    k = (size_t)n < SF_REASON_MAX ? (size_t)n : SF_REASON_MAX;
    if (pp->codes_short) /* straight from the code table's slots */
      return k ? sf_strvec_push_picks(out, pp->code_text[0], SF_RULES_REASON_SLOT, pp->code_len, codes, k)
               : 0;
  }
  const char *txt[SF_REASON_MAX];
  uint32_t len[SF_REASON_MAX];
  if (k) {
    for (size_t i = 0; i < k; i++) {
      txt[i] = pp->code_text[codes[i]];
      len[i] = pp->code_len[codes[i]];
    }
  } else { /* equal strings share a code; strings already in out are compared as strings */
    uint64_t seen = 0;
    for (int i = 0; i < n && n0 + k < SF_REASON_MAX; i++) {
      uint8_t c = codes[i];
      if (seen & (UINT64_C(1) << c)) continue;
      seen |= UINT64_C(1) << c;
      if (n0 && sf_strvec_contains(out, pp->code_text[c])) continue;
      txt[k] = pp->code_text[c];
      len[k++] = pp->code_len[c];
    }
  }
  return k ? sf_strvec_push_slots(out, txt, len, k) : 0;
}

int sf_rules_reasons_prep(const struct sf_rules_config *rc, const struct sf_rules_prep *pp,
                          const struct sf_scored *s, const struct sf_evidence *ev, int profile,
                          struct sf_strvec *out) {
  uint8_t code_of[SF_TERM_COUNT], code[SF_TERM_COUNT + 1];
  term_codes(rc, pp, s, ev, code_of);
  int n = sorted_codes(rc, pp, s, profile, code_of, code);
  return push_codes(pp, code + 1, n, out);
}

int sf_rules_reasons_event(const struct sf_rules_config *rc, const struct sf_rules_prep *pp,
                           const struct sf_scored *s, const struct sf_evidence *ev,
                           struct sf_profile_score scores[SF_PROFILE_COUNT]) {
  if (!s->active) return 0;
  uint8_t code_of[SF_TERM_COUNT], code[SF_TERM_COUNT + 1];
  term_codes(rc, pp, s, ev, code_of); /* once for all profiles */
  for (int i = 0; i < SF_PROFILE_COUNT; i++) {
    int n = sorted_codes(rc, pp, s, scores[i].profile, code_of, code);
    int rc2 = n ? push_codes(pp, code + 1, n, &scores[i].reasons) : 0;
    if (rc2) return rc2;
  }
  return 0;
}

/* The suppressed_reasons codes in slots padded for sf_strvec_push_slots: the guards in bit
 * order, then unusable_quotes (abstain bit 1) and weak_evidence (abstain bit 0). */
static const struct {
  char s[32];
  uint32_t n;
} suppressed_text[7] = {
#define S(lit) \
  { lit, sizeof lit - 1 }
    S("stale_quotes"),       S("complex_or_special_prints"), S("retail_frenzy"), S("hedge_reactive_context"),
    S("arbitrage_symmetry"), S("unusable_quotes"),           S("weak_evidence")
#undef S
};

int sf_rules_suppressed(const struct sf_scored *s, struct sf_strvec *out) {
  const char *txt[7];
  uint32_t len[7];
  size_t k = 0;
  uint32_t bits = (s->guards & 31u) | ((s->abstain & 2u) ? 1u << 5 : 0) | ((s->abstain & 1u) ? 1u << 6 : 0);
  for (; bits; bits &= bits - 1) {
    int i = __builtin_ctz(bits);
    txt[k] = suppressed_text[i].s;
    len[k++] = suppressed_text[i].n;
  }
  return k ? sf_strvec_push_slots(out, txt, len, k) : 0;
}
