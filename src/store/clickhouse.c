/* The ClickHouse store backend, over ClickHouse's HTTP interface with libcurl.
 *
 * Tables mirror the SQLite ones (CONTRACTS.md "Tables"): scalar columns for what is filtered and
 * ordered, and the record's JSON in a `json` column so a read gives back the record field for
 * field. Engine ReplacingMergeTree, ORDER BY the ordering key plus the record's unique id
 * ((ts, seq, trace_id) for market data, (source_ts, seq, id) for derived records), partitioned by
 * day: a record written twice (a retry, a replay) has the same sorting key, so merges keep one
 * row, and reads use FINAL so it is read back once even before a merge.
 *
 * Writes: a batch is grouped by table and sent as one `INSERT … FORMAT JSONEachRow` request per
 * table (never one request per row); rows are JSON built with jansson, so no value is ever
 * spliced into SQL text. Query filters are the only values in SQL text: integers are printed,
 * strings are quoted with backslash escaping of \ and ' (ClickHouse string literal rules), and
 * identifiers come from fixed tables. A batch that spans several tables is not atomic across
 * them; a retry of the whole batch is harmless because of the deduplication above.
 *
 * Robustness: connect and request timeouts, up to 4 attempts with exponential backoff on
 * connection failures and 5xx answers, and errors that carry the server's own message.
 *
 * SQL is kept to what both the Debian clickhouse-server (18.16) and current releases accept:
 * no query parameters, no tuple comparison, TabSeparatedRaw output. */
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
#include "store/store_impl.h"

#if SF_HAVE_CLICKHOUSE

#define CH_SCHEMA_VERSION 1
#define CH_ATTEMPTS 4

struct ch {
  CURL *curl;
  char base[256]; /* http://host:port/ */
  char db[128];
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

/* Runs one statement. query goes in the URL (for INSERT … FORMAT) when body is given, else the
 * statement is the POST body. The response body lands in out (may be NULL). */
static int ch_exec(struct sf_store *s, const char *query, const char *body, size_t body_len,
                   struct buf *out) {
  struct ch *c = s->impl;
  struct buf resp = {0};
  char *esc = NULL;
  int rc = SF_EIO;
  struct buf url = {0};
  buf_str(&url, c->base);
  buf_str(&url, "?database=");
  buf_str(&url, c->db);
  if (body) {
    esc = curl_easy_escape(c->curl, query, 0);
    if (!esc) return SF_ENOMEM;
    buf_str(&url, "&query=");
    buf_str(&url, esc);
  }
  if (url.oom) goto done;
  long backoff_ms = 100;
  for (int attempt = 1; attempt <= CH_ATTEMPTS; attempt++) {
    resp.n = 0;
    if (resp.p) resp.p[0] = '\0';
    curl_easy_setopt(c->curl, CURLOPT_URL, url.p);
    curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body ? body : query);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_len : strlen(query)));
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &resp);
    CURLcode cc = curl_easy_perform(c->curl);
    long status = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    if (cc == CURLE_OK && status == 200) {
      rc = 0;
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
  return rc;
}

/* ---- schema ---- */

