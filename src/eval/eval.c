/* Loading labels and smart-money events, matching events to labels by member prints, and the
 * metrics of include/smartflow/eval.h. The print-id index is an open-addressing hash table
 * (FNV/splitmix, linear probing) from print id to label index. Events are matched as they are
 * added, so labels must be loaded first; an event keeps only its match, not its print ids. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartflow/err.h"
#include "smartflow/eval.h"
#include "smartflow/hash.h"

struct sf_eval_set {
  struct sf_eval_label *labels;
  size_t nlabels, caplabels;
  struct sf_eval_event *events;
  size_t nevents, capevents;
  char **keys; /* print id -> label */
  int32_t *vals;
  size_t capkeys, nkeys;
  size_t skipped;
  int64_t span_ms; /* sum over the events files loaded of each file's first-to-last event time */
  size_t span_files;
};

int sf_eval_set_new(struct sf_eval_set **out) {
  *out = calloc(1, sizeof **out);
  return *out ? 0 : SF_ENOMEM;
}

void sf_eval_set_free(struct sf_eval_set *s) {
  if (!s) return;
  for (size_t i = 0; i < s->capkeys; i++) free(s->keys[i]);
  free(s->keys);
  free(s->vals);
  free(s->labels);
  free(s->events);
  free(s);
}

static size_t slot_of(const struct sf_eval_set *s, const char *key) {
  size_t mask = s->capkeys - 1, i = (size_t)sf_hash_str(key) & mask;
  while (s->keys[i] && strcmp(s->keys[i], key) != 0) i = (i + 1) & mask;
  return i;
}

static int lookup(const struct sf_eval_set *s, const char *key) {
  if (!s->capkeys) return -1;
  size_t i = slot_of(s, key);
  return s->keys[i] ? s->vals[i] : -1;
}

static int grow_keys(struct sf_eval_set *s) {
  size_t ncap = s->capkeys ? s->capkeys * 2 : 4096;
  char **ok = s->keys;
  int32_t *ov = s->vals;
  size_t ocap = s->capkeys;
  s->keys = calloc(ncap, sizeof *s->keys);
  s->vals = calloc(ncap, sizeof *s->vals);
  if (!s->keys || !s->vals) {
    free(s->keys);
    free(s->vals);
    s->keys = ok;
    s->vals = ov;
    return SF_ENOMEM;
  }
  s->capkeys = ncap;
  for (size_t i = 0; i < ocap; i++) {
    if (!ok[i]) continue;
    size_t j = slot_of(s, ok[i]);
    s->keys[j] = ok[i];
    s->vals[j] = ov[i];
  }
  free(ok);
  free(ov);
  return 0;
}

int sf_eval_add_label(struct sf_eval_set *s, const struct sf_eval_label *l, const char *const *members,
                      size_t n, char *err, size_t cap) {
  if (s->nlabels == s->caplabels) {
    size_t nc = s->caplabels ? s->caplabels * 2 : 256;
    struct sf_eval_label *p = realloc(s->labels, nc * sizeof *p);
    if (!p) return SF_ENOMEM;
    s->labels = p;
    s->caplabels = nc;
  }
  int32_t idx = (int32_t)s->nlabels;
  for (size_t i = 0; i < n; i++) {
    if ((s->nkeys + 1) * 2 > s->capkeys && grow_keys(s)) return SF_ENOMEM;
    size_t j = slot_of(s, members[i]);
    if (s->keys[j]) {
      if (s->vals[j] == idx) continue; /* listed twice in one label */
      snprintf(err, cap, "print %s is in label %s and in label %s", members[i],
               s->labels[s->vals[j]].scenario_id, l->scenario_id);
      return SF_EDUP;
    }
    if (!(s->keys[j] = strdup(members[i]))) return SF_ENOMEM;
    s->vals[j] = idx;
    s->nkeys++;
  }
  s->labels[s->nlabels] = *l;
  s->labels[s->nlabels].matched_events = 0;
  s->nlabels++;
  return 0;
}

