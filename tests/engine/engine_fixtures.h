/* Helpers for the engine tests: record builders at fixed New York times, and a sink that keeps
 * copies of everything the engine emits (and the JSON lines, for byte comparisons). */
#ifndef SMARTFLOW_TESTS_ENGINE_FIXTURES_H
#define SMARTFLOW_TESTS_ENGINE_FIXTURES_H

#include <stdlib.h>
#include <string.h>

#include "smartflow/engine.h"
#include "smartflow/record.h"
#include "smartflow/record_json.h"
#include "smartflow/time.h"

/* 2025-03-18 (a Tuesday, daylight time) at h:m:s New York, plus ms. */
static inline int64_t fx_t(int h, int m, int s, int ms) {
  return sf_ny_local_to_utc_ns(2025, 3, 18, h, m, s) + (int64_t)ms * SF_NS_PER_MS;
}

static inline struct sf_record fx_print(int64_t ts, const char *cid, double px, int64_t size,
                                        const char *venue, uint32_t conds, const char *trace) {
  struct sf_record r;
  sf_record_init(&r, SF_REC_OPTION_PRINT);
  struct sf_option_print *p = &r.u.option_print;
  p->ts_ns = ts;
  p->meta.source_ts = p->meta.ingest_ts = sf_ns_to_ms(ts);
  snprintf(p->meta.trace_id, sizeof p->meta.trace_id, "%s", trace);
  snprintf(p->option_contract_id, sizeof p->option_contract_id, "%s", cid);
  p->price = px;
  p->size = size;
  snprintf(p->exchange, sizeof p->exchange, "%s", venue);
  p->conditions = conds;
  return r;
}

static inline struct sf_record fx_nbbo(int64_t ts, const char *cid, double bid, double ask, double bs,
                                       double as) {
  static int n;
  struct sf_record r;
  sf_record_init(&r, SF_REC_OPTION_NBBO);
  struct sf_option_nbbo *q = &r.u.option_nbbo;
  q->ts_ns = ts;
  q->meta.source_ts = q->meta.ingest_ts = sf_ns_to_ms(ts);
  snprintf(q->meta.trace_id, sizeof q->meta.trace_id, "q%d", n++);
  snprintf(q->option_contract_id, sizeof q->option_contract_id, "%s", cid);
  q->bid = bid;
  q->ask = ask;
  q->bid_size = bs;
  q->ask_size = as;
  return r;
}

static inline struct sf_record fx_equity(int64_t ts, const char *sym, double bid, double ask) {
  static int n;
  struct sf_record r;
  sf_record_init(&r, SF_REC_EQUITY_QUOTE);
  struct sf_equity_quote *q = &r.u.equity_quote;
  q->ts_ns = ts;
  q->meta.source_ts = q->meta.ingest_ts = sf_ns_to_ms(ts);
  snprintf(q->meta.trace_id, sizeof q->meta.trace_id, "e%d", n++);
  snprintf(q->underlying_id, sizeof q->underlying_id, "%s", sym);
  q->bid = bid;
  q->ask = ask;
  return r;
}

#define FX_MAX 256
struct fx_sink {
  struct sf_option_print prints[FX_MAX];
  size_t n_prints;
  struct sf_record events[FX_MAX]; /* smart-money copies */
  size_t n_events;
  struct sf_record hits[FX_MAX];
  size_t n_hits;
  struct sf_record alerts[FX_MAX];
  size_t n_alerts;
  size_t n_packets;
  char *text; /* every emitted derived record as an envelope line */
  size_t text_len, text_cap;
};

static inline void fx_append(struct fx_sink *s, const struct sf_record *r) {
  char *line = sf_record_to_line(r);
  if (!line) abort();
  size_t n = strlen(line);
  /* Grown geometrically: a realloc per line copies the whole text each time, which under
   * AddressSanitizer (every realloc moves) made the determinism test quadratic. */
  if (s->text_len + n + 1 > s->text_cap) {
    size_t cap = s->text_cap ? s->text_cap : 4096;
    while (cap < s->text_len + n + 1) cap *= 2;
    s->text = realloc(s->text, cap);
    if (!s->text) abort();
    s->text_cap = cap;
  }
  memcpy(s->text + s->text_len, line, n + 1);
  s->text_len += n;
  free(line);
}

