/* DBN (Databento Binary Encoding) v1-v3 sans-I/O decoder. The decoder is a small state machine
 * (prelude -> metadata -> records) over whatever bytes the caller hands it: complete units
 * (the metadata block, one record) are decoded in place from the caller's buffer, and only a
 * unit split across calls is copied into a carry buffer that never holds more than that one
 * unit. Records are copied out with memcpy into structs that mirror the wire layouts (see
 * include/smartflow/dbn.h), so no pointer into the input survives a call.
 *
 * References: databento/dbn rust/dbn/src/decode/dbn/fsm.rs (prelude and metadata parsing:
 * METADATA_FIXED_LEN 100, v1 record_count and 47 reserved bytes, v2+ symbol_cstr_len and 53
 * reserved bytes, schema_definition length, symbols/partial/not_found, symbol mappings with
 * YYYYMMDD interval dates), rust/dbn/src/record.rs and compat.rs (record layouts and the v1/v2
 * to v3 upgrades), databento-cpp include/databento/{record,v1,v2}.hpp (sizes) and
 * publishers.hpp (publisher ids). Errors carry the absolute stream offset of the offending
 * byte and are sticky. */
#include "smartflow/dbn.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartflow/err.h"
#include "smartflow/time.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the DBN decoder copies little-endian structs");

enum { ST_PRELUDE = 0, ST_METADATA, ST_RECORDS };
#define STEP_NEED 100
#define STEP_SKIP 101
#define PRELUDE_LEN 8
#define HEADER_LEN 16

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32); }

static int fail_at(struct sf_dbn_decoder *d, int err, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_at(struct sf_dbn_decoder *d, int err, uint64_t offset, const char *fmt, ...) {
  char why[120];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  d->err = err;
  d->err_offset = offset;
  snprintf(d->errmsg, sizeof d->errmsg, "offset %llu: %s", (unsigned long long)offset, why);
  return err;
}

void sf_dbn_decoder_init(struct sf_dbn_decoder *d) {
  memset(d, 0, sizeof *d);
  d->state = ST_PRELUDE;
  d->need = PRELUDE_LEN;
  d->last_day = UINT64_MAX;
}

static void free_metadata(struct sf_dbn_decoder *d) {
  free(d->strings);
  free(d->intervals);
  free(d->symtab);
  free(d->by_id);
  d->strings = NULL;
  d->intervals = NULL;
  d->symtab = NULL;
  d->by_id = NULL;
}

void sf_dbn_decoder_fini(struct sf_dbn_decoder *d) {
  free(d->buf);
  free_metadata(d);
  memset(d, 0, sizeof *d);
}

const struct sf_dbn_metadata *sf_dbn_decoder_metadata(const struct sf_dbn_decoder *d) {
  return d->state == ST_RECORDS ? &d->meta : NULL;
}

const char *sf_dbn_decoder_errmsg(const struct sf_dbn_decoder *d) { return d->errmsg; }

/* ---- Metadata ------------------------------------------------------------------------- */

/* Walks the variable part of the metadata. With fill false it validates and counts; with fill
 * true it copies strings into the pools allocated from the counts. */
struct walk {
  const uint8_t *m; /* metadata body (after the 8-byte prelude) */
  size_t len;
  size_t pos;
  size_t cstr;
  bool fill;
  size_t nstr, nint; /* strings and intervals seen */
};

static bool need_bytes(struct walk *w, uint64_t n) { return (uint64_t)w->pos + n <= (uint64_t)w->len; }

static const char *take_cstr(struct sf_dbn_decoder *d, struct walk *w) {
  const char *out = NULL;
  if (w->fill) {
    char *dst = d->strings + w->nstr * (w->cstr + 1);
    size_t n = strnlen((const char *)w->m + w->pos, w->cstr);
    memcpy(dst, w->m + w->pos, n);
    dst[n] = '\0';
    d->symtab[w->nstr] = dst;
    out = dst;
  }
  w->nstr++;
  w->pos += w->cstr;
  return out;
}

static bool valid_yyyymmdd(uint32_t v) {
  int y = (int)(v / 10000), m = (int)(v / 100 % 100), dd = (int)(v % 100);
  return y >= 1970 && y <= 9999 && sf_date_valid(y, m, dd);
}

static uint32_t parse_id(const char *s) {
  uint64_t v = 0;
  if (!s || !*s) return 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return 0;
    v = v * 10 + (uint64_t)(*s - '0');
    if (v > UINT32_MAX) return 0;
  }
  return (uint32_t)v;
}

