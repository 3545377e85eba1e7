/* The scoring rules of the smart-money engine: one configuration struct holding every weight
 * and threshold, so that the synthetic-market tuner and `smartflow compute --config` can change
 * them without touching code (PROFILES.md).
 *
 * Scoring. Each parent event is reduced to evidence terms, each a number in [0,1] (see the
 * SF_RULE_TERMS table: name, meaning). A profile's raw score is the logistic of
 * bias[profile] + sum over terms of weight[profile][term] x term. Guards multiply the raw
 * scores of the profiles they suppress by guard_factor (and say so in suppressed_reasons); an
 * optional calibration maps raw to probability; bands come from the probability.
 *
 * JSON form (every key optional; unknown keys are an error so a typo is not silently ignored):
 *   {"thresholds": {"<scalar name>": number, ...},
 *    "bias": {"<profile_id>": number, ...},
 *    "weights": {"<profile_id>": {"<term name>": number, ...}, ...}}
 * sf_rules_config_to_json writes the full form, so `--config` files can start from the
 * defaults. */
#ifndef SMARTFLOW_RULES_H
#define SMARTFLOW_RULES_H

#include <jansson.h>
#include <stddef.h>

#include "smartflow/record.h"

/* Evidence terms: X(ENUM, "name", "what it measures"). Each is in [0,1]; 0 when the input it
 * needs is unknown (absence of evidence). */
#define SF_RULE_TERMS(X)                                                                             \
  X(PREMIUM_LARGE, "premium_large", "log-premium ramp premium_large_lo..premium_large_hi")           \
  X(PREMIUM_MODERATE, "premium_moderate", "premium between retail_premium_lo and premium_large")     \
  X(SWEEP, "sweep", "size share of multi-venue / ISO sweep clusters")                                \
  X(BLOCK, "block", "size share of single prints of at least block_min_size")                        \
  X(AGGRESSIVE, "aggressive", "size share signed by the quote rule (AA/A/B/BB)")                     \
  X(ONE_SIDED, "one_sided", "|buy - sell| / total size")                                             \
  X(TIGHT_QUOTES, "tight_quotes", "relative spread ramp spread_tight..spread_wide (1 = tight)")      \
  X(DTE_WEEKS, "dte_weeks", "days to expiry within dte_weeks_lo..dte_weeks_hi (trapezoid)")          \
  X(NEAR_MONEY, "near_money", "atm_proximity ramp near_money_full..near_money_zero")                 \
  X(SHORT_DATED, "short_dated", "days to expiry ramp short_dated_full..short_dated_zero")            \
  X(OTM, "otm", "out-of-the-money distance ramp otm_lo..otm_hi")                                     \
  X(SMALL_LOTS, "small_lots", "small average fill and many fills (burst)")                           \
  X(IV_POP, "iv_pop", "implied-vol shock over the contract baseline, ramp iv_pop_lo..iv_pop_hi")     \
  X(EVENT_SOON, "event_soon", "a calendar event within event_days_full..event_days_zero")            \
  X(EXPIRY_AFTER_EVENT, "expiry_after_event", "expiry just after the event")                         \
  X(PRE_EVENT_CONC, "pre_event_concentration", "size share in the first expiries after the event")   \
  X(SOLD, "sold", "seller-initiated size share")                                                     \
  X(BOUGHT, "bought", "buyer-initiated size share")                                                  \
  X(STRADDLE_SOLD, "straddle_sold", "a straddle or strangle, seller-initiated")                      \
  X(NEUTRAL_DELTA, "neutral_delta", "multi-leg with |net directional bias| near 0")                  \
  X(LEGS_MATCHED, "legs_matched", "multi-leg size symmetry")                                         \
  X(COMPLEX, "complex", "size share of complex-order (COMPLEX/SPREAD) prints")                       \
  X(STOCK_TIE, "stock_tie", "stock-tie size share (multi-leg: call/put of one strike)")              \
  X(MID_PRINTS, "mid_prints", "share of quoted prints strictly inside the spread")                   \
  X(ZERO_TO_TWO_DTE, "zero_to_two_dte", "days to expiry at most hedge_dte_max")                      \
  X(ATM, "atm", "atm_proximity ramp atm_full..atm_zero")                                             \
  X(SPOT_MOVE, "spot_move", "|underlying move| ramp move_bps_lo..move_bps_hi")                       \
  X(BOTH_SIDES, "both_sides", "min(buy, sell) / max(buy, sell)")                                     \
  X(MULTI_LEG, "multi_leg", "the event is a recognised multi-leg structure")                         \
  X(SPREAD_PRESSURE, "spread_pressure", "spread widening over the baseline ramp")                    \
  X(SPECIAL, "special", "size share of special prints (auction, cross, late ...)")                   \
  X(BURST_RATE, "burst_rate", "fills per minute ramp burst_rate_lo..hi x fill-count ramp")           \
  X(IV_RISE, "iv_rise", "late IV over the pre-event IV baseline, ramp iv_rise_lo..hi")               \
  X(LARGE_LOTS, "large_lots", "average fill log-ramp large_lot_lo..large_lot_hi")                    \
  X(VOLUME_EXCEEDS_OI, "volume_exceeds_oi", "vol_oi_ratio ramp oi_ratio_lo..oi_ratio_hi (opening)")  \
  X(TRICKLE, "trickle", "small fills spread over seconds: fill ramp down x window ramp (trickle_*)") \
  X(SPARSE, "sparse", "few fills spread over seconds: fill-count ramp down x window ramp")           \
  X(SLOW_FILLS, "slow_fills", "fills per minute ramp down slow_rate_full..slow_rate_zero")

