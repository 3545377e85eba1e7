/* Print enrichment (PROFILES.md "From prints to a parent event", step 1): the option NBBO in
 * force at or before the print (never a later quote), its age, the NBBO side, the aggressor
 * and the rule that decided it, the underlying spot, implied volatility and greeks, notional.
 *
 * Side. With a fresh, uncrossed two-sided quote and tol = max(0.005, 0.05 x spread):
 *   price > ask + tol -> AA;  price >= ask - tol -> A;  price < bid - tol -> BB;
 *   price <= bid + tol -> B;  otherwise MID (strictly inside the spread).
 * A locked quote (bid == ask) has no inside: a print at the locked price is MID (either side
 * could have crossed), beyond it AA / BB. A zero bid is a valid one-sided market (cheap OTM
 * series) and classifies normally. A quote without an offer (ask missing or 0) can only say
 * B / BB; anything above the bid is MISSING. A quote without a bid can only say A / AA. No
 * quote, or a crossed one (bid > ask, stored but never used as a fresh NBBO), is MISSING; a
 * quote older than stale_ns is STALE.
 *
 * Aggressor. The quote rule signs AA/A (+1, buyer) and B/BB (-1, seller). MID, STALE and
 * MISSING prints use the tick test against the contract's last different trade price (Lee and
 * Ready 1991); a MID print the tick test cannot sign uses the trade-size rule (size equal to
 * the displayed ask size only -> buy, to the bid size only -> sell) and then the depth rule
 * (ask size > bid size -> buy, bid size > ask size -> sell), following Grauer, Schuster and
 * Uhrig-Homburg (2023). Both are reported as rule "depth".
 *
 * IV. From the trade price ("trade"); when that has no solution, from the fresh NBBO mid
 * ("mid"); else null. T = (expiry - ts) / 365 days, so a 0DTE print at 10:00 ET has T of six
 * hours. Solutions are cached per contract while price, spot and mid are unchanged and the
 * print is within iv_cache_ns of the cached one. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"
#include "smartflow/greeks.h"
#include "smartflow/hash.h"

#define YEAR_NS (365.0 * 86400.0 * 1e9)

static enum sf_nbbo_side classify(double px, double bid, double ask) {
  bool has_bid = !isnan(bid) && bid >= 0;
  bool has_ask = !isnan(ask) && ask > 0;
  const double eps = 1e-9;
  if (has_bid && has_ask) {
    double spread = ask - bid, t = 0.05 * spread; /* both finite here: fmax without the call */
    double tol = t > 0.005 ? t : 0.005;
    if (spread <= eps) { /* locked */
      if (px > ask + tol + eps) return SF_SIDE_AA;
      if (px < bid - tol - eps) return SF_SIDE_BB;
      return SF_SIDE_MID;
    }
    if (px > ask + tol + eps) return SF_SIDE_AA;
    if (px >= ask - tol - eps) return SF_SIDE_A;
    if (px < bid - tol - eps) return SF_SIDE_BB;
    if (px <= bid + tol + eps) return SF_SIDE_B;
    return SF_SIDE_MID;
  }
  const double tol = 0.005;
  if (has_bid) {
    if (px < bid - tol - eps) return SF_SIDE_BB;
    if (px <= bid + tol + eps) return SF_SIDE_B;
    return SF_SIDE_MISSING;
  }
  if (has_ask) {
    if (px > ask + tol + eps) return SF_SIDE_AA;
    if (px >= ask - tol - eps) return SF_SIDE_A;
    return SF_SIDE_MISSING;
  }
  return SF_SIDE_MISSING;
}

static int8_t depth_sign(int64_t size, double bid_size, double ask_size) {
  double s = (double)size;
  bool at_ask = !isnan(ask_size) && s == ask_size, at_bid = !isnan(bid_size) && s == bid_size;
  if (at_ask && !at_bid) return 1;
  if (at_bid && !at_ask) return -1;
  if (isnan(ask_size) || isnan(bid_size)) return 0;
  if (ask_size > bid_size) return 1;
  if (bid_size > ask_size) return -1;
  return 0;
}

/* The tick test, and the update of the contract's tick state with this price. */
static int8_t tick_sign(struct sf_book_ctr *k, double px) {
  int8_t s = 0;
  if (k->has_last) {
    if (px > k->last_px + 1e-9)
      s = 1;
    else if (px < k->last_px - 1e-9)
      s = -1;
    else
      s = k->last_tick; /* zero tick: the sign of the last price change */
  }
  if (s != 0) k->last_tick = s;
  k->last_px = px;
  k->has_last = true;
  return s;
}

