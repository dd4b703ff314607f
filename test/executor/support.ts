/**
 * Shared by the executor tests: fixture programs, run directories, a fake clock, and a record of
 * every process a test started so that `afterEach` can fail a test that leaves one behind.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, TimerHandle } from '../../src/clock.js';
import { buildRunEnvironment } from '../../src/executor/environment.js';
import { processAlive, processStartTime } from '../../src/executor/proc.js';
import type { RunEnvironmentInput } from '../../src/executor/types.js';
import { ROOT, waitFor } from '../helpers/index.js';

export const PROGRAMS = join(ROOT, 'test', 'fixtures', 'programs');

/** Absolute path of a fixture program. */
export function program(name: string): string {
  return join(PROGRAMS, name);
}

/** Every process (pid + start time) a test started or learned about. */
const started = new Map<number, number | null>();

/** Remember a process so that {@link leftoverProcesses} checks it. */
export function track(pid: number | null | undefined): void {
  if (pid === null || pid === undefined) return;
  started.set(pid, processStartTime(pid));
}

/**
 * SIGKILLs every tracked process still alive (the same process: start time checked) and returns
 * their PIDs; the tracking list is cleared. Use in afterEach: `expect(leftoverProcesses()).toEqual([])`.
 */
export function leftoverProcesses(): number[] {
  const left: number[] = [];
  for (const [pid, startTime] of started) {
    if (processAlive(pid, startTime)) {
      left.push(pid);
      for (const target of [-pid, pid]) {
        try {
          // The group first: a run's wrapper leads its group, so this also takes its command.
          process.kill(target, 'SIGKILL');
        } catch {
          // Not a group leader, or ended between the check and the kill.
        }
      }
    }
  }
  started.clear();
  return left;
}

/** A data dir with a fresh RUN_DIR for job `job` and run `runId`, and the environment of that run. */
export function prepareRun(
  base: string,
  runId: string,
  extra: Partial<RunEnvironmentInput> = {},
): { runDir: string; env: Record<string, string> } {
  const dataDir = join(base, 'data');
  const jobName = extra.jobName ?? 'job';
  const runDir = join(dataDir, 'runs', jobName, runId);
  mkdirSync(runDir, { recursive: true });
  const env = buildRunEnvironment({
    dataDir,
    jobName,
    runId,
    scheduleTime: 1_700_000_000,
    startTime: 1_700_000_000.5,
    triggerType: 'schedule',
    daemonPath: process.env['PATH'],
    ...extra,
  });
  return { runDir, env };
}

/** Waits for a fixture to write `name` in its working directory and returns the PID in it. */
export async function waitForPidFile(dir: string, name: string): Promise<number> {
  const pid = await waitFor(`${name} in ${dir}`, () => {
    const file = join(dir, name);
    if (!existsSync(file)) return null;
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : null;
  });
  track(pid);
  return pid;
}

/** Waits until output.txt of the run contains `text`. */
export async function waitForOutput(runDir: string, text: string): Promise<void> {
  await waitFor(`"${text}" in ${runDir}/output.txt`, () => {
    const file = join(runDir, 'output.txt');
    return existsSync(file) && readFileSync(file, 'utf8').includes(text);
  });
}

/** A clock the test moves by hand; timers fire when it is advanced past them. */
export class FakeClock implements Clock {
  private wallMs = 1_700_000_000_000;
  private monoMs = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.wallMs / 1000;
  }
  monotonicMs(): number {
    return this.monoMs;
  }
  setTimer(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { at: this.monoMs + Math.max(0, ms), fn });
    return { id };
  }
  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle.id);
  }
  /** Number of armed timers. */
  get pending(): number {
    return this.timers.size;
  }
  /** Moves both clocks forward, firing due timers in order. */
  advance(ms: number): void {
    const target = this.monoMs + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= target && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.wallMs += next[1].at - this.monoMs;
      this.monoMs = next[1].at;
      next[1].fn();
    }
    this.wallMs += target - this.monoMs;
    this.monoMs = target;
  }
}
