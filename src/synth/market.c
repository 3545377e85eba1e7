/* The synthetic market's state machine: option chains for a session date, the underlying
 * random walk (trading-time volatility, planted drifts, jumps), Black-Scholes quotes under a
 * skewed smile, and the re-quoting policy that keeps NBBO traffic at a few hundred updates per
 * second.
 *
 * Chains: 0DTE and the next two dailies for names with daily expiries, the next three Fridays,
 * and the third-Friday monthlies of the next three months (exchange holidays are ignored).
 * Each expiry lists 2*H+1 quoted strikes around the opening spot (H = 10; wider spacing beyond
 * 35 DTE) plus one strike at each end that is listed but never quoted, where prints meet a
 * missing NBBO. Quotes: theo = BS(S, K, tau, r, 0, iv) with iv = vol * (1 + skew x + curv x^2)
 * on standardized moneyness x = ln(K/S) / (vol sqrt(tau)), plus a transient IV pop and, for
 * expiries after a calendar event, the event variance (iv^2 tau + var_event). Spreads grow with
 * |x|, near expiry, on illiquid names and in the event expiry; prices sit on a 1-cent grid
 * (ETFs and options under $3) or a 5-cent grid. A contract is re-checked every second and
 * re-published when its rounded quote changed (at most every 3 s near the money, 12 s
 * elsewhere) or after 60 s regardless. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smartflow/err.h"
#include "smartflow/greeks.h"
#include "smartflow/hash.h"
#include "smartflow/time.h"
#include "synth/synth_int.h"

#define HALF_STRIKES 10
#define CHECK_NS (1000 * SF_NS_PER_MS)
#define MIN_NEAR_NS (3000 * SF_NS_PER_MS)
#define MIN_FAR_NS (12000 * SF_NS_PER_MS)
#define HEARTBEAT_NS (60000 * SF_NS_PER_MS)
#define EQ_HEARTBEAT_NS (1000 * SF_NS_PER_MS)

double syn_dte_days(int64_t expiry_ns, int64_t t) { return (double)(expiry_ns - t) / (86400.0 * 1e9); }

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* Day numbers of this underlying's expiries on or after `today`, sorted and unique. */
static int expiry_days(bool daily, int64_t today, int64_t *out, int cap) {
  int64_t cand[32];
  int n = 0;
  if (daily) {
    int64_t d = today;
    for (int k = 0; k < 3; d++) {
      int wd = sf_weekday_from_days(d);
      if (wd >= 1 && wd <= 5) {
        cand[n++] = d;
        k++;
      }
    }
  }
  int64_t d = today;
  while (sf_weekday_from_days(d) != 5) d++;
  for (int k = 0; k < 3; k++) cand[n++] = d + 7 * k;
  int y, m, dd;
  sf_civil_from_days(today, &y, &m, &dd);
  for (int k = 0, got = 0; k < 6 && got < 3; k++) {
    int mm = m + k, yy = y;
    while (mm > 12) {
      mm -= 12;
      yy++;
    }
    int64_t first = sf_days_from_civil(yy, mm, 1);
    int64_t f = first;
    while (sf_weekday_from_days(f) != 5) f++;
    f += 14;
    if (f >= today) {
      cand[n++] = f;
      got++;
    }
  }
  qsort(cand, (size_t)n, sizeof cand[0], cmp_i64);
  int u = 0;
  for (int i = 0; i < n && u < cap; i++)
    if (u == 0 || cand[i] != out[u - 1]) out[u++] = cand[i];
  return u;
}

static int push_contract(struct sf_synth *g, struct syn_contract *c) {
  if (g->ncons == g->capcons) {
    size_t nc = g->capcons ? g->capcons * 2 : 1024;
    struct syn_contract *p = realloc(g->cons, nc * sizeof *p);
    if (!p) return SF_ENOMEM;
    g->cons = p;
    g->capcons = nc;
  }
  g->cons[g->ncons++] = *c;
  return 0;
}

