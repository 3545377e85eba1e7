/* Record JSON codecs: exact wire text of each market-data record (written by hand from
 * CONTRACTS.md), encode -> decode -> encode fixed points for every record type, null handling,
 * unicode, extreme numbers, and the rejection message of every required field and type error. */
#include "harness.h"
#include "smartflow/condition.h"
#include "smartflow/err.h"
#include "smartflow/record.h"
#include "smartflow/record_json.h"

/* ---- helpers ---- */

static char *line_of(const struct sf_record *r) {
  char *s = sf_record_to_line(r);
  assert_non_null(s);
  return s;
}

/* Decodes a line, which must succeed, and checks that re-encoding gives the same text. */
static void roundtrip_line(const char *line, struct sf_record *out) {
  struct sf_errbuf err = {{0}};
  int rc = sf_record_from_line(line, strlen(line), out, &err);
  if (rc) fail_msg("decode failed (%d): %s\nline: %s", rc, err.msg, line);
  char *again = line_of(out);
  check_str(again, line);
  free(again);
}

/* Encodes a record, decodes it, re-encodes: byte-identical. Returns the first line (free()). */
static char *roundtrip_record(const struct sf_record *r) {
  char *first = line_of(r);
  struct sf_record back;
  roundtrip_line(first, &back);
  sf_record_fini(&back);
  return first;
}

/* Decodes a line that must fail with rc and exactly the message msg. */
static void reject_line(const char *line, int want_rc, const char *msg) {
  struct sf_record r;
  struct sf_errbuf err = {{0}};
  int rc = sf_record_from_line(line, strlen(line), &r, &err);
  if (rc != want_rc) fail_msg("rc %d (%s), expected %d for %s", rc, err.msg, want_rc, line);
  check_str(err.msg, msg);
  sf_record_fini(&r);
}

/* Decodes a payload of type t after replacing (or deleting, when value is NULL) one key, and
 * checks the message. */
static void reject_edit(enum sf_record_type t, const char *payload, const char *key, const char *value,
                        const char *msg) {
  json_error_t je;
  json_t *p = json_loads(payload, 0, &je);
  if (!p) fail_msg("bad test payload: %s", je.text);
  if (value) {
    json_t *v = json_loads(value, JSON_DECODE_ANY, &je);
    if (!v) fail_msg("bad test value %s: %s", value, je.text);
    json_object_set_new(p, key, v);
  } else {
    json_object_del(p, key);
  }
  struct sf_record r;
  struct sf_errbuf err = {{0}};
  int rc = sf_record_from_json(t, p, &r, &err);
  json_decref(p);
  if (rc != SF_EFIELD)
    fail_msg("%s=%s: rc %d, expected SF_EFIELD (%s)", key, value ? value : "(deleted)", rc, err.msg);
  check_str(err.msg, msg);
  sf_record_fini(&r);
}

static void meta_set(struct sf_meta *m, int64_t src, int64_t seq, const char *trace) {
  m->source_ts = src;
  m->ingest_ts = src + 5;
  m->seq = seq;
  snprintf(m->trace_id, sizeof m->trace_id, "%s", trace);
}

/* ---- names and init ---- */

static void test_names(void **state) {
  (void)state;
  for (int t = 0; t < SF_REC__COUNT; t++) check_i64(sf_record_type_from_name(sf_record_type_name(t)), t);
  check_str(sf_record_type_name(SF_REC_SMART_MONEY), "smart-money");
  check_str(sf_record_type_name(SF_REC_CLASSIFIER_HIT), "classifier-hit");
  check_i64(sf_record_type_from_name("option_print"), -1);
  check_i64(sf_record_type_from_name(NULL), -1);
  assert_null(sf_side_name(SF_SIDE_NULL));
  for (int s = 1; s < SF_SIDE__COUNT; s++) check_i64(sf_side_from_name(sf_side_name(s)), s);
  check_i64(sf_side_from_name("MID"), SF_SIDE_MID);
  check_i64(sf_side_from_name("mid"), -1);
  for (int p = 0; p < SF_PROFILE_COUNT; p++) check_i64(sf_profile_from_name(sf_profile_name(p)), p);
  check_str(sf_profile_name(SF_PROFILE_HEDGE_REACTIVE), "hedge_reactive");
  assert_null(sf_profile_name(SF_PROFILE_COUNT));
  check_str(sf_direction_name(SF_DIR_MIXED), "mixed");
  check_i64(sf_direction_from_name("bearish"), SF_DIR_BEARISH);
  check_str(sf_band_name(SF_BAND_MEDIUM), "medium");
  check_str(sf_event_kind_name(SF_EVENT_MULTI_LEG), "multi_leg_event");
  check_str(sf_severity_name(SF_SEV_HIGH), "high");
  check_str(sf_aggressor_rule_name(SF_AGG_RULE_TICK), "tick");
  check_i64(sf_aggressor_rule_from_name("depth"), SF_AGG_RULE_DEPTH);
  check_str(sf_option_type_name(SF_OPT_PUT), "put");
  check_i64(sf_option_type_from_name("call"), SF_OPT_CALL);
}

static void test_init_nulls(void **state) {
  (void)state;
  struct sf_record r;
  sf_record_init(&r, SF_REC_OPTION_PRINT);
  check_null(r.u.option_print.price);
  check_null(r.u.option_print.nbbo_mid);
  check_null(r.u.option_print.multiplier);
  check_i64(r.u.option_print.ts_ns, SF_TS_NULL);
  check_i64(r.u.option_print.und_ts_ns, SF_TS_NULL);
  check_i64(r.u.option_print.is_etf, -1);
  check_i64(r.u.option_print.meta.source_ts, SF_TS_NULL);
  check_str(r.u.option_print.exchange, "");
  assert_false(r.u.option_print.enriched);
  sf_record_init(&r, SF_REC_EQUITY_PRINT);
  check_i64(r.u.equity_print.off_exchange, -1);
  sf_record_init(&r, SF_REC_SMART_MONEY);
  check_i64(r.u.smart_money.primary_profile, -1);
  check_null(r.u.smart_money.features.total_premium);
  check_i64(r.u.smart_money.features.start_ts, SF_TS_NULL);
  check_i64(r.u.smart_money.features.expiry_after_event, -1);
  for (int i = 0; i < SF_PROFILE_COUNT; i++) check_i64(r.u.smart_money.scores[i].profile, i);
  sf_record_fini(&r);
  sf_record_init(&r, SF_REC_ALERT);
  check_i64(r.u.alert.primary_profile, -1);
  assert_null(r.u.alert.profile_scores);
  sf_record_fini(&r);

  r.type = SF_REC_EQUITY_QUOTE;
  sf_record_init(&r, SF_REC_EQUITY_QUOTE);
  r.u.equity_quote.ts_ns = 1500000001;
  check_i64(sf_record_ts_ns(&r), 1500000001);
  sf_record_init(&r, SF_REC_CLASSIFIER_HIT);
  r.u.classifier_hit.meta.source_ts = 1700000000123;
  check_i64(sf_record_ts_ns(&r), INT64_C(1700000000123000000));
  assert_ptr_equal(sf_record_meta(&r), &r.u.classifier_hit.meta);
}

