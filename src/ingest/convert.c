/* DBN records and options flat-file rows -> smartflow market-data records (see
 * include/smartflow/convert.h for the rules). Records are filled field by field from zeroed
 * storage: raw prints are not enriched, so only the market-data fields and the meta are set.
 * Meta: source_ts is the event time in ms, ingest_ts the same (an import is a replay of the
 * past, and the wall clock would make tapes irreproducible), seq counts records per converter,
 * and trace ids are "<prefix>-<seq>", unique within an import. */
#include "smartflow/convert.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "smartflow/condition.h"
#include "smartflow/err.h"
#include "smartflow/time.h"

static const char *const reason_ids[] = {
#define SF_CONVERT_ID(name, id, text) id,
    SF_CONVERT_REASONS(SF_CONVERT_ID)
#undef SF_CONVERT_ID
};
static const char *const reason_texts[] = {
#define SF_CONVERT_TEXT(name, id, text) text,
    SF_CONVERT_REASONS(SF_CONVERT_TEXT)
#undef SF_CONVERT_TEXT
};

const char *sf_convert_reason_id(int reason) {
  return reason >= 0 && reason < SF_CONVERT__COUNT ? reason_ids[reason] : "unknown";
}
const char *sf_convert_reason_text(int reason) {
  return reason >= 0 && reason < SF_CONVERT__COUNT ? reason_texts[reason] : "unknown";
}

void sf_converter_init(struct sf_converter *c, const char *trace_prefix, bool use_ts_recv) {
  memset(c, 0, sizeof *c);
  c->use_ts_recv = use_ts_recv;
  snprintf(c->trace_prefix, sizeof c->trace_prefix, "%s", trace_prefix ? trace_prefix : "import");
}

static void reset(struct sf_convert_out *out) {
  out->n = 0;
  out->has_oi = false;
  out->has_ref = false;
  out->reason = -1;
}

static int skip(struct sf_converter *c, struct sf_convert_out *out, int reason) {
  c->skipped[reason]++;
  out->reason = reason;
  return 0;
}

static void meta(struct sf_converter *c, struct sf_meta *m, int64_t ts_ns) {
  m->source_ts = sf_ns_to_ms(ts_ns);
  m->ingest_ts = m->source_ts;
  m->seq = c->seq;
  snprintf(m->trace_id, sizeof m->trace_id, "%s-%lld", c->trace_prefix, (long long)c->seq);
  c->seq++;
}

static struct sf_option_print *new_print(struct sf_convert_out *out) {
  struct sf_record *r = &out->rec[out->n++];
  memset(r, 0, sizeof *r);
  r->type = SF_REC_OPTION_PRINT;
  return &r->u.option_print;
}

static struct sf_option_nbbo *new_nbbo(struct sf_convert_out *out) {
  struct sf_record *r = &out->rec[out->n++];
  memset(r, 0, sizeof *r);
  r->type = SF_REC_OPTION_NBBO;
  return &r->u.option_nbbo;
}

static int64_t pick_ts(const struct sf_converter *c, uint64_t ts_event, uint64_t ts_recv) {
  uint64_t ts = c->use_ts_recv || ts_event == SF_DBN_UNDEF_TIMESTAMP ? ts_recv : ts_event;
  return ts == SF_DBN_UNDEF_TIMESTAMP ? SF_TS_NULL : (int64_t)ts;
}

static void venue(uint16_t publisher_id, char *buf, size_t cap) {
  const char *v = sf_dbn_publisher_venue(publisher_id);
  if (v)
    snprintf(buf, cap, "%s", v);
  else
    snprintf(buf, cap, "PUB%u", publisher_id);
}

static double px_or_null(int64_t px) { return px == SF_DBN_UNDEF_PRICE ? SF_NULL : (double)px * 1e-9; }

