/* `smartflow import`: converts market-data files (DBN, options flat-file CSV, or JSONL tapes) to
 * smartflow records and merges them into one time-ordered stream written to a JSONL tape and/or
 * a store.
 *
 * Streaming k-way merge: every input keeps a small window of converted records (the lookahead,
 * 64 by default) in one shared min-heap ordered by (event time, input position on the command
 * line, record position in its input), so the output is deterministic. When a record is taken
 * from the heap, the next record of the same input replaces it. The window also puts right a
 * file whose records are locally out of order; a record older than one its input already gave up
 * is still written (nothing is dropped) and counted as late in the summary.
 *
 * Ids: records converted from DBN or CSV get trace ids "<file name>-<n>" (unique per input, and
 * the same on every import of the file, so a store ignores a second import); every output
 * record's meta.seq is renumbered 0, 1, 2 ... in output order, making the import one producer.
 *
 * Errors: an input that cannot be opened stops the import before anything is written. An input
 * that turns out corrupt part-way (a truncated or malformed DBN stream, a gzip error) stops that
 * input only; what it gave before the error is written, the other inputs go on, and the exit
 * status is 1. Bad CSV and JSONL lines are skipped, reported with their line numbers, and also
 * give exit status 1. The summary on stderr counts what was read, skipped (by reason), and
 * written. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/args.h"
#include "app/commands.h"
#include "smartflow/convert.h"
#include "smartflow/csv_flat.h"
#include "smartflow/dbn.h"
#include "smartflow/err.h"
#include "smartflow/record.h"
#include "smartflow/record_json.h"
#include "smartflow/store.h"
#include "smartflow/tape.h"
#include "smartflow/time.h"

#define DEFAULT_LOOKAHEAD 64
#define MAX_LOOKAHEAD 65536
#define STORE_BATCH 2000
#define MAX_MESSAGES 10
#define DUMP_MAPPINGS 5

enum fmt { FMT_NONE = 0, FMT_DBN, FMT_CSV, FMT_JSONL };
static const char *const fmt_names[] = {"?", "dbn", "csv", "jsonl"};

static void usage(FILE *out) {
  fprintf(out,
          "usage: smartflow import [--format dbn|csv|jsonl] FILE... [--out TAPE.jsonl] [--db URL]\n"
          "                        [--dump] [--lookahead N]\n\n"
          "Converts market-data files to smartflow records and merges them into one stream in\n"
          "event-time order (ties: the order of the files on the command line, then the order in\n"
          "each file).\n\n"
          "  dbn    Databento DBN v1-v3, plain or zstd: trades -> option-print, tbbo/mbp-1 -> the\n"
          "         quote before the trade (option-nbbo) then the print, cbbo/cmbp-1 -> option-nbbo.\n"
          "         Statistics (open interest) and definitions are reference data: counted, not\n"
          "         written (see `smartflow refdata`). Bars are skipped.\n"
          "  csv    options flat files (trades or quotes, by header), plain or gzip\n"
          "  jsonl  smartflow JSONL tapes, plain or gzip\n"
          "Without --format the format is guessed from the file names (.dbn[.zst], .csv[.gz],\n"
          ".jsonl[.gz]).\n\n"
          "options:\n"
          "  --out PATH      write a JSONL tape ('-' = stdout)\n"
          "  --db URL        write the records to a store (sqlite:PATH, clickhouse://...), in\n"
          "                  batches of %d\n"
          "  --dump          print every decoded input record with all its fields on stdout (DBN:\n"
          "                  the metadata first; prices scaled, timestamps ISO-8601 with ns)\n"
          "  --lookahead N   records buffered per input to put local disorder right (default %d)\n"
          "  -h, --help      show this help\n\n"
          "Converted records get trace ids \"<file name>-<n>\"; meta.seq is renumbered in output\n"
          "order. A summary (records read per input and type, skipped by reason, written per type)\n"
          "goes to stderr.\n\n"
          "Exit status: 0 when every input was read cleanly; 1 when an input cannot be read, is\n"
          "corrupt or has bad lines, or a write failed (records read before an error are still\n"
          "written); 2 for a usage error.\n",
          STORE_BATCH, DEFAULT_LOOKAHEAD);
}

/* ---- Inputs ---- */

/* Messages kept for the summary. */
struct msglist {
  char v[MAX_MESSAGES][384];
  size_t n;
};

static void msg_add(struct msglist *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void msg_add(struct msglist *m, const char *fmt, ...) {
  if (m->n >= MAX_MESSAGES) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m->v[m->n++], sizeof m->v[0], fmt, ap);
  va_end(ap);
}

struct input {
  const char *path;
  int idx; /* 1-based position on the command line */
  enum fmt fmt;
  struct sf_dbn_file *dbn;
  struct sf_csv_file *csv;
  struct sf_tape_reader *tape;
  struct sf_converter conv;
  struct sf_convert_out out; /* pending converted records */
  int out_pos;
  bool done;
  bool failed;         /* stopped by an error */
  char err[512];       /* the error that stopped it */
  uint64_t ord;        /* records queued so far */
  size_t queued;       /* records in the heap now */
  int64_t last_ts;     /* event time of the last record taken from it */
  uint64_t late;       /* records older than one taken before them */
  bool metadata_shown; /* --dump printed the DBN metadata */
  /* Counts. */
  uint64_t read; /* input records (DBN records, CSV rows, tape lines with a record) */
  uint64_t read_kind[8];
  uint64_t read_type[SF_REC__COUNT];
  uint64_t produced[SF_REC__COUNT];
  uint64_t oi, refs;
  uint64_t bad_lines;
  uint64_t no_ts;
  struct msglist bad;
};

static const char *const dbn_kind_names[] = {"?",          "trade",      "mbp-1/tbbo", "cmbp-1/cbbo",
                                             "definition", "statistics", "ohlcv"};
static const char *const csv_kind_names[] = {"?", "trade row", "quote row"};

/* One queued record. */
struct entry {
  struct sf_record rec;
  int64_t ts;
  uint64_t ord;
  uint32_t input;
};

