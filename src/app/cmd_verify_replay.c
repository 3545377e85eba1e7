/* `smartflow verify-replay`: re-runs the engine over the stored raw market data of a time range
 * (option prints with their enrichment cleared, option NBBO, underlying quotes; the merged order
 * of dist.h) and compares the smart-money events it produces with the stored live events of
 * the range (source_ts in [FROM, TO)): event ids (a hash of the member prints, so clustering and
 * structure joins are compared), member prints, packet ids, primary profile, primary direction,
 * abstention, every profile's probability and direction, and the quote-dependent features
 * aggressor_ratio, nbbo_coverage_ratio and nbbo_inside_ratio (so quote joins are compared, not
 * only scoring). Numbers compare within 1e-9. Every mismatch is printed, then a summary; exit 1
 * on any mismatch, 2 on usage, 1 on a store failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/commands.h"
#include "app/dist.h"
#include "smartflow/err.h"
#include "smartflow/time.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: smartflow verify-replay --store URL --from TS --to TS [--calendar F] [--calibration F]\n"
          "                             [--oi F]\n\n"
          "Re-runs the engine over the stored market data of [FROM, TO) and compares the events with\n"
          "the stored live events. Prints every mismatch and a summary; exit 1 on any mismatch.\n"
          "Use the same --calendar, --calibration and --oi as the live compute workers.\n");
}

struct evlist {
  struct sf_record *v;
  size_t n, cap;
  int err;
};

static void on_event(void *ctx, const struct sf_smart_money_event *e) {
  struct evlist *l = ctx;
  if (l->err) return;
  if (l->n == l->cap) {
    size_t nc = l->cap ? l->cap * 2 : 256;
    struct sf_record *nv = realloc(l->v, nc * sizeof *nv);
    if (!nv) {
      l->err = SF_ENOMEM;
      return;
    }
    l->v = nv;
    l->cap = nc;
  }
  struct sf_record tmp;
  memset(&tmp, 0, sizeof tmp);
  tmp.type = SF_REC_SMART_MONEY;
  tmp.u.smart_money = *e;
  if (sf_record_copy(&l->v[l->n], &tmp)) {
    l->err = SF_ENOMEM;
    return;
  }
  l->n++;
}

static int cmp_id(const void *a, const void *b) {
  return strcmp(((const struct sf_record *)a)->u.smart_money.event_id,
                ((const struct sf_record *)b)->u.smart_money.event_id);
}

static bool near(double a, double b) {
  if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
  return fabs(a - b) <= 1e-9;
}

static bool same_vec(const struct sf_strvec *a, const struct sf_strvec *b) {
  if (a->n != b->n) return false;
  for (size_t i = 0; i < a->n; i++)
    if (strcmp(a->v[i], b->v[i])) return false;
  return true;
}

static const char *pname(int p) { return p < 0 ? "null" : sf_profile_name(p); }

/* Compares one event; prints each difference. Returns the number of differences. */
static int compare(const struct sf_smart_money_event *live, const struct sf_smart_money_event *re) {
  int d = 0;
  const char *id = live->event_id;
#define DIFF(...)                \
  do {                           \
    printf("mismatch %s: ", id); \
    printf(__VA_ARGS__);         \
    printf("\n");                \
    d++;                         \
  } while (0)
  if (!same_vec(&live->member_print_ids, &re->member_print_ids)) DIFF("member_print_ids differ");
  if (!same_vec(&live->packet_ids, &re->packet_ids)) DIFF("packet_ids differ");
  if (live->primary_profile != re->primary_profile)
    DIFF("primary_profile_id live %s, replay %s", pname(live->primary_profile), pname(re->primary_profile));
  if (live->primary_direction != re->primary_direction)
    DIFF("primary_direction live %s, replay %s", sf_direction_name(live->primary_direction),
         sf_direction_name(re->primary_direction));
  if (live->abstained != re->abstained)
    DIFF("abstained live %d, replay %d", (int)live->abstained, (int)re->abstained);
  for (int p = 0; p < SF_PROFILE_COUNT; p++) {
    const struct sf_profile_score *a = NULL, *b = NULL;
    for (int i = 0; i < SF_PROFILE_COUNT; i++) {
      if (live->scores[i].profile == p) a = &live->scores[i];
      if (re->scores[i].profile == p) b = &re->scores[i];
    }
    if (!a || !b) {
      DIFF("profile %s missing from the scores", sf_profile_name(p));
      continue;
    }
    if (!near(a->probability, b->probability))
      DIFF("%s probability live %.12g, replay %.12g", sf_profile_name(p), a->probability, b->probability);
    if (a->direction != b->direction)
      DIFF("%s direction live %s, replay %s", sf_profile_name(p), sf_direction_name(a->direction),
           sf_direction_name(b->direction));
  }
  const struct sf_features *x = &live->features, *y = &re->features;
  if (!near(x->aggressor_ratio, y->aggressor_ratio))
    DIFF("features.aggressor_ratio live %.12g, replay %.12g", x->aggressor_ratio, y->aggressor_ratio);
  if (!near(x->nbbo_coverage_ratio, y->nbbo_coverage_ratio))
    DIFF("features.nbbo_coverage_ratio live %.12g, replay %.12g", x->nbbo_coverage_ratio,
         y->nbbo_coverage_ratio);
  if (!near(x->nbbo_inside_ratio, y->nbbo_inside_ratio))
    DIFF("features.nbbo_inside_ratio live %.12g, replay %.12g", x->nbbo_inside_ratio, y->nbbo_inside_ratio);
#undef DIFF
  return d;
}