static int walk_list(struct sf_dbn_decoder *d, struct walk *w, const char *what, size_t *count,
                     const char ***list) {
  uint64_t base = PRELUDE_LEN;
  if (!need_bytes(w, 4))
    return fail_at(d, SF_EPARSE, base + w->pos, "metadata ends inside the %s count", what);
  uint32_t n = rd32(w->m + w->pos);
  w->pos += 4;
  if (!need_bytes(w, (uint64_t)n * w->cstr))
    return fail_at(d, SF_EPARSE, base + w->pos, "metadata %s count %u does not fit the %zu bytes left", what,
                   n, w->len - w->pos);
  *count = n;
  if (w->fill) *list = d->symtab + w->nstr;
  for (uint32_t i = 0; i < n; i++) take_cstr(d, w);
  return 0;
}

static int walk_metadata(struct sf_dbn_decoder *d, struct walk *w) {
  uint64_t base = PRELUDE_LEN;
  struct sf_dbn_metadata *md = &d->meta;
  int rc;
  if ((rc = walk_list(d, w, "symbols", &md->symbol_count, &md->symbols)) < 0) return rc;
  if ((rc = walk_list(d, w, "partial", &md->partial_count, &md->partial)) < 0) return rc;
  if ((rc = walk_list(d, w, "not_found", &md->not_found_count, &md->not_found)) < 0) return rc;
  if (!need_bytes(w, 4))
    return fail_at(d, SF_EPARSE, base + w->pos, "metadata ends inside the mappings count");
  uint32_t nmap = rd32(w->m + w->pos);
  w->pos += 4;
  size_t map_first = w->nstr;
  /* Raw symbols of the mappings are the first nmap strings after the lists; intervals' own
   * symbols follow in the pool in file order, so keep the raw-symbol slots separate. */
  if (w->fill) md->mapping_symbols = d->symtab + map_first;
  size_t raw_slot = map_first;
  w->nstr += nmap; /* reserve the raw-symbol slots */
  for (uint32_t i = 0; i < nmap; i++) {
    if (!need_bytes(w, (uint64_t)w->cstr + 4))
      return fail_at(d, SF_EPARSE, base + w->pos, "metadata ends inside symbol mapping %u of %u", i, nmap);
    size_t keep = w->nstr;
    w->nstr = raw_slot++;
    take_cstr(d, w);
    w->nstr = keep;
    uint32_t nint = rd32(w->m + w->pos);
    w->pos += 4;
    if (!need_bytes(w, (uint64_t)nint * (8 + w->cstr)))
      return fail_at(d, SF_EPARSE, base + w->pos,
                     "symbol mapping %u: interval count %u does not fit the %zu bytes left", i, nint,
                     w->len - w->pos);
    for (uint32_t k = 0; k < nint; k++) {
      uint32_t sd = rd32(w->m + w->pos), ed = rd32(w->m + w->pos + 4);
      if (!valid_yyyymmdd(sd))
        return fail_at(d, SF_EPARSE, base + w->pos, "symbol mapping %u interval %u: bad start_date %u", i, k,
                       sd);
      if (!valid_yyyymmdd(ed))
        return fail_at(d, SF_EPARSE, base + w->pos + 4, "symbol mapping %u interval %u: bad end_date %u", i,
                       k, ed);
      w->pos += 8;
      const char *sym = take_cstr(d, w);
      if (w->fill) {
        struct sf_dbn_interval *iv = &d->intervals[w->nint];
        iv->start_date = sd;
        iv->end_date = ed;
        iv->symbol = sym;
        iv->instrument_id = parse_id(sym);
        iv->mapping = i;
      }
      w->nint++;
    }
  }
  md->mapping_count = nmap;
  return 0;
}

static int cmp_span(const void *a, const void *b) {
  const struct sf_dbn_idspan *x = a, *y = b;
  if (x->instrument_id != y->instrument_id) return x->instrument_id < y->instrument_id ? -1 : 1;
  if (x->start_date != y->start_date) return x->start_date < y->start_date ? -1 : 1;
  return x->interval < y->interval ? -1 : (x->interval > y->interval);
}

static int decode_prelude(struct sf_dbn_decoder *d, const uint8_t *p) {
  for (size_t i = 0; i < 3; i++)
    if (p[i] != (uint8_t) "DBN"[i])
      return fail_at(d, SF_EPARSE, d->offset + i, "not a DBN stream: byte %zu is 0x%02x, expected '%c'", i,
                     p[i], "DBN"[i]);
  uint8_t v = p[3];
  if (v < 1 || v > SF_DBN_MAX_VERSION)
    return fail_at(d, SF_EVERSION, d->offset + 3, "unsupported DBN version %u (this decoder reads 1 to %d)",
                   v, SF_DBN_MAX_VERSION);
  uint32_t len = rd32(p + 4);
  if (len < SF_DBN_METADATA_FIXED_LEN)
    return fail_at(d, SF_EPARSE, d->offset + 4, "metadata length %u is shorter than the fixed %d bytes", len,
                   SF_DBN_METADATA_FIXED_LEN);
  d->version = v;
  d->meta_len = len;
  d->state = ST_METADATA;
  return 0;
}

