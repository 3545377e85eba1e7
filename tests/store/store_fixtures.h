/* Deterministic records for the store tests and benchmark: record i of each type is a pure
 * function of (i, ts, seq, prefix), varied enough to exercise every filter (sides, types,
 * notional, underlyings, contracts; profiles, directions, abstention, premium, bands) and every
 * kind of field (nulls, string arrays, nested objects). No cmocka here, so bench/ can use it. */
#ifndef SMARTFLOW_TESTS_STORE_FIXTURES_H
#define SMARTFLOW_TESTS_STORE_FIXTURES_H

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "smartflow/condition.h"
#include "smartflow/record.h"
#include "smartflow/store.h"

struct fx_contract {
  const char *id, *underlying;
  uint8_t type;
};
static const struct fx_contract fx_contracts[] = {
    {"SPY-2025-01-17-450-C", "SPY", SF_OPT_CALL},      {"SPY-2025-01-17-440-P", "SPY", SF_OPT_PUT},
    {"QQQ-2025-02-21-400-C", "QQQ", SF_OPT_CALL},      {"AAPL-2025-03-21-250-P", "AAPL", SF_OPT_PUT},
    {"BRK-B-2025-03-21-452.5-P", "BRK-B", SF_OPT_PUT}, {"TSLA-2025-06-20-300-C", "TSLA", SF_OPT_CALL},
};
#define FX_CONTRACTS (sizeof fx_contracts / sizeof fx_contracts[0])
static const char *const fx_underlyings[] = {"SPY", "QQQ", "AAPL", "BRK-B", "TSLA", "NVDA"};
#define FX_UNDERLYINGS (sizeof fx_underlyings / sizeof fx_underlyings[0])

static inline void fx_meta(struct sf_meta *m, const char *prefix, int64_t i, int64_t source_ts, int64_t seq) {
  m->source_ts = source_ts;
  m->ingest_ts = source_ts + 3;
  m->seq = seq;
  snprintf(m->trace_id, sizeof m->trace_id, "%s-t%lld", prefix, (long long)i);
}

/* An option print at ts_ns; enriched unless i % 11 == 0; print i % 13 == 0 has a null notional. */
static inline void fx_option_print(struct sf_record *r, const char *prefix, int64_t i, int64_t ts_ns,
                                   int64_t seq) {
  sf_record_init(r, SF_REC_OPTION_PRINT);
  struct sf_option_print *p = &r->u.option_print;
  const struct fx_contract *c = &fx_contracts[(size_t)i % FX_CONTRACTS];
  fx_meta(&p->meta, prefix, i, ts_ns / 1000000, seq);
  p->ts_ns = ts_ns;
  snprintf(p->option_contract_id, sizeof p->option_contract_id, "%s", c->id);
  p->price = 0.5 + (double)(i % 50) * 0.25;
  p->size = 1 + i % 40;
  snprintf(p->exchange, sizeof p->exchange, "%s", (i % 3) ? "CBOE" : "PHLX");
  p->conditions = (i % 4 == 0) ? (SF_COND_ISO | SF_COND_SWEEP) : 0;
  if (i % 11 == 0) return;
  p->enriched = true;
  snprintf(p->underlying_id, sizeof p->underlying_id, "%s", c->underlying);
  p->option_type = c->type;
  p->multiplier = 100;
  p->notional = (i % 13 == 0) ? SF_NULL : p->price * (double)p->size * 100.0;
  p->nbbo_side = (uint8_t)(1 + i % 7);
  p->nbbo_bid = p->price - 0.05;
  p->nbbo_ask = p->price + 0.05;
  p->nbbo_mid = p->price;
  p->nbbo_spread = 0.1;
  p->nbbo_bid_size = 10;
  p->nbbo_ask_size = 12;
  p->nbbo_ts_ns = ts_ns - 1000;
  p->nbbo_age_ms = 0.001;
  p->und_spot = 450.25;
  p->iv = (i % 5 == 0) ? SF_NULL : 0.2 + (double)(i % 10) * 0.01;
  if (!sf_is_null(p->iv)) snprintf(p->iv_source, sizeof p->iv_source, "%s", "computed");
  p->is_etf = (int8_t)(i % 3 == 0 ? -1 : i % 2);
  p->aggressor = (int8_t)(i % 3 - 1);
  p->aggressor_rule = (uint8_t)(i % 3 == 1 ? SF_AGG_RULE_NONE : SF_AGG_RULE_QUOTE);
}

