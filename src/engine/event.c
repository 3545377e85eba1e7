/* Parent events (PROFILES.md step 4): one per single-leg cluster or per structure. The event id
 * is "sme_" + 16 hex of a stable hash over the sorted member print trace ids (each followed by
 * a NUL), so it is a pure function of the members: live and replay agree. A FlowPacket per
 * leg has the id "pkt_" + the same hash over that leg's members. This file builds the
 * records of a finalised group (packets, the SmartMoneyEvent, hits, alert), hands them to the
 * sinks in that order, and returns the group's storage to the pools. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"
#include "smartflow/err.h"
#include "smartflow/hash.h"

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int ids_reserve(struct sf_engine *e, size_t n) {
  if (n <= e->ids_cap) return 0;
  size_t ncap = e->ids_cap ? e->ids_cap : 64;
  while (ncap < n) ncap *= 2;
  const char **nv = realloc(e->ids, ncap * sizeof *nv);
  if (!nv) return SF_ENOMEM;
  e->ids = nv;
  e->ids_cap = ncap;
  return 0;
}

/* Collects the sorted trace ids of some clusters into e->ids; returns the count or < 0. */
static long collect_ids(struct sf_engine *e, const uint32_t *clusters, uint32_t n_clusters) {
  size_t n = 0;
  for (uint32_t i = 0; i < n_clusters; i++) n += e->pool.c[clusters[i]].n;
  if (ids_reserve(e, n)) return SF_ENOMEM;
  size_t k = 0;
  for (uint32_t i = 0; i < n_clusters; i++)
    for (uint32_t pi = e->pool.c[clusters[i]].head; pi != SF_NIL; pi = e->pool.p[pi].next)
      e->ids[k++] = e->pool.p[pi].trace_id;
  qsort(e->ids, n, sizeof *e->ids, cmp_str);
  return (long)n;
}

/* The largest meta.seq among the member prints of some clusters (0 when all are negative):
 * the base of the derived records' seq, see engine.h. */
static int64_t max_print_seq(const struct sf_engine *e, const uint32_t *clusters, uint32_t n_clusters) {
  int64_t m = 0;
  for (uint32_t i = 0; i < n_clusters; i++)
    for (uint32_t pi = e->pool.c[clusters[i]].head; pi != SF_NIL; pi = e->pool.p[pi].next)
      if (e->pool.p[pi].seq > m) m = e->pool.p[pi].seq;
  return m;
}

static void hash_id(const char *prefix, const char *const *ids, size_t n, char *out) {
  uint64_t h = SF_HASH_SEED;
  for (size_t i = 0; i < n; i++) h = sf_hash_update(h, ids[i], strlen(ids[i]) + 1);
  char hex[17];
  sf_hash_hex(sf_hash_mix64(h), hex);
  snprintf(out, SF_ID_MAX, "%s%s", prefix, hex);
}

int sf_event_id(const struct sf_engine *e, const struct sf_group *g, char out[SF_ID_MAX]) {
  long n = collect_ids((struct sf_engine *)(uintptr_t)e, g->clusters, g->n);
  if (n < 0) return (int)n;
  hash_id("sme_", e->ids, (size_t)n, out);
  return 0;
}

