/* `smartflow bench ws`: WebSocket fan-out load. An in-process server over a temporary SQLite
 * store (seeded with a few events so subscribe snapshots are real); N clients connect to /ws/live
 * and subscribe to smart-money; once every client has
 * its snapshot, the main thread publishes smart-money events with sf_api_publish at a fixed rate
 * (paced on the monotonic clock, due events sent in a burst each wake-up) for S seconds.
 *
 * Each event's id is "bws-<seq>-<send_ns>" (seq from 0, send_ns the monotonic clock just before
 * sf_api_publish), so a client learns order and end-to-end latency from one substring search
 * rather than a JSON parse (50 clients x 5,000 events/s would otherwise cost more client CPU
 * than the server spends). A client must see seq 0, 1, 2, ... in order: a gap counts as missing,
 * a step back as out of order. A client the server dropped for being slow (close frame 1008)
 * is reported as dropped; every other client must have received every event in order, else the
 * exit status is 1.
 *
 * The clients are a minimal RFC 6455 client on plain sockets, all read by one epoll thread that
 * takes whatever frames have arrived in one read per socket. Client and server share the 2
 * cores, so a thread per client (civetweb's client: a poll and a recv per message) would spend
 * on wake-ups the CPU the server under test needs. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "app/args.h"
#include "app/bench.h"
#include "smartflow/api.h"
#include "smartflow/err.h"
#include "smartflow/time.h"

#define TEMPLATES 256

static void usage(FILE *out) {
  fprintf(out,
          "usage: smartflow bench ws [--clients N] [--rate R] [--seconds S] [--queue Q]\n\n"
          "Starts the API server in-process over a temporary store, connects N /ws/live clients\n"
          "subscribed to smart-money, publishes R smart-money events/s for S seconds and prints one\n"
          "JSON line: delivered events/s per client, end-to-end latency p50/p99/p99.9 (publish to\n"
          "client callback), dropped clients, missing and out-of-order events. Exit 1 when a client\n"
          "that was not dropped missed an event or saw one out of order.\n\n"
          "options:\n"
          "  --clients N   WebSocket clients (default 50)\n"
          "  --rate R      events per second (default 5000)\n"
          "  --seconds S   publishing duration (default 5)\n"
          "  --queue Q     server per-client queue, in messages (default 8192)\n"
          "  -h, --help    show this help\n");
}

struct client {
  pthread_mutex_t mu;
  int fd;
  unsigned char *buf; /* unread bytes */
  size_t len, cap;
  atomic_int ready, snapshot, closed, dropped;
  int64_t next_seq;
  atomic_llong received;
  int64_t missing, out_of_order, malformed;
  uint64_t bytes;
  int64_t t_last;
  int64_t *lat;
  size_t n_lat, cap_lat;
};

static const char *find(const char *p, size_t n, const char *needle) {
  size_t k = strlen(needle);
  for (size_t i = 0; i + k <= n; i++)
    if (p[i] == needle[0] && memcmp(p + i, needle, k) == 0) return p + i;
  return NULL;
}

/* One text or close frame from the server. */
static void on_frame(struct client *c, int op, const char *data, size_t len) {
  if (op == 8) {
    /* 1008 (policy violation) is the server's "slow consumer" close. */
    if (len >= 2 && (((unsigned char)data[0] << 8) | (unsigned char)data[1]) == 1008)
      atomic_store(&c->dropped, 1);
    atomic_store(&c->closed, 1);
    return;
  }
  if (op != 1) return;
  int64_t now = sf_time_mono_ns();
  const char *id = find(data, len, "\"event_id\":\"bws-");
  if (!id) {
    if (find(data, len, "\"op\":\"ready\"")) atomic_store(&c->ready, 1);
    if (find(data, len, "\"op\":\"snapshot\"")) atomic_store(&c->snapshot, 1);
    return;
  }
  id += 16;
  char *end = NULL;
  long long seq = strtoll(id, &end, 10);
  long long sent = end && *end == '-' ? strtoll(end + 1, &end, 10) : -1;
  pthread_mutex_lock(&c->mu);
  c->bytes += len;
  if (sent < 0 || !end || *end != '"') {
    c->malformed++;
  } else {
    if (seq > c->next_seq) c->missing += seq - c->next_seq;
    if (seq < c->next_seq)
      c->out_of_order++;
    else
      c->next_seq = seq + 1;
    if (c->n_lat < c->cap_lat) c->lat[c->n_lat++] = now - sent;
    c->t_last = now;
  }
  pthread_mutex_unlock(&c->mu);
  atomic_fetch_add(&c->received, 1);
}