static void solve_iv(struct sf_engine *e, struct sf_book_ctr *k, struct sf_option_print *p, double mid,
                     double T) {
  double S = p->und_spot;
  if (k->c_valid && k->c_px == p->price && k->c_spot == S && (k->c_src != 2 || k->c_mid == mid) &&
      llabs(p->ts_ns - k->c_ts) < e->cfg.iv_cache_ns) {
    if (!k->c_ok) return;
  } else {
    double sigma = 0;
    struct sf_greeks g = {0};
    k->c_ok = false;
    k->c_src = 0;
    double r = e->cfg.rate;
    /* spot moves far less often than prints arrive, and by ticks: no log per solve */
    double lsk = sf_bs_log_moneyness(&k->logm, S, k->strike);
    if (p->price > 0 && sf_bs_implied_vol_greeks(k->is_call, p->price, S, k->strike, T, r, lsk, k->iv_guess,
                                                 &sigma, &g) == 0) {
      k->c_ok = true;
      k->c_src = 1;
    } else if (!isnan(mid) && mid > 0 &&
               sf_bs_implied_vol_greeks(k->is_call, mid, S, k->strike, T, r, lsk, k->iv_guess, &sigma, &g) ==
                   0) {
      k->c_ok = true;
      k->c_src = 2;
    }
    k->c_valid = true;
    k->c_px = p->price;
    k->c_spot = S;
    k->c_mid = mid;
    k->c_ts = p->ts_ns;
    if (k->c_ok) {
      k->iv_guess = sigma;
      k->c_iv = sigma;
      k->c_delta = g.delta;
      k->c_gamma = g.gamma;
      k->c_vega = g.vega;
    }
    if (!k->c_ok) return;
  }
  p->iv = k->c_iv;
  if (k->c_src == 1) /* constant sizes: copied inline */
    memcpy(p->iv_source, "trade", 6);
  else
    memcpy(p->iv_source, "mid", 4);
  p->delta = k->c_delta;
  p->gamma = k->c_gamma;
  p->vega = k->c_vega;
}

static double ewma_update(double *ew, uint32_t *n, double x, double alpha) {
  double before = (*n >= 1) ? *ew : SF_NULL;
  *ew = (*n == 0) ? x : *ew + alpha * (x - *ew);
  (*n)++;
  return before;
}