static int emit_packet(struct sf_engine *e, uint32_t ci, const char *event_id, const char *pkt_id,
                       size_t n_ids) {
  const struct sf_cluster *c = &e->pool.c[ci];
  const struct sf_book_ctr *k = &e->book.ctr[c->contract];
  static const char *const kinds[] = {"single", "sweep", "burst", "block"};
  struct sf_flow_packet p;
  memset(&p, 0, sizeof p);
  int rc = SF_ENOMEM;
  double prem = 0, cov = 0, age = 0, age_n = 0, spot_n = 0, buy = 0, sell = 0;
  for (uint32_t pi = c->head; pi != SF_NIL; pi = e->pool.p[pi].next) {
    const struct sf_pprint *q = &e->pool.p[pi];
    prem += q->price * (double)q->size * k->mult;
    if (q->side >= SF_SIDE_AA && q->side <= SF_SIDE_BB) cov += 1;
    if (!isnan(q->nbbo_age_ms)) {
      age += q->nbbo_age_ms;
      age_n += 1;
    }
    if (!isnan(q->spot)) spot_n += 1;
    if (q->aggressor > 0) buy += (double)q->size;
    if (q->aggressor < 0) sell += (double)q->size;
  }
  p.meta.source_ts = sf_ns_to_ms(c->last_ns);
  p.meta.ingest_ts = p.meta.source_ts;
  p.meta.seq = max_print_seq(e, &ci, 1) * SF_ENGINE_SEQ_STRIDE + SF_ENGINE_SEQ_PACKET;
  snprintf(p.meta.trace_id, sizeof p.meta.trace_id, "%s", pkt_id);
  snprintf(p.id, sizeof p.id, "%s", pkt_id);
  for (size_t i = 0; i < n_ids; i++)
    if (sf_strvec_push(&p.members, e->ids[i])) goto fail;
  p.features = json_object();
  p.join_quality = json_object();
  if (!p.features || !p.join_quality) goto fail;
  double n = (double)c->n, size = (double)c->size;
  json_object_set_new(p.features, "event_id", json_string(event_id));
  json_object_set_new(p.features, "option_contract_id", json_string(k->id));
  json_object_set_new(p.features, "underlying_id", json_string(e->book.und[k->und].id));
  json_object_set_new(p.features, "option_type", json_string(k->is_call ? "C" : "P"));
  json_object_set_new(p.features, "cluster_kind", json_string(kinds[sf_cluster_kind(c, &e->rules)]));
  json_object_set_new(p.features, "print_count", json_integer((json_int_t)c->n));
  json_object_set_new(p.features, "total_size", json_integer((json_int_t)c->size));
  json_object_set_new(p.features, "total_premium", json_real(prem));
  json_object_set_new(p.features, "start_ts", json_integer((json_int_t)sf_ns_to_ms(c->start_ns)));
  json_object_set_new(p.features, "end_ts", json_integer((json_int_t)sf_ns_to_ms(c->last_ns)));
  json_object_set_new(p.features, "venue_count", json_integer((json_int_t)c->n_venues));
  json_object_set_new(p.features, "sweep", json_boolean(c->sweep));
  json_object_set_new(p.features, "aggressor_ratio", json_real((buy - sell) / size));
  json_object_set_new(p.join_quality, "nbbo_coverage_ratio", json_real(cov / n));
  json_object_set_new(p.join_quality, "spot_coverage_ratio", json_real(spot_n / n));
  if (age_n > 0) json_object_set_new(p.join_quality, "quote_age_ms", json_real(age / age_n));
  e->sinks.on_flow_packet(e->sinks.ctx, &p);
  rc = 0;
fail:
  sf_strvec_fini(&p.members);
  json_decref(p.features);
  json_decref(p.join_quality);
  return rc;
}

static int leg_order(const struct sf_engine *e, uint32_t a, uint32_t b) {
  const struct sf_cluster *x = &e->pool.c[a], *y = &e->pool.c[b];
  if (x->start_ns != y->start_ns) return x->start_ns < y->start_ns ? -1 : 1;
  return strcmp(e->book.ctr[x->contract].id, e->book.ctr[y->contract].id);
}

