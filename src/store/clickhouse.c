/* The ClickHouse store backend, over ClickHouse's HTTP interface with libcurl.
 *
 * Tables (schema version 2) have the columns of store/columns.h, the same as SQLite's: one per
 * record field, JSON text only for nested parts, Array(String) for plain string arrays. Engine
 * ReplacingMergeTree, ORDER BY the ordering key plus the record's unique id ((ts, seq, trace_id)
 * for market data, (source_ts, seq, id) for derived records), partitioned by day: a record
 * written twice (a retry, a replay) has the same sorting key, so merges keep one row, and reads
 * use FINAL so it is read back once even before a merge.
 *
 * Writes: a batch is grouped by table and sent as one `INSERT … FORMAT RowBinary` request per
 * table (never one request per row): values are encoded in binary, never spliced into SQL text.
 * The body is encoded piece by piece while it is sent (chunked), so the server parses one piece
 * while the next is encoded (about twice the rows/s of encoding first, then sending). Every record
 * is checked before the first byte is sent (sf_store_record_check, sf_cols_check), so a batch that
 * cannot be encoded stores nothing. A request cut off part way by the transport (or by running
 * out of memory mid-body) can leave the rows that reached the server stored: ClickHouse 18.16
 * takes an interrupted chunked body as ended. The request is then retried whole (and the caller
 * retries the batch on error), and since a row has the same sorting key every time, the retry
 * completes the batch without duplicates.
 * Reads ask for `FORMAT RowBinary` too and rebuild each record from its columns. Query filters
 * are the only values in SQL text: integers are printed, strings are quoted with backslash
 * escaping of \ and ' (ClickHouse string literal rules), and identifiers come from fixed tables.
 * A batch that spans several tables is not atomic across them; a retry of the whole batch is
 * harmless because of the deduplication above.
 *
 * Robustness: connect and request timeouts, up to 4 attempts with exponential backoff on
 * connection failures and 5xx answers, and errors that carry the server's own message.
 *
 * SQL and formats are kept to what both the Debian clickhouse-server (18.16) and current
 * releases accept: no query parameters, no tuple comparison, no LowCardinality, RowBinary. */
#include "smartflow/version.h"
#if SF_HAVE_CLICKHOUSE
#include <curl/curl.h>
#endif
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smartflow/err.h"
#include "smartflow/jsonw.h"
#include "smartflow/log.h"
#include "smartflow/record_json.h"
#include "smartflow/time.h"
#include "store/columns.h"
#include "store/store_impl.h"

#if SF_HAVE_CLICKHOUSE

#define CH_SCHEMA_VERSION 2
#define CH_ATTEMPTS 4

struct ch {
  CURL *curl;
  char base[256]; /* http://host:port/ */
  char db[128];
  struct sf_cols_scratch scratch; /* JSON columns' text, reused row after row */
};

struct buf {
  char *p;
  size_t n, cap;
  int oom;
};

static void buf_add(struct buf *b, const char *s, size_t len) {
  if (b->oom) return;
  if (b->n + len + 1 > b->cap) {
    size_t ncap = b->cap ? b->cap * 2 : 4096;
    while (ncap < b->n + len + 1) ncap *= 2;
    char *np = realloc(b->p, ncap);
    if (!np) {
      b->oom = 1;
      return;
    }
    b->p = np;
    b->cap = ncap;
  }
  memcpy(b->p + b->n, s, len);
  b->n += len;
  b->p[b->n] = '\0';
}

static void buf_str(struct buf *b, const char *s) { buf_add(b, s, strlen(s)); }

static void buf_fmt(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_fmt(struct buf *b, const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0) buf_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* A quoted ClickHouse string literal: '…' with \ and ' escaped, control bytes as \xHH. */
static void buf_quote(struct buf *b, const char *s) {
  buf_add(b, "'", 1);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '\\' || *p == '\'') {
      char e[2] = {'\\', (char)*p};
      buf_add(b, e, 2);
    } else if (*p < 0x20) {
      char e[5];
      snprintf(e, sizeof e, "\\x%02x", *p);
      buf_add(b, e, 4);
    } else {
      buf_add(b, (const char *)p, 1);
    }
  }
  buf_add(b, "'", 1);
}

static size_t on_write(char *p, size_t sz, size_t n, void *ud) {
  struct buf *b = ud;
  buf_add(b, p, sz * n);
  return b->oom ? 0 : sz * n;
}

/* A request body produced while it is sent (chunked transfer): fill appends the next piece to
 * out and returns 0 (with nothing appended at the end of the body) or an SF_E* error (why set);
 * rewind starts the body again for a retry. */
struct ch_stream {
  int (*fill)(void *ctx, struct buf *out);
  void (*rewind)(void *ctx);
  void *ctx;
  struct buf piece; /* the piece being sent */
  size_t off;       /* bytes of piece already handed to curl */
  int err;          /* fill's error, which aborted the transfer */
};

