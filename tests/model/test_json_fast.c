/* The fast market-data decoder (json_fast.c) against the jansson tree path: for a large
 * generated set of lines (every market-data type, raw and enriched prints, nulls, escapes,
 * unicode, extreme numbers, missing / extra / duplicate / wrongly typed fields, truncated lines,
 * whitespace variants, key orders, byte flips) the fast path either declines or gives the same
 * return code, the same record bytes (memcmp of the record and of its re-encoding) and the same
 * message as the tree path. The run also checks that the fast path really is taken: every
 * unmutated line goes through it. Hand-written cases pin the values independently: numbers
 * against strtod bit for bit, escapes against UTF-8 worked out by hand, and which lines must be
 * declined. The seed is printed; SF_SEED overrides it. */
#include <stdint.h>

#include "harness.h"
#include "smartflow/err.h"
#include "smartflow/record.h"
#include "smartflow/record_json.h"

/* ---- random generation ---- */

static uint64_t rng_state;

static uint64_t rnd(void) {
  uint64_t x = rng_state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  rng_state = x;
  return x * UINT64_C(2685821657736338717);
}

static unsigned rndn(unsigned n) { return (unsigned)(rnd() % n); }
static int chance(unsigned pct) { return rndn(100) < pct; }

#define MAX_FIELDS 64
#define VAL_MAX 160

struct field {
  char key[48];
  char val[VAL_MAX];
};

struct line {
  struct field f[MAX_FIELDS];
  int n;
  const char *type; /* raw JSON text of the type value, with quotes */
};

