/* bench_store: write throughput and read latency of a store.
 *
 *   bench_store --url sqlite:/tmp/x.db[?synchronous=normal] --events N [--type smart-money|option-print]
 *               [--batch 2000] [--queries 500] [--reset]
 *
 * Writes N deterministic records of one type (smart-money events by default, or option prints;
 * tests/store/store_fixtures.h) with sf_store_write in batches, checks that the store's count of
 * that type grew by exactly N, then times recent (newest 200), history (200 before a random
 * cursor) and, for events, a filtered history (one profile) queries. Prints JSON lines:
 * {"bench":"store_write",...} with rows/s over the write calls alone (building the records is
 * timed apart) and the durability an acknowledged write has, and one line per query kind with
 * p50/p99 in microseconds. Exit 1 when the count does not match (a database that already held
 * these records: use --reset or a new path). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../tests/store/store_fixtures.h"
#include "smartflow/err.h"
#include "smartflow/store.h"

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

static enum sf_record_type g_type = SF_REC_SMART_MONEY;

/* What an acknowledged write survives, by the URL: SQLite's synchronous mode (full unless the URL
 * asks for normal), or the server's own for ClickHouse. */
static const char *durability(const char *url) {
  if (strncmp(url, "sqlite:", 7) != 0) return "server";
  return strstr(url, "synchronous=normal") ? "sqlite-synchronous-normal (process crash)"
                                           : "sqlite-synchronous-full (power loss)";
}

/* Record i of the benchmark: ordering key (T0 + i / 4 ms, i) for either type. */
static void make_record(struct sf_record *r, int64_t i) {
  if (g_type == SF_REC_OPTION_PRINT)
    fx_option_print(r, "bench", i, (1736899200000 + i / 4) * 1000000 + (i % 4) * 1000, i);
  else
    fx_smart_money(r, "bench", i, 1736899200000 + i / 4, i);
}

static int time_queries(struct sf_store *s, const char *kind, int64_t n_events, int queries, int with_cursor,
                        int profile) {
  double *lat = calloc((size_t)queries, sizeof *lat);
  if (!lat) return 1;
  uint64_t seed = 42;
  size_t rows = 0, skipped = 0;
  for (int k = 0; k < queries; k++) {
    struct sf_store_query q;
    sf_store_query_init(&q, g_type, SF_STORE_NEWEST_FIRST);
    q.limit = 200;
    if (g_type == SF_REC_SMART_MONEY) q.profile = profile;
    if (with_cursor) {
      int64_t i = (int64_t)(mix(&seed) % (uint64_t)n_events);
      q.has_cursor = true;
      q.cursor = (struct sf_store_cursor){1736899200000 + i / 4, i};
    }
    struct sf_store_result res;
    double t0 = now_s();
    int rc = sf_store_query(s, &q, &res);
    lat[k] = (now_s() - t0) * 1e6;
    if (rc) {
      fprintf(stderr, "bench_store: %s query failed: %s\n", kind, sf_store_errmsg(s));
      free(lat);
      return 1;
    }
    rows += res.n;
    skipped += res.skipped;
    sf_store_result_free(&res);
  }
  qsort(lat, (size_t)queries, sizeof *lat, cmp_double);
  printf(
      "{\"bench\":\"store_query\",\"type\":\"%s\",\"kind\":\"%s\",\"queries\":%d,\"rows\":%zu,\"skipped\":%"
      "zu,"
      "\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f}\n",
      sf_record_type_name(g_type), kind, queries, rows, skipped, pct(lat, (size_t)queries, 0.5),
      pct(lat, (size_t)queries, 0.99), lat[queries - 1]);
  free(lat);
  return 0;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: bench_store --url URL --events N [--type smart-money|option-print] [--batch 2000]\n"
          "                   [--queries 500] [--reset]\n");
}

