/* Fast decoder of the four market-data envelopes (option-print, option-nbbo, equity-quote,
 * equity-print): one pass over the line, no tree and no allocation. The scanner checks the JSON
 * syntax of the whole line, decodes every value into a view (strings unescaped into a scratch
 * buffer with \uXXXX surrogate pairs and UTF-8 checked, integers with overflow checks, reals
 * exactly: Clinger's fast path, one correctly rounded IEEE operation on exact operands when the
 * significand has at most 19 digits and is <= 2^53 and the power of ten is <= 22, otherwise
 * strtod on a bounded copy, both giving strtod's double), and files the payload's values in a
 * slot per known key, found by a perfect hash on (length, three characters from the end).
 * Duplicate keys are detected. The validation is not here: the per-type decoders of
 * json_market.c read the slots through the same sf_jd readers that read jansson objects, so
 * rules and messages are the same by construction.
 *
 * Invariant: the scanner accepts a subset of what jansson (json_loadb with
 * JSON_REJECT_DUPLICATES) accepts and gives the same values. Whatever it does not fully
 * understand (a syntax error, a derived record type, a nested object, an escaped key, too many
 * fields, a number strtod would overflow) it declines, and the caller takes the jansson path,
 * which then produces the error or the record. tests/model/test_json_fast.c and
 * fuzz/fuzz_json_fast.c check the two paths against each other. */
#include <stdlib.h>
#include <string.h>

#include "model/json_util.h"
#include "smartflow/err.h"
#include "smartflow/jsonv.h"
#include "smartflow/record_json.h"

#define KEY_COUNT 47
#define MAX_ELEMS 32   /* array elements of known keys, all arrays together */
#define MAX_UNKNOWN 24 /* payload keys that are not known, for the duplicate check */
#define SCRATCH_BYTES 2048

/* Generated: keys in slot order, and the perfect hash table (see key_id). */
static const char *const key_names[KEY_COUNT] = {"source_ts",
                                                 "ingest_ts",
                                                 "seq",
                                                 "trace_id",
                                                 "ts",
                                                 "ts_ns",
                                                 "option_contract_id",
                                                 "price",
                                                 "size",
                                                 "exchange",
                                                 "conditions",
                                                 "nbbo_side",
                                                 "underlying_id",
                                                 "option_type",
                                                 "notional",
                                                 "execution_nbbo_side",
                                                 "execution_nbbo_bid",
                                                 "execution_nbbo_ask",
                                                 "execution_nbbo_mid",
                                                 "execution_nbbo_spread",
                                                 "execution_nbbo_bid_size",
                                                 "execution_nbbo_ask_size",
                                                 "execution_nbbo_age_ms",
                                                 "execution_underlying_spot",
                                                 "execution_underlying_bid",
                                                 "execution_underlying_ask",
                                                 "execution_underlying_mid",
                                                 "execution_underlying_spread",
                                                 "execution_underlying_age_ms",
                                                 "execution_iv",
                                                 "delta",
                                                 "gamma",
                                                 "vega",
                                                 "execution_nbbo_ts",
                                                 "execution_nbbo_ts_ns",
                                                 "execution_underlying_ts",
                                                 "execution_underlying_ts_ns",
                                                 "execution_iv_source",
                                                 "is_etf",
                                                 "aggressor",
                                                 "aggressor_rule",
                                                 "multiplier",
                                                 "bid",
                                                 "ask",
                                                 "bidSize",
                                                 "askSize",
                                                 "offExchangeFlag"};
static const uint8_t key_lens[KEY_COUNT] = {9,  9,  3,  8,  2,  5,  18, 5,  4,  8,  10, 9,  13, 11, 8, 19,
                                            18, 18, 18, 21, 23, 23, 21, 25, 24, 24, 24, 27, 27, 12, 5, 5,
                                            4,  17, 20, 23, 26, 19, 6,  9,  14, 10, 3,  3,  7,  7,  15};
static const int8_t key_slot[128] = {
    -1, -1, -1, 31, -1, -1, -1, -1, -1, 19, -1, -1, -1, -1, -1, -1, -1, -1, 46, -1, 14, -1, 15, -1, -1, -1,
    -1, 20, 18, -1, 10, 3,  -1, 27, 21, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2,  -1, -1, -1, -1,
    -1, -1, 1,  -1, -1, -1, 39, 12, 42, 43, -1, -1, 26, 5,  -1, 0,  -1, 38, -1, 6,  -1, 29, -1, -1, -1, 40,
    -1, 32, 37, -1, -1, 33, -1, 13, -1, -1, -1, -1, 16, 17, 34, -1, -1, 23, 44, -1, 22, -1, -1, -1, -1, -1,
    -1, -1, 45, 8,  -1, -1, 11, 7,  -1, -1, 35, -1, 36, -1, -1, -1, -1, 41, 28, 4,  9,  30, 24, 25};

