/* The JSON syntax validator (jsonv.h): hand-written accept/reject cases for every rule of
 * RFC 8259 with the offset where a bad text stops being JSON, UTF-8 classes (worked out from
 * RFC 3629's table), \u surrogates, the depth limit, the top-level member lookup and string
 * comparison, and a differential property test against jansson (json_loadb with
 * JSON_DECODE_ANY | JSON_ALLOW_NUL) over random mutations of valid texts; the seed is printed. */
#include <jansson.h>
#include <time.h>

#include "../harness.h"
#include "smartflow/err.h"
#include "smartflow/jsonv.h"

static int valid_n(const char *p, size_t n) {
  struct sf_jsonv v = {0};
  return sf_jsonv_check(p, n, &v) == 0;
}
static int valid(const char *s) { return valid_n(s, strlen(s)); }

static void check_bad(const char *s, size_t offset) {
  struct sf_jsonv v = {0};
  int rc = sf_jsonv_check(s, strlen(s), &v);
  if (rc != SF_EPARSE) fail_msg("'%s' accepted, expected an error at offset %zu", s, offset);
  assert_non_null(v.err);
  assert_true(v.err[0] != '\0');
  if (v.err_offset != offset)
    fail_msg("'%s': error at %zu (%s), expected %zu", s, v.err_offset, v.err, offset);
}

