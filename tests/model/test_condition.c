/* Conditions: every code of both vendor tables (OPRA letters and the numeric vendor ids) maps
 * to the bits worked out by hand from the code's definition, names convert both ways, and codes
 * outside the tables are reported unknown. */
#include "harness.h"
#include "smartflow/condition.h"

#define B(x) SF_COND_##x

struct code {
  char letter;
  int id;
  uint32_t bits;
};

/* Expected meaning of each code, written from the OPRA definitions (see condition.c). */
static const struct code codes[] = {
    {'A', 201, B(CANCEL)},
    {'B', 202, B(LATE)},
    {'C', 203, B(CANCEL)},
    {'D', 204, B(LATE)},
    {'E', 205, B(CANCEL) | B(OPENING)},
    {'F', 206, B(OPENING) | B(LATE)},
    {'G', 207, B(CANCEL)},
    {'H', 208, B(OPENING) | B(LATE)},
    {'I', 209, B(FILL)},
    {'J', 210, B(OPENING)},
    {'S', 219, B(ISO)},
    {'a', 227, B(AUCTION)},
    {'b', 228, B(AUCTION) | B(ISO)},
    {'c', 229, B(CROSS)},
    {'d', 230, B(CROSS) | B(ISO)},
    {'e', 231, B(FLOOR)},
    {'f', 232, B(COMPLEX)},
    {'g', 233, B(COMPLEX) | B(AUCTION)},
    {'h', 234, B(COMPLEX) | B(CROSS)},
    {'i', 235, B(COMPLEX) | B(FLOOR)},
    {'j', 236, B(COMPLEX)},
    {'k', 237, B(STOCK_TIE) | B(COMPLEX) | B(AUCTION)},
    {'l', 238, B(COMPLEX) | B(AUCTION)},
    {'m', 239, B(COMPLEX) | B(FLOOR)},
    {'n', 240, B(STOCK_TIE) | B(COMPLEX)},
    {'o', 241, B(STOCK_TIE) | B(COMPLEX) | B(CROSS)},
    {'p', 242, B(STOCK_TIE) | B(COMPLEX) | B(FLOOR)},
    {'q', 243, B(STOCK_TIE) | B(COMPLEX)},
    {'r', 244, B(STOCK_TIE) | B(COMPLEX) | B(AUCTION)},
    {'s', 245, B(STOCK_TIE) | B(COMPLEX) | B(FLOOR)},
    {'t', 246, B(COMPLEX) | B(FLOOR)},
    {'u', 247, B(COMPLEX) | B(CROSS)},
    {'v', 248, 0},
};

static void test_every_code(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    int known = -1;
    uint32_t bits = sf_condition_from_opra_letter(codes[i].letter, &known);
    if (known != 1 || bits != codes[i].bits)
      fail_msg("OPRA '%c': bits 0x%x known %d, expected 0x%x", codes[i].letter, bits, known, codes[i].bits);
    known = -1;
    bits = sf_condition_from_vendor_id(codes[i].id, &known);
    if (known != 1 || bits != codes[i].bits)
      fail_msg("vendor %d: bits 0x%x known %d, expected 0x%x", codes[i].id, bits, known, codes[i].bits);
    assert_non_null(sf_condition_describe_opra_letter(codes[i].letter));
    /* The two tables describe the same condition. */
    check_str(sf_condition_describe_opra_letter(codes[i].letter),
              sf_condition_describe_vendor_id(codes[i].id));
  }
  int known = -1;
  check_i64(sf_condition_from_opra_letter(' ', &known), B(FILL));
  check_i64(known, 1);
  check_str(sf_condition_describe_vendor_id(219), "ISOI: intermarket sweep order");
  check_str(sf_condition_describe_opra_letter('a'), "SLAN: single-leg auction, non-ISO");
  /* ISO never implies SWEEP; no code says SPREAD, CLOSING or CORRECTION. */
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
    assert_false(sf_condition_from_vendor_id(codes[i].id, NULL) &
                 (B(SWEEP) | B(SPREAD) | B(CLOSING) | B(CORRECTION)));
  /* Every stock-tied code is also complex (a multi-leg order). */
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
    if (codes[i].bits & B(STOCK_TIE)) assert_true(codes[i].bits & B(COMPLEX));
}

static void test_unknown_codes(void **state) {
  (void)state;
  static const char letters[] = {'K', 'L', 'R', 'T', 'Z', 'w', 'x', 'z', '0', '9', '\0', '*'};
  for (size_t i = 0; i < sizeof letters; i++) {
    int known = -1;
    check_i64(sf_condition_from_opra_letter(letters[i], &known), 0);
    if (known != 0) fail_msg("OPRA 0x%02x reported known", (unsigned)(unsigned char)letters[i]);
    assert_null(sf_condition_describe_opra_letter(letters[i]));
  }
  static const int ids[] = {0, 1, 200, 211, 212, 218, 220, 226, 249, 250, -1, 100000};
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
    int known = -1;
    check_i64(sf_condition_from_vendor_id(ids[i], &known), 0);
    if (known != 0) fail_msg("vendor id %d reported known", ids[i]);
    assert_null(sf_condition_describe_vendor_id(ids[i]));
  }
  /* known may be NULL. */
  check_i64(sf_condition_from_vendor_id(209, NULL), B(FILL));
  check_i64(sf_condition_from_opra_letter('Q', NULL), 0);
}

static void test_names(void **state) {
  (void)state;
  static const char *const expect[SF_COND_COUNT] = {"ISO",     "SWEEP",  "COMPLEX",    "SPREAD",  "STOCK_TIE",
                                                    "AUCTION", "CROSS",  "FLOOR",      "OPENING", "CLOSING",
                                                    "LATE",    "CANCEL", "CORRECTION", "FILL"};
  for (int i = 0; i < SF_COND_COUNT; i++) {
    uint32_t bit = sf_condition_bit(i);
    check_str(sf_condition_name(bit), expect[i]);
    check_i64(sf_condition_from_name(expect[i], strlen(expect[i])), bit);
  }
  check_i64(SF_COND_ISO, 1);
  check_i64(SF_COND_FILL, 1 << 13);
  assert_null(sf_condition_name(0));
  assert_null(sf_condition_name(SF_COND_ISO | SF_COND_SWEEP));
  assert_null(sf_condition_name(1u << 14));
  assert_null(sf_condition_name(1u << 31));
  check_i64(sf_condition_from_name("iso", 3), 0);
  check_i64(sf_condition_from_name("ISO", 2), 0);
  check_i64(sf_condition_from_name("ISOX", 4), 0);
  check_i64(sf_condition_from_name("", 0), 0);
  check_i64(sf_condition_from_name(NULL, 0), 0);
  /* Length-bounded: "CROSSED" read as 5 bytes is CROSS. */
  check_i64(sf_condition_from_name("CROSSED", 5), SF_COND_CROSS);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_every_code), cmocka_unit_test(test_unknown_codes),
                                     cmocka_unit_test(test_names)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
