/* `smartflow run`: the live demo in one process. The synthetic market's demo feed is paced in
 * real time (--speed) into the engine; every raw and derived record goes to the store through
 * the writer thread and to live WebSocket subscribers through the API server, which also serves
 * the web terminal. Ctrl-C or SIGTERM stops the feed, closes every open cluster, flushes the
 * store and shuts the server down cleanly.
 *
 * Threads: the feed and the engine run on the main thread (the engine is single-threaded); the
 * writer and the API have their own. Records cross threads only through the writer's queue and
 * sf_api_publish, both of which copy or encode what they are given. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/args.h"
#include "app/commands.h"
#include "app/defaults.h"
#include "app/signals.h"
#include "smartflow/api.h"
#include "smartflow/calendar.h"
#include "smartflow/calibration.h"
#include "smartflow/engine.h"
#include "smartflow/err.h"
#include "smartflow/log.h"
#include "smartflow/refdata.h"
#include "smartflow/store.h"
#include "smartflow/store_writer.h"
#include "smartflow/synth.h"
#include "smartflow/time.h"

#define MOD "run"

struct run {
  struct sf_api *api;
  struct sf_store_writer *writer;
  struct sf_engine *engine;
  uint64_t store_refused;
};

static void forward(struct run *r, const struct sf_record *rec) {
  if (sf_store_writer_push(r->writer, rec) != 0) r->store_refused++;
  sf_api_publish(r->api, rec);
}

static void on_print(void *ctx, const struct sf_option_print *p) {
  struct sf_record rec = {.type = SF_REC_OPTION_PRINT};
  rec.u.option_print = *p;
  forward(ctx, &rec);
}

static void on_packet(void *ctx, const struct sf_flow_packet *p) {
  struct sf_record rec = {.type = SF_REC_FLOW_PACKET};
  rec.u.flow_packet = *p; /* shallow: borrowed for the call; the writer and the API copy */
  forward(ctx, &rec);
}

static void on_event(void *ctx, const struct sf_smart_money_event *e) {
  struct sf_record rec = {.type = SF_REC_SMART_MONEY};
  rec.u.smart_money = *e;
  forward(ctx, &rec);
}

static void on_hit(void *ctx, const struct sf_classifier_hit *h) {
  struct sf_record rec = {.type = SF_REC_CLASSIFIER_HIT};
  rec.u.classifier_hit = *h;
  forward(ctx, &rec);
}

static void on_alert(void *ctx, const struct sf_alert *a) {
  struct sf_record rec = {.type = SF_REC_ALERT};
  rec.u.alert = *a;
  forward(ctx, &rec);
}

static void metrics_source(void *ctx, void (*emit)(void *w, const char *line), void *w) {
  struct run *r = ctx;
  struct sf_engine_stats es;
  sf_engine_get_stats(r->engine, &es);
  struct sf_store_writer_stats ws;
  sf_store_writer_stats(r->writer, &ws);
  char line[256];
#define M(name, type, val)                                                             \
  do {                                                                                 \
    snprintf(line, sizeof line, "# TYPE smartflow_%s %s", name, type);                 \
    emit(w, line);                                                                     \
    snprintf(line, sizeof line, "smartflow_%s %llu", name, (unsigned long long)(val)); \
    emit(w, line);                                                                     \
  } while (0)
  M("engine_option_prints_in_total", "counter", es.option_prints_in);
  M("engine_option_nbbo_in_total", "counter", es.option_nbbo_in);
  M("engine_equity_quotes_in_total", "counter", es.equity_quotes_in);
  M("engine_rejected_total", "counter", es.rejected);
  M("engine_smart_money_out_total", "counter", es.smart_money_out);
  M("engine_alerts_out_total", "counter", es.alerts_out);
  M("engine_abstained_total", "counter", es.abstained);
  M("engine_contracts_active", "gauge", es.contracts_active);
  M("store_writer_written_total", "counter", ws.written);
  M("store_writer_batches_total", "counter", ws.batches);
  M("store_writer_queue_depth", "gauge", ws.queue_depth);
  M("store_writer_lost_total", "counter", ws.lost);
  M("store_writer_dropped_total", "counter", ws.dropped + r->store_refused);
#undef M
}

