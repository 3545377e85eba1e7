/* Fuzz target for the DBN decoder: decodes the input whole and again in chunks whose sizes come
 * from the input's own bytes, and aborts if the two runs disagree on the record count or on the
 * final status (the decoder must be chunking-invariant), or if a decoded record breaks an
 * invariant (its length, its offset inside the input). Memory errors are the sanitizers' part. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smartflow/dbn.h"
#include "smartflow/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct outcome {
  size_t records;
  int rc;
  uint64_t err_offset;
};

static void run(const uint8_t *data, size_t size, size_t stride_seed, struct outcome *o) {
  struct sf_dbn_decoder d;
  sf_dbn_decoder_init(&d);
  memset(o, 0, sizeof *o);
  size_t pos = 0, k = 0;
  int rc = SF_EAGAIN;
  while (pos < size) {
    size_t chunk = size - pos;
    if (stride_seed) {
      chunk = (size_t)data[(k++ * 7 + stride_seed) % size] % 97 + 1;
      if (chunk > size - pos) chunk = size - pos;
    }
    size_t off = 0;
    for (;;) {
      struct sf_dbn_record r;
      size_t used = 0;
      rc = sf_dbn_decode(&d, data + pos + off, chunk - off, &used, &r);
      if (used > chunk - off) abort();
      off += used;
      if (rc == SF_DBN_RECORD) {
        if (r.length_bytes < 16 || r.offset + r.length_bytes > size) abort();
        o->records++;
        continue;
      }
      if (rc == SF_DBN_METADATA) {
        if (!sf_dbn_decoder_metadata(&d)) abort();
        continue;
      }
      break;
    }
    if (rc != SF_EAGAIN) break;
    pos += chunk;
  }
  if (rc == SF_EAGAIN) rc = sf_dbn_decoder_finish(&d);
  o->rc = rc;
  o->err_offset = d.err_offset;
  if (rc < 0 && d.err_offset > size) abort();
  sf_dbn_decoder_fini(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct outcome whole, chunked;
  run(data, size, 0, &whole);
  if (size == 0) return 0;
  run(data, size, 1 + size % 13, &chunked);
  if (whole.records != chunked.records || whole.rc != chunked.rc || whole.err_offset != chunked.err_offset)
    abort();
  return 0;
}
