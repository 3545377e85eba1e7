/* The bounded set of recent print trace ids behind SF_EDUP. Two generations of open-addressing
 * sets of 64-bit id hashes (capacity 2 x SF_DEDUP_GEN each, so load stays <= 1/2): ids go into
 * the current set; when it holds SF_DEDUP_GEN ids the older set is dropped and the current one
 * becomes the older. An id is remembered for at least SF_DEDUP_GEN further ids, and memory is
 * fixed. A hash is never 0 (0 marks an empty slot).
 *
 * Layout: the two sets are interleaved, slot j of both in one 16-byte pair, so the first probe
 * of both (every new id probes both) costs one cache line; the sets are larger than the caches
 * and this is the miss a print pays. Which half of a pair is the current set flips at each
 * generation (the new current half is cleared then).
 *
 * The id hash reads the id 8 bytes at a time (ids are a fixed array of SF_ID_MAX bytes, so
 * whole words stay inside it), masks off the bytes from the NUL on, and folds the words
 * by multiply-xorshift: a few instructions per word where a byte-wise hash takes a few per
 * byte. */
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"
#include "smartflow/err.h"
#include "smartflow/hash.h"

#define CAP SF_DEDUP_CAP

uint64_t sf_dedup_hash(const char *id) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
  uint64_t h = UINT64_C(0x9E3779B97F4A7C15), w, z;
  size_t i = 0;
  /* Whole words before the one holding the NUL (none for ids up to 7 bytes), then that word
   * masked; an id filling the array without a NUL ends with its last whole word. The lowest
   * flagged byte of z is the first NUL (a borrow can flag only bytes above a zero). */
  memcpy(&w, id, sizeof w);
  while (!(z = (w - ones) & ~w & highs)) {
    h = (h ^ w) * UINT64_C(0xbf58476d1ce4e5b9);
    h ^= h >> 31;
    if ((i += 8) == SF_ID_MAX) break;
    memcpy(&w, id + i, sizeof w);
  }
  if (z) {
    w &= ((z & (0 - z)) >> 7) - 1; /* the bytes before the NUL */
    h = (h ^ w) * UINT64_C(0xbf58476d1ce4e5b9);
    h ^= h >> 31;
  }
  h ^= h >> 29; /* the words' high bits into the low ones, which index the sets */
  h *= UINT64_C(0x94d049bb133111eb);
  return (h ^ (h >> 32)) | 1; /* never 0 */
#else
  /* Word loads would find the NUL at the wrong end: hash bytes. */
  size_t len = 0;
  while (len < SF_ID_MAX && id[len]) len++;
  return sf_hash64(id, len) | 1; /* never 0 */
#endif
}

int sf_dedup_init(struct sf_dedup *d) {
  d->slot = aligned_alloc(64, CAP * sizeof *d->slot);
  d->n_cur = 0;
  d->cur = 0;
  if (!d->slot) return SF_ENOMEM;
  memset(d->slot, 0, CAP * sizeof *d->slot);
  return 0;
}

void sf_dedup_fini(struct sf_dedup *d) {
  free(d->slot);
  d->slot = NULL;
}

void sf_dedup_prefetch(const struct sf_dedup *d, uint64_t h) { __builtin_prefetch(&d->slot[h & (CAP - 1)]); }

void sf_dedup_rotate(struct sf_dedup *d) {
  unsigned cur = d->cur ^ 1u;
  d->cur = cur;
  for (size_t j = 0; j < CAP; j += 4) { /* a strided clear: unrolled by hand */
    d->slot[j].h[cur] = 0;
    d->slot[j + 1].h[cur] = 0;
    d->slot[j + 2].h[cur] = 0;
    d->slot[j + 3].h[cur] = 0;
  }
  d->n_cur = 0;
}
