/* `smartflow compute --bus URL`: the compute service of distributed mode. It reads the market
 * stream (SF_BUS_FILTER_MARKET: prints, NBBO and underlying quotes in publish order) through a
 * durable consumer of its own ("compute-I-of-N"), keeps its partition's underlyings, runs them
 * through the engine, and for each fetched batch:
 *
 *   1. publishes the derived records on flow.* (deduplicated by trace_id on the bus),
 *   2. commits them to the store, together with the partition's raw market data (the enriched
 *      prints, the option NBBO and the underlying quotes), in one transaction,
 *   3. only then acknowledges the batch's market-data messages.
 *
 * So nothing acknowledged is lost, and a re-run of a batch (crash between 1 and 3) produces the
 * same records with the same ids, which the bus and the store drop as duplicates.
 *
 * Restart: the engine's state (quotes, open clusters, baselines) is not in the bus position. A
 * worker that starts over a store already holding its partition's market data rebuilds that
 * state first, by re-running the stored market data in the merged order (dist.h), publishing
 * and storing only the derived records the store does not have yet (the events that were still
 * open when the previous worker died); the redelivered messages it then fetches again (stored
 * but not acknowledged) are recognised by trace id and acknowledged without a second push. The
 * merged order equals the publish order for inputs that are time ordered with seq increasing
 * (tapes, the synthetic market, the decoders).
 *
 * End of input: a live worker never flushes the engine (open clusters close as event time
 * passes). With --idle-exit MS it flushes, commits and exits after MS without new messages while
 * connected (time spent reconnecting to the bus does not count), which is how a bounded run (a
 * tape, a test, a replay) ends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/commands.h"
#include "app/dist.h"
#include "app/signals.h"
#include "smartflow/err.h"
#include "smartflow/hash.h"
#include "smartflow/log.h"
#include "smartflow/time.h"

#define MAX_BATCH 65536        /* messages per fetch */
#define MAX_WAIT_MS 86400000LL /* --ack-wait and --idle-exit: a day */

static void usage(FILE *out) {
  fprintf(out,
          "usage: smartflow compute --bus nats://HOST:PORT --store URL [options]\n\n"
          "Distributed compute worker: market data from the bus -> engine -> flow.* on the bus and\n"
          "the store. Acknowledges market data only once what it produced is committed and\n"
          "published; a restarted worker rebuilds its state from the store and resumes from its\n"
          "durable consumer.\n\n"
          "options:\n"
          "  --bus URL           nats://HOST:PORT (or inproc:) (required)\n"
          "  --store URL         store for derived records and the partition's market data (required)\n"
          "  --partition I/N     this worker's slice of the underlyings (default 0/1)\n"
          "  --namespace P       bus subject prefix, e.g. replay. (default: live)\n"
          "  --durable NAME      consumer name (default compute-I-of-N)\n"
          "  --calendar FILE     event calendar JSON\n"
          "  --oi FILE           open interest (CSV or DBN statistics, as `compute --oi`)\n"
          "  --calibration FILE  calibration JSON\n"
          "  --batch N           messages per fetch and commit (default 512)\n"
          "  --ack-wait MS       redelivery delay of unacknowledged messages; a restarted worker waits\n"
          "                      this long for its predecessor's (default 3000)\n"
          "  --idle-exit MS      flush the engine and exit after MS connected without messages\n"
          "                      (default: never)\n"
          "  -h, --help          show this help\n");
}

/* A set of 64-bit hashes (trace ids recovered from the store). */
struct idset {
  uint64_t *k;
  size_t cap, n;
};
static int idset_put(struct idset *s, uint64_t h) {
  if (!h) h = 1;
  if ((s->n + 1) * 2 > s->cap) {
    size_t nc = s->cap ? s->cap * 2 : 4096;
    uint64_t *nk = calloc(nc, sizeof *nk);
    if (!nk) return SF_ENOMEM;
    for (size_t i = 0; i < s->cap; i++) {
      if (!s->k[i]) continue;
      size_t j = (size_t)(s->k[i] & (nc - 1));
      while (nk[j]) j = (j + 1) & (nc - 1);
      nk[j] = s->k[i];
    }
    free(s->k);
    s->k = nk;
    s->cap = nc;
  }
  size_t j = (size_t)(h & (s->cap - 1));
  while (s->k[j] && s->k[j] != h) j = (j + 1) & (s->cap - 1);
  if (!s->k[j]) {
    s->k[j] = h;
    s->n++;
  }
  return 0;
}
static bool idset_has(const struct idset *s, uint64_t h) {
  if (!h) h = 1;
  if (!s->cap) return false;
  size_t j = (size_t)(h & (s->cap - 1));
  while (s->k[j]) {
    if (s->k[j] == h) return true;
    j = (j + 1) & (s->cap - 1);
  }
  return false;
}

