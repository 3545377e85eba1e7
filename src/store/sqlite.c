/* The SQLite store backend. One connection per store handle, in WAL mode so readers on other
 * handles run while a batch commits.
 *
 * Durability: acknowledged = committed. synchronous=FULL makes every COMMIT fsync the WAL before
 * it returns, so a committed batch survives a power loss, not only a process crash (NORMAL in WAL
 * mode would survive a crash but could lose the last commits on power loss, which would break the
 * acknowledgement the writer gives). Writes are batched (one transaction, one fsync per batch), so
 * FULL costs one fsync per batch, not per record. New databases use 32 KiB pages and a 64 MiB
 * autocheckpoint (see PAGE_SIZE_STR): the write path is bound by the bytes the WAL and the
 * checkpoint write, and that is what they reduce; durability is unchanged.
 *
 * Statements: one prepared INSERT OR IGNORE per table (a repeated trace_id / event_id / packet id
 * is ignored, so a double write stores once), bound per row (the json column with SQLITE_STATIC
 * from a writer buffer reused row after row, so a row allocates nothing), and a small cache of prepared read
 * statements keyed by their SQL text (the text depends only on the shape of a query: which filters are set
 * and how many list items; values are bound). Reads hand each row's (ordering key, id, json text) to
 * the store's sink (store_impl.h), which decodes or checks it; the text is passed straight from
 * SQLite's row buffer, so a raw read copies it once, into its result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartflow/err.h"
#include "smartflow/jsonw.h"
#include "smartflow/log.h"
#include "smartflow/record_json.h"
#include "smartflow/time.h"
#include "store/sqlite_store.h"
#include "store/store_impl.h"

#define CACHE_SLOTS 64
/* Page size of new databases. Rows carry ~1-2 KiB of JSON: with 4 KiB pages a smart-money row
 * (2.1 KiB) left each leaf half empty, so the database and every WAL frame written for it were
 * nearly twice the data; 32 KiB pages fill to ~90% and halve the bytes a commit writes. */
#define PAGE_SIZE_STR "32768"
/* Checkpoint after 2000 WAL pages (64 MiB) instead of SQLite's 1000: fewer, larger checkpoints,
 * so a page rewritten by consecutive batches (the right edge of the table and of each index) is
 * copied into the database once per checkpoint rather than once per few batches. */
#define AUTOCKPT_STR "2000"

struct cached_stmt {
  char *sql; /* owned */
  sqlite3_stmt *st;
};

struct sq {
  sqlite3 *db;
  sqlite3_stmt *ins[SF_REC__COUNT];
  int ins_json_col[SF_REC__COUNT]; /* 1-based parameter index of the json text */
  struct cached_stmt cache[CACHE_SLOTS];
  size_t cache_next;
  struct sf_jw jw; /* the json column's text, reused row after row (no allocation per row) */
};

static const char *const insert_sql[SF_REC__COUNT] = {
    "INSERT OR IGNORE INTO option_prints(trace_id,ts,ts_ns,seq,source_ts,ingest_ts,option_contract_id,"
    "underlying_id,option_type,price,size,exchange,nbbo_side,notional,json)"
    " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "INSERT OR IGNORE INTO option_nbbo(trace_id,ts,ts_ns,seq,source_ts,ingest_ts,option_contract_id,"
    "bid,ask,bid_size,ask_size,json) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
    "INSERT OR IGNORE INTO equity_quotes(trace_id,ts,ts_ns,seq,source_ts,ingest_ts,underlying_id,"
    "bid,ask,bid_size,ask_size,json) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
    "INSERT OR IGNORE INTO equity_prints(trace_id,ts,ts_ns,seq,source_ts,ingest_ts,underlying_id,"
    "price,size,exchange,off_exchange,json) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
    "INSERT OR IGNORE INTO flow_packets(id,trace_id,source_ts,ingest_ts,seq,member_count,json)"
    " VALUES(?,?,?,?,?,?,?)",
    "INSERT OR IGNORE INTO smart_money_events(event_id,trace_id,source_ts,ingest_ts,seq,underlying_id,"
    "event_kind,event_window_ms,primary_profile_id,primary_direction,abstained,total_premium,"
    "total_notional,band,primary_probability,json) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "INSERT OR IGNORE INTO classifier_hits(trace_id,source_ts,ingest_ts,seq,classifier_id,confidence,"
    "direction,json) VALUES(?,?,?,?,?,?,?,?)",
    "INSERT OR IGNORE INTO alerts(trace_id,source_ts,ingest_ts,seq,score,severity,primary_profile_id,"
    "hit_count,json) VALUES(?,?,?,?,?,?,?,?,?)",
};

static const char *ts_col(enum sf_record_type t) { return sf_store_is_market(t) ? "ts" : "source_ts"; }

static const char *id_col(enum sf_record_type t) { return sf_store_id_col(t); }

static struct sq *sq_of(struct sf_store *s) { return (struct sq *)s->impl; }

/* ---- a small string builder and bound values ---- */

struct sbuf {
  char *p;
  size_t len, cap;
  int oom;
};

static void sb_add(struct sbuf *b, const char *s) {
  size_t n = strlen(s);
  if (b->oom) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1) cap *= 2;
    char *np = realloc(b->p, cap);
    if (!np) {
      b->oom = 1;
      return;
    }
    b->p = np;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n + 1);
  b->len += n;
}

