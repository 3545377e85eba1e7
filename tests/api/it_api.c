/* API server against a real SQLite store on a loopback ephemeral port: every route's happy path
 * and bad parameters, cursor paging, auth on and off, CORS, WebSocket subscribe/snapshot/event on
 * /ws/live for every channel, the per-channel sockets, and slow-client isolation. HTTP through
 * libcurl, WebSockets through civetweb's client. */
#include "harness.h"

#include <civetweb.h>
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <unistd.h>

#include "smartflow/api.h"
#include "smartflow/err.h"
#include "smartflow/record_json.h"
#include "smartflow/store.h"
#include "smartflow/time.h"

#define N_PRINTS 300
#define N_EVENTS 250
#define T0_MS INT64_C(1737124200000) /* 2025-01-17 14:30 UTC */

static char g_dir[256], g_url[300];
static struct sf_api *g_api;
static int g_port;

static const char *const unders[] = {"SPY", "AAPL", "TSLA"};

static void make_print(struct sf_record *r, int i) {
  sf_record_init(r, SF_REC_OPTION_PRINT);
  struct sf_option_print *p = &r->u.option_print;
  p->ts_ns = (T0_MS + i * 10) * SF_NS_PER_MS + 123;
  p->meta.source_ts = p->meta.ingest_ts = T0_MS + i * 10;
  p->meta.seq = i;
  snprintf(p->meta.trace_id, sizeof p->meta.trace_id, "p-%d", i);
  const char *u = unders[i % 3];
  snprintf(p->option_contract_id, sizeof p->option_contract_id, "%s-2025-02-21-%d-%c", u, 100 + i % 5,
           i % 2 ? 'P' : 'C');
  p->price = 1.0 + (i % 7) * 0.5;
  p->size = 1 + i % 40;
  snprintf(p->exchange, sizeof p->exchange, "CBOE");
  p->enriched = true;
  snprintf(p->underlying_id, sizeof p->underlying_id, "%s", u);
  p->option_type = i % 2 ? SF_OPT_PUT : SF_OPT_CALL;
  p->notional = p->price * (double)p->size * 100.0;
  p->multiplier = 100;
  p->nbbo_side = (uint8_t)(1 + i % 7);
}

static void make_event(struct sf_record *r, int i) {
  sf_record_init(r, SF_REC_SMART_MONEY);
  struct sf_smart_money_event *e = &r->u.smart_money;
  e->meta.source_ts = e->meta.ingest_ts = T0_MS + (i / 2) * 20; /* pairs share a timestamp */
  e->meta.seq = i;
  snprintf(e->event_id, sizeof e->event_id, "sme_%04d", i);
  snprintf(e->meta.trace_id, sizeof e->meta.trace_id, "%s", e->event_id);
  char id[32];
  snprintf(id, sizeof id, "p-%d", i % N_PRINTS);
  sf_strvec_push(&e->member_print_ids, id);
  snprintf(id, sizeof id, "p-%d", (i + 1) % N_PRINTS);
  sf_strvec_push(&e->member_print_ids, id);
  snprintf(e->underlying_id, sizeof e->underlying_id, "%s", unders[i % 3]);
  e->event_kind = SF_EVENT_SINGLE_LEG;
  e->event_window_ms = 120;
  e->features.total_premium = 1000.0 * (i % 50);
  e->features.print_count = 2;
  for (int k = 0; k < SF_PROFILE_COUNT; k++) {
    int p = (i + k) % SF_PROFILE_COUNT;
    e->scores[k].profile = (uint8_t)p;
    e->scores[k].probability = k == 0 ? 0.9 : 0.5 / (k + 1);
    e->scores[k].band = k == 0 ? SF_BAND_HIGH : SF_BAND_LOW;
    e->scores[k].direction = SF_DIR_BULLISH;
    sf_strvec_push(&e->scores[k].reasons, "premium_large");
  }
  e->abstained = i % 10 == 9;
  e->primary_profile = e->abstained ? -1 : e->scores[0].profile;
  e->primary_direction = e->abstained ? SF_DIR_UNKNOWN : (i % 4 == 0 ? SF_DIR_BEARISH : SF_DIR_BULLISH);
  if (e->abstained) sf_strvec_push(&e->suppressed_reasons, "weak_evidence");
}

