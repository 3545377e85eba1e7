/* The NATS JetStream backend against a real nats-server (started here on a loopback ephemeral
 * port with a temporary store; skipped with a message only when the binary is missing, which
 * `make test` installs). Checks: the two streams exist with file storage, the namespace's
 * subjects and the duplicate window; N records published and consumed exactly once with a
 * durable and acks, contents intact; a consumer that stops without acking gets its messages
 * again from the durable on restart; a duplicate trace id is dropped by the server; an
 * asynchronous publish window; a payload that is not a record is terminated and reported;
 * replay and live never see each other; and a kill -9 of the server mid-stream, restarted on
 * the same store, loses nothing acknowledged while the client reconnects by itself. */
#include "harness.h"
#include "smartflow/version.h"

#if SF_HAVE_NATS
#include <nats/nats.h>
#include <pthread.h>
#include <stdatomic.h>

#include "bus/bus_fixtures.h"
#include "bus/nats_server.h"
#include "smartflow/bus.h"
#include "smartflow/err.h"
#include "smartflow/time.h"

static struct ns_server server;

static int group_setup(void **state) {
  (void)state;
  if (!ns_binary()) {
    fprintf(stderr, "SKIP: %s not installed (scripts/deps.sh test installs nats-server)\n", NS_BIN);
    return 0;
  }
  return ns_start(&server);
}

static int group_teardown(void **state) {
  (void)state;
  ns_stop(&server);
  return 0;
}

#define NEED_SERVER()                            \
  do {                                           \
    if (!server.pid) {                           \
      fprintf(stderr, "SKIP: no nats-server\n"); \
      skip();                                    \
    }                                            \
  } while (0)

static struct sf_bus *open_nats(const char *prefix, int async_window, int64_t timeout_ms) {
  struct sf_bus_options o;
  struct sf_bus *bus = NULL;
  char err[256];
  sf_bus_options_default(&o);
  o.subject_prefix = prefix;
  o.async_window = async_window;
  o.publish_timeout_ms = timeout_ms;
  o.reconnect_wait_ms = 100;
  o.client_name = "it_nats";
  int rc = sf_bus_open(server.url, &o, &bus, err, sizeof err);
  if (rc != 0) fail_msg("open %s: %s: %s", server.url, sf_strerror(rc), err);
  check_str(sf_bus_backend_name(bus), "nats");
  return bus;
}

/* ---- a consumer that records what it saw ---- */

#define SEEN_MAX 2048
struct seen {
  int n;
  char trace[SEEN_MAX][SF_ID_MAX];
  char subject[SEEN_MAX][SF_BUS_SUBJECT_MAX];
  uint64_t deliveries[SEEN_MAX];
  double value[SEEN_MAX];
  int type[SEEN_MAX];
  int ack;
};

static int seen_cb(void *ctx, const struct sf_record *rec, struct sf_bus_msg *msg) {
  struct seen *s = ctx;
  if (s->n < SEEN_MAX) {
    int i = s->n;
    snprintf(s->trace[i], SF_ID_MAX, "%s", sf_record_meta(rec)->trace_id);
    snprintf(s->subject[i], SF_BUS_SUBJECT_MAX, "%s", sf_bus_msg_subject(msg));
    s->deliveries[i] = sf_bus_msg_deliveries(msg);
    s->type[i] = (int)rec->type;
    s->value[i] = rec->type == SF_REC_OPTION_PRINT  ? rec->u.option_print.price
                  : rec->type == SF_REC_SMART_MONEY ? rec->u.smart_money.features.total_premium
                                                    : 0;
  }
  s->n++;
  return s->ack ? sf_bus_ack(msg) : 0; /* unacked handles are released by sf_bus_sub_close */
}

static struct sf_bus_sub *sub_open(struct sf_bus *bus, const char *durable, const char *subject,
                                   int64_t ack_wait, struct seen *s) {
  struct sf_bus_sub_options so;
  struct sf_bus_sub *sub = NULL;
  sf_bus_sub_options_default(&so);
  so.durable = durable;
  so.subject = subject;
  so.ack_wait_ms = ack_wait;
  int rc = sf_bus_subscribe(bus, &so, seen_cb, s, &sub);
  if (rc != 0) fail_msg("subscribe %s: %s (%s)", durable, sf_strerror(rc), sf_bus_errmsg(bus));
  return sub;
}

