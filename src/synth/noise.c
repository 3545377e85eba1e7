/* Background noise: the prints of a market where nobody in particular is trading. Each tick
 * draws about noise_prints_per_s * tick prints over the underlyings (ETFs heavier), expiries
 * (short-dated heavier) and strikes (near the money heavier):
 *   - small retail lots (1-10 contracts) at ask, bid or mid;
 *   - market-maker two-sided prints near mid (two fills on two venues within 200 ms);
 *   - prints against a stale quote (not refreshed for over 1.5 s) and on listed strikes that
 *     carry no quote at all (missing NBBO);
 *   - stock-option ties, auction and cross prints near mid, late (out-of-sequence) prints;
 *   - opening prints in the first two minutes and closing prints in the last minute of the
 *     session.
 * None of it is labeled; a sound engine should leave almost all of it alone. */
#include <math.h>

#include "smartflow/condition.h"
#include "smartflow/err.h"
#include "smartflow/time.h"
#include "synth/synth_int.h"

/* A random contract: underlying, expiry and strike weighted toward where retail trades. */
static uint32_t pick_contract(struct sf_synth *g, int64_t t) {
  int und = syn_pick_und(g, true);
  struct syn_und *u = &g->unds[und];
  double w[SYN_MAX_EXPIRIES];
  for (int i = 0; i < u->nexp; i++) {
    double dte = syn_dte_days(u->exps[i].ns, t);
    w[i] = dte <= 0 ? 0 : 1.0 / (1.0 + dte / 5.0);
  }
  int e = syn_rng_weighted(&g->rng, w, u->nexp);
  if (e < 0) e = u->nexp - 1;
  double sd = u->cfg.spot * 0.015 * (1.0 + syn_dte_days(u->exps[e].ns, t) / 20.0);
  double k = u->spot + syn_rng_normal(&g->rng) * sd;
  /* syn_contract_near only returns quoted strikes */
  return syn_contract_near(g, und, e, syn_rng_chance(&g->rng, 0.55), k);
}

static int64_t retail_lot(struct sf_synth *g) {
  double u = syn_rng_unit(&g->rng);
  return 1 + (int64_t)(u * u * 10.0);
}

static int noise_one(struct sf_synth *g, int64_t t) {
  int64_t ts = t + (int64_t)(syn_rng_unit(&g->rng) * (double)SYN_TICK_NS);
  double kind = syn_rng_unit(&g->rng);
  int venue = syn_random_venue(g);
  if (kind < 0.68) { /* retail lot */
    static const double rw[] = {0.38, 0.36, 0.16, 0.05, 0.05};
    static const int rules[] = {SYN_PX_A, SYN_PX_B, SYN_PX_MID, SYN_PX_NEAR_MID, SYN_PX_AA};
    int r = rules[syn_rng_weighted(&g->rng, rw, 5)];
    return syn_noise_add(g, ts, pick_contract(g, t), retail_lot(g), r, venue, SF_COND_FILL, 0);
  }
  if (kind < 0.80) { /* market maker two-sided near mid */
    uint32_t ci = pick_contract(g, t);
    int64_t sz = syn_rng_int(&g->rng, 5, 40);
    int rc = syn_noise_add(g, ts, ci, sz, SYN_PX_NEAR_MID, venue, SF_COND_FILL, 0);
    if (rc) return rc;
    int64_t ts2 = ts + (int64_t)(syn_rng_unit(&g->rng) * 200.0 * (double)SF_NS_PER_MS);
    if (ts2 >= t + SYN_TICK_NS) ts2 = t + SYN_TICK_NS - 1;
    return syn_noise_add(g, ts2, ci, sz + syn_rng_int(&g->rng, -3, 3), SYN_PX_MID, syn_random_venue(g),
                         SF_COND_FILL, 0);
  }
  if (kind < 0.86) { /* stale quote: find a contract not re-quoted for a while */
    for (int tries = 0; tries < 8; tries++) {
      uint32_t ci = pick_contract(g, t);
      const struct syn_contract *c = &g->cons[ci];
      if (c->pub_ns != SF_TS_NULL && ts - c->pub_ns > 1500 * SF_NS_PER_MS)
        return syn_noise_add(g, ts, ci, retail_lot(g), SYN_PX_THEO, venue, SF_COND_FILL, SYN_F_NO_REFRESH);
    }
    return 0;
  }
  if (kind < 0.89) { /* missing quote: a listed strike nobody quotes */
    int und = syn_pick_und(g, false);
    struct syn_und *u = &g->unds[und];
    int e = syn_rng_int(&g->rng, 0, u->nexp - 1);
    if (u->exps[e].ns <= ts) return 0;
    bool call = syn_rng_chance(&g->rng, 0.5);
    size_t k = syn_rng_chance(&g->rng, 0.5) ? 0 : (size_t)u->exps[e].nstrikes - 1;
    uint32_t ci = (uint32_t)(u->exps[e].base + (call ? 0 : (size_t)u->exps[e].nstrikes) + k);
    return syn_noise_add(g, ts, ci, retail_lot(g), SYN_PX_THEO, venue, SF_COND_FILL, 0);
  }
  if (kind < 0.93) /* stock-option tie */
    return syn_noise_add(g, ts, pick_contract(g, t), syn_rng_int(&g->rng, 10, 120), SYN_PX_NEAR_MID, venue,
                         SF_COND_STOCK_TIE, 0);
  if (kind < 0.96) /* auction or cross */
    return syn_noise_add(g, ts, pick_contract(g, t), syn_rng_int(&g->rng, 10, 150), SYN_PX_MID, venue,
                         syn_rng_chance(&g->rng, 0.5) ? SF_COND_AUCTION : SF_COND_CROSS, 0);
  /* late, out-of-sequence print priced off a quote some time ago */
  return syn_noise_add(g, ts, pick_contract(g, t), syn_rng_int(&g->rng, 1, 30), SYN_PX_NEAR_MID, venue,
                       SF_COND_LATE, SYN_F_NO_REFRESH);
}

int syn_noise_tick(struct sf_synth *g, int64_t t) {
  double expect = g->cfg.mix.noise_prints_per_s * ((double)SYN_TICK_NS / 1e9);
  int k = (int)floor(expect + syn_rng_unit(&g->rng));
  for (int i = 0; i < k; i++) {
    int rc = noise_one(g, t);
    if (rc) return rc;
  }
  /* Opening rotation prints in the first two minutes, closing prints in the last minute. */
  bool opening = t - g->open_ns < 2 * 60 * SF_NS_PER_S;
  bool closing = g->close_ns - t <= 60 * SF_NS_PER_S;
  if ((opening || closing) && syn_rng_chance(&g->rng, 0.5)) {
    int64_t ts = t + (int64_t)(syn_rng_unit(&g->rng) * (double)SYN_TICK_NS);
    uint32_t ci = pick_contract(g, t);
    uint32_t cond = opening ? (SF_COND_OPENING | SF_COND_AUCTION) : SF_COND_CLOSING;
    return syn_noise_add(g, ts, ci, syn_rng_int(&g->rng, 1, 60), SYN_PX_MID, syn_random_venue(g), cond, 0);
  }
  return 0;
}
