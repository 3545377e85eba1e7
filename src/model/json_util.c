/* Typed JSON field readers and writers shared by the record codecs (see json_util.h). Readers
 * never trust the input: every value is checked for type, range, length and embedded NUL before
 * it is stored, and the first failure yields one message "path.field: must be <what>" (with
 * "missing" in front when the field is absent). Values quoted in messages are cut short and
 * control characters replaced, so a message is always one printable line. */
#include "model/json_util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "smartflow/contract.h"
#include "smartflow/err.h"

/* An integral real is accepted for an integer field only where doubles are exact. */
#define EXACT_INT_MAX 9007199254740992.0 /* 2^53 */

int sf_jd_fail(const struct sf_jd *d, const char *key, const char *fmt, ...) {
  if (d->err) {
    int n = key ? snprintf(d->err->msg, sizeof d->err->msg, "%s.%s: ", d->path, key)
                : snprintf(d->err->msg, sizeof d->err->msg, "%s: ", d->path);
    if (n < 0) n = 0;
    if ((size_t)n < sizeof d->err->msg) {
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(d->err->msg + n, sizeof d->err->msg - (size_t)n, fmt, ap);
      va_end(ap);
    }
  }
  return SF_EFIELD;
}

/* A printable, bounded copy of an input string for messages. */
static const char *quote(const char *s, size_t len, char out[40]) {
  size_t n = len < 32 ? len : 32, i;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    out[i] = (char)(c < 0x20 || c == 0x7f ? '?' : c);
  }
  if (len > n) {
    memcpy(out + i, "...", 3);
    i += 3;
  }
  out[i] = '\0';
  return out;
}

void sf_jv_from_json(const json_t *v, struct sf_jv *out) {
  out->j = NULL;
  out->elems = NULL;
  if (!v) {
    out->kind = SF_JV_ABSENT;
    return;
  }
  switch (json_typeof(v)) {
    case JSON_NULL:
      out->kind = SF_JV_NULL;
      break;
    case JSON_TRUE:
    case JSON_FALSE:
      out->kind = SF_JV_BOOL;
      out->b = json_is_true(v);
      break;
    case JSON_INTEGER:
      out->kind = SF_JV_INT;
      out->i = (int64_t)json_integer_value(v);
      break;
    case JSON_REAL:
      out->kind = SF_JV_REAL;
      out->r = json_real_value(v);
      break;
    case JSON_STRING:
      out->kind = SF_JV_STR;
      out->s = json_string_value(v);
      out->len = json_string_length(v);
      break;
    case JSON_ARRAY:
      out->kind = SF_JV_ARRAY;
      out->len = json_array_size(v);
      out->j = v;
      break;
    case JSON_OBJECT:
      out->kind = SF_JV_OBJECT;
      out->j = v;
      break;
    default:
      out->kind = SF_JV_ABSENT;
      break;
  }
}

const struct sf_jv *sf_jd_get(const struct sf_jd *d, const char *key, struct sf_jv *tmp) {
  if (d->fast) {
    const struct sf_jv *v = sf_jfast_get(d->fast, key);
    if (v) return v;
    tmp->kind = SF_JV_ABSENT;
    return tmp;
  }
  sf_jv_from_json(d->obj ? json_object_get(d->obj, key) : NULL, tmp);
  return tmp;
}

const struct sf_jv *sf_jv_elem(const struct sf_jv *arr, size_t i, struct sf_jv *tmp) {
  if (arr->elems) return &arr->elems[i];
  sf_jv_from_json(json_array_get(arr->j, i), tmp);
  return tmp;
}

static double jv_number(const struct sf_jv *v) { return v->kind == SF_JV_INT ? (double)v->i : v->r; }

/* Looks the key up and handles absence and null. Returns 1 when a non-null value is in *v, 0
 * when the field is absent or null and that is allowed, or SF_EFIELD. desc is formatted only
 * for a message (building it costs more than a successful read). */
