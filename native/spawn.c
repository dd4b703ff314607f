/*
 * dsari_spawn: start a run's process with posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK), so
 * the daemon's page tables are never copied, unlike fork()), and learn of its end through a
 * pidfd watched by the daemon's own libuv loop. See docs/executor.md, "How a run's process is started".
 *
 * JS API (N-API):
 *   probe() -> true, or throws: this kernel and libc can do what spawn() needs
 *   spawn(file, argv[], env[], cwd, dups[], onExit) -> pid
 *     dups: flat [from, to, from, to, ...]: dup2(from, to) in the child, in that order
 *     onExit(status, signal): exit status, or null and the number of the signal that ended it
 *     throws an Error with .errno / .code (errno name) / .syscall when the process cannot start
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#include "napi-errors.h"
#include "fd-passing.h"
#include "reaper-protocol.h"

typedef struct reaper_s reaper_t;

/* Per Node environment (main thread or a worker): the async context exit callbacks run in. */
typedef struct {
  napi_async_context async_context;
  reaper_t *reaper;
} module_t;

typedef struct {
  uv_poll_t poll;
  napi_env env;
  module_t *module;
  napi_ref on_exit;
  pid_t pid;
  int pidfd;
} child_t;

static int pidfd_open_(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

/* A JS string as a new C string; NULL (with a pending TypeError) if it is not a string or holds a NUL byte. */
static char *c_string(napi_env env, napi_value value, const char *what) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &len) != napi_ok) {
    char text[128];
    snprintf(text, sizeof text, "%s must be a string", what);
    throw_type(env, text);
    return NULL;
  }
  char *s = malloc(len + 1);
  if (!s) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, value, s, len + 1, &len);
  if (strlen(s) != len) {
    char text[128];
    snprintf(text, sizeof text, "%s must be a string without null bytes", what);
    free(s);
    throw_type(env, text);
    return NULL;
  }
  return s;
}

static void free_vector(char **v) {
  if (!v) return;
  for (char **p = v; *p; p++) free(*p);
  free(v);
}

/* A JS array of strings as a NULL-terminated vector; NULL with a pending exception on error. */
static char **c_vector(napi_env env, napi_value array, const char *what) {
  bool is_array = false;
  napi_is_array(env, array, &is_array);
  if (!is_array) {
    char text[128];
    snprintf(text, sizeof text, "%s must be an array of strings", what);
    throw_type(env, text);
    return NULL;
  }
  uint32_t n = 0;
  napi_get_array_length(env, array, &n);
  char **v = calloc((size_t)n + 1, sizeof(char *));
  if (!v) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    napi_get_element(env, array, i, &item);
    v[i] = c_string(env, item, what);
    if (!v[i]) {
      free_vector(v);
      return NULL;
    }
  }
  return v;
}

/* A JS array of descriptor pairs as C ints (count in *n); NULL with a pending TypeError. */
static int *c_dups(napi_env env, napi_value array, uint32_t *n) {
  bool is_array = false;
  napi_is_array(env, array, &is_array);
  if (!is_array) {
    throw_type(env, "dups must be an array of descriptor numbers");
    return NULL;
  }
  napi_get_array_length(env, array, n);
  int *dups = calloc(*n + 1, sizeof(int));
  if (!dups) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  for (uint32_t i = 0; i < *n; i++) {
    napi_value item;
    napi_get_element(env, array, i, &item);
    if (napi_get_value_int32(env, item, &dups[i]) != napi_ok || dups[i] < 0) {
      free(dups);
      throw_type(env, "dups must be an array of descriptor numbers");
      return NULL;
    }
  }
  if (*n % 2) {
    free(dups);
    throw_type(env, "dups must hold pairs");
    return NULL;
  }
  return dups;
}

/*
 * A new session and every signal at its default, none blocked, in the child (as libuv's own
 * spawn leaves them; the daemon ignores SIGPIPE, for one). sigfillset() leaves out glibc's two
 * internal signals (32, 33), which posix_spawn would then leave ignored: every bit set by hand.
 */
