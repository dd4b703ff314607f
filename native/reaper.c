/*
 * dsari-reaper: starts a daemon's runs without holding up the daemon, and without an exec of
 * /bin/sh for each run's exit-status wrapper. See docs/executor.md, "dsari-reaper".
 *
 * Started by the daemon (spawn.c, reaperSpawn) with a stream socket on descriptor 3, in a
 * session of its own, every other descriptor /dev/null, an empty environment. It keeps
 * IDLE_TARGET children forked ahead of time, each in a session of its own with every signal at
 * its default, waiting on a socket of its own for the one run it will be; their PIDs are
 * announced to the daemon, so the daemon knows a run's PID the moment it hands the run over and
 * never waits for a fork or an exec. The child that gets a run does what the /bin/sh wrapper of
 * status.ts does: catches the signals a process group gets, runs the command as its one child,
 * writes the command's status to RUN_DIR/.dsari-exit-status and exits with it; so a run's
 * status survives a crash of the daemon (and of the reaper) exactly as before. The reaper reaps
 * the children and tells the daemon how each ended. When the daemon goes away (its end of the
 * socket closes: exit or crash), the idle children end, and the reaper exits once the runs
 * still going have ended.
 *
 * Messages, in host byte order (the peer is on the same machine):
 *   daemon → reaper: u32 length of the rest, u32 MSG_START, i32 pid of an idle child, u32 number
 *     of descriptors (sent with SCM_RIGHTS with the message's bytes), then the body: the status
 *     file path, the program, the working directory (NUL-terminated each), u32 argc and argv
 *     strings, u32 envc and env strings, u32 ndups and ndups pairs of u32 (index of a received
 *     descriptor, target descriptor). The reaper hands the same message on to that child.
 *   reaper → daemon: reaper_event_t (reaper-protocol.h): MSG_READY (an idle child is waiting),
 *     MSG_EXITED (value: exit status), MSG_SIGNALED (value: signal number), MSG_GONE (an idle
 *     child ended without a run).
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

#include "reaper-protocol.h"

extern char **environ;

#define DAEMON_FD 3
#define IDLE_TARGET 2

enum { KID_IDLE, KID_RUNNING };

typedef struct {
  pid_t pid;
  int sock; /* reaper's end of the idle child's socket; -1 once the run was handed over */
  int state;
} kid_t;

static kid_t *kids;
static size_t nkids, capkids;
static int daemon_open = 1;

/* ---- descriptors passed with SCM_RIGHTS, in arrival order ---- */
static int fdq[4096];
static size_t fdq_len;

static void fdq_push(int fd) {
  if (fdq_len < sizeof fdq / sizeof fdq[0]) fdq[fdq_len++] = fd;
  else close(fd);
}

static int fdq_take(int *out, size_t n) {
  if (fdq_len < n) return -1;
  memcpy(out, fdq, n * sizeof(int));
  memmove(fdq, fdq + n, (fdq_len - n) * sizeof(int));
  fdq_len -= n;
  return 0;
}

/* recvmsg into buf, queueing any descriptors; returns bytes read, 0 at EOF, -1 on error. */
static ssize_t recv_with_fds(int sock, char *buf, size_t len, int flags) {
  char control[CMSG_SPACE(sizeof(int) * 64)];
  struct iovec iov = {buf, len};
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do n = recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      int *fds = (int *)CMSG_DATA(c);
      for (size_t i = 0; i < count; i++) fdq_push(fds[i]);
    }
  }
  return n;
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

