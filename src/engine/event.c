/* Parent events (PROFILES.md step 4): one per single-leg cluster or per structure. The event id
 * is "sme_" + 16 hex of a stable hash over the sorted member print trace ids (each followed by
 * a NUL), so it is a pure function of the members: live and replay agree. A FlowPacket per
 * leg has the id "pkt_" + the same hash over that leg's members. This file builds the
 * records of a finalised group (packets, the SmartMoneyEvent, hits, alert), hands them to the
 * sinks in that order, and returns the group's storage to the pools. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__) && defined(__x86_64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#include <emmintrin.h>
#define HEX_SSE2 1 /* the 16 hex digits of an id in one vector */
#else
#define HEX_SSE2 0
#endif

#include "engine/internal.h"
#include "smartflow/err.h"
#include "smartflow/hash.h"

/* The sort key of an id held in a char[SF_ID_MAX] slot: its first 8 characters, NUL-padded,
 * big-endian, so that keys order as the strings do wherever they differ; equal keys of ids
 * shorter than 8 characters (last key byte 0) are equal ids, else the rest decides. Also the
 * id's length (the slot is read 8 bytes at a time up to its NUL). */
static uint64_t id_key(const char *s, uint32_t *len) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
  uint64_t x, y;
  memcpy(&x, s, sizeof x);
  uint64_t z = (x - ones) & ~x & highs; /* the lowest flag marks the first NUL */
  if (z) {
    int b = __builtin_ctzll(z) >> 3;
    *len = (uint32_t)b;
    x &= (UINT64_C(1) << (8 * b)) - 1; /* bytes from the NUL on */
  } else {
    memcpy(&y, s + 8, sizeof y);
    uint64_t z2 = (y - ones) & ~y & highs;
    *len = z2 ? (uint32_t)(8 + (__builtin_ctzll(z2) >> 3)) : (uint32_t)(16 + strlen(s + 16));
  }
  return __builtin_bswap64(x);
#else
  uint64_t k = 0;
  bool end = false;
  for (int i = 0; i < 8; i++) {
    end = end || s[i] == '\0';
    k = k << 8 | (end ? 0 : (unsigned char)s[i]);
  }
  *len = (uint32_t)strlen(s);
  return k;
#endif
}

#define FNV_PRIME UINT64_C(0x100000001b3)

/* FNV-1a steps (sf_hash_update) over an id with its NUL (n bytes at p) into h and, with h2,
 * into a second hash too, in the same pass. */
static inline uint64_t fnv_id(uint64_t h, uint64_t *h2, const unsigned char *p, size_t n) {
  if (!h2) return sf_hash_update(h, p, n);
  uint64_t g = *h2;
  for (size_t i = 0; i < n; i++) {
    h = (h ^ p[i]) * FNV_PRIME;
    g = (g ^ p[i]) * FNV_PRIME;
  }
  *h2 = g;
  return h;
}

/* strcmp order of two ids by their keys (id_key). */
static int idref_cmp(const struct sf_idref *a, const struct sf_idref *b) {
  if (a->key != b->key) return a->key < b->key ? -1 : 1;
  if ((a->key & 0xff) == 0) return 0;
  return strcmp(a->s + 8, b->s + 8);
}

static int idref_qcmp(const void *a, const void *b) { return idref_cmp(a, b); }

/* Sorts ids bytewise: insertion sort for the usual handful (each leg's members arrive nearly in
 * order), qsort beyond. Equal ids may come in any order: the bytes that follow are the same. */
static void sort_ids(struct sf_idref *v, size_t n) {
  if (n > 32) {
    qsort(v, n, sizeof *v, idref_qcmp);
    return;
  }
  for (size_t i = 1; i < n; i++) {
    if (idref_cmp(&v[i - 1], &v[i]) <= 0) continue; /* in order already: nothing moves */
    struct sf_idref x = v[i];
    size_t j = i;
    while (j > 0 && idref_cmp(&v[j - 1], &x) > 0) {
      v[j] = v[j - 1];
      j--;
    }
    v[j] = x;
  }
}

static int ids_reserve(struct sf_engine *e, size_t n, size_t n_refs) {
  if (n_refs > e->idref_cap) {
    size_t ncap = e->idref_cap ? e->idref_cap : 64;
    while (ncap < n_refs) ncap *= 2;
    struct sf_idref *nr = realloc(e->idref, ncap * sizeof *nr);
    if (!nr) return SF_ENOMEM;
    e->idref = nr;
    e->idref_cap = ncap;
  }
  if (n <= e->ids_cap) return 0;
  size_t ncap = e->ids_cap ? e->ids_cap : 64;
  while (ncap < n) ncap *= 2;
  const char **nv = realloc(e->ids, ncap * sizeof *nv);
  if (!nv) return SF_ENOMEM;
  e->ids = nv;
  uint32_t *nl = realloc(e->ids_len, ncap * sizeof *nl);
  if (!nl) return SF_ENOMEM;
  e->ids_len = nl;
  uint8_t *ng = realloc(e->ids_leg, ncap * sizeof *ng);
  if (!ng) return SF_ENOMEM;
  e->ids_leg = ng;
  e->ids_cap = ncap;
  return 0;
}

