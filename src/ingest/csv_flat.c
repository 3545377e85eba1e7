/* Options trades/quotes flat files in CSV: a sans-I/O line decoder (see
 * include/smartflow/csv_flat.h) and its gzip/plain file wrapper. Lines are decoded in place from
 * the caller's buffer when they are whole; only a line split across calls is copied into a carry
 * buffer. Fields follow RFC 4180 (double quotes around a field, "" for a quote inside one), CR LF
 * or LF line ends. Numbers are parsed strictly: an integer field must be all digits (with an
 * optional sign), a price a finite non-negative decimal, and anything else is an error naming
 * the line and the column. */
#include "smartflow/csv_flat.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "smartflow/err.h"

enum col {
  C_TICKER = 0,
  C_CONDITIONS,
  C_CORRECTION,
  C_EXCHANGE,
  C_ID,
  C_PART_TS,
  C_PRICE,
  C_SEQ,
  C_SIP_TS,
  C_SIZE,
  C_ASK_EX,
  C_ASK_PX,
  C_ASK_SZ,
  C_BID_EX,
  C_BID_PX,
  C_BID_SZ,
  C__COUNT
};
static const char *const col_names[C__COUNT] = {
    "ticker",   "conditions",      "correction",    "exchange", "id",           "participant_timestamp",
    "price",    "sequence_number", "sip_timestamp", "size",     "ask_exchange", "ask_price",
    "ask_size", "bid_exchange",    "bid_price",     "bid_size"};

#define FIELD_MAX SF_CSV_FIELD_MAX

