/* smartflow error codes. Functions return 0 or a negative SF_E* value. The table is an X-macro
 * so the enum and sf_strerror() can never disagree. Codes are append-only: never renumber. */
#ifndef SMARTFLOW_ERR_H
#define SMARTFLOW_ERR_H

#define SF_ERRORS(X)                                                   \
  X(SF_OK, 0, "success")                                               \
  X(SF_ENOMEM, -1, "out of memory")                                    \
  X(SF_EINVAL, -2, "invalid argument")                                 \
  X(SF_EPARSE, -3, "malformed input")                                  \
  X(SF_EIO, -4, "input/output error")                                  \
  X(SF_ENOTFOUND, -5, "not found")                                     \
  X(SF_ENOTSUP, -6, "not supported by this build or backend")          \
  X(SF_EAGAIN, -7, "need more input")                                  \
  X(SF_ERANGE, -8, "value out of range")                               \
  X(SF_EFIELD, -9, "missing or invalid field")                         \
  X(SF_ETYPE, -10, "unknown record type")                              \
  X(SF_EDUP, -11, "duplicate record")                                  \
  X(SF_EORDER, -12, "out-of-order timestamp")                          \
  X(SF_EFULL, -13, "queue or buffer full")                             \
  X(SF_ECLOSED, -14, "closed")                                         \
  X(SF_ETIMEOUT, -15, "timed out")                                     \
  X(SF_ESERVER, -16, "server error")                                   \
  X(SF_EVERSION, -17, "unsupported version")                           \
  X(SF_ETRUNC, -18, "truncated input")                                 \
  X(SF_ESTATE, -19, "invalid state")

enum sf_err {
#define SF_ERR_ENUM(name, val, msg) name = (val),
  SF_ERRORS(SF_ERR_ENUM)
#undef SF_ERR_ENUM
};

/* The message for an error code; never NULL (unknown codes get a generic message). */
const char *sf_strerror(int err);

/* The symbolic name ("SF_EPARSE") of an error code; never NULL. */
const char *sf_errname(int err);

#endif
