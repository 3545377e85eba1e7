/* The SQLite store backend. One connection per store handle, in WAL mode so readers on other
 * handles run while a batch commits.
 *
 * Durability: acknowledged = committed. The URL option ?synchronous=full|normal picks SQLite's
 * synchronous mode; FULL (the default) fsyncs the WAL at every COMMIT, so a committed batch
 * survives a power loss as well as a process crash. NORMAL in WAL mode skips that fsync (the WAL
 * is synced at checkpoints): a committed batch still survives a crash of the process (kill -9;
 * the data is in the OS page cache), but the last batches can be lost on a power loss or kernel
 * crash. Writes are batched (one transaction per sf_store_write), so FULL costs one fsync per
 * batch, not per record. New databases use 32 KiB pages; checkpoints run on a thread of their own
 * once the WAL holds 64 MiB (CKPT_PAGES).
 *
 * Rows: one column per record field (columns.h, schema version 2 in sqlite_schema.c). Writes
 * use one prepared INSERT OR IGNORE per table (a repeated trace_id / event_id / packet id is
 * ignored, so a double write stores once), bound column by column from the record, text with
 * SQLITE_STATIC from the record or from scratch buffers reused row after row (JSON columns), so
 * a row allocates nothing once warm. Reads select (ordering ts, seq, id) and the record's columns,
 * rebuild the record from them and hand it to the store's sink (store_impl.h). Read statements
 * are kept in a small cache keyed by their SQL text (the text depends only on the shape of a
 * query: which filters are set and how many list items; values are bound). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartflow/err.h"
#include "smartflow/jsonw.h"
#include "smartflow/log.h"
#include "smartflow/record_json.h"
#include "smartflow/time.h"
#include "store/columns.h"
#include "store/sqlite_store.h"
#include "store/store_impl.h"

#define CACHE_SLOTS 64
/* Page size of new databases. Smart-money rows carry ~1 KiB (features and scores JSON): with
 * 4 KiB pages such rows leave leaves partly empty, so the database and every WAL frame written
 * for it grow; 32 KiB pages fill well and cut the bytes a commit writes. */
#define PAGE_SIZE_STR "32768"
/* Checkpoint after 2000 WAL pages (64 MiB) instead of SQLite's 1000: fewer, larger checkpoints,
 * so a page rewritten by consecutive batches (the right edge of the table and of each index) is
 * copied into the database once per checkpoint rather than once per few batches. The checkpoints
 * run on a thread of their own, over a second connection (struct sq_ckpt), not in the writer's
 * COMMIT; the writer checkpoints itself only when the WAL reaches CKPT_WRITER_PAGES, which bounds
 * the WAL when the checkpointer cannot keep up or a stream of commits keeps it from restarting. */
#define CKPT_PAGES 2000
#define CKPT_PAGES_STR "2000"
#define CKPT_WRITER_PAGES 4000

struct cached_stmt {
  char *sql; /* owned */
  sqlite3_stmt *st;
};

/* A block of the encoded rows' text arena. */
struct sq_blk {
  char *p;
  size_t len, cap;
};

/* Rows publish in steps of this many (fewer lock round trips than one per row). */
#define ENC_PUBLISH 32

/* The batch encoder: sf_store_write's records turned into cells (sq_write). The encoding thread
 * owns scratch, the arena and the cells of rows >= ready; the writer reads rows < ready. */
struct sq_enc {
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  const struct sf_record *const *recs;
  size_t n, ncols;
  size_t ready; /* under mu: rows encoded */
  int done;     /* under mu: the encoder has finished or failed */
  int rc;       /* under mu: its failure (at row ready), why */
  char why[400];
  atomic_int stop;       /* the writer gave up: stop encoding */
  struct sf_cell *cells; /* owned: n rows of ncols cells */
  size_t cells_cap;
  struct sq_blk *blk; /* owned */
  size_t nblk, blk_cap, cur;
  struct sf_cols_scratch scratch; /* JSON columns' text before it is copied to the arena */
};

/* The checkpointer: a thread with its own connection to the database file, started at the first
 * commit that leaves CKPT_PAGES in the WAL, running a PASSIVE checkpoint each time the writer
 * asks (a PASSIVE checkpoint copies committed pages into the database without blocking the writer
 * or readers; durability does not depend on it, a commit is durable once in the WAL). */
