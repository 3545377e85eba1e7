/* The API server's frame: civetweb start/stop, request dispatch, bearer-token auth, CORS, JSON
 * responses and latency accounting. Routes live in routes_*.c, WebSockets in live.c.
 *
 * Dispatch happens in civetweb's begin_request callback: an API path is answered there; any
 * other path falls through to civetweb's static file serving of the web terminal (web_root).
 * WebSocket upgrades under /ws/ are left to the handlers registered by live.c. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "smartflow/err.h"
#include "smartflow/log.h"
#include "smartflow/record_json.h"
#include "smartflow/time.h"

#define MOD "api"

void sf_api_config_default(struct sf_api_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->listen = "127.0.0.1:8080";
  cfg->threads = 16;
  cfg->ws_queue_max = 8192;
  cfg->heartbeat_ms = 15000;
  cfg->snapshot_items = 50;
  cfg->ws_linger_us = 1000;
}

/* ---- store pool ---- */

int store_pool_init(struct store_pool *p, const char *url, size_t cap) {
  memset(p, 0, sizeof *p);
  pthread_mutex_init(&p->mu, NULL);
  p->url = strdup(url);
  p->free_list = calloc(cap, sizeof *p->free_list);
  p->cap = cap;
  if (!p->url || !p->free_list) return SF_ENOMEM;
  return 0;
}

struct sf_store *store_pool_take(struct store_pool *p) {
  struct sf_store *s = NULL;
  pthread_mutex_lock(&p->mu);
  if (p->n_free) s = p->free_list[--p->n_free];
  pthread_mutex_unlock(&p->mu);
  if (!s && sf_store_open(p->url, &s) != 0) return NULL;
  return s;
}

struct sf_store *api_store_take(struct sf_api *api, struct mg_connection *c) {
  struct sf_store *s = store_pool_take(&api->pool);
  if (!s) api_send_error(api, c, 503, "store_unavailable", "cannot open the store");
  return s;
}

void store_pool_give(struct store_pool *p, struct sf_store *s) {
  if (!s) return;
  pthread_mutex_lock(&p->mu);
  if (p->n_free < p->cap) {
    p->free_list[p->n_free++] = s;
    s = NULL;
  }
  pthread_mutex_unlock(&p->mu);
  if (s) sf_store_close(s);
}

void store_pool_fini(struct store_pool *p) {
  for (size_t i = 0; i < p->n_free; i++) sf_store_close(p->free_list[i]);
  free(p->free_list);
  free(p->url);
  pthread_mutex_destroy(&p->mu);
  memset(p, 0, sizeof *p);
}

/* ---- responses ---- */

static const char *origin_allowed(struct sf_api *api, const struct mg_connection *c) {
  const char *origin = mg_get_header(c, "Origin");
  if (!origin || !api->cors) return NULL;
  size_t olen = strlen(origin);
  const char *p = api->cors;
  while (*p) {
    const char *e = strchr(p, ',');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    while (n && p[0] == ' ') p++, n--;
    while (n && p[n - 1] == ' ') n--;
    if ((n == 1 && p[0] == '*') || (n == olen && memcmp(p, origin, n) == 0)) return origin;
    if (!e) break;
    p = e + 1;
  }
  return NULL;
}

void api_add_cors(struct sf_api *api, struct mg_connection *c) {
  const char *o = origin_allowed(api, c);
  if (!o) return;
  mg_response_header_add(c, "Access-Control-Allow-Origin", o, -1);
  mg_response_header_add(c, "Vary", "Origin", -1);
}

void api_send_text(struct sf_api *api, struct mg_connection *c, int status, const char *ctype,
                   const char *body, size_t len) {
  char lenbuf[32];
  snprintf(lenbuf, sizeof lenbuf, "%zu", len);
  mg_response_header_start(c, status);
  mg_response_header_add(c, "Content-Type", ctype, -1);
  mg_response_header_add(c, "Content-Length", lenbuf, -1);
  mg_response_header_add(c, "Cache-Control", "no-store", -1);
  api_add_cors(api, c);
  mg_response_header_send(c);
  if (len) mg_write(c, body, len);
  if (status >= 500)
    atomic_fetch_add(&api->m.errors_5xx, 1);
  else if (status >= 400)
    atomic_fetch_add(&api->m.errors_4xx, 1);
}