struct sf_jfast {
  uint64_t present; /* bit i: slot[i] holds a value */
  struct sf_jv slot[KEY_COUNT];
  struct sf_jv elems[MAX_ELEMS];
  size_t elem_count;
  char scratch[SCRATCH_BYTES]; /* decoded strings of known keys, NUL-terminated */
  size_t scratch_len;
};

struct span {
  const char *p;
  size_t n;
};

struct scan {
  const char *p, *end;
  struct sf_jfast *f;
  struct span unknown[MAX_UNKNOWN];
  size_t unknown_count;
};

#define DECLINE (-1)

/* The slot of a key, or -1. Characters counted from the end read 0 before the start. */
static int key_id(const char *k, size_t n) {
  unsigned c1 = n >= 1 ? (unsigned char)k[n - 1] : 0, c3 = n >= 3 ? (unsigned char)k[n - 3] : 0,
           c6 = n >= 6 ? (unsigned char)k[n - 6] : 0;
  int id = key_slot[(n * 4 + c1 + c3 * 6 + c6) & 127];
  if (id < 0 || key_lens[id] != n || memcmp(key_names[id], k, n) != 0) return -1;
  return id;
}

const struct sf_jv *sf_jfast_get(const struct sf_jfast *f, const char *key) {
  int id = key_id(key, strlen(key));
  if (id < 0 || !(f->present & (UINT64_C(1) << id))) return NULL;
  return &f->slot[id];
}

static void skip_ws(struct scan *s) {
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) s->p++;
}

static int hex4(const char *p, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v += (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v += (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v += (unsigned)(c - 'A' + 10);
    else
      return DECLINE;
  }
  *out = v;
  return 0;
}

/* Scans a string at s->p (on its opening quote). With out set, the decoded bytes go to the
 * scratch buffer, NUL-terminated, and *out is their view; raw (if set) receives the undecoded
 * span and whether it had escapes. */
static int scan_string(struct scan *s, struct sf_jv *out, struct span *raw, int *escaped) {
  const char *p = s->p + 1, *start = p;
  const unsigned char *end = (const unsigned char *)s->end;
  char *o = NULL, *oend = NULL;
  if (out) {
    o = s->f->scratch + s->f->scratch_len;
    oend = s->f->scratch + SCRATCH_BYTES - 1; /* room for the NUL */
  }
  char *ostart = o;
  int esc = 0;
  for (;;) {
    /* Plain ASCII run. */
    const char *run = p;
    while ((const unsigned char *)p < end) {
      unsigned char c = (unsigned char)*p;
      if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
      p++;
    }
    if (o) {
      size_t n = (size_t)(p - run);
      if ((size_t)(oend - o) < n) return DECLINE;
      memcpy(o, run, n);
      o += n;
    }
    if ((const unsigned char *)p >= end) return DECLINE;
    unsigned char c = (unsigned char)*p;
    if (c == '"') break;
    if (c < 0x20) return DECLINE;
    if (c >= 0x80) {
      size_t n = sf_utf8_seq_len((const unsigned char *)p, end);
      if (!n) return DECLINE;
      if (o) {
        if ((size_t)(oend - o) < n) return DECLINE;
        memcpy(o, p, n);
        o += n;
      }
      p += n;
      continue;
    }
    /* An escape. */
    esc = 1;
    if ((const unsigned char *)p + 1 >= end) return DECLINE;
    char e = p[1];
    char lit;
    switch (e) {
      case '"':
      case '\\':
      case '/':
        lit = e;
        break;
      case 'b':
        lit = '\b';
        break;
      case 'f':
        lit = '\f';
        break;
      case 'n':
        lit = '\n';
        break;
      case 'r':
        lit = '\r';
        break;
      case 't':
        lit = '\t';
        break;
      case 'u': {
        unsigned v, v2;
        if ((const unsigned char *)p + 6 > end || hex4(p + 2, &v)) return DECLINE;
        p += 6;
        if (v >= 0xDC00 && v <= 0xDFFF) return DECLINE;
        if (v >= 0xD800 && v <= 0xDBFF) {
          if ((const unsigned char *)p + 6 > end || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &v2) ||
              v2 < 0xDC00 || v2 > 0xDFFF)
            return DECLINE;
          p += 6;
          v = ((v - 0xD800) << 10) + (v2 - 0xDC00) + 0x10000;
        }
        if (v == 0) return DECLINE; /* jansson rejects \u0000 without JSON_ALLOW_NUL */
        if (o) {
          char u[4];
          size_t n;
          if (v < 0x80) {
            u[0] = (char)v;
            n = 1;
          } else if (v < 0x800) {
            u[0] = (char)(0xC0 | (v >> 6));
            u[1] = (char)(0x80 | (v & 0x3F));
            n = 2;
          } else if (v < 0x10000) {
            u[0] = (char)(0xE0 | (v >> 12));
            u[1] = (char)(0x80 | ((v >> 6) & 0x3F));
            u[2] = (char)(0x80 | (v & 0x3F));
            n = 3;
          } else {
            u[0] = (char)(0xF0 | (v >> 18));
            u[1] = (char)(0x80 | ((v >> 12) & 0x3F));
            u[2] = (char)(0x80 | ((v >> 6) & 0x3F));
            u[3] = (char)(0x80 | (v & 0x3F));
            n = 4;
          }
          if ((size_t)(oend - o) < n) return DECLINE;
          memcpy(o, u, n);
          o += n;
        }
        continue;
      }
      default:
        return DECLINE;
    }
    if (o) {
      if (o >= oend) return DECLINE;
      *o++ = lit;
    }
    p += 2;
  }
  if (raw) {
    raw->p = start;
    raw->n = (size_t)(p - start);
  }
  if (escaped) *escaped = esc;
  if (out) {
    *o = '\0';
    out->kind = SF_JV_STR;
    out->s = ostart;
    out->len = (size_t)(o - ostart);
    out->j = NULL;
    out->elems = NULL;
    s->f->scratch_len += (size_t)(o - ostart) + 1;
  }
  s->p = p + 1;
  return 0;
}

