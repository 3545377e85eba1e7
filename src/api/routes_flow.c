/* Look-up routes: one flow packet by id, one smart-money event with its evidence (member prints,
 * packets, all six scores, reasons, suppressions) in one call, option prints by trace id, and
 * per-profile statistics over a time range. Stored records are read raw (store.h) and spliced as
 * they are; only the smart-money event of the detail route is decoded, for its evidence ids. */
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "smartflow/err.h"
#include "smartflow/record_json.h"

static int valid_id(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n >= SF_ID_MAX) return 0;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == '/') return 0;
  return 1;
}

static void serve_packet(struct sf_api *api, struct mg_connection *c, const char *id) {
  if (!valid_id(id)) {
    api_send_error(api, c, 400, "bad_parameter", "id: not a valid packet id");
    return;
  }
  struct sf_store *st = api_store_take(api, c);
  if (!st) return;
  struct sf_store_raw_result r;
  int rc = sf_store_get_raw(st, SF_REC_FLOW_PACKET, id, &r);
  if (rc != 0 && rc != SF_ENOTFOUND) {
    api_send_error(api, c, 500, "store_error", "%s", sf_store_errmsg(st));
    store_pool_give(&api->pool, st);
    return;
  }
  store_pool_give(&api->pool, st);
  struct sf_jw w;
  sf_jw_init(&w);
  sf_jw_obj_begin(&w);
  SF_JW_KEY(&w, "data");
  if (rc == 0)
    sf_jw_raw(&w, r.rows[0].json, r.rows[0].len);
  else
    sf_jw_null(&w);
  sf_jw_obj_end(&w);
  sf_store_raw_result_free(&r);
  api_send_jw(api, c, 200, &w);
}

static void serve_event(struct sf_api *api, struct mg_connection *c, const char *id) {
  if (!valid_id(id)) {
    api_send_error(api, c, 400, "bad_parameter", "event_id: not a valid event id");
    return;
  }
  struct sf_store *st = api_store_take(api, c);
  if (!st) return;
  struct sf_record ev;
  struct sf_store_raw_result prints = {0};
  int rc = sf_store_get(st, SF_REC_SMART_MONEY, id, &ev);
  if (rc == SF_ENOTFOUND) {
    api_send_error(api, c, 404, "not_found", "no smart-money event %s", id);
    goto done_noev;
  }
  if (rc != 0) {
    api_send_error(api, c, 500, "store_error", "%s", sf_store_errmsg(st));
    goto done_noev;
  }
  const struct sf_smart_money_event *e = &ev.u.smart_money;
  size_t n = e->member_print_ids.n < SF_STORE_LIMIT_MAX ? e->member_print_ids.n : SF_STORE_LIMIT_MAX;
  rc = sf_store_prints_by_trace_raw(st, (const char *const *)e->member_print_ids.v, n, &prints);
  if (rc != 0) {
    api_send_error(api, c, 500, "store_error", "%s", sf_store_errmsg(st));
    goto done;
  }
  /* {"data":{"event":…,"member_prints":[…],"packets":[…],"missing_prints":n}} */
  struct sf_jw w;
  sf_jw_init(&w);
  sf_jw_obj_begin(&w);
  SF_JW_KEY(&w, "data");
  sf_jw_obj_begin(&w);
  SF_JW_KEY(&w, "event");
  sf_record_encode(&ev, &w);
  SF_JW_KEY(&w, "member_prints");
  api_jw_raw_rows(&w, &prints);
  SF_JW_KEY(&w, "packets");
  sf_jw_arr_begin(&w);
  for (size_t i = 0; i < e->packet_ids.n; i++) {
    struct sf_store_raw_result p;
    if (sf_store_get_raw(st, SF_REC_FLOW_PACKET, e->packet_ids.v[i], &p) == 0) {
      sf_jw_raw(&w, p.rows[0].json, p.rows[0].len);
      sf_store_raw_result_free(&p);
    }
  }
  sf_jw_arr_end(&w);
  SF_JW_KEY(&w, "missing_prints");
  sf_jw_int(&w, (int64_t)(e->member_print_ids.n > prints.n ? e->member_print_ids.n - prints.n : 0));
  sf_jw_obj_end(&w);
  sf_jw_obj_end(&w);
  api_send_jw(api, c, 200, &w);
done:
  sf_record_fini(&ev);
done_noev:
  sf_store_raw_result_free(&prints);
  store_pool_give(&api->pool, st);
}

