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

void sf_derive_hex(const char *event_id, char out[17]) { sf_hash_hex(sf_hash_str(event_id), out); }

/* out = a b c, truncated to cap - 1 bytes like snprintf. */
static void cat3(char *out, size_t cap, const char *a, const char *b, const char *c) {
  const char *parts[3] = {a, b, c};
  size_t k = 0;
  for (int i = 0; i < 3; i++) {
    size_t l = strlen(parts[i]);
    if (l > cap - 1 - k) l = cap - 1 - k;
    memcpy(out + k, parts[i], l);
    k += l;
  }
  out[k] = '\0';
}

static int make_hit(const struct sf_smart_money_event *ev, const struct sf_profile_score *s, const char *hex,
                    struct sf_classifier_hit *h) {
  const char *name = sf_profile_name(s->profile);
  h->meta.source_ts = ev->meta.source_ts;
  h->meta.ingest_ts = ev->meta.ingest_ts;
  h->meta.seq = 0;
  size_t nl = strlen(name);
  /* hex is sf_derive_hex's char[17] (16 digits and a NUL): with a short name nothing is
   * truncated and every length is known (a shorter hex would end at its own NUL all the same). */
  if (nl <= 30 && hex[16] == '\0') {
    char *t = h->meta.trace_id, *c = h->classifier_id;
    memcpy(t, "hit_", 4);
    memcpy(t + 4, name, nl);
    t[4 + nl] = '_';
    memcpy(t + 5 + nl, hex, 17);
    memcpy(c, "smart_money_", 12);
    memcpy(c + 12, name, nl + 1);
  } else {
    char pre[SF_NAME_MAX];
    cat3(pre, sizeof pre, "hit_", name, "_");
    cat3(h->meta.trace_id, sizeof h->meta.trace_id, pre, hex, "");
    cat3(h->classifier_id, sizeof h->classifier_id, "smart_money_", name, "");
  }
  h->confidence = s->probability;
  h->direction = s->direction;
  return sf_strvec_copy(&h->explanations, &s->reasons);
}

int sf_derive_hits(const struct sf_rules_config *rc, const struct sf_smart_money_event *ev, const char *hex,
                   struct sf_classifier_hit *hits) {
  if (ev->abstained || ev->primary_profile < 0) return 0;
  int n = 0;
  for (int i = 0; i < SF_PROFILE_COUNT; i++) {
    const struct sf_profile_score *s = &ev->scores[i];
    double min = i == 0 ? rc->hit_min : rc->hit_runner_up_min;
    if (s->probability < min) continue;
    int rc2 = make_hit(ev, s, hex, &hits[n]);
    if (rc2) return rc2;
    n++;
  }
  return n;
}

int sf_derive_alert(const struct sf_rules_config *rc, const struct sf_smart_money_event *ev, const char *hex,
                    const struct sf_classifier_hit *hits, size_t n_hits, struct sf_classifier_hit *hit_store,
                    struct sf_profile_score *score_store, struct sf_alert *a) {
  if (ev->abstained || ev->primary_profile < 0) return 0;
  double p = ev->scores[0].probability;
  if (p < rc->alert_min) return 0;
  a->meta.source_ts = ev->meta.source_ts;
  a->meta.ingest_ts = ev->meta.ingest_ts;
  a->meta.seq = 0;
  if (hex[16] == '\0') { /* sf_derive_hex's char[17], as in make_hit */
    memcpy(a->meta.trace_id, "alert_", 6);
    memcpy(a->meta.trace_id + 6, hex, 17);
  } else {
    cat3(a->meta.trace_id, sizeof a->meta.trace_id, "alert_", hex, "");
  }
  a->score = round(100 * p);
  a->severity = (uint8_t)sf_rules_band(rc, p); /* band and severity share low/medium/high */
  a->primary_profile = ev->primary_profile;
  a->hits = n_hits ? hit_store : NULL;
  a->hit_count = n_hits;
  for (size_t i = 0; i < n_hits; i++) {
    struct sf_strvec keep = hit_store[i].explanations;
    hit_store[i] = hits[i];
    hit_store[i].explanations = keep;
    if (sf_strvec_copy(&hit_store[i].explanations, &hits[i].explanations)) return SF_ENOMEM;
  }
  sf_strvec_clear(&a->evidence_refs);
  if (sf_strvec_push(&a->evidence_refs, ev->event_id) ||
      sf_strvec_append(&a->evidence_refs, &ev->member_print_ids))
    return SF_ENOMEM;
  a->profile_scores = score_store;
  a->profile_score_count = SF_PROFILE_COUNT;
  for (int i = 0; i < SF_PROFILE_COUNT; i++)
    if (sf_profile_score_copy(&score_store[i], &ev->scores[i])) return SF_ENOMEM;
  return 1;
}
