/**
 * Adopting a run after a crash of the daemon (SPEC §5.6): the run's process is not our child,
 * so it is watched by polling /proc (PID plus start time, so a reused PID is not taken for it),
 * its limits are still enforced, and its exit status is read from the file its wrapper leaves
 * in RUN_DIR.
 */
import { SystemClock, type TimerHandle } from '../clock.js';
import { processAlive, processStartTime } from './proc.js';
import { signalFromStatus } from './spawn.js';
import { readExitStatus } from './status.js';
import { RunTerminator } from './terminate.js';
import { EXIT_LOST, type AdoptRunSpec, type AdoptedRun, type AdoptedRunResult } from './types.js';

/**
 * Watches the process `spec.pid` if it is still the run's process (same start time); null if
 * that process is gone or the PID now belongs to another process. The result's `lost` is true
 * (exit code 255) when the process ended without leaving an exit status — unless this daemon
 * SIGKILLed it itself, in which case 137 is recorded.
 */
export function adoptRun(spec: AdoptRunSpec): AdoptedRun | null {
  const current = processStartTime(spec.pid);
  if (current === null || current !== spec.processStartTime || !processAlive(spec.pid, spec.processStartTime)) return null;
  const clock = spec.clock ?? new SystemClock();
  const pollMs = spec.pollMs ?? 1000;
  const pid = spec.pid;
  const terminator = new RunTerminator({ pid, runId: spec.runId ?? null, clock, onEvent: spec.onEvent });
  let timedOut = false;
  let terminated = false;
  let ended = false;
  let pollTimer: TimerHandle | null = null;
  let termTimer: TimerHandle | null = null;
  const startTime = spec.startTime ?? clock.now();

  const exited = new Promise<AdoptedRunResult>((resolveResult) => {
    const check = (): void => {
      pollTimer = null;
      if (processAlive(pid, spec.processStartTime)) {
        pollTimer = clock.setTimer(check, pollMs);
        return;
      }
      ended = true;
      if (termTimer) clock.clearTimer(termTimer);
      terminator.leaderExited();
      const status = readExitStatus(spec.runDir);
      let exitCode: number;
      let lost = false;
      let lostReason: string | null = null;
      if (status !== null) {
        exitCode = status;
      } else if (terminator.killSent) {
        exitCode = 137;
      } else {
        exitCode = EXIT_LOST;
        lost = true;
        lostReason = `process ${pid} ended while no daemon was watching it and left no exit status in ${spec.runDir}`;
      }
      resolveResult({
        exitCode,
        signal: lost ? null : signalFromStatus(exitCode),
        timedOut,
        terminated,
        killed: terminator.killSent,
        startTime,
        stopTime: clock.now(),
        lost,
        lostReason,
      });
    };
    pollTimer = clock.setTimer(check, pollMs);
  });

  if (spec.maxExecution !== null && spec.maxExecution !== undefined && spec.maxExecution > 0) {
    const maxExecution = spec.maxExecution;
    const grace = spec.maxExecutionGrace ?? 60;
    // Measured from the recorded start: the time this run already had counts.
    const remainingMs = Math.max(0, (startTime + maxExecution - clock.now()) * 1000);
    termTimer = clock.setTimer(() => {
      termTimer = null;
      timedOut = true;
      spec.onEvent?.({ type: 'max-execution-term', pid, maxExecution });
      terminator.terminate(grace, 'max-execution');
    }, remainingMs);
  }
  void pollTimer;

  return {
    pid,
    processStartTime: spec.processStartTime,
    exited,
    terminate(options = {}) {
      if (ended) return;
      terminated = true;
      terminator.terminate(options.graceSeconds ?? null, 'terminate');
    },
    kill() {
      if (ended) return;
      terminated = true;
      terminator.kill('terminate');
    },
  };
}
