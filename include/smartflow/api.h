/* The smartflow API server (civetweb): the REST, history, replay, look-up and WebSocket routes of
 * shared/CONTRACTS.md, the smart-money routes beyond them, /metrics, and the static web terminal.
 *
 * Reads come from a store (one handle per request thread, from a small pool). Live records reach
 * the server through sf_api_publish(), from whatever produces them (the engine's sinks in
 * `smartflow run`, a bus subscription in `smartflow serve`), and are fanned out to WebSocket
 * clients. Each client has a bounded queue and its own sender thread, so a slow or dead client
 * never blocks the publisher or other clients: a client whose queue overflows is dropped with a
 * logged reason. */
#ifndef SMARTFLOW_API_H
#define SMARTFLOW_API_H

#include <stddef.h>
#include <stdint.h>

#include "smartflow/record.h"

struct sf_api;

struct sf_api_config {
  const char *listen;       /* "HOST:PORT"; port 0 picks a free one (default 127.0.0.1:8080) */
  const char *store_url;    /* required: where reads come from */
  const char *token;        /* when set, every route but /health (and the static UI files) needs
                               "Authorization: Bearer <token>" (WebSockets may pass ?token=) */
  const char *cors_origins; /* comma list of allowed origins; NULL = no CORS headers */
  const char *web_root;     /* folder served at / (index.html); NULL = no UI */
  int threads;              /* HTTP worker threads (default 16) */
  size_t ws_queue_max;      /* per-client queued messages before the client is dropped (8192) */
  int heartbeat_ms;         /* /ws/live heartbeat period (15000) */
  size_t snapshot_items;    /* items in a /ws/live snapshot (50) */
  int ws_linger_us;         /* after a write, a client's sender gathers what is published for this
                               long before writing again, so a busy stream costs each sender one
                               wake-up per period instead of one per message (1000; 0 = off,
                               every message is written as soon as it is queued) */
};

void sf_api_config_default(struct sf_api_config *cfg);

/* A source of extra Prometheus lines (engine counters, queue depths), called on each /metrics
 * request from an HTTP thread; it appends text with the writer it is given. */
typedef void (*sf_api_metrics_fn)(void *ctx, void (*emit)(void *w, const char *line), void *w);

/* Starts the server. cfg is copied (strings too). Returns 0, SF_EIO (cannot listen), SF_EINVAL,
 * SF_ENOMEM; the detail is logged. */
int sf_api_start(const struct sf_api_config *cfg, struct sf_api **out);
/* The port actually listened on. */
int sf_api_port(const struct sf_api *api);
/* Hands a record to live subscribers (borrowed until return; encoded once). Thread-safe. */
void sf_api_publish(struct sf_api *api, const struct sf_record *r);
/* Registers an extra metrics source (one; NULL removes it). */
void sf_api_set_metrics_source(struct sf_api *api, sf_api_metrics_fn fn, void *ctx);
/* Live clients connected now. */
size_t sf_api_ws_clients(const struct sf_api *api);
/* Stops listening, closes clients, joins threads, frees everything. */
void sf_api_stop(struct sf_api *api);

#endif
