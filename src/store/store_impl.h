/* The store's backend method table. store.c parses the URL, picks a backend by scheme and
 * forwards every public call to it; a backend implements the calls below over its own handle
 * (impl). Arguments reach a backend already validated (limit capped, filters checked against the
 * record type, ids non-NULL), so backends only translate to their query language. A backend
 * reports detail with sf_store_set_err(). */
#ifndef SMARTFLOW_STORE_IMPL_H
#define SMARTFLOW_STORE_IMPL_H

#include <stdarg.h>

#include "smartflow/store.h"

struct sf_store_backend {
  const char *name;
  /* target: what follows the scheme ("PATH" for sqlite:, "HOST:PORT/DB" for clickhouse://).
   * Sets s->impl on success. */
  int (*open)(struct sf_store *s, const char *target);
  void (*close)(struct sf_store *s);
  int (*write)(struct sf_store *s, const struct sf_record *const *recs, size_t n);
  int (*query)(struct sf_store *s, const struct sf_store_query *q, struct sf_store_result *out);
  int (*get)(struct sf_store *s, enum sf_record_type type, const char *id, struct sf_record *out);
  int (*prints_by_trace)(struct sf_store *s, const char *const *ids, size_t n, struct sf_store_result *out);
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

/* Appends a decoded record to a result (takes ownership of *r's contents). */
int sf_store_result_push(struct sf_store_result *res, struct sf_record *r);

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