void sf_enrich_print(struct sf_engine *e, uint32_t ci, struct sf_option_print *p, struct sf_pprint *pp) {
  struct sf_book_ctr *k = &e->book.ctr[ci];
  struct sf_book_und *u = &e->book.und[k->und];
  const struct sf_engine_config *cfg = &e->cfg;

  p->enriched = true;
  memcpy(p->underlying_id, u->id, sizeof p->underlying_id);
  p->option_type = k->is_call ? SF_OPT_CALL : SF_OPT_PUT;
  p->multiplier = k->mult;
  p->notional = p->price * (double)p->size * k->mult;
  p->is_etf = u->is_etf ? 1 : 0;
  p->nbbo_bid = p->nbbo_ask = p->nbbo_mid = p->nbbo_spread = SF_NULL;
  p->nbbo_bid_size = p->nbbo_ask_size = p->nbbo_age_ms = SF_NULL;
  p->nbbo_ts_ns = SF_TS_NULL;
  p->und_spot = p->und_bid = p->und_ask = p->und_mid = p->und_spread = p->und_age_ms = SF_NULL;
  p->und_ts_ns = SF_TS_NULL;
  p->iv = p->delta = p->gamma = p->vega = SF_NULL;
  p->iv_source[0] = '\0';

  /* Option NBBO in force. */
  double mid = SF_NULL, rel_spread = SF_NULL;
  enum sf_nbbo_side side = SF_SIDE_MISSING;
  const struct sf_qslot *q = sf_qring_at(&k->quotes, p->ts_ns);
  if (q) {
    p->nbbo_bid = q->bid;
    p->nbbo_ask = q->ask;
    p->nbbo_bid_size = q->bid_size;
    p->nbbo_ask_size = q->ask_size;
    p->nbbo_ts_ns = q->ts_ns;
    p->nbbo_age_ms = (double)(p->ts_ns - q->ts_ns) / 1e6;
    bool two_sided = q->state == SF_Q_OK && !isnan(q->bid) && !isnan(q->ask) && q->bid >= 0 && q->ask > 0;
    if (two_sided) {
      p->nbbo_mid = (q->bid + q->ask) / 2;
      p->nbbo_spread = q->ask - q->bid;
    }
    if (q->state == SF_Q_CROSSED)
      side = SF_SIDE_MISSING;
    else if (p->ts_ns - q->ts_ns > cfg->stale_ns)
      side = SF_SIDE_STALE;
    else {
      side = classify(p->price, q->bid, q->ask);
      if (two_sided) {
        mid = p->nbbo_mid;
        if (mid > 0) rel_spread = p->nbbo_spread / mid;
      }
    }
  }
  p->nbbo_side = (uint8_t)side;

  /* Aggressor. */
  int8_t tick = tick_sign(k, p->price);
  switch (side) {
    case SF_SIDE_AA:
    case SF_SIDE_A:
      p->aggressor = 1;
      p->aggressor_rule = SF_AGG_RULE_QUOTE;
      break;
    case SF_SIDE_B:
    case SF_SIDE_BB:
      p->aggressor = -1;
      p->aggressor_rule = SF_AGG_RULE_QUOTE;
      break;
    default:
      if (tick != 0) {
        p->aggressor = tick;
        p->aggressor_rule = SF_AGG_RULE_TICK;
      } else if (side == SF_SIDE_MID && q &&
                 (p->aggressor = depth_sign(p->size, q->bid_size, q->ask_size)) != 0) {
        p->aggressor_rule = SF_AGG_RULE_DEPTH;
      } else {
        p->aggressor = 0;
        p->aggressor_rule = SF_AGG_RULE_NONE;
      }
      break;
  }

  /* Underlying. */
  const struct sf_qslot *uq = sf_qring_at(&u->quotes, p->ts_ns);
  if (uq && uq->state == SF_Q_OK && uq->bid > 0 && uq->ask > 0) {
    p->und_bid = uq->bid;
    p->und_ask = uq->ask;
    p->und_mid = (uq->bid + uq->ask) / 2;
    p->und_spread = uq->ask - uq->bid;
    p->und_ts_ns = uq->ts_ns;
    p->und_age_ms = (double)(p->ts_ns - uq->ts_ns) / 1e6;
    if (p->ts_ns - uq->ts_ns <= cfg->und_stale_ns) p->und_spot = p->und_mid;
  }

  /* IV and greeks. */
  double T = (double)(k->expiry_ns - p->ts_ns) / YEAR_NS;
  if (!isnan(p->und_spot) && T > 0) solve_iv(e, k, p, mid, T);

  /* Baselines: the shock is measured against the baseline before this print. */
  double iv_shock = SF_NULL, spread_wide = SF_NULL;
  if (!isnan(p->iv)) {
    uint32_t n_before = k->n_iv;
    double base = ewma_update(&k->ew_iv, &k->n_iv, p->iv, cfg->baseline_alpha);
    if (n_before >= cfg->baseline_min && base > 0) iv_shock = p->iv / base - 1;
  }
  if (!isnan(rel_spread)) {
    uint32_t n_before = k->n_rsp;
    double base = ewma_update(&k->ew_rsp, &k->n_rsp, rel_spread, cfg->baseline_alpha);
    if (n_before >= cfg->baseline_min && base > 0) spread_wide = rel_spread / base - 1;
  }

  pp->ts_ns = p->ts_ns;
  pp->price = p->price;
  pp->size = p->size;
  pp->conditions = p->conditions;
  /* sf_hash64(exchange, strnlen(exchange, sizeof exchange)) in one pass */
  uint64_t vh = SF_HASH_SEED;
  for (size_t i = 0; i < sizeof p->exchange && p->exchange[i]; i++) {
    vh ^= (unsigned char)p->exchange[i];
    vh *= UINT64_C(0x100000001b3);
  }
  pp->venue = sf_hash_mix64(vh);
  pp->side = p->nbbo_side;
  pp->aggressor = p->aggressor;
  pp->nbbo_age_ms = p->nbbo_age_ms;
  pp->rel_spread = rel_spread;
  pp->iv = p->iv;
  pp->delta = p->delta;
  pp->spot = p->und_spot;
  pp->iv_shock = iv_shock;
  pp->spread_wide = spread_wide;
  memcpy(pp->trace_id, p->meta.trace_id, sizeof pp->trace_id);
  pp->seq = p->meta.seq;
}
