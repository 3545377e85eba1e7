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

#include "app/args.h"

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

/* Sleeps ns (pacing), in steps of at most 100 ms, returning early on a stop signal. */
void sf_dist_sleep_ns(int64_t ns);

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

/* ---- options shared by the distributed commands ---------------------------------------- */

/* The `val`s of the shared options in a command's getopt_long table (above every character, so
 * they never collide with a command's own). A command lists the ones it takes, e.g.
 * `SF_DIST_OPTION_BUS, SF_DIST_OPTION_STORE, ...`, and hands the option to sf_dist_option. */
enum {
  SF_DIST_OPT_BUS = 0x100, /* --bus URL */
  SF_DIST_OPT_NAMESPACE,   /* --namespace P */
  SF_DIST_OPT_STORE,       /* --store URL */
  SF_DIST_OPT_FROM,        /* --from TS */
  SF_DIST_OPT_TO,          /* --to TS */
  SF_DIST_OPT_CALENDAR,    /* --calendar FILE */
  SF_DIST_OPT_CALIBRATION, /* --calibration FILE */
  SF_DIST_OPT_OI,          /* --oi FILE */
};
#define SF_DIST_OPTION_BUS \
  { "bus", required_argument, 0, SF_DIST_OPT_BUS }
#define SF_DIST_OPTION_NAMESPACE \
  { "namespace", required_argument, 0, SF_DIST_OPT_NAMESPACE }
#define SF_DIST_OPTION_STORE \
  { "store", required_argument, 0, SF_DIST_OPT_STORE }
#define SF_DIST_OPTION_RANGE \
  {"from", required_argument, 0, SF_DIST_OPT_FROM}, { "to", required_argument, 0, SF_DIST_OPT_TO }
#define SF_DIST_OPTION_INPUTS                                           \
  {"calendar", required_argument, 0, SF_DIST_OPT_CALENDAR},             \
      {"calibration", required_argument, 0, SF_DIST_OPT_CALIBRATION}, { \
    "oi", required_argument, 0, SF_DIST_OPT_OI                          \
  }

/* The values of the shared options (NULL / SF_TS_NULL when not given). Initialise with
 * sf_dist_opts_init; the strings are borrowed from argv. */
struct sf_dist_opts {
  const char *bus_url, *ns, *store_url;
  int64_t from_ms, to_ms; /* --from / --to, parsed with sf_time_parse, in ms */
  const char *calendar, *calibration, *oi;
};
void sf_dist_opts_init(struct sf_dist_opts *o);

/* sf_args_next for a command that takes some of the shared options (listed in a->opts): takes
 * those into *o itself (times parsed with sf_time_parse) and returns the others' `val`s, -1 at
 * the end of the options, or 0 with a->status set after --help, a usage error, or a bad time
 * ("smartflow CMD: --from 'V' is not a time ..."). The same loop as with sf_args_next. */
int sf_dist_args_next(struct sf_args *a, struct sf_dist_opts *o);

/* After the options: checks that the command took no operands (unless operands_ok), that the
 * options in `required` (SF_DIST_OPT_* values ending with 0) were given, and that FROM < TO
 * when both --from and --to were given. Returns 0, or -1 after
 * printing the first problem and the usage on stderr (the command then exits SF_ARGS_USAGE). */
int sf_dist_check(const struct sf_args *a, const struct sf_dist_opts *o, const int *required,
                  bool operands_ok);

/* Prints "smartflow CMD: MESSAGE" and the usage on stderr; returns SF_ARGS_USAGE. For the
 * commands' own checks after the options. */
int sf_dist_usage_error(const struct sf_args *a, const char *message);

#endif
