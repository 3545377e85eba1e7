/* Bus throughput: smart-money records published and consumed through NATS JetStream (a
 * nats-server this program starts on a loopback ephemeral port with a temporary store, and
 * stops), and through the in-process backend for comparison. Publishes N records (async
 * window, then sync PubAck-per-message), then consumes them with a durable pull consumer that
 * acks each one; checks that exactly N distinct trace ids arrived, in order. Prints one JSON
 * line per phase: {"bench":"bus","backend":…,"phase":…,"n":…,"seconds":…,"msgs_per_s":…}.
 * Usage: bench_bus [N] (default 20000). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tests/bus/bus_fixtures.h"
#include "smartflow/bus.h"
#include "smartflow/err.h"
#include "smartflow/version.h"

#if SF_HAVE_NATS
#include <nats/nats.h>

#include "../tests/bus/nats_server.h"
#endif

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char *backend, const char *phase, long n, double secs) {
  printf(
      "{\"bench\":\"bus\",\"backend\":\"%s\",\"phase\":\"%s\",\"record\":\"smart-money\",\"n\":%ld,"
      "\"seconds\":%.4f,\"msgs_per_s\":%.0f}\n",
      backend, phase, n, secs, secs > 0 ? (double)n / secs : 0.0);
  fflush(stdout);
}

struct check {
  long n, next, out_of_order;
};

static int check_cb(void *ctx, const struct sf_record *rec, struct sf_bus_msg *msg) {
  struct check *c = ctx;
  long k = atol(rec->u.smart_money.meta.trace_id + 3);
  if (k != c->next) c->out_of_order++;
  c->next = k + 1;
  c->n++;
  return sf_bus_ack(msg);
}

/* Publishes n records with trace ids "<tag>NNNNNNN"; returns 0 or an error. */
static int publish_n(struct sf_bus *bus, const char *tag, long first, long n) {
  struct sf_record r;
  char trace[32];
  fx_smart_money(&r, "x", "SPY", 0);
  for (long k = first; k < first + n; k++) {
    snprintf(trace, sizeof trace, "%s%07ld", tag, k);
    snprintf(r.u.smart_money.meta.trace_id, SF_ID_MAX, "%s", trace);
    r.u.smart_money.meta.seq = k;
    int rc = sf_bus_publish(bus, &r);
    if (rc != 0) {
      fprintf(stderr, "publish %s: %s (%s)\n", trace, sf_strerror(rc), sf_bus_errmsg(bus));
      sf_record_fini(&r);
      return rc;
    }
  }
  sf_record_fini(&r);
  return sf_bus_flush(bus, 30000);
}

/* Consumes everything published on flow.smart_money with a fresh durable; checks the count. */
static int consume(struct sf_bus *bus, const char *backend, const char *durable, long want) {
  struct sf_bus_sub_options so;
  struct sf_bus_sub *sub = NULL;
  struct check c = {0, 0, 0};
  double t0;
  int rc;
  sf_bus_sub_options_default(&so);
  so.durable = durable;
  so.subject = "flow.smart_money";
  so.max_ack_pending = 8192;
  if ((rc = sf_bus_subscribe(bus, &so, check_cb, &c, &sub)) != 0) {
    fprintf(stderr, "subscribe: %s (%s)\n", sf_strerror(rc), sf_bus_errmsg(bus));
    return rc;
  }
  t0 = now_s();
  while (c.n < want) {
    rc = sf_bus_fetch(sub, 512, 2000);
    if (rc <= 0) break;
  }
  report(backend, "consume+ack", c.n, now_s() - t0);
  sf_bus_sub_close(sub);
  if (c.n != want || c.out_of_order) {
    fprintf(stderr, "%s: consumed %ld of %ld, %ld out of order\n", backend, c.n, want, c.out_of_order);
    return SF_ESTATE;
  }
  return 0;
}

static int run_inproc(long n) {
  struct sf_bus_options o;
  struct sf_bus *bus;
  char err[256];
  double t0;
  int rc;
  sf_bus_options_default(&o);
  o.queue_cap = (size_t)n + 16; /* every record retained for the durable that comes after */
  if ((rc = sf_bus_open("inproc:", &o, &bus, err, sizeof err)) != 0) {
    fprintf(stderr, "inproc: %s\n", err);
    return rc;
  }
  t0 = now_s();
  if ((rc = publish_n(bus, "sm-", 0, n)) == 0) {
    report("inproc", "publish", n, now_s() - t0);
    rc = consume(bus, "inproc", "bench", n);
  }
  sf_bus_close(bus);
  return rc;
}

#if SF_HAVE_NATS
static int run_nats(long n) {
  struct ns_server srv;
  struct sf_bus_options o;
  struct sf_bus *bus = NULL;
  char err[256];
  double t0;
  int rc;
  long nsync = n / 10 > 0 ? n / 10 : 1;
  memset(&srv, 0, sizeof srv);
  if (!ns_binary()) {
    fprintf(stderr, "bench_bus: %s not installed; skipping the NATS phases\n", NS_BIN);
    return 0;
  }
  if (ns_start(&srv) != 0) return SF_EIO;
  sf_bus_options_default(&o);
  o.async_window = 4096;
  o.publish_timeout_ms = 30000;
  if ((rc = sf_bus_open(srv.url, &o, &bus, err, sizeof err)) != 0) {
    fprintf(stderr, "nats: %s\n", err);
    goto out;
  }
  t0 = now_s();
  if ((rc = publish_n(bus, "sm-", 0, n)) != 0) goto out;
  report("nats", "publish_async", n, now_s() - t0);
  if ((rc = consume(bus, "nats", "bench", n)) != 0) goto out;
  sf_bus_close(bus);
  bus = NULL;

  /* Sync: one PubAck round trip per record (the default, at-least-once without a window). */
  o.async_window = 0;
  o.subject_prefix = "sync.";
  if ((rc = sf_bus_open(srv.url, &o, &bus, err, sizeof err)) != 0) {
    fprintf(stderr, "nats: %s\n", err);
    goto out;
  }
  t0 = now_s();
  if ((rc = publish_n(bus, "sm-", 0, nsync)) != 0) goto out;
  report("nats", "publish_sync", nsync, now_s() - t0);
  rc = consume(bus, "nats", "bench_sync", nsync);
out:
  sf_bus_close(bus);
  ns_stop(&srv);
  nats_Close();
  return rc;
}
#endif

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 20000;
  int rc;
  if (n <= 0 || n > 10000000) {
    fprintf(stderr, "usage: bench_bus [N] (1..10000000)\n");
    return 2;
  }
  if ((rc = run_inproc(n)) != 0) {
    fprintf(stderr, "bench_bus inproc: %s\n", sf_strerror(rc));
    return 1;
  }
#if SF_HAVE_NATS
  if ((rc = run_nats(n)) != 0) {
    fprintf(stderr, "bench_bus nats: %s\n", sf_strerror(rc));
    return 1;
  }
#else
  fprintf(stderr, "bench_bus: built without NATS (SF_WITH_NATS=OFF); inproc only\n");
#endif
  return 0;
}