int sf_eval_add_event(struct sf_eval_set *s, const struct sf_eval_event *e, const char *const *members,
                      size_t n) {
  if (s->nevents == s->capevents) {
    size_t nc = s->capevents ? s->capevents * 2 : 1024;
    struct sf_eval_event *p = realloc(s->events, nc * sizeof *p);
    if (!p) return SF_ENOMEM;
    s->events = p;
    s->capevents = nc;
  }
  /* Count member prints per label; events have few distinct labels, so a short list will do. */
  int lab[64];
  size_t cnt[64], nl = 0;
  for (size_t i = 0; i < n; i++) {
    int l = lookup(s, members[i]);
    if (l < 0) continue;
    size_t k = 0;
    while (k < nl && lab[k] != l) k++;
    if (k == nl) {
      if (nl == 64) continue;
      lab[nl] = l;
      cnt[nl++] = 0;
    }
    cnt[k]++;
  }
  int best = -1;
  size_t best_n = 0;
  for (size_t k = 0; k < nl; k++)
    if (cnt[k] > best_n || (cnt[k] == best_n && lab[k] < best)) {
      best = lab[k];
      best_n = cnt[k];
    }
  struct sf_eval_event *d = &s->events[s->nevents++];
  *d = *e;
  d->label = (best >= 0 && best_n * 2 >= n) ? best : -1;
  if (d->label >= 0) s->labels[d->label].matched_events++;
  return 0;
}

size_t sf_eval_label_count(const struct sf_eval_set *s) { return s->nlabels; }
size_t sf_eval_event_count(const struct sf_eval_set *s) { return s->nevents; }
const struct sf_eval_label *sf_eval_label_at(const struct sf_eval_set *s, size_t i) { return &s->labels[i]; }
const struct sf_eval_event *sf_eval_event_at(const struct sf_eval_set *s, size_t i) { return &s->events[i]; }

static int label_row(const struct sf_eval_label *l) {
  return l->profile >= 0 ? l->profile : SF_EVAL_ROW_ABSTAIN_EXPECTED;
}

int sf_eval_event_row(const struct sf_eval_set *s, const struct sf_eval_event *e) {
  return e->label < 0 ? SF_EVAL_ROW_NOISE : label_row(&s->labels[e->label]);
}

/* ---- loading ---- */
static int read_lines(const char *path, int (*fn)(void *, json_t *, uint64_t, char *, size_t), void *ctx,
                      char *err, size_t cap) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f) {
    snprintf(err, cap, "%s: %s", path, strerror(errno));
    return SF_EIO;
  }
  char *line = NULL;
  size_t lcap = 0;
  ssize_t len;
  uint64_t lineno = 0;
  int rc = 0;
  char why[256];
  while ((len = getline(&line, &lcap, f)) >= 0) {
    lineno++;
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
    if (len == 0) continue;
    json_error_t jerr;
    json_t *j = json_loadb(line, (size_t)len, 0, &jerr);
    if (!j) {
      snprintf(err, cap, "%s:%llu:%d: %s", path, (unsigned long long)lineno, jerr.column, jerr.text);
      rc = SF_EPARSE;
      break;
    }
    why[0] = '\0';
    rc = fn(ctx, j, lineno, why, sizeof why);
    json_decref(j);
    if (rc) {
      snprintf(err, cap, "%s:%llu: %s", path, (unsigned long long)lineno, why);
      break;
    }
  }
  if (rc == 0 && ferror(f)) {
    snprintf(err, cap, "%s: read error", path);
    rc = SF_EIO;
  }
  free(line);
  if (f != stdin) fclose(f);
  return rc;
}

