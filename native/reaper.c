/*
 * dsari-reaper: starts a daemon's runs without holding up the daemon, and without an exec of
 * /bin/sh for each run's exit-status wrapper. See docs/executor.md, "dsari-reaper".
 *
 * Started by the daemon (spawn.c, reaperSpawn) with a stream socket on descriptor 3, in a
 * session of its own, every other descriptor /dev/null, an empty environment. It keeps
 * IDLE_TARGET children forked ahead of time, each in a session of its own with every signal at
 * its default, waiting on a socket of its own for the one run it will be. It hands the daemon
 * each child's PID and socket (MSG_READY), so the daemon knows a run's PID the moment it gives
 * the run to the child (MSG_START, straight to the child) and never waits for a fork or an exec;
 * the daemon then tells the reaper the child was taken (MSG_TAKEN), and the reaper forks another.
 *
 * The child that gets a run does what the /bin/sh wrapper of status.ts does: catches the
 * signals a process group gets, runs the command as its one child, writes the command's status
 * to RUN_DIR/.dsari-exit-status and exits with it; so a run's status survives a crash of the
 * daemon (or of the reaper) exactly as before. The reaper reaps the children and tells the
 * daemon how each ended (MSG_EXITED, MSG_SIGNALED). When the daemon goes away (exit or crash),
 * the idle children see their socket close and end, and the reaper exits once every child has.
 *
 * MSG_START, in host byte order (the peer is on the same machine): u32 length of the rest, u32
 * MSG_START, i32 the child's PID, u32 number of descriptors (sent with SCM_RIGHTS with the
 * message's first bytes), then the status file path, the program, the working directory
 * (NUL-terminated each), u32 argc and argv strings, u32 envc and env strings, u32 ndups and
 * ndups pairs of u32 (index of a received descriptor, target descriptor). The events between
 * the daemon and the reaper are reaper_event_t (reaper-protocol.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-passing.h"
#include "reaper-protocol.h"

extern char **environ;

#define DAEMON_FD 3
#define IDLE_TARGET 2

/* STARTING: forked, not yet in its own session (its socket is still ours); IDLE: announced to the daemon. */
enum { KID_STARTING, KID_IDLE, KID_RUNNING };

typedef struct {
  pid_t pid;
  int state;
  int sock; /* our end of its socket while STARTING, else -1 */
} kid_t;

static kid_t *kids;
static size_t nkids, capkids;
static int daemon_open = 1;

/* Descriptors that came with a child's run, in arrival order. */
typedef struct {
  int fds[FD_PASSING_MAX];
  size_t n;
} fd_list_t;

static void keep_fd(int fd, void *ctx) {
  fd_list_t *list = ctx;
  if (list->n < FD_PASSING_MAX) list->fds[list->n++] = fd;
  else close(fd);
}

