/* Structure detection (PROFILES.md step 3): closed clusters (legs) of one underlying printed
 * within structure_window_ns of each other are tested for multi-leg structures.
 *
 *   2 legs, one expiry, one type, two strikes          vertical
 *   2 legs, one expiry, call + put, one strike         straddle
 *   2 legs, one expiry, call + put, two strikes        strangle (same side) or risk reversal
 *                                                      (one bought, one sold)
 *   2 legs, two expiries, one type                     calendar (one strike) or roll (two)
 *   3 legs, one expiry, one type, equidistant, sizes nearer 1:2:1 than 1:1:1   butterfly;
 *                                                      otherwise ladder
 *   4 legs, one expiry: 4 strikes of one type, or put spread below call spread: condor; put
 *                       spread and call spread sharing the middle strike: (iron) butterfly
 *   anything else with complex-order conditions         complex
 *
 * Complex-order conditions (COMPLEX / SPREAD / STOCK_TIE on a leg) are strong evidence: such
 * legs form their structure whatever the leg signs and sizes. Legs without them must agree on
 * signs (a vertical, risk reversal or roll has one leg bought and one sold; a straddle or
 * strangle both on one side; unsigned legs are not held against) and have a leg size symmetry
 * (min / max of the sizes, the butterfly's body counted at half) of at least symmetry_min. */
#include <stdlib.h>
#include <string.h>

#define SF_STRUCT_PARTNERS 5 /* partners tried per anchor (earliest start first) */
_Static_assert(SF_STRUCT_PARTNERS <= 5, "subset masks are counted with a 32-entry table");

#include "engine/internal.h"

static const char *const struct_names[SF_STRUCT__COUNT] = {
    "",          "vertical", "straddle", "strangle", "calendar", "roll", "risk_reversal",
    "butterfly", "condor",   "ladder",   "complex"};

const char *sf_structure_name(int s) { return (s > 0 && s < SF_STRUCT__COUNT) ? struct_names[s] : NULL; }

static int leg_cmp(const void *pa, const void *pb) {
  const struct sf_leg *a = pa, *b = pb;
  if (a->expiry_ns != b->expiry_ns) return a->expiry_ns < b->expiry_ns ? -1 : 1;
  if (a->is_call != b->is_call) return a->is_call ? 1 : -1; /* puts first */
  if (a->strike_milli != b->strike_milli) return a->strike_milli < b->strike_milli ? -1 : 1;
  return a->cluster < b->cluster ? -1 : a->cluster > b->cluster;
}

static bool opposite(int a, int b) { return a == 0 || b == 0 || a == -b; }
static bool same(int a, int b) { return a == 0 || b == 0 || a == b; }

static double sym_of(const double *s, size_t n) {
  double lo = s[0], hi = s[0];
  for (size_t i = 1; i < n; i++) {
    if (s[i] < lo) lo = s[i];
    if (s[i] > hi) hi = s[i];
  }
  return hi > 0 ? lo / hi : 0;
}