static int decode_metadata(struct sf_dbn_decoder *d, const uint8_t *m, size_t len) {
  struct sf_dbn_metadata *md = &d->meta;
  uint64_t base = PRELUDE_LEN;
  memset(md, 0, sizeof *md);
  md->version = d->version;
  size_t pos = 0;
  memcpy(md->dataset, m, 16);
  md->dataset[16] = '\0';
  pos += 16;
  md->schema = rd16(m + pos);
  pos += 2;
  md->start = rd64(m + pos);
  md->end = rd64(m + pos + 8);
  md->limit = rd64(m + pos + 16);
  pos += 24;
  if (d->version == 1) {
    md->record_count_v1 = rd64(m + pos);
    pos += 8;
  }
  md->stype_in = m[pos];
  md->stype_out = m[pos + 1];
  md->ts_out = m[pos + 2] != 0;
  pos += 3;
  if (d->version == 1) {
    md->symbol_cstr_len = 22;
    pos += 47;
  } else {
    md->symbol_cstr_len = rd16(m + pos);
    pos += 2 + 53;
  }
  if (md->symbol_cstr_len == 0) return fail_at(d, SF_EPARSE, base + 45, "metadata symbol_cstr_len is 0");
  if (pos + 4 > len)
    return fail_at(d, SF_EPARSE, base + pos, "metadata ends before schema_definition length");
  md->schema_definition_len = rd32(m + pos);
  if (md->schema_definition_len != 0)
    return fail_at(d, SF_EPARSE, base + pos,
                   "metadata has a %u-byte schema definition, which DBN readers do not support",
                   md->schema_definition_len);
  pos += 4;

  struct walk w = {.m = m, .len = len, .pos = pos, .cstr = md->symbol_cstr_len};
  int rc = walk_metadata(d, &w);
  if (rc < 0) return rc;
  size_t nstr = w.nstr, nint = w.nint;
  free_metadata(d);
  d->strings = malloc(nstr * (w.cstr + 1) + 1);
  d->symtab = calloc(nstr + 1, sizeof *d->symtab);
  d->intervals = calloc(nint + 1, sizeof *d->intervals);
  d->by_id = calloc(nint + 1, sizeof *d->by_id);
  if (!d->strings || !d->symtab || !d->intervals || !d->by_id)
    return fail_at(d, SF_ENOMEM, base, "out of memory for %zu metadata symbols", nstr);
  struct walk f = {.m = m, .len = len, .pos = pos, .cstr = md->symbol_cstr_len, .fill = true};
  if ((rc = walk_metadata(d, &f)) < 0) return rc;
  md->interval_count = nint;
  md->intervals = d->intervals;
  size_t n = 0;
  for (size_t i = 0; i < nint; i++) {
    if (d->intervals[i].instrument_id == 0) continue; /* a non-numeric mapped symbol */
    d->by_id[n].instrument_id = d->intervals[i].instrument_id;
    d->by_id[n].start_date = d->intervals[i].start_date;
    d->by_id[n].end_date = d->intervals[i].end_date;
    d->by_id[n].interval = (uint32_t)i;
    n++;
  }
  qsort(d->by_id, n, sizeof *d->by_id, cmp_span);
  d->by_id_count = n;
  d->state = ST_RECORDS;
  return 0;
}

const char *sf_dbn_symbol_on(const struct sf_dbn_decoder *d, uint32_t instrument_id, uint32_t yyyymmdd) {
  size_t lo = 0, hi = d->by_id_count;
  /* The last span with (id, start) <= (instrument_id, yyyymmdd). */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const struct sf_dbn_idspan *s = &d->by_id[mid];
    if (s->instrument_id < instrument_id || (s->instrument_id == instrument_id && s->start_date <= yyyymmdd))
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == 0) return NULL;
  const struct sf_dbn_idspan *s = &d->by_id[lo - 1];
  if (s->instrument_id != instrument_id || yyyymmdd >= s->end_date) return NULL;
  return d->meta.mapping_symbols[d->intervals[s->interval].mapping];
}

