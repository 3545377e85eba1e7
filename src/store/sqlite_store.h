/* Internals of the SQLite store backend shared between its files and its tests: the schema
 * migrations (sqlite_schema.c) and a hook that shows the query plan of every statement the
 * backend runs (for tests/store/test_sqlite_plan.c). */
#ifndef SMARTFLOW_STORE_SQLITE_STORE_H
#define SMARTFLOW_STORE_SQLITE_STORE_H

#include <sqlite3.h>
#include <stddef.h>

#include "smartflow/store.h"

/* The schema version this build creates. */
int sf_sqlite_schema_latest(void);
/* Runs after a migration step's SQL, inside its transaction: 0, or an SF_E* error with why set
 * (the migration is then rolled back). */
typedef int (*sf_sqlite_step_hook)(sqlite3 *db, int version, void *ctx, char *why, size_t cap);
/* Brings db forward to schema version target (0 = the latest) in one transaction, calling hook
 * (may be NULL) after each step; *version receives the version reached. SF_EVERSION when the
 * database is newer than this build, SF_EIO on SQL failure (why names the step), or the hook's
 * error. */
int sf_sqlite_migrate(sqlite3 *db, int target, int *version, sf_sqlite_step_hook hook, void *ctx, char *why,
                      size_t cap);

/* The statements whose plan can be shown. */
enum sf_sqlite_stmt_kind {
  SF_SQLITE_QUERY = 0, /* sf_store_query with q */
  SF_SQLITE_GET,       /* sf_store_get for q->type */
  SF_SQLITE_BY_TRACE,  /* sf_store_prints_by_trace with 3 ids */
  SF_SQLITE_STATS,     /* sf_store_stats_profiles with both bounds */
  SF_SQLITE_COUNT      /* sf_store_count for q->type */
};

/* Writes the EXPLAIN QUERY PLAN detail lines of the SQL the backend would run, one per line,
 * into out. Returns 0, SF_ENOTSUP for a non-SQLite store, or SF_EIO / SF_EINVAL. */
int sf_store_sqlite_explain(struct sf_store *s, enum sf_sqlite_stmt_kind kind, const struct sf_store_query *q,
                            char *out, size_t cap);

/* The backend's sqlite3 handle (borrowed until sf_store_close), or NULL for another backend. */
sqlite3 *sf_store_sqlite_db(struct sf_store *s);

/* Checkpoints completed so far by the checkpointer thread and run by the writer itself (call from
 * the thread that writes). 0, or SF_ENOTSUP for another backend. */
int sf_store_sqlite_checkpoints(struct sf_store *s, long *by_thread, long *by_writer);

#endif
