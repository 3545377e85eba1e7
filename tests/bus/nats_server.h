/* Starts and stops a throwaway nats-server for the integration test and the benchmark:
 * JetStream on, loopback only, an ephemeral port, a temporary store directory. The server runs
 * in its own process group (setsid) so stopping it kills the group and leaves nothing behind;
 * the server is also killed if the test process dies first (PR_SET_PDEATHSIG), and
 * a restart reuses the port and the store directory, as a crashed server coming back would. */
#ifndef SMARTFLOW_TESTS_NATS_SERVER_H
#define SMARTFLOW_TESTS_NATS_SERVER_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NS_BIN "/usr/sbin/nats-server"

struct ns_server {
  pid_t pid;
  int port;
  char dir[64];
  char url[64];
};

static inline const char *ns_binary(void) {
  const char *env = getenv("SF_NATS_SERVER");
  if (env && access(env, X_OK) == 0) return env;
  return access(NS_BIN, X_OK) == 0 ? NS_BIN : NULL;
}

static inline int ns_free_port(void) {
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
      getsockname(fd, (struct sockaddr *)&a, &len) == 0)
    port = ntohs(a.sin_port);
  if (fd >= 0) close(fd);
  return port;
}

static inline int ns_accepts(int port) {
  struct sockaddr_in a;
  int fd = socket(AF_INET, SOCK_STREAM, 0), ok;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons((uint16_t)port);
  ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
  if (fd >= 0) close(fd);
  return ok;
}

/* Starts (or restarts, keeping port and dir) the server; returns 0 once it accepts
 * connections, -1 with a message on stderr otherwise. */
static inline int ns_start(struct ns_server *s) {
  const char *bin = ns_binary();
  char port[16], log[96];
  if (!bin) return -1;
  if (!s->dir[0]) {
    snprintf(s->dir, sizeof s->dir, "/tmp/sf-nats.XXXXXX");
    if (!mkdtemp(s->dir)) return -1;
    s->port = ns_free_port();
    snprintf(s->url, sizeof s->url, "nats://127.0.0.1:%d", s->port);
  }
  snprintf(port, sizeof port, "%d", s->port);
  snprintf(log, sizeof log, "%s/server.log", s->dir);
  s->pid = fork();
  if (s->pid < 0) return -1;
  if (s->pid == 0) {
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    setsid();
    /* If the test dies without its teardown (a sanitizer abort), the server goes with it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    execl(bin, bin, "-js", "-a", "127.0.0.1", "-p", port, "-sd", s->dir, (char *)NULL);
    _exit(127);
  }
  for (int i = 0; i < 600; i++) { /* 30 s: a loaded machine can be slow to start it */
    int st;
    if (ns_accepts(s->port)) return 0;
    if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
      fprintf(stderr, "nats-server exited (status %d); see %s\n", st, log);
      s->pid = 0;
      return -1;
    }
    struct timespec ts = {0, 50000000};
    nanosleep(&ts, NULL);
  }
  fprintf(stderr, "nats-server did not accept on port %d within 30 s\n", s->port);
  kill(-s->pid, SIGKILL);
  waitpid(s->pid, NULL, 0);
  s->pid = 0;
  return -1;
}

/* Signals the server's process group and reaps it. */
static inline void ns_kill(struct ns_server *s, int sig) {
  if (s->pid <= 0) return;
  kill(-s->pid, sig);
  if (sig != SIGKILL) {
    for (int i = 0; i < 100; i++) {
      if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
        s->pid = 0;
        return;
      }
      struct timespec ts = {0, 50000000};
      nanosleep(&ts, NULL);
    }
    kill(-s->pid, SIGKILL);
  }
  waitpid(s->pid, NULL, 0);
  s->pid = 0;
}

/* Stops the server and removes its directory. */
static inline void ns_stop(struct ns_server *s) {
  char cmd[96];
  ns_kill(s, SIGTERM);
  if (s->dir[0]) {
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", s->dir);
    s->dir[0] = '\0';
  }
}

#endif