/* The contract's SmartMoneyFeatures names, in its order. */
static const char *const contract_features[] = {"contract_count",
                                                "print_count",
                                                "total_size",
                                                "total_premium",
                                                "total_notional",
                                                "start_ts",
                                                "end_ts",
                                                "window_ms",
                                                "option_contract_id",
                                                "option_type",
                                                "dte_days",
                                                "moneyness",
                                                "atm_proximity",
                                                "aggressor_buy_ratio",
                                                "aggressor_sell_ratio",
                                                "aggressor_ratio",
                                                "nbbo_coverage_ratio",
                                                "nbbo_inside_ratio",
                                                "nbbo_stale_ratio",
                                                "quote_age_ms",
                                                "venue_count",
                                                "inter_fill_ms_mean",
                                                "strike_count",
                                                "strike_concentration",
                                                "structure_type",
                                                "structure_legs",
                                                "same_size_leg_symmetry",
                                                "net_directional_bias",
                                                "synthetic_iv_shock",
                                                "spread_widening",
                                                "underlying_move_bps",
                                                "days_to_event",
                                                "expiry_after_event",
                                                "pre_event_concentration",
                                                "special_print_ratio"};

static void test_features_table(void **state) {
  (void)state;
  size_t n;
  const struct sf_field_desc *fd = sf_features_fields(&n);
  size_t nc = sizeof contract_features / sizeof contract_features[0];
  check_i64(nc, 35);
  check_i64(n, 40); /* 35 contract fields + 5 extras */
  for (size_t i = 0; i < nc; i++) check_str(fd[i].name, contract_features[i]);
  for (size_t i = 0; i < n; i++) {
    assert_true(fd[i].offset + fd[i].size <= sizeof(struct sf_features));
    for (size_t k = 0; k < i; k++) assert_true(strcmp(fd[i].name, fd[k].name) != 0);
  }
  check_i64(fd[8].size, SF_CONTRACT_ID_MAX);
  check_i64(fd[9].size, 2);
  check_i64(fd[5].kind, SF_FK_TS);
  check_i64(fd[32].kind, SF_FK_TRIBOOL);
}

/* ---- market data ---- */

static const char raw_print[] =
    "{\"type\":\"option-print\",\"payload\":{\"source_ts\":1736953200000,\"ingest_ts\":1736953200005,"
    "\"seq\":7,\"trace_id\":\"t-1\",\"ts\":1736953200000,\"ts_ns\":1736953200000123456,"
    "\"option_contract_id\":\"SPY-2025-01-17-450-C\",\"price\":1.25,\"size\":10,\"exchange\":\"CBOE\","
    "\"conditions\":[\"ISO\",\"SWEEP\"]}}\n";

static void test_option_print_raw(void **state) {
  (void)state;
  struct sf_record r;
  sf_record_init(&r, SF_REC_OPTION_PRINT);
  struct sf_option_print *p = &r.u.option_print;
  meta_set(&p->meta, 1736953200000, 7, "t-1");
  p->ts_ns = INT64_C(1736953200000123456);
  strcpy(p->option_contract_id, "SPY-2025-01-17-450-C");
  p->price = 1.25;
  p->size = 10;
  strcpy(p->exchange, "CBOE");
  p->conditions = SF_COND_SWEEP | SF_COND_ISO; /* written in table order */
  char *line = roundtrip_record(&r);
  check_str(line, raw_print);
  free(line);

  /* A raw print stays raw; OSI ids are stored canonical; a missing ts_ns is ts in ns. */
  struct sf_record b;
  struct sf_errbuf err;
  const char osi[] =
      "{\"type\":\"option-print\",\"payload\":{\"source_ts\":1,\"ingest_ts\":2,\"seq\":0,\"trace_id\":\"x\","
      "\"ts\":1736953200001,\"option_contract_id\":\"SPY   250117C00450000\",\"price\":0,\"size\":3,"
      "\"exchange\":\"\",\"ignored_extra\":{\"a\":[1,2]}}}";
  assert_int_equal(sf_record_from_line(osi, strlen(osi), &b, &err), 0);
  assert_int_equal(b.type, SF_REC_OPTION_PRINT);
  assert_false(b.u.option_print.enriched);
  check_str(b.u.option_print.option_contract_id, "SPY-2025-01-17-450-C");
  check_i64(b.u.option_print.ts_ns, INT64_C(1736953200001000000));
  check_i64(b.u.option_print.conditions, 0);
  check_near(b.u.option_print.price, 0, 0);
  check_null(b.u.option_print.notional);
}