static void seed_store(void) {
  struct sf_store *st = NULL;
  assert_int_equal(sf_store_open(g_url, &st), 0);
  struct sf_record *recs = calloc(N_PRINTS + N_EVENTS + 1, sizeof *recs);
  const struct sf_record **ptrs = calloc(N_PRINTS + N_EVENTS + 1, sizeof *ptrs);
  size_t n = 0;
  for (int i = 0; i < N_PRINTS; i++, n++) make_print(&recs[n], i);
  for (int i = 0; i < N_EVENTS; i++, n++) make_event(&recs[n], i);
  sf_record_init(&recs[n], SF_REC_FLOW_PACKET);
  struct sf_flow_packet *pk = &recs[n].u.flow_packet;
  pk->meta.source_ts = pk->meta.ingest_ts = T0_MS;
  pk->meta.seq = 0;
  snprintf(pk->id, sizeof pk->id, "pkt_one");
  snprintf(pk->meta.trace_id, sizeof pk->meta.trace_id, "pkt_one");
  sf_strvec_push(&pk->members, "p-1");
  pk->features = json_pack("{sfss}", "total_premium", 1234.5, "kind", "sweep");
  pk->join_quality = json_pack("{sf}", "nbbo_coverage", 1.0);
  n++;
  for (size_t i = 0; i < n; i++) ptrs[i] = &recs[i];
  assert_int_equal(sf_store_write(st, ptrs, n), 0);
  for (size_t i = 0; i < n; i++) sf_record_fini(&recs[i]);
  free(recs);
  free(ptrs);
  sf_store_close(st);
}

static int start_api(const char *token, const char *cors, size_t qmax) {
  struct sf_api_config cfg;
  sf_api_config_default(&cfg);
  cfg.listen = "127.0.0.1:0";
  cfg.store_url = g_url;
  cfg.token = token;
  cfg.cors_origins = cors;
  cfg.threads = 8;
  cfg.heartbeat_ms = 500;
  if (qmax) cfg.ws_queue_max = qmax;
  int rc = sf_api_start(&cfg, &g_api);
  if (rc == 0) g_port = sf_api_port(g_api);
  return rc;
}

/* ---- HTTP ---- */

struct resp {
  long status;
  char *body;
  size_t len;
  char headers[4096];
  size_t hlen;
};

static size_t on_body(char *p, size_t sz, size_t n, void *ud) {
  struct resp *r = ud;
  char *nb = realloc(r->body, r->len + sz * n + 1);
  if (!nb) return 0;
  r->body = nb;
  memcpy(r->body + r->len, p, sz * n);
  r->len += sz * n;
  r->body[r->len] = '\0';
  return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud) {
  struct resp *r = ud;
  size_t k = sz * n;
  if (r->hlen + k < sizeof r->headers - 1) {
    memcpy(r->headers + r->hlen, p, k);
    r->hlen += k;
    r->headers[r->hlen] = '\0';
  }
  return k;
}

static struct resp http(const char *method, const char *path, const char *hdr1, const char *hdr2) {
  struct resp r = {0};
  char url[2048];
  snprintf(url, sizeof url, "http://127.0.0.1:%d%s", g_port, path);
  CURL *c = curl_easy_init();
  struct curl_slist *hs = NULL;
  if (hdr1) hs = curl_slist_append(hs, hdr1);
  if (hdr2) hs = curl_slist_append(hs, hdr2);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) fail_msg("GET %s: %s", path, curl_easy_strerror(rc));
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(hs);
  curl_easy_cleanup(c);
  return r;
}

static json_t *get_json(const char *path, long want_status) {
  struct resp r = http("GET", path, NULL, NULL);
  if (r.status != want_status) fail_msg("GET %s: status %ld, expected %ld: %s", path, r.status, want_status, r.body);
  json_error_t e;
  json_t *j = json_loads(r.body ? r.body : "", 0, &e);
  if (!j) fail_msg("GET %s: body is not JSON: %s", path, r.body);
  free(r.body);
  return j;
}

static void expect_400(const char *path, const char *word) {
  json_t *j = get_json(path, 400);
  const char *err = json_string_value(json_object_get(j, "error"));
  const char *detail = json_string_value(json_object_get(j, "detail"));
  assert_non_null(err);
  assert_non_null(detail);
  if (!strstr(detail, word)) fail_msg("GET %s: detail '%s' does not name '%s'", path, detail, word);
  json_decref(j);
}

