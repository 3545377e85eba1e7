/* Databento Binary Encoding (DBN), versions 1, 2 and 3: a sans-I/O streaming decoder.
 *
 * A DBN stream is a metadata header ("DBN" + version byte, u32 length, then `length` bytes:
 * dataset, schema, start/end/limit, stype_in/out, ts_out, symbol_cstr_len (v2+; 22 in v1),
 * reserved, schema_definition, symbols, partial, not_found and the symbol mappings) followed by
 * records, each starting with a 16-byte header whose first byte is the record length in 4-byte
 * words. All integers are little-endian; prices are int64 in units of 1e-9 with INT64_MAX
 * meaning "undefined".
 *
 * Layouts follow the public DBN specification and the reference implementations: the `dbn`
 * Rust crate (databento/dbn rust/dbn/src/record.rs, compat.rs, v1.rs/v2.rs/v3.rs,
 * decode/dbn/fsm.rs for the metadata) and databento-cpp (include/databento/record.hpp, v1.hpp,
 * v2.hpp, whose static_asserts give the sizes repeated here as _Static_assert). The wire
 * structs below mirror those layouts byte for byte (natural alignment, no packing pragmas) and
 * are filled with memcpy, so the decoder needs a little-endian host (checked at compile time).
 *
 * Instrument ids are resolved to raw symbols per UTC day: a mapping interval covers
 * [start_date, end_date) and ids are reused for different series on different days. */
#ifndef SMARTFLOW_DBN_H
#define SMARTFLOW_DBN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SF_DBN_UNDEF_PRICE INT64_MAX
#define SF_DBN_UNDEF_ORDER_SIZE UINT32_MAX
#define SF_DBN_UNDEF_STAT_QUANTITY INT64_MAX    /* v3; v1/v2 records are upgraded to it */
#define SF_DBN_UNDEF_STAT_QUANTITY_V1 INT32_MAX /* v1 and v2 wire value */
#define SF_DBN_UNDEF_TIMESTAMP UINT64_MAX
#define SF_DBN_FIXED_PRICE_SCALE 1e-9
#define SF_DBN_MAX_VERSION 3
#define SF_DBN_METADATA_FIXED_LEN 100 /* bytes of fixed metadata after the 8-byte prelude */

/* Record types (rtype), from the `rtype` module of the dbn crate (enums.rs). */
enum sf_dbn_rtype {
  SF_DBN_RTYPE_MBP0 = 0x00, /* trades */
  SF_DBN_RTYPE_MBP1 = 0x01, /* mbp-1 and tbbo */
  SF_DBN_RTYPE_MBP10 = 0x0A,
  SF_DBN_RTYPE_OHLCV_DEPRECATED = 0x11,
  SF_DBN_RTYPE_STATUS = 0x12,
  SF_DBN_RTYPE_INSTRUMENT_DEF = 0x13,
  SF_DBN_RTYPE_IMBALANCE = 0x14,
  SF_DBN_RTYPE_ERROR = 0x15,
  SF_DBN_RTYPE_SYMBOL_MAPPING = 0x16,
  SF_DBN_RTYPE_SYSTEM = 0x17,
  SF_DBN_RTYPE_STATISTICS = 0x18,
  SF_DBN_RTYPE_OHLCV_1S = 0x20,
  SF_DBN_RTYPE_OHLCV_1M = 0x21,
  SF_DBN_RTYPE_OHLCV_1H = 0x22,
  SF_DBN_RTYPE_OHLCV_1D = 0x23,
  SF_DBN_RTYPE_OHLCV_EOD = 0x24,
  SF_DBN_RTYPE_MBO = 0xA0,
  SF_DBN_RTYPE_CMBP1 = 0xB1,
  SF_DBN_RTYPE_CBBO_1S = 0xC0,
  SF_DBN_RTYPE_CBBO_1M = 0xC1,
  SF_DBN_RTYPE_TCBBO = 0xC2,
  SF_DBN_RTYPE_BBO_1S = 0xC3,
  SF_DBN_RTYPE_BBO_1M = 0xC4,
};