/* "?,?,?" with n placeholders. */
static void sb_marks(struct sbuf *b, size_t n) {
  for (size_t i = 0; i < n; i++) sb_add(b, i ? ",?" : "?");
}

enum { BV_I64, BV_REAL, BV_TEXT };
struct bval {
  int kind;
  int64_t i;
  double d;
  const char *s; /* borrowed */
};
struct binds {
  struct bval *v;
  size_t n, cap;
  int oom;
};

static void bv_push(struct binds *b, struct bval v) {
  if (b->oom) return;
  if (b->n == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 16;
    struct bval *nv = realloc(b->v, cap * sizeof *nv);
    if (!nv) {
      b->oom = 1;
      return;
    }
    b->v = nv;
    b->cap = cap;
  }
  b->v[b->n++] = v;
}
static void bv_i64(struct binds *b, int64_t i) { bv_push(b, (struct bval){BV_I64, i, 0, NULL}); }
static void bv_real(struct binds *b, double d) { bv_push(b, (struct bval){BV_REAL, 0, d, NULL}); }
static void bv_text(struct binds *b, const char *s) { bv_push(b, (struct bval){BV_TEXT, 0, 0, s}); }

static int apply_binds(sqlite3_stmt *st, const struct binds *b) {
  for (size_t i = 0; i < b->n; i++) {
    int idx = (int)i + 1, rc;
    const struct bval *v = &b->v[i];
    if (v->kind == BV_I64)
      rc = sqlite3_bind_int64(st, idx, v->i);
    else if (v->kind == BV_REAL)
      rc = sqlite3_bind_double(st, idx, v->d);
    else
      rc = sqlite3_bind_text(st, idx, v->s, -1, SQLITE_STATIC);
    if (rc != SQLITE_OK) return rc;
  }
  return SQLITE_OK;
}

/* ---- the SQL of each read ---- */

static const char *option_type_name(int t) {
  return t == SF_OPT_CALL ? "call" : t == SF_OPT_PUT ? "put" : NULL;
}

/* Builds the SELECT of a query: columns (ts, seq, id, json), filters, order, LIMIT limit+1 (one
 * more row than asked tells whether another page exists). */
