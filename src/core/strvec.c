/* Owned string vector (see strvec.h). Growth doubles capacity; copies are exact. */
#include "smartflow/strvec.h"

#include <stdlib.h>
#include <string.h>

#include "smartflow/err.h"

int sf_strvec_pushn(struct sf_strvec *sv, const char *s, size_t len) {
  if (sv->n == sv->cap) {
    size_t ncap = sv->cap ? sv->cap * 2 : 4;
    char **nv = realloc(sv->v, ncap * sizeof *nv);
    if (!nv) return SF_ENOMEM;
    sv->v = nv;
    sv->cap = ncap;
  }
  char *c = malloc(len + 1);
  if (!c) return SF_ENOMEM;
  memcpy(c, s, len);
  c[len] = '\0';
  sv->v[sv->n++] = c;
  return 0;
}

int sf_strvec_push(struct sf_strvec *sv, const char *s) { return sf_strvec_pushn(sv, s, strlen(s)); }

int sf_strvec_copy(struct sf_strvec *dst, const struct sf_strvec *src) {
  sf_strvec_clear(dst);
  for (size_t i = 0; i < src->n; i++) {
    int rc = sf_strvec_push(dst, src->v[i]);
    if (rc) return rc;
  }
  return 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

void sf_strvec_sort(struct sf_strvec *sv) {
  if (sv->n > 1) qsort(sv->v, sv->n, sizeof *sv->v, cmp_str);
}

int sf_strvec_contains(const struct sf_strvec *sv, const char *s) {
  for (size_t i = 0; i < sv->n; i++)
    if (strcmp(sv->v[i], s) == 0) return 1;
  return 0;
}

void sf_strvec_clear(struct sf_strvec *sv) {
  for (size_t i = 0; i < sv->n; i++) free(sv->v[i]);
  sv->n = 0;
}

void sf_strvec_fini(struct sf_strvec *sv) {
  sf_strvec_clear(sv);
  free(sv->v);
  sv->v = NULL;
  sv->cap = 0;
}
