/* The string -> index map of strtab.h: growth, insertion and release (lookups are inline in
 * the header). */
#include "smartflow/strtab.h"

#include <stdlib.h>

#include "smartflow/err.h"

static int grow(struct sf_strtab *t) {
  size_t ncap = t->cap ? t->cap * 2 : 256;
  struct sf_strtab_slot *ns = calloc(ncap, sizeof *ns);
  if (!ns) return SF_ENOMEM;
  for (size_t i = 0; i < t->cap; i++) {
    if (!t->slots[i].idx) continue;
    size_t j = t->slots[i].hash & (ncap - 1);
    while (ns[j].idx) j = (j + 1) & (ncap - 1);
    ns[j] = t->slots[i];
  }
  free(t->slots);
  t->slots = ns;
  t->cap = ncap;
  return 0;
}

int sf_strtab_put(struct sf_strtab *t, const char *key, size_t len, uint64_t h, uint32_t idx, uint32_t *off) {
  if ((t->n + 1) * 2 > t->cap) {
    int rc = grow(t);
    if (rc) return rc;
  }
  if (t->arena_len + len + 1 > t->arena_cap) {
    size_t ncap = t->arena_cap ? t->arena_cap * 2 : 4096;
    while (ncap < t->arena_len + len + 1) ncap *= 2;
    if (ncap > UINT32_MAX) return SF_ENOMEM; /* offsets are 32-bit */
    char *na = realloc(t->arena, ncap);
    if (!na) return SF_ENOMEM;
    t->arena = na;
    t->arena_cap = ncap;
  }
  uint32_t o = (uint32_t)t->arena_len;
  memcpy(t->arena + o, key, len);
  t->arena[o + len] = '\0';
  t->arena_len += len + 1;
  size_t j = h & (t->cap - 1);
  while (t->slots[j].idx) j = (j + 1) & (t->cap - 1);
  t->slots[j].hash = h;
  t->slots[j].idx = idx + 1;
  t->slots[j].key_off = o;
  t->slots[j].key_len = (uint32_t)len;
  t->n++;
  if (off) *off = o;
  return 0;
}

void sf_strtab_fini(struct sf_strtab *t) {
  free(t->slots);
  free(t->arena);
  memset(t, 0, sizeof *t);
}
