/* Contract ids: hand-checked conversions both ways (roots with dashes, dots and digits, half and
 * fractional strikes, leap days, the unpadded OSI form), rejections with their reasons (invalid
 * dates are never rolled over), expiry instants, and a seeded round-trip property over random
 * valid contracts. */
#include "harness.h"
#include "smartflow/contract.h"
#include "smartflow/err.h"
#include "smartflow/time.h"

/* Field-wise equality (struct padding is not compared). */
static void check_same(const struct sf_contract *a, const struct sf_contract *b) {
  check_str(a->root, b->root);
  check_i64(a->year, b->year);
  check_i64(a->month, b->month);
  check_i64(a->day, b->day);
  check_i64(a->strike_milli, b->strike_milli);
  check_i64(a->right, b->right);
}

struct pair {
  const char *canonical;
  const char *osi;
};

/* Each pair was written out by hand from the OSI layout (root padded to 6, YYMMDD, right,
 * strike x 1000 in 8 digits). */
static const struct pair pairs[] = {
    {"SPY-2025-01-17-450-C", "SPY   250117C00450000"},
    {"BRK-B-2025-03-21-452.5-P", "BRK-B 250321P00452500"},
    {"BRK.B-2025-03-21-452.5-P", "BRK.B 250321P00452500"},
    {"AAPL-2025-02-21-250-C", "AAPL  250221C00250000"},
    {"SPXW-2024-02-29-5000-P", "SPXW  240229P05000000"},
    {"2SPY-2023-08-07-383-C", "2SPY  230807C00383000"},
    {"F-2026-01-16-0.5-C", "F     260116C00000500"},
    {"X-2025-06-20-1.125-P", "X     250620P00001125"},
    {"NDX-2025-12-19-12345-C", "NDX   251219C12345000"},
    {"NDX-2025-12-19-12345.05-C", "NDX   251219C12345050"},
    {"BRKB1-2099-12-31-99999.999-P", "BRKB1 991231P99999999"},
    {"GOOGL1-2000-01-03-0.001-C", "GOOGL1000103C00000001"},
    {"SPY-2023-08-07-383.5-P", "SPY   230807P00383500"},
    {"VIX-2025-02-19-17.25-C", "VIX   250219C00017250"},
};

static void test_canonical_to_osi(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    struct sf_contract c;
    const char *why = NULL;
    char buf[64];
    int rc = sf_contract_parse(pairs[i].canonical, strlen(pairs[i].canonical), &c, &why);
    if (rc != 0) fail_msg("%s: %s", pairs[i].canonical, why);
    check_i64(sf_contract_format_osi(&c, buf, sizeof buf), 21);
    check_str(buf, pairs[i].osi);
    check_i64(sf_contract_format(&c, buf, sizeof buf), (long long)strlen(pairs[i].canonical));
    check_str(buf, pairs[i].canonical);
  }
}

static void test_osi_to_canonical(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    struct sf_contract c;
    const char *why = NULL;
    char buf[64];
    int rc = sf_contract_parse(pairs[i].osi, strlen(pairs[i].osi), &c, &why);
    if (rc != 0) fail_msg("%s: %s", pairs[i].osi, why);
    assert_true(sf_contract_format(&c, buf, sizeof buf) > 0);
    check_str(buf, pairs[i].canonical);
    /* The unpadded form (root then tail, spaces removed) parses to the same contract. */
    char unpadded[32];
    size_t n = 0;
    for (const char *p = pairs[i].osi; *p; p++)
      if (*p != ' ') unpadded[n++] = *p;
    unpadded[n] = '\0';
    struct sf_contract u;
    rc = sf_contract_parse(unpadded, n, &u, &why);
    if (rc != 0) fail_msg("%s: %s", unpadded, why);
    check_same(&c, &u);
  }
}

