/**
 * Runs left in `runs_running` by a daemon that died (SPEC §5.6). A run whose process still
 * exists (PID and process start time match) is adopted: watched until it ends, then recorded.
 * A run whose process is gone is recorded at once: with the exit status its wrapper left in
 * RUN_DIR when there is one ("recovered"), else with exit code 255 and `dsari_status: "lost"`.
 * Its output stays where it is either way.
 */
import type { Clock } from '../clock.js';
import type { Config, JobConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { FinishedRun, RunningRun } from '../store/types.js';
import type { RunExecutor, RunProcess } from './ports.js';
import { runDirOf } from './paths.js';

/** Exit code recorded for a run whose real status cannot be known (SPEC §5.6). */
export const EXIT_LOST = 255;

export interface Adoption {
  readonly row: RunningRun;
  readonly job: JobConfig | null;
  readonly runDir: string;
  readonly process: RunProcess;
}

export interface RecoveryResult {
  readonly adopted: Adoption[];
  /** Runs to record now (process gone). */
  readonly finished: FinishedRun[];
}

function numberOf(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Decides what happens to each leftover running run. */
export function recoverLeftovers(
  rows: readonly RunningRun[],
  ctx: { config: Config; executor: RunExecutor; clock: Clock; log: Logger },
): RecoveryResult {
  const adopted: Adoption[] = [];
  const finished: FinishedRun[] = [];
  for (const row of rows) {
    const log = ctx.log.child({ job: row.jobName, run: row.runId });
    const runDir = runDirOf(ctx.config.dataDir, row.jobName, row.runId);
    const pid = numberOf(row.runData['pid']);
    const started = numberOf(row.runData['process_start_time']);
    const job = ctx.config.jobs.get(row.jobName) ?? null;
    if (pid !== null && started !== null && ctx.executor.isAlive(pid, started)) {
      const process = ctx.executor.adopt({ job, runId: row.runId, runDir, pid, processStartTime: started, startTime: row.startTime });
      if (process !== null) {
        log.info(`Adopted PID ${pid} left running by a previous daemon`, { pid });
        adopted.push({ row, job, runDir, process });
        continue;
      }
    }
    const now = ctx.clock.now();
    const status = ctx.executor.readExitStatus(runDir);
    if (status !== null) {
      const stopTime = status.stopTime !== null && status.stopTime >= row.startTime ? status.stopTime : now;
      log.warning(`Finished with status ${status.exitCode} while no daemon was watching; recorded from RUN_DIR`, { exitCode: status.exitCode });
      finished.push({
        ...row,
        stopTime,
        exitCode: status.exitCode,
        runData: {
          ...row.runData,
          dsari_status: 'recovered',
          dsari_reason: 'the daemon stopped while the run was running; its exit status was read from RUN_DIR afterwards',
        },
      });
      continue;
    }
    const reason =
      pid === null
        ? 'the daemon stopped before the run\'s process was recorded'
        : `process ${pid} ended while no daemon was watching and left no exit status`;
    log.warning(`Run lost: ${reason}; recorded with status ${EXIT_LOST}`, { exitCode: EXIT_LOST });
    finished.push({
      ...row,
      stopTime: Math.max(now, row.startTime),
      exitCode: EXIT_LOST,
      runData: { ...row.runData, dsari_status: 'lost', dsari_reason: reason },
    });
  }
  return { adopted, finished };
}
