/* The contract table (contract.h): dense keys for contract ids, interned once. Spellings (as
 * given, canonical or OSI) map to keys in one string table (strtab.h, the map the engine's book
 * uses too); a spelling not seen before is parsed and its canonical form looked up, so both
 * forms of one contract share a key. Keys index the array of canonical ids (key - 1), kept as
 * offsets into the table's arena. */
#include <stdlib.h>
#include <string.h>

#include "smartflow/contract.h"
#include "smartflow/err.h"
#include "smartflow/strtab.h"

struct sf_contract_table {
  struct sf_strtab tab; /* spelling -> key - 1 */
  uint32_t *canon;      /* key - 1 -> arena offset of the canonical id */
  uint32_t n_keys, cap_keys;
};

int sf_contract_table_new(struct sf_contract_table **out) {
  *out = calloc(1, sizeof **out);
  return *out ? 0 : SF_ENOMEM;
}

void sf_contract_table_free(struct sf_contract_table *t) {
  if (!t) return;
  sf_strtab_fini(&t->tab);
  free(t->canon);
  free(t);
}

int sf_contract_table_intern(struct sf_contract_table *t, const char *id, size_t len, uint32_t *key,
                             const char **why) {
  uint64_t h = sf_strtab_hash(id, len);
  uint32_t k, off;
  if (sf_strtab_find(&t->tab, id, len, h, &k)) {
    *key = k + 1;
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
  uint64_t ch = sf_strtab_hash(canon, (size_t)clen);
  if (sf_strtab_find(&t->tab, canon, (size_t)clen, ch, &k)) {
    k++;
  } else {
    if (t->n_keys == t->cap_keys) {
      uint32_t ncap = t->cap_keys ? t->cap_keys * 2 : 256;
      uint32_t *nc = realloc(t->canon, ncap * sizeof *nc);
      if (!nc) return SF_ENOMEM;
      t->canon = nc;
      t->cap_keys = ncap;
    }
    k = t->n_keys + 1;
    if (sf_strtab_put(&t->tab, canon, (size_t)clen, ch, k - 1, &off)) return SF_ENOMEM;
    t->canon[t->n_keys++] = off;
  }
  if ((size_t)clen != len || memcmp(canon, id, len) != 0) {
    if (sf_strtab_put(&t->tab, id, len, h, k - 1, NULL)) return SF_ENOMEM;
  }
  *key = k;
  return 0;
}

const char *sf_contract_table_id(const struct sf_contract_table *t, uint32_t key) {
  if (key == 0 || key > t->n_keys) return NULL;
  return t->tab.arena + t->canon[key - 1];
}

uint32_t sf_contract_table_count(const struct sf_contract_table *t) { return t->n_keys; }
