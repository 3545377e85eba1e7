/* Out-of-line parts of the stable hash (see hash.h). */
#include "smartflow/hash.h"

#include <string.h>

uint64_t sf_hash_str(const char *s) {
  /* sf_hash64(s, strlen(s)) in one pass. */
  uint64_t h = SF_HASH_SEED;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    h ^= *p;
    h *= UINT64_C(0x100000001b3);
  }
  return sf_hash_mix64(h);
}

void sf_hash_hex(uint64_t h, char out[17]) {
  static const char digits[] = "0123456789abcdef";
  for (int i = 15; i >= 0; i--) {
    out[i] = digits[h & 15];
    h >>= 4;
  }
  out[16] = '\0';
}