#if !HEX_SSE2 && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* The 8 lowercase hex digits of x (most significant first) as 8 bytes in memory order: the
 * nibbles spread one per byte, then '0' + n, plus 'a' - '0' - 10 where n >= 10 (n + 6 carries
 * into bit 4); no byte carries into the next. sf_hash_hex's digits, without a loop. */
static uint64_t hex8(uint32_t x) {
  uint64_t v = x;
  v = (v | v << 16) & UINT64_C(0x0000FFFF0000FFFF);
  v = (v | v << 8) & UINT64_C(0x00FF00FF00FF00FF);
  v = (v | v << 4) & UINT64_C(0x0F0F0F0F0F0F0F0F);
  v = __builtin_bswap64(v);
  return v + UINT64_C(0x3030303030303030) +
         (((v + UINT64_C(0x0606060606060606)) >> 4) & UINT64_C(0x0101010101010101)) * 0x27;
}
#endif

/* prefix (4 characters) + 16 hex of a hash of ids (sf_hash_hex of its sf_hash_mix64). */
static void format_id(const char *prefix, uint64_t h, char *out) {
  memcpy(out, prefix, 4);
  h = sf_hash_mix64(h);
#if HEX_SSE2
  /* The 8 bytes most significant first, each split into its two nibbles (high first), then
   * '0' + n, plus 'a' - '0' - 10 where n > 9: 16 digits in one store. */
  __m128i v = _mm_cvtsi64_si128((long long)__builtin_bswap64(h)), m = _mm_set1_epi8(0x0f);
  __m128i nib = _mm_unpacklo_epi8(_mm_and_si128(_mm_srli_epi16(v, 4), m), _mm_and_si128(v, m));
  __m128i d =
      _mm_add_epi8(_mm_add_epi8(nib, _mm_set1_epi8('0')),
                   _mm_and_si128(_mm_cmpgt_epi8(nib, _mm_set1_epi8(9)), _mm_set1_epi8('a' - '0' - 10)));
  _mm_storeu_si128((__m128i *)(void *)(out + 4), d);
  out[20] = '\0';
#elif __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint64_t hi = hex8((uint32_t)(h >> 32)), lo = hex8((uint32_t)h);
  memcpy(out + 4, &hi, 8);
  memcpy(out + 12, &lo, 8);
  out[20] = '\0';
#else
  sf_hash_hex(h, out + 4);
#endif
}

/* The sorted member trace ids of a group, at e->ids[base, base + total) with their lengths and
 * legs, and in one walk over their bytes the hash of all of them (each followed by its NUL: the
 * event id) and of each leg's (its packet id), and the largest member meta.seq (0 when all are
 * negative: the base of the derived records' seq, see engine.h). Returns the total or
 * SF_ENOMEM. */
static long group_ids(struct sf_engine *e, const struct sf_group *g, size_t base, uint64_t *h_all,
                      uint64_t h_leg[SF_GROUP_MAX], int64_t *max_seq) {
  size_t total = 0;
  for (uint32_t i = 0; i < g->n; i++) total += e->pool.c[g->clusters[i]].n;
  if (ids_reserve(e, base + total, total)) return SF_ENOMEM;
  struct sf_idref *r = e->idref;
  int64_t m = 0;
  size_t k = 0;
  for (uint32_t i = 0; i < g->n; i++) {
    for (uint32_t pi = e->pool.c[g->clusters[i]].head; pi != SF_NIL; pi = e->pool.p[pi].next) {
      const struct sf_pprint *p = &e->pool.p[pi];
      if (p->seq > m) m = p->seq;
      r[k].key = id_key(p->trace_id, &r[k].len);
      r[k].s = p->trace_id;
      r[k++].leg = i;
    }
  }
  *max_seq = m;
  sort_ids(r, total);
  const char **ids = e->ids + base;
  uint32_t *lens = e->ids_len + base;
  uint8_t *legs = e->ids_leg + base;
  /* The hashes take each id with its NUL. */
  uint64_t h = SF_HASH_SEED;
  if (g->n == 1) {
    for (size_t i = 0; i < total; i++) {
      h = fnv_id(h, NULL, (const unsigned char *)r[i].s, (size_t)r[i].len + 1);
      ids[i] = r[i].s;
      lens[i] = r[i].len;
      legs[i] = 0;
    }
    h_leg[0] = h;
  } else {
    for (uint32_t i = 0; i < g->n; i++) h_leg[i] = SF_HASH_SEED;
    for (size_t i = 0; i < total; i++) {
      uint64_t hl = h_leg[r[i].leg]; /* a local the steps keep in a register */
      h = fnv_id(h, &hl, (const unsigned char *)r[i].s, (size_t)r[i].len + 1);
      h_leg[r[i].leg] = hl;
      ids[i] = r[i].s;
      lens[i] = r[i].len;
      legs[i] = (uint8_t)r[i].leg;
    }
  }
  *h_all = h;
  return (long)total;
}

