/* The column tables of the store's record types and the conversion of one column between a
 * record field and a cell (columns.h). JSON columns are written with the streaming writer into
 * per-column scratch buffers reused row after row (no allocation per row once warm) and read
 * back with the record JSON decoders (jansson), so a nested part is checked exactly as a wire
 * payload is. */
#include "store/columns.h"

#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartflow/condition.h"
#include "smartflow/contract.h"
#include "smartflow/err.h"
#include "smartflow/jsonv.h"
#include "smartflow/record_json.h"
#include "smartflow/time.h"
#include "store/store_impl.h"

#define SF_COL_WO 4u /* derived: written, never read back */

/* Enum name functions with one signature. */
static const char *side_name(int v) { return sf_side_name((enum sf_nbbo_side)v); }
static const char *agg_rule_name(int v) { return sf_aggressor_rule_name((enum sf_aggressor_rule)v); }

#define OFF(f) offsetof(struct sf_record, f)
#define COL(n, k, fl, f) \
  { n, k, fl, 0, 0, OFF(f), NULL, NULL }
#define SCOL(n, fl, f) \
  { n, SF_COL_STR, fl, 0, (uint16_t)sizeof(((struct sf_record *)0)->f), OFF(f), NULL, NULL }
#define ECOL(n, k, fl, f, nm, fr) \
  { n, k, fl, 0, 0, OFF(f), nm, fr }

#define MARKET_HEAD(m)                                                                               \
  SCOL("trace_id", 0, m.meta.trace_id), COL("ts", SF_COL_TS_MS, SF_COL_KEY | SF_COL_WO, m.ts_ns),    \
      COL("ts_ns", SF_COL_I64, SF_COL_KEY, m.ts_ns), COL("seq", SF_COL_I64, SF_COL_KEY, m.meta.seq), \
      COL("source_ts", SF_COL_TS, 0, m.meta.source_ts), COL("ingest_ts", SF_COL_TS, 0, m.meta.ingest_ts)

#define DERIVED_HEAD(m)                                                                            \
  SCOL("trace_id", 0, m.meta.trace_id), COL("source_ts", SF_COL_TS, SF_COL_KEY, m.meta.source_ts), \
      COL("ingest_ts", SF_COL_TS, 0, m.meta.ingest_ts), COL("seq", SF_COL_I64, SF_COL_KEY, m.meta.seq)

#define E SF_COL_ENRICHED
static const struct sf_col option_print_cols[] = {
    MARKET_HEAD(u.option_print),
    SCOL("option_contract_id", 0, u.option_print.option_contract_id),
    COL("price", SF_COL_NUM, 0, u.option_print.price),
    COL("size", SF_COL_I64, 0, u.option_print.size),
    SCOL("exchange", 0, u.option_print.exchange),
    COL("conditions", SF_COL_COND, 0, u.option_print.conditions),
    COL("enriched", SF_COL_BOOL, 0, u.option_print.enriched),
    SCOL("underlying_id", E, u.option_print.underlying_id),
    ECOL("option_type", SF_COL_ENUM8, E, u.option_print.option_type, sf_option_type_name,
         sf_option_type_from_name),
    COL("notional", SF_COL_NUM, E, u.option_print.notional),
    ECOL("nbbo_side", SF_COL_ENUM8, E, u.option_print.nbbo_side, side_name, sf_side_from_name),
    COL("nbbo_bid", SF_COL_NUM, E, u.option_print.nbbo_bid),
    COL("nbbo_ask", SF_COL_NUM, E, u.option_print.nbbo_ask),
    COL("nbbo_mid", SF_COL_NUM, E, u.option_print.nbbo_mid),
    COL("nbbo_spread", SF_COL_NUM, E, u.option_print.nbbo_spread),
    COL("nbbo_bid_size", SF_COL_NUM, E, u.option_print.nbbo_bid_size),
    COL("nbbo_ask_size", SF_COL_NUM, E, u.option_print.nbbo_ask_size),
    COL("nbbo_ts_ns", SF_COL_TS, E, u.option_print.nbbo_ts_ns),
    COL("nbbo_age_ms", SF_COL_NUM, E, u.option_print.nbbo_age_ms),
    COL("und_spot", SF_COL_NUM, E, u.option_print.und_spot),
    COL("und_bid", SF_COL_NUM, E, u.option_print.und_bid),
    COL("und_ask", SF_COL_NUM, E, u.option_print.und_ask),
    COL("und_mid", SF_COL_NUM, E, u.option_print.und_mid),
    COL("und_spread", SF_COL_NUM, E, u.option_print.und_spread),
    COL("und_ts_ns", SF_COL_TS, E, u.option_print.und_ts_ns),
    COL("und_age_ms", SF_COL_NUM, E, u.option_print.und_age_ms),
    COL("iv", SF_COL_NUM, E, u.option_print.iv),
    SCOL("iv_source", E, u.option_print.iv_source),
    COL("is_etf", SF_COL_TRIBOOL, E, u.option_print.is_etf),
    COL("delta", SF_COL_NUM, E, u.option_print.delta),
    COL("gamma", SF_COL_NUM, E, u.option_print.gamma),
    COL("vega", SF_COL_NUM, E, u.option_print.vega),
    COL("aggressor", SF_COL_I8, E, u.option_print.aggressor),
    ECOL("aggressor_rule", SF_COL_ENUM8, E, u.option_print.aggressor_rule, agg_rule_name,
         sf_aggressor_rule_from_name),
    COL("multiplier", SF_COL_NUM, E, u.option_print.multiplier),
};
#undef E

static const struct sf_col option_nbbo_cols[] = {
    MARKET_HEAD(u.option_nbbo),
    SCOL("option_contract_id", 0, u.option_nbbo.option_contract_id),
    COL("bid", SF_COL_NUM, 0, u.option_nbbo.bid),
    COL("ask", SF_COL_NUM, 0, u.option_nbbo.ask),
    COL("bid_size", SF_COL_NUM, 0, u.option_nbbo.bid_size),
    COL("ask_size", SF_COL_NUM, 0, u.option_nbbo.ask_size),
};

