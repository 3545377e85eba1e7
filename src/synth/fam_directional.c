/* Directional families: institutional_directional and retail_whale, and their hard negatives
 * (a directional block that expires before a calendar event; a large retail frenzy).
 *
 * institutional_directional: buy calls/puts at or above the ask (75%) or sell puts/calls at or
 * below the bid (25%), near the money (0-4% OTM), 14-100 DTE (7+ when the chain has nothing
 * that long), premium log-uniform in $250k-$2.5M, as an ISO sweep over 3-7 venues (55%) or a
 * block; 30% repeat the hit 2-3 times 5-90 s apart. The underlying then drifts 25-90 bp in the
 * bet's direction over 10-30 minutes (planted_move_bps).
 * hn_earnings_before_event: the same order on a name with earnings ahead, in the last expiry
 * before the event. By design it is labeled institutional_directional (hard_negative): it is a
 * plain directional bet that merely sits near earnings, and must not be read as event_driven.
 * retail_whale: short-dated (<= 7.5 DTE) OTM calls (80%) or puts, 0.3-1.2 expected moves (at most
 * 7%) OTM, 20-60 small lots
 * (1-20 contracts, mostly at the ask) over 10-150 s, each fill popping IV; one or two strikes.
 * hn_retail_frenzy: a bigger burst (60-150 lots up to 40 contracts, pairs of fills milliseconds
 * apart on different venues) that still is retail: labeled retail_whale, never institutional. */
#include <math.h>

#include "synth/fam_common.h"

static int events_ahead(struct sf_synth *g, int64_t t, int *unds) {
  int n = 0;
  for (size_t i = 0; i < g->nund; i++) {
    int ev = g->unds[i].event;
    if (ev >= 0 && g->cal[ev].event_ns > t) unds[n++] = (int)i;
  }
  return n;
}

int syn_fam_institutional(struct sf_synth *g, int64_t t, bool before_event) {
  int und, e = -1;
  if (before_event) {
    int cands[SF_SYNTH_MAX_UNDERLYINGS];
    int n = events_ahead(g, t, cands);
    if (n == 0) return SF_ENOTFOUND;
    und = cands[syn_rng_int(&g->rng, 0, n - 1)];
    const struct syn_und *u = &g->unds[und];
    for (int i = 0; i < u->nexp; i++)
      if (u->exps[i].ns < g->cal[u->event].event_ns && syn_dte_days(u->exps[i].ns, t) >= 0.5) e = i;
    if (e < 0) return SF_ENOTFOUND;
  } else {
    und = syn_pick_und(g, false);
    e = syn_pick_expiry(g, und, 14, 100, t);
    if (e < 0) e = syn_pick_expiry(g, und, 7, 120, t);
    if (e < 0) return SF_ENOTFOUND;
  }
  bool bull = syn_rng_chance(&g->rng, 0.5), buy = syn_rng_chance(&g->rng, 0.75);
  bool call = bull == buy;
  double s = g->unds[und].spot, otm = syn_rng_range(&g->rng, 0.0, 0.04);
  uint32_t ci = syn_contract_near(g, und, e, call, call ? s * (1 + otm) : s * (1 - otm));
  double premium = syn_rng_logu(&g->rng, 250e3, 2.5e6);
  int hits = syn_rng_chance(&g->rng, 0.3) ? syn_rng_int(&g->rng, 2, 3) : 1;
  int64_t per_hit = syn_size_for_premium(g, ci, t, premium / hits, 50, 20000);
  int rule = buy ? SYN_PX_A : SYN_PX_B, edge = buy ? SYN_PX_AA : SYN_PX_BB;
  syn_plan_reset(g, before_event ? SF_FAM_HN_EARNINGS_BEFORE_EVENT : SF_FAM_INSTITUTIONAL_DIRECTIONAL,
                 SF_PROFILE_INSTITUTIONAL_DIRECTIONAL, bull ? SF_DIR_BULLISH : SF_DIR_BEARISH, before_event,
                 und);
  int64_t ts = t;
  for (int h = 0; h < hits; h++) {
    int64_t sz = per_hit + syn_rng_int(&g->rng, 0, (int)(per_hit / 5));
    if (syn_rng_chance(&g->rng, 0.55)) {
      syn_sweep(g, ts, ci, sz, syn_rng_int(&g->rng, 3, 7), rule, edge, SF_COND_ISO);
    } else {
      syn_plan_add(g, ts, ci, sz, syn_rng_chance(&g->rng, 0.2) ? edge : rule, syn_random_venue(g),
                   SF_COND_FILL, 0);
    }
    ts += syn_s(syn_rng_range(&g->rng, 5, 90));
  }
  double move = syn_rng_range(&g->rng, 25, 90);
  g->plan.planted_bps = bull ? move : -move;
  return 0;
}