void api_send_json(struct sf_api *api, struct mg_connection *c, int status, json_t *body) {
  char *s = body ? sf_json_dumps(body, 0) : NULL;
  json_decref(body);
  if (!s) {
    static const char oom[] = "{\"error\":\"internal\",\"detail\":\"out of memory\"}";
    api_send_text(api, c, 500, "application/json", oom, sizeof oom - 1);
    return;
  }
  api_send_text(api, c, status, "application/json", s, strlen(s));
  free(s);
}

void api_send_error(struct sf_api *api, struct mg_connection *c, int status, const char *error,
                    const char *fmt, ...) {
  char detail[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  json_t *j = json_object();
  if (j) {
    json_object_set_new(j, "error", json_string(error));
    json_object_set_new(j, "detail", json_string(detail));
  }
  api_send_json(api, c, status, j);
}

void api_jw_cursor(struct sf_jw *w, int has, const struct sf_store_cursor *cur) {
  if (!has) {
    sf_jw_null(w);
    return;
  }
  sf_jw_obj_begin(w);
  SF_JW_KEY(w, "ts");
  sf_jw_int(w, cur->ts);
  SF_JW_KEY(w, "seq");
  sf_jw_int(w, cur->seq);
  sf_jw_obj_end(w);
}

void api_jw_raw_rows(struct sf_jw *w, const struct sf_store_raw_result *res) {
  sf_jw_arr_begin(w);
  for (size_t i = 0; i < res->n; i++) sf_jw_raw(w, res->rows[i].json, res->rows[i].len);
  sf_jw_arr_end(w);
}

void api_send_jw(struct sf_api *api, struct mg_connection *c, int status, struct sf_jw *w) {
  size_t len = 0;
  const char *s = sf_jw_cstr(w, &len);
  if (!s) {
    int rc = sf_jw_status(w);
    sf_jw_fini(w);
    api_send_error(api, c, 500, "internal", "%s",
                   rc == SF_EINVAL ? "a stored record holds invalid UTF-8" : "out of memory");
    return;
  }
  api_send_text(api, c, status, "application/json", s, len);
  sf_jw_fini(w);
}

/* ---- auth ---- */

static int consttime_eq(const char *a, size_t alen, const char *b, size_t blen) {
  unsigned diff = (unsigned)(alen ^ blen);
  for (size_t i = 0; i < alen && i < blen; i++) diff |= (unsigned)(a[i] ^ b[i]);
  return diff == 0;
}

int api_authorized(struct sf_api *api, const struct mg_connection *c) {
  if (!api->token) return 1;
  size_t tlen = strlen(api->token);
  const char *h = mg_get_header(c, "Authorization");
  if (h && strncmp(h, "Bearer ", 7) == 0) {
    const char *t = h + 7;
    return consttime_eq(t, strlen(t), api->token, tlen);
  }
  const struct mg_request_info *ri = mg_get_request_info(c);
  if (ri->query_string) {
    char tok[256];
    int n = mg_get_var(ri->query_string, strlen(ri->query_string), "token", tok, sizeof tok);
    if (n >= 0) return consttime_eq(tok, (size_t)n, api->token, tlen);
  }
  return 0;
}

/* ---- parameters ---- */

static const char *query_of(struct mg_connection *c) {
  const char *q = mg_get_request_info(c)->query_string;
  return q ? q : "";
}

int param_str(struct sf_api *api, struct mg_connection *c, const char *name, char *out, size_t cap) {
  const char *q = query_of(c);
  int n = mg_get_var(q, strlen(q), name, out, cap);
  if (n == -1) return 0;
  if (n < 0) {
    api_send_error(api, c, 400, "bad_parameter", "%s: value too long (at most %zu bytes)", name, cap - 1);
    return -1;
  }
  return 1;
}

int param_i64(struct sf_api *api, struct mg_connection *c, const char *name, int64_t min, int64_t max,
              int64_t *out) {
  char buf[64];
  int rc = param_str(api, c, name, buf, sizeof buf);
  if (rc <= 0) return rc;
  char *end = NULL;
  errno = 0;
  long long v = strtoll(buf, &end, 10);
  if (buf[0] == '\0' || *end != '\0' || errno == ERANGE) {
    api_send_error(api, c, 400, "bad_parameter", "%s: expected an integer, got '%s'", name, buf);
    return -1;
  }
  if (v < min || v > max) {
    api_send_error(api, c, 400, "bad_parameter", "%s: %lld is outside %lld..%lld", name, v, (long long)min,
                   (long long)max);
    return -1;
  }
  *out = (int64_t)v;
  return 1;
}

int param_num(struct sf_api *api, struct mg_connection *c, const char *name, double min, double *out) {
  char buf[64];
  int rc = param_str(api, c, name, buf, sizeof buf);
  if (rc <= 0) return rc;
  char *end = NULL;
  double v = strtod(buf, &end);
  if (buf[0] == '\0' || *end != '\0' || !isfinite(v)) {
    api_send_error(api, c, 400, "bad_parameter", "%s: expected a number, got '%s'", name, buf);
    return -1;
  }
  if (v < min) {
    api_send_error(api, c, 400, "bad_parameter", "%s: must be >= %g", name, min);
    return -1;
  }
  *out = v;
  return 1;
}

int param_bool(struct sf_api *api, struct mg_connection *c, const char *name, int *out) {
  char buf[16];
  int rc = param_str(api, c, name, buf, sizeof buf);
  if (rc <= 0) return rc;
  if (strcmp(buf, "true") == 0 || strcmp(buf, "1") == 0) {
    *out = 1;
  } else if (strcmp(buf, "false") == 0 || strcmp(buf, "0") == 0) {
    *out = 0;
  } else {
    api_send_error(api, c, 400, "bad_parameter", "%s: expected true or false, got '%s'", name, buf);
    return -1;
  }
  return 1;
}

int param_list(struct sf_api *api, struct mg_connection *c, const char *name, struct sf_strvec *out) {
  const char *q = query_of(c);
  size_t qlen = strlen(q);
  int found = 0;
  for (size_t occ = 0; occ < SF_STORE_LIMIT_MAX + 1; occ++) {
    char buf[4096];
    int n = mg_get_var2(q, qlen, name, buf, sizeof buf, occ);
    if (n == -1) break;
    if (n < 0) {
      api_send_error(api, c, 400, "bad_parameter", "%s: value too long", name);
      return -1;
    }
    found = 1;
    char *p = buf;
    while (*p) {
      char *e = strchr(p, ',');
      size_t len = e ? (size_t)(e - p) : strlen(p);
      if (len && sf_strvec_pushn(out, p, len) != 0) {
        api_send_error(api, c, 500, "internal", "out of memory");
        return -1;
      }
      if (!e) break;
      p = e + 1;
    }
    if (out->n > SF_STORE_LIMIT_MAX) {
      api_send_error(api, c, 400, "bad_parameter", "%s: at most %d values", name, SF_STORE_LIMIT_MAX);
      return -1;
    }
  }
  return found;
}

int param_limit(struct sf_api *api, struct mg_connection *c, size_t *out) {
  int64_t v = SF_STORE_LIMIT_DEFAULT;
  int rc = param_i64(api, c, "limit", 1, INT64_MAX, &v);
  if (rc < 0) return -1;
  if (v > SF_STORE_LIMIT_MAX) v = SF_STORE_LIMIT_MAX;
  *out = (size_t)v;
  return rc;
}

/* ---- dispatch ---- */

static void handle_options(struct sf_api *api, struct mg_connection *c) {
  mg_response_header_start(c, 204);
  api_add_cors(api, c);
  if (origin_allowed(api, c)) {
    mg_response_header_add(c, "Access-Control-Allow-Methods", "GET, OPTIONS", -1);
    mg_response_header_add(c, "Access-Control-Allow-Headers", "Authorization, Content-Type", -1);
    mg_response_header_add(c, "Access-Control-Max-Age", "600", -1);
  }
  mg_response_header_add(c, "Content-Length", "0", -1);
  mg_response_header_send(c);
}

static int is_api_path(const char *p) {
  static const char *const prefixes[] = {"/prints/",  "/nbbo/",          "/quotes/", "/flow/",
                                         "/history/", "/replay/",        "/stats/",  "/health",
                                         "/metrics",  "/option-prints/", NULL};
  for (int i = 0; prefixes[i]; i++)
    if (strncmp(p, prefixes[i], strlen(prefixes[i])) == 0) return 1;
  return 0;
}

static int begin_request(struct mg_connection *c) {
  struct sf_api *api = mg_get_user_data(mg_get_context(c));
  const struct mg_request_info *ri = mg_get_request_info(c);
  const char *path = ri->local_uri ? ri->local_uri : "/";
  if (strncmp(path, "/ws/", 4) == 0) return 0; /* WebSocket handlers */
  int64_t t0 = sf_time_mono_ns();
  atomic_fetch_add(&api->m.requests, 1);
  int api_path = is_api_path(path);
  if (strcmp(ri->request_method, "OPTIONS") == 0) {
    handle_options(api, c);
    metrics_observe(api, 204, sf_time_mono_ns() - t0);
    return 204;
  }
  if (!api_path) {
    if (!api->web_root) {
      api_send_error(api, c, 404, "not_found", "no route %s", path);
      metrics_observe(api, 404, sf_time_mono_ns() - t0);
      return 404;
    }
    return 0; /* static UI files, served by civetweb */
  }
  if (strcmp(ri->request_method, "GET") != 0 && strcmp(ri->request_method, "HEAD") != 0) {
    api_send_error(api, c, 405, "method_not_allowed", "%s is read-only: use GET", path);
    metrics_observe(api, 405, sf_time_mono_ns() - t0);
    return 405;
  }
  int status = 200;
  if (strcmp(path, "/health") == 0) {
    static const char ok[] = "{\"status\":\"ok\"}";
    api_send_text(api, c, 200, "application/json", ok, sizeof ok - 1);
  } else if (!api_authorized(api, c)) {
    atomic_fetch_add(&api->m.unauthorized, 1);
    status = 401;
    api_send_error(api, c, 401, "unauthorized", "missing or wrong bearer token");
  } else if (strcmp(path, "/metrics") == 0) {
    metrics_handle(api, c);
  } else if (!routes_flow_dispatch(api, c, path) && !routes_data_dispatch(api, c, path)) {
    status = 404;
    api_send_error(api, c, 404, "not_found", "no route %s", path);
  }
  metrics_observe(api, status, sf_time_mono_ns() - t0);
  return status;
}

static int log_message(const struct mg_connection *c, const char *msg) {
  (void)c;
  sf_log_warn(MOD, "civetweb: %s", msg);
  return 1;
}

static char *dup_or_null(const char *s) { return s && *s ? strdup(s) : NULL; }

int sf_api_start(const struct sf_api_config *cfg, struct sf_api **out) {
  *out = NULL;
  if (!cfg->store_url) return SF_EINVAL;
  struct sf_api *api = calloc(1, sizeof *api);
  if (!api) return SF_ENOMEM;
  int rc = SF_ENOMEM;
  api->cfg = *cfg;
  if (api->cfg.threads <= 0) api->cfg.threads = 16;
  if (!api->cfg.ws_queue_max) api->cfg.ws_queue_max = 8192;
  if (api->cfg.heartbeat_ms <= 0) api->cfg.heartbeat_ms = 15000;
  if (!api->cfg.snapshot_items) api->cfg.snapshot_items = 50;
  if (api->cfg.ws_linger_us < 0) api->cfg.ws_linger_us = 0;
  if (api->cfg.ws_linger_us > 100000) api->cfg.ws_linger_us = 100000;
  api->listen = strdup(cfg->listen ? cfg->listen : "127.0.0.1:8080");
  api->store_url = strdup(cfg->store_url);
  api->token = dup_or_null(cfg->token);
  api->cors = dup_or_null(cfg->cors_origins);
  api->web_root = dup_or_null(cfg->web_root);
  pthread_mutex_init(&api->metrics_mu, NULL);
  if (!api->listen || !api->store_url) goto fail;
  if ((rc = store_pool_init(&api->pool, api->store_url, (size_t)api->cfg.threads + 4)) != 0) goto fail;
  /* Open one handle now so a bad store URL fails at start, not at the first request. */
  struct sf_store *probe = store_pool_take(&api->pool);
  if (!probe) {
    sf_log_error(MOD, "cannot open store %s", api->store_url);
    rc = SF_EIO;
    goto fail;
  }
  store_pool_give(&api->pool, probe);
  if ((rc = live_hub_new(api, &api->hub)) != 0) goto fail;

  char threads[16];
  snprintf(threads, sizeof threads, "%d", api->cfg.threads);
  const char *opts[32];
  int k = 0;
  opts[k++] = "listening_ports";
  opts[k++] = api->listen;
  opts[k++] = "num_threads";
  opts[k++] = threads;
  opts[k++] = "enable_keep_alive";
  opts[k++] = "yes";
  opts[k++] = "tcp_nodelay";
  opts[k++] = "1";
  opts[k++] = "request_timeout_ms";
  opts[k++] = "30000";
  opts[k++] = "websocket_timeout_ms";
  opts[k++] = "3600000";
  opts[k++] = "enable_directory_listing";
  opts[k++] = "no";
  if (api->web_root) {
    opts[k++] = "document_root";
    opts[k++] = api->web_root;
    opts[k++] = "index_files";
    opts[k++] = "index.html";
  }
  opts[k] = NULL;
  struct mg_callbacks cbs;
  memset(&cbs, 0, sizeof cbs);
  cbs.begin_request = begin_request;
  cbs.log_message = log_message;
  mg_init_library(0);
  api->ctx = mg_start(&cbs, api, opts);
  if (!api->ctx) {
    sf_log_error(MOD, "cannot listen on %s", api->listen);
    rc = SF_EIO;
    goto fail;
  }
  struct mg_server_port ports[4];
  int np = mg_get_server_ports(api->ctx, 4, ports);
  api->port = np > 0 ? ports[0].port : 0;
  live_hub_register(api->hub, api->ctx);
  *out = api;
  return 0;
fail:
  sf_api_stop(api);
  return rc;
}

int sf_api_port(const struct sf_api *api) { return api->port; }

void sf_api_publish(struct sf_api *api, const struct sf_record *r) {
  if ((unsigned)r->type < SF_REC__COUNT) atomic_fetch_add(&api->m.published[r->type], 1);
  live_hub_publish(api->hub, r);
}

void sf_api_set_metrics_source(struct sf_api *api, sf_api_metrics_fn fn, void *ctx) {
  pthread_mutex_lock(&api->metrics_mu);
  api->metrics_fn = fn;
  api->metrics_ctx = ctx;
  pthread_mutex_unlock(&api->metrics_mu);
}

size_t sf_api_ws_clients(const struct sf_api *api) { return api->hub ? live_hub_clients(api->hub) : 0; }

void sf_api_stop(struct sf_api *api) {
  if (!api) return;
  if (api->hub) live_hub_close_all(api->hub);
  if (api->ctx) mg_stop(api->ctx);
  if (api->hub) live_hub_free(api->hub);
  if (api->pool.url) store_pool_fini(&api->pool);
  pthread_mutex_destroy(&api->metrics_mu);
  free(api->listen);
  free(api->store_url);
  free(api->token);
  free(api->cors);
  free(api->web_root);
  free(api);
}