static void add(struct line *l, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(struct line *l, const char *key, const char *fmt, ...) {
  if (l->n == MAX_FIELDS) return;
  struct field *f = &l->f[l->n++];
  snprintf(f->key, sizeof f->key, "%s", key);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(f->val, sizeof f->val, fmt, ap);
  va_end(ap);
}

/* Number texts that probe the parser: exact fast-path cases, strtod-only cases, int64 limits,
 * underflow, overflow (jansson rejects), and forms jansson's grammar refuses. */
static const char *const odd_numbers[] = {
    /* accepted by jansson */
    "0", "-0", "0.0", "-0.0", "1e0", "1E+2", "1e-2", "0.1", "0.3", "4.35", "123.456", "1e22", "1e23",
    "9007199254740992", "9007199254740993", "9007199254740993.0", "18014398509481985.0",
    "9223372036854775807", "-9223372036854775808", "1.7976931348623157e308", "4.9e-324", "2e-324", "1e-400",
    "2.2250738585072011e-308", "0.000000000000000000000000001", "123456789012345678901234567890.123",
    "3.14159265358979323846264338327950288", "0.30000000000000004", "1234567890123456789e-10",
    "12345678901234567890e-10", "5e-1", "1.5e1", "1e-22", "1e-23", "8.5e15", "1.0e00000000000003", "-5",
    "1.25", "2.5e-3", "7",
    /* rejected by jansson (overflow or grammar) */
    "9223372036854775808", "-9223372036854775809", "99999999999999999999", "1.7976931348623159e308", "1e309",
    "-1e400", "1.", ".5", "01", "-", "+1", "1e", "1e+", "0x10", "NaN", "Infinity"};
#define GOOD_NUMBERS 40

/* Set while generating lines that must all be valid JSON. */
static int clean_mode;

static void num_text(char *out, size_t cap) {
  switch (rndn(6)) {
    case 0:
      snprintf(out, cap, "%s",
               odd_numbers[rndn(clean_mode ? GOOD_NUMBERS : sizeof odd_numbers / sizeof odd_numbers[0])]);
      break;
    case 1:
      snprintf(out, cap, "%u", rndn(100000));
      break;
    case 2: {
      double x = (double)rnd() / 18446744073709551616.0 * 1000;
      snprintf(out, cap, "%.*g", 1 + (int)rndn(17), x);
      break;
    }
    case 3:
      snprintf(out, cap, "%.*e", (int)rndn(20), (double)rnd() / 9.0e15);
      break;
    default:
      snprintf(out, cap, "%u.%0*u", rndn(500), 1 + (int)rndn(4), rndn(10000));
      break;
  }
}

/* A JSON string text (with quotes) from plain text, escaping some characters and mixing in
 * unicode, raw and escaped, valid and (rarely) not. */
static void str_text(char *out, size_t cap, const char *plain) {
  size_t o = 0;
  out[o++] = '"';
  for (const char *p = plain; *p && o + 16 < cap; p++) {
    unsigned r = rndn(40);
    if (r == 0)
      o += (size_t)snprintf(out + o, cap - o, "\\u%04x", (unsigned char)*p);
    else if (r == 1)
      o += (size_t)snprintf(out + o, cap - o, "\\u%04X", (unsigned char)*p);
    else
      out[o++] = *p;
  }
  if (chance(10)) {
    static const char *const extras[] = {
        /* valid */
        "\\u00e9", "\xc3\xa9", "\\ud83d\\ude00", "\xf0\x9f\x98\x80", "\\n", "\\/", "\\\\", "\\\"",
        "\\t\\b\\f\\r", "\xe2\x82\xac", "\\u20AC", "\xef\xbf\xbf", "\\uFFFF",
        /* rejected by jansson */
        "\\uD83D", "\\uDE00", "\\ud83d\\u0041", "\\u0000", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
        "\xe2\x82", "\\x41", "\\u12", "\x01"};
    const char *e = extras[rndn(clean_mode ? 13 : sizeof extras / sizeof extras[0])];
    o += (size_t)snprintf(out + o, cap - o, "%s", e);
  }
  out[o++] = '"';
  out[o] = '\0';
}

static const char *const conds[] = {"ISO", "SWEEP", "COMPLEX", "SPREAD", "AUCTION", "FILL", "LATE", "BOGUS"};
static const char *const contracts[] = {"SPY-2025-01-17-450-C", "BRK-B-2025-03-21-452.5-P",
                                        "AAPL  250221C00250000", "QQQ-2025-02-21-500.25-C",
                                        "SPY-2025-13-17-450-C"};
static const char *const sides[] = {"AA", "A", "MID", "B", "BB", "MISSING", "STALE", "XX"};

static void meta_fields(struct line *l, unsigned i) {
  int64_t ms = INT64_C(1737120600000) + (int64_t)i * 37;
  char s[VAL_MAX];
  add(l, "source_ts", "%lld", (long long)ms);
  add(l, "ingest_ts", "%lld", (long long)(ms + rndn(9)));
  add(l, "seq", "%u", i);
  char plain[40];
  snprintf(plain, sizeof plain, "tr-%u-%llx", i, (unsigned long long)(rnd() & 0xffffff));
  str_text(s, sizeof s, plain);
  add(l, "trace_id", "%s", s);
  add(l, "ts", "%lld", (long long)ms);
  if (chance(50)) add(l, "ts_ns", "%lld", (long long)ms * 1000000 + rndn(1000000));
}

static void maybe_null(struct line *l, const char *key) {
  char n[64];
  if (chance(15)) {
    add(l, key, "null");
  } else {
    num_text(n, sizeof n);
    add(l, key, "%s", n);
  }
}

static void gen_option_print(struct line *l, unsigned i, int enriched) {
  char s[VAL_MAX], n[64];
  l->type = "\"option-print\"";
  meta_fields(l, i);
  str_text(s, sizeof s, contracts[rndn(4)]);
  add(l, "option_contract_id", "%s", s);
  add(l, "price", "%u.%02u", rndn(50), rndn(100));
  add(l, "size", "%u", 1 + rndn(500));
  add(l, "exchange", "\"%s\"", chance(50) ? "CBOE" : "XPHL");
  size_t o = 0;
  char arr[VAL_MAX];
  arr[o++] = '[';
  for (unsigned k = 0, m = rndn(4); k < m; k++)
    o += (size_t)snprintf(arr + o, sizeof arr - o, "%s\"%s\"", k ? "," : "", conds[rndn(7)]);
  arr[o++] = ']';
  arr[o] = '\0';
  add(l, "conditions", "%s", arr);
  if (!enriched) return;
  add(l, "underlying_id", "%s", chance(10) ? "null" : "\"SPY\"");
  add(l, "option_type", "%s", chance(10) ? "null" : chance(50) ? "\"call\"" : "\"put\"");
  maybe_null(l, "notional");
  add(l, "nbbo_side", "\"%s\"", sides[rndn(7)]);
  static const char *const nums[] = {"execution_nbbo_bid",
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
                                     "gamma",
                                     "vega"};
  for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) maybe_null(l, nums[k]);
  add(l, "delta", "%s", chance(20) ? "null" : "-0.25");
  int64_t ms = INT64_C(1737120600000) + (int64_t)i * 37 - 3;
  add(l, "execution_nbbo_ts", "%lld", (long long)ms);
  if (chance(50)) add(l, "execution_nbbo_ts_ns", "%lld", (long long)ms * 1000000 + 5);
  add(l, "execution_nbbo_side", "\"%s\"", sides[rndn(7)]);
  add(l, "execution_underlying_ts", "%s", chance(20) ? "null" : "1737120600000");
  str_text(s, sizeof s, "model");
  add(l, "execution_iv_source", "%s", chance(20) ? "null" : s);
  add(l, "is_etf", "%s", chance(30) ? "null" : chance(50) ? "true" : "false");
  add(l, "aggressor", "%d", (int)rndn(3) - 1);
  add(l, "aggressor_rule", "%s", chance(20) ? "null" : "\"quote\"");
  num_text(n, sizeof n);
  add(l, "multiplier", "%s", chance(50) ? "100" : n);
}

