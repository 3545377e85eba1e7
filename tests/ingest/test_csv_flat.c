/* Options flat-file CSV decoder: trades and quotes detected from the header, quoted condition
 * lists, gzip and plain input giving the same rows, one bad line reported (line, field, text)
 * without stopping the file, chunked feeding equal to whole, and files that are not options
 * flat files rejected on their header. Fixtures are in tests/data/csv/ and were written by hand
 * for this test; expected values are read off the fixture text. */
#include "harness.h"
#include "smartflow/condition.h"
#include "smartflow/csv_flat.h"
#include "smartflow/err.h"

static const char *data_path(const char *name, char *buf, size_t cap) {
  char rel[256];
  snprintf(rel, sizeof rel, "tests/data/csv/%s", name);
  return sf_test_path("SF_SOURCE_DIR", rel, buf, cap);
}

static size_t read_all(const char *name, struct sf_csv_row *rows, size_t max, int *errors, char *lasterr) {
  char path[1024], err[512];
  data_path(name, path, sizeof path);
  struct sf_csv_file *f;
  int rc = sf_csv_file_open(path, &f, err, sizeof err);
  if (rc != 0) fail_msg("%s", err);
  size_t n = 0;
  *errors = 0;
  struct sf_csv_row r;
  while ((rc = sf_csv_file_next(f, &r)) != 0) {
    if (rc < 0) {
      (*errors)++;
      if (lasterr) snprintf(lasterr, 512, "%s", sf_csv_file_errmsg(f));
      continue;
    }
    if (n < max) rows[n] = r;
    n++;
  }
  sf_csv_file_close(f);
  return n;
}

static void check_trades(const struct sf_csv_row *rows, size_t n) {
  check_i64(n, 4);
  const struct sf_csv_trade *t = &rows[0].u.trade;
  check_i64(rows[0].kind, SF_CSV_KIND_TRADES);
  check_i64(rows[0].line, 2);
  check_str(t->ticker, "O:AAPL250221C00250000");
  check_i64(t->condition_count, 1);
  check_i64(t->conditions[0], 209);
  check_i64(t->correction, 0);
  check_i64(t->exchange, 302);
  check_str(t->id, "");
  check_i64(t->participant_timestamp, 1740061800817000000LL);
  check_near(t->price, 0.24, 1e-12);
  check_i64(t->sequence_number, 713382);
  check_i64(t->sip_timestamp, 1740061800817657088LL);
  check_i64(t->size, 1);
  t = &rows[1].u.trade;
  check_i64(t->condition_count, 2);
  check_i64(t->conditions[0], 209);
  check_i64(t->conditions[1], 219);
  check_i64(t->exchange, 313);
  check_near(t->price, 0.2, 1e-12);
  check_i64(t->size, 2);
  t = &rows[2].u.trade;
  check_str(t->ticker, "O:SPY250117P00450000");
  check_i64(t->condition_count, 1);
  check_i64(t->conditions[0], 232);
  check_i64(t->participant_timestamp, INT64_MIN); /* empty */
  check_near(t->price, 12.5, 1e-12);
  check_i64(t->size, 150);
  check_i64(t->sip_timestamp, 1740061802000000001LL);
  t = &rows[3].u.trade;
  check_str(t->ticker, "O:BRKB250321C00452500");
  check_i64(t->condition_count, 0);
  check_str(t->id, "T1");
  check_i64(rows[3].line, 5);
  /* The vendor ids map through the shared condition table. */
  int known = 0;
  check_i64(sf_condition_from_vendor_id(219, &known), SF_COND_ISO);
  check_i64(known, 1);
  check_i64(sf_condition_from_vendor_id(232, &known), SF_COND_COMPLEX);
}

static void test_trades_plain_and_gzip(void **state) {
  (void)state;
  struct sf_csv_row rows[8], gz[8];
  int errors;
  size_t n = read_all("options_trades.csv", rows, 8, &errors, NULL);
  check_i64(errors, 0);
  check_trades(rows, n);
  size_t m = read_all("options_trades.csv.gz", gz, 8, &errors, NULL);
  check_i64(errors, 0);
  check_trades(gz, m);
  assert_memory_equal(rows, gz, sizeof(struct sf_csv_row) * 4);
}

static void test_quotes(void **state) {
  (void)state;
  struct sf_csv_row rows[8];
  int errors;
  size_t n = read_all("options_quotes.csv", rows, 8, &errors, NULL);
  check_i64(errors, 0);
  check_i64(n, 3);
  const struct sf_csv_quote *q = &rows[0].u.quote;
  check_i64(rows[0].kind, SF_CSV_KIND_QUOTES);
  check_str(q->ticker, "O:AAPL250221C00250000");
  check_i64(q->ask_exchange, 313);
  check_near(q->ask_price, 0.25, 1e-12);
  check_i64(q->ask_size, 4);
  check_i64(q->bid_exchange, 323);
  check_near(q->bid_price, 0.24, 1e-12);
  check_i64(q->bid_size, 1);
  check_i64(q->sequence_number, 713380);
  check_i64(q->sip_timestamp, 1740061800817000000LL);
  q = &rows[2].u.quote;
  check_str(q->ticker, "O:SPY250117P00450000");
  check_near(q->ask_price, 12.6, 1e-12);
  check_near(q->bid_price, 12.4, 1e-12);
  check_i64(q->bid_size, 35);
}