/* An nbbo from a level; false when both sides are undefined. */
static bool level_nbbo(struct sf_converter *c, struct sf_convert_out *out, const char *id, int64_t ts,
                       int64_t bid, int64_t ask, uint32_t bsz, uint32_t asz) {
  if (bid == SF_DBN_UNDEF_PRICE && ask == SF_DBN_UNDEF_PRICE) return false;
  struct sf_option_nbbo *q = new_nbbo(out);
  meta(c, &q->meta, ts);
  q->ts_ns = ts;
  snprintf(q->option_contract_id, sizeof q->option_contract_id, "%s", id);
  q->bid = px_or_null(bid);
  q->ask = px_or_null(ask);
  q->bid_size = bid == SF_DBN_UNDEF_PRICE ? SF_NULL : (double)bsz;
  q->ask_size = ask == SF_DBN_UNDEF_PRICE ? SF_NULL : (double)asz;
  return true;
}

static int trade_print(struct sf_converter *c, struct sf_convert_out *out, const char *id, int64_t ts,
                       int64_t px, uint32_t size, uint16_t publisher) {
  struct sf_option_print *p = new_print(out);
  meta(c, &p->meta, ts);
  p->ts_ns = ts;
  snprintf(p->option_contract_id, sizeof p->option_contract_id, "%s", id);
  p->price = (double)px * 1e-9;
  p->size = size;
  venue(publisher, p->exchange, sizeof p->exchange);
  p->conditions = 0; /* OPRA DBN records carry no sale conditions */
  return 0;
}

static uint32_t ny_date(int64_t ts) {
  int y, m, d, hh, mm, ss;
  sf_ny_local(ts, &y, &m, &d, &hh, &mm, &ss);
  return (uint32_t)(y * 10000 + m * 100 + d);
}

int sf_convert_dbn(struct sf_converter *c, const struct sf_dbn_record *r, struct sf_convert_out *out) {
  reset(out);
  if (r->kind == SF_DBN_KIND_OHLCV) return skip(c, out, SF_CONVERT_OHLCV);
  if (r->kind == SF_DBN_KIND_STATISTICS && r->u.stat.stat_type != SF_DBN_STAT_OPEN_INTEREST)
    return skip(c, out, SF_CONVERT_OTHER_STAT);
  /* Definitions name their own symbol; everything else goes through the day's mapping. */
  const char *sym =
      r->kind == SF_DBN_KIND_DEFINITION && r->u.def.raw_symbol[0] ? r->u.def.raw_symbol : r->symbol;
  if (!sym) return skip(c, out, SF_CONVERT_NO_SYMBOL);
  struct sf_contract k;
  char id[SF_CONTRACT_ID_MAX];
  const char *why = NULL;
  if (sf_contract_parse(sym, strlen(sym), &k, &why) != 0 || sf_contract_format(&k, id, sizeof id) < 0)
    return skip(c, out, SF_CONVERT_BAD_SYMBOL);

  switch (r->kind) {
    case SF_DBN_KIND_TRADE: {
      const struct sf_dbn_trade *t = &r->u.trade;
      if (t->price == SF_DBN_UNDEF_PRICE || t->price < 0) return skip(c, out, SF_CONVERT_UNDEF_PRICE);
      if (t->size == 0) return skip(c, out, SF_CONVERT_BAD_SIZE);
      return trade_print(c, out, id, pick_ts(c, t->hd.ts_event, t->ts_recv), t->price, t->size,
                         t->hd.publisher_id);
    }
    case SF_DBN_KIND_MBP1: {
      const struct sf_dbn_mbp1 *m = &r->u.mbp1;
      int64_t ts = pick_ts(c, m->hd.ts_event, m->ts_recv);
      if (m->action == 'T') {
        if (m->price == SF_DBN_UNDEF_PRICE || m->price < 0) return skip(c, out, SF_CONVERT_UNDEF_PRICE);
        if (m->size == 0) return skip(c, out, SF_CONVERT_BAD_SIZE);
        /* tbbo: the book just before the trade, then the trade. */
        level_nbbo(c, out, id, ts, m->level.bid_px, m->level.ask_px, m->level.bid_sz, m->level.ask_sz);
        return trade_print(c, out, id, ts, m->price, m->size, m->hd.publisher_id);
      }
      if (!level_nbbo(c, out, id, ts, m->level.bid_px, m->level.ask_px, m->level.bid_sz, m->level.ask_sz))
        return skip(c, out, SF_CONVERT_EMPTY_QUOTE);
      return 0;
    }
    case SF_DBN_KIND_CMBP1: {
      const struct sf_dbn_cmbp1 *m = &r->u.cmbp1;
      int64_t ts = pick_ts(c, m->hd.ts_event, m->ts_recv);
      if (!level_nbbo(c, out, id, ts, m->level.bid_px, m->level.ask_px, m->level.bid_sz, m->level.ask_sz))
        return skip(c, out, SF_CONVERT_EMPTY_QUOTE);
      return 0;
    }
    case SF_DBN_KIND_STATISTICS: {
      const struct sf_dbn_stat *s = &r->u.stat;
      if (s->quantity == SF_DBN_UNDEF_STAT_QUANTITY) return skip(c, out, SF_CONVERT_UNDEF_STAT);
      out->has_oi = true;
      snprintf(out->oi.option_contract_id, sizeof out->oi.option_contract_id, "%s", id);
      out->oi.ts_ns = pick_ts(c, s->hd.ts_event, s->ts_recv);
      out->oi.date = ny_date(out->oi.ts_ns);
      out->oi.open_interest = s->quantity;
      return 0;
    }
    case SF_DBN_KIND_DEFINITION: {
      const struct sf_dbn_definition *f = &r->u.def;
      struct sf_contract_ref *ref = &out->ref;
      memset(ref, 0, sizeof *ref);
      out->has_ref = true;
      snprintf(ref->option_contract_id, sizeof ref->option_contract_id, "%s", id);
      ref->contract = k;
      ref->strike =
          f->strike_price == SF_DBN_UNDEF_PRICE ? sf_contract_strike(&k) : (double)f->strike_price * 1e-9;
      ref->expiry_ns = sf_contract_expiry_ns(&k);
      ref->option_type =
          f->instrument_class == 'C' || f->instrument_class == 'P' ? f->instrument_class : k.right;
      ref->multiplier = f->contract_multiplier == INT32_MAX || f->contract_multiplier <= 0
                            ? 100.0
                            : (double)f->contract_multiplier;
      ref->tick = px_or_null(f->min_price_increment);
      snprintf(ref->underlying, sizeof ref->underlying, "%.*s", (int)sizeof ref->underlying - 1,
               f->underlying[0] ? f->underlying : k.root);
      return 0;
    }
    case SF_DBN_KIND_OHLCV:
      break;
  }
  return skip(c, out, SF_CONVERT_OHLCV);
}