static void spawnattr_clean(posix_spawnattr_t *attr) {
  posix_spawnattr_init(attr);
  sigset_t all, none;
  memset(&all, 0xff, sizeof all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(attr, &all);
  posix_spawnattr_setsigmask(attr, &none);
  posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
}

static void on_closed(uv_handle_t *handle) {
  child_t *child = (child_t *)handle;
  close(child->pidfd);
  free(child);
}

static void on_readable(uv_poll_t *poll, int status, int events) {
  (void)status;
  (void)events;
  child_t *child = (child_t *)poll;
  int wstatus = 0;
  pid_t got;
  do got = waitpid(child->pid, &wstatus, WNOHANG);
  while (got < 0 && errno == EINTR);
  if (got == 0) return; /* not ended yet: keep watching */
  uv_poll_stop(poll);

  napi_env env = child->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value argv[2], callback, recv, result;
  if (got < 0) {
    /* Reaped by someone else (ECHILD): the status is not known here; the caller looks for the
     * one the wrapper left in RUN_DIR. */
    napi_get_null(env, &argv[0]);
    napi_get_null(env, &argv[1]);
  } else if (WIFSIGNALED(wstatus)) {
    napi_get_null(env, &argv[0]);
    napi_create_int32(env, WTERMSIG(wstatus), &argv[1]);
  } else {
    napi_create_int32(env, WEXITSTATUS(wstatus), &argv[0]);
    napi_get_null(env, &argv[1]);
  }
  napi_get_reference_value(env, child->on_exit, &callback);
  napi_delete_reference(env, child->on_exit);
  napi_get_global(env, &recv);
  uv_close((uv_handle_t *)poll, on_closed);
  if (napi_make_callback(env, child->module->async_context, recv, callback, 2, argv, &result) == napi_pending_exception) {
    napi_value error;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);
  }
  napi_close_handle_scope(env, scope);
}

static void free_module(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

static napi_value probe(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = pidfd_open_(getpid());
  if (fd < 0) return throw_errno(env, errno, "pidfd_open");
  close(fd);
  napi_value yes;
  napi_get_boolean(env, true, &yes);
  return yes;
}

static napi_value spawn_(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value args[6];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc < 6) return throw_type(env, "spawn(file, argv, env, cwd, dups, onExit)");
  napi_valuetype type;
  napi_typeof(env, args[5], &type);
  if (type != napi_function) return throw_type(env, "onExit must be a function");

  char *file = NULL, *cwd = NULL, **argv = NULL, **envp = NULL;
  int *dups = NULL;
  uint32_t ndups = 0;
  napi_value ret = NULL;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  int actions_ready = 0, attr_ready = 0;

  if (!(file = c_string(env, args[0], "file"))) goto out;
  if (!(argv = c_vector(env, args[1], "argv"))) goto out;
  if (!(envp = c_vector(env, args[2], "env"))) goto out;
  if (!(cwd = c_string(env, args[3], "cwd"))) goto out;
  if (!(dups = c_dups(env, args[4], &ndups))) goto out;

  posix_spawn_file_actions_init(&actions);
  actions_ready = 1;
  for (uint32_t i = 0; i < ndups; i += 2) posix_spawn_file_actions_adddup2(&actions, dups[i], dups[i + 1]);
  posix_spawn_file_actions_addchdir_np(&actions, cwd);

  spawnattr_clean(&attr);
  attr_ready = 1;

  child_t *child = calloc(1, sizeof(child_t));
  if (!child) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    goto out;
  }
  pid_t pid;
  int err = posix_spawn(&pid, file, &actions, &attr, argv, envp);
  if (err != 0) {
    free(child);
    throw_errno(env, err, "posix_spawn");
    goto out;
  }

  child->env = env;
  napi_get_instance_data(env, (void **)&child->module);
  child->pid = pid;
  child->pidfd = pidfd_open_(pid);
  if (child->pidfd < 0) {
    /* Only EMFILE/ENFILE are possible here (our own unreaped child, a kernel that passed probe()).
     * A process nobody watches would be lost: end its group at once and report the run as not
     * started. */
    int e = errno;
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
    free(child);
    throw_errno(env, e, "pidfd_open");
    goto out;
  }
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_init(loop, &child->poll, child->pidfd);
  napi_create_reference(env, args[5], 1, &child->on_exit);
  uv_poll_start(&child->poll, UV_READABLE, on_readable);
  napi_create_int32(env, pid, &ret);

