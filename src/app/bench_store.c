/* `smartflow bench store`: write throughput and read latency of a store (SQLite file or
 * ClickHouse server, by URL).
 *
 * Writes N deterministic records of one type (smart-money events by default, or option prints;
 * the fixtures of tests/store/store_fixtures.h, header-only and shared with the store tests so
 * the benchmark writes the shapes the round-trip tests check) with sf_store_write in batches,
 * checks that the store's count of that type grew by exactly N, then times recent (newest 200),
 * history (200 before a random cursor) and, for events, a filtered history (one profile)
 * queries. Prints JSON lines: {"bench":"store_write",...} with rows/s over the write calls alone
 * (building the records is timed apart) and the durability an acknowledged write has, and one
 * {"bench":"store_query",...} line per query kind with p50/p99 in microseconds. Exit 1 when the
 * store cannot be opened or written, or the count does not match (a database that already held
 * these records: use --reset or a new path); 2 on a usage error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../../tests/store/store_fixtures.h"
#include "app/args.h"
#include "app/bench.h"
#include "smartflow/err.h"
#include "smartflow/store.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: smartflow bench store --url URL [--events N] [--type smart-money|option-print]\n"
          "                             [--batch B] [--queries Q] [--reset]\n\n"
          "Writes N deterministic records of one type to the store at URL (sqlite:PATH[?options] or\n"
          "clickhouse://HOST:PORT/DB) in batches of B, checks the store's count grew by N, then times\n"
          "Q recent, Q history and (events) Q profile-filtered history queries of 200 rows. Prints\n"
          "one JSON line for the writes (rows/s over the write calls, the durability an acknowledged\n"
          "write has, batch latency p50/p99, CPU seconds of all the process's threads over the\n"
          "writes and the record building, CPU seconds of the calling thread in the write calls) and one per "
          "query kind (p50/p99/max in microseconds).\n\n"
          "options:\n"
          "  --url URL       store URL (required)\n"
          "  --events N      records to write (default 100000)\n"
          "  --type T        smart-money (default) or option-print\n"
          "  --batch B       records per sf_store_write call (default 2000)\n"
          "  --queries Q     queries of each kind (default 500)\n"
          "  --reset         delete the SQLite file (and its -wal, -shm) first\n"
          "  -h, --help      show this help\n");
}

/* CPU time (user + system) of the process so far, in seconds: every thread's, the store's own
 * (encoder, checkpointer) included. */
static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
         (double)ru.ru_stime.tv_usec * 1e-6;
}

/* CPU time of the calling thread so far, in seconds. */
static double thread_cpu_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double pct(const double *sorted, size_t n, double p) {
  size_t i = (size_t)(p * (double)(n - 1) + 0.5);
  return sorted[i < n ? i : n - 1];
}

