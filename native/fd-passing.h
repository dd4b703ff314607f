/*
 * Bytes with descriptors over a Unix socket (SCM_RIGHTS), shared by the daemon's addon
 * (spawn.c) and dsari-reaper (reaper.c). Each includes it (each is its own program).
 */
#ifndef DSARI_FD_PASSING_H
#define DSARI_FD_PASSING_H

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#define FD_PASSING_MAX 64

/*
 * Sends all of buf, the descriptors with its first bytes; 0, or -1 with errno (EPIPE: the peer
 * has gone). No SIGPIPE.
 */
static int send_with_fds(int sock, const void *buf, size_t len, const int *fds, size_t nfds) {
  char control[CMSG_SPACE(sizeof(int) * FD_PASSING_MAX)];
  if (nfds > FD_PASSING_MAX) {
    errno = EINVAL;
    return -1;
  }
  memset(control, 0, sizeof control);
  struct iovec iov = {(void *)buf, len};
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
  size_t sent = 0;
  while (sent < len) {
    ssize_t n = sent == 0 ? sendmsg(sock, &m, MSG_NOSIGNAL) : send(sock, (const char *)buf + sent, len - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    sent += (size_t)n;
  }
  return 0;
}

/*
 * One recvmsg into buf (flags | MSG_CMSG_CLOEXEC); each descriptor that came with the bytes is
 * given to keep(fd, ctx). Returns the bytes read, 0 at EOF, -1 with errno.
 */
static ssize_t recv_with_fds(int sock, void *buf, size_t len, int flags, void (*keep)(int fd, void *ctx), void *ctx) {
  char control[CMSG_SPACE(sizeof(int) * FD_PASSING_MAX)];
  struct iovec iov = {buf, len};
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = sizeof control;
  ssize_t n;
  do n = recvmsg(sock, &m, flags | MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      keep(fd, ctx);
    }
  }
  return n;
}

#endif