/* The kinds of decoded record this decoder yields; other rtypes are skipped and counted. */
enum sf_dbn_kind {
  SF_DBN_KIND_TRADE = 1,  /* rtype 0x00, body in rec.u.trade */
  SF_DBN_KIND_MBP1,       /* rtype 0x01 (mbp-1, tbbo), rec.u.mbp1 */
  SF_DBN_KIND_CMBP1,      /* rtype 0xB1, 0xC0, 0xC1, 0xC2 (cmbp-1, cbbo-1s/1m, tcbbo), rec.u.cmbp1 */
  SF_DBN_KIND_DEFINITION, /* rtype 0x13, rec.u.def (normalized across versions) */
  SF_DBN_KIND_STATISTICS, /* rtype 0x18, rec.u.stat (v3 layout; v1/v2 upgraded) */
  SF_DBN_KIND_OHLCV,      /* rtype 0x20..0x24 and 0x11, rec.u.ohlcv */
};

/* Record header: 16 bytes (record.rs RecordHeader). */
struct sf_dbn_header {
  uint8_t length; /* in 4-byte words */
  uint8_t rtype;
  uint16_t publisher_id;
  uint32_t instrument_id;
  uint64_t ts_event; /* ns since the epoch */
};
_Static_assert(sizeof(struct sf_dbn_header) == 16, "DBN RecordHeader is 16 bytes");

/* One book level (record.rs BidAskPair): 32 bytes. */
struct sf_dbn_bidask {
  int64_t bid_px, ask_px;
  uint32_t bid_sz, ask_sz;
  uint32_t bid_ct, ask_ct;
};
_Static_assert(sizeof(struct sf_dbn_bidask) == 32, "DBN BidAskPair is 32 bytes");

/* One consolidated level (ConsolidatedBidAskPair): 32 bytes, bid_pb/ask_pb are publisher ids. */
struct sf_dbn_cbidask {
  int64_t bid_px, ask_px;
  uint32_t bid_sz, ask_sz;
  uint16_t bid_pb;
  uint8_t reserved1[2];
  uint16_t ask_pb;
  uint8_t reserved2[2];
};
_Static_assert(sizeof(struct sf_dbn_cbidask) == 32, "DBN ConsolidatedBidAskPair is 32 bytes");

/* TradeMsg (rtype 0x00): 48 bytes. */
struct sf_dbn_trade {
  struct sf_dbn_header hd;
  int64_t price;
  uint32_t size;
  char action; /* 'T' for trades */
  char side;   /* 'A', 'B' or 'N' */
  uint8_t flags;
  uint8_t depth;
  uint64_t ts_recv;
  int32_t ts_in_delta;
  uint32_t sequence;
};
_Static_assert(sizeof(struct sf_dbn_trade) == 48, "DBN TradeMsg is 48 bytes");

/* Mbp1Msg / TbboMsg (rtype 0x01): 80 bytes. For tbbo, levels[0] is the BBO just before the
 * trade. */
struct sf_dbn_mbp1 {
  struct sf_dbn_header hd;
  int64_t price;
  uint32_t size;
  char action;
  char side;
  uint8_t flags;
  uint8_t depth;
  uint64_t ts_recv;
  int32_t ts_in_delta;
  uint32_t sequence;
  struct sf_dbn_bidask level;
};
_Static_assert(sizeof(struct sf_dbn_mbp1) == 80, "DBN Mbp1Msg is 80 bytes");

/* Cmbp1Msg (0xB1, 0xC2) and CbboMsg (0xC0, 0xC1) share this 80-byte layout. CbboMsg documents
 * the bytes of action and ts_in_delta as reserved; they are passed through as they are (real
 * OPRA cbbo files carry 'A' in the action byte and zeroes in ts_in_delta). */
struct sf_dbn_cmbp1 {
  struct sf_dbn_header hd;
  int64_t price;
  uint32_t size;
  char action;
  char side;
  uint8_t flags;
  uint8_t reserved1;
  uint64_t ts_recv;
  int32_t ts_in_delta;
  uint8_t reserved2[4];
  struct sf_dbn_cbidask level;
};
_Static_assert(sizeof(struct sf_dbn_cmbp1) == 80, "DBN Cmbp1Msg/CbboMsg is 80 bytes");

/* OhlcvMsg (0x20..0x24, 0x11): 56 bytes. */
struct sf_dbn_ohlcv {
  struct sf_dbn_header hd;
  int64_t open, high, low, close;
  uint64_t volume;
};
_Static_assert(sizeof(struct sf_dbn_ohlcv) == 56, "DBN OhlcvMsg is 56 bytes");

