/* The store contract suite, written against store.h only so that every backend runs it. The
 * backend comes from SF_STORE_URL_TEMPLATE, a URL in which "%s" is replaced by a per-test name
 * (each test gets an empty store): e.g. "clickhouse://127.0.0.1:9000/sf_test_%s". By default it
 * is sqlite:<fresh temp dir>/%s.db. Only the corrupt-row test reaches under the interface, and
 * only for sqlite: URLs (it needs to write garbage into columns where the store never would).
 *
 * Every read goes through both paths: the decoding one (sf_store_query, _get, _prints_by_trace)
 * and the raw one (the _raw twins). The helpers below run both and require the same rows in the
 * same order (each raw text equal to the encoding of the decoded record, each raw key equal to the
 * record's key), the same skipped count, has_next and next cursor, and the same return code. */
#include <sqlite3.h>
#include <unistd.h>

#include "harness.h"
#include "smartflow/err.h"
#include "smartflow/record_json.h"
#include "smartflow/store.h"
#include "smartflow/time.h"
#include "smartflow/version.h"
#include "store/store_fixtures.h"

static char url_template[1024];
static char sqlite_dir[512];

static struct sf_store *open_fresh(const char *name, char *url, size_t cap) {
  /* A counter makes every store of a run distinct, also on servers (ClickHouse) where a store
   * outlives the test that filled it. */
  static int opened = 0;
  const char *pct = strstr(url_template, "%s");
  assert_non_null(pct);
  snprintf(url, cap, "%.*s%s_%d%s", (int)(pct - url_template), url_template, name, ++opened, pct + 2);
  if (strncmp(url, "sqlite:", 7) == 0) {
    unlink(url + 7);
    char side[1100];
    snprintf(side, sizeof side, "%s-wal", url + 7);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", url + 7);
    unlink(side);
  }
  struct sf_store *s = NULL;
  int rc = sf_store_open(url, &s);
  if (rc) fail_msg("open %s: %s", url, sf_errname(rc));
  return s;
}

static void write_all(struct sf_store *s, struct sf_record *recs, size_t n) {
  const struct sf_record **p = calloc(n, sizeof *p);
  assert_non_null(p);
  for (size_t i = 0; i < n; i++) p[i] = &recs[i];
  for (size_t off = 0; off < n; off += 1000) {
    size_t k = n - off < 1000 ? n - off : 1000;
    int rc = sf_store_write(s, p + off, k);
    if (rc) fail_msg("write: %s: %s", sf_errname(rc), sf_store_errmsg(s));
  }
  free(p);
}

static void free_all(struct sf_record *recs, size_t n) {
  for (size_t i = 0; i < n; i++) sf_record_fini(&recs[i]);
  free(recs);
}

static void check_same(const struct sf_record *a, const struct sf_record *b) {
  char *la = sf_record_to_line(a), *lb = sf_record_to_line(b);
  assert_non_null(la);
  assert_non_null(lb);
  check_str(lb, la);
  free(la);
  free(lb);
}

/* ---- both read paths ---- */

/* Requires raw to hold exactly res's records, as text, with the same paging facts. */
static void check_raw_matches(const struct sf_store_result *res, const struct sf_store_raw_result *raw) {
  check_i64(raw->n, res->n);
  check_i64(raw->skipped, res->skipped);
  check_i64(raw->has_next, res->has_next);
  if (res->has_next) {
    check_i64(raw->next.ts, res->next.ts);
    check_i64(raw->next.seq, res->next.seq);
  }
  struct sf_jw w;
  sf_jw_init(&w);
  for (size_t i = 0; i < res->n; i++) {
    sf_jw_reset(&w);
    assert_int_equal(sf_record_encode(&res->recs[i], &w), 0);
    size_t len = 0;
    const char *want = sf_jw_cstr(&w, &len);
    assert_non_null(want);
    check_i64(raw->rows[i].len, len);
    check_str(raw->rows[i].json, want);
    struct sf_store_cursor k;
    assert_int_equal(sf_store_record_key(&res->recs[i], &k), 0);
    check_i64(raw->rows[i].key.ts, k.ts);
    check_i64(raw->rows[i].key.seq, k.seq);
  }
  sf_jw_fini(&w);
}

/* sf_store_query, checked against sf_store_query_raw. */
static int query_both(struct sf_store *s, const struct sf_store_query *q, struct sf_store_result *res) {
  struct sf_store_raw_result raw;
  int rc_raw = sf_store_query_raw(s, q, &raw);
  int rc = sf_store_query(s, q, res);
  check_i64(rc_raw, rc);
  if (rc == 0) check_raw_matches(res, &raw);
  if (rc) check_i64(raw.n, 0);
  sf_store_raw_result_free(&raw);
  return rc;
}

