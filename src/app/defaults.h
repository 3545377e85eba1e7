/* Loading of the files the CLI commands share: JSON files, the calibration (the shipped one by
 * default), the rules configuration, the event calendar, the events/labels pairs of `eval` and
 * `calibrate`, and symbol lists. Each loader prints a
 * message naming the file and the problem on stderr and returns non-zero on failure. */
#ifndef SMARTFLOW_APP_DEFAULTS_H
#define SMARTFLOW_APP_DEFAULTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sf_calibration;
struct sf_rules_config;
struct sf_calendar;
struct sf_synth_underlying;
struct sf_eval_set;
struct sf_args;
struct sf_oi_table;

/* Most --events (and --labels) files one command takes. */
#define SF_APP_EVAL_MAX_FILES 64

/* The repeatable --events and --labels files of `eval` and `calibrate` (borrowed from argv). */
struct sf_app_eval_inputs {
  const char *events[SF_APP_EVAL_MAX_FILES];
  const char *labels[SF_APP_EVAL_MAX_FILES];
  size_t events_count, labels_count;
};

/* Reads and parses a JSON file ("-" is not accepted). Returns NULL after printing why. */
json_t *sf_app_load_json_file(const char *what, const char *path);
/* path NULL: the shipped calibration when present (else raw scores, with a note on stderr);
 * "none": raw scores. *out may be NULL on success (no calibration). */
int sf_app_load_calibration(const char *path, struct sf_calibration **out);
/* path NULL: compiled-in defaults (*out NULL). Free with sf_app_rules_free. */
int sf_app_load_rules(const char *path, struct sf_rules_config **out);
void sf_app_rules_free(struct sf_rules_config *r);
/* path NULL: no calendar (*out NULL; event fields are neutral nulls). */
int sf_app_load_calendar(const char *path, struct sf_calendar **out);
/* path NULL: no open interest (*out NULL). A file starting with the DBN or zstd magic is read
 * as DBN statistics, anything else as the CSV form (refdata.h); rejected CSV lines are counted
 * and the first ones shown on stderr, loading goes on. Free with sf_oi_table_free. */
int sf_app_load_oi(const char *path, struct sf_oi_table **out);
/* The engine's oi_lookup (engine.h) over a table: ctx is the const struct sf_oi_table. */
int sf_app_oi_lookup(void *ctx, const char *contract_id, int y, int m, int d, int64_t *oi);
/* Adds optarg to the events (events true) or labels list. Returns 0, or non-zero after printing
 * that option a->name takes at most SF_APP_EVAL_MAX_FILES files. */
int sf_app_eval_inputs_add(struct sf_app_eval_inputs *in, const struct sf_args *a, bool events);
/* Loads every labels file, then every events file, into a new set (free with
 * sf_eval_set_free). Returns 0, or non-zero after printing "smartflow CMD: <why>". */
int sf_app_eval_inputs_load(const char *cmd, const struct sf_app_eval_inputs *in, struct sf_eval_set **out);
/* The web terminal folder to serve by default (the source tree's web/, else ./web), or NULL. */
const char *sf_app_default_web_root(void);
/* Parses "SPY,AAPL" (upper-case letters and digits, no empty item) into default per-symbol
 * parameters; at most cap symbols. Returns 0 or SF_EINVAL. */
int sf_app_parse_underlyings(const char *list, struct sf_synth_underlying *out, size_t cap, size_t *count);

#endif