static void test_option_print_enriched(void **state) {
  (void)state;
  struct sf_record r;
  sf_record_init(&r, SF_REC_OPTION_PRINT);
  struct sf_option_print *p = &r.u.option_print;
  meta_set(&p->meta, 1736953200000, 8, "t-2");
  p->ts_ns = INT64_C(1736953200000000999);
  strcpy(p->option_contract_id, "BRK-B-2025-03-21-452.5-P");
  p->price = 3.1;
  p->size = 25;
  strcpy(p->exchange, "ISE");
  p->conditions = SF_COND_FILL;
  p->enriched = true;
  strcpy(p->underlying_id, "BRK-B");
  p->option_type = SF_OPT_PUT;
  p->notional = 7750;
  p->nbbo_side = SF_SIDE_AA;
  p->nbbo_bid = 3.0;
  p->nbbo_ask = 3.05;
  p->nbbo_mid = 3.025;
  p->nbbo_spread = 0.05;
  p->nbbo_bid_size = 12;
  p->nbbo_ask_size = 40;
  p->nbbo_ts_ns = INT64_C(1736953199999500000);
  p->nbbo_age_ms = 0.5;
  p->und_spot = 452.31;
  p->und_ts_ns = SF_TS_NULL; /* stays null */
  p->iv = 0.2345;
  strcpy(p->iv_source, "bs_mid");
  p->is_etf = 0;
  p->delta = -0.42;
  p->aggressor = 1;
  p->aggressor_rule = SF_AGG_RULE_QUOTE;
  p->multiplier = 100;
  char *line = roundtrip_record(&r);
  const char *want =
      "{\"type\":\"option-print\",\"payload\":{\"source_ts\":1736953200000,\"ingest_ts\":1736953200005,"
      "\"seq\":8,\"trace_id\":\"t-2\",\"ts\":1736953200000,\"ts_ns\":1736953200000000999,"
      "\"option_contract_id\":\"BRK-B-2025-03-21-452.5-P\",\"price\":3.1,\"size\":25,\"exchange\":\"ISE\","
      "\"conditions\":[\"FILL\"],\"underlying_id\":\"BRK-B\",\"option_type\":\"put\",\"notional\":7750.0,"
      "\"nbbo_side\":\"AA\",\"execution_nbbo_bid\":3.0,\"execution_nbbo_ask\":3.05,\"execution_nbbo_mid\":3."
      "025,"
      "\"execution_nbbo_spread\":0.05,\"execution_nbbo_bid_size\":12.0,\"execution_nbbo_ask_size\":40.0,"
      "\"execution_nbbo_ts\":1736953199999,\"execution_nbbo_ts_ns\":1736953199999500000,"
      "\"execution_nbbo_age_ms\":0.5,\"execution_nbbo_side\":\"AA\",\"execution_underlying_spot\":452.31,"
      "\"execution_underlying_bid\":null,\"execution_underlying_ask\":null,\"execution_underlying_mid\":null,"
      "\"execution_underlying_spread\":null,\"execution_underlying_ts\":null,\"execution_underlying_ts_ns\":"
      "null,"
      "\"execution_underlying_age_ms\":null,\"execution_iv\":0.2345,\"execution_iv_source\":\"bs_mid\","
      "\"is_etf\":false,\"delta\":-0.42,\"gamma\":null,\"vega\":null,\"aggressor\":1,\"aggressor_rule\":"
      "\"quote\","
      "\"multiplier\":100.0}}\n";
  check_str(line, want);
  free(line);

  /* Decoded back: nulls are null, values are exact. */
  struct sf_record b;
  struct sf_errbuf err;
  assert_int_equal(sf_record_from_line(want, strlen(want), &b, &err), 0);
  const struct sf_option_print *q = &b.u.option_print;
  assert_true(q->enriched);
  check_i64(q->nbbo_side, SF_SIDE_AA);
  check_i64(q->option_type, SF_OPT_PUT);
  check_near(q->nbbo_mid, 3.025, 0);
  check_null(q->und_bid);
  check_null(q->gamma);
  check_i64(q->und_ts_ns, SF_TS_NULL);
  check_i64(q->nbbo_ts_ns, INT64_C(1736953199999500000));
  check_i64(q->is_etf, 0);
  check_i64(q->aggressor, 1);
  check_str(q->iv_source, "bs_mid");

  /* Enriched is set by underlying_id alone, even when everything else is absent. */
  const char *only =
      "{\"type\":\"option-print\",\"payload\":{\"source_ts\":1,\"ingest_ts\":2,\"seq\":0,\"trace_id\":\"x\","
      "\"ts\":5,\"option_contract_id\":\"SPY-2025-01-17-450-C\",\"price\":1,\"size\":1,\"exchange\":\"X\","
      "\"underlying_id\":null,\"execution_nbbo_side\":\"B\"}}";
  assert_int_equal(sf_record_from_line(only, strlen(only), &b, &err), 0);
  assert_true(b.u.option_print.enriched);
  check_str(b.u.option_print.underlying_id, "");
  check_i64(b.u.option_print.nbbo_side, SF_SIDE_B); /* the execution_ twin fills in */
  check_i64(b.u.option_print.aggressor, 0);
  check_null(b.u.option_print.multiplier);
}

static void test_market_roundtrips(void **state) {
  (void)state;
  struct sf_record r;
  char *line;

  sf_record_init(&r, SF_REC_OPTION_NBBO);
  meta_set(&r.u.option_nbbo.meta, 1736953200000, 1, "q-1");
  r.u.option_nbbo.ts_ns = INT64_C(1736953200000000000);
  strcpy(r.u.option_nbbo.option_contract_id, "SPY-2025-01-17-450-C");
  r.u.option_nbbo.bid = 1.2;
  r.u.option_nbbo.ask = 1.3;
  r.u.option_nbbo.bid_size = 50;
  r.u.option_nbbo.ask_size = SF_NULL;
  line = roundtrip_record(&r);
  check_str(line,
            "{\"type\":\"option-nbbo\",\"payload\":{\"source_ts\":1736953200000,\"ingest_ts\":1736953200005,"
            "\"seq\":1,\"trace_id\":\"q-1\",\"ts\":1736953200000,\"ts_ns\":1736953200000000000,"
            "\"option_contract_id\":\"SPY-2025-01-17-450-C\",\"bid\":1.2,\"ask\":1.3,\"bidSize\":50.0,"
            "\"askSize\":null}}\n");
  free(line);

  sf_record_init(&r, SF_REC_EQUITY_QUOTE);
  meta_set(&r.u.equity_quote.meta, 10, 2, "eq-1");
  r.u.equity_quote.ts_ns = 10000001;
  strcpy(r.u.equity_quote.underlying_id, "SPY");
  r.u.equity_quote.bid = 450.01;
  r.u.equity_quote.ask = 450.02;
  line = roundtrip_record(&r);
  check_str(line,
            "{\"type\":\"equity-quote\",\"payload\":{\"source_ts\":10,\"ingest_ts\":15,\"seq\":2,"
            "\"trace_id\":\"eq-1\",\"ts\":10,\"ts_ns\":10000001,\"underlying_id\":\"SPY\",\"bid\":450.01,"
            "\"ask\":450.02,\"bidSize\":null,\"askSize\":null}}\n");
  free(line);

  sf_record_init(&r, SF_REC_EQUITY_PRINT);
  meta_set(&r.u.equity_print.meta, 10, 3, "ep-1");
  r.u.equity_print.ts_ns = 10000000;
  strcpy(r.u.equity_print.underlying_id, "AAPL");
  r.u.equity_print.price = 227.5;
  r.u.equity_print.size = 100;
  strcpy(r.u.equity_print.exchange, "D");
  r.u.equity_print.off_exchange = 1;
  line = roundtrip_record(&r);
  check_str(line,
            "{\"type\":\"equity-print\",\"payload\":{\"source_ts\":10,\"ingest_ts\":15,\"seq\":3,"
            "\"trace_id\":\"ep-1\",\"ts\":10,\"ts_ns\":10000000,\"underlying_id\":\"AAPL\",\"price\":227.5,"
            "\"size\":100,\"exchange\":\"D\",\"offExchangeFlag\":true}}\n");
  free(line);
}

