/* Helpers of the distributed-mode services (dist.h): bus opening, engine inputs, partition
 * membership, and the merged reader of stored market data. The reader keeps one page (up to
 * SF_STORE_LIMIT_MAX rows, oldest first) per table and repeatedly takes the smallest head by
 * (ts_ns, source) (within a table, the store's (ts, seq) order); a table's next page starts after the cursor
 * of its last page, so every stored row is read once. */
#include "app/dist.h"
#include "app/defaults.h"
#include "app/signals.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smartflow/calendar.h"
#include "smartflow/refdata.h"
#include "smartflow/calibration.h"
#include "smartflow/err.h"
#include "smartflow/time.h"

int sf_dist_bus_open(const char *who, const char *url, const char *prefix, int async_window,
                     struct sf_bus **out) {
  struct sf_bus_options o;
  char err[256] = "";
  sf_bus_options_default(&o);
  o.subject_prefix = prefix;
  o.async_window = async_window;
  o.publish_timeout_ms = 30000; /* rides out a server restart */
  o.client_name = who;
  int rc = sf_bus_open(url, &o, out, err, sizeof err);
  if (rc) fprintf(stderr, "smartflow %s: bus %s: %s (%s)\n", who, url, err, sf_strerror(rc));
  return rc;
}

int sf_dist_inputs_load(const char *who, const char *calendar, const char *calibration, const char *oi,
                        struct sf_dist_engine_inputs *in) {
  (void)who; /* the shared loaders name the file in their messages */
  memset(in, 0, sizeof *in);
  sf_rules_config_default(&in->rules);
  if (sf_app_load_calendar(calendar, &in->calendar) != 0) return SF_EPARSE;
  /* NULL calibration: the shipped one, as `smartflow compute` uses, so a partitioned run and a
   * single-process run score alike. */
  if (sf_app_load_calibration(calibration, &in->calibration) != 0) return SF_EPARSE;
  if (sf_app_load_oi(oi, &in->oi) != 0) return SF_EPARSE;
  return 0;
}

void sf_dist_inputs_free(struct sf_dist_engine_inputs *in) {
  sf_calendar_free(in->calendar);
  sf_calibration_free(in->calibration);
  sf_oi_table_free(in->oi);
  in->calendar = NULL;
  in->calibration = NULL;
  in->oi = NULL;
}

void sf_dist_engine_config(const struct sf_dist_engine_inputs *in, struct sf_engine_config *cfg) {
  sf_engine_config_default(cfg);
  cfg->calendar = in->calendar;
  cfg->calibration = in->calibration;
  cfg->rules = &in->rules;
  if (in->oi) {
    cfg->oi_lookup = sf_app_oi_lookup;
    cfg->oi_ctx = in->oi;
  }
}

void sf_dist_sleep_ns(int64_t ns) {
  while (ns > 0 && !sf_app_signals_stop_requested()) {
    int64_t step = ns > 100 * SF_NS_PER_MS ? 100 * SF_NS_PER_MS : ns;
    struct timespec ts = {.tv_sec = (time_t)(step / SF_NS_PER_S), .tv_nsec = (long)(step % SF_NS_PER_S)};
    nanosleep(&ts, NULL);
    ns -= step;
  }
}

void sf_dist_raw_print(const struct sf_option_print *in, struct sf_option_print *out) {
  sf_option_print_init(out);
  out->meta = in->meta;
  out->ts_ns = in->ts_ns;
  memcpy(out->option_contract_id, in->option_contract_id, sizeof out->option_contract_id);
  out->price = in->price;
  out->size = in->size;
  memcpy(out->exchange, in->exchange, sizeof out->exchange);
  out->conditions = in->conditions;
}

bool sf_dist_in_partition(const struct sf_record *r, uint32_t index, uint32_t count) {
  if (count == 0) return true;
  char key[SF_BUS_NAME_MAX];
  sf_bus_partition_key(r, key, sizeof key);
  return sf_bus_partition_of(key, count) == index;
}

