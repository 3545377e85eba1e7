/* A JSON syntax validator (RFC 8259) that allocates nothing, and the one UTF-8 sequence checker
 * the project's JSON code shares (the writer, the fast market-data decoder and the validator).
 *
 * What the validator accepts is exactly one JSON value with optional whitespace (space, tab, LF,
 * CR) around it: objects, arrays, strings, numbers, true, false, null, by the grammar of RFC 8259
 * section 2-7. Strings must be valid UTF-8 by the rules jansson applies (no overlong forms, no
 * encoded surrogates, nothing above U+10FFFF, no bytes C0, C1, F5..FF), hold no raw control
 * character below 0x20, use only the escapes \" \\ \/ \b \f \n \r \t \uXXXX, and a \u escape of
 * a surrogate must be a high surrogate followed by a low one (a lone surrogate is refused, as
 * jansson refuses it; \u0000 is accepted, as the writer emits it). Nesting deeper than
 * SF_JSONV_MAX_DEPTH is refused (jansson's own limit is 2048). Duplicate keys are not checked
 * (RFC 8259 leaves them to the reader; jansson keeps the last).
 *
 * The validator is what stands between stored text and a response that splices it in place
 * (the store's raw reads): a text it accepts parses in any conforming JSON reader. */
#ifndef SMARTFLOW_JSONV_H
#define SMARTFLOW_JSONV_H

#include <stddef.h>
#include <stdint.h>

#define SF_JSONV_MAX_DEPTH 1024

/* The kind of the top-level value. */
enum sf_jsonv_kind {
  SF_JSONV_OBJECT = 1,
  SF_JSONV_ARRAY,
  SF_JSONV_STRING,
  SF_JSONV_NUMBER,
  SF_JSONV_TRUE,
  SF_JSONV_FALSE,
  SF_JSONV_NULL
};

/* What a validation reports. key is an input: when not NULL and the top-level value is an
 * object, the value of its member named key (matched on the key's raw text between the quotes,
 * the first such member) is reported as a span of the input. */
struct sf_jsonv {
  const char *key;         /* in: a top-level member to find, or NULL */
  enum sf_jsonv_kind kind; /* out: the top-level value's kind (valid text only) */
  const char *val;         /* out: the member's value text (borrowed from the input), or NULL */
  size_t val_len;
  size_t err_offset; /* out on error: the byte offset where the text stops being JSON */
  const char *err;   /* out on error: static text saying why ("" when valid) */
};

/* Validates p[0..len). Returns 0, or SF_EPARSE with v->err and v->err_offset set. */
int sf_jsonv_check(const char *p, size_t len, struct sf_jsonv *v);

/* Whether the JSON string literal lit[0..len) (quotes included, as sf_jsonv_check reports a
 * member's value; it must have passed validation) decodes to exactly the n bytes of s. Escapes
 * are decoded (\uXXXX and surrogate pairs to UTF-8), so "a\/b" equals "a/b". Returns 1 or 0. */
int sf_jsonv_str_eq(const char *lit, size_t len, const char *s, size_t n);

/* The length of the valid UTF-8 sequence at p whose first byte is >= 0x80, or 0 when it is not
 * one (overlong, surrogate, above U+10FFFF, truncated at end): the rules of jansson's
 * utf8_check_first/utf8_check_full, with the tight second-byte ranges of RFC 3629 section 4. */
static inline size_t sf_utf8_seq_len(const unsigned char *p, const unsigned char *end) {
  unsigned c = p[0];
  size_t n;
  unsigned lo = 0x80, hi = 0xBF;
  if (c < 0xC2) return 0;
  if (c <= 0xDF) {
    n = 2;
  } else if (c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if ((size_t)(end - p) < n) return 0;
  if (p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i < n; i++)
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  return n;
}

/* The one JSON number reader (the fast market-data decoder and the store's column readers): reads
 * the number at p (before end) with jansson's grammar and values. An integer (no '.', 'e' or 'E')
 * must fit int64 as strtoll would: *is_int = 1 and *i; a real is strtod's double (Clinger's fast
 * path when exact, strtod on a copy otherwise) and must not overflow: *is_int = 0 and *r. On
 * success returns 0 and *stop points past the number; -1 declines (not a number by the grammar,
 * an integer beyond int64, an overflowing real, more than 63 characters for the strtod copy). */
int sf_json_number(const char *p, const char *end, const char **stop, int *is_int, int64_t *i, double *r);

#endif
