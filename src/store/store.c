/* The store front end: URL parsing, backend dispatch by scheme, argument validation shared by all
 * backends (limits capped at SF_STORE_LIMIT_MAX, filters checked against the record type), the
 * read sinks (a row decoded into a record, or checked and kept as raw text; paging, skipping and
 * the has_next cursor for both) and the result helpers. Backends are const method tables
 * (store_impl.h); a scheme whose backend is not compiled in answers SF_ENOTSUP, so no caller
 * needs an #ifdef. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "smartflow/err.h"
#include "smartflow/jsonw.h"
#include "smartflow/log.h"
#include "smartflow/record_json.h"
#include "smartflow/time.h"
#include "smartflow/version.h"
#include "store/store_impl.h"

static const char *const table_names[SF_REC__COUNT] = {
    "option_prints", "option_nbbo",        "equity_quotes",   "equity_prints",
    "flow_packets",  "smart_money_events", "classifier_hits", "alerts",
};

const char *sf_store_table_name(enum sf_record_type t) {
  return (unsigned)t < SF_REC__COUNT ? table_names[t] : NULL;
}

int sf_store_is_market(enum sf_record_type t) { return t <= SF_REC_EQUITY_PRINT; }

const struct sf_profile_score *sf_store_primary_score(const struct sf_smart_money_event *e) {
  if (e->primary_profile < 0) return NULL;
  for (size_t i = 0; i < SF_PROFILE_COUNT; i++)
    if (e->scores[i].profile == (uint8_t)e->primary_profile) return &e->scores[i];
  return NULL;
}

void sf_store_set_err(struct sf_store *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->errmsg, sizeof s->errmsg, fmt, ap);
  va_end(ap);
}

void sf_store_append_err(struct sf_store *s, const char *fmt, ...) {
  size_t len = strlen(s->errmsg);
  if (len && len + 2 < sizeof s->errmsg) {
    memcpy(s->errmsg + len, "; ", 3);
    len += 2;
  }
  if (len + 1 >= sizeof s->errmsg) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->errmsg + len, sizeof s->errmsg - len, fmt, ap);
  va_end(ap);
}

const char *sf_store_id_col(enum sf_record_type t) {
  if (t == SF_REC_FLOW_PACKET) return "id";
  if (t == SF_REC_SMART_MONEY) return "event_id";
  return "trace_id";
}

static int result_push(struct sf_store_result *res, struct sf_record *r) {
  /* Capacity is implicit: 16, then doubled whenever n reaches a power of two >= 16. */
  size_t n = res->n;
  if (n == 0 || (n >= 16 && (n & (n - 1)) == 0)) {
    size_t cap = n ? n * 2 : 16;
    struct sf_record *nr = realloc(res->recs, cap * sizeof *nr);
    if (!nr) return SF_ENOMEM;
    res->recs = nr;
  }
  res->recs[res->n++] = *r;
  return 0;
}

void sf_store_result_free(struct sf_store_result *r) {
  if (!r) return;
  for (size_t i = 0; i < r->n; i++) sf_record_fini(&r->recs[i]);
  free(r->recs);
  memset(r, 0, sizeof *r);
}

void sf_store_raw_result_free(struct sf_store_raw_result *r) {
  if (!r) return;
  free(r->rows);
  free(r->arena);
  memset(r, 0, sizeof *r);
}

/* ---- read sinks ---- */

static void skip_row(struct sf_store_sink *k, const char *id, const char *why) {
  enum sf_record_type t = k->type;
  sf_log_warn("store", "%s: skipping undecodable row %s=%s: %s", sf_store_table_name(t), sf_store_id_col(t),
              id ? id : "(null)", why);
  sf_store_append_err(k->s, "skipped %s row %s=%s: %s", sf_store_table_name(t), sf_store_id_col(t),
                      id ? id : "(null)", why);
  sf_store_sink_skip(k);
}

void sf_store_sink_skip(struct sf_store_sink *k) {
  if (k->res)
    k->res->skipped++;
  else
    k->raw->skipped++;
}