static size_t on_read(char *dst, size_t size, size_t nitems, void *ud) {
  struct ch_stream *st = ud;
  size_t cap = size * nitems;
  while (st->off == st->piece.n) {
    st->piece.n = 0;
    st->off = 0;
    int rc = st->fill(st->ctx, &st->piece);
    if (!rc && st->piece.oom) rc = SF_ENOMEM;
    if (rc) {
      st->err = rc;
      return CURL_READFUNC_ABORT;
    }
    if (st->piece.n == 0) return 0; /* the end of the body */
  }
  size_t k = st->piece.n - st->off < cap ? st->piece.n - st->off : cap;
  memcpy(dst, st->piece.p + st->off, k);
  st->off += k;
  return k;
}

/* Runs one statement. query goes in the URL (for INSERT … FORMAT) when a body (body, or the
 * stream) is given, else the statement is the POST body. The response body lands in out (may be
 * NULL). */
static int ch_exec_body(struct sf_store *s, const char *query, const char *body, size_t body_len,
                        struct ch_stream *stream, struct buf *out) {
  struct ch *c = s->impl;
  struct buf resp = {0};
  char *esc = NULL;
  int rc = SF_EIO;
  struct buf url = {0};
  struct curl_slist *hdrs = NULL;
  buf_str(&url, c->base);
  buf_str(&url, "?database=");
  buf_str(&url, c->db);
  if (body || stream) {
    esc = curl_easy_escape(c->curl, query, 0);
    if (!esc) return SF_ENOMEM;
    buf_str(&url, "&query=");
    buf_str(&url, esc);
  }
  if (stream) {
    /* One INSERT is one block: nothing of it is stored unless all of it arrives. */
    buf_str(&url, "&max_insert_block_size=100000000");
    hdrs = curl_slist_append(NULL, "Expect:");
    if (!hdrs) goto done;
  }
  if (url.oom) goto done;
  long backoff_ms = 100;
  for (int attempt = 1; attempt <= CH_ATTEMPTS; attempt++) {
    resp.n = 0;
    if (resp.p) resp.p[0] = '\0';
    curl_easy_setopt(c->curl, CURLOPT_URL, url.p);
    curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
    if (stream) {
      stream->rewind(stream->ctx);
      stream->piece.n = stream->off = 0;
      stream->err = 0;
      curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, NULL);
      curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)-1);
      curl_easy_setopt(c->curl, CURLOPT_READFUNCTION, on_read);
      curl_easy_setopt(c->curl, CURLOPT_READDATA, stream);
    } else {
      curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body ? body : query);
      curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_len : strlen(query)));
    }
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &resp);
    CURLcode cc = curl_easy_perform(c->curl);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
    long status = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    if (cc == CURLE_OK && status == 200) {
      rc = 0;
      break;
    }
    if (stream && stream->err) { /* the body itself failed: the fill set the message */
      rc = stream->err;
      break;
    }
    int retry = cc != CURLE_OK || status >= 500;
    if (cc != CURLE_OK)
      sf_store_set_err(s, "clickhouse %s: %s", c->base, curl_easy_strerror(cc));
    else
      sf_store_set_err(s, "clickhouse answered %ld: %.600s", status, resp.p ? resp.p : "");
    /* 5xx from a statement error (bad SQL) is not transient; ClickHouse reports those with a
     * "Code: " prefix, and so do real server faults. Retry only what may pass next time. */
    if (cc == CURLE_OK && resp.p && strstr(resp.p, "Code: 62")) retry = 0; /* syntax error */
    if (!retry || attempt == CH_ATTEMPTS) break;
    sf_log_warn("store", "%s; retrying in %ld ms (attempt %d of %d)", s->errmsg, backoff_ms, attempt + 1,
                CH_ATTEMPTS);
    struct timespec ts = {backoff_ms / 1000, (backoff_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    backoff_ms *= 4;
  }
  if (rc == 0 && out) {
    *out = resp;
    resp.p = NULL;
  }
done:
  free(resp.p);
  free(url.p);
  curl_free(esc);
  curl_slist_free_all(hdrs);
  return rc;
}

static int ch_exec(struct sf_store *s, const char *query, const char *body, size_t body_len,
                   struct buf *out) {
  return ch_exec_body(s, query, body, body_len, NULL, out);
}

/* ---- column types ---- */

/* The ClickHouse type of a column (columns.h). No column is Nullable: a Nullable column is a
 * second stream (its null map) in every part, which made inserts of the 40-column option prints
 * markedly slower, and the record model has its own nulls that ClickHouse stores as they are: a
 * null number is NaN (Float64 holds it; comparisons with it are false, as with NULL), a null
 * timestamp SF_TS_NULL (INT64_MIN), a null tri-state -1, a null string or enum name "", an empty
 * array []. Reads turn these back into null cells. Each marker is the record's own null of that
 * field, so no valid value is taken for null: an Int64 column that is never null (seq, size)
 * reads INT64_MIN as a value; a never-null Int8 (aggressor) reads -1 as a value; the record model
 * has no empty string or empty array distinct from null (char buffers, string vectors). */
enum ch_base { CH_I64, CH_F64, CH_I8, CH_U8, CH_STR, CH_ARR };
struct ch_type {
  uint8_t base;
  uint8_t tribool; /* Int8 where -1 is null */
};