/* ---- merged reader ---------------------------------------------------------------------- */

static const enum sf_record_type sources[3] = {SF_REC_EQUITY_QUOTE, SF_REC_OPTION_NBBO, SF_REC_OPTION_PRINT};

struct table {
  struct sf_store_result page;
  size_t pos;
  bool done; /* no page beyond the current one */
};

struct sf_dist_market_iter {
  struct sf_store *store;
  int64_t from_ms, to_ms;
  struct table t[3];
};

static int fill(struct sf_dist_market_iter *it, int k) {
  struct table *t = &it->t[k];
  if (t->pos < t->page.n || t->done) return 0;
  struct sf_store_query q;
  sf_store_query_init(&q, sources[k], SF_STORE_OLDEST_FIRST);
  q.limit = SF_STORE_LIMIT_MAX;
  q.from_ts = it->from_ms;
  q.to_ts = it->to_ms;
  bool first = t->page.n == 0 && !t->page.has_next && t->pos == 0;
  if (!first) {
    if (!t->page.has_next) {
      t->done = true;
      return 0;
    }
    q.has_cursor = true;
    q.cursor = t->page.next;
  }
  struct sf_store_result r = {0};
  int rc = sf_store_query(it->store, &q, &r);
  if (rc) return rc;
  sf_store_result_free(&t->page);
  t->page = r;
  t->pos = 0;
  if (r.n == 0) t->done = true;
  return 0;
}

int sf_dist_market_iter_open(struct sf_store *store, int64_t from_ms, int64_t to_ms,
                             struct sf_dist_market_iter **out) {
  struct sf_dist_market_iter *it = calloc(1, sizeof *it);
  *out = NULL;
  if (!it) return SF_ENOMEM;
  it->store = store;
  it->from_ms = from_ms;
  it->to_ms = to_ms;
  for (int k = 0; k < 3; k++) {
    int rc = fill(it, k);
    if (rc) {
      sf_dist_market_iter_close(it);
      return rc;
    }
  }
  *out = it;
  return 0;
}

int sf_dist_market_iter_next(struct sf_dist_market_iter *it, const struct sf_record **rec) {
  int best = -1;
  const struct sf_record *b = NULL;
  for (int k = 0; k < 3; k++) {
    int rc = fill(it, k);
    if (rc) return rc;
    struct table *t = &it->t[k];
    if (t->pos >= t->page.n) continue;
    const struct sf_record *r = &t->page.recs[t->pos];
    if (!b) {
      best = k;
      b = r;
      continue;
    }
    int64_t ta = sf_record_ts_ns(r), tb = sf_record_ts_ns(b);
    /* k increases with the source order, so on equal ts the earlier table already won unless
     * seq decides within one table (never across: sources differ). */
    if (ta < tb) {
      best = k;
      b = r;
    }
  }
  if (best < 0) return 0;
  it->t[best].pos++;
  *rec = b;
  return 1;
}

void sf_dist_market_iter_close(struct sf_dist_market_iter *it) {
  if (!it) return;
  for (int k = 0; k < 3; k++) sf_store_result_free(&it->t[k].page);
  free(it);
}

/* ---- parsing ------------------------------------------------------------------------------ */

int sf_dist_parse_partition(const char *s, uint32_t *index, uint32_t *count) {
  unsigned long i, n;
  char *end;
  if (s[0] < '0' || s[0] > '9') return -1; /* strtoul would take a sign or blanks */
  i = strtoul(s, &end, 10);
  if (end == s || *end != '/') return -1;
  const char *p = end + 1;
  if (p[0] < '0' || p[0] > '9') return -1;
  n = strtoul(p, &end, 10);
  if (end == p || *end || n == 0 || i >= n || n > 1024) return -1;
  *index = (uint32_t)i;
  *count = (uint32_t)n;
  return 0;
}

int sf_dist_parse_ts(const char *s, int64_t *ms) {
  int64_t ns;
  if (sf_time_parse(s, &ns) != 0) return -1;
  *ms = sf_ns_to_ms(ns);
  return 0;
}