int syn_market_build(struct sf_synth *g) {
  g->ncons = 0;
  int64_t today = sf_days_from_civil(g->year, g->month, g->day);
  for (size_t ui = 0; ui < g->nund; ui++) {
    struct syn_und *u = &g->unds[ui];
    int64_t days[SYN_MAX_EXPIRIES];
    u->nexp = expiry_days(u->cfg.daily_expiries, today, days, SYN_MAX_EXPIRIES);
    int64_t event_ns = u->event >= 0 ? g->cal[u->event].event_ns : SF_TS_NULL;
    bool seen_event_expiry = false;
    for (int ei = 0; ei < u->nexp; ei++) {
      struct syn_expiry *e = &u->exps[ei];
      sf_civil_from_days(days[ei], &e->y, &e->m, &e->d);
      e->ns = sf_expiry_ns(e->y, e->m, e->d);
      e->after_event = event_ns != SF_TS_NULL && e->ns > event_ns && event_ns > g->open_ns;
      e->event_expiry = e->after_event && !seen_event_expiry;
      if (e->after_event) seen_event_expiry = true;
      double dte = syn_dte_days(e->ns, g->open_ns);
      e->step = u->cfg.strike_step * (dte > 35 ? 2.0 : 1.0);
      double center = round(u->spot / e->step) * e->step;
      int h = HALF_STRIKES;
      while (h > 2 && center - (h + 1) * e->step < e->step) h--;
      e->nstrikes = 2 * h + 3;
      e->first_strike = center - (h + 1) * e->step;
      e->base = g->ncons;
      for (int right = 0; right < 2; right++) {
        for (int k = 0; k < e->nstrikes; k++) {
          struct syn_contract c;
          memset(&c, 0, sizeof c);
          c.und = (uint16_t)ui;
          c.exp = (uint8_t)ei;
          c.call = right == 0;
          c.quoted = k != 0 && k != e->nstrikes - 1;
          c.strike = e->first_strike + k * e->step;
          c.expiry_ns = e->ns;
          c.bid_c = c.ask_c = -1;
          c.pub_ns = SF_TS_NULL;
          c.next_check_ns = g->open_ns + (int64_t)(syn_rng_unit(&g->rng) * (double)CHECK_NS);
          struct sf_contract sc;
          memset(&sc, 0, sizeof sc);
          memcpy(sc.root, u->cfg.symbol, strlen(u->cfg.symbol) + 1);
          sc.year = e->y;
          sc.month = e->m;
          sc.day = e->d;
          sc.strike_milli = llround(c.strike * 1000.0);
          sc.right = c.call ? 'C' : 'P';
          if (sf_contract_format(&sc, c.id, sizeof c.id) < 0) return SF_EINVAL;
          int rc = push_contract(g, &c);
          if (rc) return rc;
        }
      }
    }
  }
  return 0;
}

/* Implied volatility of a contract at t (smile, IV pop, event variance). */
static double model_iv(const struct sf_synth *g, const struct syn_contract *c, double tau, double *x_out) {
  const struct syn_und *u = &g->unds[c->und];
  double vol = u->cfg.vol * (tau < 7.0 / 365.0 ? 1.05 : 1.0);
  double x = log(c->strike / u->spot) / (vol * sqrt(tau));
  if (x > 4) x = 4;
  if (x < -4) x = -4;
  double skew = u->cfg.is_etf ? -0.10 : -0.06;
  double iv = vol * (1.0 + skew * x + 0.025 * x * x) + c->iv_bump;
  if (iv < 0.05) iv = 0.05;
  const struct syn_expiry *e = &u->exps[c->exp];
  if (e->after_event && u->event >= 0) iv = sqrt(iv * iv + u->event_var / tau);
  *x_out = x;
  return iv;
}

static double tau_of(const struct syn_contract *c, int64_t t) {
  double tau = (double)(c->expiry_ns - t) / SYN_YEAR_NS;
  return tau < 2e-6 ? 2e-6 : tau;
}

double syn_model_mid(const struct sf_synth *g, const struct syn_contract *c, int64_t t) {
  double tau = tau_of(c, t), x;
  double iv = model_iv(g, c, tau, &x);
  return sf_bs_price(c->call, g->unds[c->und].spot, c->strike, tau, SYN_RATE, 0.0, iv);
}

void syn_model_quote(const struct sf_synth *g, const struct syn_contract *c, int64_t t, int64_t *bid_c,
                     int64_t *ask_c, int32_t *bid_sz, int32_t *ask_sz) {
  const struct syn_und *u = &g->unds[c->und];
  double tau = tau_of(c, t), x;
  double iv = model_iv(g, c, tau, &x);
  double theo = sf_bs_price(c->call, u->spot, c->strike, tau, SYN_RATE, 0.0, iv);
  double ax = fabs(x);
  double base = 0.01 + 0.01 * fmin(theo, 10.0) + 0.002 * fmax(theo - 10.0, 0.0);
  double mult = (1.0 + 0.6 * ax) * (tau < 3.0 / 365.0 ? 1.25 : 1.0) * (1.6 - 0.6 * u->cfg.liquidity) *
                (u->exps[c->exp].event_expiry ? 1.4 : 1.0);
  double half = 0.5 * base * mult;
  int64_t tick = (u->cfg.is_etf || theo < 3.0) ? 1 : 5;
  int64_t b = (int64_t)floor((theo - half) * 100.0 / (double)tick) * tick;
  int64_t a = (int64_t)ceil((theo + half) * 100.0 / (double)tick) * tick;
  if (b < 0) b = 0;
  if (a - b < tick) a = b + tick;
  *bid_c = b;
  *ask_c = a;
  /* Displayed size: deeper near the money and on liquid names; varies by the second. */
  uint64_t h = sf_hash_mix64((uint64_t)(c - g->cons) * UINT64_C(1000003) ^ (uint64_t)(t / SF_NS_PER_S));
  double depth = (20.0 + (double)(h % 180)) * (0.3 + 0.7 * u->cfg.liquidity) * (2.0 - fmin(ax, 2.0) / 2.0);
  *bid_sz = (int32_t)(depth > 1 ? depth : 1);
  *ask_sz = (int32_t)((double)*bid_sz * (0.6 + (double)((h >> 20) % 80) / 100.0)) + 1;
}