int syn_fam_retail(struct sf_synth *g, int64_t t, bool frenzy) {
  int und = syn_pick_und(g, false);
  int e = syn_pick_expiry(g, und, 0.1, 7.5, t);
  if (e < 0) return SF_ENOTFOUND;
  bool call = syn_rng_chance(&g->rng, frenzy ? 0.9 : 0.8);
  /* Out of the money by 0.3-1.2 expected moves to expiry (vol x sqrt(T)), at most 7%: the
   * short-dated lottery tickets retail buys, but not so far out that the burst is worth
   * nothing (1.5% out on a 0DTE index option is several expected moves away). */
  const struct syn_und *uu = &g->unds[und];
  double em = uu->cfg.vol * sqrt(fmax(syn_dte_days(uu->exps[e].ns, t), 0.1) / 365.0);
  double s = uu->spot, otm = fmin(syn_rng_range(&g->rng, 0.3, 1.2) * em, 0.07);
  uint32_t c1 = syn_contract_near(g, und, e, call, call ? s * (1 + otm) : s * (1 - otm));
  uint32_t c2 = syn_rng_chance(&g->rng, 0.3) ? syn_contract_offset(g, c1, call ? 1 : -1) : c1;
  int n = frenzy ? syn_rng_int(&g->rng, 60, 150) : syn_rng_int(&g->rng, 20, 60);
  double span_s = frenzy ? syn_rng_range(&g->rng, 20, 120) : syn_rng_range(&g->rng, 10, 150);
  double maxlot = frenzy ? 40 : 20;
  syn_plan_reset(g, frenzy ? SF_FAM_HN_RETAIL_FRENZY : SF_FAM_RETAIL_WHALE, SF_PROFILE_RETAIL_WHALE,
                 call ? SF_DIR_BULLISH : SF_DIR_BEARISH, frenzy, und);
  static const double rw[] = {0.72, 0.06, 0.14, 0.08};
  static const int rules[] = {SYN_PX_A, SYN_PX_AA, SYN_PX_MID, SYN_PX_B};
  int64_t ts = t;
  for (int i = 0; i < n; i++) {
    double u = syn_rng_unit(&g->rng);
    int64_t lot = 1 + (int64_t)(u * u * maxlot);
    uint32_t ci = syn_rng_chance(&g->rng, 0.7) ? c1 : c2;
    int rule = rules[syn_rng_weighted(&g->rng, rw, 4)];
    syn_plan_add(g, ts, ci, lot, rule, syn_random_venue(g), SF_COND_FILL, SYN_F_IVPOP);
    if (frenzy && syn_rng_chance(&g->rng, 0.3) && i + 1 < n) {
      /* a second fill on another venue a few ms later */
      syn_plan_add(g, ts + syn_ms(syn_rng_range(&g->rng, 2, 30)), ci, 1 + (int64_t)(u * maxlot / 2), rule,
                   syn_random_venue(g), SF_COND_FILL, SYN_F_IVPOP);
      i++;
    }
    ts += syn_s(span_s / n * 2.0 * syn_rng_unit(&g->rng));
  }
  return 0;
}
