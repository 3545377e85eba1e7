/* JSONL tapes: one envelope {"type":…,"payload":…} per line (CONTRACTS.md "Tape files").
 *
 * The reader streams a file (or stdin for "-"), gzip-compressed or plain, and yields records
 * one at a time with their line numbers. A bad line does not stop the reader: next() returns
 * the error for that line (with the line number and the field in errmsg) and the following
 * call goes on with the next line. Blank lines are skipped. Lines of any length are accepted.
 *
 * The writer appends envelope lines to a FILE (owned or borrowed), buffered. */
#ifndef SMARTFLOW_TAPE_H
#define SMARTFLOW_TAPE_H

#include <stdint.h>
#include <stdio.h>

#include "smartflow/record.h"

struct sf_tape_reader;

/* Opens path ("-" = stdin). Returns 0, SF_EIO (errno kept) or SF_ENOMEM. */
int sf_tape_reader_open(const char *path, struct sf_tape_reader **out);
/* Reads the next record into rec (initialised by the call; sf_record_fini it when done).
 * Returns 1 when a record was read, 0 at end of input, or a negative SF_E* for a bad line
 * (rec then holds nothing to free; sf_tape_reader_errmsg says "line N: type.field: reason"). */
int sf_tape_reader_next(struct sf_tape_reader *r, struct sf_record *rec);
/* The line number of the record (or error) last returned, 1-based. */
uint64_t sf_tape_reader_line(const struct sf_tape_reader *r);
/* The message of the last error; borrowed until the next call. */
const char *sf_tape_reader_errmsg(const struct sf_tape_reader *r);
/* Bytes consumed so far (of the uncompressed stream). */
uint64_t sf_tape_reader_bytes(const struct sf_tape_reader *r);
void sf_tape_reader_close(struct sf_tape_reader *r);

struct sf_tape_writer;
/* Opens path for writing ("-" = stdout); a path ending in ".gz" is written gzip-compressed. */
int sf_tape_writer_open(const char *path, struct sf_tape_writer **out);
/* Wraps a borrowed FILE (not closed by close). */
int sf_tape_writer_wrap(FILE *f, struct sf_tape_writer **out);
/* Writes one envelope line. Returns 0, SF_EIO or SF_ENOMEM. */
int sf_tape_writer_write(struct sf_tape_writer *w, const struct sf_record *rec);
/* Flushes buffered lines. */
int sf_tape_writer_flush(struct sf_tape_writer *w);
/* Flushes and closes (the file too when the writer opened it). Returns the first error seen. */
int sf_tape_writer_close(struct sf_tape_writer *w);

#endif