out:
  if (actions_ready) posix_spawn_file_actions_destroy(&actions);
  if (attr_ready) posix_spawnattr_destroy(&attr);
  free(file);
  free(cwd);
  free_vector(argv);
  free_vector(envp);
  free(dups);
  return ret;
}

/* ---- runs started through dsari-reaper (native/reaper.c) ---- */

typedef struct rchild_s {
  pid_t pid;
  napi_ref on_exit;
  struct rchild_s *next;
} rchild_t;

struct reaper_s {
  napi_env env;
  module_t *module;
  int fd;      /* our end of the socket; -1 when no reaper runs */
  pid_t pid;
  uv_poll_t *poll; /* watches fd; a new one for each reaper (a closed handle cannot be reused) */
  uv_async_t async;
  int handles_ready;
  struct {
    pid_t pid;
    int sock; /* the idle child's socket: its run is sent there */
  } idle[64];
  size_t nidle;
  int fdq[64]; /* descriptors received with MSG_READY, not yet paired with it */
  size_t nfdq;
  rchild_t *children;
  char buf[4096];
  size_t buflen;
  int nofork; /* errno of the reaper's last failed fork while it had no idle child, until read */
  reaper_event_t *pending; /* ends read, not yet delivered (from the poll or the async handle) */
  size_t pending_head, npending, cappending;
};

static rchild_t *take_child(reaper_t *r, pid_t pid) {
  for (rchild_t **p = &r->children; *p; p = &(*p)->next) {
    if ((*p)->pid == pid) {
      rchild_t *c = *p;
      *p = c->next;
      return c;
    }
  }
  return NULL;
}

/* The loop is kept alive only while runs are going, as by a child's own handle. */
static void update_ref(reaper_t *r) {
  if (!r->poll) return;
  if (r->children) uv_ref((uv_handle_t *)r->poll);
  else uv_unref((uv_handle_t *)r->poll);
}

/* Calls a run's onExit: status, or null and the signal, or (reaper lost) null and null. */
static void deliver(reaper_t *r, pid_t pid, int has_status, int status, int has_signal, int signo) {
  rchild_t *c = take_child(r, pid);
  if (!c) return;
  napi_env env = r->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value argv[2], callback, recv, result;
  if (has_status) napi_create_int32(env, status, &argv[0]);
  else napi_get_null(env, &argv[0]);
  if (has_signal) napi_create_int32(env, signo, &argv[1]);
  else napi_get_null(env, &argv[1]);
  napi_get_reference_value(env, c->on_exit, &callback);
  napi_delete_reference(env, c->on_exit);
  free(c);
  update_ref(r);
  napi_get_global(env, &recv);
  if (napi_make_callback(env, r->module->async_context, recv, callback, 2, argv, &result) == napi_pending_exception) {
    napi_value error;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);
  }
  napi_close_handle_scope(env, scope);
}

/* Removes an idle child (its socket closed); 1 if it was one. */
static int forget_idle(reaper_t *r, pid_t pid) {
  for (size_t i = 0; i < r->nidle; i++) {
    if (r->idle[i].pid == pid) {
      close(r->idle[i].sock);
      memmove(r->idle + i, r->idle + i + 1, (r->nidle - i - 1) * sizeof r->idle[0]);
      r->nidle--;
      return 1;
    }
  }
  return 0;
}