static void gen_quote(struct line *l, unsigned i, int equity) {
  char s[VAL_MAX];
  l->type = equity ? "\"equity-quote\"" : "\"option-nbbo\"";
  meta_fields(l, i);
  if (equity) {
    str_text(s, sizeof s, chance(50) ? "SPY" : "BRK.B");
    add(l, "underlying_id", "%s", s);
  } else {
    str_text(s, sizeof s, contracts[rndn(4)]);
    add(l, "option_contract_id", "%s", s);
  }
  maybe_null(l, "bid");
  maybe_null(l, "ask");
  if (!equity || chance(70)) maybe_null(l, "bidSize");
  if (!equity || chance(70)) maybe_null(l, "askSize");
}

static void gen_equity_print(struct line *l, unsigned i) {
  l->type = "\"equity-print\"";
  meta_fields(l, i);
  add(l, "underlying_id", "\"%s\"", chance(50) ? "SPY" : "QQQ");
  add(l, "price", "%u.%04u", rndn(600), rndn(10000));
  add(l, "size", "%u", 1 + rndn(1000));
  add(l, "exchange", "\"%s\"", "XNAS");
  add(l, "offExchangeFlag", "%s", chance(20) ? "null" : chance(50) ? "true" : "false");
}

static void gen_base(struct line *l, unsigned i) {
  l->n = 0;
  switch (rndn(5)) {
    case 0:
      gen_option_print(l, i, 0);
      break;
    case 1:
      gen_option_print(l, i, 1);
      break;
    case 2:
      gen_quote(l, i, 0);
      break;
    case 3:
      gen_quote(l, i, 1);
      break;
    default:
      gen_equity_print(l, i);
      break;
  }
}

static const char *const wrong_values[] = {
    "null",
    "true",
    "false",
    "\"x\"",
    "\"\"",
    "[]",
    "[1,2]",
    "{}",
    "{\"a\":1}",
    "-1",
    "0",
    "1.5",
    "1e300",
    "-0",
    "\"SPY-2025-01-17-450-C\"",
    "[\"ISO\",\"ISO\"]",
    "[null]",
    "[[1]]",
    "1e999",
    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
    "tru",
    "nul"};