/* A number with jansson's grammar and values (sf_json_number, jsonv.h); declines what it does. */
static int scan_number(struct scan *s, struct sf_jv *out) {
  const char *stop;
  int is_int;
  if (sf_json_number(s->p, s->end, &stop, &is_int, &out->i, &out->r)) return DECLINE;
  out->kind = is_int ? SF_JV_INT : SF_JV_REAL;
  out->j = NULL;
  out->elems = NULL;
  s->p = stop;
  return 0;
}

static int scan_literal(struct scan *s, const char *lit, size_t n) {
  if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0) return DECLINE;
  s->p += n;
  return 0;
}

/* Scans a scalar value; out may be NULL (validate only). Nested values are declined. */
static int scan_scalar(struct scan *s, struct sf_jv *out) {
  struct sf_jv tmp;
  struct sf_jv *v = out ? out : &tmp;
  if (s->p >= s->end) return DECLINE;
  switch (*s->p) {
    case '"':
      return scan_string(s, out, NULL, NULL);
    case 't':
      v->kind = SF_JV_BOOL;
      v->b = true;
      return scan_literal(s, "true", 4);
    case 'f':
      v->kind = SF_JV_BOOL;
      v->b = false;
      return scan_literal(s, "false", 5);
    case 'n':
      v->kind = SF_JV_NULL;
      return scan_literal(s, "null", 4);
    default:
      return scan_number(s, v);
  }
}

/* Scans a value: a scalar, or an array of scalars (stored in the element pool when out is
 * set). Objects are declined. */
static int scan_value(struct scan *s, struct sf_jv *out) {
  if (s->p >= s->end) return DECLINE;
  if (*s->p == '{') return DECLINE;
  if (*s->p != '[') return scan_scalar(s, out);
  s->p++;
  skip_ws(s);
  struct sf_jfast *f = s->f;
  size_t first = f->elem_count, n = 0;
  if (s->p < s->end && *s->p == ']') {
    s->p++;
  } else {
    for (;;) {
      if (s->p < s->end && (*s->p == '[' || *s->p == '{')) return DECLINE;
      struct sf_jv *e = NULL;
      if (out) {
        if (f->elem_count == MAX_ELEMS) return DECLINE;
        e = &f->elems[f->elem_count++];
      }
      if (scan_scalar(s, e)) return DECLINE;
      n++;
      skip_ws(s);
      if (s->p >= s->end) return DECLINE;
      if (*s->p == ']') {
        s->p++;
        break;
      }
      if (*s->p != ',') return DECLINE;
      s->p++;
      skip_ws(s);
    }
  }
  if (out) {
    out->kind = SF_JV_ARRAY;
    out->len = n;
    out->j = NULL;
    out->elems = &f->elems[first];
  }
  return 0;
}