static const struct sf_col equity_quote_cols[] = {
    MARKET_HEAD(u.equity_quote),
    SCOL("underlying_id", 0, u.equity_quote.underlying_id),
    COL("bid", SF_COL_NUM, 0, u.equity_quote.bid),
    COL("ask", SF_COL_NUM, 0, u.equity_quote.ask),
    COL("bid_size", SF_COL_NUM, 0, u.equity_quote.bid_size),
    COL("ask_size", SF_COL_NUM, 0, u.equity_quote.ask_size),
};

static const struct sf_col equity_print_cols[] = {
    MARKET_HEAD(u.equity_print),
    SCOL("underlying_id", 0, u.equity_print.underlying_id),
    COL("price", SF_COL_NUM, 0, u.equity_print.price),
    COL("size", SF_COL_I64, 0, u.equity_print.size),
    SCOL("exchange", 0, u.equity_print.exchange),
    COL("off_exchange", SF_COL_TRIBOOL, 0, u.equity_print.off_exchange),
};

static const struct sf_col flow_packet_cols[] = {
    SCOL("id", 0, u.flow_packet.id),
    DERIVED_HEAD(u.flow_packet),
    COL("members", SF_COL_STRVEC, 0, u.flow_packet.members),
    COL("features_json", SF_COL_JSONOBJ, 0, u.flow_packet.features),
    COL("join_quality_json", SF_COL_JSONOBJ, 0, u.flow_packet.join_quality),
};

static const struct sf_col smart_money_cols[] = {
    SCOL("event_id", 0, u.smart_money.event_id),
    DERIVED_HEAD(u.smart_money),
    COL("packet_ids", SF_COL_STRVEC, 0, u.smart_money.packet_ids),
    COL("member_print_ids", SF_COL_STRVEC, 0, u.smart_money.member_print_ids),
    SCOL("underlying_id", 0, u.smart_money.underlying_id),
    ECOL("event_kind", SF_COL_ENUM8, 0, u.smart_money.event_kind, sf_event_kind_name,
         sf_event_kind_from_name),
    COL("event_window_ms", SF_COL_I64, 0, u.smart_money.event_window_ms),
    COL("features_json", SF_COL_FEATURES, 0, u.smart_money.features),
    COL("profile_scores_json", SF_COL_SCORES6, 0, u.smart_money.scores),
    ECOL("primary_profile_id", SF_COL_ENUMI, 0, u.smart_money.primary_profile, sf_profile_name,
         sf_profile_from_name),
    ECOL("primary_direction", SF_COL_ENUM8, 0, u.smart_money.primary_direction, sf_direction_name,
         sf_direction_from_name),
    COL("abstained", SF_COL_BOOL, 0, u.smart_money.abstained),
    COL("suppressed_reasons", SF_COL_STRVEC, 0, u.smart_money.suppressed_reasons),
    COL("total_premium", SF_COL_NUM, SF_COL_WO, u.smart_money.features.total_premium),
    COL("total_notional", SF_COL_NUM, SF_COL_WO, u.smart_money.features.total_notional),
    {"band", SF_COL_PRIMARY, SF_COL_WO, 0, 0, OFF(u.smart_money), NULL, NULL},
    {"primary_probability", SF_COL_PRIMARY, SF_COL_WO, 1, 0, OFF(u.smart_money), NULL, NULL},
};

static const struct sf_col classifier_hit_cols[] = {
    DERIVED_HEAD(u.classifier_hit),
    SCOL("classifier_id", 0, u.classifier_hit.classifier_id),
    COL("confidence", SF_COL_NUM, 0, u.classifier_hit.confidence),
    ECOL("direction", SF_COL_ENUM8, 0, u.classifier_hit.direction, sf_direction_name, sf_direction_from_name),
    COL("explanations", SF_COL_STRVEC, 0, u.classifier_hit.explanations),
};