static int get_ids(json_t *arr, const char ***out, size_t *n, const char *field, char *why, size_t cap) {
  if (!json_is_array(arr)) {
    snprintf(why, cap, "%s: must be an array of print ids", field);
    return SF_EFIELD;
  }
  *n = json_array_size(arr);
  *out = malloc((*n ? *n : 1) * sizeof **out);
  if (!*out) return SF_ENOMEM;
  for (size_t i = 0; i < *n; i++) {
    const char *id = json_string_value(json_array_get(arr, i));
    if (!id || !id[0]) {
      snprintf(why, cap, "%s[%zu]: must be a non-empty string", field, i);
      free(*out);
      *out = NULL;
      return SF_EFIELD;
    }
    (*out)[i] = id;
  }
  return 0;
}

static int copy_str(json_t *o, const char *field, char *dst, size_t cap, bool required, char *why,
                    size_t wcap) {
  json_t *v = json_object_get(o, field);
  if (!v || json_is_null(v)) {
    if (!required) return 0;
    snprintf(why, wcap, "%s: missing", field);
    return SF_EFIELD;
  }
  const char *s = json_string_value(v);
  if (!s || strlen(s) >= cap) {
    snprintf(why, wcap, "%s: must be a string shorter than %zu bytes", field, cap);
    return SF_EFIELD;
  }
  memcpy(dst, s, strlen(s) + 1);
  return 0;
}

struct load_ctx {
  struct sf_eval_set *s;
};

static int one_label(void *ctx, json_t *j, uint64_t lineno, char *why, size_t cap) {
  struct sf_eval_set *s = ((struct load_ctx *)ctx)->s;
  (void)lineno;
  if (!json_is_object(j)) {
    snprintf(why, cap, "a label must be a JSON object");
    return SF_EFIELD;
  }
  struct sf_eval_label l;
  memset(&l, 0, sizeof l);
  int rc;
  if ((rc = copy_str(j, "scenario_id", l.scenario_id, sizeof l.scenario_id, true, why, cap))) return rc;
  if ((rc = copy_str(j, "family", l.family, sizeof l.family, false, why, cap))) return rc;
  json_t *p = json_object_get(j, "profile_id");
  if (!p) {
    snprintf(why, cap, "profile_id: missing (null when abstention is expected)");
    return SF_EFIELD;
  }
  l.profile = json_is_null(p) ? -1 : sf_profile_from_name(json_string_value(p) ? json_string_value(p) : "");
  if (!json_is_null(p) && l.profile < 0) {
    snprintf(why, cap, "profile_id: unknown profile");
    return SF_EFIELD;
  }
  json_t *d = json_object_get(j, "direction");
  l.direction = SF_DIR_UNKNOWN;
  if (d && !json_is_null(d)) {
    int dir = json_string_value(d) ? sf_direction_from_name(json_string_value(d)) : -1;
    if (dir < 0) {
      snprintf(why, cap, "direction: unknown direction");
      return SF_EFIELD;
    }
    l.direction = dir;
  }
  json_t *hn = json_object_get(j, "hard_negative");
  if (hn && !json_is_boolean(hn)) {
    snprintf(why, cap, "hard_negative: must be a boolean");
    return SF_EFIELD;
  }
  l.hard_negative = json_is_true(hn);
  json_t *mv = json_object_get(j, "planted_move_bps");
  if (mv && !json_is_null(mv) && !json_is_number(mv)) {
    snprintf(why, cap, "planted_move_bps: must be a number or null");
    return SF_EFIELD;
  }
  l.planted_move_bps = mv && json_is_number(mv) ? json_number_value(mv) : SF_NULL;
  json_t *st = json_object_get(j, "start_ts"), *en = json_object_get(j, "end_ts");
  l.start_ts = json_is_integer(st) ? json_integer_value(st) : SF_TS_NULL;
  l.end_ts = json_is_integer(en) ? json_integer_value(en) : l.start_ts;
  const char **ids;
  size_t n;
  if ((rc = get_ids(json_object_get(j, "member_print_ids"), &ids, &n, "member_print_ids", why, cap)))
    return rc;
  rc = sf_eval_add_label(s, &l, ids, n, why, cap);
  if (rc == SF_ENOMEM) snprintf(why, cap, "out of memory");
  free(ids);
  return rc;
}