static void usage(FILE *out) {
  fprintf(out,
          "usage: smartflow run [--listen HOST:PORT] [--db URL] [--seed S] [--speed X] [options]\n\n"
          "The live demo: synthetic market -> engine -> store -> API and web terminal.\n\n"
          "  --listen H:P        address of the API and web UI (default 127.0.0.1:8080; port 0 picks one)\n"
          "  --db URL            store (default sqlite:%s)\n"
          "  --seed S            market seed (default: from the clock, printed)\n"
          "  --speed X           event time per wall-clock time (default 1; 0 = as fast as possible)\n"
          "  --minutes M         stop after M minutes of market time (default: run until Ctrl-C)\n"
          "  --underlyings LIST  comma list of symbols (default SPY,QQQ,AAPL,TSLA,NVDA,AMD,META,AMZN)\n"
          "  --calibration FILE  calibration map (default: the shipped one)\n"
          "  --config FILE       rules configuration (default: compiled-in)\n"
          "  --oi FILE           open interest (CSV or DBN statistics, see `compute --help`)\n"
          "  --token T           require a bearer token on the API\n"
          "  --web DIR           web terminal folder (default: the source tree's web/)\n"
          "  -h, --help          show this help\n",
          SF_STORE_DEFAULT_SQLITE_PATH);
}

