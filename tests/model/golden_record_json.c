/* Golden bytes of the record encoders: tests/golden/record_json.jsonl holds one envelope line per
 * record of a fixed, rich set (records 0..99 of every type from tests/store/store_fixtures.h,
 * which cycle through every side, option type, aggressor rule, profile, direction, band,
 * severity, null pattern and list length; plus hand-built records with UTF-8 and escaped
 * controls, every enum value including out-of-range ones, INT64 extremes, negative and tiny and
 * huge reals, -0.0, timestamps before 1970, and empty lists). The file was captured from the
 * jansson-tree encoders before they were replaced by the streaming writer, so this test pins the
 * writer-based encoders to the exact bytes (field order included) of the old ones.
 *
 * Property, for every record: the text is a fixed point under jansson,
 * sf_json_dumps(json_loadb(line)) == line, sf_record_to_json() (which parses the encoding)
 * dumps to the same text, and the encoding into a writer that already holds text only appends.
 *
 * Run with --update to rewrite the golden file from the current encoder (then review the diff). */
#include "../harness.h"
#include "../store/store_fixtures.h"
#include "smartflow/err.h"
#include "smartflow/jsonw.h"
#include "smartflow/record_json.h"

#define PER_TYPE 100

static void meta(struct sf_meta *m, int64_t src, int64_t seq, const char *trace) {
  m->source_ts = src;
  m->ingest_ts = src == SF_TS_NULL ? 0 : src + 1;
  m->seq = seq;
  snprintf(m->trace_id, sizeof m->trace_id, "%s", trace);
}

