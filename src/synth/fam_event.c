/* event_driven: positioning ahead of a calendar event (earnings). The name has an event in
 * the calendar within days; the order buys the first expiry after the event (whose quotes
 * already carry the event premium and wider spreads), in 1-3 strikes near the money: calls
 * (45%), puts (35%) or straddles (20%), in 2-4 clusters 15-80 s apart, each a block at the ask
 * or a small ISO sweep, $50k-$400k in all. Direction follows the calls/puts (neutral for
 * straddles); there is no planted move, the move is the event itself, after the session. */
#include <math.h>

#include "synth/fam_common.h"

int syn_fam_event(struct sf_synth *g, int64_t t) {
  int cands[SF_SYNTH_MAX_UNDERLYINGS], n = 0;
  for (size_t i = 0; i < g->nund; i++) {
    const struct syn_und *u = &g->unds[i];
    if (u->event < 0 || g->cal[u->event].event_ns <= t) continue;
    for (int k = 0; k < u->nexp; k++)
      if (u->exps[k].event_expiry) {
        cands[n++] = (int)i;
        break;
      }
  }
  if (n == 0) return SF_ENOTFOUND;
  int und = cands[syn_rng_int(&g->rng, 0, n - 1)];
  const struct syn_und *u = &g->unds[und];
  int e = 0;
  for (int k = 0; k < u->nexp; k++)
    if (u->exps[k].event_expiry) {
      e = k;
      break;
    }
  double r = syn_rng_unit(&g->rng);
  int mode = r < 0.45 ? 0 : r < 0.8 ? 1 : 2; /* calls, puts, straddle */
  bool call = mode != 1;
  double s = u->spot, otm = mode == 2 ? 0 : syn_rng_range(&g->rng, 0.0, 0.05);
  uint32_t base = syn_contract_near(g, und, e, call, call ? s * (1 + otm) : s * (1 - otm));
  int nstrikes = mode == 2 ? 1 : syn_rng_int(&g->rng, 1, 3);
  int clusters = syn_rng_int(&g->rng, 2, 4);
  double premium = syn_rng_logu(&g->rng, 50e3, 400e3);
  int dir = mode == 0 ? SF_DIR_BULLISH : mode == 1 ? SF_DIR_BEARISH : SF_DIR_NEUTRAL;
  syn_plan_reset(g, SF_FAM_EVENT_DRIVEN, SF_PROFILE_EVENT_DRIVEN, dir, false, und);
  int64_t ts = t;
  for (int k = 0; k < clusters; k++) {
    uint32_t ci = syn_contract_offset(g, base, (call ? 1 : -1) * (k % nstrikes));
    int64_t sz = syn_size_for_premium(g, ci, t, premium / clusters / (mode == 2 ? 2 : 1), 20, 5000);
    int rule = syn_rng_chance(&g->rng, 0.15) ? SYN_PX_AA : SYN_PX_A;
    if (mode == 2) {
      uint32_t put = syn_contract_other_right(g, ci);
      int v = syn_random_venue(g);
      syn_plan_add(g, ts, ci, sz, rule, v, SF_COND_FILL, 0);
      syn_plan_add(g, ts + syn_ms(syn_rng_range(&g->rng, 0, 40)), put, sz, SYN_PX_A, v, SF_COND_FILL, 0);
    } else if (syn_rng_chance(&g->rng, 0.6)) {
      syn_plan_add(g, ts, ci, sz, rule, syn_random_venue(g), SF_COND_FILL, 0);
    } else {
      syn_sweep(g, ts, ci, sz, syn_rng_int(&g->rng, 2, 4), SYN_PX_A, SYN_PX_AA, SF_COND_ISO);
    }
    ts += syn_s(syn_rng_range(&g->rng, 15, 80));
  }
  return 0;
}
