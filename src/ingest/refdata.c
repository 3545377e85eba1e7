/* The open-interest table (refdata.h). Contracts live in one array; an open-addressing hash
 * table (linear probing, power-of-two capacity, at most 3/4 full) maps the canonical id to the
 * array index. Each contract keeps its (date, oi) points sorted by date, so a lookup is a hash
 * probe plus a binary search; the id given to a lookup is canonicalised into a stack buffer. The
 * CSV loader reads lines through zlib (gzip or plain) and splits them itself: three short
 * fields do not need the flat-file decoder. */
#include "smartflow/refdata.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "smartflow/err.h"
#include "smartflow/hash.h"
#include "smartflow/time.h"

struct oi_point {
  uint32_t date;
  int64_t oi;
};

struct oi_contract {
  char id[SF_CONTRACT_ID_MAX];
  struct oi_point *pts;
  size_t n, cap;
};

struct sf_oi_table {
  struct oi_contract *c;
  size_t nc, capc;
  uint32_t *slots; /* index + 1, 0 = empty */
  size_t nslots;
  size_t rows;
  uint32_t *dates; /* distinct dates, sorted */
  size_t ndates, capdates;
};

int sf_oi_table_new(struct sf_oi_table **out) {
  *out = calloc(1, sizeof **out);
  return *out ? 0 : SF_ENOMEM;
}

void sf_oi_table_free(struct sf_oi_table *t) {
  if (!t) return;
  for (size_t i = 0; i < t->nc; i++) free(t->c[i].pts);
  free(t->c);
  free(t->slots);
  free(t->dates);
  free(t);
}

static size_t slot_of(const struct sf_oi_table *t, const char *id) {
  size_t mask = t->nslots - 1;
  size_t j = (size_t)sf_hash_str(id) & mask;
  while (t->slots[j] && strcmp(t->c[t->slots[j] - 1].id, id) != 0) j = (j + 1) & mask;
  return j;
}

static int rehash(struct sf_oi_table *t) {
  size_t n = t->nslots ? t->nslots * 2 : 256;
  uint32_t *s = calloc(n, sizeof *s);
  if (!s) return SF_ENOMEM;
  free(t->slots);
  t->slots = s;
  t->nslots = n;
  for (size_t i = 0; i < t->nc; i++) t->slots[slot_of(t, t->c[i].id)] = (uint32_t)(i + 1);
  return 0;
}

static int grow(void **p, size_t *cap, size_t elem, size_t need) {
  if (need <= *cap) return 0;
  size_t n = *cap ? *cap * 2 : 8;
  while (n < need) n *= 2;
  void *q = realloc(*p, n * elem);
  if (!q) return SF_ENOMEM;
  *p = q;
  *cap = n;
  return 0;
}

static int add_date(struct sf_oi_table *t, uint32_t date) {
  size_t lo = 0, hi = t->ndates;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (t->dates[mid] < date)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < t->ndates && t->dates[lo] == date) return 0;
  if (grow((void **)&t->dates, &t->capdates, sizeof *t->dates, t->ndates + 1)) return SF_ENOMEM;
  memmove(t->dates + lo + 1, t->dates + lo, (t->ndates - lo) * sizeof *t->dates);
  t->dates[lo] = date;
  t->ndates++;
  return 0;
}

static bool date_ok(uint32_t yyyymmdd) {
  return sf_date_valid((int)(yyyymmdd / 10000), (int)(yyyymmdd / 100 % 100), (int)(yyyymmdd % 100));
}