static int classify(const struct sf_leg *const *in, size_t n, double symmetry_min, double *symmetry) {
  *symmetry = SF_NULL;
  if (n < 2 || n > 4) return SF_STRUCT_NONE;
  /* Order-independent rejections first (most candidate sets fail here, before any sorting):
   * a contract twice; without complex-order conditions, a leg size symmetry under the minimum
   * (for 2 and 4 legs the symmetry tested is the plain one), or 3 legs that cannot be a
   * butterfly or ladder (one expiry, one type, three strikes). */
  bool cx = false;
  double sz[4];
  for (size_t i = 0; i < n; i++) {
    cx = cx || in[i]->complex;
    sz[i] = (double)in[i]->size;
    for (size_t j = 0; j < i; j++)
      if (in[j]->contract == in[i]->contract) return SF_STRUCT_NONE;
  }
  if (!cx) {
    if (n != 3 && sym_of(sz, n) < symmetry_min) return SF_STRUCT_NONE;
    if (n == 3 && (in[0]->expiry_ns != in[1]->expiry_ns || in[1]->expiry_ns != in[2]->expiry_ns ||
                   in[0]->is_call != in[1]->is_call || in[1]->is_call != in[2]->is_call ||
                   in[0]->strike_milli == in[1]->strike_milli || in[1]->strike_milli == in[2]->strike_milli ||
                   in[0]->strike_milli == in[2]->strike_milli))
      return SF_STRUCT_NONE;
  }
  const struct sf_leg *l[4];
  for (size_t i = 0; i < n; i++) { /* insertion sort: n <= 4 */
    size_t j = i;
    while (j > 0 && leg_cmp(l[j - 1], in[i]) > 0) {
      l[j] = l[j - 1];
      j--;
    }
    l[j] = in[i];
  }
  bool one_expiry = true;
  for (size_t i = 0; i < n; i++) {
    sz[i] = (double)l[i]->size;
    if (l[i]->expiry_ns != l[0]->expiry_ns) one_expiry = false;
  }
  int st = SF_STRUCT_NONE;
  double sym = sym_of(sz, n);
  if (n == 2) {
    const struct sf_leg *a = l[0], *b = l[1];
    if (one_expiry && a->is_call == b->is_call) {
      if (cx || opposite(a->sign, b->sign)) st = SF_STRUCT_VERTICAL;
    } else if (one_expiry) { /* a put then a call */
      if (a->strike_milli == b->strike_milli) {
        if (cx || same(a->sign, b->sign)) st = SF_STRUCT_STRADDLE;
      } else if (a->sign != 0 && b->sign != 0 && a->sign == -b->sign) {
        st = SF_STRUCT_RISK_REVERSAL;
      } else {
        st = SF_STRUCT_STRANGLE;
      }
    } else if (a->is_call == b->is_call) {
      if (cx || opposite(a->sign, b->sign))
        st = a->strike_milli == b->strike_milli ? SF_STRUCT_CALENDAR : SF_STRUCT_ROLL;
    }
  } else if (n == 3 && one_expiry && l[0]->is_call == l[1]->is_call && l[1]->is_call == l[2]->is_call &&
             l[0]->strike_milli < l[1]->strike_milli && l[1]->strike_milli < l[2]->strike_milli) {
    double bf[3] = {sz[0], sz[1] / 2, sz[2]};
    bool equidistant = l[1]->strike_milli - l[0]->strike_milli == l[2]->strike_milli - l[1]->strike_milli;
    if (equidistant && sym_of(bf, 3) > sym &&
        (cx || (sym_of(bf, 3) >= symmetry_min && same(l[0]->sign, l[2]->sign) &&
                opposite(l[0]->sign, l[1]->sign)))) {
      st = SF_STRUCT_BUTTERFLY;
      sym = sym_of(bf, 3);
    } else {
      st = SF_STRUCT_LADDER;
    }
  } else if (n == 4 && one_expiry) {
    int calls = 0;
    for (size_t i = 0; i < 4; i++) calls += l[i]->is_call;
    bool distinct = l[0]->strike_milli < l[1]->strike_milli && l[2]->strike_milli < l[3]->strike_milli;
    if ((calls == 0 || calls == 4) && distinct && l[1]->strike_milli < l[2]->strike_milli) {
      st = SF_STRUCT_CONDOR;
    } else if (calls == 2 && distinct) { /* puts l0 < l1, calls l2 < l3 */
      if (l[1]->strike_milli == l[2]->strike_milli)
        st = SF_STRUCT_BUTTERFLY;
      else if (l[1]->strike_milli < l[2]->strike_milli)
        st = SF_STRUCT_CONDOR;
    }
  }
  if (st == SF_STRUCT_NONE && cx) {
    bool all_cx = true;
    for (size_t i = 0; i < n; i++) all_cx = all_cx && l[i]->complex;
    if (all_cx) st = SF_STRUCT_COMPLEX;
  }
  if (st == SF_STRUCT_NONE) return st;
  if (!cx && sym < symmetry_min) return SF_STRUCT_NONE;
  *symmetry = sym;
  return st;
}

