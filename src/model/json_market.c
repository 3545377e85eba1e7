/* JSON codecs of the market-data records (CONTRACTS.md "Market data in"): OptionPrint with its
 * optional enrichment, OptionNBBO (camelCase bidSize/askSize), EquityQuote and EquityPrint
 * (camelCase offExchangeFlag). Keys are written in one fixed order: meta, then the contract
 * fields, then enrichment. `ts` is floor ms with a `ts_ns` twin; the enrichment timestamps
 * likewise. An OptionPrint writes its enrichment only when `enriched`, and a decoded print is
 * enriched when its payload has a `nbbo_side` or `underlying_id` key. */
#include <math.h>
#include <string.h>

#include "model/json_util.h"
#include "smartflow/condition.h"
#include "smartflow/err.h"

#define PRICE_DESC "a number >= 0"
#define NUM_ANY_DESC "a number or null"
#define NONNEG_NULL_DESC "a number >= 0 or null"
#define SIZE_DESC "an integer > 0"

static const char *const side_desc = "one of AA, A, MID, B, BB, MISSING, STALE, or null";

/* ---- conditions ---- */

static json_t *conditions_to_json(uint32_t bits) {
  json_t *a = json_array();
  if (!a) return NULL;
  for (int i = 0; i < SF_COND_COUNT; i++) {
    uint32_t bit = sf_condition_bit(i);
    if (!(bits & bit)) continue;
    const char *name = sf_condition_name(bit);
    if (!name || json_array_append_new(a, json_string(name))) {
      json_decref(a);
      return NULL;
    }
  }
  return a;
}

static int conditions_from_json(const struct sf_jd *d, const char *key, uint32_t *out) {
  struct sf_jv tmp;
  const struct sf_jv *v = sf_jd_get(d, key, &tmp);
  *out = 0;
  if (v->kind == SF_JV_ABSENT || v->kind == SF_JV_NULL) return 0;
  if (v->kind != SF_JV_ARRAY) return sf_jd_fail(d, key, "must be an array of condition names");
  for (size_t i = 0; i < v->len; i++) {
    struct sf_jv etmp;
    const struct sf_jv *s = sf_jv_elem(v, i, &etmp);
    if (s->kind != SF_JV_STR) {
      char ekey[48];
      snprintf(ekey, sizeof ekey, "%s[%zu]", key, i);
      return sf_jd_fail(d, ekey, "must be a condition name string");
    }
    const char *name = s->s;
    size_t len = s->len;
    uint32_t bit = memchr(name, '\0', len) ? 0 : sf_condition_from_name(name, len);
    if (!bit) {
      char ekey[48], q[40];
      snprintf(ekey, sizeof ekey, "%s[%zu]", key, i);
      size_t n = len < 32 ? len : 32;
      for (size_t k = 0; k < n; k++) q[k] = (char)((unsigned char)name[k] < 0x20 ? '?' : name[k]);
      q[n] = '\0';
      return sf_jd_fail(d, ekey, "unknown condition \"%s%s\"", q, len > n ? "..." : "");
    }
    *out |= bit;
  }
  return 0;
}

/* Whether key is present (null counts as present). */
static int has_key(const struct sf_jd *d, const char *key) {
  struct sf_jv tmp;
  return sf_jd_get(d, key, &tmp)->kind != SF_JV_ABSENT;
}

/* ---- option print ---- */

