/* `smartflow replay`: re-publishes the stored option prints, option NBBO and underlying quotes
 * of a time range, in the merged order of dist.h ((ts_ns, source, seq)), at a speed factor, into
 * a separate bus namespace (default "replay.": subjects replay.options.>, streams
 * REPLAY_SF_MARKET / REPLAY_SF_FLOW), so replayed data never mixes into live data. A compute
 * worker started with --namespace replay. and its own --store (another SQLite file or ClickHouse
 * database) computes the replay's events. Prints are published raw (their enrichment is cleared)
 * so that the replay re-enriches them. Exit status: 0 ok, 1 a store or bus failure, 2 usage. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/commands.h"
#include "app/dist.h"
#include "app/signals.h"
#include "smartflow/err.h"
#include "smartflow/synth.h"
#include "smartflow/time.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: smartflow replay --store URL --from TS --to TS --bus nats://HOST:PORT [options]\n\n"
          "Re-publishes stored market data of [FROM, TO) in stable merged order into the replay\n"
          "namespace. TS: epoch ms, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.fff]Z.\n\n"
          "options:\n"
          "  --store URL      the store holding the market data (required)\n"
          "  --from TS        start of the range, inclusive (required)\n"
          "  --to TS          end of the range, exclusive (required)\n"
          "  --bus URL        nats://HOST:PORT (required)\n"
          "  --speed X        X times event time (default 0 = as fast as possible)\n"
          "  --namespace P    bus subject prefix (default replay.; must not be empty)\n"
          "  -h, --help       show this help\n");
}

int sf_cmd_replay(int argc, char **argv) {
  static const struct option opts[] = {SF_DIST_OPTION_STORE,
                                       SF_DIST_OPTION_RANGE,
                                       SF_DIST_OPTION_BUS,
                                       SF_DIST_OPTION_NAMESPACE,
                                       {"speed", required_argument, 0, 's'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  static const int required[] = {SF_DIST_OPT_STORE, SF_DIST_OPT_FROM, SF_DIST_OPT_TO, SF_DIST_OPT_BUS, 0};
  double speed = 0;
  struct sf_dist_opts o;
  sf_dist_opts_init(&o);
  struct sf_args a = {.cmd = "replay", .argc = argc, .argv = argv, .opts = opts, .usage = usage};
  int ch;
  while ((ch = sf_dist_args_next(&a, &o)) != -1) {
    switch (ch) {
      case 's':
        if (sf_args_double(&a, 0, false, HUGE_VAL, &speed)) return SF_ARGS_USAGE;
        break;
      default: /* --help or a usage error, printed */
        return a.status;
    }
  }
  if (sf_dist_check(&a, &o, required, false)) return SF_ARGS_USAGE;
  const char *store_url = o.store_url, *bus_url = o.bus_url, *ns = o.ns ? o.ns : "replay.";
  if (!ns[0])
    return sf_dist_usage_error(&a, "--namespace must not be empty (live data is not replayed into)");
  int64_t from = o.from_ms, to = o.to_ms;
  int status = 1, rc;
  struct sf_store *store = NULL;
  struct sf_bus *bus = NULL;
  struct sf_dist_market_iter *it = NULL;
  struct sf_synth_pacer pacer;
  uint64_t n = 0;
  sf_synth_pacer_init(&pacer, speed);
  if ((rc = sf_store_open(store_url, &store)) != 0) {
    fprintf(stderr, "smartflow replay: store %s: %s\n", store_url, sf_strerror(rc));
    goto done;
  }
  if (sf_dist_bus_open("replay", bus_url, ns, 1024, &bus)) goto done;
  if ((rc = sf_dist_market_iter_open(store, from, to, &it)) != 0) goto store_fail;
  sf_app_signals_install();
  const struct sf_record *r;
  while (!sf_app_signals_stop_requested() && (rc = sf_dist_market_iter_next(it, &r)) == 1) {
    struct sf_record raw;
    const struct sf_record *out = r;
    if (r->type == SF_REC_OPTION_PRINT) {
      raw.type = SF_REC_OPTION_PRINT;
      sf_dist_raw_print(&r->u.option_print, &raw.u.option_print);
      out = &raw;
    }
    sf_dist_sleep_ns(sf_synth_pace(&pacer, sf_record_ts_ns(r), sf_time_mono_ns()));
    if ((rc = sf_bus_publish(bus, out)) != 0) {
      fprintf(stderr, "smartflow replay: publish: %s\n", sf_bus_errmsg(bus));
      goto done;
    }
    n++;
  }
  if (rc < 0) goto store_fail;
  if (sf_bus_flush(bus, 60000)) {
    fprintf(stderr, "smartflow replay: flush: %s\n", sf_bus_errmsg(bus));
    goto done;
  }
  fprintf(stderr, "smartflow replay: %llu records re-published into namespace %s\n", (unsigned long long)n,
          ns);
  status = 0;
  goto done;
store_fail:
  fprintf(stderr, "smartflow replay: reading %s: %s (%s)\n", store_url, sf_strerror(rc),
          sf_store_errmsg(store));
done:
  sf_dist_market_iter_close(it);
  sf_bus_close(bus);
  sf_store_close(store);
  return status;
}