/* sf_store_get, checked against sf_store_get_raw. */
static int get_both(struct sf_store *s, enum sf_record_type t, const char *id, struct sf_record *out) {
  struct sf_store_raw_result raw;
  int rc_raw = sf_store_get_raw(s, t, id, &raw);
  int rc = sf_store_get(s, t, id, out);
  check_i64(rc_raw, rc);
  if (rc == 0) {
    struct sf_store_result one = {.recs = out, .n = 1};
    check_raw_matches(&one, &raw);
  } else {
    check_i64(raw.n, 0);
  }
  sf_store_raw_result_free(&raw);
  return rc;
}

/* sf_store_prints_by_trace, checked against sf_store_prints_by_trace_raw. */
static int by_trace_both(struct sf_store *s, const char *const *ids, size_t n, struct sf_store_result *res) {
  struct sf_store_raw_result raw;
  int rc_raw = sf_store_prints_by_trace_raw(s, ids, n, &raw);
  int rc = sf_store_prints_by_trace(s, ids, n, res);
  check_i64(rc_raw, rc);
  if (rc == 0) check_raw_matches(res, &raw);
  sf_store_raw_result_free(&raw);
  return rc;
}

/* ---- round trips ---- */

static void test_roundtrip_every_type(void **state) {
  (void)state;
  char url[1200];
  struct sf_store *s = open_fresh("roundtrip", url, sizeof url);
  for (int t = 0; t < SF_REC__COUNT; t++) {
    /* Several variants per type, so nulls, empty and non-empty arrays all occur. */
    for (int64_t i = 0; i < 14; i++) {
      struct sf_record r, back;
      fx_record(&r, (enum sf_record_type)t, sf_record_type_name((enum sf_record_type)t), i, 1736899200000 + i,
                123456, i);
      const struct sf_record *p = &r;
      int rc = sf_store_write(s, &p, 1);
      if (rc) fail_msg("write %s %lld: %s", sf_record_type_name(r.type), (long long)i, sf_store_errmsg(s));
      rc = get_both(s, r.type, fx_lookup_id(&r), &back);
      if (rc)
        fail_msg("get %s %s: %s %s", sf_record_type_name(r.type), fx_lookup_id(&r), sf_errname(rc),
                 sf_store_errmsg(s));
      check_i64(back.type, r.type);
      check_same(&r, &back);
      sf_record_fini(&back);
      sf_record_fini(&r);
    }
  }
  /* Spot checks that do not rely on the encoder: nulls stay null, arrays keep their items. */
  struct sf_record r, back;
  fx_option_print(&r, "spot", 13, INT64_C(1736899200000123456), 7); /* 13: null notional, null-free iv */
  const struct sf_record *p = &r;
  assert_int_equal(sf_store_write(s, &p, 1), 0);
  assert_int_equal(get_both(s, SF_REC_OPTION_PRINT, "spot-t13", &back), 0);
  check_null(back.u.option_print.notional);
  check_i64(back.u.option_print.ts_ns, INT64_C(1736899200000123456));
  check_i64(back.u.option_print.meta.seq, 7);
  check_str(back.u.option_print.option_contract_id, "SPY-2025-01-17-440-P"); /* 13 % 6 = 1 */
  sf_record_fini(&back);
  sf_record_fini(&r);
  fx_smart_money(&r, "spot", 26, 1736899200000, 8); /* 26: total_premium null, 3 packets, 3 prints */
  assert_int_equal(sf_store_write(s, &p, 1), 0);
  assert_int_equal(get_both(s, SF_REC_SMART_MONEY, "spot-ev26", &back), 0);
  check_null(back.u.smart_money.features.total_premium);
  check_i64(back.u.smart_money.packet_ids.n, 3);
  check_str(back.u.smart_money.packet_ids.v[2], "spot-pkt26-2");
  check_i64(back.u.smart_money.member_print_ids.n, 3);
  check_i64(back.u.smart_money.primary_profile, 4);
  check_str(sf_profile_name(back.u.smart_money.scores[0].profile), sf_profile_name(4));
  sf_record_fini(&back);
  sf_record_fini(&r);
  assert_int_equal(get_both(s, SF_REC_SMART_MONEY, "no-such-event", &back), SF_ENOTFOUND);
  sf_store_close(s);
}

/* Values of non-null fields equal to what a backend could use as a null marker (ClickHouse
 * columns are not Nullable: a null Int64 timestamp is INT64_MIN, a null tri-state -1, a null
 * string ""): each must come back as the value, never as null or an undecodable row. */
