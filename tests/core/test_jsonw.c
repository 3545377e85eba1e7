/* The streaming JSON writer against jansson 2.14, byte for byte: reals (hand-worked cases for
 * the ".0" suffix, the exponent form and ties, then over two million random bit patterns and decimal
 * values compared with json_dumps(JSON_REAL_PRECISION(15)); the seed is printed), string
 * escaping and UTF-8 validation (every accepted/rejected sequence class of jansson's utf.c),
 * integers, commas in nested containers, and the sticky error flag. */
#include <float.h>
#include <jansson.h>
#include <time.h>

#include "../harness.h"
#include "smartflow/err.h"
#include "smartflow/jsonw.h"

static char *jansson_dump(json_t *j) {
  char *s = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
  json_decref(j);
  return s;
}

static void check_real(double v) {
  char buf[40];
  int n = sf_jw_fmt_real(v, buf);
  char *want = jansson_dump(json_real(v));
  assert_non_null(want);
  if (isinf(strtod(want, NULL))) { /* jansson's text overflows: the writer's must read back */
    if (n < 0 || strtod(buf, NULL) != v) fail_msg("real %.17g: writer \"%s\" does not read back", v, buf);
    free(want);
    return;
  }
  if (n < 0 || strcmp(buf, want) != 0) fail_msg("real %.17g: writer \"%s\", jansson \"%s\"", v, buf, want);
  assert_int_equal((size_t)n, strlen(want));
  free(want);
}

