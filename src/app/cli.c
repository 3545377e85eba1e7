/* The smartflow command line: `smartflow <subcommand> [options]`. Subcommands are listed in
 * one table; `smartflow help` and `smartflow --help` list them, `smartflow <cmd> --help`
 * documents each one. */
#include <stdio.h>
#include <string.h>

#include "app/commands.h"
#include "smartflow/log.h"
#include "smartflow/version.h"

/* In the order a user meets them: the demo and the server, the engine over a tape, the
 * synthetic data and its scoring, getting and checking real data, then tools. */
/* clang-format off */
const struct sf_command sf_commands[] = {
    {"run", "the live demo: synthetic market, engine, store, API and web terminal", sf_cmd_run},
    {"serve", "serve the REST/WebSocket API and the web terminal over a store (and the bus)", sf_cmd_serve},
    {"compute", "run a tape (or the bus) through the engine: smart-money events, hits and alerts", sf_cmd_compute},
    {"gen", "generate a synthetic market tape with hidden labels (or a paced demo feed)", sf_cmd_gen},
    {"eval", "score smart-money events against a synthetic tape's labels", sf_cmd_eval},
    {"calibrate", "fit per-profile isotonic calibration from events and labels", sf_cmd_calibrate},
    {"import", "convert DBN / CSV / JSONL market data into one time-ordered tape or store", sf_cmd_import},
    {"refdata", "check reference data files (event calendar, open interest)", sf_cmd_refdata},
    {"tape", "inspect JSONL tapes (tape check FILE)", sf_cmd_tape},
    {"contract", "convert option contract ids between canonical and OSI forms", sf_cmd_contract},
    /* Distributed services. */
    {"ingest", "distributed: publish a source (synthetic, tape, dbn, csv) on the bus", sf_cmd_ingest},
    {"replay", "distributed: re-publish stored market data of a time range into the replay namespace",
     sf_cmd_replay},
    {"verify-replay", "re-run the engine over stored market data and compare with the stored events",
     sf_cmd_verify_replay},
    {"export", "write the stored records of a type (and time range) as envelope lines", sf_cmd_export},
    {"bench", "benchmarks (bench engine|api|ws|store)", sf_cmd_bench},
    {NULL, NULL, NULL},
};
/* clang-format on */

void sf_cli_print_version(void) {
  printf("smartflow %s\n", SF_VERSION);
  printf("features: sqlite%s%s\n", SF_HAVE_CLICKHOUSE ? " clickhouse" : "", SF_HAVE_NATS ? " nats" : "");
  if (SF_SANITIZERS[0]) printf("sanitizers: %s\n", SF_SANITIZERS);
}

static void usage(FILE *out) {
  fprintf(out,
          "usage: smartflow <command> [options]\n"
          "       smartflow --version | --help\n\n"
          "smartflow reads US equity-option prints and quotes, rebuilds the parent orders behind\n"
          "them and scores who is behind each one.\n\ncommands:\n");
  for (const struct sf_command *c = sf_commands; c->name; c++)
    fprintf(out, "  %-14s %s\n", c->name, c->summary);
  fprintf(out, "\n`smartflow <command> --help` documents each command.\n");
}

int sf_cli_main(int argc, char **argv) {
  sf_log_init_from_env();
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
    sf_cli_print_version();
    return 0;
  }
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    if (argc >= 3 && strcmp(cmd, "help") == 0) {
      for (const struct sf_command *c = sf_commands; c->name; c++) {
        if (strcmp(c->name, argv[2]) == 0) {
          static char help_flag[] = "--help";
          char *hargv[] = {argv[2], help_flag, NULL};
          return c->run(2, hargv);
        }
      }
    }
    usage(stdout);
    return 0;
  }
  for (const struct sf_command *c = sf_commands; c->name; c++)
    if (strcmp(c->name, cmd) == 0) return c->run(argc - 1, argv + 1);
  fprintf(stderr, "smartflow: unknown command '%s'\n\n", cmd);
  usage(stderr);
  return 2;
}