int sf_structure_classify(const struct sf_leg *legs, size_t n, double symmetry_min, double *symmetry) {
  const struct sf_leg *p[4];
  if (n < 2 || n > 4) {
    *symmetry = SF_NULL;
    return SF_STRUCT_NONE;
  }
  for (size_t i = 0; i < n; i++) p[i] = &legs[i];
  return classify(p, n, symmetry_min, symmetry);
}

int sf_structure_match(const struct sf_leg *legs, size_t n, double symmetry_min, bool *in_struct,
                       double *symmetry) {
  for (size_t i = 0; i < n; i++) in_struct[i] = false;
  *symmetry = SF_NULL;
  if (n < 2) return SF_STRUCT_NONE;
  /* A complex-flagged anchor only pairs with complex-flagged legs and a plain one with plain
   * ones: two orders printed at the same moment are not one spread because of it. */
  const struct sf_leg *part[SF_GROUP_MAX];
  size_t map[SF_GROUP_MAX], np = 0;
  for (size_t i = 1; i < n && np < SF_STRUCT_PARTNERS; i++)
    if (legs[i].complex == legs[0].complex && legs[i].contract != legs[0].contract) {
      map[np] = i;
      part[np++] = &legs[i];
    }
  /* Without complex-order conditions (then no leg has them), classify rejects a subset that
   * misses a condition each leg must meet with the anchor: 2 legs need their size symmetry;
   * 3 legs one expiry and one type; 4 legs one expiry and a symmetry over all four, which is
   * at most each partner's symmetry with the anchor. Masks of the partners that meet each
   * condition skip those subsets before any work (the outcome is unchanged). */
  uint32_t ok_sym = (1u << np) - 1, ok_exp = ok_sym, ok_type = ok_sym;
  if (!legs[0].complex) {
    ok_sym = ok_exp = ok_type = 0;
    for (size_t i = 0; i < np; i++) {
      double sz[2] = {(double)legs[0].size, (double)part[i]->size};
      if (!(sym_of(sz, 2) < symmetry_min)) ok_sym |= 1u << i;
      if (part[i]->expiry_ns == legs[0].expiry_ns) ok_exp |= 1u << i;
      if (part[i]->is_call == legs[0].is_call) ok_type |= 1u << i;
    }
  }
  const uint32_t need[4] = {0, ok_sym, ok_exp & ok_type, ok_exp & ok_sym};
  /* Subsets of partners as bit masks, largest first (3 partners, then 2, then 1), each size in
   * increasing mask order. */
  static const uint8_t bits[32] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                   1, 2, 2, 3, 2, 3, 3, 4, 2, 3, 3, 4, 3, 4, 4, 5};
  for (int want = 3; want >= 1; want--) {
    /* The subsets of need[want] in increasing order (m = ((m | ~need) + 1) & need steps to the
     * next one), those of want partners kept: the same masks in the same order as counting
     * every mask below 1 << np, without visiting the ones a condition rules out. */
    const uint32_t nw = need[want];
    if ((uint32_t)bits[nw] < (uint32_t)want) continue;
    for (uint32_t mask = nw & (0u - nw); mask; mask = ((mask | ~nw) + 1u) & nw) {
      if (bits[mask] != want) continue;
      const struct sf_leg *sel[4];
      size_t k = 0;
      sel[k++] = &legs[0];
      for (size_t i = 0; i < np; i++)
        if (mask & (1u << i)) sel[k++] = part[i];
      double sym;
      int st = classify(sel, k, symmetry_min, &sym);
      if (st == SF_STRUCT_NONE) continue;
      in_struct[0] = true;
      for (size_t i = 0; i < np; i++)
        if (mask & (1u << i)) in_struct[map[i]] = true;
      *symmetry = sym;
      return st;
    }
  }
  return SF_STRUCT_NONE;
}