/* Adds a point to a canonical id. */
static int add_canonical(struct sf_oi_table *t, const char *id, uint32_t date, int64_t oi) {
  if ((t->nc + 1) * 4 > t->nslots * 3 && rehash(t)) return SF_ENOMEM;
  size_t j = slot_of(t, id);
  struct oi_contract *c;
  if (t->slots[j]) {
    c = &t->c[t->slots[j] - 1];
  } else {
    if (t->nc >= UINT32_MAX - 1 || grow((void **)&t->c, &t->capc, sizeof *t->c, t->nc + 1)) return SF_ENOMEM;
    c = &t->c[t->nc];
    memset(c, 0, sizeof *c);
    snprintf(c->id, sizeof c->id, "%s", id);
    t->slots[j] = (uint32_t)(++t->nc);
  }
  /* Points usually arrive in date order: search from the end. */
  size_t i = c->n;
  while (i > 0 && c->pts[i - 1].date > date) i--;
  if (i > 0 && c->pts[i - 1].date == date) {
    c->pts[i - 1].oi = oi;
    return 1;
  }
  if (grow((void **)&c->pts, &c->cap, sizeof *c->pts, c->n + 1) || add_date(t, date)) return SF_ENOMEM;
  memmove(c->pts + i + 1, c->pts + i, (c->n - i) * sizeof *c->pts);
  c->pts[i].date = date;
  c->pts[i].oi = oi;
  c->n++;
  t->rows++;
  return 0;
}

int sf_oi_table_add(struct sf_oi_table *t, const char *contract_id, uint32_t yyyymmdd, int64_t oi) {
  char id[SF_CONTRACT_ID_MAX];
  if (sf_contract_canonicalize(contract_id, id, sizeof id, NULL) < 0) return SF_EPARSE;
  if (!date_ok(yyyymmdd) || oi < 0) return SF_EINVAL;
  return add_canonical(t, id, yyyymmdd, oi);
}

int sf_oi_table_add_record(struct sf_oi_table *t, const struct sf_open_interest *r) {
  return sf_oi_table_add(t, r->option_contract_id, r->date, r->open_interest);
}

int sf_oi_lookup(const struct sf_oi_table *t, const char *contract_id, int y, int m, int d, int64_t *oi) {
  char id[SF_CONTRACT_ID_MAX];
  if (!contract_id || sf_contract_canonicalize(contract_id, id, sizeof id, NULL) < 0) return SF_EINVAL;
  if (!sf_date_valid(y, m, d)) return SF_EINVAL;
  if (!t->nc) return SF_ENOTFOUND;
  size_t j = slot_of(t, id);
  if (!t->slots[j]) return SF_ENOTFOUND;
  const struct oi_contract *c = &t->c[t->slots[j] - 1];
  uint32_t date = (uint32_t)(y * 10000 + m * 100 + d);
  /* Last point with pts.date <= date. */
  size_t lo = 0, hi = c->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (c->pts[mid].date <= date)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == 0) return SF_ENOTFOUND;
  *oi = c->pts[lo - 1].oi;
  return 0;
}

size_t sf_oi_table_contracts(const struct sf_oi_table *t) { return t->nc; }
size_t sf_oi_table_rows(const struct sf_oi_table *t) { return t->rows; }
size_t sf_oi_table_dates(const struct sf_oi_table *t) { return t->ndates; }

void sf_oi_table_date_range(const struct sf_oi_table *t, uint32_t *first, uint32_t *last) {
  *first = t->ndates ? t->dates[0] : 0;
  *last = t->ndates ? t->dates[t->ndates - 1] : 0;
}

/* ---- CSV ---- */

static void reject(struct sf_oi_load_report *rep, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void reject(struct sf_oi_load_report *rep, uint64_t line, const char *fmt, ...) {
  rep->rejected++;
  if (rep->message_count >= SF_OI_MAX_MESSAGES) return;
  char *m = rep->messages[rep->message_count++];
  int k = snprintf(m, sizeof rep->messages[0], "line %llu: ", (unsigned long long)line);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m + k, sizeof rep->messages[0] - (size_t)k, fmt, ap);
  va_end(ap);
}

#define OI_MAX_FIELDS 16
#define OI_LINE_MAX 1024

/* Splits a line into fields in place (RFC 4180 quotes, no embedded newlines). Returns the count,
 * or -1 for an unterminated quote or too many fields. */
