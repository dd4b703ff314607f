/*
 * The messages between the daemon (spawn.c) and dsari-reaper (reaper.c); reaper.c has the layout.
 */
#ifndef DSARI_REAPER_PROTOCOL_H
#define DSARI_REAPER_PROTOCOL_H

#include <stdint.h>

enum { MSG_START = 1, MSG_READY = 2, MSG_EXITED = 3, MSG_SIGNALED = 4, MSG_GONE = 5 };

/* reaper → daemon */
typedef struct {
  uint32_t type;
  int32_t pid;
  int32_t value;
} reaper_event_t;

#endif
