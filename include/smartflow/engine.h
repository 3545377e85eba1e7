/* The smartflow engine: a deterministic, single-threaded, event-time state machine that turns
 * option prints, option NBBO updates and underlying quotes into enriched prints, FlowPackets,
 * SmartMoneyEvents, ClassifierHitEvents and AlertEvents (CONTRACTS.md, PROFILES.md).
 *
 * No I/O, no globals, no wall clock: time advances only with the records pushed (and with
 * sf_engine_advance). The same sequence of pushes gives the same sequence of sink calls with
 * the same bytes, whatever the chunking of the input. Results are delivered to sink callbacks
 * synchronously, from inside the push/advance/flush call that produced them; records passed to
 * a sink are borrowed until the callback returns.
 *
 * Derived meta is a pure function of the event, never of the engine instance, so that any
 * number of compute workers (each seeing a partition of the underlyings) produce exactly the
 * records one engine produces over the whole input: trace ids and ids hash the member print
 * trace ids, source_ts and ingest_ts are the last member print's ms, and meta.seq is
 *
 *   max(meta.seq of the member prints, 0) * SF_ENGINE_SEQ_STRIDE + offset
 *
 * with offset SF_ENGINE_SEQ_PACKET for a flow packet (its own cluster's prints),
 * SF_ENGINE_SEQ_EVENT for a smart-money event, SF_ENGINE_SEQ_HIT + i for the i-th classifier hit
 * of an event and SF_ENGINE_SEQ_ALERT for its alert. A print belongs to one cluster and one
 * event, so (source_ts, seq) is unique per table as long as input print seqs are unique. The
 * seq is not monotonic in emission order (events close when their windows pass). */
#ifndef SMARTFLOW_ENGINE_H
#define SMARTFLOW_ENGINE_H

#include <stdint.h>

#include "smartflow/record.h"

/* Derived meta.seq layout (see the file comment). */
#define SF_ENGINE_SEQ_STRIDE 16
#define SF_ENGINE_SEQ_PACKET 0
#define SF_ENGINE_SEQ_EVENT 1
#define SF_ENGINE_SEQ_ALERT 2
#define SF_ENGINE_SEQ_HIT 3 /* .. 3 + SF_PROFILE_COUNT - 1 */

struct sf_engine;
struct sf_calendar;    /* event calendar, see calendar.h */
struct sf_calibration; /* per-profile score -> probability maps, see calibration.h */
struct sf_rules_config;

struct sf_engine_sinks {
  void *ctx; /* passed to every callback */
  /* Each may be NULL; the engine skips the work of building records nobody receives. */
  void (*on_option_print)(void *ctx, const struct sf_option_print *p); /* enriched print */
  void (*on_flow_packet)(void *ctx, const struct sf_flow_packet *p);
  void (*on_smart_money)(void *ctx, const struct sf_smart_money_event *e);
  void (*on_classifier_hit)(void *ctx, const struct sf_classifier_hit *h);
  void (*on_alert)(void *ctx, const struct sf_alert *a);
};

