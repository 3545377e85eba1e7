/* Option contract ids: the canonical form ROOT-YYYY-MM-DD-STRIKE-R and the OCC/OSI symbol
 * (OCC "Options Symbology Initiative", 2010: root left-justified and space-padded to 6, YYMMDD,
 * C|P, strike x 1000 in 8 digits), both ways and without loss. The canonical form is parsed
 * from the right, because roots may themselves contain dashes (BRK-B); the OSI form is
 * recognised by its trailing 15 characters and also accepted with the root unpadded
 * (AAPL250221C00250000, as vendors print it after "O:"). Invariants of a parsed contract: root
 * of 1..6 characters from A-Z 0-9 . - starting with a letter or digit, a real calendar date in
 * 2000..2099 (never rolled over), a strike of 1..99999999 thousandths, right 'C' or 'P'. The
 * strike stays an integer number of thousandths so no conversion goes through floating point.
 * Nothing here allocates. */
#include "smartflow/contract.h"

#include <string.h>

#include "smartflow/err.h"
#include "smartflow/time.h"

#define STRIKE_MILLI_MAX INT64_C(99999999)
#define OSI_TAIL 15 /* YYMMDD + right + 8 strike digits */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool is_root_char(char c) { return (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' || c == '-'; }

/* Reads n decimal digits; false if any is not a digit. */
static bool digits(const char *s, size_t n, int *out) {
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (!is_digit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

static int fail_why(const char **why, const char *msg) {
  if (why) *why = msg;
  return SF_EPARSE;
}

/* Validates and stores a root of len characters. */
static int set_root(struct sf_contract *c, const char *s, size_t len, const char **why) {
  if (len == 0) return fail_why(why, "missing root");
  if (len > SF_ROOT_MAX) return fail_why(why, "root longer than 6 characters");
  for (size_t i = 0; i < len; i++)
    if (!is_root_char(s[i])) return fail_why(why, "root has a character outside A-Z 0-9 . -");
  if (!is_digit(s[0]) && !(s[0] >= 'A' && s[0] <= 'Z'))
    return fail_why(why, "root must start with a letter or digit");
  memcpy(c->root, s, len);
  c->root[len] = '\0';
  return 0;
}

static int set_date(struct sf_contract *c, int y, int m, int d, const char **why) {
  if (y < 2000 || y > 2099) return fail_why(why, "year outside 2000..2099");
  if (!sf_date_valid(y, m, d)) return fail_why(why, "invalid date");
  c->year = y;
  c->month = m;
  c->day = d;
  return 0;
}

static int set_right(struct sf_contract *c, char r, const char **why) {
  if (r == 'c' || r == 'p') return fail_why(why, "right must be upper-case C or P");
  if (r != 'C' && r != 'P') return fail_why(why, "right must be C or P");
  c->right = r;
  return 0;
}

/* The decimal strike of the canonical form: digits, optionally '.' and 1..3 digits. */
static int parse_strike(const char *s, size_t len, int64_t *out, const char **why) {
  if (len == 0) return fail_why(why, "missing strike");
  size_t i = 0;
  int64_t whole = 0;
  size_t nwhole = 0;
  while (i < len && is_digit(s[i])) {
    if (nwhole == 0 && s[i] == '0' && i + 1 < len && is_digit(s[i + 1]))
      return fail_why(why, "strike has a leading zero");
    if (nwhole >= 5) return fail_why(why, "strike above 99999.999");
    whole = whole * 10 + (s[i] - '0');
    nwhole++;
    i++;
  }
  if (nwhole == 0) return fail_why(why, "strike is not a decimal number");
  int64_t frac = 0;
  if (i < len) {
    if (s[i] != '.') return fail_why(why, "strike is not a decimal number");
    i++;
    size_t nfrac = 0;
    while (i < len && is_digit(s[i])) {
      if (nfrac == 3) return fail_why(why, "strike has more than 3 decimals");
      frac = frac * 10 + (s[i] - '0');
      nfrac++;
      i++;
    }
    if (nfrac == 0 || i < len) return fail_why(why, "strike is not a decimal number");
    for (; nfrac < 3; nfrac++) frac *= 10;
  }
  int64_t milli = whole * 1000 + frac;
  if (milli == 0) return fail_why(why, "strike must be positive");
  *out = milli;
  return 0;
}

/* ROOT-YYYY-MM-DD-STRIKE-R, read from the right. */
static int parse_canonical(const char *s, size_t len, struct sf_contract *c, const char **why) {
  int rc;
  if (len < 2 || s[len - 2] != '-') return fail_why(why, "missing '-C' or '-P' at the end");
  if ((rc = set_right(c, s[len - 1], why)) != 0) return rc;
  size_t end = len - 2; /* strike is s[p+1 .. end) */
  size_t p = end;
  while (p > 0 && s[p - 1] != '-') p--;
  if (p == 0) return fail_why(why, "missing expiry date");
  if ((rc = parse_strike(s + p, end - p, &c->strike_milli, why)) != 0) return rc;
  /* s[p-1] is the dash before the strike; the date is the 10 characters before it. */
  size_t dash = p - 1;
  if (dash < 11 || s[dash - 11] != '-') return fail_why(why, "missing expiry date");
  const char *d = s + dash - 10;
  int y, m, dd;
  if (d[4] != '-' || d[7] != '-' || !digits(d, 4, &y) || !digits(d + 5, 2, &m) || !digits(d + 8, 2, &dd))
    return fail_why(why, "expiry is not YYYY-MM-DD");
  if ((rc = set_date(c, y, m, dd, why)) != 0) return rc;
  return set_root(c, s, dash - 11, why);
}

/* The OSI symbol: padded (21 characters) or with the root unpadded (16..20). */
static int parse_osi(const char *s, size_t len, struct sf_contract *c, const char **why) {
  int rc;
  if (len > SF_OSI_LEN) return fail_why(why, "longer than an OSI symbol (21 characters)");
  if (len <= OSI_TAIL) return fail_why(why, "too short for an OSI symbol");
  const char *t = s + len - OSI_TAIL;
  int yy, m, d;
  if (!digits(t, 2, &yy) || !digits(t + 2, 2, &m) || !digits(t + 4, 2, &d))
    return fail_why(why, "OSI expiry is not YYMMDD");
  if ((rc = set_date(c, 2000 + yy, m, d, why)) != 0) return rc;
  if ((rc = set_right(c, t[6], why)) != 0) return rc;
  int64_t strike = 0;
  for (int i = 0; i < 8; i++) {
    if (!is_digit(t[7 + i])) return fail_why(why, "OSI strike is not 8 digits");
    strike = strike * 10 + (t[7 + i] - '0');
  }
  if (strike == 0) return fail_why(why, "strike must be positive");
  c->strike_milli = strike;
  size_t rlen = len - OSI_TAIL;
  if (len == SF_OSI_LEN) {
    while (rlen > 0 && s[rlen - 1] == ' ') rlen--;
  }
  for (size_t i = 0; i < len - OSI_TAIL; i++) {
    if (s[i] == ' ' && len != SF_OSI_LEN) return fail_why(why, "OSI root padded but not to 6 characters");
    if (s[i] == ' ' && i < rlen) return fail_why(why, "space inside the root");
  }
  return set_root(c, s, rlen, why);
}

int sf_contract_parse(const char *s, size_t len, struct sf_contract *out, const char **why) {
  if (!s || !out) return fail_why(why, "no input");
  struct sf_contract c;
  memset(&c, 0, sizeof c);
  if (len == 0) return fail_why(why, "empty");
  for (size_t i = 0; i < len; i++)
    if (s[i] == '\0') return fail_why(why, "NUL byte inside the id");
  if (s[0] == ' ' || s[len - 1] == ' ') return fail_why(why, "leading or trailing space");
  /* An OSI symbol has no dash in its 15-character tail and either ends in a digit or has an
   * OSI length; anything else is read as canonical, so a canonical id that lost its "-C" is
   * reported as such. */
  size_t tail = len < OSI_TAIL ? len : OSI_TAIL;
  bool osi = memchr(s + len - tail, '-', tail) == NULL &&
             (is_digit(s[len - 1]) || (len > OSI_TAIL && len <= SF_OSI_LEN));
  int rc = osi ? parse_osi(s, len, &c, why) : parse_canonical(s, len, &c, why);
  if (rc != 0) return rc;
  *out = c;
  return 0;
}

/* Checks the invariants a formatter relies on (a contract built by hand may break them). */
static bool contract_ok(const struct sf_contract *c) {
  size_t n = strnlen(c->root, sizeof c->root);
  if (n == 0 || n > SF_ROOT_MAX) return false;
  for (size_t i = 0; i < n; i++)
    if (!is_root_char(c->root[i])) return false;
  return c->year >= 2000 && c->year <= 2099 && sf_date_valid(c->year, c->month, c->day) &&
         c->strike_milli > 0 && c->strike_milli <= STRIKE_MILLI_MAX && (c->right == 'C' || c->right == 'P');
}

/* Writes v in decimal, exactly width digits when width > 0. Returns the digit count. */
static size_t put_uint(char *p, int64_t v, int width) {
  char tmp[24];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v > 0 || (width > 0 && n < (size_t)width));
  for (size_t i = 0; i < n; i++) p[i] = tmp[n - 1 - i];
  return n;
}

int sf_contract_format(const struct sf_contract *c, char *buf, size_t cap) {
  if (!c || !buf || !contract_ok(c)) return SF_EINVAL;
  char tmp[SF_CONTRACT_ID_MAX];
  size_t n = strlen(c->root);
  memcpy(tmp, c->root, n);
  tmp[n++] = '-';
  n += put_uint(tmp + n, c->year, 4);
  tmp[n++] = '-';
  n += put_uint(tmp + n, c->month, 2);
  tmp[n++] = '-';
  n += put_uint(tmp + n, c->day, 2);
  tmp[n++] = '-';
  n += put_uint(tmp + n, c->strike_milli / 1000, 0);
  int64_t frac = c->strike_milli % 1000;
  if (frac != 0) {
    int width = 3;
    while (frac % 10 == 0) {
      frac /= 10;
      width--;
    }
    tmp[n++] = '.';
    n += put_uint(tmp + n, frac, width);
  }
  tmp[n++] = '-';
  tmp[n++] = c->right;
  if (n + 1 > cap) return SF_ERANGE;
  memcpy(buf, tmp, n);
  buf[n] = '\0';
  return (int)n;
}

int sf_contract_format_osi(const struct sf_contract *c, char *buf, size_t cap) {
  if (!c || !buf || !contract_ok(c)) return SF_EINVAL;
  if (cap < SF_OSI_LEN + 1) return SF_ERANGE;
  size_t n = strlen(c->root);
  memcpy(buf, c->root, n);
  memset(buf + n, ' ', SF_ROOT_MAX - n);
  char *p = buf + SF_ROOT_MAX;
  p += put_uint(p, c->year % 100, 2);
  p += put_uint(p, c->month, 2);
  p += put_uint(p, c->day, 2);
  *p++ = c->right;
  p += put_uint(p, c->strike_milli, 8);
  *p = '\0';
  return SF_OSI_LEN;
}

int sf_contract_canonicalize(const char *s, char *buf, size_t cap, const char **why) {
  struct sf_contract c;
  if (!s) return fail_why(why, "no input");
  int rc = sf_contract_parse(s, strlen(s), &c, why);
  if (rc != 0) return rc;
  return sf_contract_format(&c, buf, cap);
}

int64_t sf_contract_expiry_ns(const struct sf_contract *c) { return sf_expiry_ns(c->year, c->month, c->day); }
