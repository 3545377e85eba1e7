/* Live fan-out over WebSockets: the per-channel sockets (/ws/options … /ws/alerts, each message
 * {"type":T,"payload":record}) and the multiplexed /ws/live protocol of CONTRACTS.md (ready,
 * subscribe → snapshot, event, heartbeat, ping, error).
 *
 * Invariants: a published record is encoded once per message shape and shared by reference
 * count; every write to a connection happens on that client's own sender thread, fed from a
 * bounded queue (what is queued is sent in coalesced runs of frames, one write each), so the publisher never
 * blocks on a socket and a slow client never delays the others. A client whose queue overflows is dropped
 * (close frame, logged reason, counted). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/internal.h"
#include "smartflow/err.h"
#include "smartflow/log.h"
#include "smartflow/record_json.h"
#include "smartflow/time.h"

#define MOD "live"
#define CH_COUNT 7
#define LIVE_ALL (-1)

static const struct {
  const char *channel; /* /ws/live channel name */
  const char *path;    /* per-channel socket */
  enum sf_record_type type;
} channels[CH_COUNT] = {
    {"options", "/ws/options", SF_REC_OPTION_PRINT},
    {"nbbo", "/ws/options-nbbo", SF_REC_OPTION_NBBO},
    {"equity-quotes", "/ws/equity-quotes", SF_REC_EQUITY_QUOTE},
    {"flow", "/ws/flow", SF_REC_FLOW_PACKET},
    {"smart-money", "/ws/smart-money", SF_REC_SMART_MONEY},
    {"classifier-hits", "/ws/classifier-hits", SF_REC_CLASSIFIER_HIT},
    {"alerts", "/ws/alerts", SF_REC_ALERT},
};
static int channel_ids[CH_COUNT] = {0, 1, 2, 3, 4, 5, 6};
static int live_id = LIVE_ALL;

static int channel_of_type(enum sf_record_type t) {
  for (int i = 0; i < CH_COUNT; i++)
    if (channels[i].type == t) return i;
  return -1;
}

static int channel_of_name(const char *s) {
  for (int i = 0; i < CH_COUNT; i++)
    if (strcmp(channels[i].channel, s) == 0) return i;
  return -1;
}

struct msg {
  atomic_int refs;
  int close; /* a close frame, not text */
  size_t len;
  char data[];
};

static struct msg *msg_new(const char *s, size_t len) {
  struct msg *m = malloc(sizeof *m + len + 1);
  if (!m) return NULL;
  atomic_init(&m->refs, 1);
  m->close = 0;
  m->len = len;
  memcpy(m->data, s, len);
  m->data[len] = '\0';
  return m;
}

static struct msg *msg_from_json(json_t *j /* consumed */) {
  char *s = j ? sf_json_dumps(j, 0) : NULL;
  json_decref(j);
  if (!s) return NULL;
  struct msg *m = msg_new(s, strlen(s));
  free(s);
  return m;
}

/* A message from a writer's text (NULL when the writer failed); the writer is left reset. */
static struct msg *msg_from_jw(struct sf_jw *w) {
  size_t len = 0;
  const char *s = sf_jw_cstr(w, &len);
  struct msg *m = s ? msg_new(s, len) : NULL;
  sf_jw_reset(w);
  return m;
}

static void msg_unref(struct msg *m) {
  if (m && atomic_fetch_sub(&m->refs, 1) == 1) free(m);
}

struct client {
  struct live_hub *hub;
  struct mg_connection *conn;
  int kind;         /* channel index, or LIVE_ALL for /ws/live */
  atomic_uint mask; /* subscribed channels (bit per channel) */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  struct msg **q;
  size_t head, count, cap;
  int stopping;  /* the connection closed: sender exits */
  int dropped;   /* overflowed: send a close frame and stop sending data */
  int lingering; /* the sender is gathering after a write: a push needs no wake-up */
  pthread_t thread;
  unsigned char *wbuf; /* the sender's coalesced frames */
  size_t wcap;
  struct client *next;
  char addr[64];
};