/* Fetches until `want` callbacks were made or a fetch times out. */
static int drain(struct sf_bus_sub *sub, struct seen *s, int want, int64_t timeout_ms) {
  while (s->n < want) {
    int rc = sf_bus_fetch(sub, 64, timeout_ms);
    if (rc < 0) fail_msg("fetch: %s", sf_strerror(rc));
    if (rc == 0) break;
  }
  return s->n;
}

/* Exactly `want` callbacks: waits for them as long as messages keep coming within 30 s of each
 * other (a loaded machine can be slow to deliver; the wait ends as soon as they are in), then
 * checks that nothing more comes within a short fetch. Returns the number seen. */
static int drain_exact(struct sf_bus_sub *sub, struct seen *s, int want) {
  drain(sub, s, want, 30000);
  if (s->n == want) {
    int rc = sf_bus_fetch(sub, 64, 300);
    if (rc < 0) fail_msg("fetch: %s", sf_strerror(rc));
  }
  return s->n;
}

static void publish_print(struct sf_bus *bus, const char *trace, const char *root, double price,
                          int64_t seq) {
  struct sf_record r;
  fx_option_print(&r, trace, root, price, seq);
  int rc = sf_bus_publish(bus, &r);
  if (rc != 0) fail_msg("publish %s: %s (%s)", trace, sf_strerror(rc), sf_bus_errmsg(bus));
  sf_record_fini(&r);
}

/* A raw libnats connection, to look at streams from outside the bus. */
static jsCtx *raw_js(natsConnection **nc) {
  jsCtx *js = NULL;
  assert_int_equal(natsConnection_ConnectTo(nc, server.url), NATS_OK);
  assert_int_equal(natsConnection_JetStream(&js, *nc, NULL), NATS_OK);
  return js;
}

static uint64_t stream_msgs(jsCtx *js, const char *name) {
  jsStreamInfo *si = NULL;
  jsErrCode jerr = 0;
  natsStatus s = js_GetStreamInfo(&si, js, name, NULL, &jerr);
  if (s != NATS_OK) fail_msg("stream %s: %s (%d)", name, natsStatus_GetText(s), (int)jerr);
  uint64_t n = si->State.Msgs;
  jsStreamInfo_Destroy(si);
  return n;
}

/* ---- tests ---- */

static void test_streams_created(void **state) {
  (void)state;
  NEED_SERVER();
  struct sf_bus *bus = open_nats("t1.", 0, 5000);
  natsConnection *nc = NULL;
  jsCtx *js = raw_js(&nc);
  static const char *names[] = {"T1_SF_MARKET", "T1_SF_FLOW"};
  static const char *subj[][2] = {{"t1.options.>", "t1.equities.>"}, {"t1.flow.>", NULL}};
  for (int i = 0; i < 2; i++) {
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    assert_int_equal(js_GetStreamInfo(&si, js, names[i], NULL, &jerr), NATS_OK);
    assert_int_equal(si->Config->Storage, js_FileStorage);
    assert_int_equal(si->Config->SubjectsLen, i == 0 ? 2 : 1);
    check_str(si->Config->Subjects[0], subj[i][0]);
    if (i == 0) check_str(si->Config->Subjects[1], subj[i][1]);
    check_i64(si->Config->Duplicates, 120000LL * 1000000);
    jsStreamInfo_Destroy(si);
  }
  /* Opening again finds them (no error, no change). */
  struct sf_bus *again = open_nats("t1.", 0, 5000);
  sf_bus_close(again);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  sf_bus_close(bus);

  /* No server there: a clear error, no bus. */
  struct sf_bus *none = NULL;
  char err[256];
  int port = ns_free_port(), rc;
  char url[64];
  snprintf(url, sizeof url, "nats://127.0.0.1:%d", port);
  rc = sf_bus_open(url, NULL, &none, err, sizeof err);
  assert_int_equal(rc, SF_EIO);
  assert_null(none);
  assert_non_null(strstr(err, "cannot connect"));
}