/* One event: idle children are noted at once; ends of runs are queued, delivered by deliver_pending(). */
static void on_event(reaper_t *r, const reaper_event_t *ev) {
  switch (ev->type) {
    case MSG_READY: {
      if (r->nfdq == 0) return; /* no socket came with it: that child cannot be used */
      int sock = r->fdq[0];
      memmove(r->fdq, r->fdq + 1, (r->nfdq - 1) * sizeof(int));
      r->nfdq--;
      if (r->nidle < sizeof r->idle / sizeof r->idle[0]) {
        r->idle[r->nidle].pid = ev->pid;
        r->idle[r->nidle].sock = sock;
        r->nidle++;
      } else {
        close(sock); /* more than we can hold (never): that child ends */
      }
      return;
    }
    case MSG_NOFORK:
      r->nofork = ev->value > 0 ? ev->value : EAGAIN;
      return;
    case MSG_EXITED:
    case MSG_SIGNALED:
      if (forget_idle(r, ev->pid)) return; /* an idle child ended (killed by someone): no run of ours */
      if (r->npending == r->cappending) {
        size_t cap = r->cappending ? r->cappending * 2 : 64;
        reaper_event_t *grown = realloc(r->pending, cap * sizeof *grown);
        if (!grown) return;
        r->pending = grown;
        r->cappending = cap;
      }
      r->pending[r->npending++] = *ev;
      return;
  }
}

/*
 * Calls the onExit of every queued end. A callback may start runs, which may read (and queue)
 * more events: the queue is taken from the front one at a time, never iterated over.
 */
static void deliver_pending(reaper_t *r) {
  while (r->pending_head < r->npending) {
    reaper_event_t ev = r->pending[r->pending_head++];
    if (ev.type == MSG_EXITED) deliver(r, ev.pid, 1, ev.value, 0, 0);
    else deliver(r, ev.pid, 0, 0, 1, ev.value);
  }
  r->pending_head = 0;
  r->npending = 0;
}

static void free_handle(uv_handle_t *handle) { free(handle); }

/* Lets the waiting children go: their sockets closed, they end. */
static void close_waiting(reaper_t *r) {
  for (size_t i = 0; i < r->nidle; i++) close(r->idle[i].sock);
  r->nidle = 0;
  for (size_t i = 0; i < r->nfdq; i++) close(r->fdq[i]);
  r->nfdq = 0;
}

/* The reaper is gone: its runs may still be going, unwatched by it; JS watches them (null, null). */
static void reaper_lost(reaper_t *r) {
  if (r->fd < 0) return;
  uv_close((uv_handle_t *)r->poll, free_handle);
  r->poll = NULL;
  close(r->fd);
  r->fd = -1;
  close_waiting(r);
  int st;
  for (int i = 0; i < 100 && waitpid(r->pid, &st, WNOHANG) == 0; i++) usleep(10000);
  /* Its runs are told (null, null) from the async handle, which keeps the loop alive until then. */
  uv_ref((uv_handle_t *)&r->async);
  uv_async_send(&r->async);
}

/* A descriptor that came with MSG_READY: the child's socket, paired with the event when parsed. */
static void keep_ready_fd(int fd, void *ctx) {
  reaper_t *r = ctx;
  if (r->nfdq < sizeof r->fdq / sizeof r->fdq[0]) r->fdq[r->nfdq++] = fd;
  else close(fd);
}

/* Reads what is there into the queue (no JavaScript runs); -1 when the reaper is gone. */
static int read_events(reaper_t *r) {
  for (;;) {
    ssize_t n = recv_with_fds(r->fd, r->buf + r->buflen, sizeof r->buf - r->buflen, MSG_DONTWAIT, keep_ready_fd, r);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    if (n <= 0) return -1;
    r->buflen += (size_t)n;
    size_t off = 0;
    while (r->buflen - off >= sizeof(reaper_event_t)) {
      reaper_event_t ev;
      memcpy(&ev, r->buf + off, sizeof ev);
      off += sizeof ev;
      on_event(r, &ev);
    }
    memmove(r->buf, r->buf + off, r->buflen - off);
    r->buflen -= off;
  }
}