static void test_health_and_routes(void **state) {
  (void)state;
  json_t *j = get_json("/health", 200);
  check_str(json_string_value(json_object_get(j, "status")), "ok");
  json_decref(j);
  static const char *const recent[] = {"/prints/options", "/nbbo/options", "/quotes/equities", "/flow/packets",
                                       "/flow/smart-money", "/flow/classifier-hits", "/flow/alerts"};
  for (size_t i = 0; i < sizeof recent / sizeof *recent; i++) {
    j = get_json(recent[i], 200);
    assert_true(json_is_array(json_object_get(j, "data")));
    json_decref(j);
  }
  j = get_json("/prints/options", 200);
  json_t *data = json_object_get(j, "data");
  assert_int_equal(json_array_size(data), 200); /* default limit */
  /* Newest first. */
  int64_t prev = INT64_MAX;
  size_t i;
  json_t *it;
  json_array_foreach(data, i, it) {
    int64_t ts = json_integer_value(json_object_get(it, "ts"));
    assert_true(ts <= prev);
    prev = ts;
  }
  json_decref(j);
  j = get_json("/prints/options?limit=5000", 200);
  assert_int_equal(json_array_size(json_object_get(j, "data")), N_PRINTS); /* capped at 1000, 300 exist */
  json_decref(j);
  j = get_json("/nope", 404);
  assert_non_null(json_object_get(j, "error"));
  json_decref(j);
}

static void test_bad_parameters(void **state) {
  (void)state;
  expect_400("/prints/options?limit=0", "limit");
  expect_400("/prints/options?limit=abc", "limit");
  expect_400("/prints/options?side=XX", "side");
  expect_400("/prints/options?type=future", "type");
  expect_400("/prints/options?min_notional=-1", "min_notional");
  expect_400("/prints/options?option_contract_id=NOTACONTRACT", "option_contract_id");
  expect_400("/history/smart-money?before_ts=abc", "before_ts");
  expect_400("/history/smart-money?before_seq=3", "before_seq");
  expect_400("/replay/smart-money?after_ts=1.5", "after_ts");
  expect_400("/flow/smart-money?profile=whale", "profile");
  expect_400("/flow/smart-money?direction=up", "direction");
  expect_400("/flow/smart-money?band=huge", "band");
  expect_400("/flow/smart-money?abstained=maybe", "abstained");
  expect_400("/option-prints/by-trace", "trace_id");
  expect_400("/stats/profiles?from_ts=10&to_ts=5", "to_ts");
}

static void test_option_filters(void **state) {
  (void)state;
  json_t *j = get_json("/prints/options?side=A,AA&limit=1000", 200);
  size_t i, n = 0;
  json_t *it;
  json_array_foreach(json_object_get(j, "data"), i, it) {
    const char *s = json_string_value(json_object_get(it, "nbbo_side"));
    assert_true(strcmp(s, "A") == 0 || strcmp(s, "AA") == 0);
    n++;
  }
  /* Sides cycle 1..7 (AA=1, A=2): 2 of every 7 prints. */
  size_t want = 0;
  for (int k = 0; k < N_PRINTS; k++) want += (1 + k % 7) <= 2;
  assert_int_equal(n, want);
  json_decref(j);
  j = get_json("/prints/options?type=put&underlying_id=SPY&limit=1000", 200);
  want = 0;
  for (int k = 0; k < N_PRINTS; k++) want += (k % 2 == 1 && k % 3 == 0);
  assert_int_equal(json_array_size(json_object_get(j, "data")), want);
  json_array_foreach(json_object_get(j, "data"), i, it) {
    check_str(json_string_value(json_object_get(it, "option_type")), "put");
    check_str(json_string_value(json_object_get(it, "underlying_id")), "SPY");
  }
  json_decref(j);
  /* OSI form is accepted for the contract filter. */
  j = get_json("/prints/options?option_contract_id=AAPL%20%20250221P00101000&limit=1000", 200);
  json_array_foreach(json_object_get(j, "data"), i, it)
      check_str(json_string_value(json_object_get(it, "option_contract_id")), "AAPL-2025-02-21-101-P");
  assert_true(json_array_size(json_object_get(j, "data")) > 0);
  json_decref(j);
  j = get_json("/prints/options?min_notional=50000&limit=1000", 200);
  json_array_foreach(json_object_get(j, "data"), i, it)
      assert_true(json_real_value(json_object_get(it, "notional")) >= 50000.0);
  json_decref(j);
}