struct live_hub {
  struct sf_api *api;
  pthread_mutex_t mu;
  struct client *clients;
  size_t n;
  unsigned subscribers[CH_COUNT]; /* clients per channel, to skip encoding nobody reads */
  atomic_size_t n_clients;        /* mirror of n for lock-free reads */
  pthread_t hb;
  pthread_cond_t hb_cv;
  int stop, hb_started;
};

/* Queues m for c (takes a reference). Called with the hub lock or from the client's own handler. */
static void client_push(struct client *c, struct msg *m) {
  pthread_mutex_lock(&c->mu);
  if (c->stopping || c->dropped) {
    pthread_mutex_unlock(&c->mu);
    return;
  }
  if (c->count == c->cap) {
    c->dropped = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    atomic_fetch_add(&c->hub->api->m.ws_dropped_clients, 1);
    sf_log_warn(MOD, "dropping client %s: queue of %zu messages overflowed (client too slow)", c->addr,
                c->cap);
    return;
  }
  atomic_fetch_add(&m->refs, 1);
  c->q[(c->head + c->count) % c->cap] = m;
  c->count++;
  if (!c->lingering) pthread_cond_signal(&c->cv);
  pthread_mutex_unlock(&c->mu);
}

/* Frames taken off the queue per write, and the byte budget of one coalesced write. */
#define SEND_BATCH 64
#define SEND_BYTES (256 * 1024)

/* Appends a server (unmasked, FIN) text frame holding m to b; returns the new length. */
static size_t frame_text(unsigned char *b, size_t at, const struct msg *m) {
  b[at++] = 0x81;
  if (m->len < 126) {
    b[at++] = (unsigned char)m->len;
  } else if (m->len <= 0xffff) {
    b[at++] = 126;
    b[at++] = (unsigned char)(m->len >> 8);
    b[at++] = (unsigned char)m->len;
  } else {
    b[at++] = 127;
    for (int k = 7; k >= 0; k--) b[at++] = (unsigned char)((uint64_t)m->len >> (8 * k));
  }
  memcpy(b + at, m->data, m->len);
  return at + m->len;
}

/* Writes a run of queued messages: coalesced into one buffer of frames and one mg_write under
 * the connection lock (what mg_websocket_write does per frame, in two writes: header, payload),
 * so a client that is behind costs one syscall per batch rather than two per message. Falls back
 * to per-message writes when the buffer cannot grow. Returns 0, or -1 when the link failed. */
static int send_batch(struct client *c, struct msg **ms, size_t n) {
  size_t need = 0;
  for (size_t i = 0; i < n; i++) need += ms[i]->len + 10;
  if (need > c->wcap) {
    unsigned char *nb = realloc(c->wbuf, need);
    if (nb) c->wbuf = nb, c->wcap = need;
  }
  if (need <= c->wcap) {
    size_t len = 0;
    for (size_t i = 0; i < n; i++) len = frame_text(c->wbuf, len, ms[i]);
    mg_lock_connection(c->conn);
    int rc = mg_write(c->conn, c->wbuf, len);
    mg_unlock_connection(c->conn);
    return rc > 0 && (size_t)rc == len ? 0 : -1;
  }
  for (size_t i = 0; i < n; i++)
    if (mg_websocket_write(c->conn, MG_WEBSOCKET_OPCODE_TEXT, ms[i]->data, ms[i]->len) <= 0) return -1;
  return 0;
}