static void build_query(const struct sf_store_query *q, struct sbuf *sb, struct binds *bv) {
  enum sf_record_type t = q->type;
  const char *ts = ts_col(t);
  const char *dir = q->order == SF_STORE_NEWEST_FIRST ? "DESC" : "ASC";
  char tmp[256];
  snprintf(tmp, sizeof tmp, "SELECT %s, seq, %s, json FROM %s WHERE 1", ts, id_col(t),
           sf_store_table_name(t));
  sb_add(sb, tmp);
  if (q->has_cursor) {
    snprintf(tmp, sizeof tmp, " AND (%s, seq) %s (?, ?)", ts, q->order == SF_STORE_NEWEST_FIRST ? "<" : ">");
    sb_add(sb, tmp);
    bv_i64(bv, q->cursor.ts);
    bv_i64(bv, q->cursor.seq);
  }
  if (q->from_ts != SF_TS_NULL) {
    snprintf(tmp, sizeof tmp, " AND %s >= ?", ts);
    sb_add(sb, tmp);
    bv_i64(bv, q->from_ts);
  }
  if (q->to_ts != SF_TS_NULL) {
    snprintf(tmp, sizeof tmp, " AND %s < ?", ts);
    sb_add(sb, tmp);
    bv_i64(bv, q->to_ts);
  }
  if (q->sides) {
    size_t k = 0;
    for (int i = 1; i < SF_SIDE__COUNT; i++)
      if (q->sides & (1u << i)) k++;
    if (k == 0) {
      sb_add(sb, " AND 0"); /* only SF_SIDE_NULL asked: a side filter never matches a null side */
    } else {
      sb_add(sb, " AND nbbo_side IN (");
      sb_marks(sb, k);
      sb_add(sb, ")");
      for (int i = 1; i < SF_SIDE__COUNT; i++)
        if (q->sides & (1u << i)) bv_text(bv, sf_side_name((enum sf_nbbo_side)i));
    }
  }
  if (q->option_type != SF_OPT_NULL) {
    sb_add(sb, " AND option_type = ?");
    bv_text(bv, option_type_name(q->option_type));
  }
  if (!sf_is_null(q->min_notional)) {
    sb_add(sb, " AND notional >= ?");
    bv_real(bv, q->min_notional);
  }
  if (q->option_contract_id) {
    sb_add(sb, " AND option_contract_id = ?");
    bv_text(bv, q->option_contract_id);
  }
  if (q->underlying_id_count == 1) {
    sb_add(sb, " AND underlying_id = ?");
    bv_text(bv, q->underlying_ids[0]);
  } else if (q->underlying_id_count > 1) {
    sb_add(sb, " AND underlying_id IN (");
    sb_marks(sb, q->underlying_id_count);
    sb_add(sb, ")");
    for (size_t i = 0; i < q->underlying_id_count; i++) bv_text(bv, q->underlying_ids[i]);
  }
  if (q->profile >= 0) {
    sb_add(sb, " AND primary_profile_id = ?");
    bv_text(bv, sf_profile_name(q->profile));
  }
  if (q->direction >= 0) {
    sb_add(sb, " AND primary_direction = ?");
    bv_text(bv, sf_direction_name(q->direction));
  }
  if (q->abstained >= 0) {
    sb_add(sb, " AND abstained = ?");
    bv_i64(bv, q->abstained);
  }
  if (!sf_is_null(q->min_premium)) {
    sb_add(sb, " AND total_premium >= ?");
    bv_real(bv, q->min_premium);
  }
  if (q->band >= 0) {
    sb_add(sb, " AND band = ?");
    bv_text(bv, sf_band_name(q->band));
  }
  snprintf(tmp, sizeof tmp, " ORDER BY %s %s, seq %s LIMIT ?", ts, dir, dir);
  sb_add(sb, tmp);
  bv_i64(bv, (int64_t)q->limit + 1);
}

static void build_get(enum sf_record_type t, struct sbuf *sb) {
  char tmp[200];
  snprintf(tmp, sizeof tmp, "SELECT %s, seq, %s, json FROM %s WHERE %s = ?", ts_col(t), id_col(t),
           sf_store_table_name(t), id_col(t));
  sb_add(sb, tmp);
}

/* Order is applied in C: an ORDER BY here could lead the planner to walk the ts index over the
 * whole table instead of probing the trace_id index once per id. */
static void build_by_trace(size_t n, struct sbuf *sb) {
  sb_add(sb, "SELECT ts, seq, trace_id, json FROM option_prints WHERE trace_id IN (");
  sb_marks(sb, n);
  sb_add(sb, ")");
}

static void build_stats(int has_from, int has_to, struct sbuf *sb) {
  sb_add(sb,
         "SELECT primary_profile_id, count(*), total(abstained), total(total_premium)"
         " FROM smart_money_events WHERE 1");
  if (has_from) sb_add(sb, " AND source_ts >= ?");
  if (has_to) sb_add(sb, " AND source_ts < ?");
  sb_add(sb, " GROUP BY primary_profile_id");
}

static void build_count(enum sf_record_type t, struct sbuf *sb) {
  char tmp[96];
  snprintf(tmp, sizeof tmp, "SELECT count(*) FROM %s", sf_store_table_name(t));
  sb_add(sb, tmp);
}

/* ---- statement cache ---- */

