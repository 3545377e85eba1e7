/* `smartflow export`: writes every stored record of one type (optionally of a time range on its
 * ordering timestamp) as envelope lines, oldest first, paging through the store with its
 * cursor. Used to compare stores (distributed against single-process runs) and to take data out.
 * Exit status: 0 ok, 1 a store or write failure, 2 usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/commands.h"
#include "app/dist.h"
#include "smartflow/err.h"
#include "smartflow/store.h"
#include "smartflow/tape.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: smartflow export --store URL --type TYPE [--from TS --to TS] [--out FILE]\n\n"
          "Writes stored records of TYPE (option-print, option-nbbo, equity-quote, equity-print,\n"
          "flow-packet, smart-money, classifier-hit, alert) as envelope lines, oldest first, to FILE\n"
          "(default stdout). TS: epoch ms, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.fff]Z.\n\n"
          "options:\n"
          "  --store URL      the store (required)\n"
          "  --type TYPE      the record type (required)\n"
          "  --from TS        oldest ordering timestamp, inclusive (default: open)\n"
          "  --to TS          newest ordering timestamp, exclusive (default: open)\n"
          "  --out FILE       output file, '-' for stdout (default)\n"
          "  -h, --help       show this help\n");
}

int sf_cmd_export(int argc, char **argv) {
  static const struct option opts[] = {SF_DIST_OPTION_STORE,
                                       SF_DIST_OPTION_RANGE,
                                       {"type", required_argument, 0, 't'},
                                       {"out", required_argument, 0, 'o'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  static const int required[] = {SF_DIST_OPT_STORE, 0};
  const char *type = NULL, *out = "-";
  struct sf_dist_opts o;
  sf_dist_opts_init(&o);
  struct sf_args a = {.cmd = "export", .argc = argc, .argv = argv, .opts = opts, .usage = usage};
  int ch;
  while ((ch = sf_dist_args_next(&a, &o)) != -1) {
    switch (ch) {
      case 't':
        type = optarg;
        break;
      case 'o':
        out = optarg;
        break;
      default: /* --help or a usage error, printed */
        return a.status;
    }
  }
  if (sf_dist_check(&a, &o, required, false)) return SF_ARGS_USAGE;
  int t = type ? sf_record_type_from_name(type) : -1;
  if (t < 0) {
    char msg[160];
    snprintf(msg, sizeof msg, type ? "--type '%.100s' is not a record type" : "--type is required", type);
    return sf_dist_usage_error(&a, msg);
  }
  const char *store_url = o.store_url;
  int64_t from = o.from_ms, to = o.to_ms;
  int status = 1, rc;
  struct sf_store *store = NULL;
  struct sf_tape_writer *w = NULL;
  struct sf_store_query q;
  struct sf_store_result r = {0};
  uint64_t n = 0;
  if ((rc = sf_store_open(store_url, &store)) != 0) {
    fprintf(stderr, "smartflow export: store %s: %s\n", store_url, sf_strerror(rc));
    goto done;
  }
  if (sf_tape_writer_open(out, &w)) {
    fprintf(stderr, "smartflow export: cannot write %s\n", out);
    goto done;
  }
  sf_store_query_init(&q, (enum sf_record_type)t, SF_STORE_OLDEST_FIRST);
  q.limit = SF_STORE_LIMIT_MAX;
  q.from_ts = from;
  q.to_ts = to;
  for (;;) {
    if ((rc = sf_store_query(store, &q, &r)) != 0) {
      fprintf(stderr, "smartflow export: query: %s\n", sf_store_errmsg(store));
      goto done;
    }
    for (size_t i = 0; i < r.n; i++) {
      if (sf_tape_writer_write(w, &r.recs[i])) {
        fprintf(stderr, "smartflow export: writing %s failed\n", out);
        goto done;
      }
      n++;
    }
    if (!r.has_next) break;
    q.has_cursor = true;
    q.cursor = r.next;
    sf_store_result_free(&r);
  }
  rc = sf_tape_writer_close(w);
  w = NULL;
  if (rc) {
    fprintf(stderr, "smartflow export: writing %s failed\n", out);
    goto done;
  }
  fprintf(stderr, "smartflow export: %llu %s records\n", (unsigned long long)n, type);
  status = 0;
done:
  sf_store_result_free(&r);
  if (w) sf_tape_writer_close(w);
  sf_store_close(store);
  return status;
}