/* Field-level mutations: order, deletion, duplication, wrong types, unknown extras, escaped
 * keys. */
static void mutate_fields(struct line *l) {
  if (chance(30))
    for (int k = l->n - 1; k > 0; k--) {
      int j = (int)rndn((unsigned)k + 1);
      struct field t = l->f[k];
      l->f[k] = l->f[j];
      l->f[j] = t;
    }
  if (chance(15) && l->n > 0) {
    int k = (int)rndn((unsigned)l->n);
    l->f[k] = l->f[--l->n];
  }
  if (chance(8) && l->n > 0 && l->n < MAX_FIELDS) {
    int k = (int)rndn((unsigned)l->n);
    l->f[l->n] = l->f[k];
    l->n++;
  }
  if (chance(25) && l->n > 0) {
    struct field *f = &l->f[rndn((unsigned)l->n)];
    snprintf(f->val, sizeof f->val, "%s", wrong_values[rndn(sizeof wrong_values / sizeof wrong_values[0])]);
  }
  if (chance(20) && l->n > 0) {
    struct field *f = &l->f[rndn((unsigned)l->n)];
    num_text(f->val, sizeof f->val);
  }
  if (chance(20)) {
    char s[VAL_MAX];
    str_text(s, sizeof s, "extra");
    static const char *const ukeys[] = {"venue_seq", "note", "x", "", "caf\xc3\xa9", "type", "payload"};
    add(l, ukeys[rndn(sizeof ukeys / sizeof ukeys[0])], "%s",
        chance(40) ? s : wrong_values[rndn(sizeof wrong_values / sizeof wrong_values[0])]);
  }
  if (chance(3) && l->n > 0) {
    struct field *f = &l->f[rndn((unsigned)l->n)];
    char k[48];
    snprintf(k, sizeof k, "\\u%04x%s", (unsigned char)f->key[0], f->key[0] ? f->key + 1 : "");
    snprintf(f->key, sizeof f->key, "%s", k);
  }
}

static const char *ws(void) {
  static const char *const w[] = {"", "", "", "", " ", "\t", "\r\n", "  \n "};
  return w[rndn(sizeof w / sizeof w[0])];
}

/* Writes the envelope text; returns its length. */
static size_t render(const struct line *l, char *out, size_t cap, int vary_ws) {
  size_t o = 0;
#define W (vary_ws ? ws() : "")
  int payload_first = vary_ws && chance(20);
  const char *type = l->type;
  if (vary_ws && chance(5)) {
    static const char *const tn[] = {
        "\"alert\"", "\"flow-packet\"", "\"nope\"", "\"option\\u002dprint\"", "17", "null"};
    type = tn[rndn(sizeof tn / sizeof tn[0])];
  }
  o += (size_t)snprintf(out + o, cap - o, "%s{%s", W, W);
  if (!payload_first) o += (size_t)snprintf(out + o, cap - o, "\"type\"%s:%s%s%s,%s", W, W, type, W, W);
  o += (size_t)snprintf(out + o, cap - o, "\"payload\"%s:%s{%s", W, W, W);
  for (int k = 0; k < l->n && o < cap - 400; k++)
    o += (size_t)snprintf(out + o, cap - o, "%s\"%s\"%s:%s%s%s", k ? "," : "", l->f[k].key, W, W, l->f[k].val,
                          W);
  o += (size_t)snprintf(out + o, cap - o, "}%s", W);
  if (payload_first) o += (size_t)snprintf(out + o, cap - o, ",%s\"type\"%s:%s%s%s", W, W, W, type, W);
  if (vary_ws && chance(3)) o += (size_t)snprintf(out + o, cap - o, ",\"extra\":1");
  o += (size_t)snprintf(out + o, cap - o, "}%s", W);
#undef W
  return o;
}