static void *client_sender(void *arg) {
  struct client *c = arg;
  struct msg *batch[SEND_BATCH];
  int64_t linger_ns = (int64_t)c->hub->api->cfg.ws_linger_us * 1000;
  bool wrote = false;
  for (;;) {
    pthread_mutex_lock(&c->mu);
    if (wrote && linger_ns > 0 && c->count < SEND_BATCH && !c->stopping && !c->dropped) {
      /* Gather: pushes do not signal now (drops and stops still do). */
      struct timespec until;
      clock_gettime(CLOCK_REALTIME, &until);
      int64_t ns = until.tv_nsec + linger_ns;
      until.tv_sec += (time_t)(ns / SF_NS_PER_S);
      until.tv_nsec = (long)(ns % SF_NS_PER_S);
      c->lingering = 1;
      pthread_cond_timedwait(&c->cv, &c->mu, &until);
      c->lingering = 0;
    }
    while (!c->count && !c->stopping && !c->dropped) pthread_cond_wait(&c->cv, &c->mu);
    if (c->stopping) {
      pthread_mutex_unlock(&c->mu);
      break;
    }
    if (c->dropped) {
      c->stopping = 1; /* no more data; say goodbye once */
      pthread_mutex_unlock(&c->mu);
      static const char reason[] = "\x03\xf0slow consumer: queue overflow"; /* 1008 policy violation */
      mg_websocket_write(c->conn, MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE, reason, sizeof reason - 1);
      break;
    }
    size_t n = 0, bytes = 0;
    while (c->count && n < SEND_BATCH && (n == 0 || bytes + c->q[c->head]->len <= SEND_BYTES)) {
      struct msg *m = c->q[c->head];
      c->head = (c->head + 1) % c->cap;
      c->count--;
      bytes += m->len;
      batch[n++] = m;
    }
    pthread_mutex_unlock(&c->mu);
    int rc = send_batch(c, batch, n);
    wrote = true;
    for (size_t i = 0; i < n; i++) msg_unref(batch[i]);
    if (rc != 0) {
      pthread_mutex_lock(&c->mu);
      c->stopping = 1;
      pthread_mutex_unlock(&c->mu);
      break;
    }
    atomic_fetch_add(&c->hub->api->m.ws_sent, n);
  }
  return NULL;
}

static void send_json(struct client *c, json_t *j) {
  struct msg *m = msg_from_json(j);
  if (!m) return;
  client_push(c, m);
  msg_unref(m);
}

static void send_error(struct client *c, const char *message) {
  send_json(c, json_pack("{sss s}", "op", "error", "message", message));
}

/* ---- civetweb handlers ---- */

static int ws_connect(const struct mg_connection *conn, void *cbdata) {
  (void)cbdata;
  struct sf_api *api = mg_get_user_data(mg_get_context(conn));
  if (!api_authorized(api, conn)) {
    atomic_fetch_add(&api->m.unauthorized, 1);
    return 1; /* reject */
  }
  return 0;
}

static void ws_ready(struct mg_connection *conn, void *cbdata) {
  struct sf_api *api = mg_get_user_data(mg_get_context(conn));
  struct live_hub *h = api->hub;
  struct client *c = calloc(1, sizeof *c);
  if (!c) return;
  c->hub = h;
  c->conn = conn;
  c->kind = *(int *)cbdata;
  c->cap = api->cfg.ws_queue_max;
  c->q = calloc(c->cap, sizeof *c->q);
  const struct mg_request_info *ri = mg_get_request_info(conn);
  snprintf(c->addr, sizeof c->addr, "%s:%d", ri->remote_addr, ri->remote_port);
  pthread_mutex_init(&c->mu, NULL);
  pthread_cond_init(&c->cv, NULL);
  atomic_init(&c->mask, c->kind == LIVE_ALL ? 0u : 1u << c->kind);
  if (!c->q || pthread_create(&c->thread, NULL, client_sender, c) != 0) {
    free(c->q);
    free(c);
    return;
  }
  mg_set_user_connection_data(conn, c);
  pthread_mutex_lock(&h->mu);
  c->next = h->clients;
  h->clients = c;
  h->n++;
  atomic_store(&h->n_clients, h->n);
  if (c->kind != LIVE_ALL) h->subscribers[c->kind]++;
  pthread_mutex_unlock(&h->mu);
  atomic_fetch_add(&api->m.ws_connects, 1);
  if (c->kind == LIVE_ALL) send_json(c, json_pack("{ss}", "op", "ready"));
}