static inline void fx_keep(struct fx_sink *s, struct sf_record *arr, size_t *n, enum sf_record_type t,
                           const void *payload, size_t size) {
  struct sf_record tmp;
  memset(&tmp, 0, sizeof tmp);
  tmp.type = t;
  memcpy(&tmp.u, payload, size);
  fx_append(s, &tmp);
  if (*n < FX_MAX && sf_record_copy(&arr[*n], &tmp) == 0) (*n)++;
}

static inline void fx_on_print(void *ctx, const struct sf_option_print *p) {
  struct fx_sink *s = ctx;
  if (s->n_prints < FX_MAX) s->prints[s->n_prints++] = *p;
}
static inline void fx_on_packet(void *ctx, const struct sf_flow_packet *p) {
  struct fx_sink *s = ctx;
  struct sf_record tmp;
  memset(&tmp, 0, sizeof tmp);
  tmp.type = SF_REC_FLOW_PACKET;
  memcpy(&tmp.u.flow_packet, p, sizeof *p);
  fx_append(s, &tmp);
  s->n_packets++;
}
static inline void fx_on_event(void *ctx, const struct sf_smart_money_event *e) {
  struct fx_sink *s = ctx;
  fx_keep(s, s->events, &s->n_events, SF_REC_SMART_MONEY, e, sizeof *e);
}
static inline void fx_on_hit(void *ctx, const struct sf_classifier_hit *h) {
  struct fx_sink *s = ctx;
  fx_keep(s, s->hits, &s->n_hits, SF_REC_CLASSIFIER_HIT, h, sizeof *h);
}
static inline void fx_on_alert(void *ctx, const struct sf_alert *a) {
  struct fx_sink *s = ctx;
  fx_keep(s, s->alerts, &s->n_alerts, SF_REC_ALERT, a, sizeof *a);
}

static inline struct sf_engine_sinks fx_sinks(struct fx_sink *s) {
  struct sf_engine_sinks k = {s, fx_on_print, fx_on_packet, fx_on_event, fx_on_hit, fx_on_alert};
  return k;
}

static inline void fx_sink_free(struct fx_sink *s) {
  for (size_t i = 0; i < s->n_events; i++) sf_record_fini(&s->events[i]);
  for (size_t i = 0; i < s->n_hits; i++) sf_record_fini(&s->hits[i]);
  for (size_t i = 0; i < s->n_alerts; i++) sf_record_fini(&s->alerts[i]);
  free(s->text);
  free(s);
}

static inline struct fx_sink *fx_sink_new(void) {
  struct fx_sink *s = calloc(1, sizeof *s);
  if (!s) abort();
  return s;
}

/* Pushes a record (asserting acceptance) and releases it. */
/* An engine over the sink s, with cfg (NULL: the defaults); NULL when creation fails. */
static inline struct sf_engine *fx_engine_new(struct fx_sink *s, const struct sf_engine_config *cfg) {
  struct sf_engine_config def;
  if (!cfg) {
    sf_engine_config_default(&def);
    cfg = &def;
  }
  struct sf_engine_sinks k = fx_sinks(s);
  struct sf_engine *e = NULL;
  return sf_engine_new(cfg, &k, &e) == 0 ? e : NULL;
}

#define FX_PUSH(e, rec)                                    \
  do {                                                     \
    struct sf_record fx_r_ = (rec);                        \
    int fx_rc_ = sf_engine_push((e), &fx_r_);              \
    if (fx_rc_) fail_msg("push: %s", sf_engine_errmsg(e)); \
    sf_record_fini(&fx_r_);                                \
  } while (0)

#endif