static struct ch_type ch_type_of(const struct sf_col *c) {
  switch (c->kind) {
    case SF_COL_I64:
    case SF_COL_TS:
    case SF_COL_TS_MS:
      return (struct ch_type){CH_I64, 0};
    case SF_COL_NUM:
      return (struct ch_type){CH_F64, 0};
    case SF_COL_TRIBOOL:
      return (struct ch_type){CH_I8, 1};
    case SF_COL_I8:
      return (struct ch_type){CH_I8, 0};
    case SF_COL_BOOL:
      return (struct ch_type){CH_U8, 0};
    case SF_COL_STRVEC:
    case SF_COL_COND:
      return (struct ch_type){CH_ARR, 0};
    case SF_COL_PRIMARY:
      return c->what == 0 ? (struct ch_type){CH_STR, 0} : (struct ch_type){CH_F64, 0};
    default:
      return (struct ch_type){CH_STR, 0};
  }
}

static void type_sql(struct buf *b, struct ch_type t) {
  static const char *const names[] = {"Int64", "Float64", "Int8", "UInt8", "String", "Array(String)"};
  buf_str(b, names[t.base]);
}

/* ---- schema ---- */

/* CREATE TABLE of schema version 2 for a record type, from its columns: ReplacingMergeTree
 * ordered by (ordering ts, seq, id), partitioned by day of the ordering ts. */
static void ddl_v2(struct buf *b, enum sf_record_type t) {
  size_t n;
  const struct sf_col *cols = sf_cols_of(t, &n);
  buf_fmt(b, "CREATE TABLE IF NOT EXISTS %s (", sf_store_table_name(t));
  for (size_t i = 0; i < n; i++) {
    buf_fmt(b, "%s%s ", i ? ", " : "", cols[i].name);
    type_sql(b, ch_type_of(&cols[i]));
  }
  const char *ts = sf_store_is_market(t) ? "ts" : "source_ts";
  buf_fmt(b, ") ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMMDD(toDateTime(intDiv(%s, 1000)))", ts);
  buf_fmt(b, " ORDER BY (%s, seq, %s)", ts, sf_store_id_col(t));
}

static int ch_write(struct sf_store *s, const struct sf_record *const *recs, size_t n);

/* Schema 2's conversion of one v1 table (kept as <table>_v1 by the rename): its rows are read in
 * pages in key order, each row's json decoded and written to the new table. A row that does not
 * decode (v1 reads skipped it too) is logged with its key and reason; the v1 table is dropped
 * when every row converted, else kept whole for inspection. */
static int convert_v1_table(struct sf_store *s, enum sf_record_type t) {
  const char *ts = sf_store_is_market(t) ? "ts" : "source_ts";
  const char *table = sf_store_table_name(t);
  int64_t cur_ts = INT64_MIN, cur_seq = INT64_MIN;
  size_t rejected = 0, moved = 0;
  int rc = 0;
  for (;;) {
    struct buf q = {0}, resp = {0};
    buf_fmt(&q, "SELECT %s, seq, json FROM %s_v1 FINAL WHERE %s > %lld OR (%s = %lld AND seq > %lld)", ts,
            table, ts, (long long)cur_ts, ts, (long long)cur_ts, (long long)cur_seq);
    buf_fmt(&q, " ORDER BY %s, seq LIMIT 20000 FORMAT TabSeparatedRaw", ts);
    rc = q.oom ? SF_ENOMEM : ch_exec(s, q.p, NULL, 0, &resp);
    free(q.p);
    if (rc) return rc;
    struct sf_record *recs = NULL;
    const struct sf_record **ptrs = NULL;
    size_t nrec = 0, cap = 0, rows = 0;
    for (char *p = resp.p; !rc && p && *p;) {
      char *nl = strchr(p, '\n');
      if (nl) *nl = '\0';
      char *f1 = strchr(p, '\t'), *f2 = f1 ? strchr(f1 + 1, '\t') : NULL;
      if (f2) {
        rows++;
        cur_ts = strtoll(p, NULL, 10);
        cur_seq = strtoll(f1 + 1, NULL, 10);
        json_error_t je;
        json_t *j = json_loads(f2 + 1, 0, &je);
        struct sf_errbuf eb = {{0}};
        if (nrec == cap) {
          cap = cap ? cap * 2 : 1024;
          struct sf_record *nr = realloc(recs, cap * sizeof *nr);
          if (!nr)
            rc = SF_ENOMEM;
          else
            recs = nr;
        }
        const char *w = NULL;
        int drc = !j ? SF_EPARSE : rc ? rc : sf_record_from_json(t, j, &recs[nrec], &eb);
        if (!drc && sf_store_record_check(&recs[nrec], &w)) {
          sf_record_fini(&recs[nrec]);
          drc = SF_EFIELD;
        }
        json_decref(j);
        if (drc == SF_ENOMEM) rc = drc;
        if (!drc) {
          nrec++;
        } else if (!rc) {
          rejected++;
          sf_log_warn("store", "clickhouse schema 2: %s row (%lld, %lld) left in %s_v1: %s", table,
                      (long long)cur_ts, (long long)cur_seq, table,
                      !j          ? je.text
                      : w         ? w
                      : eb.msg[0] ? eb.msg
                                  : sf_strerror(drc));
        }
      }
      p = nl ? nl + 1 : NULL;
    }
    free(resp.p);
    if (!rc && nrec) {
      ptrs = calloc(nrec, sizeof *ptrs);
      if (!ptrs) rc = SF_ENOMEM;
      for (size_t i = 0; !rc && i < nrec; i++) ptrs[i] = &recs[i];
      if (!rc) rc = ch_write(s, ptrs, nrec);
    }
    moved += rc ? 0 : nrec;
    for (size_t i = 0; i < nrec; i++) sf_record_fini(&recs[i]);
    free(recs);
    free(ptrs);
    if (rc || rows < 20000) break;
  }
  if (rc) return rc;
  if (moved || rejected)
    sf_log_info("store", "clickhouse schema 2: %s: %zu rows converted, %zu left in %s_v1", table, moved,
                rejected, table);
  if (!rejected) {
    char q[160];
    snprintf(q, sizeof q, "DROP TABLE %s_v1", table);
    rc = ch_exec(s, q, NULL, 0, NULL);
  }
  return rc;
}

