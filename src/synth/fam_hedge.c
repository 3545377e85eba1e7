/* hedge_reactive: dealers and hedgers reacting to a sharp underlying move in short-dated
 * gamma. The scenario first moves the underlying 35-90 bp (scaled up for volatile names) over
 * 1.5-4 s, then 2-15 s later trades the 0-2.5 DTE expiry (0DTE on SPY/QQQ) at the strikes
 * nearest the new spot: 6-12 large prints (200-2000 contracts on ETFs, 100-800 otherwise) on
 * calls and puts, at the ask and at the bid, over a few seconds. Direction mixed.
 * hn_hedge_0dte_burst: the same move followed by a one-sided burst (calls at the ask after an
 * up move, puts after a down move, half of them ISO) that looks like a 0DTE directional bet:
 * labeled hedge_reactive (hard_negative), direction as traded. */
#include <math.h>

#include "synth/fam_common.h"

int syn_fam_hedge(struct sf_synth *g, int64_t t, bool one_sided) {
  int cands[SF_SYNTH_MAX_UNDERLYINGS], exps[SF_SYNTH_MAX_UNDERLYINGS];
  double w[SF_SYNTH_MAX_UNDERLYINGS];
  int n = 0;
  for (size_t i = 0; i < g->nund; i++) {
    const struct syn_und *u = &g->unds[i];
    for (int k = 0; k < u->nexp; k++) {
      double dte = syn_dte_days(u->exps[k].ns, t);
      if (dte >= 0.02 && dte <= 2.5) {
        cands[n] = (int)i;
        exps[n] = k;
        w[n] = u->cfg.daily_expiries ? 3.0 : 1.0;
        n++;
        break;
      }
    }
  }
  int pick = syn_rng_weighted(&g->rng, w, n);
  if (pick < 0) return SF_ENOTFOUND;
  int und = cands[pick], e = exps[pick];
  const struct syn_und *u = &g->unds[und];
  bool up = syn_rng_chance(&g->rng, 0.5);
  double bps = syn_rng_range(&g->rng, 35, 90) * fmax(1.0, u->cfg.vol / 0.3);
  int jump_ticks = syn_rng_int(&g->rng, 6, 16);
  double s_after = u->spot * (1 + (up ? bps : -bps) / 1e4);
  uint32_t atm = syn_contract_near(g, und, e, true, s_after);
  int dir = one_sided ? (up ? SF_DIR_BULLISH : SF_DIR_BEARISH) : SF_DIR_MIXED;
  syn_plan_reset(g, one_sided ? SF_FAM_HN_HEDGE_0DTE_BURST : SF_FAM_HEDGE_REACTIVE, SF_PROFILE_HEDGE_REACTIVE,
                 dir, one_sided, und);
  g->plan.jump_bps = up ? bps : -bps;
  g->plan.jump_ticks = jump_ticks;
  int64_t ts = t + jump_ticks * SYN_TICK_NS + syn_s(syn_rng_range(&g->rng, 2, 15));
  int prints = one_sided ? syn_rng_int(&g->rng, 4, 10) : syn_rng_int(&g->rng, 6, 12);
  int lo = u->cfg.is_etf ? 200 : 100, hi = u->cfg.is_etf ? 2000 : 800;
  for (int i = 0; i < prints; i++) {
    uint32_t ci = syn_contract_offset(g, atm, syn_rng_int(&g->rng, -1, 1));
    int rule;
    uint32_t cond;
    if (one_sided) {
      if (!up) ci = syn_contract_other_right(g, ci);
      rule = syn_rng_chance(&g->rng, 0.8) ? SYN_PX_A : SYN_PX_AA;
      cond = syn_rng_chance(&g->rng, 0.5) ? SF_COND_ISO : SF_COND_FILL;
    } else {
      if (syn_rng_chance(&g->rng, 0.5)) ci = syn_contract_other_right(g, ci);
      /* alternate sides so both sides of the book are active whatever the draw */
      rule = (i % 2 == 0) ? SYN_PX_A : SYN_PX_B;
      cond = syn_rng_chance(&g->rng, 0.3) ? SF_COND_ISO : SF_COND_FILL;
    }
    syn_plan_add(g, ts, ci, syn_rng_int(&g->rng, lo, hi), rule, syn_random_venue(g), cond, 0);
    ts += syn_ms(syn_rng_range(&g->rng, 50, 3000));
  }
  return 0;
}
