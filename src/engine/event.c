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

/* The sort key of an id held in a char[SF_ID_MAX] slot: its first 8 characters, NUL-padded,
 * big-endian, so that keys order as the strings do wherever they differ; equal keys of ids
 * shorter than 8 characters (last key byte 0) are equal ids, else the rest decides. */
static uint64_t id_key(const char *s) {
  uint64_t x;
  memcpy(&x, s, sizeof x);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint64_t z = (x - UINT64_C(0x0101010101010101)) & ~x & UINT64_C(0x8080808080808080);
  if (z) x &= (UINT64_C(1) << (__builtin_ctzll(z) & ~7)) - 1; /* bytes from the first NUL on */
  return __builtin_bswap64(x);
#else
  uint64_t k = 0;
  bool end = false;
  for (int i = 0; i < 8; i++) {
    end = end || s[i] == '\0';
    k = k << 8 | (end ? 0 : (unsigned char)s[i]);
  }
  (void)x;
  return k;
#endif
}

/* strcmp order of two ids by their keys (id_key). */
static int id_cmp(uint64_t ka, const char *a, uint64_t kb, const char *b) {
  if (ka != kb) return ka < kb ? -1 : 1;
  if ((ka & 0xff) == 0) return 0;
  return strcmp(a + 8, b + 8);
}

/* Sorts ids bytewise with their keys: insertion sort for the usual handful (members arrive
 * nearly in order), qsort beyond. */
static void sort_ids(const char **v, uint64_t *key, size_t n) {
  if (n > 16) {
    qsort(v, n, sizeof *v, cmp_str);
    for (size_t i = 0; i < n; i++) key[i] = id_key(v[i]);
    return;
  }
  for (size_t i = 1; i < n; i++) {
    const char *x = v[i];
    uint64_t kx = key[i];
    size_t j = i;
    while (j > 0 && id_cmp(key[j - 1], v[j - 1], kx, x) > 0) {
      v[j] = v[j - 1];
      key[j] = key[j - 1];
      j--;
    }
    v[j] = x;
    key[j] = kx;
  }
}

static int ids_reserve(struct sf_engine *e, size_t n) {
  if (n <= e->ids_cap) return 0;
  size_t ncap = e->ids_cap ? e->ids_cap : 64;
  while (ncap < n) ncap *= 2;
  const char **nv = realloc(e->ids, ncap * sizeof *nv);
  if (!nv) return SF_ENOMEM;
  e->ids = nv;
  uint32_t *nl = realloc(e->ids_len, ncap * sizeof *nl);
  if (!nl) return SF_ENOMEM;
  e->ids_len = nl;
  uint64_t *nk = realloc(e->ids_key, ncap * sizeof *nk);
  if (!nk) return SF_ENOMEM;
  e->ids_key = nk;
  e->ids_cap = ncap;
  return 0;
}

/* Sorted member trace ids of a group in e->ids from index base on: the ids of cluster i
 * (sorted) at [run[i], run[i + 1]), and when the group has several clusters the merged, sorted
 * list of all at [*all, *all + total) (else *all = base). Also the largest member meta.seq
 * (0 when all are negative: the base of the derived records' seq, see engine.h). Returns the
 * total or SF_ENOMEM. */
