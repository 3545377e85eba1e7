/* `smartflow tape check FILE`: validates every line of a JSONL tape (plain or gzip, "-" for
 * stdin) with the same decoder the engine uses, and prints the line and record counts, the
 * rejected lines (the first N with their line numbers and the field at fault), and warnings that
 * do not reject a line: a market-data record older than the market-data record before it (a tape
 * is meant to be in time order) and a trace_id seen before (trace ids are unique per record).
 * Exit status: 0 when no line was rejected, 1 when some were (or the file cannot be read),
 * 2 for a usage error. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/args.h"
#include "app/commands.h"
#include "smartflow/err.h"
#include "smartflow/hash.h"
#include "smartflow/record.h"
#include "smartflow/tape.h"
#include "smartflow/time.h"

#define DEFAULT_MAX_ERRORS 20

static void usage(FILE *out) {
  fprintf(out,
          "usage: smartflow tape check FILE [--max-errors N]\n\n"
          "Validates a JSONL tape: one envelope {\"type\":T,\"payload\":{...}} per line, T one of\n"
          "option-print, option-nbbo, equity-quote, equity-print, flow-packet, smart-money,\n"
          "classifier-hit, alert (see CONTRACTS.md). FILE may be gzip-compressed; '-' reads stdin.\n"
          "Blank lines are skipped.\n\n"
          "Prints the number of lines, records per type and rejected lines, then the first N\n"
          "errors with their line numbers and the field at fault, and warnings (which do not\n"
          "reject a line): market-data records older than the market-data record before them,\n"
          "and trace_ids seen before.\n\n"
          "options:\n"
          "  --max-errors N   print at most N errors and N warnings (default %d; 0 prints none)\n"
          "  -h, --help       show this help\n\n"
          "Exit status: 0 when every line is valid, 1 when a line was rejected or FILE cannot be\n"
          "read, 2 for a usage error.\n",
          DEFAULT_MAX_ERRORS);
}

/* A set of trace ids (open addressing, linear probing) with the line each was first seen on. */
struct idset {
  char **keys;
  uint64_t *lines;
  size_t cap, n;
};

static void idset_free(struct idset *s) {
  for (size_t i = 0; i < s->cap; i++) free(s->keys ? s->keys[i] : NULL);
  free(s->keys);
  free(s->lines);
}

static int idset_grow(struct idset *s) {
  size_t ncap = s->cap ? s->cap * 2 : 1024;
  char **nk = calloc(ncap, sizeof *nk);
  uint64_t *nl = calloc(ncap, sizeof *nl);
  if (!nk || !nl) {
    free(nk);
    free(nl);
    return SF_ENOMEM;
  }
  for (size_t i = 0; i < s->cap; i++) {
    if (!s->keys[i]) continue;
    size_t j = (size_t)sf_hash_str(s->keys[i]) & (ncap - 1);
    while (nk[j]) j = (j + 1) & (ncap - 1);
    nk[j] = s->keys[i];
    nl[j] = s->lines[i];
  }
  free(s->keys);
  free(s->lines);
  s->keys = nk;
  s->lines = nl;
  s->cap = ncap;
  return 0;
}

/* Adds id; returns 0 when new, the first line (> 0) when already there, or SF_ENOMEM. */
static int64_t idset_add(struct idset *s, const char *id, uint64_t line) {
  if ((s->n + 1) * 4 > s->cap * 3 && idset_grow(s)) return SF_ENOMEM;
  size_t j = (size_t)sf_hash_str(id) & (s->cap - 1);
  while (s->keys[j]) {
    if (strcmp(s->keys[j], id) == 0) return (int64_t)s->lines[j];
    j = (j + 1) & (s->cap - 1);
  }
  s->keys[j] = strdup(id);
  if (!s->keys[j]) return SF_ENOMEM;
  s->lines[j] = line;
  s->n++;
  return 0;
}

/* Messages kept for printing after the counts. */
struct msglist {
  char **v;
  size_t n, max;
};

