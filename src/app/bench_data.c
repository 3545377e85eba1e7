/* Shared pieces of the `smartflow bench api|ws` load benchmarks: deterministic records and store
 * seeding, the in-process server, percentiles, and two sans-I/O parsers for the load client.
 *
 * Seeded records are pure functions of their index, so two runs (or a --url run against a server
 * seeded the same way) see the same pages. Their ordering keys (source_ts = T0 + i / 4 ms,
 * seq = i) are unique, so walking history pages from the top visits every row exactly once and
 * a page holds min(limit, rows not yet visited) records: the load client checks exactly that.
 *
 * The page scanner counts the elements of a top-level "data" array and reads the cursor member
 * in one pass over the bytes (strings and escapes skipped, brackets matched on a small stack),
 * so checking a 500 KB response costs the client far less than the server spent producing it.
 * The client cross-checks it against a full jansson parse on a sample of responses. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/bench.h"
#include "smartflow/api.h"
#include "smartflow/err.h"
#include "smartflow/store.h"
#include "smartflow/time.h"

static const char *const unders[] = {"SPY", "QQQ", "AAPL", "TSLA", "NVDA", "IWM"};
static const char *const reasons[] = {"large_premium", "aggressive_buying", "sweep_urgency", "near_event"};

void sf_bench_make_event(struct sf_record *r, int64_t i) {
  sf_record_init(r, SF_REC_SMART_MONEY);
  struct sf_smart_money_event *e = &r->u.smart_money;
  int64_t ts = SF_BENCH_T0_MS + i / 4;
  const char *u = unders[i % 6];
  e->meta.source_ts = ts;
  e->meta.ingest_ts = ts + 2;
  e->meta.seq = i;
  snprintf(e->event_id, sizeof e->event_id, "bev-%lld", (long long)i);
  snprintf(e->meta.trace_id, sizeof e->meta.trace_id, "bev-%lld", (long long)i);
  char buf[64];
  for (int k = 0; k < 1 + (int)(i % 2); k++) {
    snprintf(buf, sizeof buf, "bpk-%lld-%d", (long long)i, k);
    sf_strvec_push(&e->packet_ids, buf);
  }
  for (int k = 0; k < 2 + (int)(i % 4); k++) {
    snprintf(buf, sizeof buf, "bpr-%lld", (long long)(i * 3 + k));
    sf_strvec_push(&e->member_print_ids, buf);
  }
  snprintf(e->underlying_id, sizeof e->underlying_id, "%s", u);
  e->event_kind = (uint8_t)(i % 5 == 0 ? SF_EVENT_MULTI_LEG : SF_EVENT_SINGLE_LEG);
  e->event_window_ms = 100 + i % 900;
  struct sf_features *f = &e->features;
  sf_features_init_null(f);
  f->contract_count = 1 + (double)(i % 3);
  f->print_count = 2 + (double)(i % 4);
  f->total_size = 10 + (double)(i % 300);
  f->total_premium = 2500.0 * (double)(1 + i % 211);
  f->total_notional = f->total_premium;
  f->start_ts = ts - e->event_window_ms;
  f->end_ts = ts;
  f->window_ms = (double)e->event_window_ms;
  snprintf(f->option_contract_id, sizeof f->option_contract_id, "%s-2025-02-21-%d-%c", u, 100 + (int)(i % 40),
           i % 2 ? 'P' : 'C');
  snprintf(f->option_type, sizeof f->option_type, "%s", i % 2 ? "P" : "C");
  f->dte_days = 37.25;
  f->moneyness = 0.95 + 0.001 * (double)(i % 100);
  f->atm_proximity = 0.02;
  f->aggressor_buy_ratio = 0.8;
  f->aggressor_sell_ratio = 0.2;
  f->aggressor_ratio = 0.6;
  f->nbbo_coverage_ratio = 1;
  f->nbbo_inside_ratio = 0.1;
  f->quote_age_ms = 3;
  f->venue_count = 1 + (double)(i % 6);
  f->strike_count = 1;
  f->net_directional_bias = (i % 2) ? 0.5 : -0.5;
  f->expiry_after_event = (int8_t)(i % 3 - 1);
  f->special_print_ratio = 0;
  int lead = (int)(i % SF_PROFILE_COUNT);
  for (int k = 0; k < SF_PROFILE_COUNT; k++) {
    struct sf_profile_score *s = &e->scores[k];
    s->profile = (uint8_t)(k == 0 ? lead : (k <= lead ? k - 1 : k));
    s->probability = 0.85 - 0.12 * k;
    s->band = (uint8_t)(k == 0 ? (i / 7) % 3 : SF_BAND_LOW);
    s->direction = (uint8_t)(k == 0 ? 1 + i % 2 : SF_DIR_UNKNOWN);
    if (k < 2) sf_strvec_push(&s->reasons, reasons[(i + k) % 4]);
  }
  e->abstained = i % 10 == 9;
  e->primary_profile = e->abstained ? -1 : lead;
  e->primary_direction = (uint8_t)(e->abstained ? SF_DIR_UNKNOWN : 1 + i % 2);
  if (e->abstained) sf_strvec_push(&e->suppressed_reasons, "low_confidence");
}

void sf_bench_make_print(struct sf_record *r, int64_t i) {
  sf_record_init(r, SF_REC_OPTION_PRINT);
  struct sf_option_print *p = &r->u.option_print;
  int64_t ts = SF_BENCH_T0_MS + i / 4;
  const char *u = unders[i % 6];
  p->ts_ns = ts * SF_NS_PER_MS + (i % 4) * 1000;
  p->meta.source_ts = ts;
  p->meta.ingest_ts = ts + 1;
  p->meta.seq = i;
  snprintf(p->meta.trace_id, sizeof p->meta.trace_id, "bpr-%lld", (long long)i);
  snprintf(p->option_contract_id, sizeof p->option_contract_id, "%s-2025-02-21-%d-%c", u, 100 + (int)(i % 40),
           i % 2 ? 'P' : 'C');
  p->price = 0.5 + 0.05 * (double)(i % 200);
  p->size = 1 + i % 50;
  snprintf(p->exchange, sizeof p->exchange, "%s", i % 3 ? "CBOE" : "PHLX");
  p->enriched = true;
  snprintf(p->underlying_id, sizeof p->underlying_id, "%s", u);
  p->option_type = i % 2 ? SF_OPT_PUT : SF_OPT_CALL;
  p->multiplier = 100;
  p->notional = p->price * (double)p->size * 100.0;
  p->nbbo_side = (uint8_t)(1 + i % 7);
  p->nbbo_bid = p->price - 0.05;
  p->nbbo_ask = p->price + 0.05;
  p->nbbo_mid = p->price;
  p->nbbo_spread = 0.1;
  p->nbbo_bid_size = 10;
  p->nbbo_ask_size = 12;
  p->und_spot = 450.25;
  p->iv = 0.2 + 0.001 * (double)(i % 100);
  snprintf(p->iv_source, sizeof p->iv_source, "computed");
}

int sf_bench_seed_store(const char *url, int64_t n_events, int64_t n_prints) {
  enum { BATCH = 5000 };
  struct sf_store *st = NULL;
  struct sf_record *recs = calloc(BATCH, sizeof *recs);
  const struct sf_record **ptrs = calloc(BATCH, sizeof *ptrs);
  int rc = SF_ENOMEM;
  if (!recs || !ptrs) goto fail;
  if ((rc = sf_store_open(url, &st)) != 0) goto fail;
  for (int kind = 0; kind < 2; kind++) {
    int64_t total = kind == 0 ? n_events : n_prints;
    for (int64_t off = 0; off < total; off += BATCH) {
      size_t k = (size_t)(total - off < BATCH ? total - off : BATCH);
      for (size_t j = 0; j < k; j++) {
        if (kind == 0)
          sf_bench_make_event(&recs[j], off + (int64_t)j);
        else
          sf_bench_make_print(&recs[j], off + (int64_t)j);
        ptrs[j] = &recs[j];
      }
      rc = sf_store_write(st, ptrs, k);
      for (size_t j = 0; j < k; j++) sf_record_fini(&recs[j]);
      if (rc) {
        fprintf(stderr, "smartflow bench: seeding %s: %s\n", url, sf_store_errmsg(st));
        goto fail;
      }
    }
  }
  rc = 0;
fail:
  sf_store_close(st);
  free(recs);
  free(ptrs);
  return rc;
}

int sf_bench_server_start(const char *store_url, int threads, size_t ws_queue_max, struct sf_api **out) {
  struct sf_api_config cfg;
  sf_api_config_default(&cfg);
  cfg.listen = "127.0.0.1:0";
  cfg.store_url = store_url;
  cfg.threads = threads;
  if (ws_queue_max) cfg.ws_queue_max = ws_queue_max;
  return sf_api_start(&cfg, out);
}

int sf_bench_tmpdir(char *dir, size_t dir_cap, char *url, size_t url_cap) {
  if (dir_cap < 32) return SF_EINVAL;
  snprintf(dir, dir_cap, "/tmp/sf-bench-XXXXXX");
  if (!mkdtemp(dir)) return SF_EIO;
  snprintf(url, url_cap, "sqlite:%s/bench.db", dir);
  return 0;
}

void sf_bench_rmdir(const char *dir) {
  static const char *const files[] = {"bench.db", "bench.db-wal", "bench.db-shm", "bench.db-journal"};
  char p[512];
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, files[i]);
    unlink(p);
  }
  rmdir(dir);
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

int64_t sf_bench_pct_sorted(const int64_t *v, size_t n, double p) {
  if (n == 0) return 0;
  size_t i = (size_t)(p * (double)n);
  return v[i < n ? i : n - 1];
}

int64_t sf_bench_pct(int64_t *v, size_t n, double p) {
  qsort(v, n, sizeof *v, cmp_i64);
  return sf_bench_pct_sorted(v, n, p);
}

/* ---- HTTP response head ---- */