/* Forward migrations. 1: the v1 tables (record JSON in `json`); 2: per-field columns, the v1
 * tables renamed to <table>_v1, converted and dropped. A database at 0 starts at 2 directly.
 * ClickHouse has no transactions: each step records its version only once it has completed, and
 * every statement of step 2 can be run again (a rename is skipped when the v1 table exists, the
 * conversion writes through deduplicating tables), so an interrupted migration resumes. */
static int ch_migrate(struct sf_store *s) {
  int rc = ch_exec(s,
                   "CREATE TABLE IF NOT EXISTS schema_version (version UInt32, applied_at DateTime)"
                   " ENGINE = ReplacingMergeTree() ORDER BY version",
                   NULL, 0, NULL);
  if (rc) return rc;
  struct buf out = {0};
  rc = ch_exec(s, "SELECT max(version) FROM schema_version FORMAT TabSeparated", NULL, 0, &out);
  if (rc) return rc;
  int have = out.p ? atoi(out.p) : 0;
  free(out.p);
  if (have > CH_SCHEMA_VERSION) {
    sf_store_set_err(s, "database schema version %d is newer than this build's %d", have, CH_SCHEMA_VERSION);
    return SF_EVERSION;
  }
  if (have == CH_SCHEMA_VERSION) return 0;
  if (have == 1) {
    for (int t = 0; t < SF_REC__COUNT && !rc; t++) {
      char q[300];
      const char *name = sf_store_table_name((enum sf_record_type)t);
      snprintf(q, sizeof q,
               "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = '%s_v1'"
               " FORMAT TabSeparated",
               name);
      struct buf r = {0};
      rc = ch_exec(s, q, NULL, 0, &r);
      int exists = !rc && r.p && atoi(r.p) > 0;
      free(r.p);
      if (!rc && !exists) {
        snprintf(q, sizeof q, "RENAME TABLE %s TO %s_v1", name, name);
        rc = ch_exec(s, q, NULL, 0, NULL);
      }
    }
  }
  for (int t = 0; t < SF_REC__COUNT && !rc; t++) {
    struct buf b = {0};
    ddl_v2(&b, (enum sf_record_type)t);
    rc = b.oom ? SF_ENOMEM : ch_exec(s, b.p, NULL, 0, NULL);
    free(b.p);
  }
  if (have == 1)
    for (int t = 0; t < SF_REC__COUNT && !rc; t++) rc = convert_v1_table(s, (enum sf_record_type)t);
  if (!rc) rc = ch_exec(s, "INSERT INTO schema_version VALUES (2, now())", NULL, 0, NULL);
  return rc;
}

static void ch_close(struct sf_store *s) {
  struct ch *c = s->impl;
  if (!c) return;
  if (c->curl) curl_easy_cleanup(c->curl);
  sf_cols_scratch_fini(&c->scratch);
  free(c);
  s->impl = NULL;
}

static int ch_open(struct sf_store *s, const char *target) {
  struct ch *c = calloc(1, sizeof *c);
  if (!c) return SF_ENOMEM;
  s->impl = c;
  sf_cols_scratch_init(&c->scratch);
  const char *slash = strchr(target, '/');
  if (!slash || (size_t)(slash - target) >= 200 || strlen(slash + 1) >= sizeof c->db) {
    sf_store_set_err(s, "bad clickhouse target '%s'", target);
    ch_close(s);
    return SF_EINVAL;
  }
  snprintf(c->base, sizeof c->base, "http://%.*s/", (int)(slash - target), target);
  snprintf(c->db, sizeof c->db, "%s", slash + 1);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  c->curl = curl_easy_init();
  if (!c->curl) {
    ch_close(s);
    return SF_ENOMEM;
  }
  curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
  curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, 60000L);
  curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c->curl, CURLOPT_TCP_KEEPALIVE, 1L);
  /* The database itself: created in the server's default database context. */
  char saved[sizeof c->db];
  memcpy(saved, c->db, sizeof saved);
  snprintf(c->db, sizeof c->db, "default");
  struct buf q = {0};
  buf_str(&q, "CREATE DATABASE IF NOT EXISTS ");
  buf_str(&q, saved); /* validated by store.c: letters, digits, '_' */
  int rc = q.oom ? SF_ENOMEM : ch_exec(s, q.p, NULL, 0, NULL);
  free(q.p);
  memcpy(c->db, saved, sizeof saved);
  if (!rc) rc = ch_migrate(s);
  if (rc) {
    char keep[sizeof s->errmsg];
    memcpy(keep, s->errmsg, sizeof keep);
    ch_close(s);
    memcpy(s->errmsg, keep, sizeof keep);
  }
  return rc;
}