static const struct sf_col alert_cols[] = {
    DERIVED_HEAD(u.alert),
    COL("score", SF_COL_NUM, 0, u.alert.score),
    ECOL("severity", SF_COL_ENUM8, 0, u.alert.severity, sf_severity_name, sf_severity_from_name),
    COL("hits_json", SF_COL_HITS, 0, u.alert),
    COL("evidence_refs", SF_COL_STRVEC, 0, u.alert.evidence_refs),
    ECOL("primary_profile_id", SF_COL_ENUMI, 0, u.alert.primary_profile, sf_profile_name,
         sf_profile_from_name),
    COL("profile_scores_json", SF_COL_PSCORES, 0, u.alert),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

const struct sf_col *sf_cols_of(enum sf_record_type t, size_t *n) {
  switch (t) {
    case SF_REC_OPTION_PRINT:
      *n = N(option_print_cols);
      return option_print_cols;
    case SF_REC_OPTION_NBBO:
      *n = N(option_nbbo_cols);
      return option_nbbo_cols;
    case SF_REC_EQUITY_QUOTE:
      *n = N(equity_quote_cols);
      return equity_quote_cols;
    case SF_REC_EQUITY_PRINT:
      *n = N(equity_print_cols);
      return equity_print_cols;
    case SF_REC_FLOW_PACKET:
      *n = N(flow_packet_cols);
      return flow_packet_cols;
    case SF_REC_SMART_MONEY:
      *n = N(smart_money_cols);
      return smart_money_cols;
    case SF_REC_CLASSIFIER_HIT:
      *n = N(classifier_hit_cols);
      return classifier_hit_cols;
    case SF_REC_ALERT:
      *n = N(alert_cols);
      return alert_cols;
    default:
      *n = 0;
      return NULL;
  }
}

int sf_col_readable(const struct sf_col *c) { return !(c->flags & SF_COL_WO); }

int sf_col_is_array(const struct sf_col *c) { return c->kind == SF_COL_STRVEC || c->kind == SF_COL_COND; }

void sf_cols_scratch_init(struct sf_cols_scratch *x) {
  for (size_t i = 0; i < SF_COLS_MAX; i++) sf_jw_init(&x->jw[i]);
}

void sf_cols_scratch_fini(struct sf_cols_scratch *x) {
  for (size_t i = 0; i < SF_COLS_MAX; i++) sf_jw_fini(&x->jw[i]);
}

/* ---- record -> cell ---- */

static const unsigned char *field(const struct sf_record *r, const struct sf_col *c) {
  return (const unsigned char *)r + c->offset;
}

static void jnum(struct sf_jw *w, double v) {
  if (isfinite(v))
    sf_jw_real(w, v);
  else
    sf_jw_null(w);
}

static void jname(struct sf_jw *w, const char *s) {
  if (s)
    sf_jw_str(w, s);
  else
    sf_jw_null(w);
}

static void jstrvec(struct sf_jw *w, const struct sf_strvec *v) {
  sf_jw_arr_begin(w);
  for (size_t i = 0; i < v->n; i++) sf_jw_str(w, v->v[i]);
  sf_jw_arr_end(w);
}

/* The features that are not null, with the wire names and number forms of the features object
 * (a missing feature reads back as null). */
static void features_json(const struct sf_features *f, struct sf_jw *w) {
  size_t n;
  const struct sf_field_desc *fd = sf_features_fields(&n);
  const unsigned char *base = (const unsigned char *)f;
  sf_jw_obj_begin(w);
  for (size_t i = 0; i < n; i++) {
    const unsigned char *p = base + fd[i].offset;
    switch (fd[i].kind) {
      case SF_FK_NUM:
      case SF_FK_INT: {
        double v;
        memcpy(&v, p, sizeof v);
        if (!isfinite(v)) break;
        sf_jw_key_lit(w, fd[i].name, strlen(fd[i].name));
        if (fd[i].kind == SF_FK_INT && v == floor(v) && fabs(v) <= 9007199254740992.0)
          sf_jw_int(w, (int64_t)v);
        else
          sf_jw_real(w, v);
        break;
      }
      case SF_FK_TS: {
        int64_t v;
        memcpy(&v, p, sizeof v);
        if (v == SF_TS_NULL) break;
        sf_jw_key_lit(w, fd[i].name, strlen(fd[i].name));
        sf_jw_int(w, v);
        break;
      }
      case SF_FK_STR:
        if (!p[0]) break;
        sf_jw_key_lit(w, fd[i].name, strlen(fd[i].name));
        sf_jw_str(w, (const char *)p);
        break;
      case SF_FK_TRIBOOL: {
        int8_t v;
        memcpy(&v, p, sizeof v);
        if (v < 0) break;
        sf_jw_key_lit(w, fd[i].name, strlen(fd[i].name));
        sf_jw_bool(w, v != 0);
        break;
      }
      default:
        w->err = SF_EINVAL;
        break;
    }
  }
  sf_jw_obj_end(w);
}

/* Profile scores, compactly: one array per score, [profile_id, probability, confidence_band,
 * direction] followed by reasons when there are any or a raw_score is known, then raw_score when
 * known. The wire names of the values are those of the wire objects; only the keys are left out
 * (six scores per event made the keys most of the column's bytes). */
static void scores_json(const struct sf_profile_score *s, size_t n, struct sf_jw *w) {
  sf_jw_arr_begin(w);
  for (size_t i = 0; i < n; i++) {
    sf_jw_arr_begin(w);
    jname(w, sf_profile_name(s[i].profile));
    jnum(w, s[i].probability);
    jname(w, sf_band_name(s[i].band));
    jname(w, sf_direction_name(s[i].direction));
    int raw = !isnan(s[i].raw_score);
    if (s[i].reasons.n || raw) jstrvec(w, &s[i].reasons);
    if (raw) jnum(w, s[i].raw_score);
    sf_jw_arr_end(w);
  }
  sf_jw_arr_end(w);
}

static void hits_json(const struct sf_alert *a, struct sf_jw *w) {
  sf_jw_arr_begin(w);
  for (size_t i = 0; i < a->hit_count; i++) {
    struct sf_record hr;
    hr.type = SF_REC_CLASSIFIER_HIT;
    hr.u.classifier_hit = a->hits[i]; /* a shallow view: nothing is freed */
    sf_record_encode(&hr, w);
  }
  sf_jw_arr_end(w);
}

static void text_cell(struct sf_cell *out, const char *s) {
  if (s && *s) {
    out->t = SF_CELL_TEXT;
    out->s = s;
    out->n = strlen(s);
  } else {
    out->t = SF_CELL_NULL;
  }
}

/* Checks that a NUL-terminated string is valid UTF-8. */
static int utf8_ok(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  while (p < end) {
    if (*p < 0x80) {
      p++;
      continue;
    }
    size_t k = sf_utf8_seq_len(p, end);
    if (!k) return 0;
    p += k;
  }
  return 1;
}

int sf_col_get(const struct sf_record *r, const struct sf_col *c, size_t ci, struct sf_cols_scratch *x,
               struct sf_cell *out) {
  const unsigned char *p = field(r, c);
  memset(out, 0, sizeof *out);
  if ((c->flags & SF_COL_ENRICHED) && !r->u.option_print.enriched) return 0; /* NULL */
  struct sf_jw *w = ci < SF_COLS_MAX ? &x->jw[ci] : NULL;
  switch (c->kind) {
    case SF_COL_I64: {
      int64_t v;
      memcpy(&v, p, sizeof v);
      out->t = SF_CELL_INT;
      out->i = v;
      return 0;
    }
    case SF_COL_TS:
    case SF_COL_TS_MS: {
      int64_t v;
      memcpy(&v, p, sizeof v);
      if (v == SF_TS_NULL) return 0;
      out->t = SF_CELL_INT;
      out->i = c->kind == SF_COL_TS_MS ? sf_ns_to_ms(v) : v;
      return 0;
    }
    case SF_COL_NUM: {
      double v;
      memcpy(&v, p, sizeof v);
      if (!isfinite(v)) return 0;
      out->t = SF_CELL_REAL;
      out->d = v;
      return 0;
    }
    case SF_COL_STR:
      text_cell(out, (const char *)p);
      return out->t == SF_CELL_TEXT && !utf8_ok(out->s, out->n) ? SF_EINVAL : 0;
    case SF_COL_ENUM8:
      text_cell(out, c->name_of(*p));
      return 0;
    case SF_COL_ENUMI: {
      int v;
      memcpy(&v, p, sizeof v);
      text_cell(out, v >= 0 ? c->name_of(v) : NULL);
      return 0;
    }
    case SF_COL_TRIBOOL: {
      int8_t v;
      memcpy(&v, p, sizeof v);
      if (v < 0) return 0;
      out->t = SF_CELL_INT;
      out->i = v != 0;
      return 0;
    }
    case SF_COL_I8: {
      int8_t v;
      memcpy(&v, p, sizeof v);
      out->t = SF_CELL_INT;
      out->i = v;
      return 0;
    }
    case SF_COL_BOOL: {
      bool v;
      memcpy(&v, p, sizeof v);
      out->t = SF_CELL_INT;
      out->i = v ? 1 : 0;
      return 0;
    }
    case SF_COL_STRVEC: {
      const struct sf_strvec *v = (const struct sf_strvec *)(const void *)p;
      for (size_t i = 0; i < v->n; i++)
        if (!utf8_ok(v->v[i], strlen(v->v[i]))) return SF_EINVAL;
      out->t = SF_CELL_ARRAY;
      out->strvec = v;
      return 0;
    }
    case SF_COL_COND:
      out->t = SF_CELL_ARRAY;
      memcpy(&out->bits, p, sizeof out->bits);
      return 0;
    case SF_COL_PRIMARY: {
      const struct sf_profile_score *ps = sf_store_primary_score(&r->u.smart_money);
      if (!ps) return 0;
      if (c->what == 0) {
        text_cell(out, sf_band_name(ps->band));
      } else if (isfinite(ps->probability)) {
        out->t = SF_CELL_REAL;
        out->d = ps->probability;
      }
      return 0;
    }
    default:
      break;
  }
  /* JSON columns. */
  if (!w) return SF_EINVAL;
  sf_jw_reset(w);
  switch (c->kind) {
    case SF_COL_FEATURES:
      features_json((const struct sf_features *)(const void *)p, w);
      break;
    case SF_COL_SCORES6:
      scores_json((const struct sf_profile_score *)(const void *)p, SF_PROFILE_COUNT, w);
      break;
    case SF_COL_JSONOBJ: {
      const json_t *j;
      memcpy(&j, p, sizeof j);
      if (!j) return 0;
      sf_jw_jansson(w, j);
      break;
    }
    case SF_COL_HITS:
      hits_json(&r->u.alert, w);
      break;
    case SF_COL_PSCORES:
      if (!r->u.alert.profile_scores) return 0;
      scores_json(r->u.alert.profile_scores, r->u.alert.profile_score_count, w);
      break;
    default:
      return SF_EINVAL;
  }
  size_t len = 0;
  const char *s = sf_jw_status(w) ? NULL : sf_jw_cstr(w, &len);
  if (!s) return sf_jw_status(w) ? sf_jw_status(w) : SF_ENOMEM;
  out->t = SF_CELL_TEXT;
  out->s = s;
  out->n = len;
  return 0;
}

static int strvec_ok(const struct sf_strvec *v) {
  for (size_t i = 0; i < v->n; i++)
    if (!utf8_ok(v->v[i], strlen(v->v[i]))) return 0;
  return 1;
}

static int str_ok(const char *s) { return utf8_ok(s, strlen(s)); }

static int scores_ok(const struct sf_profile_score *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!strvec_ok(&s[i].reasons)) return 0;
  return 1;
}