static bool header_is(const char *line, size_t len, const char *name) {
  size_t k = strlen(name);
  return len > k && line[k] == ':' && strncasecmp(line, name, k) == 0;
}

static bool value_has(const char *v, size_t len, const char *word) {
  size_t k = strlen(word);
  for (size_t i = 0; i + k <= len; i++)
    if (strncasecmp(v + i, word, k) == 0) return true;
  return false;
}

int sf_bench_http_head_parse(const char *p, size_t n, struct sf_bench_http_head *h) {
  const char *end = NULL;
  for (size_t i = 0; i + 3 < n; i++)
    if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n') {
      end = p + i;
      break;
    }
  if (!end) return n > 65536 ? SF_EPARSE : 0;
  memset(h, 0, sizeof *h);
  h->content_length = -1;
  h->head_len = (size_t)(end - p) + 4;
  if (end - p < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' || !isdigit((unsigned char)p[9]) ||
      !isdigit((unsigned char)p[10]) || !isdigit((unsigned char)p[11]))
    return SF_EPARSE;
  h->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
  const char *line = memchr(p, '\n', (size_t)(end - p));
  while (line && line < end) {
    line++;
    const char *eol = memchr(line, '\r', (size_t)(end - line) + 1);
    if (!eol) break;
    size_t len = (size_t)(eol - line);
    const char *colon = memchr(line, ':', len);
    const char *v = colon ? colon + 1 : eol;
    size_t vlen = (size_t)(eol - v);
    if (header_is(line, len, "Content-Length")) {
      while (vlen && *v == ' ') v++, vlen--;
      if (!vlen) return SF_EPARSE;
      int64_t cl = 0;
      for (size_t i = 0; i < vlen && v[i] != ' '; i++) {
        if (!isdigit((unsigned char)v[i]) || cl > INT64_MAX / 10 - 10) return SF_EPARSE;
        cl = cl * 10 + (v[i] - '0');
      }
      h->content_length = cl;
    } else if (header_is(line, len, "Transfer-Encoding")) {
      h->chunked = value_has(v, vlen, "chunked");
    } else if (header_is(line, len, "Connection")) {
      h->close = value_has(v, vlen, "close");
    }
    line = memchr(eol, '\n', (size_t)(end - eol) + 1);
  }
  return 1;
}