struct worker {
  struct sf_engine *engine;
  struct sf_store *store;
  struct sf_bus *bus;
  uint32_t pidx, pcount;
  struct sf_record *out; /* records to publish (derived) and store (all) */
  size_t nout, capout;
  struct sf_bus_msg **held;
  size_t nheld, capheld;
  struct idset recovered;
  bool recovering;
  uint64_t max_stream_seq; /* the last market message pushed: a redelivery is at or below it */
  int err;
  uint64_t pushed, rejected, skipped_recovered, derived_published, derived_skipped, committed;
};

static void keep(struct worker *w, enum sf_record_type t, const void *payload, size_t size) {
  if (w->err) return;
  if (w->nout == w->capout) {
    size_t nc = w->capout ? w->capout * 2 : 1024;
    struct sf_record *n = realloc(w->out, nc * sizeof *n);
    if (!n) {
      w->err = SF_ENOMEM;
      return;
    }
    w->out = n;
    w->capout = nc;
  }
  struct sf_record tmp;
  memset(&tmp, 0, sizeof tmp);
  tmp.type = t;
  memcpy(&tmp.u, payload, size);
  if (sf_record_copy(&w->out[w->nout], &tmp)) {
    w->err = SF_ENOMEM;
    return;
  }
  w->nout++;
}
static void on_print(void *x, const struct sf_option_print *p) { keep(x, SF_REC_OPTION_PRINT, p, sizeof *p); }
static void on_packet(void *x, const struct sf_flow_packet *p) { keep(x, SF_REC_FLOW_PACKET, p, sizeof *p); }
static void on_event(void *x, const struct sf_smart_money_event *e) {
  keep(x, SF_REC_SMART_MONEY, e, sizeof *e);
}
static void on_hit(void *x, const struct sf_classifier_hit *h) {
  keep(x, SF_REC_CLASSIFIER_HIT, h, sizeof *h);
}
static void on_alert(void *x, const struct sf_alert *a) { keep(x, SF_REC_ALERT, a, sizeof *a); }

static bool is_derived(enum sf_record_type t) { return t >= SF_REC_FLOW_PACKET; }

static const char *derived_id(const struct sf_record *r) {
  if (r->type == SF_REC_FLOW_PACKET) return r->u.flow_packet.id;
  if (r->type == SF_REC_SMART_MONEY) return r->u.smart_money.event_id;
  return sf_record_meta(r)->trace_id;
}

/* Pushes one market-data record into the engine (the raw fields of a print); NBBO and quotes
 * are kept for the store, prints come back enriched through on_print. */
static void push(struct worker *w, const struct sf_record *r) {
  int rc;
  if (r->type == SF_REC_OPTION_PRINT) {
    struct sf_option_print raw;
    sf_dist_raw_print(&r->u.option_print, &raw);
    rc = sf_engine_push_option_print(w->engine, &raw);
  } else {
    rc = sf_engine_push(w->engine, r);
    if (rc == 0 && !w->recovering) keep(w, r->type, &r->u, sizeof r->u);
  }
  w->pushed++;
  if (rc) {
    w->rejected++;
    if (w->rejected <= 20)
      fprintf(stderr, "smartflow compute: %s %s rejected: %s\n", sf_record_type_name(r->type),
              sf_record_meta(r)->trace_id, sf_engine_errmsg(w->engine));
  }
}