int sf_cols_check(const struct sf_record *r, const char **col) {
  size_t n;
  const struct sf_col *cols = sf_cols_of(r->type, &n);
  for (size_t i = 0; i < n; i++) {
    const struct sf_col *c = &cols[i];
    const unsigned char *p = field(r, c);
    int ok = 1;
    if ((c->flags & SF_COL_ENRICHED) && !r->u.option_print.enriched) continue;
    switch (c->kind) {
      case SF_COL_STR:
        ok = str_ok((const char *)p);
        break;
      case SF_COL_STRVEC:
        ok = strvec_ok((const struct sf_strvec *)(const void *)p);
        break;
      case SF_COL_FEATURES: {
        size_t nf;
        const struct sf_field_desc *fd = sf_features_fields(&nf);
        for (size_t k = 0; k < nf && ok; k++)
          if (fd[k].kind == SF_FK_STR) ok = str_ok((const char *)p + fd[k].offset);
        break;
      }
      case SF_COL_SCORES6:
        ok = scores_ok((const struct sf_profile_score *)(const void *)p, SF_PROFILE_COUNT);
        break;
      case SF_COL_PSCORES:
        ok = !r->u.alert.profile_scores ||
             scores_ok(r->u.alert.profile_scores, r->u.alert.profile_score_count);
        break;
      case SF_COL_HITS:
        for (size_t k = 0; k < r->u.alert.hit_count && ok; k++) {
          const struct sf_classifier_hit *h = &r->u.alert.hits[k];
          ok = str_ok(h->meta.trace_id) && str_ok(h->classifier_id) && strvec_ok(&h->explanations);
        }
        break;
      default: /* numbers, names from fixed tables, jansson values (checked by jansson) */
        break;
    }
    if (!ok) {
      *col = c->name;
      return SF_EFIELD;
    }
  }
  return 0;
}

size_t sf_cell_array_len(const struct sf_cell *cell) {
  if (cell->strvec) return cell->strvec->n;
  size_t n = 0;
  for (int b = 0; b < SF_COND_COUNT; b++)
    if (cell->bits & sf_condition_bit(b)) n++;
  return n;
}

const char *sf_cell_array_at(const struct sf_cell *cell, size_t i) {
  if (cell->strvec) return i < cell->strvec->n ? cell->strvec->v[i] : NULL;
  for (int b = 0; b < SF_COND_COUNT; b++)
    if ((cell->bits & sf_condition_bit(b)) && i-- == 0) return sf_condition_name(sf_condition_bit(b));
  return NULL;
}

void sf_cell_array_json(const struct sf_cell *cell, struct sf_jw *w) {
  size_t n = sf_cell_array_len(cell);
  sf_jw_arr_begin(w);
  for (size_t i = 0; i < n; i++) sf_jw_str(w, sf_cell_array_at(cell, i));
  sf_jw_arr_end(w);
}