int sf_event_emit(struct sf_engine *e, struct sf_group *g) {
  int rc = 0;
  struct sf_features f;
  struct sf_evidence evd;
  struct sf_scored sc;
  struct sf_smart_money_event *ev = &e->ev;

  /* Legs in a stable order: start time, then contract id. */
  for (uint32_t i = 1; i < g->n; i++) {
    uint32_t x = g->clusters[i], j = i;
    while (j > 0 && leg_order(e, g->clusters[j - 1], x) > 0) {
      g->clusters[j] = g->clusters[j - 1];
      j--;
    }
    g->clusters[j] = x;
  }
  sf_features_compute(e, g, &f, &evd);
  if (!(f.total_premium >= e->rules.emit_min_premium)) {
    e->stats.events_below_emit++;
    goto done;
  }
  sf_rules_score(&e->rules, e->cfg.calibration, &f, &evd, &sc);

  sf_smart_money_event_init(ev);
  char pkt_id[SF_ID_MAX];
  for (uint32_t i = 0; i < g->n; i++) {
    long n = collect_ids(e, &g->clusters[i], 1);
    if (n < 0) {
      rc = (int)n;
      goto out;
    }
    hash_id("pkt_", e->ids, (size_t)n, pkt_id);
    if ((rc = sf_strvec_push(&ev->packet_ids, pkt_id))) goto out;
    if (e->sinks.on_flow_packet && (rc = emit_packet(e, g->clusters[i], g->event_id, pkt_id, (size_t)n)))
      goto out;
    e->stats.flow_packets_out++;
  }
  long n_ids = collect_ids(e, g->clusters, g->n);
  if (n_ids < 0) {
    rc = (int)n_ids;
    goto out;
  }
  for (long i = 0; i < n_ids; i++)
    if ((rc = sf_strvec_push(&ev->member_print_ids, e->ids[i]))) goto out;

  ev->meta.source_ts = f.end_ts;
  ev->meta.ingest_ts = f.end_ts;
  int64_t seq_base = max_print_seq(e, g->clusters, g->n) * SF_ENGINE_SEQ_STRIDE;
  ev->meta.seq = seq_base + SF_ENGINE_SEQ_EVENT;
  memcpy(ev->meta.trace_id, g->event_id, SF_ID_MAX);
  memcpy(ev->event_id, g->event_id, SF_ID_MAX);
  memcpy(ev->underlying_id, e->book.und[g->und].id, SF_SYMBOL_MAX);
  ev->event_kind = g->structure != SF_STRUCT_NONE ? SF_EVENT_MULTI_LEG : SF_EVENT_SINGLE_LEG;
  ev->event_window_ms = f.end_ts - f.start_ts;
  ev->features = f;
  for (int i = 0; i < SF_PROFILE_COUNT; i++) {
    int p = sc.order[i];
    struct sf_profile_score *s = &ev->scores[i];
    s->profile = (uint8_t)p;
    s->probability = sc.prob[p];
    s->band = (uint8_t)sf_rules_band(&e->rules, sc.prob[p]);
    s->direction = sc.dir[p];
    if ((rc = sf_rules_reasons(&e->rules, &sc, &evd, p, &s->reasons))) goto out;
  }
  ev->abstained = sc.abstained;
  ev->primary_profile = sc.abstained ? -1 : sc.order[0];
  ev->primary_direction = sc.abstained ? SF_DIR_UNKNOWN : sc.dir[sc.order[0]];
  if ((rc = sf_rules_suppressed(&sc, &ev->suppressed_reasons))) goto out;
  if (sc.abstained) e->stats.abstained++;
  e->stats.smart_money_out++;
  if (e->sinks.on_smart_money) e->sinks.on_smart_money(e->sinks.ctx, ev);

  /* Derived records. */
  if (!sc.abstained) {
    for (int i = 0; i < SF_PROFILE_COUNT; i++) sf_classifier_hit_init(&e->hits[i]);
    int nh = sf_derive_hits(&e->rules, ev, e->hits);
    if (nh < 0) {
      rc = nh;
    } else {
      for (int i = 0; i < nh; i++) {
        e->hits[i].meta.seq = seq_base + SF_ENGINE_SEQ_HIT + i;
        e->stats.classifier_hits_out++;
        if (e->sinks.on_classifier_hit) e->sinks.on_classifier_hit(e->sinks.ctx, &e->hits[i]);
      }
      struct sf_alert a;
      sf_alert_init(&a);
      int ra = sf_derive_alert(&e->rules, ev, e->hits, (size_t)nh, &a);
      if (ra < 0) rc = ra;
      if (ra == 1) {
        a.meta.seq = seq_base + SF_ENGINE_SEQ_ALERT;
        e->stats.alerts_out++;
        if (e->sinks.on_alert) e->sinks.on_alert(e->sinks.ctx, &a);
      }
      sf_alert_fini(&a);
    }
    for (int i = 0; i < SF_PROFILE_COUNT; i++) sf_classifier_hit_fini(&e->hits[i]);
  }
out:
  sf_smart_money_event_fini(ev);
done:
  for (uint32_t i = 0; i < g->n; i++) sf_pool_cluster_free(&e->pool, g->clusters[i]);
  return rc;
}
