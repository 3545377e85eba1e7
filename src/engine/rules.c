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

_Static_assert(SF_TERM_COUNT <= 64, "a term set is one 64-bit mask");

void sf_rules_prepare(const struct sf_rules_config *rc, struct sf_rules_prep *pp) {
  for (int p = 0; p < SF_PROFILE_COUNT; p++) {
    pp->n_nz[p] = 0;
    pp->pos_mask[p] = 0;
    for (int i = 0; i < SF_TERM_COUNT; i++) {
      if (rc->weight[p][i] != 0) pp->nz[p][pp->n_nz[p]++] = (uint8_t)i;
      if (rc->weight[p][i] > 0) pp->pos_mask[p] |= UINT64_C(1) << i;
    }
  }
  pp->log_premium_large_lo = log10(rc->premium_large_lo);
  pp->log_premium_large_hi = log10(rc->premium_large_hi);
  pp->log_large_lot_lo = log10(rc->large_lot_lo);
  pp->log_large_lot_hi = log10(rc->large_lot_hi);
}

/* The terms, with the configuration's constant logarithms from pp. */
static void terms_prep(const struct sf_rules_config *rc, const struct sf_rules_prep *pp,
                       const struct sf_features *f, const struct sf_evidence *ev, double t[SF_TERM_COUNT]) {
  double prem = f->total_premium;
  bool multi = ev->structure != SF_STRUCT_NONE;
  t[SF_TERM_PREMIUM_LARGE] =
      prem > 0 ? ramp(log10(prem), pp->log_premium_large_lo, pp->log_premium_large_hi) : 0;
  t[SF_TERM_PREMIUM_MODERATE] =
      ramp(prem, rc->retail_premium_lo, rc->retail_premium_hi) * (1 - t[SF_TERM_PREMIUM_LARGE]);
  t[SF_TERM_SWEEP] = nz(ev->sweep_share);
  t[SF_TERM_BLOCK] = nz(ev->block_share);
  t[SF_TERM_AGGRESSIVE] = nz(ev->aggressive_share);
  t[SF_TERM_ONE_SIDED] = fabs(nz(f->aggressor_ratio));
  t[SF_TERM_TIGHT_QUOTES] = ramp_down(ev->rel_spread_mean, rc->spread_tight, rc->spread_wide);
  double dte = f->dte_days;
  t[SF_TERM_DTE_WEEKS] = isnan(dte) ? 0
                                    : fmin(ramp(dte, rc->dte_weeks_rise, rc->dte_weeks_lo),
                                           ramp_down(dte, rc->dte_weeks_hi, rc->dte_weeks_fall));
  t[SF_TERM_NEAR_MONEY] = ramp_down(f->atm_proximity, rc->near_money_full, rc->near_money_zero);
  t[SF_TERM_SHORT_DATED] = ramp_down(dte, rc->short_dated_full, rc->short_dated_zero);
  t[SF_TERM_OTM] = ramp(ev->otm, rc->otm_lo, rc->otm_hi);
  if (!isnan(ev->abs_delta) && !isnan(ev->otm) && ev->otm > 0)
    t[SF_TERM_OTM] = fmax(t[SF_TERM_OTM], ramp_down(ev->abs_delta, rc->otm_delta_full, rc->otm_delta_zero));
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
        fmax(t[SF_TERM_ATM], ramp_down(fabs(ev->abs_delta - 0.5), rc->atm_delta_full, rc->atm_delta_zero));
  t[SF_TERM_SPOT_MOVE] = isnan(f->underlying_move_bps)
                             ? 0
                             : ramp(fabs(f->underlying_move_bps), rc->move_bps_lo, rc->move_bps_hi);
  double hi = fmax(ev->buy, ev->sell), lo = fmin(ev->buy, ev->sell);
  t[SF_TERM_BOTH_SIDES] = hi > 0 ? lo / hi : 0;
  /* An unrecognised complex combination is weaker evidence than a recognised structure. */
  t[SF_TERM_MULTI_LEG] = !multi ? 0 : (ev->structure == SF_STRUCT_COMPLEX ? 0.5 : 1);
  t[SF_TERM_SPREAD_PRESSURE] = ramp(f->spread_widening, rc->spread_pressure_lo, rc->spread_pressure_hi);
  t[SF_TERM_SPECIAL] = nz(f->special_print_ratio);
  /* A frenzy is many fills in quick succession on one contract; noise on one contract trickles. */
  t[SF_TERM_BURST_RATE] = ramp(ev->fill_rate, rc->burst_rate_lo, rc->burst_rate_hi) *
                          ramp(f->print_count, rc->burst_prints_lo, rc->burst_prints_hi);
  t[SF_TERM_IV_RISE] = ramp(ev->iv_rise, rc->iv_rise_lo, rc->iv_rise_hi);
  t[SF_TERM_LARGE_LOTS] =
      f->avg_fill_size > 0 ? ramp(log10(f->avg_fill_size), pp->log_large_lot_lo, pp->log_large_lot_hi) : 0;
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

void sf_rules_score(const struct sf_rules_config *rc, const struct sf_calibration *cal,
                    const struct sf_features *f, const struct sf_evidence *ev, struct sf_scored *out) {
  struct sf_rules_prep pp;
  sf_rules_prepare(rc, &pp);
  sf_rules_score_prep(rc, &pp, cal, f, ev, out);
}

void sf_rules_score_prep(const struct sf_rules_config *rc, const struct sf_rules_prep *pp,
                         const struct sf_calibration *cal, const struct sf_features *f,
                         const struct sf_evidence *ev, struct sf_scored *out) {
  out->active = 0;
  out->guards = 0;
  out->abstain = 0;
  double *t = out->terms;
  terms_prep(rc, pp, f, ev, t);
  for (int i = 0; i < SF_TERM_COUNT; i++)
    if (!(t[i] < rc->reason_min)) out->active |= UINT64_C(1) << i;
  /* The sum in term order over the non-zero weights only: a zero weight adds an exact 0 (every
   * term is a finite number in [0,1]), so skipping it leaves z unchanged bit for bit. */
  for (int p = 0; p < SF_PROFILE_COUNT; p++) {
    double z = rc->bias[p];
    const double *w = rc->weight[p];
    const uint8_t *nzi = pp->nz[p];
    for (int k = 0, n = pp->n_nz[p]; k < n; k++) z += w[nzi[k]] * t[nzi[k]];
    out->raw[p] = 1 / (1 + exp(-z));
  }

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

/* A reason code and its length. */
struct reason {
  const char *s;
  size_t n;
};
#define R(lit) ((struct reason){lit, sizeof lit - 1})
#define TERM_REASON(e, name, doc) {name, sizeof name - 1},
static const struct reason term_reason[SF_TERM_COUNT] = {SF_RULE_TERMS(TERM_REASON)};
#undef TERM_REASON

static struct reason reason_of(int term, const struct sf_scored *s, const struct sf_evidence *ev,
                               const struct sf_rules_config *rc) {
  bool buy = ev->buy >= ev->sell;
  switch (term) {
    case SF_TERM_SWEEP:
      return buy ? R("iso_sweep_at_ask") : R("iso_sweep_at_bid");
    case SF_TERM_BLOCK:
      return buy ? R("block_at_ask") : R("block_at_bid");
    case SF_TERM_AGGRESSIVE:
      return buy ? R("aggressive_at_ask") : R("aggressive_at_bid");
    case SF_TERM_SHORT_DATED:
      return s->terms[SF_TERM_OTM] >= rc->reason_min ? R("short_dated_otm") : R("short_dated");
    case SF_TERM_SMALL_LOTS:
      return R("small_lots_burst");
    case SF_TERM_EVENT_SOON:
      return R("event_within_days");
    case SF_TERM_SOLD:
      return R("sold_at_bid");
    case SF_TERM_BOUGHT:
      return R("bought_at_ask");
    case SF_TERM_LEGS_MATCHED:
      return R("legs_matched_size");
    case SF_TERM_COMPLEX:
      return R("complex_order");
    case SF_TERM_SPOT_MOVE:
      return R("after_spot_move");
    case SF_TERM_BOTH_SIDES:
      return R("both_sides_active");
    case SF_TERM_SPECIAL:
      return R("special_prints");
    case SF_TERM_MULTI_LEG: {
      const char *n = sf_structure_name(ev->structure);
      return n ? (struct reason){n, strlen(n)} : R("multi_leg");
    }
    default:
      return term_reason[term]; /* the term's name (sf_rule_term_name) */
  }
}

int sf_rules_reasons(const struct sf_rules_config *rc, const struct sf_scored *s,
                     const struct sf_evidence *ev, int profile, struct sf_strvec *out) {
  struct sf_rules_prep pp;
  sf_rules_prepare(rc, &pp);
  return sf_rules_reasons_prep(rc, &pp, s, ev, profile, out);
}

int sf_rules_reasons_prep(const struct sf_rules_config *rc, const struct sf_rules_prep *pp,
                          const struct sf_scored *s, const struct sf_evidence *ev, int profile,
                          struct sf_strvec *out) {
  int idx[SF_TERM_COUNT];
  double contrib[SF_TERM_COUNT];
  int n = 0;
  const double *weight = rc->weight[profile];
  /* Terms of positive weight at or above reason_min (the active ones), in term order. */
  for (uint64_t m = pp->pos_mask[profile] & s->active; m; m &= m - 1) {
    int t = __builtin_ctzll(m);
    double w = weight[t];
    /* Insert by contribution descending, ties by term order. */
    double c = w * s->terms[t];
    int j = n++;
    while (j > 0 && contrib[j - 1] < c) {
      idx[j] = idx[j - 1];
      contrib[j] = contrib[j - 1];
      j--;
    }
    idx[j] = t;
    contrib[j] = c;
  }
  for (int i = 0; i < n && out->n < SF_REASON_MAX; i++) {
    struct reason rs = reason_of(idx[i], s, ev, rc);
    const char *r = rs.s;
    bool dup = false;
    for (size_t j = 0; j < out->n && !dup; j++) dup = out->v[j][0] == r[0] && strcmp(out->v[j], r) == 0;
    if (dup) continue;
    if (sf_strvec_pushn(out, r, rs.n)) return SF_ENOMEM;
  }
  return 0;
}

int sf_rules_suppressed(const struct sf_scored *s, struct sf_strvec *out) {
  static const char *const guard_names[] = {"stale_quotes", "complex_or_special_prints", "retail_frenzy",
                                            "hedge_reactive_context", "arbitrage_symmetry"};
  for (int i = 0; i < 5; i++)
    if ((s->guards & (1u << i)) && sf_strvec_push(out, guard_names[i])) return SF_ENOMEM;
  if ((s->abstain & 2u) && sf_strvec_push(out, "unusable_quotes")) return SF_ENOMEM;
  if ((s->abstain & 1u) && sf_strvec_push(out, "weak_evidence")) return SF_ENOMEM;
  return 0;
}
