/* `smartflow serve`: the API server and web terminal over a store. Live records come from the
 * process that produces them (`smartflow run`) or from the bus (`--bus`, distributed mode). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/args.h"
#include "app/commands.h"
#include "app/defaults.h"
#include "app/dist.h"
#include "app/signals.h"
#include "smartflow/bus.h"
#include "smartflow/api.h"
#include "smartflow/store.h"
#include "smartflow/err.h"
#include "smartflow/log.h"
#include "smartflow/version.h"

#define MAX_THREADS 1024

static void usage(FILE *out) {
  fprintf(
      out,
      "usage: smartflow serve [--db URL] [--listen HOST:PORT] [--token T] [--cors ORIGINS] [--web DIR]\n\n"
      "Serves the REST, history, replay and WebSocket API and the web terminal over a store.\n\n"
      "  --db URL         store to read (default sqlite:%s)\n"
      "  --listen H:P     address to listen on (default 127.0.0.1:8080; port 0 picks one)\n"
      "  --token T        require 'Authorization: Bearer T' on every route but /health\n"
      "  --cors ORIGINS   comma list of origins allowed by CORS (default none)\n"
      "  --web DIR        folder of the web terminal (default: the source tree's web/)\n"
      "  --threads N      HTTP worker threads, 1..%d (default 16)\n"
      "  --store URL      same as --db\n"
      "  --bus URL        distributed mode: stream live records from the bus (flow.> and options.>)\n"
      "                   to WebSocket clients\n"
      "  --namespace P    bus subject prefix (default: live)\n"
      "  --durable NAME   bus consumer name prefix (default serve; use one per serve instance)\n"
      "  -h, --help       show this help\n",
      SF_STORE_DEFAULT_SQLITE_PATH, MAX_THREADS);
}

static int forward(void *ctx, const struct sf_record *rec, struct sf_bus_msg *msg) {
  sf_api_publish(ctx, rec);
  sf_bus_ack(msg);
  return 0;
}

/* Distributed mode: two consumers (flow.> in SF_FLOW, options.> in SF_MARKET) fetched in turn
 * on this thread, each record handed to the WebSocket fan-out and acknowledged. The store is
 * written by the compute workers; serve only reads it. */
static int stream_bus(struct sf_api *api, const char *url, const char *ns, const char *durable) {
  struct sf_bus *bus = NULL;
  struct sf_bus_sub *sub[2] = {NULL, NULL};
  static const char *const filters[2] = {"flow.>", "options.>"};
  static const char *const suffix[2] = {"flow", "options"};
  int status = 1;
  if (sf_dist_bus_open("serve", url, ns, 0, &bus)) return 1;
  for (int i = 0; i < 2; i++) {
    char name[SF_BUS_NAME_MAX];
    struct sf_bus_sub_options so;
    snprintf(name, sizeof name, "%s-%s", durable, suffix[i]);
    sf_bus_sub_options_default(&so);
    so.durable = name;
    so.subject = filters[i];
    if (sf_bus_subscribe(bus, &so, forward, api, &sub[i]) != 0) {
      fprintf(stderr, "smartflow serve: subscribe %s: %s\n", filters[i], sf_bus_errmsg(bus));
      goto done;
    }
  }
  printf("smartflow serve: streaming live records from %s\n", url);
  fflush(stdout);
  while (!sf_app_signals_stop_requested()) {
    for (int i = 0; i < 2; i++) {
      int rc = sf_bus_fetch(sub[i], 256, 100);
      if (rc < 0) {
        fprintf(stderr, "smartflow serve: fetch %s: %s\n", filters[i], sf_bus_errmsg(bus));
        goto done;
      }
    }
  }
  status = 0;
done:
  for (int i = 0; i < 2; i++) sf_bus_sub_close(sub[i]);
  sf_bus_close(bus);
  return status;
}

int sf_cmd_serve(int argc, char **argv) {
  struct sf_api_config cfg;
  sf_api_config_default(&cfg);
  cfg.store_url = "sqlite:" SF_STORE_DEFAULT_SQLITE_PATH;
  cfg.web_root = sf_app_default_web_root();
  static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                       {"listen", required_argument, 0, 'l'},
                                       {"token", required_argument, 0, 't'},
                                       {"cors", required_argument, 0, 'c'},
                                       {"web", required_argument, 0, 'w'},
                                       {"threads", required_argument, 0, 'n'},
                                       {"store", required_argument, 0, 'd'},
                                       {"bus", required_argument, 0, 'b'},
                                       {"namespace", required_argument, 0, 'p'},
                                       {"durable", required_argument, 0, 'u'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  const char *bus_url = NULL, *ns = NULL, *durable = "serve";
  struct sf_args a = {.cmd = "serve", .argc = argc, .argv = argv, .opts = opts, .usage = usage};
  int ch;
  while ((ch = sf_args_next(&a)) != -1) {
    uint64_t n;
    switch (ch) {
      case 'd':
        cfg.store_url = optarg;
        break;
      case 'l':
        cfg.listen = optarg;
        break;
      case 't':
        cfg.token = optarg;
        break;
      case 'c':
        cfg.cors_origins = optarg;
        break;
      case 'w':
        cfg.web_root = optarg;
        break;
      case 'n':
        if (sf_args_u64(&a, 1, MAX_THREADS, &n)) return SF_ARGS_USAGE;
        cfg.threads = (int)n;
        break;
      case 'b':
        bus_url = optarg;
        break;
      case 'p':
        ns = optarg;
        break;
      case 'u':
        durable = optarg;
        break;
      default: /* --help or a usage error, printed */
        return a.status;
    }
  }
  if (sf_args_no_operands(&a)) return SF_ARGS_USAGE;
  struct sf_api *api = NULL;
  int rc = sf_api_start(&cfg, &api);
  if (rc != 0) {
    fprintf(stderr, "smartflow serve: cannot start: %s\n", sf_strerror(rc));
    return 1;
  }
  sf_app_signals_install();
  printf("smartflow serve: http://127.0.0.1:%d/ (store %s)\n", sf_api_port(api), cfg.store_url);
  fflush(stdout);
  int status = 0;
  if (bus_url) {
    status = stream_bus(api, bus_url, ns, durable);
  } else {
    while (!sf_app_signals_stop_requested()) sf_app_signals_wait(500);
  }
  sf_log_info("serve", "shutting down");
  sf_api_stop(api);
  return status;
}
