/* `smartflow eval`: scores smart-money events (the engine's output) against the hidden labels
 * of synthetic tapes and reports per-profile precision/recall/F1, macro-F1, the confusion
 * matrix, abstention, Brier score, ECE with reliability buckets, hard negatives called
 * directional, direction accuracy, economic sanity and noise alerts per hour
 * (include/smartflow/eval.h defines each). Several --events/--labels files may be given (one
 * pair per seed); print ids carry their seed, so they never collide. */
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
          "usage: smartflow eval --events EVENTS.jsonl --labels LABELS.jsonl [--json] [--svg FILE]\n\n"
          "Matches smart-money events to the labels of a synthetic tape by member prints (an event\n"
          "takes the label holding at least half of its prints; events without planted prints are\n"
          "noise) and reports per-profile precision, recall and F1, macro-F1, the confusion matrix\n"
          "(rows: true profile, abstain-expected, noise; columns: predicted profile, abstained),\n"
          "abstention rates, Brier score, expected calibration error with 10 reliability bins,\n"
          "hard negatives called directional, direction accuracy, the mean signed planted move per\n"
          "direction call and alerts per hour on noise. See docs/evaluation.md.\n\n"
          "options:\n"
          "  --events FILE   smart-money envelopes (JSONL; other record types are skipped);\n"
          "                  repeatable\n"
          "  --labels FILE   labels.jsonl from `smartflow gen`; repeatable\n"
          "  --hours H       tape length for the noise rate (default: span of the data,\n"
          "                  summed over the --events files)\n"
          "  --json          print the metrics as JSON instead of a table\n"
          "  --svg FILE      write the reliability diagram and confusion matrix as SVG\n"
          "  -h, --help      show this help\n\n"
          "Exit status: 0 ok, 1 unreadable or invalid input, 2 usage error.\n");
}

int sf_cmd_eval(int argc, char **argv) {
  static const struct option opts[] = {{"events", required_argument, 0, 'e'},
                                       {"labels", required_argument, 0, 'l'},
                                       {"hours", required_argument, 0, 'H'},
                                       {"json", no_argument, 0, 'j'},
                                       {"svg", required_argument, 0, 's'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  struct sf_args a = {.cmd = "eval", .argc = argc, .argv = argv, .opts = opts, .usage = usage};
  struct sf_app_eval_inputs in = {0};
  const char *svg = NULL;
  bool as_json = false;
  double hours = 0;
  int ch;
  while ((ch = sf_args_next(&a)) != -1) {
    switch (ch) {
      case 'e':
      case 'l':
        if (sf_app_eval_inputs_add(&in, &a, ch == 'e')) return SF_ARGS_USAGE;
        break;
      case 'H':
        if (sf_args_double(&a, 0, true, HUGE_VAL, &hours)) return SF_ARGS_USAGE;
        break;
      case 'j':
        as_json = true;
        break;
      case 's':
        svg = optarg;
        break;
      default: /* --help or a usage error, printed */
        return a.status;
    }
  }
  if (sf_args_no_operands(&a)) return SF_ARGS_USAGE;
  if (!in.events_count || !in.labels_count) {
    fprintf(stderr, "smartflow eval: --events and --labels are required\n");
    return SF_ARGS_USAGE;
  }
  struct sf_eval_set *s;
  if (sf_app_eval_inputs_load("eval", &in, &s)) return 1;
  int status = 1;
  struct sf_eval_metrics m;
  sf_eval_compute(s, hours, &m);
  if (as_json) {
    json_t *j = sf_eval_metrics_to_json(&m);
    char *text = j ? sf_json_dumps(j, 1) : NULL;
    json_decref(j);
    if (!text) goto done;
    fputs(text, stdout);
    free(text);
  } else {
    sf_eval_print(&m, stdout);
  }
  if (svg) {
    FILE *f = fopen(svg, "wb");
    if (!f || sf_eval_write_svg(&m, f)) {
      fprintf(stderr, "smartflow eval: cannot write %s\n", svg);
      if (f) fclose(f);
      goto done;
    }
    if (fclose(f)) goto done;
  }
  status = 0;
done:
  sf_eval_set_free(s);
  return status;
}
