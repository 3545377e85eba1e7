/* Owned string vector (see strvec.h). All strings of a vector share one block; growth doubles
 * the slot array and the block (a grown block is a fresh allocation: the views are re-pointed
 * by their offsets into the old one before it is freed). Copies are exact. */
#include "smartflow/strvec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smartflow/err.h"

/* out[i] = the view of in[i] (a view into from) moved to the copy of from at to: one offset
 * added to every view, in a loop of plain integer adds the compiler can run side by side (out
 * and in never overlap: they are two vectors' slot arrays). */
static void repoint(char **restrict out, char *const *restrict in, size_t n, const char *to,
                    const char *from) {
  uintptr_t d = (uintptr_t)to - (uintptr_t)from;
  for (size_t i = 0; i < n; i++) out[i] = (char *)((uintptr_t)in[i] + d);
}

static int reserve_slots(struct sf_strvec *sv, size_t n) {
  if (n <= sv->cap) return 0;
  size_t ncap = sv->cap ? sv->cap * 2 : 4;
  while (ncap < n) ncap *= 2;
  char **nv = realloc(sv->v, ncap * sizeof *nv);
  if (!nv) return SF_ENOMEM;
  sv->v = nv;
  sv->cap = ncap;
  return 0;
}

static int reserve_bytes(struct sf_strvec *sv, size_t bytes) {
  if (bytes <= sv->buf_cap) return 0;
  size_t ncap = sv->buf_cap ? sv->buf_cap * 2 : 64;
  while (ncap < bytes) ncap *= 2;
  char *nb = malloc(ncap);
  if (!nb) return SF_ENOMEM;
  if (sv->len) memcpy(nb, sv->buf, sv->len);
  for (size_t i = 0; i < sv->n; i++) sv->v[i] = nb + (size_t)(sv->v[i] - sv->buf);
  free(sv->buf);
  sv->buf = nb;
  sv->buf_cap = ncap;
  return 0;
}

/* A push that needs room (and may move the block the string itself lives in). */
static int push_grow(struct sf_strvec *sv, const char *s, size_t len) {
  /* A string of the vector itself pushed again: find it again after a growth moved it. */
  size_t self = SIZE_MAX;
  uintptr_t a = (uintptr_t)s, b = (uintptr_t)sv->buf;
  if (sv->buf && a >= b && a < b + sv->len) self = (size_t)(a - b);
  if (reserve_slots(sv, sv->n + 1) || reserve_bytes(sv, sv->len + len + 1)) return SF_ENOMEM;
  if (self != SIZE_MAX) s = sv->buf + self;
  char *c = sv->buf + sv->len;
  memcpy(c, s, len);
  c[len] = '\0';
  sv->len += len + 1;
  sv->v[sv->n++] = c;
  return 0;
}

int sf_strvec_pushn(struct sf_strvec *sv, const char *s, size_t len) {
  if (sv->n >= sv->cap || len + 1 > sv->buf_cap - sv->len) return push_grow(sv, s, len);
  char *c = sv->buf + sv->len; /* room for it: nothing moves */
  memcpy(c, s, len);
  c[len] = '\0';
  sv->len += len + 1;
  sv->v[sv->n++] = c;
  return 0;
}

/* The 16-byte block copies may write up to 15 bytes past the last string's NUL: the block keeps
 * that much spare room (bytes past len are free, the next push overwrites them). */
#define SLOT_BLOCK 16
_Static_assert(SF_STRVEC_SHORT == 2 * SLOT_BLOCK, "a short string is two blocks");

