/* Internals shared by the API server's files: the server object, the store pool, response
 * helpers, parameter parsing, metrics counters and the live hub. Not a public header. */
#ifndef SMARTFLOW_API_INTERNAL_H
#define SMARTFLOW_API_INTERNAL_H

#include <civetweb.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "smartflow/api.h"
#include "smartflow/jsonw.h"
#include "smartflow/store.h"

/* Store handles for request threads: a handle is taken for one request and given back. */
struct store_pool {
  pthread_mutex_t mu;
  struct sf_store **free_list;
  size_t n_free, cap;
  char *url;
};
int store_pool_init(struct store_pool *p, const char *url, size_t cap);
struct sf_store *store_pool_take(struct store_pool *p);
void store_pool_give(struct store_pool *p, struct sf_store *s);
void store_pool_fini(struct store_pool *p);

/* Request latency histogram buckets (seconds) for /metrics. */
#define API_LAT_BUCKETS 10
extern const double api_lat_bounds[API_LAT_BUCKETS];

struct api_metrics {
  atomic_ullong requests, errors_4xx, errors_5xx, unauthorized;
  atomic_ullong lat_bucket[API_LAT_BUCKETS + 1];
  atomic_ullong lat_sum_us;
  atomic_ullong published[SF_REC__COUNT];
  atomic_ullong ws_sent, ws_dropped_clients, ws_connects;
};

struct live_hub; /* live.c */

struct sf_api {
  struct sf_api_config cfg;
  char *listen, *store_url, *token, *cors, *web_root;
  struct mg_context *ctx;
  int port;
  struct store_pool pool;
  struct api_metrics m;
  struct live_hub *hub;
  pthread_mutex_t metrics_mu;
  sf_api_metrics_fn metrics_fn;
  void *metrics_ctx;
};

/* Responses. */
void api_send_json(struct sf_api *api, struct mg_connection *c, int status, json_t *body /* consumed */);
void api_send_error(struct sf_api *api, struct mg_connection *c, int status, const char *error,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* A store handle from the pool for this request (give it back with store_pool_give), or NULL
 * after answering 503 store_unavailable. */
struct sf_store *api_store_take(struct sf_api *api, struct mg_connection *c);
void api_send_text(struct sf_api *api, struct mg_connection *c, int status, const char *ctype,
                   const char *body, size_t len);
/* Adds the CORS headers for an allowed Origin (after mg_response_header_start). */
void api_add_cors(struct sf_api *api, struct mg_connection *c);
/* 1 if the request carries the token (header, or ?token= for WebSockets). */
int api_authorized(struct sf_api *api, const struct mg_connection *c);

/* Query-string parameters. Each returns 0 when absent (leaving *out), 1 when read, or -1 after
 * sending a 400 naming the parameter. */
int param_str(struct sf_api *api, struct mg_connection *c, const char *name, char *out, size_t cap);
int param_i64(struct sf_api *api, struct mg_connection *c, const char *name, int64_t min, int64_t max,
              int64_t *out);
int param_num(struct sf_api *api, struct mg_connection *c, const char *name, double min, double *out);
int param_bool(struct sf_api *api, struct mg_connection *c, const char *name, int *out);
/* Repeated or comma-separated values of a parameter, appended to out (owned strings). */
int param_list(struct sf_api *api, struct mg_connection *c, const char *name, struct sf_strvec *out);
/* limit: 1..SF_STORE_LIMIT_MAX (capped above), default SF_STORE_LIMIT_DEFAULT. */
int param_limit(struct sf_api *api, struct mg_connection *c, size_t *out);

/* Routes (routes_data.c, routes_flow.c, metrics.c). Return 1 when the path was theirs. */
int routes_data_dispatch(struct sf_api *api, struct mg_connection *c, const char *path);
int routes_flow_dispatch(struct sf_api *api, struct mg_connection *c, const char *path);
void metrics_handle(struct sf_api *api, struct mg_connection *c);
void metrics_observe(struct sf_api *api, int status, int64_t elapsed_ns);

/* Live hub (live.c). */
int live_hub_new(struct sf_api *api, struct live_hub **out);
void live_hub_register(struct live_hub *h, struct mg_context *ctx);
void live_hub_publish(struct live_hub *h, const struct sf_record *r);
size_t live_hub_clients(const struct live_hub *h);
void live_hub_close_all(struct live_hub *h);
void live_hub_free(struct live_hub *h);

/* Writer-based bodies (jsonw.h): raw rows (checked by the store, store.h) spliced as an array,
 * '[' + texts joined by ',' + ']'; a cursor as {"ts":…,"seq":…}, or null when has is false. */
void api_jw_raw_rows(struct sf_jw *w, const struct sf_store_raw_result *res);
void api_jw_cursor(struct sf_jw *w, int has, const struct sf_store_cursor *c);
/* Sends the writer's text as a JSON response (500 when the writer failed) and frees it. */
void api_send_jw(struct sf_api *api, struct mg_connection *c, int status, struct sf_jw *w);

#endif