/* After the reaper is lost: every run still registered ends with (null, null). */
static void deliver_lost(reaper_t *r) {
  if (r->fd >= 0) return;
  while (r->children) deliver(r, r->children->pid, 0, 0, 0, 0);
}

/* Every end that is known: queued ones, then (reaper gone) every run still registered. */
static void deliver_all(reaper_t *r) {
  napi_handle_scope scope;
  napi_open_handle_scope(r->env, &scope);
  deliver_pending(r);
  deliver_lost(r);
  napi_close_handle_scope(r->env, scope);
}

static void on_reaper_readable(uv_poll_t *poll, int status, int events) {
  (void)status;
  (void)events;
  reaper_t *r = (reaper_t *)poll->data;
  if (read_events(r) < 0) reaper_lost(r);
  deliver_all(r);
}

/* Ends read while reaperSpawn waited for a child, and the runs of a reaper that was lost. */
static void on_async(uv_async_t *async) {
  reaper_t *r = (reaper_t *)async->data;
  uv_unref((uv_handle_t *)async);
  deliver_all(r);
}

static void reaper_cleanup(void *arg) {
  reaper_t *r = arg;
  /* The reaper sees EOF, the waiting children too (they end); the runs' wrappers record their statuses. */
  if (r->fd >= 0) close(r->fd);
  r->fd = -1;
  close_waiting(r);
  if (r->poll) uv_close((uv_handle_t *)r->poll, free_handle);
  r->poll = NULL;
  if (r->handles_ready) uv_close((uv_handle_t *)&r->async, NULL);
  r->handles_ready = 0;
}

/* Starts dsari-reaper at `path`; 0, or an errno with the failed call in *what. */
static int reaper_start(napi_env env, reaper_t *r, const char *path, const char **what) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
    *what = "socketpair";
    return errno;
  }
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, sv[1], 3);
  posix_spawn_file_actions_addchdir_np(&actions, "/");
  spawnattr_clean(&attr);
  char *argv[] = {"dsari-reaper", NULL};
  char *envp[] = {NULL};
  pid_t pid;
  int err = posix_spawn(&pid, path, &actions, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(sv[1]);
  if (err != 0) {
    close(sv[0]);
    *what = "posix_spawn";
    return err;
  }
  r->fd = sv[0];
  r->pid = pid;
  r->nidle = 0;
  r->nfdq = 0;
  r->buflen = 0;
  if (!r->handles_ready) {
    uv_loop_t *loop;
    napi_get_uv_event_loop(env, &loop);
    uv_async_init(loop, &r->async, on_async);
    r->async.data = r;
    uv_unref((uv_handle_t *)&r->async);
    r->handles_ready = 1;
    napi_add_env_cleanup_hook(env, reaper_cleanup, r);
  }
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  r->poll = calloc(1, sizeof(uv_poll_t));
  if (!r->poll || uv_poll_init(loop, r->poll, r->fd) != 0) {
    free(r->poll);
    r->poll = NULL;
    close(r->fd);
    r->fd = -1;
    *what = "uv_poll_init";
    return ENOMEM;
  }
  r->poll->data = r;
  uv_poll_start(r->poll, UV_READABLE, on_reaper_readable);
  update_ref(r);
  return 0;
}

/*
 * Waits (up to 10 s) until the reaper has an idle child; 0, or an errno: the reaper's own fork
 * error in *nofork (the run cannot start now), else the reaper is not answering.
 */
