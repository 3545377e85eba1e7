/* Record <-> JSON dispatch by type, the {"type","payload"} envelope, compact dumping with
 * 15-digit reals, and one-line helpers for tapes (record_json.h). Encoding is one code path:
 * the per-type encoders write text with the streaming writer (jsonw.h), byte-identical to what
 * jansson dumps, and the json_t variants parse that text, so they cannot drift apart
 * (tests/model/golden_record_json.c pins the bytes). Parsing a line rejects duplicate keys
 * (which value would win is ambiguous) and keeps the syntax error's column in the message;
 * sf_record_from_line tries json_fast.c first and takes this tree path when the scanner
 * declines. */
#include "smartflow/record_json.h"

#include <stdlib.h>
#include <string.h>

#include "model/json_util.h"
#include "smartflow/err.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

int sf_record_encode(const struct sf_record *r, struct sf_jw *w) {
  switch (r->type) {
    case SF_REC_OPTION_PRINT:
      return sf_option_print_encode(&r->u.option_print, w);
    case SF_REC_OPTION_NBBO:
      return sf_option_nbbo_encode(&r->u.option_nbbo, w);
    case SF_REC_EQUITY_QUOTE:
      return sf_equity_quote_encode(&r->u.equity_quote, w);
    case SF_REC_EQUITY_PRINT:
      return sf_equity_print_encode(&r->u.equity_print, w);
    case SF_REC_FLOW_PACKET:
      return sf_flow_packet_encode(&r->u.flow_packet, w);
    case SF_REC_SMART_MONEY:
      return sf_smart_money_encode(&r->u.smart_money, w);
    case SF_REC_CLASSIFIER_HIT:
      return sf_classifier_hit_encode(&r->u.classifier_hit, w);
    case SF_REC_ALERT:
      return sf_alert_encode(&r->u.alert, w);
    default:
      return SF_ETYPE;
  }
}

int sf_record_encode_envelope(const struct sf_record *r, struct sf_jw *w) {
  const char *name = sf_record_type_name(r->type);
  if (!name) return SF_ETYPE;
  sf_jw_obj_begin(w);
  SF_JW_KEY(w, "type");
  sf_jw_str(w, name);
  SF_JW_KEY(w, "payload");
  int rc = sf_record_encode(r, w);
  if (rc) return rc;
  sf_jw_obj_end(w);
  return sf_jw_status(w);
}

/* Parses what an encoder wrote into a jansson tree (NUL is allowed in free-form strings). */
static json_t *encode_parsed(const struct sf_record *r, int envelope) {
  struct sf_jw w;
  sf_jw_init(&w);
  json_t *j = NULL;
  int rc = envelope ? sf_record_encode_envelope(r, &w) : sf_record_encode(r, &w);
  size_t len;
  const char *s = rc ? NULL : sf_jw_cstr(&w, &len);
  if (s) j = json_loadb(s, len, JSON_ALLOW_NUL, NULL);
  sf_jw_fini(&w);
  return j;
}

json_t *sf_record_to_json(const struct sf_record *r) { return encode_parsed(r, 0); }

int sf_record_from_json(enum sf_record_type t, const json_t *payload, struct sf_record *r,
                        struct sf_errbuf *err) {
  int rc;
  sf_record_init(r, t);
  switch (t) {
    case SF_REC_OPTION_PRINT:
      rc = sf_option_print_from_json(payload, &r->u.option_print, err);
      break;
    case SF_REC_OPTION_NBBO:
      rc = sf_option_nbbo_from_json(payload, &r->u.option_nbbo, err);
      break;
    case SF_REC_EQUITY_QUOTE:
      rc = sf_equity_quote_from_json(payload, &r->u.equity_quote, err);
      break;
    case SF_REC_EQUITY_PRINT:
      rc = sf_equity_print_from_json(payload, &r->u.equity_print, err);
      break;
    case SF_REC_FLOW_PACKET:
      rc = sf_flow_packet_from_json(payload, &r->u.flow_packet, err);
      break;
    case SF_REC_SMART_MONEY:
      rc = sf_smart_money_from_json(payload, &r->u.smart_money, err);
      break;
    case SF_REC_CLASSIFIER_HIT:
      rc = sf_classifier_hit_from_json(payload, &r->u.classifier_hit, "classifier-hit", err);
      break;
    case SF_REC_ALERT:
      rc = sf_alert_from_json(payload, &r->u.alert, err);
      break;
    default:
      if (err) snprintf(err->msg, sizeof err->msg, "record type %d is not known", (int)t);
      return SF_ETYPE;
  }
  if (rc) {
    sf_record_fini(r);
    sf_record_init(r, t);
  }
  return rc;
}

