/**
 * One retention pass at a time per DATA_DIR: two `dsari prune`, or a prune and the daemon's
 * background retention, never remove the same runs at once. The lock is a file holding the
 * owner's PID, created exclusively; a lock whose owner is dead is taken over.
 */
import { pidAlive } from '../pid.js';
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The lock file in DATA_DIR. */
export const PRUNE_LOCK_FILE = 'prune.lock';


/** A held lock; release it when done. */
export interface PruneLock {
  release(): void;
}

/**
 * Takes the lock, or returns the PID of the live process holding it.
 * @throws Error when DATA_DIR cannot be written
 */
export function takePruneLock(dataDir: string): PruneLock | { heldBy: number } {
  const file = join(dataDir, PRUNE_LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return {
        release: () => {
          try {
            if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file, { force: true });
          } catch (err) {
            // already removed: nothing to release
            void err;
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let pid: number;
    try {
      pid = Number(readFileSync(file, 'utf8').trim());
    } catch (err) {
      void err; // removed meanwhile: try again
      continue;
    }
    if (Number.isInteger(pid) && pid > 0 && pidAlive(pid) && pid !== process.pid) return { heldBy: pid };
    // Left by a process that died (or unreadable): taken over. Two prunes may both find it dead;
    // the lock is renamed aside (atomic) and checked, so that the later one cannot remove the lock
    // the earlier one has just created in its place.
    const aside = `${file}.stale-${process.pid}`;
    try {
      renameSync(file, aside);
    } catch (err) {
      void err; // gone meanwhile (another prune took it over): try again
      continue;
    }
    const was = readFileSync(aside, 'utf8').trim();
    if (was !== String(pid)) {
      // a live prune's fresh lock: put back where it was (link fails only if a third took the place)
      try {
        linkSync(aside, file);
      } catch (err) {
        void err;
      }
      rmSync(aside, { force: true });
      const holder = Number(was);
      if (Number.isInteger(holder) && holder > 0 && pidAlive(holder)) return { heldBy: holder };
      continue;
    }
    rmSync(aside, { force: true });
  }
  return { heldBy: 0 };
}