uint32_t syn_contract_near(const struct sf_synth *g, int und, int exp, bool call, double strike) {
  const struct syn_expiry *e = &g->unds[und].exps[exp];
  int k = (int)lround((strike - e->first_strike) / e->step);
  if (k < 1) k = 1;
  if (k > e->nstrikes - 2) k = e->nstrikes - 2;
  return (uint32_t)(e->base + (call ? 0 : (size_t)e->nstrikes) + (size_t)k);
}

int syn_strike_index(const struct sf_synth *g, uint32_t ci) {
  const struct syn_contract *c = &g->cons[ci];
  const struct syn_expiry *e = &g->unds[c->und].exps[c->exp];
  return (int)(ci - e->base) - (c->call ? 0 : e->nstrikes);
}

uint32_t syn_contract_offset(const struct sf_synth *g, uint32_t ci, int k) {
  const struct syn_contract *c = &g->cons[ci];
  const struct syn_expiry *e = &g->unds[c->und].exps[c->exp];
  int idx = syn_strike_index(g, ci) + k;
  if (idx < 1) idx = 1;
  if (idx > e->nstrikes - 2) idx = e->nstrikes - 2;
  return (uint32_t)(e->base + (c->call ? 0 : (size_t)e->nstrikes) + (size_t)idx);
}

uint32_t syn_contract_other_right(const struct sf_synth *g, uint32_t ci) {
  const struct syn_contract *c = &g->cons[ci];
  const struct syn_expiry *e = &g->unds[c->und].exps[c->exp];
  return c->call ? ci + (uint32_t)e->nstrikes : ci - (uint32_t)e->nstrikes;
}

int syn_pick_expiry(struct sf_synth *g, int und, double lo, double hi, int64_t t) {
  const struct syn_und *u = &g->unds[und];
  int ok[SYN_MAX_EXPIRIES], n = 0;
  for (int i = 0; i < u->nexp; i++) {
    double dte = syn_dte_days(u->exps[i].ns, t);
    if (dte >= lo && dte <= hi) ok[n++] = i;
  }
  return n ? ok[syn_rng_int(&g->rng, 0, n - 1)] : -1;
}

void syn_add_drift(struct sf_synth *g, int und, double bps, int64_t from_ns, int64_t dur_ns) {
  struct syn_und *u = &g->unds[und];
  int64_t ticks = dur_ns / SYN_TICK_NS;
  if (ticks < 1) ticks = 1;
  int slot = 0;
  for (int i = 0; i < SYN_MAX_DRIFTS; i++) {
    if (u->drifts[i].until_ns <= from_ns) {
      slot = i;
      break;
    }
    if (u->drifts[i].until_ns < u->drifts[slot].until_ns) slot = i;
  }
  u->drifts[slot].bps_per_tick = bps / (double)ticks;
  u->drifts[slot].until_ns = from_ns + ticks * SYN_TICK_NS;
}

void syn_add_jump(struct sf_synth *g, int und, double bps, int ticks) {
  struct syn_und *u = &g->unds[und];
  if (ticks < 1) ticks = 1;
  u->jump_bps_per_tick = bps / ticks;
  u->jump_ticks = ticks;
}

static int push_out(struct sf_synth *g, const struct syn_out *o) {
  if (g->nout == g->capout) {
    size_t nc = g->capout ? g->capout * 2 : 4096;
    struct syn_out *p = realloc(g->outs, nc * sizeof *p);
    if (!p) return SF_ENOMEM;
    g->outs = p;
    g->capout = nc;
  }
  g->outs[g->nout] = *o;
  g->outs[g->nout].order = g->out_order++;
  g->nout++;
  return 0;
}

