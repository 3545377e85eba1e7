/* Isotonic calibration: weighted pool-adjacent-violators (Ayer et al. 1955; Barlow et al.
 * 1972) on points sorted by score, ties in x pooled first, and the per-profile fit of an
 * event's raw score to the 0/1 outcome "this event's true profile is this profile" written in
 * calibration.h's JSON format. The fitted function is a step function; it is written as two
 * knots per pooled block (its lowest and highest score), so the engine's linear interpolation
 * between knots only ramps across the gaps between blocks. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "smartflow/err.h"
#include "smartflow/eval.h"

struct pt {
  double x, y, w;
};

static int cmp_pt(const void *a, const void *b) {
  const struct pt *p = a, *q = b;
  return (p->x > q->x) - (p->x < q->x);
}

struct block {
  double xlo, xhi, w, wy;
};

int sf_isotonic_fit(const double *x, const double *y, const double *w, size_t n, double *kx, double *ky) {
  if (n == 0) return 0;
  struct pt *p = malloc(n * sizeof *p);
  struct block *st = malloc(n * sizeof *st);
  int rc = SF_ENOMEM;
  if (!p || !st) goto done;
  rc = SF_EINVAL;
  for (size_t i = 0; i < n; i++) {
    double wi = w ? w[i] : 1.0;
    if (!isfinite(x[i]) || !isfinite(y[i]) || !(wi > 0) || !isfinite(wi)) goto done;
    p[i] = (struct pt){x[i], y[i], wi};
  }
  qsort(p, n, sizeof *p, cmp_pt);
  size_t top = 0;
  for (size_t i = 0; i < n;) {
    struct block b = {p[i].x, p[i].x, 0, 0};
    while (i < n && p[i].x == b.xlo) {
      b.w += p[i].w;
      b.wy += p[i].w * p[i].y;
      i++;
    }
    st[top++] = b;
    /* pool while the previous block's mean exceeds this one's */
    while (top >= 2 && st[top - 2].wy * st[top - 1].w > st[top - 1].wy * st[top - 2].w) {
      st[top - 2].w += st[top - 1].w;
      st[top - 2].wy += st[top - 1].wy;
      st[top - 2].xhi = st[top - 1].xhi;
      top--;
    }
  }
  size_t k = 0;
  for (size_t b = 0; b < top; b++) {
    double v = st[b].wy / st[b].w;
    if (v < 0) v = 0;
    if (v > 1 && v < 1 + 1e-12) v = 1;
    kx[k] = st[b].xlo;
    ky[k++] = v;
    if (st[b].xhi > st[b].xlo) {
      kx[k] = st[b].xhi;
      ky[k++] = v;
    }
  }
  rc = (int)k;
done:
  free(p);
  free(st);
  return rc;
}

json_t *sf_eval_fit_calibration(const struct sf_eval_set *s, const json_t *fitted_on) {
  size_t n = sf_eval_event_count(s);
  double *x = malloc((n ? n : 1) * sizeof *x), *y = malloc((n ? n : 1) * sizeof *y);
  double *kx = malloc((2 * n + 1) * sizeof *kx), *ky = malloc((2 * n + 1) * sizeof *ky);
  json_t *doc = json_object(), *profiles = json_object();
  if (!x || !y || !kx || !ky || !doc || !profiles) goto fail;
  json_object_set_new(doc, "version", json_integer(1));
  json_object_set_new(doc, "method", json_string("isotonic"));
  json_t *fo = fitted_on ? json_deep_copy(fitted_on) : json_object();
  if (!fo) goto fail;
  if (json_is_object(fo) && !json_object_get(fo, "events"))
    json_object_set_new(fo, "events", json_integer((json_int_t)n));
  json_object_set_new(doc, "fitted_on", fo);
  for (int k = 0; k < SF_PROFILE_COUNT; k++) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
      const struct sf_eval_event *e = sf_eval_event_at(s, i);
      x[m] = e->raw[k];
      y[m] = sf_eval_event_row(s, e) == k ? 1.0 : 0.0;
      m++;
    }
    int nk = sf_isotonic_fit(x, y, NULL, m, kx, ky);
    if (nk <= 0) continue; /* no events: the profile keeps its raw score */
    /* A run of knots at one level keeps its ends only: the interpolated map is the same, and
     * tens of thousands of noise events at probability 0 shrink to two knots. */
    int w = 0;
    for (int i = 0; i < nk; i++) {
      bool inner = i > 0 && i + 1 < nk && ky[i - 1] == ky[i] && ky[i + 1] == ky[i];
      if (inner) continue;
      kx[w] = kx[i];
      ky[w++] = ky[i];
    }
    nk = w;
    json_t *p = json_object(), *ax = json_array(), *ay = json_array();
    if (!p || !ax || !ay) {
      json_decref(p);
      json_decref(ax);
      json_decref(ay);
      goto fail;
    }
    for (int i = 0; i < nk; i++) {
      json_array_append_new(ax, json_real(kx[i]));
      json_array_append_new(ay, json_real(ky[i]));
    }
    json_object_set_new(p, "x", ax);
    json_object_set_new(p, "y", ay);
    json_object_set_new(profiles, sf_profile_name(k), p);
  }
  json_object_set_new(doc, "profiles", profiles);
  free(x);
  free(y);
  free(kx);
  free(ky);
  return doc;
fail:
  json_decref(profiles);
  json_decref(doc);
  free(x);
  free(y);
  free(kx);
  free(ky);
  return NULL;
}