/* Parses the complete frames in c->buf (server frames are unmasked); keeps a partial one.
 * Returns -1 on a frame no server should send (masked, or larger than 64 MB). */
static int parse_frames(struct client *c) {
  size_t at = 0;
  while (c->len - at >= 2) {
    const unsigned char *b = c->buf + at;
    int op = b[0] & 0x0f;
    if (b[1] & 0x80) return -1;
    uint64_t plen = b[1] & 0x7f;
    size_t hlen = 2;
    if (plen == 126) {
      if (c->len - at < 4) break;
      plen = ((uint64_t)b[2] << 8) | b[3];
      hlen = 4;
    } else if (plen == 127) {
      if (c->len - at < 10) break;
      plen = 0;
      for (int k = 0; k < 8; k++) plen = (plen << 8) | b[2 + k];
      hlen = 10;
    }
    if (plen > (64u << 20)) return -1;
    if (c->len - at < hlen + plen) break;
    on_frame(c, op, (const char *)b + hlen, (size_t)plen);
    at += hlen + (size_t)plen;
  }
  memmove(c->buf, c->buf + at, c->len - at);
  c->len -= at;
  return 0;
}

struct reader {
  struct client *cs;
  long n;
  int ep;
  atomic_int stop;
};

/* The one thread that reads every client socket. */
static void *reader_main(void *arg) {
  struct reader *rd = arg;
  struct epoll_event evs[64];
  while (!atomic_load(&rd->stop)) {
    int ne = epoll_wait(rd->ep, evs, 64, 20);
    for (int e = 0; e < ne; e++) {
      struct client *c = evs[e].data.ptr;
      for (;;) {
        if (c->cap - c->len < 65536) {
          size_t ncap = c->cap ? c->cap * 2 : 262144;
          unsigned char *nb = realloc(c->buf, ncap);
          if (!nb) break;
          c->buf = nb, c->cap = ncap;
        }
        ssize_t k = read(c->fd, c->buf + c->len, c->cap - c->len);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (k <= 0 || (c->len += (size_t)k, parse_frames(c) != 0)) {
          atomic_store(&c->closed, 1);
          epoll_ctl(rd->ep, EPOLL_CTL_DEL, c->fd, NULL);
          break;
        }
      }
    }
  }
  return NULL;
}

/* Sends one masked client text frame (short messages only: under 126 bytes). */
static int send_text(int fd, const char *s, size_t len) {
  unsigned char f[2 + 4 + 125];
  if (len > 125) return -1;
  static const unsigned char mask[4] = {0x37, 0xfa, 0x21, 0x3d};
  f[0] = 0x81;
  f[1] = (unsigned char)(0x80 | len);
  memcpy(f + 2, mask, 4);
  for (size_t i = 0; i < len; i++) f[6 + i] = (unsigned char)s[i] ^ mask[i % 4];
  return write(fd, f, 6 + len) == (ssize_t)(6 + len) ? 0 : -1;
}

