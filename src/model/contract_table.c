/* The contract table (contract.h): dense keys for contract ids, interned once. Spellings (as
 * given, canonical or OSI) map to keys in one open-addressing hash table (linear probing, load
 * <= 1/2, the spelling kept in an arena); a spelling not seen before is parsed and its
 * canonical form looked up, so both forms of one contract share a key. Keys index the array
 * of canonical ids (key - 1). The hash is internal (never in any output). */
#include <stdlib.h>
#include <string.h>

#include "smartflow/contract.h"
#include "smartflow/err.h"
#include "smartflow/hash.h"

struct ct_slot {
  uint64_t hash;
  uint32_t key; /* 0 = empty */
  uint32_t off; /* spelling: offset in the arena */
  uint32_t len; /* and length (without the NUL) */
};

struct sf_contract_table {
  struct ct_slot *slots;
  size_t cap, n;
  char *arena; /* NUL-terminated spellings */
  size_t arena_len, arena_cap;
  uint32_t *canon; /* key - 1 -> arena offset of the canonical id */
  uint32_t n_keys, cap_keys;
};

int sf_contract_table_new(struct sf_contract_table **out) {
  *out = calloc(1, sizeof **out);
  return *out ? 0 : SF_ENOMEM;
}

void sf_contract_table_free(struct sf_contract_table *t) {
  if (!t) return;
  free(t->slots);
  free(t->arena);
  free(t->canon);
  free(t);
}

static const struct ct_slot *find(const struct sf_contract_table *t, const char *s, size_t len, uint64_t h) {
  if (!t->cap) return NULL;
  for (size_t j = h & (t->cap - 1); t->slots[j].key; j = (j + 1) & (t->cap - 1)) {
    const struct ct_slot *x = &t->slots[j];
    if (x->hash == h && x->len == len && memcmp(t->arena + x->off, s, len) == 0) return x;
  }
  return NULL;
}

static int grow(struct sf_contract_table *t) {
  size_t ncap = t->cap ? t->cap * 2 : 1024;
  struct ct_slot *ns = calloc(ncap, sizeof *ns);
  if (!ns) return SF_ENOMEM;
  for (size_t i = 0; i < t->cap; i++) {
    if (!t->slots[i].key) continue;
    size_t j = t->slots[i].hash & (ncap - 1);
    while (ns[j].key) j = (j + 1) & (ncap - 1);
    ns[j] = t->slots[i];
  }
  free(t->slots);
  t->slots = ns;
  t->cap = ncap;
  return 0;
}

/* Adds spelling s (hash h, not in the table) for key; *off receives its arena offset. */
static int put(struct sf_contract_table *t, const char *s, size_t len, uint64_t h, uint32_t key,
               uint32_t *off) {
  if ((t->n + 1) * 2 > t->cap && grow(t)) return SF_ENOMEM;
  if (t->arena_len + len + 1 > t->arena_cap) {
    size_t ncap = t->arena_cap ? t->arena_cap * 2 : 16384;
    while (ncap < t->arena_len + len + 1) ncap *= 2;
    if (ncap > UINT32_MAX) return SF_ENOMEM;
    char *na = realloc(t->arena, ncap);
    if (!na) return SF_ENOMEM;
    t->arena = na;
    t->arena_cap = ncap;
  }
  *off = (uint32_t)t->arena_len;
  memcpy(t->arena + *off, s, len);
  t->arena[*off + len] = '\0';
  t->arena_len += len + 1;
  size_t j = h & (t->cap - 1);
  while (t->slots[j].key) j = (j + 1) & (t->cap - 1);
  t->slots[j] = (struct ct_slot){h, key, *off, (uint32_t)len};
  t->n++;
  return 0;
}

int sf_contract_table_intern(struct sf_contract_table *t, const char *id, size_t len, uint32_t *key,
                             const char **why) {
  uint64_t h = sf_hash64(id, len);
  const struct ct_slot *x = find(t, id, len, h);
  if (x) {
    *key = x->key;
    return 0;
  }
  struct sf_contract c;
  char canon[SF_CONTRACT_ID_MAX];
  int rc = sf_contract_parse(id, len, &c, why);
  if (rc) return rc;
  int clen = sf_contract_format(&c, canon, sizeof canon);
  if (clen < 0) {
    if (why) *why = "contract id too long";
    return SF_EPARSE;
  }
  uint64_t ch = sf_hash64(canon, (size_t)clen);
  const struct ct_slot *cx = find(t, canon, (size_t)clen, ch);
  uint32_t k, off;
  if (cx) {
    k = cx->key;
  } else {
    if (t->n_keys == t->cap_keys) {
      uint32_t ncap = t->cap_keys ? t->cap_keys * 2 : 256;
      uint32_t *nc = realloc(t->canon, ncap * sizeof *nc);
      if (!nc) return SF_ENOMEM;
      t->canon = nc;
      t->cap_keys = ncap;
    }
    k = t->n_keys + 1;
    if (put(t, canon, (size_t)clen, ch, k, &off)) return SF_ENOMEM;
    t->canon[t->n_keys++] = off;
  }
  if ((size_t)clen != len || memcmp(canon, id, len) != 0) {
    if (put(t, id, len, h, k, &off)) return SF_ENOMEM;
  }
  *key = k;
  return 0;
}

const char *sf_contract_table_id(const struct sf_contract_table *t, uint32_t key) {
  if (key == 0 || key > t->n_keys) return NULL;
  return t->arena + t->canon[key - 1];
}

uint32_t sf_contract_table_count(const struct sf_contract_table *t) { return t->n_keys; }
