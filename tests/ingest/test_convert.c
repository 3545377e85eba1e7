/* Conversion of real DBN records and CSV rows to smartflow records: contract ids canonical from
 * the day's OSI symbol, prices scaled, exchange from the publisher table, the tbbo quote emitted
 * before its trade, open interest from statistics, contract reference from definitions
 * (UNDEF multiplier -> 100), and every record that yields nothing counted under its reason.
 * Expected values come from the fixture bytes (see golden_dbn_realdata.c for how they were
 * obtained) and CONTRACTS.md's id format. */
#include "harness.h"
#include "smartflow/condition.h"
#include "smartflow/convert.h"
#include "smartflow/err.h"

#define PYDIR "realdata/databento-python_OPRA.PILLAR/"

/* Converts every record of a file; returns the number of tape records written to recs. */
static size_t convert_file(const char *rel, struct sf_converter *c, struct sf_record *recs, size_t max,
                           struct sf_convert_out *last_ref) {
  char path[1024], err[512];
  SF_SHARED_PATH(rel, path);
  struct sf_dbn_file *f;
  if (sf_dbn_file_open(path, &f, err, sizeof err) != 0) fail_msg("%s", err);
  struct sf_dbn_record r;
  struct sf_convert_out out;
  size_t n = 0;
  int rc;
  while ((rc = sf_dbn_file_next(f, &r)) == 1) {
    check_i64(sf_convert_dbn(c, &r, &out), 0);
    for (int i = 0; i < out.n; i++)
      if (n < max) recs[n++] = out.rec[i];
    if ((out.has_oi || out.has_ref) && last_ref) *last_ref = out;
  }
  check_i64(rc, 0);
  sf_dbn_file_close(f);
  return n;
}

static void test_tbbo_quote_then_print(void **state) {
  (void)state;
  struct sf_converter c;
  sf_converter_init(&c, "tbbo", false);
  struct sf_record recs[16];
  size_t n = convert_file(PYDIR "test_data.tbbo.dbn.zst", &c, recs, 16, NULL);
  check_i64(n, 8);
  const double px[4] = {0.24, 0.20, 0.19, 0.19}, bid[4] = {0.24, 0.18, 0.18, 0.19},
               ask[4] = {0.25, 0.22, 0.22, 0.21};
  const char *venue[4] = {"EMLD", "XISX", "XISX", "MXOP"};
  const int64_t ts[4] = {1740061800817657088LL, 1740061801631777024LL, 1740061801644682240LL,
                         1740061801745517312LL};
  for (int i = 0; i < 4; i++) {
    const struct sf_record *q = &recs[2 * i], *p = &recs[2 * i + 1];
    check_i64(q->type, SF_REC_OPTION_NBBO);
    check_i64(p->type, SF_REC_OPTION_PRINT);
    check_str(q->u.option_nbbo.option_contract_id, "AAPL-2025-02-21-250-C");
    check_near(q->u.option_nbbo.bid, bid[i], 1e-12);
    check_near(q->u.option_nbbo.ask, ask[i], 1e-12);
    check_i64(q->u.option_nbbo.ts_ns, ts[i]);
    check_str(p->u.option_print.option_contract_id, "AAPL-2025-02-21-250-C");
    check_near(p->u.option_print.price, px[i], 1e-12);
    check_str(p->u.option_print.exchange, venue[i]);
    check_i64(p->u.option_print.conditions, 0);
    check_i64(p->u.option_print.ts_ns, ts[i]);
    check_i64(p->u.option_print.meta.source_ts, ts[i] / 1000000);
    check_i64(q->u.option_nbbo.meta.seq, 2 * i);
    check_i64(p->u.option_print.meta.seq, 2 * i + 1);
  }
  check_str(recs[0].u.option_nbbo.meta.trace_id, "tbbo-0");
  check_str(recs[7].u.option_print.meta.trace_id, "tbbo-7");
  check_near(recs[0].u.option_nbbo.bid_size, 1, 0);
  check_near(recs[0].u.option_nbbo.ask_size, 4, 0);
  check_i64(recs[7].u.option_print.size, 4);
  /* ts_recv on request. */
  sf_converter_init(&c, "tbbo", true);
  n = convert_file(PYDIR "test_data.trades.dbn.zst", &c, recs, 16, NULL);
  check_i64(n, 4);
  check_i64(recs[0].u.option_print.ts_ns, 1740061800817866523LL);
}