struct merge {
  struct entry *pool;
  uint32_t *free_list;
  size_t nfree;
  uint32_t *heap; /* pool indices */
  size_t nheap;
};

static bool entry_less(const struct entry *a, const struct entry *b) {
  if (a->ts != b->ts) return a->ts < b->ts;
  if (a->input != b->input) return a->input < b->input;
  return a->ord < b->ord;
}

static void heap_push(struct merge *m, uint32_t e) {
  size_t i = m->nheap++;
  m->heap[i] = e;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!entry_less(&m->pool[m->heap[i]], &m->pool[m->heap[p]])) break;
    uint32_t t = m->heap[i];
    m->heap[i] = m->heap[p];
    m->heap[p] = t;
    i = p;
  }
}

static uint32_t heap_pop(struct merge *m) {
  uint32_t top = m->heap[0];
  m->heap[0] = m->heap[--m->nheap];
  size_t i = 0;
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, s = i;
    if (l < m->nheap && entry_less(&m->pool[m->heap[l]], &m->pool[m->heap[s]])) s = l;
    if (r < m->nheap && entry_less(&m->pool[m->heap[r]], &m->pool[m->heap[s]])) s = r;
    if (s == i) break;
    uint32_t t = m->heap[i];
    m->heap[i] = m->heap[s];
    m->heap[s] = t;
    i = s;
  }
  return top;
}

/* ---- Dump ---- */

/* "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" or "UNDEF". */
static const char *iso_ns(uint64_t ns, char *buf, size_t cap) {
  if (ns == SF_DBN_UNDEF_TIMESTAMP) return "UNDEF";
  int64_t s = (int64_t)(ns / 1000000000u);
  int64_t days = s / 86400, sod = s % 86400;
  int y, m, d;
  sf_civil_from_days(days, &y, &m, &d);
  snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%09" PRIu64 "Z", y, m, d, (int)(sod / 3600),
           (int)(sod / 60 % 60), (int)(sod % 60), ns % 1000000000u);
  return buf;
}

static const char *iso_ns_signed(int64_t ns, char *buf, size_t cap) {
  if (ns == SF_TS_NULL) return "null";
  if (ns < 0) {
    snprintf(buf, cap, "%" PRId64 "ns", ns);
    return buf;
  }
  return iso_ns((uint64_t)ns, buf, cap);
}

/* A DBN fixed-point price (1e-9) as an exact decimal, or "UNDEF". */
static const char *price_str(int64_t px, char *buf, size_t cap) {
  if (px == SF_DBN_UNDEF_PRICE) return "UNDEF";
  uint64_t a = px < 0 ? (uint64_t)0 - (uint64_t)px : (uint64_t)px;
  char frac[16];
  snprintf(frac, sizeof frac, "%09" PRIu64, a % 1000000000u);
  size_t n = strlen(frac);
  while (n > 0 && frac[n - 1] == '0') frac[--n] = '\0';
  snprintf(buf, cap, "%s%" PRIu64 "%s%s", px < 0 ? "-" : "", a / 1000000000u, n ? "." : "", frac);
  return buf;
}

static void put_char(FILE *o, const char *name, char c) {
  if (c >= 0x21 && c < 0x7f)
    fprintf(o, " %s=%c", name, c);
  else
    fprintf(o, " %s=0x%02x", name, (unsigned)(unsigned char)c);
}

/* A string field, quoted, with spaces kept visible. */
static void put_str(FILE *o, const char *name, const char *s) {
  fprintf(o, " %s=\"", name);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(o, "\\%c", c);
    else if (c < 0x20 || c >= 0x7f)
      fprintf(o, "\\x%02x", c);
    else
      fputc(c, o);
  }
  fputc('"', o);
}

enum fk {
  K_PX,   /* int64 price, 1e-9 */
  K_TS,   /* uint64 ns timestamp */
  K_U64,  /* uint64, UINT64_MAX = UNDEF */
  K_I64,  /* int64 */
  K_QTY,  /* int64, INT64_MAX = UNDEF */
  K_U32,  /* uint32 */
  K_U32U, /* uint32, UINT32_MAX = UNDEF */
  K_I32,  /* int32 */
  K_I32U, /* int32, INT32_MAX = UNDEF */
  K_U16,  /* uint16 */
  K_U16U, /* uint16, UINT16_MAX = UNDEF */
  K_I16U, /* int16, INT16_MAX = UNDEF */
  K_U8,   /* uint8 */
  K_U8U,  /* uint8, UINT8_MAX = UNDEF */
  K_I8,   /* int8 */
  K_HEX8, /* uint8 flags */
  K_CHAR, /* char */
  K_STR,  /* NUL-terminated char array */
};

struct field {
  const char *name;
  uint16_t off;
  uint8_t kind;
};

