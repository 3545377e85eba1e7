/* The generator's driver: session clock, the tick loop, the intent heap, scenario bookkeeping
 * and the pull API.
 *
 * Each tick (SYN_TICK_NS of event time starting at T) steps the market (spots, equity quotes,
 * re-quotes, all stamped T), adds background noise and new scenarios as intents with
 * timestamps >= T, then executes every intent due before T + tick: it refreshes the contract's
 * quote when the print is meant to be signable and prices the print against the published
 * quote by its rule (above ask, at ask, mid, at bid, below bid). The tick's records are sorted
 * by (ts, creation order) and served one by one; nothing generated later can be earlier, so the
 * tape is in non-decreasing time. Print and quote trace ids are numbered in tape order. A
 * scenario's label goes to the callback when its last print has been served; its planted drift
 * starts when its last print has been generated. Scenarios that would not finish before the
 * session's end are not started, so the heap is empty at every close. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartflow/condition.h"
#include "smartflow/err.h"
#include "smartflow/time.h"
#include "synth/synth_int.h"

const char *const syn_venues[] = {"CBOE", "ISE", "PHLX", "AMEX", "BOX", "MIAX",  "ARCA", "BZX",
                                  "NSDQ", "C2",  "EDGX", "GEMX", "MRX", "PEARL", "EMLD", "MEMX"};
const int syn_venue_count = (int)(sizeof syn_venues / sizeof syn_venues[0]);

static const char *const default_symbols[] = {"SPY", "QQQ", "AAPL", "TSLA", "NVDA", "AMD", "META", "AMZN"};

int syn_random_venue(struct sf_synth *g) { return syn_rng_int(&g->rng, 0, syn_venue_count - 1); }

int syn_pick_und(struct sf_synth *g, bool etf_heavy) {
  double w[SF_SYNTH_MAX_UNDERLYINGS];
  for (size_t i = 0; i < g->nund; i++) {
    const struct sf_synth_underlying *u = &g->unds[i].cfg;
    w[i] = u->is_etf ? (etf_heavy ? 3.0 : 1.5) : 0.5 + u->liquidity;
  }
  return syn_rng_weighted(&g->rng, w, (int)g->nund);
}

/* ---- intent heap ---- */
static bool intent_less(const struct syn_intent *a, const struct syn_intent *b) {
  return a->ts_ns < b->ts_ns || (a->ts_ns == b->ts_ns && a->order < b->order);
}

static int heap_push(struct sf_synth *g, struct syn_intent it) {
  if (g->nheap == g->capheap) {
    size_t nc = g->capheap ? g->capheap * 2 : 1024;
    struct syn_intent *p = realloc(g->heap, nc * sizeof *p);
    if (!p) return SF_ENOMEM;
    g->heap = p;
    g->capheap = nc;
  }
  it.order = g->intent_order++;
  size_t i = g->nheap++;
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!intent_less(&it, &g->heap[parent])) break;
    g->heap[i] = g->heap[parent];
    i = parent;
  }
  g->heap[i] = it;
  return 0;
}

static struct syn_intent heap_pop(struct sf_synth *g) {
  struct syn_intent top = g->heap[0];
  struct syn_intent last = g->heap[--g->nheap];
  size_t i = 0, n = g->nheap;
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    const struct syn_intent *best = &last;
    if (l < n && intent_less(&g->heap[l], best)) {
      m = l;
      best = &g->heap[l];
    }
    if (r < n && intent_less(&g->heap[r], best)) m = r;
    if (m == i) break;
    g->heap[i] = g->heap[m];
    i = m;
  }
  if (n) g->heap[i] = last;
  return top;
}

int syn_noise_add(struct sf_synth *g, int64_t ts, uint32_t contract, int64_t size, int rule, int venue,
                  uint32_t conds, unsigned flags) {
  if (size < 1) size = 1;
  struct syn_intent it = {.ts_ns = ts,
                          .contract = contract,
                          .size = (uint32_t)size,
                          .conds = conds,
                          .scen = -1,
                          .rule = (uint8_t)rule,
                          .venue = (uint8_t)venue,
                          .flags = (uint8_t)flags};
  return heap_push(g, it);
}