static void test_unicode_and_extremes(void **state) {
  (void)state;
  struct sf_record r, b;
  sf_record_init(&r, SF_REC_OPTION_PRINT);
  struct sf_option_print *p = &r.u.option_print;
  /* 2-, 3- and 4-byte UTF-8 sequences; the exchange fills its 15 bytes exactly. */
  meta_set(&p->meta, -86400000, INT64_MAX, "tr\xc3\xbc-\xe6\x97\xa5\xe6\x9c\xac-\xf0\x9f\x98\x80");
  strcpy(p->exchange, "\xce\xa9\xce\xa9\xce\xa9\xce\xa9\xce\xa9\xce\xa9\xce\xa9X");
  p->ts_ns = -1; /* one ns before 1970: ts is -1 ms (floor) */
  strcpy(p->option_contract_id, "SPY-2025-01-17-450-C");
  p->price = 1e300;
  p->size = INT64_MAX;
  char *line = line_of(&r);
  struct sf_errbuf err;
  assert_int_equal(sf_record_from_line(line, strlen(line), &b, &err), 0);
  check_str(b.u.option_print.meta.trace_id, p->meta.trace_id);
  check_str(b.u.option_print.exchange, p->exchange);
  check_i64(b.u.option_print.ts_ns, -1);
  check_i64(b.u.option_print.meta.seq, INT64_MAX);
  check_i64(b.u.option_print.size, INT64_MAX);
  check_near(b.u.option_print.price, 1e300, 1e286);
  assert_non_null(strstr(line, "\"ts\":-1,\"ts_ns\":-1,"));
  assert_non_null(strstr(line, "\"price\":1e300,"));
  char *again = line_of(&b);
  check_str(again, line);
  free(again);
  free(line);

  /* Escaped unicode in the input decodes to UTF-8. */
  const char *esc =
      "{\"type\":\"equity-quote\",\"payload\":{\"source_ts\":0,\"ingest_ts\":0,\"seq\":0,"
      "\"trace_id\":\"\\u00fc\\ud83d\\ude00\",\"ts\":0,\"underlying_id\":\"X\",\"bid\":null,\"ask\":1e-7}}";
  assert_int_equal(sf_record_from_line(esc, strlen(esc), &b, &err), 0);
  check_str(b.u.equity_quote.meta.trace_id, "\xc3\xbc\xf0\x9f\x98\x80");
  check_null(b.u.equity_quote.bid);
  check_near(b.u.equity_quote.ask, 1e-7, 0);
  /* An integral real is taken for an integer field. */
  const char *realsize =
      "{\"type\":\"equity-print\",\"payload\":{\"source_ts\":0,\"ingest_ts\":0,\"seq\":2.0,\"trace_id\":"
      "\"a\","
      "\"ts\":0,\"underlying_id\":\"X\",\"price\":1,\"size\":300.0,\"exchange\":\"Q\"}}";
  assert_int_equal(sf_record_from_line(realsize, strlen(realsize), &b, &err), 0);
  check_i64(b.u.equity_print.size, 300);
  check_i64(b.u.equity_print.off_exchange, -1);
}

static const char print_payload[] =
    "{\"source_ts\":1,\"ingest_ts\":2,\"seq\":3,\"trace_id\":\"t\",\"ts\":1000,\"ts_ns\":1000000001,"
    "\"option_contract_id\":\"SPY-2025-01-17-450-C\",\"price\":1.5,\"size\":2,\"exchange\":\"X\","
    "\"conditions\":[\"ISO\"]}";

static void test_option_print_rejects(void **state) {
  (void)state;
  const enum sf_record_type T = SF_REC_OPTION_PRINT;
  /* Every required field, missing. */
  reject_edit(T, print_payload, "source_ts", NULL,
              "option-print.source_ts: missing (must be an integer of epoch milliseconds)");
  reject_edit(T, print_payload, "ingest_ts", NULL,
              "option-print.ingest_ts: missing (must be an integer of epoch milliseconds)");
  reject_edit(T, print_payload, "seq", NULL, "option-print.seq: missing (must be an integer >= 0)");
  reject_edit(T, print_payload, "trace_id", NULL,
              "option-print.trace_id: missing (must be a non-empty string of at most 63 bytes)");
  reject_edit(T, print_payload, "ts", NULL,
              "option-print.ts: missing (must be an integer of epoch milliseconds)");
  reject_edit(
      T, print_payload, "option_contract_id", NULL,
      "option-print.option_contract_id: missing (must be a contract id (ROOT-YYYY-MM-DD-STRIKE-C|P or OSI))");
  reject_edit(T, print_payload, "price", NULL, "option-print.price: missing (must be a number >= 0)");
  reject_edit(T, print_payload, "size", NULL, "option-print.size: missing (must be an integer > 0)");
  reject_edit(T, print_payload, "exchange", NULL,
              "option-print.exchange: missing (must be a string of at most 15 bytes)");
  /* Wrong types and out-of-range values. */
  reject_edit(T, print_payload, "size", "0", "option-print.size: must be an integer > 0");
  reject_edit(T, print_payload, "size", "-4", "option-print.size: must be an integer > 0");
  reject_edit(T, print_payload, "size", "1.5", "option-print.size: must be an integer > 0");
  reject_edit(T, print_payload, "size", "\"10\"", "option-print.size: must be an integer > 0");
  reject_edit(T, print_payload, "size", "null", "option-print.size: must be an integer > 0, not null");
  reject_edit(T, print_payload, "size", "1e300", "option-print.size: must be an integer > 0");
  reject_edit(T, print_payload, "price", "-0.01", "option-print.price: must be a number >= 0");
  reject_edit(T, print_payload, "price", "true", "option-print.price: must be a number >= 0");
  reject_edit(T, print_payload, "seq", "-1", "option-print.seq: must be an integer >= 0");
  reject_edit(T, print_payload, "trace_id", "\"\"",
              "option-print.trace_id: must be a non-empty string of at most 63 bytes");
  reject_edit(T, print_payload, "trace_id",
              "\"0123456789012345678901234567890123456789012345678901234567890123\"",
              "option-print.trace_id: must be a non-empty string of at most 63 bytes");
  reject_edit(T, print_payload, "trace_id", "7",
              "option-print.trace_id: must be a non-empty string of at most 63 bytes");
  reject_edit(T, print_payload, "exchange", "\"ABCDEFGHIJKLMNOP\"",
              "option-print.exchange: must be a string of at most 15 bytes");
  reject_edit(T, print_payload, "ts", "\"1000\"",
              "option-print.ts: must be an integer of epoch milliseconds");
  reject_edit(T, print_payload, "ts", "9223372036855",
              "option-print.ts: must be an integer of epoch milliseconds");
  reject_edit(T, print_payload, "ts_ns", "999999999",
              "option-print.ts_ns: must fall within the millisecond ts = 1000");
  reject_edit(T, print_payload, "ts_ns", "1.0e9",
              "option-print.ts_ns: must be an integer of epoch nanoseconds");
  reject_edit(T, print_payload, "option_contract_id", "\"SPY-2025-02-30-450-C\"",
              "option-print.option_contract_id: invalid contract id \"SPY-2025-02-30-450-C\": invalid date");
  reject_edit(T, print_payload, "conditions", "[\"ISO\",\"BOGUS\"]",
              "option-print.conditions[1]: unknown condition \"BOGUS\"");
  reject_edit(T, print_payload, "conditions", "[\"ISO\",3]",
              "option-print.conditions[1]: must be a condition name string");
  reject_edit(T, print_payload, "conditions", "\"ISO\"",
              "option-print.conditions: must be an array of condition names");
  /* Enrichment values. */
  reject_edit(
      T, print_payload, "nbbo_side", "\"ABOVE\"",
      "option-print.nbbo_side: unknown value \"ABOVE\" (must be one of AA, A, MID, B, BB, MISSING, STALE, or "
      "null)");
  reject_edit(
      T, print_payload, "nbbo_side", "\"\\u001b[31m\"",
      "option-print.nbbo_side: unknown value \"?[31m\" (must be one of AA, A, MID, B, BB, MISSING, STALE, or "
      "null)");
  reject_edit(T, print_payload, "underlying_id", "[]",
              "option-print.underlying_id: must be a string of at most 15 bytes");
}

