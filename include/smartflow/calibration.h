/* Calibration: a per-profile monotone map from the engine's raw score (0..1) to a calibrated
 * probability, fitted by `smartflow calibrate` (isotonic regression) and loaded by the engine.
 *
 * File format (JSON):
 *   {"version": 1, "method": "isotonic",
 *    "fitted_on": {"seeds": [..], "minutes": M, "events": N},      (informational)
 *    "profiles": {"<profile_id>": {"x": [raw scores, strictly increasing],
 *                                  "y": [probabilities, non-decreasing, in 0..1]}, ...}}
 * A raw score maps by linear interpolation between knots, clamped to the end knots. A profile
 * missing from the file maps its raw score unchanged. */
#ifndef SMARTFLOW_CALIBRATION_H
#define SMARTFLOW_CALIBRATION_H

#include <jansson.h>
#include <stddef.h>

struct sf_calibration;

int sf_calibration_from_json(const json_t *j, struct sf_calibration **out, char *errbuf, size_t cap);
void sf_calibration_free(struct sf_calibration *c);
/* Calibrated probability of a raw score for a profile (enum sf_profile). */
double sf_calibration_apply(const struct sf_calibration *c, int profile, double raw);
/* Builds a map from knots (copied). Returns 0, SF_EINVAL (not monotone) or SF_ENOMEM. */
int sf_calibration_set(struct sf_calibration *c, int profile, const double *x, const double *y, size_t n);
int sf_calibration_new_identity(struct sf_calibration **out);
json_t *sf_calibration_to_json(const struct sf_calibration *c);

#endif