static void free_list(struct evlist *l) {
  for (size_t i = 0; i < l->n; i++) sf_record_fini(&l->v[i]);
  free(l->v);
}

int sf_cmd_verify_replay(int argc, char **argv) {
  static const struct option opts[] = {SF_DIST_OPTION_STORE,
                                       SF_DIST_OPTION_RANGE,
                                       SF_DIST_OPTION_INPUTS,
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  static const int required[] = {SF_DIST_OPT_STORE, SF_DIST_OPT_FROM, SF_DIST_OPT_TO, 0};
  struct sf_dist_opts o;
  sf_dist_opts_init(&o);
  struct sf_args args = {.cmd = "verify-replay", .argc = argc, .argv = argv, .opts = opts, .usage = usage};
  /* Every option is a shared one: anything but the end is --help or a usage error, printed. */
  if (sf_dist_args_next(&args, &o) != -1) return args.status;
  if (sf_dist_check(&args, &o, required, false)) return SF_ARGS_USAGE;
  const char *store_url = o.store_url;
  int64_t from = o.from_ms, to = o.to_ms;
  int status = 1, rc;
  struct sf_store *store = NULL;
  struct sf_dist_market_iter *it = NULL;
  struct sf_engine *e = NULL;
  struct evlist re = {0}, live = {0};
  struct sf_dist_engine_inputs in;
  struct sf_store_result page = {0};
  uint64_t pushed = 0, rejected = 0;
  if (sf_dist_inputs_load("verify-replay", o.calendar, o.calibration, o.oi, &in)) goto done;
  if ((rc = sf_store_open(store_url, &store)) != 0) {
    fprintf(stderr, "smartflow verify-replay: store %s: %s\n", store_url, sf_strerror(rc));
    goto done;
  }
  struct sf_engine_config cfg;
  sf_dist_engine_config(&in, &cfg);
  struct sf_engine_sinks sinks = {0};
  sinks.ctx = &re;
  sinks.on_smart_money = on_event;
  if (sf_engine_new(&cfg, &sinks, &e)) goto done;
  if ((rc = sf_dist_market_iter_open(store, from, to, &it)) != 0) goto store_fail;
  const struct sf_record *r;
  while ((rc = sf_dist_market_iter_next(it, &r)) == 1) {
    int prc;
    if (r->type == SF_REC_OPTION_PRINT) {
      struct sf_option_print raw;
      sf_dist_raw_print(&r->u.option_print, &raw);
      prc = sf_engine_push_option_print(e, &raw);
    } else {
      prc = sf_engine_push(e, r);
    }
    pushed++;
    if (prc) rejected++;
  }
  if (rc < 0) goto store_fail;
  sf_engine_flush(e);
  if (re.err) goto done;

  /* The stored live events of the range. */
  struct sf_store_query q;
  sf_store_query_init(&q, SF_REC_SMART_MONEY, SF_STORE_OLDEST_FIRST);
  q.limit = SF_STORE_LIMIT_MAX;
  q.from_ts = from;
  q.to_ts = to;
  for (;;) {
    if ((rc = sf_store_query(store, &q, &page)) != 0) goto store_fail;
    for (size_t i = 0; i < page.n; i++) on_event(&live, &page.recs[i].u.smart_money);
    if (live.err) goto done;
    if (!page.has_next) break;
    q.has_cursor = true;
    q.cursor = page.next;
    sf_store_result_free(&page);
  }
  /* Replayed events outside the range (by source_ts) are not compared. */
  size_t k = 0;
  for (size_t i = 0; i < re.n; i++) {
    int64_t ts = re.v[i].u.smart_money.meta.source_ts;
    if (ts >= from && ts < to) {
      if (k != i) {
        struct sf_record t = re.v[k];
        re.v[k] = re.v[i];
        re.v[i] = t;
      }
      k++;
    }
  }
  for (size_t i = k; i < re.n; i++) sf_record_fini(&re.v[i]);
  re.n = k;
  qsort(re.v, re.n, sizeof *re.v, cmp_id);
  qsort(live.v, live.n, sizeof *live.v, cmp_id);
  size_t a = 0, b = 0, missing = 0, extra = 0, differing = 0, same = 0;
  while (a < live.n || b < re.n) {
    int c = a >= live.n ? 1 : b >= re.n ? -1 : cmp_id(&live.v[a], &re.v[b]);
    if (c < 0) {
      printf("mismatch %s: stored live event not reproduced by the replay\n",
             live.v[a].u.smart_money.event_id);
      missing++;
      a++;
    } else if (c > 0) {
      printf("mismatch %s: replay event not in the store\n", re.v[b].u.smart_money.event_id);
      extra++;
      b++;
    } else {
      if (compare(&live.v[a].u.smart_money, &re.v[b].u.smart_money))
        differing++;
      else
        same++;
      a++;
      b++;
    }
  }
  printf(
      "verify-replay: %llu market records replayed (%llu rejected); %zu live events, %zu replayed; "
      "%zu identical, %zu differing, %zu not reproduced, %zu not stored\n",
      (unsigned long long)pushed, (unsigned long long)rejected, live.n, re.n, same, differing, missing,
      extra);
  status = differing || missing || extra ? 1 : 0;
  goto done;
store_fail:
  fprintf(stderr, "smartflow verify-replay: store: %s (%s)\n", sf_strerror(rc), sf_store_errmsg(store));
done:
  sf_store_result_free(&page);
  sf_dist_market_iter_close(it);
  sf_engine_free(e);
  sf_store_close(store);
  sf_dist_inputs_free(&in);
  free_list(&re);
  free_list(&live);
  return status;
}
