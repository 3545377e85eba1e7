/* The streaming JSON writer (jsonw.h). The output must equal jansson 2.14's dump byte for byte,
 * so each formatter follows jansson's dump.c / strconv.c / utf.c:
 *  - strings: escapes as dump_string() does without flags; UTF-8 is checked with the rules of
 *    utf8_check_first()/utf8_check_full() (no overlongs, surrogates, C0/C1, F5..FF, or code
 *    points above U+10FFFF; the shared sf_utf8_seq_len of jsonv.h), and anything else is an error, as
 * json_string() refuses it;
 *  - reals: the installed jansson is built without dtoa, so jsonp_dtostr() is snprintf("%.15g")
 *    then ".0" when there is no '.' or 'e', and the exponent's '+' and leading zeros removed.
 *    snprintf is slow (it dominated the encoders), so for 1e-5 <= |v| < 1e30 the 15 significant
 *    digits are computed here exactly: v = m * 2^k with a 53-bit m, q = round(v / 10^(e-14)) in
 *    128-bit integer arithmetic with the exact remainder, ties to even as glibc rounds them. The
 *    rest (tiny, huge, subnormal) goes through snprintf and the same post-processing. A test
 *    compares both paths with jansson over millions of values. One deliberate difference: the
 *    few values next to +-DBL_MAX, whose 15-digit text rounds past DBL_MAX and would not parse
 *    back, are written with 17 digits (1.7976931348623157e308) so that every output reads back.
 * Errors are sticky: after the first, every call is a no-op, and sf_jw_status() reports it. */
#include "smartflow/jsonw.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartflow/err.h"
#include "smartflow/jsonv.h"

__extension__ typedef unsigned __int128 u128;

void sf_jw_init(struct sf_jw *w) { memset(w, 0, sizeof *w); }

void sf_jw_fini(struct sf_jw *w) {
  free(w->p);
  memset(w, 0, sizeof *w);
}

void sf_jw_reset(struct sf_jw *w) {
  w->len = 0;
  w->err = 0;
  w->comma = false;
}

int sf_jw_status(const struct sf_jw *w) { return w->err; }

/* Makes room for n more bytes (plus a NUL); 0 or -1 with the error set. */
static int grow(struct sf_jw *w, size_t n) {
  if (w->err) return -1;
  size_t need = w->len + n + 1;
  if (need <= w->cap) return 0;
  size_t ncap = w->cap ? w->cap : 256;
  while (ncap < need) {
    if (ncap > SIZE_MAX / 2) {
      w->err = SF_ENOMEM;
      return -1;
    }
    ncap *= 2;
  }
  char *np = realloc(w->p, ncap);
  if (!np) {
    w->err = SF_ENOMEM;
    return -1;
  }
  w->p = np;
  w->cap = ncap;
  return 0;
}

static inline int room(struct sf_jw *w, size_t n) {
  if (w->err) return -1;
  return w->len + n + 1 <= w->cap ? 0 : grow(w, n);
}

static inline void put(struct sf_jw *w, const char *s, size_t n) {
  memcpy(w->p + w->len, s, n);
  w->len += n;
}

const char *sf_jw_cstr(struct sf_jw *w, size_t *len) {
  if (room(w, 0)) return NULL;
  w->p[w->len] = '\0';
  if (len) *len = w->len;
  return w->p;
}

char *sf_jw_take(struct sf_jw *w, size_t *len) {
  if (room(w, 0)) {
    sf_jw_reset(w);
    return NULL;
  }
  char *s = w->p;
  s[w->len] = '\0';
  if (len) *len = w->len;
  memset(w, 0, sizeof *w);
  return s;
}

/* Room for n bytes of a value plus its comma; 0 or -1. Writes the comma. */
static inline int value_start(struct sf_jw *w, size_t n) {
  if (room(w, n + 1)) return -1;
  if (w->comma) w->p[w->len++] = ',';
  return 0;
}

static void open_c(struct sf_jw *w, char c) {
  if (value_start(w, 1)) return;
  w->p[w->len++] = c;
  w->comma = false;
}

static void close_c(struct sf_jw *w, char c) {
  if (room(w, 1)) return;
  w->p[w->len++] = c;
  w->comma = true;
}