static void test_enrichment_rejects(void **state) {
  (void)state;
  const char *base =
      "{\"source_ts\":1,\"ingest_ts\":2,\"seq\":3,\"trace_id\":\"t\",\"ts\":1000,"
      "\"option_contract_id\":\"SPY-2025-01-17-450-C\",\"price\":1.5,\"size\":2,\"exchange\":\"X\","
      "\"nbbo_side\":\"A\"}";
  const enum sf_record_type T = SF_REC_OPTION_PRINT;
  reject_edit(T, base, "option_type", "\"C\"",
              "option-print.option_type: unknown value \"C\" (must be \"call\", \"put\" or null)");
  reject_edit(T, base, "aggressor", "2", "option-print.aggressor: must be 1, -1, 0 or null");
  reject_edit(T, base, "aggressor_rule", "\"guess\"",
              "option-print.aggressor_rule: unknown value \"guess\" (must be \"quote\", \"tick\", \"depth\", "
              "\"none\" or null)");
  reject_edit(T, base, "execution_nbbo_bid", "-1",
              "option-print.execution_nbbo_bid: must be a number >= 0 or null");
  reject_edit(T, base, "delta", "1.5", "option-print.delta: must be a number in [-1, 1] or null");
  reject_edit(T, base, "is_etf", "1", "option-print.is_etf: must be true, false or null");
  reject_edit(T, base, "multiplier", "0", "option-print.multiplier: must be a number > 0 or null");
  reject_edit(T, base, "execution_nbbo_ts", "\"x\"",
              "option-print.execution_nbbo_ts: must be an integer of epoch milliseconds");
  reject_edit(T, base, "execution_nbbo_ts_ns", "5",
              "option-print.execution_nbbo_ts_ns: must be null when execution_nbbo_ts is null");
  reject_edit(T, base, "notional", "-5", "option-print.notional: must be a number >= 0 or null");
}

static void test_other_market_rejects(void **state) {
  (void)state;
  const char *nbbo =
      "{\"source_ts\":1,\"ingest_ts\":2,\"seq\":3,\"trace_id\":\"t\",\"ts\":1000,"
      "\"option_contract_id\":\"SPY-2025-01-17-450-C\",\"bid\":1,\"ask\":2,\"bidSize\":3,\"askSize\":4}";
  reject_edit(SF_REC_OPTION_NBBO, nbbo, "bidSize", NULL,
              "option-nbbo.bidSize: missing (must be a number >= 0 or null)");
  reject_edit(SF_REC_OPTION_NBBO, nbbo, "askSize", "-1",
              "option-nbbo.askSize: must be a number >= 0 or null");
  reject_edit(SF_REC_OPTION_NBBO, nbbo, "ask", "\"2\"", "option-nbbo.ask: must be a number >= 0 or null");
  reject_edit(SF_REC_OPTION_NBBO, nbbo, "option_contract_id", "\"SPY\"",
              "option-nbbo.option_contract_id: invalid contract id \"SPY\": missing '-C' or '-P' at the end");
  const char *quote =
      "{\"source_ts\":1,\"ingest_ts\":2,\"seq\":3,\"trace_id\":\"t\",\"ts\":1000,\"underlying_id\":\"SPY\","
      "\"bid\":1,\"ask\":2}";
  reject_edit(SF_REC_EQUITY_QUOTE, quote, "underlying_id", "\"\"",
              "equity-quote.underlying_id: must be a non-empty string of at most 15 bytes");
  reject_edit(SF_REC_EQUITY_QUOTE, quote, "bid", NULL,
              "equity-quote.bid: missing (must be a number >= 0 or null)");
  reject_edit(SF_REC_EQUITY_QUOTE, quote, "bidSize", "{}",
              "equity-quote.bidSize: must be a number >= 0 or null");
  const char *eprint =
      "{\"source_ts\":1,\"ingest_ts\":2,\"seq\":3,\"trace_id\":\"t\",\"ts\":1000,\"underlying_id\":\"SPY\","
      "\"price\":1,\"size\":2,\"exchange\":\"D\",\"offExchangeFlag\":false}";
  reject_edit(SF_REC_EQUITY_PRINT, eprint, "offExchangeFlag", "\"yes\"",
              "equity-print.offExchangeFlag: must be true, false or null");
  reject_edit(SF_REC_EQUITY_PRINT, eprint, "size", "-100", "equity-print.size: must be an integer > 0");
  reject_edit(SF_REC_EQUITY_PRINT, eprint, "price", NULL,
              "equity-print.price: missing (must be a number >= 0)");
}