static uint32_t yyyymmdd_of_day(int64_t day) {
  int y, m, dd;
  sf_civil_from_days(day, &y, &m, &dd);
  return (uint32_t)(y * 10000 + m * 100 + dd);
}

const char *sf_dbn_symbol_for(const struct sf_dbn_decoder *d, uint32_t instrument_id, uint64_t ts_event_ns) {
  if (ts_event_ns == SF_DBN_UNDEF_TIMESTAMP) return NULL;
  int64_t day = (int64_t)(ts_event_ns / (uint64_t)SF_NS_PER_DAY);
  return sf_dbn_symbol_on(d, instrument_id, yyyymmdd_of_day(day));
}

static const char *resolve(struct sf_dbn_decoder *d, uint32_t id, uint64_t ts) {
  if (d->by_id_count == 0 || ts == SF_DBN_UNDEF_TIMESTAMP) return NULL;
  uint64_t day = ts / (uint64_t)SF_NS_PER_DAY;
  if (day != d->last_day) {
    d->last_day = day;
    d->last_yyyymmdd = yyyymmdd_of_day((int64_t)day);
  }
  return sf_dbn_symbol_on(d, id, d->last_yyyymmdd);
}

/* ---- Records -------------------------------------------------------------------------- */

#define CSTR(dst, src)                           \
  do {                                           \
    size_t n_ = strnlen((src), sizeof(src));     \
    if (n_ >= sizeof(dst)) n_ = sizeof(dst) - 1; \
    memcpy((dst), (src), n_);                    \
    (dst)[n_] = '\0';                            \
  } while (0)

/* Fields every definition version has under the same name. */
#define DEF_COMMON(o, s)                                               \
  do {                                                                 \
    (o)->hd = (s)->hd;                                                 \
    (o)->ts_recv = (s)->ts_recv;                                       \
    (o)->min_price_increment = (s)->min_price_increment;               \
    (o)->display_factor = (s)->display_factor;                         \
    (o)->expiration = (s)->expiration;                                 \
    (o)->activation = (s)->activation;                                 \
    (o)->high_limit_price = (s)->high_limit_price;                     \
    (o)->low_limit_price = (s)->low_limit_price;                       \
    (o)->max_price_variation = (s)->max_price_variation;               \
    (o)->unit_of_measure_qty = (s)->unit_of_measure_qty;               \
    (o)->min_price_increment_amount = (s)->min_price_increment_amount; \
    (o)->price_ratio = (s)->price_ratio;                               \
    (o)->strike_price = (s)->strike_price;                             \
    (o)->raw_instrument_id = (s)->raw_instrument_id;                   \
    (o)->inst_attrib_value = (s)->inst_attrib_value;                   \
    (o)->underlying_id = (s)->underlying_id;                           \
    (o)->market_depth_implied = (s)->market_depth_implied;             \
    (o)->market_depth = (s)->market_depth;                             \
    (o)->market_segment_id = (s)->market_segment_id;                   \
    (o)->max_trade_vol = (s)->max_trade_vol;                           \
    (o)->min_lot_size = (s)->min_lot_size;                             \
    (o)->min_lot_size_block = (s)->min_lot_size_block;                 \
    (o)->min_lot_size_round_lot = (s)->min_lot_size_round_lot;         \
    (o)->min_trade_vol = (s)->min_trade_vol;                           \
    (o)->contract_multiplier = (s)->contract_multiplier;               \
    (o)->decay_quantity = (s)->decay_quantity;                         \
    (o)->original_contract_size = (s)->original_contract_size;         \
    (o)->appl_id = (s)->appl_id;                                       \
    (o)->maturity_year = (s)->maturity_year;                           \
    (o)->decay_start_date = (s)->decay_start_date;                     \
    (o)->channel_id = (s)->channel_id;                                 \
    CSTR((o)->currency, (s)->currency);                                \
    CSTR((o)->settl_currency, (s)->settl_currency);                    \
    CSTR((o)->secsubtype, (s)->secsubtype);                            \
    CSTR((o)->raw_symbol, (s)->raw_symbol);                            \
    CSTR((o)->group, (s)->group);                                      \
    CSTR((o)->exchange, (s)->exchange);                                \
    CSTR((o)->asset, (s)->asset);                                      \
    CSTR((o)->cfi, (s)->cfi);                                          \
    CSTR((o)->security_type, (s)->security_type);                      \
    CSTR((o)->unit_of_measure, (s)->unit_of_measure);                  \
    CSTR((o)->underlying, (s)->underlying);                            \
    CSTR((o)->strike_price_currency, (s)->strike_price_currency);      \
    (o)->instrument_class = (s)->instrument_class;                     \
    (o)->match_algorithm = (s)->match_algorithm;                       \
    (o)->main_fraction = (s)->main_fraction;                           \
    (o)->price_display_format = (s)->price_display_format;             \
    (o)->sub_fraction = (s)->sub_fraction;                             \
    (o)->underlying_product = (s)->underlying_product;                 \
    (o)->security_update_action = (s)->security_update_action;         \
    (o)->maturity_month = (s)->maturity_month;                         \
    (o)->maturity_day = (s)->maturity_day;                             \
    (o)->maturity_week = (s)->maturity_week;                           \
    (o)->user_defined_instrument = (s)->user_defined_instrument;       \
    (o)->contract_multiplier_unit = (s)->contract_multiplier_unit;     \
    (o)->flow_schedule_type = (s)->flow_schedule_type;                 \
    (o)->tick_rule = (s)->tick_rule;                                   \
  } while (0)