static void test_smart_money_filters_and_detail(void **state) {
  (void)state;
  json_t *j = get_json("/flow/smart-money?profile=vol_seller&limit=1000", 200);
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(j, "data"), i, it)
      check_str(json_string_value(json_object_get(it, "primary_profile_id")), "vol_seller");
  assert_true(json_array_size(json_object_get(j, "data")) > 0);
  json_decref(j);
  j = get_json("/flow/smart-money?abstained=true&limit=1000", 200);
  assert_int_equal(json_array_size(json_object_get(j, "data")), N_EVENTS / 10);
  json_decref(j);
  j = get_json("/flow/smart-money/sme_0003", 200);
  json_t *d = json_object_get(j, "data");
  check_str(json_string_value(json_object_get(json_object_get(d, "event"), "event_id")), "sme_0003");
  assert_int_equal(json_array_size(json_object_get(json_object_get(d, "event"), "profile_scores")), 6);
  assert_int_equal(json_array_size(json_object_get(d, "member_prints")), 2);
  json_decref(j);
  j = get_json("/flow/smart-money/sme_nope", 404);
  json_decref(j);
  j = get_json("/flow/packets/pkt_one", 200);
  check_str(json_string_value(json_object_get(json_object_get(j, "data"), "id")), "pkt_one");
  json_decref(j);
  j = get_json("/flow/packets/pkt_missing", 200);
  assert_true(json_is_null(json_object_get(j, "data")));
  json_decref(j);
  j = get_json("/option-prints/by-trace?trace_id=p-3&trace_id=p-7,p-9&trace_id=p-missing", 200);
  assert_int_equal(json_array_size(json_object_get(j, "data")), 3);
  json_decref(j);
  j = get_json("/stats/profiles", 200);
  json_int_t total = 0;
  json_array_foreach(json_object_get(j, "data"), i, it) total += json_integer_value(json_object_get(it, "count"));
  assert_int_equal(total, N_EVENTS);
  json_decref(j);
  struct resp r = http("GET", "/metrics", NULL, NULL);
  assert_int_equal(r.status, 200);
  assert_non_null(strstr(r.body, "smartflow_http_requests_total"));
  assert_non_null(strstr(r.body, "smartflow_http_request_duration_seconds_bucket"));
  free(r.body);
}

static void page_all(const char *route, const char *tsn, const char *seqn, const char *nextn) {
  char path[512];
  snprintf(path, sizeof path, "%s?limit=7", route);
  char seen[N_EVENTS] = {0};
  int count = 0, pages = 0;
  for (;;) {
    json_t *j = get_json(path, 200);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(j, "data"), i, it) {
      int id = atoi(json_string_value(json_object_get(it, "event_id")) + 4);
      if (seen[id]) fail_msg("%s: event %d seen twice", route, id);
      seen[id] = 1;
      count++;
    }
    json_t *nx = json_object_get(j, nextn);
    pages++;
    if (!nx || json_is_null(nx)) {
      json_decref(j);
      break;
    }
    snprintf(path, sizeof path, "%s?limit=7&%s=%lld&%s=%lld", route, tsn,
             (long long)json_integer_value(json_object_get(nx, "ts")), seqn,
             (long long)json_integer_value(json_object_get(nx, "seq")));
    json_decref(j);
    assert_true(pages < 1000);
  }
  assert_int_equal(count, N_EVENTS);
}

static void test_cursor_paging(void **state) {
  (void)state;
  page_all("/history/smart-money", "before_ts", "before_seq", "next_before");
  page_all("/replay/smart-money", "after_ts", "after_seq", "next");
}

/* ---- WebSockets ---- */

struct wsbuf {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  json_t *msgs; /* array */
  int closed;
  int slow_ms;
};