/* Connects and upgrades to a WebSocket on /ws/live; returns the socket (non-blocking) or -1. */
static int ws_open(int port, struct client *c) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  static const char req[] =
      "GET /ws/live HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
      write(fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1))
    goto fail;
  /* Read the 101 head byte by byte, so no frame bytes are consumed with it. */
  char head[1024];
  size_t n = 0;
  while (n < sizeof head - 1) {
    if (read(fd, head + n, 1) != 1) goto fail;
    n++;
    if (n >= 4 && memcmp(head + n - 4, "\r\n\r\n", 4) == 0) break;
  }
  head[n] = '\0';
  if (strncmp(head, "HTTP/1.1 101", 12) != 0) {
    fprintf(stderr, "smartflow bench ws: upgrade refused: %.80s\n", head);
    goto fail;
  }
  if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) goto fail;
  c->fd = fd;
  return fd;
fail:
  close(fd);
  return -1;
}

static void sleep_ns(int64_t ns) {
  struct timespec ts = {(time_t)(ns / SF_NS_PER_S), (long)(ns % SF_NS_PER_S)};
  nanosleep(&ts, NULL);
}

/* Waits until pred holds for every open client or the deadline passes; returns 1 if it held. */
static int wait_all(struct client *cs, long n, int (*pred)(struct client *, int64_t), int64_t arg,
                    int64_t ns) {
  int64_t until = sf_time_mono_ns() + ns;
  for (;;) {
    int all = 1;
    for (long k = 0; k < n; k++)
      if (!atomic_load(&cs[k].closed) && !pred(&cs[k], arg)) all = 0;
    if (all) return 1;
    if (sf_time_mono_ns() > until) return 0;
    sleep_ns(2 * SF_NS_PER_MS);
  }
}
static int has_ready(struct client *c, int64_t arg) { return (void)arg, atomic_load(&c->ready); }
static int has_snapshot(struct client *c, int64_t arg) { return (void)arg, atomic_load(&c->snapshot); }
static int has_all(struct client *c, int64_t n) {
  return atomic_load(&c->received) >= n || atomic_load(&c->dropped);
}

