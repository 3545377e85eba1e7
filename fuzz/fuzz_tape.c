/* Fuzz target for tape lines: the input is split on newlines and every line goes through the
 * line decoder. A rejected line must come with a message; an accepted line must encode, and its
 * encoding must decode again and re-encode to the same bytes (text -> record -> text is a fixed
 * point after one pass), and a deep copy must encode the same. Anything else aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartflow/err.h"
#include "smartflow/record.h"
#include "smartflow/record_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(const char *p, size_t n) {
  struct sf_record r, back, copy;
  struct sf_errbuf err = {{0}};
  int rc = sf_record_from_line(p, n, &r, &err);
  if (rc) {
    if (rc != SF_EPARSE && rc != SF_EFIELD && rc != SF_ETYPE && rc != SF_ENOMEM) abort();
    if (!err.msg[0]) abort();
    sf_record_fini(&r); /* must be harmless after a failed decode */
    return;
  }
  char *first = sf_record_to_line(&r);
  if (!first) abort();
  if (sf_record_from_line(first, strlen(first), &back, &err) != 0) {
    fprintf(stderr, "re-decode failed: %s\n%s", err.msg, first);
    abort();
  }
  char *second = sf_record_to_line(&back);
  if (!second || strcmp(first, second) != 0) {
    fprintf(stderr, "not a fixed point:\n%s%s", first, second ? second : "(null)\n");
    abort();
  }
  if (sf_record_copy(&copy, &back) != 0) abort();
  sf_record_fini(&back);
  char *third = sf_record_to_line(&copy);
  if (!third || strcmp(first, third) != 0) abort();
  sf_record_fini(&copy);
  sf_record_fini(&r);
  free(first);
  free(second);
  free(third);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = (const char *)data, *end = p + size;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    check_line(p, n);
    p += n + (nl ? 1 : 0);
  }
  return 0;
}