static int fail(struct sf_csv_decoder *d, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct sf_csv_decoder *d, int err, const char *fmt, ...) {
  char why[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  snprintf(d->errmsg, sizeof d->errmsg, "line %llu: %s", (unsigned long long)d->line, why);
  return err;
}

void sf_csv_decoder_init(struct sf_csv_decoder *d) { memset(d, 0, sizeof *d); }

void sf_csv_decoder_fini(struct sf_csv_decoder *d) {
  free(d->buf);
  memset(d, 0, sizeof *d);
}

const char *sf_csv_decoder_errmsg(const struct sf_csv_decoder *d) { return d->errmsg; }

/* Splits one line into fields, unquoting into fields[i] (NUL-terminated). Returns the number of
 * fields or an error. */
static int split(struct sf_csv_decoder *d, const char *s, size_t n, char (*fields)[FIELD_MAX], int max) {
  int nf = 0;
  size_t i = 0;
  for (;;) {
    if (nf == max) return fail(d, SF_EPARSE, "more than %d fields", max);
    char *out = fields[nf];
    size_t o = 0;
    if (i < n && s[i] == '"') {
      i++;
      for (;;) {
        if (i >= n) return fail(d, SF_EPARSE, "field %d: unterminated quoted field", nf + 1);
        if (s[i] == '"') {
          if (i + 1 < n && s[i + 1] == '"') {
            i++;
          } else {
            i++;
            break;
          }
        }
        if (o + 1 >= FIELD_MAX)
          return fail(d, SF_EPARSE, "field %d: longer than %d bytes", nf + 1, FIELD_MAX - 1);
        out[o++] = s[i++];
      }
      if (i < n && s[i] != ',') return fail(d, SF_EPARSE, "field %d: text after a closing quote", nf + 1);
    } else {
      while (i < n && s[i] != ',') {
        if (s[i] == '"') return fail(d, SF_EPARSE, "field %d: quote inside an unquoted field", nf + 1);
        if (o + 1 >= FIELD_MAX)
          return fail(d, SF_EPARSE, "field %d: longer than %d bytes", nf + 1, FIELD_MAX - 1);
        out[o++] = s[i++];
      }
    }
    out[o] = '\0';
    nf++;
    if (i >= n) return nf;
    i++; /* the comma */
  }
}

static int parse_i64(struct sf_csv_decoder *d, int c, const char *s, int64_t *out) {
  const char *p = s;
  if (*p == '-' || *p == '+') p++;
  if (!*p) return fail(d, SF_EFIELD, "field %s: empty, expected an integer", col_names[c]);
  for (const char *q = p; *q; q++)
    if (*q < '0' || *q > '9') return fail(d, SF_EFIELD, "field %s: '%s' is not an integer", col_names[c], s);
  errno = 0;
  long long v = strtoll(s, NULL, 10);
  if (errno == ERANGE) return fail(d, SF_EFIELD, "field %s: '%s' is out of range", col_names[c], s);
  *out = v;
  return 0;
}

static int parse_int(struct sf_csv_decoder *d, int c, const char *s, int *out) {
  int64_t v;
  int rc = parse_i64(d, c, s, &v);
  if (rc < 0) return rc;
  if (v < -2147483647 || v > 2147483647)
    return fail(d, SF_EFIELD, "field %s: '%s' is out of range", col_names[c], s);
  *out = (int)v;
  return 0;
}

static int parse_price(struct sf_csv_decoder *d, int c, const char *s, double *out) {
  if (!*s) return fail(d, SF_EFIELD, "field %s: empty, expected a price", col_names[c]);
  for (const char *q = s; *q; q++)
    if (!((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E' || *q == '-' || *q == '+'))
      return fail(d, SF_EFIELD, "field %s: '%s' is not a number", col_names[c], s);
  char *end = NULL;
  double v = strtod(s, &end);
  if (!end || *end || !isfinite(v))
    return fail(d, SF_EFIELD, "field %s: '%s' is not a number", col_names[c], s);
  if (v < 0) return fail(d, SF_EFIELD, "field %s: negative price %s", col_names[c], s);
  *out = v;
  return 0;
}

static int parse_conditions(struct sf_csv_decoder *d, const char *s, struct sf_csv_trade *t) {
  t->condition_count = 0;
  const char *p = s;
  while (*p) {
    while (*p == ' ') p++;
    const char *start = p;
    long v = 0;
    if (*p < '0' || *p > '9')
      return fail(d, SF_EFIELD, "field conditions: '%s' is not a list of numeric ids", s);
    while (*p >= '0' && *p <= '9') {
      v = v * 10 + (*p - '0');
      if (v > 1000000)
        return fail(d, SF_EFIELD, "field conditions: id '%.*s' out of range", (int)(p - start + 1), start);
      p++;
    }
    while (*p == ' ') p++;
    if (*p && *p != ',') return fail(d, SF_EFIELD, "field conditions: '%s' is not a list of numeric ids", s);
    if (t->condition_count == SF_CSV_MAX_CONDITIONS)
      return fail(d, SF_EFIELD, "field conditions: more than %d ids in '%s'", SF_CSV_MAX_CONDITIONS, s);
    t->conditions[t->condition_count++] = (int)v;
    if (*p == ',') {
      p++;
      if (!*p) return fail(d, SF_EFIELD, "field conditions: trailing comma in '%s'", s);
    }
  }
  return 0;
}

static int header(struct sf_csv_decoder *d, char (*f)[FIELD_MAX], int nf) {
  bool have[C__COUNT] = {false};
  d->ncols = nf;
  for (int i = 0; i < nf; i++) {
    d->col[i] = -1;
    for (int c = 0; c < C__COUNT; c++)
      if (strcmp(f[i], col_names[c]) == 0) {
        if (have[c]) return fail(d, SF_EPARSE, "header: column %s appears twice", col_names[c]);
        have[c] = true;
        d->col[i] = (int8_t)c;
      }
  }
  static const int trades_req[] = {C_TICKER, C_PRICE, C_SIZE, C_SIP_TS, C_EXCHANGE, C_CONDITIONS};
  static const int quotes_req[] = {C_TICKER, C_ASK_PX, C_ASK_SZ, C_BID_PX, C_BID_SZ, C_SIP_TS};
  const int *req;
  size_t nreq;
  if (have[C_PRICE] || have[C_SIZE] || have[C_CONDITIONS]) {
    d->kind = SF_CSV_KIND_TRADES;
    req = trades_req;
    nreq = sizeof trades_req / sizeof trades_req[0];
  } else if (have[C_ASK_PX] || have[C_BID_PX]) {
    d->kind = SF_CSV_KIND_QUOTES;
    req = quotes_req;
    nreq = sizeof quotes_req / sizeof quotes_req[0];
  } else {
    return fail(d, SF_EPARSE, "header names neither an options trades nor an options quotes file");
  }
  for (size_t i = 0; i < nreq; i++)
    if (!have[req[i]]) {
      d->kind = SF_CSV_KIND_NONE;
      return fail(d, SF_EPARSE, "header: required column %s is missing", col_names[req[i]]);
    }
  return 0;
}

static int row(struct sf_csv_decoder *d, char (*f)[FIELD_MAX], int nf, struct sf_csv_row *out) {
  if (nf != d->ncols) return fail(d, SF_EPARSE, "%d fields, the header has %d", nf, d->ncols);
  memset(out, 0, sizeof *out);
  out->kind = d->kind;
  out->line = d->line;
  struct sf_csv_trade *t = &out->u.trade;
  struct sf_csv_quote *q = &out->u.quote;
  if (d->kind == SF_CSV_KIND_TRADES) t->participant_timestamp = INT64_MIN;
  int rc = 0;
  for (int i = 0; i < nf && rc == 0; i++) {
    const char *s = f[i];
    int c = d->col[i];
    if (c < 0) continue;
    if (d->kind == SF_CSV_KIND_TRADES) {
      switch (c) {
        case C_TICKER:
          if (!*s || strlen(s) >= SF_CSV_TICKER_MAX)
            rc = fail(d, SF_EFIELD, "field ticker: '%s' is empty or too long", s);
          else
            strcpy(t->ticker, s);
          break;
        case C_CONDITIONS:
          rc = parse_conditions(d, s, t);
          break;
        case C_CORRECTION:
          rc = *s ? parse_int(d, c, s, &t->correction) : 0;
          break;
        case C_EXCHANGE:
          rc = parse_int(d, c, s, &t->exchange);
          break;
        case C_ID:
          if (strlen(s) >= SF_CSV_ID_MAX)
            rc = fail(d, SF_EFIELD, "field id: '%s' is too long", s);
          else
            strcpy(t->id, s);
          break;
        case C_PART_TS:
          rc = *s ? parse_i64(d, c, s, &t->participant_timestamp) : 0;
          break;
        case C_PRICE:
          rc = parse_price(d, c, s, &t->price);
          break;
        case C_SEQ:
          rc = *s ? parse_i64(d, c, s, &t->sequence_number) : 0;
          break;
        case C_SIP_TS:
          rc = parse_i64(d, c, s, &t->sip_timestamp);
          break;
        case C_SIZE:
          rc = parse_i64(d, c, s, &t->size);
          if (rc == 0 && t->size <= 0) rc = fail(d, SF_EFIELD, "field size: %s is not a positive size", s);
          break;
        default:
          break;
      }
    } else {
      switch (c) {
        case C_TICKER:
          if (!*s || strlen(s) >= SF_CSV_TICKER_MAX)
            rc = fail(d, SF_EFIELD, "field ticker: '%s' is empty or too long", s);
          else
            strcpy(q->ticker, s);
          break;
        case C_ASK_EX:
          rc = *s ? parse_int(d, c, s, &q->ask_exchange) : 0;
          break;
        case C_ASK_PX:
          rc = parse_price(d, c, s, &q->ask_price);
          break;
        case C_ASK_SZ:
          rc = parse_i64(d, c, s, &q->ask_size);
          break;
        case C_BID_EX:
          rc = *s ? parse_int(d, c, s, &q->bid_exchange) : 0;
          break;
        case C_BID_PX:
          rc = parse_price(d, c, s, &q->bid_price);
          break;
        case C_BID_SZ:
          rc = parse_i64(d, c, s, &q->bid_size);
          break;
        case C_SEQ:
          rc = *s ? parse_i64(d, c, s, &q->sequence_number) : 0;
          break;
        case C_SIP_TS:
          rc = parse_i64(d, c, s, &q->sip_timestamp);
          break;
        default:
          break;
      }
      if (rc == 0 && (c == C_ASK_SZ || c == C_BID_SZ) && (c == C_ASK_SZ ? q->ask_size : q->bid_size) < 0)
        rc = fail(d, SF_EFIELD, "field %s: negative size %s", col_names[c], s);
    }
  }
  if (rc < 0) return rc;
  d->rows++;
  return SF_CSV_ROW;
}

/* Decodes one complete line (without its newline). Returns 0 (nothing), SF_CSV_ROW or error. */
static int line(struct sf_csv_decoder *d, const char *s, size_t n, struct sf_csv_row *out) {
  char(*fields)[FIELD_MAX] = d->fields;
  d->line++;
  if (n > 0 && s[n - 1] == '\r') n--;
  if (n == 0) return 0;
  if (d->line == 1 && n >= 3 && (uint8_t)s[0] == 0xEF && (uint8_t)s[1] == 0xBB && (uint8_t)s[2] == 0xBF) {
    s += 3; /* UTF-8 byte-order mark */
    n -= 3;
  }
  int nf = split(d, s, n, fields, SF_CSV_MAX_COLUMNS);
  if (nf < 0) return nf;
  if (d->kind == SF_CSV_KIND_NONE) {
    int rc = header(d, fields, nf);
    return rc < 0 ? rc : 0;
  }
  return row(d, fields, nf, out);
}

static int carry(struct sf_csv_decoder *d, const char *p, size_t n) {
  if (d->buf_len + n + 1 > d->buf_cap) {
    size_t cap = d->buf_cap ? d->buf_cap : 256;
    while (cap < d->buf_len + n + 1) cap *= 2;
    char *nb = realloc(d->buf, cap);
    if (!nb) return fail(d, SF_ENOMEM, "out of memory for a %zu-byte line", cap);
    d->buf = nb;
    d->buf_cap = cap;
  }
  memcpy(d->buf + d->buf_len, p, n);
  d->buf_len += n;
  return 0;
}

int sf_csv_decode(struct sf_csv_decoder *d, const char *p, size_t len, size_t *consumed,
                  struct sf_csv_row *out) {
  size_t used = 0;
  *consumed = 0;
  for (;;) {
    if (used == len) return SF_EAGAIN;
    const char *nl = memchr(p + used, '\n', len - used);
    if (!nl) {
      int rc = carry(d, p + used, len - used);
      if (rc < 0) return rc;
      *consumed = len;
      return SF_EAGAIN;
    }
    size_t n = (size_t)(nl - (p + used));
    int rc;
    if (d->buf_len > 0) {
      if ((rc = carry(d, p + used, n)) < 0) return rc;
      rc = line(d, d->buf, d->buf_len, out);
      d->buf_len = 0;
    } else {
      rc = line(d, p + used, n, out);
    }
    used += n + 1;
    *consumed = used;
    if (rc != 0) return rc;
  }
}

int sf_csv_decoder_finish(struct sf_csv_decoder *d, struct sf_csv_row *out) {
  if (d->buf_len > 0) {
    size_t n = d->buf_len;
    d->buf_len = 0;
    int rc = line(d, d->buf, n, out);
    if (rc != 0) return rc;
  }
  if (d->kind == SF_CSV_KIND_NONE) return fail(d, SF_EPARSE, "no header line: empty input");
  return 0;
}

/* ---- File wrapper --------------------------------------------------------------------- */

struct sf_csv_file {
  gzFile gz;
  char *path;
  char in[1 << 16];
  size_t in_len, in_pos;
  bool eof, finished;
  struct sf_csv_decoder dec;
  char errmsg[512];
};

static int file_err(struct sf_csv_file *f, int rc, const char *why) {
  snprintf(f->errmsg, sizeof f->errmsg, "%s: %s", f->path, why);
  return rc;
}

int sf_csv_file_open(const char *path, struct sf_csv_file **out, char *errbuf, size_t errcap) {
  *out = NULL;
  struct sf_csv_file *f = calloc(1, sizeof *f);
  if (!f || !(f->path = strdup(path))) {
    if (errbuf) snprintf(errbuf, errcap, "%s: out of memory", path);
    free(f);
    return SF_ENOMEM;
  }
  sf_csv_decoder_init(&f->dec);
  f->gz = gzopen(path, "rb");
  if (!f->gz) {
    if (errbuf) snprintf(errbuf, errcap, "%s: %s", path, strerror(errno ? errno : ENOENT));
    sf_csv_file_close(f);
    return SF_EIO;
  }
  *out = f;
  return 0;
}

int sf_csv_file_next(struct sf_csv_file *f, struct sf_csv_row *row_out) {
  for (;;) {
    if (f->in_pos == f->in_len) {
      if (f->finished) return 0;
      if (!f->eof) {
        int n = gzread(f->gz, f->in, (unsigned)sizeof f->in);
        if (n < 0) {
          int zerr = 0;
          const char *m = gzerror(f->gz, &zerr);
          return file_err(f, SF_EIO, m);
        }
        if (n == 0) f->eof = true;
        f->in_len = (size_t)n;
        f->in_pos = 0;
      }
      if (f->eof) {
        f->finished = true;
        int rc = sf_csv_decoder_finish(&f->dec, row_out);
        if (rc < 0) return file_err(f, rc, sf_csv_decoder_errmsg(&f->dec));
        return rc == SF_CSV_ROW ? 1 : 0;
      }
    }
    size_t used = 0;
    int rc = sf_csv_decode(&f->dec, f->in + f->in_pos, f->in_len - f->in_pos, &used, row_out);
    f->in_pos += used;
    if (rc == SF_EAGAIN) continue;
    if (rc < 0) return file_err(f, rc, sf_csv_decoder_errmsg(&f->dec));
    return 1;
  }
}

const char *sf_csv_file_errmsg(const struct sf_csv_file *f) { return f->errmsg; }
const struct sf_csv_decoder *sf_csv_file_decoder(const struct sf_csv_file *f) { return &f->dec; }

void sf_csv_file_close(struct sf_csv_file *f) {
  if (!f) return;
  if (f->gz) gzclose(f->gz);
  sf_csv_decoder_fini(&f->dec);
  free(f->path);
  free(f);
}