static inline void fx_option_nbbo(struct sf_record *r, const char *prefix, int64_t i, int64_t ts_ns,
                                  int64_t seq) {
  sf_record_init(r, SF_REC_OPTION_NBBO);
  struct sf_option_nbbo *q = &r->u.option_nbbo;
  fx_meta(&q->meta, prefix, i, ts_ns / 1000000, seq);
  q->ts_ns = ts_ns;
  snprintf(q->option_contract_id, sizeof q->option_contract_id, "%s",
           fx_contracts[(size_t)i % FX_CONTRACTS].id);
  q->bid = 1.25;
  q->ask = 1.35;
  q->bid_size = 10;
  q->ask_size = (i % 2) ? SF_NULL : 7;
}

static inline void fx_equity_quote(struct sf_record *r, const char *prefix, int64_t i, int64_t ts_ns,
                                   int64_t seq) {
  sf_record_init(r, SF_REC_EQUITY_QUOTE);
  struct sf_equity_quote *q = &r->u.equity_quote;
  fx_meta(&q->meta, prefix, i, ts_ns / 1000000, seq);
  q->ts_ns = ts_ns;
  snprintf(q->underlying_id, sizeof q->underlying_id, "%s", fx_underlyings[(size_t)i % FX_UNDERLYINGS]);
  q->bid = 450.01;
  q->ask = 450.03;
  q->bid_size = (i % 2) ? SF_NULL : 300;
  q->ask_size = (i % 2) ? SF_NULL : 200;
}

static inline void fx_equity_print(struct sf_record *r, const char *prefix, int64_t i, int64_t ts_ns,
                                   int64_t seq) {
  sf_record_init(r, SF_REC_EQUITY_PRINT);
  struct sf_equity_print *p = &r->u.equity_print;
  fx_meta(&p->meta, prefix, i, ts_ns / 1000000, seq);
  p->ts_ns = ts_ns;
  snprintf(p->underlying_id, sizeof p->underlying_id, "%s", fx_underlyings[(size_t)i % FX_UNDERLYINGS]);
  p->price = 450.02;
  p->size = 100 + i;
  snprintf(p->exchange, sizeof p->exchange, "%s", "NSDQ");
  p->off_exchange = (int8_t)(i % 3 - 1);
}

static inline void fx_flow_packet(struct sf_record *r, const char *prefix, int64_t i, int64_t source_ts,
                                  int64_t seq) {
  sf_record_init(r, SF_REC_FLOW_PACKET);
  struct sf_flow_packet *p = &r->u.flow_packet;
  fx_meta(&p->meta, prefix, i, source_ts, seq);
  snprintf(p->id, sizeof p->id, "%s-pkt%lld", prefix, (long long)i);
  for (int k = 0; k < 1 + (int)(i % 4); k++) {
    char m[SF_ID_MAX];
    snprintf(m, sizeof m, "%s-print%lld-%d", prefix, (long long)i, k);
    sf_strvec_push(&p->members, m);
  }
  json_decref(p->features);
  json_decref(p->join_quality);
  p->features =
      json_pack("{s:s, s:f, s:b, s:i}", "option_contract_id", fx_contracts[(size_t)i % FX_CONTRACTS].id,
                "total_premium", 12500.5 + (double)i, "sweep", (int)(i % 2), "print_count", (int)(1 + i % 4));
  p->join_quality = json_pack("{s:f, s:f}", "nbbo_coverage", 0.75, "quote_age_ms", 12.5);
}

/* A smart-money event. primary profile (i % 7) - 1 (-1: none), direction i % 5, abstained when
 * i % 5 == 0, total_premium null when i % 13 == 0, band of the primary score (i / 7) % 3. */