/* ---- plans and scenarios ---- */
void syn_plan_reset(struct sf_synth *g, int family, int profile, int direction, bool hn, int und) {
  struct syn_plan *p = &g->plan;
  p->family = family;
  p->profile = profile;
  p->direction = direction;
  p->hard_negative = hn;
  p->und = (uint16_t)und;
  p->planted_bps = SF_NULL;
  p->drift_ns = 0;
  p->jump_bps = 0;
  p->jump_ticks = 0;
  p->n = 0;
}

void syn_plan_add(struct sf_synth *g, int64_t ts, uint32_t contract, int64_t size, int rule, int venue,
                  uint32_t conds, unsigned flags) {
  struct syn_plan *p = &g->plan;
  if (p->n >= SYN_PLAN_MAX) return; /* plans are sized well below the cap */
  if (size < 1) size = 1;
  if (size > 100000) size = 100000;
  p->items[p->n++] = (struct syn_plan_item){.ts_ns = ts,
                                            .contract = contract,
                                            .size = (uint32_t)size,
                                            .conds = conds,
                                            .rule = (uint8_t)rule,
                                            .venue = (uint8_t)venue,
                                            .flags = (uint8_t)flags};
}

static int scen_alloc(struct sf_synth *g) {
  for (size_t i = 0; i < g->nscen; i++)
    if (!g->scens[i].used) return (int)i;
  if (g->nscen == g->capscen) {
    size_t nc = g->capscen ? g->capscen * 2 : 64;
    struct syn_scen *p = realloc(g->scens, nc * sizeof *p);
    if (!p) return SF_ENOMEM;
    memset(p + g->capscen, 0, (nc - g->capscen) * sizeof *p);
    g->scens = p;
    g->capscen = nc;
  }
  return (int)g->nscen++;
}

static int commit_plan(struct sf_synth *g, int64_t limit_ns) {
  struct syn_plan *p = &g->plan;
  if (p->n == 0) return 0;
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (size_t i = 0; i < p->n; i++) {
    if (p->items[i].ts_ns < lo) lo = p->items[i].ts_ns;
    if (p->items[i].ts_ns > hi) hi = p->items[i].ts_ns;
  }
  if (hi >= limit_ns) return 0; /* would not finish before the session ends */
  int slot = scen_alloc(g);
  if (slot < 0) return slot;
  struct syn_scen *s = &g->scens[slot];
  uint64_t *mem = s->members;
  size_t capmem = s->capmem;
  memset(s, 0, sizeof *s);
  s->members = mem;
  s->capmem = capmem;
  s->used = true;
  s->family = p->family;
  s->profile = p->profile;
  s->direction = p->direction;
  s->hard_negative = p->hard_negative;
  s->planted_bps = p->planted_bps;
  s->number = ++g->scen_counter;
  s->intents_left = s->prints_left = (uint32_t)p->n;
  s->start_ns = lo;
  s->end_ns = hi;
  for (size_t i = 0; i < p->n; i++) {
    const struct syn_plan_item *it = &p->items[i];
    struct syn_intent in = {.ts_ns = it->ts_ns,
                            .contract = it->contract,
                            .size = it->size,
                            .conds = it->conds,
                            .scen = slot,
                            .rule = it->rule,
                            .venue = it->venue,
                            .flags = it->flags};
    int rc = heap_push(g, in);
    if (rc) return rc;
  }
  if (p->jump_bps != 0) syn_add_jump(g, p->und, p->jump_bps, p->jump_ticks);
  /* the planted drift is armed when the last print is generated (exec_intent) */
  return 0;
}

static int build_family(struct sf_synth *g, int fam, int64_t t) {
  switch (fam) {
    case SF_FAM_INSTITUTIONAL_DIRECTIONAL:
      return syn_fam_institutional(g, t, false);
    case SF_FAM_HN_EARNINGS_BEFORE_EVENT:
      return syn_fam_institutional(g, t, true);
    case SF_FAM_RETAIL_WHALE:
      return syn_fam_retail(g, t, false);
    case SF_FAM_HN_RETAIL_FRENZY:
      return syn_fam_retail(g, t, true);
    case SF_FAM_EVENT_DRIVEN:
      return syn_fam_event(g, t);
    case SF_FAM_VOL_SELLER:
      return syn_fam_vol_seller(g, t, false);
    case SF_FAM_HN_STRADDLE_AT_BID:
      return syn_fam_vol_seller(g, t, true);
    case SF_FAM_HN_CLOSING_AT_BID:
      return syn_fam_closing_at_bid(g, t);
    case SF_FAM_ARBITRAGE:
      return syn_fam_arbitrage(g, t, false);
    case SF_FAM_HN_COMPLEX_VERTICAL:
      return syn_fam_arbitrage(g, t, true);
    case SF_FAM_HEDGE_REACTIVE:
      return syn_fam_hedge(g, t, false);
    case SF_FAM_HN_HEDGE_0DTE_BURST:
      return syn_fam_hedge(g, t, true);
    default:
      return SF_EINVAL;
  }
}