static int cached(struct sf_store *s, const char *sql, sqlite3_stmt **out) {
  struct sq *q = sq_of(s);
  for (size_t i = 0; i < CACHE_SLOTS; i++) {
    if (q->cache[i].sql && strcmp(q->cache[i].sql, sql) == 0) {
      sqlite3_reset(q->cache[i].st);
      sqlite3_clear_bindings(q->cache[i].st);
      *out = q->cache[i].st;
      return 0;
    }
  }
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
    sf_store_set_err(s, "preparing '%.200s': %s", sql, sqlite3_errmsg(q->db));
    return SF_EIO;
  }
  char *copy = strdup(sql);
  if (!copy) {
    sqlite3_finalize(st);
    return SF_ENOMEM;
  }
  struct cached_stmt *slot = &q->cache[q->cache_next];
  q->cache_next = (q->cache_next + 1) % CACHE_SLOTS;
  sqlite3_finalize(slot->st);
  free(slot->sql);
  slot->sql = copy;
  slot->st = st;
  *out = st;
  return 0;
}

/* ---- open / close ---- */

static int exec_sql(struct sf_store *s, const char *sql) {
  char *msg = NULL;
  if (sqlite3_exec(sq_of(s)->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    sf_store_set_err(s, "%s: %s", sql, msg ? msg : sqlite3_errmsg(sq_of(s)->db));
    sqlite3_free(msg);
    return SF_EIO;
  }
  return 0;
}

static void sq_close(struct sf_store *s) {
  struct sq *q = sq_of(s);
  if (!q) return;
  for (int i = 0; i < SF_REC__COUNT; i++) sqlite3_finalize(q->ins[i]);
  for (size_t i = 0; i < CACHE_SLOTS; i++) {
    sqlite3_finalize(q->cache[i].st);
    free(q->cache[i].sql);
  }
  sqlite3_close(q->db);
  sf_jw_fini(&q->jw);
  free(q);
  s->impl = NULL;
}

static int sq_open(struct sf_store *s, const char *path) {
  int rc;
  struct sq *q = calloc(1, sizeof *q);
  if (!q) return SF_ENOMEM;
  s->impl = q;
  int memory = strcmp(path, ":memory:") == 0;
  if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
      SQLITE_OK) {
    sf_store_set_err(s, "sqlite: cannot open %s: %s", path, q->db ? sqlite3_errmsg(q->db) : "out of memory");
    rc = SF_EIO;
    goto fail;
  }
  sqlite3_busy_timeout(q->db, 10000);
  /* Page size: only takes effect on a new, empty database (before WAL is switched on). */
  rc = exec_sql(s, "PRAGMA page_size=" PAGE_SIZE_STR);
  if (rc) goto fail;
  if (!memory) {
    /* Switching a new database to WAL needs a lock that another process opening the same file
     * at the same moment may hold (it is creating the schema), and SQLite does not always run
     * the busy handler for it: retry for as long as busy_timeout would wait. */
    int wal = 0, err = SQLITE_OK;
    for (int attempt = 0; attempt < 200 && !wal; attempt++) {
      sqlite3_stmt *st = NULL;
      err = sqlite3_prepare_v2(q->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
      if (err == SQLITE_OK) err = sqlite3_step(st);
      if (err == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(st, 0);
        wal = mode && strcmp(mode, "wal") == 0;
      }
      sqlite3_finalize(st);
      if (!wal && err != SQLITE_BUSY && err != SQLITE_LOCKED && err != SQLITE_ROW) break;
      if (!wal) sqlite3_sleep(50);
    }
    if (!wal) {
      sf_store_set_err(s, "sqlite: %s: cannot switch to WAL mode: %s", path, sqlite3_errmsg(q->db));
      rc = SF_EIO;
      goto fail;
    }
  }
  rc = exec_sql(s,
                "PRAGMA synchronous=FULL; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;"
                " PRAGMA wal_autocheckpoint=" AUTOCKPT_STR);
  if (rc) goto fail;
  char why[512];
  int version = 0;
  rc = sf_sqlite_migrate(q->db, &version, why, sizeof why);
  if (rc) {
    sf_store_set_err(s, "sqlite: %s: %s", path, why);
    goto fail;
  }
  for (int t = 0; t < SF_REC__COUNT; t++) {
    if (sqlite3_prepare_v3(q->db, insert_sql[t], -1, SQLITE_PREPARE_PERSISTENT, &q->ins[t], NULL) !=
        SQLITE_OK) {
      sf_store_set_err(s, "sqlite: preparing insert into %s: %s", sf_store_table_name((enum sf_record_type)t),
                       sqlite3_errmsg(q->db));
      rc = SF_EIO;
      goto fail;
    }
    q->ins_json_col[t] = sqlite3_bind_parameter_count(q->ins[t]);
  }
  return 0;
fail:
  sq_close(s);
  return rc;
}

/* ---- write ---- */

/* Binds parameters in order; NaN, SF_TS_NULL and "" become SQL NULL. */
struct binder {
  sqlite3_stmt *st;
  int i;
  int rc;
};
static void b_text(struct binder *b, const char *s) {
  int idx = ++b->i;
  int rc = s && *s ? sqlite3_bind_text(b->st, idx, s, -1, SQLITE_STATIC) : sqlite3_bind_null(b->st, idx);
  if (rc != SQLITE_OK) b->rc = rc;
}
static void b_i64(struct binder *b, int64_t v) {
  int rc = sqlite3_bind_int64(b->st, ++b->i, v);
  if (rc != SQLITE_OK) b->rc = rc;
}
static void b_ts(struct binder *b, int64_t v) {
  int idx = ++b->i;
  int rc = v == SF_TS_NULL ? sqlite3_bind_null(b->st, idx) : sqlite3_bind_int64(b->st, idx, v);
  if (rc != SQLITE_OK) b->rc = rc;
}
static void b_real(struct binder *b, double v) {
  int idx = ++b->i;
  int rc = sf_is_null(v) ? sqlite3_bind_null(b->st, idx) : sqlite3_bind_double(b->st, idx, v);
  if (rc != SQLITE_OK) b->rc = rc;
}
static void b_tribool(struct binder *b, int8_t v) {
  int idx = ++b->i;
  int rc = v < 0 ? sqlite3_bind_null(b->st, idx) : sqlite3_bind_int(b->st, idx, v);
  if (rc != SQLITE_OK) b->rc = rc;
}

static void bind_market_head(struct binder *b, const struct sf_meta *m, int64_t ts_ns) {
  b_text(b, m->trace_id);
  b_i64(b, sf_ns_to_ms(ts_ns));
  b_i64(b, ts_ns);
  b_i64(b, m->seq);
  b_ts(b, m->source_ts);
  b_ts(b, m->ingest_ts);
}

static void bind_derived_head(struct binder *b, const struct sf_meta *m) {
  b_text(b, m->trace_id);
  b_i64(b, m->source_ts);
  b_ts(b, m->ingest_ts);
  b_i64(b, m->seq);
}

/* An option NBBO and an equity quote have the same columns but for the instrument's id. */
static void bind_quote(struct binder *b, const struct sf_meta *m, int64_t ts_ns, const char *id, double bid,
                       double ask, double bid_size, double ask_size) {
  bind_market_head(b, m, ts_ns);
  b_text(b, id);
  b_real(b, bid);
  b_real(b, ask);
  b_real(b, bid_size);
  b_real(b, ask_size);
}

static void bind_scalars(struct binder *b, const struct sf_record *r) {
  switch (r->type) {
    case SF_REC_OPTION_PRINT: {
      const struct sf_option_print *p = &r->u.option_print;
      bind_market_head(b, &p->meta, p->ts_ns);
      b_text(b, p->option_contract_id);
      b_text(b, p->enriched ? p->underlying_id : NULL);
      b_text(b, p->enriched ? option_type_name(p->option_type) : NULL);
      b_real(b, p->price);
      b_i64(b, p->size);
      b_text(b, p->exchange);
      b_text(b, p->enriched ? sf_side_name((enum sf_nbbo_side)p->nbbo_side) : NULL);
      b_real(b, p->enriched ? p->notional : SF_NULL);
      break;
    }
    case SF_REC_OPTION_NBBO: {
      const struct sf_option_nbbo *q = &r->u.option_nbbo;
      bind_quote(b, &q->meta, q->ts_ns, q->option_contract_id, q->bid, q->ask, q->bid_size, q->ask_size);
      break;
    }
    case SF_REC_EQUITY_QUOTE: {
      const struct sf_equity_quote *q = &r->u.equity_quote;
      bind_quote(b, &q->meta, q->ts_ns, q->underlying_id, q->bid, q->ask, q->bid_size, q->ask_size);
      break;
    }
    case SF_REC_EQUITY_PRINT: {
      const struct sf_equity_print *p = &r->u.equity_print;
      bind_market_head(b, &p->meta, p->ts_ns);
      b_text(b, p->underlying_id);
      b_real(b, p->price);
      b_i64(b, p->size);
      b_text(b, p->exchange);
      b_tribool(b, p->off_exchange);
      break;
    }
    case SF_REC_FLOW_PACKET: {
      const struct sf_flow_packet *p = &r->u.flow_packet;
      b_text(b, p->id);
      bind_derived_head(b, &p->meta);
      b_i64(b, (int64_t)p->members.n);
      break;
    }
    case SF_REC_SMART_MONEY: {
      const struct sf_smart_money_event *e = &r->u.smart_money;
      const struct sf_profile_score *ps = sf_store_primary_score(e);
      b_text(b, e->event_id);
      bind_derived_head(b, &e->meta);
      b_text(b, e->underlying_id);
      b_text(b, sf_event_kind_name(e->event_kind));
      b_i64(b, e->event_window_ms);
      b_text(b, e->primary_profile >= 0 ? sf_profile_name(e->primary_profile) : NULL);
      b_text(b, sf_direction_name(e->primary_direction));
      b_i64(b, e->abstained ? 1 : 0);
      b_real(b, e->features.total_premium);
      b_real(b, e->features.total_notional);
      b_text(b, ps ? sf_band_name(ps->band) : NULL);
      b_real(b, ps ? ps->probability : SF_NULL);
      break;
    }
    case SF_REC_CLASSIFIER_HIT: {
      const struct sf_classifier_hit *h = &r->u.classifier_hit;
      bind_derived_head(b, &h->meta);
      b_text(b, h->classifier_id);
      b_real(b, h->confidence);
      b_text(b, sf_direction_name(h->direction));
      break;
    }
    case SF_REC_ALERT: {
      const struct sf_alert *a = &r->u.alert;
      bind_derived_head(b, &a->meta);
      b_real(b, a->score);
      b_text(b, sf_severity_name(a->severity));
      b_text(b, a->primary_profile >= 0 ? sf_profile_name(a->primary_profile) : NULL);
      b_i64(b, (int64_t)a->hit_count);
      break;
    }
    default:
      b->rc = SQLITE_MISUSE;
      break;
  }
}

static int insert_one(struct sf_store *s, const struct sf_record *r, size_t index) {
  struct sq *q = sq_of(s);
  sqlite3_stmt *st = q->ins[r->type];
  sf_jw_reset(&q->jw);
  int rc = sf_record_encode(r, &q->jw);
  size_t len = 0;
  const char *text = rc ? NULL : sf_jw_cstr(&q->jw, &len);
  if (!text) {
    rc = rc ? rc : SF_ENOMEM;
    sf_store_set_err(s, "write: record %zu (%s %s): cannot encode: %s", index, sf_record_type_name(r->type),
                     sf_record_meta(r)->trace_id,
                     rc == SF_EINVAL ? "a string is not valid UTF-8" : sf_strerror(rc));
    goto fail;
  }
  struct binder b = {st, 0, SQLITE_OK};
  bind_scalars(&b, r);
  /* The text stays in q->jw until the next row, so SQLite need not copy it. */
  if (b.rc == SQLITE_OK && b.i + 1 == q->ins_json_col[r->type])
    b.rc = sqlite3_bind_text(st, q->ins_json_col[r->type], text, (int)len, SQLITE_STATIC);
  else if (b.rc == SQLITE_OK)
    b.rc = SQLITE_RANGE;
  if (b.rc != SQLITE_OK) {
    sf_store_set_err(s, "write: record %zu (%s %s): binding failed: %s", index, sf_record_type_name(r->type),
                     sf_record_meta(r)->trace_id, sqlite3_errstr(b.rc));
    rc = SF_EIO;
    goto fail;
  }
  int step = sqlite3_step(st);
  if (step != SQLITE_DONE) {
    sf_store_set_err(s, "write: record %zu (%s %s): %s", index, sf_record_type_name(r->type),
                     sf_record_meta(r)->trace_id, sqlite3_errmsg(q->db));
    rc = SF_EIO;
    goto fail;
  }
  rc = 0;
fail:
  sqlite3_reset(st);
  sqlite3_clear_bindings(st); /* the bound strings belong to the record and the writer */
  return rc;
}

static int sq_write(struct sf_store *s, const struct sf_record *const *recs, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const char *why = NULL;
    if (sf_store_record_check(recs[i], &why)) {
      sf_store_set_err(s, "write: record %zu (%s trace_id=%s): %s", i, sf_record_type_name(recs[i]->type),
                       sf_record_meta(recs[i])->trace_id, why);
      return SF_EFIELD;
    }
  }
  int rc = exec_sql(s, "BEGIN IMMEDIATE");
  if (rc) return rc;
  for (size_t i = 0; i < n; i++) {
    rc = insert_one(s, recs[i], i);
    if (rc) goto fail;
  }
  rc = exec_sql(s, "COMMIT");
  if (rc) goto fail;
  return 0;
fail:
  sqlite3_exec(sq_of(s)->db, "ROLLBACK", NULL, NULL, NULL);
  return rc;
}

