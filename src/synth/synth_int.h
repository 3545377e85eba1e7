/* Internals of the synthetic market shared by its files: the PRNG, the market state
 * (underlyings, expiries, contracts, published quotes), scenario plans and the generator.
 *
 * Prices are kept in integer cents so that quotes and prints never carry floating-point
 * residue; the record gets cents / 100. Time is int64 ns (UTC). A tick is SYN_TICK_NS of
 * event time: every record generated while processing the tick that starts at T has a
 * timestamp in [T, T + SYN_TICK_NS), which is what keeps the output in time order. */
#ifndef SMARTFLOW_SYNTH_INT_H
#define SMARTFLOW_SYNTH_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartflow/contract.h"
#include "smartflow/synth.h"

#define SYN_TICK_NS (250 * SF_NS_PER_MS)
#define SYN_PLAN_MAX 256
#define SYN_MAX_EXPIRIES 10
#define SYN_MAX_DRIFTS 8
#define SYN_RATE 0.045 /* risk-free rate for pricing */
#define SYN_YEAR_NS (365.0 * 86400.0 * 1e9)

/* ---- PRNG: xoshiro256** seeded through splitmix64 ---- */
struct syn_rng {
  uint64_t s[4];
};
void syn_rng_seed(struct syn_rng *r, uint64_t seed);
uint64_t syn_rng_u64(struct syn_rng *r);
double syn_rng_unit(struct syn_rng *r);                        /* [0, 1) */
double syn_rng_range(struct syn_rng *r, double lo, double hi); /* [lo, hi) */
int syn_rng_int(struct syn_rng *r, int lo, int hi);            /* [lo, hi] */
double syn_rng_normal(struct syn_rng *r);                      /* ~N(0,1), |x| <= 6 */
bool syn_rng_chance(struct syn_rng *r, double p);
/* Log-uniform in [lo, hi). */
double syn_rng_logu(struct syn_rng *r, double lo, double hi);
/* Picks an index with probability proportional to w[i]; -1 when all are 0. */
int syn_rng_weighted(struct syn_rng *r, const double *w, int n);

/* ---- market ---- */
struct syn_expiry {
  int y, m, d;
  int64_t ns;   /* 16:00 New York on the date */
  size_t base;  /* index of the first contract (calls, then puts) */
  int nstrikes; /* strikes, ascending; index 0 and nstrikes-1 are never quoted */
  double step;  /* strike spacing */
  double first_strike;
  bool after_event;  /* expires after the underlying's calendar event */
  bool event_expiry; /* the first expiry after the event */
};

struct syn_drift {
  double bps_per_tick;
  int64_t until_ns;
};

struct syn_und {
  struct sf_synth_underlying cfg;
  double spot;
  int64_t bid_c, ask_c; /* last published equity quote, cents */
  int64_t pub_ns;
  struct syn_drift drifts[SYN_MAX_DRIFTS];
  double jump_bps_per_tick;
  int jump_ticks;
  int event;        /* calendar index or -1 */
  double event_var; /* event variance (move^2) */
  struct syn_expiry exps[SYN_MAX_EXPIRIES];
  int nexp;
};

struct syn_contract {
  char id[SF_CONTRACT_ID_MAX];
  uint16_t und;
  uint8_t exp;
  bool call, quoted;
  double strike;
  int64_t expiry_ns;
  double iv_bump;       /* transient IV pop (retail bursts), decays */
  int64_t bid_c, ask_c; /* published quote, cents; -1 before the first */
  int32_t bid_sz, ask_sz;
  int64_t pub_ns; /* when published; SF_TS_NULL before */
  int64_t next_check_ns;
};

/* Print price rules. */
enum syn_px { SYN_PX_AA, SYN_PX_A, SYN_PX_MID, SYN_PX_B, SYN_PX_BB, SYN_PX_NEAR_MID, SYN_PX_THEO };
/* Intent flags. */
#define SYN_F_NO_REFRESH 1u /* print against whatever quote is published (stale on purpose) */
#define SYN_F_IVPOP 2u      /* the print pushes the contract's IV up (retail burst) */

struct syn_plan_item {
  int64_t ts_ns;
  uint32_t contract;
  uint32_t size;
  uint32_t conds;
  uint8_t rule, venue, flags;
};

struct syn_plan {
  int family, profile, direction;
  bool hard_negative;
  uint16_t und;
  double planted_bps; /* NaN when none */
  int64_t drift_ns;   /* over how long the planted move unfolds */
  double jump_bps;    /* spot jump applied at commit (hedge scenarios), 0 when none */
  int jump_ticks;
  size_t n;
  struct syn_plan_item items[SYN_PLAN_MAX];
};

/* A scheduled print (planted or noise). */
struct syn_intent {
  int64_t ts_ns;
  uint64_t order; /* creation order: ties in ts keep it */
  uint32_t contract, size, conds;
  int32_t scen; /* scenario slot or -1 */
  uint8_t rule, venue, flags;
};

/* A record produced in the current tick, converted to an sf_record when served. */
enum syn_out_kind { SYN_OUT_PRINT, SYN_OUT_NBBO, SYN_OUT_EQUITY };
struct syn_out {
  int64_t ts_ns;
  uint64_t order;
  uint8_t kind, venue;
  uint32_t idx;      /* contract or underlying */
  int64_t a_c, b_c;  /* print: price; quotes: bid, ask (cents) */
  int64_t size, asz; /* print: size; quotes: bid size, ask size */
  uint32_t conds;
  int32_t scen;
};