/* StatMsg v3 (0x18): 80 bytes; the decoded form of every version. */
struct sf_dbn_stat {
  struct sf_dbn_header hd;
  uint64_t ts_recv;
  uint64_t ts_ref;
  int64_t price;
  int64_t quantity; /* SF_DBN_UNDEF_STAT_QUANTITY when not set */
  uint32_t sequence;
  int32_t ts_in_delta;
  uint16_t stat_type; /* 9 = open interest */
  uint16_t channel_id;
  uint8_t update_action;
  uint8_t stat_flags;
  uint8_t reserved[18];
};
_Static_assert(sizeof(struct sf_dbn_stat) == 80, "DBN v3 StatMsg is 80 bytes");

/* StatMsg v1/v2 (0x18): 64 bytes (v1.hpp). */
struct sf_dbn_stat_v1 {
  struct sf_dbn_header hd;
  uint64_t ts_recv;
  uint64_t ts_ref;
  int64_t price;
  int32_t quantity; /* INT32_MAX when not set */
  uint32_t sequence;
  int32_t ts_in_delta;
  uint16_t stat_type;
  uint16_t channel_id;
  uint8_t update_action;
  uint8_t stat_flags;
  uint8_t reserved[6];
};
_Static_assert(sizeof(struct sf_dbn_stat_v1) == 64, "DBN v1/v2 StatMsg is 64 bytes");

#define SF_DBN_STAT_OPEN_INTEREST 9

/* InstrumentDefMsg v1: 360 bytes (databento-cpp v1.hpp, dbn v1.rs). */
struct sf_dbn_def_v1 {
  struct sf_dbn_header hd;
  uint64_t ts_recv;
  int64_t min_price_increment, display_factor;
  uint64_t expiration, activation;
  int64_t high_limit_price, low_limit_price, max_price_variation, trading_reference_price;
  int64_t unit_of_measure_qty, min_price_increment_amount, price_ratio;
  int32_t inst_attrib_value;
  uint32_t underlying_id;
  uint32_t raw_instrument_id;
  int32_t market_depth_implied, market_depth;
  uint32_t market_segment_id, max_trade_vol;
  int32_t min_lot_size, min_lot_size_block, min_lot_size_round_lot;
  uint32_t min_trade_vol;
  uint8_t reserved2[4];
  int32_t contract_multiplier, decay_quantity, original_contract_size;
  uint8_t reserved3[4];
  uint16_t trading_reference_date;
  int16_t appl_id;
  uint16_t maturity_year, decay_start_date, channel_id;
  char currency[4], settl_currency[4], secsubtype[6], raw_symbol[22], group[21], exchange[5];
  char asset[7], cfi[7], security_type[7], unit_of_measure[31], underlying[21];
  char strike_price_currency[4];
  char instrument_class;
  uint8_t reserved4[2];
  int64_t strike_price;
  uint8_t reserved5[6];
  char match_algorithm;
  uint8_t md_security_trading_status, main_fraction, price_display_format, settl_price_type;
  uint8_t sub_fraction, underlying_product;
  char security_update_action;
  uint8_t maturity_month, maturity_day, maturity_week;
  char user_defined_instrument;
  int8_t contract_multiplier_unit, flow_schedule_type;
  uint8_t tick_rule;
  uint8_t dummy[3];
};
_Static_assert(sizeof(struct sf_dbn_def_v1) == 360, "DBN v1 InstrumentDefMsg is 360 bytes");

/* InstrumentDefMsg v2: 400 bytes (databento-cpp v2.hpp, dbn v2.rs). */
struct sf_dbn_def_v2 {
  struct sf_dbn_header hd;
  uint64_t ts_recv;
  int64_t min_price_increment, display_factor;
  uint64_t expiration, activation;
  int64_t high_limit_price, low_limit_price, max_price_variation, trading_reference_price;
  int64_t unit_of_measure_qty, min_price_increment_amount, price_ratio, strike_price;
  int32_t inst_attrib_value;
  uint32_t underlying_id;
  uint32_t raw_instrument_id;
  int32_t market_depth_implied, market_depth;
  uint32_t market_segment_id, max_trade_vol;
  int32_t min_lot_size, min_lot_size_block, min_lot_size_round_lot;
  uint32_t min_trade_vol;
  int32_t contract_multiplier, decay_quantity, original_contract_size;
  uint16_t trading_reference_date;
  int16_t appl_id;
  uint16_t maturity_year, decay_start_date, channel_id;
  char currency[4], settl_currency[4], secsubtype[6], raw_symbol[71], group[21], exchange[5];
  char asset[7], cfi[7], security_type[7], unit_of_measure[31], underlying[21];
  char strike_price_currency[4];
  char instrument_class;
  char match_algorithm;
  uint8_t md_security_trading_status, main_fraction, price_display_format, settl_price_type;
  uint8_t sub_fraction, underlying_product;
  char security_update_action;
  uint8_t maturity_month, maturity_day, maturity_week;
  char user_defined_instrument;
  int8_t contract_multiplier_unit, flow_schedule_type;
  uint8_t tick_rule;
  uint8_t reserved[10];
};
_Static_assert(sizeof(struct sf_dbn_def_v2) == 400, "DBN v2 InstrumentDefMsg is 400 bytes");