static int lookup(const struct sf_jd *d, const char *key, unsigned flags, const char *desc, struct sf_jv *tmp,
                  const struct sf_jv **v) {
  *v = sf_jd_get(d, key, tmp);
  if ((*v)->kind == SF_JV_ABSENT)
    return (flags & SF_JD_REQ) ? sf_jd_fail(d, key, "missing (must be %s)", desc) : 0;
  if ((*v)->kind == SF_JV_NULL)
    return (flags & SF_JD_NULL) ? 0 : sf_jd_fail(d, key, "must be %s, not null", desc);
  return 1;
}

int sf_jd_num(const struct sf_jd *d, const char *key, unsigned flags, double lo, double hi, const char *desc,
              double *out) {
  struct sf_jv tmp;
  const struct sf_jv *v;
  int rc = lookup(d, key, flags, desc, &tmp, &v);
  if (rc <= 0) {
    if (rc == 0) *out = SF_NULL;
    return rc;
  }
  if (v->kind != SF_JV_INT && v->kind != SF_JV_REAL) return sf_jd_fail(d, key, "must be %s", desc);
  double x = jv_number(v);
  if (!isfinite(x) || x < lo || x > hi) return sf_jd_fail(d, key, "must be %s", desc);
  *out = x;
  return 0;
}

/* sf_jd_int on a value already looked up (non-null). */
static int int_value(const struct sf_jd *d, const char *key, const struct sf_jv *v, int64_t lo, int64_t hi,
                     const char *desc, int64_t *out) {
  int64_t x;
  if (v->kind == SF_JV_INT) {
    x = v->i;
  } else if (v->kind == SF_JV_REAL) {
    double r = v->r;
    if (!(fabs(r) <= EXACT_INT_MAX) || r != floor(r)) return sf_jd_fail(d, key, "must be %s", desc);
    x = (int64_t)r;
  } else {
    return sf_jd_fail(d, key, "must be %s", desc);
  }
  if (x < lo || x > hi) return sf_jd_fail(d, key, "must be %s", desc);
  *out = x;
  return 0;
}

int sf_jd_int(const struct sf_jd *d, const char *key, unsigned flags, int64_t lo, int64_t hi,
              const char *desc, int64_t *out) {
  struct sf_jv tmp;
  const struct sf_jv *v;
  int rc = lookup(d, key, flags & ~SF_JD_NULL, desc, &tmp, &v);
  if (rc <= 0) return rc;
  return int_value(d, key, v, lo, hi, desc, out);
}

int sf_jd_ms(const struct sf_jd *d, const char *key, unsigned flags, int64_t *out_ms) {
  const char *desc = "an integer of epoch milliseconds";
  struct sf_jv tmp;
  const struct sf_jv *v;
  int rc = lookup(d, key, flags, desc, &tmp, &v);
  if (rc <= 0) {
    if (rc == 0) *out_ms = SF_TS_NULL;
    return rc;
  }
  return int_value(d, key, v, -SF_JD_MS_MAX, SF_JD_MS_MAX, desc, out_ms);
}

int sf_jd_ts(const struct sf_jd *d, const char *key, unsigned flags, int64_t *out_ns) {
  int64_t ms;
  int rc = sf_jd_ms(d, key, flags, &ms);
  if (rc) return rc;
  char nskey[64];
  size_t klen = strlen(key);
  if (klen > sizeof nskey - 4) klen = sizeof nskey - 4;
  memcpy(nskey, key, klen);
  memcpy(nskey + klen, "_ns", 4);
  struct sf_jv tmp;
  const struct sf_jv *nsv = sf_jd_get(d, nskey, &tmp);
  int present = nsv->kind != SF_JV_ABSENT && nsv->kind != SF_JV_NULL;
  if (ms == SF_TS_NULL) {
    if (present) return sf_jd_fail(d, nskey, "must be null when %s is null", key);
    *out_ns = SF_TS_NULL;
    return 0;
  }
  if (!present) {
    *out_ns = sf_ms_to_ns(ms);
    return 0;
  }
  if (nsv->kind != SF_JV_INT) return sf_jd_fail(d, nskey, "must be an integer of epoch nanoseconds");
  int64_t ns = nsv->i;
  if (ns == SF_TS_NULL || sf_ns_to_ms(ns) != ms)
    return sf_jd_fail(d, nskey, "must fall within the millisecond %s = %lld", key, (long long)ms);
  *out_ns = ns;
  return 0;
}

