/* The record store: a backend-neutral interface over the tables of shared/CONTRACTS.md
 * ("Tables"), with batched transactional writes and cursor reads. A store is opened from a URL:
 *
 *   sqlite:PATH[?synchronous=full|normal]
 *                               SQLite file (default ./data/smartflow.db; its folder is created);
 *                               sqlite:///abs/path and sqlite::memory: are accepted too.
 *                               synchronous: full (default) makes each committed batch survive a
 *                               power loss; normal survives a process crash but may lose the
 *                               last batches on power loss (src/store/sqlite.c, docs/store.md)
 *   clickhouse://HOST:PORT/DB   ClickHouse (SF_ENOTSUP until that backend is compiled in)
 *
 * Ordering and cursors: market data (option-print, option-nbbo, equity-quote, equity-print) is
 * ordered by (ts, seq) where ts is the wire `ts` in ms (floor of ts_ns); derived records by
 * (source_ts, seq). A cursor is that pair. Pages are strict: "before" a cursor means
 * (ts, seq) < cursor, "after" means (ts, seq) > cursor, so paging with the returned cursor visits
 * every row once provided (ts, seq) is unique per table (seq is monotonic per producer).
 *
 * Storage: one column per record field, JSON text only for nested parts (src/store/columns.h).
 * Reads rebuild each record from its columns; a row that cannot be rebuilt (a column of the wrong
 * type, an unknown enum name, text that is not UTF-8, nested JSON that does not decode) is
 * skipped and counted (sf_store_result.skipped), its id and the failing column are logged and
 * named in sf_store_errmsg(), and the query still succeeds. A skipped row still counts towards
 * the page and moves the cursor.
 *
 * Raw reads (sf_store_query_raw and friends) run the same SQL with the same filters, order,
 * limits and cursors, and hand back each record as JSON text (its canonical encoding,
 * sf_record_encode) for callers that only splice records into a response. They rebuild records
 * exactly as the decoding reads do, so both skip the same rows with the same messages.
 *
 * Threads: a store handle is used by one thread at a time. Open one handle per thread (SQLite
 * in WAL mode lets readers run while a writer commits). */
#ifndef SMARTFLOW_STORE_H
#define SMARTFLOW_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartflow/record.h"

#define SF_STORE_LIMIT_DEFAULT 200
#define SF_STORE_LIMIT_MAX 1000
#define SF_STORE_DEFAULT_SQLITE_PATH "./data/smartflow.db"

struct sf_store;

/* A page boundary: ts in ms (`ts` for market data, `source_ts` for derived records), seq. */
struct sf_store_cursor {
  int64_t ts;
  int64_t seq;
};

enum sf_store_order {
  SF_STORE_NEWEST_FIRST = 0, /* recent and history: rows before the cursor, newest first */
  SF_STORE_OLDEST_FIRST      /* replay: rows after the cursor, oldest first */
};

/* A query over one table. Start from sf_store_query_init(), which sets every filter to "any";
 * a filter that does not apply to the record type is rejected with SF_EINVAL. All filters are
 * combined with AND. Pointers are borrowed until the query call returns. */
struct sf_store_query {
  enum sf_record_type type;
  enum sf_store_order order;
  bool has_cursor;               /* false: from the newest (or oldest) row */
  struct sf_store_cursor cursor; /* exclusive bound, see the file comment */
  size_t limit;                  /* 0 = SF_STORE_LIMIT_DEFAULT; above SF_STORE_LIMIT_MAX is capped */
  int64_t from_ts, to_ts;        /* ms on the ordering ts, from inclusive, to exclusive; SF_TS_NULL = open */

  /* option-print */
  uint32_t sides;                 /* bit (1u << enum sf_nbbo_side) per accepted side; 0 = any */
  uint8_t option_type;            /* enum sf_option_type; SF_OPT_NULL = any */
  double min_notional;            /* notional >= min_notional; NaN = any */
  const char *option_contract_id; /* canonical id; NULL = any (also option-nbbo) */
  /* option-print, equity-quote, equity-print, smart-money */
  const char *const *underlying_ids; /* any of these; NULL or count 0 = any */
  size_t underlying_id_count;

  /* smart-money */
  int profile;        /* primary_profile_id (enum sf_profile); -1 = any */
  int direction;      /* primary_direction (enum sf_direction); -1 = any */
  int abstained;      /* 0 or 1; -1 = any */
  double min_premium; /* features.total_premium >= min_premium; NaN = any */
  int band;           /* confidence band of the primary profile's score (enum sf_band); -1 = any */
};

/* Sets q to "every row of this type, in this order, default limit". */
void sf_store_query_init(struct sf_store_query *q, enum sf_record_type type, enum sf_store_order order);

/* Query results. */
struct sf_store_result {
  struct sf_record *recs; /* owned: free with sf_store_result_free */
  size_t n;
  size_t skipped;              /* rows that could not be decoded (ids in errmsg and the log) */
  bool has_next;               /* more rows lie beyond this page */
  struct sf_store_cursor next; /* when has_next: the cursor for the next page (next_before / next) */
};

/* Frees the records and resets r to empty; safe on a zeroed result. */
void sf_store_result_free(struct sf_store_result *r);

/* One row of a raw read. */
struct sf_store_raw_row {
  const char *json; /* the stored record JSON, borrowed from the result until it is freed */
  size_t len;
  struct sf_store_cursor key; /* the row's ordering key */
  size_t offset;              /* of json in the result's arena */
};