static void test_line_errors(void **state) {
  (void)state;
  reject_line("{\"type\":\"option-print\",\"payload\":{", SF_EPARSE,
              "invalid JSON at column 34: string or '}' expected near end of file");
  reject_line("[1,2]", SF_EFIELD, "envelope: must be an object {\"type\":…,\"payload\":{…}}");
  reject_line("{\"payload\":{}}", SF_EFIELD, "envelope.type: missing (must be a record type name)");
  reject_line("{\"type\":\"option-trade\",\"payload\":{}}", SF_ETYPE,
              "envelope.type: unknown record type \"option-trade\"");
  reject_line("{\"type\":\"alert\"}", SF_EFIELD, "envelope.payload: missing (must be an object)");
  reject_line("{\"type\":\"alert\",\"payload\":[]}", SF_EFIELD, "envelope.payload: must be an object");
  reject_line("{\"type\":\"alert\",\"type\":\"alert\",\"payload\":{}}", SF_EPARSE,
              "invalid JSON at column 22: duplicate object key near '\"type\"'");
  reject_line("{\"type\":\"alert\",\"payload\":{}} x", SF_EPARSE,
              "invalid JSON at column 31: end of file expected near 'x'");
  reject_line("{\"type\":\"option-print\",\"payload\":{\"price\":NaN}}", SF_EPARSE,
              "invalid JSON at column 45: invalid token near 'NaN'");
  reject_line(
      "{\"type\":\"equity-quote\",\"payload\":{\"source_ts\":1,\"ingest_ts\":1,\"seq\":0,\"trace_id\":\"a\","
      "\"ts\":1,"
      "\"underlying_id\":\"X\",\"bid\":1e999,\"ask\":1}}",
      SF_EPARSE, "invalid JSON at column 123: real number overflow near '1e999'");
  /* A line with its newline (and a CR) decodes like one without. */
  struct sf_record r;
  struct sf_errbuf err;
  char crlf[sizeof raw_print + 1];
  snprintf(crlf, sizeof crlf, "%.*s\r\n", (int)(sizeof raw_print - 2), raw_print);
  assert_int_equal(sf_record_from_line(crlf, strlen(crlf), &r, &err), 0);
  check_i64(r.u.option_print.conditions, SF_COND_ISO | SF_COND_SWEEP);
}

/* ---- derived records ---- */

static void fill_scores(struct sf_profile_score *s, size_t n) {
  static const double probs[] = {0.61, 0.2, 0.1, 0.05, 0.03, 0.01};
  for (size_t i = 0; i < n; i++) {
    s[i].profile = (uint8_t)((i + 2) % SF_PROFILE_COUNT);
    s[i].probability = probs[i];
    s[i].band = (uint8_t)(i % 3);
    s[i].direction = (uint8_t)(i % 5);
    if (i == 0) {
      sf_strvec_push(&s[i].reasons, "event_within_days");
      sf_strvec_push(&s[i].reasons, "expiry_after_event");
    }
  }
}

static void build_smart_money(struct sf_record *r) {
  sf_record_init(r, SF_REC_SMART_MONEY);
  struct sf_smart_money_event *e = &r->u.smart_money;
  meta_set(&e->meta, 1736953260000, 42, "sm-1");
  strcpy(e->event_id, "evt-00ab");
  sf_strvec_push(&e->packet_ids, "pk-1");
  sf_strvec_push(&e->member_print_ids, "t-1");
  sf_strvec_push(&e->member_print_ids, "t-2");
  strcpy(e->underlying_id, "NVDA");
  e->event_kind = SF_EVENT_SINGLE_LEG;
  e->event_window_ms = 850;
  e->features.contract_count = 1;
  e->features.print_count = 2;
  e->features.total_size = 35;
  e->features.total_premium = 10850.5;
  e->features.start_ts = 1736953259150;
  e->features.end_ts = 1736953260000;
  e->features.window_ms = 850;
  strcpy(e->features.option_contract_id, "NVDA-2025-02-21-140-C");
  strcpy(e->features.option_type, "C");
  e->features.dte_days = 36.25;
  e->features.net_directional_bias = -0.5;
  e->features.expiry_after_event = 1;
  strcpy(e->features.structure_type, "single");
  fill_scores(e->scores, SF_PROFILE_COUNT);
  e->primary_profile = SF_PROFILE_EVENT_DRIVEN;
  e->primary_direction = SF_DIR_BULLISH;
  e->abstained = false;
  sf_strvec_push(&e->suppressed_reasons, "retail_whale:premium_too_large");
}

