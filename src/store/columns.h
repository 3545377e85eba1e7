/* The store's column layout (CONTRACTS.md "Tables", schema v2 of both backends): for each record
 * type, the ordered list of its table's columns and how each maps to a record field, shared by
 * the SQLite and ClickHouse backends so that both store the same columns and rebuild the same
 * record from them.
 *
 * Columns mirror the record fields one for one; nested parts that are not plain string arrays
 * are JSON text columns (features_json, profile_scores_json, join_quality_json, hits_json).
 * Plain string arrays (packet_ids, conditions, ...) are a JSON array of strings in SQLite and
 * Array(String) in ClickHouse. A few columns are derived from other fields and only written, for
 * filters and indexes: the market-data ordering `ts` (ms of ts_ns), and a smart-money event's
 * total_premium, total_notional, band and primary_probability.
 *
 * Values cross between a record and a backend as cells (struct sf_cell): a backend turns a cell
 * into a bound parameter or an encoded field on writes, and its own column value into a cell on
 * reads. Null is a NULL cell on both sides (NaN, SF_TS_NULL, "", a *_NULL enum, tri-state -1).
 * Reading a cell into a record checks the type, the string length and UTF-8, enum names and the
 * nested JSON (decoded with the record JSON decoders, so a nested part is checked exactly as on
 * the wire); scalar values are not range-checked (they were written from records). One value does
 * not survive SQLite: a REAL column keeps integral values as integers, so -0.0 reads back as 0.0
 * (ClickHouse keeps it). */
#ifndef SMARTFLOW_STORE_COLUMNS_H
#define SMARTFLOW_STORE_COLUMNS_H

#include <stddef.h>
#include <stdint.h>

#include "smartflow/jsonw.h"
#include "smartflow/record.h"

enum sf_col_kind {
  SF_COL_I64,      /* int64_t, never null */
  SF_COL_TS,       /* int64_t, SF_TS_NULL is null */
  SF_COL_TS_MS,    /* derived: the ms (floor) of the int64_t ns at offset; write only, never null */
  SF_COL_NUM,      /* double, NaN is null */
  SF_COL_STR,      /* char[size], "" is null */
  SF_COL_ENUM8,    /* uint8_t written by name, null when the name is NULL */
  SF_COL_ENUMI,    /* int written by name, -1 is null */
  SF_COL_TRIBOOL,  /* int8_t -1 null, 0, 1 */
  SF_COL_I8,       /* int8_t, never null */
  SF_COL_BOOL,     /* bool, never null */
  SF_COL_STRVEC,   /* struct sf_strvec: a string array */
  SF_COL_COND,     /* uint32_t condition bits: a string array of names in table order */
  SF_COL_FEATURES, /* struct sf_features: JSON object of the non-null features */
  SF_COL_SCORES6,  /* struct sf_profile_score[6]: JSON array, wire shape */
  SF_COL_JSONOBJ,  /* json_t * object: JSON text */
  SF_COL_HITS,     /* an alert's hits (struct sf_alert): JSON array of classifier-hit payloads */
  SF_COL_PSCORES,  /* an alert's profile scores (struct sf_alert): JSON array, null when absent */
  SF_COL_PRIMARY   /* derived from a smart-money event (struct sf_smart_money_event); write only:
                      `what` 0 band name, 1 primary probability */
};

/* Column flags. */
#define SF_COL_KEY 1u      /* part of the sorting key: never null in any row (ClickHouse: not Nullable) */
#define SF_COL_ENRICHED 2u /* option-print enrichment: written NULL when the print is not enriched */

struct sf_col {
  const char *name;
  uint8_t kind;                    /* enum sf_col_kind */
  uint8_t flags;                   /* SF_COL_* */
  uint8_t what;                    /* SF_COL_PRIMARY: which value */
  uint16_t size;                   /* SF_COL_STR: buffer size */
  size_t offset;                   /* of the field in struct sf_record */
  const char *(*name_of)(int);     /* enums */
  int (*from_name)(const char *s); /* enums: value or -1 */
};

/* The columns of a record type's table, in table order; *n receives their count. */
const struct sf_col *sf_cols_of(enum sf_record_type t, size_t *n);
/* 1 when a column is read back into the record (0 for derived, write-only columns). */
int sf_col_readable(const struct sf_col *c);
/* 1 when a column is a string array (SF_COL_STRVEC, SF_COL_COND). */
int sf_col_is_array(const struct sf_col *c);

enum sf_cell_type {
  SF_CELL_NULL = 0,
  SF_CELL_INT,  /* i */
  SF_CELL_REAL, /* d */
  SF_CELL_TEXT, /* s, n bytes (not necessarily NUL-terminated) */
  SF_CELL_ARRAY /* a string array: strvec (values of SF_COL_STRVEC) or bits (SF_COL_COND) */
};
struct sf_cell {
  uint8_t t; /* enum sf_cell_type */
  int64_t i;
  double d;
  const char *s;
  size_t n;
  const struct sf_strvec *strvec; /* SF_CELL_ARRAY from a record: the array, or NULL with bits */
  uint32_t bits;
};

/* A row's scratch space: the text of its JSON columns lives here until the next row. */
#define SF_COLS_MAX 64
struct sf_cols_scratch {
  struct sf_jw jw[SF_COLS_MAX];
};
void sf_cols_scratch_init(struct sf_cols_scratch *x);
void sf_cols_scratch_fini(struct sf_cols_scratch *x);

/* The cell of column c (index ci in its table) for record r. JSON columns are encoded into x
 * (the cell's text points there). Returns 0, SF_EINVAL (a string that is not valid UTF-8) or
 * SF_ENOMEM. */
int sf_col_get(const struct sf_record *r, const struct sf_col *c, size_t ci, struct sf_cols_scratch *x,
               struct sf_cell *out);

/* Checks that every text of r that sf_col_get would encode is valid UTF-8, the one way a record
 * that passed sf_store_record_check can fail to encode: 0, or SF_EFIELD with *col naming the
 * column. For backends that start sending a request before the last row is encoded. */
int sf_cols_check(const struct sf_record *r, const char **col);

/* An array cell's length and item i (a NUL-terminated string). */
size_t sf_cell_array_len(const struct sf_cell *cell);
const char *sf_cell_array_at(const struct sf_cell *cell, size_t i);
/* Appends an array cell as a JSON array of strings to w. */
void sf_cell_array_json(const struct sf_cell *cell, struct sf_jw *w);

/* Sets column c of r (initialised for its type) from a cell. An array column takes a JSON
 * array of strings as SF_CELL_TEXT, or items from sf_col_set_array. Returns 0, SF_EFIELD with
 * why naming the column and the problem, or SF_ENOMEM. Derived columns are ignored. */
int sf_col_set(struct sf_record *r, const struct sf_col *c, const struct sf_cell *cell, char *why,
               size_t cap);
/* Sets an array column from items pushed one by one: the column's strvec (or condition bits),
 * cleared first by sf_col_array_begin. */
void sf_col_array_begin(struct sf_record *r, const struct sf_col *c);
int sf_col_array_push(struct sf_record *r, const struct sf_col *c, const char *s, size_t n, char *why,
                      size_t cap);

#endif