/* The description of a string field, for messages. */
static const char *str_desc(unsigned flags, size_t cap, char out[64]) {
  snprintf(out, 64, "a%s string of at most %zu bytes", (flags & SF_JD_NONEMPTY) ? " non-empty" : "", cap - 1);
  return out;
}

int sf_jd_str(const struct sf_jd *d, const char *key, unsigned flags, char *buf, size_t cap) {
  char desc[64];
  struct sf_jv tmp;
  const struct sf_jv *v = sf_jd_get(d, key, &tmp);
  if (v->kind == SF_JV_ABSENT || v->kind == SF_JV_NULL) {
    const struct sf_jv *again;
    int rc = lookup(d, key, flags, str_desc(flags, cap, desc), &tmp, &again);
    if (rc == 0) buf[0] = '\0';
    return rc;
  }
  if (v->kind != SF_JV_STR) return sf_jd_fail(d, key, "must be %s", str_desc(flags, cap, desc));
  const char *s = v->s;
  size_t len = v->len;
  if (memchr(s, '\0', len)) return sf_jd_fail(d, key, "must not contain a NUL character");
  if (len >= cap || (len == 0 && (flags & SF_JD_NONEMPTY)))
    return sf_jd_fail(d, key, "must be %s", str_desc(flags, cap, desc));
  memcpy(buf, s, len);
  buf[len] = '\0';
  return 0;
}

int sf_jd_tribool(const struct sf_jd *d, const char *key, unsigned flags, int8_t *out) {
  const char *desc = (flags & SF_JD_NULL) ? "true, false or null" : "true or false";
  struct sf_jv tmp;
  const struct sf_jv *v;
  int rc = lookup(d, key, flags, desc, &tmp, &v);
  if (rc <= 0) {
    if (rc == 0) *out = -1;
    return rc;
  }
  if (v->kind != SF_JV_BOOL) return sf_jd_fail(d, key, "must be %s", desc);
  *out = v->b ? 1 : 0;
  return 0;
}

int sf_jd_enum(const struct sf_jd *d, const char *key, unsigned flags, int (*from_name)(const char *),
               const char *desc, int *out) {
  struct sf_jv tmp;
  const struct sf_jv *v;
  int rc = lookup(d, key, flags, desc, &tmp, &v);
  if (rc <= 0) {
    if (rc == 0) *out = -1;
    return rc;
  }
  if (v->kind != SF_JV_STR) return sf_jd_fail(d, key, "must be %s", desc);
  const char *s = v->s;
  size_t len = v->len;
  int x = memchr(s, '\0', len) ? -1 : from_name(s);
  if (x < 0) {
    char q[40];
    return sf_jd_fail(d, key, "unknown value \"%s\" (must be %s)", quote(s, len, q), desc);
  }
  *out = x;
  return 0;
}

int sf_jd_strvec(const struct sf_jd *d, const char *key, unsigned flags, struct sf_strvec *out) {
  const char *desc = "an array of non-empty strings";
  struct sf_jv tmp;
  const struct sf_jv *v;
  int rc = lookup(d, key, flags, desc, &tmp, &v);
  if (rc <= 0) return rc;
  if (v->kind != SF_JV_ARRAY) return sf_jd_fail(d, key, "must be %s", desc);
  for (size_t i = 0; i < v->len; i++) {
    struct sf_jv etmp;
    const struct sf_jv *s = sf_jv_elem(v, i, &etmp);
    size_t len = s->kind == SF_JV_STR ? s->len : 0;
    char ekey[80];
    snprintf(ekey, sizeof ekey, "%s[%zu]", key, i);
    if (s->kind != SF_JV_STR || len == 0) return sf_jd_fail(d, ekey, "must be a non-empty string");
    if (memchr(s->s, '\0', len)) return sf_jd_fail(d, ekey, "must not contain a NUL character");
    if (sf_strvec_pushn(out, s->s, len)) return SF_ENOMEM;
  }
  return 0;
}

