/* smartflow records: the market data that comes in and the derived records that go out, as in
 * shared/CONTRACTS.md. Every record carries the event meta. Plain structs with fixed-size string
 * fields where the wire bounds them, so that market-data records (the hot path) never allocate;
 * derived records own their variable-length lists (free with sf_record_fini).
 *
 * Null: a number that is not known is NaN (SF_NULL), a timestamp SF_TS_NULL, a string the empty
 * string, an enum its *_NULL value, a tri-state bool -1. JSON encoders write these as null and
 * decoders read null back to them, so a round trip keeps null as null.
 *
 * Time: market-data timestamps are kept in ns (ts_ns); the wire carries `ts` in ms (floor) and a
 * `ts_ns` twin. Meta timestamps (source_ts, ingest_ts) are ms as on the wire. */
#ifndef SMARTFLOW_RECORD_H
#define SMARTFLOW_RECORD_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "smartflow/contract.h"
#include "smartflow/strvec.h"
#include "smartflow/time.h"

#define SF_NULL ((double)NAN)
#define sf_is_null(x) isnan(x)

#define SF_ID_MAX 64     /* trace ids, event ids, packet ids (with NUL) */
#define SF_SYMBOL_MAX 16 /* underlying ids (with NUL) */
#define SF_VENUE_MAX 16  /* exchange / venue codes (with NUL) */
#define SF_NAME_MAX 48   /* classifier ids, structure types, iv sources (with NUL) */

enum sf_record_type {
  SF_REC_OPTION_PRINT = 0,
  SF_REC_OPTION_NBBO,
  SF_REC_EQUITY_QUOTE,
  SF_REC_EQUITY_PRINT,
  SF_REC_FLOW_PACKET,
  SF_REC_SMART_MONEY,
  SF_REC_CLASSIFIER_HIT,
  SF_REC_ALERT,
  SF_REC__COUNT
};

/* Wire names: "option-print", "option-nbbo", "equity-quote", "equity-print", "flow-packet",
 * "smart-money", "classifier-hit", "alert". */
const char *sf_record_type_name(enum sf_record_type t);
/* Returns the type for a wire name, or -1. */
int sf_record_type_from_name(const char *name);

struct sf_meta {
  int64_t source_ts; /* ms, when it happened */
  int64_t ingest_ts; /* ms, when smartflow saw it */
  int64_t seq;       /* >= 0, monotonic per producer */
  char trace_id[SF_ID_MAX];
};

enum sf_nbbo_side {
  SF_SIDE_NULL = 0,
  SF_SIDE_AA,
  SF_SIDE_A,
  SF_SIDE_MID,
  SF_SIDE_B,
  SF_SIDE_BB,
  SF_SIDE_MISSING,
  SF_SIDE_STALE,
  SF_SIDE__COUNT
};
const char *sf_side_name(enum sf_nbbo_side s); /* "AA".. or NULL for SF_SIDE_NULL */
int sf_side_from_name(const char *s);          /* enum value or -1 */

enum sf_option_type { SF_OPT_NULL = 0, SF_OPT_CALL, SF_OPT_PUT };
const char *sf_option_type_name(int t);      /* "call" | "put", or NULL for SF_OPT_NULL */
int sf_option_type_from_name(const char *s); /* enum value or -1 */

/* How a print's aggressor was decided. */
enum sf_aggressor_rule {
  SF_AGG_RULE_NULL = 0,
  SF_AGG_RULE_QUOTE, /* at/above ask = buy, at/below bid = sell */
  SF_AGG_RULE_TICK,  /* MID print signed by the tick test (Lee-Ready) */
  SF_AGG_RULE_DEPTH, /* MID print signed by size against displayed depth */
  SF_AGG_RULE_NONE,  /* could not be signed */
  SF_AGG_RULE__COUNT
};
const char *sf_aggressor_rule_name(enum sf_aggressor_rule r);
int sf_aggressor_rule_from_name(const char *s);

struct sf_option_print {
  struct sf_meta meta;
  int64_t ts_ns;
  char option_contract_id[SF_CONTRACT_ID_MAX];
  /* Key of option_contract_id in the stream's contract table (contract.h), or 0 (none: the
   * engine interns the id itself). Never serialised. */
  uint32_t contract_key;
  double price; /* >= 0, dollars per share */
  int64_t size; /* > 0, contracts */
  char exchange[SF_VENUE_MAX];
  uint32_t conditions; /* SF_COND_* bits */