void sf_jw_obj_begin(struct sf_jw *w) { open_c(w, '{'); }
void sf_jw_obj_end(struct sf_jw *w) { close_c(w, '}'); }
void sf_jw_arr_begin(struct sf_jw *w) { open_c(w, '['); }
void sf_jw_arr_end(struct sf_jw *w) { close_c(w, ']'); }

/* ---- strings ---- */

/* Bytes that are copied as they are: printable ASCII other than '"' and '\\'. */
static inline int plain(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

/* Writes s[0..n) quoted and escaped (no comma logic). The worst case is 6 bytes per input byte,
 * reserved up front so the loop does not check room. */
static void quoted(struct sf_jw *w, const char *s, size_t n) {
  if (n > (SIZE_MAX - 8) / 6) {
    w->err = SF_ENOMEM;
    return;
  }
  if (room(w, 6 * n + 2)) return;
  const unsigned char *u = (const unsigned char *)s;
  char *o = w->p + w->len;
  *o++ = '"';
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j < n && plain(u[j])) j++;
    if (j > i) {
      memcpy(o, u + i, j - i);
      o += j - i;
      i = j;
      if (i == n) break;
    }
    unsigned char c = u[i];
    if (c >= 0x80) {
      size_t k = sf_utf8_seq_len(u + i, u + n);
      if (k == 0) {
        w->err = SF_EINVAL;
        return;
      }
      memcpy(o, u + i, k);
      o += k;
      i += k;
      continue;
    }
    *o++ = '\\';
    switch (c) {
      case '"':
        *o++ = '"';
        break;
      case '\\':
        *o++ = '\\';
        break;
      case '\b':
        *o++ = 'b';
        break;
      case '\f':
        *o++ = 'f';
        break;
      case '\n':
        *o++ = 'n';
        break;
      case '\r':
        *o++ = 'r';
        break;
      case '\t':
        *o++ = 't';
        break;
      default: {
        static const char hex[] = "0123456789ABCDEF";
        o[0] = 'u';
        o[1] = '0';
        o[2] = '0';
        o[3] = hex[c >> 4];
        o[4] = hex[c & 15];
        o += 5;
        break;
      }
    }
    i++;
  }
  *o++ = '"';
  w->len = (size_t)(o - w->p);
}

void sf_jw_key(struct sf_jw *w, const char *k) {
  if (value_start(w, 0)) return;
  quoted(w, k, strlen(k));
  if (room(w, 1)) return;
  w->p[w->len++] = ':';
  w->comma = false;
}

void sf_jw_key_lit(struct sf_jw *w, const char *k, size_t n) {
  if (value_start(w, n + 3)) return;
  char *o = w->p + w->len;
  o[0] = '"';
  memcpy(o + 1, k, n);
  o[n + 1] = '"';
  o[n + 2] = ':';
  w->len += n + 3;
  w->comma = false;
}

void sf_jw_strn(struct sf_jw *w, const char *s, size_t n) {
  if (value_start(w, 0)) return;
  quoted(w, s, n);
  w->comma = true;
}

void sf_jw_str(struct sf_jw *w, const char *s) { sf_jw_strn(w, s, strlen(s)); }

/* ---- numbers ---- */

/* Writes v's decimal digits ending at end (exclusive); returns the start. */
static char *u64_digits(uint64_t v, char *end) {
  static const char pairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  char *p = end;
  while (v >= 100) {
    unsigned r = (unsigned)(v % 100);
    v /= 100;
    p -= 2;
    p[0] = pairs[2 * r];
    p[1] = pairs[2 * r + 1];
  }
  if (v >= 10) {
    p -= 2;
    p[0] = pairs[2 * v];
    p[1] = pairs[2 * v + 1];
  } else {
    *--p = (char)('0' + v);
  }
  return p;
}

void sf_jw_int(struct sf_jw *w, int64_t v) {
  char buf[24];
  char *end = buf + sizeof buf;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  char *p = u64_digits(u, end);
  if (v < 0) *--p = '-';
  size_t n = (size_t)(end - p);
  if (value_start(w, n)) return;
  put(w, p, n);
  w->comma = true;
}

static const uint64_t pow10_u64[20] = {1ull,
                                       10ull,
                                       100ull,
                                       1000ull,
                                       10000ull,
                                       100000ull,
                                       1000000ull,
                                       10000000ull,
                                       100000000ull,
                                       1000000000ull,
                                       10000000000ull,
                                       100000000000ull,
                                       1000000000000ull,
                                       10000000000000ull,
                                       100000000000000ull,
                                       1000000000000000ull,
                                       10000000000000000ull,
                                       100000000000000000ull,
                                       1000000000000000000ull,
                                       10000000000000000000ull};