/* ---- page scanner ---- */

static size_t skip_ws(const char *p, size_t n, size_t i) {
  while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r')) i++;
  return i;
}

/* {"ts":int,"seq":int} in any order at p[i]; returns the index after '}' or 0 when malformed. */
static size_t scan_cursor(const char *p, size_t n, size_t i, int64_t *ts, int64_t *seq) {
  bool got_ts = false, got_seq = false;
  i = skip_ws(p, n, i + 1);
  for (;;) {
    if (i >= n || p[i] != '"') return 0;
    size_t ks = ++i;
    while (i < n && p[i] != '"' && p[i] != '\\') i++;
    if (i >= n || p[i] != '"') return 0;
    size_t klen = i - ks;
    i = skip_ws(p, n, i + 1);
    if (i >= n || p[i] != ':') return 0;
    i = skip_ws(p, n, i + 1);
    bool neg = i < n && p[i] == '-';
    if (neg) i++;
    if (i >= n || !isdigit((unsigned char)p[i])) return 0;
    int64_t v = 0;
    while (i < n && isdigit((unsigned char)p[i])) {
      if (v > INT64_MAX / 10 - 10) return 0;
      v = v * 10 + (p[i++] - '0');
    }
    if (neg) v = -v;
    if (klen == 2 && memcmp(p + ks, "ts", 2) == 0)
      *ts = v, got_ts = true;
    else if (klen == 3 && memcmp(p + ks, "seq", 3) == 0)
      *seq = v, got_seq = true;
    else
      return 0;
    i = skip_ws(p, n, i);
    if (i < n && p[i] == ',') {
      i = skip_ws(p, n, i + 1);
      continue;
    }
    if (i < n && p[i] == '}' && got_ts && got_seq) return i + 1;
    return 0;
  }
}