static int write_all(int fd, const void *data, size_t len) {
  const char *p = data;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static void tell_daemon(uint32_t type, pid_t pid, int32_t value) {
  if (!daemon_open) return;
  reaper_event_t ev = {type, pid, value};
  if (write_all(DAEMON_FD, &ev, sizeof ev) < 0) daemon_open = 0;
}

/* ---- the child: waits for its run, then becomes its exit-status wrapper ---- */

/*
 * The end of a run's wrapper: a problem (what, name, errno) written to `out` when there is one,
 * the status written to the status file, and exit with it. One short write, no rename (as the
 * /bin/sh wrapper): a reader looks at the file only once this process is gone.
 */
static void finish(const char *status_path, int out, int status, const char *what, const char *name, int err) {
  if (out >= 0 && what) {
    char text[4096];
    int n = snprintf(text, sizeof text, "dsari: cannot start the run: %s%s%s: %s\n", what, name ? " " : "", name ? name : "", strerror(err));
    if (n > 0) write_all(out, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
  }
  int fd = open(status_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd >= 0) {
    char text[16];
    int n = snprintf(text, sizeof text, "%d\n", status);
    write_all(fd, text, (size_t)n);
    close(fd);
  }
  _exit(status);
}

static const char *take_string(const char **p, const char *end) {
  const char *s = *p;
  const char *nul = memchr(s, '\0', (size_t)(end - s));
  if (!nul) _exit(126);
  *p = nul + 1;
  return s;
}

static uint32_t take_u32(const char **p, const char *end) {
  uint32_t v;
  if (end - *p < (ptrdiff_t)sizeof v) _exit(126);
  memcpy(&v, *p, sizeof v);
  *p += sizeof v;
  return v;
}

static void ignore_signal(int signo) { (void)signo; }

/* The signals the /bin/sh wrapper traps with ':' (status.ts), caught here the same way. */
static const int WRAPPER_SIGNALS[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM};

/*
 * What the /bin/sh wrapper of status.ts does, without an exec of its own: this process is the
 * run's process (session and group leader, its PID the one recorded); it catches the signals a
 * group gets (caught, not ignored, so that the command gets them at their default), runs the
 * command as its one child, writes the command's status (128 + n for signal n) to the status
 * file, and exits with that status.
 */
static void become_run(int sock) {
  fd_list_t received = {{0}, 0};
  char head[16];
  size_t got = 0;
  while (got < sizeof head) {
    ssize_t n = recv_with_fds(sock, head + got, sizeof head - got, 0, keep_fd, &received);
    if (n <= 0) _exit(0); /* the reaper is gone or has no run for us: end quietly */
    got += (size_t)n;
  }
  uint32_t len, nfds;
  memcpy(&len, head, 4);
  memcpy(&nfds, head + 12, 4);
  if (len < 12 || len > (64u << 20)) _exit(126);
  size_t body_len = len - 12;
  char *body = malloc(body_len + 1);
  if (!body) _exit(126);
  got = 0;
  while (got < body_len) {
    ssize_t n = recv_with_fds(sock, body + got, body_len - got, 0, keep_fd, &received);
    if (n <= 0) _exit(126);
    got += (size_t)n;
  }
  close(sock);
  if (nfds != received.n) _exit(126);
  int *fds = received.fds;
  prctl(PR_SET_NAME, "dsari-run", 0, 0, 0);

  const char *p = body, *end = body + body_len;
  const char *status_path = take_string(&p, end);
  const char *file = take_string(&p, end);
  const char *cwd = take_string(&p, end);
  uint32_t argc = take_u32(&p, end);
  char **argv = calloc((size_t)argc + 1, sizeof(char *));
  if (!argv) _exit(126);
  for (uint32_t i = 0; i < argc; i++) argv[i] = (char *)take_string(&p, end);
  uint32_t envc = take_u32(&p, end);
  char **envp = calloc((size_t)envc + 1, sizeof(char *));
  if (!envp) _exit(126);
  for (uint32_t i = 0; i < envc; i++) envp[i] = (char *)take_string(&p, end);
  uint32_t ndups = take_u32(&p, end);
  int32_t *dups = calloc((size_t)ndups * 2 + 1, sizeof(int32_t));
  if (!dups) _exit(126);
  int maxto = 2;
  for (uint32_t i = 0; i < ndups * 2; i++) {
    dups[i] = (int32_t)take_u32(&p, end);
    if (i % 2 == 0 && (dups[i] < 0 || (uint32_t)dups[i] >= nfds)) _exit(126);
    if (i % 2 == 1 && dups[i] > maxto) maxto = dups[i];
  }

  /* Move what we received above every target, so that no dup2 overwrites a descriptor still to be used. */
  for (uint32_t i = 0; i < nfds; i++) {
    int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, maxto + 1);
    if (moved < 0) _exit(126);
    close(fds[i]);
    fds[i] = moved;
  }
  for (uint32_t i = 0; i < ndups; i++) {
    if (dup2(fds[dups[2 * i]], dups[2 * i + 1]) < 0) _exit(126);
  }
  for (uint32_t i = 0; i < nfds; i++) close(fds[i]);
  /* Problems from here on are written where the run's output goes. */
  const int out = 1;
  if (chdir(cwd) < 0) finish(status_path, out, 126, "working directory", cwd, errno);

  struct sigaction caught;
  memset(&caught, 0, sizeof caught);
  caught.sa_handler = ignore_signal;
  sigemptyset(&caught.sa_mask);
  for (size_t i = 0; i < sizeof WRAPPER_SIGNALS / sizeof WRAPPER_SIGNALS[0]; i++) sigaction(WRAPPER_SIGNALS[i], &caught, NULL);

  /* execvp searches the PATH of `environ`: the run's environment (this process needs none). */
  environ = envp;
  /* vfork: this process waits until the command has exec'd, and no page tables are copied. */
  volatile int exec_errno = 0;
  pid_t command = vfork();
  if (command < 0) finish(status_path, out, 126, "fork", NULL, errno);
  if (command == 0) {
    /* Caught signals become default at exec; until then they are the wrapper's no-op. A file
     * without a #! line is run by /bin/sh (execvp). */
    execvp(file, argv);
    exec_errno = errno; /* shared with the waiting parent (vfork), which reports it */
    _exit(127);
  }
  int wstatus = 0;
  while (waitpid(command, &wstatus, 0) < 0) {
    if (errno != EINTR) finish(status_path, out, 126, "wait", NULL, errno);
  }
  if (exec_errno != 0) finish(status_path, out, exec_errno == ENOENT || exec_errno == ENOTDIR ? 127 : 126, "command", file, exec_errno);
  finish(status_path, -1, WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus), NULL, NULL, 0);
}