/* ---- cell -> record ---- */

static unsigned char *mfield(struct sf_record *r, const struct sf_col *c) {
  return (unsigned char *)r + c->offset;
}

static int bad(char *why, size_t cap, const struct sf_col *c, const char *what) {
  snprintf(why, cap, "column %s: %s", c->name, what);
  return SF_EFIELD;
}

/* Parses a JSON column's text; NULL (with why set) when it is not JSON or not of the given kind. */
static json_t *parse(const struct sf_col *c, const struct sf_cell *cell, int want_array, char *why,
                     size_t cap) {
  if (cell->t != SF_CELL_TEXT) {
    bad(why, cap, c, "must be JSON text");
    return NULL;
  }
  json_error_t je;
  json_t *j = json_loadb(cell->s, cell->n, 0, &je);
  if (!j) {
    char m[200];
    snprintf(m, sizeof m, "bad JSON at offset %d: %s", je.position, je.text);
    bad(why, cap, c, m);
    return NULL;
  }
  if (want_array ? !json_is_array(j) : !json_is_object(j)) {
    json_decref(j);
    bad(why, cap, c, want_array ? "must be a JSON array" : "must be a JSON object");
    return NULL;
  }
  return j;
}

static int errbuf_fail(const struct sf_col *c, int rc, const struct sf_errbuf *eb, char *why, size_t cap) {
  if (rc == SF_ENOMEM) return rc;
  return bad(why, cap, c, eb->msg[0] ? eb->msg : sf_strerror(rc));
}

/* Decodes one compact score (see scores_json) with the wire decoder's checks. */
static int score_from(const struct sf_col *c, const json_t *a, struct sf_profile_score *out, char *why,
                      size_t cap) {
  memset(out, 0, sizeof *out);
  out->raw_score = SF_NULL;
  size_t n = json_array_size(a);
  if (!json_is_array(a) || n < 4 || n > 6)
    return bad(why, cap, c, "a score must be an array of 4 to 6 values");
  const json_t *name = json_array_get(a, 0), *prob = json_array_get(a, 1), *band = json_array_get(a, 2),
               *dir = json_array_get(a, 3);
  int p = json_is_string(name) ? sf_profile_from_name(json_string_value(name)) : -1;
  if (p < 0) return bad(why, cap, c, "a score names an unknown profile");
  out->profile = (uint8_t)p;
  if (!json_is_number(prob) || json_number_value(prob) < 0 || json_number_value(prob) > 1)
    return bad(why, cap, c, "a score's probability must be a number in [0, 1]");
  out->probability = json_number_value(prob);
  int b = json_is_string(band) ? sf_band_from_name(json_string_value(band)) : -1;
  int d = json_is_string(dir) ? sf_direction_from_name(json_string_value(dir)) : -1;
  if (b < 0 || d < 0) return bad(why, cap, c, "a score's confidence_band or direction is not a known name");
  out->band = (uint8_t)b;
  out->direction = (uint8_t)d;
  const json_t *reasons = json_array_get(a, 4);
  if (n == 6) {
    const json_t *raw = json_array_get(a, 5);
    if (!json_is_number(raw) || json_number_value(raw) < 0 || json_number_value(raw) > 1)
      return bad(why, cap, c, "a score's raw_score must be a number in [0, 1]");
    out->raw_score = json_number_value(raw);
  }
  if (reasons) {
    if (!json_is_array(reasons)) return bad(why, cap, c, "a score's reasons must be an array of strings");
    for (size_t i = 0; i < json_array_size(reasons); i++) {
      const json_t *e = json_array_get(reasons, i);
      if (!json_is_string(e)) {
        sf_profile_score_fini(out);
        return bad(why, cap, c, "a score's reasons must be an array of strings");
      }
      if (sf_strvec_pushn(&out->reasons, json_string_value(e), json_string_length(e))) {
        sf_profile_score_fini(out);
        return SF_ENOMEM;
      }
    }
  }
  return 0;
}

/* Decodes an array of compact profile scores into out (at most cap_n, each profile once). */
static int scores_from(const struct sf_col *c, const json_t *a, struct sf_profile_score *out, size_t cap_n,
                       size_t *count, char *why, size_t cap) {
  size_t n = json_array_size(a);
  *count = 0;
  if (n > cap_n) return bad(why, cap, c, "holds more than six profile scores");
  unsigned seen = 0;
  for (size_t i = 0; i < n; i++) {
    int rc = score_from(c, json_array_get(a, i), &out[i], why, cap);
    if (rc) return rc;
    *count = i + 1;
    if (seen & (1u << out[i].profile)) return bad(why, cap, c, "names a profile twice");
    seen |= 1u << out[i].profile;
  }
  return 0;
}

/* ---- fast readers of the JSON the store writes ----
 *
 * Reads rebuild every row's nested parts, so parsing them with jansson (a tree, an allocation per
 * value) was most of a raw read's time. The readers below take the shapes the store itself writes
 * (string arrays, the flat features object, compact scores) in one pass without allocating, and
 * decline (return 1) on anything they do not fully handle: an escape in a string, a string longer
 * than their buffer, a value of an unexpected kind, a value out of range. A declined column is
 * read again by the jansson path, which applies the wire decoders' checks and names the error,
 * so the fast path changes nothing but the time. */

#define FAST_DECLINED 1
#define FAST_STR_MAX 256

struct jr {
  const char *p, *end;
};

static void jr_ws(struct jr *r) {
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) r->p++;
}

static int jr_eat(struct jr *r, char c) {
  jr_ws(r);
  if (r->p < r->end && *r->p == c) {
    r->p++;
    return 1;
  }
  return 0;
}

/* A string without escapes or control bytes, as a view; 0 when there is none here. */
static int jr_str(struct jr *r, const char **s, size_t *n) {
  jr_ws(r);
  if (r->p >= r->end || *r->p != '"') return 0;
  const char *q = ++r->p;
  while (r->p < r->end && *r->p != '"') {
    if (*r->p == '\\' || (unsigned char)*r->p < 0x20) return 0;
    r->p++;
  }
  if (r->p >= r->end) return 0;
  *s = q;
  *n = (size_t)(r->p - q);
  r->p++;
  return 1;
}