static int start_scenario(struct sf_synth *g, int64_t t, int64_t limit_ns) {
  double w[SF_FAM_COUNT];
  memcpy(w, g->cfg.mix.weights, sizeof w);
  for (int attempt = 0; attempt < 4; attempt++) {
    int fam = syn_rng_weighted(&g->rng, w, SF_FAM_COUNT);
    if (fam < 0) return 0;
    g->plan.n = 0;
    int rc = build_family(g, fam, t);
    if (rc == SF_ENOTFOUND) {
      w[fam] = 0; /* this market has no place for it; pick another */
      continue;
    }
    if (rc) return rc;
    return commit_plan(g, limit_ns);
  }
  return 0;
}

/* ---- executing intents ---- */
static int64_t tick_of(const struct sf_synth *g, const struct syn_contract *c, int64_t px_c) {
  return (g->unds[c->und].cfg.is_etf || px_c < 300) ? 1 : 5;
}

static int exec_intent(struct sf_synth *g, const struct syn_intent *it) {
  struct syn_contract *c = &g->cons[it->contract];
  int rc;
  if (c->quoted && !(it->flags & SYN_F_NO_REFRESH)) {
    int64_t b, a;
    int32_t bs, as;
    syn_model_quote(g, c, it->ts_ns, &b, &a, &bs, &as);
    bool changed = b != c->bid_c || a != c->ask_c;
    if (c->pub_ns == SF_TS_NULL || changed || it->ts_ns - c->pub_ns >= 400 * SF_NS_PER_MS)
      if ((rc = syn_emit_nbbo(g, it->contract, it->ts_ns, b, a, bs, as))) return rc;
  }
  int64_t px;
  bool have_quote = c->quoted && c->pub_ns != SF_TS_NULL;
  if (!have_quote || it->rule == SYN_PX_THEO) {
    px = llround(syn_model_mid(g, c, it->ts_ns) * 100.0);
    int64_t tk = tick_of(g, c, px);
    px = (px / tk) * tk;
  } else {
    int64_t bid = c->bid_c, ask = c->ask_c;
    int64_t tk = tick_of(g, c, ask);
    switch (it->rule) {
      case SYN_PX_AA:
        px = ask + tk;
        break;
      case SYN_PX_A:
        px = ask;
        break;
      case SYN_PX_B:
        px = bid;
        break;
      case SYN_PX_BB:
        px = bid - tk;
        break;
      case SYN_PX_NEAR_MID: {
        int64_t mid = (bid + ask) / 2;
        px = mid + (syn_rng_chance(&g->rng, 0.5) ? 1 : -1) * (ask - bid >= 4 ? 1 : 0);
        break;
      }
      case SYN_PX_MID:
      default: {
        int64_t s = bid + ask;
        px = (s % 2 == 0) ? s / 2 : (s + (syn_rng_chance(&g->rng, 0.5) ? 1 : -1)) / 2;
        break;
      }
    }
  }
  if (px < 1) px = 1;
  if ((rc = syn_emit_print(g, it->contract, it->ts_ns, px, it->size, it->venue, it->conds, it->scen)))
    return rc;
  if (it->flags & SYN_F_IVPOP) {
    c->iv_bump += 0.003;
    if (c->iv_bump > 0.3) c->iv_bump = 0.3;
  }
  if (it->scen >= 0) {
    struct syn_scen *s = &g->scens[it->scen];
    if (--s->intents_left == 0 && !isnan(s->planted_bps))
      syn_add_drift(g, c->und, s->planted_bps, it->ts_ns,
                    (int64_t)(syn_rng_range(&g->rng, 10, 30) * 60.0 * 1e9));
  }
  return 0;
}

static int cmp_out(const void *a, const void *b) {
  const struct syn_out *x = a, *y = b;
  if (x->ts_ns != y->ts_ns) return x->ts_ns < y->ts_ns ? -1 : 1;
  return (x->order > y->order) - (x->order < y->order);
}

