/* Normalized trade conditions and the vendor code table behind them. One static table lists
 * every options sale condition a feed can send, with its OPRA message-type letter, the numeric
 * id the common options flat-file/REST vendor layout (Polygon.io, now Massive) uses for it, and
 * the normalized bits it stands for; both look-ups scan that one table, so the two vendor
 * vocabularies can never drift apart.
 *
 * Sources. OPRA letters: OPRA Binary Participant/Data Recipient Interface Specification,
 * "Last Sale" message types (A CANC ... J REOP, S ISOI, a SLAN ... v EXHT), as republished in
 * Alpaca's options condition-code endpoint (/v1beta1/options/meta/conditions/trade) and
 * QuoteMedia's "Trade Indicators for Options (OPRA)"; a blank message type is a regular sale.
 * Numeric ids: Polygon.io/Massive GET /v3/reference/conditions?asset_class=options
 * (https://polygon.io/docs/rest/options/market-operations/condition-codes): 201-210 mirror
 * OPRA A-J, 219 is ISOI, 227-248 mirror OPRA a-v; ids in the gaps are retired and unknown here.
 *
 * Mapping rules: multi-leg -> COMPLEX; stock-option (tied to stock) -> STOCK_TIE + COMPLEX;
 * auction -> AUCTION; cross -> CROSS; floor -> FLOOR; ISO -> ISO (never SWEEP: a feed says
 * "intermarket sweep order", which is a routing flag, not a multi-venue sweep we observed);
 * opening/reopening -> OPENING; late or out of sequence -> LATE; cancel -> CANCEL; a regular
 * or plain auto-electronic single-leg execution -> FILL. An extended-hours trade is known but
 * carries no normalized meaning (0). */
#include "smartflow/condition.h"

#include <string.h>

struct cond_row {
  uint32_t bits;
  char opra;     /* OPRA message-type letter */
  int vendor_id; /* numeric vendor id */
  const char *desc;
};

