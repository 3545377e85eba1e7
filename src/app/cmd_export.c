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
          "(default stdout).\n");
}

int sf_cmd_export(int argc, char **argv) {
  const char *store_url = NULL, *type = NULL, *out = "-";
  int64_t from = SF_TS_NULL, to = SF_TS_NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool v = i + 1 < argc;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      return 0;
    } else if (v && !strcmp(a, "--store")) {
      store_url = argv[++i];
    } else if (v && !strcmp(a, "--type")) {
      type = argv[++i];
    } else if (v && !strcmp(a, "--out")) {
      out = argv[++i];
    } else if (v && (!strcmp(a, "--from") || !strcmp(a, "--to"))) {
      if (sf_dist_parse_ts(argv[i + 1], a[2] == 'f' ? &from : &to)) {
        fprintf(stderr, "smartflow export: %s '%s': not a time\n", a, argv[i + 1]);
        return 2;
      }
      i++;
    } else {
      fprintf(stderr, "smartflow export: unknown or incomplete option '%s'\n\n", a);
      usage(stderr);
      return 2;
    }
  }
  int t = type ? sf_record_type_from_name(type) : -1;
  if (!store_url || t < 0) {
    fprintf(stderr, "smartflow export: --store and a valid --type are required\n");
    return 2;
  }
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