/* ---- read ---- */

static int step_error(struct sf_store *s, int step) {
  if (step == SQLITE_DONE) return 0;
  sf_store_set_err(s, "sqlite: %s", sqlite3_errmsg(sq_of(s)->db));
  return SF_EIO;
}

/* Hands the rows (ts, seq, id, json) of a bound statement to the sink until it is full. */
static int read_rows(struct sf_store *s, sqlite3_stmt *st, struct sf_store_sink *k) {
  int step, rc = 0;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    const char *json = (const char *)sqlite3_column_text(st, 3);
    size_t len = (size_t)sqlite3_column_bytes(st, 3);
    rc = sf_store_sink_row(k, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                           (const char *)sqlite3_column_text(st, 2), json, len);
    if (rc == 1) {
      step = SQLITE_DONE;
      rc = 0;
      break;
    }
    if (rc) break;
  }
  if (!rc) rc = step_error(s, step);
  sqlite3_reset(st);
  return rc;
}

static int prepare_built(struct sf_store *s, struct sbuf *sb, struct binds *bv, sqlite3_stmt **st) {
  if (sb->oom || bv->oom) {
    sf_store_set_err(s, "out of memory building SQL");
    return SF_ENOMEM;
  }
  int rc = cached(s, sb->p, st);
  if (rc) return rc;
  if (apply_binds(*st, bv) != SQLITE_OK) {
    sf_store_set_err(s, "binding: %s", sqlite3_errmsg(sq_of(s)->db));
    return SF_EIO;
  }
  return 0;
}