static void test_real_cases(void **state) {
  (void)state;
  /* Expected texts worked out from %.15g and jansson's post-processing. */
  static const struct {
    double v;
    const char *want;
  } cases[] = {
      {0.0, "0.0"},
      {-0.0, "-0.0"},
      {100.0, "100.0"},
      {1234567.0, "1234567.0"},
      {0.1 + 0.2, "0.3"},
      {1e14, "100000000000000.0"},
      {1e15, "1e15"},
      {-1e15, "-1e15"},
      {1.5e16, "1.5e16"},
      {0.0001, "0.0001"},
      {0.00001, "1e-5"},
      {2.5e-5, "2.5e-5"},
      {123456789.123456789, "123456789.123457"},
      {1.797693134862315e308, "1.79769313486231e308"}, /* the largest whose 15 digits parse back */
      {5e-324, "4.94065645841247e-324"},
      {1000000000000005.0, "1e15"},                /* exact tie, rounds to even */
      {1000000000000015.0, "1.00000000000002e15"}, /* exact tie, rounds to even (up) */
      {999999999999999.5, "1e15"},                 /* rounds into the next decade */
      {0.5, "0.5"},
      {3.14159, "3.14159"},
      {999999999999999.0, "999999999999999.0"}, /* log10() says 15: the decade is found exactly */
      {99999999999999.9, "99999999999999.9"},
      {0.999999999999999, "0.999999999999999"},
      {9.99999999999999e-5, "9.99999999999999e-5"},
      {9.99999999999999e29, "9.99999999999999e29"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char buf[40];
    int n = sf_jw_fmt_real(cases[i].v, buf);
    if (n < 0 || strcmp(buf, cases[i].want) != 0)
      fail_msg("real %.17g: \"%s\", expected \"%s\"", cases[i].v, buf, cases[i].want);
    check_real(cases[i].v);
  }
  char buf[40];
  assert_int_equal(sf_jw_fmt_real(NAN, buf), -1);
  assert_int_equal(sf_jw_fmt_real(INFINITY, buf), -1);
}

/* Near DBL_MAX, 15 digits round up past it (1.79769313486232e308 does not parse: overflow), so
 * the writer uses 17 there; the expected texts are %.17g of the values with the exponent's '+'
 * dropped. Everything from 1.797693134862315e308 down keeps jansson's 15 digits (above). */
static void test_real_near_dbl_max(void **state) {
  (void)state;
  double below1 = nextafter(DBL_MAX, 0), below3 = nextafter(nextafter(below1, 0), 0);
  static const char *const want[] = {"1.7976931348623157e308", "-1.7976931348623157e308",
                                     "1.7976931348623155e308", "1.7976931348623151e308"};
  const double vals[] = {DBL_MAX, -DBL_MAX, below1, below3};
  for (size_t i = 0; i < 4; i++) {
    char buf[40];
    int n = sf_jw_fmt_real(vals[i], buf);
    check_str(buf, want[i]);
    assert_int_equal((size_t)n, strlen(want[i]));
    /* It parses back, with jansson too, to the same double. */
    json_error_t e;
    json_t *j = json_loads(buf, JSON_DECODE_ANY, &e);
    if (!j) fail_msg("jansson cannot parse \"%s\": %s", buf, e.text);
    assert_true(json_real_value(j) == vals[i]);
    json_decref(j);
  }
  /* The first value below keeps 15 digits, and jansson reads it back (to a nearby double). */
  char buf[40];
  sf_jw_fmt_real(nextafter(below3, 0), buf);
  check_str(buf, "1.79769313486231e308");
  check_real(nextafter(below3, 0));
  /* And in a document: the writer's output round-trips through jansson. */
  struct sf_jw w;
  sf_jw_init(&w);
  sf_jw_real(&w, DBL_MAX);
  assert_int_equal(sf_jw_status(&w), 0);
  json_t *j = json_loadb(w.p, w.len, JSON_DECODE_ANY, NULL);
  assert_non_null(j);
  assert_true(json_real_value(j) == DBL_MAX);
  json_decref(j);
  sf_jw_fini(&w);
}

static uint64_t mix(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static void test_real_random(void **state) {
  (void)state;
  uint64_t seed = (uint64_t)time(NULL);
  const char *env = getenv("SF_TEST_SEED");
  if (env) seed = strtoull(env, NULL, 10);
  printf("test_real_random seed=%llu (SF_TEST_SEED to replay)\n", (unsigned long long)seed);
  uint64_t x = seed;
  for (int i = 0; i < 150000; i++) {
    /* Any bit pattern. */
    uint64_t bits = mix(&x);
    double v;
    memcpy(&v, &bits, sizeof v);
    if (isfinite(v)) check_real(v);
    /* Decimal-looking values: prices, ratios, sizes at every scale. */
    int64_t mant = (int64_t)(mix(&x) % 100000000000000000ull) - 50000000000000000ll;
    int ex = (int)(mix(&x) % 50) - 30;
    check_real((double)mant * pow(10.0, ex));
    check_real((double)(mix(&x) % 10000000) / 100.0);
    /* Integers near 2^53 and x.5 ties at the 16th digit. */
    check_real((double)(mix(&x) >> 11));
    check_real((double)(1000000000000000ull + (mix(&x) % 1000000000000000ull)) * 10.0 + 5.0);
    /* Neighbours of powers of ten. */
    double p = pow(10.0, (double)((int)(mix(&x) % 60) - 30));
    check_real(nextafter(p, 0));
    check_real(p);
    check_real(nextafter(p, INFINITY));
    /* 15 nines (and fewer) at every scale, and their neighbours. */
    double nines =
        (pow(10.0, (double)(1 + (int)(mix(&x) % 15))) - 1) * pow(10.0, (double)((int)(mix(&x) % 50) - 30));
    check_real(nines);
    check_real(nextafter(nines, 0));
    check_real(nextafter(nines, INFINITY));
  }
}

static void test_strings(void **state) {
  (void)state;
  static const char *const ok[] = {
      "",
      "plain",
      "q\"b\\s/",
      "\b\f\n\r\t",
      "\x01\x1f\x7f",
      "caf\xc3\xa9",
      "\xe2\x82\xac",
      "\xf0\x9f\x98\x80",
      "\xed\x9f\xbf",
      "\xee\x80\x80",
      "\xf4\x8f\xbf\xbf",
      "\xc2\x80",
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    struct sf_jw w;
    sf_jw_init(&w);
    sf_jw_str(&w, ok[i]);
    const char *got = sf_jw_cstr(&w, NULL);
    char *want = jansson_dump(json_string(ok[i]));
    assert_non_null(got);
    assert_non_null(want);
    check_str(got, want);
    free(want);
    sf_jw_fini(&w);
  }
  struct sf_jw w;
  sf_jw_init(&w);
  sf_jw_strn(&w, "a\0b", 3);
  check_str(sf_jw_cstr(&w, NULL), "\"a\\u0000b\"");
  sf_jw_reset(&w);
  sf_jw_str(&w, "\x1f\x0b");
  check_str(sf_jw_cstr(&w, NULL), "\"\\u001F\\u000B\"");
  sf_jw_fini(&w);

  /* Invalid UTF-8: continuation first, overlong, C0/C1, surrogate, > U+10FFFF, F5, truncated. */
  static const char *const bad[] = {
      "\x80",
      "\xc0\x80",
      "\xc1\xbf",
      "\xe0\x80\x80",
      "\xed\xa0\x80",
      "\xf4\x90\x80\x80",
      "\xf5\x80\x80\x80",
      "\xe2\x82",
      "ab\xff",
      "\xc3(",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_null(json_string(bad[i])); /* jansson refuses it too */
    sf_jw_init(&w);
    sf_jw_arr_begin(&w);
    sf_jw_str(&w, bad[i]);
    sf_jw_int(&w, 1);
    sf_jw_arr_end(&w);
    assert_int_equal(sf_jw_status(&w), SF_EINVAL);
    assert_null(sf_jw_cstr(&w, NULL));
    assert_null(sf_jw_take(&w, NULL));
    sf_jw_fini(&w);
  }
}

static void test_structure(void **state) {
  (void)state;
  struct sf_jw w;
  sf_jw_init(&w);
  sf_jw_obj_begin(&w);
  SF_JW_KEY(&w, "a");
  sf_jw_int(&w, INT64_MIN);
  sf_jw_key(&w, "b\"");
  sf_jw_arr_begin(&w);
  sf_jw_int(&w, INT64_MAX);
  sf_jw_obj_begin(&w);
  sf_jw_obj_end(&w);
  sf_jw_arr_begin(&w);
  sf_jw_arr_end(&w);
  sf_jw_null(&w);
  sf_jw_bool(&w, true);
  sf_jw_bool(&w, false);
  sf_jw_raw(&w, "{\"x\":1}", 7);
  sf_jw_real(&w, -2.5);
  sf_jw_int(&w, 0);
  sf_jw_arr_end(&w);
  SF_JW_KEY(&w, "c");
  sf_jw_str(&w, "v");
  sf_jw_obj_end(&w);
  sf_jw_bytes(&w, "\n", 1);
  size_t len = 0;
  char *s = sf_jw_take(&w, &len);
  check_str(s,
            "{\"a\":-9223372036854775808,\"b\\\"\":[9223372036854775807,{},[],null,true,false,{\"x\":1},"
            "-2.5,0],\"c\":\"v\"}\n");
  assert_int_equal(len, strlen(s));
  free(s);
  assert_null(w.p);

  /* A non-finite real is refused like json_real refuses it. */
  sf_jw_init(&w);
  sf_jw_real(&w, NAN);
  assert_int_equal(sf_jw_status(&w), SF_EINVAL);
  sf_jw_reset(&w);
  assert_int_equal(sf_jw_status(&w), 0);
  sf_jw_int(&w, 7);
  check_str(sf_jw_cstr(&w, NULL), "7");
  sf_jw_fini(&w);
}

static void test_jansson_values(void **state) {
  (void)state;
  json_error_t e;
  const char *text =
      "{\"k\":[1,2.5,\"s\\u0001\\u00e9\",true,false,null,{\"z\":{},\"a\":[]}],\"e\":1e-7,"
      "\"n\":-3}";
  json_t *j = json_loads(text, 0, &e);
  assert_non_null(j);
  struct sf_jw w;
  sf_jw_init(&w);
  sf_jw_jansson(&w, j);
  char *want = jansson_dump(j);
  check_str(sf_jw_cstr(&w, NULL), want);
  free(want);
  sf_jw_fini(&w);
}

static void test_growth(void **state) {
  (void)state;
  struct sf_jw w;
  sf_jw_init(&w);
  sf_jw_arr_begin(&w);
  for (int i = 0; i < 100000; i++) sf_jw_int(&w, i);
  sf_jw_arr_end(&w);
  size_t len;
  const char *s = sf_jw_cstr(&w, &len);
  json_error_t e;
  json_t *j = json_loadb(s, len, 0, &e);
  assert_non_null(j);
  assert_int_equal(json_array_size(j), 100000);
  assert_int_equal(json_integer_value(json_array_get(j, 99999)), 99999);
  json_decref(j);
  sf_jw_fini(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_real_cases),  cmocka_unit_test(test_real_near_dbl_max),
      cmocka_unit_test(test_real_random), cmocka_unit_test(test_strings),
      cmocka_unit_test(test_structure),   cmocka_unit_test(test_jansson_values),
      cmocka_unit_test(test_growth),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
