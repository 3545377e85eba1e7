/* Option contract ids. The canonical form is ROOT-YYYY-MM-DD-STRIKE-R (SPY-2025-01-17-450-C,
 * BRK-B-2025-03-21-452.5-P); the OCC/OSI form is 21 characters (root padded to 6 with spaces,
 * YYMMDD, C|P, strike x 1000 in 8 digits). Both convert to the other without loss. The strike
 * is kept as an integer number of thousandths, as OSI carries it, so no floating point is
 * involved in a conversion. */
#ifndef SMARTFLOW_CONTRACT_H
#define SMARTFLOW_CONTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SF_ROOT_MAX 6         /* OSI root width */
#define SF_CONTRACT_ID_MAX 40 /* longest canonical id, with NUL, fits */
#define SF_OSI_LEN 21

struct sf_contract {
  char root[SF_ROOT_MAX + 1]; /* 1..6 of A-Z 0-9 . - (no spaces) */
  int year;                   /* 2000..2099 (OSI carries two digits) */
  int month;                  /* 1..12 */
  int day;                    /* valid for the month */
  int64_t strike_milli;       /* strike x 1000, 0..99999999 */
  char right;                 /* 'C' or 'P' */
};

/* Parses either form (canonical, 21-char OSI, or OSI with the root unpadded such as
 * "AAPL250221C00250000"). On error returns SF_EPARSE and, when why is not NULL, a short reason
 * (a static string). */
int sf_contract_parse(const char *s, size_t len, struct sf_contract *out, const char **why);

/* Writes the canonical id into buf. Returns the length, or SF_ERANGE if cap is too small. */
int sf_contract_format(const struct sf_contract *c, char *buf, size_t cap);
/* Writes the 21-character OSI symbol into buf (cap >= 22). Returns 21 or SF_ERANGE. */
int sf_contract_format_osi(const struct sf_contract *c, char *buf, size_t cap);

/* Strike as a double (for pricing only). */
static inline double sf_contract_strike(const struct sf_contract *c) {
  return (double)c->strike_milli / 1000.0;
}

/* Normalizes any accepted form to canonical in place semantics: parse + format. */
int sf_contract_canonicalize(const char *s, char *buf, size_t cap, const char **why);

/* The expiry instant (16:00 New York on the expiry date), UTC ns. */
int64_t sf_contract_expiry_ns(const struct sf_contract *c);

/* Contract keys: a table that interns contract ids once and hands out dense keys 1, 2, ...
 * (0 means "no key"). Every accepted spelling of one contract (canonical or OSI) gets the same
 * key, so a record can carry the key (sf_option_print.contract_key, sf_option_nbbo.contract_key)
 * and the engine indexes arrays by it instead of hashing the id string per record. Ingest
 * paths intern when they create a record; one table per record stream (keys of two tables
 * mean different contracts). Not thread-safe; grows with the contracts seen. */
struct sf_contract_table;

/* Creates an empty table. Returns 0 or SF_ENOMEM. */
int sf_contract_table_new(struct sf_contract_table **out);
void sf_contract_table_free(struct sf_contract_table *t);
/* The key of id (len bytes, either form), interned on first sight. Returns 0 with *key >= 1,
 * SF_EPARSE (not a contract id; *why set when not NULL, a static string) or SF_ENOMEM. */
int sf_contract_table_intern(struct sf_contract_table *t, const char *id, size_t len, uint32_t *key,
                             const char **why);
/* The canonical id of a key; borrowed until the table is freed; NULL for an unknown key. */
const char *sf_contract_table_id(const struct sf_contract_table *t, uint32_t key);
/* Number of contracts interned (the largest key). */
uint32_t sf_contract_table_count(const struct sf_contract_table *t);

#endif
