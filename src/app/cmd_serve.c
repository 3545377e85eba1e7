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
#include "app/signals.h"
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
      "  -h, --help       show this help\n",
      SF_STORE_DEFAULT_SQLITE_PATH, MAX_THREADS);
}

int sf_cmd_serve(int argc, char **argv) {
  struct sf_api_config cfg;
  sf_api_config_default(&cfg);
  cfg.store_url = "sqlite:" SF_STORE_DEFAULT_SQLITE_PATH;
  cfg.web_root = sf_app_default_web_root();
  static const struct option opts[] = {
      {"db", required_argument, 0, 'd'},    {"listen", required_argument, 0, 'l'},
      {"token", required_argument, 0, 't'}, {"cors", required_argument, 0, 'c'},
      {"web", required_argument, 0, 'w'},   {"threads", required_argument, 0, 'n'},
      {"help", no_argument, 0, 'h'},        {0, 0, 0, 0}};
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
  while (!sf_app_signals_stop_requested()) sf_app_signals_wait(500);
  sf_log_info("serve", "shutting down");
  sf_api_stop(api);
  return 0;
}
