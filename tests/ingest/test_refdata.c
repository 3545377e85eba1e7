/* The open-interest table: CSV loading (good rows, every kind of bad line with its line number,
 * missing header), the most-recent-date-on-or-before lookup (the value of the prior
 * publication, never a later one), both contract id forms canonicalised on load and on lookup,
 * duplicates replaced, and open interest from the real OPRA statistics file (4 records, one per
 * publisher, all 57924 contracts of AAPL 2025-02-21 250 C on 2025-02-20, see
 * golden_dbn_realdata.c). */
#include <unistd.h>

#include "harness.h"
#include "smartflow/err.h"
#include "smartflow/refdata.h"

static char tmpdir[256];

static int setup(void **state) {
  (void)state;
  snprintf(tmpdir, sizeof tmpdir, "/tmp/sf_test_refdata_XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const char *text, char *path, size_t cap) {
  snprintf(path, cap, "%s/%s", tmpdir, name);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  return path;
}

static void test_csv_good_and_lookup(void **state) {
  (void)state;
  char path[512], err[512] = "";
  write_file("good.csv",
             "option_contract_id,date,oi\n"
             "SPY-2025-01-17-450-C,2025-01-10,1000\n"
             "SPY   250117C00450000,2025-01-13,1200\n" /* OSI form, same contract */
             "\n"
             "AAPL250221P00250000,2025-02-18,77\r\n" /* unpadded OSI, CRLF */
             "\"BRK-B-2025-03-21-452.5-P\",2025-03-03,5\n"
             "SPY-2025-01-17-450-C,2025-01-08,900\n", /* earlier date after a later one */
             path, sizeof path);
  struct sf_oi_table *t;
  check_i64(sf_oi_table_new(&t), 0);
  struct sf_oi_load_report rep;
  check_i64(sf_oi_table_load_csv(t, path, &rep, err, sizeof err), 0);
  check_i64(rep.lines, 7);
  check_i64(rep.rows, 5);
  check_i64(rep.rejected, 0);
  check_i64(rep.duplicates, 0);
  check_i64(sf_oi_table_contracts(t), 3);
  check_i64(sf_oi_table_rows(t), 5);
  check_i64(sf_oi_table_dates(t), 5);
  uint32_t first, last;
  sf_oi_table_date_range(t, &first, &last);
  check_i64(first, 20250108);
  check_i64(last, 20250303);

  int64_t oi = -1;
  /* Before the first publication: nothing. */
  check_i64(sf_oi_lookup(t, "SPY-2025-01-17-450-C", 2025, 1, 7, &oi), SF_ENOTFOUND);
  check_i64(sf_oi_lookup(t, "SPY-2025-01-17-450-C", 2025, 1, 8, &oi), 0);
  check_i64(oi, 900);
  check_i64(sf_oi_lookup(t, "SPY-2025-01-17-450-C", 2025, 1, 9, &oi), 0);
  check_i64(oi, 900);
  check_i64(sf_oi_lookup(t, "SPY-2025-01-17-450-C", 2025, 1, 10, &oi), 0);
  check_i64(oi, 1000);
  check_i64(sf_oi_lookup(t, "SPY-2025-01-17-450-C", 2025, 1, 12, &oi), 0); /* a Sunday: Friday's */
  check_i64(oi, 1000);
  /* The OSI form finds the same contract. */
  check_i64(sf_oi_lookup(t, "SPY   250117C00450000", 2025, 1, 13, &oi), 0);
  check_i64(oi, 1200);
  check_i64(sf_oi_lookup(t, "SPY250117C00450000", 2026, 6, 1, &oi), 0);
  check_i64(oi, 1200);
  check_i64(sf_oi_lookup(t, "AAPL-2025-02-21-250-P", 2025, 2, 18, &oi), 0);
  check_i64(oi, 77);
  check_i64(sf_oi_lookup(t, "BRK-B-2025-03-21-452.5-P", 2025, 3, 3, &oi), 0);
  check_i64(oi, 5);
  /* The other right, an unknown contract, bad input. */
  check_i64(sf_oi_lookup(t, "SPY-2025-01-17-450-P", 2025, 1, 13, &oi), SF_ENOTFOUND);
  check_i64(sf_oi_lookup(t, "QQQ-2025-01-17-450-C", 2025, 1, 13, &oi), SF_ENOTFOUND);
  check_i64(sf_oi_lookup(t, "not a contract", 2025, 1, 13, &oi), SF_EINVAL);
  check_i64(sf_oi_lookup(t, "SPY-2025-01-17-450-C", 2025, 2, 30, &oi), SF_EINVAL);
  sf_oi_table_free(t);
}

static void test_csv_bad_lines(void **state) {
  (void)state;
  char path[512], err[512] = "";
  write_file("bad.csv",
             "date,oi,option_contract_id,source\n" /* other column order, an extra column */
             "2025-01-10,10,SPY-2025-01-17-450-C,x\n"
             "2025-01-10,11,SPY-2025-13-17-450-C,x\n"   /* line 3: month 13 */
             "2025-02-30,12,SPY-2025-01-17-450-C,x\n"   /* line 4: no such day */
             "2025-01-11,-5,SPY-2025-01-17-450-C,x\n"   /* line 5: negative */
             "2025-01-11,12,SPY-2025-01-17-450-C\n"     /* line 6: 3 fields */
             "2025-01-11,1e3,SPY-2025-01-17-450-C,x\n"  /* line 7: not an integer */
             "2025/01/12,3,SPY-2025-01-17-450-C,x\n"    /* line 8: date format */
             "2025-01-10,15,SPY   250117C00450000,x\n"  /* duplicate of line 2: replaces */
             "\"2025-01-13,3,SPY-2025-01-17-450-C,x\n", /* line 10: open quote */
             path, sizeof path);
  struct sf_oi_table *t;
  check_i64(sf_oi_table_new(&t), 0);
  struct sf_oi_load_report rep;
  check_i64(sf_oi_table_load_csv(t, path, &rep, err, sizeof err), 0);
  check_i64(rep.lines, 10);
  check_i64(rep.rows, 2);
  check_i64(rep.duplicates, 1);
  check_i64(rep.rejected, 7);
  check_i64(rep.message_count, 7);
  check_str(rep.messages[0], "line 3: option_contract_id: invalid date \"SPY-2025-13-17-450-C\"");
  check_str(rep.messages[1], "line 4: date: expected a real date YYYY-MM-DD, got \"2025-02-30\"");
  check_str(rep.messages[2], "line 5: oi: expected a non-negative integer, got \"-5\"");
  check_str(rep.messages[3], "line 6: expected 4 fields, found 3");
  check_str(rep.messages[4], "line 7: oi: expected a non-negative integer, got \"1e3\"");
  check_str(rep.messages[5], "line 8: date: expected a real date YYYY-MM-DD, got \"2025/01/12\"");
  check_str(rep.messages[6], "line 10: malformed quoting or more than 16 fields");
  int64_t oi = 0;
  check_i64(sf_oi_lookup(t, "SPY-2025-01-17-450-C", 2025, 1, 10, &oi), 0);
  check_i64(oi, 15);
  check_i64(sf_oi_table_rows(t), 1);
  sf_oi_table_free(t);
}

static void test_csv_header_required(void **state) {
  (void)state;
  char path[512], err[512] = "";
  struct sf_oi_table *t;
  check_i64(sf_oi_table_new(&t), 0);
  write_file("nohdr.csv", "SPY-2025-01-17-450-C,2025-01-10,1000\n", path, sizeof path);
  check_i64(sf_oi_table_load_csv(t, path, NULL, err, sizeof err), SF_EPARSE);
  assert_non_null(strstr(err, "nohdr.csv: line 1: header must name the columns option_contract_id,date,oi"));
  write_file("empty.csv", "\n\n", path, sizeof path);
  check_i64(sf_oi_table_load_csv(t, path, NULL, err, sizeof err), SF_EPARSE);
  assert_non_null(strstr(err, "empty.csv: no header line"));
  snprintf(path, sizeof path, "%s/missing.csv", tmpdir);
  check_i64(sf_oi_table_load_csv(t, path, NULL, err, sizeof err), SF_EIO);
  assert_non_null(strstr(err, "missing.csv: cannot open: No such file or directory"));
  check_i64(sf_oi_table_rows(t), 0);
  sf_oi_table_free(t);
}

static void test_add_api(void **state) {
  (void)state;
  struct sf_oi_table *t;
  check_i64(sf_oi_table_new(&t), 0);
  int64_t oi = 0;
  check_i64(sf_oi_lookup(t, "SPY-2025-01-17-450-C", 2025, 1, 10, &oi), SF_ENOTFOUND);
  check_i64(sf_oi_table_add(t, "SPY-2025-01-17-450-C", 20250110, 1), 0);
  check_i64(sf_oi_table_add(t, "SPY   250117C00450000", 20250110, 2), 1); /* replaced */
  check_i64(sf_oi_table_add(t, "SPY-2025-01-17-450-C", 20250231, 1), SF_EINVAL);
  check_i64(sf_oi_table_add(t, "SPY-2025-01-17-450-C", 20250111, -1), SF_EINVAL);
  check_i64(sf_oi_table_add(t, "SPY-2025-01-17", 20250111, 1), SF_EPARSE);
  /* Many contracts: the hash table grows and every one is still found. */
  char id[64];
  for (int i = 1; i <= 5000; i++) {
    snprintf(id, sizeof id, "X-2025-06-20-%d-%c", i, i % 2 ? 'C' : 'P');
    check_i64(sf_oi_table_add(t, id, 20250601, i), 0);
  }
  check_i64(sf_oi_table_contracts(t), 5001);
  for (int i = 1; i <= 5000; i += 7) {
    snprintf(id, sizeof id, "X-2025-06-20-%d-%c", i, i % 2 ? 'C' : 'P');
    check_i64(sf_oi_lookup(t, id, 2025, 6, 2, &oi), 0);
    check_i64(oi, i);
  }
  check_i64(sf_oi_lookup(t, "SPY-2025-01-17-450-C", 2025, 1, 10, &oi), 0);
  check_i64(oi, 2);
  sf_oi_table_free(t);
}

static void test_dbn_statistics(void **state) {
  (void)state;
  char path[1024], err[512] = "";
  SF_SHARED_PATH("realdata/databento-python_OPRA.PILLAR/test_data.statistics.dbn.zst", path);
  struct sf_oi_table *t;
  check_i64(sf_oi_table_new(&t), 0);
  struct sf_oi_load_report rep;
  check_i64(sf_oi_table_load_dbn(t, path, &rep, err, sizeof err), 0);
  check_i64(rep.rows, 4);
  check_i64(rep.duplicates, 3);
  check_i64(rep.skipped, 0);
  check_i64(sf_oi_table_contracts(t), 1);
  check_i64(sf_oi_table_rows(t), 1);
  int64_t oi = 0;
  check_i64(sf_oi_lookup(t, "AAPL  250221C00250000", 2025, 2, 20, &oi), 0);
  check_i64(oi, 57924);
  check_i64(sf_oi_lookup(t, "AAPL-2025-02-21-250-C", 2025, 2, 19, &oi), SF_ENOTFOUND);
  /* A trades file holds no open interest: every record is skipped. */
  SF_SHARED_PATH("realdata/databento-python_OPRA.PILLAR/test_data.trades.dbn.zst", path);
  check_i64(sf_oi_table_load_dbn(t, path, &rep, err, sizeof err), 0);
  check_i64(rep.rows, 0);
  assert_true(rep.skipped > 0);
  /* Not a DBN file. */
  char bad[512];
  write_file("bad.dbn", "this is not DBN at all\n", bad, sizeof bad);
  assert_true(sf_oi_table_load_dbn(t, bad, &rep, err, sizeof err) < 0);
  assert_non_null(strstr(err, "bad.dbn"));
  sf_oi_table_free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_csv_good_and_lookup), cmocka_unit_test(test_csv_bad_lines),
      cmocka_unit_test(test_csv_header_required), cmocka_unit_test(test_add_api),
      cmocka_unit_test(test_dbn_statistics),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