static const char *const ddl[SF_REC__COUNT] = {
    "CREATE TABLE IF NOT EXISTS option_prints (trace_id String, ts Int64, ts_ns Int64, seq Int64,"
    " source_ts Int64, ingest_ts Int64, option_contract_id String, underlying_id String,"
    " option_type String, price Float64, size Int64, exchange String, nbbo_side String,"
    " notional Nullable(Float64), json String) ENGINE = ReplacingMergeTree()"
    " PARTITION BY toYYYYMMDD(toDateTime(intDiv(ts, 1000))) ORDER BY (ts, seq, trace_id)",
    "CREATE TABLE IF NOT EXISTS option_nbbo (trace_id String, ts Int64, ts_ns Int64, seq Int64,"
    " source_ts Int64, ingest_ts Int64, option_contract_id String, bid Nullable(Float64),"
    " ask Nullable(Float64), json String) ENGINE = ReplacingMergeTree()"
    " PARTITION BY toYYYYMMDD(toDateTime(intDiv(ts, 1000))) ORDER BY (ts, seq, trace_id)",
    "CREATE TABLE IF NOT EXISTS equity_quotes (trace_id String, ts Int64, ts_ns Int64, seq Int64,"
    " source_ts Int64, ingest_ts Int64, underlying_id String, bid Nullable(Float64), ask Nullable(Float64),"
    " json String) ENGINE = ReplacingMergeTree()"
    " PARTITION BY toYYYYMMDD(toDateTime(intDiv(ts, 1000))) ORDER BY (ts, seq, trace_id)",
    "CREATE TABLE IF NOT EXISTS equity_prints (trace_id String, ts Int64, ts_ns Int64, seq Int64,"
    " source_ts Int64, ingest_ts Int64, underlying_id String, price Nullable(Float64), size Int64,"
    " exchange String, json String) ENGINE = ReplacingMergeTree()"
    " PARTITION BY toYYYYMMDD(toDateTime(intDiv(ts, 1000))) ORDER BY (ts, seq, trace_id)",
    "CREATE TABLE IF NOT EXISTS flow_packets (id String, trace_id String, source_ts Int64, ingest_ts Int64,"
    " seq Int64, member_count Int64, json String) ENGINE = ReplacingMergeTree()"
    " PARTITION BY toYYYYMMDD(toDateTime(intDiv(source_ts, 1000))) ORDER BY (source_ts, seq, id)",
    "CREATE TABLE IF NOT EXISTS smart_money_events (event_id String, trace_id String, source_ts Int64,"
    " ingest_ts Int64, seq Int64, underlying_id String, event_kind String, primary_profile_id String,"
    " primary_direction String, abstained UInt8, total_premium Nullable(Float64), band String,"
    " primary_probability Nullable(Float64), json String) ENGINE = ReplacingMergeTree()"
    " PARTITION BY toYYYYMMDD(toDateTime(intDiv(source_ts, 1000))) ORDER BY (source_ts, seq, event_id)",
    "CREATE TABLE IF NOT EXISTS classifier_hits (trace_id String, source_ts Int64, ingest_ts Int64, seq "
    "Int64,"
    " classifier_id String, confidence Nullable(Float64), direction String, json String)"
    " ENGINE = ReplacingMergeTree()"
    " PARTITION BY toYYYYMMDD(toDateTime(intDiv(source_ts, 1000))) ORDER BY (source_ts, seq, trace_id)",
    "CREATE TABLE IF NOT EXISTS alerts (trace_id String, source_ts Int64, ingest_ts Int64, seq Int64,"
    " score Nullable(Float64), severity String, primary_profile_id String, json String)"
    " ENGINE = ReplacingMergeTree()"
    " PARTITION BY toYYYYMMDD(toDateTime(intDiv(source_ts, 1000))) ORDER BY (source_ts, seq, trace_id)",
};

/* Forward migrations: step i brings the schema from version i to i + 1. */
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
  if (have < 1) {
    for (int t = 0; t < SF_REC__COUNT; t++)
      if ((rc = ch_exec(s, ddl[t], NULL, 0, NULL)) != 0) return rc;
    rc = ch_exec(s, "INSERT INTO schema_version VALUES (1, now())", NULL, 0, NULL);
    if (rc) return rc;
  }
  return 0;
}

static void ch_close(struct sf_store *s) {
  struct ch *c = s->impl;
  if (!c) return;
  if (c->curl) curl_easy_cleanup(c->curl);
  free(c);
  s->impl = NULL;
}