/* Raw query results: rows as stored JSON text, all held in one arena. */
struct sf_store_raw_result {
  struct sf_store_raw_row *rows; /* owned: free with sf_store_raw_result_free */
  size_t n, cap;
  char *arena; /* owned: the rows' text, each NUL-terminated */
  size_t arena_len, arena_cap;
  size_t skipped;              /* rows that failed the check (ids in errmsg and the log) */
  bool has_next;               /* more rows lie beyond this page */
  struct sf_store_cursor next; /* when has_next: the cursor for the next page */
};

/* Frees the rows and their text and resets r to empty; safe on a zeroed result. */
void sf_store_raw_result_free(struct sf_store_raw_result *r);

/* Counts and premium per primary profile over a time range. */
struct sf_store_profile_stat {
  int64_t count;
  int64_t abstained;
  double premium; /* sum of features.total_premium over the events where it is known */
};
struct sf_store_profile_stats {
  struct sf_store_profile_stat profile[SF_PROFILE_COUNT]; /* by enum sf_profile */
  struct sf_store_profile_stat none;                      /* primary_profile_id null */
};

/* Opens a store. On success *out is owned (close with sf_store_close). On failure *out is NULL,
 * the detail is logged (module "store"), and the return is SF_EINVAL (bad URL), SF_ENOTSUP
 * (backend not in this build), SF_EIO (cannot open / create), SF_EVERSION (the database has a
 * newer schema than this build knows) or SF_ENOMEM. */
int sf_store_open(const char *url, struct sf_store **out);
void sf_store_close(struct sf_store *s);

/* The last error's detail ("" when none); borrowed until the next call on the store. */
const char *sf_store_errmsg(const struct sf_store *s);
/* The backend's name ("sqlite", "clickhouse"). */
const char *sf_store_backend_name(const struct sf_store *s);

/* Writes a batch of records of any types in one transaction that is committed before the call
 * returns (acknowledged = committed). A record whose unique key (`id` for flow packets,
 * `event_id` for smart-money events, trace_id otherwise) is already stored is ignored, so a
 * double write stores once. Records are borrowed until the call returns. On error the error is
 * SF_EFIELD (a record lacks what the table needs, or holds text that is not UTF-8; the message
 * names the record and the column; nothing of the batch is stored), SF_EIO or SF_ENOMEM. After
 * SF_EIO / SF_ENOMEM nothing of the batch is stored in SQLite; in ClickHouse part of it may be
 * (a batch is one request per table, and a request cut off by the transport keeps what arrived):
 * writing the batch again completes it without duplicates. */
int sf_store_write(struct sf_store *s, const struct sf_record *const *recs, size_t n);

/* Runs a query; *out is filled (and owned by the caller) on success and left empty on error. */
int sf_store_query(struct sf_store *s, const struct sf_store_query *q, struct sf_store_result *out);

/* One record by id: a flow packet by `id`, a smart-money event by `event_id`, any other type by
 * `trace_id`. out is initialised by the call and owned by the caller (sf_record_fini) when 0 is
 * returned. SF_ENOTFOUND when absent, SF_EPARSE when the stored row cannot be decoded. */
int sf_store_get(struct sf_store *s, enum sf_record_type type, const char *id, struct sf_record *out);

/* Option prints by trace id (at most SF_STORE_LIMIT_MAX ids, else SF_EINVAL), oldest first.
 * Ids that are not stored are simply absent from the result. */
int sf_store_prints_by_trace(struct sf_store *s, const char *const *trace_ids, size_t n,
                             struct sf_store_result *out);

/* The raw twins of sf_store_query, sf_store_get and sf_store_prints_by_trace (see the file
 * comment): same arguments, validation, order, paging and errors, rows as checked JSON text.
 * sf_store_get_raw fills out with exactly one row when it returns 0; SF_EPARSE when the stored
 * row fails the check. *out is owned by the caller on success and left empty on error. */
int sf_store_query_raw(struct sf_store *s, const struct sf_store_query *q, struct sf_store_raw_result *out);
int sf_store_get_raw(struct sf_store *s, enum sf_record_type type, const char *id,
                     struct sf_store_raw_result *out);
int sf_store_prints_by_trace_raw(struct sf_store *s, const char *const *trace_ids, size_t n,
                                 struct sf_store_raw_result *out);

/* Smart-money events with source_ts in [from_ts, to_ts) (SF_TS_NULL = open) grouped by primary
 * profile. */
int sf_store_stats_profiles(struct sf_store *s, int64_t from_ts, int64_t to_ts,
                            struct sf_store_profile_stats *out);

/* Rows stored for a record type. */
int sf_store_count(struct sf_store *s, enum sf_record_type type, int64_t *out);

/* The ordering key of a record as the store sees it: (ts ms, seq) for market data,
 * (source_ts, seq) for derived records. SF_EFIELD when the timestamp is null. */
int sf_store_record_key(const struct sf_record *r, struct sf_store_cursor *out);

/* Whether a record has what a table needs beyond its type (a trace_id, the ordering timestamp,
 * its id, its contract or underlying). Returns 0, or SF_EFIELD with *why (static text) naming
 * the field. */
int sf_store_record_check(const struct sf_record *r, const char **why);

#endif