static void test_accepts(void **state) {
  (void)state;
  static const char *const ok[] = {
      "{}",
      "[]",
      " {} ",
      "\t\r\n[ ]\n",
      "0",
      "-0",
      "1",
      "-12",
      "0.5",
      "-0.0e0",
      "1E+2",
      "1e-2",
      "123.456e789",
      "true",
      "false",
      "null",
      "\"\"",
      "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
      "\"\\u0000\"",
      "\"\\uD83D\\uDE00\"",
      "\"\\u00e9\\u00E9\"",
      "\"\xc3\xa9\"",
      "\"\xe2\x82\xac\"",
      "\"\xf0\x9f\x98\x80\"",
      "\"\xf4\x8f\xbf\xbf\"",
      "\"\xed\x9f\xbf\"",
      "\"\xee\x80\x80\"",
      "\"\x7f\"",
      "{\"a\":1,\"b\":[1,2,{\"c\":null}],\"d\":{}}",
      "[[[[[]]]]]",
      "[1 , 2 ,3]",
      "{ \"a\" : \"b\" }",
      "{\"a\":1,\"a\":2}",
      "[-1.5e-3,true,false,null,\"x\"]",
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    if (!valid(ok[i])) {
      struct sf_jsonv v = {0};
      sf_jsonv_check(ok[i], strlen(ok[i]), &v);
      fail_msg("'%s' refused: %s at %zu", ok[i], v.err, v.err_offset);
    }
  struct sf_jsonv v = {0};
  assert_int_equal(sf_jsonv_check(" {\"a\":1}", 8, &v), 0);
  check_i64(v.kind, SF_JSONV_OBJECT);
  assert_int_equal(sf_jsonv_check("[1]", 3, &v), 0);
  check_i64(v.kind, SF_JSONV_ARRAY);
  assert_int_equal(sf_jsonv_check("-1", 2, &v), 0);
  check_i64(v.kind, SF_JSONV_NUMBER);
  assert_int_equal(sf_jsonv_check("\"x\"", 3, &v), 0);
  check_i64(v.kind, SF_JSONV_STRING);
  check_str(v.err, "");
  /* A NUL inside the length is not whitespace; text past len is not read. */
  assert_false(valid_n("{}\0", 3));
  assert_true(valid_n("{}xyz", 2));
}

static void test_rejects_with_offset(void **state) {
  (void)state;
  check_bad("", 0);
  check_bad("   ", 3);
  check_bad("{", 1);
  check_bad("{\"a\"", 4);
  check_bad("{\"a\":", 5);
  check_bad("{\"a\":1", 6);
  check_bad("{\"a\":1,}", 7); /* trailing comma: a key is expected */
  check_bad("[1,]", 3);       /* trailing comma: a value is expected */
  check_bad("[1 2]", 3);
  check_bad("{\"a\" 1}", 5);
  check_bad("{a:1}", 1);     /* unquoted key */
  check_bad("{\"a\":1]", 6); /* mismatched close */
  check_bad("[1}", 2);
  check_bad("{}}", 2);
  check_bad("{} {}", 3);
  check_bad("01", 1); /* leading zero: the value ends after 0 */
  check_bad("-", 1);
  check_bad("+1", 0);
  check_bad(".5", 0);
  check_bad("1.", 2);
  check_bad("1.e5", 2);
  check_bad("1e", 2);
  check_bad("1e+", 3);
  check_bad("0x10", 1);
  check_bad("NaN", 0);
  check_bad("Infinity", 0);
  check_bad("tru", 0);
  check_bad("nul", 0);
  check_bad("True", 0);
  check_bad("\"abc", 4);
  check_bad("\"a\tb\"", 2); /* raw control character */
  check_bad("\"a\\x\"", 2); /* unknown escape */
  check_bad("\"\\u12\"", 1);
  check_bad("\"\\u12G4\"", 1);
  check_bad("\"\\uDC00\"", 1); /* lone low surrogate */
  check_bad("\"\\uD800\"", 1); /* lone high surrogate */
  check_bad("\"\\uD800\\u0041\"", 1);
  check_bad("\"\\uD800x\"", 1);
  check_bad("'a'", 0);
  check_bad("[1,2", 4);
  check_bad("{\"a\":[1,{\"b\":tru}]}", 13);
}

static void test_utf8_classes(void **state) {
  (void)state;
  /* RFC 3629 section 4: each byte class at the edges of its range. */
  static const char *const bad[] = {
      "\"\x80\"", /* lone continuation byte */
      "\"\xbf\"",
      "\"\xc0\x80\"", /* C0/C1: overlong ASCII */
      "\"\xc1\xbf\"",
      "\"\xe0\x80\x80\"", /* E0 needs A0..BF next (overlong) */
      "\"\xe0\x9f\xbf\"",
      "\"\xed\xa0\x80\"", /* ED A0..BF: an encoded surrogate */
      "\"\xed\xbf\xbf\"",
      "\"\xf0\x80\x80\x80\"", /* F0 needs 90..BF next (overlong) */
      "\"\xf0\x8f\xbf\xbf\"",
      "\"\xf4\x90\x80\x80\"", /* above U+10FFFF */
      "\"\xf5\x80\x80\x80\"", /* F5..FF never occur */
      "\"\xff\"",
      "\"\xc3\"", /* truncated before the closing quote */
      "\"\xe2\x82\"",
      "\"\xc3\x28\"", /* second byte not a continuation */
      "\"\xe2\x28\xa1\"",
      "\"\xf0\x9f\x98\x28\"",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct sf_jsonv v = {0};
    if (sf_jsonv_check(bad[i], strlen(bad[i]), &v) != SF_EPARSE) fail_msg("bad UTF-8 case %zu accepted", i);
    check_i64(v.err_offset, 1);
    check_str(v.err, "invalid UTF-8 in a string");
  }
  /* Truncated at the very end of the text (no closing quote): the checker must not read past len. */
  assert_false(valid_n("\"\xe2\x82\xac", 3));
  /* The shared checker's lengths. */
  const unsigned char e[] = {0xe2, 0x82, 0xac}, f[] = {0xf0, 0x9f, 0x98, 0x80}, c[] = {0xc3, 0xa9};
  check_i64(sf_utf8_seq_len(e, e + 3), 3);
  check_i64(sf_utf8_seq_len(f, f + 4), 4);
  check_i64(sf_utf8_seq_len(c, c + 2), 2);
  check_i64(sf_utf8_seq_len(f, f + 3), 0);
}

static void test_depth(void **state) {
  (void)state;
  size_t n = SF_JSONV_MAX_DEPTH;
  char *s = malloc(2 * n + 2);
  assert_non_null(s);
  memset(s, '[', n);
  memset(s + n, ']', n);
  assert_true(valid_n(s, 2 * n));
  memset(s, '[', n + 1);
  memset(s + n + 1, ']', n + 1);
  struct sf_jsonv v = {0};
  assert_int_equal(sf_jsonv_check(s, 2 * n + 2, &v), SF_EPARSE);
  check_i64(v.err_offset, n);
  /* Mixed objects and arrays across the 64-bit words of the stack. */
  char buf[600];
  size_t k = 0;
  for (int i = 0; i <= 100; i++) k += (size_t)snprintf(buf + k, sizeof buf - k, i % 3 ? "[" : "{\"k\":");
  for (int i = 100; i >= 0; i--) buf[k++] = i % 3 ? ']' : '}';
  assert_true(k < sizeof buf);
  /* The innermost container (i = 100, an array) is empty. */
  assert_true(valid_n(buf, k));
  buf[k - 1] = ']'; /* the outermost object closed as an array */
  assert_false(valid_n(buf, k));
  free(s);
}

static void test_member(void **state) {
  (void)state;
  const char *t = "{\"x\":{\"id\":\"inner\"},\"id\" : \"ev-1\" ,\"id\":\"second\",\"y\":[1]}";
  struct sf_jsonv v = {.key = "id"};
  assert_int_equal(sf_jsonv_check(t, strlen(t), &v), 0);
  assert_non_null(v.val);
  check_i64(v.val_len, 6);
  assert_memory_equal(v.val, "\"ev-1\"", 6);
  v.key = "x";
  assert_int_equal(sf_jsonv_check(t, strlen(t), &v), 0);
  check_i64(v.val_len, 14);
  assert_memory_equal(v.val, "{\"id\":\"inner\"}", 14);
  v.key = "y";
  assert_int_equal(sf_jsonv_check(t, strlen(t), &v), 0);
  assert_memory_equal(v.val, "[1]", 3);
  check_i64(v.val_len, 3);
  v.key = "missing";
  assert_int_equal(sf_jsonv_check(t, strlen(t), &v), 0);
  assert_null(v.val);
  v.key = "id";
  assert_int_equal(sf_jsonv_check("[{\"id\":1}]", 10, &v), 0);
  assert_null(v.val); /* not a top-level member */
  assert_int_equal(sf_jsonv_check("{\"id\":1", 7, &v), SF_EPARSE);
  assert_null(v.val); /* nothing reported from an invalid text */

  assert_true(sf_jsonv_str_eq("\"ev-1\"", 6, "ev-1", 4));
  assert_false(sf_jsonv_str_eq("\"ev-1\"", 6, "ev-10", 5));
  assert_false(sf_jsonv_str_eq("\"ev-10\"", 7, "ev-1", 4));
  assert_true(sf_jsonv_str_eq("\"a\\/b\\\"c\\\\\"", 11, "a/b\"c\\", 6));
  assert_true(sf_jsonv_str_eq("\"\\u00e9\"", 8, "\xc3\xa9", 2));
  assert_true(sf_jsonv_str_eq("\"\\uD83D\\uDE00!\"", 15, "\xf0\x9f\x98\x80!", 5));
  assert_true(sf_jsonv_str_eq("\"\"", 2, "", 0));
  assert_false(sf_jsonv_str_eq("1", 1, "1", 1));
}

/* ---- differential test against jansson ---- */

static uint64_t rng_state;
static uint64_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

static int jansson_accepts(const char *p, size_t n, int *indeterminate) {
  json_error_t e;
  json_t *j = json_loadb(p, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
  *indeterminate = 0;
  if (j) {
    json_decref(j);
    return 1;
  }
  /* jansson refuses numbers that overflow its int64 / double, which RFC 8259 allows. */
  if (strstr(e.text, "too big") || strstr(e.text, "overflow")) *indeterminate = 1;
  return 0;
}

static void test_against_jansson(void **state) {
  (void)state;
  static const char *const seeds[] = {
      "{\"trace_id\":\"t-1\",\"ts\":1736899200000,\"price\":1.25,\"size\":10,\"conditions\":[\"a\",\"b\"],"
      "\"nbbo\":{\"bid\":null,\"ask\":-0.5e-3},\"long\":\"abcdefghijklmnopqrstuvwxyz0123456789 spaces "
      "and\\t\xe2\x82\xac "
      "escapes, long enough for the 8-byte scan\",\"ok\":true,\"no\":false,\"s\":\"\\u00e9\\n\xc3\xa9\"}",
      "[1,[2,[3,{\"x\":\"\\uD83D\\uDE00\"}]],-0,0.0,1E5]",
      "\"\xe2\x82\xac\\\"\"",
  };
  static const char alphabet[] =
      "{}[]\":,\\/ -+.0123456789eEtrufalsnbu\x01\t\n\xc3\xa9\xed\xa0\xf4\x90\x80\xff";
  rng_state = (uint64_t)time(NULL) * 2654435761u + 1;
  printf("jsonv differential seed %llu\n", (unsigned long long)rng_state);
  char buf[512];
  size_t agreed_valid = 0, agreed_invalid = 0;
  for (int iter = 0; iter < 200000; iter++) {
    const char *seed = seeds[rnd() % 3];
    size_t n = strlen(seed);
    memcpy(buf, seed, n);
    int edits = 1 + (int)(rnd() % 3);
    for (int e = 0; e < edits; e++) {
      size_t at = n ? rnd() % n : 0;
      char c = alphabet[rnd() % (sizeof alphabet - 1)];
      switch (rnd() % 3) {
        case 0: /* replace */
          if (n) buf[at] = c;
          break;
        case 1: /* insert */
          if (n + 1 < sizeof buf) {
            memmove(buf + at + 1, buf + at, n - at);
            buf[at] = c;
            n++;
          }
          break;
        default: /* delete */
          if (n) {
            memmove(buf + at, buf + at + 1, n - at - 1);
            n--;
          }
          break;
      }
    }
    int indeterminate;
    int want = jansson_accepts(buf, n, &indeterminate);
    struct sf_jsonv v = {0};
    int got = sf_jsonv_check(buf, n, &v) == 0;
    /* jansson stops at a number it cannot hold, so the rest of the text is not judged. */
    if (indeterminate) continue;
    if (got != want)
      fail_msg("iteration %d: validator %s, jansson %s: '%.*s' (%s at %zu)", iter,
               got ? "accepts" : "refuses", want ? "accepts" : "refuses", (int)n, buf, v.err, v.err_offset);
    if (got)
      agreed_valid++;
    else
      agreed_invalid++;
  }
  printf("agreed on %zu valid and %zu invalid texts\n", agreed_valid, agreed_invalid);
  assert_true(agreed_valid > 1000 && agreed_invalid > 1000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_accepts),      cmocka_unit_test(test_rejects_with_offset),
      cmocka_unit_test(test_utf8_classes), cmocka_unit_test(test_depth),
      cmocka_unit_test(test_member),       cmocka_unit_test(test_against_jansson),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