struct syn_scen {
  bool used;
  int family, profile, direction;
  bool hard_negative;
  double planted_bps;
  uint64_t number;
  uint32_t intents_left, prints_left;
  int64_t start_ns, end_ns;
  uint64_t *members; /* print numbers */
  size_t nmem, capmem;
};

struct sf_synth {
  struct sf_synth_config cfg;
  struct syn_rng rng;
  int year, month, day;      /* current session date */
  int64_t open_ns, close_ns; /* 09:30 and 16:00 of the session date */
  int64_t end_ns;            /* bounded: where the tape stops; INT64_MAX when unbounded */
  int64_t tick_ns;           /* start of the next tick to process */
  double minutes_left;       /* trading minutes still to run (bounded) */
  bool done;

  struct syn_und unds[SF_SYNTH_MAX_UNDERLYINGS];
  size_t nund;
  struct syn_contract *cons;
  size_t ncons, capcons;

  struct sf_calendar_event cal[SF_SYNTH_MAX_UNDERLYINGS];
  size_t ncal;

  struct syn_intent *heap; /* min-heap on (ts_ns, order) */
  size_t nheap, capheap;
  uint64_t intent_order;

  struct syn_out *outs; /* current tick's records, sorted before serving */
  size_t nout, capout, served;
  uint64_t out_order;

  struct syn_scen *scens;
  size_t nscen, capscen;
  uint64_t scen_counter;

  uint64_t print_counter, quote_counter, seq;
  struct syn_plan plan;
  struct sf_synth_stats stats;
};

/* market.c */
int syn_market_build(struct sf_synth *g);           /* chains for the current session date */
int syn_market_step(struct sf_synth *g, int64_t t); /* spots at tick t, publishes quotes */
/* Model quote of a contract at t, in cents. */
void syn_model_quote(const struct sf_synth *g, const struct syn_contract *c, int64_t t, int64_t *bid_c,
                     int64_t *ask_c, int32_t *bid_sz, int32_t *ask_sz);
double syn_model_mid(const struct sf_synth *g, const struct syn_contract *c, int64_t t);
int syn_emit_nbbo(struct sf_synth *g, uint32_t ci, int64_t t, int64_t bid_c, int64_t ask_c, int32_t bsz,
                  int32_t asz);
int syn_emit_print(struct sf_synth *g, uint32_t ci, int64_t t, int64_t px_c, int64_t size, int venue,
                   uint32_t conds, int32_t scen);
/* The contract of an underlying/expiry/right nearest a strike (quoted strikes only). */
uint32_t syn_contract_near(const struct sf_synth *g, int und, int exp, bool call, double strike);
/* Strike index of a contract within its expiry. */
int syn_strike_index(const struct sf_synth *g, uint32_t ci);
/* The contract k strikes away (same expiry and right), clamped to quoted strikes. */
uint32_t syn_contract_offset(const struct sf_synth *g, uint32_t ci, int k);
/* The same strike and expiry, other right. */
uint32_t syn_contract_other_right(const struct sf_synth *g, uint32_t ci);
double syn_dte_days(int64_t expiry_ns, int64_t t);
/* Random expiry index with DTE in [lo, hi] days at t, or -1. */
int syn_pick_expiry(struct sf_synth *g, int und, double lo, double hi, int64_t t);
void syn_add_drift(struct sf_synth *g, int und, double bps, int64_t from_ns, int64_t dur_ns);
void syn_add_jump(struct sf_synth *g, int und, double bps, int ticks);

/* synth.c: plan building */
void syn_plan_reset(struct sf_synth *g, int family, int profile, int direction, bool hn, int und);
void syn_plan_add(struct sf_synth *g, int64_t ts, uint32_t contract, int64_t size, int rule, int venue,
                  uint32_t conds, unsigned flags);
/* Adds a noise intent (no scenario). */
int syn_noise_add(struct sf_synth *g, int64_t ts, uint32_t contract, int64_t size, int rule, int venue,
                  uint32_t conds, unsigned flags);
int syn_random_venue(struct sf_synth *g);
/* An underlying index drawn with the weights given per symbol (others weight 1). */
int syn_pick_und(struct sf_synth *g, bool etf_heavy);

/* noise.c */
int syn_noise_tick(struct sf_synth *g, int64_t t);

/* Family builders: fill g->plan from tick time t; 0, or SF_ENOTFOUND when the market offers no
 * place for the family (e.g. no calendar event). */
int syn_fam_institutional(struct sf_synth *g, int64_t t, bool before_event);
int syn_fam_retail(struct sf_synth *g, int64_t t, bool frenzy);
int syn_fam_event(struct sf_synth *g, int64_t t);
int syn_fam_vol_seller(struct sf_synth *g, int64_t t, bool legged);
int syn_fam_closing_at_bid(struct sf_synth *g, int64_t t);
int syn_fam_arbitrage(struct sf_synth *g, int64_t t, bool vertical);
int syn_fam_hedge(struct sf_synth *g, int64_t t, bool one_sided);

extern const char *const syn_venues[];
extern const int syn_venue_count;

#endif
