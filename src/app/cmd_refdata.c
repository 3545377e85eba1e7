/* `smartflow refdata check FILE [--kind calendar|oi]`: validates a reference-data file before
 * the engine is given it.
 *
 * calendar  the event calendar JSON (calendar.h), parsed with sf_calendar_from_json: events per
 *           underlying and kind, the time range, events announced after they happen (errors: the
 *           engine would only learn of them once they are over) and duplicate events (same
 *           underlying, kind and time: warnings).
 * oi        open interest (refdata.h): a CSV with the header option_contract_id,date,oi, or a DBN
 *           statistics file; rows, contracts, dates, duplicates and rejected lines with their line
 *           numbers.
 * Without --kind the kind is told from the content: JSON is a calendar, a CSV whose header names
 * option_contract_id, date and oi (or a DBN stream) is open interest. Exit status 0 when the file
 * is clean (warnings allowed), 1 on any error, 2 for a usage error. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "app/args.h"
#include "app/commands.h"
#include "smartflow/calendar.h"
#include "smartflow/err.h"
#include "smartflow/refdata.h"
#include "smartflow/time.h"

#define MAX_LISTED 20

enum kind { KIND_NONE = 0, KIND_CALENDAR, KIND_OI };

static void usage(FILE *out) {
  fprintf(
      out,
      "usage: smartflow refdata check FILE [--kind calendar|oi]\n\n"
      "Checks a reference-data file.\n\n"
      "  calendar  event calendar JSON: an array (or {\"events\": [...]}) of\n"
      "            {\"underlying_id\", \"event_ts\" (ms), \"announced_ts\" (ms, optional), \"event_kind\"}.\n"
      "            Prints events per underlying and kind and the time range; an event announced\n"
      "            after it happens is an error, a duplicate (same underlying, kind, time) a warning.\n"
      "  oi        open interest: CSV with the header option_contract_id,date,oi (date YYYY-MM-DD,\n"
      "            either contract id form, gzip or plain), or a DBN statistics file. Prints rows,\n"
      "            contracts, dates and the rejected lines with their line numbers.\n\n"
      "Without --kind the kind is told from the content (JSON = calendar, the oi CSV header or\n"
      "DBN = oi).\n\n"
      "options:\n"
      "  --kind K    calendar or oi\n"
      "  -h, --help  show this help\n\n"
      "Exit status: 0 when the file is valid (warnings allowed), 1 on any error, 2 for a usage\n"
      "error.\n");
}

/* Reads the first bytes of a file (through zlib, so gzip is looked into). */
static int peek(const char *path, char *buf, size_t cap, size_t *n, bool *raw_dbn) {
  FILE *f = fopen(path, "rb");
  if (!f) return SF_EIO;
  unsigned char magic[4] = {0};
  size_t m = fread(magic, 1, sizeof magic, f);
  fclose(f);
  *raw_dbn = (m >= 3 && memcmp(magic, "DBN", 3) == 0) ||
             (m == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd);
  gzFile gz = gzopen(path, "rb");
  if (!gz) return SF_EIO;
  int got = gzread(gz, buf, (unsigned)(cap - 1));
  gzclose(gz);
  if (got < 0) return SF_EIO;
  *n = (size_t)got;
  buf[*n] = '\0';
  return 0;
}

static enum kind guess_kind(const char *path, char *why, size_t cap) {
  char buf[4096];
  size_t n = 0;
  bool dbn = false;
  if (peek(path, buf, sizeof buf, &n, &dbn)) {
    snprintf(why, cap, "cannot open %s: %s", path, strerror(errno));
    return KIND_NONE;
  }
  if (dbn) return KIND_OI;
  const char *p = buf;
  if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF) p += 3;
  while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
  if (*p == '[' || *p == '{') return KIND_CALENDAR;
  size_t line = strcspn(p, "\r\n");
  char hdr[512];
  snprintf(hdr, sizeof hdr, "%.*s", (int)(line < sizeof hdr - 1 ? line : sizeof hdr - 1), p);
  if (strstr(hdr, "option_contract_id") && strstr(hdr, "date") && strstr(hdr, "oi")) return KIND_OI;
  snprintf(why, cap,
           "cannot tell what %s holds (not JSON, and the first line is not the header "
           "option_contract_id,date,oi); give --kind",
           path);
  return KIND_NONE;
}