#define F(type, f, k) \
  { #f, (uint16_t)offsetof(type, f), k }

static const struct field trade_fields[] = {
    F(struct sf_dbn_trade, price, K_PX),     F(struct sf_dbn_trade, size, K_U32),
    F(struct sf_dbn_trade, action, K_CHAR),  F(struct sf_dbn_trade, side, K_CHAR),
    F(struct sf_dbn_trade, flags, K_HEX8),   F(struct sf_dbn_trade, depth, K_U8),
    F(struct sf_dbn_trade, ts_recv, K_TS),   F(struct sf_dbn_trade, ts_in_delta, K_I32),
    F(struct sf_dbn_trade, sequence, K_U32), {NULL, 0, 0},
};

static const struct field mbp1_fields[] = {
    F(struct sf_dbn_mbp1, price, K_PX),         F(struct sf_dbn_mbp1, size, K_U32),
    F(struct sf_dbn_mbp1, action, K_CHAR),      F(struct sf_dbn_mbp1, side, K_CHAR),
    F(struct sf_dbn_mbp1, flags, K_HEX8),       F(struct sf_dbn_mbp1, depth, K_U8),
    F(struct sf_dbn_mbp1, ts_recv, K_TS),       F(struct sf_dbn_mbp1, ts_in_delta, K_I32),
    F(struct sf_dbn_mbp1, sequence, K_U32),     F(struct sf_dbn_mbp1, level.bid_px, K_PX),
    F(struct sf_dbn_mbp1, level.ask_px, K_PX),  F(struct sf_dbn_mbp1, level.bid_sz, K_U32),
    F(struct sf_dbn_mbp1, level.ask_sz, K_U32), F(struct sf_dbn_mbp1, level.bid_ct, K_U32),
    F(struct sf_dbn_mbp1, level.ask_ct, K_U32), {NULL, 0, 0},
};

static const struct field cmbp1_fields[] = {
    F(struct sf_dbn_cmbp1, price, K_PX),         F(struct sf_dbn_cmbp1, size, K_U32),
    F(struct sf_dbn_cmbp1, action, K_CHAR),      F(struct sf_dbn_cmbp1, side, K_CHAR),
    F(struct sf_dbn_cmbp1, flags, K_HEX8),       F(struct sf_dbn_cmbp1, ts_recv, K_TS),
    F(struct sf_dbn_cmbp1, ts_in_delta, K_I32),  F(struct sf_dbn_cmbp1, level.bid_px, K_PX),
    F(struct sf_dbn_cmbp1, level.ask_px, K_PX),  F(struct sf_dbn_cmbp1, level.bid_sz, K_U32),
    F(struct sf_dbn_cmbp1, level.ask_sz, K_U32), F(struct sf_dbn_cmbp1, level.bid_pb, K_U16),
    F(struct sf_dbn_cmbp1, level.ask_pb, K_U16), {NULL, 0, 0},
};

static const struct field ohlcv_fields[] = {
    F(struct sf_dbn_ohlcv, open, K_PX),    F(struct sf_dbn_ohlcv, high, K_PX),
    F(struct sf_dbn_ohlcv, low, K_PX),     F(struct sf_dbn_ohlcv, close, K_PX),
    F(struct sf_dbn_ohlcv, volume, K_U64), {NULL, 0, 0},
};

static const struct field stat_fields[] = {
    F(struct sf_dbn_stat, ts_recv, K_TS),
    F(struct sf_dbn_stat, ts_ref, K_TS),
    F(struct sf_dbn_stat, price, K_PX),
    F(struct sf_dbn_stat, quantity, K_QTY),
    F(struct sf_dbn_stat, sequence, K_U32),
    F(struct sf_dbn_stat, ts_in_delta, K_I32),
    F(struct sf_dbn_stat, stat_type, K_U16),
    F(struct sf_dbn_stat, channel_id, K_U16U),
    F(struct sf_dbn_stat, update_action, K_U8),
    F(struct sf_dbn_stat, stat_flags, K_HEX8),
    {NULL, 0, 0},
};

#define D(f, k) F(struct sf_dbn_definition, f, k)
static const struct field def_fields[] = {
    D(ts_recv, K_TS),
    D(min_price_increment, K_PX),
    D(display_factor, K_PX),
    D(expiration, K_TS),
    D(activation, K_TS),
    D(high_limit_price, K_PX),
    D(low_limit_price, K_PX),
    D(max_price_variation, K_PX),
    D(unit_of_measure_qty, K_PX),
    D(min_price_increment_amount, K_PX),
    D(price_ratio, K_PX),
    D(strike_price, K_PX),
    D(raw_instrument_id, K_U64),
    D(leg_price, K_PX),
    D(leg_delta, K_PX),
    D(inst_attrib_value, K_I32U),
    D(underlying_id, K_U32),
    D(market_depth_implied, K_I32U),
    D(market_depth, K_I32U),
    D(market_segment_id, K_U32U),
    D(max_trade_vol, K_U32U),
    D(min_lot_size, K_I32U),
    D(min_lot_size_block, K_I32U),
    D(min_lot_size_round_lot, K_I32U),
    D(min_trade_vol, K_U32U),
    D(contract_multiplier, K_I32U),
    D(decay_quantity, K_I32U),
    D(original_contract_size, K_I32U),
    D(leg_instrument_id, K_U32),
    D(leg_ratio_price_numerator, K_I32),
    D(leg_ratio_price_denominator, K_I32),
    D(leg_ratio_qty_numerator, K_I32),
    D(leg_ratio_qty_denominator, K_I32),
    D(leg_underlying_id, K_U32),
    D(appl_id, K_I16U),
    D(maturity_year, K_U16U),
    D(decay_start_date, K_U16U),
    D(channel_id, K_U16U),
    D(leg_count, K_U16),
    D(leg_index, K_U16),
    D(currency, K_STR),
    D(settl_currency, K_STR),
    D(secsubtype, K_STR),
    D(raw_symbol, K_STR),
    D(group, K_STR),
    D(exchange, K_STR),
    D(asset, K_STR),
    D(cfi, K_STR),
    D(security_type, K_STR),
    D(unit_of_measure, K_STR),
    D(underlying, K_STR),
    D(strike_price_currency, K_STR),
    D(leg_raw_symbol, K_STR),
    D(instrument_class, K_CHAR),
    D(match_algorithm, K_CHAR),
    D(main_fraction, K_U8U),
    D(price_display_format, K_U8U),
    D(sub_fraction, K_U8U),
    D(underlying_product, K_U8U),
    D(security_update_action, K_CHAR),
    D(maturity_month, K_U8U),
    D(maturity_day, K_U8U),
    D(maturity_week, K_U8U),
    D(user_defined_instrument, K_CHAR),
    D(contract_multiplier_unit, K_I8),
    D(flow_schedule_type, K_I8),
    D(tick_rule, K_U8U),
    D(leg_instrument_class, K_CHAR),
    D(leg_side, K_CHAR),
    D(trading_reference_price, K_PX),
    D(trading_reference_date, K_U16U),
    D(md_security_trading_status, K_U8U),
    D(settl_price_type, K_U8U),
    {NULL, 0, 0},
};
#undef D
#undef F

static void put_fields(FILE *o, const void *body, const struct field *fs) {
  const unsigned char *b = body;
  char buf[48];
  for (const struct field *f = fs; f->name; f++) {
    const unsigned char *p = b + f->off;
    switch ((enum fk)f->kind) {
      case K_PX: {
        int64_t v;
        memcpy(&v, p, sizeof v);
        fprintf(o, " %s=%s", f->name, price_str(v, buf, sizeof buf));
        break;
      }
      case K_TS: {
        uint64_t v;
        memcpy(&v, p, sizeof v);
        fprintf(o, " %s=%s", f->name, iso_ns(v, buf, sizeof buf));
        break;
      }
      case K_U64: {
        uint64_t v;
        memcpy(&v, p, sizeof v);
        if (v == UINT64_MAX)
          fprintf(o, " %s=UNDEF", f->name);
        else
          fprintf(o, " %s=%" PRIu64, f->name, v);
        break;
      }
      case K_I64:
      case K_QTY: {
        int64_t v;
        memcpy(&v, p, sizeof v);
        if (f->kind == K_QTY && v == INT64_MAX)
          fprintf(o, " %s=UNDEF", f->name);
        else
          fprintf(o, " %s=%" PRId64, f->name, v);
        break;
      }
      case K_U32:
      case K_U32U: {
        uint32_t v;
        memcpy(&v, p, sizeof v);
        if (f->kind == K_U32U && v == UINT32_MAX)
          fprintf(o, " %s=UNDEF", f->name);
        else
          fprintf(o, " %s=%" PRIu32, f->name, v);
        break;
      }
      case K_I32:
      case K_I32U: {
        int32_t v;
        memcpy(&v, p, sizeof v);
        if (f->kind == K_I32U && v == INT32_MAX)
          fprintf(o, " %s=UNDEF", f->name);
        else
          fprintf(o, " %s=%" PRId32, f->name, v);
        break;
      }
      case K_U16:
      case K_U16U: {
        uint16_t v;
        memcpy(&v, p, sizeof v);
        if (f->kind == K_U16U && v == UINT16_MAX)
          fprintf(o, " %s=UNDEF", f->name);
        else
          fprintf(o, " %s=%u", f->name, (unsigned)v);
        break;
      }
      case K_I16U: {
        int16_t v;
        memcpy(&v, p, sizeof v);
        if (v == INT16_MAX)
          fprintf(o, " %s=UNDEF", f->name);
        else
          fprintf(o, " %s=%d", f->name, (int)v);
        break;
      }
      case K_U8:
      case K_U8U:
        if (f->kind == K_U8U && *p == UINT8_MAX)
          fprintf(o, " %s=UNDEF", f->name);
        else
          fprintf(o, " %s=%u", f->name, (unsigned)*p);
        break;
      case K_I8:
        fprintf(o, " %s=%d", f->name, (int)(int8_t)*p);
        break;
      case K_HEX8:
        fprintf(o, " %s=0x%02x", f->name, (unsigned)*p);
        break;
      case K_CHAR:
        put_char(o, f->name, (char)*p);
        break;
      case K_STR:
        put_str(o, f->name, (const char *)p);
        break;
    }
  }
}

static void dump_dbn_metadata(FILE *o, const struct input *in, const struct sf_dbn_metadata *md) {
  char a[48], b[48];
  fprintf(o,
          "[%d] %s: DBN v%u metadata: dataset=%s schema=%s start=%s end=%s limit=%" PRIu64
          " stype_in=%s stype_out=%s ts_out=%s symbols=%zu partial=%zu not_found=%zu mappings=%zu "
          "intervals=%zu\n",
          in->idx, in->path, (unsigned)md->version, md->dataset, sf_dbn_schema_name(md->schema),
          iso_ns(md->start, a, sizeof a), iso_ns(md->end, b, sizeof b), md->limit,
          sf_dbn_stype_name(md->stype_in), sf_dbn_stype_name(md->stype_out), md->ts_out ? "true" : "false",
          md->symbol_count, md->partial_count, md->not_found_count, md->mapping_count, md->interval_count);
  for (size_t i = 0; i < md->symbol_count && i < DUMP_MAPPINGS; i++)
    fprintf(o, "[%d]   symbol %zu: \"%s\"\n", in->idx, i, md->symbols[i]);
  for (size_t i = 0; i < md->interval_count && i < DUMP_MAPPINGS; i++) {
    const struct sf_dbn_interval *iv = &md->intervals[i];
    fprintf(o,
            "[%d]   mapping %zu: \"%s\" -> \"%s\" (instrument_id %" PRIu32 ") from %" PRIu32 " until %" PRIu32
            "\n",
            in->idx, i, iv->mapping < md->mapping_count ? md->mapping_symbols[iv->mapping] : "?", iv->symbol,
            iv->instrument_id, iv->start_date, iv->end_date);
  }
  if (md->interval_count > DUMP_MAPPINGS)
    fprintf(o, "[%d]   ... %zu more mappings\n", in->idx, md->interval_count - DUMP_MAPPINGS);
}

static void dump_dbn(FILE *o, const struct input *in, const struct sf_dbn_record *r) {
  char a[48];
  const struct sf_dbn_header *hd = &r->u.hd;
  const char *venue = sf_dbn_publisher_venue(hd->publisher_id);
  fprintf(o, "[%d] %s offset=%" PRIu64 " length=%u rtype=0x%02x publisher_id=%u", in->idx,
          sf_dbn_rtype_name(r->rtype), r->offset, (unsigned)hd->length * 4u, (unsigned)r->rtype,
          (unsigned)hd->publisher_id);
  if (venue) fprintf(o, "(%s)", venue);
  fprintf(o, " instrument_id=%" PRIu32 " ts_event=%s", hd->instrument_id, iso_ns(hd->ts_event, a, sizeof a));
  put_str(o, "symbol", r->symbol ? r->symbol : "");
  switch (r->kind) {
    case SF_DBN_KIND_TRADE:
      put_fields(o, &r->u.trade, trade_fields);
      break;
    case SF_DBN_KIND_MBP1:
      put_fields(o, &r->u.mbp1, mbp1_fields);
      break;
    case SF_DBN_KIND_CMBP1:
      put_fields(o, &r->u.cmbp1, cmbp1_fields);
      break;
    case SF_DBN_KIND_OHLCV:
      put_fields(o, &r->u.ohlcv, ohlcv_fields);
      break;
    case SF_DBN_KIND_STATISTICS:
      put_fields(o, &r->u.stat, stat_fields);
      break;
    case SF_DBN_KIND_DEFINITION:
      put_fields(o, &r->u.def, def_fields);
      break;
  }
  if (r->has_ts_out) fprintf(o, " ts_out=%s", iso_ns(r->ts_out, a, sizeof a));
  fputc('\n', o);
}

static void dump_csv(FILE *o, const struct input *in, const struct sf_csv_row *row) {
  char a[48];
  if (row->kind == SF_CSV_KIND_TRADES) {
    const struct sf_csv_trade *t = &row->u.trade;
    fprintf(o, "[%d] csv-trade line=%" PRIu64, in->idx, row->line);
    put_str(o, "ticker", t->ticker);
    fprintf(o, " conditions=");
    for (int i = 0; i < t->condition_count; i++) fprintf(o, "%s%d", i ? "," : "", t->conditions[i]);
    fprintf(o, " correction=%d exchange=%d", t->correction, t->exchange);
    put_str(o, "id", t->id);
    fprintf(o, " participant_timestamp=%s", iso_ns_signed(t->participant_timestamp, a, sizeof a));
    fprintf(o, " price=%.10g sequence_number=%" PRId64, t->price, t->sequence_number);
    fprintf(o, " sip_timestamp=%s size=%" PRId64 "\n", iso_ns_signed(t->sip_timestamp, a, sizeof a), t->size);
  } else {
    const struct sf_csv_quote *q = &row->u.quote;
    fprintf(o, "[%d] csv-quote line=%" PRIu64, in->idx, row->line);
    put_str(o, "ticker", q->ticker);
    fprintf(o,
            " ask_exchange=%d ask_price=%.10g ask_size=%" PRId64
            " bid_exchange=%d bid_price=%.10g bid_size=%" PRId64 " sequence_number=%" PRId64
            " sip_timestamp=%s\n",
            q->ask_exchange, q->ask_price, q->ask_size, q->bid_exchange, q->bid_price, q->bid_size,
            q->sequence_number, iso_ns_signed(q->sip_timestamp, a, sizeof a));
  }
}

static void dump_tape(FILE *o, const struct input *in, const struct sf_record *r) {
  char *line = sf_record_to_line(r);
  fprintf(o, "[%d] line=%" PRIu64 " %s", in->idx, sf_tape_reader_line(in->tape),
          line ? line : "(out of memory)\n");
  free(line);
}

/* ---- Reading ---- */

/* Trace prefix from the file name: its base name, truncated to fit. */
static void trace_prefix(const char *path, char *buf, size_t cap) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  snprintf(buf, cap, "%s", b[0] ? b : "import");
}

