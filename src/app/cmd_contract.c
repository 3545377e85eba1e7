/* `smartflow contract`: converts option contract ids between the canonical form
 * (SPY-2025-01-17-450-C) and the 21-character OSI symbol (SPY   250117C00450000). Ids come from
 * the arguments or, when there are none, one per line from stdin. Every input line gets exactly
 * one output line or one diagnostic naming the line, so the command can sit in a pipeline; an
 * invalid id does not stop the run, but the exit status is 1 when any id was invalid. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/args.h"
#include "app/commands.h"
#include "smartflow/contract.h"

enum target { TO_OTHER, TO_CANONICAL, TO_OSI };

static void usage(FILE *out) {
  fprintf(out,
          "usage: smartflow contract [--to canonical|osi] [ID...]\n\n"
          "Converts option contract ids between the canonical form ROOT-YYYY-MM-DD-STRIKE-R\n"
          "(SPY-2025-01-17-450-C, BRK-B-2025-03-21-452.5-P) and the 21-character OCC/OSI symbol\n"
          "(root padded to 6, YYMMDD, C|P, strike x 1000 in 8 digits: 'SPY   250117C00450000').\n"
          "The OSI form is also accepted with the root unpadded (SPY250117C00450000).\n\n"
          "With no ID arguments, reads one id per line from stdin (blank lines are skipped,\n"
          "trailing spaces and CR are ignored). Prints one converted id per line.\n\n"
          "options:\n"
          "  --to canonical   print every id in the canonical form\n"
          "  --to osi         print every id as a 21-character OSI symbol\n"
          "                   (default: the other form of each input)\n"
          "  -h, --help       show this help\n\n"
          "An invalid id is reported on stderr with its line or argument number; the others are\n"
          "still converted, and the exit status is 1.\n");
}

/* Converts one id; prints the result or a diagnostic. Returns 0 or 1 (invalid). */
static int convert(const char *id, size_t len, enum target to, const char *where, size_t n) {
  struct sf_contract c;
  const char *why = "invalid";
  if (sf_contract_parse(id, len, &c, &why) != 0) {
    fprintf(stderr, "smartflow contract: %s %zu: invalid contract id '%.*s': %s\n", where, n, (int)len, id,
            why);
    return 1;
  }
  enum target t = to;
  if (t == TO_OTHER) t = (len > 0 && id[len - 1] >= '0' && id[len - 1] <= '9') ? TO_CANONICAL : TO_OSI;
  char buf[SF_CONTRACT_ID_MAX];
  int rc =
      t == TO_OSI ? sf_contract_format_osi(&c, buf, sizeof buf) : sf_contract_format(&c, buf, sizeof buf);
  if (rc < 0) {
    fprintf(stderr, "smartflow contract: %s %zu: cannot format '%.*s'\n", where, n, (int)len, id);
    return 1;
  }
  printf("%s\n", buf);
  return 0;
}

int sf_cmd_contract(int argc, char **argv) {
  enum target to = TO_OTHER;
  static const struct option opts[] = {
      {"to", required_argument, 0, 't'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
  struct sf_args a = {.cmd = "contract", .argc = argc, .argv = argv, .opts = opts, .usage = usage};
  int ch;
  while ((ch = sf_args_next(&a)) != -1) {
    switch (ch) {
      case 't':
        if (strcmp(optarg, "canonical") == 0) {
          to = TO_CANONICAL;
        } else if (strcmp(optarg, "osi") == 0) {
          to = TO_OSI;
        } else {
          fprintf(stderr, "smartflow contract: --to must be canonical or osi, not '%s'\n", optarg);
          return SF_ARGS_USAGE;
        }
        break;
      default: /* --help or a usage error, printed */
        return a.status;
    }
  }
  int i = optind;

  int bad = 0;
  if (i < argc) {
    for (int k = i; k < argc; k++)
      bad |= convert(argv[k], strlen(argv[k]), to, "argument", (size_t)(k - i + 1));
    fflush(stdout);
    return bad ? 1 : 0;
  }

  char *line = NULL;
  size_t cap = 0;
  ssize_t got;
  size_t lineno = 0;
  while ((got = getline(&line, &cap, stdin)) >= 0) {
    lineno++;
    size_t len = (size_t)got;
    while (len > 0 &&
           (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
      len--;
    if (len == 0) continue;
    bad |= convert(line, len, to, "line", lineno);
  }
  int read_err = ferror(stdin);
  free(line);
  if (read_err) {
    fprintf(stderr, "smartflow contract: error reading stdin\n");
    return 1;
  }
  fflush(stdout);
  return bad ? 1 : 0;
}