static void test_sentinel_values_roundtrip(void **state) {
  (void)state;
  char url[1200];
  struct sf_store *s = open_fresh("sentinels", url, sizeof url);
  struct sf_record r, back;
  const struct sf_record *p = &r;
  fx_option_print(&r, "sent", 1, INT64_C(1736899200000123456), INT64_MIN); /* enriched */
  r.u.option_print.size = INT64_MIN;
  r.u.option_print.aggressor = -1; /* never null: -1 is "at the bid" */
  r.u.option_print.is_etf = 0;
  assert_int_equal(sf_store_write(s, &p, 1), 0);
  assert_int_equal(get_both(s, SF_REC_OPTION_PRINT, "sent-t1", &back), 0);
  check_i64(back.u.option_print.size, INT64_MIN);
  check_i64(back.u.option_print.meta.seq, INT64_MIN);
  check_i64(back.u.option_print.aggressor, -1);
  check_i64(back.u.option_print.is_etf, 0);
  check_same(&r, &back);
  sf_record_fini(&back);
  sf_record_fini(&r);
  fx_equity_print(&r, "sent", 2, INT64_C(1736899200000000000), -1);
  r.u.equity_print.size = INT64_MIN;
  r.u.equity_print.off_exchange = 0;
  assert_int_equal(sf_store_write(s, &p, 1), 0);
  assert_int_equal(get_both(s, SF_REC_EQUITY_PRINT, "sent-t2", &back), 0);
  check_i64(back.u.equity_print.size, INT64_MIN);
  check_i64(back.u.equity_print.meta.seq, -1);
  check_same(&r, &back);
  sf_record_fini(&back);
  sf_record_fini(&r);
  fx_smart_money(&r, "sent", 3, 1736899200000, 3);
  r.u.smart_money.event_window_ms = INT64_MIN;
  assert_int_equal(sf_store_write(s, &p, 1), 0);
  assert_int_equal(get_both(s, SF_REC_SMART_MONEY, "sent-ev3", &back), 0);
  check_i64(back.u.smart_money.event_window_ms, INT64_MIN);
  check_same(&r, &back);
  sf_record_fini(&back);
  sf_record_fini(&r);
  sf_store_close(s);
}

/* ---- cursors ---- */

/* Pages through n records of type t (7 share each ts, told apart by seq) both ways. */
static void page_through(enum sf_record_type t, size_t n, size_t page) {
  char url[1200], name[64];
  snprintf(name, sizeof name, "paging_%d", (int)t);
  struct sf_store *s = open_fresh(name, url, sizeof url);
  struct sf_record *recs = calloc(n, sizeof *recs);
  assert_non_null(recs);
  /* Written in a shuffled order, so the store and not the insertion order sorts them. */
  for (size_t k = 0; k < n; k++) {
    size_t i = (k * 7919) % n;
    fx_record(&recs[k], t, "pg", (int64_t)i, 1736899200000 + (int64_t)(i / 7), (int64_t)(i % 7) * 1000,
              (int64_t)i);
  }
  write_all(s, recs, n);
  free_all(recs, n);
  unsigned char *seen = calloc(n, 1);
  assert_non_null(seen);
  for (int dir = 0; dir < 2; dir++) {
    struct sf_store_query q;
    sf_store_query_init(&q, t, dir ? SF_STORE_OLDEST_FIRST : SF_STORE_NEWEST_FIRST);
    q.limit = page;
    memset(seen, 0, n);
    size_t total = 0;
    int64_t prev = dir ? -1 : (int64_t)n;
    for (int guard = 0; guard < 100000; guard++) {
      struct sf_store_result res;
      int rc = query_both(s, &q, &res);
      if (rc) fail_msg("query: %s", sf_store_errmsg(s));
      check_i64(res.skipped, 0);
      for (size_t k = 0; k < res.n; k++) {
        int64_t seq = sf_record_meta(&res.recs[k])->seq;
        assert_true(seq >= 0 && seq < (int64_t)n);
        if (seen[seq]) fail_msg("seq %lld returned twice", (long long)seq);
        seen[seq] = 1;
        /* seq follows ts here, so the order of seq is the order of (ts, seq). */
        if (dir ? seq <= prev : seq >= prev)
          fail_msg("seq %lld after %lld out of order", (long long)seq, (long long)prev);
        prev = seq;
      }
      total += res.n;
      if (res.has_next) {
        check_i64(res.n, page);
        struct sf_store_cursor want;
        assert_int_equal(sf_store_record_key(&res.recs[res.n - 1], &want), 0);
        check_i64(res.next.ts, want.ts);
        check_i64(res.next.seq, want.seq);
      }
      bool more = res.has_next;
      q.has_cursor = true;
      q.cursor = res.next;
      sf_store_result_free(&res);
      if (!more) break;
    }
    check_i64(total, n);
  }
  free(seen);
  sf_store_close(s);
}

static void test_paging_option_prints(void **state) {
  (void)state;
  page_through(SF_REC_OPTION_PRINT, 10000, 333);
}

static void test_paging_smart_money(void **state) {
  (void)state;
  page_through(SF_REC_SMART_MONEY, 10000, 1000);
}

static void test_paging_every_type(void **state) {
  (void)state;
  for (int t = 0; t < SF_REC__COUNT; t++) page_through((enum sf_record_type)t, 500, 64);
}