int sf_strvec_push_slots(struct sf_strvec *sv, const char *const *s, const uint32_t *len, size_t n) {
  size_t bytes = n;
  for (size_t i = 0; i < n; i++) bytes += len[i];
  /* Room for the strings and the spare bytes of the last block (none to push: nothing to do). */
  if (sv->n + n > sv->cap || sv->len + bytes + SLOT_BLOCK > sv->buf_cap) {
    if (!n) return 0;
    if (reserve_slots(sv, sv->n + n) || reserve_bytes(sv, sv->len + bytes + SLOT_BLOCK)) return SF_ENOMEM;
  }
  char *c = sv->buf + sv->len;
  char **v = sv->v + sv->n;
  for (size_t i = 0; i < n; i++) {
    size_t l = len[i];
    const char *src = s[i];
    memcpy(c, src, SLOT_BLOCK);
    for (size_t o = SLOT_BLOCK; o <= l; o += SLOT_BLOCK) memcpy(c + o, src + o, SLOT_BLOCK);
    c[l] = '\0';
    v[i] = c;
    c += l + 1;
  }
  sv->n += n;
  sv->len += bytes;
  return 0;
}

/* Room for n more strings of at most SF_STRVEC_SHORT bytes each with its NUL: the two 16-byte
 * blocks copied for the last one end within SF_STRVEC_SHORT bytes of its start. */
static int reserve_short(struct sf_strvec *sv, size_t n) {
  if (sv->n + n <= sv->cap && sv->len + n * SF_STRVEC_SHORT <= sv->buf_cap) return 0;
  if (reserve_slots(sv, sv->n + n) || reserve_bytes(sv, sv->len + n * SF_STRVEC_SHORT)) return SF_ENOMEM;
  return 0;
}

/* Copies a short string of length l (its two blocks, then the NUL) to c; returns past its NUL. */
static inline char *put_short(char *c, const char *src, size_t l) {
  memcpy(c, src, SLOT_BLOCK);
  memcpy(c + SLOT_BLOCK, src + SLOT_BLOCK, SLOT_BLOCK);
  c[l] = '\0';
  return c + l + 1;
}

int sf_strvec_push_picks(struct sf_strvec *sv, const char *table, size_t stride, const uint32_t *len,
                         const uint8_t *pick, size_t n) {
  if (!n) return 0;
  if (reserve_short(sv, n)) return SF_ENOMEM;
  char *c = sv->buf + sv->len, *c0 = c;
  char **v = sv->v + sv->n;
  for (size_t i = 0; i < n; i++) {
    v[i] = c;
    c = put_short(c, table + pick[i] * stride, len[pick[i]]);
  }
  sv->n += n;
  sv->len += (size_t)(c - c0);
  return 0;
}

int sf_strvec_append(struct sf_strvec *sv, const struct sf_strvec *src) {
  if (!src->n) return 0;
  if (reserve_slots(sv, sv->n + src->n) || reserve_bytes(sv, sv->len + src->len)) return SF_ENOMEM;
  char *base = sv->buf + sv->len;
  memcpy(base, src->buf, src->len);
  repoint(sv->v + sv->n, src->v, src->n, base, src->buf);
  sv->n += src->n;
  sv->len += src->len;
  return 0;
}

int sf_strvec_push(struct sf_strvec *sv, const char *s) { return sf_strvec_pushn(sv, s, strlen(s)); }

int sf_strvec_copy(struct sf_strvec *dst, const struct sf_strvec *src) {
  if (dst == src) return 0;
  sf_strvec_clear(dst);
  if (!src->n) return 0;
  if (reserve_slots(dst, src->n) || reserve_bytes(dst, src->len)) return SF_ENOMEM;
  memcpy(dst->buf, src->buf, src->len);
  repoint(dst->v, src->v, src->n, dst->buf, src->buf);
  dst->n = src->n;
  dst->len = src->len;
  return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void sf_strvec_sort(struct sf_strvec *sv) {
  if (sv->n > 1) qsort(sv->v, sv->n, sizeof *sv->v, cmp_str);
}

int sf_strvec_contains(const struct sf_strvec *sv, const char *s) {
  for (size_t i = 0; i < sv->n; i++)
    if (strcmp(sv->v[i], s) == 0) return 1;
  return 0;
}

void sf_strvec_clear(struct sf_strvec *sv) {
  sv->n = 0;
  sv->len = 0;
}

void sf_strvec_fini(struct sf_strvec *sv) {
  free(sv->v);
  free(sv->buf);
  memset(sv, 0, sizeof *sv);
}
