/* Fuzz target for the options flat-file CSV decoder: decodes the input whole and one byte at a
 * time and aborts if the row counts or error counts differ. Bad lines are consumed and
 * counted, as the file wrapper does. */
#include <stdint.h>
#include <stdlib.h>

#include "smartflow/csv_flat.h"
#include "smartflow/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const char *p, size_t size, size_t step, size_t *rows, size_t *errors) {
  struct sf_csv_decoder d;
  sf_csv_decoder_init(&d);
  *rows = *errors = 0;
  for (size_t pos = 0; pos < size; pos += step) {
    size_t chunk = pos + step > size ? size - pos : step, off = 0;
    for (;;) {
      struct sf_csv_row r;
      size_t used = 0;
      int rc = sf_csv_decode(&d, p + pos + off, chunk - off, &used, &r);
      if (used > chunk - off) abort();
      off += used;
      if (rc == SF_EAGAIN) break;
      if (rc == SF_CSV_ROW) {
        if (r.kind != SF_CSV_KIND_TRADES && r.kind != SF_CSV_KIND_QUOTES) abort();
        (*rows)++;
      } else if (rc < 0) {
        (*errors)++;
      }
    }
  }
  struct sf_csv_row r;
  int rc = sf_csv_decoder_finish(&d, &r);
  if (rc == SF_CSV_ROW) (*rows)++;
  if (rc < 0) (*errors)++;
  sf_csv_decoder_fini(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t r1, e1, r2, e2;
  run((const char *)data, size, size ? size : 1, &r1, &e1);
  run((const char *)data, size, 1, &r2, &e2);
  if (r1 != r2 || e1 != e2) abort();
  return 0;
}