static enum fmt guess_format(const char *path) {
  static const struct {
    const char *suffix;
    enum fmt f;
  } map[] = {{".dbn", FMT_DBN},    {".dbn.zst", FMT_DBN}, {".dbn.zstd", FMT_DBN},  {".csv", FMT_CSV},
             {".csv.gz", FMT_CSV}, {".jsonl", FMT_JSONL}, {".jsonl.gz", FMT_JSONL}};
  size_t n = strlen(path);
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
    size_t k = strlen(map[i].suffix);
    if (n > k && strcmp(path + n - k, map[i].suffix) == 0) return map[i].f;
  }
  return FMT_NONE;
}

static int input_open(struct input *in, char *err, size_t cap) {
  int rc = 0;
  char prefix[sizeof in->conv.trace_prefix];
  trace_prefix(in->path, prefix, sizeof prefix);
  sf_converter_init(&in->conv, prefix, false);
  in->last_ts = SF_TS_NULL;
  in->out.n = 0;
  switch (in->fmt) {
    case FMT_DBN:
      rc = sf_dbn_file_open(in->path, &in->dbn, err, cap);
      break;
    case FMT_CSV:
      rc = sf_csv_file_open(in->path, &in->csv, err, cap);
      break;
    case FMT_JSONL:
      rc = sf_tape_reader_open(in->path, &in->tape);
      if (rc)
        snprintf(err, cap, "%s: cannot open: %s", in->path, rc == SF_EIO ? strerror(errno) : sf_strerror(rc));
      break;
    case FMT_NONE:
      rc = SF_EINVAL;
      break;
  }
  return rc;
}

