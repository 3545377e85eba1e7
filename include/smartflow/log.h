/* Logging with levels to stderr. The level comes from sf_log_set_level() or the
 * SMARTFLOW_LOG environment variable (error|warn|info|debug|trace). Thread-safe: one line is
 * written with one call. Never used inside the engine, which has no I/O. */
#ifndef SMARTFLOW_LOG_H
#define SMARTFLOW_LOG_H

enum sf_log_level { SF_LOG_ERROR = 0, SF_LOG_WARN, SF_LOG_INFO, SF_LOG_DEBUG, SF_LOG_TRACE };

void sf_log_set_level(enum sf_log_level level);
enum sf_log_level sf_log_get_level(void);
/* Parses a level name; returns 0 or SF_EINVAL. */
int sf_log_parse_level(const char *name, enum sf_log_level *out);
/* Reads SMARTFLOW_LOG once; called by the CLI at start. */
void sf_log_init_from_env(void);

void sf_log_write(enum sf_log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define sf_log_error(mod, ...) sf_log_write(SF_LOG_ERROR, mod, __VA_ARGS__)
#define sf_log_warn(mod, ...) sf_log_write(SF_LOG_WARN, mod, __VA_ARGS__)
#define sf_log_info(mod, ...) sf_log_write(SF_LOG_INFO, mod, __VA_ARGS__)
#define sf_log_debug(mod, ...) sf_log_write(SF_LOG_DEBUG, mod, __VA_ARGS__)

#endif
