/* Records (record.h): the wire-name tables of every enum, initialisers that set each nullable
 * field to null (NaN numbers, SF_TS_NULL timestamps, empty strings, -1 tri-bools), finalisers
 * and deep copies of the derived records that own lists, and the SmartMoneyFeatures field table
 * that the JSON codec and the store walk instead of naming every field. Invariant: a record
 * after *_init owns nothing, so *_fini on it is a no-op and a failed decode can always fini. */
#include "smartflow/record.h"

#include <jansson.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "smartflow/err.h"

/* Looks a name up in a NULL-padded table; -1 when absent or NULL. */
static int find_name(const char *const *tab, int n, const char *s) {
  if (!s) return -1;
  for (int i = 0; i < n; i++)
    if (tab[i] && strcmp(tab[i], s) == 0) return i;
  return -1;
}

static const char *const record_type_names[SF_REC__COUNT] = {
    "option-print", "option-nbbo", "equity-quote",   "equity-print",
    "flow-packet",  "smart-money", "classifier-hit", "alert",
};
const char *sf_record_type_name(enum sf_record_type t) {
  return (unsigned)t < SF_REC__COUNT ? record_type_names[t] : NULL;
}
int sf_record_type_from_name(const char *name) { return find_name(record_type_names, SF_REC__COUNT, name); }

static const char *const side_names[SF_SIDE__COUNT] = {NULL, "AA", "A", "MID", "B", "BB", "MISSING", "STALE"};
const char *sf_side_name(enum sf_nbbo_side s) { return (unsigned)s < SF_SIDE__COUNT ? side_names[s] : NULL; }
int sf_side_from_name(const char *s) { return find_name(side_names, SF_SIDE__COUNT, s); }

static const char *const option_type_names[3] = {NULL, "call", "put"};
const char *sf_option_type_name(int t) { return t >= 0 && t < 3 ? option_type_names[t] : NULL; }
int sf_option_type_from_name(const char *s) { return find_name(option_type_names, 3, s); }

static const char *const agg_rule_names[SF_AGG_RULE__COUNT] = {NULL, "quote", "tick", "depth", "none"};
const char *sf_aggressor_rule_name(enum sf_aggressor_rule r) {
  return (unsigned)r < SF_AGG_RULE__COUNT ? agg_rule_names[r] : NULL;
}
int sf_aggressor_rule_from_name(const char *s) { return find_name(agg_rule_names, SF_AGG_RULE__COUNT, s); }

static const char *const profile_names[SF_PROFILE_COUNT] = {
    "institutional_directional", "retail_whale", "event_driven", "vol_seller", "arbitrage", "hedge_reactive",
};
const char *sf_profile_name(int p) { return p >= 0 && p < SF_PROFILE_COUNT ? profile_names[p] : NULL; }
int sf_profile_from_name(const char *s) { return find_name(profile_names, SF_PROFILE_COUNT, s); }

static const char *const band_names[3] = {"low", "medium", "high"};
const char *sf_band_name(int b) { return b >= 0 && b < 3 ? band_names[b] : NULL; }
int sf_band_from_name(const char *s) { return find_name(band_names, 3, s); }

static const char *const direction_names[5] = {"unknown", "bullish", "bearish", "neutral", "mixed"};
const char *sf_direction_name(int d) { return d >= 0 && d < 5 ? direction_names[d] : NULL; }
int sf_direction_from_name(const char *s) { return find_name(direction_names, 5, s); }

static const char *const event_kind_names[2] = {"single_leg_event", "multi_leg_event"};
const char *sf_event_kind_name(int k) { return k >= 0 && k < 2 ? event_kind_names[k] : NULL; }
int sf_event_kind_from_name(const char *s) { return find_name(event_kind_names, 2, s); }

static const char *const severity_names[3] = {"low", "medium", "high"};
const char *sf_severity_name(int s) { return s >= 0 && s < 3 ? severity_names[s] : NULL; }
int sf_severity_from_name(const char *s) { return find_name(severity_names, 3, s); }

/* ---- features table ---- */