static void test_cbbo_and_empty_books(void **state) {
  (void)state;
  struct sf_converter c;
  sf_converter_init(&c, "q", false);
  struct sf_record recs[16];
  size_t n = convert_file(PYDIR "test_data.cbbo-1s.dbn.zst", &c, recs, 16, NULL);
  check_i64(n, 3); /* the first sample has no book */
  check_i64(c.skipped[SF_CONVERT_EMPTY_QUOTE], 1);
  check_near(recs[0].u.option_nbbo.bid, 0.10, 1e-12);
  check_near(recs[0].u.option_nbbo.ask, 0.25, 1e-12);
  check_i64(recs[0].u.option_nbbo.ts_ns, 1740061800817657088LL);
  n = convert_file(PYDIR "test_data.mbp-1.dbn.zst", &c, recs, 16, NULL);
  check_i64(n, 0);
  check_i64(c.skipped[SF_CONVERT_EMPTY_QUOTE], 5);
  n = convert_file(PYDIR "test_data.ohlcv-1m.dbn.zst", &c, recs, 16, NULL);
  check_i64(n, 0);
  check_i64(c.skipped[SF_CONVERT_OHLCV], 4);
  check_str(sf_convert_reason_id(SF_CONVERT_OHLCV), "ohlcv");
}

static void test_open_interest_and_definition(void **state) {
  (void)state;
  struct sf_converter c;
  sf_converter_init(&c, "ref", false);
  struct sf_record recs[4];
  struct sf_convert_out out;
  memset(&out, 0, sizeof out);
  check_i64(convert_file(PYDIR "test_data.statistics.dbn.zst", &c, recs, 4, &out), 0);
  assert_true(out.has_oi);
  check_str(out.oi.option_contract_id, "AAPL-2025-02-21-250-C");
  check_i64(out.oi.open_interest, 57924);
  check_i64(out.oi.date, 20250220); /* 11:30 UTC = 06:30 New York */
  check_i64(out.oi.ts_ns, 1740051008943644160LL);

  memset(&out, 0, sizeof out);
  check_i64(convert_file(PYDIR "test_data.definition.dbn.zst", &c, recs, 4, &out), 0);
  assert_true(out.has_ref);
  check_str(out.ref.option_contract_id, "AAPL-2025-02-21-250-C");
  check_near(out.ref.strike, 250.0, 1e-9);
  check_i64(out.ref.option_type, 'C');
  check_near(out.ref.multiplier, 100.0, 0); /* UNDEF in the file */
  check_null(out.ref.tick);
  check_str(out.ref.underlying, "AAPL");
  check_i64(out.ref.expiry_ns, 1740171600000000000LL); /* 2025-02-21T21:00:00Z = 16:00 EST */

  /* v1 SPY definitions. */
  memset(&out, 0, sizeof out);
  check_i64(convert_file("realdata/nautilus_trader_databento/definition-opra.dbn.zst", &c, recs, 4, &out), 0);
  check_str(out.ref.option_contract_id, "SPY-2024-01-19-370-P");
  check_i64(out.ref.option_type, 'P');
  check_str(out.ref.underlying, "SPY");
}

static void test_csv_rows(void **state) {
  (void)state;
  char path[1024], err[512];
  sf_test_path("SF_SOURCE_DIR", "tests/data/csv/options_trades.csv", path, sizeof path);
  struct sf_csv_file *f;
  check_i64(sf_csv_file_open(path, &f, err, sizeof err), 0);
  struct sf_converter c;
  sf_converter_init(&c, "csv", false);
  struct sf_csv_row row;
  struct sf_convert_out out;
  struct sf_option_print p[4];
  int n = 0;
  while (sf_csv_file_next(f, &row) == 1) {
    sf_convert_csv(&c, &row, &out);
    check_i64(out.n, 1);
    p[n++] = out.rec[0].u.option_print;
  }
  sf_csv_file_close(f);
  check_i64(n, 4);
  check_str(p[0].option_contract_id, "AAPL-2025-02-21-250-C");
  check_i64(p[0].conditions, SF_COND_FILL);
  check_i64(p[1].conditions, SF_COND_FILL | SF_COND_ISO);
  check_str(p[2].option_contract_id, "SPY-2025-01-17-450-P");
  check_i64(p[2].conditions, SF_COND_COMPLEX);
  check_str(p[3].option_contract_id, "BRKB-2025-03-21-452.5-C");
  check_i64(p[3].conditions, 0);
  check_str(p[0].exchange, "302");
  check_i64(p[0].ts_ns, 1740061800817657088LL);
  check_i64(p[2].size, 150);
  check_i64(c.unknown_conditions, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tbbo_quote_then_print),
      cmocka_unit_test(test_cbbo_and_empty_books),
      cmocka_unit_test(test_open_interest_and_definition),
      cmocka_unit_test(test_csv_rows),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