static void input_close(struct input *in) {
  sf_dbn_file_close(in->dbn);
  sf_csv_file_close(in->csv);
  sf_tape_reader_close(in->tape);
  in->dbn = NULL;
  in->csv = NULL;
  in->tape = NULL;
}

static void input_fail(struct input *in, const char *msg) {
  in->done = true;
  in->failed = true;
  snprintf(in->err, sizeof in->err, "%s", msg);
}

/* Reads one raw record of a DBN or CSV input and converts it into in->out. Returns 1 when
 * something was read, 0 at the end (or after an error that stops the input). */
static int read_raw(struct input *in, FILE *dump) {
  in->out.n = 0;
  in->out_pos = 0;
  if (in->fmt == FMT_DBN) {
    struct sf_dbn_record r;
    if (dump && !in->metadata_shown) {
      dump_dbn_metadata(dump, in, sf_dbn_file_metadata(in->dbn));
      in->metadata_shown = true;
    }
    int rc = sf_dbn_file_next(in->dbn, &r);
    if (rc == 0) return 0;
    if (rc < 0) {
      input_fail(in, sf_dbn_file_errmsg(in->dbn));
      return 0;
    }
    in->read++;
    in->read_kind[r.kind]++;
    if (dump) dump_dbn(dump, in, &r);
    sf_convert_dbn(&in->conv, &r, &in->out);
    in->oi += in->out.has_oi;
    in->refs += in->out.has_ref;
    return 1;
  }
  struct sf_csv_row row;
  for (;;) {
    int rc = sf_csv_file_next(in->csv, &row);
    if (rc == 0) return 0;
    if (rc < 0) {
      /* A read error, or a header that is not an options flat file, stops the input; a bad
       * line is counted and skipped. */
      if (rc == SF_EIO || rc == SF_ENOMEM || sf_csv_file_decoder(in->csv)->kind == SF_CSV_KIND_NONE) {
        input_fail(in, sf_csv_file_errmsg(in->csv));
        return 0;
      }
      in->bad_lines++;
      msg_add(&in->bad, "%s", sf_csv_file_errmsg(in->csv));
      continue;
    }
    in->read++;
    in->read_kind[row.kind]++;
    if (dump) dump_csv(dump, in, &row);
    sf_convert_csv(&in->conv, &row, &in->out);
    return 1;
  }
}