json_t *sf_option_print_to_json(const struct sf_option_print *p) {
  struct sf_je e = {json_object(), 0};
  if (!e.obj) return NULL;
  sf_je_meta(&e, &p->meta);
  sf_je_ts(&e, "ts", p->ts_ns);
  sf_je_str(&e, "option_contract_id", p->option_contract_id);
  sf_je_num(&e, "price", p->price);
  sf_je_int(&e, "size", p->size);
  sf_je_str(&e, "exchange", p->exchange);
  sf_je_set(&e, "conditions", conditions_to_json(p->conditions));
  if (p->enriched) {
    const char *side = sf_side_name((enum sf_nbbo_side)p->nbbo_side);
    const char *otype = sf_option_type_name(p->option_type);
    const char *rule = sf_aggressor_rule_name((enum sf_aggressor_rule)p->aggressor_rule);
    sf_je_str_null(&e, "underlying_id", p->underlying_id);
    sf_je_set(&e, "option_type", otype ? json_string(otype) : json_null());
    sf_je_num(&e, "notional", p->notional);
    sf_je_set(&e, "nbbo_side", side ? json_string(side) : json_null());
    sf_je_num(&e, "execution_nbbo_bid", p->nbbo_bid);
    sf_je_num(&e, "execution_nbbo_ask", p->nbbo_ask);
    sf_je_num(&e, "execution_nbbo_mid", p->nbbo_mid);
    sf_je_num(&e, "execution_nbbo_spread", p->nbbo_spread);
    sf_je_num(&e, "execution_nbbo_bid_size", p->nbbo_bid_size);
    sf_je_num(&e, "execution_nbbo_ask_size", p->nbbo_ask_size);
    sf_je_ts(&e, "execution_nbbo_ts", p->nbbo_ts_ns);
    sf_je_num(&e, "execution_nbbo_age_ms", p->nbbo_age_ms);
    sf_je_set(&e, "execution_nbbo_side", side ? json_string(side) : json_null());
    sf_je_num(&e, "execution_underlying_spot", p->und_spot);
    sf_je_num(&e, "execution_underlying_bid", p->und_bid);
    sf_je_num(&e, "execution_underlying_ask", p->und_ask);
    sf_je_num(&e, "execution_underlying_mid", p->und_mid);
    sf_je_num(&e, "execution_underlying_spread", p->und_spread);
    sf_je_ts(&e, "execution_underlying_ts", p->und_ts_ns);
    sf_je_num(&e, "execution_underlying_age_ms", p->und_age_ms);
    sf_je_num(&e, "execution_iv", p->iv);
    sf_je_str_null(&e, "execution_iv_source", p->iv_source);
    sf_je_tribool(&e, "is_etf", p->is_etf);
    sf_je_num(&e, "delta", p->delta);
    sf_je_num(&e, "gamma", p->gamma);
    sf_je_num(&e, "vega", p->vega);
    sf_je_int(&e, "aggressor", p->aggressor);
    sf_je_set(&e, "aggressor_rule", rule ? json_string(rule) : json_null());
    sf_je_num(&e, "multiplier", p->multiplier);
  }
  if (e.bad) {
    json_decref(e.obj);
    return NULL;
  }
  return e.obj;
}