/* ---- calendar ---- */

static int ev_cmp(const void *pa, const void *pb) {
  const struct sf_calendar_event *a = pa, *b = pb;
  int c = strcmp(a->underlying_id, b->underlying_id);
  if (c) return c;
  if ((c = strcmp(a->event_kind, b->event_kind))) return c;
  if (a->event_ns != b->event_ns) return a->event_ns < b->event_ns ? -1 : 1;
  return 0;
}

static int check_calendar(const char *path) {
  json_error_t jerr;
  json_t *j = json_load_file(path, 0, &jerr);
  if (!j) {
    if (jerr.line <= 0)
      printf("error: %s: %s\n", path, jerr.text);
    else
      printf("error: %s: line %d column %d: %s\n", path, jerr.line, jerr.column, jerr.text);
    return 1;
  }
  char err[512] = "";
  struct sf_calendar *cal = NULL;
  int rc = sf_calendar_from_json(j, &cal, err, sizeof err);
  json_decref(j);
  if (rc) {
    printf("error: %s: %s\n", path, err[0] ? err : sf_strerror(rc));
    return 1;
  }
  size_t n = sf_calendar_count(cal);
  struct sf_calendar_event *ev = n ? malloc(n * sizeof *ev) : NULL;
  if (n && !ev) {
    sf_calendar_free(cal);
    printf("error: out of memory\n");
    return 1;
  }
  for (size_t i = 0; i < n; i++) ev[i] = *sf_calendar_get(cal, i);
  sf_calendar_free(cal);
  if (n > 1) qsort(ev, n, sizeof *ev, ev_cmp);

  printf("calendar: %s\n", path);
  printf("events: %zu\n", n);
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  size_t underlyings = 0, late = 0, dups = 0;
  for (size_t i = 0; i < n; i++) {
    if (ev[i].event_ns < lo) lo = ev[i].event_ns;
    if (ev[i].event_ns > hi) hi = ev[i].event_ns;
    if (i == 0 || strcmp(ev[i].underlying_id, ev[i - 1].underlying_id) != 0) underlyings++;
  }
  printf("underlyings: %zu\n", underlyings);
  if (n) {
    char a[40], b[40];
    printf("time range: %s .. %s\n", sf_time_format_utc(lo, a, sizeof a),
           sf_time_format_utc(hi, b, sizeof b));
  }
  /* Per underlying and kind. */
  for (size_t i = 0; i < n;) {
    size_t k = i;
    while (k < n && strcmp(ev[k].underlying_id, ev[i].underlying_id) == 0 &&
           strcmp(ev[k].event_kind, ev[i].event_kind) == 0)
      k++;
    printf("  %-8s %-14s %zu\n", ev[i].underlying_id, ev[i].event_kind[0] ? ev[i].event_kind : "(none)",
           k - i);
    i = k;
  }
  for (size_t i = 0; i < n; i++) {
    if (ev[i].announced_ns != SF_TS_NULL && ev[i].announced_ns > ev[i].event_ns) late++;
    if (i > 0 && ev_cmp(&ev[i], &ev[i - 1]) == 0) dups++;
  }
  printf("errors: %zu announced after the event\n", late);
  printf("warnings: %zu duplicate\n", dups);
  size_t shown = 0;
  for (size_t i = 0; i < n && shown < MAX_LISTED; i++) {
    if (ev[i].announced_ns == SF_TS_NULL || ev[i].announced_ns <= ev[i].event_ns) continue;
    char a[40], b[40];
    printf("  error: %s %s at %s announced later, at %s\n", ev[i].underlying_id,
           ev[i].event_kind[0] ? ev[i].event_kind : "event", sf_time_format_utc(ev[i].event_ns, a, sizeof a),
           sf_time_format_utc(ev[i].announced_ns, b, sizeof b));
    shown++;
  }
  shown = 0;
  for (size_t i = 1; i < n && shown < MAX_LISTED; i++) {
    if (ev_cmp(&ev[i], &ev[i - 1]) != 0) continue;
    char a[40];
    printf("  warning: duplicate %s %s at %s\n", ev[i].underlying_id,
           ev[i].event_kind[0] ? ev[i].event_kind : "event", sf_time_format_utc(ev[i].event_ns, a, sizeof a));
    shown++;
  }
  free(ev);
  return late ? 1 : 0;
}