struct sq_ckpt {
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  char *path;     /* owned: the database file */
  int started;    /* writer thread only */
  int failed;     /* writer thread only: the thread could not start; checkpoint in COMMIT */
  int want, stop; /* under mu */
  int wal_frames; /* writer thread only: WAL frames after the last commit (wal hook) */
  long by_thread; /* under mu: checkpoints the thread completed (SQLITE_OK) */
  long by_writer; /* writer thread only: checkpoints the writer ran itself */
};

struct sq {
  sqlite3 *db;
  sqlite3_stmt *ins[SF_REC__COUNT];
  struct cached_stmt cache[CACHE_SLOTS];
  size_t cache_next;
  char *select_cols[SF_REC__COUNT]; /* "ts, seq, id, col, col, ..." of each table */
  int synchronous_full;
  struct sq_enc enc;
  struct sq_ckpt ckpt;
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

/* Builds the SELECT of a query: columns (ts, seq, id, the record's columns), filters, order, LIMIT limit+1
 * (one more row than asked tells whether another page exists). */
static void build_query(const struct sf_store_query *q, const char *cols, struct sbuf *sb, struct binds *bv) {
  enum sf_record_type t = q->type;
  const char *ts = ts_col(t);
  const char *dir = q->order == SF_STORE_NEWEST_FIRST ? "DESC" : "ASC";
  char tmp[256];
  sb_add(sb, "SELECT ");
  sb_add(sb, cols);
  snprintf(tmp, sizeof tmp, " FROM %s WHERE 1", sf_store_table_name(t));
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

static void build_get(enum sf_record_type t, const char *cols, struct sbuf *sb) {
  char tmp[200];
  sb_add(sb, "SELECT ");
  sb_add(sb, cols);
  snprintf(tmp, sizeof tmp, " FROM %s WHERE %s = ?", sf_store_table_name(t), id_col(t));
  sb_add(sb, tmp);
}

/* Order is applied in C: an ORDER BY here could lead the planner to walk the ts index over the
 * whole table instead of probing the trace_id index once per id. */
static void build_by_trace(size_t n, const char *cols, struct sbuf *sb) {
  sb_add(sb, "SELECT ");
  sb_add(sb, cols);
  sb_add(sb, " FROM option_prints WHERE trace_id IN (");
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

/* ---- column lists and statements ---- */

/* "INSERT OR IGNORE INTO t(c, ...) VALUES(?, ...)" over every column of t. */
static char *insert_sql_of(enum sf_record_type t) {
  size_t n;
  const struct sf_col *cols = sf_cols_of(t, &n);
  struct sbuf b = {0};
  sb_add(&b, "INSERT OR IGNORE INTO ");
  sb_add(&b, sf_store_table_name(t));
  sb_add(&b, "(");
  for (size_t i = 0; i < n; i++) {
    if (i) sb_add(&b, ",");
    sb_add(&b, cols[i].name);
  }
  sb_add(&b, ") VALUES(");
  sb_marks(&b, n);
  sb_add(&b, ")");
  if (b.oom) {
    free(b.p);
    return NULL;
  }
  return b.p;
}

/* "ts, seq, id, c, ..." : the ordering key, the id and the readable columns, in table order. */
static char *select_cols_of(enum sf_record_type t) {
  size_t n;
  const struct sf_col *cols = sf_cols_of(t, &n);
  struct sbuf b = {0};
  char tmp[128];
  snprintf(tmp, sizeof tmp, "%s, seq, %s", ts_col(t), id_col(t));
  sb_add(&b, tmp);
  for (size_t i = 0; i < n; i++) {
    if (!sf_col_readable(&cols[i])) continue;
    sb_add(&b, ", ");
    sb_add(&b, cols[i].name);
  }
  if (b.oom) {
    free(b.p);
    return NULL;
  }
  return b.p;
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

static void finalize_inserts(struct sq *q) {
  for (int i = 0; i < SF_REC__COUNT; i++) {
    sqlite3_finalize(q->ins[i]);
    q->ins[i] = NULL;
  }
}

static void ckpt_stop(struct sq_ckpt *c) {
  if (c->started) {
    pthread_mutex_lock(&c->mu);
    c->stop = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    c->started = 0;
  }
}

static void sq_close(struct sf_store *s) {
  struct sq *q = sq_of(s);
  if (!q) return;
  ckpt_stop(&q->ckpt); /* its connection closes first: the writer's close then checkpoints */
  free(q->ckpt.path);
  pthread_mutex_destroy(&q->ckpt.mu);
  pthread_cond_destroy(&q->ckpt.cv);
  finalize_inserts(q);
  for (size_t i = 0; i < CACHE_SLOTS; i++) {
    sqlite3_finalize(q->cache[i].st);
    free(q->cache[i].sql);
  }
  for (int t = 0; t < SF_REC__COUNT; t++) free(q->select_cols[t]);
  sqlite3_close(q->db);
  sf_cols_scratch_fini(&q->enc.scratch);
  for (size_t i = 0; i < q->enc.nblk; i++) free(q->enc.blk[i].p);
  free(q->enc.blk);
  free(q->enc.cells);
  pthread_mutex_destroy(&q->enc.mu);
  pthread_cond_destroy(&q->enc.cv);
  free(q);
  s->impl = NULL;
}

/* Prepares the INSERT of every table; why names the table that failed. */
static int prepare_inserts(struct sq *q, char *why, size_t cap) {
  for (int t = 0; t < SF_REC__COUNT; t++) {
    char *sql = insert_sql_of((enum sf_record_type)t);
    if (!sql) return SF_ENOMEM;
    int err = sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &q->ins[t], NULL);
    free(sql);
    if (err != SQLITE_OK) {
      snprintf(why, cap, "preparing insert into %s: %s", sf_store_table_name((enum sf_record_type)t),
               sqlite3_errmsg(q->db));
      return SF_EIO;
    }
  }
  return 0;
}

static int insert_one(struct sq *q, const struct sf_record *r, char *why, size_t cap);

/* Schema step 2's row conversion: each v1 row's json decoded and inserted into the new table;
 * rows that do not decode go to migration_rejects; then the v1 table is dropped. */
static int convert_v1(sqlite3 *db, int version, void *ctx, char *why, size_t cap) {
  struct sq *q = ctx;
  if (version != 2) return 0;
  int rc = prepare_inserts(q, why, cap);
  sqlite3_stmt *sel = NULL, *rej = NULL;
  if (rc) goto done;
  if (sqlite3_prepare_v2(db, "INSERT INTO migration_rejects(table_name, id, json, why) VALUES(?,?,?,?)", -1,
                         &rej, NULL) != SQLITE_OK) {
    snprintf(why, cap, "preparing migration_rejects insert: %s", sqlite3_errmsg(db));
    rc = SF_EIO;
    goto done;
  }
  for (int t = 0; t < SF_REC__COUNT && !rc; t++) {
    enum sf_record_type type = (enum sf_record_type)t;
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT %s, json FROM %s_v1", id_col(type), sf_store_table_name(type));
    if (sqlite3_prepare_v2(db, sql, -1, &sel, NULL) != SQLITE_OK) {
      snprintf(why, cap, "%s: %s", sql, sqlite3_errmsg(db));
      rc = SF_EIO;
      break;
    }
    int step;
    int64_t moved = 0, rejected = 0;
    while (!rc && (step = sqlite3_step(sel)) == SQLITE_ROW) {
      const char *id = (const char *)sqlite3_column_text(sel, 0);
      const char *text = (const char *)sqlite3_column_text(sel, 1);
      size_t len = (size_t)sqlite3_column_bytes(sel, 1);
      char reason[300] = "";
      struct sf_errbuf eb = {{0}};
      json_error_t jerr;
      json_t *j = text ? json_loadb(text, len, 0, &jerr) : NULL;
      struct sf_record rec;
      int drc = SF_EPARSE;
      if (!j)
        snprintf(reason, sizeof reason, "bad JSON: %s", text ? jerr.text : "json is NULL");
      else if ((drc = sf_record_from_json(type, j, &rec, &eb)) != 0)
        snprintf(reason, sizeof reason, "%s", eb.msg[0] ? eb.msg : sf_strerror(drc));
      json_decref(j);
      if (drc == SF_ENOMEM) {
        rc = SF_ENOMEM;
        break;
      }
      if (!drc) {
        const char *w = NULL;
        if (sf_store_record_check(&rec, &w) != 0) {
          snprintf(reason, sizeof reason, "%s", w);
          drc = SF_EFIELD;
        } else {
          rc = insert_one(q, &rec, why, cap);
        }
        sf_record_fini(&rec);
        if (rc) break;
      }
      if (drc) {
        sqlite3_bind_text(rej, 1, sf_store_table_name(type), -1, SQLITE_STATIC);
        sqlite3_bind_text(rej, 2, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(rej, 3, text, (int)len, SQLITE_TRANSIENT);
        sqlite3_bind_text(rej, 4, reason, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(rej) != SQLITE_DONE) {
          snprintf(why, cap, "migration_rejects: %s", sqlite3_errmsg(db));
          rc = SF_EIO;
        }
        sqlite3_reset(rej);
        rejected++;
        sf_log_warn("store", "migrating %s row %s=%s: %s (kept in migration_rejects)",
                    sf_store_table_name(type), id_col(type), id ? id : "(null)", reason);
      } else {
        moved++;
      }
    }
    if (!rc && step != SQLITE_DONE) {
      snprintf(why, cap, "reading %s_v1: %s", sf_store_table_name(type), sqlite3_errmsg(db));
      rc = SF_EIO;
    }
    sqlite3_finalize(sel);
    sel = NULL;
    if (rc) break;
    if (moved || rejected)
      sf_log_info("store", "schema 2: %s: %lld rows converted, %lld kept in migration_rejects",
                  sf_store_table_name(type), (long long)moved, (long long)rejected);
    snprintf(sql, sizeof sql, "DROP TABLE %s_v1", sf_store_table_name(type));
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
      snprintf(why, cap, "%s: %s", sql, msg ? msg : sqlite3_errmsg(db));
      rc = SF_EIO;
    }
    sqlite3_free(msg);
  }
done:
  sqlite3_finalize(sel);
  sqlite3_finalize(rej);
  finalize_inserts(q); /* prepared again after the migration commits */
  return rc;
}

/* Splits "PATH?synchronous=full|normal" into the path (copied to out) and the mode. */
static int parse_target(struct sf_store *s, const char *target, char *out, size_t cap, int *full) {
  const char *qm = strchr(target, '?');
  size_t len = qm ? (size_t)(qm - target) : strlen(target);
  *full = 1;
  if (len >= cap) {
    sf_store_set_err(s, "sqlite: path too long");
    return SF_EINVAL;
  }
  memcpy(out, target, len);
  out[len] = '\0';
  if (!qm) return 0;
  if (strcmp(qm + 1, "synchronous=full") == 0) return 0;
  if (strcmp(qm + 1, "synchronous=normal") == 0) {
    *full = 0;
    return 0;
  }
  sf_store_set_err(s, "sqlite: unknown URL option '%s' (expected synchronous=full or synchronous=normal)",
                   qm + 1);
  return SF_EINVAL;
}

/* ---- checkpoints ---- */

static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames) {
  (void)db;
  (void)name;
  ((struct sq_ckpt *)arg)->wal_frames = frames;
  return SQLITE_OK;
}

static void *ckpt_main(void *arg) {
  struct sq_ckpt *c = arg;
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(c->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
    sf_log_warn("store", "sqlite: %s: checkpoint connection: %s; the writer checkpoints", c->path,
                db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    db = NULL;
  } else {
    sqlite3_busy_timeout(db, 1000);
    /* A connection learns the file is in WAL mode when it first reads it; until then a checkpoint
     * on it does nothing. */
    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK) {
      sf_log_warn("store", "sqlite: %s: checkpoint connection: %s; the writer checkpoints", c->path,
                  sqlite3_errmsg(db));
      sqlite3_close(db);
      db = NULL;
    }
  }
  pthread_mutex_lock(&c->mu);
  for (;;) {
    while (!c->want && !c->stop) pthread_cond_wait(&c->cv, &c->mu);
    if (c->stop) break;
    c->want = 0;
    pthread_mutex_unlock(&c->mu);
    int rc = db ? sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) : SQLITE_OK;
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
      sf_log_warn("store", "sqlite: %s: checkpoint: %s", c->path, sqlite3_errmsg(db));
    pthread_mutex_lock(&c->mu);
    if (db && rc == SQLITE_OK) c->by_thread++;
  }
  pthread_mutex_unlock(&c->mu);
  sqlite3_close(db);
  return NULL;
}

/* After a commit: wakes the checkpointer when the WAL holds CKPT_PAGES or more, and checkpoints
 * in the writer (PASSIVE: what the checkpointer already copied is not copied again) when it holds
 * CKPT_WRITER_PAGES, or when the checkpointer could not start. */
static void ckpt_after_commit(struct sq *q) {
  struct sq_ckpt *c = &q->ckpt;
  if (!c->path || c->wal_frames < CKPT_PAGES) return;
  if (!c->started && !c->failed) {
    c->started = pthread_create(&c->thread, NULL, ckpt_main, c) == 0;
    c->failed = !c->started;
  }
  if (c->started) {
    pthread_mutex_lock(&c->mu);
    c->want = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
  }
  if (c->failed || c->wal_frames >= CKPT_WRITER_PAGES) {
    sqlite3_wal_checkpoint_v2(q->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    c->by_writer++;
  }
}

static int sq_open(struct sf_store *s, const char *target) {
  int rc;
  struct sq *q = calloc(1, sizeof *q);
  if (!q) return SF_ENOMEM;
  s->impl = q;
  sf_cols_scratch_init(&q->enc.scratch);
  pthread_mutex_init(&q->enc.mu, NULL);
  pthread_cond_init(&q->enc.cv, NULL);
  pthread_mutex_init(&q->ckpt.mu, NULL);
  pthread_cond_init(&q->ckpt.cv, NULL);
  char path[4096];
  rc = parse_target(s, target, path, sizeof path, &q->synchronous_full);
  if (rc) goto fail;
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
  rc = exec_sql(s, q->synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  if (!rc)
    rc = exec_sql(
        s, "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=" CKPT_PAGES_STR);
  if (rc) goto fail;
  char why[512];
  int version = 0;
  rc = sf_sqlite_migrate(q->db, 0, &version, convert_v1, q, why, sizeof why);
  if (rc) {
    sf_store_set_err(s, "sqlite: %s: %s", path, why);
    goto fail;
  }
  rc = prepare_inserts(q, why, sizeof why);
  if (rc) {
    sf_store_set_err(s, "sqlite: %s", why);
    goto fail;
  }
  if (!memory) {
    /* From here on (a migration above checkpointed automatically) the hook replaces SQLite's
     * automatic checkpoint: ckpt_after_commit does it. */
    q->ckpt.path = strdup(path);
    if (!q->ckpt.path) {
      rc = SF_ENOMEM;
      goto fail;
    }
    sqlite3_wal_hook(q->db, wal_hook, &q->ckpt);
  }
  for (int t = 0; t < SF_REC__COUNT; t++) {
    q->select_cols[t] = select_cols_of((enum sf_record_type)t);
    if (!q->select_cols[t]) {
      rc = SF_ENOMEM;
      goto fail;
    }
  }
  return 0;
fail:
  sq_close(s);
  return rc;
}

/* ---- write ---- */

/* Encoded rows. A row's cells are ncols consecutive cells in enc.cells; text that does not live
 * in the record (JSON columns, string arrays) is copied into the arena, a list of blocks that
 * never move once allocated, so the writer may read a row while the encoder fills later ones. */
#define ARENA_BLOCK (1u << 20)

static int is_json_kind(uint8_t k) {
  return k == SF_COL_FEATURES || k == SF_COL_SCORES6 || k == SF_COL_JSONOBJ || k == SF_COL_HITS ||
         k == SF_COL_PSCORES;
}

/* Copies n bytes (plus a NUL) into the arena; NULL when out of memory. */
static const char *arena_put(struct sq_enc *e, const char *p, size_t n) {
  struct sq_blk *b = e->nblk ? &e->blk[e->cur] : NULL;
  while (!b || b->cap - b->len < n + 1) {
    if (b && e->cur + 1 < e->nblk && e->blk[e->cur + 1].cap >= n + 1) { /* a kept block */
      b = &e->blk[++e->cur];
      b->len = 0;
      continue;
    }
    if (e->nblk == e->blk_cap) {
      size_t ncap = e->blk_cap ? e->blk_cap * 2 : 8;
      struct sq_blk *nb = realloc(e->blk, ncap * sizeof *nb);
      if (!nb) return NULL;
      e->blk = nb;
      e->blk_cap = ncap;
    }
    size_t cap = n + 1 > ARENA_BLOCK ? n + 1 : ARENA_BLOCK;
    char *mem = malloc(cap);
    if (!mem) return NULL;
    /* A new block goes after the current one; the blocks after it (kept from an earlier batch,
     * too small for this text) move one slot on. */
    size_t at = e->nblk ? e->cur + 1 : 0;
    memmove(&e->blk[at + 1], &e->blk[at], (e->nblk - at) * sizeof *e->blk);
    e->blk[at] = (struct sq_blk){mem, 0, cap};
    e->nblk++;
    e->cur = at;
    b = &e->blk[at];
  }
  char *o = b->p + b->len;
  memcpy(o, p, n);
  o[n] = '\0';
  b->len += n + 1;
  return o;
}

/* Encodes record r into the cells at out (one per column); why says what failed. */
static int encode_row(struct sq_enc *e, const struct sf_record *r, struct sf_cell *out, char *why,
                      size_t cap) {
  size_t n;
  const struct sf_col *cols = sf_cols_of(r->type, &n);
  for (size_t i = 0; i < n; i++) {
    struct sf_cell *cell = &out[i];
    int rc = sf_col_get(r, &cols[i], i, &e->scratch, cell);
    if (rc) {
      snprintf(why, cap, "column %s: %s", cols[i].name,
               rc == SF_EINVAL ? "a string is not valid UTF-8" : sf_strerror(rc));
      return rc == SF_EINVAL ? SF_EFIELD : rc;
    }
    const char *text = NULL;
    size_t len = 0;
    if (cell->t == SF_CELL_ARRAY) {
      if (sf_cell_array_len(cell) == 0) { /* an empty array is NULL */
        cell->t = SF_CELL_NULL;
        continue;
      }
      struct sf_jw *w = &e->scratch.jw[i];
      sf_jw_reset(w);
      sf_cell_array_json(cell, w);
      text = sf_jw_status(w) ? NULL : sf_jw_cstr(w, &len);
      if (!text) {
        snprintf(why, cap, "column %s: %s", cols[i].name, sf_strerror(SF_ENOMEM));
        return SF_ENOMEM;
      }
    } else if (cell->t == SF_CELL_TEXT && is_json_kind(cols[i].kind)) {
      text = cell->s;
      len = cell->n;
    } else {
      continue; /* numbers, and text that lives in the record */
    }
    const char *kept = arena_put(e, text, len);
    if (!kept) {
      snprintf(why, cap, "column %s: %s", cols[i].name, sf_strerror(SF_ENOMEM));
      return SF_ENOMEM;
    }
    cell->t = SF_CELL_TEXT;
    cell->s = kept;
    cell->n = len;
  }
  return 0;
}

/* Encodes rows [0, e->n) in order, publishing progress in e->ready every few rows; stops at the
 * first failure (e->rc and e->why; e->ready is then that row) or when e->stop is set. */
static void encode_rows(struct sq_enc *e) {
  size_t published = 0;
  for (size_t i = 0; i < e->n; i++) {
    if (atomic_load_explicit(&e->stop, memory_order_relaxed)) break;
    char why[sizeof e->why];
    int rc = encode_row(e, e->recs[i], &e->cells[i * e->ncols], why, sizeof why);
    if (rc || i + 1 == e->n || i + 1 - published >= ENC_PUBLISH) {
      pthread_mutex_lock(&e->mu);
      if (rc) {
        e->rc = rc;
        memcpy(e->why, why, sizeof why);
        e->ready = i; /* the rows before it are good */
      } else {
        e->ready = i + 1;
      }
      if (rc || i + 1 == e->n) e->done = 1;
      pthread_cond_signal(&e->cv);
      pthread_mutex_unlock(&e->mu);
      published = i + 1;
      if (rc) return;
    }
  }
  pthread_mutex_lock(&e->mu);
  e->done = 1;
  pthread_cond_signal(&e->cv);
  pthread_mutex_unlock(&e->mu);
}

static void *encode_main(void *arg) {
  encode_rows(arg);
  return NULL;
}

/* Binds an encoded row's cells to st and steps it (INSERT OR IGNORE); why says what failed. */
static int insert_cells(struct sq *q, sqlite3_stmt *st, const struct sf_col *cols, const struct sf_cell *c,
                        size_t n, char *why, size_t cap) {
  int rc = 0;
  for (size_t i = 0; i < n; i++) {
    int idx = (int)i + 1, b;
    switch (c[i].t) {
      case SF_CELL_INT:
        b = sqlite3_bind_int64(st, idx, c[i].i);
        break;
      case SF_CELL_REAL:
        b = sqlite3_bind_double(st, idx, c[i].d);
        break;
      case SF_CELL_TEXT:
        b = sqlite3_bind_text(st, idx, c[i].s, (int)c[i].n, SQLITE_STATIC);
        break;
      default:
        b = sqlite3_bind_null(st, idx);
        break;
    }
    if (b != SQLITE_OK) {
      snprintf(why, cap, "column %s: binding failed: %s", cols[i].name, sqlite3_errstr(b));
      rc = b == SQLITE_NOMEM ? SF_ENOMEM : SF_EIO;
      goto done;
    }
  }
  if (sqlite3_step(st) != SQLITE_DONE) {
    snprintf(why, cap, "%s", sqlite3_errmsg(q->db));
    rc = SF_EIO;
  }
done:
  /* The bound strings belong to the record and the arena: they stay bound after the reset but
   * are never read again, since the next row binds every parameter before it steps. */
  sqlite3_reset(st);
  return rc;
}

/* Makes room for n rows of ncols cells (the widest table of the batch: rows stay close together
 * in memory) and empties the arena. */
static int enc_reserve(struct sq_enc *e, size_t n, size_t ncols) {
  if (n * ncols > e->cells_cap) {
    struct sf_cell *c = realloc(e->cells, n * ncols * sizeof *c);
    if (!c) return SF_ENOMEM;
    e->cells = c;
    e->cells_cap = n * ncols;
  }
  e->ncols = ncols;
  e->cur = 0;
  if (e->nblk) e->blk[0].len = 0;
  return 0;
}

/* Inserts one record (INSERT OR IGNORE), encoding it in the calling thread; why says what failed. */
static int insert_one(struct sq *q, const struct sf_record *r, char *why, size_t cap) {
  struct sq_enc *e = &q->enc;
  int rc = enc_reserve(e, 1, SF_COLS_MAX);
  if (rc) {
    snprintf(why, cap, "%s", sf_strerror(rc));
    return rc;
  }
  size_t n;
  const struct sf_col *cols = sf_cols_of(r->type, &n);
  rc = encode_row(e, r, e->cells, why, cap);
  if (rc) return rc;
  return insert_cells(q, q->ins[r->type], cols, e->cells, n, why, cap);
}

/* The rows of a batch are encoded on a second thread while this one binds and steps the rows
 * already encoded, when the batch has at least this many records with JSON columns (for a
 * smart-money event the two take about a third and two thirds of a row's cost). Other batches are
 * encoded in line: an option print's columns are mostly copied as they are, and a thread would
 * only add its own cost. */
#define ENC_THREAD_MIN 256

static int has_json_columns(enum sf_record_type t) {
  return t == SF_REC_SMART_MONEY || t == SF_REC_FLOW_PACKET || t == SF_REC_ALERT;
}

static int sq_write(struct sf_store *s, const struct sf_record *const *recs, size_t n) {
  struct sq *q = sq_of(s);
  struct sq_enc *e = &q->enc;
  size_t ncols = 0, n_json = 0;
  for (size_t i = 0; i < n; i++) {
    const char *why = NULL;
    if (sf_store_record_check(recs[i], &why)) {
      sf_store_set_err(s, "write: record %zu (%s trace_id=%s): %s", i, sf_record_type_name(recs[i]->type),
                       sf_record_meta(recs[i])->trace_id, why);
      return SF_EFIELD;
    }
    size_t nc;
    sf_cols_of(recs[i]->type, &nc);
    if (nc > ncols) ncols = nc;
    n_json += (size_t)has_json_columns(recs[i]->type);
  }
  if (n == 0) return 0;
  int rc = enc_reserve(e, n, ncols);
  if (rc) return rc;
  e->recs = recs;
  e->n = n;
  e->ready = 0;
  e->done = 0;
  e->rc = 0;
  atomic_store(&e->stop, 0);
  int threaded = 0;
  if (n_json >= ENC_THREAD_MIN) threaded = pthread_create(&e->thread, NULL, encode_main, e) == 0;
  rc = exec_sql(s, "BEGIN IMMEDIATE");
  if (rc) goto stop;
  size_t ready = 0;
  for (size_t i = 0; i < n; i++) {
    char why[400];
    const struct sf_cell *cells = e->cells;
    if (!threaded) { /* in line: each row encoded just before it is bound, into the same cells */
      e->cur = 0;
      if (e->nblk) e->blk[0].len = 0;
      rc = encode_row(e, recs[i], e->cells, why, sizeof why);
      if (rc) {
        sf_store_set_err(s, "write: record %zu (%s %s): %s", i, sf_record_type_name(recs[i]->type),
                         sf_record_meta(recs[i])->trace_id, why);
        goto fail;
      }
    } else {
      if (i >= ready) {
        pthread_mutex_lock(&e->mu);
        while (e->ready <= i && !e->done) pthread_cond_wait(&e->cv, &e->mu);
        ready = e->ready;
        pthread_mutex_unlock(&e->mu);
        if (ready <= i) { /* the encoder stopped at row i */
          rc = e->rc;
          sf_store_set_err(s, "write: record %zu (%s %s): %s", i, sf_record_type_name(recs[i]->type),
                           sf_record_meta(recs[i])->trace_id, e->why);
          goto fail;
        }
      }
      cells = &e->cells[i * e->ncols];
    }
    size_t nc;
    const struct sf_col *cols = sf_cols_of(recs[i]->type, &nc);
    rc = insert_cells(q, q->ins[recs[i]->type], cols, cells, nc, why, sizeof why);
    if (rc) {
      sf_store_set_err(s, "write: record %zu (%s %s): %s", i, sf_record_type_name(recs[i]->type),
                       sf_record_meta(recs[i])->trace_id, why);
      goto fail;
    }
  }
  if (threaded) pthread_join(e->thread, NULL);
  threaded = 0;
  rc = exec_sql(s, "COMMIT");
  if (rc) goto fail;
  ckpt_after_commit(q);
  return 0;
fail:
  sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
stop:
  if (threaded) {
    atomic_store(&e->stop, 1);
    pthread_join(e->thread, NULL);
  }
  return rc;
}

/* ---- read ---- */

static int step_error(struct sf_store *s, int step) {
  if (step == SQLITE_DONE) return 0;
  sf_store_set_err(s, "sqlite: %s", sqlite3_errmsg(sq_of(s)->db));
  return SF_EIO;
}

/* Rebuilds the record of the current row (columns from index 3 on); why says what failed. */
static int row_record(sqlite3_stmt *st, enum sf_record_type t, struct sf_record *rec, char *why, size_t cap) {
  size_t n;
  const struct sf_col *cols = sf_cols_of(t, &n);
  sf_record_init(rec, t);
  int idx = 3, rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    if (!sf_col_readable(&cols[i])) continue;
    struct sf_cell cell = {0};
    switch (sqlite3_column_type(st, idx)) {
      case SQLITE_INTEGER:
        cell.t = SF_CELL_INT;
        cell.i = sqlite3_column_int64(st, idx);
        break;
      case SQLITE_FLOAT:
        cell.t = SF_CELL_REAL;
        cell.d = sqlite3_column_double(st, idx);
        break;
      case SQLITE_NULL:
        break;
      default:
        cell.t = SF_CELL_TEXT;
        cell.s = (const char *)sqlite3_column_text(st, idx);
        cell.n = (size_t)sqlite3_column_bytes(st, idx);
        if (!cell.s) cell.t = SF_CELL_NULL;
        break;
    }
    idx++;
    rc = sf_col_set(rec, &cols[i], &cell, why, cap);
  }
  if (rc) {
    sf_record_fini(rec);
    return rc;
  }
  return 0;
}

/* Hands the rows (ts, seq, id, columns...) of a bound statement to the sink until it is full. */
static int read_rows(struct sf_store *s, sqlite3_stmt *st, struct sf_store_sink *k) {
  int step, rc = 0;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    if (sf_store_sink_full(k)) {
      step = SQLITE_DONE;
      break;
    }
    char why[300] = "";
    struct sf_record rec;
    const char *id = (const char *)sqlite3_column_text(st, 2);
    int drc = row_record(st, k->type, &rec, why, sizeof why);
    if (drc == SF_ENOMEM) {
      rc = drc;
      break;
    }
    rc = sf_store_sink_row(k, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), id, drc ? NULL : &rec,
                           why);
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
  build_query(q, sq_of(s)->select_cols[q->type], &sb, &bv);
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
  build_get(t, sq_of(s)->select_cols[t], &sb);
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
  build_by_trace(n, sq_of(s)->select_cols[SF_REC_OPTION_PRINT], &sb);
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

int sf_store_sqlite_checkpoints(struct sf_store *s, long *by_thread, long *by_writer) {
  if (s->be != &sf_store_sqlite_backend) return SF_ENOTSUP;
  struct sq_ckpt *c = &sq_of(s)->ckpt;
  pthread_mutex_lock(&c->mu);
  *by_thread = c->by_thread;
  pthread_mutex_unlock(&c->mu);
  *by_writer = c->by_writer;
  return 0;
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
      build_query(&cq, sq_of(s)->select_cols[cq.type], &sb, &bv);
      break;
    case SF_SQLITE_GET:
      build_get(q->type, sq_of(s)->select_cols[q->type], &sb);
      break;
    case SF_SQLITE_BY_TRACE:
      build_by_trace(3, sq_of(s)->select_cols[SF_REC_OPTION_PRINT], &sb);
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