static void test_exactly_once(void **state) {
  (void)state;
  NEED_SERVER();
  enum { N = 300 };
  static const char *roots[] = {"SPY", "QQQ", "NVDA", "BRK-B"};
  struct sf_bus *bus = open_nats("t2.", 0, 5000);
  static struct seen s;
  memset(&s, 0, sizeof s);
  s.ack = 1;
  struct sf_bus_sub *sub = sub_open(bus, "store", "options.prints.>", 30000, &s);
  char trace[32];
  for (int k = 0; k < N; k++) {
    snprintf(trace, sizeof trace, "p-%04d", k);
    publish_print(bus, trace, roots[k % 4], 1.0 + k * 0.25, k);
  }
  struct sf_bus_stats st;
  sf_bus_stats(bus, &st);
  assert_int_equal(st.published, N);
  assert_int_equal(st.duplicates, 0);
  assert_int_equal(drain_exact(sub, &s, N), N);
  for (int k = 0; k < N; k++) {
    snprintf(trace, sizeof trace, "p-%04d", k);
    check_str(s.trace[k], trace); /* one stream: publish order */
    check_near(s.value[k], 1.0 + k * 0.25, 0);
    assert_int_equal(s.deliveries[k], 1);
    assert_int_equal(s.type[k], SF_REC_OPTION_PRINT);
  }
  check_str(s.subject[3], "t2.options.prints.BRK-B");
  /* Nothing more: everything was acknowledged (wait past nothing; ack_wait is 30 s). */
  assert_int_equal(sf_bus_fetch(sub, 64, 300), 0);
  sf_bus_sub_close(sub);

  /* A subscription for one underlying sees only it. */
  static struct seen one;
  memset(&one, 0, sizeof one);
  one.ack = 1;
  sub = sub_open(bus, "nvda", "options.prints.NVDA", 30000, &one);
  assert_int_equal(drain_exact(sub, &one, N / 4), N / 4);
  check_str(one.trace[0], "p-0002");
  sf_bus_sub_close(sub);

  /* Resuming the acked durable later: nothing is delivered again. */
  memset(&s, 0, sizeof s);
  sub = sub_open(bus, "store", "options.prints.>", 30000, &s);
  assert_int_equal(sf_bus_fetch(sub, 64, 300), 0);
  sf_bus_sub_close(sub);

  /* The market stream in publish order: quotes published between the prints come out between
   * them, through one unfiltered consumer (a filtered one on a different durable is refused
   * to bind to it). */
  struct sf_record q;
  fx_equity_quote(&q, "q-mid", "SPY", 580.5, N);
  assert_int_equal(sf_bus_publish(bus, &q), 0);
  sf_record_fini(&q);
  publish_print(bus, "p-last", "SPY", 9.75, N + 1);
  static struct seen m;
  memset(&m, 0, sizeof m);
  m.ack = 1;
  sub = sub_open(bus, "compute", SF_BUS_FILTER_MARKET, 30000, &m);
  assert_int_equal(drain_exact(sub, &m, N + 2), N + 2);
  check_str(m.trace[N - 1], "p-0299");
  check_str(m.trace[N], "q-mid");
  assert_int_equal(m.type[N], SF_REC_EQUITY_QUOTE);
  check_str(m.subject[N], "t2.equities.quotes.SPY");
  check_str(m.trace[N + 1], "p-last");
  sf_bus_sub_close(sub);
  struct sf_bus_sub_options so;
  sf_bus_sub_options_default(&so);
  so.durable = "compute";
  so.subject = "options.>";
  struct sf_bus_sub *bad = NULL;
  assert_int_equal(sf_bus_subscribe(bus, &so, seen_cb, &m, &bad), SF_EINVAL);
  assert_non_null(strstr(sf_bus_errmsg(bus), "durable exists"));
  sf_bus_close(bus);
}