/* ---- open interest ---- */

static void ymd(uint32_t d, char *buf, size_t cap) {
  snprintf(buf, cap, "%04u-%02u-%02u", d / 10000, d / 100 % 100, d % 100);
}

static int check_oi(const char *path) {
  struct sf_oi_table *t = NULL;
  if (sf_oi_table_new(&t)) {
    printf("error: out of memory\n");
    return 1;
  }
  char buf[64];
  size_t n = 0;
  bool dbn = false;
  char err[512] = "";
  struct sf_oi_load_report *rep = calloc(1, sizeof *rep);
  int rc = rep ? peek(path, buf, sizeof buf, &n, &dbn) : SF_ENOMEM;
  if (rc == 0)
    rc = dbn ? sf_oi_table_load_dbn(t, path, rep, err, sizeof err)
             : sf_oi_table_load_csv(t, path, rep, err, sizeof err);
  else
    snprintf(err, sizeof err, "%s: cannot open: %s", path, rc == SF_EIO ? strerror(errno) : sf_strerror(rc));
  printf("open interest: %s (%s)\n", path, dbn ? "DBN statistics" : "CSV");
  if (rep) {
    if (!dbn) printf("lines: %" PRIu64 "\n", rep->lines);
    printf("rows: %" PRIu64 " (duplicates replaced: %" PRIu64 ")\n", rep->rows, rep->duplicates);
    if (dbn) printf("records that are not open interest: %" PRIu64 "\n", rep->skipped);
  }
  printf("contracts: %zu\n", sf_oi_table_contracts(t));
  uint32_t first, last;
  sf_oi_table_date_range(t, &first, &last);
  char a[16], b[16];
  ymd(first, a, sizeof a);
  ymd(last, b, sizeof b);
  if (sf_oi_table_dates(t))
    printf("dates: %zu (%s .. %s)\n", sf_oi_table_dates(t), a, b);
  else
    printf("dates: 0\n");
  int status = 0;
  if (rep && !dbn) {
    printf("rejected: %" PRIu64 "\n", rep->rejected);
    for (size_t i = 0; i < rep->message_count; i++) printf("  %s\n", rep->messages[i]);
    if (rep->rejected > rep->message_count)
      printf("  ... %" PRIu64 " more\n", rep->rejected - rep->message_count);
    if (rep->rejected) status = 1;
  }
  if (rc) {
    printf("error: %s\n", err);
    status = 1;
  }
  free(rep);
  sf_oi_table_free(t);
  return status;
}

int sf_cmd_refdata(int argc, char **argv) {
  int rc = sf_args_action("refdata", argc, argv, "check", usage);
  if (rc >= 0) return rc;
  static const struct option opts[] = {
      {"kind", required_argument, 0, 'k'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
  struct sf_args a = {.cmd = "refdata", .argc = argc - 1, .argv = argv + 1, .opts = opts, .usage = usage};
  const char *path = NULL, *kind_s = NULL;
  int ch;
  while ((ch = sf_args_next(&a)) != -1) {
    switch (ch) {
      case 'k':
        kind_s = optarg;
        break;
      default: /* --help or a usage error, printed */
        return a.status;
    }
  }
  if (sf_args_one_file(&a, "check", &path)) return SF_ARGS_USAGE;
  enum kind kind = KIND_NONE;
  if (kind_s) {
    if (strcmp(kind_s, "calendar") == 0)
      kind = KIND_CALENDAR;
    else if (strcmp(kind_s, "oi") == 0)
      kind = KIND_OI;
    else {
      fprintf(stderr, "smartflow refdata: --kind must be calendar or oi, not '%s'\n", kind_s);
      return SF_ARGS_USAGE;
    }
  } else {
    char why[600];
    kind = guess_kind(path, why, sizeof why);
    if (kind == KIND_NONE) {
      fprintf(stderr, "smartflow refdata: %s\n", why);
      return 1;
    }
  }
  return kind == KIND_CALENDAR ? check_calendar(path) : check_oi(path);
}