static int ch_open(struct sf_store *s, const char *target) {
  struct ch *c = calloc(1, sizeof *c);
  if (!c) return SF_ENOMEM;
  s->impl = c;
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

/* ---- writes ---- */

static void set_num(struct sf_jw *w, const char *k, double v) {
  sf_jw_key(w, k);
  if (isfinite(v))
    sf_jw_real(w, v);
  else
    sf_jw_null(w);
}
static void set_int(struct sf_jw *w, const char *k, int64_t v) {
  sf_jw_key(w, k);
  sf_jw_int(w, v);
}
/* A string column; a NULL name (an out-of-range enum) is the column's default, "". */
static void set_str(struct sf_jw *w, const char *k, const char *v) {
  sf_jw_key(w, k);
  sf_jw_str(w, v ? v : "");
}

static const char *opt_type_name(uint8_t t) {
  return t == SF_OPT_CALL ? "call" : t == SF_OPT_PUT ? "put" : "";
}

/* Appends the table row of a record to w as one JSONEachRow line: scalar columns plus the record
 * JSON as a string column (encoded into rec first). Returns 0 or the encoder's error. */
static int row_encode(const struct sf_record *r, struct sf_jw *w, struct sf_jw *rec) {
  sf_jw_reset(rec);
  int rc = sf_record_encode(r, rec);
  size_t len = 0;
  const char *text = rc ? NULL : sf_jw_cstr(rec, &len);
  if (!text) return rc ? rc : SF_ENOMEM;
  const struct sf_meta *m = sf_record_meta(r);
  struct sf_store_cursor key;
  sf_store_record_key(r, &key);
  sf_jw_obj_begin(w);
  set_str(w, "trace_id", m->trace_id);
  set_int(w, "seq", m->seq);
  set_int(w, "source_ts", m->source_ts == SF_TS_NULL ? key.ts : m->source_ts);
  set_int(w, "ingest_ts", m->ingest_ts == SF_TS_NULL ? key.ts : m->ingest_ts);
  if (sf_store_is_market(r->type)) { /* market data: the ordering ts (ms) and its ns twin */
    set_int(w, "ts", key.ts);
    set_int(w, "ts_ns", sf_record_ts_ns(r));
  }
  switch (r->type) {
    case SF_REC_OPTION_PRINT: {
      const struct sf_option_print *p = &r->u.option_print;
      set_str(w, "option_contract_id", p->option_contract_id);
      set_str(w, "underlying_id", p->underlying_id);
      set_str(w, "option_type", opt_type_name(p->option_type));
      set_num(w, "price", p->price);
      set_int(w, "size", p->size);
      set_str(w, "exchange", p->exchange);
      set_str(w, "nbbo_side", sf_side_name((enum sf_nbbo_side)p->nbbo_side));
      set_num(w, "notional", p->enriched ? p->notional : SF_NULL);
      break;
    }
    case SF_REC_OPTION_NBBO: {
      const struct sf_option_nbbo *q = &r->u.option_nbbo;
      set_str(w, "option_contract_id", q->option_contract_id);
      set_num(w, "bid", q->bid);
      set_num(w, "ask", q->ask);
      break;
    }
    case SF_REC_EQUITY_QUOTE: {
      const struct sf_equity_quote *q = &r->u.equity_quote;
      set_str(w, "underlying_id", q->underlying_id);
      set_num(w, "bid", q->bid);
      set_num(w, "ask", q->ask);
      break;
    }
    case SF_REC_EQUITY_PRINT: {
      const struct sf_equity_print *p = &r->u.equity_print;
      set_str(w, "underlying_id", p->underlying_id);
      set_num(w, "price", p->price);
      set_int(w, "size", p->size);
      set_str(w, "exchange", p->exchange);
      break;
    }
    case SF_REC_FLOW_PACKET:
      set_str(w, "id", r->u.flow_packet.id);
      set_int(w, "member_count", (int64_t)r->u.flow_packet.members.n);
      break;
    case SF_REC_SMART_MONEY: {
      const struct sf_smart_money_event *e = &r->u.smart_money;
      const struct sf_profile_score *ps = sf_store_primary_score(e);
      set_str(w, "event_id", e->event_id);
      set_str(w, "underlying_id", e->underlying_id);
      set_str(w, "event_kind", sf_event_kind_name(e->event_kind));
      set_str(w, "primary_profile_id", e->primary_profile >= 0 ? sf_profile_name(e->primary_profile) : "");
      set_str(w, "primary_direction", sf_direction_name(e->primary_direction));
      set_int(w, "abstained", e->abstained ? 1 : 0);
      set_num(w, "total_premium", e->features.total_premium);
      set_str(w, "band", ps ? sf_band_name(ps->band) : "");
      set_num(w, "primary_probability", ps ? ps->probability : SF_NULL);
      break;
    }
    case SF_REC_CLASSIFIER_HIT: {
      const struct sf_classifier_hit *h = &r->u.classifier_hit;
      set_str(w, "classifier_id", h->classifier_id);
      set_num(w, "confidence", h->confidence);
      set_str(w, "direction", sf_direction_name(h->direction));
      break;
    }
    case SF_REC_ALERT: {
      const struct sf_alert *a = &r->u.alert;
      set_num(w, "score", a->score);
      set_str(w, "severity", sf_severity_name(a->severity));
      set_str(w, "primary_profile_id", a->primary_profile >= 0 ? sf_profile_name(a->primary_profile) : "");
      break;
    }
    default:
      break;
  }
  sf_jw_key(w, "json");
  sf_jw_strn(w, text, len);
  sf_jw_obj_end(w);
  sf_jw_bytes(w, "\n", 1);
  w->comma = false; /* the next line is a new top-level value */
  return sf_jw_status(w);
}

static int ch_write(struct sf_store *s, const struct sf_record *const *recs, size_t n) {
  struct sf_jw body[SF_REC__COUNT], rec;
  for (int t = 0; t < SF_REC__COUNT; t++) sf_jw_init(&body[t]);
  sf_jw_init(&rec);
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    const char *why = NULL;
    if (sf_store_record_check(recs[i], &why) != 0) {
      sf_store_set_err(s, "record %zu (%s): %s", i, sf_record_type_name(recs[i]->type), why);
      rc = SF_EFIELD;
      break;
    }
    rc = row_encode(recs[i], &body[recs[i]->type], &rec);
    if (rc == SF_EINVAL)
      sf_store_set_err(s, "write: record %zu (%s %s): a string is not valid UTF-8", i,
                       sf_record_type_name(recs[i]->type), sf_record_meta(recs[i])->trace_id);
  }
  for (int t = 0; t < SF_REC__COUNT && !rc; t++) {
    if (!body[t].len) continue;
    char q[160];
    snprintf(q, sizeof q, "INSERT INTO %s FORMAT JSONEachRow", sf_store_table_name((enum sf_record_type)t));
    rc = ch_exec(s, q, body[t].p, body[t].len, NULL);
  }
  for (int t = 0; t < SF_REC__COUNT; t++) sf_jw_fini(&body[t]);
  sf_jw_fini(&rec);
  if (rc == SF_ENOMEM) sf_store_set_err(s, "write: out of memory");
  return rc;
}