static void msg_add(struct msglist *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void msg_add(struct msglist *m, const char *fmt, ...) {
  if (m->n >= m->max) return;
  if (!m->v && !(m->v = calloc(m->max, sizeof *m->v))) return;
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if ((m->v[m->n] = strdup(buf)) != NULL) m->n++;
}

static void msg_free(struct msglist *m) {
  for (size_t i = 0; i < m->n; i++) free(m->v[i]);
  free(m->v);
}

static int is_market(enum sf_record_type t) { return t <= SF_REC_EQUITY_PRINT; }

/* Printable, bounded copy of a trace id for a warning. */
static const char *shown(const char *s, char out[44]) {
  size_t n = strlen(s), k = n < 40 ? n : 40;
  for (size_t i = 0; i < k; i++) out[i] = (char)((unsigned char)s[i] < 0x20 ? '?' : s[i]);
  strcpy(out + k, n > k ? "..." : "");
  return out;
}

static int check_tape(const char *path, size_t max_errors) {
  struct sf_tape_reader *r = NULL;
  int rc = sf_tape_reader_open(path, &r);
  if (rc) {
    fprintf(stderr, "smartflow tape: cannot open %s: %s\n", path,
            rc == SF_EIO ? strerror(errno) : sf_strerror(rc));
    return 1;
  }
  uint64_t counts[SF_REC__COUNT] = {0};
  uint64_t records = 0, rejected = 0, out_of_order = 0, duplicates = 0;
  struct msglist errors = {NULL, 0, max_errors}, warnings = {NULL, 0, max_errors};
  struct idset ids = {NULL, NULL, 0, 0};
  int64_t prev_ts = SF_TS_NULL;
  uint64_t prev_line = 0;
  int status = 0;
  int64_t t0 = sf_time_mono_ns();
  for (;;) {
    struct sf_record rec;
    rc = sf_tape_reader_next(r, &rec);
    if (rc == 0) break;
    uint64_t line = sf_tape_reader_line(r);
    if (rc < 0) {
      rejected++;
      msg_add(&errors, "%s", sf_tape_reader_errmsg(r));
      if (rc == SF_ENOMEM) {
        status = 1;
        break;
      }
      continue;
    }
    records++;
    counts[rec.type]++;
    if (is_market(rec.type)) {
      int64_t ts = sf_record_ts_ns(&rec);
      if (prev_ts != SF_TS_NULL && ts < prev_ts) {
        char a[40], b[40];
        out_of_order++;
        msg_add(&warnings, "line %llu: out-of-order %s: ts %s is older than %s on line %llu",
                (unsigned long long)line, sf_record_type_name(rec.type), sf_time_format_utc(ts, a, sizeof a),
                sf_time_format_utc(prev_ts, b, sizeof b), (unsigned long long)prev_line);
      }
      prev_ts = ts;
      prev_line = line;
    }
    const struct sf_meta *m = sf_record_meta(&rec);
    int64_t first = idset_add(&ids, m->trace_id, line);
    if (first == SF_ENOMEM) {
      fprintf(stderr, "smartflow tape: out of memory tracking trace ids\n");
      sf_record_fini(&rec);
      status = 1;
      break;
    }
    if (first > 0) {
      char q[44];
      duplicates++;
      msg_add(&warnings, "line %llu: duplicate trace_id \"%s\" (first on line %lld)",
              (unsigned long long)line, shown(m->trace_id, q), (long long)first);
    }
    sf_record_fini(&rec);
  }
  double secs = (double)(sf_time_mono_ns() - t0) / 1e9;
  uint64_t lines = sf_tape_reader_line(r);
  uint64_t bytes = sf_tape_reader_bytes(r);
  printf("tape: %s\n", path);
  printf("lines: %llu (blank %llu)\n", (unsigned long long)lines,
         (unsigned long long)(lines - records - rejected));
  printf("records: %llu\n", (unsigned long long)records);
  for (int t = 0; t < SF_REC__COUNT; t++)
    printf("  %-15s %llu\n", sf_record_type_name((enum sf_record_type)t), (unsigned long long)counts[t]);
  printf("rejected: %llu\n", (unsigned long long)rejected);
  printf("warnings: %llu out-of-order, %llu duplicate trace_id\n", (unsigned long long)out_of_order,
         (unsigned long long)duplicates);
  if (errors.n) {
    printf("errors (first %zu of %llu):\n", errors.n, (unsigned long long)rejected);
    for (size_t i = 0; i < errors.n; i++) printf("  %s\n", errors.v[i]);
  }
  if (warnings.n) {
    printf("warnings (first %zu of %llu):\n", warnings.n, (unsigned long long)(out_of_order + duplicates));
    for (size_t i = 0; i < warnings.n; i++) printf("  %s\n", warnings.v[i]);
  }
  fprintf(stderr, "smartflow tape: %llu bytes in %.3f s (%.1f MB/s, %.0f lines/s)\n",
          (unsigned long long)bytes, secs, secs > 0 ? (double)bytes / secs / 1e6 : 0.0,
          secs > 0 ? (double)lines / secs : 0.0);
  msg_free(&errors);
  msg_free(&warnings);
  idset_free(&ids);
  sf_tape_reader_close(r);
  if (rejected) status = 1;
  return status;
}

int sf_cmd_tape(int argc, char **argv) {
  int rc = sf_args_action("tape", argc, argv, "check", usage);
  if (rc >= 0) return rc;
  static const struct option opts[] = {
      {"max-errors", required_argument, 0, 'm'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
  struct sf_args a = {.cmd = "tape", .argc = argc - 1, .argv = argv + 1, .opts = opts, .usage = usage};
  uint64_t max_errors = DEFAULT_MAX_ERRORS;
  int ch;
  while ((ch = sf_args_next(&a)) != -1) {
    switch (ch) {
      case 'm':
        if (sf_args_u64(&a, 0, 1000000, &max_errors)) return SF_ARGS_USAGE;
        break;
      default: /* --help or a usage error, printed */
        return a.status;
    }
  }
  const char *path = NULL;
  if (sf_args_one_file(&a, "check", &path)) return SF_ARGS_USAGE;
  return check_tape(path, (size_t)max_errors);
}
