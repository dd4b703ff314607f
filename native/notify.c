/*
 * dsari_notify: send one datagram to a unix socket, which is how a service talks to systemd
 * (sd_notify(3): READY=1, WATCHDOG=1, ...). Node has no unix datagram sockets, hence this.
 * See docs/operations.md, "systemd".
 *
 * JS API (N-API):
 *   send(address, message) -> undefined, or throws an Error with .errno / .code / .syscall
 *     address: an absolute path, or "@name" for a socket in the abstract namespace
 *     message: a string (sent as UTF-8, without a terminating NUL)
 *
 * The socket is non-blocking and MSG_NOSIGNAL: a receiver that stopped reading (a full queue)
 * gives EAGAIN instead of blocking the daemon's event loop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <node_api.h>

#include "napi-errors.h"

static napi_value send_(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc < 2) return throw_type(env, "send(address, message) takes two strings");

  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  char path[sizeof addr.sun_path + 1];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, args[0], path, sizeof path, &len) != napi_ok) return throw_type(env, "address must be a string");
  if (len == 0) return throw_type(env, "address is empty");
  if (strlen(path) != len) return throw_type(env, "address contains a NUL byte");
  /* napi truncates to the buffer: a full buffer means the address did not fit in sun_path. */
  if (len >= sizeof addr.sun_path) return throw_type(env, "address is longer than a unix socket address can be (107 bytes)");
  socklen_t addr_len;
  if (path[0] == '@') {
    /* Abstract namespace: a leading NUL, and the length says where the name ends. */
    memcpy(addr.sun_path + 1, path + 1, len - 1);
    addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
  } else if (path[0] == '/') {
    memcpy(addr.sun_path, path, len);
    addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
  } else {
    return throw_type(env, "address must be an absolute path or start with @ (abstract socket)");
  }

  size_t msg_len = 0;
  if (napi_get_value_string_utf8(env, args[1], NULL, 0, &msg_len) != napi_ok) return throw_type(env, "message must be a string");
  char *msg = malloc(msg_len + 1);
  if (!msg) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, args[1], msg, msg_len + 1, &msg_len);

  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    int err = errno;
    free(msg);
    return throw_errno(env, err, "socket");
  }
  ssize_t sent;
  do {
    sent = sendto(fd, msg, msg_len, MSG_NOSIGNAL | MSG_DONTWAIT, (struct sockaddr *)&addr, addr_len);
  } while (sent < 0 && errno == EINTR);
  int err = errno;
  close(fd);
  free(msg);
  if (sent < 0) return throw_errno(env, err, "sendto");
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "send", NAPI_AUTO_LENGTH, send_, NULL, &fn);
  napi_set_named_property(env, exports, "send", fn);
  return exports;
}