/* Moves the session to the next weekday and rebuilds its chains. */
static int next_session(struct sf_synth *g) {
  int64_t d = sf_days_from_civil(g->year, g->month, g->day) + 1;
  while (sf_weekday_from_days(d) == 0 || sf_weekday_from_days(d) == 6) d++;
  sf_civil_from_days(d, &g->year, &g->month, &g->day);
  g->open_ns = sf_ny_local_to_utc_ns(g->year, g->month, g->day, 9, 30, 0);
  g->close_ns = sf_ny_local_to_utc_ns(g->year, g->month, g->day, 16, 0, 0);
  g->tick_ns = g->open_ns;
  for (size_t i = 0; i < g->nund; i++) memset(g->unds[i].drifts, 0, sizeof g->unds[i].drifts);
  return syn_market_build(g);
}

static int run_tick(struct sf_synth *g) {
  int rc;
  g->nout = g->served = 0;
  int64_t t = g->tick_ns;
  double session_min = (double)(g->close_ns - g->open_ns) / 60e9;
  int64_t limit = g->cfg.minutes > 0 && g->minutes_left <= session_min
                      ? g->open_ns + (int64_t)(g->minutes_left * 60e9)
                      : g->close_ns;
  if (t >= limit && g->nheap == 0) {
    if (g->cfg.minutes > 0) {
      g->minutes_left -= session_min;
      if (g->minutes_left <= 1e-9) {
        g->done = true;
        return 0;
      }
    }
    return next_session(g);
  }
  if ((rc = syn_market_step(g, t))) return rc;
  if ((rc = syn_noise_tick(g, t))) return rc;
  if (!g->cfg.noise_only && t < limit) {
    double expect = g->cfg.mix.scenarios_per_min * ((double)SYN_TICK_NS / 60e9);
    int k = (int)floor(expect + syn_rng_unit(&g->rng));
    for (int i = 0; i < k; i++) {
      int64_t t0 = t + (int64_t)(syn_rng_unit(&g->rng) * (double)SYN_TICK_NS);
      if ((rc = start_scenario(g, t0, limit - SYN_TICK_NS))) return rc;
    }
  }
  while (g->nheap > 0 && g->heap[0].ts_ns < t + SYN_TICK_NS) {
    struct syn_intent it = heap_pop(g);
    if ((rc = exec_intent(g, &it))) return rc;
  }
  qsort(g->outs, g->nout, sizeof g->outs[0], cmp_out);
  g->tick_ns = t + SYN_TICK_NS;
  return 0;
}

/* ---- labels ---- */
static int deliver_label(struct sf_synth *g, int slot) {
  struct syn_scen *s = &g->scens[slot];
  int rc = 0;
  g->stats.scenarios[s->family]++;
  if (g->cfg.on_label) {
    struct sf_synth_label l;
    memset(&l, 0, sizeof l);
    snprintf(l.scenario_id, sizeof l.scenario_id, "s%llu-%llu", (unsigned long long)g->cfg.seed,
             (unsigned long long)s->number);
    l.family = s->family;
    l.profile = s->profile;
    l.direction = s->direction;
    l.start_ts_ns = s->start_ns;
    l.end_ts_ns = s->end_ns;
    l.planted_move_bps = s->planted_bps;
    l.hard_negative = s->hard_negative;
    char id[SF_ID_MAX];
    for (size_t i = 0; i < s->nmem && rc == 0; i++) {
      snprintf(id, sizeof id, "p%llu-%llu", (unsigned long long)g->cfg.seed,
               (unsigned long long)s->members[i]);
      rc = sf_strvec_push(&l.member_print_ids, id);
    }
    if (rc == 0) g->cfg.on_label(g->cfg.label_ctx, &l);
    sf_strvec_fini(&l.member_print_ids);
  }
  s->used = false;
  s->nmem = 0;
  return rc;
}

