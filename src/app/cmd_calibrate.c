/* `smartflow calibrate`: fits the engine's per-profile calibration (isotonic regression of the
 * raw score on "this event's true profile is this profile") from smart-money events and the
 * labels of synthetic tapes from fitting seeds, and writes calibration.json in the format of
 * include/smartflow/calibration.h. Never evaluate on the seeds used here (docs/evaluation.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/args.h"
#include "app/commands.h"
#include "app/defaults.h"
#include "smartflow/err.h"
#include "smartflow/eval.h"
#include "smartflow/record_json.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: smartflow calibrate --events EVENTS.jsonl --labels LABELS.jsonl --out calibration.json\n"
          "                           [--seeds 101,102,...] [--minutes M]\n\n"
          "Fits, for each profile, an isotonic (pool-adjacent-violators) map from the engine's raw\n"
          "score (profile_scores[].raw_score, or probability when absent) to the observed rate of\n"
          "that profile being the true one, over every event (noise included), and writes it in\n"
          "the engine's calibration format. --events and --labels are repeatable (one pair per\n"
          "fitting seed); --seeds and --minutes are recorded in \"fitted_on\".\n\n"
          "options:\n"
          "  --events FILE   smart-money envelopes (JSONL); repeatable\n"
          "  --labels FILE   labels.jsonl from `smartflow gen`; repeatable\n"
          "  --out FILE      the calibration JSON to write (required)\n"
          "  --seeds LIST    comma list of the fitting seeds, recorded\n"
          "  --minutes M     tape length per seed, recorded\n"
          "  -h, --help      show this help\n\n"
          "Exit status: 0 ok, 1 unreadable or invalid input, 2 usage error.\n");
}

int sf_cmd_calibrate(int argc, char **argv) {
  static const struct option opts[] = {{"events", required_argument, 0, 'e'},
                                       {"labels", required_argument, 0, 'l'},
                                       {"out", required_argument, 0, 'o'},
                                       {"seeds", required_argument, 0, 's'},
                                       {"minutes", required_argument, 0, 'm'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  struct sf_args a = {.cmd = "calibrate", .argc = argc, .argv = argv, .opts = opts, .usage = usage};
  struct sf_app_eval_inputs in = {0};
  const char *out = NULL, *seeds = NULL;
  double minutes = 0;
  int ch;
  while ((ch = sf_args_next(&a)) != -1) {
    switch (ch) {
      case 'e':
      case 'l':
        if (sf_app_eval_inputs_add(&in, &a, ch == 'e')) return SF_ARGS_USAGE;
        break;
      case 'o':
        out = optarg;
        break;
      case 's':
        seeds = optarg;
        break;
      case 'm':
        if (sf_args_double(&a, 0, true, HUGE_VAL, &minutes)) return SF_ARGS_USAGE;
        break;
      default: /* --help or a usage error, printed */
        return a.status;
    }
  }
  if (sf_args_no_operands(&a)) return SF_ARGS_USAGE;
  if (!in.events_count || !in.labels_count || !out) {
    fprintf(stderr, "smartflow calibrate: --events, --labels and --out are required\n");
    return SF_ARGS_USAGE;
  }
  json_t *fo = json_object();
  if (!fo) return 1;
  if (seeds) {
    json_t *arr = json_array();
    json_object_set_new(fo, "seeds", arr);
    for (const char *p = seeds; *p;) {
      char *end;
      long long v = strtoll(p, &end, 10);
      if (end == p || (*end && *end != ',')) {
        fprintf(stderr, "smartflow calibrate: invalid --seeds list '%s'\n", seeds);
        json_decref(fo);
        return SF_ARGS_USAGE;
      }
      json_array_append_new(arr, json_integer(v));
      p = *end ? end + 1 : end;
    }
  }
  if (minutes > 0) json_object_set_new(fo, "minutes", json_real(minutes));
  struct sf_eval_set *s;
  if (sf_app_eval_inputs_load("calibrate", &in, &s)) {
    json_decref(fo);
    return 1;
  }
  int status = 1;
  json_t *doc = NULL;
  if (sf_eval_event_count(s) == 0) {
    fprintf(stderr, "smartflow calibrate: no smart-money events in the input\n");
    goto done;
  }
  doc = sf_eval_fit_calibration(s, fo);
  if (!doc || json_dump_file(doc, out, JSON_INDENT(1) | JSON_REAL_PRECISION(17)) != 0) {
    fprintf(stderr, "smartflow calibrate: cannot write %s\n", out);
    goto done;
  }
  fprintf(stderr, "smartflow calibrate: %zu events, %zu labels -> %s\n", sf_eval_event_count(s),
          sf_eval_label_count(s), out);
  status = 0;
done:
  json_decref(doc);
  json_decref(fo);
  sf_eval_set_free(s);
  return status;
}