int sf_eval_load_labels(struct sf_eval_set *s, const char *path, char *err, size_t cap) {
  struct load_ctx c = {s};
  return read_lines(path, one_label, &c, err, cap);
}

static int one_event(void *ctx, json_t *j, uint64_t lineno, char *why, size_t cap) {
  struct sf_eval_set *s = ((struct load_ctx *)ctx)->s;
  (void)lineno;
  if (!json_is_object(j)) {
    snprintf(why, cap, "a line must be a JSON object");
    return SF_EFIELD;
  }
  json_t *type = json_object_get(j, "type"), *p = j;
  if (type) {
    if (!json_is_string(type)) {
      snprintf(why, cap, "type: must be a string");
      return SF_EFIELD;
    }
    if (strcmp(json_string_value(type), "smart-money") != 0) {
      s->skipped++;
      return 0;
    }
    p = json_object_get(j, "payload");
    if (!json_is_object(p)) {
      snprintf(why, cap, "payload: must be an object");
      return SF_EFIELD;
    }
  }
  struct sf_eval_event e;
  memset(&e, 0, sizeof e);
  int rc;
  if ((rc = copy_str(p, "event_id", e.event_id, sizeof e.event_id, false, why, cap))) return rc;
  json_t *ts = json_object_get(p, "source_ts");
  e.ts = json_is_integer(ts) ? json_integer_value(ts) : SF_TS_NULL;
  json_t *ab = json_object_get(p, "abstained");
  if (!json_is_boolean(ab)) {
    snprintf(why, cap, "abstained: missing or not a boolean");
    return SF_EFIELD;
  }
  e.abstained = json_is_true(ab);
  json_t *pp = json_object_get(p, "primary_profile_id");
  e.primary = -1;
  if (pp && !json_is_null(pp)) {
    e.primary = json_string_value(pp) ? sf_profile_from_name(json_string_value(pp)) : -1;
    if (e.primary < 0) {
      snprintf(why, cap, "primary_profile_id: unknown profile");
      return SF_EFIELD;
    }
  }
  json_t *pd = json_object_get(p, "primary_direction");
  e.direction = SF_DIR_UNKNOWN;
  if (pd && !json_is_null(pd)) {
    int d = json_string_value(pd) ? sf_direction_from_name(json_string_value(pd)) : -1;
    if (d < 0) {
      snprintf(why, cap, "primary_direction: unknown direction");
      return SF_EFIELD;
    }
    e.direction = d;
  }
  json_t *scores = json_object_get(p, "profile_scores");
  if (!json_is_array(scores)) {
    snprintf(why, cap, "profile_scores: missing or not an array");
    return SF_EFIELD;
  }
  for (size_t i = 0; i < json_array_size(scores); i++) {
    json_t *sc = json_array_get(scores, i);
    const char *name = json_string_value(json_object_get(sc, "profile_id"));
    int prof = name ? sf_profile_from_name(name) : -1;
    json_t *pr = json_object_get(sc, "probability"), *raw = json_object_get(sc, "raw_score");
    if (prof < 0 || !json_is_number(pr) || !(json_number_value(pr) >= 0 && json_number_value(pr) <= 1)) {
      snprintf(why, cap, "profile_scores[%zu]: needs a known profile_id and a probability in [0,1]", i);
      return SF_EFIELD;
    }
    e.prob[prof] = json_number_value(pr);
    e.raw[prof] = json_is_number(raw) ? json_number_value(raw) : e.prob[prof];
  }
  const char **ids;
  size_t n;
  if ((rc = get_ids(json_object_get(p, "member_print_ids"), &ids, &n, "member_print_ids", why, cap)))
    return rc;
  rc = sf_eval_add_event(s, &e, ids, n);
  if (rc) snprintf(why, cap, "out of memory");
  free(ids);
  return rc;
}

