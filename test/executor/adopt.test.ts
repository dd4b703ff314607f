import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adoptRun } from '../../src/executor/adopt.js';
import { processAlive, processStartTime } from '../../src/executor/proc.js';
import { startRun } from '../../src/executor/spawn.js';
import { readExitStatus, wrapperArgs } from '../../src/executor/status.js';
import { makeTempDir, waitFor } from '../helpers/index.js';
import { leftoverProcesses, prepareRun, program, track, waitForOutput } from './support.js';

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  tmp = makeTempDir('dsari-adopt-');
});
afterEach(() => {
  tmp.cleanup();
  expect(leftoverProcesses()).toEqual([]);
});

/**
 * Starts a run the way the executor does (wrapper, own session, output file) from ANOTHER
 * process, which then exits: the run's process is not our child.
 */
function startElsewhere(runId: string, argv: string[], wrapped = true): { pid: number; startTime: number; runDir: string } {
  const { runDir, env } = prepareRun(tmp.path, runId);
  const command = wrapped ? ['/bin/sh', ...wrapperArgs(runDir, argv)] : argv;
  const r = spawnSync(process.execPath, [program('detach.mjs'), JSON.stringify(env), join(runDir, 'output.txt'), ...command], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  const pid = Number(r.stdout.trim());
  track(pid);
  const startTime = processStartTime(pid);
  expect(startTime).not.toBeNull();
  return { pid, startTime: startTime ?? 0, runDir };
}

describe('adoptRun', () => {
  it('watches a run started by another process and reads its exit status', async () => {
    const { pid, startTime, runDir } = startElsewhere('r-adopt-3', ['sh', '-c', 'echo started; read x < /dev/null; sleep 0.4; exit 3']);
    await waitForOutput(runDir, 'started');
    const adopted = adoptRun({ pid, processStartTime: startTime, runDir, pollMs: 50 });
    expect(adopted).not.toBeNull();
    const result = await adopted?.exited;
    expect(result).toMatchObject({ exitCode: 3, lost: false, lostReason: null, signal: null, timedOut: false, terminated: false, killed: false });
    expect(readExitStatus(runDir)).toBe(3);
  });

  it('sees a run ended by a signal from outside', async () => {
    const { pid, startTime, runDir } = startElsewhere('r-adopt-term', [program('sleep-forever')]);
    await waitForOutput(runDir, 'started');
    const adopted = adoptRun({ pid, processStartTime: startTime, runDir, pollMs: 50 });
    process.kill(-pid, 'SIGTERM');
    expect(await adopted?.exited).toMatchObject({ exitCode: 143, signal: 'SIGTERM', lost: false });
  });

  it('terminates an adopted run (SIGTERM, then SIGKILL after the grace) and still gets its status', async () => {
    const { pid, startTime, runDir } = startElsewhere('r-adopt-kill', [program('ignore-term')]);
    await waitForOutput(runDir, 'started');
    const adopted = adoptRun({ pid, processStartTime: startTime, runDir, runId: 'r-adopt-kill', pollMs: 50 });
    adopted?.terminate({ graceSeconds: 0.3 });
    expect(await adopted?.exited).toMatchObject({ exitCode: 137, signal: 'SIGKILL', lost: false, terminated: true, killed: true });
    expect(readExitStatus(runDir)).toBe(137);
  });

  it('enforces max_execution from the recorded start time', async () => {
    const { pid, startTime, runDir } = startElsewhere('r-adopt-max', [program('sleep-forever')]);
    await waitForOutput(runDir, 'started');
    const recordedStart = Date.now() / 1000 - 100;
    const adopted = adoptRun({ pid, processStartTime: startTime, runDir, startTime: recordedStart, maxExecution: 100.2, maxExecutionGrace: 30, pollMs: 50 });
    const result = await adopted?.exited;
    expect(result).toMatchObject({ exitCode: 143, timedOut: true, lost: false, startTime: recordedStart });
  });

  it('rejects a PID whose start time differs (a reused PID) and a PID that is gone', async () => {
    const { pid, startTime, runDir } = startElsewhere('r-adopt-reuse', [program('sleep-forever')]);
    await waitForOutput(runDir, 'started');
    expect(adoptRun({ pid, processStartTime: startTime + 1, runDir })).toBeNull();
    // Our own process is alive, but it is not the run.
    expect(adoptRun({ pid: process.pid, processStartTime: startTime, runDir })).toBeNull();
    process.kill(-pid, 'SIGKILL');
    await waitFor('the run to end', () => !processAlive(pid, startTime));
    expect(adoptRun({ pid, processStartTime: startTime, runDir })).toBeNull();
  });

  it('records a run that ended without an exit status as lost (255)', async () => {
    const { pid, startTime, runDir } = startElsewhere('r-adopt-lost', ['sh', '-c', 'echo started; sleep 0.4'], false);
    await waitForOutput(runDir, 'started');
    const adopted = adoptRun({ pid, processStartTime: startTime, runDir, pollMs: 50 });
    const result = await adopted?.exited;
    expect(result).toMatchObject({ exitCode: 255, lost: true, signal: null });
    expect(result?.lostReason).toContain(`process ${pid} ended`);
  });

  it('adopts a run whose starting handle was forgotten', async () => {
    const { runDir, env } = prepareRun(tmp.path, 'r-forgot');
    const handle = startRun({ argv: [program('sleep-forever')], env, runDir });
    track(handle.pid);
    await waitForOutput(runDir, 'started');
    const adopted = adoptRun({ pid: handle.pid ?? 0, processStartTime: handle.processStartTime ?? 0, runDir, pollMs: 50 });
    expect(adopted?.pid).toBe(handle.pid);
    adopted?.terminate({ graceSeconds: 5 });
    expect(await adopted?.exited).toMatchObject({ exitCode: 143, lost: false, terminated: true });
  });
});