static int wait_for_idle(reaper_t *r, int *nofork) {
  *nofork = 0;
  r->nofork = 0;
  for (int waited = 0; r->nidle == 0;) {
    if (r->nofork) {
      *nofork = r->nofork;
      r->nofork = 0;
      return *nofork;
    }
    struct pollfd pfd = {r->fd, POLLIN, 0};
    int n = poll(&pfd, 1, 100);
    if (n < 0 && errno != EINTR) return errno;
    if (n > 0 && read_events(r) < 0) return EPIPE;
    if (n == 0 && (waited += 100) >= 10000) return ETIMEDOUT;
  }
  if (r->npending > r->pending_head) uv_async_send(&r->async);
  return 0;
}

static void put_u32(char **p, uint32_t v) {
  memcpy(*p, &v, sizeof v);
  *p += sizeof v;
}

static void put_str(char **p, const char *s) {
  size_t n = strlen(s) + 1;
  memcpy(*p, s, n);
  *p += n;
}

/*
 * reaperSpawn(reaperPath, file, argv[], env[], cwd, dups[], statusPath, onExit) -> pid
 * As spawn(), but the process is a child of dsari-reaper (started on first use), which writes
 * its exit status to statusPath before reaping it.
 */
static napi_value reaper_spawn(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value args[8];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc < 8) return throw_type(env, "reaperSpawn(reaperPath, file, argv, env, cwd, dups, statusPath, onExit)");
  napi_valuetype type;
  napi_typeof(env, args[7], &type);
  if (type != napi_function) return throw_type(env, "onExit must be a function");
  module_t *module;
  napi_get_instance_data(env, (void **)&module);
  if (!module->reaper) {
    module->reaper = calloc(1, sizeof(reaper_t));
    if (!module->reaper) {
      napi_throw_error(env, "ENOMEM", "out of memory");
      return NULL;
    }
    module->reaper->fd = -1;
    module->reaper->env = env;
    module->reaper->module = module;
  }
  reaper_t *r = module->reaper;

  char *path = NULL, *file = NULL, *cwd = NULL, *status_path = NULL, **argv = NULL, **envp = NULL, *msg = NULL;
  int *dups = NULL;
  uint32_t ndups = 0;
  napi_value ret = NULL;
  if (!(path = c_string(env, args[0], "reaperPath"))) goto out;
  if (!(file = c_string(env, args[1], "file"))) goto out;
  if (!(argv = c_vector(env, args[2], "argv"))) goto out;
  if (!(envp = c_vector(env, args[3], "env"))) goto out;
  if (!(cwd = c_string(env, args[4], "cwd"))) goto out;
  if (!(status_path = c_string(env, args[6], "statusPath"))) goto out;
  if (!(dups = c_dups(env, args[5], &ndups))) goto out;

  if (r->fd < 0) {
    const char *what = NULL;
    int err = reaper_start(env, r, path, &what);
    if (err) {
      throw_errno(env, err, what);
      goto out;
    }
  }
  /* The distinct descriptors to send, and the dups as (index, target). */
  int fds[FD_PASSING_MAX];
  uint32_t nfds = 0;
  for (uint32_t i = 0; i < ndups; i += 2) {
    uint32_t k = 0;
    while (k < nfds && fds[k] != dups[i]) k++;
    if (k == nfds) {
      if (nfds == FD_PASSING_MAX) {
        throw_type(env, "dups: at most 64 distinct descriptors");
        goto out;
      }
      fds[nfds++] = dups[i];
    }
    dups[i] = (int32_t)k;
  }
  size_t size = 16 + strlen(status_path) + 1 + strlen(file) + 1 + strlen(cwd) + 1 + 12 + (size_t)ndups * 4;
  uint32_t nargv = 0, nenv = 0;
  for (char **a = argv; *a; a++, nargv++) size += strlen(*a) + 1;
  for (char **e = envp; *e; e++, nenv++) size += strlen(*e) + 1;
  msg = malloc(size);
  if (!msg) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    goto out;
  }
  char *p = msg;
  put_u32(&p, (uint32_t)(size - 4));
  put_u32(&p, MSG_START);
  put_u32(&p, 0); /* the child's PID, filled in below */
  put_u32(&p, nfds);
  put_str(&p, status_path);
  put_str(&p, file);
  put_str(&p, cwd);
  put_u32(&p, nargv);
  for (char **a = argv; *a; a++) put_str(&p, *a);
  put_u32(&p, nenv);
  for (char **e = envp; *e; e++) put_str(&p, *e);
  put_u32(&p, ndups / 2);
  for (uint32_t i = 0; i < ndups; i++) put_u32(&p, (uint32_t)dups[i]);

  pid_t pid = 0;
  /* An idle child that has gone (its socket closed) is passed over for the next. */
  for (int attempt = 0; pid == 0; attempt++) {
    int nofork;
    int err = wait_for_idle(r, &nofork);
    if (nofork) {
      /* The reaper is fine but cannot fork now (process limit, memory): this run cannot start. */
      throw_errno(env, nofork, "fork");
      goto out;
    }
    if (err || attempt > 100) {
      reaper_lost(r);
      throw_errno(env, err ? err : EPIPE, "dsari-reaper");
      goto out;
    }
    pid_t candidate = r->idle[0].pid;
    int sock = r->idle[0].sock;
    memmove(r->idle, r->idle + 1, (r->nidle - 1) * sizeof r->idle[0]);
    r->nidle--;
    memcpy(msg + 8, &candidate, sizeof candidate);
    int sent = send_with_fds(sock, msg, size, fds, nfds);
    close(sock);
    if (sent == 0) pid = candidate; /* else that child has gone (EPIPE): the next one */
  }
  /* The reaper forks a child to take this one's place. */
  reaper_event_t taken = {MSG_TAKEN, pid, 0};
  ssize_t n;
  do n = send(r->fd, &taken, sizeof taken, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);

  rchild_t *child = calloc(1, sizeof(rchild_t));
  if (!child) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    goto out;
  }
  child->pid = pid;
  napi_create_reference(env, args[7], 1, &child->on_exit);
  child->next = r->children;
  r->children = child;
  update_ref(r);
  napi_create_int32(env, pid, &ret);

