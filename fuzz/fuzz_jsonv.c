/* Fuzz target for the JSON validator: on any input it must agree with jansson (json_loadb with
 * JSON_DECODE_ANY | JSON_ALLOW_NUL), except where jansson refuses a number too large for it
 * (RFC 8259 allows it) or nesting deeper than either limit; a refusal must carry a reason and
 * an offset inside the input, and a reported member value must lie inside the input. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smartflow/jsonv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = (const char *)data;
  struct sf_jsonv v = {.key = "id"};
  int ok = sf_jsonv_check(p, size, &v) == 0;
  if (!ok && (!v.err || !v.err[0] || v.err_offset > size)) abort();
  if (ok && v.val && (v.val < p || v.val + v.val_len > p + size || v.val_len == 0)) abort();
  json_error_t e;
  json_t *j = json_loadb(p, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
  int want = j != NULL;
  json_decref(j);
  if (ok == want) return 0;
  if (!want && (strstr(e.text, "too big") || strstr(e.text, "overflow") || strstr(e.text, "depth"))) return 0;
  if (!ok && strstr(v.err, "nesting")) return 0;
  abort();
}