/* A number, read by the project's one JSON number reader (jsonv.h): *is_int with *i for an
 * integer, else *v; 0 when there is none here (or it declines). */
static int jr_number(struct jr *r, int *is_int, int64_t *i, double *v) {
  jr_ws(r);
  const char *stop;
  if (sf_json_number(r->p, r->end, &stop, is_int, i, v)) return 0;
  r->p = stop;
  return 1;
}

static int jr_num(struct jr *r, double *v) {
  int is_int;
  int64_t i;
  if (!jr_number(r, &is_int, &i, v)) return 0;
  if (is_int) *v = (double)i;
  return 1;
}

static int jr_lit(struct jr *r, const char *lit) {
  jr_ws(r);
  size_t n = strlen(lit);
  if ((size_t)(r->end - r->p) < n || memcmp(r->p, lit, n) != 0) return 0;
  r->p += n;
  return 1;
}

static int jr_done(struct jr *r) {
  jr_ws(r);
  return r->p == r->end;
}

/* ["a", "b", ...] into the array column (items pushed through sf_col_array_push). */
static int fast_array(struct sf_record *rec, const struct sf_col *c, const struct sf_cell *cell, char *why,
                      size_t cap) {
  struct jr r = {cell->s, cell->s + cell->n};
  if (!jr_eat(&r, '[')) return FAST_DECLINED;
  sf_col_array_begin(rec, c);
  if (jr_eat(&r, ']')) return jr_done(&r) ? 0 : FAST_DECLINED;
  for (;;) {
    const char *s;
    size_t n;
    if (!jr_str(&r, &s, &n) || !utf8_ok(s, n)) return FAST_DECLINED;
    int rc = sf_col_array_push(rec, c, s, n, why, cap);
    if (rc) return rc == SF_ENOMEM ? rc : FAST_DECLINED;
    if (jr_eat(&r, ',')) continue;
    if (jr_eat(&r, ']')) return jr_done(&r) ? 0 : FAST_DECLINED;
    return FAST_DECLINED;
  }
}

/* The features object: every key a feature (others are ignored, as on the wire), each value of
 * its feature's kind and range. */
static int fast_features(struct sf_features *f, const struct sf_cell *cell) {
  size_t nf;
  const struct sf_field_desc *fd = sf_features_fields(&nf);
  unsigned char *base = (unsigned char *)f;
  struct jr r = {cell->s, cell->s + cell->n};
  size_t next = 0;
  sf_features_init_null(f);
  if (!jr_eat(&r, '{')) return FAST_DECLINED;
  if (jr_eat(&r, '}')) return jr_done(&r) ? 0 : FAST_DECLINED;
  for (;;) {
    const char *k;
    size_t kn;
    if (!jr_str(&r, &k, &kn) || !jr_eat(&r, ':')) return FAST_DECLINED;
    /* Keys come in table order (features_json writes them so): search from the last one on. */
    const struct sf_field_desc *d = NULL;
    for (size_t t = 0; t < nf && !d; t++) {
      size_t i = (next + t) % nf;
      if (fd[i].name[0] == k[0] && strncmp(fd[i].name, k, kn) == 0 && fd[i].name[kn] == '\0') {
        d = &fd[i];
        next = i + 1;
      }
    }
    if (!d) return FAST_DECLINED;
    unsigned char *p = base + d->offset;
    jr_ws(&r);
    if (jr_lit(&r, "null")) {
      /* stays null */
    } else if (d->kind == SF_FK_NUM || d->kind == SF_FK_INT) {
      double v;
      if (!jr_num(&r, &v)) return FAST_DECLINED;
      if (strcmp(d->name, "net_directional_bias") == 0 && (v < -1 || v > 1)) return FAST_DECLINED;
      memcpy(p, &v, sizeof v);
    } else if (d->kind == SF_FK_TS) {
      int is_int;
      int64_t iv;
      double unused;
      if (!jr_number(&r, &is_int, &iv, &unused) || !is_int) return FAST_DECLINED;
      if (iv < -INT64_C(9223372036854) || iv > INT64_C(9223372036854)) return FAST_DECLINED;
      memcpy(p, &iv, sizeof iv);
    } else if (d->kind == SF_FK_STR) {
      const char *s;
      size_t n;
      if (!jr_str(&r, &s, &n) || n >= d->size || n >= FAST_STR_MAX || !utf8_ok(s, n)) return FAST_DECLINED;
      char tmp[FAST_STR_MAX];
      memcpy(tmp, s, n);
      tmp[n] = '\0';
      if (strcmp(d->name, "option_contract_id") == 0) {
        const char *cwhy = NULL;
        if (n && sf_contract_canonicalize(tmp, (char *)p, d->size, &cwhy) < 0) return FAST_DECLINED;
        if (!n) p[0] = '\0';
      } else {
        if (strcmp(d->name, "option_type") == 0 && n && strcmp(tmp, "C") != 0 && strcmp(tmp, "P") != 0)
          return FAST_DECLINED;
        memcpy(p, tmp, n + 1);
      }
    } else if (d->kind == SF_FK_TRIBOOL) {
      int8_t v;
      if (jr_lit(&r, "true"))
        v = 1;
      else if (jr_lit(&r, "false"))
        v = 0;
      else
        return FAST_DECLINED;
      memcpy(p, &v, sizeof v);
    } else {
      return FAST_DECLINED;
    }
    if (jr_eat(&r, ',')) continue;
    if (jr_eat(&r, '}')) return jr_done(&r) ? 0 : FAST_DECLINED;
    return FAST_DECLINED;
  }
}

/* A name from a fixed list, read as a plain string. */
static int jr_name(struct jr *r, int (*from_name)(const char *), int *out) {
  const char *s;
  size_t n;
  char tmp[64];
  if (!jr_str(r, &s, &n) || n >= sizeof tmp) return 0;
  memcpy(tmp, s, n);
  tmp[n] = '\0';
  *out = from_name(tmp);
  return *out >= 0;
}