/* splitmix64: deterministic cursors. */
static uint64_t mix(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

#define T0_MS INT64_C(1736899200000)

/* What an acknowledged write survives, by the URL: SQLite's synchronous mode (full unless the URL
 * asks for normal), or the server's own for ClickHouse. */
static const char *durability(const char *url) {
  if (strncmp(url, "sqlite:", 7) != 0) return "server";
  return strstr(url, "synchronous=normal") ? "sqlite-synchronous-normal (process crash)"
                                           : "sqlite-synchronous-full (power loss)";
}

/* Record i of the benchmark: ordering key (T0 + i / 4 ms, i) for either type. */
static void make_record(enum sf_record_type type, struct sf_record *r, int64_t i) {
  if (type == SF_REC_OPTION_PRINT)
    fx_option_print(r, "bench", i, (T0_MS + i / 4) * 1000000 + (i % 4) * 1000, i);
  else
    fx_smart_money(r, "bench", i, T0_MS + i / 4, i);
}

static int time_queries(struct sf_store *s, enum sf_record_type type, const char *kind, int64_t n_events,
                        long queries, bool with_cursor, int profile) {
  double *lat = calloc((size_t)queries, sizeof *lat);
  if (!lat) return 1;
  uint64_t seed = 42;
  size_t rows = 0, skipped = 0;
  for (long k = 0; k < queries; k++) {
    struct sf_store_query q;
    sf_store_query_init(&q, type, SF_STORE_NEWEST_FIRST);
    q.limit = 200;
    if (type == SF_REC_SMART_MONEY) q.profile = profile;
    if (with_cursor) {
      int64_t i = (int64_t)(mix(&seed) % (uint64_t)n_events);
      q.has_cursor = true;
      q.cursor = (struct sf_store_cursor){T0_MS + i / 4, i};
    }
    struct sf_store_result res;
    double t0 = now_s();
    int rc = sf_store_query(s, &q, &res);
    lat[k] = (now_s() - t0) * 1e6;
    if (rc) {
      fprintf(stderr, "smartflow bench store: %s query failed: %s\n", kind, sf_store_errmsg(s));
      free(lat);
      return 1;
    }
    rows += res.n;
    skipped += res.skipped;
    sf_store_result_free(&res);
  }
  size_t nq = (size_t)queries;
  qsort(lat, nq, sizeof *lat, cmp_double);
  printf(
      "{\"bench\":\"store_query\",\"type\":\"%s\",\"kind\":\"%s\",\"queries\":%ld,\"rows\":%zu,"
      "\"skipped\":%zu,\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f}\n",
      sf_record_type_name(type), kind, queries, rows, skipped, pct(lat, nq, 0.5), pct(lat, nq, 0.99),
      lat[nq - 1]);
  fflush(stdout);
  free(lat);
  return 0;
}

/* Deletes the SQLite file of a sqlite: URL and its -wal and -shm files. */
static void reset_sqlite(const char *url) {
  char p[1200], path_buf[1100];
  const char *path = url + 7;
  if (strncmp(path, "//", 2) == 0) path += 2;
  snprintf(path_buf, sizeof path_buf, "%.*s", (int)strcspn(path, "?"), path); /* without ?options */
  unlink(path_buf);
  snprintf(p, sizeof p, "%s-wal", path_buf);
  unlink(p);
  snprintf(p, sizeof p, "%s-shm", path_buf);
  unlink(p);
}

/* The timed writes; fills the store_write JSON line's figures. Returns 0 or 1 after a message. */
static int write_all(struct sf_store *s, enum sf_record_type type, int64_t n, size_t batch, double *t_write,
                     double *t_build, double *t_all, double *t_cpu, double *blat, size_t *batches) {
  struct sf_record *recs = calloc(batch, sizeof *recs);
  const struct sf_record **ptrs = calloc(batch, sizeof *ptrs);
  int status = 1;
  if (!recs || !ptrs) {
    fprintf(stderr, "smartflow bench store: out of memory\n");
    goto done;
  }
  double t_first = now_s();
  for (int64_t off = 0; off < n; off += (int64_t)batch) {
    size_t k = (size_t)((n - off) < (int64_t)batch ? (n - off) : (int64_t)batch);
    double t0 = now_s();
    for (size_t j = 0; j < k; j++) {
      make_record(type, &recs[j], off + (int64_t)j);
      ptrs[j] = &recs[j];
    }
    double t1 = now_s(), c1 = thread_cpu_s();
    int rc = sf_store_write(s, ptrs, k);
    double t2 = now_s();
    *t_cpu += thread_cpu_s() - c1;
    for (size_t j = 0; j < k; j++) sf_record_fini(&recs[j]);
    if (rc) {
      fprintf(stderr, "smartflow bench store: write failed: %s\n", sf_store_errmsg(s));
      goto done;
    }
    *t_build += t1 - t0;
    *t_write += t2 - t1;
    blat[(*batches)++] = (t2 - t1) * 1e3;
  }
  *t_all = now_s() - t_first;
  status = 0;
done:
  free(recs);
  free(ptrs);
  return status;
}

int sf_bench_store(int argc, char **argv) {
  const char *url = NULL;
  long n = 100000, batch = 2000, queries = 500;
  bool reset = false;
  enum sf_record_type type = SF_REC_SMART_MONEY;
  static const struct option opts[] = {
      {"url", required_argument, 0, 'u'},     {"events", required_argument, 0, 'n'},
      {"type", required_argument, 0, 't'},    {"batch", required_argument, 0, 'b'},
      {"queries", required_argument, 0, 'q'}, {"reset", no_argument, 0, 'r'},
      {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
  struct sf_args a = {.cmd = "bench store", .argc = argc, .argv = argv, .opts = opts, .usage = usage};
  int ch;
  while ((ch = sf_args_next(&a)) != -1) {
    int bad = 0;
    switch (ch) {
      case 'u':
        url = optarg;
        break;
      case 'n':
        bad = sf_args_long(&a, 1, 1000000000, &n);
        break;
      case 'b':
        bad = sf_args_long(&a, 1, 10000000, &batch);
        break;
      case 'q':
        bad = sf_args_long(&a, 1, 1000000, &queries);
        break;
      case 'r':
        reset = true;
        break;
      case 't':
        if (strcmp(optarg, "smart-money") == 0) {
          type = SF_REC_SMART_MONEY;
        } else if (strcmp(optarg, "option-print") == 0) {
          type = SF_REC_OPTION_PRINT;
        } else {
          fprintf(stderr, "smartflow bench store: --type must be smart-money or option-print, not '%s'\n",
                  optarg);
          bad = 1;
        }
        break;
      default: /* --help or a usage error, printed */
        return a.status;
    }
    if (bad) return SF_ARGS_USAGE;
  }
  if (sf_args_no_operands(&a)) return SF_ARGS_USAGE;
  if (!url || !*url) {
    fprintf(stderr, "smartflow bench store: --url is required\n");
    usage(stderr);
    return SF_ARGS_USAGE;
  }
  if (reset && strncmp(url, "sqlite:", 7) == 0 && url[7]) reset_sqlite(url);

  struct sf_store *s = NULL;
  int rc = sf_store_open(url, &s);
  if (rc) {
    fprintf(stderr, "smartflow bench store: cannot open %s: %s\n", url, sf_strerror(rc));
    return 1;
  }
  int status = 1;
  int64_t before = 0, after = 0;
  double t_write = 0, t_build = 0, t_all = 0, t_cpu = 0;
  size_t batches = 0;
  double *blat = calloc((size_t)(n / batch + 1), sizeof *blat);
  if (!blat) goto done;
  if (sf_store_count(s, type, &before)) {
    fprintf(stderr, "smartflow bench store: count: %s\n", sf_store_errmsg(s));
    goto done;
  }
  double cpu0 = cpu_s();
  if (write_all(s, type, n, (size_t)batch, &t_write, &t_build, &t_all, &t_cpu, blat, &batches)) goto done;
  double cpu = cpu_s() - cpu0;
  if (sf_store_count(s, type, &after)) {
    fprintf(stderr, "smartflow bench store: count: %s\n", sf_store_errmsg(s));
    goto done;
  }
  qsort(blat, batches, sizeof *blat, cmp_double);
  printf(
      "{\"bench\":\"store_write\",\"backend\":\"%s\",\"durability\":\"%s\",\"type\":\"%s\",\"events\":%ld,"
      "\"batch\":%ld,\"write_s\":%.3f,\"rows_per_s\":%.0f,\"build_s\":%.3f,\"end_to_end_rows_per_s\":%.0f,"
      "\"batch_p50_ms\":%.2f,\"batch_p99_ms\":%.2f,\"cpu_s\":%.3f,\"write_thread_cpu_s\":%.3f,"
      "\"count_before\":%lld,\"count_after\":%lld}\n",
      sf_store_backend_name(s), durability(url), sf_record_type_name(type), n, batch, t_write,
      (double)n / t_write, t_build, (double)n / t_all, pct(blat, batches, 0.5), pct(blat, batches, 0.99), cpu,
      t_cpu, (long long)before, (long long)after);
  fflush(stdout);
  if (after - before != n) {
    fprintf(stderr,
            "smartflow bench store: count grew by %lld, expected %ld (reused database? try --reset)\n",
            (long long)(after - before), n);
    goto done;
  }
  if (time_queries(s, type, "recent", n, queries, false, -1) ||
      time_queries(s, type, "history", n, queries, true, -1) ||
      (type == SF_REC_SMART_MONEY &&
       time_queries(s, type, "history_profile", n, queries, true, SF_PROFILE_VOL_SELLER)))
    goto done;
  status = 0;
done:
  free(blat);
  sf_store_close(s);
  return status;
}
