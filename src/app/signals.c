/* Signal flag for clean shutdown (see signals.h). SIGPIPE is ignored: a client that goes away
 * mid-write is an error return, not a process exit. */
#include "app/signals.h"

#include <signal.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t g_stop = 0;

static void on_signal(int sig) {
  (void)sig;
  g_stop = 1;
}

void sf_app_signals_install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  /* Restart interrupted reads: a tape read from a pipe must not see Ctrl-C as a read error (zlib
   * turns EINTR into a failed stream); the loops poll the flag between records. Sleeps still
   * return early (nanosleep is never restarted). */
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
}

bool sf_app_signals_stop_requested(void) { return g_stop != 0; }

void sf_app_signals_wait(int ms) {
  for (int waited = 0; waited < ms && !g_stop; waited += 20) {
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL);
  }
}