static void test_smart_money(void **state) {
  (void)state;
  struct sf_record r, b;
  build_smart_money(&r);
  char *line = roundtrip_record(&r);
  /* Integer-kind features are integers; plain numbers stay reals; unknown ones are null. */
  assert_non_null(strstr(line,
                         "\"features\":{\"contract_count\":1,\"print_count\":2,\"total_size\":35,"
                         "\"total_premium\":10850.5,\"total_notional\":null,\"start_ts\":1736953259150,"
                         "\"end_ts\":1736953260000,\"window_ms\":850,\"option_contract_id\":"
                         "\"NVDA-2025-02-21-140-C\",\"option_type\":\"C\",\"dte_days\":36.25,"));
  assert_non_null(strstr(line, "\"expiry_after_event\":true,"));
  assert_non_null(strstr(line,
                         "\"profile_scores\":[{\"profile_id\":\"event_driven\",\"probability\":0.61,"
                         "\"confidence_band\":\"low\",\"direction\":\"unknown\",\"reasons\":"
                         "[\"event_within_days\",\"expiry_after_event\"]},{\"profile_id\":\"vol_seller\""));
  assert_non_null(
      strstr(line,
             "\"primary_profile_id\":\"event_driven\",\"primary_direction\":\"bullish\","
             "\"abstained\":false,\"suppressed_reasons\":[\"retail_whale:premium_too_large\"]}}"));

  /* Copy is deep: the copy encodes the same and survives the original's fini. */
  assert_int_equal(sf_record_copy(&b, &r), 0);
  assert_ptr_not_equal(b.u.smart_money.scores[0].reasons.v, r.u.smart_money.scores[0].reasons.v);
  sf_record_fini(&r);
  char *copy = line_of(&b);
  check_str(copy, line);
  free(copy);
  sf_record_fini(&b);

  /* Null primary profile round-trips as null. */
  build_smart_money(&r);
  r.u.smart_money.primary_profile = -1;
  r.u.smart_money.abstained = true;
  char *l2 = roundtrip_record(&r);
  assert_non_null(strstr(l2, "\"primary_profile_id\":null,"));
  free(l2);
  sf_record_fini(&r);

  /* Rejections on the payload. */
  json_error_t je;
  json_t *env = json_loads(line, 0, &je);
  assert_non_null(env);
  char *payload = json_dumps(json_object_get(env, "payload"), JSON_COMPACT);
  json_decref(env);
  const enum sf_record_type T = SF_REC_SMART_MONEY;
  reject_edit(T, payload, "profile_scores", "[]",
              "smart-money.profile_scores: must have exactly six entries, one per profile (got 0)");
  reject_edit(T, payload, "features", NULL, "smart-money.features: missing (must be an object)");
  reject_edit(T, payload, "features", "[]", "smart-money.features: must be an object");
  reject_edit(T, payload, "features", "{\"option_type\":\"X\"}",
              "smart-money.features.option_type: must be \"C\", \"P\" or null");
  reject_edit(T, payload, "features", "{\"net_directional_bias\":2}",
              "smart-money.features.net_directional_bias: must be a number in [-1, 1] or null");
  reject_edit(T, payload, "features", "{\"start_ts\":1.5}",
              "smart-money.features.start_ts: must be an integer of epoch milliseconds");
  reject_edit(T, payload, "features",
              "{\"structure_type\":\"0123456789012345678901234567890123456789012345678\"}",
              "smart-money.features.structure_type: must be a string of at most 47 bytes");
  reject_edit(
      T, payload, "primary_profile_id", "\"whale\"",
      "smart-money.primary_profile_id: unknown value \"whale\" (must be one of institutional_directional, "
      "retail_whale, event_driven, vol_seller, arbitrage, hedge_reactive, or null)");
  reject_edit(
      T, payload, "event_kind", "\"combo\"",
      "smart-money.event_kind: unknown value \"combo\" (must be single_leg_event or multi_leg_event)");
  reject_edit(T, payload, "abstained", NULL, "smart-money.abstained: missing (must be true or false)");
  reject_edit(T, payload, "member_print_ids", "[\"a\",\"\"]",
              "smart-money.member_print_ids[1]: must be a non-empty string");
  reject_edit(T, payload, "packet_ids", "{}",
              "smart-money.packet_ids: must be an array of non-empty strings");

  /* Six scores with one profile twice; a probability out of range; a missing band. */
  json_t *p = json_loads(payload, 0, &je);
  json_t *scores = json_object_get(p, "profile_scores");
  json_object_set_new(json_array_get(scores, 4), "profile_id", json_string("event_driven"));
  struct sf_errbuf err;
  assert_int_equal(sf_record_from_json(T, p, &b, &err), SF_EFIELD);
  check_str(err.msg, "smart-money.profile_scores[4].profile_id: profile event_driven appears more than once");
  json_object_set_new(json_array_get(scores, 4), "profile_id", json_string("institutional_directional"));
  json_object_set_new(json_array_get(scores, 3), "probability", json_real(1.0001));
  assert_int_equal(sf_record_from_json(T, p, &b, &err), SF_EFIELD);
  check_str(err.msg, "smart-money.profile_scores[3].probability: must be a number in [0, 1]");
  json_object_set_new(json_array_get(scores, 3), "probability", json_real(0.05));
  json_object_del(json_array_get(scores, 5), "confidence_band");
  assert_int_equal(sf_record_from_json(T, p, &b, &err), SF_EFIELD);
  check_str(err.msg,
            "smart-money.profile_scores[5].confidence_band: missing (must be one of low, medium, high)");
  json_object_set_new(json_array_get(scores, 5), "confidence_band", json_string("high"));
  assert_int_equal(sf_record_from_json(T, p, &b, &err), 0);
  check_i64(b.u.smart_money.scores[5].band, SF_BAND_HIGH);
  check_i64(b.u.smart_money.features.expiry_after_event, 1);
  check_null(b.u.smart_money.features.moneyness);
  sf_record_fini(&b);
  json_decref(p);
  free(payload);
  free(line);
}

static void build_alert(struct sf_record *r, int with_scores) {
  sf_record_init(r, SF_REC_ALERT);
  struct sf_alert *a = &r->u.alert;
  meta_set(&a->meta, 1736953260001, 9, "al-1");
  a->score = 87.5;
  a->severity = SF_SEV_HIGH;
  a->hit_count = 2;
  a->hits = calloc(2, sizeof *a->hits);
  for (size_t i = 0; i < 2; i++) {
    sf_classifier_hit_init(&a->hits[i]);
    meta_set(&a->hits[i].meta, 1736953260000, (int64_t)i, i ? "hit-2" : "hit-1");
    strcpy(a->hits[i].classifier_id, i ? "smart_money_retail_whale" : "smart_money_event_driven");
    a->hits[i].confidence = i ? 0.2 : 0.61;
    a->hits[i].direction = SF_DIR_BULLISH;
    sf_strvec_push(&a->hits[i].explanations, "expiry just after earnings");
  }
  sf_strvec_push(&a->evidence_refs, "evt-00ab");
  if (with_scores) {
    a->primary_profile = SF_PROFILE_EVENT_DRIVEN;
    a->profile_score_count = 2;
    a->profile_scores = calloc(2, sizeof *a->profile_scores);
    fill_scores(a->profile_scores, 2);
  }
}

static void test_alert_and_hit(void **state) {
  (void)state;
  struct sf_record r, b;
  build_alert(&r, 0);
  char *line = roundtrip_record(&r);
  check_str(
      line,
      "{\"type\":\"alert\",\"payload\":{\"source_ts\":1736953260001,\"ingest_ts\":1736953260006,\"seq\":9,"
      "\"trace_id\":\"al-1\",\"score\":87.5,\"severity\":\"high\",\"hits\":[{\"source_ts\":1736953260000,"
      "\"ingest_ts\":1736953260005,\"seq\":0,\"trace_id\":\"hit-1\",\"classifier_id\":"
      "\"smart_money_event_driven\",\"confidence\":0.61,\"direction\":\"bullish\",\"explanations\":"
      "[\"expiry just after earnings\"]},{\"source_ts\":1736953260000,\"ingest_ts\":1736953260005,\"seq\":1,"
      "\"trace_id\":\"hit-2\",\"classifier_id\":\"smart_money_retail_whale\",\"confidence\":0.2,"
      "\"direction\":\"bullish\",\"explanations\":[\"expiry just after earnings\"]}],\"evidence_refs\":"
      "[\"evt-00ab\"]}}\n");
  free(line);
  sf_record_fini(&r);

  build_alert(&r, 1);
  line = roundtrip_record(&r);
  assert_non_null(strstr(line,
                         "\"evidence_refs\":[\"evt-00ab\"],\"primary_profile_id\":\"event_driven\","
                         "\"profile_scores\":[{\"profile_id\":\"event_driven\",\"probability\":0.61,"));
  assert_int_equal(sf_record_copy(&b, &r), 0);
  sf_record_fini(&r);
  char *copy = line_of(&b);
  check_str(copy, line);
  free(copy);
  sf_record_fini(&b);

  json_error_t je;
  json_t *env = json_loads(line, 0, &je);
  char *payload = json_dumps(json_object_get(env, "payload"), JSON_COMPACT);
  json_decref(env);
  reject_edit(SF_REC_ALERT, payload, "score", "100.5", "alert.score: must be a number in [0, 100]");
  reject_edit(SF_REC_ALERT, payload, "severity", "\"critical\"",
              "alert.severity: unknown value \"critical\" (must be one of low, medium, high)");
  reject_edit(SF_REC_ALERT, payload, "hits", "[{\"source_ts\":1}]",
              "alert.hits[0].ingest_ts: missing (must be an integer of epoch milliseconds)");
  reject_edit(SF_REC_ALERT, payload, "hits", "{}", "alert.hits: must be an array of classifier hits");
  reject_edit(SF_REC_ALERT, payload, "profile_scores", "[1]", "alert.profile_scores[0]: must be an object");
  free(payload);
  free(line);

  sf_record_init(&r, SF_REC_CLASSIFIER_HIT);
  meta_set(&r.u.classifier_hit.meta, 5, 1, "h");
  strcpy(r.u.classifier_hit.classifier_id, "smart_money_vol_seller");
  r.u.classifier_hit.confidence = 1;
  r.u.classifier_hit.direction = SF_DIR_NEUTRAL;
  line = roundtrip_record(&r);
  check_str(line,
            "{\"type\":\"classifier-hit\",\"payload\":{\"source_ts\":5,\"ingest_ts\":10,\"seq\":1,\"trace_"
            "id\":\"h\","
            "\"classifier_id\":\"smart_money_vol_seller\",\"confidence\":1.0,\"direction\":\"neutral\","
            "\"explanations\":[]}}\n");
  free(line);
  reject_line(
      "{\"type\":\"classifier-hit\",\"payload\":{\"source_ts\":5,\"ingest_ts\":10,\"seq\":1,\"trace_id\":"
      "\"h\","
      "\"classifier_id\":\"c\",\"confidence\":0.5,\"direction\":\"up\",\"explanations\":[]}}",
      SF_EFIELD,
      "classifier-hit.direction: unknown value \"up\" (must be one of unknown, bullish, bearish, neutral, "
      "mixed)");
  sf_record_fini(&r);
}

