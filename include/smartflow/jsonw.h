/* A streaming JSON text writer: a growable byte buffer with begin/end of objects and arrays, keys,
 * and scalar values, writing exactly the bytes jansson 2.14 dumps with JSON_COMPACT |
 * JSON_REAL_PRECISION(15) (and keys in the order they are written). It replaces building a
 * jansson tree and dumping it on the hot paths (store rows, API pages, tapes).
 *
 * Commas are the writer's job: a value or key written after another value in the same
 * container gets its ',' first. The writer does not check nesting (begin/end pairs and key/value
 * alternation are the caller's), only what jansson itself would refuse: a string that is not
 * valid UTF-8 and a real that is not finite. Those, and allocation failures, set a sticky flag
 * and make later calls no-ops; sf_jw_status() reports it once, at the end. Nothing allocates
 * per value: only the buffer grows (doubling), and sf_jw_reset() keeps it for the next record.
 *
 * Bytes written:
 *  - strings: '"' and '\\' and the controls \b \f \n \r \t as two-character escapes, other bytes
 *    below 0x20 as \u00XX (upper-case hex), everything else (valid UTF-8, DEL, '/') as is;
 *  - integers: decimal;
 *  - reals: printf's %.15g digits, then ".0" appended when neither '.' nor 'e' is there, and the
 *    exponent without '+' or leading zeros ("1e15", "1.5e-7", "-0.0"), as jansson's jsonp_dtostr
 *    (without dtoa) does. */
#ifndef SMARTFLOW_JSONW_H
#define SMARTFLOW_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sf_jw {
  char *p;         /* owned buffer (free with sf_jw_fini); not NUL-terminated while writing */
  size_t len, cap; /* bytes written, bytes allocated */
  int err;         /* 0, or the first SF_E* error (sticky) */
  bool comma;      /* the next key or value needs a ',' before it */
};

/* Empty writer, no buffer yet. */
void sf_jw_init(struct sf_jw *w);
/* Frees the buffer; the writer can be initialised again. */
void sf_jw_fini(struct sf_jw *w);
/* Forgets what was written and any error, keeping the buffer for reuse. */
void sf_jw_reset(struct sf_jw *w);
/* 0, SF_ENOMEM (the buffer could not grow) or SF_EINVAL (invalid UTF-8 or a non-finite real). */
int sf_jw_status(const struct sf_jw *w);
/* The text written so far, NUL-terminated (borrowed until the next call on w), or NULL after an
 * error. *len receives its length when len is not NULL. */
const char *sf_jw_cstr(struct sf_jw *w, size_t *len);
/* Hands the buffer over as a malloc'd NUL-terminated string (owned: free()) and leaves w empty,
 * or returns NULL after an error (w is reset either way). */
char *sf_jw_take(struct sf_jw *w, size_t *len);

void sf_jw_obj_begin(struct sf_jw *w);
void sf_jw_obj_end(struct sf_jw *w);
void sf_jw_arr_begin(struct sf_jw *w);
void sf_jw_arr_end(struct sf_jw *w);

/* A key (escaped like a string), followed by ':'. */
void sf_jw_key(struct sf_jw *w, const char *k);
/* A key known to need no escaping (printable ASCII without '"' or '\\'), of length n: for the
 * encoders' literal field names. */
void sf_jw_key_lit(struct sf_jw *w, const char *k, size_t n);
#define SF_JW_KEY(w, lit) sf_jw_key_lit((w), "" lit "", sizeof(lit) - 1)

void sf_jw_str(struct sf_jw *w, const char *s);
void sf_jw_strn(struct sf_jw *w, const char *s, size_t n); /* may hold NUL (written \u0000) */
void sf_jw_int(struct sf_jw *w, int64_t v);
void sf_jw_real(struct sf_jw *w, double v); /* non-finite: error, as json_real refuses it */
void sf_jw_bool(struct sf_jw *w, bool v);
void sf_jw_null(struct sf_jw *w);
/* Splices n bytes of already-encoded JSON as one value (comma handled, content not checked). */
void sf_jw_raw(struct sf_jw *w, const char *json, size_t n);
/* Appends n bytes outside the JSON structure (a newline between lines); no comma logic. */
void sf_jw_bytes(struct sf_jw *w, const char *p, size_t n);

/* Formats a finite real as sf_jw_real writes it into buf (at least 32 bytes); returns the length
 * (the text is NUL-terminated), or -1 for a non-finite value. */
int sf_jw_fmt_real(double v, char *buf);

/* Writes a jansson value (any kind, recursively) as json_dumps would with the flags above. */
typedef struct json_t json_t;
void sf_jw_jansson(struct sf_jw *w, const json_t *j);

#endif
