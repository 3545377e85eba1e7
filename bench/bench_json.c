/* bench_json: record JSON encoding throughput.
 *
 *   bench_json [--records N] [--rounds R]
 *
 * Builds N deterministic smart-money events and N option prints (tests/store/store_fixtures.h),
 * then for each kind times R rounds of (a) sf_record_encode into one reused writer (the store and
 * API path) and (b) sf_record_to_line (one malloc'd envelope line per record, the tape path).
 * Prints one JSON line per kind and path with records/s and MB/s of output. Self-check: the
 * FNV-1a hash of every round's output must equal the hash of the same records dumped by jansson
 * (json_loadb of the encoding, then sf_json_dumps), computed once untimed; exit 1 otherwise.
 * Built with -DBENCH_JSON_LINE_ONLY it uses only sf_record_to_line, so the same program measures
 * the older jansson-tree encoders. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tests/store/store_fixtures.h"
#include "smartflow/record_json.h"

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* FNV-1a over 8-byte words (then the tail bytes): a cheap, order-sensitive output checksum. */
static uint64_t fnv(uint64_t h, const char *p, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    h = (h ^ w) * 0x100000001b3ull;
  }
  for (; i < n; i++) h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
  return h;
}
#define FNV0 0xcbf29ce484222325ull

/* The reference: jansson's dump of each line, parsed (its own canonical form). */
static int reference_hash(const struct sf_record *recs, size_t n, uint64_t *out) {
  uint64_t h = FNV0;
  for (size_t i = 0; i < n; i++) {
    char *line = sf_record_to_line(&recs[i]);
    if (!line) return -1;
    json_t *j = json_loads(line, 0, NULL);
    free(line);
    char *again = j ? sf_json_dumps(j, 1) : NULL;
    json_decref(j);
    if (!again) return -1;
    h = fnv(h, again, strlen(again));
    free(again);
  }
  *out = h;
  return 0;
}

static void report(const char *kind, const char *path, size_t n, int rounds, double s, size_t bytes) {
  double recs = (double)n * rounds;
  printf(
      "{\"bench\":\"json_encode\",\"kind\":\"%s\",\"path\":\"%s\",\"records\":%.0f,\"seconds\":%.3f,"
      "\"records_per_s\":%.0f,\"mb_per_s\":%.1f,\"bytes_per_record\":%.0f,\"hash_ok\":true}\n",
      kind, path, recs, s, recs / s, (double)bytes / s / 1e6, (double)bytes / recs);
}

static int run_kind(const char *kind, enum sf_record_type t, size_t n, int rounds) {
  struct sf_record *recs = calloc(n, sizeof *recs);
  if (!recs) return 1;
  for (size_t i = 0; i < n; i++)
    fx_record(&recs[i], t, "bench", (int64_t)i, 1700000000000 + (int64_t)i * 7, (int64_t)(i * 1013 % 1000000),
              (int64_t)i);
  int rc = 1;
  uint64_t want;
  if (reference_hash(recs, n, &want)) {
    fprintf(stderr, "bench_json: %s: reference encoding failed\n", kind);
    goto done;
  }
#ifndef BENCH_JSON_LINE_ONLY
  {
    struct sf_jw w;
    sf_jw_init(&w);
    size_t bytes = 0;
    double t0 = now_s();
    for (int r = 0; r < rounds; r++) {
      uint64_t h = FNV0;
      for (size_t i = 0; i < n; i++) {
        sf_jw_reset(&w);
        if (sf_record_encode_envelope(&recs[i], &w)) {
          fprintf(stderr, "bench_json: %s: encode failed at %zu\n", kind, i);
          sf_jw_fini(&w);
          goto done;
        }
        sf_jw_bytes(&w, "\n", 1);
        h = fnv(h, w.p, w.len);
        bytes += w.len;
      }
      if (h != want) {
        fprintf(stderr, "bench_json: %s: encode hash %016llx != jansson %016llx\n", kind,
                (unsigned long long)h, (unsigned long long)want);
        sf_jw_fini(&w);
        goto done;
      }
    }
    double s = now_s() - t0;
    sf_jw_fini(&w);
    report(kind, "encode", n, rounds, s, bytes);
  }
#endif
  {
    size_t bytes = 0;
    double t0 = now_s();
    for (int r = 0; r < rounds; r++) {
      uint64_t h = FNV0;
      for (size_t i = 0; i < n; i++) {
        char *line = sf_record_to_line(&recs[i]);
        if (!line) {
          fprintf(stderr, "bench_json: %s: to_line failed at %zu\n", kind, i);
          goto done;
        }
        size_t len = strlen(line);
        h = fnv(h, line, len);
        bytes += len;
        free(line);
      }
      if (h != want) {
        fprintf(stderr, "bench_json: %s: to_line hash mismatch\n", kind);
        goto done;
      }
    }
    report(kind, "to_line", n, rounds, now_s() - t0, bytes);
  }
  rc = 0;
done:
  for (size_t i = 0; i < n; i++) sf_record_fini(&recs[i]);
  free(recs);
  return rc;
}

int main(int argc, char **argv) {
  size_t n = 20000;
  int rounds = 5;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--records") == 0 && i + 1 < argc) {
      n = (size_t)strtoull(argv[++i], NULL, 10);
    } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
      rounds = atoi(argv[++i]);
    } else {
      fprintf(i + 1 < argc || strcmp(argv[i], "--help") ? stderr : stdout,
              "usage: bench_json [--records N] [--rounds R]\n");
      return strcmp(argv[i], "--help") == 0 ? 0 : 2;
    }
  }
  if (n == 0 || rounds <= 0) {
    fprintf(stderr, "bench_json: --records and --rounds must be > 0\n");
    return 2;
  }
  int rc = run_kind("smart-money", SF_REC_SMART_MONEY, n, rounds);
  if (!rc) rc = run_kind("option-print", SF_REC_OPTION_PRINT, n, rounds);
  return rc;
}