static inline void fx_smart_money(struct sf_record *r, const char *prefix, int64_t i, int64_t source_ts,
                                  int64_t seq) {
  sf_record_init(r, SF_REC_SMART_MONEY);
  struct sf_smart_money_event *e = &r->u.smart_money;
  const struct fx_contract *c = &fx_contracts[(size_t)i % FX_CONTRACTS];
  fx_meta(&e->meta, prefix, i, source_ts, seq);
  snprintf(e->event_id, sizeof e->event_id, "%s-ev%lld", prefix, (long long)i);
  char buf[SF_ID_MAX];
  for (int k = 0; k < 1 + (int)(i % 3); k++) {
    snprintf(buf, sizeof buf, "%s-pkt%lld-%d", prefix, (long long)i, k);
    sf_strvec_push(&e->packet_ids, buf);
  }
  for (int k = 0; k < 2 + (int)(i % 5); k++) {
    snprintf(buf, sizeof buf, "%s-print%lld-%d", prefix, (long long)i, k);
    sf_strvec_push(&e->member_print_ids, buf);
  }
  snprintf(e->underlying_id, sizeof e->underlying_id, "%s", c->underlying);
  e->event_kind = (uint8_t)(i % 4 == 0 ? SF_EVENT_MULTI_LEG : SF_EVENT_SINGLE_LEG);
  e->event_window_ms = 250 + i % 1000;
  struct sf_features *f = &e->features;
  sf_features_init_null(f);
  f->contract_count = 1 + (double)(i % 3);
  f->print_count = 2 + (double)(i % 5);
  f->total_size = 10 + (double)(i % 100);
  f->total_premium = (i % 13 == 0) ? SF_NULL : 1000.0 * (double)(i % 97);
  f->total_notional = f->total_premium;
  f->start_ts = source_ts - e->event_window_ms;
  f->end_ts = source_ts;
  f->window_ms = (double)e->event_window_ms;
  snprintf(f->option_contract_id, sizeof f->option_contract_id, "%s", c->id);
  snprintf(f->option_type, sizeof f->option_type, "%s", c->type == SF_OPT_CALL ? "C" : "P");
  f->dte_days = 3.25;
  f->moneyness = 1.01;
  f->atm_proximity = 0.01;
  f->aggressor_buy_ratio = 0.75;
  f->aggressor_sell_ratio = 0.25;
  f->aggressor_ratio = 0.5;
  f->nbbo_coverage_ratio = 1;
  f->venue_count = 3;
  f->strike_count = 1;
  f->net_directional_bias = (i % 2) ? 0.5 : -0.5;
  f->expiry_after_event = (int8_t)(i % 3 - 1);
  f->special_print_ratio = 0;
  e->primary_profile = (int)(i % 7) - 1;
  /* Scores, highest probability first: the primary profile (or profile 0) leads. */
  int lead = e->primary_profile >= 0 ? e->primary_profile : 0;
  int slot = 0;
  for (int k = 0; k < SF_PROFILE_COUNT; k++) {
    int p = k == 0 ? lead : (k <= lead ? k - 1 : k);
    struct sf_profile_score *s = &e->scores[slot++];
    s->profile = (uint8_t)p;
    s->probability = 0.9 - 0.1 * k;
    s->band = (uint8_t)(k == 0 ? (i / 7) % 3 : SF_BAND_LOW);
    s->direction = (uint8_t)(k == 0 ? i % 5 : SF_DIR_UNKNOWN);
    if (k == 0) sf_strvec_push(&s->reasons, "large_premium");
    if (k == 0 && i % 2) sf_strvec_push(&s->reasons, "aggressive_buying");
  }
  e->primary_direction = (uint8_t)(i % 5);
  e->abstained = i % 5 == 0;
  if (e->abstained) sf_strvec_push(&e->suppressed_reasons, "low_confidence");
}