/* {"op":"snapshot","snapshot":{"subscription":…,"items":[…],"watermark":…,"next_before":…}}
 * with the newest records of a channel, or NULL when the store cannot be read. */
static struct msg *snapshot_for(struct client *c, int ch, const json_t *subscription) {
  struct sf_api *api = c->hub->api;
  struct sf_store *st = store_pool_take(&api->pool);
  if (!st) return NULL;
  struct sf_store_query q;
  sf_store_query_init(&q, channels[ch].type, SF_STORE_NEWEST_FIRST);
  q.limit = api->cfg.snapshot_items;
  struct sf_store_raw_result res = {0};
  struct msg *out = NULL;
  if (sf_store_query_raw(st, &q, &res) == 0) {
    struct sf_store_cursor k = {0, 0};
    int has_wm = res.n != 0;
    if (has_wm) k = res.rows[0].key;
    struct sf_jw w;
    sf_jw_init(&w);
    sf_jw_obj_begin(&w);
    SF_JW_KEY(&w, "op");
    sf_jw_str(&w, "snapshot");
    SF_JW_KEY(&w, "snapshot");
    sf_jw_obj_begin(&w);
    SF_JW_KEY(&w, "subscription");
    sf_jw_jansson(&w, subscription);
    SF_JW_KEY(&w, "items");
    api_jw_raw_rows(&w, &res);
    SF_JW_KEY(&w, "watermark");
    api_jw_cursor(&w, has_wm, &k);
    SF_JW_KEY(&w, "next_before");
    api_jw_cursor(&w, res.has_next, &res.next);
    sf_jw_obj_end(&w);
    sf_jw_obj_end(&w);
    out = msg_from_jw(&w);
    sf_jw_fini(&w);
  }
  sf_store_raw_result_free(&res);
  store_pool_give(&api->pool, st);
  return out;
}

static void handle_subscribe(struct client *c, json_t *subs, int subscribe) {
  struct live_hub *h = c->hub;
  if (!json_is_array(subs)) {
    send_error(c, "subscriptions: expected an array of {channel}");
    return;
  }
  size_t i;
  json_t *s;
  json_array_foreach(subs, i, s) {
    const char *name = json_string_value(json_object_get(s, "channel"));
    int ch = name ? channel_of_name(name) : -1;
    if (ch < 0) {
      char msg[160];
      snprintf(msg, sizeof msg, "subscriptions[%zu].channel: unknown channel '%s'", i,
               name ? name : "(missing)");
      send_error(c, msg);
      continue;
    }
    unsigned bit = 1u << ch;
    pthread_mutex_lock(&h->mu);
    unsigned old = atomic_load(&c->mask);
    if (subscribe && !(old & bit)) {
      atomic_store(&c->mask, old | bit);
      h->subscribers[ch]++;
    } else if (!subscribe && (old & bit)) {
      atomic_store(&c->mask, old & ~bit);
      h->subscribers[ch]--;
    }
    pthread_mutex_unlock(&h->mu);
    if (subscribe) {
      struct msg *snap = snapshot_for(c, ch, s);
      if (snap) {
        client_push(c, snap);
        msg_unref(snap);
      } else
        send_error(c, "snapshot unavailable: cannot read the store");
    }
  }
}