/* ---- the reaper ---- */

static kid_t *find_kid(pid_t pid) {
  for (size_t i = 0; i < nkids; i++)
    if (kids[i].pid == pid) return &kids[i];
  return NULL;
}

/* Children waiting for a run, or about to. */
static size_t count_idle(void) {
  size_t n = 0;
  for (size_t i = 0; i < nkids; i++)
    if (kids[i].state != KID_RUNNING) n++;
  return n;
}

/* Sends an event with one descriptor (the new child's socket) to the daemon. */
static void tell_daemon_fd(uint32_t type, pid_t pid, int fd) {
  if (!daemon_open) return;
  reaper_event_t ev = {type, pid, 0};
  if (send_with_fds(DAEMON_FD, &ev, sizeof ev, &fd, 1) < 0) daemon_open = 0;
}

/*
 * Forks a child to wait for a run and hands the daemon its socket: the daemon gives the run to
 * the child directly, the reaper only hears that it was taken (MSG_TAKEN).
 */
static void fork_idle(int sfd) {
  if (nkids == capkids) {
    size_t cap = capkids ? capkids * 2 : 16;
    kid_t *grown = realloc(kids, cap * sizeof(kid_t));
    if (!grown) return;
    kids = grown;
    capkids = cap;
  }
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
    if (count_idle() == 0) tell_daemon(MSG_NOFORK, 0, errno);
    return;
  }
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(sv[0]);
    close(sv[1]);
    /* A daemon waiting for a child would wait in vain: tell it why (it records the run as not started). */
    if (count_idle() == 0) tell_daemon(MSG_NOFORK, 0, err);
    return;
  }
  if (pid == 0) {
    /* Hold nothing of the reaper's: not the daemon's socket, not what is queued. */
    close(DAEMON_FD);
    close(sfd);
    close(sv[0]);
    for (size_t i = 0; i < nkids; i++)
      if (kids[i].sock >= 0) close(kids[i].sock);
    /* Its own session and process group before its PID is announced, so that the daemon can
     * signal the group from the moment it knows the PID; every signal at its default and none
     * blocked (as posix_spawn's SETSID/SETSIGDEF/SETSIGMASK did for the /bin/sh wrapper), so
     * that a SIGTERM that arrives before the run's command starts ends it, not ignored as by
     * the reaper. */
    setsid();
    for (int s = 1; s < 65; s++) {
      if (s == SIGKILL || s == SIGSTOP) continue;
      signal(s, SIG_DFL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* Ready: the reaper announces us only now, so the daemon never signals a group not yet made. */
    ssize_t sent;
    do sent = send(sv[1], "r", 1, MSG_NOSIGNAL);
    while (sent < 0 && errno == EINTR);
    if (sent != 1) _exit(0);
    become_run(sv[1]);
    _exit(126);
  }
  close(sv[1]);
  kids[nkids++] = (kid_t){pid, KID_STARTING, sv[0]};
}

/* A starting child said it is ready (or ended): hand its socket to the daemon. */
static void kid_ready(kid_t *k) {
  char byte;
  ssize_t n;
  do n = read(k->sock, &byte, 1);
  while (n < 0 && errno == EINTR);
  if (n == 1) {
    k->state = KID_IDLE;
    tell_daemon_fd(MSG_READY, k->pid, k->sock);
  }
  /* n == 0: it ended before it was ready; reap() will see it. */
  close(k->sock);
  k->sock = -1;
  if (n != 1) k->state = KID_RUNNING; /* not idle: not counted, reported as it ends */
}

static void reap(void) {
  for (;;) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG) < 0) {
      if (errno == EINTR) continue;
      return; /* ECHILD */
    }
    if (si.si_pid == 0) return;
    pid_t pid = si.si_pid;
    int signaled = si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED;
    /* An idle child that ended (its socket closed, or killed) is reported alike: the daemon knows which it gave a run. */
    tell_daemon(signaled ? MSG_SIGNALED : MSG_EXITED, pid, si.si_status);
    kid_t *k = find_kid(pid);
    if (k) {
      if (k->sock >= 0) close(k->sock);
      *k = kids[--nkids];
    }
  }
}

