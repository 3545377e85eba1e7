/* The synthetic options market: a deterministic generator of option prints, option NBBO
 * updates and underlying quotes for a trading session, with planted parent orders of the six
 * smart-money profiles (PROFILES.md) and hard negatives, whose hidden labels go to a callback
 * and never into the tape.
 *
 * The generator is a pull API: sf_synth_next() returns one record at a time, in non-decreasing
 * event time. The same configuration (seed included) yields the same records and labels, bit
 * for bit: the generator draws only from its own xoshiro256** stream, never from rand() or the
 * clock, and its normal deviates use arithmetic only (Irwin-Hall), so the only platform
 * dependence left is the libm rounding inside Black-Scholes, which the cent rounding of quotes
 * absorbs.
 *
 * Market model (docs/evaluation.md has the details): underlyings follow a random walk in
 * trading time with occasional jumps; chains carry 0DTE dailies (SPY, QQQ), weeklies and
 * monthlies on realistic strike grids; option quotes are Black-Scholes prices under a skewed
 * smile, with spreads that widen out of the money, near expiry and on less liquid names, and
 * an event premium in expiries after a calendar event. Contracts are re-quoted when their
 * rounded quote changes (rate limited per contract) and on a heartbeat, and every print that is
 * meant to be signable is preceded by a fresh quote. Background noise: small retail lots,
 * market-maker prints near mid, prints on stale or missing quotes, opening and closing
 * prints, stock-option ties, auctions and late prints. */
#ifndef SMARTFLOW_SYNTH_H
#define SMARTFLOW_SYNTH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartflow/calendar.h"
#include "smartflow/record.h"

/* Scenario families: the six profiles, then the hard negatives. */
enum sf_synth_family {
  SF_FAM_INSTITUTIONAL_DIRECTIONAL = 0,
  SF_FAM_RETAIL_WHALE,
  SF_FAM_EVENT_DRIVEN,
  SF_FAM_VOL_SELLER,
  SF_FAM_ARBITRAGE,
  SF_FAM_HEDGE_REACTIVE,
  SF_FAM_HN_HEDGE_0DTE_BURST,      /* 0DTE ATM burst after a spot jump: hedge_reactive */
  SF_FAM_HN_COMPLEX_VERTICAL,      /* vertical at mid with complex conditions: arbitrage */
  SF_FAM_HN_EARNINGS_BEFORE_EVENT, /* directional block expiring before earnings: institutional */
  SF_FAM_HN_RETAIL_FRENZY,         /* large retail frenzy in short-dated OTM calls: retail_whale */
  SF_FAM_HN_STRADDLE_AT_BID,       /* straddle legged out at the bid: vol_seller */
  SF_FAM_HN_CLOSING_AT_BID,        /* closing print at the bid, not a vol sale: null */
  SF_FAM_COUNT
};
/* Wire name ("institutional_directional", "hn_hedge_0dte_burst", ...) or NULL. */
const char *sf_synth_family_name(int family);
/* Family of a name, or -1. */
int sf_synth_family_from_name(const char *name);

#define SF_SYNTH_MAX_UNDERLYINGS 16

struct sf_synth_underlying {
  char symbol[SF_SYMBOL_MAX];
  double spot; /* opening mid, dollars */
  double vol;  /* annualised ATM implied (and realised) volatility */
  bool is_etf;
  bool daily_expiries; /* a 0DTE expiry every weekday (SPY, QQQ) */
  double strike_step;  /* strike spacing near spot, dollars */
  double liquidity;    /* 0..1: 1 = tightest spreads and deepest quotes */
};

/* The default parameters of a known symbol (SPY, QQQ, IWM, AAPL, TSLA, NVDA, AMD, META, AMZN,
 * MSFT, GOOGL); other symbols get generic single-stock parameters derived from the name.
 * Returns 0, or SF_EINVAL for an empty or over-long symbol. */
int sf_synth_underlying_default(const char *symbol, struct sf_synth_underlying *out);