static int fill_record(struct sf_synth *g, const struct syn_out *o, struct sf_record *r) {
  int64_t ms = sf_ns_to_ms(o->ts_ns);
  unsigned long long seed = (unsigned long long)g->cfg.seed;
  struct sf_meta *m;
  switch (o->kind) {
    case SYN_OUT_PRINT: {
      sf_record_init(r, SF_REC_OPTION_PRINT);
      struct sf_option_print *p = &r->u.option_print;
      m = &p->meta;
      uint64_t n = ++g->print_counter;
      snprintf(m->trace_id, sizeof m->trace_id, "p%llu-%llu", seed, (unsigned long long)n);
      p->ts_ns = o->ts_ns;
      memcpy(p->option_contract_id, g->cons[o->idx].id, sizeof p->option_contract_id);
      p->price = (double)o->a_c / 100.0;
      p->size = o->size;
      snprintf(p->exchange, sizeof p->exchange, "%s", syn_venues[o->venue]);
      p->conditions = o->conds;
      g->stats.option_prints++;
      if (o->scen >= 0) {
        struct syn_scen *s = &g->scens[o->scen];
        if (s->nmem == s->capmem) {
          size_t nc = s->capmem ? s->capmem * 2 : 16;
          uint64_t *nm = realloc(s->members, nc * sizeof *nm);
          if (!nm) return SF_ENOMEM;
          s->members = nm;
          s->capmem = nc;
        }
        s->members[s->nmem++] = n;
        g->stats.planted_prints++;
        if (--s->prints_left == 0) {
          int rc = deliver_label(g, o->scen);
          if (rc) return rc;
        }
      }
      break;
    }
    case SYN_OUT_NBBO: {
      sf_record_init(r, SF_REC_OPTION_NBBO);
      struct sf_option_nbbo *q = &r->u.option_nbbo;
      m = &q->meta;
      snprintf(m->trace_id, sizeof m->trace_id, "q%llu-%llu", seed, (unsigned long long)++g->quote_counter);
      q->ts_ns = o->ts_ns;
      memcpy(q->option_contract_id, g->cons[o->idx].id, sizeof q->option_contract_id);
      q->bid = (double)o->a_c / 100.0;
      q->ask = (double)o->b_c / 100.0;
      q->bid_size = (double)o->size;
      q->ask_size = (double)o->asz;
      g->stats.option_nbbo++;
      break;
    }
    default: {
      sf_record_init(r, SF_REC_EQUITY_QUOTE);
      struct sf_equity_quote *q = &r->u.equity_quote;
      m = &q->meta;
      snprintf(m->trace_id, sizeof m->trace_id, "q%llu-%llu", seed, (unsigned long long)++g->quote_counter);
      q->ts_ns = o->ts_ns;
      snprintf(q->underlying_id, sizeof q->underlying_id, "%s", g->unds[o->idx].cfg.symbol);
      q->bid = (double)o->a_c / 100.0;
      q->ask = (double)o->b_c / 100.0;
      q->bid_size = (double)o->size;
      q->ask_size = (double)o->asz;
      g->stats.equity_quotes++;
      break;
    }
  }
  m->source_ts = m->ingest_ts = ms;
  m->seq = (int64_t)g->seq++;
  if (g->stats.first_ts_ns == SF_TS_NULL) g->stats.first_ts_ns = o->ts_ns;
  g->stats.last_ts_ns = o->ts_ns;
  return 0;
}

int sf_synth_next(struct sf_synth *g, struct sf_record *out) {
  while (g->served == g->nout) {
    if (g->done) return 0;
    int rc = run_tick(g);
    if (rc) return rc;
  }
  return fill_record(g, &g->outs[g->served++], out) ? SF_ENOMEM : 1;
}

/* ---- construction ---- */
static int valid_und(const struct sf_synth_underlying *u) {
  size_t len = strnlen(u->symbol, sizeof u->symbol);
  return len > 0 && len <= SF_ROOT_MAX && u->spot > 0 && u->spot < 1e6 && u->vol > 0 && u->vol <= 5 &&
         u->strike_step > 0 && u->liquidity >= 0 && u->liquidity <= 1;
}

/* Earnings for three single names (fewer when there are fewer): after the close of the first
 * Friday after the session date or up to three trading days later, announced three weeks before,
 * with an event move of 4-9%. */