/* Compact scores (see scores_json), at most cap_n, each profile once. */
static int fast_scores(struct sf_profile_score *out, size_t cap_n, size_t *count,
                       const struct sf_cell *cell) {
  struct jr r = {cell->s, cell->s + cell->n};
  unsigned seen = 0;
  *count = 0;
  if (!jr_eat(&r, '[')) return FAST_DECLINED;
  if (jr_eat(&r, ']')) return jr_done(&r) ? 0 : FAST_DECLINED;
  for (;;) {
    if (*count == cap_n || !jr_eat(&r, '[')) return FAST_DECLINED;
    struct sf_profile_score *s = &out[*count];
    memset(s, 0, sizeof *s);
    s->raw_score = SF_NULL;
    (*count)++; /* owned from here: the caller frees what was read */
    int prof, band, dir;
    if (!jr_name(&r, sf_profile_from_name, &prof) || (seen & (1u << prof)) || !jr_eat(&r, ',') ||
        !jr_num(&r, &s->probability) || s->probability < 0 || s->probability > 1 || !jr_eat(&r, ',') ||
        !jr_name(&r, sf_band_from_name, &band) || !jr_eat(&r, ',') ||
        !jr_name(&r, sf_direction_from_name, &dir))
      return FAST_DECLINED;
    seen |= 1u << prof;
    s->profile = (uint8_t)prof;
    s->band = (uint8_t)band;
    s->direction = (uint8_t)dir;
    if (jr_eat(&r, ',')) {
      if (!jr_eat(&r, '[')) return FAST_DECLINED;
      if (!jr_eat(&r, ']')) {
        for (;;) {
          const char *str;
          size_t n;
          if (!jr_str(&r, &str, &n) || !utf8_ok(str, n)) return FAST_DECLINED;
          if (sf_strvec_pushn(&s->reasons, str, n)) return SF_ENOMEM;
          if (jr_eat(&r, ',')) continue;
          if (jr_eat(&r, ']')) break;
          return FAST_DECLINED;
        }
      }
      if (jr_eat(&r, ',') && (!jr_num(&r, &s->raw_score) || s->raw_score < 0 || s->raw_score > 1))
        return FAST_DECLINED;
    }
    if (!jr_eat(&r, ']')) return FAST_DECLINED;
    if (jr_eat(&r, ',')) continue;
    if (jr_eat(&r, ']')) return jr_done(&r) ? 0 : FAST_DECLINED;
    return FAST_DECLINED;
  }
}

static int set_json(struct sf_record *r, const struct sf_col *c, const struct sf_cell *cell, char *why,
                    size_t cap) {
  unsigned char *p = mfield(r, c);
  int rc = 0;
  struct sf_errbuf eb = {{0}};
  if (c->kind == SF_COL_PSCORES && cell->t == SF_CELL_NULL) return 0; /* absent */
  if (c->kind == SF_COL_JSONOBJ && cell->t == SF_CELL_NULL) return bad(why, cap, c, "must not be null");
  if (cell->t == SF_CELL_TEXT && c->kind == SF_COL_FEATURES) {
    rc = fast_features((struct sf_features *)(void *)p, cell);
    if (rc != FAST_DECLINED) return rc;
  } else if (cell->t == SF_CELL_TEXT && (c->kind == SF_COL_SCORES6 || c->kind == SF_COL_PSCORES)) {
    int scores6 = c->kind == SF_COL_SCORES6;
    struct sf_profile_score *s = scores6 ? (struct sf_profile_score *)(void *)p : NULL;
    if (!scores6) {
      s = calloc(SF_PROFILE_COUNT, sizeof *s);
      if (!s) return SF_ENOMEM;
    }
    size_t count = 0;
    rc = fast_scores(s, SF_PROFILE_COUNT, &count, cell);
    if (!rc && scores6 && count != SF_PROFILE_COUNT) rc = FAST_DECLINED;
    if (rc == 0 && !scores6) {
      r->u.alert.profile_scores = s;
      r->u.alert.profile_score_count = count;
      return 0;
    }
    if (rc == 0) return 0;
    for (size_t i = 0; i < count; i++) sf_profile_score_fini(&s[i]);
    if (scores6)
      memset(s, 0, SF_PROFILE_COUNT * sizeof *s);
    else
      free(s);
    if (rc != FAST_DECLINED) return rc;
  }
  int want_array = c->kind != SF_COL_FEATURES && c->kind != SF_COL_JSONOBJ;
  json_t *j = parse(c, cell, want_array, why, cap);
  if (!j) return SF_EFIELD;
  switch (c->kind) {
    case SF_COL_FEATURES:
      rc = sf_features_from_json(j, (struct sf_features *)(void *)p, c->name, &eb);
      if (rc) rc = errbuf_fail(c, rc, &eb, why, cap);
      break;
    case SF_COL_SCORES6: {
      struct sf_profile_score *s = (struct sf_profile_score *)(void *)p;
      size_t count = 0;
      for (int i = 0; i < SF_PROFILE_COUNT; i++) sf_profile_score_fini(&s[i]);
      memset(s, 0, SF_PROFILE_COUNT * sizeof *s);
      rc = scores_from(c, j, s, SF_PROFILE_COUNT, &count, why, cap);
      if (!rc && count != SF_PROFILE_COUNT) rc = bad(why, cap, c, "must hold exactly six profile scores");
      break;
    }
    case SF_COL_JSONOBJ: {
      json_t **slot = (json_t **)(void *)p;
      json_decref(*slot);
      *slot = json_incref(j);
      break;
    }
    case SF_COL_HITS: {
      struct sf_alert *a = &r->u.alert;
      size_t n = json_array_size(j);
      a->hits = n ? calloc(n, sizeof *a->hits) : NULL;
      if (n && !a->hits) {
        rc = SF_ENOMEM;
        break;
      }
      for (size_t i = 0; i < n && !rc; i++) {
        struct sf_record hr;
        rc = sf_record_from_json(SF_REC_CLASSIFIER_HIT, json_array_get(j, i), &hr, &eb);
        if (rc) {
          rc = errbuf_fail(c, rc, &eb, why, cap);
          break;
        }
        a->hits[i] = hr.u.classifier_hit;
        a->hit_count = i + 1;
      }
      break;
    }
    case SF_COL_PSCORES: {
      struct sf_alert *a = &r->u.alert;
      a->profile_scores = calloc(SF_PROFILE_COUNT, sizeof *a->profile_scores);
      if (!a->profile_scores) {
        rc = SF_ENOMEM;
        break;
      }
      rc = scores_from(c, j, a->profile_scores, SF_PROFILE_COUNT, &a->profile_score_count, why, cap);
      break;
    }
    default:
      rc = bad(why, cap, c, "is not a JSON column");
      break;
  }
  json_decref(j);
  return rc;
}

