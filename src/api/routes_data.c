/* Recent, history and replay routes for every record type (CONTRACTS.md "HTTP"), from one table:
 * recent = newest first from the top, history = newest first before (before_ts, before_seq),
 * replay = oldest first after (after_ts, after_seq). Filters: the options filters on the
 * option-print routes, underlying/contract filters where they apply, and the smart-money filters
 * on the smart-money routes. Pages are read raw (sf_store_query_raw): each stored record's text,
 * checked by the store, is spliced into the page as it is, without a decode and re-encode. */
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "smartflow/contract.h"
#include "smartflow/err.h"
#include "smartflow/log.h"

enum mode { RECENT, HISTORY, REPLAY };

struct route {
  const char *path;
  enum sf_record_type type;
  enum mode mode;
};

static const struct route routes[] = {
    {"/prints/options", SF_REC_OPTION_PRINT, RECENT},
    {"/history/options", SF_REC_OPTION_PRINT, HISTORY},
    {"/replay/options", SF_REC_OPTION_PRINT, REPLAY},
    {"/nbbo/options", SF_REC_OPTION_NBBO, RECENT},
    {"/history/nbbo", SF_REC_OPTION_NBBO, HISTORY},
    {"/replay/nbbo", SF_REC_OPTION_NBBO, REPLAY},
    {"/quotes/equities", SF_REC_EQUITY_QUOTE, RECENT},
    {"/history/equity-quotes", SF_REC_EQUITY_QUOTE, HISTORY},
    {"/replay/equity-quotes", SF_REC_EQUITY_QUOTE, REPLAY},
    {"/flow/packets", SF_REC_FLOW_PACKET, RECENT},
    {"/history/flow", SF_REC_FLOW_PACKET, HISTORY},
    {"/replay/flow", SF_REC_FLOW_PACKET, REPLAY},
    {"/flow/smart-money", SF_REC_SMART_MONEY, RECENT},
    {"/history/smart-money", SF_REC_SMART_MONEY, HISTORY},
    {"/replay/smart-money", SF_REC_SMART_MONEY, REPLAY},
    {"/flow/classifier-hits", SF_REC_CLASSIFIER_HIT, RECENT},
    {"/history/classifier-hits", SF_REC_CLASSIFIER_HIT, HISTORY},
    {"/replay/classifier-hits", SF_REC_CLASSIFIER_HIT, REPLAY},
    {"/flow/alerts", SF_REC_ALERT, RECENT},
    {"/history/alerts", SF_REC_ALERT, HISTORY},
    {"/replay/alerts", SF_REC_ALERT, REPLAY},
};

/* Reads the filters that apply to q->type. Returns 0, or -1 after a 400 was sent. */
static int read_filters(struct sf_api *api, struct mg_connection *c, struct sf_store_query *q,
                        struct sf_strvec *unders, char *contract, size_t contract_cap) {
  enum sf_record_type t = q->type;
  int64_t v;
  int rc;
  if ((rc = param_i64(api, c, "from_ts", INT64_MIN + 1, INT64_MAX, &v)) < 0) return -1;
  if (rc) q->from_ts = v;
  if ((rc = param_i64(api, c, "to_ts", INT64_MIN + 1, INT64_MAX, &v)) < 0) return -1;
  if (rc) q->to_ts = v;

  if (t == SF_REC_OPTION_PRINT || t == SF_REC_EQUITY_QUOTE || t == SF_REC_SMART_MONEY) {
    if (param_list(api, c, "underlying_id", unders) < 0) return -1;
    if (param_list(api, c, "underlying_ids", unders) < 0) return -1;
    if (unders->n) {
      q->underlying_ids = (const char *const *)unders->v;
      q->underlying_id_count = unders->n;
    }
  }
  if (t == SF_REC_OPTION_PRINT || t == SF_REC_OPTION_NBBO) {
    char raw[128];
    if ((rc = param_str(api, c, "option_contract_id", raw, sizeof raw)) < 0) return -1;
    if (rc) {
      const char *why = NULL;
      if (sf_contract_canonicalize(raw, contract, contract_cap, &why) < 0) {
        api_send_error(api, c, 400, "bad_parameter", "option_contract_id: invalid contract id '%s': %s", raw,
                       why ? why : "unrecognised");
        return -1;
      }
      q->option_contract_id = contract;
    }
  }
  if (t == SF_REC_OPTION_PRINT) {
    struct sf_strvec sides = {0};
    rc = param_list(api, c, "side", &sides);
    for (size_t i = 0; rc > 0 && i < sides.n; i++) {
      int s = sf_side_from_name(sides.v[i]);
      if (s <= 0) {
        api_send_error(api, c, 400, "bad_parameter",
                       "side: unknown side '%s' (AA, A, MID, B, BB, MISSING, STALE)", sides.v[i]);
        rc = -1;
        break;
      }
      q->sides |= 1u << s;
    }
    sf_strvec_fini(&sides);
    if (rc < 0) return -1;
    struct sf_strvec types = {0};
    rc = param_list(api, c, "type", &types);
    int want_call = 0, want_put = 0;
    for (size_t i = 0; rc > 0 && i < types.n; i++) {
      if (strcmp(types.v[i], "call") == 0)
        want_call = 1;
      else if (strcmp(types.v[i], "put") == 0)
        want_put = 1;
      else {
        api_send_error(api, c, 400, "bad_parameter", "type: expected call or put, got '%s'", types.v[i]);
        rc = -1;
      }
    }
    sf_strvec_fini(&types);
    if (rc < 0) return -1;
    if (want_call != want_put) q->option_type = want_call ? SF_OPT_CALL : SF_OPT_PUT;
    double n;
    if ((rc = param_num(api, c, "min_notional", 0, &n)) < 0) return -1;
    if (rc) q->min_notional = n;
  }
  if (t == SF_REC_SMART_MONEY) {
    char buf[64];
    if ((rc = param_str(api, c, "profile", buf, sizeof buf)) < 0) return -1;
    if (rc) {
      q->profile = sf_profile_from_name(buf);
      if (q->profile < 0) {
        api_send_error(api, c, 400, "bad_parameter", "profile: unknown profile '%s'", buf);
        return -1;
      }
    }
    if ((rc = param_str(api, c, "direction", buf, sizeof buf)) < 0) return -1;
    if (rc) {
      q->direction = sf_direction_from_name(buf);
      if (q->direction < 0) {
        api_send_error(api, c, 400, "bad_parameter",
                       "direction: expected bullish, bearish, neutral, mixed or unknown, got '%s'", buf);
        return -1;
      }
    }
    if ((rc = param_str(api, c, "band", buf, sizeof buf)) < 0) return -1;
    if (rc) {
      q->band = sf_band_from_name(buf);
      if (q->band < 0) {
        api_send_error(api, c, 400, "bad_parameter", "band: expected low, medium or high, got '%s'", buf);
        return -1;
      }
    }
    int b;
    if ((rc = param_bool(api, c, "abstained", &b)) < 0) return -1;
    if (rc) q->abstained = b;
    double n;
    if ((rc = param_num(api, c, "min_premium", 0, &n)) < 0) return -1;
    if (rc) q->min_premium = n;
  }
  return 0;
}