/* ---- RowBinary ---- */

static void rb_varint(struct buf *b, uint64_t v) {
  unsigned char tmp[10];
  size_t n = 0;
  do {
    unsigned char byte = (unsigned char)(v & 0x7f);
    v >>= 7;
    if (v) byte |= 0x80;
    tmp[n++] = byte;
  } while (v);
  buf_add(b, (const char *)tmp, n);
}

/* Little-endian fixed-width integers and IEEE doubles: RowBinary's byte order is the host's here
 * (the #error below refuses a big-endian build). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the ClickHouse RowBinary codec assumes a little-endian host"
#endif
static void rb_fixed(struct buf *b, const void *p, size_t n) { buf_add(b, (const char *)p, n); }

static void rb_str(struct buf *b, const char *s, size_t n) {
  rb_varint(b, n);
  buf_add(b, s, n);
}

/* Appends one cell in the column's RowBinary form, a null cell as the type's null value. */
static int rb_cell(struct buf *b, struct ch_type ty, const struct sf_cell *c) {
  switch (ty.base) {
    case CH_I64: {
      int64_t v = c->t == SF_CELL_INT ? c->i : SF_TS_NULL;
      rb_fixed(b, &v, 8);
      return 0;
    }
    case CH_F64: {
      double v = c->t == SF_CELL_REAL ? c->d : c->t == SF_CELL_INT ? (double)c->i : SF_NULL;
      rb_fixed(b, &v, 8);
      return 0;
    }
    case CH_I8:
    case CH_U8: {
      int8_t v = (int8_t)(c->t == SF_CELL_INT ? c->i : ty.tribool ? -1 : 0);
      rb_fixed(b, &v, 1);
      return 0;
    }
    case CH_STR:
      if (c->t == SF_CELL_TEXT)
        rb_str(b, c->s, c->n);
      else
        rb_varint(b, 0);
      return 0;
    case CH_ARR: {
      size_t n = c->t == SF_CELL_ARRAY ? sf_cell_array_len(c) : 0;
      rb_varint(b, n);
      for (size_t i = 0; i < n; i++) {
        const char *s = sf_cell_array_at(c, i);
        rb_str(b, s, strlen(s));
      }
      return 0;
    }
    default:
      return SF_EINVAL;
  }
}

/* A RowBinary reader over a response body. */
struct rb {
  const unsigned char *p, *end;
  int bad;
};

static int rb_need(struct rb *r, size_t n) {
  if (r->bad || (size_t)(r->end - r->p) < n) {
    r->bad = 1;
    return 0;
  }
  return 1;
}

static uint64_t rb_get_varint(struct rb *r) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (!rb_need(r, 1)) return 0;
    unsigned char byte = *r->p++;
    v |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return v;
  }
  r->bad = 1;
  return 0;
}

static int64_t rb_get_i64(struct rb *r) {
  int64_t v = 0;
  if (rb_need(r, 8)) {
    memcpy(&v, r->p, 8);
    r->p += 8;
  }
  return v;
}

static const char *rb_get_str(struct rb *r, size_t *n) {
  uint64_t len = rb_get_varint(r);
  if (!rb_need(r, (size_t)len)) return NULL;
  const char *s = (const char *)r->p;
  r->p += len;
  *n = (size_t)len;
  return s;
}

/* Reads one cell of a column of type ty into rec (arrays item by item). */
static int rb_read_col(struct rb *r, struct ch_type ty, struct sf_record *rec, const struct sf_col *col,
                       char *why, size_t cap) {
  struct sf_cell c = {0};
  switch (ty.base) {
    case CH_I64:
      c.t = SF_CELL_INT;
      c.i = rb_get_i64(r);
      /* INT64_MIN is null in a timestamp column only (as in the record: SF_TS_NULL); in a never-null
       * integer column (seq, size, event_window_ms) it is a value. */
      if (c.i == SF_TS_NULL && col->kind != SF_COL_I64) c.t = SF_CELL_NULL;
      break;
    case CH_F64:
      c.t = SF_CELL_REAL;
      if (rb_need(r, 8)) {
        memcpy(&c.d, r->p, 8);
        r->p += 8;
      }
      if (isnan(c.d)) c.t = SF_CELL_NULL;
      break;
    case CH_I8:
    case CH_U8:
      c.t = SF_CELL_INT;
      if (rb_need(r, 1)) {
        c.i = ty.base == CH_I8 ? (int64_t)(int8_t)*r->p : (int64_t)*r->p;
        r->p++;
      }
      if (ty.tribool && c.i == -1) c.t = SF_CELL_NULL;
      break;
    case CH_STR:
      c.t = SF_CELL_TEXT;
      c.s = rb_get_str(r, &c.n);
      if (c.s && c.n == 0) c.t = SF_CELL_NULL; /* "" is null */
      break;
    case CH_ARR: {
      uint64_t n = rb_get_varint(r);
      if (sf_col_readable(col)) sf_col_array_begin(rec, col);
      int rc = 0;
      for (uint64_t i = 0; i < n && !r->bad; i++) {
        size_t len = 0;
        const char *s = rb_get_str(r, &len);
        if (s && !rc && sf_col_readable(col)) rc = sf_col_array_push(rec, col, s, len, why, cap);
      }
      return r->bad ? SF_EPARSE : rc;
    }
    default:
      return SF_EPARSE;
  }
  if (r->bad) return SF_EPARSE;
  return sf_col_set(rec, col, &c, why, cap);
}