static void test_limit_capped(void **state) {
  (void)state;
  char url[1200];
  struct sf_store *s = open_fresh("limit", url, sizeof url);
  size_t n = 1200;
  struct sf_record *recs = calloc(n, sizeof *recs);
  for (size_t i = 0; i < n; i++)
    fx_equity_quote(&recs[i], "lim", (int64_t)i, INT64_C(1736899200000000000) + (int64_t)i * 1000000,
                    (int64_t)i);
  write_all(s, recs, n);
  free_all(recs, n);
  struct sf_store_query q;
  sf_store_query_init(&q, SF_REC_EQUITY_QUOTE, SF_STORE_NEWEST_FIRST);
  q.limit = 5000;
  struct sf_store_result res;
  assert_int_equal(query_both(s, &q, &res), 0);
  check_i64(res.n, SF_STORE_LIMIT_MAX);
  assert_true(res.has_next);
  check_i64(sf_record_meta(&res.recs[0])->seq, 1199);
  sf_store_result_free(&res);
  q.limit = 0; /* default */
  assert_int_equal(query_both(s, &q, &res), 0);
  check_i64(res.n, SF_STORE_LIMIT_DEFAULT);
  sf_store_result_free(&res);
  sf_store_close(s);
}

/* ---- filters against brute force ---- */

static bool print_matches(const struct sf_store_query *q, const struct sf_record *r) {
  const struct sf_option_print *p = &r->u.option_print;
  struct sf_store_cursor k;
  sf_store_record_key(r, &k);
  if (q->from_ts != SF_TS_NULL && k.ts < q->from_ts) return false;
  if (q->to_ts != SF_TS_NULL && k.ts >= q->to_ts) return false;
  if (q->sides && !(p->enriched && p->nbbo_side && (q->sides & (1u << p->nbbo_side)))) return false;
  if (q->option_type && !(p->enriched && p->option_type == q->option_type)) return false;
  if (!sf_is_null(q->min_notional) && !(p->enriched && p->notional >= q->min_notional)) return false;
  if (q->option_contract_id && strcmp(q->option_contract_id, p->option_contract_id) != 0) return false;
  if (q->underlying_id_count) {
    bool any = false;
    for (size_t i = 0; i < q->underlying_id_count; i++)
      if (p->enriched && strcmp(q->underlying_ids[i], p->underlying_id) == 0) any = true;
    if (!any) return false;
  }
  return true;
}

static bool event_matches(const struct sf_store_query *q, const struct sf_record *r) {
  const struct sf_smart_money_event *e = &r->u.smart_money;
  if (q->from_ts != SF_TS_NULL && e->meta.source_ts < q->from_ts) return false;
  if (q->to_ts != SF_TS_NULL && e->meta.source_ts >= q->to_ts) return false;
  if (q->profile >= 0 && e->primary_profile != q->profile) return false;
  if (q->direction >= 0 && e->primary_direction != q->direction) return false;
  if (q->abstained >= 0 && (int)e->abstained != q->abstained) return false;
  if (!sf_is_null(q->min_premium) && !(e->features.total_premium >= q->min_premium)) return false;
  if (q->band >= 0) {
    if (e->primary_profile < 0) return false;
    const struct sf_profile_score *ps = NULL;
    for (int i = 0; i < SF_PROFILE_COUNT; i++)
      if (e->scores[i].profile == e->primary_profile) ps = &e->scores[i];
    if (!ps || ps->band != q->band) return false;
  }
  if (q->underlying_id_count) {
    bool any = false;
    for (size_t i = 0; i < q->underlying_id_count; i++)
      if (strcmp(q->underlying_ids[i], e->underlying_id) == 0) any = true;
    if (!any) return false;
  }
  return true;
}

/* Runs q in both orders, paging with a small limit, and compares with the brute-force list. */
static void check_filter(struct sf_store *s, const struct sf_store_query *q0, const struct sf_record *all,
                         size_t n, bool (*match)(const struct sf_store_query *, const struct sf_record *),
                         const char *what) {
  size_t want = 0;
  for (size_t i = 0; i < n; i++) want += match(q0, &all[i]);
  for (int dir = 0; dir < 2; dir++) {
    struct sf_store_query q = *q0;
    q.order = dir ? SF_STORE_OLDEST_FIRST : SF_STORE_NEWEST_FIRST;
    q.limit = 97;
    size_t got = 0;
    /* all[] is sorted by (ts, seq) ascending, so walk it alongside. */
    size_t pos = dir ? 0 : n;
    for (;;) {
      struct sf_store_result res;
      int rc = query_both(s, &q, &res);
      if (rc) fail_msg("%s: %s", what, sf_store_errmsg(s));
      for (size_t k = 0; k < res.n; k++) {
        const struct sf_record *exp = NULL;
        if (dir) {
          while (pos < n && !match(q0, &all[pos])) pos++;
          if (pos < n) exp = &all[pos++];
        } else {
          while (pos > 0 && !match(q0, &all[pos - 1])) pos--;
          if (pos > 0) exp = &all[--pos];
        }
        if (!exp) fail_msg("%s: store returned more rows than the %zu that match", what, want);
        if (strcmp(sf_record_meta(exp)->trace_id, sf_record_meta(&res.recs[k])->trace_id) != 0)
          fail_msg("%s: row %zu is %s, expected %s", what, got + k, sf_record_meta(&res.recs[k])->trace_id,
                   sf_record_meta(exp)->trace_id);
      }
      got += res.n;
      bool more = res.has_next;
      q.has_cursor = true;
      q.cursor = res.next;
      sf_store_result_free(&res);
      if (!more) break;
    }
    if (got != want) fail_msg("%s (%s): %zu rows, expected %zu", what, dir ? "replay" : "history", got, want);
  }
}

