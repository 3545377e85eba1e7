/* The load client's sans-I/O parsers (src/app/bench.h): the HTTP/1.1 response head (complete,
 * partial, headers in any case, malformed) and the page scanner (element counts with nested
 * values and strings that contain brackets and escaped quotes, cursors null or set in either key
 * order, malformed pages), plus the scanner against a page the real encoder produced. */
#include "harness.h"

#include <jansson.h>

#include "app/bench.h"
#include "smartflow/err.h"
#include "smartflow/record_json.h"

static void test_head_complete(void **state) {
  (void)state;
  const char *r =
      "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nCONTENT-LENGTH: 23\r\n"
      "Connection: keep-alive\r\n\r\n{\"data\":[],\"next\":null}xxx";
  struct sf_bench_http_head h;
  assert_int_equal(sf_bench_http_head_parse(r, strlen(r), &h), 1);
  assert_int_equal(h.status, 200);
  assert_int_equal(h.content_length, 23);
  assert_false(h.chunked);
  assert_false(h.close);
  /* The head ends right after the blank line: 17 + 32 + 20 + 24 + 2 bytes. */
  assert_int_equal(h.head_len, 95);
  check_str(r + h.head_len, "{\"data\":[],\"next\":null}xxx");
}

static void test_head_partial_and_flags(void **state) {
  (void)state;
  const char *r = "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
  struct sf_bench_http_head h;
  for (size_t n = 0; n < strlen(r); n++) assert_int_equal(sf_bench_http_head_parse(r, n, &h), 0);
  assert_int_equal(sf_bench_http_head_parse(r, strlen(r), &h), 1);
  assert_int_equal(h.status, 404);
  assert_int_equal(h.content_length, -1);
  assert_true(h.chunked);
  assert_true(h.close);
}

static void test_head_malformed(void **state) {
  (void)state;
  struct sf_bench_http_head h;
  const char *bad[] = {"HTTP/2 200\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n", "SMTP/1.1 200 OK\r\n\r\n",
                       "HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n",
                       "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    if (sf_bench_http_head_parse(bad[i], strlen(bad[i]), &h) != SF_EPARSE) fail_msg("accepted: %s", bad[i]);
}

static void scan_ok(const char *page, const char *key, size_t count, bool has_next, int64_t ts, int64_t seq) {
  struct sf_bench_page pg;
  if (sf_bench_page_scan(page, strlen(page), key, &pg) != 0) fail_msg("rejected: %s", page);
  assert_true(pg.has_data);
  assert_int_equal(pg.count, count);
  assert_int_equal(pg.has_next, has_next);
  if (has_next) {
    check_i64(pg.next_ts, ts);
    check_i64(pg.next_seq, seq);
  }
}

static void test_scan_counts_and_cursors(void **state) {
  (void)state;
  scan_ok("{\"data\":[]}", NULL, 0, false, 0, 0);
  scan_ok(" { \"data\" : [ ] , \"next_before\" : null } ", "next_before", 0, false, 0, 0);
  /* Nested arrays and objects, strings with brackets, commas, escaped quotes and backslashes. */
  scan_ok(
      "{\"data\":[{\"a\":[1,2,{\"b\":\"],[{\"}]}, \"x\\\"],\\\\\", [3,[4]], 5, null],"
      "\"next_before\":{\"ts\":1736951400123,\"seq\":42}}",
      "next_before", 5, true, 1736951400123, 42);
  /* Key order of the cursor does not matter; a "data" key nested deeper is not the page's. */
  scan_ok("{\"meta\":{\"data\":[1,2,3]},\"next\":{\"seq\":-7,\"ts\":5},\"data\":[true,false]}", "next", 2,
          true, 5, -7);
  /* The other cursor key is ignored when not asked for. */
  scan_ok("{\"next\":{\"ts\":1,\"seq\":2},\"data\":[1]}", "next_before", 1, false, 0, 0);
  struct sf_bench_page pg;
  assert_int_equal(sf_bench_page_scan("{\"x\":1}", 7, NULL, &pg), 0);
  assert_false(pg.has_data);
}

static void test_scan_malformed(void **state) {
  (void)state;
  const char *bad[] = {
      "[1,2]",                                           /* not an object */
      "{\"data\":[1,2}",                                 /* mismatched bracket */
      "{\"data\":[1,2]",                                 /* unterminated */
      "{\"data\":[\"abc]}",                              /* unterminated string */
      "{\"data\":[]} x",                                 /* trailing bytes */
      "{\"data\":[],\"next\":{\"ts\":1}}",               /* cursor without seq */
      "{\"data\":[],\"next\":{\"ts\":1,\"seq\":\"2\"}}", /* cursor seq not an integer */
      "{\"data\":[],\"next\":{\"ts\":1,\"seq\":2,\"x\":3}}",
      "{\"data\":[],\"next\":7}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    struct sf_bench_page pg;
    if (sf_bench_page_scan(bad[i], strlen(bad[i]), "next", &pg) != SF_EPARSE)
      fail_msg("accepted: %s", bad[i]);
  }
}

/* A page of real encoded events: the scanner agrees with jansson. */
static void test_scan_real_page(void **state) {
  (void)state;
  json_t *page = json_object(), *data = json_array();
  for (int i = 0; i < 37; i++) {
    struct sf_record r;
    sf_bench_make_event(&r, i);
    json_array_append_new(data, sf_record_to_json(&r));
    sf_record_fini(&r);
  }
  json_object_set_new(page, "data", data);
  json_object_set_new(page, "next_before",
                      json_pack("{sIsI}", "ts", (json_int_t)1736951400009, "seq", (json_int_t)36));
  char *text = json_dumps(page, JSON_COMPACT);
  json_decref(page);
  struct sf_bench_page pg;
  assert_int_equal(sf_bench_page_scan(text, strlen(text), "next_before", &pg), 0);
  assert_int_equal(pg.count, 37);
  assert_true(pg.has_next);
  check_i64(pg.next_ts, 1736951400009);
  check_i64(pg.next_seq, 36);
  free(text);
}

static void test_pct(void **state) {
  (void)state;
  int64_t v[10] = {9, 1, 8, 2, 7, 3, 6, 4, 5, 10};
  check_i64(sf_bench_pct(v, 10, 0.5), 6); /* nearest rank above the middle of 1..10 */
  check_i64(sf_bench_pct_sorted(v, 10, 0.99), 10);
  check_i64(sf_bench_pct_sorted(v, 10, 0.0), 1);
  check_i64(sf_bench_pct(v, 0, 0.5), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_head_complete),
      cmocka_unit_test(test_head_partial_and_flags),
      cmocka_unit_test(test_head_malformed),
      cmocka_unit_test(test_scan_counts_and_cursors),
      cmocka_unit_test(test_scan_malformed),
      cmocka_unit_test(test_scan_real_page),
      cmocka_unit_test(test_pct),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
