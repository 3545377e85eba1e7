/* Leveled logging to stderr: "2026-11-24T19:56:12.123Z WARN  store: message". The level is a
 * process-wide setting (the only mutable global in smartflow, and outside the engine). */
#include "smartflow/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smartflow/err.h"

static _Atomic int g_level = SF_LOG_INFO;
static const char *const level_names[] = {"error", "warn", "info", "debug", "trace"};

void sf_log_set_level(enum sf_log_level level) { atomic_store(&g_level, (int)level); }

enum sf_log_level sf_log_get_level(void) { return (enum sf_log_level)atomic_load(&g_level); }

int sf_log_parse_level(const char *name, enum sf_log_level *out) {
  for (int i = 0; i < 5; i++) {
    if (strcmp(name, level_names[i]) == 0) {
      *out = (enum sf_log_level)i;
      return 0;
    }
  }
  return SF_EINVAL;
}

void sf_log_init_from_env(void) {
  const char *v = getenv("SMARTFLOW_LOG");
  enum sf_log_level lvl;
  if (v && sf_log_parse_level(v, &lvl) == 0) sf_log_set_level(lvl);
}

void sf_log_write(enum sf_log_level level, const char *module, const char *fmt, ...) {
  if ((int)level > atomic_load(&g_level)) return;
  char line[2048];
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  struct tm tm;
  gmtime_r(&now.tv_sec, &tm);
  int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s %s: ", tm.tm_year + 1900,
                   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000,
                   level_names[level], module ? module : "-");
  if (n < 0) return;
  va_list ap;
  va_start(ap, fmt);
  int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
  va_end(ap);
  size_t len = (size_t)n + (m > 0 ? (size_t)m : 0);
  if (len > sizeof line - 2) len = sizeof line - 2;
  line[len++] = '\n';
  fwrite(line, 1, len, stderr);
}
