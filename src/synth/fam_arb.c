/* arbitrage: low-risk matched structures printed as complex orders at the legs' mids on one
 * complex-order book (CBOE, ISE or PHLX), legs within 3 ms, 7-90 DTE:
 *   - conversion / reversal: call and put of one strike, opposite sides, matched size, tied to
 *     stock (COMPLEX + STOCK_TIE);
 *   - box: bull call spread plus bear put spread on the same two strikes, four matched legs;
 *   - butterfly: wings of N and a body of 2N, symmetric strikes.
 * Direction neutral, no planted move.
 * hn_complex_vertical: a vertical (buy one strike, sell one to three strikes further out,
 * matched size) at mid with COMPLEX + SPREAD. By design labeled arbitrage (hard_negative):
 * matched, mid-priced complex legs are not a directional bet, whatever the vertical's tilt. */
#include <math.h>

#include "synth/fam_common.h"

int syn_fam_arbitrage(struct sf_synth *g, int64_t t, bool vertical) {
  int und = syn_pick_und(g, false);
  int e = syn_pick_expiry(g, und, 7, 90, t);
  if (e < 0) e = syn_pick_expiry(g, und, 2, 120, t);
  if (e < 0) return SF_ENOTFOUND;
  int venue = syn_rng_int(&g->rng, 0, 2); /* CBOE, ISE, PHLX */
  int64_t n = syn_rng_int(&g->rng, 50, 1000);
  double s = g->unds[und].spot;
  uint32_t atm_c = syn_contract_near(g, und, e, true, s);
  syn_plan_reset(g, vertical ? SF_FAM_HN_COMPLEX_VERTICAL : SF_FAM_ARBITRAGE, SF_PROFILE_ARBITRAGE,
                 SF_DIR_NEUTRAL, vertical, und);
  const uint32_t cx = SF_COND_COMPLEX;
  int64_t ts = t;
#define LEG(ci, sz, cond)                                          \
  do {                                                             \
    syn_plan_add(g, ts, (ci), (sz), SYN_PX_MID, venue, (cond), 0); \
    ts += syn_ms(syn_rng_range(&g->rng, 0, 1));                    \
  } while (0)
  if (vertical) {
    bool call = syn_rng_chance(&g->rng, 0.5);
    uint32_t k1 = call ? atm_c : syn_contract_other_right(g, atm_c);
    uint32_t k2 = syn_contract_offset(g, k1, (call ? 1 : -1) * syn_rng_int(&g->rng, 1, 3));
    LEG(k1, n, cx | SF_COND_SPREAD);
    LEG(k2, n, cx | SF_COND_SPREAD);
    return 0;
  }
  double r = syn_rng_unit(&g->rng);
  if (r < 0.35) { /* conversion / reversal */
    LEG(atm_c, n, cx | SF_COND_STOCK_TIE);
    LEG(syn_contract_other_right(g, atm_c), n, cx | SF_COND_STOCK_TIE);
  } else if (r < 0.65) { /* box */
    int w = syn_rng_int(&g->rng, 2, 4);
    uint32_t c1 = syn_contract_offset(g, atm_c, -w / 2), c2 = syn_contract_offset(g, c1, w);
    LEG(c1, n, cx);
    LEG(c2, n, cx);
    LEG(syn_contract_other_right(g, c2), n, cx);
    LEG(syn_contract_other_right(g, c1), n, cx);
  } else { /* butterfly */
    uint32_t body = syn_rng_chance(&g->rng, 0.5) ? atm_c : syn_contract_other_right(g, atm_c);
    int w = syn_rng_int(&g->rng, 1, 3);
    LEG(syn_contract_offset(g, body, -w), n, cx);
    LEG(body, 2 * n, cx);
    LEG(syn_contract_offset(g, body, w), n, cx);
  }
#undef LEG
  return 0;
}
