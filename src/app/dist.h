/* Shared by the distributed-mode services (ingest, compute --bus, serve --bus, replay,
 * verify-replay): opening a bus in a namespace, loading the engine's input files, and reading the
 * stored raw market data of a time range back in one stable merged order.
 *
 * The merged order is (ts_ns, source, seq) with the fixed source order equity-quote, option-nbbo,
 * option-print: the order replay publishes in, the order a restarted compute worker rebuilds its
 * state in, and the order verify-replay re-runs the engine in. */
#ifndef SMARTFLOW_APP_DIST_H
#define SMARTFLOW_APP_DIST_H

#include <stdbool.h>
#include <stdint.h>

#include "smartflow/bus.h"
#include "smartflow/engine.h"
#include "smartflow/record.h"
#include "smartflow/rules.h"
#include "smartflow/store.h"

/* Opens a bus at url in the namespace prefix (NULL or "" live, "replay." ...) with an async
 * publish window (0: synchronous). On failure prints "smartflow <who>: ..." and returns < 0. */
int sf_dist_bus_open(const char *who, const char *url, const char *prefix, int async_window,
                     struct sf_bus **out);

/* The engine's optional inputs, loaded from files (NULL paths: none). */
struct sf_dist_engine_inputs {
  struct sf_calendar *calendar;
  struct sf_calibration *calibration;
  struct sf_rules_config rules;
  struct sf_oi_table *oi; /* open interest, NULL when none */
};
/* Loads them; prints the error naming the file and returns < 0 on failure. */
int sf_dist_inputs_load(const char *who, const char *calendar, const char *calibration, const char *oi,
                        struct sf_dist_engine_inputs *in);
void sf_dist_inputs_free(struct sf_dist_engine_inputs *in);
/* An engine config over the inputs (borrowed for the engine's life). */
void sf_dist_engine_config(const struct sf_dist_engine_inputs *in, struct sf_engine_config *cfg);

/* A print as it came in: the raw fields of a stored (enriched) print, enrichment cleared. */
void sf_dist_raw_print(const struct sf_option_print *in, struct sf_option_print *out);

/* 1 when a market-data record belongs to partition index/count (count 0: every record). */
bool sf_dist_in_partition(const struct sf_record *r, uint32_t index, uint32_t count);

/* Reads stored option prints, option NBBO and equity quotes with ts (ms) in [from_ms, to_ms)
 * (SF_TS_NULL: open) in the merged order, page by page. */
struct sf_dist_market_iter;
int sf_dist_market_iter_open(struct sf_store *store, int64_t from_ms, int64_t to_ms,
                             struct sf_dist_market_iter **out);
/* Points *rec at the next record (borrowed until the next call). Returns 1, 0 at the end, or a
 * negative SF_E* (the store's message is in sf_store_errmsg). */
int sf_dist_market_iter_next(struct sf_dist_market_iter *it, const struct sf_record **rec);
void sf_dist_market_iter_close(struct sf_dist_market_iter *it);

/* Parses "I/N" (0 <= I < N). Returns 0 or -1. */
int sf_dist_parse_partition(const char *s, uint32_t *index, uint32_t *count);
/* Parses a time as sf_time_parse does (epoch ms, "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[.fff]Z")
 * into ms. Returns 0 or -1. */
int sf_dist_parse_ts(const char *s, int64_t *ms);

#endif