static inline void fx_classifier_hit(struct sf_record *r, const char *prefix, int64_t i, int64_t source_ts,
                                     int64_t seq) {
  sf_record_init(r, SF_REC_CLASSIFIER_HIT);
  struct sf_classifier_hit *h = &r->u.classifier_hit;
  fx_meta(&h->meta, prefix, i, source_ts, seq);
  snprintf(h->classifier_id, sizeof h->classifier_id, "smart_money_%s",
           sf_profile_name((int)(i % SF_PROFILE_COUNT)));
  h->confidence = 0.5 + (double)(i % 5) * 0.1;
  h->direction = (uint8_t)(i % 5);
  sf_strvec_push(&h->explanations, "premium above threshold");
  if (i % 2) sf_strvec_push(&h->explanations, "sweep across venues");
}

static inline void fx_alert(struct sf_record *r, const char *prefix, int64_t i, int64_t source_ts,
                            int64_t seq) {
  sf_record_init(r, SF_REC_ALERT);
  struct sf_alert *a = &r->u.alert;
  fx_meta(&a->meta, prefix, i, source_ts, seq);
  a->score = 55 + (double)(i % 40);
  a->severity = (uint8_t)(i % 3);
  a->hit_count = 1 + (size_t)(i % 2);
  a->hits = calloc(a->hit_count, sizeof *a->hits);
  for (size_t k = 0; a->hits && k < a->hit_count; k++) {
    struct sf_record hr;
    fx_classifier_hit(&hr, prefix, i * 10 + (int64_t)k, source_ts, seq);
    a->hits[k] = hr.u.classifier_hit;
  }
  if (!a->hits) a->hit_count = 0;
  char ref[SF_ID_MAX];
  snprintf(ref, sizeof ref, "%s-ev%lld", prefix, (long long)i);
  sf_strvec_push(&a->evidence_refs, ref);
  if (i % 2) {
    a->primary_profile = (int)(i % SF_PROFILE_COUNT);
    a->profile_score_count = SF_PROFILE_COUNT;
    a->profile_scores = calloc(SF_PROFILE_COUNT, sizeof *a->profile_scores);
    for (int k = 0; a->profile_scores && k < SF_PROFILE_COUNT; k++) {
      a->profile_scores[k].profile = (uint8_t)((a->primary_profile + k) % SF_PROFILE_COUNT);
      a->profile_scores[k].probability = 0.8 - 0.1 * k;
      a->profile_scores[k].raw_score = SF_NULL; /* not known: not written */
      a->profile_scores[k].band = SF_BAND_MEDIUM;
      a->profile_scores[k].direction = SF_DIR_BULLISH;
    }
    if (!a->profile_scores) a->profile_score_count = 0;
  }
}

/* Record i of a type, timestamp in ms for derived types and ns for market data. */
static inline void fx_record(struct sf_record *r, enum sf_record_type t, const char *prefix, int64_t i,
                             int64_t ts_ms, int64_t sub_ns, int64_t seq) {
  int64_t ts_ns = ts_ms * 1000000 + sub_ns;
  switch (t) {
    case SF_REC_OPTION_PRINT:
      fx_option_print(r, prefix, i, ts_ns, seq);
      break;
    case SF_REC_OPTION_NBBO:
      fx_option_nbbo(r, prefix, i, ts_ns, seq);
      break;
    case SF_REC_EQUITY_QUOTE:
      fx_equity_quote(r, prefix, i, ts_ns, seq);
      break;
    case SF_REC_EQUITY_PRINT:
      fx_equity_print(r, prefix, i, ts_ns, seq);
      break;
    case SF_REC_FLOW_PACKET:
      fx_flow_packet(r, prefix, i, ts_ms, seq);
      break;
    case SF_REC_SMART_MONEY:
      fx_smart_money(r, prefix, i, ts_ms, seq);
      break;
    case SF_REC_CLASSIFIER_HIT:
      fx_classifier_hit(r, prefix, i, ts_ms, seq);
      break;
    default:
      fx_alert(r, prefix, i, ts_ms, seq);
      break;
  }
}

/* The id sf_store_get looks a record up by. */
static inline const char *fx_lookup_id(const struct sf_record *r) {
  if (r->type == SF_REC_FLOW_PACKET) return r->u.flow_packet.id;
  if (r->type == SF_REC_SMART_MONEY) return r->u.smart_money.event_id;
  return sf_record_meta(r)->trace_id;
}

#endif