/* ---- writes ---- */

/* Appends the RowBinary row of a record to b. Returns 0 or an error with why set. */
static int row_encode(struct ch *c, const struct sf_record *r, struct buf *b, char *why, size_t cap) {
  size_t n;
  const struct sf_col *cols = sf_cols_of(r->type, &n);
  for (size_t i = 0; i < n; i++) {
    struct sf_cell cell;
    int rc = sf_col_get(r, &cols[i], i, &c->scratch, &cell);
    if (rc) {
      snprintf(why, cap, "column %s: %s", cols[i].name,
               rc == SF_EINVAL ? "a string is not valid UTF-8" : sf_strerror(rc));
      return rc == SF_EINVAL ? SF_EFIELD : rc;
    }
    rc = rb_cell(b, ch_type_of(&cols[i]), &cell);
    if (rc) {
      snprintf(why, cap, "column %s: cannot encode", cols[i].name);
      return rc;
    }
  }
  return b->oom ? SF_ENOMEM : 0;
}

/* The rows of one table of a batch, encoded piece by piece while the request is sent, so that
 * the encoding of a piece overlaps the server's parsing of the previous ones. */
#define CH_PIECE_ROWS 256
struct write_stream {
  struct sf_store *s;
  const struct sf_record *const *recs;
  size_t n, next;
  enum sf_record_type type;
};

static void ws_rewind(void *ctx) { ((struct write_stream *)ctx)->next = 0; }

static int ws_fill(void *ctx, struct buf *out) {
  struct write_stream *w = ctx;
  struct ch *c = w->s->impl;
  for (size_t rows = 0; w->next < w->n && rows < CH_PIECE_ROWS; w->next++) {
    const struct sf_record *r = w->recs[w->next];
    if (r->type != w->type) continue;
    char why[300];
    int rc = row_encode(c, r, out, why, sizeof why);
    if (rc) {
      sf_store_set_err(w->s, "write: record %zu (%s %s): %s", w->next, sf_record_type_name(r->type),
                       sf_record_meta(r)->trace_id, why);
      return rc;
    }
    rows++;
  }
  return 0;
}

static int ch_write(struct sf_store *s, const struct sf_record *const *recs, size_t n) {
  unsigned present = 0;
  for (size_t i = 0; i < n; i++) {
    const char *why = NULL, *col = NULL;
    if (sf_store_record_check(recs[i], &why) != 0) {
      sf_store_set_err(s, "record %zu (%s): %s", i, sf_record_type_name(recs[i]->type), why);
      return SF_EFIELD;
    }
    if (sf_cols_check(recs[i], &col) != 0) {
      sf_store_set_err(s, "write: record %zu (%s %s): column %s: a string is not valid UTF-8", i,
                       sf_record_type_name(recs[i]->type), sf_record_meta(recs[i])->trace_id, col);
      return SF_EFIELD;
    }
    present |= 1u << recs[i]->type;
  }
  int rc = 0;
  struct ch_stream st = {ws_fill, ws_rewind, NULL, {0}, 0, 0};
  for (int t = 0; t < SF_REC__COUNT && !rc; t++) {
    if (!(present & (1u << t))) continue;
    struct write_stream w = {s, recs, n, 0, (enum sf_record_type)t};
    st.ctx = &w;
    char q[160];
    snprintf(q, sizeof q, "INSERT INTO %s FORMAT RowBinary", sf_store_table_name((enum sf_record_type)t));
    rc = ch_exec_body(s, q, NULL, 0, &st, NULL);
  }
  free(st.piece.p);
  if (rc == SF_ENOMEM && !s->errmsg[0]) sf_store_set_err(s, "write: out of memory");
  return rc;
}

/* ---- reads ---- */

static const char *ts_col(enum sf_record_type t) { return sf_store_is_market(t) ? "ts" : "source_ts"; }
static const char *id_col(enum sf_record_type t) { return sf_store_id_col(t); }

/* "SELECT ts, seq, id, col, ... FROM table FINAL" over the readable columns. */
static void select_head(struct buf *b, enum sf_record_type t) {
  size_t n;
  const struct sf_col *cols = sf_cols_of(t, &n);
  buf_fmt(b, "SELECT %s, seq, %s", ts_col(t), id_col(t));
  for (size_t i = 0; i < n; i++)
    if (sf_col_readable(&cols[i])) buf_fmt(b, ", %s", cols[i].name);
  buf_fmt(b, " FROM %s FINAL", sf_store_table_name(t));
}