/* Publishes, commits, then acknowledges what the batch produced. Returns 0 or < 0. */
static int commit(struct worker *w) {
  int rc = w->err;
  const struct sf_record **ptrs = NULL;
  size_t n = 0;
  if (rc) goto out;
  if (w->nout) {
    ptrs = malloc(w->nout * sizeof *ptrs);
    if (!ptrs) {
      rc = SF_ENOMEM;
      goto out;
    }
  }
  for (size_t i = 0; i < w->nout; i++) {
    const struct sf_record *r = &w->out[i];
    if (w->recovering) {
      /* Rebuilding: only what the previous worker never committed goes out. */
      struct sf_record have;
      if (r->type == SF_REC_OPTION_PRINT) continue;
      if (sf_store_get(w->store, r->type, derived_id(r), &have) == 0) {
        sf_record_fini(&have);
        w->derived_skipped++;
        continue;
      }
    }
    if (is_derived(r->type)) {
      rc = sf_bus_publish(w->bus, r);
      if (rc) {
        fprintf(stderr, "smartflow compute: publish %s: %s\n", derived_id(r), sf_bus_errmsg(w->bus));
        goto out;
      }
      w->derived_published++;
    }
    ptrs[n++] = r;
  }
  /* An asynchronous publish can fail while the server restarts ("no responders"): publish the
   * batch's derived records again (the bus drops the ones already stored) until all are
   * acknowledged, for up to a minute. */
  for (int attempt = 0; (rc = sf_bus_flush(w->bus, 30000)) != 0; attempt++) {
    fprintf(stderr, "smartflow compute: flush: %s (%s)\n", sf_bus_errmsg(w->bus),
            attempt < 120 ? "publishing the batch again" : "giving up");
    if (attempt >= 120 || sf_app_signals_stop_requested()) goto out;
    sf_app_signals_wait(500);
    for (size_t i = 0; i < n; i++)
      if (is_derived(ptrs[i]->type)) sf_bus_publish(w->bus, ptrs[i]);
  }
  for (int attempt = 0; n; attempt++) {
    rc = sf_store_write(w->store, (const struct sf_record *const *)ptrs, n);
    if (rc == 0 || attempt == 5) break;
    fprintf(stderr, "smartflow compute: store write: %s (retrying)\n", sf_store_errmsg(w->store));
    sf_app_signals_wait(200 << attempt);
  }
  if (rc) {
    fprintf(stderr, "smartflow compute: store write: %s\n", sf_store_errmsg(w->store));
    goto out;
  }
  w->committed += n;
  for (size_t i = 0; i < w->nheld; i++) sf_bus_ack(w->held[i]);
  w->nheld = 0;
out:
  for (size_t i = 0; i < w->nout; i++) sf_record_fini(&w->out[i]);
  w->nout = 0;
  free(ptrs);
  return rc;
}

static int on_msg(void *ctx, const struct sf_record *rec, struct sf_bus_msg *msg) {
  struct worker *w = ctx;
  if (w->nheld == w->capheld) {
    size_t nc = w->capheld ? w->capheld * 2 : 1024;
    struct sf_bus_msg **n = realloc(w->held, nc * sizeof *n);
    if (!n) return SF_ENOMEM;
    w->held = n;
    w->capheld = nc;
  }
  w->held[w->nheld++] = msg;
  /* One consumer of one stream sees stream order: a message at or below the last one pushed is
   * a redelivery (its ack_wait passed while a commit was retrying) and was pushed already. */
  uint64_t sseq = sf_bus_msg_seq(msg);
  if (sseq && sseq <= w->max_stream_seq) {
    w->skipped_recovered++;
    return 0;
  }
  if (sseq) w->max_stream_seq = sseq;
  if (idset_has(&w->recovered, sf_hash_str(sf_record_meta(rec)->trace_id))) {
    w->skipped_recovered++;
    return 0;
  }
  push(w, rec);
  return w->err;
}