/* Scans the payload object into the slots. */
static int scan_payload(struct scan *s) {
  struct sf_jfast *f = s->f;
  s->p++; /* '{' */
  skip_ws(s);
  if (s->p < s->end && *s->p == '}') {
    s->p++;
    return 0;
  }
  for (;;) {
    if (s->p >= s->end || *s->p != '"') return DECLINE;
    struct span key;
    int esc;
    if (scan_string(s, NULL, &key, &esc) || esc) return DECLINE;
    skip_ws(s);
    if (s->p >= s->end || *s->p != ':') return DECLINE;
    s->p++;
    skip_ws(s);
    int id = key_id(key.p, key.n);
    if (id >= 0) {
      uint64_t bit = UINT64_C(1) << id;
      if (f->present & bit) return DECLINE; /* duplicate key */
      if (scan_value(s, &f->slot[id])) return DECLINE;
      f->present |= bit;
    } else {
      for (size_t i = 0; i < s->unknown_count; i++)
        if (s->unknown[i].n == key.n && memcmp(s->unknown[i].p, key.p, key.n) == 0) return DECLINE;
      if (s->unknown_count == MAX_UNKNOWN) return DECLINE;
      s->unknown[s->unknown_count++] = key;
      if (scan_value(s, NULL)) return DECLINE;
    }
    skip_ws(s);
    if (s->p >= s->end) return DECLINE;
    if (*s->p == '}') {
      s->p++;
      return 0;
    }
    if (*s->p != ',') return DECLINE;
    s->p++;
    skip_ws(s);
  }
}

static const struct {
  const char *name;
  size_t len;
  enum sf_record_type type;
} market_types[] = {
    {"option-print", 12, SF_REC_OPTION_PRINT},
    {"option-nbbo", 11, SF_REC_OPTION_NBBO},
    {"equity-quote", 12, SF_REC_EQUITY_QUOTE},
    {"equity-print", 12, SF_REC_EQUITY_PRINT},
};

/* Scans the envelope {"type": <market type>, "payload": {...}} in either key order and
 * nothing else. Returns the record type or DECLINE. */
static int scan_envelope(struct scan *s) {
  int type = -1, have_payload = 0;
  skip_ws(s);
  if (s->p >= s->end || *s->p != '{') return DECLINE;
  s->p++;
  skip_ws(s);
  for (;;) {
    if (s->p >= s->end || *s->p != '"') return DECLINE;
    struct span key;
    int esc;
    if (scan_string(s, NULL, &key, &esc) || esc) return DECLINE;
    skip_ws(s);
    if (s->p >= s->end || *s->p != ':') return DECLINE;
    s->p++;
    skip_ws(s);
    if (key.n == 4 && memcmp(key.p, "type", 4) == 0) {
      struct span name;
      if (type >= 0 || s->p >= s->end || *s->p != '"') return DECLINE;
      if (scan_string(s, NULL, &name, &esc) || esc) return DECLINE;
      for (size_t i = 0; i < sizeof market_types / sizeof market_types[0]; i++)
        if (name.n == market_types[i].len && memcmp(name.p, market_types[i].name, name.n) == 0)
          type = (int)market_types[i].type;
      if (type < 0) return DECLINE; /* derived or unknown type: the tree path */
    } else if (key.n == 7 && memcmp(key.p, "payload", 7) == 0) {
      if (have_payload || s->p >= s->end || *s->p != '{') return DECLINE;
      if (scan_payload(s)) return DECLINE;
      have_payload = 1;
    } else {
      return DECLINE;
    }
    skip_ws(s);
    if (s->p >= s->end) return DECLINE;
    if (*s->p == '}') {
      s->p++;
      break;
    }
    if (*s->p != ',') return DECLINE;
    s->p++;
    skip_ws(s);
  }
  skip_ws(s);
  if (s->p != s->end || type < 0 || !have_payload) return DECLINE;
  return type;
}

int sf_record_from_line_fast(const char *line, size_t len, struct sf_record *r, struct sf_errbuf *err) {
  struct sf_jfast f;
  struct scan s;
  sf_record_init(r, SF_REC_OPTION_PRINT);
  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
  f.present = 0;
  f.elem_count = 0;
  f.scratch_len = 0;
  s.p = line;
  s.end = line + len;
  s.f = &f;
  s.unknown_count = 0;
  int t = scan_envelope(&s);
  if (t < 0) return SF_FAST_DECLINED;
  int rc;
  struct sf_jd d = {NULL, sf_record_type_name((enum sf_record_type)t), err, &f};
  sf_record_init(r, (enum sf_record_type)t);
  switch (t) {
    case SF_REC_OPTION_PRINT:
      rc = sf_option_print_decode(&d, &r->u.option_print);
      break;
    case SF_REC_OPTION_NBBO:
      rc = sf_option_nbbo_decode(&d, &r->u.option_nbbo);
      break;
    case SF_REC_EQUITY_QUOTE:
      rc = sf_equity_quote_decode(&d, &r->u.equity_quote);
      break;
    default:
      rc = sf_equity_print_decode(&d, &r->u.equity_print);
      break;
  }
  if (rc) sf_record_init(r, (enum sf_record_type)t);
  return rc;
}