/* The largest meta.seq among the member prints of a cluster (0 when all are negative). */
static int64_t max_print_seq(const struct sf_engine *e, uint32_t ci) {
  int64_t m = 0;
  for (uint32_t pi = e->pool.c[ci].head; pi != SF_NIL; pi = e->pool.p[pi].next)
    if (e->pool.p[pi].seq > m) m = e->pool.p[pi].seq;
  return m;
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
  uint64_t h;
  long n = group_ids(e, g, e->ids_used, &h, g->ids_leg_hash, &g->ids_max_seq);
  if (n < 0) return (int)n;
  g->ids_all = e->ids_used;
  g->ids_n = n;
  e->ids_used += (size_t)n;
  g->has_ids = true;
  format_id("sme_", h, g->event_id);
  g->has_id = true;
  return 0;
}

/* The FlowPacket of leg li (cluster ci) of an event whose sorted member ids are at e->ids[first,
 * first + n_ids). */
static int emit_packet(struct sf_engine *e, uint32_t li, uint32_t ci, const char *event_id,
                       const char *pkt_id, size_t first, size_t n_ids) {
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
  p.meta.seq = max_print_seq(e, ci) * SF_ENGINE_SEQ_STRIDE + SF_ENGINE_SEQ_PACKET;
  snprintf(p.meta.trace_id, sizeof p.meta.trace_id, "%s", pkt_id);
  snprintf(p.id, sizeof p.id, "%s", pkt_id);
  for (size_t i = first; i < first + n_ids; i++) /* the leg's members, in the sorted order */
    if (e->ids_leg[i] == li && sf_strvec_pushn(&p.members, e->ids[i], e->ids_len[i])) goto fail;
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

  if (!g->has_ids) sort_legs(e, g); /* else sf_event_id did */
  sf_features_compute(e, g, f, &evd);
  if (!(f->total_premium >= e->rules.emit_min_premium)) {
    e->stats.events_below_emit++;
    goto done;
  }
  sf_rules_score_prep(&e->rules, &e->rules_prep, e->cfg.calibration, f, &evd, &sc);

  event_reset(ev);
  size_t all;
  long n_ids;
  int64_t max_seq;
  uint64_t h_leg[SF_GROUP_MAX];
  if (g->has_ids) { /* made by sf_event_id in this run of the timers */
    all = g->ids_all;
    n_ids = g->ids_n;
    max_seq = g->ids_max_seq;
    memcpy(h_leg, g->ids_leg_hash, g->n * sizeof h_leg[0]);
  } else {
    uint64_t h;
    all = e->ids_used;
    n_ids = group_ids(e, g, all, &h, h_leg, &max_seq);
    if (n_ids >= 0) format_id("sme_", h, g->event_id);
  }
  if (n_ids < 0) {
    rc = (int)n_ids;
    goto done;
  }
  /* Packet ids ("pkt_" + 16 hex) in slots padded for one sf_strvec_push_slots. */
  char pkt[SF_GROUP_MAX][32];
  const char *pkt_s[SF_GROUP_MAX];
  uint32_t pkt_len[SF_GROUP_MAX];
  for (uint32_t i = 0; i < g->n; i++) {
    if (g->n == 1) { /* the packet has the event's members: the same hash */
      memcpy(pkt[i], "pkt_", 4);
      memcpy(pkt[i] + 4, g->event_id + 4, 17);
    } else {
      format_id("pkt_", h_leg[i], pkt[i]);
    }
    pkt_s[i] = pkt[i];
    pkt_len[i] = 20;
    if (e->sinks.on_flow_packet &&
        (rc = emit_packet(e, i, g->clusters[i], g->event_id, pkt[i], all, (size_t)n_ids)))
      goto done;
    e->stats.flow_packets_out++;
  }
  if ((rc = sf_strvec_push_slots(&ev->packet_ids, pkt_s, pkt_len, g->n))) goto done;
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
  }
  if ((rc = sf_rules_reasons_event(&e->rules, &e->rules_prep, &sc, &evd, ev->scores))) goto done;
  ev->abstained = sc.abstained;
  ev->primary_profile = sc.abstained ? -1 : sc.order[0];
  ev->primary_direction = sc.abstained ? SF_DIR_UNKNOWN : sc.dir[sc.order[0]];
  if ((rc = sf_rules_suppressed(&sc, &ev->suppressed_reasons))) goto done;
  if (sc.abstained) e->stats.abstained++;
  e->stats.smart_money_out++;
  if (e->sinks.on_smart_money) e->sinks.on_smart_money(e->sinks.ctx, ev);

  /* Derived records, built in reused storage. */
  if (!sc.abstained) {
    char hex[17];
    sf_derive_hex(ev->event_id, hex);
    int nh = sf_derive_hits(&e->rules, ev, hex, e->hits);
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
    int ra = sf_derive_alert(&e->rules, ev, hex, e->hits, (size_t)nh, e->alert_hits, e->alert_scores, a);
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