static void test_option_filters(void **state) {
  (void)state;
  char url[1200];
  struct sf_store *s = open_fresh("print_filters", url, sizeof url);
  size_t n = 3000;
  struct sf_record *recs = calloc(n, sizeof *recs);
  for (size_t i = 0; i < n; i++)
    fx_option_print(&recs[i], "pf", (int64_t)i, INT64_C(1736899200000000000) + (int64_t)(i / 3) * 1000000,
                    (int64_t)i);
  write_all(s, recs, n);
  const char *spy[] = {"SPY"};
  const char *two[] = {"QQQ", "BRK-B"};
  struct sf_store_query q;
  sf_store_query_init(&q, SF_REC_OPTION_PRINT, SF_STORE_NEWEST_FIRST);
  check_filter(s, &q, recs, n, print_matches, "no filter");
  q.sides = (1u << SF_SIDE_AA) | (1u << SF_SIDE_A);
  check_filter(s, &q, recs, n, print_matches, "side AA,A");
  q.option_type = SF_OPT_PUT;
  check_filter(s, &q, recs, n, print_matches, "side AA,A type put");
  sf_store_query_init(&q, SF_REC_OPTION_PRINT, SF_STORE_NEWEST_FIRST);
  q.option_type = SF_OPT_CALL;
  check_filter(s, &q, recs, n, print_matches, "type call");
  sf_store_query_init(&q, SF_REC_OPTION_PRINT, SF_STORE_NEWEST_FIRST);
  q.min_notional = 25000;
  check_filter(s, &q, recs, n, print_matches, "min_notional 25000");
  q.underlying_ids = spy;
  q.underlying_id_count = 1;
  check_filter(s, &q, recs, n, print_matches, "min_notional + underlying SPY");
  sf_store_query_init(&q, SF_REC_OPTION_PRINT, SF_STORE_NEWEST_FIRST);
  q.underlying_ids = two;
  q.underlying_id_count = 2;
  check_filter(s, &q, recs, n, print_matches, "underlying QQQ,BRK-B");
  sf_store_query_init(&q, SF_REC_OPTION_PRINT, SF_STORE_NEWEST_FIRST);
  q.option_contract_id = "BRK-B-2025-03-21-452.5-P";
  check_filter(s, &q, recs, n, print_matches, "contract");
  q.sides = 1u << SF_SIDE_MID;
  q.from_ts = 1736899200000 + 100;
  q.to_ts = 1736899200000 + 700;
  check_filter(s, &q, recs, n, print_matches, "contract + side MID + time range");
  sf_store_query_init(&q, SF_REC_OPTION_PRINT, SF_STORE_NEWEST_FIRST);
  q.option_contract_id = "SPY-2099-01-17-450-C";
  check_filter(s, &q, recs, n, print_matches, "unknown contract");

  /* By trace id: found ones come back oldest first, missing ones are absent. */
  const char *ids[] = {"pf-t2999", "pf-t5", "pf-missing", "pf-t1500"};
  struct sf_store_result res;
  assert_int_equal(by_trace_both(s, ids, 4, &res), 0);
  check_i64(res.n, 3);
  check_str(res.recs[0].u.option_print.meta.trace_id, "pf-t5");
  check_str(res.recs[1].u.option_print.meta.trace_id, "pf-t1500");
  check_str(res.recs[2].u.option_print.meta.trace_id, "pf-t2999");
  check_same(&recs[1500], &res.recs[1]);
  sf_store_result_free(&res);

  /* Filters that do not apply to the type are refused. */
  sf_store_query_init(&q, SF_REC_OPTION_NBBO, SF_STORE_NEWEST_FIRST);
  q.min_notional = 1;
  assert_int_equal(query_both(s, &q, &res), SF_EINVAL);
  assert_non_null(strstr(sf_store_errmsg(s), "min_notional"));
  sf_store_query_init(&q, SF_REC_OPTION_PRINT, SF_STORE_NEWEST_FIRST);
  q.profile = 1;
  assert_int_equal(query_both(s, &q, &res), SF_EINVAL);
  free_all(recs, n);
  sf_store_close(s);
}

