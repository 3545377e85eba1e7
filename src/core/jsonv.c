/* The JSON syntax validator (jsonv.h): one forward pass over the text, no allocation, no
 * recursion. Open containers are kept as bits on a fixed stack (1 = object, 0 = array), so the
 * only limit is SF_JSONV_MAX_DEPTH. The grammar is RFC 8259's: value, object, array, string
 * (section 7, with UTF-8 checked by sf_utf8_seq_len and \u surrogates paired), number
 * (section 6: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?), the three literals, and whitespace
 * of section 2. The hot loop is the run of plain string bytes, scanned with a byte table. */
#include "smartflow/jsonv.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smartflow/err.h"

/* 1 for bytes a string holds as they are: 0x20..0x7F except '"' and '\\'. */
static const unsigned char plain[256] = {
#define R4(x) x, x, x, x
#define R16(x) R4(x), R4(x), R4(x), R4(x)
    R16(0), R16(0), /* 0x00..0x1F: controls */
    1,      1,      0,      1,      1,      1,      1,      1,
    1,      1,      1,      1,      1,      1,      1,      1, /* 0x20..0x2F: '"' is 0x22 */
    R16(1),                                                    /* 0x30..0x3F */
    R16(1),                                                    /* 0x40..0x4F */
    1,      1,      1,      1,      1,      1,      1,      1,
    1,      1,      1,      1,      0,      1,      1,      1,      /* 0x50..0x5F: '\\' is 0x5C */
    R16(1), R16(1),                                                 /* 0x60..0x7F */
    R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), /* 0x80..0xFF: UTF-8 */
#undef R16
#undef R4
};

static int is_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* Four hex digits at p (p + 4 <= end checked by the caller); -1 when one is not hex. */
static long hex4(const unsigned char *p) {
  long v = 0;
  for (int i = 0; i < 4; i++) {
    unsigned char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v += c - '0';
    else if (c >= 'a' && c <= 'f')
      v += c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v += c - 'A' + 10;
    else
      return -1;
  }
  return v;
}

/* Nonzero when one of the 8 bytes in x is not plain; its lowest set bit is in the first such
 * byte (the borrows of the zero-byte test only reach bytes above a true hit). */
static inline uint64_t special8(uint64_t x) {
  const uint64_t ones = UINT64_C(0x0101010101010101), high = UINT64_C(0x8080808080808080);
  uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
  return (((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x) | x) & high;
}

/* Scans the string whose opening quote is at *pp; on success *pp is past the closing quote.
 * Plain runs go 8 bytes at a time (little-endian word loads), then byte by byte. */
static const char *scan_string(const unsigned char **pp, const unsigned char *end) {
  const unsigned char *p = *pp + 1;
  for (;;) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (end - p >= 8) {
      uint64_t x;
      memcpy(&x, p, 8);
      uint64_t m = special8(x);
      if (m) {
        p += __builtin_ctzll(m) / 8;
        break;
      }
      p += 8;
    }
#endif
    while (p < end && plain[*p]) p++;
    if (p >= end) {
      *pp = p;
      return "unterminated string";
    }
    unsigned char c = *p;
    if (c == '"') break;
    if (c < 0x20) {
      *pp = p;
      return "control character in a string (must be escaped)";
    }
    if (c >= 0x80) {
      size_t n = sf_utf8_seq_len(p, end);
      if (!n) {
        *pp = p;
        return "invalid UTF-8 in a string";
      }
      p += n;
      continue;
    }
    /* A backslash. */
    if (end - p < 2) {
      *pp = p;
      return "unterminated string";
    }
    unsigned char e = p[1];
    if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
      p += 2;
      continue;
    }
    if (e != 'u') {
      *pp = p;
      return "invalid escape in a string";
    }
    long u = end - p >= 6 ? hex4(p + 2) : -1;
    if (u < 0) {
      *pp = p;
      return "invalid \\u escape (four hex digits expected)";
    }
    if (u >= 0xDC00 && u <= 0xDFFF) {
      *pp = p;
      return "lone low surrogate in a \\u escape";
    }
    if (u >= 0xD800 && u <= 0xDBFF) {
      long lo = end - p >= 12 && p[6] == '\\' && p[7] == 'u' ? hex4(p + 8) : -1;
      if (lo < 0xDC00 || lo > 0xDFFF) {
        *pp = p;
        return "high surrogate without a low surrogate in a \\u escape";
      }
      p += 6;
    }
    p += 6;
  }
  *pp = p + 1;
  return NULL;
}

