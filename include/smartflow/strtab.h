/* String -> index map: open addressing with linear probing, power-of-two capacity, load <= 1/2,
 * the keys copied into an arena. Used where names are interned once and looked up per record
 * (the engine's book of contracts and underlyings, the contract table of contract.h).
 *
 * The hash (sf_strtab_hash) reads 8-byte words folded by multiply-xorshift, seeded with the
 * length: a key of 8 bytes or more ends with the 8 bytes before its end (overlapping the
 * previous word, so no byte-wise tail); a shorter one is read byte-wise. Slots keep the key
 * length, so a probe compares bytes only on a full hash match. The hash is internal (never in
 * any output). Lookups are inline: the book calls them on the per-record path. */
#ifndef SMARTFLOW_STRTAB_H
#define SMARTFLOW_STRTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct sf_strtab_slot {
  uint64_t hash;
  uint32_t idx;     /* value + 1; 0 = empty */
  uint32_t key_off; /* offset of the key in the table's arena */
  uint32_t key_len; /* its length (without the NUL) */
};

struct sf_strtab {
  struct sf_strtab_slot *slots;
  size_t cap, n;
  char *arena; /* NUL-terminated keys */
  size_t arena_len, arena_cap;
};

static inline uint64_t sf_strtab_load64(const char *p) {
  uint64_t w;
  memcpy(&w, p, 8);
  return w;
}

static inline uint64_t sf_strtab_hash(const char *s, size_t len) {
  uint64_t h = (uint64_t)len * UINT64_C(0x9E3779B97F4A7C15);
  if (len >= 8) {
    for (size_t i = 0; i + 8 < len; i += 8) {
      h = (h ^ sf_strtab_load64(s + i)) * UINT64_C(0xbf58476d1ce4e5b9);
      h ^= h >> 31;
    }
    h = (h ^ sf_strtab_load64(s + len - 8)) * UINT64_C(0xbf58476d1ce4e5b9);
  } else {
    uint64_t w = 0;
    for (size_t i = 0; i < len; i++) w |= (uint64_t)(unsigned char)s[i] << (8 * i);
    h = (h ^ w) * UINT64_C(0xbf58476d1ce4e5b9);
  }
  h ^= h >> 29;
  h *= UINT64_C(0x94d049bb133111eb);
  return h ^ (h >> 32);
}

/* a[0, len) == b[0, len), by words as sf_strtab_hash reads them. */
static inline bool sf_strtab_key_eq(const char *a, const char *b, size_t len) {
  if (len < 8) return memcmp(a, b, len) == 0;
  for (size_t i = 0; i + 8 < len; i += 8)
    if (sf_strtab_load64(a + i) != sf_strtab_load64(b + i)) return false;
  return sf_strtab_load64(a + len - 8) == sf_strtab_load64(b + len - 8);
}

/* The slot of key (hash h = sf_strtab_hash(key, len)) in t, or NULL. */
static inline const struct sf_strtab_slot *sf_strtab_slot(const struct sf_strtab *t, const char *key,
                                                          size_t len, uint64_t h) {
  if (!t->cap) return NULL;
  size_t j = h & (t->cap - 1);
  while (t->slots[j].idx) {
    const struct sf_strtab_slot *s = &t->slots[j];
    if (s->hash == h && s->key_len == len && sf_strtab_key_eq(t->arena + s->key_off, key, len)) return s;
    j = (j + 1) & (t->cap - 1);
  }
  return NULL;
}

/* 1 and *idx when key is in t, else 0. */
static inline int sf_strtab_find(const struct sf_strtab *t, const char *key, size_t len, uint64_t h,
                                 uint32_t *idx) {
  const struct sf_strtab_slot *s = sf_strtab_slot(t, key, len, h);
  if (s) *idx = s->idx - 1;
  return s != NULL;
}

/* Adds key (hash h, not in t) with value idx (< UINT32_MAX); *off (may be NULL) receives the
 * offset of its copy in t->arena. 0 or SF_ENOMEM. */
int sf_strtab_put(struct sf_strtab *t, const char *key, size_t len, uint64_t h, uint32_t idx, uint32_t *off);
void sf_strtab_fini(struct sf_strtab *t);

#endif