json_t *sf_envelope_to_json(const struct sf_record *r) { return encode_parsed(r, 1); }

int sf_envelope_from_json(const json_t *env, struct sf_record *r, struct sf_errbuf *err) {
  struct sf_jd d = {env, "envelope", err, NULL};
  sf_record_init(r, SF_REC_OPTION_PRINT);
  if (!json_is_object(env)) return sf_jd_fail(&d, NULL, "must be an object {\"type\":…,\"payload\":{…}}");
  const json_t *type = json_object_get(env, "type");
  if (!type) return sf_jd_fail(&d, "type", "missing (must be a record type name)");
  if (!json_is_string(type)) return sf_jd_fail(&d, "type", "must be a record type name string");
  int t = sf_record_type_from_name(json_string_value(type));
  if (t < 0 || strlen(json_string_value(type)) != json_string_length(type)) {
    char q[40];
    size_t len = json_string_length(type), n = len < 32 ? len : 32;
    for (size_t i = 0; i < n; i++) {
      unsigned char c = (unsigned char)json_string_value(type)[i];
      q[i] = (char)(c < 0x20 || c == 0x7f ? '?' : c);
    }
    q[n] = '\0';
    sf_jd_fail(&d, "type", "unknown record type \"%s%s\"", q, len > n ? "..." : "");
    return SF_ETYPE;
  }
  const json_t *payload = json_object_get(env, "payload");
  if (!payload) return sf_jd_fail(&d, "payload", "missing (must be an object)");
  if (!json_is_object(payload)) return sf_jd_fail(&d, "payload", "must be an object");
  return sf_record_from_json((enum sf_record_type)t, payload, r, err);
}

/* A growable output buffer for json_dump_callback. */
struct dumpbuf {
  char *p;
  size_t len, cap;
};

static int dump_cb(const char *s, size_t n, void *data) {
  struct dumpbuf *b = data;
  if (b->len + n + 2 > b->cap) {
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < b->len + n + 2) ncap *= 2;
    char *np = realloc(b->p, ncap);
    if (!np) return -1;
    b->p = np;
    b->cap = ncap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  return 0;
}

char *sf_json_dumps(const json_t *j, int nl) {
  struct dumpbuf b = {NULL, 0, 0};
  if (!j || json_dump_callback(j, dump_cb, &b, DUMP_FLAGS) != 0 || !b.p) {
    free(b.p);
    return NULL;
  }
  if (nl) b.p[b.len++] = '\n';
  b.p[b.len] = '\0';
  return b.p;
}

char *sf_record_to_line(const struct sf_record *r) {
  struct sf_jw w;
  sf_jw_init(&w);
  if (sf_record_encode_envelope(r, &w)) {
    sf_jw_fini(&w);
    return NULL;
  }
  sf_jw_bytes(&w, "\n", 1);
  char *s = sf_jw_take(&w, NULL);
  sf_jw_fini(&w);
  return s;
}

int sf_record_from_line(const char *line, size_t len, struct sf_record *r, struct sf_errbuf *err) {
  int rc = sf_record_from_line_fast(line, len, r, err);
  return rc == SF_FAST_DECLINED ? sf_record_from_line_tree(line, len, r, err) : rc;
}

int sf_record_from_line_tree(const char *line, size_t len, struct sf_record *r, struct sf_errbuf *err) {
  sf_record_init(r, SF_REC_OPTION_PRINT);
  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
  json_error_t jerr;
  json_t *env = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!env) {
    if (json_error_code(&jerr) == json_error_out_of_memory) {
      if (err) snprintf(err->msg, sizeof err->msg, "out of memory parsing JSON");
      return SF_ENOMEM;
    }
    if (err) snprintf(err->msg, sizeof err->msg, "invalid JSON at column %d: %s", jerr.column, jerr.text);
    return SF_EPARSE;
  }
  int rc = sf_envelope_from_json(env, r, err);
  json_decref(env);
  return rc;
}