static void test_redelivery_on_restart(void **state) {
  (void)state;
  NEED_SERVER();
  struct sf_bus *bus = open_nats("t3.", 0, 5000);
  static struct seen s;
  char trace[32];
  for (int k = 0; k < 20; k++) {
    struct sf_record r;
    snprintf(trace, sizeof trace, "sm-%02d", k);
    fx_smart_money(&r, trace, "SPY", k);
    assert_int_equal(sf_bus_publish(bus, &r), 0);
    sf_record_fini(&r);
  }
  /* A consumer takes 10 and "crashes": no acks, subscription and connection gone. */
  memset(&s, 0, sizeof s);
  s.ack = 0;
  enum { ACK_WAIT_MS = 2000 };
  struct sf_bus_sub *sub = sub_open(bus, "compute", "flow.smart_money", ACK_WAIT_MS, &s);
  int64_t taken_ns = sf_time_mono_ns(); /* no later than the server handed the 10 out */
  assert_int_equal(sf_bus_fetch(sub, 10, 30000), 10);
  check_str(s.trace[0], "sm-00");
  check_near(s.value[0], 10850.5, 0);
  sf_bus_sub_close(sub);
  sf_bus_close(bus);

  /* Restart: the durable resumes. The 10 unacked come back after ack_wait with a delivery count
   * of 2; the 10 never delivered come first when the resumed consumer asks before that ack_wait
   * ran out (which a loaded machine may not manage: the order is then not checked). Nothing is
   * lost, nothing acked twice. */
  bus = open_nats("t3.", 0, 5000);
  memset(&s, 0, sizeof s);
  s.ack = 1;
  sub = sub_open(bus, "compute", "flow.smart_money", ACK_WAIT_MS, &s);
  int first = sf_bus_fetch(sub, 64, 30000); /* the resumed consumer's first pull */
  if (first < 0) fail_msg("fetch: %s", sf_strerror(first));
  int64_t resumed_ms = (sf_time_mono_ns() - taken_ns) / SF_NS_PER_MS; /* no earlier than the pull */
  assert_int_equal(drain(sub, &s, 20, 30000), 20);
  int first_round = 0, again = 0;
  unsigned char got[20] = {0};
  for (int i = 0; i < 20; i++) {
    int k = atoi(s.trace[i] + 3);
    assert_true(k >= 0 && k < 20);
    got[k]++;
    if (k < 10) {
      assert_int_equal(s.deliveries[i], 2);
      again++;
    } else {
      assert_int_equal(s.deliveries[i], 1);
      first_round++;
    }
  }
  for (int k = 0; k < 20; k++) assert_int_equal(got[k], 1);
  assert_int_equal(first_round, 10);
  assert_int_equal(again, 10);
  if (resumed_ms < ACK_WAIT_MS)
    check_str(s.trace[0], "sm-10");
  else
    printf("resumed %lld ms after the first fetch (ack_wait %d ms): delivery order not checked\n",
           (long long)resumed_ms, (int)ACK_WAIT_MS);
  struct sf_bus_sub_stats ss;
  sf_bus_sub_stats(sub, &ss);
  assert_int_equal(ss.redelivered, 10);
  assert_int_equal(sf_bus_fetch(sub, 64, 1500), 0);
  sf_bus_sub_close(sub);
  sf_bus_close(bus);
}

static void test_dedup(void **state) {
  (void)state;
  NEED_SERVER();
  struct sf_bus *bus = open_nats("t4.", 0, 5000);
  natsConnection *nc = NULL;
  jsCtx *js = raw_js(&nc);
  publish_print(bus, "dup-1", "SPY", 1.5, 1);
  publish_print(bus, "dup-1", "SPY", 1.5, 1); /* a re-publish after a crash */
  publish_print(bus, "dup-2", "SPY", 2.5, 2);
  struct sf_bus_stats st;
  sf_bus_stats(bus, &st);
  assert_int_equal(st.published, 2);
  assert_int_equal(st.duplicates, 1);
  assert_int_equal(stream_msgs(js, "T4_SF_MARKET"), 2);
  /* A second connection (another process) re-publishing is dropped as well. */
  struct sf_bus *other = open_nats("t4.", 0, 5000);
  publish_print(other, "dup-2", "SPY", 2.5, 2);
  sf_bus_stats(other, &st);
  assert_int_equal(st.duplicates, 1);
  sf_bus_close(other);
  assert_int_equal(stream_msgs(js, "T4_SF_MARKET"), 2);
  static struct seen s;
  memset(&s, 0, sizeof s);
  s.ack = 1;
  struct sf_bus_sub *sub = sub_open(bus, "d", "options.>", 30000, &s);
  assert_int_equal(drain_exact(sub, &s, 2), 2);
  check_str(s.trace[0], "dup-1");
  check_str(s.trace[1], "dup-2");
  sf_bus_sub_close(sub);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  sf_bus_close(bus);
}