static const char *scan_number(const unsigned char **pp, const unsigned char *end) {
  const unsigned char *p = *pp;
  const char *why = NULL;
  if (*p == '-') p++;
  if (p < end && *p == '0') {
    p++;
  } else if (p < end && *p >= '1' && *p <= '9') {
    while (p < end && is_digit(*p)) p++;
  } else {
    why = "digit expected in a number";
    goto done;
  }
  if (p < end && *p == '.') {
    p++;
    if (p >= end || !is_digit(*p)) {
      why = "digit expected after '.' in a number";
      goto done;
    }
    while (p < end && is_digit(*p)) p++;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < end && (*p == '+' || *p == '-')) p++;
    if (p >= end || !is_digit(*p)) {
      why = "digit expected in a number's exponent";
      goto done;
    }
    while (p < end && is_digit(*p)) p++;
  }
done:
  *pp = p;
  return why;
}

static int literal(const unsigned char **pp, const unsigned char *end, const char *word, size_t n) {
  if ((size_t)(end - *pp) < n || memcmp(*pp, word, n) != 0) return 0;
  *pp += n;
  return 1;
}

int sf_jsonv_check(const char *text, size_t len, struct sf_jsonv *v) {
  const unsigned char *const start = (const unsigned char *)text;
  const unsigned char *p = start, *end = start + len;
  uint64_t stack[SF_JSONV_MAX_DEPTH / 64];
  size_t depth = 0;
  size_t key_len = v->key ? strlen(v->key) : 0;
  const unsigned char *member = NULL; /* start of the wanted member's value, while it is open */
  const char *why = NULL;
  v->val = NULL;
  v->val_len = 0;
  v->err = "";
  v->err_offset = 0;
  v->kind = SF_JSONV_NULL;

  while (p < end && is_ws(*p)) p++;
  if (p == end) {
    why = "no value (empty text)";
    goto fail;
  }
  switch (*p) {
    case '{':
      v->kind = SF_JSONV_OBJECT;
      break;
    case '[':
      v->kind = SF_JSONV_ARRAY;
      break;
    case '"':
      v->kind = SF_JSONV_STRING;
      break;
    case 't':
      v->kind = SF_JSONV_TRUE;
      break;
    case 'f':
      v->kind = SF_JSONV_FALSE;
      break;
    case 'n':
      v->kind = SF_JSONV_NULL;
      break;
    default:
      v->kind = SF_JSONV_NUMBER;
      break;
  }

value:
  if (p >= end) {
    why = "value expected, text ends";
    goto fail;
  }
  switch (*p) {
    case '{':
    case '[': {
      int obj = *p == '{';
      if (depth == SF_JSONV_MAX_DEPTH) {
        why = "nesting deeper than SF_JSONV_MAX_DEPTH";
        goto fail;
      }
      uint64_t bit = UINT64_C(1) << (depth % 64);
      if (obj)
        stack[depth / 64] |= bit;
      else
        stack[depth / 64] &= ~bit;
      depth++;
      p++;
      while (p < end && is_ws(*p)) p++;
      if (p < end && *p == (obj ? '}' : ']')) {
        p++;
        depth--;
        goto after_value;
      }
      if (obj) goto key;
      goto value;
    }
    case '"':
      why = scan_string(&p, end);
      if (why) goto fail;
      goto after_value;
    case 't':
      if (!literal(&p, end, "true", 4)) break;
      goto after_value;
    case 'f':
      if (!literal(&p, end, "false", 5)) break;
      goto after_value;
    case 'n':
      if (!literal(&p, end, "null", 4)) break;
      goto after_value;
    default:
      if (*p == '-' || is_digit(*p)) {
        why = scan_number(&p, end);
        if (why) goto fail;
        goto after_value;
      }
      break;
  }
  why = "value expected";
  goto fail;

key:
  if (p >= end || *p != '"') {
    why = "string key expected in an object";
    goto fail;
  }
  {
    const unsigned char *k = p;
    why = scan_string(&p, end);
    if (why) goto fail;
    int wanted = depth == 1 && key_len && !v->val && !member && (size_t)(p - k) == key_len + 2 &&
                 memcmp(k + 1, v->key, key_len) == 0;
    while (p < end && is_ws(*p)) p++;
    if (p >= end || *p != ':') {
      why = "':' expected after an object key";
      goto fail;
    }
    p++;
    while (p < end && is_ws(*p)) p++;
    if (wanted) member = p;
  }
  goto value;

after_value:
  if (member && depth == 1) {
    v->val = (const char *)member;
    v->val_len = (size_t)(p - member);
    member = NULL;
  }
  while (p < end && is_ws(*p)) p++;
  if (depth == 0) {
    if (p != end) {
      why = "text after the value";
      goto fail;
    }
    return 0;
  }
  {
    int obj = (stack[(depth - 1) / 64] >> ((depth - 1) % 64)) & 1;
    if (p < end && *p == ',') {
      p++;
      while (p < end && is_ws(*p)) p++;
      if (obj) goto key;
      goto value;
    }
    if (p < end && *p == (obj ? '}' : ']')) {
      p++;
      depth--;
      goto after_value;
    }
    why = obj ? "',' or '}' expected in an object" : "',' or ']' expected in an array";
  }

fail:
  v->err = why;
  v->err_offset = (size_t)(p - start);
  v->val = NULL;
  v->val_len = 0;
  return SF_EPARSE;
}

