/* Private helpers of the record JSON codec (record_json.c, json_market.c, json_derived.c): typed
 * field readers that validate and write one "path.field: must be ..." message on failure, and
 * field writers on the streaming writer (jsonw.h) that turn null values (NaN, SF_TS_NULL, "")
 * into JSON null. A reader returns 0 or SF_EFIELD (SF_ENOMEM for allocation failures); a writer
 * leaves a failure in the sf_jw instead of returning it, so an encoder checks once at the end. */
#ifndef SMARTFLOW_MODEL_JSON_UTIL_H
#define SMARTFLOW_MODEL_JSON_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "smartflow/jsonw.h"
#include "smartflow/record.h"
#include "smartflow/record_json.h"

/* Field flags for readers. */
#define SF_JD_REQ 1u      /* the key must be present */
#define SF_JD_NULL 2u     /* null is allowed (reads as the null value) */
#define SF_JD_NONEMPTY 4u /* strings: "" is rejected */

/* Meta and market-data timestamps are ms that must convert to ns without overflow. */
#define SF_JD_MS_MAX INT64_C(9223372036854)

/* A JSON value as the readers see it, whichever parser produced it: jansson (json_t trees) or the
 * single-pass scanner of json_fast.c (views into the line). Strings are NUL-terminated and hold
 * no NUL (both parsers reject \u0000). Arrays are read element by element with sf_jv_elem. */
enum sf_jv_kind {
  SF_JV_ABSENT = 0, /* the key is not in the object */
  SF_JV_NULL,
  SF_JV_BOOL,
  SF_JV_INT,
  SF_JV_REAL,
  SF_JV_STR,
  SF_JV_ARRAY,
  SF_JV_OBJECT
};
struct sf_jv {
  uint8_t kind;              /* enum sf_jv_kind */
  bool b;                    /* SF_JV_BOOL */
  int64_t i;                 /* SF_JV_INT */
  double r;                  /* SF_JV_REAL */
  const char *s;             /* SF_JV_STR: borrowed, NUL-terminated */
  size_t len;                /* SF_JV_STR: bytes; SF_JV_ARRAY: element count */
  const json_t *j;           /* jansson arrays and objects, or NULL */
  const struct sf_jv *elems; /* scanner arrays: len elements */
};

/* The scanner's parsed object (json_fast.c); opaque to the readers. */
struct sf_jfast;

/* A decoding position: the object being read (a jansson object, or the scanner's object when
 * fast is set) and its path for messages. */
struct sf_jd {
  const json_t *obj;
  const char *path; /* "option-print" or "smart-money.profile_scores[2]" */
  struct sf_errbuf *err;
  const struct sf_jfast *fast;
};

/* The value of key in d's object, as a view in *tmp or in the scanner's storage (the returned
 * pointer is valid while both are); kind SF_JV_ABSENT when the key is not there. */
const struct sf_jv *sf_jd_get(const struct sf_jd *d, const char *key, struct sf_jv *tmp);
/* Element i (< arr->len) of an array view. */
const struct sf_jv *sf_jv_elem(const struct sf_jv *arr, size_t i, struct sf_jv *tmp);
/* The view of a jansson value (NULL gives SF_JV_ABSENT). */
void sf_jv_from_json(const json_t *v, struct sf_jv *out);
/* The scanner's value for a key, or NULL when absent (json_fast.c). */
const struct sf_jv *sf_jfast_get(const struct sf_jfast *f, const char *key);