/* InstrumentDefMsg v3: 520 bytes (databento-cpp record.hpp, dbn record.rs). */
struct sf_dbn_def_v3 {
  struct sf_dbn_header hd;
  uint64_t ts_recv;
  int64_t min_price_increment, display_factor;
  uint64_t expiration, activation;
  int64_t high_limit_price, low_limit_price, max_price_variation;
  int64_t unit_of_measure_qty, min_price_increment_amount, price_ratio, strike_price;
  uint64_t raw_instrument_id;
  int64_t leg_price, leg_delta;
  int32_t inst_attrib_value;
  uint32_t underlying_id;
  int32_t market_depth_implied, market_depth;
  uint32_t market_segment_id, max_trade_vol;
  int32_t min_lot_size, min_lot_size_block, min_lot_size_round_lot;
  uint32_t min_trade_vol;
  int32_t contract_multiplier, decay_quantity, original_contract_size;
  uint32_t leg_instrument_id;
  int32_t leg_ratio_price_numerator, leg_ratio_price_denominator;
  int32_t leg_ratio_qty_numerator, leg_ratio_qty_denominator;
  uint32_t leg_underlying_id;
  int16_t appl_id;
  uint16_t maturity_year, decay_start_date, channel_id, leg_count, leg_index;
  char currency[4], settl_currency[4], secsubtype[6], raw_symbol[71], group[21], exchange[5];
  char asset[11], cfi[7], security_type[7], unit_of_measure[31], underlying[21];
  char strike_price_currency[4];
  char leg_raw_symbol[71];
  char instrument_class;
  char match_algorithm;
  uint8_t main_fraction, price_display_format, sub_fraction, underlying_product;
  char security_update_action;
  uint8_t maturity_month, maturity_day, maturity_week;
  char user_defined_instrument;
  int8_t contract_multiplier_unit, flow_schedule_type;
  uint8_t tick_rule;
  char leg_instrument_class;
  char leg_side;
  uint8_t reserved[17];
};
_Static_assert(sizeof(struct sf_dbn_def_v3) == 520, "DBN v3 InstrumentDefMsg is 520 bytes");

/* A definition in one shape for every version: the v3 fields, NUL-terminated strings, plus the
 * fields v3 dropped (INT64_MAX / 0 / UINT16_MAX when the version did not carry them, as the dbn
 * crate does when it upgrades). */
struct sf_dbn_definition {
  struct sf_dbn_header hd;
  uint64_t ts_recv;
  int64_t min_price_increment, display_factor;
  uint64_t expiration, activation;
  int64_t high_limit_price, low_limit_price, max_price_variation;
  int64_t unit_of_measure_qty, min_price_increment_amount, price_ratio, strike_price;
  uint64_t raw_instrument_id;
  int64_t leg_price, leg_delta;
  int32_t inst_attrib_value;
  uint32_t underlying_id;
  int32_t market_depth_implied, market_depth;
  uint32_t market_segment_id, max_trade_vol;
  int32_t min_lot_size, min_lot_size_block, min_lot_size_round_lot;
  uint32_t min_trade_vol;
  int32_t contract_multiplier, decay_quantity, original_contract_size;
  uint32_t leg_instrument_id;
  int32_t leg_ratio_price_numerator, leg_ratio_price_denominator;
  int32_t leg_ratio_qty_numerator, leg_ratio_qty_denominator;
  uint32_t leg_underlying_id;
  int16_t appl_id;
  uint16_t maturity_year, decay_start_date, channel_id, leg_count, leg_index;
  char currency[5], settl_currency[5], secsubtype[7], raw_symbol[72], group[22], exchange[6];
  char asset[12], cfi[8], security_type[8], unit_of_measure[32], underlying[22];
  char strike_price_currency[5];
  char leg_raw_symbol[72];
  char instrument_class; /* 'C' call, 'P' put, ... */
  char match_algorithm;
  uint8_t main_fraction, price_display_format, sub_fraction, underlying_product;
  char security_update_action;
  uint8_t maturity_month, maturity_day, maturity_week;
  char user_defined_instrument;
  int8_t contract_multiplier_unit, flow_schedule_type;
  uint8_t tick_rule;
  char leg_instrument_class;
  char leg_side;
  /* v1/v2 only. */
  int64_t trading_reference_price;
  uint16_t trading_reference_date;
  uint8_t md_security_trading_status, settl_price_type;
};

