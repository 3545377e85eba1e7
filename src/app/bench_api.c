/* `smartflow bench api`: HTTP load against the API server with self-checking responses.
 *
 * Target: an in-process server over a seeded SQLite store (default: a temporary one; --db URL to
 * use or seed a given store) on 127.0.0.1:0, or a running server given by --url (loopback only:
 * this is a benchmark, not a load generator for other hosts).
 *
 * Client: C keep-alive connections driven by one epoll loop with a minimal HTTP/1.1 client
 * (GET, Content-Length bodies). It is used instead of libcurl's multi interface because client
 * and server share the machine's cores: every microsecond the client spends per request is
 * taken from the server under test, and a fixed request buffer plus an in-place response parse
 * cost a fraction of a curl transfer's setup, header callbacks and URL handling. Each connection
 * has one request in flight (no pipelining), so latency is request-written to last-byte-read.
 *
 * Routes (--route, repeatable; connections are dealt round-robin): a route that is not a page
 * (/health, /metrics) only has to answer 200; a /history/ route walks its
 * pages with next_before (a /replay/ route with next) from the top back to the top. Every
 * response must be 200 with a well-formed page whose record count is exactly min(limit, rows not
 * yet visited) for unfiltered routes over a store we know the size of, else at most limit and
 * equal to it unless the walk ended; a finished walk must have visited every row. A sample of
 * responses is also parsed with jansson and must agree with the scanner. Anything else is an
 * error, counted per route; the exit status is 1 when any occurred.
 *
 * Output: one JSON line per route (requests/s, latency p50/p99/p99.9/max in microseconds,
 * bytes/s, records/s, errors) and one for all routes together. The first --warmup seconds are
 * run but not measured. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app/args.h"
#include "app/bench.h"
#include "smartflow/api.h"
#include "smartflow/err.h"
#include "smartflow/log.h"
#include "smartflow/store.h"
#include "smartflow/time.h"

#define MAX_ROUTES 16
#define SAMPLE_EVERY 64

static void usage(FILE *out) {
  fprintf(out,
          "usage: smartflow bench api [--url URL | --db URL] [--seconds S] [--connections C]\n"
          "                           [--route PATH]... [--events N] [--prints N] [--warmup S]\n"
          "                           [--max-requests N] [--token T]\n\n"
          "HTTP load on the API server over C keep-alive connections (one request in flight each),\n"
          "checking every response, and one JSON line per route: requests/s, latency p50/p99/p99.9,\n"
          "bytes/s, errors. Exit 1 when any response was wrong.\n\n"
          "options:\n"
          "  --url URL          a running server (loopback only), e.g. http://127.0.0.1:8080\n"
          "  --db URL           store for an in-process server on 127.0.0.1:0; an empty store is\n"
          "                     seeded first (default: a temporary SQLite store, removed after)\n"
          "  --events N         smart-money events to seed (default 100000)\n"
          "  --prints N         option prints to seed (default 100000)\n"
          "  --seconds S        measured duration (default 5)\n"
          "  --warmup S         unmeasured lead-in (default 1)\n"
          "  --connections C    keep-alive connections (default 8)\n"
          "  --route PATH       a route to load, repeatable (default /flow/smart-money?limit=200 and\n"
          "                     /history/smart-money?limit=200); /history/ and /replay/ routes walk\n"
          "                     their cursors\n"
          "  --max-requests N   stop after N requests in all (default 5000000)\n"
          "  --token T          bearer token for a server that needs one\n"
          "  -h, --help         show this help\n");
}

enum walk { WALK_NONE, WALK_BEFORE, WALK_AFTER };

struct route {
  char path[512];
  enum walk walk;
  bool page; /* answers {"data":[...]} (else only 200 is checked) */
  size_t limit;
  int64_t total; /* rows of the route's table when known and the route is unfiltered; -1 */
  /* measured */
  int64_t *lat;
  size_t n_lat, cap_lat;
  uint64_t requests, errors, bytes, records, walks;
  int connections;
  char first_error[256];
};

struct conn {
  int fd;
  struct route *r;
  char req[1024];
  size_t req_len, req_off;
  char *buf;
  size_t len, cap;
  struct sf_bench_http_head head;
  bool have_head;
  bool busy;
  int64_t t_sent;
  bool has_cursor;
  int64_t cur_ts, cur_seq;
  int64_t walked;
};