static void test_smart_money_filters(void **state) {
  (void)state;
  char url[1200];
  struct sf_store *s = open_fresh("sm_filters", url, sizeof url);
  size_t n = 2100;
  struct sf_record *recs = calloc(n, sizeof *recs);
  for (size_t i = 0; i < n; i++)
    fx_smart_money(&recs[i], "sf", (int64_t)i, 1736899200000 + (int64_t)(i / 2), (int64_t)i);
  write_all(s, recs, n);
  const char *aapl[] = {"AAPL"};
  const char *two[] = {"SPY", "TSLA"};
  struct sf_store_query q;
  sf_store_query_init(&q, SF_REC_SMART_MONEY, SF_STORE_NEWEST_FIRST);
  check_filter(s, &q, recs, n, event_matches, "no filter");
  for (int p = 0; p < SF_PROFILE_COUNT; p++) {
    q.profile = p;
    check_filter(s, &q, recs, n, event_matches, "profile");
  }
  sf_store_query_init(&q, SF_REC_SMART_MONEY, SF_STORE_NEWEST_FIRST);
  q.direction = SF_DIR_BEARISH;
  check_filter(s, &q, recs, n, event_matches, "direction bearish");
  q.abstained = 0;
  check_filter(s, &q, recs, n, event_matches, "direction + not abstained");
  sf_store_query_init(&q, SF_REC_SMART_MONEY, SF_STORE_NEWEST_FIRST);
  q.abstained = 1;
  check_filter(s, &q, recs, n, event_matches, "abstained");
  sf_store_query_init(&q, SF_REC_SMART_MONEY, SF_STORE_NEWEST_FIRST);
  q.min_premium = 50000;
  check_filter(s, &q, recs, n, event_matches, "min_premium");
  sf_store_query_init(&q, SF_REC_SMART_MONEY, SF_STORE_NEWEST_FIRST);
  q.band = SF_BAND_HIGH;
  check_filter(s, &q, recs, n, event_matches, "band high");
  q.profile = SF_PROFILE_RETAIL_WHALE;
  check_filter(s, &q, recs, n, event_matches, "band high + retail_whale");
  sf_store_query_init(&q, SF_REC_SMART_MONEY, SF_STORE_NEWEST_FIRST);
  q.underlying_ids = aapl;
  q.underlying_id_count = 1;
  check_filter(s, &q, recs, n, event_matches, "underlying AAPL");
  q.underlying_ids = two;
  q.underlying_id_count = 2;
  q.from_ts = 1736899200000 + 200;
  q.to_ts = 1736899200000 + 333;
  check_filter(s, &q, recs, n, event_matches, "underlying SPY,TSLA + time range");
  sf_store_query_init(&q, SF_REC_SMART_MONEY, SF_STORE_NEWEST_FIRST);
  q.from_ts = 1736899200000 + 1000;
  check_filter(s, &q, recs, n, event_matches, "from only");

  /* Stats per profile against brute force, over a range and open-ended. */
  for (int pass = 0; pass < 2; pass++) {
    int64_t from = pass ? 1736899200000 + 100 : SF_TS_NULL, to = pass ? 1736899200000 + 900 : SF_TS_NULL;
    struct sf_store_profile_stats want, got;
    memset(&want, 0, sizeof want);
    for (size_t i = 0; i < n; i++) {
      const struct sf_smart_money_event *e = &recs[i].u.smart_money;
      if (from != SF_TS_NULL && e->meta.source_ts < from) continue;
      if (to != SF_TS_NULL && e->meta.source_ts >= to) continue;
      struct sf_store_profile_stat *ps =
          e->primary_profile >= 0 ? &want.profile[e->primary_profile] : &want.none;
      ps->count++;
      ps->abstained += e->abstained;
      if (!sf_is_null(e->features.total_premium)) ps->premium += e->features.total_premium;
    }
    assert_int_equal(sf_store_stats_profiles(s, from, to, &got), 0);
    for (int p = 0; p <= SF_PROFILE_COUNT; p++) {
      const struct sf_store_profile_stat *a = p < SF_PROFILE_COUNT ? &got.profile[p] : &got.none;
      const struct sf_store_profile_stat *b = p < SF_PROFILE_COUNT ? &want.profile[p] : &want.none;
      check_i64(a->count, b->count);
      check_i64(a->abstained, b->abstained);
      check_near(a->premium, b->premium, 1e-6);
    }
    assert_true(want.profile[2].count > 0 && want.none.count > 0);
  }
  free_all(recs, n);
  sf_store_close(s);
}

/* ---- idempotence and corruption ---- */

static void test_double_write_stores_once(void **state) {
  (void)state;
  char url[1200];
  struct sf_store *s = open_fresh("double", url, sizeof url);
  for (int t = 0; t < SF_REC__COUNT; t++) {
    struct sf_record r[3];
    for (int k = 0; k < 3; k++) fx_record(&r[k], (enum sf_record_type)t, "dw", k, 1736899200000 + k, 0, k);
    const struct sf_record *p[5] = {&r[0], &r[1], &r[0], &r[2], &r[1]}; /* duplicates inside a batch */
    assert_int_equal(sf_store_write(s, p, 5), 0);
    assert_int_equal(sf_store_write(s, p, 5), 0); /* and across batches */
    int64_t count = -1;
    assert_int_equal(sf_store_count(s, (enum sf_record_type)t, &count), 0);
    check_i64(count, 3);
    struct sf_store_query q;
    sf_store_query_init(&q, (enum sf_record_type)t, SF_STORE_OLDEST_FIRST);
    struct sf_store_result res;
    assert_int_equal(query_both(s, &q, &res), 0);
    check_i64(res.n, 3);
    for (int k = 0; k < 3; k++) check_same(&r[k], &res.recs[k]);
    sf_store_result_free(&res);
    for (int k = 0; k < 3; k++) sf_record_fini(&r[k]);
  }
  sf_store_close(s);
}