static long group_ids(struct sf_engine *e, const struct sf_group *g, size_t base,
                      size_t run[SF_GROUP_MAX + 1], size_t *all, int64_t *max_seq) {
  size_t total = 0;
  for (uint32_t i = 0; i < g->n; i++) total += e->pool.c[g->clusters[i]].n;
  if (ids_reserve(e, base + (g->n > 1 ? 2 * total : total))) return SF_ENOMEM;
  const char **ids = e->ids;
  uint64_t *key = e->ids_key;
  int64_t m = 0;
  size_t k = base;
  for (uint32_t i = 0; i < g->n; i++) {
    run[i] = k;
    for (uint32_t pi = e->pool.c[g->clusters[i]].head; pi != SF_NIL; pi = e->pool.p[pi].next) {
      const struct sf_pprint *p = &e->pool.p[pi];
      if (p->seq > m) m = p->seq;
      key[k] = id_key(p->trace_id);
      ids[k++] = p->trace_id;
    }
    sort_ids(ids + run[i], key + run[i], k - run[i]);
  }
  run[g->n] = k;
  *max_seq = m;
  if (g->n == 1) {
    *all = base;
    return (long)total;
  }
  /* k-way merge of the sorted runs (k <= SF_GROUP_MAX). */
  size_t pos[SF_GROUP_MAX];
  for (uint32_t i = 0; i < g->n; i++) pos[i] = run[i];
  *all = k;
  for (size_t o = k; o < k + total; o++) {
    uint32_t best = SF_NIL;
    for (uint32_t i = 0; i < g->n; i++)
      if (pos[i] < run[i + 1] &&
          (best == SF_NIL || id_cmp(key[pos[i]], ids[pos[i]], key[pos[best]], ids[pos[best]]) < 0))
        best = i;
    key[o] = key[pos[best]];
    ids[o] = ids[pos[best]++];
  }
  return (long)total;
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

/* prefix (4 characters) + 16 hex of the hash of ids, each followed by its NUL. With lens, the
 * lengths of the ids too (the walk finds them). */
static void hash_id(const char *prefix, const char *const *ids, size_t n, char *out, uint32_t *lens) {
  uint64_t h = SF_HASH_SEED;
  for (size_t i = 0; i < n; i++) { /* each id with its NUL, in one pass */
    const unsigned char *s = (const unsigned char *)ids[i], *p = s;
    do {
      h ^= *p;
      h *= UINT64_C(0x100000001b3);
    } while (*p++);
    if (lens) lens[i] = (uint32_t)(p - s - 1);
  }
  memcpy(out, prefix, 4);
  sf_hash_hex(sf_hash_mix64(h), out + 4);
}

static int leg_order(const struct sf_engine *e, uint32_t a, uint32_t b) {
  const struct sf_cluster *x = &e->pool.c[a], *y = &e->pool.c[b];
  if (x->start_ns != y->start_ns) return x->start_ns < y->start_ns ? -1 : 1;
  return strcmp(e->book.ctr[x->contract].id, e->book.ctr[y->contract].id);
}

/* Legs in a stable order: start time, then contract id (a sorted group stays as it is). */
static void sort_legs(const struct sf_engine *e, struct sf_group *g) {
  for (uint32_t i = 1; i < g->n; i++) {
    uint32_t x = g->clusters[i], j = i;
    while (j > 0 && leg_order(e, g->clusters[j - 1], x) > 0) {
      g->clusters[j] = g->clusters[j - 1];
      j--;
    }
    g->clusters[j] = x;
  }
}

int sf_event_id(struct sf_engine *e, struct sf_group *g) {
  sort_legs(e, g);
  long n = group_ids(e, g, e->ids_used, g->ids_run, &g->ids_all, &g->ids_max_seq);
  if (n < 0) return (int)n;
  g->ids_n = n;
  e->ids_used = g->ids_all + (size_t)n;
  g->has_ids = true;
  hash_id("sme_", e->ids + g->ids_all, (size_t)n, g->event_id, e->ids_len + g->ids_all);
  g->has_id = true;
  return 0;
}

static int emit_packet(struct sf_engine *e, uint32_t ci, const char *event_id, const char *pkt_id,
                       size_t first_id, size_t n_ids) {
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
    if (sf_strvec_push(&p.members, e->ids[first_id + i])) goto fail;
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

/* Readies the reused event record: every field is set below; the string vectors keep their
 * storage. */
static void event_reset(struct sf_smart_money_event *ev) {
  sf_strvec_clear(&ev->packet_ids);
  sf_strvec_clear(&ev->member_print_ids);
  sf_strvec_clear(&ev->suppressed_reasons);
  for (int i = 0; i < SF_PROFILE_COUNT; i++) sf_strvec_clear(&ev->scores[i].reasons);
}

int sf_event_emit(struct sf_engine *e, struct sf_group *g) {
  int rc = 0;
  struct sf_features *f = &e->ev.features;
  struct sf_evidence evd;
  struct sf_scored sc;
  struct sf_smart_money_event *ev = &e->ev;

  sort_legs(e, g);
  sf_features_compute(e, g, f, &evd);
  if (!(f->total_premium >= e->rules.emit_min_premium)) {
    e->stats.events_below_emit++;
    goto done;
  }
  sf_rules_score_prep(&e->rules, &e->rules_prep, e->cfg.calibration, f, &evd, &sc);

  event_reset(ev);
  size_t run[SF_GROUP_MAX + 1], all;
  long n_ids;
  int64_t max_seq;
  if (g->has_ids) { /* made by sf_event_id in this run of the timers */
    memcpy(run, g->ids_run, sizeof run);
    all = g->ids_all;
    n_ids = g->ids_n;
    max_seq = g->ids_max_seq;
  } else {
    n_ids = group_ids(e, g, e->ids_used, run, &all, &max_seq);
  }
  if (n_ids < 0) {
    rc = (int)n_ids;
    goto done;
  }
  if (!g->has_id) hash_id("sme_", e->ids + all, (size_t)n_ids, g->event_id, e->ids_len + all);
  char pkt_id[SF_ID_MAX];
  for (uint32_t i = 0; i < g->n; i++) {
    size_t n = run[i + 1] - run[i];
    if (g->n == 1) { /* the packet has the event's members: the same hash */
      memcpy(pkt_id, "pkt_", 4);
      memcpy(pkt_id + 4, g->event_id + 4, 17);
    } else {
      hash_id("pkt_", e->ids + run[i], n, pkt_id, NULL);
    }
    if ((rc = sf_strvec_pushn(&ev->packet_ids, pkt_id, 20))) goto done; /* "pkt_" + 16 hex */
    if (e->sinks.on_flow_packet && (rc = emit_packet(e, g->clusters[i], g->event_id, pkt_id, run[i], n)))
      goto done;
    e->stats.flow_packets_out++;
  }
  /* The ids live in the pool's fixed char[SF_ID_MAX] slots: one push of whole blocks. */
  if ((rc = sf_strvec_push_slots(&ev->member_print_ids, (const char *const *)(e->ids + all), e->ids_len + all,
                                 (size_t)n_ids)))
    goto done;

  ev->meta.source_ts = f->end_ts;
  ev->meta.ingest_ts = f->end_ts;
  int64_t seq_base = max_seq * SF_ENGINE_SEQ_STRIDE;
  ev->meta.seq = seq_base + SF_ENGINE_SEQ_EVENT;
  memcpy(ev->meta.trace_id, g->event_id, SF_ID_MAX);
  memcpy(ev->event_id, g->event_id, SF_ID_MAX);
  memcpy(ev->underlying_id, e->book.und[g->und].id, SF_SYMBOL_MAX);
  ev->event_kind = g->structure != SF_STRUCT_NONE ? SF_EVENT_MULTI_LEG : SF_EVENT_SINGLE_LEG;
  ev->event_window_ms = f->end_ts - f->start_ts;
  for (int i = 0; i < SF_PROFILE_COUNT; i++) {
    int p = sc.order[i];
    struct sf_profile_score *s = &ev->scores[i];
    s->profile = (uint8_t)p;
    s->probability = sc.prob[p];
    s->raw_score = sc.raw[p];
    s->band = (uint8_t)sf_rules_band(&e->rules, sc.prob[p]);
    s->direction = sc.dir[p];
    if ((rc = sf_rules_reasons_prep(&e->rules, &e->rules_prep, &sc, &evd, p, &s->reasons))) goto done;
  }
  ev->abstained = sc.abstained;
  ev->primary_profile = sc.abstained ? -1 : sc.order[0];
  ev->primary_direction = sc.abstained ? SF_DIR_UNKNOWN : sc.dir[sc.order[0]];
  if ((rc = sf_rules_suppressed(&sc, &ev->suppressed_reasons))) goto done;
  if (sc.abstained) e->stats.abstained++;
  e->stats.smart_money_out++;
  if (e->sinks.on_smart_money) e->sinks.on_smart_money(e->sinks.ctx, ev);

  /* Derived records, built in reused storage. */
  if (!sc.abstained) {
    int nh = sf_derive_hits(&e->rules, ev, e->hits);
    if (nh < 0) {
      rc = nh;
      goto done;
    }
    for (int i = 0; i < nh; i++) {
      e->hits[i].meta.seq = seq_base + SF_ENGINE_SEQ_HIT + i;
      e->stats.classifier_hits_out++;
      if (e->sinks.on_classifier_hit) e->sinks.on_classifier_hit(e->sinks.ctx, &e->hits[i]);
    }
    struct sf_alert *a = &e->alert;
    int ra = sf_derive_alert(&e->rules, ev, e->hits, (size_t)nh, e->alert_hits, e->alert_scores, a);
    if (ra < 0) rc = ra;
    if (ra == 1) {
      a->meta.seq = seq_base + SF_ENGINE_SEQ_ALERT;
      e->stats.alerts_out++;
      if (e->sinks.on_alert) e->sinks.on_alert(e->sinks.ctx, a);
    }
  }
done:
  for (uint32_t i = 0; i < g->n; i++) sf_pool_cluster_free(&e->pool, g->clusters[i]);
  return rc;
}