int sf_eval_load_events(struct sf_eval_set *s, const char *path, char *err, size_t cap) {
  struct load_ctx c = {s};
  size_t first = s->nevents;
  int rc = read_lines(path, one_event, &c, err, cap);
  if (rc) return rc;
  /* Each file is its own tape: several one-hour tapes of the same session are several hours. */
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (size_t i = first; i < s->nevents; i++) {
    int64_t ts = s->events[i].ts;
    if (ts == SF_TS_NULL) continue;
    if (ts < lo) lo = ts;
    if (ts > hi) hi = ts;
  }
  if (hi > lo) {
    s->span_ms += hi - lo;
    s->span_files++;
  }
  return 0;
}

/* ---- metrics ---- */
static double ratio(double a, double b) { return b > 0 ? a / b : SF_NULL; }

void sf_eval_compute(const struct sf_eval_set *s, double hours, struct sf_eval_metrics *m) {
  memset(m, 0, sizeof *m);
  m->events = s->nevents;
  m->labels = s->nlabels;
  m->skipped_records = s->skipped;
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  double bsum = 0, bprof[SF_PROFILE_COUNT] = {0};
  double conf_sum[SF_EVAL_BINS] = {0}, corr_sum[SF_EVAL_BINS] = {0};
  size_t abst = 0, hn_n = 0;
  double econ_sum = 0, econ_dir[2] = {0};
  for (size_t i = 0; i < s->nevents; i++) {
    const struct sf_eval_event *e = &s->events[i];
    int row = sf_eval_event_row(s, e);
    bool abstained = e->abstained || e->primary < 0;
    int col = abstained ? SF_EVAL_COL_ABSTAINED : e->primary;
    m->confusion[row][col]++;
    if (e->ts != SF_TS_NULL) {
      if (e->ts < lo) lo = e->ts;
      if (e->ts > hi) hi = e->ts;
    }
    if (abstained) abst++;
    if (row == SF_EVAL_ROW_NOISE) {
      m->noise_events++;
      if (!abstained) m->noise_alerts++;
    }
    double sum = 0;
    for (int k = 0; k < SF_PROFILE_COUNT; k++) {
      double d = e->prob[k] - (row == k ? 1.0 : 0.0);
      sum += d * d;
      bprof[k] += d * d;
    }
    bsum += sum;
    if (!abstained) {
      double c = e->prob[e->primary];
      int b = (int)floor(c * SF_EVAL_BINS);
      if (b >= SF_EVAL_BINS) b = SF_EVAL_BINS - 1;
      if (b < 0) b = 0;
      m->buckets[b].n++;
      conf_sum[b] += c;
      corr_sum[b] += row == e->primary ? 1.0 : 0.0;
      m->ece_events++;
    }
    if (e->label < 0) continue;
    const struct sf_eval_label *l = &s->labels[e->label];
    if (l->hard_negative) {
      hn_n++;
      if (!abstained && e->primary == SF_PROFILE_INSTITUTIONAL_DIRECTIONAL &&
          l->profile != SF_PROFILE_INSTITUTIONAL_DIRECTIONAL)
        m->hn_directional++;
    }
    if (!abstained && (l->direction == SF_DIR_BULLISH || l->direction == SF_DIR_BEARISH ||
                       l->direction == SF_DIR_NEUTRAL)) {
      m->direction_events++;
      if (e->direction == l->direction) m->direction_correct++;
    }
    if (!abstained && !isnan(l->planted_move_bps) &&
        (e->direction == SF_DIR_BULLISH || e->direction == SF_DIR_BEARISH)) {
      int k = e->direction == SF_DIR_BULLISH ? 0 : 1;
      m->econ_events[k]++;
      econ_dir[k] += l->planted_move_bps;
      econ_sum += k == 0 ? l->planted_move_bps : -l->planted_move_bps;
    }
  }
  for (size_t i = 0; i < s->nlabels; i++) {
    const struct sf_eval_label *l = &s->labels[i];
    if (l->start_ts != SF_TS_NULL && l->start_ts < lo) lo = l->start_ts;
    if (l->end_ts != SF_TS_NULL && l->end_ts > hi) hi = l->end_ts;
    if (l->matched_events == 0) {
      m->labels_missed++;
      m->confusion[label_row(l)][SF_EVAL_COL_ABSTAINED]++;
    }
  }
  /* per profile */
  double f1_sum = 0;
  int f1_n = 0;
  for (int k = 0; k < SF_PROFILE_COUNT; k++) {
    uint64_t row = 0, col = 0;
    for (int c = 0; c < SF_EVAL_COLS; c++) row += m->confusion[k][c];
    for (int r = 0; r < SF_EVAL_ROWS; r++) col += m->confusion[r][k];
    m->support[k] = row;
    m->predicted[k] = col;
    m->precision[k] = ratio((double)m->confusion[k][k], (double)col);
    m->recall[k] = ratio((double)m->confusion[k][k], (double)row);
    double p = m->precision[k], r = m->recall[k];
    m->f1[k] = (isnan(p) || isnan(r)) ? SF_NULL : (p + r > 0 ? 2 * p * r / (p + r) : 0.0);
    if (row || col) {
      f1_sum += isnan(m->f1[k]) ? 0.0 : m->f1[k];
      f1_n++;
    }
  }
  m->macro_f1 = f1_n ? f1_sum / f1_n : SF_NULL;
  m->abstention_rate = ratio((double)abst, (double)s->nevents);
  uint64_t ae = 0;
  for (int c = 0; c < SF_EVAL_COLS; c++) ae += m->confusion[SF_EVAL_ROW_ABSTAIN_EXPECTED][c];
  m->abstention_rate_expected =
      ratio((double)m->confusion[SF_EVAL_ROW_ABSTAIN_EXPECTED][SF_EVAL_COL_ABSTAINED], (double)ae);
  m->abstention_rate_noise = ratio((double)(m->noise_events - m->noise_alerts), (double)m->noise_events);
  m->brier = ratio(bsum, (double)s->nevents);
  for (int k = 0; k < SF_PROFILE_COUNT; k++) m->brier_profile[k] = ratio(bprof[k], (double)s->nevents);
  double ece = 0;
  for (int b = 0; b < SF_EVAL_BINS; b++) {
    struct sf_eval_bucket *bk = &m->buckets[b];
    bk->lo = (double)b / SF_EVAL_BINS;
    bk->hi = (double)(b + 1) / SF_EVAL_BINS;
    bk->mean_confidence = ratio(conf_sum[b], (double)bk->n);
    bk->accuracy = ratio(corr_sum[b], (double)bk->n);
    if (bk->n) ece += (double)bk->n / (double)m->ece_events * fabs(bk->accuracy - bk->mean_confidence);
  }
  m->ece = m->ece_events ? ece : SF_NULL;
  m->hn_events = hn_n;
  m->hn_directional_rate = ratio((double)m->hn_directional, (double)hn_n);
  m->direction_accuracy = ratio((double)m->direction_correct, (double)m->direction_events);
  size_t econ_n = m->econ_events[0] + m->econ_events[1];
  m->econ_mean_signed_bps = ratio(econ_sum, (double)econ_n);
  m->econ_mean_bps[0] = ratio(econ_dir[0], (double)m->econ_events[0]);
  m->econ_mean_bps[1] = ratio(econ_dir[1], (double)m->econ_events[1]);
  if (hours > 0)
    m->hours = hours;
  else if (s->span_files > 1)
    m->hours = (double)s->span_ms / 3.6e6;
  else
    m->hours = hi > lo ? (double)(hi - lo) / 3.6e6 : SF_NULL;
  m->noise_alerts_per_hour = ratio((double)m->noise_alerts, m->hours);
}
