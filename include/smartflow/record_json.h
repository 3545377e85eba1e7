/* JSON encoding and decoding of records (jansson), exactly the shapes of CONTRACTS.md.
 *
 * Decoders validate: a missing required field, a wrong type, a value out of range (negative
 * size, price < 0, a string too long for its field, an unknown enum or condition name, an
 * invalid contract id) is rejected with SF_EFIELD and a message naming the field
 * ("option-print.size: must be an integer > 0"). Unknown extra fields are ignored, as the
 * contract allows. null reads back as null.
 *
 * Encoders write every contract field (null where unknown) and smartflow's extra fields, in a
 * fixed key order, straight to text with the streaming writer (jsonw.h). Reals are written with
 * 15 significant digits exactly as jansson dumps them, so text -> record -> text is a fixed point
 * and the text is a fixed point of json_loadb + sf_json_dumps. */
#ifndef SMARTFLOW_RECORD_JSON_H
#define SMARTFLOW_RECORD_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "smartflow/jsonw.h"
#include "smartflow/record.h"

/* Detail of a decode error: which field and why, for messages. */
struct sf_errbuf {
  char msg[256];
};

/* Appends a record's payload object to w (one value: the writer's comma rules apply, so it can
 * be an array element or follow a key). Returns 0, SF_ETYPE for an unknown type, SF_EINVAL for a
 * string that is not valid UTF-8, or SF_ENOMEM; on error w holds a partial value and its sticky
 * error. This is the one record encoder; everything below is built on it. */
int sf_record_encode(const struct sf_record *r, struct sf_jw *w);
/* Appends the envelope {"type":<name>,"payload":{...}} to w; returns as sf_record_encode. */
int sf_record_encode_envelope(const struct sf_record *r, struct sf_jw *w);

/* Encodes a record's payload as a new JSON object (caller owns the reference), or NULL on
 * error: the encoder's text parsed back, for callers that need a tree. */
json_t *sf_record_to_json(const struct sf_record *r);
/* Decodes a payload object of a known type into r (initialised by the call). On error, r holds
 * nothing that needs freeing. Returns 0, SF_EFIELD (with err), or SF_ENOMEM. */
int sf_record_from_json(enum sf_record_type t, const json_t *payload, struct sf_record *r,
                        struct sf_errbuf *err);

/* Envelope {"type": <name>, "payload": {...}}. */
json_t *sf_envelope_to_json(const struct sf_record *r);
int sf_envelope_from_json(const json_t *env, struct sf_record *r, struct sf_errbuf *err);

/* Dumps a JSON value compactly with keys in insertion order and 15-digit reals, appending a
 * newline when nl is set. Returns a malloc'd NUL-terminated string (free()) or NULL. */
char *sf_json_dumps(const json_t *j, int nl);

/* Convenience: one envelope line (with "\n") for a record; free() the result. */
char *sf_record_to_line(const struct sf_record *r);
/* Parses one line (without or with its newline) into a record. SF_EPARSE for JSON syntax
 * errors (err names line position), SF_EFIELD / SF_ETYPE for shape errors. */
int sf_record_from_line(const char *line, size_t len, struct sf_record *r, struct sf_errbuf *err);

/* The two ways sf_record_from_line decodes, for tests and benchmarks. The fast path
 * (json_fast.c) scans the four market-data envelopes in one pass without a tree or an
 * allocation; for any line it does not fully understand (another record type, a syntax error,
 * a nested object, ...) it returns SF_FAST_DECLINED with r initialised and nothing written to
 * err. Otherwise it returns exactly what the tree path (jansson, then the validating readers)
 * returns, with the same record and the same message. sf_record_from_line tries the fast path
 * first. */
#define SF_FAST_DECLINED 1
int sf_record_from_line_fast(const char *line, size_t len, struct sf_record *r, struct sf_errbuf *err);
int sf_record_from_line_tree(const char *line, size_t len, struct sf_record *r, struct sf_errbuf *err);

/* Per-piece encoders used by other encoders (the alert embeds hits and scores). */
json_t *sf_profile_score_to_json(const struct sf_profile_score *s);
int sf_profile_score_from_json(const json_t *j, struct sf_profile_score *s, const char *path,
                               struct sf_errbuf *err);
json_t *sf_features_to_json(const struct sf_features *f);
int sf_features_from_json(const json_t *j, struct sf_features *f, const char *path, struct sf_errbuf *err);

#endif
