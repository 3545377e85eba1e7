/* Ctrl-C / SIGTERM handling for long-running commands: the handler only sets a flag; the main
 * loop polls it and shuts down cleanly (flushing everything produced). */
#ifndef SMARTFLOW_APP_SIGNALS_H
#define SMARTFLOW_APP_SIGNALS_H

#include <stdbool.h>

void sf_app_signals_install(void);
bool sf_app_signals_stop_requested(void);
/* Sleeps up to ms, returning early when a stop is requested. */
void sf_app_signals_wait(int ms);

#endif