/* Rebuilds the engine from the partition's stored market data. */
static int recover(struct worker *w, uint64_t *count) {
  struct sf_dist_market_iter *it = NULL;
  const struct sf_record *r;
  uint64_t n = 0;
  int rc = sf_dist_market_iter_open(w->store, SF_TS_NULL, SF_TS_NULL, &it);
  if (rc) goto fail;
  w->recovering = true;
  while ((rc = sf_dist_market_iter_next(it, &r)) == 1) {
    /* The bus keys a print by its raw fields (the contract's root), so check those. */
    struct sf_record raw;
    if (r->type == SF_REC_OPTION_PRINT) {
      raw.type = SF_REC_OPTION_PRINT;
      sf_dist_raw_print(&r->u.option_print, &raw.u.option_print);
      if (!sf_dist_in_partition(&raw, w->pidx, w->pcount)) continue;
    } else if (!sf_dist_in_partition(r, w->pidx, w->pcount)) {
      continue;
    }
    if ((rc = idset_put(&w->recovered, sf_hash_str(sf_record_meta(r)->trace_id))) != 0) goto fail;
    push(w, r);
    n++;
    if (w->nout >= 4096 && (rc = commit(w)) != 0) goto fail;
  }
  if (rc < 0) goto fail;
  if ((rc = commit(w)) != 0) goto fail;
  w->recovering = false;
  *count = n;
  if (n)
    fprintf(stderr,
            "smartflow compute: rebuilt state from %llu stored records; %llu derived records were missing "
            "and went out, %llu already stored\n",
            (unsigned long long)n, (unsigned long long)w->derived_published,
            (unsigned long long)w->derived_skipped);
  sf_dist_market_iter_close(it);
  return 0;
fail:
  fprintf(stderr, "smartflow compute: rebuilding state from the store failed: %s (%s)\n", sf_strerror(rc),
          sf_store_errmsg(w->store));
  sf_dist_market_iter_close(it);
  return rc;
}