static void test_async_window(void **state) {
  (void)state;
  NEED_SERVER();
  enum { N = 1000 };
  struct sf_bus *bus = open_nats("t5.", 128, 10000);
  natsConnection *nc = NULL;
  jsCtx *js = raw_js(&nc);
  char trace[32];
  for (int k = 0; k < N; k++) {
    struct sf_record r;
    snprintf(trace, sizeof trace, "a-%d", k);
    fx_equity_quote(&r, trace, k % 3 ? "SPY" : "IWM", 100 + k, k);
    assert_int_equal(sf_bus_publish(bus, &r), 0);
    sf_record_fini(&r);
  }
  /* The last one again: dropped, and counted by the ack handler. */
  struct sf_record r;
  fx_equity_quote(&r, trace, "SPY", 1, 1);
  assert_int_equal(sf_bus_publish(bus, &r), 0);
  sf_record_fini(&r);
  assert_int_equal(sf_bus_flush(bus, 10000), 0);
  struct sf_bus_stats st;
  sf_bus_stats(bus, &st);
  assert_int_equal(st.published, N);
  assert_int_equal(st.duplicates, 1);
  assert_int_equal(st.publish_errors, 0);
  assert_int_equal(stream_msgs(js, "T5_SF_MARKET"), N);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  sf_bus_close(bus);
}

struct rejects {
  int n;
  char why[256];
  char subject[64];
};

static void on_reject(void *ctx, const char *subject, const char *payload, size_t len, const char *why) {
  struct rejects *rj = ctx;
  (void)payload;
  (void)len;
  rj->n++;
  snprintf(rj->why, sizeof rj->why, "%s", why);
  snprintf(rj->subject, sizeof rj->subject, "%s", subject);
}

static void test_reject(void **state) {
  (void)state;
  NEED_SERVER();
  struct sf_bus *bus = open_nats("t6.", 0, 5000);
  natsConnection *nc = NULL;
  jsCtx *js = raw_js(&nc);
  /* Someone else's bytes on our subjects: bad JSON, then a print with a negative size. */
  const char *bad1 = "{\"ts\": 1, oops";
  const char *bad2 =
      "{\"source_ts\":1,\"ingest_ts\":2,\"seq\":0,\"trace_id\":\"x\",\"ts\":1,\"option_contract_id\":"
      "\"SPY-2025-02-21-100-C\",\"price\":1,\"size\":-5,\"exchange\":\"CBOE\",\"conditions\":[]}";
  assert_int_equal(js_Publish(NULL, js, "t6.options.prints.SPY", bad1, (int)strlen(bad1), NULL, NULL),
                   NATS_OK);
  assert_int_equal(js_Publish(NULL, js, "t6.options.prints.SPY", bad2, (int)strlen(bad2), NULL, NULL),
                   NATS_OK);
  publish_print(bus, "good", "SPY", 3, 1);
  static struct seen s;
  struct rejects rj;
  memset(&s, 0, sizeof s);
  memset(&rj, 0, sizeof rj);
  s.ack = 1;
  struct sf_bus_sub_options so;
  struct sf_bus_sub *sub = NULL;
  sf_bus_sub_options_default(&so);
  so.durable = "r";
  so.subject = "options.>";
  so.ack_wait_ms = 500;
  so.on_reject = on_reject;
  so.reject_ctx = &rj;
  assert_int_equal(sf_bus_subscribe(bus, &so, seen_cb, &s, &sub), 0);
  assert_int_equal(drain(sub, &s, 1, 30000), 1);
  check_str(s.trace[0], "good");
  assert_int_equal(rj.n, 2);
  check_str(rj.subject, "t6.options.prints.SPY");
  assert_non_null(strstr(rj.why, "size"));
  struct sf_bus_sub_stats ss;
  sf_bus_sub_stats(sub, &ss);
  assert_int_equal(ss.rejected, 2);
  /* Terminated, not redelivered after ack_wait. */
  assert_int_equal(sf_bus_fetch(sub, 10, 1200), 0);
  assert_int_equal(rj.n, 2);
  sf_bus_sub_close(sub);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  sf_bus_close(bus);
}

