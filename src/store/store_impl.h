/* The store's backend method table. store.c parses the URL, picks a backend by scheme and
 * forwards every public call to it; a backend implements the calls below over its own handle
 * (impl). Arguments reach a backend already validated (limit capped, filters checked against the
 * record type, ids non-NULL), so backends only translate to their query language. A backend
 * reports detail with sf_store_set_err().
 *
 * Reads: a backend runs its SQL and, row after row in order, asks the sink whether the page is
 * full (sf_store_sink_full), rebuilds the record from the row's columns (columns.h) and hands it,
 * with its ordering key and id, to the sink (sf_store_sink_row). The sink, in store.c, is where a
 * record joins a decoded result or is encoded as raw text, where undecodable rows are skipped and
 * counted, and where has_next and the next cursor are set, so the decoded and raw reads share
 * one query per backend and one paging rule. */
#ifndef SMARTFLOW_STORE_IMPL_H
#define SMARTFLOW_STORE_IMPL_H

#include <stdarg.h>

#include "smartflow/jsonw.h"
#include "smartflow/store.h"

/* Where a read's rows go: decoded into res, or checked into raw (exactly one is set). */
struct sf_store_sink {
  struct sf_store *s;
  enum sf_record_type type;
  size_t limit;                /* rows in the page; the row after them sets has_next */
  size_t scanned;              /* rows taken so far (skipped ones included) */
  struct sf_store_cursor last; /* key of the last row taken */
  struct sf_store_result *res;
  struct sf_store_raw_result *raw;
  struct sf_jw text; /* raw reads: the rows' encoded text, each followed by a NUL */
};

/* 1 when the page is already full (has_next and next are then set: stop reading), else 0. */
int sf_store_sink_full(struct sf_store_sink *k);
/* Takes one row: its ordering key, its id column (for messages) and the record rebuilt from its
 * columns (moved in: the sink owns it whatever it returns), or rec NULL and why for a row that
 * could not be rebuilt (skipped, counted and named). Returns 0 or SF_ENOMEM. */
int sf_store_sink_row(struct sf_store_sink *k, int64_t ts, int64_t seq, const char *id, struct sf_record *rec,
                      const char *why);
/* Counts a row the backend could not even split into columns (already named in errmsg). */
void sf_store_sink_skip(struct sf_store_sink *k);

struct sf_store_backend {
  const char *name;
  /* target: what follows the scheme ("PATH" for sqlite:, "HOST:PORT/DB" for clickhouse://).
   * Sets s->impl on success. */
  int (*open)(struct sf_store *s, const char *target);
  void (*close)(struct sf_store *s);
  int (*write)(struct sf_store *s, const struct sf_record *const *recs, size_t n);
  /* Rows of q, at most q->limit + 1 of them, in q's order. */
  int (*query)(struct sf_store *s, const struct sf_store_query *q, struct sf_store_sink *k);
  /* The row whose id column is id, if any. */
  int (*get)(struct sf_store *s, enum sf_record_type type, const char *id, struct sf_store_sink *k);
  /* The option prints with these trace ids, in any order (the sink's caller sorts). */
  int (*prints_by_trace)(struct sf_store *s, const char *const *ids, size_t n, struct sf_store_sink *k);
  int (*stats_profiles)(struct sf_store *s, int64_t from_ts, int64_t to_ts,
                        struct sf_store_profile_stats *out);
  int (*count)(struct sf_store *s, enum sf_record_type type, int64_t *out);
};

struct sf_store {
  const struct sf_store_backend *be;
  void *impl;
  char errmsg[1024];
};

/* Replaces the error detail (printf-style). Returns nothing; callers return their code. */
void sf_store_set_err(struct sf_store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends to the error detail, separated by "; " (used to name several skipped rows). */
void sf_store_append_err(struct sf_store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The column a record type is looked up by: event_id, id (flow packets) or trace_id. */
const char *sf_store_id_col(enum sf_record_type t);

/* The table name of a record type (CONTRACTS.md "Tables"). */
const char *sf_store_table_name(enum sf_record_type t);
/* 1 for market-data types (ordered by ts), 0 for derived ones (ordered by source_ts). */
int sf_store_is_market(enum sf_record_type t);
/* The primary profile's score entry, or NULL when there is no primary profile. */
const struct sf_profile_score *sf_store_primary_score(const struct sf_smart_money_event *e);

extern const struct sf_store_backend sf_store_sqlite_backend;
/* Defined only when SF_HAVE_CLICKHOUSE. */
extern const struct sf_store_backend sf_store_clickhouse_backend;

#endif
