/* Conversion of decoded market data (DBN records, options flat-file CSV rows) into smartflow
 * records (CONTRACTS.md "Market data in"), plus the reference data real feeds carry beside
 * them: open interest (DBN statistics, stat_type 9) and contract definitions.
 *
 * Rules: prices are scaled from DBN's 1e-9 fixed point; ts_ns is ts_event or ts_recv as chosen
 * (ts_recv when ts_event is UNDEF); the exchange of a DBN record is the MIC of its publisher
 * (sf_dbn_publisher_venue); OPRA DBN trades carry no sale conditions, so their conditions are
 * empty; a tbbo/mbp-1 trade yields the quote just before it first and then the print; the
 * contract id is the canonical form of the OSI symbol the instrument id mapped to that day. A
 * record that cannot be converted produces nothing and is counted under a named reason. */
#ifndef SMARTFLOW_CONVERT_H
#define SMARTFLOW_CONVERT_H

#include <stdbool.h>
#include <stdint.h>

#include "smartflow/contract.h"
#include "smartflow/csv_flat.h"
#include "smartflow/dbn.h"
#include "smartflow/record.h"

/* Open interest of one contract on one (New York) trading date. */
struct sf_open_interest {
  char option_contract_id[SF_CONTRACT_ID_MAX];
  uint32_t date; /* YYYYMMDD */
  int64_t ts_ns;
  int64_t open_interest; /* contracts */
};

/* Reference data of one contract from a definition record. */
struct sf_contract_ref {
  char option_contract_id[SF_CONTRACT_ID_MAX];
  struct sf_contract contract;
  double strike;
  int64_t expiry_ns; /* 16:00 New York on the expiry date */
  char option_type;  /* 'C' or 'P' */
  double multiplier; /* contract_multiplier; 100 when the feed leaves it UNDEF */
  double tick;       /* min_price_increment in dollars; NaN when UNDEF */
  char underlying[SF_SYMBOL_MAX];
};

/* Why a record produced nothing. */
#define SF_CONVERT_REASONS(X)                                                    \
  X(NO_SYMBOL, "no_symbol", "instrument id not in the symbol mappings that day") \
  X(BAD_SYMBOL, "bad_symbol", "symbol is not an option contract")                \
  X(UNDEF_PRICE, "undef_price", "trade price undefined")                         \
  X(BAD_SIZE, "bad_size", "trade size zero")                                     \
  X(EMPTY_QUOTE, "empty_quote", "neither bid nor ask defined")                   \
  X(OHLCV, "ohlcv", "bars are not tape records")                                 \
  X(OTHER_STAT, "other_statistic", "statistic other than open interest")         \
  X(UNDEF_STAT, "undef_statistic", "open interest quantity undefined")           \
  X(BOOK_UPDATE, "book_update", "mbp-1 action other than a trade with no BBO")

enum sf_convert_reason {
#define SF_CONVERT_ENUM(name, id, text) SF_CONVERT_##name,
  SF_CONVERT_REASONS(SF_CONVERT_ENUM)
#undef SF_CONVERT_ENUM
      SF_CONVERT__COUNT
};
/* Short id ("no_symbol") and description of a reason. */
const char *sf_convert_reason_id(int reason);
const char *sf_convert_reason_text(int reason);

struct sf_converter {
  bool use_ts_recv;      /* ts_ns from ts_recv rather than ts_event */
  char trace_prefix[32]; /* trace ids are "<prefix>-<seq>" */
  int64_t seq;           /* next meta.seq */
  uint64_t skipped[SF_CONVERT__COUNT];
  uint64_t unknown_conditions; /* CSV condition ids the condition table does not know */
};

/* What one input record became: up to two tape records (in emission order), or reference
 * data, or nothing (reason set, >= 0). */
struct sf_convert_out {
  int n;
  struct sf_record rec[2];
  bool has_oi;
  struct sf_open_interest oi;
  bool has_ref;
  struct sf_contract_ref ref;
  int reason; /* -1 when something was produced */
};

void sf_converter_init(struct sf_converter *c, const char *trace_prefix, bool use_ts_recv);
/* Converts one DBN record (its symbol already resolved by the decoder). Returns 0; out says
 * what came out. */
int sf_convert_dbn(struct sf_converter *c, const struct sf_dbn_record *r, struct sf_convert_out *out);
/* Converts one CSV row. Returns 0; out says what came out. */
int sf_convert_csv(struct sf_converter *c, const struct sf_csv_row *row, struct sf_convert_out *out);

#endif
