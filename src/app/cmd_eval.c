/* `smartflow eval`: scores smart-money events (the engine's output) against the hidden labels
 * of synthetic tapes and reports per-profile precision/recall/F1, macro-F1, the confusion
 * matrix, abstention, Brier score, ECE with reliability buckets, hard negatives called
 * directional, direction accuracy, economic sanity and noise alerts per hour
 * (include/smartflow/eval.h defines each). Several --events/--labels files may be given (one
 * pair per seed); print ids carry their seed, so they never collide. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/commands.h"
#include "smartflow/err.h"
#include "smartflow/eval.h"
#include "smartflow/record_json.h"

#define MAX_FILES 64

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
          "  --hours H       tape length for the noise rate (default: span of the data)\n"
          "  --json          print the metrics as JSON instead of a table\n"
          "  --svg FILE      write the reliability diagram and confusion matrix as SVG\n"
          "  -h, --help      show this help\n\n"
          "Exit status: 0 ok, 1 unreadable or invalid input, 2 usage error.\n");
}

int sf_cmd_eval(int argc, char **argv) {
  const char *events[MAX_FILES], *labels[MAX_FILES], *svg = NULL;
  size_t ne = 0, nl = 0;
  bool as_json = false;
  double hours = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      return 0;
    }
    if (!strcmp(a, "--json")) {
      as_json = true;
      continue;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "smartflow eval: %s needs a value\n", a);
      return 2;
    }
    const char *v = argv[++i];
    if (!strcmp(a, "--events") && ne < MAX_FILES) {
      events[ne++] = v;
    } else if (!strcmp(a, "--labels") && nl < MAX_FILES) {
      labels[nl++] = v;
    } else if (!strcmp(a, "--svg")) {
      svg = v;
    } else if (!strcmp(a, "--hours")) {
      char *end;
      hours = strtod(v, &end);
      if (*end || !(hours > 0)) {
        fprintf(stderr, "smartflow eval: invalid value for --hours: '%s'\n", v);
        return 2;
      }
    } else {
      fprintf(stderr, "smartflow eval: unknown option %s\n", a);
      usage(stderr);
      return 2;
    }
  }
  if (!ne || !nl) {
    fprintf(stderr, "smartflow eval: --events and --labels are required\n");
    return 2;
  }
  struct sf_eval_set *s;
  if (sf_eval_set_new(&s)) return 1;
  int status = 1;
  char err[512];
  for (size_t i = 0; i < nl; i++)
    if (sf_eval_load_labels(s, labels[i], err, sizeof err)) {
      fprintf(stderr, "smartflow eval: %s\n", err);
      goto done;
    }
  for (size_t i = 0; i < ne; i++)
    if (sf_eval_load_events(s, events[i], err, sizeof err)) {
      fprintf(stderr, "smartflow eval: %s\n", err);
      goto done;
    }
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