/* Encodes the record onto the raw result's text (k->text, NUL after each row). */
static int sink_raw(struct sf_store_sink *k, const char *id, const struct sf_record *rec) {
  struct sf_jw *w = &k->text;
  size_t start = w->len;
  w->comma = false;
  int rc = sf_record_encode(rec, w);
  if (!rc) {
    sf_jw_bytes(w, "", 1); /* the row's NUL */
    rc = sf_jw_status(w);
  }
  if (rc) {
    w->len = start; /* drop the partial row */
    w->err = 0;
    if (rc == SF_ENOMEM) return rc;
    skip_row(k, id, rc == SF_EINVAL ? "cannot encode: a string is not valid UTF-8" : sf_strerror(rc));
    return 0;
  }
  struct sf_store_raw_result *r = k->raw;
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 64;
    struct sf_store_raw_row *nr = realloc(r->rows, cap * sizeof *nr);
    if (!nr) return SF_ENOMEM;
    r->rows = nr;
    r->cap = cap;
  }
  r->rows[r->n++] = (struct sf_store_raw_row){NULL, w->len - start - 1, k->last, start};
  return 0;
}

int sf_store_sink_full(struct sf_store_sink *k) {
  if (k->scanned < k->limit) return 0;
  if (k->res) {
    k->res->has_next = true;
    k->res->next = k->last;
  } else {
    k->raw->has_next = true;
    k->raw->next = k->last;
  }
  return 1;
}

int sf_store_sink_row(struct sf_store_sink *k, int64_t ts, int64_t seq, const char *id, struct sf_record *rec,
                      const char *why) {
  k->scanned++;
  k->last.ts = ts;
  k->last.seq = seq;
  if (!rec) {
    skip_row(k, id, why ? why : "cannot decode the row");
    return 0;
  }
  int rc;
  if (k->res) {
    rc = result_push(k->res, rec);
    if (rc) sf_record_fini(rec);
    return rc;
  }
  rc = sink_raw(k, id, rec);
  sf_record_fini(rec);
  return rc;
}

/* Finishes a read into a decoded (res) or raw result: frees it on error, else hands the raw text
 * to the raw result and points its rows at it. Returns rc. */
static int read_done(struct sf_store *s, int rc, struct sf_store_sink *k) {
  struct sf_store_result *res = k->res;
  struct sf_store_raw_result *raw = k->raw;
  if (rc == SF_ENOMEM && !s->errmsg[0]) sf_store_set_err(s, "read: out of memory");
  if (!rc && raw && raw->n) {
    size_t len = 0;
    raw->arena = sf_jw_take(&k->text, &len);
    if (!raw->arena) {
      rc = SF_ENOMEM;
    } else {
      raw->arena_len = raw->arena_cap = len;
      for (size_t i = 0; i < raw->n; i++) raw->rows[i].json = raw->arena + raw->rows[i].offset;
    }
  }
  sf_jw_fini(&k->text);
  if (rc) {
    sf_store_result_free(res);
    sf_store_raw_result_free(raw);
    return rc;
  }
  return 0;
}

void sf_store_query_init(struct sf_store_query *q, enum sf_record_type type, enum sf_store_order order) {
  memset(q, 0, sizeof *q);
  q->type = type;
  q->order = order;
  q->from_ts = SF_TS_NULL;
  q->to_ts = SF_TS_NULL;
  q->option_type = SF_OPT_NULL;
  q->min_notional = SF_NULL;
  q->profile = -1;
  q->direction = -1;
  q->abstained = -1;
  q->min_premium = SF_NULL;
  q->band = -1;
}

int sf_store_record_key(const struct sf_record *r, struct sf_store_cursor *out) {
  const struct sf_meta *m = sf_record_meta(r);
  int64_t ts;
  switch (r->type) {
    case SF_REC_OPTION_PRINT:
      ts = r->u.option_print.ts_ns;
      break;
    case SF_REC_OPTION_NBBO:
      ts = r->u.option_nbbo.ts_ns;
      break;
    case SF_REC_EQUITY_QUOTE:
      ts = r->u.equity_quote.ts_ns;
      break;
    case SF_REC_EQUITY_PRINT:
      ts = r->u.equity_print.ts_ns;
      break;
    default:
      ts = SF_TS_NULL;
      break;
  }
  if (sf_store_is_market(r->type)) {
    if (ts == SF_TS_NULL) return SF_EFIELD;
    out->ts = sf_ns_to_ms(ts);
  } else {
    if (m->source_ts == SF_TS_NULL) return SF_EFIELD;
    out->ts = m->source_ts;
  }
  out->seq = m->seq;
  return 0;
}