/* Hand-built records beyond the fixtures; returns how many were written into out. */
static size_t extra_records(struct sf_record *out) {
  size_t n = 0;
  /* Option prints: every side (and one out of range), option type, rule; extremes. */
  for (int k = 0; k < 9; k++) {
    struct sf_record *r = &out[n++];
    sf_record_init(r, SF_REC_OPTION_PRINT);
    struct sf_option_print *p = &r->u.option_print;
    meta(&p->meta, k == 0 ? -86400000 : 1700000000000 + k, k == 1 ? INT64_MAX : k, "");
    snprintf(p->meta.trace_id, sizeof p->meta.trace_id, "x-print-%d-\xc3\xbc\xe6\x97\xa5\xf0\x9f\x98\x80", k);
    p->ts_ns = k == 0 ? -1 : 1700000000000000000 + k * 999999;
    snprintf(p->option_contract_id, sizeof p->option_contract_id, "SPY-2025-01-17-450-C");
    p->price = k == 0 ? 1e300 : k == 1 ? 0 : k == 2 ? 1e-7 : k == 3 ? 123456789.123456789 : 0.1 + 0.2;
    p->size = k == 0 ? INT64_MAX : k + 1;
    snprintf(p->exchange, sizeof p->exchange, "%s",
             k == 0 ? "\xce\xa9\xce\xa9\xce\xa9\xce\xa9\xce\xa9\xce\xa9\xce\xa9X" : "C\"\\/\x01\x1f");
    p->conditions = k == 2 ? 0xFFFFFFFFu : (uint32_t)k * 5u;
    if (k == 8) continue; /* raw */
    p->enriched = true;
    if (k % 2) snprintf(p->underlying_id, sizeof p->underlying_id, "SPY");
    p->option_type = (uint8_t)(k % 4); /* 3 is out of range */
    p->notional = k == 3 ? -0.0 : 1e15 * k;
    p->nbbo_side = (uint8_t)(k == 7 ? 200 : k);
    p->nbbo_bid = 1.0 / 3.0;
    p->nbbo_ask = 2.0 / 3.0;
    p->nbbo_mid = 0.5;
    p->nbbo_spread = -1e-5 * k;
    p->nbbo_bid_size = 1e16;
    p->nbbo_ask_size = 999999999999999.0;
    p->nbbo_ts_ns = k == 4 ? SF_TS_NULL : -1000000001;
    p->nbbo_age_ms = k == 5 ? INFINITY : 0.001;
    p->und_spot = 450.25;
    p->und_bid = 5e-324;
    p->und_ask =
        1.79769313486231e308; /* DBL_MAX would print as 1.79769313486232e308, which overflows on reading */
    p->und_mid = 100;
    p->und_spread = 0.0001;
    p->und_ts_ns = INT64_MAX;
    p->und_age_ms = -2.5;
    p->iv = 0.123456789012345678;
    snprintf(p->iv_source, sizeof p->iv_source, "%s", k % 3 ? "computed" : "");
    p->is_etf = (int8_t)(k % 3 - 1);
    p->delta = -0.5;
    p->gamma = 1e-20;
    p->vega = 12.0;
    p->aggressor = (int8_t)(k % 3 - 1);
    p->aggressor_rule = (uint8_t)(k % 6); /* 5 is out of range */
    p->multiplier = k == 6 ? 10 : 100;
  }
  /* Market data with every null and extreme. */
  {
    struct sf_record *r = &out[n++];
    sf_record_init(r, SF_REC_OPTION_NBBO);
    meta(&r->u.option_nbbo.meta, 0, 0, "nbbo-nulls");
    r->u.option_nbbo.ts_ns = 0;
    snprintf(r->u.option_nbbo.option_contract_id, SF_CONTRACT_ID_MAX, "BRK-B-2025-03-21-452.5-P");
  }
  {
    struct sf_record *r = &out[n++];
    sf_record_init(r, SF_REC_EQUITY_QUOTE);
    meta(&r->u.equity_quote.meta, INT64_C(9223372036854), 7, "eq-\t\n\r\b\f");
    r->u.equity_quote.ts_ns = INT64_MIN / 2; /* sf_ns_to_ms needs -ns + 999999 to fit */
    snprintf(r->u.equity_quote.underlying_id, SF_SYMBOL_MAX, "\xe2\x82\xac");
    r->u.equity_quote.bid = 1e-300;
    r->u.equity_quote.ask = 4.5e15;
  }
  for (int k = 0; k < 3; k++) {
    struct sf_record *r = &out[n++];
    sf_record_init(r, SF_REC_EQUITY_PRINT);
    meta(&r->u.equity_print.meta, -1, k, "ep");
    r->u.equity_print.ts_ns = -999999;
    snprintf(r->u.equity_print.underlying_id, SF_SYMBOL_MAX, "NVDA");
    r->u.equity_print.price = 1234567.0;
    r->u.equity_print.size = INT64_MIN;
    r->u.equity_print.off_exchange = (int8_t)(k - 1);
  }
  /* Flow packet with an empty member list and free-form values of every scalar kind. */
  {
    struct sf_record *r = &out[n++];
    sf_record_init(r, SF_REC_FLOW_PACKET);
    struct sf_flow_packet *p = &r->u.flow_packet;
    meta(&p->meta, 5, 5, "fp");
    snprintf(p->id, sizeof p->id, "pkt-\xc3\xa9");
    json_decref(p->features);
    json_decref(p->join_quality);
    p->features = json_pack("{s:s, s:f, s:b, s:I, s:n, s:f, s:s}", "z\"key", "v\\\x02", "r", 1e15, "b", 1,
                            "i", (json_int_t)INT64_MIN, "nul", "neg", -0.25, "u", "\xf0\x9f\x98\x80");
    p->join_quality = json_pack("{s:f, s:i}", "a", 1.0, "b", 3);
  }
  /* Smart money: every event kind, direction and primary profile, out-of-range enums. */
  for (int k = 0; k < 9; k++) {
    struct sf_record *r = &out[n++];
    fx_smart_money(r, "xs", 1000 + k, 1700000000000 + k, k);
    struct sf_smart_money_event *e = &r->u.smart_money;
    e->event_kind = (uint8_t)(k % 3); /* 2 is out of range */
    e->primary_profile = k - 2;       /* -2, -1 null; 6 out of range */
    e->primary_direction = (uint8_t)(k % 6);
    e->features.inter_fill_ms_mean = 1e-9 * k;
    e->features.vol_oi_ratio = -123.456;
    e->features.expiry_after_event = (int8_t)(k % 3 - 1);
    e->features.start_ts = SF_TS_NULL;
    e->features.contract_count = k == 3 ? 1e17 : 2.5; /* integer kind: non-integral stays real */
    e->features.print_count = k == 4 ? -3 : 9007199254740993.0;
    e->scores[0].band = (uint8_t)(k % 4);
    e->scores[1].direction = (uint8_t)(k % 6);
    e->scores[2].profile = (uint8_t)(k == 8 ? 9 : e->scores[2].profile);
    e->scores[3].probability = SF_NULL;
  }
  /* Classifier hits and alerts: every severity, no hits, with and without scores. */
  for (int k = 0; k < 4; k++) {
    struct sf_record *r = &out[n++];
    fx_classifier_hit(r, "xh", 500 + k, -5, k);
    r->u.classifier_hit.direction = (uint8_t)(k + 2);
    r->u.classifier_hit.confidence = k == 0 ? SF_NULL : 1.0 / (k + 1);
  }
  for (int k = 0; k < 4; k++) {
    struct sf_record *r = &out[n++];
    fx_alert(r, "xa", 700 + k, 1700000000000, k);
    r->u.alert.severity = (uint8_t)k; /* 3 is out of range */
    if (k == 2) {
      for (size_t h = 0; h < r->u.alert.hit_count; h++) sf_classifier_hit_fini(&r->u.alert.hits[h]);
      free(r->u.alert.hits);
      r->u.alert.hits = NULL;
      r->u.alert.hit_count = 0;
    }
    if (k == 3) r->u.alert.primary_profile = 8; /* out of range: omitted */
  }
  return n;
}

#define EXTRA_MAX 64

static size_t all_records(struct sf_record **out) {
  struct sf_record *r = calloc(SF_REC__COUNT * PER_TYPE + EXTRA_MAX, sizeof *r);
  assert_non_null(r);
  size_t n = 0;
  for (int t = 0; t < SF_REC__COUNT; t++)
    for (int64_t i = 0; i < PER_TYPE; i++)
      fx_record(&r[n++], (enum sf_record_type)t, "g", i, 1700000000000 + i * 37, i * 1013 % 1000000, i);
  n += extra_records(r + n);
  assert_true(n <= SF_REC__COUNT * PER_TYPE + EXTRA_MAX);
  *out = r;
  return n;
}