static void test_bad_batch_stores_nothing(void **state) {
  (void)state;
  char url[1200];
  struct sf_store *s = open_fresh("badbatch", url, sizeof url);
  struct sf_record a, b;
  fx_smart_money(&a, "bb", 1, 1736899200000, 1);
  fx_smart_money(&b, "bb", 2, 1736899200000, 2);
  b.u.smart_money.event_id[0] = '\0';
  const struct sf_record *p[2] = {&a, &b};
  assert_int_equal(sf_store_write(s, p, 2), SF_EFIELD);
  assert_non_null(strstr(sf_store_errmsg(s), "event_id"));
  assert_non_null(strstr(sf_store_errmsg(s), "record 1"));
  int64_t count = -1;
  assert_int_equal(sf_store_count(s, SF_REC_SMART_MONEY, &count), 0);
  check_i64(count, 0);
  sf_record_fini(&a);
  sf_record_fini(&b);
  sf_store_close(s);
}

/* A record that cannot be encoded (text that is not UTF-8) fails the batch with SF_EFIELD naming
 * it and its column, and nothing of the batch is stored, also when it comes after enough rows that
 * a backend has already sent some (ClickHouse streams a request in pieces of 256 rows). */
static void test_unencodable_record_stores_nothing(void **state) {
  (void)state;
  char url[1200];
  struct sf_store *s = open_fresh("unencodable", url, sizeof url);
  size_t n = 700;
  struct sf_record *recs = calloc(n, sizeof *recs);
  const struct sf_record **p = calloc(n, sizeof *p);
  assert_non_null(recs);
  assert_non_null(p);
  for (size_t i = 0; i < n; i++) {
    fx_option_print(&recs[i], "ue", (int64_t)i, (1736899200000 + (int64_t)i) * 1000000, (int64_t)i);
    p[i] = &recs[i];
  }
  snprintf(recs[600].u.option_print.exchange, sizeof recs[600].u.option_print.exchange, "%s", "CB\xff");
  assert_int_equal(sf_store_write(s, p, n), SF_EFIELD);
  assert_non_null(strstr(sf_store_errmsg(s), "record 600"));
  assert_non_null(strstr(sf_store_errmsg(s), "column exchange"));
  int64_t count = -1;
  assert_int_equal(sf_store_count(s, SF_REC_OPTION_PRINT, &count), 0);
  check_i64(count, 0);
  free_all(recs, n);
  free(p);
  sf_store_close(s);
}