int sf_store_record_check(const struct sf_record *r, const char **why) {
  struct sf_store_cursor key;
  const char *w = NULL;
  if ((unsigned)r->type >= SF_REC__COUNT)
    w = "unknown record type";
  else if (!sf_record_meta(r)->trace_id[0])
    w = "trace_id is empty";
  else if (sf_store_record_key(r, &key))
    w = sf_store_is_market(r->type) ? "ts is null (needed to order the row)"
                                    : "source_ts is null (needed to order the row)";
  else if (r->type == SF_REC_FLOW_PACKET && !r->u.flow_packet.id[0])
    w = "id is empty";
  else if (r->type == SF_REC_SMART_MONEY && !r->u.smart_money.event_id[0])
    w = "event_id is empty";
  else if ((r->type == SF_REC_OPTION_PRINT && !r->u.option_print.option_contract_id[0]) ||
           (r->type == SF_REC_OPTION_NBBO && !r->u.option_nbbo.option_contract_id[0]))
    w = "option_contract_id is empty";
  else if ((r->type == SF_REC_EQUITY_QUOTE && !r->u.equity_quote.underlying_id[0]) ||
           (r->type == SF_REC_EQUITY_PRINT && !r->u.equity_print.underlying_id[0]))
    w = "underlying_id is empty";
  if (why) *why = w ? w : "";
  return w ? SF_EFIELD : 0;
}

/* ---- URL parsing ---- */

/* mkdir -p of the folder that holds path (nothing when path has no folder part). */
static int make_parent_dirs(const char *path, char *why, size_t why_cap) {
  char buf[4096];
  size_t len = strlen(path);
  if (len >= sizeof buf) {
    snprintf(why, why_cap, "path too long (%zu bytes)", len);
    return SF_EINVAL;
  }
  memcpy(buf, path, len + 1);
  char *slash = strrchr(buf, '/');
  if (!slash || slash == buf) return 0;
  *slash = '\0';
  for (char *p = buf + 1;; p++) {
    char c = *p;
    if (c == '/' || c == '\0') {
      *p = '\0';
      if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
        snprintf(why, why_cap, "cannot create folder %.900s: %s", buf, strerror(errno));
        return SF_EIO;
      }
      *p = c;
      if (c == '\0') break;
    }
  }
  return 0;
}

/* Validates HOST:PORT/DB. */
static int check_clickhouse_target(const char *t, char *why, size_t why_cap) {
  const char *colon = strchr(t, ':');
  const char *slash = strchr(t, '/');
  if (!colon || !slash || colon > slash || colon == t) {
    snprintf(why, why_cap, "clickhouse URL must be clickhouse://HOST:PORT/DB, got '%s'", t);
    return SF_EINVAL;
  }
  long port = 0;
  for (const char *p = colon + 1; p < slash; p++) {
    if (*p < '0' || *p > '9' || port > 65535) {
      port = -1;
      break;
    }
    port = port * 10 + (*p - '0');
  }
  if (port < 1 || port > 65535) {
    snprintf(why, why_cap, "clickhouse URL port must be 1..65535 in '%s'", t);
    return SF_EINVAL;
  }
  if (slash[1] == '\0') {
    snprintf(why, why_cap, "clickhouse URL lacks a database name in '%s'", t);
    return SF_EINVAL;
  }
  for (const char *p = slash + 1; *p; p++) {
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_')) {
      snprintf(why, why_cap, "clickhouse database name may hold only letters, digits and '_' in '%s'", t);
      return SF_EINVAL;
    }
  }
  return 0;
}