/* The next record of an input into *rec. Returns 1, or 0 when the input is finished. */
static int input_next(struct input *in, struct sf_record *rec, FILE *dump) {
  for (;;) {
    if (in->done) return 0;
    if (in->fmt == FMT_JSONL) {
      int rc = sf_tape_reader_next(in->tape, rec);
      if (rc == 0) {
        in->done = true;
        return 0;
      }
      if (rc < 0) {
        char m[512];
        snprintf(m, sizeof m, "%s: %s", in->path, sf_tape_reader_errmsg(in->tape));
        if (rc == SF_ENOMEM || rc == SF_EIO) {
          input_fail(in, m);
          return 0;
        }
        in->bad_lines++;
        msg_add(&in->bad, "%s", m);
        continue;
      }
      in->read++;
      in->read_type[rec->type]++;
      if (dump) dump_tape(dump, in, rec);
    } else {
      if (in->out_pos >= in->out.n && !read_raw(in, dump)) {
        in->done = true;
        return 0;
      }
      if (in->out_pos >= in->out.n) continue;
      *rec = in->out.rec[in->out_pos++];
    }
    if (sf_record_ts_ns(rec) == SF_TS_NULL) {
      in->no_ts++;
      sf_record_fini(rec);
      continue;
    }
    in->produced[rec->type]++;
    return 1;
  }
}

/* ---- Output ---- */

struct sink {
  struct sf_tape_writer *tape;
  const char *tape_path;
  bool tape_failed;
  int tape_err;
  struct sf_store *store;
  const char *db_url;
  bool store_failed;
  char store_err[512];
  struct sf_record *batch;
  size_t nbatch;
  uint64_t seq;
  uint64_t written_tape[SF_REC__COUNT];
  uint64_t written_store[SF_REC__COUNT];
  uint64_t store_rejected;
  struct msglist store_rejects;
  uint64_t batch_type_count[SF_REC__COUNT];
};

static void flush_store(struct sink *s) {
  if (!s->nbatch) return;
  if (!s->store_failed) {
    const struct sf_record *ptrs[STORE_BATCH];
    for (size_t i = 0; i < s->nbatch; i++) ptrs[i] = &s->batch[i];
    int rc = sf_store_write(s->store, ptrs, s->nbatch);
    if (rc) {
      s->store_failed = true;
      snprintf(s->store_err, sizeof s->store_err, "%s: write failed: %s (%s)", s->db_url, sf_strerror(rc),
               sf_store_errmsg(s->store));
    } else {
      for (int t = 0; t < SF_REC__COUNT; t++) s->written_store[t] += s->batch_type_count[t];
    }
  }
  for (size_t i = 0; i < s->nbatch; i++) sf_record_fini(&s->batch[i]);
  memset(s->batch_type_count, 0, sizeof s->batch_type_count);
  s->nbatch = 0;
}

/* Takes ownership of rec. */
static void sink_put(struct sink *s, struct sf_record *rec) {
  sf_record_meta_mut(rec)->seq = (int64_t)s->seq++;
  if (s->tape && !s->tape_failed) {
    int rc = sf_tape_writer_write(s->tape, rec);
    if (rc) {
      s->tape_failed = true;
      s->tape_err = rc;
    } else
      s->written_tape[rec->type]++;
  }
  if (s->store && !s->store_failed) {
    const char *why = NULL;
    if (sf_store_record_check(rec, &why)) {
      s->store_rejected++;
      msg_add(&s->store_rejects, "%s %s: %s", sf_record_type_name(rec->type), sf_record_meta(rec)->trace_id,
              why ? why : "rejected");
    } else {
      s->batch[s->nbatch++] = *rec; /* moved */
      s->batch_type_count[rec->type]++;
      if (s->nbatch == STORE_BATCH) flush_store(s);
      return;
    }
  }
  sf_record_fini(rec);
}

/* Tops an input's window up to `lookahead` queued records (after a pop: one more). */
static void fill(struct merge *m, struct input *in, size_t k, size_t lookahead, FILE *dumpf) {
  while (in->queued < lookahead && !in->done) {
    uint32_t e = m->free_list[m->nfree - 1];
    struct entry *en = &m->pool[e];
    if (!input_next(in, &en->rec, dumpf)) break;
    m->nfree--;
    en->ts = sf_record_ts_ns(&en->rec);
    en->ord = in->ord++;
    en->input = (uint32_t)k;
    in->queued++;
    heap_push(m, e);
  }
}

/* ---- Summary ---- */

static void print_counts(const char *label, const uint64_t *by_type) {
  uint64_t total = 0;
  for (int t = 0; t < SF_REC__COUNT; t++) total += by_type[t];
  fprintf(stderr, "%s %" PRIu64, label, total);
  const char *sep = " (";
  for (int t = 0; t < SF_REC__COUNT; t++) {
    if (!by_type[t]) continue;
    fprintf(stderr, "%s%s %" PRIu64, sep, sf_record_type_name((enum sf_record_type)t), by_type[t]);
    sep = ", ";
  }
  fprintf(stderr, "%s\n", sep[0] == ',' ? ")" : "");
}

