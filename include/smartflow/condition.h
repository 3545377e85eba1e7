/* Normalized trade conditions (CONTRACTS.md) as bit flags, with one table that maps them to
 * their wire names and to vendor codes (OPRA Pillar letters, numeric vendor ids). A print's
 * conditions are a bit mask; on the wire they are an array of names in table order. */
#ifndef SMARTFLOW_CONDITION_H
#define SMARTFLOW_CONDITION_H

#include <stddef.h>
#include <stdint.h>

#define SF_CONDITIONS(X)  \
  X(ISO, 0)               \
  X(SWEEP, 1)             \
  X(COMPLEX, 2)           \
  X(SPREAD, 3)            \
  X(STOCK_TIE, 4)         \
  X(AUCTION, 5)           \
  X(CROSS, 6)             \
  X(FLOOR, 7)             \
  X(OPENING, 8)           \
  X(CLOSING, 9)           \
  X(LATE, 10)             \
  X(CANCEL, 11)           \
  X(CORRECTION, 12)       \
  X(FILL, 13)

enum sf_condition {
#define SF_COND_ENUM(name, bit) SF_COND_##name = (1u << (bit)),
  SF_CONDITIONS(SF_COND_ENUM)
#undef SF_COND_ENUM
};
#define SF_COND_COUNT 14

/* Conditions that make a print a leg of a multi-leg order. */
#define SF_COND_MASK_COMPLEX (SF_COND_COMPLEX | SF_COND_SPREAD | SF_COND_STOCK_TIE)
/* Conditions that make a print "special": never plain directional flow. */
#define SF_COND_MASK_SPECIAL                                                                      \
  (SF_COND_AUCTION | SF_COND_CROSS | SF_COND_OPENING | SF_COND_CLOSING | SF_COND_STOCK_TIE |       \
   SF_COND_LATE | SF_COND_CANCEL | SF_COND_CORRECTION | SF_COND_COMPLEX | SF_COND_SPREAD | SF_COND_FLOOR)

/* The wire name of a single condition bit ("ISO"), or NULL. */
const char *sf_condition_name(uint32_t bit);
/* The bit of a wire name (exact, upper case), or 0 if unknown. */
uint32_t sf_condition_from_name(const char *name, size_t len);
/* The bit of bit index i (0..SF_COND_COUNT-1). */
static inline uint32_t sf_condition_bit(int i) { return 1u << i; }

/* Vendor code tables. Each returns the normalized bits for a code, 0 for a code that carries
 * no normalized meaning (a plain regular trade maps to FILL), and sets *known to 0 for a code
 * the table does not list. */
uint32_t sf_condition_from_opra_letter(char code, int *known);
uint32_t sf_condition_from_vendor_id(int id, int *known);
/* A short description of a vendor code ("SLAN: single-leg auction, non-ISO"), or NULL for a
 * code the table does not list. Static strings. */
const char *sf_condition_describe_opra_letter(char code);
const char *sf_condition_describe_vendor_id(int id);

#endif