struct run {
  struct route routes[MAX_ROUTES];
  size_t n_routes;
  struct sockaddr_storage addr;
  socklen_t addr_len;
  char host_hdr[160];
  char auth_hdr[300];
  int ep;
  bool measuring;
  uint64_t sampled;
};

static void route_error(struct route *r, bool measuring, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void route_error(struct route *r, bool measuring, const char *fmt, ...) {
  if (measuring) r->errors++;
  if (!r->first_error[0]) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->first_error, sizeof r->first_error, fmt, ap);
    va_end(ap);
    fprintf(stderr, "smartflow bench api: %s: %s\n", r->path, r->first_error);
  }
}

/* Query-string facts of a route: its limit, and whether it has parameters beyond limit. */
static int route_init(struct route *r, const char *path) {
  if (path[0] != '/' || strlen(path) >= sizeof r->path - 64) return SF_EINVAL;
  snprintf(r->path, sizeof r->path, "%s", path);
  r->walk = strncmp(path, "/history/", 9) == 0  ? WALK_BEFORE
            : strncmp(path, "/replay/", 8) == 0 ? WALK_AFTER
                                                : WALK_NONE;
  r->limit = SF_STORE_LIMIT_DEFAULT;
  r->total = -1;
  static const char *const pages[] = {"/prints/",  "/nbbo/",   "/quotes/",        "/flow/",
                                      "/history/", "/replay/", "/option-prints/", "/stats/"};
  for (size_t i = 0; i < sizeof pages / sizeof *pages; i++)
    if (strncmp(path, pages[i], strlen(pages[i])) == 0) r->page = true;
  if (strncmp(path, "/flow/smart-money/", 18) == 0 || strncmp(path, "/flow/packets/", 14) == 0)
    r->page = false; /* one record: {"data": object} */
  return 0;
}

static bool route_unfiltered(struct route *r) {
  const char *q = strchr(r->path, '?');
  bool only_limit = true;
  while (q && *q) {
    q++;
    if (strncmp(q, "limit=", 6) == 0) {
      long v = strtol(q + 6, NULL, 10);
      if (v >= 1) r->limit = v > SF_STORE_LIMIT_MAX ? SF_STORE_LIMIT_MAX : (size_t)v;
    } else if (*q) {
      only_limit = false;
    }
    q = strchr(q, '&');
  }
  return only_limit;
}

static enum sf_record_type route_type(const char *path) {
  if (strstr(path, "smart-money")) return SF_REC_SMART_MONEY;
  if (strncmp(path, "/prints/options", 15) == 0 || strncmp(path, "/history/options", 16) == 0 ||
      strncmp(path, "/replay/options", 15) == 0)
    return SF_REC_OPTION_PRINT;
  return SF_REC__COUNT;
}

static void build_request(struct run *run, struct conn *c) {
  char path[700];
  const struct route *r = c->r;
  if (r->walk != WALK_NONE && c->has_cursor)
    snprintf(path, sizeof path, "%s%c%s=%lld&%s=%lld", r->path, strchr(r->path, '?') ? '&' : '?',
             r->walk == WALK_BEFORE ? "before_ts" : "after_ts", (long long)c->cur_ts,
             r->walk == WALK_BEFORE ? "before_seq" : "after_seq", (long long)c->cur_seq);
  else
    snprintf(path, sizeof path, "%s", r->path);
  int k = snprintf(c->req, sizeof c->req, "GET %s HTTP/1.1\r\nHost: %s\r\n%sConnection: keep-alive\r\n\r\n",
                   path, run->host_hdr, run->auth_hdr);
  c->req_len = k < 0 ? 0 : (size_t)k < sizeof c->req ? (size_t)k : sizeof c->req - 1;
  c->req_off = 0;
}

