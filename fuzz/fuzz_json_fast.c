/* Differential fuzz target for the fast market-data decoder (json_fast.c): the input is split
 * on newlines and every line, and the whole input as one line, goes through the fast path and
 * the jansson tree path. Unless the fast path declines, both must return the same code, the
 * same message and the same record bytes; a declining fast path must leave no message. Any
 * disagreement aborts with both sides printed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartflow/record.h"
#include "smartflow/record_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(const char *p, size_t n) {
  struct sf_record a, b;
  struct sf_errbuf ea = {{0}}, eb = {{0}};
  int rf = sf_record_from_line_fast(p, n, &a, &ea);
  int rt = sf_record_from_line_tree(p, n, &b, &eb);
  if (rf == SF_FAST_DECLINED) {
    if (ea.msg[0]) {
      fprintf(stderr, "declined with a message: %s\n", ea.msg);
      abort();
    }
  } else if (rf != rt || strcmp(ea.msg, eb.msg) != 0 || memcmp(&a, &b, sizeof a) != 0) {
    fprintf(stderr, "fast %d '%s' vs tree %d '%s'\nline: %.*s\n", rf, ea.msg, rt, eb.msg, (int)n, p);
    abort();
  }
  sf_record_fini(&a);
  sf_record_fini(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data, *end = s + size;
  check_line(s, size);
  while (s < end) {
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
    check_line(s, n);
    s += n + (nl ? 1 : 0);
  }
  return 0;
}