static int split(char *s, char **f) {
  int n = 0;
  for (;;) {
    if (n == OI_MAX_FIELDS) return -1;
    char *w = s;
    f[n++] = w;
    if (*s == '"') {
      s++;
      for (;;) {
        if (!*s) return -1;
        if (*s == '"') {
          if (s[1] == '"') {
            *w++ = '"';
            s += 2;
            continue;
          }
          s++;
          break;
        }
        *w++ = *s++;
      }
      if (*s && *s != ',') return -1;
    } else {
      while (*s && *s != ',') *w++ = *s++;
    }
    char c = *s;
    *w = '\0';
    if (!c) return n;
    s++;
  }
}

static void trim(char **s) {
  char *p = *s;
  while (*p == ' ' || *p == '\t') p++;
  size_t n = strlen(p);
  while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) p[--n] = '\0';
  *s = p;
}

static int parse_date(const char *s, uint32_t *out) {
  int y, m, d;
  char tail;
  if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return -1;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return -1;
  if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || !sf_date_valid(y, m, d)) return -1;
  *out = (uint32_t)(y * 10000 + m * 100 + d);
  return 0;
}

static int parse_oi(const char *s, int64_t *out) {
  if (!*s) return -1;
  int64_t v = 0;
  for (const char *p = s; *p; p++) {
    if (*p < '0' || *p > '9') return -1;
    if (v > (INT64_MAX - 9) / 10) return -1;
    v = v * 10 + (*p - '0');
  }
  *out = v;
  return 0;
}

/* Printable, bounded copy of a field for a message. */
static const char *shown(const char *s, char out[40]) {
  size_t n = strlen(s), k = n < 32 ? n : 32;
  for (size_t i = 0; i < k; i++) out[i] = (char)((unsigned char)s[i] < 0x20 ? '?' : s[i]);
  strcpy(out + k, n > k ? "..." : "");
  return out;
}