/* Byte-level mutations: truncation, flips, trailing garbage or newlines. */
static size_t mutate_bytes(char *b, size_t n) {
  if (chance(8) && n > 0) n = rndn((unsigned)n);
  if (chance(8) && n > 0) {
    static const char flips[] = {'\0', '"', '\\', '{', '}', '[', ',',    ':',
                                 ' ',  'x', '0',  '-', '.', 'e', '\x80', '\xff'};
    b[rndn((unsigned)n)] = flips[rndn(sizeof flips)];
  }
  if (chance(3)) n += (size_t)snprintf(b + n, 8, "%s", chance(50) ? "x" : "{}");
  if (chance(5)) n += (size_t)snprintf(b + n, 8, "%s", chance(50) ? "\n" : "\r\n");
  return n;
}

/* ---- comparison ---- */

struct tally {
  unsigned fast_ok, fast_err, declined;
};

/* Runs both paths on one line and fails with the line when they disagree. Returns whether the
 * fast path took the line. */
static int differ(const char *line, size_t len, struct tally *t) {
  struct sf_record a, b, c;
  struct sf_errbuf ea = {{0}}, eb = {{0}}, ec = {{0}};
  int rf = sf_record_from_line_fast(line, len, &a, &ea);
  int rt = sf_record_from_line_tree(line, len, &b, &eb);
  int rl = sf_record_from_line(line, len, &c, &ec);
  if (rl != rt || strcmp(ec.msg, eb.msg) != 0)
    fail_msg("sf_record_from_line %d '%s' vs tree %d '%s'\nline: %.*s", rl, ec.msg, rt, eb.msg, (int)len,
             line);
  int taken = rf != SF_FAST_DECLINED;
  if (!taken) {
    t->declined++;
    if (ea.msg[0]) fail_msg("a declining fast path wrote a message: %s", ea.msg);
  } else {
    if (rf != rt || strcmp(ea.msg, eb.msg) != 0)
      fail_msg("fast %d '%s' vs tree %d '%s'\nline: %.*s", rf, ea.msg, rt, eb.msg, (int)len, line);
    if (memcmp(&a, &b, sizeof a) != 0) fail_msg("records differ\nline: %.*s", (int)len, line);
    if (rf == 0) {
      char *la = sf_record_to_line(&a), *lb = sf_record_to_line(&b);
      assert_non_null(la);
      assert_non_null(lb);
      if (strcmp(la, lb) != 0) fail_msg("encodings differ:\n%s%s", la, lb);
      free(la);
      free(lb);
      t->fast_ok++;
    } else {
      t->fast_err++;
    }
    if (rl == 0 && memcmp(&c, &b, sizeof c) != 0) fail_msg("sf_record_from_line record differs");
  }
  sf_record_fini(&a);
  sf_record_fini(&b);
  sf_record_fini(&c);
  return taken;
}

static uint64_t seed_from_env(void) {
  const char *s = getenv("SF_SEED");
  uint64_t seed = s ? strtoull(s, NULL, 0) : UINT64_C(0x5eed2025);
  if (!seed) seed = 1;
  printf("test_json_fast seed=0x%llx\n", (unsigned long long)seed);
  return seed;
}

/* ---- tests ---- */

/* Every unmutated generated line must go through the fast path and agree with the tree. */
static void test_clean_lines_take_fast_path(void **state) {
  (void)state;
  rng_state = seed_from_env();
  clean_mode = 1;
  struct line l;
  static char buf[16384];
  struct tally t = {0, 0, 0};
  for (unsigned i = 0; i < 3000; i++) {
    l.n = 0;
    switch (i % 5) {
      case 0:
        gen_option_print(&l, i, 0);
        break;
      case 1:
        gen_option_print(&l, i, 1);
        break;
      case 2:
        gen_quote(&l, i, 0);
        break;
      case 3:
        gen_quote(&l, i, 1);
        break;
      default:
        gen_equity_print(&l, i);
        break;
    }
    size_t n = render(&l, buf, sizeof buf, 0);
    int taken = differ(buf, n, &t);
    if (!taken) fail_msg("fast path declined a plain line: %s", buf);
  }
  clean_mode = 0;
  printf("clean: fast ok %u, fast error %u, declined %u\n", t.fast_ok, t.fast_err, t.declined);
  assert_true(t.fast_ok > 2000);
}

