/* Evaluation of smart-money events against the hidden labels of synthetic tapes
 * (PROFILES.md "How it is judged"), and the isotonic calibration fit.
 *
 * Matching: labels are loaded first; each print id belongs to at most one label. An event
 * takes the label that holds the most of its member prints provided that label holds at least
 * half of them (ties go to the label loaded first); otherwise, and when it has no planted print
 * at all, the event is noise. A label no event matched counts as "abstained" in its row of the
 * confusion matrix (the engine said nothing about it).
 *
 * Truth per event: the label's profile, "abstain-expected" when the label's profile is null,
 * "noise" when unmatched. Prediction: the primary profile, or "abstained". Per-profile precision
 * and recall come from that matrix; macro-F1 averages F1 over the profiles that occur as truth
 * or prediction. Brier: mean over events of sum_k (p_k - y_k)^2 with y the one-hot true profile
 * (all zeros for noise and abstain-expected), and its one-vs-rest terms per profile. ECE: 10
 * equal-width bins of the primary's probability on non-abstained events, correctness = primary
 * equals the true profile; ECE = sum_b n_b / N |accuracy_b - confidence_b|. */
#ifndef SMARTFLOW_EVAL_H
#define SMARTFLOW_EVAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "smartflow/record.h"

#define SF_EVAL_ROW_ABSTAIN_EXPECTED SF_PROFILE_COUNT
#define SF_EVAL_ROW_NOISE (SF_PROFILE_COUNT + 1)
#define SF_EVAL_ROWS (SF_PROFILE_COUNT + 2)
#define SF_EVAL_COL_ABSTAINED SF_PROFILE_COUNT
#define SF_EVAL_COLS (SF_PROFILE_COUNT + 1)
#define SF_EVAL_BINS 10

struct sf_eval_label {
  char scenario_id[SF_ID_MAX];
  char family[SF_NAME_MAX];
  int profile;   /* enum sf_profile, or -1 (abstention expected) */
  int direction; /* enum sf_direction */
  bool hard_negative;
  double planted_move_bps;  /* NaN when none */
  int64_t start_ts, end_ts; /* ms */
  size_t matched_events;    /* filled by sf_eval_add_event */
};

struct sf_eval_event {
  char event_id[SF_ID_MAX];
  int64_t ts;    /* ms */
  int primary;   /* enum sf_profile, or -1 */
  int direction; /* primary_direction */
  bool abstained;
  double prob[SF_PROFILE_COUNT]; /* probability per profile (0 when absent) */
  double raw[SF_PROFILE_COUNT];  /* raw_score per profile, or the probability when absent */
  int label;                     /* matched label index, or -1 (noise); filled by sf_eval_add_event */
};

struct sf_eval_set;

int sf_eval_set_new(struct sf_eval_set **out);
void sf_eval_set_free(struct sf_eval_set *s);

/* Adds a label with its member print ids (copied). SF_EDUP (message in err) when a print already
 * belongs to another label. */
int sf_eval_add_label(struct sf_eval_set *s, const struct sf_eval_label *l, const char *const *members,
                      size_t n, char *err, size_t cap);
/* Adds an event, matching it to the labels added so far by its member print ids. */
int sf_eval_add_event(struct sf_eval_set *s, const struct sf_eval_event *e, const char *const *members,
                      size_t n);

/* labels.jsonl (one label object per line, as `smartflow gen` writes). Errors name the file,
 * line and field: SF_EIO, SF_EPARSE, SF_EFIELD, SF_EDUP, SF_ENOMEM. */
int sf_eval_load_labels(struct sf_eval_set *s, const char *path, char *err, size_t cap);
/* Smart-money events: JSONL of envelopes (records of other types are skipped) or of bare
 * smart-money payloads. Reads member_print_ids, primary_profile_id, primary_direction,
 * abstained, source_ts and profile_scores[{profile_id, probability, raw_score?}]. */
int sf_eval_load_events(struct sf_eval_set *s, const char *path, char *err, size_t cap);

size_t sf_eval_label_count(const struct sf_eval_set *s);
size_t sf_eval_event_count(const struct sf_eval_set *s);
const struct sf_eval_label *sf_eval_label_at(const struct sf_eval_set *s, size_t i);
const struct sf_eval_event *sf_eval_event_at(const struct sf_eval_set *s, size_t i);
/* Truth row of an event (0..5 profile, SF_EVAL_ROW_ABSTAIN_EXPECTED, SF_EVAL_ROW_NOISE). */
int sf_eval_event_row(const struct sf_eval_set *s, const struct sf_eval_event *e);

struct sf_eval_bucket {
  double lo, hi;
  size_t n;
  double mean_confidence, accuracy; /* NaN when n == 0 */
};

struct sf_eval_metrics {
  size_t events, labels, labels_missed, noise_events, skipped_records;
  uint64_t confusion[SF_EVAL_ROWS][SF_EVAL_COLS];
  double precision[SF_PROFILE_COUNT], recall[SF_PROFILE_COUNT], f1[SF_PROFILE_COUNT]; /* NaN undefined */
  uint64_t support[SF_PROFILE_COUNT], predicted[SF_PROFILE_COUNT];
  double macro_f1;
  double abstention_rate;          /* abstained events / events */
  double abstention_rate_expected; /* on labels whose answer is abstention (missed labels count) */
  double abstention_rate_noise;    /* on noise events */
  double brier, brier_profile[SF_PROFILE_COUNT];
  double ece;
  size_t ece_events;
  struct sf_eval_bucket buckets[SF_EVAL_BINS];
  size_t hn_events, hn_directional;
  double hn_directional_rate; /* hard-negative events called institutional_directional wrongly */
  size_t direction_events, direction_correct;
  double direction_accuracy;
  size_t econ_events[2];       /* bullish, bearish calls on labels with a planted move */
  double econ_mean_signed_bps; /* mean of planted move x (+1 bullish, -1 bearish) */
  double econ_mean_bps[2];     /* mean planted move under bullish, bearish calls */
  double hours;                /* tape span used for rates */
  size_t noise_alerts;         /* noise events that did not abstain */
  double noise_alerts_per_hour;
};

/* Computes every metric. hours > 0 overrides the span; else, when events came from several files
 * (sf_eval_load_events), the sum of each file's first-to-last event time, since each file is its
 * own tape; else the first to last timestamp seen (events and labels). */
void sf_eval_compute(const struct sf_eval_set *s, double hours, struct sf_eval_metrics *m);
json_t *sf_eval_metrics_to_json(const struct sf_eval_metrics *m);
void sf_eval_print(const struct sf_eval_metrics *m, FILE *out);
/* The reliability diagram and the confusion matrix as one SVG document. Returns 0 or SF_EIO. */
int sf_eval_write_svg(const struct sf_eval_metrics *m, FILE *out);

/* Weighted isotonic regression (pool adjacent violators) of y on x; w may be NULL (unit
 * weights). Writes the fitted step function as knots into kx, ky (capacity 2n; x strictly
 * increasing, y non-decreasing): each pooled block gives a knot at its lowest and highest x.
 * Returns the knot count, 0 for n == 0, or SF_EINVAL for a non-finite input or weight <= 0. */
int sf_isotonic_fit(const double *x, const double *y, const double *w, size_t n, double *kx, double *ky);

/* Fits, per profile, raw score -> P(true profile is this one) over all events, and returns the
 * calibration.h JSON document. fitted_on (borrowed, may be NULL) is copied in as informational
 * provenance. NULL on out-of-memory. */
json_t *sf_eval_fit_calibration(const struct sf_eval_set *s, const json_t *fitted_on);

#endif