int sf_store_open(const char *url, struct sf_store **out) {
  char why[1100] = "";
  struct sf_store *s = NULL;
  const struct sf_store_backend *be = NULL;
  const char *target = NULL;
  int rc;
  *out = NULL;
  if (!url || !*url) {
    snprintf(why, sizeof why, "empty store URL");
    rc = SF_EINVAL;
    goto fail;
  }
  if (strncmp(url, "sqlite:", 7) == 0) {
    target = url + 7;
    if (strncmp(target, "//", 2) == 0) target += 2; /* sqlite:///abs/path */
    if (!*target) target = SF_STORE_DEFAULT_SQLITE_PATH;
    if (strcmp(target, ":memory:") != 0) {
      rc = make_parent_dirs(target, why, sizeof why);
      if (rc) goto fail;
    }
    be = &sf_store_sqlite_backend;
  } else if (strncmp(url, "clickhouse://", 13) == 0) {
    target = url + 13;
    rc = check_clickhouse_target(target, why, sizeof why);
    if (rc) goto fail;
#if SF_HAVE_CLICKHOUSE
    be = &sf_store_clickhouse_backend;
#else
    snprintf(why, sizeof why, "the clickhouse store backend is not in this build (SF_WITH_CLICKHOUSE=OFF)");
    rc = SF_ENOTSUP;
    goto fail;
#endif
  } else {
    snprintf(why, sizeof why,
             "unknown store URL scheme in '%s' (expected sqlite:PATH or clickhouse://HOST:PORT/DB)", url);
    rc = SF_EINVAL;
    goto fail;
  }
  s = calloc(1, sizeof *s);
  if (!s) {
    rc = SF_ENOMEM;
    goto fail;
  }
  s->be = be;
  rc = be->open(s, target);
  if (rc) {
    snprintf(why, sizeof why, "%s", s->errmsg);
    goto fail;
  }
  *out = s;
  return 0;
fail:
  sf_log_error("store", "cannot open store '%s': %s (%s)", url ? url : "(null)",
               why[0] ? why : sf_strerror(rc), sf_errname(rc));
  free(s);
  return rc;
}

void sf_store_close(struct sf_store *s) {
  if (!s) return;
  s->be->close(s);
  free(s);
}

const char *sf_store_errmsg(const struct sf_store *s) { return s ? s->errmsg : "no store"; }

const char *sf_store_backend_name(const struct sf_store *s) { return s->be->name; }

int sf_store_write(struct sf_store *s, const struct sf_record *const *recs, size_t n) {
  s->errmsg[0] = '\0';
  if (n == 0) return 0;
  if (!recs) {
    sf_store_set_err(s, "write: NULL record array");
    return SF_EINVAL;
  }
  for (size_t i = 0; i < n; i++) {
    if (!recs[i] || (unsigned)recs[i]->type >= SF_REC__COUNT) {
      sf_store_set_err(s, "write: record %zu is NULL or of an unknown type", i);
      return SF_EINVAL;
    }
  }
  return s->be->write(s, recs, n);
}

static int filter_err(struct sf_store *s, const struct sf_store_query *q, const char *filter) {
  sf_store_set_err(s, "query: filter '%s' does not apply to %s records", filter,
                   sf_record_type_name(q->type));
  return SF_EINVAL;
}

