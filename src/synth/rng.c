/* The generator's PRNG: xoshiro256** (Blackman & Vigna, 2018) seeded through splitmix64, with
 * helpers for ranges, weighted choice and normal deviates. Normals are Irwin-Hall (sum of 12
 * uniforms minus 6): plain arithmetic, so the stream is the same on every platform and libm;
 * the tails stop at 6 sigma, which the explicit jump process makes up for. */
#include <math.h>

#include "synth/synth_int.h"

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void syn_rng_seed(struct syn_rng *r, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++) {
    x += UINT64_C(0x9e3779b97f4a7c15);
    uint64_t z = x;
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    r->s[i] = z ^ (z >> 31);
  }
}

uint64_t syn_rng_u64(struct syn_rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double syn_rng_unit(struct syn_rng *r) { return (double)(syn_rng_u64(r) >> 11) * 0x1.0p-53; }

double syn_rng_range(struct syn_rng *r, double lo, double hi) { return lo + (hi - lo) * syn_rng_unit(r); }

int syn_rng_int(struct syn_rng *r, int lo, int hi) {
  if (hi <= lo) return lo;
  uint64_t span = (uint64_t)((int64_t)hi - lo + 1);
  return lo + (int)(syn_rng_u64(r) % span);
}

double syn_rng_normal(struct syn_rng *r) {
  double s = 0;
  for (int i = 0; i < 12; i++) s += syn_rng_unit(r);
  return s - 6.0;
}

bool syn_rng_chance(struct syn_rng *r, double p) { return syn_rng_unit(r) < p; }

double syn_rng_logu(struct syn_rng *r, double lo, double hi) {
  return lo * exp(syn_rng_unit(r) * log(hi / lo));
}

int syn_rng_weighted(struct syn_rng *r, const double *w, int n) {
  double total = 0;
  for (int i = 0; i < n; i++) total += w[i] > 0 ? w[i] : 0;
  if (total <= 0) return -1;
  double x = syn_rng_unit(r) * total;
  int last = -1;
  for (int i = 0; i < n; i++) {
    if (w[i] <= 0) continue;
    last = i;
    if (x < w[i]) return i;
    x -= w[i];
  }
  return last;
}