int syn_emit_nbbo(struct sf_synth *g, uint32_t ci, int64_t t, int64_t bid_c, int64_t ask_c, int32_t bsz,
                  int32_t asz) {
  struct syn_contract *c = &g->cons[ci];
  struct syn_out o = {.ts_ns = t,
                      .kind = SYN_OUT_NBBO,
                      .idx = ci,
                      .a_c = bid_c,
                      .b_c = ask_c,
                      .size = bsz,
                      .asz = asz,
                      .scen = -1};
  c->bid_c = bid_c;
  c->ask_c = ask_c;
  c->bid_sz = bsz;
  c->ask_sz = asz;
  c->pub_ns = t;
  return push_out(g, &o);
}

int syn_emit_print(struct sf_synth *g, uint32_t ci, int64_t t, int64_t px_c, int64_t size, int venue,
                   uint32_t conds, int32_t scen) {
  struct syn_out o = {.ts_ns = t,
                      .kind = SYN_OUT_PRINT,
                      .idx = ci,
                      .a_c = px_c,
                      .size = size,
                      .venue = (uint8_t)venue,
                      .conds = conds,
                      .scen = scen};
  return push_out(g, &o);
}

/* One tick of the underlyings: walk, drifts, jumps, equity quotes. */
static int step_underlyings(struct sf_synth *g, int64_t t) {
  const double tick_years = ((double)SYN_TICK_NS / 1e9) / (252.0 * 23400.0);
  const double jump_p = g->cfg.mix.jumps_per_hour * ((double)SYN_TICK_NS / 1e9) / 3600.0;
  for (size_t ui = 0; ui < g->nund; ui++) {
    struct syn_und *u = &g->unds[ui];
    double ret = u->cfg.vol * sqrt(tick_years) * syn_rng_normal(&g->rng);
    for (int i = 0; i < SYN_MAX_DRIFTS; i++)
      if (u->drifts[i].until_ns > t) ret += u->drifts[i].bps_per_tick / 1e4;
    if (u->jump_ticks > 0) {
      ret += u->jump_bps_per_tick / 1e4;
      u->jump_ticks--;
    } else if (syn_rng_chance(&g->rng, jump_p)) {
      double bps = syn_rng_range(&g->rng, 20, 60) * (u->cfg.vol / 0.25);
      syn_add_jump(g, (int)ui, syn_rng_chance(&g->rng, 0.5) ? bps : -bps, syn_rng_int(&g->rng, 4, 12));
    }
    u->spot *= 1.0 + ret;
    int64_t mid_c = llround(u->spot * 100.0);
    int64_t spread = u->cfg.is_etf ? 1 : llround(u->spot * 0.0001 * 100.0);
    if (spread < 1) spread = 1;
    int64_t bid = mid_c - (spread + 1) / 2, ask = bid + spread;
    if (bid != u->bid_c || ask != u->ask_c || t - u->pub_ns >= EQ_HEARTBEAT_NS) {
      u->bid_c = bid;
      u->ask_c = ask;
      u->pub_ns = t;
      struct syn_out o = {.ts_ns = t,
                          .kind = SYN_OUT_EQUITY,
                          .idx = (uint32_t)ui,
                          .a_c = bid,
                          .b_c = ask,
                          .size = 100 * syn_rng_int(&g->rng, 1, 30),
                          .asz = 100 * syn_rng_int(&g->rng, 1, 30),
                          .scen = -1};
      int rc = push_out(g, &o);
      if (rc) return rc;
    }
  }
  return 0;
}

/* Re-quotes the contracts that are due at t. */
static int requote(struct sf_synth *g, int64_t t) {
  for (size_t i = 0; i < g->ncons; i++) {
    struct syn_contract *c = &g->cons[i];
    if (!c->quoted || c->next_check_ns > t || c->expiry_ns <= t) continue;
    c->next_check_ns = t + CHECK_NS;
    if (c->iv_bump > 0) c->iv_bump *= 0.995; /* a pop fades over minutes */
    int64_t b, a;
    int32_t bs, as;
    syn_model_quote(g, c, t, &b, &a, &bs, &as);
    int64_t age = c->pub_ns == SF_TS_NULL ? INT64_MAX : t - c->pub_ns;
    const struct syn_und *u = &g->unds[c->und];
    bool near = fabs(c->strike / u->spot - 1.0) < 0.02 && syn_dte_days(c->expiry_ns, t) < 10;
    bool changed = b != c->bid_c || a != c->ask_c;
    if ((changed && age >= (near ? MIN_NEAR_NS : MIN_FAR_NS)) || age >= HEARTBEAT_NS) {
      int rc = syn_emit_nbbo(g, (uint32_t)i, t, b, a, bs, as);
      if (rc) return rc;
    }
  }
  return 0;
}

int syn_market_step(struct sf_synth *g, int64_t t) {
  int rc = step_underlyings(g, t);
  if (rc) return rc;
  return requote(g, t);
}
