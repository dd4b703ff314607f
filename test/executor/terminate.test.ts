import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processAlive, processStartTime, processesWithRunId, readProcStat } from '../../src/executor/proc.js';
import { startRun } from '../../src/executor/spawn.js';
import { readExitStatus } from '../../src/executor/status.js';
import type { RunEvent } from '../../src/executor/types.js';
import { makeTempDir, waitFor } from '../helpers/index.js';
import { FakeClock, leftoverProcesses, prepareRun, program, track, waitForOutput, waitForPidFile } from './support.js';

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  tmp = makeTempDir('dsari-term-');
});
afterEach(() => {
  tmp.cleanup();
  expect(leftoverProcesses()).toEqual([]);
});

async function gone(pid: number, startTime: number | null): Promise<void> {
  await waitFor(`process ${pid} to end`, () => !processAlive(pid, startTime), { timeoutMs: 10_000 });
}

describe('terminate()', () => {
  it('reaches a grandchild in the process group', async () => {
    const { runDir, env } = prepareRun(tmp.path, 'r-gc');
    const handle = startRun({ argv: [program('spawn-grandchild')], env, runDir });
    track(handle.pid);
    const grandchild = await waitForPidFile(runDir, 'grandchild.pid');
    await waitForOutput(runDir, 'started');
    const grandchildStart = processStartTime(grandchild);
    expect(processAlive(grandchild, grandchildStart)).toBe(true);
    handle.terminate({ graceSeconds: 10 });
    const result = await handle.exited;
    expect(result).toMatchObject({ exitCode: 143, signal: 'SIGTERM', terminated: true, killed: false, timedOut: false });
    await gone(grandchild, grandchildStart);
  });

  it('SIGKILLs a command that ignores SIGTERM after the grace, and the wrapper still records 137', async () => {
    const { runDir, env } = prepareRun(tmp.path, 'r-ign');
    const events: RunEvent[] = [];
    const handle = startRun({ argv: [program('ignore-term')], env, runDir, onEvent: (e) => events.push(e) });
    track(handle.pid);
    await waitForOutput(runDir, 'started');
    const t0 = Date.now();
    handle.terminate({ graceSeconds: 0.5 });
    const result = await handle.exited;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
    expect(result).toMatchObject({ exitCode: 137, signal: 'SIGKILL', terminated: true, killed: true, timedOut: false });
    expect(readExitStatus(runDir)).toBe(137);
    expect(events).toContainEqual({ type: 'terminate-kill', pid: handle.pid, grace: 0.5 });
  });

  it('without a grace, never SIGKILLs; a later terminate() can shorten it; kill() is immediate', async () => {
    const { runDir, env } = prepareRun(tmp.path, 'r-nograce');
    const handle = startRun({ argv: [program('ignore-term')], env, runDir });
    track(handle.pid);
    await waitForOutput(runDir, 'started');
    handle.terminate();
    let done = false;
    void handle.exited.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(done).toBe(false);
    handle.kill();
    expect(await handle.exited).toMatchObject({ exitCode: 137, killed: true, terminated: true });
  });

  it('finds and terminates a process that left the group with setsid (by its RUN_ID)', async () => {
    const { runDir, env } = prepareRun(tmp.path, 'r-escape-1234');
    const events: RunEvent[] = [];
    const handle = startRun({ argv: [program('setsid-escape')], env, runDir, onEvent: (e) => events.push(e) });
    track(handle.pid);
    const escaped = await waitForPidFile(runDir, 'escaped.pid');
    await waitForOutput(runDir, 'started');
    const escapedStart = processStartTime(escaped);
    // It really did leave: another session, another group.
    const stat = (await import('../../src/executor/proc.js')).readProcStat(escaped);
    expect(stat?.pgrp).not.toBe(handle.pid);
    expect(processesWithRunId('r-escape-1234').map((p) => p.pid)).toContain(escaped);
    handle.terminate({ graceSeconds: 10 });
    expect((await handle.exited).exitCode).toBe(143);
    await gone(escaped, escapedStart);
    expect(events).toContainEqual({ type: 'escaped', pids: [escaped] });
  });

  it('ends a command that itself left the group (setsid as the command), SIGKILL included', async () => {
    const { runDir, env } = prepareRun(tmp.path, 'r-setsid-cmd');
    const handle = startRun({ argv: ['setsid', 'sh', '-c', 'trap "" TERM; echo started; exec sleep 100000'], env, runDir });
    track(handle.pid);
    await waitForOutput(runDir, 'started');
    const inRun = processesWithRunId('r-setsid-cmd').filter((p) => p.pid !== handle.pid);
    expect(inRun).toHaveLength(1);
    for (const p of inRun) track(p.pid);
    expect(inRun[0]?.pgrp).not.toBe(handle.pid);
    handle.terminate({ graceSeconds: 0.3 });
    expect(await handle.exited).toMatchObject({ exitCode: 137, signal: 'SIGKILL', killed: true });
    await gone(inRun[0]?.pid ?? 0, inRun[0]?.startTime ?? null);
  });

  it('a stopped command still receives SIGTERM (SIGCONT follows it)', async () => {
    const { runDir, env } = prepareRun(tmp.path, 'r-stopped');
    const handle = startRun({ argv: ['sh', '-c', 'echo started; kill -STOP $$; sleep 100000'], env, runDir });
    track(handle.pid);
    await waitForOutput(runDir, 'started');
    await waitFor('the command to stop', () => {
      const kids = processesWithRunId('r-stopped').filter((p) => p.pid !== handle.pid);
      return kids.length > 0 && kids.every((p) => (readProcStat(p.pid)?.state ?? 'T') === 'T');
    });
    handle.terminate();
    expect(await handle.exited).toMatchObject({ exitCode: 143, signal: 'SIGTERM', killed: false });
  });

  it('has no effect after the run ended', async () => {
    const { runDir, env } = prepareRun(tmp.path, 'r-after');
    const handle = startRun({ argv: ['true'], env, runDir });
    track(handle.pid);
    const result = await handle.exited;
    handle.terminate({ graceSeconds: 0 });
    handle.kill();
    expect(result.terminated).toBe(false);
  });
});