/* jansson's jsonp_dtostr without dtoa: %.15g, ".0" for integral text, exponent trimmed; 17
 * digits where 15 would overflow. */
static int fmt_printf(double v, char *buf) {
  int n = snprintf(buf, 32, "%.15g", v);
  if (n < 0 || n >= 32) return -1;
  /* Here this writer parts from jansson: the four largest doubles of each sign round to
   * 1.79769313486232e308 in 15 digits, past DBL_MAX, and that text does not parse back (jansson
   * reports "real number overflow"). 17 digits always read back exactly. */
  if (fabs(v) > 1.7976931348623e308 && isinf(strtod(buf, NULL))) {
    n = snprintf(buf, 32, "%.17g", v);
    if (n < 0 || n >= 32) return -1;
  }
  size_t len = (size_t)n;
  /* A locale's decimal point (',') back to '.', as jansson's from_locale() does. */
  for (size_t i = 0; i < len; i++)
    if (buf[i] != '-' && buf[i] != '+' && buf[i] != 'e' && (buf[i] < '0' || buf[i] > '9')) buf[i] = '.';
  if (!strchr(buf, '.') && !strchr(buf, 'e')) {
    buf[len++] = '.';
    buf[len++] = '0';
    buf[len] = '\0';
  }
  char *start = strchr(buf, 'e');
  if (start) {
    start++;
    char *end = start + 1;
    if (*start == '-') start++;
    while (*end == '0') end++;
    if (end != start) {
      memmove(start, end, len - (size_t)(end - buf) + 1);
      len -= (size_t)(end - start);
    }
  }
  return (int)len;
}

/* q = round-half-even(m * 2^k / 10^s) for the exact rational, or 0 when out of the 128-bit
 * range handled (the caller keeps 1e-5 <= v < 1e30 so that never happens). */
static uint64_t scaled(uint64_t m, int k, int s) {
  u128 num, den;
  if (s <= 0) {
    if (-s > 19) return 0;
    num = (u128)m * pow10_u64[-s];
    den = 1;
  } else {
    if (s > 19) return 0;
    num = m;
    den = pow10_u64[s];
  }
  /* Bounds keep num < 2^123 and den < 2^125: m < 2^53, 10^19 < 2^64. */
  if (k >= 0) {
    if (k > 70 || s <= 0) return 0;
    num <<= k;
  } else {
    if (-k > (s > 0 ? 60 : 100)) return 0;
    den <<= -k;
  }
  u128 q, r;
  if (s <= 0 && k < 0) { /* den = 2^-k: a shift, the common case (|v| < 1e15) */
    q = num >> -k;
    r = num & (((u128)1 << -k) - 1);
  } else {
    q = num / den;
    r = num - q * den;
  }
  u128 twice = r * 2;
  if (twice > den || (twice == den && (q & 1))) q++;
  return (uint64_t)q;
}