int sf_cmd_compute_bus(int argc, char **argv) {
  static const struct option opts[] = {SF_DIST_OPTION_BUS,
                                       SF_DIST_OPTION_STORE,
                                       SF_DIST_OPTION_NAMESPACE,
                                       SF_DIST_OPTION_INPUTS,
                                       {"partition", required_argument, 0, 'P'},
                                       {"durable", required_argument, 0, 'd'},
                                       {"batch", required_argument, 0, 'n'},
                                       {"ack-wait", required_argument, 0, 'a'},
                                       {"idle-exit", required_argument, 0, 'i'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  static const int required[] = {SF_DIST_OPT_BUS, SF_DIST_OPT_STORE, 0};
  const char *durable = NULL;
  uint32_t pidx = 0, pcount = 1;
  uint64_t batch = 512, ack_wait = 3000, idle_ms = 0;
  bool idle_exit = false;
  struct sf_dist_opts o;
  sf_dist_opts_init(&o);
  struct sf_args a = {.cmd = "compute", .argc = argc, .argv = argv, .opts = opts, .usage = usage};
  int ch;
  while ((ch = sf_dist_args_next(&a, &o)) != -1) {
    switch (ch) {
      case 'P':
        if (sf_dist_parse_partition(optarg, &pidx, &pcount)) {
          fprintf(stderr, "smartflow compute: --partition must be I/N with 0 <= I < N <= 1024, not '%s'\n",
                  optarg);
          return SF_ARGS_USAGE;
        }
        break;
      case 'd':
        durable = optarg;
        break;
      case 'n':
        if (sf_args_u64(&a, 1, MAX_BATCH, &batch)) return SF_ARGS_USAGE;
        break;
      case 'a':
        if (sf_args_u64(&a, 1, MAX_WAIT_MS, &ack_wait)) return SF_ARGS_USAGE;
        break;
      case 'i':
        if (sf_args_u64(&a, 0, MAX_WAIT_MS, &idle_ms)) return SF_ARGS_USAGE;
        idle_exit = true;
        break;
      default: /* --help or a usage error, printed */
        return a.status;
    }
  }
  if (sf_dist_check(&a, &o, required, false)) return SF_ARGS_USAGE;
  const char *bus_url = o.bus_url, *store_url = o.store_url, *ns = o.ns;
  char dname[SF_BUS_NAME_MAX];
  if (!durable) {
    snprintf(dname, sizeof dname, "compute-%u-of-%u", pidx, pcount);
    durable = dname;
  }

  int status = 1, rc;
  struct worker w;
  memset(&w, 0, sizeof w);
  w.pidx = pidx;
  w.pcount = pcount;
  struct sf_dist_engine_inputs in;
  struct sf_bus_sub *sub = NULL;
  if (sf_dist_inputs_load("compute", o.calendar, o.calibration, o.oi, &in)) goto done;
  struct sf_engine_config cfg;
  sf_dist_engine_config(&in, &cfg);
  struct sf_engine_sinks sinks = {&w, on_print, on_packet, on_event, on_hit, on_alert};
  if (sf_engine_new(&cfg, &sinks, &w.engine)) goto done;
  if ((rc = sf_store_open(store_url, &w.store)) != 0) {
    fprintf(stderr, "smartflow compute: store %s: %s\n", store_url, sf_strerror(rc));
    goto done;
  }
  if (sf_dist_bus_open("compute", bus_url, ns, 256, &w.bus)) goto done;
  uint64_t recovered = 0;
  if (recover(&w, &recovered)) goto done;

  struct sf_bus_sub_options so;
  sf_bus_sub_options_default(&so);
  so.durable = durable;
  so.subject = SF_BUS_FILTER_MARKET;
  so.partition_index = pcount > 1 ? pidx : 0;
  so.partition_count = pcount > 1 ? pcount : 0;
  so.max_ack_pending = (int)(batch * 4 > 4096 ? batch * 4 : 4096);
  so.ack_wait_ms = (int64_t)ack_wait;
  if ((rc = sf_bus_subscribe(w.bus, &so, on_msg, &w, &sub)) != 0) {
    fprintf(stderr, "smartflow compute: subscribe: %s\n", sf_bus_errmsg(w.bus));
    goto done;
  }
  sf_app_signals_install();
  fprintf(stderr, "smartflow compute: partition %u/%u, durable %s, store %s\n", pidx, pcount, durable,
          store_url);
  if (recovered) {
    /* A previous worker died: the messages it fetched and never acknowledged are redelivered
     * once their ack_wait passes, and redeliveries come before new messages. Wait for that, so
     * they are pushed in stream order, before anything newer. */
    fprintf(stderr, "smartflow compute: waiting %llu ms for the previous worker's unacknowledged messages\n",
            (unsigned long long)ack_wait);
    sf_app_signals_wait((int)ack_wait + 500);
  }
  int64_t idle_since = sf_time_mono_ns();
  bool flushed = false;
  while (!sf_app_signals_stop_requested()) {
    rc = sf_bus_fetch(sub, (size_t)batch, 200);
    if (rc < 0) {
      fprintf(stderr, "smartflow compute: fetch: %s\n", sf_bus_errmsg(w.bus));
      goto done;
    }
    /* Time without the bus is not idleness: a server restart longer than --idle-exit must not
     * end a bounded run before the rest of its input (disconnects > reconnects: reconnecting). */
    struct sf_bus_stats bs;
    sf_bus_stats(w.bus, &bs);
    if (rc > 0 || w.nheld || bs.disconnects > bs.reconnects) idle_since = sf_time_mono_ns();
    if ((w.nout || w.nheld) && commit(&w)) goto done;
    if (idle_exit && rc == 0 && sf_time_mono_ns() - idle_since >= (int64_t)idle_ms * SF_NS_PER_MS) {
      sf_engine_flush(w.engine);
      if (commit(&w)) goto done;
      flushed = true;
      break;
    }
  }
  (void)flushed;
  struct sf_engine_stats st;
  sf_engine_get_stats(w.engine, &st);
  fprintf(stderr,
          "smartflow compute: pushed %llu (rejected %llu, already recovered %llu); smart-money %llu, "
          "published %llu derived, committed %llu records\n",
          (unsigned long long)w.pushed, (unsigned long long)w.rejected,
          (unsigned long long)w.skipped_recovered, (unsigned long long)st.smart_money_out,
          (unsigned long long)w.derived_published, (unsigned long long)w.committed);
  status = 0;
done:
  sf_bus_sub_close(sub);
  sf_bus_close(w.bus);
  sf_store_close(w.store);
  sf_engine_free(w.engine);
  sf_dist_inputs_free(&in);
  for (size_t i = 0; i < w.nout; i++) sf_record_fini(&w.out[i]);
  free(w.out);
  free(w.held);
  free(w.recovered.k);
  return status;
}
