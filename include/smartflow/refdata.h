/* Reference data beside the market data: an open-interest table.
 *
 * Open interest is published once a day for the prior close, so a lookup for a date returns the
 * figure of the most recent date on or before it. The table is keyed by the canonical contract id
 * (either id form is accepted and canonicalised on the way in and on lookup); a lookup does no
 * allocation.
 *
 * Sources: DBN statistics files (stat_type 9, through convert.h's open-interest records; the date
 * is the New York trading date of the statistic) and CSV files with the header line
 * `option_contract_id,date,oi` (columns by name, any order, extra columns ignored; date
 * YYYY-MM-DD; oi a non-negative integer; either contract id form; gzip or plain). A bad CSV line
 * is rejected with its line number and the field at fault, and loading goes on. A contract and
 * date seen twice keeps the value read last (counted as a duplicate). */
#ifndef SMARTFLOW_REFDATA_H
#define SMARTFLOW_REFDATA_H

#include <stddef.h>
#include <stdint.h>

#include "smartflow/convert.h"

struct sf_oi_table;

/* Counters of one load (CSV or DBN) and the first rejected lines. */
#define SF_OI_MAX_MESSAGES 20
struct sf_oi_load_report {
  uint64_t lines;      /* CSV: lines read, header and blank lines included */
  uint64_t rows;       /* rows accepted */
  uint64_t rejected;   /* CSV lines rejected */
  uint64_t duplicates; /* rows that replaced an earlier value of the same contract and date */
  uint64_t skipped;    /* DBN: records that were not open interest */
  size_t message_count;
  char messages[SF_OI_MAX_MESSAGES][160]; /* "line N: field: reason" of the first rejects */
};

int sf_oi_table_new(struct sf_oi_table **out);
void sf_oi_table_free(struct sf_oi_table *t);

/* Adds (or replaces) the open interest of a contract (either form) on a date (YYYYMMDD).
 * Returns 0, 1 when it replaced an earlier value for that date, SF_EPARSE for a bad contract id,
 * SF_EINVAL for an invalid date or a negative oi, SF_ENOMEM. */
int sf_oi_table_add(struct sf_oi_table *t, const char *contract_id, uint32_t yyyymmdd, int64_t oi);
/* Adds a converted DBN open-interest record (same returns). */
int sf_oi_table_add_record(struct sf_oi_table *t, const struct sf_open_interest *r);

/* Loads a CSV file. Returns 0 when the file was read to the end (rejected lines are counted in
 * rep, which may be NULL), or SF_EIO / SF_EPARSE (no or bad header line) / SF_ENOMEM with the
 * reason ("PATH: line N: ...") in errbuf. */
int sf_oi_table_load_csv(struct sf_oi_table *t, const char *path, struct sf_oi_load_report *rep, char *errbuf,
                         size_t errcap);
/* Loads the open-interest statistics of a DBN file (plain or zstd). Returns 0, or the error of
 * the file (reason in errbuf); rows accepted before an error stay in the table. */
int sf_oi_table_load_dbn(struct sf_oi_table *t, const char *path, struct sf_oi_load_report *rep, char *errbuf,
                         size_t errcap);

/* The open interest of a contract (either form) as of y-m-d: the value of the most recent date
 * <= y-m-d. Returns 0 with *oi set, SF_ENOTFOUND when the contract is unknown or has no date on or
 * before that one, SF_EINVAL for an invalid contract id or date. */
int sf_oi_lookup(const struct sf_oi_table *t, const char *contract_id, int y, int m, int d, int64_t *oi);

/* Distinct contracts, (contract, date) rows, and distinct dates in the table. */
size_t sf_oi_table_contracts(const struct sf_oi_table *t);
size_t sf_oi_table_rows(const struct sf_oi_table *t);
size_t sf_oi_table_dates(const struct sf_oi_table *t);
/* Earliest and latest date (YYYYMMDD), 0 when empty. */
void sf_oi_table_date_range(const struct sf_oi_table *t, uint32_t *first, uint32_t *last);

#endif