/* The differential run over mutated lines. */
static void test_differential(void **state) {
  (void)state;
  rng_state = seed_from_env() ^ UINT64_C(0x9e3779b97f4a7c15);
  struct line l;
  static char buf[16384];
  struct tally t = {0, 0, 0};
  for (unsigned i = 0; i < 60000; i++) {
    gen_base(&l, i);
    mutate_fields(&l);
    size_t n = render(&l, buf, sizeof buf - 16, 1);
    n = mutate_bytes(buf, n);
    differ(buf, n, &t);
  }
  printf("differential: fast ok %u, fast error %u, declined %u\n", t.fast_ok, t.fast_err, t.declined);
  /* Both outcomes of the fast path are exercised in volume, and the tree path too. */
  assert_true(t.fast_ok > 10000);
  assert_true(t.fast_err > 5000);
  assert_true(t.declined > 5000);
}

/* A price decodes to strtod's double bit for bit, through the fast path. */
static void test_numbers_match_strtod(void **state) {
  (void)state;
  static const char *const good[] = {"0.1",
                                     "0.3",
                                     "4.35",
                                     "123.456",
                                     "1e22",
                                     "1e23",
                                     "9007199254740993.0",
                                     "18014398509481985.0",
                                     "1.7976931348623157e308",
                                     "4.9e-324",
                                     "2e-324",
                                     "1e-400",
                                     "2.2250738585072011e-308",
                                     "0.000000000000000000000000001",
                                     "123456789012345678901234567890.123",
                                     "3.14159265358979323846264338327950288",
                                     "0.30000000000000004",
                                     "1234567890123456789e-10",
                                     "12345678901234567890e-10",
                                     "8.5e15",
                                     "1.0e00000000000003",
                                     "0.0",
                                     "2.675",
                                     "1e-22",
                                     "1e-23",
                                     "0.1e1",
                                     "100e-2",
                                     "5e-324",
                                     "2.4703282292062327e-324",
                                     "2.4703282292062328e-324"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    char line[512];
    int n = snprintf(line, sizeof line,
                     "{\"type\":\"option-nbbo\",\"payload\":{\"source_ts\":1,\"ingest_ts\":2,\"seq\":3,"
                     "\"trace_id\":\"t\",\"ts\":1,\"option_contract_id\":\"SPY-2025-01-17-450-C\",\"bid\":%s,"
                     "\"ask\":null,\"bidSize\":null,\"askSize\":null}}",
                     good[i]);
    struct sf_record r;
    struct sf_errbuf err = {{0}};
    int rc = sf_record_from_line_fast(line, (size_t)n, &r, &err);
    if (rc) fail_msg("%s: rc %d %s", good[i], rc, err.msg);
    double want = strtod(good[i], NULL);
    if (memcmp(&want, &r.u.option_nbbo.bid, sizeof want) != 0)
      fail_msg("%s: got %.17g, strtod %.17g", good[i], r.u.option_nbbo.bid, want);
  }
  /* Random decimal texts in the fast path's range and just outside it. */
  rng_state = 12345;
  for (int i = 0; i < 200000; i++) {
    char num[64], line[512];
    unsigned digits = 1 + rndn(19);
    uint64_t w = rnd() % (digits >= 19 ? UINT64_C(10000000000000000000) : (uint64_t)pow(10, digits));
    int e = (int)rndn(60) - 30;
    snprintf(num, sizeof num, "%llue%d", (unsigned long long)w, e);
    int n = snprintf(line, sizeof line,
                     "{\"type\":\"equity-quote\",\"payload\":{\"source_ts\":1,\"ingest_ts\":2,\"seq\":3,"
                     "\"trace_id\":\"t\",\"ts\":1,\"underlying_id\":\"SPY\",\"bid\":%s,\"ask\":null}}",
                     num);
    struct sf_record r;
    struct sf_errbuf err = {{0}};
    int rc = sf_record_from_line_fast(line, (size_t)n, &r, &err);
    if (rc) fail_msg("%s: rc %d %s", num, rc, err.msg);
    double want = strtod(num, NULL);
    if (memcmp(&want, &r.u.equity_quote.bid, sizeof want) != 0)
      fail_msg("%s: got %.17g, strtod %.17g", num, r.u.equity_quote.bid, want);
  }
}

