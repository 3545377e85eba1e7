/* Option parsing shared by the CLI subcommands (see args.h). getopt's own messages are turned
 * off (opterr = 0, optstring ":h") so that every message starts with "smartflow CMD:" and names
 * the option as the user typed it. */
#include "app/args.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void usage_error(const struct sf_args *a) {
  fputc('\n', stderr);
  a->usage(stderr);
}

/* True when the typed name (up to '=') abbreviates two or more long options. */
static bool is_ambiguous(const struct option *opts, const char *typed) {
  size_t n = strcspn(typed, "="), matches = 0;
  for (const struct option *o = opts; o->name; o++)
    if (strncmp(o->name, typed, n) == 0) matches++;
  return n > 0 && matches > 1;
}

int sf_args_next(struct sf_args *a) {
  if (!a->started) {
    optind = 0; /* full reset of getopt's state (glibc and musl) */
    a->started = true;
  }
  opterr = 0;
  int idx = -1;
  int ch = getopt_long(a->argc, a->argv, ":h", a->opts, &idx);
  a->name = idx >= 0 ? a->opts[idx].name : NULL;
  if (ch == 'h') {
    a->usage(stdout);
    a->status = 0;
    return 0;
  }
  if (ch != '?' && ch != ':') return ch;
  const char *arg = optind >= 1 && optind <= a->argc ? a->argv[optind - 1] : "";
  if (ch == ':') {
    fprintf(stderr, "smartflow %s: %s needs a value\n", a->cmd, arg);
  } else if (strncmp(arg, "--", 2) == 0) {
    const char *eq = strchr(arg, '=');
    if (eq && optopt != 0)
      fprintf(stderr, "smartflow %s: %.*s takes no value\n", a->cmd, (int)(eq - arg), arg);
    else
      fprintf(stderr, "smartflow %s: %s option '%s'\n", a->cmd,
              is_ambiguous(a->opts, arg + 2) ? "ambiguous" : "unknown", arg);
  } else {
    fprintf(stderr, "smartflow %s: unknown option '-%c'\n", a->cmd, optopt);
  }
  usage_error(a);
  a->status = SF_ARGS_USAGE;
  return 0;
}

int sf_args_no_operands(const struct sf_args *a) {
  if (optind >= a->argc) return 0;
  fprintf(stderr, "smartflow %s: unexpected argument '%s'\n", a->cmd, a->argv[optind]);
  return -1;
}

int sf_args_u64(const struct sf_args *a, uint64_t lo, uint64_t hi, uint64_t *out) {
  const char *v = optarg ? optarg : "";
  uint64_t n = 0;
  bool ok = v[0] != '\0';
  for (const char *p = v; ok && *p; p++) {
    unsigned d = (unsigned)(*p - '0');
    if (d > 9 || n > (UINT64_MAX - d) / 10)
      ok = false;
    else
      n = n * 10 + d;
  }
  if (!ok || n < lo || n > hi) {
    if (hi == UINT64_MAX)
      fprintf(stderr, "smartflow %s: --%s must be an integer >= %llu, not '%s'\n", a->cmd, a->name,
              (unsigned long long)lo, v);
    else
      fprintf(stderr, "smartflow %s: --%s must be an integer in %llu..%llu, not '%s'\n", a->cmd, a->name,
              (unsigned long long)lo, (unsigned long long)hi, v);
    return -1;
  }
  *out = n;
  return 0;
}

int sf_args_long(const struct sf_args *a, long lo, long hi, long *out) {
  uint64_t v;
  if (sf_args_u64(a, (uint64_t)lo, (uint64_t)hi, &v)) return -1;
  *out = (long)v;
  return 0;
}

int sf_args_double(const struct sf_args *a, double lo, bool lo_open, double hi, double *out) {
  const char *v = optarg ? optarg : "";
  char *end = NULL;
  errno = 0;
  double x = v[0] && v[0] != ' ' && v[0] != '\t' ? strtod(v, &end) : NAN;
  bool ok = end && *end == '\0' && errno == 0 && isfinite(x) && (lo_open ? x > lo : x >= lo) && x <= hi;
  if (!ok) {
    if (isfinite(hi))
      fprintf(stderr, "smartflow %s: --%s must be a number %s %g and <= %g, not '%s'\n", a->cmd, a->name,
              lo_open ? ">" : ">=", lo, hi, v);
    else
      fprintf(stderr, "smartflow %s: --%s must be a number %s %g, not '%s'\n", a->cmd, a->name,
              lo_open ? ">" : ">=", lo, v);
    return -1;
  }
  *out = x;
  return 0;
}

int sf_args_one_file(const struct sf_args *a, const char *action, const char **path) {
  int n = a->argc - optind;
  if (n == 1) {
    *path = a->argv[optind];
    return 0;
  }
  if (n == 0) {
    fprintf(stderr, "smartflow %s: %s needs a FILE\n", a->cmd, action);
    usage_error(a);
  } else {
    fprintf(stderr, "smartflow %s: one FILE only ('%s' and '%s')\n", a->cmd, a->argv[optind],
            a->argv[optind + 1]);
  }
  return -1;
}

int sf_args_action(const char *cmd, int argc, char **argv, const char *action, void (*usage)(FILE *out)) {
  if (argc < 2) {
    usage(stderr);
    return SF_ARGS_USAGE;
  }
  if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(argv[1], action) != 0) {
    fprintf(stderr, "smartflow %s: unknown action '%s' (expected '%s')\n\n", cmd, argv[1], action);
    usage(stderr);
    return SF_ARGS_USAGE;
  }
  return -1;
}