static void test_corrupt_row_skipped(void **state) {
  (void)state;
  if (strncmp(url_template, "sqlite:", 7) != 0) skip();
  char url[1200];
  struct sf_store *s = open_fresh("corrupt", url, sizeof url);
  size_t n = 50;
  struct sf_record *recs = calloc(n, sizeof *recs);
  for (size_t i = 0; i < n; i++)
    fx_smart_money(&recs[i], "cr", (int64_t)i, 1736899200000 + (int64_t)i, (int64_t)i);
  write_all(s, recs, n);
  free_all(recs, n);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(url + 7, &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  /* Columns the store never writes: JSON that is cut short, JSON of the wrong shape, an enum name
   * that does not exist, text that is not UTF-8, an array that does not hold strings. */
  assert_int_equal(
      sqlite3_exec(
          db,
          "UPDATE smart_money_events SET features_json = '{\"total_premium\": tru'"
          " WHERE event_id = 'cr-ev10';"
          "UPDATE smart_money_events SET profile_scores_json = '{}' WHERE event_id = 'cr-ev20';"
          "UPDATE smart_money_events SET primary_direction = 'sideways' WHERE event_id = 'cr-ev30';"
          "UPDATE smart_money_events SET underlying_id = CAST(X'FF' AS TEXT) WHERE event_id = 'cr-ev44';"
          "UPDATE smart_money_events SET packet_ids = '[1,2]' WHERE event_id = 'cr-ev45';",
          NULL, NULL, NULL),
      SQLITE_OK);
  sqlite3_close(db);
  struct sf_store_query q;
  sf_store_query_init(&q, SF_REC_SMART_MONEY, SF_STORE_NEWEST_FIRST);
  q.limit = 20;
  /* The raw path alone first, for its own messages. */
  struct sf_store_raw_result raw;
  assert_int_equal(sf_store_query_raw(s, &q, &raw), 0);
  check_i64(raw.n, 17);
  check_i64(raw.skipped, 3);
  assert_non_null(
      strstr(sf_store_errmsg(s), "event_id=cr-ev30: column primary_direction: is not a known name"));
  assert_non_null(
      strstr(sf_store_errmsg(s), "event_id=cr-ev44: column underlying_id: is not valid UTF-8 text"));
  assert_non_null(
      strstr(sf_store_errmsg(s), "event_id=cr-ev45: column packet_ids: must be a JSON array of strings"));
  check_i64(raw.rows[0].key.seq, 49);
  check_i64(raw.rows[4].key.seq, 43); /* 45 and 44 skipped */
  sf_store_raw_result_free(&raw);
  struct sf_store_result res;
  assert_int_equal(query_both(s, &q, &res), 0);
  /* Rows 49..30 scanned: 45, 44 and 30 skipped, 17 returned, the cursor is row 30's key. */
  check_i64(res.n, 17);
  check_i64(res.skipped, 3);
  assert_true(res.has_next);
  check_i64(res.next.seq, 30);
  assert_non_null(strstr(sf_store_errmsg(s), "cr-ev30"));
  q.has_cursor = true;
  q.cursor = res.next;
  q.limit = 1000;
  sf_store_result_free(&res);
  assert_int_equal(sf_store_query_raw(s, &q, &raw), 0);
  assert_non_null(strstr(sf_store_errmsg(s), "event_id=cr-ev10: column features_json: bad JSON at offset"));
  assert_non_null(
      strstr(sf_store_errmsg(s), "event_id=cr-ev20: column profile_scores_json: must be a JSON array"));
  sf_store_raw_result_free(&raw);
  assert_int_equal(query_both(s, &q, &res), 0);
  check_i64(res.n, 28);
  check_i64(res.skipped, 2);
  assert_non_null(strstr(sf_store_errmsg(s), "cr-ev10"));
  assert_non_null(strstr(sf_store_errmsg(s), "cr-ev20"));
  assert_false(res.has_next);
  sf_store_result_free(&res);
  struct sf_record r;
  assert_int_equal(get_both(s, SF_REC_SMART_MONEY, "cr-ev10", &r), SF_EPARSE);
  assert_non_null(strstr(sf_store_errmsg(s), "cr-ev10"));
  assert_int_equal(get_both(s, SF_REC_SMART_MONEY, "cr-ev45", &r), SF_EPARSE);
  assert_non_null(strstr(sf_store_errmsg(s), "packet_ids"));
  assert_int_equal(get_both(s, SF_REC_SMART_MONEY, "cr-ev11", &r), 0);
  sf_record_fini(&r);
  sf_store_close(s);
}

static void test_urls(void **state) {
  (void)state;
  struct sf_store *s = (struct sf_store *)1;
  /* Without the backend: SF_ENOTSUP; with it, nothing listens on port 1: an error either way. */
  int rc = sf_store_open("clickhouse://127.0.0.1:1/smartflow", &s);
  if (SF_HAVE_CLICKHOUSE)
    assert_true(rc < 0);
  else
    assert_int_equal(rc, SF_ENOTSUP);
  assert_null(s);
  assert_int_equal(sf_store_open("clickhouse://127.0.0.1/smartflow", &s), SF_EINVAL);
  assert_int_equal(sf_store_open("clickhouse://127.0.0.1:99999/smartflow", &s), SF_EINVAL);
  assert_int_equal(sf_store_open("clickhouse://127.0.0.1:9000/", &s), SF_EINVAL);
  assert_int_equal(sf_store_open("postgres://x", &s), SF_EINVAL);
  assert_int_equal(sf_store_open("", &s), SF_EINVAL);
  /* sqlite: creates the folders of its path. */
  char url[1200];
  snprintf(url, sizeof url, "sqlite:%s/a/b/c.db", sqlite_dir);
  assert_int_equal(sf_store_open(url, &s), 0);
  check_str(sf_store_backend_name(s), "sqlite");
  sf_store_close(s);
  snprintf(url, sizeof url, "sqlite://%s/a/b/c.db", sqlite_dir); /* sqlite:///abs */
  assert_int_equal(sf_store_open(url, &s), 0);
  sf_store_close(s);
  assert_int_equal(sf_store_open("sqlite::memory:", &s), 0);
  sf_store_close(s);
}

int main(void) {
  const char *tmpl = getenv("SF_STORE_URL_TEMPLATE");
  snprintf(sqlite_dir, sizeof sqlite_dir, "%s/sf_store_contract_XXXXXX",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(sqlite_dir)) return 1;
  if (tmpl && *tmpl)
    snprintf(url_template, sizeof url_template, "%s", tmpl);
  else
    snprintf(url_template, sizeof url_template, "sqlite:%s/%%s.db", sqlite_dir);
  printf("store contract suite on %s\n", url_template);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_roundtrip_every_type),
      cmocka_unit_test(test_sentinel_values_roundtrip),
      cmocka_unit_test(test_paging_option_prints),
      cmocka_unit_test(test_paging_smart_money),
      cmocka_unit_test(test_paging_every_type),
      cmocka_unit_test(test_limit_capped),
      cmocka_unit_test(test_option_filters),
      cmocka_unit_test(test_smart_money_filters),
      cmocka_unit_test(test_double_write_stores_once),
      cmocka_unit_test(test_bad_batch_stores_nothing),
      cmocka_unit_test(test_unencodable_record_stores_nothing),
      cmocka_unit_test(test_corrupt_row_skipped),
      cmocka_unit_test(test_urls),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", sqlite_dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", sqlite_dir);
  return rc;
}