static void test_replay_isolation(void **state) {
  (void)state;
  NEED_SERVER();
  struct sf_bus *live = open_nats(NULL, 0, 5000);
  struct sf_bus *replay = open_nats("replay.", 0, 5000);
  static struct seen sl, sr;
  memset(&sl, 0, sizeof sl);
  memset(&sr, 0, sizeof sr);
  sl.ack = sr.ack = 1;
  /* Same durable name and filter in both namespaces: different streams, different consumers. */
  struct sf_bus_sub *subl = sub_open(live, "store", "options.prints.>", 30000, &sl);
  struct sf_bus_sub *subr = sub_open(replay, "store", "options.prints.>", 30000, &sr);
  publish_print(live, "L1", "SPY", 1, 1);
  publish_print(replay, "R1", "SPY", 2, 1);
  publish_print(replay, "L1", "SPY", 1, 1); /* same trace id as live: not a duplicate there */
  publish_print(live, "L2", "SPY", 3, 2);
  assert_int_equal(drain_exact(subl, &sl, 2), 2);
  assert_int_equal(drain_exact(subr, &sr, 2), 2);
  check_str(sl.trace[0], "L1");
  check_str(sl.trace[1], "L2");
  check_str(sl.subject[0], "options.prints.SPY");
  check_str(sr.trace[0], "R1");
  check_str(sr.trace[1], "L1");
  check_str(sr.subject[0], "replay.options.prints.SPY");
  natsConnection *nc = NULL;
  jsCtx *js = raw_js(&nc);
  assert_int_equal(stream_msgs(js, "SF_MARKET"), 2);
  assert_int_equal(stream_msgs(js, "REPLAY_SF_MARKET"), 2);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  sf_bus_sub_close(subl);
  sf_bus_sub_close(subr);
  sf_bus_close(live);
  sf_bus_close(replay);
}

/* ---- kill -9 mid-stream ---- */

enum { KN = 400 };

struct pub_job {
  struct sf_bus *bus;
  atomic_int done;
  atomic_int killed; /* set once the server is down: the second half waits for it */
  int failures;
  char last_err[256];
};

static void *publisher(void *arg) {
  struct pub_job *pj = arg;
  char trace[32];
  for (int k = 0; k < KN; k++) {
    /* Half the stream goes after the kill, so the kill is mid-stream however fast this runs. */
    while (k == KN / 2 && !atomic_load(&pj->killed)) {
      struct timespec ts = {0, 1000000};
      nanosleep(&ts, NULL);
    }
    struct sf_record r;
    snprintf(trace, sizeof trace, "k-%04d", k);
    fx_option_print(&r, trace, k % 2 ? "SPY" : "TSLA", 1 + k, k);
    if (sf_bus_publish(pj->bus, &r) != 0) {
      pj->failures++;
      snprintf(pj->last_err, sizeof pj->last_err, "%s", sf_bus_errmsg(pj->bus));
    }
    sf_record_fini(&r);
    atomic_store(&pj->done, k + 1);
  }
  return NULL;
}