static int ws_on_data(struct mg_connection *c, int flags, char *data, size_t len, void *ud) {
  (void)c;
  struct wsbuf *b = ud;
  if ((flags & 0xf) != MG_WEBSOCKET_OPCODE_TEXT) return 1;
  if (b->slow_ms) usleep((useconds_t)b->slow_ms * 1000);
  json_t *j = json_loadb(data, len, 0, NULL);
  pthread_mutex_lock(&b->mu);
  if (j) json_array_append_new(b->msgs, j);
  pthread_cond_broadcast(&b->cv);
  pthread_mutex_unlock(&b->mu);
  return 1;
}

static void ws_on_close(const struct mg_connection *c, void *ud) {
  (void)c;
  struct wsbuf *b = ud;
  pthread_mutex_lock(&b->mu);
  b->closed = 1;
  pthread_cond_broadcast(&b->cv);
  pthread_mutex_unlock(&b->mu);
}

static struct mg_connection *ws_open(const char *path, struct wsbuf *b) {
  pthread_mutex_init(&b->mu, NULL);
  pthread_cond_init(&b->cv, NULL);
  b->msgs = json_array();
  char err[256] = "";
  struct mg_connection *c =
      mg_connect_websocket_client("127.0.0.1", g_port, 0, err, sizeof err, path, NULL, ws_on_data, ws_on_close, b);
  if (!c) fail_msg("websocket %s: %s", path, err);
  return c;
}

/* Waits (up to 30 s, for a loaded machine) until a message with key = value arrives; returns it
 * (borrowed). */
static json_t *ws_wait(struct wsbuf *b, const char *key, const char *value, size_t *from) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 30;
  pthread_mutex_lock(&b->mu);
  for (;;) {
    while (*from < json_array_size(b->msgs)) {
      json_t *m = json_array_get(b->msgs, (*from)++);
      const char *v = json_string_value(json_object_get(m, key));
      if (v && strcmp(v, value) == 0) {
        pthread_mutex_unlock(&b->mu);
        return m;
      }
    }
    if (pthread_cond_timedwait(&b->cv, &b->mu, &until) != 0) break;
  }
  pthread_mutex_unlock(&b->mu);
  fail_msg("no websocket message with %s=%s within 30 s", key, value);
  return NULL;
}

/* Waits (up to 30 s) until the server has registered at least n WebSocket clients. */
static void ws_wait_clients(size_t n) {
  for (int k = 0; k < 3000 && sf_api_ws_clients(g_api) < n; k++) usleep(10000);
  if (sf_api_ws_clients(g_api) < n)
    fail_msg("%zu WebSocket clients registered after 30 s, expected %zu", sf_api_ws_clients(g_api), n);
}

static void ws_close_free(struct mg_connection *c, struct wsbuf *b) {
  mg_close_connection(c);
  json_decref(b->msgs);
  pthread_mutex_destroy(&b->mu);
  pthread_cond_destroy(&b->cv);
}