/* ---- shared options ------------------------------------------------------------------------ */

void sf_dist_opts_init(struct sf_dist_opts *o) {
  memset(o, 0, sizeof *o);
  o->from_ms = SF_TS_NULL;
  o->to_ms = SF_TS_NULL;
}

/* Takes option ch when it is a shared one: 1 taken, 0 not shared, -1 after printing a bad time. */
static int take_option(const struct sf_args *a, int ch, struct sf_dist_opts *o) {
  switch (ch) {
    case SF_DIST_OPT_BUS:
      o->bus_url = optarg;
      return 1;
    case SF_DIST_OPT_NAMESPACE:
      o->ns = optarg;
      return 1;
    case SF_DIST_OPT_STORE:
      o->store_url = optarg;
      return 1;
    case SF_DIST_OPT_FROM:
    case SF_DIST_OPT_TO:
      if (sf_dist_parse_ts(optarg, ch == SF_DIST_OPT_FROM ? &o->from_ms : &o->to_ms)) {
        fprintf(stderr,
                "smartflow %s: --%s '%s' is not a time (epoch ms, YYYY-MM-DD or "
                "YYYY-MM-DDTHH:MM:SS[.fff]Z)\n",
                a->cmd, a->name, optarg);
        return -1;
      }
      return 1;
    case SF_DIST_OPT_CALENDAR:
      o->calendar = optarg;
      return 1;
    case SF_DIST_OPT_CALIBRATION:
      o->calibration = optarg;
      return 1;
    case SF_DIST_OPT_OI:
      o->oi = optarg;
      return 1;
    default:
      return 0;
  }
}

int sf_dist_args_next(struct sf_args *a, struct sf_dist_opts *o) {
  for (;;) {
    int ch = sf_args_next(a), taken = ch > 0 ? take_option(a, ch, o) : 0;
    if (taken < 0) {
      a->status = SF_ARGS_USAGE;
      return 0;
    }
    if (!taken) return ch;
  }
}

int sf_dist_usage_error(const struct sf_args *a, const char *message) {
  fprintf(stderr, "smartflow %s: %s\n\n", a->cmd, message);
  a->usage(stderr);
  return SF_ARGS_USAGE;
}

/* The long names of the shared options, by SF_DIST_OPT_* - SF_DIST_OPT_BUS. */
static const char *const opt_names[] = {"bus", "namespace", "store",       "from",
                                        "to",  "calendar",  "calibration", "oi"};

static bool opt_given(const struct sf_dist_opts *o, int val) {
  switch (val) {
    case SF_DIST_OPT_BUS:
      return o->bus_url != NULL;
    case SF_DIST_OPT_NAMESPACE:
      return o->ns != NULL;
    case SF_DIST_OPT_STORE:
      return o->store_url != NULL;
    case SF_DIST_OPT_FROM:
      return o->from_ms != SF_TS_NULL;
    case SF_DIST_OPT_TO:
      return o->to_ms != SF_TS_NULL;
    case SF_DIST_OPT_CALENDAR:
      return o->calendar != NULL;
    case SF_DIST_OPT_CALIBRATION:
      return o->calibration != NULL;
    default:
      return o->oi != NULL;
  }
}

int sf_dist_check(const struct sf_args *a, const struct sf_dist_opts *o, const int *required,
                  bool operands_ok) {
  if (!operands_ok && sf_args_no_operands(a)) return -1;
  for (const int *r = required; *r; r++) {
    if (!opt_given(o, *r)) {
      char msg[64];
      snprintf(msg, sizeof msg, "--%s is required", opt_names[*r - SF_DIST_OPT_BUS]);
      sf_dist_usage_error(a, msg);
      return -1;
    }
  }
  if (o->from_ms != SF_TS_NULL && o->to_ms != SF_TS_NULL && o->to_ms <= o->from_ms) {
    sf_dist_usage_error(a, "--from must be before --to");
    return -1;
  }
  return 0;
}
