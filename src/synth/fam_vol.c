/* Premium selling: vol_seller and its hard negatives.
 *
 * vol_seller: a straddle (50%) or a 3-7% OTM strangle sold at the bid (70%) or through it,
 * 5-45 DTE, 100-1500 contracts on each leg (matched), the two legs within 30 ms, 25% as a
 * complex order (COMPLEX, one venue), otherwise legged on two venues; 30% sell a second time
 * 10-60 s later. Direction neutral, no planted move.
 * hn_straddle_at_bid: a straddle legged out at the bid 60-220 ms apart on two venues, so each
 * leg alone looks like a directional sale: labeled vol_seller.
 * hn_closing_at_bid: 200-1500 contracts of one near-the-money series sold at the bid in one or
 * two CLOSING prints: a position being closed, not a vol sale and not a bet. profile_id null
 * (the engine should abstain), direction unknown. */
#include <math.h>

#include "synth/fam_common.h"

int syn_fam_vol_seller(struct sf_synth *g, int64_t t, bool legged) {
  int und = syn_pick_und(g, false);
  int e = syn_pick_expiry(g, und, 5, 45, t);
  if (e < 0) e = syn_pick_expiry(g, und, 2, 60, t);
  if (e < 0) return SF_ENOTFOUND;
  bool straddle = legged || syn_rng_chance(&g->rng, 0.5);
  double s = g->unds[und].spot;
  double wc = straddle ? 0 : syn_rng_range(&g->rng, 0.03, 0.07),
         wp = straddle ? 0 : syn_rng_range(&g->rng, 0.03, 0.07);
  uint32_t cc = syn_contract_near(g, und, e, true, s * (1 + wc));
  uint32_t pc =
      straddle ? syn_contract_other_right(g, cc) : syn_contract_near(g, und, e, false, s * (1 - wp));
  int64_t size = syn_rng_int(&g->rng, 100, 1500);
  int hits = legged ? 1 : (syn_rng_chance(&g->rng, 0.3) ? 2 : 1);
  syn_plan_reset(g, legged ? SF_FAM_HN_STRADDLE_AT_BID : SF_FAM_VOL_SELLER, SF_PROFILE_VOL_SELLER,
                 SF_DIR_NEUTRAL, legged, und);
  int64_t ts = t;
  for (int h = 0; h < hits; h++) {
    int rule = syn_rng_chance(&g->rng, 0.7) ? SYN_PX_B : SYN_PX_BB;
    int v[2];
    syn_venue_set(g, v, 2);
    if (legged) {
      syn_plan_add(g, ts, cc, size, SYN_PX_B, v[0], SF_COND_FILL, 0);
      syn_plan_add(g, ts + syn_ms(syn_rng_range(&g->rng, 60, 220)), pc, size, SYN_PX_B, v[1], SF_COND_FILL,
                   0);
    } else if (syn_rng_chance(&g->rng, 0.25)) {
      syn_plan_add(g, ts, cc, size, rule, v[0], SF_COND_COMPLEX, 0);
      syn_plan_add(g, ts + syn_ms(syn_rng_range(&g->rng, 0, 2)), pc, size, rule, v[0], SF_COND_COMPLEX, 0);
    } else {
      uint32_t cond = syn_rng_chance(&g->rng, 0.3) ? SF_COND_ISO : SF_COND_FILL;
      syn_plan_add(g, ts, cc, size, rule, v[0], cond, 0);
      syn_plan_add(g, ts + syn_ms(syn_rng_range(&g->rng, 0, 30)), pc, size, rule, v[1], cond, 0);
    }
    ts += syn_s(syn_rng_range(&g->rng, 10, 60));
  }
  return 0;
}

int syn_fam_closing_at_bid(struct sf_synth *g, int64_t t) {
  int und = syn_pick_und(g, false);
  int e = syn_pick_expiry(g, und, 5, 60, t);
  if (e < 0) e = syn_pick_expiry(g, und, 1, 120, t);
  if (e < 0) return SF_ENOTFOUND;
  bool call = syn_rng_chance(&g->rng, 0.5);
  double s = g->unds[und].spot;
  uint32_t ci = syn_contract_near(g, und, e, call, s * (1 + syn_rng_range(&g->rng, -0.03, 0.03)));
  int64_t size = syn_rng_int(&g->rng, 200, 1500);
  syn_plan_reset(g, SF_FAM_HN_CLOSING_AT_BID, -1, SF_DIR_UNKNOWN, true, und);
  int v = syn_random_venue(g);
  if (syn_rng_chance(&g->rng, 0.5)) {
    syn_plan_add(g, t, ci, size, SYN_PX_B, v, SF_COND_CLOSING, 0);
  } else {
    int64_t first = size / 2;
    syn_plan_add(g, t, ci, first, SYN_PX_B, v, SF_COND_CLOSING, 0);
    syn_plan_add(g, t + syn_ms(syn_rng_range(&g->rng, 5, 150)), ci, size - first, SYN_PX_B, v,
                 SF_COND_CLOSING, 0);
  }
  return 0;
}
