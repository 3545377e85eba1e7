/* Option parsing shared by the CLI subcommands, so that every command behaves the same:
 * getopt_long with GNU argument permutation (options and operands in any order, `--` ends the
 * options), `-h`/`--help` handled by the command (usage on stdout, exit 0), and every usage error
 * reported on stderr as "smartflow CMD: ..." naming the option, followed by the usage, exit 2.
 * Numeric option values are checked whole (no trailing text, no sign on integers, no NaN) and
 * a bad one is reported with the option's name and the accepted range. */
#ifndef SMARTFLOW_APP_ARGS_H
#define SMARTFLOW_APP_ARGS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Exit status of a usage error. */
#define SF_ARGS_USAGE 2

/* One parse of a subcommand's argv (argv[0] is the command or action name). Set the first
 * five fields, then call sf_args_next until it returns -1. Everything is borrowed. */
struct sf_args {
  const char *cmd; /* for messages: "smartflow <cmd>: ..." */
  int argc;
  char **argv;
  const struct option *opts; /* zero-terminated; the only short option is -h */
  void (*usage)(FILE *out);
  /* Set by sf_args_next: */
  const char *name; /* long name of the option just returned (no dashes) */
  int status;       /* after sf_args_next returned 0: the exit status (0 help, 2 usage error) */
  bool started;
};

/* Returns the next option's `val` (never 0: 0 is not a valid `val` here) with its value in
 * getopt's `optarg`, or -1 when the options are over (the operands are then
 * argv[optind..argc-1]), or 0 when the command must stop with the exit status a->status: after
 * -h/--help printed the usage on stdout (0), or after an unknown option or a missing value was
 * reported on stderr with the usage (2). Resets getopt on the first call for a->argv. The
 * usual loop: `while ((ch = sf_args_next(&a)) != -1) switch (ch) { ...; default: return
 * a.status; }`. */
int sf_args_next(struct sf_args *a);

/* For commands that take no operands: returns 0, or -1 after printing the first one. */
int sf_args_no_operands(const struct sf_args *a);

/* Parses optarg, the value of option a->name, as a decimal integer in [lo, hi]. Returns 0, or
 * -1 after printing "smartflow CMD: --NAME must be an integer in LO..HI, not 'V'". */
int sf_args_u64(const struct sf_args *a, uint64_t lo, uint64_t hi, uint64_t *out);

/* The same for options kept in a long: an integer in [lo, hi] with 0 <= lo <= hi. */
int sf_args_long(const struct sf_args *a, long lo, long hi, long *out);

/* Parses optarg as a finite number x with lo <= x <= hi, or lo < x <= hi when lo_open. Returns 0,
 * or -1 after printing which values --NAME accepts. */
int sf_args_double(const struct sf_args *a, double lo, bool lo_open, double hi, double *out);

/* Reads the single FILE operand left after the options. Returns 0, or -1 after printing that
 * ACTION needs one FILE (or that only one is accepted). */
int sf_args_one_file(const struct sf_args *a, const char *action, const char **path);

/* For commands of the form `smartflow CMD ACTION ...` with one action: returns -1 when argv[1]
 * is ACTION (go on parsing argv + 1), else the exit status after printing usage (to stdout for
 * -h, --help and help: 0; to stderr for a missing or unknown action: 2). */
int sf_args_action(const char *cmd, int argc, char **argv, const char *action, void (*usage)(FILE *out));

#endif