/* Defaults for fields a v1/v2 definition does not carry, as compat.rs upgrades them. */
static void def_v3_defaults(struct sf_dbn_definition *o) {
  o->leg_price = SF_DBN_UNDEF_PRICE;
  o->leg_delta = SF_DBN_UNDEF_PRICE;
  o->leg_side = 'N';
}

static void decode_def(uint8_t version, const uint8_t *p, struct sf_dbn_definition *o) {
  memset(o, 0, sizeof *o);
  if (version == 1) {
    struct sf_dbn_def_v1 s;
    memcpy(&s, p, sizeof s);
    DEF_COMMON(o, &s);
    def_v3_defaults(o);
    o->trading_reference_price = s.trading_reference_price;
    o->trading_reference_date = s.trading_reference_date;
    o->md_security_trading_status = s.md_security_trading_status;
    o->settl_price_type = s.settl_price_type;
  } else if (version == 2) {
    struct sf_dbn_def_v2 s;
    memcpy(&s, p, sizeof s);
    DEF_COMMON(o, &s);
    def_v3_defaults(o);
    o->trading_reference_price = s.trading_reference_price;
    o->trading_reference_date = s.trading_reference_date;
    o->md_security_trading_status = s.md_security_trading_status;
    o->settl_price_type = s.settl_price_type;
  } else {
    struct sf_dbn_def_v3 s;
    memcpy(&s, p, sizeof s);
    DEF_COMMON(o, &s);
    o->leg_price = s.leg_price;
    o->leg_delta = s.leg_delta;
    o->leg_instrument_id = s.leg_instrument_id;
    o->leg_ratio_price_numerator = s.leg_ratio_price_numerator;
    o->leg_ratio_price_denominator = s.leg_ratio_price_denominator;
    o->leg_ratio_qty_numerator = s.leg_ratio_qty_numerator;
    o->leg_ratio_qty_denominator = s.leg_ratio_qty_denominator;
    o->leg_underlying_id = s.leg_underlying_id;
    o->leg_count = s.leg_count;
    o->leg_index = s.leg_index;
    CSTR(o->leg_raw_symbol, s.leg_raw_symbol);
    o->leg_instrument_class = s.leg_instrument_class;
    o->leg_side = s.leg_side;
    o->trading_reference_price = SF_DBN_UNDEF_PRICE;
    o->trading_reference_date = UINT16_MAX;
    o->md_security_trading_status = UINT8_MAX;
    o->settl_price_type = UINT8_MAX;
  }
}

static void decode_stat(uint8_t version, const uint8_t *p, struct sf_dbn_stat *o) {
  if (version >= 3) {
    memcpy(o, p, sizeof *o);
    return;
  }
  struct sf_dbn_stat_v1 s;
  memcpy(&s, p, sizeof s);
  memset(o, 0, sizeof *o);
  o->hd = s.hd;
  o->ts_recv = s.ts_recv;
  o->ts_ref = s.ts_ref;
  o->price = s.price;
  o->quantity = s.quantity == SF_DBN_UNDEF_STAT_QUANTITY_V1 ? SF_DBN_UNDEF_STAT_QUANTITY : s.quantity;
  o->sequence = s.sequence;
  o->ts_in_delta = s.ts_in_delta;
  o->stat_type = s.stat_type;
  o->channel_id = s.channel_id;
  o->update_action = s.update_action;
  o->stat_flags = s.stat_flags;
}