/* Escapes decode to the UTF-8 bytes worked out by hand. */
static void test_escapes(void **state) {
  (void)state;
  const char *line =
      "{\"payload\":{\"source_ts\":1,\"ingest_ts\":2,\"seq\":3,"
      "\"trace_id\":\"a\\u00e9\\ud83d\\ude00\\n\\\"\\/\\\\\xe2\x82\xac\","
      "\"ts\":1,\"underlying_id\":\"SPY\",\"price\":1,\"size\":2,\"exchange\":\"X\","
      "\"offExchangeFlag\":true},\"type\":\"equity-print\"}";
  struct sf_record r;
  struct sf_errbuf err = {{0}};
  int rc = sf_record_from_line_fast(line, strlen(line), &r, &err);
  if (rc) fail_msg("rc %d %s", rc, err.msg);
  /* a, U+00E9 = C3 A9, U+1F600 = F0 9F 98 80, LF, '"', '/', '\', U+20AC = E2 82 AC */
  check_str(r.u.equity_print.meta.trace_id, "a\xc3\xa9\xf0\x9f\x98\x80\n\"/\\\xe2\x82\xac");
  assert_int_equal(r.u.equity_print.off_exchange, 1);
  assert_int_equal(r.u.equity_print.size, 2);
}

/* Lines the fast path must decline, and what the full decoder then says. */
static void test_declines(void **state) {
  (void)state;
  static const char *const p =
      "\"source_ts\":1,\"ingest_ts\":2,\"seq\":3,\"trace_id\":\"t\",\"ts\":1,\"underlying_id\":\"SPY\","
      "\"bid\":1,\"ask\":2";
  char line[512];
  struct {
    const char *pre, *post;
    int rc;
    const char *msg_prefix;
  } cases[] = {
      {"{\"type\":\"equity-quote\",\"payload\":{", ",\"bid\":3}}", SF_EPARSE, "invalid JSON at column"},
      {"{\"type\":\"equity-quote\",\"payload\":{", ",\"x\":{\"y\":1}}}", 0, ""},
      {"{\"type\":\"equity-quote\",\"payload\":{", ",\"x\":\"\\uD800\"}}", SF_EPARSE, "invalid JSON"},
      {"{\"type\":\"equity-quote\",\"payload\":{", ",\"x\":\"\xff\"}}", SF_EPARSE, "invalid JSON"},
      {"{\"type\":\"equity-quote\",\"payload\":{", ",\"x\":1e999}}", SF_EPARSE, "invalid JSON"},
      {"{\"type\":\"equity-quote\",\"payload\":{", ",\"x\":01}}", SF_EPARSE, "invalid JSON"},
      {"{\"type\":\"equity-quote\",\"payload\":{", "}} x", SF_EPARSE, "invalid JSON"},
      {"{\"type\":\"equity-quote\",\"payload\":{", ",\"\\u0062id\":4}}", SF_EPARSE, "invalid JSON"},
      {"{\"type\":\"nope\",\"payload\":{", "}}", SF_ETYPE, "envelope.type: unknown record type \"nope\""},
      {"{\"type\":\"equity-quote\",\"payload\":{", "},\"x\":1}", 0, ""},
      {"{\"type\":\"equity-quote\",\"payload\":[", "]}", SF_EPARSE, "invalid JSON"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int n = snprintf(line, sizeof line, "%s%s%s", cases[i].pre, p, cases[i].post);
    struct sf_record r;
    struct sf_errbuf err = {{0}};
    int rc = sf_record_from_line_fast(line, (size_t)n, &r, &err);
    if (rc != SF_FAST_DECLINED) fail_msg("case %zu not declined (rc %d %s): %s", i, rc, err.msg, line);
    rc = sf_record_from_line(line, (size_t)n, &r, &err);
    if (rc != cases[i].rc || strncmp(err.msg, cases[i].msg_prefix, strlen(cases[i].msg_prefix)) != 0)
      fail_msg("case %zu: rc %d '%s'", i, rc, err.msg);
    sf_record_fini(&r);
  }
  /* A derived record is the tree path's. */
  const char *hit =
      "{\"type\":\"classifier-hit\",\"payload\":{\"source_ts\":1,\"ingest_ts\":2,\"seq\":3,\"trace_id\":"
      "\"t\","
      "\"classifier_id\":\"smart_money_arbitrage\",\"confidence\":0.5,\"direction\":\"neutral\","
      "\"explanations\":[]}}";
  struct sf_record r;
  struct sf_errbuf err = {{0}};
  assert_int_equal(sf_record_from_line_fast(hit, strlen(hit), &r, &err), SF_FAST_DECLINED);
}

/* Validation errors come from the fast path itself, with the shared readers' messages. */
static void test_fast_errors(void **state) {
  (void)state;
  struct {
    const char *line;
    const char *msg;
  } cases[] = {
      {"{\"type\":\"equity-print\",\"payload\":{\"source_ts\":1,\"ingest_ts\":2,\"seq\":3,\"trace_id\":\"t\","
       "\"ts\":1,\"underlying_id\":\"SPY\",\"price\":1,\"size\":0,\"exchange\":\"X\"}}",
       "equity-print.size: must be an integer > 0"},
      {"{\"type\":\"option-print\",\"payload\":{\"source_ts\":1,\"ingest_ts\":2,\"seq\":3,\"trace_id\":\"t\","
       "\"ts\":1,\"option_contract_id\":\"SPY-2025-01-17-450-C\",\"price\":1,\"size\":1,\"exchange\":\"X\","
       "\"conditions\":[\"ISO\",\"NOPE\"]}}",
       "option-print.conditions[1]: unknown condition \"NOPE\""},
      {"{\"type\":\"option-nbbo\",\"payload\":{\"source_ts\":1,\"ingest_ts\":2,\"seq\":3,\"trace_id\":\"t\","
       "\"ts\":1,\"ts_ns\":2000000,\"option_contract_id\":\"SPY-2025-01-17-450-C\",\"bid\":1,\"ask\":1,"
       "\"bidSize\":1,\"askSize\":1}}",
       "option-nbbo.ts_ns: must fall within the millisecond ts = 1"},
      {"{\"type\":\"equity-quote\",\"payload\":{\"source_ts\":1,\"ingest_ts\":2,\"seq\":3,\"ts\":1,"
       "\"underlying_id\":\"SPY\",\"bid\":1,\"ask\":1}}",
       "equity-quote.trace_id: missing (must be a non-empty string of at most 63 bytes)"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct sf_record r;
    struct sf_errbuf err = {{0}};
    int rc = sf_record_from_line_fast(cases[i].line, strlen(cases[i].line), &r, &err);
    assert_int_equal(rc, SF_EFIELD);
    check_str(err.msg, cases[i].msg);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_clean_lines_take_fast_path),
      cmocka_unit_test(test_differential),
      cmocka_unit_test(test_numbers_match_strtod),
      cmocka_unit_test(test_escapes),
      cmocka_unit_test(test_declines),
      cmocka_unit_test(test_fast_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