enum sf_rule_term {
#define SF_RULE_TERM_ENUM(e, name, doc) SF_TERM_##e,
  SF_RULE_TERMS(SF_RULE_TERM_ENUM)
#undef SF_RULE_TERM_ENUM
      SF_TERM_COUNT
};

/* Scalar thresholds: X(field, default, "doc"). Money in dollars, time in days unless named. */
#define SF_RULE_SCALARS(X)                                                                            \
  X(premium_large_lo, 50000.0, "premium where premium_large starts to rise ($)")                      \
  X(premium_large_hi, 500000.0, "premium where premium_large reaches 1 ($)")                          \
  X(retail_premium_lo, 5000.0, "premium where premium_moderate starts to rise ($)")                   \
  X(retail_premium_hi, 25000.0, "premium where premium_moderate reaches 1 ($)")                       \
  X(block_min_size, 100.0, "contracts in one print for a block")                                      \
  X(small_lot_max, 10.0, "average fill size at or below which lots are small")                        \
  X(small_lot_zero, 40.0, "average fill size at or above which lots are not small")                   \
  X(burst_prints_lo, 5.0, "fills where a burst starts to count")                                      \
  X(burst_prints_hi, 15.0, "fills for a full burst")                                                  \
  X(spread_tight, 0.03, "relative spread (spread / mid) counted fully tight")                         \
  X(spread_wide, 0.20, "relative spread counted not tight")                                           \
  X(dte_weeks_rise, 3.0, "days where dte_weeks starts to rise")                                       \
  X(dte_weeks_lo, 10.0, "days where dte_weeks is full")                                               \
  X(dte_weeks_hi, 120.0, "days where dte_weeks starts to fall")                                       \
  X(dte_weeks_fall, 365.0, "days where dte_weeks is 0")                                               \
  X(near_money_full, 0.03, "atm_proximity at or below which near_money = 1")                          \
  X(near_money_zero, 0.12, "atm_proximity at or above which near_money = 0")                          \
  X(short_dated_full, 7.0, "days to expiry at or below which short_dated = 1")                        \
  X(short_dated_zero, 21.0, "days to expiry at or above which short_dated = 0")                       \
  X(otm_lo, 0.02, "OTM distance (fraction of spot) where otm starts")                                 \
  X(otm_hi, 0.08, "OTM distance where otm = 1")                                                       \
  X(otm_delta_full, 0.3, "|delta| at or below which otm = 1 (delta form)")                            \
  X(otm_delta_zero, 0.45, "|delta| at or above which otm = 0 (delta form)")                           \
  X(burst_rate_lo, 6.0, "fills per minute where burst_rate starts")                                   \
  X(burst_rate_hi, 20.0, "fills per minute where burst_rate = 1")                                     \
  X(iv_rise_lo, 0.03, "relative IV rise over a burst where iv_rise starts")                           \
  X(iv_rise_hi, 0.15, "relative IV rise over a burst where iv_rise = 1")                              \
  X(large_lot_lo, 20.0, "average fill (contracts) where large_lots starts")                           \
  X(large_lot_hi, 200.0, "average fill where large_lots = 1")                                         \
  X(iv_pop_lo, 0.03, "relative IV shock where iv_pop starts")                                         \
  X(iv_pop_hi, 0.15, "relative IV shock where iv_pop = 1")                                            \
  X(oi_ratio_lo, 0.5, "event size / open interest where volume_exceeds_oi starts")                    \
  X(oi_ratio_hi, 1.5, "event size / open interest where volume_exceeds_oi = 1")                       \
  X(event_days_full, 7.0, "days to the event at or below which event_soon = 1")                       \
  X(event_days_zero, 21.0, "days to the event at or above which event_soon = 0")                      \
  X(event_expiry_days, 7.0, "an expiry at most this many days after the event counts")                \
  X(hedge_dte_max, 2.5, "days to expiry for zero_to_two_dte")                                         \
  X(atm_full, 0.005, "atm_proximity at or below which atm = 1")                                       \
  X(atm_zero, 0.02, "atm_proximity at or above which atm = 0")                                        \
  X(move_bps_lo, 15.0, "|underlying move| (bps) where spot_move starts")                              \
  X(move_bps_hi, 45.0, "|underlying move| (bps) where spot_move = 1")                                 \
  X(spread_pressure_lo, 0.2, "spread widening where spread_pressure starts")                          \
  X(spread_pressure_hi, 1.0, "spread widening where spread_pressure = 1")                             \
  X(neutral_delta_max, 0.5, "|net bias| at or above which neutral_delta = 0")                         \
  X(direction_min, 0.2, "|net directional bias| for a bullish / bearish call")                        \
  X(reason_min, 0.5, "a term at least this large (with positive weight) is cited as a reason")        \
  X(structure_symmetry_min, 0.5, "leg size symmetry for legs without complex conditions")             \
  X(structure_min_leg, 25.0, "contracts a leg without complex conditions needs to form a structure")  \
  X(guard_factor, 0.35, "multiplier on raw scores a guard suppresses")                                \
  X(stale_coverage_min, 0.5, "below this fresh-quote coverage: stale_quotes guard")                   \
  X(unusable_coverage_max, 0.2, "at or below this coverage, unsigned events abstain")                 \
  X(special_ratio_min, 0.5, "special-print size share for the complex_or_special_prints guard")       \
  X(frenzy_min, 0.5, "small_lots term for the retail_frenzy guard")                                   \
  X(hedge_context_min, 0.5, "product of 0-2 DTE, atm and spot-move terms for the hedge guard")        \
  X(arb_symmetry_min, 0.8, "leg symmetry for the arbitrage_symmetry guard")                           \
  X(arb_aggressive_max, 0.5, "quote-hitting size share below which the arbitrage guard applies")      \
  X(emit_min_premium, 0.0, "events below this premium ($) are not emitted")                           \
  X(burst_gap_s, 40.0, "a small-lot cluster this soon (s) after a burst's last print joins it")       \
  X(burst_window_s, 180.0, "longest span (s) of one small-lot burst")                                 \
  X(burst_lot_max, 45.0, "average fill (contracts) of a closed cluster at most to join a burst")      \
  X(burst_premium_max, 50000.0, "premium ($) of a closed cluster at most for it to join a burst")     \
  X(trickle_fill_full, 10.0, "average fill at or below which an event's fills are trickle-sized")     \
  X(trickle_fill_zero, 20.0, "average fill at or above which they are not (trickle term)")            \
  X(trickle_window_lo, 1.0, "event window (s) where trickle and sparse start to rise")                \
  X(trickle_window_hi, 4.0, "event window (s) where trickle and sparse are full")                     \
  X(sparse_prints_full, 4.0, "fills at or below which a spread-out event is sparse (sparse = 1)")     \
  X(sparse_prints_zero, 5.0, "fills at or above which it is not sparse (burst_prints_lo)")            \
  X(slow_rate_full, 4.0, "fills per minute at or below which slow_fills = 1 (a trickle)")             \
  X(slow_rate_zero, 6.0, "fills per minute at or above which slow_fills = 0 (burst_rate_lo)")         \
  X(evidence_min_size, 20.0, "contracts an event needs before any primary call")                      \
  X(evidence_min_premium, 1000.0, "premium ($) an event needs before any primary call")               \
  X(weak_evidence_factor, 0.1, "multiplier on the raw scores of an event under the evidence minimum") \
  X(atm_delta_full, 0.2, "| |delta| - 0.5 | at or below which atm = 1 (delta form)")                  \
  X(atm_delta_zero, 0.35, "| |delta| - 0.5 | at or above which atm = 0 (delta form)")                 \
  X(abstain_below, 0.35, "primary probability below this abstains (weak_evidence)")                   \
  X(band_high, 0.75, "probability for band high")                                                     \
  X(band_medium, 0.5, "probability for band medium")                                                  \
  X(hit_min, 0.5, "primary probability for a classifier hit")                                         \
  X(hit_runner_up_min, 0.75, "runner-up probability for an extra classifier hit")                     \
  X(alert_min, 0.5, "primary probability for an alert")

struct sf_rules_config {
#define SF_RULE_SCALAR_FIELD(f, def, doc) double f;
  SF_RULE_SCALARS(SF_RULE_SCALAR_FIELD)
#undef SF_RULE_SCALAR_FIELD
  double bias[SF_PROFILE_COUNT];
  double weight[SF_PROFILE_COUNT][SF_TERM_COUNT];
};

/* Fills cfg with the compiled-in defaults. */
void sf_rules_config_default(struct sf_rules_config *cfg);
/* Overrides fields of cfg (already holding defaults) from a JSON object. Returns 0 or SF_EFIELD
 * with a message naming the key in errbuf. */
int sf_rules_config_from_json(const json_t *j, struct sf_rules_config *cfg, char *errbuf, size_t cap);
/* The full configuration as JSON (new reference, NULL on out-of-memory). */
json_t *sf_rules_config_to_json(const struct sf_rules_config *cfg);
/* Name of a term ("premium_large") or NULL; and the reverse (-1 when unknown). */
const char *sf_rule_term_name(int term);
int sf_rule_term_from_name(const char *name);

#endif