/* Hands the RowBinary rows (ts, seq, id, columns...) to the sink until it is full. A row is
 * rebuilt in full before the next is read, so a row whose column fails still leaves the reader at
 * the next row; a truncated body stops the read with SF_EIO. */
static int read_rows(struct sf_store *s, const struct buf *resp, struct sf_store_sink *k) {
  struct rb r = {(const unsigned char *)resp->p, (const unsigned char *)resp->p + resp->n, 0};
  size_t n;
  const struct sf_col *cols = sf_cols_of(k->type, &n);
  while (r.p < r.end) {
    if (sf_store_sink_full(k)) return 0;
    int64_t ts = rb_get_i64(&r), seq = rb_get_i64(&r);
    size_t idlen = 0;
    const char *ids = rb_get_str(&r, &idlen);
    char id[SF_ID_MAX + 1] = "";
    if (ids) snprintf(id, sizeof id, "%.*s", (int)(idlen < SF_ID_MAX ? idlen : SF_ID_MAX), ids);
    struct sf_record rec;
    sf_record_init(&rec, k->type);
    char why[300] = "";
    int drc = 0;
    for (size_t i = 0; i < n && !r.bad; i++) {
      if (!sf_col_readable(&cols[i])) continue;
      char cwhy[300];
      int crc = rb_read_col(&r, ch_type_of(&cols[i]), &rec, &cols[i], cwhy, sizeof cwhy);
      if (crc == SF_ENOMEM) {
        sf_record_fini(&rec);
        return crc;
      }
      if (crc && !drc) {
        drc = crc;
        snprintf(why, sizeof why, "%s", cwhy);
      }
    }
    if (r.bad) {
      sf_record_fini(&rec);
      sf_store_set_err(s, "clickhouse: truncated RowBinary answer (row %s)", id);
      return SF_EIO;
    }
    if (drc) sf_record_fini(&rec);
    int rc = sf_store_sink_row(k, ts, seq, id, drc ? NULL : &rec, why);
    if (rc) return rc;
  }
  return 0;
}

static void add_in(struct buf *b, const char *col, const char *const *vals, size_t n) {
  buf_fmt(b, " AND %s IN (", col);
  for (size_t i = 0; i < n; i++) {
    if (i) buf_str(b, ",");
    buf_quote(b, vals[i]);
  }
  buf_str(b, ")");
}

static void add_str_eq(struct buf *b, const char *col, const char *v) {
  buf_fmt(b, " AND %s = ", col);
  buf_quote(b, v);
}

static int run_select(struct sf_store *s, struct buf *sql, struct sf_store_sink *k) {
  buf_str(sql, " FORMAT RowBinary");
  if (sql->oom) return SF_ENOMEM;
  struct buf resp = {0};
  int rc = ch_exec(s, sql->p, NULL, 0, &resp);
  if (!rc) rc = read_rows(s, &resp, k);
  free(resp.p);
  return rc;
}

/* The WHERE conditions of a query (" AND ..." each). */
static void query_filters(const struct sf_store_query *q, struct buf *b) {
  const char *ts = ts_col(q->type);
  int desc = q->order == SF_STORE_NEWEST_FIRST;
  if (q->has_cursor)
    buf_fmt(b, " AND (%s %s %lld OR (%s = %lld AND seq %s %lld))", ts, desc ? "<" : ">",
            (long long)q->cursor.ts, ts, (long long)q->cursor.ts, desc ? "<" : ">", (long long)q->cursor.seq);
  if (q->from_ts != SF_TS_NULL) buf_fmt(b, " AND %s >= %lld", ts, (long long)q->from_ts);
  if (q->to_ts != SF_TS_NULL) buf_fmt(b, " AND %s < %lld", ts, (long long)q->to_ts);
  if (q->sides) {
    const char *names[SF_SIDE__COUNT];
    size_t n_sides = 0;
    for (int i = 1; i < SF_SIDE__COUNT; i++)
      if (q->sides & (1u << i)) names[n_sides++] = sf_side_name((enum sf_nbbo_side)i);
    if (n_sides)
      add_in(b, "nbbo_side", names, n_sides);
    else
      buf_str(b, " AND 0");
  }
  if (q->option_type != SF_OPT_NULL) add_str_eq(b, "option_type", sf_option_type_name(q->option_type));
  if (!sf_is_null(q->min_notional)) buf_fmt(b, " AND notional >= %.17g", q->min_notional);
  if (q->option_contract_id) add_str_eq(b, "option_contract_id", q->option_contract_id);
  if (q->underlying_id_count) add_in(b, "underlying_id", q->underlying_ids, q->underlying_id_count);
  if (q->profile >= 0) add_str_eq(b, "primary_profile_id", sf_profile_name(q->profile));
  if (q->direction >= 0) add_str_eq(b, "primary_direction", sf_direction_name(q->direction));
  if (q->abstained >= 0) buf_fmt(b, " AND abstained = %d", q->abstained ? 1 : 0);
  if (!sf_is_null(q->min_premium)) buf_fmt(b, " AND total_premium >= %.17g", q->min_premium);
  if (q->band >= 0) add_str_eq(b, "band", sf_band_name(q->band));
}

