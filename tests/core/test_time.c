/* Time helpers: civil dates, New York daylight-saving rules, expiry instants, ms rounding. */
#include "harness.h"
#include "smartflow/time.h"
#include "smartflow/err.h"
#include "smartflow/hash.h"

static void test_civil_roundtrip(void **state) {
  (void)state;
  check_i64(sf_days_from_civil(1970, 1, 1), 0);
  check_i64(sf_days_from_civil(2000, 3, 1), 11017);
  check_i64(sf_days_from_civil(1969, 12, 31), -1);
  for (int64_t d = -800000; d <= 800000; d += 37) {
    int y, m, dd;
    sf_civil_from_days(d, &y, &m, &dd);
    assert_true(sf_date_valid(y, m, dd));
    check_i64(sf_days_from_civil(y, m, dd), d);
  }
}

static void test_date_valid(void **state) {
  (void)state;
  assert_true(sf_date_valid(2024, 2, 29));
  assert_false(sf_date_valid(2023, 2, 29));
  assert_false(sf_date_valid(1900, 2, 29));
  assert_true(sf_date_valid(2000, 2, 29));
  assert_false(sf_date_valid(2025, 4, 31));
  assert_false(sf_date_valid(2025, 13, 1));
  assert_false(sf_date_valid(2025, 0, 1));
  assert_false(sf_date_valid(2025, 1, 0));
}

static void test_expiry_dst(void **state) {
  (void)state;
  char buf[40];
  /* Winter: 16:00 EST = 21:00 UTC. */
  check_str(sf_time_format_utc(sf_expiry_ns(2025, 1, 17), buf, sizeof buf), "2025-01-17T21:00:00.000Z");
  /* Summer: 16:00 EDT = 20:00 UTC. */
  check_str(sf_time_format_utc(sf_expiry_ns(2025, 7, 18), buf, sizeof buf), "2025-07-18T20:00:00.000Z");
  /* 2025 DST began Sunday March 9 and ended Sunday November 2. */
  check_str(sf_time_format_utc(sf_expiry_ns(2025, 3, 7), buf, sizeof buf), "2025-03-07T21:00:00.000Z");
  check_str(sf_time_format_utc(sf_expiry_ns(2025, 3, 10), buf, sizeof buf), "2025-03-10T20:00:00.000Z");
  check_str(sf_time_format_utc(sf_expiry_ns(2025, 3, 9), buf, sizeof buf), "2025-03-09T20:00:00.000Z");
  check_str(sf_time_format_utc(sf_expiry_ns(2025, 10, 31), buf, sizeof buf), "2025-10-31T20:00:00.000Z");
  check_str(sf_time_format_utc(sf_expiry_ns(2025, 11, 2), buf, sizeof buf), "2025-11-02T21:00:00.000Z");
  check_str(sf_time_format_utc(sf_expiry_ns(2025, 11, 3), buf, sizeof buf), "2025-11-03T21:00:00.000Z");
  /* Old rules (before 2007): 2006 DST ran April 2 to October 29. */
  check_str(sf_time_format_utc(sf_expiry_ns(2006, 3, 31), buf, sizeof buf), "2006-03-31T21:00:00.000Z");
  check_str(sf_time_format_utc(sf_expiry_ns(2006, 4, 3), buf, sizeof buf), "2006-04-03T20:00:00.000Z");
  check_str(sf_time_format_utc(sf_expiry_ns(2006, 10, 30), buf, sizeof buf), "2006-10-30T21:00:00.000Z");
}

static void test_offset_and_local(void **state) {
  (void)state;
  int64_t t;
  /* 2025-03-09 06:59:59Z is 01:59:59 EST; 07:00:00Z is 03:00:00 EDT. */
  assert_int_equal(sf_time_parse("2025-03-09T06:59:59Z", &t), 0);
  assert_int_equal(sf_ny_utc_offset_s(t), -5 * 3600);
  assert_int_equal(sf_time_parse("2025-03-09T07:00:00Z", &t), 0);
  assert_int_equal(sf_ny_utc_offset_s(t), -4 * 3600);
  int y, m, d, h, mi, s;
  sf_ny_local(t, &y, &m, &d, &h, &mi, &s);
  assert_int_equal(h, 3);
  /* 2025-11-02 05:59:59Z is 01:59:59 EDT; 06:00:00Z is 01:00:00 EST. */
  assert_int_equal(sf_time_parse("2025-11-02T05:59:59Z", &t), 0);
  assert_int_equal(sf_ny_utc_offset_s(t), -4 * 3600);
  assert_int_equal(sf_time_parse("2025-11-02T06:00:00Z", &t), 0);
  assert_int_equal(sf_ny_utc_offset_s(t), -5 * 3600);
  sf_ny_local(t, &y, &m, &d, &h, &mi, &s);
  assert_int_equal(h, 1);
}