static int sq_query(struct sf_store *s, const struct sf_store_query *q, struct sf_store_sink *k) {
  struct sbuf sb = {0};
  struct binds bv = {0};
  sqlite3_stmt *st;
  build_query(q, &sb, &bv);
  int rc = prepare_built(s, &sb, &bv, &st);
  if (!rc) rc = read_rows(s, st, k);
  free(sb.p);
  free(bv.v);
  return rc;
}

static int sq_get(struct sf_store *s, enum sf_record_type t, const char *id, struct sf_store_sink *k) {
  struct sbuf sb = {0};
  struct binds bv = {0};
  sqlite3_stmt *st;
  build_get(t, &sb);
  bv_text(&bv, id);
  int rc = prepare_built(s, &sb, &bv, &st);
  if (!rc) rc = read_rows(s, st, k);
  free(sb.p);
  free(bv.v);
  return rc;
}

static int sq_by_trace(struct sf_store *s, const char *const *ids, size_t n, struct sf_store_sink *k) {
  struct sbuf sb = {0};
  struct binds bv = {0};
  sqlite3_stmt *st;
  build_by_trace(n, &sb);
  for (size_t i = 0; i < n; i++) bv_text(&bv, ids[i]);
  int rc = prepare_built(s, &sb, &bv, &st);
  if (!rc) rc = read_rows(s, st, k);
  free(sb.p);
  free(bv.v);
  return rc;
}