struct sf_engine_config {
  int64_t stale_ns;            /* option NBBO older than this at a print is STALE (1000 ms) */
  int64_t und_stale_ns;        /* underlying quote staleness for spot (5000 ms) */
  double rate;                 /* risk-free rate for IV/greeks (0.045) */
  int64_t cluster_window_ns;   /* max span of one single-contract cluster (500 ms) */
  int64_t cluster_gap_ns;      /* a gap longer than this between fills ends a cluster (250 ms) */
  int64_t sweep_ns;            /* fills on several venues within this are one sweep (50 ms) */
  int64_t structure_window_ns; /* clusters of one underlying this close may form a structure (250 ms) */
  int64_t move_lookback_ns;    /* underlying move lookback: the move just before (90 s) */
  int64_t reorder_ns;          /* records older than the watermark by more than this are rejected (1000 ms) */
  int64_t iv_cache_ns;         /* an IV solution is reused for this long at unchanged inputs (1000 ms) */
  double baseline_alpha;       /* EWMA weight of a new print in the IV / spread baselines (0.1) */
  uint32_t baseline_min;       /* prints before a baseline is trusted (5) */
  const struct sf_calendar *calendar;       /* borrowed, may be NULL (neutral event fields) */
  const struct sf_calibration *calibration; /* borrowed, may be NULL (raw scores) */
  const struct sf_rules_config *rules;      /* borrowed, may be NULL (compiled-in defaults) */
  /* Open interest, may be NULL (vol_oi_ratio stays null). Asked for a contract (canonical id)
   * as of a New York trading date; returns 0 with *oi set (contracts, >= 0), anything else when
   * the figure is unknown. Called at most once per contract per trading date (the answer, known
   * or not, is kept in the contract's book slot), from inside the push or flush that closes an
   * event with that contract, so it must be a pure function of its arguments for the output to
   * stay deterministic. oi_ctx is borrowed for the engine's life. */
  int (*oi_lookup)(void *oi_ctx, const char *contract_id, int y, int m, int d, int64_t *oi);
  void *oi_ctx;
};

/* Fills cfg with the documented defaults. */
void sf_engine_config_default(struct sf_engine_config *cfg);

struct sf_engine_stats {
  uint64_t option_prints_in, option_nbbo_in, equity_quotes_in, equity_prints_in;
  uint64_t rejected; /* all rejects; below by reason */
  uint64_t rejected_order, rejected_contract, rejected_value, rejected_dup;
  uint64_t enriched_prints, flow_packets_out, smart_money_out, classifier_hits_out, alerts_out;
  uint64_t abstained;
  uint64_t events_below_emit; /* parent events under rules emit_min_premium, not emitted */
  uint64_t crossed_quotes;    /* option quotes with bid > ask: stored, never used as fresh */
  uint64_t contracts_active, underlyings_active;
};

/* Creates an engine. cfg and sinks are copied; what they point to is borrowed for the engine's
 * life. Returns 0, SF_EINVAL or SF_ENOMEM. */
int sf_engine_new(const struct sf_engine_config *cfg, const struct sf_engine_sinks *sinks,
                  struct sf_engine **out);
void sf_engine_free(struct sf_engine *e);

/* Pushes one record. Market data only (option-print, option-nbbo, equity-quote, equity-print);
 * returns 0, or a negative SF_E* when the record is rejected (counted in the stats; the engine
 * state is unchanged): SF_EORDER (older than the watermark by more than reorder_ns),
 * SF_EFIELD (unknown/invalid contract, negative size or price, crossed quote kept as
 * information but never used as a fresh NBBO is not an error), SF_EDUP (a print trace_id seen
 * again), SF_ETYPE (a derived record). sf_engine_errmsg() tells which. Option prints and NBBOs
 * may carry a contract_key (contract.h): the engine then finds the contract by array index
 * instead of hashing the id; all keyed records of one engine take their keys from one table. */
int sf_engine_push(struct sf_engine *e, const struct sf_record *r);
int sf_engine_push_option_print(struct sf_engine *e, const struct sf_option_print *p);
int sf_engine_push_option_nbbo(struct sf_engine *e, const struct sf_option_nbbo *q);
int sf_engine_push_equity_quote(struct sf_engine *e, const struct sf_equity_quote *q);
int sf_engine_push_equity_print(struct sf_engine *e, const struct sf_equity_print *p);

/* Advances event time to ts_ns (never backwards): clusters and structures whose windows have
 * passed are closed and their events emitted. */
void sf_engine_advance(struct sf_engine *e, int64_t ts_ns);
/* Closes everything still open (end of input). */
void sf_engine_flush(struct sf_engine *e);

void sf_engine_get_stats(const struct sf_engine *e, struct sf_engine_stats *out);
/* Message of the last rejected push; borrowed until the next push. */
const char *sf_engine_errmsg(const struct sf_engine *e);

#endif