static void test_bad_lines(void **state) {
  (void)state;
  char path[1024], err[512];
  data_path("options_trades_bad.csv", path, sizeof path);
  struct sf_csv_file *f;
  check_i64(sf_csv_file_open(path, &f, err, sizeof err), 0);
  struct sf_csv_row r;
  /* Line 2: price "abc". */
  check_i64(sf_csv_file_next(f, &r), SF_EFIELD);
  assert_non_null(strstr(sf_csv_file_errmsg(f), "line 2: field price: 'abc' is not a number"));
  assert_non_null(strstr(sf_csv_file_errmsg(f), "options_trades_bad.csv"));
  /* Line 3: size 0. */
  check_i64(sf_csv_file_next(f, &r), SF_EFIELD);
  assert_non_null(strstr(sf_csv_file_errmsg(f), "line 3: field size: 0 is not a positive size"));
  /* Line 4: conditions "209,x". */
  check_i64(sf_csv_file_next(f, &r), SF_EFIELD);
  assert_non_null(strstr(sf_csv_file_errmsg(f), "line 4: field conditions"));
  /* Line 5: 4 fields. */
  check_i64(sf_csv_file_next(f, &r), SF_EPARSE);
  assert_non_null(strstr(sf_csv_file_errmsg(f), "line 5: 4 fields, the header has 10"));
  /* Line 6: an unterminated quote. */
  check_i64(sf_csv_file_next(f, &r), SF_EPARSE);
  assert_non_null(strstr(sf_csv_file_errmsg(f), "line 6: field 2: unterminated quoted field"));
  /* Line 7 is good and has no final newline; CR LF line ends were stripped. */
  check_i64(sf_csv_file_next(f, &r), 1);
  check_i64(r.line, 7);
  check_near(r.u.trade.price, 0.26, 1e-12);
  check_i64(r.u.trade.size, 5);
  check_i64(r.u.trade.sip_timestamp, 1740061800817657099LL);
  check_i64(sf_csv_file_next(f, &r), 0);
  sf_csv_file_close(f);
}

static void test_not_options(void **state) {
  (void)state;
  struct sf_csv_row rows[2];
  int errors;
  char last[512] = "";
  size_t n = read_all("not_options.csv", rows, 2, &errors, last);
  check_i64(n, 0);
  assert_true(errors >= 1);
  /* Missing required column. */
  struct sf_csv_decoder d;
  sf_csv_decoder_init(&d);
  const char *hdr = "ticker,price,size,sip_timestamp,exchange\n";
  size_t used;
  struct sf_csv_row r;
  check_i64(sf_csv_decode(&d, hdr, strlen(hdr), &used, &r), SF_EPARSE);
  assert_non_null(strstr(sf_csv_decoder_errmsg(&d), "line 1: header: required column conditions is missing"));
  sf_csv_decoder_fini(&d);
  sf_csv_decoder_init(&d);
  check_i64(sf_csv_decoder_finish(&d, &r), SF_EPARSE);
  assert_non_null(strstr(sf_csv_decoder_errmsg(&d), "no header line"));
  sf_csv_decoder_fini(&d);
}

/* Feeding one byte at a time yields the same rows as the whole text. */
static void test_chunked(void **state) {
  (void)state;
  char path[1024];
  size_t len;
  char *text = sf_test_slurp(data_path("options_trades.csv", path, sizeof path), &len);
  assert_non_null(text);
  struct sf_csv_row whole[8], bytes[8];
  size_t nw = 0, nb = 0;
  for (int pass = 0; pass < 2; pass++) {
    struct sf_csv_decoder d;
    sf_csv_decoder_init(&d);
    size_t step = pass == 0 ? len : 1;
    for (size_t pos = 0; pos < len; pos += step) {
      size_t chunk = pos + step > len ? len - pos : step, off = 0;
      int rc;
      struct sf_csv_row r;
      size_t used;
      while ((rc = sf_csv_decode(&d, text + pos + off, chunk - off, &used, &r)) == SF_CSV_ROW) {
        off += used;
        if (pass == 0)
          whole[nw++] = r;
        else
          bytes[nb++] = r;
      }
      check_i64(rc, SF_EAGAIN);
    }
    struct sf_csv_row r;
    check_i64(sf_csv_decoder_finish(&d, &r), 0);
    sf_csv_decoder_fini(&d);
  }
  check_i64(nw, 4);
  check_i64(nb, 4);
  assert_memory_equal(whole, bytes, sizeof(struct sf_csv_row) * 4);
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_trades_plain_and_gzip),
      cmocka_unit_test(test_quotes),
      cmocka_unit_test(test_bad_lines),
      cmocka_unit_test(test_not_options),
      cmocka_unit_test(test_chunked),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