static int option_print_enrichment(const struct sf_jd *d, struct sf_option_print *p) {
  const unsigned opt = SF_JD_NULL;
  int v, rc;
  if ((rc = sf_jd_str(d, "underlying_id", opt, p->underlying_id, sizeof p->underlying_id))) return rc;
  if ((rc = sf_jd_enum(d, "option_type", opt, sf_option_type_from_name, "\"call\", \"put\" or null", &v)))
    return rc;
  p->option_type = (uint8_t)(v < 0 ? SF_OPT_NULL : v);
  if ((rc = sf_jd_num(d, "notional", opt, 0, HUGE_VAL, NONNEG_NULL_DESC, &p->notional))) return rc;
  if ((rc = sf_jd_enum(d, "nbbo_side", opt, sf_side_from_name, side_desc, &v))) return rc;
  int side2;
  if ((rc = sf_jd_enum(d, "execution_nbbo_side", opt, sf_side_from_name, side_desc, &side2))) return rc;
  if (v < 0) v = side2; /* nbbo_side wins; its execution_ twin fills in when it is absent */
  p->nbbo_side = (uint8_t)(v < 0 ? SF_SIDE_NULL : v);
  static const struct {
    const char *key;
    size_t off;
    double lo;
  } nums[] = {
      {"execution_nbbo_bid", offsetof(struct sf_option_print, nbbo_bid), 0},
      {"execution_nbbo_ask", offsetof(struct sf_option_print, nbbo_ask), 0},
      {"execution_nbbo_mid", offsetof(struct sf_option_print, nbbo_mid), 0},
      {"execution_nbbo_spread", offsetof(struct sf_option_print, nbbo_spread), -HUGE_VAL},
      {"execution_nbbo_bid_size", offsetof(struct sf_option_print, nbbo_bid_size), 0},
      {"execution_nbbo_ask_size", offsetof(struct sf_option_print, nbbo_ask_size), 0},
      {"execution_nbbo_age_ms", offsetof(struct sf_option_print, nbbo_age_ms), -HUGE_VAL},
      {"execution_underlying_spot", offsetof(struct sf_option_print, und_spot), 0},
      {"execution_underlying_bid", offsetof(struct sf_option_print, und_bid), 0},
      {"execution_underlying_ask", offsetof(struct sf_option_print, und_ask), 0},
      {"execution_underlying_mid", offsetof(struct sf_option_print, und_mid), 0},
      {"execution_underlying_spread", offsetof(struct sf_option_print, und_spread), -HUGE_VAL},
      {"execution_underlying_age_ms", offsetof(struct sf_option_print, und_age_ms), -HUGE_VAL},
      {"execution_iv", offsetof(struct sf_option_print, iv), 0},
      {"delta", offsetof(struct sf_option_print, delta), -1},
      {"gamma", offsetof(struct sf_option_print, gamma), -HUGE_VAL},
      {"vega", offsetof(struct sf_option_print, vega), -HUGE_VAL},
  };
  for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
    double x;
    const char *desc = nums[i].lo == 0    ? NONNEG_NULL_DESC
                       : nums[i].lo == -1 ? "a number in [-1, 1] or null"
                                          : NUM_ANY_DESC;
    if ((rc = sf_jd_num(d, nums[i].key, opt, nums[i].lo, nums[i].lo == -1 ? 1 : HUGE_VAL, desc, &x)))
      return rc;
    memcpy((char *)p + nums[i].off, &x, sizeof x);
  }
  if ((rc = sf_jd_ts(d, "execution_nbbo_ts", opt, &p->nbbo_ts_ns))) return rc;
  if ((rc = sf_jd_ts(d, "execution_underlying_ts", opt, &p->und_ts_ns))) return rc;
  if ((rc = sf_jd_str(d, "execution_iv_source", opt, p->iv_source, sizeof p->iv_source))) return rc;
  if ((rc = sf_jd_tribool(d, "is_etf", opt, &p->is_etf))) return rc;
  struct sf_jv aggtmp;
  const struct sf_jv *agg = sf_jd_get(d, "aggressor", &aggtmp);
  int64_t a = 0;
  if (agg->kind != SF_JV_ABSENT && agg->kind != SF_JV_NULL &&
      (rc = sf_jd_int(d, "aggressor", SF_JD_REQ, -1, 1, "1, -1, 0 or null", &a)))
    return rc;
  p->aggressor = (int8_t)a;
  if ((rc = sf_jd_enum(d, "aggressor_rule", opt, sf_aggressor_rule_from_name,
                       "\"quote\", \"tick\", \"depth\", \"none\" or null", &v)))
    return rc;
  p->aggressor_rule = (uint8_t)(v < 0 ? SF_AGG_RULE_NULL : v);
  if ((rc = sf_jd_num(d, "multiplier", opt, 0, HUGE_VAL, "a number > 0 or null", &p->multiplier))) return rc;
  if (p->multiplier == 0) return sf_jd_fail(d, "multiplier", "must be a number > 0 or null");
  return 0;
}

