/* Stable 64-bit hashing for deterministic ids and hash tables. The result depends only on the
 * input bytes (never on the platform, pointer values or process), so ids computed live and in
 * replay, on any machine, agree. FNV-1a 64 over the bytes, then the splitmix64 finalizer for
 * avalanche. */
#ifndef SMARTFLOW_HASH_H
#define SMARTFLOW_HASH_H

#include <stddef.h>
#include <stdint.h>

#define SF_HASH_SEED UINT64_C(0xcbf29ce484222325)

/* Streams bytes into a running FNV-1a state (start with SF_HASH_SEED). */
static inline uint64_t sf_hash_update(uint64_t h, const void *data, size_t len) {
  const unsigned char *p = (const unsigned char *)data;
  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= UINT64_C(0x100000001b3);
  }
  return h;
}

/* splitmix64 finalizer: a bijective mix with full avalanche. */
static inline uint64_t sf_hash_mix64(uint64_t x) {
  x ^= x >> 30;
  x *= UINT64_C(0xbf58476d1ce4e5b9);
  x ^= x >> 27;
  x *= UINT64_C(0x94d049bb133111eb);
  x ^= x >> 31;
  return x;
}

/* Hash of a byte string. */
static inline uint64_t sf_hash64(const void *data, size_t len) {
  return sf_hash_mix64(sf_hash_update(SF_HASH_SEED, data, len));
}

/* Hash of a NUL-terminated string. */
uint64_t sf_hash_str(const char *s);

/* Writes the 16 lowercase hex digits of h and a NUL into out (17 bytes). */
void sf_hash_hex(uint64_t h, char out[17]);

#endif