/* One decoded record. */
struct sf_dbn_record {
  enum sf_dbn_kind kind;
  uint8_t rtype;
  uint8_t version;       /* DBN version of the stream */
  uint64_t offset;       /* byte offset of the record in the (uncompressed) stream */
  uint32_t length_bytes; /* on the wire, ts_out included */
  bool has_ts_out;
  uint64_t ts_out;
  const char *symbol; /* raw symbol of hd.instrument_id on the UTC day of ts_event (of ts_recv
                         when ts_event is UNDEF), or NULL; borrowed until sf_dbn_decoder_fini */
  union {
    struct sf_dbn_header hd; /* every body starts with it */
    struct sf_dbn_trade trade;
    struct sf_dbn_mbp1 mbp1;
    struct sf_dbn_cmbp1 cmbp1;
    struct sf_dbn_ohlcv ohlcv;
    struct sf_dbn_stat stat;
    struct sf_dbn_definition def;
  } u;
};

/* One interval of a symbol mapping: [start_date, end_date) as YYYYMMDD integers. */
struct sf_dbn_interval {
  uint32_t start_date, end_date;
  uint32_t instrument_id; /* the interval's symbol parsed as an id; 0 if it is not numeric */
  uint32_t mapping;       /* index into sf_dbn_metadata.mapping_symbols */
  const char *symbol;     /* the interval's symbol text, borrowed */
};

/* Look-up entry of the id index (internal to the decoder). */
struct sf_dbn_idspan {
  uint32_t instrument_id, start_date, end_date, interval;
};

/* Decoded metadata. Pointers are borrowed until sf_dbn_decoder_fini. */
struct sf_dbn_metadata {
  uint8_t version;
  char dataset[17];
  uint16_t schema; /* UINT16_MAX = mixed */
  uint64_t start, end, limit;
  uint64_t record_count_v1; /* deprecated v1 field */
  uint8_t stype_in, stype_out;
  bool ts_out;
  uint16_t symbol_cstr_len;
  uint32_t schema_definition_len;
  size_t symbol_count, partial_count, not_found_count;
  const char **symbols, **partial, **not_found;
  size_t mapping_count;                    /* raw symbols with intervals */
  const char **mapping_symbols;            /* raw symbol of each mapping */
  size_t interval_count;                   /* all intervals of all mappings */
  const struct sf_dbn_interval *intervals; /* grouped by mapping, in file order */
};

/* Return values of sf_dbn_decode besides errors. */
#define SF_DBN_RECORD 1
#define SF_DBN_METADATA 2

struct sf_dbn_decoder {
  int state;
  uint8_t version;
  uint32_t meta_len;
  uint64_t offset; /* bytes consumed from the stream so far */
  /* Carry buffer for a metadata block or a record split across calls (owned). */
  uint8_t *buf;
  size_t buf_len, buf_cap;
  size_t need; /* bytes the carry buffer must hold before it can be decoded */
  struct sf_dbn_metadata meta;
  /* Owned storage behind meta. */
  char *strings;
  size_t strings_len;
  struct sf_dbn_interval *intervals;
  const char **symtab;
  struct sf_dbn_idspan *by_id; /* intervals sorted by (instrument_id, start_date) */
  size_t by_id_count;
  uint64_t last_day; /* cache of the last ts_event day and its YYYYMMDD */
  uint32_t last_yyyymmdd;
  /* Counters. */
  uint64_t records;
  uint64_t skipped; /* records of rtypes this decoder does not decode */
  uint64_t skipped_by_rtype[256];
  uint64_t unresolved; /* records whose instrument id had no mapping that day */
  /* Error (sticky once set). */
  int err;
  uint64_t err_offset;
  char errmsg[160];
};

