/* The contract table: one dense key per contract whatever the spelling (canonical, padded OSI,
 * unpadded OSI), keys 1, 2, ... in order of first sight, the canonical id back from a key,
 * malformed ids rejected without a key, and growth past the initial capacities. */
#include "harness.h"
#include "smartflow/contract.h"
#include "smartflow/err.h"

static uint32_t intern(struct sf_contract_table *t, const char *id) {
  uint32_t key = 0;
  assert_int_equal(sf_contract_table_intern(t, id, strlen(id), &key, NULL), 0);
  return key;
}

static void test_spellings_share_a_key(void **state) {
  (void)state;
  struct sf_contract_table *t;
  assert_int_equal(sf_contract_table_new(&t), 0);
  assert_int_equal(sf_contract_table_count(t), 0);
  check_i64(intern(t, "SPY-2025-01-17-450-C"), 1);
  check_i64(intern(t, "SPY   250117C00450000"), 1); /* OSI, root padded */
  check_i64(intern(t, "SPY250117C00450000"), 1);    /* OSI, unpadded */
  check_i64(intern(t, "SPY-2025-01-17-450-P"), 2);
  check_i64(intern(t, "BRK.B 250321P00452500"), 3);
  check_i64(intern(t, "BRK.B-2025-03-21-452.5-P"), 3);
  check_i64(intern(t, "SPY-2025-01-17-450-C"), 1);
  check_i64(sf_contract_table_count(t), 3);
  check_str(sf_contract_table_id(t, 1), "SPY-2025-01-17-450-C");
  check_str(sf_contract_table_id(t, 3), "BRK.B-2025-03-21-452.5-P");
  assert_null(sf_contract_table_id(t, 0));
  assert_null(sf_contract_table_id(t, 4));
  sf_contract_table_free(t);
}

static void test_malformed(void **state) {
  (void)state;
  struct sf_contract_table *t;
  assert_int_equal(sf_contract_table_new(&t), 0);
  uint32_t key = 77;
  const char *why = NULL;
  assert_int_equal(sf_contract_table_intern(t, "SPY-2025-02-30-450-C", 20, &key, &why), SF_EPARSE);
  assert_non_null(why);
  assert_int_equal(sf_contract_table_intern(t, "", 0, &key, NULL), SF_EPARSE);
  check_i64(key, 77); /* untouched */
  check_i64(sf_contract_table_count(t), 0);
  sf_contract_table_free(t);
  sf_contract_table_free(NULL);
}

static void test_growth(void **state) {
  (void)state;
  struct sf_contract_table *t;
  assert_int_equal(sf_contract_table_new(&t), 0);
  char id[64], osi[64];
  /* 3000 contracts in both spellings: past the first slot, arena and key capacities. */
  for (int i = 0; i < 3000; i++) {
    snprintf(id, sizeof id, "QQQ-2026-06-19-%d-%c", 100 + i / 2, i % 2 ? 'P' : 'C');
    check_i64(intern(t, id), i + 1);
  }
  for (int i = 0; i < 3000; i++) {
    snprintf(osi, sizeof osi, "QQQ   260619%c%08d", i % 2 ? 'P' : 'C', (100 + i / 2) * 1000);
    check_i64(intern(t, osi), i + 1);
  }
  check_i64(sf_contract_table_count(t), 3000);
  check_str(sf_contract_table_id(t, 3000), "QQQ-2026-06-19-1599-P");
  sf_contract_table_free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spellings_share_a_key),
      cmocka_unit_test(test_malformed),
      cmocka_unit_test(test_growth),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
