/* Records for the bus tests and benchmark: small, valid (they survive the JSON codec), with
 * the fields the tests look at (trace id, underlying, price) set from arguments. */
#ifndef SMARTFLOW_TESTS_BUS_FIXTURES_H
#define SMARTFLOW_TESTS_BUS_FIXTURES_H

#include <stdio.h>
#include <string.h>

#include "smartflow/record.h"
#include "smartflow/strvec.h"

static inline void fx_meta(struct sf_meta *m, int64_t seq, const char *trace) {
  m->source_ts = 1736953200000 + seq;
  m->ingest_ts = m->source_ts + 3;
  m->seq = seq;
  snprintf(m->trace_id, sizeof m->trace_id, "%s", trace);
}

/* An option print on ROOT-2025-02-21-100-C. */
static inline void fx_option_print(struct sf_record *r, const char *trace, const char *root, double price,
                                   int64_t seq) {
  sf_record_init(r, SF_REC_OPTION_PRINT);
  struct sf_option_print *p = &r->u.option_print;
  fx_meta(&p->meta, seq, trace);
  p->ts_ns = (1736953200000 + seq) * 1000000;
  snprintf(p->option_contract_id, sizeof p->option_contract_id, "%s-2025-02-21-100-C", root);
  p->price = price;
  p->size = 10;
  snprintf(p->exchange, sizeof p->exchange, "CBOE");
}

static inline void fx_option_nbbo(struct sf_record *r, const char *trace, const char *root, double bid,
                                  int64_t seq) {
  sf_record_init(r, SF_REC_OPTION_NBBO);
  struct sf_option_nbbo *q = &r->u.option_nbbo;
  fx_meta(&q->meta, seq, trace);
  q->ts_ns = (1736953200000 + seq) * 1000000;
  snprintf(q->option_contract_id, sizeof q->option_contract_id, "%s-2025-02-21-100-C", root);
  q->bid = bid;
  q->ask = bid + 0.1;
  q->bid_size = 5;
  q->ask_size = 7;
}

static inline void fx_equity_quote(struct sf_record *r, const char *trace, const char *und, double bid,
                                   int64_t seq) {
  sf_record_init(r, SF_REC_EQUITY_QUOTE);
  struct sf_equity_quote *q = &r->u.equity_quote;
  fx_meta(&q->meta, seq, trace);
  q->ts_ns = (1736953200000 + seq) * 1000000;
  snprintf(q->underlying_id, sizeof q->underlying_id, "%s", und);
  q->bid = bid;
  q->ask = bid + 0.01;
}

/* A complete smart-money event (six profile scores, a few features, id lists). */
static inline void fx_smart_money(struct sf_record *r, const char *trace, const char *und, int64_t seq) {
  static const double probs[SF_PROFILE_COUNT] = {0.61, 0.2, 0.1, 0.05, 0.03, 0.01};
  sf_record_init(r, SF_REC_SMART_MONEY);
  struct sf_smart_money_event *e = &r->u.smart_money;
  fx_meta(&e->meta, seq, trace);
  snprintf(e->event_id, sizeof e->event_id, "evt-%s", trace);
  sf_strvec_push(&e->packet_ids, "pk-1");
  sf_strvec_push(&e->member_print_ids, "t-1");
  sf_strvec_push(&e->member_print_ids, "t-2");
  snprintf(e->underlying_id, sizeof e->underlying_id, "%s", und);
  e->event_kind = SF_EVENT_SINGLE_LEG;
  e->event_window_ms = 850;
  e->features.contract_count = 1;
  e->features.print_count = 2;
  e->features.total_size = 35;
  e->features.total_premium = 10850.5;
  e->features.start_ts = 1736953259150;
  e->features.end_ts = 1736953260000;
  e->features.window_ms = 850;
  e->features.net_directional_bias = 0.5;
  for (int i = 0; i < SF_PROFILE_COUNT; i++) {
    e->scores[i].profile = (uint8_t)i;
    e->scores[i].probability = probs[i];
    e->scores[i].band = SF_BAND_MEDIUM;
    e->scores[i].direction = SF_DIR_BULLISH;
  }
  sf_strvec_push(&e->scores[0].reasons, "large_premium");
  e->primary_profile = SF_PROFILE_INSTITUTIONAL_DIRECTIONAL;
  e->primary_direction = SF_DIR_BULLISH;
}

#endif