static int sq_stats(struct sf_store *s, int64_t from_ts, int64_t to_ts, struct sf_store_profile_stats *out) {
  struct sbuf sb = {0};
  struct binds bv = {0};
  sqlite3_stmt *st;
  build_stats(from_ts != SF_TS_NULL, to_ts != SF_TS_NULL, &sb);
  if (from_ts != SF_TS_NULL) bv_i64(&bv, from_ts);
  if (to_ts != SF_TS_NULL) bv_i64(&bv, to_ts);
  int rc = prepare_built(s, &sb, &bv, &st);
  if (rc) goto done;
  int step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(st, 0);
    struct sf_store_profile_stat *ps = &out->none;
    if (name) {
      int p = sf_profile_from_name(name);
      if (p < 0 || p >= SF_PROFILE_COUNT) {
        sf_log_warn("store", "smart_money_events: unknown primary_profile_id '%s' counted as none", name);
      } else {
        ps = &out->profile[p];
      }
    }
    ps->count += sqlite3_column_int64(st, 1);
    ps->abstained += (int64_t)sqlite3_column_double(st, 2);
    ps->premium += sqlite3_column_double(st, 3);
  }
  rc = step_error(s, step);
  sqlite3_reset(st);
done:
  free(sb.p);
  free(bv.v);
  return rc;
}