  /* Enrichment added by smartflow; `enriched` is false on raw input, and then none of the
   * fields below are written. */
  bool enriched;
  char underlying_id[SF_SYMBOL_MAX];
  uint8_t option_type; /* enum sf_option_type */
  double notional;     /* dollars: price x size x multiplier */
  uint8_t nbbo_side;   /* enum sf_nbbo_side */
  double nbbo_bid, nbbo_ask, nbbo_mid, nbbo_spread;
  double nbbo_bid_size, nbbo_ask_size;
  int64_t nbbo_ts_ns;
  double nbbo_age_ms;
  double und_spot, und_bid, und_ask, und_mid, und_spread;
  int64_t und_ts_ns;
  double und_age_ms;
  double iv;
  char iv_source[SF_NAME_MAX];
  int8_t is_etf; /* -1 null, 0, 1 */
  double delta, gamma, vega;
  int8_t aggressor;       /* +1 buyer-initiated, -1 seller-initiated, 0 unknown */
  uint8_t aggressor_rule; /* enum sf_aggressor_rule */
  double multiplier;      /* contract multiplier used for notional */
};

struct sf_option_nbbo {
  struct sf_meta meta;
  int64_t ts_ns;
  char option_contract_id[SF_CONTRACT_ID_MAX];
  uint32_t contract_key; /* as in sf_option_print */
  double bid, ask;
  double bid_size, ask_size; /* "bidSize"/"askSize" on the wire */
};

struct sf_equity_quote {
  struct sf_meta meta;
  int64_t ts_ns;
  char underlying_id[SF_SYMBOL_MAX];
  double bid, ask;
  double bid_size, ask_size; /* optional */
};

struct sf_equity_print {
  struct sf_meta meta;
  int64_t ts_ns;
  char underlying_id[SF_SYMBOL_MAX];
  double price;
  int64_t size;
  char exchange[SF_VENUE_MAX];
  int8_t off_exchange; /* "offExchangeFlag": -1 null, 0, 1 */
};

/* A FlowPacket's features and join quality are free-form objects (string | number | bool),
 * kept as jansson values. */
typedef struct json_t json_t;
struct sf_flow_packet {
  struct sf_meta meta;
  char id[SF_ID_MAX];
  struct sf_strvec members; /* print trace ids */
  json_t *features;         /* owned reference, an object (never NULL after decode) */
  json_t *join_quality;     /* owned reference, an object of numbers */
};

enum sf_profile {
  SF_PROFILE_INSTITUTIONAL_DIRECTIONAL = 0,
  SF_PROFILE_RETAIL_WHALE,
  SF_PROFILE_EVENT_DRIVEN,
  SF_PROFILE_VOL_SELLER,
  SF_PROFILE_ARBITRAGE,
  SF_PROFILE_HEDGE_REACTIVE,
  SF_PROFILE_COUNT
};
const char *sf_profile_name(int p); /* "institutional_directional".. or NULL */
int sf_profile_from_name(const char *s);

enum sf_band { SF_BAND_LOW = 0, SF_BAND_MEDIUM, SF_BAND_HIGH };
const char *sf_band_name(int b);
int sf_band_from_name(const char *s);

enum sf_direction { SF_DIR_UNKNOWN = 0, SF_DIR_BULLISH, SF_DIR_BEARISH, SF_DIR_NEUTRAL, SF_DIR_MIXED };
const char *sf_direction_name(int d);
int sf_direction_from_name(const char *s);

enum sf_event_kind { SF_EVENT_SINGLE_LEG = 0, SF_EVENT_MULTI_LEG };
const char *sf_event_kind_name(int k);
int sf_event_kind_from_name(const char *s);

enum sf_severity { SF_SEV_LOW = 0, SF_SEV_MEDIUM, SF_SEV_HIGH };
const char *sf_severity_name(int s);
int sf_severity_from_name(const char *s);

/* SmartMoneyFeatures. Every number is NaN when it cannot be known; strings are empty when
 * null; expiry_after_event is -1 when null. The field list, with wire names and kinds, is the
 * table returned by sf_features_fields(), which encoders, decoders and the store share. */
struct sf_features {
  double contract_count, print_count, total_size, total_premium, total_notional;
  int64_t start_ts, end_ts; /* ms */
  double window_ms;
  char option_contract_id[SF_CONTRACT_ID_MAX];
  char option_type[2]; /* "C" | "P" | "" */
  double dte_days, moneyness, atm_proximity;
  double aggressor_buy_ratio, aggressor_sell_ratio, aggressor_ratio;
  double nbbo_coverage_ratio, nbbo_inside_ratio, nbbo_stale_ratio, quote_age_ms;
  double venue_count, inter_fill_ms_mean, strike_count, strike_concentration;
  char structure_type[SF_NAME_MAX];
  double structure_legs, same_size_leg_symmetry, net_directional_bias;
  double synthetic_iv_shock, spread_widening, underlying_move_bps;
  double days_to_event;
  int8_t expiry_after_event;
  double pre_event_concentration, special_print_ratio;
  /* Beyond the legacy contract (extra fields are allowed). */
  double iso_ratio, complex_ratio, avg_fill_size, net_delta_notional, vol_oi_ratio;
};

