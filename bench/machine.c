/*
 * What memory and file reads cost on this machine (bench/machine.bench.mjs): the time of a page
 * fault on fresh anonymous memory (touching 64 MB of a new mapping, 4 KB at a time), and of a
 * 4 KB pread() of a file already in the page cache. On the 2-core VMs of issue 15 a fault costs
 * ~10 µs (a typical machine: ~0.5–1 µs), which is why memory touched is the dearest thing a
 * short command does there.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: machine FILE (a scratch file of 16 MB is written there)\n");
    return 2;
  }
  const size_t size = 64 << 20, page = 4096;
  double faults[5], reads[5];
  for (int r = 0; r < 5; r++) {
    double t = now_us();
    char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return perror("mmap"), 1;
    for (size_t i = 0; i < size; i += page) p[i] = 1;
    faults[r] = (now_us() - t) / (size / page);
    munmap(p, size);
  }
  const size_t fsize = 16 << 20;
  int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return perror(argv[1]), 1;
  char buf[4096] = {1};
  for (size_t i = 0; i < fsize; i += page) if (write(fd, buf, page) != (ssize_t)page) return perror("write"), 1;
  srand(1);
  for (int r = 0; r < 6; r++) {
    double t = now_us();
    for (int i = 0; i < 20000; i++) {
      if (pread(fd, buf, page, (off_t)(rand() % (fsize / page)) * page) != (ssize_t)page) return perror("pread"), 1;
    }
    if (r > 0) reads[r - 1] = (now_us() - t) / 20000; /* the first round brings the pages in */
  }
  close(fd);
  unlink(argv[1]);
  qsort(faults, 5, sizeof faults[0], cmp);
  qsort(reads, 5, sizeof reads[0], cmp);
  printf("page fault on fresh memory: %.2f us (median of 5 x 16,384)\n", faults[2]);
  printf("4 KB pread from the page cache: %.2f us (median of 5 x 20,000)\n", reads[2]);
  return 0;
}