static void build_calendar(struct sf_synth *g) {
  int64_t today = sf_days_from_civil(g->year, g->month, g->day);
  int64_t fri = today + 1;
  while (sf_weekday_from_days(fri) != 5) fri++;
  int names[SF_SYNTH_MAX_UNDERLYINGS], n = 0;
  for (size_t i = 0; i < g->nund; i++) {
    g->unds[i].event = -1;
    if (!g->unds[i].cfg.is_etf) names[n++] = (int)i;
  }
  /* a random three of the single names (all of them when fewer) */
  for (int i = 0; i < n; i++) {
    int j = syn_rng_int(&g->rng, i, n - 1), tmp = names[i];
    names[i] = names[j];
    names[j] = tmp;
  }
  for (int k = 0; k < n && k < 3; k++) {
    struct syn_und *u = &g->unds[names[k]];
    int64_t d = fri;
    for (int left = syn_rng_int(&g->rng, 0, 3); left > 0;) {
      d++;
      int wd = sf_weekday_from_days(d);
      if (wd >= 1 && wd <= 5) left--;
    }
    int y, m, dd;
    sf_civil_from_days(d, &y, &m, &dd);
    struct sf_calendar_event *e = &g->cal[g->ncal];
    memset(e, 0, sizeof *e);
    snprintf(e->underlying_id, sizeof e->underlying_id, "%s", u->cfg.symbol);
    e->event_ns = sf_ny_local_to_utc_ns(y, m, dd, 16, 5, 0);
    e->announced_ns = g->open_ns - 21 * SF_NS_PER_DAY;
    snprintf(e->event_kind, sizeof e->event_kind, "earnings");
    u->event = (int)g->ncal++;
    double move = syn_rng_range(&g->rng, 0.04, 0.09);
    u->event_var = move * move;
  }
}

int sf_synth_new(const struct sf_synth_config *cfg, struct sf_synth **out) {
  *out = NULL;
  if (!sf_date_valid(cfg->year, cfg->month, cfg->day)) return SF_EINVAL;
  int wd = sf_weekday_from_days(sf_days_from_civil(cfg->year, cfg->month, cfg->day));
  if (wd == 0 || wd == 6 || !(cfg->minutes <= 1e7) || cfg->underlying_count > SF_SYNTH_MAX_UNDERLYINGS)
    return SF_EINVAL;
  if (cfg->underlyings && cfg->underlying_count == 0) return SF_EINVAL;
  const struct sf_synth_mix *mx = &cfg->mix;
  if (!(mx->scenarios_per_min >= 0 && mx->noise_prints_per_s >= 0 && mx->jumps_per_hour >= 0))
    return SF_EINVAL;
  for (int i = 0; i < SF_FAM_COUNT; i++)
    if (!(mx->weights[i] >= 0)) return SF_EINVAL;
  struct sf_synth *g = calloc(1, sizeof *g);
  if (!g) return SF_ENOMEM;
  g->cfg = *cfg;
  g->cfg.underlyings = NULL;
  syn_rng_seed(&g->rng, cfg->seed ^ UINT64_C(0x5f3759df5bd1e995));
  if (cfg->underlyings) {
    for (size_t i = 0; i < cfg->underlying_count; i++) {
      if (!valid_und(&cfg->underlyings[i])) goto inval;
      g->unds[i].cfg = cfg->underlyings[i];
    }
    g->nund = cfg->underlying_count;
  } else {
    for (size_t i = 0; i < sizeof default_symbols / sizeof default_symbols[0]; i++)
      sf_synth_underlying_default(default_symbols[i], &g->unds[i].cfg);
    g->nund = sizeof default_symbols / sizeof default_symbols[0];
  }
  for (size_t i = 0; i < g->nund; i++) {
    g->unds[i].spot = g->unds[i].cfg.spot;
    g->unds[i].pub_ns = SF_TS_NULL;
    g->unds[i].bid_c = g->unds[i].ask_c = -1;
  }
  g->year = cfg->year;
  g->month = cfg->month;
  g->day = cfg->day;
  g->open_ns = sf_ny_local_to_utc_ns(g->year, g->month, g->day, 9, 30, 0);
  g->close_ns = sf_ny_local_to_utc_ns(g->year, g->month, g->day, 16, 0, 0);
  g->tick_ns = g->open_ns;
  g->minutes_left = cfg->minutes;
  g->stats.first_ts_ns = g->stats.last_ts_ns = SF_TS_NULL;
  build_calendar(g);
  int rc = syn_market_build(g);
  if (rc) {
    sf_synth_free(g);
    return rc;
  }
  *out = g;
  return 0;
inval:
  sf_synth_free(g);
  return SF_EINVAL;
}

void sf_synth_free(struct sf_synth *g) {
  if (!g) return;
  for (size_t i = 0; i < g->capscen; i++) free(g->scens[i].members);
  free(g->scens);
  free(g->cons);
  free(g->heap);
  free(g->outs);
  free(g);
}

void sf_synth_get_stats(const struct sf_synth *g, struct sf_synth_stats *out) { *out = g->stats; }