void sf_col_array_begin(struct sf_record *r, const struct sf_col *c) {
  unsigned char *p = mfield(r, c);
  if (c->kind == SF_COL_COND)
    memset(p, 0, sizeof(uint32_t));
  else
    sf_strvec_clear((struct sf_strvec *)(void *)p);
}

int sf_col_array_push(struct sf_record *r, const struct sf_col *c, const char *s, size_t n, char *why,
                      size_t cap) {
  unsigned char *p = mfield(r, c);
  if (memchr(s, '\0', n) || !utf8_ok(s, n))
    return bad(why, cap, c, "holds an item that is not valid UTF-8 text");
  if (c->kind == SF_COL_COND) {
    uint32_t bit = sf_condition_from_name(s, n), bits;
    if (!bit) return bad(why, cap, c, "names an unknown condition");
    memcpy(&bits, p, sizeof bits);
    bits |= bit;
    memcpy(p, &bits, sizeof bits);
    return 0;
  }
  return sf_strvec_pushn((struct sf_strvec *)(void *)p, s, n) ? SF_ENOMEM : 0;
}

static int set_array_json(struct sf_record *r, const struct sf_col *c, const struct sf_cell *cell, char *why,
                          size_t cap) {
  sf_col_array_begin(r, c);
  if (cell->t == SF_CELL_NULL) return 0; /* an empty array */
  if (cell->t == SF_CELL_TEXT) {
    int rc = fast_array(r, c, cell, why, cap);
    if (rc != FAST_DECLINED) return rc;
    sf_col_array_begin(r, c);
  }
  json_t *j = parse(c, cell, 1, why, cap);
  if (!j) return SF_EFIELD;
  int rc = 0;
  for (size_t i = 0; i < json_array_size(j) && !rc; i++) {
    const json_t *e = json_array_get(j, i);
    if (!json_is_string(e))
      rc = bad(why, cap, c, "must be a JSON array of strings");
    else
      rc = sf_col_array_push(r, c, json_string_value(e), json_string_length(e), why, cap);
  }
  json_decref(j);
  return rc;
}

int sf_col_set(struct sf_record *r, const struct sf_col *c, const struct sf_cell *cell, char *why,
               size_t cap) {
  if (!sf_col_readable(c)) return 0;
  unsigned char *p = mfield(r, c);
  int null = cell->t == SF_CELL_NULL;
  if ((c->flags & SF_COL_ENRICHED) && null) return 0; /* stays as sf_record_init left it */
  switch (c->kind) {
    case SF_COL_I64:
    case SF_COL_TS: {
      int64_t v = SF_TS_NULL;
      if (null && c->kind == SF_COL_I64) return bad(why, cap, c, "must not be null");
      if (!null) {
        if (cell->t != SF_CELL_INT) return bad(why, cap, c, "must be an integer");
        v = cell->i;
      }
      memcpy(p, &v, sizeof v);
      return 0;
    }
    case SF_COL_NUM: {
      double v = SF_NULL;
      if (cell->t == SF_CELL_REAL)
        v = cell->d;
      else if (cell->t == SF_CELL_INT)
        v = (double)cell->i;
      else if (!null)
        return bad(why, cap, c, "must be a number");
      memcpy(p, &v, sizeof v);
      return 0;
    }
    case SF_COL_STR:
      if (null || (cell->t == SF_CELL_TEXT && cell->n == 0)) {
        p[0] = '\0';
        return 0;
      }
      if (cell->t != SF_CELL_TEXT) return bad(why, cap, c, "must be text");
      if (cell->n >= c->size) return bad(why, cap, c, "is longer than the field holds");
      if (memchr(cell->s, '\0', cell->n) || !utf8_ok(cell->s, cell->n))
        return bad(why, cap, c, "is not valid UTF-8 text");
      memcpy(p, cell->s, cell->n);
      p[cell->n] = '\0';
      return 0;
    case SF_COL_ENUM8:
    case SF_COL_ENUMI: {
      int v = -1;
      if (null || (cell->t == SF_CELL_TEXT && cell->n == 0)) {
        if (c->kind == SF_COL_ENUM8 && c->name_of(0)) return bad(why, cap, c, "must not be null");
        v = c->kind == SF_COL_ENUM8 ? 0 : -1;
      } else {
        char name[64];
        if (cell->t != SF_CELL_TEXT || cell->n >= sizeof name) return bad(why, cap, c, "is not a known name");
        memcpy(name, cell->s, cell->n);
        name[cell->n] = '\0';
        v = c->from_name(name);
        if (v < 0) return bad(why, cap, c, "is not a known name");
      }
      if (c->kind == SF_COL_ENUM8)
        *p = (uint8_t)v;
      else
        memcpy(p, &v, sizeof v);
      return 0;
    }
    case SF_COL_TRIBOOL:
    case SF_COL_I8:
    case SF_COL_BOOL: {
      if (null && c->kind != SF_COL_TRIBOOL) return bad(why, cap, c, "must not be null");
      if (!null && cell->t != SF_CELL_INT) return bad(why, cap, c, "must be an integer");
      int64_t v = null ? -1 : cell->i;
      if (c->kind == SF_COL_I8 ? (v < -1 || v > 1) : (!null && v != 0 && v != 1))
        return bad(why, cap, c, "is out of range");
      if (c->kind == SF_COL_BOOL) {
        bool b = v == 1;
        memcpy(p, &b, sizeof b);
      } else {
        int8_t b = (int8_t)v;
        memcpy(p, &b, sizeof b);
      }
      return 0;
    }
    case SF_COL_STRVEC:
    case SF_COL_COND:
      return set_array_json(r, c, cell, why, cap);
    default:
      return set_json(r, c, cell, why, cap);
  }
}
