import { defineConfig } from 'vitest/config';

/**
 * Files that stop the real PostgreSQL / MariaDB servers. They run in their own group AFTER every
 * other file, one file at a time, so an outage never overlaps another file's use of a server.
 */
const SERVER_FILES = ['test/store/postgresql.test.ts', 'test/store/mysql.test.ts', 'test/integration/daemon-database.test.ts'];

/**
 * Files run a second time with runs started by Node's child_process (DSARI_SPAWN=child_process)
 * instead of the native starter: the fallback where the addon is not built must stay correct;
 * and a third time with the native starter under the /bin/sh exit-status wrapper
 * (DSARI_SPAWN=wrapper) instead of dsari-reaper.
 */
const CHILD_PROCESS_FILES = ['test/executor/spawn.test.ts', 'test/executor/terminate.test.ts', 'test/integration/daemon-triggers.test.ts', 'test/integration/daemon-crash.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    setupFiles: ['./test/setup-fast-check.ts', './test/setup-cache-dir.ts'],
    reporters: ['default', './test/reporters/summary.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'main', include: ['test/**/*.test.ts'], exclude: SERVER_FILES, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'child_process', include: CHILD_PROCESS_FILES, env: { DSARI_SPAWN: 'child_process' }, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'wrapper', include: CHILD_PROCESS_FILES, env: { DSARI_SPAWN: 'wrapper' }, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'servers', include: SERVER_FILES, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