/* Checks q against its record type and fills cq with the limit capped. */
static int check_query(struct sf_store *s, const struct sf_store_query *q, struct sf_store_query *cq) {
  s->errmsg[0] = '\0';
  if ((unsigned)q->type >= SF_REC__COUNT) {
    sf_store_set_err(s, "query: unknown record type %d", (int)q->type);
    return SF_EINVAL;
  }
  if (q->order != SF_STORE_NEWEST_FIRST && q->order != SF_STORE_OLDEST_FIRST) {
    sf_store_set_err(s, "query: unknown order %d", (int)q->order);
    return SF_EINVAL;
  }
  enum sf_record_type t = q->type;
  int is_print = t == SF_REC_OPTION_PRINT;
  if (q->sides && !is_print) return filter_err(s, q, "side");
  if (q->sides >> SF_SIDE__COUNT) {
    sf_store_set_err(s, "query: side mask 0x%x names an unknown side", (unsigned)q->sides);
    return SF_EINVAL;
  }
  if (q->option_type != SF_OPT_NULL && !is_print) return filter_err(s, q, "type");
  if (q->option_type > SF_OPT_PUT) {
    sf_store_set_err(s, "query: option type %d is not call or put", q->option_type);
    return SF_EINVAL;
  }
  if (!sf_is_null(q->min_notional) && !is_print) return filter_err(s, q, "min_notional");
  if (q->option_contract_id && !(is_print || t == SF_REC_OPTION_NBBO))
    return filter_err(s, q, "option_contract_id");
  if (q->underlying_id_count) {
    if (!(is_print || t == SF_REC_EQUITY_QUOTE || t == SF_REC_EQUITY_PRINT || t == SF_REC_SMART_MONEY))
      return filter_err(s, q, "underlying_id");
    if (!q->underlying_ids || q->underlying_id_count > SF_STORE_LIMIT_MAX) {
      sf_store_set_err(s, "query: underlying_id list is NULL or longer than %d", SF_STORE_LIMIT_MAX);
      return SF_EINVAL;
    }
    for (size_t i = 0; i < q->underlying_id_count; i++)
      if (!q->underlying_ids[i]) {
        sf_store_set_err(s, "query: underlying_id %zu is NULL", i);
        return SF_EINVAL;
      }
  }
  int is_sm = t == SF_REC_SMART_MONEY;
  if (q->profile != -1) {
    if (!is_sm) return filter_err(s, q, "profile");
    if (q->profile < 0 || q->profile >= SF_PROFILE_COUNT) {
      sf_store_set_err(s, "query: profile %d is not a profile id", q->profile);
      return SF_EINVAL;
    }
  }
  if (q->direction != -1) {
    if (!is_sm) return filter_err(s, q, "direction");
    if (!sf_direction_name(q->direction)) {
      sf_store_set_err(s, "query: direction %d is not a direction", q->direction);
      return SF_EINVAL;
    }
  }
  if (q->abstained != -1) {
    if (!is_sm) return filter_err(s, q, "abstained");
    if (q->abstained != 0 && q->abstained != 1) {
      sf_store_set_err(s, "query: abstained must be 0 or 1, got %d", q->abstained);
      return SF_EINVAL;
    }
  }
  if (!sf_is_null(q->min_premium) && !is_sm) return filter_err(s, q, "min_premium");
  if (q->band != -1) {
    if (!is_sm) return filter_err(s, q, "band");
    if (!sf_band_name(q->band)) {
      sf_store_set_err(s, "query: band %d is not a confidence band", q->band);
      return SF_EINVAL;
    }
  }
  *cq = *q;
  if (cq->limit == 0) cq->limit = SF_STORE_LIMIT_DEFAULT;
  if (cq->limit > SF_STORE_LIMIT_MAX) cq->limit = SF_STORE_LIMIT_MAX;
  if (!cq->underlying_ids) cq->underlying_id_count = 0;
  return 0;
}

int sf_store_query(struct sf_store *s, const struct sf_store_query *q, struct sf_store_result *out) {
  memset(out, 0, sizeof *out);
  struct sf_store_query cq;
  int rc = check_query(s, q, &cq);
  if (rc) return rc;
  struct sf_store_sink k = {s, cq.type, cq.limit, 0, {0, 0}, out, NULL, {0}};
  return read_done(s, s->be->query(s, &cq, &k), &k);
}

int sf_store_query_raw(struct sf_store *s, const struct sf_store_query *q, struct sf_store_raw_result *out) {
  memset(out, 0, sizeof *out);
  struct sf_store_query cq;
  int rc = check_query(s, q, &cq);
  if (rc) return rc;
  struct sf_store_sink k = {s, cq.type, cq.limit, 0, {0, 0}, NULL, out, {0}};
  return read_done(s, s->be->query(s, &cq, &k), &k);
}

/* Looks one row up into a one-row result (res or raw); SF_ENOTFOUND / SF_EPARSE when none. */
static int get_row(struct sf_store *s, enum sf_record_type type, const char *id, struct sf_store_result *res,
                   struct sf_store_raw_result *raw) {
  s->errmsg[0] = '\0';
  if ((unsigned)type >= SF_REC__COUNT || !id) {
    sf_store_set_err(s, "get: unknown record type or NULL id");
    return SF_EINVAL;
  }
  struct sf_store_sink k = {s, type, 1, 0, {0, 0}, res, raw, {0}};
  int rc = read_done(s, s->be->get(s, type, id, &k), &k);
  if (rc) return rc;
  size_t n = res ? res->n : raw->n, skipped = res ? res->skipped : raw->skipped;
  if (n == 1) return 0;
  sf_store_result_free(res);
  sf_store_raw_result_free(raw);
  if (skipped) return SF_EPARSE; /* errmsg names the row */
  sf_store_set_err(s, "no %s with %s=%s", sf_record_type_name(type), sf_store_id_col(type), id);
  return SF_ENOTFOUND;
}