static int ws_data(struct mg_connection *conn, int bits, char *data, size_t len, void *cbdata) {
  (void)cbdata;
  struct client *c = mg_get_user_connection_data(conn);
  int opcode = bits & 0x0f;
  if (opcode == MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE) return 0;
  if (!c || opcode != MG_WEBSOCKET_OPCODE_TEXT) return 1;
  if (c->kind != LIVE_ALL) return 1; /* per-channel sockets are send-only */
  json_error_t jerr;
  json_t *j = json_loadb(data, len, 0, &jerr);
  if (!j || !json_is_object(j)) {
    char msg[300];
    snprintf(msg, sizeof msg, "malformed message: %s", j ? "expected an object" : jerr.text);
    send_error(c, msg);
    json_decref(j);
    return 1;
  }
  const char *op = json_string_value(json_object_get(j, "op"));
  if (!op) {
    send_error(c, "op: missing");
  } else if (strcmp(op, "ping") == 0) {
    send_json(c, json_pack("{sssI}", "op", "heartbeat", "ts", (json_int_t)sf_ns_to_ms(sf_time_now_ns())));
  } else if (strcmp(op, "subscribe") == 0 || strcmp(op, "unsubscribe") == 0) {
    handle_subscribe(c, json_object_get(j, "subscriptions"), op[0] == 's');
  } else {
    char msg[128];
    snprintf(msg, sizeof msg, "op: unknown operation '%.60s'", op);
    send_error(c, msg);
  }
  json_decref(j);
  return 1;
}

static void client_free(struct client *c) {
  pthread_mutex_lock(&c->mu);
  c->stopping = 1;
  pthread_cond_signal(&c->cv);
  pthread_mutex_unlock(&c->mu);
  pthread_join(c->thread, NULL);
  while (c->count) {
    msg_unref(c->q[c->head]);
    c->head = (c->head + 1) % c->cap;
    c->count--;
  }
  pthread_mutex_destroy(&c->mu);
  pthread_cond_destroy(&c->cv);
  free(c->q);
  free(c->wbuf);
  free(c);
}

static void ws_close(const struct mg_connection *conn, void *cbdata) {
  (void)cbdata;
  struct client *c = mg_get_user_connection_data(conn);
  if (!c) return;
  struct live_hub *h = c->hub;
  pthread_mutex_lock(&h->mu);
  for (struct client **pp = &h->clients; *pp; pp = &(*pp)->next) {
    if (*pp == c) {
      *pp = c->next;
      h->n--;
      atomic_store(&h->n_clients, h->n);
      unsigned mask = atomic_load(&c->mask);
      for (int ch = 0; ch < CH_COUNT; ch++)
        if (mask & (1u << ch)) h->subscribers[ch]--;
      break;
    }
  }
  pthread_mutex_unlock(&h->mu);
  client_free(c);
}

/* ---- heartbeat ---- */

static void *heartbeat_main(void *arg) {
  struct live_hub *h = arg;
  pthread_mutex_lock(&h->mu);
  while (!h->stop) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    int64_t ns = until.tv_nsec + (int64_t)h->api->cfg.heartbeat_ms * SF_NS_PER_MS;
    until.tv_sec += (time_t)(ns / SF_NS_PER_S);
    until.tv_nsec = (long)(ns % SF_NS_PER_S);
    pthread_cond_timedwait(&h->hb_cv, &h->mu, &until);
    if (h->stop) break;
    json_t *j = json_pack("{sssI}", "op", "heartbeat", "ts", (json_int_t)sf_ns_to_ms(sf_time_now_ns()));
    struct msg *m = msg_from_json(j);
    if (!m) continue;
    for (struct client *c = h->clients; c; c = c->next)
      if (c->kind == LIVE_ALL) client_push(c, m);
    msg_unref(m);
  }
  pthread_mutex_unlock(&h->mu);
  return NULL;
}

/* ---- hub ---- */

int live_hub_new(struct sf_api *api, struct live_hub **out) {
  struct live_hub *h = calloc(1, sizeof *h);
  if (!h) return SF_ENOMEM;
  h->api = api;
  pthread_mutex_init(&h->mu, NULL);
  pthread_cond_init(&h->hb_cv, NULL);
  if (pthread_create(&h->hb, NULL, heartbeat_main, h) != 0) {
    free(h);
    return SF_ENOMEM;
  }
  h->hb_started = 1;
  *out = h;
  return 0;
}

