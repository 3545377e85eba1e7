/* A growable vector of owned NUL-terminated strings, used for the variable-length id lists of
 * derived records (member print ids, reasons). Zero-initialised storage is an empty vector.
 *
 * Storage: the strings live back to back in one growable block (buf) and v[i] points into it,
 * so a push costs a copy and no allocation once the vector has grown to its working size, and
 * sf_strvec_clear keeps both allocations for reuse. The pointers v[i] stay valid until the next
 * push, copy or fini on the vector (a push that grows the block moves the strings). Reordering
 * v (sf_strvec_sort) is allowed; the strings themselves must not be written through v[i] beyond
 * their length, and v[i] must never be freed or replaced by callers. */
#ifndef SMARTFLOW_STRVEC_H
#define SMARTFLOW_STRVEC_H

#include <stddef.h>
#include <stdint.h>

struct sf_strvec {
  char **v;       /* borrowed views into buf, n of them; the array is owned */
  size_t n;       /* strings in use */
  size_t cap;     /* allocated slots in v */
  char *buf;      /* owned: the strings, each NUL-terminated, back to back */
  size_t len;     /* bytes of buf in use */
  size_t buf_cap; /* bytes allocated for buf */
};

/* Appends a copy of s. Returns 0 or SF_ENOMEM. */
int sf_strvec_push(struct sf_strvec *sv, const char *s);
/* Appends a copy of the first len bytes of s (which may be one of sv's own strings). */
int sf_strvec_pushn(struct sf_strvec *sv, const char *s, size_t len);
/* Appends n strings at once (one reservation): s[i] of length len[i]. The copy moves whole
 * 16-byte blocks, so each s[i] must be readable up to len[i] + 1 rounded up to a multiple of 16
 * bytes: a string held in a fixed slot whose size is a multiple of 16 (a record's
 * char[SF_ID_MAX], a padded table entry), and none may lie in sv's own block. For the
 * engine's per-event id and reason lists. Returns 0 or SF_ENOMEM. */
int sf_strvec_push_slots(struct sf_strvec *sv, const char *const *s, const uint32_t *len, size_t n);
/* The length below which a string fits sf_strvec_push_picks' slot copy. */
#define SF_STRVEC_SHORT 32
/* sf_strvec_push_slots of n short strings picked from a table of padded slots: string i is
 * the slot table + pick[i] x stride, of length len[pick[i]] (each < SF_STRVEC_SHORT, each slot
 * readable for SF_STRVEC_SHORT bytes); the room is reserved for n whole slots, so the lengths
 * need no pass of their own. For the engine's reason codes. Returns 0 or SF_ENOMEM. */
int sf_strvec_push_picks(struct sf_strvec *sv, const char *table, size_t stride, const uint32_t *len,
                         const uint8_t *pick, size_t n);
/* Appends copies of all of src's strings in src's order (src must not be sv). Returns 0 or
 * SF_ENOMEM. */
int sf_strvec_append(struct sf_strvec *sv, const struct sf_strvec *src);
/* Replaces dst's contents with copies of src's (dst's storage is reused). */
int sf_strvec_copy(struct sf_strvec *dst, const struct sf_strvec *src);
/* Sorts the strings bytewise (strcmp order). */
void sf_strvec_sort(struct sf_strvec *sv);
/* 1 if s is one of the strings. */
int sf_strvec_contains(const struct sf_strvec *sv, const char *s);
/* Empties the vector, keeping its storage for reuse. */
void sf_strvec_clear(struct sf_strvec *sv);
/* Frees the storage; leaves an empty vector. */
void sf_strvec_fini(struct sf_strvec *sv);

#endif
