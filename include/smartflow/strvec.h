/* A growable vector of owned NUL-terminated strings, used for the variable-length id lists of
 * derived records (member print ids, reasons). Zero-initialised storage is an empty vector. */
#ifndef SMARTFLOW_STRVEC_H
#define SMARTFLOW_STRVEC_H

#include <stddef.h>

struct sf_strvec {
  char **v;   /* owned: each string and the array; free with sf_strvec_fini */
  size_t n;   /* strings in use */
  size_t cap; /* allocated slots */
};

/* Appends a copy of s. Returns 0 or SF_ENOMEM. */
int sf_strvec_push(struct sf_strvec *sv, const char *s);
/* Appends a copy of the first len bytes of s. */
int sf_strvec_pushn(struct sf_strvec *sv, const char *s, size_t len);
/* Replaces dst's contents with copies of src's. */
int sf_strvec_copy(struct sf_strvec *dst, const struct sf_strvec *src);
/* Sorts the strings bytewise (strcmp order). */
void sf_strvec_sort(struct sf_strvec *sv);
/* 1 if s is one of the strings. */
int sf_strvec_contains(const struct sf_strvec *sv, const char *s);
/* Frees every string and the array; leaves an empty vector. */
void sf_strvec_clear(struct sf_strvec *sv);
void sf_strvec_fini(struct sf_strvec *sv);

#endif
