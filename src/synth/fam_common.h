/* Helpers shared by the scenario family builders: time offsets, sweeps and blocks. */
#ifndef SMARTFLOW_SYNTH_FAM_COMMON_H
#define SMARTFLOW_SYNTH_FAM_COMMON_H

#include "smartflow/condition.h"
#include "smartflow/err.h"
#include "smartflow/time.h"
#include "synth/synth_int.h"

static inline int64_t syn_ms(double ms) { return (int64_t)(ms * (double)SF_NS_PER_MS); }
static inline int64_t syn_s(double s) { return (int64_t)(s * (double)SF_NS_PER_S); }

/* Distinct random venues into out[0..n). */
static inline void syn_venue_set(struct sf_synth *g, int *out, int n) {
  int idx[32];
  for (int i = 0; i < syn_venue_count; i++) idx[i] = i;
  for (int i = 0; i < n && i < syn_venue_count; i++) {
    int j = syn_rng_int(&g->rng, i, syn_venue_count - 1);
    int tmp = idx[i];
    idx[i] = idx[j];
    idx[j] = tmp;
    out[i] = idx[i];
  }
}

/* An intermarket sweep: `legs` fills on distinct venues a few ms apart, sizes split at random,
 * the last fill possibly through the quote (edge rule). Returns the time after the last leg. */
static inline int64_t syn_sweep(struct sf_synth *g, int64_t ts, uint32_t ci, int64_t total, int legs,
                                int rule, int edge_rule, uint32_t conds) {
  int venues[32];
  if (legs > 12) legs = 12;
  syn_venue_set(g, venues, legs);
  double w[12], sum = 0;
  for (int i = 0; i < legs; i++) sum += (w[i] = 0.5 + syn_rng_unit(&g->rng));
  int64_t left = total;
  for (int i = 0; i < legs; i++) {
    int64_t sz = i == legs - 1 ? left : (int64_t)((double)total * w[i] / sum);
    if (sz < 1) sz = 1;
    left -= sz;
    int r = (i == legs - 1 && syn_rng_chance(&g->rng, 0.4)) ? edge_rule : rule;
    syn_plan_add(g, ts, ci, sz, r, venues[i], conds, 0);
    ts += syn_ms(syn_rng_range(&g->rng, 0.2, 4.0));
  }
  return ts;
}

/* Contracts for a premium budget at the model mid (at least min_size). */
static inline int64_t syn_size_for_premium(struct sf_synth *g, uint32_t ci, int64_t t, double premium,
                                           int64_t min_size, int64_t max_size) {
  double mid = syn_model_mid(g, &g->cons[ci], t);
  if (mid < 0.05) mid = 0.05;
  int64_t n = (int64_t)(premium / (mid * 100.0));
  if (n < min_size) n = min_size;
  if (n > max_size) n = max_size;
  return n;
}

#endif
