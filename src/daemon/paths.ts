/** Where the daemon keeps things under DATA_DIR (SPEC §2). */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DsariError, errorMessage } from '../errors.js';

/** `DATA_DIR/runs/JOB/RUN_ID`. */
export function runDirOf(dataDir: string, jobName: string, runId: string): string {
  return join(dataDir, 'runs', jobName, runId);
}

/** `DATA_DIR/trigger/JOB`. */
export function triggerDirOf(dataDir: string, jobName: string): string {
  return join(dataDir, 'trigger', jobName);
}

/**
 * Creates DATA_DIR and the folders the daemon writes in, checking that they are usable.
 * @throws DsariError naming the directory
 */
export function prepareDataDir(dataDir: string): void {
  for (const dir of [dataDir, join(dataDir, 'runs'), join(dataDir, 'trigger')]) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new DsariError('E_DATA_DIR', `cannot use the data directory: cannot create ${dir}: ${errorMessage(err)}`, { cause: err });
    }
  }
}