#define C_(x) SF_COND_##x
static const struct cond_row rows[] = {
    {C_(FILL), ' ', 0, "regular sale"},
    {C_(CANCEL), 'A', 201, "CANC: previously reported trade cancelled"},
    {C_(LATE), 'B', 202, "OSEQ: late and out of sequence"},
    {C_(CANCEL), 'C', 203, "CNCL: last reported trade cancelled"},
    {C_(LATE), 'D', 204, "LATE: late but in sequence"},
    {C_(CANCEL) | C_(OPENING), 'E', 205, "CNCO: opening trade cancelled"},
    {C_(OPENING) | C_(LATE), 'F', 206, "OPEN: opening trade reported late, out of sequence"},
    {C_(CANCEL), 'G', 207, "CNOL: only trade of the day cancelled"},
    {C_(OPENING) | C_(LATE), 'H', 208, "OPNL: opening trade reported late, in sequence"},
    {C_(FILL), 'I', 209, "AUTO: automatic electronic execution"},
    {C_(OPENING), 'J', 210, "REOP: reopening after a halt"},
    {C_(ISO), 'S', 219, "ISOI: intermarket sweep order"},
    {C_(AUCTION), 'a', 227, "SLAN: single-leg auction, non-ISO"},
    {C_(AUCTION) | C_(ISO), 'b', 228, "SLAI: single-leg auction, ISO"},
    {C_(CROSS), 'c', 229, "SLCN: single-leg cross, non-ISO"},
    {C_(CROSS) | C_(ISO), 'd', 230, "SLCI: single-leg cross, ISO"},
    {C_(FLOOR), 'e', 231, "SLFT: single-leg floor trade"},
    {C_(COMPLEX), 'f', 232, "MLET: multi-leg auto-electronic trade"},
    {C_(COMPLEX) | C_(AUCTION), 'g', 233, "MLAT: multi-leg auction"},
    {C_(COMPLEX) | C_(CROSS), 'h', 234, "MLCT: multi-leg cross"},
    {C_(COMPLEX) | C_(FLOOR), 'i', 235, "MLFT: multi-leg floor trade"},
    {C_(COMPLEX), 'j', 236, "MESL: multi-leg auto-electronic trade against single legs"},
    {C_(STOCK_TIE) | C_(COMPLEX) | C_(AUCTION), 'k', 237, "TLAT: stock-options auction"},
    {C_(COMPLEX) | C_(AUCTION), 'l', 238, "MASL: multi-leg auction against single legs"},
    {C_(COMPLEX) | C_(FLOOR), 'm', 239, "MFSL: multi-leg floor trade against single legs"},
    {C_(STOCK_TIE) | C_(COMPLEX), 'n', 240, "TLET: stock-options auto-electronic trade"},
    {C_(STOCK_TIE) | C_(COMPLEX) | C_(CROSS), 'o', 241, "TLCT: stock-options cross"},
    {C_(STOCK_TIE) | C_(COMPLEX) | C_(FLOOR), 'p', 242, "TLFT: stock-options floor trade"},
    {C_(STOCK_TIE) | C_(COMPLEX), 'q', 243, "TESL: stock-options auto-electronic trade against single legs"},
    {C_(STOCK_TIE) | C_(COMPLEX) | C_(AUCTION), 'r', 244, "TASL: stock-options auction against single legs"},
    {C_(STOCK_TIE) | C_(COMPLEX) | C_(FLOOR), 's', 245,
     "TFSL: stock-options floor trade against single legs"},
    {C_(COMPLEX) | C_(FLOOR), 't', 246, "CBMO: multi-leg floor trade of proprietary products"},
    {C_(COMPLEX) | C_(CROSS), 'u', 247, "MCTP: multilateral compression trade of proprietary products"},
    {0, 'v', 248, "EXHT: extended hours trade"},
};
#undef C_
#define NROWS (sizeof rows / sizeof rows[0])

static const char *const names[SF_COND_COUNT] = {
#define SF_COND_NAME(name, bit) [bit] = #name,
    SF_CONDITIONS(SF_COND_NAME)
#undef SF_COND_NAME
};

const char *sf_condition_name(uint32_t bit) {
  if (bit == 0 || (bit & (bit - 1)) != 0) return NULL;
  for (int i = 0; i < SF_COND_COUNT; i++)
    if (bit == sf_condition_bit(i)) return names[i];
  return NULL;
}

uint32_t sf_condition_from_name(const char *name, size_t len) {
  if (!name) return 0;
  for (int i = 0; i < SF_COND_COUNT; i++)
    if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0) return sf_condition_bit(i);
  return 0;
}

static const struct cond_row *by_opra(char code) {
  for (size_t i = 0; i < NROWS; i++)
    if (rows[i].opra == code) return &rows[i];
  return NULL;
}

/* Row 0 (the blank regular sale) has no vendor id, so id 0 is never matched. */
static const struct cond_row *by_vendor(int id) {
  for (size_t i = 0; i < NROWS; i++)
    if (rows[i].vendor_id != 0 && rows[i].vendor_id == id) return &rows[i];
  return NULL;
}

uint32_t sf_condition_from_opra_letter(char code, int *known) {
  const struct cond_row *r = by_opra(code);
  if (known) *known = r != NULL;
  return r ? r->bits : 0;
}

uint32_t sf_condition_from_vendor_id(int id, int *known) {
  const struct cond_row *r = by_vendor(id);
  if (known) *known = r != NULL;
  return r ? r->bits : 0;
}

const char *sf_condition_describe_opra_letter(char code) {
  const struct cond_row *r = by_opra(code);
  return r ? r->desc : NULL;
}

const char *sf_condition_describe_vendor_id(int id) {
  const struct cond_row *r = by_vendor(id);
  return r ? r->desc : NULL;
}
