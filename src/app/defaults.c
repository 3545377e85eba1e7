/* Shared file loaders of the CLI (see defaults.h). */
#include "app/defaults.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "smartflow/calendar.h"
#include "smartflow/calibration.h"
#include "app/args.h"
#include "smartflow/err.h"
#include "smartflow/eval.h"
#include "smartflow/refdata.h"
#include "smartflow/rules.h"
#include "smartflow/synth.h"
#include "smartflow/version.h"

json_t *sf_app_load_json_file(const char *what, const char *path) {
  json_error_t e;
  json_t *j = json_load_file(path, 0, &e);
  if (!j) fprintf(stderr, "smartflow: %s %s: line %d column %d: %s\n", what, path, e.line, e.column, e.text);
  return j;
}

int sf_app_load_calibration(const char *path, struct sf_calibration **out) {
  *out = NULL;
  if (path && strcmp(path, "none") == 0) return 0;
  if (!path) {
    struct stat st;
    if (stat(SF_CALIBRATION_DEFAULT, &st) == 0)
      path = SF_CALIBRATION_DEFAULT;
    else if (stat("calibration/default.json", &st) == 0)
      path = "calibration/default.json";
    else {
      fprintf(stderr, "smartflow: note: no shipped calibration found; probabilities are raw scores\n");
      return 0;
    }
  }
  json_t *j = sf_app_load_json_file("calibration", path);
  if (!j) return 1;
  char why[256] = "";
  int rc = sf_calibration_from_json(j, out, why, sizeof why);
  json_decref(j);
  if (rc) {
    fprintf(stderr, "smartflow: calibration %s: %s\n", path, why[0] ? why : sf_strerror(rc));
    return 1;
  }
  return 0;
}

int sf_app_load_rules(const char *path, struct sf_rules_config **out) {
  *out = NULL;
  if (!path) return 0;
  json_t *j = sf_app_load_json_file("config", path);
  if (!j) return 1;
  struct sf_rules_config *r = malloc(sizeof *r);
  if (!r) {
    json_decref(j);
    return 1;
  }
  sf_rules_config_default(r);
  char why[256] = "";
  int rc = sf_rules_config_from_json(j, r, why, sizeof why);
  json_decref(j);
  if (rc) {
    fprintf(stderr, "smartflow: config %s: %s\n", path, why[0] ? why : sf_strerror(rc));
    free(r);
    return 1;
  }
  *out = r;
  return 0;
}

void sf_app_rules_free(struct sf_rules_config *r) { free(r); }

int sf_app_load_calendar(const char *path, struct sf_calendar **out) {
  *out = NULL;
  if (!path) return 0;
  json_t *j = sf_app_load_json_file("calendar", path);
  if (!j) return 1;
  char why[256] = "";
  int rc = sf_calendar_from_json(j, out, why, sizeof why);
  json_decref(j);
  if (rc) {
    fprintf(stderr, "smartflow: calendar %s: %s\n", path, why[0] ? why : sf_strerror(rc));
    return 1;
  }
  return 0;
}

int sf_app_parse_underlyings(const char *list, struct sf_synth_underlying *out, size_t cap, size_t *count) {
  size_t n = 0;
  const char *p = list;
  for (;;) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    char sym[SF_SYMBOL_MAX];
    if (len == 0 || len >= sizeof sym || n == cap) return SF_EINVAL;
    for (size_t i = 0; i < len; i++)
      if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9'))) return SF_EINVAL;
    memcpy(sym, p, len);
    sym[len] = '\0';
    if (sf_synth_underlying_default(sym, &out[n]) != 0) return SF_EINVAL;
    n++;
    if (!e) break;
    p = e + 1;
  }
  *count = n;
  return 0;
}

int sf_app_eval_inputs_add(struct sf_app_eval_inputs *in, const struct sf_args *a, bool events) {
  size_t *n = events ? &in->events_count : &in->labels_count;
  if (*n == SF_APP_EVAL_MAX_FILES) {
    fprintf(stderr, "smartflow %s: --%s is given more than %d times\n", a->cmd, a->name,
            SF_APP_EVAL_MAX_FILES);
    return 1;
  }
  (events ? in->events : in->labels)[(*n)++] = optarg;
  return 0;
}

int sf_app_eval_inputs_load(const char *cmd, const struct sf_app_eval_inputs *in, struct sf_eval_set **out) {
  struct sf_eval_set *s = NULL;
  char err[512];
  *out = NULL;
  if (sf_eval_set_new(&s)) {
    fprintf(stderr, "smartflow %s: out of memory\n", cmd);
    return 1;
  }
  for (size_t i = 0; i < in->labels_count; i++)
    if (sf_eval_load_labels(s, in->labels[i], err, sizeof err)) goto fail;
  for (size_t i = 0; i < in->events_count; i++)
    if (sf_eval_load_events(s, in->events[i], err, sizeof err)) goto fail;
  *out = s;
  return 0;
fail:
  fprintf(stderr, "smartflow %s: %s\n", cmd, err);
  sf_eval_set_free(s);
  return 1;
}

const char *sf_app_default_web_root(void) {
  struct stat st;
  if (stat(SF_WEB_ROOT_DEFAULT "/index.html", &st) == 0) return SF_WEB_ROOT_DEFAULT;
  if (stat("web/index.html", &st) == 0) return "web";
  return NULL;
}

int sf_app_load_oi(const char *path, struct sf_oi_table **out) {
  *out = NULL;
  if (!path) return 0;
  unsigned char magic[4] = {0};
  size_t m = 0;
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "smartflow: open interest %s: cannot open\n", path);
    return 1;
  }
  m = fread(magic, 1, sizeof magic, f);
  fclose(f);
  bool dbn = (m >= 3 && memcmp(magic, "DBN", 3) == 0) ||
             (m == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd);
  struct sf_oi_table *t = NULL;
  struct sf_oi_load_report *rep = calloc(1, sizeof *rep);
  char err[512] = "";
  int rc = rep ? sf_oi_table_new(&t) : SF_ENOMEM;
  if (rc == 0)
    rc = dbn ? sf_oi_table_load_dbn(t, path, rep, err, sizeof err)
             : sf_oi_table_load_csv(t, path, rep, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "smartflow: open interest %s: %s\n", path, err[0] ? err : sf_strerror(rc));
    goto fail;
  }
  for (size_t i = 0; i < rep->message_count; i++)
    fprintf(stderr, "smartflow: open interest %s: %s\n", path, rep->messages[i]);
  if (rep->rejected)
    fprintf(stderr, "smartflow: open interest %s: %llu lines rejected\n", path,
            (unsigned long long)rep->rejected);
  if (sf_oi_table_rows(t) == 0) fprintf(stderr, "smartflow: note: open interest %s holds no rows\n", path);
  free(rep);
  *out = t;
  return 0;
fail:
  free(rep);
  sf_oi_table_free(t);
  return 1;
}

int sf_app_oi_lookup(void *ctx, const char *contract_id, int y, int m, int d, int64_t *oi) {
  return sf_oi_lookup(ctx, contract_id, y, m, d, oi);
}