/* Appends code point u as UTF-8 to o (room for 4 bytes); returns the byte count. */
static size_t put_utf8(unsigned long u, unsigned char *o) {
  if (u < 0x80) {
    o[0] = (unsigned char)u;
    return 1;
  }
  if (u < 0x800) {
    o[0] = (unsigned char)(0xC0 | (u >> 6));
    o[1] = (unsigned char)(0x80 | (u & 0x3F));
    return 2;
  }
  if (u < 0x10000) {
    o[0] = (unsigned char)(0xE0 | (u >> 12));
    o[1] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
    o[2] = (unsigned char)(0x80 | (u & 0x3F));
    return 3;
  }
  o[0] = (unsigned char)(0xF0 | (u >> 18));
  o[1] = (unsigned char)(0x80 | ((u >> 12) & 0x3F));
  o[2] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
  o[3] = (unsigned char)(0x80 | (u & 0x3F));
  return 4;
}

int sf_jsonv_str_eq(const char *lit, size_t len, const char *s, size_t n) {
  if (len < 2 || lit[0] != '"' || lit[len - 1] != '"') return 0;
  const unsigned char *p = (const unsigned char *)lit + 1, *end = (const unsigned char *)lit + len - 1;
  const unsigned char *q = (const unsigned char *)s, *qend = q + n;
  while (p < end) {
    unsigned char buf[4];
    size_t k;
    if (*p != '\\') {
      buf[0] = *p++;
      k = 1;
    } else if (end - p < 2) {
      return 0;
    } else if (p[1] != 'u') {
      static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
      const char *hit = memchr(from, p[1], sizeof from - 1);
      if (!hit) return 0;
      buf[0] = (unsigned char)to[hit - from];
      k = 1;
      p += 2;
    } else {
      long u = end - p >= 6 ? hex4(p + 2) : -1;
      if (u < 0) return 0;
      p += 6;
      if (u >= 0xD800 && u <= 0xDBFF) {
        long lo = end - p >= 6 && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2) : -1;
        if (lo < 0xDC00 || lo > 0xDFFF) return 0;
        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        p += 6;
      }
      k = put_utf8((unsigned long)u, buf);
    }
    if ((size_t)(qend - q) < k || memcmp(q, buf, k) != 0) return 0;
    q += k;
  }
  return q == qend;
}

