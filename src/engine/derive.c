/* The legacy surfaces, derived from a SmartMoneyEvent and never computed apart (PROFILES.md
 * "Outputs"): a ClassifierHitEvent for the primary profile (probability >= hit_min) and for
 * each runner-up at or above hit_runner_up_min, and an AlertEvent when the primary probability
 * is at least alert_min. An abstained event yields neither. Ids are pure functions of the
 * event id: hit_<profile>_<16 hex>, alert_<16 hex>. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"
#include "smartflow/err.h"
#include "smartflow/hash.h"

static void id_hex(const char *event_id, char out[17]) { sf_hash_hex(sf_hash_str(event_id), out); }

static int make_hit(const struct sf_smart_money_event *ev, const struct sf_profile_score *s,
                    struct sf_classifier_hit *h) {
  char hex[17];
  id_hex(ev->event_id, hex);
  h->meta.source_ts = ev->meta.source_ts;
  h->meta.ingest_ts = ev->meta.ingest_ts;
  h->meta.seq = 0;
  snprintf(h->meta.trace_id, sizeof h->meta.trace_id, "hit_%s_%s", sf_profile_name(s->profile), hex);
  snprintf(h->classifier_id, sizeof h->classifier_id, "smart_money_%s", sf_profile_name(s->profile));
  h->confidence = s->probability;
  h->direction = s->direction;
  return sf_strvec_copy(&h->explanations, &s->reasons);
}

int sf_derive_hits(const struct sf_rules_config *rc, const struct sf_smart_money_event *ev,
                   struct sf_classifier_hit *hits) {
  if (ev->abstained || ev->primary_profile < 0) return 0;
  int n = 0;
  for (int i = 0; i < SF_PROFILE_COUNT; i++) {
    const struct sf_profile_score *s = &ev->scores[i];
    double min = i == 0 ? rc->hit_min : rc->hit_runner_up_min;
    if (s->probability < min) continue;
    int rc2 = make_hit(ev, s, &hits[n]);
    if (rc2) return rc2;
    n++;
  }
  return n;
}

int sf_derive_alert(const struct sf_rules_config *rc, const struct sf_smart_money_event *ev,
                    const struct sf_classifier_hit *hits, size_t n_hits, struct sf_alert *a) {
  if (ev->abstained || ev->primary_profile < 0) return 0;
  double p = ev->scores[0].probability;
  if (p < rc->alert_min) return 0;
  char hex[17];
  id_hex(ev->event_id, hex);
  a->meta.source_ts = ev->meta.source_ts;
  a->meta.ingest_ts = ev->meta.ingest_ts;
  a->meta.seq = 0;
  snprintf(a->meta.trace_id, sizeof a->meta.trace_id, "alert_%s", hex);
  a->score = round(100 * p);
  a->severity = (uint8_t)sf_rules_band(rc, p); /* band and severity share low/medium/high */
  a->primary_profile = ev->primary_profile;
  if (n_hits) {
    a->hits = calloc(n_hits, sizeof *a->hits);
    if (!a->hits) return SF_ENOMEM;
    a->hit_count = n_hits;
    for (size_t i = 0; i < n_hits; i++) {
      a->hits[i] = hits[i];
      memset(&a->hits[i].explanations, 0, sizeof a->hits[i].explanations);
      if (sf_strvec_copy(&a->hits[i].explanations, &hits[i].explanations)) return SF_ENOMEM;
    }
  }
  if (sf_strvec_push(&a->evidence_refs, ev->event_id)) return SF_ENOMEM;
  for (size_t i = 0; i < ev->member_print_ids.n; i++)
    if (sf_strvec_push(&a->evidence_refs, ev->member_print_ids.v[i])) return SF_ENOMEM;
  a->profile_scores = calloc(SF_PROFILE_COUNT, sizeof *a->profile_scores);
  if (!a->profile_scores) return SF_ENOMEM;
  a->profile_score_count = SF_PROFILE_COUNT;
  for (int i = 0; i < SF_PROFILE_COUNT; i++) {
    a->profile_scores[i] = ev->scores[i];
    memset(&a->profile_scores[i].reasons, 0, sizeof a->profile_scores[i].reasons);
    if (sf_strvec_copy(&a->profile_scores[i].reasons, &ev->scores[i].reasons)) return SF_ENOMEM;
  }
  return 1;
}
