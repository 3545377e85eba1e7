/* The synthetic market generator: determinism (same seed, same bytes; another seed, other
 * bytes), time order, quote sanity (bid <= ask; prints within a band around their NBBO unless
 * late, stale or unquoted), label integrity (members exist in the tape, no print in two labels,
 * every family present in an hour, several hundred planted orders), the tape carrying no label
 * field, configuration validation, the --mix reader and the demo pacer. */
#include "harness.h"

#include <jansson.h>

#include "smartflow/condition.h"
#include "smartflow/err.h"
#include "smartflow/record_json.h"
#include "smartflow/synth.h"

/* ---- a growable text buffer ---- */
struct buf {
  char *p;
  size_t n, cap;
};
static void buf_add(struct buf *b, const char *s) {
  size_t len = strlen(s);
  if (b->n + len + 1 > b->cap) {
    b->cap = (b->n + len + 1) * 2;
    b->p = realloc(b->p, b->cap);
    assert_non_null(b->p);
  }
  memcpy(b->p + b->n, s, len + 1);
  b->n += len;
}

static void label_to_buf(void *ctx, const struct sf_synth_label *l) {
  json_t *j = sf_synth_label_to_json(l);
  assert_non_null(j);
  char *line = sf_json_dumps(j, 1);
  buf_add(ctx, line);
  free(line);
  json_decref(j);
}

/* Runs a session and returns the tape text; labels go to *labels. */
static char *run_text(uint64_t seed, double minutes, struct buf *labels) {
  struct sf_synth_config cfg;
  sf_synth_config_default(&cfg);
  cfg.seed = seed;
  cfg.minutes = minutes;
  cfg.on_label = label_to_buf;
  cfg.label_ctx = labels;
  struct sf_synth *g;
  assert_int_equal(sf_synth_new(&cfg, &g), 0);
  struct buf tape = {0};
  struct sf_record r;
  int rc;
  while ((rc = sf_synth_next(g, &r)) == 1) {
    char *line = sf_record_to_line(&r);
    assert_non_null(line);
    buf_add(&tape, line);
    free(line);
    sf_record_fini(&r);
  }
  assert_int_equal(rc, 0);
  sf_synth_free(g);
  return tape.p;
}

static void test_determinism(void **state) {
  (void)state;
  struct buf l1 = {0}, l2 = {0}, l3 = {0};
  char *a = run_text(42, 3, &l1), *b = run_text(42, 3, &l2), *c = run_text(43, 3, &l3);
  assert_true(strlen(a) > 100000);
  assert_true(l1.n > 0);
  assert_string_equal(a, b);
  assert_string_equal(l1.p, l2.p);
  assert_true(strcmp(a, c) != 0);
  assert_true(l3.p == NULL || strcmp(l1.p, l3.p) != 0);
  /* The tape never carries labels. */
  const char *forbidden[] = {"scenario_id", "profile_id", "hard_negative",   "planted_move",
                             "\"family\"",  "\"labels\"", "member_print_ids"};
  for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++)
    if (strstr(a, forbidden[i])) fail_msg("tape contains label field %s", forbidden[i]);
  /* Trace ids follow the documented shapes. */
  assert_non_null(strstr(a, "\"trace_id\":\"p42-1\""));
  assert_non_null(strstr(a, "\"trace_id\":\"q42-1\""));
  free(a);
  free(b);
  free(c);
  free(l1.p);
  free(l2.p);
  free(l3.p);
}

/* ---- one hour, checked record by record without JSON ---- */
struct quote {
  char id[SF_CONTRACT_ID_MAX];
  double bid, ask;
  int64_t ts;
};
struct hour {
  struct quote *q;
  size_t nq, capq;
  char **prints; /* trace ids, in tape order */
  size_t np, capp;
  json_t *labels;
  uint64_t fam[SF_FAM_COUNT];
};

static struct quote *quote_find(struct hour *h, const char *id) {
  for (size_t i = 0; i < h->nq; i++)
    if (strcmp(h->q[i].id, id) == 0) return &h->q[i];
  return NULL;
}