static void test_zero_dte(void **state) {
  (void)state;
  /* 10:00 ET on expiry day is 6 hours before the 16:00 expiry: 0.25 days. */
  int64_t ten = sf_ny_local_to_utc_ns(2025, 1, 17, 10, 0, 0);
  double dte = (double)(sf_expiry_ns(2025, 1, 17) - ten) / (double)SF_NS_PER_DAY;
  check_near(dte, 0.25, 1e-12);
}

static void test_ms_rounding_and_parse(void **state) {
  (void)state;
  check_i64(sf_ns_to_ms(1999999), 1);
  check_i64(sf_ns_to_ms(-1), -1);
  check_i64(sf_ns_to_ms(-1000000), -1);
  check_i64(sf_ns_to_ms(-1000001), -2);
  check_i64(sf_ns_to_ms(0), 0);
  check_i64(sf_ns_to_ms(-999999), -1);
  /* The extremes: -9223372036854.775808 ms floors to -9223372036855 (negating INT64_MIN, as the
   * old formula did, overflows); 9223372036854.775807 ms floors to 9223372036854. */
  check_i64(sf_ns_to_ms(INT64_MIN), INT64_C(-9223372036855));
  check_i64(sf_ns_to_ms(INT64_MIN + 1), INT64_C(-9223372036855));
  check_i64(sf_ns_to_ms(INT64_MIN + 775808), INT64_C(-9223372036854));
  check_i64(sf_ns_to_ms(INT64_MIN + 775807), INT64_C(-9223372036855));
  check_i64(sf_ns_to_ms(INT64_MAX), INT64_C(9223372036854));
  int64_t t;
  assert_int_equal(sf_time_parse("2025-01-17T14:30:00.123456789Z", &t), 0);
  check_i64(t % SF_NS_PER_S, 123456789);
  assert_int_equal(sf_time_parse("1737124200000", &t), 0);
  check_i64(t, INT64_C(1737124200000) * SF_NS_PER_MS);
  assert_int_equal(sf_time_parse("2025-02-30", &t), SF_EPARSE);
  assert_int_equal(sf_time_parse("2025-01-17T25:00:00Z", &t), SF_EPARSE);
  assert_int_equal(sf_time_parse("", &t), SF_EPARSE);
  assert_int_equal(sf_time_parse("12x", &t), SF_EPARSE);
}

static void test_hash_stable(void **state) {
  (void)state;
  /* Pinned values: ids must never change across builds or machines. FNV-1a 64 of "" is the
   * offset basis; the mix of 0 is 0. */
  check_i64((long long)sf_hash_update(SF_HASH_SEED, "", 0), (long long)SF_HASH_SEED);
  check_i64((long long)sf_hash_update(SF_HASH_SEED, "a", 1), (long long)UINT64_C(0xaf63dc4c8601ec8c));
  check_i64((long long)sf_hash_mix64(0), 0);
  char hex[17];
  sf_hash_hex(UINT64_C(0x0123456789abcdef), hex);
  check_str(hex, "0123456789abcdef");
  assert_true(sf_hash_str("SPY") != sf_hash_str("SPX"));
}

static void test_errors(void **state) {
  (void)state;
  check_str(sf_strerror(SF_EPARSE), "malformed input");
  check_str(sf_errname(SF_EFIELD), "SF_EFIELD");
  check_str(sf_strerror(-9999), "unknown error");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_civil_roundtrip), cmocka_unit_test(test_date_valid),
      cmocka_unit_test(test_expiry_dst),      cmocka_unit_test(test_offset_and_local),
      cmocka_unit_test(test_zero_dte),        cmocka_unit_test(test_ms_rounding_and_parse),
      cmocka_unit_test(test_hash_stable),     cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