/* The body size of a decoded rtype in this version, or 0 for rtypes not decoded here. */
static size_t body_size(uint8_t version, uint8_t rtype, enum sf_dbn_kind *kind) {
  switch (rtype) {
    case SF_DBN_RTYPE_MBP0:
      *kind = SF_DBN_KIND_TRADE;
      return sizeof(struct sf_dbn_trade);
    case SF_DBN_RTYPE_MBP1:
      *kind = SF_DBN_KIND_MBP1;
      return sizeof(struct sf_dbn_mbp1);
    case SF_DBN_RTYPE_CMBP1:
    case SF_DBN_RTYPE_CBBO_1S:
    case SF_DBN_RTYPE_CBBO_1M:
    case SF_DBN_RTYPE_TCBBO:
      *kind = SF_DBN_KIND_CMBP1;
      return sizeof(struct sf_dbn_cmbp1);
    case SF_DBN_RTYPE_INSTRUMENT_DEF:
      *kind = SF_DBN_KIND_DEFINITION;
      return version == 1   ? sizeof(struct sf_dbn_def_v1)
             : version == 2 ? sizeof(struct sf_dbn_def_v2)
                            : sizeof(struct sf_dbn_def_v3);
    case SF_DBN_RTYPE_STATISTICS:
      *kind = SF_DBN_KIND_STATISTICS;
      return version >= 3 ? sizeof(struct sf_dbn_stat) : sizeof(struct sf_dbn_stat_v1);
    case SF_DBN_RTYPE_OHLCV_DEPRECATED:
    case SF_DBN_RTYPE_OHLCV_1S:
    case SF_DBN_RTYPE_OHLCV_1M:
    case SF_DBN_RTYPE_OHLCV_1H:
    case SF_DBN_RTYPE_OHLCV_1D:
    case SF_DBN_RTYPE_OHLCV_EOD:
      *kind = SF_DBN_KIND_OHLCV;
      return sizeof(struct sf_dbn_ohlcv);
    default:
      return 0;
  }
}

static int decode_record(struct sf_dbn_decoder *d, const uint8_t *p, size_t len, struct sf_dbn_record *out) {
  uint8_t rtype = p[1];
  enum sf_dbn_kind kind = SF_DBN_KIND_TRADE;
  size_t sz = body_size(d->version, rtype, &kind);
  if (sz == 0) {
    d->skipped++;
    d->skipped_by_rtype[rtype]++;
    return STEP_SKIP;
  }
  size_t want = sz + (d->meta.ts_out ? 8 : 0);
  if (len < want)
    return fail_at(d, SF_EPARSE, d->offset, "%s record (rtype 0x%02x) of %zu bytes, expected at least %zu",
                   sf_dbn_rtype_name(rtype), rtype, len, want);
  memset(out, 0, offsetof(struct sf_dbn_record, u));
  out->kind = kind;
  out->rtype = rtype;
  out->version = d->version;
  out->offset = d->offset;
  out->length_bytes = (uint32_t)len;
  if (d->meta.ts_out) {
    out->has_ts_out = true;
    out->ts_out = rd64(p + sz);
  }
  switch (kind) {
    case SF_DBN_KIND_TRADE:
      memcpy(&out->u.trade, p, sz);
      break;
    case SF_DBN_KIND_MBP1:
      memcpy(&out->u.mbp1, p, sz);
      break;
    case SF_DBN_KIND_CMBP1:
      memcpy(&out->u.cmbp1, p, sz);
      break;
    case SF_DBN_KIND_OHLCV:
      memcpy(&out->u.ohlcv, p, sz);
      break;
    case SF_DBN_KIND_STATISTICS:
      decode_stat(d->version, p, &out->u.stat);
      break;
    case SF_DBN_KIND_DEFINITION:
      decode_def(d->version, p, &out->u.def);
      break;
  }
  /* Resolve on the event's day; a record with no event time (a cbbo sample before the first
   * quote) falls back to its receive time. */
  uint64_t ts = out->u.hd.ts_event;
  if (ts == SF_DBN_UNDEF_TIMESTAMP) {
    switch (kind) {
      case SF_DBN_KIND_TRADE:
        ts = out->u.trade.ts_recv;
        break;
      case SF_DBN_KIND_MBP1:
        ts = out->u.mbp1.ts_recv;
        break;
      case SF_DBN_KIND_CMBP1:
        ts = out->u.cmbp1.ts_recv;
        break;
      case SF_DBN_KIND_STATISTICS:
        ts = out->u.stat.ts_recv;
        break;
      case SF_DBN_KIND_DEFINITION:
        ts = out->u.def.ts_recv;
        break;
      case SF_DBN_KIND_OHLCV:
        break;
    }
  }
  out->symbol = resolve(d, out->u.hd.instrument_id, ts);
  if (!out->symbol && d->by_id_count > 0) d->unresolved++;
  d->records++;
  return SF_DBN_RECORD;
}