static void test_fields(void **state) {
  (void)state;
  struct sf_contract c;
  assert_int_equal(sf_contract_parse("BRK-B-2025-03-21-452.5-P", 24, &c, NULL), 0);
  check_str(c.root, "BRK-B");
  check_i64(c.year, 2025);
  check_i64(c.month, 3);
  check_i64(c.day, 21);
  check_i64(c.strike_milli, 452500);
  check_i64(c.right, 'P');
  check_near(sf_contract_strike(&c), 452.5, 0);
  assert_int_equal(sf_contract_parse("AAPL250221C00250000", 19, &c, NULL), 0);
  check_str(c.root, "AAPL");
  check_i64(c.strike_milli, 250000);
  check_i64(c.right, 'C');
  /* Parsing only looks at len bytes. */
  assert_int_equal(sf_contract_parse("SPY-2025-01-17-450-CXYZ", 20, &c, NULL), 0);
  check_i64(c.strike_milli, 450000);
}

static void test_trailing_zeros_normalised(void **state) {
  (void)state;
  static const struct pair cases[] = {
      {"SPY-2025-01-17-450.0-C", "SPY-2025-01-17-450-C"},
      {"SPY-2025-01-17-450.000-C", "SPY-2025-01-17-450-C"},
      {"SPY-2025-01-17-450.50-P", "SPY-2025-01-17-450.5-P"},
      {"SPY-2025-01-17-450.120-P", "SPY-2025-01-17-450.12-P"},
      {"SPY-2025-01-17-0.50-P", "SPY-2025-01-17-0.5-P"},
      {"SPY   250117C00450000", "SPY-2025-01-17-450-C"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char buf[SF_CONTRACT_ID_MAX];
    const char *why = NULL;
    int rc = sf_contract_canonicalize(cases[i].canonical, buf, sizeof buf, &why);
    if (rc < 0) fail_msg("%s: %s", cases[i].canonical, why);
    check_str(buf, cases[i].osi);
  }
}

struct bad {
  const char *id;
  const char *why;
};

static void test_rejections(void **state) {
  (void)state;
  static const struct bad cases[] = {
      {"", "empty"},
      {"SPY-2025-02-30-450-C", "invalid date"},
      {"SPY-2023-02-29-450-C", "invalid date"},
      {"SPY-2025-04-31-450-C", "invalid date"},
      {"SPY-2025-13-01-450-C", "invalid date"},
      {"SPY-2025-00-10-450-C", "invalid date"},
      {"SPY-2025-01-00-450-C", "invalid date"},
      {"SPY-1999-12-17-450-C", "year outside 2000..2099"},
      {"SPY-2100-01-15-450-C", "year outside 2000..2099"},
      {"SPY-2025-01-17-0-C", "strike must be positive"},
      {"SPY-2025-01-17-0.000-C", "strike must be positive"},
      {"SPY-2025-01-17-100000-C", "strike above 99999.999"},
      {"SPY-2025-01-17-450.1234-C", "strike has more than 3 decimals"},
      {"SPY-2025-01-17-0450-C", "strike has a leading zero"},
      {"SPY-2025-01-17-45a-C", "strike is not a decimal number"},
      {"SPY-2025-01-17-.5-C", "strike is not a decimal number"},
      {"SPY-2025-01-17-5.-C", "strike is not a decimal number"},
      {"SPY-2025-01-17--C", "missing strike"},
      {"SPY-2025-01-17-450-c", "right must be upper-case C or P"},
      {"SPY-2025-01-17-450-X", "right must be C or P"},
      {"SPY-2025-01-17-450", "missing '-C' or '-P' at the end"},
      {"SPY-2025-01-17-450-CALL", "missing '-C' or '-P' at the end"},
      {"SPY-2025-1-17-450-C", "missing expiry date"},
      {"SPY-2025/01/17-450-C", "expiry is not YYYY-MM-DD"},
      {"SPY-25-01-2017-450-C", "expiry is not YYYY-MM-DD"},
      {"SPY-450-C", "missing expiry date"},
      {"-2025-01-17-450-C", "missing root"},
      {"TOOLONG-2025-01-17-450-C", "root longer than 6 characters"},
      {"spy-2025-01-17-450-C", "root has a character outside A-Z 0-9 . -"},
      {"S_Y-2025-01-17-450-C", "root has a character outside A-Z 0-9 . -"},
      {".SPY-2025-01-17-450-C", "root must start with a letter or digit"},
      {" SPY-2025-01-17-450-C", "leading or trailing space"},
      {"SPY-2025-01-17-450-C ", "leading or trailing space"},
      {"AAPL  250230C00250000", "invalid date"},
      {"AAPL  230229C00250000", "invalid date"},
      {"AAPL  251301C00250000", "invalid date"},
      {"AAPL  250221X00250000", "right must be C or P"},
      {"AAPL  250221c00250000", "right must be upper-case C or P"},
      {"AAPL  250221C00000000", "strike must be positive"},
      {"AAPL  25022AC00250000", "OSI expiry is not YYMMDD"},
      {"AAPL  250221C0025000A", "OSI strike is not 8 digits"},
      {"AAPL  250221C002500.0", "OSI strike is not 8 digits"},
      {"A APL 250221C00250000", "space inside the root"},
      {"AAPL 250221C00250000", "OSI root padded but not to 6 characters"},
      {"AAPLXYZ250221C00250000", "longer than an OSI symbol (21 characters)"},
      {"250221C00250000", "too short for an OSI symbol"},
      {"aapl  250221C00250000", "root has a character outside A-Z 0-9 . -"},
      {"      250221C00250000", "leading or trailing space"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct sf_contract c;
    const char *why = NULL;
    int rc = sf_contract_parse(cases[i].id, strlen(cases[i].id), &c, &why);
    if (rc != SF_EPARSE)
      fail_msg("'%s' parsed (rc %d), expected rejection '%s'", cases[i].id, rc, cases[i].why);
    if (!why || strcmp(why, cases[i].why) != 0)
      fail_msg("'%s': why '%s', expected '%s'", cases[i].id, why ? why : "(null)", cases[i].why);
  }
  /* An embedded NUL and a NULL input are rejected, and a NULL why is allowed. */
  struct sf_contract c;
  const char *why = NULL;
  assert_int_equal(sf_contract_parse("SPY-2025-01-17-4\0"
                                     "50-C",
                                     20, &c, &why),
                   SF_EPARSE);
  check_str(why, "NUL byte inside the id");
  assert_int_equal(sf_contract_parse(NULL, 3, &c, NULL), SF_EPARSE);
  assert_int_equal(sf_contract_parse("SPY-2025-02-30-450-C", 20, &c, NULL), SF_EPARSE);
}

static void test_format_errors(void **state) {
  (void)state;
  struct sf_contract c;
  char buf[64];
  assert_int_equal(sf_contract_parse("BRK-B-2025-03-21-452.5-P", 24, &c, NULL), 0);
  /* 24 characters need 25 bytes. */
  assert_int_equal(sf_contract_format(&c, buf, 24), SF_ERANGE);
  assert_int_equal(sf_contract_format(&c, buf, 25), 24);
  assert_int_equal(sf_contract_format_osi(&c, buf, 21), SF_ERANGE);
  assert_int_equal(sf_contract_format_osi(&c, buf, 22), 21);
  struct sf_contract bad = c;
  bad.day = 31;
  bad.month = 4;
  assert_int_equal(sf_contract_format(&bad, buf, sizeof buf), SF_EINVAL);
  bad = c;
  bad.strike_milli = 0;
  assert_int_equal(sf_contract_format_osi(&bad, buf, sizeof buf), SF_EINVAL);
  bad = c;
  bad.year = 2100;
  assert_int_equal(sf_contract_format_osi(&bad, buf, sizeof buf), SF_EINVAL);
  bad = c;
  bad.right = 'c';
  assert_int_equal(sf_contract_format(&bad, buf, sizeof buf), SF_EINVAL);
  bad = c;
  bad.root[0] = '\0';
  assert_int_equal(sf_contract_format(&bad, buf, sizeof buf), SF_EINVAL);
}

static void test_expiry(void **state) {
  (void)state;
  struct sf_contract c;
  char buf[40];
  /* Epoch seconds worked out independently: 2025-01-17 21:00Z = 1737147600 (EST),
   * 2025-07-18 20:00Z = 1752868800 (EDT), 2024-02-29 21:00Z = 1709240400. */
  assert_int_equal(sf_contract_parse("SPY-2025-01-17-450-C", 20, &c, NULL), 0);
  check_i64(sf_contract_expiry_ns(&c), INT64_C(1737147600) * SF_NS_PER_S);
  assert_int_equal(sf_contract_parse("AAPL  250718P00200000", 21, &c, NULL), 0);
  check_i64(sf_contract_expiry_ns(&c), INT64_C(1752868800) * SF_NS_PER_S);
  check_str(sf_time_format_utc(sf_contract_expiry_ns(&c), buf, sizeof buf), "2025-07-18T20:00:00.000Z");
  assert_int_equal(sf_contract_parse("SPXW-2024-02-29-5000-P", 22, &c, NULL), 0);
  check_i64(sf_contract_expiry_ns(&c), INT64_C(1709240400) * SF_NS_PER_S);
}

/* xorshift64*, seeded and printed, so a failure can be replayed. */
static uint64_t rng_state;
static uint64_t rnd(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * UINT64_C(2685821657736338717);
}

static void test_roundtrip_property(void **state) {
  (void)state;
  uint64_t seed = UINT64_C(0x5eed2025c0ffee);
  const char *env = getenv("SF_TEST_SEED");
  if (env) seed = strtoull(env, NULL, 0);
  printf("# contract round-trip seed 0x%llx\n", (unsigned long long)seed);
  rng_state = seed ? seed : 1;
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-";
  for (int iter = 0; iter < 200000; iter++) {
    struct sf_contract c;
    memset(&c, 0, sizeof c);
    size_t rlen = 1 + rnd() % 6;
    c.root[0] = alphabet[rnd() % 36];
    for (size_t i = 1; i < rlen; i++) c.root[i] = alphabet[rnd() % 38];
    int64_t day = sf_days_from_civil(2000, 1, 1) + (int64_t)(rnd() % 36525);
    sf_civil_from_days(day, &c.year, &c.month, &c.day);
    if (c.year > 2099) continue;
    c.strike_milli = 1 + (int64_t)(rnd() % 99999999);
    if (rnd() % 2) c.strike_milli = (c.strike_milli / 1000 + 1) * 1000 % 100000000;
    if (c.strike_milli == 0) c.strike_milli = 1000;
    c.right = rnd() % 2 ? 'C' : 'P';
    char can[SF_CONTRACT_ID_MAX], osi[32];
    int n1 = sf_contract_format(&c, can, sizeof can);
    int n2 = sf_contract_format_osi(&c, osi, sizeof osi);
    if (n1 < 0 || n2 != 21) fail_msg("iteration %d: format failed (%d, %d) root '%s'", iter, n1, n2, c.root);
    struct sf_contract a, b;
    const char *why = NULL;
    if (sf_contract_parse(can, (size_t)n1, &a, &why) != 0) fail_msg("iteration %d: '%s': %s", iter, can, why);
    if (sf_contract_parse(osi, 21, &b, &why) != 0) fail_msg("iteration %d: '%s': %s", iter, osi, why);
    check_same(&a, &c);
    check_same(&b, &c);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_canonical_to_osi), cmocka_unit_test(test_osi_to_canonical),
      cmocka_unit_test(test_fields),           cmocka_unit_test(test_trailing_zeros_normalised),
      cmocka_unit_test(test_rejections),       cmocka_unit_test(test_format_errors),
      cmocka_unit_test(test_expiry),           cmocka_unit_test(test_roundtrip_property),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
