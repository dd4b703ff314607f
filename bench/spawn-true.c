/*
 * The reference for the burst benchmark (bench/burst.bench.mjs): N times, sequentially,
 * posix_spawn /bin/true and waitpid for it; prints the milliseconds it took. Compiled with cc
 * when the benchmark runs.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 300;
  char *args[] = {"/bin/true", NULL};
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < n; i++) {
    pid_t pid;
    int status;
    int err = posix_spawn(&pid, "/bin/true", NULL, NULL, args, environ);
    if (err != 0) {
      fprintf(stderr, "posix_spawn: error %d\n", err);
      return 1;
    }
    if (waitpid(pid, &status, 0) < 0) {
      perror("waitpid");
      return 1;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.3f\n", (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6);
  return 0;
}