/* A page is read in one statement with two passes: a subquery finds the page over the key and
 * filter columns alone, and its oldest (newest, for replay) ts bounds the outer read of whole
 * rows, so the sorting key prunes that read to the page's granules instead of every column of
 * every row. The outer read applies the same filters, order and limit, so it returns the same
 * rows as a single pass would. */
static int ch_query(struct sf_store *s, const struct sf_store_query *q, struct sf_store_sink *k) {
  enum sf_record_type t = q->type;
  const char *ts = ts_col(t);
  int desc = q->order == SF_STORE_NEWEST_FIRST;
  const char *dir = desc ? "DESC" : "ASC";
  struct buf f = {0}, b = {0};
  query_filters(q, &f);
  select_head(&b, t);
  buf_str(&b, " WHERE 1");
  buf_str(&b, f.p ? f.p : "");
  buf_fmt(&b, " AND %s %s (SELECT %s(%s) FROM (SELECT %s FROM %s FINAL WHERE 1", ts,
          desc ? ">=" : "<=", desc ? "min" : "max", ts, ts, sf_store_table_name(t));
  buf_str(&b, f.p ? f.p : "");
  buf_fmt(&b, " ORDER BY %s %s, seq %s LIMIT %zu))", ts, dir, dir, q->limit + 1);
  buf_fmt(&b, " ORDER BY %s %s, seq %s LIMIT %zu", ts, dir, dir, q->limit + 1);
  int rc = f.oom ? SF_ENOMEM : run_select(s, &b, k);
  free(f.p);
  free(b.p);
  return rc;
}

static int ch_get(struct sf_store *s, enum sf_record_type t, const char *id, struct sf_store_sink *k) {
  struct buf b = {0};
  select_head(&b, t);
  buf_fmt(&b, " WHERE %s = ", id_col(t));
  buf_quote(&b, id);
  buf_str(&b, " LIMIT 1");
  int rc = run_select(s, &b, k);
  free(b.p);
  return rc;
}

static int ch_prints_by_trace(struct sf_store *s, const char *const *ids, size_t n, struct sf_store_sink *k) {
  struct buf b = {0};
  select_head(&b, SF_REC_OPTION_PRINT);
  buf_str(&b, " WHERE 1");
  add_in(&b, "trace_id", ids, n);
  buf_str(&b, " ORDER BY ts, seq");
  int rc = run_select(s, &b, k);
  free(b.p);
  return rc;
}

static int ch_stats_profiles(struct sf_store *s, int64_t from_ts, int64_t to_ts,
                             struct sf_store_profile_stats *out) {
  memset(out, 0, sizeof *out);
  struct buf b = {0};
  buf_str(
      &b,
      "SELECT primary_profile_id, count(), sum(abstained), sum(if(isNaN(total_premium), 0, total_premium))"
      " FROM smart_money_events FINAL WHERE 1");
  if (from_ts != SF_TS_NULL) buf_fmt(&b, " AND source_ts >= %lld", (long long)from_ts);
  if (to_ts != SF_TS_NULL) buf_fmt(&b, " AND source_ts < %lld", (long long)to_ts);
  buf_str(&b, " GROUP BY primary_profile_id FORMAT TabSeparated");
  if (b.oom) {
    free(b.p);
    return SF_ENOMEM;
  }
  struct buf resp = {0};
  int rc = ch_exec(s, b.p, NULL, 0, &resp);
  free(b.p);
  for (char *p = resp.p; !rc && p && *p;) {
    char *nl = strchr(p, '\n');
    if (nl) *nl = '\0';
    char name[64] = "";
    long long count = 0, abst = 0;
    double prem = 0;
    char *tab = strchr(p, '\t');
    if (tab) {
      snprintf(name, sizeof name, "%.*s", (int)(tab - p), p);
      if (sscanf(tab + 1, "%lld\t%lld\t%lf", &count, &abst, &prem) == 3) {
        int prof = name[0] ? sf_profile_from_name(name) : -1;
        struct sf_store_profile_stat *st = prof >= 0 ? &out->profile[prof] : &out->none;
        st->count += count;
        st->abstained += abst;
        st->premium += prem;
      }
    }
    p = nl ? nl + 1 : NULL;
  }
  free(resp.p);
  return rc;
}

static int ch_count(struct sf_store *s, enum sf_record_type t, int64_t *out) {
  char q[160];
  snprintf(q, sizeof q, "SELECT count() FROM %s FINAL FORMAT TabSeparated", sf_store_table_name(t));
  struct buf resp = {0};
  int rc = ch_exec(s, q, NULL, 0, &resp);
  if (!rc) *out = resp.p ? strtoll(resp.p, NULL, 10) : 0;
  free(resp.p);
  return rc;
}

const struct sf_store_backend sf_store_clickhouse_backend = {
    .name = "clickhouse",
    .open = ch_open,
    .close = ch_close,
    .write = ch_write,
    .query = ch_query,
    .get = ch_get,
    .prints_by_trace = ch_prints_by_trace,
    .stats_profiles = ch_stats_profiles,
    .count = ch_count,
};

#endif /* SF_HAVE_CLICKHOUSE */