int sf_option_print_decode(const struct sf_jd *d, struct sf_option_print *p) {
  sf_option_print_init(p);
  int rc = sf_jd_meta(d, &p->meta);
  if (!rc) rc = sf_jd_ts(d, "ts", SF_JD_REQ, &p->ts_ns);
  if (!rc)
    rc = sf_jd_contract(d, "option_contract_id", SF_JD_REQ, p->option_contract_id,
                        sizeof p->option_contract_id);
  if (!rc) rc = sf_jd_num(d, "price", SF_JD_REQ, 0, HUGE_VAL, PRICE_DESC, &p->price);
  if (!rc) rc = sf_jd_int(d, "size", SF_JD_REQ, 1, INT64_MAX, SIZE_DESC, &p->size);
  if (!rc) rc = sf_jd_str(d, "exchange", SF_JD_REQ, p->exchange, sizeof p->exchange);
  if (!rc) rc = conditions_from_json(d, "conditions", &p->conditions);
  if (!rc && (has_key(d, "nbbo_side") || has_key(d, "underlying_id"))) {
    p->enriched = true;
    rc = option_print_enrichment(d, p);
  }
  if (rc) sf_option_print_init(p);
  return rc;
}

int sf_option_print_from_json(const json_t *j, struct sf_option_print *p, struct sf_errbuf *err) {
  struct sf_jd d = {j, "option-print", err, NULL};
  sf_option_print_init(p);
  if (!json_is_object(j)) return sf_jd_fail(&d, NULL, "payload must be an object");
  return sf_option_print_decode(&d, p);
}

/* ---- option nbbo ---- */

json_t *sf_option_nbbo_to_json(const struct sf_option_nbbo *q) {
  struct sf_je e = {json_object(), 0};
  if (!e.obj) return NULL;
  sf_je_meta(&e, &q->meta);
  sf_je_ts(&e, "ts", q->ts_ns);
  sf_je_str(&e, "option_contract_id", q->option_contract_id);
  sf_je_num(&e, "bid", q->bid);
  sf_je_num(&e, "ask", q->ask);
  sf_je_num(&e, "bidSize", q->bid_size);
  sf_je_num(&e, "askSize", q->ask_size);
  if (e.bad) {
    json_decref(e.obj);
    return NULL;
  }
  return e.obj;
}

int sf_option_nbbo_from_json(const json_t *j, struct sf_option_nbbo *q, struct sf_errbuf *err) {
  struct sf_jd d = {j, "option-nbbo", err, NULL};
  sf_option_nbbo_init(q);
  if (!json_is_object(j)) return sf_jd_fail(&d, NULL, "payload must be an object");
  return sf_option_nbbo_decode(&d, q);
}

int sf_option_nbbo_decode(const struct sf_jd *d, struct sf_option_nbbo *q) {
  const unsigned f = SF_JD_REQ | SF_JD_NULL;
  sf_option_nbbo_init(q);
  int rc = sf_jd_meta(d, &q->meta);
  if (!rc) rc = sf_jd_ts(d, "ts", SF_JD_REQ, &q->ts_ns);
  if (!rc)
    rc = sf_jd_contract(d, "option_contract_id", SF_JD_REQ, q->option_contract_id,
                        sizeof q->option_contract_id);
  if (!rc) rc = sf_jd_num(d, "bid", f, 0, HUGE_VAL, NONNEG_NULL_DESC, &q->bid);
  if (!rc) rc = sf_jd_num(d, "ask", f, 0, HUGE_VAL, NONNEG_NULL_DESC, &q->ask);
  if (!rc) rc = sf_jd_num(d, "bidSize", f, 0, HUGE_VAL, NONNEG_NULL_DESC, &q->bid_size);
  if (!rc) rc = sf_jd_num(d, "askSize", f, 0, HUGE_VAL, NONNEG_NULL_DESC, &q->ask_size);
  if (rc) sf_option_nbbo_init(q);
  return rc;
}

/* ---- equity quote ---- */

json_t *sf_equity_quote_to_json(const struct sf_equity_quote *q) {
  struct sf_je e = {json_object(), 0};
  if (!e.obj) return NULL;
  sf_je_meta(&e, &q->meta);
  sf_je_ts(&e, "ts", q->ts_ns);
  sf_je_str(&e, "underlying_id", q->underlying_id);
  sf_je_num(&e, "bid", q->bid);
  sf_je_num(&e, "ask", q->ask);
  sf_je_num(&e, "bidSize", q->bid_size);
  sf_je_num(&e, "askSize", q->ask_size);
  if (e.bad) {
    json_decref(e.obj);
    return NULL;
  }
  return e.obj;
}

