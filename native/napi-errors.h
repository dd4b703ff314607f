/*
 * Errors thrown to JavaScript by the native addons (spawn.c, notify.c): an Error with .errno,
 * .code (the errno name) and .syscall, as Node's own system errors; and a TypeError for bad
 * arguments. Included by each addon (each is its own shared object).
 */
#ifndef DSARI_NAPI_ERRORS_H
#define DSARI_NAPI_ERRORS_H

#include <stdio.h>
#include <string.h>

#include <node_api.h>

static napi_value throw_errno(napi_env env, int err, const char *syscall_name) {
  napi_value msg, code, error, num, sys;
  char text[256];
  snprintf(text, sizeof text, "%s: %s", syscall_name, strerror(err));
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  const char *name = strerrorname_np(err);
  napi_create_string_utf8(env, name ? name : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, msg, &error);
  napi_create_int32(env, err, &num);
  napi_set_named_property(env, error, "errno", num);
  napi_create_string_utf8(env, syscall_name, NAPI_AUTO_LENGTH, &sys);
  napi_set_named_property(env, error, "syscall", sys);
  napi_throw(env, error);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", message);
  return NULL;
}

#endif