/* Rates and relative weights of what gets planted. */
struct sf_synth_mix {
  double weights[SF_FAM_COUNT]; /* relative weight of each family (>= 0) */
  double scenarios_per_min;     /* planted parent orders per minute, all families (8) */
  double noise_prints_per_s;    /* background prints per second, all underlyings (6) */
  double jumps_per_hour;        /* unplanted spot jumps per underlying per hour (1) */
};
void sf_synth_mix_default(struct sf_synth_mix *m);
/* Overrides m from a JSON object {"scenarios_per_min": x, "noise_prints_per_s": x,
 * "jumps_per_hour": x, "families": {"<family>": weight, ...}}; absent keys keep their value.
 * Returns 0 or SF_EFIELD with a message naming the key in errbuf. */
int sf_synth_mix_from_json(const json_t *j, struct sf_synth_mix *m, char *errbuf, size_t cap);

/* A planted scenario's hidden label. Borrowed by the label callback until it returns. */
struct sf_synth_label {
  char scenario_id[SF_ID_MAX]; /* "s<seed>-<n>" */
  int family;                  /* enum sf_synth_family */
  int profile;                 /* enum sf_profile, or -1: the right answer is to abstain */
  int direction;               /* enum sf_direction */
  struct sf_strvec member_print_ids;
  int64_t start_ts_ns, end_ts_ns; /* first and last member print */
  double planted_move_bps;        /* signed subsequent drift of the underlying, or NaN */
  bool hard_negative;
};
/* The label as a JSON object (labels.jsonl line), or NULL on out-of-memory. */
json_t *sf_synth_label_to_json(const struct sf_synth_label *l);

typedef void (*sf_synth_label_fn)(void *ctx, const struct sf_synth_label *label);

struct sf_synth_config {
  uint64_t seed;
  int year, month, day; /* session date, a weekday (2025-03-12) */
  double minutes;       /* trading minutes from 09:30 ET; <= 0 runs forever, rolling over to the
                           next weekday at 16:00 */
  const struct sf_synth_underlying *underlyings; /* borrowed during sf_synth_new; NULL = defaults */
  size_t underlying_count;
  struct sf_synth_mix mix;
  bool noise_only;            /* plant nothing: background only */
  sf_synth_label_fn on_label; /* may be NULL; called from sf_synth_next when a scenario's last
                                 print has been returned */
  void *label_ctx;
};
/* Seed 1, 2025-03-12, 60 minutes, default underlyings and mix. */
void sf_synth_config_default(struct sf_synth_config *cfg);

struct sf_synth;

/* Creates a generator. Returns 0, SF_EINVAL (bad date: not a weekday; bad underlying or mix,
 * too many underlyings) or SF_ENOMEM. */
int sf_synth_new(const struct sf_synth_config *cfg, struct sf_synth **out);
void sf_synth_free(struct sf_synth *g);

/* Fills out (initialised by the call) with the next record: an option-print, option-nbbo or
 * equity-quote. Returns 1, 0 at the end of a bounded session, or SF_ENOMEM. */
int sf_synth_next(struct sf_synth *g, struct sf_record *out);

/* The event calendar the generator planted (earnings of some single names), borrowed for the
 * generator's life. */
const struct sf_calendar_event *sf_synth_calendar(const struct sf_synth *g, size_t *count);
/* The calendar in calendar.h's JSON form (array), or NULL on out-of-memory. */
json_t *sf_synth_calendar_to_json(const struct sf_synth *g);

struct sf_synth_stats {
  uint64_t option_prints, option_nbbo, equity_quotes;
  uint64_t scenarios[SF_FAM_COUNT]; /* labels delivered per family */
  uint64_t planted_prints;          /* prints that belong to a label */
  int64_t first_ts_ns, last_ts_ns;
};
void sf_synth_get_stats(const struct sf_synth *g, struct sf_synth_stats *out);

/* Pacing for live demos: replays event time at `speed` times wall-clock speed. */
struct sf_synth_pacer {
  double speed;
  int64_t event0_ns, wall0_ns;
  bool started;
};
void sf_synth_pacer_init(struct sf_synth_pacer *p, double speed);
/* How long (ns, >= 0) the caller should sleep before releasing a record of event time
 * event_ts_ns, given the wall clock now (monotonic ns). The first call anchors event time to
 * the wall clock. A speed <= 0 means "as fast as possible" (always 0). */
int64_t sf_synth_pace(struct sf_synth_pacer *p, int64_t event_ts_ns, int64_t wall_now_ns);

#endif