static char inbuf[4096];
static size_t inlen;

/* MSG_TAKEN events from the daemon: those children are runs now. */
static void read_daemon(void) {
  ssize_t n;
  do n = recv(DAEMON_FD, inbuf + inlen, sizeof inbuf - inlen, MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
  if (n <= 0) {
    daemon_open = 0;
    return;
  }
  inlen += (size_t)n;
  size_t off = 0;
  while (inlen - off >= sizeof(reaper_event_t)) {
    reaper_event_t ev;
    memcpy(&ev, inbuf + off, sizeof ev);
    off += sizeof ev;
    kid_t *k = ev.type == MSG_TAKEN ? find_kid(ev.pid) : NULL;
    if (k) k->state = KID_RUNNING;
  }
  memmove(inbuf, inbuf + off, inlen - off);
  inlen -= off;
}

int main(void) {
  /* The daemon's end of the socket must not reach a run. */
  if (fcntl(DAEMON_FD, F_SETFD, FD_CLOEXEC) < 0) return 2;
  /* Shutdown signals meant for the daemon (a service manager signals the whole group) must not
   * end the process that reaps the runs: it ends by itself when its work is done. */
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  signal(SIGUSR1, SIG_IGN);
  signal(SIGUSR2, SIG_IGN);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int sfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sfd < 0) return 2;

  for (;;) {
    if (daemon_open) {
      while (count_idle() < IDLE_TARGET) {
        size_t before = nkids;
        fork_idle(sfd);
        if (nkids == before) break; /* cannot fork now: try again at the next event or in a second */
      }
    } else {
      /* No daemon: children not yet announced end too (EOF on their socket), as the idle ones do. */
      for (size_t i = 0; i < nkids; i++) {
        if (kids[i].sock >= 0) {
          close(kids[i].sock);
          kids[i].sock = -1;
        }
      }
      /* Every child has ended: nothing is left to reap. */
      if (nkids == 0) return 0;
    }
    /* The signalfd, the daemon's socket, and the sockets of children not yet ready. */
    struct pollfd pfd[2 + 64];
    pid_t starting[64];
    nfds_t npfd = 0;
    pfd[npfd++] = (struct pollfd){sfd, POLLIN, 0};
    pfd[npfd++] = (struct pollfd){daemon_open ? DAEMON_FD : -1, POLLIN, 0};
    for (size_t i = 0; i < nkids && npfd < 2 + 64; i++) {
      if (kids[i].state != KID_STARTING) continue;
      starting[npfd - 2] = kids[i].pid;
      pfd[npfd++] = (struct pollfd){kids[i].sock, POLLIN, 0};
    }
    int n = poll(pfd, npfd, daemon_open && count_idle() < IDLE_TARGET ? 1000 : -1);
    if (n < 0 && errno != EINTR) return 2;
    if (n <= 0) continue;
    for (nfds_t i = 2; i < npfd; i++) {
      kid_t *k = pfd[i].revents ? find_kid(starting[i - 2]) : NULL;
      if (k && k->state == KID_STARTING) kid_ready(k);
    }
    if (daemon_open && pfd[1].revents) read_daemon();
    if (pfd[0].revents) {
      struct signalfd_siginfo info;
      while (read(sfd, &info, sizeof info) == sizeof info) {
      }
      reap();
    }
  }
}