void live_hub_register(struct live_hub *h, struct mg_context *ctx) {
  for (int i = 0; i < CH_COUNT; i++)
    mg_set_websocket_handler(ctx, channels[i].path, ws_connect, ws_ready, ws_data, ws_close, &channel_ids[i]);
  mg_set_websocket_handler(ctx, "/ws/live", ws_connect, ws_ready, ws_data, ws_close, &live_id);
  (void)h;
}

void live_hub_publish(struct live_hub *h, const struct sf_record *r) {
  int ch = channel_of_type(r->type);
  if (ch < 0) return;
  pthread_mutex_lock(&h->mu);
  unsigned subs = h->subscribers[ch];
  pthread_mutex_unlock(&h->mu);
  if (!subs) return;
  /* The record is encoded once and spliced into both message shapes:
   * {"type":…,"payload":…} for the per-channel sockets and
   * {"op":"event","subscription":{"channel":…},"item":…,"watermark":…} for /ws/live. */
  struct sf_jw rec, w;
  sf_jw_init(&rec);
  sf_jw_init(&w);
  size_t len = 0;
  const char *text = sf_record_encode(r, &rec) == 0 ? sf_jw_cstr(&rec, &len) : NULL;
  if (!text) {
    sf_jw_fini(&rec);
    return;
  }
  struct sf_store_cursor k = {0, 0};
  int has_wm = sf_store_record_key(r, &k) == 0;
  sf_jw_obj_begin(&w);
  SF_JW_KEY(&w, "type");
  sf_jw_str(&w, sf_record_type_name(r->type));
  SF_JW_KEY(&w, "payload");
  sf_jw_raw(&w, text, len);
  sf_jw_obj_end(&w);
  struct msg *env = msg_from_jw(&w);
  sf_jw_obj_begin(&w);
  SF_JW_KEY(&w, "op");
  sf_jw_str(&w, "event");
  SF_JW_KEY(&w, "subscription");
  sf_jw_obj_begin(&w);
  SF_JW_KEY(&w, "channel");
  sf_jw_str(&w, channels[ch].channel);
  sf_jw_obj_end(&w);
  SF_JW_KEY(&w, "item");
  sf_jw_raw(&w, text, len);
  SF_JW_KEY(&w, "watermark");
  api_jw_cursor(&w, has_wm, &k);
  sf_jw_obj_end(&w);
  struct msg *ev = msg_from_jw(&w);
  sf_jw_fini(&w);
  sf_jw_fini(&rec);
  pthread_mutex_lock(&h->mu);
  for (struct client *c = h->clients; c; c = c->next) {
    if (!(atomic_load(&c->mask) & (1u << ch))) continue;
    struct msg *m = c->kind == LIVE_ALL ? ev : env;
    if (m) client_push(c, m);
  }
  pthread_mutex_unlock(&h->mu);
  msg_unref(env);
  msg_unref(ev);
}

size_t live_hub_clients(const struct live_hub *h) { return atomic_load(&h->n_clients); }

void live_hub_close_all(struct live_hub *h) {
  pthread_mutex_lock(&h->mu);
  h->stop = 1;
  pthread_cond_broadcast(&h->hb_cv);
  for (struct client *c = h->clients; c; c = c->next) {
    pthread_mutex_lock(&c->mu);
    c->dropped = 1; /* the sender says goodbye; mg_stop then closes the connection */
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
  }
  pthread_mutex_unlock(&h->mu);
  if (h->hb_started) {
    pthread_join(h->hb, NULL);
    h->hb_started = 0;
  }
}

void live_hub_free(struct live_hub *h) {
  /* mg_stop has run: every close handler has freed its client. */
  if (h->hb_started) {
    pthread_mutex_lock(&h->mu);
    h->stop = 1;
    pthread_cond_broadcast(&h->hb_cv);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->hb, NULL);
  }
  while (h->clients) {
    struct client *c = h->clients;
    h->clients = c->next;
    client_free(c);
  }
  pthread_mutex_destroy(&h->mu);
  pthread_cond_destroy(&h->hb_cv);
  free(h);
}
