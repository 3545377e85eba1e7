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

static void conditions_encode(struct sf_jw *w, uint32_t bits) {
  sf_jw_arr_begin(w);
  for (int i = 0; i < SF_COND_COUNT; i++) {
    uint32_t bit = sf_condition_bit(i);
    if (!(bits & bit)) continue;
    const char *name = sf_condition_name(bit);
    if (!name) {
      w->err = SF_EINVAL;
      return;
    }
    sf_jw_str(w, name);
  }
  sf_jw_arr_end(w);
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

int sf_option_print_encode(const struct sf_option_print *p, struct sf_jw *w) {
  sf_jw_obj_begin(w);
  sf_je_meta(w, &p->meta);
  SF_JE_TS(w, "ts", p->ts_ns);
  SF_JW_KEY(w, "option_contract_id");
  sf_jw_str(w, p->option_contract_id);
  SF_JW_KEY(w, "price");
  sf_je_num(w, p->price);
  SF_JW_KEY(w, "size");
  sf_jw_int(w, p->size);
  SF_JW_KEY(w, "exchange");
  sf_jw_str(w, p->exchange);
  SF_JW_KEY(w, "conditions");
  conditions_encode(w, p->conditions);
  if (p->enriched) {
    const char *side = sf_side_name((enum sf_nbbo_side)p->nbbo_side);
    SF_JW_KEY(w, "underlying_id");
    sf_je_str_null(w, p->underlying_id);
    SF_JW_KEY(w, "option_type");
    sf_je_name(w, sf_option_type_name(p->option_type));
    SF_JW_KEY(w, "notional");
    sf_je_num(w, p->notional);
    SF_JW_KEY(w, "nbbo_side");
    sf_je_name(w, side);
    SF_JW_KEY(w, "execution_nbbo_bid");
    sf_je_num(w, p->nbbo_bid);
    SF_JW_KEY(w, "execution_nbbo_ask");
    sf_je_num(w, p->nbbo_ask);
    SF_JW_KEY(w, "execution_nbbo_mid");
    sf_je_num(w, p->nbbo_mid);
    SF_JW_KEY(w, "execution_nbbo_spread");
    sf_je_num(w, p->nbbo_spread);
    SF_JW_KEY(w, "execution_nbbo_bid_size");
    sf_je_num(w, p->nbbo_bid_size);
    SF_JW_KEY(w, "execution_nbbo_ask_size");
    sf_je_num(w, p->nbbo_ask_size);
    SF_JE_TS(w, "execution_nbbo_ts", p->nbbo_ts_ns);
    SF_JW_KEY(w, "execution_nbbo_age_ms");
    sf_je_num(w, p->nbbo_age_ms);
    SF_JW_KEY(w, "execution_nbbo_side");
    sf_je_name(w, side);
    SF_JW_KEY(w, "execution_underlying_spot");
    sf_je_num(w, p->und_spot);
    SF_JW_KEY(w, "execution_underlying_bid");
    sf_je_num(w, p->und_bid);
    SF_JW_KEY(w, "execution_underlying_ask");
    sf_je_num(w, p->und_ask);
    SF_JW_KEY(w, "execution_underlying_mid");
    sf_je_num(w, p->und_mid);
    SF_JW_KEY(w, "execution_underlying_spread");
    sf_je_num(w, p->und_spread);
    SF_JE_TS(w, "execution_underlying_ts", p->und_ts_ns);
    SF_JW_KEY(w, "execution_underlying_age_ms");
    sf_je_num(w, p->und_age_ms);
    SF_JW_KEY(w, "execution_iv");
    sf_je_num(w, p->iv);
    SF_JW_KEY(w, "execution_iv_source");
    sf_je_str_null(w, p->iv_source);
    SF_JW_KEY(w, "is_etf");
    sf_je_tribool(w, p->is_etf);
    SF_JW_KEY(w, "delta");
    sf_je_num(w, p->delta);
    SF_JW_KEY(w, "gamma");
    sf_je_num(w, p->gamma);
    SF_JW_KEY(w, "vega");
    sf_je_num(w, p->vega);
    SF_JW_KEY(w, "aggressor");
    sf_jw_int(w, p->aggressor);
    SF_JW_KEY(w, "aggressor_rule");
    sf_je_name(w, sf_aggressor_rule_name((enum sf_aggressor_rule)p->aggressor_rule));
    SF_JW_KEY(w, "multiplier");
    sf_je_num(w, p->multiplier);
  }
  sf_jw_obj_end(w);
  return sf_jw_status(w);
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

/* An option NBBO and an equity quote have the same payload but for the instrument's key. */
static int encode_quote(struct sf_jw *w, const struct sf_meta *meta, int64_t ts_ns, const char *id_key,
                        size_t id_key_len, const char *id, double bid, double ask, double bid_size,
                        double ask_size) {
  sf_jw_obj_begin(w);
  sf_je_meta(w, meta);
  SF_JE_TS(w, "ts", ts_ns);
  sf_jw_key_lit(w, id_key, id_key_len);
  sf_jw_str(w, id);
  SF_JW_KEY(w, "bid");
  sf_je_num(w, bid);
  SF_JW_KEY(w, "ask");
  sf_je_num(w, ask);
  SF_JW_KEY(w, "bidSize");
  sf_je_num(w, bid_size);
  SF_JW_KEY(w, "askSize");
  sf_je_num(w, ask_size);
  sf_jw_obj_end(w);
  return sf_jw_status(w);
}

int sf_option_nbbo_encode(const struct sf_option_nbbo *q, struct sf_jw *w) {
  return encode_quote(w, &q->meta, q->ts_ns, "option_contract_id", sizeof "option_contract_id" - 1,
                      q->option_contract_id, q->bid, q->ask, q->bid_size, q->ask_size);
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

int sf_equity_quote_encode(const struct sf_equity_quote *q, struct sf_jw *w) {
  return encode_quote(w, &q->meta, q->ts_ns, "underlying_id", sizeof "underlying_id" - 1, q->underlying_id,
                      q->bid, q->ask, q->bid_size, q->ask_size);
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

int sf_equity_print_encode(const struct sf_equity_print *p, struct sf_jw *w) {
  sf_jw_obj_begin(w);
  sf_je_meta(w, &p->meta);
  SF_JE_TS(w, "ts", p->ts_ns);
  SF_JW_KEY(w, "underlying_id");
  sf_jw_str(w, p->underlying_id);
  SF_JW_KEY(w, "price");
  sf_je_num(w, p->price);
  SF_JW_KEY(w, "size");
  sf_jw_int(w, p->size);
  SF_JW_KEY(w, "exchange");
  sf_jw_str(w, p->exchange);
  SF_JW_KEY(w, "offExchangeFlag");
  sf_je_tribool(w, p->off_exchange);
  sf_jw_obj_end(w);
  return sf_jw_status(w);
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
