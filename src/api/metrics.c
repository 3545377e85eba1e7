/* /metrics in the Prometheus text exposition format: HTTP requests and latency histogram,
 * errors, records published live per type, WebSocket clients and drops, plus whatever the
 * process registers as an extra source (engine counters, store writer queue depth). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"

const double api_lat_bounds[API_LAT_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                0.025,  0.05,  0.1,    0.5,   1.0};

void metrics_observe(struct sf_api *api, int status, int64_t elapsed_ns) {
  (void)status;
  double s = (double)elapsed_ns / 1e9;
  int b = 0;
  while (b < API_LAT_BUCKETS && s > api_lat_bounds[b]) b++;
  atomic_fetch_add(&api->m.lat_bucket[b], 1);
  atomic_fetch_add(&api->m.lat_sum_us, (unsigned long long)(elapsed_ns / 1000));
}

struct textbuf {
  char *p;
  size_t n, cap;
  int oom;
};

static void tb_add(void *w, const char *line) {
  struct textbuf *tb = w;
  size_t len = strlen(line);
  if (tb->oom) return;
  if (tb->n + len + 2 > tb->cap) {
    size_t ncap = (tb->cap ? tb->cap * 2 : 4096) + len;
    char *np = realloc(tb->p, ncap);
    if (!np) {
      tb->oom = 1;
      return;
    }
    tb->p = np;
    tb->cap = ncap;
  }
  memcpy(tb->p + tb->n, line, len);
  tb->n += len;
  if (len == 0 || line[len - 1] != '\n') tb->p[tb->n++] = '\n';
}

static void tb_printf(struct textbuf *tb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tb_printf(struct textbuf *tb, const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  tb_add(tb, line);
}

void metrics_handle(struct sf_api *api, struct mg_connection *c) {
  struct textbuf tb = {0};
  struct api_metrics *m = &api->m;
  tb_add(&tb, "# HELP smartflow_http_requests_total HTTP requests received.");
  tb_add(&tb, "# TYPE smartflow_http_requests_total counter");
  tb_printf(&tb, "smartflow_http_requests_total %llu", atomic_load(&m->requests));
  tb_add(&tb, "# TYPE smartflow_http_errors_total counter");
  tb_printf(&tb, "smartflow_http_errors_total{class=\"4xx\"} %llu", atomic_load(&m->errors_4xx));
  tb_printf(&tb, "smartflow_http_errors_total{class=\"5xx\"} %llu", atomic_load(&m->errors_5xx));
  tb_printf(&tb, "smartflow_http_unauthorized_total %llu", atomic_load(&m->unauthorized));
  tb_add(&tb, "# HELP smartflow_http_request_duration_seconds Request latency.");
  tb_add(&tb, "# TYPE smartflow_http_request_duration_seconds histogram");
  unsigned long long cum = 0;
  for (int b = 0; b < API_LAT_BUCKETS; b++) {
    cum += atomic_load(&m->lat_bucket[b]);
    tb_printf(&tb, "smartflow_http_request_duration_seconds_bucket{le=\"%g\"} %llu", api_lat_bounds[b], cum);
  }
  cum += atomic_load(&m->lat_bucket[API_LAT_BUCKETS]);
  tb_printf(&tb, "smartflow_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu", cum);
  tb_printf(&tb, "smartflow_http_request_duration_seconds_sum %.6f",
            (double)atomic_load(&m->lat_sum_us) / 1e6);
  tb_printf(&tb, "smartflow_http_request_duration_seconds_count %llu", cum);
  tb_add(&tb, "# HELP smartflow_live_records_total Records handed to live subscribers, by type.");
  tb_add(&tb, "# TYPE smartflow_live_records_total counter");
  for (int t = 0; t < SF_REC__COUNT; t++)
    tb_printf(&tb, "smartflow_live_records_total{type=\"%s\"} %llu",
              sf_record_type_name((enum sf_record_type)t), atomic_load(&m->published[t]));
  tb_add(&tb, "# TYPE smartflow_ws_clients gauge");
  tb_printf(&tb, "smartflow_ws_clients %zu", sf_api_ws_clients(api));
  tb_add(&tb, "# TYPE smartflow_ws_messages_sent_total counter");
  tb_printf(&tb, "smartflow_ws_messages_sent_total %llu", atomic_load(&m->ws_sent));
  tb_add(&tb, "# TYPE smartflow_ws_connects_total counter");
  tb_printf(&tb, "smartflow_ws_connects_total %llu", atomic_load(&m->ws_connects));
  tb_add(&tb, "# HELP smartflow_ws_dropped_clients_total Clients dropped because their queue overflowed.");
  tb_add(&tb, "# TYPE smartflow_ws_dropped_clients_total counter");
  tb_printf(&tb, "smartflow_ws_dropped_clients_total %llu", atomic_load(&m->ws_dropped_clients));
  pthread_mutex_lock(&api->metrics_mu);
  if (api->metrics_fn) api->metrics_fn(api->metrics_ctx, tb_add, &tb);
  pthread_mutex_unlock(&api->metrics_mu);
  if (tb.oom) {
    free(tb.p);
    api_send_error(api, c, 500, "internal", "out of memory");
    return;
  }
  api_send_text(api, c, 200, "text/plain; version=0.0.4", tb.p ? tb.p : "", tb.n);
  free(tb.p);
}