int sf_equity_quote_from_json(const json_t *j, struct sf_equity_quote *q, struct sf_errbuf *err) {
  struct sf_jd d = {j, "equity-quote", err, NULL};
  sf_equity_quote_init(q);
  if (!json_is_object(j)) return sf_jd_fail(&d, NULL, "payload must be an object");
  return sf_equity_quote_decode(&d, q);
}

int sf_equity_quote_decode(const struct sf_jd *d, struct sf_equity_quote *q) {
  sf_equity_quote_init(q);
  int rc = sf_jd_meta(d, &q->meta);
  if (!rc) rc = sf_jd_ts(d, "ts", SF_JD_REQ, &q->ts_ns);
  if (!rc)
    rc = sf_jd_str(d, "underlying_id", SF_JD_REQ | SF_JD_NONEMPTY, q->underlying_id, sizeof q->underlying_id);
  if (!rc) rc = sf_jd_num(d, "bid", SF_JD_REQ | SF_JD_NULL, 0, HUGE_VAL, NONNEG_NULL_DESC, &q->bid);
  if (!rc) rc = sf_jd_num(d, "ask", SF_JD_REQ | SF_JD_NULL, 0, HUGE_VAL, NONNEG_NULL_DESC, &q->ask);
  if (!rc) rc = sf_jd_num(d, "bidSize", SF_JD_NULL, 0, HUGE_VAL, NONNEG_NULL_DESC, &q->bid_size);
  if (!rc) rc = sf_jd_num(d, "askSize", SF_JD_NULL, 0, HUGE_VAL, NONNEG_NULL_DESC, &q->ask_size);
  if (rc) sf_equity_quote_init(q);
  return rc;
}

/* ---- equity print ---- */

json_t *sf_equity_print_to_json(const struct sf_equity_print *p) {
  struct sf_je e = {json_object(), 0};
  if (!e.obj) return NULL;
  sf_je_meta(&e, &p->meta);
  sf_je_ts(&e, "ts", p->ts_ns);
  sf_je_str(&e, "underlying_id", p->underlying_id);
  sf_je_num(&e, "price", p->price);
  sf_je_int(&e, "size", p->size);
  sf_je_str(&e, "exchange", p->exchange);
  sf_je_tribool(&e, "offExchangeFlag", p->off_exchange);
  if (e.bad) {
    json_decref(e.obj);
    return NULL;
  }
  return e.obj;
}

int sf_equity_print_from_json(const json_t *j, struct sf_equity_print *p, struct sf_errbuf *err) {
  struct sf_jd d = {j, "equity-print", err, NULL};
  sf_equity_print_init(p);
  if (!json_is_object(j)) return sf_jd_fail(&d, NULL, "payload must be an object");
  return sf_equity_print_decode(&d, p);
}

int sf_equity_print_decode(const struct sf_jd *d, struct sf_equity_print *p) {
  sf_equity_print_init(p);
  int rc = sf_jd_meta(d, &p->meta);
  if (!rc) rc = sf_jd_ts(d, "ts", SF_JD_REQ, &p->ts_ns);
  if (!rc)
    rc = sf_jd_str(d, "underlying_id", SF_JD_REQ | SF_JD_NONEMPTY, p->underlying_id, sizeof p->underlying_id);
  if (!rc) rc = sf_jd_num(d, "price", SF_JD_REQ, 0, HUGE_VAL, PRICE_DESC, &p->price);
  if (!rc) rc = sf_jd_int(d, "size", SF_JD_REQ, 1, INT64_MAX, SIZE_DESC, &p->size);
  if (!rc) rc = sf_jd_str(d, "exchange", SF_JD_REQ, p->exchange, sizeof p->exchange);
  if (!rc) rc = sf_jd_tribool(d, "offExchangeFlag", SF_JD_NULL, &p->off_exchange);
  if (rc) sf_equity_print_init(p);
  return rc;
}
