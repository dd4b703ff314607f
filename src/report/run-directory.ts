import { join } from 'node:path';

/**
 * `DATA_DIR/runs/JOB/RUN_ID`: the directory of one run (SPEC §2). A module of its own so that a
 * command naming run directories (`dsari-info run show`) does not load the output readers
 * (zlib, streams, child processes for xz) with it.
 */
export function runDirectory(dataDir: string, jobName: string, runId: string): string {
  return join(dataDir, 'runs', jobName, runId);
}