int sf_jd_contract(const struct sf_jd *d, const char *key, unsigned flags, char *buf, size_t cap) {
  const char *desc = "a contract id (ROOT-YYYY-MM-DD-STRIKE-C|P or OSI)";
  struct sf_jv tmp;
  const struct sf_jv *v;
  int rc = lookup(d, key, flags, desc, &tmp, &v);
  if (rc <= 0) {
    if (rc == 0) buf[0] = '\0';
    return rc;
  }
  if (v->kind != SF_JV_STR) return sf_jd_fail(d, key, "must be %s", desc);
  const char *s = v->s;
  size_t len = v->len;
  char q[40];
  if (memchr(s, '\0', len) || len >= 64)
    return sf_jd_fail(d, key, "invalid contract id \"%s\"", quote(s, len, q));
  const char *why = NULL;
  if (sf_contract_canonicalize(s, buf, cap, &why) < 0) {
    buf[0] = '\0';
    return sf_jd_fail(d, key, "invalid contract id \"%s\": %s", quote(s, len, q), why ? why : "malformed");
  }
  return 0;
}

int sf_jd_meta(const struct sf_jd *d, struct sf_meta *m) {
  int rc = sf_jd_ms(d, "source_ts", SF_JD_REQ, &m->source_ts);
  if (!rc) rc = sf_jd_ms(d, "ingest_ts", SF_JD_REQ, &m->ingest_ts);
  if (!rc) rc = sf_jd_int(d, "seq", SF_JD_REQ, 0, INT64_MAX, "an integer >= 0", &m->seq);
  if (!rc) rc = sf_jd_str(d, "trace_id", SF_JD_REQ | SF_JD_NONEMPTY, m->trace_id, sizeof m->trace_id);
  return rc;
}

/* ---- writers ---- */

void sf_je_num(struct sf_jw *w, double v) {
  if (isfinite(v))
    sf_jw_real(w, v);
  else
    sf_jw_null(w);
}

void sf_je_intnum(struct sf_jw *w, double v) {
  if (isfinite(v) && v == floor(v) && fabs(v) <= EXACT_INT_MAX)
    sf_jw_int(w, (int64_t)v);
  else
    sf_je_num(w, v);
}

void sf_je_ms(struct sf_jw *w, int64_t ms) {
  if (ms == SF_TS_NULL)
    sf_jw_null(w);
  else
    sf_jw_int(w, ms);
}

void sf_je_ts_pair(struct sf_jw *w, const char *key, size_t n, int64_t ns) {
  char nskey[64];
  if (n + 3 >= sizeof nskey) {
    w->err = SF_EINVAL;
    return;
  }
  memcpy(nskey, key, n);
  memcpy(nskey + n, "_ns", 3);
  sf_jw_key_lit(w, key, n);
  if (ns == SF_TS_NULL) {
    sf_jw_null(w);
    sf_jw_key_lit(w, nskey, n + 3);
    sf_jw_null(w);
    return;
  }
  sf_jw_int(w, sf_ns_to_ms(ns));
  sf_jw_key_lit(w, nskey, n + 3);
  sf_jw_int(w, ns);
}

void sf_je_str_null(struct sf_jw *w, const char *s) {
  if (s[0])
    sf_jw_str(w, s);
  else
    sf_jw_null(w);
}

void sf_je_name(struct sf_jw *w, const char *name) {
  if (name)
    sf_jw_str(w, name);
  else
    sf_jw_null(w);
}

void sf_je_tribool(struct sf_jw *w, int8_t v) {
  if (v < 0)
    sf_jw_null(w);
  else
    sf_jw_bool(w, v != 0);
}

void sf_je_strvec(struct sf_jw *w, const struct sf_strvec *sv) {
  sf_jw_arr_begin(w);
  for (size_t i = 0; i < sv->n; i++) sf_jw_str(w, sv->v[i]);
  sf_jw_arr_end(w);
}

void sf_je_meta(struct sf_jw *w, const struct sf_meta *m) {
  SF_JW_KEY(w, "source_ts");
  sf_je_ms(w, m->source_ts);
  SF_JW_KEY(w, "ingest_ts");
  sf_je_ms(w, m->ingest_ts);
  SF_JW_KEY(w, "seq");
  sf_jw_int(w, m->seq);
  SF_JW_KEY(w, "trace_id");
  sf_jw_str(w, m->trace_id);
}