out:
  free(path);
  free(file);
  free(cwd);
  free(status_path);
  free_vector(argv);
  free_vector(envp);
  free(dups);
  free(msg);
  return ret;
}

/* reaperPid() -> the PID of this process's dsari-reaper, or null when none runs. */
static napi_value reaper_pid(napi_env env, napi_callback_info info) {
  (void)info;
  module_t *module;
  napi_get_instance_data(env, (void **)&module);
  napi_value ret;
  if (module->reaper && module->reaper->fd >= 0) napi_create_int32(env, module->reaper->pid, &ret);
  else napi_get_null(env, &ret);
  return ret;
}

NAPI_MODULE_INIT() {
  napi_value fn, name, resource;
  module_t *module = NULL;
  napi_get_instance_data(env, (void **)&module);
  if (!module) {
    module = calloc(1, sizeof(module_t));
    if (!module) return NULL;
    napi_create_string_utf8(env, "dsari_spawn", NAPI_AUTO_LENGTH, &name);
    napi_create_object(env, &resource);
    napi_async_init(env, resource, name, &module->async_context);
    /* Freed when the environment ends; the async context dies with it. */
    napi_set_instance_data(env, module, free_module, NULL);
  }
  napi_create_function(env, "probe", NAPI_AUTO_LENGTH, probe, NULL, &fn);
  napi_set_named_property(env, exports, "probe", fn);
  napi_create_function(env, "spawn", NAPI_AUTO_LENGTH, spawn_, NULL, &fn);
  napi_set_named_property(env, exports, "spawn", fn);
  napi_create_function(env, "reaperSpawn", NAPI_AUTO_LENGTH, reaper_spawn, NULL, &fn);
  napi_set_named_property(env, exports, "reaperSpawn", fn);
  napi_create_function(env, "reaperPid", NAPI_AUTO_LENGTH, reaper_pid, NULL, &fn);
  napi_set_named_property(env, exports, "reaperPid", fn);
  return exports;
}