/* Decodes one unit from a contiguous view. Returns STEP_NEED (d->need set to the bytes the
 * unit needs from the start of the view), STEP_SKIP or a result, with *took bytes used. */
static int step(struct sf_dbn_decoder *d, const uint8_t *p, size_t n, size_t *took,
                struct sf_dbn_record *out) {
  *took = 0;
  int rc;
  switch (d->state) {
    case ST_PRELUDE:
      if (n < PRELUDE_LEN) {
        /* Reject a wrong magic as soon as its bytes are in. */
        for (size_t i = 0; i < n && i < 3; i++)
          if (p[i] != (uint8_t) "DBN"[i])
            return fail_at(d, SF_EPARSE, d->offset + i, "not a DBN stream: byte %zu is 0x%02x, expected '%c'",
                           i, p[i], "DBN"[i]);
        if (n >= 4 && (p[3] < 1 || p[3] > SF_DBN_MAX_VERSION))
          return fail_at(d, SF_EVERSION, d->offset + 3,
                         "unsupported DBN version %u (this decoder reads 1 to %d)", p[3], SF_DBN_MAX_VERSION);
        d->need = PRELUDE_LEN;
        return STEP_NEED;
      }
      if ((rc = decode_prelude(d, p)) < 0) return rc;
      *took = PRELUDE_LEN;
      d->need = d->meta_len;
      return STEP_SKIP;
    case ST_METADATA:
      if (n < d->meta_len) {
        d->need = d->meta_len;
        return STEP_NEED;
      }
      if ((rc = decode_metadata(d, p, d->meta_len)) < 0) return rc;
      *took = d->meta_len;
      d->need = HEADER_LEN;
      return SF_DBN_METADATA;
    default: {
      if (n >= 1 && (size_t)p[0] * 4 < HEADER_LEN)
        return fail_at(d, SF_EPARSE, d->offset,
                       "record length %u bytes (%u words) is shorter than the 16-byte header",
                       (unsigned)p[0] * 4, p[0]);
      if (n < HEADER_LEN) {
        d->need = HEADER_LEN;
        return STEP_NEED;
      }
      size_t rlen = (size_t)p[0] * 4;
      if (n < rlen) {
        d->need = rlen;
        return STEP_NEED;
      }
      rc = decode_record(d, p, rlen, out);
      if (rc < 0) return rc;
      *took = rlen;
      d->need = HEADER_LEN;
      return rc;
    }
  }
}

static int carry_append(struct sf_dbn_decoder *d, const uint8_t *p, size_t n) {
  if (d->buf_len + n > d->buf_cap) {
    size_t cap = d->buf_cap ? d->buf_cap : 1024;
    while (cap < d->buf_len + n) cap *= 2;
    uint8_t *nb = realloc(d->buf, cap);
    if (!nb) return fail_at(d, SF_ENOMEM, d->offset, "out of memory for a %zu-byte carry buffer", cap);
    d->buf = nb;
    d->buf_cap = cap;
  }
  memcpy(d->buf + d->buf_len, p, n);
  d->buf_len += n;
  return 0;
}

int sf_dbn_decode(struct sf_dbn_decoder *d, const uint8_t *p, size_t len, size_t *consumed,
                  struct sf_dbn_record *out) {
  size_t used = 0;
  *consumed = 0;
  if (d->err) return d->err;
  for (;;) {
    size_t took = 0;
    int rc;
    if (d->buf_len > 0) {
      /* Carry mode: the buffer holds the start of one unit; top it up to what it needs. */
      if (d->buf_len < d->need) {
        size_t take = d->need - d->buf_len;
        if (take > len - used) take = len - used;
        if ((rc = carry_append(d, p + used, take)) < 0) return rc;
        used += take;
        *consumed = used;
      }
      rc = step(d, d->buf, d->buf_len, &took, out);
      if (rc < 0) return rc;
      if (rc == STEP_NEED) {
        if (d->buf_len < d->need && used == len) return SF_EAGAIN;
        continue;
      }
      /* A unit is always decoded whole from the carry buffer. */
      d->offset += took;
      d->buf_len = 0;
    } else {
      if (used == len) return SF_EAGAIN;
      rc = step(d, p + used, len - used, &took, out);
      if (rc < 0) return rc;
      if (rc == STEP_NEED) {
        if ((rc = carry_append(d, p + used, len - used)) < 0) return rc;
        *consumed = len;
        return SF_EAGAIN;
      }
      used += took;
      d->offset += took;
      *consumed = used;
    }
    if (rc != STEP_SKIP) return rc;
  }
}

