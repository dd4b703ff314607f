/** Where the daemon keeps things under DATA_DIR (SPEC §2). */
import { join } from 'node:path';

/** `DATA_DIR/runs/JOB/RUN_ID`. */
export function runDirOf(dataDir: string, jobName: string, runId: string): string {
  return join(dataDir, 'runs', jobName, runId);
}

/** `DATA_DIR/trigger/JOB`. */
export function triggerDirOf(dataDir: string, jobName: string): string {
  return join(dataDir, 'trigger', jobName);
}
