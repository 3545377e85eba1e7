/* The bounded set of recent print trace ids behind SF_EDUP. Two generations of open-addressing
 * sets of 64-bit id hashes (capacity 2 x SF_DEDUP_GEN each, so load stays <= 1/2): ids go into
 * the current set; when it holds SF_DEDUP_GEN ids the older set is dropped and the current one
 * becomes the older. An id is remembered for at least SF_DEDUP_GEN further ids, and memory is
 * fixed. A hash of 0 is stored as 1 (0 marks an empty slot). */
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"
#include "smartflow/err.h"

#define CAP (2 * SF_DEDUP_GEN)

int sf_dedup_init(struct sf_dedup *d) {
  d->cur = calloc(CAP, sizeof *d->cur);
  d->old = calloc(CAP, sizeof *d->old);
  d->n_cur = 0;
  if (!d->cur || !d->old) {
    sf_dedup_fini(d);
    return SF_ENOMEM;
  }
  return 0;
}

void sf_dedup_fini(struct sf_dedup *d) {
  free(d->cur);
  free(d->old);
  d->cur = d->old = NULL;
}

static int lookup(const uint64_t *set, uint64_t h, size_t *slot) {
  size_t j = h & (CAP - 1);
  while (set[j]) {
    if (set[j] == h) return 1;
    j = (j + 1) & (CAP - 1);
  }
  *slot = j;
  return 0;
}

int sf_dedup_check(struct sf_dedup *d, uint64_t h) {
  if (!h) h = 1;
  size_t slot;
  if (lookup(d->old, h, &slot)) return 1;
  if (lookup(d->cur, h, &slot)) return 1;
  if (d->n_cur == SF_DEDUP_GEN) {
    uint64_t *t = d->old;
    d->old = d->cur;
    d->cur = t;
    memset(d->cur, 0, CAP * sizeof *d->cur);
    d->n_cur = 0;
    lookup(d->cur, h, &slot);
  }
  d->cur[slot] = h;
  d->n_cur++;
  return 0;
}