int sf_dbn_decoder_finish(struct sf_dbn_decoder *d) {
  if (d->err) return d->err;
  if (d->state == ST_RECORDS && d->buf_len == 0) return 0;
  const char *what = d->state == ST_PRELUDE    ? "the DBN prelude"
                     : d->state == ST_METADATA ? "the metadata"
                                               : "a record";
  return fail_at(d, SF_ETRUNC, d->offset + d->buf_len, "input ends inside %s (%zu of %zu bytes)", what,
                 d->buf_len, d->need);
}

/* ---- Names ---------------------------------------------------------------------------- */

double sf_dbn_price(int64_t px) { return px == SF_DBN_UNDEF_PRICE ? (double)NAN : (double)px * 1e-9; }

const char *sf_dbn_rtype_name(uint8_t rtype) {
  switch (rtype) {
    case SF_DBN_RTYPE_MBP0:
      return "mbp-0";
    case SF_DBN_RTYPE_MBP1:
      return "mbp-1";
    case SF_DBN_RTYPE_MBP10:
      return "mbp-10";
    case SF_DBN_RTYPE_OHLCV_DEPRECATED:
      return "ohlcv-deprecated";
    case SF_DBN_RTYPE_STATUS:
      return "status";
    case SF_DBN_RTYPE_INSTRUMENT_DEF:
      return "instrument-def";
    case SF_DBN_RTYPE_IMBALANCE:
      return "imbalance";
    case SF_DBN_RTYPE_ERROR:
      return "error";
    case SF_DBN_RTYPE_SYMBOL_MAPPING:
      return "symbol-mapping";
    case SF_DBN_RTYPE_SYSTEM:
      return "system";
    case SF_DBN_RTYPE_STATISTICS:
      return "statistics";
    case SF_DBN_RTYPE_OHLCV_1S:
      return "ohlcv-1s";
    case SF_DBN_RTYPE_OHLCV_1M:
      return "ohlcv-1m";
    case SF_DBN_RTYPE_OHLCV_1H:
      return "ohlcv-1h";
    case SF_DBN_RTYPE_OHLCV_1D:
      return "ohlcv-1d";
    case SF_DBN_RTYPE_OHLCV_EOD:
      return "ohlcv-eod";
    case SF_DBN_RTYPE_MBO:
      return "mbo";
    case SF_DBN_RTYPE_CMBP1:
      return "cmbp-1";
    case SF_DBN_RTYPE_CBBO_1S:
      return "cbbo-1s";
    case SF_DBN_RTYPE_CBBO_1M:
      return "cbbo-1m";
    case SF_DBN_RTYPE_TCBBO:
      return "tcbbo";
    case SF_DBN_RTYPE_BBO_1S:
      return "bbo-1s";
    case SF_DBN_RTYPE_BBO_1M:
      return "bbo-1m";
    default:
      return "unknown";
  }
}

const char *sf_dbn_schema_name(uint16_t schema) {
  static const char *const names[] = {"mbo",        "mbp-10",   "mbp-1",     "tbbo",      "trades",
                                      "ohlcv-1s",   "ohlcv-1m", "ohlcv-1h",  "ohlcv-1d",  "definition",
                                      "statistics", "status",   "imbalance", "ohlcv-eod", "cmbp-1",
                                      "cbbo-1s",    "cbbo-1m",  "tcbbo",     "bbo-1s",    "bbo-1m"};
  if (schema == UINT16_MAX) return "mixed";
  return schema < sizeof names / sizeof names[0] ? names[schema] : "unknown";
}

const char *sf_dbn_stype_name(uint8_t stype) {
  static const char *const names[] = {"instrument_id", "raw_symbol",    "smart",           "continuous",
                                      "parent",        "nasdaq_symbol", "cms_symbol",      "isin",
                                      "us_code",       "bbg_comp_id",   "bbg_comp_ticker", "figi",
                                      "figi_ticker"};
  if (stype == UINT8_MAX) return "none";
  return stype < sizeof names / sizeof names[0] ? names[stype] : "unknown";
}

const char *sf_dbn_publisher_venue(uint16_t publisher_id) {
  /* OPRA.PILLAR publishers (databento-cpp publishers.hpp, dbn publishers.rs): the venue's MIC. */
  static const char *const opra[] = {"AMXO", "XBOX", "XCBO", "EMLD", "EDGO", "GMNI", "XISX", "MCRY", "XMIO",
                                     "ARCO", "OPRA", "MPRL", "XNDQ", "XBXO", "C2OX", "XPHL", "BATO", "MXOP"};
  if (publisher_id >= 20 && publisher_id <= 37) return opra[publisher_id - 20];
  if (publisher_id == 61) return "SPHR";
  return NULL;
}