int sf_bench_ws(int argc, char **argv) {
  long n_clients = 50, rate = 5000, seconds = 5, queue = 8192;
  static const struct option opts[] = {{"clients", required_argument, 0, 'c'},
                                       {"rate", required_argument, 0, 'r'},
                                       {"seconds", required_argument, 0, 's'},
                                       {"queue", required_argument, 0, 'q'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  struct sf_args a = {.cmd = "bench ws", .argc = argc, .argv = argv, .opts = opts, .usage = usage};
  int ch;
  while ((ch = sf_args_next(&a)) != -1) {
    int bad = 0;
    switch (ch) {
      case 'c': bad = sf_args_long(&a, 1, 1000, &n_clients); break;
      case 'r': bad = sf_args_long(&a, 1, 10000000, &rate); break;
      case 's': bad = sf_args_long(&a, 1, 3600, &seconds); break;
      case 'q': bad = sf_args_long(&a, 16, 10000000, &queue); break;
      default: /* --help or a usage error, printed */
        return a.status;
    }
    if (bad) return SF_ARGS_USAGE;
  }
  if (sf_args_no_operands(&a)) return SF_ARGS_USAGE;

  int status = 1;
  char dir[64] = "", url[600];
  struct sf_api *api = NULL;
  struct client *cs = calloc((size_t)n_clients, sizeof *cs);
  struct sf_record *tpl = calloc(TEMPLATES, sizeof *tpl);
  int64_t *all = NULL;
  long opened = 0;
  struct reader rd = {.cs = cs, .n = n_clients, .ep = -1};
  pthread_t reader_thread;
  bool reader_started = false;
  if (!cs || !tpl) goto done;
  for (long k = 0; k < n_clients; k++) cs[k].fd = -1;
  for (int k = 0; k < TEMPLATES; k++) sf_bench_make_event(&tpl[k], k);
  if (sf_bench_tmpdir(dir, sizeof dir, url, sizeof url) != 0) {
    fprintf(stderr, "smartflow bench ws: cannot make a temporary folder under /tmp\n");
    goto done;
  }
  if (sf_bench_seed_store(url, 1000, 0) != 0) goto done;
  /* civetweb holds a worker thread per WebSocket connection. */
  if (sf_bench_server_start(url, (int)n_clients + 8, (size_t)queue, &api) != 0) {
    fprintf(stderr, "smartflow bench ws: cannot start the server\n");
    goto done;
  }
  int port = sf_api_port(api);
  size_t expect = (size_t)(rate * seconds);
  rd.ep = epoll_create1(EPOLL_CLOEXEC);
  if (rd.ep < 0) goto done;
  for (long k = 0; k < n_clients; k++) {
    struct client *c = &cs[k];
    pthread_mutex_init(&c->mu, NULL);
    opened = k + 1;
    c->cap_lat = expect + 16;
    c->lat = malloc(c->cap_lat * sizeof *c->lat);
    if (!c->lat) goto done;
    if (ws_open(port, c) < 0) {
      fprintf(stderr, "smartflow bench ws: client %ld cannot connect to 127.0.0.1:%d: %s\n", k, port,
              strerror(errno));
      goto done;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(rd.ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) goto done;
  }
  if (pthread_create(&reader_thread, NULL, reader_main, &rd) != 0) goto done;
  reader_started = true;
  if (!wait_all(cs, n_clients, has_ready, 0, 10 * SF_NS_PER_S)) {
    fprintf(stderr, "smartflow bench ws: not every client got {op:ready} within 10 s\n");
    goto done;
  }
  static const char sub[] = "{\"op\":\"subscribe\",\"subscriptions\":[{\"channel\":\"smart-money\"}]}";
  for (long k = 0; k < n_clients; k++)
    if (send_text(cs[k].fd, sub, sizeof sub - 1) != 0) {
      fprintf(stderr, "smartflow bench ws: client %ld cannot send its subscription\n", k);
      goto done;
    }
  if (!wait_all(cs, n_clients, has_snapshot, 0, 20 * SF_NS_PER_S)) {
    fprintf(stderr, "smartflow bench ws: not every client got its snapshot within 20 s\n");
    goto done;
  }

  /* Publish at the target rate. */
  int64_t t0 = sf_time_mono_ns(), period = SF_NS_PER_S / rate, max_lag = 0;
  size_t sent = 0;
  while (sent < expect) {
    int64_t now = sf_time_mono_ns();
    while (sent < expect && t0 + (int64_t)sent * period <= now) {
      struct sf_record *r = &tpl[sent % TEMPLATES];
      struct sf_smart_money_event *e = &r->u.smart_money;
      int64_t lag = now - (t0 + (int64_t)sent * period);
      if (lag > max_lag) max_lag = lag;
      e->meta.seq = (int64_t)sent;
      e->meta.source_ts = e->meta.ingest_ts = SF_BENCH_T0_MS + 86400000 + (int64_t)sent / 4;
      int64_t ts = sf_time_mono_ns();
      snprintf(e->event_id, sizeof e->event_id, "bws-%zu-%lld", sent, (long long)ts);
      sf_api_publish(api, r);
      sent++;
      now = sf_time_mono_ns();
    }
    int64_t next = t0 + (int64_t)sent * period - sf_time_mono_ns();
    if (next > 0) sleep_ns(next < SF_NS_PER_MS ? next : SF_NS_PER_MS);
  }
  double pub_secs = (double)(sf_time_mono_ns() - t0) / 1e9;
  int drained = wait_all(cs, n_clients, has_all, (int64_t)expect, 15 * SF_NS_PER_S);
  atomic_store(&rd.stop, 1);
  pthread_join(reader_thread, NULL);
  reader_started = false;

  /* Results. */
  size_t n_all = 0;
  for (long k = 0; k < n_clients; k++) n_all += cs[k].n_lat;
  all = malloc((n_all + 1) * sizeof *all);
  if (!all) goto done;
  n_all = 0;
  long dropped = 0, kept = 0, closed = 0;
  int64_t missing = 0, ooo = 0, malformed = 0, short_by = 0;
  double rmin = 1e18, rmax = 0, rsum = 0;
  uint64_t bytes = 0, received = 0;
  for (long k = 0; k < n_clients; k++) {
    struct client *c = &cs[k];
    pthread_mutex_lock(&c->mu);
    int64_t got = atomic_load(&c->received);
    received += (uint64_t)got;
    bytes += c->bytes;
    malformed += c->malformed;
    if (atomic_load(&c->dropped)) {
      dropped++;
    } else {
      if (atomic_load(&c->closed)) closed++;
      kept++;
      missing += c->missing + ((int64_t)expect - c->next_seq);
      ooo += c->out_of_order;
      if (got < (int64_t)expect) short_by += (int64_t)expect - got;
      double secs = c->t_last > t0 ? (double)(c->t_last - t0) / 1e9 : 1e-9;
      double r = (double)got / secs;
      rmin = r < rmin ? r : rmin;
      rmax = r > rmax ? r : rmax;
      rsum += r;
      memcpy(all + n_all, c->lat, c->n_lat * sizeof *all);
      n_all += c->n_lat;
    }
    pthread_mutex_unlock(&c->mu);
  }
  if (!kept) rmin = 0;
  int64_t p50 = sf_bench_pct(all, n_all, 0.5);
  printf(
      "{\"bench\":\"ws\",\"clients\":%ld,\"rate_target\":%ld,\"seconds\":%.3f,\"published\":%zu,\"publish_"
      "per_s\":%.0f,"
      "\"publisher_max_lag_us\":%.0f,\"kept_up_clients\":%ld,\"delivered_per_client_per_s\":{\"min\":%.0f,"
      "\"mean\":%.0f,"
      "\"max\":%.0f},\"delivered_total_per_s\":%.0f,\"bytes_per_s\":%.0f,\"avg_message_bytes\":%.0f,"
      "\"latency_us\":{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f},\"dropped_clients\":%ld,"
      "\"closed_clients\":%ld,\"missing\":%lld,\"out_of_order\":%lld,\"malformed\":%lld,\"drained\":%s}\n",
      n_clients, rate, pub_secs, sent, (double)sent / pub_secs, (double)max_lag / 1e3, kept, rmin,
      kept ? rsum / (double)kept : 0.0, rmax, (double)received / pub_secs, (double)bytes / pub_secs,
      received ? (double)bytes / (double)received : 0.0, (double)p50 / 1e3,
      (double)sf_bench_pct_sorted(all, n_all, 0.99) / 1e3,
      (double)sf_bench_pct_sorted(all, n_all, 0.999) / 1e3, n_all ? (double)all[n_all - 1] / 1e3 : 0.0,
      dropped, closed, (long long)missing, (long long)ooo, (long long)malformed, drained ? "true" : "false");
  fflush(stdout);
  status = (missing || ooo || malformed || closed || short_by) ? 1 : 0;
  if (status)
    fprintf(stderr,
            "smartflow bench ws: clients that were not dropped lost events (missing %lld, out of order %lld, "
            "malformed %lld, closed %ld)\n",
            (long long)missing, (long long)ooo, (long long)malformed, closed);
done:
  if (reader_started) {
    atomic_store(&rd.stop, 1);
    pthread_join(reader_thread, NULL);
  }
  for (long k = 0; k < opened; k++) {
    if (cs[k].fd >= 0) close(cs[k].fd);
    free(cs[k].buf);
    free(cs[k].lat);
    pthread_mutex_destroy(&cs[k].mu);
  }
  if (rd.ep >= 0) close(rd.ep);
  if (api) sf_api_stop(api);
  free(cs);
  if (tpl)
    for (int k = 0; k < TEMPLATES; k++) sf_record_fini(&tpl[k]);
  free(tpl);
  free(all);
  if (dir[0]) sf_bench_rmdir(dir);
  return status;
}
