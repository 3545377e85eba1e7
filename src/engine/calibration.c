/* Calibration maps (calibration.h): per profile, knots x strictly increasing, y non-decreasing
 * in [0, 1]; a raw score maps by linear interpolation, clamped to the end knots. A profile
 * without a map returns the raw score. Parsed from JSON only (no file I/O here). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartflow/calibration.h"
#include "smartflow/err.h"
#include "smartflow/record.h"

struct sf_calmap {
  double *x, *y;
  size_t n;
};

struct sf_calibration {
  struct sf_calmap m[SF_PROFILE_COUNT];
};

int sf_calibration_new_identity(struct sf_calibration **out) {
  *out = calloc(1, sizeof **out);
  return *out ? 0 : SF_ENOMEM;
}

void sf_calibration_free(struct sf_calibration *c) {
  if (!c) return;
  for (int p = 0; p < SF_PROFILE_COUNT; p++) {
    free(c->m[p].x);
    free(c->m[p].y);
  }
  free(c);
}

int sf_calibration_set(struct sf_calibration *c, int profile, const double *x, const double *y, size_t n) {
  if (profile < 0 || profile >= SF_PROFILE_COUNT || n == 0) return SF_EINVAL;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(x[i]) || !isfinite(y[i]) || y[i] < 0 || y[i] > 1) return SF_EINVAL;
    if (i > 0 && (x[i] <= x[i - 1] || y[i] < y[i - 1])) return SF_EINVAL;
  }
  double *nx = malloc(n * sizeof *nx), *ny = malloc(n * sizeof *ny);
  if (!nx || !ny) {
    free(nx);
    free(ny);
    return SF_ENOMEM;
  }
  memcpy(nx, x, n * sizeof *nx);
  memcpy(ny, y, n * sizeof *ny);
  free(c->m[profile].x);
  free(c->m[profile].y);
  c->m[profile].x = nx;
  c->m[profile].y = ny;
  c->m[profile].n = n;
  return 0;
}

double sf_calibration_apply(const struct sf_calibration *c, int profile, double raw) {
  if (!c || profile < 0 || profile >= SF_PROFILE_COUNT || isnan(raw)) return raw;
  const struct sf_calmap *m = &c->m[profile];
  if (!m->n) return raw;
  if (raw <= m->x[0]) return m->y[0];
  if (raw >= m->x[m->n - 1]) return m->y[m->n - 1];
  size_t lo = 0, hi = m->n - 1; /* x[lo] < raw < x[hi] */
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (m->x[mid] <= raw)
      lo = mid;
    else
      hi = mid;
  }
  double t = (raw - m->x[lo]) / (m->x[hi] - m->x[lo]);
  return m->y[lo] + t * (m->y[hi] - m->y[lo]);
}

static int read_knots(const json_t *a, double **out, size_t *n) {
  if (!json_is_array(a) || json_array_size(a) == 0) return SF_EFIELD;
  *n = json_array_size(a);
  *out = malloc(*n * sizeof **out);
  if (!*out) return SF_ENOMEM;
  for (size_t i = 0; i < *n; i++) {
    const json_t *v = json_array_get(a, i);
    if (!json_is_number(v)) return SF_EFIELD;
    (*out)[i] = json_number_value(v);
  }
  return 0;
}

int sf_calibration_from_json(const json_t *j, struct sf_calibration **out, char *errbuf, size_t cap) {
  *out = NULL;
  if (!json_is_object(j)) {
    if (errbuf && cap) snprintf(errbuf, cap, "calibration: must be an object");
    return SF_EFIELD;
  }
  const json_t *ver = json_object_get(j, "version");
  if (ver && (!json_is_integer(ver) || json_integer_value(ver) != 1)) {
    if (errbuf && cap) snprintf(errbuf, cap, "calibration.version: only version 1 is supported");
    return SF_EFIELD;
  }
  const json_t *profiles = json_object_get(j, "profiles");
  if (!json_is_object(profiles)) {
    if (errbuf && cap) snprintf(errbuf, cap, "calibration.profiles: must be an object");
    return SF_EFIELD;
  }
  struct sf_calibration *c;
  int rc = sf_calibration_new_identity(&c);
  if (rc) return rc;
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)(uintptr_t)profiles, key, v) {
    double *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    int p = sf_profile_from_name(key);
    if (p < 0) {
      if (errbuf && cap) snprintf(errbuf, cap, "calibration.profiles.%s: unknown profile", key);
      rc = SF_EFIELD;
    } else if (!json_is_object(v)) {
      if (errbuf && cap)
        snprintf(errbuf, cap, "calibration.profiles.%s: must be an object with x and y", key);
      rc = SF_EFIELD;
    } else if ((rc = read_knots(json_object_get(v, "x"), &x, &nx)) ||
               (rc = read_knots(json_object_get(v, "y"), &y, &ny))) {
      if (rc == SF_EFIELD && errbuf && cap)
        snprintf(errbuf, cap, "calibration.profiles.%s: x and y must be non-empty arrays of numbers", key);
    } else if (nx != ny) {
      if (errbuf && cap) snprintf(errbuf, cap, "calibration.profiles.%s: x and y differ in length", key);
      rc = SF_EFIELD;
    } else if ((rc = sf_calibration_set(c, p, x, y, nx)) == SF_EINVAL) {
      if (errbuf && cap)
        snprintf(errbuf, cap,
                 "calibration.profiles.%s: x must be strictly increasing, y non-decreasing within 0..1", key);
      rc = SF_EFIELD;
    }
    free(x);
    free(y);
    if (rc) {
      sf_calibration_free(c);
      return rc;
    }
  }
  *out = c;
  return 0;
}

json_t *sf_calibration_to_json(const struct sf_calibration *c) {
  json_t *root = json_pack("{s:i, s:s, s:{}}", "version", 1, "method", "isotonic", "profiles");
  if (!root) return NULL;
  json_t *profiles = json_object_get(root, "profiles");
  for (int p = 0; p < SF_PROFILE_COUNT; p++) {
    const struct sf_calmap *m = &c->m[p];
    if (!m->n) continue;
    json_t *x = json_array(), *y = json_array(), *o = json_object();
    if (!x || !y || !o) {
      json_decref(x);
      json_decref(y);
      json_decref(o);
      json_decref(root);
      return NULL;
    }
    for (size_t i = 0; i < m->n; i++) {
      json_array_append_new(x, json_real(m->x[i]));
      json_array_append_new(y, json_real(m->y[i]));
    }
    json_object_set_new(o, "x", x);
    json_object_set_new(o, "y", y);
    json_object_set_new(profiles, sf_profile_name(p), o);
  }
  return root;
}