static void summarize_input(const struct input *in) {
  fprintf(stderr, "input %d: %s (%s)%s\n", in->idx, in->path, fmt_names[in->fmt],
          in->failed ? " -- STOPPED BY AN ERROR" : "");
  fprintf(stderr, "  read: %" PRIu64, in->read);
  const char *sep = " (";
  if (in->fmt == FMT_JSONL) {
    for (int t = 0; t < SF_REC__COUNT; t++) {
      if (!in->read_type[t]) continue;
      fprintf(stderr, "%s%s %" PRIu64, sep, sf_record_type_name((enum sf_record_type)t), in->read_type[t]);
      sep = ", ";
    }
  } else {
    for (int k = 1; k < 8; k++) {
      if (!in->read_kind[k]) continue;
      const char *name =
          in->fmt == FMT_DBN ? (k <= 6 ? dbn_kind_names[k] : "?") : (k <= 2 ? csv_kind_names[k] : "?");
      fprintf(stderr, "%s%s %" PRIu64, sep, name, in->read_kind[k]);
      sep = ", ";
    }
  }
  fprintf(stderr, "%s\n", sep[0] == ',' ? ")" : "");
  if (in->fmt == FMT_DBN && in->dbn) {
    const struct sf_dbn_decoder *d = sf_dbn_file_decoder(in->dbn);
    if (d->skipped) {
      fprintf(stderr, "  skipped by the decoder (rtype not decoded): %" PRIu64 " (", d->skipped);
      const char *s2 = "";
      for (int r = 0; r < 256; r++) {
        if (!d->skipped_by_rtype[r]) continue;
        fprintf(stderr, "%s0x%02x %s %" PRIu64, s2, r, sf_dbn_rtype_name((uint8_t)r), d->skipped_by_rtype[r]);
        s2 = ", ";
      }
      fprintf(stderr, ")\n");
    }
    if (d->unresolved)
      fprintf(stderr, "  instrument ids without a symbol mapping that day: %" PRIu64 "\n", d->unresolved);
  }
  for (int r = 0; r < SF_CONVERT__COUNT; r++)
    if (in->conv.skipped[r])
      fprintf(stderr, "  skipped %s: %" PRIu64 " (%s)\n", sf_convert_reason_id(r), in->conv.skipped[r],
              sf_convert_reason_text(r));
  if (in->no_ts) fprintf(stderr, "  skipped no_timestamp: %" PRIu64 " (event time undefined)\n", in->no_ts);
  if (in->conv.unknown_conditions)
    fprintf(stderr, "  unknown CSV condition ids (ignored): %" PRIu64 "\n", in->conv.unknown_conditions);
  if (in->oi || in->refs)
    fprintf(stderr, "  reference data (not written): open interest %" PRIu64 ", definitions %" PRIu64 "\n",
            in->oi, in->refs);
  print_counts("  records produced:", in->produced);
  if (in->late)
    fprintf(stderr,
            "  warning: %" PRIu64
            " records came later than the lookahead allows and were written out of time order "
            "(raise --lookahead)\n",
            in->late);
  if (in->bad_lines) {
    fprintf(stderr, "  bad lines skipped: %" PRIu64 "\n", in->bad_lines);
    for (size_t i = 0; i < in->bad.n; i++) fprintf(stderr, "    %s\n", in->bad.v[i]);
    if (in->bad_lines > in->bad.n) fprintf(stderr, "    ... %" PRIu64 " more\n", in->bad_lines - in->bad.n);
  }
  if (in->failed)
    fprintf(stderr, "  error: %s\n  the %" PRIu64 " records read before the error were imported\n", in->err,
            in->read);
}

/* ---- Command ---- */