int sf_store_get(struct sf_store *s, enum sf_record_type type, const char *id, struct sf_record *out) {
  struct sf_store_result res = {0};
  int rc = get_row(s, type, id, &res, NULL);
  if (rc) return rc;
  *out = res.recs[0];
  res.n = 0;
  sf_store_result_free(&res);
  return 0;
}

int sf_store_get_raw(struct sf_store *s, enum sf_record_type type, const char *id,
                     struct sf_store_raw_result *out) {
  memset(out, 0, sizeof *out);
  return get_row(s, type, id, NULL, out);
}

static int cmp_keys(const struct sf_store_cursor *a, const struct sf_store_cursor *b) {
  if (a->ts != b->ts) return a->ts < b->ts ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int cmp_rec(const void *a, const void *b) {
  struct sf_store_cursor ka = {0, 0}, kb = {0, 0};
  sf_store_record_key(a, &ka);
  sf_store_record_key(b, &kb);
  return cmp_keys(&ka, &kb);
}

static int cmp_raw(const void *a, const void *b) {
  return cmp_keys(&((const struct sf_store_raw_row *)a)->key, &((const struct sf_store_raw_row *)b)->key);
}

/* Prints by trace id into res or raw, sorted oldest first. */
static int by_trace(struct sf_store *s, const char *const *trace_ids, size_t n, struct sf_store_result *res,
                    struct sf_store_raw_result *raw) {
  s->errmsg[0] = '\0';
  if (n == 0) return 0;
  if (!trace_ids || n > SF_STORE_LIMIT_MAX) {
    sf_store_set_err(s, "prints_by_trace: %zu trace ids (at most %d)", n, SF_STORE_LIMIT_MAX);
    return SF_EINVAL;
  }
  for (size_t i = 0; i < n; i++)
    if (!trace_ids[i]) {
      sf_store_set_err(s, "prints_by_trace: trace id %zu is NULL", i);
      return SF_EINVAL;
    }
  struct sf_store_sink k = {s, SF_REC_OPTION_PRINT, SF_STORE_LIMIT_MAX, 0, {0, 0}, res, raw, {0}};
  int rc = read_done(s, s->be->prints_by_trace(s, trace_ids, n, &k), &k);
  if (rc) return rc;
  /* At most one row per id (trace_id is unique), so never a next page. */
  if (res) {
    res->has_next = false;
    if (res->n > 1) qsort(res->recs, res->n, sizeof res->recs[0], cmp_rec);
  } else {
    raw->has_next = false;
    if (raw->n > 1) qsort(raw->rows, raw->n, sizeof raw->rows[0], cmp_raw);
  }
  return 0;
}

int sf_store_prints_by_trace(struct sf_store *s, const char *const *trace_ids, size_t n,
                             struct sf_store_result *out) {
  memset(out, 0, sizeof *out);
  return by_trace(s, trace_ids, n, out, NULL);
}

int sf_store_prints_by_trace_raw(struct sf_store *s, const char *const *trace_ids, size_t n,
                                 struct sf_store_raw_result *out) {
  memset(out, 0, sizeof *out);
  return by_trace(s, trace_ids, n, NULL, out);
}

int sf_store_stats_profiles(struct sf_store *s, int64_t from_ts, int64_t to_ts,
                            struct sf_store_profile_stats *out) {
  memset(out, 0, sizeof *out);
  s->errmsg[0] = '\0';
  return s->be->stats_profiles(s, from_ts, to_ts, out);
}

int sf_store_count(struct sf_store *s, enum sf_record_type type, int64_t *out) {
  s->errmsg[0] = '\0';
  if ((unsigned)type >= SF_REC__COUNT) {
    sf_store_set_err(s, "count: unknown record type %d", (int)type);
    return SF_EINVAL;
  }
  return s->be->count(s, type, out);
}