static void test_ws_live_every_channel(void **state) {
  (void)state;
  struct wsbuf b = {0};
  struct mg_connection *c = ws_open("/ws/live", &b);
  size_t at = 0;
  ws_wait(&b, "op", "ready", &at);
  static const char *const chans[] = {"options", "nbbo", "equity-quotes", "flow", "smart-money", "classifier-hits",
                                      "alerts"};
  char msg[1024];
  snprintf(msg, sizeof msg,
           "{\"op\":\"subscribe\",\"subscriptions\":[{\"channel\":\"options\"},{\"channel\":\"nbbo\"},"
           "{\"channel\":\"equity-quotes\"},{\"channel\":\"flow\"},{\"channel\":\"smart-money\"},"
           "{\"channel\":\"classifier-hits\"},{\"channel\":\"alerts\"}]}");
  mg_websocket_client_write(c, MG_WEBSOCKET_OPCODE_TEXT, msg, strlen(msg));
  for (size_t k = 0; k < 7; k++) {
    json_t *s = ws_wait(&b, "op", "snapshot", &at);
    json_t *snap = json_object_get(s, "snapshot");
    check_str(json_string_value(json_object_get(json_object_get(snap, "subscription"), "channel")), chans[k]);
    assert_true(json_is_array(json_object_get(snap, "items")));
    if (strcmp(chans[k], "smart-money") == 0) {
      assert_int_equal(json_array_size(json_object_get(snap, "items")), 50);
      assert_true(json_is_object(json_object_get(snap, "watermark")));
      assert_true(json_is_object(json_object_get(snap, "next_before")));
    }
  }
  /* A live smart-money event, a print and an alert reach the socket. */
  struct sf_record r;
  make_event(&r, 9000 % N_EVENTS);
  snprintf(r.u.smart_money.event_id, sizeof r.u.smart_money.event_id, "sme_live1");
  sf_api_publish(g_api, &r);
  sf_record_fini(&r);
  json_t *ev = ws_wait(&b, "op", "event", &at);
  check_str(json_string_value(json_object_get(json_object_get(ev, "subscription"), "channel")), "smart-money");
  check_str(json_string_value(json_object_get(json_object_get(ev, "item"), "event_id")), "sme_live1");
  assert_true(json_is_object(json_object_get(ev, "watermark")));
  make_print(&r, 77);
  sf_api_publish(g_api, &r);
  sf_record_fini(&r);
  ev = ws_wait(&b, "op", "event", &at);
  check_str(json_string_value(json_object_get(json_object_get(ev, "subscription"), "channel")), "options");
  /* ping -> heartbeat; an unknown channel -> error. */
  mg_websocket_client_write(c, MG_WEBSOCKET_OPCODE_TEXT, "{\"op\":\"ping\"}", 13);
  ws_wait(&b, "op", "heartbeat", &at);
  const char *bad = "{\"op\":\"subscribe\",\"subscriptions\":[{\"channel\":\"bogus\"}]}";
  mg_websocket_client_write(c, MG_WEBSOCKET_OPCODE_TEXT, bad, strlen(bad));
  json_t *er = ws_wait(&b, "op", "error", &at);
  assert_non_null(strstr(json_string_value(json_object_get(er, "message")), "bogus"));
  mg_websocket_client_write(c, MG_WEBSOCKET_OPCODE_TEXT, "not json", 8);
  ws_wait(&b, "op", "error", &at);
  ws_close_free(c, &b);
}

static void test_ws_per_channel(void **state) {
  (void)state;
  struct wsbuf b = {0};
  struct mg_connection *c = ws_open("/ws/smart-money", &b);
  /* The server registers the client before anything is published (waited for, up to 30 s). */
  ws_wait_clients(1);
  struct sf_record r;
  make_event(&r, 5);
  snprintf(r.u.smart_money.event_id, sizeof r.u.smart_money.event_id, "sme_chan");
  sf_api_publish(g_api, &r);
  sf_record_fini(&r);
  size_t at = 0;
  json_t *m = ws_wait(&b, "type", "smart-money", &at);
  check_str(json_string_value(json_object_get(json_object_get(m, "payload"), "event_id")), "sme_chan");
  ws_close_free(c, &b);
}