static void free_records(struct sf_record *r, size_t n) {
  for (size_t i = 0; i < n; i++) sf_record_fini(&r[i]);
  free(r);
}

static const char *golden_path(char *buf, size_t cap) {
  return sf_test_path("SF_SOURCE_DIR", "tests/golden/record_json.jsonl", buf, cap);
}

static int update_mode;

static void test_golden(void **state) {
  (void)state;
  struct sf_record *recs;
  size_t n = all_records(&recs);
  char path[1024];
  golden_path(path, sizeof path);
  if (update_mode) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (size_t i = 0; i < n; i++) {
      char *line = sf_record_to_line(&recs[i]);
      assert_non_null(line);
      fputs(line, f);
      free(line);
    }
    fclose(f);
    printf("wrote %zu lines to %s\n", n, path);
  }
  size_t len;
  char *want = sf_test_slurp(path, &len);
  assert_non_null(want);
  char *cur = want;
  for (size_t i = 0; i < n; i++) {
    char *nl = strchr(cur, '\n');
    if (!nl) fail_msg("golden file ends at line %zu of %zu", i + 1, n);
    char *line = sf_record_to_line(&recs[i]);
    assert_non_null(line);
    size_t wl = (size_t)(nl - cur) + 1;
    if (strlen(line) != wl || memcmp(line, cur, wl) != 0)
      fail_msg("line %zu differs:\n got  %s want %.*s", i + 1, line, (int)wl, cur);
    free(line);
    cur = nl + 1;
  }
  assert_true(*cur == '\0');
  free(want);
  free_records(recs, n);
}

static void test_fixed_point(void **state) {
  (void)state;
  struct sf_record *recs;
  size_t n = all_records(&recs);
  struct sf_jw w;
  sf_jw_init(&w);
  for (size_t i = 0; i < n; i++) {
    sf_jw_reset(&w);
    assert_int_equal(sf_record_encode(&recs[i], &w), 0);
    size_t len;
    const char *enc = sf_jw_cstr(&w, &len);
    assert_non_null(enc);
    json_error_t e;
    json_t *j = json_loadb(enc, len, JSON_REJECT_DUPLICATES, &e);
    if (!j) fail_msg("record %zu: encoding does not parse (%s): %s", i, e.text, enc);
    char *again = sf_json_dumps(j, 0);
    json_decref(j);
    assert_non_null(again);
    check_str(again, enc);
    free(again);
    json_t *tree = sf_record_to_json(&recs[i]);
    assert_non_null(tree);
    again = sf_json_dumps(tree, 0);
    json_decref(tree);
    check_str(again, enc);
    free(again);

    /* Appending after other content: the record is one value in an array. */
    char *copy = strdup(enc);
    assert_non_null(copy);
    sf_jw_reset(&w);
    sf_jw_arr_begin(&w);
    sf_jw_int(&w, 1);
    assert_int_equal(sf_record_encode(&recs[i], &w), 0);
    sf_jw_arr_end(&w);
    const char *arr = sf_jw_cstr(&w, &len);
    assert_true(len == strlen(copy) + 4);
    assert_memory_equal(arr, "[1,", 3);
    assert_memory_equal(arr + 3, copy, strlen(copy));
    free(copy);

    /* The envelope is {"type":…,"payload":<encoding>}. */
    sf_jw_reset(&w);
    assert_int_equal(sf_record_encode_envelope(&recs[i], &w), 0);
    char *line = sf_record_to_line(&recs[i]);
    assert_non_null(line);
    enc = sf_jw_cstr(&w, &len);
    assert_int_equal(len + 1, strlen(line));
    assert_memory_equal(enc, line, len);
    free(line);
  }
  sf_jw_fini(&w);
  free_records(recs, n);
}

static void test_unencodable(void **state) {
  (void)state;
  /* Invalid UTF-8 cannot be written (jansson refuses it too): an error, and nothing returned. */
  struct sf_record r;
  fx_record(&r, SF_REC_EQUITY_PRINT, "bad", 1, 1, 0, 1);
  strcpy(r.u.equity_print.exchange, "\xc3(");
  assert_null(sf_record_to_line(&r));
  assert_null(sf_record_to_json(&r));
  assert_null(sf_envelope_to_json(&r));
  struct sf_jw w;
  sf_jw_init(&w);
  assert_int_equal(sf_record_encode(&r, &w), SF_EINVAL);
  sf_jw_fini(&w);
  sf_record_fini(&r);
  /* An unknown type. */
  sf_record_init(&r, SF_REC_EQUITY_PRINT);
  r.type = SF_REC__COUNT;
  assert_null(sf_record_to_line(&r));
  sf_jw_init(&w);
  assert_int_equal(sf_record_encode(&r, &w), SF_ETYPE);
  sf_jw_fini(&w);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--update") == 0) update_mode = 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_golden),
      cmocka_unit_test(test_fixed_point),
      cmocka_unit_test(test_unencodable),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