int sf_bench_page_scan(const char *p, size_t n, const char *cursor_key, struct sf_bench_page *out) {
  enum { MAX_DEPTH = 64 };
  char stack[MAX_DEPTH];
  memset(out, 0, sizeof *out);
  size_t i = skip_ws(p, n, 0);
  if (i >= n || p[i] != '{') return SF_EPARSE;
  size_t ck_len = cursor_key ? strlen(cursor_key) : 0;
  int depth = 0;
  bool expect_key = false, expect_value1 = false, in_data = false, expect_elem = false;
  size_t key_s = 0, key_len = 0, pending_s = 0;
  bool key_pending = false;
  for (; i < n; i++) {
    char c = p[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (in_data && depth == 2 && expect_elem && c != ']') {
      out->count++;
      expect_elem = false;
    }
    if (depth == 1 && expect_value1) {
      expect_value1 = false;
      if (key_len == 4 && memcmp(p + key_s, "data", 4) == 0 && c == '[') {
        in_data = true;
        expect_elem = true;
        out->has_data = true;
      } else if (cursor_key && key_len == ck_len && memcmp(p + key_s, cursor_key, ck_len) == 0) {
        if (c == 'n' && n - i >= 4 && memcmp(p + i, "null", 4) == 0) {
          i += 3;
          continue;
        }
        if (c != '{') return SF_EPARSE;
        size_t e = scan_cursor(p, n, i, &out->next_ts, &out->next_seq);
        if (!e) return SF_EPARSE;
        out->has_next = true;
        i = e - 1;
        continue;
      }
    }
    switch (c) {
      case '"': {
        bool is_key = depth == 1 && expect_key;
        pending_s = i + 1;
        for (i++; i < n && p[i] != '"'; i++)
          if (p[i] == '\\') i++;
        if (i >= n) return SF_EPARSE;
        if (is_key) {
          key_pending = true;
          expect_key = false;
          key_s = pending_s;
          key_len = i - pending_s;
        }
        break;
      }
      case ':':
        if (depth == 1) {
          if (!key_pending) return SF_EPARSE;
          key_pending = false;
          expect_value1 = true;
        }
        break;
      case ',':
        if (depth == 1) expect_key = true;
        if (in_data && depth == 2) expect_elem = true;
        break;
      case '{':
      case '[':
        if (depth == MAX_DEPTH) return SF_EPARSE;
        stack[depth++] = c;
        if (depth == 1) expect_key = true;
        break;
      case '}':
      case ']':
        if (depth == 0 || stack[depth - 1] != (c == '}' ? '{' : '[')) return SF_EPARSE;
        depth--;
        if (in_data && depth == 1) in_data = false;
        if (depth == 0) {
          if (skip_ws(p, n, i + 1) != n) return SF_EPARSE;
          return 0;
        }
        break;
      default:
        break;
    }
  }
  return SF_EPARSE; /* unterminated */
}
