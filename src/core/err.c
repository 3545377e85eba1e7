/* The error table: messages and names generated from the X-macro in err.h. */
#include "smartflow/err.h"

const char *sf_strerror(int err) {
  switch (err) {
#define SF_ERR_MSG(name, val, msg) \
  case val:                        \
    return msg;
    SF_ERRORS(SF_ERR_MSG)
#undef SF_ERR_MSG
  default:
    return "unknown error";
  }
}

const char *sf_errname(int err) {
  switch (err) {
#define SF_ERR_NAME(name, val, msg) \
  case val:                         \
    return #name;
    SF_ERRORS(SF_ERR_NAME)
#undef SF_ERR_NAME
  default:
    return "SF_E?";
  }
}
