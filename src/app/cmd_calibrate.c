/* `smartflow calibrate`: fits the engine's per-profile calibration (isotonic regression of the
 * raw score on "this event's true profile is this profile") from smart-money events and the
 * labels of synthetic tapes from fitting seeds, and writes calibration.json in the format of
 * include/smartflow/calibration.h. Never evaluate on the seeds used here (docs/evaluation.md). */
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
          "usage: smartflow calibrate --events EVENTS.jsonl --labels LABELS.jsonl --out calibration.json\n"
          "                           [--seeds 101,102,...] [--minutes M]\n\n"
          "Fits, for each profile, an isotonic (pool-adjacent-violators) map from the engine's raw\n"
          "score (profile_scores[].raw_score, or probability when absent) to the observed rate of\n"
          "that profile being the true one, over every event (noise included), and writes it in\n"
          "the engine's calibration format. --events and --labels are repeatable (one pair per\n"
          "fitting seed); --seeds and --minutes are recorded in \"fitted_on\".\n\n"
          "Exit status: 0 ok, 1 unreadable or invalid input, 2 usage error.\n");
}

int sf_cmd_calibrate(int argc, char **argv) {
  const char *events[MAX_FILES], *labels[MAX_FILES], *out = NULL, *seeds = NULL;
  size_t ne = 0, nl = 0;
  double minutes = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      return 0;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "smartflow calibrate: %s needs a value\n", a);
      return 2;
    }
    const char *v = argv[++i];
    if (!strcmp(a, "--events") && ne < MAX_FILES) {
      events[ne++] = v;
    } else if (!strcmp(a, "--labels") && nl < MAX_FILES) {
      labels[nl++] = v;
    } else if (!strcmp(a, "--out")) {
      out = v;
    } else if (!strcmp(a, "--seeds")) {
      seeds = v;
    } else if (!strcmp(a, "--minutes")) {
      char *end;
      minutes = strtod(v, &end);
      if (*end || !(minutes > 0)) {
        fprintf(stderr, "smartflow calibrate: invalid value for --minutes: '%s'\n", v);
        return 2;
      }
    } else {
      fprintf(stderr, "smartflow calibrate: unknown option %s\n", a);
      usage(stderr);
      return 2;
    }
  }
  if (!ne || !nl || !out) {
    fprintf(stderr, "smartflow calibrate: --events, --labels and --out are required\n");
    return 2;
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
        return 2;
      }
      json_array_append_new(arr, json_integer(v));
      p = *end ? end + 1 : end;
    }
  }
  if (minutes > 0) json_object_set_new(fo, "minutes", json_real(minutes));
  struct sf_eval_set *s;
  if (sf_eval_set_new(&s)) {
    json_decref(fo);
    return 1;
  }
  int status = 1;
  char err[512];
  json_t *doc = NULL;
  for (size_t i = 0; i < nl; i++)
    if (sf_eval_load_labels(s, labels[i], err, sizeof err)) {
      fprintf(stderr, "smartflow calibrate: %s\n", err);
      goto done;
    }
  for (size_t i = 0; i < ne; i++)
    if (sf_eval_load_events(s, events[i], err, sizeof err)) {
      fprintf(stderr, "smartflow calibrate: %s\n", err);
      goto done;
    }
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