int main(int argc, char **argv) {
  const char *url = NULL;
  int64_t n = 0;
  size_t batch = 2000;
  int queries = 500, reset = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
      url = argv[++i];
    else if (strcmp(argv[i], "--events") == 0 && i + 1 < argc)
      n = strtoll(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc)
      batch = (size_t)strtoull(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "--queries") == 0 && i + 1 < argc)
      queries = atoi(argv[++i]);
    else if (strcmp(argv[i], "--type") == 0 && i + 1 < argc) {
      const char *t = argv[++i];
      if (strcmp(t, "smart-money") == 0)
        g_type = SF_REC_SMART_MONEY;
      else if (strcmp(t, "option-print") == 0)
        g_type = SF_REC_OPTION_PRINT;
      else {
        fprintf(stderr, "bench_store: --type: expected smart-money or option-print, got '%s'\n", t);
        return 2;
      }
    } else if (strcmp(argv[i], "--reset") == 0)
      reset = 1;
    else if (strcmp(argv[i], "--help") == 0) {
      usage(stdout);
      return 0;
    } else {
      usage(stderr);
      return 2;
    }
  }
  if (!url || n <= 0 || batch == 0 || queries <= 0) {
    usage(stderr);
    return 2;
  }
  if (reset && strncmp(url, "sqlite:", 7) == 0 && url[7]) {
    char p[1200], path_buf[1100];
    const char *path = url + 7;
    if (strncmp(path, "//", 2) == 0) path += 2;
    snprintf(path_buf, sizeof path_buf, "%.*s", (int)strcspn(path, "?"), path); /* without ?options */
    path = path_buf;
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
  }
  struct sf_store *s = NULL;
  int rc = sf_store_open(url, &s);
  if (rc) {
    fprintf(stderr, "bench_store: cannot open %s: %s\n", url, sf_strerror(rc));
    return 1;
  }
  int64_t before = 0, after = 0;
  if (sf_store_count(s, g_type, &before)) goto fail;
  struct sf_record *recs = calloc(batch, sizeof *recs);
  const struct sf_record **ptrs = calloc(batch, sizeof *ptrs);
  if (!recs || !ptrs) goto fail;
  double t_write = 0, t_build = 0, t_first = now_s();
  size_t batches = 0;
  double *blat = calloc((size_t)(n / (int64_t)batch + 1), sizeof *blat);
  if (!blat) goto fail;
  for (int64_t off = 0; off < n; off += (int64_t)batch) {
    size_t k = (size_t)((n - off) < (int64_t)batch ? (n - off) : (int64_t)batch);
    double t0 = now_s();
    for (size_t j = 0; j < k; j++) {
      int64_t i = off + (int64_t)j;
      make_record(&recs[j], i);
      ptrs[j] = &recs[j];
    }
    double t1 = now_s();
    rc = sf_store_write(s, ptrs, k);
    double t2 = now_s();
    for (size_t j = 0; j < k; j++) sf_record_fini(&recs[j]);
    if (rc) {
      fprintf(stderr, "bench_store: write failed: %s\n", sf_store_errmsg(s));
      goto fail;
    }
    t_build += t1 - t0;
    t_write += t2 - t1;
    blat[batches++] = (t2 - t1) * 1e3;
  }
  double t_all = now_s() - t_first;
  free(recs);
  free(ptrs);
  if (sf_store_count(s, g_type, &after)) goto fail;
  qsort(blat, batches, sizeof *blat, cmp_double);
  printf(
      "{\"bench\":\"store_write\",\"backend\":\"%s\",\"durability\":\"%s\",\"type\":\"%s\",\"events\":%lld,"
      "\"batch\":%zu,\"write_s\":%.3f,"
      "\"rows_per_s\":%.0f,\"build_s\":%.3f,\"end_to_end_rows_per_s\":%.0f,\"batch_p50_ms\":%.2f,"
      "\"batch_p99_ms\":%.2f,\"count_before\":%lld,\"count_after\":%lld}\n",
      sf_store_backend_name(s), durability(url), sf_record_type_name(g_type), (long long)n, batch, t_write,
      (double)n / t_write, t_build, (double)n / t_all, pct(blat, batches, 0.5), pct(blat, batches, 0.99),
      (long long)before, (long long)after);
  free(blat);
  if (after - before != n) {
    fprintf(stderr, "bench_store: count grew by %lld, expected %lld (reused database? try --reset)\n",
            (long long)(after - before), (long long)n);
    sf_store_close(s);
    return 1;
  }
  if (time_queries(s, "recent", n, queries, 0, -1) || time_queries(s, "history", n, queries, 1, -1) ||
      (g_type == SF_REC_SMART_MONEY &&
       time_queries(s, "history_profile", n, queries, 1, SF_PROFILE_VOL_SELLER)))
    goto fail;
  sf_store_close(s);
  return 0;
fail:
  fprintf(stderr, "bench_store: %s\n", sf_store_errmsg(s));
  sf_store_close(s);
  return 1;
}