static void test_kill9_restart(void **state) {
  (void)state;
  NEED_SERVER();
  struct sf_bus *bus = open_nats("t7.", 0, 30000);
  static struct seen s;
  memset(&s, 0, sizeof s);
  s.ack = 1;
  struct sf_bus_sub *sub = sub_open(bus, "store", "options.prints.>", 2000, &s);
  struct pub_job pj;
  memset(&pj, 0, sizeof pj);
  pj.bus = bus;
  pthread_t th;
  pthread_create(&th, NULL, publisher, &pj);
  while (atomic_load(&pj.done) < KN / 4) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  /* The consumer stores and acks the first 50 before the crash. */
  assert_int_equal(drain(sub, &s, 50, 30000) >= 50, 1);
  natsConnection *nc = NULL;
  ns_kill(&server, SIGKILL);
  int at_kill = atomic_load(&pj.done);
  atomic_store(&pj.killed, 1);
  struct timespec pause = {0, 300000000};
  nanosleep(&pause, NULL);
  assert_int_equal(ns_start(&server), 0);
  pthread_join(th, NULL);
  if (pj.failures) fail_msg("%d publishes failed across the restart: %s", pj.failures, pj.last_err);
  assert_true(at_kill < KN); /* the kill really was mid-stream */
  struct sf_bus_stats st;
  sf_bus_stats(bus, &st);
  assert_true(st.reconnects >= 1);
  assert_true(st.disconnects >= 1);

  /* Everything acknowledged by the server is there, once (dedup covers retried publishes). */
  jsCtx *js = raw_js(&nc);
  assert_int_equal(stream_msgs(js, "T7_SF_MARKET"), KN);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);

  /* The consumer carries on through the same subscription: every record up to KN arrives
   * (at least once; a few acked just before the kill may come again). */
  int before = s.n, scanned = 0, missing = KN;
  unsigned char got[KN];
  memset(got, 0, sizeof got);
  /* Fetched until every one arrived (redeliveries come after ack_wait), up to 60 s. */
  int64_t deadline = sf_time_mono_ns() + 60000 * SF_NS_PER_MS;
  for (;;) {
    for (; scanned < s.n && scanned < SEEN_MAX; scanned++) {
      int k = atoi(s.trace[scanned] + 2);
      assert_true(k >= 0 && k < KN);
      if (!got[k]) missing--;
      got[k] = 1;
    }
    if (missing == 0 || s.n >= SEEN_MAX || sf_time_mono_ns() > deadline) break;
    int rc = sf_bus_fetch(sub, 64, 500);
    if (rc < 0) fail_msg("fetch after the restart: %s (%s)", sf_strerror(rc), sf_bus_errmsg(bus));
  }
  for (int k = 0; k < KN; k++)
    if (!got[k]) fail_msg("k-%04d never delivered (%d before the kill, %d in all)", k, before, s.n);
  sf_bus_sub_close(sub);

  /* A fresh durable after the restart reads the stream exactly once. */
  static struct seen fresh;
  memset(&fresh, 0, sizeof fresh);
  fresh.ack = 1;
  sub = sub_open(bus, "audit", "options.prints.>", 30000, &fresh);
  assert_int_equal(drain_exact(sub, &fresh, KN), KN);
  for (int k = 0; k < KN; k++) {
    char trace[32];
    snprintf(trace, sizeof trace, "k-%04d", k);
    check_str(fresh.trace[k], trace);
  }
  sf_bus_sub_close(sub);
  sf_bus_close(bus);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_streams_created),       cmocka_unit_test(test_exactly_once),
      cmocka_unit_test(test_redelivery_on_restart), cmocka_unit_test(test_dedup),
      cmocka_unit_test(test_async_window),          cmocka_unit_test(test_reject),
      cmocka_unit_test(test_replay_isolation),      cmocka_unit_test(test_kill9_restart),
  };
  int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
  nats_Close();
  return rc;
}

#else /* built without NATS: the backend answers SF_ENOTSUP, which is all there is to test */

#include "smartflow/bus.h"
#include "smartflow/err.h"

static void test_not_supported(void **state) {
  (void)state;
  struct sf_bus *bus = NULL;
  char err[256];
  assert_int_equal(sf_bus_open("nats://127.0.0.1:4222", NULL, &bus, err, sizeof err), SF_ENOTSUP);
  assert_null(bus);
  assert_non_null(strstr(err, "no NATS support"));
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_not_supported)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