static int sq_count(struct sf_store *s, enum sf_record_type t, int64_t *out) {
  struct sbuf sb = {0};
  struct binds bv = {0};
  sqlite3_stmt *st;
  build_count(t, &sb);
  int rc = prepare_built(s, &sb, &bv, &st);
  if (rc) goto done;
  int step = sqlite3_step(st);
  if (step == SQLITE_ROW) {
    *out = sqlite3_column_int64(st, 0);
  } else {
    rc = step == SQLITE_DONE ? SF_EIO : step_error(s, step);
    if (step == SQLITE_DONE) sf_store_set_err(s, "count returned no row");
  }
  sqlite3_reset(st);
done:
  free(sb.p);
  free(bv.v);
  return rc;
}

const struct sf_store_backend sf_store_sqlite_backend = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .write = sq_write,
    .query = sq_query,
    .get = sq_get,
    .prints_by_trace = sq_by_trace,
    .stats_profiles = sq_stats,
    .count = sq_count,
};

sqlite3 *sf_store_sqlite_db(struct sf_store *s) {
  return s->be == &sf_store_sqlite_backend ? sq_of(s)->db : NULL;
}

int sf_store_sqlite_explain(struct sf_store *s, enum sf_sqlite_stmt_kind kind, const struct sf_store_query *q,
                            char *out, size_t cap) {
  if (s->be != &sf_store_sqlite_backend) return SF_ENOTSUP;
  struct sbuf sb = {0};
  struct binds bv = {0};
  sqlite3_stmt *st = NULL;
  int rc = 0;
  sb_add(&sb, "EXPLAIN QUERY PLAN ");
  struct sf_store_query cq = *q;
  if (cq.limit == 0) cq.limit = SF_STORE_LIMIT_DEFAULT;
  switch (kind) {
    case SF_SQLITE_QUERY:
      build_query(&cq, &sb, &bv);
      break;
    case SF_SQLITE_GET:
      build_get(q->type, &sb);
      break;
    case SF_SQLITE_BY_TRACE:
      build_by_trace(3, &sb);
      break;
    case SF_SQLITE_STATS:
      build_stats(1, 1, &sb);
      break;
    case SF_SQLITE_COUNT:
      build_count(q->type, &sb);
      break;
    default:
      rc = SF_EINVAL;
      goto done;
  }
  if (sb.oom || bv.oom) {
    rc = SF_ENOMEM;
    goto done;
  }
  if (sqlite3_prepare_v2(sq_of(s)->db, sb.p, -1, &st, NULL) != SQLITE_OK) {
    sf_store_set_err(s, "explain: %s", sqlite3_errmsg(sq_of(s)->db));
    rc = SF_EIO;
    goto done;
  }
  apply_binds(st, &bv);
  size_t len = 0;
  if (cap) out[0] = '\0';
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *detail = (const char *)sqlite3_column_text(st, 3);
    int w = snprintf(out + len, cap - len, "%s\n", detail ? detail : "");
    if (w < 0 || (size_t)w >= cap - len) {
      rc = SF_ERANGE;
      goto done;
    }
    len += (size_t)w;
  }
done:
  sqlite3_finalize(st);
  free(sb.p);
  free(bv.v);
  return rc;
}
