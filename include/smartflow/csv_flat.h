/* Options flat files in CSV (the vendor day files of options trades and quotes): a sans-I/O
 * line decoder that detects the file kind from its header line and yields typed rows, plus a
 * file wrapper that reads gzip or plain text through zlib.
 *
 * Trades:  ticker,conditions,correction,exchange,id,participant_timestamp,price,
 *          sequence_number,sip_timestamp,size
 * Quotes:  ticker,ask_exchange,ask_price,ask_size,bid_exchange,bid_price,bid_size,
 *          sequence_number,sip_timestamp
 * Columns are found by name, so their order may differ and extra columns are ignored; a missing
 * required column is an error on the header line. Fields follow RFC 4180 quoting (the
 * conditions list is a quoted comma list of numeric vendor ids, "209,219"). Timestamps are
 * integer ns since the epoch; tickers carry the "O:" prefix and an unpadded OSI symbol
 * (O:AAPL250221C00250000). Errors name the line, the field and the offending text. */
#ifndef SMARTFLOW_CSV_FLAT_H
#define SMARTFLOW_CSV_FLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SF_CSV_TICKER_MAX 48
#define SF_CSV_ID_MAX 48
#define SF_CSV_MAX_CONDITIONS 8

enum sf_csv_kind { SF_CSV_KIND_NONE = 0, SF_CSV_KIND_TRADES, SF_CSV_KIND_QUOTES };

struct sf_csv_trade {
  char ticker[SF_CSV_TICKER_MAX];
  int conditions[SF_CSV_MAX_CONDITIONS]; /* vendor ids as written */
  int condition_count;
  int correction;
  int exchange;
  char id[SF_CSV_ID_MAX];
  int64_t participant_timestamp; /* ns; INT64_MIN when empty */
  double price;
  int64_t sequence_number;
  int64_t sip_timestamp; /* ns */
  int64_t size;
};

struct sf_csv_quote {
  char ticker[SF_CSV_TICKER_MAX];
  int ask_exchange;
  double ask_price;
  int64_t ask_size;
  int bid_exchange;
  double bid_price;
  int64_t bid_size;
  int64_t sequence_number;
  int64_t sip_timestamp; /* ns */
};

struct sf_csv_row {
  enum sf_csv_kind kind;
  uint64_t line; /* 1-based line number */
  union {
    struct sf_csv_trade trade;
    struct sf_csv_quote quote;
  } u;
};

#define SF_CSV_MAX_COLUMNS 32
#define SF_CSV_FIELD_MAX 256 /* bytes of one field, with NUL */

struct sf_csv_decoder {
  enum sf_csv_kind kind;          /* known after the header line */
  int8_t col[SF_CSV_MAX_COLUMNS]; /* field index -> column id, -1 to ignore */
  int ncols;
  uint64_t line;
  uint64_t rows;
  char *buf; /* carry for a line split across calls (owned) */
  size_t buf_len, buf_cap;
  char fields[SF_CSV_MAX_COLUMNS][SF_CSV_FIELD_MAX]; /* scratch for the fields of one line */
  char errmsg[256];
};

/* Return value of sf_csv_decode for a row. */
#define SF_CSV_ROW 1

void sf_csv_decoder_init(struct sf_csv_decoder *d);
void sf_csv_decoder_fini(struct sf_csv_decoder *d);
/* Decodes text from p[0..len): returns SF_CSV_ROW with *out filled, SF_EAGAIN when all of p is
 * used, or SF_EPARSE / SF_EFIELD for a bad line (errmsg "line N: field F: reason"). A bad line is
 * consumed, so the caller may count it and call again to go on with the next line. The header
 * line and blank lines yield nothing. */
int sf_csv_decode(struct sf_csv_decoder *d, const char *p, size_t len, size_t *consumed,
                  struct sf_csv_row *out);
/* At end of input: decodes a last line without a newline. Returns SF_CSV_ROW, 0 when nothing
 * was pending, or an error (also SF_EPARSE if the input had no header line at all). */
int sf_csv_decoder_finish(struct sf_csv_decoder *d, struct sf_csv_row *out);
const char *sf_csv_decoder_errmsg(const struct sf_csv_decoder *d);

/* A flat file, gzip or plain (zlib's gzread reads both). */
struct sf_csv_file;
int sf_csv_file_open(const char *path, struct sf_csv_file **out, char *errbuf, size_t errcap);
/* 1 for a row, 0 at end, or a negative error for a bad line (errmsg says "PATH: line N: ...");
 * the next call continues after the bad line. */
int sf_csv_file_next(struct sf_csv_file *f, struct sf_csv_row *row);
const char *sf_csv_file_errmsg(const struct sf_csv_file *f);
const struct sf_csv_decoder *sf_csv_file_decoder(const struct sf_csv_file *f);
void sf_csv_file_close(struct sf_csv_file *f);

#endif