static void conn_close(struct run *run, struct conn *c) {
  if (c->fd >= 0) {
    epoll_ctl(run->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
  }
  c->fd = -1;
  c->busy = false;
}

static int conn_open(struct run *run, struct conn *c) {
  c->fd = socket(run->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c->fd < 0) return SF_EIO;
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
  if (connect(c->fd, (const struct sockaddr *)&run->addr, run->addr_len) != 0 ||
      fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK) != 0 ||
      epoll_ctl(run->ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
    close(c->fd);
    c->fd = -1;
    return SF_EIO;
  }
  c->len = 0;
  c->have_head = false;
  c->busy = false;
  return 0;
}

/* Writes what is left of the request; waits for EPOLLOUT when the socket is full. */
static int conn_flush(struct run *run, struct conn *c) {
  while (c->req_off < c->req_len) {
    ssize_t k = write(c->fd, c->req + c->req_off, c->req_len - c->req_off);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
      return epoll_ctl(run->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0 ? 0 : SF_EIO;
    }
    if (k <= 0) return SF_EIO;
    c->req_off += (size_t)k;
  }
  return 0;
}

static int conn_send(struct run *run, struct conn *c) {
  build_request(run, c);
  c->len = 0;
  c->have_head = false;
  c->busy = true;
  c->t_sent = sf_time_mono_ns();
  return conn_flush(run, c);
}

/* A connection failed: count it, reconnect, restart its walk. */
static int conn_reset(struct run *run, struct conn *c, const char *why) {
  route_error(c->r, run->measuring, "connection: %s", why);
  conn_close(run, c);
  c->has_cursor = false;
  c->walked = 0;
  return conn_open(run, c);
}

/* Compares the scanner with a full parse (a sample of responses). */
static int cross_check(const char *body, size_t n, const char *cursor_key, const struct sf_bench_page *pg) {
  json_t *j = json_loadb(body, n, 0, NULL);
  if (!j) return -1;
  json_t *data = json_object_get(j, "data");
  json_t *nx = cursor_key ? json_object_get(j, cursor_key) : NULL;
  int ok = json_is_array(data) && json_array_size(data) == pg->count;
  if (ok && cursor_key) {
    if (pg->has_next)
      ok = json_is_object(nx) && json_integer_value(json_object_get(nx, "ts")) == pg->next_ts &&
           json_integer_value(json_object_get(nx, "seq")) == pg->next_seq;
    else
      ok = json_is_null(nx);
  }
  json_decref(j);
  return ok ? 0 : -1;
}

static bool key_less(int64_t ts1, int64_t seq1, int64_t ts2, int64_t seq2) {
  return ts1 < ts2 || (ts1 == ts2 && seq1 < seq2);
}

/* Checks a complete response and moves the connection's walk. */
static void finish_response(struct run *run, struct conn *c) {
  struct route *r = c->r;
  int64_t lat = sf_time_mono_ns() - c->t_sent;
  const char *body = c->buf + c->head.head_len;
  size_t blen = (size_t)c->head.content_length;
  if (run->measuring) {
    r->requests++;
    r->bytes += c->len;
    if (r->n_lat == r->cap_lat) {
      size_t ncap = r->cap_lat ? r->cap_lat * 2 : 65536;
      int64_t *nl = realloc(r->lat, ncap * sizeof *nl);
      if (nl) r->lat = nl, r->cap_lat = ncap;
    }
    if (r->n_lat < r->cap_lat) r->lat[r->n_lat++] = lat;
  }
  c->busy = false;
  if (c->head.status != 200) {
    route_error(r, run->measuring, "status %d: %.120s", c->head.status, body);
    c->has_cursor = false;
    c->walked = 0;
    return;
  }
  if (!r->page) return;
  const char *ck = r->walk == WALK_BEFORE ? "next_before" : r->walk == WALK_AFTER ? "next" : NULL;
  struct sf_bench_page pg;
  if (sf_bench_page_scan(body, blen, ck, &pg) != 0 || !pg.has_data) {
    route_error(r, run->measuring, "malformed page (%zu bytes): %.120s", blen, body);
    c->has_cursor = false;
    c->walked = 0;
    return;
  }
  if (run->sampled++ % SAMPLE_EVERY == 0 && cross_check(body, blen, ck, &pg) != 0)
    route_error(r, run->measuring, "page scanner and jansson disagree on a %zu-byte page", blen);
  if (run->measuring) r->records += pg.count;
  bool ok;
  if (r->total >= 0) {
    int64_t left = r->walk == WALK_NONE ? r->total : r->total - c->walked;
    size_t want = left < (int64_t)r->limit ? (size_t)(left < 0 ? 0 : left) : r->limit;
    ok = pg.count == want && (r->walk == WALK_NONE || pg.has_next == ((int64_t)pg.count < left));
    if (!ok)
      route_error(r, run->measuring, "%zu records (next %s) where %zu were expected (walked %lld of %lld)",
                  pg.count, pg.has_next ? "set" : "null", want, (long long)c->walked, (long long)r->total);
  } else {
    ok = pg.count <= r->limit && (!pg.has_next || pg.count == r->limit);
    if (!ok)
      route_error(r, run->measuring, "%zu records (next %s) with limit %zu", pg.count,
                  pg.has_next ? "set" : "null", r->limit);
  }
  if (r->walk == WALK_NONE) return;
  if (ok && pg.has_next && c->has_cursor) {
    bool moved = r->walk == WALK_BEFORE ? key_less(pg.next_ts, pg.next_seq, c->cur_ts, c->cur_seq)
                                        : key_less(c->cur_ts, c->cur_seq, pg.next_ts, pg.next_seq);
    if (!moved) {
      route_error(r, run->measuring, "cursor did not move: (%lld,%lld) after (%lld,%lld)",
                  (long long)pg.next_ts, (long long)pg.next_seq, (long long)c->cur_ts, (long long)c->cur_seq);
      ok = false;
    }
  }
  if (ok && pg.has_next) {
    c->has_cursor = true;
    c->cur_ts = pg.next_ts;
    c->cur_seq = pg.next_seq;
    c->walked += (int64_t)pg.count;
    return;
  }
  if (ok && run->measuring) r->walks++;
  c->has_cursor = false;
  c->walked = 0;
}

/* Reads what is there; returns 1 when a response completed, 0 for more, <0 on a broken link. */
static int conn_read(struct run *run, struct conn *c, const char **why) {
  for (;;) {
    if (c->cap - c->len < 65536) {
      size_t ncap = c->cap ? c->cap * 2 : 262144;
      char *nb = realloc(c->buf, ncap);
      if (!nb) {
        *why = "out of memory";
        return SF_ENOMEM;
      }
      c->buf = nb;
      c->cap = ncap;
    }
    ssize_t k = read(c->fd, c->buf + c->len, c->cap - c->len - 1);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (k <= 0) {
      *why = k == 0 ? "closed by the server" : "read failed";
      return SF_EIO;
    }
    c->len += (size_t)k;
  }
  if (!c->busy) {
    *why = "bytes arrived with no request in flight";
    return SF_EPARSE;
  }
  if (!c->have_head) {
    int rc = sf_bench_http_head_parse(c->buf, c->len, &c->head);
    if (rc == 0) return 0;
    if (rc < 0 || c->head.chunked || c->head.content_length < 0) {
      *why = rc < 0 ? "malformed response head" : "response without Content-Length";
      return SF_EPARSE;
    }
    c->have_head = true;
  }
  size_t full = c->head.head_len + (size_t)c->head.content_length;
  if (c->len < full) return 0;
  if (c->len > full) {
    *why = "bytes beyond the response";
    return SF_EPARSE;
  }
  c->buf[c->len] = '\0';
  (void)run;
  return 1;
}

static int resolve_url(struct run *run, const char *url) {
  if (strncmp(url, "http://", 7) != 0) {
    fprintf(stderr, "smartflow bench api: --url: expected http://HOST:PORT, got '%s'\n", url);
    return SF_EINVAL;
  }
  char host[128], port[16] = "80";
  const char *h = url + 7, *e;
  if (*h == '[') {
    e = strchr(h, ']');
    if (!e || (size_t)(e - h - 1) >= sizeof host) return SF_EINVAL;
    snprintf(host, sizeof host, "%.*s", (int)(e - h - 1), h + 1);
    e++;
  } else {
    e = h + strcspn(h, ":/");
    if ((size_t)(e - h) >= sizeof host || e == h) return SF_EINVAL;
    snprintf(host, sizeof host, "%.*s", (int)(e - h), h);
  }
  if (*e == ':') snprintf(port, sizeof port, "%.*s", (int)strcspn(e + 1, "/"), e + 1);
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
  if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai) {
    fprintf(stderr, "smartflow bench api: --url: cannot resolve '%s' port '%s'\n", host, port);
    return SF_EINVAL;
  }
  bool loop = false;
  if (ai->ai_family == AF_INET)
    loop = (ntohl(((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr.s_addr) >> 24) == 127;
  else if (ai->ai_family == AF_INET6)
    loop = IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr);
  if (loop) {
    memcpy(&run->addr, ai->ai_addr, ai->ai_addrlen);
    run->addr_len = ai->ai_addrlen;
  }
  freeaddrinfo(ai);
  if (!loop) {
    fprintf(stderr,
            "smartflow bench api: --url: '%s' is not a loopback address (the benchmark is loopback only)\n",
            host);
    return SF_EINVAL;
  }
  snprintf(run->host_hdr, sizeof run->host_hdr, "%s:%s", host, port);
  return 0;
}

static void print_route(const char *name, const char *target, int connections, double secs, uint64_t requests,
                        uint64_t errors, uint64_t bytes, uint64_t records, uint64_t walks, int64_t *lat,
                        size_t n_lat) {
  int64_t p50 = sf_bench_pct(lat, n_lat, 0.5);
  printf(
      "{\"bench\":\"api\",\"route\":\"%s\",\"target\":\"%s\",\"connections\":%d,\"seconds\":%.3f,"
      "\"requests\":%llu,"
      "\"requests_per_s\":%.0f,\"latency_us\":{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f},"
      "\"bytes_per_s\":%.0f,\"records_per_s\":%.0f,\"walks_completed\":%llu,\"errors\":%llu}\n",
      name, target, connections, secs, (unsigned long long)requests, (double)requests / secs,
      (double)p50 / 1e3, (double)sf_bench_pct_sorted(lat, n_lat, 0.99) / 1e3,
      (double)sf_bench_pct_sorted(lat, n_lat, 0.999) / 1e3, n_lat ? (double)lat[n_lat - 1] / 1e3 : 0.0,
      (double)bytes / secs, (double)records / secs, (unsigned long long)walks, (unsigned long long)errors);
}

int sf_bench_api(int argc, char **argv) {
  const char *url = NULL, *db = NULL, *token = NULL;
  const char *paths[MAX_ROUTES];
  size_t n_paths = 0;
  long seconds = 5, warmup = 1, conns = 8, events = 100000, prints = 100000, max_req = 5000000;
  static const struct option opts[] = {
      {"url", required_argument, 0, 'u'},     {"db", required_argument, 0, 'd'},
      {"token", required_argument, 0, 't'},   {"seconds", required_argument, 0, 's'},
      {"warmup", required_argument, 0, 'w'},  {"connections", required_argument, 0, 'c'},
      {"events", required_argument, 0, 'e'},  {"prints", required_argument, 0, 'p'},
      {"max-requests", required_argument, 0, 'm'}, {"route", required_argument, 0, 'r'},
      {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
  struct sf_args a = {.cmd = "bench api", .argc = argc, .argv = argv, .opts = opts, .usage = usage};
  int ch;
  while ((ch = sf_args_next(&a)) != -1) {
    int bad = 0;
    switch (ch) {
      case 'u': url = optarg; break;
      case 'd': db = optarg; break;
      case 't': token = optarg; break;
      case 's': bad = sf_args_long(&a, 1, 3600, &seconds); break;
      case 'w': bad = sf_args_long(&a, 0, 600, &warmup); break;
      case 'c': bad = sf_args_long(&a, 1, 1000, &conns); break;
      case 'e': bad = sf_args_long(&a, 0, 100000000, &events); break;
      case 'p': bad = sf_args_long(&a, 0, 100000000, &prints); break;
      case 'm': bad = sf_args_long(&a, 1, 1000000000, &max_req); break;
      case 'r':
        if (n_paths == MAX_ROUTES) {
          fprintf(stderr, "smartflow bench api: at most %d --route options\n", MAX_ROUTES);
          return SF_ARGS_USAGE;
        }
        paths[n_paths++] = optarg;
        break;
      default: /* --help or a usage error, printed */
        return a.status;
    }
    if (bad) return SF_ARGS_USAGE;
  }
  if (sf_args_no_operands(&a)) return SF_ARGS_USAGE;
  if (url && db) {
    fprintf(stderr, "smartflow bench api: --url and --db exclude each other\n");
    return 2;
  }
  if (!n_paths) {
    paths[n_paths++] = "/flow/smart-money?limit=200";
    paths[n_paths++] = "/history/smart-money?limit=200";
  }
  if ((size_t)conns < n_paths) {
    fprintf(stderr, "smartflow bench api: --connections %ld is fewer than the %zu routes\n", conns, n_paths);
    return 2;
  }

  int status = 1;
  struct run *run = calloc(1, sizeof *run);
  struct conn *cs = calloc((size_t)conns, sizeof *cs);
  struct sf_api *api = NULL;
  char dir[64] = "", store_url[600] = "", target[700];
  if (!run || !cs) goto done;
  run->ep = -1;
  for (long k = 0; k < conns; k++) cs[k].fd = -1;
  for (size_t k = 0; k < n_paths; k++) {
    if (route_init(&run->routes[k], paths[k]) != 0) {
      fprintf(stderr, "smartflow bench api: --route '%s': expected a path starting with '/'\n", paths[k]);
      status = 2;
      goto done;
    }
  }
  run->n_routes = n_paths;
  if (token) snprintf(run->auth_hdr, sizeof run->auth_hdr, "Authorization: Bearer %.200s\r\n", token);

  if (url) {
    if (resolve_url(run, url) != 0) {
      status = 2;
      goto done;
    }
    snprintf(target, sizeof target, "%s", url);
    for (size_t k = 0; k < n_paths; k++) route_unfiltered(&run->routes[k]);
  } else {
    if (db) {
      snprintf(store_url, sizeof store_url, "%s", db);
    } else if (sf_bench_tmpdir(dir, sizeof dir, store_url, sizeof store_url) != 0) {
      fprintf(stderr, "smartflow bench api: cannot make a temporary folder under /tmp\n");
      goto done;
    }
    struct sf_store *st = NULL;
    int64_t counts[SF_REC__COUNT] = {0};
    if (sf_store_open(store_url, &st) != 0) {
      fprintf(stderr, "smartflow bench api: cannot open store %s\n", store_url);
      goto done;
    }
    int rc = sf_store_count(st, SF_REC_SMART_MONEY, &counts[SF_REC_SMART_MONEY]);
    if (!rc) rc = sf_store_count(st, SF_REC_OPTION_PRINT, &counts[SF_REC_OPTION_PRINT]);
    sf_store_close(st);
    if (rc) goto done;
    if (counts[SF_REC_SMART_MONEY] == 0 && counts[SF_REC_OPTION_PRINT] == 0) {
      int64_t t0 = sf_time_mono_ns();
      if (sf_bench_seed_store(store_url, events, prints) != 0) goto done;
      fprintf(stderr, "smartflow bench api: seeded %ld events and %ld prints into %s in %.1f s\n", events,
              prints, store_url, (double)(sf_time_mono_ns() - t0) / 1e9);
      counts[SF_REC_SMART_MONEY] = events;
      counts[SF_REC_OPTION_PRINT] = prints;
    }
    for (size_t k = 0; k < n_paths; k++) {
      struct route *r = &run->routes[k];
      enum sf_record_type t = route_type(r->path);
      if (route_unfiltered(r) && t != SF_REC__COUNT) r->total = counts[t];
    }
    if (sf_bench_server_start(store_url, (int)conns + 8, 0, &api) != 0) {
      fprintf(stderr, "smartflow bench api: cannot start the server\n");
      goto done;
    }
    struct sockaddr_in *sin = (struct sockaddr_in *)&run->addr;
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)sf_api_port(api));
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    run->addr_len = sizeof *sin;
    snprintf(run->host_hdr, sizeof run->host_hdr, "127.0.0.1:%d", sf_api_port(api));
    snprintf(target, sizeof target, "in-process 127.0.0.1:%d over %s", sf_api_port(api),
             dir[0] ? "a temporary SQLite store" : store_url);
  }

  run->ep = epoll_create1(EPOLL_CLOEXEC);
  if (run->ep < 0) goto done;
  for (long k = 0; k < conns; k++) {
    cs[k].r = &run->routes[(size_t)k % n_paths];
    cs[k].r->connections++;
    if (conn_open(run, &cs[k]) != 0) {
      fprintf(stderr, "smartflow bench api: cannot connect to %s: %s\n", run->host_hdr, strerror(errno));
      goto done;
    }
  }
  for (long k = 0; k < conns; k++)
    if (conn_send(run, &cs[k]) != 0 && conn_reset(run, &cs[k], "write failed") == 0) conn_send(run, &cs[k]);

  int64_t t_start = sf_time_mono_ns(), t_measure = 0, t_last = t_start;
  int64_t t_warm_end = t_start + warmup * SF_NS_PER_S, t_end = t_warm_end + seconds * SF_NS_PER_S;
  uint64_t issued = 0;
  bool stopping = false;
  int64_t t_drain_end = 0;
  struct epoll_event evs[64];
  for (;;) {
    int64_t now = sf_time_mono_ns();
    if (!run->measuring && now >= t_warm_end) {
      run->measuring = true;
      t_measure = now;
    }
    if (!stopping && (now >= t_end || issued >= (uint64_t)max_req)) {
      stopping = true;
      t_drain_end = now + 10 * SF_NS_PER_S;
    }
    size_t busy = 0;
    for (long k = 0; k < conns; k++) busy += cs[k].busy;
    if (stopping && (busy == 0 || now >= t_drain_end)) {
      for (long k = 0; k < conns; k++)
        if (cs[k].busy) route_error(cs[k].r, true, "no response within 10 s of the end");
      break;
    }
    int ne = epoll_wait(run->ep, evs, 64, 50);
    if (ne < 0 && errno != EINTR) goto done;
    for (int e = 0; e < ne; e++) {
      struct conn *c = evs[e].data.ptr;
      if (c->fd < 0) continue;
      if (evs[e].events & EPOLLOUT) {
        if (conn_flush(run, c) != 0) {
          if (conn_reset(run, c, "write failed") == 0 && !stopping) conn_send(run, c);
          continue;
        }
        if (c->req_off == c->req_len) {
          struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
          epoll_ctl(run->ep, EPOLL_CTL_MOD, c->fd, &ev);
        }
      }
      if (!(evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      const char *why = NULL;
      int rc = conn_read(run, c, &why);
      if (rc == 0) continue;
      if (rc < 0) {
        if (conn_reset(run, c, why) != 0) {
          fprintf(stderr, "smartflow bench api: cannot reconnect to %s\n", run->host_hdr);
          goto done;
        }
      } else {
        finish_response(run, c);
        t_last = sf_time_mono_ns();
        if (c->head.close && conn_reset(run, c, "server closed a keep-alive connection") != 0) goto done;
      }
      if (!stopping) {
        issued += run->measuring;
        if (conn_send(run, c) != 0 && conn_reset(run, c, "write failed") == 0) conn_send(run, c);
      }
    }
  }
  if (!run->measuring) t_measure = t_start;
  double secs = (double)(t_last - t_measure) / 1e9;
  if (secs <= 0) secs = 1e-9;
  /* Per route, then all together. */
  size_t n_all = 0;
  for (size_t k = 0; k < n_paths; k++) n_all += run->routes[k].n_lat;
  int64_t *all = malloc((n_all + 1) * sizeof *all);
  if (!all) goto done;
  uint64_t tr = 0, te = 0, tb = 0, trec = 0, tw = 0;
  n_all = 0;
  for (size_t k = 0; k < n_paths; k++) {
    struct route *r = &run->routes[k];
    memcpy(all + n_all, r->lat, r->n_lat * sizeof *all);
    n_all += r->n_lat;
    print_route(r->path, target, r->connections, secs, r->requests, r->errors, r->bytes, r->records, r->walks,
                r->lat, r->n_lat);
    tr += r->requests, te += r->errors, tb += r->bytes, trec += r->records, tw += r->walks;
  }
  if (n_paths > 1) print_route("*", target, (int)conns, secs, tr, te, tb, trec, tw, all, n_all);
  free(all);
  fflush(stdout);
  status = te || tr == 0 ? 1 : 0;
  if (tr == 0) fprintf(stderr, "smartflow bench api: no request completed in the measured window\n");
done:
  if (cs) {
    for (long k = 0; k < conns; k++) {
      if (run) conn_close(run, &cs[k]);
      free(cs[k].buf);
    }
    free(cs);
  }
  if (run) {
    if (run->ep >= 0) close(run->ep);
    for (size_t k = 0; k < run->n_routes; k++) free(run->routes[k].lat);
    free(run);
  }
  if (api) sf_api_stop(api);
  if (dir[0]) sf_bench_rmdir(dir);
  return status;
}