static void test_flow_packet(void **state) {
  (void)state;
  const char *line =
      "{\"type\":\"flow-packet\",\"payload\":{\"source_ts\":100,\"ingest_ts\":101,\"seq\":4,\"trace_id\":"
      "\"fp\","
      "\"id\":\"pk-1\",\"members\":[\"t-1\",\"t-2\"],\"features\":{\"structure\":\"sweep\",\"venues\":3,"
      "\"iso\":true,\"premium\":12500.25,\"dte\":null},\"join_quality\":{\"nbbo_coverage\":1.0,\"lag_ms\":2}}"
      "}\n";
  struct sf_record r, b;
  roundtrip_line(line, &r);
  check_i64(r.u.flow_packet.members.n, 2);
  check_str(r.u.flow_packet.members.v[1], "t-2");
  check_i64(json_integer_value(json_object_get(r.u.flow_packet.features, "venues")), 3);
  assert_int_equal(sf_record_copy(&b, &r), 0);
  assert_ptr_not_equal(b.u.flow_packet.features, r.u.flow_packet.features);
  sf_record_fini(&r);
  char *copy = line_of(&b);
  check_str(copy, line);
  free(copy);
  sf_record_fini(&b);

  reject_line(
      "{\"type\":\"flow-packet\",\"payload\":{\"source_ts\":100,\"ingest_ts\":101,\"seq\":4,\"trace_id\":"
      "\"fp\","
      "\"id\":\"pk-1\",\"members\":[],\"features\":{\"legs\":[1,2]},\"join_quality\":{}}}",
      SF_EFIELD, "flow-packet.features: value of \"legs\" must be a string, number, boolean or null");
  reject_line(
      "{\"type\":\"flow-packet\",\"payload\":{\"source_ts\":100,\"ingest_ts\":101,\"seq\":4,\"trace_id\":"
      "\"fp\","
      "\"id\":\"pk-1\",\"members\":[],\"features\":{},\"join_quality\":{\"ok\":\"yes\"}}}",
      SF_EFIELD, "flow-packet.join_quality: value of \"ok\" must be a number or null");
  reject_line(
      "{\"type\":\"flow-packet\",\"payload\":{\"source_ts\":100,\"ingest_ts\":101,\"seq\":4,\"trace_id\":"
      "\"fp\","
      "\"id\":\"pk-1\",\"members\":[],\"features\":{}}}",
      SF_EFIELD, "flow-packet.join_quality: missing (must be an object of numbers)");
  reject_line(
      "{\"type\":\"flow-packet\",\"payload\":{\"source_ts\":100,\"ingest_ts\":101,\"seq\":4,\"trace_id\":"
      "\"fp\","
      "\"members\":[],\"features\":{},\"join_quality\":{}}}",
      SF_EFIELD, "flow-packet.id: missing (must be a non-empty string of at most 63 bytes)");
}

/* Reals: 15 significant digits make text -> record -> text a fixed point, even for values that
 * need 17 digits in memory. */
static void test_real_precision(void **state) {
  (void)state;
  struct sf_record r;
  sf_record_init(&r, SF_REC_EQUITY_QUOTE);
  meta_set(&r.u.equity_quote.meta, 0, 0, "p");
  r.u.equity_quote.ts_ns = 0;
  strcpy(r.u.equity_quote.underlying_id, "X");
  r.u.equity_quote.bid = 0.1 + 0.2; /* 0.30000000000000004 */
  r.u.equity_quote.ask = 1.0 / 3.0;
  r.u.equity_quote.bid_size = 123456789012345678.0;
  char *line = roundtrip_record(&r);
  assert_non_null(strstr(line, "\"bid\":0.3,\"ask\":0.333333333333333,\"bidSize\":1.23456789012346e17,"));
  free(line);
  json_t *o = json_pack("{s:f,s:[i,n,b],s:s}", "z", 2.5, "b", 1, 1, "a", "\xc3\xbc");
  char *d = sf_json_dumps(o, 1);
  check_str(d, "{\"z\":2.5,\"b\":[1,null,true],\"a\":\"\xc3\xbc\"}\n"); /* insertion order, UTF-8 kept */
  free(d);
  json_decref(o);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_init_nulls),
      cmocka_unit_test(test_features_table),
      cmocka_unit_test(test_option_print_raw),
      cmocka_unit_test(test_option_print_enriched),
      cmocka_unit_test(test_market_roundtrips),
      cmocka_unit_test(test_unicode_and_extremes),
      cmocka_unit_test(test_option_print_rejects),
      cmocka_unit_test(test_enrichment_rejects),
      cmocka_unit_test(test_other_market_rejects),
      cmocka_unit_test(test_line_errors),
      cmocka_unit_test(test_smart_money),
      cmocka_unit_test(test_alert_and_hit),
      cmocka_unit_test(test_flow_packet),
      cmocka_unit_test(test_real_precision),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
