/* Internals of the `smartflow bench` load benchmarks (api, ws, store): deterministic records, store
 * seeding, an in-process server, percentiles, and the two sans-I/O parsers the HTTP load client
 * relies on (an HTTP/1.1 response head and a page scanner that counts the `data` array of a JSON
 * page and reads its cursor without building a tree). Not a public header. */
#ifndef SMARTFLOW_APP_BENCH_H
#define SMARTFLOW_APP_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartflow/record.h"

struct sf_api;

/* First source_ts (ms) of the seeded records: 2025-01-15 14:30 UTC. */
#define SF_BENCH_T0_MS INT64_C(1736951400000)

/* Smart-money event i: source_ts = T0 + i / 4 ms, seq = i, event_id "bev-<i>", a realistic
 * shape (packets, member prints, six scores with reasons, features). Fini with sf_record_fini. */
void sf_bench_make_event(struct sf_record *r, int64_t i);
/* Enriched option print i: ts = T0 + i / 4 ms (+ sub-ms ns), seq = i, trace_id "bpr-<i>". */
void sf_bench_make_print(struct sf_record *r, int64_t i);

/* Writes events and prints 0..n-1 in batches. Returns 0 or a negative SF_E*. */
int sf_bench_seed_store(const char *url, int64_t n_events, int64_t n_prints);

/* Starts the API server on 127.0.0.1:0 over store_url with `threads` workers and the given
 * per-client WebSocket queue (0 = default). Returns 0 or a negative SF_E*. */
int sf_bench_server_start(const char *store_url, int threads, size_t ws_queue_max, struct sf_api **out);

/* Makes a temporary folder /tmp/sf-bench-XXXXXX (path into dir) and the store URL of a SQLite
 * file in it. Returns 0 or SF_EIO. */
int sf_bench_tmpdir(char *dir, size_t dir_cap, char *url, size_t url_cap);
/* Removes the folder made by sf_bench_tmpdir and its files. */
void sf_bench_rmdir(const char *dir);

/* Sorts v and returns the p-quantile (0..1, nearest rank); 0 when n == 0. */
int64_t sf_bench_pct(int64_t *v, size_t n, double p);
/* Percentile of an already sorted array. */
int64_t sf_bench_pct_sorted(const int64_t *v, size_t n, double p);

/* The head of an HTTP/1.1 response. */
struct sf_bench_http_head {
  int status;
  size_t head_len;        /* bytes up to and including the blank line */
  int64_t content_length; /* -1 when absent */
  bool chunked;
  bool close; /* Connection: close */
};
/* Parses a response head from p[0..n). Returns 1 when complete (h filled), 0 when more bytes are
 * needed, SF_EPARSE when malformed. */
int sf_bench_http_head_parse(const char *p, size_t n, struct sf_bench_http_head *h);

/* What the page scanner finds in a JSON page {"data":[...], "next_before"|"next": {ts,seq}|null}. */
struct sf_bench_page {
  size_t count;  /* elements of the top-level "data" array */
  bool has_data; /* a top-level "data" array was found */
  bool has_next; /* the cursor member (next_before or next) is an object */
  int64_t next_ts, next_seq;
};
/* Scans p[0..n) (one JSON object) without building a tree; cursor_key is "next_before", "next"
 * or NULL. Returns 0, or SF_EPARSE when the text is not a well-nested JSON object, or the cursor
 * is neither null nor {"ts":int,"seq":int}. */
int sf_bench_page_scan(const char *p, size_t n, const char *cursor_key, struct sf_bench_page *out);

/* Sub-benchmarks (src/app/bench_api.c, src/app/bench_ws.c, src/app/bench_store.c); argv starts at
 * the sub-name. */
int sf_bench_api(int argc, char **argv);
int sf_bench_ws(int argc, char **argv);
int sf_bench_store(int argc, char **argv);

#endif