/* Writes "path.key: <formatted>" into the error buffer and returns SF_EFIELD. */
int sf_jd_fail(const struct sf_jd *d, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A number (integer or real, finite) in [lo, hi]; absent or null reads as NaN when allowed.
 * desc completes "must be ..." (e.g. "a number >= 0"). */
int sf_jd_num(const struct sf_jd *d, const char *key, unsigned flags, double lo, double hi, const char *desc,
              double *out);
/* An integer in [lo, hi] (an integral real within 2^53 is accepted too). Absent leaves *out. */
int sf_jd_int(const struct sf_jd *d, const char *key, unsigned flags, int64_t lo, int64_t hi,
              const char *desc, int64_t *out);
/* A timestamp: key in ms plus an optional key_ns twin that must floor to the same ms. Absent or
 * null reads SF_TS_NULL when allowed. */
int sf_jd_ts(const struct sf_jd *d, const char *key, unsigned flags, int64_t *out_ns);
/* A meta-style ms timestamp (no twin); null reads SF_TS_NULL when allowed. */
int sf_jd_ms(const struct sf_jd *d, const char *key, unsigned flags, int64_t *out_ms);
/* A string that fits buf (cap includes the NUL) with no NUL inside; absent/null reads "". */
int sf_jd_str(const struct sf_jd *d, const char *key, unsigned flags, char *buf, size_t cap);
/* true/false, or null/absent as -1 when allowed. */
int sf_jd_tribool(const struct sf_jd *d, const char *key, unsigned flags, int8_t *out);
/* A string looked up with from_name; absent/null reads -1 when allowed. desc lists the values. */
int sf_jd_enum(const struct sf_jd *d, const char *key, unsigned flags, int (*from_name)(const char *),
               const char *desc, int *out);
/* An array of non-empty strings without NUL (ids, reason codes, explanations: no length bound,
 * the vector owns copies). Absent/null reads as empty when allowed. */
int sf_jd_strvec(const struct sf_jd *d, const char *key, unsigned flags, struct sf_strvec *out);
/* A contract id in either accepted form, stored canonical. Absent/null reads "" when allowed. */
int sf_jd_contract(const struct sf_jd *d, const char *key, unsigned flags, char *buf, size_t cap);
/* The event meta: source_ts, ingest_ts, seq, trace_id, all required. */
int sf_jd_meta(const struct sf_jd *d, struct sf_meta *m);

/* Encoder helpers on the streaming writer: the value of a field whose key the caller has written
 * (SF_JW_KEY). Null values (NaN or infinite, SF_TS_NULL, "", a NULL name) are written as null. A
 * failure (invalid UTF-8, out of memory) stays in the writer; encoders return sf_jw_status(). */
void sf_je_num(struct sf_jw *w, double v); /* non-finite -> null, as the tree encoder did */
/* A double that is shown as an integer when integral within 2^53 (NaN -> null). */
void sf_je_intnum(struct sf_jw *w, double v);
void sf_je_ms(struct sf_jw *w, int64_t ms);          /* null when SF_TS_NULL */
void sf_je_str_null(struct sf_jw *w, const char *s); /* "" -> null */
void sf_je_name(struct sf_jw *w, const char *name);  /* NULL -> null */
void sf_je_tribool(struct sf_jw *w, int8_t v);
void sf_je_strvec(struct sf_jw *w, const struct sf_strvec *sv);
/* The meta fields source_ts, ingest_ts, seq, trace_id (keys included). */
void sf_je_meta(struct sf_jw *w, const struct sf_meta *m);
/* A timestamp field: key (floor ms) and key_ns, both null when SF_TS_NULL. key is a literal. */
#define SF_JE_TS(w, key, ns) sf_je_ts_pair((w), "" key "", sizeof(key) - 1, (ns))
void sf_je_ts_pair(struct sf_jw *w, const char *key, size_t n, int64_t ns);

/* Per-type encoders, dispatched by record_json.c: one JSON object each, appended to w. */
int sf_option_print_encode(const struct sf_option_print *p, struct sf_jw *w);
int sf_option_nbbo_encode(const struct sf_option_nbbo *q, struct sf_jw *w);
int sf_equity_quote_encode(const struct sf_equity_quote *q, struct sf_jw *w);
int sf_equity_print_encode(const struct sf_equity_print *p, struct sf_jw *w);
int sf_flow_packet_encode(const struct sf_flow_packet *p, struct sf_jw *w);
int sf_smart_money_encode(const struct sf_smart_money_event *e, struct sf_jw *w);
int sf_classifier_hit_encode(const struct sf_classifier_hit *h, struct sf_jw *w);
int sf_alert_encode(const struct sf_alert *a, struct sf_jw *w);

/* Per-type decoders over either parser's object (d->path set by the caller to the type name);
 * r is initialised by the call and left initialised on error. The *_from_json functions wrap
 * these for jansson objects. */
int sf_option_print_decode(const struct sf_jd *d, struct sf_option_print *p);
int sf_option_nbbo_decode(const struct sf_jd *d, struct sf_option_nbbo *q);
int sf_equity_quote_decode(const struct sf_jd *d, struct sf_equity_quote *q);
int sf_equity_print_decode(const struct sf_jd *d, struct sf_equity_print *p);

/* Per-type codecs, dispatched by record_json.c. */
int sf_option_print_from_json(const json_t *j, struct sf_option_print *p, struct sf_errbuf *err);
int sf_option_nbbo_from_json(const json_t *j, struct sf_option_nbbo *q, struct sf_errbuf *err);
int sf_equity_quote_from_json(const json_t *j, struct sf_equity_quote *q, struct sf_errbuf *err);
int sf_equity_print_from_json(const json_t *j, struct sf_equity_print *p, struct sf_errbuf *err);

int sf_flow_packet_from_json(const json_t *j, struct sf_flow_packet *p, struct sf_errbuf *err);
int sf_smart_money_from_json(const json_t *j, struct sf_smart_money_event *e, struct sf_errbuf *err);
int sf_classifier_hit_from_json(const json_t *j, struct sf_classifier_hit *h, const char *path,
                                struct sf_errbuf *err);
int sf_alert_from_json(const json_t *j, struct sf_alert *a, struct sf_errbuf *err);

#endif