#define NUM(f) \
  { #f, SF_FK_NUM, (uint16_t)offsetof(struct sf_features, f), (uint16_t)sizeof(double) }
#define INT(f) \
  { #f, SF_FK_INT, (uint16_t)offsetof(struct sf_features, f), (uint16_t)sizeof(double) }
#define TS(f) \
  { #f, SF_FK_TS, (uint16_t)offsetof(struct sf_features, f), (uint16_t)sizeof(int64_t) }
#define STR(f) \
  { #f, SF_FK_STR, (uint16_t)offsetof(struct sf_features, f), (uint16_t)sizeof(((struct sf_features *)0)->f) }
#define TRI(f) \
  { #f, SF_FK_TRIBOOL, (uint16_t)offsetof(struct sf_features, f), (uint16_t)sizeof(int8_t) }

/* In the order of CONTRACTS.md "SmartMoneyFeatures", then smartflow's extras. */
static const struct sf_field_desc features_fields[] = {
    INT(contract_count),
    INT(print_count),
    INT(total_size),
    NUM(total_premium),
    NUM(total_notional),
    TS(start_ts),
    TS(end_ts),
    INT(window_ms),
    STR(option_contract_id),
    STR(option_type),
    NUM(dte_days),
    NUM(moneyness),
    NUM(atm_proximity),
    NUM(aggressor_buy_ratio),
    NUM(aggressor_sell_ratio),
    NUM(aggressor_ratio),
    NUM(nbbo_coverage_ratio),
    NUM(nbbo_inside_ratio),
    NUM(nbbo_stale_ratio),
    NUM(quote_age_ms),
    INT(venue_count),
    NUM(inter_fill_ms_mean),
    INT(strike_count),
    NUM(strike_concentration),
    STR(structure_type),
    INT(structure_legs),
    NUM(same_size_leg_symmetry),
    NUM(net_directional_bias),
    NUM(synthetic_iv_shock),
    NUM(spread_widening),
    NUM(underlying_move_bps),
    NUM(days_to_event),
    TRI(expiry_after_event),
    NUM(pre_event_concentration),
    NUM(special_print_ratio),
    NUM(iso_ratio),
    NUM(complex_ratio),
    NUM(avg_fill_size),
    NUM(net_delta_notional),
    NUM(vol_oi_ratio),
};

#undef NUM
#undef INT
#undef TS
#undef STR
#undef TRI

const struct sf_field_desc *sf_features_fields(size_t *count) {
  if (count) *count = sizeof features_fields / sizeof features_fields[0];
  return features_fields;
}

void sf_features_init_null(struct sf_features *f) {
  memset(f, 0, sizeof *f);
  unsigned char *base = (unsigned char *)f;
  for (size_t i = 0; i < sizeof features_fields / sizeof features_fields[0]; i++) {
    const struct sf_field_desc *d = &features_fields[i];
    unsigned char *p = base + d->offset;
    switch (d->kind) {
      case SF_FK_NUM:
      case SF_FK_INT: {
        double v = SF_NULL;
        memcpy(p, &v, sizeof v);
        break;
      }
      case SF_FK_TS: {
        int64_t v = SF_TS_NULL;
        memcpy(p, &v, sizeof v);
        break;
      }
      case SF_FK_STR:
        p[0] = '\0';
        break;
      case SF_FK_TRIBOOL: {
        int8_t v = -1;
        memcpy(p, &v, sizeof v);
        break;
      }
      default:
        break;
    }
  }
}

/* ---- initialisers ---- */

static void meta_init(struct sf_meta *m) {
  m->source_ts = SF_TS_NULL;
  m->ingest_ts = SF_TS_NULL;
  m->seq = 0;
  m->trace_id[0] = '\0';
}

void sf_option_print_init(struct sf_option_print *p) {
  memset(p, 0, sizeof *p);
  meta_init(&p->meta);
  p->ts_ns = SF_TS_NULL;
  p->price = SF_NULL;
  p->notional = SF_NULL;
  p->nbbo_bid = p->nbbo_ask = p->nbbo_mid = p->nbbo_spread = SF_NULL;
  p->nbbo_bid_size = p->nbbo_ask_size = SF_NULL;
  p->nbbo_ts_ns = SF_TS_NULL;
  p->nbbo_age_ms = SF_NULL;
  p->und_spot = p->und_bid = p->und_ask = p->und_mid = p->und_spread = SF_NULL;
  p->und_ts_ns = SF_TS_NULL;
  p->und_age_ms = SF_NULL;
  p->iv = SF_NULL;
  p->is_etf = -1;
  p->delta = p->gamma = p->vega = SF_NULL;
  p->multiplier = SF_NULL;
}

void sf_option_nbbo_init(struct sf_option_nbbo *q) {
  memset(q, 0, sizeof *q);
  meta_init(&q->meta);
  q->ts_ns = SF_TS_NULL;
  q->bid = q->ask = q->bid_size = q->ask_size = SF_NULL;
}

void sf_equity_quote_init(struct sf_equity_quote *q) {
  memset(q, 0, sizeof *q);
  meta_init(&q->meta);
  q->ts_ns = SF_TS_NULL;
  q->bid = q->ask = q->bid_size = q->ask_size = SF_NULL;
}

void sf_equity_print_init(struct sf_equity_print *p) {
  memset(p, 0, sizeof *p);
  meta_init(&p->meta);
  p->ts_ns = SF_TS_NULL;
  p->price = SF_NULL;
  p->off_exchange = -1;
}

void sf_flow_packet_init(struct sf_flow_packet *p) {
  memset(p, 0, sizeof *p);
  meta_init(&p->meta);
}

void sf_flow_packet_fini(struct sf_flow_packet *p) {
  sf_strvec_fini(&p->members);
  json_decref(p->features);
  json_decref(p->join_quality);
  p->features = NULL;
  p->join_quality = NULL;
}

static void profile_score_init(struct sf_profile_score *s, int profile) {
  memset(s, 0, sizeof *s);
  s->profile = (uint8_t)profile;
  s->probability = SF_NULL;
  s->raw_score = SF_NULL;
  s->band = SF_BAND_LOW;
  s->direction = SF_DIR_UNKNOWN;
}

void sf_profile_score_fini(struct sf_profile_score *s) { sf_strvec_fini(&s->reasons); }

int sf_profile_score_copy(struct sf_profile_score *dst, const struct sf_profile_score *src) {
  dst->profile = src->profile;
  dst->probability = src->probability;
  dst->raw_score = src->raw_score;
  dst->band = src->band;
  dst->direction = src->direction;
  return sf_strvec_copy(&dst->reasons, &src->reasons);
}

void sf_smart_money_event_init(struct sf_smart_money_event *e) {
  memset(e, 0, sizeof *e);
  meta_init(&e->meta);
  e->event_window_ms = 0;
  sf_features_init_null(&e->features);
  for (int i = 0; i < SF_PROFILE_COUNT; i++) profile_score_init(&e->scores[i], i);
  e->primary_profile = -1;
  e->primary_direction = SF_DIR_UNKNOWN;
}

void sf_smart_money_event_fini(struct sf_smart_money_event *e) {
  sf_strvec_fini(&e->packet_ids);
  sf_strvec_fini(&e->member_print_ids);
  for (int i = 0; i < SF_PROFILE_COUNT; i++) sf_profile_score_fini(&e->scores[i]);
  sf_strvec_fini(&e->suppressed_reasons);
}

void sf_classifier_hit_init(struct sf_classifier_hit *h) {
  memset(h, 0, sizeof *h);
  meta_init(&h->meta);
  h->confidence = SF_NULL;
  h->direction = SF_DIR_UNKNOWN;
}

void sf_classifier_hit_fini(struct sf_classifier_hit *h) { sf_strvec_fini(&h->explanations); }

void sf_alert_init(struct sf_alert *a) {
  memset(a, 0, sizeof *a);
  meta_init(&a->meta);
  a->score = SF_NULL;
  a->severity = SF_SEV_LOW;
  a->primary_profile = -1;
}

void sf_alert_fini(struct sf_alert *a) {
  for (size_t i = 0; i < a->hit_count; i++) sf_classifier_hit_fini(&a->hits[i]);
  free(a->hits);
  a->hits = NULL;
  a->hit_count = 0;
  sf_strvec_fini(&a->evidence_refs);
  for (size_t i = 0; i < a->profile_score_count; i++) sf_profile_score_fini(&a->profile_scores[i]);
  free(a->profile_scores);
  a->profile_scores = NULL;
  a->profile_score_count = 0;
}

void sf_record_init(struct sf_record *r, enum sf_record_type t) {
  memset(r, 0, sizeof *r);
  r->type = t;
  switch (t) {
    case SF_REC_OPTION_PRINT:
      sf_option_print_init(&r->u.option_print);
      break;
    case SF_REC_OPTION_NBBO:
      sf_option_nbbo_init(&r->u.option_nbbo);
      break;
    case SF_REC_EQUITY_QUOTE:
      sf_equity_quote_init(&r->u.equity_quote);
      break;
    case SF_REC_EQUITY_PRINT:
      sf_equity_print_init(&r->u.equity_print);
      break;
    case SF_REC_FLOW_PACKET:
      sf_flow_packet_init(&r->u.flow_packet);
      break;
    case SF_REC_SMART_MONEY:
      sf_smart_money_event_init(&r->u.smart_money);
      break;
    case SF_REC_CLASSIFIER_HIT:
      sf_classifier_hit_init(&r->u.classifier_hit);
      break;
    case SF_REC_ALERT:
      sf_alert_init(&r->u.alert);
      break;
    default:
      break;
  }
}

void sf_record_fini(struct sf_record *r) {
  switch (r->type) {
    case SF_REC_FLOW_PACKET:
      sf_flow_packet_fini(&r->u.flow_packet);
      break;
    case SF_REC_SMART_MONEY:
      sf_smart_money_event_fini(&r->u.smart_money);
      break;
    case SF_REC_CLASSIFIER_HIT:
      sf_classifier_hit_fini(&r->u.classifier_hit);
      break;
    case SF_REC_ALERT:
      sf_alert_fini(&r->u.alert);
      break;
    default:
      break;
  }
}

/* ---- deep copies ---- */

static int classifier_hit_copy(struct sf_classifier_hit *dst, const struct sf_classifier_hit *src) {
  *dst = *src;
  memset(&dst->explanations, 0, sizeof dst->explanations);
  return sf_strvec_copy(&dst->explanations, &src->explanations);
}

static int alert_copy(struct sf_alert *dst, const struct sf_alert *src) {
  *dst = *src;
  dst->hits = NULL;
  dst->hit_count = 0;
  memset(&dst->evidence_refs, 0, sizeof dst->evidence_refs);
  dst->profile_scores = NULL;
  dst->profile_score_count = 0;
  if (src->hit_count) {
    dst->hits = calloc(src->hit_count, sizeof *dst->hits);
    if (!dst->hits) return SF_ENOMEM;
    for (size_t i = 0; i < src->hit_count; i++) {
      dst->hit_count = i + 1; /* the slot is counted first so a failed copy is freed */
      int rc = classifier_hit_copy(&dst->hits[i], &src->hits[i]);
      if (rc) return rc;
    }
  }
  int rc = sf_strvec_copy(&dst->evidence_refs, &src->evidence_refs);
  if (rc) return rc;
  if (src->profile_scores) {
    dst->profile_scores =
        calloc(src->profile_score_count ? src->profile_score_count : 1, sizeof *dst->profile_scores);
    if (!dst->profile_scores) return SF_ENOMEM;
    for (size_t i = 0; i < src->profile_score_count; i++) {
      dst->profile_score_count = i + 1;
      rc = sf_profile_score_copy(&dst->profile_scores[i], &src->profile_scores[i]);
      if (rc) return rc;
    }
  }
  return 0;
}

static int smart_money_copy(struct sf_smart_money_event *dst, const struct sf_smart_money_event *src) {
  *dst = *src;
  memset(&dst->packet_ids, 0, sizeof dst->packet_ids);
  memset(&dst->member_print_ids, 0, sizeof dst->member_print_ids);
  memset(&dst->suppressed_reasons, 0, sizeof dst->suppressed_reasons);
  for (int i = 0; i < SF_PROFILE_COUNT; i++)
    memset(&dst->scores[i].reasons, 0, sizeof dst->scores[i].reasons);
  int rc = sf_strvec_copy(&dst->packet_ids, &src->packet_ids);
  if (!rc) rc = sf_strvec_copy(&dst->member_print_ids, &src->member_print_ids);
  if (!rc) rc = sf_strvec_copy(&dst->suppressed_reasons, &src->suppressed_reasons);
  for (int i = 0; !rc && i < SF_PROFILE_COUNT; i++)
    rc = sf_profile_score_copy(&dst->scores[i], &src->scores[i]);
  return rc;
}

static int flow_packet_copy(struct sf_flow_packet *dst, const struct sf_flow_packet *src) {
  *dst = *src;
  memset(&dst->members, 0, sizeof dst->members);
  dst->features = NULL;
  dst->join_quality = NULL;
  int rc = sf_strvec_copy(&dst->members, &src->members);
  if (rc) return rc;
  if (src->features && !(dst->features = json_deep_copy(src->features))) return SF_ENOMEM;
  if (src->join_quality && !(dst->join_quality = json_deep_copy(src->join_quality))) return SF_ENOMEM;
  return 0;
}

int sf_record_copy(struct sf_record *dst, const struct sf_record *src) {
  int rc = 0;
  dst->type = src->type;
  switch (src->type) {
    case SF_REC_FLOW_PACKET:
      rc = flow_packet_copy(&dst->u.flow_packet, &src->u.flow_packet);
      break;
    case SF_REC_SMART_MONEY:
      rc = smart_money_copy(&dst->u.smart_money, &src->u.smart_money);
      break;
    case SF_REC_CLASSIFIER_HIT:
      rc = classifier_hit_copy(&dst->u.classifier_hit, &src->u.classifier_hit);
      break;
    case SF_REC_ALERT:
      rc = alert_copy(&dst->u.alert, &src->u.alert);
      break;
    default:
      dst->u = src->u; /* market data owns nothing */
      break;
  }
  if (rc) {
    sf_record_fini(dst);
    sf_record_init(dst, src->type);
  }
  return rc;
}

/* ---- accessors ---- */

int64_t sf_record_ts_ns(const struct sf_record *r) {
  switch (r->type) {
    case SF_REC_OPTION_PRINT:
      return r->u.option_print.ts_ns;
    case SF_REC_OPTION_NBBO:
      return r->u.option_nbbo.ts_ns;
    case SF_REC_EQUITY_QUOTE:
      return r->u.equity_quote.ts_ns;
    case SF_REC_EQUITY_PRINT:
      return r->u.equity_print.ts_ns;
    default: {
      const struct sf_meta *m = sf_record_meta(r);
      if (!m || m->source_ts == SF_TS_NULL) return SF_TS_NULL;
      /* Meta timestamps that do not fit in ns saturate rather than overflow. */
      if (m->source_ts > INT64_MAX / SF_NS_PER_MS) return INT64_MAX;
      if (m->source_ts < (INT64_MIN + 1) / SF_NS_PER_MS) return INT64_MIN + 1;
      return sf_ms_to_ns(m->source_ts);
    }
  }
}

struct sf_meta *sf_record_meta_mut(struct sf_record *r) {
  switch (r->type) {
    case SF_REC_OPTION_PRINT:
      return &r->u.option_print.meta;
    case SF_REC_OPTION_NBBO:
      return &r->u.option_nbbo.meta;
    case SF_REC_EQUITY_QUOTE:
      return &r->u.equity_quote.meta;
    case SF_REC_EQUITY_PRINT:
      return &r->u.equity_print.meta;
    case SF_REC_FLOW_PACKET:
      return &r->u.flow_packet.meta;
    case SF_REC_SMART_MONEY:
      return &r->u.smart_money.meta;
    case SF_REC_CLASSIFIER_HIT:
      return &r->u.classifier_hit.meta;
    case SF_REC_ALERT:
      return &r->u.alert.meta;
    default:
      return NULL;
  }
}

const struct sf_meta *sf_record_meta(const struct sf_record *r) {
  return sf_record_meta_mut((struct sf_record *)(uintptr_t)r);
}