/* ---- reads ---- */

static const char *ts_col(enum sf_record_type t) { return sf_store_is_market(t) ? "ts" : "source_ts"; }
static const char *id_col(enum sf_record_type t) { return sf_store_id_col(t); }

/* Hands "ts\tseq\tid\tjson" lines to the sink until it is full; returns 0 or an error. */
static int read_lines(struct sf_store *s, char *text, struct sf_store_sink *k) {
  char *p = text;
  while (p && *p) {
    char *nl = strchr(p, '\n');
    if (nl) *nl = '\0';
    char *f1 = strchr(p, '\t');
    char *f2 = f1 ? strchr(f1 + 1, '\t') : NULL;
    char *f3 = f2 ? strchr(f2 + 1, '\t') : NULL;
    if (!f3) {
      sf_store_append_err(s, "malformed row from clickhouse: %.80s", p);
      sf_store_sink_skip(k);
      p = nl ? nl + 1 : NULL;
      continue;
    }
    *f1 = *f2 = *f3 = '\0';
    int rc =
        sf_store_sink_row(k, strtoll(p, NULL, 10), strtoll(f1 + 1, NULL, 10), f2 + 1, f3 + 1, strlen(f3 + 1));
    if (rc == 1) break;
    if (rc) return rc;
    p = nl ? nl + 1 : NULL;
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
  buf_str(sql, " FORMAT TabSeparatedRaw");
  if (sql->oom) return SF_ENOMEM;
  struct buf resp = {0};
  int rc = ch_exec(s, sql->p, NULL, 0, &resp);
  char empty[1] = "";
  if (!rc) rc = read_lines(s, resp.p ? resp.p : empty, k);
  free(resp.p);
  return rc;
}

static int ch_query(struct sf_store *s, const struct sf_store_query *q, struct sf_store_sink *k) {
  enum sf_record_type t = q->type;
  const char *ts = ts_col(t);
  int desc = q->order == SF_STORE_NEWEST_FIRST;
  struct buf b = {0};
  buf_fmt(&b, "SELECT %s, seq, %s, json FROM %s FINAL WHERE 1", ts, id_col(t), sf_store_table_name(t));
  if (q->has_cursor)
    buf_fmt(&b, " AND (%s %s %lld OR (%s = %lld AND seq %s %lld))", ts, desc ? "<" : ">",
            (long long)q->cursor.ts, ts, (long long)q->cursor.ts, desc ? "<" : ">", (long long)q->cursor.seq);
  if (q->from_ts != SF_TS_NULL) buf_fmt(&b, " AND %s >= %lld", ts, (long long)q->from_ts);
  if (q->to_ts != SF_TS_NULL) buf_fmt(&b, " AND %s < %lld", ts, (long long)q->to_ts);
  if (q->sides) {
    const char *names[SF_SIDE__COUNT];
    size_t n_sides = 0;
    for (int i = 1; i < SF_SIDE__COUNT; i++)
      if (q->sides & (1u << i)) names[n_sides++] = sf_side_name((enum sf_nbbo_side)i);
    if (n_sides)
      add_in(&b, "nbbo_side", names, n_sides);
    else
      buf_str(&b, " AND 0");
  }
  if (q->option_type != SF_OPT_NULL) add_str_eq(&b, "option_type", opt_type_name(q->option_type));
  if (!sf_is_null(q->min_notional)) buf_fmt(&b, " AND notional >= %.17g", q->min_notional);
  if (q->option_contract_id) add_str_eq(&b, "option_contract_id", q->option_contract_id);
  if (q->underlying_id_count) add_in(&b, "underlying_id", q->underlying_ids, q->underlying_id_count);
  if (q->profile >= 0) add_str_eq(&b, "primary_profile_id", sf_profile_name(q->profile));
  if (q->direction >= 0) add_str_eq(&b, "primary_direction", sf_direction_name(q->direction));
  if (q->abstained >= 0) buf_fmt(&b, " AND abstained = %d", q->abstained ? 1 : 0);
  if (!sf_is_null(q->min_premium)) buf_fmt(&b, " AND total_premium >= %.17g", q->min_premium);
  if (q->band >= 0) add_str_eq(&b, "band", sf_band_name(q->band));
  buf_fmt(&b, " ORDER BY %s %s, seq %s LIMIT %zu", ts, desc ? "DESC" : "ASC", desc ? "DESC" : "ASC",
          q->limit + 1);
  int rc = run_select(s, &b, k);
  free(b.p);
  return rc;
}

static int ch_get(struct sf_store *s, enum sf_record_type t, const char *id, struct sf_store_sink *k) {
  struct buf b = {0};
  buf_fmt(&b, "SELECT %s, seq, %s, json FROM %s FINAL WHERE %s = ", ts_col(t), id_col(t),
          sf_store_table_name(t), id_col(t));
  buf_quote(&b, id);
  buf_str(&b, " LIMIT 1");
  int rc = run_select(s, &b, k);
  free(b.p);
  return rc;
}

static int ch_prints_by_trace(struct sf_store *s, const char *const *ids, size_t n, struct sf_store_sink *k) {
  struct buf b = {0};
  buf_str(&b, "SELECT ts, seq, trace_id, json FROM option_prints FINAL WHERE 1");
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
  buf_str(&b,
          "SELECT primary_profile_id, count(), sum(abstained), sum(ifNull(total_premium, 0))"
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
