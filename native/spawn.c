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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#include "napi-errors.h"

/* Per Node environment (main thread or a worker): the async context exit callbacks run in. */
typedef struct {
  napi_async_context async_context;
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
  {
    bool is_array = false;
    napi_is_array(env, args[4], &is_array);
    if (!is_array) {
      throw_type(env, "dups must be an array of descriptor numbers");
      goto out;
    }
    napi_get_array_length(env, args[4], &ndups);
    dups = calloc(ndups + 1, sizeof(int));
    for (uint32_t i = 0; i < ndups; i++) {
      napi_value item;
      napi_get_element(env, args[4], i, &item);
      if (napi_get_value_int32(env, item, &dups[i]) != napi_ok || dups[i] < 0) {
        throw_type(env, "dups must be an array of descriptor numbers");
        goto out;
      }
    }
    if (ndups % 2) {
      throw_type(env, "dups must hold pairs");
      goto out;
    }
  }

  posix_spawn_file_actions_init(&actions);
  actions_ready = 1;
  for (uint32_t i = 0; i < ndups; i += 2) posix_spawn_file_actions_adddup2(&actions, dups[i], dups[i + 1]);
  posix_spawn_file_actions_addchdir_np(&actions, cwd);

  posix_spawnattr_init(&attr);
  attr_ready = 1;
  /* Every signal at its default in the child, as libuv's own spawn leaves them (the daemon
   * ignores SIGPIPE, for one). sigfillset() leaves out glibc's two internal signals (32, 33),
   * which posix_spawn would then leave ignored in the command: set every bit by hand. */
  sigset_t all, none;
  memset(&all, 0xff, sizeof all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

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
  return exports;
}