int sf_jw_fmt_real(double v, char *buf) {
  if (!isfinite(v)) return -1;
  char *o = buf;
  if (signbit(v)) *o++ = '-';
  double a = fabs(v);
  if (a == 0) {
    memcpy(o, "0.0", 4);
    return (int)(o - buf) + 3;
  }
  if (!(a >= 1e-5 && a < 1e30)) return fmt_printf(v, buf);
  int e2;
  double fr = frexp(a, &e2);
  uint64_t m = (uint64_t)ldexp(fr, 53);
  int k = e2 - 53;
  /* 2^(e2-1) <= a < 2^e2, so this is floor(log10(a)) or one less; the loop below corrects. */
  int e10 = (int)floor((e2 - 1) * 0.30102999566398120);
  uint64_t q = 0;
  for (int tries = 0;; tries++) {
    if (tries == 4) return fmt_printf(v, buf);
    q = scaled(m, k, e10 - 14);
    if (q == 0) return fmt_printf(v, buf);
    if (q >= pow10_u64[15])
      e10++;
    else if (q < pow10_u64[14])
      e10--;
    else
      break;
  }
  /* q = 10^14 may be x rounded up from just below 10^e10 with e10 overestimated (log10 of
   * 999999999999999 is 15.0 in doubles): then the 15 digits one decade down are the answer
   * unless they too round up to 10^15. */
  if (q == pow10_u64[14]) {
    uint64_t q2 = scaled(m, k, e10 - 15);
    if (q2 != 0 && q2 < pow10_u64[15]) {
      q = q2;
      e10--;
    }
  }
  /* q has exactly 15 digits; drop trailing zeros as %g does. */
  char dig[16];
  u64_digits(q, dig + 15);
  int nd = 15;
  while (nd > 1 && dig[nd - 1] == '0') nd--;
  if (e10 < -4 || e10 >= 15) {
    *o++ = dig[0];
    if (nd > 1) {
      *o++ = '.';
      memcpy(o, dig + 1, (size_t)nd - 1);
      o += nd - 1;
    }
    *o++ = 'e';
    int x = e10;
    if (x < 0) {
      *o++ = '-';
      x = -x;
    }
    char eb[8];
    char *ep = u64_digits((uint64_t)x, eb + sizeof eb);
    memcpy(o, ep, (size_t)(eb + sizeof eb - ep));
    o += eb + sizeof eb - ep;
  } else if (e10 >= 0) {
    int ip = e10 + 1; /* integer digits */
    if (nd <= ip) {
      memcpy(o, dig, (size_t)nd);
      o += nd;
      memset(o, '0', (size_t)(ip - nd));
      o += ip - nd;
      memcpy(o, ".0", 2);
      o += 2;
    } else {
      memcpy(o, dig, (size_t)ip);
      o += ip;
      *o++ = '.';
      memcpy(o, dig + ip, (size_t)(nd - ip));
      o += nd - ip;
    }
  } else {
    *o++ = '0';
    *o++ = '.';
    memset(o, '0', (size_t)(-e10 - 1));
    o += -e10 - 1;
    memcpy(o, dig, (size_t)nd);
    o += nd;
  }
  *o = '\0';
  return (int)(o - buf);
}

void sf_jw_real(struct sf_jw *w, double v) {
  char buf[40];
  int n = sf_jw_fmt_real(v, buf);
  if (w->err) return;
  if (n < 0) {
    w->err = SF_EINVAL;
    return;
  }
  if (value_start(w, (size_t)n)) return;
  put(w, buf, (size_t)n);
  w->comma = true;
}

static void literal(struct sf_jw *w, const char *s, size_t n) {
  if (value_start(w, n)) return;
  put(w, s, n);
  w->comma = true;
}

void sf_jw_bool(struct sf_jw *w, bool v) {
  if (v)
    literal(w, "true", 4);
  else
    literal(w, "false", 5);
}

void sf_jw_null(struct sf_jw *w) { literal(w, "null", 4); }

void sf_jw_raw(struct sf_jw *w, const char *json, size_t n) { literal(w, json, n); }

void sf_jw_bytes(struct sf_jw *w, const char *p, size_t n) {
  if (room(w, n)) return;
  put(w, p, n);
}

/* ---- jansson values ---- */

void sf_jw_jansson(struct sf_jw *w, const json_t *j) {
  if (w->err) return;
  switch (json_typeof(j)) {
    case JSON_OBJECT: {
      const char *k;
      json_t *v;
      sf_jw_obj_begin(w);
      /* Iteration is in insertion order (jansson >= 2.8), as JSON_PRESERVE_ORDER dumps. */
      json_object_foreach((json_t *)(uintptr_t)j, k, v) {
        sf_jw_key(w, k);
        sf_jw_jansson(w, v);
      }
      sf_jw_obj_end(w);
      break;
    }
    case JSON_ARRAY: {
      size_t i;
      json_t *v;
      sf_jw_arr_begin(w);
      json_array_foreach(j, i, v) sf_jw_jansson(w, v);
      sf_jw_arr_end(w);
      break;
    }
    case JSON_STRING:
      sf_jw_strn(w, json_string_value(j), json_string_length(j));
      break;
    case JSON_INTEGER:
      sf_jw_int(w, (int64_t)json_integer_value(j));
      break;
    case JSON_REAL:
      sf_jw_real(w, json_real_value(j));
      break;
    case JSON_TRUE:
      sf_jw_bool(w, true);
      break;
    case JSON_FALSE:
      sf_jw_bool(w, false);
      break;
    case JSON_NULL:
      sf_jw_null(w);
      break;
    default:
      w->err = SF_EINVAL;
      break;
  }
}