enum sf_field_kind { SF_FK_NUM, SF_FK_INT, SF_FK_TS, SF_FK_STR, SF_FK_TRIBOOL };
struct sf_field_desc {
  const char *name; /* wire name */
  uint8_t kind;     /* enum sf_field_kind; SF_FK_INT is a double shown as an integer */
  uint16_t offset;  /* offsetof(struct sf_features, field) */
  uint16_t size;    /* for strings: the buffer size */
};
/* The features table; *count receives its length. */
const struct sf_field_desc *sf_features_fields(size_t *count);
/* Sets every feature to null. */
void sf_features_init_null(struct sf_features *f);

#define SF_REASON_MAX 12
struct sf_profile_score {
  uint8_t profile; /* enum sf_profile */
  double probability;
  double raw_score;  /* the engine's score before calibration (extra field "raw_score"); NaN when
                        not known (then not written) */
  uint8_t band;      /* enum sf_band */
  uint8_t direction; /* enum sf_direction */
  struct sf_strvec reasons;
};

struct sf_smart_money_event {
  struct sf_meta meta;
  char event_id[SF_ID_MAX];
  struct sf_strvec packet_ids;
  struct sf_strvec member_print_ids;
  char underlying_id[SF_SYMBOL_MAX];
  uint8_t event_kind; /* enum sf_event_kind */
  int64_t event_window_ms;
  struct sf_features features;
  struct sf_profile_score scores[SF_PROFILE_COUNT]; /* highest probability first */
  int primary_profile;                              /* enum sf_profile, or -1 when null */
  uint8_t primary_direction;                        /* enum sf_direction */
  bool abstained;
  struct sf_strvec suppressed_reasons;
};

struct sf_classifier_hit {
  struct sf_meta meta;
  char classifier_id[SF_NAME_MAX]; /* "smart_money_<profile>" */
  double confidence;               /* 0..1 */
  uint8_t direction;               /* enum sf_direction */
  struct sf_strvec explanations;
};

struct sf_alert {
  struct sf_meta meta;
  double score;                   /* 0..100 */
  uint8_t severity;               /* enum sf_severity */
  struct sf_classifier_hit *hits; /* owned array of hit_count */
  size_t hit_count;
  struct sf_strvec evidence_refs;
  int primary_profile;                     /* -1 when absent */
  struct sf_profile_score *profile_scores; /* owned array, NULL when absent */
  size_t profile_score_count;
};

struct sf_record {
  enum sf_record_type type;
  union {
    struct sf_option_print option_print;
    struct sf_option_nbbo option_nbbo;
    struct sf_equity_quote equity_quote;
    struct sf_equity_print equity_print;
    struct sf_flow_packet flow_packet;
    struct sf_smart_money_event smart_money;
    struct sf_classifier_hit classifier_hit;
    struct sf_alert alert;
  } u;
};

/* Zeroes the record and sets every nullable field to null for its type. */
void sf_record_init(struct sf_record *r, enum sf_record_type t);
/* Frees what a record owns (derived records' lists and JSON); the record can be reused after
 * sf_record_init. */
void sf_record_fini(struct sf_record *r);
/* Deep copy (dst must be uninitialised or finalised). Returns 0 or SF_ENOMEM. */
int sf_record_copy(struct sf_record *dst, const struct sf_record *src);

/* Per-type initialisers (null everything) and finalisers, for records used outside a union. */
void sf_option_print_init(struct sf_option_print *p);
void sf_option_nbbo_init(struct sf_option_nbbo *q);
void sf_equity_quote_init(struct sf_equity_quote *q);
void sf_equity_print_init(struct sf_equity_print *p);
void sf_smart_money_event_init(struct sf_smart_money_event *e);
void sf_smart_money_event_fini(struct sf_smart_money_event *e);
void sf_classifier_hit_init(struct sf_classifier_hit *h);
void sf_classifier_hit_fini(struct sf_classifier_hit *h);
void sf_alert_init(struct sf_alert *a);
void sf_alert_fini(struct sf_alert *a);
void sf_flow_packet_init(struct sf_flow_packet *p);
void sf_flow_packet_fini(struct sf_flow_packet *p);
void sf_profile_score_fini(struct sf_profile_score *s);
int sf_profile_score_copy(struct sf_profile_score *dst, const struct sf_profile_score *src);

/* The event-time ns of a record: ts_ns for market data, source_ts in ns for derived ones. */
int64_t sf_record_ts_ns(const struct sf_record *r);
/* The record's meta. */
const struct sf_meta *sf_record_meta(const struct sf_record *r);
struct sf_meta *sf_record_meta_mut(struct sf_record *r);

#endif
