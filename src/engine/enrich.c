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

/* classify for a two-sided quote (bid >= 0, ask > 0, both numbers). */
static enum sf_nbbo_side classify2(double px, double bid, double ask) {
  const double eps = 1e-9;
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

static enum sf_nbbo_side classify(double px, double bid, double ask) {
  bool has_bid = !isnan(bid) && bid >= 0;
  bool has_ask = !isnan(ask) && ask > 0;
  const double eps = 1e-9;
  if (has_bid && has_ask) return classify2(px, bid, ask);
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
    struct sf_greeks g; /* written when a solve succeeds, read only then */
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

/* Moves a baseline (EWMA of n values) to x and returns x against the baseline before it,
 * x / base - 1, or null while the baseline has fewer than baseline_min values or is not > 0. */
static inline double baseline_move(double *ew, uint32_t *n, double x, const struct sf_engine_config *cfg) {
  uint32_t n0 = *n;
  double base = *ew;
  *ew = n0 == 0 ? x : base + cfg->baseline_alpha * (x - base);
  *n = n0 + 1;
  return n0 >= 1 && n0 >= cfg->baseline_min && base > 0 ? x / base - 1 : SF_NULL;
}

/* What the clustering compares venues by: the code itself when it is shorter than 8 bytes (its
 * top byte then 0), else a hash with the top bit set, so distinct short codes never collide. */
static uint64_t venue_id(const char *x) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint64_t w;
  memcpy(&w, x, sizeof w); /* exchange holds SF_VENUE_MAX >= 8 bytes */
  uint64_t z = (w - UINT64_C(0x0101010101010101)) & ~w & UINT64_C(0x8080808080808080);
  if (z) return w & (((z & (0 - z)) >> 7) - 1); /* the bytes before the NUL (the first flagged) */
#endif
  return sf_hash64(x, strnlen(x, SF_VENUE_MAX)) | UINT64_C(1) << 63;
}

/* Every enrichment field of p is written (sf_engine_push_option_print copies only the input
 * fields), each once: the quote's fields from locals, null where there is no quote. */
void sf_enrich_print(struct sf_engine *e, uint32_t ci, struct sf_option_print *p, struct sf_pprint *pp) {
  struct sf_book_ctr *k = &e->book.ctr[ci];
  const struct sf_book_und *u = &e->book.und[k->und];
  const struct sf_engine_config *cfg = &e->cfg;
  const int64_t ts = p->ts_ns;
  const double price = p->price;
  const int64_t size = p->size;

  p->enriched = true;
  memcpy(p->underlying_id, u->id, sizeof p->underlying_id);
  p->option_type = k->is_call ? SF_OPT_CALL : SF_OPT_PUT;
  p->multiplier = k->mult;
  p->notional = price * (double)size * k->mult;
  p->is_etf = u->is_etf ? 1 : 0;
  p->iv = p->delta = p->gamma = p->vega = SF_NULL;
  memset(p->iv_source, 0, 8); /* "trade" and "mid" are written over it: no stale bytes */

  /* Option NBBO in force. */
  double mid = SF_NULL, rel_spread = SF_NULL, age_ms = SF_NULL;
  enum sf_nbbo_side side = SF_SIDE_MISSING;
  const struct sf_qslot *q = sf_qring_at(&k->quotes, ts);
  if (q) {
    double bid = q->bid, ask = q->ask;
    p->nbbo_bid = bid;
    p->nbbo_ask = ask;
    p->nbbo_bid_size = q->bid_size;
    p->nbbo_ask_size = q->ask_size;
    p->nbbo_ts_ns = q->ts_ns;
    p->nbbo_age_ms = age_ms = (double)(ts - q->ts_ns) / 1e6;
    bool two_sided = q->state == SF_Q_OK && bid >= 0 && ask > 0; /* both numbers, then */
    double q_mid = SF_NULL, spread = SF_NULL;
    if (two_sided) {
      q_mid = (bid + ask) / 2;
      spread = ask - bid;
    }
    p->nbbo_mid = q_mid;
    p->nbbo_spread = spread;
    if (q->state == SF_Q_CROSSED)
      side = SF_SIDE_MISSING;
    else if (ts - q->ts_ns > cfg->stale_ns)
      side = SF_SIDE_STALE;
    else if (two_sided) {
      side = classify2(price, bid, ask);
      mid = q_mid;
      if (mid > 0) rel_spread = spread / mid;
    } else {
      side = classify(price, bid, ask);
    }
  } else {
    p->nbbo_bid = p->nbbo_ask = p->nbbo_mid = p->nbbo_spread = SF_NULL;
    p->nbbo_bid_size = p->nbbo_ask_size = p->nbbo_age_ms = SF_NULL;
    p->nbbo_ts_ns = SF_TS_NULL;
  }
  p->nbbo_side = (uint8_t)side;

  /* Aggressor. */
  int8_t tick = tick_sign(k, price), aggressor;
  uint8_t rule;
  switch (side) {
    case SF_SIDE_AA:
    case SF_SIDE_A:
      aggressor = 1;
      rule = SF_AGG_RULE_QUOTE;
      break;
    case SF_SIDE_B:
    case SF_SIDE_BB:
      aggressor = -1;
      rule = SF_AGG_RULE_QUOTE;
      break;
    default:
      if (tick != 0) {
        aggressor = tick;
        rule = SF_AGG_RULE_TICK;
      } else if (side == SF_SIDE_MID && q && (aggressor = depth_sign(size, q->bid_size, q->ask_size)) != 0) {
        rule = SF_AGG_RULE_DEPTH;
      } else {
        aggressor = 0;
        rule = SF_AGG_RULE_NONE;
      }
      break;
  }
  p->aggressor = aggressor;
  p->aggressor_rule = rule;

  /* Underlying. */
  const struct sf_qslot *uq = sf_qring_at(&u->quotes, ts);
  if (uq && uq->state == SF_Q_OK && uq->bid > 0 && uq->ask > 0) {
    double und_mid = (uq->bid + uq->ask) / 2;
    p->und_bid = uq->bid;
    p->und_ask = uq->ask;
    p->und_mid = und_mid;
    p->und_spread = uq->ask - uq->bid;
    p->und_ts_ns = uq->ts_ns;
    p->und_age_ms = (double)(ts - uq->ts_ns) / 1e6;
    p->und_spot = ts - uq->ts_ns <= cfg->und_stale_ns ? und_mid : SF_NULL;
  } else {
    p->und_spot = p->und_bid = p->und_ask = p->und_mid = p->und_spread = p->und_age_ms = SF_NULL;
    p->und_ts_ns = SF_TS_NULL;
  }

  /* IV and greeks. */
  double T = (double)(k->expiry_ns - ts) / YEAR_NS;
  if (!isnan(p->und_spot) && T > 0) solve_iv(e, k, p, mid, T);

  /* Baselines: the shock is measured against the baseline before this print. */
  double iv = p->iv, iv_shock = SF_NULL, spread_wide = SF_NULL;
  if (!isnan(iv)) iv_shock = baseline_move(&k->ew_iv, &k->n_iv, iv, cfg);
  if (!isnan(rel_spread)) spread_wide = baseline_move(&k->ew_rsp, &k->n_rsp, rel_spread, cfg);

  pp->ts_ns = ts;
  pp->price = price;
  pp->size = size;
  pp->conditions = p->conditions;
  pp->venue = venue_id(p->exchange);
  pp->side = (uint8_t)side;
  pp->aggressor = aggressor;
  pp->nbbo_age_ms = age_ms;
  pp->rel_spread = rel_spread;
  pp->iv = iv;
  pp->delta = p->delta;
  pp->spot = p->und_spot;
  pp->iv_shock = iv_shock;
  pp->spread_wide = spread_wide;
  memcpy(pp->trace_id, p->meta.trace_id, sizeof pp->trace_id);
  pp->seq = p->meta.seq;
}