static void hour_label(void *ctx, const struct sf_synth_label *l) {
  struct hour *h = ctx;
  json_array_append_new(h->labels, sf_synth_label_to_json(l));
  assert_true(l->family >= 0 && l->family < SF_FAM_COUNT);
  h->fam[l->family]++;
  assert_true(l->member_print_ids.n > 0);
  assert_true(l->start_ts_ns <= l->end_ts_ns);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void test_hour(void **state) {
  (void)state;
  struct hour h = {0};
  h.labels = json_array();
  struct sf_synth_config cfg;
  sf_synth_config_default(&cfg);
  cfg.seed = 7;
  cfg.minutes = 60;
  cfg.on_label = hour_label;
  cfg.label_ctx = &h;
  struct sf_synth *g;
  assert_int_equal(sf_synth_new(&cfg, &g), 0);
  struct sf_record r;
  int64_t last = INT64_MIN;
  uint64_t checked = 0, nbbo = 0;
  int rc;
  while ((rc = sf_synth_next(g, &r)) == 1) {
    int64_t ts = sf_record_ts_ns(&r);
    if (ts < last)
      fail_msg("record %s at %lld before %lld", sf_record_meta(&r)->trace_id, (long long)ts, (long long)last);
    last = ts;
    const struct sf_meta *m = sf_record_meta(&r);
    check_i64(m->source_ts, sf_ns_to_ms(ts));
    check_i64(m->ingest_ts, m->source_ts);
    if (r.type == SF_REC_OPTION_NBBO) {
      const struct sf_option_nbbo *q = &r.u.option_nbbo;
      if (!(q->bid <= q->ask && q->bid >= 0))
        fail_msg("%s: bid %g ask %g", q->option_contract_id, q->bid, q->ask);
      struct quote *e = quote_find(&h, q->option_contract_id);
      if (!e) {
        if (h.nq == h.capq) {
          h.capq = h.capq ? h.capq * 2 : 1024;
          h.q = realloc(h.q, h.capq * sizeof *h.q);
        }
        e = &h.q[h.nq++];
        snprintf(e->id, sizeof e->id, "%s", q->option_contract_id);
      }
      e->bid = q->bid;
      e->ask = q->ask;
      e->ts = ts;
      nbbo++;
    } else if (r.type == SF_REC_EQUITY_QUOTE) {
      assert_true(r.u.equity_quote.bid < r.u.equity_quote.ask);
    } else {
      assert_int_equal(r.type, SF_REC_OPTION_PRINT);
      const struct sf_option_print *p = &r.u.option_print;
      assert_true(p->size > 0 && p->price > 0);
      if (h.np == h.capp) {
        h.capp = h.capp ? h.capp * 2 : 4096;
        h.prints = realloc(h.prints, h.capp * sizeof *h.prints);
      }
      h.prints[h.np++] = strdup(p->meta.trace_id);
      struct quote *q = quote_find(&h, p->option_contract_id);
      /* Late prints, prints against stale quotes and unquoted strikes are off the book on purpose. */
      if (q && ts - q->ts <= SF_NS_PER_S && !(p->conditions & SF_COND_LATE)) {
        double band = fmax(0.05, 0.5 * (q->ask - q->bid)) + 1e-9;
        if (p->price < q->bid - band || p->price > q->ask + band)
          fail_msg("%s %s at %g outside %g x %g", p->meta.trace_id, p->option_contract_id, p->price, q->bid,
                   q->ask);
        checked++;
      }
    }
    sf_record_fini(&r);
  }
  assert_int_equal(rc, 0);
  struct sf_synth_stats st;
  sf_synth_get_stats(g, &st);
  sf_synth_free(g);
  /* NBBO traffic stays at a few hundred updates per second. */
  double per_s = (double)nbbo / 3600.0;
  if (per_s < 50 || per_s > 600) fail_msg("%.1f option quotes per second", per_s);
  assert_true(checked > st.option_prints / 2);
  /* Every family appears; several hundred planted orders. */
  size_t nl = json_array_size(h.labels);
  if (nl < 300) fail_msg("only %zu labels in an hour", nl);
  for (int f = 0; f < SF_FAM_COUNT; f++)
    if (h.fam[f] == 0) fail_msg("family %s missing from a 60-minute tape", sf_synth_family_name(f));
  /* Members exist in the tape and no print is in two labels. */
  qsort(h.prints, h.np, sizeof *h.prints, cmp_str);
  size_t nmem = 0;
  for (size_t i = 0; i < nl; i++)
    nmem += json_array_size(json_object_get(json_array_get(h.labels, i), "member_print_ids"));
  char **mem = malloc(nmem * sizeof *mem);
  size_t k = 0;
  for (size_t i = 0; i < nl; i++) {
    json_t *ids = json_object_get(json_array_get(h.labels, i), "member_print_ids");
    for (size_t j = 0; j < json_array_size(ids); j++) {
      const char *id = json_string_value(json_array_get(ids, j));
      char *key = (char *)(uintptr_t)id;
      if (!bsearch(&key, h.prints, h.np, sizeof *h.prints, cmp_str))
        fail_msg("label member %s not in the tape", id);
      mem[k++] = key;
    }
  }
  qsort(mem, nmem, sizeof *mem, cmp_str);
  for (size_t i = 1; i < nmem; i++)
    if (strcmp(mem[i - 1], mem[i]) == 0) fail_msg("print %s is in two labels", mem[i]);
  check_i64(nmem, st.planted_prints);
  /* Hard negatives carry the documented answers. */
  for (size_t i = 0; i < nl; i++) {
    json_t *l = json_array_get(h.labels, i);
    const char *fam = json_string_value(json_object_get(l, "family"));
    json_t *prof = json_object_get(l, "profile_id");
    bool hn = json_is_true(json_object_get(l, "hard_negative"));
    assert_true(hn == (strncmp(fam, "hn_", 3) == 0));
    if (!strcmp(fam, "hn_closing_at_bid")) assert_true(json_is_null(prof));
    if (!strcmp(fam, "hn_retail_frenzy")) check_str(json_string_value(prof), "retail_whale");
    if (!strcmp(fam, "hn_hedge_0dte_burst")) check_str(json_string_value(prof), "hedge_reactive");
    if (!strcmp(fam, "hn_straddle_at_bid")) check_str(json_string_value(prof), "vol_seller");
    if (!strcmp(fam, "institutional_directional"))
      assert_true(json_is_real(json_object_get(l, "planted_move_bps")));
  }
  free(mem);
  for (size_t i = 0; i < h.np; i++) free(h.prints[i]);
  free(h.prints);
  free(h.q);
  json_decref(h.labels);
}

static void test_noise_only(void **state) {
  (void)state;
  struct buf labels = {0};
  struct sf_synth_config cfg;
  sf_synth_config_default(&cfg);
  cfg.minutes = 2;
  cfg.noise_only = true;
  cfg.on_label = label_to_buf;
  cfg.label_ctx = &labels;
  struct sf_synth *g;
  assert_int_equal(sf_synth_new(&cfg, &g), 0);
  struct sf_record r;
  uint64_t prints = 0;
  while (sf_synth_next(g, &r) == 1) {
    prints += r.type == SF_REC_OPTION_PRINT;
    sf_record_fini(&r);
  }
  sf_synth_free(g);
  assert_null(labels.p);
  assert_true(prints > 300); /* ~6 a second */
}

static void test_config_errors(void **state) {
  (void)state;
  struct sf_synth_config cfg;
  struct sf_synth *g = NULL;
  sf_synth_config_default(&cfg);
  cfg.day = 15; /* 2025-03-15 is a Saturday */
  assert_int_equal(sf_synth_new(&cfg, &g), SF_EINVAL);
  sf_synth_config_default(&cfg);
  cfg.mix.weights[SF_FAM_ARBITRAGE] = -1;
  assert_int_equal(sf_synth_new(&cfg, &g), SF_EINVAL);
  struct sf_synth_underlying u;
  assert_int_equal(sf_synth_underlying_default("", &u), SF_EINVAL);
  assert_int_equal(sf_synth_underlying_default("SPY", &u), 0);
  assert_true(u.is_etf && u.daily_expiries);
  check_near(u.strike_step, 1.0, 0);
  assert_int_equal(sf_synth_underlying_default("ZZZ", &u), 0);
  assert_false(u.is_etf);

  struct sf_synth_mix mix;
  sf_synth_mix_default(&mix);
  char err[256];
  json_t *j = json_loads("{\"scenarios_per_min\": 3, \"families\": {\"arbitrage\": 0, \"retail_whale\": 5}}",
                         0, NULL);
  assert_int_equal(sf_synth_mix_from_json(j, &mix, err, sizeof err), 0);
  check_near(mix.scenarios_per_min, 3, 0);
  check_near(mix.weights[SF_FAM_ARBITRAGE], 0, 0);
  check_near(mix.weights[SF_FAM_RETAIL_WHALE], 5, 0);
  check_near(mix.noise_prints_per_s, 6, 0);
  json_decref(j);
  j = json_loads("{\"families\": {\"dark_pool\": 1}}", 0, NULL);
  assert_int_equal(sf_synth_mix_from_json(j, &mix, err, sizeof err), SF_EFIELD);
  assert_non_null(strstr(err, "dark_pool"));
  json_decref(j);
  j = json_loads("{\"scenarios_per_min\": \"fast\"}", 0, NULL);
  assert_int_equal(sf_synth_mix_from_json(j, &mix, err, sizeof err), SF_EFIELD);
  assert_non_null(strstr(err, "scenarios_per_min"));
  json_decref(j);
  assert_int_equal(sf_synth_family_from_name("hn_closing_at_bid"), SF_FAM_HN_CLOSING_AT_BID);
  assert_int_equal(sf_synth_family_from_name("nope"), -1);
}

static void test_pacer(void **state) {
  (void)state;
  struct sf_synth_pacer p;
  sf_synth_pacer_init(&p, 2.0);
  check_i64(sf_synth_pace(&p, 1000 * SF_NS_PER_S, 50), 0); /* anchors */
  /* 2 s of event time at speed 2 is due 1 s after the anchor */
  check_i64(sf_synth_pace(&p, 1002 * SF_NS_PER_S, 50), SF_NS_PER_S);
  check_i64(sf_synth_pace(&p, 1002 * SF_NS_PER_S, 50 + SF_NS_PER_S / 4), 3 * SF_NS_PER_S / 4);
  check_i64(sf_synth_pace(&p, 1002 * SF_NS_PER_S, 50 + 2 * SF_NS_PER_S), 0); /* late: no wait */
  sf_synth_pacer_init(&p, 0);
  check_i64(sf_synth_pace(&p, 5, 0), 0);
  check_i64(sf_synth_pace(&p, 5 * SF_NS_PER_S, 0), 0);
}

static void test_calendar(void **state) {
  (void)state;
  struct sf_synth_config cfg;
  sf_synth_config_default(&cfg);
  struct sf_synth *g;
  assert_int_equal(sf_synth_new(&cfg, &g), 0);
  size_t n;
  const struct sf_calendar_event *ev = sf_synth_calendar(g, &n);
  assert_int_equal(n, 3); /* three of the six default single names */
  int64_t open = sf_ny_local_to_utc_ns(2025, 3, 12, 9, 30, 0);
  for (size_t i = 0; i < n; i++) {
    /* after the close of Fri 2025-03-14 .. Wed 2025-03-19 */
    assert_true(ev[i].event_ns > open + 2 * SF_NS_PER_DAY);
    assert_true(ev[i].event_ns < open + 8 * SF_NS_PER_DAY);
    assert_true(ev[i].announced_ns < open);
    check_str(ev[i].event_kind, "earnings");
  }
  json_t *j = sf_synth_calendar_to_json(g);
  assert_int_equal(json_array_size(j), 3);
  assert_true(json_is_integer(json_object_get(json_array_get(j, 0), "event_ts")));
  json_decref(j);
  sf_synth_free(g);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_determinism),   cmocka_unit_test(test_hour),  cmocka_unit_test(test_noise_only),
      cmocka_unit_test(test_config_errors), cmocka_unit_test(test_pacer), cmocka_unit_test(test_calendar),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