static void serve_route(struct sf_api *api, struct mg_connection *c, const struct route *r) {
  struct sf_store_query q;
  sf_store_query_init(&q, r->type, r->mode == REPLAY ? SF_STORE_OLDEST_FIRST : SF_STORE_NEWEST_FIRST);
  struct sf_strvec unders = {0};
  char contract[SF_CONTRACT_ID_MAX];
  struct sf_store_raw_result res = {0};
  struct sf_store *st = NULL;
  if (param_limit(api, c, &q.limit) < 0) goto done;
  if (r->mode != RECENT) {
    const char *tsn = r->mode == HISTORY ? "before_ts" : "after_ts";
    const char *seqn = r->mode == HISTORY ? "before_seq" : "after_seq";
    int64_t ts = 0, seq = r->mode == HISTORY ? INT64_MAX : -1;
    int has_ts = param_i64(api, c, tsn, INT64_MIN + 1, INT64_MAX, &ts);
    if (has_ts < 0) goto done;
    int has_seq = param_i64(api, c, seqn, -1, INT64_MAX, &seq);
    if (has_seq < 0) goto done;
    if (has_seq && !has_ts) {
      api_send_error(api, c, 400, "bad_parameter", "%s needs %s", seqn, tsn);
      goto done;
    }
    if (has_ts) {
      q.has_cursor = true;
      q.cursor.ts = ts;
      q.cursor.seq = seq;
    }
  }
  if (read_filters(api, c, &q, &unders, contract, sizeof contract) < 0) goto done;
  st = api_store_take(api, c);
  if (!st) goto done;
  int rc = sf_store_query_raw(st, &q, &res);
  if (rc != 0) {
    int status = rc == SF_EINVAL ? 400 : 500;
    api_send_error(api, c, status, status == 400 ? "bad_parameter" : "store_error", "%s",
                   sf_store_errmsg(st)[0] ? sf_store_errmsg(st) : sf_strerror(rc));
    goto done;
  }
  /* {"data":[…],"next_before"|"next":…,"skipped":n}: each record's stored text spliced in place. */
  struct sf_jw w;
  sf_jw_init(&w);
  sf_jw_obj_begin(&w);
  SF_JW_KEY(&w, "data");
  api_jw_raw_rows(&w, &res);
  if (r->mode == HISTORY) {
    SF_JW_KEY(&w, "next_before");
    api_jw_cursor(&w, res.has_next, &res.next);
  } else if (r->mode == REPLAY) {
    SF_JW_KEY(&w, "next");
    api_jw_cursor(&w, res.has_next, &res.next);
  }
  if (res.skipped) {
    SF_JW_KEY(&w, "skipped");
    sf_jw_int(&w, (int64_t)res.skipped);
  }
  sf_jw_obj_end(&w);
  api_send_jw(api, c, 200, &w);
done:
  sf_store_raw_result_free(&res);
  store_pool_give(&api->pool, st);
  sf_strvec_fini(&unders);
}

int routes_data_dispatch(struct sf_api *api, struct mg_connection *c, const char *path) {
  for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
    if (strcmp(path, routes[i].path) == 0) {
      serve_route(api, c, &routes[i]);
      return 1;
    }
  }
  return 0;
}