static void test_slow_client_isolation(void **state) {
  (void)state;
  sf_api_stop(g_api);
  assert_int_equal(start_api(NULL, NULL, 32), 0);
  struct wsbuf fast = {0}, slow = {0};
  slow.slow_ms = 200;
  struct mg_connection *cs = ws_open("/ws/smart-money", &slow);
  struct mg_connection *cf = ws_open("/ws/smart-money", &fast);
  ws_wait_clients(2);
  assert_int_equal(sf_api_ws_clients(g_api), 2);
  /* Publish in bursts the fast client can follow; the slow one falls behind and is dropped. */
  const int total = 3000;
  for (int i = 0; i < total; i++) {
    struct sf_record r;
    make_event(&r, i % N_EVENTS);
    snprintf(r.u.smart_money.event_id, sizeof r.u.smart_money.event_id, "sme_s%05d", i);
    /* ~8 KB per message, so the slow client's socket buffers fill within the run. */
    char pad[256];
    memset(pad, 'x', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    for (int k = 0; k < 32; k++) sf_strvec_push(&r.u.smart_money.suppressed_reasons, pad);
    sf_api_publish(g_api, &r);
    sf_record_fini(&r);
    if (i % 16 == 15) {
      /* Let the fast client drain (it keeps up), never waiting on the slow one. Waited for
       * until it has everything so far (up to 30 s on a loaded machine), so that its queue never
       * holds more than one burst, well below the 32 that would drop it. */
      size_t got = 0;
      for (int k = 0; k < 30000; k++) {
        pthread_mutex_lock(&fast.mu);
        got = json_array_size(fast.msgs);
        pthread_mutex_unlock(&fast.mu);
        if (got >= (size_t)i + 1) break;
        usleep(1000);
      }
      if (got < (size_t)i + 1) fail_msg("the fast client has %zu of %d messages after 30 s", got, i + 1);
    }
  }
  size_t at = 0;
  for (int i = 0; i < total; i++) ws_wait(&fast, "type", "smart-money", &at);
  pthread_mutex_lock(&fast.mu);
  assert_int_equal(json_array_size(fast.msgs), total);
  pthread_mutex_unlock(&fast.mu);
  struct resp r = http("GET", "/metrics", NULL, NULL);
  assert_non_null(strstr(r.body, "smartflow_ws_dropped_clients_total 1"));
  free(r.body);
  slow.slow_ms = 0;
  ws_close_free(cf, &fast);
  ws_close_free(cs, &slow);
}

static void test_auth_and_cors(void **state) {
  (void)state;
  sf_api_stop(g_api);
  assert_int_equal(start_api("s3cret", "https://desk.example", 0), 0);
  struct resp r = http("GET", "/health", NULL, NULL);
  assert_int_equal(r.status, 200);
  free(r.body);
  r = http("GET", "/flow/alerts", NULL, NULL);
  assert_int_equal(r.status, 401);
  free(r.body);
  r = http("GET", "/flow/alerts", "Authorization: Bearer wrong", NULL);
  assert_int_equal(r.status, 401);
  free(r.body);
  r = http("GET", "/flow/alerts", "Authorization: Bearer s3cret", NULL);
  assert_int_equal(r.status, 200);
  free(r.body);
  r = http("GET", "/flow/alerts", "Authorization: Bearer s3cret", "Origin: https://desk.example");
  assert_non_null(strstr(r.headers, "Access-Control-Allow-Origin: https://desk.example"));
  free(r.body);
  r = http("GET", "/flow/alerts", "Authorization: Bearer s3cret", "Origin: https://evil.example");
  assert_null(strstr(r.headers, "Access-Control-Allow-Origin"));
  free(r.body);
  r = http("OPTIONS", "/flow/alerts", "Origin: https://desk.example", "Access-Control-Request-Method: GET");
  assert_int_equal(r.status, 204);
  assert_non_null(strstr(r.headers, "Access-Control-Allow-Headers"));
  free(r.body);
  /* A WebSocket without the token is refused; with ?token= it is accepted. */
  char err[256] = "";
  struct wsbuf b = {0};
  b.msgs = json_array();
  pthread_mutex_init(&b.mu, NULL);
  pthread_cond_init(&b.cv, NULL);
  struct mg_connection *c = mg_connect_websocket_client("127.0.0.1", g_port, 0, err, sizeof err, "/ws/live", NULL,
                                                        ws_on_data, ws_on_close, &b);
  assert_null(c);
  c = mg_connect_websocket_client("127.0.0.1", g_port, 0, err, sizeof err, "/ws/live?token=s3cret", NULL, ws_on_data,
                                  ws_on_close, &b);
  assert_non_null(c);
  size_t at = 0;
  ws_wait(&b, "op", "ready", &at);
  ws_close_free(c, &b);
}

static int setup(void **state) {
  (void)state;
  snprintf(g_dir, sizeof g_dir, "/tmp/sf-api-XXXXXX");
  if (!mkdtemp(g_dir)) return -1;
  snprintf(g_url, sizeof g_url, "sqlite:%s/api.db", g_dir);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  seed_store();
  return start_api(NULL, NULL, 0);
}

static int teardown(void **state) {
  (void)state;
  sf_api_stop(g_api);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
  if (system(cmd) != 0) return -1;
  curl_global_cleanup();
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_health_and_routes),     cmocka_unit_test(test_bad_parameters),
      cmocka_unit_test(test_option_filters),        cmocka_unit_test(test_smart_money_filters_and_detail),
      cmocka_unit_test(test_cursor_paging),         cmocka_unit_test(test_ws_live_every_channel),
      cmocka_unit_test(test_ws_per_channel),        cmocka_unit_test(test_slow_client_isolation),
      cmocka_unit_test(test_auth_and_cors),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