int sf_cmd_run(int argc, char **argv) {
  const char *listen = "127.0.0.1:8080", *db = "sqlite:" SF_STORE_DEFAULT_SQLITE_PATH, *token = NULL;
  const char *web = sf_app_default_web_root(), *unders = NULL, *calib_path = NULL, *config_path = NULL;
  const char *oi_path = NULL;
  double speed = 1.0, minutes = 0;
  uint64_t seed = (uint64_t)sf_time_now_ns() % 1000000u;
  static const struct option opts[] = {{"listen", required_argument, 0, 'l'},
                                       {"db", required_argument, 0, 'd'},
                                       {"seed", required_argument, 0, 's'},
                                       {"speed", required_argument, 0, 'x'},
                                       {"minutes", required_argument, 0, 'm'},
                                       {"underlyings", required_argument, 0, 'u'},
                                       {"calibration", required_argument, 0, 'c'},
                                       {"config", required_argument, 0, 'g'},
                                       {"oi", required_argument, 0, 'O'},
                                       {"token", required_argument, 0, 't'},
                                       {"web", required_argument, 0, 'w'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  struct sf_args a = {.cmd = "run", .argc = argc, .argv = argv, .opts = opts, .usage = usage};
  int ch;
  while ((ch = sf_args_next(&a)) != -1) {
    switch (ch) {
      case 'l':
        listen = optarg;
        break;
      case 'd':
        db = optarg;
        break;
      case 's':
        if (sf_args_u64(&a, 0, UINT64_MAX, &seed)) return SF_ARGS_USAGE;
        break;
      case 'x':
        if (sf_args_double(&a, 0, false, HUGE_VAL, &speed)) return SF_ARGS_USAGE;
        break;
      case 'm':
        if (sf_args_double(&a, 0, false, HUGE_VAL, &minutes)) return SF_ARGS_USAGE;
        break;
      case 'u':
        unders = optarg;
        break;
      case 'c':
        calib_path = optarg;
        break;
      case 'g':
        config_path = optarg;
        break;
      case 'O':
        oi_path = optarg;
        break;
      case 't':
        token = optarg;
        break;
      case 'w':
        web = optarg;
        break;
      default: /* --help or a usage error, printed */
        return a.status;
    }
  }
  if (sf_args_no_operands(&a)) return SF_ARGS_USAGE;

  int status = 1, rc;
  struct run r = {0};
  struct sf_store *store = NULL;
  struct sf_synth *gen = NULL;
  struct sf_calendar *cal = NULL;
  struct sf_calibration *calib = NULL;
  struct sf_rules_config *rules = NULL;
  struct sf_oi_table *oi = NULL;
  struct sf_synth_underlying und[SF_SYNTH_MAX_UNDERLYINGS];

  struct sf_synth_config sc;
  sf_synth_config_default(&sc);
  sc.seed = seed;
  sc.minutes = minutes > 0 ? minutes : 0;
  if (unders && sf_app_parse_underlyings(unders, und, SF_SYNTH_MAX_UNDERLYINGS, &sc.underlying_count) != 0) {
    fprintf(stderr, "smartflow run: --underlyings: invalid list '%s'\n", unders);
    return SF_ARGS_USAGE;
  }
  if (unders) sc.underlyings = und;
  if ((rc = sf_synth_new(&sc, &gen)) != 0) {
    fprintf(stderr, "smartflow run: cannot create the market: %s\n", sf_strerror(rc));
    goto done;
  }
  json_t *calj = sf_synth_calendar_to_json(gen);
  char why[256] = "";
  rc = calj ? sf_calendar_from_json(calj, &cal, why, sizeof why) : SF_ENOMEM;
  json_decref(calj);
  if (rc) {
    fprintf(stderr, "smartflow run: calendar: %s\n", why[0] ? why : sf_strerror(rc));
    goto done;
  }
  if (sf_app_load_calibration(calib_path, &calib) != 0) goto done;
  if (sf_app_load_rules(config_path, &rules) != 0) goto done;
  if (sf_app_load_oi(oi_path, &oi) != 0) goto done;

  if ((rc = sf_store_open(db, &store)) != 0) {
    fprintf(stderr, "smartflow run: cannot open store %s: %s\n", db, sf_strerror(rc));
    goto done;
  }
  if ((rc = sf_store_writer_start(store, NULL, &r.writer)) != 0) {
    fprintf(stderr, "smartflow run: cannot start the store writer: %s\n", sf_strerror(rc));
    goto done;
  }
  struct sf_api_config ac;
  sf_api_config_default(&ac);
  ac.listen = listen;
  ac.store_url = db;
  ac.token = token;
  ac.web_root = web;
  if ((rc = sf_api_start(&ac, &r.api)) != 0) {
    fprintf(stderr, "smartflow run: cannot start the API on %s: %s\n", listen, sf_strerror(rc));
    goto done;
  }
  struct sf_engine_config ec;
  sf_engine_config_default(&ec);
  ec.calendar = cal;
  ec.calibration = calib;
  ec.rules = rules;
  if (oi) {
    ec.oi_lookup = sf_app_oi_lookup;
    ec.oi_ctx = oi;
  }
  struct sf_engine_sinks sinks = {.ctx = &r,
                                  .on_option_print = on_print,
                                  .on_flow_packet = on_packet,
                                  .on_smart_money = on_event,
                                  .on_classifier_hit = on_hit,
                                  .on_alert = on_alert};
  if ((rc = sf_engine_new(&ec, &sinks, &r.engine)) != 0) {
    fprintf(stderr, "smartflow run: cannot create the engine: %s\n", sf_strerror(rc));
    goto done;
  }
  sf_api_set_metrics_source(r.api, metrics_source, &r);
  sf_app_signals_install();
  printf("smartflow run: open http://127.0.0.1:%d/  (seed %llu, speed %g, store %s; Ctrl-C to stop)\n",
         sf_api_port(r.api), (unsigned long long)seed, speed, db);
  fflush(stdout);

  struct sf_synth_pacer pacer;
  sf_synth_pacer_init(&pacer, speed);
  struct sf_record rec;
  uint64_t n = 0;
  while (!sf_app_signals_stop_requested()) {
    rc = sf_synth_next(gen, &rec);
    if (rc <= 0) {
      if (rc < 0) fprintf(stderr, "smartflow run: market feed failed: %s\n", sf_strerror(rc));
      break;
    }
    int64_t ts = sf_record_ts_ns(&rec);
    int64_t wait = sf_synth_pace(&pacer, ts, sf_time_mono_ns());
    while (wait > 0 && !sf_app_signals_stop_requested()) {
      int64_t step = wait < 50 * SF_NS_PER_MS ? wait : 50 * SF_NS_PER_MS;
      struct timespec tsp = {(time_t)(step / SF_NS_PER_S), (long)(step % SF_NS_PER_S)};
      nanosleep(&tsp, NULL);
      wait = sf_synth_pace(&pacer, ts, sf_time_mono_ns());
    }
    /* Raw quotes are stored as they come; prints are stored enriched, from the engine's sink. */
    if (rec.type != SF_REC_OPTION_PRINT) forward(&r, &rec);
    if (sf_engine_push(r.engine, &rec) != 0)
      sf_log_debug(MOD, "engine rejected a %s: %s", sf_record_type_name(rec.type),
                   sf_engine_errmsg(r.engine));
    sf_record_fini(&rec);
    n++;
  }
  sf_log_info(MOD, "stopping after %llu records: closing open clusters and flushing the store",
              (unsigned long long)n);
  sf_engine_flush(r.engine);
  if (minutes > 0 && !sf_app_signals_stop_requested()) {
    /* A bounded demo keeps serving what it produced until it is stopped. */
    printf("smartflow run: market closed after %g minutes; still serving (Ctrl-C to stop)\n", minutes);
    fflush(stdout);
    sf_store_writer_flush(r.writer);
    while (!sf_app_signals_stop_requested()) sf_app_signals_wait(200);
  }
  status = 0;
done:
  if (r.writer) {
    struct sf_store_writer_stats ws;
    sf_store_writer_stop(r.writer, &ws);
    fprintf(stderr, "smartflow run: stored %llu records in %llu batches (%llu lost, %llu dropped)\n",
            (unsigned long long)ws.written, (unsigned long long)ws.batches, (unsigned long long)ws.lost,
            (unsigned long long)(ws.dropped + r.store_refused));
    if (ws.lost) status = 1;
  }
  if (r.api) sf_api_stop(r.api);
  if (r.engine) sf_engine_free(r.engine);
  if (store) sf_store_close(store);
  sf_synth_free(gen);
  sf_calendar_free(cal);
  sf_calibration_free(calib);
  sf_app_rules_free(rules);
  sf_oi_table_free(oi);
  return status;
}