static void serve_by_trace(struct sf_api *api, struct mg_connection *c) {
  struct sf_strvec ids = {0};
  struct sf_store_raw_result res = {0};
  struct sf_store *st = NULL;
  int rc = param_list(api, c, "trace_id", &ids);
  if (rc < 0) goto done;
  if (rc == 0 || ids.n == 0) {
    api_send_error(api, c, 400, "bad_parameter", "trace_id: at least one is required");
    goto done;
  }
  st = api_store_take(api, c);
  if (!st) goto done;
  if (sf_store_prints_by_trace_raw(st, (const char *const *)ids.v, ids.n, &res) != 0) {
    api_send_error(api, c, 500, "store_error", "%s", sf_store_errmsg(st));
    goto done;
  }
  struct sf_jw w;
  sf_jw_init(&w);
  sf_jw_obj_begin(&w);
  SF_JW_KEY(&w, "data");
  api_jw_raw_rows(&w, &res);
  sf_jw_obj_end(&w);
  api_send_jw(api, c, 200, &w);
done:
  sf_store_raw_result_free(&res);
  store_pool_give(&api->pool, st);
  sf_strvec_fini(&ids);
}

static json_t *stat_json(const char *profile, const struct sf_store_profile_stat *s) {
  json_t *j = json_object();
  json_object_set_new(j, "profile_id", profile ? json_string(profile) : json_null());
  json_object_set_new(j, "count", json_integer(s->count));
  json_object_set_new(j, "abstained", json_integer(s->abstained));
  json_object_set_new(j, "premium", json_real(s->premium));
  return j;
}

static void serve_stats(struct sf_api *api, struct mg_connection *c) {
  int64_t from = SF_TS_NULL, to = SF_TS_NULL;
  if (param_i64(api, c, "from_ts", INT64_MIN + 1, INT64_MAX, &from) < 0) return;
  if (param_i64(api, c, "to_ts", INT64_MIN + 1, INT64_MAX, &to) < 0) return;
  if (from != SF_TS_NULL && to != SF_TS_NULL && to < from) {
    api_send_error(api, c, 400, "bad_parameter", "to_ts must not be before from_ts");
    return;
  }
  struct sf_store *st = api_store_take(api, c);
  if (!st) return;
  struct sf_store_profile_stats stats;
  int rc = sf_store_stats_profiles(st, from, to, &stats);
  if (rc != 0) {
    api_send_error(api, c, 500, "store_error", "%s", sf_store_errmsg(st));
    store_pool_give(&api->pool, st);
    return;
  }
  store_pool_give(&api->pool, st);
  json_t *arr = json_array();
  for (int p = 0; p < SF_PROFILE_COUNT; p++)
    json_array_append_new(arr, stat_json(sf_profile_name(p), &stats.profile[p]));
  json_array_append_new(arr, stat_json(NULL, &stats.none));
  json_t *body = json_object();
  json_object_set_new(body, "data", arr);
  json_object_set_new(body, "from_ts", from == SF_TS_NULL ? json_null() : json_integer(from));
  json_object_set_new(body, "to_ts", to == SF_TS_NULL ? json_null() : json_integer(to));
  api_send_json(api, c, 200, body);
}

int routes_flow_dispatch(struct sf_api *api, struct mg_connection *c, const char *path) {
  static const char pk[] = "/flow/packets/", sm[] = "/flow/smart-money/";
  if (strncmp(path, pk, sizeof pk - 1) == 0 && path[sizeof pk - 1]) {
    serve_packet(api, c, path + sizeof pk - 1);
    return 1;
  }
  if (strncmp(path, sm, sizeof sm - 1) == 0 && path[sizeof sm - 1]) {
    serve_event(api, c, path + sizeof sm - 1);
    return 1;
  }
  if (strcmp(path, "/option-prints/by-trace") == 0) {
    serve_by_trace(api, c);
    return 1;
  }
  if (strcmp(path, "/stats/profiles") == 0) {
    serve_stats(api, c);
    return 1;
  }
  return 0;
}