/* Initialises a decoder (caller's storage). */
void sf_dbn_decoder_init(struct sf_dbn_decoder *d);
/* Frees what the decoder owns; the metadata and symbols it handed out become invalid. */
void sf_dbn_decoder_fini(struct sf_dbn_decoder *d);

/* Decodes from p[0..len). Sets *consumed to the bytes used and returns:
 *   SF_DBN_METADATA  the metadata header is complete (sf_dbn_decoder_metadata);
 *   SF_DBN_RECORD    *out holds a record;
 *   SF_EAGAIN        all of p was used (consumed == len) and more input is needed;
 *   SF_EPARSE / SF_EVERSION / SF_ENOMEM  malformed input; d->err_offset and d->errmsg say
 *                    where and why, and every later call returns the same error.
 * The caller then calls again with p + consumed. Input may be split anywhere: an incomplete
 * header or record is kept inside the decoder. Records of rtypes the decoder does not decode
 * are skipped and counted in skipped / skipped_by_rtype. */
int sf_dbn_decode(struct sf_dbn_decoder *d, const uint8_t *p, size_t len, size_t *consumed,
                  struct sf_dbn_record *out);
/* At the end of input: 0 when the stream ended on a record boundary after the metadata,
 * SF_ETRUNC (with offset and message) otherwise. */
int sf_dbn_decoder_finish(struct sf_dbn_decoder *d);
/* The metadata, or NULL before it has been decoded. */
const struct sf_dbn_metadata *sf_dbn_decoder_metadata(const struct sf_dbn_decoder *d);
/* The message of the last error ("offset N: reason"). */
const char *sf_dbn_decoder_errmsg(const struct sf_dbn_decoder *d);

/* The raw symbol that instrument_id stood for on the UTC day of ts_event_ns, or NULL. */
const char *sf_dbn_symbol_for(const struct sf_dbn_decoder *d, uint32_t instrument_id, uint64_t ts_event_ns);
/* Same with a YYYYMMDD date. */
const char *sf_dbn_symbol_on(const struct sf_dbn_decoder *d, uint32_t instrument_id, uint32_t yyyymmdd);

/* A price in dollars (NaN for SF_DBN_UNDEF_PRICE). */
double sf_dbn_price(int64_t px);
/* Name of an rtype ("mbp-0", "cbbo-1s", ...); "unknown" otherwise. */
const char *sf_dbn_rtype_name(uint8_t rtype);
/* Name of a schema id ("trades", "definition", ...); "mixed" for UINT16_MAX, "unknown". */
const char *sf_dbn_schema_name(uint16_t schema);
/* Name of a stype ("raw_symbol", "instrument_id", "parent", ...). */
const char *sf_dbn_stype_name(uint8_t stype);
/* Venue code of a Databento publisher id (OPRA.PILLAR publishers 20..37 and 61: "AMXO",
 * "XBOX", "XCBO", ...), or NULL if the id is not an options publisher. */
const char *sf_dbn_publisher_venue(uint16_t publisher_id);

/* A DBN file, plain or zstd-compressed (detected by the zstd frame magic), read through the
 * decoder. */
struct sf_dbn_file;
/* Opens path and decodes the metadata. Returns 0, SF_EIO, SF_ENOMEM or a decode error; the
 * reason ("PATH: offset N: reason") goes to errbuf when it is not NULL. */
int sf_dbn_file_open(const char *path, struct sf_dbn_file **out, char *errbuf, size_t errcap);
/* The next record: 1, 0 at a clean end of file, or a negative SF_E* (see errmsg). */
int sf_dbn_file_next(struct sf_dbn_file *f, struct sf_dbn_record *rec);
const struct sf_dbn_metadata *sf_dbn_file_metadata(const struct sf_dbn_file *f);
/* The decoder (counters, symbol look-ups), borrowed until close. */
const struct sf_dbn_decoder *sf_dbn_file_decoder(const struct sf_dbn_file *f);
/* "PATH: offset N: reason" for the last error. */
const char *sf_dbn_file_errmsg(const struct sf_dbn_file *f);
void sf_dbn_file_close(struct sf_dbn_file *f);

#endif