static void child_fail(int out, int status, const char *what, const char *name, int err) {
  if (out >= 0) {
    char text[4096];
    int n = snprintf(text, sizeof text, "dsari: cannot start the run: %s%s%s: %s\n", what, name ? " " : "", name ? name : "", strerror(err));
    if (n > 0) write_all(out, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
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
  char head[16];
  size_t got = 0;
  while (got < sizeof head) {
    ssize_t n = recv_with_fds(sock, head + got, sizeof head - got, 0);
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
    ssize_t n = recv_with_fds(sock, body + got, body_len - got, 0);
    if (n <= 0) _exit(126);
    got += (size_t)n;
  }
  close(sock);
  int fds[64];
  if (nfds > 64 || fdq_take(fds, nfds) < 0) _exit(126);
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
  if (chdir(cwd) < 0) child_fail(out, 126, "working directory", cwd, errno);

  struct sigaction caught;
  memset(&caught, 0, sizeof caught);
  caught.sa_handler = ignore_signal;
  sigemptyset(&caught.sa_mask);
  for (size_t i = 0; i < sizeof WRAPPER_SIGNALS / sizeof WRAPPER_SIGNALS[0]; i++) sigaction(WRAPPER_SIGNALS[i], &caught, NULL);

  pid_t command = fork();
  if (command < 0) child_fail(out, 126, "fork", NULL, errno);
  if (command == 0) {
    /* Caught signals become default at exec; until then they are the wrapper's no-op. */
    environ = envp;
    /* execvp: PATH from the run's environment; a file without a #! line is run by /bin/sh. */
    execvp(file, argv);
    int err = errno;
    child_fail(out, err == ENOENT || err == ENOTDIR ? 127 : 126, "command", file, err);
  }
  int wstatus = 0;
  while (waitpid(command, &wstatus, 0) < 0) {
    if (errno != EINTR) _exit(126);
  }
  int status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  /* One short write, no rename (as the /bin/sh wrapper): a reader looks only once this process is gone. */
  int fd = open(status_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd >= 0) {
    char text[16];
    int n = snprintf(text, sizeof text, "%d\n", status);
    write_all(fd, text, (size_t)n);
    close(fd);
  }
  _exit(status);
}

/* ---- the reaper ---- */

static kid_t *find_kid(pid_t pid) {
  for (size_t i = 0; i < nkids; i++)
    if (kids[i].pid == pid) return &kids[i];
  return NULL;
}

static void drop_kid(kid_t *k) {
  if (k->sock >= 0) close(k->sock);
  *k = kids[--nkids];
}

static size_t count_state(int state) {
  size_t n = 0;
  for (size_t i = 0; i < nkids; i++)
    if (kids[i].state == state) n++;
  return n;
}

static void fork_idle(int sfd) {
  if (nkids == capkids) {
    size_t cap = capkids ? capkids * 2 : 16;
    kid_t *grown = realloc(kids, cap * sizeof(kid_t));
    if (!grown) return;
    kids = grown;
    capkids = cap;
  }
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return;
  pid_t pid = fork();
  if (pid < 0) {
    close(sv[0]);
    close(sv[1]);
    return;
  }
  if (pid == 0) {
    /* Hold nothing of the reaper's: not the daemon's socket, not the other children's. */
    close(DAEMON_FD);
    close(sfd);
    for (size_t i = 0; i < nkids; i++)
      if (kids[i].sock >= 0) close(kids[i].sock);
    close(sv[0]);
    for (size_t i = 0; i < fdq_len; i++) close(fdq[i]);
    fdq_len = 0;
    /* Its own session and process group before its PID is announced, so that the daemon can
     * signal the group from the moment it knows the PID; every signal at its default and none
     * blocked (as posix_spawn's SETSID/SETSIGDEF/SETSIGMASK did for the wrapper), so that a
     * SIGTERM that arrives before the exec ends it rather than being ignored as by the reaper. */
    setsid();
    for (int s = 1; s < 65; s++) {
      if (s == SIGKILL || s == SIGSTOP) continue;
      signal(s, SIG_DFL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    become_run(sv[1]);
    _exit(126);
  }
  close(sv[1]);
  kids[nkids++] = (kid_t){pid, sv[0], KID_IDLE};
  tell_daemon(MSG_READY, pid, 0);
}

static void write_status(const char *path, int status) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return; /* RUN_DIR gone: the daemon still gets the status from us */
  char text[16];
  int n = snprintf(text, sizeof text, "%d\n", status);
  write_all(fd, text, (size_t)n);
  close(fd);
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
    int value = si.si_status;
    kid_t *k = find_kid(pid);
    if (!k) continue;
    if (k->state == KID_RUNNING) tell_daemon(signaled ? MSG_SIGNALED : MSG_EXITED, pid, value);
    else tell_daemon(MSG_GONE, pid, 0);
    drop_kid(k);
  }
}

/* A run the daemon gave to a child that is no longer waiting: say so in its output, record 126. */
static void refuse_start(pid_t pid, const char *status_path, const int *fds, uint32_t nfds, const char *body, const char *end) {
  (void)body;
  (void)end;
  if (nfds >= 2) {
    char text[256];
    int n = snprintf(text, sizeof text, "dsari: cannot start the run: its process %d ended before the run was handed to it\n", (int)pid);
    write_all(fds[1], text, (size_t)n);
  }
  write_status(status_path, 126);
  tell_daemon(MSG_EXITED, pid, 126);
}

static char *inbuf;
static size_t inlen, incap;

static void handle_messages(void) {
  size_t off = 0;
  while (inlen - off >= 16) {
    uint32_t len, type, nfds;
    int32_t pid;
    memcpy(&len, inbuf + off, 4);
    memcpy(&type, inbuf + off + 4, 4);
    memcpy(&pid, inbuf + off + 8, 4);
    memcpy(&nfds, inbuf + off + 12, 4);
    if (inlen - off - 4 < len) break;
    const char *msg = inbuf + off;
    off += 4 + (size_t)len;
    int fds[64];
    if (type != MSG_START || len < 12 || nfds > 64 || fdq_take(fds, nfds) < 0) continue;
    const char *body = msg + 16, *end = msg + 4 + len;
    const char *nul = memchr(body, '\0', (size_t)(end - body));
    if (!nul) {
      for (uint32_t i = 0; i < nfds; i++) close(fds[i]);
      continue;
    }
    kid_t *k = find_kid(pid);
    if (!k || k->state != KID_IDLE) {
      refuse_start(pid, body, fds, nfds, body, end);
    } else {
      k->state = KID_RUNNING;
      /* Hand the whole message on, descriptors with it. */
      char control[CMSG_SPACE(sizeof(int) * 64)];
      memset(control, 0, sizeof control);
      struct iovec iov = {(void *)msg, 4 + (size_t)len};
      struct msghdr m = {0};
      m.msg_iov = &iov;
      m.msg_iovlen = 1;
      if (nfds > 0) {
        m.msg_control = control;
        m.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
      }
      ssize_t n;
      do n = sendmsg(k->sock, &m, MSG_NOSIGNAL);
      while (n < 0 && errno == EINTR);
      if (n > 0 && (size_t)n < iov.iov_len) write_all(k->sock, msg + n, iov.iov_len - (size_t)n);
      /* Closing our end: the child reads to the end of the message, then EOF means nothing more. */
      close(k->sock);
      k->sock = -1;
    }
    for (uint32_t i = 0; i < nfds; i++) close(fds[i]);
  }
  memmove(inbuf, inbuf + off, inlen - off);
  inlen -= off;
}

static void read_daemon(void) {
  if (incap - inlen < 65536) {
    size_t cap = incap ? incap * 2 : 131072;
    char *grown = realloc(inbuf, cap);
    if (!grown) return;
    inbuf = grown;
    incap = cap;
  }
  ssize_t n = recv_with_fds(DAEMON_FD, inbuf + inlen, incap - inlen, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
  if (n <= 0) {
    daemon_open = 0;
    return;
  }
  inlen += (size_t)n;
  handle_messages();
}

int main(void) {
  /* The daemon's end of the socket must not reach a run. */
  if (fcntl(DAEMON_FD, F_SETFD, FD_CLOEXEC) < 0) return 2;
  /* Shutdown signals meant for the daemon (a service manager signals the whole group) must not
   * end the one process that records the runs' statuses: it ends by itself when its work is done. */
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
      while (count_state(KID_IDLE) < IDLE_TARGET) {
        size_t before = nkids;
        fork_idle(sfd);
        if (nkids == before) break; /* cannot fork now: try again at the next event */
      }
    } else {
      /* No daemon to hand runs over: the idle children end (EOF on their socket). */
      for (size_t i = 0; i < nkids; i++)
        if (kids[i].state == KID_IDLE && kids[i].sock >= 0) {
          close(kids[i].sock);
          kids[i].sock = -1;
        }
      if (nkids == 0) return 0;
    }
    struct pollfd pfd[2] = {{sfd, POLLIN, 0}, {DAEMON_FD, POLLIN, 0}};
    int n = poll(pfd, daemon_open ? 2 : 1, daemon_open && count_state(KID_IDLE) < IDLE_TARGET ? 1000 : -1);
    if (n < 0 && errno != EINTR) return 2;
    if (pfd[0].revents) {
      struct signalfd_siginfo info;
      while (read(sfd, &info, sizeof info) == sizeof info) {
      }
      reap();
    }
    if (daemon_open && pfd[1].revents) read_daemon();
  }
}