describe('max_execution timers (injected clock)', () => {
  it('SIGTERM exactly at max_execution, SIGKILL at max_execution + grace, on the monotonic clock', async () => {
    const clock = new FakeClock();
    const { runDir, env } = prepareRun(tmp.path, 'r-fake');
    const events: RunEvent[] = [];
    const handle = startRun({ argv: [program('ignore-term')], env, runDir, clock, maxExecution: 3600, maxExecutionGrace: 60, onEvent: (e) => events.push(e) });
    track(handle.pid);
    await waitForOutput(runDir, 'started');
    clock.advance(3_599_999);
    expect(events).toEqual([]);
    clock.advance(1);
    expect(events).toEqual([{ type: 'max-execution-term', pid: handle.pid, maxExecution: 3600 }]);
    clock.advance(59_999);
    expect(events).toHaveLength(1);
    expect(processAlive(handle.pid ?? 0)).toBe(true);
    clock.advance(1);
    expect(events[1]).toEqual({ type: 'max-execution-kill', pid: handle.pid, grace: 60 });
    const result = await handle.exited;
    expect(result).toMatchObject({ exitCode: 137, timedOut: true, killed: true, terminated: false });
    expect(result.stopTime - result.startTime).toBeCloseTo(3660, 3);
    clock.advance(10_000);
    expect(clock.pending).toBe(0);
  });

  it('a run that ends in time leaves no timer armed', async () => {
    const clock = new FakeClock();
    const { runDir, env } = prepareRun(tmp.path, 'r-fake2');
    const handle = startRun({ argv: ['true'], env, runDir, clock, maxExecution: 10 });
    track(handle.pid);
    expect(clock.pending).toBe(1);
    expect((await handle.exited).timedOut).toBe(false);
    expect(clock.pending).toBe(0);
  });
});

describe('the exit-status wrapper', () => {
  it('records the status when the whole group gets SIGTERM directly', async () => {
    const { runDir, env } = prepareRun(tmp.path, 'r-wrap');
    const handle = startRun({ argv: [program('sleep-forever')], env, runDir });
    track(handle.pid);
    await waitForOutput(runDir, 'started');
    process.kill(-(handle.pid ?? 0), 'SIGTERM');
    expect((await handle.exited).exitCode).toBe(143);
    expect(readExitStatus(runDir)).toBe(143);
  });

  it('keeps SIGTERM at its default for the command (a trap with a handler, not an ignore)', async () => {
    const { runDir, env } = prepareRun(tmp.path, 'r-wrap2');
    const handle = startRun({ argv: ['sh', '-c', 'grep SigIgn /proc/$$/status; grep SigCgt /proc/$$/status'], env, runDir });
    track(handle.pid);
    await handle.exited;
    const text = (await import('node:fs')).readFileSync(join(runDir, 'output.txt'), 'utf8');
    const ignored = BigInt(`0x${/SigIgn:\s*([0-9a-f]+)/.exec(text)?.[1] ?? 'f'}`);
    // Signal n is mask bit n - 1: HUP 1, INT 2, QUIT 3, USR1 10, USR2 12, ALRM 14, TERM 15.
    const trapped = [1n, 2n, 3n, 10n, 12n, 14n, 15n].reduce((m, n) => m | (1n << (n - 1n)), 0n);
    expect(ignored & trapped).toBe(0n);
  });

  it('survives a signal to the group that the command handles, and records INT as 130', async () => {
    const { runDir, env } = prepareRun(tmp.path, 'r-wrap3');
    const handle = startRun({ argv: ['sh', '-c', 'trap "echo got-usr1" USR1; echo started; sleep 0.5 & wait; wait; exit 4'], env, runDir });
    track(handle.pid);
    await waitForOutput(runDir, 'started');
    process.kill(-(handle.pid ?? 0), 'SIGUSR1');
    expect(await handle.exited).toMatchObject({ exitCode: 4, signal: null });
    expect((await import('node:fs')).readFileSync(join(runDir, 'output.txt'), 'utf8')).toContain('got-usr1');
    expect(readExitStatus(runDir)).toBe(4);
    const intRun = prepareRun(tmp.path, 'r-wrap4');
    const h2 = startRun({ argv: [program('kill-self'), 'INT'], env: intRun.env, runDir: intRun.runDir });
    track(h2.pid);
    expect(await h2.exited).toMatchObject({ exitCode: 130, signal: 'SIGINT' });
    expect(readExitStatus(intRun.runDir)).toBe(130);
  });
});