int sf_cmd_import(int argc, char **argv) {
  const char *format = NULL, *out_path = NULL, *db_url = NULL;
  bool dump = false;
  size_t lookahead = DEFAULT_LOOKAHEAD;
  int status = 0;
  struct input *inputs = NULL;
  size_t ninputs = 0;
  struct merge m = {0};
  struct sink s = {0};
  FILE *dumpf = NULL;

  if (argc < 2) {
    usage(stderr);
    return SF_ARGS_USAGE;
  }
  static const struct option opts[] = {{"format", required_argument, 0, 'f'},
                                       {"out", required_argument, 0, 'o'},
                                       {"db", required_argument, 0, 'd'},
                                       {"lookahead", required_argument, 0, 'l'},
                                       {"dump", no_argument, 0, 'D'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  struct sf_args a = {.cmd = "import", .argc = argc, .argv = argv, .opts = opts, .usage = usage};
  int ch;
  while ((ch = sf_args_next(&a)) != -1) {
    uint64_t n;
    switch (ch) {
      case 'f':
        format = optarg;
        break;
      case 'o':
        out_path = optarg;
        break;
      case 'd':
        db_url = optarg;
        break;
      case 'l':
        if (sf_args_u64(&a, 1, MAX_LOOKAHEAD, &n)) return SF_ARGS_USAGE;
        lookahead = (size_t)n;
        break;
      case 'D':
        dump = true;
        break;
      default: /* --help or a usage error, printed */
        return a.status;
    }
  }
  inputs = calloc((size_t)argc, sizeof *inputs);
  if (!inputs) {
    fprintf(stderr, "smartflow import: out of memory\n");
    return 1;
  }
  for (int i = optind; i < argc; i++) {
    inputs[ninputs].path = argv[i];
    inputs[ninputs].idx = (int)ninputs + 1;
    ninputs++;
  }
  if (!ninputs) {
    fprintf(stderr, "smartflow import: no input FILE\n\n");
    usage(stderr);
    goto usage_fail;
  }
  enum fmt fmt = FMT_NONE;
  if (format) {
    for (int f = FMT_DBN; f <= FMT_JSONL; f++)
      if (strcmp(format, fmt_names[f]) == 0) fmt = (enum fmt)f;
    if (fmt == FMT_NONE) {
      fprintf(stderr, "smartflow import: --format must be dbn, csv or jsonl, not '%s'\n", format);
      goto usage_fail;
    }
  }
  for (size_t i = 0; i < ninputs; i++) {
    inputs[i].fmt = fmt ? fmt : guess_format(inputs[i].path);
    if (!inputs[i].fmt) {
      fprintf(stderr, "smartflow import: cannot tell the format of '%s' from its name; give --format\n",
              inputs[i].path);
      goto usage_fail;
    }
  }
  if (dump && out_path && strcmp(out_path, "-") == 0) {
    fprintf(stderr, "smartflow import: --dump and --out - would both write to stdout\n");
    goto usage_fail;
  }
  /* Trace prefixes must differ between inputs: a repeated file name gets "~N". */
  for (size_t i = 0; i < ninputs; i++) {
    char err[512];
    if (input_open(&inputs[i], err, sizeof err)) {
      fprintf(stderr, "smartflow import: %s\nnothing was written\n", err);
      status = 1;
      goto done;
    }
    for (size_t j = 0; j < i; j++) {
      if (strcmp(inputs[j].conv.trace_prefix, inputs[i].conv.trace_prefix) == 0) {
        char p[sizeof inputs[i].conv.trace_prefix];
        trace_prefix(inputs[i].path, p, sizeof p);
        snprintf(inputs[i].conv.trace_prefix, sizeof inputs[i].conv.trace_prefix, "%.20s~%d", p,
                 inputs[i].idx % 100000);
        break;
      }
    }
  }

  /* Sinks. */
  if (out_path) {
    int rc = sf_tape_writer_open(out_path, &s.tape);
    if (rc) {
      fprintf(stderr, "smartflow import: cannot write %s: %s\n", out_path,
              rc == SF_EIO ? strerror(errno) : sf_strerror(rc));
      status = 1;
      goto done;
    }
    s.tape_path = out_path;
  }
  if (db_url) {
    int rc = sf_store_open(db_url, &s.store);
    if (rc) {
      fprintf(stderr, "smartflow import: cannot open store %s: %s\n", db_url, sf_strerror(rc));
      status = 1;
      goto done;
    }
    s.db_url = db_url;
    s.batch = calloc(STORE_BATCH, sizeof *s.batch);
    if (!s.batch) goto nomem;
  }
  dumpf = dump ? stdout : NULL;

  /* The merge. */
  size_t pool = ninputs * lookahead;
  if (pool > UINT32_MAX) goto nomem;
  m.pool = calloc(pool, sizeof *m.pool);
  m.free_list = calloc(pool, sizeof *m.free_list);
  m.heap = calloc(pool, sizeof *m.heap);
  if (!m.pool || !m.free_list || !m.heap) goto nomem;
  for (size_t i = 0; i < pool; i++) m.free_list[i] = (uint32_t)(pool - 1 - i);
  m.nfree = pool;

  for (size_t k = 0; k < ninputs; k++) fill(&m, &inputs[k], k, lookahead, dumpf);
  while (m.nheap) {
    uint32_t e = heap_pop(&m);
    struct entry *en = &m.pool[e];
    struct input *in = &inputs[en->input];
    in->queued--;
    if (in->last_ts != SF_TS_NULL && en->ts < in->last_ts) in->late++;
    if (in->last_ts == SF_TS_NULL || en->ts > in->last_ts) in->last_ts = en->ts;
    sink_put(&s, &en->rec);
    m.free_list[m.nfree++] = e;
    fill(&m, in, en->input, lookahead, dumpf);
  }
  if (s.store) flush_store(&s);
  goto finish;

nomem:
  fprintf(stderr, "smartflow import: out of memory\n");
  status = 1;
  goto done;

finish:
  if (dumpf) fflush(dumpf);
  if (s.tape) {
    int rc = sf_tape_writer_close(s.tape);
    s.tape = NULL;
    if (rc && !s.tape_failed) {
      s.tape_failed = true;
      s.tape_err = rc;
    }
  }
  for (size_t i = 0; i < ninputs; i++) {
    summarize_input(&inputs[i]);
    if (inputs[i].failed || inputs[i].bad_lines) status = 1;
  }
  {
    if (s.tape_path) {
      char label[600];
      snprintf(label, sizeof label, "written to %s:", strcmp(s.tape_path, "-") == 0 ? "stdout" : s.tape_path);
      print_counts(label, s.written_tape);
      if (s.tape_failed) {
        fprintf(stderr, "error: writing %s failed: %s; later records were not written\n", s.tape_path,
                sf_strerror(s.tape_err));
        status = 1;
      }
    }
    if (s.db_url) {
      char label[600];
      snprintf(label, sizeof label, "written to %s:", s.db_url);
      print_counts(label, s.written_store);
      if (s.store_rejected) {
        fprintf(stderr, "  rejected by the store: %" PRIu64 "\n", s.store_rejected);
        for (size_t i = 0; i < s.store_rejects.n; i++) fprintf(stderr, "    %s\n", s.store_rejects.v[i]);
        status = 1;
      }
      if (s.store_failed) {
        fprintf(stderr, "error: %s; later records were not stored\n", s.store_err);
        status = 1;
      }
    }
    if (!s.tape_path && !s.db_url) fprintf(stderr, "nothing written (no --out or --db)\n");
  }
  if (status) fprintf(stderr, "import finished with errors (see above)\n");

done:
  if (s.tape) sf_tape_writer_close(s.tape);
  if (s.batch) {
    for (size_t i = 0; i < s.nbatch; i++) sf_record_fini(&s.batch[i]);
    free(s.batch);
  }
  if (s.store) sf_store_close(s.store);
  if (m.heap)
    for (size_t i = 0; i < m.nheap; i++) sf_record_fini(&m.pool[m.heap[i]].rec);
  free(m.pool);
  free(m.free_list);
  free(m.heap);
  for (size_t i = 0; i < ninputs; i++) input_close(&inputs[i]);
  free(inputs);
  return status;

usage_fail:
  free(inputs);
  return SF_ARGS_USAGE;
}