int sf_oi_table_load_csv(struct sf_oi_table *t, const char *path, struct sf_oi_load_report *rep_in,
                         char *errbuf, size_t errcap) {
  struct sf_oi_load_report scratch;
  struct sf_oi_load_report *rep = rep_in ? rep_in : &scratch;
  memset(rep, 0, sizeof *rep);
  char line[OI_LINE_MAX + 2];
  char *f[OI_MAX_FIELDS];
  int col_id = -1, col_date = -1, col_oi = -1, ncols = 0;
  int rc = 0;
  gzFile gz = gzopen(path, "rb");
  if (!gz) {
    if (errbuf)
      snprintf(errbuf, errcap, "%s: cannot open: %s", path, errno ? strerror(errno) : "out of memory");
    return SF_EIO;
  }
  bool header = false;
  for (;;) {
    if (!gzgets(gz, line, (int)sizeof line)) {
      int zerr = 0;
      const char *m = gzerror(gz, &zerr);
      if (zerr != Z_OK) {
        if (errbuf)
          snprintf(errbuf, errcap, "%s: line %llu: read error: %s", path, (unsigned long long)rep->lines + 1,
                   m);
        rc = SF_EIO;
        goto out;
      }
      break;
    }
    rep->lines++;
    size_t n = strlen(line);
    bool complete = n && line[n - 1] == '\n';
    if (!complete && !gzeof(gz) && n == sizeof line - 1) {
      /* Longer than any sane line: skip the rest of it. */
      int ch;
      while ((ch = gzgetc(gz)) != -1 && ch != '\n') {
      }
      if (!header) {
        if (errbuf)
          snprintf(errbuf, errcap, "%s: line %llu: header line too long", path,
                   (unsigned long long)rep->lines);
        rc = SF_EPARSE;
        goto out;
      }
      reject(rep, rep->lines, "line longer than %d bytes", OI_LINE_MAX);
      continue;
    }
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
    if (n == 0) continue;
    int nf = split(line, f);
    if (!header) {
      for (int i = 0; i < nf; i++) {
        trim(&f[i]);
        if (i == 0 && (unsigned char)f[0][0] == 0xEF && (unsigned char)f[0][1] == 0xBB &&
            (unsigned char)f[0][2] == 0xBF)
          f[0] += 3; /* UTF-8 byte order mark */
        if (strcmp(f[i], "option_contract_id") == 0) col_id = i;
        if (strcmp(f[i], "date") == 0) col_date = i;
        if (strcmp(f[i], "oi") == 0) col_oi = i;
      }
      if (nf < 0 || col_id < 0 || col_date < 0 || col_oi < 0) {
        if (errbuf)
          snprintf(errbuf, errcap, "%s: line %llu: header must name the columns option_contract_id,date,oi",
                   path, (unsigned long long)rep->lines);
        rc = SF_EPARSE;
        goto out;
      }
      ncols = nf;
      header = true;
      continue;
    }
    if (nf != ncols) {
      if (nf < 0)
        reject(rep, rep->lines, "malformed quoting or more than %d fields", OI_MAX_FIELDS);
      else
        reject(rep, rep->lines, "expected %d fields, found %d", ncols, nf);
      continue;
    }
    for (int i = 0; i < nf; i++) trim(&f[i]);
    char show[40];
    char id[SF_CONTRACT_ID_MAX];
    const char *why = NULL;
    uint32_t date;
    int64_t oi;
    if (sf_contract_canonicalize(f[col_id], id, sizeof id, &why) < 0) {
      reject(rep, rep->lines, "option_contract_id: %s \"%s\"", why ? why : "invalid contract id",
             shown(f[col_id], show));
      continue;
    }
    if (parse_date(f[col_date], &date)) {
      reject(rep, rep->lines, "date: expected a real date YYYY-MM-DD, got \"%s\"", shown(f[col_date], show));
      continue;
    }
    if (parse_oi(f[col_oi], &oi)) {
      reject(rep, rep->lines, "oi: expected a non-negative integer, got \"%s\"", shown(f[col_oi], show));
      continue;
    }
    int a = add_canonical(t, id, date, oi);
    if (a < 0) {
      if (errbuf)
        snprintf(errbuf, errcap, "%s: line %llu: out of memory", path, (unsigned long long)rep->lines);
      rc = a;
      goto out;
    }
    rep->rows++;
    if (a == 1) rep->duplicates++;
  }
  if (!header) {
    if (errbuf) snprintf(errbuf, errcap, "%s: no header line (expected option_contract_id,date,oi)", path);
    rc = SF_EPARSE;
  }
out:
  gzclose(gz);
  return rc;
}

/* ---- DBN ---- */

int sf_oi_table_load_dbn(struct sf_oi_table *t, const char *path, struct sf_oi_load_report *rep_in,
                         char *errbuf, size_t errcap) {
  struct sf_oi_load_report scratch;
  struct sf_oi_load_report *rep = rep_in ? rep_in : &scratch;
  memset(rep, 0, sizeof *rep);
  struct sf_dbn_file *f = NULL;
  int rc = sf_dbn_file_open(path, &f, errbuf, errcap);
  if (rc) return rc;
  struct sf_converter conv;
  sf_converter_init(&conv, "oi", false);
  struct sf_dbn_record rec;
  struct sf_convert_out *out = malloc(sizeof *out);
  if (!out) {
    rc = SF_ENOMEM;
    goto out;
  }
  for (;;) {
    rc = sf_dbn_file_next(f, &rec);
    if (rc == 0) break;
    if (rc < 0) {
      if (errbuf) snprintf(errbuf, errcap, "%s", sf_dbn_file_errmsg(f));
      goto out;
    }
    sf_convert_dbn(&conv, &rec, out);
    if (!out->has_oi) {
      rep->skipped++;
      continue;
    }
    int a = sf_oi_table_add_record(t, &out->oi);
    if (a < 0) {
      if (a == SF_ENOMEM) {
        rc = a;
        goto out;
      }
      rep->skipped++;
      continue;
    }
    rep->rows++;
    if (a == 1) rep->duplicates++;
  }
  rc = 0;
out:
  free(out);
  sf_dbn_file_close(f);
  return rc;
}