/* ---- numbers ---- */

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int num_digit(char c) { return c >= '0' && c <= '9'; }

int sf_json_number(const char *p, const char *end, const char **stop, int *is_int_out, int64_t *i_out,
                   double *r_out) {
  const char *start = p;
  int neg = 0;
  if (p >= end) return -1;
  if (*p == '-') {
    neg = 1;
    p++;
  }
  if (p >= end || !num_digit(*p)) return -1;
  uint64_t w = 0;  /* significant digits, while they fit */
  int digits = 0;  /* significant digits seen (leading zeros skipped) */
  int dropped = 0; /* digits beyond 19 (then w is not exact) */
  long frac = 0;   /* digits after the point */
  if (*p == '0') {
    p++;
    if (p < end && num_digit(*p)) return -1;
  } else {
    while (p < end && num_digit(*p)) {
      if (digits < 19)
        w = w * 10 + (uint64_t)(*p - '0');
      else
        dropped = 1;
      digits++;
      p++;
    }
  }
  int is_int = 1;
  if (p < end && *p == '.') {
    is_int = 0;
    p++;
    if (p >= end || !num_digit(*p)) return -1;
    while (p < end && num_digit(*p)) {
      if (digits == 0 && *p == '0') {
        frac++;
      } else if (digits < 19) {
        w = w * 10 + (uint64_t)(*p - '0');
        digits++;
        frac++;
      } else {
        dropped = 1;
        digits++;
      }
      p++;
    }
  }
  long ex = 0;
  if (p < end && (*p == 'e' || *p == 'E')) {
    is_int = 0;
    p++;
    int eneg = 0;
    if (p < end && (*p == '+' || *p == '-')) eneg = *p++ == '-';
    if (p >= end || !num_digit(*p)) return -1;
    while (p < end && num_digit(*p)) {
      if (ex < 100000) ex = ex * 10 + (*p - '0');
      p++;
    }
    if (eneg) ex = -ex;
  }
  *is_int_out = is_int;
  if (is_int) {
    /* The digits are all significant here (no leading zeros but a lone 0). */
    if (dropped || digits > 19) return -1;
    if (w > (neg ? UINT64_C(9223372036854775808) : UINT64_C(9223372036854775807))) return -1;
    *i_out = neg ? (w == UINT64_C(9223372036854775808) ? INT64_MIN : -(int64_t)w) : (int64_t)w;
    *stop = p;
    return 0;
  }
  long e10 = ex - frac;
  if (w == 0 && !dropped) {
    *r_out = neg ? -0.0 : 0.0;
  } else if (!dropped && w <= (UINT64_C(1) << 53) && e10 >= -22 && e10 <= 22) {
    double x = (double)w;
    x = e10 < 0 ? x / pow10_exact[-e10] : x * pow10_exact[e10];
    *r_out = neg ? -x : x;
  } else {
    char buf[64];
    size_t n = (size_t)(p - start);
    if (n >= sizeof buf) return -1;
    memcpy(buf, start, n);
    buf[n] = '\0';
    errno = 0;
    double x = strtod(buf, NULL);
    if ((x == HUGE_VAL || x == -HUGE_VAL) && errno == ERANGE) return -1;
    *r_out = x;
  }
  *stop = p;
  return 0;
}
