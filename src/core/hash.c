/* Out-of-line parts of the stable hash (see hash.h). */
#include "smartflow/hash.h"

#include <string.h>

uint64_t sf_hash_str(const char *s) { return sf_hash64(s, strlen(s)); }

void sf_hash_hex(uint64_t h, char out[17]) {
  static const char digits[] = "0123456789abcdef";
  for (int i = 15; i >= 0; i--) {
    out[i] = digits[h & 15];
    h >>= 4;
  }
  out[16] = '\0';
}