int sf_convert_csv(struct sf_converter *c, const struct sf_csv_row *row, struct sf_convert_out *out) {
  reset(out);
  const char *ticker = row->kind == SF_CSV_KIND_TRADES ? row->u.trade.ticker : row->u.quote.ticker;
  if (strncmp(ticker, "O:", 2) == 0) ticker += 2;
  char id[SF_CONTRACT_ID_MAX];
  const char *why = NULL;
  if (sf_contract_canonicalize(ticker, id, sizeof id, &why) < 0) return skip(c, out, SF_CONVERT_BAD_SYMBOL);
  if (row->kind == SF_CSV_KIND_TRADES) {
    const struct sf_csv_trade *t = &row->u.trade;
    struct sf_option_print *p = new_print(out);
    meta(c, &p->meta, t->sip_timestamp);
    p->ts_ns = t->sip_timestamp;
    snprintf(p->option_contract_id, sizeof p->option_contract_id, "%s", id);
    p->price = t->price;
    p->size = t->size;
    snprintf(p->exchange, sizeof p->exchange, "%d", t->exchange);
    uint32_t bits = 0;
    for (int i = 0; i < t->condition_count; i++) {
      int known = 0;
      bits |= sf_condition_from_vendor_id(t->conditions[i], &known);
      if (!known) c->unknown_conditions++;
    }
    if (t->correction != 0) bits |= SF_COND_CORRECTION;
    p->conditions = bits;
    return 0;
  }
  const struct sf_csv_quote *q = &row->u.quote;
  struct sf_option_nbbo *n = new_nbbo(out);
  meta(c, &n->meta, q->sip_timestamp);
  n->ts_ns = q->sip_timestamp;
  snprintf(n->option_contract_id, sizeof n->option_contract_id, "%s", id);
  n->bid = q->bid_price;
  n->ask = q->ask_price;
  n->bid_size = (double)q->bid_size;
  n->ask_size = (double)q->ask_size;
  return 0;
}
