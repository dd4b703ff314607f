/*
 * The messages between the daemon (spawn.c) and dsari-reaper (reaper.c); reaper.c has the layout.
 */
#ifndef DSARI_REAPER_PROTOCOL_H
#define DSARI_REAPER_PROTOCOL_H

#include <stdint.h>

/*
 * daemon → child: MSG_START and the run (reaper.c). reaper → daemon: MSG_READY (with the child's
 * socket as SCM_RIGHTS), MSG_EXITED / MSG_SIGNALED (a child ended: status or signal number).
 * MSG_NOFORK (value: fork's errno; sent when the reaper has no idle child and cannot fork one).
 * daemon → reaper: MSG_TAKEN (that child has its run now).
 */
enum { MSG_START = 1, MSG_READY = 2, MSG_EXITED = 3, MSG_SIGNALED = 4, MSG_TAKEN = 5, MSG_NOFORK = 6 };

/* Between the daemon and the reaper, both ways. */
typedef struct {
  uint32_t type;
  int32_t pid;
  int32_t value;
} reaper_event_t;

#endif
